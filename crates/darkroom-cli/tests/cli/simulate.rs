//! `darkroom simulate`: the funnel against the lottery on the simulated profiles.

use super::*;

#[test]
fn simulate_compares_lottery_and_funnel_on_the_sim_profiles() {
    let d = scratch("simulate");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"s\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 6\n[tiers.finish]\nprovider = \"local\"\nsize = \"96\"\nkeep = 1\n[gates]\nadherence = 0.0\n[budget]\ncredits = 1\nmax_rounds = 1\n[[shots]]\nid = \"a\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\"]\n[[shots]]\nid = \"b\"\nprompt = \"a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["simulate", "c.toml", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = v["strategies"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    let get = |name: &str| s.iter().find(|x| x["strategy"] == name).unwrap().clone();
    let (lottery, funnel) = (get("lottery"), get("funnel"));
    for x in [&lottery, &funnel] {
        assert_eq!(x["assets"], 2, "{x}");
        let spent = x["spent_usd"].as_f64().unwrap();
        assert!((x["cpsa_usd"].as_f64().unwrap() - spent / 2.0).abs() < 1e-9);
        assert!(x["simulated_seconds"].as_f64().unwrap() > 0.0);
    }
    // The campaign's own cap (1 credit) does not apply; nothing is left in the folder.
    // Lottery: 12 candidates on `pro` ($0.134 each, retries unpaid). Funnel: 12 drafts on
    // `fast-draft` ($0.039) and 2 finishes on `pro`.
    let l = lottery["spent_usd"].as_f64().unwrap();
    let f = funnel["spent_usd"].as_f64().unwrap();
    assert!((l - 12.0 * 0.134).abs() < 1e-6, "{lottery}");
    assert!((f - (12.0 * 0.039 + 2.0 * 0.134)).abs() < 1e-6, "{funnel}");
    // Where the money went: per tier, summing to the spend.
    let tier =
        |x: &serde_json::Value, t: &str| x["by_tier"][t]["spent_usd"].as_f64().unwrap_or(0.0);
    assert!((tier(&lottery, "draft") - l).abs() < 1e-6, "{lottery}");
    assert!(
        (tier(&funnel, "draft") - 12.0 * 0.039).abs() < 1e-6,
        "{funnel}"
    );
    assert!(
        (tier(&funnel, "finish") - 2.0 * 0.134).abs() < 1e-6,
        "{funnel}"
    );
    assert!(funnel["by_tier"]["finish"]["calls"].as_u64().unwrap() >= 2);
    assert!(
        !d.join("out").exists(),
        "simulate writes nothing into the campaign's output"
    );
    let one = bin()
        .current_dir(&d)
        .args(["simulate", "c.toml", "--strategy", "funnel"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(
        text.contains("funnel") && !text.lines().any(|l| l.starts_with("lottery")),
        "{text}"
    );
    assert!(text.contains("finishes on pro $0.27"), "{text}");
    // The per-round arithmetic: 12 × $0.039 + 2 × $0.134 against 12 × $0.134.
    assert!(
        text.contains("funnel 12 drafts + 2 finishes = $0.736, lottery 12 candidates at the finish size = $1.608: 0.46×"),
        "{text}"
    );
}

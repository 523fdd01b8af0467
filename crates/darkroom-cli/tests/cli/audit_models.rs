//! `darkroom audit models`: adherence per category, budgeted and resumable.

use super::*;

#[test]
fn audit_models_measures_adherence_with_intervals_offline_and_on_a_fake_vendor() {
    let d = scratch("audit-models");
    let html = d.join("models.html");
    let o = bin()
        .current_dir(&d)
        .args([
            "audit",
            "models",
            "--repeats",
            "2",
            "--json",
            "--html",
            "models.html",
        ])
        .output()
        .unwrap();
    // Failed simulated calls are results, counted: the audit itself worked.
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ps = v["providers"].as_array().unwrap();
    assert_eq!(
        ps.iter()
            .map(|p| p["provider"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["sim-fast-draft", "sim-pro"]
    );
    for p in ps {
        assert_eq!(
            p["images"].as_u64().unwrap() + p["failed"].as_u64().unwrap(),
            16,
            "8 prompts × 2 repeats: {p}"
        );
        assert!(
            p["spent_usd"].as_f64().unwrap() > 0.0 && p["latency_p50"].as_f64().unwrap() > 0.0,
            "{p}"
        );
        let cats = p["categories"].as_object().unwrap();
        for k in ["color", "count", "entity", "relation"] {
            let c = &cats[k];
            let (lo, hi) = (
                c["wilson95"][0].as_f64().unwrap(),
                c["wilson95"][1].as_f64().unwrap(),
            );
            let rate = c["rate"].as_f64().unwrap();
            assert!(
                c["decided"].as_u64().unwrap() > 0 && lo <= rate && rate <= hi && hi - lo < 1.0,
                "{k}: {c}"
            );
        }
    }
    // The simulated pro model is dearer per image than the fast draft model.
    let per_image =
        |p: &serde_json::Value| p["spent_usd"].as_f64().unwrap() / p["images"].as_f64().unwrap();
    assert!(per_image(&ps[1]) > 3.0 * per_image(&ps[0]));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("darkroom · audit models"));
    assert!(page.contains("id=\"svg-adherence-sim-pro\"") && page.contains("id=\"svg-latency\""));
    assert_eq!(page.matches("<article class=\"card").count(), 32);
    // A suite on a (fake) real vendor, with the vendor's key from the environment.
    use darkroom_fakes::Fake;
    let f = Fake::gemini("AIza-audit-key-1");
    std::fs::write(
        d.join("suite.toml"),
        format!("[suite]\nname = \"gemini check\"\nrepeats = 1\nsize = \"512\"\n[providers.nano]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DR_AUDIT_KEY\"\nbase_url = \"{}\"\n[[prompts]]\nid = \"cube\"\ncategory = \"single object\"\nprompt = \"a blue cube\"\n", f.url),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["audit", "models", "suite.toml"])
        .env("DR_AUDIT_KEY", "AIza-audit-key-1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("nano: 1 images (0 failed), 1 calls"), "{out}");
    assert_eq!(f.seen().len(), 1);
    assert!(f.rejected().is_empty());
    // Bad suites: an unknown key, a missing API key; each named, exit 2, nothing called.
    std::fs::write(d.join("bad.toml"), "[suite]\nrepeat = 2\n").unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["audit", "models", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown field `repeat`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = bin()
        .current_dir(&d)
        .args(["audit", "models", "suite.toml"])
        .env_remove("DR_AUDIT_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`DR_AUDIT_KEY` is not set"));
    assert_eq!(f.seen().len(), 1);
}

/// Runs the built-in suite's `sim-pro` half (a one-provider suite) in `dir`, with `budget`;
/// returns the exit code and the JSON.
fn audit_pro(dir: &Path, budget: Option<&str>) -> (i32, serde_json::Value, String) {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .args(["audit", "models", "suite.toml", "--json"]);
    if let Some(b) = budget {
        cmd.args(["--budget", b]);
    }
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    (o.status.code().unwrap_or(-1), v, err)
}

#[test]
fn audit_models_stops_at_its_budget_and_asks_only_what_is_missing_when_run_again() {
    let d = scratch("audit-models-budget");
    let suite = "[suite]\nname = \"pro check\"\nrepeats = 2\nsize = \"512\"\n\
                 [providers.pro]\nkind = \"sim\"\nmodel = \"pro\"\n\
                 [[prompts]]\nid = \"a\"\ncategory = \"single object\"\nprompt = \"a red sphere\"\n\
                 [[prompts]]\nid = \"b\"\ncategory = \"two objects\"\nprompt = \"a blue cube and a yellow cylinder\"\n\
                 [[prompts]]\nid = \"c\"\ncategory = \"counting\"\nprompt = \"three green spheres\"\n\
                 [[prompts]]\nid = \"d\"\ncategory = \"position\"\nprompt = \"a red sphere to the left of a blue cube\"\n";
    for sub in ["capped", "full"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
        std::fs::write(d.join(sub).join("suite.toml"), suite).unwrap();
    }
    // The whole suite, uncapped, in its own folder: what every image costs once.
    let (code, full, err) = audit_pro(&d.join("full"), None);
    assert_eq!(code, 0, "{err}");
    let whole = full["spent_total_usd"].as_f64().unwrap();
    let images = full["providers"][0]["images"].as_u64().unwrap();
    assert_eq!(images + full["providers"][0]["failed"].as_u64().unwrap(), 8);
    // Half of it as the cap: the audit stops there, says so, exits 1, and spends no more.
    let half = whole / 2.0;
    let (code, v, err) = audit_pro(&d.join("capped"), Some(&format!("{half:.4}")));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("stopped by the budget (USD)"), "{err}");
    let spent = v["spent_total_usd"].as_f64().unwrap();
    assert!(spent <= half + 1e-9 && spent > 0.0, "{spent} of {half}");
    let asked = v["providers"][0]["images"].as_u64().unwrap();
    let not_asked = v["not_asked"].as_u64().unwrap();
    assert!(not_asked > 0 && asked > 0, "{v}");
    assert!(v["budget_stop"]["cap"].as_f64().is_some(), "{v}");
    // Again with enough: what the first audit has is reused, only the rest is asked, and the
    // folder has paid exactly what the uncapped audit paid — nothing twice.
    let (code, v, err) = audit_pro(&d.join("capped"), Some("100"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["reused"].as_u64().unwrap(), asked, "{v}");
    assert_eq!(v["not_asked"].as_u64().unwrap(), 0);
    assert!(
        (v["spent_total_usd"].as_f64().unwrap() - whole).abs() < 1e-9,
        "{v} against {whole}"
    );
    assert_eq!(
        v["providers"], full["providers"],
        "the same figures as one uncapped audit"
    );
    // A third time asks nothing at all.
    let (code, v, _) = audit_pro(&d.join("capped"), None);
    assert_eq!(code, 0);
    assert_eq!(v["sent"].as_u64().unwrap(), 0, "{v}");
}

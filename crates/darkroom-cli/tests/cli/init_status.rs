//! `darkroom init` and `darkroom status`: a new project and what its ledger says.

use super::*;

#[test]
fn init_then_status() {
    let d = scratch("init");
    let o = bin()
        .current_dir(&d)
        .args(["init", "proj"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let again = bin()
        .current_dir(&d)
        .args(["init", "proj"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "never overwrites");
    // Named after its folder, with its own output, and comments that point at the file written.
    let written = std::fs::read_to_string(d.join("proj/campaign.toml")).unwrap();
    assert!(written.contains("name = \"proj\""), "{written}");
    assert!(written.contains("output = \"out/proj\""), "{written}");
    assert!(
        written.contains("darkroom check proj/campaign.toml"),
        "{written}"
    );
    assert!(!written.contains("spring-launch"), "{written}");
    let named = bin()
        .current_dir(&d)
        .args(["init", "other", "--name", "Autumn \"Sale\""])
        .output()
        .unwrap();
    assert_eq!(named.status.code(), Some(0));
    let written = std::fs::read_to_string(d.join("other/campaign.toml")).unwrap();
    assert!(
        written.contains("name = \"Autumn \\\"Sale\\\"\""),
        "{written}"
    );
    assert!(
        written.contains("output = \"out/autumn-sale\""),
        "{written}"
    );
    let check = bin()
        .current_dir(&d)
        .args(["check", "other/campaign.toml"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let check = bin()
        .current_dir(&d)
        .args(["check", "proj/campaign.toml"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let none = bin()
        .current_dir(&d)
        .args(["status", "proj/campaign.toml"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("has not run yet"));
    // After a (small) run, status reports counts, spend and CPSA.
    let small = "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 2\n[tiers.finish]\nprovider = \"local\"\nsize = \"96\"\nkeep = 1\n[[shots]]\nid = \"a\"\nprompt = \"a red cube\"\n";
    std::fs::write(d.join("s.toml"), small).unwrap();
    assert_eq!(
        bin()
            .current_dir(&d)
            .args(["run", "s.toml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    let st = bin()
        .current_dir(&d)
        .args(["status", "s.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(v["deliverables"], 1);
    assert_eq!(v["success_rate"], 1.0);
    assert_eq!(v["cpsa"], 0.0);
    assert!(v["latency_p50"].as_f64().is_some());
}

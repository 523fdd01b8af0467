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

/// Seconds (durations, latencies, waits) replaced by `[T]`: they are the clock's, not wording.
fn clockless(text: &str) -> String {
    let mut out = Vec::new();
    let words: Vec<&str> = text.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let is_num = !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.');
        let unit = next == "s"
            || next.starts_with("s;")
            || next.starts_with("s,")
            || next.starts_with("s\n")
            || next.starts_with("s)");
        out.push(if is_num && unit { "[T]" } else { w });
    }
    out.join(" ")
}

/// What a new user sees in their first hour, as snapshots: `init`, `check` (with its units and
/// every kind of call), the first run's summary, a rerun that has nothing to do, and `status`.
#[test]
fn the_first_hour_reads_plainly_with_units() {
    let d = scratch("first-hour");
    let go = |args: &[&str], dir: &Path| {
        let o = bin()
            .current_dir(dir)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        clockless(&text.replace(&d.display().to_string(), "[TMP]"))
    };
    insta::assert_snapshot!("init", go(&["init", "shop"], &d));
    let shop = d.join("shop");
    insta::assert_snapshot!("check", go(&["check", "campaign.toml"], &shop));
    let first = go(&["run", "campaign.toml"], &shop);
    assert!(first.starts_with("exit: 0"), "{first}");
    // The rerun: nothing sent, and it says so; only its summary and report lines are kept (the
    // deliverables are listed on stdout, in the order they were made).
    let again = go(&["run", "campaign.toml"], &shop);
    let summary: Vec<&str> = again
        .lines()
        .filter(|l| {
            l.starts_with("exit")
                || l.contains("deliverables in")
                || l.starts_with("nothing to do")
                || l.starts_with("report")
        })
        .collect();
    insta::assert_snapshot!("rerun", summary.join("\n"));
    let status = go(&["status", "campaign.toml"], &shop);
    // Queue waits depend on the scheduler's timing; every other figure is the ledger's.
    insta::assert_snapshot!("status", status);
}

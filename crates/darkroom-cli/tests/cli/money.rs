//! Money safety under ordinary use (issue 12): each test first sets up what a user does — two
//! terminals, another folder, a deleted store, a tight budget, `docker stop`, an unreachable
//! provider, a full disk — and checks that no call is paid twice, the cap holds, and the user is
//! told what happened.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{bin, scratch};

/// A `sim` campaign: `variants` drafts per shot on `fast-draft`, finished on `pro`, no random
/// failures, every draft passing; `latency` seconds per call when run with `--realtime`.
fn sim_campaign(variants: u32, latency: f64, budget: &str, shots: &[(&str, &str)]) -> String {
    let mut s = format!(
        "[campaign]\nname = \"m\"\noutput = \"out\"\n\
         [providers.draft]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 2\n\
         failures = {{ transient = 0.0, refusal = 0.0, rate_limited = 0.0 }}\n\
         latency = {{ median = {latency}, p95 = {latency} }}\n\
         [providers.pro]\nkind = \"sim\"\nmodel = \"pro\"\nconcurrency = 2\n\
         failures = {{ transient = 0.0, refusal = 0.0, rate_limited = 0.0 }}\n\
         latency = {{ median = {latency}, p95 = {latency} }}\n\
         [tiers.draft]\nprovider = \"draft\"\nsize = \"64\"\nvariants = {variants}\n\
         [tiers.finish]\nprovider = \"pro\"\nsize = \"96\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmoney = \"{budget}\"\nmax_rounds = 1\n"
    );
    for (id, prompt) in shots {
        s.push_str(&format!(
            "[[shots]]\nid = \"{id}\"\nprompt = \"{prompt}\"\n"
        ));
    }
    s
}

const TWO: &[(&str, &str)] = &[
    ("hero", "a red sphere to the left of a blue cube"),
    ("pack", "three yellow bottles on a white table"),
];

/// The keys of the calls the simulated vendor executed (one line per billed call).
fn executed(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect()
}

fn ledger(dir: &Path) -> darkroom_ledger::Ledger {
    darkroom_ledger::Ledger::open(&dir.join("out/darkroom.db")).unwrap()
}

fn no_call_twice(log: &Path) {
    let mut keys = executed(log);
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a call was executed twice");
}

/// Starts a slow run and returns once it is drafting (its first progress line).
fn start_slow_run(dir: &Path, log: &Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = bin()
        .current_dir(dir)
        .args(["run", "c.toml", "--realtime", "--sim-call-log"])
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while err.read_line(&mut seen).unwrap() > 0 && !seen.contains("draft round 1") {}
    // Keep draining stderr so the child never blocks on a full pipe.
    let t = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        rest
    });
    // The drained text is returned by the caller's wait; park the handle in a leaked box is
    // not needed: the thread ends when the child closes stderr.
    std::mem::drop(t);
    (child, seen)
}

#[cfg(unix)]
#[test]
fn a_second_run_of_the_same_campaign_is_refused_and_nothing_is_paid_twice() {
    let d = scratch("money-two-runs");
    let (a, reference) = (d.join("a"), d.join("ref"));
    // 24 drafts of 0.5 s at concurrency 2: the first run drafts for 6 s of wall time, which
    // the second process and `status` need a fraction of, however loaded the machine is.
    let text = sim_campaign(12, 0.5, "100 USD", TWO);
    for dir in [&a, &reference] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("c.toml"), &text).unwrap();
    }
    let r = bin()
        .current_dir(&reference)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    let log = a.join("calls.log");
    let (mut first, _) = start_slow_run(&a, &log);
    // The first run is drafting (12 calls of 0.4 s at concurrency 2): a second terminal.
    let second = bin()
        .current_dir(&a)
        .args(["run", "c.toml", "--sim-call-log"])
        .arg(&log)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "another run of this campaign is in progress (pid {} on ",
            first.id()
        )) && err.contains("UTC"),
        "{err}"
    );
    // `status` keeps reading while the run holds the lock.
    let st = bin()
        .current_dir(&a)
        .args(["status", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&st.stdout).contains("the last: running"));
    assert_eq!(first.wait().unwrap().code(), Some(0));
    no_call_twice(&log);
    let (ours, theirs) = (ledger(&a), ledger(&reference));
    let runs = ours.runs().unwrap();
    assert_eq!(runs.len(), 1, "the refused run wrote nothing: {runs:?}");
    assert_eq!(runs[0].status, "complete");
    let (spent, once) = (
        ours.totals().unwrap().settled,
        theirs.totals().unwrap().settled,
    );
    assert!(
        (spent - once).abs() < 1e-9,
        "spent {spent}, one run spends {once}"
    );
}

#[test]
fn a_campaign_run_from_another_folder_finds_its_ledger_and_calls_nothing() {
    let d = scratch("money-other-folder");
    let proj = d.join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(proj.join("c.toml"), sim_campaign(3, 0.1, "100 USD", TWO)).unwrap();
    let log = d.join("calls.log");
    let first = bin()
        .current_dir(&d)
        .args(["run", "proj/c.toml", "--sim-call-log"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(0));
    // The output is beside the campaign file, not in the folder the command ran in.
    assert!(proj.join("out/darkroom.db").exists());
    assert!(!d.join("out").exists());
    let calls = executed(&log).len();
    assert!(calls >= 8);
    let again = bin()
        .current_dir(&proj)
        .args(["run", "c.toml", "--sim-call-log"])
        .arg(&log)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{err}");
    assert_eq!(executed(&log).len(), calls, "{err}");
    // Found: the shots are the ledger's, unchanged since their files were written.
    assert!(
        err.contains("2 shot(s) unchanged since their files were written"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "nothing to do: {calls} calls already done, 2 deliverables up to date"
        )),
        "{err}"
    );
    let status = bin()
        .current_dir(d.parent().unwrap())
        .arg("status")
        .arg(proj.join("c.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("spent 0.502 USD; deliverables 2"),
        "spend with its unit: {text}"
    );
}

#[test]
fn a_deleted_store_is_reported_with_its_cost_and_rebought_only_when_asked() {
    let d = scratch("money-store");
    std::fs::write(d.join("c.toml"), sim_campaign(3, 0.1, "100 USD", TWO)).unwrap();
    let log = d.join("calls.log");
    let go = |extra: &[&str]| {
        bin()
            .current_dir(&d)
            .args(["run", "c.toml", "--sim-call-log"])
            .arg(&log)
            .args(extra)
            .output()
            .unwrap()
    };
    assert_eq!(go(&[]).status.code(), Some(0));
    let calls = executed(&log).len();
    let spent = ledger(&d).totals().unwrap().settled;
    std::fs::remove_dir_all(d.join("out/store")).unwrap();
    let o = go(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{calls} paid result(s) are missing from the store"
        )) && err.contains("--rebuy")
            && err.contains(&format!("about {spent:.3} USD")),
        "{err}"
    );
    assert_eq!(
        executed(&log).len(),
        calls,
        "nothing was re-bought silently"
    );
    // Re-bought when asked. (A fresh vendor record: the simulated vendor would otherwise
    // answer from its record of the first purchase, as an idempotent API does.)
    let log2 = d.join("calls2.log");
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--rebuy", "--sim-call-log"])
        .arg(&log2)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        executed(&log2).len(),
        calls,
        "every lost result bought once more"
    );
    let after = ledger(&d).totals().unwrap().settled;
    assert!(after > spent, "the second purchase is in the accounts too");
}

#[test]
fn a_tight_budget_delivers_whole_shots_in_order_and_check_warns() {
    let d = scratch("money-tight");
    let four = [
        TWO[0],
        TWO[1],
        ("lamp", "a green lamp on a wooden desk"),
        ("mug", "a blue mug next to a red book"),
    ];
    // A shot costs 4 × $0.039 drafts + a $0.134 finish = $0.29: $0.60 covers two.
    std::fs::write(d.join("c.toml"), sim_campaign(4, 0.1, "0.60 USD", &four)).unwrap();
    let check = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "{err}");
    assert!(
        err.contains("below the expected spend") && err.contains("cover 2 of 4 shot(s)"),
        "{err}"
    );
    let strict = bin()
        .current_dir(&d)
        .args(["check", "c.toml", "--strict"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
    // The run on both ledgers: the folder's SQLite file and a PostgreSQL database.
    tight_budget_run(&d, &[], &ledger);
    if let (Some(db), Some(bucket)) = (
        darkroom_fakes::services::fresh_database("money_tight"),
        darkroom_fakes::services::fresh_bucket_prefix("money-tight"),
    ) {
        let pg = scratch("money-tight-pg");
        std::fs::copy(d.join("c.toml"), pg.join("c.toml")).unwrap();
        tight_budget_run(
            &pg,
            &[("DARKROOM_LEDGER", &db), ("DARKROOM_STORE", &bucket)],
            &|_| darkroom_ledger::Ledger::connect(&db, "m").unwrap(),
        );
    }
}

fn tight_budget_run(
    d: &Path,
    env: &[(&str, &str)],
    ledger: &dyn Fn(&Path) -> darkroom_ledger::Ledger,
) {
    let o = bin()
        .current_dir(d)
        .args(["run", "c.toml"])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(1), "{err}");
    let shots: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(shots, ["hero", "pack"], "{out}{err}");
    assert!(
        err.contains(
            "stopped by the budget (USD): cap 0.600, committed 0.580, left 0.020; shot `lamp`"
        ),
        "{err}"
    );
    let t = ledger(d).totals().unwrap();
    assert!(t.committed <= 0.60 + 1e-9);
    let l = ledger(d);
    let drafted: Vec<String> = l
        .dump()
        .unwrap()
        .attempts
        .iter()
        .map(|a| a.shot.clone())
        .collect();
    assert!(
        !drafted.iter().any(|s| s == "lamp" || s == "mug"),
        "no draft bought for shots the budget cannot finish: {drafted:?}"
    );
    let shots = l.shots().unwrap();
    let lamp = shots.iter().find(|x| x.id == "lamp").unwrap();
    assert_eq!(
        lamp.reason.as_deref(),
        Some("not reached: the budget left could not cover it"),
        "{shots:?}"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_and_sighup_stop_like_ctrl_c_and_the_run_resumes() {
    for (sig, name) in [("-TERM", "SIGTERM"), ("-HUP", "SIGHUP")] {
        let d = scratch(&format!("money-{name}"));
        std::fs::write(
            d.join("c.toml"),
            sim_campaign(30, 0.3, "100 USD", &TWO[..1]),
        )
        .unwrap();
        let log = d.join("calls.log");
        let (mut child, _) = start_slow_run(&d, &log);
        let sent = Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(
            status.code(),
            Some(1),
            "{name}: ends as interrupted, exit 1"
        );
        let l = ledger(&d);
        let runs = l.runs().unwrap();
        assert_eq!(
            runs.last().unwrap().status,
            "interrupted",
            "{name}: {runs:?}"
        );
        let t = l.totals().unwrap();
        assert!(
            !t.by_status.iter().any(|(s, n)| s == "sent" && *n > 0),
            "{name}: nothing left in flight: {:?}",
            t.by_status
        );
        assert_eq!(l.interrupted().unwrap(), 0, "{name}: no call cut off");
        drop(l);
        let again = bin()
            .current_dir(&d)
            .args(["run", "c.toml", "--sim-call-log"])
            .arg(&log)
            .output()
            .unwrap();
        assert_eq!(again.status.code(), Some(0));
        no_call_twice(&log);
    }
}

#[test]
fn an_unreachable_provider_is_named_as_the_reason_not_the_gates() {
    let d = scratch("money-unreachable");
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"u\"\noutput = \"out\"\n\
             [providers.nano]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DR_TEST_UNREACHABLE_KEY\"\nbase_url = \"http://127.0.0.1:{port}\"\nconcurrency = 2\ntimeout = 5\n\
             [tiers.draft]\nprovider = \"nano\"\nsize = \"1K\"\nvariants = 2\n\
             [tiers.finish]\nprovider = \"nano\"\nsize = \"1K\"\nkeep = 1\n\
             [budget]\nmoney = \"1 USD\"\nmax_rounds = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a red sphere\"\n"
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .env("DR_TEST_UNREACHABLE_KEY", "k-123")
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("failed: hero: all 2 draft call(s) failed: 2 × provider `nano` unreachable (")
            && err.contains("onnection refused"),
        "{err}"
    );
    assert!(!err.contains("no draft passed the gates"), "{err}");
    assert!(!err.contains("k-123"), "the key never shows");
    let st = bin()
        .current_dir(&d)
        .args(["status", "c.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(
        text.contains("shot hero") && text.contains("unreachable"),
        "{text}"
    );

    // A rejected key, on a local server that speaks Gemini's format: named as such, once per
    // call (an auth error is not retried).
    let nano = darkroom_fakes::Fake::gemini("AIza-the-right-key");
    let text = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace(&format!("http://127.0.0.1:{port}"), &nano.url);
    std::fs::write(d.join("c.toml"), text).unwrap();
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let o = bin()
        .current_dir(&d)
        .env("DR_TEST_UNREACHABLE_KEY", "AIza-a-wrong-key")
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("failed: hero: all 2 draft call(s) failed: 2 × provider `nano` auth ("),
        "{err}"
    );
    assert!(
        !err.contains("AIza-a-wrong-key"),
        "the key never shows: {err}"
    );
}

/// How this machine lets a test mount a tmpfs of its own: `unshare` with a user namespace
/// (any user, where the kernel allows it), or a plain mount namespace (root); `None` if neither.
fn tmpfs_unshare_flags() -> Option<&'static str> {
    ["-rm", "-m"].into_iter().find(|flags| {
        Command::new("unshare")
            .args([
                flags,
                "sh",
                "-c",
                "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_stops_the_run_cleanly_marks_it_error_and_it_resumes() {
    let Some(flags) = tmpfs_unshare_flags() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs in a namespace of its own (unshare -rm or -m)"
        );
        eprintln!("skipped: this machine cannot mount a tmpfs for the test");
        return;
    };
    let d = scratch("money-disk-full");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"full\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 2\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"256\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmax_rounds = 1\n\
         [[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\", \"16:9\"]\n\
         [[shots]]\nid = \"pack\"\nprompt = \"three yellow bottles on a white table\"\n",
    )
    .unwrap();
    // One namespace for the whole story: a 600 kB disk that fills up, then grows.
    let script = format!(
        "set -u\nmkdir -p out\nmount -t tmpfs -o size=600k tmpfs out\n\
         B='{bin}'\n\
         $B run c.toml >/dev/null 2>err1; echo \"exit1=$?\"\n\
         echo \"tmp=$(find out -name '*.tmp' | wc -l)\"\n\
         $B status c.toml --json > status1.json\n\
         mount -o remount,size=20m out\n\
         $B run c.toml >/dev/null 2>err2; echo \"exit2=$?\"\n\
         $B status c.toml --json > status2.json\n\
         echo \"tmp2=$(find out -name '*.tmp' | wc -l)\"\n",
        bin = env!("CARGO_BIN_EXE_darkroom")
    );
    let o = Command::new("unshare")
        .args([flags, "sh", "-c", &script])
        .current_dir(&d)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err1 = std::fs::read_to_string(d.join("err1")).unwrap();
    assert!(out.contains("exit1=1"), "{out}{err1}");
    assert!(out.contains("tmp=0"), "no partial file left: {out}");
    let line = err1
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or("");
    assert!(
        line.contains("No space left on device") || line.contains("disk is full"),
        "{err1}"
    );
    assert!(line.contains("out/"), "names the path: {line}");
    assert!(
        line.contains("run the same command again to resume"),
        "{line}"
    );
    assert!(!err1.contains("internal error"), "{err1}");
    let s1: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("status1.json")).unwrap()).unwrap();
    assert_eq!(s1["runs"][0]["status"], "error", "{s1}");
    assert!(
        s1["runs"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("full")
            || s1["runs"][0]["reason"]
                .as_str()
                .unwrap_or("")
                .contains("No space")
    );
    assert!(out.contains("exit2=0"), "{out}");
    assert!(out.contains("tmp2=0"), "{out}");
    let s2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("status2.json")).unwrap()).unwrap();
    assert_eq!(s2["runs"][1]["status"], "complete", "{s2}");
    assert_eq!(s2["deliverables"], 3, "{s2}");
}

/// The ledger (and the store beside it) stop being writable in the middle of a paid run: the
/// run stops scheduling, ends `error` naming the ledger's folder, and a second run after the
/// space is freed resumes — no call is executed twice, and the ledger's spend equals what the
/// vendor (the simulator's call log, kept outside the full disk) charged. The vendor runs every
/// request it receives (no replays, issue 28 item 10): a paid result the full disk could not
/// take is kept in the ballast's room or asked for again by its handle, never bought again.
#[cfg(target_os = "linux")]
#[test]
fn a_ledger_that_cannot_be_written_mid_run_loses_no_money_and_resumes() {
    let Some(flags) = tmpfs_unshare_flags() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs in a namespace of its own (unshare -rm or -m)"
        );
        eprintln!("skipped: this machine cannot mount a tmpfs for the test");
        return;
    };
    let d = scratch("money-ledger-fails");
    let shots: Vec<(String, String)> = (0..8)
        .map(|i| {
            (
                format!("s{i}"),
                format!("a red sphere to the left of a blue cube number {i}"),
            )
        })
        .collect();
    let shots: Vec<(&str, &str)> = shots
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let text = sim_campaign(4, 0.0, "100 USD", &shots).replace("size = \"96\"", "size = \"384\"");
    std::fs::write(d.join("c.toml"), text).unwrap();
    let script = format!(
        "set -u\nmkdir -p out\nmount -t tmpfs -o size=700k tmpfs out\n\
         B='{bin}'\nexport DARKROOM_SIM_NO_REPLAY=1\nmkdir -p spill\nexport TMPDIR=\"$PWD/spill\"\n\
         $B run c.toml --sim-call-log calls.log >/dev/null 2>err1; echo \"exit1=$?\"\n\
         echo \"spilled=$(find spill -name '*.png' | wc -l)\"\n\
         $B status c.toml --json > status1.json\n\
         mount -o remount,size=40m out\n\
         $B run c.toml --sim-call-log calls.log >/dev/null 2>err2; echo \"exit2=$?\"\n\
         echo \"left=$(find spill -name '*.png' | wc -l)\"\n\
         $B status c.toml --json > status2.json\n",
        bin = env!("CARGO_BIN_EXE_darkroom")
    );
    let o = Command::new("unshare")
        .args([flags, "sh", "-c", &script])
        .current_dir(&d)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err1 = std::fs::read_to_string(d.join("err1")).unwrap_or_default();
    let err2 = std::fs::read_to_string(d.join("err2")).unwrap_or_default();
    assert!(
        out.contains("exit1=1"),
        "the first run hits the full disk: {out}{err1}"
    );
    assert!(out.contains("left=0"), "every spilled result stored: {out}");
    let line = err1
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or("");
    assert!(line.contains("out/") && line.contains("resume"), "{err1}");
    let s1: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("status1.json")).unwrap()).unwrap();
    assert_eq!(s1["runs"][0]["status"], "error", "{s1}");
    assert!(out.contains("exit2=0"), "{out}{err2}");
    let s2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("status2.json")).unwrap()).unwrap();
    assert_eq!(s2["runs"][1]["status"], "complete", "{s2}");
    assert_eq!(s2["deliverables"], 8, "{s2}");
    // What the vendor executed and charged, against what the ledger booked.
    let log = std::fs::read_to_string(d.join("calls.log")).unwrap();
    let mut per_call: std::collections::HashMap<&str, u32> = Default::default();
    let mut charged = 0.0;
    for l in log.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = l.split('\t').collect();
        *per_call.entry(f[0]).or_default() += 1;
        charged += f[1].parse::<f64>().unwrap();
    }
    let twice: Vec<_> = per_call.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "executed more than once: {twice:?}");
    let spent = s2["spent"].as_f64().unwrap();
    assert!(
        (spent - charged).abs() < 1e-9,
        "the ledger booked {spent}, the vendor charged {charged}"
    );
    assert!(charged > 0.0);
}

#[test]
fn check_refuses_ids_that_would_break_delivery_and_money_it_cannot_count() {
    let d = scratch("money-ids");
    let long = "x".repeat(300);
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"i\"\n[providers.local]\nkind = \"sketch\"\n\
             [tiers.draft]\nprovider = \"local\"\n[tiers.finish]\nprovider = \"local\"\n\
             [budget]\nmoney = \"5 EUR\"\n\
             [[shots]]\nid = \"{long}\"\nprompt = \"a red sphere\"\n\
             [[shots]]\nid = \"！？\"\nprompt = \"a red sphere\"\n\
             [[shots]]\nid = \"Café\"\nprompt = \"a red sphere\"\n\
             [[shots]]\nid = \"café!\"\nprompt = \"a blue cube\"\n\
             [[shots]]\nid = \"東京\"\nprompt = \"a blue cube\"\n"
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is 300 bytes; at most 100"), "{err}");
    assert!(
        err.contains("shot id `！？` has no letter or digit"),
        "{err}"
    );
    assert!(
        err.contains("shot id `café!` becomes `café` in file names, as `Café`"),
        "{err}"
    );
    assert!(err.contains("only USD is accepted"), "{err}");
    assert!(
        err.contains("5 problem(s)") || err.contains("4 problem(s)"),
        "{err}"
    );
    assert!(!err.contains("東京"), "a CJK id is a good id: {err}");
    let inf = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace("5 EUR", "1e400 USD");
    std::fs::write(d.join("c.toml"), inf).unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`1e400 USD`: the amount inf is not between 0 and"),
        "{err}"
    );
}

#[test]
fn unicode_ids_deliver_under_their_own_names() {
    let d = scratch("money-unicode");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"u\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 1\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"64\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmax_rounds = 1\n\
         [[shots]]\nid = \"Café\"\nprompt = \"a red sphere\"\n\
         [[shots]]\nid = \"東京\"\nprompt = \"a blue cube\"\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(d.join("out/deliverables/café/café-1-64x64.png").exists());
    assert!(d.join("out/deliverables/東京/東京-1-64x64.png").exists());
}

#[test]
fn a_vars_table_too_large_to_expand_is_an_error_not_an_out_of_memory() {
    let d = scratch("money-vars");
    let list: Vec<String> = (0..100).map(|i| format!("\"v{i}\"")).collect();
    let list = list.join(", ");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"v\"\n[providers.local]\nkind = \"sketch\"\n\
             [tiers.draft]\nprovider = \"local\"\n[tiers.finish]\nprovider = \"local\"\n\
             [[shots]]\nid = \"s-{{a}}-{{b}}-{{c}}-{{e}}\"\nprompt = \"a red sphere {{a}} {{b}} {{c}} {{e}}\"\n\
             vars = {{ a = [{list}], b = [{list}], c = [{list}], e = [{list}] }}\n"
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "the vars (a: 100 × b: 100 × c: 100 × e: 100) expand to more than 100000 shots"
        ),
        "{err}"
    );
}

#[test]
fn a_corrupt_ledger_is_one_clear_line() {
    let d = scratch("money-corrupt");
    std::fs::write(d.join("c.toml"), sim_campaign(2, 0.1, "1 USD", &TWO[..1])).unwrap();
    std::fs::create_dir_all(d.join("out")).unwrap();
    std::fs::write(d.join("out/darkroom.db"), vec![0x5Au8; 8192]).unwrap();
    for cmd in ["status", "run"] {
        let o = bin()
            .current_dir(&d)
            .args([cmd, "c.toml"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert_eq!(err.lines().count(), 1, "{cmd}: {err}");
        assert!(
            err.contains("cannot open the ledger `") && err.contains("out/darkroom.db`"),
            "{cmd}: {err}"
        );
        assert!(!err.contains("internal error"), "{cmd}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn status_into_a_closed_pipe_exits_without_a_panic() {
    let d = scratch("money-pipe");
    std::fs::write(d.join("c.toml"), sim_campaign(2, 0.1, "1 USD", &TWO[..1])).unwrap();
    assert_eq!(
        bin()
            .current_dir(&d)
            .args(["run", "c.toml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    // The reader is gone before darkroom writes a byte, as with `| head` after its lines.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = bin()
        .current_dir(&d)
        .args(["status", "c.toml"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err, "", "nothing to say: the reader left");
}

/// `darkroom run c.toml` in `d` with stdout and stderr a pipe whose reader has gone: its exit code.
fn run_into_a_closed_pipe(d: &Path) -> Option<i32> {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    bin()
        .current_dir(d)
        .args(["run", "c.toml"])
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .output()
        .unwrap()
        .status
        .code()
}

/// `darkroom run … 2>&1 | grep -q …`: the reader leaves at its first match. The run must not
/// panic on its next line: it finishes, records its end and delivers, as with a terminal.
#[test]
fn a_run_into_a_closed_pipe_finishes_and_records_its_end() {
    let d = scratch("money-run-pipe");
    std::fs::write(d.join("c.toml"), sim_campaign(2, 0.1, "1 USD", &TWO[..1])).unwrap();
    assert_eq!(run_into_a_closed_pipe(&d), Some(0));
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let runs = l.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].status,
        darkroom_ledger::RunStatus::Complete,
        "{runs:?}"
    );
    assert!(!crate::files_under(&d.join("out/deliverables"), &["png"]).is_empty());
    // And the rerun, into the same closed pipe, calls nothing.
    let tries = l.totals().unwrap().tries;
    assert_eq!(run_into_a_closed_pipe(&d), Some(0));
    assert_eq!(l.totals().unwrap().tries, tries);
}

#[test]
fn judge_takes_a_campaign_file_as_its_brand() {
    let d = scratch("money-judge-brand");
    let campaign = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/spring-launch.toml"),
    )
    .unwrap();
    std::fs::write(d.join("c.toml"), campaign).unwrap();
    let png = d.join("x.png");
    let o = bin()
        .args(["sketch", "a blue cube", "--size", "64", "-o"])
        .arg(&png)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let o = bin()
        .current_dir(&d)
        .args([
            "judge",
            "x.png",
            "--prompt",
            "a blue cube",
            "--brand",
            "c.toml",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("brand"), "{out}");
}

#[test]
fn a_shot_failing_its_gates_says_which_gate_and_by_how_much() {
    let d = scratch("money-gates");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"g\"\noutput = \"out\"\n\
         [brand]\npalette = [{ name = \"Lime\", hex = \"#00FF00\" }]\ntolerance = 3.0\nmin_on_palette = 0.9\n\
         [providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 3\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"64\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\non_palette = 0.9\n[budget]\nmax_rounds = 1\n\
         [[shots]]\nid = \"hero\"\nprompt = \"a red sphere on a white background\"\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("failed: hero: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains(
            "no draft passed the gates: 3 judged; 3 below_on_palette (best on-palette share 0."
        ) && line.ends_with(" vs 0.90)"),
        "{line}"
    );
}

#[test]
fn a_large_campaign_gets_an_index_and_shot_pages_and_an_unchanged_report_is_not_rebuilt() {
    let d = scratch("money-pages");
    let colours = "\"red\", \"blue\", \"green\", \"yellow\", \"orange\", \"purple\", \"white\", \"black\", \"pink\", \"brown\", \"gray\"";
    let objects = "\"sphere\", \"cube\", \"bottle\", \"cup\", \"lamp\", \"vase\", \"box\", \"ball\", \"chair\", \"book\"";
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"p\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"32\"\nvariants = 1\n\
             [tiers.finish]\nprovider = \"local\"\nsize = \"32\"\nkeep = 1\n\
             [gates]\nadherence = 0.0\n[budget]\nmax_rounds = 1\n\
             [[shots]]\nid = \"s-{{c}}-{{o}}\"\nprompt = \"a {{c}} {{o}}\"\nvars = {{ c = [{colours}], o = [{objects}] }}\n"
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // 110 shots: taken up in groups, reported on two pages of at most 100 shots.
    assert!(
        err.contains("shots 1–64 of 110") && err.contains("shots 65–110 of 110"),
        "{err}"
    );
    let index = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(index.contains("<a href=\"report_pages/0001.html\">shots 1–100</a>"));
    assert!(index.contains("<a href=\"report_pages/0002.html\">shots 101–110</a>"));
    assert!(
        !index.contains("class=\"item\""),
        "no shot sections on the index page"
    );
    let page = std::fs::read_to_string(d.join("out/report_pages/0002.html")).unwrap();
    assert_eq!(page.matches("<section class=\"item\"").count(), 10);
    assert!(page.contains("<a href=\"../report.html\">"));
    // Every thumbnail a page shows is in the shared folder.
    for src in page.split("src=\"../report_files/").skip(1) {
        let name = &src[..src.find('"').unwrap()];
        assert!(d.join("out/report_files").join(name).exists(), "{name}");
    }
    let before = std::fs::metadata(d.join("out/report.html"))
        .unwrap()
        .modified()
        .unwrap();
    let again = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{err}");
    assert!(
        err.contains("(unchanged: nothing new in the ledger)"),
        "{err}"
    );
    let after = std::fs::metadata(d.join("out/report.html"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "not rewritten");
    // Asked for, it is rebuilt, to the same bytes.
    let r = bin()
        .current_dir(&d)
        .args(["report", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(d.join("out/report.html")).unwrap(),
        index
    );
}

#[test]
fn grade_upscale_and_extend_keep_a_transparent_logo_transparent() {
    let d = scratch("money-alpha");
    // A blue disc on a fully transparent field whose hidden pixels are black.
    let (w, h) = (48u32, 48u32);
    let mut rgb = Vec::new();
    let mut alpha = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let inside = (x as i32 - 24).pow(2) + (y as i32 - 24).pow(2) < 14 * 14;
            rgb.extend(if inside { [0u8, 71, 171] } else { [0, 0, 0] });
            alpha.push(if inside { 255 } else { 0 });
        }
    }
    let logo = d.join("logo.png");
    std::fs::write(
        &logo,
        darkroom_imageops::alpha::encode_png_rgba(w, h, &rgb, &alpha, &[]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("brand.toml"),
        "[brand]\npalette = [{ name = \"Blue\", hex = \"#0047AB\" }, { name = \"Paper\", hex = \"#F4F1EA\" }]\n",
    )
    .unwrap();
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "graded.png",
            vec![
                "grade",
                "logo.png",
                "--brand",
                "brand.toml",
                "-o",
                "graded.png",
            ],
        ),
        (
            "big.png",
            vec!["upscale", "logo.png", "--to", "2x", "-o", "big.png"],
        ),
        (
            "wide.png",
            vec!["extend", "logo.png", "--aspect", "16:9", "-o", "wide.png"],
        ),
    ];
    for (out, args) in cases {
        let o = bin().current_dir(&d).args(&args).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let a = darkroom_imageops::alpha::read_alpha(&d.join(out), Default::default())
            .unwrap()
            .unwrap_or_else(|| panic!("{out} lost its alpha channel"));
        // The corner stays transparent, the centre opaque.
        let img = darkroom_imageops::read_png(&d.join(out), 1 << 24).unwrap();
        let at = |x: u32, y: u32| a[(y * img.width + x) as usize];
        assert!(at(0, 0) < 16, "{out}: corner alpha {}", at(0, 0));
        assert!(
            at(img.width / 2, img.height / 2) > 240,
            "{out}: centre is opaque"
        );
    }
}

#[test]
fn the_audit_csv_quotes_palette_names_and_defuses_formulas() {
    let d = scratch("money-csv");
    std::fs::create_dir_all(d.join("img")).unwrap();
    let png = darkroom_imageops::encode_png(8, 8, &[40u8; 8 * 8 * 3], &[]).unwrap();
    std::fs::write(d.join("img/=HYPERLINK(1).png"), &png).unwrap();
    std::fs::write(
        d.join("brand.toml"),
        "[brand]\npalette = [{ name = \"Blue, Dark\", hex = \"#00008B\" }, { name = \"@Ink\", hex = \"#1A1A1A\" }]\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args([
            "audit",
            "images",
            "img",
            "--brand",
            "brand.toml",
            "--csv",
            "a.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = std::fs::read_to_string(d.join("a.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains(",\"coverage:Blue, Dark\",coverage:@Ink,"),
        "{header}"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("'=HYPERLINK(1).png,"), "{row}");
    assert!(row.contains(",'@Ink,"), "{row}");
}

#[test]
fn check_json_lists_the_attempt_ids_run_records() {
    let d = scratch("money-plan-ids");
    // Pinned seeds on one shot, derived seeds on the others, and a 16:9 draft size.
    let mut text = sim_campaign(3, 0.1, "100 USD", TWO);
    text.push_str(
        "[[shots]]\nid = \"wide\"\nprompt = \"a green lamp\"\nseed = 40\ndeliver = [\"16:9\"]\n",
    );
    std::fs::write(d.join("c.toml"), text).unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut planned: Vec<(String, String, u64)> = plan["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["shot"].as_str().unwrap().to_string(),
                crate::seed_of(&a["seed"]),
            )
        })
        .collect();
    assert_eq!(planned.len(), 9);
    assert_eq!(plan["estimate"]["draft_calls"], 9);
    let r = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let mut ran: Vec<(String, String, u64)> = ledger(&d)
        .dump()
        .unwrap()
        .attempts
        .iter()
        .filter(|a| a.tier == "draft" && a.round == 1)
        .map(|a| (a.id.clone(), a.shot.clone(), a.seed))
        .collect();
    planned.sort();
    ran.sort();
    assert_eq!(planned, ran, "check's plan is what run called");
}

#[test]
fn sketch_never_overwrites_a_file_without_force() {
    let d = scratch("money-sketch-force");
    let out = d.join("x.png");
    std::fs::write(&out, b"someone's work").unwrap();
    let o = bin()
        .args(["sketch", "a red sphere", "--size", "64", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&out).unwrap(), b"someone's work");
    let o = bin()
        .args(["sketch", "a red sphere", "--size", "64", "--force", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::read(&out).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn checks_plan_counts_every_call_the_example_makes_and_times_from_the_ledger() {
    let d = scratch("money-plan-calls");
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/spring-launch.toml"),
    )
    .unwrap()
    // Small sizes: the calls are the same, the renders quick.
    .replace("size = \"512\"", "size = \"64\"")
    .replace("size = \"2K\"", "size = \"128\"");
    std::fs::write(d.join("c.toml"), example).unwrap();
    let check = |json: bool| {
        let mut c = bin();
        c.current_dir(&d).args(["check", "c.toml"]);
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let plan: serde_json::Value = serde_json::from_slice(&check(true).stdout).unwrap();
    let e = &plan["estimate"];
    let planned = e["draft_calls"].as_u64().unwrap()
        + e["finish_calls"].as_u64().unwrap()
        + e["deliver_calls"].as_u64().unwrap();
    let before = String::from_utf8_lossy(&check(false).stdout).to_string();
    assert!(
        before.contains("(a guess from typical latencies"),
        "{before}"
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let tries = darkroom_ledger::Ledger::open(&d.join("out/spring-launch/darkroom.db"))
        .unwrap()
        .totals()
        .unwrap()
        .tries;
    // Every shot passes in its first round here, so the plan is the whole run.
    assert_eq!(planned, tries, "the plan lists every call the run made");
    // The report speaks to a person: a free run says so, two finals of a shot are told apart.
    let page = std::fs::read_to_string(d.join("out/spring-launch/report.html")).unwrap();
    assert!(page.contains("Credit burn: nothing was spent (every call was free)"));
    assert!(page.contains("hero 16:9 · final 1") && page.contains("hero 16:9 · final 2"));
    assert!(!page.contains("rank key"));
    let after = String::from_utf8_lossy(&check(false).stdout).to_string();
    assert!(
        after.contains("(from the latencies this campaign's ledger measured)"),
        "{after}"
    );
}

#[test]
fn a_brand_grade_moves_off_brand_colours_and_holds_the_product_and_protected_ones() {
    let d = scratch("grade-protect");
    // Three bands: a near-brand blue, the product's red (far from every brand colour) and a
    // dark grey near Ink that the brand protects.
    let (w, h) = (96u32, 32u32);
    let band = |x: u32| -> [u8; 3] {
        match x / 32 {
            0 => [0x10, 0x58, 0xC0],
            1 => [0xC0, 0x00, 0x00],
            _ => [0x3A, 0x3A, 0x3A],
        }
    };
    let rgb: Vec<u8> = (0..w * h).flat_map(|i| band(i % w)).collect();
    std::fs::write(
        d.join("in.png"),
        darkroom_imageops::encode_png(w, h, &rgb, &[]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("brand.toml"),
        "[brand]\npalette = [{ name = \"Brand Blue\", hex = \"#0047AB\" }, { name = \"Paper\", hex = \"#F4F1EA\" }, { name = \"Ink\", hex = \"#1A1A1A\" }]\nprotect = [\"#3A3A3A\"]\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args([
            "grade",
            "in.png",
            "--brand",
            "brand.toml",
            "--strength",
            "0.8",
            "-o",
            "out.png",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("the subject's own colour") && err.contains("protected #3A3A3A: moved ΔE00"),
        "{err}"
    );
    let out = darkroom_imageops::read_png(&d.join("out.png"), 1 << 20).unwrap();
    let lab = |x: u32, img: &[u8]| {
        let i = ((h / 2) * w + x) as usize * 3;
        darkroom_color::Lab::from_rgb8(darkroom_color::Rgb8 {
            r: img[i],
            g: img[i + 1],
            b: img[i + 2],
        })
    };
    let blue = darkroom_color::parse_color("#0047AB").unwrap();
    let (before, after) = (lab(16, &rgb), lab(16, &out.rgb));
    assert!(
        darkroom_color::de2000(after, blue) < darkroom_color::de2000(before, blue) - 2.0,
        "the near-brand blue moves toward Brand Blue"
    );
    for x in [48, 80] {
        let moved = darkroom_color::de2000(lab(x, &rgb), lab(x, &out.rgb));
        assert!(moved <= 2.0, "column {x} moved ΔE00 {moved:.2}");
    }
}

/// Issue 28 item 7 on SQLite: a paid run costs at most 8 SQL statements per provider call
/// (BEGIN and COMMIT counted), as the ledger counts them (`DARKROOM_LOG=debug`). PostgreSQL's
/// figure comes from the server's own statement log: `bench/statements.sh`.
#[test]
fn a_run_on_a_ledger_file_costs_at_most_eight_statements_per_call() {
    let d = scratch("money-statements");
    let shots: Vec<(String, String)> = (0..12)
        .map(|i| {
            (
                format!("s{i}"),
                format!("a red sphere to the left of a blue cube number {i}"),
            )
        })
        .collect();
    let shots: Vec<(&str, &str)> = shots
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    std::fs::write(d.join("c.toml"), sim_campaign(8, 0.0, "100 USD", &shots)).unwrap();
    let (code, _, err) = crate::go_env(&d, &["run", "c.toml"], &[("DARKROOM_LOG", "debug")]);
    assert_eq!(code, 0, "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("ledger: ") && l.contains("SQLite statement"))
        .unwrap_or_else(|| panic!("no statement count: {err}"));
    let per_call: f64 = line
        .rsplit_once('(')
        .and_then(|(_, x)| x.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(per_call > 1.0 && per_call <= 8.0, "{line}");
}

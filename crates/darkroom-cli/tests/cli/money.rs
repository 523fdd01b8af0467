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

#[path = "money/edges.rs"]
mod edges;

//! Where a campaign's accounts and assets may be shared, refused before anything is spent
//! (issue 28, item 2): a shared ledger with no shared store, `DARKROOM_LEDGER` and
//! `DARKROOM_STORE` read exactly as the file's keys (libpq's key=value form is PostgreSQL,
//! never a file path), secrets masked to the last `@` and in key=value form, keys in an `s3://`
//! URL refused, `move` without a bucket refused; and one payer per file ledger (`worker` beside
//! `run`). None of these needs a server: every refusal comes before one is reached.

use super::*;

/// A vendor that runs and bills every request it receives (no idempotency): a request bought
/// again shows in its log again.
const NO_REPLAY: &[(&str, &str)] = &[("DARKROOM_SIM_NO_REPLAY", "1")];

/// A small `sim` campaign, with `extra` lines in `[campaign]`; its vendor record is
/// `calls.log` (one line per executed, billed request).
fn campaign(extra: &str, latency: f64) -> String {
    format!(
        "[campaign]\nname = \"share\"\noutput = \"out\"\n{extra}\n\
         [providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 2\n\
         failures = {{ transient = 0.0, refusal = 0.0, rate_limited = 0.0 }}\n\
         latency = {{ median = {latency}, p95 = {latency} }}\n\
         [tiers.draft]\nprovider = \"sim\"\nsize = \"48\"\nvariants = 4\n\
         [tiers.finish]\nprovider = \"sim\"\nsize = \"64\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmoney = \"5 USD\"\nmax_rounds = 1\n\
         [[shots]]\nid = \"a\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n\
         [[shots]]\nid = \"b\"\nprompt = \"a green cone\"\ndeliver = [\"1:1\"]\n"
    )
}

/// Runs `args` with `env`, expecting exit 2 with nothing billed and no secret anywhere in what
/// it printed; returns stderr.
fn refused(d: &Path, args: &[&str], env: &[(&str, &str)], secrets: &[&str]) -> String {
    let log = d.join("calls.log");
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if matches!(args[0], "run" | "worker") {
        all.push("--sim-call-log".into());
        all.push(log.display().to_string());
    }
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let (code, out, err) = go_env(d, &refs, env);
    assert_eq!(code, 2, "{args:?}: {out}{err}");
    for s in secrets {
        assert!(
            !out.contains(s) && !err.contains(s),
            "`{s}` printed: {out}{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&log).unwrap_or_default(),
        "",
        "{args:?}: nothing billed"
    );
    err
}

#[test]
fn a_shared_ledger_without_a_shared_store_is_refused_before_anything_is_spent() {
    let d = scratch("sharing-no-bucket");
    // Port 1: nothing listens. The refusal must come before the database is even reached.
    std::fs::write(
        d.join("c.toml"),
        campaign("ledger = \"postgres://darkroom@127.0.0.1:1/share\"", 0.0),
    )
    .unwrap();
    for cmd in [
        &["check", "c.toml"][..],
        &["run", "c.toml"],
        &["worker", "c.toml"],
    ] {
        let err = refused(&d, cmd, &[], &[]);
        assert!(
            err.contains("needs a shared store") && err.contains("store = \"s3://BUCKET/PREFIX\""),
            "{cmd:?}: {err}"
        );
        if cmd[0] != "check" {
            assert!(!err.contains("cannot open the ledger"), "{cmd:?}: {err}");
        }
    }
    // The same with the ledger given in the environment, in libpq's key=value form: it is a
    // PostgreSQL database (no file named after its words is made) and its password is masked.
    std::fs::write(d.join("c.toml"), campaign("", 0.0)).unwrap();
    let kv = "host=127.0.0.1 port=1 user=darkroom password=hunter2 dbname=share";
    for cmd in [
        &["check", "c.toml"][..],
        &["run", "c.toml"],
        &["worker", "c.toml"],
    ] {
        let err = refused(&d, cmd, &[("DARKROOM_LEDGER", kv)], &["hunter2"]);
        assert!(err.contains("needs a shared store"), "{cmd:?}: {err}");
    }
    let made: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        made.iter()
            .all(|f| !f.contains("hunter2") && !f.contains("host=")),
        "{made:?}"
    );
    let out = d.join("out");
    assert!(!out.join("darkroom.db").exists(), "no file ledger made");
}

#[test]
fn the_environments_ledger_and_store_are_read_as_the_files_keys_are() {
    let d = scratch("sharing-environment");
    std::fs::write(d.join("c.toml"), campaign("", 0.0)).unwrap();
    let store = ("DARKROOM_STORE", "s3://darkroom-test/sharing");
    // libpq's key=value form is PostgreSQL: with a bucket, the database is reached (nothing
    // listens on port 1), and the message names it with the password masked.
    let kv = "host=127.0.0.1 port=1 user=darkroom password='s3cret pw' dbname=share";
    let err = refused(
        &d,
        &["run", "c.toml"],
        &[("DARKROOM_LEDGER", kv), store],
        &["s3cret"],
    );
    assert!(
        err.contains("cannot open the ledger `host=127.0.0.1 port=1 user=darkroom password=**** dbname=share`"),
        "{err}"
    );
    // A raw `@` in a URL's password is masked whole, up to the last `@`.
    let err = refused(
        &d,
        &["run", "c.toml"],
        &[
            (
                "DARKROOM_LEDGER",
                "postgres://darkroom:p@ss@w0rd@127.0.0.1:1/share",
            ),
            store,
        ],
        &["p@ss", "ss@w0rd", "w0rd"],
    );
    assert!(
        err.contains("postgres://darkroom:****@127.0.0.1:1/share"),
        "{err}"
    );
    // A path is not a database: refused naming the variable and what is accepted.
    let err = refused(
        &d,
        &["run", "c.toml"],
        &[("DARKROOM_LEDGER", "elsewhere/darkroom.db")],
        &[],
    );
    assert!(
        err.contains("DARKROOM_LEDGER `elsewhere/darkroom.db`") && err.contains("key=value"),
        "{err}"
    );
    assert!(!d.join("elsewhere").exists());
    // Keys written into a bucket URL are refused, in the environment and in the file alike,
    // and never printed; both variables' problems are said at once.
    let err = refused(
        &d,
        &["check", "c.toml"],
        &[
            ("DARKROOM_STORE", "s3://AKIAEXAMPLE:hunter2@darkroom-test/x"),
            ("DARKROOM_LEDGER", "nonsense"),
        ],
        &["hunter2", "AKIAEXAMPLE"],
    );
    assert!(
        err.contains("DARKROOM_STORE `s3://****@darkroom-test/x`")
            && err.contains("AWS_SECRET_ACCESS_KEY")
            && err.contains("DARKROOM_LEDGER `nonsense`"),
        "{err}"
    );
    std::fs::write(
        d.join("c.toml"),
        campaign("store = \"s3://AKIAEXAMPLE:hunter2@darkroom-test/x\"", 0.0),
    )
    .unwrap();
    let err = refused(&d, &["run", "c.toml"], &[], &["hunter2", "AKIAEXAMPLE"]);
    assert!(
        err.contains("campaign.store") && err.contains("has credentials"),
        "{err}"
    );
    // In the file, libpq's form is a ledger too, and its password is refused there.
    std::fs::write(
        d.join("c.toml"),
        campaign(
            "ledger = \"host=db.internal password=hunter2 dbname=share\"",
            0.0,
        ),
    )
    .unwrap();
    let err = refused(&d, &["check", "c.toml"], &[], &["hunter2"]);
    assert!(
        err.contains("campaign.ledger") && err.contains("PGPASSWORD"),
        "{err}"
    );
}

#[test]
fn move_without_a_bucket_is_refused_with_nothing_changed() {
    let d = scratch("sharing-move");
    std::fs::write(d.join("c.toml"), campaign("", 0.0)).unwrap();
    let log = d.join("calls.log");
    let (code, _, err) = go(
        &d,
        &["run", "c.toml", "--sim-call-log", log.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read(d.join("out/darkroom.db")).unwrap();
    let (code, _, err) = go(
        &d,
        &[
            "move",
            "c.toml",
            "--ledger",
            "host=127.0.0.1 port=1 password=hunter2 dbname=x",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("needs a shared store") && err.contains("--store s3://"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    assert_eq!(std::fs::read(d.join("out/darkroom.db")).unwrap(), before);
    // The file still runs: nothing was marked as moved, and nothing is bought again.
    let billed = std::fs::read_to_string(&log).unwrap();
    let (code, _, err) = go(
        &d,
        &["run", "c.toml", "--sim-call-log", log.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), billed);
}

/// `worker` and `run` on one file ledger: one payer at a time. Whichever starts second is
/// refused (exit 2, naming the lock), and the vendor's record shows each request once, as a
/// single run's.
#[test]
fn a_worker_beside_a_run_on_one_file_ledger_is_refused_and_nothing_is_paid_twice() {
    let d = scratch("sharing-one-payer");
    // Real-time latency (1 s a call, several waves) long enough that the first process is still
    // working when the second starts, by seconds; the second is started once the vendor has
    // billed a call (progress, not time).
    std::fs::write(d.join("c.toml"), campaign("", 1.0)).unwrap();
    let log = d.join("calls.log");
    for (first, second) in [("worker", "run"), ("run", "worker")] {
        let _ = std::fs::remove_dir_all(d.join("out"));
        let _ = std::fs::remove_file(&log);
        let child = bin()
            .current_dir(&d)
            .args([first, "c.toml", "--realtime", "--sim-call-log"])
            .arg(&log)
            .env("DARKROOM_SIM_NO_REPLAY", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while std::fs::read_to_string(&log).unwrap_or_default().is_empty() {
            assert!(start.elapsed().as_secs() < 120, "{first} billed nothing");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let (code, _, err) = go_env(
            &d,
            &[
                second,
                "c.toml",
                "--realtime",
                "--sim-call-log",
                log.to_str().unwrap(),
            ],
            &[("DARKROOM_SIM_NO_REPLAY", "1")],
        );
        let first_end = child.wait_with_output().unwrap();
        let first_err = String::from_utf8_lossy(&first_end.stderr).to_string();
        assert_eq!(first_end.status.code(), Some(0), "{first}: {first_err}");
        assert_eq!(code, 2, "{second} beside {first}: {err}");
        assert!(
            err.contains("in progress") && err.contains("darkroom.lock"),
            "{err}"
        );
        if first == "worker" {
            assert!(
                first_err.contains("warning") && first_err.contains("this machine's file"),
                "{first_err}"
            );
        }
        let text = std::fs::read_to_string(&log).unwrap();
        let mut keys: Vec<&str> = text
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "a request executed twice: {text}");
    }
}

/// Deleting only `darkroom.db` (to "reset" a campaign) would have the next run buy again
/// everything its store holds: refused, saying how to start over on purpose; the folder moved
/// aside, a run starts afresh.
#[test]
fn a_deleted_ledger_beside_a_full_store_is_refused_and_nothing_is_bought_again() {
    let d = scratch("sharing-ledger-gone");
    std::fs::write(d.join("c.toml"), campaign("", 0.0)).unwrap();
    let log = d.join("calls.log");
    let log_arg = log.display().to_string();
    let (code, _, err) = go(&d, &["run", "c.toml", "--sim-call-log", &log_arg]);
    assert_eq!(code, 0, "{err}");
    let billed = std::fs::read_to_string(&log).unwrap();
    for f in ["darkroom.db", "darkroom.db-wal", "darkroom.db-shm"] {
        let _ = std::fs::remove_file(d.join("out").join(f));
    }
    let (code, _, err) = go(&d, &["run", "c.toml", "--sim-call-log", &log_arg]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is missing") && err.contains("paid result") && err.contains("aside"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        billed,
        "nothing bought again"
    );
    std::fs::rename(d.join("out"), d.join("out-old")).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml", "--sim-call-log", &log_arg]);
    assert_eq!(code, 0, "{err}");
}

/// Shot text the font cannot draw (`春のセール` in the bundled Latin font) is refused by `check`
/// and by `run` before anything is paid for: it would fail at delivery, after the images.
#[test]
fn text_the_font_cannot_draw_is_refused_before_anything_is_spent() {
    let d = scratch("sharing-glyphs");
    let text = campaign("", 0.0).replace(
        "[[shots]]\nid = \"b\"\nprompt = \"a green cone\"\ndeliver = [\"1:1\"]\n",
        "[[shots]]\nid = \"b\"\nprompt = \"a green cone\"\ndeliver = [\"1:1\"]\n\
         text = [{ content = \"春のセール\", box = [0.1, 0.05, 0.9, 0.3], color = \"#FFFFFF\" }]\n",
    );
    assert!(text.contains("春のセール"));
    std::fs::write(d.join("c.toml"), text).unwrap();
    for cmd in ["check", "run"] {
        let err = refused(&d, &[cmd, "c.toml"], &[], &[]);
        assert!(
            err.contains("shot b text[0]") && err.contains("no glyph for"),
            "{cmd}: {err}"
        );
    }
}

/// A stored result whose bytes no longer match its hash (changed on disk) is never judged or
/// delivered as the paid result: the run stops naming the file (exit 2, nothing bought), and
/// `--rebuy` repairs it — here from the vendor, which keeps the result under the call's handle,
/// so nothing is paid twice and the ledger still equals the bill — after which the campaign is
/// whole and a further run calls nothing.
#[test]
fn a_damaged_stored_result_is_named_and_rebuy_repairs_it() {
    let d = scratch("sharing-damaged");
    std::fs::write(d.join("c.toml"), campaign("", 0.0)).unwrap();
    let log = d.join("calls.log");
    let log_arg = log.display().to_string();
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--sim-call-log", &log_arg],
        NO_REPLAY,
    );
    assert_eq!(code, 0, "{err}");
    let billed = std::fs::read_to_string(&log).unwrap();
    // One draft's stored image, changed on disk.
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let draft = l
        .dump()
        .unwrap()
        .attempts
        .into_iter()
        .find(|a| a.tier == darkroom_ledger::Tier::Draft && a.asset.is_some())
        .unwrap();
    let hash = draft.asset.unwrap();
    let file = darkroom_ledger::Store::new(d.join("out/store"))
        .find_local(&hash)
        .unwrap();
    let mut b = std::fs::read(&file).unwrap();
    let last = b.len() - 1;
    b[last] ^= 0xFF;
    std::fs::write(&file, b).unwrap();
    // A shot whose files are all delivered and unchanged is left alone without re-reading its
    // stored results; with its deliverables gone it is worked on again, and reads them.
    std::fs::remove_dir_all(d.join("out/deliverables")).unwrap();
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--sim-call-log", &log_arg],
        NO_REPLAY,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is damaged") && err.contains("--rebuy") && err.contains("store"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        billed,
        "nothing bought"
    );
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--rebuy", "--sim-call-log", &log_arg],
        NO_REPLAY,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        darkroom_ledger::content_hash(&std::fs::read(&file).unwrap()),
        hash,
        "repaired"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        billed,
        "fetched again by its handle, not bought again"
    );
    let usd: f64 = billed
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    let spent = status_json(&d, "c.toml")["spent"].as_f64().unwrap();
    assert!((spent - usd).abs() < 1e-9, "ledger {spent}, bill {usd}");
    let after = std::fs::read_to_string(&log).unwrap();
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--sim-call-log", &log_arg],
        NO_REPLAY,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        after,
        "a whole campaign calls nothing"
    );
}

//! Several `darkroom worker` processes on one campaign with a PostgreSQL ledger and S3 storage
//! (real servers: `scripts/services.sh`; skipped without them, except under CI): kills at
//! random moments, takeover of the dead workers' calls, the budget across workers, and the
//! refusals of a ledger or bucket that cannot be used.

use super::*;

/// A campaign of `shots` shots of `variants` drafts each on a `sim` provider that waits its
/// latency in real time, with a shared ledger and bucket.
fn campaign(shots: usize, variants: u32, money: f64, ledger: &str, store: &str) -> String {
    let mut c = format!(
        "[campaign]\nname = \"many\"\noutput = \"out\"\nledger = \"{ledger}\"\nstore = \"{store}\"\n\
         [providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 16\n\
         failures = {{ transient = 0.0, refusal = 0.0, rate_limited = 0.0 }}\n\
         latency = {{ median = 0.5, p95 = 1.2 }}\n\
         [tiers.draft]\nprovider = \"sim\"\nsize = \"48\"\nvariants = {variants}\n\
         [tiers.finish]\nprovider = \"sim\"\nsize = \"64\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmoney = \"{money} USD\"\nmax_rounds = 1\n"
    );
    let things = ["red sphere", "blue cube", "green cone", "yellow bottle"];
    for i in 0..shots {
        c.push_str(&format!(
            "[[shots]]\nid = \"s{i:02}\"\nprompt = \"a {} to the left of a {}\"\ndeliver = [\"1:1\"]\n",
            things[i % 4],
            things[(i + 1) % 4]
        ));
    }
    c
}

/// The ledger URL without its password (as a campaign file holds it); the password goes in
/// PGPASSWORD.
fn split_password(url: &str) -> (String, String) {
    let (head, tail) = url.split_once('@').unwrap();
    let (scheme_user, pw) = head.rsplit_once(':').unwrap();
    (format!("{scheme_user}@{tail}"), pw.to_string())
}

fn worker(dir: &Path, id: &str, log: &Path, pw: &str) -> std::process::Child {
    bin()
        .current_dir(dir)
        .args([
            "worker",
            "c.toml",
            "--id",
            id,
            "--lease",
            "4",
            "--realtime",
            "--sim-call-log",
        ])
        .arg(log)
        .env("PGPASSWORD", pw)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// A test's database, bucket prefix and folder, with the campaign written there.
struct Setup {
    /// The database URL with its password (for the test's own connections).
    db: String,
    /// The URL without it, as the campaign file holds it.
    url: String,
    /// The password, given to the workers in PGPASSWORD.
    pw: String,
    bucket: String,
    d: PathBuf,
    /// The simulated vendor's record of executed calls.
    log: PathBuf,
}

/// `None` when the servers are not configured (outside CI).
fn setup(name: &str, shots: usize, variants: u32, cap: f64) -> Option<Setup> {
    let db = darkroom_fakes::services::fresh_database(&name.replace('-', "_"))?;
    let bucket = darkroom_fakes::services::fresh_bucket_prefix(name)?;
    let (url, pw) = split_password(&db);
    let d = scratch(name);
    std::fs::write(
        d.join("c.toml"),
        campaign(shots, variants, cap, &url, &bucket),
    )
    .unwrap();
    let log = d.join("calls.log");
    Some(Setup {
        db,
        url,
        pw,
        bucket,
        d,
        log,
    })
}

/// A campaign's text without the lines that set `keys` (a file ledger, no bucket…).
fn without(campaign: &str, keys: &[&str]) -> String {
    campaign
        .lines()
        .filter(|l| !keys.iter().any(|k| l.starts_with(&format!("{k} ="))))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `darkroom worker c.toml --id ID --lease LEASE --realtime` started in `d` through `cmd` (the
/// binary, or a wrapper such as `unshare` ending in it), with `env` and a `sim` vendor that logs
/// to `log` and runs every request it receives (no replays: a request sent twice shows twice).
fn worker_on(
    mut cmd: std::process::Command,
    d: &Path,
    log: &Path,
    id: &str,
    lease: &str,
    env: &[(&str, &str)],
) -> std::process::Child {
    cmd.current_dir(d)
        .args([
            "worker",
            "c.toml",
            "--id",
            id,
            "--lease",
            lease,
            "--realtime",
        ])
        .arg("--sim-call-log")
        .arg(log)
        .envs(env.iter().copied())
        .env("DARKROOM_SIM_NO_REPLAY", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Executed calls per request key, and what they cost, from the simulated vendor's record.
fn executed(log: &Path) -> (std::collections::HashMap<String, u64>, f64) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut per: std::collections::HashMap<String, u64> = Default::default();
    let mut usd = 0.0;
    for l in text.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        // key, USD, try, and the call's handle where darkroom gave one.
        if f.len() == 3 || f.len() == 4 {
            *per.entry(f[0].to_string()).or_default() += 1;
            usd += f[1].parse::<f64>().unwrap();
        }
    }
    (per, usd)
}

/// Starts `darkroom run c.toml --realtime` in `d` with `env`, cuts `relay` once `paid` calls are
/// in the vendor's record (progress, not time, decides when), and returns how the run ended.
fn run_cut_after(
    d: &Path,
    log: &Path,
    env: &[(&str, &str)],
    relay: &darkroom_fakes::services::Relay,
    paid: u64,
) -> (Option<i32>, String) {
    let run = bin()
        .current_dir(d)
        .args(["run", "c.toml", "--realtime", "--sim-call-log"])
        .arg(log)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while executed(log).0.values().sum::<u64>() < paid {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(300),
            "the run never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    relay.cut();
    let out = run.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn four_workers_two_killed_at_a_time_lose_nothing_and_pay_each_call_once() {
    let cap = 40.0;
    let Some(Setup {
        db,
        pw,
        bucket,
        d,
        log,
        ..
    }) = setup("workers-kill", 24, 12, cap)
    else {
        return;
    };
    let ledger = darkroom_ledger::Ledger::connect(&db, "many").unwrap();
    // Watches the budget from outside while the workers run: committed (spent + reserved) must
    // never pass the cap, whatever the number of workers.
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let (db, watching) = (db.clone(), watching.clone());
        std::thread::spawn(move || {
            let l = darkroom_ledger::Ledger::connect(&db, "many").unwrap();
            let mut peak: f64 = 0.0;
            while watching.load(std::sync::atomic::Ordering::SeqCst) {
                peak = peak.max(l.totals().unwrap().committed);
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            peak
        })
    };
    let mut workers: Vec<std::process::Child> = (0..4)
        .map(|i| worker(&d, &format!("w{i}"), &log, &pw))
        .collect();
    let mut next = 4;
    let mut state: u64 = 0x5EED_F00D;
    let mut kills = 0;
    // Six moments, two workers killed at each: 12 kills, with half the workers gone at once.
    while kills < 12 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        std::thread::sleep(std::time::Duration::from_millis(250 + (state >> 33) % 600));
        let first = (state >> 20) as usize % workers.len();
        let second = (first + 1 + (state >> 40) as usize % (workers.len() - 1)) % workers.len();
        for k in [first, second] {
            // SIGKILL: no chance to clean up, its calls left in flight and its heartbeat stopped.
            let _ = workers[k].kill();
            let _ = workers[k].wait();
            kills += 1;
        }
        for k in [first, second] {
            workers[k] = worker(&d, &format!("w{next}"), &log, &pw);
            next += 1;
        }
    }
    let codes: Vec<Option<i32>> = workers
        .iter_mut()
        .map(|w| w.wait().unwrap().code())
        .collect();
    watching.store(false, std::sync::atomic::Ordering::SeqCst);
    let peak = watcher.join().unwrap();
    assert!(
        codes.iter().all(|c| *c == Some(0)),
        "the last workers: {codes:?}"
    );

    let (per, usd) = executed(&log);
    let twice: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "executed more than once: {twice:?}");
    let t = ledger.totals().unwrap();
    eprintln!(
        "{kills} kills, {} calls executed, {} taken over or replayed; executed ${usd:.3}, ledger ${:.3}, peak committed ${peak:.3} of ${cap}",
        per.len(),
        ledger.interrupted().unwrap(),
        t.settled
    );
    assert!(
        (t.settled - usd).abs() < 1e-9,
        "ledger ${} but executed ${usd}",
        t.settled
    );
    assert!(
        peak <= cap + 1e-9 && t.committed <= cap + 1e-9,
        "peak {peak} over the cap {cap}"
    );
    // Every shot delivered, each deliverable once in the bucket and in the ledger.
    let shots = ledger.shots().unwrap();
    assert_eq!(shots.len(), 24);
    assert!(shots.iter().all(|s| s.status == "delivered"), "{shots:?}");
    let dump = ledger.dump().unwrap();
    let paths: Vec<String> = dump.deliverables.iter().map(|x| x.path.clone()).collect();
    assert_eq!(paths.len(), 24, "{paths:?}");
    let store = darkroom_ledger::Store::open(d.join("check"), Some(&bucket)).unwrap();
    let published = store.published("deliverables").unwrap();
    for p in &paths {
        assert_eq!(
            published.iter().filter(|k| *k == p).count(),
            1,
            "{p} in the bucket: {published:?}"
        );
    }
    let pngs_published = published.iter().filter(|k| k.ends_with(".png")).count();
    assert_eq!(pngs_published, 24, "{published:?}");
    // Whichever worker wrote the manifest last, it lists every file, those others delivered too.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("out/deliverables/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["deliverables"].as_array().unwrap().len(), 24);
    // Another machine, with only the campaign file: its report reads the ledger from the
    // database and the images from the bucket.
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(d.join("c.toml"), elsewhere.join("c.toml")).unwrap();
    let (code, _, err) = go_env(&elsewhere, &["report", "c.toml"], &[("PGPASSWORD", &pw)]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(elsewhere.join("out/report.html")).unwrap();
    assert!(
        page.contains("s00") && page.contains("s23"),
        "every shot is in the report"
    );
    let fetched = files_under(&elsewhere.join("out/store"), &["png"]).len();
    assert!(
        fetched >= 24,
        "the report's images came from the bucket: {fetched}"
    );
    // `status` lists the workers: the killed ones lost, the last four finished.
    let (code, out, err) = go_env(&d, &["status", "c.toml", "--json"], &[("PGPASSWORD", &pw)]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ws = v["workers"].as_array().unwrap();
    assert_eq!(ws.len(), next);
    let finished = ws.iter().filter(|w| w["state"] == "finished").count();
    assert_eq!(finished, 4, "{ws:?}");
    assert!(ws.iter().all(|w| w["leases"] == 0), "{ws:?}");
}

#[test]
fn the_cap_holds_across_four_workers_at_sixteen_calls_each() {
    // 8 shots × 12 drafts at $0.039 would be $3.74; the cap stops them at $1.
    let cap = 1.0;
    let Some(Setup { db, pw, d, log, .. }) = setup("workers-cap", 8, 12, cap) else {
        return;
    };
    let mut ws: Vec<_> = (0..4)
        .map(|i| worker(&d, &format!("c{i}"), &log, &pw))
        .collect();
    let codes: Vec<Option<i32>> = ws.iter_mut().map(|w| w.wait().unwrap().code()).collect();
    assert!(
        codes.iter().all(|c| *c == Some(1)),
        "each stops on the budget: {codes:?}"
    );
    let ledger = darkroom_ledger::Ledger::connect(&db, "many").unwrap();
    let t = ledger.totals().unwrap();
    let (_, usd) = executed(&log);
    assert!(
        t.committed <= cap + 1e-9,
        "committed {} over the cap {cap}",
        t.committed
    );
    assert!(
        (t.settled - usd).abs() < 1e-9,
        "ledger ${} but executed ${usd}",
        t.settled
    );
    let runs = ledger.runs().unwrap();
    assert!(
        runs.iter().all(|r| r.status == "budget_exhausted"),
        "the cap, not something else, stopped them (${usd} spent): {runs:?}"
    );
}

#[test]
fn a_ledger_or_bucket_that_cannot_be_used_stops_with_one_line_naming_it_and_spends_nothing() {
    let Some(Setup {
        db,
        url,
        pw,
        bucket,
        d,
        log,
    }) = setup("workers-bad", 1, 2, 5.0)
    else {
        return;
    };
    let attempt = |toml: &str, env: &[(&str, &str)]| {
        std::fs::write(d.join("c.toml"), toml).unwrap();
        let log_arg = log.display().to_string();
        let (code, _, err) = go_env(&d, &["run", "c.toml", "--sim-call-log", &log_arg], env);
        assert_eq!(code, 2, "{err}");
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
        assert_eq!(lines.len(), 1, "one line: {err}");
        assert!(
            !err.contains(&format!(":{pw}@")) && !err.contains("darkroom-secret"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&log).unwrap_or_default(),
            "",
            "nothing spent"
        );
        err
    };
    // Unreachable database; wrong password.
    let dead = url.replace(":55432/", ":1/");
    let err = attempt(&campaign(1, 2, 5.0, &dead, &bucket), &[("PGPASSWORD", &pw)]);
    assert!(err.contains(&dead), "{err}");
    let err = attempt(
        &campaign(1, 2, 5.0, &url, &bucket),
        &[("PGPASSWORD", "wrong")],
    );
    assert!(
        err.contains("password authentication failed") && err.contains(&url),
        "{err}"
    );
    // The URL with its password in the environment is printed masked.
    let err = attempt(
        &campaign(1, 2, 5.0, &url, &bucket),
        &[("DARKROOM_LEDGER", &db.replace(&pw, "wrong-secret"))],
    );
    assert!(
        err.contains(":****@") && !err.contains("wrong-secret"),
        "{err}"
    );
    // Another campaign's database; a schema from a newer darkroom.
    darkroom_ledger::Ledger::connect(&db, "someone-else").unwrap();
    let err = attempt(&campaign(1, 2, 5.0, &url, &bucket), &[("PGPASSWORD", &pw)]);
    assert!(err.contains("belongs to campaign `someone-else`"), "{err}");
    let db2 = darkroom_fakes::services::fresh_database("workers_bad_newer").unwrap();
    darkroom_ledger::Ledger::connect(&db2, "many").unwrap();
    darkroom_fakes::services::sql(&db2, "UPDATE darkroom_schema SET version = 99");
    let url2 = split_password(&db2).0;
    let err = attempt(&campaign(1, 2, 5.0, &url2, &bucket), &[("PGPASSWORD", &pw)]);
    assert!(
        err.contains("newer than this darkroom") && err.contains(&url2),
        "{err}"
    );
    // A bucket that does not exist; wrong keys for it.
    let db3 = darkroom_fakes::services::fresh_database("workers_bad_store").unwrap();
    let url3 = split_password(&db3).0;
    let err = attempt(
        &campaign(1, 2, 5.0, &url3, "s3://no-such-bucket/x"),
        &[("PGPASSWORD", &pw)],
    );
    assert!(err.contains("s3://no-such-bucket/x"), "{err}");
    let err = attempt(
        &campaign(1, 2, 5.0, &url3, &bucket),
        &[
            ("PGPASSWORD", &pw),
            ("AWS_SECRET_ACCESS_KEY", "not-the-key"),
        ],
    );
    assert!(
        err.contains(&bucket) && !err.contains("not-the-key"),
        "{err}"
    );
    // `check` reaches the ledger and the bucket too, and says the same.
    std::fs::write(d.join("c.toml"), campaign(1, 2, 5.0, &url, &bucket)).unwrap();
    let (code, _, err) = go_env(&d, &["check", "c.toml"], &[("PGPASSWORD", "wrong")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("password authentication failed") && err.contains(&url),
        "{err}"
    );
    let (code, _, err) = go_env(
        &d,
        &["check", "c.toml"],
        &[
            ("PGPASSWORD", &pw),
            ("AWS_SECRET_ACCESS_KEY", "not-the-key"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&bucket) && !err.contains("not-the-key"),
        "{err}"
    );
    // A password written in the campaign file is refused before anything is reached.
    std::fs::write(d.join("c.toml"), campaign(1, 2, 5.0, &db, &bucket)).unwrap();
    let (code, _, err) = go(&d, &["check", "c.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("campaign.ledger") && err.contains("PGPASSWORD") && !err.contains(&pw),
        "{err}"
    );
}

#[test]
fn a_worker_that_delivered_nothing_lists_every_file_the_others_delivered() {
    // The sketch renderer makes each further aspect by a delivery call of its own: what a worker
    // lists of another's delivery is the shot's files, not only its final's. Runs on the file
    // ledger too (workers on one machine), so it needs no server.
    let d = scratch("workers-listed");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"l\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 2\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"96\"\nkeep = 1\n\
         [[shots]]\nid = \"a\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\", \"16:9\"]\n\
         [[shots]]\nid = \"b\"\nprompt = \"a blue cube\"\ndeliver = [\"1:1\", \"9:16\"]\n",
    )
    .unwrap();
    let (code, first, err) = go(&d, &["worker", "c.toml", "--id", "one"]);
    assert_eq!(code, 0, "{err}");
    let (code, second, err) = go(&d, &["worker", "c.toml", "--id", "two"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(first.lines().count(), 4, "{first}");
    let sorted = |t: &str| {
        let mut l: Vec<String> = t.lines().map(String::from).collect();
        l.sort();
        l
    };
    assert_eq!(
        sorted(&second),
        sorted(&first),
        "the second worker delivered nothing and lists the same files"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("out/deliverables/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["deliverables"].as_array().unwrap().len(), 4);
    let (code, out, _) = go(&d, &["status", "c.toml"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("worker one") && out.contains("worker two") && out.contains("finished"),
        "{out}"
    );
}

/// A campaign that ran on one machine moves to PostgreSQL and a bucket (`darkroom move`); a
/// second machine then goes on from there without executing a single call again, and the file
/// ledger left behind refuses to be run on.
#[test]
fn a_campaign_moved_to_postgres_and_a_bucket_pays_nothing_again_on_another_machine() {
    let Some(Setup {
        url,
        pw,
        bucket,
        d,
        log,
        ..
    }) = setup("workers-move", 6, 4, 40.0)
    else {
        return;
    };
    // On one machine first: a file ledger and a store folder.
    let shared = std::fs::read_to_string(d.join("c.toml")).unwrap();
    let alone = without(&shared, &["ledger", "store"]);
    std::fs::write(d.join("c.toml"), &alone).unwrap();
    let log_arg = log.to_str().unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml", "--sim-call-log", log_arg]);
    assert_eq!(code, 0, "{err}");
    let (calls, usd) = executed(&log);
    let paid: u64 = calls.values().sum();
    assert!(paid >= 30, "{paid} calls");
    let delivered = files_under(&d.join("out/deliverables"), &["png"]);
    assert!(delivered.len() >= 6);

    // Nowhere to move to, and no password printed when it is given in the URL.
    let (code, _, err) = go(&d, &["move", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give --ledger postgres://"), "{err}");
    let with_pw = url.replacen('@', &format!(":{pw}@"), 1);
    let (code, out, err) = go_env(
        &d,
        &["move", "c.toml", "--ledger", &with_pw, "--store", &bucket],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    // (The test server's password is also the bucket's name: looked for as a URL's.)
    let secret = format!(":{pw}@");
    assert!(
        !out.contains(&secret) && !err.contains(&secret),
        "{out}{err}"
    );
    assert!(out.contains(":****@"), "{out}");
    assert!(out.contains("every row checked"), "{out}");
    assert!(out.contains(&format!("ledger = \"{url}\"")), "{out}");
    assert!(out.contains(&format!("store = \"{bucket}\"")), "{out}");
    let attempts: u64 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("attempts"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert_eq!(attempts, paid, "every attempt moved");

    // The file left behind is refused: a run on it would pay for calls again.
    let (code, _, err) = go(&d, &["run", "c.toml", "--sim-call-log", log_arg]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("was moved to") && err.contains(&url), "{err}");
    let (code, _, err) = go(&d, &["check", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("was moved to") && err.contains(&url), "{err}");
    let (code, _, err) = go_env(
        &d,
        &["move", "c.toml", "--ledger", &url, "--store", &bucket],
        &[("PGPASSWORD", &pw)],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("moved already"), "{err}");

    // Another machine: a fresh folder, the campaign pointing at the database and the bucket.
    let there = scratch("workers-move-there");
    std::fs::write(there.join("c.toml"), &shared).unwrap();
    let (code, out, err) = go_env(
        &there,
        &["run", "c.toml", "--sim-call-log", log_arg],
        &[("PGPASSWORD", &pw)],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (after, usd_after) = executed(&log);
    assert_eq!(after, calls, "no call was executed again");
    assert!((usd_after - usd).abs() < 1e-9);
    let (code, out, err) = go_env(
        &there,
        &["status", "c.toml", "--json"],
        &[("PGPASSWORD", &pw)],
    );
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!((s["spent"].as_f64().unwrap() - usd).abs() < 1e-9, "{out}");
    // What the first machine delivered is in the bucket, for every machine.
    let store = darkroom_ledger::Store::open(there.join("out/store"), Some(&bucket)).unwrap();
    let published = store.published("deliverables").unwrap();
    for f in &delivered {
        let rel = f
            .strip_prefix(d.join("out"))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        assert!(published.contains(&rel), "{rel} not in {published:?}");
    }
}

/// The bucket goes away in the middle of a run (every connection reset, new ones refused) and
/// stays away: the run keeps its paid results here, ends with exit 1 naming the bucket, and is
/// marked `error`; once the bucket is back,
/// running again finishes the campaign without a call executed twice, and every paid result —
/// those written here while the bucket was gone included — is in the bucket for other machines.
#[test]
fn a_bucket_lost_mid_run_stops_it_and_the_next_run_resumes_paying_nothing_twice() {
    let Some(Setup { bucket, d, log, .. }) = setup("workers-bucket-lost", 8, 6, 40.0) else {
        return;
    };
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let relay = darkroom_fakes::services::Relay::start(
        endpoint.trim_start_matches("http://").trim_end_matches('/'),
    );
    // A file ledger here, the bucket behind the relay.
    let text = without(
        &std::fs::read_to_string(d.join("c.toml")).unwrap(),
        &["ledger"],
    );
    std::fs::write(d.join("c.toml"), text).unwrap();
    // Cut once a third of the drafts are paid for.
    let (code, err) = run_cut_after(
        &d,
        &log,
        &[("AWS_ENDPOINT_URL", relay.url().as_str())],
        &relay,
        16,
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("asset store") && err.contains(&bucket),
        "{err}"
    );
    assert!(err.contains("run the same command again"), "{err}");
    let (code, json, _) = go(&d, &["status", "c.toml", "--json"]);
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&json).unwrap();
    let runs = s["runs"].as_array().unwrap();
    assert_eq!(runs.last().unwrap()["status"], "error", "{json}");
    // The paid results were not failed for the bucket's sake: kept here, their uploads queued,
    // the run went on; it ends in error because the bucket stayed down past the lease.
    let paid_before: u64 = executed(&log).0.values().sum();
    assert!(paid_before >= 16, "{paid_before} calls");

    // As a process killed between its local write and its upload would leave it.
    let (orphan, _) = darkroom_ledger::Store::new(d.join("out/store"))
        .put(b"written here, never uploaded", "png")
        .unwrap();

    // The bucket is back: the same command finishes.
    relay.restore();
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--sim-call-log", log.to_str().unwrap()],
        &[("AWS_ENDPOINT_URL", relay.url().as_str())],
    );
    assert_eq!(code, 0, "{err}");
    let (calls, usd) = executed(&log);
    assert!(
        calls.values().all(|n| *n == 1),
        "a call was executed twice: {calls:?}"
    );
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    assert!((l.totals().unwrap().settled - usd).abs() < 1e-9);
    assert_eq!(l.shots().unwrap().len(), 8);
    // Another machine finds every paid result in the bucket.
    let elsewhere = scratch("workers-bucket-lost-elsewhere");
    let store = darkroom_ledger::Store::open(elsewhere.join("store"), Some(&bucket)).unwrap();
    assert_eq!(l.missing_assets(&store).unwrap(), Vec::new());
    assert!(store.contains(&orphan), "uploaded as the run opened");
}

/// The database goes away in the middle of a run (every connection reset): the run stops with
/// exit 1 naming it, and spends nothing it cannot account for; once it is back, running again
/// finishes the campaign, no call executed twice and the ledger's spend the vendor's.
#[test]
fn a_database_lost_mid_run_stops_it_and_the_next_run_resumes_paying_nothing_twice() {
    let Some(Setup {
        url, pw, d, log, ..
    }) = setup("workers-db-lost", 8, 6, 40.0)
    else {
        return;
    };
    // postgres://USER@HOST:PORT/DB: the same database behind the relay.
    let (head, tail) = url.split_once('@').unwrap();
    let (hostport, db) = tail.split_once('/').unwrap();
    let relay = darkroom_fakes::services::Relay::start(hostport);
    let relayed = format!("{head}@{}/{db}", relay.url().trim_start_matches("http://"));
    let text = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace(&url, &relayed);
    std::fs::write(d.join("c.toml"), text).unwrap();
    let (code, err) = run_cut_after(&d, &log, &[("PGPASSWORD", pw.as_str())], &relay, 16);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&relayed) && !err.contains(&pw), "{err}");
    // It cannot have recorded how it ended, and says so rather than claim it did.
    assert!(
        err.contains("still says `running`") && !err.contains("marked `error`"),
        "{err}"
    );
    let paid_before: u64 = executed(&log).0.values().sum();
    assert!(
        paid_before < 54,
        "the cut came before the end: {paid_before} calls"
    );

    relay.restore();
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--sim-call-log", log.to_str().unwrap()],
        &[("PGPASSWORD", pw.as_str())],
    );
    assert_eq!(code, 0, "{err}");
    let (calls, usd) = executed(&log);
    assert!(
        calls.values().all(|n| *n == 1),
        "a call was executed twice: {calls:?}"
    );
    let (code, json, err) = go_env(
        &d,
        &["status", "c.toml", "--json"],
        &[("PGPASSWORD", pw.as_str())],
    );
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!((s["spent"].as_f64().unwrap() - usd).abs() < 1e-9, "{json}");
    assert_eq!(s["shots"].as_array().unwrap().len(), 8, "{json}");
}

/// `[campaign] deliverables`: `bucket` writes the delivered files to the bucket only (a worker
/// with little disk keeps no copy), `folder` to the output folder only; `bucket` without a
/// bucket is refused before anything is spent.
#[test]
fn deliverables_go_to_the_bucket_the_folder_or_both_as_configured() {
    let Some(Setup { bucket, d, log, .. }) = setup("workers-deliver-to", 3, 2, 40.0) else {
        return;
    };
    let base = without(
        &std::fs::read_to_string(d.join("c.toml")).unwrap(),
        &["ledger"],
    );
    let log_arg = log.to_str().unwrap();
    let with = |folder: &str, text: String| {
        let at = d.join(folder);
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(at.join("c.toml"), text).unwrap();
        at
    };
    let only = |to: &str, store: &str| {
        base.replace(
            &format!("store = \"{bucket}\"\n"),
            &format!("{store}deliverables = \"{to}\"\n"),
        )
    };
    // The bucket only.
    let here = with(
        "bucket",
        only("bucket", &format!("store = \"{bucket}/b\"\n")),
    );
    let (code, _, err) = go(&here, &["run", "c.toml", "--sim-call-log", log_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(!here.join("out/deliverables").exists(), "no local copy");
    let store = darkroom_ledger::Store::open(
        scratch("workers-deliver-to-b").join("store"),
        Some(&format!("{bucket}/b")),
    )
    .unwrap();
    let published = store.published("deliverables").unwrap();
    assert!(
        published.contains(&"deliverables/manifest.json".to_string()),
        "{published:?}"
    );
    let pngs = published.iter().filter(|p| p.ends_with(".png")).count();
    assert_eq!(pngs, 3, "{published:?}");
    // The folder only.
    let here = with(
        "folder",
        only("folder", &format!("store = \"{bucket}/f\"\n")),
    );
    let (code, _, err) = go(&here, &["run", "c.toml", "--sim-call-log", log_arg]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        files_under(&here.join("out/deliverables"), &["png"]).len(),
        3
    );
    let store = darkroom_ledger::Store::open(
        scratch("workers-deliver-to-f").join("store"),
        Some(&format!("{bucket}/f")),
    )
    .unwrap();
    assert!(store.published("deliverables").unwrap().is_empty());
    // The bucket, with none: said by check and by run, nothing spent.
    let here = with("none", only("bucket", ""));
    let calls = executed(&log).0.values().sum::<u64>();
    for cmd in ["check", "run"] {
        let (code, _, err) = go(
            &here,
            &[cmd, "c.toml", "--sim-call-log", log_arg][..if cmd == "run" { 4 } else { 2 }],
        );
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(
            err.contains("campaign.deliverables: `bucket` needs a bucket"),
            "{err}"
        );
    }
    assert_eq!(executed(&log).0.values().sum::<u64>(), calls);
    // Anything else is named with what is accepted.
    let here = with("typo", only("cloud", &format!("store = \"{bucket}/t\"\n")));
    let (code, _, err) = go(&here, &["check", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("campaign.deliverables") && err.contains("accepted: both"),
        "{err}"
    );
}

/// Workers of one campaign apply one cap, the one its ledger recorded: a worker whose file says
/// another is refused before anything is spent, unless it is started with `--change-cap`,
/// which changes it for every worker and is logged in the ledger.
#[test]
fn one_cap_per_shared_campaign_and_a_worker_with_another_is_refused_unless_it_changes_it() {
    let Some(Setup {
        db,
        url,
        pw,
        bucket,
        d,
        log,
    }) = setup("workers-cap", 2, 2, 8.0)
    else {
        return;
    };
    let log_arg = log.display().to_string();
    let env = [("PGPASSWORD", pw.as_str())];
    let (code, _, err) = go_env(&d, &["run", "c.toml", "--sim-call-log", &log_arg], &env);
    assert_eq!(code, 0, "{err}");
    let billed = std::fs::read_to_string(&log).unwrap();
    std::fs::write(d.join("c.toml"), campaign(2, 2, 12.0, &url, &bucket)).unwrap();
    for cmd in ["worker", "run"] {
        let (code, _, err) = go_env(&d, &[cmd, "c.toml", "--sim-call-log", &log_arg], &env);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(
            err.contains("8.00 USD") && err.contains("12.00 USD") && err.contains("--change-cap"),
            "{cmd}: {err}"
        );
    }
    // The same cap given with --budget is the recorded one: accepted.
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--budget", "8", "--sim-call-log", &log_arg],
        &env,
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = go_env(
        &d,
        &[
            "worker",
            "c.toml",
            "--change-cap",
            "--sim-call-log",
            &log_arg,
        ],
        &env,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        billed,
        "nothing bought again"
    );
    let l = darkroom_ledger::Ledger::connect(&db, "many").unwrap();
    let changes: Vec<f64> = l.cap_changes().unwrap().iter().map(|c| c.to).collect();
    assert_eq!(changes, vec![8.0, 12.0]);
    // Every worker now applies 12: the old file is the one refused.
    std::fs::write(d.join("c.toml"), campaign(2, 2, 8.0, &url, &bucket)).unwrap();
    let (code, _, err) = go_env(&d, &["worker", "c.toml", "--sim-call-log", &log_arg], &env);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is 12.00 USD"), "{err}");
}

#[path = "workers/outages.rs"]
mod outages;

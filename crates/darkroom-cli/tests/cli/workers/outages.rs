//! Outages under several workers: a database restart, a bucket outage, a worker paused past its lease or killed again and again, separate PID namespaces; the ledger equals the vendor's bill each time.

use super::*;

/// PostgreSQL goes away for a moment under two workers (a restart, a failover: every connection
/// reset, new ones refused) and comes back within the lease: both workers wait it out,
/// reconnect and finish; the vendor ran no request twice and the ledger equals its bill.
#[test]
fn a_database_restart_within_the_lease_is_waited_out_by_two_workers() {
    let Some(Setup {
        url, pw, d, log, ..
    }) = setup("workers-db-blip", 8, 6, 40.0)
    else {
        return;
    };
    let (head, tail) = url.split_once('@').unwrap();
    let (hostport, db) = tail.split_once('/').unwrap();
    let relay = darkroom_fakes::services::Relay::start(hostport);
    let relayed = format!("{head}@{}/{db}", relay.url().trim_start_matches("http://"));
    let text = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace(&url, &relayed);
    std::fs::write(d.join("c.toml"), text).unwrap();
    let spawn = |id: &str| worker_on(bin(), &d, &log, id, "20", &[("PGPASSWORD", pw.as_str())]);
    let (w1, w2) = (spawn("w1"), spawn("w2"));
    let start = std::time::Instant::now();
    while executed(&log).0.values().sum::<u64>() < 16 {
        assert!(
            start.elapsed().as_secs() < 300,
            "the workers never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Down for about two seconds, well within the 20 s lease (how long exactly does not
    // matter: anything under the lease is waited out).
    relay.cut();
    std::thread::sleep(std::time::Duration::from_secs(2));
    relay.restore();
    for (id, w) in [("w1", w1), ("w2", w2)] {
        let out = w.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{id}: {err}");
    }
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
    assert!(
        s["shots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "delivered"),
        "{json}"
    );
}

/// The bucket goes away for longer than its client's own retries (12 s against 10) under two
/// workers on a shared ledger, then comes back: a paid result whose upload failed is kept in
/// the worker's store and its upload queued, never failed (the other worker would have bought
/// it again); the workers end (or, had a delivery failed, the next run ends) with no request
/// executed twice, the ledger equal to the vendor's bill and every paid result in the bucket.
#[test]
fn a_bucket_outage_under_two_workers_buys_nothing_twice() {
    let Some(Setup {
        url,
        pw,
        bucket,
        d,
        log,
        ..
    }) = setup("workers-bucket-blip", 8, 6, 40.0)
    else {
        return;
    };
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let relay = darkroom_fakes::services::Relay::start(
        endpoint.trim_start_matches("http://").trim_end_matches('/'),
    );
    let relayed = relay.url();
    // A vendor that runs every request it receives: a request sent twice shows twice.
    let env = [
        ("PGPASSWORD", pw.as_str()),
        ("AWS_ENDPOINT_URL", relayed.as_str()),
        ("DARKROOM_SIM_NO_REPLAY", "1"),
    ];
    let spawn = |id: &str| worker_on(bin(), &d, &log, id, "30", &env);
    let (w1, w2) = (spawn("w1"), spawn("w2"));
    let start = std::time::Instant::now();
    while executed(&log).0.values().sum::<u64>() < 16 {
        assert!(
            start.elapsed().as_secs() < 300,
            "the workers never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    relay.cut();
    std::thread::sleep(std::time::Duration::from_secs(12));
    relay.restore();
    for w in [w1, w2] {
        let out = w.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
        assert!(!err.contains("internal error"), "{err}");
    }
    // Whatever a worker could not deliver while the bucket was gone, the next run finishes.
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml", "--sim-call-log", log.to_str().unwrap()],
        &env,
    );
    assert_eq!(code, 0, "{err}");
    let (calls, usd) = executed(&log);
    assert!(
        calls.values().all(|n| *n == 1),
        "a call was executed twice: {calls:?}"
    );
    let l = darkroom_ledger::Ledger::connect(&url.replacen('@', &format!(":{pw}@"), 1), "many")
        .unwrap();
    assert!((l.totals().unwrap().settled - usd).abs() < 1e-9);
    let elsewhere = scratch("workers-bucket-blip-elsewhere");
    let store = darkroom_ledger::Store::open(elsewhere.join("store"), Some(&bucket)).unwrap();
    assert_eq!(l.missing_assets(&store).unwrap(), Vec::new());
}

/// The simulated vendor's bill: what every executed request cost, repeats included.
fn bill(log: &Path) -> f64 {
    executed(log).1
}

/// A worker paused past its lease (SIGSTOP: a laptop lid, a VM migration) while its calls are
/// in flight: the other takes them over and sends them again (the vendor runs them twice: at
/// least once, as every queue is); when the paused one continues, its late results are fenced
/// (the attempts stay the other's) and each replaces the takeover's "may have run" booking with
/// its actual cost. The ledger's settled spend equals the vendor's bill to the cent, and
/// `status` names the interrupted calls and the ones run twice.
#[cfg(unix)]
#[test]
fn a_worker_paused_past_its_lease_is_fenced_and_the_ledger_equals_the_bill() {
    let Some(Setup { db, pw, d, log, .. }) = setup("workers-paused", 6, 6, 40.0) else {
        return;
    };
    let spawn = |id: &str| worker_on(bin(), &d, &log, id, "3", &[("PGPASSWORD", pw.as_str())]);
    let paused = spawn("paused");
    let start = std::time::Instant::now();
    while executed(&log).0.values().sum::<u64>() < 8 {
        assert!(
            start.elapsed().as_secs() < 300,
            "the worker never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let signal = |sig: &str| {
        assert!(std::process::Command::new("kill")
            .args([sig, &paused.id().to_string()])
            .status()
            .unwrap()
            .success());
    };
    signal("-STOP");
    // The other worker waits out the paused one's lease, takes its calls over and finishes the
    // campaign (it ends when the campaign is done).
    let other = spawn("other").wait_with_output().unwrap();
    assert_eq!(
        other.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    signal("-CONT");
    let late = paused.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&late.stderr);
    assert!(matches!(late.status.code(), Some(0 | 1)), "{err}");
    assert!(!err.contains("internal error"), "{err}");
    let l = darkroom_ledger::Ledger::connect(&db, "many").unwrap();
    let t = l.totals().unwrap();
    assert!(
        (t.settled - bill(&log)).abs() < 1e-9,
        "ledger {} against the vendor's bill {}",
        t.settled,
        bill(&log)
    );
    assert!(
        (t.committed - t.settled).abs() < 1e-9,
        "nothing left reserved: {t:?}"
    );
    let (calls, _) = executed(&log);
    let twice = calls.values().filter(|n| **n > 1).count() as u64;
    let (code, json, _) = go_env(&d, &["status", "c.toml", "--json"], &[("PGPASSWORD", &pw)]);
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&json).unwrap();
    let cut: u64 = s["interrupted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["calls"].as_u64().unwrap())
        .sum();
    assert!(cut >= twice, "every call run twice was interrupted: {json}");
    assert!(
        s["shots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "delivered"),
        "{json}"
    );
}

/// Two workers with their own `--id`s in separate PID namespaces on one host name (two
/// containers with host networking): each sees itself as process 1 or so, so a process id says
/// nothing about the other; liveness is the lease alone, and neither takes over the other's
/// calls: the vendor runs no request twice and nothing is interrupted.
#[cfg(target_os = "linux")]
#[test]
fn workers_in_separate_pid_namespaces_never_take_over_each_others_calls() {
    let flags: Option<&[&str]> = [
        &["--pid", "--fork", "--mount-proc"][..],
        &["-r", "--pid", "--fork", "--mount-proc"],
    ]
    .into_iter()
    .find(|f| {
        std::process::Command::new("unshare")
            .args(*f)
            .arg("true")
            .status()
            .is_ok_and(|s| s.success())
    });
    let Some(flags) = flags else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to start a process in a PID namespace of its own (unshare --pid)"
        );
        eprintln!("skipped: no PID namespaces here");
        return;
    };
    let Some(Setup { db, pw, d, log, .. }) = setup("workers-pidns", 6, 6, 40.0) else {
        return;
    };
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_darkroom"));
    let spawn = |id: &str| {
        let mut unshare = std::process::Command::new("unshare");
        unshare.args(flags).arg(&exe);
        worker_on(unshare, &d, &log, id, "30", &[("PGPASSWORD", pw.as_str())])
    };
    let (a, b) = (spawn("container-a"), spawn("container-b"));
    for w in [a, b] {
        let out = w.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (calls, usd) = executed(&log);
    assert!(
        calls.values().all(|n| *n == 1),
        "a call was executed twice: {calls:?}"
    );
    let l = darkroom_ledger::Ledger::connect(&db, "many").unwrap();
    assert_eq!(l.interrupted().unwrap(), 0);
    assert!((l.totals().unwrap().settled - usd).abs() < 1e-9);
    let workers = l.workers().unwrap();
    assert_eq!(workers.len(), 2, "{workers:?}");
}

/// The database gone for longer than the lease: the worker stops (exit 1, never 3), and the
/// results its calls brought back meanwhile — paid and stored, but never recorded — are kept in
/// its journal; the next run records them instead of buying them again. The vendor runs every
/// request it receives: none is run twice, and the ledger equals its bill.
#[test]
fn results_paid_while_the_database_is_gone_are_journaled_and_not_bought_again() {
    let Some(Setup {
        url, pw, d, log, ..
    }) = setup("workers-db-long", 8, 6, 40.0)
    else {
        return;
    };
    let (head, tail) = url.split_once('@').unwrap();
    let (hostport, db) = tail.split_once('/').unwrap();
    let relay = darkroom_fakes::services::Relay::start(hostport);
    let relayed = format!("{head}@{}/{db}", relay.url().trim_start_matches("http://"));
    let text = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace(&url, &relayed);
    std::fs::write(d.join("c.toml"), text).unwrap();
    let spawn = || worker_on(bin(), &d, &log, "w1", "2", &[("PGPASSWORD", pw.as_str())]);
    let w = spawn();
    let start = std::time::Instant::now();
    while executed(&log).0.values().sum::<u64>() < 16 {
        assert!(
            start.elapsed().as_secs() < 300,
            "the worker never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    relay.cut();
    let out = w.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&relayed) && !err.contains(&pw), "{err}");
    let journaled = darkroom_ledger::journal::read(&d.join("out"));
    relay.restore();
    let out = spawn().wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (calls, usd) = executed(&log);
    assert!(
        calls.values().all(|n| *n == 1),
        "a call was executed twice ({} journaled): {calls:?}",
        journaled.len()
    );
    let (code, json, _) = go_env(&d, &["status", "c.toml", "--json"], &[("PGPASSWORD", &pw)]);
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!((s["spent"].as_f64().unwrap() - usd).abs() < 1e-9, "{json}");
    assert!(darkroom_ledger::journal::read(&d.join("out")).is_empty());
    eprintln!(
        "{} result(s) journaled while the database was gone",
        journaled.len()
    );
}

/// Must-show (e) of issue 28: two workers on PostgreSQL and a bucket against a vendor that runs
/// every request it receives (no replays) and finds a call by its handle; one worker SIGKILLed
/// five times at moments set by the vendor's progress and started again under a new `--id`.
/// The requests run twice are at most the calls in flight at the kills (with handles, none: a
/// call in flight is asked for, not sent again), the ledger's settled spend equals the vendor's
/// bill to the cent, nothing stays reserved, and `status` names the interrupted calls.
#[cfg(unix)]
#[test]
fn workers_killed_five_times_pay_the_vendor_exactly_what_the_ledger_says() {
    let Some(Setup { db, pw, d, log, .. }) = setup("workers-kill-exact", 12, 8, 40.0) else {
        return;
    };
    let env = [("PGPASSWORD", pw.as_str())];
    let mut steady = worker_on(bin(), &d, &log, "steady", "2", &env);
    let mut state: u64 = 0x0DEA_DBEE;
    for kill in 0..5 {
        let mut victim = worker_on(bin(), &d, &log, &format!("victim{kill}"), "2", &env);
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        // Killed once the vendor has run 3–10 more requests: both workers mid-batch.
        let at = executed(&log).0.values().sum::<u64>() + 3 + (state >> 33) % 8;
        let start = std::time::Instant::now();
        while executed(&log).0.values().sum::<u64>() < at {
            if victim.try_wait().unwrap().is_some() {
                break;
            }
            assert!(start.elapsed().as_secs() < 300, "kill {kill}: no progress");
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
        victim.kill().unwrap();
        victim.wait().unwrap();
    }
    let last = worker_on(bin(), &d, &log, "last", "2", &env);
    let code = steady.wait().unwrap().code();
    assert_eq!(code, Some(0), "steady worker");
    let out = last.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = darkroom_ledger::Ledger::connect(&db, "many").unwrap();
    let t = l.totals().unwrap();
    let (calls, usd) = executed(&log);
    let twice = calls.values().filter(|n| **n > 1).count();
    let (code, json, _) = go_env(&d, &["status", "c.toml", "--json"], &env);
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&json).unwrap();
    let cut: u64 = s["interrupted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["calls"].as_u64().unwrap())
        .sum();
    eprintln!(
        "5 kills: {} requests run, {twice} twice, {cut} interrupted; vendor ${usd:.4}, ledger ${:.4}",
        calls.len(),
        t.settled
    );
    assert!(cut >= 1, "the kills left calls in flight: {json}");
    // The report says so too, per provider.
    let (code, _, err) = go_env(&d, &["report", "c.toml"], &env);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(
        page.contains("Interrupted calls") && page.contains(&format!("sim: {cut}, may have cost")),
        "the report names the interrupted calls per provider"
    );
    assert!(
        twice as u64 <= cut,
        "{twice} run twice, {cut} in flight at the kills"
    );
    assert_eq!(twice, 0, "every call in flight was asked for by its handle");
    assert!(
        (t.settled - usd).abs() < 1e-9,
        "ledger {} against the vendor's bill {usd}",
        t.settled
    );
    assert!(
        (t.committed - t.settled).abs() < 1e-9,
        "nothing reserved: {t:?}"
    );
    assert!(
        s["shots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "delivered"),
        "{json}"
    );
}

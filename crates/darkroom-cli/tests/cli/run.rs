//! `darkroom run`: delivery, resume, budget, signals, progress, pacing and finishing order.

use super::*;

#[test]
fn run_delivers_offline_and_resumes() {
    let d = scratch("run");
    let campaign = d.join("c.toml");
    std::fs::write(
        &campaign,
        "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"96\"\nvariants = 2\n[tiers.finish]\nprovider = \"local\"\nsize = \"128\"\nkeep = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"16:9\", \"1:1\"]\n",
    )
    .unwrap();
    let go = || {
        bin()
            .current_dir(&d)
            .args(["run", "c.toml"])
            .output()
            .unwrap()
    };
    let first = go();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("hero\t16:9\t128x72") && stdout.contains("hero\t1:1\t128x128"),
        "{stdout}"
    );
    assert!(d.join("out/deliverables/manifest.json").exists());
    let decisions = || {
        let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
        l.dump().unwrap().decisions.len()
    };
    let before = decisions();
    let page = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    let second = go();
    assert!(String::from_utf8_lossy(&second.stderr).contains("answered from the ledger"));
    // The resumed run judges and ranks again and reaches the same decisions: recorded once,
    // so the report's counts are the same (they were doubled).
    assert_eq!(decisions(), before);
    let status = bin()
        .current_dir(&d)
        .args(["status", "c.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("runs 2; the last: complete"), "{text}");
    assert!(
        text.contains("shot hero                 delivered"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out/report.html")).unwrap(),
        page,
        "the report of a resumed run that did nothing new is the same"
    );
    // A campaign error is exit 2; an unknown shot is a one-line input error.
    std::fs::write(d.join("bad.toml"), "[campaign]\nname = 1\n").unwrap();
    assert_eq!(
        bin()
            .current_dir(&d)
            .args(["run", "bad.toml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--only", "nope"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no shot `nope`"));
}

#[test]
fn run_stops_at_the_budget_with_exit_1() {
    let d = scratch("run-budget");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 16\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 8\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\nkeep = 1\n[budget]\nmoney = \"10 USD\"\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    // $0.10 covers two $0.039 calls; the campaign wants eight drafts and a finish.
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--budget", "0.10"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    // The shot is expected to need eight $0.039 drafts and a finish: more than $0.10, so none
    // of it is bought (drafts that could never be finished are money for nothing).
    assert!(
        err.contains("stopped by the budget (USD): cap 0.100, committed 0.000")
            && err.contains("shot `hero`"),
        "{err}"
    );
    let spent: f64 = err
        .split("spent ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no spend in {err}"));
    assert!(spent <= 0.10, "{err}");
    let v = status_json(&d, "c.toml");
    assert_eq!(v["runs"][0]["status"], "budget_exhausted", "{v}");
    let bad = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--budget=-1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid --budget -1"));
}

#[test]
fn sigkill_at_random_points_then_resume_pays_once_and_delivers_everything() {
    // Ten SIGKILLs at pseudo-random points of runs that wait for `sim` latencies in real time,
    // then a run to the end. Whatever moments the kills land on, these must hold: every
    // deliverable appears, byte-identical to an uninterrupted run; no request is executed twice
    // (the simulated vendor keeps its record of executed calls in the call log and replays a
    // request sent again, as a vendor with idempotency keys does); and the ledger's spend equals
    // the spend of the executed calls, to the cent. On both ledgers: the output folder's SQLite
    // file, and a PostgreSQL database (where each killed run is a worker whose process is gone).
    sigkill_case("sigkill", &[], &|d| {
        darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap()
    });
    // (A shared ledger needs a shared store: the bucket goes with it.)
    if let (Some(db), Some(bucket)) = (
        darkroom_fakes::services::fresh_database("sigkill"),
        darkroom_fakes::services::fresh_bucket_prefix("sigkill"),
    ) {
        sigkill_case(
            "sigkill-pg",
            &[("DARKROOM_LEDGER", &db), ("DARKROOM_STORE", &bucket)],
            &|_| darkroom_ledger::Ledger::connect(&db, "k").unwrap(),
        );
    }
}

fn sigkill_case(
    name: &str,
    env: &[(&str, &str)],
    ledger_of: &dyn Fn(&Path) -> darkroom_ledger::Ledger,
) {
    let d = scratch(name);
    let campaign = "[campaign]\nname = \"k\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 4\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\nlatency = { median = 0.12, p95 = 0.25 }\n[tiers.draft]\nprovider = \"sim\"\nsize = \"64\"\nvariants = 8\n[tiers.finish]\nprovider = \"sim\"\nsize = \"96\"\nkeep = 1\n[gates]\nadherence = 0.0\n[budget]\nmoney = \"100 USD\"\nmax_rounds = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\", \"16:9\"]\n[[shots]]\nid = \"pack\"\nprompt = \"three yellow bottles on a white table\"\ndeliver = [\"4:5\"]\n";
    for sub in ["ref", "crash"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
        std::fs::write(d.join(sub).join("c.toml"), campaign).unwrap();
    }
    let reference = bin()
        .current_dir(d.join("ref"))
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        reference.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    let crash = d.join("crash");
    let log = crash.join("calls.log");
    let go = || {
        let mut c = bin();
        c.current_dir(&crash)
            .args(["run", "c.toml", "--realtime", "--sim-call-log"])
            .arg(&log)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let mut state: u64 = 0x5EED;
    for _ in 0..10 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let wait = 80 + (state >> 33) % 500;
        let mut child = go().spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait));
        // SIGKILL on Unix: no chance to clean up. A child that already finished is fine too.
        let _ = child.kill();
        let _ = child.wait();
    }
    let last = go().stderr(std::process::Stdio::piped()).output().unwrap();
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    let ours = pngs(&crash.join("out/deliverables"));
    let theirs = pngs(&d.join("ref/out/deliverables"));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    assert!(ours.len() >= 3);
    assert!(
        ours == theirs,
        "deliverables differ from an uninterrupted run"
    );

    let lines = std::fs::read_to_string(&log).unwrap();
    let mut per_call: std::collections::HashMap<&str, u64> = Default::default();
    let mut executed = 0.0;
    for l in lines.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 3, "a call log line is key, usd, try: {l:?}");
        *per_call.entry(f[0]).or_default() += 1;
        executed += f[1].parse::<f64>().unwrap();
    }
    let twice: Vec<_> = per_call.iter().filter(|(_, n)| **n > 1).collect();
    let ledger = ledger_of(&crash);
    let interrupted = ledger.interrupted().unwrap();
    let spent = ledger.totals().unwrap().settled;
    eprintln!(
        "{} calls executed, {} interrupted by a kill and replayed; executed ${executed:.3}, ledger ${spent:.3}",
        lines.lines().count(),
        interrupted
    );
    assert!(twice.is_empty(), "executed more than once: {twice:?}");
    // Every run is in the ledger: the killed ones never ended, the last completed, and every
    // shot is delivered.
    let runs = ledger.runs().unwrap();
    assert_eq!(runs.last().unwrap().status, "complete", "{runs:?}");
    assert!(
        runs.iter().filter(|r| r.status == "crashed").count() >= 1,
        "{runs:?}"
    );
    // On a file ledger the next run knows at once that the killed one is gone (one run at a
    // time holds the folder). On a shared ledger a worker is judged by its lease alone (a
    // process id says nothing across machines or containers): a run killed less than a lease
    // before the last one ended is still `running` until its lease lapses.
    if env.is_empty() {
        assert!(runs[..runs.len() - 1]
            .iter()
            .all(|r| r.status == "crashed" || r.finished_at.is_some()));
    }
    let shots = ledger.shots().unwrap();
    assert_eq!(shots.len(), 2);
    assert!(shots.iter().all(|x| x.status == "delivered"), "{shots:?}");
    assert!(
        (spent - executed).abs() < 1e-9,
        "ledger ${spent} but the executed calls cost ${executed}"
    );
    // `status` names the interrupted calls, per provider, in text and JSON.
    let (code, out, err) = go_env(&crash, &["status", "c.toml", "--json"], env);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let listed: u64 = v["interrupted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["calls"].as_u64().unwrap())
        .sum();
    assert_eq!(listed, interrupted, "{out}");
    let (_, text, _) = go_env(&crash, &["status", "c.toml"], env);
    assert_eq!(
        text.contains(&format!("interrupted calls of `sim`: {interrupted} ")),
        interrupted > 0,
        "{text}"
    );
    // Everything done: a further run calls nothing.
    let before = lines.lines().count();
    assert_eq!(go().status().unwrap().code(), Some(0));
    let after = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(
        before, after,
        "a finished campaign makes no calls when run again"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_scheduling_records_what_was_in_flight_and_resumes() {
    use std::io::BufRead;
    let d = scratch("ctrl-c");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"c\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 2\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\nlatency = { median = 0.3, p95 = 0.3 }\n[tiers.draft]\nprovider = \"sim\"\nsize = \"64\"\nvariants = 40\n[tiers.finish]\nprovider = \"sim\"\nsize = \"96\"\nkeep = 1\n[gates]\nadherence = 0.0\n[budget]\nmoney = \"100 USD\"\nmax_rounds = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    let log = d.join("calls.log");
    let go = || {
        let mut c = bin();
        c.current_dir(&d)
            .args(["run", "c.toml", "--realtime", "--sim-call-log"])
            .arg(&log)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c
    };
    let mut child = go().spawn().unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // The handler is in place before the first progress line; 40 calls of 0.3 s at
    // concurrency 2 take 6 s, so the run is still drafting when the signal lands.
    while err.read_line(&mut seen).unwrap() > 0 && !seen.contains("draft round 1") {}
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let text = format!("{seen}{rest}");
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains("stopped: interrupted"), "{text}");
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let t = l.totals().unwrap();
    assert!(
        !t.by_status.iter().any(|(s, _)| s == "sent"),
        "calls in flight were recorded: {:?}",
        t.by_status
    );
    let done = t
        .by_status
        .iter()
        .find(|(s, _)| s == "done")
        .map_or(0, |(_, n)| *n);
    assert!(done < 40, "the run stopped early: {done} drafts done");
    drop(l);
    let again = go().output().unwrap();
    let text = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(", {done} answered from the ledger;")),
        "{text}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let mut keys: Vec<&str> = calls
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(
        keys.len(),
        n,
        "no call executed twice across the interruption"
    );
}

#[test]
fn run_draws_progress_bars_on_a_terminal_and_plain_lines_otherwise() {
    let d = scratch("run-bars");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"96\"\nvariants = 3\n[tiers.finish]\nprovider = \"local\"\nsize = \"128\"\nkeep = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    // Not a terminal: one plain line per stage, no bar.
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("draft round 1 for 1 shot(s): 3 calls") && !err.contains("3/3 calls"),
        "{err}"
    );
    // A terminal (a pseudo-terminal from util-linux `script`): a bar per stage.
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped the terminal half: /usr/bin/script is not installed");
        return;
    }
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let cmd = format!("{} run c.toml", env!("CARGO_BIN_EXE_darkroom"));
    let o = Command::new("/usr/bin/script")
        .current_dir(&d)
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{tty}");
    assert!(tty.contains("3/3 calls"), "the draft bar ends full: {tty}");
    assert!(tty.contains("1/1 calls"), "the finish bar: {tty}");
}

#[test]
fn a_rate_limit_spaces_a_providers_calls_whatever_the_concurrency() {
    use darkroom_fakes::Fake;
    let f = Fake::a1111();
    let d = scratch("rate-limit");
    // 240 calls a minute = one every 250 ms, with 8 workers that would otherwise send at once.
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"rl\"\noutput = \"out\"\n[providers.forge]\nkind = \"a1111\"\nbase_url = \"{}\"\nconcurrency = 8\nrate_limit = 240\n\
             [tiers.draft]\nprovider = \"forge\"\nsize = \"512\"\nvariants = 6\n[tiers.finish]\nprovider = \"forge\"\nsize = \"512\"\nkeep = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\"]\n",
            f.url
        ),
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
    let mut at: Vec<std::time::Instant> = f.seen().iter().map(|s| s.at).collect();
    at.sort();
    assert_eq!(at.len(), 7, "6 drafts and 1 finish");
    // The pacer starts calls ≥ 250 ms apart; arrivals can differ from starts by a connect,
    // so the check leaves 50 ms for that. Slowness can only widen the gaps. (Without the
    // limit the drafts arrive within a few ms of each other.)
    for w in at.windows(2) {
        let gap = w[1] - w[0];
        assert!(gap >= std::time::Duration::from_millis(200), "{gap:?}");
    }
}

#[test]
fn finishing_promotes_the_next_draft_only_when_a_finish_fails_and_judges_finishes_again() {
    use darkroom_fakes::{Fake, Script};
    const KEY: &str = "AIza-finish-key-4242";
    let pro = Fake::gemini(KEY);
    let d = scratch("on-demand");
    // Sketch drafts of a simple scene all pass; the finish is Nano Banana Pro on the fake, whose
    // image is a blue square on paper: it has a cube, but no red sphere.
    let campaign = |prompt: &str, adherence: f64| {
        format!(
            "[campaign]\nname = \"od\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
             [providers.pro]\nkind = \"gemini\"\nmodel = \"gemini-3-pro-image-preview\"\napi_key_env = \"DR_FINISH_KEY\"\nbase_url = \"{}\"\nconcurrency = 1\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"128\"\nvariants = 3\n[tiers.finish]\nprovider = \"pro\"\nsize = \"1K\"\nkeep = 2\n\
             [gates]\nadherence = {adherence}\n[budget]\nmoney = \"5 USD\"\nmax_rounds = 1\n\
             [[shots]]\nid = \"s\"\nprompt = \"{prompt}\"\ndeliver = [\"1:1\"]\n",
            pro.url
        )
    };
    let run = |sub: &str, toml: String| {
        let dir = d.join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("c.toml"), toml).unwrap();
        let o = bin()
            .current_dir(&dir)
            .args(["run", "c.toml"])
            .env("DR_FINISH_KEY", KEY)
            .output()
            .unwrap();
        let l = darkroom_ledger::Ledger::open(&dir.join("out/darkroom.db")).unwrap();
        (o, l.dump().unwrap())
    };
    let finishes = |dump: &darkroom_ledger::Dump| -> Vec<String> {
        dump.attempts
            .iter()
            .filter(|a| a.tier == "finish")
            .map(|a| a.status.to_string())
            .collect()
    };
    let reasons = |dump: &darkroom_ledger::Dump, kind: &str| -> Vec<String> {
        dump.decisions
            .iter()
            .filter(|x| x.kind == kind)
            .map(|x| x.reason.as_str().to_string())
            .collect()
    };

    // 1. keep = 2, one final: the first finish passes, so the spare is never paid for.
    let before = pro.seen().len();
    let (o, dump) = run("fine", campaign("a blue cube", 0.5));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(finishes(&dump), ["done"]);
    assert_eq!(pro.seen().len() - before, 1, "one paid finish");
    let rank = reasons(&dump, "rank");
    assert_eq!(
        rank.iter().filter(|r| *r == "promoted").count(),
        1,
        "{rank:?}"
    );
    assert!(rank.iter().any(|r| r == "spare"), "{rank:?}");
    assert_eq!(
        reasons(&dump, "finish_gate"),
        ["passed"],
        "finishes are judged"
    );

    // 2. The first finish is refused: the spare is promoted and delivered.
    pro.push([Script::Refuse("prompt")]);
    let (o, dump) = run("refused", campaign("a blue cube", 0.5));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut f = finishes(&dump);
    f.sort();
    assert_eq!(f, ["done", "refused"]);
    assert!(pro.rejected().is_empty(), "{:?}", pro.rejected());
    let rank = reasons(&dump, "rank");
    assert_eq!(
        rank.iter().filter(|r| *r == "promoted").count(),
        2,
        "{rank:?}"
    );
    assert_eq!(
        std::fs::read_dir(d.join("refused/out/deliverables/s"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "png")
            })
            .count(),
        1
    );
    // Resumed: the refused finish is not sent again (refusals are final across runs), the done
    // one is reused, nothing reaches the vendor.
    let seen = pro.seen().len();
    let o = bin()
        .current_dir(d.join("refused"))
        .args(["run", "c.toml"])
        .env("DR_FINISH_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(pro.seen().len(), seen, "nothing sent again");
    let l = darkroom_ledger::Ledger::open(&d.join("refused/out/darkroom.db")).unwrap();
    assert_eq!(l.refused_with_retries().unwrap(), 0);

    // 3. The finished images lose the red sphere the drafts had: each fails its gate, the spare
    //    is tried, and the shot fails (exit 1) with the reason, never delivering a failing image.
    let (o, dump) = run(
        "lost",
        campaign("a red sphere to the left of a blue cube", 0.9),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        finishes(&dump),
        ["done", "done"],
        "both promoted drafts finished"
    );
    assert_eq!(
        reasons(&dump, "finish_gate"),
        ["below_adherence", "below_adherence"]
    );
    let page = std::fs::read_to_string(d.join("lost/out/report.html")).unwrap();
    assert!(
        page.contains("<tr><td>finish gates</td><td>pro · gemini-3-pro-image-preview</td><td>2</td><td>0</td>"),
        "the report's stage table shows the finish gate"
    );
    assert!(
        err.contains("0 of 1 finals finished; the finished image failed its gate: below_adherence"),
        "{err}"
    );
    assert!(
        !d.join("lost/out/deliverables/s").exists()
            || std::fs::read_dir(d.join("lost/out/deliverables/s"))
                .unwrap()
                .next()
                .is_none()
    );
}

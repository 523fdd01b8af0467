//! `darkroom status CAMPAIGN`: what the ledger says — counts per tier and status, spend, cost per
//! successful asset, success rate, latency and queue wait, failures by class.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::fail::Fail;
use darkroom_ledger::AttemptStatus;

/// Arguments of `darkroom status`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file.
    campaign: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let (c, l) = super::io::campaign_ledger(&a.campaign)?;
    let unit = c.budget.unit().as_str();
    let s = l.status().map_err(|e| Fail::Internal(e.into()))?;
    let finished: u64 = s
        .by_tier
        .iter()
        .filter(|x| x.1 != AttemptStatus::Planned.as_str() && x.1 != AttemptStatus::Sent.as_str())
        .map(|x| x.2)
        .sum();
    let done: u64 = s
        .by_tier
        .iter()
        .filter(|x| x.1 == AttemptStatus::Done.as_str())
        .map(|x| x.2)
        .sum();
    let success = if finished > 0 {
        done as f64 / finished as f64
    } else {
        0.0
    };
    let cpsa = (s.deliverables > 0).then(|| s.spent / s.deliverables as f64);
    let runs = l.runs().map_err(|e| Fail::Internal(e.into()))?;
    let shots = l.shots().map_err(|e| Fail::Internal(e.into()))?;
    let awaiting = l.awaiting_review().map_err(|e| Fail::Internal(e.into()))?;
    let waiting = waiting_shots(&l, &awaiting)?;
    let standing = |x: &darkroom_ledger::ShotRecord| -> &'static str {
        if x.status != darkroom_ledger::ShotStatus::Delivered && waiting.contains(&x.id) {
            "awaiting_review"
        } else {
            x.status.as_str()
        }
    };
    // The pairs the ledger reported, not a dump of every attempt.
    let reported = l
        .model_versions(Some(darkroom_ledger::Tier::Draft))
        .map_err(|e| Fail::Internal(e.into()))?;
    let versions = darkroom_recipe::versions_not_locked_beside(&a.campaign, &reported);
    // Each pool server with the images it made (a server that made none is listed too).
    let made = l.backend_counts().map_err(|e| Fail::Internal(e.into()))?;
    let servers = pool_servers(&c, &made);
    let workers = l.workers().map_err(|e| Fail::Internal(e.into()))?;
    if a.json {
        let v = serde_json::json!({
            "attempts": s.by_tier.iter().map(|(t, st, n)| serde_json::json!({"tier": t, "status": st, "count": n})).collect::<Vec<_>>(),
            "failures": s.failures.iter().map(|(k, n)| serde_json::json!({"class": k, "count": n})).collect::<Vec<_>>(),
            "spent": s.spent, "unit": unit, "tries": s.tries, "deliverables": s.deliverables, "cpsa": cpsa, "success_rate": success,
            "latency_p50": s.latency.map(|x| x.0), "latency_p95": s.latency.map(|x| x.1),
            "queue_wait_p50": s.queue_wait.map(|x| x.0), "queue_wait_p95": s.queue_wait.map(|x| x.1),
            "runs": runs.iter().map(|r| serde_json::json!({"id": r.id, "status": r.status.as_str(), "reason": r.reason, "started_at": r.started_at, "finished_at": r.finished_at})).collect::<Vec<_>>(),
            "shots": shots.iter().map(|x| serde_json::json!({"id": x.id, "status": standing(x), "reason": x.reason, "run": x.run})).collect::<Vec<_>>(),
            "awaiting_review": awaiting,
            "servers": servers.iter().map(|(p, u, n)| serde_json::json!({"provider": p, "base_url": u, "done": n})).collect::<Vec<_>>(),
            "interrupted": s.interrupted.iter().map(|i| serde_json::json!({"provider": i.provider, "calls": i.calls, "may_have_cost_twice": i.presumed, "ran_twice": i.late})).collect::<Vec<_>>(),
            "workers": workers.iter().map(|w| serde_json::json!({"id": w.id, "host": w.host, "pid": w.pid, "state": w.state, "leases": w.leases, "done": w.done, "heartbeat": w.heartbeat, "heartbeat_age_s": w.age})).collect::<Vec<_>>(),
            "model_versions_changed": versions.iter().map(|(s, v)| serde_json::json!({"shot": s, "version": v})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    println!("campaign {} ({})", c.name, l.location());
    print_history(&runs, &shots, &standing, &s.by_tier);
    println!(
        "calls {} (retries included), {:.1}% of them succeeded",
        s.tries,
        success * 100.0
    );
    println!(
        "spent {:.3} {unit}; deliverables {}; cost per delivered file {}",
        s.spent,
        s.deliverables,
        cpsa.map_or("-".into(), |x| format!("{x:.4} {unit}"))
    );
    if let Some((p50, p95)) = s.latency {
        println!("time per call: median {p50:.3} s, 95th percentile {p95:.3} s");
    }
    if let Some((p50, p95)) = s.queue_wait {
        println!(
            "time waiting for a free slot before a call: median {p50:.3} s, 95th percentile {p95:.3} s"
        );
    }
    if !s.failures.is_empty() {
        let f: Vec<String> = s.failures.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!("failures: {}", f.join(", "));
    }
    print_interrupted(&s.interrupted, unit);
    for (p, url, n) in &servers {
        println!("server {url} of `{p}`: {n} image(s) made");
    }
    for w in &workers {
        println!(
            "worker {} on {} (pid {}): {}, {} call(s) in flight, {} done, last heartbeat {:.0} s ago",
            w.id,
            w.host,
            w.pid,
            w.state,
            w.leases,
            w.done,
            w.age
        );
    }
    for (shot, v) in &versions {
        println!("model version changed since the recipe lock: {shot}: the provider reported `{v}` (darkroom recipe check)");
    }
    if !awaiting.is_empty() {
        println!(
            "awaiting review: {} final(s), delivered once a person approves them (darkroom review {})",
            awaiting.len(),
            a.campaign.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Each pool server with the images it made (a server that made none is listed too).
fn pool_servers(
    c: &darkroom_campaign::Campaign,
    made: &[(String, String, u64)],
) -> Vec<(String, String, u64)> {
    c.providers
        .iter()
        .flat_map(|(name, p)| {
            p.pool.iter().map(move |url| {
                let n = made
                    .iter()
                    .find(|(pn, b, _)| pn == name && b == url)
                    .map_or(0, |x| x.2);
                (name.clone(), url.clone(), n)
            })
        })
        .collect()
}

/// How the runs ended, and where each shot stands.
fn print_history(
    runs: &[darkroom_ledger::RunRecord],
    shots: &[darkroom_ledger::ShotRecord],
    standing: &dyn Fn(&darkroom_ledger::ShotRecord) -> &'static str,
    by_tier: &[(String, String, u64)],
) {
    if let Some(last) = runs.last() {
        let crashed = runs
            .iter()
            .filter(|r| r.status == darkroom_ledger::RunStatus::Crashed)
            .count();
        println!(
            "runs {}{}; the last: {}",
            runs.len(),
            if crashed > 0 {
                format!(" ({crashed} never ended: crashed or killed)")
            } else {
                String::new()
            },
            last.status.as_str().replace('_', " ")
        );
        if let Some(why) = &last.reason {
            println!("  why: {why}");
        }
    }
    for x in shots {
        let st = standing(x).replace('_', " ");
        match &x.reason {
            Some(why) => println!("  shot {:<20} {st} ({why})", x.id),
            None => println!("  shot {:<20} {st}", x.id),
        }
    }
    // One line per tier: "draft: 32 done, 1 failed".
    let mut tiers: Vec<(String, Vec<String>)> = Vec::new();
    for (t, st, n) in by_tier {
        let what = format!("{n} {st}");
        match tiers.iter_mut().find(|(x, _)| x == t) {
            Some(e) => e.1.push(what),
            None => tiers.push((t.clone(), vec![what])),
        }
    }
    if !tiers.is_empty() {
        println!("images asked for, by tier:");
        for (t, parts) in &tiers {
            println!("  {:<9} {}", format!("{t}:"), parts.join(", "));
        }
    }
}

/// Calls a crash or a takeover cut off, per provider: the vendor may have run them without their
/// results reaching the ledger (at-least-once), so what they may have cost twice is said.
fn print_interrupted(interrupted: &[darkroom_ledger::Interrupted], unit: &str) {
    for i in interrupted {
        println!(
        "interrupted calls of `{}`: {} (a crash, or a worker taken over), booked at {:.3} {unit} as may have run{}",
        i.provider,
        i.calls,
        i.presumed,
        if i.late > 0 {
            format!("; {} came back late and were run twice by the vendor (booked at their cost)", i.late)
        } else {
            String::new()
        }
    );
    }
}

/// The shots whose finals wait for a person: a shot not delivered among them says "awaiting
/// review", rather than "planned".
fn waiting_shots(
    l: &darkroom_ledger::Ledger,
    awaiting: &[String],
) -> Result<std::collections::BTreeSet<String>, Fail> {
    let mut waiting = std::collections::BTreeSet::new();
    for id in awaiting {
        if let Some(a) = l.attempt(id).map_err(|e| Fail::Internal(e.into()))? {
            waiting.insert(a.shot);
        }
    }
    Ok(waiting)
}

//! `darkroom simulate CAMPAIGN --strategy lottery|funnel`: the campaign on the built-in `sim`
//! profiles with a simulated clock, to compare strategies before spending anything. The
//! simulation is the engine's ([`darkroom_engine::simulate`]); this file reads and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::fail::Fail;

/// A strategy to simulate.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// Generate every candidate on the expensive model at the final size.
    Lottery,
    /// Draft on the fast model, promote the best to the expensive one.
    Funnel,
}

impl Strategy {
    fn engine(self) -> darkroom_engine::simulate::Strategy {
        match self {
            Strategy::Lottery => darkroom_engine::simulate::Strategy::Lottery,
            Strategy::Funnel => darkroom_engine::simulate::Strategy::Funnel,
        }
    }
}

/// Arguments of `darkroom simulate`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file.
    campaign: PathBuf,
    /// One strategy; both when omitted.
    #[arg(long, value_enum)]
    strategy: Option<Strategy>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let c = super::io::read_campaign(&a.campaign)?;
    let base = std::env::temp_dir().join(format!("darkroom-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|e| {
        Fail::Input(format!(
            "cannot create a scratch folder `{}`: {e}",
            base.display()
        ))
    })?;
    let strategies = match a.strategy {
        Some(s) => vec![s],
        None => vec![Strategy::Lottery, Strategy::Funnel],
    };
    let mut outcomes = Vec::new();
    for s in strategies {
        let o = darkroom_engine::simulate::simulate(&c, s.engine(), &base).map_err(Fail::engine);
        if o.is_err() {
            let _ = std::fs::remove_dir_all(&base);
        }
        outcomes.push(o?);
    }
    let _ = std::fs::remove_dir_all(&base);
    if a.json {
        let v: Vec<_> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "strategy": o.strategy, "calls": o.calls, "spent_usd": o.spent_usd,
                    "assets": o.assets, "assets_wanted": o.wanted, "cpsa_usd": o.cpsa(),
                    "simulated_seconds": o.sim_seconds,
                    "pass_rate": (o.judged > 0).then(|| o.passed as f64 / o.judged as f64),
                    "by_tier": o.by_tier.iter().map(|(t, (calls, usd))| {
                        (t.clone(), serde_json::json!({"calls": calls, "spent_usd": usd}))
                    }).collect::<serde_json::Map<_, _>>(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"campaign": c.name, "strategies": v}))
                .unwrap_or_default()
        );
    } else {
        println!(
            "campaign {} on the simulated profiles (fast-draft, pro)",
            c.name
        );
        println!(
            "{:<9} {:>6} {:>10} {:>8} {:>10} {:>12} {:>10}",
            "strategy", "calls", "spent", "assets", "CPSA", "sim. time", "pass rate"
        );
        for o in &outcomes {
            println!(
                "{:<9} {:>6} {:>10} {:>8} {:>10} {:>12} {:>10}",
                o.strategy,
                o.calls,
                format!("${:.2}", o.spent_usd),
                format!("{}/{}", o.assets, o.wanted),
                o.cpsa().map_or("-".into(), |x| format!("${x:.3}")),
                format!("{:.0} s", o.sim_seconds),
                if o.judged > 0 {
                    format!("{:.0}%", 100.0 * o.passed as f64 / o.judged as f64)
                } else {
                    "-".into()
                }
            );
        }
        println!("where the money went");
        for o in &outcomes {
            let parts: Vec<String> = o
                .by_tier
                .iter()
                .map(|(t, (calls, usd))| {
                    let what = match (o.strategy, t.as_str()) {
                        ("lottery", "draft") => "candidates on pro",
                        (_, "draft") => "drafts on fast-draft",
                        (_, "finish") => "finishes on pro",
                        (_, "deliver") => "delivery calls",
                        (_, "judge") => "vision judge",
                        (_, other) => other,
                    };
                    format!("{what} ${usd:.2} ({calls} calls)")
                })
                .collect();
            println!("  {:<9} {}", o.strategy, parts.join(" · "));
        }
        if let [l, f] = &outcomes[..] {
            if let (Some(lc), Some(fc)) = (l.cpsa(), f.cpsa()) {
                println!("funnel CPSA = {:.2} × lottery CPSA", fc / lc);
            }
        }
        let (drafts, finishes, f, l) = darkroom_engine::simulate::per_round(&c);
        println!(
            "one round of every shot at these prices: funnel {drafts} drafts + {finishes} finishes = ${f:.3}, lottery {drafts} candidates at the finish size = ${l:.3}: {:.2}× whatever the pass rates",
            f / l
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `darkroom recipe lock|check CAMPAIGN`: lock what a campaign's recipes gave, and check them
//! later against today's judges and model (see [`darkroom_recipe`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use darkroom_judges::Judge as _;

use crate::fail::Fail;

/// `darkroom recipe …`.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Write CAMPAIGN.lock: each shot's recipe and its baseline from the ledger's judged drafts.
    Lock(LockArgs),
    /// Compare today against the lock: judge drift on the baseline images, model versions, and
    /// fresh drafts with a sequential test; exit 1 on any regression.
    Check(CheckArgs),
}

/// Arguments of `recipe lock`.
#[derive(clap::Args)]
pub struct LockArgs {
    /// The campaign file.
    campaign: PathBuf,
    /// Draft this many images per shot for the baseline (paid, through the budget) instead of
    /// using the campaign's own drafts: a larger baseline lets the check tell smaller changes
    /// from noise (0: the campaign's drafts).
    #[arg(long, default_value_t = 0)]
    baseline: u32,
    /// Cap in USD for the baseline drafts.
    #[arg(long)]
    budget: Option<f64>,
}

/// Arguments of `recipe check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// The campaign file.
    campaign: PathBuf,
    /// Cap in USD for the fresh drafts (over what the check folder has spent).
    #[arg(long)]
    budget: Option<f64>,
    /// Most fresh drafts per shot.
    #[arg(long, default_value_t = 48)]
    max_drafts: u32,
    /// Fresh drafts per look (the test may stop after each).
    #[arg(long, default_value_t = 8)]
    batch: u32,
    /// Which draw of fresh drafts (default: today's day number, so each day's check draws new
    /// images and a second check the same day pays for nothing again).
    #[arg(long)]
    epoch: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The lock beside a campaign file: `c.toml` → `c.lock`.
fn lock_path(campaign: &Path) -> PathBuf {
    campaign.with_extension("lock")
}

/// Runs the command.
pub fn run(cmd: Cmd) -> Result<ExitCode, Fail> {
    match cmd {
        Cmd::Lock(a) => lock(a),
        Cmd::Check(a) => check(a),
    }
}

fn lock(a: LockArgs) -> Result<ExitCode, Fail> {
    let (c, l) = super::io::campaign_ledger(&a.campaign)?;
    let dump = l.dump().map_err(|e| Fail::Internal(e.into()))?;
    let mut scores: BTreeMap<String, Vec<darkroom_ledger::ScoreRecord>> = BTreeMap::new();
    for s in &c.shots {
        scores.insert(
            s.id.clone(),
            l.scores_of_shot(&s.id)
                .map_err(|e| Fail::Internal(e.into()))?,
        );
    }
    let mut lock = darkroom_recipe::lock(&c, &dump, &scores).map_err(Fail::input)?;
    if a.baseline > 0 {
        let out = PathBuf::from(&c.output).join("recipe-check");
        let spent = darkroom_recipe::top_up(&c, &mut lock, a.baseline, &out, a.budget)
            .map_err(Fail::engine)?;
        println!(
            "baseline: {} draft(s) per shot made for the lock (${spent:.3}, in {})",
            a.baseline,
            out.display()
        );
    }
    let path = lock_path(&a.campaign);
    std::fs::write(&path, darkroom_recipe::to_toml(&lock))
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", path.display())))?;
    for s in &lock.shots {
        println!(
            "locked {}: {} draft(s), {} passed the gates, {} question(s), model {}",
            s.id,
            s.drafts,
            s.passed,
            s.questions.len(),
            if s.model_versions.is_empty() {
                "version not reported".to_string()
            } else {
                s.model_versions.join(", ")
            }
        );
    }
    println!("wrote {} (commit it beside the campaign)", path.display());
    Ok(ExitCode::SUCCESS)
}

fn check(a: CheckArgs) -> Result<ExitCode, Fail> {
    let (c, l) = super::io::campaign_ledger(&a.campaign)?;
    let path = lock_path(&a.campaign);
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Fail::Input(format!(
            "cannot read `{file}`: {e}; write it with `darkroom recipe lock {}`",
            a.campaign.display()
        ))
    })?;
    // Parse and validate before anything is spent.
    let lock = darkroom_recipe::parse(&text, &file).map_err(Fail::input)?;
    darkroom_recipe::validate(&lock, &c, &file).map_err(Fail::input)?;
    if a.batch == 0 || a.max_drafts == 0 {
        return Err(Fail::Input(
            "--batch and --max-drafts: accepted 1 or more".into(),
        ));
    }
    // 1. Judge drift: the baseline images judged again with today's judges.
    let campaign_store = darkroom_ledger::Store::new(PathBuf::from(&c.output).join("store"));
    let audit_store =
        darkroom_ledger::Store::new(PathBuf::from(&c.output).join("recipe-check/store"));
    let mut drift = Vec::new();
    for s in &lock.shots {
        let store = if s.baseline_from == "audit" {
            &audit_store
        } else {
            &campaign_store
        };
        let Some(shot) = c.shots.iter().find(|x| x.id == s.id) else {
            continue;
        };
        let Ok(scene) = darkroom_prompt::parse(&shot.prompt) else {
            continue;
        };
        let mut now: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
        for b in &s.baseline {
            let Some(p) = store.find(&b.asset) else {
                return Err(Fail::Input(format!(
                    "`{file}`: shot `{}`: baseline image {} is no longer in the store",
                    s.id, b.asset
                )));
            };
            let bytes = std::fs::read(&p).map_err(|e| Fail::Internal(e.into()))?;
            let img = darkroom_imageops::decode_png(&bytes, &b.attempt, 1 << 26)
                .map_err(|e| Fail::Internal(anyhow::anyhow!("{e}")))?;
            let j = darkroom_judges::layout::LayoutJudge.judge(
                darkroom_judges::ImageRef {
                    width: img.width,
                    height: img.height,
                    rgb: &img.rgb,
                },
                &scene,
            );
            let json = serde_json::to_string(&j).unwrap_or_default();
            for (q, (d, y)) in darkroom_recipe::tally(&json) {
                let e = now.entry(q).or_insert((0, 0));
                e.0 += d;
                e.1 += y;
            }
        }
        drift.extend(darkroom_recipe::judge_drift(s, &now));
    }
    // 2. Fresh drafts, a batch at a time.
    let out = PathBuf::from(&c.output).join("recipe-check");
    let (shots, spent) = darkroom_recipe::sample(
        &c,
        &lock,
        &darkroom_recipe::CheckOptions {
            out: out.clone(),
            budget: a.budget,
            max_drafts: a.max_drafts,
            batch: a.batch,
            progress: Some(|l| eprintln!("{l}")),
            epoch: a.epoch.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() / 86_400)
            }),
        },
    )
    .map_err(Fail::engine)?;
    // 3. Model versions: in the campaign's ledger since the lock, and in the check's drafts.
    let mut versions = darkroom_recipe::new_model_versions(
        &lock,
        &l.dump().map_err(|e| Fail::Internal(e.into()))?,
        Some(darkroom_ledger::Tier::Draft),
    );
    if let Ok(d) = darkroom_ledger::Ledger::open(&out.join("darkroom.db")).and_then(|cl| cl.dump())
    {
        versions.extend(darkroom_recipe::new_model_versions(&lock, &d, None));
    }
    versions.sort();
    versions.dedup();
    let regressed = shots
        .iter()
        .any(|s| s.verdict == darkroom_recipe::Verdict::Regressed);
    if a.json {
        let v = serde_json::json!({
            "lock": file,
            "judges_locked": lock.judges, "judges_now": darkroom_judges::VERSION,
            "judge_drift": drift,
            "model_versions_changed": versions.iter().map(|(s, v)| serde_json::json!({"shot": s, "version": v})).collect::<Vec<_>>(),
            "shots": shots.iter().map(|s| serde_json::json!({"shot": s.shot, "verdict": s.verdict, "drafts": s.drafts, "questions": s.questions})).collect::<Vec<_>>(),
            "spent_usd": spent,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        if lock.judges != darkroom_judges::VERSION {
            println!(
                "judges changed since the lock: `{}` → `{}`",
                lock.judges,
                darkroom_judges::VERSION
            );
        }
        if drift.is_empty() {
            println!("judge drift: none (the baseline images are judged as they were)");
        }
        for d in &drift {
            println!(
                "judge drift (not the model's doing: same images): {} {:?}: yes {} of {} decided, was {} of {}",
                d.shot, d.question, d.now.1, d.now.0, d.locked.1, d.locked.0
            );
        }
        for (s, v) in &versions {
            println!("model version changed: {s}: the provider reported `{v}`, not in the lock");
        }
        for s in &shots {
            println!(
                "{}: {:?} after {} fresh draft(s)",
                s.shot, s.verdict, s.drafts
            );
            for q in &s.questions {
                let pct = |(y, n): (u64, u64)| {
                    if n == 0 {
                        "-".to_string()
                    } else {
                        format!("{:.0} %", 100.0 * y as f64 / n as f64)
                    }
                };
                println!(
                    "  {:<44} {:>5} ({}/{}, 95 % {:.2}–{:.2}) → {:>5} ({}/{}, {:.2}–{:.2})  p {:.3}, corrected {:.3}",
                    q.question,
                    pct(q.base),
                    q.base.0,
                    q.base.1,
                    q.base_ci.0,
                    q.base_ci.1,
                    pct(q.now),
                    q.now.0,
                    q.now.1,
                    q.now_ci.0,
                    q.now_ci.1,
                    q.p,
                    q.p_adjusted
                );
            }
        }
        println!("fresh drafts cost ${spent:.3} (in {})", out.display());
    }
    Ok(if regressed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Model versions the ledger has seen that the campaign's lock (if it has one) does not list:
/// `(shot, version)`. Nothing when there is no lock or it cannot be read (`recipe check` says
/// why).
pub fn model_version_changes(
    campaign: &Path,
    l: &darkroom_ledger::Ledger,
) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(lock_path(campaign)) else {
        return Vec::new();
    };
    let Ok(lock) = darkroom_recipe::parse(&text, "") else {
        return Vec::new();
    };
    l.dump()
        .map(|d| darkroom_recipe::new_model_versions(&lock, &d, Some(darkroom_ledger::Tier::Draft)))
        .unwrap_or_default()
}

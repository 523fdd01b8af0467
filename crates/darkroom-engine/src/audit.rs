//! `audit models` as an engine feature: a prompt suite × providers × repeats, every image asked
//! through the scheduler (the one call path: budget reservation, ledger, retry by error class)
//! into an audit folder's own ledger and store, and judged against its prompt's checklist by
//! the layout judge.
//!
//! So an audit is budgeted (`budget` is a cap in USD: it stops at the cap, and says so),
//! resumable (a second audit of the same suite asks nothing its ledger already has, and a
//! larger budget asks only what is missing) and recorded (the folder's ledger holds each audit
//! as a run, every call with its cost and latency, and the images in its store). Summaries — adherence per checklist category with a Wilson interval,
//! latency percentiles, spend and cost per successful image — are computed from what the ledger
//! recorded, fresh and reused alike.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use darkroom_campaign::{Budget, Campaign, Gates, Provider, Tier};
use darkroom_core::judge::{ImageRef, Judge, Verdict};
use darkroom_core::{Quality, SizeSpec};
use darkroom_judges::layout::LayoutJudge;
use darkroom_ledger::RunStatus;

use crate::scheduler::{Done, Exec};
use crate::{BudgetStop, EngineError, Options};

/// One prompt of a suite.
#[derive(Debug, Clone)]
pub struct SuitePrompt {
    /// Stable id (the images' seeds derive from it).
    pub id: String,
    /// The capability it tests (`counting`, `position`…).
    pub category: String,
    /// The prompt.
    pub prompt: String,
}

/// What to audit.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Name (the ledger's run records it).
    pub name: String,
    /// Images per prompt and provider.
    pub repeats: u32,
    /// Pixel size of every image.
    pub size: (u32, u32),
    /// The prompts.
    pub prompts: Vec<SuitePrompt>,
    /// The providers, by name, as a campaign would configure them.
    pub providers: BTreeMap<String, Provider>,
}

/// How to audit.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// The audit folder: its ledger, store and lock.
    pub out: PathBuf,
    /// Cap in USD over everything the folder's ledger has spent; none when unset.
    pub budget: Option<f64>,
    /// Pay again for results the ledger has but the store lost.
    pub rebuy: bool,
    /// Stop on Ctrl-C, SIGTERM or SIGHUP (calls in flight finish and are recorded).
    pub ctrl_c: bool,
    /// Told one plain line as the audit starts, and as each call ends.
    pub progress: Option<std::sync::Arc<dyn crate::Progress>>,
}

/// One image's result.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Provider name.
    pub provider: String,
    /// Suite prompt id.
    pub prompt: String,
    /// Repeat index.
    pub repeat: u32,
    /// The judged image, or why there is none.
    pub outcome: SampleOutcome,
}

/// What became of one image of the suite.
#[derive(Debug, Clone)]
pub enum SampleOutcome {
    /// Made (now or by an earlier audit) and judged.
    Judged(Judged),
    /// The provider failed for good (refused, auth, out of tries), with why.
    Failed(String),
    /// Not asked: the budget (or an interruption) stopped the audit first.
    NotAsked,
}

/// A judged image.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The image's blake3 hash in the audit's store.
    pub asset: Option<String>,
    /// Latency in seconds, as the ledger recorded it.
    pub latency: f64,
    /// What it cost, USD.
    pub usd: f64,
    /// `(category, verdict, question, evidence)` per checklist assertion.
    pub verdicts: Vec<(String, Verdict, String, String)>,
    /// Calls made for it, retries included.
    pub calls: u32,
}

impl Judged {
    /// Every decided assertion satisfied (and at least one decided).
    pub fn success(&self) -> bool {
        let mut decided = self.verdicts.iter().filter(|v| v.1 != Verdict::Undecided);
        let first = decided.next();
        first.is_some_and(|v| v.1 == Verdict::Yes) && decided.all(|v| v.1 == Verdict::Yes)
    }
}

/// What an audit did.
#[derive(Debug, Clone)]
pub struct AuditReport {
    /// Every image of the suite, by provider, prompt and repeat.
    pub samples: Vec<Sample>,
    /// Calls answered from the folder's ledger (an earlier audit made them).
    pub reused: u64,
    /// Calls sent to a provider now, retries included.
    pub sent: u64,
    /// When the budget stopped the audit: the cap, what was committed, what the next call
    /// needed.
    pub budget_stop: Option<BudgetStop>,
    /// Whether a signal stopped it.
    pub interrupted: bool,
    /// USD the folder's ledger has settled over every audit.
    pub spent_total: f64,
}

impl AuditReport {
    /// Images of the suite not asked (the budget or a signal stopped the audit).
    pub fn not_asked(&self) -> usize {
        self.samples
            .iter()
            .filter(|s| matches!(s.outcome, SampleOutcome::NotAsked))
            .count()
    }
}

/// The campaign the scheduler sees: the suite's providers, a cap in USD, no shots.
fn as_campaign(suite: &Suite, budget: Option<f64>) -> Campaign {
    let first = suite.providers.keys().next().cloned().unwrap_or_default();
    let tier = Tier {
        provider: first,
        size: SizeSpec::Exact {
            width: suite.size.0,
            height: suite.size.1,
        },
        variants: suite.repeats,
        keep: 1,
        quality: Quality::Draft,
    };
    Campaign {
        name: suite.name.clone(),
        output: String::new(),
        ledger: None,
        store: None,
        deliver_to: darkroom_campaign::DeliverTo::Both,
        brand: None,
        providers: suite.providers.clone(),
        draft: tier.clone(),
        finish: tier,
        gates: Gates::default(),
        vision: None,
        review_required: false,
        provenance: darkroom_campaign::Provenance {
            enabled: false,
            ..Default::default()
        },
        formats: vec![darkroom_core::FileFormat::Png],
        jpeg_quality: 90,
        budget: Budget {
            credits: None,
            // Spend is counted in USD, whatever the providers bill in.
            money: Some(budget.unwrap_or(f64::MAX)),
            max_rounds: 1,
        },
        shots: Vec::new(),
        // Made here, not read from a file; an audit writes no report that would be stamped.
        source_hash: 0,
    }
}

/// Audits the suite's providers (see the module documentation).
pub fn audit_models(suite: Suite, opts: AuditOptions) -> Result<AuditReport, EngineError> {
    let campaign = as_campaign(&suite, opts.budget);
    let run_opts = Options {
        budget: opts.budget,
        ctrl_c: opts.ctrl_c,
        rebuy: opts.rebuy,
        progress: opts.progress,
        ..Options::default()
    };
    let session = crate::open(
        campaign,
        opts.out.clone(),
        run_opts,
        &|_| true,
        "darkroom audit models --rebuy",
    )?;
    let ctx = session.ctx.clone();
    let run_id = ctx.ledger.start_run(&suite.name)?;
    let result = crate::stages::runtime().and_then(|rt| rt.block_on(ask_all(&ctx, &suite)));
    let report = match result {
        Ok(r) => r,
        Err(e) => return Err(session.failed(run_id, e)),
    };
    ctx.ledger.finish_run(
        run_id,
        ending(report.interrupted, report.budget_stop.is_some()),
    )?;
    Ok(report)
}

/// How an audit's run ended: stopped by a signal, by the budget, or complete.
pub(crate) fn ending(interrupted: bool, budget_stopped: bool) -> RunStatus {
    if interrupted {
        RunStatus::Interrupted
    } else if budget_stopped {
        RunStatus::BudgetExhausted
    } else {
        RunStatus::Complete
    }
}

async fn ask_all(ctx: &Arc<crate::Ctx>, suite: &Suite) -> Result<AuditReport, EngineError> {
    let exec = Exec::new(ctx)?;
    let mut calls = Vec::new();
    let mut keys = Vec::new();
    for name in suite.providers.keys() {
        for p in &suite.prompts {
            for rep in 0..suite.repeats {
                let req = darkroom_campaign::plan::audit_request(&p.id, &p.prompt, rep, suite.size);
                calls.push(exec.call(darkroom_ledger::Tier::Audit, 1, rep, &p.id, name, req));
                keys.push((name.clone(), p.id.clone(), rep));
            }
        }
    }
    ctx.opts.say(&format!(
        "audit models: {} prompts × {} providers × {} repeats = {}",
        suite.prompts.len(),
        suite.providers.len(),
        suite.repeats,
        crate::scheduler::count_calls(ctx, &calls)
    ));
    let done = exec.execute(calls).await;
    if let Some(e) = ctx.fatal.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    let scenes: BTreeMap<&str, Option<darkroom_prompt::Scene>> = suite
        .prompts
        .iter()
        .map(|p| (p.id.as_str(), darkroom_prompt::parse(&p.prompt).ok()))
        .collect();
    let mut samples = Vec::with_capacity(done.len());
    for ((call, d), (provider, prompt, repeat)) in done.into_iter().zip(keys) {
        let row = ctx.ledger.attempt(&call.row.id)?;
        let row = row.as_ref();
        let outcome = match d {
            Done::Image(png) => {
                let scene = scenes.get(prompt.as_str()).and_then(Option::as_ref);
                match judge(&png, scene) {
                    Ok(verdicts) => SampleOutcome::Judged(Judged {
                        asset: row.and_then(|r| r.asset.clone()),
                        latency: row.and_then(|r| r.latency).unwrap_or(0.0),
                        usd: row.and_then(|r| r.cost).unwrap_or(0.0),
                        verdicts,
                        calls: row.map_or(1, |r| r.tries.max(1)),
                    }),
                    Err(e) => SampleOutcome::Failed(e),
                }
            }
            Done::Failed(f) => SampleOutcome::Failed(format!("{} ({})", f.message, f.class)),
            Done::OverBudget => SampleOutcome::NotAsked,
        };
        samples.push(Sample {
            provider,
            prompt,
            repeat,
            outcome,
        });
    }
    samples.sort_by(|a, b| {
        (&a.provider, &a.prompt, a.repeat).cmp(&(&b.provider, &b.prompt, b.repeat))
    });
    let interrupted = exec.interrupted.load(Ordering::SeqCst);
    let budget_stop = if interrupted {
        None
    } else {
        exec.denied.lock().unwrap_or_else(|p| p.into_inner()).take()
    };
    Ok(AuditReport {
        samples,
        reused: exec.reused.load(Ordering::Relaxed),
        sent: ctx.sent.load(Ordering::Relaxed),
        budget_stop,
        interrupted,
        spent_total: ctx.ledger.totals()?.settled,
    })
}

/// The layout judge's verdict on each checklist assertion of the image.
fn judge(
    png: &[u8],
    scene: Option<&darkroom_prompt::Scene>,
) -> Result<Vec<(String, Verdict, String, String)>, String> {
    let img =
        darkroom_imageops::decode_png(png, "generated", 1 << 26).map_err(|e| e.to_string())?;
    let Some(scene) = scene else {
        return Ok(Vec::new());
    };
    let j = LayoutJudge.judge(
        ImageRef {
            width: img.width,
            height: img.height,
            rgb: &img.rgb,
        },
        scene,
    );
    Ok(j.findings
        .iter()
        .filter_map(|f| {
            let a = f.assertion.and_then(|i| scene.checklist.get(i))?;
            Some((
                a.kind.as_str().to_string(),
                f.verdict,
                a.question.clone(),
                f.evidence.clone(),
            ))
        })
        .collect())
}

/// Wilson score interval at 95 % for `yes` of `n`.
pub fn wilson(yes: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n, p) = (1.959_964, n as f64, yes as f64 / n as f64);
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z / d * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((c - h).max(0.0), (c + h).min(1.0))
}

/// One provider's figures over the suite.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Provider name.
    pub provider: String,
    /// Images made and judged.
    pub images: u64,
    /// Images the provider failed to make.
    pub failed: u64,
    /// Images not asked (budget, signal).
    pub not_asked: u64,
    /// Calls, retries included.
    pub calls: u64,
    /// USD.
    pub spent: f64,
    /// Images with every decided assertion satisfied.
    pub successes: u64,
    /// Latency p50 and p95, seconds.
    pub latency: Option<(f64, f64)>,
    /// category → (yes, decided, undecided).
    pub categories: BTreeMap<String, (u64, u64, u64)>,
}

impl Summary {
    /// Cost per successful image, USD.
    pub fn cpsa(&self) -> Option<f64> {
        (self.successes > 0).then(|| self.spent / self.successes as f64)
    }
}

/// One provider's summary of the samples.
pub fn summarize(provider: &str, samples: &[Sample]) -> Summary {
    let mut s = Summary {
        provider: provider.to_string(),
        ..Summary::default()
    };
    let mut lat = Vec::new();
    for x in samples.iter().filter(|s| s.provider == provider) {
        match &x.outcome {
            SampleOutcome::Judged(j) => {
                s.images += 1;
                s.calls += u64::from(j.calls);
                s.spent += j.usd;
                s.successes += u64::from(j.success());
                lat.push(j.latency);
                for (cat, v, _, _) in &j.verdicts {
                    let e = s.categories.entry(cat.clone()).or_default();
                    match v {
                        Verdict::Yes => {
                            e.0 += 1;
                            e.1 += 1
                        }
                        Verdict::No => e.1 += 1,
                        Verdict::Undecided => e.2 += 1,
                    }
                }
            }
            SampleOutcome::Failed(_) => s.failed += 1,
            SampleOutcome::NotAsked => s.not_asked += 1,
        }
    }
    if !lat.is_empty() {
        lat.sort_by(f64::total_cmp);
        let at = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize];
        s.latency = Some((at(0.5), at(0.95)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_values() {
        // 8 of 10: [0.490, 0.943] (Wilson 1927; e.g. Newcombe 1998, table I).
        let (lo, hi) = wilson(8, 10);
        assert!(
            (lo - 0.4902).abs() < 1e-3 && (hi - 0.9433).abs() < 1e-3,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 10);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 1e-3, "{hi}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn success_needs_a_decided_yes_and_no_no() {
        let j = |v: &[Verdict]| Judged {
            asset: None,
            latency: 0.0,
            usd: 0.0,
            verdicts: v
                .iter()
                .map(|v| (String::new(), *v, String::new(), String::new()))
                .collect(),
            calls: 1,
        };
        assert!(!j(&[]).success());
        assert!(!j(&[Verdict::Undecided]).success());
        assert!(j(&[Verdict::Undecided, Verdict::Yes]).success());
        assert!(!j(&[Verdict::Yes, Verdict::No]).success());
    }
}

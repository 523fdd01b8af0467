//! The stages of a run, in the order DESIGN §2 gives them. Each is a file with a function from
//! a typed input to a typed output; [`funnel`] is the outline that chains them for a group of
//! shots, and [`run`] takes the campaign's shots up in groups (budget-aware, memory-bounded).
//!
//! ```text
//! draft::rounds ─▶ Drafted ─▶ select::rank ─▶ Ranked ─▶ finish::waves ─▶ Finished ─▶ deliver::all
//! ```
//! (`judge` is called by drafting and finishing on each image.) A new stage is a new file here
//! and one line in [`funnel`].

pub(crate) mod deliver;
pub(crate) mod draft;
pub(crate) mod finish;
pub(crate) mod gates;
pub(crate) mod judge;
pub(crate) mod select;
pub(crate) mod settled;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use darkroom_campaign::Shot;
use darkroom_core::provider::{Provider, Request};
use darkroom_judges::brand::BrandJudge;
use tokio::sync::Semaphore;

use crate::scheduler::Exec;
use crate::{Ctx, EngineError, RunReport};

/// Most shots taken up at once: enough to keep every provider's concurrency busy, few enough
/// that a 10,000-shot campaign holds no more images in memory than a 64-shot one.
const GROUP: usize = 64;

pub(crate) fn run(ctx: Arc<Ctx>) -> Result<RunReport, EngineError> {
    runtime()?.block_on(run_async(ctx))
}

/// The engine's runtime: two workers (calls wait on the network or on blocking workers).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, EngineError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .enable_io()
        .build()
        .map_err(|e| EngineError::Io {
            path: "tokio runtime".into(),
            source: e,
        })
}

impl Exec {
    /// The scheduler for a context: one concurrency limit per provider, and the signal
    /// handlers when the caller owns its signals. Call inside the runtime.
    pub(crate) fn new(ctx: &Arc<Ctx>) -> Result<Exec, EngineError> {
        let sems = ctx
            .campaign
            .providers
            .iter()
            .map(|(n, p)| {
                // A pool's `concurrency` is per server.
                let slots = p.concurrency as usize * p.pool.len().max(1);
                (n.clone(), Arc::new(Semaphore::new(slots)))
            })
            .collect();
        let exec = Exec {
            ctx: ctx.clone(),
            sems,
            stop: ctx.stop.clone(),
            denied: Arc::new(std::sync::Mutex::new(None)),
            interrupted: Arc::new(AtomicBool::new(false)),
            reused: Arc::new(AtomicU64::new(0)),
            // One image looked at per core at a time: enough to fill them, and a bound on the
            // decoded images held at once however many calls end together.
            lookers: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            )),
        };
        if ctx.opts.ctrl_c {
            listen_for_signals(&exec, ctx.opts.progress.clone())?;
        }
        Ok(exec)
    }
}

async fn run_async(ctx: Arc<Ctx>) -> Result<RunReport, EngineError> {
    let exec = Exec::new(&ctx)?;
    let brand = ctx
        .campaign
        .brand
        .clone()
        .map(|b| Arc::new(BrandJudge::new(b)));
    let mut deliverables = Vec::new();
    // Shots nothing changed for since their files were written are left alone.
    let settle = settled::Settle::load(&ctx);
    let mut unchanged = 0usize;
    let shots: Vec<Shot> = ctx
        .campaign
        .shots
        .iter()
        .filter(|s| ctx.opts.only.as_ref().is_none_or(|o| *o == s.id))
        .filter(
            |s| match settle.as_ref().and_then(|st| st.unchanged(&ctx, s)) {
                Some(mut files) => {
                    deliverables.append(&mut files);
                    unchanged += 1;
                    false
                }
                None => true,
            },
        )
        .cloned()
        .collect();
    if unchanged > 0 {
        say(
            &ctx,
            &format!(
                "{unchanged} shot(s) unchanged since their files were written: nothing to do for them"
            ),
        );
    }
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut awaiting_review: Vec<(String, String)> = Vec::new();
    let mut budget_stop = None;
    // Budget-aware order: when the budget left cannot cover every remaining shot's expected
    // cost, the shots that fit are taken up first, in campaign order, and finished before the
    // next are drafted — a tight budget delivers complete shots instead of drafts of all.
    let expected: Vec<f64> = shots.iter().map(|s| expected_cost(&ctx, s)).collect();
    // Shots are also taken up in groups of at most `GROUP` so that what a run holds in memory
    // (drafts' and finals' bytes until they are delivered) does not grow with the campaign.
    let group = GROUP.max(
        ctx.campaign
            .providers
            .values()
            .map(|p| p.concurrency as usize)
            .max()
            .unwrap_or(1),
    );
    let mut next = 0;
    while next < shots.len() && !exec.stop.load(Ordering::SeqCst) {
        let mut end = shots.len().min(next + group);
        if let Some(cap) = ctx.cap {
            let committed = ctx.keep(ctx.ledger.totals()).map_or(cap, |t| t.committed);
            let left = cap - committed;
            let mut sum = 0.0;
            end = next;
            while end < shots.len().min(next + group) && sum + expected[end] <= left + 1e-9 {
                sum += expected[end];
                end += 1;
            }
            if end == next {
                // Not even the next shot is expected to fit. Work already paid for may finish
                // it, so it is tried, unless nothing of it is done and its first call alone
                // cannot be afforded.
                if expected[next] > 0.0 && !has_work(&ctx, &shots[next].id) {
                    budget_stop = Some(crate::BudgetStop {
                        cap: ctx.money(cap),
                        committed: ctx.money(committed),
                        needed: ctx.money(expected[next]),
                        what: format!("shot `{}` (expected, drafts and finish)", shots[next].id),
                    });
                    break;
                }
                end = next + 1;
            }
            if end < shots.len().min(next + group) {
                say(
                    &ctx,
                    &format!(
                        "budget: {:.3} {} left covers {} more shot(s) of {} (expected {:.3}); taking them up first",
                        left.max(0.0),
                        ctx.unit(),
                        end - next,
                        shots.len() - next,
                        sum
                    ),
                );
            }
        }
        if shots.len() > group {
            say(
                &ctx,
                &format!("shots {}–{} of {}", next + 1, end, shots.len()),
            );
        }
        let (mut d, mut f, mut w) = funnel(&ctx, &exec, brand.as_ref(), &shots[next..end]).await;
        if let Some(st) = &settle {
            st.record(&ctx, &shots[next..end], &d, &f, &w);
        }
        deliverables.append(&mut d);
        failed.append(&mut f);
        awaiting_review.append(&mut w);
        next = end;
    }
    if let Some(e) = ctx.fatal.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    deliver::manifest(&ctx, &deliverables)?;
    failed.sort();
    failed.dedup();
    let interrupted = exec.interrupted.load(Ordering::SeqCst);
    let denied = exec.denied.lock().unwrap_or_else(|p| p.into_inner()).take();
    let budget_stop = if interrupted {
        None
    } else {
        denied.or(budget_stop)
    };
    Ok(RunReport {
        deliverables,
        failed_shots: failed,
        budget_exhausted: budget_stop.is_some(),
        interrupted,
        totals: ctx.ledger.totals()?,
        reused: exec.reused.load(Ordering::Relaxed),
        unchanged,
        sent: ctx.sent.load(Ordering::Relaxed),
        budget_stop,
        unit: ctx.unit(),
        awaiting_review,
    })
}

/// Whether the ledger holds any done work of a shot (a resumed shot may need little more).
fn has_work(ctx: &Ctx, shot: &str) -> bool {
    ctx.keep(ctx.ledger.shot_has_done(shot)).unwrap_or(false)
}

/// What a shot is expected to cost in the ledger's unit, at the providers' worst-case prices:
/// one round of drafts and its finals' finish calls (more rounds only when drafts fail).
fn expected_cost(ctx: &Ctx, s: &Shot) -> f64 {
    let c = &ctx.campaign;
    let price = |provider: &str, req: &Request, n: u32| {
        let Some(p) = ctx.providers.get(provider) else {
            return 0.0;
        };
        let cost = crate::priced(c, provider, req)(p.price(req));
        f64::from(n) * if ctx.in_money { cost.usd } else { cost.credits }
    };
    // The draft request is the one the draft stage makes; the finish, the same at the finish
    // tier's size and quality.
    let draft = darkroom_campaign::plan::draft_request(c, s, 1, 0, &s.prompt);
    let drafts = price(&c.draft.provider, &draft, c.draft.variants);
    if ctx.opts.finish_from_draft {
        return drafts;
    }
    let edits = ctx
        .providers
        .get(&c.finish.provider)
        .is_some_and(|p| p.capabilities().edit);
    let finish = darkroom_campaign::plan::finish_request(c, s, &draft, edits.then(Vec::new));
    drafts + price(&c.finish.provider, &finish, s.finals)
}

/// The funnel for a group of shots: the stages, in order.
async fn funnel(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    brand: Option<&Arc<BrandJudge>>,
    shots: &[Shot],
) -> deliver::Delivered {
    let drafted = draft::rounds(ctx, exec, brand, shots).await;
    let mut ranked = select::rank(ctx, exec, shots, drafted);
    let finished = finish::waves(ctx, exec, brand.map(AsRef::as_ref), shots, &mut ranked).await;
    let (deliverables, mut failed, awaiting) = deliver::all(ctx, exec, shots, &finished).await;
    failed.extend(ranked.failed);
    failed.sort();
    failed.dedup();
    (deliverables, failed, awaiting)
}

/// Reports progress, one plain line per stage, when the caller asked for it.
pub(crate) fn say(ctx: &Ctx, line: &str) {
    ctx.opts.say(line);
}

/// The first Ctrl-C (SIGINT) stops scheduling: calls in flight finish and are recorded, and the
/// run ends with what it has. A second one exits at once; the calls it cuts off are left `sent`
/// and reconciled by the next run. The handler is registered before this returns, so a signal
/// that arrives after any progress line is always caught.
fn listen_for_signals(
    exec: &Exec,
    progress: Option<Arc<dyn crate::Progress>>,
) -> Result<(), EngineError> {
    let (stop, interrupted) = (exec.stop.clone(), exec.interrupted.clone());
    let first = move |name: &str| {
        interrupted.store(true, Ordering::SeqCst);
        stop.store(true, Ordering::SeqCst);
        if let Some(p) = &progress {
            p.line(&format!("interrupted ({name}): finishing the calls in flight, sending nothing new (Ctrl-C again to quit now)"));
        }
    };
    // SIGTERM (docker stop, systemd, a CI cancel) and SIGHUP (a dropped SSH session) are asked
    // to stop just as Ctrl-C is: the calls in flight are paid for, so they are let finish.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind| {
            signal(kind).map_err(|source| EngineError::Io {
                path: "signal handler".into(),
                source,
            })
        };
        // Each signal kind feeds one channel; the first arrival stops scheduling, the second
        // quits at once.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
        for (kind, name) in [
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
        ] {
            let mut sig = listen(kind)?;
            let tx = tx.clone();
            tokio::spawn(async move {
                while sig.recv().await.is_some() {
                    if tx.send(name).is_err() {
                        break;
                    }
                }
            });
        }
        tokio::spawn(async move {
            let Some(name) = rx.recv().await else { return };
            first(name);
            if rx.recv().await.is_none() {
                return;
            }
            std::process::exit(130);
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            first("Ctrl-C");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    Ok(())
}

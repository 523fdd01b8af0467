//! The scheduler: the one call path every provider call takes (drafts, finishes, delivery
//! operations, vision asks) — reuse of a done result, pacing and rate limit, the budget
//! reservation, the call on a blocking worker, the result stored and settled, the error
//! classified, a retry by class — and [`Exec`], which runs a batch of calls within each
//! provider's concurrency. Stages build [`Call`]s and read [`Done`]s; nothing else calls a
//! provider.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use darkroom_core::provider::{Collected, Provider, ProviderError, Request};
use darkroom_ledger::{AttemptRow, DecisionKind, ErrorClass, Outcome, Reason, Reservation, Tier};
use darkroom_providers::AnyProvider;
use tokio::sync::Semaphore;

use crate::{Ctx, EngineError};

/// Tries per call (the first and up to four retries).
const MAX_TRIES: u32 = 5;

/// One provider call to make (or to find done in the ledger).
#[derive(Clone)]
pub(crate) struct Call {
    pub row: AttemptRow,
    pub req: Request,
}

/// Why a call failed for good: the error class the scheduler acted on, and what happened.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The class the scheduler acted on.
    pub class: ErrorClass,
    /// What happened.
    pub message: String,
}

impl Failure {
    pub(crate) fn new(class: ErrorClass, message: impl Into<String>) -> Failure {
        Failure {
            class,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What became of a call.
pub(crate) enum Done {
    /// An image (fresh or from the ledger).
    Image(Vec<u8>),
    /// Failed for good (refused, auth, invalid, out of tries), with why.
    Failed(Failure),
    /// Not made: the budget cannot cover it, or the run was interrupted (see
    /// [`Exec::stop_reason`]).
    OverBudget,
}

use darkroom_campaign::plan::attempt_id;

pub(crate) struct Exec {
    pub(crate) ctx: Arc<Ctx>,
    pub(crate) sems: BTreeMap<String, Arc<Semaphore>>,
    /// The context's stop flag (budget, signal, fatal error).
    pub(crate) stop: Arc<AtomicBool>,
    /// The first budget refusal: what the call needed against what was committed.
    pub(crate) denied: Arc<std::sync::Mutex<Option<crate::BudgetStop>>>,
    /// Set by Ctrl-C (with `stop`): nothing new is sent, calls in flight finish and are recorded.
    pub(crate) interrupted: Arc<AtomicBool>,
    pub(crate) reused: Arc<AtomicU64>,
    /// Permits to look at an image beside the calls ([`Exec::execute_looked`]): one per core.
    pub(crate) lookers: Arc<Semaphore>,
}

impl Exec {
    pub(crate) fn call(
        &self,
        tier: Tier,
        round: u32,
        variant: u32,
        shot: &str,
        provider: &str,
        req: Request,
    ) -> Call {
        let p = &self.ctx.campaign.providers[provider];
        let model = p.model.clone().unwrap_or_default();
        let id = attempt_id(provider, &model, &req);
        let params = serde_json::json!({"prompt": req.prompt, "width": req.width, "height": req.height, "quality": req.quality.to_string()}).to_string();
        Call {
            row: AttemptRow {
                id,
                shot: shot.into(),
                tier,
                round,
                variant,
                provider: provider.into(),
                model,
                seed: req.seed,
                params,
            },
            req,
        }
    }

    /// Runs calls concurrently within each provider's limit.
    pub(crate) async fn execute(&self, calls: Vec<Call>) -> Vec<(Call, Done)> {
        self.execute_looked::<()>(calls, None)
            .await
            .into_iter()
            .map(|(c, d, _)| (c, d))
            .collect()
    }

    /// [`Exec::execute`], and `look` at each image as soon as it arrives, on the runtime's
    /// blocking pool: what needs only the image (the pixel judges) runs beside the calls still
    /// in flight and on every core, instead of after the batch on one.
    pub(crate) async fn execute_looked<T: Send + 'static>(
        &self,
        calls: Vec<Call>,
        look: Option<Look<T>>,
    ) -> Vec<(Call, Done, Option<T>)> {
        // Queued now: the time until each call gets a concurrency slot is its queue wait.
        let rows: Vec<AttemptRow> = calls.iter().map(|c| c.row.clone()).collect();
        // Planned in a few statements, which also say which calls are done already: only those
        // are looked up for their stored result before the budget guard.
        let Some(done) = self.ctx.keep(self.ctx.ledger.plan_done(&rows)) else {
            return Vec::new();
        };
        let done = Arc::new(done);
        let mut handles = Vec::new();
        let total = calls.len();
        let ended = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for c in calls {
            let ctx = self.ctx.clone();
            let sem = self.sems[&c.row.provider].clone();
            let stop = self.stop.clone();
            let reused = self.reused.clone();
            let denied = self.denied.clone();
            let ended = ended.clone();
            let was_done = done.contains(&c.row.id);
            let look = look.clone();
            let lookers = self.lookers.clone();
            handles.push(tokio::spawn(async move {
                let d = one(&ctx, &sem, &stop, &reused, &denied, &c, was_done).await;
                let n = ended.fetch_add(1, Ordering::SeqCst) + 1;
                ctx.opts.tick(n, total);
                let seen = match (look, &d) {
                    // A small image is looked at here: handing it to another thread costs
                    // more than the look (64 px drafts: a tenth of a millisecond).
                    (Some(f), Done::Image(png))
                        if u64::from(c.req.width) * u64::from(c.req.height) <= SMALL_LOOK =>
                    {
                        f(&c, png)
                    }
                    (Some(f), Done::Image(png)) => {
                        let _permit = lookers.acquire().await;
                        let (call, png) = (c.clone(), png.clone());
                        tokio::task::spawn_blocking(move || f(&call, &png))
                            .await
                            .ok()
                            .flatten()
                    }
                    _ => None,
                };
                (c, d, seen)
            }));
        }
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            if let Ok(r) = h.await {
                out.push(r);
            }
        }
        out
    }
}

/// Pixels at or below which [`Exec::execute_looked`] looks at an image on the task that
/// received it instead of the blocking pool.
const SMALL_LOOK: u64 = 128 * 128;

/// What [`Exec::execute_looked`] runs on each image as it arrives (`None`: nothing to say).
pub(crate) type Look<T> = Arc<dyn Fn(&Call, &[u8]) -> Option<T> + Send + Sync>;

/// What a provider call brought back, whatever it was asked.
pub(crate) struct Reply {
    /// The result's bytes (an image, or a vision model's answer).
    pub(crate) bytes: Vec<u8>,
    /// Their file extension in the store.
    pub(crate) ext: &'static str,
    /// What the call cost (the campaign's `prices` already applied).
    pub(crate) cost: darkroom_core::provider::Cost,
    /// The model version the provider reported.
    pub(crate) model_version: Option<String>,
    /// Latency the provider reported, recorded instead of the measured one (a simulation that
    /// did not sleep, a vision call timed by its provider).
    pub(crate) reported: Option<Duration>,
    /// Time to wait before the call counts as ended (`sim` in real time).
    pub(crate) sleep: Option<Duration>,
    /// The simulator's injected mutation, recorded as a decision.
    pub(crate) mutation: Option<String>,
    /// The pool server that made it.
    pub(crate) backend: Option<String>,
    /// The vendor's own file, when it carried Content Credentials `bytes` lost.
    pub(crate) upstream: Option<Vec<u8>>,
}

/// How a provider call's work is asked to run.
pub(crate) enum How<'a> {
    /// Send the call: under `handle` where the vendor takes one, `note` told the vendor's own
    /// name for it once accepted.
    Send {
        handle: Option<&'a str>,
        note: &'a (dyn Fn(&str) + Sync),
    },
    /// Ask the vendor for the result of the call sent earlier under this handle.
    Collect(&'a str),
}

/// A provider call's work: runs on a blocking worker. `Ok(None)` only for [`How::Collect`]: the
/// vendor never received the call.
pub(crate) type Work =
    Arc<dyn Fn(&AnyProvider, How<'_>) -> Result<Option<Reply>, ProviderError> + Send + Sync>;

/// An image call through the one call path.
async fn one(
    ctx: &Arc<Ctx>,
    sem: &Arc<Semaphore>,
    stop: &AtomicBool,
    reused: &AtomicU64,
    denied: &std::sync::Mutex<Option<crate::BudgetStop>>,
    c: &Call,
    was_done: bool,
) -> Done {
    let is_sim = ctx.providers[&c.row.provider].capabilities().simulated;
    let realtime = ctx.opts.realtime;
    let priced = Arc::new(crate::priced(&ctx.campaign, &c.row.provider, &c.req));
    let (req, price) = (c.req.clone(), priced.clone());
    let worst = move |p: &AnyProvider| price(p.price(&req));
    let req = c.req.clone();
    let work: Work = Arc::new(move |p: &AnyProvider, how: How<'_>| {
        let g = match how {
            How::Send {
                handle: Some(h),
                note,
            } => p.generate_as(&req, h, note)?,
            How::Send { handle: None, .. } => p.generate(&req)?,
            How::Collect(h) => match p.collect(&req, h)? {
                Collected::Image(g) => g,
                Collected::Unknown => return Ok(None),
            },
        };
        darkroom_providers::check_size(&req, &g)?;
        Ok(Some(Reply {
            cost: priced(g.cost),
            model_version: g.model_version.clone(),
            // Not slept: the ledger keeps the latency the simulation reports, so `status` and
            // `simulate` see the simulated clock, not the render time.
            reported: (is_sim && !realtime).then_some(g.latency),
            sleep: (is_sim && realtime).then_some(g.latency),
            mutation: g
                .notes
                .iter()
                .find(|(k, _)| k == "mutation")
                .map(|(_, v)| v.clone()),
            backend: g
                .notes
                .iter()
                .find(|(k, _)| k == "backend")
                .map(|(_, v)| v.clone()),
            upstream: g.upstream,
            bytes: g.png,
            ext: "png",
        }))
    });
    scheduled(
        ctx, sem, stop, reused, denied, &c.row, &worst, work, was_done,
    )
    .await
}

/// How often a worker looks again at a call another worker has in flight.
const LEASE_POLL: Duration = Duration::from_millis(250);

/// The one call path every provider call takes — drafts, finishes, delivery operations and
/// vision asks: reuse of a done result, pacing and rate limit, the worst case reserved against
/// the budget (in the same transaction that marks the call sent), the call on a blocking worker,
/// the result stored and settled with its cost and latency, the error classified, and a retry by
/// class with the provider's hint (transient: exponential backoff; rate limited: the hint;
/// refused, auth, invalid: never).
#[expect(clippy::too_many_arguments)]
pub(crate) async fn scheduled(
    ctx: &Arc<Ctx>,
    sem: &Arc<Semaphore>,
    stop: &AtomicBool,
    reused: &AtomicU64,
    denied: &std::sync::Mutex<Option<crate::BudgetStop>>,
    row: &AttemptRow,
    worst: &(dyn Fn(&AnyProvider) -> darkroom_core::provider::Cost + Send + Sync),
    work: Work,
    maybe_done: bool,
) -> Done {
    let Ok(mut permit) = sem.clone().acquire_owned().await else {
        return Done::Failed(Failure::new(ErrorClass::Invalid, "scheduler closed"));
    };
    // A call the plan found done is reused without the budget guard's lock; one it found open is
    // not looked up again (if another worker finishes it meanwhile, the guard says so).
    if maybe_done {
        if let Some(bytes) = ctx.done_bytes(&row.id) {
            reused.fetch_add(1, Ordering::Relaxed);
            return Done::Image(bytes);
        }
    }
    let provider: Arc<AnyProvider> = ctx.providers[&row.provider].clone();
    let is_sim = provider.capabilities().simulated;
    // Real services (and the simulator in real time) are waited for: rate limits, backoff.
    let wait = !is_sim || ctx.opts.realtime;
    let unit = |g: &darkroom_core::provider::Cost| if ctx.in_money { g.usd } else { g.credits };
    let mut last = Failure::new(ErrorClass::Transient, "");
    for k in 0..MAX_TRIES {
        if stop.load(Ordering::SeqCst) {
            return Done::OverBudget;
        }
        if wait {
            if let Some(p) = ctx.pacers.get(&row.provider) {
                p.wait().await;
                if stop.load(Ordering::SeqCst) {
                    return Done::OverBudget;
                }
            }
        }
        // A vendor that finds a call by its handle gets one chosen here, recorded with the
        // reservation (no statement of its own).
        let fresh = provider.handles().then(darkroom_ledger::new_handle);
        let reserve = || {
            ctx.ledger.reserve_call(
                row,
                unit(&worst(&provider)),
                ctx.cap,
                provider.replays(),
                fresh.as_deref(),
            )
        };
        let mut reserved = reserve();
        // Another worker has the call in flight: its result is waited for, without holding one
        // of this worker's call slots, until it is done or its worker's lease lapses (then the
        // reservation takes the call over).
        while let Ok(Reservation::Leased { .. }) = reserved {
            drop(permit);
            if let Err(done) = lease_ends(ctx, stop, &row.id).await {
                return done;
            }
            permit = match sem.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => {
                    return Done::Failed(Failure::new(ErrorClass::Invalid, "scheduler closed"))
                }
            };
            reserved = reserve();
        }
        let mut resume = None;
        match reserved {
            // Waited for above; no reservation ends in a lease.
            Ok(Reservation::Leased { worker }) => {
                return Done::Failed(Failure::new(
                    ErrorClass::Leased,
                    format!("held by worker {worker}"),
                ))
            }
            Ok(Reservation::Granted) => {
                ctx.sent.fetch_add(1, Ordering::Relaxed);
            }
            // Sent before by a process that died or was fenced: asked for by its handle below.
            Ok(Reservation::Resume { handle }) => resume = Some(handle),
            // Done (by another worker, or an earlier run) but its bytes were not readable
            // above: they are fetched or waited for, never bought again — a call without a
            // granted reservation is never sent.
            Ok(Reservation::AlreadyDone) => return already_done(ctx, stop, reused, row).await,
            Ok(Reservation::Refused { message }) => {
                return Done::Failed(Failure::new(
                    ErrorClass::Refused,
                    format!("refused in an earlier run, not sent again: {message}"),
                ))
            }
            Ok(Reservation::Denied { committed, needed }) => {
                stop.store(true, Ordering::SeqCst);
                let mut slot = denied.lock().unwrap_or_else(|p| p.into_inner());
                if slot.is_none() {
                    *slot = Some(crate::BudgetStop {
                        cap: ctx.money(ctx.cap.unwrap_or(0.0)),
                        committed: ctx.money(committed),
                        needed: ctx.money(needed),
                        what: format!("the next call ({} of `{}`)", row.tier, row.shot),
                    });
                }
                return Done::OverBudget;
            }
            Err(e) => {
                let f = Failure::new(ErrorClass::Ledger, e.to_string());
                ctx.fail(EngineError::Ledger(e));
                return Done::Failed(f);
            }
        }
        let (result, collected) = send_or_collect(ctx, row, &provider, &work, resume, fresh).await;
        match result {
            Ok(r) => {
                if let Some(d) = r.sleep {
                    tokio::time::sleep(d).await;
                }
                return keep(ctx, row, &provider, r, collected);
            }
            Err(e) => {
                last = settle_failure(ctx, row, &e);
                // Real services get real backoff; the simulator's clock is simulated unless
                // `--realtime` asks to wait.
                match backoff(&e, k) {
                    Some(pause) if wait => tokio::time::sleep(pause).await,
                    Some(_) => {}
                    None => return Done::Failed(last),
                }
            }
        }
    }
    Done::Failed(Failure::new(
        last.class,
        format!("gave up after {MAX_TRIES} tries: {}", last.message),
    ))
}

/// Runs a granted call's work on a blocking worker. After a [`Reservation::Resume`] the vendor
/// is first asked for the result by the handle (`true` beside a result collected so); only
/// when it never received the call is the "may have run" booking released and the call sent,
/// under the same handle.
async fn send_or_collect(
    ctx: &Arc<Ctx>,
    row: &AttemptRow,
    provider: &Arc<AnyProvider>,
    work: &Work,
    resume: Option<String>,
    fresh: Option<String>,
) -> (Result<Reply, ProviderError>, bool) {
    let panicked = |e: tokio::task::JoinError| {
        Err(ProviderError::Invalid(format!(
            "the provider call panicked: {e}"
        )))
    };
    if let Some(h) = resume.clone() {
        let (p2, w2) = (provider.clone(), work.clone());
        let asked = tokio::task::spawn_blocking(move || w2(&p2, How::Collect(&h)))
            .await
            .unwrap_or_else(panicked);
        match asked {
            Ok(Some(r)) => return (Ok(r), true),
            Ok(None) => {
                ctx.keep(ctx.ledger.release_presumed(&row.id));
            }
            Err(e) => return (Err(e), false),
        }
    }
    ctx.sent
        .fetch_add(u64::from(resume.is_some()), Ordering::Relaxed);
    let handle = resume.or(fresh);
    let (p2, w2, c2, id) = (provider.clone(), work.clone(), ctx.clone(), row.id.clone());
    let sent = tokio::task::spawn_blocking(move || {
        // The vendor's own name for the call, recorded before its result is waited for.
        let note = |h: &str| {
            c2.keep(c2.ledger.record_handle(&id, h));
        };
        w2(
            &p2,
            How::Send {
                handle: handle.as_deref(),
                note: &note,
            },
        )
    })
    .await
    .unwrap_or_else(panicked);
    let sent = sent.and_then(|r| {
        r.ok_or_else(|| ProviderError::Invalid("the provider sent nothing back".into()))
    });
    (sent, false)
}

/// A call the budget guard found done (by another worker, or an earlier run) whose bytes were
/// not readable before it: they are fetched or waited for, never bought again — a call without a
/// granted reservation is never sent.
async fn already_done(
    ctx: &Arc<Ctx>,
    stop: &AtomicBool,
    reused: &AtomicU64,
    row: &AttemptRow,
) -> Done {
    match paid_result(ctx, stop, &row.id).await {
        Some(bytes) => {
            reused.fetch_add(1, Ordering::Relaxed);
            Done::Image(bytes)
        }
        None => {
            let e = darkroom_ledger::LedgerError::Store {
                url: ctx.store.bucket().map_or_else(
                    || ctx.store.root().display().to_string(),
                    str::to_string,
                ),
                why: format!(
                    "the paid result of {} ({} of `{}`) cannot be read from the store; it is not bought again. Run again once the store is reachable (or `--rebuy` to buy it again on purpose)",
                    row.id, row.tier, row.shot
                ),
            };
            let f = Failure::new(ErrorClass::Store, e.to_string());
            if !stop.load(Ordering::SeqCst) {
                ctx.fail(EngineError::Ledger(e));
            }
            Done::Failed(f)
        }
    }
}

/// A paid result kept: stored, then recorded with its cost in one settle (the journal when the
/// ledger cannot hear of it), with what the provider said beside it (the pool server, the
/// vendor's own file, a simulated mutation).
fn keep(
    ctx: &Arc<Ctx>,
    row: &AttemptRow,
    provider: &AnyProvider,
    r: Reply,
    collected: bool,
) -> Done {
    let unit = |g: &darkroom_core::provider::Cost| if ctx.in_money { g.usd } else { g.credits };
    let (hash, path) = match ctx.store.put(&r.bytes, r.ext) {
        Ok(x) => x,
        Err(e) => {
            // Paid, but the result could not be kept (a full disk), and the run stops instead
            // of paying for more it cannot keep. The bytes wait in the temp folder (another
            // filesystem, usually) for the next run to store; the cost is booked as "may have
            // run" with the call's handle kept, so that without the spilled bytes the resumed
            // run asks a vendor that keeps results instead of paying again. A provider that
            // replays answers the call sent again from its record, charged once: it is booked
            // then, as for a call a crash left in flight.
            let f = Failure::new(ErrorClass::Io, e.to_string());
            let booked = if provider.replays() {
                0.0
            } else {
                unit(&r.cost)
            };
            let spilled = darkroom_ledger::journal::Journaled {
                attempt: row.id.clone(),
                asset: darkroom_ledger::content_hash(&r.bytes),
                path: String::new(),
                bytes: r.bytes.len() as u64,
                cost: unit(&r.cost),
                model_version: r.model_version.clone(),
            };
            // Where the temp folder cannot take it either, the attempt says so in the ledger
            // (the handle or a rebuy remain); the run stops on the disk's error either way.
            let why = match darkroom_ledger::journal::spill(&ctx.out, &spilled, &r.bytes, r.ext) {
                Ok(()) => e.to_string(),
                Err(se) => format!(
                    "{e}; the paid result could not be kept aside either ({se}): run again to ask the vendor for it by its handle, or --rebuy"
                ),
            };
            ctx.keep(ctx.ledger.settle_unkept(&row.id, booked, &why));
            ctx.fail(EngineError::Ledger(e));
            return Done::Failed(f);
        }
    };

    if let Some(b) = &r.backend {
        ctx.keep(ctx.ledger.record_backend(&row.id, b));
    }
    // The vendor's signed original, kept beside the fitted image: best effort (the
    // image itself is kept; only the credential chain would be shorter).
    if let Some(up) = &r.upstream {
        let ext = if up.starts_with(&[0xFF, 0xD8]) {
            "jpg"
        } else {
            "png"
        };
        if let Ok((h, _)) = ctx.store.put(up, ext) {
            ctx.keep(ctx.ledger.record_upstream(&row.id, &h));
        }
    }
    if let Some(m) = &r.mutation {
        ctx.keep(ctx.ledger.record_decision(
            &row.id,
            DecisionKind::Sim,
            Reason::InjectedMutation,
            Some(m),
        ));
    }
    // The asset, the attempt and the running total in one statement (PostgreSQL)
    // or one transaction (SQLite).
    let at = path.display().to_string();
    let settle = if collected {
        darkroom_ledger::Ledger::settle_collected
    } else {
        darkroom_ledger::Ledger::settle_stored
    };
    if let Err(e) = settle(
        &ctx.ledger,
        &row.id,
        &Outcome::Done {
            asset: hash.clone(),
            model_version: r.model_version.clone(),
        },
        unit(&r.cost),
        r.reported.map(|d| d.as_secs_f64()),
        Some((&at, r.bytes.len() as u64)),
    ) {
        // Paid and stored, but the ledger did not hear of it (the database gone
        // past the lease): journaled beside the store and recorded when the campaign
        // opens again, so that it is not bought again.
        ctx.fail(EngineError::Ledger(e));
        let j = darkroom_ledger::journal::Journaled {
            attempt: row.id.clone(),
            asset: hash,
            path: at,
            bytes: r.bytes.len() as u64,
            cost: unit(&r.cost),
            model_version: r.model_version.clone(),
        };
        if let Err(e) = darkroom_ledger::journal::append(&ctx.out, &j) {
            ctx.fail(EngineError::Ledger(e));
        }
    }
    Done::Image(r.bytes)
}

/// How long to wait before try `k + 1` after `e`, by its class (transient: exponential backoff;
/// rate limited: the provider's hint, at most a minute); `None` for a class never retried
/// (refused, auth, invalid).
fn backoff(e: &ProviderError, k: u32) -> Option<Duration> {
    match e {
        ProviderError::Transient(_) => Some(Duration::from_millis(200 << k)),
        ProviderError::RateLimited { retry_after, .. } => Some(
            retry_after
                .unwrap_or(Duration::from_millis(500 << k))
                .min(Duration::from_secs(60)),
        ),
        _ => None,
    }
}

/// Waits, polling with a plain read (the budget guard's lock is taken again only once it is
/// over), until another worker's call has ended or its lease lapsed; `Err` with what became of
/// the call when the run stops or the ledger fails meanwhile.
async fn lease_ends(ctx: &Arc<Ctx>, stop: &AtomicBool, id: &str) -> Result<(), Done> {
    loop {
        tokio::time::sleep(LEASE_POLL).await;
        if stop.load(Ordering::SeqCst) {
            return Err(Done::OverBudget);
        }
        match ctx.ledger.leased_elsewhere(id) {
            Ok(true) => continue,
            Ok(false) => return Ok(()),
            Err(e) => {
                let f = Failure::new(ErrorClass::Ledger, e.to_string());
                ctx.fail(EngineError::Ledger(e));
                return Err(Done::Failed(f));
            }
        }
    }
}

/// How long a worker waits for a done call's bytes to become readable (a bucket outage, an
/// upload of another worker's on its way) before it stops: the lease, as for any other wait on
/// the shared accounts.
fn result_patience(ctx: &Ctx) -> Duration {
    Duration::from_secs_f64(ctx.opts.lease.unwrap_or(30.0).max(1.0))
}

/// The bytes of a call the ledger has `done`, from this machine's store or the bucket, looked
/// for again with a growing pause until [`result_patience`] has passed or the run stops.
async fn paid_result(ctx: &Arc<Ctx>, stop: &AtomicBool, id: &str) -> Option<Vec<u8>> {
    let patience = result_patience(ctx);
    let mut waited = Duration::ZERO;
    let mut pause = Duration::from_millis(100);
    loop {
        if let Some(bytes) = ctx.done_bytes(id) {
            return Some(bytes);
        }
        if waited >= patience || stop.load(Ordering::SeqCst) {
            return None;
        }
        tokio::time::sleep(pause).await;
        waited += pause;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

/// Settles a failed try in the ledger (failed calls are not charged by the providers modelled
/// here) and returns it as the class the scheduler acts on. A transport failure (connection
/// refused, DNS, reset) is retried like any transient one, but named for what it is: the
/// provider is unreachable, which no gate setting will fix.
fn settle_failure(ctx: &Ctx, row: &AttemptRow, e: &ProviderError) -> Failure {
    let class = match e {
        ProviderError::Transient(m) if m.starts_with("transport:") => ErrorClass::Unreachable,
        other => class_of(other),
    };
    let outcome = match e {
        ProviderError::Refused(m) => Outcome::Refused { message: m.clone() },
        other => Outcome::Failed {
            class,
            message: other.to_string(),
        },
    };
    ctx.keep(ctx.ledger.settle(&row.id, &outcome, 0.0));
    Failure::new(class, e.to_string())
}

/// A provider's error as the class the scheduler acts on.
fn class_of(e: &ProviderError) -> ErrorClass {
    match e {
        ProviderError::Transient(_) => ErrorClass::Transient,
        ProviderError::RateLimited { .. } => ErrorClass::RateLimited,
        ProviderError::Refused(_) => ErrorClass::Refused,
        ProviderError::Auth(_) => ErrorClass::Auth,
        ProviderError::Invalid(_) => ErrorClass::Invalid,
        ProviderError::Quota(_) => ErrorClass::Quota,
    }
}

/// "32 calls", or what of them the ledger already has: a rerun that calls nothing says so.
pub(crate) fn count_calls(ctx: &Ctx, calls: &[Call]) -> String {
    let ids: Vec<&str> = calls.iter().map(|c| c.row.id.as_str()).collect();
    let done = ctx.ledger.done_among(&ids).unwrap_or(0);
    match (calls.len(), done) {
        (n, 0) => format!("{n} calls"),
        (n, d) if d == n => format!("{n} calls, all done earlier (reused, nothing sent)"),
        (n, d) => format!("{} calls ({d} more done earlier, reused)", n - d),
    }
}

impl Exec {
    /// Why a call was not made: the budget, or an interruption.
    pub(crate) fn stop_reason(&self) -> &'static str {
        if self.interrupted.load(Ordering::SeqCst) {
            "the run was interrupted"
        } else {
            "the budget ran out"
        }
    }

    /// A single finish-tier call for a delivery aspect (used by delivery).
    pub(crate) async fn one_call(&self, call: Call) -> Done {
        self.execute(vec![call]).await.into_iter().next().map_or(
            Done::Failed(Failure::new(ErrorClass::Invalid, "no result")),
            |(_, d)| d,
        )
    }

    pub(crate) fn make_call(
        &self,
        tier: Tier,
        variant: u32,
        shot: &str,
        provider: &str,
        req: Request,
    ) -> Call {
        self.call(tier, 1, variant, shot, provider, req)
    }
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;

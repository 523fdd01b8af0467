//! The stages: draft rounds, judging, gates and ranking, finishing, delivery.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use darkroom_campaign::Shot;
use darkroom_core::judge::{ImageRef, Judge, Judgement, Verdict};
use darkroom_core::provider::{Provider, ProviderError, Request};
use darkroom_core::{resolve_dims, Aspect};
use darkroom_judges::brand::BrandJudge;
use darkroom_judges::layout::LayoutJudge;
use darkroom_judges::novelty::{NoveltyJudge, Siblings};
use darkroom_judges::quality::{QualityJudge, Requested};
use darkroom_ledger::{AttemptRow, DecisionKind, Outcome, Reason, Reservation, Tier};
use darkroom_providers::AnyProvider;
use tokio::sync::Semaphore;

use crate::{Ctx, EngineError, RunReport};

/// Most shots taken up at once: enough to keep every provider's concurrency busy, few enough
/// that a 10,000-shot campaign holds no more images in memory than a 64-shot one.
const GROUP: usize = 64;

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
    /// `refused`, `auth`, `transient`, `rate_limited`, `invalid`, `unreachable`…
    pub class: String,
    /// What happened.
    pub message: String,
}

impl Failure {
    fn new(class: &str, message: impl Into<String>) -> Failure {
        Failure {
            class: class.into(),
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

use darkroom_campaign::plan::{attempt_id, hash_u64};

pub(crate) struct Exec {
    ctx: Arc<Ctx>,
    sems: BTreeMap<String, Arc<Semaphore>>,
    /// The context's stop flag (budget, signal, fatal error).
    stop: Arc<AtomicBool>,
    /// The first budget refusal: what the call needed against what was committed.
    denied: Arc<std::sync::Mutex<Option<crate::BudgetStop>>>,
    /// Set by Ctrl-C (with `stop`): nothing new is sent, calls in flight finish and are recorded.
    interrupted: Arc<AtomicBool>,
    reused: Arc<AtomicU64>,
}

impl Exec {
    fn call(
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
    async fn execute(&self, calls: Vec<Call>) -> Vec<(Call, Done)> {
        // Queued now: the time until each call gets a concurrency slot is its queue wait.
        let rows: Vec<AttemptRow> = calls.iter().map(|c| c.row.clone()).collect();
        if self.ctx.keep(self.ctx.ledger.plan(&rows)).is_none() {
            return Vec::new();
        }
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
            handles.push(tokio::spawn(async move {
                let d = one(&ctx, &sem, &stop, &reused, &denied, &c).await;
                let n = ended.fetch_add(1, Ordering::SeqCst) + 1;
                if let Some(tick) = ctx.opts.tick {
                    tick(n, total);
                }
                (c, d)
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

/// What a provider call brought back, whatever it was asked.
pub(crate) struct Reply {
    /// The result's bytes (an image, or a vision model's answer).
    bytes: Vec<u8>,
    /// Their file extension in the store.
    ext: &'static str,
    /// What the call cost (the campaign's `prices` already applied).
    cost: darkroom_core::provider::Cost,
    /// The model version the provider reported.
    model_version: Option<String>,
    /// Latency the provider reported, recorded instead of the measured one (a simulation that
    /// did not sleep, a vision call timed by its provider).
    reported: Option<Duration>,
    /// Time to wait before the call counts as ended (`sim` in real time).
    sleep: Option<Duration>,
    /// The simulator's injected mutation, recorded as a decision.
    mutation: Option<String>,
}

/// A provider call's work: runs on a blocking worker.
type Work = Arc<dyn Fn(&AnyProvider) -> Result<Reply, ProviderError> + Send + Sync>;

/// An image call through the one call path.
async fn one(
    ctx: &Arc<Ctx>,
    sem: &Arc<Semaphore>,
    stop: &AtomicBool,
    reused: &AtomicU64,
    denied: &std::sync::Mutex<Option<crate::BudgetStop>>,
    c: &Call,
) -> Done {
    let is_sim = matches!(*ctx.providers[&c.row.provider], AnyProvider::Sim(_));
    let realtime = ctx.opts.realtime;
    let priced = Arc::new(crate::priced(&ctx.campaign, &c.row.provider, &c.req));
    let (req, price) = (c.req.clone(), priced.clone());
    let worst = move |p: &AnyProvider| price(p.price(&req));
    let req = c.req.clone();
    let work: Work = Arc::new(move |p: &AnyProvider| {
        let g = p.generate(&req)?;
        darkroom_providers::check_size(&req, &g)?;
        Ok(Reply {
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
            bytes: g.png,
            ext: "png",
        })
    });
    scheduled(ctx, sem, stop, reused, denied, &c.row, &worst, work).await
}

/// The one call path every provider call takes — drafts, finishes, delivery operations and
/// vision asks: reuse of a done result, pacing and rate limit, the worst case reserved against
/// the budget (in the same transaction that marks the call sent), the call on a blocking worker,
/// the result stored and settled with its cost and latency, the error classified, and a retry by
/// class with the provider's hint (transient: exponential backoff; rate limited: the hint;
/// refused, auth, invalid: never).
#[allow(clippy::too_many_arguments)]
async fn scheduled(
    ctx: &Arc<Ctx>,
    sem: &Arc<Semaphore>,
    stop: &AtomicBool,
    reused: &AtomicU64,
    denied: &std::sync::Mutex<Option<crate::BudgetStop>>,
    row: &AttemptRow,
    worst: &(dyn Fn(&AnyProvider) -> darkroom_core::provider::Cost + Send + Sync),
    work: Work,
) -> Done {
    let Ok(_permit) = sem.clone().acquire_owned().await else {
        return Done::Failed(Failure::new("invalid", "scheduler closed"));
    };
    if let Some(bytes) = ctx.done_bytes(&row.id) {
        reused.fetch_add(1, Ordering::Relaxed);
        return Done::Image(bytes);
    }
    let provider: Arc<AnyProvider> = ctx.providers[&row.provider].clone();
    let is_sim = matches!(*provider, AnyProvider::Sim(_));
    // Real services (and the simulator in real time) are waited for: rate limits, backoff.
    let wait = !is_sim || ctx.opts.realtime;
    let unit = |g: &darkroom_core::provider::Cost| if ctx.in_money { g.usd } else { g.credits };
    let mut last = Failure::new("transient", "");
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
        match ctx.ledger.reserve(row, unit(&worst(&provider)), ctx.cap) {
            Ok(Reservation::Granted) => {
                ctx.sent.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Reservation::AlreadyDone) => {
                if let Some(bytes) = ctx.done_bytes(&row.id) {
                    return Done::Image(bytes);
                }
            }
            Ok(Reservation::Refused { message }) => {
                return Done::Failed(Failure::new(
                    "refused",
                    format!("refused in an earlier run, not sent again: {message}"),
                ))
            }
            Ok(Reservation::Denied { committed, needed }) => {
                stop.store(true, Ordering::SeqCst);
                let mut slot = denied.lock().unwrap_or_else(|p| p.into_inner());
                if slot.is_none() {
                    *slot = Some(crate::BudgetStop {
                        cap: ctx.cap.unwrap_or(0.0),
                        committed,
                        needed,
                        what: format!("the next call ({} of `{}`)", row.tier, row.shot),
                    });
                }
                return Done::OverBudget;
            }
            Err(e) => {
                let f = Failure::new("ledger", e.to_string());
                ctx.fail(EngineError::Ledger(e));
                return Done::Failed(f);
            }
        }
        let (p2, w2) = (provider.clone(), work.clone());
        let result = tokio::task::spawn_blocking(move || w2(&p2))
            .await
            .unwrap_or_else(|e| {
                Err(ProviderError::Invalid(format!(
                    "the provider call panicked: {e}"
                )))
            });
        match result {
            Ok(r) => {
                if let Some(d) = r.sleep {
                    tokio::time::sleep(d).await;
                }
                let (hash, path) = match ctx.store.put(&r.bytes, r.ext) {
                    Ok(x) => x,
                    Err(e) => {
                        // Paid, but the result could not be kept (a full disk): the cost is
                        // booked, and the run stops instead of paying for more it cannot keep.
                        let f = Failure::new("io", e.to_string());
                        ctx.keep(ctx.ledger.settle(
                            &row.id,
                            &Outcome::Failed {
                                class: "io".into(),
                                message: e.to_string(),
                            },
                            unit(&r.cost),
                        ));
                        ctx.fail(EngineError::Ledger(e));
                        return Done::Failed(f);
                    }
                };
                ctx.keep(ctx.ledger.record_asset(
                    &hash,
                    &path.display().to_string(),
                    r.bytes.len() as u64,
                ));
                if let Some(m) = &r.mutation {
                    ctx.keep(ctx.ledger.record_decision(
                        &row.id,
                        DecisionKind::Sim,
                        Reason::InjectedMutation,
                        Some(m),
                    ));
                }
                ctx.keep(ctx.ledger.settle_with_latency(
                    &row.id,
                    &Outcome::Done {
                        asset: hash,
                        model_version: r.model_version.clone(),
                    },
                    unit(&r.cost),
                    r.reported.map(|d| d.as_secs_f64()),
                ));
                return Done::Image(r.bytes);
            }
            Err(e) => {
                // A transport failure (connection refused, DNS, reset) is retried like any
                // transient one, but named for what it is: the provider is unreachable, which
                // no gate setting will fix.
                let class = match &e {
                    ProviderError::Transient(m) if m.starts_with("transport:") => "unreachable",
                    other => other.class(),
                };
                let outcome = match &e {
                    ProviderError::Refused(m) => Outcome::Refused { message: m.clone() },
                    other => Outcome::Failed {
                        class: class.into(),
                        message: other.to_string(),
                    },
                };
                // Failed calls are not charged by the providers modelled here.
                ctx.keep(ctx.ledger.settle(&row.id, &outcome, 0.0));
                last = Failure::new(class, e.to_string());
                // Real services get real backoff; the simulator's clock is simulated unless
                // `--realtime` asks to wait.
                match e {
                    ProviderError::Transient(_) => {
                        if wait {
                            tokio::time::sleep(Duration::from_millis(200 << k)).await;
                        }
                    }
                    ProviderError::RateLimited { retry_after, .. } => {
                        if wait {
                            tokio::time::sleep(
                                retry_after
                                    .unwrap_or(Duration::from_millis(500 << k))
                                    .min(Duration::from_secs(60)),
                            )
                            .await;
                        }
                    }
                    _ => return Done::Failed(last),
                }
            }
        }
    }
    Done::Failed(Failure::new(
        &last.class,
        format!("gave up after {MAX_TRIES} tries: {}", last.message),
    ))
}

/// A judged draft.
#[derive(Clone)]
pub(crate) struct Scored {
    pub call: Call,
    pub png: Vec<u8>,
    pub adherence: f64,
    pub on_palette: f64,
    pub sharpness: f64,
    pub phash: u64,
    pub failed_questions: Vec<String>,
}

impl Scored {
    pub fn rank_key(&self) -> String {
        format!(
            "{:.4}/{:.4}/{:.4}/{}",
            self.adherence, self.on_palette, self.sharpness, self.call.row.id
        )
    }
}

fn judge(
    ctx: &Ctx,
    brand: Option<&BrandJudge>,
    call: &Call,
    png: &[u8],
    siblings: &[u64],
    vision: Option<&Judgement>,
) -> Option<(Scored, Vec<Judgement>)> {
    let img = darkroom_imageops::decode_png(png, &call.row.id, 1 << 26).ok()?;
    let view = ImageRef {
        width: img.width,
        height: img.height,
        rgb: &img.rgb,
    };
    let scene = darkroom_prompt::parse(&call.req.prompt).ok()?;
    let layout = LayoutJudge.judge(view, &scene);
    let quality = QualityJudge.judge(
        view,
        &Requested {
            width: call.req.width,
            height: call.req.height,
        },
    );
    let novelty = NoveltyJudge.judge(
        view,
        &Siblings {
            hashes: siblings.to_vec(),
            threshold: ctx.campaign.gates.near_duplicate,
        },
    );
    let brand_j = brand.map(|b| b.judge(view, &()));
    let failed_questions = layout
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::No)
        .filter_map(|f| f.assertion.map(|a| scene.checklist[a].question.clone()))
        .collect();
    // With a vision judge, adherence counts each assertion once: the layout judge's verdict
    // where it decided (it measures pixels), the vision model's where it could not.
    let adherence = match vision {
        None => layout.score,
        Some(v) => {
            let merged: Vec<darkroom_core::judge::Finding> = layout
                .findings
                .iter()
                .map(|f| match (f.verdict, f.assertion) {
                    (Verdict::Undecided, Some(a)) => v
                        .findings
                        .iter()
                        .find(|g| g.assertion == Some(a))
                        .cloned()
                        .unwrap_or_else(|| f.clone()),
                    _ => f.clone(),
                })
                .collect();
            Judgement::adherence(&merged)
        }
    };
    let s = Scored {
        call: call.clone(),
        png: png.to_vec(),
        adherence: adherence.unwrap_or(1.0),
        on_palette: brand_j.as_ref().and_then(|b| b.score).unwrap_or(1.0),
        sharpness: quality.metric("sharpness").unwrap_or(0.0),
        phash: novelty.metric("phash").map_or(0, |h| h as u64),
        failed_questions,
    };
    let mut all = vec![layout, quality, novelty];
    all.extend(brand_j);
    all.extend(vision.cloned());
    Some((s, all))
}

/// The gate: `None` when the draft passes, else the reason code.
fn gate(ctx: &Ctx, s: &Scored, near_dup: bool) -> Option<Reason> {
    let g = &ctx.campaign.gates;
    if g.adherence.is_some_and(|m| s.adherence < m) {
        return Some(Reason::BelowAdherence);
    }
    if ctx.campaign.brand.is_some() && g.on_palette.is_some_and(|m| s.on_palette < m) {
        return Some(Reason::BelowOnPalette);
    }
    if g.sharpness.is_some_and(|m| s.sharpness < m) {
        return Some(Reason::BelowSharpness);
    }
    if near_dup {
        return Some(Reason::NearDuplicate);
    }
    None
}

/// "Is the sphere to the left of the cube?" → "the sphere to the left of the cube".
fn restate(q: &str) -> String {
    let q = q.trim_end_matches('?');
    for p in ["Is there ", "Are there ", "Is ", "Are ", "Does ", "Do "] {
        if let Some(rest) = q.strip_prefix(p) {
            return rest.to_string();
        }
    }
    q.to_string()
}

pub(crate) fn run(ctx: Arc<Ctx>) -> Result<RunReport, EngineError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .enable_io()
        .build()
        .map_err(|e| EngineError::Io {
            path: "tokio runtime".into(),
            source: e,
        })?;
    rt.block_on(run_async(ctx))
}

async fn run_async(ctx: Arc<Ctx>) -> Result<RunReport, EngineError> {
    let sems = ctx
        .campaign
        .providers
        .iter()
        .map(|(n, p)| (n.clone(), Arc::new(Semaphore::new(p.concurrency as usize))))
        .collect();
    let exec = Exec {
        ctx: ctx.clone(),
        sems,
        stop: ctx.stop.clone(),
        denied: Arc::new(std::sync::Mutex::new(None)),
        interrupted: Arc::new(AtomicBool::new(false)),
        reused: Arc::new(AtomicU64::new(0)),
    };
    if ctx.opts.ctrl_c {
        listen_for_signals(&exec, ctx.opts.progress)?;
    }
    let brand = ctx.campaign.brand.clone().map(BrandJudge::new);
    let shots: Vec<Shot> = ctx
        .campaign
        .shots
        .iter()
        .filter(|s| ctx.opts.only.as_ref().is_none_or(|o| *o == s.id))
        .cloned()
        .collect();
    let mut deliverables = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
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
                        cap,
                        committed,
                        needed: expected[next],
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
        let (mut d, mut f) = funnel(&ctx, &exec, brand.as_ref(), &shots[next..end]).await;
        deliverables.append(&mut d);
        failed.append(&mut f);
        next = end;
    }
    if let Some(e) = ctx.fatal.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    crate::deliver::manifest(&ctx, &deliverables)?;
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
        sent: ctx.sent.load(Ordering::Relaxed),
        budget_stop,
        unit: ctx.unit(),
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
    let aspect = s.deliver.first().copied().unwrap_or(Aspect::SQUARE);
    let price = |provider: &str, size, quality, n: u32| {
        let (w, h) = resolve_dims(size, Some(aspect)).unwrap_or((512, 512));
        let req = Request {
            prompt: s.prompt.clone(),
            seed: 0,
            width: w,
            height: h,
            quality,
            reference: None,
            op: Default::default(),
        };
        let Some(p) = ctx.providers.get(provider) else {
            return 0.0;
        };
        let cost = crate::priced(c, provider, &req)(p.price(&req));
        f64::from(n) * if ctx.in_money { cost.usd } else { cost.credits }
    };
    price(
        &c.draft.provider,
        c.draft.size,
        c.draft.quality,
        c.draft.variants,
    ) + if ctx.opts.finish_from_draft {
        0.0
    } else {
        price(
            &c.finish.provider,
            c.finish.size,
            c.finish.quality,
            s.finals,
        )
    }
}

/// Why a shot's drafts gave nothing to promote: every call failed (which provider, which
/// class, how many), or none of the judged drafts passed (which gate, by how much).
#[derive(Default)]
struct ShotDrafts {
    calls: u32,
    images: u32,
    /// (provider, class) → (count, first message).
    failures: BTreeMap<(String, String), (u32, String)>,
    /// Reason code → count.
    gates: BTreeMap<Reason, u32>,
    best_adherence: Option<f64>,
    best_on_palette: Option<f64>,
    best_sharpness: Option<f64>,
}

impl ShotDrafts {
    fn why(&self, ctx: &Ctx) -> String {
        let failed: u32 = self.failures.values().map(|(n, _)| n).sum();
        let calls: Vec<String> = self
            .failures
            .iter()
            .map(|((provider, class), (n, msg))| {
                let msg: String = msg.chars().take(320).collect();
                format!("{n} × provider `{provider}` {class} ({msg})")
            })
            .collect();
        if self.images == 0 && failed > 0 {
            return format!(
                "all {} draft call(s) failed: {}",
                self.calls,
                calls.join("; ")
            );
        }
        if self.images == 0 {
            return "no draft was made (the run stopped first)".into();
        }
        let g = &ctx.campaign.gates;
        let mut parts = Vec::new();
        for (reason, n) in &self.gates {
            let detail = match *reason {
                Reason::BelowAdherence => g
                    .adherence
                    .zip(self.best_adherence)
                    .map(|(m, b)| format!("best adherence {b:.2} vs the gate's {m:.2}")),
                Reason::BelowOnPalette => g
                    .on_palette
                    .zip(self.best_on_palette)
                    .map(|(m, b)| format!("best on-palette share {b:.2} vs {m:.2}")),
                Reason::BelowSharpness => g
                    .sharpness
                    .zip(self.best_sharpness)
                    .map(|(m, b)| format!("best sharpness {b:.2} vs {m:.2}")),
                _ => None,
            };
            parts.push(match detail {
                Some(d) => format!("{n} {reason} ({d})"),
                None => format!("{n} {reason}"),
            });
        }
        let mut out = format!(
            "no draft passed the gates: {} judged; {}",
            self.images,
            parts.join(", ")
        );
        if failed > 0 {
            out.push_str(&format!(
                "; and {failed} call(s) failed: {}",
                calls.join("; ")
            ));
        }
        out
    }
}

/// The funnel for a group of shots: draft rounds, judging, gates, refinement, ranking, finish
/// waves and delivery. Returns what was delivered and the shots that failed, with why.
async fn funnel(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    brand: Option<&BrandJudge>,
    shots: &[Shot],
) -> (Vec<crate::Deliverable>, Vec<(String, String)>) {
    let c = &ctx.campaign;
    let mut passing: BTreeMap<String, Vec<Scored>> = BTreeMap::new();
    let mut refinement: BTreeMap<String, String> = BTreeMap::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut drafts: BTreeMap<String, ShotDrafts> = BTreeMap::new();
    // Draft rounds.
    for round in 1..=c.budget.max_rounds {
        let pending: Vec<_> = shots
            .iter()
            .filter(|s| passing.get(&s.id).is_none_or(Vec::is_empty))
            .collect();
        if pending.is_empty() || exec.stop.load(Ordering::SeqCst) {
            break;
        }
        let mut calls = Vec::new();
        for s in &pending {
            let prompt = match refinement.get(&s.id) {
                Some(extra) if round > 1 => format!("{}, {extra}", s.prompt),
                _ => s.prompt.clone(),
            };
            for k in 0..c.draft.variants {
                // The plan's rule: round 1 makes exactly the attempts `check` lists.
                let req = darkroom_campaign::plan::draft_request(c, s, round, k, &prompt);
                calls.push(exec.call(Tier::Draft, round, k, &s.id, &c.draft.provider, req));
            }
        }
        say(
            ctx,
            &format!(
                "draft round {round} for {} shot(s): {}",
                pending.len(),
                count_calls(ctx, &calls)
            ),
        );
        let results = exec.execute(calls).await;
        let visions = vision_round(ctx, exec, &results).await;
        let mut best_failures: BTreeMap<String, (f64, Vec<String>)> = BTreeMap::new();
        for (call, done) in results {
            let tally = drafts.entry(call.row.shot.clone()).or_default();
            tally.calls += 1;
            let png = match done {
                Done::Image(png) => png,
                Done::Failed(f) => {
                    let e = tally
                        .failures
                        .entry((call.row.provider.clone(), f.class.clone()))
                        .or_insert((0, f.message.clone()));
                    e.0 += 1;
                    continue;
                }
                Done::OverBudget => continue,
            };
            tally.images += 1;
            let shot = call.row.shot.clone();
            let siblings: Vec<u64> = passing
                .get(&shot)
                .map(|v| v.iter().map(|s| s.phash).collect())
                .unwrap_or_default();
            let Some((scored, judgements)) = judge(
                ctx,
                brand,
                &call,
                &png,
                &siblings,
                visions.get(&call.row.id),
            ) else {
                continue;
            };
            for j in &judgements {
                let json = serde_json::to_string(j).unwrap_or_default();
                ctx.keep(
                    ctx.ledger
                        .record_score(&call.row.id, &j.judge, j.score, &json),
                );
            }
            let tally = drafts.entry(shot.clone()).or_default();
            let best = |b: &mut Option<f64>, x: f64| *b = Some(b.map_or(x, |y: f64| y.max(x)));
            best(&mut tally.best_adherence, scored.adherence);
            best(&mut tally.best_on_palette, scored.on_palette);
            best(&mut tally.best_sharpness, scored.sharpness);
            let near_dup = judgements.iter().any(|j| {
                j.judge == "novelty" && j.findings.iter().any(|f| f.verdict == Verdict::No)
            });
            match gate(ctx, &scored, near_dup) {
                Some(reason) => {
                    *tally.gates.entry(reason).or_default() += 1;
                    ctx.keep(ctx.ledger.record_decision(
                        &call.row.id,
                        DecisionKind::Gate,
                        reason,
                        Some(&scored.rank_key()),
                    ));
                    let e = best_failures.entry(shot).or_insert((-1.0, Vec::new()));
                    if scored.adherence > e.0 {
                        *e = (scored.adherence, scored.failed_questions.clone());
                    }
                }
                None => {
                    ctx.keep(ctx.ledger.record_decision(
                        &call.row.id,
                        DecisionKind::Gate,
                        Reason::Passed,
                        Some(&scored.rank_key()),
                    ));
                    passing.entry(shot).or_default().push(scored);
                }
            }
        }
        // Semantic refinement: restate what the best failing draft got wrong.
        for (shot, (_, qs)) in best_failures {
            if !qs.is_empty() {
                refinement.insert(
                    shot,
                    qs.iter().map(|q| restate(q)).collect::<Vec<_>>().join(", "),
                );
            }
        }
    }

    // Rank, then promote and finish on demand: the best `finals` drafts of each shot first; the
    // next ranked one (up to `keep` in all) only when a finish fails, either the call or the
    // gates on the finished image. A spare promoted "just in case" is a paid finish that is
    // thrown away whenever the first one is fine.
    let mut queue: BTreeMap<String, std::collections::VecDeque<(u32, Scored)>> = BTreeMap::new();
    let mut finished: BTreeMap<String, Vec<(Call, Vec<u8>)>> = BTreeMap::new();
    for s in shots {
        let mut list = passing.remove(&s.id).unwrap_or_default();
        if list.is_empty() {
            if !exec.stop.load(Ordering::SeqCst) {
                let why = drafts
                    .get(&s.id)
                    .map_or_else(|| "no draft was made".to_string(), |t| t.why(ctx));
                failed.push((s.id.clone(), why));
            }
            continue;
        }
        // Ranking key: adherence, on-palette share, sharpness (all descending), then attempt id.
        list.sort_by(|a, b| {
            b.adherence
                .total_cmp(&a.adherence)
                .then(b.on_palette.total_cmp(&a.on_palette))
                .then(b.sharpness.total_cmp(&a.sharpness))
                .then(a.call.row.id.cmp(&b.call.row.id))
        });
        let keep = c.finish.keep.max(s.finals) as usize;
        for (i, d) in list.iter().enumerate() {
            let reason = if i < keep {
                Reason::Spare
            } else {
                Reason::RankedOut
            };
            ctx.keep(ctx.ledger.record_decision(
                &d.call.row.id,
                DecisionKind::Rank,
                reason,
                Some(&d.rank_key()),
            ));
        }
        if ctx.opts.finish_from_draft {
            // The lottery: the candidates were made at the final size; the best are the finals.
            finished.insert(
                s.id.clone(),
                list.into_iter()
                    .take(s.finals as usize)
                    .map(|d| (d.call, d.png))
                    .collect(),
            );
            continue;
        }
        queue.insert(
            s.id.clone(),
            list.into_iter()
                .take(keep)
                .enumerate()
                .map(|(k, d)| (k as u32, d))
                .collect(),
        );
    }
    let mut short: BTreeMap<String, String> = BTreeMap::new();
    let mut wave_no = 0;
    let takes_reference = ctx.providers[&c.finish.provider].capabilities().edit;
    loop {
        let mut wave = Vec::new();
        for s in shots {
            let Some(q) = queue.get_mut(&s.id) else {
                continue;
            };
            let aspect = s.deliver.first().copied().unwrap_or(Aspect::SQUARE);
            let (w, h) = resolve_dims(c.finish.size, Some(aspect)).unwrap_or((2048, 2048));
            let have = finished.get(&s.id).map_or(0, Vec::len);
            for _ in have..s.finals as usize {
                let Some((k, d)) = q.pop_front() else { break };
                ctx.keep(ctx.ledger.record_decision(
                    &d.call.row.id,
                    DecisionKind::Rank,
                    Reason::Promoted,
                    Some(&d.rank_key()),
                ));
                let req = Request {
                    prompt: d.call.req.prompt.clone(),
                    seed: d.call.req.seed,
                    width: w,
                    height: h,
                    quality: c.finish.quality,
                    reference: takes_reference.then(|| d.png.clone()),
                    op: Default::default(),
                };
                wave.push(exec.call(Tier::Finish, 1, k, &s.id, &c.finish.provider, req));
            }
        }
        if wave.is_empty() || exec.stop.load(Ordering::SeqCst) {
            break;
        }
        wave_no += 1;
        say(
            ctx,
            &if wave_no == 1 {
                format!("finish: {}", count_calls(ctx, &wave))
            } else {
                format!(
                    "finish: {} more (a finish failed; next ranked draft)",
                    count_calls(ctx, &wave)
                )
            },
        );
        for (call, done) in exec.execute(wave).await {
            let shot = call.row.shot.clone();
            match done {
                Done::Image(png) => {
                    // Finished images are judged again: a finish may lose what the draft had.
                    let Some((scored, judgements)) = judge(ctx, brand, &call, &png, &[], None)
                    else {
                        short.insert(shot, "the finished image could not be judged".into());
                        continue;
                    };
                    for j in judgements.iter().filter(|j| j.judge != "novelty") {
                        let json = serde_json::to_string(j).unwrap_or_default();
                        ctx.keep(
                            ctx.ledger
                                .record_score(&call.row.id, &j.judge, j.score, &json),
                        );
                    }
                    let verdict = gate(ctx, &scored, false);
                    ctx.keep(ctx.ledger.record_decision(
                        &call.row.id,
                        DecisionKind::FinishGate,
                        verdict.unwrap_or(Reason::Passed),
                        Some(&scored.rank_key()),
                    ));
                    match verdict {
                        None => finished.entry(shot).or_default().push((call, png)),
                        Some(reason) => {
                            short.insert(
                                shot,
                                format!("the finished image failed its gate: {reason}"),
                            );
                        }
                    }
                }
                Done::Failed(why) => {
                    short.insert(shot, format!("finish failed: {why}"));
                }
                Done::OverBudget => {}
            }
        }
    }

    // Deliver every final in every aspect ratio.
    if !finished.is_empty() {
        say(ctx, &format!("deliver: {} shot(s)", finished.len()));
    }
    let mut deliverables = Vec::new();
    for s in shots {
        let Some(list) = finished.get(&s.id) else {
            continue;
        };
        for (k, (call, png)) in list.iter().take(s.finals as usize).enumerate() {
            if exec.stop.load(Ordering::SeqCst) && ctx.fatal_set() {
                break;
            }
            match crate::deliver::deliver(ctx, exec, s, k, call, png).await {
                Ok(mut d) => deliverables.append(&mut d),
                Err(why) => failed.push((s.id.clone(), why)),
            }
        }
    }
    // Shots with a promotable draft that end with fewer finals than asked.
    for s in shots {
        let tried = queue.contains_key(&s.id) || finished.contains_key(&s.id);
        let n = finished.get(&s.id).map_or(0, Vec::len);
        if !tried || n >= s.finals as usize || exec.stop.load(Ordering::SeqCst) {
            continue;
        }
        let why = match short.get(&s.id) {
            Some(why) => format!("{n} of {} finals finished; {why}", s.finals),
            None => format!("{n} of {} finals finished", s.finals),
        };
        failed.push((s.id.clone(), why));
    }
    failed.sort();
    failed.dedup();
    (deliverables, failed)
}

/// The vision judge over a batch of drafts: one call per image, as many at once as the vision
/// provider allows. Each call is an attempt of tier `judge` in the ledger: its worst case is
/// reserved against the budget before it is sent, its reported cost settled after, and its reply
/// stored, so a resumed run reuses the answer instead of asking again.
async fn vision_round(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    results: &[(Call, Done)],
) -> BTreeMap<String, Judgement> {
    let Some(name) = ctx.campaign.vision.clone() else {
        return BTreeMap::new();
    };
    let (Some(_), Some(sem)) = (
        ctx.providers.get(&name).cloned(),
        exec.sems.get(&name).cloned(),
    ) else {
        return BTreeMap::new();
    };
    let mut handles = Vec::new();
    for (call, done) in results {
        let Done::Image(png) = done else { continue };
        let Ok(scene) = darkroom_prompt::parse(&call.req.prompt) else {
            continue;
        };
        let (ctx, sem, stop, reused, denied) = (
            ctx.clone(),
            sem.clone(),
            exec.stop.clone(),
            exec.reused.clone(),
            exec.denied.clone(),
        );
        let (call, png, name) = (call.clone(), png.clone(), name.clone());
        handles.push(tokio::spawn(async move {
            let instructions = darkroom_judges::vision::instructions(&scene);
            let model = ctx.campaign.providers[&name]
                .model
                .clone()
                .unwrap_or_default();
            let row = AttemptRow {
                id: format!(
                    "{}-vision-{:08x}",
                    call.row.id,
                    hash_u64(&[&name, &model]) as u32
                ),
                shot: call.row.shot.clone(),
                tier: Tier::Judge,
                round: call.row.round,
                variant: call.row.variant,
                provider: name.clone(),
                model,
                seed: call.row.seed,
                params:
                    serde_json::json!({"judges": call.row.id, "questions": scene.checklist.len()})
                        .to_string(),
            };
            ctx.keep(ctx.ledger.plan(std::slice::from_ref(&row)))?;
            let ins = instructions.clone();
            let worst = move |p: &AnyProvider| p.ask_price(&ins);
            let (ins, image) = (instructions.clone(), png.clone());
            let work: Work = Arc::new(move |p: &AnyProvider| {
                let (text, cost, latency) = p.ask(&ins, &image).unwrap_or_else(|| {
                    Err(ProviderError::Invalid(
                        "this provider cannot answer questions about images".into(),
                    ))
                })?;
                Ok(Reply {
                    bytes: text.into_bytes(),
                    ext: "txt",
                    cost,
                    model_version: None,
                    reported: Some(latency),
                    sleep: None,
                    mutation: None,
                })
            });
            // The same call path as the images: budget, pacing, store, settle, retry by class.
            let reply =
                match scheduled(&ctx, &sem, &stop, &reused, &denied, &row, &worst, work).await {
                    Done::Image(bytes) => String::from_utf8(bytes).ok()?,
                    Done::Failed(_) | Done::OverBudget => return None,
                };
            let img = darkroom_imageops::decode_png(&png, &call.row.id, 1 << 26).ok()?;
            let view = ImageRef {
                width: img.width,
                height: img.height,
                rgb: &img.rgb,
            };
            let j =
                darkroom_judges::vision::VisionJudge::new(Box::new(move |_, _| Ok(reply.clone())))
                    .judge(view, &scene);
            Some((call.row.id.clone(), j))
        }));
    }
    let mut out = BTreeMap::new();
    for h in handles {
        if let Ok(Some((id, j))) = h.await {
            out.insert(id, j);
        }
    }
    out
}

/// "32 calls", or what of them the ledger already has: a rerun that calls nothing says so.
fn count_calls(ctx: &Ctx, calls: &[Call]) -> String {
    let done = calls
        .iter()
        .filter(|c| ctx.ledger.is_done(&c.row.id).unwrap_or(false))
        .count();
    match (calls.len(), done) {
        (n, 0) => format!("{n} calls"),
        (n, d) if d == n => format!("{n} calls, all done earlier (reused, nothing sent)"),
        (n, d) => format!("{} calls ({d} more done earlier, reused)", n - d),
    }
}

/// Reports progress, one plain line per stage, when the caller asked for it.
fn say(ctx: &Ctx, line: &str) {
    if let Some(f) = ctx.opts.progress {
        f(line);
    }
}

/// The first Ctrl-C (SIGINT) stops scheduling: calls in flight finish and are recorded, and the
/// run ends with what it has. A second one exits at once; the calls it cuts off are left `sent`
/// and reconciled by the next run. The handler is registered before this returns, so a signal
/// that arrives after any progress line is always caught.
fn listen_for_signals(exec: &Exec, progress: Option<fn(&str)>) -> Result<(), EngineError> {
    let (stop, interrupted) = (exec.stop.clone(), exec.interrupted.clone());
    let first = move |name: &str| {
        interrupted.store(true, Ordering::SeqCst);
        stop.store(true, Ordering::SeqCst);
        if let Some(f) = progress {
            f(&format!("interrupted ({name}): finishing the calls in flight, sending nothing new (Ctrl-C again to quit now)"));
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
            Done::Failed(Failure::new("invalid", "no result")),
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

//! The funnel engine: a validated campaign in, delivered files and a ledger out.
//!
//! ```text
//! draft rounds ─▶ judge ─▶ gate + rank ─▶ finish ─▶ deliver (every aspect, pixel size checked)
//! ```
//! Every provider call goes through the ledger's budget guard (worst case reserved in the same
//! transaction that marks the call sent), runs on a tokio runtime within its provider's
//! concurrency, is retried by error class (transient with exponential backoff, rate limits after
//! the provider's hint, refusals never), and is settled with its actual cost. An attempt whose
//! deterministic id is already done is not called again, so a second run resumes where the first
//! stopped; calls left in flight by a crash are reconciled at start. One failed call never stops
//! the run: it is recorded, and reflected in the exit status.

pub mod agreement;
pub mod audit;
pub mod fix;
mod pace;
pub mod photos;
pub mod report;
mod scheduler;
pub mod simulate;
mod stages;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use darkroom_campaign::{Campaign, ProviderKind};
use darkroom_ledger::{Ledger, Store, Totals};
use darkroom_providers::sim::{profile, Sim, FAST_DRAFT};
use darkroom_providers::sketch::Sketch;
use darkroom_providers::AnyProvider;

pub use report::{write_report, ReportWritten, PAGE_SHOTS};
pub use stages::deliver::Deliverable;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides the campaign's budget cap (in the campaign's unit: USD when `money` is set,
    /// credits otherwise).
    pub budget: Option<f64>,
    /// Only this shot.
    pub only: Option<String>,
    /// Sleep for the `sim` provider's latencies (load and crash tests); otherwise they are only
    /// recorded.
    pub realtime: bool,
    /// Where the `sim` providers log every billed call (crash tests count executions with it).
    pub sim_call_log: Option<PathBuf>,
    /// Stop scheduling on Ctrl-C (SIGINT), SIGTERM or SIGHUP instead of dying: calls in flight
    /// finish and are recorded, nothing new is sent, the run ends `interrupted`. Only for a
    /// process that owns its signals (the CLI).
    pub ctrl_c: bool,
    /// Pay again for results the ledger says were bought but the store no longer has. Without
    /// it such a run stops before calling anything and says what re-buying would cost.
    pub rebuy: bool,
    /// Promote drafts as finals without a finish call: the "lottery" strategy, where every
    /// candidate is already made on the final model at the final size.
    pub finish_from_draft: bool,
    /// Called with one plain line as each stage starts (draft rounds, finish, deliver).
    pub progress: Option<fn(&str)>,
    /// Called as each call of the current batch ends: `(ended, batch size)`; a terminal turns
    /// it into a progress bar under the stage's line.
    pub tick: Option<fn(usize, usize)>,
    /// Work as this worker, one of several on a shared (PostgreSQL) ledger: no folder lock, the
    /// calls it sends leased to it and kept alive by heartbeats, and the calls and deliveries
    /// of workers whose heartbeat stopped taken over. `run` on a shared ledger is a worker too,
    /// named after its host and process.
    pub worker: Option<String>,
    /// Seconds a worker's heartbeat may be silent before its leases are taken over (30 by
    /// default).
    pub lease: Option<f64>,
    /// On a shared ledger, make this run's cap the campaign's cap for every worker (logged in
    /// the ledger); without it a cap that differs from the recorded one is refused.
    pub change_cap: bool,
}

/// A run that could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The ledger or the store failed.
    #[error(transparent)]
    Ledger(#[from] darkroom_ledger::LedgerError),
    /// A file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A comfyui provider's workflow cannot be read or does not have the declared inputs.
    #[error("providers.{0}: workflow `{1}`: {2}")]
    Workflow(String, String, String),
    /// The campaign has not run yet: there is no ledger to report on.
    #[error("no ledger at `{0}`: run the campaign first (`darkroom run CAMPAIGN`)")]
    NoLedger(String),
    /// The report could not be written.
    #[error(transparent)]
    Report(#[from] darkroom_report::ReportError),
    /// A provider's API key is not in the environment.
    #[error("providers.{0}: the API key variable `{1}` is not set (export {1}=…, or name another variable with `api_key_env`)")]
    MissingKey(String, String),
    /// A shot's text names a font that cannot be used.
    #[error("{0}")]
    Font(String),
    /// The signing identity for Content Credentials cannot be used.
    #[error("provenance: {0}")]
    Provenance(#[from] darkroom_provenance::ProvenanceError),
    /// `[campaign] deliverables = "bucket"` without a bucket.
    #[error("{0}")]
    NoBucket(String),
    /// `--only` names no shot.
    #[error("no shot `{0}` in the campaign; shots: {1}")]
    NoShot(String, String),
    /// The run failed, and the ledger could not record that it ended either.
    #[error("{cause}; the ledger could not record how the run ended either ({ledger}), so it still says `running` and the next run marks it crashed")]
    Unrecorded {
        /// Why the run stopped.
        cause: Box<EngineError>,
        /// Why its end was not recorded.
        ledger: darkroom_ledger::LedgerError,
    },
    /// A single call (a fix) failed for good.
    #[error("{provider}: the call failed ({class}): {message}")]
    CallFailed {
        /// The provider's name.
        provider: String,
        /// The error class the scheduler acted on.
        class: String,
        /// What happened.
        message: String,
    },
    /// The budget cannot cover a single call (a fix).
    #[error("stopped by the budget: {0}")]
    OverBudget(String),
    /// Paid results are missing from the store; re-buying them needs the user's word.
    #[error("{count} paid result(s) are missing from the store `{store}` (deleted?); nothing was called. `{rebuy}` pays for them again, about {cost:.3} {unit}")]
    MissingResults {
        /// How many done attempts lost their asset.
        count: usize,
        /// What they cost when they were bought.
        cost: f64,
        /// `USD` or `credits`.
        unit: &'static str,
        /// The store folder.
        store: String,
        /// The command that re-buys them.
        rebuy: &'static str,
    },
    /// A stored result's bytes are not the hash they are filed under (changed on disk).
    #[error("the stored result `{path}` of {attempt} is damaged (its bytes no longer match its hash); nothing was bought again. `darkroom run --rebuy` fetches it again from a vendor that keeps it, and otherwise buys it again")]
    Damaged {
        /// The file.
        path: String,
        /// Its attempt.
        attempt: String,
    },
    /// The ledger file is gone but the store beside it holds paid results: a run would buy
    /// them all again without knowing it.
    #[error("the ledger `{ledger}` is missing, but the store `{store}` holds {count} paid result(s): a run now would buy them all again. If the ledger was moved or renamed, put it back; to start over on purpose, move the output folder `{out}` aside (or delete `{store}` with it)")]
    LedgerGone {
        /// The ledger file.
        ledger: String,
        /// The store folder.
        store: String,
        /// Files in it.
        count: usize,
        /// The output folder.
        out: String,
    },
}

impl EngineError {
    /// Whether the error is the environment's (a full disk, an unwritable folder), not a bug:
    /// the run can resume once it is fixed.
    pub fn is_io(&self) -> bool {
        match self {
            EngineError::Io { .. } => true,
            EngineError::Ledger(e) => e.is_io(),
            EngineError::Unrecorded { cause, .. } => cause.is_io(),
            _ => false,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Files delivered.
    pub deliverables: Vec<Deliverable>,
    /// Shots that could not be delivered, with why.
    pub failed_shots: Vec<(String, String)>,
    /// Whether the budget stopped the run.
    pub budget_exhausted: bool,
    /// Whether Ctrl-C stopped the run.
    pub interrupted: bool,
    /// Spend and counts from the ledger.
    pub totals: Totals,
    /// Calls answered from the ledger instead of the provider (resumed work).
    pub reused: u64,
    /// Shots left alone because nothing changed since their files were written (their calls
    /// are not looked up, so not in `reused`).
    pub unchanged: usize,
    /// Calls sent to a provider in this run, retries included.
    pub sent: u64,
    /// When the budget stopped the run: the cap, what was committed, and what the next call
    /// (or the next shot, expected) needed.
    pub budget_stop: Option<BudgetStop>,
    /// The unit spend is counted in: `USD` or `credits`.
    pub unit: &'static str,
    /// Finals kept back until a person approves them (`[review] required`): `(shot, attempt)`.
    pub awaiting_review: Vec<(String, String)>,
}

/// Why the budget stopped a run, in the campaign's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStop {
    /// The cap.
    pub cap: f64,
    /// Spent and reserved when it stopped.
    pub committed: f64,
    /// What the refused call's worst case needed, or the next shot's expected cost.
    pub needed: f64,
    /// What needed it (a call's tier and shot, or a shot not started).
    pub what: String,
}

impl std::fmt::Display for BudgetStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cap {:.3}, committed {:.3}, left {:.3}; {} needed {:.3}",
            self.cap,
            self.committed,
            (self.cap - self.committed).max(0.0),
            self.what,
            self.needed
        )
    }
}

impl RunReport {
    /// Whether everything asked was delivered.
    pub fn complete(&self) -> bool {
        self.failed_shots.is_empty() && !self.budget_exhausted && !self.interrupted
    }
}

/// The prompt an attempt was asked with, from its ledger row's `params` (written by the
/// scheduler as `{"prompt", "width", "height", "quality"}`).
pub fn prompt_of_params(params: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(params)
        .ok()?
        .get("prompt")?
        .as_str()
        .map(str::to_string)
}

/// What a campaign's `[provenance]` asks to sign with.
pub fn signing(c: &Campaign) -> darkroom_provenance::identity::Signing {
    darkroom_provenance::identity::Signing {
        cert: c.provenance.cert.as_ref().map(PathBuf::from),
        key: c.provenance.key.as_ref().map(PathBuf::from),
    }
}

/// The identity a campaign's deliverables are signed with: its certificate, the environment's,
/// or the output folder `out`'s local identity (made on first use); its signatures
/// time-stamped by the campaign's (or the environment's) time-stamp authority.
pub fn signing_identity(
    c: &Campaign,
    out: &Path,
) -> Result<darkroom_provenance::Identity, EngineError> {
    let tsa = tsa_url(Some(c)).map(|u| time_stamper(&u));
    Ok(darkroom_provenance::identity::resolve(&signing(c), out)?.with_tsa(tsa))
}

/// The time-stamp authority signatures get their token from: the campaign's
/// `[provenance] tsa_url`, else `DARKROOM_C2PA_TSA`, else none.
pub fn tsa_url(c: Option<&Campaign>) -> Option<String> {
    c.and_then(|c| c.provenance.tsa_url.clone()).or_else(|| {
        std::env::var(darkroom_provenance::TSA_VAR)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
}

/// A time-stamp authority reached through darkroom's HTTP client (RFC 3161 over HTTP: a POST
/// of `application/timestamp-query`). A TSA is a free public service or the signer's CA; it
/// costs nothing, so its calls are not the provider call path's.
pub fn time_stamper(url: &str) -> darkroom_provenance::Tsa {
    let client = darkroom_providers::http::Client::new(std::time::Duration::from_secs(30));
    let post: darkroom_provenance::Post = Arc::new(move |url: &str, body: &[u8]| {
        let shown = darkroom_provenance::tsa::shown_url(url);
        let r = client
            .send(
                "POST",
                url,
                &[],
                Some(("application/timestamp-query", body.to_vec())),
                None,
            )
            .map_err(|e| e.to_string().replace(url, &shown))?;
        if r.status != 200 {
            let text = String::from_utf8_lossy(&r.body[..r.body.len().min(200)]).into_owned();
            return Err(format!("HTTP {}: {}", r.status, text.trim()));
        }
        Ok(r.body)
    });
    darkroom_provenance::Tsa::new(url, post)
}

/// The engine's view of one campaign.
pub(crate) struct Ctx {
    pub campaign: Campaign,
    /// The fonts the shots' texts name, opened (the bundled one under `""`).
    pub fonts: BTreeMap<String, darkroom_typeset::Font>,
    /// Who signs the deliverables' Content Credentials (`None`: `[provenance] enabled = false`).
    pub identity: Option<darkroom_provenance::Identity>,
    pub opts: Options,
    pub out: PathBuf,
    pub ledger: Arc<Ledger>,
    pub store: Store,
    pub providers: BTreeMap<String, Arc<AnyProvider>>,
    pub cap: Option<f64>,
    pub in_money: bool,
    /// Providers with a `rate_limit`, and their pacers.
    pub pacers: BTreeMap<String, pace::Pacer>,
    /// Set to stop scheduling (budget, signal, a fatal error): nothing new is sent.
    pub stop: Arc<std::sync::atomic::AtomicBool>,
    /// The first error that must end the run (the ledger or the disk failed): the run stops
    /// scheduling and ends `error` with it, instead of carrying on with accounts it cannot keep.
    pub fatal: std::sync::Mutex<Option<EngineError>>,
    /// Calls sent to a provider in this run, retries included.
    pub sent: std::sync::atomic::AtomicU64,
    /// What people decided in `darkroom review`, per attempt, as the run opened: approvals and
    /// rejections steer promotion and delivery, verdicts on questions override the judges.
    pub human: BTreeMap<String, darkroom_ledger::Standing>,
}

impl Ctx {
    /// Keeps a ledger (or store) write's result: an error stops the run (see [`Ctx::fatal`]).
    pub(crate) fn keep<T>(&self, r: Result<T, darkroom_ledger::LedgerError>) -> Option<T> {
        match r {
            Ok(x) => Some(x),
            Err(e) => {
                self.fail(EngineError::Ledger(e));
                None
            }
        }
    }

    /// Records the error that ends the run (the first one wins) and stops scheduling.
    pub(crate) fn fail(&self, e: EngineError) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut slot = self.fatal.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
    }

    /// The bytes of a done attempt's result, from the store (found by hash, so the ledger's
    /// recorded path does not depend on the folder an earlier run was started from).
    ///
    /// The bytes are checked against their hash: a file changed on disk is not judged or
    /// delivered as the paid result; the run stops naming it (`--rebuy` buys it again).
    pub(crate) fn done_bytes(&self, id: &str) -> Option<Vec<u8>> {
        let (hash, _) = self.keep(self.ledger.done_asset(id))??;
        let path = self.store.find(&hash)?;
        let bytes = std::fs::read(&path).ok()?;
        if darkroom_ledger::content_hash(&bytes) != hash {
            self.fail(EngineError::Damaged {
                path: path.display().to_string(),
                attempt: id.to_string(),
            });
            return None;
        }
        Some(bytes)
    }

    /// Whether an error has ended the run.
    pub(crate) fn fatal_set(&self) -> bool {
        self.fatal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The unit spend is counted in.
    pub(crate) fn unit(&self) -> &'static str {
        if self.in_money {
            "USD"
        } else {
            "credits"
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EngineError + '_ {
    move |source| EngineError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A `sim` provider from its campaign entry: the named profile with the entry's overrides.
fn sim_provider(name: &str, p: &darkroom_campaign::Provider) -> Sim {
    Sim::new(name.to_string(), sim_profile(p))
}

/// A `sim` entry's profile: the built-in one its `model` names, with the campaign's overrides.
fn sim_profile(p: &darkroom_campaign::Provider) -> darkroom_providers::sim::Profile {
    let mut prof = p.model.as_deref().and_then(profile).unwrap_or(FAST_DRAFT);
    let o = &p.sim;
    if let Some(t) = o.transient {
        prof.p_server_error = t;
        prof.p_timeout = 0.0;
    }
    if let Some(r) = o.refusal {
        prof.p_refusal = r;
    }
    if let Some(r) = o.rate_limited {
        prof.p_rate_limited = r;
    }
    if let Some(m) = o.latency_median {
        prof.median_s = m.max(1e-6);
        prof.p95_s = o.latency_p95.unwrap_or(m).max(prof.median_s);
    }
    let d = &mut prof.drops;
    for (slot, x) in [&mut d.relation, &mut d.count, &mut d.color, &mut d.entity]
        .into_iter()
        .zip(o.drops)
    {
        if let Some(x) = x {
            *slot = x;
        }
    }
    if let Some(h) = o.hue_drift {
        prof.hue_drift_deg = h;
    }
    prof
}

/// What stops a campaign's files from being delivered anywhere: `deliverables = "bucket"` with
/// no bucket (the file's `store`, or DARKROOM_STORE, known only once the environment is read).
pub fn delivery_problem(campaign: &Campaign) -> Option<String> {
    (campaign.deliver_to == darkroom_campaign::DeliverTo::Bucket && campaign.store.is_none()).then(|| {
        "campaign.deliverables: `bucket` needs a bucket: set store = \"s3://BUCKET/PREFIX\" in [campaign] (or DARKROOM_STORE), or deliver to `folder` or `both`".to_string()
    })
}

/// What stops a campaign's ledger from being shared safely: a PostgreSQL ledger with no bucket.
/// Workers on other machines would find a call `done` whose image they cannot read, and pay for
/// it again; `check`, `run` and `worker` refuse it before anything is spent.
pub fn sharing_problem(campaign: &Campaign) -> Option<String> {
    let shared = campaign
        .ledger
        .as_deref()
        .is_some_and(darkroom_core::dsn::is_postgres);
    (shared && campaign.store.is_none()).then(|| {
        "campaign.store: a shared ledger (PostgreSQL) needs a shared store: without one, a worker on another machine finds results done whose images it cannot read and would pay for them again; set store = \"s3://BUCKET/PREFIX\" in [campaign] (or DARKROOM_STORE), or leave `ledger` out to work on this machine's file".to_string()
    })
}

/// Where a campaign's ledger is (`[campaign] ledger`, else the output folder's `darkroom.db`).
pub fn ledger_location(campaign: &Campaign, out: &Path) -> darkroom_ledger::Location {
    darkroom_ledger::Location::of(campaign.ledger.as_deref(), out)
}

/// Opens a campaign's ledger wherever it is.
pub fn open_ledger(campaign: &Campaign, out: &Path) -> Result<Ledger, EngineError> {
    Ok(Ledger::open_at(
        &ledger_location(campaign, out),
        &campaign.name,
    )?)
}

/// The draft pass rate to expect, and where the figure comes from: what this campaign's ledger
/// measured if it has judged drafts; for a `sim` draft tier, the profile's instruction drop
/// rates over the shots' prompts; otherwise unknown.
pub fn expected_pass_rate(campaign: &Campaign, base: &Path) -> Option<(f64, String)> {
    let db = ledger_location(campaign, &base.join(&campaign.output));
    if db.exists() {
        if let Ok((passed, judged)) =
            Ledger::open_at(&db, &campaign.name).and_then(|l| l.gate_counts())
        {
            if judged > 0 {
                return Some((
                    passed as f64 / judged as f64,
                    format!(
                        "measured: {passed} of {judged} drafts passed in this campaign's ledger"
                    ),
                ));
            }
        }
    }
    let dp = campaign.providers.get(&campaign.draft.provider)?;
    if dp.kind != ProviderKind::Sim || campaign.shots.is_empty() {
        return None;
    }
    let profile = sim_profile(dp);
    let rates: Vec<f64> = campaign
        .shots
        .iter()
        .filter_map(|s| darkroom_prompt::parse(&s.prompt).ok())
        .map(|scene| profile.keeps_all(&scene))
        .collect();
    if rates.is_empty() {
        return None;
    }
    Some((
        rates.iter().sum::<f64>() / rates.len() as f64,
        format!(
            "the simulated `{}` profile keeps every instruction this often",
            profile.name
        ),
    ))
}

/// The wall time a run of `campaign` is expected to take, from the latencies its ledger
/// measured (per tier, divided by each tier's provider concurrency); `None` before a run.
pub fn measured_seconds(
    campaign: &Campaign,
    base: &Path,
    draft_calls: u32,
    finish_calls: u32,
) -> Option<f64> {
    let db = ledger_location(campaign, &base.join(&campaign.output));
    if !db.exists() {
        return None;
    }
    let lat = Ledger::open_at(&db, &campaign.name)
        .ok()?
        .latencies()
        .ok()?;
    let mean = |tiers: &[&str]| {
        let v: Vec<f64> = lat
            .iter()
            .filter(|(t, ..)| tiers.contains(&t.as_str()))
            .map(|x| x.3)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let conc = |name: &str| {
        campaign
            .providers
            .get(name)
            .map_or(1.0, |p| f64::from(p.concurrency.max(1)))
    };
    let draft = mean(&["draft"])?;
    let finish = mean(&["finish", "deliver"]).unwrap_or(draft);
    Some(
        f64::from(draft_calls) * draft / conc(&campaign.draft.provider)
            + f64::from(finish_calls) * finish / conc(&campaign.finish.provider),
    )
}

/// Any provider from a campaign-style entry (for `audit models` and other callers outside a
/// run): built in, simulated, or HTTP with its key read from the environment.
pub fn provider_for(
    name: &str,
    p: &darkroom_campaign::Provider,
) -> Result<AnyProvider, EngineError> {
    match p.kind {
        ProviderKind::Sketch => Ok(AnyProvider::Sketch(Sketch::new(name.to_string()))),
        ProviderKind::Sim => Ok(AnyProvider::Sim(Box::new(sim_provider(name, p)))),
        _ => http_provider(name, p),
    }
}

/// Builds an HTTP provider from its campaign entry, reading its key from the environment.
fn http_provider(name: &str, p: &darkroom_campaign::Provider) -> Result<AnyProvider, EngineError> {
    http_provider_with(name, p, &|var| std::env::var(var).ok())
}

/// Builds an HTTP provider from its campaign entry, its key read by `key` (the environment).
fn http_provider_with(
    name: &str,
    p: &darkroom_campaign::Provider,
    key: &dyn Fn(&str) -> Option<String>,
) -> Result<AnyProvider, EngineError> {
    let timeout = std::time::Duration::from_secs_f64(p.timeout);
    // Self-hosted servers take no key; several of them are one pool.
    let one = |url: Option<String>| -> Result<Option<AnyProvider>, EngineError> {
        Ok(match p.kind {
            ProviderKind::A1111 => Some(AnyProvider::A1111(darkroom_providers::a1111::A1111::new(
                name.to_string(),
                p.model.clone(),
                url,
                timeout,
            ))),
            ProviderKind::ComfyUi => Some(AnyProvider::ComfyUi(
                darkroom_providers::comfyui::ComfyUi::new(
                    name.to_string(),
                    url,
                    timeout,
                    workflow(name, p)?,
                ),
            )),
            _ => None,
        })
    };
    if !p.pool.is_empty() {
        let mut members = Vec::new();
        for url in &p.pool {
            if let Some(m) = one(Some(url.clone()))? {
                members.push((url.clone(), m));
            }
        }
        if !members.is_empty() {
            return Ok(AnyProvider::Pool(Box::new(
                darkroom_providers::pool::Pool::new(name.to_string(), members),
            )));
        }
    }
    if let Some(single) = one(p.base_url.clone())? {
        return Ok(single);
    }
    // A server of the user's own takes no key (`api_key_env = ""`): none is sent.
    let key = if p.is_own_server() {
        String::new()
    } else {
        let var = p.key_env().unwrap_or_default();
        key(&var)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| EngineError::MissingKey(name.to_string(), var.clone()))?
    };
    let key = darkroom_providers::http::Secret::new(key.trim());
    let model = p.model_or_default().unwrap_or_default().to_string();
    Ok(match p.kind {
        ProviderKind::Gemini => AnyProvider::Gemini(darkroom_providers::gemini::Gemini::new(
            name.to_string(),
            model,
            key,
            p.base_url.clone(),
            timeout,
        )),
        ProviderKind::OpenAi => AnyProvider::OpenAi(darkroom_providers::openai::OpenAi::new(
            name.to_string(),
            model,
            key,
            p.base_url.clone(),
            timeout,
        )),
        ProviderKind::Stability => {
            AnyProvider::Stability(darkroom_providers::stability::Stability::new(
                name.to_string(),
                model,
                key,
                p.base_url.clone(),
                timeout,
            ))
        }
        // Built in: `provider_for` makes them; nothing reaches here.
        ProviderKind::Sketch | ProviderKind::Sim | ProviderKind::A1111 | ProviderKind::ComfyUi => {
            return provider_for(name, p)
        }
    })
}

/// The cost the ledger books for an image from provider `name`: the campaign's `prices`
/// override for the request's size where it has one, else what the provider reports.
pub fn priced(
    campaign: &Campaign,
    name: &str,
    req: &darkroom_core::provider::Request,
) -> impl Fn(darkroom_core::provider::Cost) -> darkroom_core::provider::Cost + Send + Sync + 'static
{
    let usd = campaign
        .providers
        .get(name)
        .and_then(|p| p.prices)
        .and_then(|x| x.usd(req.width, req.height));
    move |reported| match usd {
        Some(usd) => darkroom_core::provider::Cost::from_usd(usd),
        None => reported,
    }
}

/// Reads a comfyui provider's workflow file and checks it against the declared inputs:
/// the workflow, or the file as shown and every problem with it.
fn load_workflow(
    p: &darkroom_campaign::Provider,
) -> Result<darkroom_providers::comfyui::Workflow, (String, Vec<String>)> {
    let path = p.workflow.clone().unwrap_or_default();
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| (shown.clone(), vec![format!("cannot read it: {e}")]))?;
    darkroom_providers::comfyui::Workflow::parse(&text, &p.inputs).map_err(|errs| (shown, errs))
}

/// A comfyui provider's workflow, or the error that names the file and its problems.
fn workflow(
    name: &str,
    p: &darkroom_campaign::Provider,
) -> Result<darkroom_providers::comfyui::Workflow, EngineError> {
    load_workflow(p)
        .map_err(|(shown, errs)| EngineError::Workflow(name.into(), shown, errs.join("; ")))
}

fn store_dir(out: &Path) -> String {
    out.join("store").display().to_string()
}

/// Problems with the files a campaign's providers read (comfyui workflows), one message each,
/// so `check` reports them with the campaign's own before anything runs.
pub fn provider_file_problems(campaign: &Campaign) -> Vec<String> {
    let mut out = Vec::new();
    for (name, p) in &campaign.providers {
        if p.kind != ProviderKind::ComfyUi {
            continue;
        }
        if let Err((shown, errs)) = load_workflow(p) {
            for e in errs {
                out.push(format!("providers.{name}: workflow `{shown}`: {e}"));
            }
        }
    }
    out
}

/// A cheap health check of every provider the tiers and the vision judge use (authentication,
/// model exists):
/// `(provider, Ok(what answered) | Err(why))`. Built-in providers need no check.
pub fn ping_providers(campaign: &Campaign) -> Vec<(String, Result<String, String>)> {
    let mut out = Vec::new();
    for (name, p) in &campaign.providers {
        let used = campaign.draft.provider == *name
            || campaign.finish.provider == *name
            || campaign.vision.as_deref() == Some(name.as_str());
        if !used {
            continue;
        }
        let r = match p.kind {
            ProviderKind::Sketch | ProviderKind::Sim => Ok("built in; nothing to ping".to_string()),
            _ => match http_provider(name, p) {
                Ok(any) => ping_one(&any),
                Err(e) => Err(e.to_string()),
            },
        };
        out.push((name.clone(), r));
    }
    out
}

/// Pings one provider (each server of a pool: it is usable when one answers).
fn ping_one(p: &AnyProvider) -> Result<String, String> {
    let said = |e: darkroom_core::provider::ProviderError| format!("{} ({})", e, e.class());
    match p {
        AnyProvider::Gemini(g) => g.ping().map_err(said),
        AnyProvider::OpenAi(o) => o.ping().map_err(said),
        AnyProvider::Stability(st) => st.ping().map_err(said),
        AnyProvider::A1111(a) => a.ping().map_err(said),
        AnyProvider::ComfyUi(c) => c.ping().map_err(said),
        AnyProvider::Pool(pool) => {
            let each: Vec<(&str, Result<String, String>)> =
                pool.members().map(|(url, m)| (url, ping_one(m))).collect();
            let up = each.iter().filter(|x| x.1.is_ok()).count();
            let list: Vec<String> = each
                .iter()
                .map(|(u, r)| match r {
                    Ok(_) => format!("{u} ok"),
                    Err(e) => format!("{u} FAILED: {e}"),
                })
                .collect();
            let line = format!("{up} of {} servers answer: {}", each.len(), list.join("; "));
            if up > 0 {
                Ok(line)
            } else {
                Err(line)
            }
        }
        AnyProvider::Sketch(_) | AnyProvider::Sim(_) => Ok("built in; nothing to ping".to_string()),
    }
}

/// What an engine session holds while it works on an output folder: the context, the folder's
/// run lock (released when this is dropped) and the ballast file set aside for a full disk.
pub(crate) struct Session {
    pub(crate) ctx: Arc<Ctx>,
    /// The folder's run lock; none for a worker (the shared ledger coordinates workers).
    _lock: Option<darkroom_ledger::RunLock>,
    ballast: PathBuf,
    /// Stops the worker's heartbeat when the session ends.
    _heart: Option<Heart>,
}

/// A worker's heartbeat: a thread that tells the shared ledger every third of the lease that
/// the worker lives, so its leases hold. When the ledger cannot be told, the run stops (its
/// leases would lapse and another worker would take its calls over).
struct Heart {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heart {
    fn start(ctx: Arc<Ctx>, id: String, lease: f64) -> Heart {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s2 = stop.clone();
        let period = std::time::Duration::from_secs_f64((lease / 3.0).max(0.05));
        let thread = std::thread::spawn(move || {
            let tick = std::time::Duration::from_millis(50);
            let mut since = std::time::Duration::ZERO;
            while !s2.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(tick);
                since += tick;
                if since < period {
                    continue;
                }
                since = std::time::Duration::ZERO;
                if let Err(e) = ctx.ledger.heartbeat(&id) {
                    ctx.fail(EngineError::Ledger(e));
                    return;
                }
                // Uploads the bucket missed while it was down, so that other workers waiting on
                // those results find them (best effort: the run's end tries again).
                if ctx.store.pending() > 0 {
                    let _ = ctx.store.flush_pending();
                }
            }
        });
        Heart {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Heart {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Opens an output folder for work: the run lock, the ledger (calls a crash left in flight
/// reconciled), the store (checked for paid results that are gone), the providers that `used`
/// names, the cap and the pacers. `rebuy` is the command that re-buys lost results, for the
/// message that asks for it. Every caller that spends — a run, a model audit, a single-file
/// fix — starts here, so the same promises hold for all of them.
use darkroom_core::text::TextBy;

pub(crate) fn open(
    campaign: Campaign,
    out: PathBuf,
    opts: Options,
    used: &dyn Fn(&str) -> bool,
    rebuy: &'static str,
) -> Result<Session, EngineError> {
    if let Some(why) = delivery_problem(&campaign).or_else(|| sharing_problem(&campaign)) {
        return Err(EngineError::NoBucket(why));
    }
    std::fs::create_dir_all(&out).map_err(io(&out))?;
    let at = ledger_location(&campaign, &out);
    // On a shared ledger every process is a worker; `run` names itself after its host and pid.
    let mut opts = opts;
    if matches!(at, darkroom_ledger::Location::Postgres(_)) && opts.worker.is_none() {
        opts.worker = Some(format!(
            "{}-{}",
            darkroom_ledger::host_name(),
            std::process::id()
        ));
    }
    // One payer per file ledger at a time, taken before the ledger is touched: a second run (or
    // a `worker` beside a `run`) would mark the live one crashed and send its calls in flight
    // again. Held until this returns. Workers of a shared ledger are coordinated by its leases
    // instead.
    let lock = match at {
        darkroom_ledger::Location::File(_) => Some(darkroom_ledger::RunLock::acquire(&out)?),
        darkroom_ledger::Location::Postgres(_) => None,
    };
    // Ballast: room set aside so that on a full disk the ledger can still record how the run
    // ended (SQLite cannot write even that when no byte is free). Released only then.
    let ballast = out.join(".darkroom-reserve");
    if !ballast.exists() {
        // Best effort: on a disk already full there is nothing to set aside.
        if std::fs::write(&ballast, vec![0u8; 128 * 1024]).is_err() {
            let _ = std::fs::remove_file(&ballast);
        }
    }
    refuse_a_lone_store(&at, &out)?;
    let ledger = Ledger::open_at(&at, &campaign.name)?;
    // A file moved into a shared database is not spent on again: the database has its calls.
    ledger.check_not_moved()?;
    let lease = opts.lease.unwrap_or(30.0);
    let ledger = Arc::new(match &opts.worker {
        Some(id) => {
            let l = ledger.as_worker(id, lease);
            l.register_worker(id, &darkroom_ledger::host_name(), std::process::id())?;
            l
        }
        None => ledger,
    });
    // `text_by = "auto"` is decided from this ledger's measurements, before anything is planned;
    // a font that cannot be read is said before anything is spent.
    let mut campaign = campaign;
    let routing = text::route(&mut campaign, Some(&ledger));
    let fonts = text::fonts(&campaign).map_err(EngineError::Font)?;
    // So is a signing certificate that cannot sign (expired, another key's).
    let identity = if campaign.provenance.enabled {
        Some(signing_identity(&campaign, &out)?)
    } else {
        None
    };
    say_routing(&opts, &routing);
    let store = Store::open(out.join("store"), campaign.store.as_deref())?;
    // What this machine stored but never got into the bucket (a run the bucket stopped after a
    // paid result was written here) goes up first: other machines must find it, not buy it.
    store.upload_local()?;
    let providers = providers_of(&campaign, &opts, used)?;
    // Whether a worker lives is judged by its heartbeat on the database's clock alone (a
    // process id says nothing across containers, which share a host name but not their PIDs);
    // a worker restarted under its `--id` takes up its own calls at once, fencing the old
    // process.
    recover(&ledger, &store, &providers, &out)?;
    let in_money = campaign.budget.money.is_some();
    // The store is part of the accounts: a paid result that is gone is never re-bought
    // silently (deleting `store/` to save disk would otherwise pay for everything again).
    let mut missing = ledger.missing_assets(&store)?;
    // Asked to buy again what is lost: what is damaged (bytes not their hash) is lost too; its
    // file goes, so that the new result is filed under its hash afresh.
    if opts.rebuy {
        for (id, cost, path) in ledger.damaged_assets(&store)? {
            let _ = std::fs::remove_file(&path);
            missing.push((id, cost));
        }
    }
    if !missing.is_empty() {
        if opts.rebuy {
            let ids: Vec<String> = missing.iter().map(|(id, _)| id.clone()).collect();
            ledger.forget_lost(&ids)?;
        } else {
            let cost: f64 = missing.iter().map(|(_, c)| c).sum();
            return Err(EngineError::MissingResults {
                count: missing.len(),
                cost,
                unit: if in_money { "USD" } else { "credits" },
                store: store_dir(&out),
                rebuy,
            });
        }
    }
    let cap = opts
        .budget
        .or(campaign.budget.money.as_ref().map(|m| m.0))
        .or(campaign.budget.credits);
    // One cap per shared campaign, in its ledger: each worker applying its own file's cap would
    // let the most generous one spend for all.
    let cap = if ledger.is_shared() {
        ledger.agree_cap(
            cap,
            if in_money { "USD" } else { "credits" },
            opts.change_cap,
        )?
    } else {
        cap
    };
    let pacers = campaign
        .providers
        .iter()
        .filter_map(|(n, p)| p.rate_limit.map(|r| (n.clone(), pace::Pacer::new(r))))
        .collect();
    let human = ledger.human_standing()?;
    let ctx = Arc::new(Ctx {
        human,
        fonts,
        identity,
        campaign,
        opts,
        out,
        ledger,
        store,
        providers,
        cap,
        in_money,
        pacers,
        stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        fatal: std::sync::Mutex::new(None),
        sent: std::sync::atomic::AtomicU64::new(0),
    });
    let heart = ctx
        .opts
        .worker
        .clone()
        .map(|id| Heart::start(ctx.clone(), id, lease));
    Ok(Session {
        ctx,
        _lock: lock,
        ballast,
        _heart: heart,
    })
}

impl Session {
    /// Records that the run `run_id` ended with `e`, and returns the error to report: `e`, or,
    /// when the ledger cannot record even that (the same full disk), both.
    pub(crate) fn failed(&self, run_id: i64, e: EngineError) -> EngineError {
        // The run's own error is what the user needs; the ballast makes room for the ledger
        // to record the ending on a full disk.
        if e.is_io() {
            let _ = std::fs::remove_file(&self.ballast);
        }
        match self.ctx.ledger.finish_run_because(
            run_id,
            darkroom_ledger::RunStatus::Error,
            Some(&e.to_string()),
        ) {
            Ok(()) => e,
            // The ledger still says `running`; the next run marks it crashed.
            Err(unrecorded) => EngineError::Unrecorded {
                cause: Box::new(e),
                ledger: unrecorded,
            },
        }
    }
}

/// The campaign's providers a session calls: the built-in ones always, the others when `used`
/// names them (only those need their keys).
fn providers_of(
    campaign: &Campaign,
    opts: &Options,
    used: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, Arc<AnyProvider>>, EngineError> {
    let mut providers = BTreeMap::new();
    for (name, p) in &campaign.providers {
        let any = match p.kind {
            ProviderKind::Sketch => AnyProvider::Sketch(Sketch::new(name.clone())),
            ProviderKind::Sim => {
                let mut sim = sim_provider(name, p);
                if let Some(log) = &opts.sim_call_log {
                    sim = sim.with_call_log(log).map_err(io(log))?;
                    // Tests of the money promises: a vendor that runs and bills every request
                    // it receives (no idempotency), so a request sent twice shows twice.
                    if std::env::var_os("DARKROOM_SIM_NO_REPLAY").is_some() {
                        sim = sim.without_replay();
                    }
                }
                AnyProvider::Sim(Box::new(sim))
            }
            _ if used(name) => http_provider(name, p)?,
            _ => continue,
        };
        providers.insert(name.clone(), Arc::new(any));
    }
    Ok(providers)
}

/// What `text_by = "auto"` chose for each shot, said once as the run opens (`check` says it
/// before).
fn say_routing(opts: &Options, routing: &[text::Routing]) {
    if let Some(say) = opts.progress {
        for r in routing.iter().filter(|r| r.asked == TextBy::Auto) {
            say(&format!(
                "{}: text {} ({})",
                r.shot,
                match r.chosen {
                    TextBy::Typeset => "typeset by darkroom",
                    _ => "drawn by the model",
                },
                r.why
            ));
        }
    }
}

/// A ledger file deleted on its own (to "reset" a campaign, or by a cleanup) would make the next
/// run buy again everything its store holds: refused, saying how to start over.
fn refuse_a_lone_store(at: &darkroom_ledger::Location, out: &Path) -> Result<(), EngineError> {
    if let darkroom_ledger::Location::File(file) = at {
        if !file.exists() {
            let count = stored_files(&out.join("store"));
            if count > 0 {
                return Err(EngineError::LedgerGone {
                    ledger: file.display().to_string(),
                    store: store_dir(out),
                    count,
                    out: out.display().to_string(),
                });
            }
        }
    }
    Ok(())
}

/// What an earlier process left unsettled, put right before anything is sent: paid results it
/// stored but could not record (its journal), then calls a crash left in flight (counted as
/// spent unless their provider replays them), then journaled results whose calls were another
/// process's until reconciled just now.
fn recover(
    ledger: &Ledger,
    store: &Store,
    providers: &BTreeMap<String, Arc<AnyProvider>>,
    out: &Path,
) -> Result<(), EngineError> {
    // Paid results a full disk could not take, kept in the temp folder: stored and journaled
    // first, so that the replay below records them instead of anything buying them again.
    darkroom_ledger::journal::unspill(out, store)?;
    ledger.replay_journal(out, store)?;
    ledger.reconcile(store, |name| {
        providers
            .get(name)
            .is_some_and(|p| darkroom_core::provider::Provider::replays(p.as_ref()))
    })?;
    ledger.replay_journal(out, store)?;
    Ok(())
}

/// Uploads what the bucket missed while it was down, trying again with a growing pause for up
/// to the lease.
fn flush_uploads(ctx: &Ctx) -> Result<(), darkroom_ledger::LedgerError> {
    let patience = std::time::Duration::from_secs_f64(ctx.opts.lease.unwrap_or(30.0).max(1.0));
    let start = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(200);
    loop {
        match ctx.store.flush_pending() {
            Ok(_) => return Ok(()),
            Err(e) if start.elapsed() >= patience => return Err(e),
            Err(_) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_secs(2));
            }
        }
    }
}

/// Assets in a store folder (`ab/cd/<hash>.<ext>`, temporaries left out).
fn stored_files(root: &Path) -> usize {
    let list = |p: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    list(root)
        .iter()
        .flat_map(|a| list(a))
        .flat_map(|b| list(&b))
        .filter(|f| {
            f.is_file()
                && !f
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .count()
}

/// Providers a campaign's tiers and vision judge use (the others need no key to run).
fn campaign_uses(campaign: &Campaign) -> impl Fn(&str) -> bool + '_ {
    move |name: &str| {
        campaign.draft.provider == name
            || campaign.finish.provider == name
            || campaign.vision.as_deref() == Some(name)
    }
}

/// Runs (or resumes) a campaign. `base` resolves a relative output folder.
pub fn run(campaign: Campaign, base: &Path, opts: Options) -> Result<RunReport, EngineError> {
    let out = base.join(&campaign.output);
    if let Some(only) = &opts.only {
        if !campaign.shots.iter().any(|s| &s.id == only) {
            let ids: Vec<&str> = campaign.shots.iter().map(|s| s.id.as_str()).collect();
            return Err(EngineError::NoShot(only.clone(), ids.join(", ")));
        }
    }
    let used: std::collections::BTreeSet<String> = campaign
        .providers
        .keys()
        .filter(|n| campaign_uses(&campaign)(n))
        .cloned()
        .collect();
    let session = open(
        campaign,
        out,
        opts,
        &|n| used.contains(n),
        "darkroom run --rebuy",
    )?;
    let ctx = session.ctx.clone();
    let ledger = ctx.ledger.clone();
    // The run and the shots it takes up, in the ledger: `status` says how each
    // run ended and where each shot stands.
    let run_id = ledger.start_run(&ctx.campaign.name)?;
    let shots: Vec<(String, String, u32)> = ctx
        .campaign
        .shots
        .iter()
        .filter(|s| ctx.opts.only.as_ref().is_none_or(|o| *o == s.id))
        .map(|s| (s.id.clone(), s.prompt.clone(), s.finals))
        .collect();
    for (id, prompt, finals) in &shots {
        ledger.record_shot(
            run_id,
            id,
            prompt,
            *finals,
            darkroom_ledger::ShotStatus::Planned,
            None,
        )?;
    }
    let report = match stages::run(ctx.clone()) {
        Ok(r) => r,
        Err(e) => return Err(session.failed(run_id, e)),
    };
    // Paid results kept here while the bucket was down go up before the run ends (for up to the
    // lease); if the bucket stays down the run ends in error, and the next run uploads them.
    if let Err(e) = flush_uploads(&ctx) {
        return Err(session.failed(run_id, EngineError::Ledger(e)));
    }
    use darkroom_ledger::ShotStatus;
    // Indexed once: a shot per lookup, not a scan of every result per shot.
    let mut whys: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (s, w) in &report.failed_shots {
        whys.entry(s.as_str()).or_default().push(w.as_str());
    }
    let delivered_shots: std::collections::BTreeSet<&str> = report
        .deliverables
        .iter()
        .map(|d| d.shot.as_str())
        .collect();
    for (id, prompt, finals) in &shots {
        let why = whys.get(id.as_str()).cloned().unwrap_or_default();
        let delivered = delivered_shots.contains(id.as_str());
        let (status, reason) = match (why.is_empty(), delivered) {
            (true, true) => (ShotStatus::Delivered, None),
            (false, _) => (ShotStatus::Failed, Some(why.join("; "))),
            // Not reached: the budget or a signal stopped the run first.
            (true, false) => (
                ShotStatus::Planned,
                if report.interrupted {
                    Some("not reached: the run was interrupted".to_string())
                } else if report.budget_exhausted {
                    Some("not reached: the budget left could not cover it".to_string())
                } else {
                    None
                },
            ),
        };
        ledger.record_shot(run_id, id, prompt, *finals, status, reason.as_deref())?;
    }
    use darkroom_ledger::RunStatus;
    let how = if report.interrupted {
        RunStatus::Interrupted
    } else if report.budget_exhausted {
        RunStatus::BudgetExhausted
    } else if !report.failed_shots.is_empty() {
        RunStatus::FailedItems
    } else {
        RunStatus::Complete
    };
    ledger.finish_run(run_id, how)?;
    // A worker that ends holds nothing: `status` shows it finished, not lost.
    if let Some(id) = ledger.worker() {
        ledger.finish_worker(id)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan's estimate and the budget's reservation price the same requests alike, for
    /// every paid family, with and without a campaign `prices` override: the estimate cannot
    /// promise less than the run will hold back.
    #[test]
    fn the_estimate_and_the_reservation_agree_for_every_family() {
        let families = [
            (
                "gemini",
                "gemini-2.5-flash-image",
                "gemini-3-pro-image-preview",
            ),
            (
                "gemini",
                "gemini-3.1-flash-image-preview",
                "gemini-3-pro-image-preview",
            ),
            ("openai", "gpt-image-1-mini", "gpt-image-1"),
            ("stability", "sd3.5-flash", "ultra"),
            ("sim", "fast-draft", "pro"),
        ];
        for (kind, draft, finish) in families {
            for prices in ["", "prices = { \"1K\" = 0.05, image = 0.5 }\n"] {
                let text = format!(
                    "[campaign]\nname = \"p\"\noutput = \"out\"\n\
                     [providers.d]\nkind = \"{kind}\"\nmodel = \"{draft}\"\n{prices}\
                     [providers.f]\nkind = \"{kind}\"\nmodel = \"{finish}\"\n{prices}\
                     [tiers.draft]\nprovider = \"d\"\nsize = \"1K\"\nvariants = 3\n\
                     [tiers.finish]\nprovider = \"f\"\nsize = \"2K\"\nkeep = 1\n\
                     [[shots]]\nid = \"a\"\nprompt = \"a red cube on a table\"\ndeliver = [\"16:9\"]\n"
                );
                let c = darkroom_campaign::load(&text, "p.toml").unwrap();
                let plan = darkroom_campaign::plan::plan(&c);
                let reserve = |name: &str, req: &darkroom_core::provider::Request| {
                    let entry = &c.providers[name];
                    let p = match entry.kind {
                        ProviderKind::Sim => provider_for(name, entry).unwrap(),
                        _ => http_provider_with(name, entry, &|_| Some("k".into())).unwrap(),
                    };
                    priced(&c, name, req)(darkroom_core::provider::Provider::price(&p, req)).usd
                };
                let s = &c.shots[0];
                let drafts: f64 = (0..3)
                    .map(|k| {
                        reserve(
                            "d",
                            &darkroom_campaign::plan::draft_request(&c, s, 1, k, &s.prompt),
                        )
                    })
                    .sum();
                let first = darkroom_campaign::plan::draft_request(&c, s, 1, 0, &s.prompt);
                let edits =
                    darkroom_core::catalog::capabilities(c.providers["f"].kind, finish).edit;
                let finish_req =
                    darkroom_campaign::plan::finish_request(&c, s, &first, edits.then(Vec::new));
                let e = &plan.estimate;
                assert!(
                    (e.draft_round_money - drafts).abs() < 1e-12,
                    "{kind} {draft} {prices}: estimate {} against reservation {drafts}",
                    e.draft_round_money
                );
                assert!(
                    (e.finish_money - reserve("f", &finish_req)).abs() < 1e-12,
                    "{kind} {finish} {prices}: estimate {} against reservation {}",
                    e.finish_money,
                    reserve("f", &finish_req)
                );
            }
        }
    }
}

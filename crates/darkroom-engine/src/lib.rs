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

mod deliver;
mod pace;
pub mod report;
mod stages;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use darkroom_campaign::{Campaign, ProviderKind};
use darkroom_ledger::{Ledger, Store, Totals};
use darkroom_providers::sim::{profile, Sim, FAST_DRAFT};
use darkroom_providers::sketch::Sketch;
use darkroom_providers::AnyProvider;

pub use deliver::Deliverable;
pub use report::build_report;

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
    /// Stop scheduling on Ctrl-C (SIGINT) instead of dying: calls in flight finish and are
    /// recorded, nothing new is sent. Only for a process that owns its terminal (the CLI).
    pub ctrl_c: bool,
    /// Promote drafts as finals without a finish call: the "lottery" strategy, where every
    /// candidate is already made on the final model at the final size.
    pub finish_from_draft: bool,
    /// Called with one plain line as each stage starts (draft rounds, finish, deliver).
    pub progress: Option<fn(&str)>,
    /// Called as each call of the current batch ends: `(ended, batch size)`; a terminal turns
    /// it into a progress bar under the stage's line.
    pub tick: Option<fn(usize, usize)>,
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
    /// `--only` names no shot.
    #[error("no shot `{0}` in the campaign; shots: {1}")]
    NoShot(String, String),
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
}

impl RunReport {
    /// Whether everything asked was delivered.
    pub fn complete(&self) -> bool {
        self.failed_shots.is_empty() && !self.budget_exhausted && !self.interrupted
    }
}

/// The engine's view of one campaign.
pub(crate) struct Ctx {
    pub campaign: Campaign,
    pub opts: Options,
    pub out: PathBuf,
    pub ledger: Arc<Ledger>,
    pub store: Store,
    pub providers: BTreeMap<String, Arc<AnyProvider>>,
    pub cap: Option<f64>,
    pub in_money: bool,
    /// Providers with a `rate_limit`, and their pacers.
    pub pacers: BTreeMap<String, pace::Pacer>,
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
    prof
}

/// The draft pass rate to expect, and where the figure comes from: what this campaign's ledger
/// measured if it has judged drafts; for a `sim` draft tier, the profile's instruction drop
/// rates over the shots' prompts; otherwise unknown.
pub fn expected_pass_rate(campaign: &Campaign, base: &Path) -> Option<(f64, String)> {
    let db = base.join(&campaign.output).join("darkroom.db");
    if db.exists() {
        if let Ok((passed, judged)) = Ledger::open(&db).and_then(|l| l.gate_counts()) {
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
    let timeout = std::time::Duration::from_secs_f64(p.timeout);
    // Self-hosted servers take no key.
    match p.kind {
        ProviderKind::A1111 => {
            return Ok(AnyProvider::A1111(darkroom_providers::a1111::A1111::new(
                name.to_string(),
                p.model.clone(),
                p.base_url.clone(),
                timeout,
            )))
        }
        ProviderKind::ComfyUi => {
            return Ok(AnyProvider::ComfyUi(
                darkroom_providers::comfyui::ComfyUi::new(
                    name.to_string(),
                    p.base_url.clone(),
                    timeout,
                    workflow(name, p)?,
                ),
            ))
        }
        _ => {}
    }
    let var = p.key_env().unwrap_or_default();
    let key = std::env::var(&var)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| EngineError::MissingKey(name.to_string(), var.clone()))?;
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
pub fn priced<'a>(
    campaign: &'a Campaign,
    name: &str,
    req: &darkroom_core::provider::Request,
) -> impl Fn(darkroom_core::provider::Cost) -> darkroom_core::provider::Cost + 'a {
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
                Ok(AnyProvider::Gemini(g)) => {
                    g.ping().map_err(|e| format!("{} ({})", e, e.class()))
                }
                Ok(AnyProvider::OpenAi(o)) => {
                    o.ping().map_err(|e| format!("{} ({})", e, e.class()))
                }
                Ok(AnyProvider::Stability(st)) => {
                    st.ping().map_err(|e| format!("{} ({})", e, e.class()))
                }
                Ok(AnyProvider::A1111(a)) => a.ping().map_err(|e| format!("{} ({})", e, e.class())),
                Ok(AnyProvider::ComfyUi(c)) => {
                    c.ping().map_err(|e| format!("{} ({})", e, e.class()))
                }
                Ok(_) => Ok("built in; nothing to ping".to_string()),
                Err(e) => Err(e.to_string()),
            },
        };
        out.push((name.clone(), r));
    }
    out
}

/// Runs (or resumes) a campaign. `base` resolves a relative output folder.
pub fn run(campaign: Campaign, base: &Path, opts: Options) -> Result<RunReport, EngineError> {
    let out = base.join(&campaign.output);
    std::fs::create_dir_all(&out).map_err(io(&out))?;
    let ledger = Arc::new(Ledger::open(&out.join("darkroom.db"))?);
    let store = Store::new(out.join("store"));
    let mut providers = BTreeMap::new();
    for (name, p) in &campaign.providers {
        let used = campaign.draft.provider == *name
            || campaign.finish.provider == *name
            || campaign.vision.as_deref() == Some(name.as_str());
        let any = match p.kind {
            ProviderKind::Sketch => AnyProvider::Sketch(Sketch::new(name.clone())),
            ProviderKind::Sim => {
                let mut sim = sim_provider(name, p);
                if let Some(log) = &opts.sim_call_log {
                    sim = sim.with_call_log(log).map_err(io(log))?;
                }
                AnyProvider::Sim(Box::new(sim))
            }
            _ if used => http_provider(name, p)?,
            _ => continue,
        };
        providers.insert(name.clone(), Arc::new(any));
    }
    // Calls a crash left in flight: counted as spent, unless their provider replays them.
    ledger.reconcile(&store, |name| {
        providers
            .get(name)
            .is_some_and(|p| darkroom_core::provider::Provider::replays(p.as_ref()))
    })?;
    if let Some(only) = &opts.only {
        if !campaign.shots.iter().any(|s| &s.id == only) {
            let ids: Vec<&str> = campaign.shots.iter().map(|s| s.id.as_str()).collect();
            return Err(EngineError::NoShot(only.clone(), ids.join(", ")));
        }
    }
    let in_money = campaign.budget.money.is_some();
    let cap = opts
        .budget
        .or(campaign.budget.money.as_ref().map(|m| m.0))
        .or(campaign.budget.credits);
    let pacers = campaign
        .providers
        .iter()
        .filter_map(|(n, p)| p.rate_limit.map(|r| (n.clone(), pace::Pacer::new(r))))
        .collect();
    // The run and the shots it takes up, in the ledger: `status` says how each
    // run ended and where each shot stands.
    let run_id = ledger.start_run(&campaign.name)?;
    let shots: Vec<(String, String, u32)> = campaign
        .shots
        .iter()
        .filter(|s| opts.only.as_ref().is_none_or(|o| *o == s.id))
        .map(|s| (s.id.clone(), s.prompt.clone(), s.finals))
        .collect();
    for (id, prompt, finals) in &shots {
        ledger.record_shot(run_id, id, prompt, *finals, "planned", None)?;
    }
    let ctx = Arc::new(Ctx {
        campaign,
        opts,
        out,
        ledger: ledger.clone(),
        store,
        providers,
        cap,
        in_money,
        pacers,
    });
    let report = match stages::run(ctx) {
        Ok(r) => r,
        Err(e) => {
            let _ = ledger.finish_run(run_id, "error");
            return Err(e);
        }
    };
    for (id, prompt, finals) in &shots {
        let why: Vec<&str> = report
            .failed_shots
            .iter()
            .filter(|(s, _)| s == id)
            .map(|(_, w)| w.as_str())
            .collect();
        let delivered = report.deliverables.iter().any(|d| &d.shot == id);
        let (status, reason) = match (why.is_empty(), delivered) {
            (true, true) => ("delivered", None),
            (false, _) => ("failed", Some(why.join("; "))),
            // Not reached: the budget or Ctrl-C stopped the run first.
            (true, false) => ("planned", None),
        };
        ledger.record_shot(run_id, id, prompt, *finals, status, reason.as_deref())?;
    }
    let how = if report.interrupted {
        "interrupted"
    } else if report.budget_exhausted {
        "budget_exhausted"
    } else if !report.failed_shots.is_empty() {
        "failed_items"
    } else {
        "complete"
    };
    ledger.finish_run(run_id, how)?;
    Ok(report)
}

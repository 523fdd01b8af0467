//! Providers made from their campaign entries: the one place a `[providers.NAME]` table becomes
//! an [`AnyProvider`], so that adding a provider touches this crate, its catalogue entry in
//! `darkroom-core` and the campaign schema, and not the engine.
//!
//! Also here, because they read the same entries: the files a provider needs (a ComfyUI
//! workflow) checked before anything runs, and the cheap health check `darkroom check --ping`
//! makes of every provider a campaign uses.

use std::path::Path;

use darkroom_campaign::{Campaign, Provider as Entry, ProviderKind};
use darkroom_core::provider::ProviderError;

use crate::sim::{profile, Profile, Sim, FAST_DRAFT};
use crate::sketch::Sketch;
use crate::AnyProvider;

/// Why a provider could not be made from its entry.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A provider's API key is not in the environment.
    #[error("providers.{0}: the API key variable `{1}` is not set (export {1}=…, or name another variable with `api_key_env`)")]
    MissingKey(String, String),
    /// A comfyui provider's workflow cannot be read or does not have the declared inputs.
    #[error("providers.{0}: workflow `{1}`: {2}")]
    Workflow(String, String, String),
    /// The simulator's call log cannot be opened.
    #[error("cannot write `{0}`: {1}")]
    CallLog(String, std::io::Error),
}

/// Whether a provider is built in (made here, free, with no key and nothing to ping).
pub fn built_in(kind: ProviderKind) -> bool {
    matches!(kind, ProviderKind::Sketch | ProviderKind::Sim)
}

/// Any provider from its campaign entry: built in, simulated, or HTTP with its key read from
/// the environment.
pub fn provider(name: &str, p: &Entry) -> Result<AnyProvider, BuildError> {
    provider_with(name, p, &|var| std::env::var(var).ok())
}

/// [`provider`], with the key read by `key` instead of the environment (tests).
pub fn provider_with(
    name: &str,
    p: &Entry,
    key: &dyn Fn(&str) -> Option<String>,
) -> Result<AnyProvider, BuildError> {
    match p.kind {
        ProviderKind::Sketch => Ok(AnyProvider::Sketch(Sketch::new(name.to_string()))),
        ProviderKind::Sim => Ok(AnyProvider::Sim(Box::new(sim(name, p)))),
        _ => http(name, p, key),
    }
}

/// A `sim` provider from its campaign entry: the named profile with the entry's overrides.
/// `call_log` makes it log every request it bills (the money tests' vendor-side record);
/// `replay` false makes it run and bill a request sent twice twice (no idempotency).
pub fn sim_logged(
    name: &str,
    p: &Entry,
    call_log: &Path,
    replay: bool,
) -> Result<AnyProvider, BuildError> {
    let mut s = sim(name, p)
        .with_call_log(call_log)
        .map_err(|e| BuildError::CallLog(call_log.display().to_string(), e))?;
    if !replay {
        s = s.without_replay();
    }
    Ok(AnyProvider::Sim(Box::new(s)))
}

fn sim(name: &str, p: &Entry) -> Sim {
    Sim::new(name.to_string(), sim_profile(p))
}

/// A `sim` entry's profile: the built-in one its `model` names, with the campaign's overrides.
pub fn sim_profile(p: &Entry) -> Profile {
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

/// A self-hosted server (A1111, ComfyUI) at `url`: they take no key.
fn server(name: &str, p: &Entry, url: Option<String>) -> Result<Option<AnyProvider>, BuildError> {
    let timeout = std::time::Duration::from_secs_f64(p.timeout);
    Ok(match p.kind {
        ProviderKind::A1111 => Some(AnyProvider::A1111(crate::a1111::A1111::new(
            name.to_string(),
            p.model.clone(),
            url,
            timeout,
        ))),
        ProviderKind::ComfyUi => Some(AnyProvider::ComfyUi(crate::comfyui::ComfyUi::new(
            name.to_string(),
            url,
            timeout,
            workflow(name, p)?,
        ))),
        _ => None,
    })
}

/// An HTTP provider from its campaign entry, its key read by `key`.
fn http(
    name: &str,
    p: &Entry,
    key: &dyn Fn(&str) -> Option<String>,
) -> Result<AnyProvider, BuildError> {
    // Several self-hosted servers are one pool.
    if !p.pool.is_empty() {
        let mut members = Vec::new();
        for url in &p.pool {
            if let Some(m) = server(name, p, Some(url.clone()))? {
                members.push((url.clone(), m));
            }
        }
        if !members.is_empty() {
            return Ok(AnyProvider::Pool(Box::new(crate::pool::Pool::new(
                name.to_string(),
                members,
            ))));
        }
    }
    if let Some(single) = server(name, p, p.base_url.clone())? {
        return Ok(single);
    }
    // A server of the user's own takes no key (`api_key_env = ""`): none is sent.
    let key = if p.is_own_server() {
        String::new()
    } else {
        let var = p.key_env().unwrap_or_default();
        key(&var)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| BuildError::MissingKey(name.to_string(), var.clone()))?
    };
    let key = crate::http::Secret::new(key.trim());
    let model = p.model_or_default().unwrap_or_default().to_string();
    let timeout = std::time::Duration::from_secs_f64(p.timeout);
    let (name, url) = (name.to_string(), p.base_url.clone());
    Ok(match p.kind {
        ProviderKind::Gemini => {
            AnyProvider::Gemini(crate::gemini::Gemini::new(name, model, key, url, timeout))
        }
        ProviderKind::OpenAi => {
            AnyProvider::OpenAi(crate::openai::OpenAi::new(name, model, key, url, timeout))
        }
        ProviderKind::Stability => AnyProvider::Stability(crate::stability::Stability::new(
            name, model, key, url, timeout,
        )),
        // Built in, or a server made above: nothing reaches here.
        ProviderKind::Sketch | ProviderKind::Sim | ProviderKind::A1111 | ProviderKind::ComfyUi => {
            return provider_with(&name, p, &|_| None)
        }
    })
}

/// Reads a comfyui provider's workflow file and checks it against the declared inputs:
/// the workflow, or the file as shown and every problem with it.
fn load_workflow(p: &Entry) -> Result<crate::comfyui::Workflow, (String, Vec<String>)> {
    let path = p.workflow.clone().unwrap_or_default();
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| (shown.clone(), vec![format!("cannot read it: {e}")]))?;
    crate::comfyui::Workflow::parse(&text, &p.inputs).map_err(|errs| (shown, errs))
}

/// A comfyui provider's workflow, or the error that names the file and its problems.
fn workflow(name: &str, p: &Entry) -> Result<crate::comfyui::Workflow, BuildError> {
    load_workflow(p)
        .map_err(|(shown, errs)| BuildError::Workflow(name.into(), shown, errs.join("; ")))
}

/// Problems with the files a campaign's providers read (comfyui workflows), one message each,
/// so `check` reports them with the campaign's own before anything runs.
pub fn file_problems(campaign: &Campaign) -> Vec<String> {
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
pub fn ping_used(campaign: &Campaign) -> Vec<(String, Result<String, String>)> {
    let mut out = Vec::new();
    for (name, p) in &campaign.providers {
        let used = campaign.draft.provider == *name
            || campaign.finish.provider == *name
            || campaign.vision.as_deref() == Some(name.as_str());
        if !used {
            continue;
        }
        let r = if built_in(p.kind) {
            Ok("built in; nothing to ping".to_string())
        } else {
            match provider(name, p) {
                Ok(any) => any.ping(),
                Err(e) => Err(e.to_string()),
            }
        };
        out.push((name.clone(), r));
    }
    out
}

impl AnyProvider {
    /// Pings the provider (each server of a pool: it is usable when one answers):
    /// `Ok(what answered)` or `Err(why, with the error class)`.
    pub fn ping(&self) -> Result<String, String> {
        let said = |e: ProviderError| format!("{} ({})", e, e.class());
        match self {
            AnyProvider::Gemini(g) => g.ping().map_err(said),
            AnyProvider::OpenAi(o) => o.ping().map_err(said),
            AnyProvider::Stability(st) => st.ping().map_err(said),
            AnyProvider::A1111(a) => a.ping().map_err(said),
            AnyProvider::ComfyUi(c) => c.ping().map_err(said),
            AnyProvider::Pool(pool) => {
                let each: Vec<(&str, Result<String, String>)> =
                    pool.members().map(|(url, m)| (url, m.ping())).collect();
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
            AnyProvider::Sketch(_) | AnyProvider::Sim(_) => {
                Ok("built in; nothing to ping".to_string())
            }
        }
    }
}

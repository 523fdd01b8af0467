//! Campaign files: the prompt as configuration.
//!
//! Three steps with a different type at each (DESIGN.md §3, §10):
//! 1. [`load`] parses the TOML with spans and **validates** it into a [`Campaign`], collecting
//!    every problem at once as `file:line:col: key.path: what is wrong; what is accepted`, with
//!    "did you mean" for misspelt keys, provider kinds and provider names. Unknown keys are
//!    errors. Validation does no IO.
//! 2. Shot templates with `vars` expand into shots with stable ids.
//! 3. [`plan::plan`] turns a campaign into draft attempts with deterministic ids (a hash of
//!    provider, model, prompt, seed and parameters) and an estimate of credits, money and time.

pub mod diag;
pub mod plan;
mod validate;

pub use diag::{Diagnostic, Diagnostics};
pub use validate::{
    default_text_colour, load, slug, Budget, Campaign, DeliverTo, Gates, Prices, Provenance,
    Provider, ProviderKind, Shot, SimOverrides, TextItem, Tier, DEFAULT_TEXT_BOX, STABILITY_MODELS,
};

/// The model a `gemini` provider uses when the campaign names none (Nano Banana).
pub const GEMINI_DEFAULT_MODEL: &str = "gemini-2.5-flash-image";
/// The model an `openai` provider uses when the campaign names none.
pub const OPENAI_DEFAULT_MODEL: &str = "gpt-image-1";
/// The model a `stability` provider uses when the campaign names none (Stable Image Core).
pub const STABILITY_DEFAULT_MODEL: &str = "core";

impl Provider {
    /// The model id, or the kind's default.
    pub fn model_or_default(&self) -> Option<&str> {
        self.model.as_deref().or(match self.kind {
            ProviderKind::Gemini => Some(GEMINI_DEFAULT_MODEL),
            ProviderKind::OpenAi => Some(OPENAI_DEFAULT_MODEL),
            ProviderKind::Stability => Some(STABILITY_DEFAULT_MODEL),
            _ => None,
        })
    }

    /// An `openai` provider at a server of the user's own that takes no key (`api_key_env = ""`
    /// with `base_url`: Ollama, llama.cpp, vLLM, LM Studio): nothing is sent to authenticate and
    /// its calls cost nothing.
    pub fn is_own_server(&self) -> bool {
        self.api_key_env.as_deref() == Some("")
    }

    /// The environment variable holding the API key: `api_key_env`, or the vendor's usual name.
    /// `None` for kinds that take no key, and for a server of the user's own (`api_key_env = ""`).
    pub fn key_env(&self) -> Option<String> {
        if self.is_own_server() {
            return None;
        }
        self.api_key_env.clone().or(match self.kind {
            ProviderKind::Gemini => Some("GEMINI_API_KEY".into()),
            ProviderKind::OpenAi => Some("OPENAI_API_KEY".into()),
            ProviderKind::Stability => Some("STABILITY_API_KEY".into()),
            _ => None,
        })
    }
}

/// Every provider a tier uses whose API key is missing from the environment, as one message
/// each naming the provider and the variable. `lookup` reads the environment (pure for tests).
pub fn missing_keys(c: &Campaign, lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, p) in &c.providers {
        let used = c.draft.provider == *name
            || c.finish.provider == *name
            || c.vision.as_deref() == Some(name.as_str());
        if let (true, Some(var)) = (used, p.key_env()) {
            if lookup(&var).is_none_or(|v| v.trim().is_empty()) {
                out.push(format!(
                    "providers.{name}: the API key variable `{var}` is not set (export {var}=…, or name another variable with `api_key_env`)"
                ));
            }
        }
    }
    out
}

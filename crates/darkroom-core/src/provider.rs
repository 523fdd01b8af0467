//! The provider seam: what every image source (the built-in renderer, the simulator, an HTTP
//! service) takes and returns, and how it fails.
//!
//! Errors carry the class the scheduler acts on (DESIGN.md §4): `Transient` is retried with
//! backoff, `RateLimited` waits for the provider's hint, `Refused` (content policy) is recorded
//! and never retried, `Auth` stops the provider, `Invalid` is our bug.

use std::time::Duration;

use crate::Quality;

/// One generation request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The prompt.
    pub prompt: String,
    /// The seed.
    pub seed: u64,
    /// Requested width in pixels.
    pub width: u32,
    /// Requested height in pixels.
    pub height: u32,
    /// Render quality (tier).
    pub quality: Quality,
    /// A reference image (PNG bytes), for edits and finish-from-draft.
    pub reference: Option<Vec<u8>>,
}

/// What a call cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cost {
    /// US dollars.
    pub usd: f64,
    /// Provider credits, where the provider counts in credits.
    pub credits: f64,
}

/// A successful generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// PNG bytes.
    pub png: Vec<u8>,
    /// Pixel width of what came back.
    pub width: u32,
    /// Pixel height of what came back.
    pub height: u32,
    /// What the call actually cost.
    pub cost: Cost,
    /// The model version the provider reported.
    pub model_version: Option<String>,
    /// How long the provider took (simulated providers report it instead of sleeping).
    pub latency: Duration,
    /// Provider-specific facts worth keeping in the ledger (the simulator's injected mutations).
    pub notes: Vec<(String, String)>,
}

/// A failed call, classified for the scheduler.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Worth retrying with backoff (5xx, timeouts, dropped connections).
    #[error("transient: {0}")]
    Transient(String),
    /// Too many requests; wait `retry_after` when the provider says.
    #[error("rate limited: {message}")]
    RateLimited {
        /// The provider's retry hint.
        retry_after: Option<Duration>,
        /// What it said.
        message: String,
    },
    /// Content policy: recorded, never retried.
    #[error("refused: {0}")]
    Refused(String),
    /// Bad or missing credentials: stop using this provider.
    #[error("authentication: {0}")]
    Auth(String),
    /// A request the provider cannot accept (our bug, or an unsupported size).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A quota that waiting seconds will not clear (a per-day limit, billing): not retried.
    #[error("quota exhausted: {0}")]
    Quota(String),
}

impl ProviderError {
    /// The class name recorded in the ledger.
    pub fn class(&self) -> &'static str {
        match self {
            ProviderError::Transient(_) => "transient",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Refused(_) => "refused",
            ProviderError::Auth(_) => "auth",
            ProviderError::Invalid(_) => "invalid",
            ProviderError::Quota(_) => "quota",
        }
    }
}

/// What a provider can do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capabilities {
    /// Longest side it renders.
    pub max_side: u32,
    /// Whether the seed makes results reproducible.
    pub seeds: bool,
    /// Whether it takes a reference image.
    pub edit: bool,
    /// Whether it takes a mask.
    pub mask: bool,
}

/// Something that makes images.
pub trait Provider: Send + Sync {
    /// The name the campaign gives it.
    fn name(&self) -> &str;
    /// What it can do.
    fn capabilities(&self) -> Capabilities;
    /// The worst-case price of a request, reserved before the call.
    fn price(&self, req: &Request) -> Cost;
    /// Makes one image (blocking; the scheduler runs calls on its workers).
    fn generate(&self, req: &Request) -> Result<Generated, ProviderError>;
}

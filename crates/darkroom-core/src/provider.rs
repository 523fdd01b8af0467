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
    /// What to do: generate (the default), or a finishing operation on `reference`.
    pub op: Op,
}

/// The operation a [`Request`] asks for. The finishing operations work on the request's
/// `reference` and deliver `width × height`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Op {
    /// Make an image from the prompt (with `reference` as a guide where given).
    #[default]
    Generate,
    /// Extend `reference` to the aspect of `width × height` by out-painting.
    Outpaint,
    /// Upscale `reference` to `width × height`; `mode` picks the provider's upscaler
    /// (empty: its default).
    Upscale {
        /// The upscaler, as the provider names it.
        mode: String,
    },
    /// Repaint `reference` where `mask` (a PNG of the same size) is light.
    Inpaint {
        /// The mask.
        mask: Vec<u8>,
    },
}

impl Op {
    /// A short name for ids, the ledger and messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Op::Generate => "generate",
            Op::Outpaint => "outpaint",
            Op::Upscale { .. } => "upscale",
            Op::Inpaint { .. } => "inpaint",
        }
    }
}

/// What a call cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cost {
    /// US dollars.
    pub usd: f64,
    /// Provider credits, where the provider counts in credits.
    pub credits: f64,
}

/// US dollars per provider credit: the rate the ledger counts credits at (Stability's).
pub const USD_PER_CREDIT: f64 = 0.01;
/// Credits per US dollar (the inverse, kept exact for the multiplication).
pub const CREDITS_PER_USD: f64 = 100.0;

impl Cost {
    /// A cost in dollars, with its credits at [`USD_PER_CREDIT`].
    pub fn from_usd(usd: f64) -> Cost {
        Cost {
            usd,
            credits: usd * CREDITS_PER_USD,
        }
    }

    /// A cost in credits, with its dollars at [`USD_PER_CREDIT`].
    pub fn from_credits(credits: f64) -> Cost {
        Cost {
            usd: credits * USD_PER_CREDIT,
            credits,
        }
    }
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
    /// The vendor's own file, when it carried Content Credentials (a C2PA manifest) that fitting
    /// it to the request (a crop, a resize, a re-encode) took out of `png`: delivery keeps that
    /// manifest as an ingredient.
    pub upstream: Option<Vec<u8>>,
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
    /// Whether it extends an image to another aspect (out-paints).
    pub outpaint: bool,
    /// Whether it upscales an image.
    pub upscale: bool,
    /// Whether darkroom can in-paint through it (a masked region re-made).
    pub inpaint: bool,
    /// Whether it re-renders a scene at any aspect from the prompt (the offline renderer):
    /// delivering another aspect is a new render, not an extension.
    pub rerenders: bool,
    /// Whether its latency is simulated: recorded, not waited for (unless a test asks).
    pub simulated: bool,
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
    /// Whether the provider keeps a record of the requests it ran and answers one sent again
    /// from that record (an idempotency key), without running or charging it a second time.
    /// A call in flight at a crash is then sent again for free instead of being counted as
    /// spent; for a provider without replays it must be counted, since it may have been charged.
    fn replays(&self) -> bool {
        false
    }
    /// Whether the vendor can be asked about a call by a handle (ComfyUI's `prompt_id`, a
    /// Stability generation id): darkroom then chooses one before the call (a UUID, recorded
    /// with the reservation) and, when a crash or a takeover left the call in flight, asks the
    /// vendor for its result by that handle instead of sending it again.
    fn handles(&self) -> bool {
        false
    }
    /// The generation settings this provider sends for `req`, under the keys AUTOMATIC1111's
    /// infotext uses (`Steps`, `Sampler`, `CFG scale`, `Seed`), in that order: what a
    /// deliverable's `parameters` text says, so that image sites read it and "send to
    /// txt2img" reproduces it. Only what is sent: a hosted model that takes no seed, steps or
    /// sampler (Gemini, OpenAI) has none of them.
    fn infotext(&self, req: &Request) -> Vec<(String, String)> {
        let _ = req;
        vec![]
    }
    /// [`Provider::generate`] under `handle` (chosen by darkroom, see [`Provider::handles`]):
    /// where the vendor names the call itself, `note` is told the vendor's name for it once the
    /// vendor has accepted the call and before its result is waited for.
    fn generate_as(
        &self,
        req: &Request,
        handle: &str,
        note: &(dyn Fn(&str) + Sync),
    ) -> Result<Generated, ProviderError> {
        let _ = (handle, note);
        self.generate(req)
    }
    /// The result of a call sent earlier under `handle` (a process that died or was fenced with
    /// it in flight): waited for while the vendor still runs it; [`Collected::Unknown`] when the
    /// vendor never received it (or has forgotten it), and only then may it be sent again.
    fn collect(&self, req: &Request, handle: &str) -> Result<Collected, ProviderError> {
        let _ = (req, handle);
        Ok(Collected::Unknown)
    }
}

/// What the vendor says of a call asked for by its handle ([`Provider::collect`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Collected {
    /// It ran: its result, and what it cost.
    Image(Generated),
    /// The vendor does not know the handle: the call never reached it (or its record expired).
    Unknown,
}

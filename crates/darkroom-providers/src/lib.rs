//! Providers: one module (folder) per provider, one variant of [`AnyProvider`] each.
//!
//! - [`sketch`]: the built-in offline renderer — free, deterministic, the default.
//! - [`sim`]: a simulator of a paid model wrapping `sketch`: a latency distribution, failure
//!   rates (429 with a retry hint, 5xx, timeouts, refusals), instruction drops per checklist
//!   category (the scene is mutated before rendering and the mutation is reported), colour drift
//!   and a price table. Every outcome is a deterministic function of the request and the
//!   attempt number, so runs, tests and `simulate` are reproducible.
//! - [`gemini`], [`openai`], [`stability`]: the vendors' HTTP APIs; [`a1111`] and [`comfyui`]:
//!   self-hosted servers, several of which make one [`pool`]. [`http`] holds what they share
//!   (the client, multipart bodies, reply checks, the key in a [`http::Secret`] that prints
//!   `****`).
//! - [`build`]: each provider made from its campaign entry, its files checked and its health
//!   pinged — the one place above which no provider variant is named.

pub mod a1111;
pub mod build;
pub mod comfyui;
pub mod gemini;
pub mod http;
pub mod openai;
pub mod pool;
pub mod sim;
pub mod sketch;
pub mod stability;

use darkroom_core::provider::{
    Capabilities, Collected, Cost, Generated, Op, Provider, ProviderError, Request,
};

/// Any provider, behind one type the engine can hold.
pub enum AnyProvider {
    /// The built-in renderer.
    Sketch(sketch::Sketch),
    /// The simulator (boxed: its profile and try table are large next to `Sketch`).
    Sim(Box<sim::Sim>),
    /// Google Gemini image models.
    Gemini(gemini::Gemini),
    /// OpenAI GPT image models.
    OpenAi(openai::OpenAi),
    /// An AUTOMATIC1111 / Forge server.
    A1111(a1111::A1111),
    /// Stability AI.
    Stability(stability::Stability),
    /// A ComfyUI server running a workflow.
    ComfyUi(comfyui::ComfyUi),
    /// Several self-hosted servers as one provider.
    Pool(Box<pool::Pool>),
}

impl AnyProvider {
    /// Whether this provider can do `op` (every provider generates).
    pub fn supports(&self, op: &Op) -> bool {
        let can = self.capabilities();
        match op {
            Op::Generate => true,
            Op::Outpaint => can.outpaint,
            Op::Upscale { .. } => can.upscale,
            Op::Inpaint { .. } => can.inpaint,
        }
    }

    /// Asks a vision model about an image (the vision judge); `None` for providers that cannot.
    pub fn ask(
        &self,
        instructions: &str,
        png: &[u8],
    ) -> Option<Result<(String, Cost, std::time::Duration), ProviderError>> {
        match self {
            AnyProvider::Gemini(p) => Some(p.ask(instructions, png)),
            AnyProvider::OpenAi(p) => Some(p.ask(instructions, png)),
            _ => None,
        }
    }

    /// Refuses an operation this provider cannot do, naming the ones that can.
    fn check_op(&self, req: &Request) -> Result<(), ProviderError> {
        if self.supports(&req.op) {
            return Ok(());
        }
        let who = match req.op {
            Op::Outpaint => "stability",
            _ => "stability and a1111",
        };
        Err(ProviderError::Invalid(format!(
            "provider `{}` cannot {}; {who} can",
            self.name(),
            req.op.as_str()
        )))
    }

    /// Worst case of one [`AnyProvider::ask`].
    pub fn ask_price(&self, instructions: &str) -> Cost {
        match self {
            AnyProvider::Gemini(p) => p.ask_price(instructions),
            AnyProvider::OpenAi(p) => p.ask_price(instructions),
            _ => Cost::default(),
        }
    }
}

impl Provider for AnyProvider {
    fn name(&self) -> &str {
        match self {
            AnyProvider::Sketch(p) => p.name(),
            AnyProvider::Sim(p) => p.name(),
            AnyProvider::Gemini(p) => p.name(),
            AnyProvider::OpenAi(p) => p.name(),
            AnyProvider::A1111(p) => p.name(),
            AnyProvider::Stability(p) => p.name(),
            AnyProvider::ComfyUi(p) => p.name(),
            AnyProvider::Pool(p) => p.name(),
        }
    }
    fn capabilities(&self) -> Capabilities {
        match self {
            AnyProvider::Sketch(p) => p.capabilities(),
            AnyProvider::Sim(p) => p.capabilities(),
            AnyProvider::Gemini(p) => p.capabilities(),
            AnyProvider::OpenAi(p) => p.capabilities(),
            AnyProvider::A1111(p) => p.capabilities(),
            AnyProvider::Stability(p) => p.capabilities(),
            AnyProvider::ComfyUi(p) => p.capabilities(),
            AnyProvider::Pool(p) => p.capabilities(),
        }
    }
    fn replays(&self) -> bool {
        match self {
            AnyProvider::Sim(p) => p.replays(),
            _ => false,
        }
    }
    fn handles(&self) -> bool {
        match self {
            AnyProvider::Sim(p) => p.handles(),
            AnyProvider::ComfyUi(p) => p.handles(),
            AnyProvider::Stability(p) => p.handles(),
            _ => false,
        }
    }
    fn generate_as(
        &self,
        req: &Request,
        handle: &str,
        note: &(dyn Fn(&str) + Sync),
    ) -> Result<Generated, ProviderError> {
        self.check_op(req)?;
        match self {
            AnyProvider::Sim(p) => p.generate_as(req, handle, note),
            AnyProvider::ComfyUi(p) => p.generate_as(req, handle, note),
            AnyProvider::Stability(p) => p.generate_as(req, handle, note),
            _ => self.generate(req),
        }
    }
    fn infotext(&self, req: &Request) -> Vec<(String, String)> {
        match self {
            AnyProvider::A1111(p) => p.infotext(req),
            AnyProvider::Sketch(p) => p.infotext(req),
            AnyProvider::Sim(p) => p.infotext(req),
            AnyProvider::Stability(p) => p.infotext(req),
            AnyProvider::ComfyUi(p) => p.infotext(req),
            AnyProvider::Gemini(p) => p.infotext(req),
            AnyProvider::OpenAi(p) => p.infotext(req),
            AnyProvider::Pool(p) => p.infotext(req),
        }
    }
    fn collect(&self, req: &Request, handle: &str) -> Result<Collected, ProviderError> {
        match self {
            AnyProvider::Sim(p) => p.collect(req, handle),
            AnyProvider::ComfyUi(p) => p.collect(req, handle),
            AnyProvider::Stability(p) => p.collect(req, handle),
            _ => Ok(Collected::Unknown),
        }
    }
    fn price(&self, req: &Request) -> Cost {
        match self {
            AnyProvider::Sketch(p) => p.price(req),
            AnyProvider::Sim(p) => p.price(req),
            AnyProvider::Gemini(p) => p.price(req),
            AnyProvider::OpenAi(p) => p.price(req),
            AnyProvider::A1111(p) => p.price(req),
            AnyProvider::Stability(p) => p.price(req),
            AnyProvider::ComfyUi(p) => p.price(req),
            AnyProvider::Pool(p) => p.price(req),
        }
    }
    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        self.check_op(req)?;
        match self {
            AnyProvider::Sketch(p) => p.generate(req),
            AnyProvider::Sim(p) => p.generate(req),
            AnyProvider::Gemini(p) => p.generate(req),
            AnyProvider::OpenAi(p) => p.generate(req),
            AnyProvider::A1111(p) => p.generate(req),
            AnyProvider::Stability(p) => p.generate(req),
            AnyProvider::ComfyUi(p) => p.generate(req),
            AnyProvider::Pool(p) => p.generate(req),
        }
    }
}

/// Checks that what came back is what was asked (some integrations ignore the size).
pub fn check_size(req: &Request, g: &Generated) -> Result<(), ProviderError> {
    if (g.width, g.height) != (req.width, req.height) {
        return Err(ProviderError::Invalid(format!(
            "the provider returned {}x{} for a {}x{} request",
            g.width, g.height, req.width, req.height
        )));
    }
    Ok(())
}

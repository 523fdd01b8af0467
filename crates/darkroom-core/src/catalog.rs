//! The catalogue: what darkroom knows about each provider family and model — the price of a
//! call (its worst case, which the budget reserves), its typical latency, the models a family
//! accepts, and what a family can do. It is the one source of these facts: the plan's estimate
//! (`darkroom check`), the budget reservation before a call and each provider's own `price()`
//! all read [`quote`], and validation, planning and delivery ask [`capabilities`] instead of
//! matching on a provider's kind. A new model's price is one line here.
//!
//! Figures are the vendors' list prices from `reference/providers.md`; a campaign's `prices`
//! table overrides them per provider.

use crate::provider::{Capabilities, Cost, Op, Request};
use crate::Quality;

/// A provider family: how darkroom talks to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// The built-in renderer.
    Sketch,
    /// The simulator of a paid model.
    Sim,
    /// Google Gemini (Nano Banana).
    Gemini,
    /// OpenAI GPT image.
    OpenAi,
    /// Stability AI.
    Stability,
    /// A ComfyUI server.
    ComfyUi,
    /// An AUTOMATIC1111 / Forge server.
    A1111,
}

impl ProviderKind {
    /// Every kind, in the order campaign errors list them.
    pub const ALL: [ProviderKind; 7] = [
        ProviderKind::Sketch,
        ProviderKind::Sim,
        ProviderKind::Gemini,
        ProviderKind::OpenAi,
        ProviderKind::Stability,
        ProviderKind::ComfyUi,
        ProviderKind::A1111,
    ];

    /// The kind a campaign file names (`sketch`, `sim`, `gemini`, …).
    pub fn parse(s: &str) -> Option<ProviderKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The name used in campaign files.
    pub fn as_str(&self) -> &'static str {
        self.as_str_const()
    }

    /// [`ProviderKind::as_str`], usable in constants.
    pub const fn as_str_const(self) -> &'static str {
        match self {
            ProviderKind::Sketch => "sketch",
            ProviderKind::Sim => "sim",
            ProviderKind::Gemini => "gemini",
            ProviderKind::OpenAi => "openai",
            ProviderKind::Stability => "stability",
            ProviderKind::ComfyUi => "comfyui",
            ProviderKind::A1111 => "a1111",
        }
    }
}

/// What one call is expected to cost and take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    /// The worst case: what the budget reserves before the call.
    pub cost: Cost,
    /// Typical seconds (for time estimates before a ledger has measured any).
    pub typical_secs: f64,
}

/// The price and typical latency of `req` on a `kind` provider running `model` (as the
/// provider is given it: the campaign's model, or the family's default).
pub fn quote(kind: ProviderKind, model: &str, req: &Request) -> Quote {
    let long = req.width.max(req.height);
    let (cost, typical_secs) = match kind {
        ProviderKind::Sketch => (
            Cost::default(),
            if req.quality == Quality::Draft {
                0.02
            } else {
                1.0
            },
        ),
        ProviderKind::ComfyUi | ProviderKind::A1111 => (Cost::default(), 10.0),
        ProviderKind::Sim => (
            Cost::from_usd(sim::price_usd(model, long)),
            if sim::is_pro(model) { 25.0 } else { 6.0 },
        ),
        ProviderKind::Gemini => {
            let info = gemini::model_info(model);
            let tier = if info.sizes {
                gemini::tier_for(long)
            } else {
                "1K"
            };
            let tokens = if tier == "4K" {
                info.tokens.1
            } else {
                info.tokens.0
            };
            // Worst case: the image's output tokens, the prompt and a reference image as
            // input. A token is never shorter than a byte, plus the request's framing.
            let input = (req.prompt.len() as f64
                + 300.0
                + if req.reference.is_some() { 1290.0 } else { 0.0 })
                * info.in_per_token;
            (
                Cost::from_usd(tokens * info.out_per_token + input),
                if info.out_per_token > 60e-6 {
                    25.0
                } else {
                    6.0
                },
            )
        }
        ProviderKind::OpenAi => {
            let info = openai::model_info(model);
            let (w, h) = openai::size_for(req.width, req.height);
            let tier = info.per_image[(req.quality == Quality::Finish) as usize];
            let per = if w == h { tier.0 } else { tier.1 };
            // Worst case adds the prompt and, for an edit, a reference image as input tokens.
            let input = (req.prompt.len() as f64 + 300.0) * info.text_in
                + if req.reference.is_some() {
                    1600.0 * info.image_in
                } else {
                    0.0
                };
            (
                Cost::from_usd(per + input),
                if model.contains("mini") { 15.0 } else { 25.0 },
            )
        }
        ProviderKind::Stability => {
            let (credits, secs) = match &req.op {
                Op::Generate => stability::model(model).map_or((8.0, 12.0), |m| (m.1, m.2)),
                Op::Outpaint => (stability::OUTPAINT_CREDITS, 8.0),
                Op::Inpaint { .. } => (stability::INPAINT_CREDITS, 8.0),
                Op::Upscale { mode } => (stability::upscale_credits(mode), 10.0),
            };
            (Cost::from_credits(credits), secs)
        }
    };
    Quote { cost, typical_secs }
}

/// What a `kind` provider running `model` can do (a ComfyUI workflow decides for itself
/// whether it takes an image; see the provider).
pub fn capabilities(kind: ProviderKind, model: &str) -> Capabilities {
    let base = Capabilities {
        max_side: 4096,
        seeds: true,
        edit: false,
        mask: false,
        outpaint: false,
        upscale: false,
        inpaint: false,
        rerenders: false,
        simulated: false,
    };
    match kind {
        ProviderKind::Sketch => Capabilities {
            max_side: crate::MAX_SIDE,
            rerenders: true,
            ..base
        },
        ProviderKind::Sim => Capabilities {
            edit: true,
            simulated: true,
            ..base
        },
        ProviderKind::Gemini => Capabilities {
            max_side: if gemini::model_info(model).sizes {
                6336
            } else {
                1536
            },
            seeds: false,
            edit: true,
            ..base
        },
        ProviderKind::OpenAi => Capabilities {
            max_side: 1536,
            seeds: false,
            edit: true,
            mask: true,
            // An edit with a mask (`/v1/images/edits`).
            inpaint: true,
            ..base
        },
        ProviderKind::Stability => Capabilities {
            max_side: 1536,
            // Core takes no input image; ultra and SD 3.5 do image-to-image.
            edit: model != "core",
            mask: true,
            outpaint: true,
            upscale: true,
            inpaint: true,
            ..base
        },
        ProviderKind::ComfyUi => base,
        ProviderKind::A1111 => Capabilities {
            max_side: 2048,
            edit: true,
            mask: true,
            upscale: true,
            inpaint: true,
            ..base
        },
    }
}

/// Google Gemini image models (`reference/providers.md` §1.9).
pub mod gemini {
    /// What a model costs and which sizes it has (USD).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct ModelInfo {
        /// Whether `imageSize` 2K/4K exist (Gemini 3 image models); 2.5 Flash Image is 1K only.
        pub sizes: bool,
        /// USD per image-output token.
        pub out_per_token: f64,
        /// USD per input token (text and image).
        pub in_per_token: f64,
        /// Output tokens of one image at 1K/2K and at 4K.
        pub tokens: (f64, f64),
    }

    /// What darkroom knows about a model id (unknown ids are priced as the Pro model, the
    /// dearest, so a budget is never under-reserved).
    pub fn model_info(model: &str) -> ModelInfo {
        if model.starts_with("gemini-2.5-flash-image") {
            ModelInfo {
                sizes: false,
                out_per_token: 30e-6,
                in_per_token: 0.30e-6,
                tokens: (1290.0, 1290.0),
            }
        } else if model.starts_with("gemini-3.1-flash-image") {
            ModelInfo {
                sizes: true,
                out_per_token: 60e-6,
                in_per_token: 0.50e-6,
                tokens: (1120.0, 2520.0),
            }
        } else {
            ModelInfo {
                sizes: true,
                out_per_token: 120e-6,
                in_per_token: 2e-6,
                tokens: (1120.0, 2000.0),
            }
        }
    }

    /// The size tier of a longest side.
    pub fn tier_for(max_side: u32) -> &'static str {
        match max_side {
            0..=1024 => "1K",
            1025..=2048 => "2K",
            _ => "4K",
        }
    }
}

/// OpenAI GPT image models (`reference/providers.md` §2.7).
pub mod openai {
    /// Token prices (USD per token) and the per-image price table of a model.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct ModelInfo {
        /// Text input.
        pub text_in: f64,
        /// Image input.
        pub image_in: f64,
        /// Image output.
        pub image_out: f64,
        /// Per image: (low, high) quality × (square, oblong).
        pub per_image: [(f64, f64); 2],
    }

    /// Prices of a model (unknown ids priced as `gpt-image-1`, the dearer).
    pub fn model_info(model: &str) -> ModelInfo {
        if model.starts_with("gpt-image-1-mini") {
            ModelInfo {
                text_in: 2e-6,
                image_in: 2.5e-6,
                image_out: 8e-6,
                per_image: [(0.005, 0.006), (0.036, 0.052)],
            }
        } else {
            ModelInfo {
                text_in: 5e-6,
                image_in: 10e-6,
                image_out: 40e-6,
                per_image: [(0.011, 0.016), (0.167, 0.25)],
            }
        }
    }

    /// The documented size nearest a request's shape.
    pub fn size_for(w: u32, h: u32) -> (u32, u32) {
        let r = f64::from(w) / f64::from(h.max(1));
        if r > 1.2 {
            (1536, 1024)
        } else if r < 1.0 / 1.2 {
            (1024, 1536)
        } else {
            (1024, 1024)
        }
    }
}

/// Stability AI: flat credits per call, $0.01 a credit (`reference/providers.md` §3).
pub mod stability {
    /// The models `model` may name: `(id, credits per image, typical seconds)`.
    pub const MODELS: [(&str, f64, f64); 7] = [
        ("core", 3.0, 8.0),
        ("ultra", 8.0, 12.0),
        ("sd3.5", 6.5, 10.0),
        ("sd3.5-large", 6.5, 10.0),
        ("sd3.5-large-turbo", 4.0, 6.0),
        ("sd3.5-medium", 3.5, 8.0),
        ("sd3.5-flash", 2.5, 4.0),
    ];

    /// The model `id`, if Stability has it.
    pub fn model(id: &str) -> Option<(&'static str, f64, f64)> {
        MODELS.iter().find(|m| m.0 == id).copied()
    }

    /// Credits of one in-paint call.
    pub const INPAINT_CREDITS: f64 = 5.0;
    /// Credits of one out-paint call.
    pub const OUTPAINT_CREDITS: f64 = 4.0;

    /// Credits of an upscale by `mode` (`fast` 2, `conservative` 40 — the default — or
    /// `creative` 60).
    pub fn upscale_credits(mode: &str) -> f64 {
        match mode {
            "fast" => 2.0,
            "creative" => 60.0,
            _ => 40.0,
        }
    }
}

/// The simulated models' list prices (the `sim` provider's profiles charge these).
pub mod sim {
    /// `fast-draft`: USD per image at ≤ 1K, ≤ 2K and 4K.
    pub const FAST_DRAFT_PRICES: [f64; 3] = [0.039, 0.039, 0.039];
    /// `pro`: USD per image at ≤ 1K, ≤ 2K and 4K.
    pub const PRO_PRICES: [f64; 3] = [0.134, 0.134, 0.24];

    /// Whether `model` names the pro profile.
    pub fn is_pro(model: &str) -> bool {
        model == "pro"
    }

    /// USD of one image of `model` (an unknown name is the fast-draft profile, as the
    /// simulator runs it) with longest side `long`.
    pub fn price_usd(model: &str, long: u32) -> f64 {
        let p = if is_pro(model) {
            PRO_PRICES
        } else {
            FAST_DRAFT_PRICES
        };
        p[if long <= 1024 {
            0
        } else if long <= 2048 {
            1
        } else {
            2
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(w: u32, h: u32, q: Quality) -> Request {
        Request {
            prompt: String::new(),
            seed: 0,
            width: w,
            height: h,
            quality: q,
            reference: None,
            op: Op::Generate,
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ProviderKind::parse("dalle"), None);
    }

    #[test]
    fn list_prices() {
        let usd = |k, m, w, h, q| quote(k, m, &req(w, h, q)).cost.usd;
        assert_eq!(
            usd(ProviderKind::Sim, "pro", 4096, 4096, Quality::Finish),
            0.24
        );
        assert_eq!(
            usd(ProviderKind::Sim, "fast-draft", 512, 512, Quality::Draft),
            0.039
        );
        // 1290 output tokens at $30 per million, plus 300 bytes of framing as input.
        let flash = usd(
            ProviderKind::Gemini,
            "gemini-2.5-flash-image",
            1024,
            1024,
            Quality::Draft,
        );
        assert!(
            (flash - (1290.0 * 30e-6 + 300.0 * 0.30e-6)).abs() < 1e-12,
            "{flash}"
        );
        let high = usd(
            ProviderKind::OpenAi,
            "gpt-image-1",
            1536,
            1024,
            Quality::Finish,
        );
        assert!((high - (0.25 + 300.0 * 5e-6)).abs() < 1e-12);
        let ultra = quote(
            ProviderKind::Stability,
            "ultra",
            &req(1024, 1024, Quality::Draft),
        );
        assert_eq!(ultra.cost.credits, 8.0);
        assert_eq!(
            usd(ProviderKind::ComfyUi, "", 1024, 1024, Quality::Draft),
            0.0
        );
    }

    #[test]
    fn capabilities_say_who_extends_an_aspect() {
        assert!(capabilities(ProviderKind::Sketch, "").rerenders);
        assert!(capabilities(ProviderKind::Stability, "core").outpaint);
        assert!(!capabilities(ProviderKind::Stability, "core").edit);
        assert!(!capabilities(ProviderKind::Gemini, "x").outpaint);
        assert!(capabilities(ProviderKind::A1111, "").upscale);
    }
}

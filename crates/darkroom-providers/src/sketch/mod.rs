//! The `sketch` provider: the built-in renderer behind the provider seam.

use std::time::Instant;

use darkroom_core::provider::{Capabilities, Cost, Generated, Provider, ProviderError, Request};

/// The built-in renderer.
pub struct Sketch {
    name: String,
}

impl Sketch {
    /// A sketch provider with the campaign's name for it.
    pub fn new(name: impl Into<String>) -> Sketch {
        Sketch { name: name.into() }
    }
}

/// Renders a request (also used by `sim` before it applies its behaviour model).
pub fn render(req: &Request, scene: &darkroom_prompt::Scene) -> Result<Vec<u8>, ProviderError> {
    let opts = darkroom_sketch::Options {
        width: req.width,
        height: req.height,
        seed: req.seed,
        quality: req.quality,
    };
    let img =
        darkroom_sketch::render(scene, &opts).map_err(|e| ProviderError::Invalid(e.to_string()))?;
    let seed = req.seed.to_string();
    darkroom_imageops::encode_png(
        img.width,
        img.height,
        &img.rgb,
        &[
            ("Software", "darkroom sketch"),
            ("prompt", &req.prompt),
            ("seed", &seed),
        ],
    )
    .map_err(|e| ProviderError::Invalid(e.to_string()))
}

impl Provider for Sketch {
    fn name(&self) -> &str {
        &self.name
    }
    fn capabilities(&self) -> Capabilities {
        darkroom_core::catalog::capabilities(darkroom_core::ProviderKind::Sketch, "")
    }
    fn price(&self, req: &Request) -> Cost {
        darkroom_core::catalog::quote(darkroom_core::ProviderKind::Sketch, "", req).cost
    }
    /// The seed it draws with, as given.
    fn infotext(&self, req: &Request) -> Vec<(String, String)> {
        vec![("Seed".into(), req.seed.to_string())]
    }
    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        let t = Instant::now();
        let scene = darkroom_prompt::parse(&req.prompt)
            .map_err(|e| ProviderError::Invalid(e.to_string()))?;
        let png = render(req, &scene)?;
        Ok(Generated {
            png,
            width: req.width,
            height: req.height,
            cost: Cost::default(),
            model_version: Some(format!("sketch-{}", env!("CARGO_PKG_VERSION"))),
            latency: t.elapsed(),
            notes: Vec::new(),
            upstream: None,
        })
    }
}

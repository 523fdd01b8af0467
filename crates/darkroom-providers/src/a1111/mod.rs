//! AUTOMATIC1111 / Forge web UI (`--api`): `txt2img` for drafts, `img2img` with the draft as
//! the init image for the finish tier (and with a mask for in-painting), `extra-single-image`
//! for upscaling. Self-hosted, so free; the seed and the checkpoint hash come from the reply's
//! `info` (a JSON string inside the JSON), and are recorded.

use std::time::Duration;

use darkroom_core::provider::{
    Capabilities, Cost, Generated, Op, Provider, ProviderError, Request,
};
use darkroom_core::Quality;
use serde_json::{json, Value};

use crate::http::{
    b64_decode, b64_encode, class_of_status, decode_reply, fit_reply, json_body, Client,
};

/// Where a local web UI listens by default.
pub const DEFAULT_BASE: &str = "http://127.0.0.1:7860";

/// An AUTOMATIC1111 or Forge server.
#[derive(Debug)]
pub struct A1111 {
    name: String,
    /// The checkpoint to use (`override_settings.sd_model_checkpoint`); the server's when `None`.
    model: Option<String>,
    base: String,
    client: Client,
}

/// Stable Diffusion works in multiples of 8 pixels.
fn to8(v: u32) -> u32 {
    (v.max(64) + 4) / 8 * 8
}

impl A1111 {
    /// A provider named `name` at `base` (the local default when `None`).
    pub fn new(
        name: String,
        model: Option<String>,
        base: Option<String>,
        timeout: Duration,
    ) -> A1111 {
        A1111 {
            name,
            model,
            base: crate::http::base_url(base, DEFAULT_BASE),
            client: Client::new(timeout),
        }
    }

    /// What darkroom asks of the sampler for `req`: steps, CFG scale, sampler, and the seed
    /// sent — A1111 seeds are 32-bit in practice (-1 = random), so darkroom's 64-bit seed is
    /// sent modulo 2^32, and that is the seed that reproduces the image.
    fn settings(req: &Request) -> (u32, u32, &'static str, u64) {
        let steps = if req.quality == Quality::Finish {
            30
        } else {
            20
        };
        (steps, 7, "Euler a", req.seed % (1 << 32))
    }

    /// The common body of `txt2img` and `img2img`.
    pub fn body(&self, req: &Request) -> Value {
        let (steps, cfg, sampler, seed) = A1111::settings(req);
        let mut b = json!({
            "prompt": req.prompt,
            "negative_prompt": "",
            "seed": seed,
            "width": to8(req.width),
            "height": to8(req.height),
            "steps": steps,
            "cfg_scale": cfg,
            "sampler_name": sampler,
            "batch_size": 1,
            "n_iter": 1,
            "send_images": true,
            "save_images": false
        });
        if let Some(m) = &self.model {
            b["override_settings"] = json!({"sd_model_checkpoint": m});
        }
        b
    }

    /// `img2img` of `image` (and `mask`: white = repaint) at `denoising_strength`.
    pub fn edit(
        &self,
        req: &Request,
        image: &[u8],
        mask: Option<&[u8]>,
        denoising_strength: f64,
    ) -> Result<Generated, ProviderError> {
        let mut b = self.body(req);
        b["init_images"] = json!([b64_encode(image)]);
        b["denoising_strength"] = json!(denoising_strength);
        b["resize_mode"] = json!(1);
        if let Some(m) = mask {
            b["mask"] = json!(b64_encode(m));
            b["inpainting_fill"] = json!(1);
            b["inpaint_full_res"] = json!(false);
            b["mask_blur"] = json!(4);
        }
        self.call("/sdapi/v1/img2img", &b, req)
    }

    /// `extra-single-image`: upscales `image` to `w × h` with the named upscaler.
    pub fn upscale(
        &self,
        image: &[u8],
        (w, h): (u32, u32),
        upscaler: &str,
    ) -> Result<Vec<u8>, ProviderError> {
        let b = json!({
            "image": b64_encode(image),
            "resize_mode": 1,
            "upscaling_resize_w": w,
            "upscaling_resize_h": h,
            "upscaling_crop": true,
            "upscaler_1": upscaler
        });
        let (v, _) = self.post("/sdapi/v1/extra-single-image", &b)?;
        let img =
            decode_reply(
                &b64_decode(v["image"].as_str().ok_or_else(|| {
                    ProviderError::Transient("malformed reply: no image".into())
                })?)?,
                "a1111 upscale",
            )?;
        let (png, _, _) = fit_reply(img, (w, h), (w, h))?;
        Ok(png)
    }

    /// A POST to the web UI's API, its `{"error", "detail"}` read on failure.
    fn post(&self, path: &str, body: &Value) -> Result<(Value, Duration), ProviderError> {
        self.client.post_json(
            &format!("{}{path}", self.base),
            &[],
            json_body(body),
            None,
            |r| error(r.status, &r.body),
        )
    }

    fn call(&self, path: &str, body: &Value, req: &Request) -> Result<Generated, ProviderError> {
        let (v, latency) = self.post(path, body)?;
        let first = v["images"][0]
            .as_str()
            .ok_or_else(|| ProviderError::Transient("malformed reply: no images[0]".into()))?;
        // `info` is JSON inside a string; the grid (if any) comes first.
        let info: Value = v["info"]
            .as_str()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        let index = info["index_of_first_image"].as_u64().unwrap_or(0) as usize;
        let chosen = v["images"][index].as_str().unwrap_or(first);
        let img = decode_reply(&b64_decode(chosen)?, "a1111 reply")?;
        let (png, width, height) = fit_reply(
            img,
            (to8(req.width), to8(req.height)),
            (req.width, req.height),
        )?;
        let version = match (
            info["sd_model_name"].as_str(),
            info["sd_model_hash"].as_str(),
        ) {
            (Some(n), Some(h)) => Some(format!("{n} [{h}]")),
            (None, Some(h)) => Some(h.to_string()),
            (Some(n), None) => Some(n.to_string()),
            _ => None,
        };
        let mut notes = Vec::new();
        if let Some(seed) = info["seed"].as_i64() {
            notes.push(("seed".to_string(), seed.to_string()));
        }
        Ok(Generated {
            png,
            width,
            height,
            cost: Cost::default(),
            model_version: version,
            latency,
            notes,
            upstream: None,
        })
    }

    /// A cheap health check: the server's checkpoints (and that the configured one is there).
    pub fn ping(&self) -> Result<String, ProviderError> {
        let r = self.client.send(
            "GET",
            &format!("{}/sdapi/v1/sd-models", self.base),
            &[],
            None,
            None,
        )?;
        if r.status != 200 {
            return Err(error(r.status, &r.body));
        }
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let names: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| {
                m["title"]
                    .as_str()
                    .or(m["model_name"].as_str())
                    .map(String::from)
            })
            .collect();
        match &self.model {
            Some(m) if !names.iter().any(|n| n.contains(m.as_str())) => {
                Err(ProviderError::Invalid(format!(
                    "checkpoint `{m}` is not on the server; it has: {}",
                    names.join(", ")
                )))
            }
            _ => Ok(format!("{} checkpoint(s)", names.len())),
        }
    }
}

/// A1111's `{"error", "detail"}` or Forge's FastAPI `{"detail"}`.
fn error(status: u16, body: &[u8]) -> ProviderError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let detail = match &v["detail"] {
        Value::String(s) => s.clone(),
        Value::Null => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        other => other.to_string(),
    };
    let message = format!(
        "HTTP {status} {}: {detail}",
        v["error"].as_str().unwrap_or("")
    );
    match status {
        422 => ProviderError::Invalid(message),
        _ => class_of_status(status, message, None),
    }
}

impl Provider for A1111 {
    fn name(&self) -> &str {
        &self.name
    }

    fn infotext(&self, req: &Request) -> Vec<(String, String)> {
        let (steps, cfg, sampler, seed) = A1111::settings(req);
        vec![
            ("Steps".into(), steps.to_string()),
            ("Sampler".into(), sampler.into()),
            ("CFG scale".into(), cfg.to_string()),
            ("Seed".into(), seed.to_string()),
        ]
    }

    fn capabilities(&self) -> Capabilities {
        darkroom_core::catalog::capabilities(darkroom_core::ProviderKind::A1111, "")
    }

    fn price(&self, req: &Request) -> Cost {
        darkroom_core::catalog::quote(darkroom_core::ProviderKind::A1111, "", req).cost
    }

    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        let reference = || {
            req.reference.as_deref().ok_or_else(|| {
                ProviderError::Invalid(format!("{} needs an input image", req.op.as_str()))
            })
        };
        match &req.op {
            Op::Inpaint { mask } => return self.edit(req, reference()?, Some(mask), 0.75),
            Op::Upscale { mode } => {
                let start = std::time::Instant::now();
                let upscaler = if mode.is_empty() {
                    "R-ESRGAN 4x+"
                } else {
                    mode
                };
                let png = self.upscale(reference()?, (req.width, req.height), upscaler)?;
                return Ok(Generated {
                    png,
                    width: req.width,
                    height: req.height,
                    cost: Cost::default(),
                    model_version: Some(format!("a1111 extras {upscaler}")),
                    latency: start.elapsed(),
                    notes: vec![],
                    upstream: None,
                });
            }
            Op::Generate | Op::Outpaint => {}
        }
        match &req.reference {
            // The finish tier re-makes the draft at the finish size: a light img2img pass.
            Some(reference) => self.edit(req, reference, None, 0.35),
            None => self.call("/sdapi/v1/txt2img", &self.body(req), req),
        }
    }
}

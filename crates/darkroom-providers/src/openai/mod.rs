//! OpenAI GPT image models (`gpt-image-1`, `gpt-image-1-mini`, later ids) over
//! `/v1/images/generations` (JSON) and `/v1/images/edits` (multipart: the image, and a mask
//! whose transparent pixels mark the area to repaint).
//!
//! The size is the documented one nearest the request's aspect (`1024x1024`, `1536x1024`,
//! `1024x1536`); the draft tier asks for `low` quality, the finish tier for `high`. The image
//! comes back as `b64_json`; `usage` gives the cost. `moderation_blocked` (and the older
//! `content_policy_violation`) is a refusal; a 429 honours `Retry-After`, except
//! `insufficient_quota`, which waiting will not fix.

use std::time::Duration;

use darkroom_core::provider::{Capabilities, Cost, Generated, Provider, ProviderError, Request};
use darkroom_core::Quality;
use serde_json::{json, Value};

use crate::http::{
    b64_decode, class_of_status, decode_reply, json_body, keep_or_fit, multipart, upstream_of,
    Client, Secret,
};

/// The vendor's endpoint.
pub const DEFAULT_BASE: &str = "https://api.openai.com";

pub use darkroom_core::catalog::openai::{model_info, size_for, ModelInfo};

/// USD per input and output token of a chat (vision) model.
pub fn chat_rates(model: &str) -> (f64, f64) {
    if model.starts_with("gpt-4o-mini") {
        (0.15e-6, 0.60e-6)
    } else if model.starts_with("gpt-4.1-mini") {
        (0.40e-6, 1.60e-6)
    } else if model.starts_with("gpt-4.1-nano") {
        (0.10e-6, 0.40e-6)
    } else {
        (2.50e-6, 10e-6)
    }
}

/// An OpenAI image model.
#[derive(Debug)]
pub struct OpenAi {
    name: String,
    model: String,
    key: Secret,
    base: String,
    client: Client,
}

fn quality(q: Quality) -> &'static str {
    match q {
        Quality::Draft => "low",
        Quality::Finish => "high",
    }
}

impl OpenAi {
    /// A provider named `name` calling `model` at `base` (the vendor's when `None`).
    pub fn new(
        name: String,
        model: String,
        key: Secret,
        base: Option<String>,
        timeout: Duration,
    ) -> OpenAi {
        OpenAi {
            name,
            model,
            key,
            base: crate::http::base_url(base, DEFAULT_BASE),
            client: Client::new(timeout),
        }
    }

    /// A server of the user's own that speaks OpenAI's API (Ollama, llama.cpp, vLLM, LM Studio),
    /// reached without a key (`api_key_env = ""`): no `Authorization` is sent, and its calls
    /// cost nothing.
    pub fn is_own_server(&self) -> bool {
        self.key.expose().is_empty()
    }

    fn auth(&self) -> Vec<(&'static str, String)> {
        if self.is_own_server() {
            return Vec::new();
        }
        vec![("Authorization", format!("Bearer {}", self.key.expose()))]
    }

    /// What `usd` at the vendor's rates costs here: nothing on a server of the user's own.
    fn charged(&self, usd: f64) -> Cost {
        Cost::from_usd(if self.is_own_server() { 0.0 } else { usd })
    }

    /// The generations body, exactly as documented.
    pub fn generation_body(&self, req: &Request) -> Value {
        let (w, h) = size_for(req.width, req.height);
        json!({
            "model": self.model,
            "prompt": req.prompt,
            "n": 1,
            "size": format!("{w}x{h}"),
            "quality": quality(req.quality),
            "output_format": "png"
        })
    }

    /// An edit: `image` (and `mask`, transparent = repaint) with the prompt.
    pub fn edit(
        &self,
        req: &Request,
        image: &[u8],
        mask: Option<&[u8]>,
    ) -> Result<Generated, ProviderError> {
        let (w, h) = size_for(req.width, req.height);
        let fields = [
            ("model", self.model.clone()),
            ("prompt", req.prompt.clone()),
            ("n", "1".into()),
            ("size", format!("{w}x{h}")),
            ("quality", quality(req.quality).into()),
            ("output_format", "png".into()),
        ];
        let mut files: Vec<(&str, &[u8])> = vec![("image", image)];
        if let Some(m) = mask {
            files.push(("mask", m));
        }
        let (ctype, body) = multipart(&fields, &files);
        let url = format!("{}/v1/images/edits", self.base);
        self.finish(self.post(&url, (&ctype, body))?, req)
    }

    /// A POST to the Images or Chat API, the vendor's error read from its body.
    fn post(&self, url: &str, body: (&str, Vec<u8>)) -> Result<(Value, Duration), ProviderError> {
        self.client
            .post_json(url, &self.auth(), body, Some(&self.key), |r| {
                self.error(r.status, &r.body, r.retry_after)
            })
    }

    fn finish(
        &self,
        (v, latency): (Value, Duration),
        req: &Request,
    ) -> Result<Generated, ProviderError> {
        let data = v["data"][0]["b64_json"].as_str().ok_or_else(|| {
            ProviderError::Transient("malformed reply: no data[0].b64_json".into())
        })?;
        let raw = b64_decode(data)?;
        let img = decode_reply(&raw, "openai reply")?;
        let (png, width, height) = keep_or_fit(
            &raw,
            img,
            size_for(req.width, req.height),
            (req.width, req.height),
        )?;
        let info = model_info(&self.model);
        let u = &v["usage"];
        let usd = if u.is_object() {
            let text = u["input_tokens_details"]["text_tokens"]
                .as_f64()
                .unwrap_or(u["input_tokens"].as_f64().unwrap_or(0.0));
            let image = u["input_tokens_details"]["image_tokens"]
                .as_f64()
                .unwrap_or(0.0);
            let out = u["output_tokens"].as_f64().unwrap_or(0.0);
            text * info.text_in + image * info.image_in + out * info.image_out
        } else {
            self.price(req).usd
        };
        let upstream = upstream_of(&raw, &png);
        Ok(Generated {
            png,
            width,
            height,
            cost: self.charged(usd),
            // The body does not echo the model; what was asked is what is recorded.
            model_version: Some(self.model.clone()),
            latency,
            notes: vec![],
            upstream,
        })
    }

    fn error(&self, status: u16, body: &[u8], retry_after: Option<Duration>) -> ProviderError {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let e = &v["error"];
        let code = e["code"].as_str().unwrap_or("");
        let message = self.key.redact(&format!(
            "HTTP {status} {code}: {}",
            e["message"].as_str().map_or_else(
                || String::from_utf8_lossy(body).chars().take(200).collect(),
                String::from
            )
        ));
        match code {
            "moderation_blocked" | "content_policy_violation" => ProviderError::Refused(message),
            "insufficient_quota" | "billing_hard_limit_reached" => ProviderError::Quota(message),
            "invalid_api_key" => ProviderError::Auth(message),
            _ => class_of_status(status, message, retry_after),
        }
    }

    /// Asks a vision model about an image (the vision judge) through `/v1/chat/completions`:
    /// the instructions and the PNG as a data URL. Returns the reply, its cost and latency.
    pub fn ask(
        &self,
        instructions: &str,
        png: &[u8],
    ) -> Result<(String, Cost, Duration), ProviderError> {
        let body = json!({
            "model": self.model,
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": instructions},
                {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{}", crate::http::b64_encode(png))}}
            ]}],
            "temperature": 0
        });
        let url = format!("{}/v1/chat/completions", self.base);
        let (v, latency) = self.post(&url, json_body(&body))?;
        let text = v["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| {
                ProviderError::Transient("malformed reply: no choices[0].message.content".into())
            })?;
        let (inp, out) = chat_rates(&self.model);
        let u = &v["usage"];
        let usd = u["prompt_tokens"].as_f64().unwrap_or(0.0) * inp
            + u["completion_tokens"].as_f64().unwrap_or(0.0) * out;
        Ok((text.to_string(), self.charged(usd), latency))
    }

    /// Worst case of one [`OpenAi::ask`]: the instructions, one image and a short answer.
    pub fn ask_price(&self, instructions: &str) -> Cost {
        let (inp, out) = chat_rates(&self.model);
        let usd = (instructions.len() as f64 + 1600.0 + 300.0) * inp + 1000.0 * out;
        self.charged(usd)
    }

    /// A cheap health check: the model's metadata (authentication, model exists).
    pub fn ping(&self) -> Result<String, ProviderError> {
        let url = format!("{}/v1/models/{}", self.base, self.model);
        let r = self
            .client
            .send("GET", &url, &self.auth(), None, Some(&self.key))?;
        if r.status != 200 {
            return Err(self.error(r.status, &r.body, r.retry_after));
        }
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        Ok(v["id"].as_str().unwrap_or(&self.model).to_string())
    }
}

impl Provider for OpenAi {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        darkroom_core::catalog::capabilities(darkroom_core::ProviderKind::OpenAi, &self.model)
    }

    fn price(&self, req: &Request) -> Cost {
        let quoted =
            darkroom_core::catalog::quote(darkroom_core::ProviderKind::OpenAi, &self.model, req);
        self.charged(quoted.cost.usd)
    }

    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        if let (darkroom_core::provider::Op::Inpaint { mask }, Some(reference)) =
            (&req.op, &req.reference)
        {
            // An in-paint is an edit with a mask. darkroom's masks are white where to repaint;
            // OpenAI's are transparent there: an RGBA PNG the size of the image.
            let m = darkroom_imageops::decode_png(mask, "mask", 1 << 26)
                .map_err(|e| ProviderError::Invalid(format!("mask: {e}")))?;
            let alpha: Vec<u8> = m
                .rgb
                .chunks_exact(3)
                .map(|p| if p[0] > 127 { 0 } else { 255 })
                .collect();
            let rgba = darkroom_imageops::encode_png_rgba(m.width, m.height, &m.rgb, &alpha, &[])
                .map_err(|e| ProviderError::Invalid(format!("mask: {e}")))?;
            return self.edit(req, reference, Some(&rgba));
        }
        if let Some(reference) = &req.reference {
            // The finish tier passes the draft: an edit of it at high quality.
            return self.edit(req, reference, None);
        }
        let url = format!("{}/v1/images/generations", self.base);
        self.finish(self.post(&url, json_body(&self.generation_body(req)))?, req)
    }
}

//! Google Gemini image models ("Nano Banana" `gemini-2.5-flash-image`, "Nano Banana Pro"
//! `gemini-3-pro-image`, and newer ids as configured) over `generateContent`.
//!
//! One request per image: the prompt as a text part, the draft (finish tier) or the image to
//! edit as an `inlineData` part, `responseModalities: ["IMAGE"]`, and `imageConfig` with the
//! documented aspect ratio nearest the request and, for the models that have it, the `imageSize`
//! tier. Thought parts are skipped. A reply without an image, a `promptFeedback.blockReason` or
//! an image `finishReason` is a refusal; a 429 `RESOURCE_EXHAUSTED` carries its retry delay in
//! the body (`RetryInfo.retryDelay`), except per-day quotas, which retrying will not clear. Cost
//! comes from `usageMetadata`; `modelVersion` is recorded.

use std::time::Duration;

use darkroom_core::provider::{Capabilities, Cost, Generated, Provider, ProviderError, Request};
use serde_json::{json, Value};

use crate::http::{
    b64_decode, b64_encode, class_of_status, decode_reply, json_body, keep_or_fit, nearest_aspect,
    upstream_of, Client, Secret,
};

/// The vendor's endpoint.
pub const DEFAULT_BASE: &str = "https://generativelanguage.googleapis.com";

const ASPECTS: &[&str] = &[
    "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
];

pub use darkroom_core::catalog::gemini::{model_info, tier_for, ModelInfo};

/// USD per input and output token of a text-answering (vision) model.
pub fn text_rates(model: &str) -> (f64, f64) {
    if model.contains("flash-lite") {
        (0.10e-6, 0.40e-6)
    } else if model.contains("flash") {
        (0.30e-6, 2.50e-6)
    } else {
        (1.25e-6, 10e-6)
    }
}

/// Pixel size the vendor documents for an aspect ratio and size tier.
pub fn documented_size(model: &str, aspect: &str, tier: &str) -> (u32, u32) {
    let k = match tier {
        "2K" => 2,
        "4K" => 4,
        _ => 1,
    };
    if !model_info(model).sizes {
        return match aspect {
            "2:3" => (832, 1248),
            "3:2" => (1248, 832),
            "3:4" => (864, 1184),
            "4:3" => (1184, 864),
            "4:5" => (896, 1152),
            "5:4" => (1152, 896),
            "9:16" => (768, 1344),
            "16:9" => (1344, 768),
            "21:9" => (1536, 672),
            _ => (1024, 1024),
        };
    }
    let (w, h) = match aspect {
        "2:3" => (848, 1264),
        "3:2" => (1264, 848),
        "3:4" => (896, 1200),
        "4:3" => (1200, 896),
        "4:5" => (928, 1152),
        "5:4" => (1152, 928),
        "9:16" => (768, 1376),
        "16:9" => (1376, 768),
        "21:9" => (1584, 672),
        _ => (1024, 1024),
    };
    (w * k, h * k)
}

/// A Gemini image model.
#[derive(Debug)]
pub struct Gemini {
    name: String,
    model: String,
    key: Secret,
    base: String,
    client: Client,
}

impl Gemini {
    /// A provider named `name` calling `model` at `base` (the vendor's when `None`).
    pub fn new(
        name: String,
        model: String,
        key: Secret,
        base: Option<String>,
        timeout: Duration,
    ) -> Gemini {
        Gemini {
            name,
            model,
            key,
            base: crate::http::base_url(base, DEFAULT_BASE),
            client: Client::new(timeout),
        }
    }

    fn plan(&self, req: &Request) -> (&'static str, &'static str, (u32, u32)) {
        let aspect = nearest_aspect(req.width, req.height, ASPECTS);
        let tier = if model_info(&self.model).sizes {
            tier_for(req.width.max(req.height))
        } else {
            "1K"
        };
        (aspect, tier, documented_size(&self.model, aspect, tier))
    }

    /// The request body, exactly as the vendor documents it.
    pub fn body(&self, req: &Request) -> Value {
        let (aspect, tier, _) = self.plan(req);
        let mut parts = vec![json!({"text": req.prompt})];
        if let Some(img) = &req.reference {
            parts.push(json!({"inlineData": {"mimeType": "image/png", "data": b64_encode(img)}}));
        }
        let mut image_config = json!({"aspectRatio": aspect});
        if model_info(&self.model).sizes {
            image_config["imageSize"] = json!(tier);
        }
        json!({
            "contents": [{"role": "user", "parts": parts}],
            "generationConfig": {"responseModalities": ["IMAGE"], "imageConfig": image_config}
        })
    }

    /// Reads a 200 reply: the first non-thought image part, or why there is none.
    fn read(
        &self,
        v: &Value,
        req: &Request,
        latency: Duration,
    ) -> Result<Generated, ProviderError> {
        if let Some(reason) = v["promptFeedback"]["blockReason"].as_str() {
            let msg = v["promptFeedback"]["blockReasonMessage"]
                .as_str()
                .unwrap_or("");
            return Err(ProviderError::Refused(
                format!("prompt blocked: {reason} {msg}").trim().to_string(),
            ));
        }
        let cand = &v["candidates"][0];
        if cand.is_null() {
            return Err(ProviderError::Transient(
                "malformed reply: no candidates".into(),
            ));
        }
        let finish = cand["finishReason"].as_str().unwrap_or("STOP");
        let image = cand["content"]["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["thought"] != json!(true))
            .find_map(|p| p.get("inlineData").or_else(|| p.get("inline_data")));
        let Some(image) = image else {
            let text: Vec<&str> = cand["content"]["parts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["text"].as_str())
                .collect();
            let msg = cand["finishMessage"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| text.join(" "));
            return Err(ProviderError::Refused(format!(
                "no image ({finish}): {}",
                shorten(&msg)
            )));
        };
        if finish != "STOP" {
            return Err(ProviderError::Refused(format!("image withheld: {finish}")));
        }
        let data = image["data"].as_str().ok_or_else(|| {
            ProviderError::Transient("malformed reply: an inlineData part without data".into())
        })?;
        let bytes = b64_decode(data)?;
        let img = decode_reply(&bytes, "gemini reply")?;
        let (_, _, expected) = self.plan(req);
        let (png, width, height) = keep_or_fit(&bytes, img, expected, (req.width, req.height))?;
        let info = model_info(&self.model);
        let u = &v["usageMetadata"];
        let out = u["candidatesTokenCount"].as_f64().unwrap_or(0.0)
            + u["thoughtsTokenCount"].as_f64().unwrap_or(0.0);
        let inp = u["promptTokenCount"].as_f64().unwrap_or(0.0);
        let usd = if u.is_object() {
            out * info.out_per_token + inp * info.in_per_token
        } else {
            self.price(req).usd
        };
        let upstream = upstream_of(&bytes, &png);
        Ok(Generated {
            png,
            width,
            height,
            cost: Cost::from_usd(usd),
            model_version: v["modelVersion"].as_str().map(String::from),
            latency,
            notes: vec![],
            upstream,
        })
    }

    /// Reads an error reply in Google's RPC shape.
    fn error(&self, status: u16, body: &[u8], retry_after: Option<Duration>) -> ProviderError {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let e = &v["error"];
        let message = self.key.redact(&format!(
            "HTTP {status} {}: {}",
            e["status"].as_str().unwrap_or(""),
            shorten(
                e["message"]
                    .as_str()
                    .unwrap_or(&String::from_utf8_lossy(body))
            )
        ));
        let details = e["details"].as_array().cloned().unwrap_or_default();
        if status == 429 {
            let per_day = details.iter().any(|d| {
                d["violations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|x| x["quotaId"].as_str().is_some_and(|q| q.contains("PerDay")))
            });
            if per_day {
                // A daily quota does not clear by waiting seconds: stop, do not retry.
                return ProviderError::Quota(format!("per-day limit: {message}"));
            }
            let hint = details
                .iter()
                .find_map(|d| d["retryDelay"].as_str())
                .and_then(|s| s.trim_end_matches('s').parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
                .or(retry_after);
            return ProviderError::RateLimited {
                retry_after: hint,
                message,
            };
        }
        class_of_status(status, message, retry_after)
    }

    /// One `generateContent` call: the JSON reply, or the vendor's error classified.
    fn post(&self, body: &Value) -> Result<(Value, Duration), ProviderError> {
        self.client.post_json(
            &self.url("generateContent"),
            &[("x-goog-api-key", self.key.expose().to_string())],
            json_body(body),
            Some(&self.key),
            |r| self.error(r.status, &r.body, r.retry_after),
        )
    }

    fn url(&self, method: &str) -> String {
        format!("{}/v1beta/models/{}:{method}", self.base, self.model)
    }

    /// Asks a vision model about an image (the vision judge): the instructions and the PNG in
    /// one `generateContent` call with a text reply. Returns the reply text, its cost (text
    /// pricing from `usageMetadata`) and the latency.
    pub fn ask(
        &self,
        instructions: &str,
        png: &[u8],
    ) -> Result<(String, Cost, Duration), ProviderError> {
        let body = json!({
            "contents": [{"role": "user", "parts": [
                {"text": instructions},
                {"inlineData": {"mimeType": "image/png", "data": b64_encode(png)}}
            ]}],
            "generationConfig": {"responseModalities": ["TEXT"], "temperature": 0}
        });
        let (v, latency) = self.post(&body)?;
        if let Some(reason) = v["promptFeedback"]["blockReason"].as_str() {
            return Err(ProviderError::Refused(format!("prompt blocked: {reason}")));
        }
        let text: Vec<&str> = v["candidates"][0]["content"]["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["thought"] != json!(true))
            .filter_map(|p| p["text"].as_str())
            .collect();
        let (inp, out) = text_rates(&self.model);
        let u = &v["usageMetadata"];
        let usd = u["promptTokenCount"].as_f64().unwrap_or(0.0) * inp
            + (u["candidatesTokenCount"].as_f64().unwrap_or(0.0)
                + u["thoughtsTokenCount"].as_f64().unwrap_or(0.0))
                * out;
        Ok((text.join("\n"), Cost::from_usd(usd), latency))
    }

    /// Worst case of one [`Gemini::ask`]: the instructions, one image and a short answer.
    pub fn ask_price(&self, instructions: &str) -> Cost {
        let (inp, out) = text_rates(&self.model);
        let usd = (instructions.len() as f64 + 1290.0 + 300.0) * inp + 1000.0 * out;
        Cost::from_usd(usd)
    }

    /// A cheap health check: the model's metadata (authentication, model exists).
    pub fn ping(&self) -> Result<String, ProviderError> {
        let url = format!("{}/v1beta/models/{}", self.base, self.model);
        let r = self.client.send(
            "GET",
            &url,
            &[("x-goog-api-key", self.key.expose().to_string())],
            None,
            Some(&self.key),
        )?;
        if r.status != 200 {
            return Err(self.error(r.status, &r.body, r.retry_after));
        }
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        Ok(v["displayName"]
            .as_str()
            .or(v["name"].as_str())
            .unwrap_or(&self.model)
            .to_string())
    }
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(199).collect::<String>())
    } else {
        s.to_string()
    }
}

impl Provider for Gemini {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        darkroom_core::catalog::capabilities(darkroom_core::ProviderKind::Gemini, &self.model)
    }

    fn price(&self, req: &Request) -> Cost {
        darkroom_core::catalog::quote(darkroom_core::ProviderKind::Gemini, &self.model, req).cost
    }

    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        let (v, latency) = self.post(&self.body(req))?;
        self.read(&v, req, latency)
    }
}

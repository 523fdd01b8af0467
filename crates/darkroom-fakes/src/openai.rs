//! The fake OpenAI API: image generations and multipart edits, chat completions for vision, models.

use serde_json::{json, Value};

use crate::gemini::{answer_about, answer_all};
use crate::{b64, json_answer, png, png_alpha_size, Answer, Fake, Script, Seen};

impl Fake {
    fn openai_error(status: u16, kind: &str, code: &str, message: &str) -> Answer {
        json_answer(
            status,
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
        )
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the vendor's documented request checks for one endpoint, in the order its documentation gives them"
    )]
    pub(crate) fn openai_answer(&self, s: &mut Seen) -> Answer {
        let reject = |s: &mut Seen, why: String| {
            s.verdict = Err(why.clone());
            Fake::openai_error(400, "invalid_request_error", "invalid_value", &why)
        };
        // Without a key it is a server of the user's own (Ollama, llama.cpp, vLLM): it takes no
        // `Authorization`, and a client that sends one anyway ("Bearer " and nothing) is wrong.
        if self.key.is_empty() {
            if let Some(h) = s.header("authorization") {
                s.verdict = Err(format!("a server that takes no key got Authorization: {h}"));
                return Fake::openai_error(
                    400,
                    "invalid_request_error",
                    "unexpected_auth",
                    "no key is taken here",
                );
            }
        } else if s.header("authorization") != Some(format!("Bearer {}", self.key).as_str()) {
            s.verdict = Err("missing or wrong Authorization: Bearer".into());
            return Fake::openai_error(
                401,
                "invalid_request_error",
                "invalid_api_key",
                "Incorrect API key provided.",
            );
        }
        let (w, h, model) = match (s.method.as_str(), s.path.as_str()) {
            ("GET", p) if p.starts_with("/v1/models/") => {
                return json_answer(
                    200,
                    json!({"id": &p["/v1/models/".len()..], "object": "model", "owned_by": "openai"}),
                );
            }
            ("POST", "/v1/chat/completions") => {
                let v: Value = serde_json::from_slice(&s.body).unwrap_or(Value::Null);
                let content = v["messages"][0]["content"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let text = content
                    .iter()
                    .find(|c| c["type"] == "text")
                    .and_then(|c| c["text"].as_str())
                    .unwrap_or("")
                    .to_string();
                let image_ok = content.iter().any(|c| {
                    c["type"] == "image_url"
                        && c["image_url"]["url"]
                            .as_str()
                            .is_some_and(|u| u.starts_with("data:image/png;base64,"))
                });
                if !v["model"].is_string() || text.is_empty() || !image_ok {
                    return reject(s, "chat completions need a model and a user message with text and an image_url data URL".into());
                }
                let reply = match self.next() {
                    Script::Refuse(_) => "I'm sorry, I can't help with that.".to_string(),
                    Script::AnswerNoAbout(words) => answer_about(&text, words),
                    _ => answer_all(&text),
                };
                return json_answer(
                    200,
                    json!({
                        "id": "chatcmpl-fake", "object": "chat.completion", "model": v["model"],
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1500, "completion_tokens": 40, "total_tokens": 1540}
                    }),
                );
            }
            ("POST", "/v1/images/generations") => {
                if !s
                    .header("content-type")
                    .is_some_and(|c| c.starts_with("application/json"))
                {
                    return reject(s, "generations takes JSON".into());
                }
                let v: Value = match serde_json::from_slice(&s.body) {
                    Ok(v) => v,
                    Err(e) => return reject(s, format!("body is not JSON: {e}")),
                };
                let fields: Vec<(String, String)> = v
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.as_str().map_or_else(|| v.to_string(), String::from),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                match validate_openai(&fields, false) {
                    Ok(x) => x,
                    Err(why) => return reject(s, why),
                }
            }
            ("POST", "/v1/images/edits") => {
                let parts = match s.multipart() {
                    Ok(p) => p,
                    Err(why) => return reject(s, why),
                };
                let fields: Vec<(String, String)> = parts
                    .iter()
                    .filter(|p| p.1.is_none())
                    .map(|p| (p.0.clone(), String::from_utf8_lossy(&p.2).into_owned()))
                    .collect();
                let out = match validate_openai(&fields, true) {
                    Ok(x) => x,
                    Err(why) => return reject(s, why),
                };
                let file = |name: &str| {
                    parts
                        .iter()
                        .find(|p| p.0 == name && p.1.is_some())
                        .map(|p| p.2.clone())
                };
                let Some(image) = file("image").or_else(|| file("image[]")) else {
                    return reject(s, "an edit needs an `image` file".into());
                };
                let Ok(img) = darkroom_imageops::decode(
                    &image,
                    "image",
                    darkroom_imageops::Limits::default(),
                ) else {
                    return reject(s, "`image` is not a PNG, JPEG or WebP".into());
                };
                if let Some(mask) = file("mask") {
                    // The mask must be a PNG with an alpha channel, the size of the image.
                    match png_alpha_size(&mask) {
                        Some((mw, mh, true)) if (mw, mh) == (img.width, img.height) => {}
                        Some((mw, mh, alpha)) => {
                            return reject(s, format!("mask {mw}x{mh} (alpha: {alpha}) must be an RGBA PNG the size of the image ({}x{})", img.width, img.height));
                        }
                        None => return reject(s, "mask is not a PNG".into()),
                    }
                }
                out
            }
            _ => {
                s.verdict = Err(format!("unknown route {} {}", s.method, s.path));
                return Fake::openai_error(
                    404,
                    "invalid_request_error",
                    "unknown_url",
                    "Unknown request URL",
                );
            }
        };
        let mini = model.starts_with("gpt-image-1-mini");
        let ok = |w: u32, h: u32| {
            json_answer(
                200,
                json!({
                    "created": 1_760_000_000u64,
                    "data": [{"b64_json": b64(&self.stamped(png(w, h)))}],
                    "output_format": "png", "size": format!("{w}x{h}"),
                    "usage": {"input_tokens": 50, "input_tokens_details": {"text_tokens": 50, "image_tokens": 0},
                              "output_tokens": if mini { 272 } else { 4160 }, "total_tokens": 50 + if mini { 272 } else { 4160 }}
                }),
            )
        };
        match self.next() {
            Script::Ok | Script::AnswerNo | Script::AnswerNoAbout(_) => ok(w, h),
            Script::Slow(d) => Answer {
                delay: Some(d),
                ..ok(w, h)
            },
            Script::WrongSize => ok(512, 512),
            Script::RateLimited(secs) => {
                let mut a = Fake::openai_error(
                    429,
                    "requests",
                    "rate_limit_exceeded",
                    "Rate limit reached for images per minute.",
                );
                a.headers.push(("Retry-After".into(), format!("{secs}")));
                a
            }
            Script::Quota => Fake::openai_error(
                429,
                "insufficient_quota",
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.",
            ),
            Script::ServerError | Script::NodeError => Fake::openai_error(
                500,
                "server_error",
                "server_error",
                "The server had an error while processing your request.",
            ),
            Script::Refuse(_) => json_answer(
                400,
                json!({"error": {"message": "Your request was rejected by the safety system.", "type": "image_generation_user_error", "param": null, "code": "moderation_blocked", "moderation_details": {"moderation_stage": "input", "categories": ["violence"]}}}),
            ),
            Script::Malformed => Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: b"{\"data\": [{\"b64_json\": 42}]}".to_vec(),
                delay: None,
            },
        }
    }
}

/// Validates OpenAI image fields; returns (w, h, model).
fn validate_openai(fields: &[(String, String)], edit: bool) -> Result<(u32, u32, String), String> {
    let allowed: &[&str] = if edit {
        &[
            "model",
            "prompt",
            "n",
            "size",
            "quality",
            "background",
            "output_format",
            "output_compression",
            "input_fidelity",
            "user",
        ]
    } else {
        &[
            "model",
            "prompt",
            "n",
            "size",
            "quality",
            "background",
            "output_format",
            "output_compression",
            "moderation",
            "user",
            "style",
            "response_format",
        ]
    };
    let get = |k: &str| fields.iter().find(|f| f.0 == k).map(|f| f.1.as_str());
    for (k, _) in fields {
        if !allowed.contains(&k.as_str()) {
            return Err(format!("Unrecognized request argument supplied: {k}"));
        }
    }
    let model = get("model")
        .ok_or("model is required for GPT image")?
        .to_string();
    if !model.starts_with("gpt-image-") {
        return Err(format!("model {model} is not a GPT image model"));
    }
    if get("prompt").is_none_or(str::is_empty) {
        return Err("prompt is required".into());
    }
    if let Some(n) = get("n") {
        if n.parse::<u32>().map_or(true, |n| !(1..=10).contains(&n)) {
            return Err(format!("n {n}: 1 to 10"));
        }
    }
    if let Some(q) = get("quality") {
        if !["low", "medium", "high", "auto"].contains(&q) {
            return Err(format!("quality {q}"));
        }
    }
    if let Some(f) = get("output_format") {
        if !["png", "jpeg", "webp"].contains(&f) {
            return Err(format!("output_format {f}"));
        }
    }
    let (w, h) = match get("size").unwrap_or("auto") {
        "1024x1024" | "auto" => (1024, 1024),
        "1536x1024" => (1536, 1024),
        "1024x1536" => (1024, 1536),
        other => return Err(format!("Invalid value: '{other}'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.")),
    };
    Ok((w, h, model))
}

//! Local fake servers for the image vendors, for tests: each speaks its vendor's documented
//! wire format (`reference/providers.md`) and **rejects anything else** — a wrong path, a
//! missing or wrong key, an undocumented field, an out-of-range value — with the vendor's own
//! error shape, so a test that passes proves the requests are what the vendor documents.
//!
//! Behaviour is scripted per call ([`Script`]): success, 429 with the vendor's retry hint, 5xx,
//! a refusal in the vendor's own way, a malformed body, an image of the wrong size, a slow
//! reply. Every request is recorded with the verdict of the validation.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

/// What the next call gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Script {
    /// A documented success.
    Ok,
    /// 429 with the vendor's retry hint (seconds).
    RateLimited(f64),
    /// 429 for a quota that waiting will not clear (Gemini per-day, OpenAI insufficient_quota).
    Quota,
    /// 503.
    ServerError,
    /// A refusal in the vendor's way; Gemini has three (`prompt`, `finish`, `text`).
    Refuse(&'static str),
    /// 200 with a body that is not the documented JSON.
    Malformed,
    /// A valid reply whose image is 512×512 whatever was asked.
    WrongSize,
    /// A success after this long.
    Slow(Duration),
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path with query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// `Ok` when the request was what the vendor documents; else why not (and the fake
    /// answered with the vendor's 400/401).
    pub verdict: Result<(), String>,
}

impl Seen {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.0 == name)
            .map(|h| h.1.as_str())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Vendor {
    Gemini,
    OpenAi,
    A1111,
}

/// A running fake server.
#[derive(Clone)]
pub struct Fake {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    vendor: Vendor,
    key: String,
    script: Arc<Mutex<VecDeque<Script>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Option<Duration>,
}

fn json_answer(status: u16, v: Value) -> Answer {
    Answer {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: v.to_string().into_bytes(),
        delay: None,
    }
}

/// A PNG of the given size: a soft gradient with a dark square, so it decodes and judges.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let inside = x > w / 3 && x < w * 2 / 3 && y > h / 3 && y < h * 2 / 3;
            if inside {
                rgb.extend_from_slice(&[0, 71, 171]);
            } else {
                rgb.extend_from_slice(&[244, 241, (200 + (x + y) % 40) as u8]);
            }
        }
    }
    darkroom_imageops::encode_png(w, h, &rgb, &[]).expect("a well-formed buffer")
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

impl Fake {
    /// A fake Gemini API (`generateContent`) that accepts `key` in `x-goog-api-key`.
    pub fn gemini(key: &str) -> Fake {
        Fake::start(Vendor::Gemini, key)
    }

    /// A fake OpenAI Images API that accepts `Authorization: Bearer <key>`.
    pub fn openai(key: &str) -> Fake {
        Fake::start(Vendor::OpenAi, key)
    }

    /// A fake AUTOMATIC1111 web UI API (no auth).
    pub fn a1111() -> Fake {
        Fake::start(Vendor::A1111, "")
    }

    fn start(vendor: Vendor, key: &str) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let fake = Fake {
            url,
            vendor,
            key: key.to_string(),
            script: Arc::default(),
            seen: Arc::default(),
        };
        let f = fake.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let f = f.clone();
                std::thread::spawn(move || {
                    let _ = f.serve(conn);
                });
            }
        });
        fake
    }

    /// Queues behaviours for the next calls (after them: success).
    pub fn push(&self, s: impl IntoIterator<Item = Script>) {
        self.script.lock().unwrap().extend(s);
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests the fake rejected as not what the vendor documents.
    pub fn rejected(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter_map(|s| s.verdict.err())
            .collect()
    }

    fn serve(&self, conn: TcpStream) -> std::io::Result<()> {
        let mut r = BufReader::new(conn.try_clone()?);
        let mut line = String::new();
        r.read_line(&mut line)?;
        let mut it = line.split_whitespace();
        let (method, path) = (
            it.next().unwrap_or("").to_string(),
            it.next().unwrap_or("").to_string(),
        );
        let mut headers = Vec::new();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if r.read_line(&mut h)? == 0 {
                break;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                if k == "content-length" {
                    len = v.parse().unwrap_or(0);
                }
                headers.push((k, v));
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        let mut seen = Seen {
            method,
            path,
            headers,
            body,
            verdict: Ok(()),
        };
        let answer = match self.vendor {
            Vendor::Gemini => self.gemini_answer(&mut seen),
            Vendor::OpenAi => self.openai_answer(&mut seen),
            Vendor::A1111 => self.a1111_answer(&mut seen),
        };
        self.seen.lock().unwrap().push(seen);
        if let Some(d) = answer.delay {
            std::thread::sleep(d);
        }
        let mut w = conn;
        let reason = match answer.status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            429 => "Too Many Requests",
            _ => "Service Unavailable",
        };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
            answer.status,
            answer.body.len()
        );
        for (k, v) in &answer.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        w.write_all(head.as_bytes())?;
        w.write_all(&answer.body)?;
        w.flush()
    }

    fn next(&self) -> Script {
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Script::Ok)
    }

    // ---------------------------------------------------------------- Gemini

    fn gemini_error(code: u16, status: &str, message: &str, details: Value) -> Answer {
        json_answer(
            code,
            json!({"error": {"code": code, "message": message, "status": status, "details": details}}),
        )
    }

    fn gemini_answer(&self, s: &mut Seen) -> Answer {
        let reject = |s: &mut Seen, why: String| {
            s.verdict = Err(why.clone());
            Fake::gemini_error(400, "INVALID_ARGUMENT", &why, json!([]))
        };
        if s.header("x-goog-api-key") != Some(self.key.as_str()) {
            s.verdict = Err("missing or wrong x-goog-api-key".into());
            return Fake::gemini_error(
                403,
                "PERMISSION_DENIED",
                "API key not valid. Please pass a valid API key.",
                json!([]),
            );
        }
        let Some(rest) = s.path.strip_prefix("/v1beta/models/") else {
            s.verdict = Err(format!("unknown path {}", s.path));
            return Fake::gemini_error(404, "NOT_FOUND", "not found", json!([]));
        };
        let model_ok = |m: &str| {
            !m.is_empty()
                && m.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        };
        if s.method == "GET" {
            if !model_ok(rest) {
                return reject(s, format!("bad model id {rest}"));
            }
            return json_answer(
                200,
                json!({"name": format!("models/{rest}"), "displayName": "Nano Banana (fake)"}),
            );
        }
        let Some(model) = rest
            .strip_suffix(":generateContent")
            .filter(|m| model_ok(m))
        else {
            return reject(s, format!("not a generateContent path: {}", s.path));
        };
        if s.method != "POST"
            || !s
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        {
            return reject(s, "generateContent is a JSON POST".into());
        }
        let v: Value = match serde_json::from_slice(&s.body) {
            Ok(v) => v,
            Err(e) => return reject(s, format!("body is not JSON: {e}")),
        };
        let (aspect, size) = match validate_gemini(&v, model) {
            Ok(x) => x,
            Err(why) => return reject(s, why),
        };
        if v["generationConfig"]["responseModalities"] == json!(["TEXT"]) {
            // A vision model answering the checklist: "N: yes" for every numbered question.
            let question_text = v["contents"][0]["parts"][0]["text"].as_str().unwrap_or("");
            let text = match self.next() {
                Script::Refuse(_) => "I can't help with that.".to_string(),
                _ => answer_all(question_text),
            };
            return json_answer(
                200,
                json!({
                    "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": 1400, "candidatesTokenCount": 40, "totalTokenCount": 1440},
                    "modelVersion": model
                }),
            );
        }
        let pro = model.starts_with("gemini-3");
        let k = match size.as_str() {
            "2K" => 2,
            "4K" => 4,
            _ => 1,
        };
        let (w, h) = if pro {
            let (w, h) = match aspect.as_str() {
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
        } else {
            match aspect.as_str() {
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
            }
        };
        let tokens = if pro {
            if k == 4 {
                2000
            } else {
                1120
            }
        } else {
            1290
        };
        let ok = |w: u32, h: u32| {
            json_answer(
                200,
                json!({
                    "candidates": [{"content": {"role": "model", "parts": [
                        {"text": "Planning the composition.", "thought": true},
                        {"inlineData": {"mimeType": "image/png", "data": b64(&png(w, h))}}
                    ]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": 40, "candidatesTokenCount": tokens, "totalTokenCount": 40 + tokens},
                    "modelVersion": format!("{model}-fake-001"),
                    "responseId": "fake"
                }),
            )
        };
        match self.next() {
            Script::Ok => ok(w, h),
            Script::Slow(d) => Answer {
                delay: Some(d),
                ..ok(w, h)
            },
            Script::WrongSize => ok(512, 512),
            Script::RateLimited(secs) => Fake::gemini_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).",
                json!([
                    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_requests_per_model", "quotaId": "GenerateRequestsPerMinutePerProjectPerModel"}]},
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{secs}s")}
                ]),
            ),
            Script::Quota => Fake::gemini_error(
                429,
                "RESOURCE_EXHAUSTED",
                "You exceeded your current quota.",
                json!([
                    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_requests_per_model_per_day", "quotaId": "GenerateRequestsPerDayPerProjectPerModel"}]}
                ]),
            ),
            Script::ServerError => Fake::gemini_error(
                503,
                "UNAVAILABLE",
                "The model is overloaded. Please try again later.",
                json!([]),
            ),
            Script::Refuse("prompt") => json_answer(
                200,
                json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "usageMetadata": {"promptTokenCount": 40, "totalTokenCount": 40}, "modelVersion": model}),
            ),
            Script::Refuse("finish") => json_answer(
                200,
                json!({"candidates": [{"content": {"role": "model", "parts": []}, "finishReason": "IMAGE_SAFETY", "finishMessage": "Unable to show the generated image."}], "modelVersion": model}),
            ),
            Script::Refuse(_) => json_answer(
                200,
                json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "I can't create that image."}]}, "finishReason": "STOP"}], "modelVersion": model}),
            ),
            Script::Malformed => Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: b"{\"candidates\": [{\"content\": ".to_vec(),
                delay: None,
            },
        }
    }

    // ---------------------------------------------------------------- AUTOMATIC1111

    fn a1111_answer(&self, s: &mut Seen) -> Answer {
        let reject = |s: &mut Seen, why: String| {
            s.verdict = Err(why.clone());
            json_answer(
                422,
                json!({"detail": [{"loc": ["body"], "msg": why, "type": "value_error"}]}),
            )
        };
        if s.method == "GET" && s.path == "/sdapi/v1/sd-models" {
            return json_answer(
                200,
                json!([{"title": "sd_xl_base_1.0.safetensors [31e35c80fc]", "model_name": "sd_xl_base_1.0", "hash": "31e35c80fc"}]),
            );
        }
        let route = match (s.method.as_str(), s.path.as_str()) {
            ("POST", "/sdapi/v1/txt2img") => "txt2img",
            ("POST", "/sdapi/v1/img2img") => "img2img",
            ("POST", "/sdapi/v1/extra-single-image") => "extras",
            _ => {
                s.verdict = Err(format!("unknown route {} {}", s.method, s.path));
                return json_answer(404, json!({"detail": "Not Found"}));
            }
        };
        let v: Value = match serde_json::from_slice(&s.body) {
            Ok(v) => v,
            Err(e) => return reject(s, format!("body is not JSON: {e}")),
        };
        let Some(o) = v.as_object() else {
            return reject(s, "body is not an object".into());
        };
        // Base64, with or without a `data:image/...;base64,` prefix (both are accepted).
        let b64_ok = |x: &Value| {
            x.as_str()
                .map(|t| t.split_once(',').map_or(t, |(_, d)| d))
                .is_some_and(|t| base64::engine::general_purpose::STANDARD.decode(t).is_ok())
        };
        let (w, h) = if route == "extras" {
            for k in o.keys() {
                if ![
                    "image",
                    "resize_mode",
                    "upscaling_resize",
                    "upscaling_resize_w",
                    "upscaling_resize_h",
                    "upscaling_crop",
                    "upscaler_1",
                    "upscaler_2",
                    "extras_upscaler_2_visibility",
                    "gfpgan_visibility",
                    "codeformer_visibility",
                    "codeformer_weight",
                    "upscale_first",
                    "show_extras_results",
                ]
                .contains(&k.as_str())
                {
                    return reject(s, format!("extra field not permitted: {k}"));
                }
            }
            if !b64_ok(&v["image"]) {
                return reject(s, "image must be base64".into());
            }
            if ![
                "None",
                "Lanczos",
                "Nearest",
                "ESRGAN_4x",
                "R-ESRGAN 4x+",
                "R-ESRGAN 4x+ Anime6B",
                "SwinIR_4x",
            ]
            .contains(&v["upscaler_1"].as_str().unwrap_or("None"))
            {
                return json_answer(
                    400,
                    json!({"error": "HTTPException", "detail": "upscaler not found"}),
                );
            }
            (
                v["upscaling_resize_w"].as_u64().unwrap_or(512) as u32,
                v["upscaling_resize_h"].as_u64().unwrap_or(512) as u32,
            )
        } else {
            let mut allowed = vec![
                "prompt",
                "negative_prompt",
                "styles",
                "seed",
                "subseed",
                "subseed_strength",
                "sampler_name",
                "scheduler",
                "batch_size",
                "n_iter",
                "steps",
                "cfg_scale",
                "width",
                "height",
                "restore_faces",
                "tiling",
                "override_settings",
                "override_settings_restore_afterwards",
                "send_images",
                "save_images",
                "enable_hr",
                "hr_scale",
                "hr_upscaler",
                "denoising_strength",
                "alwayson_scripts",
                "script_name",
                "script_args",
            ];
            if route == "img2img" {
                allowed.extend([
                    "init_images",
                    "resize_mode",
                    "image_cfg_scale",
                    "mask",
                    "mask_blur",
                    "inpainting_fill",
                    "inpaint_full_res",
                    "inpaint_full_res_padding",
                    "inpainting_mask_invert",
                    "include_init_images",
                ]);
            }
            for k in o.keys() {
                if !allowed.contains(&k.as_str()) {
                    return reject(s, format!("extra field not permitted: {k}"));
                }
            }
            let dim = |k: &str| {
                v[k].as_u64()
                    .filter(|d| (64..=2048).contains(d) && d % 8 == 0)
            };
            let (Some(w), Some(h)) = (dim("width"), dim("height")) else {
                return reject(
                    s,
                    "width and height must be multiples of 8 in 64..2048".into(),
                );
            };
            if !v["prompt"].is_string()
                || !v["seed"].is_i64()
                || !v["steps"].as_u64().is_some_and(|x| (1..=150).contains(&x))
            {
                return reject(
                    s,
                    "prompt (string), seed (integer) and steps (1..150) are required here".into(),
                );
            }
            if !["Euler a", "Euler", "DPM++ 2M", "DPM++ SDE", "DDIM", "UniPC"]
                .contains(&v["sampler_name"].as_str().unwrap_or("Euler"))
            {
                return json_answer(
                    400,
                    json!({"error": "HTTPException", "detail": "Sampler not found"}),
                );
            }
            if route == "img2img" {
                let Some(init) = v["init_images"].as_array().filter(|a| !a.is_empty()) else {
                    s.verdict = Err("img2img without init_images".into());
                    return json_answer(
                        404,
                        json!({"error": "HTTPException", "detail": "Init image not found"}),
                    );
                };
                if !init.iter().all(b64_ok) || (v.get("mask").is_some() && !b64_ok(&v["mask"])) {
                    return json_answer(
                        500,
                        json!({"error": "HTTPException", "detail": "Invalid encoded image"}),
                    );
                }
                if !v["denoising_strength"]
                    .as_f64()
                    .is_some_and(|d| (0.0..=1.0).contains(&d))
                {
                    return reject(s, "denoising_strength must be in 0..1".into());
                }
            }
            (w as u32, h as u32)
        };
        let seed = v["seed"].as_i64().unwrap_or(-1);
        let ok = |w: u32, h: u32| {
            let img = b64(&png(w, h));
            if route == "extras" {
                return json_answer(200, json!({"image": img, "html_info": "<p></p>"}));
            }
            let info = json!({"seed": seed, "all_seeds": [seed], "width": w, "height": h, "sd_model_name": "sd_xl_base_1.0", "sd_model_hash": "31e35c80fc", "index_of_first_image": 0, "version": "v1.10.1"});
            json_answer(
                200,
                json!({"images": [img], "parameters": v, "info": info.to_string()}),
            )
        };
        match self.next() {
            Script::Ok | Script::RateLimited(_) | Script::Quota | Script::Refuse(_) => ok(w, h),
            Script::Slow(d) => Answer {
                delay: Some(d),
                ..ok(w, h)
            },
            Script::WrongSize => ok(512, 512),
            Script::ServerError => json_answer(
                500,
                json!({"error": "OutOfMemoryError", "detail": "CUDA out of memory.", "body": "", "errors": ""}),
            ),
            Script::Malformed => Answer {
                status: 200,
                headers: vec![],
                body: b"<html>Internal Server Error</html>".to_vec(),
                delay: None,
            },
        }
    }

    // ---------------------------------------------------------------- OpenAI

    fn openai_error(status: u16, kind: &str, code: &str, message: &str) -> Answer {
        json_answer(
            status,
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
        )
    }

    fn openai_answer(&self, s: &mut Seen) -> Answer {
        let reject = |s: &mut Seen, why: String| {
            s.verdict = Err(why.clone());
            Fake::openai_error(400, "invalid_request_error", "invalid_value", &why)
        };
        if s.header("authorization") != Some(format!("Bearer {}", self.key).as_str()) {
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
                let ctype = s.header("content-type").unwrap_or("").to_string();
                let Some(boundary) = ctype.strip_prefix("multipart/form-data; boundary=") else {
                    return reject(s, format!("edits take multipart/form-data, not {ctype}"));
                };
                let parts = match parse_multipart(&s.body, boundary) {
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
                    "data": [{"b64_json": b64(&png(w, h))}],
                    "output_format": "png", "size": format!("{w}x{h}"),
                    "usage": {"input_tokens": 50, "input_tokens_details": {"text_tokens": 50, "image_tokens": 0},
                              "output_tokens": if mini { 272 } else { 4160 }, "total_tokens": 50 + if mini { 272 } else { 4160 }}
                }),
            )
        };
        match self.next() {
            Script::Ok => ok(w, h),
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
            Script::ServerError => Fake::openai_error(
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

/// "N: yes" for every line of `text` that starts with a number and a colon.
fn answer_all(text: &str) -> String {
    text.lines()
        .filter_map(|l| {
            l.split_once(':')
                .and_then(|(n, _)| n.trim().parse::<u32>().ok())
        })
        .map(|n| format!("{n}: yes"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validates a `generateContent` body; returns (aspectRatio, imageSize).
fn validate_gemini(v: &Value, model: &str) -> Result<(String, String), String> {
    let top = v.as_object().ok_or("body is not an object")?;
    for k in top.keys() {
        if ![
            "contents",
            "generationConfig",
            "safetySettings",
            "tools",
            "systemInstruction",
        ]
        .contains(&k.as_str())
        {
            return Err(format!(
                "Invalid JSON payload received. Unknown name \"{k}\""
            ));
        }
    }
    let parts = v["contents"][0]["parts"]
        .as_array()
        .ok_or("contents[0].parts is required")?;
    if !parts.iter().any(|p| p["text"].is_string()) {
        return Err("a text part is required".into());
    }
    for p in parts {
        let o = p.as_object().ok_or("a part is an object")?;
        if o.len() != 1 || !(o.contains_key("text") || o.contains_key("inlineData")) {
            return Err(format!(
                "a part has exactly one of text, inlineData: {}",
                o.keys().cloned().collect::<Vec<_>>().join(",")
            ));
        }
        if let Some(d) = o.get("inlineData") {
            let mime = d["mimeType"].as_str().unwrap_or("");
            if !["image/png", "image/jpeg", "image/webp"].contains(&mime) {
                return Err(format!("inlineData.mimeType {mime:?}"));
            }
            let data = d["data"].as_str().ok_or("inlineData.data is required")?;
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|e| format!("inlineData.data is not base64: {e}"))?;
        }
    }
    let g = &v["generationConfig"];
    if let Some(o) = g.as_object() {
        for k in o.keys() {
            if ![
                "responseModalities",
                "imageConfig",
                "temperature",
                "candidateCount",
                "seed",
                "thinkingConfig",
            ]
            .contains(&k.as_str())
            {
                return Err(format!("Unknown name \"{k}\" at 'generation_config'"));
            }
        }
    }
    for m in g["responseModalities"].as_array().into_iter().flatten() {
        if !["TEXT", "IMAGE"].contains(&m.as_str().unwrap_or("")) {
            return Err(format!("responseModalities value {m}"));
        }
    }
    let ic = &g["imageConfig"];
    if let Some(o) = ic.as_object() {
        for k in o.keys() {
            if !["aspectRatio", "imageSize"].contains(&k.as_str()) {
                return Err(format!(
                    "Unknown name \"{k}\" at 'generation_config.image_config'"
                ));
            }
        }
    }
    let aspect = ic["aspectRatio"].as_str().unwrap_or("1:1").to_string();
    if ![
        "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
    ]
    .contains(&aspect.as_str())
    {
        return Err(format!("aspectRatio {aspect} is not supported"));
    }
    let size = match ic.get("imageSize") {
        None => "1K".to_string(),
        Some(s) => {
            let s = s.as_str().unwrap_or("").to_string();
            if !["1K", "2K", "4K"].contains(&s.as_str()) {
                return Err(format!("imageSize {s:?}: use 1K, 2K or 4K"));
            }
            if !model.starts_with("gemini-3") {
                return Err(format!("imageSize is not supported by {model}"));
            }
            s
        }
    };
    Ok((aspect, size))
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

/// `(name, filename, bytes)` of each part.
type Part = (String, Option<String>, Vec<u8>);

fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let find = |hay: &[u8], from: usize, needle: &[u8]| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut at = find(body, 0, d).ok_or("no multipart boundary in the body")? + d.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        at += 2; // CRLF after the boundary
        let head_end = find(body, at, b"\r\n\r\n").ok_or("a part without headers")?;
        let head = String::from_utf8_lossy(&body[at..head_end]).to_string();
        let next = find(body, head_end, d).ok_or("an unterminated part")?;
        let content = body[head_end + 4..next - 2].to_vec();
        let disp = head
            .lines()
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-disposition: form-data")
            })
            .ok_or("a part without Content-Disposition: form-data")?;
        let attr = |k: &str| {
            disp.split(';')
                .filter_map(|p| p.trim().strip_prefix(&format!("{k}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
                .next()
        };
        let name = attr("name").ok_or("a part without a name")?;
        parts.push((name, attr("filename"), content));
        at = next + d.len();
    }
}

/// Width, height and whether the PNG has an alpha channel (colour type 4 or 6).
fn png_alpha_size(b: &[u8]) -> Option<(u32, u32, bool)> {
    if b.len() < 26 || &b[1..4] != b"PNG" || &b[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(b[20..24].try_into().ok()?);
    Some((w, h, matches!(b[25], 4 | 6)))
}

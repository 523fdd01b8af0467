//! The fake Stability AI REST v2beta: generate (core, ultra, sd3), upscale (fast,
//! conservative, creative — the last asynchronous, with `/v2beta/results/{id}` answering 202
//! once before the image and 429 to a client that polls faster than allowed), in-paint,
//! out-paint and the balance. Like the vendor it validates the parameters before the key, so a
//! bad request with a bad key is a 400.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Value};

use crate::{b64, json_answer, png, png_alpha_size, Answer, Fake, Script, Seen};

/// A submitted asynchronous generation.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    polls_left: u32,
    last: Instant,
    answer: Value,
}

const ASPECTS: [(&str, u32, u32); 9] = [
    ("21:9", 1536, 640),
    ("16:9", 1344, 768),
    ("3:2", 1216, 832),
    ("5:4", 1152, 896),
    ("1:1", 1024, 1024),
    ("4:5", 896, 1152),
    ("2:3", 832, 1216),
    ("9:16", 768, 1344),
    ("9:21", 640, 1536),
];

const STYLES: [&str; 17] = [
    "enhance",
    "anime",
    "photographic",
    "digital-art",
    "comic-book",
    "fantasy-art",
    "line-art",
    "analog-film",
    "neon-punk",
    "isometric",
    "low-poly",
    "origami",
    "modeling-compound",
    "cinematic",
    "3d-model",
    "pixel-art",
    "tile-texture",
];

fn error(status: u16, name: &str, errors: &[String]) -> Answer {
    json_answer(
        status,
        json!({"id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "name": name, "errors": errors}),
    )
}

/// The size of `w × h` scaled to about `mp` megapixels, sides multiples of 64.
fn at_megapixels(w: u32, h: u32, mp: f64) -> (u32, u32) {
    let r = f64::from(w) / f64::from(h);
    let nw = ((mp * 1e6 * r).sqrt() / 64.0).round() * 64.0;
    let nh = (nw / r / 64.0).round() * 64.0;
    (nw as u32, nh as u32)
}

impl Fake {
    pub(crate) fn stability_answer(&self, s: &mut Seen) -> Answer {
        let reject = |s: &mut Seen, why: String| {
            s.verdict = Err(why.clone());
            error(400, "bad_request", &[why])
        };
        let authorised = s.header("authorization") == Some(&format!("Bearer {}", self.key));
        if s.method == "GET" && s.path == "/v1/user/balance" {
            if !authorised {
                s.verdict = Err("wrong or missing key".into());
                return error(401, "unauthorized", &["authorization: invalid key".into()]);
            }
            return json_answer(200, json!({"credits": 412.5}));
        }
        if s.method == "GET" {
            if let Some(id) = s.path.strip_prefix("/v2beta/results/") {
                return self.stability_result(s, id.to_string(), authorised);
            }
        }
        let route = match (s.method.as_str(), s.path.as_str()) {
            ("POST", "/v2beta/stable-image/generate/core") => "core",
            ("POST", "/v2beta/stable-image/generate/ultra") => "ultra",
            ("POST", "/v2beta/stable-image/generate/sd3") => "sd3",
            ("POST", "/v2beta/stable-image/upscale/fast") => "fast",
            ("POST", "/v2beta/stable-image/upscale/conservative") => "conservative",
            ("POST", "/v2beta/stable-image/upscale/creative") => "creative",
            ("POST", "/v2beta/stable-image/edit/inpaint") => "inpaint",
            ("POST", "/v2beta/stable-image/edit/outpaint") => "outpaint",
            _ => {
                s.verdict = Err(format!("unknown route {} {}", s.method, s.path));
                return error(404, "not_found", &[format!("{} not found", s.path)]);
            }
        };
        let accept = s.header("accept").unwrap_or("image/*").to_string();
        if !["application/json", "image/*"].contains(&accept.as_str()) {
            return reject(
                s,
                format!("accept: `{accept}` is not application/json or image/*"),
            );
        }
        let parts = match s.multipart() {
            Ok(p) => p,
            Err(why) => return reject(s, why),
        };
        let field = |k: &str| {
            parts
                .iter()
                .find(|p| p.0 == k && p.1.is_none())
                .map(|p| String::from_utf8_lossy(&p.2).into_owned())
        };
        let file = |k: &str| {
            parts
                .iter()
                .find(|p| p.0 == k && p.1.is_some())
                .map(|p| &p.2)
        };
        let allowed: &[&str] = match route {
            "core" => &[
                "prompt",
                "aspect_ratio",
                "negative_prompt",
                "seed",
                "style_preset",
                "output_format",
            ],
            "ultra" => &[
                "prompt",
                "negative_prompt",
                "aspect_ratio",
                "seed",
                "output_format",
                "style_preset",
                "image",
                "strength",
            ],
            "sd3" => &[
                "prompt",
                "mode",
                "image",
                "strength",
                "aspect_ratio",
                "model",
                "cfg_scale",
                "negative_prompt",
                "seed",
                "style_preset",
                "output_format",
            ],
            "fast" => &["image", "output_format"],
            "conservative" => &[
                "image",
                "prompt",
                "negative_prompt",
                "seed",
                "output_format",
                "creativity",
            ],
            "creative" => &[
                "image",
                "prompt",
                "negative_prompt",
                "output_format",
                "seed",
                "creativity",
                "style_preset",
            ],
            "inpaint" => &[
                "image",
                "prompt",
                "mask",
                "negative_prompt",
                "grow_mask",
                "seed",
                "output_format",
                "style_preset",
            ],
            _ => &[
                "image",
                "left",
                "right",
                "up",
                "down",
                "creativity",
                "prompt",
                "seed",
                "output_format",
                "style_preset",
            ],
        };
        let mut errors = Vec::new();
        for p in &parts {
            if !allowed.contains(&p.0.as_str()) {
                errors.push(format!("{}: unrecognised field", p.0));
            }
        }
        let prompt_required = !matches!(route, "fast" | "outpaint");
        match field("prompt") {
            Some(p) if p.is_empty() || p.chars().count() > 10_000 => {
                errors.push("prompt: must be 1–10000 characters".into())
            }
            None if prompt_required => errors.push("prompt: required".into()),
            _ => {}
        }
        if let Some(seed) = field("seed") {
            if !seed.parse::<u64>().is_ok_and(|x| x <= 4_294_967_294) {
                errors.push(format!("seed: `{seed}` is not an integer in 0..4294967294"));
            }
        }
        if let Some(f) = field("output_format") {
            if !["png", "jpeg", "webp"].contains(&f.as_str()) {
                errors.push(format!("output_format: `{f}` is not png, jpeg or webp"));
            }
        }
        if let Some(st) = field("style_preset") {
            if !STYLES.contains(&st.as_str()) {
                errors.push(format!("style_preset: `{st}` is not a preset"));
            }
        }
        let aspect = field("aspect_ratio");
        if let Some(a) = &aspect {
            if !ASPECTS.iter().any(|x| x.0 == a) {
                errors.push(format!("aspect_ratio: `{a}` is not one of the nine ratios"));
            }
        }
        let unit = |k: &str, lo: f64, hi: f64, errors: &mut Vec<String>| -> Option<f64> {
            let v = field(k)?;
            match v.parse::<f64>() {
                Ok(x) if (lo..=hi).contains(&x) => Some(x),
                _ => {
                    errors.push(format!("{k}: `{v}` is not a number in {lo}..{hi}"));
                    None
                }
            }
        };
        let image = file("image");
        let input = image.map(|b| png_alpha_size(b));
        if image.is_some() && input.flatten().is_none() {
            errors.push("image: not a PNG the server can read".into());
        }
        let (iw, ih) = input.flatten().map_or((0, 0), |x| (x.0, x.1));
        let strength = unit("strength", 0.0, 1.0, &mut errors);
        let i2i = match route {
            "ultra" => {
                if image.is_some() != strength.is_some() {
                    errors.push("image and strength must be given together".into());
                }
                image.is_some()
            }
            "sd3" => {
                let mode = field("mode").unwrap_or_else(|| "text-to-image".into());
                if let Some(m) = field("model") {
                    if ![
                        "sd3.5-large",
                        "sd3.5-large-turbo",
                        "sd3.5-medium",
                        "sd3.5-flash",
                    ]
                    .contains(&m.as_str())
                    {
                        errors.push(format!("model: `{m}` is not an SD 3.5 model"));
                    }
                }
                match mode.as_str() {
                    "text-to-image" if image.is_some() || strength.is_some() => {
                        errors.push("image and strength are for mode image-to-image only".into())
                    }
                    "image-to-image" if image.is_none() || strength.is_none() => {
                        errors.push("image-to-image needs image and strength".into())
                    }
                    "image-to-image" if aspect.is_some() => {
                        errors.push("aspect_ratio: not allowed in image-to-image".into())
                    }
                    "text-to-image" | "image-to-image" => {}
                    m => errors.push(format!(
                        "mode: `{m}` is not text-to-image or image-to-image"
                    )),
                }
                mode == "image-to-image"
            }
            _ => false,
        };
        if !matches!(route, "core" | "ultra" | "sd3") && image.is_none() {
            errors.push("image: required".into());
        }
        let px = u64::from(iw) * u64::from(ih);
        match route {
            "fast"
                if !((32..=1536).contains(&iw)
                    && (32..=1536).contains(&ih)
                    && (1024..=1_048_576).contains(&px)) =>
            {
                errors.push(format!(
                    "image: {iw}x{ih} is outside sides 32–1536, 1024–1048576 pixels"
                ))
            }
            "conservative" if !(iw >= 64 && ih >= 64 && (4096..=9_437_184).contains(&px)) => {
                errors.push(format!("image: {iw}x{ih} is outside 4096–9437184 pixels"))
            }
            "creative" if px > 1_048_576 => errors.push(format!("image: {iw}x{ih} is over 1 MP")),
            "inpaint" if !(iw >= 64 && ih >= 64 && (4096..=9_437_184).contains(&px)) => {
                errors.push(format!("image: {iw}x{ih} is outside 4096–9437184 pixels"))
            }
            _ => {}
        }
        if route == "conservative" {
            unit("creativity", 0.2, 0.5, &mut errors);
        }
        if route == "creative" {
            unit("creativity", 0.1, 0.5, &mut errors);
        }
        if route == "inpaint" {
            if let Some(m) = file("mask") {
                if png_alpha_size(m).is_none() {
                    errors.push("mask: not a PNG the server can read".into());
                }
            }
            unit("grow_mask", 0.0, 100.0, &mut errors);
        }
        let mut sides = [0u32; 4];
        if route == "outpaint" {
            for (i, k) in ["left", "right", "up", "down"].iter().enumerate() {
                if let Some(v) = field(k) {
                    match v.parse::<u32>() {
                        Ok(x) if x <= 2000 => sides[i] = x,
                        _ => errors.push(format!("{k}: `{v}` is not an integer in 0..2000")),
                    }
                }
            }
            if sides.iter().all(|&x| x == 0) {
                errors.push("at least one of left, right, up, down must be non-zero".into());
            }
            unit("creativity", 0.0, 1.0, &mut errors);
        }
        if !errors.is_empty() {
            s.verdict = Err(errors.join("; "));
            return error(400, "bad_request", &errors);
        }
        if !authorised {
            s.verdict = Err("wrong or missing key".into());
            return error(401, "unauthorized", &["authorization: invalid key".into()]);
        }
        let (w, h) = match route {
            "core" | "ultra" | "sd3" if i2i => at_megapixels(iw, ih, 1.0),
            "core" | "ultra" | "sd3" => {
                let a = aspect.unwrap_or_else(|| "1:1".into());
                let (_, w, h) = ASPECTS
                    .iter()
                    .find(|x| x.0 == a)
                    .copied()
                    .unwrap_or(ASPECTS[4]);
                if route == "core" {
                    (w * 3 / 2, h * 3 / 2)
                } else {
                    (w, h)
                }
            }
            "fast" => (iw * 4, ih * 4),
            "conservative" | "creative" => at_megapixels(iw, ih, 4.0),
            "inpaint" => (iw, ih),
            _ => (iw + sides[0] + sides[1], ih + sides[2] + sides[3]),
        };
        let seed: u64 = field("seed")
            .and_then(|x| x.parse().ok())
            .filter(|&x| x != 0)
            .unwrap_or(343_940_597);
        let image_json = |w: u32, h: u32, reason: &str| json!({"image": b64(&png(w, h)), "seed": seed, "finish_reason": reason});
        let answer = |v: Value| -> Answer {
            if accept == "application/json" {
                let mut a = json_answer(200, v);
                a.headers = vec![(
                    "Content-Type".into(),
                    "application/json; type=image/png".into(),
                )];
                a
            } else {
                let bytes = base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    v["image"].as_str().unwrap_or(""),
                )
                .unwrap_or_default();
                Answer {
                    status: 200,
                    headers: vec![
                        ("Content-Type".into(), "image/png".into()),
                        (
                            "finish-reason".into(),
                            v["finish_reason"].as_str().unwrap_or("").into(),
                        ),
                        ("seed".into(), seed.to_string()),
                    ],
                    body: bytes,
                    delay: None,
                }
            }
        };
        let success = |w: u32, h: u32, reason: &str| -> Answer {
            if route == "creative" {
                let id = format!("{:064x}", u128::from(seed) * 7919 + u128::from(w));
                self.jobs.lock().unwrap().insert(
                    id.clone(),
                    Job {
                        polls_left: 1,
                        last: Instant::now(),
                        answer: image_json(w, h, reason),
                    },
                );
                return json_answer(200, json!({"id": id}));
            }
            answer(image_json(w, h, reason))
        };
        match self.next() {
            Script::Ok | Script::AnswerNo | Script::AnswerNoAbout(_) | Script::Quota => success(w, h, "SUCCESS"),
            Script::Slow(d) => Answer {
                delay: Some(d),
                ..success(w, h, "SUCCESS")
            },
            Script::WrongSize => success(512, 512, "SUCCESS"),
            Script::RateLimited(hint) => {
                let mut a = error(
                    429,
                    "rate_limit_exceeded",
                    &["You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds.".into()],
                );
                // Whether the vendor sends Retry-After is unconfirmed: 0 sends none (the
                // client then waits the documented 60 s), anything else sends it.
                if hint > 0.0 {
                    a.headers.push(("Retry-After".into(), hint.to_string()));
                }
                a
            }
            Script::ServerError | Script::NodeError => error(500, "internal_error", &["An unexpected server error occurred.".into()]),
            Script::Refuse("moderation") => error(
                403,
                "content_moderation",
                &["Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.".into()],
            ),
            Script::Refuse(_) => success(w, h, "CONTENT_FILTERED"),
            Script::Malformed => Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json; type=image/png".into())],
                body: b"{\"image\": 42, \"finish_reason\": \"SUCCESS\"}".to_vec(),
                delay: None,
            },
        }
    }

    /// `GET /v2beta/results/{id}`: 202 while "running", then the image; 429 to a client that
    /// polls faster than the fake's minimum interval (the vendor asks for 10 s).
    fn stability_result(&self, s: &mut Seen, id: String, authorised: bool) -> Answer {
        if !authorised {
            s.verdict = Err("wrong or missing key".into());
            return error(401, "unauthorized", &["authorization: invalid key".into()]);
        }
        let mut jobs = self.jobs.lock().unwrap();
        let Some(job) = jobs.get_mut(&id) else {
            return error(
                404,
                "generation_not_found",
                &[format!("id: {id} not found")],
            );
        };
        let now = Instant::now();
        if now.duration_since(job.last) < self.min_poll {
            s.verdict = Err(format!(
                "polled {:.3} s after the last request; the vendor asks for {:.3} s",
                now.duration_since(job.last).as_secs_f64(),
                self.min_poll.as_secs_f64()
            ));
            return error(429, "rate_limit_exceeded", &["polling too fast".into()]);
        }
        job.last = now;
        if job.polls_left > 0 {
            job.polls_left -= 1;
            return json_answer(202, json!({"id": id, "status": "in-progress"}));
        }
        // Results are kept (24 hours at the vendor): asked for again, the same image.
        let v = job.answer.clone();
        let mut a = json_answer(200, v);
        a.headers = vec![(
            "Content-Type".into(),
            "application/json; type=image/png".into(),
        )];
        a
    }
}

/// Pending asynchronous jobs by id.
pub(crate) type Jobs = HashMap<String, Job>;

//! The fake AUTOMATIC1111 / Forge web UI API: `txt2img`, `img2img`, `extra-single-image`, `sd-models`.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::{b64, json_answer, png, Answer, Fake, Script, Seen};

impl Fake {
    #[expect(
        clippy::too_many_lines,
        reason = "the vendor's documented request checks for one endpoint, in the order its documentation gives them"
    )]
    pub(crate) fn a1111_answer(&self, s: &mut Seen) -> Answer {
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
            Script::Ok
            | Script::AnswerNo
            | Script::AnswerNoAbout(_)
            | Script::RateLimited(_)
            | Script::Quota
            | Script::Refuse(_) => ok(w, h),
            Script::Slow(d) => Answer {
                delay: Some(d),
                ..ok(w, h)
            },
            Script::WrongSize => ok(512, 512),
            Script::ServerError | Script::NodeError => json_answer(
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
}

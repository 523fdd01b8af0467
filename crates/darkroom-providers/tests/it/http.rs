//! The HTTP providers against their vendors' fakes, scenario by scenario.

use std::time::Duration;

use darkroom_core::provider::{Provider, ProviderError, Request};
use darkroom_core::Quality;
use darkroom_fakes::{Fake, Script, COMFY_I2I, COMFY_T2I};
use darkroom_providers::gemini::Gemini;
use darkroom_providers::http::Secret;
use darkroom_providers::openai::OpenAi;

const KEY: &str = "test-key-5ecret-0042";

fn req(w: u32, h: u32, quality: Quality, reference: Option<Vec<u8>>) -> Request {
    Request {
        prompt: "a red sphere left of a blue cube".into(),
        seed: 1,
        width: w,
        height: h,
        quality,
        reference,
        op: Default::default(),
    }
}

fn gemini(f: &Fake, model: &str, timeout: f64) -> Gemini {
    Gemini::new(
        "nano".into(),
        model.into(),
        Secret::new(KEY),
        Some(f.url.clone()),
        Duration::from_secs_f64(timeout),
    )
}

fn openai(f: &Fake, model: &str, timeout: f64) -> OpenAi {
    OpenAi::new(
        "gpt".into(),
        model.into(),
        Secret::new(KEY),
        Some(f.url.clone()),
        Duration::from_secs_f64(timeout),
    )
}

fn no_key(e: &ProviderError) {
    assert!(!format!("{e} {e:?}").contains(KEY), "{e:?}");
}

#[test]
fn gemini_success_edit_and_every_failure_in_its_own_way() {
    let f = Fake::gemini(KEY);
    let p = gemini(&f, "gemini-2.5-flash-image", 2.0);
    // Success: the documented 16:9 size (1344x768) fitted to the request; cost from usage.
    let g = p.generate(&req(640, 360, Quality::Draft, None)).unwrap();
    assert_eq!((g.width, g.height), (640, 360));
    assert!(
        (g.cost.usd - (1290.0 * 30e-6 + 40.0 * 0.30e-6)).abs() < 1e-9,
        "{:?}",
        g.cost
    );
    assert_eq!(
        g.model_version.as_deref(),
        Some("gemini-2.5-flash-image-fake-001")
    );
    assert!(p.price(&req(640, 360, Quality::Draft, None)).usd >= g.cost.usd);
    let seen = f.seen();
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(
        seen[0].path,
        "/v1beta/models/gemini-2.5-flash-image:generateContent"
    );
    assert_eq!(
        body["generationConfig"]["imageConfig"],
        serde_json::json!({"aspectRatio": "16:9"})
    );
    // Edit / finish reference: the image goes as an inlineData part.
    let draft = darkroom_fakes::png(64, 64);
    p.generate(&req(512, 512, Quality::Finish, Some(draft)))
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&f.seen()[1].body).unwrap();
    assert_eq!(
        body["contents"][0]["parts"][1]["inlineData"]["mimeType"],
        "image/png"
    );
    // 429 with RetryInfo → RateLimited with that delay; then success.
    f.push([Script::RateLimited(1.5)]);
    match p.generate(&req(512, 512, Quality::Draft, None)) {
        Err(ProviderError::RateLimited {
            retry_after,
            message,
        }) => {
            assert_eq!(retry_after, Some(Duration::from_millis(1500)));
            assert!(message.contains("RESOURCE_EXHAUSTED"));
        }
        other => panic!("{other:?}"),
    }
    assert!(p.generate(&req(512, 512, Quality::Draft, None)).is_ok());
    // Per-day quota: not retried.
    f.push([Script::Quota]);
    assert_eq!(
        p.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "quota"
    );
    // 5xx then success.
    f.push([Script::ServerError]);
    assert_eq!(
        p.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    assert!(p.generate(&req(512, 512, Quality::Draft, None)).is_ok());
    // Refusals: blockReason, an image finishReason, and a text-only reply.
    for how in ["prompt", "finish", "text"] {
        f.push([Script::Refuse(how)]);
        let e = p
            .generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err();
        assert_eq!(e.class(), "refused", "{how}: {e}");
    }
    // Malformed body, wrong size, slow reply.
    f.push([Script::Malformed]);
    assert_eq!(
        p.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    f.push([Script::WrongSize]);
    let e = p
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e.class() == "invalid" && e.to_string().contains("512x512"),
        "{e}"
    );
    let slow = gemini(&f, "gemini-2.5-flash-image", 0.3);
    f.push([Script::Slow(Duration::from_secs(2))]);
    let e = slow
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e.class() == "transient" && e.to_string().contains("no reply within"),
        "{e}"
    );
    no_key(&e);
    // A wrong key is Auth, and the key never shows.
    let bad = Gemini::new(
        "nano".into(),
        "gemini-2.5-flash-image".into(),
        Secret::new("wrong-key-123"),
        Some(f.url.clone()),
        Duration::from_secs(2),
    );
    let e = bad
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert_eq!(e.class(), "auth", "{e}");
    // Every request but the wrong key's was exactly what the vendor documents.
    assert_eq!(
        f.rejected(),
        vec!["missing or wrong x-goog-api-key".to_string()]
    );
    assert_eq!(p.ping().unwrap(), "Nano Banana (fake)");
}

#[test]
fn gemini_pro_asks_for_the_size_tier_and_prices_4k_higher() {
    let f = Fake::gemini(KEY);
    let p = gemini(&f, "gemini-3-pro-image", 5.0);
    let g = p.generate(&req(2048, 1152, Quality::Finish, None)).unwrap();
    assert_eq!((g.width, g.height), (2048, 1152));
    let body: serde_json::Value = serde_json::from_slice(&f.seen()[0].body).unwrap();
    assert_eq!(
        body["generationConfig"]["imageConfig"],
        serde_json::json!({"aspectRatio": "16:9", "imageSize": "2K"})
    );
    let two_k = p.price(&req(2048, 2048, Quality::Finish, None)).usd;
    let four_k = p.price(&req(4096, 4096, Quality::Finish, None)).usd;
    assert!(
        (0.134..0.14).contains(&two_k) && (0.24..0.25).contains(&four_k),
        "{two_k} {four_k}"
    );
    assert!(f.rejected().is_empty(), "{:?}", f.rejected());
}

fn rgba_mask(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(png::ColorType::Rgba);
    e.set_depth(png::BitDepth::Eight);
    let mut wr = e.write_header().unwrap();
    // Transparent (alpha 0) = the area to repaint: the right half.
    let data: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            if i % w >= w / 2 {
                [0, 0, 0, 0]
            } else {
                [0, 0, 0, 255]
            }
        })
        .collect();
    wr.write_image_data(&data).unwrap();
    drop(wr);
    out
}

#[test]
fn openai_success_edit_with_mask_and_every_failure_in_its_own_way() {
    let f = Fake::openai(KEY);
    let p = openai(&f, "gpt-image-1", 2.0);
    let g = p.generate(&req(1536, 1024, Quality::Finish, None)).unwrap();
    assert_eq!((g.width, g.height), (1536, 1024));
    assert!(
        (g.cost.usd - (50.0 * 5e-6 + 4160.0 * 40e-6)).abs() < 1e-9,
        "{:?}",
        g.cost
    );
    let body: serde_json::Value = serde_json::from_slice(&f.seen()[0].body).unwrap();
    assert_eq!(body["size"], "1536x1024");
    assert_eq!(body["quality"], "high");
    assert_eq!(
        f.seen()[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    // Edit with an input image and a mask (transparent = repaint).
    let image = darkroom_fakes::png(256, 256);
    let g = p
        .edit(
            &req(1024, 1024, Quality::Finish, None),
            &image,
            Some(&rgba_mask(256, 256)),
        )
        .unwrap();
    assert_eq!((g.width, g.height), (1024, 1024));
    // A mask of the wrong size is refused by the vendor (and so by the fake).
    let e = p
        .edit(
            &req(1024, 1024, Quality::Finish, None),
            &image,
            Some(&rgba_mask(64, 64)),
        )
        .unwrap_err();
    assert_eq!(e.class(), "invalid", "{e}");
    // The finish tier's reference goes as an edit.
    p.generate(&req(1024, 1024, Quality::Finish, Some(image.clone())))
        .unwrap();
    assert_eq!(f.seen().last().unwrap().path, "/v1/images/edits");
    // 429 with Retry-After, then success.
    f.push([Script::RateLimited(2.0)]);
    match p.generate(&req(1024, 1024, Quality::Draft, None)) {
        Err(ProviderError::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(2)))
        }
        other => panic!("{other:?}"),
    }
    assert!(p.generate(&req(1024, 1024, Quality::Draft, None)).is_ok());
    f.push([Script::Quota]);
    assert_eq!(
        p.generate(&req(1024, 1024, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "quota"
    );
    f.push([Script::ServerError]);
    assert_eq!(
        p.generate(&req(1024, 1024, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    assert!(p.generate(&req(1024, 1024, Quality::Draft, None)).is_ok());
    f.push([Script::Refuse("moderation")]);
    let e = p
        .generate(&req(1024, 1024, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e.class() == "refused" && e.to_string().contains("moderation_blocked"),
        "{e}"
    );
    f.push([Script::Malformed]);
    assert_eq!(
        p.generate(&req(1024, 1024, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    f.push([Script::WrongSize]);
    assert_eq!(
        p.generate(&req(1024, 1024, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "invalid"
    );
    let slow = openai(&f, "gpt-image-1", 0.3);
    f.push([Script::Slow(Duration::from_secs(2))]);
    let e = slow
        .generate(&req(1024, 1024, Quality::Draft, None))
        .unwrap_err();
    assert_eq!(e.class(), "transient", "{e}");
    no_key(&e);
    let rejected = f.rejected();
    assert_eq!(rejected.len(), 1, "only the wrong-size mask: {rejected:?}");
    assert!(rejected[0].contains("mask 64x64"));
    assert_eq!(p.ping().unwrap(), "gpt-image-1");
}

#[test]
fn both_vendors_answer_the_vision_judge_with_cost() {
    let png = darkroom_fakes::png(64, 64);
    let f = Fake::gemini(KEY);
    let g = gemini(&f, "gemini-2.5-flash", 2.0);
    let (text, cost, _) = g
        .ask("1: Is there a cube?\n2: Is it blue?\n", &png)
        .unwrap();
    assert_eq!(text, "1: yes\n2: yes");
    assert!((cost.usd - (1400.0 * 0.30e-6 + 40.0 * 2.5e-6)).abs() < 1e-12);
    assert!(g.ask_price("1: Is there a cube?").usd >= cost.usd);
    f.push([Script::Refuse("text")]);
    assert_eq!(
        g.ask("1: Is there a cube?\n", &png).unwrap().0,
        "I can't help with that."
    );
    let o = Fake::openai(KEY);
    let p = openai(&o, "gpt-4.1-mini", 2.0);
    let (text, cost, _) = p.ask("1: Is there a cube?\n", &png).unwrap();
    assert_eq!(text, "1: yes");
    assert!((cost.usd - (1500.0 * 0.40e-6 + 40.0 * 1.60e-6)).abs() < 1e-12);
    assert!(f.rejected().is_empty() && o.rejected().is_empty());
    let body: serde_json::Value = serde_json::from_slice(&o.seen()[0].body).unwrap();
    assert!(body["messages"][0]["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
}

#[test]
fn a1111_txt2img_img2img_with_mask_upscale_and_failures() {
    use darkroom_providers::a1111::A1111;
    let f = Fake::a1111();
    let p = A1111::new(
        "forge".into(),
        Some("sd_xl_base_1.0".into()),
        Some(f.url.clone()),
        Duration::from_secs(2),
    );
    // txt2img at a size that is not a multiple of 8: asked at 640x360, fitted back.
    let g = p.generate(&req(636, 358, Quality::Draft, None)).unwrap();
    assert_eq!((g.width, g.height), (636, 358));
    assert_eq!(g.cost.usd, 0.0);
    assert_eq!(
        g.model_version.as_deref(),
        Some("sd_xl_base_1.0 [31e35c80fc]")
    );
    assert_eq!(g.notes, vec![("seed".to_string(), "1".to_string())]);
    let body: serde_json::Value = serde_json::from_slice(&f.seen()[0].body).unwrap();
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(640), Some(360))
    );
    assert_eq!(
        body["override_settings"]["sd_model_checkpoint"],
        "sd_xl_base_1.0"
    );
    // The finish tier: img2img from the draft; in-painting with a mask.
    let draft = darkroom_fakes::png(64, 64);
    p.generate(&req(512, 512, Quality::Finish, Some(draft.clone())))
        .unwrap();
    assert_eq!(f.seen()[1].path, "/sdapi/v1/img2img");
    p.edit(
        &req(512, 512, Quality::Finish, None),
        &draft,
        Some(&darkroom_fakes::png(64, 64)),
        0.75,
    )
    .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&f.seen()[2].body).unwrap();
    assert!(body["mask"].is_string() && body["inpainting_fill"] == 1);
    // Upscale through extra-single-image.
    let up = p.upscale(&draft, (256, 256), "R-ESRGAN 4x+").unwrap();
    assert_eq!(
        darkroom_imageops::decode_png(&up, "u", 1 << 20)
            .unwrap()
            .width,
        256
    );
    // 500 then success; malformed; wrong size; slow.
    f.push([Script::ServerError]);
    let e = p
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e.class() == "transient" && e.to_string().contains("CUDA out of memory"),
        "{e}"
    );
    assert!(p.generate(&req(512, 512, Quality::Draft, None)).is_ok());
    f.push([Script::Malformed]);
    assert_eq!(
        p.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    f.push([Script::WrongSize]);
    assert_eq!(
        p.generate(&req(1024, 1024, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "invalid"
    );
    let slow = A1111::new(
        "forge".into(),
        None,
        Some(f.url.clone()),
        Duration::from_millis(300),
    );
    f.push([Script::Slow(Duration::from_secs(2))]);
    assert_eq!(
        slow.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    assert!(f.rejected().is_empty(), "{:?}", f.rejected());
    assert_eq!(p.ping().unwrap(), "1 checkpoint(s)");
    let missing = A1111::new(
        "forge".into(),
        Some("flux1-dev".into()),
        Some(f.url.clone()),
        Duration::from_secs(2),
    );
    assert_eq!(missing.ping().unwrap_err().class(), "invalid");
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario end to end against the fake server, its steps sharing it"
)]
fn stability_generate_edit_upscale_outpaint_and_failures() {
    use darkroom_providers::stability::{Stability, Upscale};
    let key = "sk-stab-SECRET-0123456789";
    let f = Fake::stability_polled(key, Duration::from_millis(150));
    let mk = |model: &str, timeout: Duration| {
        Stability::new(
            "stab".into(),
            model.into(),
            Secret::new(key),
            Some(f.url.clone()),
            timeout,
        )
        .with_poll_interval(Duration::from_millis(200))
    };
    let core = mk("core", Duration::from_secs(5));
    // Core at 16:9: asked as aspect_ratio 16:9, 2016x1152 back, fitted to the request.
    let g = core
        .generate(&req(1024, 576, Quality::Draft, None))
        .unwrap();
    assert_eq!((g.width, g.height), (1024, 576));
    assert_eq!((g.cost.credits, g.cost.usd), (3.0, 0.03));
    assert_eq!(g.notes[0].0, "seed");
    let seen = &f.seen()[0];
    assert_eq!(seen.path, "/v2beta/stable-image/generate/core");
    assert_eq!(seen.header("accept"), Some("application/json"));
    assert_eq!(
        seen.header("authorization"),
        Some(&*format!("Bearer {key}"))
    );
    let body = String::from_utf8_lossy(&seen.body);
    assert!(
        body.contains("name=\"aspect_ratio\"\r\n\r\n16:9\r\n"),
        "{body}"
    );
    // SD 3.5 image-to-image from a draft (the finish tier), ultra text-to-image.
    let sd = mk("sd3.5-large-turbo", Duration::from_secs(5));
    let draft = darkroom_fakes::png(512, 288);
    let g = sd
        .generate(&req(1024, 576, Quality::Finish, Some(draft.clone())))
        .unwrap();
    assert_eq!((g.width, g.height, g.cost.credits), (1024, 576, 4.0));
    let body = String::from_utf8_lossy(&f.seen()[1].body).into_owned();
    assert!(
        body.contains("image-to-image") && body.contains("sd3.5-large-turbo"),
        "{body}"
    );
    assert!(
        !body.contains("aspect_ratio"),
        "no aspect in image-to-image"
    );
    let ultra = mk("ultra", Duration::from_secs(5));
    assert_eq!(
        ultra
            .generate(&req(640, 1536, Quality::Finish, None))
            .unwrap()
            .cost
            .credits,
        8.0
    );
    // In-paint with a mask; out-paint to 16:9 (left/right from the aspect).
    let square = darkroom_fakes::png(256, 256);
    let g = core
        .inpaint(
            &square,
            &darkroom_fakes::png(256, 256),
            "a red cube",
            7,
            (256, 256),
        )
        .unwrap();
    assert_eq!((g.width, g.height, g.cost.credits), (256, 256, 5.0));
    let g = core.outpaint(&square, 16.0 / 9.0, "", 7, None).unwrap();
    assert_eq!((g.width, g.height, g.cost.credits), (455, 256, 4.0));
    let body = String::from_utf8_lossy(&f.seen().last().unwrap().body).into_owned();
    assert!(
        body.contains("name=\"left\"\r\n\r\n99\r\n")
            && body.contains("name=\"right\"\r\n\r\n100\r\n"),
        "{body}"
    );
    // Upscalers: fast (4x, sync), conservative (sync), creative (async: 202, then the image).
    let g = core
        .upscale(&square, Upscale::Fast, "", 1, (1024, 1024))
        .unwrap();
    assert_eq!((g.width, g.height, g.cost.credits), (1024, 1024, 2.0));
    let g = core
        .upscale(&square, Upscale::Conservative, "a cube", 1, (2048, 2048))
        .unwrap();
    assert_eq!((g.width, g.cost.credits), (2048, 40.0));
    let before = f.seen().len();
    let g = core
        .upscale(&square, Upscale::Creative, "a cube", 1, (2048, 2048))
        .unwrap();
    assert_eq!((g.width, g.cost.credits), (2048, 60.0));
    let polls: Vec<_> = f.seen()[before..].iter().map(|s| s.path.clone()).collect();
    assert_eq!(polls.len(), 3, "submit, 202, 200: {polls:?}");
    assert!(polls[1].starts_with("/v2beta/results/") && polls[1] == polls[2]);
    assert!(core
        .upscale(
            &darkroom_fakes::png(2000, 2000),
            Upscale::Fast,
            "",
            1,
            (8000, 8000)
        )
        .unwrap_err()
        .to_string()
        .contains("fast"));
    // 429 → rate limited with the documented 60 s; 5xx → transient; both then succeed.
    f.push([Script::RateLimited(0.0)]);
    match core
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err()
    {
        ProviderError::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(60)))
        }
        e => panic!("{e}"),
    }
    assert!(core.generate(&req(512, 512, Quality::Draft, None)).is_ok());
    f.push([Script::ServerError]);
    assert_eq!(
        core.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    assert!(core.generate(&req(512, 512, Quality::Draft, None)).is_ok());
    // Refusals: a blurred CONTENT_FILTERED image, and a 403 content_moderation.
    f.push([Script::Refuse("filtered"), Script::Refuse("moderation")]);
    let e = core
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e.class() == "refused" && e.to_string().contains("CONTENT_FILTERED"),
        "{e}"
    );
    let e = core
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e.class() == "refused" && e.to_string().contains("content_moderation"),
        "{e}"
    );
    // Malformed, wrong size, slow.
    f.push([Script::Malformed]);
    assert_eq!(
        core.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    f.push([Script::WrongSize]);
    let e = core
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e.class() == "invalid" && e.to_string().contains("512x512"),
        "{e}"
    );
    f.push([Script::Slow(Duration::from_secs(2))]);
    assert_eq!(
        mk("core", Duration::from_millis(300))
            .generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    assert!(f.rejected().is_empty(), "{:?}", f.rejected());
    // A wrong key: auth, and the key is in no message.
    let bad = Stability::new(
        "stab".into(),
        "core".into(),
        Secret::new("sk-wrong-key-999"),
        Some(f.url.clone()),
        Duration::from_secs(5),
    );
    let e = bad
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert_eq!(e.class(), "auth");
    assert!(!e.to_string().contains("sk-wrong"));
    assert!(core.ping().unwrap().contains("412.5 credits"));
    assert_eq!(bad.ping().unwrap_err().class(), "auth");
}

#[test]
fn stability_creative_upscale_never_polls_faster_than_the_vendor_allows() {
    use darkroom_providers::stability::{Stability, Upscale};
    // The fake answers 429 to a poll within 300 ms of the last; a client told to poll
    // faster than that is caught, one that keeps to it is not.
    let f = Fake::stability_polled("k-123456", Duration::from_millis(300));
    let mk = |every: u64| {
        Stability::new(
            "s".into(),
            "core".into(),
            Secret::new("k-123456"),
            Some(f.url.clone()),
            Duration::from_secs(5),
        )
        .with_poll_interval(Duration::from_millis(every))
    };
    let img = darkroom_fakes::png(128, 128);
    let e = mk(20)
        .upscale(&img, Upscale::Creative, "x", 1, (512, 512))
        .unwrap_err();
    assert_eq!(e.class(), "rate_limited", "{e}");
    assert_eq!(f.rejected().len(), 1);
    assert!(mk(320)
        .upscale(&img, Upscale::Creative, "x", 1, (512, 512))
        .is_ok());
    assert_eq!(f.rejected().len(), 1);
    // Against the vendor it is 10 s.
    assert_eq!(
        darkroom_providers::stability::MIN_POLL,
        Duration::from_secs(10)
    );
}

fn comfy(
    f: &Fake,
    graph: &str,
    inputs: &[(&str, &str)],
    timeout: Duration,
) -> darkroom_providers::comfyui::ComfyUi {
    use darkroom_providers::comfyui::{ComfyUi, Workflow};
    let inputs = inputs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ComfyUi::new(
        "box".into(),
        Some(f.url.clone()),
        timeout,
        Workflow::parse(graph, &inputs).unwrap(),
    )
}

/// A fresh UUID, as darkroom's handles are.
fn uuid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}-1111-4222-8333-{:012x}", n, n)
}

/// A call sent under darkroom's handle is found by it: while queued it is waited for, once
/// done its image is fetched, and a handle the server never received is `Unknown` — the
/// only answer after which the call may be sent again. The graph is queued once.
#[test]
fn comfyui_finds_a_call_by_its_handle_instead_of_queueing_it_again() {
    use darkroom_core::provider::Collected;
    let f = Fake::comfyui();
    let t2i = [
        ("prompt", "6.text"),
        ("seed", "3.seed"),
        ("width", "5.width"),
        ("height", "5.height"),
    ];
    let p = comfy(&f, COMFY_T2I, &t2i, Duration::from_secs(5));
    assert!(p.handles());
    let r = req(512, 512, Quality::Draft, None);
    let handle = uuid();
    let noted = std::sync::Mutex::new(Vec::new());
    let g = p
        .generate_as(&r, &handle, &|h| noted.lock().unwrap().push(h.to_string()))
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&f.seen()[0].body).unwrap();
    assert_eq!(
        body["prompt_id"],
        handle.as_str(),
        "darkroom's UUID is sent"
    );
    assert!(
        noted.lock().unwrap().is_empty(),
        "the server kept darkroom's id: nothing to note"
    );
    // Asked for again (a resume): the same image, nothing queued.
    let Collected::Image(again) = p.collect(&r, &handle).unwrap() else {
        panic!("the finished prompt is found by its handle");
    };
    assert_eq!(again.png, g.png);
    // A slow job still running is waited for through /queue, not queued again.
    f.push([Script::Slow(Duration::from_millis(400))]);
    let slow = uuid();
    let q = comfy(&f, COMFY_T2I, &t2i, Duration::from_secs(5));
    let (r2, s2) = (r.clone(), slow.clone());
    let sender = std::thread::spawn(move || q.generate_as(&r2, &s2, &|_| {}).unwrap());
    while !f
        .seen()
        .iter()
        .any(|s| s.path == "/prompt" && String::from_utf8_lossy(&s.body).contains(&slow))
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(matches!(p.collect(&r, &slow).unwrap(), Collected::Image(_)));
    sender.join().unwrap();
    // Never received: Unknown.
    let never = uuid();
    assert_eq!(p.collect(&r, &never).unwrap(), Collected::Unknown);
    let queued = f.seen().iter().filter(|s| s.path == "/prompt").count();
    assert_eq!(
        queued, 2,
        "one POST /prompt per call sent, none per collect"
    );
    assert!(f.rejected().is_empty(), "{:?}", f.rejected());
}

/// A creative upscale's generation id is noted as soon as the vendor accepts (and charges)
/// the call; asking by that id polls the result instead of paying again, and an id the
/// vendor does not know (404) or darkroom's own handle is `Unknown`.
#[test]
fn stability_collects_a_creative_upscale_by_its_generation_id() {
    use darkroom_core::provider::{Collected, Op};
    use darkroom_providers::stability::Stability;
    let f = Fake::stability_polled("k-123456", Duration::from_millis(20));
    let p = Stability::new(
        "s".into(),
        "core".into(),
        Secret::new("k-123456"),
        Some(f.url.clone()),
        Duration::from_secs(5),
    )
    .with_poll_interval(Duration::from_millis(30));
    let mut r = req(
        512,
        512,
        Quality::Finish,
        Some(darkroom_fakes::png(128, 128)),
    );
    r.op = Op::Upscale {
        mode: "creative".into(),
    };
    let noted = std::sync::Mutex::new(Vec::new());
    let g = p
        .generate_as(&r, &uuid(), &|h| noted.lock().unwrap().push(h.to_string()))
        .unwrap();
    let ids = noted.lock().unwrap().clone();
    assert_eq!(ids.len(), 1, "the generation id is noted: {ids:?}");
    assert_eq!(ids[0].len(), 64);
    let Collected::Image(again) = p.collect(&r, &ids[0]).unwrap() else {
        panic!("the generation is found by its id");
    };
    assert_eq!(
        (again.width, again.height, again.cost.credits),
        (g.width, g.height, 60.0)
    );
    let posts = || f.seen().iter().filter(|s| s.method == "POST").count();
    assert_eq!(posts(), 1, "collected without paying again");
    assert_eq!(
        p.collect(&r, &"ab".repeat(32)).unwrap(),
        Collected::Unknown,
        "an id the vendor does not know"
    );
    let before = f.seen().len();
    assert_eq!(p.collect(&r, &uuid()).unwrap(), Collected::Unknown);
    assert_eq!(
        f.seen().len(),
        before,
        "darkroom's own handle is not asked about"
    );
    assert_eq!(posts(), 1);
}

#[test]
fn comfyui_queues_the_patched_workflow_and_fetches_the_result() {
    let f = Fake::comfyui();
    let t2i = [
        ("prompt", "6.text"),
        ("seed", "3.seed"),
        ("width", "5.width"),
        ("height", "5.height"),
    ];
    let p = comfy(&f, COMFY_T2I, &t2i, Duration::from_secs(5));
    let g = p.generate(&req(1021, 574, Quality::Draft, None)).unwrap();
    assert_eq!((g.width, g.height, g.cost.usd), (1021, 574, 0.0));
    let seen = f.seen();
    assert_eq!(seen[0].path, "/prompt");
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["client_id"], p.client_id());
    assert_eq!(body["prompt"]["5"]["inputs"]["width"], 1024);
    assert_eq!(body["prompt"]["3"]["inputs"]["seed"], 1);
    assert_eq!(body["prompt"]["7"]["inputs"]["text"], "blurry");
    assert!(
        seen.iter()
            .filter(|s| s.path.starts_with("/history/"))
            .count()
            >= 2,
        "polled until done"
    );
    assert!(seen
        .last()
        .unwrap()
        .path
        .starts_with("/view?filename=darkroom_00001_.png&subfolder=&type=output"));
    // Image-to-image: the draft is uploaded and patched into LoadImage; the size is set on
    // the ImageScale node.
    let i2i = [
        ("prompt", "6.text"),
        ("seed", "3.seed"),
        ("width", "12.width"),
        ("height", "12.height"),
        ("image", "10.image"),
    ];
    let e = comfy(&f, COMFY_I2I, &i2i, Duration::from_secs(5));
    let draft = darkroom_fakes::png(256, 256);
    let before = f.seen().len();
    let g = e
        .generate(&req(768, 768, Quality::Finish, Some(draft)))
        .unwrap();
    assert_eq!((g.width, g.height), (768, 768));
    let seen = f.seen();
    assert_eq!(seen[before].path, "/upload/image");
    let body: serde_json::Value = serde_json::from_slice(&seen[before + 1].body).unwrap();
    assert!(body["prompt"]["10"]["inputs"]["image"]
        .as_str()
        .unwrap()
        .starts_with("darkroom-"));
    // Without an uploaded image the server rejects the graph with node_errors.
    let e2 = e
        .generate(&req(768, 768, Quality::Finish, None))
        .unwrap_err();
    assert!(
        e2.class() == "invalid" && e2.to_string().contains("Value not valid: image"),
        "{e2}"
    );
    assert_eq!(f.rejected().len(), 1, "only the deliberate one");
    // 5xx then success; a node that runs out of memory; malformed; wrong size; slow.
    f.push([Script::ServerError]);
    assert_eq!(
        p.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    assert!(p.generate(&req(512, 512, Quality::Draft, None)).is_ok());
    f.push([Script::NodeError]);
    let e3 = p
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e3.class() == "transient" && e3.to_string().contains("KSampler"),
        "{e3}"
    );
    f.push([Script::Malformed]);
    assert_eq!(
        p.generate(&req(512, 512, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "transient"
    );
    f.push([Script::WrongSize]);
    assert_eq!(
        p.generate(&req(1024, 1024, Quality::Draft, None))
            .unwrap_err()
            .class(),
        "invalid"
    );
    f.push([Script::Slow(Duration::from_secs(30))]);
    let slow = comfy(&f, COMFY_T2I, &t2i, Duration::from_millis(400));
    let e4 = slow
        .generate(&req(512, 512, Quality::Draft, None))
        .unwrap_err();
    assert!(
        e4.class() == "transient" && e4.to_string().contains("no result"),
        "{e4}"
    );
    assert!(p.ping().unwrap().starts_with("ComfyUI 0.3.43"));
}

//! Text in images (issue 20): typeset texts fit their boxes in every delivered aspect and keep
//! the palette colour exactly; a busy background gets a plate; `text_by = "typeset"` sends the
//! provider a prompt with no quoted text that asks for a blank surface, and the deliverable has
//! the text, read back by the OCR judge.

use super::*;

/// The text verdict `darkroom judge` gives a file for `prompt`.
fn read_back(file: &Path, prompt: &str) -> (String, String) {
    let o = bin()
        .args([
            "judge",
            &file.display().to_string(),
            "--prompt",
            prompt,
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = v["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "text")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let f = v["judgements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["judge"] == "layout")
        .unwrap()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["assertion"].as_u64() == Some(text))
        .unwrap()
        .clone();
    (
        f["verdict"].as_str().unwrap().to_string(),
        f["evidence"].as_str().unwrap().to_string(),
    )
}

/// The safe-area box in pixels, as the issue defines it (the middle 90 %), computed here
/// independently of the engine.
fn box_px(b: [f64; 4], w: u32, h: u32) -> [f64; 4] {
    let (w, h) = (f64::from(w), f64::from(h));
    [
        w * (0.05 + 0.9 * b[0]),
        h * (0.05 + 0.9 * b[1]),
        w * (0.05 + 0.9 * b[2]),
        h * (0.05 + 0.9 * b[3]),
    ]
}

#[test]
fn typeset_text_fits_its_box_in_every_aspect_in_the_exact_palette_colour() {
    let d = scratch("text-typeset");
    let campaign = "[campaign]\nname = \"t\"\noutput = \"out\"\n\
        [brand]\npalette = [{ name = \"Brand Blue\", hex = \"#0047AB\" }, { name = \"Paper\", hex = \"#F4F1EA\" }]\n\
        [providers.local]\nkind = \"sketch\"\n\
        [tiers.draft]\nprovider = \"local\"\nsize = \"384\"\nvariants = 2\n\
        [tiers.finish]\nprovider = \"local\"\nsize = \"768\"\nkeep = 1\n\
        [gates]\non_palette = 0.0\n\
        [budget]\ncredits = 100\nmax_rounds = 1\n\
        [[shots]]\nid = \"sale\"\nprompt = \"a red fire hydrant on a #F4F1EA background\"\n\
        deliver = [\"1:1\", \"16:9\", \"9:16\", \"21:9\"]\n\
        text = [{ content = \"SPRING SALE TODAY\", box = [0.1, 0.05, 0.9, 0.3], color = \"Brand Blue\" }]\n";
    std::fs::write(d.join("c.toml"), campaign).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let blue = darkroom_color::Lab::from_rgb8(darkroom_color::Rgb8::new(0x00, 0x47, 0xAB));
    let dir = d.join("out/deliverables/sale");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    let mut lines = Vec::new();
    for f in &files {
        let img = darkroom_imageops::read_png(f, 1 << 26).unwrap();
        let (w, h) = (img.width, img.height);
        let de = |x: u32, y: u32| {
            let i = ((y * w + x) * 3) as usize;
            let p = &img.rgb[i..i + 3];
            darkroom_color::de2000(
                darkroom_color::Lab::from_rgb8(darkroom_color::Rgb8::new(p[0], p[1], p[2])),
                blue,
            )
        };
        // The drawn text: every pixel near the brand blue (the scene has none).
        let (mut b, mut interior, mut worst) = ([u32::MAX, u32::MAX, 0, 0], 0, 0.0f64);
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                if de(x, y) < 15.0 {
                    b = [b[0].min(x), b[1].min(y), b[2].max(x + 1), b[3].max(y + 1)];
                    // A glyph's interior: the pixel and its 8 neighbours are all text.
                    let inner = (-1i32..=1).all(|dy| {
                        (-1i32..=1)
                            .all(|dx| de((x as i32 + dx) as u32, (y as i32 + dy) as u32) < 15.0)
                    });
                    if inner {
                        interior += 1;
                        worst = worst.max(de(x, y));
                    }
                }
            }
        }
        let want = box_px([0.1, 0.05, 0.9, 0.3], w, h);
        assert!(
            f64::from(b[0]) >= want[0].floor()
                && f64::from(b[1]) >= want[1].floor()
                && f64::from(b[2]) <= want[2].ceil()
                && f64::from(b[3]) <= want[3].ceil(),
            "{}: text {b:?} outside its box {want:?}",
            f.display()
        );
        // Filling its box: wide or tall, the text takes most of the box's width or height.
        let fill_w = f64::from(b[2] - b[0]) / (want[2] - want[0]);
        let fill_h = f64::from(b[3] - b[1]) / (want[3] - want[1]);
        assert!(
            fill_w > 0.6 || fill_h > 0.6,
            "{}: {fill_w} {fill_h}",
            f.display()
        );
        assert!(interior > 200, "{}: {interior}", f.display());
        assert!(
            worst <= 1.0,
            "{}: ΔE2000 {worst} inside the glyphs",
            f.display()
        );
        // The sidecar records the step.
        let side: serde_json::Value =
            serde_json::from_slice(&std::fs::read(f.with_extension("json")).unwrap()).unwrap();
        let step = &side["steps"][0];
        assert_eq!(step["op"], "typeset");
        assert_eq!(step["content"], "SPRING SALE TODAY");
        assert_eq!(step["hex"], "#0047AB");
        lines.push(step["lines"].as_u64().unwrap());
    }
    // The narrow 9:16 frame wraps the words; the wide 21:9 keeps them on one line.
    assert!(lines.iter().max() > lines.iter().min(), "{lines:?}");
    if tesseract() {
        for f in &files {
            let (v, ev) = read_back(f, "a poster with the text \"SPRING SALE TODAY\"");
            assert_eq!(v, "yes", "{}: {ev}", f.display());
        }
    }
}

#[test]
fn typeset_command_puts_a_plate_behind_text_on_a_busy_background() {
    let d = scratch("text-plate");
    // Light and dark bands, 6 px each: no single text colour reads on both.
    write_png(&d.join("busy.png"), 480, 270, |x, y| {
        if (x / 6 + y / 6) % 2 == 0 {
            [245, 240, 230]
        } else {
            [25, 25, 35]
        }
    });
    write_png(&d.join("calm.png"), 480, 270, |_, _| [245, 240, 230]);
    let typeset = |input: &str, out: &str| {
        go(
            &d,
            &[
                "typeset",
                input,
                "--text",
                "OPEN",
                "--box",
                "0.2,0.3,0.8,0.7",
                "--color",
                "#0047AB",
                "-o",
                out,
            ],
        )
    };
    let (code, _, err) = typeset("busy.png", "busy-open.png");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("plate went behind it"), "{err}");
    let img = darkroom_imageops::read_png(&d.join("busy-open.png"), 1 << 26).unwrap();
    // The plate: inside the box around the text the bands are gone (a light plate, the blue
    // being dark); outside it they remain.
    let at = |x: u32, y: u32| {
        let i = ((y * img.width + x) * 3) as usize;
        [img.rgb[i], img.rgb[i + 1], img.rgb[i + 2]]
    };
    let lum = |p: [u8; 3]| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]);
    assert!(lum(at(5, 5)) > 600 || lum(at(5, 5)) < 150);
    let (code, _, err) = typeset("calm.png", "calm-open.png");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("plate"), "{err}");
    // Bad input names the value and what is accepted; nothing is written.
    let (code, _, err) = go(
        &d,
        &[
            "typeset",
            "calm.png",
            "--text",
            "X",
            "--box",
            "0.8,0.2,0.1,0.9",
            "-o",
            "bad.png",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--box `0.8,0.2,0.1,0.9`") && err.contains("x0 < x1"),
        "{err}"
    );
    assert!(!d.join("bad.png").exists());
    // A page of 6-pixel checks around the plate defeats Tesseract's page layout (the judge then
    // says undecided, never no); the OCR read-back is on the campaigns' deliverables.
    if tesseract() {
        let (v, ev) = read_back(&d.join("busy-open.png"), "a sign that says \"OPEN\"");
        assert_ne!(v, "no", "{ev}");
        let (v, ev) = read_back(&d.join("calm-open.png"), "a sign that says \"OPEN\"");
        assert_eq!(v, "yes", "{ev}");
    }
}

#[test]
fn text_by_typeset_sends_a_blank_surface_and_delivers_the_text() {
    use darkroom_fakes::Fake;
    const KEY: &str = "AIzaFAKE-text-key-5521";
    let nano = Fake::gemini(KEY);
    let d = scratch("text-routing");
    let campaign = format!(
        "[campaign]\nname = \"route\"\noutput = \"out\"\n\
         [providers.nano]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DR_TEST_TEXT_KEY\"\nbase_url = \"{}\"\n\
         [tiers.draft]\nprovider = \"nano\"\nsize = \"512\"\nvariants = 2\n\
         [tiers.finish]\nprovider = \"nano\"\nsize = \"1K\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\non_palette = 0.0\n\
         [budget]\nmoney = \"5 USD\"\nmax_rounds = 1\n\
         [[shots]]\nid = \"shop\"\nprompt = \"a wooden sign that says \\\"OPEN\\\" next to a red fire hydrant\"\n\
         text_by = \"typeset\"\ndeliver = [\"1:1\"]\n",
        nano.url
    );
    std::fs::write(d.join("c.toml"), campaign).unwrap();
    let key = [("DR_TEST_TEXT_KEY", KEY)];
    let (_, out, _) = go_env(&d, &["check", "c.toml"], &key);
    assert!(
        out.contains("text typeset on every deliverable: \"OPEN\" (text_by = \"typeset\")"),
        "{out}"
    );
    let (code, _, err) = go_env(&d, &["run", "c.toml"], &key);
    assert_eq!(code, 0, "{err}");
    let generations: Vec<String> = nano
        .seen()
        .into_iter()
        .filter(|s| s.path.contains(":generateContent"))
        .map(|s| String::from_utf8_lossy(&s.body).to_string())
        .collect();
    assert!(generations.len() >= 3, "{generations:?}");
    for body in &generations {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let text = v["contents"][0]["parts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!text.contains("OPEN") && !text.contains('"'), "{text}");
        assert!(text.contains("a blank wooden sign"), "{text}");
    }
    let file = d.join("out/deliverables/shop/shop-1-1024x1024.png");
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file.with_extension("json")).unwrap()).unwrap();
    assert_eq!(side["text_by"], "typeset");
    assert_eq!(side["steps"][0]["content"], "OPEN");
    if tesseract() {
        let (v, ev) = read_back(&file, "a sign that says \"OPEN\"");
        assert_eq!(v, "yes", "{ev}");
    }
}

#[test]
fn text_by_auto_typesets_until_the_model_is_measured_then_follows_its_pass_rate() {
    if !tesseract() {
        return;
    }
    let d = scratch("text-auto");
    let campaign = |by: &str| {
        format!(
            "[campaign]\nname = \"auto\"\noutput = \"out\"\n\
             [providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nfailures = {{ transient = 0.0, refusal = 0.0, rate_limited = 0.0 }}\n\
             [tiers.draft]\nprovider = \"sim\"\nsize = \"512\"\nvariants = 10\n\
             [tiers.finish]\nprovider = \"sim\"\nsize = \"512\"\nkeep = 1\n\
             [gates]\nadherence = 0.0\non_palette = 0.0\n\
             [budget]\ncredits = 1000\nmax_rounds = 1\n\
             [[shots]]\nid = \"shop\"\nprompt = \"a wooden sign that says \\\"OPEN\\\"\"\ntext_by = \"{by}\"\n"
        )
    };
    let check = || {
        let (code, out, err) = go(&d, &["check", "c.toml"]);
        assert_eq!(code, 0, "{err}");
        out
    };
    // Nothing measured: typeset, and `check` says why.
    std::fs::write(d.join("c.toml"), campaign("auto")).unwrap();
    let out = check();
    assert!(
        out.contains("text typeset on every deliverable: \"OPEN\" (auto: sim's text pass rate is not measured yet (0 text question(s) decided"),
        "{out}"
    );
    assert!(out.contains("\"a blank wooden sign\""), "{out}");
    // A run with the text left to the model measures it (the OCR judge reads the drafts' signs).
    std::fs::write(d.join("c.toml"), campaign("model")).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(d.join("c.toml"), campaign("auto")).unwrap();
    let out = check();
    assert!(
        out.contains("text drawn by the model (auto: sim rendered the text right in"),
        "{out}"
    );
    assert!(out.contains("that says \"OPEN\""), "{out}");
}

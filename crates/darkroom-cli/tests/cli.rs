//! CLI behaviour of `darkroom`, checked as insta snapshots of exit code, stdout and stderr, with
//! temporary paths and timings filtered out.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_darkroom"))
}

/// A fresh, empty folder under `target/test-output/cli/<name>`.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the command and renders `exit code`, stdout and stderr as one block, with `dir`
/// replaced by `[TMP]` and durations by `[T]`.
fn run(args: &[&str], dir: Option<&Path>) -> (i32, String) {
    let out = bin().args(args).env("NO_COLOR", "1").output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let mut text = format!(
        "exit: {code}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(d) = dir {
        text = text.replace(&d.display().to_string(), "[TMP]");
    }
    // "in 0.02 s" → "in [T] s"
    let mut filtered = String::new();
    for line in text.lines() {
        let l = match line.find(" in ") {
            Some(i) if line.ends_with(" s") => format!("{} in [T] s", &line[..i]),
            _ => line.to_string(),
        };
        filtered.push_str(&l);
        filtered.push('\n');
    }
    (code, filtered)
}

#[test]
fn parse_prints_scene_and_checklist() {
    let (code, out) = run(
        &[
            "parse",
            "a red sphere on a glass table to the left of a blue cube, cinematic lighting",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn parse_json() {
    let (code, out) = run(
        &[
            "parse",
            "--json",
            "a dog right of a teddy bear, a sign that says \"OPEN\"",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn sketch_writes_the_requested_png_with_its_parameters() {
    let d = scratch("sketch_ok");
    let f = d.join("hero.png");
    let p = "a red sphere on a glass table to the left of a blue cube, cinematic lighting";
    let (code, out) = run(
        &[
            "sketch",
            p,
            "-o",
            f.to_str().unwrap(),
            "--size",
            "320",
            "--aspect",
            "16:9",
            "--seed",
            "3",
        ],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!(out);
    let img = darkroom_imageops::read_png(&f, 1 << 24).unwrap();
    assert_eq!((img.width, img.height), (320, 180));
    assert!(img.text.contains(&("prompt".into(), p.into())));
    assert!(img.text.contains(&("seed".into(), "3".into())));
    // The same command writes the same bytes.
    let first = std::fs::read(&f).unwrap();
    run(
        &[
            "sketch",
            p,
            "-o",
            f.to_str().unwrap(),
            "--size",
            "320",
            "--aspect",
            "16:9",
            "--seed",
            "3",
        ],
        Some(&d),
    );
    assert_eq!(first, std::fs::read(&f).unwrap());
    // Exact sizes and the finish tier work too.
    let g = d.join("finish.png");
    let (code, _) = run(
        &[
            "sketch",
            p,
            "-o",
            g.to_str().unwrap(),
            "--size",
            "200x100",
            "--quality",
            "finish",
        ],
        Some(&d),
    );
    assert_eq!(code, 0);
    let img = darkroom_imageops::read_png(&g, 1 << 24).unwrap();
    assert_eq!((img.width, img.height), (200, 100));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let d = scratch("bad_input");
    let o = d.join("x.png");
    let o = o.to_str().unwrap();
    let long = "a".repeat(10_001);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("empty_prompt", vec!["sketch", "", "-o", o]),
        ("long_prompt", vec!["sketch", &long, "-o", o]),
        (
            "size_zero",
            vec!["sketch", "a cube", "-o", o, "--size", "0"],
        ),
        (
            "size_too_big",
            vec!["sketch", "a cube", "-o", o, "--size", "9000"],
        ),
        (
            "size_malformed",
            vec!["sketch", "a cube", "-o", o, "--size", "big"],
        ),
        (
            "aspect_zero",
            vec!["sketch", "a cube", "-o", o, "--aspect", "0:9"],
        ),
        (
            "aspect_malformed",
            vec!["sketch", "a cube", "-o", o, "--aspect", "16/9"],
        ),
        (
            "quality_unknown",
            vec!["sketch", "a cube", "-o", o, "--quality", "best"],
        ),
        (
            "exact_size_and_aspect_disagree",
            vec![
                "sketch", "a cube", "-o", o, "--size", "100x100", "--aspect", "16:9",
            ],
        ),
        (
            "all_problems_at_once",
            vec![
                "sketch",
                "",
                "-o",
                o,
                "--size",
                "0",
                "--aspect",
                "x",
                "--quality",
                "q",
            ],
        ),
        (
            "unwritable_output",
            vec!["sketch", "a cube", "-o", "/nonexistent-dir/x.png"],
        ),
        ("parse_empty", vec!["parse", "   "]),
    ];
    let mut all = String::new();
    for (name, args) in cases {
        let (code, out) = run(&args, Some(&d));
        assert_eq!(code, 2, "{name}: {out}");
        let stderr = out.split("--- stderr\n").nth(1).unwrap();
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
        assert!(
            out.contains("--- stdout\n--- stderr"),
            "{name}: nothing on stdout"
        );
        all.push_str(&format!("## {name}\n{}", stderr));
    }
    // Validation happens before anything is written.
    assert!(!Path::new(o).exists(), "no output file on bad input");
    insta::assert_snapshot!(all);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(run(&["frobnicate"], None).0, 2);
    assert_eq!(run(&["sketch", "a cube"], None).0, 2, "missing -o");
    assert_eq!(run(&["--help"], None).0, 0);
    assert_eq!(run(&["--version"], None).0, 0);
}

// ---- colour, audit and finishing commands -------------------------------------------------

fn write_png(path: &Path, w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) {
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(&f(x, y));
        }
    }
    darkroom_imageops::write_png(path, w, h, &rgb, &[]).unwrap();
}

const BRAND: &str = r##"[brand]
palette = [
  { name = "Brand Blue", hex = "#0047AB" },
  { name = "Paper", hex = "#F4F1EA" },
]
tolerance = 6.0
min_on_palette = 0.5
"##;

#[test]
fn color_diff_and_palette() {
    let (code, out) = run(
        &["color", "diff", "#0047AB", "lab(50 2.6772 -79.7751)"],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
    let (code, out) = run(
        &[
            "color",
            "diff",
            "--json",
            "lab(50 2.6772 -79.7751)",
            "lab(50 0 -82.7485)",
        ],
        None,
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(
        out.split("--- stdout\n")
            .nth(1)
            .unwrap()
            .split("--- stderr")
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(v["de2000"], 2.0425, "the first Sharma (2005) pair");
    let d = scratch("palette");
    let f = d.join("two.png");
    write_png(&f, 64, 64, |x, _| {
        if x < 48 {
            [0, 71, 171]
        } else {
            [244, 241, 234]
        }
    });
    let (code, out) = run(
        &["color", "palette", f.to_str().unwrap(), "-k", "2"],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn audit_images_reports_compliance_duplicates_and_bad_files() {
    let d = scratch("audit");
    let imgs = d.join("imgs");
    std::fs::create_dir_all(&imgs).unwrap();
    let brand = d.join("brand.toml");
    std::fs::write(&brand, BRAND).unwrap();
    // On brand: blue field with a paper stripe; its near-duplicate (2 px shift, +2 levels);
    // off brand: red and green.
    let scene = |dx: u32, bump: u8| {
        move |x: u32, y: u32| {
            let stripe = (x + dx) % 64 < 16 || y < 10;
            let c: [u8; 3] = if stripe {
                [244, 241, 234]
            } else {
                [0, 71, 171]
            };
            c.map(|v| v.saturating_add(bump))
        }
    };
    write_png(&imgs.join("a_on_brand.png"), 96, 64, scene(0, 0));
    write_png(&imgs.join("b_duplicate.png"), 96, 64, scene(2, 2));
    write_png(&imgs.join("c_off_brand.png"), 96, 64, |x, _| {
        if x < 50 {
            [220, 30, 30]
        } else {
            [30, 160, 40]
        }
    });
    std::fs::write(imgs.join("d_corrupt.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    std::fs::write(imgs.join("notes.txt"), "ignored").unwrap();
    let csv = d.join("audit.csv");
    let (code, out) = run(
        &[
            "audit",
            "images",
            imgs.to_str().unwrap(),
            "--brand",
            brand.to_str().unwrap(),
            "--json",
            "--csv",
            csv.to_str().unwrap(),
        ],
        Some(&d),
    );
    assert_eq!(code, 1, "a corrupt file makes the exit code 1: {out}");
    let json = out
        .split("--- stdout\n")
        .nth(1)
        .unwrap()
        .split("--- stderr")
        .next()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let images = v["images"].as_array().unwrap();
    assert_eq!(images.len(), 3);
    assert!(images[0]["on_palette"].as_f64().unwrap() > 0.99);
    assert_eq!(images[0]["passes"], true);
    assert!(images[2]["on_palette"].as_f64().unwrap() < 0.01);
    assert_eq!(images[2]["passes"], false);
    assert!(
        images[2]["drift"].as_f64().unwrap() > 10.0,
        "off-brand image drifted from the first"
    );
    assert_eq!(
        v["near_duplicate_groups"][0]["files"],
        serde_json::json!(["a_on_brand.png", "b_duplicate.png"])
    );
    assert_eq!(v["near_duplicate_groups"].as_array().unwrap().len(), 1);
    assert!(v["errors"][0].as_str().unwrap().contains("d_corrupt.png"));
    assert!(out.contains("error: ") && out.contains("d_corrupt.png"));
    let csv = std::fs::read_to_string(csv).unwrap();
    assert!(csv.starts_with("file,width,height,on_palette,passes"));
    assert_eq!(csv.lines().count(), 4);
    // Drift against a chosen reference: the reference itself has none.
    let reference = imgs.join("c_off_brand.png");
    let (_, out) = run(
        &[
            "audit",
            "images",
            imgs.to_str().unwrap(),
            "--brand",
            brand.to_str().unwrap(),
            "--json",
            "--reference",
            reference.to_str().unwrap(),
        ],
        Some(&d),
    );
    let json = out
        .split("--- stdout\n")
        .nth(1)
        .unwrap()
        .split("--- stderr")
        .next()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert!(v["images"][2]["drift"].as_f64().unwrap() < 1e-9);
    assert!(v["images"][0]["drift"].as_f64().unwrap() > 10.0);
    // The human table.
    let (code, out) = run(
        &[
            "audit",
            "images",
            imgs.to_str().unwrap(),
            "--brand",
            brand.to_str().unwrap(),
        ],
        Some(&d),
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
    // The HTML report: one card per readable image, the bad file listed, links that resolve.
    let html = d.join("report/audit.html");
    std::fs::create_dir_all(d.join("report")).unwrap();
    let (code, _) = run(
        &[
            "audit",
            "images",
            imgs.to_str().unwrap(),
            "--brand",
            brand.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
        Some(&d),
    );
    assert_eq!(code, 1);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("darkroom · audit images"));
    assert_eq!(
        page.matches("<article class=\"card passed\">").count(),
        2,
        "two on brand"
    );
    assert_eq!(
        page.matches("<article class=\"card rejected\">").count(),
        1,
        "one off brand"
    );
    assert!(page.contains("Files that could not be read") && page.contains("d_corrupt.png"));
    assert!(page.contains("Near-duplicate groups") && page.contains("b_duplicate.png"));
    for id in ["on-palette", "drift", "sharpness", "palettes"] {
        assert!(page.contains(&format!("id=\"svg-{id}\"")), "{id}");
    }
    for part in page
        .split("src=\"")
        .skip(1)
        .chain(page.split("href=\"").skip(1))
    {
        let target = &part[..part.find('"').unwrap()];
        if !target.starts_with('#') && !target.starts_with("data:") {
            assert!(d.join("report").join(target).exists(), "{target}");
        }
    }
}

#[test]
fn grade_upscale_extend_inpaint() {
    let d = scratch("finishing");
    let src = d.join("src.png");
    // A drifted blue and an off-white, with a gentle gradient.
    write_png(&src, 80, 60, |x, y| {
        if x < 50 {
            [28, 95 + (y / 10) as u8, 196]
        } else {
            [232, 236, 240]
        }
    });
    let brand = d.join("brand.toml");
    std::fs::write(&brand, BRAND).unwrap();
    let s = src.to_str().unwrap();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();

    let (code, out) = run(
        &[
            "grade",
            s,
            "--brand",
            brand.to_str().unwrap(),
            "--strength",
            "1",
            "-o",
            &p("graded.png"),
            "--export-lut",
            &p("grade.cube"),
        ],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    let before = darkroom_imageops::read_png(&src, 1 << 20).unwrap();
    let after = darkroom_imageops::read_png(&d.join("graded.png"), 1 << 20).unwrap();
    let brand_v = darkroom_color::brand::Brand::from_spec(
        &toml::from_str::<toml::Table>(BRAND).unwrap()["brand"]
            .clone()
            .try_into()
            .unwrap(),
    )
    .unwrap();
    let score = |img: &darkroom_imageops::RgbImage| -> f64 {
        darkroom_color::palette::palette(&img.rgb, img.width as usize, img.height as usize, 3)
            .iter()
            .map(|s| s.share * darkroom_color::brand::nearest(&brand_v, s.lab).1)
            .sum()
    };
    assert!(
        score(&after) < score(&before) * 0.5,
        "{} → {}",
        score(&before),
        score(&after)
    );
    let cube = std::fs::read_to_string(d.join("grade.cube")).unwrap();
    assert!(cube.contains("LUT_3D_SIZE 33"));
    // Applying the exported LUT gives the same image as the brand grade.
    let (code, _) = run(
        &["grade", s, "--lut", &p("grade.cube"), "-o", &p("relut.png")],
        Some(&d),
    );
    assert_eq!(code, 0);
    let relut = darkroom_imageops::read_png(&d.join("relut.png"), 1 << 20).unwrap();
    let maxdiff = relut
        .rgb
        .iter()
        .zip(&after.rgb)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(maxdiff <= 1, "exported LUT reproduces the grade: {maxdiff}");

    let (code, out) = run(&["upscale", s, "--to", "2x", "-o", &p("up.png")], Some(&d));
    assert_eq!(code, 0, "{out}");
    let up = darkroom_imageops::read_png(&d.join("up.png"), 1 << 24).unwrap();
    assert_eq!((up.width, up.height), (160, 120));
    let (code, _) = run(
        &["upscale", s, "--to", "1K", "-o", &p("up1k.png")],
        Some(&d),
    );
    assert_eq!(code, 0);
    let up = darkroom_imageops::read_png(&d.join("up1k.png"), 1 << 24).unwrap();
    assert_eq!((up.width, up.height), (1024, 768));

    let (code, out) = run(
        &["extend", s, "--aspect", "21:9", "-o", &p("wide.png")],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    let wide = darkroom_imageops::read_png(&d.join("wide.png"), 1 << 24).unwrap();
    assert_eq!(wide.height, 60);
    assert!((f64::from(wide.width) - 60.0 * 21.0 / 9.0).abs() <= 1.0);
    let ox = ((wide.width - 80) / 2) as usize;
    for y in 0..60usize {
        assert_eq!(
            &wide.rgb[(y * wide.width as usize + ox) * 3..][..80 * 3],
            &before.rgb[y * 80 * 3..][..80 * 3]
        );
    }

    let mask = d.join("mask.png");
    write_png(&mask, 80, 60, |x, y| {
        if (30..40).contains(&x) && (20..30).contains(&y) {
            [255; 3]
        } else {
            [0; 3]
        }
    });
    let (code, out) = run(
        &[
            "inpaint",
            s,
            "--mask",
            mask.to_str().unwrap(),
            "-o",
            &p("fixed.png"),
        ],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    let fixed = darkroom_imageops::read_png(&d.join("fixed.png"), 1 << 20).unwrap();
    for (i, (a, b)) in before.rgb.chunks(3).zip(fixed.rgb.chunks(3)).enumerate() {
        let (x, y) = (i % 80, i / 80);
        if !((30..40).contains(&x) && (20..30).contains(&y)) {
            assert_eq!(a, b);
        }
    }
}

#[test]
fn image_command_bad_input_is_one_line_and_exit_2() {
    let d = scratch("image_bad");
    let src = d.join("src.png");
    write_png(&src, 20, 10, |_, _| [1, 2, 3]);
    let s = src.to_str().unwrap();
    let o = d.join("o.png");
    let o = o.to_str().unwrap();
    let brand = d.join("brand.toml");
    std::fs::write(&brand, BRAND).unwrap();
    let bad_brand = d.join("bad_brand.toml");
    std::fs::write(&bad_brand, "[brand]\npalette = [\"#0047AB\"]\ncolour = 1\n").unwrap();
    let cube = d.join("bad.cube");
    std::fs::write(&cube, "LUT_3D_SIZE 2\n0 0 0\n1 x 0\n").unwrap();
    let mask = d.join("mask.png");
    write_png(&mask, 5, 5, |_, _| [255; 3]);
    let junk = d.join("junk.png");
    std::fs::write(&junk, "hello").unwrap();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("bad_colour", vec!["color", "diff", "#12", "navy"]),
        ("unknown_colour", vec!["color", "diff", "blurple", "navy"]),
        (
            "unreadable_image",
            vec!["upscale", junk.to_str().unwrap(), "--to", "2x", "-o", o],
        ),
        (
            "missing_image",
            vec!["upscale", "nope.png", "--to", "2x", "-o", o],
        ),
        (
            "bad_upscale_target",
            vec!["upscale", s, "--to", "0x", "-o", o],
        ),
        ("aspect_zero", vec!["extend", s, "--aspect", "0:9", "-o", o]),
        (
            "not_png_output",
            vec!["extend", s, "--aspect", "16:9", "-o", "out.jpg"],
        ),
        (
            "malformed_cube",
            vec!["grade", s, "--lut", cube.to_str().unwrap(), "-o", o],
        ),
        (
            "brand_unknown_key",
            vec!["grade", s, "--brand", bad_brand.to_str().unwrap(), "-o", o],
        ),
        (
            "strength_out_of_range",
            vec![
                "grade",
                s,
                "--brand",
                brand.to_str().unwrap(),
                "--strength",
                "2",
                "-o",
                o,
            ],
        ),
        (
            "mask_size_mismatch",
            vec!["inpaint", s, "--mask", mask.to_str().unwrap(), "-o", o],
        ),
        (
            "audit_missing_dir",
            vec![
                "audit",
                "images",
                "no-such-dir",
                "--brand",
                brand.to_str().unwrap(),
            ],
        ),
    ];
    let mut all = String::new();
    for (name, args) in cases {
        let (code, out) = run(&args, Some(&d));
        assert_eq!(code, 2, "{name}: {out}");
        let stderr = out.split("--- stderr\n").nth(1).unwrap();
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
        all.push_str(&format!("## {name}\n{stderr}"));
    }
    insta::assert_snapshot!(all);
}

// ---- judges -------------------------------------------------------------------------------

#[test]
fn judge_prints_verdicts_with_evidence_then_scores() {
    let d = scratch("judge");
    let img = d.join("hero.png");
    let p = "a red sphere to the left of a blue cube";
    let (code, _) = run(
        &[
            "sketch",
            p,
            "-o",
            img.to_str().unwrap(),
            "--size",
            "384",
            "--seed",
            "2",
        ],
        Some(&d),
    );
    assert_eq!(code, 0);
    let brand = d.join("brand.toml");
    std::fs::write(&brand, BRAND).unwrap();
    let (code, out) = run(
        &[
            "judge",
            img.to_str().unwrap(),
            "--prompt",
            p,
            "--brand",
            brand.to_str().unwrap(),
        ],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("yes  color     Is the sphere red?"), "{out}");
    assert!(
        out.contains("yes  relation  Is the sphere to the left of the cube?"),
        "{out}"
    );
    assert!(
        out.contains("scores:") && out.contains("layout   1.000") && out.contains("brand"),
        "{out}"
    );
    // The opposite claim is refuted, with evidence.
    let (code, out) = run(
        &[
            "judge",
            img.to_str().unwrap(),
            "--prompt",
            "a red sphere to the right of a blue cube",
            "--json",
        ],
        Some(&d),
    );
    assert_eq!(code, 0);
    let json = out
        .split("--- stdout\n")
        .nth(1)
        .unwrap()
        .split("--- stderr")
        .next()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let layout = &v["judgements"][0];
    assert_eq!(layout["judge"], "layout");
    let rel = layout["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["verdict"] == "no")
        .unwrap();
    assert!(rel["evidence"].as_str().unwrap().contains("offsets"));
    assert!(layout["score"].as_f64().unwrap() < 1.0);
}

#[test]
fn judge_bad_input_is_one_line_and_exit_2() {
    let d = scratch("judge_bad");
    let img = d.join("img.png");
    write_png(&img, 16, 16, |_, _| [9, 9, 9]);
    let junk = d.join("junk.png");
    std::fs::write(&junk, "nope").unwrap();
    let bad_brand = d.join("bad.toml");
    std::fs::write(&bad_brand, "[brand]\npalette = [\"#12\"]\n").unwrap();
    let i = img.to_str().unwrap();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "unreadable_image",
            vec!["judge", junk.to_str().unwrap(), "--prompt", "a cube"],
        ),
        ("empty_prompt", vec!["judge", i, "--prompt", " "]),
        (
            "malformed_brand_colour",
            vec![
                "judge",
                i,
                "--prompt",
                "a cube",
                "--brand",
                bad_brand.to_str().unwrap(),
            ],
        ),
        (
            "everything_at_once",
            vec![
                "judge",
                junk.to_str().unwrap(),
                "--prompt",
                "",
                "--brand",
                bad_brand.to_str().unwrap(),
            ],
        ),
        ("audit_judges_bad_n", vec!["audit", "judges", "--n", "0"]),
    ];
    let mut all = String::new();
    for (name, args) in cases {
        let (code, out) = run(&args, Some(&d));
        assert_eq!(code, 2, "{name}: {out}");
        let stderr = out.split("--- stderr\n").nth(1).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
        all.push_str(&format!("## {name}\n{stderr}"));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn audit_judges_reports_precision_recall_and_undecided() {
    let (code, out) = run(
        &[
            "audit", "judges", "--n", "24", "--size", "256", "--tiers", "draft", "--json",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    let json = out
        .split("--- stdout\n")
        .nth(1)
        .unwrap()
        .split("--- stderr")
        .next()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let cats = v["tiers"][0]["categories"].as_array().unwrap();
    let names: Vec<&str> = cats
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["color", "count", "position"]);
    assert!(cats.iter().all(|c| c["assertions"].as_u64().unwrap() > 0));
    let (code, out) = run(
        &[
            "audit", "judges", "--n", "8", "--size", "128", "--tiers", "draft",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("precision") && out.contains("recall") && out.contains("undecided"),
        "{out}"
    );
}

// ---- campaigns ----------------------------------------------------------------------------

#[test]
fn check_prints_the_plan_or_every_problem() {
    let example =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/spring-launch.toml");
    let (code, out) = run(&["check", example.to_str().unwrap()], None);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("plan: 32 draft calls (first round), 5 finish calls (+3 spares if finishes fail), 7 delivery calls (other aspects), 12 deliverables"),
        "{out}"
    );
    let d = scratch("check_bad");
    let bad = d.join("bad.toml");
    std::fs::write(
        &bad,
        "[campaign]\nname = \"x\"\n\n[providers.local]\nkind = \"skecth\"\n\n[tiers.draft]\nprovider = \"lcoal\"\nsize = \"0\"\n[tiers.finish]\nprovider = \"local\"\nvarints = 3\n\n[[shots]]\nid = \"a\"\nprompt = \"a red sphere\"\ndeliver = [\"0:9\"]\n",
    )
    .unwrap();
    let (code, out) = run(&["check", bad.to_str().unwrap()], Some(&d));
    assert_eq!(code, 2);
    insta::assert_snapshot!(out);
}

#[test]
fn run_delivers_offline_and_resumes() {
    let d = scratch("run");
    let campaign = d.join("c.toml");
    std::fs::write(
        &campaign,
        "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"96\"\nvariants = 2\n[tiers.finish]\nprovider = \"local\"\nsize = \"128\"\nkeep = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"16:9\", \"1:1\"]\n",
    )
    .unwrap();
    let go = || {
        bin()
            .current_dir(&d)
            .args(["run", "c.toml"])
            .output()
            .unwrap()
    };
    let first = go();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("hero\t16:9\t128x72") && stdout.contains("hero\t1:1\t128x128"),
        "{stdout}"
    );
    assert!(d.join("out/deliverables/manifest.json").exists());
    let decisions = || {
        let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
        l.dump().unwrap().decisions.len()
    };
    let before = decisions();
    let page = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    let second = go();
    assert!(String::from_utf8_lossy(&second.stderr).contains("answered from the ledger"));
    // The resumed run judges and ranks again and reaches the same decisions: recorded once,
    // so the report's counts are the same (they were doubled).
    assert_eq!(decisions(), before);
    let status = bin()
        .current_dir(&d)
        .args(["status", "c.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("runs 2; the last: complete"), "{text}");
    assert!(
        text.contains("shot hero                 delivered"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out/report.html")).unwrap(),
        page,
        "the report of a resumed run that did nothing new is the same"
    );
    // A campaign error is exit 2; an unknown shot is a one-line input error.
    std::fs::write(d.join("bad.toml"), "[campaign]\nname = 1\n").unwrap();
    assert_eq!(
        bin()
            .current_dir(&d)
            .args(["run", "bad.toml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--only", "nope"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no shot `nope`"));
}

#[test]
fn run_stops_at_the_budget_with_exit_1() {
    let d = scratch("run-budget");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 16\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 8\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\nkeep = 1\n[budget]\nmoney = \"10 USD\"\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    // $0.10 covers two $0.039 calls; the campaign wants eight drafts and a finish.
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--budget", "0.10"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    // The shot is expected to need eight $0.039 drafts and a finish: more than $0.10, so none
    // of it is bought (drafts that could never be finished are money for nothing).
    assert!(
        err.contains("stopped by the budget (USD): cap 0.100, committed 0.000")
            && err.contains("shot `hero`"),
        "{err}"
    );
    let spent: f64 = err
        .split("spent ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no spend in {err}"));
    assert!(spent <= 0.10, "{err}");
    let status = bin()
        .current_dir(&d)
        .args(["status", "c.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["runs"][0]["status"], "budget_exhausted", "{v}");
    let bad = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--budget=-1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid --budget -1"));
}

#[test]
fn init_then_status() {
    let d = scratch("init");
    let o = bin()
        .current_dir(&d)
        .args(["init", "proj"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let again = bin()
        .current_dir(&d)
        .args(["init", "proj"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "never overwrites");
    // Named after its folder, with its own output, and comments that point at the file written.
    let written = std::fs::read_to_string(d.join("proj/campaign.toml")).unwrap();
    assert!(written.contains("name = \"proj\""), "{written}");
    assert!(written.contains("output = \"out/proj\""), "{written}");
    assert!(
        written.contains("darkroom check proj/campaign.toml"),
        "{written}"
    );
    assert!(!written.contains("spring-launch"), "{written}");
    let named = bin()
        .current_dir(&d)
        .args(["init", "other", "--name", "Autumn \"Sale\""])
        .output()
        .unwrap();
    assert_eq!(named.status.code(), Some(0));
    let written = std::fs::read_to_string(d.join("other/campaign.toml")).unwrap();
    assert!(
        written.contains("name = \"Autumn \\\"Sale\\\"\""),
        "{written}"
    );
    assert!(
        written.contains("output = \"out/autumn-sale\""),
        "{written}"
    );
    let check = bin()
        .current_dir(&d)
        .args(["check", "other/campaign.toml"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let check = bin()
        .current_dir(&d)
        .args(["check", "proj/campaign.toml"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let none = bin()
        .current_dir(&d)
        .args(["status", "proj/campaign.toml"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("has not run yet"));
    // After a (small) run, status reports counts, spend and CPSA.
    let small = "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 2\n[tiers.finish]\nprovider = \"local\"\nsize = \"96\"\nkeep = 1\n[[shots]]\nid = \"a\"\nprompt = \"a red cube\"\n";
    std::fs::write(d.join("s.toml"), small).unwrap();
    assert_eq!(
        bin()
            .current_dir(&d)
            .args(["run", "s.toml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    let st = bin()
        .current_dir(&d)
        .args(["status", "s.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(v["deliverables"], 1);
    assert_eq!(v["success_rate"], 1.0);
    assert_eq!(v["cpsa"], 0.0);
    assert!(v["latency_p50"].as_f64().is_some());
}

/// Every `.png` under `dir`, by relative path.
fn pngs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "png") {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn sigkill_at_random_points_then_resume_pays_once_and_delivers_everything() {
    // Ten SIGKILLs at pseudo-random points of runs that wait for `sim` latencies in real time,
    // then a run to the end. Whatever moments the kills land on, these must hold: every
    // deliverable appears, byte-identical to an uninterrupted run; no request is executed twice
    // (the simulated vendor keeps its record of executed calls in the call log and replays a
    // request sent again, as a vendor with idempotency keys does); and the ledger's spend equals
    // the spend of the executed calls, to the cent.
    let d = scratch("sigkill");
    let campaign = "[campaign]\nname = \"k\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 4\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\nlatency = { median = 0.12, p95 = 0.25 }\n[tiers.draft]\nprovider = \"sim\"\nsize = \"64\"\nvariants = 8\n[tiers.finish]\nprovider = \"sim\"\nsize = \"96\"\nkeep = 1\n[gates]\nadherence = 0.0\n[budget]\nmoney = \"100 USD\"\nmax_rounds = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\", \"16:9\"]\n[[shots]]\nid = \"pack\"\nprompt = \"three yellow bottles on a white table\"\ndeliver = [\"4:5\"]\n";
    for sub in ["ref", "crash"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
        std::fs::write(d.join(sub).join("c.toml"), campaign).unwrap();
    }
    let reference = bin()
        .current_dir(d.join("ref"))
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        reference.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    let crash = d.join("crash");
    let log = crash.join("calls.log");
    let go = || {
        let mut c = bin();
        c.current_dir(&crash)
            .args(["run", "c.toml", "--realtime", "--sim-call-log"])
            .arg(&log)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let mut state: u64 = 0x5EED;
    for _ in 0..10 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let wait = 80 + (state >> 33) % 500;
        let mut child = go().spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait));
        // SIGKILL on Unix: no chance to clean up. A child that already finished is fine too.
        let _ = child.kill();
        let _ = child.wait();
    }
    let last = go().stderr(std::process::Stdio::piped()).output().unwrap();
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    let ours = pngs(&crash.join("out/deliverables"));
    let theirs = pngs(&d.join("ref/out/deliverables"));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    assert!(ours.len() >= 3);
    assert!(
        ours == theirs,
        "deliverables differ from an uninterrupted run"
    );

    let lines = std::fs::read_to_string(&log).unwrap();
    let mut per_call: std::collections::HashMap<&str, u64> = Default::default();
    let mut executed = 0.0;
    for l in lines.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 3, "a call log line is key, usd, try: {l:?}");
        *per_call.entry(f[0]).or_default() += 1;
        executed += f[1].parse::<f64>().unwrap();
    }
    let twice: Vec<_> = per_call.iter().filter(|(_, n)| **n > 1).collect();
    let ledger = darkroom_ledger::Ledger::open(&crash.join("out/darkroom.db")).unwrap();
    let interrupted = ledger.interrupted().unwrap();
    let spent = ledger.totals().unwrap().settled;
    eprintln!(
        "{} calls executed, {} interrupted by a kill and replayed; executed ${executed:.3}, ledger ${spent:.3}",
        lines.lines().count(),
        interrupted
    );
    assert!(twice.is_empty(), "executed more than once: {twice:?}");
    // Every run is in the ledger: the killed ones never ended, the last completed, and every
    // shot is delivered.
    let runs = ledger.runs().unwrap();
    assert_eq!(runs.last().unwrap().status, "complete", "{runs:?}");
    assert!(
        runs.iter().filter(|r| r.status == "crashed").count() >= 1,
        "{runs:?}"
    );
    assert!(runs[..runs.len() - 1]
        .iter()
        .all(|r| r.status == "crashed" || r.finished_at.is_some()));
    let shots = ledger.shots().unwrap();
    assert_eq!(shots.len(), 2);
    assert!(shots.iter().all(|x| x.status == "delivered"), "{shots:?}");
    assert!(
        (spent - executed).abs() < 1e-9,
        "ledger ${spent} but the executed calls cost ${executed}"
    );
    // Everything done: a further run calls nothing.
    let before = lines.lines().count();
    assert_eq!(go().status().unwrap().code(), Some(0));
    let after = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(
        before, after,
        "a finished campaign makes no calls when run again"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_scheduling_records_what_was_in_flight_and_resumes() {
    use std::io::BufRead;
    let d = scratch("ctrl-c");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"c\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 2\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\nlatency = { median = 0.3, p95 = 0.3 }\n[tiers.draft]\nprovider = \"sim\"\nsize = \"64\"\nvariants = 40\n[tiers.finish]\nprovider = \"sim\"\nsize = \"96\"\nkeep = 1\n[gates]\nadherence = 0.0\n[budget]\nmoney = \"100 USD\"\nmax_rounds = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    let log = d.join("calls.log");
    let go = || {
        let mut c = bin();
        c.current_dir(&d)
            .args(["run", "c.toml", "--realtime", "--sim-call-log"])
            .arg(&log)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c
    };
    let mut child = go().spawn().unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // The handler is in place before the first progress line; 40 calls of 0.3 s at
    // concurrency 2 take 6 s, so the run is still drafting when the signal lands.
    while err.read_line(&mut seen).unwrap() > 0 && !seen.contains("draft round 1") {}
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let text = format!("{seen}{rest}");
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains("stopped: interrupted"), "{text}");
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let t = l.totals().unwrap();
    assert!(
        !t.by_status.iter().any(|(s, _)| s == "sent"),
        "calls in flight were recorded: {:?}",
        t.by_status
    );
    let done = t
        .by_status
        .iter()
        .find(|(s, _)| s == "done")
        .map_or(0, |(_, n)| *n);
    assert!(done < 40, "the run stopped early: {done} drafts done");
    drop(l);
    let again = go().output().unwrap();
    let text = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(", {done} answered from the ledger;")),
        "{text}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let mut keys: Vec<&str> = calls
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(
        keys.len(),
        n,
        "no call executed twice across the interruption"
    );
}

#[test]
fn simulate_compares_lottery_and_funnel_on_the_sim_profiles() {
    let d = scratch("simulate");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"s\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 6\n[tiers.finish]\nprovider = \"local\"\nsize = \"96\"\nkeep = 1\n[gates]\nadherence = 0.0\n[budget]\ncredits = 1\nmax_rounds = 1\n[[shots]]\nid = \"a\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\"]\n[[shots]]\nid = \"b\"\nprompt = \"a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["simulate", "c.toml", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = v["strategies"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    let get = |name: &str| s.iter().find(|x| x["strategy"] == name).unwrap().clone();
    let (lottery, funnel) = (get("lottery"), get("funnel"));
    for x in [&lottery, &funnel] {
        assert_eq!(x["assets"], 2, "{x}");
        let spent = x["spent_usd"].as_f64().unwrap();
        assert!((x["cpsa_usd"].as_f64().unwrap() - spent / 2.0).abs() < 1e-9);
        assert!(x["simulated_seconds"].as_f64().unwrap() > 0.0);
    }
    // The campaign's own cap (1 credit) does not apply; nothing is left in the folder.
    // Lottery: 12 candidates on `pro` ($0.134 each, retries unpaid). Funnel: 12 drafts on
    // `fast-draft` ($0.039) and 2 finishes on `pro`.
    let l = lottery["spent_usd"].as_f64().unwrap();
    let f = funnel["spent_usd"].as_f64().unwrap();
    assert!((l - 12.0 * 0.134).abs() < 1e-6, "{lottery}");
    assert!((f - (12.0 * 0.039 + 2.0 * 0.134)).abs() < 1e-6, "{funnel}");
    // Where the money went: per tier, summing to the spend.
    let tier =
        |x: &serde_json::Value, t: &str| x["by_tier"][t]["spent_usd"].as_f64().unwrap_or(0.0);
    assert!((tier(&lottery, "draft") - l).abs() < 1e-6, "{lottery}");
    assert!(
        (tier(&funnel, "draft") - 12.0 * 0.039).abs() < 1e-6,
        "{funnel}"
    );
    assert!(
        (tier(&funnel, "finish") - 2.0 * 0.134).abs() < 1e-6,
        "{funnel}"
    );
    assert!(funnel["by_tier"]["finish"]["calls"].as_u64().unwrap() >= 2);
    assert!(
        !d.join("out").exists(),
        "simulate writes nothing into the campaign's output"
    );
    let one = bin()
        .current_dir(&d)
        .args(["simulate", "c.toml", "--strategy", "funnel"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(
        text.contains("funnel") && !text.lines().any(|l| l.starts_with("lottery")),
        "{text}"
    );
    assert!(text.contains("finishes on pro $0.27"), "{text}");
    // The per-round arithmetic: 12 × $0.039 + 2 × $0.134 against 12 × $0.134.
    assert!(
        text.contains("funnel 12 drafts + 2 finishes = $0.736, lottery 12 candidates at the finish size = $1.608: 0.46×"),
        "{text}"
    );
}

/// A small priced campaign on `sim` (one worker, so the ledger's order is the same every run),
/// run once; returns its folder.
fn reported_campaign(name: &str) -> PathBuf {
    let d = scratch(name);
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"tiny\"\noutput = \"out\"\n[brand]\npalette = [{ name = \"Brand Blue\", hex = \"#0047AB\" }, { name = \"Paper\", hex = \"#F4F1EA\" }]\ntolerance = 8.0\nmin_on_palette = 0.3\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 1\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 3\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\nkeep = 1\n[gates]\nadherence = 0.5\non_palette = 0.3\n[budget]\nmoney = \"5 USD\"\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a #0047AB cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{err}"
    );
    assert!(err.contains("report: out/report.html"), "{err}");
    d
}

/// Cuts the elements that show wall-clock times (the burn chart's x axis, the drift order, the
/// wall-time tile) and the stylesheet out of a page, for a snapshot.
fn without_clock(html: &str) -> String {
    let mut s = html.to_string();
    for (start, end) in [
        ("<style>", "</style>"),
        ("<svg class=\"chart\" id=\"svg-burn\"", "</svg>"),
        ("<svg class=\"chart\" id=\"svg-drift\"", "</svg>"),
        (
            "<div class=\"label\">Wall time</div><div class=\"value\">",
            "</div>",
        ),
    ] {
        if let Some(i) = s.find(start) {
            let from = i + start.len();
            let j = from + s[from..].find(end).expect("closed") + end.len();
            s.replace_range(i..j, &format!("{start}[filtered]{end}"));
        }
    }
    s
}

#[test]
fn run_writes_the_report_and_report_rewrites_it_byte_for_byte() {
    let d = reported_campaign("report");
    let page = d.join("out/report.html");
    let first = std::fs::read_to_string(&page).unwrap();
    // `darkroom report` from the same ledger: the same bytes.
    let o = bin()
        .current_dir(&d)
        .args(["report", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read_to_string(&page).unwrap(), first);
    // Elsewhere, with `-o`: links are relative to the new place and still resolve.
    let o = bin()
        .current_dir(&d)
        .args(["report", "c.toml", "-o", "elsewhere/r.html"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let other = std::fs::read_to_string(d.join("elsewhere/r.html")).unwrap();
    for (html, dir) in [(&first, d.join("out")), (&other, d.join("elsewhere"))] {
        let mut n = 0;
        for attr in ["src=\"", "href=\""] {
            for part in html.split(attr).skip(1) {
                let target = &part[..part.find('"').unwrap()];
                if target.starts_with('#') || target.starts_with("data:") {
                    continue;
                }
                assert!(!target.contains("://"), "no fetch: {target}");
                assert!(
                    dir.join(target).exists(),
                    "{target} does not resolve from {}",
                    dir.display()
                );
                n += 1;
            }
        }
        assert!(n >= 3 + 2 + 2 * 2, "thumbnails and links: {n}");
    }
    // Three drafts, a finish, two deliverables; every chart; the checklist.
    assert_eq!(
        first
            .matches("<div class=\"title\">round 1 · variant")
            .count(),
        3
    );
    for id in [
        "burn",
        "latency",
        "adherence",
        "on-palette",
        "drift",
        "palettes",
    ] {
        assert!(first.contains(&format!("id=\"svg-{id}\"")), "chart {id}");
    }
    assert!(first.contains("Is the sphere to the left of the cube?"));
    insta::assert_snapshot!(without_clock(&first));
    // No ledger yet: a clear input error.
    std::fs::write(
        d.join("fresh.toml"),
        std::fs::read_to_string(d.join("c.toml"))
            .unwrap()
            .replace("\"out\"", "\"fresh\""),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["report", "fresh.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("run the campaign first"));
}

/// A WebDriver session on ChromeDriver, spoken over plain HTTP/1.1 (a few JSON calls do not
/// justify an HTTP client dependency in the test).
struct Driver {
    child: std::process::Child,
    port: u16,
    session: String,
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Option<serde_json::Value> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    // ChromeDriver keeps the connection open: read the headers, then exactly Content-Length.
    let mut r = std::io::BufReader::new(s);
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut r, &mut line).ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Driver {
    fn start(user_data: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // Wait until it answers (bounded by attempts, not by a deadline the test asserts on).
        let mut ready = false;
        for _ in 0..200 {
            if http(port, "GET", "/status", None).is_some_and(|v| v["value"]["ready"] == true) {
                ready = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(ready, "chromedriver did not start");
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--allow-file-access-from-files", "--window-size=1280,900",
                format!("--user-data-dir={}", user_data.display())
            ]}
        }}});
        let v = http(port, "POST", "/session", Some(&caps)).expect("a session");
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Driver {
            child,
            port,
            session,
        }
    }

    fn call(&self, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let p = format!("/session/{}{path}", self.session);
        let b = (method == "POST").then_some(&body);
        let v = http(self.port, method, &p, b).unwrap_or_else(|| panic!("{method} {p}: no answer"));
        v["value"].clone()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for ch in bytes.chunks(4) {
        let n = ch
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &c)| acc | (val(c) as u32) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..ch.len()]);
    }
    out
}

#[test]
fn the_report_opens_in_headless_chromium_with_every_image_and_chart() {
    let have =
        Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists();
    if !have {
        // CI installs both (see .ci/run); elsewhere the test says why it did nothing.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and chromium-driver"
        );
        eprintln!("skipped: /usr/bin/chromium and /usr/bin/chromedriver are not installed");
        return;
    }
    let d = reported_campaign("report-browser");
    let page = std::fs::canonicalize(d.join("out/report.html")).unwrap();
    let profile = d.join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let driver = Driver::start(&std::fs::canonicalize(&profile).unwrap());
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("file://{}", page.display())}),
    );
    let facts = driver.call(
        "POST",
        "/execute/sync",
        serde_json::json!({"args": [], "script": r#"
            const imgs = [...document.images];
            const nav = performance.getEntriesByType('navigation')[0];
            return {
              ready: document.readyState,
              images: imgs.length,
              broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
              charts: [...document.querySelectorAll('figure.chart-figure')].map(f => {
                const s = f.querySelector('svg.chart');
                const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
                return {id: f.id, w: r.width, h: r.height};
              }),
              scripts: document.scripts.length,
              load_ms: nav ? nav.loadEventEnd : -1
            };"#}),
    );
    assert_eq!(facts["ready"], "complete", "{facts}");
    assert!(facts["images"].as_u64().unwrap() >= 6, "{facts}");
    assert_eq!(
        facts["broken"],
        serde_json::json!([]),
        "every <img> loaded: {facts}"
    );
    assert_eq!(facts["scripts"], 0, "{facts}");
    let charts = facts["charts"].as_array().unwrap();
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "burn",
        "latency",
        "adherence",
        "on-palette",
        "drift",
        "palettes",
    ] {
        assert!(
            ids.contains(&format!("chart-{id}").as_str()),
            "{id} in {ids:?}"
        );
    }
    for c in charts {
        assert!(
            c["w"].as_f64().unwrap() > 100.0 && c["h"].as_f64().unwrap() > 50.0,
            "{c}"
        );
    }
    let logs = driver.call("POST", "/se/log", serde_json::json!({"type": "browser"}));
    let errors: Vec<&serde_json::Value> = logs
        .as_array()
        .unwrap_or_else(|| panic!("browser log: {logs}"))
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let shot = driver.call("GET", "/screenshot", serde_json::Value::Null);
    let png = decode_base64(shot.as_str().expect("base64 screenshot"));
    assert_eq!(&png[1..4], b"PNG");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/report-chromium.png");
    std::fs::write(&out, png).unwrap();
    eprintln!(
        "report loaded in {} ms; screenshot {}",
        facts["load_ms"],
        out.display()
    );
}

/// Reads every file under `dir` (the ledger with its WAL, the store, deliverables, sidecars,
/// manifest, report) as bytes.
fn all_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn gemini_drafts_openai_finishes_on_fake_servers_and_the_key_never_shows() {
    use darkroom_fakes::{Fake, Script};
    const GKEY: &str = "AIzaFAKE-gemini-key-7731";
    const OKEY: &str = "sk-FAKE-openai-key-9902";
    let nano = Fake::gemini(GKEY);
    let gpt = Fake::openai(OKEY);
    // First draft: 429 (retry hint 0.2 s), 503, then a text-only refusal; second draft: a
    // malformed body, then an image of the wrong size; the others succeed.
    nano.push([
        Script::RateLimited(0.2),
        Script::ServerError,
        Script::Refuse("text"),
        Script::Malformed,
        Script::WrongSize,
    ]);
    let d = scratch("http-e2e");
    let campaign = format!(
        "[campaign]\nname = \"e2e\"\noutput = \"out\"\n\
         [providers.nano]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DR_TEST_GEMINI_KEY\"\nbase_url = \"{}\"\nconcurrency = 1\ntimeout = 10\n\
         [providers.gpt]\nkind = \"openai\"\nmodel = \"gpt-image-1\"\napi_key_env = \"DR_TEST_OPENAI_KEY\"\nbase_url = \"{}\"\n\
         [tiers.draft]\nprovider = \"nano\"\nsize = \"512\"\nvariants = 4\n\
         [tiers.finish]\nprovider = \"gpt\"\nsize = \"1K\"\nkeep = 1\n\
         [budget]\nmoney = \"5 USD\"\nmax_rounds = 1\n\
         [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n",
        nano.url, gpt.url
    );
    std::fs::write(d.join("c.toml"), campaign).unwrap();
    // Without the keys: `check` names both variables and spends nothing.
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .env_remove("DR_TEST_GEMINI_KEY")
        .env_remove("DR_TEST_OPENAI_KEY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`DR_TEST_GEMINI_KEY` is not set")
            && err.contains("`DR_TEST_OPENAI_KEY` is not set"),
        "{err}"
    );
    assert!(nano.seen().is_empty() && gpt.seen().is_empty());
    // `check --providers` pings both (model metadata, no generation) and reports each.
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml", "--providers"])
        .env("DR_TEST_GEMINI_KEY", GKEY)
        .env("DR_TEST_OPENAI_KEY", "sk-wrong")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("nano         ok: Nano Banana (fake)"), "{out}");
    assert!(
        out.contains("gpt          FAILED:") && out.contains("(auth)"),
        "{out}"
    );
    assert!(!out.contains("sk-wrong") && !out.contains(GKEY), "{out}");
    assert_eq!(
        nano.seen().last().unwrap().path,
        "/v1beta/models/gemini-2.5-flash-image"
    );
    let before = (nano.seen().len(), gpt.seen().len());
    let with_keys = |args: &[&str]| {
        bin()
            .current_dir(&d)
            .args(args)
            .env("DR_TEST_GEMINI_KEY", GKEY)
            .env("DR_TEST_OPENAI_KEY", OKEY)
            .env("DARKROOM_LOG", "trace")
            .output()
            .unwrap()
    };
    let o = with_keys(&["run", "c.toml"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    );
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("hero\t1:1\t1024x1024") && stdout.contains("hero\t16:9\t1024x576"),
        "{stdout}"
    );
    // The trace shows every call with the key as ****.
    assert!(
        stderr.contains("trace: http POST")
            && stderr.contains("x-goog-api-key: ****")
            && stderr.contains("Authorization: Bearer ****"),
        "{stderr}"
    );
    // Requests were exactly what the vendors document.
    assert_eq!(nano.rejected(), Vec::<String>::new());
    assert_eq!(
        gpt.rejected(),
        vec!["missing or wrong Authorization: Bearer".to_string()],
        "only the wrong key's ping"
    );
    assert_eq!(
        gpt.seen().len() - before.1,
        1,
        "one finish, as an edit of the promoted draft"
    );
    assert_eq!(gpt.seen().last().unwrap().path, "/v1/images/edits");
    // The ledger: the refusal and the wrong size recorded with their class; retries counted;
    // failed calls cost nothing; the spend is the successful calls' reported usage.
    let s = with_keys(&["status", "c.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let failures: Vec<(String, u64)> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["class"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        vec![("invalid".to_string(), 1), ("refused".to_string(), 1)],
        "{v}"
    );
    let draft_calls = (nano.seen().len() - before.0) as u64;
    assert_eq!(
        draft_calls,
        3 + 2 + 2,
        "3 calls for the refused draft, 2 for the wrong size, 1 each for the rest"
    );
    assert_eq!(v["tries"].as_u64().unwrap(), draft_calls + 1, "{v}");
    let expected = 2.0 * (1290.0 * 30e-6 + 40.0 * 0.30e-6) + (50.0 * 5e-6 + 4160.0 * 40e-6);
    assert!(
        (v["spent"].as_f64().unwrap() - expected).abs() < 1e-9,
        "{v}"
    );
    // The key is nowhere: not in the output, the ledger, the store, the manifest, the report.
    let report = with_keys(&["report", "c.toml"]);
    assert_eq!(report.status.code(), Some(0));
    for (what, text) in [
        ("stdout", stdout.as_bytes()),
        ("stderr", stderr.as_bytes()),
        ("status", &s.stdout[..]),
    ] {
        for key in [GKEY, OKEY] {
            assert!(
                !String::from_utf8_lossy(text).contains(key),
                "{key} in {what}"
            );
        }
    }
    let files = all_bytes(&d.join("out"));
    assert!(files.iter().any(|(p, _)| p.ends_with("darkroom.db")));
    assert!(files.iter().any(|(p, _)| p.ends_with("manifest.json")));
    for (p, bytes) in &files {
        for key in [GKEY, OKEY] {
            assert!(
                !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                "{key} in {}",
                p.display()
            );
        }
    }
    // A wrong key: every draft fails as `auth` (not retried), exit 1, and the wrong key is
    // nowhere either.
    let text = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace("\"out\"", "\"out-wrong\"");
    std::fs::write(d.join("wrong.toml"), text).unwrap();
    let before = nano.seen().len();
    let o = bin()
        .current_dir(&d)
        .args(["run", "wrong.toml"])
        .env("DR_TEST_GEMINI_KEY", "AIza-wrong-key-000")
        .env("DR_TEST_OPENAI_KEY", OKEY)
        .env("DARKROOM_LOG", "trace")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        nano.seen().len() - before,
        4,
        "one call per draft: auth is not retried"
    );
    let s = bin()
        .current_dir(&d)
        .args(["status", "wrong.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    assert_eq!(v["failures"][0]["class"], "auth", "{v}");
    assert!(!err.contains("AIza-wrong-key-000"), "{err}");
    for (p, bytes) in all_bytes(&d.join("out-wrong")) {
        assert!(
            !bytes.windows(18).any(|w| w == b"AIza-wrong-key-000"),
            "{}",
            p.display()
        );
    }
}

#[test]
fn audit_models_measures_adherence_with_intervals_offline_and_on_a_fake_vendor() {
    let d = scratch("audit-models");
    let html = d.join("models.html");
    let o = bin()
        .current_dir(&d)
        .args([
            "audit",
            "models",
            "--repeats",
            "2",
            "--json",
            "--html",
            "models.html",
        ])
        .output()
        .unwrap();
    // Failed simulated calls are results, counted: the audit itself worked.
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ps = v["providers"].as_array().unwrap();
    assert_eq!(
        ps.iter()
            .map(|p| p["provider"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["sim-fast-draft", "sim-pro"]
    );
    for p in ps {
        assert_eq!(
            p["images"].as_u64().unwrap() + p["failed"].as_u64().unwrap(),
            16,
            "8 prompts × 2 repeats: {p}"
        );
        assert!(
            p["spent_usd"].as_f64().unwrap() > 0.0 && p["latency_p50"].as_f64().unwrap() > 0.0,
            "{p}"
        );
        let cats = p["categories"].as_object().unwrap();
        for k in ["color", "count", "entity", "relation"] {
            let c = &cats[k];
            let (lo, hi) = (
                c["wilson95"][0].as_f64().unwrap(),
                c["wilson95"][1].as_f64().unwrap(),
            );
            let rate = c["rate"].as_f64().unwrap();
            assert!(
                c["decided"].as_u64().unwrap() > 0 && lo <= rate && rate <= hi && hi - lo < 1.0,
                "{k}: {c}"
            );
        }
    }
    // The simulated pro model is dearer per image than the fast draft model.
    let per_image =
        |p: &serde_json::Value| p["spent_usd"].as_f64().unwrap() / p["images"].as_f64().unwrap();
    assert!(per_image(&ps[1]) > 3.0 * per_image(&ps[0]));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("darkroom · audit models"));
    assert!(page.contains("id=\"svg-adherence-sim-pro\"") && page.contains("id=\"svg-latency\""));
    assert_eq!(page.matches("<article class=\"card").count(), 32);
    // A suite on a (fake) real vendor, with the vendor's key from the environment.
    use darkroom_fakes::Fake;
    let f = Fake::gemini("AIza-audit-key-1");
    std::fs::write(
        d.join("suite.toml"),
        format!("[suite]\nname = \"gemini check\"\nrepeats = 1\nsize = \"512\"\n[providers.nano]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DR_AUDIT_KEY\"\nbase_url = \"{}\"\n[[prompts]]\nid = \"cube\"\ncategory = \"single object\"\nprompt = \"a blue cube\"\n", f.url),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["audit", "models", "suite.toml"])
        .env("DR_AUDIT_KEY", "AIza-audit-key-1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("nano: 1 images (0 failed), 1 calls"), "{out}");
    assert_eq!(f.seen().len(), 1);
    assert!(f.rejected().is_empty());
    // Bad suites: an unknown key, a missing API key; each named, exit 2, nothing called.
    std::fs::write(d.join("bad.toml"), "[suite]\nrepeat = 2\n").unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["audit", "models", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown field `repeat`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = bin()
        .current_dir(&d)
        .args(["audit", "models", "suite.toml"])
        .env_remove("DR_AUDIT_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`DR_AUDIT_KEY` is not set"));
    assert_eq!(f.seen().len(), 1);
}

#[test]
fn run_draws_progress_bars_on_a_terminal_and_plain_lines_otherwise() {
    let d = scratch("run-bars");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"t\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[tiers.draft]\nprovider = \"local\"\nsize = \"96\"\nvariants = 3\n[tiers.finish]\nprovider = \"local\"\nsize = \"128\"\nkeep = 1\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    // Not a terminal: one plain line per stage, no bar.
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("draft round 1 for 1 shot(s): 3 calls") && !err.contains("3/3 calls"),
        "{err}"
    );
    // A terminal (a pseudo-terminal from util-linux `script`): a bar per stage.
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped the terminal half: /usr/bin/script is not installed");
        return;
    }
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let cmd = format!("{} run c.toml", env!("CARGO_BIN_EXE_darkroom"));
    let o = Command::new("/usr/bin/script")
        .current_dir(&d)
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{tty}");
    assert!(tty.contains("3/3 calls"), "the draft bar ends full: {tty}");
    assert!(tty.contains("1/1 calls"), "the finish bar: {tty}");
}

#[test]
fn the_vision_judge_asks_a_fake_gemini_once_per_draft_on_budget_and_resumes_without_asking() {
    use darkroom_fakes::Fake;
    let f = Fake::gemini("AIza-vision-key-55");
    let d = scratch("vision");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"v\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
             [providers.eyes]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash\"\napi_key_env = \"DR_VISION_KEY\"\nbase_url = \"{}\"\nconcurrency = 2\n\
             [judges]\nvision = \"eyes\"\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"128\"\nvariants = 3\n[tiers.finish]\nprovider = \"local\"\nsize = \"128\"\nkeep = 1\n\
             [budget]\nmoney = \"1 USD\"\n\
             [[shots]]\nid = \"sign\"\nprompt = \"a red sphere next to a sign that says \\\"OPEN\\\"\"\ndeliver = [\"1:1\"]\n",
            f.url
        ),
    )
    .unwrap();
    let go = || {
        bin()
            .current_dir(&d)
            .args(["run", "c.toml"])
            .env("DR_VISION_KEY", "AIza-vision-key-55")
            .output()
            .unwrap()
    };
    let o = go();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // One text-only generateContent per draft, each exactly as documented.
    let asks = f.seen();
    assert_eq!(asks.len(), 3);
    assert!(f.rejected().is_empty(), "{:?}", f.rejected());
    let body: serde_json::Value = serde_json::from_slice(&asks[0].body).unwrap();
    assert_eq!(
        body["generationConfig"]["responseModalities"],
        serde_json::json!(["TEXT"])
    );
    assert!(body["contents"][0]["parts"][0]["text"]
        .as_str()
        .unwrap()
        .contains("5: Does the sign say \"OPEN\"?"));
    // The judge calls are attempts in the ledger, with their cost.
    let s = bin()
        .current_dir(&d)
        .args(["status", "c.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let judge_done = v["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["tier"] == "judge" && a["status"] == "done")
        .map(|a| a["count"].as_u64().unwrap());
    assert_eq!(judge_done, Some(3), "{v}");
    let per_ask = 1400.0 * 0.30e-6 + 40.0 * 2.50e-6;
    assert!(
        (v["spent"].as_f64().unwrap() - 3.0 * per_ask).abs() < 1e-9,
        "{v}"
    );
    // The report shows the vision verdicts; the text assertion the pixels cannot decide is yes.
    let page = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(
        page.contains("vision adherence 1.00"),
        "vision score on the cards"
    );
    assert!(
        page.contains("<b>yes</b> Does the sign say"),
        "the text assertion answered by the vision model"
    );
    // Resume: the answers come from the ledger's store; nothing is asked again.
    let o = go();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(f.seen().len(), 3, "no second ask");
}

#[test]
fn a_campaign_runs_on_a_fake_automatic1111_server_without_a_key() {
    use darkroom_fakes::{Fake, Script};
    let f = Fake::a1111();
    f.push([Script::ServerError]);
    let d = scratch("a1111");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"forge\"\noutput = \"out\"\n[providers.forge]\nkind = \"a1111\"\nmodel = \"sd_xl_base_1.0\"\nbase_url = \"{}\"\nconcurrency = 1\n\
             [tiers.draft]\nprovider = \"forge\"\nsize = \"512\"\nvariants = 2\n[tiers.finish]\nprovider = \"forge\"\nsize = \"1K\"\nkeep = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n",
            f.url
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml", "--providers"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("hero\t1:1\t1024x1024") && out.contains("hero\t16:9\t1024x576"),
        "{out}"
    );
    let paths: Vec<String> = f.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths.iter().filter(|p| *p == "/sdapi/v1/txt2img").count(),
        3,
        "2 drafts + 1 retry after the 500: {paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| *p == "/sdapi/v1/img2img").count(),
        1,
        "the finish is an img2img of the draft"
    );
    assert!(f.rejected().is_empty(), "{:?}", f.rejected());
    let manifest = std::fs::read_to_string(d.join("out/deliverables/manifest.json")).unwrap();
    assert!(manifest.contains("hero"), "{manifest}");
}

#[test]
fn stability_drafts_comfyui_finishes_on_fake_servers_with_credits_in_the_ledger() {
    use darkroom_fakes::{Fake, Script};
    const KEY: &str = "sk-FAKE-stability-key-4417";
    let stab = Fake::stability(KEY);
    let comfy = Fake::comfyui();
    // Draft 1: a 500, then success; draft 2: blurred by moderation (refused, never retried);
    // draft 3: an image of the wrong size (invalid); draft 4: a 429 with a 0.2 s hint, a
    // malformed body, then success. The finish: a node runs out of memory, then success.
    stab.push([
        Script::ServerError,
        Script::Ok,
        Script::Refuse("filtered"),
        Script::WrongSize,
        Script::RateLimited(0.2),
        Script::Malformed,
    ]);
    comfy.push([Script::NodeError]);
    let d = scratch("stability-comfy");
    std::fs::create_dir_all(d.join("workflows")).unwrap();
    std::fs::write(d.join("workflows/i2i_api.json"), darkroom_fakes::COMFY_I2I).unwrap();
    let campaign = |inputs: &str| {
        format!(
            "[campaign]\nname = \"sc\"\noutput = \"out\"\n\
             [providers.stab]\nkind = \"stability\"\nmodel = \"core\"\napi_key_env = \"DR_TEST_STAB_KEY\"\nbase_url = \"{}\"\nconcurrency = 1\ntimeout = 10\n\
             [providers.box]\nkind = \"comfyui\"\nbase_url = \"{}\"\nworkflow = \"workflows/i2i_api.json\"\ninputs = {inputs}\n\
             [tiers.draft]\nprovider = \"stab\"\nsize = \"1K\"\nvariants = 4\n\
             [tiers.finish]\nprovider = \"box\"\nsize = \"1K\"\nkeep = 1\n\
             [budget]\ncredits = 100\nmax_rounds = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n",
            stab.url, comfy.url
        )
    };
    // A workflow input that is not in the graph: `check` says which, with the file, exit 2.
    std::fs::write(
        d.join("c.toml"),
        campaign("{ prompt = \"6.text\", seed = \"3.sed\", width = \"12.width\", height = \"12.height\", image = \"10.image\" }"),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .env("DR_TEST_STAB_KEY", KEY)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("providers.box: workflow `workflows/i2i_api.json`: inputs.seed: node 3 (KSampler) has no input `sed`"),
        "{err}"
    );
    std::fs::write(
        d.join("c.toml"),
        campaign("{ prompt = \"6.text\", seed = \"3.seed\", width = \"12.width\", height = \"12.height\", image = \"10.image\" }"),
    )
    .unwrap();
    let with_key = |args: &[&str]| {
        bin()
            .current_dir(&d)
            .args(args)
            .env("DR_TEST_STAB_KEY", KEY)
            .env("DARKROOM_LOG", "trace")
            .output()
            .unwrap()
    };
    let o = with_key(&["check", "c.toml", "--providers"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("412.5 credits left") && out.contains("ComfyUI 0.3.43"),
        "{out}"
    );
    assert!(
        out.contains("$0.12 expected"),
        "4 core drafts at 3 credits: {out}"
    );
    let o = with_key(&["run", "c.toml"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    );
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("hero\t1:1\t1024x1024") && stdout.contains("hero\t16:9\t1024x576"),
        "{stdout}"
    );
    assert!(stderr.contains("authorization: Bearer ****"), "{stderr}");
    assert_eq!(stab.rejected(), Vec::<String>::new());
    assert_eq!(comfy.rejected(), Vec::<String>::new());
    let gen = stab
        .seen()
        .iter()
        .filter(|s| s.path == "/v2beta/stable-image/generate/core")
        .count();
    assert_eq!(gen, 7, "4 drafts, one retry after the 500, two for draft 4");
    let paths: Vec<String> = comfy.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths[..2],
        ["/system_stats".to_string(), "/upload/image".to_string()],
        "{paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| *p == "/prompt").count(),
        2,
        "the out-of-memory run is retried: {paths:?}"
    );
    // The ledger: refused and invalid recorded; credits are the successful calls' (3 each;
    // failed and moderated calls are not charged); the finish on the local server is free.
    let s = with_key(&["status", "c.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let failures: Vec<(String, u64)> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["class"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        vec![("invalid".to_string(), 1), ("refused".to_string(), 1)],
        "{v}"
    );
    assert!(
        (v["spent"].as_f64().unwrap() - 6.0).abs() < 1e-9,
        "two drafts × 3 credits: {v}"
    );
    assert_eq!(v["tries"].as_u64(), Some(7 + 2), "every call counted: {v}");
    // The key is nowhere in what darkroom wrote or printed.
    for (p, bytes) in all_bytes(&d.join("out")).into_iter().chain([
        (d.join("stdout"), o.stdout.clone()),
        (d.join("stderr"), o.stderr.clone()),
    ]) {
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the key is in {}",
            p.display()
        );
    }
}

#[test]
fn a_prices_override_replaces_the_list_price_in_the_plan_and_the_ledger() {
    let d = scratch("prices");
    let text = "[campaign]\nname = \"p\"\noutput = \"out\"\n\
         [providers.fast]\nkind = \"sim\"\nmodel = \"fast-draft\"\nprices = { image = 0.5 }\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\n\
         [providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"fast\"\nsize = \"512\"\nvariants = 3\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"512\"\nkeep = 1\n\
         [budget]\nmoney = \"10 USD\"\nmax_rounds = 1\n\
         [[shots]]\nid = \"a\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\"]\n";
    std::fs::write(d.join("c.toml"), text).unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("$1.50 expected"),
        "3 drafts at the override's $0.50: {out}"
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = bin()
        .current_dir(&d)
        .args(["status", "c.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let drafts = v["tries"].as_f64().unwrap() - 1.0;
    assert!(drafts >= 3.0, "{v}");
    assert!(
        (v["spent"].as_f64().unwrap() - 0.5 * 3.0).abs() < 1e-9,
        "three successful drafts at $0.50 (the list price would be $0.039): {v}"
    );
    // A bad override is a config error with its line and what is accepted.
    std::fs::write(
        d.join("bad.toml"),
        text.replace(
            "prices = { image = 0.5 }",
            "prices = { imgae = 0.5, \"2K\" = -1 }",
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "bad.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("providers.fast.prices.imgae: unknown key `imgae`; allowed: image, 1K, 2K, 4K; did you mean `image`?"), "{err}");
    assert!(err.contains("providers.fast.prices.2K"), "{err}");
}

#[test]
fn a_stability_finish_is_out_painted_to_each_aspect_through_the_api() {
    use darkroom_fakes::{Fake, Script};
    const KEY: &str = "sk-FAKE-stability-key-8812";
    let stab = Fake::stability(KEY);
    // The finish and the 16:9 extension succeed; the 21:9 extension is refused by moderation,
    // so that aspect is extended locally and the ledger says so.
    stab.push([Script::Ok, Script::Ok, Script::Refuse("moderation")]);
    let d = scratch("stability-outpaint");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"op\"\noutput = \"out\"\n\
             [providers.local]\nkind = \"sketch\"\n\
             [providers.stab]\nkind = \"stability\"\nmodel = \"ultra\"\napi_key_env = \"DR_TEST_STAB_KEY2\"\nbase_url = \"{}\"\nconcurrency = 1\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"512\"\nvariants = 2\n\
             [tiers.finish]\nprovider = \"stab\"\nsize = \"1K\"\nkeep = 1\n\
             [budget]\ncredits = 50\nmax_rounds = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\", \"21:9\"]\n",
            stab.url
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .env("DR_TEST_STAB_KEY2", KEY)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for want in [
        "hero\t1:1\t1024x1024",
        "hero\t16:9\t1024x576",
        "hero\t21:9\t1024x439",
    ] {
        assert!(out.contains(want), "{want} in {out}");
    }
    assert!(stab.rejected().is_empty(), "{:?}", stab.rejected());
    let paths: Vec<String> = stab.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/v2beta/stable-image/generate/ultra",
            "/v2beta/stable-image/edit/outpaint",
            "/v2beta/stable-image/edit/outpaint"
        ]
    );
    // The finish is an image-to-image of the draft; the 16:9 extension asks for 398 px a side.
    let finish = String::from_utf8_lossy(&stab.seen()[0].body).into_owned();
    assert!(
        finish.contains("name=\"strength\"") && finish.contains("name=\"image\""),
        "{finish}"
    );
    let op = String::from_utf8_lossy(&stab.seen()[1].body).into_owned();
    assert!(
        op.contains("name=\"left\"\r\n\r\n398\r\n") && op.contains("name=\"right\"\r\n\r\n398\r\n"),
        "{op}"
    );
    // Credits: ultra 8 + one out-paint 4; the refused out-paint is not charged and is recorded.
    let s = bin()
        .current_dir(&d)
        .args(["status", "c.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    assert!((v["spent"].as_f64().unwrap() - 12.0).abs() < 1e-9, "{v}");
    assert_eq!(v["failures"][0]["class"], "refused", "{v}");
    let html = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(
        html.contains("extended locally instead"),
        "the fallback is in the report"
    );
}

#[test]
fn upscale_extend_and_inpaint_run_on_a_provider_when_asked() {
    use darkroom_fakes::{Fake, Script};
    const KEY: &str = "sk-FAKE-stability-key-5530";
    let stab = Fake::stability(KEY);
    let forge = Fake::a1111();
    let d = scratch("finishing-via");
    write_png(&d.join("in.png"), 256, 256, |x, y| {
        [(x % 256) as u8, (y % 256) as u8, 90]
    });
    write_png(&d.join("mask.png"), 256, 256, |x, _| {
        if x > 128 {
            [255; 3]
        } else {
            [0; 3]
        }
    });
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"f\"\noutput = \"out\"\n\
             [providers.stab]\nkind = \"stability\"\napi_key_env = \"DR_TEST_STAB_KEY3\"\nbase_url = \"{}\"\n\
             [providers.forge]\nkind = \"a1111\"\nbase_url = \"{}\"\n\
             [tiers.draft]\nprovider = \"stab\"\n[tiers.finish]\nprovider = \"stab\"\n\
             [[shots]]\nid = \"a\"\nprompt = \"a cube\"\n",
            stab.url, forge.url
        ),
    )
    .unwrap();
    let go = |args: &[&str]| {
        let o = bin()
            .current_dir(&d)
            .args(args)
            .env("DR_TEST_STAB_KEY3", KEY)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let via = ["--campaign", "c.toml", "--provider"];
    // Stability: the fast upscaler (4x), an out-paint to 16:9, an in-paint with the mask.
    let (code, err) = go(&[
        &[
            "upscale",
            "in.png",
            "--to",
            "1024x1024",
            "-o",
            "up.png",
            "--mode",
            "fast",
        ],
        &via[..],
        &["stab"],
    ]
    .concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("1024x1024") && err.contains("2.00 credits = $0.0200"),
        "{err}"
    );
    let (code, err) = go(&[
        &[
            "extend",
            "in.png",
            "--aspect",
            "16:9",
            "-o",
            "wide.png",
            "--prompt",
            "more table",
        ],
        &via[..],
        &["stab"],
    ]
    .concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("455x256") && err.contains("edit/outpaint"),
        "{err}"
    );
    let (code, err) = go(&[
        &[
            "inpaint",
            "in.png",
            "--mask",
            "mask.png",
            "-o",
            "fix.png",
            "--prompt",
            "a red cube",
        ],
        &via[..],
        &["stab"],
    ]
    .concat());
    assert_eq!(code, Some(0), "{err}");
    let paths: Vec<String> = stab.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/v2beta/stable-image/upscale/fast",
            "/v2beta/stable-image/edit/outpaint",
            "/v2beta/stable-image/edit/inpaint"
        ]
    );
    assert!(stab.rejected().is_empty(), "{:?}", stab.rejected());
    let img = std::fs::read(d.join("wide.png")).unwrap();
    let text = String::from_utf8_lossy(&img);
    assert!(
        text.contains("provider") && text.contains("stab"),
        "provenance in the PNG"
    );
    // AUTOMATIC1111 upscales through extra-single-image; it cannot out-paint (exit 2, named).
    let (code, err) = go(&[
        &["upscale", "in.png", "--to", "2x", "-o", "up2.png"],
        &via[..],
        &["forge"],
    ]
    .concat());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        forge.seen().last().unwrap().path,
        "/sdapi/v1/extra-single-image"
    );
    let (code, err) = go(&[
        &["extend", "in.png", "--aspect", "16:9", "-o", "w2.png"],
        &via[..],
        &["forge"],
    ]
    .concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`forge` (kind a1111) cannot outpaint"),
        "{err}"
    );
    // A refusal is the work failing (exit 1), not the input; the key never shows.
    stab.push([Script::Refuse("moderation")]);
    let (code, err) = go(&[
        &["extend", "in.png", "--aspect", "9:16", "-o", "tall.png"],
        &via[..],
        &["stab"],
    ]
    .concat());
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("(refused)") && !err.contains(KEY), "{err}");
    assert!(!d.join("tall.png").exists());
    // An unknown provider is named with the ones the campaign has.
    let (code, err) = go(&[
        &["upscale", "in.png", "--to", "2x", "-o", "x.png"],
        &via[..],
        &["stabb"],
    ]
    .concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no such provider; it has: forge, stab"),
        "{err}"
    );
}

#[test]
fn the_comfyui_example_and_its_workflow_check_clean() {
    let ex = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/comfyui.toml");
    let o = bin()
        .args(["check", ex.to_str().unwrap()])
        .env("STABILITY_API_KEY", "sk-not-used")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 6 drafts on the free local server; the ultra finish (8 credits) and two out-paints (4 each).
    assert!(out.contains("estimate: $0.16 expected"), "{out}");
}

#[test]
fn a_rate_limit_spaces_a_providers_calls_whatever_the_concurrency() {
    use darkroom_fakes::Fake;
    let f = Fake::a1111();
    let d = scratch("rate-limit");
    // 240 calls a minute = one every 250 ms, with 8 workers that would otherwise send at once.
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"rl\"\noutput = \"out\"\n[providers.forge]\nkind = \"a1111\"\nbase_url = \"{}\"\nconcurrency = 8\nrate_limit = 240\n\
             [tiers.draft]\nprovider = \"forge\"\nsize = \"512\"\nvariants = 6\n[tiers.finish]\nprovider = \"forge\"\nsize = \"512\"\nkeep = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\"]\n",
            f.url
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut at: Vec<std::time::Instant> = f.seen().iter().map(|s| s.at).collect();
    at.sort();
    assert_eq!(at.len(), 7, "6 drafts and 1 finish");
    // The pacer starts calls ≥ 250 ms apart; arrivals can differ from starts by a connect,
    // so the check leaves 50 ms for that. Slowness can only widen the gaps. (Without the
    // limit the drafts arrive within a few ms of each other.)
    for w in at.windows(2) {
        let gap = w[1] - w[0];
        assert!(gap >= std::time::Duration::from_millis(200), "{gap:?}");
    }
}

#[test]
fn finishing_promotes_the_next_draft_only_when_a_finish_fails_and_judges_finishes_again() {
    use darkroom_fakes::{Fake, Script};
    const KEY: &str = "AIza-finish-key-4242";
    let pro = Fake::gemini(KEY);
    let d = scratch("on-demand");
    // Sketch drafts of a simple scene all pass; the finish is Nano Banana Pro on the fake, whose
    // image is a blue square on paper: it has a cube, but no red sphere.
    let campaign = |prompt: &str, adherence: f64| {
        format!(
            "[campaign]\nname = \"od\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
             [providers.pro]\nkind = \"gemini\"\nmodel = \"gemini-3-pro-image-preview\"\napi_key_env = \"DR_FINISH_KEY\"\nbase_url = \"{}\"\nconcurrency = 1\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"128\"\nvariants = 3\n[tiers.finish]\nprovider = \"pro\"\nsize = \"1K\"\nkeep = 2\n\
             [gates]\nadherence = {adherence}\n[budget]\nmoney = \"5 USD\"\nmax_rounds = 1\n\
             [[shots]]\nid = \"s\"\nprompt = \"{prompt}\"\ndeliver = [\"1:1\"]\n",
            pro.url
        )
    };
    let run = |sub: &str, toml: String| {
        let dir = d.join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("c.toml"), toml).unwrap();
        let o = bin()
            .current_dir(&dir)
            .args(["run", "c.toml"])
            .env("DR_FINISH_KEY", KEY)
            .output()
            .unwrap();
        let l = darkroom_ledger::Ledger::open(&dir.join("out/darkroom.db")).unwrap();
        (o, l.dump().unwrap())
    };
    let finishes = |dump: &darkroom_ledger::Dump| -> Vec<String> {
        dump.attempts
            .iter()
            .filter(|a| a.tier == "finish")
            .map(|a| a.status.clone())
            .collect()
    };
    let reasons = |dump: &darkroom_ledger::Dump, kind: &str| -> Vec<String> {
        dump.decisions
            .iter()
            .filter(|x| x.kind == kind)
            .map(|x| x.reason.clone())
            .collect()
    };

    // 1. keep = 2, one final: the first finish passes, so the spare is never paid for.
    let before = pro.seen().len();
    let (o, dump) = run("fine", campaign("a blue cube", 0.5));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(finishes(&dump), ["done"]);
    assert_eq!(pro.seen().len() - before, 1, "one paid finish");
    let rank = reasons(&dump, "rank");
    assert_eq!(
        rank.iter().filter(|r| *r == "promoted").count(),
        1,
        "{rank:?}"
    );
    assert!(rank.iter().any(|r| r == "spare"), "{rank:?}");
    assert_eq!(
        reasons(&dump, "finish_gate"),
        ["passed"],
        "finishes are judged"
    );

    // 2. The first finish is refused: the spare is promoted and delivered.
    pro.push([Script::Refuse("prompt")]);
    let (o, dump) = run("refused", campaign("a blue cube", 0.5));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut f = finishes(&dump);
    f.sort();
    assert_eq!(f, ["done", "refused"]);
    assert!(pro.rejected().is_empty(), "{:?}", pro.rejected());
    let rank = reasons(&dump, "rank");
    assert_eq!(
        rank.iter().filter(|r| *r == "promoted").count(),
        2,
        "{rank:?}"
    );
    assert_eq!(
        std::fs::read_dir(d.join("refused/out/deliverables/s"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "png")
            })
            .count(),
        1
    );
    // Resumed: the refused finish is not sent again (refusals are final across runs), the done
    // one is reused, nothing reaches the vendor.
    let seen = pro.seen().len();
    let o = bin()
        .current_dir(d.join("refused"))
        .args(["run", "c.toml"])
        .env("DR_FINISH_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(pro.seen().len(), seen, "nothing sent again");
    let l = darkroom_ledger::Ledger::open(&d.join("refused/out/darkroom.db")).unwrap();
    assert_eq!(l.refused_with_retries().unwrap(), 0);

    // 3. The finished images lose the red sphere the drafts had: each fails its gate, the spare
    //    is tried, and the shot fails (exit 1) with the reason, never delivering a failing image.
    let (o, dump) = run(
        "lost",
        campaign("a red sphere to the left of a blue cube", 0.9),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        finishes(&dump),
        ["done", "done"],
        "both promoted drafts finished"
    );
    assert_eq!(
        reasons(&dump, "finish_gate"),
        ["below_adherence", "below_adherence"]
    );
    let page = std::fs::read_to_string(d.join("lost/out/report.html")).unwrap();
    assert!(
        page.contains("<tr><td>finish gates</td><td>pro · gemini-3-pro-image-preview</td><td>2</td><td>0</td>"),
        "the report's stage table shows the finish gate"
    );
    assert!(
        err.contains("0 of 1 finals finished; the finished image failed its gate: below_adherence"),
        "{err}"
    );
    assert!(
        !d.join("lost/out/deliverables/s").exists()
            || std::fs::read_dir(d.join("lost/out/deliverables/s"))
                .unwrap()
                .next()
                .is_none()
    );
}

#[test]
fn check_expects_the_spend_at_the_draft_pass_rate_it_can_know() {
    let d = scratch("expected");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"e\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\n\
         [tiers.draft]\nprovider = \"sim\"\nsize = \"256\"\nvariants = 2\n[tiers.finish]\nprovider = \"sim\"\nsize = \"1K\"\nkeep = 1\n\
         [budget]\nmoney = \"5 USD\"\nmax_rounds = 3\n\
         [[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    let check = || {
        let o = bin()
            .current_dir(&d)
            .args(["check", "c.toml"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // Before any run: the profile keeps the relation (0.65), the colours (0.85) and both
    // entities (0.95): p = 0.525. Two $0.039 drafts a round, q = (1 − p)² = 0.226 → 1.277
    // rounds expected; the $0.039 finish when a round passes (0.988): $0.138.
    let before = check();
    assert!(
        before.contains("estimate: $0.14 expected at a 52 % draft pass rate (the simulated `fast-draft` profile keeps every instruction this often), $0.27 worst case (3 rounds)"),
        "{before}"
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // After a run: what the ledger measured.
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let (passed, judged) = l.gate_counts().unwrap();
    drop(l);
    let after = check();
    assert!(
        after.contains(&format!(
            "draft pass rate (measured: {passed} of {judged} drafts passed in this campaign's ledger)"
        )),
        "{after}"
    );
}

#[path = "cli/money.rs"]
mod money;

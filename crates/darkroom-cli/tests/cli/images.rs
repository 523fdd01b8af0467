//! `darkroom color` and `darkroom audit images`: palettes, differences, folder compliance.

use super::*;

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

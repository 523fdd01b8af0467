//! Finishing commands on single files: `grade`, `upscale`, `extend`, `inpaint`, locally and on a provider.

use super::*;

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
#[expect(
    clippy::too_many_lines,
    reason = "one scenario end to end against the fake servers, its steps sharing them"
)]
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
    // Every fix is in the campaign's ledger, tier `fix`, with what it cost; the same upscale
    // asked again is answered from it, and the vendor is not called (nor paid) twice.
    let before = stab.seen().len();
    let (code, err) = go(&[
        &[
            "upscale",
            "in.png",
            "--to",
            "1024x1024",
            "-o",
            "up-again.png",
            "--mode",
            "fast",
        ],
        &via[..],
        &["stab"],
    ]
    .concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("not paid again"), "{err}");
    assert_eq!(stab.seen().len(), before);
    let unsigned =
        |f: &str| darkroom_provenance::without_manifest(&std::fs::read(d.join(f)).unwrap());
    assert!(
        unsigned("up-again.png") == unsigned("up.png"),
        "the same image, with the same provenance"
    );
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let fixes: Vec<_> = l
        .dump()
        .unwrap()
        .attempts
        .into_iter()
        .filter(|a| a.tier == "fix")
        .collect();
    // upscale (stab), outpaint, inpaint, upscale (forge), the refused outpaint.
    assert_eq!(fixes.len(), 5, "{fixes:?}");
    let upscale = fixes
        .iter()
        .find(|a| a.shot == "upscale" && a.provider == "stab")
        .unwrap();
    assert_eq!((upscale.status.as_str(), upscale.cost), ("done", Some(2.0)));
    assert!(fixes.iter().any(|a| a.status == "refused"));
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

/// A wide scene extended to 9:16 keeps its subject at a sensible share of the frame: half the
/// change is a crop toward the subject, half an extension; `--keep-whole` extends everything.
#[test]
fn extend_to_a_much_taller_aspect_crops_toward_the_subject_first() {
    let d = scratch("extend-reframe");
    // 320x180 grey with a red subject right of centre.
    write_png(&d.join("wide.png"), 320, 180, |x, y| {
        if (200..260).contains(&x) && (60..120).contains(&y) {
            [200, 30, 30]
        } else {
            [128, 128, 128]
        }
    });
    let red_share = |p: &str| {
        let img = darkroom_imageops::read_png(&d.join(p), 1 << 24).unwrap();
        let red = img
            .rgb
            .chunks(3)
            .filter(|c| c[0] > 150 && c[1] < 80)
            .count();
        (
            img.width,
            img.height,
            red as f64 / f64::from(img.width * img.height),
        )
    };
    let o = bin()
        .current_dir(&d)
        .args(["extend", "wide.png", "--aspect", "9:16", "-o", "tall.png"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cropped to 180x180 around the subject"));
    let o = bin()
        .current_dir(&d)
        .args([
            "extend",
            "wide.png",
            "--aspect",
            "9:16",
            "-o",
            "whole.png",
            "--keep-whole",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let (tw, th, tall) = red_share("tall.png");
    let (ww, wh, whole) = red_share("whole.png");
    assert_eq!((tw, th, ww, wh), (180, 320, 320, 569));
    assert!(
        tall > 1.9 * whole,
        "the subject's share: {tall:.3} cropped, {whole:.3} whole"
    );
}

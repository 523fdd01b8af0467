//! The brand, quality and novelty judges.

use darkroom_color::brand::{Brand, BrandSpec, ColorSpec};
use darkroom_judges::brand::BrandJudge;
use darkroom_judges::novelty::{NoveltyJudge, Siblings};
use darkroom_judges::quality::{QualityJudge, Requested};
use darkroom_judges::{ImageRef, Judge, Verdict};

fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .flat_map(|(x, y)| f(x, y))
        .collect()
}

#[test]
fn brand_judge_measures_on_palette_and_forbidden() {
    let brand = Brand::from_spec(&BrandSpec {
        palette: vec![
            ColorSpec::Bare("#0047AB".into()),
            ColorSpec::Bare("#F4F1EA".into()),
        ],
        tolerance: Some(6.0),
        min_on_palette: Some(0.5),
        forbid: vec![ColorSpec::Bare("#FF0000".into())],
        protect: vec![],
    })
    .unwrap();
    let j = BrandJudge::new(brand);
    let on = image(40, 40, |x, _| {
        if x < 30 {
            [0, 71, 171]
        } else {
            [244, 241, 234]
        }
    });
    let r = j.judge(
        ImageRef {
            width: 40,
            height: 40,
            rgb: &on,
        },
        &(),
    );
    assert_eq!(r.findings[0].verdict, Verdict::Yes);
    assert!((r.metric("on_palette").unwrap() - 1.0).abs() < 1e-9);
    assert!((r.metric("coverage:#0047AB").unwrap() - 0.75).abs() < 1e-9);
    let off = image(
        40,
        40,
        |x, _| if x < 30 { [255, 0, 0] } else { [0, 71, 171] },
    );
    let r = j.judge(
        ImageRef {
            width: 40,
            height: 40,
            rgb: &off,
        },
        &(),
    );
    assert_eq!(r.findings[0].verdict, Verdict::No);
    assert_eq!(r.findings[1].verdict, Verdict::No, "75 % forbidden red");
}

#[test]
fn quality_judge_checks_size_aspect_sharpness_and_clipping() {
    let sharp = image(64, 32, |x, y| {
        if (x / 4 + y / 4) % 2 == 0 {
            [30; 3]
        } else {
            [220; 3]
        }
    });
    let r = QualityJudge.judge(
        ImageRef {
            width: 64,
            height: 32,
            rgb: &sharp,
        },
        &Requested {
            width: 64,
            height: 32,
        },
    );
    assert!(
        r.findings.iter().all(|f| f.verdict == Verdict::Yes),
        "{:?}",
        r.findings
    );
    assert!(r.score.unwrap() > 0.9);
    let r = QualityJudge.judge(
        ImageRef {
            width: 64,
            height: 32,
            rgb: &sharp,
        },
        &Requested {
            width: 128,
            height: 128,
        },
    );
    assert_eq!(r.findings[0].verdict, Verdict::No, "wrong size");
    assert_eq!(r.findings[1].verdict, Verdict::No, "wrong aspect");
    assert_eq!(r.score, Some(0.0));
    let blown = image(64, 32, |_, _| [255; 3]);
    let r = QualityJudge.judge(
        ImageRef {
            width: 64,
            height: 32,
            rgb: &blown,
        },
        &Requested {
            width: 64,
            height: 32,
        },
    );
    assert_eq!(r.findings[2].verdict, Verdict::No, "all highlights blown");
}

#[test]
fn novelty_judge_rejects_near_duplicates_of_siblings() {
    // A scene (a disc on a gradient), its near-duplicate (shifted 2 px, 3 levels brighter), and
    // a different scene.
    let scene = |shift: u32, bright: u8| {
        image(128, 128, move |x, y| {
            let inside = (x + shift).abs_diff(50).pow(2) + y.abs_diff(60).pow(2) < 900;
            [if inside { 200u8 } else { (y / 2) as u8 }.saturating_add(bright); 3]
        })
    };
    let a = scene(0, 0);
    let b = scene(2, 3);
    let c = image(128, 128, |x, y| {
        if (x / 16 + y / 32) % 2 == 0 {
            [240; 3]
        } else {
            [15; 3]
        }
    });
    let h = |px: &[u8]| {
        darkroom_imageops::phash::phash(&darkroom_imageops::RgbImage {
            width: 128,
            height: 128,
            rgb: px.to_vec(),
            text: vec![],
        })
    };
    let sib = Siblings {
        hashes: vec![h(&a)],
        threshold: 6,
    };
    let r = NoveltyJudge.judge(
        ImageRef {
            width: 128,
            height: 128,
            rgb: &b,
        },
        &sib,
    );
    assert_eq!(r.findings[0].verdict, Verdict::No);
    let r = NoveltyJudge.judge(
        ImageRef {
            width: 128,
            height: 128,
            rgb: &c,
        },
        &sib,
    );
    assert_eq!(r.findings[0].verdict, Verdict::Yes);
    let r = NoveltyJudge.judge(
        ImageRef {
            width: 128,
            height: 128,
            rgb: &c,
        },
        &Siblings::default(),
    );
    assert_eq!(r.score, Some(1.0));
}

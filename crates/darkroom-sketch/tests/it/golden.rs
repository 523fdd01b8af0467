//! Golden images: small renders compared with stored references.
//!
//! Tolerance: the mean absolute channel difference must be ≤ 1.0 and at most 0.5 % of channel
//! values may differ by more than 24 levels. That absorbs floating-point differences of libm
//! across platforms while catching any change in layout, colour, lighting or material. On a
//! mismatch the render is written to `target/test-output/golden/` for a look. Set
//! `UPDATE_GOLDEN=1` to rewrite the references after an intended change.

use std::path::PathBuf;

use darkroom_core::Quality;

use crate::util::draw;

const CASES: &[(&str, &str, u32, u32, Quality)] = &[
    (
        "hero_draft",
        "a red sphere on a glass table to the left of a blue cube, cinematic lighting",
        128,
        96,
        Quality::Draft,
    ),
    (
        "hero_finish",
        "a red sphere on a glass table to the left of a blue cube, cinematic lighting",
        128,
        96,
        Quality::Finish,
    ),
    (
        "bottle_below",
        "a matte black bottle on a white pedestal, soft light from the left, view from below",
        96,
        128,
        Quality::Draft,
    ),
    (
        "metals_studio",
        "three chrome spheres and a gold torus on a marble pedestal, studio lighting",
        128,
        72,
        Quality::Finish,
    ),
    (
        "sign_golden_hour",
        "a wooden sign that says \"OPEN\" next to a fire hydrant, golden hour",
        128,
        72,
        Quality::Draft,
    ),
    (
        "top_down",
        "a teddy bear between a blue ball and a red car, top-down",
        96,
        96,
        Quality::Draft,
    ),
];

fn dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(sub)
}

#[test]
fn renders_match_golden_images() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output/golden");
    let mut failures = Vec::new();
    for &(name, prompt, w, h, q) in CASES {
        let (_, img) = draw(prompt, w, h, 11, q);
        let path = dir("tests/golden").join(format!("{name}.png"));
        if update {
            darkroom_imageops::write_png(&path, w, h, &img.rgb, &[]).unwrap();
            continue;
        }
        let want = darkroom_imageops::read_png(&path, 1 << 24)
            .unwrap_or_else(|e| panic!("{e} (run with UPDATE_GOLDEN=1)"));
        assert_eq!((want.width, want.height), (w, h), "{name}");
        let diffs: Vec<u32> = want
            .rgb
            .iter()
            .zip(&img.rgb)
            .map(|(a, b)| u32::from(a.abs_diff(*b)))
            .collect();
        let mean = diffs.iter().sum::<u32>() as f64 / diffs.len() as f64;
        let big = diffs.iter().filter(|&&d| d > 24).count() as f64 / diffs.len() as f64;
        if mean > 1.0 || big > 0.005 {
            std::fs::create_dir_all(&out).unwrap();
            let got = out.join(format!("{name}.actual.png"));
            darkroom_imageops::write_png(&got, w, h, &img.rgb, &[]).unwrap();
            failures.push(format!(
                "{name}: mean diff {mean:.3}, {:.2}% over 24 levels; wrote {}",
                big * 100.0,
                got.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_golden_comparison_detects_a_change() {
    // A different seed moves things: the comparison above must notice such a change.
    let (_, a) = draw(CASES[0].1, 128, 96, 11, Quality::Draft);
    let (_, b) = draw(CASES[0].1, 128, 96, 12, Quality::Draft);
    let diffs: Vec<u32> = a
        .rgb
        .iter()
        .zip(&b.rgb)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .collect();
    let big = diffs.iter().filter(|&&d| d > 24).count() as f64 / diffs.len() as f64;
    assert!(big > 0.005);
}

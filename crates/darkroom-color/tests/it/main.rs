//! Integration tests for darkroom-color against published reference data.

use std::path::PathBuf;

use darkroom_color::brand::{Brand, BrandSpec, ColorSpec};
use darkroom_color::cube::{Cube, Interp, Lut3d};
use darkroom_color::{de2000, palette, Lab, Rgb8};

fn testdata(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(p)
}

#[test]
fn ciede2000_matches_sharma_2005_in_both_orders() {
    let text = std::fs::read_to_string(testdata("ciede2000_sharma2005.csv")).unwrap();
    let mut rows = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let v: Vec<f64> = line.split(',').map(|x| x.trim().parse().unwrap()).collect();
        let a = Lab {
            l: v[0],
            a: v[1],
            b: v[2],
        };
        let b = Lab {
            l: v[3],
            a: v[4],
            b: v[5],
        };
        assert!(
            (de2000(a, b) - v[6]).abs() < 1e-4,
            "row {rows}: {} vs {}",
            de2000(a, b),
            v[6]
        );
        assert!((de2000(b, a) - v[6]).abs() < 1e-4, "row {rows} swapped");
        rows += 1;
    }
    assert_eq!(rows, 34);
}

#[test]
fn every_cube_file_reads() {
    let mut n = 0;
    for e in std::fs::read_dir(testdata("cube")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let c = Cube::parse(&text, &p.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.lut1d.is_some() || c.lut3d.is_some());
        // What we write reads back to the same tables.
        let again = Cube::parse(&c.to_cube_string(), "rewritten").unwrap();
        assert_eq!(
            again.lut3d.as_ref().map(|l| l.size),
            c.lut3d.as_ref().map(|l| l.size)
        );
        for probe in [[0.1f32, 0.5, 0.9], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]] {
            let (x, y) = (
                c.apply(probe, Interp::Tetrahedral),
                again.apply(probe, Interp::Tetrahedral),
            );
            for k in 0..3 {
                assert!(
                    (x[k] - y[k]).abs() < 1e-5,
                    "{}: {x:?} vs {y:?}",
                    p.display()
                );
            }
        }
        n += 1;
    }
    assert_eq!(n, 8);
}

#[test]
fn the_resolve_shaper_and_domains_are_honoured() {
    let c = Cube::parse(
        &std::fs::read_to_string(testdata(
            "cube/resolve_Three_Dimensional_Table_With_Shaper.cube",
        ))
        .unwrap(),
        "r",
    )
    .unwrap();
    let shaper = c.lut1d.as_ref().unwrap();
    assert_eq!(
        (shaper.table.len(), shaper.min, shaper.max),
        (10, [-0.1; 3], [3.0; 3])
    );
    assert_eq!(c.lut3d.as_ref().unwrap().size, 3);
    let d = Cube::parse(
        &std::fs::read_to_string(testdata("cube/iridas_Demo.cube")).unwrap(),
        "d",
    )
    .unwrap();
    // DOMAIN_MAX 1 2 3 with table 0 → 0.5,1,1.5 → 1: half the green domain is node 1.
    let o = d.apply([0.5, 1.0, 1.5], Interp::Trilinear);
    assert_eq!(o, [0.5, 1.0, 1.5]);
    let s = Cube::parse(
        &std::fs::read_to_string(testdata("cube/iridas_eotf_sRGB_3D.cube")).unwrap(),
        "s",
    )
    .unwrap();
    assert_eq!(s.lut3d.as_ref().unwrap().min, [-0.1, -0.15, -0.2]);
}

#[test]
fn identity_lut_is_identity_and_the_scale_lut_scales_exactly() {
    let unit = Cube::parse(
        &std::fs::read_to_string(testdata("cube/iridas_Unit.cube")).unwrap(),
        "u",
    )
    .unwrap();
    let scale = Cube::parse(
        &std::fs::read_to_string(testdata("cube/iridas_RGB_1_0.5_0.25.cube")).unwrap(),
        "s",
    )
    .unwrap();
    for interp in [Interp::Trilinear, Interp::Tetrahedral] {
        for r in 0..=20 {
            for g in 0..=20 {
                for b in 0..=20 {
                    let c = [r as f32 / 20.0, g as f32 / 20.0, b as f32 / 20.0];
                    let u = unit.apply(c, interp);
                    let s = scale.apply(c, interp);
                    for k in 0..3 {
                        assert!((u[k] - c[k]).abs() < 2e-6, "{c:?} → {u:?}");
                    }
                    assert!(
                        (s[0] - c[0]).abs() < 2e-6
                            && (s[1] - c[1] * 0.5).abs() < 2e-6
                            && (s[2] - c[2] * 0.25).abs() < 2e-6,
                        "{c:?} → {s:?}"
                    );
                }
            }
        }
    }
    // Generated identity tables too, and 8-bit application is lossless.
    let id = Cube {
        title: None,
        lut1d: None,
        lut3d: Some(Lut3d::identity(17)),
    };
    let mut px: Vec<u8> = (0..=255u8).flat_map(|v| [v, 255 - v, v / 2]).collect();
    let before = px.clone();
    id.apply_rgb8(&mut px, Interp::Tetrahedral);
    assert_eq!(px, before);
}

#[test]
fn tetrahedral_and_trilinear_agree_on_a_smooth_lut_and_differ_on_a_curved_one() {
    let scale = Cube::parse(
        &std::fs::read_to_string(testdata("cube/iridas_Colour_Correct.cube")).unwrap(),
        "c",
    )
    .unwrap();
    let c = [0.3f32, 0.6, 0.2];
    let (t, q) = (
        scale.apply(c, Interp::Trilinear),
        scale.apply(c, Interp::Tetrahedral),
    );
    assert!((0..3).all(|k| (t[k] - q[k]).abs() < 0.05), "{t:?} {q:?}");
}

#[test]
fn malformed_cubes_name_the_line() {
    for (text, want) in [
        ("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n", "expected 8"),
        ("LUT_3D_SIZE 2\n0 0 x\n", "`x` is not a number"),
        ("LUT_3D_SIZE 1\n", "2..=256"),
        ("FOO 3\n", "unknown keyword `FOO`"),
        ("0 0 0\n", "no LUT_1D_SIZE"),
        ("LUT_3D_SIZE 2\n0 0\n", "expected 3 numbers"),
    ] {
        let e = Cube::parse(text, "bad.cube").unwrap_err().to_string();
        assert!(e.starts_with("`bad.cube` line") && e.contains(want), "{e}");
    }
}

fn brand() -> Brand {
    Brand::from_spec(&BrandSpec {
        palette: vec![
            ColorSpec::Named {
                name: Some("Brand Blue".into()),
                hex: "#0047AB".into(),
            },
            ColorSpec::Named {
                name: Some("Paper".into()),
                hex: "#F4F1EA".into(),
            },
            ColorSpec::Named {
                name: Some("Ink".into()),
                hex: "#1A1A1A".into(),
            },
        ],
        tolerance: Some(6.0),
        min_on_palette: None,
        forbid: vec![],
        protect: vec![],
    })
    .unwrap()
}

#[test]
fn grading_moves_dominant_colours_toward_the_brand_without_clipping() {
    // An off-brand image: a drifted blue (#1C5FC4-ish), an off-white, and a gradient.
    let (w, h) = (120usize, 80usize);
    let mut img = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let c = if x < 60 {
                [28u8, 95, 196]
            } else if y < 40 {
                [232, 236, 240]
            } else {
                [(x * 2) as u8, (y * 2) as u8, 90]
            };
            img.extend_from_slice(&c);
        }
    }
    let brand = brand();
    let before = palette::palette(&img, w, h, 4);
    let lut = darkroom_color::grade::grade_lut(&before, &brand, 0.8, 33);
    let cube = Cube {
        title: None,
        lut1d: None,
        lut3d: Some(lut),
    };
    let mut graded = img.clone();
    cube.apply_rgb8(&mut graded, Interp::Tetrahedral);
    // The off-brand versions of brand colours (the drifted blue, the off-white) move at least
    // halfway to their brand colour; the gradient, far from every brand colour, is the subject's
    // own and is held.
    let at = |v: &[u8], x: usize, y: usize| {
        let i = (y * w + x) * 3;
        darkroom_color::Lab::from_rgb8(darkroom_color::Rgb8 {
            r: v[i],
            g: v[i + 1],
            b: v[i + 2],
        })
    };
    for (x, y) in [(30, 40), (90, 20)] {
        let (db, da) = (
            darkroom_color::brand::nearest(&brand, at(&img, x, y)).1,
            darkroom_color::brand::nearest(&brand, at(&graded, x, y)).1,
        );
        assert!(da < db * 0.5, "({x}, {y}): ΔE to brand {db:.2} → {da:.2}");
    }
    let far = darkroom_color::de2000(at(&img, 100, 70), at(&graded, 100, 70));
    assert!(far < 2.0, "the far gradient moved ΔE00 {far:.2}");
    let clipped = |v: &[u8]| v.iter().filter(|&&c| c == 0 || c == 255).count();
    assert!(
        clipped(&graded) <= clipped(&img),
        "grading must not clip: {} > {}",
        clipped(&graded),
        clipped(&img)
    );
    // Smooth: a gradient stays monotone (no banding or reversals).
    let row: Vec<u8> = (0..w).map(|x| graded[((70 * w) + x) * 3]).collect();
    let pos = row[60..].windows(2).filter(|p| p[1] < p[0]).count();
    assert_eq!(
        pos, 0,
        "red channel of the gradient row must not reverse: {row:?}"
    );
    // Strength 0 changes nothing.
    let none = darkroom_color::grade::grade_lut(&before, &brand, 0.0, 33);
    let mut same = img.clone();
    Cube {
        title: None,
        lut1d: None,
        lut3d: Some(none),
    }
    .apply_rgb8(&mut same, Interp::Tetrahedral);
    let maxdiff = same
        .iter()
        .zip(&img)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(maxdiff <= 1, "{maxdiff}");
    let _ = Rgb8::new(0, 0, 0);
}

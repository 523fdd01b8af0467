//! Grading toward a brand palette, realised as a 3D LUT.
//!
//! Each dominant colour of the image that is an off-brand version of a brand colour (within
//! [`REACH`] ΔE2000 of one) is pulled toward it by `strength`. A dominant colour further from every
//! brand colour is the subject's own colour (a red product under a blue brand) and is held, as
//! are the brand's `protect` colours: pulls fade out around them.
//! Every other colour moves by a smooth, distance-weighted blend of those pulls (Gaussian in
//! CIELAB), so there is no banding; colours far from every dominant colour stay put. A target
//! outside sRGB is brought back by reducing chroma at constant lightness and hue instead of
//! clipping channels. The result is a 33³ table: fast to apply and exportable as `.cube`.

use crate::brand::{nearest, Brand};
use crate::cube::Lut3d;
use crate::palette::Swatch;
use crate::space::{srgb_decode, srgb_encode, Lab};

/// Spread of a dominant colour's influence, in ΔE76 units.
const SIGMA: f64 = 18.0;

/// A dominant colour further than this (ΔE2000) from every brand colour is held, not pulled.
pub const REACH: f64 = 20.0;

/// Radius (ΔE76) around a held colour inside which every pull fades out.
const HOLD: f64 = 12.0;

/// Builds the grading LUT for an image whose dominant palette is `dominant`.
pub fn grade_lut(dominant: &[Swatch], brand: &Brand, strength: f64, size: usize) -> Lut3d {
    let strength = strength.clamp(0.0, 1.0);
    let mut holds: Vec<Lab> = brand.protect.iter().map(|(_, l)| *l).collect();
    let pulls: Vec<(Lab, [f64; 3])> = dominant
        .iter()
        .filter_map(|s| {
            let (i, de) = nearest(brand, s.lab);
            if de > REACH {
                holds.push(s.lab);
                return None;
            }
            let t = brand.colors[i].1;
            Some((
                s.lab,
                [
                    (t.l - s.lab.l) * strength,
                    (t.a - s.lab.a) * strength,
                    (t.b - s.lab.b) * strength,
                ],
            ))
        })
        .collect();
    let mut lut = Lut3d::identity(size);
    for node in lut.table.iter_mut() {
        let lin = node.map(|v| srgb_decode(f64::from(v)));
        let lab = crate::space::xyz_to_lab(crate::space::linear_to_xyz(lin));
        let mut shift = [0f64; 3];
        let mut wsum = 0f64;
        for (c, d) in &pulls {
            let dist2 = (lab.l - c.l).powi(2) + (lab.a - c.a).powi(2) + (lab.b - c.b).powi(2);
            let w = (-dist2 / (2.0 * SIGMA * SIGMA)).exp();
            wsum += w;
            for k in 0..3 {
                shift[k] += w * d[k];
            }
        }
        // Normalise only where several pulls overlap, so an isolated colour keeps the full
        // pull of its dominant colour and a far one keeps ~none.
        // Held colours (protected, or the subject's own) damp every pull near them to nothing.
        let hold = holds
            .iter()
            .map(|h| {
                let d2 = (lab.l - h.l).powi(2) + (lab.a - h.a).powi(2) + (lab.b - h.b).powi(2);
                (-d2 / (2.0 * HOLD * HOLD)).exp()
            })
            .fold(0.0f64, f64::max);
        let norm = wsum.max(1.0) / (1.0 - hold).max(0.0).max(1e-12);
        let norm = if hold > 1.0 - 1e-9 {
            f64::INFINITY
        } else {
            norm
        };
        let target = Lab {
            l: (lab.l + shift[0] / norm).clamp(0.0, 100.0),
            a: lab.a + shift[1] / norm,
            b: lab.b + shift[2] / norm,
        };
        let out = into_gamut(target, lin);
        *node = out.map(|v| srgb_encode(v) as f32);
    }
    lut
}

/// Linear sRGB of a Lab colour, chroma reduced (binary search) until every channel lies inside
/// the 8-bit codes 1..=254 — or where the original node already was. A grade therefore never
/// pushes a channel into 0 or 255, which would flatten detail (clipping).
fn into_gamut(lab: Lab, orig: [f64; 3]) -> [f64; 3] {
    let (m_lo, m_hi) = (srgb_decode(1.0 / 255.0), srgb_decode(254.0 / 255.0));
    let lo: [f64; 3] = orig.map(|o| o.min(m_lo));
    let hi: [f64; 3] = orig.map(|o| o.max(m_hi));
    let fits = |c: &[f64; 3]| (0..3).all(|k| c[k] >= lo[k] && c[k] <= hi[k]);
    let lab = Lab {
        l: lab.l.clamp(Lab::from_linear(lo).l, Lab::from_linear(hi).l),
        ..lab
    };
    let lin = lab.to_linear();
    if fits(&lin) {
        return lin;
    }
    let (mut a, mut b) = (0.0f64, 1.0f64);
    for _ in 0..24 {
        let mid = (a + b) / 2.0;
        if fits(
            &Lab {
                l: lab.l,
                a: lab.a * mid,
                b: lab.b * mid,
            }
            .to_linear(),
        ) {
            a = mid;
        } else {
            b = mid;
        }
    }
    let c = Lab {
        l: lab.l,
        a: lab.a * a,
        b: lab.b * a,
    }
    .to_linear();
    [0, 1, 2].map(|k| c[k].clamp(lo[k], hi[k]))
}

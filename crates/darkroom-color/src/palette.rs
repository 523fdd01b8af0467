//! Dominant palettes: deterministic k-means++ in CIELAB on an area-averaged downsample, and the
//! drift between two palettes.

use crate::delta::de2000;
use crate::space::Lab;
use crate::Rgb8;

/// One colour of a palette with the share of pixels it stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Swatch {
    /// The cluster centre.
    pub lab: Lab,
    /// Its nearest 8-bit sRGB colour.
    pub rgb: Rgb8,
    /// Share of the (downsampled) pixels in this cluster, 0..1.
    pub share: f64,
}

/// Area-averages an RGB image down so its longer side is at most `max_side` (like OpenCV's
/// INTER_AREA), returning the small image's pixels.
pub fn downsample(
    rgb: &[u8],
    w: usize,
    h: usize,
    max_side: usize,
) -> (Vec<[f64; 3]>, usize, usize) {
    let s = (w.max(h) as f64 / max_side as f64).max(1.0);
    let (tw, th) = (
        ((w as f64 / s).round() as usize).max(1),
        ((h as f64 / s).round() as usize).max(1),
    );
    let mut out = vec![[0f64; 3]; tw * th];
    let mut n = vec![0f64; tw * th];
    for y in 0..h {
        let ty = (y * th / h).min(th - 1);
        for x in 0..w {
            let tx = (x * tw / w).min(tw - 1);
            let i = (y * w + x) * 3;
            let o = &mut out[ty * tw + tx];
            o[0] += f64::from(rgb[i]);
            o[1] += f64::from(rgb[i + 1]);
            o[2] += f64::from(rgb[i + 2]);
            n[ty * tw + tx] += 1.0;
        }
    }
    for (o, c) in out.iter_mut().zip(&n) {
        for v in o.iter_mut() {
            *v /= c.max(1.0);
        }
    }
    (out, tw, th)
}

fn srgb_to_lab(c: [f64; 3]) -> Lab {
    let lin = c.map(|v| crate::space::srgb_decode(v / 255.0));
    crate::space::xyz_to_lab(crate::space::linear_to_xyz(lin))
}

fn d2(a: &Lab, b: &Lab) -> f64 {
    (a.l - b.l).powi(2) + (a.a - b.a).powi(2) + (a.b - b.b).powi(2)
}

/// The `k` dominant colours of an image, largest share first. Deterministic: k-means++ seeding
/// from a fixed generator, then Lloyd iterations in CIELAB on a ≤ 64 px downsample.
pub fn palette(rgb: &[u8], w: usize, h: usize, k: usize) -> Vec<Swatch> {
    if w == 0 || h == 0 || k == 0 {
        return Vec::new();
    }
    let (small, _, _) = downsample(rgb, w, h, 64);
    let pts: Vec<Lab> = small.iter().map(|&c| srgb_to_lab(c)).collect();
    let k = k.min(pts.len());
    let mut rng = darkroom_core::rand::SplitMix64(darkroom_core::rand::GAMMA);
    let mut rand = move || rng.unit_f64();
    // k-means++ seeding.
    let mut centres = vec![pts[(rand() * pts.len() as f64) as usize % pts.len()]];
    let mut dist: Vec<f64> = pts.iter().map(|p| d2(p, &centres[0])).collect();
    while centres.len() < k {
        let total: f64 = dist.iter().sum();
        if total <= 0.0 {
            break; // fewer distinct colours than k
        }
        let mut r = rand() * total;
        let mut pick = pts.len() - 1;
        for (i, d) in dist.iter().enumerate() {
            r -= d;
            if r <= 0.0 {
                pick = i;
                break;
            }
        }
        centres.push(pts[pick]);
        for (d, p) in dist.iter_mut().zip(&pts) {
            *d = d.min(d2(p, &centres[centres.len() - 1]));
        }
    }
    let k = centres.len();
    let mut label = vec![0usize; pts.len()];
    for _ in 0..30 {
        let mut changed = false;
        for (i, p) in pts.iter().enumerate() {
            let best = (0..k)
                .min_by(|&a, &b| d2(p, &centres[a]).total_cmp(&d2(p, &centres[b])))
                .unwrap_or(0);
            if label[i] != best {
                label[i] = best;
                changed = true;
            }
        }
        let mut sum = vec![[0f64; 4]; k];
        for (p, &l) in pts.iter().zip(&label) {
            sum[l][0] += p.l;
            sum[l][1] += p.a;
            sum[l][2] += p.b;
            sum[l][3] += 1.0;
        }
        for (c, s) in centres.iter_mut().zip(&sum) {
            if s[3] > 0.0 {
                *c = Lab {
                    l: s[0] / s[3],
                    a: s[1] / s[3],
                    b: s[2] / s[3],
                };
            }
        }
        if !changed {
            break;
        }
    }
    let mut counts = vec![0usize; k];
    for &l in &label {
        counts[l] += 1;
    }
    let mut out: Vec<Swatch> = centres
        .iter()
        .zip(&counts)
        .filter(|(_, &n)| n > 0)
        .map(|(c, &n)| Swatch {
            lab: *c,
            rgb: c.to_rgb8(),
            share: n as f64 / pts.len() as f64,
        })
        .collect();
    out.sort_by(|a, b| {
        b.share
            .total_cmp(&a.share)
            .then(a.lab.l.total_cmp(&b.lab.l))
    });
    out
}

/// Drift between two palettes: each colour's ΔE2000 to the nearest colour of the other palette,
/// weighted by its share, averaged over both directions (0 = same palette).
pub fn drift(a: &[Swatch], b: &[Swatch]) -> f64 {
    let one_way = |x: &[Swatch], y: &[Swatch]| -> f64 {
        let total: f64 = x.iter().map(|s| s.share).sum();
        if total <= 0.0 || y.is_empty() {
            return 0.0;
        }
        x.iter()
            .map(|s| {
                s.share
                    * y.iter()
                        .map(|t| de2000(s.lab, t.lab))
                        .fold(f64::INFINITY, f64::min)
            })
            .sum::<f64>()
            / total
    };
    (one_way(a, b) + one_way(b, a)) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_colour_image() -> Vec<u8> {
        // 62.5 % blue, 37.5 % white, the boundary on a downsampling cell edge.
        let mut v = Vec::new();
        for i in 0..128 * 128 {
            let c = if i % 128 < 80 {
                [0u8, 71, 171]
            } else {
                [255, 255, 255]
            };
            v.extend_from_slice(&c);
        }
        v
    }

    #[test]
    fn finds_dominant_colours_with_shares() {
        let p = palette(&two_colour_image(), 128, 128, 4);
        assert_eq!(p.len(), 2, "only two distinct colours: {p:?}");
        assert_eq!(p[0].rgb, Rgb8::new(0, 71, 171));
        assert!((p[0].share - 0.625).abs() < 1e-9, "{}", p[0].share);
        assert_eq!(p[1].rgb, Rgb8::new(255, 255, 255));
        assert_eq!(
            palette(&two_colour_image(), 128, 128, 4),
            p,
            "deterministic"
        );
    }

    #[test]
    fn drift_is_zero_for_same_and_grows_with_change() {
        let img = two_colour_image();
        let a = palette(&img, 128, 128, 3);
        assert!(drift(&a, &a) < 1e-9);
        let shift = |by: u8| -> Vec<Swatch> {
            let v: Vec<u8> = img
                .iter()
                .enumerate()
                .map(|(i, &v)| if i % 3 == 0 { v.saturating_add(by) } else { v })
                .collect();
            palette(&v, 128, 128, 3)
        };
        let (small, large) = (drift(&a, &shift(20)), drift(&a, &shift(80)));
        assert!(
            small > 0.3 && large > small * 2.0,
            "small {small} large {large}"
        );
    }
}

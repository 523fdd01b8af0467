//! Local out-painting (extend to an aspect ratio) and in-painting, without a model.
//!
//! Both fill a hole given by a mask, in two layers:
//! - **structure**: the image's low frequencies (a box blur over known pixels) are continued
//!   into the hole by a harmonic fill — the solution of Laplace's equation with the known pixels
//!   as boundary values, solved coarse-to-fine on a pyramid. Smooth gradients (studio sweeps,
//!   skies) continue exactly, and the fill meets the boundary with no seam;
//! - **texture**: the high-frequency residual (grain, noise, fine detail) is synthesised by
//!   patch-based image quilting (Efros & Freeman 2001): blocks are copied from the known region,
//!   each chosen among candidates by how well it matches what is already in place on its
//!   overlap, and feathered into its neighbours.
//!
//! Pixels outside the mask are never changed.

// Pixel loops here index several parallel buffers (values, masks, results) by position.
#![allow(clippy::needless_range_loop)]

use crate::png_io::RgbImage;

type Px = [f32; 3];

/// Fills the masked pixels (`mask[i]` true = fill) of an image.
pub fn inpaint(img: &RgbImage, mask: &[bool]) -> RgbImage {
    let (w, h) = (img.width as usize, img.height as usize);
    let px: Vec<Px> = img
        .rgb
        .chunks_exact(3)
        .map(|p| [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])])
        .collect();
    let known: Vec<bool> = mask.iter().map(|&m| !m).collect();
    let filled = fill(&px, &known, w, h, 0x5EED);
    let mut out = img.rgb.clone();
    for (i, m) in mask.iter().enumerate() {
        if *m {
            for k in 0..3 {
                out[i * 3 + k] = filled[i][k].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    RgbImage {
        width: img.width,
        height: img.height,
        rgb: out,
        text: Vec::new(),
    }
}

/// The canvas size and the original's offset for extending to `aspect` (width / height): the
/// image is centred and the canvas grows in one direction only.
pub fn extend_geometry(w: u32, h: u32, aspect: f64) -> (u32, u32, u32, u32) {
    let cur = f64::from(w) / f64::from(h);
    if (cur - aspect).abs() < 1e-9 {
        return (w, h, 0, 0);
    }
    if cur < aspect {
        let nw = (f64::from(h) * aspect).round() as u32;
        (nw, h, (nw - w) / 2, 0)
    } else {
        let nh = (f64::from(w) / aspect).round() as u32;
        (w, nh, 0, (nh - h) / 2)
    }
}

/// Extends an image to an aspect ratio (width / height), filling the new area.
pub fn extend(img: &RgbImage, aspect: f64) -> RgbImage {
    let (nw, nh, ox, oy) = extend_geometry(img.width, img.height, aspect);
    let (w, nwu, nhu) = (img.width as usize, nw as usize, nh as usize);
    let mut canvas = vec![0u8; nwu * nhu * 3];
    let mut mask = vec![true; nwu * nhu];
    for y in 0..img.height as usize {
        let dst = ((y + oy as usize) * nwu + ox as usize) * 3;
        canvas[dst..dst + w * 3].copy_from_slice(&img.rgb[y * w * 3..(y + 1) * w * 3]);
        mask[(y + oy as usize) * nwu + ox as usize..(y + oy as usize) * nwu + ox as usize + w]
            .fill(false);
    }
    inpaint(
        &RgbImage {
            width: nw,
            height: nh,
            rgb: canvas,
            text: Vec::new(),
        },
        &mask,
    )
}

fn fill(px: &[Px], known: &[bool], w: usize, h: usize, seed: u64) -> Vec<Px> {
    if !known.iter().any(|&k| k) {
        return px.to_vec();
    }
    let low = box_blur_known(px, known, w, h, 4);
    let base = harmonic(&low, known, w, h);
    let residual: Vec<Px> = px
        .iter()
        .zip(&low)
        .map(|(p, l)| [p[0] - l[0], p[1] - l[1], p[2] - l[2]])
        .collect();
    let texture = quilt(&residual, &low, &base, known, w, h, seed);
    let mut out = px.to_vec();
    for i in 0..w * h {
        if !known[i] {
            out[i] = [
                base[i][0] + texture[i][0],
                base[i][1] + texture[i][1],
                base[i][2] + texture[i][2],
            ];
        }
    }
    out
}

/// Box blur of radius `r` averaging known pixels only (unknown pixels get 0).
fn box_blur_known(px: &[Px], known: &[bool], w: usize, h: usize, r: usize) -> Vec<Px> {
    // Integral images of value×known and of known.
    let (iw, ih) = (w + 1, h + 1);
    let mut sv = vec![[0f64; 3]; iw * ih];
    let mut sk = vec![0f64; iw * ih];
    for y in 0..h {
        let (mut row, mut rk) = ([0f64; 3], 0f64);
        for x in 0..w {
            let i = y * w + x;
            if known[i] {
                for k in 0..3 {
                    row[k] += f64::from(px[i][k]);
                }
                rk += 1.0;
            }
            let j = (y + 1) * iw + x + 1;
            for k in 0..3 {
                sv[j][k] = sv[j - iw][k] + row[k];
            }
            sk[j] = sk[j - iw] + rk;
        }
    }
    let mut out = vec![[0f32; 3]; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let (a, b, c, d) = (y0 * iw + x0, y0 * iw + x1, y1 * iw + x0, y1 * iw + x1);
            let n = sk[d] - sk[b] - sk[c] + sk[a];
            if n > 0.0 {
                for k in 0..3 {
                    out[y * w + x][k] = ((sv[d][k] - sv[b][k] - sv[c][k] + sv[a][k]) / n) as f32;
                }
            }
        }
    }
    out
}

/// Harmonic fill: unknown pixels solve Laplace's equation (each is the mean of its neighbours;
/// image edges are reflecting), known pixels are fixed. Coarse-to-fine so large holes converge.
fn harmonic(v: &[Px], known: &[bool], w: usize, h: usize) -> Vec<Px> {
    let mut out = v.to_vec();
    let unknown: Vec<usize> = (0..w * h).filter(|&i| !known[i]).collect();
    if unknown.is_empty() {
        return out;
    }
    let sweeps;
    if w <= 24 || h <= 24 {
        let (mut s, mut n) = ([0f64; 3], 0f64);
        for i in (0..w * h).filter(|&i| known[i]) {
            for k in 0..3 {
                s[k] += f64::from(v[i][k]);
            }
            n += 1.0;
        }
        for &i in &unknown {
            out[i] = [(s[0] / n) as f32, (s[1] / n) as f32, (s[2] / n) as f32];
        }
        sweeps = 600;
    } else {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let mut cv = vec![[0f32; 3]; cw * ch];
        let mut cn = vec![0f32; cw * ch];
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                if known[i] {
                    let c = (y / 2) * cw + x / 2;
                    for k in 0..3 {
                        cv[c][k] += v[i][k];
                    }
                    cn[c] += 1.0;
                }
            }
        }
        let ck: Vec<bool> = cn.iter().map(|&n| n > 0.0).collect();
        for (c, n) in cv.iter_mut().zip(&cn) {
            for x in c.iter_mut() {
                *x /= n.max(1.0);
            }
        }
        let coarse = harmonic(&cv, &ck, cw, ch);
        for &i in &unknown {
            let (x, y) = (i % w, i / w);
            // Bilinear sample of the coarse solution at this pixel's centre.
            let fx = ((x as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (cw - 1) as f32);
            let fy = ((y as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (ch - 1) as f32);
            let (x0, y0) = (fx as usize, fy as usize);
            let (x1, y1) = ((x0 + 1).min(cw - 1), (y0 + 1).min(ch - 1));
            let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
            for k in 0..3 {
                let a = coarse[y0 * cw + x0][k] * (1.0 - tx) + coarse[y0 * cw + x1][k] * tx;
                let b = coarse[y1 * cw + x0][k] * (1.0 - tx) + coarse[y1 * cw + x1][k] * tx;
                out[i][k] = a * (1.0 - ty) + b * ty;
            }
        }
        sweeps = 40;
    }
    for _ in 0..sweeps {
        for &i in &unknown {
            let (x, y) = (i % w, i / w);
            let mut s = [0f32; 3];
            let mut n = 0f32;
            for (ok, j) in [
                (x > 0, i.wrapping_sub(1)),
                (x + 1 < w, i + 1),
                (y > 0, i.wrapping_sub(w)),
                (y + 1 < h, i + w),
            ] {
                if ok {
                    for k in 0..3 {
                        s[k] += out[j][k];
                    }
                    n += 1.0;
                }
            }
            // Over-relaxed Gauss-Seidel: converges several times faster than plain sweeps.
            for k in 0..3 {
                out[i][k] += 1.6 * (s[k] / n - out[i][k]);
            }
        }
    }
    out
}

/// Image quilting of the residual into the unknown pixels. Returns the residual everywhere
/// (known pixels keep theirs).
#[allow(clippy::too_many_arguments)]
fn quilt(
    res: &[Px],
    low: &[Px],
    base: &[Px],
    known: &[bool],
    w: usize,
    h: usize,
    seed: u64,
) -> Vec<Px> {
    const B: usize = 24;
    const O: usize = 6;
    const CANDIDATES: usize = 48;
    // Weight of the context term: how well the source block's low frequencies match the
    // structure layer where it lands (sampled every 3rd pixel).
    const CONTEXT: f32 = 2.0;
    let mut out = res.to_vec();
    if w < B || h < B {
        for i in 0..w * h {
            if !known[i] {
                out[i] = [0.0; 3];
            }
        }
        return out;
    }
    // Integral image of known, to test whether a source block is entirely known.
    let iw = w + 1;
    let mut ik = vec![0u32; iw * (h + 1)];
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(known[y * w + x]);
            ik[(y + 1) * iw + x + 1] = ik[y * iw + x + 1] + row;
        }
    }
    let full = |x: usize, y: usize| -> bool {
        let (a, b, c, d) = (
            y * iw + x,
            y * iw + x + B,
            (y + B) * iw + x,
            (y + B) * iw + x + B,
        );
        (ik[d] + ik[a] - ik[b] - ik[c]) as usize == B * B
    };
    let mut rng = darkroom_core::rand::SplitMix64(seed ^ darkroom_core::rand::GAMMA);
    let mut rand = move |n: usize| rng.below(n);
    // A pool of fully known source blocks, found once.
    let mut pool = Vec::new();
    for _ in 0..4000 {
        let (x, y) = (rand(w - B + 1), rand(h - B + 1));
        if full(x, y) {
            pool.push((x, y));
            if pool.len() >= 512 {
                break;
            }
        }
    }
    let mut have: Vec<bool> = known.to_vec();
    for i in 0..w * h {
        if !known[i] {
            out[i] = [0.0; 3];
        }
    }
    if pool.is_empty() {
        return out;
    }
    let step = B - O;
    let mut by = 0;
    loop {
        let y0 = by.min(h - B);
        let mut bx = 0;
        loop {
            let x0 = bx.min(w - B);
            let needs = (0..B).any(|dy| (0..B).any(|dx| !known[(y0 + dy) * w + x0 + dx]));
            if needs {
                // Choose the source block that best matches what is already in place.
                let mut best = (f32::INFINITY, pool[0]);
                for _ in 0..CANDIDATES {
                    let (sx, sy) = pool[rand(pool.len())];
                    let mut cost = 0f32;
                    for dy in 0..B {
                        for dx in 0..B {
                            let t = (y0 + dy) * w + x0 + dx;
                            if have[t] {
                                let s = (sy + dy) * w + sx + dx;
                                for k in 0..3 {
                                    let d = out[t][k] - res[s][k];
                                    cost += d * d;
                                }
                            }
                        }
                    }
                    for dy in (0..B).step_by(3) {
                        for dx in (0..B).step_by(3) {
                            let t = (y0 + dy) * w + x0 + dx;
                            let s = (sy + dy) * w + sx + dx;
                            for k in 0..3 {
                                let d = base[t][k] - low[s][k];
                                cost += CONTEXT * d * d;
                            }
                        }
                    }
                    if cost < best.0 {
                        best = (cost, (sx, sy));
                    }
                }
                let (sx, sy) = best.1;
                for dy in 0..B {
                    for dx in 0..B {
                        let t = (y0 + dy) * w + x0 + dx;
                        if known[t] {
                            continue;
                        }
                        let s = (sy + dy) * w + sx + dx;
                        if have[t] {
                            // Feather across the overlap with what an earlier block put here.
                            let wx = if dx < O {
                                (dx as f32 + 0.5) / O as f32
                            } else {
                                1.0
                            };
                            let wy = if dy < O {
                                (dy as f32 + 0.5) / O as f32
                            } else {
                                1.0
                            };
                            let a = wx.min(wy);
                            for k in 0..3 {
                                out[t][k] = out[t][k] * (1.0 - a) + res[s][k] * a;
                            }
                        } else {
                            out[t] = res[s];
                            have[t] = true;
                        }
                    }
                }
            }
            if x0 + B >= w {
                break;
            }
            bx += step;
        }
        if y0 + B >= h {
            break;
        }
        by += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        let mut rgb = Vec::new();
        for y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(&[(x * 200 / w) as u8 + 20, (y * 150 / h) as u8 + 40, 90]);
            }
        }
        RgbImage {
            width: w,
            height: h,
            rgb,
            text: vec![],
        }
    }

    #[test]
    fn inpaint_keeps_unmasked_pixels_and_fills_a_gradient_smoothly() {
        let img = gradient(160, 120);
        let mut mask = vec![false; 160 * 120];
        for y in 40..80 {
            for x in 50..110 {
                mask[y * 160 + x] = true;
            }
        }
        let out = inpaint(&img, &mask);
        let mut worst = 0u8;
        for i in 0..160 * 120 {
            for k in 0..3 {
                let (a, b) = (img.rgb[i * 3 + k], out.rgb[i * 3 + k]);
                if mask[i] {
                    worst = worst.max(a.abs_diff(b));
                } else {
                    assert_eq!(a, b, "unmasked pixel {i} changed");
                }
            }
        }
        assert!(
            worst <= 3,
            "hole filled within 3 levels of the true gradient, worst {worst}"
        );
    }

    #[test]
    fn extend_gives_the_aspect_and_keeps_the_original() {
        let img = gradient(120, 100);
        let out = extend(&img, 21.0 / 9.0);
        assert_eq!(out.height, 100);
        assert!(
            (f64::from(out.width) - 100.0 * 21.0 / 9.0).abs() <= 1.0,
            "{}",
            out.width
        );
        let (_, _, ox, _) = extend_geometry(120, 100, 21.0 / 9.0);
        for y in 0..100usize {
            for x in 0..120usize {
                let a = &img.rgb[(y * 120 + x) * 3..(y * 120 + x) * 3 + 3];
                let b = &out.rgb[(y * out.width as usize + x + ox as usize) * 3..][..3];
                assert_eq!(a, b);
            }
        }
        let tall = extend(&img, 9.0 / 16.0);
        assert_eq!(tall.width, 120);
        assert!((f64::from(tall.height) - 120.0 * 16.0 / 9.0).abs() <= 1.0);
    }
}

/// How much an aspect may change before extending alone would leave the subject small: past
/// this factor (e.g. 16:9 → 9:16 is 3.16×), the image is first cropped toward its subject.
pub const REFRAME_FACTOR: f64 = 1.5;

/// The crop `(x, y, width, height)` to take before extending an image to `aspect` (width /
/// height) when the change is large: the aspect halfway (geometric mean) between the image's
/// and the target's, placed over the subject (the pixels that differ most from the colour of
/// the image's border) and widened to keep all of it. `None` when extending alone is fine.
///
/// So a wide scene delivered at 9:16 keeps its subject at a sensible share of the frame: half
/// of the change is a crop, half an extension of only the margin needed.
pub fn reframe_crop(img: &RgbImage, aspect: f64) -> Option<(u32, u32, u32, u32)> {
    let (w, h) = (img.width as usize, img.height as usize);
    if w < 8 || h < 8 || aspect <= 0.0 {
        return None;
    }
    let cur = w as f64 / h as f64;
    let factor = if cur > aspect {
        cur / aspect
    } else {
        aspect / cur
    };
    if factor <= REFRAME_FACTOR {
        return None;
    }
    let mid = (cur * aspect).sqrt();
    // Background: the median of the border's pixels, per channel.
    let band = (w.min(h) / 25).max(1);
    let mut border: [Vec<u8>; 3] = Default::default();
    for y in 0..h {
        for x in 0..w {
            if x < band || y < band || x >= w - band || y >= h - band {
                for c in 0..3 {
                    border[c].push(img.rgb[(y * w + x) * 3 + c]);
                }
            }
        }
    }
    let bg: Vec<i32> = border
        .iter_mut()
        .map(|v| {
            v.sort_unstable();
            i32::from(v[v.len() / 2])
        })
        .collect();
    let salient = |x: usize, y: usize| {
        let p = &img.rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
        (0..3).map(|c| (i32::from(p[c]) - bg[c]).abs()).sum::<i32>() > 60
    };
    // Cropping across the long side: a profile of salient pixels along it.
    let wide = cur > aspect;
    let (len, across) = if wide { (w, h) } else { (h, w) };
    let profile: Vec<u32> = (0..len)
        .map(|i| {
            (0..across)
                .filter(|&j| if wide { salient(i, j) } else { salient(j, i) })
                .count() as u32
        })
        .collect();
    let mut keep = if wide {
        (h as f64 * mid).round() as usize
    } else {
        (w as f64 / mid).round() as usize
    }
    .clamp(1, len);
    // The subject's extent: where the profile is more than a sliver.
    let min = (across as u32 / 50).max(1);
    let first = profile.iter().position(|&n| n > min);
    let last = profile.iter().rposition(|&n| n > min);
    let start = match (first, last) {
        (Some(a), Some(b)) if b + 1 - a > keep => {
            keep = b + 1 - a;
            a
        }
        (Some(_), Some(_)) => {
            // The window over the most salient stretch, sums by a running total.
            let mut sum: u64 = profile[..keep].iter().map(|&n| u64::from(n)).sum();
            let (mut best, mut at) = (sum, 0);
            for s in 1..=len - keep {
                sum = sum + u64::from(profile[s + keep - 1]) - u64::from(profile[s - 1]);
                if sum > best {
                    best = sum;
                    at = s;
                }
            }
            at
        }
        // Nothing stands out: the centre.
        _ => (len - keep) / 2,
    };
    if keep >= len {
        return None;
    }
    Some(if wide {
        (start as u32, 0, keep as u32, h as u32)
    } else {
        (0, start as u32, w as u32, keep as u32)
    })
}

/// The crop of an image.
pub fn crop(img: &RgbImage, (x, y, cw, ch): (u32, u32, u32, u32)) -> RgbImage {
    let w = img.width as usize;
    let mut rgb = Vec::with_capacity(cw as usize * ch as usize * 3);
    for row in y as usize..(y + ch) as usize {
        let from = (row * w + x as usize) * 3;
        rgb.extend_from_slice(&img.rgb[from..from + cw as usize * 3]);
    }
    RgbImage {
        width: cw,
        height: ch,
        rgb,
        text: img.text.clone(),
    }
}

/// Extends an image to `aspect`, first cropping it toward its subject when the change is large
/// ([`reframe_crop`]).
pub fn reframe(img: &RgbImage, aspect: f64) -> RgbImage {
    match reframe_crop(img, aspect) {
        Some(r) => extend(&crop(img, r), aspect),
        None => extend(img, aspect),
    }
}

#[cfg(test)]
mod reframe_tests {
    use super::*;

    /// A wide grey frame with a red block at `x0..x1`.
    fn scene(w: u32, h: u32, x0: u32, x1: u32) -> RgbImage {
        let mut rgb = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let inside = (x0..x1).contains(&x) && (h / 3..2 * h / 3).contains(&y);
                rgb.extend_from_slice(if inside {
                    &[200, 30, 30]
                } else {
                    &[128, 128, 128]
                });
            }
        }
        RgbImage {
            width: w,
            height: h,
            rgb,
            text: Vec::new(),
        }
    }

    #[test]
    fn a_wide_scene_made_tall_is_cropped_around_its_subject_first() {
        // 16:9 with the subject right of centre, to 9:16: cropped to 1:1 over the subject.
        let img = scene(320, 180, 200, 260);
        let (x, y, w, h) = reframe_crop(&img, 9.0 / 16.0).unwrap();
        assert_eq!((y, w, h), (0, 180, 180));
        assert!(
            x <= 200 && x + w >= 260,
            "the subject is kept: {x}..{}",
            x + w
        );
        let out = reframe(&img, 9.0 / 16.0);
        assert_eq!((out.width, out.height), (180, 320));
        // The subject keeps a third of the width, instead of a sixth when only extended.
        let red = out
            .rgb
            .chunks(3)
            .filter(|p| p[0] > 150 && p[1] < 80)
            .count();
        assert!(red as f64 / (out.width * out.height) as f64 > 0.05, "{red}");
    }

    #[test]
    fn a_small_change_or_a_subject_wider_than_the_window_is_not_cut() {
        assert_eq!(reframe_crop(&scene(320, 180, 100, 200), 4.0 / 3.0), None);
        let (x, _, w, _) = reframe_crop(&scene(320, 180, 20, 300), 9.0 / 16.0).unwrap();
        assert!(x <= 20 && x + w >= 300);
    }
}

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
#![expect(clippy::needless_range_loop)]

use rayon::prelude::*;

use crate::png_io::RgbImage;

type Px = [f32; 3];

/// Rows handed to one parallel task of the box blur.
const BAND: usize = 32;

/// A plane of colour values split by row parity, so a sweep can update every even row in
/// parallel while it reads the odd ones (and then the reverse) with no aliasing and no copy.
struct Plane {
    w: usize,
    even: Vec<Px>,
    odd: Vec<Px>,
}

impl Plane {
    fn zeros(w: usize, h: usize) -> Plane {
        Plane {
            w,
            even: vec![[0.0; 3]; w * h.div_ceil(2)],
            odd: vec![[0.0; 3]; w * (h / 2)],
        }
    }

    fn row(&self, y: usize) -> &[Px] {
        let b = if y.is_multiple_of(2) {
            &self.even
        } else {
            &self.odd
        };
        &b[(y / 2) * self.w..(y / 2 + 1) * self.w]
    }

    fn at(&self, x: usize, y: usize) -> Px {
        self.row(y)[x]
    }

    /// Sets every row by `f(y, row)`, rows in parallel.
    fn each_row(&mut self, f: impl Fn(usize, &mut [Px]) + Sync) {
        let w = self.w;
        let f = &f;
        rayon::join(
            || {
                self.even
                    .par_chunks_mut(w)
                    .enumerate()
                    .for_each(|(i, r)| f(2 * i, r));
            },
            || {
                self.odd
                    .par_chunks_mut(w)
                    .enumerate()
                    .for_each(|(i, r)| f(2 * i + 1, r));
            },
        );
    }
}

/// Each row's runs of pixels to fill, `[x0, x1)`: a sweep visits only these, with no per-pixel
/// test of the mask and no index list (8 bytes per unknown pixel before).
fn holes(known: &[bool], w: usize, h: usize) -> Vec<Vec<(usize, usize)>> {
    (0..h)
        .into_par_iter()
        .map(|y| {
            let row = &known[y * w..(y + 1) * w];
            let mut runs = Vec::new();
            let mut x = 0;
            while x < w {
                if row[x] {
                    x += 1;
                    continue;
                }
                let x0 = x;
                while x < w && !row[x] {
                    x += 1;
                }
                runs.push((x0, x));
            }
            runs
        })
        .collect()
}

/// Fills the masked pixels (`mask[i]` true = fill) of an image.
pub fn inpaint(img: &RgbImage, mask: &[bool]) -> RgbImage {
    let (w, h) = (img.width as usize, img.height as usize);
    let known: Vec<bool> = mask.iter().map(|&m| !m).collect();
    let mut rgb = img.rgb.clone();
    fill(&mut rgb, &known, w, h, 0x5EED);
    RgbImage {
        width: img.width,
        height: img.height,
        rgb,
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
    let (ox, oy) = (ox as usize, oy as usize);
    let mut canvas = vec![0u8; nwu * nhu * 3];
    let mut known = vec![false; nwu * nhu];
    for y in 0..img.height as usize {
        let dst = (y + oy) * nwu + ox;
        canvas[dst * 3..(dst + w) * 3].copy_from_slice(&img.rgb[y * w * 3..(y + 1) * w * 3]);
        known[dst..dst + w].fill(true);
    }
    fill(&mut canvas, &known, nwu, nhu, 0x5EED);
    RgbImage {
        width: nw,
        height: nh,
        rgb: canvas,
        text: Vec::new(),
    }
}

/// Fills the pixels of `rgb` that are not `known`, in place: structure (a harmonic fill of the
/// known pixels' low frequencies) plus texture (their residual, quilted). Memory beside the
/// image: one f32 plane for structure (12 bytes a pixel), the texture as 16-bit fixed point
/// (6), and a byte each for the mask and what quilting has placed.
fn fill(rgb: &mut [u8], known: &[bool], w: usize, h: usize, seed: u64) {
    if !known.iter().any(|&k| k) || known.iter().all(|&k| k) {
        return;
    }
    let runs = holes(known, w, h);
    // Low frequencies of the known pixels; the harmonic fill continues them into the holes.
    let mut structure = box_blur_known(rgb, known, w, h, 4);
    harmonic(&mut structure, known, &runs, w, h);
    let texture = quilt(
        &Layers {
            rgb,
            structure: &structure,
            known,
            w,
            h,
        },
        seed,
    );
    rgb.par_chunks_mut(w * 3).enumerate().for_each(|(y, row)| {
        let (s, t) = (structure.row(y), &texture.rows[y * w..(y + 1) * w]);
        for &(x0, x1) in &runs[y] {
            for x in x0..x1 {
                for k in 0..3 {
                    let v = s[x][k] + f32::from(t[x][k]) / TEX_SCALE;
                    row[x * 3 + k] = v.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
    });
}

/// Box blur of radius `r` averaging known pixels only, at known pixels (the others are left 0:
/// the harmonic fill sets them). Horizontal window sums then vertical ones, a band of rows per
/// task written straight into the plane; the sums of whole 8-bit values are exact in f32, so
/// the result is the same as summing in f64.
fn box_blur_known(rgb: &[u8], known: &[bool], w: usize, h: usize, r: usize) -> Plane {
    let mut out = Plane::zeros(w, h);
    // A band of BAND rows is BAND / 2 rows of each parity.
    let half = BAND / 2 * w;
    let mut odd: Vec<&mut [Px]> = out.odd.chunks_mut(half).collect();
    let bands = out.even.len().div_ceil(half);
    while odd.len() < bands {
        odd.push(&mut []);
    }
    out.even
        .par_chunks_mut(half)
        .zip(odd.into_par_iter())
        .enumerate()
        .for_each(|(b, (even, odd))| {
            let (y0, y1) = (b * BAND, ((b + 1) * BAND).min(h));
            let (a0, a1) = (y0.saturating_sub(r), (y1 + r).min(h));
            let hs = horizontal_sums(rgb, known, w, (a0, a1), r);
            let mut sums = vec![[0f32; 4]; w];
            for y in y0..y1 {
                sums.fill([0.0; 4]);
                for t in y.saturating_sub(r)..(y + r + 1).min(h) {
                    for (o, s) in sums.iter_mut().zip(&hs[(t - a0) * w..(t - a0 + 1) * w]) {
                        for c in 0..4 {
                            o[c] += s[c];
                        }
                    }
                }
                let i = (y - y0) / 2 * w;
                let dst = if y.is_multiple_of(2) {
                    &mut even[i..i + w]
                } else {
                    &mut odd[i..i + w]
                };
                let k = &known[y * w..(y + 1) * w];
                for x in 0..w {
                    let n = sums[x][3];
                    if k[x] && n > 0.0 {
                        for c in 0..3 {
                            dst[x][c] = (f64::from(sums[x][c]) / f64::from(n)) as f32;
                        }
                    }
                }
            }
        });
    out
}

/// Horizontal window sums of radius `r` (value × known per channel, and known) of rows
/// `a0..a1`.
fn horizontal_sums(
    rgb: &[u8],
    known: &[bool],
    w: usize,
    (a0, a1): (usize, usize),
    r: usize,
) -> Vec<[f32; 4]> {
    let mut hs = vec![[0f32; 4]; (a1 - a0) * w];
    for y in a0..a1 {
        let (src, k) = (&rgb[y * w * 3..(y + 1) * w * 3], &known[y * w..(y + 1) * w]);
        let dst = &mut hs[(y - a0) * w..(y - a0 + 1) * w];
        let mut acc = [0f32; 4];
        let add = |acc: &mut [f32; 4], x: usize, sign: f32| {
            if k[x] {
                for c in 0..3 {
                    acc[c] += sign * f32::from(src[x * 3 + c]);
                }
                acc[3] += sign;
            }
        };
        for x in 0..r.min(w) {
            add(&mut acc, x, 1.0);
        }
        for x in 0..w {
            if x + r < w {
                add(&mut acc, x + r, 1.0);
            }
            if x > r {
                add(&mut acc, x - r - 1, -1.0);
            }
            dst[x] = acc;
        }
    }
    hs
}

/// Harmonic fill, in place: unknown pixels solve Laplace's equation (each is the mean of its
/// neighbours; image edges are reflecting), known pixels are fixed. Coarse-to-fine so large
/// holes converge; each level's sweeps are over-relaxed line Gauss–Seidel in zebra order (every
/// even row at once, then every odd row), so rows are swept in parallel and the result does not
/// depend on how many threads there are.
fn harmonic(v: &mut Plane, known: &[bool], runs: &[Vec<(usize, usize)>], w: usize, h: usize) {
    let sweeps = if w <= 24 || h <= 24 {
        let (mut s, mut n) = ([0f64; 3], 0f64);
        for y in 0..h {
            let row = v.row(y);
            for x in (0..w).filter(|&x| known[y * w + x]) {
                for k in 0..3 {
                    s[k] += f64::from(row[x][k]);
                }
                n += 1.0;
            }
        }
        let mean = [(s[0] / n) as f32, (s[1] / n) as f32, (s[2] / n) as f32];
        v.each_row(|y, row| {
            for &(x0, x1) in &runs[y] {
                row[x0..x1].fill(mean);
            }
        });
        600
    } else {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        // The coarse level: each 2×2 block's known pixels averaged.
        let mut coarse = Plane::zeros(cw, ch);
        let mut ck = vec![false; cw * ch];
        {
            let v = &*v;
            coarse.each_row(|cy, row| {
                for (cx, c) in row.iter_mut().enumerate() {
                    let (mut s, mut n) = ([0f32; 3], 0f32);
                    for y in 2 * cy..(2 * cy + 2).min(h) {
                        for x in 2 * cx..(2 * cx + 2).min(w) {
                            if known[y * w + x] {
                                let p = v.at(x, y);
                                for k in 0..3 {
                                    s[k] += p[k];
                                }
                                n += 1.0;
                            }
                        }
                    }
                    *c = [s[0] / n.max(1.0), s[1] / n.max(1.0), s[2] / n.max(1.0)];
                }
            });
        }
        for cy in 0..ch {
            for cx in 0..cw {
                ck[cy * cw + cx] = (2 * cy..(2 * cy + 2).min(h))
                    .any(|y| (2 * cx..(2 * cx + 2).min(w)).any(|x| known[y * w + x]));
            }
        }
        let coarse_runs = holes(&ck, cw, ch);
        harmonic(&mut coarse, &ck, &coarse_runs, cw, ch);
        // Unknown pixels start from a bilinear sample of the coarse solution.
        v.each_row(|y, row| {
            let fy = ((y as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (ch - 1) as f32);
            let y0 = fy as usize;
            let y1 = (y0 + 1).min(ch - 1);
            let ty = fy - y0 as f32;
            let (r0, r1) = (coarse.row(y0), coarse.row(y1));
            for &(a, b) in &runs[y] {
                for x in a..b {
                    let fx = ((x as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (cw - 1) as f32);
                    let x0 = fx as usize;
                    let x1 = (x0 + 1).min(cw - 1);
                    let tx = fx - x0 as f32;
                    for k in 0..3 {
                        let top = r0[x0][k] * (1.0 - tx) + r0[x1][k] * tx;
                        let bottom = r1[x0][k] * (1.0 - tx) + r1[x1][k] * tx;
                        row[x][k] = top * (1.0 - ty) + bottom * ty;
                    }
                }
            }
        });
        // The coarse solution already carries the fill's low frequencies: what is left at a
        // level of a megapixel or more is the interpolation's fine error, which a few sweeps
        // smooth (10 instead of 40 changed a 7.5 MP extension by 0.003 levels on average).
        if w * h > 1 << 20 {
            10
        } else {
            40
        }
    };
    for _ in 0..sweeps {
        for parity in [0, 1] {
            sweep(v, runs, h, parity);
        }
    }
}

/// Over-relaxation of the sweeps: converges several times faster than plain Gauss–Seidel.
const OMEGA: f32 = 1.6;

/// One half-sweep: every row of `parity` updated from its neighbours (the other parity's rows
/// above and below, and its own row, left to right).
fn sweep(v: &mut Plane, runs: &[Vec<(usize, usize)>], h: usize, parity: usize) {
    let w = v.w;
    let (mine, other) = if parity == 0 {
        (&mut v.even, &v.odd)
    } else {
        (&mut v.odd, &v.even)
    };
    let other_row = |y: usize| &other[(y / 2) * w..(y / 2 + 1) * w];
    // Rows in tasks of several: one row's work is a microsecond, about what handing it to
    // another thread costs.
    let min_rows = (4096 / w.max(1)).max(1);
    mine.par_chunks_mut(w)
        .with_min_len(min_rows)
        .enumerate()
        .for_each(|(i, row)| {
            let y = 2 * i + parity;
            if runs[y].is_empty() {
                return;
            }
            let up = (y > 0).then(|| other_row(y - 1));
            let down = (y + 1 < h).then(|| other_row(y + 1));
            for &(x0, x1) in &runs[y] {
                // A run clear of the image's edges, with rows above and below: every pixel has
                // four neighbours, and the loop has no test in it.
                if let (Some(u), Some(d), true, true) = (up, down, x0 > 0, x1 < w) {
                    for x in x0..x1 {
                        for k in 0..3 {
                            let mean = (row[x - 1][k] + row[x + 1][k] + u[x][k] + d[x][k]) * 0.25;
                            row[x][k] += OMEGA * (mean - row[x][k]);
                        }
                    }
                    continue;
                }
                for x in x0..x1 {
                    let mut s = [0f32; 3];
                    let mut n = 0f32;
                    let mut add = |p: &Px| {
                        for k in 0..3 {
                            s[k] += p[k];
                        }
                        n += 1.0;
                    };
                    if x > 0 {
                        add(&row[x - 1]);
                    }
                    if x + 1 < w {
                        add(&row[x + 1]);
                    }
                    if let Some(u) = up {
                        add(&u[x]);
                    }
                    if let Some(d) = down {
                        add(&d[x]);
                    }
                    for k in 0..3 {
                        row[x][k] += OMEGA * (s[k] / n - row[x][k]);
                    }
                }
            }
        });
}

/// The texture layer is kept as 16-bit fixed point: 1/64 of a level, ±512 levels of range
/// (a residual of 8-bit values is within ±255).
const TEX_SCALE: f32 = 64.0;

/// The quilted texture: per pixel, the residual placed there in [`TEX_SCALE`] units.
struct Texture {
    rows: Vec<[i16; 3]>,
}

/// What quilting reads: the image, its structure layer and which pixels are known.
struct Layers<'a> {
    rgb: &'a [u8],
    structure: &'a Plane,
    known: &'a [bool],
    w: usize,
    h: usize,
}

impl Layers<'_> {
    /// A known pixel's residual (its value less its low frequencies).
    fn residual(&self, x: usize, y: usize) -> Px {
        let i = y * self.w + x;
        let l = self.structure.at(x, y);
        [
            f32::from(self.rgb[i * 3]) - l[0],
            f32::from(self.rgb[i * 3 + 1]) - l[1],
            f32::from(self.rgb[i * 3 + 2]) - l[2],
        ]
    }
}

fn to_tex(p: Px) -> [i16; 3] {
    p.map(|v| (v * TEX_SCALE).round().clamp(-32768.0, 32767.0) as i16)
}

fn from_tex(t: [i16; 3]) -> Px {
    t.map(|v| f32::from(v) / TEX_SCALE)
}

/// Image quilting of the residual into the unknown pixels (Efros & Freeman): blocks in raster
/// order, each the best of 48 fully known source blocks (drawn in a fixed order, their match
/// costs computed in parallel, the first lowest kept) by how well it matches what is already
/// in place on its overlap and the structure where it lands, feathered into its neighbours.
fn quilt(l: &Layers<'_>, seed: u64) -> Texture {
    const B: usize = 24;
    const O: usize = 6;
    const CANDIDATES: usize = 48;
    let (w, h, known) = (l.w, l.h, l.known);
    let mut tex = Texture {
        rows: vec![[0; 3]; w * h],
    };
    if w < B || h < B {
        return tex;
    }
    let full = |x: usize, y: usize| {
        (y..y + B).all(|yy| known[yy * w + x..yy * w + x + B].iter().all(|&k| k))
    };
    let mut rng = darkroom_core::rand::SplitMix64(seed ^ darkroom_core::rand::GAMMA);
    let mut rand = move |n: usize| rng.below(n);
    // A pool of fully known source blocks, found once; each with its residual, so a candidate
    // is compared without recomputing it.
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
    if pool.is_empty() {
        return tex;
    }
    let blocks: Vec<Vec<Px>> = pool
        .par_iter()
        .map(|&(sx, sy)| {
            (0..B * B)
                .map(|j| l.residual(sx + j % B, sy + j / B))
                .collect()
        })
        .collect();
    let mut have: Vec<bool> = known.to_vec();
    let step = B - O;
    let mut by = 0;
    loop {
        let y0 = by.min(h - B);
        let mut bx = 0;
        loop {
            let x0 = bx.min(w - B);
            let needs = (0..B).any(|dy| {
                !known[(y0 + dy) * w + x0..(y0 + dy) * w + x0 + B]
                    .iter()
                    .all(|&k| k)
            });
            if needs {
                let picks: Vec<usize> = (0..CANDIDATES).map(|_| rand(pool.len())).collect();
                // What is in place on the block (a known pixel's residual, or placed texture),
                // and 1 where there is something, 0 where not: the cost loop has no test in it.
                let placed: Vec<(Px, f32)> = (0..B * B)
                    .map(|j| {
                        let (x, y) = (x0 + j % B, y0 + j / B);
                        let t = y * w + x;
                        if known[t] {
                            (l.residual(x, y), 1.0)
                        } else if have[t] {
                            (from_tex(tex.rows[t]), 1.0)
                        } else {
                            ([0.0; 3], 0.0)
                        }
                    })
                    .collect();
                let best = picks
                    .par_iter()
                    .enumerate()
                    .map(|(order, &p)| (cost(l, &placed, &blocks[p], pool[p], (x0, y0)), order))
                    .reduce(
                        || (f32::INFINITY, usize::MAX),
                        |a, b| {
                            if b.0 < a.0 || (b.0 == a.0 && b.1 < a.1) {
                                b
                            } else {
                                a
                            }
                        },
                    );
                let p = picks[best.1.min(CANDIDATES - 1)];
                let src = &blocks[p];
                for dy in 0..B {
                    for dx in 0..B {
                        let t = (y0 + dy) * w + x0 + dx;
                        if known[t] {
                            continue;
                        }
                        let s = src[dy * B + dx];
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
                            let old = from_tex(tex.rows[t]);
                            tex.rows[t] = to_tex([
                                old[0] * (1.0 - a) + s[0] * a,
                                old[1] * (1.0 - a) + s[1] * a,
                                old[2] * (1.0 - a) + s[2] * a,
                            ]);
                        } else {
                            tex.rows[t] = to_tex(s);
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
    tex
}

/// How badly a source block fits at `(x0, y0)`: squared differences with what is in place,
/// plus (weighted, every third pixel) between its low frequencies and the structure there.
fn cost(
    l: &Layers<'_>,
    placed: &[(Px, f32)],
    block: &[Px],
    (sx, sy): (usize, usize),
    (x0, y0): (usize, usize),
) -> f32 {
    const B: usize = 24;
    // Weight of the context term: how well the source block's low frequencies match the
    // structure layer where it lands (sampled every 3rd pixel).
    const CONTEXT: f32 = 2.0;
    let mut c = 0f32;
    for ((p, m), s) in placed.iter().zip(block) {
        let (d0, d1, d2) = (p[0] - s[0], p[1] - s[1], p[2] - s[2]);
        c += m * (d0 * d0 + d1 * d1 + d2 * d2);
    }
    for dy in (0..B).step_by(3) {
        for dx in (0..B).step_by(3) {
            let (t, s) = (
                l.structure.at(x0 + dx, y0 + dy),
                l.structure.at(sx + dx, sy + dy),
            );
            for k in 0..3 {
                let d = t[k] - s[k];
                c += CONTEXT * d * d;
            }
        }
    }
    c
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

    /// Deterministic: the same pixels on one thread as on four (rows are swept in zebra order
    /// and the best block is the first lowest cost, whoever computed it).
    #[test]
    fn extend_is_the_same_on_one_thread_as_on_four() {
        let mut img = gradient(200, 120);
        // Some texture for the quilting to copy.
        for (i, v) in img.rgb.iter_mut().enumerate() {
            *v = v.wrapping_add(((i * 2_654_435_761) >> 13) as u8 % 23);
        }
        let on = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(|| extend(&img, 16.0 / 9.0))
        };
        let (one, four) = (on(1), on(4));
        assert_eq!(one.width, 213);
        assert!(one.rgb == four.rgb, "the threads changed the pixels");
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

//! Perceptual hash (DCT, 64 bit), as `imagehash.phash` computes it, and Hamming distance.
//!
//! Luma → 32×32 (area average) → 2D DCT-II → the top-left 8×8 coefficients → one bit per
//! coefficient: above their median or not. Near-duplicates differ in a few bits.

use crate::metrics::gray;
use crate::png_io::RgbImage;

/// The 64-bit perceptual hash of an image.
pub fn phash(img: &RgbImage) -> u64 {
    let (w, h) = (img.width as usize, img.height as usize);
    if w == 0 || h == 0 {
        return 0;
    }
    let g = gray(img);
    const N: usize = 32;
    let mut small = [[0f64; N]; N];
    let mut cnt = [[0f64; N]; N];
    for y in 0..h {
        let ty = (y * N / h).min(N - 1);
        for x in 0..w {
            let tx = (x * N / w).min(N - 1);
            small[ty][tx] += f64::from(g[y * w + x]);
            cnt[ty][tx] += 1.0;
        }
    }
    for (r, c) in small.iter_mut().zip(&cnt) {
        for (v, n) in r.iter_mut().zip(c) {
            *v /= n.max(1.0);
        }
    }
    // Separable DCT-II; only the first 8 frequencies are needed on each axis.
    let mut cos = [[0f64; N]; 8];
    for (k, row) in cos.iter_mut().enumerate() {
        for (n, v) in row.iter_mut().enumerate() {
            *v = (std::f64::consts::PI * (2 * n + 1) as f64 * k as f64 / (2 * N) as f64).cos();
        }
    }
    let mut rows = [[0f64; 8]; N];
    for y in 0..N {
        for k in 0..8 {
            rows[y][k] = (0..N).map(|x| small[y][x] * cos[k][x]).sum();
        }
    }
    let mut coef = [0f64; 64];
    for ky in 0..8 {
        for kx in 0..8 {
            coef[ky * 8 + kx] = (0..N).map(|y| rows[y][kx] * cos[ky][y]).sum();
        }
    }
    let mut sorted = coef;
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[31] + sorted[32]) / 2.0;
    coef.iter().enumerate().fold(
        0u64,
        |h, (i, &c)| if c > median { h | 1 << (63 - i) } else { h },
    )
}

/// Number of differing bits.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(shift: u32, bright: u8) -> RgbImage {
        let (w, h) = (128u32, 128u32);
        let rgb = (0..h)
            .flat_map(|y| {
                (0..w).flat_map(move |x| {
                    let inside = (x + shift).abs_diff(50).pow(2) + y.abs_diff(60).pow(2) < 900;
                    let v = if inside { 200u8 } else { (y / 2) as u8 };
                    [v.saturating_add(bright); 3]
                })
            })
            .collect();
        RgbImage {
            width: w,
            height: h,
            rgb,
            text: vec![],
        }
    }

    #[test]
    fn near_duplicates_are_close_and_different_images_far() {
        let a = phash(&scene(0, 0));
        assert!(hamming(a, phash(&scene(2, 3))) <= 6);
        let other = RgbImage {
            width: 64,
            height: 64,
            rgb: (0..64 * 64)
                .flat_map(|i| [((i * 37) % 251) as u8; 3])
                .collect(),
            text: vec![],
        };
        assert!(hamming(a, phash(&other)) > 12);
    }
}

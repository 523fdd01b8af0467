//! Image quality metrics: sharpness (variance of the Laplacian) and exposure clipping.

use crate::png_io::RgbImage;

/// Luma (Rec. 601, as OpenCV's RGB2GRAY) of every pixel.
pub fn gray(img: &RgbImage) -> Vec<f32> {
    img.rgb
        .chunks_exact(3)
        .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
        .collect()
}

/// Variance of the 4-neighbour Laplacian of the luma (OpenCV's `Laplacian(CV_64F).var()` with
/// its default 3×3 aperture, borders reflected), on the image as given.
pub fn laplacian_variance(g: &[f32], w: usize, h: usize) -> f64 {
    if w < 2 || h < 2 {
        return 0.0;
    }
    let at = |x: isize, y: isize| -> f32 {
        // BORDER_REFLECT_101
        let rx = if x < 0 {
            -x
        } else if x >= w as isize {
            2 * w as isize - 2 - x
        } else {
            x
        };
        let ry = if y < 0 {
            -y
        } else if y >= h as isize {
            2 * h as isize - 2 - y
        } else {
            y
        };
        g[ry as usize * w + rx as usize]
    };
    let (mut s, mut s2) = (0f64, 0f64);
    for y in 0..h as isize {
        for x in 0..w as isize {
            let l = f64::from(
                at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y),
            );
            s += l;
            s2 += l * l;
        }
    }
    let n = (w * h) as f64;
    (s2 / n - (s / n).powi(2)).max(0.0)
}

/// Sharpness in 0..1, comparable across image sizes: the Laplacian variance measured on the
/// image area-averaged to a 512 px long side (so a 4K and a 1K render of one scene score
/// alike), mapped through v / (v + 100).
pub fn sharpness(img: &RgbImage) -> (f64, f64) {
    let (w, h) = (img.width as usize, img.height as usize);
    let g = gray(img);
    let raw = if w.max(h) > 512 {
        let s = w.max(h) as f64 / 512.0;
        let (tw, th) = (
            ((w as f64 / s).round() as usize).max(2),
            ((h as f64 / s).round() as usize).max(2),
        );
        let mut small = vec![0f32; tw * th];
        let mut n = vec![0f32; tw * th];
        for y in 0..h {
            let ty = (y * th / h).min(th - 1);
            for x in 0..w {
                let tx = (x * tw / w).min(tw - 1);
                small[ty * tw + tx] += g[y * w + x];
                n[ty * tw + tx] += 1.0;
            }
        }
        for (v, c) in small.iter_mut().zip(&n) {
            *v /= c.max(1.0);
        }
        laplacian_variance(&small, tw, th)
    } else {
        laplacian_variance(&g, w, h)
    };
    (raw / (raw + 100.0), raw)
}

/// Exposure clipping: `(share of crushed shadows, share of blown highlights)`, a pixel counting
/// when all three channels are at most 2 or at least 253. A saturated colour with one channel
/// at 0 or 255 (brand blue #0047AB, amber #FFB000) is not clipped exposure.
pub fn clipping(img: &RgbImage) -> (f64, f64) {
    let n = (img.rgb.len() / 3).max(1) as f64;
    let (mut lo, mut hi) = (0u64, 0u64);
    for p in img.rgb.chunks_exact(3) {
        lo += u64::from(p.iter().all(|&c| c <= 2));
        hi += u64::from(p.iter().all(|&c| c >= 253));
    }
    (lo as f64 / n, hi as f64 / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> RgbImage {
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(&[f(x, y); 3]);
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
    fn sharp_beats_blurry_and_sizes_compare() {
        let checker = |s: u32| {
            move |x: u32, y: u32| {
                if (x / s + y / s).is_multiple_of(2) {
                    40
                } else {
                    220
                }
            }
        };
        let smooth = |x: u32, _y: u32| (x % 256) as u8;
        let (sharp, _) = sharpness(&img(256, 256, checker(4)));
        let (soft, _) = sharpness(&img(256, 256, smooth));
        assert!(sharp > 0.9 && soft < 0.1, "sharp {sharp} soft {soft}");
        // The same pattern at 4× the size (scaled) scores alike.
        let (big, _) = sharpness(&img(1024, 1024, checker(16)));
        let (small, _) = sharpness(&img(512, 512, checker(8)));
        assert!((big - small).abs() < 0.05, "{big} vs {small}");
    }

    #[test]
    fn clipping_counts_extremes() {
        let (lo, hi) = clipping(&img(10, 10, |x, _| {
            if x == 0 {
                0
            } else if x == 9 {
                255
            } else {
                100
            }
        }));
        assert!((lo - 0.1).abs() < 1e-9 && (hi - 0.1).abs() < 1e-9);
    }
}

//! Transparency, kept through the single-file commands: the pipeline works on RGB, so the alpha
//! channel is read beside it, carried through the same geometry (resized with the same filter,
//! extended with the same fill) and written back. A transparent logo graded, upscaled or
//! extended stays transparent instead of gaining the black its hidden pixels happen to hold.

use std::path::Path;

use crate::{DecodeError, Limits, RgbImage};

/// The alpha channel of an image file, `None` when the image is opaque. A caller that also
/// wants the colour reads both in one decode with [`crate::read_image_with_alpha`].
pub fn read_alpha(path: &Path, limits: Limits) -> Result<Option<Vec<u8>>, DecodeError> {
    crate::read_image_with_alpha(path, limits).map(|(_, alpha)| alpha)
}

fn as_gray(alpha: &[u8], width: u32, height: u32) -> RgbImage {
    RgbImage {
        width,
        height,
        rgb: alpha.iter().flat_map(|&a| [a, a, a]).collect(),
        text: Vec::new(),
    }
}

fn channel(img: &RgbImage) -> Vec<u8> {
    img.rgb.chunks_exact(3).map(|p| p[0]).collect()
}

/// The alpha channel resized with the same Lanczos3 filter as the colour.
pub fn resize(alpha: &[u8], width: u32, height: u32, to_w: u32, to_h: u32) -> Vec<u8> {
    channel(&crate::resize::lanczos3(
        &as_gray(alpha, width, height),
        to_w,
        to_h,
    ))
}

/// The alpha channel extended to an aspect ratio with the same fill as the colour: a transparent
/// surround stays transparent, an opaque image stays opaque.
pub fn extend(alpha: &[u8], width: u32, height: u32, aspect: f64) -> Vec<u8> {
    channel(&crate::fill::extend(&as_gray(alpha, width, height), aspect))
}

pub use crate::png_io::encode_png_rgba;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rgba_png_round_trips_its_alpha_and_an_opaque_one_has_none() {
        let dir = std::env::temp_dir().join(format!("darkroom-alpha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (w, h) = (4u32, 2u32);
        let rgb = vec![10u8; 24];
        let alpha = vec![0, 64, 128, 255, 255, 255, 0, 0];
        let p = dir.join("a.png");
        std::fs::write(&p, encode_png_rgba(w, h, &rgb, &alpha, &[]).unwrap()).unwrap();
        assert_eq!(read_alpha(&p, Limits::default()).unwrap(), Some(alpha));
        let q = dir.join("b.png");
        std::fs::write(&q, encode_png_rgba(w, h, &rgb, &[255; 8], &[]).unwrap()).unwrap();
        assert_eq!(read_alpha(&q, Limits::default()).unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn resized_and_extended_alpha_keeps_transparent_surrounds_transparent() {
        // A 16×16 opaque square in a 32×32 transparent field.
        let (w, h) = (32u32, 32u32);
        let alpha: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if (8..24).contains(&x) && (8..24).contains(&y) {
                    255
                } else {
                    0
                }
            })
            .collect();
        let big = resize(&alpha, w, h, 64, 64);
        assert_eq!(big.len(), 64 * 64);
        assert_eq!(big[0], 0);
        assert_eq!(big[32 * 64 + 32], 255);
        let wide = extend(&alpha, w, h, 2.0);
        assert_eq!(wide.len(), 64 * 32);
        assert!(wide.iter().step_by(7).filter(|&&a| a > 32).count() < wide.len() / 7 / 2);
        assert_eq!(wide[16 * 64 + 32], 255, "the original square is kept");
    }
}

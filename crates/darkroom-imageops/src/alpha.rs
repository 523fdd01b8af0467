//! Transparency, kept through the single-file commands: the pipeline works on RGB, so the alpha
//! channel is read beside it, carried through the same geometry (resized with the same filter,
//! extended with the same fill) and written back. A transparent logo graded, upscaled or
//! extended stays transparent instead of gaining the black its hidden pixels happen to hold.

use std::io::Cursor;
use std::path::Path;

use crate::{DecodeError, Limits, RgbImage};

/// The alpha channel of an image file (PNG with an alpha channel or `tRNS`, WebP with alpha),
/// one byte per pixel; `None` when the image is opaque.
pub fn read_alpha(path: &Path, limits: Limits) -> Result<Option<Vec<u8>>, DecodeError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DecodeError::Read {
        name: name.clone(),
        source,
    })?;
    let corrupt = |why: String| DecodeError::Corrupt {
        name: name.clone(),
        why,
    };
    let alpha: Vec<u8> = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut dec = png::Decoder::new(Cursor::new(&bytes));
        dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = dec.read_info().map_err(|e| corrupt(e.to_string()))?;
        let (w, h) = (reader.info().width, reader.info().height);
        if u64::from(w) * u64::from(h) > limits.max_pixels {
            return Err(DecodeError::TooLarge {
                name,
                width: w,
                height: h,
                limit: limits.max_pixels,
            });
        }
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader
            .next_frame(&mut buf)
            .map_err(|e| corrupt(e.to_string()))?;
        let data = &buf[..frame.buffer_size()];
        match frame.color_type {
            png::ColorType::Rgba => data.chunks_exact(4).map(|p| p[3]).collect(),
            png::ColorType::GrayscaleAlpha => data.chunks_exact(2).map(|p| p[1]).collect(),
            _ => return Ok(None),
        }
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP)
            .map_err(|e| corrupt(e.to_string()))?;
        if !img.color().has_alpha() {
            return Ok(None);
        }
        img.to_rgba8().pixels().map(|p| p.0[3]).collect()
    } else {
        return Ok(None);
    };
    Ok(alpha.iter().any(|&a| a != 255).then_some(alpha))
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

/// Encodes RGB plus alpha as an RGBA PNG with text metadata (as [`crate::encode_png`]).
pub fn encode_png_rgba(
    width: u32,
    height: u32,
    rgb: &[u8],
    alpha: &[u8],
    text: &[(&str, &str)],
) -> Result<Vec<u8>, crate::PngError> {
    let n = width as usize * height as usize;
    if rgb.len() != n * 3 || alpha.len() != n {
        return Err(crate::PngError::Encode(format!(
            "{} colour and {} alpha bytes given for {width}x{height}",
            rgb.len(),
            alpha.len()
        )));
    }
    let rgba: Vec<u8> = rgb
        .chunks_exact(3)
        .zip(alpha)
        .flat_map(|(p, &a)| [p[0], p[1], p[2], a])
        .collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        for (k, v) in text {
            let r = if v.is_ascii() {
                enc.add_text_chunk((*k).to_string(), (*v).to_string())
            } else {
                enc.add_itxt_chunk((*k).to_string(), (*v).to_string())
            };
            r.map_err(|e| crate::PngError::Encode(e.to_string()))?;
        }
        let mut w = enc
            .write_header()
            .map_err(|e| crate::PngError::Encode(e.to_string()))?;
        w.write_image_data(&rgba)
            .map_err(|e| crate::PngError::Encode(e.to_string()))?;
        w.finish()
            .map_err(|e| crate::PngError::Encode(e.to_string()))?;
    }
    Ok(out)
}

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

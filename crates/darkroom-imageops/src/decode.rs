//! Decoding PNG, JPEG and WebP into 8-bit RGB with limits.
//!
//! The format is sniffed from the bytes, not the file name. Limits bound the pixel count and the
//! memory a decoder may allocate, so a decompression bomb (a small file declaring a huge image)
//! is refused before any large allocation; truncated or corrupt files are errors that name the
//! file. Nothing here panics on any input.

use std::io::Cursor;
use std::path::Path;

use crate::png_io::{decode_png_alpha, PngError, RgbImage};

/// Decode limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted width × height.
    pub max_pixels: u64,
    /// Largest allocation a decoder may make, in bytes.
    pub max_bytes: u64,
}

impl Default for Limits {
    /// 64 megapixels (8192²) and 1 GiB.
    fn default() -> Self {
        Limits {
            max_pixels: 8192 * 8192,
            max_bytes: 1 << 30,
        }
    }
}

/// An image that could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be read.
    #[error("cannot read `{name}`: {source}")]
    Read {
        /// The file.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a PNG, JPEG or WebP.
    #[error("`{name}` is not a PNG, JPEG or WebP image")]
    Format {
        /// The file.
        name: String,
    },
    /// Over the limits.
    #[error("`{name}` is {width}x{height} pixels, over the limit of {limit} pixels (a decompression bomb or simply too large)")]
    TooLarge {
        /// The file.
        name: String,
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The limit.
        limit: u64,
    },
    /// Corrupt or truncated.
    #[error("`{name}` is corrupt or truncated: {why}")]
    Corrupt {
        /// The file.
        name: String,
        /// The decoder's explanation.
        why: String,
    },
}

/// Decodes bytes; `name` is used in errors.
pub fn decode(bytes: &[u8], name: &str, limits: Limits) -> Result<RgbImage, DecodeError> {
    decode_with_alpha(bytes, name, limits).map(|(img, _)| img)
}

/// [`decode`], keeping the alpha channel when the image has transparency (PNG with alpha or
/// `tRNS`, WebP with alpha); `None` when it is opaque.
pub fn decode_with_alpha(
    bytes: &[u8],
    name: &str,
    limits: Limits,
) -> Result<(RgbImage, Option<Vec<u8>>), DecodeError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return decode_png_alpha(bytes, name, limits.max_pixels).map_err(|e| match e {
            PngError::TooLarge {
                width,
                height,
                limit,
                ..
            } => DecodeError::TooLarge {
                name: name.into(),
                width,
                height,
                limit,
            },
            PngError::Decode { why, .. } => DecodeError::Corrupt {
                name: name.into(),
                why,
            },
            other => DecodeError::Corrupt {
                name: name.into(),
                why: other.to_string(),
            },
        });
    }
    let format = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        image::ImageFormat::Jpeg
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        image::ImageFormat::WebP
    } else {
        return Err(DecodeError::Format { name: name.into() });
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut lim = image::Limits::default();
    lim.max_alloc = Some(limits.max_bytes);
    reader.limits(lim);
    let corrupt = |why: String| DecodeError::Corrupt {
        name: name.into(),
        why,
    };
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| corrupt(e.to_string()))?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(DecodeError::TooLarge {
            name: name.into(),
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut lim = image::Limits::default();
    lim.max_alloc = Some(limits.max_bytes);
    lim.max_image_width = Some(width);
    lim.max_image_height = Some(height);
    reader.limits(lim);
    let img = reader.decode().map_err(|e| corrupt(e.to_string()))?;
    let alpha = img
        .color()
        .has_alpha()
        .then(|| img.to_rgba8().pixels().map(|p| p.0[3]).collect::<Vec<u8>>())
        .filter(|a| a.iter().any(|&v| v != 255));
    let rgb = img.to_rgb8();
    Ok((
        RgbImage {
            width,
            height,
            rgb: rgb.into_raw(),
            text: Vec::new(),
        },
        alpha,
    ))
}

/// Reads and decodes a file.
pub fn read_image(path: &Path, limits: Limits) -> Result<RgbImage, DecodeError> {
    read_image_with_alpha(path, limits).map(|(img, _)| img)
}

/// Reads and decodes a file, keeping its alpha channel ([`decode_with_alpha`]).
pub fn read_image_with_alpha(
    path: &Path,
    limits: Limits,
) -> Result<(RgbImage, Option<Vec<u8>>), DecodeError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DecodeError::Read {
        name: name.clone(),
        source,
    })?;
    decode_with_alpha(&bytes, &name, limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 128]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    #[test]
    fn decodes_png_and_jpeg() {
        let png = crate::encode_png(3, 2, &[9; 18], &[]).unwrap();
        let p = decode(&png, "a.png", Limits::default()).unwrap();
        assert_eq!((p.width, p.height, p.rgb.len()), (3, 2, 18));
        let j = decode(&jpeg(32, 16), "a.jpg", Limits::default()).unwrap();
        assert_eq!((j.width, j.height), (32, 16));
        let src =
            image::RgbImage::from_fn(8, 4, |x, y| image::Rgb([(x * 30) as u8, (y * 60) as u8, 7]));
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(src.as_raw(), 8, 4, image::ExtendedColorType::Rgb8)
            .unwrap();
        let w = decode(&webp, "a.webp", Limits::default()).unwrap();
        assert_eq!((w.width, w.height), (8, 4));
        assert_eq!(w.rgb, src.into_raw(), "lossless WebP decodes exactly");
        let e = decode(&webp[..webp.len() / 2], "cut.webp", Limits::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("cut.webp"), "{e}");
    }

    #[test]
    fn refuses_bombs_truncation_and_garbage() {
        let lim = Limits {
            max_pixels: 100,
            max_bytes: 1 << 20,
        };
        let e = decode(&jpeg(32, 16), "big.jpg", lim)
            .unwrap_err()
            .to_string();
        assert!(e.contains("big.jpg") && e.contains("over the limit"), "{e}");
        // A PNG header declaring 100000x100000 pixels is refused before decoding.
        let mut bomb = crate::encode_png(1, 1, &[0; 3], &[]).unwrap();
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let e = decode(&bomb, "bomb.png", Limits::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("bomb.png"), "{e}");
        let j = jpeg(64, 64);
        let e = decode(&j[..j.len() / 3], "cut.jpg", Limits::default());
        assert!(e.is_err(), "a truncated JPEG is an error");
        assert!(e.unwrap_err().to_string().contains("cut.jpg"));
        assert!(matches!(
            decode(b"hello", "x.txt", Limits::default()),
            Err(DecodeError::Format { .. })
        ));
        assert!(decode(&[], "empty.png", Limits::default()).is_err());
    }
}

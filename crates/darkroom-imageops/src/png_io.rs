//! PNG in and out, 8-bit RGB, with text metadata and decode limits.

use std::io::Cursor;
use std::path::{Path, PathBuf};

/// An 8-bit sRGB image, row-major, 3 bytes per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixel bytes.
    pub rgb: Vec<u8>,
    /// Text chunks (`tEXt`, `zTXt`, `iTXt`) as key/value pairs, in file order.
    pub text: Vec<(String, String)>,
}

/// A PNG that could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The file could not be created or written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The bytes are not a PNG darkroom can decode.
    #[error("`{name}` is not a readable PNG: {why}")]
    Decode {
        /// The file (or a description of the buffer).
        name: String,
        /// Why.
        why: String,
    },
    /// The image is larger than the limit.
    #[error("`{name}` is {width}x{height} pixels, over the limit of {limit} pixels")]
    TooLarge {
        /// The file.
        name: String,
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The pixel-count limit.
        limit: u64,
    },
    /// The encoder failed (wrong buffer length, bad metadata).
    #[error("cannot encode PNG: {0}")]
    Encode(String),
}

/// Encodes 8-bit RGB pixels as PNG with text metadata. Keys must be 1–79 Latin-1 characters;
/// values that are not plain ASCII go into `iTXt` chunks (UTF-8).
pub fn encode_png(
    width: u32,
    height: u32,
    rgb: &[u8],
    text: &[(&str, &str)],
) -> Result<Vec<u8>, PngError> {
    if rgb.len() != width as usize * height as usize * 3 {
        return Err(PngError::Encode(format!(
            "{} bytes given for {width}x{height} RGB ({} expected)",
            rgb.len(),
            width as usize * height as usize * 3
        )));
    }
    encode(width, height, rgb, png::ColorType::Rgb, text)
}

/// Encodes 8-bit RGB pixels plus an alpha channel as an RGBA PNG, with text metadata as
/// [`encode_png`].
pub fn encode_png_rgba(
    width: u32,
    height: u32,
    rgb: &[u8],
    alpha: &[u8],
    text: &[(&str, &str)],
) -> Result<Vec<u8>, PngError> {
    let n = width as usize * height as usize;
    if rgb.len() != n * 3 || alpha.len() != n {
        return Err(PngError::Encode(format!(
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
    encode(width, height, &rgba, png::ColorType::Rgba, text)
}

/// The one PNG writer: 8-bit samples of `color`, fast compression, text as `tEXt` (ASCII) or
/// `iTXt` (anything else).
fn encode(
    width: u32,
    height: u32,
    data: &[u8],
    color: png::ColorType,
    text: &[(&str, &str)],
) -> Result<Vec<u8>, PngError> {
    let rgb = data;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        // Fast compression: previews are written often and read rarely.
        enc.set_compression(png::Compression::Fast);
        for (k, v) in text {
            let r = if v.is_ascii() {
                enc.add_text_chunk((*k).to_string(), (*v).to_string())
            } else {
                enc.add_itxt_chunk((*k).to_string(), (*v).to_string())
            };
            r.map_err(|e| PngError::Encode(e.to_string()))?;
        }
        let mut w = enc
            .write_header()
            .map_err(|e| PngError::Encode(e.to_string()))?;
        w.write_image_data(rgb)
            .map_err(|e| PngError::Encode(e.to_string()))?;
        w.finish().map_err(|e| PngError::Encode(e.to_string()))?;
    }
    Ok(out)
}

/// Encodes and writes a PNG file.
pub fn write_png(
    path: &Path,
    width: u32,
    height: u32,
    rgb: &[u8],
    text: &[(&str, &str)],
) -> Result<(), PngError> {
    let bytes = encode_png(width, height, rgb, text)?;
    std::fs::write(path, bytes).map_err(|source| PngError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Decodes a PNG buffer into 8-bit RGB, refusing images over `max_pixels`.
pub fn decode_png(bytes: &[u8], name: &str, max_pixels: u64) -> Result<RgbImage, PngError> {
    decode_png_alpha(bytes, name, max_pixels).map(|(img, _)| img)
}

/// [`decode_png`], keeping the alpha channel (one byte a pixel) when the image has any
/// transparency; `None` when it is opaque.
pub fn decode_png_alpha(
    bytes: &[u8],
    name: &str,
    max_pixels: u64,
) -> Result<(RgbImage, Option<Vec<u8>>), PngError> {
    let derr = |why: String| PngError::Decode {
        name: name.to_string(),
        why,
    };
    let mut dec = png::Decoder::new(Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(|e| derr(e.to_string()))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(PngError::TooLarge {
            name: name.to_string(),
            width,
            height,
            limit: max_pixels,
        });
    }
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| derr(e.to_string()))?;
    let text = text_of(reader.info());
    let data = &buf[..frame.buffer_size()];
    let alpha: Option<Vec<u8>> = match frame.color_type {
        png::ColorType::Rgba => Some(data.chunks_exact(4).map(|p| p[3]).collect()),
        png::ColorType::GrayscaleAlpha => Some(data.chunks_exact(2).map(|p| p[1]).collect()),
        _ => None,
    }
    .filter(|a: &Vec<u8>| a.iter().any(|&v| v != 255));
    let rgb: Vec<u8> = match frame.color_type {
        png::ColorType::Rgb => data.to_vec(),
        png::ColorType::Rgba => data
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        png::ColorType::Grayscale => data.iter().flat_map(|&g| [g, g, g]).collect(),
        png::ColorType::GrayscaleAlpha => data
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0]])
            .collect(),
        png::ColorType::Indexed => return Err(derr("indexed colour was not expanded".into())),
    };
    Ok((
        RgbImage {
            width,
            height,
            rgb,
            text,
        },
        alpha,
    ))
}

/// Reads and decodes a PNG file.
pub fn read_png(path: &Path, max_pixels: u64) -> Result<RgbImage, PngError> {
    let bytes = std::fs::read(path).map_err(|source| PngError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    decode_png(&bytes, &path.display().to_string(), max_pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_text() {
        let rgb: Vec<u8> = (0..4 * 3 * 3).map(|i| i as u8 * 7).collect();
        let bytes =
            encode_png(4, 3, &rgb, &[("prompt", "a red sphere"), ("note", "ΔE ok")]).unwrap();
        let img = decode_png(&bytes, "mem", 1 << 20).unwrap();
        assert_eq!((img.width, img.height), (4, 3));
        assert_eq!(img.rgb, rgb);
        assert!(img.text.contains(&("prompt".into(), "a red sphere".into())));
        assert!(img.text.contains(&("note".into(), "ΔE ok".into())));
    }

    #[test]
    fn limits_and_garbage() {
        let bytes = encode_png(10, 10, &[0; 300], &[]).unwrap();
        assert!(matches!(
            decode_png(&bytes, "big.png", 99),
            Err(PngError::TooLarge { .. })
        ));
        let e = decode_png(&bytes[..bytes.len() / 2], "cut.png", 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cut.png"), "{e}");
        assert!(decode_png(b"not a png", "x.png", 100).is_err());
        assert!(encode_png(2, 2, &[0; 5], &[]).is_err());
    }
}

/// The text chunks of a PNG (`tEXt`, and uncompressed or compressed `iTXt`), read from the
/// chunks before its image data without decoding a pixel.
pub fn png_text(bytes: &[u8]) -> Vec<(String, String)> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_limits(png::Limits { bytes: 64 << 20 });
    let Ok(reader) = dec.read_info() else {
        return Vec::new();
    };
    text_of(reader.info())
}

/// The `tEXt` and `iTXt` chunks a decoder has read.
fn text_of(info: &png::Info<'_>) -> Vec<(String, String)> {
    let mut text: Vec<(String, String)> = info
        .uncompressed_latin1_text
        .iter()
        .map(|t| (t.keyword.clone(), t.text.clone()))
        .collect();
    for t in &info.utf8_text {
        if let Ok(v) = t.get_text() {
            text.push((t.keyword.clone(), v));
        }
    }
    text
}

/// `png` with text chunks added after its header (`tEXt` for ASCII, uncompressed `iTXt`
/// otherwise), a chunk of the same keyword already there replaced: how a label is carried onto
/// a file another step encoded, without encoding its pixels again.
pub fn with_png_text(png: &[u8], text: &[(&str, &str)]) -> Result<Vec<u8>, PngError> {
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    let bad = |why: &str| PngError::Encode(format!("adding text to a PNG: {why}"));
    if !png.starts_with(SIG) {
        return Err(bad("not a PNG"));
    }
    let chunk = |kind: &[u8], data: &[u8]| -> Vec<u8> {
        let mut c = Vec::with_capacity(data.len() + 12);
        c.extend_from_slice(&(data.len() as u32).to_be_bytes());
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        c.extend_from_slice(&h.finalize().to_be_bytes());
        c
    };
    let keyword_of = |kind: &[u8], data: &[u8]| -> Option<Vec<u8>> {
        (kind == b"tEXt" || kind == b"iTXt" || kind == b"zTXt")
            .then(|| data.split(|&b| b == 0).next().unwrap_or(&[]).to_vec())
    };
    let replaced: Vec<&[u8]> = text.iter().map(|(k, _)| k.as_bytes()).collect();
    let mut out = SIG.to_vec();
    let mut at = SIG.len();
    let mut added = false;
    while at + 12 <= png.len() {
        let len = u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]) as usize;
        let end = at + 12 + len;
        if end > png.len() {
            return Err(bad("a chunk runs past the end"));
        }
        let kind = &png[at + 4..at + 8];
        let data = &png[at + 8..at + 8 + len];
        let dropped = keyword_of(kind, data).is_some_and(|k| replaced.contains(&k.as_slice()));
        if !dropped {
            out.extend_from_slice(&png[at..end]);
        }
        if kind == b"IHDR" && !added {
            for (k, v) in text {
                if k.is_empty() || k.len() > 79 || k.contains('\0') {
                    return Err(bad("a keyword is 1 to 79 bytes without NUL"));
                }
                let c = if v.is_ascii() {
                    chunk(b"tEXt", &[k.as_bytes(), b"\0", v.as_bytes()].concat())
                } else {
                    // iTXt: keyword, NUL, not compressed, method 0, no language, no
                    // translated keyword, the UTF-8 text.
                    chunk(
                        b"iTXt",
                        &[k.as_bytes(), b"\0\0\0\0\0", v.as_bytes()].concat(),
                    )
                };
                out.extend_from_slice(&c);
            }
            added = true;
        }
        at = end;
    }
    if !added {
        return Err(bad("no IHDR chunk"));
    }
    Ok(out)
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn text_added_to_an_encoded_png_reads_back_and_replaces_its_namesake() {
        let png = encode_png(2, 2, &[10; 12], &[("Software", "x"), ("parameters", "old")]).unwrap();
        let out = with_png_text(
            &png,
            &[
                ("parameters", "a cat\nSteps: 20"),
                ("XML:com.adobe.xmp", "ünïcode"),
            ],
        )
        .unwrap();
        let t = png_text(&out);
        assert!(t.contains(&("Software".into(), "x".into())), "{t:?}");
        assert!(
            t.contains(&("parameters".into(), "a cat\nSteps: 20".into())),
            "{t:?}"
        );
        assert!(
            t.contains(&("XML:com.adobe.xmp".into(), "ünïcode".into())),
            "{t:?}"
        );
        assert_eq!(
            t.iter().filter(|x| x.0 == "parameters").count(),
            1,
            "replaced: {t:?}"
        );
        // The pixels are untouched and the file decodes (every CRC right).
        assert_eq!(decode_png(&out, "t", 100).unwrap().rgb, vec![10; 12]);
        assert!(with_png_text(b"not a png", &[("a", "b")]).is_err());
    }
}

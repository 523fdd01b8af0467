//! Thumbnails for reports: a Lanczos3 downscale to fit a box, encoded as baseline JPEG. JPEG
//! rather than PNG because a contact sheet of 200 drafts must stay a few megabytes; the encoder
//! is deterministic, so the same image always gives the same bytes.

use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;

use crate::png_io::RgbImage;
use crate::resize::lanczos3;

/// Scales `img` to fit within `max_side` (never up) and encodes it as JPEG at `quality`
/// (1–100). Returns the bytes and the thumbnail's size.
pub fn thumbnail_jpeg(img: &RgbImage, max_side: u32, quality: u8) -> (Vec<u8>, (u32, u32)) {
    let s = (max_side as f64 / img.width.max(img.height).max(1) as f64).min(1.0);
    let w = ((img.width as f64 * s).round() as u32).max(1);
    let h = ((img.height as f64 * s).round() as u32).max(1);
    let small = if (w, h) == (img.width, img.height) {
        img.clone()
    } else {
        lanczos3(img, w, h)
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode(&small.rgb, w, h, ExtendedColorType::Rgb8)
        .expect("encoding into memory cannot fail for a well-formed RGB buffer");
    (out, (w, h))
}

/// Encodes a deliverable as baseline JPEG at `quality`, with an XMP packet in an APP1 segment
/// right after the JFIF header when one is given (where exiftool and Lightroom read it).
pub fn encode_jpeg(img: &RgbImage, quality: u8, xmp: Option<&str>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode(&img.rgb, img.width, img.height, ExtendedColorType::Rgb8)
        .map_err(|e| format!("cannot encode JPEG: {e}"))?;
    let Some(xmp) = xmp else { return Ok(out) };
    const NS: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
    let len = 2 + NS.len() + xmp.len();
    if len > 0xFFFF {
        return Err(format!(
            "XMP packet of {} bytes does not fit a JPEG segment",
            xmp.len()
        ));
    }
    // After SOI, and after the APP0 (JFIF) segment when the encoder wrote one.
    let mut at = 2;
    if out.get(2..4) == Some(&[0xFF, 0xE0]) {
        at = 4 + usize::from(u16::from_be_bytes([out[4], out[5]]));
    }
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&(len as u16).to_be_bytes());
    seg.extend_from_slice(NS);
    seg.extend_from_slice(xmp.as_bytes());
    out.splice(at..at, seg);
    Ok(out)
}

/// `jpeg` with an EXIF segment holding `comment` as its UserComment, as AUTOMATIC1111 writes
/// its `parameters` text into a JPEG (`piexif`'s "UNICODE" encoding: the prefix, then UTF-16
/// big-endian) and as A1111, Civitai and exiftool read it back: after SOI, and after the APP0
/// (JFIF) segment when there is one.
pub fn with_jpeg_user_comment(mut jpeg: Vec<u8>, comment: &str) -> Result<Vec<u8>, String> {
    if jpeg.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err("not a JPEG".into());
    }
    let text: Vec<u8> = comment.encode_utf16().flat_map(u16::to_be_bytes).collect();
    // A big-endian TIFF: IFD0 with one entry (the Exif IFD's offset), the Exif IFD with one
    // entry (UserComment, UNDEFINED, at offset 44), then the comment.
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x92, 0x86, 0, 7]);
    tiff.extend_from_slice(&((8 + text.len()) as u32).to_be_bytes());
    tiff.extend_from_slice(&44u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(b"UNICODE\0");
    tiff.extend_from_slice(&text);
    let len = 2 + 6 + tiff.len();
    if len > 0xFFFF {
        return Err(format!(
            "a comment of {} characters does not fit a JPEG's EXIF segment",
            comment.chars().count()
        ));
    }
    let mut at = 2;
    if jpeg.get(2..4) == Some(&[0xFF, 0xE0]) {
        at = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    }
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&(len as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    jpeg.splice(at..at, seg);
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_goes_in_an_app1_segment_after_jfif_and_the_jpeg_still_decodes() {
        let img = RgbImage {
            width: 32,
            height: 16,
            rgb: (0..32 * 16 * 3).map(|i| (i % 200) as u8).collect(),
            text: vec![],
        };
        let j = encode_jpeg(&img, 90, Some("<x:xmpmeta/>")).unwrap();
        let at = j
            .windows(4)
            .position(|w| w == [0xFF, 0xE1, 0x00, 2 + 29 + 12])
            .unwrap();
        assert!(j[at + 4..].starts_with(b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"));
        assert_eq!(&j[..4], &[0xFF, 0xD8, 0xFF, 0xE0], "SOI then JFIF first");
        let back = crate::decode(&j, "x.jpg", crate::Limits::default()).unwrap();
        assert_eq!((back.width, back.height), (32, 16));
    }

    #[test]
    fn thumbnails_fit_the_box_keep_the_aspect_and_are_deterministic() {
        let img = RgbImage {
            width: 400,
            height: 200,
            rgb: (0..400 * 200 * 3).map(|i| (i % 251) as u8).collect(),
            text: vec![],
        };
        let (a, size) = thumbnail_jpeg(&img, 100, 80);
        assert_eq!(size, (100, 50));
        assert_eq!(&a[..2], &[0xFF, 0xD8], "a JPEG");
        assert_eq!(thumbnail_jpeg(&img, 100, 80).0, a);
        let back = crate::decode(&a, "t.jpg", crate::Limits::default()).unwrap();
        assert_eq!((back.width, back.height), (100, 50));
        // Never scaled up.
        assert_eq!(thumbnail_jpeg(&img, 1000, 80).1, (400, 200));
    }
}

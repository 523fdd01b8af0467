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

#[cfg(test)]
mod tests {
    use super::*;

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

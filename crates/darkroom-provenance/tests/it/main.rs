//! The provenance crate against the `c2pa` reader: what is signed validates, what is changed
//! after signing does not, a vendor's manifest survives as an ingredient, and bad identities
//! are refused with the file named.

mod identity;
mod signing;
mod timestamp;

use std::path::PathBuf;

/// A fresh folder under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prov-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A 64×48 gradient, as PNG.
pub fn png() -> Vec<u8> {
    let img = picture();
    darkroom_imageops::encode_png(img.width, img.height, &img.rgb, &[("prompt", "a red kite")])
        .unwrap()
}

/// The same picture as JPEG.
pub fn jpeg() -> Vec<u8> {
    darkroom_imageops::thumbnail_jpeg(&picture(), 64, 90).0
}

fn picture() -> darkroom_imageops::RgbImage {
    let (w, h) = (64u32, 48u32);
    let mut rgb = Vec::new();
    for y in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(&[(x * 4) as u8, (y * 5) as u8, 128]);
        }
    }
    darkroom_imageops::RgbImage {
        width: w,
        height: h,
        rgb,
        text: vec![],
    }
}

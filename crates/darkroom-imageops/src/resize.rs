//! Resizing with Lanczos3 (SIMD, through `fast_image_resize`).

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::png_io::RgbImage;

/// Resizes an RGB image to `width × height` with a Lanczos3 filter.
pub fn lanczos3(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    let src = Image::from_vec_u8(img.width, img.height, img.rgb.clone(), PixelType::U8x3)
        .expect("an RgbImage's buffer matches its size");
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&src, &mut dst, &opts)
        .expect("same pixel type on both sides");
    RgbImage {
        width,
        height,
        rgb: dst.into_vec(),
        text: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upscales_flat_colour_exactly_and_keeps_size() {
        let img = RgbImage {
            width: 8,
            height: 4,
            rgb: [10u8, 200, 60].repeat(32),
            text: vec![],
        };
        let big = lanczos3(&img, 32, 16);
        assert_eq!(
            (big.width, big.height, big.rgb.len()),
            (32, 16, 32 * 16 * 3)
        );
        assert!(big.rgb.chunks_exact(3).all(|p| p == [10, 200, 60]));
    }
}

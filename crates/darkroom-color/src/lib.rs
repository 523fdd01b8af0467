//! Colour science for darkroom: sRGB values, CIELAB and Oklab, CIEDE2000, CSS colour syntax,
//! dominant palettes, brand compliance, drift, grading and `.cube` LUTs. Pure: no IO.
//!
//! The prompt parser looks colour words up here ([`named`]), the renderer turns them into
//! linear light ([`Rgb8::to_linear`]), the brand judge and `darkroom audit images` measure
//! ([`brand::BrandTable`]), and `darkroom grade` builds its LUT ([`grade::grade_lut`]).

pub mod brand;
pub mod css;
pub mod cube;
pub mod delta;
pub mod grade;
pub mod named;
pub mod palette;
pub mod space;

pub use css::{parse_color, CssColorError};
pub use delta::{de2000, de76, de_ok};
pub use space::{Lab, Oklab};

use serde::{Deserialize, Serialize};

/// An 8-bit sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rgb8 {
    /// Red, 0..=255.
    pub r: u8,
    /// Green, 0..=255.
    pub g: u8,
    /// Blue, 0..=255.
    pub b: u8,
}

/// A colour string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid colour `{given}`; accepted: #RGB, #RRGGBB or a CSS colour name like `navy`")]
pub struct ColorError {
    /// What the user wrote.
    pub given: String,
}

impl Rgb8 {
    /// Builds a colour from its three channels.
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Rgb8 { r, g, b }
    }

    /// Parses `#RGB` or `#RRGGBB` (the `#` is required, case does not matter).
    pub fn from_hex(s: &str) -> Option<Rgb8> {
        let h = s.strip_prefix('#')?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let v = |i: usize, n: usize| u8::from_str_radix(&h[i..i + n], 16).ok();
        match h.len() {
            3 => Some(Rgb8::new(v(0, 1)? * 17, v(1, 1)? * 17, v(2, 1)? * 17)),
            6 => Some(Rgb8::new(v(0, 2)?, v(2, 2)?, v(4, 2)?)),
            _ => None,
        }
    }

    /// Parses a hex colour or a CSS named colour.
    pub fn parse(s: &str) -> Result<Rgb8, ColorError> {
        let t = s.trim();
        Rgb8::from_hex(t)
            .or_else(|| named::lookup(&t.to_ascii_lowercase()))
            .ok_or_else(|| ColorError {
                given: s.to_string(),
            })
    }

    /// `#RRGGBB` in upper case.
    pub fn to_hex(&self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.r, self.g, self.b)
    }

    /// Linear-light RGB in 0..=1 (the sRGB transfer function undone).
    pub fn to_linear(&self) -> [f32; 3] {
        [
            srgb_to_linear(self.r),
            srgb_to_linear(self.g),
            srgb_to_linear(self.b),
        ]
    }

    /// Mixes toward `other` by `t` (0 = self, 1 = other) in gamma space, which is how people
    /// think of "lighter" and "darker" variants of a colour.
    pub fn mix(&self, other: Rgb8, t: f32) -> Rgb8 {
        let m = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
        Rgb8::new(m(self.r, other.r), m(self.g, other.g), m(self.b, other.b))
    }
}

/// Decodes one sRGB channel to linear light.
pub fn srgb_to_linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Encodes linear light (clamped to 0..=1) as one sRGB channel, rounded.
pub fn linear_to_srgb(v: f32) -> u8 {
    let v = v.clamp(0.0, 1.0);
    let s = if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    };
    (s * 255.0 + 0.5) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(Rgb8::from_hex("#0047AB"), Some(Rgb8::new(0, 0x47, 0xAB)));
        assert_eq!(Rgb8::from_hex("#f00"), Some(Rgb8::new(255, 0, 0)));
        assert_eq!(Rgb8::from_hex("#12345"), None);
        assert_eq!(Rgb8::from_hex("0047AB"), None);
        assert_eq!(Rgb8::from_hex("#GGGGGG"), None);
        assert_eq!(Rgb8::parse("Navy").unwrap().to_hex(), "#000080");
        assert!(Rgb8::parse("blurple")
            .unwrap_err()
            .to_string()
            .contains("blurple"));
    }

    #[test]
    fn transfer_round_trips() {
        for c in 0..=255u8 {
            assert_eq!(linear_to_srgb(srgb_to_linear(c)), c);
        }
    }
}

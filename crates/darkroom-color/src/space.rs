//! Colour spaces: sRGB ↔ linear ↔ XYZ (D65) ↔ CIELAB, and Oklab.
//!
//! Constants follow colour-science (the peer stack `audit images` is measured against): the
//! sRGB→XYZ matrix derived from the sRGB primaries and the D65 white point xy = (0.3127,
//! 0.3290), and that same white for CIELAB, so our L*a*b* values match theirs to 1e-6.

use crate::Rgb8;

/// A CIELAB colour (D65).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lab {
    /// Lightness, 0..100.
    pub l: f64,
    /// Green–red axis.
    pub a: f64,
    /// Blue–yellow axis.
    pub b: f64,
}

/// An Oklab colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Oklab {
    /// Lightness, 0..1.
    pub l: f64,
    /// Green–red axis.
    pub a: f64,
    /// Blue–yellow axis.
    pub b: f64,
}

/// Linear sRGB → XYZ (D65): the IEC 61966-2-1 matrix as published (rounded to four places),
/// which is what colour-science uses; matching it keeps our Lab values equal to the peer's.
pub const RGB_TO_XYZ: [[f64; 3]; 3] = [
    [0.4124, 0.3576, 0.1805],
    [0.2126, 0.7152, 0.0722],
    [0.0193, 0.1192, 0.9505],
];

/// XYZ → linear sRGB: the exact inverse of [`RGB_TO_XYZ`] (so conversions round-trip).
// Printed with 17 significant digits so the f64 values are exact inverses.
#[expect(clippy::excessive_precision)]
pub const XYZ_TO_RGB: [[f64; 3]; 3] = [
    [
        3.240_625_477_320_053_8,
        -1.537_207_972_210_318_9,
        -0.498_628_598_698_247_83,
    ],
    [
        -0.968_930_714_729_319_6,
        1.875_756_060_885_241_5,
        0.041_517_523_842_953_95,
    ],
    [
        0.055_710_120_445_510_637,
        -0.204_021_050_598_486_71,
        1.056_995_942_254_388_2,
    ],
];

/// The D65 white point in XYZ (Y = 1), from xy = (0.3127, 0.3290).
pub const D65: [f64; 3] = [0.3127 / 0.3290, 1.0, (1.0 - 0.3127 - 0.3290) / 0.3290];

/// sRGB-encoded value (0..1) → linear light.
pub fn srgb_decode(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Linear light → sRGB-encoded value (not clamped).
pub fn srgb_encode(v: f64) -> f64 {
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

fn mat(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

const EPSILON: f64 = 216.0 / 24389.0;
const KAPPA: f64 = 24389.0 / 27.0;

/// Linear sRGB → XYZ.
pub fn linear_to_xyz(rgb: [f64; 3]) -> [f64; 3] {
    mat(&RGB_TO_XYZ, rgb)
}

/// XYZ → linear sRGB (may fall outside 0..1 for out-of-gamut colours).
pub fn xyz_to_linear(xyz: [f64; 3]) -> [f64; 3] {
    mat(&XYZ_TO_RGB, xyz)
}

/// XYZ → CIELAB (D65).
pub fn xyz_to_lab(xyz: [f64; 3]) -> Lab {
    let f = |t: f64| {
        if t > EPSILON {
            t.cbrt()
        } else {
            (KAPPA * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(xyz[0] / D65[0]), f(xyz[1] / D65[1]), f(xyz[2] / D65[2]));
    Lab {
        l: 116.0 * fy - 16.0,
        a: 500.0 * (fx - fy),
        b: 200.0 * (fy - fz),
    }
}

/// CIELAB (D65) → XYZ.
pub fn lab_to_xyz(lab: Lab) -> [f64; 3] {
    let fy = (lab.l + 16.0) / 116.0;
    let fx = fy + lab.a / 500.0;
    let fz = fy - lab.b / 200.0;
    let inv = |f: f64| {
        let f3 = f * f * f;
        if f3 > EPSILON {
            f3
        } else {
            (116.0 * f - 16.0) / KAPPA
        }
    };
    let y = if lab.l > KAPPA * EPSILON {
        fy * fy * fy
    } else {
        lab.l / KAPPA
    };
    [inv(fx) * D65[0], y * D65[1], inv(fz) * D65[2]]
}

/// Linear sRGB → Oklab (Björn Ottosson's matrices).
pub fn linear_to_oklab(c: [f64; 3]) -> Oklab {
    let l = 0.412_221_470_8 * c[0] + 0.536_332_536_3 * c[1] + 0.051_445_992_9 * c[2];
    let m = 0.211_903_498_2 * c[0] + 0.680_699_545_1 * c[1] + 0.107_396_956_6 * c[2];
    let s = 0.088_302_461_9 * c[0] + 0.281_718_837_6 * c[1] + 0.629_978_700_5 * c[2];
    let (l, m, s) = (l.cbrt(), m.cbrt(), s.cbrt());
    Oklab {
        l: 0.210_454_255_3 * l + 0.793_617_785 * m - 0.004_072_046_8 * s,
        a: 1.977_998_495_1 * l - 2.428_592_205 * m + 0.450_593_709_9 * s,
        b: 0.025_904_037_1 * l + 0.782_771_766_2 * m - 0.808_675_766 * s,
    }
}

/// Oklab → linear sRGB.
pub fn oklab_to_linear(o: Oklab) -> [f64; 3] {
    let l = o.l + 0.396_337_777_4 * o.a + 0.215_803_757_3 * o.b;
    let m = o.l - 0.105_561_345_8 * o.a - 0.063_854_172_8 * o.b;
    let s = o.l - 0.089_484_177_5 * o.a - 1.291_485_548 * o.b;
    let (l, m, s) = (l * l * l, m * m * m, s * s * s);
    [
        4.076_741_662_1 * l - 3.307_711_591_3 * m + 0.230_969_929_2 * s,
        -1.268_438_004_6 * l + 2.609_757_401_1 * m - 0.341_319_396_5 * s,
        -0.004_196_086_3 * l - 0.703_418_614_7 * m + 1.707_614_701 * s,
    ]
}

impl Lab {
    /// From an 8-bit sRGB colour.
    pub fn from_rgb8(c: Rgb8) -> Lab {
        let lin = [
            srgb_decode(f64::from(c.r) / 255.0),
            srgb_decode(f64::from(c.g) / 255.0),
            srgb_decode(f64::from(c.b) / 255.0),
        ];
        xyz_to_lab(linear_to_xyz(lin))
    }

    /// From linear sRGB.
    pub fn from_linear(c: [f64; 3]) -> Lab {
        xyz_to_lab(linear_to_xyz(c))
    }

    /// Linear sRGB (unclamped).
    pub fn to_linear(self) -> [f64; 3] {
        xyz_to_linear(lab_to_xyz(self))
    }

    /// Whether the colour is inside the sRGB gamut (with a small tolerance).
    pub fn in_srgb_gamut(self) -> bool {
        self.to_linear()
            .iter()
            .all(|&v| (-1e-6..=1.0 + 1e-6).contains(&v))
    }

    /// The nearest 8-bit sRGB colour (clamped per channel).
    pub fn to_rgb8(self) -> Rgb8 {
        let c = self
            .to_linear()
            .map(|v| (srgb_encode(v.clamp(0.0, 1.0)) * 255.0).round() as u8);
        Rgb8::new(c[0], c[1], c[2])
    }

    /// Chroma.
    pub fn chroma(self) -> f64 {
        self.a.hypot(self.b)
    }
}

impl Oklab {
    /// From an 8-bit sRGB colour.
    pub fn from_rgb8(c: Rgb8) -> Oklab {
        linear_to_oklab([
            srgb_decode(f64::from(c.r) / 255.0),
            srgb_decode(f64::from(c.g) / 255.0),
            srgb_decode(f64::from(c.b) / 255.0),
        ])
    }

    /// From CIELAB.
    pub fn from_lab(l: Lab) -> Oklab {
        linear_to_oklab(l.to_linear())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // White is L=100, a=b=0; sRGB red as colour-science gives it.
        let w = Lab::from_rgb8(Rgb8::new(255, 255, 255));
        // The rounded IEC matrix leaves white a hair off neutral (a ≈ 0.008), as in colour-science.
        assert!(
            (w.l - 100.0).abs() < 1e-6 && w.a.abs() < 0.01 && w.b.abs() < 0.01,
            "{w:?}"
        );
        let r = Lab::from_rgb8(Rgb8::new(255, 0, 0));
        // colour-science 0.4.7: XYZ_to_Lab(RGB_to_XYZ([1, 0, 0], sRGB, apply_cctf_decoding=True), sRGB whitepoint).
        assert!(
            (r.l - 53.232_881_79).abs() < 1e-6
                && (r.a - 80.111_177_74).abs() < 1e-6
                && (r.b - 67.223_703_67).abs() < 1e-6,
            "{r:?}"
        );
        // Oklab white is L=1.
        let o = Oklab::from_rgb8(Rgb8::new(255, 255, 255));
        assert!((o.l - 1.0).abs() < 1e-6 && o.a.abs() < 1e-6);
    }

    #[test]
    fn round_trips() {
        for c in [
            Rgb8::new(0, 71, 171),
            Rgb8::new(12, 200, 99),
            Rgb8::new(255, 255, 0),
            Rgb8::new(0, 0, 0),
        ] {
            assert_eq!(Lab::from_rgb8(c).to_rgb8(), c);
            let o = Oklab::from_rgb8(c);
            let lin = oklab_to_linear(o);
            let back = lin.map(|v| (srgb_encode(v.clamp(0.0, 1.0)) * 255.0).round() as u8);
            assert_eq!(back, [c.r, c.g, c.b]);
        }
    }
}

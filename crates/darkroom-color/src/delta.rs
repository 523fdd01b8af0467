//! Colour differences: ΔE76, CIEDE2000 and ΔEOK.
//!
//! CIEDE2000 follows Sharma, Wu & Dalal (2005), including their notes on hue angle wrap-around
//! and the mean hue when one chroma is zero; it matches every row of their test table to 1e-4 in
//! both argument orders (`tests/it`).

use crate::space::{Lab, Oklab};

/// CIE 1976 ΔE: Euclidean distance in CIELAB.
pub fn de76(x: Lab, y: Lab) -> f64 {
    ((x.l - y.l).powi(2) + (x.a - y.a).powi(2) + (x.b - y.b).powi(2)).sqrt()
}

/// ΔEOK: Euclidean distance in Oklab (CSS Color 4 `deltaEOK`), on the 0..1 lightness scale.
pub fn de_ok(x: Oklab, y: Oklab) -> f64 {
    ((x.l - y.l).powi(2) + (x.a - y.a).powi(2) + (x.b - y.b).powi(2)).sqrt()
}

/// CIEDE2000 colour difference with kL = kC = kH = 1.
pub fn de2000(x: Lab, y: Lab) -> f64 {
    de2000_k(x, y, 1.0, 1.0, 1.0)
}

/// CIEDE2000 with parametric factors (kL = 2 is the textile-industry weighting that makes
/// lightness differences count half).
pub fn de2000_k(x: Lab, y: Lab, kl: f64, kc: f64, kh: f64) -> f64 {
    use std::f64::consts::PI;
    let deg = PI / 180.0;
    let c1 = x.a.hypot(x.b);
    let c2 = y.a.hypot(y.b);
    let cbar = (c1 + c2) / 2.0;
    let cbar7 = cbar.powi(7);
    let g = 0.5 * (1.0 - (cbar7 / (cbar7 + 25f64.powi(7))).sqrt());
    let a1p = (1.0 + g) * x.a;
    let a2p = (1.0 + g) * y.a;
    let c1p = a1p.hypot(x.b);
    let c2p = a2p.hypot(y.b);
    let hp = |b: f64, ap: f64| {
        if b == 0.0 && ap == 0.0 {
            0.0
        } else {
            let h = b.atan2(ap) / deg;
            if h < 0.0 {
                h + 360.0
            } else {
                h
            }
        }
    };
    let h1p = hp(x.b, a1p);
    let h2p = hp(y.b, a2p);
    let dl = y.l - x.l;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else {
        let d = h2p - h1p;
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let dhh = 2.0 * (c1p * c2p).sqrt() * (dh * deg / 2.0).sin();
    let lbar = (x.l + y.l) / 2.0;
    let cbarp = (c1p + c2p) / 2.0;
    let hbarp = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * ((hbarp - 30.0) * deg).cos()
        + 0.24 * ((2.0 * hbarp) * deg).cos()
        + 0.32 * ((3.0 * hbarp + 6.0) * deg).cos()
        - 0.20 * ((4.0 * hbarp - 63.0) * deg).cos();
    let dtheta = 30.0 * (-((hbarp - 275.0) / 25.0).powi(2)).exp();
    let cbarp7 = cbarp.powi(7);
    let rc = 2.0 * (cbarp7 / (cbarp7 + 25f64.powi(7))).sqrt();
    let l50 = (lbar - 50.0).powi(2);
    let sl = 1.0 + 0.015 * l50 / (20.0 + l50).sqrt();
    let sc = 1.0 + 0.045 * cbarp;
    let sh = 1.0 + 0.015 * cbarp * t;
    let rt = -(2.0 * dtheta * deg).sin() * rc;
    let (tl, tc, th) = (dl / (kl * sl), dc / (kc * sc), dhh / (kh * sh));
    (tl * tl + tc * tc + th * th + rt * tc * th).sqrt()
}

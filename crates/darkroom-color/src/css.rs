//! Colour strings in CSS syntax: `#RGB`, `#RRGGBB`, the CSS named colours, `rgb()`/`rgba()`,
//! `lab()` and `oklab()` (CSS Color 4: space- or comma-separated, percentages allowed, an
//! optional `/ alpha` that is accepted and ignored).

use crate::space::{linear_to_xyz, xyz_to_lab, Lab, Oklab};
use crate::{named, Rgb8};

/// A colour string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid colour `{given}`: {why}; accepted: #RGB, #RRGGBB, a CSS colour name (navy), rgb(0 71 171), lab(50 2.68 -79.78) or oklab(0.45 -0.03 -0.2)")]
pub struct CssColorError {
    /// What the user wrote.
    pub given: String,
    /// What was wrong.
    pub why: String,
}

/// Parses any accepted colour syntax into CIELAB (colours outside sRGB are kept as given).
pub fn parse_color(s: &str) -> Result<Lab, CssColorError> {
    let err = |why: &str| CssColorError {
        given: s.to_string(),
        why: why.to_string(),
    };
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if lower.is_empty() {
        return Err(err("it is empty"));
    }
    if t.starts_with('#') {
        return Rgb8::from_hex(t)
            .map(Lab::from_rgb8)
            .ok_or_else(|| err("a hex colour has 3 or 6 hex digits after `#`"));
    }
    if let Some(c) = named::lookup(&lower) {
        return Ok(Lab::from_rgb8(c));
    }
    let Some(open) = lower.find('(') else {
        return Err(err("not a known colour name"));
    };
    if !lower.ends_with(')') {
        return Err(err("missing `)`"));
    }
    let func = lower[..open].trim();
    let inner = &lower[open + 1..lower.len() - 1];
    // Drop an optional alpha after `/` (or a fourth comma-separated value for rgba()).
    let body = inner.split('/').next().unwrap_or("");
    let parts: Vec<&str> = body
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let parts = if func == "rgba" && parts.len() == 4 {
        &parts[..3]
    } else {
        &parts[..]
    };
    if parts.len() != 3 {
        return Err(err(&format!(
            "{func}() takes three values, {} given",
            parts.len()
        )));
    }
    // A number, or a percentage scaled so 100% = `full`.
    let num = |p: &str, full: f64| -> Result<f64, CssColorError> {
        let (v, pct) = match p.strip_suffix('%') {
            Some(v) => (v, true),
            None => (p, false),
        };
        let x: f64 = v
            .parse()
            .map_err(|_| err(&format!("`{p}` is not a number")))?;
        if !x.is_finite() {
            return Err(err(&format!("`{p}` is not finite")));
        }
        Ok(if pct { x / 100.0 * full } else { x })
    };
    match func {
        "rgb" | "rgba" => {
            let mut c = [0f64; 3];
            for (k, p) in parts.iter().enumerate() {
                let v = num(p, 255.0)?;
                if !(0.0..=255.0).contains(&v) {
                    return Err(err(&format!("`{p}` is outside 0..255 (0%..100%)")));
                }
                c[k] = v / 255.0;
            }
            Ok(xyz_to_lab(linear_to_xyz(c.map(crate::space::srgb_decode))))
        }
        "lab" => {
            let l = num(parts[0], 100.0)?;
            if !(0.0..=100.0).contains(&l) {
                return Err(err(&format!("lightness `{}` is outside 0..100", parts[0])));
            }
            Ok(Lab {
                l,
                a: num(parts[1], 125.0)?,
                b: num(parts[2], 125.0)?,
            })
        }
        "oklab" => {
            let l = num(parts[0], 1.0)?;
            if !(0.0..=1.0).contains(&l) {
                return Err(err(&format!(
                    "lightness `{}` is outside 0..1 (0%..100%)",
                    parts[0]
                )));
            }
            let o = Oklab {
                l,
                a: num(parts[1], 0.4)?,
                b: num(parts[2], 0.4)?,
            };
            Ok(xyz_to_lab(linear_to_xyz(crate::space::oklab_to_linear(o))))
        }
        other => Err(err(&format!(
            "`{other}()` is not a supported colour function"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Lab, b: Lab) -> bool {
        (a.l - b.l).abs() < 1e-6 && (a.a - b.a).abs() < 1e-6 && (a.b - b.b).abs() < 1e-6
    }

    #[test]
    fn syntaxes_agree() {
        let blue = Lab::from_rgb8(Rgb8::new(0, 0x47, 0xAB));
        for s in [
            "#0047AB",
            "#0047ab",
            "rgb(0 71 171)",
            "rgb(0, 71, 171)",
            "rgba(0,71,171,0.5)",
            "rgb(0 71 171 / 50%)",
            " rgb( 0 71 171 ) ",
        ] {
            assert!(close(parse_color(s).unwrap(), blue), "{s}");
        }
        assert!(close(
            parse_color("white").unwrap(),
            parse_color("rgb(100% 100% 100%)").unwrap()
        ));
        let l = parse_color("lab(50 2.6772 -79.7751)").unwrap();
        assert_eq!((l.l, l.a, l.b), (50.0, 2.6772, -79.7751));
        assert_eq!(parse_color("lab(50% 100% -100%)").unwrap().a, 125.0);
        let ok = parse_color("oklab(0.6 0.1 -0.1)").unwrap();
        let back = Oklab::from_lab(ok);
        // Ottosson's published matrices are inverses to ~1e-7.
        assert!(
            (back.l - 0.6).abs() < 1e-5
                && (back.a - 0.1).abs() < 1e-5
                && (back.b + 0.1).abs() < 1e-5,
            "{back:?}"
        );
        assert!(close(
            parse_color("oklab(100% 0 0)").unwrap(),
            parse_color("white").unwrap()
        ));
    }

    #[test]
    fn bad_colours_say_why() {
        for (s, why) in [
            ("#12", "3 or 6"),
            ("blurple", "not a known"),
            ("rgb(1 2)", "three values"),
            ("rgb(1 2 300)", "outside 0..255"),
            ("rgb(a b c)", "not a number"),
            ("lab(120 0 0)", "outside 0..100"),
            ("hsl(10 20% 30%)", "not a supported"),
            ("rgb(1 2 3", "missing"),
            ("", "empty"),
        ] {
            let e = parse_color(s).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains("accepted"), "{s}: {e}");
        }
    }
}

//! darkroom's shared vocabulary: the small value types every other crate speaks.
//!
//! This crate does no IO and has no runtime. It holds what a render or a provider request is
//! made of — a [`SizeSpec`] (`512`, `1K`, `2K`, `4K`, `WxH`), an [`Aspect`] (`16:9`), a
//! [`Quality`] tier — and how they combine into pixel dimensions ([`resolve_dims`]) — and the
//! seam every judge implements ([`judge::Judge`]). Parsing is strict and every error says what
//! was given and what would be accepted.

pub mod catalog;
pub mod dsn;
pub mod judge;
pub mod money;
pub mod provider;
pub mod rand;
pub mod text;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use catalog::ProviderKind;

/// The longest side, in pixels, that darkroom renders or accepts from a user.
pub const MAX_SIDE: u32 = 8192;

/// An error in a value given by the user; the message names the value and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A size that is not one of the accepted spellings or is out of range.
    #[error("invalid size `{given}`: {why}; accepted: 512, 1K, 2K, 4K, a long side in pixels (1..={MAX_SIDE}) or WxH like 1920x1080")]
    Size {
        /// What the user wrote.
        given: String,
        /// What was wrong with it.
        why: String,
    },
    /// An aspect ratio that is not `W:H` with two positive numbers.
    #[error("invalid aspect ratio `{given}`: {why}; accepted: W:H with positive numbers, like 16:9, 9:16, 21:9, 1:1, 1.91:1")]
    Aspect {
        /// What the user wrote.
        given: String,
        /// What was wrong with it.
        why: String,
    },
    /// A quality tier that is not known.
    #[error("invalid quality `{given}`; accepted: draft, finish")]
    Quality {
        /// What the user wrote.
        given: String,
    },
}

/// How big an image should be: a long side (the aspect ratio decides the short one) or exact
/// dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SizeSpec {
    /// The longer side in pixels; the shorter follows from the aspect ratio.
    LongSide(u32),
    /// Exact width and height in pixels.
    Exact {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

impl FromStr for SizeSpec {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given = s.to_string();
        let err = |why: &str| ValueError::Size {
            given: given.clone(),
            why: why.to_string(),
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(err("it is empty"));
        }
        let side = |v: &str| -> Result<u32, ValueError> {
            let n: u64 = v
                .trim()
                .parse()
                .map_err(|_| err(&format!("`{}` is not a whole number", v.trim())))?;
            if n == 0 {
                return Err(err("a side of 0 pixels"));
            }
            if n > u64::from(MAX_SIDE) {
                return Err(err(&format!("{n} is over the maximum of {MAX_SIDE}")));
            }
            Ok(n as u32)
        };
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "1k" => return Ok(SizeSpec::LongSide(1024)),
            "2k" => return Ok(SizeSpec::LongSide(2048)),
            "4k" => return Ok(SizeSpec::LongSide(4096)),
            "8k" => return Ok(SizeSpec::LongSide(8192)),
            _ => {}
        }
        if let Some((w, h)) = lower.split_once('x') {
            return Ok(SizeSpec::Exact {
                width: side(w)?,
                height: side(h)?,
            });
        }
        Ok(SizeSpec::LongSide(side(&lower)?))
    }
}

impl fmt::Display for SizeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeSpec::LongSide(n) => write!(f, "{n}"),
            SizeSpec::Exact { width, height } => write!(f, "{width}x{height}"),
        }
    }
}

/// An aspect ratio `W:H`, kept as written (for display and provider requests) and as a ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Aspect {
    /// The width term.
    pub w: f64,
    /// The height term.
    pub h: f64,
}

impl Aspect {
    /// The square aspect ratio.
    pub const SQUARE: Aspect = Aspect { w: 1.0, h: 1.0 };

    /// Width divided by height.
    pub fn ratio(&self) -> f64 {
        self.w / self.h
    }
}

impl FromStr for Aspect {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why: &str| ValueError::Aspect {
            given: s.to_string(),
            why: why.to_string(),
        };
        let (a, b) = s
            .trim()
            .split_once(':')
            .ok_or_else(|| err("there is no `:`"))?;
        let num = |v: &str| -> Result<f64, ValueError> {
            let x: f64 = v
                .trim()
                .parse()
                .map_err(|_| err(&format!("`{}` is not a number", v.trim())))?;
            if !x.is_finite() || x <= 0.0 {
                return Err(err(&format!("`{}` is not a positive number", v.trim())));
            }
            Ok(x)
        };
        let (w, h) = (num(a)?, num(b)?);
        let r = w / h;
        if !(1.0 / 16.0..=16.0).contains(&r) {
            return Err(err("the ratio is more extreme than 16:1"));
        }
        Ok(Aspect { w, h })
    }
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.w, self.h)
    }
}

/// Turns a size and an optional aspect ratio into pixel dimensions `(width, height)`.
///
/// A long side keeps the aspect ratio (square when none is given) and rounds the short side to
/// the nearest pixel, never below 1. Exact dimensions win; giving an aspect ratio that disagrees
/// with them by more than a pixel is an error, because one of the two would be silently ignored.
pub fn resolve_dims(size: SizeSpec, aspect: Option<Aspect>) -> Result<(u32, u32), ValueError> {
    match size {
        SizeSpec::Exact { width, height } => {
            if let Some(a) = aspect {
                let expect_h = f64::from(width) / a.ratio();
                if (expect_h - f64::from(height)).abs() > 1.0 {
                    return Err(ValueError::Aspect {
                        given: a.to_string(),
                        why: format!("it disagrees with the exact size {width}x{height}"),
                    });
                }
            }
            Ok((width, height))
        }
        SizeSpec::LongSide(n) => {
            let r = aspect.unwrap_or(Aspect::SQUARE).ratio();
            let short = |x: f64| (x.round() as u32).max(1);
            if r >= 1.0 {
                Ok((n, short(f64::from(n) / r)))
            } else {
                Ok((short(f64::from(n) * r), n))
            }
        }
    }
}

/// A rung of the funnel's render quality: drafts are fast, finishes are clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Low cost: one sample per pixel, hard shadows.
    Draft,
    /// High quality: antialiasing, soft shadows, reflections and refraction.
    Finish,
}

impl FromStr for Quality {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "draft" => Ok(Quality::Draft),
            "finish" => Ok(Quality::Finish),
            _ => Err(ValueError::Quality {
                given: s.to_string(),
            }),
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quality::Draft => "draft",
            Quality::Finish => "finish",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!("512".parse(), Ok(SizeSpec::LongSide(512)));
        assert_eq!("1K".parse(), Ok(SizeSpec::LongSide(1024)));
        assert_eq!("2k".parse(), Ok(SizeSpec::LongSide(2048)));
        assert_eq!("4K".parse(), Ok(SizeSpec::LongSide(4096)));
        assert_eq!(
            "1920x1080".parse(),
            Ok(SizeSpec::Exact {
                width: 1920,
                height: 1080
            })
        );
        for bad in ["0", "8193", "", "x", "12x0", "abc", "-5", "1.5K"] {
            let e = bad.parse::<SizeSpec>().unwrap_err().to_string();
            assert!(e.contains("accepted"), "{bad}: {e}");
        }
    }

    #[test]
    fn aspects_parse_and_resolve() {
        let a: Aspect = "16:9".parse().unwrap();
        assert_eq!(
            resolve_dims(SizeSpec::LongSide(1920), Some(a)),
            Ok((1920, 1080))
        );
        let p: Aspect = "9:16".parse().unwrap();
        assert_eq!(
            resolve_dims(SizeSpec::LongSide(1920), Some(p)),
            Ok((1080, 1920))
        );
        assert_eq!(resolve_dims(SizeSpec::LongSide(512), None), Ok((512, 512)));
        for bad in ["0:9", "16/9", "a:b", "16:", "1:100", "inf:1", "-1:1"] {
            assert!(bad.parse::<Aspect>().is_err(), "{bad}");
        }
        let exact = SizeSpec::Exact {
            width: 100,
            height: 100,
        };
        assert!(resolve_dims(exact, Some(a)).is_err());
    }

    #[test]
    fn quality_parses() {
        assert_eq!("Finish".parse(), Ok(Quality::Finish));
        assert!("best".parse::<Quality>().is_err());
    }
}

/// The file formats darkroom delivers (`[deliver] formats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// PNG, lossless: the default.
    Png,
    /// JPEG, at `[deliver] jpeg_quality`.
    Jpeg,
}

impl FileFormat {
    /// Its name in campaigns and sidecars.
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Png => "png",
            FileFormat::Jpeg => "jpeg",
        }
    }

    /// The file name extension.
    pub fn ext(self) -> &'static str {
        match self {
            FileFormat::Png => "png",
            FileFormat::Jpeg => "jpg",
        }
    }
}

impl FromStr for FileFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "png" => Ok(FileFormat::Png),
            "jpeg" | "jpg" => Ok(FileFormat::Jpeg),
            _ => Err(format!("unknown file format `{s}`; accepted: png, jpeg")),
        }
    }
}

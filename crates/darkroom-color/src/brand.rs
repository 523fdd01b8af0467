//! Brand compliance: how much of an image is on the brand palette, measured with exact
//! per-pixel CIEDE2000.
//!
//! The peer Python stack spends ~2 s per 1024² image computing ΔE2000 for every pixel against
//! every palette colour. An 8-bit image has at most 2²⁴ distinct colours, and photographs
//! repeat colours heavily, so [`BrandTable`] caches, per sRGB value, the exact ΔE2000 to the
//! nearest brand colour, which colour that is, and whether a forbidden colour is within
//! tolerance. The table is filled lazily and shared by all threads (lock-free: a racing fill
//! writes the same value), so each distinct colour of a whole audit is computed once. Nothing
//! is approximated: the stored ΔE is the f32 of the exact f64 value.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;

use crate::css::parse_color;
use crate::delta::de2000;
use crate::space::Lab;
use crate::Rgb8;

/// One palette entry as written in a brand file: `{ name = "Brand Blue", hex = "#0047AB" }` or
/// just `"#0047AB"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ColorSpec {
    /// A bare colour string.
    Bare(String),
    /// A named colour.
    Named {
        /// Display name.
        name: Option<String>,
        /// The colour, in any syntax `parse_color` accepts.
        hex: String,
    },
}

/// The `[brand]` table of a campaign or a brand file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandSpec {
    /// Brand colours.
    pub palette: Vec<ColorSpec>,
    /// ΔE2000 within which a pixel counts as on-palette (default 6).
    pub tolerance: Option<f64>,
    /// Share of pixels that must be on-palette (default 0.35).
    pub min_on_palette: Option<f64>,
    /// Colours that must not dominate.
    #[serde(default)]
    pub forbid: Vec<ColorSpec>,
    /// Colours a brand grade must never move (the product's own red, a logo's orange).
    #[serde(default)]
    pub protect: Vec<ColorSpec>,
}

/// A validated brand.
#[derive(Debug, Clone)]
pub struct Brand {
    /// `(name, colour)` of each brand colour.
    pub colors: Vec<(String, Lab)>,
    /// `(name, colour)` of each forbidden colour.
    pub forbid: Vec<(String, Lab)>,
    /// `(name, colour)` of each colour a grade must not move.
    pub protect: Vec<(String, Lab)>,
    /// On-palette tolerance (ΔE2000).
    pub tolerance: f64,
    /// Required on-palette share.
    pub min_on_palette: f64,
}

impl Brand {
    /// Validates a spec, reporting every problem (with its key path) at once.
    pub fn from_spec(spec: &BrandSpec) -> Result<Brand, Vec<String>> {
        let mut errs = Vec::new();
        let mut read = |list: &[ColorSpec], key: &str| -> Vec<(String, Lab)> {
            let mut out = Vec::new();
            for (i, c) in list.iter().enumerate() {
                let (name, s) = match c {
                    ColorSpec::Bare(s) => (s.clone(), s),
                    ColorSpec::Named { name, hex } => {
                        (name.clone().unwrap_or_else(|| hex.clone()), hex)
                    }
                };
                match parse_color(s) {
                    Ok(lab) => out.push((name, lab)),
                    Err(e) => errs.push(format!("brand.{key}[{i}]: {e}")),
                }
            }
            out
        };
        let colors = read(&spec.palette, "palette");
        let forbid = read(&spec.forbid, "forbid");
        let protect = read(&spec.protect, "protect");
        if spec.palette.is_empty() {
            errs.push("brand.palette: is empty; give at least one colour, e.g. [{ name = \"Brand Blue\", hex = \"#0047AB\" }]".into());
        }
        if spec.palette.len() > 250 {
            errs.push(format!(
                "brand.palette: {} colours; at most 250 are accepted",
                spec.palette.len()
            ));
        }
        let tolerance = spec.tolerance.unwrap_or(6.0);
        if !(tolerance > 0.0 && tolerance <= 100.0) {
            errs.push(format!(
                "brand.tolerance: {tolerance} is not a ΔE2000 in (0, 100]"
            ));
        }
        let min_on_palette = spec.min_on_palette.unwrap_or(0.35);
        if !(0.0..=1.0).contains(&min_on_palette) {
            errs.push(format!(
                "brand.min_on_palette: {min_on_palette} is not a share in 0..1"
            ));
        }
        if errs.is_empty() {
            Ok(Brand {
                colors,
                forbid,
                protect,
                tolerance,
                min_on_palette,
            })
        } else {
            Err(errs)
        }
    }
}

/// Brand compliance of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Compliance {
    /// Share of pixels within tolerance of some brand colour.
    pub on_palette: f64,
    /// Per brand colour: share of pixels within tolerance whose nearest brand colour it is.
    pub coverage: Vec<f64>,
    /// Share of pixels within tolerance of a forbidden colour.
    pub forbidden: f64,
    /// Mean ΔE2000 to the nearest brand colour.
    pub mean_de: f64,
    /// 95th percentile of the ΔE2000 to the nearest brand colour (exact to 0.01).
    pub p95_de: f64,
}

const FILLED: u64 = 1 << 63;
const FORBIDDEN: u64 = 1 << 62;
/// Histogram bins of 0.01 ΔE up to this value (CIEDE2000 between sRGB colours stays below ~120).
const HIST_MAX: f64 = 160.0;

/// The per-colour cache of a brand (see the module docs). 128 MiB, allocated once per brand.
pub struct BrandTable {
    brand: Vec<Lab>,
    forbid: Vec<Lab>,
    tolerance: f64,
    cells: Vec<AtomicU64>,
    lab: Vec<[f64; 3]>,
}

impl BrandTable {
    /// Builds an empty table for a brand.
    pub fn new(brand: &Brand) -> BrandTable {
        // Per channel, the decoded linear value: the Lab conversion of a new colour then costs
        // one matrix product and three cube roots.
        let lin: Vec<[f64; 3]> = (0..256)
            .map(|v| [crate::space::srgb_decode(f64::from(v as u8) / 255.0); 3])
            .collect();
        BrandTable {
            brand: brand.colors.iter().map(|c| c.1).collect(),
            forbid: brand.forbid.iter().map(|c| c.1).collect(),
            tolerance: brand.tolerance,
            cells: (0..1usize << 24).map(|_| AtomicU64::new(0)).collect(),
            lab: lin,
        }
    }

    fn compute(&self, r: u8, g: u8, b: u8) -> u64 {
        let lin = [
            self.lab[r as usize][0],
            self.lab[g as usize][0],
            self.lab[b as usize][0],
        ];
        let lab = crate::space::xyz_to_lab(crate::space::linear_to_xyz(lin));
        let (mut best, mut idx) = (f64::INFINITY, 0usize);
        for (i, c) in self.brand.iter().enumerate() {
            let d = de2000(lab, *c);
            if d < best {
                best = d;
                idx = i;
            }
        }
        let forbidden = self.forbid.iter().any(|f| de2000(lab, *f) < self.tolerance);
        FILLED
            | if forbidden { FORBIDDEN } else { 0 }
            | (idx as u64) << 32
            | u64::from((best as f32).to_bits())
    }

    /// `(ΔE2000 to the nearest brand colour, its index, within tolerance of a forbidden colour)`.
    #[inline]
    pub fn lookup(&self, r: u8, g: u8, b: u8) -> (f32, usize, bool) {
        let cell = &self.cells[(r as usize) << 16 | (g as usize) << 8 | b as usize];
        let mut v = cell.load(Ordering::Relaxed);
        if v == 0 {
            v = self.compute(r, g, b);
            cell.store(v, Ordering::Relaxed);
        }
        (
            f32::from_bits(v as u32),
            ((v >> 32) & 0xFF) as usize,
            v & FORBIDDEN != 0,
        )
    }

    /// Measures an RGB image (3 bytes per pixel).
    pub fn measure(&self, rgb: &[u8]) -> Compliance {
        let n = rgb.len() / 3;
        let tol = self.tolerance as f32;
        let mut on = 0u64;
        let mut forb = 0u64;
        let mut cover = vec![0u64; self.brand.len()];
        let mut sum = 0f64;
        let bins = (HIST_MAX * 100.0) as usize + 1;
        let mut hist = vec![0u32; bins];
        // Consecutive pixels often repeat; reuse the last lookup.
        let mut last: Option<([u8; 3], (f32, usize, bool))> = None;
        for p in rgb.chunks_exact(3) {
            let key = [p[0], p[1], p[2]];
            let (de, idx, f) = match last {
                Some((k, v)) if k == key => v,
                _ => {
                    let v = self.lookup(p[0], p[1], p[2]);
                    last = Some((key, v));
                    v
                }
            };
            if de < tol {
                on += 1;
                cover[idx] += 1;
            }
            forb += u64::from(f);
            sum += f64::from(de);
            hist[((f64::from(de) * 100.0) as usize).min(bins - 1)] += 1;
        }
        let nn = n.max(1) as f64;
        let target = (0.95 * n as f64).ceil() as u64;
        let mut acc = 0u64;
        let mut p95 = 0.0;
        for (i, &c) in hist.iter().enumerate() {
            acc += u64::from(c);
            if acc >= target && c > 0 {
                p95 = i as f64 / 100.0;
                break;
            }
        }
        Compliance {
            on_palette: on as f64 / nn,
            coverage: cover.iter().map(|&c| c as f64 / nn).collect(),
            forbidden: forb as f64 / nn,
            mean_de: sum / nn,
            p95_de: p95,
        }
    }
}

/// The nearest brand colour of a colour: `(index, ΔE2000)`.
pub fn nearest(brand: &Brand, lab: Lab) -> (usize, f64) {
    brand
        .colors
        .iter()
        .enumerate()
        .map(|(i, c)| (i, de2000(lab, c.1)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, f64::INFINITY))
}

/// Converts an sRGB colour to CIELAB (a convenience for callers holding 8-bit values).
pub fn lab_of(c: Rgb8) -> Lab {
    Lab::from_rgb8(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand() -> Brand {
        let spec: BrandSpec = BrandSpec {
            palette: vec![
                ColorSpec::Bare("#0047AB".into()),
                ColorSpec::Named {
                    name: Some("Paper".into()),
                    hex: "#F4F1EA".into(),
                },
            ],
            tolerance: Some(5.0),
            min_on_palette: None,
            forbid: vec![ColorSpec::Bare("#FF0000".into())],
            protect: Vec::new(),
        };
        Brand::from_spec(&spec).unwrap()
    }

    #[test]
    fn table_matches_direct_computation() {
        let b = brand();
        let t = BrandTable::new(&b);
        for (r, g, bb) in [
            (0u8, 71u8, 171u8),
            (10, 80, 160),
            (250, 0, 5),
            (244, 241, 234),
            (0, 0, 0),
            (128, 128, 128),
        ] {
            let lab = Lab::from_rgb8(Rgb8::new(r, g, bb));
            let (i, d) = nearest(&b, lab);
            let (td, ti, _) = t.lookup(r, g, bb);
            assert_eq!(ti, i);
            assert!((f64::from(td) - d).abs() < 1e-4, "{td} vs {d}");
        }
    }

    #[test]
    fn measures_shares_coverage_forbidden_and_percentiles() {
        let b = brand();
        let t = BrandTable::new(&b);
        // 50 % brand blue, 25 % paper, 25 % pure red (forbidden, far from the palette).
        let mut img = Vec::new();
        for i in 0..400 {
            let c = match i % 4 {
                0 | 1 => [0u8, 71, 171],
                2 => [244, 241, 234],
                _ => [255, 0, 0],
            };
            img.extend_from_slice(&c);
        }
        let c = t.measure(&img);
        assert!((c.on_palette - 0.75).abs() < 1e-9);
        assert!((c.coverage[0] - 0.5).abs() < 1e-9 && (c.coverage[1] - 0.25).abs() < 1e-9);
        assert!((c.forbidden - 0.25).abs() < 1e-9);
        let red = nearest(&b, Lab::from_rgb8(Rgb8::new(255, 0, 0))).1;
        assert!((c.mean_de - red / 4.0).abs() < 1e-3);
        assert!(
            (c.p95_de - red).abs() <= 0.01 + 1e-9,
            "{} vs {red}",
            c.p95_de
        );
    }

    #[test]
    fn spec_errors_are_all_reported() {
        let spec = BrandSpec {
            palette: vec![
                ColorSpec::Bare("#12".into()),
                ColorSpec::Bare("blurple".into()),
            ],
            tolerance: Some(-1.0),
            min_on_palette: Some(2.0),
            forbid: vec![],
            protect: vec![],
        };
        let e = Brand::from_spec(&spec).unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].starts_with("brand.palette[0]"));
    }
}

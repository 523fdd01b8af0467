//! The brand judge: the share of on-palette pixels (exact per-pixel CIEDE2000), coverage per brand
//! colour and the share of forbidden colours.

use darkroom_color::brand::{Brand, BrandTable};
use darkroom_core::judge::{Finding, ImageRef, Judge, Judgement, Verdict};

/// A brand and its per-colour ΔE cache (build once per campaign; 128 MiB).
pub struct BrandJudge {
    brand: Brand,
    table: BrandTable,
}

impl BrandJudge {
    /// Builds the judge for a brand.
    pub fn new(brand: Brand) -> BrandJudge {
        let table = BrandTable::new(&brand);
        BrandJudge { brand, table }
    }
}

/// Forbidden colours may cover at most this share of an image.
pub const MAX_FORBIDDEN: f64 = 0.05;

impl Judge<()> for BrandJudge {
    fn name(&self) -> &'static str {
        "brand"
    }

    fn judge(&self, image: ImageRef<'_>, _: &()) -> Judgement {
        let c = self.table.measure(image.rgb);
        let b = &self.brand;
        let mut findings = vec![Finding {
            assertion: None,
            // A measurement against a threshold: as sure as the measurement.
            confidence: 1.0,
            verdict: if c.on_palette >= b.min_on_palette { Verdict::Yes } else { Verdict::No },
            evidence: format!(
                "{:.1}% of pixels within ΔE2000 {} of the palette ({:.0}% required); mean ΔE {:.2}, p95 {:.2}",
                c.on_palette * 100.0,
                b.tolerance,
                b.min_on_palette * 100.0,
                c.mean_de,
                c.p95_de
            ),
        }];
        if !b.forbid.is_empty() {
            findings.push(Finding {
                assertion: None,
                confidence: 1.0,
                verdict: if c.forbidden <= MAX_FORBIDDEN {
                    Verdict::Yes
                } else {
                    Verdict::No
                },
                evidence: format!(
                    "{:.1}% of pixels near a forbidden colour (at most {:.0}%)",
                    c.forbidden * 100.0,
                    MAX_FORBIDDEN * 100.0
                ),
            });
        }
        let mut metrics = vec![
            ("on_palette".to_string(), c.on_palette),
            ("forbidden".to_string(), c.forbidden),
            ("mean_de2000".to_string(), c.mean_de),
            ("p95_de2000".to_string(), c.p95_de),
        ];
        for (col, v) in b.colors.iter().zip(&c.coverage) {
            metrics.push((format!("coverage:{}", col.0), *v));
        }
        Judgement {
            judge: "brand".into(),
            score: Some(c.on_palette),
            findings,
            metrics,
        }
    }
}

//! The novelty judge: a draft that is a near-duplicate of a sibling (same shot) adds nothing.

use darkroom_core::judge::{Finding, ImageRef, Judge, Judgement, Verdict};
use darkroom_imageops::{phash, RgbImage};

/// The siblings already kept for the shot, as perceptual hashes, and the duplicate threshold.
#[derive(Debug, Clone, Default)]
pub struct Siblings {
    /// pHashes of the siblings.
    pub hashes: Vec<u64>,
    /// Hamming distance at or below which an image is a near-duplicate.
    pub threshold: u32,
}

/// The novelty judge.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoveltyJudge;

impl Judge<Siblings> for NoveltyJudge {
    fn name(&self) -> &'static str {
        "novelty"
    }

    fn judge(&self, image: ImageRef<'_>, sib: &Siblings) -> Judgement {
        let img = RgbImage {
            width: image.width,
            height: image.height,
            rgb: image.rgb.to_vec(),
            text: Vec::new(),
        };
        let h = phash::phash(&img);
        let nearest = sib.hashes.iter().map(|&s| phash::hamming(h, s)).min();
        let (verdict, evidence) = match nearest {
            None => (Verdict::Yes, "no sibling yet".to_string()),
            Some(d) if d <= sib.threshold => (
                Verdict::No,
                format!(
                    "pHash distance {d} to a sibling (≤ {} is a near-duplicate)",
                    sib.threshold
                ),
            ),
            Some(d) => (
                Verdict::Yes,
                format!("nearest sibling at pHash distance {d}"),
            ),
        };
        Judgement {
            judge: "novelty".into(),
            score: Some(nearest.map_or(1.0, |d| (f64::from(d) / 32.0).min(1.0))),
            findings: vec![Finding {
                assertion: None,
                // A measurement against a threshold: as sure as the measurement.
                confidence: 1.0,
                verdict,
                evidence,
            }],
            metrics: vec![
                ("phash".into(), h as f64),
                ("nearest_distance".into(), nearest.map_or(64.0, f64::from)),
            ],
        }
    }
}

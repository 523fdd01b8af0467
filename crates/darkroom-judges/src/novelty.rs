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

/// The perceptual hash a novelty judgement measured, exactly (see [`NoveltyJudge`]'s metrics).
pub fn phash_of(j: &Judgement) -> Option<u64> {
    let half = |n: &str| {
        j.metric(n)
            .filter(|v| (0.0..=f64::from(u32::MAX)).contains(v))
            .map(|v| v as u64)
    };
    Some(half("phash_hi")? << 32 | half("phash_lo")?)
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
        judge_hash(phash::phash(&img), sib)
    }
}

/// The novelty judgement of an image whose perceptual hash is `h`: what [`NoveltyJudge`] says,
/// for a caller that hashed the image earlier (beside other work) and knows its siblings only
/// now.
pub fn judge_hash(h: u64, sib: &Siblings) -> Judgement {
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
        // The hash in two 32-bit halves: a metric is an f64, which keeps 53 bits, and a
        // rounded hash would put near-duplicates a few bits apart.
        metrics: vec![
            ("phash_hi".into(), f64::from((h >> 32) as u32)),
            ("phash_lo".into(), f64::from(h as u32)),
            ("nearest_distance".into(), nearest.map_or(64.0, f64::from)),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_survives_its_metrics_exactly() {
        // 2^63 + 1 is not an f64: stored whole, its low bit would be lost.
        let w = 64;
        let rgb: Vec<u8> = (0..w * w * 3).map(|i| ((i * 37) % 251) as u8).collect();
        let img = ImageRef {
            width: w as u32,
            height: w as u32,
            rgb: &rgb,
        };
        let j = NoveltyJudge.judge(img, &Siblings::default());
        let h = phash::phash(&RgbImage {
            width: w as u32,
            height: w as u32,
            rgb: rgb.clone(),
            text: Vec::new(),
        });
        assert_eq!(phash_of(&j), Some(h));
        let odd = (1u64 << 63) | 1;
        let k = Judgement {
            metrics: vec![
                ("phash_hi".into(), f64::from((odd >> 32) as u32)),
                ("phash_lo".into(), f64::from(odd as u32)),
            ],
            ..j
        };
        assert_eq!(phash_of(&k), Some(odd));
        assert_ne!((odd as f64) as u64, odd, "why the halves");
    }
}

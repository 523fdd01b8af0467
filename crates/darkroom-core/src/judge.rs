//! The judging seam: what every judge takes and returns.
//!
//! A judge scores one image. What it needs besides the pixels (a checklist, a brand, the
//! siblings of the same shot, the requested size) is its own context type `C`, so this crate
//! stays free of the prompt and colour crates while the engine can hold any judge behind one
//! trait per context.

use serde::{Deserialize, Serialize};

/// Pixels to judge: 8-bit sRGB, row-major, 3 bytes per pixel.
#[derive(Debug, Clone, Copy)]
pub struct ImageRef<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: &'a [u8],
}

/// The answer to one checklist assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The image does what the assertion says.
    Yes,
    /// It does not.
    No,
    /// This judge cannot tell; never a guess.
    Undecided,
}

impl Verdict {
    /// `yes`, `no` or `undecided`, as serialised.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::No => "no",
            Verdict::Undecided => "undecided",
        }
    }
}

/// A verdict on one assertion, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The checklist assertion id, when the finding answers one.
    pub assertion: Option<usize>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why: the region, the measured ΔE, the offsets; plain text for people and the report.
    pub evidence: String,
    /// How strong the evidence is, 0..1: how often a verdict on evidence like this one is right
    /// (0 for `undecided`). Gates count a "no" only above their confidence threshold. Findings
    /// recorded before confidences existed read as 1.
    #[serde(default = "full_confidence")]
    pub confidence: f64,
}

fn full_confidence() -> f64 {
    1.0
}

/// The confidence threshold a gate uses when the campaign sets none (`[gates] confidence`).
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.5;

/// What a judge says about one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// The judge's name (`layout`, `brand`, `quality`, `novelty`, `vision`).
    pub judge: String,
    /// The score in 0..1 (adherence = satisfied ÷ decided), `None` when nothing was decided.
    pub score: Option<f64>,
    /// Per-assertion (or per-check) findings.
    pub findings: Vec<Finding>,
    /// Named measurements (on-palette share, sharpness, pHash distance…).
    pub metrics: Vec<(String, f64)>,
}

impl Judgement {
    /// Satisfied ÷ decided over the findings that answer assertions.
    pub fn adherence(findings: &[Finding]) -> Option<f64> {
        let decided = findings
            .iter()
            .filter(|f| f.verdict != Verdict::Undecided)
            .count();
        let yes = findings
            .iter()
            .filter(|f| f.verdict == Verdict::Yes)
            .count();
        (decided > 0).then(|| yes as f64 / decided as f64)
    }

    /// Satisfied ÷ decided, where a "no" counts only with a confidence of at least
    /// `min_confidence`: weak evidence against an assertion does not reject an image.
    pub fn gated_adherence(findings: &[Finding], min_confidence: f64) -> Option<f64> {
        let counts = |f: &&Finding| {
            f.assertion.is_some()
                && match f.verdict {
                    Verdict::Yes => true,
                    Verdict::No => f.confidence >= min_confidence,
                    Verdict::Undecided => false,
                }
        };
        let decided = findings.iter().filter(counts).count();
        let yes = findings
            .iter()
            .filter(|f| f.assertion.is_some() && f.verdict == Verdict::Yes)
            .count();
        (decided > 0).then(|| yes as f64 / decided as f64)
    }

    /// A named metric.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics.iter().find(|m| m.0 == name).map(|m| m.1)
    }
}

/// Something that scores images given a context `C`.
pub trait Judge<C: ?Sized> {
    /// A short stable name.
    fn name(&self) -> &'static str;
    /// Judges one image.
    fn judge(&self, image: ImageRef<'_>, ctx: &C) -> Judgement;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(verdict: Verdict, confidence: f64) -> Finding {
        Finding {
            assertion: Some(0),
            verdict,
            evidence: String::new(),
            confidence,
        }
    }

    #[test]
    fn a_weak_no_does_not_count_against_adherence() {
        let all = [
            f(Verdict::Yes, 0.9),
            f(Verdict::No, 0.9),
            f(Verdict::No, 0.45),
            f(Verdict::Undecided, 0.0),
        ];
        assert_eq!(Judgement::adherence(&all), Some(1.0 / 3.0));
        assert_eq!(Judgement::gated_adherence(&all, 0.5), Some(0.5));
        assert_eq!(Judgement::gated_adherence(&all, 0.0), Some(1.0 / 3.0));
        assert_eq!(Judgement::gated_adherence(&all[2..], 0.5), None);
        // A check that answers no assertion (sharpness, palette) is not adherence.
        let check = Finding {
            assertion: None,
            ..f(Verdict::No, 1.0)
        };
        assert_eq!(Judgement::gated_adherence(&[check], 0.5), None);
    }

    #[test]
    fn findings_recorded_before_confidences_read_as_sure() {
        let old: Finding =
            serde_json::from_str(r#"{"assertion":1,"verdict":"no","evidence":"x"}"#).unwrap();
        assert_eq!(old.confidence, 1.0);
    }
}

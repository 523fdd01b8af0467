//! The quality judge: sharpness, exposure clipping, and the pixel size and aspect ratio against
//! what was requested (some integrations silently ignore the size).

use darkroom_core::judge::{Finding, ImageRef, Judge, Judgement, Verdict};
use darkroom_imageops::RgbImage;

/// What the image was asked to be.
#[derive(Debug, Clone, Copy)]
pub struct Requested {
    /// Requested width in pixels.
    pub width: u32,
    /// Requested height in pixels.
    pub height: u32,
}

/// The quality judge.
#[derive(Debug, Clone, Copy, Default)]
pub struct QualityJudge;

/// More than this share of crushed or blown pixels fails the exposure check.
pub const MAX_CLIPPED: f64 = 0.05;

impl Judge<Requested> for QualityJudge {
    fn name(&self) -> &'static str {
        "quality"
    }

    fn judge(&self, image: ImageRef<'_>, req: &Requested) -> Judgement {
        let img = RgbImage {
            width: image.width,
            height: image.height,
            rgb: image.rgb.to_vec(),
            text: Vec::new(),
        };
        let (sharp, raw) = darkroom_imageops::metrics::sharpness(&img);
        let (lo, hi) = darkroom_imageops::metrics::clipping(&img);
        let size_ok = (image.width, image.height) == (req.width, req.height);
        let (ra, ga) = (
            f64::from(req.width) / f64::from(req.height.max(1)),
            f64::from(image.width) / f64::from(image.height.max(1)),
        );
        let aspect_ok = (ra - ga).abs() / ra < 0.01;
        let yn = |b: bool| if b { Verdict::Yes } else { Verdict::No };
        let findings = vec![
            Finding {
                assertion: None,
                // A measurement against a threshold: as sure as the measurement.
                confidence: 1.0,
                verdict: yn(size_ok),
                evidence: format!(
                    "{}x{} returned, {}x{} requested",
                    image.width, image.height, req.width, req.height
                ),
            },
            Finding {
                assertion: None,
                confidence: 1.0,
                verdict: yn(aspect_ok),
                evidence: format!("aspect {ga:.3} returned, {ra:.3} requested"),
            },
            Finding {
                assertion: None,
                confidence: 1.0,
                verdict: yn(lo + hi <= MAX_CLIPPED),
                evidence: format!(
                    "{:.1}% crushed shadows, {:.1}% blown highlights",
                    lo * 100.0,
                    hi * 100.0
                ),
            },
        ];
        Judgement {
            judge: "quality".into(),
            score: Some(if size_ok || aspect_ok { sharp } else { 0.0 }),
            findings,
            metrics: vec![
                ("sharpness".into(), sharp),
                ("laplacian_variance".into(), raw),
                ("clipped_shadows".into(), lo),
                ("clipped_highlights".into(), hi),
            ],
        }
    }
}

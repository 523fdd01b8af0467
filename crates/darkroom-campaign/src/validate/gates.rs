//! `[gates]`: the thresholds a draft must pass to be promoted.

use super::*;

/// Checks `[gates]`.
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>) -> Gates {
    let mut gates = Gates {
        near_duplicate: 6,
        confidence: darkroom_core::judge::DEFAULT_MIN_CONFIDENCE,
        ..Gates::default()
    };
    if let Some(g) = node {
        for (k, n) in v.keys(
            g,
            "gates",
            &[
                "adherence",
                "on_palette",
                "sharpness",
                "near_duplicate",
                "confidence",
            ],
        ) {
            let kp = format!("gates.{k}");
            match k {
                "adherence" => gates.adherence = v.number(n, &kp, 0.0, 1.0),
                "confidence" => {
                    if let Some(c) = v.number(n, &kp, 0.0, 1.0) {
                        gates.confidence = c;
                    }
                }
                "on_palette" => gates.on_palette = v.number(n, &kp, 0.0, 1.0),
                "sharpness" => gates.sharpness = v.number(n, &kp, 0.0, 1.0),
                _ => gates.near_duplicate = v.int(n, &kp, 0, 64).unwrap_or(6) as u32,
            }
        }
    }
    gates
}

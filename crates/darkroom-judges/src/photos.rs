//! The layout judge on a labelled set of photographs: how often it says "no" to what is true,
//! how often it abstains, and how often it catches what is false.
//!
//! A set is a folder with the images and a `labels.tsv`: one case per line, `image<TAB>prompt
//! <TAB>truth`, where the truth is `true` (every checklist claim of the prompt holds in the
//! image) or `false: QUESTION` (the one claim that does not hold, as the checklist asks it; every
//! other claim holds). Lines starting with `#` are comments.

use std::collections::BTreeMap;
use std::path::Path;

use darkroom_core::judge::{ImageRef, Judgement, Verdict};
use darkroom_prompt::AssertionKind;

use crate::layout::LayoutJudge;

/// One labelled case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The image's file name in the set's folder.
    pub image: String,
    /// The prompt.
    pub prompt: String,
    /// The checklist question that is false; `None` when every claim is true.
    pub wrong: Option<String>,
}

/// Reads a `labels.tsv`: every problem at once, each with its line number.
pub fn parse_labels(text: &str) -> Result<Vec<Case>, Vec<String>> {
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 3 {
            errors.push(format!(
                "line {}: {} column(s); accepted: image<TAB>prompt<TAB>true | false: QUESTION",
                n + 1,
                f.len()
            ));
            continue;
        }
        let wrong = match f[2].trim() {
            "true" => None,
            t => match t.strip_prefix("false:") {
                Some(q) if !q.trim().is_empty() => Some(q.trim().to_string()),
                _ => {
                    errors.push(format!(
                        "line {}: truth `{t}`; accepted: true, or false: QUESTION",
                        n + 1
                    ));
                    continue;
                }
            },
        };
        cases.push(Case {
            image: f[0].trim().to_string(),
            prompt: f[1].trim().to_string(),
            wrong,
        });
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

/// Figures for one checklist category.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// True claims.
    pub true_claims: u64,
    /// True claims decided (yes or no).
    pub true_decided: u64,
    /// True claims answered "no": the judge rejected what is true.
    pub no_on_true: u64,
    /// False claims.
    pub false_claims: u64,
    /// False claims answered "no".
    pub caught: u64,
    /// False claims answered "yes".
    pub missed: u64,
}

/// What a labelled set shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhotoReport {
    /// Per checklist category.
    pub categories: BTreeMap<String, Figures>,
    /// Prompts whose claims all hold.
    pub true_prompts: u64,
    /// Of them, those whose adherence (yes over decided; 1 with none decided) passes the gate.
    pub true_pass: u64,
    /// Each true claim answered "no": image, prompt, question, evidence.
    pub rejections: Vec<(String, String, String, String)>,
    /// Each false claim not answered "no": image, prompt, question, verdict and evidence.
    pub misses: Vec<(String, String, String, String)>,
    /// Every "no" by the confidence it carried: per band (its lower bound), how many were said
    /// on false claims (right) and on true ones (wrong). A calibrated judge is right more often
    /// in the higher bands.
    pub no_by_confidence: Vec<(f64, u64, u64)>,
    /// False colour claims whose colour is in the picture all the same, elsewhere or as a small
    /// part of the object (a patch large enough to be an object, see
    /// [`crate::layout::colour_in_picture`]): on these a
    /// pixel judge that cannot find the named object must abstain, so at most the other false
    /// colour claims can be caught.
    pub colour_elsewhere: u64,
    /// Cases a vision judge answered (none without one).
    pub vision_answered: u64,
    /// Checklist items the pixel and vision judges decided oppositely (the vision verdict
    /// stood, as on any image that is not the built-in renderer's).
    pub disagreements: u64,
    /// Cases that could not be judged (unreadable image, a `false:` question not in the
    /// prompt's checklist), with why.
    pub errors: Vec<String>,
}

/// Lower bounds of the confidence bands `no_by_confidence` counts in.
pub const BANDS: [f64; 4] = [0.0, 0.5, 0.7, 0.85];

/// Judges every case of the set in `dir` with the layout judge, and with what `vision` answered
/// for the case at that index when it answered (its decided verdicts stand, as in a run on
/// images that are not the built-in renderer's); `gate` is the adherence gate and
/// `min_confidence` the confidence a "no" needs to count against it.
pub fn audit(
    dir: &Path,
    cases: &[Case],
    gate: f64,
    min_confidence: f64,
    vision: &dyn Fn(usize) -> Option<Judgement>,
) -> PhotoReport {
    let mut r = PhotoReport {
        no_by_confidence: BANDS.iter().map(|&b| (b, 0, 0)).collect(),
        ..PhotoReport::default()
    };
    for (i, c) in cases.iter().enumerate() {
        let path = dir.join(&c.image);
        let img = match darkroom_imageops::read_png(&path, 1 << 26) {
            Ok(i) => i,
            Err(e) => {
                r.errors.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let scene = match darkroom_prompt::parse(&c.prompt) {
            Ok(s) => s,
            Err(e) => {
                r.errors.push(format!("{}: {:?}: {e}", c.image, c.prompt));
                continue;
            }
        };
        if let Some(q) = &c.wrong {
            if !scene.checklist.iter().any(|a| &a.question == q) {
                let asked: Vec<&str> = scene
                    .checklist
                    .iter()
                    .map(|a| a.question.as_str())
                    .collect();
                r.errors.push(format!(
                    "{}: {:?}: `false: {q}` is not a question of its checklist: {}",
                    c.image,
                    c.prompt,
                    asked.join(" | ")
                ));
                continue;
            }
        }
        let image = ImageRef {
            width: img.width,
            height: img.height,
            rgb: &img.rgb,
        };
        let seg = crate::layout::segment::segment(image);
        let j = LayoutJudge.judge_segmented(image, &seg, &scene);
        let seen = vision(i);
        r.vision_answered += u64::from(seen.is_some());
        let (findings, disagree) = crate::vision::merge(&j.findings, seen.as_ref(), false);
        r.disagreements += disagree.len() as u64;
        // The colour a false colour claim names, when the picture has it on something else.
        let wrong_colour = scene
            .checklist
            .iter()
            .find(|a| c.wrong.as_deref() == Some(a.question.as_str()))
            .filter(|a| a.kind == AssertionKind::Color)
            .and_then(|a| scene.entities.get(*a.entities.first()?)?.color.as_ref());
        if let Some(colour) = wrong_colour {
            r.colour_elsewhere += u64::from(crate::layout::colour_in_picture(&seg, colour));
        }
        let (mut yes, mut no) = (0u64, 0u64);
        for f in &findings {
            let Some(a) = f.assertion.and_then(|i| scene.checklist.get(i)) else {
                continue;
            };
            let is_false = c.wrong.as_deref() == Some(a.question.as_str());
            if f.verdict == Verdict::No {
                if let Some(band) = r
                    .no_by_confidence
                    .iter_mut()
                    .rev()
                    .find(|b| f.confidence >= b.0)
                {
                    if is_false {
                        band.1 += 1;
                    } else {
                        band.2 += 1;
                    }
                }
            }
            let fig = r.categories.entry(a.kind.as_str().to_string()).or_default();
            if is_false {
                fig.false_claims += 1;
                fig.caught += u64::from(f.verdict == Verdict::No);
                fig.missed += u64::from(f.verdict == Verdict::Yes);
                if f.verdict != Verdict::No {
                    r.misses.push((
                        c.image.clone(),
                        c.prompt.clone(),
                        a.question.clone(),
                        format!("{}: {}", f.verdict.as_str(), f.evidence),
                    ));
                }
                continue;
            }
            fig.true_claims += 1;
            match f.verdict {
                Verdict::Yes => {
                    fig.true_decided += 1;
                    yes += 1;
                }
                Verdict::No => {
                    fig.true_decided += 1;
                    fig.no_on_true += 1;
                    no += u64::from(f.confidence >= min_confidence);
                    r.rejections.push((
                        c.image.clone(),
                        c.prompt.clone(),
                        a.question.clone(),
                        f.evidence.clone(),
                    ));
                }
                Verdict::Undecided => {}
            }
        }
        if c.wrong.is_none() {
            r.true_prompts += 1;
            let adherence = if yes + no == 0 {
                1.0
            } else {
                yes as f64 / (yes + no) as f64
            };
            r.true_pass += u64::from(adherence >= gate);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_with_every_problem_at_once() {
        let ok = parse_labels(
            "# set\na.png\ta red ball\ttrue\nb.png\ta blue ball\tfalse: Is the ball blue?\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].wrong.as_deref(), Some("Is the ball blue?"));
        let e = parse_labels("a.png\tx\nb.png\ty\tmaybe\n").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("line 1:") && e[1].contains("truth `maybe`"));
    }
}

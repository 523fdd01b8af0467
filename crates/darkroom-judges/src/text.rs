//! The text judge: a prompt's quoted text answered by reading the image (OCR, [`darkroom_ocr`]).
//!
//! A text assertion ("Does the sign say \"OPEN\"?") is
//! - **yes** when some pass reads the wanted words exactly (letters and digits; case, spacing
//!   and punctuation aside), at a word confidence of [`YES_CONF`] or more;
//! - **no** when no pass reads them but one reads them with small errors ("OPEM": at most a
//!   third of the letters wrong) at a confidence of [`NO_CONF`] or more — a misspelt headline
//!   ruins a marketing asset, so that is a failure with the reading as evidence;
//! - **undecided** otherwise: nothing legible, or legible text that is not like the wanted text
//!   (which may be other lettering in the picture; the judge cannot tell whose it is).
//!
//! Without Tesseract every text assertion stays undecided and says why.

use darkroom_core::judge::{Finding, Verdict};
use darkroom_ocr::Reading;

/// Least mean word confidence (Tesseract's 0–100) for an exact reading to count.
pub const YES_CONF: f32 = 40.0;
/// Least mean word confidence for a near miss to be a "no".
pub const NO_CONF: f32 = 70.0;

/// Letters and digits, upper-cased: what "the same text" compares.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Levenshtein distance between two strings, by characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest run of words in a reading to the wanted text.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The words as read.
    pub read: String,
    /// Letters off (Levenshtein on the normalised strings).
    pub distance: usize,
    /// `distance` over the wanted text's length.
    pub normalised: f64,
    /// Mean confidence of the words, 0–100.
    pub conf: f32,
    /// The pass that read it.
    pub pass: &'static str,
}

/// The best match of `wanted` over every pass and every run of consecutive words (the wanted
/// word count, one fewer or one more: OCR splits and joins words).
pub fn best_match(reading: &Reading, wanted: &str) -> Option<Match> {
    best_in(&reading.passes, wanted)
}

/// [`best_match`] over some passes.
fn best_in(passes: &[darkroom_ocr::Pass], wanted: &str) -> Option<Match> {
    let target = normalise(wanted);
    if target.is_empty() {
        return None;
    }
    let n = wanted.split_whitespace().count().max(1);
    let mut best: Option<Match> = None;
    for pass in passes {
        let words: Vec<_> = pass
            .words
            .iter()
            .filter(|w| !normalise(&w.text).is_empty())
            .collect();
        for start in 0..words.len() {
            for k in n.saturating_sub(1).max(1)..=n + 1 {
                let Some(run) = words.get(start..start + k) else {
                    break;
                };
                let read = run.iter().map(|w| w.text.as_str()).collect::<Vec<_>>();
                let d = levenshtein(&normalise(&read.join("")), &target);
                let conf = run.iter().map(|w| w.conf).sum::<f32>() / k as f32;
                let m = Match {
                    read: read.join(" "),
                    distance: d,
                    normalised: d as f64 / target.chars().count() as f64,
                    conf,
                    pass: pass.name,
                };
                let better = best.as_ref().is_none_or(|b| {
                    (m.distance, -(m.conf as i64)) < (b.distance, -(b.conf as i64))
                });
                if better {
                    best = Some(m);
                }
            }
        }
    }
    best
}

/// The verdict, confidence and evidence for one wanted text.
pub fn answer(reading: &Reading, wanted: &str) -> (Verdict, f64, String) {
    let exact = reading
        .passes
        .iter()
        .filter_map(|p| best_in(std::slice::from_ref(p), wanted))
        .filter(|m| m.distance == 0 && m.conf >= YES_CONF)
        .max_by(|a, b| a.conf.total_cmp(&b.conf));
    if let Some(m) = exact {
        return (
            Verdict::Yes,
            f64::from(m.conf / 100.0).clamp(0.5, 0.99),
            format!("read \"{}\" (confidence {:.0})", m.read, m.conf),
        );
    }
    let near = best_match(reading, wanted);
    let len = normalise(wanted).chars().count();
    if let Some(m) = &near {
        // Small errors: at most a third of the letters, and one letter in a word of one or two.
        let small = m.distance > 0 && m.distance <= (len / 3).max(1);
        if small && m.conf >= NO_CONF {
            return (
                Verdict::No,
                f64::from(0.6 + 0.3 * (m.conf - NO_CONF) / (100.0 - NO_CONF)).min(0.9),
                format!(
                    "read \"{}\" where \"{wanted}\" was wanted: {} letter{} off (confidence {:.0})",
                    m.read,
                    m.distance,
                    if m.distance == 1 { "" } else { "s" },
                    m.conf
                ),
            );
        }
    }
    let legible: Vec<String> = reading
        .texts(NO_CONF)
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    let evidence = match legible.iter().max_by_key(|t| t.len()) {
        Some(t) => format!("read \"{}\", which is not like \"{wanted}\"", clip(t, 60)),
        None => "no legible text found".to_string(),
    };
    (Verdict::Undecided, 0.0, evidence)
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

/// Whether every wanted text has been read exactly (reading further passes cannot change a
/// "yes").
pub fn all_found(reading: &Reading, wanted: &[(usize, String)]) -> bool {
    wanted
        .iter()
        .all(|(_, t)| answer(reading, t).0 == Verdict::Yes)
}

/// Answers the text assertions among `findings` (the checklist's `(assertion, wanted text)`
/// pairs in `wanted`) by reading the image once. Other findings are left as they are.
pub fn answer_all(
    findings: &mut [Finding],
    wanted: &[(usize, String)],
    read: impl FnOnce() -> Result<Reading, String>,
) {
    if wanted.is_empty() {
        return;
    }
    let reading = read();
    for (a, text) in wanted {
        let Some(f) = findings.iter_mut().find(|f| f.assertion == Some(*a)) else {
            continue;
        };
        let (verdict, confidence, evidence) = match &reading {
            Ok(r) => answer(r, text),
            Err(why) => (Verdict::Undecided, 0.0, format!("not read: {why}")),
        };
        f.verdict = verdict;
        f.confidence = confidence;
        f.evidence = evidence;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use darkroom_ocr::{Pass, Word};

    fn reading(words: &[(&str, f32)]) -> Reading {
        Reading {
            passes: vec![Pass {
                name: "grey",
                words: words
                    .iter()
                    .map(|(t, c)| Word {
                        text: (*t).into(),
                        conf: *c,
                        bbox: [0, 0, 1, 1],
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn exact_words_are_yes_whatever_the_case_and_punctuation() {
        let r = reading(&[("fire", 80.0), ("Spring", 91.0), ("SALE!", 95.0)]);
        assert_eq!(answer(&r, "SPRING SALE").0, Verdict::Yes);
        let split = reading(&[("SPR", 80.0), ("ING", 85.0), ("SALE", 95.0)]);
        assert_eq!(answer(&split, "SPRING SALE").0, Verdict::Yes);
    }

    #[test]
    fn one_wrong_letter_read_confidently_is_no_with_the_reading() {
        let (v, c, e) = answer(&reading(&[("OPEM", 92.0)]), "OPEN");
        assert_eq!(v, Verdict::No);
        assert!(c >= 0.6, "{c}");
        assert!(e.contains("OPEM") && e.contains("1 letter off"), "{e}");
    }

    #[test]
    fn a_doubtful_misreading_or_unrelated_text_is_undecided() {
        assert_eq!(
            answer(&reading(&[("OPEM", 40.0)]), "OPEN").0,
            Verdict::Undecided
        );
        let (v, _, e) = answer(&reading(&[("hydrant", 90.0)]), "OPEN");
        assert_eq!(v, Verdict::Undecided);
        assert!(e.contains("hydrant"), "{e}");
        let (v, _, e) = answer(&Reading::default(), "OPEN");
        assert_eq!(v, Verdict::Undecided);
        assert_eq!(e, "no legible text found");
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("OPEN", "OPEM"), 1);
        assert_eq!(levenshtein("SALE", "SAL"), 1);
        assert_eq!(levenshtein("", "AB"), 2);
        assert_eq!(levenshtein("KITTEN", "SITTING"), 3);
    }
}

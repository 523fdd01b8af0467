//! The vision judge: the checklist's questions asked of a vision-language model in one call,
//! answered yes/no, parsed strictly. Malformed or missing answers are `undecided`, never a crash
//! and never a guess. The HTTP calls belong to the providers (Gemini, OpenAI); here the model is
//! any function from (instructions, image) to text, so recorded answers test the parsing.

use darkroom_core::judge::{Finding, ImageRef, Judge, Judgement, Verdict};
use darkroom_prompt::Scene;

/// The confidence of a vision model's yes or no. The model gives no probability, so it is one
/// fixed figure: above the gate's default threshold (a vision "no" rejects), below the pixel
/// judge's strongest evidence (a colour with nothing of its hue in the picture).
const VISION_CONFIDENCE: f64 = 0.85;

/// Asks a model: `(instructions, image) → reply text`, or an error message.
pub type Ask = dyn Fn(&str, ImageRef<'_>) -> Result<String, String> + Send + Sync;

/// The vision judge.
pub struct VisionJudge {
    ask: Box<Ask>,
}

impl VisionJudge {
    /// A judge asking through `ask`.
    pub fn new(ask: Box<Ask>) -> VisionJudge {
        VisionJudge { ask }
    }
}

/// The instructions sent with the image: every question numbered, with a strict answer format.
pub fn instructions(scene: &Scene) -> String {
    let mut s = String::from(
        "You are checking whether an image matches its description. Answer every question below about the image \
         with exactly one word, yes or no. Reply with one line per question and nothing else, in the form \
         `<number>: yes` or `<number>: no`.\n\n",
    );
    for a in &scene.checklist {
        s.push_str(&format!("{}: {}\n", a.id + 1, a.question));
    }
    s
}

/// Parses a reply: `N: yes|no` lines (also `N. yes`, `N) no`, `N - Yes.`), or a JSON object
/// `{"1": "yes", …}` or array `["yes", "no", …]`. Returns one verdict per question; anything
/// missing, duplicated with a different answer, or not a clear yes/no is `Undecided`.
pub fn parse_answers(reply: &str, questions: usize) -> Vec<Verdict> {
    let mut out = vec![None::<Verdict>; questions];
    let mut conflict = vec![false; questions];
    let word = |w: &str| -> Option<Verdict> {
        let w = w
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase();
        match w.as_str() {
            "yes" | "true" => Some(Verdict::Yes),
            "no" | "false" => Some(Verdict::No),
            _ => None,
        }
    };
    let mut set = |i: usize, v: Verdict| {
        if i < questions {
            match out[i] {
                Some(old) if old != v => conflict[i] = true,
                _ => out[i] = Some(v),
            }
        }
    };
    let trimmed = reply
        .trim()
        .trim_start_matches("```json")
        .trim_start_matches("```")
        .trim_end_matches("```")
        .trim();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(trimmed) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if let (Ok(n), Some(s)) = (k.trim().parse::<usize>(), v.as_str().and_then(word))
                    {
                        if n >= 1 {
                            set(n - 1, s);
                        }
                    }
                }
            }
            serde_json::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    if let Some(s) = v.as_str().and_then(word) {
                        set(i, s);
                    }
                }
            }
            _ => {}
        }
    } else {
        for line in trimmed.lines() {
            let l = line.trim().trim_start_matches(['-', '*', ' ']);
            let digits: String = l.chars().take_while(|c| c.is_ascii_digit()).collect();
            let Ok(n) = digits.parse::<usize>() else {
                continue;
            };
            let rest = l[digits.len()..].trim_start_matches([':', '.', ')', '-', ' ']);
            // The answer must be the first word, and the only yes/no word on the line.
            let mut words = rest.split_whitespace();
            let first = words.next().and_then(word);
            let others = words.any(|w| word(w).is_some());
            if let (Some(v), false) = (first, others) {
                if n >= 1 {
                    set(n - 1, v);
                }
            }
        }
    }
    out.iter()
        .zip(&conflict)
        .map(|(v, &c)| {
            if c {
                Verdict::Undecided
            } else {
                v.unwrap_or(Verdict::Undecided)
            }
        })
        .collect()
}

impl Judge<Scene> for VisionJudge {
    fn name(&self) -> &'static str {
        "vision"
    }

    fn judge(&self, image: ImageRef<'_>, scene: &Scene) -> Judgement {
        let n = scene.checklist.len();
        let (verdicts, note) = match (self.ask)(&instructions(scene), image) {
            Ok(reply) => (parse_answers(&reply, n), "model answer".to_string()),
            Err(e) => (vec![Verdict::Undecided; n], format!("no answer: {e}")),
        };
        let findings: Vec<Finding> = scene
            .checklist
            .iter()
            .zip(&verdicts)
            .map(|(a, v)| Finding {
                assertion: Some(a.id),
                verdict: *v,
                evidence: note.clone(),
                confidence: if *v == Verdict::Undecided {
                    0.0
                } else {
                    VISION_CONFIDENCE
                },
            })
            .collect();
        Judgement {
            judge: "vision".into(),
            score: Judgement::adherence(&findings),
            findings,
            metrics: Vec::new(),
        }
    }
}

/// The verdict on each checklist item from the pixel judge's `layout` findings and the vision
/// judge's, and the items decided oppositely `(assertion, pixel, vision)`. `renders`: the image
/// is the built-in renderer's, where the pixel judge's decided verdicts stand.
pub fn merge(
    layout: &[Finding],
    vision: Option<&Judgement>,
    renders: bool,
) -> (Vec<Finding>, Vec<(usize, Verdict, Verdict)>) {
    let Some(v) = vision else {
        return (layout.to_vec(), Vec::new());
    };
    let mut disagree = Vec::new();
    let merged = layout
        .iter()
        .map(|f| {
            let Some(a) = f.assertion else {
                return f.clone();
            };
            let seen = v.findings.iter().find(|g| g.assertion == Some(a));
            match (f.verdict, seen) {
                (_, None) => f.clone(),
                (Verdict::Undecided, Some(g)) => g.clone(),
                (_, Some(g)) if g.verdict == Verdict::Undecided => f.clone(),
                (pixel, Some(g)) => {
                    if pixel != g.verdict {
                        disagree.push((a, pixel, g.verdict));
                    }
                    if renders {
                        f.clone()
                    } else {
                        g.clone()
                    }
                }
            }
        })
        .collect();
    (merged, disagree)
}

//! A recipe check as a page: the same report model the campaign report and the audits fill
//! (`darkroom-report` renders and escapes it), so `recipe check --html` writes no HTML of its
//! own. One tile per shot with its verdict, the judges' and the model's drift, a table of each
//! shot's questions (baseline against now, failing rows marked), and the baseline's and
//! today's drafts side by side.

use darkroom_report::{Card, Report, Section, Sheet, Stat, Table, Thumb};

use crate::{Drift, ShotCheck, Verdict};

/// A shot's shifts between its baseline and today's drafts, measured by the caller (which
/// decodes the images): palette, cost per draft, median latency, and thumbnails of both.
#[derive(Debug, Clone, Default)]
pub struct Shifts {
    /// Share-weighted ΔE2000 drift of the dominant colours (`None`: no images on one side).
    pub palette: Option<f64>,
    /// Cost per draft: the lock's, today's in USD, and the lock's unit.
    pub cost: (f64, f64, &'static str),
    /// Median latency in seconds: the lock's and today's.
    pub latency: (Option<f64>, Option<f64>),
    /// The baseline's thumbnails: JPEG bytes and pixel size.
    pub base_thumbs: Vec<(Vec<u8>, (u32, u32))>,
    /// Today's drafts' thumbnails.
    pub fresh_thumbs: Vec<(Vec<u8>, (u32, u32))>,
}

/// What the check looked at, for [`check_report`].
pub struct Checked<'a> {
    /// The campaign's name.
    pub campaign: &'a str,
    /// The judges' version today.
    pub judges: &'a str,
    /// Each shot's verdict and questions.
    pub shots: &'a [ShotCheck],
    /// Each shot's shifts, in the same order.
    pub shifts: &'a [Shifts],
    /// Where today's judges say otherwise of the same baseline images.
    pub drift: &'a [Drift],
    /// `(shot, model version)` the provider reported that the lock does not list.
    pub versions: &'a [(String, String)],
}

/// The word for a verdict, as the page and the terminal say it.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Unchanged => "unchanged",
        Verdict::Regressed => "regressed",
        Verdict::Improved => "improved",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// The check as a report model (images as thumbnails beside the page).
pub fn check_report(k: &Checked<'_>) -> Report {
    let mut r = Report {
        title: k.campaign.to_string(),
        kind: "recipe check".into(),
        subtitle: format!(
            "judges {}; {} judge drift; {} model version change(s)",
            k.judges,
            if k.drift.is_empty() { "no" } else { "some" },
            k.versions.len()
        ),
        ..Report::default()
    };
    r.stats = k
        .shots
        .iter()
        .map(|s| Stat {
            label: s.shot.clone(),
            value: verdict_word(s.verdict).into(),
            note: format!("{} fresh draft(s)", s.drafts),
            tone: match s.verdict {
                Verdict::Regressed => "bad",
                Verdict::Unchanged | Verdict::Improved => "good",
                Verdict::Inconclusive => "",
            }
            .into(),
        })
        .collect();
    if !k.drift.is_empty() || !k.versions.is_empty() {
        r.tables.push(changes(k));
    }
    for (i, (s, sh)) in k.shots.iter().zip(k.shifts).enumerate() {
        r.tables.push(questions(s));
        r.sections.push(section(i, s, sh, &mut r.thumbs));
    }
    r
}

/// What changed that is not the model's pass rate: the judges (same images, other verdicts)
/// and the model's reported version.
fn changes(k: &Checked<'_>) -> Table {
    let mut rows: Vec<Vec<String>> = k
        .drift
        .iter()
        .map(|d| {
            vec![
                "judge drift (same images, not the model's doing)".into(),
                d.shot.clone(),
                format!(
                    "“{}”: yes {} of {}, was {} of {}",
                    d.question, d.now.1, d.now.0, d.locked.1, d.locked.0
                ),
            ]
        })
        .collect();
    rows.extend(k.versions.iter().map(|(s, v)| {
        vec![
            "model version changed".into(),
            s.clone(),
            format!("the provider reported `{v}`, not in the lock"),
        ]
    }));
    Table {
        title: "What changed besides the pass rates".into(),
        columns: vec!["what".into(), "shot".into(), "detail".into()],
        rows,
    }
}

/// A shot's questions, baseline against now; a row whose pass rate fell and whose corrected
/// test says the fall is real is marked `fails`.
fn questions(s: &ShotCheck) -> Table {
    let rate = |(y, n): (u64, u64)| (n > 0).then(|| y as f64 / n as f64);
    let pct = |r: Option<f64>, (y, n): (u64, u64), ci: (f64, f64)| match r {
        Some(r) => format!("{:.0} % ({y}/{n}, {:.2}–{:.2})", r * 100.0, ci.0, ci.1),
        None => "–".into(),
    };
    let rows = s
        .questions
        .iter()
        .map(|q| {
            let fell = matches!((rate(q.base), rate(q.now)), (Some(b), Some(n)) if n < b);
            let fails =
                fell && (q.p_adjusted < 0.05 || s.verdict == Verdict::Regressed && q.p < 0.05);
            vec![
                if fails { "fails" } else { "" }.into(),
                q.question.clone(),
                q.category.clone(),
                pct(rate(q.base), q.base, q.base_ci),
                pct(rate(q.now), q.now, q.now_ci),
                format!("{:.3}", q.p_adjusted),
            ]
        })
        .collect();
    Table {
        title: format!("{}: {}", s.shot, verdict_word(s.verdict)),
        columns: ["", "question", "category", "baseline", "now", "p (Holm)"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

/// A shot's shifts and its drafts, baseline beside now.
fn section(i: usize, s: &ShotCheck, sh: &Shifts, thumbs: &mut Vec<Thumb>) -> Section {
    let latency = |l: Option<f64>| l.map_or("–".into(), |l| format!("{l:.2} s"));
    let facts = vec![
        format!("{} fresh draft(s)", s.drafts),
        match sh.palette {
            Some(p) => format!("Palette shift ΔE2000 {p:.1}"),
            None => "Palette shift: no images to compare".into(),
        },
        format!(
            "Cost per draft {:.4} {} → {:.4} USD",
            sh.cost.0, sh.cost.2, sh.cost.1
        ),
        format!(
            "Latency p50 {} → {}",
            latency(sh.latency.0),
            latency(sh.latency.1)
        ),
    ];
    let mut sheet = |title: &str, who: &str, list: &[(Vec<u8>, (u32, u32))]| Sheet {
        title: title.into(),
        cards: list
            .iter()
            .enumerate()
            .map(|(j, (bytes, size))| {
                // Named by position, not by the shot's id: an id is the campaign's text.
                let name = format!("{i}-{who}-{j}.jpg");
                thumbs.push(Thumb {
                    name: name.clone(),
                    bytes: bytes.clone(),
                });
                Card {
                    title: format!("{who} draft {}", j + 1),
                    thumb: Some(name),
                    thumb_size: *size,
                    status: who.into(),
                    ..Card::default()
                }
            })
            .collect(),
    };
    let sheets = vec![
        sheet("Baseline", "baseline", &sh.base_thumbs),
        sheet("Now", "fresh", &sh.fresh_thumbs),
    ];
    Section {
        id: i.to_string(),
        title: format!("{}: {}", s.shot, verdict_word(s.verdict)),
        facts,
        sheets,
        ..Section::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QuestionCheck;

    fn q(base: (u64, u64), now: (u64, u64), p: f64) -> QuestionCheck {
        QuestionCheck {
            question: "Is the cup left of the book?".into(),
            category: "relation".into(),
            base,
            now,
            base_ci: (0.0, 1.0),
            now_ci: (0.0, 1.0),
            p,
            p_adjusted: p,
        }
    }

    /// Only a fall the corrected test calls real is marked; a rise or noise is not. A prompt's
    /// markup stays text: the renderer escapes it.
    #[test]
    fn failing_questions_are_marked_and_the_campaigns_text_stays_text() {
        let shot = ShotCheck {
            shot: "<script>x</script>".into(),
            verdict: Verdict::Regressed,
            drafts: 12,
            questions: vec![q((10, 10), (2, 10), 0.001), q((5, 10), (6, 10), 0.9)],
            cost_mean_usd: 0.04,
            latency_p50: Some(1.5),
            fresh: Vec::new(),
        };
        let sh = Shifts {
            palette: Some(3.3),
            cost: (0.04, 0.05, "USD"),
            base_thumbs: vec![(vec![1, 2], (4, 4))],
            fresh_thumbs: vec![(vec![3], (4, 4)), (vec![4], (4, 4))],
            ..Shifts::default()
        };
        let r = check_report(&Checked {
            campaign: "c",
            judges: "j1",
            shots: std::slice::from_ref(&shot),
            shifts: std::slice::from_ref(&sh),
            drift: &[],
            versions: &[("hero".into(), "m-002".into())],
        });
        assert_eq!(r.stats[0].value, "regressed");
        assert_eq!(r.stats[0].tone, "bad");
        let t = r
            .tables
            .iter()
            .find(|t| t.columns[1] == "question")
            .unwrap();
        let marks: Vec<&str> = t.rows.iter().map(|row| row[0].as_str()).collect();
        assert_eq!(marks, ["fails", ""]);
        assert_eq!(r.thumbs.len(), 3);
        assert_eq!(r.sections[0].sheets[1].cards.len(), 2);
        assert!(r.sections[0]
            .facts
            .contains(&"Palette shift ΔE2000 3.3".to_string()));
        let html = darkroom_report::render(&r, "t").unwrap();
        assert!(!html.contains("<script>x"), "the shot id is escaped");
        assert!(html.contains("&lt;script&gt;x"));
        assert!(html.contains("the provider reported `m-002`, not in the lock"));
    }
}

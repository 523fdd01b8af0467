//! Judges against people: from what people said in review, how often each judge agreed.
//!
//! A person's yes/no on a checklist question of an asset is ground truth for that asset; each
//! judge's verdict on the same question is compared with it, per judge and checklist category:
//! how many it decided, how many of those agree, and the precision and recall of its "no" (of
//! the judge's "no"s, how many the person also said no to; of the person's "no"s, how many the
//! judge caught). A person's approve or reject is compared with the gates' pass or fail.

use std::collections::BTreeMap;

use darkroom_ledger::{standing, Dump, HumanAction, HumanRecord, ScoreRecord};
use serde::Serialize;

/// One judge on one category.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Questions a person answered.
    pub answered: u64,
    /// Of them, those the judge decided.
    pub decided: u64,
    /// Decided the same way as the person.
    pub agree: u64,
    /// The judge said no and the person said no.
    pub no_right: u64,
    /// The judge said no and the person said yes.
    pub no_wrong: u64,
    /// The person said no.
    pub person_no: u64,
}

impl Tally {
    /// Of the judge's "no"s, the share the person agreed with.
    pub fn precision_of_no(&self) -> Option<f64> {
        let n = self.no_right + self.no_wrong;
        (n > 0).then(|| self.no_right as f64 / n as f64)
    }

    /// Of the person's "no"s, the share the judge said too.
    pub fn recall_of_no(&self) -> Option<f64> {
        (self.person_no > 0).then(|| self.no_right as f64 / self.person_no as f64)
    }
}

/// What the people's decisions say about the judges.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Agreement {
    /// `(judge, category)` → tally.
    pub judges: BTreeMap<String, BTreeMap<String, Tally>>,
    /// Gate vs person: `(gates passed, person approved)` → count.
    pub gates: BTreeMap<String, u64>,
}

/// Measures agreement over a ledger's contents.
pub fn measure(dump: &Dump, scores: &[ScoreRecord], human: &[HumanRecord]) -> Agreement {
    let st = standing(human);
    let mut out = Agreement::default();
    for a in &dump.attempts {
        let Some(s) = st.get(&a.id) else { continue };
        if !s.verdicts.is_empty() {
            let prompt = darkroom_ledger::prompt_of_params(&a.params);
            let Some(scene) = prompt.and_then(|p| darkroom_prompt::parse(&p).ok()) else {
                continue;
            };
            for sc in scores.iter().filter(|x| x.attempt == a.id) {
                let Ok(j) = serde_json::from_str::<serde_json::Value>(&sc.verdicts) else {
                    continue;
                };
                let findings = j["findings"].as_array().cloned().unwrap_or_default();
                for (&i, &holds) in &s.verdicts {
                    let Some(q) = scene.checklist.get(i) else {
                        continue;
                    };
                    let Some(f) = findings.iter().find(|f| f["assertion"] == i) else {
                        continue;
                    };
                    let t = out
                        .judges
                        .entry(sc.judge.clone())
                        .or_default()
                        .entry(q.kind.as_str().to_string())
                        .or_default();
                    t.answered += 1;
                    t.person_no += u64::from(!holds);
                    match f["verdict"].as_str() {
                        Some("yes") => {
                            t.decided += 1;
                            t.agree += u64::from(holds);
                        }
                        Some("no") => {
                            t.decided += 1;
                            t.agree += u64::from(!holds);
                            if holds {
                                t.no_wrong += 1;
                            } else {
                                t.no_right += 1;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        let Some(person) = s.decision else { continue };
        let gate = dump.decisions.iter().rfind(|d| {
            d.attempt == a.id
                && matches!(
                    d.kind,
                    darkroom_ledger::DecisionKind::Gate | darkroom_ledger::DecisionKind::FinishGate
                )
        });
        if let Some(g) = gate {
            let key = format!(
                "gates {} · person {}",
                if g.reason == darkroom_ledger::Reason::Passed {
                    "passed"
                } else {
                    "failed"
                },
                if person == HumanAction::Approve {
                    "approved"
                } else {
                    "rejected"
                }
            );
            *out.gates.entry(key).or_default() += 1;
        }
    }
    out
}

/// The columns of [`Agreement::rows`].
pub const COLUMNS: [&str; 7] = [
    "judge",
    "category",
    "answered by a person",
    "decided by the judge",
    "agree",
    "its “no” right",
    "person's “no” caught",
];

impl Agreement {
    /// Whether any person said anything yet.
    pub fn is_empty(&self) -> bool {
        self.judges.is_empty() && self.gates.is_empty()
    }

    /// The table every surface shows (the CLI, the review app, the report): one row per judge
    /// and category under [`COLUMNS`], then one per gate/person pairing with its count.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let pct = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{:.0} %", v * 100.0));
        let mut rows = Vec::new();
        for (judge, cats) in &self.judges {
            for (cat, t) in cats {
                rows.push(vec![
                    judge.clone(),
                    cat.clone(),
                    t.answered.to_string(),
                    t.decided.to_string(),
                    pct((t.decided > 0).then(|| t.agree as f64 / t.decided as f64)),
                    pct(t.precision_of_no()),
                    pct(t.recall_of_no()),
                ]);
            }
        }
        for (k, n) in &self.gates {
            let mut row = vec![k.clone(), String::new(), n.to_string()];
            row.resize(COLUMNS.len(), String::new());
            rows.push(row);
        }
        rows
    }
}

/// The table as text, for the CLI.
pub fn text(a: &Agreement) -> String {
    if a.is_empty() {
        return "no person has answered a checklist question or approved or rejected an asset yet (darkroom review)\n".into();
    }
    let mut s = COLUMNS.join(" | ");
    s.push('\n');
    for r in a.rows() {
        s.push_str(&r.join(" | "));
        s.push('\n');
    }
    s
}

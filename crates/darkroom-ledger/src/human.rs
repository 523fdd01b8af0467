//! A person's decisions in review, kept in the ledger beside the judges' (`human_decisions`).
//!
//! Append-only, like the rest of the ledger: an undo is a row that names the row it takes back,
//! so the ledger keeps what the person did and in which order. The state of an asset is read
//! from the rows not taken back.

use std::collections::BTreeMap;

use crate::db::{p, Row};
use crate::{HumanAction, Ledger, LedgerError, RejectReason};

/// A decision to record.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanDecision {
    /// The attempt whose asset it is about.
    pub attempt: String,
    /// What the person did.
    pub action: HumanAction,
    /// Why a rejection.
    pub reason: Option<RejectReason>,
    /// Free text.
    pub note: Option<String>,
    /// 1 to 5, for a rating.
    pub rating: Option<u8>,
    /// The checklist assertion and whether it holds, for a verdict.
    pub assertion: Option<(usize, bool)>,
    /// Who (the OS user name).
    pub who: String,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanRecord {
    /// Row id, in the order decided.
    pub id: i64,
    /// The attempt.
    pub attempt: String,
    /// What the person did.
    pub action: HumanAction,
    /// Why a rejection.
    pub reason: Option<RejectReason>,
    /// Free text.
    pub note: Option<String>,
    /// A rating.
    pub rating: Option<u8>,
    /// A verdict on an assertion.
    pub assertion: Option<(usize, bool)>,
    /// For an undo, the row it takes back.
    pub undoes: Option<i64>,
    /// Taken back by a later undo.
    pub undone: bool,
    /// Who.
    pub who: String,
    /// When (seconds since the epoch).
    pub at: f64,
}

/// Where a person left an asset: the standing approve/reject, rating and verdicts.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Standing {
    /// `approve` or `reject`, the latest standing one.
    pub decision: Option<HumanAction>,
    /// The rejection's reason and note.
    pub reason: Option<String>,
    /// The latest standing rating.
    pub rating: Option<u8>,
    /// Per assertion, the latest standing verdict.
    pub verdicts: BTreeMap<usize, bool>,
}

/// The standing decisions per attempt.
pub fn standing(human: &[HumanRecord]) -> BTreeMap<String, Standing> {
    let mut out: BTreeMap<String, Standing> = BTreeMap::new();
    for r in human.iter().filter(|r| !r.undone) {
        let s = out.entry(r.attempt.clone()).or_default();
        match r.action {
            HumanAction::Approve => {
                s.decision = Some(HumanAction::Approve);
                s.reason = None;
            }
            HumanAction::Reject => {
                s.decision = Some(HumanAction::Reject);
                s.reason = Some(match (&r.reason, &r.note) {
                    (Some(x), Some(n)) => format!("{}: {n}", x.as_str()),
                    (Some(x), None) => x.as_str().to_string(),
                    (None, n) => n.clone().unwrap_or_default(),
                });
            }
            HumanAction::Rate => s.rating = r.rating,
            HumanAction::Verdict => {
                if let Some((a, h)) = r.assertion {
                    s.verdicts.insert(a, h);
                }
            }
            HumanAction::Undo => {}
        }
    }
    out
}

/// A version of an asset made in review.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// Its id: a hash of the parent and the request.
    pub id: String,
    /// The attempt or version it was made from.
    pub parent: String,
    /// What made it (`inpaint`).
    pub kind: String,
    /// The stored image's hash.
    pub asset: String,
    /// The attempt that paid for it; none for a local fill.
    pub attempt: Option<String>,
    /// What was asked (the prompt, the provider), as the person typed it.
    pub detail: Option<String>,
    /// Who.
    pub who: String,
    /// When (seconds since the epoch; set by the ledger when recorded).
    pub at: f64,
}

/// Where a queued paid fix stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixState {
    /// Waiting for the campaign's lock.
    Queued,
    /// Made: its version is recorded.
    Made,
    /// Tried and failed (the error says why); asking again queues or makes it anew.
    Failed,
}

impl FixState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FixState::Queued => "queued",
            FixState::Made => "made",
            FixState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> FixState {
        match s {
            "made" => FixState::Made,
            "failed" => FixState::Failed,
            _ => FixState::Queued,
        }
    }
}

/// A paid fix asked for in review while a run held the campaign (see the `queued_fixes`
/// migration): what to make, and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedFix {
    /// The version it makes.
    pub id: String,
    /// The attempt or version it is made from.
    pub parent: String,
    /// What (`inpaint`).
    pub kind: String,
    /// The campaign's provider that makes it.
    pub provider: String,
    /// What goes there, as the person typed it.
    pub prompt: String,
    /// The mask's hash in the store (a PNG, white where the image changes).
    pub mask: String,
    /// Who asked.
    pub who: String,
    /// When (seconds since the epoch; set by the ledger).
    pub at: f64,
    /// Where it stands.
    pub state: FixState,
    /// Why it failed.
    pub error: Option<String>,
}

/// The columns a [`HumanRecord`] is read from.
const HUMAN_SELECT: &str =
    "SELECT id, attempt, action, reason, note, rating, assertion, verdict, undoes, who, at,
        EXISTS (SELECT 1 FROM human_decisions u WHERE u.undoes = h.id)
     FROM human_decisions h";

fn human_row(r: &Row) -> Result<HumanRecord, LedgerError> {
    let assertion: Option<i64> = r.get(6)?;
    let verdict: Option<String> = r.get(7)?;
    let parse = |s: String| s.parse().map_err(LedgerError::Value);
    Ok(HumanRecord {
        id: r.get(0)?,
        attempt: r.get(1)?,
        action: parse(r.get(2)?)?,
        reason: r
            .get::<Option<String>>(3)?
            .map(|s| s.parse().map_err(LedgerError::Value))
            .transpose()?,
        note: r.get(4)?,
        rating: r.get(5)?,
        assertion: assertion.map(|a| (a as usize, verdict.as_deref() == Some("yes"))),
        undoes: r.get(8)?,
        who: r.get(9)?,
        at: r.get(10)?,
        undone: r.get(11)?,
    })
}

fn version_row(r: &Row) -> Result<Version, LedgerError> {
    Ok(Version {
        id: r.get(0)?,
        parent: r.get(1)?,
        kind: r.get(2)?,
        asset: r.get(3)?,
        attempt: r.get(4)?,
        detail: r.get(5)?,
        who: r.get(6)?,
        at: r.get(7)?,
    })
}

impl Ledger {
    /// Records a version; `false` when one with its id was already there (the same request
    /// made twice: the first stands).
    pub fn record_version(&self, v: &Version) -> Result<bool, LedgerError> {
        self.with(|c| {
            let n = c.exec(
                "INSERT INTO versions (id, parent, kind, asset, attempt, detail, who, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                p![
                    v.id,
                    v.parent,
                    v.kind,
                    v.asset,
                    v.attempt,
                    v.detail,
                    v.who,
                    crate::now()
                ],
            )?;
            Ok(n == 1)
        })
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> Result<Vec<Version>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT id, parent, kind, asset, attempt, detail, who, at FROM versions ORDER BY at, id",
                p![],
                version_row,
            )
        })
    }

    /// One version by id.
    pub fn version(&self, id: &str) -> Result<Option<Version>, LedgerError> {
        self.with(|c| {
            c.row(
                "SELECT id, parent, kind, asset, attempt, detail, who, at FROM versions WHERE id = ?1",
                p![id],
            )?
            .map(|r| version_row(&r))
            .transpose()
        })
    }

    /// Queues a paid fix (see [`QueuedFix`]); `false` when it was already queued (or made).
    /// One that failed before is queued again.
    pub fn queue_fix(&self, q: &QueuedFix) -> Result<bool, LedgerError> {
        self.with(|c| {
            let n = c.exec(
                "INSERT INTO queued_fixes (id, parent, kind, provider, prompt, mask, who, at, state, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', NULL)
                 ON CONFLICT (id) DO UPDATE SET state = 'queued', error = NULL, who = excluded.who,
                 at = excluded.at WHERE queued_fixes.state = 'failed'",
                p![q.id, q.parent, q.kind, q.provider, q.prompt, q.mask, q.who, crate::now()],
            )?;
            Ok(n == 1)
        })
    }

    /// Every queued fix, oldest first, in whatever state.
    pub fn queued_fixes(&self) -> Result<Vec<QueuedFix>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT id, parent, kind, provider, prompt, mask, who, at, state, error
                 FROM queued_fixes ORDER BY at, id",
                p![],
                |r| {
                    Ok(QueuedFix {
                        id: r.get(0)?,
                        parent: r.get(1)?,
                        kind: r.get(2)?,
                        provider: r.get(3)?,
                        prompt: r.get(4)?,
                        mask: r.get(5)?,
                        who: r.get(6)?,
                        at: r.get(7)?,
                        state: FixState::parse(&r.get::<String>(8)?),
                        error: r.get(9)?,
                    })
                },
            )
        })
    }

    /// Closes a queued fix: made, or failed with why.
    pub fn close_queued_fix(&self, id: &str, error: Option<&str>) -> Result<(), LedgerError> {
        let state = if error.is_some() {
            FixState::Failed
        } else {
            FixState::Made
        };
        self.with(|c| {
            c.exec(
                "UPDATE queued_fixes SET state = ?2, error = ?3 WHERE id = ?1",
                p![id, state.as_str(), error],
            )?;
            Ok(())
        })
    }

    /// The stored image's hash of an attempt or a version, by id.
    pub fn asset_of(&self, id: &str) -> Result<Option<String>, LedgerError> {
        self.with(|c| {
            c.row(
                "SELECT asset FROM attempts WHERE id = ?1 AND asset IS NOT NULL
                 UNION ALL SELECT asset FROM versions WHERE id = ?1 LIMIT 1",
                p![id],
            )?
            .map(|r| r.get(0))
            .transpose()
        })
    }

    /// Records a person's decision; its row id.
    pub fn record_human(&self, d: &HumanDecision) -> Result<i64, LedgerError> {
        self.with(|c| {
            c.one(
                "INSERT INTO human_decisions (attempt, action, reason, note, rating, assertion, verdict, who, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                p![
                    d.attempt,
                    d.action.as_str(),
                    d.reason.map(|r| r.as_str()),
                    d.note,
                    d.rating,
                    d.assertion.map(|a| a.0 as i64),
                    d.assertion.map(|a| if a.1 { "yes" } else { "no" }),
                    d.who,
                    crate::now()
                ],
            )
        })
    }

    /// Takes back `who`'s last decision that still stands; the decision taken back, if any.
    /// One transaction: two undos at once take back two decisions, never the same one twice.
    pub fn undo_human(&self, who: &str) -> Result<Option<HumanRecord>, LedgerError> {
        let id = self.tx(true, |c| {
            let last: Option<(i64, String)> = c
                .row(
                    "SELECT id, attempt FROM human_decisions h
                     WHERE who = ?1 AND action != 'undo'
                       AND NOT EXISTS (SELECT 1 FROM human_decisions u WHERE u.undoes = h.id)
                     ORDER BY id DESC LIMIT 1",
                    p![who],
                )?
                .map(|r| Ok::<_, LedgerError>((r.get(0)?, r.get(1)?)))
                .transpose()?;
            if let Some((id, attempt)) = &last {
                c.exec(
                    "INSERT INTO human_decisions (attempt, action, undoes, who, at) VALUES (?1, 'undo', ?2, ?3, ?4)",
                    p![attempt, id, who, crate::now()],
                )?;
            }
            Ok(last.map(|l| l.0))
        })?;
        match id {
            Some(id) => self.human_decision(id),
            None => Ok(None),
        }
    }

    /// One decision by row id.
    fn human_decision(&self, id: i64) -> Result<Option<HumanRecord>, LedgerError> {
        self.with(|c| {
            c.row(&format!("{HUMAN_SELECT} WHERE id = ?1"), p![id])?
                .map(|r| human_row(&r))
                .transpose()
        })
    }

    /// Where people left each asset (see [`standing`]).
    pub fn human_standing(&self) -> Result<BTreeMap<String, Standing>, LedgerError> {
        Ok(standing(&self.human_decisions()?))
    }

    /// Finals a run kept back for review (`[review] required`) that no person has approved or
    /// rejected since.
    pub fn awaiting_review(&self) -> Result<Vec<String>, LedgerError> {
        let standing = self.human_standing()?;
        let kept: Vec<String> = self.with(|c| {
            c.map(
                "SELECT DISTINCT attempt FROM decisions WHERE kind = 'review' AND reason = 'awaiting_review' ORDER BY attempt",
                p![],
                |r| r.get(0),
            )
        })?;
        Ok(kept
            .into_iter()
            .filter(|a| standing.get(a).and_then(|s| s.decision).is_none())
            .collect())
    }

    /// Every decision a person made, in order, each marked when a later undo took it back.
    pub fn human_decisions(&self) -> Result<Vec<HumanRecord>, LedgerError> {
        self.with(|c| c.map(&format!("{HUMAN_SELECT} ORDER BY id"), p![], human_row))
    }

    /// People's decisions on one attempt (or version), oldest first: its standing without
    /// reading everyone else's.
    pub fn human_decisions_of(&self, attempt: &str) -> Result<Vec<HumanRecord>, LedgerError> {
        self.with(|c| {
            c.map(
                &format!("{HUMAN_SELECT} WHERE h.attempt = ?1 ORDER BY id"),
                p![attempt],
                human_row,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(attempt: &str, action: HumanAction) -> HumanDecision {
        HumanDecision {
            attempt: attempt.into(),
            action,
            reason: None,
            note: None,
            rating: None,
            assertion: None,
            who: "ana".into(),
        }
    }

    #[test]
    fn decisions_are_kept_in_order_and_an_undo_takes_back_the_last_standing_one() {
        let l = Ledger::in_memory().unwrap();
        l.record_human(&d("a", HumanAction::Approve)).unwrap();
        l.record_human(&HumanDecision {
            reason: Some(RejectReason::OffBrand),
            note: Some("too blue".into()),
            ..d("b", HumanAction::Reject)
        })
        .unwrap();
        l.record_human(&HumanDecision {
            assertion: Some((2, false)),
            ..d("b", HumanAction::Verdict)
        })
        .unwrap();
        let undone = l.undo_human("ana").unwrap().unwrap();
        assert_eq!(undone.action, HumanAction::Verdict);
        let undone = l.undo_human("ana").unwrap().unwrap();
        assert_eq!(undone.action, HumanAction::Reject);
        // Someone else's undo takes back nothing of ana's.
        assert!(l.undo_human("bo").unwrap().is_none());
        let all = l.human_decisions().unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(
            all.iter().map(|r| (r.action, r.undone)).collect::<Vec<_>>(),
            vec![
                (HumanAction::Approve, false),
                (HumanAction::Reject, true),
                (HumanAction::Verdict, true),
                (HumanAction::Undo, false),
                (HumanAction::Undo, false),
            ]
        );
        assert_eq!(all[1].reason, Some(RejectReason::OffBrand));
        assert_eq!(all[2].assertion, Some((2, false)));
        assert_eq!(all[3].undoes, Some(all[2].id));
    }
}

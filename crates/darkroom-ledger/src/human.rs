//! A person's decisions in review, kept in the ledger beside the judges' (`human_decisions`).
//!
//! Append-only, like the rest of the ledger: an undo is a row that names the row it takes back,
//! so the ledger keeps what the person did and in which order. The state of an asset is read
//! from the rows not taken back.

use rusqlite::{params, OptionalExtension};

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

impl Ledger {
    /// Records a person's decision; its row id.
    pub fn record_human(&self, d: &HumanDecision) -> Result<i64, LedgerError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO human_decisions (attempt, action, reason, note, rating, assertion, verdict, who, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    d.attempt,
                    d.action,
                    d.reason,
                    d.note,
                    d.rating,
                    d.assertion.map(|a| a.0 as i64),
                    d.assertion.map(|a| if a.1 { "yes" } else { "no" }),
                    d.who,
                    crate::now()
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Takes back `who`'s last decision that still stands; the decision taken back, if any.
    /// One transaction: two undos at once take back two decisions, never the same one twice.
    pub fn undo_human(&self, who: &str) -> Result<Option<HumanRecord>, LedgerError> {
        let id = self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let last: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, attempt FROM human_decisions h
                     WHERE who = ?1 AND action != 'undo'
                       AND NOT EXISTS (SELECT 1 FROM human_decisions u WHERE u.undoes = h.id)
                     ORDER BY id DESC LIMIT 1",
                    params![who],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((id, attempt)) = &last {
                tx.execute(
                    "INSERT INTO human_decisions (attempt, action, undoes, who, at) VALUES (?1, 'undo', ?2, ?3, ?4)",
                    params![attempt, id, who, crate::now()],
                )?;
            }
            tx.commit()?;
            Ok(last.map(|l| l.0))
        })?;
        Ok(match id {
            Some(id) => self.human_decisions()?.into_iter().find(|r| r.id == id),
            None => None,
        })
    }

    /// Every decision a person made, in order, each marked when a later undo took it back.
    pub fn human_decisions(&self) -> Result<Vec<HumanRecord>, LedgerError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT id, attempt, action, reason, note, rating, assertion, verdict, undoes, who, at,
                        EXISTS (SELECT 1 FROM human_decisions u WHERE u.undoes = h.id)
                 FROM human_decisions h ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                let assertion: Option<i64> = r.get(6)?;
                let verdict: Option<String> = r.get(7)?;
                Ok(HumanRecord {
                    id: r.get(0)?,
                    attempt: r.get(1)?,
                    action: r.get(2)?,
                    reason: r.get(3)?,
                    note: r.get(4)?,
                    rating: r.get(5)?,
                    assertion: assertion.map(|a| (a as usize, verdict.as_deref() == Some("yes"))),
                    undoes: r.get(8)?,
                    who: r.get(9)?,
                    at: r.get(10)?,
                    undone: r.get(11)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
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

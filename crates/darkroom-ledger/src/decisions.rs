//! Judges' scores and the funnel's decisions (gate, rank, simulated mutations).

use crate::db::p;
use crate::*;

impl Ledger {
    /// Records a judge's score and verdicts for an attempt.
    pub fn record_score(
        &self,
        attempt: &str,
        judge: &str,
        value: Option<f64>,
        verdicts_json: &str,
    ) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "INSERT INTO scores (attempt, judge, value, verdicts) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (attempt, judge) DO UPDATE SET value = ?3, verdicts = ?4",
                p![attempt, judge, value, verdicts_json],
            )?;
            Ok(())
        })
    }

    /// Records the judges' scores and verdicts of one attempt, `(judge, score, verdicts as
    /// JSON)` each, in one statement.
    pub fn record_scores(
        &self,
        attempt: &str,
        scores: &[(String, Option<f64>, String)],
    ) -> Result<(), LedgerError> {
        if scores.is_empty() {
            return Ok(());
        }
        let rows: Vec<String> = (0..scores.len())
            .map(|i| format!("(?1, ?{}, ?{}, ?{})", 3 * i + 2, 3 * i + 3, 3 * i + 4))
            .collect();
        let sql = format!(
            "INSERT INTO scores (attempt, judge, value, verdicts) VALUES {}
             ON CONFLICT (attempt, judge) DO UPDATE SET value = excluded.value, verdicts = excluded.verdicts",
            rows.join(", ")
        );
        use crate::db::IntoVal;
        let mut params = vec![attempt.val()];
        for (judge, value, verdicts) in scores {
            params.extend([judge.val(), value.val(), verdicts.val()]);
        }
        self.with(|c| {
            c.exec(&sql, &params)?;
            Ok(())
        })
    }

    /// Records the scores of many attempts (a batch's judgements) in one statement per 400
    /// rows: `(attempt, judge, score, judgement JSON)`, each replacing an earlier score of the
    /// same judge as [`Ledger::record_scores`] does.
    pub fn record_scores_of(
        &self,
        rows: &[(String, String, Option<f64>, String)],
    ) -> Result<(), LedgerError> {
        use crate::db::IntoVal;
        for chunk in rows.chunks(400) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    format!(
                        "(?{}, ?{}, ?{}, ?{})",
                        4 * i + 1,
                        4 * i + 2,
                        4 * i + 3,
                        4 * i + 4
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO scores (attempt, judge, value, verdicts) VALUES {}
                 ON CONFLICT (attempt, judge) DO UPDATE SET value = excluded.value, verdicts = excluded.verdicts",
                values.join(", ")
            );
            let mut params = Vec::with_capacity(chunk.len() * 4);
            for (attempt, judge, value, verdicts) in chunk {
                params.extend([attempt.val(), judge.val(), value.val(), verdicts.val()]);
            }
            self.with(|c| {
                c.exec(&sql, &params)?;
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Records many decisions (a batch's gates, a shot's ranks) in one statement per 500:
    /// `(attempt, kind, reason, rank key)`, each kept once as [`Ledger::record_decision`] does.
    pub fn record_decisions(
        &self,
        rows: &[(String, DecisionKind, Reason, Option<String>)],
    ) -> Result<(), LedgerError> {
        use crate::db::IntoVal;
        let at = now();
        for chunk in rows.chunks(500) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = 5 * i;
                    format!(
                        "(?{}, ?{}, ?{}, CAST(?{} AS TEXT), ?{})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO decisions (attempt, kind, reason, rank_key, at) VALUES {} ON CONFLICT DO NOTHING",
                values.join(", ")
            );
            let mut params = Vec::with_capacity(chunk.len() * 5);
            for (attempt, kind, reason, key) in chunk {
                params.extend([
                    attempt.val(),
                    kind.as_str().val(),
                    reason.as_str().val(),
                    key.val(),
                    at.val(),
                ]);
            }
            self.with(|c| {
                c.exec(&sql, &params)?;
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Records a gate, rank or human decision with its reason code.
    pub fn record_decision(
        &self,
        attempt: &str,
        kind: DecisionKind,
        reason: Reason,
        rank_key: Option<&str>,
    ) -> Result<(), LedgerError> {
        let (kind, reason) = (kind.as_str(), reason.as_str());
        // A resumed run judges and ranks again and reaches the same decisions: recorded once
        // (a unique index, migration 0012), so counts over decisions stay counts of attempts,
        // and two workers judging the same shot record it once too. One statement.
        self.with(|c| {
            c.exec(
                "INSERT INTO decisions (attempt, kind, reason, rank_key, at) VALUES (?1, ?2, ?3, CAST(?4 AS TEXT), ?5)
                 ON CONFLICT DO NOTHING",
                p![attempt, kind, reason, rank_key, now()],
            )?;
            Ok(())
        })
    }

    /// Gate decisions: `(passed, all)`.
    pub fn gate_counts(&self) -> Result<(u64, u64), LedgerError> {
        self.with(|c| {
            let r = c.row(
                "SELECT CAST(COALESCE(SUM(CASE WHEN reason = 'passed' THEN 1 ELSE 0 END), 0) AS BIGINT), COUNT(*) FROM decisions WHERE kind = 'gate'",
                p![],
            )?;
            match r {
                Some(r) => Ok((r.get(0)?, r.get(1)?)),
                None => Ok((0, 0)),
            }
        })
    }
}

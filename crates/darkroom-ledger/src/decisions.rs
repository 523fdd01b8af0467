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

    /// Records a gate, rank or human decision with its reason code.
    pub fn record_decision(
        &self,
        attempt: &str,
        kind: DecisionKind,
        reason: Reason,
        rank_key: Option<&str>,
    ) -> Result<(), LedgerError> {
        let (kind, reason) = (kind.as_str(), reason.as_str());
        // A resumed run judges and ranks again and reaches the same decisions: recorded once,
        // so counts over decisions stay counts of attempts. Under the ledger's lock, so two
        // workers judging the same shot record it once too.
        self.tx(true, |c| {
            c.exec(
                "INSERT INTO decisions (attempt, kind, reason, rank_key, at)
                 SELECT ?1, ?2, ?3, CAST(?4 AS TEXT), ?5 WHERE NOT EXISTS (
                   SELECT 1 FROM decisions WHERE attempt = ?1 AND kind = ?2 AND reason = ?3 AND rank_key IS NOT DISTINCT FROM CAST(?4 AS TEXT))",
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

//! Delivered files, and the claims by which one worker delivers each final for all.

use crate::db::p;
use crate::*;

impl Ledger {
    /// Records a delivered file (its path relative to the output folder); how many times a
    /// path was written is counted, so a test can prove each was written once.
    pub fn record_deliverable(&self, d: &DeliverableRecord) -> Result<(), LedgerError> {
        let me = self.worker.clone();
        self.with(|c| {
            c.exec(
                "INSERT INTO deliverables (path, shot, attempt, aspect, width, height, hash, format, c2pa, worker, writes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1)
                 ON CONFLICT (path) DO UPDATE SET attempt = ?3, width = ?5, height = ?6, hash = ?7, format = ?8, c2pa = ?9,
                   worker = ?10, writes = deliverables.writes + 1",
                p![d.path, d.shot, d.attempt, d.aspect, d.width, d.height, d.hash, d.format, d.c2pa, me],
            )?;
            Ok(())
        })
    }

    /// The files delivered for one shot (by this worker or another), by path.
    pub fn deliverables_of(&self, shot: &str) -> Result<Vec<DeliverableRecord>, LedgerError> {
        self.with(|c| {
            c.map(
                &format!(
                    "SELECT {} FROM deliverables WHERE shot = ?1 ORDER BY path",
                    dump::DELIVERABLE_COLUMNS
                ),
                p![shot],
                dump::deliverable_row,
            )
        })
    }

    /// Paths and how many times each was written (a path written twice was delivered twice).
    pub fn deliverable_writes(&self) -> Result<Vec<(String, u64)>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT path, writes FROM deliverables ORDER BY path",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// Claims a piece of work one worker does for all (`key`, e.g. a shot's delivery): it is
    /// this worker's when nobody holds it, when it is already this worker's, or when its holder's
    /// heartbeat stopped.
    pub fn claim(&self, key: &str) -> Result<Claim, LedgerError> {
        let (me, lease, shared, token) = (
            self.worker.clone().unwrap_or_default(),
            self.lease,
            self.is_shared(),
            self.token.clone(),
        );
        self.tx(true, |c| {
            let clock = lease_clock(c, shared)?;
            let held = c.row(
                "SELECT c.worker, c.done, w.heartbeat, w.state FROM claims c LEFT JOIN workers w ON w.id = c.worker WHERE c.key = ?1",
                p![key],
            )?;
            if let Some(r) = held {
                let (holder, done): (String, bool) = (r.get(0)?, r.get(1)?);
                let beat: Option<f64> = r.get(2)?;
                let state: Option<String> = r.get(3)?;
                if done {
                    return Ok(Claim::Done);
                }
                let alive = state.as_deref() == Some("working") && beat.is_some_and(|b| clock - b < lease);
                if holder != me && alive {
                    return Ok(Claim::Held(holder));
                }
            }
            c.exec(
                "INSERT INTO claims (key, worker, done, at, token) VALUES (?1, ?2, 0, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET worker = ?2, at = ?3, token = ?4",
                p![key, me, now(), token],
            )?;
            Ok(Claim::Mine)
        })
    }

    /// Marks a claimed piece of work done, if this process still holds the claim (one that
    /// was taken over from it while it was paused is the new holder's to finish).
    pub fn finish_claim(&self, key: &str) -> Result<(), LedgerError> {
        let token = self.token.clone();
        self.with(|c| {
            c.exec(
                "UPDATE claims SET done = 1, at = ?2 WHERE key = ?1 AND token IS NOT DISTINCT FROM ?3",
                p![key, now(), token],
            )?;
            Ok(())
        })
    }

    /// Forgets claims (a new run of the campaign delivers again).
    pub fn clear_claims(&self) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec("DELETE FROM claims", p![])?;
            Ok(())
        })
    }
}

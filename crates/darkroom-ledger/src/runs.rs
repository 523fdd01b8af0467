//! Runs of a campaign (started, ended, crashed) and each shot's latest outcome.

use crate::db::p;
use crate::*;

impl Ledger {
    /// Starts a run: any earlier run that never ended is marked `crashed` (with workers, only
    /// this worker's and those of workers whose heartbeat stopped). Returns its id.
    pub fn start_run(&self, campaign: &str) -> Result<i64, LedgerError> {
        let (me, lease, shared) = (self.worker.clone(), self.lease, self.is_shared());
        self.tx(true, |c| {
            let stale = lease_clock(c, shared)? - lease;
            c.exec(
                "UPDATE runs SET status = 'crashed' WHERE status = 'running' AND (worker IS NULL OR worker = ?1
                   OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = runs.worker AND w.heartbeat >= ?2))",
                p![me, stale],
            )?;
            c.one(
                "INSERT INTO runs (campaign, started_at, status, worker) VALUES (?1, ?2, 'running', ?3) RETURNING id",
                p![campaign, now(), me],
            )
        })
    }

    /// Ends a run with how it ended.
    pub fn finish_run(&self, id: i64, status: RunStatus) -> Result<(), LedgerError> {
        self.finish_run_because(id, status, None)
    }

    /// Ends a run with how it ended and why (a run that ended in `error`).
    pub fn finish_run_because(
        &self,
        id: i64,
        status: RunStatus,
        reason: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "UPDATE runs SET status = ?2, finished_at = ?3, reason = ?4 WHERE id = ?1",
                p![id, status.as_str(), now(), reason],
            )?;
            Ok(())
        })
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRecord>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT id, started_at, finished_at, status, reason FROM runs ORDER BY id",
                p![],
                |r| {
                    Ok(RunRecord {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        status: r.get::<String>(3)?.parse().map_err(LedgerError::Value)?,
                        reason: r.get(4)?,
                    })
                },
            )
        })
    }

    /// Records a shot's outcome in a run (`planned` when the run takes it up).
    pub fn record_shot(
        &self,
        run: i64,
        id: &str,
        prompt: &str,
        finals: u32,
        status: ShotStatus,
        reason: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "INSERT INTO shots (id, prompt, finals, status, reason, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET prompt = excluded.prompt, finals = excluded.finals,
                   status = excluded.status, reason = excluded.reason, run = excluded.run",
                p![id, prompt, finals, status.as_str(), reason, run],
            )?;
            Ok(())
        })
    }

    /// Every shot's latest outcome, by id.
    pub fn shots(&self) -> Result<Vec<ShotRecord>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT id, status, reason, run FROM shots ORDER BY id",
                p![],
                |r| {
                    Ok(ShotRecord {
                        id: r.get(0)?,
                        status: r.get::<String>(1)?.parse().map_err(LedgerError::Value)?,
                        reason: r.get(2)?,
                        run: r.get(3)?,
                    })
                },
            )
        })
    }
}

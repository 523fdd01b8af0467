//! Runs of a campaign (started, ended, crashed) and each shot's latest outcome.

use crate::db::p;
use crate::*;

impl Ledger {
    /// Starts a run: any earlier run that never ended is marked `crashed` (with workers, only
    /// this worker's and those of workers whose heartbeat stopped). Returns its id.
    pub fn start_run(&self, campaign: &str) -> Result<i64, LedgerError> {
        self.tx(true, |c| {
            self.mark_crashed(c, None)?;
            c.one(
                "INSERT INTO runs (campaign, started_at, status, worker) VALUES (?1, ?2, 'running', ?3) RETURNING id",
                p![campaign, now(), self.worker.clone()],
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
        self.tx(false, |c| {
            c.exec(
                "UPDATE runs SET status = ?2, finished_at = ?3, reason = ?4 WHERE id = ?1",
                p![id, status.as_str(), now(), reason],
            )?;
            // Runs of workers whose lease lapsed while this one worked (killed beside it) are
            // said to have crashed now, not only when another run starts.
            self.mark_crashed(c, Some(id))
        })
    }

    /// Marks `crashed` every run still `running` but this one that no live worker is running:
    /// this worker's earlier lives, runs on a file ledger (one run at a time), and runs of
    /// workers whose heartbeat is older than the lease by the ledger's clock.
    fn mark_crashed(
        &self,
        c: &mut dyn crate::db::Sql,
        except: Option<i64>,
    ) -> Result<(), LedgerError> {
        let (me, lease, shared) = (self.worker.clone(), self.lease, self.is_shared());
        let stale = lease_clock(c, shared)? - lease;
        c.exec(
            "UPDATE runs SET status = 'crashed' WHERE status = 'running' AND id <> ?3 AND (worker IS NULL OR worker = ?1
               OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = runs.worker AND w.heartbeat >= ?2))",
            p![me, stale, except.unwrap_or(-1)],
        )?;
        Ok(())
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

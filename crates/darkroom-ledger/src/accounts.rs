//! The accounts: planned attempts, the budget guard (reserve against the cap in the same
//! transaction that marks the call sent), settling with the actual cost, reconciling after a
//! crash, and the totals spent and committed.

use crate::db::{p, Sql};
use crate::*;

impl Ledger {
    /// Records planned attempts as queued now. Idempotent: a known id keeps its status; one not
    /// done yet (a resumed run) is queued again now, so its queue wait is this run's.
    pub fn plan(&self, rows: &[AttemptRow]) -> Result<(), LedgerError> {
        self.tx(false, |c| {
            let t = now();
            for r in rows {
                c.exec(
                    "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, queued_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'planned', ?10)
                     ON CONFLICT (id) DO UPDATE SET queued_at = excluded.queued_at WHERE attempts.status <> 'done'",
                    p![r.id, r.shot, r.tier.as_str(), r.round, r.variant, r.provider, r.model, r.seed as i64, r.params, t],
                )?;
            }
            Ok(())
        })
    }

    /// The budget guard: reserves `worst` against `cap` and marks the attempt `sent`, in one
    /// immediate (write-locking) transaction. `cap = None` means no cap.
    ///
    /// With workers, the call is leased to this one. A call another live worker has in flight
    /// is [`Reservation::Leased`]; one whose worker's heartbeat stopped is taken over: its
    /// reservation counted as spent (the provider may have run it) unless `replays` (the
    /// provider answers it again from its record, charging once), and reserved again here.
    pub fn reserve(
        &self,
        row: &AttemptRow,
        worst: f64,
        cap: Option<f64>,
    ) -> Result<Reservation, LedgerError> {
        self.reserve_as(row, worst, cap, false)
    }

    /// [`Ledger::reserve`], saying whether the provider replays a call sent again.
    pub fn reserve_as(
        &self,
        row: &AttemptRow,
        worst: f64,
        cap: Option<f64>,
        replays: bool,
    ) -> Result<Reservation, LedgerError> {
        let (me, lease, shared) = (self.worker.clone(), self.lease, self.is_shared());
        self.tx(true, |c| {
            let t = now();
            let current = c.row(
                "SELECT a.status, a.error_message, a.worker, w.heartbeat FROM attempts a
                 LEFT JOIN workers w ON w.id = a.worker WHERE a.id = ?1",
                p![row.id],
            )?;
            if let Some(r) = current {
                let status: AttemptStatus = r.get::<String>(0)?.parse().map_err(LedgerError::Value)?;
                match status {
                    AttemptStatus::Done => return Ok(Reservation::AlreadyDone),
                    AttemptStatus::Refused => {
                        return Ok(Reservation::Refused { message: r.get::<Option<String>>(1)?.unwrap_or_default() })
                    }
                    AttemptStatus::Sent => {
                        let holder: Option<String> = r.get(2)?;
                        let beat: Option<f64> = r.get(3)?;
                        if let Some(h) = holder.filter(|h| Some(h) != me.as_ref()) {
                            let clock = lease_clock(c, shared)?;
                            if beat.is_some_and(|b| clock - b < lease) {
                                return Ok(Reservation::Leased { worker: h });
                            }
                            // Its worker is gone: the call may have run. Booked as a crash
                            // leaves it, then sent again below.
                            c.exec(
                                "UPDATE attempts SET cost_settled = COALESCE(cost_settled, 0) + CASE WHEN ?2 THEN 0 ELSE cost_reserved END,
                                   cost_reserved = 0, interrupted = interrupted + 1 WHERE id = ?1",
                                p![row.id, replays],
                            )?;
                        }
                    }
                    _ => {}
                }
            }
            // Summed only under a cap: the sum reads every attempt, which on an uncapped
            // 10,000-shot campaign was most of the run's ledger time.
            if let Some(cap) = cap {
                let committed = committed(c)?;
                if committed + worst > cap + 1e-9 {
                    return Ok(Reservation::Denied { committed, needed: worst });
                }
            }
            c.exec(
                "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, cost_reserved, started_at, tries, queued_at, worker)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent', ?10, ?11, 1, ?11, ?12)
                 ON CONFLICT (id) DO UPDATE SET status = 'sent', cost_reserved = attempts.cost_reserved + ?10,
                   started_at = ?11, tries = attempts.tries + 1, error_class = NULL, error_message = NULL,
                   queue_wait = ?11 - COALESCE(attempts.queued_at, ?11), worker = ?12",
                p![row.id, row.shot, row.tier.as_str(), row.round, row.variant, row.provider, row.model, row.seed as i64, row.params, worst, t, me],
            )?;
            Ok(Reservation::Granted)
        })
    }

    /// Settles a sent attempt with its actual cost (what the provider charged for this call).
    pub fn settle(&self, id: &str, outcome: &Outcome, actual: f64) -> Result<(), LedgerError> {
        self.settle_with_latency(id, outcome, actual, None)
    }

    /// [`Ledger::settle`], keeping the latency the provider reported (a simulation that did not
    /// sleep) instead of the measured one.
    pub fn settle_with_latency(
        &self,
        id: &str,
        outcome: &Outcome,
        actual: f64,
        reported: Option<f64>,
    ) -> Result<(), LedgerError> {
        // The reservation of this try is replaced by its actual cost.
        let (status, asset, version, class, msg) = match outcome {
            Outcome::Done {
                asset,
                model_version,
            } => (
                AttemptStatus::Done,
                Some(asset.as_str()),
                model_version.as_deref(),
                None,
                None,
            ),
            Outcome::Refused { message } => (
                AttemptStatus::Refused,
                None,
                None,
                Some("refused"),
                Some(message.as_str()),
            ),
            Outcome::Failed { class, message } => (
                AttemptStatus::Failed,
                None,
                None,
                Some(class.as_str()),
                Some(message.as_str()),
            ),
        };
        self.with(|c| {
            let t = now();
            c.exec(
                "UPDATE attempts SET status = ?2, cost_settled = COALESCE(cost_settled, 0) + ?3, cost_reserved = 0,
                   asset = COALESCE(?4, asset), model_version = COALESCE(?5, model_version), error_class = ?6, error_message = ?7,
                   finished_at = ?8, latency = COALESCE(?9, ?8 - started_at)
                 WHERE id = ?1",
                p![id, status.as_str(), actual, asset, version, class, msg, t, reported],
            )?;
            Ok(())
        })
    }

    /// After a crash: `sent` rows whose asset is in the store become `done`; the others are
    /// marked `failed` / `interrupted`, to be sent again. Their reservation is counted as spent
    /// (the provider may have run and charged the call) unless `replays(provider)` says the
    /// provider answers a request sent again from its own record without charging twice: then
    /// the reservation is released and the replay settles the one charge.
    /// With workers, only calls of this worker (an earlier life of it) and of workers whose
    /// heartbeat stopped are reconciled: the others are in flight.
    /// Returns `(done, interrupted)`.
    pub fn reconcile(
        &self,
        store: &Store,
        replays: impl Fn(&str) -> bool + Sync,
    ) -> Result<(usize, usize), LedgerError> {
        let (me, lease, shared) = (self.worker.clone(), self.lease, self.is_shared());
        self.tx(true, |c| {
            let stale = lease_clock(c, shared)? - lease;
            let sent: Vec<(String, Option<String>, String)> = c.map(
                "SELECT a.id, a.asset, a.provider FROM attempts a LEFT JOIN workers w ON w.id = a.worker
                 WHERE a.status = 'sent' AND (a.worker IS NULL OR a.worker = ?1 OR w.heartbeat IS NULL OR w.heartbeat < ?2)",
                p![me, stale],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let (mut done, mut lost) = (0, 0);
            for (id, asset, provider) in sent {
                let has = asset.as_deref().is_some_and(|h| store.contains(h));
                let (status, class, spent) = match (has, replays(&provider)) {
                    (true, _) => (AttemptStatus::Done, None, true),
                    (false, false) => (AttemptStatus::Failed, Some("interrupted"), true),
                    (false, true) => (AttemptStatus::Failed, Some("interrupted"), false),
                };
                c.exec(
                    "UPDATE attempts SET status = ?2, cost_settled = COALESCE(cost_settled, 0) + CASE WHEN ?4 THEN cost_reserved ELSE 0 END, cost_reserved = 0,
                       interrupted = interrupted + ?5, error_class = ?3,
                       error_message = CASE WHEN ?5 = 0 THEN NULL WHEN ?4 THEN 'the run stopped while this call was in flight' ELSE 'the run stopped while this call was in flight; the provider replays it, so it is sent again without paying twice' END
                     WHERE id = ?1",
                    p![id, status.as_str(), class, spent, i64::from(class.is_some())],
                )?;
                if has {
                    done += 1;
                } else {
                    lost += 1;
                }
            }
            Ok((done, lost))
        })
    }

    /// Paid results the store no longer has: done attempts whose asset file is gone, as
    /// `(attempt id, what they cost)`. Such an attempt is never re-bought silently.
    pub fn missing_assets(&self, store: &Store) -> Result<Vec<(String, f64)>, LedgerError> {
        let done: Vec<(String, Option<String>, f64)> = self.with(|c| {
            c.map(
                "SELECT id, asset, COALESCE(cost_settled, 0) FROM attempts WHERE status = 'done' ORDER BY id",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })?;
        let hashes: Vec<&str> = done.iter().filter_map(|d| d.1.as_deref()).collect();
        let present = store.present(&hashes)?;
        Ok(done
            .into_iter()
            .filter(|(_, asset, _)| !asset.as_deref().is_some_and(|h| present.contains(h)))
            .map(|(id, _, cost)| (id, cost))
            .collect())
    }

    /// Marks done attempts whose result is lost as failed (`lost`), so the next call buys them
    /// again; what they cost stays in the accounts. The user asked for it (`run --rebuy`).
    pub fn forget_lost(&self, ids: &[String]) -> Result<(), LedgerError> {
        self.tx(true, |c| {
            for id in ids {
                c.exec(
                    "UPDATE attempts SET status = 'failed', error_class = 'lost', error_message = 'the result was paid for but is missing from the store; bought again (run --rebuy)' WHERE id = ?1 AND status = 'done'",
                    p![id],
                )?;
            }
            Ok(())
        })
    }

    /// Spend and counts.
    pub fn totals(&self) -> Result<Totals, LedgerError> {
        self.with(|c| {
            let committed = committed(c)?;
            let settled: f64 =
                c.one("SELECT COALESCE(SUM(cost_settled), 0) FROM attempts", p![])?;
            let tries: u64 = c.one(
                "SELECT CAST(COALESCE(SUM(tries), 0) AS BIGINT) FROM attempts",
                p![],
            )?;
            let by_status = c.map(
                "SELECT status, COUNT(*) FROM attempts GROUP BY status ORDER BY status",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(Totals {
                committed,
                settled,
                by_status,
                tries,
            })
        })
    }
}

/// Settled cost plus the reservations of calls in flight.
pub(crate) fn committed(c: &mut dyn Sql) -> Result<f64, LedgerError> {
    c.one(
        "SELECT COALESCE(SUM(COALESCE(cost_settled, 0) + cost_reserved), 0) FROM attempts",
        p![],
    )
}

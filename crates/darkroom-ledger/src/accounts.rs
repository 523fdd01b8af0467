//! The accounts: planned attempts, the budget guard (reserve against the cap in the same
//! transaction that marks the call sent), settling with the actual cost, reconciling after a
//! crash, and the totals spent and committed.

use crate::db::{p, Sql};
use crate::*;

impl Ledger {
    /// Records planned attempts as queued now. Idempotent: a known id keeps its status; one not
    /// done yet (a resumed run) is queued again now, so its queue wait is this run's.
    pub fn plan(&self, rows: &[AttemptRow]) -> Result<(), LedgerError> {
        self.plan_done(rows).map(|_| ())
    }

    /// [`Ledger::plan`], returning which of the rows are done already (from the same
    /// statements: a fresh call needs no read of its own to know it is not).
    pub fn plan_done(
        &self,
        rows: &[AttemptRow],
    ) -> Result<std::collections::HashSet<String>, LedgerError> {
        let mut done = std::collections::HashSet::new();
        use crate::db::IntoVal;
        // Many rows a statement (a batch of calls is one round trip, not one per call); 100
        // rows of 9 values stay under every parameter limit.
        let t = now();
        for chunk in rows.chunks(100) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = 9 * i + 1;
                    format!(
                        "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, 'planned', ?{})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8,
                        b + 9,
                        1
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, queued_at)
                 VALUES {}
                 ON CONFLICT (id) DO UPDATE SET queued_at = excluded.queued_at WHERE attempts.status <> 'done'
                 RETURNING id",
                values.join(", ")
            );
            let mut params = vec![t.val()];
            for r in chunk {
                params.extend([
                    r.id.val(),
                    r.shot.val(),
                    r.tier.as_str().val(),
                    r.round.val(),
                    r.variant.val(),
                    r.provider.val(),
                    r.model.val(),
                    (r.seed as i64).val(),
                    r.params.val(),
                ]);
            }
            // The rows the statement touched are the ones not done; the others are.
            let open: std::collections::HashSet<String> = self.with(|c| {
                c.map(&sql, &params, |r| r.get(0))
                    .map(|v: Vec<String>| v.into_iter().collect())
            })?;
            done.extend(
                chunk
                    .iter()
                    .filter(|r| !open.contains(&r.id))
                    .map(|r| r.id.clone()),
            );
        }
        Ok(done)
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
    ///
    /// A granted reservation bumps the call's epoch and records this process's token: only
    /// this process, at this epoch, settles it (see [`Ledger::settle`]). A call held by another
    /// process under this worker's own id (an earlier life, or the same `--id` started twice)
    /// is taken up at once, fencing that process; one held by another worker is taken over only
    /// once that worker's heartbeat is older than the lease, by the database's clock.
    pub fn reserve_as(
        &self,
        row: &AttemptRow,
        worst: f64,
        cap: Option<f64>,
        replays: bool,
    ) -> Result<Reservation, LedgerError> {
        self.reserve_call(row, worst, cap, replays, None)
    }

    /// [`Ledger::reserve_as`] for a vendor that can be asked about a call by a handle:
    /// `handle` (chosen by the caller) is recorded with the grant when the call has none. A call
    /// that already has one was sent before by a process that died or was fenced with it in
    /// flight: the grant is then [`Reservation::Resume`] with that handle, and the caller asks
    /// the vendor for its result (sending it again, under the same handle, only when the vendor
    /// says it never received it). The handle costs no statement of its own.
    #[expect(
        clippy::too_many_lines,
        reason = "every branch of a grant runs inside the one transaction that reserves it"
    )]
    pub fn reserve_call(
        &self,
        row: &AttemptRow,
        worst: f64,
        cap: Option<f64>,
        replays: bool,
        handle: Option<&str>,
    ) -> Result<Reservation, LedgerError> {
        let (me, lease, shared) = (self.worker.clone(), self.lease, self.is_shared());
        let token = self.token.clone();
        // This reservation, told apart from another task of this process reserving the same
        // call, and from its own second try after a lost connection.
        static NONCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let nonce = NONCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // On PostgreSQL the common case — a call planned or failed before, nobody's in flight — is
        // one statement (see `FAST`); anything else takes the full path below under the lock.
        if shared {
            let t = now();
            let fast = self.with(|c| {
                let r = c.row(
                    FAST,
                    p![row.id, worst, cap.map(|c| c + 1e-9), token, me, t, handle],
                )?;
                let r = match r {
                    Some(r) => (
                        r.get::<Option<String>>(0)?,
                        r.get::<Option<i64>>(1)?,
                        r.get::<f64>(2)?,
                        r.get::<Option<String>>(3)?,
                    ),
                    None => (None, None, 0.0, None),
                };
                // Recorded while the connection is held, before any other task of this
                // process can look at the call (see `fence`).
                if let Some(epoch) = r.1 {
                    self.fence(&row.id, epoch, nonce);
                }
                Ok(r)
            })?;
            match fast {
                (_, Some(_), _, Some(before)) => return Ok(Reservation::Resume { handle: before }),
                (_, Some(_), _, None) => return Ok(Reservation::Granted),
                (Some(status), None, committed, _) if status == "planned" || status == "failed" => {
                    return Ok(Reservation::Denied {
                        committed,
                        needed: worst,
                    });
                }
                _ => {}
            }
        }
        if !shared {
            // SQLite's common case (a call planned or failed before, nothing in flight, within
            // the cap): the grant and the running total in one immediate transaction of two
            // statements; anything else takes the full path below.
            let t = now();
            let fast = self.tx(true, |c| {
                let r = c.row(
                    "UPDATE attempts SET status = 'sent', cost_reserved = cost_reserved + ?2, started_at = ?6, tries = tries + 1,
                       error_class = NULL, error_message = NULL, queue_wait = ?6 - COALESCE(queued_at, ?6), worker = ?5,
                       epoch = epoch + 1, lease = ?4, handle = COALESCE(handle, CAST(?7 AS TEXT))
                     WHERE id = ?1 AND status IN ('planned', 'failed')
                       AND (CAST(?3 AS REAL) IS NULL OR (SELECT committed FROM account WHERE name = 'campaign') + ?2 <= ?3)
                     RETURNING epoch, handle",
                    p![row.id, worst, cap.map(|c| c + 1e-9), token, me, t, handle],
                )?;
                let Some(r) = r else {
                    return Ok(None);
                };
                c.exec(
                    "UPDATE account SET committed = committed + ?1 WHERE name = 'campaign'",
                    p![worst],
                )?;
                let epoch: i64 = r.get(0)?;
                self.fence(&row.id, epoch, nonce);
                Ok(Some(r.get::<Option<String>>(1)?))
            })?;
            match fast {
                // A handle other than the one just offered was there before: sent before.
                Some(Some(h)) if Some(h.as_str()) != handle => {
                    return Ok(Reservation::Resume { handle: h })
                }
                Some(_) => return Ok(Reservation::Granted),
                None => {}
            }
        }
        let granted = self.tx(true, |c| {
            let t = now();
            // On PostgreSQL the call's row is locked first, as every other write takes its
            // locks (the attempt, then the account): no two writers wait on each other.
            let lock = if shared { " FOR UPDATE OF a" } else { "" };
            let current = c.row(
                &format!(
                    "SELECT a.status, a.error_message, a.worker, w.heartbeat, a.lease, a.epoch, a.handle FROM attempts a
                     LEFT JOIN workers w ON w.id = a.worker WHERE a.id = ?1{lock}"
                ),
                p![row.id],
            )?;
            let mut delta = 0.0;
            // A handle the call already has: it was sent before and may have reached the vendor.
            let mut before: Option<String> = None;
            if let Some(r) = current {
                before = r.get::<Option<String>>(6)?;
                let status: AttemptStatus = r.get::<String>(0)?.parse().map_err(LedgerError::Value)?;
                match status {
                    AttemptStatus::Done => return Ok(Err(Reservation::AlreadyDone)),
                    AttemptStatus::Refused => {
                        return Ok(Err(Reservation::Refused { message: r.get::<Option<String>>(1)?.unwrap_or_default() }))
                    }
                    AttemptStatus::Sent => {
                        let holder: Option<String> = r.get(2)?;
                        let beat: Option<f64> = r.get(3)?;
                        let held: Option<String> = r.get(4)?;
                        let this_process = held.as_deref() == Some(token.as_str());
                        if this_process {
                            let held_here = self
                                .fences
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get(&row.id)
                                .copied();
                            return match held_here {
                                // Another task of this process has the call in flight: wait for
                                // its result, as for another worker's.
                                Some((_, n)) if n != nonce => Ok(Err(Reservation::Leased {
                                    worker: me.clone().unwrap_or_else(|| "this process".into()),
                                })),
                                // Granted already: this reservation tried again after its
                                // commit's answer was lost with the connection. Nothing changes.
                                _ => {
                                    let epoch = r.get::<i64>(5)?;
                                    self.fence(&row.id, epoch, nonce);
                                    Ok(Ok(None))
                                }
                            };
                        }
                        if let Some(h) = holder.filter(|_| !this_process) {
                            if Some(&h) != me.as_ref() {
                                let clock = lease_clock(c, shared)?;
                                if beat.is_some_and(|b| clock - b < lease) {
                                    return Ok(Err(Reservation::Leased { worker: h }));
                                }
                            }
                            // Its process is gone, or fenced here: the call may have run. Booked
                            // as "may have run" (kept apart, so that a late result of that
                            // process replaces it with its actual cost), then sent again below.
                            delta = c.one(
                                "UPDATE attempts SET cost_settled = COALESCE(cost_settled, 0) + CASE WHEN ?2 THEN 0 ELSE cost_reserved END,
                                   presumed = presumed + CASE WHEN ?2 THEN 0 ELSE cost_reserved END,
                                   presumed_n = presumed_n + CASE WHEN ?2 OR cost_reserved = 0 THEN 0 ELSE 1 END,
                                   delta = CASE WHEN ?2 THEN -cost_reserved ELSE 0 END,
                                   cost_reserved = 0, interrupted = interrupted + 1 WHERE id = ?1 RETURNING delta",
                                p![row.id, replays],
                            )?;
                        }
                    }
                    _ => {}
                }
            }
            let epoch: i64 = c.one(
                "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, cost_reserved, started_at, tries, queued_at, worker, epoch, lease, handle)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent', ?10, ?11, 1, ?11, ?12, 1, ?13, ?14)
                 ON CONFLICT (id) DO UPDATE SET status = 'sent', cost_reserved = attempts.cost_reserved + ?10,
                   started_at = ?11, tries = attempts.tries + 1, error_class = NULL, error_message = NULL,
                   queue_wait = ?11 - COALESCE(attempts.queued_at, ?11), worker = ?12, epoch = attempts.epoch + 1, lease = ?13,
                   handle = COALESCE(attempts.handle, ?14)
                 RETURNING epoch",
                p![row.id, row.shot, row.tier.as_str(), row.round, row.variant, row.provider, row.model, row.seed as i64, row.params, worst, t, me, token, handle],
            )?;
            // The running total, checked against the cap and moved in one statement: no sum
            // over the attempts, however many there are.
            let moved = match cap {
                Some(cap) => c.exec(
                    "UPDATE account SET committed = committed + ?1 + ?2 WHERE name = 'campaign' AND committed + ?2 + ?1 <= ?3",
                    p![worst, delta, cap + 1e-9],
                )?,
                None => c.exec(
                    "UPDATE account SET committed = committed + ?1 + ?2 WHERE name = 'campaign'",
                    p![worst, delta],
                )?,
            };
            if moved == 0 {
                // Over the cap: nothing of this transaction may stand (the takeover's booking
                // included), so it is rolled back by failing it, and the denial said after.
                return Err(LedgerError::Value(DENIED.into()));
            }
            self.fence(&row.id, epoch, nonce);
            Ok(Ok(before))
        });
        match granted {
            Ok(Ok(Some(handle))) => Ok(Reservation::Resume { handle }),
            Ok(Ok(None)) => Ok(Reservation::Granted),
            Ok(Err(other)) => Ok(other),
            Err(LedgerError::Value(v)) if v == DENIED => {
                let committed = self.with(committed)?;
                Ok(Reservation::Denied {
                    committed,
                    needed: worst,
                })
            }
            Err(e) => Err(e),
        }
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
        self.settle_stored(id, outcome, actual, reported, None)
    }

    /// [`Ledger::settle_with_latency`] that also records the stored asset (`path`, `bytes`) of
    /// a done outcome, in the same statement on PostgreSQL (one round trip for the whole
    /// settle: asset, attempt and running total) and the same transaction on SQLite.
    pub fn settle_stored(
        &self,
        id: &str,
        outcome: &Outcome,
        actual: f64,
        reported: Option<f64>,
        stored: Option<(&str, u64)>,
    ) -> Result<(), LedgerError> {
        self.settle_call(id, outcome, actual, reported, stored, false)
    }

    /// [`Ledger::settle_stored`] for a result collected by its handle after a
    /// [`Reservation::Resume`]: the call ran once, for the process that sent it, so its actual
    /// cost replaces the "may have run" booking of the crash or takeover instead of adding to it
    /// (and adds nothing where the call was settled before: a lost result fetched again).
    pub fn settle_collected(
        &self,
        id: &str,
        outcome: &Outcome,
        actual: f64,
        reported: Option<f64>,
        stored: Option<(&str, u64)>,
    ) -> Result<(), LedgerError> {
        self.settle_call(id, outcome, actual, reported, stored, true)
    }

    fn settle_call(
        &self,
        id: &str,
        outcome: &Outcome,
        actual: f64,
        reported: Option<f64>,
        stored: Option<(&str, u64)>,
        collected: bool,
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
        let fence = self
            .fences
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
            .map_or(-1, |(epoch, _)| epoch);
        let token = self.token.clone();
        let shared = self.is_shared();
        let (path, bytes) = match (stored, asset) {
            (Some((p, b)), Some(_)) => (Some(p), Some(b as i64)),
            _ => (None, None),
        };
        // Only the process that holds the call's lease, at the epoch it was granted, settles it
        // (a reservation this ledger did not grant is checked by its token alone), and once: a
        // settle tried again after its commit's answer was lost changes nothing.
        // A failed call's handle goes with it (a try again is a new call); a collected result
        // replaces one "may have run" booking (?14).
        // A result collected for a call whose cost was settled before (a lost file fetched
        // again) adds nothing: it was paid once, and booked then.
        const SET: &str = "UPDATE attempts SET status = ?2,
               delta = CASE WHEN NOT ?14 THEN ?3 WHEN presumed_n > 0 THEN ?3 - presumed / presumed_n ELSE 0 END - cost_reserved,
               cost_settled = COALESCE(cost_settled, 0) + CASE WHEN NOT ?14 THEN ?3 WHEN presumed_n > 0 THEN ?3 - presumed / presumed_n ELSE 0 END,
               presumed = presumed - CASE WHEN ?14 AND presumed_n > 0 THEN presumed / presumed_n ELSE 0 END,
               presumed_n = presumed_n - CASE WHEN ?14 AND presumed_n > 0 THEN 1 ELSE 0 END,
               cost_reserved = 0, handle = CASE WHEN ?2 = 'failed' THEN NULL ELSE handle END,
               asset = COALESCE(CAST(?4 AS TEXT), asset), model_version = COALESCE(?5, model_version), error_class = ?6, error_message = ?7,
               finished_at = ?8, latency = COALESCE(?9, ?8 - started_at)
             WHERE id = ?1 AND status = 'sent' AND lease IS NOT DISTINCT FROM ?10 AND (?11 < 0 OR epoch = ?11)
             RETURNING delta";
        let settled: Option<f64> = if shared {
            self.with(|c| {
                let t = now();
                c.row(
                    &format!(
                        "WITH ins AS (INSERT INTO assets (hash, path, bytes) SELECT CAST(?4 AS TEXT), CAST(?12 AS TEXT), CAST(?13 AS BIGINT)
                           WHERE CAST(?12 AS TEXT) IS NOT NULL ON CONFLICT DO NOTHING),
                         upd AS ({SET}),
                         acc AS (UPDATE account SET committed = committed + (SELECT delta FROM upd) WHERE name = 'campaign' AND EXISTS (SELECT 1 FROM upd))
                         SELECT delta FROM upd"
                    ),
                    p![id, status.as_str(), actual, asset, version, class, msg, t, reported, token, fence, path, bytes, collected],
                )?
                .map(|r| r.get(0))
                .transpose()
            })?
        } else {
            // SQLite's common case: a result that cost what was reserved moves no total, so the
            // asset and the attempt are two statements of their own (an asset row with no attempt
            // pointing at it yet is harmless); anything else takes the transaction below.
            if !collected {
                let t = now();
                let quick = self.with(|c| {
                    if let (Some(h), Some(p), Some(b)) = (asset, path, bytes) {
                        c.exec(
                            "INSERT INTO assets (hash, path, bytes) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                            p![h, p, b],
                        )?;
                    }
                    let sql = SET
                        .replace("?14", "?12")
                        .replace("RETURNING delta", "AND cost_reserved = ?3 RETURNING delta");
                    c.row(
                        &sql,
                        p![id, status.as_str(), actual, asset, version, class, msg, t, reported, token, fence, collected],
                    )
                    .map(|r| r.is_some())
                })?;
                if quick {
                    return Ok(());
                }
            }
            self.tx(false, |c| {
                let t = now();
                if let (Some(h), Some(p), Some(b)) = (asset, path, bytes) {
                    c.exec(
                        "INSERT INTO assets (hash, path, bytes) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                        p![h, p, b],
                    )?;
                }
                let delta: Option<f64> = c
                    .row(
                        &SET.replace("?14", "?12"),
                        p![id, status.as_str(), actual, asset, version, class, msg, t, reported, token, fence, collected],
                    )?
                    .map(|r| r.get(0))
                    .transpose()?;
                if let Some(d) = delta.filter(|d| *d != 0.0) {
                    c.exec(
                        "UPDATE account SET committed = committed + ?1 WHERE name = 'campaign'",
                        p![d],
                    )?;
                }
                Ok(delta)
            })?
        };
        if settled.is_some() {
            return Ok(());
        }
        // Fenced: another process took the call over (this one was paused or cut off past its
        // lease). Its result is otherwise ignored, but what it cost replaces one "may have run"
        // booking of the takeover, so the ledger equals the bill — or, where the takeover
        // released that booking because the vendor had not received the call by then, is booked
        // again: the request reached the vendor after all.
        self.tx(false, |c| {
            let delta: f64 = c
                .row(
                    "UPDATE attempts SET delta = ?2 - CASE WHEN presumed_n > 0 THEN presumed / presumed_n ELSE 0 END,
                       cost_settled = COALESCE(cost_settled, 0) + ?2 - CASE WHEN presumed_n > 0 THEN presumed / presumed_n ELSE 0 END,
                       presumed = presumed - CASE WHEN presumed_n > 0 THEN presumed / presumed_n ELSE 0 END,
                       released_n = released_n - CASE WHEN presumed_n > 0 THEN 0 ELSE 1 END,
                       presumed_n = presumed_n - CASE WHEN presumed_n > 0 THEN 1 ELSE 0 END,
                       late = late + 1
                     WHERE id = ?1 AND (presumed_n > 0 OR released_n > 0)
                       AND NOT (lease IS NOT DISTINCT FROM ?3 AND (?4 < 0 OR epoch = ?4)) RETURNING delta",
                    p![id, actual, token, fence],
                )?
                .map(|r| r.get(0))
                .transpose()?
                .unwrap_or(0.0);
            if delta != 0.0 {
                c.exec(
                    "UPDATE account SET committed = committed + ?1 WHERE name = 'campaign'",
                    p![delta],
                )?;
            }
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
            let (mut done, mut lost, mut released) = (0, 0, 0.0);
            for (id, asset, provider) in sent {
                let has = asset.as_deref().is_some_and(|h| store.contains(h));
                let (status, class, spent) = match (has, replays(&provider)) {
                    (true, _) => (AttemptStatus::Done, None, true),
                    (false, false) => (AttemptStatus::Failed, Some(ErrorClass::Interrupted.as_str()), true),
                    (false, true) => (AttemptStatus::Failed, Some(ErrorClass::Interrupted.as_str()), false),
                };
                // A call booked as "may have run" is kept apart (`presumed`): should its process
                // be alive after all (paused, not dead), its late result replaces the booking.
                released += c.one::<f64>(
                    "UPDATE attempts SET status = ?2, cost_settled = COALESCE(cost_settled, 0) + CASE WHEN ?4 THEN cost_reserved ELSE 0 END,
                       presumed = presumed + CASE WHEN ?4 AND ?5 = 1 THEN cost_reserved ELSE 0 END,
                       presumed_n = presumed_n + CASE WHEN ?4 AND ?5 = 1 AND cost_reserved > 0 THEN 1 ELSE 0 END,
                       delta = CASE WHEN ?4 THEN 0 ELSE -cost_reserved END, cost_reserved = 0,
                       interrupted = interrupted + ?5, error_class = ?3,
                       error_message = CASE WHEN ?5 = 0 THEN NULL WHEN ?4 THEN 'the run stopped while this call was in flight' ELSE 'the run stopped while this call was in flight; the provider replays it, so it is sent again without paying twice' END
                     WHERE id = ?1 RETURNING delta",
                    p![id, status.as_str(), class, spent, i64::from(class.is_some())],
                )?;
                if has {
                    done += 1;
                } else {
                    lost += 1;
                }
            }
            if released != 0.0 {
                c.exec(
                    "UPDATE account SET committed = committed + ?1 WHERE name = 'campaign'",
                    p![released],
                )?;
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

    /// Done attempts whose stored file's bytes are not its hash (changed on disk), as
    /// `(attempt id, what they cost, the file)`. Reads every stored result: for `--rebuy`.
    pub fn damaged_assets(
        &self,
        store: &Store,
    ) -> Result<Vec<(String, f64, std::path::PathBuf)>, LedgerError> {
        let done: Vec<(String, String, f64)> = self.with(|c| {
            c.map(
                "SELECT id, asset, COALESCE(cost_settled, 0) FROM attempts WHERE status = 'done' AND asset IS NOT NULL ORDER BY id",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })?;
        Ok(done
            .into_iter()
            .filter_map(|(id, hash, cost)| {
                let path = store.find_local(&hash)?;
                let bytes = std::fs::read(&path).ok()?;
                (content_hash(&bytes) != hash).then_some((id, cost, path))
            })
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

    /// Records the vendor's own name for a call this process holds (a Stability generation
    /// id, the `prompt_id` an older ComfyUI gave instead of darkroom's), once the vendor has
    /// accepted it and before its result is waited for.
    pub fn record_handle(&self, id: &str, handle: &str) -> Result<(), LedgerError> {
        let token = self.token.clone();
        self.with(|c| {
            c.exec(
                "UPDATE attempts SET handle = ?2 WHERE id = ?1 AND status = 'sent' AND lease = ?3",
                p![id, handle, token],
            )
            .map(|_| ())
        })
    }

    /// A call the vendor ran and charged whose result could not be kept (a full disk): failed
    /// (`io`), its cost booked as "may have run" and its handle kept, so that the run that
    /// resumes asks the vendor for the result by the handle (where the vendor keeps one) and its
    /// actual cost replaces the booking, instead of paying for the call again.
    pub fn settle_unkept(&self, id: &str, cost: f64, message: &str) -> Result<(), LedgerError> {
        let token = self.token.clone();
        self.tx(false, |c| {
            let delta: Option<f64> = c
                .row(
                    "UPDATE attempts SET status = 'failed', error_class = 'io', error_message = ?3,
                       delta = ?2 - cost_reserved, cost_settled = COALESCE(cost_settled, 0) + ?2,
                       presumed = presumed + ?2, presumed_n = presumed_n + CASE WHEN ?2 > 0 THEN 1 ELSE 0 END,
                       cost_reserved = 0, finished_at = ?4
                     WHERE id = ?1 AND status = 'sent' AND lease IS NOT DISTINCT FROM ?5 RETURNING delta",
                    p![id, cost, message, now(), token],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if let Some(d) = delta.filter(|d| *d != 0.0) {
                c.exec(
                    "UPDATE account SET committed = committed + ?1 WHERE name = 'campaign'",
                    p![d],
                )?;
            }
            Ok(())
        })
    }

    /// After a [`Reservation::Resume`] whose vendor says, by the handle, that it never received
    /// the call: the crash's or takeover's "may have run" booking is released (the call is then
    /// sent again under the same handle). Should the fenced process's request reach the vendor
    /// after all, its late result books the cost again (see [`Ledger::settle`]).
    pub fn release_presumed(&self, id: &str) -> Result<(), LedgerError> {
        let token = self.token.clone();
        self.tx(false, |c| {
            let delta: f64 = c
                .row(
                    "UPDATE attempts SET delta = -(presumed / presumed_n),
                       cost_settled = COALESCE(cost_settled, 0) - presumed / presumed_n,
                       presumed = presumed - presumed / presumed_n, presumed_n = presumed_n - 1,
                       released_n = released_n + 1
                     WHERE id = ?1 AND presumed_n > 0 AND lease = ?2 RETURNING delta",
                    p![id, token],
                )?
                .map(|r| r.get(0))
                .transpose()?
                .unwrap_or(0.0);
            if delta != 0.0 {
                c.exec(
                    "UPDATE account SET committed = committed + ?1 WHERE name = 'campaign'",
                    p![delta],
                )?;
            }
            Ok(())
        })
    }

    /// Records that this process was granted `id` at `epoch` by the reservation `nonce`. Called
    /// inside the granting transaction (the connection held), so that another task of this
    /// process that looks at the call next finds it held here.
    fn fence(&self, id: &str, epoch: i64, nonce: u64) {
        self.fences
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string(), (epoch, nonce));
    }

    /// The one cap of a shared campaign: the first worker records `cap` (in `unit`); a later
    /// one whose cap differs is refused ([`LedgerError::CapDiffers`]) unless `change`, which
    /// sets it for every worker and is logged in `cap_changes`. Returns the cap to apply.
    pub fn agree_cap(
        &self,
        cap: Option<f64>,
        unit: darkroom_core::money::Unit,
        change: bool,
    ) -> Result<Option<f64>, LedgerError> {
        let unit = unit.as_str();
        let who = self.worker.clone().unwrap_or_else(|| "a run".into());
        let at = self.path.clone();
        let shown = |c: Option<f64>, u: &str| {
            c.map_or_else(|| "none".to_string(), |c| format!("{c:.2} {u}"))
        };
        self.tx(true, |c| {
            let r = c
                .row("SELECT cap, unit, cap_by FROM account WHERE name = 'campaign'", p![])?
                .ok_or_else(|| LedgerError::Value("the ledger has no account row".into()))?;
            let (old, old_unit, by): (Option<f64>, Option<String>, Option<String>) =
                (r.get(0)?, r.get(1)?, r.get(2)?);
            let same = by.is_some()
                && old_unit.as_deref() == Some(unit)
                && match (old, cap) {
                    (None, None) => true,
                    (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                    _ => false,
                };
            if same {
                return Ok(cap);
            }
            if let (Some(by), false) = (&by, change) {
                return Err(LedgerError::CapDiffers {
                    at: at.clone(),
                    recorded: shown(old, old_unit.as_deref().unwrap_or(unit)),
                    by: by.clone(),
                    asked: shown(cap, unit),
                });
            }
            c.exec(
                "UPDATE account SET cap = ?1, unit = ?2, cap_by = ?3, cap_at = ?4 WHERE name = 'campaign'",
                p![cap, unit, who, now()],
            )?;
            if let Some(new) = cap {
                c.exec(
                    "INSERT INTO cap_changes (at, worker, old_cap, new_cap, unit) VALUES (?1, ?2, ?3, ?4, ?5)",
                    p![now(), who, old, new, unit],
                )?;
            }
            Ok(cap)
        })
    }

    /// Every change of a shared campaign's cap, oldest first.
    pub fn cap_changes(&self) -> Result<Vec<CapChange>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT at, worker, old_cap, new_cap, unit FROM cap_changes ORDER BY at",
                p![],
                |r| {
                    Ok(CapChange {
                        at: r.get(0)?,
                        by: r.get(1)?,
                        from: r.get(2)?,
                        to: r.get(3)?,
                        unit: r
                            .get::<Option<String>>(4)?
                            .as_deref()
                            .and_then(darkroom_core::money::Unit::parse),
                    })
                },
            )
        })
    }

    /// The committed total summed over every attempt (settled plus reserved): what the running
    /// total of [`Ledger::totals`] must equal. Reads every attempt; for audits and tests.
    pub fn committed_by_attempts(&self) -> Result<f64, LedgerError> {
        self.with(|c| {
            c.one(
                "SELECT COALESCE(SUM(COALESCE(cost_settled, 0) + cost_reserved), 0) FROM attempts",
                p![],
            )
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

/// One change of a shared campaign's cap (`run`/`worker --change-cap`, or the first record).
#[derive(Debug, Clone, PartialEq)]
pub struct CapChange {
    /// When (Unix seconds).
    pub at: f64,
    /// The worker that changed it.
    pub by: Option<String>,
    /// The cap before (none: no cap, or not recorded yet).
    pub from: Option<f64>,
    /// The cap after.
    pub to: f64,
    /// Its unit (none in a ledger from before units were recorded).
    pub unit: Option<darkroom_core::money::Unit>,
}

/// Settled cost plus the reservations of calls in flight: the account's running total, which
/// every write that changes a cost moves in its own transaction.
pub(crate) fn committed(c: &mut dyn Sql) -> Result<f64, LedgerError> {
    c.one(
        "SELECT committed FROM account WHERE name = 'campaign'",
        p![],
    )
}

/// The budget guard in one PostgreSQL statement, for a call that is planned or failed (nobody
/// has it in flight): the call's row locked first (as every writer locks: the attempt, then the
/// account), the running total moved only if the cap holds — a row-locked `UPDATE … WHERE`,
/// re-checked on the latest total however many workers reserve at once — and the call marked
/// sent with a new epoch and this process's token only if the total moved. Returns the call's
/// status before, the new epoch if granted, and the committed total (for a denial). Two workers
/// reserving the same call wait on its row: the second then sees it `sent` and takes the full
/// path, which says who holds it.
const FAST: &str = "WITH cur AS (SELECT status, handle FROM attempts WHERE id = ?1 FOR UPDATE),
  acc AS (UPDATE account SET committed = committed + ?2 WHERE name = 'campaign'
            AND EXISTS (SELECT 1 FROM cur WHERE status IN ('planned', 'failed'))
            AND (CAST(?3 AS DOUBLE PRECISION) IS NULL OR committed + ?2 <= CAST(?3 AS DOUBLE PRECISION))
          RETURNING committed),
  upd AS (UPDATE attempts SET status = 'sent', cost_reserved = cost_reserved + ?2, started_at = ?6, tries = tries + 1,
            error_class = NULL, error_message = NULL, queue_wait = ?6 - COALESCE(queued_at, ?6), worker = ?5,
            epoch = epoch + 1, lease = ?4, handle = COALESCE(handle, CAST(?7 AS TEXT))
          WHERE id = ?1 AND EXISTS (SELECT 1 FROM acc) RETURNING epoch)
  SELECT (SELECT status FROM cur), (SELECT epoch FROM upd), (SELECT committed FROM account WHERE name = 'campaign'),
    (SELECT handle FROM cur)";

/// The budget guard's refusal inside its transaction (so that nothing of it stands).
const DENIED: &str = "darkroom: the budget cannot cover this call";

//! The ledger: one SQLite file per campaign (`<output>/darkroom.db`, WAL, one writer) that
//! accounts for every attempt — planned, sent, done, failed or refused — with its cost reserved
//! and settled, its timing, its error class and its asset; plus the content-addressed store the
//! assets live in (`<output>/store/ab/cd/<blake3>.<ext>`).
//!
//! The budget guard is the point: [`Ledger::reserve`] checks that everything spent or reserved
//! so far plus this call's worst-case price stays within the cap *in the same transaction* that
//! marks the attempt `sent`, so no interleaving of concurrent calls can overspend. After a crash,
//! [`Ledger::reconcile`] settles the `sent` rows: those whose result reached the store are done,
//! the others are marked failed (`interrupted`), to be retried only if the budget allows, and
//! counted as spent unless their provider replays requests by key (then the replay settles). An attempt whose id is `done` is never called again ([`Ledger::is_done`]).

mod dump;
mod human;
mod lock;
mod store;
mod vocab;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

pub use dump::{AttemptRecord, DecisionRecord, DeliverableRecord, Dump, ScoreRecord};
pub use human::{standing, HumanDecision, HumanRecord, Standing, Version};
pub use lock::{host_name, Holder, RunLock};
pub use store::{content_hash, Store};
pub use vocab::{
    AttemptStatus, DecisionKind, HumanAction, Reason, RejectReason, RunStatus, ShotStatus, Tier,
};

/// The migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_interrupted.sql"),
    include_str!("../migrations/0003_shots.sql"),
    include_str!("../migrations/0004_run_reason.sql"),
    include_str!("../migrations/0005_human.sql"),
    include_str!("../migrations/0006_versions.sql"),
    include_str!("../migrations/0007_backend.sql"),
    include_str!("../migrations/0008_upstream.sql"),
];

/// A ledger failure.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// SQLite failed.
    #[error("ledger database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The store could not be written or read.
    #[error("asset store `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The ledger file cannot be opened as a ledger (corrupt, not SQLite, unreadable).
    #[error("cannot open the ledger `{path}`: {source}; if the file is damaged, move it aside (the store keeps the images, but the accounts of what was paid are in this file)")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: rusqlite::Error,
    },
    /// SQLite failed on the ledger file named.
    #[error("ledger `{path}`: {source}")]
    At {
        /// The file.
        path: String,
        /// Why.
        source: rusqlite::Error,
    },
    /// Another run of this campaign holds the lock.
    #[error("another run of this campaign is in progress ({}); lock `{path}`. Wait for it to end, or stop it (Ctrl-C) — it resumes where it stopped", holder.as_ref().map_or_else(|| "holder unknown".to_string(), |h| h.to_string()))]
    Locked {
        /// The lock file.
        path: String,
        /// Who holds it, as its file says.
        holder: Option<Holder>,
    },
    /// The database was written by a newer darkroom.
    #[error("the ledger has schema version {found}, newer than this darkroom knows ({known}); upgrade darkroom")]
    Newer {
        /// Version in the file.
        found: i64,
        /// Latest known here.
        known: i64,
    },
}

impl LedgerError {
    /// Whether the environment failed (a full disk, an unwritable or vanished folder), not the
    /// ledger's logic: fixing it and running again resumes.
    pub fn is_io(&self) -> bool {
        match self {
            LedgerError::Io { .. } => true,
            LedgerError::Sql(e)
            | LedgerError::At { source: e, .. }
            | LedgerError::Open { source: e, .. } => matches!(
                e.sqlite_error_code(),
                Some(
                    rusqlite::ErrorCode::DiskFull
                        | rusqlite::ErrorCode::SystemIoFailure
                        | rusqlite::ErrorCode::CannotOpen
                        | rusqlite::ErrorCode::ReadOnly
                        | rusqlite::ErrorCode::PermissionDenied
                )
            ),
            _ => false,
        }
    }
}

/// What an attempt is, when it is reserved.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    /// Deterministic id.
    pub id: String,
    /// Shot id.
    pub shot: String,
    /// The funnel's rung.
    pub tier: Tier,
    /// Drafting round.
    pub round: u32,
    /// Variant index.
    pub variant: u32,
    /// Provider name.
    pub provider: String,
    /// Model id.
    pub model: String,
    /// Seed.
    pub seed: u64,
    /// Parameters, JSON.
    pub params: String,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An image came back and was stored.
    Done {
        /// blake3 of the asset.
        asset: String,
        /// The model version the provider reported.
        model_version: Option<String>,
    },
    /// The provider refused (content policy): recorded, never retried.
    Refused {
        /// The provider's reason.
        message: String,
    },
    /// Any other failure, with the class the scheduler acted on.
    Failed {
        /// `transient`, `rate_limited`, `auth`, `invalid`, `interrupted`…
        class: String,
        /// What happened (never containing a secret).
        message: String,
    },
}

/// The result of asking to spend.
#[derive(Debug, Clone, PartialEq)]
pub enum Reservation {
    /// Reserved: the call may be made.
    Granted,
    /// The attempt is already done: do not call it again.
    AlreadyDone,
    /// The provider refused the attempt (in this run or an earlier one): refusals are final,
    /// since the same request would only be refused again, and repeated refused requests are
    /// what vendors' abuse systems count.
    Refused {
        /// The provider's message.
        message: String,
    },
    /// The budget cannot cover the call's worst case.
    Denied {
        /// Spent and reserved so far.
        committed: f64,
        /// What the refused call needed (its worst-case price).
        needed: f64,
    },
}

/// Spend and counts, for `status` and the report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Totals {
    /// Settled cost plus reservations of calls in flight.
    pub committed: f64,
    /// Settled cost only.
    pub settled: f64,
    /// Attempts per status.
    pub by_status: Vec<(String, u64)>,
    /// Calls made (tries, including retries).
    pub tries: u64,
}

/// What `darkroom status` shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    /// `(tier, status, attempts)`.
    pub by_tier: Vec<(String, String, u64)>,
    /// Failures by error class.
    pub failures: Vec<(String, u64)>,
    /// Settled spend.
    pub spent: f64,
    /// Calls made, retries included.
    pub tries: u64,
    /// Files delivered.
    pub deliverables: u64,
    /// Latency of done calls: p50 and p95, seconds.
    pub latency: Option<(f64, f64)>,
    /// Queue wait: p50 and p95, seconds.
    pub queue_wait: Option<(f64, f64)>,
}

/// One run of a campaign: when it started and ended, and how it ended (`running` until then;
/// `crashed` when a later run found it never ended).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Sequence number.
    pub id: i64,
    /// Unix seconds.
    pub started_at: f64,
    /// Unix seconds, when it ended.
    pub finished_at: Option<f64>,
    /// How it ended (`running` while it runs or when it never ended).
    pub status: RunStatus,
    /// Why it ended so (a run that ended in `error`).
    pub reason: Option<String>,
}

/// A shot's outcome as of the latest run that reached it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShotRecord {
    /// Shot id.
    pub id: String,
    /// Where it stands.
    pub status: ShotStatus,
    /// Why it failed.
    pub reason: Option<String>,
    /// The run that set it.
    pub run: Option<i64>,
}

/// The ledger of one campaign.
pub struct Ledger {
    conn: Mutex<Connection>,
    /// The file, for messages (`:memory:` in tests).
    path: String,
}

pub(crate) fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Ledger {
    /// Opens (creating and migrating) a ledger file.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let named = |source| LedgerError::Open {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(named)?;
        // A damaged or foreign file fails on its first read: said once, with the path.
        conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(named)?;
        let mut l = Ledger::setup(conn).map_err(|e| match e {
            LedgerError::Sql(source) => named(source),
            other => other,
        })?;
        l.path = path.display().to_string();
        Ok(l)
    }

    /// An in-memory ledger (tests).
    pub fn in_memory() -> Result<Ledger, LedgerError> {
        Ledger::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Ledger, LedgerError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(LedgerError::Newer {
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(Ledger {
            path: ":memory:".into(),
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut c = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        // SQLite's own message ("database or disk is full") does not say which file.
        f(&mut c).map_err(|e| match e {
            LedgerError::Sql(source) => LedgerError::At {
                path: self.path.clone(),
                source,
            },
            other => other,
        })
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        self.with(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
    }

    /// Records planned attempts as queued now. Idempotent: a known id keeps its status; one not
    /// done yet (a resumed run) is queued again now, so its queue wait is this run's.
    pub fn plan(&self, rows: &[AttemptRow]) -> Result<(), LedgerError> {
        self.with(|c| {
            let tx = c.transaction()?;
            {
                let mut st = tx.prepare(
                    "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, queued_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'planned', ?10)
                     ON CONFLICT (id) DO UPDATE SET queued_at = excluded.queued_at WHERE status <> 'done'",
                )?;
                let t = now();
                for r in rows {
                    st.execute(params![r.id, r.shot, r.tier.as_str(), r.round, r.variant, r.provider, r.model, r.seed as i64, r.params, t])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// The budget guard: reserves `worst` against `cap` and marks the attempt `sent`, in one
    /// immediate (write-locking) transaction. `cap = None` means no cap.
    pub fn reserve(
        &self,
        row: &AttemptRow,
        worst: f64,
        cap: Option<f64>,
    ) -> Result<Reservation, LedgerError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let status: Option<(AttemptStatus, Option<String>)> = tx
                .query_row("SELECT status, error_message FROM attempts WHERE id = ?1", [&row.id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match status {
                Some((AttemptStatus::Done, _)) => return Ok(Reservation::AlreadyDone),
                Some((AttemptStatus::Refused, m)) => return Ok(Reservation::Refused { message: m.unwrap_or_default() }),
                _ => {}
            }
            // Summed only under a cap: the sum reads every attempt, which on an uncapped
            // 10,000-shot campaign was most of the run's ledger time.
            if let Some(cap) = cap {
                let committed = committed(&tx)?;
                if committed + worst > cap + 1e-9 {
                    return Ok(Reservation::Denied { committed, needed: worst });
                }
            }
            let t = now();
            tx.execute(
                "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, cost_reserved, started_at, tries, queued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent', ?10, ?11, 1, ?11)
                 ON CONFLICT (id) DO UPDATE SET status = 'sent', cost_reserved = cost_reserved + ?10,
                   started_at = ?11, tries = tries + 1, error_class = NULL, error_message = NULL,
                   queue_wait = ?11 - COALESCE(queued_at, ?11)",
                params![row.id, row.shot, row.tier.as_str(), row.round, row.variant, row.provider, row.model, row.seed as i64, row.params, worst, t],
            )?;
            tx.commit()?;
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
        self.with(|c| {
            let t = now();
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // The reservation of this try is replaced by its actual cost.
            let (status, asset, version, class, msg) = match outcome {
                Outcome::Done { asset, model_version } => (AttemptStatus::Done, Some(asset.as_str()), model_version.as_deref(), None, None),
                Outcome::Refused { message } => (AttemptStatus::Refused, None, None, Some("refused"), Some(message.as_str())),
                Outcome::Failed { class, message } => (AttemptStatus::Failed, None, None, Some(class.as_str()), Some(message.as_str())),
            };
            tx.execute(
                "UPDATE attempts SET status = ?2, cost_settled = COALESCE(cost_settled, 0) + ?3, cost_reserved = 0,
                   asset = COALESCE(?4, asset), model_version = COALESCE(?5, model_version), error_class = ?6, error_message = ?7,
                   finished_at = ?8, latency = COALESCE(?9, ?8 - started_at)
                 WHERE id = ?1",
                params![id, status, actual, asset, version, class, msg, t, reported],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// After a crash: `sent` rows whose asset is in the store become `done`; the others are
    /// marked `failed` / `interrupted`, to be sent again. Their reservation is counted as spent
    /// (the provider may have run and charged the call) unless `replays(provider)` says the
    /// provider answers a request sent again from its own record without charging twice: then
    /// the reservation is released and the replay settles the one charge.
    /// Returns `(done, interrupted)`.
    pub fn reconcile(
        &self,
        store: &Store,
        replays: impl Fn(&str) -> bool,
    ) -> Result<(usize, usize), LedgerError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let sent: Vec<(String, Option<String>, String)> = {
                let mut st = tx.prepare("SELECT id, asset, provider FROM attempts WHERE status = 'sent'")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            let (mut done, mut lost) = (0, 0);
            for (id, asset, provider) in sent {
                let has = asset.as_deref().is_some_and(|h| store.contains(h));
                let (status, class, spent) = match (has, replays(&provider)) {
                    (true, _) => (AttemptStatus::Done, None, true),
                    (false, false) => (AttemptStatus::Failed, Some("interrupted"), true),
                    (false, true) => (AttemptStatus::Failed, Some("interrupted"), false),
                };
                tx.execute(
                    "UPDATE attempts SET status = ?2, cost_settled = COALESCE(cost_settled, 0) + CASE WHEN ?4 THEN cost_reserved ELSE 0 END, cost_reserved = 0,
                       interrupted = interrupted + (?3 IS NOT NULL), error_class = ?3,
                       error_message = CASE WHEN ?3 IS NULL THEN NULL WHEN ?4 THEN 'the run stopped while this call was in flight' ELSE 'the run stopped while this call was in flight; the provider replays it, so it is sent again without paying twice' END
                     WHERE id = ?1",
                    params![id, status, class, spent],
                )?;
                if has {
                    done += 1;
                } else {
                    lost += 1;
                }
            }
            tx.commit()?;
            Ok((done, lost))
        })
    }

    /// Whether any attempt of a shot is done (a resumed shot may need little more).
    pub fn shot_has_done(&self, shot: &str) -> Result<bool, LedgerError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM attempts WHERE shot = ?1 AND status = 'done')",
                [shot],
                |r| r.get(0),
            )?)
        })
    }

    /// Whether an attempt is done (its result can be reused; never call it again).
    pub fn is_done(&self, id: &str) -> Result<bool, LedgerError> {
        self.with(|c| {
            // Asked once per planned call (progress lines count what is done): a cached
            // statement, not a parse per call.
            let s: Option<String> = c
                .prepare_cached("SELECT status FROM attempts WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            Ok(s.as_deref() == Some(AttemptStatus::Done.as_str()))
        })
    }

    /// Starts a run: any earlier run that never ended is marked `crashed`. Returns its id.
    pub fn start_run(&self, campaign: &str) -> Result<i64, LedgerError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE runs SET status = 'crashed' WHERE status = 'running'",
                [],
            )?;
            tx.execute(
                "INSERT INTO runs (campaign, started_at, status) VALUES (?1, ?2, 'running')",
                params![campaign, now()],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(id)
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
            c.execute(
                "UPDATE runs SET status = ?2, finished_at = ?3, reason = ?4 WHERE id = ?1",
                params![id, status.as_str(), now(), reason],
            )?;
            Ok(())
        })
    }

    /// Paid results the store no longer has: done attempts whose asset file is gone, as
    /// `(attempt id, what they cost)`. Such an attempt is never re-bought silently.
    pub fn missing_assets(&self, store: &Store) -> Result<Vec<(String, f64)>, LedgerError> {
        let done: Vec<(String, Option<String>, f64)> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT id, asset, COALESCE(cost_settled, 0) FROM attempts WHERE status = 'done' ORDER BY id",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?;
        Ok(done
            .into_iter()
            .filter(|(_, asset, _)| !asset.as_deref().is_some_and(|h| store.contains(h)))
            .map(|(id, _, cost)| (id, cost))
            .collect())
    }

    /// Marks done attempts whose result is lost as failed (`lost`), so the next call buys them
    /// again; what they cost stays in the accounts. The user asked for it (`run --rebuy`).
    pub fn forget_lost(&self, ids: &[String]) -> Result<(), LedgerError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for id in ids {
                tx.execute(
                    "UPDATE attempts SET status = 'failed', error_class = 'lost', error_message = 'the result was paid for but is missing from the store; bought again (run --rebuy)' WHERE id = ?1 AND status = 'done'",
                    [id],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRecord>, LedgerError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT id, started_at, finished_at, status, reason FROM runs ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(RunRecord {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    finished_at: r.get(2)?,
                    status: r.get(3)?,
                    reason: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
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
            c.execute(
                "INSERT INTO shots (id, prompt, finals, status, reason, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET prompt = excluded.prompt, finals = excluded.finals,
                   status = excluded.status, reason = excluded.reason, run = excluded.run",
                params![id, prompt, finals, status, reason, run],
            )?;
            Ok(())
        })
    }

    /// Every shot's latest outcome, by id.
    pub fn shots(&self) -> Result<Vec<ShotRecord>, LedgerError> {
        self.with(|c| {
            let mut st = c.prepare("SELECT id, status, reason, run FROM shots ORDER BY id")?;
            let rows = st.query_map([], |r| {
                Ok(ShotRecord {
                    id: r.get(0)?,
                    status: r.get(1)?,
                    reason: r.get(2)?,
                    run: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The stored asset of a done attempt: `(hash, path)`.
    pub fn done_asset(&self, id: &str) -> Result<Option<(String, String)>, LedgerError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT a.hash, a.path FROM attempts t JOIN assets a ON a.hash = t.asset WHERE t.id = ?1 AND t.status = 'done'",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    /// Records which server of a pool ran an attempt.
    pub fn record_backend(&self, id: &str, backend: &str) -> Result<(), LedgerError> {
        self.with(|c| {
            c.execute(
                "UPDATE attempts SET backend = ?2 WHERE id = ?1",
                params![id, backend],
            )?;
            Ok(())
        })
    }

    /// Records the stored hash of the vendor's own file for an attempt (see `upstream`).
    pub fn record_upstream(&self, id: &str, hash: &str) -> Result<(), LedgerError> {
        self.with(|c| {
            c.execute(
                "UPDATE attempts SET upstream = ?2 WHERE id = ?1",
                params![id, hash],
            )?;
            Ok(())
        })
    }

    /// The stored hash of the vendor's own file for an attempt, when it carried Content
    /// Credentials the stored image lost.
    pub fn upstream(&self, id: &str) -> Result<Option<String>, LedgerError> {
        self.with(|c| {
            Ok(
                c.query_row("SELECT upstream FROM attempts WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?
                .flatten(),
            )
        })
    }

    /// Per provider and pool server: the attempts it finished (done), in provider then server
    /// order. Providers of one endpoint are not listed.
    pub fn backend_counts(&self) -> Result<Vec<(String, String, u64)>, LedgerError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT provider, backend, COUNT(*) FROM attempts WHERE backend IS NOT NULL AND status = 'done'
                 GROUP BY provider, backend ORDER BY provider, backend",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Records a delivered file.
    pub fn record_deliverable(
        &self,
        path: &str,
        shot: &str,
        attempt: &str,
        aspect: &str,
        size: (u32, u32),
        hash: &str,
    ) -> Result<(), LedgerError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO deliverables (path, shot, attempt, aspect, width, height, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (path) DO UPDATE SET attempt = ?3, width = ?5, height = ?6, hash = ?7",
                params![path, shot, attempt, aspect, size.0, size.1, hash],
            )?;
            Ok(())
        })
    }

    /// Records a stored asset.
    pub fn record_asset(&self, hash: &str, path: &str, bytes: u64) -> Result<(), LedgerError> {
        self.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO assets (hash, path, bytes) VALUES (?1, ?2, ?3)",
                params![hash, path, bytes as i64],
            )?;
            Ok(())
        })
    }

    /// Records a judge's score and verdicts for an attempt.
    pub fn record_score(
        &self,
        attempt: &str,
        judge: &str,
        value: Option<f64>,
        verdicts_json: &str,
    ) -> Result<(), LedgerError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO scores (attempt, judge, value, verdicts) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (attempt, judge) DO UPDATE SET value = ?3, verdicts = ?4",
                params![attempt, judge, value, verdicts_json],
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
        self.with(|c| {
            // A resumed run judges and ranks again and reaches the same decisions: recorded
            // once, so counts over decisions stay counts of attempts.
            c.execute(
                "INSERT INTO decisions (attempt, kind, reason, rank_key, at)
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (
                   SELECT 1 FROM decisions WHERE attempt = ?1 AND kind = ?2 AND reason = ?3 AND rank_key IS ?4)",
                params![attempt, kind, reason, rank_key, now()],
            )?;
            Ok(())
        })
    }

    /// Refused attempts that were tried more than once (must be none: refusals are final).
    pub fn refused_with_retries(&self) -> Result<u64, LedgerError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM attempts WHERE status = 'refused' AND tries > 1",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }

    /// Calls found in flight after a crash, over all attempts (each may have been executed by
    /// the provider without its answer reaching the ledger).
    pub fn interrupted(&self) -> Result<u64, LedgerError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(SUM(interrupted), 0) FROM attempts",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }

    /// Latency (seconds) of every done call with its `(tier, round, provider)`, for simulated
    /// clocks.
    pub fn latencies(&self) -> Result<Vec<(String, u32, String, f64)>, LedgerError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT tier, round, provider, latency FROM attempts
                 WHERE status = 'done' AND latency IS NOT NULL ORDER BY tier, round, provider",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Gate decisions: `(passed, all)`.
    pub fn gate_counts(&self) -> Result<(u64, u64), LedgerError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(SUM(reason = 'passed'), 0), COUNT(*) FROM decisions WHERE kind = 'gate'",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )?)
        })
    }

    /// The summary `darkroom status` prints.
    pub fn status(&self) -> Result<Status, LedgerError> {
        self.with(|c| {
            let by_tier = c
                .prepare("SELECT tier, status, COUNT(*) FROM attempts GROUP BY tier, status ORDER BY tier, status")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64)))?
                .collect::<Result<_, _>>()?;
            let failures = c
                .prepare("SELECT error_class, COUNT(*) FROM attempts WHERE error_class IS NOT NULL GROUP BY error_class ORDER BY error_class")?
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
                .collect::<Result<_, _>>()?;
            let spent: f64 = c.query_row("SELECT COALESCE(SUM(cost_settled), 0) FROM attempts", [], |r| r.get(0))?;
            let tries: i64 = c.query_row("SELECT COALESCE(SUM(tries), 0) FROM attempts", [], |r| r.get(0))?;
            let deliverables: i64 = c.query_row("SELECT COUNT(*) FROM deliverables", [], |r| r.get(0))?;
            let pct = |col: &str| -> Result<Option<(f64, f64)>, rusqlite::Error> {
                let mut v: Vec<f64> = c
                    .prepare(&format!("SELECT {col} FROM attempts WHERE status = 'done' AND {col} IS NOT NULL"))?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                if v.is_empty() {
                    return Ok(None);
                }
                v.sort_by(f64::total_cmp);
                let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
                Ok(Some((at(0.5), at(0.95))))
            };
            Ok(Status { by_tier, failures, spent, tries: tries as u64, deliverables: deliverables as u64, latency: pct("latency")?, queue_wait: pct("queue_wait")? })
        })
    }

    /// Everything recorded, in a stable order (the report's source).
    pub fn dump(&self) -> Result<Dump, LedgerError> {
        self.with(|c| dump::dump(c, true))
    }

    /// One attempt by its id (the row a reader of one call needs, without the whole dump).
    pub fn attempt(&self, id: &str) -> Result<Option<AttemptRecord>, LedgerError> {
        self.with(|c| dump::attempt(c, id))
    }

    /// [`Ledger::dump`] without the scores (read them with [`Ledger::for_each_score`] and
    /// [`Ledger::scores_of_shot`]): what a reader of a large campaign holds at once.
    pub fn dump_without_scores(&self) -> Result<Dump, LedgerError> {
        self.with(|c| dump::dump(c, false))
    }

    /// Calls `f` with every score in the dump's order, one at a time.
    pub fn for_each_score(&self, f: impl FnMut(ScoreRecord)) -> Result<(), LedgerError> {
        self.with(|c| dump::for_each_score(c, f))
    }

    /// The scores of one shot's attempts.
    pub fn scores_of_shot(&self, shot: &str) -> Result<Vec<ScoreRecord>, LedgerError> {
        self.with(|c| dump::scores_of_shot(c, shot))
    }

    /// A fingerprint of everything a report shows: equal fingerprints, equal reports (for the
    /// same campaign file), so an unchanged ledger's report need not be rebuilt.
    pub fn fingerprint(&self) -> Result<String, LedgerError> {
        self.with(|c| {
            let q = |sql: &str| -> Result<String, rusqlite::Error> {
                c.query_row(sql, [], |r| {
                    let v: rusqlite::types::Value = r.get(0)?;
                    Ok(format!("{v:?}"))
                })
            };
            Ok([
                q("SELECT COUNT(*) || '/' || COALESCE(SUM(tries), 0) || '/' || COALESCE(SUM(cost_settled), 0) || '/' || COALESCE(MAX(finished_at), 0) || '/' || COALESCE(SUM(status = 'done'), 0) FROM attempts")?,
                q("SELECT COUNT(*) || '/' || COALESCE(MAX(at), 0) FROM decisions")?,
                q("SELECT COUNT(*) FROM scores")?,
                q("SELECT COUNT(*) || '/' || COALESCE(MAX(rowid), 0) FROM deliverables")?,
                q("SELECT COUNT(*) FROM assets")?,
                // People's decisions in review and the versions they made.
                q("SELECT COUNT(*) || '/' || COALESCE(MAX(id), 0) FROM human_decisions")?,
                q("SELECT COUNT(*) FROM versions")?,
            ]
            .join(";"))
        })
    }

    /// Spend and counts.
    pub fn totals(&self) -> Result<Totals, LedgerError> {
        self.with(|c| {
            let committed = committed(c)?;
            let settled: f64 = c.query_row(
                "SELECT COALESCE(SUM(cost_settled), 0) FROM attempts",
                [],
                |r| r.get(0),
            )?;
            let tries: i64 =
                c.query_row("SELECT COALESCE(SUM(tries), 0) FROM attempts", [], |r| {
                    r.get(0)
                })?;
            let mut st =
                c.prepare("SELECT status, COUNT(*) FROM attempts GROUP BY status ORDER BY status")?;
            let by_status = st
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect::<Result<_, _>>()?;
            Ok(Totals {
                committed,
                settled,
                by_status,
                tries: tries as u64,
            })
        })
    }
}

/// Settled cost plus the reservations of calls in flight.
fn committed(c: &Connection) -> Result<f64, rusqlite::Error> {
    c.query_row(
        "SELECT COALESCE(SUM(COALESCE(cost_settled, 0) + cost_reserved), 0) FROM attempts",
        [],
        |r| r.get(0),
    )
}

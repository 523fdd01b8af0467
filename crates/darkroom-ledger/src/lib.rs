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

mod db;
mod dump;
mod human;
mod lock;
mod remote;
mod store;
mod transfer;
mod vocab;

use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;

use db::{p, Sql};
use rusqlite::{Connection, TransactionBehavior};

pub use dump::{AttemptRecord, DecisionRecord, DeliverableRecord, Dump, ScoreRecord};
pub use human::{standing, HumanDecision, HumanRecord, Standing, Version};
pub use lock::{host_name, Holder, RunLock};
pub use store::{content_hash, Store};
pub use transfer::Moved;
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
    include_str!("../migrations/0009_workers.sql"),
    include_str!("../migrations/0010_moved.sql"),
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
    #[error("the ledger `{at}` has schema version {found}, newer than this darkroom knows ({known}); upgrade darkroom")]
    Newer {
        /// The file or URL (password masked).
        at: String,
        /// Version in the file.
        found: i64,
        /// Latest known here.
        known: i64,
    },
    /// PostgreSQL failed (mapped to [`LedgerError::PgAt`] with the URL once it reaches the
    /// ledger's caller).
    #[error("ledger database: {0}")]
    Postgres(#[from] postgres::Error),
    /// PostgreSQL failed on the ledger named.
    #[error("ledger `{url}`: {why}")]
    PgAt {
        /// The URL, password masked.
        url: String,
        /// The server's words.
        why: String,
        /// Whether the connection was lost (the environment, not the ledger's logic).
        closed: bool,
    },
    /// The PostgreSQL ledger cannot be reached or opened.
    #[error("cannot open the ledger `{url}`: {why}")]
    Connect {
        /// The URL, password masked.
        url: String,
        /// Why: unreachable, wrong password, no such database…
        why: String,
    },
    /// The database holds another campaign's ledger.
    #[error("the ledger `{at}` belongs to campaign `{found}`, not `{expected}`; give each campaign its own database")]
    OtherCampaign {
        /// The URL, password masked.
        at: String,
        /// What is there.
        found: String,
        /// This campaign.
        expected: String,
    },
    /// The S3-compatible store cannot be opened (unreachable, no such bucket, wrong keys).
    #[error("cannot open the asset store `{url}`: {why}")]
    StoreOpen {
        /// The bucket URL (`s3://bucket/prefix`).
        url: String,
        /// Why (no keys are printed).
        why: String,
    },
    /// The S3-compatible store failed to read or write an object during the work.
    #[error("asset store `{url}`: {why}")]
    Store {
        /// The bucket URL (`s3://bucket/prefix`, or an object in it).
        url: String,
        /// Why (no keys are printed).
        why: String,
    },
    /// A column held what the ledger did not write there.
    #[error("ledger value: {0}")]
    Value(String),
    /// The file ledger was moved into a shared database: running on it would pay again for
    /// what the shared one has done.
    #[error("the ledger `{path}` was moved to `{to}` (darkroom move); its accounts go on there: set `ledger = \"{to}\"` in [campaign] (or DARKROOM_LEDGER) and run again")]
    Moved {
        /// The file.
        path: String,
        /// The database it was moved to (password masked).
        to: String,
    },
    /// A ledger cannot be moved as asked.
    #[error("cannot move the ledger `{from}` to `{to}`: {why}")]
    Move {
        /// The file.
        from: String,
        /// The database (password masked).
        to: String,
        /// Why.
        why: String,
    },
}

impl LedgerError {
    /// Whether the environment failed (a full disk, an unwritable or vanished folder), not the
    /// ledger's logic: fixing it and running again resumes.
    pub fn is_io(&self) -> bool {
        match self {
            LedgerError::Io { .. } => true,
            LedgerError::PgAt { closed, .. } => *closed,
            // The bucket failed mid-run (full, unreachable): fixing it and running again resumes.
            LedgerError::Store { .. } => true,
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
    /// Another live worker has the call in flight: wait for its result.
    Leased {
        /// That worker.
        worker: String,
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
    db: Db,
    /// The file or the database URL (its password masked), for messages (`:memory:` in tests).
    path: String,
    /// This process's worker id, when several processes work one campaign: its calls in flight
    /// are leased to it, and another worker takes them over when its heartbeat stops.
    worker: Option<String>,
    /// How long a worker's heartbeat may be silent before its leases are taken over.
    lease: f64,
}

enum Db {
    Lite(Mutex<Connection>),
    Pg(Box<Mutex<db::PgConn>>),
}

pub(crate) fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Where a campaign's ledger is: a SQLite file (the default, in the output folder) or a
/// PostgreSQL database shared by several workers.
#[derive(Clone, PartialEq)]
pub enum Location {
    /// A SQLite file.
    File(std::path::PathBuf),
    /// A `postgres://` URL (its password is never printed).
    Postgres(String),
}

impl Location {
    /// Where a campaign's ledger is: its `[campaign] ledger` (a URL, or a file), else
    /// `<output>/darkroom.db`.
    pub fn of(configured: Option<&str>, out: &Path) -> Location {
        match configured {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Location::Postgres(url.to_string())
            }
            Some(path) => Location::File(std::path::PathBuf::from(path)),
            None => Location::File(out.join("darkroom.db")),
        }
    }

    /// Whether there is a ledger to open: a file that exists, or a database (asked when
    /// opened).
    pub fn exists(&self) -> bool {
        match self {
            Location::File(p) => p.exists(),
            Location::Postgres(_) => true,
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => write!(f, "File({})", p.display()),
            Location::Postgres(u) => write!(f, "Postgres({})", mask_url(u)),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => f.write_str(&mask_url(u)),
        }
    }
}

/// A database URL with its password as `****` (`postgres://user:****@host/db`).
pub fn mask_url(url: &str) -> String {
    // A password in the query string (`?password=…`) is masked too.
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => {
            let q: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=****"),
                    _ => kv.to_string(),
                })
                .collect();
            (m, format!("?{}", q.join("&")))
        }
        None => (url, String::new()),
    };
    let main = match main.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((auth, tail)) => match auth.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:****@{tail}"),
                None => main.to_string(),
            },
            None => main.to_string(),
        },
        None => main.to_string(),
    };
    format!("{main}{query}")
}

/// Whether a PostgreSQL error is the connection lost (closed by the server, or reset on the
/// way: an I/O error), not the server refusing a statement.
fn connection_lost(e: &postgres::Error) -> bool {
    e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// A URL as a campaign file may hold it: without its password, which comes from the
/// environment (PGPASSWORD).
pub fn without_password(url: &str) -> String {
    mask_url(url).replace(":****@", "@")
}

/// One worker of a campaign, as `status` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRecord {
    /// Its id (`--id`, or host and process id).
    pub id: String,
    /// The machine.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// When it started (Unix seconds).
    pub started_at: f64,
    /// Its last heartbeat (Unix seconds, by the ledger's clock).
    pub heartbeat: f64,
    /// Seconds since that heartbeat, by the same clock.
    pub age: f64,
    /// `working`, `finished`, or `lost` (its heartbeat stopped).
    pub state: String,
    /// Calls it has in flight.
    pub leases: u64,
    /// Calls it finished.
    pub done: u64,
}

/// Whether a worker may do a piece of work that one worker does for all (a shot's delivery).
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// It is this worker's to do (new, or taken over from a worker whose heartbeat stopped).
    Mine,
    /// Another live worker is doing it.
    Held(String),
    /// It was done.
    Done,
}

/// The ledger's advisory lock in PostgreSQL: held by the transactions that SQLite would run
/// `IMMEDIATE` (the budget guard, reconciling), so they run one at a time across workers.
const PG_LOCK: i64 = 0x6461_726B_726F_6F6D; // "darkroom"

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

    /// Opens the ledger at `at`: a file, or a PostgreSQL database that must belong to
    /// `campaign` (a database of another campaign is refused; an empty one becomes this one's).
    pub fn open_at(at: &Location, campaign: &str) -> Result<Ledger, LedgerError> {
        match at {
            Location::File(p) => Ledger::open(p),
            Location::Postgres(url) => Ledger::connect(url, campaign),
        }
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
                at: ":memory:".into(),
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
            db: Db::Lite(Mutex::new(conn)),
            worker: None,
            lease: 30.0,
        })
    }

    /// Connects to a PostgreSQL ledger, migrating it under the advisory lock (workers starting
    /// at once migrate it once), and checks it belongs to `campaign`.
    pub fn connect(url: &str, campaign: &str) -> Result<Ledger, LedgerError> {
        let shown = mask_url(url);
        let fail = |e: postgres::Error| LedgerError::Connect {
            url: shown.clone(),
            why: pg_why(&e),
        };
        let (url2, campaign2) = (url.to_string(), campaign.to_string());
        let conn = off_runtime(move || -> Result<db::PgConn, LedgerError> {
            let mut config =
                postgres::Config::from_str(&url2).map_err(|e| LedgerError::Connect {
                    url: mask_url(&url2),
                    why: format!(
                        "not a PostgreSQL URL ({e}); expected postgres://USER@HOST:PORT/DATABASE"
                    ),
                })?;
            // The password is not written in campaign files: it comes from the environment,
            // as for every PostgreSQL client.
            if config.get_password().is_none() {
                if let Ok(pw) = std::env::var("PGPASSWORD") {
                    config.password(pw);
                }
            }
            let client = config
                .connect_timeout(std::time::Duration::from_secs(10))
                .connect(postgres::NoTls)
                .map_err(fail)?;
            let mut c = db::PgConn {
                client,
                cache: Default::default(),
            };
            pg_migrate(&mut c, &campaign2, &mask_url(&url2))?;
            Ok(c)
        })?;
        Ok(Ledger {
            db: Db::Pg(Box::new(Mutex::new(conn))),
            path: shown,
            worker: None,
            lease: 30.0,
        })
    }

    /// Works as worker `id`: calls it sends are leased to it, and leases of workers whose
    /// heartbeat has been silent for `lease` seconds are taken over.
    pub fn as_worker(mut self, id: &str, lease: f64) -> Ledger {
        self.worker = Some(id.to_string());
        self.lease = lease;
        self
    }

    /// This ledger's worker id, if it works as one.
    pub fn worker(&self) -> Option<&str> {
        self.worker.as_deref()
    }

    /// Whether this ledger is shared by workers (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.db, Db::Pg(_))
    }

    /// Where it is, for messages (a URL's password masked).
    pub fn location(&self) -> &str {
        &self.path
    }

    fn with<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, LedgerError> + Send,
    ) -> Result<T, LedgerError> {
        self.run(|s| f(s), false, false)
    }

    /// Runs `f` in a transaction; `immediate` ones (the budget guard) run one at a time across
    /// every process that shares the ledger.
    fn tx<T: Send>(
        &self,
        immediate: bool,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, LedgerError> + Send,
    ) -> Result<T, LedgerError> {
        self.run(f, true, immediate)
    }

    fn run<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, LedgerError> + Send,
        in_tx: bool,
        immediate: bool,
    ) -> Result<T, LedgerError> {
        let r = match &self.db {
            Db::Lite(m) => {
                let mut c = m.lock().unwrap_or_else(|p| p.into_inner());
                // In a closure: a failed BEGIN or COMMIT is named with the file below too.
                (|| {
                    if in_tx {
                        let mut tx = c.transaction_with_behavior(if immediate {
                            TransactionBehavior::Immediate
                        } else {
                            TransactionBehavior::Deferred
                        })?;
                        let v = f(&mut tx)?;
                        tx.commit()?;
                        Ok(v)
                    } else {
                        f(&mut *c)
                    }
                })()
            }
            Db::Pg(m) => off_runtime(|| {
                let mut c = m.lock().unwrap_or_else(|p| p.into_inner());
                if in_tx {
                    let db::PgConn { client, cache } = &mut *c;
                    let mut t = db::PgTx {
                        tx: client.transaction()?,
                        cache,
                    };
                    if immediate {
                        Sql::exec(&mut t, "SELECT pg_advisory_xact_lock(?1)", p![PG_LOCK])?;
                    }
                    let v = f(&mut t)?;
                    t.tx.commit()?;
                    Ok(v)
                } else {
                    f(&mut *c)
                }
            }),
        };
        // The database's own message ("database or disk is full") does not say which ledger.
        r.map_err(|e| match e {
            LedgerError::Sql(source) => LedgerError::At {
                path: self.path.clone(),
                source,
            },
            LedgerError::Postgres(source) => LedgerError::PgAt {
                url: self.path.clone(),
                why: pg_why(&source),
                closed: connection_lost(&source),
            },
            other => other,
        })
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        match &self.db {
            Db::Lite(_) => self.with(|c| c.one("PRAGMA user_version", p![])),
            Db::Pg(_) => self.with(|c| c.one("SELECT version FROM darkroom_schema", p![])),
        }
    }

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

    /// Whether any attempt of a shot is done (a resumed shot may need little more).
    pub fn shot_has_done(&self, shot: &str) -> Result<bool, LedgerError> {
        self.with(|c| {
            c.one(
                "SELECT COUNT(*) FROM attempts WHERE shot = ?1 AND status = 'done'",
                p![shot],
            )
            .map(|n: i64| n > 0)
        })
    }

    /// Whether an attempt is done (its result can be reused; never call it again).
    pub fn is_done(&self, id: &str) -> Result<bool, LedgerError> {
        Ok(self.status_of(id)? == Some(AttemptStatus::Done))
    }

    /// Where an attempt stands, if it is known.
    pub fn status_of(&self, id: &str) -> Result<Option<AttemptStatus>, LedgerError> {
        self.with(|c| {
            let s: Option<String> = c
                .row("SELECT status FROM attempts WHERE id = ?1", p![id])?
                .map(|r| r.get(0))
                .transpose()?;
            s.map(|s| s.parse().map_err(LedgerError::Value)).transpose()
        })
    }

    /// Whether another live worker still has the call in flight: a plain read, without the
    /// ledger's lock, for a worker that waits on another's call (hundreds of them, polling).
    pub fn leased_elsewhere(&self, id: &str) -> Result<bool, LedgerError> {
        let (me, lease, shared) = (self.worker.clone(), self.lease, self.is_shared());
        self.with(|c| {
            let stale = lease_clock(c, shared)? - lease;
            let n: i64 = c.one(
                "SELECT COUNT(*) FROM attempts a JOIN workers w ON w.id = a.worker
                 WHERE a.id = ?1 AND a.status = 'sent' AND a.worker IS DISTINCT FROM ?2 AND w.heartbeat >= ?3",
                p![id, me, stale],
            )?;
            Ok(n > 0)
        })
    }

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

    /// The stored asset of a done attempt: `(hash, path)`.
    pub fn done_asset(&self, id: &str) -> Result<Option<(String, String)>, LedgerError> {
        self.with(|c| {
            c.row(
                "SELECT a.hash, a.path FROM attempts t JOIN assets a ON a.hash = t.asset WHERE t.id = ?1 AND t.status = 'done'",
                p![id],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
        })
    }

    /// Records which server of a pool ran an attempt.
    pub fn record_backend(&self, id: &str, backend: &str) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "UPDATE attempts SET backend = ?2 WHERE id = ?1",
                p![id, backend],
            )?;
            Ok(())
        })
    }

    /// Records the stored hash of the vendor's own file for an attempt (see `upstream`).
    pub fn record_upstream(&self, id: &str, hash: &str) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "UPDATE attempts SET upstream = ?2 WHERE id = ?1",
                p![id, hash],
            )?;
            Ok(())
        })
    }

    /// The stored hash of the vendor's own file for an attempt, when it carried Content
    /// Credentials the stored image lost.
    pub fn upstream(&self, id: &str) -> Result<Option<String>, LedgerError> {
        self.with(|c| {
            Ok(
                c.row("SELECT upstream FROM attempts WHERE id = ?1", p![id])?
                    .map(|r| r.get::<Option<String>>(0))
                    .transpose()?
                    .flatten(),
            )
        })
    }

    /// Per provider and pool server: the attempts it finished (done), in provider then server
    /// order. Providers of one endpoint are not listed.
    pub fn backend_counts(&self) -> Result<Vec<(String, String, u64)>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT provider, backend, COUNT(*) FROM attempts WHERE backend IS NOT NULL AND status = 'done'
                 GROUP BY provider, backend ORDER BY provider, backend",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
    }

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

    /// Records a stored asset.
    pub fn record_asset(&self, hash: &str, path: &str, bytes: u64) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "INSERT INTO assets (hash, path, bytes) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                p![hash, path, bytes as i64],
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

    /// Refused attempts that were tried more than once (must be none: refusals are final).
    pub fn refused_with_retries(&self) -> Result<u64, LedgerError> {
        self.with(|c| {
            c.one(
                "SELECT COUNT(*) FROM attempts WHERE status = 'refused' AND tries > 1",
                p![],
            )
        })
    }

    /// Calls found in flight after a crash, over all attempts (each may have been executed by
    /// the provider without its answer reaching the ledger).
    pub fn interrupted(&self) -> Result<u64, LedgerError> {
        self.with(|c| {
            c.one(
                "SELECT CAST(COALESCE(SUM(interrupted), 0) AS BIGINT) FROM attempts",
                p![],
            )
        })
    }

    /// Latency (seconds) of every done call with its `(tier, round, provider)`, for simulated
    /// clocks.
    pub fn latencies(&self) -> Result<Vec<(String, u32, String, f64)>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT tier, round, provider, latency FROM attempts
                 WHERE status = 'done' AND latency IS NOT NULL ORDER BY tier, round, provider",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
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

    /// The summary `darkroom status` prints.
    pub fn status(&self) -> Result<Status, LedgerError> {
        self.with(|c| {
            let by_tier = c.map(
                "SELECT tier, status, COUNT(*) FROM attempts GROUP BY tier, status ORDER BY tier, status",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let failures = c.map(
                "SELECT error_class, COUNT(*) FROM attempts WHERE error_class IS NOT NULL GROUP BY error_class ORDER BY error_class",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let spent: f64 = c.one("SELECT COALESCE(SUM(cost_settled), 0) FROM attempts", p![])?;
            let tries: u64 = c.one("SELECT CAST(COALESCE(SUM(tries), 0) AS BIGINT) FROM attempts", p![])?;
            let deliverables: u64 = c.one("SELECT COUNT(*) FROM deliverables", p![])?;
            let mut pct = |col: &str| -> Result<Option<(f64, f64)>, LedgerError> {
                let mut v: Vec<f64> = c.map(
                    &format!("SELECT {col} FROM attempts WHERE status = 'done' AND {col} IS NOT NULL"),
                    p![],
                    |r| r.get(0),
                )?;
                if v.is_empty() {
                    return Ok(None);
                }
                v.sort_by(f64::total_cmp);
                let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
                Ok(Some((at(0.5), at(0.95))))
            };
            let latency = pct("latency")?;
            let queue_wait = pct("queue_wait")?;
            Ok(Status { by_tier, failures, spent, tries, deliverables, latency, queue_wait })
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
    pub fn for_each_score(&self, f: impl FnMut(ScoreRecord) + Send) -> Result<(), LedgerError> {
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
            let mut parts = Vec::new();
            for sql in [
                "SELECT COUNT(*), CAST(COALESCE(SUM(tries), 0) AS BIGINT), COALESCE(SUM(cost_settled), 0), COALESCE(MAX(finished_at), 0), CAST(COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM attempts",
                "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM decisions",
                "SELECT COUNT(*) FROM scores",
                "SELECT COUNT(*) FROM assets",
                // People's decisions in review and the versions they made.
                "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM human_decisions",
                "SELECT COUNT(*) FROM versions",
            ] {
                let r = c.row(sql, p![])?.map(|r| r.0).unwrap_or_default();
                parts.push(format!("{r:?}"));
            }
            // Deliverables by what they are, not by how often or with which signature salt
            // they were written: a resumed run records the same files again.
            let mut files = blake3::Hasher::new();
            c.each(
                "SELECT path, attempt, width, height FROM deliverables ORDER BY path",
                p![],
                &mut |r| {
                    files.update(format!("{:?}\n", r.0).as_bytes());
                    Ok(())
                },
            )?;
            parts.push(files.finalize().to_hex().to_string());
            Ok(parts.join(";"))
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

    // ---- workers ------------------------------------------------------------------------

    /// Records that worker `id` started (or restarted) on `host`.
    pub fn register_worker(&self, id: &str, host: &str, pid: u32) -> Result<(), LedgerError> {
        let shared = self.is_shared();
        self.with(|c| {
            let t = lease_clock(c, shared)?;
            c.exec(
                "INSERT INTO workers (id, host, pid, started_at, heartbeat, state) VALUES (?1, ?2, ?3, ?4, ?4, 'working')
                 ON CONFLICT (id) DO UPDATE SET host = ?2, pid = ?3, started_at = ?4, heartbeat = ?4, state = 'working'",
                p![id, host, pid, t],
            )?;
            Ok(())
        })
    }

    /// Marks the workers of `host` whose process is gone (`alive(pid)` says no) as lost at
    /// once: on the machine they ran on, nobody need wait out their lease. Returns how many.
    pub fn bury_dead(&self, host: &str, alive: impl Fn(u32) -> bool) -> Result<usize, LedgerError> {
        let mine: Vec<(String, u32)> = self.with(|c| {
            c.map(
                "SELECT id, pid FROM workers WHERE host = ?1 AND state = 'working'",
                p![host],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        let dead: Vec<String> = mine
            .into_iter()
            .filter(|(id, pid)| !alive(*pid) && Some(id) != self.worker.as_ref())
            .map(|(id, _)| id)
            .collect();
        self.with(|c| {
            for id in &dead {
                c.exec(
                    "UPDATE workers SET state = 'lost', heartbeat = 0 WHERE id = ?1 AND state = 'working'",
                    p![id],
                )?;
            }
            Ok(dead.len())
        })
    }

    /// Keeps worker `id`'s leases alive.
    pub fn heartbeat(&self, id: &str) -> Result<(), LedgerError> {
        self.beat(id, false)
    }

    /// Records that worker `id` finished (its leases are none; it holds nothing).
    pub fn finish_worker(&self, id: &str) -> Result<(), LedgerError> {
        self.beat(id, true)
    }

    /// A heartbeat by the ledger's clock, the last one when `finished`.
    fn beat(&self, id: &str, finished: bool) -> Result<(), LedgerError> {
        let shared = self.is_shared();
        self.with(|c| {
            let t = lease_clock(c, shared)?;
            c.exec(
                "UPDATE workers SET heartbeat = ?2, state = CASE WHEN ?3 THEN 'finished' ELSE state END WHERE id = ?1",
                p![id, t, finished],
            )?;
            Ok(())
        })
    }

    /// Every worker that has worked this campaign, by id, with its leases and what it did.
    pub fn workers(&self) -> Result<Vec<WorkerRecord>, LedgerError> {
        let (lease, shared) = (self.lease, self.is_shared());
        self.with(|c| {
            let t = lease_clock(c, shared)?;
            c.map(
                "SELECT w.id, w.host, w.pid, w.started_at, w.heartbeat, w.state,
                   (SELECT COUNT(*) FROM attempts a WHERE a.worker = w.id AND a.status = 'sent'),
                   (SELECT COUNT(*) FROM attempts a WHERE a.worker = w.id AND a.status = 'done')
                 FROM workers w ORDER BY w.id",
                p![],
                |r| {
                    let heartbeat: f64 = r.get(4)?;
                    let state: String = r.get(5)?;
                    Ok(WorkerRecord {
                        id: r.get(0)?,
                        host: r.get(1)?,
                        pid: r.get(2)?,
                        started_at: r.get(3)?,
                        heartbeat,
                        age: (t - heartbeat).max(0.0),
                        state: if state == "working" && t - heartbeat >= lease {
                            "lost".to_string()
                        } else {
                            state
                        },
                        leases: r.get(6)?,
                        done: r.get(7)?,
                    })
                },
            )
        })
    }

    /// Claims a piece of work one worker does for all (`key`, e.g. a shot's delivery): it is
    /// this worker's when nobody holds it, when it is already this worker's, or when its holder's
    /// heartbeat stopped.
    pub fn claim(&self, key: &str) -> Result<Claim, LedgerError> {
        let (me, lease, shared) = (
            self.worker.clone().unwrap_or_default(),
            self.lease,
            self.is_shared(),
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
                "INSERT INTO claims (key, worker, done, at) VALUES (?1, ?2, 0, ?3)
                 ON CONFLICT (key) DO UPDATE SET worker = ?2, at = ?3",
                p![key, me, now()],
            )?;
            Ok(Claim::Mine)
        })
    }

    /// Marks a claimed piece of work done.
    pub fn finish_claim(&self, key: &str) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "UPDATE claims SET done = 1, at = ?2 WHERE key = ?1",
                p![key, now()],
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

/// The clock heartbeats are written and judged by: the database's on PostgreSQL (workers on
/// machines whose clocks differ agree on it), this machine's on SQLite (one machine).
fn lease_clock(c: &mut dyn Sql, shared: bool) -> Result<f64, LedgerError> {
    if shared {
        c.one(
            "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
            p![],
        )
    } else {
        Ok(now())
    }
}

/// Settled cost plus the reservations of calls in flight.
fn committed(c: &mut dyn Sql) -> Result<f64, LedgerError> {
    c.one(
        "SELECT COALESCE(SUM(COALESCE(cost_settled, 0) + cost_reserved), 0) FROM attempts",
        p![],
    )
}

/// [`db::off_runtime`] for the ledger's database work: a panic there is an error, not a crash.
fn off_runtime<T: Send>(
    f: impl FnOnce() -> Result<T, LedgerError> + Send,
) -> Result<T, LedgerError> {
    db::off_runtime(f).unwrap_or_else(|_| {
        Err(LedgerError::Value(
            "the ledger's database thread panicked".into(),
        ))
    })
}

/// PostgreSQL's message, short: its code's text and the server's words, never the URL.
fn pg_why(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        s = format!("{s}: {x}");
        src = x.source();
    }
    s
}

/// Creates or migrates a PostgreSQL ledger, and checks that it is `campaign`'s.
fn pg_migrate(c: &mut db::PgConn, campaign: &str, url: &str) -> Result<(), LedgerError> {
    let wrap = |e: LedgerError| match e {
        LedgerError::Postgres(e) => LedgerError::Connect {
            url: url.to_string(),
            why: pg_why(&e),
        },
        other => other,
    };
    let db::PgConn { client, cache } = c;
    let mut t = db::PgTx {
        tx: client.transaction().map_err(|e| wrap(e.into()))?,
        cache,
    };
    let s: &mut dyn Sql = &mut t;
    (|| {
        s.exec("SELECT pg_advisory_xact_lock(?1)", p![PG_LOCK])?;
        s.exec("CREATE TABLE IF NOT EXISTS darkroom_schema (version BIGINT NOT NULL, campaign TEXT NOT NULL)", p![])?;
        let found: Option<(i64, String)> = s
            .row("SELECT version, campaign FROM darkroom_schema", p![])?
            .map(|r| Ok::<_, LedgerError>((r.get(0)?, r.get(1)?)))
            .transpose()?;
        let known = MIGRATIONS.len() as i64;
        let version = match found {
            Some((_, other)) if other != campaign => {
                return Err(LedgerError::OtherCampaign { at: url.to_string(), found: other, expected: campaign.to_string() })
            }
            Some((v, _)) if v > known => return Err(LedgerError::Newer { at: url.to_string(), found: v, known }),
            Some((v, _)) => v,
            None => {
                // A database with tables of its own is not an empty one to make a ledger in.
                let tables: i64 = s.one(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'darkroom_schema'",
                    p![],
                )?;
                if tables > 0 {
                    return Err(LedgerError::OtherCampaign { at: url.to_string(), found: format!("{tables} tables of something else"), expected: campaign.to_string() });
                }
                s.exec("INSERT INTO darkroom_schema (version, campaign) VALUES (0, ?1)", p![campaign])?;
                0
            }
        };
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            // Comments out first: they may hold a `;`.
            let text: Vec<&str> = sql.lines().map(|l| l.split_once("--").map_or(l, |(code, _)| code)).collect();
            for stmt in db::migration_to_postgres(&text.join("\n")).split(';') {
                if !stmt.trim().is_empty() {
                    s.exec(stmt, p![])?;
                }
            }
            s.exec("UPDATE darkroom_schema SET version = ?1", p![i as i64 + 1])?;
        }
        Ok(())
    })()
    .map_err(wrap)?;
    t.tx.commit().map_err(|e| wrap(e.into()))?;
    Ok(())
}

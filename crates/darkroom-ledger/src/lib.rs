//! The ledger: the accounts of one campaign — every attempt, planned, sent, done, failed or
//! refused, with its cost reserved and settled, its timing, its error class and its asset — in
//! a SQLite file (`<output>/darkroom.db`, WAL, one machine) or a PostgreSQL database shared by
//! several workers; plus the content-addressed store the assets live in
//! (`<output>/store/ab/cd/<blake3>.<ext>`, optionally backed by an S3-compatible bucket).
//!
//! The budget guard is the point: [`Ledger::reserve`] checks that everything spent or reserved
//! so far plus this call's worst-case price stays within the cap *in the same transaction* that
//! marks the attempt `sent`, so no interleaving of concurrent calls can overspend. After a crash,
//! [`Ledger::reconcile`] settles the `sent` rows: those whose result reached the store are done,
//! the others are marked failed (`interrupted`), to be retried only if the budget allows, and
//! counted as spent unless their provider replays requests by key (then the replay settles). An
//! attempt whose id is `done` is never called again ([`Ledger::is_done`]).
//!
//! One module per concern, each an `impl Ledger` block: `connect` (opening, migrating,
//! transactions), `accounts` (plan, reserve, settle, reconcile, totals), `attempts` (one
//! attempt's state and annotations), `runs`, `workers` (leases, heartbeats), `deliverables`
//! (delivered files and delivery claims), `decisions` (scores and decisions), `reading` (the
//! dump and fingerprint), `human` (people's decisions and versions), `transfer` (`darkroom
//! move`).

mod accounts;
mod attempts;
mod connect;
mod db;
mod decisions;
mod deliverables;
mod dump;
mod error;
mod human;
pub mod journal;
mod location;
mod lock;
mod reading;
mod remote;
mod runs;
mod settled;
mod store;
mod transfer;
mod vocab;
mod workers;

use std::sync::Mutex;

use rusqlite::Connection;

pub use accounts::CapChange;
pub use dump::{
    prompt_of_params, AttemptRecord, DecisionRecord, DeliverableRecord, Dump, ScoreRecord,
};
pub use error::LedgerError;
pub use human::{standing, FixState, HumanDecision, HumanRecord, QueuedFix, Standing, Version};
pub(crate) use location::connection_lost;
pub use location::{mask_url, without_password, Location};
pub use lock::{host_name, Holder, RunLock};
pub use settled::{HumanMarks, Settled};
pub use store::{content_hash, Store};
pub use transfer::Moved;
pub use vocab::{
    AttemptStatus, DecisionKind, ErrorClass, HumanAction, Reason, RejectReason, RunStatus,
    ShotStatus, Tier,
};
pub(crate) use workers::lease_clock;
pub use workers::{Claim, WorkerRecord};

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
    include_str!("../migrations/0011_fencing.sql"),
    include_str!("../migrations/0012_decisions_once.sql"),
    include_str!("../migrations/0013_handles.sql"),
    include_str!("../migrations/0014_queued_fixes.sql"),
    include_str!("../migrations/0015_settled.sql"),
];

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
        /// Why, as the scheduler classed it.
        class: ErrorClass,
        /// What happened (never containing a secret).
        message: String,
    },
}

/// The result of asking to spend.
#[derive(Debug, Clone, PartialEq)]
pub enum Reservation {
    /// Reserved: the call may be made.
    Granted,
    /// Reserved, and the call was sent before under `handle` by a process that died or was
    /// fenced with it in flight: ask the vendor for its result by the handle; send it again
    /// (under the same handle) only if the vendor never received it.
    Resume {
        /// The vendor's handle for the call.
        handle: String,
    },
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
    /// Per provider, the calls a crash or a takeover interrupted (the vendor may have run them
    /// without their results reaching the ledger).
    pub interrupted: Vec<Interrupted>,
}

/// A provider's interrupted calls, as `status` and the report show them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Interrupted {
    /// The provider.
    pub provider: String,
    /// Calls found in flight after a crash or taken over.
    pub calls: u64,
    /// What they are booked at as "may have run": what they may have cost twice.
    pub presumed: f64,
    /// Of them, calls whose late result showed the vendor ran them twice.
    pub late: u64,
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
    /// This process's random lease token: the calls it reserves are leased to it, not to its
    /// worker id, so two processes never share a lease (two containers with one `--id` and
    /// host name included).
    token: String,
    /// The epoch at which this process was granted each call it has in flight, and by which
    /// reservation: a settle that does not match is a stale one.
    fences: Mutex<std::collections::HashMap<String, (i64, u64)>>,
    /// Since when the shared database has been unreachable, if it is (see `connect::run`).
    down: Mutex<Option<std::time::Instant>>,
}

/// SQL statements this process has run on SQLite ledgers, BEGIN and COMMIT included: the
/// figure `darkroom run` reports under `DARKROOM_LOG=debug`, per call (issue 28, item 7).
pub fn sqlite_statements() -> u64 {
    db::LITE_STATEMENTS.load(std::sync::atomic::Ordering::Relaxed)
}

/// A fresh handle for a call to a vendor that takes one from the client (ComfyUI's `prompt_id`
/// must be a UUID): a random version-4 UUID.
pub fn new_handle() -> String {
    let h = blake3::hash(format!("handle:{}", new_token()).as_bytes());
    let b = h.as_bytes();
    let hex =
        |r: std::ops::Range<usize>| -> String { b[r].iter().map(|x| format!("{x:02x}")).collect() };
    format!(
        "{}-{}-4{}-{:x}{}-{}",
        hex(0..4),
        hex(4..6),
        &hex(6..8)[1..],
        8 | (b[8] & 3),
        &hex(8..10)[1..],
        hex(10..16)
    )
}

/// A process-unique random token (not a secret: it only tells processes apart).
pub(crate) fn new_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let local = 0u8;
    let seed = format!(
        "{}:{nanos}:{}:{:p}:{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        &local,
        host_name()
    );
    blake3::hash(seed.as_bytes()).to_hex()[..20].to_string()
}

enum Db {
    Lite(Mutex<Connection>),
    /// The connection, and the connection string to reconnect with (never printed).
    Pg(Box<(Mutex<db::PgConn>, String)>),
}

pub(crate) fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The ledger's advisory lock in PostgreSQL: held by the transactions that SQLite would run
/// `IMMEDIATE` (the budget guard, reconciling), so they run one at a time across workers.
const PG_LOCK: i64 = 0x6461_726B_726F_6F6D; // "darkroom"

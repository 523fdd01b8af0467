//! The ledger's one error type, and which of its failures are the environment's (a full
//! disk, a lost connection, a bucket gone: run again to resume) rather than its logic.

use crate::Holder;

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
    /// A worker's cap differs from the one its shared campaign recorded.
    #[error("the cap of this campaign, in the shared ledger `{at}`, is {recorded} (set by {by}); this worker was given {asked}. Workers of one campaign share one cap: give the same in the campaign file (or --budget), or start with --change-cap to make it {asked} for every worker (logged)")]
    CapDiffers {
        /// The ledger (password masked).
        at: String,
        /// The cap recorded, with its unit (`6.00 USD`, `none`).
        recorded: String,
        /// Who set it.
        by: String,
        /// The cap this worker was given, with its unit.
        asked: String,
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

//! What stops a run, a fix or an audit, as one error type the CLI maps to exit codes.
use std::path::Path;

/// A run that could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The ledger or the store failed.
    #[error(transparent)]
    Ledger(#[from] darkroom_ledger::LedgerError),
    /// A file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A provider cannot be made from its entry (its key is missing, its workflow is wrong).
    #[error(transparent)]
    Provider(#[from] darkroom_providers::build::BuildError),
    /// A shot's text names a font that cannot be used.
    #[error("{0}")]
    Font(String),
    /// The signing identity for Content Credentials cannot be used.
    #[error("provenance: {0}")]
    Provenance(#[from] darkroom_provenance::ProvenanceError),
    /// `[campaign] deliverables = "bucket"` without a bucket.
    #[error("{0}")]
    NoBucket(String),
    /// `--only` names no shot.
    #[error("no shot `{0}` in the campaign; shots: {1}")]
    NoShot(String, String),
    /// The run failed, and the ledger could not record that it ended either.
    #[error("{cause}; the ledger could not record how the run ended either ({ledger}), so it still says `running` and the next run marks it crashed")]
    Unrecorded {
        /// Why the run stopped.
        cause: Box<EngineError>,
        /// Why its end was not recorded.
        ledger: darkroom_ledger::LedgerError,
    },
    /// A single call (a fix) failed for good.
    #[error("{provider}: the call failed ({class}): {message}")]
    CallFailed {
        /// The provider's name.
        provider: String,
        /// The error class the scheduler acted on.
        class: String,
        /// What happened.
        message: String,
    },
    /// The budget cannot cover a single call (a fix).
    #[error("stopped by the budget: {0}")]
    OverBudget(String),
    /// Paid results are missing from the store; re-buying them needs the user's word.
    #[error("{count} paid result(s) are missing from the store `{store}` (deleted?); nothing was called. `{rebuy}` pays for them again, about {cost:.3} {unit}")]
    MissingResults {
        /// How many done attempts lost their asset.
        count: usize,
        /// What they cost when they were bought.
        cost: f64,
        /// What `cost` counts.
        unit: darkroom_core::money::Unit,
        /// The store folder.
        store: String,
        /// The command that re-buys them.
        rebuy: &'static str,
    },
    /// A stored result's bytes are not the hash they are filed under (changed on disk).
    #[error("the stored result `{path}` of {attempt} is damaged (its bytes no longer match its hash); nothing was bought again. `darkroom run --rebuy` fetches it again from a vendor that keeps it, and otherwise buys it again")]
    Damaged {
        /// The file.
        path: String,
        /// Its attempt.
        attempt: String,
    },
    /// The ledger file is gone but the store beside it holds paid results: a run would buy
    /// them all again without knowing it.
    #[error("the ledger `{ledger}` is missing, but the store `{store}` holds {count} paid result(s): a run now would buy them all again. If the ledger was moved or renamed, put it back; to start over on purpose, move the output folder `{out}` aside (or delete `{store}` with it)")]
    LedgerGone {
        /// The ledger file.
        ledger: String,
        /// The store folder.
        store: String,
        /// Files in it.
        count: usize,
        /// The output folder.
        out: String,
    },
}

impl EngineError {
    /// Whether the error is the environment's (a full disk, an unwritable folder), not a bug:
    /// the run can resume once it is fixed.
    pub fn is_io(&self) -> bool {
        match self {
            EngineError::Io { .. } => true,
            EngineError::Ledger(e) => e.is_io(),
            EngineError::Unrecorded { cause, .. } => cause.is_io(),
            _ => false,
        }
    }
}

/// Maps an IO error on `path` to the engine's error that names it.
pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EngineError + '_ {
    move |source| EngineError::Io {
        path: path.display().to_string(),
        source,
    }
}

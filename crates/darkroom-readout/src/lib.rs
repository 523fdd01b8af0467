//! The read side of darkroom: what a campaign's ledger recorded, turned into what people read.
//! [`report`] builds the HTML report's model (spend, pass rates, every draft with its scores,
//! verdicts and decision, the finals, the charts) and has `darkroom-report` render it;
//! [`agreement`] measures the judges against what people said in `darkroom review`. Nothing here
//! calls a provider or spends: it reads the ledger and the store.

pub mod agreement;
pub mod report;

pub use report::{write_report, ReportWritten, PAGE_SHOTS};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReadoutError {
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
    /// The campaign has not run yet: there is no ledger to report on.
    #[error("no ledger at `{0}`: run the campaign first (`darkroom run CAMPAIGN`)")]
    NoLedger(String),
    /// The report could not be written.
    #[error(transparent)]
    Report(#[from] darkroom_report::ReportError),
}

impl ReadoutError {
    /// Whether the error is the environment's (a full disk, an unwritable folder), not a bug.
    pub fn is_io(&self) -> bool {
        match self {
            ReadoutError::Io { .. } => true,
            ReadoutError::Ledger(e) => e.is_io(),
            _ => false,
        }
    }
}

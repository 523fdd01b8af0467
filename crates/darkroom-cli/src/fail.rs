//! How a command fails, which decides the exit code.

/// A command's failure.
pub enum Fail {
    /// Bad input from the user (exit 2): the message names the value and what is accepted.
    Input(String),
    /// A provider call failed for good (refused, auth, out of tries) (exit 1: the work failed,
    /// the input was fine).
    Remote(String),
    /// A bug or an environment failure that is not the user's input (exit 3).
    Internal(anyhow::Error),
    /// What went wrong was said already (every problem in a campaign file, one line each):
    /// nothing more to print; the command exits with this code.
    Said(std::process::ExitCode),
}

impl Fail {
    /// An input error from anything displayable.
    pub fn input(e: impl std::fmt::Display) -> Fail {
        Fail::Input(e.to_string())
    }

    /// What an engine error means for the user: their input or the folder's state (exit 2), the
    /// environment (a full disk: exit 1, the work is kept and resumes), or a bug (exit 3).
    pub fn engine(e: darkroom_engine::EngineError) -> Fail {
        use darkroom_engine::EngineError as E;
        match e {
            // A time-stamp authority that does not answer: the work failed, the input was fine.
            E::Provenance(darkroom_provenance::ProvenanceError::TimeStamp { .. }) => {
                Fail::Remote(format!(
                    "{e}; the run stopped before delivering unsigned files and is marked `error`; everything paid for is kept: run the same command again to resume"
                ))
            }
            E::NoShot(..)
            | E::NoBucket(..)
            | E::Provider(..)
            | E::Font(..)
            | E::Provenance(..)
            | E::MissingResults { .. }
            | E::Damaged { .. }
            | E::LedgerGone { .. }
            | E::Ledger(darkroom_ledger::LedgerError::Locked { .. })
            | E::Ledger(darkroom_ledger::LedgerError::Open { .. })
            // A shared ledger or bucket that cannot be reached or is not this campaign's.
            | E::Ledger(darkroom_ledger::LedgerError::Connect { .. })
            | E::Ledger(darkroom_ledger::LedgerError::OtherCampaign { .. })
            | E::Ledger(darkroom_ledger::LedgerError::Newer { .. })
            | E::Ledger(darkroom_ledger::LedgerError::Moved { .. })
            | E::Ledger(darkroom_ledger::LedgerError::CapDiffers { .. })
            | E::Ledger(darkroom_ledger::LedgerError::StoreOpen { .. }) => Fail::Input(e.to_string()),
            // The work failed, the input was fine.
            E::CallFailed { .. } | E::OverBudget(_) => Fail::Remote(e.to_string()),
            // The disk or a folder failed, not darkroom: the run is marked `error` with this
            // reason, and what was done is kept.
            // The ledger itself could not be written: the message says it still says `running`.
            E::Unrecorded { .. } if e.is_io() => Fail::Remote(format!(
                "{e}; everything done is kept: fix this (free some space, or bring the database or bucket back) and run the same command again to resume"
            )),
            e if e.is_io() => Fail::Remote(format!(
                "{e}; the run stopped and is marked `error`; everything done is kept: fix this (free some space, or bring the database or bucket back) and run the same command again to resume"
            )),
            other => Fail::Internal(other.into()),
        }
    }
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Input(m) | Fail::Remote(m) => f.write_str(m),
            Fail::Internal(e) => write!(f, "{e:#}"),
            Fail::Said(_) => f.write_str("the problems above"),
        }
    }
}

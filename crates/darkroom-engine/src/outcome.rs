//! What a run did: its deliverables, failures, spend, and why it stopped.
use darkroom_core::money::{Money, Unit};
use darkroom_ledger::Totals;

use crate::Deliverable;

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Files delivered.
    pub deliverables: Vec<Deliverable>,
    /// Shots that could not be delivered, with why.
    pub failed_shots: Vec<(String, String)>,
    /// Whether the budget stopped the run.
    pub budget_exhausted: bool,
    /// Whether Ctrl-C stopped the run.
    pub interrupted: bool,
    /// Spend and counts from the ledger.
    pub totals: Totals,
    /// Calls answered from the ledger instead of the provider (resumed work).
    pub reused: u64,
    /// Shots left alone because nothing changed since their files were written (their calls
    /// are not looked up, so not in `reused`).
    pub unchanged: usize,
    /// Calls sent to a provider in this run, retries included.
    pub sent: u64,
    /// When the budget stopped the run: the cap, what was committed, and what the next call
    /// (or the next shot, expected) needed.
    pub budget_stop: Option<BudgetStop>,
    /// The unit spend is counted in.
    pub unit: Unit,
    /// Finals kept back until a person approves them (`[review] required`): `(shot, attempt)`.
    pub awaiting_review: Vec<(String, String)>,
}

/// Why the budget stopped a run, each amount in the campaign's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStop {
    /// The cap.
    pub cap: Money,
    /// Spent and reserved when it stopped.
    pub committed: Money,
    /// What the refused call's worst case needed, or the next shot's expected cost.
    pub needed: Money,
    /// What needed it (a call's tier and shot, or a shot not started).
    pub what: String,
}

impl std::fmt::Display for BudgetStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cap {:.3}, committed {:.3}, left {:.3}; {} needed {:.3}",
            self.cap.amount,
            self.committed.amount,
            self.cap.left_after(self.committed).amount,
            self.what,
            self.needed.amount
        )
    }
}

impl RunReport {
    /// Whether everything asked was delivered.
    pub fn complete(&self) -> bool {
        self.failed_shots.is_empty() && !self.budget_exhausted && !self.interrupted
    }
}

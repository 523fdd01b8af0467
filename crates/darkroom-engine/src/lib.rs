//! The funnel engine: a validated campaign in, delivered files and a ledger out.
//!
//! ```text
//! draft rounds ─▶ judge ─▶ gate + rank ─▶ finish ─▶ deliver (every aspect, pixel size checked)
//! ```
//! Every provider call goes through the ledger's budget guard (worst case reserved in the same
//! transaction that marks the call sent), runs on a tokio runtime within its provider's
//! concurrency, is retried by error class (transient with exponential backoff, rate limits after
//! the provider's hint, refusals never), and is settled with its actual cost. An attempt whose
//! deterministic id is already done is not called again, so a second run resumes where the first
//! stopped; calls left in flight by a crash are reconciled at start. One failed call never stops
//! the run: it is recorded, and reflected in the exit status.
//!
//! The crate's modules, by concern: `options` ([`Options`]: how to run) and `outcome`
//! ([`RunReport`]: what a run did);
//! `session` opens an output folder for work and `run` runs the funnel (`stages`) over it
//! through the one call path (`scheduler`); [`estimate`] prices and times a campaign before
//! it runs; `place` says where its ledger and store are; `signing` who signs its deliverables;
//! [`audit`] measures models through the same path; [`fix`] and [`photos`] are single calls
//! through it; `after` is what a run leaves behind once its funnel is done (queued fixes, the
//! report, the reported model versions). What runs recorded is read by `darkroom-readout` (the
//! report, the judges against people).

mod after;
pub mod audit;
mod ctx;
mod error;
pub mod estimate;
pub mod fix;
mod options;
mod outcome;
mod pace;
pub mod photos;
mod place;
mod run;
mod scheduler;
mod session;
mod signing;
pub mod simulate;
mod stages;
#[cfg(test)]
mod testing;
pub mod text;

pub use after::{afterwards, Afterwards};
pub(crate) use ctx::Ctx;
pub use darkroom_ledger::prompt_of_params;
pub use error::EngineError;
pub use estimate::{expected_pass_rate, measured_seconds, priced};
pub use options::{Options, Progress};
pub use outcome::{BudgetStop, RunReport};
pub use place::{delivery_problem, ledger_location, open_ledger, sharing_problem};
pub use run::run;
pub(crate) use session::open;
pub use signing::{signing, signing_identity, time_stamper, tsa_url};
pub use stages::deliver::Deliverable;

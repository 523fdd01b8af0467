//! How a run is asked to go ([`Options`]), and how it tells a terminal where it is
//! ([`Progress`]).
use std::path::PathBuf;
use std::sync::Arc;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides the campaign's budget cap (in the campaign's unit: USD when `money` is set,
    /// credits otherwise).
    pub budget: Option<f64>,
    /// Only this shot.
    pub only: Option<String>,
    /// Sleep for the `sim` provider's latencies (load and crash tests); otherwise they are only
    /// recorded.
    pub realtime: bool,
    /// Where the `sim` providers log every billed call (crash tests count executions with it).
    pub sim_call_log: Option<PathBuf>,
    /// Stop scheduling on Ctrl-C (SIGINT), SIGTERM or SIGHUP instead of dying: calls in flight
    /// finish and are recorded, nothing new is sent, the run ends `interrupted`. Only for a
    /// process that owns its signals (the CLI).
    pub ctrl_c: bool,
    /// Pay again for results the ledger says were bought but the store no longer has. Without
    /// it such a run stops before calling anything and says what re-buying would cost.
    pub rebuy: bool,
    /// Promote drafts as finals without a finish call: the "lottery" strategy, where every
    /// candidate is already made on the final model at the final size.
    pub finish_from_draft: bool,
    /// Told as each stage starts and as each call of a batch ends (a terminal's lines and bar).
    pub progress: Option<Arc<dyn Progress>>,
    /// Work as this worker, one of several on a shared (PostgreSQL) ledger: no folder lock, the
    /// calls it sends leased to it and kept alive by heartbeats, and the calls and deliveries
    /// of workers whose heartbeat stopped taken over. `run` on a shared ledger is a worker too,
    /// named after its host and process.
    pub worker: Option<String>,
    /// Seconds a worker's heartbeat may be silent before its leases are taken over (30 by
    /// default).
    pub lease: Option<f64>,
    /// On a shared ledger, make this run's cap the campaign's cap for every worker (logged in
    /// the ledger); without it a cap that differs from the recorded one is refused.
    pub change_cap: bool,
}

/// Where a run is, told to whoever watches it (the CLI's terminal).
pub trait Progress: Send + Sync {
    /// One plain line as each stage starts (draft rounds, finish, deliver), or a choice the
    /// run made that the user should see.
    fn line(&self, line: &str);
    /// A call of the current batch ended: `(ended, batch size)`; a terminal turns it into a
    /// progress bar under the stage's line.
    fn tick(&self, _ended: usize, _of: usize) {}
}

impl std::fmt::Debug for dyn Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Options {
    /// Says one line to the watcher, if there is one.
    pub(crate) fn say(&self, line: &str) {
        if let Some(p) = &self.progress {
            p.line(line);
        }
    }

    /// Tells the watcher that `ended` of `of` calls of the batch have ended.
    pub(crate) fn tick(&self, ended: usize, of: usize) {
        if let Some(p) = &self.progress {
            p.tick(ended, of);
        }
    }
}

//! `darkroom worker CAMPAIGN [--id NAME]`: one of any number of processes, on any number of
//! machines, working one campaign through its shared ledger (`[campaign] ledger =
//! "postgres://…"`). Each worker walks the whole campaign; a call another worker has in flight
//! is waited for, not sent again; a worker that dies stops its heartbeat, and after the lease
//! the others take over its calls and deliveries. Every worker ends when the campaign is done.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::fail::Fail;

/// Arguments of `darkroom worker`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file.
    campaign: PathBuf,
    /// This worker's name, shown by `status` (default: host and process id). A worker started
    /// again under the same name takes up its own calls at once.
    #[arg(long)]
    id: Option<String>,
    /// Seconds a worker's heartbeat may be silent before its calls are taken over.
    #[arg(long, default_value_t = 30.0)]
    lease: f64,
    /// Wait for the `sim` provider's simulated latencies in real time.
    #[arg(long)]
    realtime: bool,
    /// The simulated vendor's record of billed `sim` calls (tests).
    #[arg(long, hide = true)]
    sim_call_log: Option<PathBuf>,
    /// Make this worker's cap (its campaign file's) the campaign's cap for every worker; the
    /// change is logged in the ledger. Without it a cap that differs from the recorded one is
    /// refused.
    #[arg(long)]
    change_cap: bool,
}

/// Runs the command: exit codes as `run`.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    if !(a.lease.is_finite() && a.lease >= 1.0) {
        return Err(Fail::Input(format!(
            "invalid --lease {}; accepted: seconds ≥ 1",
            a.lease
        )));
    }
    let id = match a.id {
        Some(id) if !id.trim().is_empty() => id,
        Some(_) => {
            return Err(Fail::Input(
                "invalid --id ``; accepted: a non-empty name".into(),
            ))
        }
        None => format!("{}-{}", darkroom_ledger::host_name(), std::process::id()),
    };
    super::run::as_worker(
        a.campaign,
        a.realtime,
        a.sim_call_log,
        (id, a.lease),
        a.change_cap,
    )
}

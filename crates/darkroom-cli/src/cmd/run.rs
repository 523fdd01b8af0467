//! `darkroom run CAMPAIGN`: the funnel, on budget, resumable.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use std::io::IsTerminal;
use std::sync::Mutex;

use crate::fail::Fail;

/// A terminal's progress: each stage's line with a bar of its calls under it.
#[derive(Default)]
struct Bars {
    /// The current stage's bar.
    bar: Mutex<Option<indicatif::ProgressBar>>,
    /// Where the current batch starts on the stage's bar (a stage may run several batches).
    batch_base: std::sync::atomic::AtomicU64,
}

impl Bars {
    /// Leaves the last bar on screen, complete.
    fn finish(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            b.finish();
        }
    }
}

impl darkroom_engine::Progress for Bars {
    /// A stage starts: the previous bar is left on screen, complete; a new one takes its line.
    fn line(&self, line: &str) {
        let mut slot = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = slot.take() {
            b.finish();
        }
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:40} {bar:30} {pos}/{len} calls  {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message(line.to_string());
        *slot = Some(b);
    }

    /// A call of the current batch ended.
    fn tick(&self, ended: usize, total: usize) {
        use std::sync::atomic::Ordering;
        if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if ended == 1 {
                // A new batch: it adds its calls to the stage's bar.
                let base = if b.length() == Some(0) {
                    0
                } else {
                    b.position()
                };
                self.batch_base.store(base, Ordering::SeqCst);
                b.set_length(base + total as u64);
            }
            b.set_position(self.batch_base.load(Ordering::SeqCst) + ended as u64);
        }
    }
}

/// Plain lines on standard error, one per stage (not a terminal, or a command without bars).
pub(crate) struct Lines;

impl darkroom_engine::Progress for Lines {
    fn line(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// Arguments of `darkroom run`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file.
    campaign: PathBuf,
    /// Override the budget cap (USD when the campaign sets `money`, credits otherwise).
    #[arg(long)]
    budget: Option<f64>,
    /// Run only this shot.
    #[arg(long)]
    only: Option<String>,
    /// Validate and plan only (like `darkroom check`).
    #[arg(long)]
    dry_run: bool,
    /// Wait for the `sim` provider's simulated latencies in real time.
    #[arg(long)]
    realtime: bool,
    /// Pay again for results the ledger says were bought but the store no longer has
    /// (without it, such a run stops and says what re-buying would cost).
    #[arg(long)]
    rebuy: bool,
    /// The simulated vendor's record of billed `sim` calls: each call is appended, and a request
    /// found there is replayed instead of run again (crash tests).
    #[arg(long, hide = true)]
    sim_call_log: Option<PathBuf>,
    /// On a shared ledger, make this run's cap (the file's, or --budget) the campaign's cap for
    /// every worker; the change is logged in the ledger. Without it a cap that differs from the
    /// one the ledger recorded is refused.
    #[arg(long)]
    change_cap: bool,
}

/// Runs the command. Exit 0 when everything was delivered, 1 when items failed or the budget
/// ran out, 2 for a campaign error.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    go(a, None)
}

/// `darkroom worker`: the same run as one of several workers (`id`, lease seconds).
pub(crate) fn as_worker(
    campaign: PathBuf,
    realtime: bool,
    sim_call_log: Option<PathBuf>,
    worker: (String, f64),
    change_cap: bool,
) -> Result<ExitCode, Fail> {
    let a = Args {
        campaign,
        budget: None,
        only: None,
        dry_run: false,
        realtime,
        rebuy: false,
        sim_call_log,
        change_cap,
    };
    go(a, Some(worker))
}

fn go(a: Args, worker: Option<(String, f64)>) -> Result<ExitCode, Fail> {
    if a.dry_run {
        return super::check::run(super::check::Args::from_path(a.campaign));
    }
    let campaign_arg = a.campaign.display().to_string();
    let a_campaign = a.campaign.clone();
    let c = super::io::read_campaign(&a.campaign)?;
    if let Some(b) = a.budget {
        if !(b >= 0.0 && b.is_finite()) {
            return Err(Fail::Input(format!(
                "invalid --budget {b}; accepted: a number ≥ 0"
            )));
        }
    }
    // A worker on a file ledger is the one payer of this machine's folder (it takes the run
    // lock, as `run` does); a worker on another machine would not see this ledger.
    if worker.is_some()
        && !c
            .ledger
            .as_deref()
            .is_some_and(darkroom_core::dsn::is_postgres)
    {
        eprintln!(
            "warning: {campaign_arg}: the ledger is this machine's file ({}); a worker on another machine would not see it and would pay for the same calls again. To share the work, set ledger = \"postgres://…\" and store = \"s3://…\" in [campaign]",
            darkroom_engine::ledger_location(&c, Path::new(&c.output))
        );
    }
    let unit = c.budget.unit().as_str();
    // Progress bars only on a terminal (and not with NO_COLOR's cousin TERM=dumb).
    let bars = (std::io::stderr().is_terminal()
        && std::env::var("TERM").map_or(true, |t| t != "dumb"))
    .then(|| std::sync::Arc::new(Bars::default()));
    // The output folder is already relative to the campaign file (resolved when it was read).
    let base = Path::new("");
    let start = Instant::now();
    let opts = darkroom_engine::Options {
        budget: a.budget,
        only: a.only,
        realtime: a.realtime,
        sim_call_log: a.sim_call_log,
        ctrl_c: true,
        rebuy: a.rebuy,
        finish_from_draft: false,
        progress: Some(match &bars {
            Some(b) => b.clone(),
            None => std::sync::Arc::new(Lines),
        }),
        lease: worker.as_ref().map(|w| w.1),
        worker: worker.map(|w| w.0),
        change_cap: a.change_cap,
    };
    let c_for_report = c.clone();
    let r = darkroom_engine::run(c, base, opts).map_err(Fail::engine)?;
    if let Some(b) = &bars {
        b.finish();
    }
    for d in &r.deliverables {
        println!(
            "{}\t{}\t{}x{}\t{}",
            d.shot,
            d.aspect,
            d.width,
            d.height,
            d.path.display()
        );
    }
    let t = &r.totals;
    let statuses: Vec<String> = t
        .by_status
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    eprintln!(
        "{} deliverables in {:.1} s; this run: {} call(s) sent, {} answered from the ledger; in all: {}, {} calls, spent {:.3} {unit}",
        r.deliverables.len(),
        start.elapsed().as_secs_f64(),
        r.sent,
        r.reused,
        statuses.join(", "),
        t.tries,
        t.settled
    );
    say_statements(r.sent);
    if r.sent == 0 && r.complete() {
        // Calls of shots left alone as unchanged were not even looked up: the ledger's count.
        let done = t
            .by_status
            .iter()
            .find(|(s, _)| s == "done")
            .map_or(r.reused, |(_, n)| *n);
        eprintln!(
            "nothing to do: {done} calls already done, {} deliverables up to date",
            r.deliverables.len()
        );
    }
    let after = darkroom_engine::afterwards(&c_for_report, base).map_err(Fail::engine)?;
    say_queued_fixes(&after.fixes);
    say_report(&after.report);
    for (shot, why) in &r.failed_shots {
        eprintln!("failed: {shot}: {why}");
    }
    // The recipe lock's model versions: say once per shot when the provider reported another.
    let reported = after.model_versions.unwrap_or_default();
    for (shot, v) in darkroom_recipe::versions_not_locked_beside(&a_campaign, &reported) {
        eprintln!("warning: {shot}: the provider reported model version `{v}`, not the one in the recipe lock (darkroom recipe check {campaign_arg})");
    }
    if !r.awaiting_review.is_empty() {
        let shots: std::collections::BTreeSet<&str> =
            r.awaiting_review.iter().map(|a| a.0.as_str()).collect();
        eprintln!(
            "awaiting review: {} final(s) of {} shot(s) are delivered once a person approves them: darkroom review {}; then run again",
            r.awaiting_review.len(),
            shots.len(),
            campaign_arg
        );
    }
    if r.budget_exhausted {
        match &r.budget_stop {
            Some(b) => eprintln!("stopped by the budget ({unit}): {b}"),
            None => eprintln!("stopped: the budget cannot cover the next call"),
        }
    }
    if r.interrupted {
        eprintln!("stopped: interrupted; run the same command again to resume");
    }
    Ok(if r.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Paid fixes a person asked for in review while this run held the campaign, made by
/// [`darkroom_engine::afterwards`] under the lock (a failed one is said and kept with why).
fn say_queued_fixes(queued: &darkroom_engine::fix::MadeQueued) {
    if queued.made.is_empty() && queued.failed.is_empty() {
        return;
    }
    let waiting = if queued.waiting > 0 {
        format!(
            ", {} still queued (another process holds the campaign)",
            queued.waiting
        )
    } else {
        String::new()
    };
    eprintln!(
        "review: {} queued fix(es) made, {} failed{waiting}",
        queued.made.len(),
        queued.failed.len(),
    );
    for (id, why) in &queued.failed {
        eprintln!("failed: queued fix {id}: {why}");
    }
}

/// The report, rewritten from the ledger after a run: failing to write it loses no work, so it
/// warns.
fn say_report(w: &Result<darkroom_readout::ReportWritten, darkroom_readout::ReadoutError>) {
    match w {
        Ok(w) if w.skipped => eprintln!(
            "report: {} (unchanged: nothing new in the ledger)",
            w.html.display()
        ),
        Ok(w) => eprintln!("report: {}", w.html.display()),
        Err(e) => eprintln!("warning: the report was not written: {e}"),
    }
}

/// Under `DARKROOM_LOG=debug`: what the ledger cost in statements (SQLite; PostgreSQL's are in
/// its own log), per call sent.
fn say_statements(sent: u64) {
    if matches!(
        std::env::var("DARKROOM_LOG").as_deref(),
        Ok("debug" | "trace")
    ) {
        let n = darkroom_ledger::sqlite_statements();
        eprintln!(
            "ledger: {n} SQLite statement(s) for {sent} call(s) sent ({:.1} per call)",
            n as f64 / sent.max(1) as f64
        );
    }
}

//! An engine session: an output folder opened for work (its lock, ledger, store, providers and
//! cap, with what an earlier process left unsettled put right first), and a worker's heartbeat.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use darkroom_campaign::Campaign;
use darkroom_core::text::TextBy;
use darkroom_ledger::{Ledger, Store};
use darkroom_providers::AnyProvider;

use crate::error::io;
use crate::place::{store_dir, stored_files};
use crate::{
    delivery_problem, ledger_location, pace, sharing_problem, signing_identity, text, Ctx,
    EngineError, Options,
};

/// What an engine session holds while it works on an output folder: the context, the folder's
/// run lock (released when this is dropped) and the ballast file set aside for a full disk.
pub(crate) struct Session {
    pub(crate) ctx: Arc<Ctx>,
    /// The folder's run lock; none for a worker (the shared ledger coordinates workers).
    _lock: Option<darkroom_ledger::RunLock>,
    ballast: PathBuf,
    /// Stops the worker's heartbeat when the session ends.
    _heart: Option<Heart>,
}

/// A worker's heartbeat: a thread that tells the shared ledger every third of the lease that
/// the worker lives, so its leases hold. When the ledger cannot be told, the run stops (its
/// leases would lapse and another worker would take its calls over).
struct Heart {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heart {
    fn start(ctx: Arc<Ctx>, id: String, lease: f64) -> Heart {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s2 = stop.clone();
        let period = std::time::Duration::from_secs_f64((lease / 3.0).max(0.05));
        let thread = std::thread::spawn(move || {
            let tick = std::time::Duration::from_millis(50);
            let mut since = std::time::Duration::ZERO;
            while !s2.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(tick);
                since += tick;
                if since < period {
                    continue;
                }
                since = std::time::Duration::ZERO;
                if let Err(e) = ctx.ledger.heartbeat(&id) {
                    ctx.fail(EngineError::Ledger(e));
                    return;
                }
                // Uploads the bucket missed while it was down, so that other workers waiting on
                // those results find them (best effort: the run's end tries again).
                if ctx.store.pending() > 0 {
                    let _ = ctx.store.flush_pending();
                }
            }
        });
        Heart {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Heart {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Opens an output folder for work: the run lock, the ledger (calls a crash left in flight
/// reconciled), the store (checked for paid results that are gone), the providers that `used`
/// names, the cap and the pacers. `rebuy` is the command that re-buys lost results, for the
/// message that asks for it. Every caller that spends — a run, a model audit, a single-file
/// fix — starts here, so the same promises hold for all of them.
pub(crate) fn open(
    campaign: Campaign,
    out: PathBuf,
    opts: Options,
    used: &dyn Fn(&str) -> bool,
    rebuy: &'static str,
) -> Result<Session, EngineError> {
    if let Some(why) = delivery_problem(&campaign).or_else(|| sharing_problem(&campaign)) {
        return Err(EngineError::NoBucket(why));
    }
    std::fs::create_dir_all(&out).map_err(io(&out))?;
    let at = ledger_location(&campaign, &out);
    // On a shared ledger every process is a worker; `run` names itself after its host and pid.
    let mut opts = opts;
    if matches!(at, darkroom_ledger::Location::Postgres(_)) && opts.worker.is_none() {
        opts.worker = Some(format!(
            "{}-{}",
            darkroom_ledger::host_name(),
            std::process::id()
        ));
    }
    // One payer per file ledger at a time, taken before the ledger is touched: a second run (or
    // a `worker` beside a `run`) would mark the live one crashed and send its calls in flight
    // again. Held until this returns. Workers of a shared ledger are coordinated by its leases
    // instead.
    let lock = match at {
        darkroom_ledger::Location::File(_) => Some(darkroom_ledger::RunLock::acquire(&out)?),
        darkroom_ledger::Location::Postgres(_) => None,
    };
    // Ballast: room set aside so that on a full disk the ledger can still record how the run
    // ended (SQLite cannot write even that when no byte is free). Released only then.
    let ballast = out.join(".darkroom-reserve");
    if !ballast.exists() {
        // Best effort: on a disk already full there is nothing to set aside.
        if std::fs::write(&ballast, vec![0u8; 128 * 1024]).is_err() {
            let _ = std::fs::remove_file(&ballast);
        }
    }
    refuse_a_lone_store(&at, &out)?;
    let ledger = Ledger::open_at(&at, &campaign.name)?;
    // A file moved into a shared database is not spent on again: the database has its calls.
    ledger.check_not_moved()?;
    let lease = opts.lease.unwrap_or(30.0);
    let ledger = Arc::new(match &opts.worker {
        Some(id) => {
            let l = ledger.as_worker(id, lease);
            l.register_worker(id, &darkroom_ledger::host_name(), std::process::id())?;
            l
        }
        None => ledger,
    });
    // `text_by = "auto"` is decided from this ledger's measurements, before anything is planned;
    // a font that cannot be read is said before anything is spent.
    let mut campaign = campaign;
    let routing = text::route(&mut campaign, Some(&ledger));
    let fonts = text::fonts(&campaign).map_err(EngineError::Font)?;
    // So is a signing certificate that cannot sign (expired, another key's).
    let identity = if campaign.provenance.enabled {
        Some(signing_identity(&campaign, &out)?)
    } else {
        None
    };
    say_routing(&opts, &routing);
    let store = Store::open(out.join("store"), campaign.store.as_deref())?;
    // What this machine stored but never got into the bucket (a run the bucket stopped after a
    // paid result was written here) goes up first: other machines must find it, not buy it.
    store.upload_local()?;
    let providers = providers_of(&campaign, &opts, used)?;
    // Whether a worker lives is judged by its heartbeat on the database's clock alone (a
    // process id says nothing across containers, which share a host name but not their PIDs);
    // a worker restarted under its `--id` takes up its own calls at once, fencing the old
    // process.
    recover(&ledger, &store, &providers, &out)?;
    let in_money = campaign.budget.money.is_some();
    // The store is part of the accounts: a paid result that is gone is never re-bought
    // silently (deleting `store/` to save disk would otherwise pay for everything again).
    let mut missing = ledger.missing_assets(&store)?;
    // Asked to buy again what is lost: what is damaged (bytes not their hash) is lost too; its
    // file goes, so that the new result is filed under its hash afresh.
    if opts.rebuy {
        for (id, cost, path) in ledger.damaged_assets(&store)? {
            let _ = std::fs::remove_file(&path);
            missing.push((id, cost));
        }
    }
    if !missing.is_empty() {
        if opts.rebuy {
            let ids: Vec<String> = missing.iter().map(|(id, _)| id.clone()).collect();
            ledger.forget_lost(&ids)?;
        } else {
            let cost: f64 = missing.iter().map(|(_, c)| c).sum();
            return Err(EngineError::MissingResults {
                count: missing.len(),
                cost,
                unit: darkroom_core::money::Unit::of(in_money),
                store: store_dir(&out),
                rebuy,
            });
        }
    }
    let cap = opts.budget.or(campaign.budget.cap().map(|m| m.amount));
    // One cap per shared campaign, in its ledger: each worker applying its own file's cap would
    // let the most generous one spend for all.
    let cap = if ledger.is_shared() {
        ledger.agree_cap(
            cap,
            darkroom_core::money::Unit::of(in_money),
            opts.change_cap,
        )?
    } else {
        cap
    };
    let pacers = campaign
        .providers
        .iter()
        .filter_map(|(n, p)| p.rate_limit.map(|r| (n.clone(), pace::Pacer::new(r))))
        .collect();
    let human = ledger.human_standing()?;
    let ctx = Arc::new(Ctx {
        human,
        fonts,
        identity,
        campaign,
        opts,
        out,
        ledger,
        store,
        providers,
        cap,
        in_money,
        pacers,
        stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        fatal: std::sync::Mutex::new(None),
        sent: std::sync::atomic::AtomicU64::new(0),
    });
    let heart = ctx
        .opts
        .worker
        .clone()
        .map(|id| Heart::start(ctx.clone(), id, lease));
    Ok(Session {
        ctx,
        _lock: lock,
        ballast,
        _heart: heart,
    })
}

impl Session {
    /// Records that the run `run_id` ended with `e`, and returns the error to report: `e`, or,
    /// when the ledger cannot record even that (the same full disk), both.
    pub(crate) fn failed(&self, run_id: i64, e: EngineError) -> EngineError {
        // The run's own error is what the user needs; the ballast makes room for the ledger
        // to record the ending on a full disk.
        if e.is_io() {
            let _ = std::fs::remove_file(&self.ballast);
        }
        match self.ctx.ledger.finish_run_because(
            run_id,
            darkroom_ledger::RunStatus::Error,
            Some(&e.to_string()),
        ) {
            Ok(()) => e,
            // The ledger still says `running`; the next run marks it crashed.
            Err(unrecorded) => EngineError::Unrecorded {
                cause: Box::new(e),
                ledger: unrecorded,
            },
        }
    }
}

/// The campaign's providers a session calls: the built-in ones always, the others when `used`
/// names them (only those need their keys).
fn providers_of(
    campaign: &Campaign,
    opts: &Options,
    used: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, Arc<AnyProvider>>, EngineError> {
    let mut providers = BTreeMap::new();
    for (name, p) in &campaign.providers {
        let any = match &opts.sim_call_log {
            // Tests of the money promises: a vendor that logs every request it bills and, with
            // DARKROOM_SIM_NO_REPLAY, runs and bills every request it receives (no
            // idempotency), so a request sent twice shows twice.
            Some(log) if p.kind == darkroom_campaign::ProviderKind::Sim => {
                let replay = std::env::var_os("DARKROOM_SIM_NO_REPLAY").is_none();
                darkroom_providers::build::sim_logged(name, p, log, replay)?
            }
            _ if darkroom_providers::build::built_in(p.kind) || used(name) => {
                darkroom_providers::build::provider(name, p)?
            }
            _ => continue,
        };
        providers.insert(name.clone(), Arc::new(any));
    }
    Ok(providers)
}

/// What `text_by = "auto"` chose for each shot, said once as the run opens (`check` says it
/// before).
fn say_routing(opts: &Options, routing: &[text::Routing]) {
    if opts.progress.is_some() {
        for r in routing.iter().filter(|r| r.asked == TextBy::Auto) {
            opts.say(&format!(
                "{}: text {} ({})",
                r.shot,
                match r.chosen {
                    TextBy::Typeset => "typeset by darkroom",
                    _ => "drawn by the model",
                },
                r.why
            ));
        }
    }
}

/// A ledger file deleted on its own (to "reset" a campaign, or by a cleanup) would make the next
/// run buy again everything its store holds: refused, saying how to start over.
fn refuse_a_lone_store(at: &darkroom_ledger::Location, out: &Path) -> Result<(), EngineError> {
    if let darkroom_ledger::Location::File(file) = at {
        if !file.exists() {
            let count = stored_files(&out.join("store"));
            if count > 0 {
                return Err(EngineError::LedgerGone {
                    ledger: file.display().to_string(),
                    store: store_dir(out),
                    count,
                    out: out.display().to_string(),
                });
            }
        }
    }
    Ok(())
}

/// What an earlier process left unsettled, put right before anything is sent: paid results it
/// stored but could not record (its journal), then calls a crash left in flight (counted as
/// spent unless their provider replays them), then journaled results whose calls were another
/// process's until reconciled just now.
fn recover(
    ledger: &Ledger,
    store: &Store,
    providers: &BTreeMap<String, Arc<AnyProvider>>,
    out: &Path,
) -> Result<(), EngineError> {
    // Paid results a full disk could not take, kept in the temp folder: stored and journaled
    // first, so that the replay below records them instead of anything buying them again.
    darkroom_ledger::journal::unspill(out, store)?;
    ledger.replay_journal(out, store)?;
    ledger.reconcile(store, |name| {
        providers
            .get(name)
            .is_some_and(|p| darkroom_core::provider::Provider::replays(p.as_ref()))
    })?;
    ledger.replay_journal(out, store)?;
    Ok(())
}

/// Uploads what the bucket missed while it was down, trying again with a growing pause for up
/// to the lease.
pub(crate) fn flush_uploads(ctx: &Ctx) -> Result<(), darkroom_ledger::LedgerError> {
    let patience = std::time::Duration::from_secs_f64(ctx.opts.lease.unwrap_or(30.0).max(1.0));
    let start = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(200);
    loop {
        match ctx.store.flush_pending() {
            Ok(_) => return Ok(()),
            Err(e) if start.elapsed() >= patience => return Err(e),
            Err(_) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_secs(2));
            }
        }
    }
}

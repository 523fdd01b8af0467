//! The engine's view of one campaign while it works: the campaign, its ledger and store, its
//! providers and pacers, the cap, and the run's stop and fatal-error slots.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use darkroom_campaign::Campaign;
use darkroom_ledger::{Ledger, Store};
use darkroom_providers::AnyProvider;

use crate::{pace, EngineError, Options};

/// The engine's view of one campaign.
pub(crate) struct Ctx {
    pub campaign: Campaign,
    /// The fonts the shots' texts name, opened (the bundled one under `""`).
    pub fonts: BTreeMap<String, darkroom_typeset::Font>,
    /// Who signs the deliverables' Content Credentials (`None`: `[provenance] enabled = false`).
    pub identity: Option<darkroom_provenance::Identity>,
    pub opts: Options,
    pub out: PathBuf,
    pub ledger: Arc<Ledger>,
    pub store: Store,
    pub providers: BTreeMap<String, Arc<AnyProvider>>,
    pub cap: Option<f64>,
    pub in_money: bool,
    /// Providers with a `rate_limit`, and their pacers.
    pub pacers: BTreeMap<String, pace::Pacer>,
    /// Set to stop scheduling (budget, signal, a fatal error): nothing new is sent.
    pub stop: Arc<std::sync::atomic::AtomicBool>,
    /// The first error that must end the run (the ledger or the disk failed): the run stops
    /// scheduling and ends `error` with it, instead of carrying on with accounts it cannot keep.
    pub fatal: std::sync::Mutex<Option<EngineError>>,
    /// Calls sent to a provider in this run, retries included.
    pub sent: std::sync::atomic::AtomicU64,
    /// What people decided in `darkroom review`, per attempt, as the run opened: approvals and
    /// rejections steer promotion and delivery, verdicts on questions override the judges.
    pub human: BTreeMap<String, darkroom_ledger::Standing>,
}

impl Ctx {
    /// Keeps a ledger (or store) write's result: an error stops the run (see [`Ctx::fatal`]).
    pub(crate) fn keep<T>(&self, r: Result<T, darkroom_ledger::LedgerError>) -> Option<T> {
        match r {
            Ok(x) => Some(x),
            Err(e) => {
                self.fail(EngineError::Ledger(e));
                None
            }
        }
    }

    /// Records the error that ends the run (the first one wins) and stops scheduling.
    pub(crate) fn fail(&self, e: EngineError) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut slot = self.fatal.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
    }

    /// The bytes of a done attempt's result, from the store (found by hash, so the ledger's
    /// recorded path does not depend on the folder an earlier run was started from).
    ///
    /// The bytes are checked against their hash: a file changed on disk is not judged or
    /// delivered as the paid result; the run stops naming it (`--rebuy` buys it again).
    pub(crate) fn done_bytes(&self, id: &str) -> Option<Vec<u8>> {
        let (hash, _) = self.keep(self.ledger.done_asset(id))??;
        let path = self.store.find(&hash)?;
        let bytes = std::fs::read(&path).ok()?;
        if darkroom_ledger::content_hash(&bytes) != hash {
            self.fail(EngineError::Damaged {
                path: path.display().to_string(),
                attempt: id.to_string(),
            });
            return None;
        }
        Some(bytes)
    }

    /// Whether an error has ended the run.
    pub(crate) fn fatal_set(&self) -> bool {
        self.fatal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The unit spend is counted in.
    pub(crate) fn unit(&self) -> darkroom_core::money::Unit {
        darkroom_core::money::Unit::of(self.in_money)
    }

    /// `amount` in the campaign's unit.
    pub(crate) fn money(&self, amount: f64) -> darkroom_core::money::Money {
        darkroom_core::money::Money::new(amount, self.unit())
    }
}

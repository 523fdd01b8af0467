//! Where a campaign's accounts and files are: its ledger (a file in the output folder or a
//! PostgreSQL database), its store, and what stops them from being shared or delivered.
use std::path::{Path, PathBuf};

use darkroom_campaign::Campaign;
use darkroom_ledger::Ledger;

use crate::EngineError;

/// What stops a campaign's files from being delivered anywhere: `deliverables = "bucket"` with
/// no bucket (the file's `store`, or DARKROOM_STORE, known only once the environment is read).
pub fn delivery_problem(campaign: &Campaign) -> Option<String> {
    (campaign.deliver_to == darkroom_campaign::DeliverTo::Bucket && campaign.store.is_none()).then(|| {
        "campaign.deliverables: `bucket` needs a bucket: set store = \"s3://BUCKET/PREFIX\" in [campaign] (or DARKROOM_STORE), or deliver to `folder` or `both`".to_string()
    })
}

/// What stops a campaign's ledger from being shared safely: a PostgreSQL ledger with no bucket.
/// Workers on other machines would find a call `done` whose image they cannot read, and pay for
/// it again; `check`, `run` and `worker` refuse it before anything is spent.
pub fn sharing_problem(campaign: &Campaign) -> Option<String> {
    let shared = campaign
        .ledger
        .as_deref()
        .is_some_and(darkroom_core::dsn::is_postgres);
    (shared && campaign.store.is_none()).then(|| {
        "campaign.store: a shared ledger (PostgreSQL) needs a shared store: without one, a worker on another machine finds results done whose images it cannot read and would pay for them again; set store = \"s3://BUCKET/PREFIX\" in [campaign] (or DARKROOM_STORE), or leave `ledger` out to work on this machine's file".to_string()
    })
}

/// Where a campaign's ledger is (`[campaign] ledger`, else the output folder's `darkroom.db`).
pub fn ledger_location(campaign: &Campaign, out: &Path) -> darkroom_ledger::Location {
    darkroom_ledger::Location::of(campaign.ledger.as_deref(), out)
}

/// Opens a campaign's ledger wherever it is.
pub fn open_ledger(campaign: &Campaign, out: &Path) -> Result<Ledger, EngineError> {
    Ok(Ledger::open_at(
        &ledger_location(campaign, out),
        &campaign.name,
    )?)
}

/// The store folder under an output folder, as shown in messages.
pub(crate) fn store_dir(out: &Path) -> String {
    out.join("store").display().to_string()
}

/// Assets in a store folder (`ab/cd/<hash>.<ext>`, temporaries left out).
pub(crate) fn stored_files(root: &Path) -> usize {
    let list = |p: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    list(root)
        .iter()
        .flat_map(|a| list(a))
        .flat_map(|b| list(&b))
        .filter(|f| {
            f.is_file()
                && !f
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .count()
}

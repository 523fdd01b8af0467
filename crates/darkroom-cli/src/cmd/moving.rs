//! `darkroom move CAMPAIGN [--ledger postgres://…] [--store s3://…]`: moves a campaign that ran
//! on one machine (its ledger file and store folder) to a PostgreSQL database and an
//! S3-compatible bucket, so that workers on several machines go on from where it is — without
//! paying again for a single call it made. The ledger file is kept, marked as moved: a run on it
//! is refused, as it would not know what the shared ledger has done since.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::fail::Fail;
use darkroom_ledger::{mask_url, without_password, Ledger, Location, RunLock, Store};

/// Arguments of `darkroom move`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file (its output folder holds the ledger file and the store).
    campaign: PathBuf,
    /// The PostgreSQL database to move the ledger into, empty or holding nothing of this
    /// campaign yet (default: the campaign's `ledger`, or DARKROOM_LEDGER). The password comes
    /// from PGPASSWORD.
    #[arg(long)]
    ledger: Option<String>,
    /// The bucket to upload the store's assets and the deliverables to (default: the
    /// campaign's `store`, or DARKROOM_STORE). Required: a shared ledger without a shared
    /// store would have workers elsewhere pay again for images they cannot read.
    #[arg(long)]
    store: Option<String>,
}

/// Runs the command: 0 when moved, 2 when it cannot be (nothing is changed then).
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let c = super::io::read_campaign(&a.campaign)?;
    let name = a.campaign.display().to_string();
    let out = PathBuf::from(&c.output);
    let file = out.join("darkroom.db");
    let url = match a.ledger.or(c.ledger.clone()) {
        Some(u) if darkroom_core::dsn::is_postgres(&u) => u,
        Some(u) => {
            return Err(Fail::Input(format!(
                "--ledger `{}`: accepted: {}",
                mask_url(&u),
                darkroom_core::dsn::LEDGER_ACCEPTED
            )))
        }
        None => {
            return Err(Fail::Input(format!(
                "nowhere to move {name}'s ledger to: give --ledger postgres://USER@HOST:PORT/DATABASE, or set `ledger` in [campaign] (or DARKROOM_LEDGER)"
            )))
        }
    };
    let bucket = match a.store.or(c.store.clone()) {
        Some(s) => {
            darkroom_core::dsn::check_store(&s).map_err(|why| {
                Fail::Input(format!("--store `{}`: {why}", darkroom_core::dsn::mask(&s)))
            })?;
            s
        }
        None => {
            return Err(Fail::Input(format!(
                "nowhere to move {name}'s store to: a shared ledger needs a shared store (workers on other machines would find results done whose images they cannot read, and pay for them again); give --store s3://BUCKET/PREFIX, or set `store` in [campaign] (or DARKROOM_STORE)"
            )))
        }
    };
    if !file.exists() {
        return Err(Fail::Input(format!(
            "no ledger file at `{}`: {name} has not run on this machine, so there is nothing to move",
            file.display()
        )));
    }
    // No run may write the file while it is copied.
    let _lock = RunLock::acquire(&out).map_err(Fail::input)?;
    let from = Ledger::open(&file).map_err(Fail::input)?;
    let to = Ledger::open_at(&Location::Postgres(url.clone()), &c.name).map_err(Fail::input)?;
    // The bucket is reached before anything moves: a wrong key is said with nothing changed.
    let store = Store::open(out.join("store"), Some(&bucket)).map_err(Fail::input)?;
    let moved = from.move_into(&to).map_err(|e| match e {
        darkroom_ledger::LedgerError::Move { .. } => Fail::input(e),
        other => Fail::Internal(other.into()),
    })?;
    let shown = mask_url(&url);
    if moved.already {
        println!("`{shown}` already held this ledger (a move cut short): the file is now marked as moved");
    } else {
        println!(
            "moved `{}` to `{shown}`, every row checked:",
            file.display()
        );
        for (t, n) in &moved.tables {
            println!("  {t:<16} {n:>8}");
        }
        println!("  spend {:.4} (as the file accounts it)", moved.spent);
    }
    let (up, there, damaged) = store.upload_local().map_err(Fail::input)?;
    let files = publish_deliverables(&store, &out)?;
    println!(
        "store: {up} asset(s) uploaded to `{}`, {there} already there; {files} deliverable file(s) published",
        store.bucket().unwrap_or_default()
    );
    if damaged > 0 {
        eprintln!("warning: {damaged} damaged file(s) in `{}` (bytes not matching their name) were not uploaded", out.join("store").display());
    }
    println!(
        "`{}` is kept, marked as moved: runs on it are refused. In [campaign] of {name}, set:",
        file.display()
    );
    println!("  ledger = \"{}\"", without_password(&url));
    println!("  store = \"{}\"", store.bucket().unwrap_or_default());
    Ok(ExitCode::SUCCESS)
}

/// Publishes every file under the output folder's `deliverables/` to the bucket, as a run
/// with the bucket would have; how many.
fn publish_deliverables(s: &Store, out: &Path) -> Result<u64, Fail> {
    let mut n = 0;
    let mut stack = vec![out.join("deliverables")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(out)
                .map_err(|e| Fail::Internal(e.into()))?
                .to_string_lossy()
                .to_string();
            let bytes = std::fs::read(&p)
                .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", p.display())))?;
            s.publish(&rel, &bytes).map_err(Fail::input)?;
            n += 1;
        }
    }
    Ok(n)
}

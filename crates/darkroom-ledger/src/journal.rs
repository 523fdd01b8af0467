//! The journal of paid results the ledger could not record: when a settle fails (the shared
//! database gone past the lease, a ledger file that cannot be written), the result's attempt,
//! stored hash, cost and path are appended to a file beside the store, and replayed into the
//! ledger when the campaign opens again — so a result whose bytes exist is never bought again
//! because the ledger did not hear of it (issue 28, item 3).
//!
//! One JSON line per result (`<output>/.darkroom/journal.jsonl`, serde_json), appended and synced; a line
//! cut short by a crash is skipped.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::db::p;
use crate::*;

/// A paid result the ledger did not record.
#[derive(Debug, Clone, PartialEq)]
pub struct Journaled {
    /// The attempt.
    pub attempt: String,
    /// Its stored asset's hash.
    pub asset: String,
    /// The stored file (as the store wrote it).
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// What the provider charged.
    pub cost: f64,
    /// The model version the provider reported.
    pub model_version: Option<String>,
}

/// The journal file of an output folder.
pub fn journal_path(out: &Path) -> PathBuf {
    out.join(".darkroom").join("journal.jsonl")
}

/// Appends a result to the journal (synced: it outlives the process).
pub fn append(out: &Path, j: &Journaled) -> Result<(), LedgerError> {
    let path = journal_path(out);
    let io = |source| LedgerError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(path.parent().unwrap_or(out)).map_err(io)?;
    let line = serde_json::json!({
        "attempt": j.attempt,
        "asset": j.asset,
        "path": j.path,
        "bytes": j.bytes,
        "cost": j.cost,
        "model_version": j.model_version,
    });
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    f.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

/// Where the paid results a full disk could not take wait for the next run: the OS temp
/// folder (`TMPDIR`; usually another filesystem than the output), under a name derived from the
/// output folder's path, so that the next run of this campaign finds them.
pub fn spill_dir(out: &Path) -> PathBuf {
    let key = std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf());
    let h = blake3::hash(key.to_string_lossy().as_bytes()).to_hex();
    std::env::temp_dir().join("darkroom-spill").join(&h[..16])
}

/// Keeps a paid result the output's disk could not take (full): its bytes and a journal line
/// in [`spill_dir`], synced. [`unspill`] stores them when the campaign opens again, so the result
/// is recorded instead of bought again (issue 28, item 10).
pub fn spill(out: &Path, j: &Journaled, bytes: &[u8], ext: &str) -> Result<(), LedgerError> {
    let dir = spill_dir(out);
    let io = |source| LedgerError::Io {
        path: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let file = dir.join(format!("{}.{ext}", j.asset));
    let tmp = dir.join(format!("{}.{ext}.tmp", j.asset));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &file)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    let line = serde_json::json!({
        "attempt": j.attempt,
        "asset": j.asset,
        "path": file.display().to_string(),
        "bytes": j.bytes,
        "cost": j.cost,
        "model_version": j.model_version,
    });
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("journal.jsonl"))
        .map_err(io)?;
    f.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

/// Stores the results [`spill`] kept for this output folder and journals them beside the store
/// (replayed into the ledger by [`Ledger::replay_journal`]); the spill is removed once every
/// result is in. Returns how many were stored.
pub fn unspill(out: &Path, store: &Store) -> Result<usize, LedgerError> {
    let dir = spill_dir(out);
    let Ok(text) = std::fs::read_to_string(dir.join("journal.jsonl")) else {
        return Ok(0);
    };
    let mut n = 0;
    for v in text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        let (Some(attempt), Some(path), Some(cost)) = (
            v["attempt"].as_str(),
            v["path"].as_str(),
            v["cost"].as_f64(),
        ) else {
            continue;
        };
        // A file cut short is not the paid result: it is left to the handle or a rebuy.
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        if v["asset"].as_str() != Some(content_hash(&bytes).as_str()) {
            continue;
        }
        let ext = Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("png");
        let (asset, stored) = store.put(&bytes, ext)?;
        append(
            out,
            &Journaled {
                attempt: attempt.to_string(),
                asset,
                path: stored.display().to_string(),
                bytes: bytes.len() as u64,
                cost,
                model_version: v["model_version"].as_str().map(str::to_string),
            },
        )?;
        n += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(n)
}

/// The journal's results (a line cut short by a crash skipped).
pub fn read(out: &Path) -> Vec<Journaled> {
    let Ok(text) = std::fs::read_to_string(journal_path(out)) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            Some(Journaled {
                attempt: v["attempt"].as_str()?.to_string(),
                asset: v["asset"].as_str()?.to_string(),
                path: v["path"].as_str()?.to_string(),
                bytes: v["bytes"].as_u64()?,
                cost: v["cost"].as_f64()?,
                model_version: v["model_version"].as_str().map(str::to_string),
            })
        })
        .collect()
}

impl Ledger {
    /// Records journaled results whose bytes the store has: an attempt still `sent` by this
    /// worker (an earlier life of it died before its settle reached the ledger; one another
    /// worker has since taken over is that worker's) or failed as interrupted becomes
    /// `done` with its asset; what it cost replaces its reservation, or the "may have run"
    /// booking a crash or a takeover made for it. A result already done is left alone. Returns
    /// how many were recorded; the journal is then emptied.
    pub fn replay_journal(&self, out: &Path, store: &Store) -> Result<usize, LedgerError> {
        let entries = read(out);
        if entries.is_empty() {
            return Ok(0);
        }
        let me = self.worker.clone();
        let mut n = 0;
        let mut kept = Vec::new();
        for j in &entries {
            if !store.contains(&j.asset) {
                continue;
            }
            let applied = self.tx(true, |c| {
                c.exec(
                    "INSERT INTO assets (hash, path, bytes) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    p![j.asset, j.path, j.bytes as i64],
                )?;
                // Its own reservation, or one "may have run" booking, gives way to the cost.
                let delta: Option<f64> = c
                    .row(
                        "UPDATE attempts SET
                           delta = ?3 - cost_reserved - CASE WHEN status = 'failed' AND presumed_n > 0 THEN presumed / presumed_n ELSE 0 END,
                           cost_settled = COALESCE(cost_settled, 0) + ?3 - CASE WHEN status = 'failed' AND presumed_n > 0 THEN presumed / presumed_n ELSE 0 END,
                           presumed = presumed - CASE WHEN status = 'failed' AND presumed_n > 0 THEN presumed / presumed_n ELSE 0 END,
                           presumed_n = presumed_n - CASE WHEN status = 'failed' AND presumed_n > 0 THEN 1 ELSE 0 END,
                           cost_reserved = 0, status = 'done', asset = ?2, model_version = COALESCE(?4, model_version),
                           error_class = NULL, error_message = NULL, finished_at = ?5
                         WHERE id = ?1 AND ((status = 'sent' AND worker IS NOT DISTINCT FROM ?6)
                           OR (status = 'failed' AND error_class IN ('interrupted', 'io')))
                         RETURNING delta",
                        p![j.attempt, j.asset, j.cost, j.model_version, now(), me],
                    )?
                    .map(|r| r.get(0))
                    .transpose()?;
                if let Some(d) = delta {
                    c.exec(
                        "UPDATE account SET committed = committed + ?1 WHERE name = 'campaign'",
                        p![d],
                    )?;
                }
                if delta.is_some() {
                    return Ok(Some(true));
                }
                // Still in flight under another worker's id (an earlier `run` of this machine
                // whose lease has not lapsed yet): kept for after its calls are reconciled.
                let status: Option<String> = c
                    .row("SELECT status FROM attempts WHERE id = ?1", p![j.attempt])?
                    .map(|r| r.get(0))
                    .transpose()?;
                Ok(if status.as_deref() == Some("sent") { None } else { Some(false) })
            })?;
            match applied {
                Some(true) => n += 1,
                None => kept.push(j.clone()),
                Some(false) => {}
            }
        }
        let path = journal_path(out);
        std::fs::remove_file(&path).map_err(|source| LedgerError::Io {
            path: path.display().to_string(),
            source,
        })?;
        for j in &kept {
            append(out, j)?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_a_cut_line_is_skipped() {
        let d = std::env::temp_dir().join(format!("darkroom-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let j = Journaled {
            attempt: "a\"1".into(),
            asset: "ab".into(),
            path: "store/x \\ y.png".into(),
            bytes: 12,
            cost: 0.039,
            model_version: None,
        };
        append(&d, &j).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(journal_path(&d))
            .unwrap();
        f.write_all(b"{\"attempt\":\"cut").unwrap();
        assert_eq!(read(&d), vec![j]);
        let _ = std::fs::remove_dir_all(&d);
    }
}

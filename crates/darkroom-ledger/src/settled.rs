//! Settled shots: a shot whose deliverables were all written, with the fingerprint of what
//! made them and each file's size. A run compares the fingerprint it computes now with this
//! one and the files on disk with these sizes, in one pass over the table, and leaves a shot
//! that matches alone — a rerun that calls nothing does work in proportion to what changed.

use std::collections::BTreeMap;

use crate::db::p;
use crate::*;

/// What the ledger says of a settled shot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The fingerprint of its inputs when it was settled.
    pub fingerprint: String,
    /// Its delivered files (relative to the output folder) and their sizes in bytes.
    pub files: Vec<(String, u64)>,
}

/// The last decision people made per shot, so a shot's fingerprint changes with them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HumanMarks {
    /// Per shot, the id of the newest decision on one of its attempts.
    pub shots: BTreeMap<String, i64>,
    /// The newest decision on anything else (a version made in review), the newest version
    /// and the newest queued fix: they are not tied to a shot here, so they count for all.
    pub other: String,
}

impl Ledger {
    /// Every settled shot, in one query.
    pub fn settled(&self) -> Result<BTreeMap<String, Settled>, LedgerError> {
        let rows: Vec<(String, String, String)> = self.with(|c| {
            c.map("SELECT shot, fingerprint, files FROM settled", p![], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(shot, fingerprint, files)| {
                // A row this build cannot read is as good as none: the shot is done again.
                let files: Vec<(String, u64)> = serde_json::from_str(&files).ok()?;
                Some((shot, Settled { fingerprint, files }))
            })
            .collect())
    }

    /// Records a shot as settled (or settled again, with a new fingerprint).
    pub fn settle_shot(&self, shot: &str, s: &Settled) -> Result<(), LedgerError> {
        let files = serde_json::to_string(&s.files).unwrap_or_else(|_| "[]".into());
        self.with(|c| {
            c.exec(
                "INSERT INTO settled (shot, fingerprint, files, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (shot) DO UPDATE SET fingerprint = ?2, files = ?3, at = ?4",
                p![shot, s.fingerprint, files, now()],
            )?;
            Ok(())
        })
    }

    /// Where people's decisions stand, as marks that change whenever one is made or undone.
    pub fn human_marks(&self) -> Result<HumanMarks, LedgerError> {
        self.with(|c| {
            let shots: Vec<(String, i64)> = c.map(
                "SELECT a.shot, MAX(h.id) FROM human_decisions h JOIN attempts a ON a.id = h.attempt GROUP BY a.shot",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let other = c
                .row(
                    "SELECT (SELECT COALESCE(MAX(h.id), 0) FROM human_decisions h WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.id = h.attempt)),
                            (SELECT COUNT(*) FROM versions),
                            (SELECT COUNT(*) FROM queued_fixes WHERE state <> 'made')",
                    p![],
                )?
                .map(|r| -> Result<String, LedgerError> {
                    let (a, b, q): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                    Ok(format!("{a}/{b}/{q}"))
                })
                .transpose()?
                .unwrap_or_default();
            Ok(HumanMarks {
                shots: shots.into_iter().collect(),
                other,
            })
        })
    }

    /// Every stored result of a done call, as (shot, asset hash), in one query.
    pub fn done_assets(&self) -> Result<Vec<(String, String)>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT shot, asset FROM attempts WHERE status = 'done' AND asset IS NOT NULL",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// Every delivered file, by shot and path, in one query.
    pub fn all_deliverables(&self) -> Result<Vec<DeliverableRecord>, LedgerError> {
        self.with(|c| {
            c.map(
                &format!(
                    "SELECT {} FROM deliverables ORDER BY shot, path",
                    dump::DELIVERABLE_COLUMNS
                ),
                p![],
                dump::deliverable_row,
            )
        })
    }
}

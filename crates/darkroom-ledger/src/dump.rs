//! A read-only copy of everything the ledger holds, in a stable order, for the HTML report and
//! other readers that must not depend on SQLite. The order is part of the contract: the same
//! ledger always dumps the same rows in the same order, so a report built from it is
//! byte-identical.

use rusqlite::Connection;

use crate::LedgerError;

/// One attempt as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// Deterministic id.
    pub id: String,
    /// Shot id.
    pub shot: String,
    /// Its rung.
    pub tier: crate::Tier,
    /// Drafting round.
    pub round: u32,
    /// Variant index.
    pub variant: u32,
    /// Provider name.
    pub provider: String,
    /// Model id.
    pub model: String,
    /// The model version the provider reported.
    pub model_version: Option<String>,
    /// Seed.
    pub seed: u64,
    /// Parameters, JSON (prompt, size, quality).
    pub params: String,
    /// Where it stands.
    pub status: crate::AttemptStatus,
    /// Settled cost, in the budget's unit.
    pub cost: Option<f64>,
    /// Error class, when it failed.
    pub error_class: Option<String>,
    /// Error message (never a secret).
    pub error_message: Option<String>,
    /// blake3 of the asset.
    pub asset: Option<String>,
    /// When it was sent (Unix seconds).
    pub started_at: Option<f64>,
    /// When it ended (Unix seconds).
    pub finished_at: Option<f64>,
    /// Latency, seconds (simulated for `sim` runs).
    pub latency: Option<f64>,
    /// Calls made for it, retries included.
    pub tries: u32,
}

/// One judge's score of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRecord {
    /// The attempt.
    pub attempt: String,
    /// The judge.
    pub judge: String,
    /// Its score.
    pub value: Option<f64>,
    /// The judgement, JSON.
    pub verdicts: String,
}

/// One decision about one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRecord {
    /// The attempt.
    pub attempt: String,
    /// `gate`, `rank`, `sim`, …
    pub kind: String,
    /// The reason code.
    pub reason: String,
    /// The ranking key (or the injected mutation for `sim`).
    pub rank_key: Option<String>,
}

/// One delivered file.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliverableRecord {
    /// Path relative to the output folder.
    pub path: String,
    /// Shot id.
    pub shot: String,
    /// The attempt it came from.
    pub attempt: String,
    /// Aspect ratio, `W:H`.
    pub aspect: String,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// blake3 of the file.
    pub hash: String,
}

/// Everything in the ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dump {
    /// Attempts by shot, tier, round, variant, id.
    pub attempts: Vec<AttemptRecord>,
    /// Scores by attempt, judge.
    pub scores: Vec<ScoreRecord>,
    /// Decisions in the order they were made.
    pub decisions: Vec<DecisionRecord>,
    /// Deliverables by shot, path.
    pub deliverables: Vec<DeliverableRecord>,
    /// `(hash, path)` of every stored asset, by hash.
    pub assets: Vec<(String, String)>,
}

fn score(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScoreRecord> {
    Ok(ScoreRecord {
        attempt: r.get(0)?,
        judge: r.get(1)?,
        value: r.get(2)?,
        verdicts: r.get(3)?,
    })
}

/// Every score, one at a time in the dump's order, without holding them all (a 10,000-shot
/// campaign has tens of thousands of judgements of a few kB each).
pub(crate) fn for_each_score(
    c: &Connection,
    mut f: impl FnMut(ScoreRecord),
) -> Result<(), LedgerError> {
    let mut st =
        c.prepare("SELECT attempt, judge, value, verdicts FROM scores ORDER BY attempt, judge")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        f(score(r)?);
    }
    Ok(())
}

/// The scores of one shot's attempts, in the dump's order.
pub(crate) fn scores_of_shot(c: &Connection, shot: &str) -> Result<Vec<ScoreRecord>, LedgerError> {
    Ok(c.prepare_cached(
        "SELECT s.attempt, s.judge, s.value, s.verdicts FROM scores s
             JOIN attempts a ON a.id = s.attempt WHERE a.shot = ?1 ORDER BY s.attempt, s.judge",
    )?
    .query_map([shot], score)?
    .collect::<Result<_, _>>()?)
}

/// The columns of an attempt, in the order [`attempt_row`] reads them.
const ATTEMPT_COLUMNS: &str = "id, shot, tier, round, variant, provider, model, model_version, seed, params,
     status, cost_settled, error_class, error_message, asset, started_at, finished_at, latency, tries";

/// An attempt from a row of [`ATTEMPT_COLUMNS`].
fn attempt_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AttemptRecord> {
    Ok(AttemptRecord {
        id: r.get(0)?,
        shot: r.get(1)?,
        tier: r.get(2)?,
        round: r.get(3)?,
        variant: r.get(4)?,
        provider: r.get(5)?,
        model: r.get(6)?,
        model_version: r.get(7)?,
        seed: r.get::<_, i64>(8)? as u64,
        params: r.get(9)?,
        status: r.get(10)?,
        cost: r.get(11)?,
        error_class: r.get(12)?,
        error_message: r.get(13)?,
        asset: r.get(14)?,
        started_at: r.get(15)?,
        finished_at: r.get(16)?,
        latency: r.get(17)?,
        tries: r.get(18)?,
    })
}

/// One attempt by id.
pub(crate) fn attempt(c: &Connection, id: &str) -> Result<Option<AttemptRecord>, LedgerError> {
    use rusqlite::OptionalExtension;
    Ok(c.prepare_cached(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?1"
    ))?
    .query_row([id], attempt_row)
    .optional()?)
}

pub(crate) fn dump(c: &Connection, with_scores: bool) -> Result<Dump, LedgerError> {
    let attempts = c
        .prepare(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts ORDER BY shot, tier DESC, round, variant, id"
        ))?
        .query_map([], attempt_row)?
        .collect::<Result<_, _>>()?;
    let mut scores = Vec::new();
    if with_scores {
        for_each_score(c, |s| scores.push(s))?;
    }
    let decisions = c
        .prepare("SELECT attempt, kind, reason, rank_key FROM decisions ORDER BY at, rowid")?
        .query_map([], |r| {
            Ok(DecisionRecord {
                attempt: r.get(0)?,
                kind: r.get(1)?,
                reason: r.get(2)?,
                rank_key: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let deliverables = c
        .prepare(
            "SELECT path, shot, attempt, aspect, width, height, hash FROM deliverables
             ORDER BY shot, path",
        )?
        .query_map([], |r| {
            Ok(DeliverableRecord {
                path: r.get(0)?,
                shot: r.get(1)?,
                attempt: r.get(2)?,
                aspect: r.get(3)?,
                width: r.get(4)?,
                height: r.get(5)?,
                hash: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let assets = c
        .prepare("SELECT hash, path FROM assets ORDER BY hash")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Dump {
        attempts,
        scores,
        decisions,
        deliverables,
        assets,
    })
}

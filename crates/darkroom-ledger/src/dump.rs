//! A read-only copy of everything the ledger holds, in a stable order, for the HTML report and
//! other readers that must not depend on SQLite. The order is part of the contract: the same
//! ledger always dumps the same rows in the same order, so a report built from it is
//! byte-identical.

use crate::db::{p, Row, Sql};
use crate::{DecisionKind, LedgerError, Reason};

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
    /// Times it was found in flight after a crash or taken over from a worker whose lease
    /// lapsed: each a call the vendor may have run without its result reaching the ledger.
    pub interrupted: u32,
    /// What those interrupted calls are booked at as "may have run" (their reservations).
    pub presumed: f64,
    /// Results that came back late from a fenced process: calls the vendor did run twice.
    pub late: u32,
    /// The vendor's handle for the call (ComfyUI's `prompt_id`, a Stability generation id),
    /// where it keeps one.
    pub handle: Option<String>,
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
    /// What the decision is about: a gate, a rank, the simulator's mutation, …
    pub kind: DecisionKind,
    /// Why it went the way it did.
    pub reason: Reason,
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
    /// `png` or `jpeg` (none in ledgers from before workers).
    pub format: Option<String>,
    /// The label of its C2PA manifest, when signed.
    pub c2pa: Option<String>,
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

fn score(r: &Row) -> Result<ScoreRecord, LedgerError> {
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
    c: &mut dyn Sql,
    mut f: impl FnMut(ScoreRecord),
) -> Result<(), LedgerError> {
    c.each(
        "SELECT attempt, judge, value, verdicts FROM scores ORDER BY attempt, judge",
        p![],
        &mut |r| {
            f(score(&r)?);
            Ok(())
        },
    )
}

/// The scores of one shot's attempts, in the dump's order.
pub(crate) fn scores_of_shot(c: &mut dyn Sql, shot: &str) -> Result<Vec<ScoreRecord>, LedgerError> {
    c.map(
        "SELECT s.attempt, s.judge, s.value, s.verdicts FROM scores s
             JOIN attempts a ON a.id = s.attempt WHERE a.shot = ?1 ORDER BY s.attempt, s.judge",
        p![shot],
        score,
    )
}

/// The columns of an attempt, in the order [`attempt_row`] reads them.
const ATTEMPT_COLUMNS: &str = "id, shot, tier, round, variant, provider, model, model_version, seed, params,
     status, cost_settled, error_class, error_message, asset, started_at, finished_at, latency, tries,
     interrupted, presumed, late, handle";

/// An attempt from a row of [`ATTEMPT_COLUMNS`].
fn attempt_row(r: &Row) -> Result<AttemptRecord, LedgerError> {
    Ok(AttemptRecord {
        id: r.get(0)?,
        shot: r.get(1)?,
        tier: r.get::<String>(2)?.parse().map_err(LedgerError::Value)?,
        round: r.get(3)?,
        variant: r.get(4)?,
        provider: r.get(5)?,
        model: r.get(6)?,
        model_version: r.get(7)?,
        seed: r.get(8)?,
        params: r.get(9)?,
        status: r.get::<String>(10)?.parse().map_err(LedgerError::Value)?,
        cost: r.get(11)?,
        error_class: r.get(12)?,
        error_message: r.get(13)?,
        asset: r.get(14)?,
        started_at: r.get(15)?,
        finished_at: r.get(16)?,
        latency: r.get(17)?,
        tries: r.get(18)?,
        interrupted: r.get(19)?,
        presumed: r.get(20)?,
        late: r.get(21)?,
        handle: r.get(22)?,
    })
}

/// One attempt by id.
pub(crate) fn attempt(c: &mut dyn Sql, id: &str) -> Result<Option<AttemptRecord>, LedgerError> {
    c.row(
        &format!("SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?1"),
        p![id],
    )?
    .map(|r| attempt_row(&r))
    .transpose()
}

/// A deliverable from a row of [`DELIVERABLE_COLUMNS`].
pub(crate) fn deliverable_row(r: &Row) -> Result<DeliverableRecord, LedgerError> {
    Ok(DeliverableRecord {
        path: r.get(0)?,
        shot: r.get(1)?,
        attempt: r.get(2)?,
        aspect: r.get(3)?,
        width: r.get(4)?,
        height: r.get(5)?,
        hash: r.get(6)?,
        format: r.get(7)?,
        c2pa: r.get(8)?,
    })
}

/// The columns of a deliverable, in the order [`deliverable_row`] reads them.
pub(crate) const DELIVERABLE_COLUMNS: &str =
    "path, shot, attempt, aspect, width, height, hash, format, c2pa";

pub(crate) fn dump(c: &mut dyn Sql, with_scores: bool) -> Result<Dump, LedgerError> {
    let attempts = c.map(
        &format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts ORDER BY shot, tier DESC, round, variant, id"
        ),
        p![],
        attempt_row,
    )?;
    let mut scores = Vec::new();
    if with_scores {
        for_each_score(c, |s| scores.push(s))?;
    }
    // In the order made; decisions made in the same instant by what they are.
    let decisions = c.map(
        "SELECT attempt, kind, reason, rank_key FROM decisions ORDER BY at, attempt, kind, reason, rank_key",
        p![],
        |r| {
            Ok(DecisionRecord {
                attempt: r.get(0)?,
                kind: r.get::<String>(1)?.parse().map_err(LedgerError::Value)?,
                reason: r.get::<String>(2)?.parse().map_err(LedgerError::Value)?,
                rank_key: r.get(3)?,
            })
        },
    )?;
    let deliverables = c.map(
        &format!("SELECT {DELIVERABLE_COLUMNS} FROM deliverables ORDER BY shot, path"),
        p![],
        deliverable_row,
    )?;
    let assets = c.map("SELECT hash, path FROM assets ORDER BY hash", p![], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(Dump {
        attempts,
        scores,
        decisions,
        deliverables,
        assets,
    })
}

/// The prompt an attempt was asked with, from its ledger row's `params` (written by the
/// engine's scheduler as `{"prompt", "width", "height", "quality"}`).
pub fn prompt_of_params(params: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(params)
        .ok()?
        .get("prompt")?
        .as_str()
        .map(str::to_string)
}

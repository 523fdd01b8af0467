//! Selection: the gates (each draft passes or gets a reason code), semantic refinement (what
//! the best failing draft got wrong, restated for the next round) and the ranking that decides
//! which passing drafts are promoted, which are spares and which are ranked out. The output is
//! each shot's promotion queue, or why it has none.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::Ordering;

use darkroom_campaign::Shot;
use darkroom_ledger::{DecisionKind, Reason};

use crate::scheduler::{Call, Exec};
use crate::stages::draft::Drafted;
use crate::stages::judge::Scored;
use crate::Ctx;

/// The gate: `None` when the draft passes, else the reason code.
pub(crate) fn gate(ctx: &Ctx, s: &Scored, near_dup: bool) -> Option<Reason> {
    let g = &ctx.campaign.gates;
    if g.adherence.is_some_and(|m| s.adherence < m) {
        return Some(Reason::BelowAdherence);
    }
    if ctx.campaign.brand.is_some() && g.on_palette.is_some_and(|m| s.on_palette < m) {
        return Some(Reason::BelowOnPalette);
    }
    if g.sharpness.is_some_and(|m| s.sharpness < m) {
        return Some(Reason::BelowSharpness);
    }
    if near_dup {
        return Some(Reason::NearDuplicate);
    }
    None
}

/// "Is the sphere to the left of the cube?" → "the sphere to the left of the cube".
pub(crate) fn restate(q: &str) -> String {
    let q = q.trim_end_matches('?');
    for p in ["Is there ", "Are there ", "Is ", "Are ", "Does ", "Do "] {
        if let Some(rest) = q.strip_prefix(p) {
            return rest.to_string();
        }
    }
    q.to_string()
}

/// Why a shot's drafts gave nothing to promote: every call failed (which provider, which
/// class, how many), or none of the judged drafts passed (which gate, by how much).
#[derive(Default)]
pub(crate) struct ShotDrafts {
    pub(crate) calls: u32,
    pub(crate) images: u32,
    /// (provider, class) → (count, first message).
    pub(crate) failures: BTreeMap<(String, String), (u32, String)>,
    /// Reason code → count.
    pub(crate) gates: BTreeMap<Reason, u32>,
    pub(crate) best_adherence: Option<f64>,
    pub(crate) best_on_palette: Option<f64>,
    pub(crate) best_sharpness: Option<f64>,
}

impl ShotDrafts {
    pub(crate) fn why(&self, ctx: &Ctx) -> String {
        let failed: u32 = self.failures.values().map(|(n, _)| n).sum();
        let calls: Vec<String> = self
            .failures
            .iter()
            .map(|((provider, class), (n, msg))| {
                let msg: String = msg.chars().take(320).collect();
                format!("{n} × provider `{provider}` {class} ({msg})")
            })
            .collect();
        if self.images == 0 && failed > 0 {
            return format!(
                "all {} draft call(s) failed: {}",
                self.calls,
                calls.join("; ")
            );
        }
        if self.images == 0 {
            return "no draft was made (the run stopped first)".into();
        }
        let g = &ctx.campaign.gates;
        let mut parts = Vec::new();
        for (reason, n) in &self.gates {
            let detail = match *reason {
                Reason::BelowAdherence => g
                    .adherence
                    .zip(self.best_adherence)
                    .map(|(m, b)| format!("best adherence {b:.2} vs the gate's {m:.2}")),
                Reason::BelowOnPalette => g
                    .on_palette
                    .zip(self.best_on_palette)
                    .map(|(m, b)| format!("best on-palette share {b:.2} vs {m:.2}")),
                Reason::BelowSharpness => g
                    .sharpness
                    .zip(self.best_sharpness)
                    .map(|(m, b)| format!("best sharpness {b:.2} vs {m:.2}")),
                _ => None,
            };
            parts.push(match detail {
                Some(d) => format!("{n} {reason} ({d})"),
                None => format!("{n} {reason}"),
            });
        }
        let mut out = format!(
            "no draft passed the gates: {} judged; {}",
            self.images,
            parts.join(", ")
        );
        if failed > 0 {
            out.push_str(&format!(
                "; and {failed} call(s) failed: {}",
                calls.join("; ")
            ));
        }
        out
    }
}

/// Each shot's promotion queue: its passing drafts in rank order, up to `keep`, with their
/// variant index; and the finals already made (the lottery: candidates made at the final size).
pub(crate) struct Ranked {
    /// Shot → drafts to promote, best first.
    pub queue: BTreeMap<String, VecDeque<(u32, Scored)>>,
    /// Shot → finals made without a finish call.
    pub finished: BTreeMap<String, Vec<(Call, Vec<u8>)>>,
    /// Shots with nothing to promote, with why.
    pub failed: Vec<(String, String)>,
}

/// Ranks each shot's passing drafts and records the decision on each: promoted first, spares
/// up to `keep` (finished only when a finish fails), the rest ranked out.
pub(crate) fn rank(ctx: &Ctx, exec: &Exec, shots: &[Shot], drafted: Drafted) -> Ranked {
    let c = &ctx.campaign;
    let Drafted {
        mut passing,
        tallies: drafts,
    } = drafted;
    let mut failed = Vec::new();
    // Rank, then promote and finish on demand: the best `finals` drafts of each shot first; the
    // next ranked one (up to `keep` in all) only when a finish fails, either the call or the
    // gates on the finished image. A spare promoted "just in case" is a paid finish that is
    // thrown away whenever the first one is fine.
    let mut queue: BTreeMap<String, std::collections::VecDeque<(u32, Scored)>> = BTreeMap::new();
    let mut finished: BTreeMap<String, Vec<(Call, Vec<u8>)>> = BTreeMap::new();
    for s in shots {
        let mut list = passing.remove(&s.id).unwrap_or_default();
        if list.is_empty() {
            if !exec.stop.load(Ordering::SeqCst) {
                let why = drafts
                    .get(&s.id)
                    .map_or_else(|| "no draft was made".to_string(), |t| t.why(ctx));
                failed.push((s.id.clone(), why));
            }
            continue;
        }
        // Ranking key: adherence, on-palette share, sharpness (all descending), then attempt id.
        list.sort_by(|a, b| {
            b.adherence
                .total_cmp(&a.adherence)
                .then(b.on_palette.total_cmp(&a.on_palette))
                .then(b.sharpness.total_cmp(&a.sharpness))
                .then(a.call.row.id.cmp(&b.call.row.id))
        });
        let keep = c.finish.keep.max(s.finals) as usize;
        for (i, d) in list.iter().enumerate() {
            let reason = if i < keep {
                Reason::Spare
            } else {
                Reason::RankedOut
            };
            ctx.keep(ctx.ledger.record_decision(
                &d.call.row.id,
                DecisionKind::Rank,
                reason,
                Some(&d.rank_key()),
            ));
        }
        if ctx.opts.finish_from_draft {
            // The lottery: the candidates were made at the final size; the best are the finals.
            finished.insert(
                s.id.clone(),
                list.into_iter()
                    .take(s.finals as usize)
                    .map(|d| (d.call, d.png))
                    .collect(),
            );
            continue;
        }
        queue.insert(
            s.id.clone(),
            list.into_iter()
                .take(keep)
                .enumerate()
                .map(|(k, d)| (k as u32, d))
                .collect(),
        );
    }
    Ranked {
        queue,
        finished,
        failed,
    }
}

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

/// Best first: adherence, on-palette share, sharpness (all descending), then the attempt id,
/// so equal scores rank the same way in every run.
fn rank_order(list: &mut [Scored]) {
    list.sort_by(|a, b| {
        b.adherence
            .total_cmp(&a.adherence)
            .then(b.on_palette.total_cmp(&a.on_palette))
            .then(b.sharpness.total_cmp(&a.sharpness))
            .then(a.call.row.id.cmp(&b.call.row.id))
    });
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
    // What people decided in review (a resumed run applies it).
    let human = &ctx.human;
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
        rank_order(&mut list);
        // Drafts a person approved come first: their approval is the strongest ranking.
        list.sort_by_key(|d| {
            human
                .get(&d.call.row.id)
                .and_then(|h| h.decision)
                .is_none_or(|a| a != darkroom_ledger::HumanAction::Approve)
        });
        let keep = c.finish.keep.max(s.finals) as usize;
        let ranks: Vec<_> = list
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let reason = if i < keep {
                    Reason::Spare
                } else {
                    Reason::RankedOut
                };
                (
                    d.call.row.id.clone(),
                    DecisionKind::Rank,
                    reason,
                    Some(d.rank_key()),
                )
            })
            .collect();
        ctx.keep(ctx.ledger.record_decisions(&ranks));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::gates::{gate_with, restate};
    use darkroom_campaign::Gates;
    use darkroom_core::provider::{Op, Request};
    use darkroom_ledger::{AttemptRow, Tier};

    fn scored(id: &str, adherence: f64, on_palette: f64, sharpness: f64) -> Scored {
        let req = Request {
            prompt: "a red cube".into(),
            seed: 1,
            width: 64,
            height: 64,
            quality: darkroom_core::Quality::Draft,
            reference: None,
            op: Op::Generate,
        };
        Scored {
            call: Call {
                row: AttemptRow {
                    id: id.into(),
                    shot: "s".into(),
                    tier: Tier::Draft,
                    round: 1,
                    variant: 0,
                    provider: "p".into(),
                    model: String::new(),
                    seed: 1,
                    params: String::new(),
                },
                req,
            },
            png: Vec::new(),
            adherence,
            on_palette,
            sharpness,
            phash: 0,
            failed_questions: Vec::new(),
            disagreements: Vec::new(),
        }
    }

    #[test]
    fn the_gate_names_the_first_threshold_missed() {
        let g = Gates {
            adherence: Some(0.8),
            on_palette: Some(0.5),
            sharpness: Some(0.1),
            near_duplicate: 6,
            confidence: 0.5,
        };
        assert_eq!(
            gate_with(&g, true, &scored("a", 0.9, 0.6, 0.2), false),
            None
        );
        assert_eq!(
            gate_with(&g, true, &scored("a", 0.7, 0.1, 0.0), false),
            Some(Reason::BelowAdherence)
        );
        assert_eq!(
            gate_with(&g, true, &scored("a", 0.9, 0.1, 0.0), false),
            Some(Reason::BelowOnPalette)
        );
        // Without a brand there is no palette to be on.
        assert_eq!(
            gate_with(&g, false, &scored("a", 0.9, 0.1, 0.0), false),
            Some(Reason::BelowSharpness)
        );
        assert_eq!(
            gate_with(&g, true, &scored("a", 0.9, 0.6, 0.2), true),
            Some(Reason::NearDuplicate)
        );
        // At the threshold passes: the gates are minimums.
        assert_eq!(
            gate_with(&g, true, &scored("a", 0.8, 0.5, 0.1), false),
            None
        );
    }

    #[test]
    fn ranking_is_adherence_then_palette_then_sharpness_then_id() {
        let mut list = vec![
            scored("d", 0.9, 0.5, 0.5),
            scored("c", 1.0, 0.4, 0.9),
            scored("b", 1.0, 0.4, 0.9),
            scored("a", 1.0, 0.6, 0.1),
        ];
        rank_order(&mut list);
        let ids: Vec<&str> = list.iter().map(|s| s.call.row.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
    }

    #[test]
    fn refinement_restates_a_question_as_what_to_show() {
        assert_eq!(
            restate("Is the sphere to the left of the cube?"),
            "the sphere to the left of the cube"
        );
        assert_eq!(restate("Are there 3 bottles?"), "3 bottles");
        assert_eq!(restate("a red cube"), "a red cube");
    }
}

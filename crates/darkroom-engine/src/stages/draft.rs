//! Drafting: rounds of `variants` cheap drafts per shot, judged and gated as they arrive; a
//! shot with no passing draft is drafted again (up to `max_rounds`) with its prompt refined by
//! what the best failing draft got wrong. The output is each shot's passing drafts and a tally
//! of why the others failed.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use darkroom_campaign::Shot;
use darkroom_core::judge::Verdict;
use darkroom_judges::brand::BrandJudge;
use darkroom_ledger::{DecisionKind, HumanAction, Reason, Tier};

use crate::scheduler::{count_calls, Call, Done, Exec, Look};
use crate::stages::gates::{gate, restate};
use crate::stages::judge::{look, settle, vision_round, Looked, Scored};
use crate::stages::say;
use crate::Ctx;

/// What the draft rounds produced.
pub(crate) struct Drafted {
    /// Shot → its drafts that passed the gates.
    pub passing: BTreeMap<String, Vec<Scored>>,
    /// Shot → what became of its draft calls and why the others failed.
    pub tallies: BTreeMap<String, ShotDrafts>,
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

/// Runs the draft rounds for a group of shots.
pub(crate) async fn rounds(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    brand: Option<&Arc<BrandJudge>>,
    shots: &[Shot],
) -> Drafted {
    let c = &ctx.campaign;
    let mut passing: BTreeMap<String, Vec<Scored>> = BTreeMap::new();
    let mut refinement: BTreeMap<String, String> = BTreeMap::new();
    let mut drafts: BTreeMap<String, ShotDrafts> = BTreeMap::new();
    // Draft rounds.
    for round in 1..=c.budget.max_rounds {
        let pending: Vec<_> = shots
            .iter()
            .filter(|s| passing.get(&s.id).is_none_or(Vec::is_empty))
            .collect();
        if pending.is_empty() || exec.stop.load(Ordering::SeqCst) {
            break;
        }
        let mut calls = Vec::new();
        for s in &pending {
            let prompt = match refinement.get(&s.id) {
                Some(extra) if round > 1 => format!("{}, {extra}", s.prompt),
                _ => s.prompt.clone(),
            };
            for k in 0..c.draft.variants {
                // The plan's rule: round 1 makes exactly the attempts `check` lists.
                let req = darkroom_campaign::plan::draft_request(c, s, round, k, &prompt);
                calls.push(exec.call(Tier::Draft, round, k, &s.id, &c.draft.provider, req));
            }
        }
        say(
            ctx,
            &format!(
                "draft round {round} for {} shot(s): {}",
                pending.len(),
                count_calls(ctx, &calls)
            ),
        );
        // The pixel judges look at each draft as it arrives, beside the calls still in flight.
        let looker: Look<Looked> = {
            let brand = brand.cloned();
            Arc::new(move |call: &Call, png: &[u8]| look(brand.as_deref(), call, png))
        };
        let results = exec.execute_looked(calls, Some(looker)).await;
        let visions = vision_round(ctx, exec, results.iter().map(|(c, d, _)| (c, d))).await;
        let mut best_failures: BTreeMap<String, (f64, Vec<String>)> = BTreeMap::new();
        // The batch's scores and gate decisions, written in a statement each after it.
        let (mut gates, mut scores) = (Vec::new(), Vec::new());
        for (call, done, looked) in results {
            let tally = drafts.entry(call.row.shot.clone()).or_default();
            tally.calls += 1;
            let png = match done {
                Done::Image(png) => png,
                Done::Failed(f) => {
                    let e = tally
                        .failures
                        .entry((call.row.provider.clone(), f.class.to_string()))
                        .or_insert((0, f.message.clone()));
                    e.0 += 1;
                    continue;
                }
                Done::OverBudget => continue,
            };
            tally.images += 1;
            let shot = call.row.shot.clone();
            let siblings: Vec<u64> = passing
                .get(&shot)
                .map(|v| v.iter().map(|s| s.phash).collect())
                .unwrap_or_default();
            // Looked at already, unless the image arrived while the pool was gone (shutdown).
            let Some(looked) = looked.or_else(|| look(brand.map(AsRef::as_ref), &call, &png))
            else {
                continue;
            };
            let (scored, judgements) = settle(
                ctx,
                &call,
                &png,
                looked,
                &siblings,
                visions.get(&call.row.id),
            );
            scores.extend(super::judge::score_rows(&call.row.id, judgements.iter()));
            super::judge::record_disagreements(ctx, &call.row.id, &scored);
            let tally = drafts.entry(shot.clone()).or_default();
            let best = |b: &mut Option<f64>, x: f64| *b = Some(b.map_or(x, |y: f64| y.max(x)));
            best(&mut tally.best_adherence, scored.adherence);
            best(&mut tally.best_on_palette, scored.on_palette);
            best(&mut tally.best_sharpness, scored.sharpness);
            let near_dup = judgements.iter().any(|j| {
                j.judge == "novelty" && j.findings.iter().any(|f| f.verdict == Verdict::No)
            });
            let verdict = gate(ctx, &scored, near_dup);
            let (recorded, outcome) = settle_gate(ctx, &call.row.id, &scored, verdict);
            gates.push((
                call.row.id.clone(),
                DecisionKind::Gate,
                recorded,
                Some(scored.rank_key()),
            ));
            match outcome {
                Gated::Pass => passing.entry(shot).or_default().push(scored),
                Gated::Fail(reason) => {
                    *tally.gates.entry(reason).or_default() += 1;
                    let e = best_failures.entry(shot).or_insert((-1.0, Vec::new()));
                    if scored.adherence > e.0 {
                        *e = (scored.adherence, scored.failed_questions.clone());
                    }
                }
                Gated::HeldBack => {}
            }
        }
        ctx.keep(ctx.ledger.record_scores_of(&scores));
        ctx.keep(ctx.ledger.record_decisions(&gates));
        // Semantic refinement: restate what the best failing draft got wrong.
        for (shot, (_, qs)) in best_failures {
            if !qs.is_empty() {
                refinement.insert(
                    shot,
                    qs.iter().map(|q| restate(q)).collect::<Vec<_>>().join(", "),
                );
            }
        }
    }

    Drafted {
        passing,
        tallies: drafts,
    }
}

/// What became of a judged draft at the gates.
enum Gated {
    /// It passed (or a person approved it): a candidate for promotion.
    Pass,
    /// It failed a gate, for this reason.
    Fail(Reason),
    /// It passed, but a person rejected it: not promoted, not a failure to refine from.
    HeldBack,
}

/// Applies a person's decision in review over the gates' `verdict` (`None`: passed): an
/// approved draft is promoted though it failed them, a rejected one is not though it passed.
/// The override is recorded now; the gates' own verdict is returned to be recorded all the same
/// (it is what the judges said), with what became of the draft.
fn settle_gate(ctx: &Ctx, id: &str, scored: &Scored, verdict: Option<Reason>) -> (Reason, Gated) {
    let person = ctx.human.get(id).and_then(|h| h.decision);
    let overridden = match (verdict, person) {
        (Some(_), Some(HumanAction::Approve)) => Some(Reason::PersonApproved),
        (None, Some(HumanAction::Reject)) => Some(Reason::PersonRejected),
        _ => None,
    };
    if let Some(why) = overridden {
        ctx.keep(ctx.ledger.record_decision(
            id,
            DecisionKind::Review,
            why,
            Some(&scored.rank_key()),
        ));
    }
    match verdict {
        Some(reason) if overridden == Some(Reason::PersonApproved) => (reason, Gated::Pass),
        None if overridden == Some(Reason::PersonRejected) => (Reason::Passed, Gated::HeldBack),
        Some(reason) => (reason, Gated::Fail(reason)),
        None => (Reason::Passed, Gated::Pass),
    }
}

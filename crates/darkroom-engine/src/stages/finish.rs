//! Finishing on demand: each shot's best `finals` drafts are re-made at the finish tier (with
//! the draft as reference where the provider edits), judged and gated again; a spare is promoted
//! only when a finish fails, in waves until every shot has its finals or runs out of spares.
//! The output is each shot's finished images, and why a shot is short.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use darkroom_campaign::Shot;
use darkroom_core::provider::Provider;
use darkroom_judges::brand::BrandJudge;
use darkroom_ledger::{DecisionKind, HumanAction, Reason, Tier};

use crate::scheduler::{count_calls, Call, Done, Exec};
use crate::stages::gates::gate;
use crate::stages::judge::{judge, vision_round};
use crate::stages::say;
use crate::stages::select::Ranked;
use crate::Ctx;

/// What finishing produced.
pub(crate) struct Finished {
    /// Shot → its finals (the call and the image).
    pub finished: BTreeMap<String, Vec<(Call, Vec<u8>)>>,
    /// Shot → why it has fewer finals than asked.
    pub short: BTreeMap<String, String>,
    /// Shots that had drafts to promote.
    pub tried: std::collections::BTreeSet<String>,
    /// A final's attempt id → the draft it was finished from (its attempt id and image): the
    /// draft is an ingredient of the final's Content Credentials.
    pub drafts: BTreeMap<String, (String, Vec<u8>)>,
}

/// Runs the finish waves for a group of shots.
pub(crate) async fn waves(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    brand: Option<&BrandJudge>,
    shots: &[Shot],
    ranked: &mut Ranked,
) -> Finished {
    let c = &ctx.campaign;
    let queue = &mut ranked.queue;
    let mut finished = std::mem::take(&mut ranked.finished);
    let tried = queue.keys().chain(finished.keys()).cloned().collect();
    let mut short: BTreeMap<String, String> = BTreeMap::new();
    let mut drafts = BTreeMap::new();
    let mut wave_no = 0;
    let takes_reference = ctx.providers[&c.finish.provider].capabilities().edit;
    // What people decided in review (a resumed run applies it).
    let human = &ctx.human;
    loop {
        let mut wave = Vec::new();
        for s in shots {
            let Some(q) = queue.get_mut(&s.id) else {
                continue;
            };
            let have = finished.get(&s.id).map_or(0, Vec::len);
            for _ in have..s.finals as usize {
                let Some((k, d)) = q.pop_front() else { break };
                ctx.keep(ctx.ledger.record_decision(
                    &d.call.row.id,
                    DecisionKind::Rank,
                    Reason::Promoted,
                    Some(&d.rank_key()),
                ));
                let req = darkroom_campaign::plan::finish_request(
                    c,
                    s,
                    &d.call.req,
                    takes_reference.then(|| d.png.clone()),
                );
                let call = exec.call(Tier::Finish, 1, k, &s.id, &c.finish.provider, req);
                drafts.insert(call.row.id.clone(), (d.call.row.id.clone(), d.png.clone()));
                wave.push(call);
            }
        }
        if wave.is_empty() || exec.stop.load(Ordering::SeqCst) {
            break;
        }
        wave_no += 1;
        say(
            ctx,
            &if wave_no == 1 {
                format!("finish: {}", count_calls(ctx, &wave))
            } else {
                // Why these shots need another: a person's rejection is not a failure.
                let why: std::collections::BTreeSet<&str> = wave
                    .iter()
                    .filter_map(|c| short.get(&c.row.shot).map(String::as_str))
                    .collect();
                format!(
                    "finish: {} more, from the next ranked draft ({})",
                    count_calls(ctx, &wave),
                    if why.is_empty() {
                        "a final fell short".to_string()
                    } else {
                        why.into_iter().collect::<Vec<_>>().join("; ")
                    }
                )
            },
        );
        let results = exec.execute(wave).await;
        // The vision judge sees the finals too, as it saw the drafts: on a vendor's image its
        // decided verdicts stand over the pixel judge's, at the gate that decides delivery.
        let visions = vision_round(ctx, exec, results.iter().map(|(c, d)| (c, d))).await;
        for (call, done) in results {
            let shot = call.row.shot.clone();
            match done {
                Done::Image(png) => {
                    // Finished images are judged again: a finish may lose what the draft had.
                    let vision = visions.get(&call.row.id);
                    let Some((scored, judgements)) = judge(ctx, brand, &call, &png, &[], vision)
                    else {
                        short.insert(shot, "the finished image could not be judged".into());
                        continue;
                    };
                    super::judge::record_scores(
                        ctx,
                        &call.row.id,
                        judgements.iter().filter(|j| j.judge != "novelty"),
                    );
                    super::judge::record_disagreements(ctx, &call.row.id, &scored);
                    let verdict = gate(ctx, &scored, false);
                    ctx.keep(ctx.ledger.record_decision(
                        &call.row.id,
                        DecisionKind::FinishGate,
                        verdict.unwrap_or(Reason::Passed),
                        Some(&scored.rank_key()),
                    ));
                    let rejected = human
                        .get(&call.row.id)
                        .and_then(|h| h.decision)
                        .is_some_and(|a| a == HumanAction::Reject);
                    match verdict {
                        // A final a person rejected is not delivered: the next spare is
                        // finished, as when a finish fails its gates.
                        None if rejected => {
                            ctx.keep(ctx.ledger.record_decision(
                                &call.row.id,
                                DecisionKind::Review,
                                Reason::PersonRejected,
                                Some(&scored.rank_key()),
                            ));
                            short.insert(shot, "a person rejected the final".into());
                        }
                        None => finished.entry(shot).or_default().push((call, png)),
                        Some(reason) => {
                            short.insert(
                                shot,
                                format!("the finished image failed its gate: {reason}"),
                            );
                        }
                    }
                }
                Done::Failed(why) => {
                    short.insert(shot, format!("finish failed: {why}"));
                }
                Done::OverBudget => {}
            }
        }
    }

    Finished {
        finished,
        short,
        tried,
        drafts,
    }
}

//! Judging: every draft (and every finished image) gets the layout, quality, novelty and brand
//! judges' scores, and, with `[judges] vision`, a vision model's answers, asked through the
//! scheduler like any other paid call. The output is a [`Scored`] image and the judgements to
//! record.

use std::collections::BTreeMap;
use std::sync::Arc;

use darkroom_core::judge::{ImageRef, Judge, Judgement, Verdict};
use darkroom_core::provider::ProviderError;
use darkroom_judges::brand::BrandJudge;
use darkroom_judges::layout::LayoutJudge;
use darkroom_judges::novelty::Siblings;
use darkroom_judges::quality::{QualityJudge, Requested};
use darkroom_ledger::{AttemptRow, Tier};
use darkroom_providers::AnyProvider;

use crate::scheduler::{scheduled, Call, Done, Exec, How, Reply, Work};
use crate::Ctx;

/// A judged draft.
#[derive(Clone)]
pub(crate) struct Scored {
    pub call: Call,
    pub png: Vec<u8>,
    pub adherence: f64,
    pub on_palette: f64,
    pub sharpness: f64,
    pub phash: u64,
    pub failed_questions: Vec<String>,
    /// Checklist items the pixel and vision judges decided oppositely.
    pub disagreements: Vec<Disagreement>,
}

/// A checklist item the two judges answered oppositely (the vision verdict stood).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Disagreement {
    pub question: String,
    pub pixel: Verdict,
    pub vision: Verdict,
}

impl Disagreement {
    /// As the ledger keeps it (the decision's detail).
    pub(crate) fn detail(&self) -> String {
        serde_json::json!({
            "question": self.question,
            "pixel": self.pixel.as_str(),
            "vision": self.vision.as_str(),
        })
        .to_string()
    }
}

impl Scored {
    pub fn rank_key(&self) -> String {
        format!(
            "{:.4}/{:.4}/{:.4}/{}",
            self.adherence, self.on_palette, self.sharpness, self.call.row.id
        )
    }
}

/// What the pixel judges see in an image on its own: its checklist, and the layout, quality
/// and brand judgements and perceptual hash. It needs neither the image's siblings nor a vision
/// model's answers, so it is computed as each image arrives, on the runtime's blocking pool,
/// beside the calls still in flight ([`crate::scheduler::Exec::execute_looked`]).
pub(crate) struct Looked {
    scene: darkroom_prompt::Scene,
    layout: Judgement,
    quality: Judgement,
    brand: Option<Judgement>,
    phash: u64,
}

/// [`Looked`] of an image (`None`: it does not decode, or its prompt does not parse).
pub(crate) fn look(brand: Option<&BrandJudge>, call: &Call, png: &[u8]) -> Option<Looked> {
    let img = darkroom_imageops::decode_png(png, &call.row.id, 1 << 26).ok()?;
    let view = ImageRef {
        width: img.width,
        height: img.height,
        rgb: &img.rgb,
    };
    let scene = darkroom_prompt::parse(&call.req.prompt).ok()?;
    let layout = LayoutJudge.judge(view, &scene);
    let quality = QualityJudge.judge(
        view,
        &Requested {
            width: call.req.width,
            height: call.req.height,
        },
    );
    Some(Looked {
        brand: brand.map(|b| b.judge(view, &())),
        phash: darkroom_imageops::phash::phash(&img),
        scene,
        layout,
        quality,
    })
}

/// Judges an image: [`look`], then [`settle`].
pub(crate) fn judge(
    ctx: &Ctx,
    brand: Option<&BrandJudge>,
    call: &Call,
    png: &[u8],
    siblings: &[u64],
    vision: Option<&Judgement>,
) -> Option<(Scored, Vec<Judgement>)> {
    let looked = look(brand, call, png)?;
    Some(settle(ctx, call, png, looked, siblings, vision))
}

/// The judgement of an image once its siblings and the vision model's answers are known: the
/// novelty verdict against the siblings, the pixel and vision verdicts merged, a person's
/// answers over both, and the scores the gates read.
pub(crate) fn settle(
    ctx: &Ctx,
    call: &Call,
    png: &[u8],
    looked: Looked,
    siblings: &[u64],
    vision: Option<&Judgement>,
) -> (Scored, Vec<Judgement>) {
    let Looked {
        scene,
        layout,
        quality,
        brand: brand_j,
        phash,
    } = looked;
    let novelty = darkroom_judges::novelty::judge_hash(
        phash,
        &Siblings {
            hashes: siblings.to_vec(),
            threshold: ctx.campaign.gates.near_duplicate,
        },
    );
    // With a vision judge, adherence counts each checklist item once. On a render of the
    // built-in renderer (flat colours, clean edges) the pixel judge's decided verdict stands and
    // the vision model fills what it could not decide; on anything else the vision model's
    // decided verdict stands (shading, texture and real objects are what it reads better), and
    // where the two gave opposite verdicts the disagreement is kept for a person's look.
    let renders = ctx
        .providers
        .get(&call.row.provider)
        .is_some_and(|p| darkroom_core::provider::Provider::capabilities(p.as_ref()).rerenders);
    let (mut merged, disagreements) =
        darkroom_judges::vision::merge(&layout.findings, vision, renders);
    // A person's yes or no on a question of this image (said in review) is the truth for it:
    // it overrides every judge's verdict there, and the gate counts it.
    if let Some(said) = ctx.human.get(&call.row.id) {
        for f in merged.iter_mut() {
            if let Some(&holds) = f.assertion.and_then(|a| said.verdicts.get(&a)) {
                f.verdict = if holds { Verdict::Yes } else { Verdict::No };
                f.confidence = 1.0;
                f.evidence = format!("a person said {}", if holds { "yes" } else { "no" });
            }
        }
    }
    // The gate counts a "no" only on evidence at least as strong as `[gates] confidence`; the
    // weaker ones stay in the findings and on the card, but reject nothing.
    let min_confidence = ctx.campaign.gates.confidence;
    let failed_questions = merged
        .iter()
        .filter(|f| f.verdict == Verdict::No && f.confidence >= min_confidence)
        .filter_map(|f| f.assertion.map(|a| scene.checklist[a].question.clone()))
        .collect();
    let adherence = Judgement::gated_adherence(&merged, min_confidence);
    let disagreements = disagreements
        .into_iter()
        .filter_map(|(a, pixel, seen)| {
            let q = scene.checklist.get(a)?;
            Some(Disagreement {
                question: q.question.clone(),
                pixel,
                vision: seen,
            })
        })
        .collect();
    let s = Scored {
        call: call.clone(),
        png: png.to_vec(),
        adherence: adherence.unwrap_or(1.0),
        on_palette: brand_j.as_ref().and_then(|b| b.score).unwrap_or(1.0),
        sharpness: quality.metric("sharpness").unwrap_or(0.0),
        phash,
        failed_questions,
        disagreements,
    };
    let mut all = vec![layout, quality, novelty];
    all.extend(brand_j);
    all.extend(vision.cloned());
    (s, all)
}

/// Keeps where the pixel and vision judges disagreed on an image (a draft or a final), so the
/// report and a reviewer can look.
pub(crate) fn record_disagreements(ctx: &Ctx, attempt: &str, scored: &Scored) {
    for d in &scored.disagreements {
        ctx.keep(ctx.ledger.record_decision(
            attempt,
            darkroom_ledger::DecisionKind::Disagreement,
            darkroom_ledger::Reason::JudgesDisagree,
            Some(&d.detail()),
        ));
    }
}

/// The vision judge over a batch of drafts: one call per image, as many at once as the vision
/// provider allows. Each call is an attempt of tier `judge` in the ledger: its worst case is
/// reserved against the budget before it is sent, its reported cost settled after, and its reply
/// stored, so a resumed run reuses the answer instead of asking again.
pub(crate) async fn vision_round<'a>(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    results: impl Iterator<Item = (&'a Call, &'a Done)>,
) -> BTreeMap<String, Judgement> {
    let mut handles = Vec::new();
    for (call, done) in results {
        let Done::Image(png) = done else { continue };
        let Ok(scene) = darkroom_prompt::parse(&call.req.prompt) else {
            continue;
        };
        if let Some(h) = ask_about(ctx, exec, &call.row, png.clone(), scene) {
            handles.push(h);
        }
    }
    let mut out = BTreeMap::new();
    for h in handles {
        if let Ok(Some((id, j))) = h.await {
            out.insert(id, j);
        }
    }
    out
}

/// Asks the campaign's vision judge about one image, the one `of` made (or, for an audit, the
/// image it stands for): an attempt of tier `judge` named after it and the vision model, asked
/// through the scheduler. `None` without a vision judge; the task yields `(of's id, judgement)`,
/// or nothing when the ask failed or the budget refused it.
pub(crate) fn ask_about(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    of: &AttemptRow,
    png: Vec<u8>,
    scene: darkroom_prompt::Scene,
) -> Option<tokio::task::JoinHandle<Option<(String, Judgement)>>> {
    let name = ctx.campaign.vision.clone()?;
    ctx.providers.get(&name)?;
    let sem = exec.sems.get(&name)?.clone();
    let (ctx, stop, reused, denied) = (
        ctx.clone(),
        exec.stop.clone(),
        exec.reused.clone(),
        exec.denied.clone(),
    );
    let of = of.clone();
    Some(tokio::spawn(async move {
        let instructions = darkroom_judges::vision::instructions(&scene);
        let model = ctx.campaign.providers[&name]
            .model
            .clone()
            .unwrap_or_default();
        let row = AttemptRow {
            id: format!(
                "{}-vision-{:08x}",
                of.id,
                darkroom_campaign::plan::hash_u64(&[&name, &model]) as u32
            ),
            shot: of.shot.clone(),
            tier: Tier::Judge,
            round: of.round,
            variant: of.variant,
            provider: name.clone(),
            model,
            seed: of.seed,
            params: serde_json::json!({"judges": of.id, "questions": scene.checklist.len()})
                .to_string(),
        };
        ctx.keep(ctx.ledger.plan(std::slice::from_ref(&row)))?;
        let ins = instructions.clone();
        let worst = move |p: &AnyProvider| p.ask_price(&ins);
        let (ins, image) = (instructions.clone(), png.clone());
        let work: Work = Arc::new(move |p: &AnyProvider, how: How<'_>| {
            // The vision providers keep no handles: nothing to collect.
            if let How::Collect(_) = how {
                return Ok(None);
            }
            let (text, cost, latency) = p.ask(&ins, &image).unwrap_or_else(|| {
                Err(ProviderError::Invalid(
                    "this provider cannot answer questions about images".into(),
                ))
            })?;
            Ok(Some(Reply {
                bytes: text.into_bytes(),
                ext: "txt",
                cost,
                model_version: None,
                reported: Some(latency),
                sleep: None,
                mutation: None,
                backend: None,
                upstream: None,
            }))
        });
        // The same call path as the images: budget, pacing, store, settle, retry by class.
        let reply = match scheduled(
            &ctx, &sem, &stop, &reused, &denied, &row, &worst, work, true,
        )
        .await
        {
            Done::Image(bytes) => String::from_utf8(bytes).ok()?,
            Done::Failed(_) | Done::OverBudget => return None,
        };
        let img = darkroom_imageops::decode_png(&png, &of.id, 1 << 26).ok()?;
        let view = ImageRef {
            width: img.width,
            height: img.height,
            rgb: &img.rgb,
        };
        let j = darkroom_judges::vision::VisionJudge::new(Box::new(move |_, _| Ok(reply.clone())))
            .judge(view, &scene);
        Some((of.id.clone(), j))
    }))
}

/// Records the judges' scores of one attempt, each judgement as JSON beside its score, in one
/// ledger statement (the draft and finish stages both record theirs so).
/// A judgement as a row of the scores table: `(attempt, judge, score, judgement JSON)`, for
/// [`darkroom_ledger::Ledger::record_scores_of`].
pub(crate) fn score_rows<'a>(
    attempt: &str,
    judgements: impl Iterator<Item = &'a Judgement>,
) -> Vec<(String, String, Option<f64>, String)> {
    judgements
        .map(|j| {
            (
                attempt.to_string(),
                j.judge.clone(),
                j.score,
                serde_json::to_string(j).unwrap_or_default(),
            )
        })
        .collect()
}

pub(crate) fn record_scores<'a>(
    ctx: &Ctx,
    attempt: &str,
    judgements: impl Iterator<Item = &'a Judgement>,
) {
    let rows: Vec<(String, Option<f64>, String)> = judgements
        .map(|j| {
            (
                j.judge.clone(),
                j.score,
                serde_json::to_string(j).unwrap_or_default(),
            )
        })
        .collect();
    ctx.keep(ctx.ledger.record_scores(attempt, &rows));
}

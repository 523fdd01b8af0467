//! A person's fix of one file on a campaign's provider (`darkroom upscale|extend|inpaint IMAGE
//! --provider NAME --campaign FILE`): one call through the scheduler into the campaign's own
//! ledger, so it is reserved against the campaign's budget, retried by error class like every
//! other call, recorded with what it cost (tier `fix`), and never paid twice — the same fix
//! asked again is answered from the ledger.

use std::path::Path;

use darkroom_campaign::Campaign;
use darkroom_core::provider::{Cost, Request};
use darkroom_ledger::RunStatus;

use crate::scheduler::{Done, Exec};
use crate::{EngineError, Options};

/// What a fix brought back.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The image.
    pub png: Vec<u8>,
    /// What the ledger booked for it when it was bought.
    pub cost: Cost,
    /// The model version the provider reported.
    pub model_version: Option<String>,
    /// The attempt's id in the campaign's ledger.
    pub attempt: String,
    /// Whether an earlier identical fix answered it (nothing was sent).
    pub reused: bool,
}

/// Makes `req` on the campaign's provider `provider` (see the module documentation). `base`
/// resolves a relative output folder.
pub fn fix(
    campaign: Campaign,
    base: &Path,
    provider: &str,
    req: Request,
) -> Result<Fixed, EngineError> {
    let out = base.join(&campaign.output);
    let name = provider.to_string();
    let session = crate::open(
        campaign,
        out,
        Options::default(),
        &|n| n == name,
        "darkroom run --rebuy",
    )?;
    let ctx = session.ctx.clone();
    let run_id = ctx
        .ledger
        .start_run(&format!("{} (fix)", ctx.campaign.name))?;
    let result = crate::stages::runtime().and_then(|rt| {
        rt.block_on(async {
            let exec = Exec::new(&ctx)?;
            let op = req.op.as_str();
            let call = exec.call(darkroom_ledger::Tier::Fix, 1, 0, op, provider, req);
            let id = call.row.id.clone();
            let done = exec.one_call(call).await;
            if let Some(e) = ctx.fatal.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return Err(e);
            }
            let reused = exec.reused.load(std::sync::atomic::Ordering::Relaxed) > 0;
            let denied = exec.denied.lock().unwrap_or_else(|p| p.into_inner()).take();
            Ok((id, done, reused, denied))
        })
    });
    let (id, done, reused, denied) = match result {
        Ok(x) => x,
        Err(e) => return Err(session.failed(run_id, e)),
    };
    match done {
        Done::Image(png) => {
            ctx.ledger.finish_run(run_id, RunStatus::Complete)?;
            let row = ctx.ledger.attempt(&id)?;
            // What the result cost when it was bought (a reused one was not paid again).
            let booked = row.as_ref().and_then(|r| r.cost).unwrap_or(0.0);
            Ok(Fixed {
                png,
                cost: if ctx.in_money {
                    Cost::from_usd(booked)
                } else {
                    Cost::from_credits(booked)
                },
                model_version: row.and_then(|r| r.model_version),
                attempt: id,
                reused,
            })
        }
        Done::Failed(f) => {
            ctx.ledger.finish_run(run_id, RunStatus::FailedItems)?;
            Err(EngineError::CallFailed {
                provider: provider.to_string(),
                class: f.class.to_string(),
                message: f.message,
            })
        }
        Done::OverBudget => {
            ctx.ledger.finish_run(run_id, RunStatus::BudgetExhausted)?;
            Err(EngineError::OverBudget(denied.map_or_else(
                || "the budget cannot cover the call".to_string(),
                |b| b.to_string(),
            )))
        }
    }
}

/// The request of a paid in-paint of `parent` (its PNG and size): the parent as the reference,
/// the mask (a PNG, white where the image changes) and what goes there. Its seed comes from the
/// version's id, so the same fix asked again is the same call (answered from the ledger).
pub fn inpaint_request(
    version: &str,
    parent: (Vec<u8>, u32, u32),
    mask_png: Vec<u8>,
    prompt: &str,
) -> Request {
    let (png, width, height) = parent;
    Request {
        prompt: prompt.to_string(),
        seed: u64::from_str_radix(version.get(..12).unwrap_or("0"), 16).unwrap_or(0),
        width,
        height,
        quality: darkroom_core::Quality::Finish,
        reference: Some(png),
        op: darkroom_core::provider::Op::Inpaint { mask: mask_png },
    }
}

/// Scores a version made in review with the judges the funnel uses on every image it makes
/// (layout against the prompt; the brand's palette when the campaign has one), records the
/// scores under the version's id, and returns them (layout first).
pub fn judge_version(
    ledger: &darkroom_ledger::Ledger,
    id: &str,
    img: &darkroom_imageops::RgbImage,
    scene: &darkroom_prompt::Scene,
    brand: Option<&darkroom_color::brand::Brand>,
) -> Result<Vec<darkroom_core::judge::Judgement>, EngineError> {
    use darkroom_judges::Judge as _;
    let view = darkroom_judges::ImageRef {
        width: img.width,
        height: img.height,
        rgb: &img.rgb,
    };
    let mut all = vec![darkroom_judges::layout::LayoutJudge.judge(view, scene)];
    if let Some(b) = brand {
        all.push(darkroom_judges::brand::BrandJudge::new(b.clone()).judge(view, &()));
    }
    let rows: Vec<(String, Option<f64>, String)> = all
        .iter()
        .map(|j| {
            (
                j.judge.clone(),
                j.score,
                serde_json::to_string(j).unwrap_or_default(),
            )
        })
        .collect();
    ledger.record_scores(id, &rows)?;
    Ok(all)
}

/// The prompt an attempt or a version (through its parents) was made from.
pub fn prompt_of(
    ledger: &darkroom_ledger::Ledger,
    id: &str,
) -> Result<Option<String>, darkroom_ledger::LedgerError> {
    let mut id = id.to_string();
    for _ in 0..64 {
        if let Some(a) = ledger.attempt(&id)? {
            return Ok(crate::prompt_of_params(&a.params));
        }
        match ledger.version(&id)? {
            Some(v) => id = v.parent,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// What became of the queued fixes [`make_queued`] looked at.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MadeQueued {
    /// Made now: their versions.
    pub made: Vec<String>,
    /// Failed, with why.
    pub failed: Vec<(String, String)>,
    /// Still queued: another process holds the campaign.
    pub waiting: usize,
}

/// Makes the paid fixes review queued while a run held the campaign (see
/// [`darkroom_ledger::QueuedFix`]), oldest first, each by [`fix`] — under the campaign's lock,
/// through the one call path — its version recorded and judged. Stops, leaving the rest queued,
/// when another process holds the campaign; `run` calls it once its funnel is done, and the
/// review app whenever the lock is free.
pub fn make_queued(campaign: &Campaign, base: &Path) -> Result<MadeQueued, EngineError> {
    let out = base.join(&campaign.output);
    let ledger = crate::open_ledger(campaign, &out)?;
    let queued: Vec<darkroom_ledger::QueuedFix> = ledger
        .queued_fixes()?
        .into_iter()
        .filter(|q| q.state == darkroom_ledger::FixState::Queued)
        .collect();
    let mut done = MadeQueued::default();
    if queued.is_empty() {
        return Ok(done);
    }
    let store = darkroom_ledger::Store::open(out.join("store"), campaign.store.as_deref())?;
    let read = |hash: Option<String>, what: &str| -> Result<Vec<u8>, String> {
        let path = hash
            .and_then(|h| store.find(&h))
            .ok_or(format!("{what} is not in the store"))?;
        std::fs::read(&path).map_err(|e| format!("{what}: {}: {e}", path.display()))
    };
    for (n, q) in queued.iter().enumerate() {
        let inputs = ledger
            .asset_of(&q.parent)
            .map_err(|e| e.to_string())
            .and_then(|h| read(h, "the image to fix"))
            .and_then(|png| {
                let img = darkroom_imageops::decode_png(&png, &q.parent, 1 << 26)
                    .map_err(|e| e.to_string())?;
                Ok((png, img))
            })
            .and_then(|(png, img)| Ok((png, img, read(Some(q.mask.clone()), "the mask")?)));
        let (png, img, mask) = match inputs {
            Ok(x) => x,
            Err(why) => {
                ledger.close_queued_fix(&q.id, Some(&why))?;
                done.failed.push((q.id.clone(), why));
                continue;
            }
        };
        let req = inpaint_request(&q.id, (png, img.width, img.height), mask, &q.prompt);
        match fix(campaign.clone(), base, &q.provider, req) {
            Ok(f) => {
                let (asset, _) = store.put(&f.png, "png")?;
                ledger.record_version(&darkroom_ledger::Version {
                    id: q.id.clone(),
                    parent: q.parent.clone(),
                    kind: q.kind.clone(),
                    asset,
                    attempt: Some(f.attempt),
                    detail: Some(
                        serde_json::json!({"prompt": q.prompt, "provider": q.provider}).to_string(),
                    ),
                    who: q.who.clone(),
                    at: 0.0,
                })?;
                let scene =
                    prompt_of(&ledger, &q.id)?.and_then(|p| darkroom_prompt::parse(&p).ok());
                if let (Some(scene), Ok(made)) =
                    (scene, darkroom_imageops::decode_png(&f.png, &q.id, 1 << 26))
                {
                    judge_version(&ledger, &q.id, &made, &scene, campaign.brand.as_ref())?;
                }
                ledger.close_queued_fix(&q.id, None)?;
                done.made.push(q.id.clone());
            }
            Err(EngineError::Ledger(darkroom_ledger::LedgerError::Locked { .. })) => {
                done.waiting = queued.len() - n;
                break;
            }
            Err(e) => {
                let why = e.to_string();
                ledger.close_queued_fix(&q.id, Some(&why))?;
                done.failed.push((q.id.clone(), why));
            }
        }
    }
    Ok(done)
}

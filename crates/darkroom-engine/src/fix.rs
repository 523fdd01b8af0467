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
                class: f.class,
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

//! `run`: a campaign's shots recorded, the funnel run over them, and how each shot and the run
//! ended recorded.
use std::collections::BTreeMap;
use std::path::Path;

use darkroom_campaign::Campaign;

use crate::session::{flush_uploads, open};
use crate::{stages, EngineError, Options, RunReport};

/// Providers a campaign's tiers and vision judge use (the others need no key to run).
fn campaign_uses(campaign: &Campaign) -> impl Fn(&str) -> bool + '_ {
    move |name: &str| {
        campaign.draft.provider == name
            || campaign.finish.provider == name
            || campaign.vision.as_deref() == Some(name)
    }
}

/// Runs (or resumes) a campaign. `base` resolves a relative output folder.
pub fn run(campaign: Campaign, base: &Path, opts: Options) -> Result<RunReport, EngineError> {
    let out = base.join(&campaign.output);
    if let Some(only) = &opts.only {
        if !campaign.shots.iter().any(|s| &s.id == only) {
            let ids: Vec<&str> = campaign.shots.iter().map(|s| s.id.as_str()).collect();
            return Err(EngineError::NoShot(only.clone(), ids.join(", ")));
        }
    }
    let used: std::collections::BTreeSet<String> = campaign
        .providers
        .keys()
        .filter(|n| campaign_uses(&campaign)(n))
        .cloned()
        .collect();
    let session = open(
        campaign,
        out,
        opts,
        &|n| used.contains(n),
        "darkroom run --rebuy",
    )?;
    let ctx = session.ctx.clone();
    let ledger = ctx.ledger.clone();
    // The run and the shots it takes up, in the ledger: `status` says how each
    // run ended and where each shot stands.
    let run_id = ledger.start_run(&ctx.campaign.name)?;
    let shots: Vec<(String, String, u32)> = ctx
        .campaign
        .shots
        .iter()
        .filter(|s| ctx.opts.only.as_ref().is_none_or(|o| *o == s.id))
        .map(|s| (s.id.clone(), s.prompt.clone(), s.finals))
        .collect();
    for (id, prompt, finals) in &shots {
        ledger.record_shot(
            run_id,
            id,
            prompt,
            *finals,
            darkroom_ledger::ShotStatus::Planned,
            None,
        )?;
    }
    let report = match stages::run(ctx.clone()) {
        Ok(r) => r,
        Err(e) => return Err(session.failed(run_id, e)),
    };
    // Paid results kept here while the bucket was down go up before the run ends (for up to the
    // lease); if the bucket stays down the run ends in error, and the next run uploads them.
    if let Err(e) = flush_uploads(&ctx) {
        return Err(session.failed(run_id, EngineError::Ledger(e)));
    }
    use darkroom_ledger::ShotStatus;
    // Indexed once: a shot per lookup, not a scan of every result per shot.
    let mut whys: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (s, w) in &report.failed_shots {
        whys.entry(s.as_str()).or_default().push(w.as_str());
    }
    let delivered_shots: std::collections::BTreeSet<&str> = report
        .deliverables
        .iter()
        .map(|d| d.shot.as_str())
        .collect();
    for (id, prompt, finals) in &shots {
        let why = whys.get(id.as_str()).cloned().unwrap_or_default();
        let delivered = delivered_shots.contains(id.as_str());
        let (status, reason) = match (why.is_empty(), delivered) {
            (true, true) => (ShotStatus::Delivered, None),
            (false, _) => (ShotStatus::Failed, Some(why.join("; "))),
            // Not reached: the budget or a signal stopped the run first.
            (true, false) => (
                ShotStatus::Planned,
                if report.interrupted {
                    Some("not reached: the run was interrupted".to_string())
                } else if report.budget_exhausted {
                    Some("not reached: the budget left could not cover it".to_string())
                } else {
                    None
                },
            ),
        };
        ledger.record_shot(run_id, id, prompt, *finals, status, reason.as_deref())?;
    }
    use darkroom_ledger::RunStatus;
    let how = if report.interrupted {
        RunStatus::Interrupted
    } else if report.budget_exhausted {
        RunStatus::BudgetExhausted
    } else if !report.failed_shots.is_empty() {
        RunStatus::FailedItems
    } else {
        RunStatus::Complete
    };
    ledger.finish_run(run_id, how)?;
    // A worker that ends holds nothing: `status` shows it finished, not lost.
    if let Some(id) = ledger.worker() {
        ledger.finish_worker(id)?;
    }
    Ok(report)
}

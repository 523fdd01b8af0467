//! `audit judges --photos DIR --vision CAMPAIGN`: the campaign's vision judge asked about each
//! labelled photograph, through the one call path (budget reservation, ledger, retry by error
//! class) into a folder of its own (`<output>/audit-photos`: its ledger and store, capped by the
//! campaign's budget). So the audit is budgeted, resumable (a second audit asks nothing its
//! ledger has) and recorded, and what it measures is the judge a run on photographs uses: the
//! vision model's decided verdicts, the pixel judge's where the model did not decide.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use darkroom_campaign::Campaign;
use darkroom_core::judge::Judgement;
use darkroom_ledger::{AttemptRow, Tier};

use crate::scheduler::Exec;
use crate::{BudgetStop, EngineError, Options};

/// One labelled case to ask about.
#[derive(Debug, Clone)]
pub struct PhotoQuestion {
    /// The image's file name in the set.
    pub image: String,
    /// The PNG's bytes.
    pub png: Vec<u8>,
    /// The prompt whose checklist is asked.
    pub prompt: String,
}

impl PhotoQuestion {
    /// The case's id: the same image and prompt are the same question, in any audit.
    pub fn key(&self) -> String {
        let mut bytes = self.png.clone();
        bytes.push(0);
        bytes.extend_from_slice(self.prompt.as_bytes());
        format!("photo-{}", &darkroom_ledger::content_hash(&bytes)[..16])
    }
}

/// What the vision judge answered.
#[derive(Debug, Default)]
pub struct PhotoAnswers {
    /// By [`PhotoQuestion::key`].
    pub answers: BTreeMap<String, Judgement>,
    /// Asks sent now.
    pub sent: u64,
    /// Answers taken from the folder's ledger instead of asking again.
    pub reused: u64,
    /// What the folder's ledger has spent in all.
    pub spent: f64,
    /// Where the budget stopped the audit, if it did.
    pub budget_stop: Option<BudgetStop>,
    /// Stopped by a signal.
    pub interrupted: bool,
}

/// Asks `campaign`'s vision judge (`[judges] vision`) about every question, from the folder
/// `out`; see the module documentation.
pub fn ask_photos(
    mut campaign: Campaign,
    out: PathBuf,
    questions: Vec<PhotoQuestion>,
    opts: Options,
) -> Result<PhotoAnswers, EngineError> {
    // The audit's own ledger and store, never the campaign's shared ones.
    campaign.ledger = None;
    campaign.store = None;
    let vision = campaign.vision.clone();
    let session = crate::open(
        campaign,
        out,
        opts,
        &|name| vision.as_deref() == Some(name),
        "darkroom audit judges --photos DIR --vision CAMPAIGN --rebuy",
    )?;
    let ctx = session.ctx.clone();
    let run_id = ctx.ledger.start_run("audit judges --photos")?;
    let result = crate::stages::runtime().and_then(|rt| rt.block_on(ask_all(&ctx, questions)));
    let answers = match result {
        Ok(a) => a,
        Err(e) => return Err(session.failed(run_id, e)),
    };
    ctx.ledger.finish_run(
        run_id,
        crate::audit::ending(answers.interrupted, answers.budget_stop.is_some()),
    )?;
    Ok(answers)
}

async fn ask_all(
    ctx: &Arc<crate::Ctx>,
    questions: Vec<PhotoQuestion>,
) -> Result<PhotoAnswers, EngineError> {
    let exec = Exec::new(ctx)?;
    let mut handles = Vec::new();
    for q in questions {
        let Ok(scene) = darkroom_prompt::parse(&q.prompt) else {
            continue;
        };
        // What the ask is about: the case, as the judge attempt of a draft is about the draft.
        let of = AttemptRow {
            id: q.key(),
            shot: q.image.clone(),
            tier: Tier::Audit,
            round: 1,
            variant: 0,
            provider: String::new(),
            model: String::new(),
            seed: 0,
            params: String::new(),
        };
        if let Some(h) = crate::stages::judge::ask_about(ctx, &exec, &of, q.png, scene) {
            handles.push(h);
        }
    }
    let mut answers = BTreeMap::new();
    for h in handles {
        if let Ok(Some((id, j))) = h.await {
            answers.insert(id, j);
        }
    }
    if let Some(e) = ctx.fatal.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    let interrupted = exec.interrupted.load(Ordering::SeqCst);
    Ok(PhotoAnswers {
        answers,
        sent: ctx.sent.load(Ordering::Relaxed),
        reused: exec.reused.load(Ordering::Relaxed),
        spent: ctx.ledger.totals()?.settled,
        budget_stop: if interrupted {
            None
        } else {
            exec.denied.lock().unwrap_or_else(|p| p.into_inner()).take()
        },
        interrupted,
    })
}

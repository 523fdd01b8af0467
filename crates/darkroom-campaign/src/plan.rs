//! Campaign → plan: the first round of draft attempts, with deterministic ids, and an estimate.
//!
//! An attempt's id is a hash of what determines its output — provider, model, prompt, seed,
//! pixel size, quality, reference image and operation ([`attempt_id`]) — so the same campaign
//! always plans the same ids, and an id already done in the ledger is never called again. Seeds
//! are pinned by the shot (`seed + k`, `+ 1000` a round) or derived from the campaign, shot, round
//! and variant ([`draft_seed`]), never from the clock. The engine makes its calls with these two
//! functions, so `check` shows the ids `run` uses.

use darkroom_core::provider::{Op, Request};
use darkroom_core::{resolve_dims, Quality};

use crate::validate::{Campaign, Provider, ProviderKind, Shot, Tier};

/// FNV-1a over parts separated by `0x1f`, top bit cleared: the hash of attempt ids and seeds.
/// Its output is stored in every ledger, so it never changes.
pub fn hash_u64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0x1f]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
        }
    }
    h >> 1
}

/// The deterministic id of a call to provider `provider` (its name in the campaign) with `model`
/// (as the campaign names it, empty when unset): 16 hex digits.
pub fn attempt_id(provider: &str, model: &str, req: &Request) -> String {
    let q = req.quality.to_string();
    let (s, d) = (
        req.seed.to_string(),
        format!("{}x{}", req.width, req.height),
    );
    let refd = req.reference.as_ref().map_or(0, |r| {
        hash_u64(&[&String::from_utf8_lossy(&r[..r.len().min(4096)])])
    });
    let refd = refd.to_string();
    let mut parts = vec![provider, model, &req.prompt, &s, &d, &q, &refd];
    // Finishing operations are other calls; plain generation keeps the ids it always had.
    let op = match &req.op {
        Op::Generate => String::new(),
        Op::Upscale { mode } => format!("upscale:{mode}"),
        Op::Inpaint { mask } => format!(
            "inpaint:{:x}",
            hash_u64(&[&String::from_utf8_lossy(&mask[..mask.len().min(4096)])])
        ),
        other => other.as_str().to_string(),
    };
    if !op.is_empty() {
        parts.push(&op);
    }
    format!("{:016x}", hash_u64(&parts))
}

/// The seed of a shot's `k`-th draft in `round` (from 1).
pub fn draft_seed(campaign: &str, shot: &Shot, round: u32, k: u32) -> u64 {
    match shot.seed {
        Some(b) => b.wrapping_add(u64::from(k) + u64::from(round.max(1) - 1) * 1000),
        None => hash_u64(&[campaign, &shot.id, &round.to_string(), &k.to_string()]),
    }
}

/// A shot's draft request in `round` (the prompt as refined for that round).
pub fn draft_request(c: &Campaign, shot: &Shot, round: u32, k: u32, prompt: &str) -> Request {
    let aspect = shot
        .deliver
        .first()
        .copied()
        .unwrap_or(darkroom_core::Aspect::SQUARE);
    let (width, height) = resolve_dims(c.draft.size, Some(aspect)).unwrap_or((512, 512));
    Request {
        prompt: prompt.to_string(),
        seed: draft_seed(&c.name, shot, round, k),
        width,
        height,
        quality: c.draft.quality,
        reference: None,
        op: Op::Generate,
    }
}

/// The finish request for a promoted draft of `shot`: the draft's prompt and seed at the
/// finish tier's size (in the shot's first aspect) and quality, with the draft as `reference`
/// when the finish provider edits. The engine finishes with it and the plan prices it.
pub fn finish_request(
    c: &Campaign,
    shot: &Shot,
    draft: &Request,
    reference: Option<Vec<u8>>,
) -> Request {
    let aspect = shot
        .deliver
        .first()
        .copied()
        .unwrap_or(darkroom_core::Aspect::SQUARE);
    let (width, height) = dims(&c.finish, aspect);
    Request {
        prompt: draft.prompt.clone(),
        seed: draft.seed,
        width,
        height,
        quality: c.finish.quality,
        reference,
        op: Op::Generate,
    }
}

/// The request of a model audit's `repeat`-th image of the suite prompt `id` at `width ×
/// height`: the seed is derived from the prompt's id and the repeat, so a second audit asks the
/// same calls (and finds them done in its ledger).
pub fn audit_request(id: &str, prompt: &str, repeat: u32, (width, height): (u32, u32)) -> Request {
    // The rule the audit always used (kept, so earlier audits' images stay comparable).
    let seed = darkroom_core::rand::mix(
        id.bytes().fold(0x5eed_u64, |a, b| {
            a.wrapping_mul(31).wrapping_add(u64::from(b))
        }) ^ u64::from(repeat),
    );
    Request {
        prompt: prompt.to_string(),
        seed,
        width,
        height,
        quality: Quality::Draft,
        reference: None,
        op: Op::Generate,
    }
}

/// One planned provider call.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Deterministic id (16 hex digits).
    pub id: String,
    /// The shot it is for.
    pub shot: String,
    /// Variant index within the round.
    pub variant: u32,
    /// Provider name.
    pub provider: String,
    /// Provider family.
    pub kind: ProviderKind,
    /// Model id (empty for the built-in renderer).
    pub model: String,
    /// The prompt sent.
    pub prompt: String,
    /// The seed.
    pub seed: u64,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// Quality tier.
    pub quality: Quality,
}

/// What a campaign is expected to cost and take.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Draft calls in the first round.
    pub draft_calls: u32,
    /// Finish calls expected: each shot's `finals` promoted drafts re-made at the finish tier
    /// (and a Stability finish's out-paints).
    pub finish_calls: u32,
    /// Finish calls if finishes fail and every spare up to `keep` is promoted.
    pub finish_calls_worst: u32,
    /// Calls made to deliver the other aspects (the `sketch` renderer re-renders each one;
    /// a Stability finish's out-paints are counted in `finish_calls`).
    pub deliver_calls: u32,
    /// Files delivered (finals × aspect ratios).
    pub deliverables: u32,
    /// USD if every shot passes in its first round.
    pub money_expected: f64,
    /// USD of one round of drafts for every shot.
    pub draft_round_money: f64,
    /// USD of the expected finishing (every shot's finals, a Stability finish's out-paints).
    pub finish_money: f64,
    /// Draft rounds at most.
    pub max_rounds: u32,
    /// USD if every shot uses every round.
    pub money_worst: f64,
    /// Wall seconds expected at the providers' concurrency (first round, then finishing).
    pub seconds_expected: f64,
    /// Per shot, in campaign order: `(id, USD of one round of its drafts, USD of its finishing)`.
    pub shots: Vec<(String, f64, f64)>,
}

impl Estimate {
    /// Expected USD when each draft passes the gates with probability `p` (independently): a
    /// shot drafts another round only while none of its `variants` passed, up to `max_rounds`,
    /// and is finished only if one did.
    pub fn expected_at(&self, p: f64, variants: u32) -> f64 {
        let (rounds, reached) = self.weights(p, variants);
        self.draft_round_money * rounds + self.finish_money * reached
    }

    /// Expected draft rounds per shot, and the chance a shot reaches finishing.
    fn weights(&self, p: f64, variants: u32) -> (f64, f64) {
        let p = p.clamp(0.0, 1.0);
        // Chance that a round yields nothing for a shot.
        let q = (1.0 - p).powi(variants as i32);
        let rounds: f64 = (0..self.max_rounds).map(|r| q.powi(r as i32)).sum();
        (rounds, 1.0 - q.powi(self.max_rounds as i32))
    }

    /// How many shots, taken in campaign order, a budget of `usd` is expected to cover at
    /// draft pass rate `p`: what a run with that budget delivers, since it finishes the shots
    /// that fit before drafting the next.
    pub fn shots_covered(&self, usd: f64, p: f64, variants: u32) -> usize {
        let (rounds, reached) = self.weights(p, variants);
        let mut sum = 0.0;
        self.shots
            .iter()
            .take_while(|(_, d, f)| {
                sum += d * rounds + f * reached;
                sum <= usd + 1e-9
            })
            .count()
    }
}

/// The first round of drafts and the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Draft attempts, shot by shot.
    pub attempts: Vec<Attempt>,
    /// The estimate.
    pub estimate: Estimate,
}

/// Price (USD, its worst case) and typical latency (s) of `req` on provider `p`: the
/// campaign's `prices` override where it has one, else the catalogue's list price — the same
/// figure the budget reserves before the call ([`darkroom_core::catalog::quote`]).
pub fn price(p: &Provider, req: &Request) -> (f64, f64) {
    let q = darkroom_core::catalog::quote(p.kind, p.model_or_default().unwrap_or(""), req);
    (
        p.prices
            .and_then(|x| x.usd(req.width, req.height))
            .unwrap_or(q.cost.usd),
        q.typical_secs,
    )
}

/// What provider `p` can do (the catalogue's).
fn can(p: &Provider) -> darkroom_core::provider::Capabilities {
    darkroom_core::catalog::capabilities(p.kind, p.model_or_default().unwrap_or(""))
}

fn dims(t: &Tier, aspect: darkroom_core::Aspect) -> (u32, u32) {
    match t.size {
        darkroom_core::SizeSpec::Exact { width, height } => (width, height),
        s => resolve_dims(s, Some(aspect)).unwrap_or((512, 512)),
    }
}

/// Plans a validated campaign.
pub fn plan(c: &Campaign) -> Plan {
    let mut attempts = Vec::new();
    let dp = &c.providers[&c.draft.provider];
    let fp = &c.providers[&c.finish.provider];
    let (mut draft_money, mut finish_money, mut finish_calls, mut deliverables) =
        (0.0, 0.0, 0u32, 0u32);
    let (mut spare_calls, mut spare_money) = (0u32, 0.0);
    let mut draft_secs = 0.0;
    let mut finish_secs = 0.0;
    let mut per_shot = Vec::with_capacity(c.shots.len());
    let mut deliver_calls = 0u32;
    for s in &c.shots {
        let (d0, f0) = (draft_money, finish_money);
        let aspect = s
            .deliver
            .first()
            .copied()
            .unwrap_or(darkroom_core::Aspect::SQUARE);
        for k in 0..c.draft.variants {
            let model = dp.model.clone().unwrap_or_default();
            let req = draft_request(c, s, 1, k, &s.prompt);
            let (w, h) = (req.width, req.height);
            let (usd, secs) = price(dp, &req);
            draft_money += usd;
            draft_secs += secs;
            attempts.push(Attempt {
                id: attempt_id(&dp.name, &model, &req),
                shot: s.id.clone(),
                variant: k,
                provider: dp.name.clone(),
                kind: dp.kind,
                model,
                prompt: s.prompt.clone(),
                seed: req.seed,
                width: w,
                height: h,
                quality: c.draft.quality,
            });
        }
        // The best `finals` drafts are finished; spares (up to `keep`) only if a finish fails.
        let spares = c.finish.keep.max(s.finals) - s.finals;
        // The finish request the engine makes (a provider that edits is also sent the draft).
        let first = draft_request(c, s, 1, 0, &s.prompt);
        let finish = finish_request(c, s, &first, can(fp).edit.then(Vec::new));
        let (usd, secs) = price(fp, &finish);
        finish_calls += s.finals;
        finish_money += usd * f64::from(s.finals);
        finish_secs += secs * f64::from(s.finals);
        spare_calls += spares;
        spare_money += usd * f64::from(spares);
        deliverables += s.finals * s.deliver.len() as u32;
        // A renderer that re-renders (the sketch renderer) makes each aspect whose pixel size
        // differs from the final's anew.
        if can(fp).rerenders {
            let first = resolve_dims(c.finish.size, Some(aspect)).ok();
            let others = s
                .deliver
                .iter()
                .filter(|a| resolve_dims(c.finish.size, Some(**a)).ok() != first)
                .count() as u32;
            deliver_calls += s.finals * others;
            finish_secs += secs * f64::from(s.finals * others);
        }
        // A finish provider that out-paints extends the final to each other aspect: one paid
        // call per file.
        if can(fp).outpaint {
            let others = s
                .deliver
                .iter()
                .filter(|a| a.ratio() != aspect.ratio())
                .count() as u32;
            let calls = s.finals * others;
            let (usd, secs) = price(
                fp,
                &Request {
                    op: Op::Outpaint,
                    ..finish.clone()
                },
            );
            finish_calls += calls;
            finish_money += usd * f64::from(calls);
            finish_secs += secs * f64::from(calls);
        }
        per_shot.push((s.id.clone(), draft_money - d0, finish_money - f0));
    }
    let rounds = f64::from(c.budget.max_rounds);
    let estimate = Estimate {
        draft_calls: attempts.len() as u32,
        finish_calls,
        finish_calls_worst: finish_calls + spare_calls,
        deliver_calls,
        deliverables,
        money_expected: draft_money + finish_money,
        draft_round_money: draft_money,
        finish_money,
        max_rounds: c.budget.max_rounds,
        money_worst: draft_money * rounds + finish_money + spare_money,
        seconds_expected: draft_secs / f64::from(dp.concurrency)
            + finish_secs / f64::from(fp.concurrency),
        shots: per_shot,
    };
    Plan { attempts, estimate }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(op: Op, reference: Option<Vec<u8>>) -> Request {
        Request {
            prompt: "a red cube".into(),
            seed: 7,
            width: 512,
            height: 512,
            quality: Quality::Draft,
            reference,
            op,
        }
    }

    #[test]
    fn attempt_ids_are_stable_and_change_with_what_changes_the_output() {
        let plain = attempt_id("p", "m", &req(Op::Generate, None));
        // Stored in every ledger: this value may never change.
        assert_eq!(
            plain,
            format!(
                "{:016x}",
                hash_u64(&["p", "m", "a red cube", "7", "512x512", "draft", "0"])
            )
        );
        assert_eq!(plain.len(), 16);
        assert_ne!(plain, attempt_id("q", "m", &req(Op::Generate, None)));
        assert_ne!(plain, attempt_id("p", "m2", &req(Op::Generate, None)));
        assert_ne!(plain, attempt_id("p", "m", &req(Op::Outpaint, None)));
        assert_ne!(
            plain,
            attempt_id("p", "m", &req(Op::Generate, Some(vec![1, 2, 3])))
        );
        let mut bigger = req(Op::Generate, None);
        bigger.width = 1024;
        assert_ne!(plain, attempt_id("p", "m", &bigger));
    }

    #[test]
    fn seeds_come_from_the_shot_or_the_campaign_never_the_clock() {
        let shot = |seed| Shot {
            id: "hero".into(),
            prompt: "a red cube".into(),
            finals: 1,
            deliver: vec![],
            seed,
            written: "a red cube".into(),
            text_by: darkroom_core::text::TextBy::Model,
            text: vec![],
        };
        assert_eq!(draft_seed("c", &shot(Some(100)), 1, 2), 102);
        assert_eq!(draft_seed("c", &shot(Some(100)), 2, 2), 1102);
        let a = draft_seed("c", &shot(None), 1, 0);
        assert_eq!(a, draft_seed("c", &shot(None), 1, 0));
        assert_ne!(a, draft_seed("c", &shot(None), 2, 0));
        assert_ne!(a, draft_seed("other", &shot(None), 1, 0));
    }
}

//! `simulate`: the campaign on the built-in `sim` profiles with a simulated clock, to compare
//! strategies before spending anything — through the same stages, scheduler and ledger as a
//! real run (a scratch ledger per strategy).
//!
//! Both strategies use the campaign's shots, gates, judges, round limit and deliveries; only the
//! models differ. **funnel**: drafts on `fast-draft` at the draft size, the best promoted to `pro`
//! at the finish size. **lottery** (generate, look, generate again): every candidate is made on
//! `pro` at the finish size, and the best ones are the finals. Images are really rendered and
//! judged (by `sketch`, so the run takes seconds, not the minutes the latencies add up to); the
//! clock is simulated: each stage takes `max(longest call, Σ latency / concurrency)` per provider.

use std::collections::BTreeMap;
use std::path::Path;

use darkroom_campaign::{Campaign, Provider, ProviderKind, SimOverrides, Tier};

use crate::EngineError;

/// A strategy to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Generate every candidate on the expensive model at the final size.
    Lottery,
    /// Draft on the fast model, promote the best to the expensive one.
    Funnel,
}

impl Strategy {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Lottery => "lottery",
            Strategy::Funnel => "funnel",
        }
    }
}

/// What one strategy cost.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The strategy.
    pub strategy: &'static str,
    /// Calls, retries included.
    pub calls: u64,
    /// USD settled.
    pub spent_usd: f64,
    /// Finals delivered (one per final, in each shot's first aspect).
    pub assets: u64,
    /// Finals the campaign asks for.
    pub wanted: u64,
    /// The simulated wall time, seconds.
    pub sim_seconds: f64,
    /// Drafts that passed the gates.
    pub passed: u64,
    /// Drafts judged.
    pub judged: u64,
    /// Tier → (calls that were paid or failed, USD settled).
    pub by_tier: BTreeMap<String, (u64, f64)>,
}

impl Outcome {
    /// Cost per successful asset, USD.
    pub fn cpsa(&self) -> Option<f64> {
        (self.assets > 0).then(|| self.spent_usd / self.assets as f64)
    }
}

/// Longest side `simulate` renders at. The simulated images are only judged, and each provider's
/// price is pinned to what the campaign's size costs, so a 2K finish is paid as a 2K finish while
/// its pixels are rendered at 512: the example simulates in seconds instead of most of a minute.
const RENDER_CAP: u32 = 512;

fn capped(size: darkroom_core::SizeSpec) -> darkroom_core::SizeSpec {
    use darkroom_core::SizeSpec;
    match size {
        SizeSpec::LongSide(n) => SizeSpec::LongSide(n.min(RENDER_CAP)),
        SizeSpec::Exact { width, height } => {
            let s = (f64::from(RENDER_CAP) / f64::from(width.max(height))).min(1.0);
            SizeSpec::Exact {
                width: ((f64::from(width) * s).round() as u32).max(1),
                height: ((f64::from(height) * s).round() as u32).max(1),
            }
        }
    }
}

/// The list price of one image of `model` at a tier's size (what the campaign would pay).
fn pinned(model: &str, t: &Tier) -> darkroom_campaign::Prices {
    let (w, h) = darkroom_core::resolve_dims(t.size, None).unwrap_or((1024, 1024));
    let req = darkroom_core::provider::Request {
        prompt: String::new(),
        seed: 0,
        width: w,
        height: h,
        quality: t.quality,
        reference: None,
        op: Default::default(),
    };
    let usd = darkroom_core::catalog::quote(ProviderKind::Sim, model, &req)
        .cost
        .usd;
    darkroom_campaign::Prices {
        image: Some(usd),
        k1: None,
        k2: None,
        k4: None,
    }
}

fn sim_provider(name: &str, model: &str, concurrency: u32) -> Provider {
    Provider {
        name: name.into(),
        kind: ProviderKind::Sim,
        model: Some(model.into()),
        api_key_env: None,
        base_url: None,
        pool: Vec::new(),
        timeout: 120.0,
        concurrency,
        rate_limit: None,
        sim: SimOverrides::default(),
        prices: None,
        workflow: None,
        inputs: Default::default(),
    }
}

/// The campaign rewritten for a strategy, writing under `output`.
fn rewrite(c: &Campaign, s: Strategy, output: &str) -> Campaign {
    let mut c = c.clone();
    c.output = output.into();
    // Its own ledger and store, in its own folder: never the campaign's shared ones.
    c.ledger = None;
    c.store = None;
    c.providers = BTreeMap::from([
        ("fast".to_string(), sim_provider("fast", "fast-draft", 8)),
        ("pro".to_string(), sim_provider("pro", "pro", 4)),
    ]);
    // No cap: the point is what each strategy costs to finish. Spend is counted in USD.
    c.budget.credits = None;
    c.budget.money = Some(1e12);
    c.finish.provider = "pro".into();
    c.draft = match s {
        Strategy::Funnel => Tier {
            provider: "fast".into(),
            ..c.draft.clone()
        },
        Strategy::Lottery => Tier {
            provider: "pro".into(),
            size: c.finish.size,
            quality: c.finish.quality,
            ..c.draft.clone()
        },
    };
    // Prices at the campaign's sizes, pixels at a judging size.
    let (draft_price, pro_price) = (pinned("fast-draft", &c.draft), pinned("pro", &c.finish));
    if let Some(p) = c.providers.get_mut("fast") {
        p.prices = Some(draft_price);
    }
    if let Some(p) = c.providers.get_mut("pro") {
        p.prices = Some(pro_price);
    }
    c.draft.size = capped(c.draft.size);
    c.finish.size = capped(c.finish.size);
    c
}

/// Runs the campaign `c` with strategy `s` in a scratch folder under `base` (removed after).
pub fn simulate(c: &Campaign, s: Strategy, base: &Path) -> Result<Outcome, EngineError> {
    let out = format!("sim-{}", s.name());
    let dir = base.join(&out);
    let _ = std::fs::remove_dir_all(&dir);
    let run = rewrite(c, s, &out);
    let concurrency: BTreeMap<String, u32> = run
        .providers
        .iter()
        .map(|(n, p)| (n.clone(), p.concurrency))
        .collect();
    let opts = crate::Options {
        finish_from_draft: s == Strategy::Lottery,
        ..Default::default()
    };
    let r = crate::run(run, base, opts)?;
    let l = darkroom_ledger::Ledger::open(&dir.join("darkroom.db"))?;
    // Simulated clock: stages run one after another; within a stage each provider works
    // through its calls `concurrency` at a time.
    let mut stages: BTreeMap<(String, u32), BTreeMap<String, (f64, f64)>> = BTreeMap::new();
    for (tier, round, provider, lat) in l.latencies()? {
        let e = stages
            .entry((tier, round))
            .or_default()
            .entry(provider)
            .or_insert((0.0, 0.0));
        e.0 = e.0.max(lat);
        e.1 += lat;
    }
    let sim_seconds = stages
        .values()
        .map(|per| {
            per.iter()
                .map(|(p, (max, sum))| max.max(sum / f64::from(concurrency[p].max(1))))
                .fold(0.0, f64::max)
        })
        .sum();
    let (passed, judged) = l.gate_counts()?;
    let mut by_tier: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for a in l.dump()?.attempts {
        let e = by_tier.entry(a.tier.to_string()).or_default();
        e.0 += u64::from(a.tries);
        e.1 += a.cost.unwrap_or(0.0);
    }
    // A successful asset is a delivered final: one file per final in the shot's first aspect.
    let mut assets = 0;
    for shot in &c.shots {
        let first = shot.deliver.first().map(ToString::to_string);
        assets += r
            .deliverables
            .iter()
            .filter(|d| d.shot == shot.id && Some(&d.aspect) == first.as_ref())
            .count() as u64;
    }
    drop(l);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Outcome {
        strategy: s.name(),
        calls: r.totals.tries,
        spent_usd: r.totals.settled,
        assets,
        wanted: c.shots.iter().map(|s| u64::from(s.finals)).sum(),
        sim_seconds,
        passed,
        judged,
        by_tier,
    })
}

/// What one round of every shot costs each strategy when every first finish passes, at the
/// profiles' prices: `(drafts, finishes, funnel USD, lottery USD)`. It does not depend on pass
/// rates, so it shows how far the campaign's `variants` and `finals` let the funnel undercut
/// the lottery.
pub fn per_round(c: &Campaign) -> (u32, u32, f64, f64) {
    // The profiles price by the long side, so the aspect does not matter here.
    let price = |profile: darkroom_providers::sim::Profile, size: darkroom_core::SizeSpec| {
        profile.price_usd(match size {
            darkroom_core::SizeSpec::LongSide(n) => n,
            darkroom_core::SizeSpec::Exact { width, height } => width.max(height),
        })
    };
    let d = price(darkroom_providers::sim::FAST_DRAFT, c.draft.size);
    let p = price(darkroom_providers::sim::PRO, c.finish.size);
    let drafts = c.draft.variants * c.shots.len() as u32;
    let finishes: u32 = c.shots.iter().map(|s| s.finals.min(c.draft.variants)).sum();
    (
        drafts,
        finishes,
        f64::from(drafts) * d + f64::from(finishes) * p,
        f64::from(drafts) * p,
    )
}

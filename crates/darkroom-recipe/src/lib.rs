//! Recipes: lock what worked, and catch the day a model or a judge changes it.
//!
//! `darkroom recipe lock CAMPAIGN` writes `CAMPAIGN.lock` (TOML, meant to be committed beside
//! the campaign): per shot, the recipe's identity (a hash of the prompt and the draft tier's
//! parameters, the provider kind and model, the model versions the provider reported, the
//! judges' version) and its baseline from the ledger's judged drafts: per checklist question how
//! many drafts the judge decided and how many it answered yes, the gate's pass count, the
//! on-palette share, cost and latency, and the baseline images (by hash, kept in the store).
//!
//! `darkroom recipe check CAMPAIGN` first judges the baseline images again with today's judges:
//! what differs is **judge drift** (the images are the same, so it is never the model's doing).
//! Then it compares the model versions the ledger has seen since with the lock's.
//!
//! Reading a lock is parse (TOML, every problem named with the file), then validate against the
//! campaign (same campaign, every shot still there, each recipe unchanged); both do no IO.
//! [`page`] turns a check into the report model that `darkroom-report` renders.

pub mod page;
pub mod stats;

use std::collections::BTreeMap;

use darkroom_campaign::Campaign;
use darkroom_ledger::{Dump, ScoreRecord, Tier};
use serde::{Deserialize, Serialize};

/// A recipe failure: always names the lock file, and the shot where there is one.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// The lock is not a lock (not TOML, missing keys, wrong types).
    #[error(
        "`{file}` is not a readable recipe lock: {why}; write it again with `darkroom recipe lock`"
    )]
    Corrupt {
        /// The lock file.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// The lock does not belong to this campaign, as it is now.
    #[error("`{file}`: {}", problems.join("; "))]
    Mismatch {
        /// The lock file.
        file: String,
        /// Every problem, each naming its shot.
        problems: Vec<String>,
    },
    /// Nothing to lock.
    #[error("nothing to lock: {0}")]
    Empty(String),
}

/// One checklist question's baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Its index in the shot's checklist.
    pub index: usize,
    /// The question.
    pub question: String,
    /// Its category (`entity`, `color`, `count`, `relation`…).
    pub category: String,
    /// Drafts on which a judge decided it.
    pub decided: u64,
    /// Of those, the ones answered yes.
    pub yes: u64,
}

/// A baseline image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The draft's attempt id.
    pub attempt: String,
    /// Its image's hash in the store.
    pub asset: String,
}

/// One shot's recipe and baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotLock {
    /// The shot id.
    pub id: String,
    /// A hash of the prompt and the draft tier's parameters (provider kind, model, size,
    /// quality): when it changes, the recipe is another one and must be locked again.
    pub recipe: String,
    /// The draft provider's kind.
    pub provider_kind: String,
    /// The model asked for.
    pub model: String,
    /// The model versions the provider reported for the baseline drafts.
    pub model_versions: Vec<String>,
    /// Judged drafts in the baseline.
    pub drafts: u64,
    /// Of them, those that passed the gates.
    pub passed: u64,
    /// Mean on-palette share (with a brand).
    pub on_palette: Option<f64>,
    /// Mean cost per draft, in the ledger's unit.
    pub cost_mean: f64,
    /// Median latency per draft, seconds.
    pub latency_p50: Option<f64>,
    /// Per checklist question.
    pub questions: Vec<Question>,
    /// The baseline images.
    pub baseline: Vec<Baseline>,
    /// The baseline images' dominant colours (hex, most common first): what a palette shift is
    /// measured from.
    #[serde(default)]
    pub dominant: Vec<String>,
    /// Where the baseline images are: `ledger` (the campaign's own drafts, in its store) or
    /// `audit` (drafted for the lock through the audit path, in the check folder's store).
    #[serde(default = "from_ledger")]
    pub baseline_from: String,
}

fn from_ledger() -> String {
    "ledger".into()
}

/// A campaign's lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lock {
    /// The campaign's name.
    pub campaign: String,
    /// The judges' version when locked ([`darkroom_judges::VERSION`]).
    pub judges: String,
    /// Per shot.
    pub shots: Vec<ShotLock>,
}

/// The recipe hash of a shot in a campaign.
pub fn recipe_of(c: &Campaign, shot: &darkroom_campaign::Shot) -> String {
    let p = c.providers.get(&c.draft.provider);
    format!(
        "{:016x}",
        darkroom_campaign::plan::hash_u64(&[
            &shot.prompt,
            p.map_or("", |p| p.kind.as_str()),
            p.and_then(|p| p.model.as_deref()).unwrap_or(""),
            &format!("{:?}", c.draft.size),
            &format!("{:?}", c.draft.quality),
            &format!("{:?}", shot.seed),
        ])
    )
}

/// Per question of a judgement's findings: `(decided, yes)`.
pub fn tally(verdicts_json: &str) -> BTreeMap<usize, (u64, u64)> {
    let mut out = BTreeMap::new();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(verdicts_json) else {
        return out;
    };
    for f in v["findings"].as_array().into_iter().flatten() {
        let Some(a) = f["assertion"].as_u64() else {
            continue;
        };
        let e = out.entry(a as usize).or_insert((0, 0));
        match f["verdict"].as_str() {
            Some("yes") => {
                e.0 += 1;
                e.1 += 1;
            }
            Some("no") => e.0 += 1,
            _ => {}
        }
    }
    out
}

/// Builds the lock from the ledger's judged drafts (pure: the dump and the shot's scores).
pub fn lock(
    c: &Campaign,
    dump: &Dump,
    scores: &BTreeMap<String, Vec<ScoreRecord>>,
) -> Result<Lock, RecipeError> {
    let mut shots = Vec::new();
    for s in &c.shots {
        let drafts: Vec<_> = dump
            .attempts
            .iter()
            // Round 1 only: later rounds add refinements to the prompt, another recipe.
            .filter(|a| {
                a.shot == s.id && a.tier == Tier::Draft && a.round == 1 && a.asset.is_some()
            })
            .collect();
        let mine = scores.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        let checklist = darkroom_prompt::parse(&s.prompt)
            .map(|x| x.checklist)
            .unwrap_or_default();
        let mut per: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
        let mut judged = 0u64;
        let mut palette = Vec::new();
        for a in &drafts {
            if let Some(l) = mine
                .iter()
                .find(|x| x.attempt == a.id && x.judge == "layout")
            {
                judged += 1;
                for (q, (d, y)) in tally(&l.verdicts) {
                    let e = per.entry(q).or_insert((0, 0));
                    e.0 += d;
                    e.1 += y;
                }
            }
            if let Some(b) = mine
                .iter()
                .find(|x| x.attempt == a.id && x.judge == "brand")
            {
                palette.extend(b.value);
            }
        }
        if judged == 0 {
            continue;
        }
        let passed = dump
            .decisions
            .iter()
            .filter(|d| {
                d.kind == darkroom_ledger::DecisionKind::Gate
                    && d.reason == darkroom_ledger::Reason::Passed
            })
            .filter(|d| drafts.iter().any(|a| a.id == d.attempt))
            .count() as u64;
        let mut lat: Vec<f64> = drafts.iter().filter_map(|a| a.latency).collect();
        lat.sort_by(f64::total_cmp);
        let mut versions: Vec<String> = drafts
            .iter()
            .filter_map(|a| a.model_version.clone())
            .collect();
        versions.sort();
        versions.dedup();
        let p = c.providers.get(&c.draft.provider);
        shots.push(ShotLock {
            id: s.id.clone(),
            recipe: recipe_of(c, s),
            provider_kind: p.map_or(String::new(), |p| p.kind.as_str().to_string()),
            model: p.and_then(|p| p.model.clone()).unwrap_or_default(),
            model_versions: versions,
            drafts: judged,
            passed,
            on_palette: (!palette.is_empty())
                .then(|| palette.iter().sum::<f64>() / palette.len() as f64),
            cost_mean: drafts.iter().filter_map(|a| a.cost).sum::<f64>()
                / drafts.len().max(1) as f64,
            latency_p50: lat.get(lat.len() / 2).copied(),
            dominant: Vec::new(),
            questions: per
                .into_iter()
                .filter_map(|(i, (decided, yes))| {
                    let q = checklist.get(i)?;
                    Some(Question {
                        index: i,
                        question: q.question.clone(),
                        category: q.kind.as_str().to_string(),
                        decided,
                        yes,
                    })
                })
                .collect(),
            baseline: drafts
                .iter()
                .filter_map(|a| {
                    Some(Baseline {
                        attempt: a.id.clone(),
                        asset: a.asset.clone()?,
                    })
                })
                .collect(),
            baseline_from: from_ledger(),
        });
    }
    if shots.is_empty() {
        return Err(RecipeError::Empty(format!(
            "campaign `{}` has no judged drafts in its ledger; run it first",
            c.name
        )));
    }
    Ok(Lock {
        campaign: c.name.clone(),
        judges: darkroom_judges::VERSION.to_string(),
        shots,
    })
}

/// The lock as TOML, with a header saying what it is.
pub fn to_toml(lock: &Lock) -> String {
    let body = toml::to_string(lock).unwrap_or_default();
    format!(
        "# darkroom recipe lock: what this campaign's recipes gave when they were locked.\n\
         # Commit it beside the campaign; `darkroom recipe check` compares today against it.\n{body}"
    )
}

/// Parses a lock; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Lock, RecipeError> {
    toml::from_str(text).map_err(|e| RecipeError::Corrupt {
        file: file.to_string(),
        why: e.to_string().trim().replace('\n', " "),
    })
}

/// Checks that a lock belongs to the campaign as it is now: the same campaign, every locked
/// shot still in it, each with the same recipe. Every problem at once, each naming its shot.
pub fn validate(lock: &Lock, c: &Campaign, file: &str) -> Result<(), RecipeError> {
    let mut problems = Vec::new();
    if lock.campaign != c.name {
        problems.push(format!(
            "the lock is of campaign `{}`, not `{}`",
            lock.campaign, c.name
        ));
    }
    for s in &lock.shots {
        match c.shots.iter().find(|x| x.id == s.id) {
            None => problems.push(format!(
                "shot `{}` is locked but no longer in the campaign (lock again, or put it back)",
                s.id
            )),
            Some(x) if recipe_of(c, x) != s.recipe => problems.push(format!(
                "shot `{}`: its recipe changed since the lock (prompt or draft tier); lock it again",
                s.id
            )),
            Some(x) => {
                // The counts feed the statistics: a hand-edited or damaged lock is refused here,
                // before any fresh draft is paid for.
                let asked = darkroom_prompt::parse(&x.prompt)
                    .map(|p| p.checklist.len())
                    .unwrap_or(0);
                let mut seen = std::collections::BTreeSet::new();
                for q in &s.questions {
                    if q.yes > q.decided {
                        problems.push(format!(
                            "shot `{}`: question {} (`{}`) has yes = {} over decided = {}; yes counts drafts among the decided ones, so it is at most decided (lock again)",
                            s.id, q.index, q.question, q.yes, q.decided
                        ));
                    }
                    if q.index >= asked {
                        problems.push(format!(
                            "shot `{}`: question index {} is past the shot's checklist of {asked} question(s) (accepted: 0 to {}); lock again",
                            s.id,
                            q.index,
                            asked.saturating_sub(1)
                        ));
                    }
                    if !seen.insert(q.index) {
                        problems.push(format!(
                            "shot `{}`: question index {} appears twice; lock again",
                            s.id, q.index
                        ));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RecipeError::Mismatch {
            file: file.to_string(),
            problems,
        })
    }
}

/// A question whose answers on the same baseline images changed with today's judges.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// The shot.
    pub shot: String,
    /// The question.
    pub question: String,
    /// `(decided, yes)` in the lock.
    pub locked: (u64, u64),
    /// `(decided, yes)` today, on the same images.
    pub now: (u64, u64),
}

/// Compares today's judgement of the baseline images with the lock's: the judge drift.
pub fn judge_drift(shot: &ShotLock, now: &BTreeMap<usize, (u64, u64)>) -> Vec<Drift> {
    shot.questions
        .iter()
        .filter_map(|q| {
            let n = now.get(&q.index).copied().unwrap_or((0, 0));
            (n != (q.decided, q.yes)).then(|| Drift {
                shot: shot.id.clone(),
                question: q.question.clone(),
                locked: (q.decided, q.yes),
                now: n,
            })
        })
        .collect()
}

/// Model versions reported since the lock that it does not list: `(shot, version)`, from the
/// attempts of `tier` (the campaign's drafts), or of every tier (a check folder's drafts).
pub fn new_model_versions(lock: &Lock, dump: &Dump, tier: Option<Tier>) -> Vec<(String, String)> {
    let seen: Vec<(String, String)> = dump
        .attempts
        .iter()
        .filter(|a| tier.is_none_or(|t| a.tier == t))
        .filter_map(|a| Some((a.shot.clone(), a.model_version.clone()?)))
        .collect();
    versions_not_locked(lock, &seen)
}

/// Where a campaign's recipe lock is: beside it, `<campaign>.lock`.
pub fn lock_path(campaign: &std::path::Path) -> std::path::PathBuf {
    campaign.with_extension("lock")
}

/// Of the `(shot, model version)` pairs a ledger reported, those the lock beside `campaign`
/// does not list (see [`versions_not_locked`]). Nothing when there is no lock or it cannot be
/// read: `recipe check` says why, and a run or `status` only warns of drift.
pub fn versions_not_locked_beside(
    campaign: &std::path::Path,
    reported: &[(String, String)],
) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(lock_path(campaign)) else {
        return Vec::new();
    };
    parse(&text, "").map_or_else(|_| Vec::new(), |lock| versions_not_locked(&lock, reported))
}

/// Of the `(shot, model version)` pairs a ledger reported ([`darkroom_ledger::Ledger::model_versions`]),
/// the versions the lock does not list: `(locked shot, version)`, each once.
pub fn versions_not_locked(lock: &Lock, reported: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &lock.shots {
        let mut seen: Vec<String> = reported
            .iter()
            .filter(|(shot, _)| is_of(shot, s))
            .map(|(_, v)| v.clone())
            .filter(|v| !s.model_versions.contains(v))
            .collect();
        seen.sort();
        seen.dedup();
        out.extend(seen.into_iter().map(|v| (s.id.clone(), v)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_lock_names_its_file() {
        let e = parse("campaign = 3\n[[shots]]\n", "c.lock").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("`c.lock` is not a readable recipe lock"),
            "{e}"
        );
    }

    #[test]
    fn judge_drift_is_what_changed_on_the_same_images() {
        let s = ShotLock {
            id: "a".into(),
            recipe: String::new(),
            provider_kind: "sim".into(),
            model: String::new(),
            model_versions: vec![],
            drafts: 4,
            passed: 4,
            on_palette: None,
            cost_mean: 0.0,
            latency_p50: None,
            dominant: vec![],
            baseline_from: from_ledger(),
            questions: vec![
                Question {
                    index: 0,
                    question: "Is there a cube?".into(),
                    category: "entity".into(),
                    decided: 4,
                    yes: 4,
                },
                Question {
                    index: 1,
                    question: "Is the cube red?".into(),
                    category: "color".into(),
                    decided: 4,
                    yes: 3,
                },
            ],
            baseline: vec![],
        };
        let now = BTreeMap::from([(0, (4, 4)), (1, (4, 1))]);
        let d = judge_drift(&s, &now);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].locked, d[0].now), ((4, 3), (4, 1)));
    }
}

/// How a check drafts fresh samples.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The folder the fresh drafts go to (their own ledger and store).
    pub out: std::path::PathBuf,
    /// Cap in USD over what that folder has spent.
    pub budget: Option<f64>,
    /// Most fresh drafts per shot (the fixed-sample check's size).
    pub max_drafts: u32,
    /// Drafts per look: after each batch the test may stop.
    pub batch: u32,
    /// One plain line per step.
    pub progress: Option<std::sync::Arc<dyn darkroom_engine::Progress>>,
    /// Which draw of fresh drafts: the same epoch asks (and pays for) nothing twice, another
    /// draws new images. The CLI's default is the day, so a daily check is fresh each day.
    pub epoch: u64,
}

/// A shot's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every question's pass rate is clearly as the baseline's (the sequential test accepted).
    Unchanged,
    /// A question's pass rate is clearly below the baseline's.
    Regressed,
    /// A question's pass rate is clearly above it, none below.
    Improved,
    /// Neither, at this budget.
    Inconclusive,
}

/// One question, baseline against now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionCheck {
    /// The question.
    pub question: String,
    /// Its category.
    pub category: String,
    /// `(yes, decided)` in the baseline.
    pub base: (u64, u64),
    /// `(yes, decided)` now.
    pub now: (u64, u64),
    /// Wilson 95 % interval of the baseline's pass rate.
    pub base_ci: (f64, f64),
    /// Wilson 95 % interval of today's.
    pub now_ci: (f64, f64),
    /// Fisher's exact test, two-sided.
    pub p: f64,
    /// The same, Holm-corrected over the shot's questions.
    pub p_adjusted: f64,
}

/// What a check found for one shot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShotCheck {
    /// The shot.
    pub shot: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Fresh drafts judged.
    pub drafts: u64,
    /// Per question.
    pub questions: Vec<QuestionCheck>,
    /// Mean cost of a fresh draft, USD.
    pub cost_mean_usd: f64,
    /// Median latency of a fresh draft, seconds.
    pub latency_p50: Option<f64>,
    /// The fresh drafts' images (hashes in the check folder's store).
    pub fresh: Vec<String>,
}

/// The median of some values (`None` for none).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The rule a check decides by, as stated in its output: Wald's sequential probability ratio
/// test per question, between "the pass rate is the baseline's" and "it fell by `effect`",
/// after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rule {
    /// The drop in a question's pass rate the check is built to catch (0.25). A model update
    /// that drops a relation 40 % of the time instead of 10 % lowers the *judged* pass rate by
    /// less than 0.3 (the judge leaves some pairs undecided); built for 0.3, the check caught
    /// it in 90 of 100 trials at 96 drafts, built for 0.25 in 96 (`bench/recipe_power.sh`).
    pub effect: f64,
    /// False alarm rate, shared among a shot's questions (Bonferroni).
    pub alpha: f64,
    /// Miss rate for a drop of `effect`.
    pub beta: f64,
    /// Significance of the Fisher test that calls an improvement at the last look.
    pub alpha_fisher: f64,
}

/// The default rule.
pub fn rule() -> Rule {
    Rule {
        effect: 0.25,
        alpha: 0.05,
        beta: 0.05,
        alpha_fisher: 0.05,
    }
}

/// The log likelihood ratio of "fell by `effect`" against "as before" for `yes` of `n`, with
/// the baseline's rate taken as `(yes + 1) / (decided + 2)` (so 20 of 20 is not certainty).
pub fn llr(base: (u64, u64), now: (u64, u64), effect: f64) -> f64 {
    let p0 = ((base.0 as f64 + 1.0) / (base.1 as f64 + 2.0)).clamp(0.02, 0.98);
    let p1 = (p0 - effect).max(0.01);
    let (k, n) = (now.0 as f64, now.1 as f64);
    k * (p1 / p0).ln() + (n - k) * ((1.0 - p1) / (1.0 - p0)).ln()
}

/// Compares one shot's baseline with today's tallies and decides.
pub fn decide(
    shot: &ShotLock,
    now: &BTreeMap<usize, (u64, u64)>,
    rule: Rule,
    last_look: bool,
) -> (Verdict, Vec<QuestionCheck>) {
    let mut qs: Vec<QuestionCheck> = shot
        .questions
        .iter()
        .filter(|q| q.decided > 0)
        .map(|q| {
            let (nd, ny) = now.get(&q.index).copied().unwrap_or((0, 0));
            QuestionCheck {
                question: q.question.clone(),
                category: q.category.clone(),
                base: (q.yes, q.decided),
                now: (ny, nd),
                base_ci: stats::wilson(q.yes, q.decided),
                now_ci: stats::wilson(ny, nd),
                p: stats::fisher(
                    q.yes,
                    q.decided.saturating_sub(q.yes),
                    ny,
                    nd.saturating_sub(ny),
                ),
                p_adjusted: 1.0,
            }
        })
        .collect();
    let adjusted = stats::holm(&qs.iter().map(|q| q.p).collect::<Vec<_>>());
    for (q, a) in qs.iter_mut().zip(adjusted) {
        q.p_adjusted = a;
    }
    let rate = |(y, n): (u64, u64)| if n == 0 { 0.0 } else { y as f64 / n as f64 };
    // Wald's bounds; the false alarm rate is shared among the questions.
    let m = qs.len().max(1) as f64;
    let upper = ((1.0 - rule.beta) / (rule.alpha / m)).ln();
    let lower = (rule.beta / (1.0 - rule.alpha / m)).ln();
    let ratios: Vec<f64> = qs.iter().map(|q| llr(q.base, q.now, rule.effect)).collect();
    let worse = ratios.iter().any(|&r| r >= upper);
    let same = !qs.is_empty() && ratios.iter().all(|&r| r <= lower);
    let better = last_look
        && qs
            .iter()
            .any(|q| q.p_adjusted < rule.alpha_fisher && rate(q.now) > rate(q.base));
    let v = if worse {
        Verdict::Regressed
    } else if same {
        Verdict::Unchanged
    } else if better {
        Verdict::Improved
    } else {
        // Not decided at this look; at the last one, inconclusive at this budget.
        Verdict::Inconclusive
    };
    (v, qs)
}

/// Per question of a batch of audit samples: `(decided, yes)` by checklist index.
pub fn tally_samples(samples: &[&darkroom_engine::audit::Judged]) -> BTreeMap<usize, (u64, u64)> {
    let mut out: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    for s in samples {
        for (i, v) in s.verdicts.iter().enumerate() {
            let e = out.entry(i).or_insert((0, 0));
            match v.1 {
                darkroom_core::judge::Verdict::Yes => {
                    e.0 += 1;
                    e.1 += 1;
                }
                darkroom_core::judge::Verdict::No => e.0 += 1,
                darkroom_core::judge::Verdict::Undecided => {}
            }
        }
    }
    out
}

/// The id a shot's fresh drafts are asked under (their seeds derive from it): a hash of the
/// epoch first, then the shot and its recipe. First, because the audit's seed rule folds the id
/// byte by byte and XORs the repeat in: ids that differ only in their last characters ("#0",
/// "#7") would give overlapping seeds, the same images drawn again.
fn sample_id(s: &ShotLock, epoch: u64) -> String {
    format!(
        "{:016x}:{}@{}",
        darkroom_campaign::plan::hash_u64(&[&epoch.to_string(), "recipe epoch"]),
        s.id,
        s.recipe
    )
}

/// Whether a ledger row's shot label is this shot's: its id in the campaign's ledger, its
/// [`sample_id`] (any epoch) in the check folder's.
fn is_of(label: &str, s: &ShotLock) -> bool {
    label == s.id || label.ends_with(&format!(":{}@{}", s.id, s.recipe))
}

/// Drafts fresh samples of every locked shot through the engine's one call path (an audit in
/// `opts.out`: budgeted, resumable, recorded), a batch at a time, and decides each shot as soon
/// as it can: regressed, improved, unchanged, or inconclusive at `max_drafts`.
pub fn sample(
    c: &Campaign,
    lock: &Lock,
    opts: &CheckOptions,
) -> Result<(Vec<ShotCheck>, f64), darkroom_engine::EngineError> {
    use darkroom_engine::audit::{audit_models, AuditOptions, SampleOutcome, Suite, SuitePrompt};
    let looks = opts.max_drafts.div_ceil(opts.batch.max(1));
    let r = rule();
    let size = darkroom_core::resolve_dims(c.draft.size, None).unwrap_or((512, 512));
    let provider = c.providers.get(&c.draft.provider).cloned();
    let mut open: Vec<&ShotLock> = lock.shots.iter().collect();
    let mut out = Vec::new();
    let mut spent = 0.0;
    let mut look = 0;
    while !open.is_empty() && look < looks {
        look += 1;
        let n = (opts.batch * look).min(opts.max_drafts);
        let suite = Suite {
            name: format!("recipe check {}", c.name),
            repeats: n,
            size,
            prompts: open
                .iter()
                .filter_map(|s| {
                    let shot = c.shots.iter().find(|x| x.id == s.id)?;
                    Some(SuitePrompt {
                        id: sample_id(s, opts.epoch),
                        category: "recipe".into(),
                        prompt: shot.prompt.clone(),
                    })
                })
                .collect(),
            providers: provider
                .iter()
                .map(|p| (c.draft.provider.clone(), p.clone()))
                .collect(),
        };
        if let Some(p) = &opts.progress {
            p.line(&format!(
                "recipe check: look {look}, {n} fresh draft(s) per open shot"
            ));
        }
        let rep = audit_models(
            suite,
            AuditOptions {
                out: opts.out.clone(),
                budget: opts.budget,
                ..AuditOptions::default()
            },
        )?;
        spent = rep
            .samples
            .iter()
            .filter_map(|s| match &s.outcome {
                SampleOutcome::Judged(j) => Some(j.usd),
                _ => None,
            })
            .sum::<f64>();
        let stopped = rep.budget_stop.is_some() || rep.interrupted;
        let last = look == looks || stopped;
        let mut still = Vec::new();
        for s in open {
            let judged: Vec<&darkroom_engine::audit::Judged> = rep
                .samples
                .iter()
                .filter(|x| x.prompt == sample_id(s, opts.epoch))
                .filter_map(|x| match &x.outcome {
                    SampleOutcome::Judged(j) => Some(j),
                    _ => None,
                })
                .collect();
            let (v, qs) = decide(s, &tally_samples(&judged), r, last);
            if v != Verdict::Inconclusive || last {
                let n = judged.len().max(1) as f64;
                out.push(ShotCheck {
                    shot: s.id.clone(),
                    verdict: v,
                    drafts: judged.len() as u64,
                    questions: qs,
                    cost_mean_usd: judged.iter().map(|j| j.usd).sum::<f64>() / n,
                    latency_p50: median(judged.iter().map(|j| j.latency).collect()),
                    fresh: judged.iter().filter_map(|j| j.asset.clone()).collect(),
                });
            } else {
                still.push(s);
            }
        }
        open = still;
        if stopped {
            break;
        }
    }
    Ok((out, spent))
}

/// Replaces each shot's baseline with `n` drafts made for the lock through the audit path
/// (epoch 0 of the check's draws, into `out`): a baseline large enough for the check to tell a
/// change of `effect` from noise (see the closing note's arithmetic). Paid like any draft,
/// through the budget; asking again pays for nothing.
pub fn top_up(
    c: &Campaign,
    lock: &mut Lock,
    n: u32,
    out: &std::path::Path,
    budget: Option<f64>,
) -> Result<f64, darkroom_engine::EngineError> {
    use darkroom_engine::audit::{audit_models, AuditOptions, SampleOutcome, Suite, SuitePrompt};
    let size = darkroom_core::resolve_dims(c.draft.size, None).unwrap_or((512, 512));
    let provider = c.providers.get(&c.draft.provider).cloned();
    let suite = Suite {
        name: format!("recipe lock {}", c.name),
        repeats: n,
        size,
        prompts: lock
            .shots
            .iter()
            .filter_map(|s| {
                let shot = c.shots.iter().find(|x| x.id == s.id)?;
                Some(SuitePrompt {
                    id: sample_id(s, 0),
                    category: "recipe".into(),
                    prompt: shot.prompt.clone(),
                })
            })
            .collect(),
        providers: provider
            .iter()
            .map(|p| (c.draft.provider.clone(), p.clone()))
            .collect(),
    };
    let rep = audit_models(
        suite,
        AuditOptions {
            out: out.to_path_buf(),
            budget,
            ..AuditOptions::default()
        },
    )?;
    let mut spent = 0.0;
    for s in &mut lock.shots {
        let judged: Vec<&darkroom_engine::audit::Judged> = rep
            .samples
            .iter()
            .filter(|x| x.prompt == sample_id(s, 0))
            .filter_map(|x| match &x.outcome {
                SampleOutcome::Judged(j) => Some(j),
                _ => None,
            })
            .collect();
        spent += judged.iter().map(|j| j.usd).sum::<f64>();
        let t = tally_samples(&judged);
        for q in &mut s.questions {
            let (d, y) = t.get(&q.index).copied().unwrap_or((0, 0));
            q.decided = d;
            q.yes = y;
        }
        s.drafts = judged.len() as u64;
        s.baseline = judged
            .iter()
            .enumerate()
            .filter_map(|(i, j)| {
                Some(Baseline {
                    attempt: format!("audit {i}"),
                    asset: j.asset.clone()?,
                })
            })
            .collect();
        s.baseline_from = "audit".into();
    }
    Ok(spent)
}

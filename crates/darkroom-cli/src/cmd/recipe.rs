//! `darkroom recipe lock|check CAMPAIGN`: lock what a campaign's recipes gave, and check them
//! later against today's judges and model (see [`darkroom_recipe`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use darkroom_judges::Judge as _;

use crate::fail::Fail;

/// `darkroom recipe …`.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Write CAMPAIGN.lock: each shot's recipe and its baseline from the ledger's judged drafts.
    Lock(LockArgs),
    /// Compare today against the lock: judge drift on the baseline images, model versions, and
    /// fresh drafts with a sequential test; exit 1 on any regression.
    Check(CheckArgs),
}

/// Arguments of `recipe lock`.
#[derive(clap::Args)]
pub struct LockArgs {
    /// The campaign file.
    campaign: PathBuf,
    /// Draft this many images per shot for the baseline (paid, through the budget) instead of
    /// using the campaign's own drafts: a larger baseline lets the check tell smaller changes
    /// from noise (0: the campaign's drafts).
    #[arg(long, default_value_t = 0)]
    baseline: u32,
    /// Cap in USD for the baseline drafts.
    #[arg(long)]
    budget: Option<f64>,
}

/// Arguments of `recipe check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// The campaign file.
    campaign: PathBuf,
    /// Cap in USD for the fresh drafts (over what the check folder has spent).
    #[arg(long)]
    budget: Option<f64>,
    /// Most fresh drafts per shot.
    #[arg(long, default_value_t = 96)]
    max_drafts: u32,
    /// Fresh drafts per look (the test may stop after each).
    #[arg(long, default_value_t = 8)]
    batch: u32,
    /// Which draw of fresh drafts (default: today's day number, so each day's check draws new
    /// images and a second check the same day pays for nothing again).
    #[arg(long)]
    epoch: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also write an HTML page in the report's look (thumbnails in `<stem>_files/` beside it):
    /// per shot the verdict, baseline against now per question (the failing ones marked), the
    /// shifts, and baseline and fresh drafts side by side.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// What a palette and a page need of a set of images: a few thumbnails, and a 64-pixel copy
/// of every image's pixels for the palette.
#[derive(Default)]
struct Looked {
    thumbs: Vec<(Vec<u8>, (u32, u32))>,
    pixels: Vec<u8>,
}

impl Looked {
    /// Adds one decoded image (a thumbnail only while there are fewer than `n`).
    fn add(&mut self, img: &darkroom_imageops::RgbImage, name: &str, n: usize) {
        let (small, _) = darkroom_imageops::thumbnail_jpeg(img, 64, 90);
        if let Ok(s) = darkroom_imageops::decode(&small, name, darkroom_imageops::Limits::default())
        {
            self.pixels.extend_from_slice(&s.rgb);
        }
        if self.thumbs.len() < n {
            self.thumbs
                .push(darkroom_imageops::thumbnail_jpeg(img, 192, 80));
        }
    }

    /// The images of a store named by `hashes` (those it has).
    fn of(store: &darkroom_ledger::Store, hashes: &[String], n: usize) -> Looked {
        let mut l = Looked::default();
        for h in hashes {
            let Some(bytes) = store.find(h).and_then(|p| std::fs::read(p).ok()) else {
                continue;
            };
            if let Ok(img) = darkroom_imageops::decode_png(&bytes, h, 1 << 26) {
                l.add(&img, h, n);
            }
        }
        l
    }
}

use darkroom_recipe::page::Shifts;

/// `base`: the baseline images, looked at once while judging them again for drift.
fn shifts(
    lock: &darkroom_recipe::ShotLock,
    now: &darkroom_recipe::ShotCheck,
    base: Looked,
    fresh_store: &darkroom_ledger::Store,
    in_money: bool,
) -> Shifts {
    let Looked {
        thumbs: base_thumbs,
        pixels: base_px,
    } = base;
    let Looked {
        thumbs: fresh_thumbs,
        pixels: fresh_px,
    } = Looked::of(fresh_store, &now.fresh, 8);
    // The share-weighted ΔE2000 drift of the dominant colours, both ways (as `audit images`
    // measures a folder's drift).
    let palette = (!base_px.is_empty() && !fresh_px.is_empty()).then(|| {
        let k = |px: &[u8]| darkroom_color::palette::palette(px, px.len() / 3, 1, 8);
        darkroom_color::palette::drift(&k(&base_px), &k(&fresh_px))
    });
    // The lock's cost is in the ledger's unit (credits unless the budget is money); the check's
    // drafts are always counted in USD.
    let unit = darkroom_core::money::Unit::of(lock.baseline_from == "audit" || in_money).as_str();
    Shifts {
        palette,
        cost: (lock.cost_mean, now.cost_mean_usd, unit),
        latency: (lock.latency_p50, now.latency_p50),
        base_thumbs,
        fresh_thumbs,
    }
}

/// The lock beside a campaign file: `c.toml` → `c.lock`.
fn lock_path(campaign: &Path) -> PathBuf {
    darkroom_recipe::lock_path(campaign)
}

/// Runs the command.
pub fn run(cmd: Cmd) -> Result<ExitCode, Fail> {
    match cmd {
        Cmd::Lock(a) => lock(a),
        Cmd::Check(a) => check(a),
    }
}

fn lock(a: LockArgs) -> Result<ExitCode, Fail> {
    let (c, l) = super::io::campaign_ledger(&a.campaign)?;
    let dump = l.dump().map_err(|e| Fail::Internal(e.into()))?;
    let mut scores: BTreeMap<String, Vec<darkroom_ledger::ScoreRecord>> = BTreeMap::new();
    for s in &c.shots {
        scores.insert(
            s.id.clone(),
            l.scores_of_shot(&s.id)
                .map_err(|e| Fail::Internal(e.into()))?,
        );
    }
    let mut lock = darkroom_recipe::lock(&c, &dump, &scores).map_err(Fail::input)?;
    if a.baseline > 0 {
        let out = PathBuf::from(&c.output).join("recipe-check");
        let spent = darkroom_recipe::top_up(&c, &mut lock, a.baseline, &out, a.budget)
            .map_err(Fail::engine)?;
        println!(
            "baseline: {} draft(s) per shot made for the lock (${spent:.3}, in {})",
            a.baseline,
            out.display()
        );
    }
    // The baseline's dominant colours, from its images (wherever the baseline came from).
    let campaign_store = darkroom_ledger::Store::new(PathBuf::from(&c.output).join("store"));
    let audit_store =
        darkroom_ledger::Store::new(PathBuf::from(&c.output).join("recipe-check/store"));
    for s in &mut lock.shots {
        let store = if s.baseline_from == "audit" {
            &audit_store
        } else {
            &campaign_store
        };
        let hashes: Vec<String> = s.baseline.iter().map(|b| b.asset.clone()).collect();
        let px = Looked::of(store, &hashes, 0).pixels;
        if !px.is_empty() {
            s.dominant = darkroom_color::palette::palette(&px, px.len() / 3, 1, 8)
                .iter()
                .map(|w| w.rgb.to_hex())
                .collect();
        }
    }
    let path = lock_path(&a.campaign);
    std::fs::write(&path, darkroom_recipe::to_toml(&lock))
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", path.display())))?;
    for s in &lock.shots {
        println!(
            "locked {}: {} draft(s), {} passed the gates, {} question(s), model {}",
            s.id,
            s.drafts,
            s.passed,
            s.questions.len(),
            if s.model_versions.is_empty() {
                "version not reported".to_string()
            } else {
                s.model_versions.join(", ")
            }
        );
        // A baseline too small to tell a fall of the check's size from its own noise: the check
        // would raise false alarms (its 95 % interval is wider than the fall it looks for).
        let effect = darkroom_recipe::rule().effect;
        for q in &s.questions {
            let (lo, hi) = darkroom_recipe::stats::wilson(q.yes, q.decided);
            if hi - lo > effect {
                println!(
                    "  warning: {:?} was decided on {} baseline draft(s) only ({} yes; 95 % {lo:.2}–{hi:.2}), too few to tell a fall of {effect} from noise; lock with `--baseline 96` for a check with few false alarms",
                    q.question, q.decided, q.yes
                );
            }
        }
    }
    println!("wrote {} (commit it beside the campaign)", path.display());
    Ok(ExitCode::SUCCESS)
}

fn check(a: CheckArgs) -> Result<ExitCode, Fail> {
    let (c, l) = super::io::campaign_ledger(&a.campaign)?;
    let path = lock_path(&a.campaign);
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Fail::Input(format!(
            "cannot read `{file}`: {e}; write it with `darkroom recipe lock {}`",
            a.campaign.display()
        ))
    })?;
    // Parse and validate before anything is spent.
    let lock = darkroom_recipe::parse(&text, &file).map_err(Fail::input)?;
    darkroom_recipe::validate(&lock, &c, &file).map_err(Fail::input)?;
    if a.batch == 0 || a.max_drafts == 0 {
        return Err(Fail::Input(
            "--batch and --max-drafts: accepted 1 or more".into(),
        ));
    }
    // 1. Judge drift: the baseline images judged again with today's judges.
    let campaign_store = darkroom_ledger::Store::new(PathBuf::from(&c.output).join("store"));
    let audit_store =
        darkroom_ledger::Store::new(PathBuf::from(&c.output).join("recipe-check/store"));
    let (drift, mut looked) = judge_drift(&c, &lock, &file, (&campaign_store, &audit_store))?;
    // 2. Fresh drafts, a batch at a time.
    let out = PathBuf::from(&c.output).join("recipe-check");
    let (shots, spent) = darkroom_recipe::sample(
        &c,
        &lock,
        &darkroom_recipe::CheckOptions {
            out: out.clone(),
            budget: a.budget,
            max_drafts: a.max_drafts,
            batch: a.batch,
            progress: Some(std::sync::Arc::new(super::run::Lines)),
            epoch: a.epoch.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() / 86_400)
            }),
        },
    )
    .map_err(Fail::engine)?;
    // 3. Model versions: in the campaign's ledger since the lock, and in the check's drafts.
    let mut versions = darkroom_recipe::new_model_versions(
        &lock,
        &l.dump().map_err(|e| Fail::Internal(e.into()))?,
        Some(darkroom_ledger::Tier::Draft),
    );
    if let Ok(d) = darkroom_ledger::Ledger::open(&out.join("darkroom.db")).and_then(|cl| cl.dump())
    {
        versions.extend(darkroom_recipe::new_model_versions(&lock, &d, None));
    }
    versions.sort();
    versions.dedup();
    let regressed = shots
        .iter()
        .any(|s| s.verdict == darkroom_recipe::Verdict::Regressed);
    // 4. Palette, cost and latency shifts, and the images side by side.
    let in_money = c.budget.money.is_some();
    let all_shifts: Vec<Shifts> = shots
        .iter()
        .filter_map(|s| {
            let locked = lock.shots.iter().find(|x| x.id == s.shot)?;
            let base = looked.remove(&s.shot).unwrap_or_default();
            Some(shifts(locked, s, base, &audit_store, in_money))
        })
        .collect();
    if let Some(path) = &a.html {
        let page = darkroom_recipe::page::check_report(&darkroom_recipe::page::Checked {
            campaign: &c.name,
            judges: darkroom_judges::VERSION,
            shots: &shots,
            shifts: &all_shifts,
            drift: &drift,
            versions: &versions,
        });
        darkroom_report::write(&page, path).map_err(Fail::input)?;
        eprintln!("wrote {}", path.display());
    }
    if a.json {
        let v = serde_json::json!({
            "lock": file,
            "judges_locked": lock.judges, "judges_now": darkroom_judges::VERSION,
            "judge_drift": drift,
            "model_versions_changed": versions.iter().map(|(s, v)| serde_json::json!({"shot": s, "version": v})).collect::<Vec<_>>(),
            "shots": shots.iter().zip(&all_shifts).map(|(s, sh)| serde_json::json!({
                "shot": s.shot, "verdict": s.verdict, "drafts": s.drafts, "questions": s.questions,
                "palette_shift_de2000": sh.palette,
                "cost_per_draft": {"baseline": sh.cost.0, "baseline_unit": sh.cost.2, "now_usd": sh.cost.1},
                "latency_p50": {"baseline": sh.latency.0, "now": sh.latency.1},
            })).collect::<Vec<_>>(),
            "spent_usd": spent,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print_check(&lock, &drift, &versions, (&shots, &all_shifts));
        println!("fresh drafts cost ${spent:.3} (in {})", out.display());
    }
    Ok(if regressed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The baseline images judged again with today's judges: what the judges now say differently
/// of the same images (the judges' drift, not the model's), and what was seen of each image.
fn judge_drift(
    c: &darkroom_campaign::Campaign,
    lock: &darkroom_recipe::Lock,
    file: &str,
    (campaign_store, audit_store): (&darkroom_ledger::Store, &darkroom_ledger::Store),
) -> Result<(Vec<darkroom_recipe::Drift>, BTreeMap<String, Looked>), Fail> {
    let mut drift = Vec::new();
    // The baseline images as the shifts and the page need them, taken while they are decoded.
    let mut looked: BTreeMap<String, Looked> = BTreeMap::new();
    for s in &lock.shots {
        let store = if s.baseline_from == "audit" {
            audit_store
        } else {
            campaign_store
        };
        let Some(shot) = c.shots.iter().find(|x| x.id == s.id) else {
            continue;
        };
        let Ok(scene) = darkroom_prompt::parse(&shot.prompt) else {
            continue;
        };
        let mut now: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
        let seen = looked.entry(s.id.clone()).or_default();
        for b in &s.baseline {
            let Some(p) = store.find(&b.asset) else {
                return Err(Fail::Input(format!(
                    "`{file}`: shot `{}`: baseline image {} is no longer in the store",
                    s.id, b.asset
                )));
            };
            let bytes = std::fs::read(&p).map_err(|e| Fail::Internal(e.into()))?;
            let img = darkroom_imageops::decode_png(&bytes, &b.attempt, 1 << 26)
                .map_err(|e| Fail::Internal(anyhow::anyhow!("{e}")))?;
            let j = darkroom_judges::layout::LayoutJudge.judge(
                darkroom_judges::ImageRef {
                    width: img.width,
                    height: img.height,
                    rgb: &img.rgb,
                },
                &scene,
            );
            seen.add(&img, &b.asset, 8);
            let json = serde_json::to_string(&j).unwrap_or_default();
            for (q, (d, y)) in darkroom_recipe::tally(&json) {
                let e = now.entry(q).or_insert((0, 0));
                e.0 += d;
                e.1 += y;
            }
        }
        drift.extend(darkroom_recipe::judge_drift(s, &now));
    }
    Ok((drift, looked))
}

/// What `recipe check` found, as text.
fn print_check(
    lock: &darkroom_recipe::Lock,
    drift: &[darkroom_recipe::Drift],
    versions: &[(String, String)],
    (shots, all_shifts): (&[darkroom_recipe::ShotCheck], &[Shifts]),
) {
    if lock.judges != darkroom_judges::VERSION {
        println!(
            "judges changed since the lock: `{}` → `{}`",
            lock.judges,
            darkroom_judges::VERSION
        );
    }
    if drift.is_empty() {
        println!("judge drift: none (the baseline images are judged as they were)");
    }
    for d in drift {
        println!(
            "judge drift (not the model's doing: same images): {} {:?}: yes {} of {} decided, was {} of {}",
            d.shot, d.question, d.now.1, d.now.0, d.locked.1, d.locked.0
        );
    }
    for (s, v) in versions {
        println!("model version changed: {s}: the provider reported `{v}`, not in the lock");
    }
    for (s, sh) in shots.iter().zip(all_shifts) {
        println!(
            "{}: {:?} after {} fresh draft(s)",
            s.shot, s.verdict, s.drafts
        );
        println!(
            "  palette shift {}; cost per draft {:.4} {} → {:.4} USD; latency p50 {} → {}",
            sh.palette
                .map_or("– (no images)".into(), |p| format!("ΔE2000 {p:.1}")),
            sh.cost.0,
            sh.cost.2,
            sh.cost.1,
            sh.latency.0.map_or("–".into(), |l| format!("{l:.2} s")),
            sh.latency.1.map_or("–".into(), |l| format!("{l:.2} s"))
        );
        for q in &s.questions {
            let pct = |(y, n): (u64, u64)| {
                if n == 0 {
                    "-".to_string()
                } else {
                    format!("{:.0} %", 100.0 * y as f64 / n as f64)
                }
            };
            println!(
                "  {:<44} {:>5} ({}/{}, 95 % {:.2}–{:.2}) → {:>5} ({}/{}, {:.2}–{:.2})  p {:.3}, corrected {:.3}",
                q.question,
                pct(q.base),
                q.base.0,
                q.base.1,
                q.base_ci.0,
                q.base_ci.1,
                pct(q.now),
                q.now.0,
                q.now.1,
                q.now_ci.0,
                q.now_ci.1,
                q.p,
                q.p_adjusted
            );
        }
    }
}

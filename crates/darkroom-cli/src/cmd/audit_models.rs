//! `darkroom audit models [SUITE.toml] [--repeats N] [--json] [--html FILE]`: which models follow
//! instructions. A prompt suite × providers × repeats: every image is judged against its prompt's
//! checklist by the layout judge, and adherence is reported per checklist category with a Wilson
//! 95 % interval, next to latency p50/p95, spend and cost per successful image (every decided
//! assertion satisfied).
//!
//! Without a suite file, or for the parts it leaves out, the built-in suite runs: eight prompts
//! (single object, two objects, counting, colours, colour binding, position, camera, text) on the
//! simulated `fast-draft` and `pro` profiles, offline. A suite file names real providers with the
//! same keys as a campaign (`kind`, `model`, `api_key_env`, `base_url`, `timeout`,
//! `concurrency`).
//!
//! The audit itself is the engine's ([`darkroom_engine::audit`]): every image goes through the
//! scheduler into the audit folder's ledger, so `--budget` caps it, a second audit asks only
//! what the ledger lacks, and `darkroom status` on the folder shows what it spent. This file
//! reads the suite and prints.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use darkroom_engine::audit::{wilson, Sample, SampleOutcome, Summary};
use serde::Deserialize;

use crate::fail::Fail;

/// Arguments of `darkroom audit models`.
#[derive(clap::Args)]
pub struct Args {
    /// Suite file (`[suite]`, `[providers.NAME]`, `[[prompts]]`); the built-in suite without it.
    suite: Option<PathBuf>,
    /// Images per prompt and provider (default: the suite's, else 3).
    #[arg(long)]
    repeats: Option<u32>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also write an HTML report to this file.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Cap in USD over everything the audit folder has spent; the audit stops there (exit 1)
    /// and a second audit with more asks only what is missing.
    #[arg(long)]
    budget: Option<f64>,
    /// The audit folder (ledger and images): default `out/audit-<suite name>` next to the suite
    /// file, `out/audit-built-in` for the built-in suite.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Pay again for images the folder's ledger has but its store lost.
    #[arg(long)]
    rebuy: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    #[serde(default)]
    suite: SuiteTable,
    #[serde(default)]
    providers: BTreeMap<String, ProviderTable>,
    #[serde(default)]
    prompts: Vec<PromptTable>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SuiteTable {
    name: Option<String>,
    repeats: Option<u32>,
    size: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct ProviderTable {
    kind: String,
    model: Option<String>,
    api_key_env: Option<String>,
    base_url: Option<String>,
    timeout: Option<f64>,
    /// Calls in flight at most (default 1: a real service sees one call at a time).
    concurrency: Option<u32>,
    /// Per-image USD overriding the built-in table.
    prices: Option<PriceTable>,
    /// `comfyui`: the API-format workflow (relative to the suite file) and its inputs.
    workflow: Option<String>,
    #[serde(default)]
    inputs: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct PriceTable {
    image: Option<f64>,
    #[serde(rename = "1K")]
    k1: Option<f64>,
    #[serde(rename = "2K")]
    k2: Option<f64>,
    #[serde(rename = "4K")]
    k4: Option<f64>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct PromptTable {
    id: String,
    category: String,
    prompt: String,
}

/// The built-in suite: one prompt per capability a creator relies on.
const DEFAULT_PROMPTS: &[(&str, &str, &str)] = &[
    (
        "single",
        "single object",
        "a red sphere on a white background",
    ),
    ("two", "two objects", "a blue cube and a yellow cylinder"),
    ("count", "counting", "three green spheres"),
    ("colors", "colours", "a purple cone on a #F4F1EA background"),
    ("binding", "colour binding", "a red cube and a blue sphere"),
    (
        "position",
        "position",
        "a red sphere to the left of a blue cube",
    ),
    (
        "camera",
        "camera",
        "a top-down view of a green bottle on a wooden table",
    ),
    ("text", "text", "a sign that says \"OPEN\""),
];

/// Runs the command.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let suite_dir = a
        .suite
        .as_ref()
        .and_then(|p| p.parent())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let (file, name) = read_suite(a.suite.as_deref())?;
    for out in [&a.html].into_iter().flatten() {
        super::io::check_writable(out)?;
    }
    let repeats = a.repeats.or(file.suite.repeats).unwrap_or(3);
    if !(1..=1000).contains(&repeats) {
        return Err(Fail::Input(format!(
            "--repeats {repeats}: accepted 1 to 1000"
        )));
    }
    let size_text = file.suite.size.clone().unwrap_or_else(|| "512".into());
    let size: darkroom_core::SizeSpec = size_text
        .parse()
        .map_err(|e| Fail::Input(format!("{name}: suite.size: {e}")))?;
    let dims = darkroom_core::resolve_dims(size, None)
        .map_err(|e| Fail::Input(format!("{name}: suite.size: {e}")))?;
    let prompts: Vec<PromptTable> = if file.prompts.is_empty() {
        DEFAULT_PROMPTS
            .iter()
            .map(|(id, cat, p)| PromptTable {
                id: id.to_string(),
                category: cat.to_string(),
                prompt: p.to_string(),
            })
            .collect()
    } else {
        file.prompts.clone()
    };
    let providers = suite_providers(&file, &suite_dir, &name)?;
    if let Some(b) = a.budget {
        if !(b.is_finite() && b >= 0.0) {
            return Err(Fail::Input(format!(
                "--budget {b}: accepted a amount in USD, 0 or more"
            )));
        }
    }
    let out = a.out.clone().unwrap_or_else(|| {
        let stem = a
            .suite
            .as_ref()
            .and_then(|p| p.file_stem())
            .map_or("built-in".to_string(), |s| s.to_string_lossy().into_owned());
        suite_dir.join("out").join(format!("audit-{stem}"))
    });
    let names: Vec<String> = providers.keys().cloned().collect();
    let suite = darkroom_engine::audit::Suite {
        name: name.clone(),
        repeats,
        size: dims,
        prompts: prompts
            .iter()
            .map(|p| darkroom_engine::audit::SuitePrompt {
                id: p.id.clone(),
                category: p.category.clone(),
                prompt: p.prompt.clone(),
            })
            .collect(),
        providers,
    };
    eprintln!(
        "audit folder: {} (its ledger keeps every image and what it cost)",
        out.display()
    );
    let r = darkroom_engine::audit::audit_models(
        suite,
        darkroom_engine::audit::AuditOptions {
            out: out.clone(),
            budget: a.budget,
            rebuy: a.rebuy,
            ctrl_c: true,
            progress: Some(std::sync::Arc::new(super::run::Lines)),
        },
    )
    .map_err(Fail::engine)?;
    let samples = &r.samples;
    let summaries: Vec<Summary> = names
        .iter()
        .map(|n| darkroom_engine::audit::summarize(n, samples))
        .collect();
    if a.json {
        print_json(&r, &summaries, (&name, repeats, &out));
    } else {
        print_text(&summaries);
    }
    if let Some(html) = &a.html {
        let store = darkroom_ledger::Store::new(out.join("store"));
        let r = html_report(
            &name, repeats, &size_text, &prompts, samples, &summaries, &store,
        );
        let w = darkroom_report::write(&r, html).map_err(Fail::input)?;
        eprintln!(
            "report: {} ({:.1} kB with thumbnails)",
            w.html.display(),
            w.bytes as f64 / 1e3
        );
    }
    eprintln!(
        "this audit: {} call(s) sent, {} answered from the folder's ledger; the folder has spent ${:.3} in all",
        r.sent, r.reused, r.spent_total
    );
    if let Some(b) = &r.budget_stop {
        eprintln!(
            "stopped by the budget (USD): {b}; {} image(s) not asked. Run again with a larger --budget: what is done is reused, only what is missing is asked",
            r.not_asked()
        );
    }
    if r.interrupted {
        eprintln!(
            "stopped: interrupted, {} image(s) not asked; run the same command again to resume",
            r.not_asked()
        );
    }
    if r.budget_stop.is_some() || r.interrupted {
        return Ok(ExitCode::from(1));
    }
    // Failed calls are results of the audit (counted and shown); it failed only when a provider
    // gave nothing to measure.
    let unmeasured: Vec<&str> = summaries
        .iter()
        .filter(|s| s.images == 0)
        .map(|s| s.provider.as_str())
        .collect();
    if !unmeasured.is_empty() {
        eprintln!(
            "error: no image came back from {}: nothing to measure",
            unmeasured.join(", ")
        );
    }
    Ok(if unmeasured.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The suite file (or the built-in suite) and the suite's name.
fn read_suite(suite: Option<&std::path::Path>) -> Result<(SuiteFile, String), Fail> {
    Ok(match suite {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Fail::Input(format!("cannot read suite `{}`: {e}", p.display())))?;
            let f: SuiteFile = toml::from_str(&text).map_err(|e| {
                Fail::Input(format!(
                    "suite `{}`: {}",
                    p.display(),
                    e.to_string().replace('\n', " ")
                ))
            })?;
            let name = f
                .suite
                .name
                .clone()
                .unwrap_or_else(|| p.display().to_string());
            (f, name)
        }
        None => (SuiteFile::default(), "built-in suite".to_string()),
    })
}

/// The suite's providers as campaign entries (two sim profiles when it names none); every
/// problem with them (an unknown kind, a missing key, a bad workflow) at once.
fn suite_providers(
    file: &SuiteFile,
    suite_dir: &std::path::Path,
    name: &str,
) -> Result<BTreeMap<String, darkroom_campaign::Provider>, Fail> {
    let mut tables = file.providers.clone();
    if tables.is_empty() {
        for m in ["fast-draft", "pro"] {
            tables.insert(
                format!("sim-{m}"),
                ProviderTable {
                    kind: "sim".into(),
                    model: Some(m.into()),
                    api_key_env: None,
                    base_url: None,
                    timeout: None,
                    concurrency: None,
                    prices: None,
                    workflow: None,
                    inputs: Default::default(),
                },
            );
        }
    }
    // Every provider problem at once, before any call.
    let mut problems = Vec::new();
    let mut providers = BTreeMap::new();
    for (pname, t) in &tables {
        let Some(kind) = darkroom_campaign::ProviderKind::parse(&t.kind) else {
            let kinds: Vec<&str> = darkroom_campaign::ProviderKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect();
            problems.push(format!(
                "providers.{pname}.kind: unknown `{}`; accepted: {}",
                t.kind,
                kinds.join(", ")
            ));
            continue;
        };
        let entry = darkroom_campaign::Provider {
            name: pname.clone(),
            kind,
            model: t.model.clone(),
            api_key_env: t.api_key_env.clone(),
            base_url: t.base_url.clone(),
            pool: Vec::new(),
            timeout: t.timeout.unwrap_or(120.0),
            concurrency: t.concurrency.unwrap_or(1).clamp(1, 64),
            rate_limit: None,
            sim: Default::default(),
            prices: t.prices.map(|x| darkroom_campaign::Prices {
                image: x.image,
                k1: x.k1,
                k2: x.k2,
                k4: x.k4,
            }),
            workflow: t.workflow.as_ref().map(|w| suite_dir.join(w)),
            inputs: t.inputs.clone(),
        };
        // Built here only to report every problem (a missing key, a bad workflow) at once.
        match darkroom_providers::build::provider(pname, &entry) {
            Ok(_) => {
                providers.insert(pname.clone(), entry);
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(Fail::Input(format!("{name}: {}", problems.join("; "))));
    }
    Ok(providers)
}

/// The audit's figures as JSON, per provider and category.
fn print_json(
    r: &darkroom_engine::audit::AuditReport,
    summaries: &[Summary],
    (name, repeats, out): (&str, u32, &std::path::Path),
) {
    let v: Vec<serde_json::Value> = summaries
        .iter()
        .map(|s| {
            let cats: serde_json::Map<String, serde_json::Value> = s
                .categories
                .iter()
                .map(|(k, (y, n, u))| {
                    let (lo, hi) = wilson(*y, *n);
                    (k.clone(), serde_json::json!({"yes": y, "decided": n, "undecided": u, "rate": if *n > 0 { Some(*y as f64 / *n as f64) } else { None }, "wilson95": [lo, hi]}))
                })
                .collect();
            serde_json::json!({
                "provider": s.provider, "images": s.images, "failed": s.failed,
                "not_asked": s.not_asked, "calls": s.calls,
                "spent_usd": s.spent, "successes": s.successes,
                "cpsa_usd": (s.successes > 0).then(|| s.spent / s.successes as f64),
                "latency_p50": s.latency.map(|l| l.0), "latency_p95": s.latency.map(|l| l.1),
                "categories": cats,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "suite": name, "repeats": repeats, "folder": out.display().to_string(),
            "sent": r.sent, "reused": r.reused, "not_asked": r.not_asked(),
            "spent_total_usd": r.spent_total,
            "budget_stop": r.budget_stop.as_ref().map(|b| serde_json::json!({
                "cap": b.cap.amount, "committed": b.committed.amount, "needed": b.needed.amount,
                "unit": b.cap.unit.as_str(),
            })),
            "providers": v,
        }))
        .unwrap_or_default()
    );
}

/// The audit's figures as text, per provider and category.
fn print_text(summaries: &[Summary]) {
    for s in summaries {
        println!(
            "{}: {} images ({} failed{}), {} calls, ${:.3}, {} successful, CPSA {}, latency p50 {} p95 {}",
            s.provider,
            s.images,
            s.failed,
            if s.not_asked > 0 { format!(", {} not asked", s.not_asked) } else { String::new() },
            s.calls,
            s.spent,
            s.successes,
            if s.successes > 0 { format!("${:.4}", s.spent / s.successes as f64) } else { "-".into() },
            s.latency.map_or("-".into(), |l| format!("{:.2} s", l.0)),
            s.latency.map_or("-".into(), |l| format!("{:.2} s", l.1)),
        );
        println!(
            "  {:<10} {:>9} {:>7}  {:<15} {:>9}",
            "category", "yes/dec", "rate", "Wilson 95 %", "undecided"
        );
        for (k, (y, n, u)) in &s.categories {
            let (lo, hi) = wilson(*y, *n);
            let rate = if *n > 0 {
                format!("{:.3}", *y as f64 / *n as f64)
            } else {
                "-".into()
            };
            println!(
                "  {k:<10} {:>9} {rate:>7}  [{lo:.3}, {hi:.3}]  {u:>9}",
                format!("{y}/{n}")
            );
        }
    }
}

fn html_report(
    name: &str,
    repeats: u32,
    size: &str,
    prompts: &[PromptTable],
    samples: &[Sample],
    summaries: &[Summary],
    store: &darkroom_ledger::Store,
) -> darkroom_report::Report {
    use darkroom_report::*;
    let mut stats = Vec::new();
    for s in summaries {
        stats.push(Stat {
            label: s.provider.clone(),
            value: if s.successes > 0 {
                format!("${:.4}", s.spent / s.successes as f64)
            } else {
                "–".into()
            },
            note: format!(
                "CPSA · {}/{} images fully adherent · ${:.3} spent",
                s.successes, s.images, s.spent
            ),
            tone: String::new(),
        });
    }
    let mut rows = Vec::new();
    for s in summaries {
        for (k, (y, n, u)) in &s.categories {
            let (lo, hi) = wilson(*y, *n);
            rows.push(vec![
                s.provider.clone(),
                k.clone(),
                format!("{y}/{n}"),
                if *n > 0 {
                    format!("{:.3}", *y as f64 / *n as f64)
                } else {
                    "–".into()
                },
                format!("[{lo:.3}, {hi:.3}]"),
                u.to_string(),
            ]);
        }
    }
    let lat_rows = summaries
        .iter()
        .map(|s| {
            vec![
                s.provider.clone(),
                s.images.to_string(),
                s.failed.to_string(),
                s.calls.to_string(),
                format!("${:.3}", s.spent),
                s.latency.map_or("–".into(), |l| format!("{:.2} s", l.0)),
                s.latency.map_or("–".into(), |l| format!("{:.2} s", l.1)),
            ]
        })
        .collect();
    let charts = charts(summaries, samples);
    let mut thumbs = Vec::new();
    let sections = summaries
        .iter()
        .map(|s| {
            let cards = samples
                .iter()
                .filter(|x| x.provider == s.provider)
                .map(|x| sample_card(x, &s.provider, prompts, store, &mut thumbs))
                .collect();
            Section {
                id: s.provider.clone(),
                title: s.provider.clone(),
                text: String::new(),
                facts: vec![
                    format!("{} images", s.images),
                    format!("{} failed", s.failed),
                    format!("{} fully adherent", s.successes),
                ],
                checklist: vec![],
                sheets: vec![Sheet {
                    title: "Images".into(),
                    cards,
                }],
            }
        })
        .collect();
    Report {
        title: name.to_string(),
        kind: "audit models".into(),
        subtitle: format!(
            "{} prompts × {} providers × {repeats} repeats at {size}",
            prompts.len(),
            summaries.len()
        ),
        stats,
        tables: vec![
            Table {
                title: "Adherence per checklist category".into(),
                columns: [
                    "provider",
                    "category",
                    "yes/decided",
                    "rate",
                    "Wilson 95 %",
                    "undecided",
                ]
                .map(String::from)
                .to_vec(),
                rows,
            },
            Table {
                title: "Calls, spend and latency".into(),
                columns: [
                    "provider",
                    "images",
                    "failed",
                    "calls",
                    "spend",
                    "latency p50",
                    "latency p95",
                ]
                .map(String::from)
                .to_vec(),
                rows: lat_rows,
            },
        ],
        charts,
        sections,
        thumbs,
        ..Report::default()
    }
}

/// The audit page's charts: adherence per category for each provider, and latency.
fn charts(summaries: &[Summary], samples: &[Sample]) -> Vec<darkroom_report::Chart> {
    use darkroom_report::*;
    let mut charts: Vec<Chart> = summaries
        .iter()
        .map(|s| Chart::Bars {
            id: format!("adherence-{}", s.provider),
            title: format!(
                "{}: adherence per checklist category (bars), Wilson 95 % in the labels",
                s.provider
            ),
            y_label: "adherence".into(),
            bars: s
                .categories
                .iter()
                .filter(|(_, v)| v.1 > 0)
                .map(|(k, (y, n, _))| {
                    let (lo, hi) = wilson(*y, *n);
                    Bar {
                        label: k.clone(),
                        value: *y as f64 / *n as f64,
                        note: format!("{:.2}–{:.2}", lo, hi),
                    }
                })
                .collect(),
            max: 1.0,
            reference: None,
        })
        .collect();
    let groups = summaries
        .iter()
        .map(|s| {
            let l: Vec<f64> = samples
                .iter()
                .filter(|x| x.provider == s.provider)
                .filter_map(|x| match &x.outcome {
                    SampleOutcome::Judged(j) => Some(j.latency),
                    _ => None,
                })
                .collect();
            (s.provider.clone(), l)
        })
        .collect();
    charts.push(Chart::Histograms {
        id: "latency".into(),
        title: "Latency per provider".into(),
        x_label: "seconds".into(),
        groups,
    });
    charts
}

/// One image's card on the audit page (its thumbnail added to `thumbs`).
fn sample_card(
    x: &Sample,
    provider: &str,
    prompts: &[PromptTable],
    store: &darkroom_ledger::Store,
    thumbs: &mut Vec<darkroom_report::Thumb>,
) -> darkroom_report::Card {
    use darkroom_report::*;
    let pr = prompts.iter().find(|p| p.id == x.prompt);
    let title = format!("{} · #{}", x.prompt, x.repeat + 1);
    match &x.outcome {
        SampleOutcome::Judged(j) => {
            let png = j
                .asset
                .as_deref()
                .and_then(|h| store.find(h))
                .and_then(|p| std::fs::read(p).ok());
            let thumb = png
                .and_then(|png| darkroom_imageops::decode_png(&png, "t", 1 << 26).ok())
                .map(|img| {
                    let (bytes, size) = darkroom_imageops::thumbnail_jpeg(&img, 240, 78);
                    let name = format!("{}-{}-{}.jpg", provider, x.prompt, x.repeat);
                    thumbs.push(Thumb {
                        name: name.clone(),
                        bytes,
                    });
                    (name, size)
                });
            Card {
                title,
                thumb: thumb.as_ref().map(|t| t.0.clone()),
                thumb_size: thumb.map_or((0, 0), |t| t.1),
                link: None,
                status: if j.success() { "passed" } else { "rejected" }.into(),
                reason: pr.map_or(String::new(), |p| format!("{}: {}", p.category, p.prompt)),
                scores: vec![
                    format!("latency {:.2} s", j.latency),
                    format!("cost ${:.4}", j.usd),
                ],
                verdicts: j
                    .verdicts
                    .iter()
                    .map(|(cat, v, q, ev)| VerdictLine {
                        verdict: v.as_str().into(),
                        text: format!("[{cat}] {q} — {ev}"),
                    })
                    .collect(),
            }
        }
        SampleOutcome::Failed(e) => Card {
            title,
            status: "failed".into(),
            reason: e.clone(),
            ..Card::default()
        },
        SampleOutcome::NotAsked => Card {
            title,
            status: "not asked".into(),
            reason: "the budget stopped the audit first".into(),
            ..Card::default()
        },
    }
}

//! `darkroom audit judges`: how accurate the layout judge is, against mutations injected at a
//! known rate into generated prompts rendered with `sketch`; or, with `--photos DIR`, on a
//! labelled set of photographs (`DIR/labels.tsv`, see [`darkroom_judges::photos`]).

use std::process::ExitCode;

use darkroom_core::Quality;
use darkroom_judges::accuracy::{generate, run, TierReport};
use rayon::prelude::*;

use crate::fail::Fail;

/// Arguments of `darkroom audit judges`.
#[derive(clap::Args)]
pub struct Args {
    /// Number of generated prompts (per tier).
    #[arg(long, default_value_t = 500)]
    n: usize,
    /// Share of prompts mutated before rendering.
    #[arg(long, default_value_t = 0.5)]
    rate: f64,
    /// Render size (square).
    #[arg(long, default_value_t = 384)]
    size: u32,
    /// Tiers: draft, finish or both.
    #[arg(long, default_value = "draft,finish")]
    tiers: String,
    /// Seed of the prompt generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// A labelled set of photographs instead of generated renders: a folder with the images and
    /// `labels.tsv` (image, prompt, `true` or `false: QUESTION`).
    #[arg(long)]
    photos: Option<std::path::PathBuf>,
    /// With `--photos`: also ask the vision judge of this campaign (`[judges] vision`, e.g. a
    /// model on a server of your own) about every case, through the budget and a ledger of its
    /// own in `<output>/audit-photos`; its decided verdicts stand, as in a run on photographs.
    #[arg(long, value_name = "CAMPAIGN", requires = "photos")]
    vision: Option<std::path::PathBuf>,
    /// A campaign reviewed in `darkroom review`: how often each judge agreed with the people's
    /// verdicts and decisions there.
    #[arg(long, value_name = "CAMPAIGN")]
    human: Option<std::path::PathBuf>,
}

/// `audit judges --human CAMPAIGN`.
fn human(campaign: &std::path::Path, json: bool) -> Result<ExitCode, Fail> {
    let (_, l) = super::io::campaign_ledger(campaign)?;
    let dump = l.dump().map_err(|e| Fail::Internal(e.into()))?;
    let people = l.human_decisions().map_err(|e| Fail::Internal(e.into()))?;
    let a = darkroom_readout::agreement::measure(&dump, &dump.scores, &people);
    if json {
        println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
    } else {
        print!("{}", darkroom_readout::agreement::text(&a));
    }
    Ok(ExitCode::SUCCESS)
}

/// The default adherence gate (`[gates] adherence` when a campaign sets none).
const DEFAULT_GATE: f64 = 0.8;

/// What the vision judge of `campaign` answered about each case (by index), and a line saying
/// what it cost.
fn ask_vision(
    campaign: &std::path::Path,
    dir: &std::path::Path,
    cases: &[darkroom_judges::photos::Case],
) -> Result<(Vec<Option<darkroom_core::judge::Judgement>>, String, bool), Fail> {
    let c = match super::io::read_campaign(campaign) {
        Ok(c) => c,
        Err(Fail::Said(_)) => {
            return Err(Fail::Input(format!(
                "--vision {}: the campaign has problems (above)",
                campaign.display()
            )))
        }
        Err(e) => return Err(e),
    };
    let Some(name) = c.vision.clone() else {
        return Err(Fail::Input(format!(
            "--vision {}: the campaign names no vision judge; accepted: a campaign with [judges] vision = \"PROVIDER\"",
            campaign.display()
        )));
    };
    let mut questions = Vec::with_capacity(cases.len());
    for case in cases {
        let path = dir.join(&case.image);
        let png = std::fs::read(&path)
            .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", path.display())))?;
        questions.push(darkroom_engine::photos::PhotoQuestion {
            image: case.image.clone(),
            png,
            prompt: case.prompt.clone(),
        });
    }
    let keys: Vec<String> = questions.iter().map(|q| q.key()).collect();
    let out = std::path::Path::new(&c.output).join("audit-photos");
    eprintln!(
        "asking the vision judge `{name}` about {} case(s); its ledger: {}",
        questions.len(),
        out.display()
    );
    let a = darkroom_engine::photos::ask_photos(
        c,
        out,
        questions,
        darkroom_engine::Options {
            ctrl_c: true,
            ..darkroom_engine::Options::default()
        },
    )
    .map_err(Fail::engine)?;
    let mut line = format!(
        "vision judge `{name}`: {} of {} cases answered ({} asked now, {} from its ledger), {:.4} spent in all",
        a.answers.len(),
        keys.len(),
        a.sent,
        a.reused,
        a.spent
    );
    if let Some(stop) = &a.budget_stop {
        line.push_str(&format!("; the budget stopped it: {stop}"));
    }
    let complete = a.answers.len() == keys.len();
    Ok((
        keys.iter().map(|k| a.answers.get(k).cloned()).collect(),
        line,
        complete,
    ))
}

/// `audit judges --photos DIR [--vision CAMPAIGN]`.
fn photos(
    dir: &std::path::Path,
    vision: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode, Fail> {
    let labels = dir.join("labels.tsv");
    let text = std::fs::read_to_string(&labels)
        .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", labels.display())))?;
    let cases = darkroom_judges::photos::parse_labels(&text)
        .map_err(|errs| Fail::Input(format!("`{}`: {}", labels.display(), errs.join("; "))))?;
    let (seen, asked, complete) = match vision {
        Some(c) => {
            let (seen, line, complete) = ask_vision(c, dir, &cases)?;
            (seen, Some(line), complete)
        }
        None => (Vec::new(), None, true),
    };
    let r = darkroom_judges::photos::audit(
        dir,
        &cases,
        DEFAULT_GATE,
        darkroom_core::judge::DEFAULT_MIN_CONFIDENCE,
        &|i| seen.get(i).cloned().flatten(),
    );
    let share = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    if json {
        print_photos_json(&r, &cases, asked.as_deref());
    } else {
        println!(
            "{} on {} labelled cases ({} images) in {}",
            if vision.is_some() {
                "layout and vision judges"
            } else {
                "layout judge"
            },
            cases.len(),
            cases
                .iter()
                .map(|c| c.image.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            dir.display()
        );
        println!(
            "  {:<10} {:>11} {:>9} {:>10} {:>12} {:>14}",
            "category", "true claims", "decided", "no (wrong)", "undecided", "false caught"
        );
        let pct = |x: Option<f64>| x.map_or("-".into(), |v| format!("{:.0}%", v * 100.0));
        for (k, f) in &r.categories {
            println!(
                "  {:<10} {:>11} {:>9} {:>10} {:>12} {:>14}",
                k,
                f.true_claims,
                f.true_decided,
                format!(
                    "{} ({})",
                    f.no_on_true,
                    pct(share(f.no_on_true, f.true_decided))
                ),
                pct(share(f.true_claims - f.true_decided, f.true_claims)),
                format!("{}/{}", f.caught, f.false_claims),
            );
        }
        println!(
            "true prompts passing the default gate ({DEFAULT_GATE}, a 'no' counting from confidence {}): {} of {} ({})",
            darkroom_core::judge::DEFAULT_MIN_CONFIDENCE,
            r.true_pass,
            r.true_prompts,
            pct(share(r.true_pass, r.true_prompts))
        );
        let bands: Vec<String> = r
            .no_by_confidence
            .iter()
            .map(|(b, right, wrong)| format!("≥{b:.2}: {right} right, {wrong} wrong"))
            .collect();
        println!("'no' by confidence: {}", bands.join("; "));
        if let Some(line) = &asked {
            println!(
                "{line}; {} item(s) the two judges decided oppositely (the vision verdict stood)",
                r.disagreements
            );
        }
        // What a judge blind to objects can reach: said of the pixel judge alone.
        if let (Some(f), Some(ceiling), None) =
            (r.categories.get("color"), colour_ceiling(&r), vision)
        {
            println!(
                "false colour claims whose colour is in the picture all the same (elsewhere, or a small part of the object): {} of {}; a judge that cannot find the named object must abstain on them, so it catches at most {} of {} ({:.2})",
                r.colour_elsewhere,
                f.false_claims,
                f.false_claims - r.colour_elsewhere,
                f.false_claims,
                ceiling
            );
        }
        for (i, p, q, e) in &r.rejections {
            println!("  rejected what is true: {i} {p:?}: {q} — {e}");
        }
        for (i, p, q, e) in &r.misses {
            println!("  let what is false pass: {i} {p:?}: {q} — {e}");
        }
    }
    for e in &r.errors {
        eprintln!("error: {e}");
    }
    // A case the vision judge did not answer (it failed, the budget stopped it) is judged by
    // pixels alone: said, and exit 1.
    Ok(if r.errors.is_empty() && complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The photographs audit as JSON, per category, with every rejection and miss.
fn print_photos_json(
    r: &darkroom_judges::photos::PhotoReport,
    cases: &[darkroom_judges::photos::Case],
    asked: Option<&str>,
) {
    let share = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    let cats: serde_json::Map<String, serde_json::Value> = r
        .categories
        .iter()
        .map(|(k, f)| {
            (
                k.clone(),
                serde_json::json!({
                    "true_claims": f.true_claims, "true_decided": f.true_decided,
                    "no_on_true": f.no_on_true,
                    "no_share_of_decided_true": share(f.no_on_true, f.true_decided),
                    "undecided_share_of_true": share(f.true_claims - f.true_decided, f.true_claims),
                    "false_claims": f.false_claims, "caught": f.caught, "missed": f.missed,
                    "recall_of_no": share(f.caught, f.false_claims),
                }),
            )
        })
        .collect();
    let (no, decided) = r
        .categories
        .values()
        .fold((0, 0), |(n, d), f| (n + f.no_on_true, d + f.true_decided));
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "cases": cases.len(),
            "images": cases.iter().map(|c| c.image.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
            "true_prompts": r.true_prompts, "true_pass_default_gate": r.true_pass,
            "pass_share": share(r.true_pass, r.true_prompts),
            "no_share_of_decided_true": share(no, decided),
            "categories": cats,
            "rejections": r.rejections.iter().map(|(i, p, q, e)| serde_json::json!({"image": i, "prompt": p, "question": q, "evidence": e})).collect::<Vec<_>>(),
            "misses": r.misses.iter().map(|(i, p, q, e)| serde_json::json!({"image": i, "prompt": p, "question": q, "evidence": e})).collect::<Vec<_>>(),
            "vision_answered": r.vision_answered,
            "disagreements": r.disagreements,
            "vision": asked,
            "colour_false_claims_with_the_colour_elsewhere": r.colour_elsewhere,
            "colour_recall_ceiling_without_finding_objects": colour_ceiling(r),
            "no_by_confidence": r.no_by_confidence.iter().map(|(b, right, wrong)| serde_json::json!({"from": b, "right": right, "wrong": wrong})).collect::<Vec<_>>(),
            "errors": r.errors,
        }))
        .unwrap_or_default()
    );
}

/// The most colour recall a pixel judge that cannot find objects can reach on the set.
fn colour_ceiling(r: &darkroom_judges::photos::PhotoReport) -> Option<f64> {
    let f = r.categories.get("color").filter(|f| f.false_claims > 0)?;
    Some((f.false_claims - r.colour_elsewhere) as f64 / f.false_claims as f64)
}

/// Runs the command.
pub fn run_cmd(a: Args) -> Result<ExitCode, Fail> {
    if let Some(dir) = &a.photos {
        return photos(dir, a.vision.as_deref(), a.json);
    }
    if let Some(c) = &a.human {
        return human(c, a.json);
    }
    if !(1..=100_000).contains(&a.n) {
        return Err(Fail::Input(format!("--n {}: accepted 1..=100000", a.n)));
    }
    if !(0.0..=1.0).contains(&a.rate) {
        return Err(Fail::Input(format!("--rate {}: accepted 0..1", a.rate)));
    }
    if !(64..=2048).contains(&a.size) {
        return Err(Fail::Input(format!(
            "--size {}: accepted 64..=2048",
            a.size
        )));
    }
    let tiers: Vec<Quality> = a
        .tiers
        .split(',')
        .map(|t| t.parse::<Quality>())
        .collect::<Result<_, _>>()
        .map_err(Fail::input)?;
    let cases = generate(a.n, a.seed, a.rate);
    let size = a.size;
    let render = move |s: &darkroom_prompt::Scene, seed: u64, q: Quality| {
        let img = darkroom_sketch::render(
            s,
            &darkroom_sketch::Options {
                width: size,
                height: size,
                seed,
                quality: q,
            },
        )
        .expect("sizes are validated above");
        (img.width, img.height, img.rgb)
    };
    // Cases are independent: split them across threads, then merge the counts.
    let reports: Vec<TierReport> = tiers
        .iter()
        .map(|&q| {
            let chunks: Vec<TierReport> = cases
                .par_chunks(cases.len().div_ceil(8).max(1))
                .map(|c| run(c, q, &render))
                .collect();
            merge(chunks)
        })
        .collect();
    if a.json {
        let v = serde_json::json!({"n": a.n, "rate": a.rate, "size": a.size, "tiers": reports});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "layout judge against injected mutations: {} prompts per tier, mutation rate {}, {}px",
            a.n, a.rate, a.size
        );
        for r in &reports {
            println!(
                "\n{} (un-mutated renders: adherence {:.3} on what is decided)",
                r.tier, r.clean_adherence
            );
            println!(
                "  {:<9} {:>10} {:>9} {:>10} {:>8} {:>10} {:>9}",
                "category",
                "assertions",
                "violated",
                "precision",
                "recall",
                "undecided",
                "accuracy"
            );
            for s in &r.categories {
                println!(
                    "  {:<9} {:>10} {:>9} {:>10.3} {:>8.3} {:>9.1}% {:>9.3}",
                    s.category,
                    s.assertions,
                    s.violated,
                    s.precision(),
                    s.recall(),
                    s.undecided_rate() * 100.0,
                    s.accuracy()
                );
            }
            for m in r.mistakes.iter().take(5) {
                println!("  mistake: {m}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn merge(parts: Vec<TierReport>) -> TierReport {
    let mut it = parts.into_iter();
    let mut acc = it.next().expect("at least one chunk");
    let mut clean = acc.clean_adherence;
    let mut k = 1.0;
    for p in it {
        for (a, b) in acc.categories.iter_mut().zip(p.categories) {
            a.assertions += b.assertions;
            a.violated += b.violated;
            a.true_no += b.true_no;
            a.false_no += b.false_no;
            a.false_yes += b.false_yes;
            a.true_yes += b.true_yes;
            a.undecided += b.undecided;
        }
        clean += p.clean_adherence;
        k += 1.0;
        acc.mistakes.extend(p.mistakes);
    }
    acc.mistakes.truncate(20);
    acc.clean_adherence = clean / k;
    acc
}

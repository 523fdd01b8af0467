//! `darkroom audit judges`: how accurate the layout judge is, against mutations injected at a
//! known rate into generated prompts rendered with `sketch`.

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
}

/// Runs the command.
pub fn run_cmd(a: Args) -> Result<ExitCode, Fail> {
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

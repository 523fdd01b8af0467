//! `darkroom judge IMAGE --prompt P [--brand B]`: every checklist assertion with its verdict and
//! evidence, then the scores.

use std::path::PathBuf;
use std::process::ExitCode;

use darkroom_judges::brand::BrandJudge;
use darkroom_judges::layout::LayoutJudge;
use darkroom_judges::novelty::{NoveltyJudge, Siblings};
use darkroom_judges::quality::{QualityJudge, Requested};
use darkroom_judges::{ImageRef, Judge, Judgement, Verdict};

use crate::fail::Fail;

/// Arguments of `darkroom judge`.
#[derive(clap::Args)]
pub struct Args {
    /// The image to judge.
    image: PathBuf,
    /// The prompt it was made from.
    #[arg(long)]
    prompt: String,
    /// A brand file, to also judge brand compliance.
    #[arg(long)]
    brand: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    // Every input problem at once.
    let scene = darkroom_prompt::parse(&a.prompt).map_err(|e| e.to_string());
    let img = super::io::read_image(&a.image).map_err(|e| e.to_string());
    let brand = a
        .brand
        .as_ref()
        .map(|b| super::io::read_brand(b))
        .transpose()
        .map_err(|e| e.to_string());
    let errs: Vec<String> = [
        scene.as_ref().err(),
        img.as_ref().err(),
        brand.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if !errs.is_empty() {
        return Err(Fail::Input(errs.join("; ")));
    }
    let (Ok(scene), Ok(img), Ok(brand)) = (scene, img, brand) else {
        return Err(Fail::Input("invalid input".into()));
    };
    let view = ImageRef {
        width: img.width,
        height: img.height,
        rgb: &img.rgb,
    };
    let mut judgements: Vec<Judgement> = vec![
        LayoutJudge.judge(view, &scene),
        QualityJudge.judge(
            view,
            &Requested {
                width: img.width,
                height: img.height,
            },
        ),
        NoveltyJudge.judge(
            view,
            &Siblings {
                hashes: Vec::new(),
                threshold: 6,
            },
        ),
    ];
    if let Some(b) = brand {
        judgements.push(BrandJudge::new(b).judge(view, &()));
    }
    if a.json {
        let v = serde_json::json!({"checklist": scene.checklist, "judgements": judgements});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let mark = |v: Verdict| match v {
        Verdict::Yes => "yes",
        Verdict::No => "NO ",
        Verdict::Undecided => " ? ",
    };
    println!("{}", a.image.display());
    for f in &judgements[0].findings {
        let Some(id) = f.assertion else { continue };
        let q = &scene.checklist[id];
        println!(
            "  [{}] {}  {:<9} {}\n        {}",
            id,
            mark(f.verdict),
            q.kind.as_str(),
            q.question,
            f.evidence
        );
    }
    for j in &judgements[1..] {
        for f in &j.findings {
            println!("  {} {:<9} {}", mark(f.verdict), j.judge, f.evidence);
        }
    }
    // Each score with what it means: the numbers alone ("quality 0.628" beside three yes
    // lines) say nothing to a person.
    println!("scores: (0 to 1, higher is better)");
    let metric = |j: &Judgement, k: &str| j.metrics.iter().find(|m| m.0 == k).map(|m| m.1);
    for j in &judgements {
        let Some(score) = j.score else {
            println!("  {:<8} -", j.judge);
            continue;
        };
        let count = |v: Verdict| {
            j.findings
                .iter()
                .filter(|f| f.assertion.is_some() && f.verdict == v)
                .count()
        };
        let meaning = match j.judge.as_str() {
            "layout" => format!(
                "adherence: {} of {} decided checklist items are yes ({} undecided, not counted)",
                count(Verdict::Yes),
                count(Verdict::Yes) + count(Verdict::No),
                count(Verdict::Undecided)
            ),
            "quality" => format!(
                "sharpness from edge contrast{}; the yes lines above are pass/fail checks beside it (0 when both size and aspect are wrong)",
                metric(j, "laplacian_variance")
                    .map_or(String::new(), |v| format!(" (Laplacian variance {v:.0}, mapped to 0–1)"))
            ),
            "novelty" => "how different from the shot's other drafts (perceptual hash distance ÷ 32; 1 when there is none)".to_string(),
            "brand" => "share of the image in the brand palette's colours".to_string(),
            _ => String::new(),
        };
        println!("  {:<8} {score:.3}  {meaning}", j.judge);
    }
    Ok(ExitCode::SUCCESS)
}

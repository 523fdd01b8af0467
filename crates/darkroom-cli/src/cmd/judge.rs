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
    println!("scores:");
    for j in &judgements {
        match j.score {
            Some(s) => println!("  {:<8} {s:.3}", j.judge),
            None => println!("  {:<8} -", j.judge),
        }
    }
    Ok(ExitCode::SUCCESS)
}

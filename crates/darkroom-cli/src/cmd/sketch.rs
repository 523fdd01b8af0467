//! `darkroom sketch PROMPT -o FILE`: one prompt through the built-in renderer.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use darkroom_core::{resolve_dims, Aspect, Quality, SizeSpec};

use crate::fail::Fail;

/// Arguments of `darkroom sketch`.
#[derive(clap::Args)]
pub struct Args {
    /// The prompt text.
    prompt: String,
    /// The PNG file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Varies what the prompt leaves open (placement, jitter, unspecified colours).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// 512, 1K, 2K, 4K, a long side in pixels, or WxH.
    #[arg(long, default_value = "1K")]
    size: String,
    /// Aspect ratio W:H (with a long-side size), e.g. 16:9.
    #[arg(long)]
    aspect: Option<String>,
    /// draft (fast) or finish (antialiased, soft shadows, reflections and refraction).
    #[arg(long, default_value = "draft")]
    quality: String,
    /// Replace the output file if it exists (without it, an existing file is never overwritten).
    #[arg(long)]
    force: bool,
}

/// Runs the command.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    // Validate everything before any work, and report every problem at once.
    let scene = darkroom_prompt::parse(&a.prompt).map_err(|e| e.to_string());
    let size = a.size.parse::<SizeSpec>().map_err(|e| e.to_string());
    let aspect = a
        .aspect
        .as_deref()
        .map(str::parse::<Aspect>)
        .transpose()
        .map_err(|e| e.to_string());
    let quality = a.quality.parse::<Quality>().map_err(|e| e.to_string());
    let mut problems: Vec<String> = [
        &scene.as_ref().err(),
        &size.as_ref().err(),
        &aspect.as_ref().err(),
        &quality.as_ref().err(),
    ]
    .iter()
    .filter_map(|e| e.map(|s| s.to_string()))
    .collect();
    let dims = match (&size, &aspect) {
        (Ok(s), Ok(asp)) => resolve_dims(*s, *asp)
            .map_err(|e| problems.push(e.to_string()))
            .ok(),
        _ => None,
    };
    if !problems.is_empty() {
        return Err(Fail::Input(problems.join("; ")));
    }
    let (Ok(scene), Some((width, height)), Ok(quality)) = (scene, dims, quality) else {
        return Err(Fail::Input("invalid arguments".into()));
    };
    // An existing file is someone's work: replaced only when asked, like `init` never does.
    if a.output.exists() && !a.force {
        return Err(Fail::Input(format!(
            "`{}` already exists; darkroom sketch does not overwrite without --force",
            a.output.display()
        )));
    }
    // Open the output first: a path we cannot write should fail before the render, not after.
    let mut file = File::create(&a.output).map_err(|e| {
        Fail::Input(format!(
            "cannot write `{}`: {e}; give a path in an existing, writable folder",
            a.output.display()
        ))
    })?;
    let start = Instant::now();
    let opts = darkroom_sketch::Options {
        width,
        height,
        seed: a.seed,
        quality,
    };
    let img = darkroom_sketch::render(&scene, &opts).map_err(Fail::input)?;
    let size_s = format!("{width}x{height}");
    let seed_s = a.seed.to_string();
    let q = quality.to_string();
    let meta = [
        ("Software", "darkroom sketch"),
        ("prompt", a.prompt.as_str()),
        ("seed", seed_s.as_str()),
        ("size", size_s.as_str()),
        ("quality", q.as_str()),
    ];
    let bytes = darkroom_imageops::encode_png(img.width, img.height, &img.rgb, &meta)
        .map_err(|e| Fail::Internal(e.into()))?;
    file.write_all(&bytes)
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", a.output.display())))?;
    eprintln!(
        "wrote {} ({size_s}, {q}, seed {}) in {:.2} s",
        a.output.display(),
        a.seed,
        start.elapsed().as_secs_f64()
    );
    if !scene.unparsed.is_empty() {
        eprintln!("note: not understood: {}", scene.unparsed.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

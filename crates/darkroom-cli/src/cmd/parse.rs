//! `darkroom parse PROMPT [--json]`: the scene graph and checklist of a prompt.

use std::process::ExitCode;

use crate::fail::Fail;

/// Arguments of `darkroom parse`.
#[derive(clap::Args)]
pub struct Args {
    /// The prompt text.
    prompt: String,
    /// Print JSON (the format later tools read) instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let scene = darkroom_prompt::parse(&a.prompt).map_err(Fail::input)?;
    if a.json {
        let s = serde_json::to_string_pretty(&scene).map_err(|e| Fail::Internal(e.into()))?;
        println!("{s}");
    } else {
        print!("{}", darkroom_prompt::to_text(&scene));
    }
    Ok(ExitCode::SUCCESS)
}

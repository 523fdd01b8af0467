//! `darkroom init [DIR]`: writes a commented example campaign that runs offline.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::fail::Fail;

/// The example campaign (the one in `examples/`).
const EXAMPLE: &str = include_str!("../../../../examples/spring-launch.toml");

/// Arguments of `darkroom init`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder to write `campaign.toml` into (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// Runs the command; never overwrites an existing file.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    std::fs::create_dir_all(&a.dir)
        .map_err(|e| Fail::Input(format!("cannot create `{}`: {e}", a.dir.display())))?;
    let path = a.dir.join("campaign.toml");
    if path.exists() {
        return Err(Fail::Input(format!(
            "`{}` already exists; darkroom init never overwrites a campaign",
            path.display()
        )));
    }
    std::fs::write(&path, EXAMPLE)
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", path.display())))?;
    eprintln!(
        "wrote {}; next: darkroom check {0} && darkroom run {0} (its output folder is beside the campaign file, from whatever folder you run it)",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

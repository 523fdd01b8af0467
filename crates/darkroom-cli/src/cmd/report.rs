//! `darkroom report CAMPAIGN [-o FILE]`: writes the HTML report (summary, charts, a contact sheet
//! per shot, the finals) from the campaign's ledger. `darkroom run` writes the same report at
//! the end of every run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::fail::Fail;

/// Arguments of `darkroom report`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file.
    campaign: PathBuf,
    /// Where to write the HTML (default: `<output>/report.html`); thumbnails go to
    /// `<name>_files/` beside it.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Writes the report for a loaded campaign; returns the page's path and size in bytes (0 when
/// nothing changed since it was last written and `force` is off).
pub fn write(
    c: &darkroom_campaign::Campaign,
    output: Option<&Path>,
    force: bool,
) -> Result<darkroom_readout::ReportWritten, Fail> {
    let base = Path::new("");
    let html = output.map_or_else(
        || base.join(&c.output).join("report.html"),
        Path::to_path_buf,
    );
    if let Some(dir) = html.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Fail::Input(format!("cannot create `{}`: {e}", dir.display())))?;
    }
    darkroom_readout::write_report(c, base, &html, force).map_err(|e| match e {
        darkroom_readout::ReadoutError::NoLedger(..)
        | darkroom_readout::ReadoutError::Report(darkroom_report::ReportError::Io { .. }) => {
            Fail::Input(e.to_string())
        }
        e if e.is_io() => Fail::Input(e.to_string()),
        other => Fail::Internal(other.into()),
    })
}

/// Runs the command.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let c = super::io::read_campaign(&a.campaign)?;
    // Asked for explicitly: always rebuilt.
    let w = write(&c, a.output.as_deref(), true)?;
    println!("{}", w.html.display());
    eprintln!(
        "report: {} ({:.1} kB with thumbnails{})",
        w.html.display(),
        w.bytes as f64 / 1e3,
        match w.pages {
            0 => String::new(),
            n => format!("; {n} shot pages"),
        }
    );
    Ok(ExitCode::SUCCESS)
}

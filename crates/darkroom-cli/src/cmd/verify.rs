//! `darkroom verify FILE… [--json] [--trust PEM]`: each file's Content Credentials in plain
//! words — what made it, from what, which steps, signed by whom — and whether they hold. Exit 1
//! when any file's manifest is invalid (changed after signing, a signature that does not
//! verify); a file without one is reported and is not an error.

use std::path::PathBuf;
use std::process::ExitCode;

use darkroom_provenance::State;

use crate::fail::Fail;

/// `darkroom verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The files (PNG or JPEG).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON: one object per file.
    #[arg(long)]
    json: bool,
    /// A PEM bundle of trust anchors (e.g. the C2PA trust list, or your organisation's CA):
    /// a signer that chains to one is reported trusted.
    #[arg(long)]
    trust: Option<PathBuf>,
}

/// Runs `verify`.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let trust = match &a.trust {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            Fail::Input(format!("cannot read trust anchors `{}`: {e}", p.display()))
        })?),
        None => None,
    };
    let mut invalid = 0;
    let mut all = Vec::new();
    for f in &a.files {
        let bytes = std::fs::read(f)
            .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", f.display())))?;
        let v = darkroom_provenance::verify(&bytes, trust.as_deref())
            .map_err(|e| Fail::Input(format!("`{}`: {e}", f.display())))?;
        if v.state == State::Invalid {
            invalid += 1;
        }
        if a.json {
            let mut j = v.json();
            j["file"] = serde_json::json!(f.display().to_string());
            all.push(j);
        } else {
            println!("{}: {}", f.display(), v.words().join("\n"));
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Array(all)).unwrap_or_default()
        );
    }
    if invalid > 0 {
        eprintln!("{invalid} file(s) with invalid Content Credentials");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

//! `darkroom verify PATH… [--json] [--trust PEM] [--require] [--max-mb N]`: each image's
//! Content Credentials in plain words — what made it, from what, which steps, signed by whom —
//! and whether they hold. Folders are walked; what is not a PNG or JPEG (by its first bytes,
//! read before anything else) is skipped with a note, so `verify deliverables/` checks every
//! image beside the JSON sidecars. Files are read as streams, and one over `--max-mb` is not
//! read at all.
//!
//! Exit codes: 0 every image checked holds (or has no credentials, without `--require`);
//! 1 some image's credentials are invalid, or it has none under `--require`, or it could not
//! be read or was too large; 2 bad arguments (a trust file that cannot be read, a path that
//! does not exist).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use darkroom_provenance::{Format, State};

use crate::fail::Fail;

/// `darkroom verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The images (PNG or JPEG), or folders to walk for them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print JSON: one object per file.
    #[arg(long)]
    json: bool,
    /// A PEM bundle of trust anchors (e.g. the C2PA trust list, or your organisation's CA):
    /// a signer that chains to one is reported trusted.
    #[arg(long)]
    trust: Option<PathBuf>,
    /// An image without Content Credentials fails (exit 1) instead of being reported.
    #[arg(long)]
    require: bool,
    /// Images larger than this many megabytes are reported and not read (the C2PA reader holds
    /// what it reads: a 400 MB file took it 2.3 GB).
    #[arg(long, default_value_t = 256)]
    max_mb: u64,
}

/// What became of one path.
enum Seen {
    /// Checked.
    Checked(darkroom_provenance::Verified),
    /// Not an image: skipped.
    Skipped(&'static str),
    /// An image that could not be checked, and why.
    Unchecked(String),
}

/// The files under `paths`, folders walked in name order; a path that does not exist is an
/// argument error, said with every other one.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Fail> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| {
                Fail::Input(format!("cannot read the folder `{}`: {e}", p.display()))
            })?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            missing.push(format!("`{}`", p.display()));
        }
    }
    if !missing.is_empty() {
        return Err(Fail::Input(format!(
            "no such file or folder: {} (give images, PNG or JPEG, or folders of them)",
            missing.join(", ")
        )));
    }
    Ok(out)
}

/// Checks one file: its type from its first bytes, its size, then its manifest read as a
/// stream.
fn check(f: &Path, trust: Option<&str>, max: u64) -> Seen {
    let mut file = match std::fs::File::open(f) {
        Ok(x) => x,
        Err(e) => return Seen::Unchecked(format!("cannot read it: {e}")),
    };
    let mut head = [0u8; 16];
    let n = file.read(&mut head).unwrap_or(0);
    let Some(format) = Format::sniff(&head[..n]) else {
        return Seen::Skipped("not a PNG or JPEG");
    };
    let size = file.metadata().map_or(0, |m| m.len());
    if size > max {
        return Seen::Unchecked(format!(
            "{:.0} MB, over --max-mb {} MB: not read",
            size as f64 / 1e6,
            max / 1_000_000
        ));
    }
    if let Err(why) = darkroom_provenance::well_formed(&mut file, format, size) {
        return Seen::Unchecked(why);
    }
    let file = match std::fs::File::open(f) {
        Ok(x) => std::io::BufReader::new(x),
        Err(e) => return Seen::Unchecked(format!("cannot read it: {e}")),
    };
    match darkroom_provenance::verify_stream(format, file, trust) {
        Ok(v) => Seen::Checked(v),
        Err(e) => Seen::Unchecked(e.to_string()),
    }
}

/// For a file without credentials: the AI label its XMP still carries, if any (the metadata
/// comes before the pixels, so the first megabytes are read, not the file).
fn left_label(f: &Path) -> Option<String> {
    let mut head = Vec::new();
    std::fs::File::open(f)
        .ok()?
        .take(8 << 20)
        .read_to_end(&mut head)
        .ok()?;
    darkroom_provenance::xmp_source_type(&head)
}

/// Runs `verify`.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let trust = match &a.trust {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            Fail::Input(format!("cannot read trust anchors `{}`: {e}", p.display()))
        })?),
        None => None,
    };
    let files = files(&a.paths)?;
    let max = a.max_mb.saturating_mul(1_000_000);
    let (mut invalid, mut bare, mut unchecked, mut images) = (0, 0, 0, 0);
    let mut all = Vec::new();
    for f in &files {
        let name = f.display().to_string();
        match check(f, trust.as_deref(), max) {
            Seen::Skipped(why) => {
                if a.json {
                    all.push(serde_json::json!({"file": name, "state": "skipped", "why": why}));
                } else {
                    println!("{name}: skipped ({why})");
                }
            }
            Seen::Unchecked(why) => {
                unchecked += 1;
                if a.json {
                    all.push(serde_json::json!({"file": name, "state": "unchecked", "why": why}));
                } else {
                    println!("{name}: not checked: {why}");
                }
            }
            Seen::Checked(v) => {
                images += 1;
                let label = (v.state == State::Absent).then(|| left_label(f)).flatten();
                match v.state {
                    State::Invalid => invalid += 1,
                    State::Absent => bare += 1,
                    State::Trusted | State::Valid => {}
                }
                if a.json {
                    let mut j = v.json();
                    j["file"] = serde_json::json!(name);
                    if let Some(l) = &label {
                        j["xmp_digital_source_type"] = serde_json::json!(l);
                    }
                    all.push(j);
                } else {
                    println!("{name}: {}", v.words().join("\n"));
                    if let Some(l) = label {
                        println!("  its XMP still says DigitalSourceType {l}: the credentials were removed, the label was not");
                    }
                }
            }
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Array(all)).unwrap_or_default()
        );
    }
    let mut bad = Vec::new();
    if invalid > 0 {
        bad.push(format!("{invalid} with invalid Content Credentials"));
    }
    if a.require && bare > 0 {
        bad.push(format!("{bare} without Content Credentials (--require)"));
    }
    if unchecked > 0 {
        bad.push(format!("{unchecked} not checked"));
    }
    if images == 0 && unchecked == 0 {
        eprintln!("no PNG or JPEG among {} file(s)", files.len());
    }
    if !bad.is_empty() {
        eprintln!(
            "{} of {} image(s): {}",
            invalid + unchecked + if a.require { bare } else { 0 },
            images + unchecked,
            bad.join("; ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

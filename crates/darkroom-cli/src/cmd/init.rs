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
    /// The campaign's name (default: the folder's name).
    #[arg(long)]
    name: Option<String>,
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
    // Named after its folder (or --name), with its own output folder and comments that point at
    // the file written, not at the example it was made from.
    let folder = std::fs::canonicalize(&a.dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "campaign".into());
    let name = a.name.clone().unwrap_or(folder);
    let slug = darkroom_campaign::slug(&name);
    if slug.is_empty() {
        return Err(Fail::Input(format!(
            "invalid --name `{name}`: it needs a letter or a digit"
        )));
    }
    let shown = path.display().to_string();
    let text = EXAMPLE
        .replace(
            "# darkroom example campaign: runs offline on the built-in `sketch` renderer.",
            &format!("# {name}: a darkroom campaign, written by `darkroom init`; it runs offline on the built-in `sketch` renderer."),
        )
        .replace(
            "cargo run --release -- check examples/spring-launch.toml",
            &format!("darkroom check {shown}"),
        )
        .replace(
            "cargo run --release -- run examples/spring-launch.toml   (deliverables in examples/out/spring-launch/)",
            &format!("darkroom run {shown}   (deliverables in out/{slug}/ beside this file)"),
        )
        .replace("name = \"spring-launch\"", &format!("name = {}", toml_string(&name)))
        .replace("output = \"out/spring-launch\"", &format!("output = \"out/{slug}\""));
    std::fs::write(&path, text)
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", path.display())))?;
    eprintln!(
        "wrote {}; next: darkroom check {0} && darkroom run {0} (its output folder is beside the campaign file, from whatever folder you run it)",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

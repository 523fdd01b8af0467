//! Content Credentials for the single-file commands (`grade`, `upscale`, `extend`, `inpaint`,
//! `typeset`): the output is signed as an edit of its input — the input (and a manifest it
//! carries, kept whole) as the parent ingredient, then the command's step. The identity is the
//! one in `DARKROOM_C2PA_CERT` / `DARKROOM_C2PA_KEY`, else the output folder's local identity.

use std::path::Path;

use darkroom_provenance::{Format, Part, Role, Step, StepKind, Story};

use crate::fail::Fail;

/// The flag that turns signing off.
#[derive(clap::Args, Debug, Clone)]
pub struct Credentials {
    /// Write the output without Content Credentials (a signed C2PA manifest).
    #[arg(long)]
    no_credentials: bool,
}

impl Credentials {
    /// Signs `output` (already written) as `input` edited by `step`.
    pub fn mark(&self, input: &Path, output: &Path, step: Step) -> Result<(), Fail> {
        if self.no_credentials {
            return Ok(());
        }
        let parent = std::fs::read(input)
            .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", input.display())))?;
        let bytes = std::fs::read(output)
            .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", output.display())))?;
        let Some(fmt) = Format::sniff(&bytes) else {
            return Ok(());
        };
        let folder = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let id = darkroom_provenance::identity::resolve(&Default::default(), folder)
            .map_err(|e| Fail::Input(format!("Content Credentials: {e}")))?;
        let title = |p: &Path| {
            p.file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().to_string())
        };
        // An input that is neither PNG nor JPEG (WebP) cannot be read as an ingredient by c2pa
        // here; the output is then marked as made by darkroom from the step alone.
        let story = if Format::sniff(&parent).is_some() {
            Story {
                title: title(output),
                created: None,
                steps: vec![step],
                parts: vec![Part {
                    title: title(input),
                    role: Role::Parent,
                    bytes: &parent,
                }],
            }
        } else {
            Story {
                title: title(output),
                created: Some(darkroom_provenance::Source::Composite),
                steps: vec![step],
                parts: vec![],
            }
        };
        let signed = darkroom_provenance::sign(&id, fmt, &bytes, &story).map_err(|e| {
            Fail::Input(format!(
                "Content Credentials for `{}`: {e}",
                output.display()
            ))
        })?;
        let mut tmp = output.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, &signed.bytes)
            .and_then(|()| std::fs::rename(&tmp, output))
            .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", output.display())))?;
        eprintln!(
            "signed {} ({}; {})",
            output.display(),
            signed.label,
            id.who()
        );
        Ok(())
    }
}

/// A step a provider did (from the `provider`/`model` pairs a remote result carries).
pub fn remote_step(kind: StepKind, what: String, meta: &[(String, String)]) -> Step {
    let get = |k: &str| meta.iter().find(|m| m.0 == k).map(|m| m.1.clone());
    Step {
        provider: get("provider"),
        model: get("model"),
        model_version: get("model_version"),
        generative: true,
        ..Step::local(kind, what)
    }
}

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
    /// Marks `output` (already written) as `input` edited by `step`: the input's AI label is
    /// carried onto it (XMP DigitalSourceType — a composite once a model's pixels join other
    /// ones — and A1111's `parameters` text), then it is signed with the input as its parent
    /// ingredient. The file is replaced only once all of that succeeded; when signing fails it
    /// is removed, so no unsigned file is left where a signed one was asked for.
    pub fn mark(&self, input: &Path, output: &Path, step: Step) -> Result<(), Fail> {
        let parent = std::fs::read(input)
            .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", input.display())))?;
        let bytes = std::fs::read(output)
            .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", output.display())))?;
        let Some(fmt) = Format::sniff(&bytes) else {
            return Ok(());
        };
        let labelled = carry_label(&parent, bytes, step.generative)
            .map_err(|e| Fail::Input(format!("`{}`: {e}", output.display())))?;
        let signed = if self.no_credentials {
            labelled
        } else {
            match self.sign(input, output, &parent, fmt, &labelled, step) {
                Ok(b) => b,
                Err(e) => {
                    let _ = std::fs::remove_file(output);
                    return Err(e);
                }
            }
        };
        let mut tmp = output.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, &signed)
            .and_then(|()| std::fs::rename(&tmp, output))
            .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", output.display())))
    }

    /// The signed bytes of `bytes` (the output, labelled) as `parent` edited by `step`.
    fn sign(
        &self,
        input: &Path,
        output: &Path,
        parent: &[u8],
        fmt: Format,
        bytes: &[u8],
        step: Step,
    ) -> Result<Vec<u8>, Fail> {
        let folder = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let id = darkroom_provenance::identity::resolve(&Default::default(), folder)
            .map_err(|e| Fail::Input(format!("Content Credentials: {e}")))?
            .with_tsa(darkroom_engine::tsa_url(None).map(|u| darkroom_engine::time_stamper(&u)));
        let title = |p: &Path| {
            p.file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().to_string())
        };
        // An input that is neither PNG nor JPEG (WebP) cannot be read as an ingredient by c2pa
        // here; the output is then marked as made by darkroom from the step alone.
        let story = if Format::sniff(parent).is_some() {
            Story {
                title: title(output),
                created: None,
                steps: vec![step],
                parts: vec![Part {
                    title: title(input),
                    role: Role::Parent,
                    bytes: parent,
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
        let signed = darkroom_provenance::sign(&id, fmt, bytes, &story).map_err(|e| {
            let msg = format!(
                "Content Credentials for `{}`: {e} (no output was written: pass --no-credentials to write it unsigned)",
                output.display()
            );
            // A time-stamp authority that does not answer is not the user's input (exit 1).
            match e {
                darkroom_provenance::ProvenanceError::TimeStamp { .. } => Fail::Remote(msg),
                _ => Fail::Input(msg),
            }
        })?;
        eprintln!(
            "signed {} ({}; {})",
            output.display(),
            signed.label,
            id.who()
        );
        Ok(signed.bytes)
    }
}

/// The output PNG with the input's AI label carried over: its IPTC digital source type —
/// kept as it was for a local edit, `compositeWithTrainedAlgorithmicMedia` when a model's
/// pixels join pixels it did not make (a trained model's image extended by a model stays
/// `trainedAlgorithmicMedia`) — and its `parameters` text. An input without a label gives an
/// output without one, unless a model made some of its pixels.
fn carry_label(parent: &[u8], out: Vec<u8>, generative: bool) -> Result<Vec<u8>, String> {
    use darkroom_provenance::meta;
    const TRAINED: &str = "trainedAlgorithmicMedia";
    if Format::sniff(&out) != Some(Format::Png) {
        return Ok(out);
    }
    let was = darkroom_provenance::xmp_source_type(parent);
    let now = match (was.as_deref(), generative) {
        (Some(TRAINED), _) => Some(TRAINED.to_string()),
        (_, true) => Some("compositeWithTrainedAlgorithmicMedia".to_string()),
        (w, false) => w.map(str::to_string),
    };
    // The parent's text chunks, read once.
    let chunks = if Format::sniff(parent) == Some(Format::Png) {
        darkroom_imageops::png_text(parent)
    } else {
        Vec::new()
    };
    let chunk = |key: &str| {
        chunks
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let params = chunk("parameters");
    // The parent's own packet when the type is unchanged (it names the AI system too).
    let parent_xmp = (now == was).then(|| chunk(meta::XMP_PNG_KEY)).flatten();
    let xmp = parent_xmp.or_else(|| {
        now.map(|t| {
            meta::xmp(&format!(
                "http://cv.iptc.org/newscodes/digitalsourcetype/{t}"
            ))
        })
    });
    let mut text: Vec<(&str, &str)> = Vec::new();
    if let Some(x) = &xmp {
        text.push((meta::XMP_PNG_KEY, x));
    }
    if let Some(p) = &params {
        text.push(("parameters", p));
    }
    if text.is_empty() {
        return Ok(out);
    }
    darkroom_imageops::with_png_text(&out, &text).map_err(|e| e.to_string())
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

//! Signing: a [`Story`] — how a file was made — becomes a C2PA manifest embedded in the file.
//! A generated image's manifest starts with `c2pa.created` (IPTC `trainedAlgorithmicMedia`);
//! an edited one's with `c2pa.opened` on its parent (whose own manifest, when it has one, is
//! kept whole as the parent ingredient). Each later step is one action, with the provider,
//! model and model version that made it when a model did, and darkroom as the software agent.
//! Other ingredients (the draft a final was made from, the provider's image before delivery)
//! are named by their blake3 hash; a vendor's manifest in them is kept too.

use std::io::Cursor;

use serde_json::{json, Value};

use crate::{c2pa_err, Format, Identity, ProvenanceError, AGENT, VERSION};

/// What the first action says the content is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Made by a generative model from a prompt.
    Generated,
    /// A supplied image extended or in-painted by a generative model.
    Composite,
    /// Drawn by an algorithm that learned from no data (darkroom's offline `sketch`
    /// renderer): IPTC's `algorithmicMedia`, not a trained model's output.
    Algorithmic,
}

impl Source {
    /// The IPTC digital source type's URL.
    pub fn iptc(self) -> &'static str {
        match self {
            Source::Generated => {
                "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
            }
            Source::Composite => {
                "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
            }
            Source::Algorithmic => "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia",
        }
    }
}

/// One step that made the file, as a C2PA action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The finish call (or the lottery's draft) made the image.
    Created,
    /// Scaled to the delivered size.
    Resized,
    /// Cropped toward the subject before extending.
    Cropped,
    /// Extended (out-painted) to another aspect.
    Extended,
    /// Graded toward the brand palette.
    Graded,
    /// Part of the image repainted.
    Inpainted,
    /// Text set on the image.
    Typeset,
    /// Re-encoded to another format.
    Converted,
}

impl StepKind {
    /// The C2PA action label.
    pub fn action(self) -> &'static str {
        match self {
            StepKind::Created => "c2pa.created",
            StepKind::Resized => "c2pa.resized",
            StepKind::Cropped => "c2pa.cropped",
            StepKind::Extended | StepKind::Inpainted => "c2pa.edited",
            StepKind::Graded => "c2pa.color_adjustments",
            StepKind::Typeset => "c2pa.edited",
            StepKind::Converted => "c2pa.transcoded",
        }
    }
}

/// One step: what was done and, when a model did it, which.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The kind of step.
    pub kind: StepKind,
    /// In words, e.g. "extended to 16:9 by local fill".
    pub what: String,
    /// The provider's name in the campaign, when a provider did it.
    pub provider: Option<String>,
    /// The model asked for.
    pub model: Option<String>,
    /// The model version the provider reported.
    pub model_version: Option<String>,
    /// A generative model made new pixels (an out-paint, an in-paint by a provider).
    pub generative: bool,
    /// Anything else worth keeping (attempt id, seed, aspect), as key-value pairs.
    pub params: Vec<(String, String)>,
}

impl Step {
    /// A step done by darkroom itself.
    pub fn local(kind: StepKind, what: impl Into<String>) -> Step {
        Step {
            kind,
            what: what.into(),
            provider: None,
            model: None,
            model_version: None,
            generative: false,
            params: vec![],
        }
    }
}

/// How an ingredient relates to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The file is an edit of it.
    Parent,
    /// It went into the process that made the file (a draft, a reference).
    Input,
    /// It is a part of the file (the provider's image, before delivery).
    Component,
}

/// An ingredient: another image the file was made from.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// Its title, e.g. "draft 3f2a…".
    pub title: String,
    /// How it relates.
    pub role: Role,
    /// Its bytes (a C2PA manifest in them is kept).
    pub bytes: &'a [u8],
}

/// How a file was made.
#[derive(Debug, Clone)]
pub struct Story<'a> {
    /// The file's title (its name).
    pub title: String,
    /// For a file made here: what the content is. `None` for an edit of a parent.
    pub created: Option<Source>,
    /// The steps, in order, after the creation (or the opening of the parent).
    pub steps: Vec<Step>,
    /// The ingredients.
    pub parts: Vec<Part<'a>>,
}

/// A signed file and its manifest's label.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The file's bytes, manifest embedded.
    pub bytes: Vec<u8>,
    /// The active manifest's label (`urn:c2pa:…`).
    pub label: String,
}

/// Signs a file's bytes with an identity.
pub fn sign(
    id: &Identity,
    format: Format,
    asset: &[u8],
    story: &Story<'_>,
) -> Result<Signed, ProvenanceError> {
    let signer = id.signer().map_err(c2pa_err)?;
    let tsa = id.tsa();
    sign_with(signer.as_ref(), format, asset, story).map_err(|e| {
        // c2pa flattens the time-stamp's failure into its own error; the TSA's is the one
        // that says what to fix.
        tsa.and_then(crate::Tsa::failure).unwrap_or(e)
    })
}

pub(crate) fn sign_with(
    signer: &dyn c2pa::Signer,
    format: Format,
    asset: &[u8],
    story: &Story<'_>,
) -> Result<Signed, ProvenanceError> {
    let agent = json!({ "name": AGENT, "version": VERSION });
    // The label and instance id are derived from what is signed, not drawn at random: the same
    // campaign and seed give the same label (in the sidecars and manifest.json). The manifest's
    // bytes still differ from one signing to the next: c2pa salts each assertion's hash with
    // random bytes, which it gives no way to turn off.
    let mut h = blake3::Hasher::new();
    h.update(asset);
    h.update(format!("{:?}{:?}{:?}", story.title, story.created, story.steps).as_bytes());
    for p in &story.parts {
        h.update(p.title.as_bytes());
        h.update(p.bytes);
    }
    let d = h.finalize();
    let d = d.as_bytes();
    let uuid = format!(
        "{}-{}-4{}-8{}-{}",
        hex(&d[0..4]),
        hex(&d[4..6]),
        &hex(&d[6..8])[1..],
        &hex(&d[8..10])[1..],
        hex(&d[10..16])
    );
    let mut b = c2pa::Builder::from_context(context(None)?)
        .with_definition(json!({
            "title": story.title,
            "format": format.mime(),
            "claim_generator_info": [agent],
            "label": format!("urn:c2pa:{uuid}"),
            "instance_id": format!("xmp:iid:{uuid}"),
        }))
        .map_err(c2pa_err)?;
    let mut ids: Vec<(Role, String)> = Vec::new();
    for (i, p) in story.parts.iter().enumerate() {
        let label = format!("ingredient-{i}");
        let hash = blake3_hex(p.bytes);
        let rel = match p.role {
            Role::Parent => "parentOf",
            Role::Input => "inputTo",
            Role::Component => "componentOf",
        };
        let fmt = Format::sniff(p.bytes).unwrap_or(format);
        b.add_ingredient_from_stream(
            json!({
                "title": p.title,
                "relationship": rel,
                "label": label,
                "instance_id": format!("blake3:{hash}"),
                "description": format!("blake3 {hash}"),
            })
            .to_string(),
            fmt.mime(),
            &mut Cursor::new(p.bytes),
        )
        .map_err(c2pa_err)?;
        ids.push((p.role, label));
    }
    let of = |roles: &[Role]| -> Vec<String> {
        ids.iter()
            .filter(|(r, _)| roles.contains(r))
            .map(|(_, l)| l.clone())
            .collect()
    };
    let mut actions: Vec<Value> = Vec::new();
    match story.created {
        Some(src) => {
            let mut a = json!({
                "action": "c2pa.created",
                "digitalSourceType": src.iptc(),
                "softwareAgent": agent,
            });
            let inputs = of(&[Role::Input, Role::Component]);
            if !inputs.is_empty() {
                a["parameters"] = json!({ "ingredientIds": inputs });
            }
            // The step that made the image (the finish call) describes the creation itself,
            // and its model is the agent that made it (darkroom is the claim's generator).
            if let Some(s) = story.steps.first().filter(|s| s.kind == StepKind::Created) {
                merge(&mut a, s);
                if let Some(m) = model_agent(s) {
                    a["softwareAgent"] = m;
                }
            }
            actions.push(a);
        }
        None => {
            let parent = of(&[Role::Parent]);
            if parent.is_empty() {
                return Err(ProvenanceError::C2pa(
                    "an edit needs its parent image as an ingredient".into(),
                ));
            }
            actions.push(json!({
                "action": "c2pa.opened",
                "softwareAgent": agent,
                "parameters": { "ingredientIds": parent },
            }));
        }
    }
    for s in &story.steps {
        if s.kind == StepKind::Created {
            continue;
        }
        let mut a = json!({ "action": s.kind.action(), "softwareAgent": agent });
        if s.generative {
            a["digitalSourceType"] = json!(Source::Composite.iptc());
            if let Some(m) = model_agent(s) {
                a["softwareAgent"] = m;
            }
        }
        merge(&mut a, s);
        actions.push(a);
    }
    b.add_assertion("c2pa.actions.v2", &json!({ "actions": actions }))
        .map_err(c2pa_err)?;
    let mut out = Cursor::new(Vec::with_capacity(asset.len() + 64 * 1024));
    b.sign(signer, format.mime(), &mut Cursor::new(asset), &mut out)
        .map_err(c2pa_err)?;
    let bytes = out.into_inner();
    // The label is read back from what was written, so it is the label readers will see.
    let reader = c2pa::Reader::from_context(context(None)?)
        .with_stream(format.mime(), Cursor::new(&bytes))
        .map_err(c2pa_err)?;
    let label = reader
        .active_label()
        .ok_or_else(|| ProvenanceError::C2pa("the signed file has no active manifest".into()))?
        .to_string();
    Ok(Signed { bytes, label })
}

/// The step's description, model and parameters, on its action.
/// A model as a C2PA `softwareAgent`: its name (the provider's kind where it names none) and
/// the version the provider reported.
fn model_agent(s: &Step) -> Option<Value> {
    let name = s.model.clone().or_else(|| s.provider.clone())?;
    Some(match &s.model_version {
        Some(v) => json!({ "name": name, "version": v }),
        None => json!({ "name": name }),
    })
}

fn merge(a: &mut Value, s: &Step) {
    a["description"] = json!(s.what);
    let mut p = a.get("parameters").cloned().unwrap_or_else(|| json!({}));
    for (k, v) in [
        ("provider", &s.provider),
        ("model", &s.model),
        ("modelVersion", &s.model_version),
    ] {
        if let Some(v) = v {
            p[k] = json!(v);
        }
    }
    for (k, v) in &s.params {
        p[k.as_str()] = json!(v);
    }
    if p.as_object().is_some_and(|o| !o.is_empty()) {
        a["parameters"] = p;
    }
}

/// The context darkroom signs and reads in: no thumbnails (the file is its own picture), no
/// network (no remote manifests, no OCSP fetches).
pub(crate) fn context(trust: Option<&str>) -> Result<c2pa::Context, ProvenanceError> {
    let mut v = json!({
        "builder": { "thumbnail": { "enabled": false } },
        "verify": { "ocsp_fetch": false, "remote_manifest_fetch": false },
    });
    // Trust anchors (for `verify --trust`): a signer that chains to one reads as trusted.
    if let Some(t) = trust {
        v["trust"] = json!({ "trust_anchors": t });
    }
    let settings = c2pa::Settings::new()
        .with_json(&v.to_string())
        .map_err(c2pa_err)?;
    c2pa::Context::new()
        .with_settings(settings)
        .map_err(c2pa_err)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn blake3_hex(bytes: &[u8]) -> String {
    // c2pa hashes with SHA-2 internally; the ledger, the store and the sidecars name files by
    // blake3, so that is the hash a person can match against `darkroom status`.
    blake3::hash(bytes).to_hex().to_string()
}

/// The file without its C2PA manifest: PNG `caBX` chunks and JPEG APP11 (JUMBF) segments
/// removed. What is left is what darkroom wrote before signing — the part that is
/// byte-identical from one run to the next.
pub fn without_manifest(bytes: &[u8]) -> Vec<u8> {
    match Format::sniff(bytes) {
        Some(Format::Png) => {
            let mut out = bytes[..8].to_vec();
            let mut i = 8;
            while i + 12 <= bytes.len() {
                let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]])
                    as usize;
                let end = (i + 12 + len).min(bytes.len());
                if &bytes[i + 4..i + 8] != b"caBX" {
                    out.extend_from_slice(&bytes[i..end]);
                }
                i = end;
            }
            out
        }
        Some(Format::Jpeg) => {
            let mut out = bytes[..2].to_vec();
            let mut i = 2;
            // Marker segments up to the start of scan; the rest is copied whole.
            while i + 4 <= bytes.len() && bytes[i] == 0xFF {
                let m = bytes[i + 1];
                if m == 0xDA {
                    break;
                }
                let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
                let end = (i + 2 + len).min(bytes.len());
                if m != 0xEB {
                    out.extend_from_slice(&bytes[i..end]);
                }
                i = end;
            }
            out.extend_from_slice(&bytes[i.min(bytes.len())..]);
            out
        }
        None => bytes.to_vec(),
    }
}

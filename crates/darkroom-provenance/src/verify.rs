//! Verification: a file's manifest chain read with the `c2pa` reader and said in plain words —
//! what made it, from what, through which steps, signed by whom — and whether it holds:
//! trusted (a signer on the given trust anchors), valid (intact, the signer unknown to the
//! reader: darkroom's local identity, say), invalid (the file changed after signing, or the
//! signature does not verify), or no manifest at all.

use std::io::Cursor;

use serde_json::{json, Value};

use crate::{Format, ProvenanceError};

/// Whether a file's Content Credentials hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Intact, and the signer chains to a given trust anchor.
    Trusted,
    /// Intact; the signer is not on a trust list the reader was given.
    Valid,
    /// The file changed after signing, or a signature or hash does not verify.
    Invalid,
    /// The file carries no C2PA manifest.
    Absent,
}

impl State {
    /// In a word.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Trusted => "trusted",
            State::Valid => "valid, untrusted signer",
            State::Invalid => "invalid",
            State::Absent => "no Content Credentials",
        }
    }
}

/// What the active manifest's RFC 3161 time-stamp says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStamp {
    /// No time-stamp: the signature holds only while the signer's certificate is valid.
    Absent,
    /// A valid token from a TSA that chains to a given trust anchor: the signing time is
    /// vouched for, and the certificate is checked at that time.
    Trusted,
    /// A valid token from a TSA on no trust list this reader was given (see `--trust`).
    Untrusted,
    /// A token that does not verify, or whose time is outside the signer's validity.
    Invalid,
}

impl TimeStamp {
    /// In a word, for `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeStamp::Absent => "absent",
            TimeStamp::Trusted => "trusted",
            TimeStamp::Untrusted => "untrusted",
            TimeStamp::Invalid => "invalid",
        }
    }
}

/// A validation failure: its C2PA code and the reader's explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// e.g. `assertion.dataHash.mismatch`.
    pub code: String,
    /// In words.
    pub explanation: String,
}

/// One manifest of the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Its label.
    pub label: String,
    /// The file's title when it was signed.
    pub title: String,
    /// What wrote it (claim generator), e.g. "darkroom 0.1.0".
    pub generator: String,
    /// Who signed: subject common name, issuer.
    pub signed_by: String,
    /// When, as the signature says.
    pub when: Option<String>,
    /// Its actions, each in words.
    pub actions: Vec<String>,
    /// Its ingredients: title, relationship, and the label of their own manifest.
    pub ingredients: Vec<(String, String, Option<String>)>,
}

/// What a file's Content Credentials say.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Whether they hold.
    pub state: State,
    /// The active manifest's label.
    pub label: Option<String>,
    /// The active manifest first, then its ingredients' manifests, depth first.
    pub chain: Vec<Manifest>,
    /// Failures, untrusted signers included.
    pub problems: Vec<Problem>,
    /// The active manifest's time-stamp.
    pub stamp: TimeStamp,
    /// The reader's full report (the `c2pa` crate's JSON).
    pub raw: Value,
}

/// Reads and validates a file's manifest. `trust` is a PEM bundle of trust anchors; without
/// it, an intact manifest is [`State::Valid`], never trusted.
pub fn verify(bytes: &[u8], trust: Option<&str>) -> Result<Verified, ProvenanceError> {
    let Some(format) = Format::sniff(bytes) else {
        return Err(ProvenanceError::C2pa(
            "not a PNG or JPEG file (Content Credentials are read from those)".into(),
        ));
    };
    verify_stream(format, Cursor::new(bytes), trust)
}

/// [`verify`] of a file read as a stream (a file handle): the reader seeks to the manifest
/// and hashes the rest as it goes, so a large file is not held in memory whole.
pub fn verify_stream(
    format: Format,
    stream: impl std::io::Read + std::io::Seek + Send,
    trust: Option<&str>,
) -> Result<Verified, ProvenanceError> {
    let ctx = crate::sign::context(trust)?;
    let reader = match c2pa::Reader::from_context(ctx).with_stream(format.mime(), stream) {
        Ok(r) => r,
        Err(c2pa::Error::JumbfNotFound) | Err(c2pa::Error::ProvenanceMissing) => {
            return Ok(Verified {
                state: State::Absent,
                label: None,
                chain: vec![],
                problems: vec![],
                stamp: TimeStamp::Absent,
                raw: Value::Null,
            })
        }
        Err(e) => {
            // A manifest that cannot even be parsed is a broken one, not an absent one.
            return Ok(Verified {
                state: State::Invalid,
                label: None,
                chain: vec![],
                problems: vec![Problem {
                    code: "manifest.unreadable".into(),
                    explanation: e.to_string(),
                }],
                stamp: TimeStamp::Absent,
                raw: Value::Null,
            });
        }
    };
    let raw: Value = serde_json::from_str(&reader.json()).unwrap_or(Value::Null);
    let state = match reader.validation_state() {
        c2pa::ValidationState::Trusted => State::Trusted,
        c2pa::ValidationState::Valid => State::Valid,
        c2pa::ValidationState::Invalid => State::Invalid,
    };
    let label = reader.active_label().map(str::to_string);
    let mut problems = Vec::new();
    let vr = &raw["validation_results"];
    let mut failures: Vec<&Value> = vr["activeManifest"]["failure"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    for d in vr["ingredientDeltas"].as_array().into_iter().flatten() {
        failures.extend(
            d["validationDeltas"]["failure"]
                .as_array()
                .into_iter()
                .flatten(),
        );
    }
    for f in failures {
        problems.push(Problem {
            code: f["code"].as_str().unwrap_or("").to_string(),
            explanation: f["explanation"].as_str().unwrap_or("").to_string(),
        });
    }
    let mut chain = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    if let Some(l) = &label {
        walk(&raw["manifests"], l, &mut chain, &mut seen);
    }
    let stamp = stamp_of(&vr["activeManifest"]);
    Ok(Verified {
        state,
        label,
        chain,
        problems,
        stamp,
        raw,
    })
}

/// The time-stamp's standing from the reader's status codes (`timeStamp.trusted`,
/// `timeStamp.untrusted`, `timeStamp.mismatch`, …) for one manifest.
fn stamp_of(results: &Value) -> TimeStamp {
    let codes: Vec<&str> = ["success", "informational", "failure"]
        .iter()
        .flat_map(|k| results[*k].as_array().into_iter().flatten())
        .filter_map(|v| v["code"].as_str())
        .filter(|c| c.starts_with("timeStamp."))
        .collect();
    let has = |c: &str| codes.contains(&c);
    if has("timeStamp.mismatch") || has("timeStamp.malformed") || has("timeStamp.outsideValidity") {
        TimeStamp::Invalid
    } else if has("timeStamp.trusted") {
        TimeStamp::Trusted
    } else if codes.is_empty() {
        TimeStamp::Absent
    } else {
        TimeStamp::Untrusted
    }
}

/// Walks a file's structure by its headers alone — a PNG's chunks (length, an ASCII type, up
/// to `IEND`), a JPEG's marker segments up to the scan — seeking past their data, so that a
/// file that only starts like an image is refused having read a few bytes, before the C2PA
/// reader (which holds what it reads) sees it. `size` is the file's length.
pub fn well_formed(
    mut r: impl std::io::Read + std::io::Seek,
    format: Format,
    size: u64,
) -> Result<(), String> {
    use std::io::SeekFrom;
    let mut head = [0u8; 8];
    let read = |r: &mut dyn std::io::Read, n: usize, buf: &mut [u8; 8]| {
        r.read_exact(&mut buf[..n]).map_err(|e| e.to_string())
    };
    match format {
        Format::Png => {
            let mut at = 8u64;
            loop {
                r.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
                read(&mut r, 8, &mut head).map_err(|_| {
                    format!("not a whole PNG: it ends inside a chunk header at byte {at}")
                })?;
                let len = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
                let kind = &head[4..8];
                if !kind.iter().all(u8::is_ascii_alphabetic) {
                    return Err(format!(
                        "not a well-formed PNG: no chunk type at byte {}",
                        at + 4
                    ));
                }
                at += 12 + len;
                if at > size {
                    return Err(format!(
                        "not a whole PNG: the {} chunk runs past the end of the file",
                        String::from_utf8_lossy(kind)
                    ));
                }
                if kind == b"IEND" {
                    return Ok(());
                }
            }
        }
        Format::Jpeg => {
            let mut at = 2u64;
            loop {
                r.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
                read(&mut r, 4, &mut head).map_err(|_| {
                    format!("not a whole JPEG: it ends inside a segment header at byte {at}")
                })?;
                if head[0] != 0xFF {
                    return Err(format!("not a well-formed JPEG: no marker at byte {at}"));
                }
                match head[1] {
                    // Fill bytes before a marker.
                    0xFF => at += 1,
                    // Markers without a length.
                    0x01 | 0xD0..=0xD7 => at += 2,
                    // The scan: the rest is entropy-coded data, hashed by the reader as it goes.
                    0xDA | 0xD9 => return Ok(()),
                    _ => {
                        let len = u64::from(u16::from_be_bytes([head[2], head[3]]));
                        at += 2 + len;
                        if len < 2 || at > size {
                            return Err(format!(
                                "not a whole JPEG: the segment at byte {} runs past the end",
                                at - 2 - len
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// The IPTC digital source type an XMP packet in `bytes` declares (`trainedAlgorithmicMedia`,
/// …), if any: what a file stripped of its Content Credentials may still say of itself.
pub fn xmp_source_type(bytes: &[u8]) -> Option<String> {
    const URL: &[u8] = b"cv.iptc.org/newscodes/digitalsourcetype/";
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    // Within the XMP packet only: a C2PA manifest names the same URL in CBOR, where the next
    // field's bytes follow the term without a separator.
    let start = find(bytes, b"<x:xmpmeta")?;
    let len = find(&bytes[start..], b"</x:xmpmeta>")?;
    let xmp = &bytes[start..start + len];
    let at = find(xmp, URL)? + URL.len();
    let term: String = xmp[at..]
        .iter()
        .take(64)
        .take_while(|b| b.is_ascii_alphanumeric())
        .map(|&b| b as char)
        .collect();
    (!term.is_empty()).then_some(term)
}

/// The manifest `label` and, depth first, its ingredients' manifests.
fn walk(
    all: &Value,
    label: &str,
    out: &mut Vec<Manifest>,
    seen: &mut std::collections::BTreeSet<String>,
) {
    if !seen.insert(label.to_string()) {
        return;
    }
    let m = &all[label];
    if m.is_null() {
        return;
    }
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let generator = m["claim_generator_info"]
        .as_array()
        .and_then(|a| a.first())
        .map(|g| {
            format!("{} {}", s(&g["name"]), s(&g["version"]))
                .trim()
                .to_string()
        })
        .or_else(|| m["claim_generator"].as_str().map(str::to_string))
        .unwrap_or_default();
    let si = &m["signature_info"];
    let signed_by = match (si["common_name"].as_str(), si["issuer"].as_str()) {
        (Some(cn), Some(is)) => format!("{cn} (issued by {is})"),
        (None, Some(is)) => is.to_string(),
        (Some(cn), None) => cn.to_string(),
        (None, None) => "unknown".into(),
    };
    let mut actions = Vec::new();
    for a in m["assertions"].as_array().into_iter().flatten() {
        let l = a["label"].as_str().unwrap_or("");
        if !l.starts_with("c2pa.actions") {
            continue;
        }
        for x in a["data"]["actions"].as_array().into_iter().flatten() {
            actions.push(action_words(x));
        }
    }
    let ingredients: Vec<(String, String, Option<String>)> = m["ingredients"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                s(&i["title"]),
                s(&i["relationship"]),
                i["active_manifest"].as_str().map(str::to_string),
            )
        })
        .collect();
    out.push(Manifest {
        label: label.to_string(),
        title: s(&m["title"]),
        generator,
        signed_by,
        when: si["time"].as_str().map(str::to_string),
        actions,
        ingredients: ingredients.clone(),
    });
    for (_, _, l) in ingredients {
        if let Some(l) = l {
            walk(all, &l, out, seen);
        }
    }
}

/// An action in words: "c2pa.created: made by gemini / gemini-3-pro-image (version …) —
/// trainedAlgorithmicMedia".
fn action_words(x: &Value) -> String {
    let name = x["action"].as_str().unwrap_or("?");
    let p = &x["parameters"];
    let mut bits = Vec::new();
    if let Some(d) = x["description"].as_str() {
        bits.push(d.to_string());
    }
    let by: Vec<String> = [
        ("provider", ""),
        ("model", ""),
        ("modelVersion", "version "),
    ]
    .iter()
    .filter_map(|(k, pre)| p[*k].as_str().map(|v| format!("{pre}{v}")))
    .collect();
    if !by.is_empty() {
        bits.push(format!("by {}", by.join(" / ")));
    }
    if let Some(t) = x["digitalSourceType"].as_str() {
        bits.push(t.rsplit('/').next().unwrap_or(t).to_string());
    }
    if let Some(a) = x["softwareAgent"]["name"].as_str() {
        bits.push(format!("agent {a}"));
    }
    if bits.is_empty() {
        name.to_string()
    } else {
        format!("{name}: {}", bits.join("; "))
    }
}

impl Verified {
    /// The report as JSON (`darkroom verify --json`).
    pub fn json(&self) -> Value {
        json!({
            "state": match self.state {
                State::Trusted => "trusted",
                State::Valid => "valid",
                State::Invalid => "invalid",
                State::Absent => "absent",
            },
            "label": self.label,
            "time_stamp": self.stamp.as_str(),
            "problems": self.problems.iter().map(|p| json!({"code": p.code, "explanation": p.explanation})).collect::<Vec<_>>(),
            "chain": self.chain.iter().map(|m| json!({
                "label": m.label, "title": m.title, "generator": m.generator, "signed_by": m.signed_by,
                "when": m.when, "actions": m.actions,
                "ingredients": m.ingredients.iter().map(|(t, r, l)| json!({"title": t, "relationship": r, "manifest": l})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    /// The report in plain words, one line each.
    pub fn words(&self) -> Vec<String> {
        let mut out = vec![self.state.as_str().to_string()];
        if self.state == State::Valid {
            out[0].push_str(
                ": intact; the signer is on no trust list this reader was given (see --trust)",
            );
        }
        // An untrusted signer is what the first line says of a valid manifest, not a problem.
        for p in self
            .problems
            .iter()
            .filter(|p| self.state != State::Valid || p.code != "signingCredential.untrusted")
        {
            out.push(format!("  problem: {}: {}", p.code, p.explanation));
        }
        for (i, m) in self.chain.iter().enumerate() {
            let head = if i == 0 {
                "manifest"
            } else {
                "ingredient's manifest"
            };
            out.push(format!("  {head} {} — \"{}\"", m.label, m.title));
            out.push(format!(
                "    written by {}, signed by {}",
                m.generator, m.signed_by
            ));
            match (&m.when, i == 0, self.stamp) {
                (Some(w), true, TimeStamp::Trusted) => out.push(format!(
                    "    signed at {w} (RFC 3161 time-stamp from a trusted authority)"
                )),
                (Some(w), true, TimeStamp::Untrusted) => out.push(format!(
                    "    signed at {w} (RFC 3161 time-stamp; its authority is on no trust list this reader was given, see --trust)"
                )),
                (_, true, TimeStamp::Invalid) => {
                    out.push("    time-stamp: does not verify".to_string())
                }
                (None, true, _) => out.push(
                    "    no time-stamp: the signature reads as valid only while the signer's certificate is"
                        .to_string(),
                ),
                (Some(w), _, _) => out.push(format!("    signed at {w}")),
                (None, false, _) => {}
            }
            for a in &m.actions {
                out.push(format!("    step: {a}"));
            }
            for (t, r, l) in &m.ingredients {
                let carried = match l {
                    Some(l) => format!(", with its own manifest {l}"),
                    None => String::new(),
                };
                out.push(format!("    from: \"{t}\" ({r}){carried}"));
            }
        }
        out
    }
}

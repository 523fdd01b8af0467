//! Delivery: each final in each requested aspect ratio and size, in each requested format (PNG,
//! JPEG), with its provenance embedded — a signed C2PA manifest (the steps that made the file,
//! the draft and the provider's image as ingredients), the A1111 `parameters` text and XMP —
//! and beside it (a JSON sidecar naming the manifest), listed in `deliverables/manifest.json`.
//! The sketch renderer re-renders the final at each aspect (same prompt and seed); a finish
//! provider that out-paints (Stability) extends the final through its API, as a ledger attempt
//! within the budget; for the others the final is out-painted to the aspect locally. Every file's pixel size is checked
//! against what was asked. Then the shot's texts are typeset in the aspect's safe area, each a
//! step in the file's sidecar.

use std::path::{Path, PathBuf};

use darkroom_campaign::Shot;
use darkroom_core::provider::{Op, Request};
use darkroom_core::{resolve_dims, Aspect};
use darkroom_imageops::RgbImage;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::scheduler::{Call, Done, Exec};
use crate::stages::say;
use crate::{Ctx, EngineError};

/// One delivered file.
#[derive(Debug, Clone, PartialEq)]
pub struct Deliverable {
    /// Shot id.
    pub shot: String,
    /// Path of the file.
    pub path: PathBuf,
    /// The aspect ratio, as asked.
    pub aspect: String,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// The attempt that made it.
    pub attempt: String,
    /// blake3 of the file's pixels-and-metadata bytes.
    pub hash: String,
    /// Its format.
    pub format: darkroom_core::FileFormat,
    /// The label of its C2PA manifest, when it is signed.
    pub c2pa: Option<String>,
}

fn aspect_name(a: Aspect) -> String {
    a.to_string()
}

#[expect(clippy::too_many_arguments)]
pub(crate) async fn deliver(
    ctx: &Ctx,
    exec: &Exec,
    shot: &Shot,
    k: usize,
    call: &Call,
    final_png: &[u8],
    draft: Option<&(String, Vec<u8>)>,
    fixed: Option<&Fixed>,
) -> Result<Vec<Deliverable>, String> {
    use darkroom_provenance::{Step, StepKind};
    // What is delivered: the final, or the version of it a person approved in review (its
    // image, and the review's steps after the final's own in the file's story).
    let (png, source): (&[u8], &str) = match fixed {
        Some(f) => (&f.png, &f.id),
        None => (final_png, &call.row.id),
    };
    let made_at = match fixed {
        Some(f) => (f.width, f.height),
        None => (call.req.width, call.req.height),
    };
    let c = &ctx.campaign;
    let dir = ctx.out.join("deliverables").join(&shot.id);
    // A folder or file that cannot be written (a full disk) ends the run: every other shot
    // would fail the same way, after paying for its calls.
    let fatal = |path: &Path, e: std::io::Error| {
        let msg = format!("cannot write `{}`: {e}", path.display());
        ctx.fail(EngineError::Io {
            path: path.display().to_string(),
            source: e,
        });
        msg
    };
    if c.deliver_to.folder() {
        std::fs::create_dir_all(&dir).map_err(|e| fatal(&dir, e))?;
    }
    let can = ctx
        .providers
        .get(&c.finish.provider)
        .map(|p| darkroom_core::provider::Provider::capabilities(p.as_ref()));
    // A fixed version is reframed here, never re-rendered or out-painted from the final:
    // that would deliver the final without the fix.
    let outpaints = can.is_some_and(|c| c.outpaint) && fixed.is_none();
    let rerenders = can.is_some_and(|c| c.rerenders) && fixed.is_none();
    // The steps that made what is delivered: the finish call (or the lottery's draft), then
    // the review's fixes.
    let made_once = model_step(ctx, StepKind::Created, &call.row.id, || {
        format!("made at {}x{}", call.req.width, call.req.height)
    });
    let made: Vec<Step> = std::iter::once(made_once)
        .chain(fixed.map(|f| f.steps.clone()).unwrap_or_default())
        .collect();
    // The same for every aspect: the draft, the final (as the vendor sent it when that carried
    // Content Credentials) and the version a person approved.
    let vendor = vendor_image(ctx, call);
    let ingredients = ingredients(call, final_png, draft, vendor.as_deref(), fixed);
    let mut out = Vec::new();
    for &aspect in &shot.deliver {
        let (w, h) = resolve_dims(c.finish.size, Some(aspect)).map_err(|e| e.to_string())?;
        let (bytes, attempt, mut steps) = if (w, h) == made_at {
            (png.to_vec(), source.to_string(), made.clone())
        } else if rerenders || outpaints {
            // A renderer that re-renders (sketch) makes the scene at the aspect; a provider that
            // out-paints extends the final (a paid call, so through the ledger and the budget).
            let req = Request {
                width: w,
                height: h,
                reference: outpaints.then(|| png.to_vec()),
                op: if outpaints {
                    Op::Outpaint
                } else {
                    Op::Generate
                },
                ..call.req.clone()
            };
            let again = exec.make_call(
                darkroom_ledger::Tier::Deliver,
                k as u32,
                &shot.id,
                &c.finish.provider,
                req,
            );
            let id = again.row.id.clone();
            match exec.one_call(again).await {
                Done::Image(b) if outpaints => {
                    let mut ext = model_step(ctx, StepKind::Extended, &id, || {
                        format!("extended to {aspect} ({w}x{h}) by the provider")
                    });
                    ext.generative = true;
                    (b, id, made.iter().cloned().chain([ext]).collect())
                }
                Done::Image(b) => {
                    let again = model_step(ctx, StepKind::Created, &id, || {
                        format!("made again at {aspect} ({w}x{h}) from the final's prompt and seed")
                    });
                    (b, id, vec![again])
                }
                // An extension the vendor cannot make (its limits, a refusal of the new area)
                // still delivers: extended locally, and the ledger says so.
                Done::Failed(_) if outpaints => {
                    // The attempt keeps the vendor's error; the decision says what was done.
                    ctx.keep(ctx.ledger.record_decision(
                        &id,
                        darkroom_ledger::DecisionKind::Deliver,
                        darkroom_ledger::Reason::OutpaintFailedExtendedLocally,
                        None,
                    ));
                    let (b, a, s) = reframe_locally(png, source, aspect, (w, h))?;
                    (b, a, made.iter().cloned().chain(s).collect())
                }
                Done::Failed(why) => return Err(format!("{} at {aspect}: {why}", shot.id)),
                Done::OverBudget => {
                    return Err(format!("{} at {aspect}: {}", shot.id, exec.stop_reason()))
                }
            }
        } else {
            let (b, a, s) = reframe_locally(png, source, aspect, (w, h))?;
            (b, a, made.iter().cloned().chain(s).collect())
        };
        let (img, set) =
            sized_and_typeset(ctx, shot, (&bytes, &attempt), aspect, (w, h), &mut steps)?;
        let name = format!("{}-{}-{}x{}", shot.id, k + 1, w, h);
        let asp = aspect_name(aspect);
        let file = File {
            name: &name,
            aspect: &asp,
            attempt: &attempt,
            steps: &steps,
            ingredients: &ingredients,
        };
        let mut written = write_formats(ctx, shot, call, &img, &file, (&dir, (w, h)))?;
        // One sidecar per deliverable: what made it, and each file with its hash and the
        // label of its Content Credentials (a pipeline can check them without parsing images).
        let sidecar = sidecar(ctx, shot, (k, call), &file, &written, (w, h), set);
        let side = dir.join(format!("{name}.json"));
        let side_text = serde_json::to_string_pretty(&sidecar).unwrap_or_default();
        deliver_or_fail(ctx, &side, side_text.as_bytes())?;
        out.append(&mut written);
    }
    Ok(out)
}

/// A deliverable's pixels, checked to be the asked size, with the shot's texts set last in
/// this aspect's safe area (every aspect gets them whole), each a step of its story.
fn sized_and_typeset(
    ctx: &Ctx,
    shot: &Shot,
    (bytes, attempt): (&[u8], &str),
    aspect: Aspect,
    (w, h): (u32, u32),
    steps: &mut Vec<darkroom_provenance::Step>,
) -> Result<(RgbImage, Vec<serde_json::Value>), String> {
    use darkroom_provenance::{Step, StepKind};
    let mut img: RgbImage =
        darkroom_imageops::decode_png(bytes, attempt, 1 << 26).map_err(|e| e.to_string())?;
    if (img.width, img.height) != (w, h) {
        return Err(format!(
            "{} at {aspect}: got {}x{}, asked {w}x{h}",
            shot.id, img.width, img.height
        ));
    }
    let set = crate::text::set_all(shot, &ctx.fonts, &mut img)?;
    for t in &shot.text {
        steps.push(Step::local(
            StepKind::Typeset,
            format!("set the text {:?}", t.content),
        ));
    }
    Ok((img, set))
}

/// The final as the provider sent it, when the ledger kept it (its Content Credentials, which
/// the stored image lost to a crop to the asked size).
fn vendor_image(ctx: &Ctx, call: &Call) -> Option<Vec<u8>> {
    let hash = ctx.ledger.upstream(&call.row.id).ok().flatten()?;
    std::fs::read(ctx.store.find(&hash)?).ok()
}

/// A deliverable's ingredients: the draft, the final (as the vendor sent it when that is kept,
/// so its manifest stays in the chain) and the version a person approved in review.
fn ingredients<'a>(
    call: &Call,
    final_png: &'a [u8],
    draft: Option<&'a (String, Vec<u8>)>,
    vendor: Option<&'a [u8]>,
    fixed: Option<&'a Fixed>,
) -> Vec<(String, &'a [u8])> {
    let mut out: Vec<(String, &[u8])> = Vec::new();
    if let Some((id, d)) = draft {
        out.push((format!("draft {id}"), d.as_slice()));
    }
    match vendor {
        Some(v) => out.push((format!("final {} as sent", call.row.id), v)),
        None => out.push((format!("final {}", call.row.id), final_png)),
    }
    if let Some(f) = fixed {
        out.push((
            format!("version {} approved in review", f.id),
            f.png.as_slice(),
        ));
    }
    out
}

/// Writes one deliverable in each of the campaign's formats (folder and bucket as asked), each
/// recorded in the ledger.
fn write_formats(
    ctx: &Ctx,
    shot: &Shot,
    call: &Call,
    img: &RgbImage,
    file: &File,
    (dir, (w, h)): (&Path, (u32, u32)),
) -> Result<Vec<Deliverable>, String> {
    let c = &ctx.campaign;
    let mut written = Vec::new();
    for &format in &c.formats {
        let (bytes, label) = encode(ctx, shot, call, img, file, format)?;
        let path = dir.join(format!("{}.{}", file.name, format.ext()));
        deliver_or_fail(ctx, &path, &bytes)?;
        let (hash, _) = ctx.store.put(&bytes, format.ext()).map_err(|e| {
            let msg = e.to_string();
            ctx.fail(EngineError::Ledger(e));
            msg
        })?;
        let rel = path
            .strip_prefix(&ctx.out)
            .unwrap_or(&path)
            .display()
            .to_string();
        ctx.keep(
            ctx.ledger
                .record_deliverable(&darkroom_ledger::DeliverableRecord {
                    path: rel,
                    shot: shot.id.clone(),
                    attempt: file.attempt.to_string(),
                    aspect: file.aspect.to_string(),
                    width: w,
                    height: h,
                    hash: hash.clone(),
                    format: Some(format.as_str().to_string()),
                    c2pa: label.clone(),
                }),
        );
        written.push(Deliverable {
            shot: shot.id.clone(),
            path,
            aspect: file.aspect.to_string(),
            width: w,
            height: h,
            attempt: file.attempt.to_string(),
            hash,
            format,
            c2pa: label,
        });
    }
    Ok(written)
}

/// A deliverable's JSON sidecar: what made it, and each of its files with its hash and the
/// label of its Content Credentials.
fn sidecar(
    ctx: &Ctx,
    shot: &Shot,
    (k, call): (usize, &Call),
    file: &File,
    written: &[Deliverable],
    (w, h): (u32, u32),
    set: Vec<serde_json::Value>,
) -> serde_json::Value {
    let c = &ctx.campaign;
    let files: Vec<serde_json::Value> = written
        .iter()
        .map(|d| {
            serde_json::json!({
                "format": d.format.as_str(),
                "file": d.path.file_name().map(|f| f.to_string_lossy().to_string()),
                "blake3": d.hash,
                "c2pa_manifest": d.c2pa,
            })
        })
        .collect();
    let first = &written[0];
    let sidecar = serde_json::json!({
        "campaign": c.name, "shot": shot.id, "final": k + 1, "aspect": file.aspect, "width": w, "height": h,
        "attempt": file.attempt, "prompt": call.req.prompt, "seed": darkroom_core::rand::seed_json(call.req.seed), "provider": c.finish.provider,
        "model": c.providers[&c.finish.provider].model, "blake3": first.hash, "c2pa_manifest": first.c2pa,
        "files": files,
        "prompt_written": shot.written, "text_by": shot.text_by.as_str(), "steps": set,
    });
    sidecar
}

/// Writes a delivered file, here or in the bucket; a file that cannot be written ends the run
/// as a full disk does.
fn deliver_or_fail(ctx: &Ctx, path: &Path, bytes: &[u8]) -> Result<(), String> {
    deliver_file(ctx, path, bytes).map_err(|e| {
        let msg = e.to_string();
        ctx.fail(e);
        msg
    })
}

/// Reframes a final to an aspect and pixel size on this machine (crop toward the subject,
/// scale, extend by the local fill, scale), each operation a step of the file's story: the
/// PNG, the attempt it came from, and the steps.
pub(crate) fn reframe_locally(
    png: &[u8],
    source: &str,
    aspect: Aspect,
    (w, h): (u32, u32),
) -> Result<(Vec<u8>, String, Vec<darkroom_provenance::Step>), String> {
    use darkroom_provenance::{Step, StepKind};
    let mut steps = Vec::new();
    let img = darkroom_imageops::decode_png(png, source, 1 << 26).map_err(|e| e.to_string())?;
    // A large change of aspect (16:9 to 9:16) is half a crop toward the subject and
    // half an extension, so the subject keeps a sensible share of the frame.
    let img = match darkroom_imageops::fill::reframe_crop(&img, aspect.ratio()) {
        Some(r) => {
            steps.push(Step::local(
                StepKind::Cropped,
                format!("cropped toward the subject for {aspect}"),
            ));
            darkroom_imageops::fill::crop(&img, r)
        }
        None => img,
    };
    // Shrink first when the final is larger than its place in the delivered frame:
    // the fill then works on the delivered size, not on a canvas up to 3× larger
    // (a 2K 16:9 final extended to 9:16 was 7.5 megapixels of float buffers).
    let s = (f64::from(w) / f64::from(img.width)).min(f64::from(h) / f64::from(img.height));
    let img = if s < 1.0 {
        let (sw, sh) = (
            ((f64::from(img.width) * s).round() as u32).max(1),
            ((f64::from(img.height) * s).round() as u32).max(1),
        );
        steps.push(Step::local(
            StepKind::Resized,
            format!("scaled to {sw}x{sh} (Lanczos3)"),
        ));
        darkroom_imageops::resize::lanczos3(&img, sw, sh)
    } else {
        img
    };
    let wide = darkroom_imageops::fill::extend(&img, aspect.ratio());
    if (wide.width, wide.height) != (img.width, img.height) {
        steps.push(Step::local(
            StepKind::Extended,
            format!("extended to {aspect} by darkroom's local fill"),
        ));
    }
    let sized = if (wide.width, wide.height) == (w, h) {
        wide
    } else {
        steps.push(Step::local(
            StepKind::Resized,
            format!("scaled to {w}x{h} (Lanczos3)"),
        ));
        darkroom_imageops::resize::lanczos3(&wide, w, h)
    };
    let bytes = darkroom_imageops::encode_png(sized.width, sized.height, &sized.rgb, &[])
        .map_err(|e| e.to_string())?;
    Ok((bytes, source.to_string(), steps))
}

/// One deliverable's pixels-independent facts, for encoding and signing each format.
struct File<'a> {
    name: &'a str,
    aspect: &'a str,
    attempt: &'a str,
    steps: &'a [darkroom_provenance::Step],
    ingredients: &'a [(String, &'a [u8])],
}

/// A step a provider's call did, with the model version it reported (from the ledger).
fn model_step(
    ctx: &Ctx,
    kind: darkroom_provenance::StepKind,
    attempt: &str,
    what: impl FnOnce() -> String,
) -> darkroom_provenance::Step {
    let rec = ctx.ledger.attempt(attempt).ok().flatten();
    let c = &ctx.campaign;
    darkroom_provenance::Step {
        kind,
        what: what(),
        provider: Some(
            rec.as_ref()
                .map_or_else(|| c.finish.provider.clone(), |r| r.provider.clone()),
        ),
        model: rec
            .as_ref()
            .map(|r| r.model.clone())
            .filter(|m| !m.is_empty()),
        model_version: rec.and_then(|r| r.model_version),
        generative: false,
        params: vec![("attempt".into(), attempt.to_string())],
    }
}

/// A checkpoint reported as A1111 does, `name [hash]`: its name and hash apart.
fn split_hash(v: &str) -> Option<(&str, &str)> {
    let (name, rest) = v.rsplit_once(" [")?;
    let hash = rest.strip_suffix(']')?;
    (!hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit())).then_some((name, hash))
}

/// The file's labels: its XMP packet (the IPTC source type of the file as a whole and the AI
/// system that made it) and the `parameters` text (A1111's infotext).
fn labels(
    ctx: &Ctx,
    call: &Call,
    img: &RgbImage,
    steps: &[darkroom_provenance::Step],
    source: darkroom_provenance::Source,
) -> (String, String) {
    use darkroom_provenance::{meta, Source, StepKind};
    let c = &ctx.campaign;
    let private = !c.provenance.include_prompt;
    // The AI system named in the XMP (IPTC 2025.1): the finish model and the version the
    // provider reported; none for the offline renderer, which is not one.
    let fp = &c.providers[&c.finish.provider];
    let system = fp
        .model_or_default()
        .filter(|m| !m.is_empty())
        .map_or_else(|| fp.kind.as_str().to_string(), str::to_string);
    // The version the provider reported, once: the XMP's and the parameters'.
    let reported = steps.iter().find_map(|s| s.model_version.clone());
    // The file as a whole: an offline drawing a model then repainted in review (an approved
    // paid in-paint) is a composite with trained algorithmic media, named by that model.
    let later_model = steps
        .iter()
        .skip(1)
        .find(|s| s.generative && s.kind != StepKind::Created);
    let xmp = match (source, later_model) {
        (Source::Algorithmic, Some(m)) => meta::xmp_ai(
            Source::Composite.iptc(),
            Some((
                m.model
                    .as_deref()
                    .or(m.provider.as_deref())
                    .unwrap_or("unknown"),
                m.model_version.as_deref(),
            )),
        ),
        (Source::Algorithmic, None) => meta::xmp_ai(source.iptc(), None),
        _ => meta::xmp_ai(source.iptc(), Some((system.as_str(), reported.as_deref()))),
    };
    // The `parameters` text (A1111's infotext) for both formats: the provider's own settings
    // (steps, sampler, CFG scale, the seed as sent), the size, the model — and a checkpoint's
    // hash apart from its name, as "send to txt2img" needs them.
    let (model, model_hash, version) = match reported.as_deref().and_then(split_hash) {
        Some((name, hash)) => (name.to_string(), Some(hash.to_string()), None),
        None => (system.clone(), None, reported.clone()),
    };
    let mut extra = vec![("Provider".to_string(), c.finish.provider.clone())];
    if let Some(v) = version {
        extra.push(("Model version".into(), v));
    }
    extra.push((
        "Software".into(),
        format!("darkroom {}", darkroom_provenance::VERSION),
    ));
    let settings = ctx.providers.get(&c.finish.provider).map_or_else(
        || vec![("Seed".into(), call.req.seed.to_string())],
        |p| darkroom_core::provider::Provider::infotext(p.as_ref(), &call.req),
    );
    let parameters = meta::a1111_parameters(&meta::Generation {
        prompt: if private {
            String::new()
        } else {
            call.req.prompt.clone()
        },
        negative: String::new(),
        settings,
        model_hash,
        size: (img.width, img.height),
        model,
        extra,
    });
    (xmp, parameters)
}

/// Encodes one format of a deliverable with its metadata (darkroom's text chunks, the A1111
/// `parameters` text and XMP in a PNG; XMP in a JPEG) and signs it when provenance is on.
/// Returns the bytes and the manifest's label.
fn encode(
    ctx: &Ctx,
    shot: &Shot,
    call: &Call,
    img: &RgbImage,
    f: &File<'_>,
    format: darkroom_core::FileFormat,
) -> Result<(Vec<u8>, Option<String>), String> {
    use darkroom_core::FileFormat;
    use darkroom_provenance::{meta, Format, Part, Role, Source, Step, StepKind, Story};
    let c = &ctx.campaign;
    // What made the pixels: the offline renderer learned from nothing (IPTC's
    // algorithmicMedia); every other provider is a trained model.
    let source =
        if c.providers[&c.finish.provider].kind == darkroom_core::catalog::ProviderKind::Sketch {
            Source::Algorithmic
        } else {
            Source::Generated
        };
    // `[provenance] include_prompt = false`: the marking stays, the words do not — no prompt,
    // campaign or shot name, typed text or in-paint words in the file.
    let private = !c.provenance.include_prompt;
    let mut steps = f.steps.to_vec();
    if private {
        for s in &mut steps {
            if matches!(s.kind, StepKind::Typeset | StepKind::Inpainted) {
                s.what = match s.kind {
                    StepKind::Typeset => "text set on the image".into(),
                    _ => "part of the image repainted".into(),
                };
            }
        }
    }
    let (xmp, parameters) = labels(ctx, call, img, &steps, source);
    let bytes = match format {
        FileFormat::Png => {
            let typeset: Vec<&str> = shot.text.iter().map(|t| t.content.as_str()).collect();
            let typeset = typeset.join(" / ");
            let seed = call.req.seed.to_string();
            let mut text = vec![("Software", "darkroom")];
            if !private {
                text.extend([
                    ("campaign", c.name.as_str()),
                    ("shot", shot.id.as_str()),
                    ("prompt", call.req.prompt.as_str()),
                ]);
            }
            text.extend([
                ("seed", seed.as_str()),
                ("attempt", f.attempt),
                ("provider", c.finish.provider.as_str()),
                ("aspect", f.aspect),
                ("parameters", parameters.as_str()),
                (meta::XMP_PNG_KEY, xmp.as_str()),
            ]);
            if !typeset.is_empty() && !private {
                text.push(("typeset", typeset.as_str()));
            }
            darkroom_imageops::encode_png(img.width, img.height, &img.rgb, &text)
                .map_err(|e| e.to_string())?
        }
        FileFormat::Jpeg => {
            steps.push(Step::local(
                StepKind::Converted,
                format!("encoded as JPEG, quality {}", c.jpeg_quality),
            ));
            let jpeg = darkroom_imageops::encode_jpeg(img, c.jpeg_quality, Some(&xmp))?;
            darkroom_imageops::with_jpeg_user_comment(jpeg, &parameters)?
        }
    };
    let Some(id) = &ctx.identity else {
        return Ok((bytes, None));
    };
    let story = Story {
        // The file's name carries the shot's: left out with the prompt.
        title: if private {
            format!("image-{}x{}.{}", img.width, img.height, format.ext())
        } else {
            format!("{}.{}", f.name, format.ext())
        },
        created: Some(source),
        steps,
        parts: f
            .ingredients
            .iter()
            .enumerate()
            .map(|(i, (title, b))| Part {
                title: title.clone(),
                // The draft went into the finish call; the final is in the file.
                role: if i + 1 == f.ingredients.len() {
                    Role::Component
                } else {
                    Role::Input
                },
                bytes: b,
            })
            .collect(),
    };
    let fmt = match format {
        FileFormat::Png => Format::Png,
        FileFormat::Jpeg => Format::Jpeg,
    };
    let signed = darkroom_provenance::sign(id, fmt, &bytes, &story).map_err(|e| {
        let msg = format!("{} at {}: Content Credentials: {e}", shot.id, f.aspect);
        // A time-stamp authority that does not answer fails every later file the same way:
        // the run stops (its paid work kept) instead of delivering files that are unsigned
        // or whose signatures die with their certificate.
        if matches!(e, darkroom_provenance::ProvenanceError::TimeStamp { .. }) {
            ctx.fail(EngineError::Provenance(e));
        }
        msg
    })?;
    Ok((signed.bytes, Some(signed.label)))
}

pub(crate) fn manifest(ctx: &Ctx, list: &[Deliverable]) -> Result<(), EngineError> {
    let dir = ctx.out.join("deliverables");
    if ctx.campaign.deliver_to.folder() {
        std::fs::create_dir_all(&dir).map_err(|source| EngineError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let mut items: Vec<serde_json::Value> = list
        .iter()
        .map(|d| {
            serde_json::json!({
                "shot": d.shot,
                "file": d.path.strip_prefix(&dir).unwrap_or(&d.path).display().to_string(),
                "aspect": d.aspect, "width": d.width, "height": d.height, "attempt": d.attempt, "blake3": d.hash,
                "format": d.format.as_str(), "c2pa_manifest": d.c2pa,
            })
        })
        .collect();
    items.sort_by_key(|v| v["file"].as_str().unwrap_or("").to_string());
    let m = serde_json::json!({"campaign": ctx.campaign.name, "deliverables": items});
    let path = dir.join("manifest.json");
    let text = serde_json::to_string_pretty(&m).unwrap_or_default();
    deliver_file(ctx, &path, text.as_bytes())
}

/// Writes a delivered file where `[campaign] deliverables` says: the output folder, the bucket
/// (under its path in the output folder; nothing without a bucket), or both.
fn deliver_file(ctx: &Ctx, path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    let to = ctx.campaign.deliver_to;
    if to.folder() {
        write_atomic(path, bytes).map_err(|source| EngineError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    if to.bucket() {
        let rel = path.strip_prefix(&ctx.out).unwrap_or(path);
        ctx.store.publish(&rel.display().to_string(), bytes)?;
    }
    Ok(())
}

/// Writes through a temporary file and a rename, so a crash mid-write never leaves a truncated
/// deliverable under its final name.
fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
    // A temporary of its own per process and call: workers sharing an output folder write the
    // same manifest at once, and one shared temporary was renamed from under another.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = PathBuf::from(tmp);
    // Nothing half-written stays behind: a failed write (a full disk) removes its temporary.
    let r = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// The claim on delivering a shot's `k`-th final: it names the final and what delivery makes
/// of it (the shot's aspects, texts and formats), so a campaign edited since is delivered anew.
fn claim_key(ctx: &Ctx, shot: &Shot, k: usize, attempt: &str) -> String {
    let what = format!(
        "{shot:?}|{:?}|{}|{:?}",
        ctx.campaign.formats, ctx.campaign.jpeg_quality, ctx.campaign.provenance
    );
    let h = darkroom_ledger::content_hash(what.as_bytes());
    format!("deliver:{}:{k}:{attempt}:{}", shot.id, &h[..16])
}

/// Claims a delivery, waiting while another live worker has it: `Mine`, `Done` (delivered by
/// another), or `None` when the run stopped meanwhile.
async fn claim(ctx: &Ctx, exec: &Exec, key: &str) -> Option<darkroom_ledger::Claim> {
    loop {
        match ctx.keep(ctx.ledger.claim(key))? {
            darkroom_ledger::Claim::Held(_) => {
                if exec.stop.load(Ordering::SeqCst) {
                    return None;
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            other => return Some(other),
        }
    }
}

/// What was delivered for a shot, as the ledger lists it (another worker delivered a final of
/// it; its other aspects came from delivery calls of their own, so the shot is asked, not the
/// final's attempt).
fn delivered_elsewhere(ctx: &Ctx, shot: &str) -> Vec<Deliverable> {
    let rows = ctx
        .keep(ctx.ledger.deliverables_of(shot))
        .unwrap_or_default();
    rows.into_iter().map(|d| from_record(ctx, d)).collect()
}

/// A deliverable as the ledger recorded it.
pub(crate) fn from_record(ctx: &Ctx, d: darkroom_ledger::DeliverableRecord) -> Deliverable {
    Deliverable {
        path: ctx.out.join(&d.path),
        shot: d.shot,
        aspect: d.aspect,
        width: d.width,
        height: d.height,
        attempt: d.attempt,
        hash: d.hash,
        format: match d.format.as_deref() {
            Some("jpeg") => darkroom_core::FileFormat::Jpeg,
            _ => darkroom_core::FileFormat::Png,
        },
        c2pa: d.c2pa,
    }
}

/// Delivers every shot's finals in every aspect ratio, and says which shots ended with fewer
/// finals than asked.
/// What delivery did: the files, the shots short of their finals (with why), and the finals
/// kept back for a person's approval (`[review] required`): `(shot, attempt)`.
pub(crate) type Delivered = (
    Vec<Deliverable>,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

/// The version of a final a person approved in review, delivered in its place.
pub(crate) struct Fixed {
    /// The version's id (recorded as the deliverables' attempt).
    pub id: String,
    /// Its image.
    pub png: Vec<u8>,
    /// Its size.
    pub width: u32,
    pub height: u32,
    /// The review's steps from the final to it, in order.
    pub steps: Vec<darkroom_provenance::Step>,
}

/// The latest version of `final_id` (or of a version of it) a person approved and has not
/// taken back, with the review's steps from the final to it; `None` when there is none, or
/// its image is not in the store.
fn approved_version(
    ctx: &Ctx,
    versions: &[darkroom_ledger::Version],
    final_id: &str,
) -> Option<Fixed> {
    use darkroom_provenance::{Step, StepKind};
    let approved = |id: &str| {
        ctx.human
            .get(id)
            .and_then(|h| h.decision)
            .is_some_and(|a| a == darkroom_ledger::HumanAction::Approve)
    };
    // Whether a version descends from the final (at most one step per version: no cycle).
    let descends = |v: &darkroom_ledger::Version| -> bool {
        let mut parent = v.parent.as_str();
        for _ in 0..=versions.len() {
            if parent == final_id {
                return true;
            }
            match versions.iter().find(|x| x.id == parent) {
                Some(x) => parent = x.parent.as_str(),
                None => return false,
            }
        }
        false
    };
    let chosen = versions
        .iter()
        .filter(|v| approved(&v.id) && descends(v))
        .max_by(|a, b| a.at.total_cmp(&b.at))?;
    // The path from the final down to the chosen version.
    let mut path = vec![chosen];
    while path[0].parent != final_id {
        path.insert(0, versions.iter().find(|v| v.id == path[0].parent)?);
    }
    let steps = path
        .iter()
        .map(|v| {
            let detail: serde_json::Value = v
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let provider = detail["provider"].as_str().map(str::to_string);
            let (kind, what) = match v.kind.as_str() {
                "inpaint" => (
                    StepKind::Inpainted,
                    match &provider {
                        Some(p) => format!("part repainted by {p} in review"),
                        None => {
                            "part filled from its surroundings in review (darkroom's local fill)"
                                .to_string()
                        }
                    },
                ),
                "extend" => (
                    StepKind::Extended,
                    "extended in review (darkroom's local fill)".to_string(),
                ),
                "grade" => (
                    StepKind::Graded,
                    "graded toward the brand in review".to_string(),
                ),
                other => (StepKind::Typeset, format!("{other} in review")),
            };
            let mut step = Step::local(kind, what);
            step.generative = provider.is_some() && v.attempt.is_some();
            step.provider = provider;
            step.params = vec![
                ("version".to_string(), v.id.clone()),
                ("by".to_string(), v.who.clone()),
            ];
            step
        })
        .collect();
    let png = std::fs::read(ctx.store.find(&chosen.asset)?).ok()?;
    let img = darkroom_imageops::decode_png(&png, &chosen.id, 1 << 26).ok()?;
    Some(Fixed {
        id: chosen.id.clone(),
        width: img.width,
        height: img.height,
        png,
        steps,
    })
}

pub(crate) async fn all(
    ctx: &Arc<Ctx>,
    exec: &Exec,
    shots: &[Shot],
    fin: &crate::stages::finish::Finished,
) -> Delivered {
    let (finished, short) = (&fin.finished, &fin.short);
    let mut failed = Vec::new();
    let mut awaiting = Vec::new();
    let human = &ctx.human;
    // Deliver every final in every aspect ratio.
    if !finished.is_empty() {
        say(ctx, &format!("deliver: {} shot(s)", finished.len()));
    }
    let mut deliverables = Vec::new();
    let versions = ctx.keep(ctx.ledger.versions()).unwrap_or_default();
    for s in shots {
        let Some(list) = finished.get(&s.id) else {
            continue;
        };
        for (k, (call, png)) in list.iter().take(s.finals as usize).enumerate() {
            if exec.stop.load(Ordering::SeqCst) && ctx.fatal_set() {
                break;
            }
            // A version of the final a person approved in review is delivered in its place.
            let fixed = approved_version(ctx, &versions, &call.row.id);
            // Review as a gate: only what a person approved leaves.
            let approved = fixed.is_some()
                || human
                    .get(&call.row.id)
                    .and_then(|h| h.decision)
                    .is_some_and(|a| a == darkroom_ledger::HumanAction::Approve);
            if ctx.campaign.review_required && !approved {
                ctx.keep(ctx.ledger.record_decision(
                    &call.row.id,
                    darkroom_ledger::DecisionKind::Review,
                    darkroom_ledger::Reason::AwaitingReview,
                    None,
                ));
                awaiting.push((s.id.clone(), call.row.id.clone()));
                continue;
            }
            // Among workers, one delivers each final; the others list what it delivered.
            let key = ctx
                .ledger
                .worker()
                .map(|_| claim_key(ctx, s, k, &call.row.id));
            if let Some(key) = &key {
                match claim(ctx, exec, key).await {
                    Some(darkroom_ledger::Claim::Mine) => {}
                    Some(_) => {
                        deliverables.extend(delivered_elsewhere(ctx, &s.id));
                        continue;
                    }
                    None => break,
                }
            }
            let draft = fin.drafts.get(&call.row.id);
            match deliver(ctx, exec, s, k, call, png, draft, fixed.as_ref()).await {
                Ok(mut d) => deliverables.append(&mut d),
                Err(why) => failed.push((s.id.clone(), why)),
            }
            if let Some(key) = &key {
                ctx.keep(ctx.ledger.finish_claim(key));
            }
        }
    }
    // Shots with a promotable draft that end with fewer finals than asked.
    for s in shots {
        let tried = fin.tried.contains(&s.id);
        let n = finished.get(&s.id).map_or(0, Vec::len);
        if !tried || n >= s.finals as usize || exec.stop.load(Ordering::SeqCst) {
            continue;
        }
        let why = match short.get(&s.id) {
            Some(why) => format!("{n} of {} finals finished; {why}", s.finals),
            None => format!("{n} of {} finals finished", s.finals),
        };
        failed.push((s.id.clone(), why));
    }
    // A shot listed from the ledger for one final and delivered here for another: once each,
    // in the order delivered.
    let mut seen = std::collections::HashSet::new();
    deliverables.retain(|d| seen.insert(d.path.clone()));
    (deliverables, failed, awaiting)
}

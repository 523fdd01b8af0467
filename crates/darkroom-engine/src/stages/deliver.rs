//! Delivery: each final in each requested aspect ratio and size, with its provenance embedded
//! in the PNG (`tEXt`) and beside it (a JSON sidecar), listed in `deliverables/manifest.json`.
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
}

fn aspect_name(a: Aspect) -> String {
    a.to_string()
}

pub(crate) async fn deliver(
    ctx: &Ctx,
    exec: &Exec,
    shot: &Shot,
    k: usize,
    call: &Call,
    png: &[u8],
) -> Result<Vec<Deliverable>, String> {
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
    std::fs::create_dir_all(&dir).map_err(|e| fatal(&dir, e))?;
    let fp = &c.providers[&c.finish.provider];
    let can = ctx
        .providers
        .get(&c.finish.provider)
        .map(|p| darkroom_core::provider::Provider::capabilities(p.as_ref()));
    let outpaints = can.is_some_and(|c| c.outpaint);
    let rerenders = can.is_some_and(|c| c.rerenders);
    let mut out = Vec::new();
    for &aspect in &shot.deliver {
        let (w, h) = resolve_dims(c.finish.size, Some(aspect)).map_err(|e| e.to_string())?;
        let local = || -> Result<(Vec<u8>, String), String> {
            let img = darkroom_imageops::decode_png(png, &call.row.id, 1 << 26)
                .map_err(|e| e.to_string())?;
            // A large change of aspect (16:9 to 9:16) is half a crop toward the subject and
            // half an extension, so the subject keeps a sensible share of the frame.
            let img = match darkroom_imageops::fill::reframe_crop(&img, aspect.ratio()) {
                Some(r) => darkroom_imageops::fill::crop(&img, r),
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
                darkroom_imageops::resize::lanczos3(&img, sw, sh)
            } else {
                img
            };
            let wide = darkroom_imageops::fill::extend(&img, aspect.ratio());
            let sized = if (wide.width, wide.height) == (w, h) {
                wide
            } else {
                darkroom_imageops::resize::lanczos3(&wide, w, h)
            };
            let bytes = darkroom_imageops::encode_png(sized.width, sized.height, &sized.rgb, &[])
                .map_err(|e| e.to_string())?;
            Ok((bytes, call.row.id.clone()))
        };
        let (bytes, attempt) = if (w, h) == (call.req.width, call.req.height) {
            (png.to_vec(), call.row.id.clone())
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
                Done::Image(b) => (b, id),
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
                    local()?
                }
                Done::Failed(why) => return Err(format!("{} at {aspect}: {why}", shot.id)),
                Done::OverBudget => {
                    return Err(format!("{} at {aspect}: {}", shot.id, exec.stop_reason()))
                }
            }
        } else {
            local()?
        };
        let mut img: RgbImage =
            darkroom_imageops::decode_png(&bytes, &attempt, 1 << 26).map_err(|e| e.to_string())?;
        if (img.width, img.height) != (w, h) {
            return Err(format!(
                "{} at {aspect}: got {}x{}, asked {w}x{h}",
                shot.id, img.width, img.height
            ));
        }
        // The shot's texts, set last, in this aspect's safe area: every aspect gets them whole.
        let steps = crate::text::set_all(shot, &ctx.fonts, &mut img)?;
        let typeset: Vec<&str> = shot.text.iter().map(|t| t.content.as_str()).collect();
        let typeset = typeset.join(" / ");
        let seed = call.req.seed.to_string();
        let asp = aspect_name(aspect);
        let meta = [
            ("Software", "darkroom"),
            ("campaign", c.name.as_str()),
            ("shot", shot.id.as_str()),
            ("prompt", call.req.prompt.as_str()),
            ("seed", seed.as_str()),
            ("attempt", attempt.as_str()),
            ("provider", c.finish.provider.as_str()),
            ("aspect", asp.as_str()),
        ];
        let mut meta = meta.to_vec();
        if !typeset.is_empty() {
            meta.push(("typeset", typeset.as_str()));
        }
        let file = darkroom_imageops::encode_png(img.width, img.height, &img.rgb, &meta)
            .map_err(|e| e.to_string())?;
        let name = format!("{}-{}-{}x{}", shot.id, k + 1, w, h);
        let path = dir.join(format!("{name}.png"));
        write_atomic(&path, &file).map_err(|e| fatal(&path, e))?;
        let (hash, _) = ctx.store.put(&file, "png").map_err(|e| {
            let msg = e.to_string();
            ctx.fail(EngineError::Ledger(e));
            msg
        })?;
        let sidecar = serde_json::json!({
            "campaign": c.name, "shot": shot.id, "final": k + 1, "aspect": asp, "width": w, "height": h,
            "attempt": attempt, "prompt": call.req.prompt, "seed": call.req.seed, "provider": c.finish.provider,
            "model": fp.model, "blake3": hash,
            "prompt_written": shot.written, "text_by": shot.text_by.as_str(), "steps": steps,
        });
        let side = dir.join(format!("{name}.json"));
        write_atomic(
            &side,
            serde_json::to_string_pretty(&sidecar).unwrap_or_default(),
        )
        .map_err(|e| fatal(&side, e))?;
        let rel = path
            .strip_prefix(&ctx.out)
            .unwrap_or(&path)
            .display()
            .to_string();
        ctx.keep(
            ctx.ledger
                .record_deliverable(&rel, &shot.id, &attempt, &asp, (w, h), &hash),
        );
        out.push(Deliverable {
            shot: shot.id.clone(),
            path,
            aspect: asp,
            width: w,
            height: h,
            attempt,
            hash,
        });
    }
    Ok(out)
}

pub(crate) fn manifest(ctx: &Ctx, list: &[Deliverable]) -> Result<(), EngineError> {
    let dir = ctx.out.join("deliverables");
    std::fs::create_dir_all(&dir).map_err(|source| EngineError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut items: Vec<serde_json::Value> = list
        .iter()
        .map(|d| {
            serde_json::json!({
                "shot": d.shot,
                "file": d.path.strip_prefix(&dir).unwrap_or(&d.path).display().to_string(),
                "aspect": d.aspect, "width": d.width, "height": d.height, "attempt": d.attempt, "blake3": d.hash,
            })
        })
        .collect();
    items.sort_by_key(|v| v["file"].as_str().unwrap_or("").to_string());
    let m = serde_json::json!({"campaign": ctx.campaign.name, "deliverables": items});
    let path = dir.join("manifest.json");
    write_atomic(&path, serde_json::to_string_pretty(&m).unwrap_or_default()).map_err(|source| {
        EngineError::Io {
            path: path.display().to_string(),
            source,
        }
    })
}

/// Writes through a temporary file and a rename, so a crash mid-write never leaves a truncated
/// deliverable under its final name.
fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    // Nothing half-written stays behind: a failed write (a full disk) removes its temporary.
    let r = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
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
    for s in shots {
        let Some(list) = finished.get(&s.id) else {
            continue;
        };
        for (k, (call, png)) in list.iter().take(s.finals as usize).enumerate() {
            if exec.stop.load(Ordering::SeqCst) && ctx.fatal_set() {
                break;
            }
            // Review as a gate: only what a person approved leaves.
            let approved = human
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
            match deliver(ctx, exec, s, k, call, png).await {
                Ok(mut d) => deliverables.append(&mut d),
                Err(why) => failed.push((s.id.clone(), why)),
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
    (deliverables, failed, awaiting)
}

//! `darkroom review`: a local web app over a campaign's ledger and store, where a person culls,
//! rates, compares and approves what the funnel made, and says where the judges were wrong.
//!
//! Server-rendered HTML with a little plain JavaScript (no CDN, nothing fetched from the
//! network), served by axum on 127.0.0.1. Every request carries the random token printed with
//! the URL, a `Host` that is the bound address (a DNS-rebinding page cannot reach it), and, when
//! it changes anything, no foreign `Origin`; anything else is refused with 403. Images are
//! served by attempt id from the store the ledger names, never by a path from the request.
//!
//! Every decision is a row of `human_decisions` in the ledger, with who and when
//! ([`darkroom_ledger::HumanDecision`]); the pages read the ledger on each request, so a `run`
//! going on beside the app shows up on the next poll.

mod page;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use darkroom_ledger::{HumanAction, HumanDecision, Ledger, RejectReason, Store};
use serde::Deserialize;

/// What the app serves.
pub struct App {
    /// The campaign's name, for titles.
    pub campaign: String,
    /// Its ledger.
    pub ledger: Mutex<Ledger>,
    /// Its asset store.
    pub store: Store,
    /// The secret every request must carry.
    pub token: String,
    /// Who decides (the OS user name).
    pub who: String,
    /// `Host` values accepted: the bound address, and `localhost` with its port.
    pub hosts: Vec<String>,
    /// The campaign's providers that can in-paint (besides the local fill).
    pub fixers: Vec<String>,
    /// Makes a paid fix through the engine's one call path (budget, ledger, retries): the
    /// provider's name and the request; the image and the attempt that paid for it.
    pub fix: Option<Box<FixFn>>,
    /// Makes the queued paid fixes when the campaign's lock is free (polled).
    pub drain: Option<Box<DrainFn>>,
    /// The campaign's brand: what a grade moves toward, and what the brand judge measures.
    pub brand: Option<darkroom_color::brand::Brand>,
    /// The campaign's cap and the unit spend is counted in.
    pub budget: (
        Option<darkroom_core::money::Money>,
        darkroom_core::money::Unit,
    ),
    /// `[gates] near_duplicate`: drafts this close (pHash bits) are stacked on the sheet.
    pub near: u32,
}

/// How the app asks the engine for a paid fix (see [`App::fix`]).
pub type FixFn = dyn Fn(&str, darkroom_core::provider::Request) -> Result<(Vec<u8>, String), FixFailure>
    + Send
    + Sync;

/// Why a paid fix was not made.
#[derive(Debug, Clone)]
pub enum FixFailure {
    /// Another process (a run) holds the campaign: the fix is queued.
    Busy(String),
    /// The call failed (the message says why).
    Failed(String),
}

/// How the app makes the fixes it queued once the campaign is free: what was made, what
/// failed and how many still wait (see `darkroom_engine::fix::make_queued`).
pub type DrainFn = dyn Fn() -> Result<darkroom_engine::fix::MadeQueued, String> + Send + Sync;

/// A review failure.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] darkroom_ledger::LedgerError),
    /// The port is taken (or not ours to take).
    #[error("cannot listen on 127.0.0.1:{port}: {source}; another program has it (another darkroom review?): pass --port N, or --port 0 for any free port")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving the review app: {0}")]
    Io(#[from] std::io::Error),
}

/// The app's routes, behind the token, host and origin checks.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/shot/{shot}", get(shot))
        .route("/asset/{attempt}", get(asset))
        .route("/preview/{attempt}", get(preview))
        .route("/api/state", get(state))
        .route("/api/card/{attempt}", get(card))
        .route("/api/decide", post(decide))
        .route("/api/undo", post(undo))
        .route("/api/inpaint", post(inpaint))
        .route("/api/local", post(local))
        .route("/api/rejudge", post(rejudge))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Listens on 127.0.0.1:`port` (0: any free port), builds the app for the port it got
/// (`app_for`, which also says where it is), and serves until the process ends.
pub fn serve(port: u16, app_for: impl FnOnce(u16) -> App) -> Result<(), ReviewError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| ReviewError::Bind { port, source })?;
        let got = listener.local_addr()?.port();
        let app = Arc::new(app_for(got));
        tokio::spawn(drain_queued(app.clone()));
        axum::serve(listener, router(app)).await?;
        Ok(())
    })
}

/// Makes the paid fixes queued while a run held the campaign, as soon as the lock is free:
/// looks every two seconds (a cheap read when nothing is queued).
async fn drain_queued(app: Arc<App>) {
    if app.drain.is_none() {
        return;
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        tick.tick().await;
        let app = app.clone();
        // A failure here is shown on the card (the fix's state); the loop goes on.
        let _ = tokio::task::spawn_blocking(move || {
            let waiting = app
                .ledger
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .queued_fixes()
                .map(|q| {
                    q.iter()
                        .any(|f| f.state == darkroom_ledger::FixState::Queued)
                })
                .unwrap_or(false);
            if waiting {
                if let Some(d) = &app.drain {
                    let _ = d();
                }
            }
        })
        .await;
    }
}

fn refuse(why: &'static str) -> Response {
    (StatusCode::FORBIDDEN, why).into_response()
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The token, host and origin checks (see the crate's documentation).
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !app.hosts.iter().any(|h| h == host) {
        return refuse("refused: this app answers only on the address it printed");
    }
    let token = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .unwrap_or("");
    if !same(token, &app.token) {
        return refuse("refused: open the URL darkroom review printed (it carries the token)");
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let ok = origin.to_str().is_ok_and(|o| {
                o.strip_prefix("http://")
                    .is_some_and(|o| app.hosts.iter().any(|h| h == o))
            });
            if !ok {
                return refuse("refused: a change from another origin");
            }
        }
    }
    let mut res = next.run(req).await;
    // The pages embed the token: keep them out of other sites' frames and referrers.
    let h = res.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, "DENY".parse().expect("static"));
    h.insert(
        header::REFERRER_POLICY,
        "no-referrer".parse().expect("static"),
    );
    // Pages and state are never cached; an image by id is immutable (an attempt's or a
    // version's asset never changes), so it is cached for good by the browser (not by proxies:
    // the URL carries the token).
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    }
    // Nothing a campaign file says runs as code here: the page's one script carries a nonce,
    // no other script, inline handler or `javascript:` URL runs, no frame holds the page, and
    // nothing is read as another type than it is served as.
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        "nosniff".parse().expect("static"),
    );
    if let Ok(v) = format!(
        "default-src 'self'; script-src 'nonce-{}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        page::csp_nonce(&app.token)
    )
    .parse()
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

fn internal(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

/// Reads the ledger on a blocking thread (SQLite may wait for a running `run`'s write).
async fn read<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&Ledger) -> Result<T, darkroom_ledger::LedgerError> + Send + 'static,
) -> Result<T, Response> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let l = app.ledger.lock().unwrap_or_else(|p| p.into_inner());
        f(&l)
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

async fn overview(State(app): State<Arc<App>>) -> Response {
    match read(&app, |l| {
        Ok((l.dump()?, l.human_decisions()?, l.totals()?, l.versions()?))
    })
    .await
    {
        Ok((dump, human, totals, versions)) => {
            let agree = darkroom_readout::agreement::measure(&dump, &dump.scores, &human);
            Html(page::overview(
                &app.campaign,
                &app.token,
                &page::Ledgered {
                    dump: &dump,
                    human: &human,
                    versions: &versions,
                },
                &totals,
                &agree,
                app.budget,
            ))
            .into_response()
        }
        Err(r) => r,
    }
}

async fn shot(State(app): State<Arc<App>>, Path(shot): Path<String>) -> Response {
    let name = shot.clone();
    match read(&app, move |l| {
        Ok((
            l.dump_without_scores()?,
            l.scores_of_shot(&name)?,
            l.human_decisions()?,
            l.versions()?,
            l.queued_fixes()?,
        ))
        .and_then(|(dump, mut scores, human, versions, queued)| {
            // The versions' own scores (judged when made) are filed under their ids.
            let ids: std::collections::BTreeSet<&str> =
                versions.iter().map(|v| v.id.as_str()).collect();
            l.for_each_score(|s| {
                if ids.contains(s.attempt.as_str()) {
                    scores.push(s);
                }
            })?;
            Ok((dump, scores, human, versions, queued))
        })
    })
    .await
    {
        Ok((dump, scores, human, versions, queued)) => {
            if !dump.attempts.iter().any(|a| a.shot == shot) {
                return (StatusCode::NOT_FOUND, "no such shot").into_response();
            }
            Html(page::shot(&page::ShotPage {
                campaign: &app.campaign,
                token: &app.token,
                shot: &shot,
                dump: &dump,
                scores: &scores,
                human: &human,
                versions: &versions,
                queued: &queued,
                fixers: &app.fixers,
                unit: app.budget.1,
                near: app.near,
            }))
            .into_response()
        }
        Err(r) => r,
    }
}

/// One card's detail (its checklist, evidence, gate and cost) as JSON, for the sheet's panel.
async fn card(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let want = id.clone();
    let read = read(&app, move |l| {
        let Some(a) = l.attempt(&want)? else {
            return Ok(None);
        };
        Ok(Some((l.dump_without_scores()?, l.scores_of_shot(&a.shot)?)))
    })
    .await;
    match read {
        Ok(Some((dump, scores))) => {
            let p = page::ShotPage {
                campaign: &app.campaign,
                token: &app.token,
                shot: "",
                dump: &dump,
                scores: &scores,
                human: &[],
                versions: &[],
                queued: &[],
                fixers: &app.fixers,
                unit: app.budget.1,
                near: app.near,
            };
            match page::card_detail(&p, &id) {
                Some(v) => Json(v).into_response(),
                None => (StatusCode::NOT_FOUND, "no such image").into_response(),
            }
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such image").into_response(),
        Err(r) => r,
    }
}

async fn asset(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    // Only an attempt's or a version's own asset, found by its hash in the store: no path
    // from the request.
    let hash = match read(&app, move |l| l.asset_of(&id)).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let Some(path) = hash.and_then(|hash| app.store.find(&hash)) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, IMMUTABLE),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "asset missing from the store").into_response(),
    }
}

/// How an image by id is cached: by this browser only, for good.
const IMMUTABLE: &str = "private, max-age=31536000, immutable";

/// The longest side of a preview.
pub const PREVIEW_SIDE: u32 = 384;

/// A small JPEG of an attempt's or version's image for the grids (full resolution is for the
/// loupe, the compare and 100 %): made once, when first shown, and kept beside the store by the
/// asset's hash.
async fn preview(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let hash = match read(&app, move |l| l.asset_of(&id)).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let Some(hash) = hash else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let app2 = app.clone();
    let made = tokio::task::spawn_blocking(move || -> Option<Vec<u8>> {
        let dir = app2.store.root().join(".previews");
        let file = dir.join(format!("{hash}-{PREVIEW_SIDE}.jpg"));
        if let Ok(b) = std::fs::read(&file) {
            return Some(b);
        }
        let png = std::fs::read(app2.store.find(&hash)?).ok()?;
        let img = darkroom_imageops::decode_png(&png, &hash, 1 << 26).ok()?;
        let (jpg, _) = darkroom_imageops::thumb::thumbnail_jpeg(&img, PREVIEW_SIDE, 82);
        // Best effort: a preview that cannot be kept is made again next time.
        if std::fs::create_dir_all(&dir).is_ok() {
            let tmp = dir.join(format!("{hash}-{PREVIEW_SIDE}.jpg.tmp"));
            if std::fs::write(&tmp, &jpg).is_ok() {
                let _ = std::fs::rename(&tmp, &file);
            }
        }
        Some(jpg)
    })
    .await
    .ok()
    .flatten();
    match made {
        Some(jpg) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, IMMUTABLE),
            ],
            Body::from(jpg),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "asset missing from the store").into_response(),
    }
}

#[derive(Deserialize)]
struct StateQuery {
    shot: Option<String>,
}

/// Every standing human decision (of a shot), for the page's poll.
async fn state(State(app): State<Arc<App>>, Query(q): Query<StateQuery>) -> Response {
    match read(&app, |l| {
        Ok((l.dump_without_scores()?, l.human_decisions()?))
    })
    .await
    {
        Ok((dump, human)) => {
            Json(page::state_json(&dump, &human, q.shot.as_deref())).into_response()
        }
        Err(r) => r,
    }
}

/// A decision as the page sends it.
#[derive(Deserialize)]
struct Decide {
    attempt: String,
    action: String,
    reason: Option<String>,
    note: Option<String>,
    rating: Option<u8>,
    assertion: Option<usize>,
    holds: Option<bool>,
}

fn bad(msg: String) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, msg).into_response()
}

/// The longest note a decision keeps, and the longest in-paint prompt: every decision is sent
/// back to the page every few seconds, so one pasted document must not ride along.
const MAX_TEXT: usize = 4096;

/// Refuses text longer than [`MAX_TEXT`], naming the field.
fn too_long(field: &str, text: &str) -> Option<Response> {
    (text.len() > MAX_TEXT).then(|| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{field}: {} bytes; at most {MAX_TEXT} (4 KB)", text.len()),
        )
            .into_response()
    })
}

/// A PNG's width and height from its header (the IHDR chunk that must come first), read
/// before anything is decoded: a mask of the wrong size is refused without inflating it.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if png.len() < 24 || &png[..8] != SIGNATURE || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}

async fn decide(State(app): State<Arc<App>>, Json(d): Json<Decide>) -> Response {
    let Ok(action) = d.action.parse::<HumanAction>() else {
        return bad(format!(
            "action `{}`: accepted approve, reject, rate, verdict",
            d.action
        ));
    };
    if action == HumanAction::Undo {
        return bad("an undo is POST /api/undo".into());
    }
    let reason = match (action, d.reason.as_deref()) {
        (HumanAction::Reject, Some(r)) => match r.parse::<RejectReason>() {
            Ok(r) => Some(r),
            Err(_) => {
                return bad(format!(
                    "reason `{r}`: accepted composition, off_brand, artefact, text_wrong, other"
                ))
            }
        },
        (HumanAction::Reject, None) => return bad("a rejection needs a reason".into()),
        _ => None,
    };
    let rating = match (action, d.rating) {
        // 0 clears a rating (a photo tool's "0").
        (HumanAction::Rate, Some(r @ 0..=5)) => Some(r),
        (HumanAction::Rate, _) => return bad("a rating is 1 to 5 (0 clears it)".into()),
        _ => None,
    };
    let assertion = match (action, d.assertion, d.holds) {
        (HumanAction::Verdict, Some(a), Some(h)) => Some((a, h)),
        (HumanAction::Verdict, _, _) => {
            return bad(
                "a verdict needs `assertion` (its index) and `holds` (true or false)".into(),
            )
        }
        _ => None,
    };
    if let Some(r) = d.note.as_deref().and_then(|n| too_long("note", n)) {
        return r;
    }
    let who = app.who.clone();
    let note = d.note.filter(|n| !n.trim().is_empty());
    let attempt = d.attempt.clone();
    let res = read(&app, move |l| {
        // An attempt with an image, or a version made in review (approved, it is delivered
        // in its final's place by the next run).
        if l.attempt(&attempt)?.and_then(|a| a.asset).is_none() && l.version(&attempt)?.is_none() {
            return Ok(None);
        }
        let id = l.record_human(&HumanDecision {
            attempt: attempt.clone(),
            action,
            reason,
            note,
            rating,
            assertion,
            who,
        })?;
        // The image's standing as the ledger now has it, so the page shows the decision
        // without reading every other card's.
        let st = darkroom_ledger::standing(&l.human_decisions_of(&attempt)?);
        let s = st.get(&attempt).cloned().unwrap_or_default();
        Ok(Some((id, page::standing_json(&attempt, &s))))
    })
    .await;
    match res {
        Ok(Some((id, item))) => Json(serde_json::json!({"id": id, "item": item})).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such asset").into_response(),
        Err(r) => r,
    }
}

async fn undo(State(app): State<Arc<App>>) -> Response {
    let who = app.who.clone();
    match read(&app, move |l| l.undo_human(&who)).await {
        Ok(Some(r)) => Json(
            serde_json::json!({"undone": r.id, "attempt": r.attempt, "action": r.action.as_str()}),
        )
        .into_response(),
        Ok(None) => Json(serde_json::json!({"undone": null})).into_response(),
        Err(r) => r,
    }
}

/// An in-paint as the page sends it.
#[derive(Deserialize)]
struct Inpaint {
    /// The attempt or version to repaint.
    parent: String,
    /// The mask as a PNG data URL (white repaints, black keeps), at the image's size.
    mask: String,
    /// What should be there.
    prompt: String,
    /// A campaign provider that can in-paint; none for the local fill (free, no call).
    provider: Option<String>,
}

/// Repaints the masked part of an asset: a new version linked to its parent. The version's id
/// is a hash of the parent and the request, so pressing the button twice makes (and pays for)
/// one version.
async fn inpaint(State(app): State<Arc<App>>, Json(q): Json<Inpaint>) -> Response {
    use base64::Engine as _;
    if let Some(p) = &q.provider {
        if !app.fixers.contains(p) {
            return bad(format!(
                "provider `{p}` cannot in-paint; accepted: {} (or none, for the local fill)",
                app.fixers.join(", ")
            ));
        }
    }
    if let Some(r) = too_long("prompt", &q.prompt) {
        return r;
    }
    let Some(b64) = q.mask.strip_prefix("data:image/png;base64,") else {
        return bad("mask: a PNG data URL (data:image/png;base64,…)".into());
    };
    let Ok(mask_png) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        return bad("mask: not base64".into());
    };
    let app2 = app.clone();
    let work =
        tokio::task::spawn_blocking(move || -> Result<serde_json::Value, (StatusCode, String)> {
            let (bytes, img) = image_of(&app2, &q.parent)?;
            match png_size(&mask_png) {
                None => return Err(unfit("mask: not a PNG".into())),
                Some((w, h)) if (w, h) != (img.width, img.height) => {
                    return Err(unfit(format!(
                        "mask is {w}×{h}, the image {}×{}: paint on the image itself",
                        img.width, img.height
                    )))
                }
                Some(_) => {}
            }
            let m = darkroom_imageops::decode_png(&mask_png, "mask", 1 << 26)
                .map_err(|e| unfit(format!("mask: {e}")))?;
            if (m.width, m.height) != (img.width, img.height) {
                return Err(unfit(format!(
                    "mask is {}×{}, the image {}×{}: paint on the image itself",
                    m.width, m.height, img.width, img.height
                )));
            }
            let mask: Vec<bool> = m.rgb.chunks_exact(3).map(|p| p[0] > 127).collect();
            if !mask.iter().any(|&x| x) {
                return Err(unfit(
                    "nothing is painted: paint where the image should change".into(),
                ));
            }
            let mut key = format!(
                "inpaint\0{}\0{}\0{}\0",
                q.parent,
                q.provider.as_deref().unwrap_or("local"),
                q.prompt
            )
            .into_bytes();
            key.extend(mask.iter().map(|&x| u8::from(x)));
            let id = darkroom_ledger::content_hash(&key)[..16].to_string();
            // One fix at a time: a second press while the first is being made waits for it
            // and then finds its version, instead of making (and paying for) another.
            static FIXING: Mutex<()> = Mutex::new(());
            let _one = FIXING.lock().unwrap_or_else(|p| p.into_inner());
            let ledger = || app2.ledger.lock().unwrap_or_else(|p| p.into_inner());
            if ledger().version(&id).map_err(oops)?.is_some() {
                return Ok(serde_json::json!({"id": id, "reused": true}));
            }
            let (png, attempt) = match &q.provider {
                None => {
                    let out = darkroom_imageops::fill::inpaint(&img, &mask);
                    let png = darkroom_imageops::encode_png(out.width, out.height, &out.rgb, &[])
                        .map_err(oops)?;
                    (png, None)
                }
                Some(p) => {
                    let Some(fix) = &app2.fix else {
                        return Err(unfit("no campaign file: paid fixes are off".into()));
                    };
                    let bw: Vec<u8> = mask
                        .iter()
                        .flat_map(|&x| if x { [255u8; 3] } else { [0u8; 3] })
                        .collect();
                    let mask_png = darkroom_imageops::encode_png(img.width, img.height, &bw, &[])
                        .map_err(oops)?;
                    let req = darkroom_engine::fix::inpaint_request(
                        &id,
                        (bytes.clone(), img.width, img.height),
                        mask_png.clone(),
                        &q.prompt,
                    );
                    match fix(p, req) {
                        Ok((png, attempt)) => (png, Some(attempt)),
                        // A run holds the campaign: the fix is kept and made when the lock is
                        // free (by that run as it ends, or by this app), never refused.
                        Err(FixFailure::Busy(why)) => {
                            let (mask_hash, _) = app2.store.put(&mask_png, "png").map_err(oops)?;
                            ledger()
                                .queue_fix(&darkroom_ledger::QueuedFix {
                                    id: id.clone(),
                                    parent: q.parent.clone(),
                                    kind: "inpaint".into(),
                                    provider: p.clone(),
                                    prompt: q.prompt.clone(),
                                    mask: mask_hash,
                                    who: app2.who.clone(),
                                    at: 0.0,
                                    state: darkroom_ledger::FixState::Queued,
                                    error: None,
                                })
                                .map_err(oops)?;
                            return Ok(serde_json::json!({"id": id, "queued": true, "why": why}));
                        }
                        Err(FixFailure::Failed(e)) => {
                            return Err((
                                StatusCode::BAD_GATEWAY,
                                format!("the in-paint failed: {e}"),
                            ))
                        }
                    }
                }
            };
            let (asset, _) = app2.store.put(&png, "png").map_err(oops)?;
            ledger()
                .record_version(&darkroom_ledger::Version {
                    id: id.clone(),
                    parent: q.parent.clone(),
                    kind: "inpaint".into(),
                    asset,
                    attempt: attempt.clone(),
                    detail: Some(
                        serde_json::json!({"prompt": q.prompt, "provider": q.provider}).to_string(),
                    ),
                    who: app2.who.clone(),
                    at: 0.0,
                })
                .map_err(oops)?;
            // Judged as it is made, like every image the funnel makes.
            let judged = judge_and_record(&app2, &id).ok();
            Ok(serde_json::json!({"id": id, "reused": false, "attempt": attempt, "judged": judged}))
        })
        .await;
    match work {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(r)) => r.into_response(),
        Err(e) => internal(e),
    }
}

/// A failure inside blocking work, answered as its status and message.
fn oops(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// Input the app cannot use, with what it accepts.
fn unfit(msg: String) -> (StatusCode, String) {
    (StatusCode::UNPROCESSABLE_ENTITY, msg)
}

/// A free local fix as the page sends it.
#[derive(Deserialize)]
struct Local {
    /// The attempt or version to work on.
    parent: String,
    /// `extend` or `grade`.
    kind: String,
    /// For an extension: the aspect ratio (`16:9`, `9:16`, `21:9`…).
    aspect: Option<String>,
    /// For a grade: how far toward the brand, 0 to 1.
    strength: Option<f64>,
}

/// The image of an attempt or a version, from the store.
fn image_of(
    app: &App,
    id: &str,
) -> Result<(Vec<u8>, darkroom_imageops::RgbImage), (StatusCode, String)> {
    let hash = app
        .ledger
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .asset_of(id)
        .map_err(oops)?;
    let path = hash
        .and_then(|h| app.store.find(&h))
        .ok_or((StatusCode::NOT_FOUND, "no such asset".to_string()))?;
    let bytes = std::fs::read(&path).map_err(oops)?;
    let img = darkroom_imageops::decode_png(&bytes, id, 1 << 26).map_err(oops)?;
    Ok((bytes, img))
}

/// Judges an asset with the layout judge (and the brand judge) against its prompt, records the
/// scores under its id, and says what came out: adherence and the questions answered "no".
fn judge_and_record(app: &App, id: &str) -> Result<serde_json::Value, (StatusCode, String)> {
    let (_, img) = image_of(app, id)?;
    let l = app.ledger.lock().unwrap_or_else(|p| p.into_inner());
    let prompt = darkroom_engine::fix::prompt_of(&l, id).map_err(oops)?;
    let Some(scene) = prompt.and_then(|p| darkroom_prompt::parse(&p).ok()) else {
        return Err(unfit("no prompt to judge it against".into()));
    };
    let all = darkroom_engine::fix::judge_version(&l, id, &img, &scene, app.brand.as_ref())
        .map_err(oops)?;
    let no: Vec<String> = all[0]
        .findings
        .iter()
        .filter(|f| f.verdict == darkroom_judges::Verdict::No)
        .filter_map(|f| f.assertion.and_then(|a| scene.checklist.get(a)))
        .map(|a| a.question.clone())
        .collect();
    Ok(serde_json::json!({
        "adherence": all[0].score,
        "on_palette": all.get(1).and_then(|b| b.score),
        "no": no,
    }))
}

/// Extends to an aspect ratio or grades toward the brand, locally (free): a new version linked
/// to its parent, judged as it is made. Its id is a hash of the parent and the request.
async fn local(State(app): State<Arc<App>>, Json(q): Json<Local>) -> Response {
    let work =
        tokio::task::spawn_blocking(move || -> Result<serde_json::Value, (StatusCode, String)> {
            let (param, detail) = match q.kind.as_str() {
                "extend" => {
                    // Checked here, so a bad aspect is refused before anything is made.
                    let a = q.aspect.clone().unwrap_or_default();
                    a.parse::<darkroom_core::Aspect>()
                        .map_err(|e| unfit(format!("aspect `{a}`: {e}")))?;
                    (a.clone(), serde_json::json!({"aspect": a}))
                }
                "grade" => {
                    let s = q.strength.unwrap_or(0.5);
                    if !(0.0..=1.0).contains(&s) {
                        return Err(unfit(format!("strength {s}: accepted 0 to 1")));
                    }
                    if app.brand.is_none() {
                        return Err(unfit("the campaign has no [brand] to grade toward".into()));
                    }
                    (format!("{s:.3}"), serde_json::json!({"strength": s}))
                }
                other => return Err(unfit(format!("kind `{other}`: accepted extend, grade"))),
            };
            let id = darkroom_ledger::content_hash(
                format!("{}\0{}\0{param}", q.kind, q.parent).as_bytes(),
            )[..16]
                .to_string();
            let known = app
                .ledger
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .version(&id)
                .map_err(oops)?
                .is_some();
            if !known {
                let (_, img) = image_of(&app, &q.parent)?;
                let out = if q.kind == "extend" {
                    let aspect: darkroom_core::Aspect =
                        param.parse().map_err(|e| unfit(format!("{e}")))?;
                    // Half a crop toward the subject, half an extension, as delivery reframes.
                    darkroom_imageops::fill::reframe(&img, aspect.ratio())
                } else {
                    let brand = app.brand.as_ref().ok_or_else(|| unfit("no brand".into()))?;
                    let dominant = darkroom_color::palette::palette(
                        &img.rgb,
                        img.width as usize,
                        img.height as usize,
                        6,
                    );
                    let lut = darkroom_color::grade::grade_lut(
                        &dominant,
                        brand,
                        q.strength.unwrap_or(0.5),
                        33,
                    );
                    let cube = darkroom_color::cube::Cube {
                        title: None,
                        lut1d: None,
                        lut3d: Some(lut),
                    };
                    let mut img = img;
                    cube.apply_rgb8(&mut img.rgb, darkroom_color::cube::Interp::Tetrahedral);
                    img
                };
                let png = darkroom_imageops::encode_png(out.width, out.height, &out.rgb, &[])
                    .map_err(oops)?;
                let (asset, _) = app.store.put(&png, "png").map_err(oops)?;
                app.ledger
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .record_version(&darkroom_ledger::Version {
                        id: id.clone(),
                        parent: q.parent.clone(),
                        kind: q.kind.clone(),
                        asset,
                        attempt: None,
                        detail: Some(detail.to_string()),
                        who: app.who.clone(),
                        at: 0.0,
                    })
                    .map_err(oops)?;
            }
            let judged = judge_and_record(&app, &id)?;
            Ok(serde_json::json!({"id": id, "reused": known, "judged": judged}))
        })
        .await;
    match work {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(r)) => r.into_response(),
        Err(e) => internal(e),
    }
}

/// Which asset to judge again.
#[derive(Deserialize)]
struct Rejudge {
    id: String,
}

/// Judges an asset again with today's judges (after a person's fix, or a judge's update).
async fn rejudge(State(app): State<Arc<App>>, Json(q): Json<Rejudge>) -> Response {
    match tokio::task::spawn_blocking(move || judge_and_record(&app, &q.id)).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(r)) => r.into_response(),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod limits {
    use super::*;

    #[test]
    fn a_pngs_size_is_read_from_its_header_and_anything_else_is_not_a_png() {
        let png = darkroom_imageops::encode_png(8192, 3, &vec![0; 8192 * 3 * 3], &[]).unwrap();
        assert_eq!(png_size(&png), Some((8192, 3)));
        assert_eq!(png_size(b"GIF89a"), None);
        assert_eq!(png_size(&png[..20]), None);
    }

    #[test]
    fn text_past_four_kilobytes_is_refused_naming_the_field() {
        assert!(too_long("note", &"x".repeat(MAX_TEXT)).is_none());
        let r = too_long("note", &"x".repeat(MAX_TEXT + 1)).unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}

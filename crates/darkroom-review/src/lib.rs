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
use axum::http::{header, HeaderMap, Method, StatusCode};
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
}

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
        .route("/api/state", get(state))
        .route("/api/decide", post(decide))
        .route("/api/undo", post(undo))
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
        axum::serve(listener, router(app)).await?;
        Ok(())
    })
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
    h.insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
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
        Ok((l.dump_without_scores()?, l.human_decisions()?, l.totals()?))
    })
    .await
    {
        Ok((dump, human, totals)) => Html(page::overview(
            &app.campaign,
            &app.token,
            &dump,
            &human,
            &totals,
        ))
        .into_response(),
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
        ))
    })
    .await
    {
        Ok((dump, scores, human)) => {
            if !dump.attempts.iter().any(|a| a.shot == shot) {
                return (StatusCode::NOT_FOUND, "no such shot").into_response();
            }
            Html(page::shot(
                &app.campaign,
                &app.token,
                &shot,
                &dump,
                &scores,
                &human,
            ))
            .into_response()
        }
        Err(r) => r,
    }
}

async fn asset(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let found = match read(&app, move |l| l.attempt(&id)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    // Only an attempt's own asset, found by its hash in the store: no path from the request.
    let Some(path) = found
        .and_then(|a| a.asset)
        .and_then(|hash| app.store.find(&hash))
    else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "image/png")], Body::from(bytes)).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "asset missing from the store").into_response(),
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

async fn decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(d): Json<Decide>,
) -> Response {
    let _ = headers;
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
        (HumanAction::Rate, Some(r @ 1..=5)) => Some(r),
        (HumanAction::Rate, _) => return bad("a rating is 1 to 5".into()),
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
    let who = app.who.clone();
    let note = d.note.filter(|n| !n.trim().is_empty());
    let attempt = d.attempt.clone();
    let res = read(&app, move |l| {
        if l.attempt(&attempt)?.and_then(|a| a.asset).is_none() {
            return Ok(None);
        }
        l.record_human(&HumanDecision {
            attempt,
            action,
            reason,
            note,
            rating,
            assertion,
            who,
        })
        .map(Some)
    })
    .await;
    match res {
        Ok(Some(id)) => Json(serde_json::json!({"id": id})).into_response(),
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

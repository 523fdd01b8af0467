//! `darkroom review`: the refusals (token, host, origin, paths), decisions as ledger rows, and
//! culling by keyboard in headless Chromium.

use super::*;
use std::io::{BufRead, Read, Write};

/// A running `darkroom review`, stopped when dropped.
struct Review {
    child: std::process::Child,
    port: u16,
    token: String,
}

impl Review {
    fn start(dir: &Path) -> Review {
        Review::start_with(dir, &[])
    }

    /// Started with more environment (a provider's key).
    fn start_with(dir: &Path, env: &[(&str, &str)]) -> Review {
        Review::start_full(dir, env, &[])
    }

    /// Started with more arguments (`--reviewer NAME`).
    fn start_args(dir: &Path, args: &[&str]) -> Review {
        Review::start_full(dir, &[], args)
    }

    fn start_full(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Review {
        let mut child = bin()
            .current_dir(dir)
            .args(["review", "c.toml", "--port", "0"])
            .args(args)
            .env("USER", "tester")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
        let (port, token) = rest.split_once("/?token=").unwrap();
        Review {
            child,
            port: port.parse().unwrap(),
            token: token.to_string(),
        }
    }

    /// One request: `(status, body)`. A refusal that answers before reading the body may reset
    /// the connection before the answer is read; such a request changed nothing and is sent
    /// again (a bounded number of times).
    fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        for _ in 0..5 {
            if let Some(r) = self.once(method, path, headers, body) {
                return r;
            }
        }
        panic!("{method} {path}: reset five times");
    }

    fn once(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Option<(u16, String)> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !headers.iter().any(|h| h.0 == "Host") {
            req.push_str(&format!("Host: 127.0.0.1:{}\r\n", self.port));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).ok()?;
        // A refusal answers before reading the body and may close with a reset: keep what came.
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if !out.is_empty() => {
                    let _ = e;
                    break;
                }
                Err(_) => return None,
            }
        }
        let text = String::from_utf8_lossy(&out).to_string();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map_or("", |x| x.1).to_string();
        Some((status, body))
    }

    fn post(&self, path: &str, json: serde_json::Value) -> (u16, String) {
        self.raw(
            "POST",
            &format!("{path}?token={}", self.token),
            &[("Content-Type", "application/json")],
            &json.to_string(),
        )
    }
}

impl Drop for Review {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ledger's human decisions: `(attempt, action, reason, rating, assertion, verdict, undoes, who)`.
type Row = (
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    String,
);

fn human_rows(dir: &Path) -> Vec<Row> {
    let c = rusqlite::Connection::open(dir.join("out/darkroom.db")).unwrap();
    let mut st = c
        .prepare("SELECT attempt, action, reason, rating, assertion, verdict, undoes, who FROM human_decisions ORDER BY id")
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The campaign's done drafts and finals with an asset, finals first.
fn assets(dir: &Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(dir.join("out/darkroom.db")).unwrap();
    let mut st = c
        .prepare("SELECT id, tier FROM attempts WHERE status = 'done' AND asset IS NOT NULL AND tier IN ('draft', 'finish') ORDER BY tier = 'draft', round, variant")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn review_refuses_what_lacks_the_token_the_host_or_the_origin() {
    let d = reported_campaign("review-refusals");
    let r = Review::start(&d);
    let t = r.token.clone();
    let id = assets(&d)[0].0.clone();
    let (code, overview) = r.raw("GET", &format!("/?token={t}"), &[], "");
    assert_eq!(code, 200);
    // The overview: spend, cost per delivered file, budget left (the campaign caps 5 USD).
    assert!(
        overview.contains("Cost per delivered file") && overview.contains("of 5.00 USD"),
        "{overview}"
    );
    // No token, a wrong one.
    assert_eq!(r.raw("GET", "/", &[], "").0, 403);
    assert_eq!(r.raw("GET", "/?token=0000", &[], "").0, 403);
    assert_eq!(r.raw("GET", &format!("/asset/{id}"), &[], "").0, 403);
    // DNS rebinding: the right token, another Host.
    assert_eq!(
        r.raw(
            "GET",
            &format!("/?token={t}"),
            &[("Host", "evil.example")],
            ""
        )
        .0,
        403
    );
    // A change from another origin; the same from the app's own is accepted.
    let body = serde_json::json!({"attempt": id, "action": "approve"}).to_string();
    let cross = r.raw(
        "POST",
        &format!("/api/decide?token={t}"),
        &[
            ("Content-Type", "application/json"),
            ("Origin", "http://evil.example"),
        ],
        &body,
    );
    assert_eq!(cross.0, 403);
    assert!(
        human_rows(&d).is_empty(),
        "a refused change changes nothing"
    );
    let origin = format!("http://127.0.0.1:{}", r.port);
    let own = r.raw(
        "POST",
        &format!("/api/decide?token={t}"),
        &[("Content-Type", "application/json"), ("Origin", &origin)],
        &body,
    );
    assert_eq!(own.0, 200, "{}", own.1);
    // Assets by attempt id only: paths out of the store are not found.
    let (s, b) = r.raw("GET", &format!("/asset/{id}?token={t}"), &[], "");
    assert_eq!(s, 200);
    assert!(b.len() > 8);
    for p in [
        "/asset/..%2Fdarkroom.db",
        "/asset/../darkroom.db",
        "/asset/%2e%2e%2f%2e%2e%2fc.toml",
        "/asset/nope",
    ] {
        assert_eq!(
            r.raw("GET", &format!("{p}?token={t}"), &[], "").0,
            404,
            "{p}"
        );
    }
}

#[test]
fn review_on_a_taken_port_says_so() {
    let d = reported_campaign("review-port");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let o = bin()
        .current_dir(&d)
        .args(["review", "c.toml", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")) && err.contains("--port 0"),
        "{err}"
    );
}

#[test]
fn every_review_decision_is_a_ledger_row_with_who() {
    let d = reported_campaign("review-decisions");
    let r = Review::start(&d);
    let ids: Vec<String> = assets(&d).into_iter().map(|a| a.0).collect();
    assert!(ids.len() >= 3);
    let ok = |x: (u16, String)| assert_eq!(x.0, 200, "{}", x.1);
    ok(r.post(
        "/api/decide",
        serde_json::json!({"attempt": ids[0], "action": "approve"}),
    ));
    ok(r.post("/api/decide", serde_json::json!({"attempt": ids[1], "action": "reject", "reason": "off_brand", "note": "too cold"})));
    ok(r.post(
        "/api/decide",
        serde_json::json!({"attempt": ids[2], "action": "rate", "rating": 4}),
    ));
    ok(r.post(
        "/api/decide",
        serde_json::json!({"attempt": ids[2], "action": "verdict", "assertion": 1, "holds": false}),
    ));
    ok(r.post("/api/undo", serde_json::json!({})));
    // A note past 4 KB (a pasted document, re-sent with every refresh) is refused, naming it.
    let long = r.post("/api/decide", serde_json::json!({"attempt": ids[1], "action": "reject", "reason": "off_brand", "note": "x".repeat(5000)}));
    assert_eq!(long.0, 413, "{}", long.1);
    assert!(
        long.1.contains("note: 5000 bytes; at most 4096"),
        "{}",
        long.1
    );
    // Bad input is refused with what is accepted, and recorded nowhere.
    let bad = r.post(
        "/api/decide",
        serde_json::json!({"attempt": ids[1], "action": "reject", "reason": "ugly"}),
    );
    assert_eq!(bad.0, 422);
    assert!(
        bad.1.contains("accepted composition, off_brand"),
        "{}",
        bad.1
    );
    assert_eq!(
        r.post(
            "/api/decide",
            serde_json::json!({"attempt": ids[2], "action": "rate", "rating": 9})
        )
        .0,
        422
    );
    assert_eq!(
        r.post(
            "/api/decide",
            serde_json::json!({"attempt": "nope", "action": "approve"})
        )
        .0,
        404
    );
    let rows = human_rows(&d);
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        rows,
        vec![
            (
                ids[0].clone(),
                "approve".into(),
                None,
                None,
                None,
                None,
                None,
                "tester".into()
            ),
            (
                ids[1].clone(),
                "reject".into(),
                s("off_brand"),
                None,
                None,
                None,
                None,
                "tester".into()
            ),
            (
                ids[2].clone(),
                "rate".into(),
                None,
                Some(4),
                None,
                None,
                None,
                "tester".into()
            ),
            (
                ids[2].clone(),
                "verdict".into(),
                None,
                None,
                Some(1),
                s("no"),
                None,
                "tester".into()
            ),
            (
                ids[2].clone(),
                "undo".into(),
                None,
                None,
                None,
                None,
                Some(4),
                "tester".into()
            ),
        ]
    );
    // The page shows what stands.
    let (_, page) = r.raw("GET", &format!("/api/state?token={}", r.token), &[], "");
    let v: serde_json::Value = serde_json::from_str(&page).unwrap();
    let item = |id: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["attempt"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(item(&ids[0])["decision"], "approve");
    assert_eq!(item(&ids[1])["reason"], "off_brand: too cold");
    assert_eq!(item(&ids[2])["rating"], 4);
    assert_eq!(
        item(&ids[2])["verdicts"],
        serde_json::json!({}),
        "the verdict was undone"
    );
}

/// Keys through WebDriver: one key pressed and released.
fn key(driver: &Driver, k: &str) {
    driver.call(
        "POST",
        "/actions",
        serde_json::json!({"actions": [{"type": "key", "id": "kb", "actions": [
            {"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]}]}),
    );
}

/// Waits (by a bounded number of looks, not a deadline) until the ledger has `n` human rows.
fn rows_become(dir: &Path, n: usize) -> Vec<Row> {
    for _ in 0..200 {
        let r = human_rows(dir);
        if r.len() >= n {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    human_rows(dir)
}

fn screenshot(driver: &Driver, name: &str) {
    let shot = driver.call("GET", "/screenshot", serde_json::Value::Null);
    let png = decode_base64(shot.as_str().expect("base64 screenshot"));
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one person's session in one Chromium page, its steps depending on the ones before"
)]
fn culling_by_keyboard_in_chromium_writes_exactly_what_the_person_did() {
    if !chromium() {
        return;
    }
    let d = reported_campaign("review-browser");
    let r = Review::start(&d);
    let ids: Vec<String> = assets(&d).into_iter().map(|a| a.0).collect();
    let profile = d.join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let driver = Driver::start(&std::fs::canonicalize(&profile).unwrap());
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("http://127.0.0.1:{}/shot/hero?token={}", r.port, r.token)}),
    );
    // Read the cards once the page has them (a bounded number of looks).
    let mut order: Vec<String> = Vec::new();
    for _ in 0..100 {
        order = serde_json::from_value(driver.call(
            "POST",
            "/execute/sync",
            serde_json::json!({"args": [], "script": "return [...document.querySelectorAll('.card')].map(c => c.dataset.id)"}),
        ))
        .unwrap();
        if !order.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let source = driver.call("GET", "/source", serde_json::Value::Null);
    assert_eq!(order, ids, "finals first, then drafts in order: {source}");
    screenshot(&driver, "review-sheet.png");
    // The first card is the final: approve it.
    key(&driver, "a");
    let rows = rows_become(&d, 1);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        (ids[0].as_str(), "approve")
    );
    // Next, reject with a reason: X opens the reasons, pick "artefact", confirm.
    key(&driver, "\u{E014}");
    key(&driver, "x");
    driver.call(
        "POST",
        "/execute/sync",
        serde_json::json!({"args": [], "script": "document.querySelector('#why input[value=artefact]').checked = true; document.getElementById('note').value = 'smudge'; return 1"}),
    );
    let ok = driver.call(
        "POST",
        "/element",
        serde_json::json!({"using": "css selector", "value": "#whyok"}),
    );
    let el = ok
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(|v| v.as_str())
        .unwrap()
        .to_string();
    driver.call(
        "POST",
        &format!("/element/{el}/click"),
        serde_json::json!({}),
    );
    let rows = rows_become(&d, 2);
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str(), rows[1].2.as_deref()),
        (ids[1].as_str(), "reject", Some("artefact"))
    );
    // Next, rate 5, then take it back with U.
    key(&driver, "\u{E014}");
    key(&driver, "5");
    let rows = rows_become(&d, 3);
    assert_eq!((rows[2].0.as_str(), rows[2].3), (ids[2].as_str(), Some(5)));
    key(&driver, "u");
    let rows = rows_become(&d, 4);
    assert_eq!((rows[3].1.as_str(), rows[3].6.is_some()), ("undo", true));
    // A person's verdict: the first card's second question is not true, says the person. The
    // checklist is in the panel beside the sheet, for the selected card (a click selects).
    driver.call(
        "POST",
        "/execute/sync",
        serde_json::json!({"args": [], "script": "document.querySelectorAll('.card')[0].click(); return 1"}),
    );
    let mut panel = serde_json::Value::Null;
    for _ in 0..100 {
        panel = driver.call(
            "POST",
            "/execute/sync",
            serde_json::json!({"args": [], "script": "const d = document.getElementById('detail'); return [d.dataset.id || '', d.querySelectorAll('.q').length]"}),
        );
        if panel[0] == ids[0].as_str() && panel[1].as_u64() > Some(1) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        panel[1].as_u64() > Some(1),
        "the panel shows the checklist: {panel}"
    );
    driver.call(
        "POST",
        "/execute/sync",
        serde_json::json!({"args": [], "script": "document.querySelectorAll('#detail .q')[1].querySelector('button[data-h=\"0\"]').click(); return 1"}),
    );
    let rows = rows_become(&d, 5);
    assert_eq!(
        (rows[4].0.as_str(), rows[4].1.as_str(), rows[4].5.as_deref()),
        (ids[0].as_str(), "verdict", Some("no"))
    );
    // Compare: C on the current card, → , C on the next: both are shown, with a slider.
    key(&driver, "c");
    key(&driver, "\u{E014}");
    key(&driver, "c");
    let shown = driver.call(
        "POST",
        "/execute/sync",
        serde_json::json!({"args": [], "script": "const o = document.getElementById('overlay'); return [o.classList.contains('on'), o.querySelectorAll('img').length, !!document.getElementById('slide')]"}),
    );
    assert_eq!(shown, serde_json::json!([true, 4, true]), "compare overlay");
    screenshot(&driver, "review-compare.png");
    key(&driver, "\u{E00C}");
    // In-paint with the local fill: I on the current card (the second: the verdict click chose
    // the first, compare moved on one), a stroke on the mask,
    // what goes there, go; pressing go again makes nothing new.
    key(&driver, "i");
    let el = |css: &str| -> String {
        let v = driver.call(
            "POST",
            "/element",
            serde_json::json!({"using": "css selector", "value": css}),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{css}: {v}"))
            .to_string()
    };
    // The mask canvas is sized once the image has loaded.
    for _ in 0..100 {
        let w = driver.call("POST", "/execute/sync", serde_json::json!({"args": [], "script": "return document.getElementById('pmask').width"}));
        if w.as_u64().unwrap_or(0) > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let r = driver.call("POST", "/execute/sync", serde_json::json!({"args": [], "script": "const r = document.getElementById('pmask').getBoundingClientRect(); return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)]"}));
    let (cx, cy) = (r[0].as_i64().unwrap(), r[1].as_i64().unwrap());
    let acted = driver.call(
        "POST",
        "/actions",
        serde_json::json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
            {"type": "pointerMove", "origin": "viewport", "x": cx - 20, "y": cy},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "origin": "pointer", "x": 40, "y": 10, "duration": 100},
            {"type": "pointerUp", "button": 0}]}]}),
    );
    assert!(acted.is_null(), "pointer actions: {acted}");
    let prompt = el("#pprompt");
    driver.call(
        "POST",
        &format!("/element/{prompt}/value"),
        serde_json::json!({"text": "a smooth grey floor"}),
    );
    let go = el("#pgo");
    driver.call(
        "POST",
        &format!("/element/{go}/click"),
        serde_json::json!({}),
    );
    let versions = |dir: &Path| -> Vec<(String, String, Option<String>)> {
        let c = rusqlite::Connection::open(dir.join("out/darkroom.db")).unwrap();
        let mut st = c
            .prepare("SELECT parent, kind, attempt FROM versions")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut made = Vec::new();
    for _ in 0..200 {
        made = versions(&d);
        if !made.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let said = driver.call("POST", "/execute/sync", serde_json::json!({"args": [], "script": "const o = document.getElementById('pout'); return [o ? o.textContent : 'no overlay', document.getElementById('pmask') ? document.getElementById('pmask').width : -1]"}));
    assert_eq!(
        made,
        vec![(ids[1].clone(), "inpaint".to_string(), None)],
        "a local fill, no call: {said}"
    );
    // The result is shown; pressing again finds the same version.
    for _ in 0..100 {
        let shown = driver.call("POST", "/execute/sync", serde_json::json!({"args": [], "script": "const i = document.getElementById('pres'); return !!(i && i.complete && i.naturalWidth > 0)"}));
        if shown == serde_json::json!(true) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    screenshot(&driver, "review-inpaint.png");
    driver.call(
        "POST",
        &format!("/element/{go}/click"),
        serde_json::json!({}),
    );
    for _ in 0..100 {
        let t = driver.call("POST", "/execute/sync", serde_json::json!({"args": [], "script": "return document.getElementById('pout').textContent"}));
        if t.as_str().is_some_and(|t| t.starts_with("already made")) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(versions(&d).len(), 1, "pressing twice makes one version");
    key(&driver, "\u{E00C}");
    // Nothing else was written: five rows, all by the person running the app.
    let rows = human_rows(&d);
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(rows.iter().all(|r| r.7 == "tester"));
    let logs = driver.call("POST", "/se/log", serde_json::json!({"type": "browser"}));
    let errors: Vec<&serde_json::Value> = logs
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// A one-shot sim campaign in `dir/c.toml` with extra lines appended to its tables.
fn campaign(name: &str, gates: &str, extra: &str) -> PathBuf {
    let d = scratch(name);
    std::fs::write(
        d.join("c.toml"),
        format!("[campaign]\nname = \"tiny\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 1\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 3\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\nkeep = 2\n[gates]\n{gates}\n[budget]\nmoney = \"5 USD\"\n{extra}\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n"),
    )
    .unwrap();
    d
}

/// `run` in `dir`: exit code and stderr.
fn run_in(dir: &Path) -> (i32, String) {
    let o = bin()
        .current_dir(dir)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn delivered(dir: &Path) -> Vec<String> {
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("out/deliverables/manifest.json"))
            .unwrap_or_else(|_| b"{}".to_vec()),
    )
    .unwrap();
    m["deliverables"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["attempt"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A campaign with `extra` providers, run: its folder and its final.
fn finished(name: &str, extra: &str) -> (PathBuf, String) {
    let d = campaign(name, "adherence = 0.5", extra);
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    let fin = finals(&d)[0].clone();
    (d, fin)
}

fn finals(dir: &Path) -> Vec<String> {
    assets(dir)
        .into_iter()
        .filter(|a| a.1 == "finish")
        .map(|a| a.0)
        .collect()
}

#[test]
fn review_required_delivers_only_what_a_person_approved() {
    let d = campaign(
        "review-required",
        "adherence = 0.5",
        "[review]\nrequired = true",
    );
    // First run: finished, judged, and kept back.
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("awaiting review: 1 final(s) of 1 shot(s)"),
        "{err}"
    );
    assert!(delivered(&d).is_empty(), "nothing leaves before review");
    let first = finals(&d);
    assert_eq!(first.len(), 1);
    let v = status_json(&d, "c.toml");
    assert_eq!(v["awaiting_review"], serde_json::json!(first));
    assert_eq!(
        v["shots"][0]["status"], "awaiting_review",
        "a shot kept back for review says so, not \"planned\": {v}"
    );
    let (code, text, _) = go(&d, &["status", "c.toml"]);
    assert_eq!(code, 0);
    assert!(text.contains("awaiting review"), "{text}");
    // A person rejects the final: the next run finishes the spare, which awaits review in turn.
    {
        let r = Review::start(&d);
        let x = r.post(
            "/api/decide",
            serde_json::json!({"attempt": first[0], "action": "reject", "reason": "composition"}),
        );
        assert_eq!(x.0, 200, "{}", x.1);
    }
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("this run: 1 call(s) sent"),
        "the spare's finish only: {err}"
    );
    assert!(
        err.contains("from the next ranked draft (a person rejected the final)")
            && !err.contains("failed"),
        "a person's rejection is said as such, not as a failure: {err}"
    );
    let second: Vec<String> = finals(&d).into_iter().filter(|f| *f != first[0]).collect();
    assert_eq!(second.len(), 1);
    assert_eq!(
        status_json(&d, "c.toml")["awaiting_review"],
        serde_json::json!(second)
    );
    assert!(delivered(&d).is_empty());
    // Approved in the browser (→ to the second final, A): delivered, and only that final.
    {
        let r = Review::start(&d);
        if chromium() {
            let profile = d.join("chromium-profile");
            std::fs::create_dir_all(&profile).unwrap();
            let driver = Driver::start(&std::fs::canonicalize(&profile).unwrap());
            driver.call(
                "POST",
                "/url",
                serde_json::json!({"url": format!("http://127.0.0.1:{}/shot/hero?token={}", r.port, r.token)}),
            );
            for _ in 0..100 {
                let n = driver.call("POST", "/execute/sync", serde_json::json!({"args": [], "script": "return document.querySelectorAll('.card').length"}));
                if n.as_u64().unwrap_or(0) > 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let second_card = driver.call("POST", "/execute/sync", serde_json::json!({"args": [], "script": "return document.querySelectorAll('.card')[1].dataset.id"}));
            assert_eq!(
                second_card,
                serde_json::json!(second[0]),
                "finals first, in order"
            );
            key(&driver, "\u{E014}");
            key(&driver, "a");
            let rows = rows_become(&d, 2);
            assert_eq!(
                (rows[1].0.as_str(), rows[1].1.as_str()),
                (second[0].as_str(), "approve")
            );
        } else {
            let x = r.post(
                "/api/decide",
                serde_json::json!({"attempt": second[0], "action": "approve"}),
            );
            assert_eq!(x.0, 200, "{}", x.1);
        }
    }
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert_eq!(delivered(&d), second, "{err}");
    assert_eq!(
        status_json(&d, "c.toml")["awaiting_review"],
        serde_json::json!([])
    );
    // And again: nothing to call.
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("this run: 0 call(s) sent"), "{err}");
    assert_eq!(delivered(&d), second);
}

#[test]
fn a_draft_a_person_approves_over_the_gates_is_finished() {
    // No draft can be this sharp: every draft fails its gate.
    let d = campaign("review-promote", "sharpness = 1.0", "");
    let (code, err) = run_in(&d);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no draft passed the gates"), "{err}");
    assert!(finals(&d).is_empty());
    let drafts: Vec<String> = assets(&d).into_iter().map(|a| a.0).collect();
    {
        let r = Review::start(&d);
        let x = r.post(
            "/api/decide",
            serde_json::json!({"attempt": drafts[1], "action": "approve"}),
        );
        assert_eq!(x.0, 200, "{}", x.1);
    }
    let (code, err) = run_in(&d);
    // The finish of that draft is judged by the same gates; what matters is that it was made
    // from the approved draft and recorded as the person's doing.
    assert!(code == 0 || code == 1, "{err}");
    let c = rusqlite::Connection::open(d.join("out/darkroom.db")).unwrap();
    let why: String = c
        .query_row(
            "SELECT reason FROM decisions WHERE attempt = ?1 AND kind = 'review'",
            [&drafts[1]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(why, "person_approved");
    let promoted: String = c
        .query_row(
            "SELECT reason FROM decisions WHERE attempt = ?1 AND kind = 'rank' ORDER BY at DESC LIMIT 1",
            [&drafts[1]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(promoted, "promoted");
    assert_eq!(finals(&d).len(), 1, "{err}");
}

#[test]
fn audit_judges_human_measures_the_judges_against_the_people() {
    let d = reported_campaign("review-agreement");
    let ids: Vec<String> = assets(&d).into_iter().map(|a| a.0).collect();
    {
        let r = Review::start(&d);
        // The person says the first two questions hold on two images, and the third does not.
        for id in &ids[..2] {
            for (q, holds) in [(0, true), (1, true), (2, false)] {
                let x = r.post("/api/decide", serde_json::json!({"attempt": id, "action": "verdict", "assertion": q, "holds": holds}));
                assert_eq!(x.0, 200, "{}", x.1);
            }
        }
        let x = r.post(
            "/api/decide",
            serde_json::json!({"attempt": ids[0], "action": "approve"}),
        );
        assert_eq!(x.0, 200);
    }
    let o = bin()
        .current_dir(&d)
        .args(["audit", "judges", "--human", "c.toml", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let layout = &v["judges"]["layout"];
    let answered: u64 = layout
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["answered"].as_u64().unwrap())
        .sum();
    assert_eq!(answered, 6, "{v}");
    let person_no: u64 = layout
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["person_no"].as_u64().unwrap())
        .sum();
    assert_eq!(person_no, 2, "{v}");
    assert_eq!(
        v["gates"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>(),
        1,
        "{v}"
    );
}

/// A 256×256 mask as the page sends it: the right half painted.
fn mask_data_url(dir: &Path, w: u32, h: u32) -> String {
    let p = dir.join("mask.png");
    write_png(&p, w, h, |x, _| if x > w / 2 { [255; 3] } else { [0; 3] });
    use base64::Engine as _;
    let out = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&p).unwrap());
    format!("data:image/png;base64,{out}")
}

#[test]
fn a_paid_in_paint_pressed_twice_at_once_is_made_and_paid_once() {
    use darkroom_fakes::Fake;
    let forge = Fake::a1111();
    let (d, fin) = finished(
        "review-double",
        &format!(
            "[providers.forge]\nkind = \"a1111\"\nbase_url = \"{}\"",
            forge.url
        ),
    );
    let r = Review::start(&d);
    let mask = mask_data_url(&d, 128, 128);
    let body = serde_json::json!({"parent": fin, "mask": mask, "prompt": "a green cube", "provider": "forge"});
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let a = s.spawn(|| r.post("/api/inpaint", body.clone()));
        let b = s.spawn(|| r.post("/api/inpaint", body.clone()));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    for (code, text) in &answers {
        assert_eq!(*code, 200, "{text}");
    }
    let reused: Vec<bool> = answers
        .iter()
        .map(|a| serde_json::from_str::<serde_json::Value>(&a.1).unwrap()["reused"] == true)
        .collect();
    assert_eq!(reused.iter().filter(|x| **x).count(), 1, "{answers:?}");
    let calls = forge
        .seen()
        .iter()
        .filter(|s| s.path.contains("img2img"))
        .count();
    assert_eq!(calls, 1, "one call to the provider: {:?}", forge.seen());
    let c = rusqlite::Connection::open(d.join("out/darkroom.db")).unwrap();
    let (versions, paid): (i64, i64) = c
        .query_row(
            "SELECT (SELECT COUNT(*) FROM versions), (SELECT COUNT(*) FROM attempts WHERE tier = 'fix' AND status = 'done')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((versions, paid), (1, 1));
    // A provider that cannot in-paint is refused with the ones that can.
    let bad = r.post("/api/inpaint", serde_json::json!({"parent": fin, "mask": mask_data_url(&d, 128, 128), "prompt": "x", "provider": "sim"}));
    assert_eq!(bad.0, 422);
    assert!(bad.1.contains("accepted: forge"), "{}", bad.1);
    // A mask of another size is refused from its header, before it is decoded.
    let wrong = r.post("/api/inpaint", serde_json::json!({"parent": fin, "mask": mask_data_url(&d, 4096, 2), "prompt": "x", "provider": "forge"}));
    assert_eq!(wrong.0, 422);
    assert!(
        wrong.1.contains("mask is 4096×2, the image 128×128"),
        "{}",
        wrong.1
    );
}

#[test]
fn review_actions_while_a_run_is_going_are_all_kept() {
    let d = scratch("review-concurrent");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"busy\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 4\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 8\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\n[gates]\nadherence = 0.5\n[budget]\nmoney = \"5 USD\"\n[[shots]]\nid = \"first\"\nprompt = \"a red sphere\"\n[[shots]]\nid = \"second\"\nprompt = \"a blue cube on a table\"\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--only", "first"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ids: Vec<String> = assets(&d).into_iter().map(|a| a.0).collect();
    let r = Review::start(&d);
    // The second shot runs with the simulated models' latency while people decide.
    let mut run = bin()
        .current_dir(&d)
        .args(["run", "c.toml", "--realtime"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let answers: Vec<u16> = std::thread::scope(|s| {
        let hands: Vec<_> = (0..2)
            .map(|t| {
                let (r, ids) = (&r, &ids);
                s.spawn(move || {
                    (0..40)
                        .map(|i| {
                            let id = &ids[(i + t) % ids.len()];
                            r.post(
                                "/api/decide",
                                serde_json::json!({"attempt": id, "action": "rate", "rating": 1 + (i % 5)}),
                            )
                            .0
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hands.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let mut err = String::new();
    run.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = run.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(answers.iter().all(|&c| c == 200), "{answers:?}");
    assert_eq!(human_rows(&d).len(), 80, "every decision kept");
    assert!(!err.contains("locked"), "{err}");
}

#[test]
fn extend_grade_and_judge_again_make_judged_versions_once() {
    let d = reported_campaign("review-local-fixes");
    let fin = finals(&d)[0].clone();
    let r = Review::start(&d);
    let json = |x: (u16, String)| -> serde_json::Value {
        assert_eq!(x.0, 200, "{}", x.1);
        serde_json::from_str(&x.1).unwrap()
    };
    let wide = json(r.post(
        "/api/local",
        serde_json::json!({"parent": fin, "kind": "extend", "aspect": "16:9"}),
    ));
    assert_eq!(wide["reused"], false);
    assert!(
        wide["judged"]["adherence"].is_number(),
        "judged as made: {wide}"
    );
    let again = json(r.post(
        "/api/local",
        serde_json::json!({"parent": fin, "kind": "extend", "aspect": "16:9"}),
    ));
    assert_eq!(
        (again["id"].clone(), again["reused"].clone()),
        (wide["id"].clone(), serde_json::json!(true))
    );
    // The extension has the asked aspect.
    let (code, png) = {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", r.port)).unwrap();
        write!(
            s,
            "GET /asset/{}?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            wide["id"].as_str().unwrap(),
            r.token,
            r.port
        )
        .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        (
            String::from_utf8_lossy(&out[..12]).to_string(),
            out[at..].to_vec(),
        )
    };
    assert!(code.contains("200"), "{code}");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert!(
        (f64::from(w) / f64::from(h) - 16.0 / 9.0).abs() < 0.02,
        "{w}x{h}"
    );
    // A grade toward the campaign's brand, judged for its on-palette share.
    let graded = json(r.post(
        "/api/local",
        serde_json::json!({"parent": wide["id"], "kind": "grade", "strength": 0.6}),
    ));
    assert!(graded["judged"]["on_palette"].is_number(), "{graded}");
    // Judge again: scores are recorded under the asset's id.
    let j = json(r.post("/api/rejudge", serde_json::json!({"id": fin})));
    assert!(j["adherence"].is_number(), "{j}");
    // Bad asks name what is accepted.
    let bad = r.post(
        "/api/local",
        serde_json::json!({"parent": fin, "kind": "extend", "aspect": "wide"}),
    );
    assert_eq!(bad.0, 422, "{}", bad.1);
    let bad = r.post(
        "/api/local",
        serde_json::json!({"parent": fin, "kind": "blur"}),
    );
    assert!(
        bad.0 == 422 && bad.1.contains("accepted extend, grade"),
        "{}",
        bad.1
    );
    // Lineage in the ledger: the grade's parent is the extension, whose parent is the final.
    let c = rusqlite::Connection::open(d.join("out/darkroom.db")).unwrap();
    let mut st = c
        .prepare("SELECT kind, parent FROM versions ORDER BY at")
        .unwrap();
    let rows: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("extend".to_string(), fin.clone()),
            (
                "grade".to_string(),
                wide["id"].as_str().unwrap().to_string()
            )
        ]
    );
    // And on the page, under the final.
    let (_, page) = r.raw("GET", &format!("/shot/hero?token={}", r.token), &[], "");
    assert!(
        page.contains("extended to 16:9") && page.contains("graded toward the brand at 0.60"),
        "lineage on the page"
    );
    // Money in the campaign's unit (USD here): each card's cost in dollars, never "credits";
    // each version's cost on its line (the local fixes are free).
    assert!(!page.contains("credits"), "a USD campaign says dollars");
    assert!(page.contains(" · $0.0"), "a card's cost in dollars");
    assert_eq!(
        page.matches("· free ·").count(),
        2,
        "the extend and the grade, each free"
    );
}

#[test]
fn the_report_shows_the_judges_against_the_people() {
    let d = reported_campaign("review-report");
    let id = assets(&d)[0].0.clone();
    {
        let r = Review::start(&d);
        let x = r.post(
            "/api/decide",
            serde_json::json!({"attempt": id, "action": "verdict", "assertion": 0, "holds": true}),
        );
        assert_eq!(x.0, 200);
    }
    let o = bin()
        .current_dir(&d)
        .args(["report", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let page = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(
        page.contains("Judges against people (from darkroom review)"),
        "the table is in the report"
    );
}

#[test]
fn a_persons_verdict_overrides_the_judges_at_the_gate() {
    let d = campaign("review-verdict-gate", "adherence = 0.9", "");
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    let c = rusqlite::Connection::open(d.join("out/darkroom.db")).unwrap();
    // A draft that passed, and a question its pixel judge answered yes.
    let (id, verdicts): (String, String) = c
        .query_row(
            "SELECT s.attempt, s.verdicts FROM scores s JOIN decisions d ON d.attempt = s.attempt
             WHERE s.judge = 'layout' AND d.kind = 'gate' AND d.reason = 'passed' ORDER BY s.attempt LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&verdicts).unwrap();
    let q = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["verdict"] == "yes")
        .and_then(|f| f["assertion"].as_u64())
        .unwrap();
    {
        let r = Review::start(&d);
        let x = r.post(
            "/api/decide",
            serde_json::json!({"attempt": id, "action": "verdict", "assertion": q, "holds": false}),
        );
        assert_eq!(x.0, 200, "{}", x.1);
    }
    run_in(&d);
    let latest: String = c
        .query_row(
            "SELECT reason FROM decisions WHERE attempt = ?1 AND kind = 'gate' ORDER BY at DESC, rowid DESC LIMIT 1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        latest, "below_adherence",
        "the person's no counts at the gate"
    );
}

#[test]
fn an_in_paint_on_openai_is_an_edit_with_a_transparent_mask() {
    use darkroom_fakes::Fake;
    const KEY: &str = "sk-FAKE-review-openai-7788";
    let gpt = Fake::openai(KEY);
    let (d, fin) = finished(
        "review-openai-inpaint",
        &format!(
            "[providers.gpt]\nkind = \"openai\"\nmodel = \"gpt-image-1\"\napi_key_env = \"DR_TEST_REVIEW_OPENAI\"\nbase_url = \"{}\"",
            gpt.url
        ),
    );
    // The review app reads the key from its environment, like every command.
    let r = Review::start_with(&d, &[("DR_TEST_REVIEW_OPENAI", KEY)]);
    let x = r.post(
        "/api/inpaint",
        serde_json::json!({"parent": fin, "mask": mask_data_url(&d, 128, 128), "prompt": "a green cube", "provider": "gpt"}),
    );
    assert_eq!(x.0, 200, "{}", x.1);
    let edits: Vec<_> = gpt
        .seen()
        .into_iter()
        .filter(|s| s.path == "/v1/images/edits")
        .collect();
    assert_eq!(
        edits.len(),
        1,
        "one edit, with its mask (the fake checks it is RGBA, the image's size)"
    );
}

/// The whole response (status line, headers, body) of a GET to the review app.
fn whole_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Nothing a campaign file says runs as code in the reviewer's browser (issue 29, item 1): a
/// prompt carrying `</script>` and an `onerror` payload never runs — on the overview, the shot
/// page and its overlays (zoom, compare, judge again, extend, grade, in-paint) — every page
/// carries a nonce-based Content-Security-Policy and `nosniff`, the JSON in the page's script
/// cannot close it, and a provider named like markup is refused by `check`.
#[test]
fn a_prompt_or_a_name_carrying_markup_never_runs_in_the_review_app() {
    let d = scratch("review-injection");
    let payload = "</script><img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>";
    let campaign = format!(
        "[campaign]\nname = \"inj\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 1\n\
         [tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 2\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmoney = \"5 USD\"\n[provenance]\nenabled = false\n\
         [[shots]]\nid = \"sign\"\nprompt = \"a white sign that says \\\"{payload}\\\" next to a red <b>sphere</b>\"\n"
    );
    std::fs::write(d.join("c.toml"), &campaign).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert!(code == 0 || code == 1, "{err}");
    let r = Review::start(&d);
    for path in ["/", "/shot/sign"] {
        let res = whole_get(r.port, &format!("{path}?token={}", r.token));
        let (head, body) = res.split_once("\r\n\r\n").unwrap();
        let head = head.to_ascii_lowercase();
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{path}: {head}"
        );
        assert!(
            head.contains("content-security-policy: default-src 'self'; script-src 'nonce-")
                && head.contains("frame-ancestors 'none'")
                && !head.contains("script-src 'unsafe-inline'"),
            "{path}: {head}"
        );
        // (Escaped as text it may show; as markup it must not be there.)
        for bad in ["<img src=x onerror", "<script>window.__pwned"] {
            if let Some(i) = body.find(bad) {
                panic!(
                    "{path}: the payload is in the page as markup: …{}…",
                    &body[i.saturating_sub(200)..(i + 60).min(body.len())]
                );
            }
        }
        // At most the page's own script, and it is not closed early by a value inside it.
        let scripts = body.matches("<script").count();
        assert!(scripts <= 1, "{path}: {scripts} scripts");
        if scripts == 1 {
            let inside = &body[body.find("<script").unwrap()..];
            let end = inside.find("</script>").unwrap();
            assert!(
                inside[end..]
                    .trim_end()
                    .ends_with("</script></body></html>"),
                "{path}"
            );
        }
    }
    if !chromium() {
        return;
    }
    let profile = d.join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let driver = Driver::start(&std::fs::canonicalize(&profile).unwrap());
    let pwned = |driver: &Driver| {
        driver.call(
            "POST",
            "/execute/sync",
            serde_json::json!({"args": [], "script": "return [window.__pwned === undefined, document.querySelectorAll('.card').length]"}),
        )
    };
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("http://127.0.0.1:{}/?token={}", r.port, r.token)}),
    );
    assert_eq!(pwned(&driver)[0], true, "the overview ran the payload");
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("http://127.0.0.1:{}/shot/sign?token={}", r.port, r.token)}),
    );
    // The page's own script runs (the nonce lets it): its cards are selected and listed.
    let mut cards = 0;
    for _ in 0..100 {
        cards = pwned(&driver)[1].as_u64().unwrap_or(0);
        if cards > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(cards > 0, "the page's script did not run");
    for keys in [
        &["z"][..],
        &[" "],
        &["c", "\u{E014}", "c"],
        &["j"],
        &["e"],
        &["g"],
        &["i"],
    ] {
        for k in keys {
            key(&driver, k);
        }
        // Let the overlay's request come back (bounded looks).
        for _ in 0..20 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(pwned(&driver)[0], true, "the payload ran after {keys:?}");
        if keys == ["j"] {
            screenshot(&driver, "review-injection-judge.png");
        }
        key(&driver, "\u{E00C}");
    }
    assert_eq!(pwned(&driver)[0], true);
    drop(r);
    // A provider named like markup is refused before anything runs.
    let named = campaign
        .replace(
            "[providers.sim]",
            "[providers.\"</script><img src=x onerror=alert(1)>\"]",
        )
        .replace(
            "provider = \"sim\"",
            "provider = \"</script><img src=x onerror=alert(1)>\"",
        );
    std::fs::write(d.join("c.toml"), named).unwrap();
    let (code, _, err) = go(&d, &["check", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("provider name") && err.contains("ASCII letters"),
        "{err}"
    );
}

/// Issue 29 item 2: a fix made in review reaches delivery. In-paint the delivered final (the
/// local fill), approve the version, `run`: the version is delivered in the final's place —
/// the same file names, the manifest naming the version, the final no longer listed — signed,
/// with the in-paint among the file's actions (read back by `verify`); a second run calls
/// nothing and delivers the same bytes.
#[test]
fn an_approved_version_is_delivered_in_its_finals_place() {
    let d = campaign("review-fix-delivered", "adherence = 0.0", "");
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    let before = delivered(&d);
    assert_eq!(before.len(), 1, "{before:?}");
    let fin = before[0].clone();
    let file = files_under(&d.join("out/deliverables/hero"), &["png"])[0].clone();
    let old_bytes = std::fs::read(&file).unwrap();
    let version = {
        let r = Review::start(&d);
        // Which final is delivered is said on its card (the spare's says nothing).
        let (_, page) = r.raw("GET", &format!("/shot/hero?token={}", r.token), &[], "");
        assert_eq!(page.matches("<b>delivered</b>").count(), 1, "{page}");
        let made = r.post(
            "/api/inpaint",
            serde_json::json!({"parent": fin, "mask": mask_data_url(&d, 128, 128), "prompt": "a green cube", "provider": null}),
        );
        assert_eq!(made.0, 200, "{}", made.1);
        let v: serde_json::Value = serde_json::from_str(&made.1).unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        let ok = r.post(
            "/api/decide",
            serde_json::json!({"attempt": id, "action": "approve"}),
        );
        assert_eq!(ok.0, 200, "a version can be approved: {}", ok.1);
        id
    };
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("this run: 0 call(s) sent"), "{err}");
    assert_eq!(
        delivered(&d),
        vec![version.clone()],
        "the version replaces the final"
    );
    let files = files_under(&d.join("out/deliverables/hero"), &["png"]);
    assert_eq!(files, vec![file.clone()], "the same file, replaced");
    let new_bytes = std::fs::read(&file).unwrap();
    assert_ne!(new_bytes, old_bytes);
    let (code, out, err) = go(&d, &["verify", &file.display().to_string(), "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"valid\""), "{out}");
    assert!(
        out.contains("c2pa.edited") && out.contains("filled from its surroundings in review"),
        "the in-paint is in the file's story: {out}"
    );
    let side = std::fs::read_to_string(file.with_extension("json")).unwrap();
    assert!(side.contains(&version), "{side}");
    // The review app shows the final superseded by the version.
    {
        let r = Review::start(&d);
        let (_, page) = r.raw("GET", &format!("/shot/hero?token={}", r.token), &[], "");
        assert!(
            page.contains(&format!("superseded: version {version} was approved")),
            "{page}"
        );
        assert!(
            page.contains("filled from the surroundings (the text typed is not used"),
            "the local fill's lineage says what it did: {page}"
        );
        // The overview counts the superseded final as decided, not as awaiting review.
        let (_, over) = r.raw("GET", &format!("/?token={}", r.token), &[], "");
        let awaiting = finals(&d).len() - 1;
        assert!(
            over.contains(&format!("<b id=awaiting>{awaiting}</b>")),
            "only the spare awaits: {over}"
        );
    }
    // Nothing left to do: no call, the same bytes.
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("this run: 0 call(s) sent"), "{err}");
    assert_eq!(delivered(&d), vec![version]);
}

/// Issue 29 item 4, in part, in Chromium: with a filter on, ←/→ move only through the cards
/// shown, so a key never decides on an image the person cannot see; P picks (approves), 0
/// clears a rating, T turns on auto-advance (a decision moves to the next shown card), 1–5 pick
/// a reject reason, and U says what it undid.
#[test]
fn culling_keys_move_only_through_shown_cards_and_say_what_they_did() {
    if !chromium() {
        assert!(std::env::var_os("CI").is_none(), "CI must have Chromium");
        return;
    }
    let (d, _) = finished("review-culling", "");
    let r = Review::start(&d);
    let driver = Driver::in_dir(&d);
    let js = |script: &str| driver.js(script);
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("http://127.0.0.1:{}/shot/hero?token={}", r.port, r.token)}),
    );
    for _ in 0..100 {
        if js("return document.querySelectorAll('.card').length")
            .as_u64()
            .unwrap_or(0)
            >= 3
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let ids: Vec<String> = serde_json::from_value(js(
        "return [...document.querySelectorAll('.card')].map(c=>c.dataset.id)",
    ))
    .unwrap();
    assert!(ids.len() >= 3, "{ids:?}");
    // The first card approved (through the API), then only those awaiting review are shown:
    // the selection leaves the hidden card, and ← → never land on it.
    let ok = r.post(
        "/api/decide",
        serde_json::json!({"attempt": ids[0], "action": "approve"}),
    );
    assert_eq!(ok.0, 200, "{}", ok.1);
    for _ in 0..100 {
        if js("return document.querySelector('.card').dataset.decision").as_str() == Some("approve")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    js("document.querySelector('[data-f=awaiting]').click()");
    let selected = || {
        js("return document.querySelector('.card.sel').dataset.id")
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut seen = std::collections::BTreeSet::new();
    for k in [
        "\u{E012}", "\u{E012}", "\u{E014}", "\u{E014}", "\u{E014}", "\u{E012}",
    ] {
        key(&driver, k);
        seen.insert(selected());
    }
    assert!(
        !seen.contains(&ids[0]),
        "a hidden card was selected: {seen:?}"
    );
    // P picks the selected (shown) card.
    let target = selected();
    key(&driver, "p");
    let rows = rows_become(&d, 2);
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str()),
        (target.as_str(), "approve")
    );
    // 3 then 0: rated, then the rating cleared.
    key(&driver, "3");
    key(&driver, "0");
    let rows = rows_become(&d, 4);
    assert_eq!((rows[2].1.as_str(), rows[2].3), ("rate", Some(3)));
    assert_eq!((rows[3].1.as_str(), rows[3].3), ("rate", Some(0)));
    // U says what it undid.
    key(&driver, "u");
    let rows = rows_become(&d, 5);
    assert_eq!(rows[4].1, "undo");
    for _ in 0..100 {
        if js("return document.getElementById('toast').textContent")
            .as_str()
            .unwrap_or("")
            .starts_with("undid")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let said = js("return document.getElementById('toast').textContent");
    assert!(
        said.as_str().unwrap_or("").starts_with("undid a rating of"),
        "{said}"
    );
    // Auto-advance: a decision moves the selection to the next shown card.
    js("document.querySelector('[data-f=all]').click()");
    key(&driver, "t");
    let before = selected();
    key(&driver, "4");
    rows_become(&d, 6);
    let mut after = selected();
    for _ in 0..100 {
        if after != before {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        after = selected();
    }
    assert_ne!(after, before, "auto-advance moved on");
    // X, then 2: the second reason (off-brand colour), then Enter.
    let target = selected();
    key(&driver, "x");
    key(&driver, "2");
    key(&driver, "\u{E007}");
    let rows = rows_become(&d, 7);
    assert_eq!(
        (rows[6].0.as_str(), rows[6].1.as_str(), rows[6].2.as_deref()),
        (target.as_str(), "reject", Some("off_brand"))
    );
}

/// Issue 29 item 3, in part: the grids show small previews (a JPEG of at most 384 px, made once
/// and kept), full resolution only where asked (loupe, compare, 100 %),
/// and images by id are cached by the browser for good while pages and state never are.
#[test]
fn grids_show_cached_previews_and_full_images_only_when_asked() {
    let d = campaign("review-previews", "adherence = 0.0", "");
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    let r = Review::start(&d);
    let fin = finals(&d)[0].clone();
    let get = |path: &str| -> (String, Vec<u8>) {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", r.port)).unwrap();
        write!(
            s,
            "GET {path}?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            r.token, r.port
        )
        .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        (
            String::from_utf8_lossy(&out[..at]).to_lowercase(),
            out[at..].to_vec(),
        )
    };
    let (head, jpg) = get(&format!("/preview/{fin}"));
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: image/jpeg"), "{head}");
    assert!(head.contains("immutable"), "{head}");
    assert_eq!(&jpg[..2], &[0xFF, 0xD8], "a JPEG");
    let kept = files_under(&d.join("out/store/.previews"), &["jpg"]);
    assert_eq!(kept.len(), 1, "made once and kept: {kept:?}");
    let (_, again) = get(&format!("/preview/{fin}"));
    assert_eq!(again, jpg);
    let (head, png) = get(&format!("/asset/{fin}"));
    assert!(
        head.contains("immutable") && head.contains("image/png"),
        "{head}"
    );
    assert_eq!(&png[1..4], b"PNG");
    let (head, page) = get("/shot/hero");
    assert!(head.contains("no-store"), "pages are not cached: {head}");
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains(&format!("src=\"/preview/{fin}?token=")),
        "the grid shows previews"
    );
    // The checklist and its evidence come as JSON for the selected card's panel, not in
    // every card of the grid.
    let (head, detail) = get(&format!("/api/card/{fin}"));
    assert!(head.contains("application/json"), "{head}");
    let detail: serde_json::Value = serde_json::from_slice(&detail).unwrap();
    assert!(
        detail["checks"].as_array().is_some_and(|c| !c.is_empty())
            && detail["checks"][0]["q"].as_str().is_some(),
        "{detail}"
    );
    assert!(
        !page.contains("data-full"),
        "the full image's address is made when asked"
    );
    assert!(
        !page.contains(&format!("src=\"/asset/{fin}")),
        "no full image in the grid"
    );
    let (code, _) = r.raw("GET", &format!("/preview/nope?token={}", r.token), &[], "");
    assert_eq!(code, 404);
}

/// Issue 29 item 3, in part, in Chromium: closing a fix (Esc) updates the card in place — its
/// new version listed under it — without reloading the page, so the selection and the filter
/// stay as they were.
#[test]
fn closing_a_fix_updates_the_card_in_place_without_a_reload() {
    if !chromium() {
        assert!(std::env::var_os("CI").is_none(), "CI must have Chromium");
        return;
    }
    let (d, _) = finished("review-in-place", "");
    let r = Review::start(&d);
    let driver = Driver::in_dir(&d);
    let js = |script: &str| driver.js(script);
    let until = |script: &str| driver.until(script);
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("http://127.0.0.1:{}/shot/hero?token={}", r.port, r.token)}),
    );
    until("return document.querySelectorAll('.card').length >= 3");
    // The first card approved, so that the "awaiting review" filter hides it; a marker a
    // reload would lose; the filter on and a shown card selected.
    let first = js("return document.querySelector('.card').dataset.id");
    let ok = r.post(
        "/api/decide",
        serde_json::json!({"attempt": first, "action": "approve"}),
    );
    assert_eq!(ok.0, 200, "{}", ok.1);
    js("refresh()");
    until("return document.querySelector('.card').dataset.decision === 'approve'");
    js("window.MARK = 7; document.querySelector('[data-f=awaiting]').click();");
    key(&driver, "\u{E014}");
    let chosen = js("return document.querySelector('.card.sel').dataset.id");
    key(&driver, "e");
    until("return !!document.querySelector('#overlay .fx')");
    js("[...document.querySelectorAll('#overlay .fx')].find(b => b.dataset.v === '16:9').click()");
    until("return document.getElementById('fout')?.textContent?.includes('version') === true");
    key(&driver, "\u{E00C}");
    until("return !!document.querySelector('.card.sel .versions')");
    assert_eq!(js("return window.MARK"), serde_json::json!(7), "no reload");
    assert_eq!(
        js("return document.querySelector('.card.sel').dataset.id"),
        chosen
    );
    assert!(
        js("return document.querySelector('.card.sel .versions').textContent")
            .as_str()
            .unwrap_or("")
            .contains("extended to 16:9")
    );
    assert_eq!(
        js("return document.querySelector('.card').style.display"),
        serde_json::json!("none"),
        "the filter stays on"
    );
}

/// Issue 29 item 4, in part: the sheet sorts by rank, adherence or cost (the keys follow the
/// new order), and `--reviewer NAME` is who every decision is recorded under.
#[test]
fn the_sheet_sorts_and_decisions_carry_the_reviewers_name() {
    let (d, _) = finished("review-sort", "");
    // A reviewer's name that is no name is refused before anything starts.
    let o = bin()
        .current_dir(&d)
        .args(["review", "c.toml", "--port", "0", "--reviewer", " "])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--reviewer"));
    let r = Review::start_args(&d, &["--reviewer", "Ana Lima"]);
    let ids: Vec<String> = assets(&d).into_iter().map(|a| a.0).collect();
    let ok = r.post(
        "/api/decide",
        serde_json::json!({"attempt": ids[0], "action": "approve"}),
    );
    assert_eq!(ok.0, 200, "{}", ok.1);
    let rows = human_rows(&d);
    assert_eq!(rows.last().unwrap().7, "Ana Lima");
    let (_, page) = r.raw("GET", &format!("/shot/hero?token={}", r.token), &[], "");
    assert!(
        page.contains("data-s=adh") && page.contains("data-adh=\""),
        "{page}"
    );
    if !chromium() {
        assert!(std::env::var_os("CI").is_none(), "CI must have Chromium");
        return;
    }
    let driver = Driver::in_dir(&d);
    let js = |script: &str| driver.js(script);
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("http://127.0.0.1:{}/shot/hero?token={}", r.port, r.token)}),
    );
    for _ in 0..100 {
        if js("return document.querySelectorAll('.card').length")
            .as_u64()
            .unwrap_or(0)
            >= 3
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    js("document.querySelector('[data-s=cost]').click()");
    let costs: Vec<f64> = serde_json::from_value(js(
        "return [...document.querySelectorAll('#sheet .card')].map(c => +c.dataset.cost)",
    ))
    .unwrap();
    assert!(
        costs.windows(2).all(|w| w[0] <= w[1]),
        "cheapest first: {costs:?}"
    );
    // → walks the sorted order.
    let order: Vec<String> = serde_json::from_value(js(
        "return [...document.querySelectorAll('#sheet .card')].map(c => c.dataset.id)",
    ))
    .unwrap();
    let before = js("return document.querySelector('.card.sel').dataset.id");
    let at = order
        .iter()
        .position(|x| serde_json::json!(x) == before)
        .unwrap();
    key(&driver, "\u{E014}");
    assert_eq!(
        js("return document.querySelector('.card.sel').dataset.id"),
        serde_json::json!(order[(at + 1) % order.len()])
    );
    js("document.querySelector('[data-s=adh]').click()");
    let adh: Vec<f64> = serde_json::from_value(js(
        "return [...document.querySelectorAll('#sheet .card')].map(c => +c.dataset.adh)",
    ))
    .unwrap();
    assert!(
        adh.windows(2).all(|w| w[0] >= w[1]),
        "most adherent first: {adh:?}"
    );
    // By rank: finals, then the drafts the funnel ranked, best key first, then the rest.
    js("document.querySelector('[data-s=rank]').click()");
    let ranked: Vec<(String, String)> = serde_json::from_value(js(
        "return [...document.querySelectorAll('#sheet .card')].map(c => [c.dataset.tier, c.dataset.rank])",
    ))
    .unwrap();
    let finals = ranked.iter().take_while(|r| r.0 == "finish").count();
    assert!(
        finals > 0 && ranked[finals..].iter().all(|r| r.0 == "draft"),
        "{ranked:?}"
    );
    let keys: Vec<&str> = ranked[finals..]
        .iter()
        .map(|r| r.1.as_str())
        .take_while(|k| !k.is_empty())
        .collect();
    assert!(!keys.is_empty(), "the funnel ranked drafts: {ranked:?}");
    assert!(
        keys.windows(2).all(|w| w[0] >= w[1]),
        "best first: {keys:?}"
    );
    assert!(
        ranked[finals + keys.len()..].iter().all(|r| r.1.is_empty()),
        "unranked last: {ranked:?}"
    );
}

/// Issue 29 items 3 and 4, in Chromium: near-duplicate drafts (pHash within `[gates]
/// near_duplicate`) are stacked under the first of them, skipped by the arrow keys until S
/// opens the stack; Space opens the loupe (the full image on neutral grey) and → shows the
/// next image in it; C on three images compares them side by side, and a zoom is applied to
/// every pane alike.
#[test]
fn stacks_the_loupe_and_compare_work_by_keys() {
    if !chromium() {
        assert!(std::env::var_os("CI").is_none(), "CI must have Chromium");
        return;
    }
    let d = campaign("review-loupe", "adherence = 0.0\nnear_duplicate = 64", "");
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    let r = Review::start(&d);
    let driver = Driver::in_dir(&d);
    let js = |script: &str| driver.js(script);
    let until = |script: &str| driver.until(script);
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("http://127.0.0.1:{}/shot/hero?token={}", r.port, r.token)}),
    );
    until("return document.querySelectorAll('.card').length >= 4 && !!document.querySelector('.card.sel')");
    let cards: Vec<(String, String, String)> = serde_json::from_value(js(
        "return [...document.querySelectorAll('.card')].map(c => [c.dataset.id, c.dataset.tier, c.dataset.top || ''])",
    ))
    .unwrap();
    let finals: Vec<&str> = cards
        .iter()
        .filter(|c| c.1 == "finish")
        .map(|c| c.0.as_str())
        .collect();
    let drafts: Vec<&(String, String, String)> = cards.iter().filter(|c| c.1 == "draft").collect();
    assert_eq!(drafts.len(), 3, "{cards:?}");
    let top = drafts[0].0.as_str();
    assert!(
        drafts[0].2.is_empty() && drafts[1..].iter().all(|c| c.2 == top),
        "the later drafts are stacked under the first: {cards:?}"
    );
    let selected = || {
        js("return document.querySelector('.card.sel').dataset.id")
            .as_str()
            .unwrap()
            .to_string()
    };
    // Closed, the stack is one card: → goes from the last final to its top, then round again.
    let mut seen = Vec::new();
    for _ in 0..finals.len() + 1 {
        key(&driver, "\u{E014}");
        seen.push(selected());
    }
    assert!(
        seen.iter().all(|s| drafts[1..].iter().all(|c| &c.0 != s)),
        "a closed stack's cards were selected: {seen:?}"
    );
    assert!(seen.contains(&top.to_string()), "{seen:?}");
    // S on its top opens it: → now reaches the stacked drafts.
    js(&format!(
        "const c = [...document.querySelectorAll('.card')].find(c => c.dataset.id === '{top}'); c.click(); return 1"
    ));
    key(&driver, "s");
    key(&driver, "\u{E014}");
    assert_eq!(selected(), drafts[1].0, "the stack is open");
    assert_eq!(
        js("return document.querySelector('.card .stk').textContent"),
        serde_json::json!("−2 similar")
    );
    // The loupe: the selected image, full size, on neutral grey; → shows the next one.
    key(&driver, " ");
    until("return document.getElementById('loupe').classList.contains('on')");
    assert_eq!(
        js("return getComputedStyle(document.getElementById('loupe')).backgroundColor"),
        serde_json::json!("rgb(128, 128, 128)")
    );
    assert!(js("return document.getElementById('limg').src")
        .as_str()
        .unwrap()
        .contains(&format!("/asset/{}?", drafts[1].0)));
    until("return document.getElementById('limg').complete && document.getElementById('limg').naturalWidth > 0");
    screenshot(&driver, "review-loupe.png");
    key(&driver, "\u{E014}");
    assert!(js("return document.getElementById('limg').src")
        .as_str()
        .unwrap()
        .contains(&format!("/asset/{}?", drafts[2].0)));
    until("return typeof window.LOUPE_MS === 'number'");
    key(&driver, "\u{E00C}");
    until("return !document.getElementById('loupe').classList.contains('on')");
    // Compare three: C on each; a zoom moves every pane alike.
    key(&driver, "c");
    key(&driver, "\u{E012}");
    key(&driver, "c");
    key(&driver, "\u{E012}");
    key(&driver, "c");
    until("return document.querySelectorAll('#overlay .pane img').length === 3");
    key(&driver, "+");
    key(&driver, "+");
    let t: Vec<String> = serde_json::from_value(js(
        "return [...document.querySelectorAll('#overlay .pane img')].map(i => i.style.transform.replace(/scale\\([^)]*\\)/, ''))",
    ))
    .unwrap();
    assert!(
        t.iter().all(|x| x == &t[0]) && t[0] != "translate(0px, 0px) ",
        "panes zoom and pan together: {t:?}"
    );
    assert_eq!(
        js("return ZOOM.state().s"),
        serde_json::json!(1.5625),
        "two steps of 1.25"
    );
    screenshot(&driver, "review-compare-three.png");
}

/// Issue 29 item 2: a paid fix asked for while a run holds the campaign is never refused: it
/// is queued (the card says so), made once under the lock by the next `run`, and — asked while
/// the app is up — made by the app as soon as the lock is free. The fake vendor's log is the
/// ground truth: one call per fix, whoever made it, and the ledger holds exactly those calls.
#[test]
fn a_paid_fix_asked_while_a_run_holds_the_campaign_is_queued_then_made_once() {
    use darkroom_fakes::Fake;
    let forge = Fake::a1111();
    let (d, fin) = finished(
        "review-queued",
        &format!(
            "[providers.forge]\nkind = \"a1111\"\nbase_url = \"{}\"",
            forge.url
        ),
    );
    let vendor_calls = || {
        forge
            .seen()
            .iter()
            .filter(|s| s.path.contains("img2img"))
            .count()
    };
    let db = || rusqlite::Connection::open(d.join("out/darkroom.db")).unwrap();
    let count = |sql: &str| -> i64 { db().query_row(sql, [], |r| r.get(0)).unwrap() };
    // A run holds the campaign (its lock, as `run` takes it).
    let lock = darkroom_ledger::RunLock::acquire(&d.join("out")).unwrap();
    let body = serde_json::json!({"parent": fin, "mask": mask_data_url(&d, 128, 128), "prompt": "a green cube", "provider": "forge"});
    {
        let r = Review::start(&d);
        for _ in 0..2 {
            let (code, text) = r.post("/api/inpaint", body.clone());
            assert_eq!(code, 200, "{text}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["queued"], true, "{text}");
        }
        let page = whole_get(r.port, &format!("/shot/hero?token={}", r.token));
        assert!(
            page.contains("data-queued=") && page.contains("· queued: a run holds the campaign"),
            "the card says the fix is queued"
        );
    }
    assert_eq!(
        vendor_calls(),
        0,
        "nothing is sent while the run holds the campaign"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM queued_fixes WHERE state = 'queued'"),
        1
    );
    // The run ends; the next `run` makes it, under its lock.
    drop(lock);
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("review: 1 queued fix(es) made, 0 failed"),
        "{err}"
    );
    assert_eq!(vendor_calls(), 1, "made once");
    assert_eq!(count("SELECT COUNT(*) FROM versions"), 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM queued_fixes WHERE state = 'made'"),
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM scores s JOIN versions v ON v.id = s.attempt WHERE s.judge = 'layout'"),
        1,
        "judged as it is made"
    );
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("queued fix"), "{err}");
    assert_eq!(vendor_calls(), 1, "a second run makes nothing again");
    // Asked while the app is up: the app makes it once the lock is free.
    let lock = darkroom_ledger::RunLock::acquire(&d.join("out")).unwrap();
    let r = Review::start(&d);
    let other = serde_json::json!({"parent": fin, "mask": mask_data_url(&d, 128, 128), "prompt": "a yellow cone", "provider": "forge"});
    let (code, text) = r.post("/api/inpaint", other);
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("\"queued\":true"), "{text}");
    drop(lock);
    // The app looks every two seconds; a bounded number of looks, not a deadline.
    for _ in 0..600 {
        if count("SELECT COUNT(*) FROM queued_fixes WHERE state = 'made'") == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(count("SELECT COUNT(*) FROM versions"), 2, "the app made it");
    assert_eq!(vendor_calls(), 2);
    assert_eq!(
        count("SELECT COUNT(*) FROM attempts WHERE tier = 'fix' AND status = 'done'"),
        2,
        "the ledger has exactly the vendor's calls"
    );
    let page = whole_get(r.port, &format!("/shot/hero?token={}", r.token));
    assert!(!page.contains("data-queued="), "nothing left queued");
    assert!(page.contains("in-paint “a yellow cone” (forge)"));
}

/// Issue 30 item 2, through review: an offline drawing (`sketch`, algorithmicMedia) repainted
/// by a model in review and approved is delivered as a composite with trained algorithmic media
/// (the file's XMP), its creation still the drawing's.
#[test]
fn a_drawing_a_model_repainted_is_delivered_as_a_composite() {
    use darkroom_fakes::Fake;
    let forge = Fake::a1111();
    let d = scratch("review-composite");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"mix\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
             [providers.forge]\nkind = \"a1111\"\nbase_url = \"{}\"\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"128\"\nvariants = 1\n[tiers.finish]\nprovider = \"local\"\nsize = \"128\"\n\
             [gates]\nadherence = 0.0\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\"]\n",
            forge.url
        ),
    )
    .unwrap();
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    let fin = delivered(&d)[0].clone();
    let file = files_under(&d.join("out/deliverables/hero"), &["png"])[0].clone();
    let source = |f: &Path| darkroom_provenance::xmp_source_type(&std::fs::read(f).unwrap());
    assert_eq!(source(&file).as_deref(), Some("algorithmicMedia"));
    {
        let r = Review::start(&d);
        let made = r.post(
            "/api/inpaint",
            serde_json::json!({"parent": fin, "mask": mask_data_url(&d, 128, 128), "prompt": "a green cube", "provider": "forge"}),
        );
        assert_eq!(made.0, 200, "{}", made.1);
        let id = serde_json::from_str::<serde_json::Value>(&made.1).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            r.post(
                "/api/decide",
                serde_json::json!({"attempt": id, "action": "approve"})
            )
            .0,
            200
        );
    }
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        source(&file).as_deref(),
        Some("compositeWithTrainedAlgorithmicMedia"),
        "the file as a whole"
    );
    let v = darkroom_provenance::verify(&std::fs::read(&file).unwrap(), None).unwrap();
    let steps = v.chain[0].actions.join("\n");
    assert!(
        steps.contains("c2pa.created") && steps.contains("; algorithmicMedia"),
        "its creation is still the drawing's: {steps}"
    );
}

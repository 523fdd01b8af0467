//! Culling by keyboard in Chromium: what the person did, and only that, in the ledger.

use super::*;

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

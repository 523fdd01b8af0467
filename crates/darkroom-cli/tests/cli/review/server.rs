//! The review app's server: who may reach it, a taken port, and every decision a ledger row.

use super::*;

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

//! Decisions that steer the run: review required, approvals over the gates, people's verdicts, paid and free fixes made once.

use super::*;

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

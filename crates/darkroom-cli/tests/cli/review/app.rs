//! The page itself: markup that never runs, approved versions delivered, keys, previews, sorting, stacks, loupe and compare, queued fixes.

use super::*;

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

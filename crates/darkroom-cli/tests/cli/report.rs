//! `darkroom report`: the page a run writes, rebuilt byte for byte and opened in Chromium.

use super::*;

#[test]
fn run_writes_the_report_and_report_rewrites_it_byte_for_byte() {
    let d = reported_campaign("report");
    let page = d.join("out/report.html");
    let first = std::fs::read_to_string(&page).unwrap();
    // `darkroom report` from the same ledger: the same bytes.
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
    assert_eq!(std::fs::read_to_string(&page).unwrap(), first);
    // Elsewhere, with `-o`: links are relative to the new place and still resolve.
    let o = bin()
        .current_dir(&d)
        .args(["report", "c.toml", "-o", "elsewhere/r.html"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let other = std::fs::read_to_string(d.join("elsewhere/r.html")).unwrap();
    for (html, dir) in [(&first, d.join("out")), (&other, d.join("elsewhere"))] {
        let mut n = 0;
        for attr in ["src=\"", "href=\""] {
            for part in html.split(attr).skip(1) {
                let target = &part[..part.find('"').unwrap()];
                if target.starts_with('#') || target.starts_with("data:") {
                    continue;
                }
                assert!(!target.contains("://"), "no fetch: {target}");
                assert!(
                    dir.join(target).exists(),
                    "{target} does not resolve from {}",
                    dir.display()
                );
                n += 1;
            }
        }
        assert!(n >= 3 + 2 + 2 * 2, "thumbnails and links: {n}");
    }
    // Three drafts, a finish, two deliverables; every chart; the checklist.
    assert_eq!(
        first
            .matches("<div class=\"title\">round 1 · variant")
            .count(),
        3
    );
    for id in [
        "burn",
        "latency",
        "adherence",
        "on-palette",
        "drift",
        "palettes",
    ] {
        assert!(first.contains(&format!("id=\"svg-{id}\"")), "chart {id}");
    }
    assert!(first.contains("Is the sphere to the left of the cube?"));
    insta::assert_snapshot!(without_clock(&first));
    // No ledger yet: a clear input error.
    std::fs::write(
        d.join("fresh.toml"),
        std::fs::read_to_string(d.join("c.toml"))
            .unwrap()
            .replace("\"out\"", "\"fresh\""),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["report", "fresh.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("run the campaign first"));
}

#[test]
fn the_report_opens_in_headless_chromium_with_every_image_and_chart() {
    if !chromium() {
        return;
    }
    let d = reported_campaign("report-browser");
    let page = std::fs::canonicalize(d.join("out/report.html")).unwrap();
    let profile = d.join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let driver = Driver::start(&std::fs::canonicalize(&profile).unwrap());
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("file://{}", page.display())}),
    );
    let facts = driver.call(
        "POST",
        "/execute/sync",
        serde_json::json!({"args": [], "script": r#"
            const imgs = [...document.images];
            const nav = performance.getEntriesByType('navigation')[0];
            return {
              ready: document.readyState,
              images: imgs.length,
              broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
              charts: [...document.querySelectorAll('figure.chart-figure')].map(f => {
                const s = f.querySelector('svg.chart');
                const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
                return {id: f.id, w: r.width, h: r.height};
              }),
              scripts: document.scripts.length,
              load_ms: nav ? nav.loadEventEnd : -1
            };"#}),
    );
    assert_eq!(facts["ready"], "complete", "{facts}");
    assert!(facts["images"].as_u64().unwrap() >= 6, "{facts}");
    assert_eq!(
        facts["broken"],
        serde_json::json!([]),
        "every <img> loaded: {facts}"
    );
    assert_eq!(facts["scripts"], 0, "{facts}");
    let charts = facts["charts"].as_array().unwrap();
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "burn",
        "latency",
        "adherence",
        "on-palette",
        "drift",
        "palettes",
    ] {
        assert!(
            ids.contains(&format!("chart-{id}").as_str()),
            "{id} in {ids:?}"
        );
    }
    for c in charts {
        assert!(
            c["w"].as_f64().unwrap() > 100.0 && c["h"].as_f64().unwrap() > 50.0,
            "{c}"
        );
    }
    let logs = driver.call("POST", "/se/log", serde_json::json!({"type": "browser"}));
    let errors: Vec<&serde_json::Value> = logs
        .as_array()
        .unwrap_or_else(|| panic!("browser log: {logs}"))
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let shot = driver.call("GET", "/screenshot", serde_json::Value::Null);
    let png = decode_base64(shot.as_str().expect("base64 screenshot"));
    assert_eq!(&png[1..4], b"PNG");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/report-chromium.png");
    std::fs::write(&out, png).unwrap();
    eprintln!(
        "report loaded in {} ms; screenshot {}",
        facts["load_ms"],
        out.display()
    );
}

/// The example campaign's report as a creator first sees it: run from a fresh folder, opened in
/// Chromium, a screenshot kept in `target/test-output/screenshots/`. The first screen (1280×900)
/// shows the campaign's name, what it cost and what was delivered, in words with units.
#[test]
fn the_example_reports_first_screen_says_what_was_made_and_what_it_cost() {
    if !chromium() {
        return;
    }
    let d = scratch("example-screenshot");
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    std::fs::copy(
        examples.join("spring-launch.toml"),
        d.join("spring-launch.toml"),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "spring-launch.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let page = std::fs::canonicalize(d.join("out/spring-launch/report.html")).unwrap();
    let profile = d.join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let driver = Driver::start(&std::fs::canonicalize(&profile).unwrap());
    driver.call(
        "POST",
        "/url",
        serde_json::json!({"url": format!("file://{}", page.display())}),
    );
    // What is on the first screen, as text.
    let first = driver.call(
        "POST",
        "/execute/sync",
        serde_json::json!({"args": [], "script": r#"
            const seen = [...document.querySelectorAll('h1, .stat')]
              .filter(e => e.getBoundingClientRect().top < window.innerHeight)
              .map(e => e.innerText.replace(/\s+/g, ' ').trim());
            return seen;"#}),
    );
    let seen: Vec<String> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_string())
        .collect();
    let text = seen.join(" | ");
    assert!(text.contains("spring-launch"), "{text}");
    assert!(
        seen.iter()
            .any(|s| s.contains("credits") || s.contains('$')),
        "spend with its unit on the first screen: {text}"
    );
    assert!(text.contains("12"), "the deliverables: {text}");
    let shot = driver.call("GET", "/screenshot", serde_json::Value::Null);
    let png = decode_base64(shot.as_str().expect("base64 screenshot"));
    assert_eq!(&png[1..4], b"PNG");
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report-spring-launch.png"), png).unwrap();
    std::fs::write(dir.join("report-spring-launch.txt"), text).unwrap();
}

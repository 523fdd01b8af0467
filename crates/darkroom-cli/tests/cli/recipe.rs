//! `darkroom recipe lock|check`: a lock written from the ledger, a check that finds a simulated
//! model update and not an unchanged recipe, judge drift kept apart, and bad locks refused before
//! anything is spent.

use super::*;

/// A sim campaign with many drafts per shot, so the baseline has something to compare with;
/// `extra` goes into the sim provider's table (a "model update").
fn recipe_campaign(dir: &Path, name: &str, extra: &str) {
    std::fs::write(
        dir.join("c.toml"),
        format!("[campaign]\nname = \"{name}\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 8\n{extra}\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 24\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\n[gates]\nadherence = 0.5\n[budget]\nmoney = \"20 USD\"\nmax_rounds = 1\n[[shots]]\nid = \"pair\"\nprompt = \"a red sphere to the left of a blue cube\"\n"),
    )
    .unwrap();
}

fn locked(name: &str) -> PathBuf {
    let d = scratch(name);
    recipe_campaign(&d, "recipes", "");
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert!(code == 0 || code == 1, "{err}");
    let (code, out, err) = go(&d, &["recipe", "lock", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("locked pair:") && out.contains("wrote c.lock"),
        "{out}"
    );
    // The relation, decided on about 20 drafts near a 50 % pass rate, is too noisy a baseline
    // for a fall of 0.25: the lock says so, and how to get a better one.
    assert!(
        out.contains("too few to tell a fall of 0.25 from noise") && out.contains("--baseline 96"),
        "{out}"
    );
    // The lock names the baseline's dominant colours, most common first.
    let lock = std::fs::read_to_string(d.join("c.lock")).unwrap();
    let line = lock
        .lines()
        .find(|l| l.starts_with("dominant = "))
        .unwrap_or_else(|| panic!("{lock}"));
    assert!(line.matches('#').count() >= 3, "{line}");
    d
}

#[test]
fn an_unchanged_recipe_is_not_called_regressed() {
    let d = locked("recipe-unchanged");
    let (code, out, err) = go(&d, &["recipe", "check", "c.toml", "--json", "--epoch", "1"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["judge_drift"], serde_json::json!([]), "{v}");
    let shot = &v["shots"][0];
    assert_ne!(shot["verdict"], "regressed", "{v}");
    assert!(shot["drafts"].as_u64().unwrap() >= 8, "{v}");
}

#[test]
fn a_model_update_that_drops_relations_is_a_regression() {
    let d = locked("recipe-update");
    // The same recipe (provider, model, prompt), a model that now flips most relations.
    recipe_campaign(&d, "recipes", "drops = { relation = 0.95 }");
    let (code, out, err) = go(&d, &["recipe", "check", "c.toml", "--json", "--epoch", "1"]);
    assert_eq!(code, 1, "a regression exits 1: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let shot = &v["shots"][0];
    assert_eq!(shot["verdict"], "regressed", "{v}");
    let worst = shot["questions"]
        .as_array()
        .unwrap()
        .iter()
        .min_by(|a, b| {
            a["p_adjusted"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["p_adjusted"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(
        worst["category"], "relation",
        "the relation is what got worse: {v}"
    );
    // It stopped early: fewer drafts than half the fixed-sample check's 96.
    assert!(shot["drafts"].as_u64().unwrap() < 48, "{v}");
    // The shifts: palette drift, cost and latency beside the verdict.
    let palette = shot["palette_shift_de2000"].as_f64().unwrap();
    assert!(palette.is_finite() && palette >= 0.0, "{v}");
    assert!(
        shot["cost_per_draft"]["now_usd"].as_f64().unwrap() > 0.0,
        "{v}"
    );
    assert!(shot["latency_p50"]["now"].as_f64().is_some(), "{v}");
    // The HTML page: the relation row highlighted, the baseline and the new drafts side by side.
    let (code, _, err) = go(
        &d,
        &[
            "recipe",
            "check",
            "c.toml",
            "--epoch",
            "1",
            "--html",
            "check.html",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let page = std::fs::read_to_string(d.join("check.html")).unwrap();
    let failing: Vec<&str> = page
        .lines()
        .filter(|l| l.starts_with("<tr><td>fails</td>"))
        .collect();
    assert!(
        !failing.is_empty() && failing.iter().all(|l| l.contains("<td>relation</td>")),
        "{failing:?}"
    );
    assert!(page.contains(
        "<div class=\"stat bad\"><div class=\"label\">pair</div><div class=\"value\">regressed</div>"
    ));
    // The drafts side by side, each thumbnail a file beside the page.
    assert!(page.matches("alt=\"baseline draft ").count() >= 4);
    assert!(page.matches("alt=\"fresh draft ").count() >= 4);
    let thumbs = std::fs::read_dir(d.join("check_files")).unwrap().count();
    assert_eq!(
        thumbs,
        page.matches("alt=\"baseline draft ").count() + page.matches("alt=\"fresh draft ").count()
    );
    assert!(page.contains("Palette shift ΔE2000"));
}

#[test]
fn a_stricter_judge_is_judge_drift_not_a_model_regression() {
    let d = locked("recipe-judge-drift");
    // Make the lock's record of the baseline disagree with today's judge on one question, as a
    // judge update would: the check says judge drift, on the same images.
    let path = d.join("c.lock");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lock: toml::Value = toml::from_str(&text).unwrap();
    let q = &mut lock["shots"][0]["questions"][0];
    let yes = q["yes"].as_integer().unwrap();
    q["yes"] = toml::Value::Integer(yes - 1);
    std::fs::write(&path, toml::to_string(&lock).unwrap()).unwrap();
    let (code, out, err) = go(&d, &["recipe", "check", "c.toml", "--json", "--epoch", "1"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let drift = v["judge_drift"].as_array().unwrap();
    assert_eq!(drift.len(), 1, "{v}");
    assert_eq!(drift[0]["shot"], "pair");
}

#[test]
fn bad_locks_are_refused_before_anything_is_spent() {
    let d = locked("recipe-bad");
    let good = std::fs::read_to_string(d.join("c.lock")).unwrap();
    let spent = |d: &Path| d.join("out/recipe-check").exists();
    // Corrupt.
    std::fs::write(d.join("c.lock"), "campaign = [").unwrap();
    let (code, _, err) = go(&d, &["recipe", "check", "c.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`c.lock` is not a readable recipe lock"),
        "{err}"
    );
    // Another campaign's.
    std::fs::write(
        d.join("c.lock"),
        good.replace("campaign = \"recipes\"", "campaign = \"other\""),
    )
    .unwrap();
    let (code, _, err) = go(&d, &["recipe", "check", "c.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`c.lock`") && err.contains("the lock is of campaign `other`"),
        "{err}"
    );
    // A shot that is no longer there.
    std::fs::write(
        d.join("c.lock"),
        good.replace("id = \"pair\"", "id = \"gone\""),
    )
    .unwrap();
    let (code, _, err) = go(&d, &["recipe", "check", "c.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("shot `gone` is locked but no longer in the campaign"),
        "{err}"
    );
    // Hand-edited counts: more yes than decided (which the statistics cannot take), and a
    // question index past the shot's checklist.
    let edit = |key: &str, value: &str| -> String {
        let mut done = false;
        good.lines()
            .map(|l| {
                if !done && l.starts_with(&format!("{key} = ")) {
                    done = true;
                    format!("{key} = {value}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect()
    };
    std::fs::write(d.join("c.lock"), edit("yes", "999999")).unwrap();
    let (code, _, err) = go(&d, &["recipe", "check", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("yes = 999999 over decided"), "{err}");
    std::fs::write(d.join("c.lock"), edit("index", "99")).unwrap();
    let (code, _, err) = go(&d, &["recipe", "check", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("question index 99 is past"), "{err}");
    assert!(!spent(&d), "nothing was drafted");
    // No lock at all.
    std::fs::remove_file(d.join("c.lock")).unwrap();
    let (code, _, err) = go(&d, &["recipe", "check", "c.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("darkroom recipe lock"), "{err}");
}

#[test]
fn a_gemini_reply_with_another_model_version_is_flagged() {
    use darkroom_fakes::Fake;
    const KEY: &str = "AIza-FAKE-recipe-key-1234";
    let nano = Fake::gemini(KEY);
    let d = scratch("recipe-gemini");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"g\"\noutput = \"out\"\n\
             [providers.nano]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DR_TEST_RECIPE_KEY\"\nbase_url = \"{}\"\nconcurrency = 2\n\
             [tiers.draft]\nprovider = \"nano\"\nsize = \"512\"\nvariants = 3\n\
             [tiers.finish]\nprovider = \"nano\"\nsize = \"512\"\nkeep = 1\n\
             [gates]\nadherence = 0.0\n\
             [budget]\nmoney = \"5 USD\"\nmax_rounds = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube\"\n",
            nano.url
        ),
    )
    .unwrap();
    let with_key = |args: &[&str]| {
        let o = bin()
            .current_dir(&d)
            .args(args)
            .env("DR_TEST_RECIPE_KEY", KEY)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, _, err) = with_key(&["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = with_key(&["recipe", "lock", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    // The lock says an older version answered; the fake now answers `…-fake-001`.
    let text = std::fs::read_to_string(d.join("c.lock")).unwrap();
    assert!(text.contains("gemini-2.5-flash-image-fake-001"), "{text}");
    std::fs::write(
        d.join("c.lock"),
        text.replace(
            "gemini-2.5-flash-image-fake-001",
            "gemini-2.5-flash-image-fake-000",
        ),
    )
    .unwrap();
    let (_, out, err) = with_key(&["status", "c.toml"]);
    assert!(
        out.contains("model version changed since the recipe lock: hero: the provider reported `gemini-2.5-flash-image-fake-001`"),
        "{out}{err}"
    );
    let (_, out, err) = with_key(&[
        "recipe",
        "check",
        "c.toml",
        "--max-drafts",
        "4",
        "--batch",
        "4",
        "--epoch",
        "1",
    ]);
    assert!(
        out.contains("model version changed: hero: the provider reported `gemini-2.5-flash-image-fake-001`, not in the lock"),
        "{out}{err}"
    );
}

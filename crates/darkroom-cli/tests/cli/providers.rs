//! Campaigns on fake vendor servers (Gemini, OpenAI, AUTOMATIC1111, Stability, ComfyUI) speaking their documented formats.

use super::*;

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario end to end against the fake servers, its steps sharing them"
)]
fn gemini_drafts_openai_finishes_on_fake_servers_and_the_key_never_shows() {
    use darkroom_fakes::{Fake, Script};
    const GKEY: &str = "AIzaFAKE-gemini-key-7731";
    const OKEY: &str = "sk-FAKE-openai-key-9902";
    let nano = Fake::gemini(GKEY);
    let gpt = Fake::openai(OKEY);
    // First draft: 429 (retry hint 0.2 s), 503, then a text-only refusal; second draft: a
    // malformed body, then an image of the wrong size; the others succeed.
    nano.push([
        Script::RateLimited(0.2),
        Script::ServerError,
        Script::Refuse("text"),
        Script::Malformed,
        Script::WrongSize,
    ]);
    let d = scratch("http-e2e");
    let campaign = format!(
        "[campaign]\nname = \"e2e\"\noutput = \"out\"\n\
         [providers.nano]\nkind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DR_TEST_GEMINI_KEY\"\nbase_url = \"{}\"\nconcurrency = 1\ntimeout = 10\n\
         [providers.gpt]\nkind = \"openai\"\nmodel = \"gpt-image-1\"\napi_key_env = \"DR_TEST_OPENAI_KEY\"\nbase_url = \"{}\"\n\
         [tiers.draft]\nprovider = \"nano\"\nsize = \"512\"\nvariants = 4\n\
         [tiers.finish]\nprovider = \"gpt\"\nsize = \"1K\"\nkeep = 1\n\
         [budget]\nmoney = \"5 USD\"\nmax_rounds = 1\n\
         [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n",
        nano.url, gpt.url
    );
    std::fs::write(d.join("c.toml"), campaign).unwrap();
    // Without the keys: `check` names both variables and spends nothing.
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .env_remove("DR_TEST_GEMINI_KEY")
        .env_remove("DR_TEST_OPENAI_KEY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`DR_TEST_GEMINI_KEY` is not set")
            && err.contains("`DR_TEST_OPENAI_KEY` is not set"),
        "{err}"
    );
    assert!(nano.seen().is_empty() && gpt.seen().is_empty());
    // `check --providers` pings both (model metadata, no generation) and reports each.
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml", "--providers"])
        .env("DR_TEST_GEMINI_KEY", GKEY)
        .env("DR_TEST_OPENAI_KEY", "sk-wrong")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("nano         ok: Nano Banana (fake)"), "{out}");
    assert!(
        out.contains("gpt          FAILED:") && out.contains("(auth)"),
        "{out}"
    );
    assert!(!out.contains("sk-wrong") && !out.contains(GKEY), "{out}");
    assert_eq!(
        nano.seen().last().unwrap().path,
        "/v1beta/models/gemini-2.5-flash-image"
    );
    let before = (nano.seen().len(), gpt.seen().len());
    let with_keys = |args: &[&str]| {
        bin()
            .current_dir(&d)
            .args(args)
            .env("DR_TEST_GEMINI_KEY", GKEY)
            .env("DR_TEST_OPENAI_KEY", OKEY)
            .env("DARKROOM_LOG", "trace")
            .output()
            .unwrap()
    };
    let o = with_keys(&["run", "c.toml"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    );
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("hero\t1:1\t1024x1024") && stdout.contains("hero\t16:9\t1024x576"),
        "{stdout}"
    );
    // The trace shows every call with the key as ****.
    assert!(
        stderr.contains("trace: http POST")
            && stderr.contains("x-goog-api-key: ****")
            && stderr.contains("Authorization: Bearer ****"),
        "{stderr}"
    );
    // Requests were exactly what the vendors document.
    assert_eq!(nano.rejected(), Vec::<String>::new());
    assert_eq!(
        gpt.rejected(),
        vec!["missing or wrong Authorization: Bearer".to_string()],
        "only the wrong key's ping"
    );
    assert_eq!(
        gpt.seen().len() - before.1,
        1,
        "one finish, as an edit of the promoted draft"
    );
    assert_eq!(gpt.seen().last().unwrap().path, "/v1/images/edits");
    // The ledger: the refusal and the wrong size recorded with their class; retries counted;
    // failed calls cost nothing; the spend is the successful calls' reported usage.
    let s = with_keys(&["status", "c.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let failures: Vec<(String, u64)> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["class"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        vec![("invalid".to_string(), 1), ("refused".to_string(), 1)],
        "{v}"
    );
    let draft_calls = (nano.seen().len() - before.0) as u64;
    assert_eq!(
        draft_calls,
        3 + 2 + 2,
        "3 calls for the refused draft, 2 for the wrong size, 1 each for the rest"
    );
    assert_eq!(v["tries"].as_u64().unwrap(), draft_calls + 1, "{v}");
    let expected = 2.0 * (1290.0 * 30e-6 + 40.0 * 0.30e-6) + (50.0 * 5e-6 + 4160.0 * 40e-6);
    assert!(
        (v["spent"].as_f64().unwrap() - expected).abs() < 1e-9,
        "{v}"
    );
    // The key is nowhere: not in the output, the ledger, the store, the manifest, the report.
    let report = with_keys(&["report", "c.toml"]);
    assert_eq!(report.status.code(), Some(0));
    for (what, text) in [
        ("stdout", stdout.as_bytes()),
        ("stderr", stderr.as_bytes()),
        ("status", &s.stdout[..]),
    ] {
        for key in [GKEY, OKEY] {
            assert!(
                !String::from_utf8_lossy(text).contains(key),
                "{key} in {what}"
            );
        }
    }
    let files = all_bytes(&d.join("out"));
    assert!(files.iter().any(|(p, _)| p.ends_with("darkroom.db")));
    assert!(files.iter().any(|(p, _)| p.ends_with("manifest.json")));
    for (p, bytes) in &files {
        for key in [GKEY, OKEY] {
            assert!(
                !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                "{key} in {}",
                p.display()
            );
        }
    }
    // A wrong key: every draft fails as `auth` (not retried), exit 1, and the wrong key is
    // nowhere either.
    let text = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace("\"out\"", "\"out-wrong\"");
    std::fs::write(d.join("wrong.toml"), text).unwrap();
    let before = nano.seen().len();
    let o = bin()
        .current_dir(&d)
        .args(["run", "wrong.toml"])
        .env("DR_TEST_GEMINI_KEY", "AIza-wrong-key-000")
        .env("DR_TEST_OPENAI_KEY", OKEY)
        .env("DARKROOM_LOG", "trace")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        nano.seen().len() - before,
        4,
        "one call per draft: auth is not retried"
    );
    let s = bin()
        .current_dir(&d)
        .args(["status", "wrong.toml", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    assert_eq!(v["failures"][0]["class"], "auth", "{v}");
    assert!(!err.contains("AIza-wrong-key-000"), "{err}");
    for (p, bytes) in all_bytes(&d.join("out-wrong")) {
        assert!(
            !bytes.windows(18).any(|w| w == b"AIza-wrong-key-000"),
            "{}",
            p.display()
        );
    }
}

#[test]
fn a_campaign_runs_on_a_fake_automatic1111_server_without_a_key() {
    use darkroom_fakes::{Fake, Script};
    let f = Fake::a1111();
    f.push([Script::ServerError]);
    let d = scratch("a1111");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"forge\"\noutput = \"out\"\n[providers.forge]\nkind = \"a1111\"\nmodel = \"sd_xl_base_1.0\"\nbase_url = \"{}\"\nconcurrency = 1\n\
             [tiers.draft]\nprovider = \"forge\"\nsize = \"512\"\nvariants = 2\n[tiers.finish]\nprovider = \"forge\"\nsize = \"1K\"\nkeep = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n",
            f.url
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml", "--providers"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("hero\t1:1\t1024x1024") && out.contains("hero\t16:9\t1024x576"),
        "{out}"
    );
    let paths: Vec<String> = f.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths.iter().filter(|p| *p == "/sdapi/v1/txt2img").count(),
        3,
        "2 drafts + 1 retry after the 500: {paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| *p == "/sdapi/v1/img2img").count(),
        1,
        "the finish is an img2img of the draft"
    );
    assert!(f.rejected().is_empty(), "{:?}", f.rejected());
    let manifest = std::fs::read_to_string(d.join("out/deliverables/manifest.json")).unwrap();
    assert!(manifest.contains("hero"), "{manifest}");
}

#[test]
fn stability_drafts_comfyui_finishes_on_fake_servers_with_credits_in_the_ledger() {
    use darkroom_fakes::{Fake, Script};
    const KEY: &str = "sk-FAKE-stability-key-4417";
    let stab = Fake::stability(KEY);
    let comfy = Fake::comfyui();
    // Draft 1: a 500, then success; draft 2: blurred by moderation (refused, never retried);
    // draft 3: an image of the wrong size (invalid); draft 4: a 429 with a 0.2 s hint, a
    // malformed body, then success. The finish: a node runs out of memory, then success.
    stab.push([
        Script::ServerError,
        Script::Ok,
        Script::Refuse("filtered"),
        Script::WrongSize,
        Script::RateLimited(0.2),
        Script::Malformed,
    ]);
    comfy.push([Script::NodeError]);
    let d = scratch("stability-comfy");
    std::fs::create_dir_all(d.join("workflows")).unwrap();
    std::fs::write(d.join("workflows/i2i_api.json"), darkroom_fakes::COMFY_I2I).unwrap();
    let campaign = |inputs: &str| {
        format!(
            "[campaign]\nname = \"sc\"\noutput = \"out\"\n\
             [providers.stab]\nkind = \"stability\"\nmodel = \"core\"\napi_key_env = \"DR_TEST_STAB_KEY\"\nbase_url = \"{}\"\nconcurrency = 1\ntimeout = 10\n\
             [providers.box]\nkind = \"comfyui\"\nbase_url = \"{}\"\nworkflow = \"workflows/i2i_api.json\"\ninputs = {inputs}\n\
             [tiers.draft]\nprovider = \"stab\"\nsize = \"1K\"\nvariants = 4\n\
             [tiers.finish]\nprovider = \"box\"\nsize = \"1K\"\nkeep = 1\n\
             [budget]\ncredits = 100\nmax_rounds = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n",
            stab.url, comfy.url
        )
    };
    // A workflow input that is not in the graph: `check` says which, with the file, exit 2.
    std::fs::write(
        d.join("c.toml"),
        campaign("{ prompt = \"6.text\", seed = \"3.sed\", width = \"12.width\", height = \"12.height\", image = \"10.image\" }"),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .env("DR_TEST_STAB_KEY", KEY)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("providers.box: workflow `workflows/i2i_api.json`: inputs.seed: node 3 (KSampler) has no input `sed`"),
        "{err}"
    );
    std::fs::write(
        d.join("c.toml"),
        campaign("{ prompt = \"6.text\", seed = \"3.seed\", width = \"12.width\", height = \"12.height\", image = \"10.image\" }"),
    )
    .unwrap();
    let with_key = |args: &[&str]| {
        bin()
            .current_dir(&d)
            .args(args)
            .env("DR_TEST_STAB_KEY", KEY)
            .env("DARKROOM_LOG", "trace")
            .output()
            .unwrap()
    };
    let o = with_key(&["check", "c.toml", "--providers"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("412.5 credits left") && out.contains("ComfyUI 0.3.43"),
        "{out}"
    );
    assert!(
        out.contains("$0.12 expected"),
        "4 core drafts at 3 credits: {out}"
    );
    let o = with_key(&["run", "c.toml"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    );
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("hero\t1:1\t1024x1024") && stdout.contains("hero\t16:9\t1024x576"),
        "{stdout}"
    );
    assert!(stderr.contains("authorization: Bearer ****"), "{stderr}");
    assert_eq!(stab.rejected(), Vec::<String>::new());
    assert_eq!(comfy.rejected(), Vec::<String>::new());
    let gen = stab
        .seen()
        .iter()
        .filter(|s| s.path == "/v2beta/stable-image/generate/core")
        .count();
    assert_eq!(gen, 7, "4 drafts, one retry after the 500, two for draft 4");
    let paths: Vec<String> = comfy.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths[..2],
        ["/system_stats".to_string(), "/upload/image".to_string()],
        "{paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| *p == "/prompt").count(),
        2,
        "the out-of-memory run is retried: {paths:?}"
    );
    // The ledger: refused and invalid recorded; credits are the successful calls' (3 each;
    // failed and moderated calls are not charged); the finish on the local server is free.
    let s = with_key(&["status", "c.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let failures: Vec<(String, u64)> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["class"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        vec![("invalid".to_string(), 1), ("refused".to_string(), 1)],
        "{v}"
    );
    assert!(
        (v["spent"].as_f64().unwrap() - 6.0).abs() < 1e-9,
        "two drafts × 3 credits: {v}"
    );
    assert_eq!(v["tries"].as_u64(), Some(7 + 2), "every call counted: {v}");
    // The key is nowhere in what darkroom wrote or printed.
    for (p, bytes) in all_bytes(&d.join("out")).into_iter().chain([
        (d.join("stdout"), o.stdout.clone()),
        (d.join("stderr"), o.stderr.clone()),
    ]) {
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the key is in {}",
            p.display()
        );
    }
}

#[test]
fn a_prices_override_replaces_the_list_price_in_the_plan_and_the_ledger() {
    let d = scratch("prices");
    let text = "[campaign]\nname = \"p\"\noutput = \"out\"\n\
         [providers.fast]\nkind = \"sim\"\nmodel = \"fast-draft\"\nprices = { image = 0.5 }\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\n\
         [providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"fast\"\nsize = \"512\"\nvariants = 3\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"512\"\nkeep = 1\n\
         [budget]\nmoney = \"10 USD\"\nmax_rounds = 1\n\
         [[shots]]\nid = \"a\"\nprompt = \"a red sphere\"\ndeliver = [\"1:1\"]\n";
    std::fs::write(d.join("c.toml"), text).unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("$1.50 expected"),
        "3 drafts at the override's $0.50: {out}"
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = status_json(&d, "c.toml");
    let drafts = v["tries"].as_f64().unwrap() - 1.0;
    assert!(drafts >= 3.0, "{v}");
    assert!(
        (v["spent"].as_f64().unwrap() - 0.5 * 3.0).abs() < 1e-9,
        "three successful drafts at $0.50 (the list price would be $0.039): {v}"
    );
    // A bad override is a config error with its line and what is accepted.
    std::fs::write(
        d.join("bad.toml"),
        text.replace(
            "prices = { image = 0.5 }",
            "prices = { imgae = 0.5, \"2K\" = -1 }",
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "bad.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("providers.fast.prices.imgae: unknown key `imgae`; allowed: image, 1K, 2K, 4K; did you mean `image`?"), "{err}");
    assert!(err.contains("providers.fast.prices.2K"), "{err}");
}

#[test]
fn a_stability_finish_is_out_painted_to_each_aspect_through_the_api() {
    use darkroom_fakes::{Fake, Script};
    const KEY: &str = "sk-FAKE-stability-key-8812";
    let stab = Fake::stability(KEY);
    // The finish and the 16:9 extension succeed; the 21:9 extension is refused by moderation,
    // so that aspect is extended locally and the ledger says so.
    stab.push([Script::Ok, Script::Ok, Script::Refuse("moderation")]);
    let d = scratch("stability-outpaint");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"op\"\noutput = \"out\"\n\
             [providers.local]\nkind = \"sketch\"\n\
             [providers.stab]\nkind = \"stability\"\nmodel = \"ultra\"\napi_key_env = \"DR_TEST_STAB_KEY2\"\nbase_url = \"{}\"\nconcurrency = 1\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"512\"\nvariants = 2\n\
             [tiers.finish]\nprovider = \"stab\"\nsize = \"1K\"\nkeep = 1\n\
             [budget]\ncredits = 50\nmax_rounds = 1\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\", \"21:9\"]\n",
            stab.url
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .env("DR_TEST_STAB_KEY2", KEY)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for want in [
        "hero\t1:1\t1024x1024",
        "hero\t16:9\t1024x576",
        "hero\t21:9\t1024x439",
    ] {
        assert!(out.contains(want), "{want} in {out}");
    }
    assert!(stab.rejected().is_empty(), "{:?}", stab.rejected());
    let paths: Vec<String> = stab.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/v2beta/stable-image/generate/ultra",
            "/v2beta/stable-image/edit/outpaint",
            "/v2beta/stable-image/edit/outpaint"
        ]
    );
    // The finish is an image-to-image of the draft; the 16:9 extension asks for 398 px a side.
    let finish = String::from_utf8_lossy(&stab.seen()[0].body).into_owned();
    assert!(
        finish.contains("name=\"strength\"") && finish.contains("name=\"image\""),
        "{finish}"
    );
    let op = String::from_utf8_lossy(&stab.seen()[1].body).into_owned();
    assert!(
        op.contains("name=\"left\"\r\n\r\n398\r\n") && op.contains("name=\"right\"\r\n\r\n398\r\n"),
        "{op}"
    );
    // Credits: ultra 8 + one out-paint 4; the refused out-paint is not charged and is recorded.
    let v = status_json(&d, "c.toml");
    assert!((v["spent"].as_f64().unwrap() - 12.0).abs() < 1e-9, "{v}");
    assert_eq!(v["failures"][0]["class"], "refused", "{v}");
    let html = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(
        html.contains("extended locally instead"),
        "the fallback is in the report"
    );
}

#[test]
fn a_pool_of_three_a1111_servers_finishes_the_run_when_one_dies_mid_run() {
    use darkroom_fakes::Fake;
    let (a, b, c) = (Fake::a1111(), Fake::a1111(), Fake::a1111());
    // The second server is gone after its third request (the ping, then two calls of the run).
    b.die_after(3);
    let d = scratch("a1111-pool");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"pool\"\noutput = \"out\"\n\
             [providers.forge]\nkind = \"a1111\"\nmodel = \"sd_xl_base_1.0\"\nbase_url = [\"{}\", \"{}\", \"{}\"]\nconcurrency = 1\ntimeout = 10\n\
             [tiers.draft]\nprovider = \"forge\"\nsize = \"512\"\nvariants = 4\n[tiers.finish]\nprovider = \"forge\"\nsize = \"1K\"\nkeep = 1\n\
             [gates]\nadherence = 0.0\n\
             [[shots]]\nid = \"one\"\nprompt = \"a blue cube on a #F4F1EA background\"\n\
             [[shots]]\nid = \"two\"\nprompt = \"a red sphere on a #F4F1EA background\"\n\
             [[shots]]\nid = \"three\"\nprompt = \"a green cone on a #F4F1EA background\"\n",
            a.url, b.url, c.url
        ),
    )
    .unwrap();
    let (code, out, err) = go(&d, &["check", "c.toml", "--providers"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 of 3 servers answer"), "{out}");
    let (code, out, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains("1024x1024")).count(),
        3,
        "{out}"
    );
    // Every request the dead server saw before dying was answered; the others took the rest.
    assert!(b.seen().len() <= 3, "{}", b.seen().len());
    assert!(!a.seen().is_empty() && !c.seen().is_empty());
    let (code, out, _) = go(&d, &["status", "c.toml", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let servers = v["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 3, "{out}");
    let made = |u: &str| {
        servers.iter().find(|s| s["base_url"] == u).unwrap()["done"]
            .as_u64()
            .unwrap()
    };
    let total = made(&a.url) + made(&b.url) + made(&c.url);
    // 3 shots × 4 drafts, 3 finishes: every image made by one server, the dead one at most 2.
    assert_eq!(total, 15, "{out}");
    assert!(
        (1..=2).contains(&made(&b.url)) && made(&a.url) > 0 && made(&c.url) > 0,
        "{out}"
    );
    let (_, text, _) = go(&d, &["status", "c.toml"]);
    assert!(
        text.contains(&format!("server {} of `forge`", b.url)),
        "{text}"
    );
}

#[test]
fn a_list_of_servers_is_refused_for_a_vendor_api() {
    let d = scratch("pool-vendor");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"p\"\n[providers.gpt]\nkind = \"openai\"\nbase_url = [\"http://a\", \"http://b\"]\n\
         [tiers.draft]\nprovider = \"gpt\"\n[tiers.finish]\nprovider = \"gpt\"\n[[shots]]\nid = \"x\"\nprompt = \"a cube\"\n",
    )
    .unwrap();
    let (code, _, err) = go(&d, &["check", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("providers.gpt.base_url") && err.contains("self-hosted"),
        "{err}"
    );
}

//! The funnel end to end on the offline providers: delivery in every aspect and size, resume
//! without new calls, byte-identical reruns, the budget guard, and faults.

use std::path::{Path, PathBuf};

use darkroom_engine::{run, Options};

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/engine")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const SMALL: &str = r##"
[campaign]
name = "small"
output = "out"

[brand]
palette = [{ name = "Brand Blue", hex = "#0047AB" }, { name = "Grey", hex = "#808080" }]
tolerance = 30.0
min_on_palette = 0.1

[providers.local]
kind = "sketch"

[tiers.draft]
provider = "local"
size = "96"
variants = 3
[tiers.finish]
provider = "local"
size = "160"
keep = 1

[gates]
adherence = 0.8
sharpness = 0.01

[budget]
max_rounds = 2

[[shots]]
id = "hero"
prompt = "a red sphere to the left of a blue cube"
deliver = ["16:9", "1:1"]

[[shots]]
id = "bottle-{color}"
prompt = "a {color} bottle on a white pedestal"
vars = { color = ["blue", "yellow"] }
deliver = ["4:5"]
"##;

/// A deliverable as two runs must agree on it: the file without its C2PA manifest (c2pa salts
/// each assertion's hash at random), a sidecar without the file hashes that salt changes. The
/// manifest's label stays in the sidecar: it is derived from what was signed.
fn comparable(bytes: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(mut v) => {
            fn drop_hashes(v: &mut serde_json::Value) {
                match v {
                    serde_json::Value::Object(m) => {
                        m.remove("blake3");
                        m.values_mut().for_each(drop_hashes);
                    }
                    serde_json::Value::Array(a) => a.iter_mut().for_each(drop_hashes),
                    _ => {}
                }
            }
            drop_hashes(&mut v);
            v.to_string().into_bytes()
        }
        Err(_) => darkroom_provenance::without_manifest(bytes),
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for shot in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        if shot.path().is_dir() {
            for f in std::fs::read_dir(shot.path())
                .unwrap()
                .filter_map(Result::ok)
            {
                out.push((
                    format!(
                        "{}/{}",
                        shot.file_name().to_string_lossy(),
                        f.file_name().to_string_lossy()
                    ),
                    comparable(&std::fs::read(f.path()).unwrap()),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_campaign_delivers_every_shot_in_every_aspect_and_resumes_without_calls() {
    let d = scratch("small");
    let c = darkroom_campaign::load(SMALL, "small.toml").unwrap();
    let r = run(c.clone(), &d, Options::default()).unwrap();
    assert!(r.complete(), "{:?}", r.failed_shots);
    let got: Vec<(String, String, u32, u32)> = r
        .deliverables
        .iter()
        .map(|x| (x.shot.clone(), x.aspect.clone(), x.width, x.height))
        .collect();
    assert_eq!(
        got,
        [
            ("hero".to_string(), "16:9".to_string(), 160, 90),
            ("hero".to_string(), "1:1".to_string(), 160, 160),
            ("bottle-blue".to_string(), "4:5".to_string(), 128, 160),
            ("bottle-yellow".to_string(), "4:5".to_string(), 128, 160),
        ]
    );
    for x in &r.deliverables {
        let img = darkroom_imageops::read_png(&x.path, 1 << 24).unwrap();
        assert_eq!((img.width, img.height), (x.width, x.height));
        assert!(img.text.iter().any(|(k, v)| k == "prompt" && !v.is_empty()));
        assert!(x.path.with_extension("json").exists(), "sidecar");
    }
    let manifest = std::fs::read_to_string(d.join("out/deliverables/manifest.json")).unwrap();
    assert!(manifest.contains("hero-1-160x90.png"));
    let tries = r.totals.tries;
    assert!(tries > 0);

    // Again in place: everything comes from the ledger, nothing is called.
    let again = run(c.clone(), &d, Options::default()).unwrap();
    assert!(again.complete());
    assert_eq!(again.totals.tries, tries, "no new provider calls");
    // Every shot is left alone: nothing changed since its files were written.
    assert_eq!(again.unchanged, c.shots.len());
    assert_eq!(again.sent, 0);
    assert_eq!(again.deliverables.len(), r.deliverables.len());

    // From scratch elsewhere: byte-identical deliverables.
    let e = scratch("small-again");
    let fresh = run(c, &e, Options::default()).unwrap();
    assert!(fresh.complete());
    assert_eq!(
        files(&d.join("out/deliverables")),
        files(&e.join("out/deliverables"))
    );
}

#[test]
fn the_budget_stops_the_run_cleanly_and_is_never_exceeded() {
    // Concurrency 16 and a cap that covers exactly 37 calls at $0.039 (38 would be $1.482):
    // 3 shots × 16 variants × 2 rounds want far more, so the guard must stop the run.
    let d = scratch("budget");
    let text = SMALL
        .replace(
            "kind = \"sketch\"",
            "kind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 16",
        )
        .replace("variants = 3", "variants = 16")
        .replace(
            "[budget]\nmax_rounds = 2",
            "[budget]\nmoney = \"1.4435 USD\"\nmax_rounds = 2",
        );
    let c = darkroom_campaign::load(&text, "b.toml").unwrap();
    let r = run(c, &d, Options::default()).unwrap();
    assert!(r.budget_exhausted);
    assert!(!r.complete());
    assert!(r.totals.committed <= 1.4435, "spent {}", r.totals.committed);
    assert!(r.totals.settled <= 1.4435, "spent {}", r.totals.settled);
    let done = r
        .totals
        .by_status
        .iter()
        .find(|(s, _)| s == "done")
        .map_or(0, |(_, n)| *n);
    assert!(done <= 37, "{done} calls paid for, the cap covers 37");
    // It stopped because the next thing did not fit, and says what that needed.
    let stop = r.budget_stop.clone().expect("the stop says why");
    assert!(
        stop.committed.amount + stop.needed.amount > 1.4435,
        "stopped although {stop} fits"
    );
    assert!((stop.cap.amount - 1.4435).abs() < 1e-12, "{stop}");
    // The campaign counts money: every amount of the stop says so.
    let usd = darkroom_core::money::Unit::Usd;
    assert_eq!(
        [stop.cap.unit, stop.committed.unit, stop.needed.unit],
        [usd; 3]
    );
    assert!(
        !r.totals
            .by_status
            .iter()
            .any(|(s, n)| s == "sent" && *n > 0),
        "nothing is left `sent` after a clean stop: {:?}",
        r.totals.by_status
    );
}

#[test]
fn unknown_shots_missing_keys_and_missing_workflows_are_errors() {
    let d = scratch("errors");
    let c = darkroom_campaign::load(SMALL, "s.toml").unwrap();
    let e = run(
        c,
        &d,
        Options {
            only: Some("nope".into()),
            ..Options::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no shot `nope`") && e.contains("hero"), "{e}");
    // A real provider without its key: named, before any call.
    let g = SMALL.replace(
        "kind = \"sketch\"",
        "kind = \"gemini\"\nmodel = \"gemini-2.5-flash-image\"\napi_key_env = \"DARKROOM_TEST_UNSET_KEY\"",
    );
    let c = darkroom_campaign::load(&g, "g.toml").unwrap();
    let e = run(c, &d, Options::default()).unwrap_err().to_string();
    assert!(e.contains("`DARKROOM_TEST_UNSET_KEY` is not set"), "{e}");
    // A comfyui workflow that is not there: named with its provider, before any call.
    let st = SMALL.replace(
        "kind = \"sketch\"",
        "kind = \"comfyui\"\nworkflow = \"missing_api.json\"\ninputs = { prompt = \"6.text\", seed = \"3.seed\" }",
    );
    let c = darkroom_campaign::load(&st, "dir/st.toml").unwrap();
    let e = run(c, &d, Options::default()).unwrap_err().to_string();
    assert!(
        e.starts_with("providers.local: workflow `dir/missing_api.json`:"),
        "{e}"
    );
}

#[test]
fn faults_are_retried_and_refusals_recorded_never_retried() {
    let d = scratch("faults");
    let text = SMALL.replace(
        "kind = \"sketch\"",
        "kind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 8\nfailures = { transient = 0.3, refusal = 0.05, rate_limited = 0.0 }",
    );
    let text = text
        .replace("max_rounds = 2", "max_rounds = 3")
        .replace("adherence = 0.8", "adherence = 0.0");
    let c = darkroom_campaign::load(&text, "f.toml").unwrap();
    let r = run(c, &d, Options::default()).unwrap();
    assert!(
        r.complete(),
        "the run completes despite faults: {:?}",
        r.failed_shots
    );
    let db = rusqlite_stats(&d.join("out/darkroom.db"));
    assert!(db.retried > 0, "transient failures were retried");
    assert!(db.refused > 0, "refusals were recorded");
    assert_eq!(
        db.refused_retried, 0,
        "a refused attempt is never tried again"
    );
}

struct Stats {
    retried: u64,
    refused: u64,
    refused_retried: u64,
}

fn rusqlite_stats(db: &Path) -> Stats {
    // Read the ledger through its own API where it has one; counts per status come from totals.
    let l = darkroom_ledger::Ledger::open(db).unwrap();
    let t = l.totals().unwrap();
    let attempts: u64 = t.by_status.iter().map(|s| s.1).sum();
    let refused = t
        .by_status
        .iter()
        .find(|s| s.0 == "refused")
        .map_or(0, |s| s.1);
    Stats {
        retried: t.tries - attempts,
        refused,
        refused_retried: l.refused_with_retries().unwrap(),
    }
}

#[test]
fn gates_and_ranking_use_the_judges_and_the_ledger_keeps_every_verdict() {
    let d = scratch("verdicts");
    // One shot on brand, one off brand: the brand gate must reject the second's drafts.
    let text = SMALL
        .replace(
            "tolerance = 30.0\nmin_on_palette = 0.1",
            "tolerance = 6.0\nmin_on_palette = 0.3",
        )
        .replace(
            "[gates]\nadherence = 0.8",
            "[gates]\nadherence = 0.8\non_palette = 0.3",
        );
    let text = text.replace(
        "prompt = \"a red sphere to the left of a blue cube\"",
        "prompt = \"a #0047AB sphere to the left of a #808080 cube on a #808080 background, soft lighting\"",
    );
    let c = darkroom_campaign::load(&text, "v.toml").unwrap();
    let _ = run(
        c,
        &d,
        Options {
            only: None,
            ..Options::default()
        },
    )
    .unwrap();
    let db = rusqlite::Connection::open(d.join("out/darkroom.db")).unwrap();
    let judges: Vec<String> = db
        .prepare("SELECT DISTINCT judge FROM scores ORDER BY judge")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(judges, ["brand", "layout", "novelty", "quality"]);
    // Every verdict is kept with its evidence.
    let layout: String = db
        .query_row(
            "SELECT verdicts FROM scores WHERE judge = 'layout' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&layout).unwrap();
    assert!(v["findings"][0]["evidence"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    // Gate decisions carry reason codes and the ranking key.
    let reasons: Vec<String> = db
        .prepare("SELECT DISTINCT reason FROM decisions WHERE kind = 'gate' ORDER BY reason")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(reasons.contains(&"passed".to_string()), "{reasons:?}");
    assert!(
        reasons.contains(&"below_on_palette".to_string()),
        "the off-brand bottles are rejected: {reasons:?}"
    );
    let promoted: i64 = db.query_row("SELECT COUNT(*) FROM decisions WHERE kind = 'rank' AND reason = 'promoted' AND rank_key IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert!(promoted >= 1);
}

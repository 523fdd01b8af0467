//! The sketch and sim providers behind the provider seam.

use darkroom_core::provider::{Provider, ProviderError, Request};
use darkroom_core::Quality;
use darkroom_providers::sim::{Drops, Profile, Sim, FAST_DRAFT, PRO};
use darkroom_providers::sketch::Sketch;
use darkroom_providers::{check_size, AnyProvider};

fn req(prompt: &str, seed: u64, w: u32, h: u32) -> Request {
    Request {
        prompt: prompt.into(),
        seed,
        width: w,
        height: h,
        quality: Quality::Draft,
        reference: None,
        op: Default::default(),
    }
}

#[test]
fn sketch_is_free_deterministic_and_the_right_size() {
    let p = AnyProvider::Sketch(Sketch::new("local"));
    let r = req("a red sphere left of a blue cube", 3, 96, 64);
    let a = p.generate(&r).unwrap();
    let b = p.generate(&r).unwrap();
    assert_eq!(a.png, b.png);
    assert_eq!((a.width, a.height), (96, 64));
    assert_eq!(p.price(&r).usd, 0.0);
    check_size(&r, &a).unwrap();
    let img = darkroom_imageops::decode_png(&a.png, "x", 1 << 20).unwrap();
    assert_eq!((img.width, img.height), (96, 64));
    assert!(matches!(
        p.generate(&req("", 1, 8, 8)),
        Err(ProviderError::Invalid(_))
    ));
}

#[test]
fn sim_outcomes_are_deterministic_per_try_and_rates_match_the_profile() {
    let profile = Profile {
        drops: Drops {
            relation: 0.0,
            count: 0.0,
            color: 0.0,
            entity: 0.0,
        },
        ..FAST_DRAFT
    };
    let run = || {
        let s = Sim::new("sim", profile);
        (0..400)
            .map(|i| {
                s.generate(&req("a cube", i, 8, 8))
                    .map(|g| g.latency)
                    .map_err(|e| e.class())
            })
            .collect::<Vec<_>>()
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b, "same requests, same outcomes");
    let fails = a.iter().filter(|x| x.is_err()).count() as f64 / 400.0;
    let expected = FAST_DRAFT.p_rate_limited
        + FAST_DRAFT.p_server_error
        + FAST_DRAFT.p_timeout
        + FAST_DRAFT.p_refusal;
    assert!(
        (fails - expected).abs() < 0.04,
        "failure share {fails} vs {expected}"
    );
    // Latency: median and p95 near the profile's.
    let s = Sim::new("sim", PRO);
    let mut lat: Vec<f64> = (0..2000)
        .map(|i| s.latency(&req("x", i, 8, 8), 1).as_secs_f64())
        .collect();
    lat.sort_by(f64::total_cmp);
    let (med, p95) = (lat[1000], lat[1900]);
    assert!((med / PRO.median_s - 1.0).abs() < 0.1, "median {med}");
    assert!((p95 / PRO.p95_s - 1.0).abs() < 0.15, "p95 {p95}");
}

#[test]
fn a_retry_can_succeed_and_refusals_are_classified() {
    let flaky = Profile {
        p_server_error: 0.5,
        p_rate_limited: 0.0,
        p_timeout: 0.0,
        p_refusal: 0.0,
        ..FAST_DRAFT
    };
    let s = Sim::new("sim", flaky);
    let r = req("a cube", 11, 8, 8);
    let outcomes: Vec<bool> = (0..12).map(|_| s.generate(&r).is_ok()).collect();
    assert!(
        outcomes.iter().any(|&x| x) && outcomes.iter().any(|&x| !x),
        "tries differ: {outcomes:?}"
    );
    assert_eq!(s.calls(), 12);
    let refusing = Sim::new(
        "sim",
        Profile {
            p_refusal: 1.0,
            p_server_error: 0.0,
            p_rate_limited: 0.0,
            p_timeout: 0.0,
            ..FAST_DRAFT
        },
    );
    assert_eq!(refusing.generate(&r).unwrap_err().class(), "refused");
    let limited = Sim::new(
        "sim",
        Profile {
            p_rate_limited: 1.0,
            ..FAST_DRAFT
        },
    );
    assert!(matches!(
        limited.generate(&r),
        Err(ProviderError::RateLimited {
            retry_after: Some(_),
            ..
        })
    ));
}

#[test]
fn instruction_drops_are_applied_and_reported_as_ground_truth() {
    let always = Profile {
        drops: Drops {
            relation: 1.0,
            count: 0.0,
            color: 0.0,
            entity: 0.0,
        },
        p_rate_limited: 0.0,
        p_server_error: 0.0,
        p_timeout: 0.0,
        p_refusal: 0.0,
        hue_drift_deg: 0.0,
        ..FAST_DRAFT
    };
    let s = Sim::new("sim", always);
    let r = req("a red sphere to the left of a blue cube", 5, 128, 128);
    let g = s.generate(&r).unwrap();
    let m = g
        .notes
        .iter()
        .find(|n| n.0 == "mutation")
        .expect("a mutation is reported");
    assert!(
        m.1.contains("break_relation") && m.1.contains("right_of"),
        "{}",
        m.1
    );
    // The image really shows the flipped relation: the layout judge sees the sphere on the right.
    let img = darkroom_imageops::decode_png(&g.png, "x", 1 << 20).unwrap();
    let scene = darkroom_prompt::parse(&r.prompt).unwrap();
    let v = layout_verdict::first_relation(
        darkroom_core::judge::ImageRef {
            width: img.width,
            height: img.height,
            rgb: &img.rgb,
        },
        &scene,
    );
    assert_eq!(v, darkroom_core::judge::Verdict::No);
    // Prices follow the profile and the size.
    let pro = Sim::new("pro", PRO);
    assert_eq!(pro.price(&req("x", 0, 1024, 1024)).usd, 0.134);
    assert_eq!(pro.price(&req("x", 0, 4096, 2304)).usd, 0.24);
}

#[test]
fn a_sim_with_a_call_log_replays_a_request_sent_again_without_running_or_charging_it() {
    let dir = std::env::temp_dir().join(format!("darkroom-sim-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("calls.log");
    // Never fails, so the first try answers.
    let calm = Profile {
        p_rate_limited: 0.0,
        p_server_error: 0.0,
        p_timeout: 0.0,
        p_refusal: 0.0,
        ..FAST_DRAFT
    };
    let r = req("a red sphere left of a blue cube", 11, 64, 64);
    let first = Sim::new("sim", calm).with_call_log(&log).unwrap();
    assert!(first.replays());
    assert!(!Sim::new("sim", calm).replays(), "no record, no replays");
    let a = first.generate(&r).unwrap();
    assert_eq!(first.calls(), 1);
    // A killed client's successor: a new process, the vendor's record still there.
    let second = Sim::new("sim", calm).with_call_log(&log).unwrap();
    let b = second.generate(&r).unwrap();
    assert_eq!(second.calls(), 0, "answered from the record, not run");
    assert_eq!(a.png, b.png);
    assert_eq!(a.cost.usd, b.cost.usd, "the one charge, reported again");
    assert!(b.notes.iter().any(|(k, v)| k == "replayed" && v == "true"));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1, "one execution logged: {text}");
    // Another request is run and logged; a line cut short by a kill is ignored.
    let mut cut = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut cut, b"00ff\t0.03").unwrap();
    drop(cut);
    let third = Sim::new("sim", calm).with_call_log(&log).unwrap();
    let other = req("two yellow bottles", 2, 64, 64);
    third.generate(&other).unwrap();
    assert_eq!(third.calls(), 1);
    let fourth = Sim::new("sim", calm).with_call_log(&log).unwrap();
    fourth.generate(&other).unwrap();
    fourth.generate(&r).unwrap();
    assert_eq!(
        fourth.calls(),
        0,
        "both found in the record after the cut line"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The layout judge's verdict on the first relation of a scene.
#[path = "it/compliance.rs"]
mod compliance;
#[path = "it/seam.rs"]
mod seam;

mod layout_verdict {
    use darkroom_core::judge::{ImageRef, Judge, Verdict};
    use darkroom_prompt::{AssertionKind, Scene};

    pub fn first_relation(img: ImageRef<'_>, scene: &Scene) -> Verdict {
        let j = darkroom_judges::layout::LayoutJudge.judge(img, scene);
        let id = scene
            .checklist
            .iter()
            .find(|a| a.kind == AssertionKind::Relation)
            .unwrap()
            .id;
        j.findings
            .iter()
            .find(|f| f.assertion == Some(id))
            .unwrap()
            .verdict
    }
}

// ------------------------------------------------------------------ HTTP providers on fakes

#[path = "it/http.rs"]
mod http_providers;

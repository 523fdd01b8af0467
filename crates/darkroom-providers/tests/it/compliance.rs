//! One compliance test every HTTP provider runs against its vendor's fake, as vector's
//! `assert_sink_compliance` does for sinks: each provider is made the way a run makes it (from
//! a campaign entry, through `darkroom_providers::build`), and must
//!
//! - return an image of exactly the asked size, costing no more than its `price()` (the budget
//!   reserves that price before the call: a cost above it could pass the cap);
//! - classify each failure the way the scheduler retries it: a 5xx or a malformed body is
//!   `transient` (and the next call succeeds), a 429 with the vendor's hint is `rate_limited`
//!   with that delay, a refusal is `refused` (never retried), an image of another size is
//!   `invalid`, no reply within the timeout is `transient`, a wrong key is `auth`;
//! - never show its key, in any error's text or debug form, or in its own debug form;
//! - send only requests the vendor documents (the fake rejects anything else).

use std::collections::BTreeMap;
use std::time::Duration;

use darkroom_campaign::{Provider as Entry, ProviderKind, SimOverrides};
use darkroom_core::provider::{Provider, ProviderError, Request};
use darkroom_core::Quality;
use darkroom_fakes::{Fake, Script, COMFY_T2I};
use darkroom_providers::build;

const KEY: &str = "compliance-KEY-5ecret-7781";

/// What a vendor's fake can script, and how the vendor refuses.
struct Vendor {
    kind: ProviderKind,
    model: &'static str,
    /// The vendor's refusal as the fake scripts it; `None` for servers that never refuse.
    refusal: Option<&'static str>,
    /// Whether the vendor answers 429 with a retry hint (self-hosted servers do not).
    rate_limits: bool,
    /// Whether the provider takes a key.
    keyed: bool,
}

fn entry(v: &Vendor, url: &str, timeout: f64, workflow: Option<std::path::PathBuf>) -> Entry {
    let inputs: BTreeMap<String, String> = if v.kind == ProviderKind::ComfyUi {
        [
            ("prompt", "6.text"),
            ("seed", "3.seed"),
            ("width", "5.width"),
            ("height", "5.height"),
        ]
        .iter()
        .map(|(k, x)| (k.to_string(), x.to_string()))
        .collect()
    } else {
        BTreeMap::new()
    };
    Entry {
        name: "p".into(),
        kind: v.kind,
        model: Some(v.model.to_string()),
        api_key_env: v.keyed.then(|| "COMPLIANCE_KEY".to_string()),
        base_url: Some(url.to_string()),
        pool: Vec::new(),
        timeout,
        concurrency: 1,
        rate_limit: None,
        sim: SimOverrides::default(),
        prices: None,
        workflow,
        inputs,
    }
}

fn req(w: u32, h: u32) -> Request {
    Request {
        prompt: "a red sphere left of a blue cube".into(),
        seed: 7,
        width: w,
        height: h,
        quality: Quality::Draft,
        reference: None,
        op: Default::default(),
    }
}

/// The error of one call scripted to fail, checked for the key. The fake's wrong size is
/// 512×512 whatever was asked, so that call asks for another.
fn failing(p: &dyn Provider, f: &Fake, s: Script) -> ProviderError {
    f.push([s.clone()]);
    let side = if s == Script::WrongSize { 1024 } else { 512 };
    let e = match p.generate(&req(side, side)) {
        Ok(g) => panic!("{s:?} succeeded with {}x{}", g.width, g.height),
        Err(e) => e,
    };
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(KEY), "{s:?}: the key shows in {shown}");
    e
}

/// Runs the contract on one vendor.
fn assert_compliance(v: &Vendor, fake: &Fake) {
    let name = v.kind.as_str();
    let workflow = (v.kind == ProviderKind::ComfyUi).then(|| {
        let path = std::env::temp_dir().join(format!(
            "darkroom-compliance-{}-{name}.json",
            std::process::id()
        ));
        std::fs::write(&path, COMFY_T2I).unwrap();
        path
    });
    let key = |_: &str| Some(KEY.to_string());
    let p = build::provider_with("p", &entry(v, &fake.url, 3.0, workflow.clone()), &key)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!p.name().contains(KEY));
    // Success: the asked size, at no more than the reserved price.
    let asked = req(512, 512);
    let g = p.generate(&asked).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!((g.width, g.height), (512, 512), "{name}: size");
    let price = p.price(&asked);
    assert!(
        g.cost.usd >= 0.0 && g.cost.usd <= price.usd + 1e-12,
        "{name}: cost {} above the reserved price {}",
        g.cost.usd,
        price.usd
    );
    // Failures, each in the class the scheduler retries by.
    let e = failing(&p, fake, Script::ServerError);
    assert_eq!(e.class(), "transient", "{name}: 5xx: {e}");
    assert!(p.generate(&asked).is_ok(), "{name}: the call after a 5xx");
    let e = failing(&p, fake, Script::Malformed);
    assert_eq!(e.class(), "transient", "{name}: malformed: {e}");
    let e = failing(&p, fake, Script::WrongSize);
    assert_eq!(e.class(), "invalid", "{name}: wrong size: {e}");
    if v.rate_limits {
        match failing(&p, fake, Script::RateLimited(2.0)) {
            ProviderError::RateLimited { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(2)), "{name}: hint");
            }
            e => panic!("{name}: 429 is {} ({e})", e.class()),
        }
    }
    if let Some(how) = v.refusal {
        let e = failing(&p, fake, Script::Refuse(how));
        assert_eq!(e.class(), "refused", "{name}: refusal: {e}");
    }
    let slow = build::provider_with("p", &entry(v, &fake.url, 0.3, workflow.clone()), &key)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let e = failing(&slow, fake, Script::Slow(Duration::from_secs(3)));
    assert_eq!(e.class(), "transient", "{name}: no reply: {e}");
    let rejected = fake.rejected();
    assert!(
        rejected.is_empty(),
        "{name}: undocumented requests: {rejected:?}"
    );
    if v.keyed {
        let wrong = |_: &str| Some("wrong-key-0000".to_string());
        let bad = build::provider_with("p", &entry(v, &fake.url, 3.0, None), &wrong).unwrap();
        let Err(e) = bad.generate(&asked) else {
            panic!("{name}: a wrong key succeeded");
        };
        assert_eq!(e.class(), "auth", "{name}: wrong key: {e}");
        assert_eq!(
            fake.rejected().len(),
            1,
            "{name}: only the wrong key is refused"
        );
        // A missing key is said before anything is sent, naming the variable.
        let none = |_: &str| None;
        let missing = build::provider_with("p", &entry(v, &fake.url, 3.0, None), &none);
        let why = missing.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(why.contains("COMPLIANCE_KEY"), "{name}: {why}");
    }
    if let Some(w) = workflow {
        let _ = std::fs::remove_file(w);
    }
}

#[test]
fn gemini_is_compliant() {
    let v = Vendor {
        kind: ProviderKind::Gemini,
        model: "gemini-2.5-flash-image",
        refusal: Some("prompt"),
        rate_limits: true,
        keyed: true,
    };
    assert_compliance(&v, &Fake::gemini(KEY));
}

#[test]
fn openai_is_compliant() {
    let v = Vendor {
        kind: ProviderKind::OpenAi,
        model: "gpt-image-1-mini",
        refusal: Some("moderation"),
        rate_limits: true,
        keyed: true,
    };
    assert_compliance(&v, &Fake::openai(KEY));
}

#[test]
fn stability_is_compliant() {
    let v = Vendor {
        kind: ProviderKind::Stability,
        model: "sd3.5-flash",
        refusal: Some("filtered"),
        rate_limits: true,
        keyed: true,
    };
    assert_compliance(&v, &Fake::stability(KEY));
}

#[test]
fn a1111_is_compliant() {
    let v = Vendor {
        kind: ProviderKind::A1111,
        model: "sd_xl_base_1.0",
        refusal: None,
        rate_limits: false,
        keyed: false,
    };
    assert_compliance(&v, &Fake::a1111());
}

#[test]
fn comfyui_is_compliant() {
    let v = Vendor {
        kind: ProviderKind::ComfyUi,
        model: "",
        refusal: None,
        rate_limits: false,
        keyed: false,
    };
    assert_compliance(&v, &Fake::comfyui());
}

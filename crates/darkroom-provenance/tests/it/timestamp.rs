//! RFC 3161 time-stamps against a real TSA (OpenSSL's `ts -reply`, in `darkroom-fakes`): the
//! signature carries the token and its time, a reader that trusts the TSA's root says so, and
//! a signature made with a certificate that has since expired still holds through its token —
//! while one without a token does not.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use darkroom_fakes::tsa::FakeTsa;
use darkroom_provenance::identity::{make_chain, Chain};
use darkroom_provenance::{
    sign, verify, Format, Identity, ProvenanceError, Source, State, Step, StepKind, Story,
    TimeStamp, Tsa,
};

use crate::{png, scratch};

fn story() -> Story<'static> {
    Story {
        title: "hero.png".into(),
        created: Some(Source::Generated),
        steps: vec![Step::local(StepKind::Created, "made")],
        parts: vec![],
    }
}

/// The fake TSA, reached in-process (the HTTP transport is the engine's, tested from the CLI).
fn tsa(fake: &FakeTsa) -> Tsa {
    let f = fake.clone();
    Tsa::new(fake.url.clone(), Arc::new(move |_, q| f.reply(q))).with_retries(2, Duration::ZERO)
}

#[test]
fn a_time_stamped_signature_carries_its_time_and_the_tsa_is_trusted_on_its_root() {
    let fake = FakeTsa::start(&scratch("tsa-a").join("tsa")).unwrap();
    let id = Identity::local(&scratch("tsa-a-id"))
        .unwrap()
        .with_tsa(Some(tsa(&fake)));
    let s = sign(&id, Format::Png, &png(), &story()).unwrap();
    assert_eq!(fake.issued(), 1, "one token per signature");
    // Without the TSA's root, the token is there and intact, its authority unknown.
    let v = verify(&s.bytes, None).unwrap();
    assert_eq!(v.state, State::Valid, "{:?}", v.problems);
    assert_eq!(
        v.stamp,
        TimeStamp::Untrusted,
        "{}",
        v.raw["validation_results"]
    );
    let when = v.chain[0].when.clone().expect("a signing time");
    assert!(when.starts_with("20"), "{when}");
    // With it, the time is vouched for.
    let v = verify(&s.bytes, Some(&fake.root_pem)).unwrap();
    assert_eq!(
        v.stamp,
        TimeStamp::Trusted,
        "{}",
        v.raw["validation_results"]
    );
    assert_eq!(v.json()["time_stamp"], "trusted");
    assert!(
        v.words()
            .iter()
            .any(|l| l.contains("time-stamp from a trusted authority")),
        "{:?}",
        v.words()
    );
    // A signature without a TSA says it has no time-stamp.
    let plain = Identity::local(&scratch("tsa-a-id")).unwrap();
    let s = sign(&plain, Format::Jpeg, &crate::jpeg(), &story()).unwrap();
    let v = verify(&s.bytes, Some(&fake.root_pem)).unwrap();
    assert_eq!(v.stamp, TimeStamp::Absent);
    assert!(v.chain[0].when.is_none());
    assert!(
        v.words().iter().any(|l| l.contains("no time-stamp")),
        "{:?}",
        v.words()
    );
}

#[test]
fn a_tsa_that_keeps_failing_fails_the_signing_naming_it() {
    let fake = FakeTsa::start(&scratch("tsa-b").join("tsa")).unwrap();
    let calls = Arc::new(std::sync::Mutex::new(0));
    let c = calls.clone();
    let broken = Tsa::new(
        "https://user:hunter2@tsa.example/ts",
        Arc::new(move |_, _| {
            *c.lock().unwrap() += 1;
            Err("HTTP 503: unavailable".into())
        }),
    )
    .with_retries(3, Duration::ZERO);
    let id = Identity::local(&scratch("tsa-b-id"))
        .unwrap()
        .with_tsa(Some(broken));
    let e = sign(&id, Format::Png, &png(), &story()).unwrap_err();
    assert!(matches!(e, ProvenanceError::TimeStamp { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("https://****@tsa.example/ts"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(
        msg.contains("failed 3 time(s)") && msg.contains("HTTP 503"),
        "{msg}"
    );
    assert_eq!(*calls.lock().unwrap(), 3);
    // Retried: a TSA that fails once, then answers, stamps the file.
    let flaky = {
        let f = fake.clone();
        let left = Arc::new(std::sync::Mutex::new(1));
        Tsa::new(
            fake.url.clone(),
            Arc::new(move |_, q| {
                let mut l = left.lock().unwrap();
                if *l > 0 {
                    *l -= 1;
                    return Err("connection refused".into());
                }
                f.reply(q)
            }),
        )
        .with_retries(3, Duration::ZERO)
    };
    let id = Identity::local(&scratch("tsa-b-id"))
        .unwrap()
        .with_tsa(Some(flaky));
    let s = sign(&id, Format::Png, &png(), &story()).unwrap();
    assert_eq!(verify(&s.bytes, None).unwrap().stamp, TimeStamp::Untrusted);
}

#[test]
fn a_reply_for_another_request_is_refused() {
    let fake = FakeTsa::start(&scratch("tsa-c").join("tsa")).unwrap();
    // A replayed token: the answer to an earlier request, for other data and another nonce.
    let old = fake.reply(&c2pa_request(b"some other signature")).unwrap();
    let replay = Tsa::new(fake.url.clone(), Arc::new(move |_, _| Ok(old.clone())))
        .with_retries(1, Duration::ZERO);
    let id = Identity::local(&scratch("tsa-c-id"))
        .unwrap()
        .with_tsa(Some(replay));
    let e = sign(&id, Format::Png, &png(), &story())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not a valid time-stamp for this signature"),
        "{e}"
    );
}

/// A time-stamp query as c2pa makes one (SHA-256 imprint, a nonce, the TSA's certificate asked).
fn c2pa_request(data: &[u8]) -> Vec<u8> {
    let dir = scratch("tsa-req");
    std::fs::write(dir.join("d"), data).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "ts", "-query", "-data", "d", "-sha256", "-cert", "-out", "q.der",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::read(dir.join("q.der")).unwrap()
}

/// A certificate valid for a few seconds signs; once it has expired, the file still verifies
/// through its time-stamp (the certificate is checked at the token's time), and a file it
/// signed without one reads as expired. The wait is the certificate's lifetime plus a margin.
#[test]
fn a_signature_outlives_its_certificate_through_its_time_stamp() {
    let fake = FakeTsa::start(&scratch("tsa-d").join("tsa")).unwrap();
    let now = SystemTime::now();
    let life = Duration::from_secs(4);
    let made = make_chain(&Chain {
        signer: "short-lived signer",
        organization: Some("darkroom tests"),
        not_before: now - Duration::from_secs(60),
        not_after: now + life,
    })
    .unwrap();
    let d = scratch("tsa-d-id");
    std::fs::write(d.join("chain.pem"), &made.chain).unwrap();
    std::fs::write(d.join("key.pem"), &made.key).unwrap();
    let id = Identity::from_files(&d.join("chain.pem"), &d.join("key.pem")).unwrap();
    let stamped = sign(
        &id.with_tsa(Some(tsa(&fake))),
        Format::Png,
        &png(),
        &story(),
    )
    .unwrap();
    let id = Identity::from_files(&d.join("chain.pem"), &d.join("key.pem")).unwrap();
    let bare = sign(&id, Format::Png, &png(), &story()).unwrap();
    let anchors = format!("{}{}", made.ca, fake.root_pem);
    assert_eq!(
        verify(&stamped.bytes, Some(&anchors)).unwrap().state,
        State::Trusted
    );
    // Past the certificate's end, with a margin for the seconds of the clocks' resolution.
    while SystemTime::now() < now + life + Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(250));
    }
    let v = verify(&stamped.bytes, Some(&anchors)).unwrap();
    assert_eq!(v.state, State::Trusted, "{:?}", v.problems);
    assert_eq!(v.stamp, TimeStamp::Trusted);
    let v = verify(&bare.bytes, Some(&anchors)).unwrap();
    assert_eq!(v.state, State::Invalid, "{:?}", v.problems);
    assert!(
        v.problems
            .iter()
            .any(|p| p.code == "signingCredential.expired"),
        "{:?}",
        v.problems
    );
    // The files are kept for the reference reader's check (the CLI tests run c2pa-python).
    std::fs::write(d.join("stamped.png"), &stamped.bytes).unwrap();
}

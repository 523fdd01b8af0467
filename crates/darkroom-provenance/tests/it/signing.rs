//! Signing and reading back.

use darkroom_provenance::{
    sign, verify, without_manifest, Format, Identity, Part, Role, Source, State, Step, StepKind,
    Story,
};

use crate::{jpeg, png, scratch};

fn made(provider: &str) -> Step {
    Step {
        kind: StepKind::Created,
        what: "finished at 2048x2048".into(),
        provider: Some(provider.into()),
        model: Some("gemini-3-pro-image-preview".into()),
        model_version: Some("gemini-3-pro-image-preview-11-2025".into()),
        generative: true,
        params: vec![("attempt".into(), "a1b2".into())],
    }
}

/// A generated image's story: made by `provider`, no other step or ingredient.
fn generated(title: &str, provider: &str) -> Story<'static> {
    Story {
        title: title.into(),
        created: Some(Source::Generated),
        steps: vec![made(provider)],
        parts: vec![],
    }
}

#[test]
fn a_generated_png_validates_and_says_how_it_was_made() {
    let id = Identity::local(&scratch("gen")).unwrap();
    let draft = png();
    let story = Story {
        title: "hero-1-2048x1152.png".into(),
        created: Some(Source::Generated),
        steps: vec![
            made("gemini"),
            Step::local(StepKind::Extended, "extended to 16:9 by local fill"),
            Step::local(StepKind::Typeset, "set \"SPRING SALE\""),
        ],
        parts: vec![Part {
            title: "draft a1b2".into(),
            role: Role::Input,
            bytes: &draft,
        }],
    };
    let s = sign(&id, Format::Png, &png(), &story).unwrap();
    assert!(s.label.starts_with("urn:c2pa:"), "{}", s.label);
    let v = verify(&s.bytes, None).unwrap();
    assert_eq!(v.state, State::Valid, "{:?}", v.problems);
    assert_eq!(v.label.as_deref(), Some(s.label.as_str()));
    let m = &v.chain[0];
    let all = m.actions.join("\n");
    assert!(
        all.contains("c2pa.created") && all.contains("trainedAlgorithmicMedia"),
        "{all}"
    );
    assert!(all.contains("gemini-3-pro-image-preview-11-2025"), "{all}");
    assert!(all.contains("c2pa.edited: extended to 16:9"), "{all}");
    assert!(m.generator.starts_with("darkroom"), "{}", m.generator);
    assert!(
        m.signed_by.contains("darkroom local signer"),
        "{}",
        m.signed_by
    );
    assert_eq!(m.ingredients[0].1, "inputTo");
    // Only the untrusted signer is reported: the manifest itself is intact.
    assert!(
        v.problems
            .iter()
            .all(|p| p.code == "signingCredential.untrusted"),
        "{:?}",
        v.problems
    );
}

#[test]
fn one_changed_pixel_byte_makes_it_invalid() {
    let id = Identity::local(&scratch("tamper")).unwrap();
    let story = generated("x.png", "sketch");
    let s = sign(&id, Format::Png, &png(), &story).unwrap();
    let mut b = s.bytes.clone();
    // The last byte of the IDAT data (before its CRC) is pixel data.
    let idat = b.windows(4).rposition(|w| w == b"IDAT").unwrap();
    let len = u32::from_be_bytes(b[idat - 4..idat].try_into().unwrap()) as usize;
    b[idat + 4 + len - 1] ^= 0x01;
    let v = verify(&b, None).unwrap();
    assert_eq!(v.state, State::Invalid);
    assert!(
        v.problems
            .iter()
            .any(|p| p.code.contains("dataHash.mismatch")),
        "{:?}",
        v.problems
    );
}

#[test]
fn a_jpeg_validates_and_breaks_when_changed() {
    let id = Identity::local(&scratch("jpeg")).unwrap();
    let story = Story {
        title: "x.jpg".into(),
        created: Some(Source::Generated),
        steps: vec![
            made("sketch"),
            Step::local(StepKind::Converted, "encoded as JPEG, quality 90"),
        ],
        parts: vec![],
    };
    let s = sign(&id, Format::Jpeg, &jpeg(), &story).unwrap();
    assert_eq!(verify(&s.bytes, None).unwrap().state, State::Valid);
    let mut b = s.bytes.clone();
    let n = b.len();
    b[n - 10] ^= 0x20; // entropy-coded data, before EOI
    assert_eq!(verify(&b, None).unwrap().state, State::Invalid);
}

#[test]
fn a_vendors_manifest_is_kept_as_the_parent_ingredient() {
    // A vendor signs its image with its own identity, as OpenAI or Google do.
    let vendor = Identity::local(&scratch("vendor")).unwrap();
    let from_vendor = sign(
        &vendor,
        Format::Png,
        &png(),
        &generated("vendor.png", "openai"),
    )
    .unwrap();
    // darkroom extends and grades it.
    let id = Identity::local(&scratch("editor")).unwrap();
    let edited = sign(
        &id,
        Format::Png,
        &png(),
        &Story {
            title: "vendor-16x9.png".into(),
            created: None,
            steps: vec![
                Step {
                    generative: true,
                    ..Step::local(StepKind::Extended, "extended to 16:9")
                },
                Step::local(StepKind::Graded, "graded toward the brand, strength 0.5"),
            ],
            parts: vec![Part {
                title: "vendor.png".into(),
                role: Role::Parent,
                bytes: &from_vendor.bytes,
            }],
        },
    )
    .unwrap();
    let v = verify(&edited.bytes, None).unwrap();
    assert_eq!(v.state, State::Valid, "{:?}", v.problems);
    assert_eq!(v.chain.len(), 2, "{:#?}", v.chain);
    assert_eq!(
        v.chain[0].ingredients[0].2.as_deref(),
        Some(from_vendor.label.as_str())
    );
    assert!(
        v.chain[0].actions[0].starts_with("c2pa.opened"),
        "{:?}",
        v.chain[0].actions
    );
    assert!(v.chain[0]
        .actions
        .iter()
        .any(|a| a.contains("compositeWithTrainedAlgorithmicMedia")));
    assert!(
        v.chain[1].actions[0].contains("openai"),
        "{:?}",
        v.chain[1].actions
    );
    let words = v.words().join("\n");
    assert!(
        words.contains("ingredient's manifest") && words.contains("c2pa.color_adjustments"),
        "{words}"
    );
}

#[test]
fn a_file_without_a_manifest_is_absent_not_invalid() {
    assert_eq!(verify(&png(), None).unwrap().state, State::Absent);
}

#[test]
fn a_signer_under_a_given_trust_anchor_is_trusted() {
    let d = scratch("trusted");
    let id = Identity::local(&d).unwrap();
    let story = generated("x.png", "sketch");
    let s = sign(&id, Format::Png, &png(), &story).unwrap();
    let ca = std::fs::read_to_string(d.join(".darkroom/identity/ca.pem")).unwrap();
    let v = verify(&s.bytes, Some(&ca)).unwrap();
    assert_eq!(v.state, State::Trusted, "{:?}", v.problems);
}

#[test]
fn the_same_story_signs_to_the_same_label_and_the_same_bytes_but_the_manifest() {
    // Deliverables are deterministic: the same campaign and seed give the same label, and the
    // same bytes outside the manifest. Inside it, c2pa salts each assertion's hash with random
    // bytes (a privacy measure of the C2PA spec it gives no way to turn off).
    let id = Identity::local(&scratch("same")).unwrap();
    let story = generated("x.png", "sketch");
    let a = sign(&id, Format::Png, &png(), &story).unwrap();
    let b = sign(&id, Format::Png, &png(), &story).unwrap();
    assert_eq!(a.label, b.label);
    assert!(
        a.bytes != b.bytes,
        "salted: if this holds, c2pa signs deterministically now"
    );
    assert!(without_manifest(&a.bytes) == without_manifest(&b.bytes));
    assert!(
        without_manifest(&a.bytes) == png(),
        "nothing else was touched"
    );
}

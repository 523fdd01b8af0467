//! Integration tests for darkroom-judges, one module per topic.

// The layout judge's accuracy against injected mutations, at both tiers.
mod accuracy;
// The layout judge on an image made outside the renderer.
mod photo;
// The layout judge on real photographs: abstain rather than reject what is true.
mod photographs;
// The vision judge's prompt and its strict parsing of recorded answers.
mod vision;
// Brand, quality and novelty judges.
mod others;
// Relations of a white stand-in on sketch renders.
mod stand_ins;
// The text judge reads sketch signs and typeset text (needs Tesseract).
mod text;

/// The layout judge's verdict and evidence on the first checklist assertion of `kind` that
/// `asked` makes, for an image.
pub fn verdict_of(
    w: u32,
    h: u32,
    rgb: &[u8],
    asked: &str,
    kind: darkroom_prompt::AssertionKind,
) -> (darkroom_judges::Verdict, String) {
    use darkroom_judges::Judge;
    let scene = darkroom_prompt::parse(asked).unwrap();
    let j = darkroom_judges::layout::LayoutJudge.judge(
        darkroom_judges::ImageRef {
            width: w,
            height: h,
            rgb,
        },
        &scene,
    );
    let a = scene
        .checklist
        .iter()
        .find(|a| a.kind == kind)
        .unwrap_or_else(|| panic!("{asked:?} has no {kind:?} assertion"));
    let f = j
        .findings
        .iter()
        .find(|f| f.assertion == Some(a.id))
        .unwrap();
    (f.verdict, f.evidence.clone())
}

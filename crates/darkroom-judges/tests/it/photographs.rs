//! The layout judge on real photographs (`tests/photos/`, from Debian's mate-backgrounds): a
//! true colour claim about a small, thin or out-of-focus object — a ladybird on a stem,
//! forget-me-nots in the bokeh, dandelion seeds — is never answered "no" (the judge abstains
//! when the colour is in the image but not as a region it can name), and a false one still is
//! when nothing in the image has that colour. (Where the colour is elsewhere in the picture — an
//! orange ladybird beside "an orange flower" — the judge cannot tell whose it is and abstains.)

use darkroom_judges::layout::LayoutJudge;
use darkroom_judges::{ImageRef, Judge, Verdict};

fn verdicts(file: &str, prompt: &str) -> Vec<(String, Verdict, String)> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/photos")
        .join(file);
    let img = darkroom_imageops::read_png(&path, 1 << 22).unwrap();
    let scene = darkroom_prompt::parse(prompt).unwrap();
    let j = LayoutJudge.judge(
        ImageRef {
            width: img.width,
            height: img.height,
            rgb: &img.rgb,
        },
        &scene,
    );
    j.findings
        .iter()
        .filter_map(|f| {
            let a = scene.checklist.get(f.assertion?)?;
            Some((a.question.clone(), f.verdict, f.evidence.clone()))
        })
        .collect()
}

/// Asserts the judge answers `question` of `prompt` on `file` with "no".
fn assert_no(file: &str, prompt: &str, question: &str) {
    let v = verdicts(file, prompt);
    let (_, verdict, ev) = v
        .iter()
        .find(|x| x.0 == question)
        .unwrap_or_else(|| panic!("{question} in {v:?}"));
    assert_eq!(*verdict, Verdict::No, "{file}: {prompt:?}: {ev}");
}

#[test]
fn a_true_colour_claim_on_a_photograph_is_never_a_no() {
    for (file, prompt) in [
        ("ladybird.png", "a red ladybug on a green stem"),
        ("ladybird.png", "blue flowers"),
        ("twowings.png", "two white dandelion seeds"),
        ("yellowflower.png", "a yellow flower"),
        ("garden.png", "a red flower"),
    ] {
        for (q, v, ev) in verdicts(file, prompt) {
            assert_ne!(v, Verdict::No, "{file}: {prompt:?}: {q} — {ev}");
        }
    }
}

#[test]
fn a_false_colour_claim_on_a_photograph_is_still_a_no() {
    for (file, prompt, question) in [
        ("yellowflower.png", "a blue flower", "Is the flower blue?"),
        ("garden.png", "a purple flower", "Is the flower purple?"),
        ("garden.png", "a blue flower", "Is the flower blue?"),
        ("garden.png", "a white flower", "Is the flower white?"),
        ("twowings.png", "a purple flower", "Is the flower purple?"),
    ] {
        assert_no(file, prompt, question);
    }
}

/// Photographs under strongly tinted light (`tests/photos/README.md`: blue hour, dusk, a sunset,
/// a toned pier, a storm), labelled by hand with the rule written there: each claim below is true
/// of the scene in neutral light (fog-grey water, white clouds, a grey road with white lines,
/// grey pebbles). The pixels carry the light's colour, so the judge may not say "no".
#[test]
fn a_true_achromatic_claim_under_tinted_light_is_never_a_no() {
    for (file, prompt) in [
        ("bluehour.png", "a grey lake"),
        ("dusk.png", "a grey lake"),
        ("eveningglow.png", "grey pebbles under white clouds"),
        ("bythewater.png", "white clouds above a lake"),
        (
            "storm.png",
            "a grey road with white lines under grey clouds",
        ),
    ] {
        let v = verdicts(file, prompt);
        assert!(
            v.iter()
                .any(|(q, _, _)| q.contains("grey") || q.contains("white")),
            "{file}: {prompt:?} makes a colour claim: {v:?}"
        );
        for (q, verdict, ev) in v {
            assert_ne!(verdict, Verdict::No, "{file}: {prompt:?}: {q} — {ev}");
        }
    }
}

/// Tinted light masks only the colours it could have made: a saturated claim far from the
/// light's hue is still answered "no" when nothing in the picture has it.
#[test]
fn a_false_colour_claim_far_from_the_lights_hue_is_still_a_no() {
    for (file, prompt, question) in [
        ("bluehour.png", "a red lake", "Is the lake red?"),
        ("storm.png", "a red road", "Is the road red?"),
        ("dusk.png", "a green lake", "Is the lake green?"),
    ] {
        assert_no(file, prompt, question);
    }
}

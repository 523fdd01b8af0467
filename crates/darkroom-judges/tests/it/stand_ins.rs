//! Relations between a white stand-in and another object on `sketch` renders: the stand-ins'
//! labels are bare text with a halo, not light plates, so a white object's region is the
//! object's own and its relations are judged on it (issue 14, item 6).

use darkroom_core::Quality;
use darkroom_judges::Verdict;

/// Renders `drawn` and asks the checklist of `asked` of it: the relation's verdict and evidence.
fn relation(drawn: &str, asked: &str, seed: u64, quality: Quality) -> (Verdict, String) {
    let img = darkroom_sketch::render_prompt(
        drawn,
        &darkroom_sketch::Options {
            width: 384,
            height: 384,
            seed,
            quality,
        },
    )
    .unwrap();
    crate::verdict_of(
        img.width,
        img.height,
        &img.rgb,
        asked,
        darkroom_prompt::AssertionKind::Relation,
    )
}

#[test]
fn a_white_stand_in_s_relations_are_judged_on_the_object() {
    let pairs = [
        (
            "a white cat to the left of a black dog",
            "a black dog to the left of a white cat",
        ),
        (
            "a white cube to the left of a red sphere",
            "a red sphere to the left of a white cube",
        ),
        (
            "a blue vase to the left of a white cup",
            "a white cup to the left of a blue vase",
        ),
        (
            "a white box above a green ball",
            "a green ball above a white box",
        ),
    ];
    let mut decided = 0;
    for (drawn, reversed) in pairs {
        for seed in [1, 2, 3] {
            for q in [Quality::Draft, Quality::Finish] {
                let (v, ev) = relation(drawn, drawn, seed, q);
                assert_ne!(v, Verdict::No, "{drawn:?} seed {seed} {q:?}: {ev}");
                let (r, ev) = relation(drawn, reversed, seed, q);
                assert_ne!(
                    r,
                    Verdict::Yes,
                    "{drawn:?} asked {reversed:?} seed {seed} {q:?}: {ev}"
                );
                decided += usize::from(v == Verdict::Yes) + usize::from(r == Verdict::No);
            }
        }
    }
    // Decided, not merely never wrong: the white object is found and placed.
    assert!(decided >= 44, "{decided} of 48 decided");
}

//! The layout judge against mutations injected at a known rate, rendered with `sketch`.
//! (`darkroom audit judges --n 500` is the full measurement; this is a smaller run that must
//! meet the same bars.)

use darkroom_core::Quality;
use darkroom_judges::accuracy::{generate, run};

#[test]
fn precision_and_recall_meet_the_bar_at_both_tiers() {
    // 200 prompts keep one mistake from swinging a category by several points; the measurement
    // of record is `darkroom audit judges --n 500` (figures in the README).
    let cases = generate(200, 3, 0.5);
    let render = |s: &darkroom_prompt::Scene, seed: u64, q: Quality| {
        let img = darkroom_sketch::render(
            s,
            &darkroom_sketch::Options {
                width: 384,
                height: 384,
                seed,
                quality: q,
            },
        )
        .unwrap();
        (img.width, img.height, img.rgb)
    };
    for q in [Quality::Draft, Quality::Finish] {
        let r = run(&cases, q, &render);
        for s in &r.categories {
            assert!(
                s.violated > 5,
                "{q} {}: the run must contain violations to find",
                s.category
            );
            assert!(
                s.precision() >= 0.97,
                "{q} {}: precision {:.3}\n{:#?}",
                s.category,
                s.precision(),
                r.mistakes
            );
            assert!(
                s.recall() >= 0.95,
                "{q} {}: recall {:.3}\n{:#?}",
                s.category,
                s.recall(),
                r.mistakes
            );
            assert!(
                s.undecided_rate() < 0.2,
                "{q} {}: undecided {:.3}",
                s.category,
                s.undecided_rate()
            );
        }
        assert!(
            r.clean_adherence >= 0.95,
            "{q}: un-mutated adherence {:.3}",
            r.clean_adherence
        );
    }
}

#[test]
fn generated_prompts_cover_every_family_and_mutations_are_recorded() {
    let cases = generate(40, 1, 0.5);
    for fam in ["colors", "color_attr", "counting", "position"] {
        assert!(cases.iter().any(|(c, _)| c.family == fam), "{fam}");
    }
    let mutated = cases.iter().filter(|(c, _)| c.mutation.is_some()).count();
    assert!(
        (10..=30).contains(&mutated),
        "about half are mutated: {mutated}"
    );
    assert_eq!(
        generate(40, 1, 0.5)
            .iter()
            .map(|c| c.0.prompt.clone())
            .collect::<Vec<_>>(),
        cases.iter().map(|c| c.0.prompt.clone()).collect::<Vec<_>>()
    );
}

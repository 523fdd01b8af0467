//! The `parse --json` contract, checklist questions and dependencies, errors, and robustness.

use darkroom_prompt::{parse, AssertionKind, Predicate, PromptError, MAX_PROMPT_CHARS};
use proptest::prelude::*;

#[test]
fn json_has_the_documented_shape() {
    let s = parse("a red sphere to the left of a blue cube").unwrap();
    let v: serde_json::Value = serde_json::to_value(&s).unwrap();
    assert_eq!(v["entities"][0]["id"], 0);
    assert_eq!(v["entities"][0]["noun"], "sphere");
    assert_eq!(v["entities"][0]["count"], 1);
    assert_eq!(v["entities"][0]["color"]["name"], "red");
    assert_eq!(v["entities"][0]["color"]["hex"], "#FF0000");
    assert!(v["entities"][0]["material"].is_null());
    assert_eq!(
        v["relations"][0],
        serde_json::json!({"subject":0,"predicate":"left_of","object":1})
    );
    assert!(v["camera"].is_null());
    assert_eq!(v["lighting"], serde_json::json!([]));
    assert_eq!(v["text"], serde_json::json!([]));
    assert_eq!(v["unparsed"], serde_json::json!([]));
    let c = &v["checklist"][0];
    assert_eq!(c["id"], 0);
    assert_eq!(c["kind"], "entity");
    assert!(c["question"].as_str().unwrap().ends_with('?'));
    assert_eq!(c["depends_on"], serde_json::json!([]));
    // `between` carries object2; an open count is null.
    let b =
        serde_json::to_value(parse("a sphere between a cube and a cone, a few apples").unwrap())
            .unwrap();
    assert_eq!(b["relations"][0]["object2"], 2);
    assert!(b["entities"][3]["count"].is_null());
    // The JSON reads back into the same scene.
    let back: darkroom_prompt::Scene = serde_json::from_value(v).unwrap();
    assert_eq!(back, s);
}

#[test]
fn checklist_is_atomic_with_dependencies() {
    let s = parse(
        "two red spheres on a glass table to the left of a blue cube, view from below, soft light from the left, a sign that says \"OPEN\"",
    )
    .unwrap();
    let q: Vec<(AssertionKind, &str, &[usize])> = s
        .checklist
        .iter()
        .map(|a| (a.kind, a.question.as_str(), a.depends_on.as_slice()))
        .collect();
    let expected: Vec<(AssertionKind, &str, &[usize])> = vec![
        (AssertionKind::Entity, "Are there spheres?", &[]),
        (AssertionKind::Count, "Are there exactly two spheres?", &[0]),
        (AssertionKind::Color, "Are the spheres red?", &[0]),
        (AssertionKind::Entity, "Is there a table?", &[]),
        (AssertionKind::Material, "Is the table made of glass?", &[3]),
        (AssertionKind::Entity, "Is there a cube?", &[]),
        (AssertionKind::Color, "Is the cube blue?", &[5]),
        (AssertionKind::Entity, "Is there a sign?", &[]),
        (
            AssertionKind::Relation,
            "Are the spheres on the table?",
            &[0, 3],
        ),
        (
            AssertionKind::Relation,
            "Are the spheres to the left of the cube?",
            &[0, 5],
        ),
        (
            AssertionKind::Camera,
            "Is the scene viewed from below, from a low angle?",
            &[],
        ),
        (
            AssertionKind::Lighting,
            "Is the lighting soft, with gentle shadows?",
            &[],
        ),
        (
            AssertionKind::Lighting,
            "Does the main light come from the left?",
            &[],
        ),
        (AssertionKind::Text, "Does the sign say \"OPEN\"?", &[7]),
    ];
    assert_eq!(q, expected);
    for (i, a) in s.checklist.iter().enumerate() {
        assert_eq!(a.id, i);
        assert!(
            a.depends_on.iter().all(|&d| d < i),
            "dependencies come first"
        );
    }
}

#[test]
fn same_noun_entities_are_told_apart_in_questions() {
    let s = parse("a red cube on a blue cube").unwrap();
    let rel = s
        .checklist
        .iter()
        .find(|a| a.kind == AssertionKind::Relation)
        .unwrap();
    assert_eq!(rel.question, "Is the red cube on the blue cube?");
    assert_eq!(s.relations[0].predicate, Predicate::On);
}

#[test]
fn negation_asks_for_absence() {
    let s = parse("a street without cars").unwrap();
    let a = s.checklist.iter().find(|a| a.entities == [1]).unwrap();
    assert_eq!(
        (a.kind, a.question.as_str()),
        (AssertionKind::Count, "Are there no cars?")
    );
}

#[test]
fn unknown_words_are_listed_in_order() {
    let s = parse("a glorbly red sphere frobnicating near a cube").unwrap();
    assert_eq!(s.unparsed, ["glorbly", "frobnicating"]);
    assert_eq!(s.entities[0].noun, "sphere");
    assert_eq!(s.relations.len(), 1);
}

#[test]
fn bad_prompts_are_errors() {
    assert_eq!(parse(""), Err(PromptError::Empty));
    assert_eq!(parse("  \n\t "), Err(PromptError::Empty));
    let long = "a red sphere ".repeat(MAX_PROMPT_CHARS / 13 + 1);
    assert!(matches!(parse(&long), Err(PromptError::TooLong { .. })));
    let at_limit: String = "a".repeat(MAX_PROMPT_CHARS);
    assert!(parse(&at_limit).is_ok());
}

#[test]
fn long_prompts_with_many_clauses() {
    let p = "a red sphere on a glass table to the left of a blue cube; two green cones behind the table, \
             a yellow torus above the cube. a tiny silver bottle next to the sphere, a sign that says \"SALE\" \
             on the right, wide shot, golden hour, photorealistic";
    let s = parse(p).unwrap();
    let nouns: Vec<&str> = s.entities.iter().map(|e| e.noun.as_str()).collect();
    assert_eq!(
        nouns,
        ["sphere", "table", "cube", "cone", "torus", "bottle", "sign"]
    );
    assert!(s.unparsed.is_empty(), "{:?}", s.unparsed);
    assert_eq!(s.relations.len(), 5, "{:?}", s.relations);
    assert_eq!(
        s.entities[6].position,
        Some(darkroom_prompt::Position::Right)
    );
}

proptest! {
    // Random inputs where a developer runs it (to find what is not yet found); one fixed
    // sequence under CI, so a red CI always means a change broke something, never a new draw.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        rng_seed: if std::env::var_os("CI").is_some() {
            proptest::test_runner::RngSeed::Fixed(0x5eed_da7c)
        } else {
            proptest::test_runner::RngSeed::Random
        },
        ..ProptestConfig::default()
    })]

    /// Any string parses without panicking, and a scene's references stay in range.
    #[test]
    fn any_string_parses(s in "\\PC{0,400}") {
        if let Ok(scene) = parse(&s) {
            let n = scene.entities.len();
            for r in &scene.relations {
                prop_assert!(r.subject < n && r.object < n && r.object2.is_none_or(|o| o < n));
            }
            for a in &scene.checklist {
                prop_assert!(a.depends_on.iter().all(|&d| d < a.id));
            }
        }
    }

    /// Prompt-like word soup exercises the grammar's state machine harder than random text.
    #[test]
    fn word_soup_parses(words in proptest::collection::vec(proptest::sample::select(vec![
        "a", "the", "two", "red", "light", "blue", "glass", "sphere", "cube", "on", "left", "of", "to", "and",
        "between", "that", "is", "says", "\"OPEN\"", ",", "it", "with", "in", "front", "behind", "view", "from",
        "below", "soft", "light", "#0047AB", "of", "teddy", "bears", "no", "without", "a few", "the",
    ]), 0..60)) {
        let p = words.join(" ");
        let _ = parse(&p);
    }
}

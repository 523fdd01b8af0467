//! `darkroom parse`: a prompt as a scene and its checklist.

use super::*;

#[test]
fn parse_prints_scene_and_checklist() {
    let (code, out) = run(
        &[
            "parse",
            "a red sphere on a glass table to the left of a blue cube, cinematic lighting",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn parse_json() {
    let (code, out) = run(
        &[
            "parse",
            "--json",
            "a dog right of a teddy bear, a sign that says \"OPEN\"",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

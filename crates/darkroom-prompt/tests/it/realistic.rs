//! Entity precision and recall on prompts as people write them (`tests/data/realistic.tsv`:
//! captions of everyday scenes, product briefs, art prompts with style tags). An entity the
//! parser finds that is not an object to look for ("see", "photo", "artstation", "side") is a
//! question the judges will fail images for; one it misses goes unchecked.
//!
//! Matching is by noun: a plural matches its singular, and a compound matches its head noun
//! either way ("kitchen counter" is a counter, "toothbrush" names an electric toothbrush) —
//! what is measured is whether the parser's entities are objects, not how much of a compound
//! it kept. A place or backdrop the table marks `@`, and a container's contents marked `~`,
//! count neither way. Counted over distinct nouns per prompt.

use std::collections::BTreeSet;

/// `(prompt, expected objects, places)` from the table.
fn table() -> Vec<(String, BTreeSet<String>, BTreeSet<String>)> {
    let text = include_str!("../data/realistic.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (prompt, want) = l.split_once('\t').expect("prompt<TAB>entities");
            let (mut objects, mut places) = (BTreeSet::new(), BTreeSet::new());
            for w in want.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                match w.strip_prefix('@').or(w.strip_prefix('~')) {
                    Some(p) => places.insert(p.to_string()),
                    None => objects.insert(w.to_string()),
                };
            }
            (prompt.to_string(), objects, places)
        })
        .collect()
}

/// The same noun: equal, the same singular, or one the head (last word) of the other.
pub(crate) fn same(a: &str, b: &str) -> bool {
    let head = |x: &str| darkroom_prompt::singular(x.rsplit(' ').next().unwrap_or(x));
    a == b
        || darkroom_prompt::singular(a) == darkroom_prompt::singular(b)
        || ((a.contains(' ') || b.contains(' ')) && head(a) == head(b))
}

#[test]
fn entity_precision_and_recall_on_realistic_prompts_are_at_least_090() {
    let rows = table();
    assert!(rows.len() >= 200, "{} prompts", rows.len());
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    // The same counts with compounds matched exactly (no head-noun leniency), for the record.
    let (mut stp, mut sfp, mut sfn) = (0usize, 0usize, 0usize);
    let exact =
        |a: &str, b: &str| a == b || darkroom_prompt::singular(a) == darkroom_prompt::singular(b);
    let mut wrong = Vec::new();
    for (prompt, objects, places) in &rows {
        let scene = darkroom_prompt::parse(prompt).expect("parses");
        let found: BTreeSet<String> = scene.entities.iter().map(|e| e.noun.clone()).collect();
        let extra: Vec<&String> = found
            .iter()
            .filter(|f| !objects.iter().any(|o| same(f, o)) && !places.iter().any(|p| same(f, p)))
            .collect();
        let missed: Vec<&String> = objects
            .iter()
            .filter(|o| !found.iter().any(|f| same(f, o)))
            .collect();
        stp += objects
            .iter()
            .filter(|o| found.iter().any(|f| exact(f, o)))
            .count();
        sfn += objects
            .iter()
            .filter(|o| !found.iter().any(|f| exact(f, o)))
            .count();
        sfp += found
            .iter()
            .filter(|f| !objects.iter().any(|o| exact(f, o)) && !places.iter().any(|p| same(f, p)))
            .count();
        tp += objects.len() - missed.len();
        fp += extra.len();
        fn_ += missed.len();
        if !extra.is_empty() || !missed.is_empty() {
            wrong.push(format!("{prompt:?}: extra {extra:?}, missed {missed:?}"));
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let report = format!(
        "entity precision {precision:.3}, recall {recall:.3} on {} prompts ({tp} found, {fp} not objects, {fn_} missed); with compounds matched exactly: precision {:.3}, recall {:.3}",
        rows.len(),
        stp as f64 / (stp + sfp).max(1) as f64,
        stp as f64 / (stp + sfn).max(1) as f64,
    );
    eprintln!("{report}");
    for w in &wrong {
        eprintln!("  {w}");
    }
    let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/parser-realistic.txt");
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&out, format!("{report}\n{}\n", wrong.join("\n")));
    assert!(precision >= 0.9 && recall >= 0.9, "{report}");
}

//! GenEval's 553 specs (`tests/data/geneval/`): each prompt parsed exactly — the objects it
//! includes and nothing else, each with its count and colour, and the position as a relation
//! from the right subject to the right object.

use darkroom_prompt::{EntityKind, Predicate};

fn exact(spec: &serde_json::Value) -> Result<(), String> {
    let prompt = spec["prompt"].as_str().unwrap_or_default();
    let scene = darkroom_prompt::parse(prompt).map_err(|e| e.to_string())?;
    let things: Vec<_> = scene
        .entities
        .iter()
        .filter(|e| e.kind != EntityKind::Setting)
        .collect();
    let include = spec["include"].as_array().cloned().unwrap_or_default();
    if things.len() != include.len() {
        let got: Vec<&str> = things.iter().map(|e| e.noun.as_str()).collect();
        return Err(format!("{prompt}: entities {got:?}"));
    }
    let mut ids = Vec::new();
    for inc in &include {
        let class = inc["class"].as_str().unwrap_or_default();
        let e = things
            .iter()
            .find(|e| {
                e.noun == class
                    || darkroom_prompt::singular(&e.noun) == darkroom_prompt::singular(class)
            })
            .ok_or_else(|| format!("{prompt}: no {class}"))?;
        if e.count != inc["count"].as_u64().map(|c| c as u32) {
            return Err(format!("{prompt}: {class} count {:?}", e.count));
        }
        if let Some(c) = inc["color"].as_str() {
            if e.color.as_ref().map(|x| x.name.as_str()) != Some(c) {
                return Err(format!("{prompt}: {class} colour {:?}", e.color));
            }
        }
        ids.push(e.id);
    }
    if let Some(p) = include.iter().position(|i| i["position"].is_array()) {
        let want = match include[p]["position"][0].as_str().unwrap_or_default() {
            "left of" => Predicate::LeftOf,
            "right of" => Predicate::RightOf,
            "above" => Predicate::Above,
            _ => Predicate::Below,
        };
        let object = ids[include[p]["position"][1].as_u64().unwrap_or(0) as usize];
        let ok = scene
            .relations
            .iter()
            .any(|r| r.subject == ids[p] && r.object == object && r.predicate == want);
        if !ok {
            return Err(format!("{prompt}: relations {:?}", scene.relations));
        }
    }
    Ok(())
}

#[test]
fn geneval_specs_are_parsed_exactly() {
    let specs: Vec<serde_json::Value> = include_str!("../data/geneval/evaluation_metadata.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(specs.len(), 553);
    let wrong: Vec<String> = specs.iter().filter_map(|s| exact(s).err()).collect();
    let share = 1.0 - wrong.len() as f64 / specs.len() as f64;
    let report = format!(
        "GenEval: {} of {} specs parsed exactly ({:.1} %)\n{}",
        specs.len() - wrong.len(),
        specs.len(),
        100.0 * share,
        wrong.join("\n")
    );
    eprintln!("{report}");
    let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/parser-geneval.txt");
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&out, &report);
    assert!(share >= 0.98, "{report}");
}

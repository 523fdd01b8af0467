//! The provider seam: a provider is made and pinged here (`build`), so the engine and the
//! binary never name a provider's variant. Adding one touches this crate, its catalogue entry
//! in `darkroom-core` and the campaign schema; this test fails when code above this crate
//! starts building, matching or pinging providers by variant again.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_engine_and_the_binary_never_name_a_provider_variant() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for c in [
        "darkroom-engine",
        "darkroom-cli",
        "darkroom-review",
        "darkroom-recipe",
    ] {
        sources(&crates.join(c).join("src"), &mut files);
    }
    assert!(files.len() > 20, "found {} files", files.len());
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // A variant of the provider enum, or a provider type of one family.
            let named = code.contains("AnyProvider::")
                || [
                    "gemini::Gemini",
                    "openai::OpenAi",
                    "stability::Stability",
                    "a1111::A1111",
                    "comfyui::ComfyUi",
                    "sim::Sim::new",
                    "sketch::Sketch::new",
                ]
                .iter()
                .any(|t| code.contains(t));
            if named {
                found.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "provider variants named above darkroom-providers (make them in build.rs):\n{}",
        found.join("\n")
    );
}

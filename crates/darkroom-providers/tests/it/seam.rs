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

/// The `[dependencies]` of a workspace crate that are darkroom crates.
fn darkroom_deps(crates: &Path, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(crates.join(name).join("Cargo.toml")).unwrap();
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside && line.starts_with("darkroom-") {
            out.push(line.split(['.', ' ', '=']).next().unwrap_or("").to_string());
        }
    }
    out
}

#[test]
fn pure_crates_never_depend_on_crates_that_do_io() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // No file, process, network or database: the campaign's parse and validation, the prompt's
    // grammar, colour science, the renderer and typesetting.
    let pure = [
        "darkroom-core",
        "darkroom-color",
        "darkroom-prompt",
        "darkroom-campaign",
        "darkroom-sketch",
        "darkroom-typeset",
    ];
    let io = [
        "darkroom-ledger",
        "darkroom-providers",
        "darkroom-engine",
        "darkroom-readout",
        "darkroom-review",
        "darkroom-recipe",
        "darkroom-ocr",
        "darkroom-provenance",
        "darkroom-fakes",
    ];
    // The reading itself works: the campaign crate's own darkroom dependencies are found.
    assert_eq!(
        darkroom_deps(&crates, "darkroom-campaign"),
        ["darkroom-core", "darkroom-color", "darkroom-prompt"]
    );
    for p in pure {
        let deps = darkroom_deps(&crates, p);
        let wrong: Vec<&String> = deps.iter().filter(|d| io.contains(&d.as_str())).collect();
        assert!(wrong.is_empty(), "{p} depends on {wrong:?}");
        // Dependencies point down: a pure crate depends only on pure crates.
        assert!(
            deps.iter().all(|d| pure.contains(&d.as_str())),
            "{p}: {deps:?}"
        );
    }
    // The read side and the providers sit below the engine, never above it.
    for c in ["darkroom-readout", "darkroom-providers", "darkroom-ledger"] {
        assert!(
            !darkroom_deps(&crates, c).contains(&"darkroom-engine".to_string()),
            "{c} depends on the engine"
        );
    }
}

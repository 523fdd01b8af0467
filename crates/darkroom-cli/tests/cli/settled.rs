//! A rerun does work in proportion to what changed (issue 33 item 1): a shot whose inputs and
//! files are as they were left is not judged, signed or written again — its files stay
//! byte-identical, though every signing salts the manifest with fresh random bytes — while a
//! changed prompt, a deleted or edited file, or a person's decision takes exactly that shot
//! through the funnel again.

use std::collections::BTreeMap;

use super::*;

const CAMPAIGN: &str = "[campaign]\nname = \"settled\"\noutput = \"out\"\n\
[providers.local]\nkind = \"sketch\"\n\
[tiers.draft]\nprovider = \"local\"\nsize = \"96\"\nvariants = 2\n\
[tiers.finish]\nprovider = \"local\"\nsize = \"128\"\n\
[gates]\nadherence = 0.0\n\
[deliver]\nformats = [\"png\", \"jpeg\"]\n";

fn shots(second: &str) -> String {
    format!(
        "{CAMPAIGN}\
[[shots]]\nid = \"one\"\nprompt = \"a red kite above a green field\"\ndeliver = [\"1:1\", \"16:9\"]\n\
[[shots]]\nid = \"two\"\nprompt = \"{second}\"\ndeliver = [\"1:1\", \"16:9\"]\n\
[[shots]]\nid = \"three\"\nprompt = \"a yellow lamp on a wooden desk\"\ndeliver = [\"1:1\", \"16:9\"]\n"
    )
}

/// The delivered images by file name.
fn delivered(d: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(&d.join("out/deliverables"), &["png", "jpg"])
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// The files of `shot` that differ between two listings.
fn changed(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut out: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
    out.sort();
    out.dedup();
    out
}

fn shots_of(files: &[String]) -> Vec<String> {
    let mut s: Vec<String> = files
        .iter()
        .map(|f| f.split('-').next().unwrap().to_string())
        .collect();
    s.dedup();
    s
}

#[test]
fn a_rerun_leaves_unchanged_shots_alone_and_redoes_exactly_what_changed() {
    let d = scratch("settled");
    std::fs::write(d.join("c.toml"), shots("a blue cup on a white table")).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("unchanged since"), "{err}");
    let first = delivered(&d);
    assert_eq!(first.len(), 12, "3 shots × 2 aspects × png and jpeg");

    // Nothing changed: nothing is judged, signed or written.
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("3 shot(s) unchanged since their files were written"),
        "{err}"
    );
    assert!(!err.contains("draft round"), "nothing drafted: {err}");
    let second = delivered(&d);
    assert_eq!(
        changed(&first, &second),
        Vec::<String>::new(),
        "no file rewritten (a re-signing would change every manifest's salt)"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("out/deliverables/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["deliverables"].as_array().unwrap().len(), 12);

    // One prompt changed: that shot alone is done again.
    std::fs::write(d.join("c.toml"), shots("a green cup on a white table")).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 shot(s) unchanged"), "{err}");
    let third = delivered(&d);
    assert_eq!(shots_of(&changed(&second, &third)), ["two"]);

    // A deleted file and an edited one: their shots are delivered again, the third is not.
    std::fs::remove_file(d.join("out/deliverables/one/one-1-128x128.png")).unwrap();
    let three = d.join("out/deliverables/three/three-1-128x72.jpg");
    let mut b = std::fs::read(&three).unwrap();
    b.push(0);
    std::fs::write(&three, &b).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 shot(s) unchanged"), "{err}");
    let fourth = delivered(&d);
    assert_eq!(fourth.len(), 12);
    let redone = shots_of(&changed(&third, &fourth));
    assert_eq!(redone, ["one", "three"], "{redone:?}");
    assert!(
        changed(&third, &fourth)
            .iter()
            .all(|f| !f.starts_with("two-")),
        "shot two untouched"
    );

    // A person's decision about a shot's final: that shot is looked at again.
    let side: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("out/deliverables/two/two-1-128x128.json")).unwrap(),
    )
    .unwrap();
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    l.record_human(&darkroom_ledger::HumanDecision {
        attempt: side["attempt"].as_str().unwrap().to_string(),
        action: darkroom_ledger::HumanAction::Rate,
        reason: None,
        note: None,
        rating: Some(4),
        assertion: None,
        who: "tester".into(),
    })
    .unwrap();
    drop(l);
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 shot(s) unchanged"), "{err}");
    // And then it is settled again.
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("3 shot(s) unchanged"), "{err}");
}

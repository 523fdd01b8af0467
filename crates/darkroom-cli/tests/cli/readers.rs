//! The readers image sites and tools are built on take darkroom's deliverables (issue 30
//! item 4): sd-parsers (PyPI, installed by `.ci/run`) and a port of Civitai's reader
//! (`src/utils/metadata/automatic.metadata.ts` in civitai/civitai) read the prompt, steps,
//! sampler, seed, size and model from a PNG's `parameters` text and from a JPEG's EXIF
//! UserComment — for a provider with steps (AUTOMATIC1111/Forge) and for one without (the
//! offline renderer, whose unknown settings say `n/a`).

use super::*;

/// What a reader makes of a generation text: prompt, negative prompt, `key: value` pairs.
type Read = (String, String, Vec<(String, String)>);

/// Civitai's reader, ported: the generation text is the PNG's `parameters` or the JPEG's
/// UserComment decoded as big-endian UTF-16; a file is A1111's only when the text contains
/// `Steps: `; the details line is the one that starts with `Steps: `, read as `key: value`
/// pairs split on commas outside double quotes; the rest, split at `Negative prompt:`, is the
/// prompt and the negative prompt. Returns `None` where Civitai's `canParse` says no.
fn civitai(text: &str) -> Option<Read> {
    if !text.contains("Steps: ") {
        return None;
    }
    let mut lines: Vec<&str> = text.split('\n').filter(|l| !l.trim().is_empty()).collect();
    let at = lines.iter().position(|l| l.starts_with("Steps: "))?;
    let details = lines.remove(at);
    let mut pairs = Vec::new();
    let (mut key, mut value, mut quoted) = (String::new(), String::new(), false);
    for c in details.chars() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted && key.is_empty() => {
                key = value.trim().to_string();
                value.clear();
            }
            ',' if !quoted => {
                if !key.is_empty() {
                    pairs.push((std::mem::take(&mut key), value.trim().to_string()));
                }
                value.clear();
            }
            _ => value.push(c),
        }
    }
    if !key.is_empty() {
        pairs.push((key, value.trim().to_string()));
    }
    let rest = lines.join("\n");
    let mut parts = rest.split("Negative prompt:").map(str::trim);
    let prompt = parts.next().unwrap_or("").to_string();
    let negative = parts.collect::<Vec<_>>().join(" ").trim().to_string();
    Some((prompt, negative, pairs))
}

/// A JPEG's EXIF UserComment as text: the 8-byte character code (`UNICODE\0`), then
/// big-endian UTF-16, as A1111 writes it and Civitai decodes it.
fn user_comment(jpeg: &[u8]) -> Option<String> {
    let at = jpeg.windows(8).position(|w| w == b"UNICODE\0")? + 8;
    // The comment runs to the end of its APP1 segment: find that segment's length.
    let app1 = jpeg
        .windows(4)
        .position(|w| w[..2] == [0xFF, 0xE1] && w[2..] != [0, 0])?;
    let end = app1 + 2 + usize::from(u16::from_be_bytes([jpeg[app1 + 2], jpeg[app1 + 3]]));
    let units: Vec<u16> = jpeg[at..end]
        .chunks_exact(2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// sd-parsers on each file: generator, prompt, sampler name and parameters, model.
const SD_PARSERS: &str = r#"
import json, sys
from sd_parsers import ParserManager
pm = ParserManager()
out = []
for path in sys.argv[1:]:
    info = pm.parse(path)
    if info is None:
        out.append(None)
        continue
    s = info.samplers[0]
    out.append({"generator": str(info.generator.value), "prompt": info.full_prompt,
                "sampler": s.name, "parameters": {k: str(v) for k, v in s.parameters.items()},
                "model": s.model.name if s.model else None})
print(json.dumps(out))
"#;

fn read_both(d: &Path, stem: &str) -> (String, String) {
    let png = std::fs::read(d.join(format!("{stem}.png"))).unwrap();
    let text = darkroom_imageops::png_text(&png)
        .into_iter()
        .find(|(k, _)| k == "parameters")
        .map(|(_, v)| v)
        .expect("a parameters text in the PNG");
    let jpeg = std::fs::read(d.join(format!("{stem}.jpg"))).unwrap();
    let comment = user_comment(&jpeg).expect("a UserComment in the JPEG");
    (text, comment)
}

fn check_readers(dir: &Path, stem: &str, want: &[(&str, &str)], prompt: &str) {
    let (png_text, jpeg_text) = read_both(dir, stem);
    assert_eq!(png_text, jpeg_text, "the same text in both formats");
    let (p, n, pairs) = civitai(&png_text).unwrap_or_else(|| panic!("Civitai: {png_text}"));
    assert_eq!((p.as_str(), n.as_str()), (prompt, ""), "{png_text}");
    for (k, v) in want {
        let got = pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str());
        assert_eq!(got, Some(*v), "Civitai's {k}: {png_text}");
    }
    let Some(py) = reference_python() else {
        return;
    };
    let files = [
        dir.join(format!("{stem}.png")).display().to_string(),
        dir.join(format!("{stem}.jpg")).display().to_string(),
    ];
    let r = python_json(&py, SD_PARSERS, &[&files[0], &files[1]]);
    for (f, got) in files.iter().zip(r.as_array().unwrap()) {
        assert!(!got.is_null(), "sd-parsers read nothing in {f}");
        assert_eq!(got["generator"], "AUTOMATIC1111", "{f}: {got}");
        assert_eq!(got["prompt"], prompt, "{f}: {got}");
        let sampler = want.iter().find(|(k, _)| *k == "Sampler").unwrap().1;
        assert_eq!(got["sampler"], sampler, "{f}: {got}");
        let seed = want.iter().find(|(k, _)| *k == "Seed").unwrap().1;
        assert_eq!(got["parameters"]["seed"], seed, "{f}: {got}");
        let model = want.iter().find(|(k, _)| *k == "Model").unwrap().1;
        assert_eq!(got["model"], model, "{f}: {got}");
    }
}

/// Runs a one-shot PNG+JPEG campaign on `provider` (a `[providers.NAME]` table's body) in a
/// fresh folder; the shot's deliverables folder and its sidecar's seed.
fn deliver_one(name: &str, provider: &str) -> (PathBuf, u64) {
    let d = scratch(name);
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"readers\"\noutput = \"out\"\n\
[providers.p]\n{provider}\n\
[tiers.draft]\nprovider = \"p\"\nsize = \"128\"\nvariants = 1\n\
[tiers.finish]\nprovider = \"p\"\nsize = \"256\"\n\
[gates]\nadherence = 0.0\n\
[deliver]\nformats = [\"png\", \"jpeg\"]\n\
[[shots]]\nid = \"hero\"\nprompt = \"a red kite above a green field\"\ndeliver = [\"1:1\"]\n"
        ),
    )
    .unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let dir = d.join("out/deliverables/hero");
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("hero-1-256x256.json")).unwrap()).unwrap();
    (dir, seed_of(&side["seed"]))
}

#[test]
fn image_sites_read_an_offline_deliverable_without_invented_settings() {
    let (dir, seed) = deliver_one("readers-sketch", "kind = \"sketch\"");
    let seed = seed.to_string();
    check_readers(
        &dir,
        "hero-1-256x256",
        &[
            ("Steps", "n/a"),
            ("Sampler", "n/a"),
            ("CFG scale", "n/a"),
            ("Seed", &seed),
            ("Size", "256x256"),
            ("Model", "sketch"),
        ],
        "a red kite above a green field",
    );
}

#[test]
fn image_sites_read_a_forge_deliverable_with_its_settings() {
    let forge = darkroom_fakes::Fake::a1111();
    let (dir, seed) = deliver_one(
        "readers-forge",
        &format!("kind = \"a1111\"\nbase_url = \"{}\"", forge.url),
    );
    let sent = (seed % (1 << 32)).to_string();
    check_readers(
        &dir,
        "hero-1-256x256",
        &[
            ("Steps", "30"),
            ("Sampler", "Euler a"),
            ("CFG scale", "7"),
            ("Seed", &sent),
            ("Size", "256x256"),
            ("Model", "sd_xl_base_1.0"),
        ],
        "a red kite above a green field",
    );
}

//! Metadata other tools read without C2PA. The `parameters` text in AUTOMATIC1111's layout
//! (what A1111/Forge's PNG Info, SwarmUI, InvokeAI's import and image sites parse), and an XMP
//! packet with the IPTC `DigitalSourceType` (what exiftool, Lightroom and XMP-only readers see).

/// What darkroom knows of how an image was generated, for the `parameters` text.
#[derive(Debug, Clone, Default)]
pub struct Generation {
    /// The prompt sent.
    pub prompt: String,
    /// The negative prompt, when there is one.
    pub negative: String,
    /// The settings the provider sent, under A1111's keys (`Steps`, `Sampler`, `CFG scale`,
    /// `Seed`, then any other): only those it has, the seed as sent.
    pub settings: Vec<(String, String)>,
    /// The checkpoint's hash, when the provider reported one (A1111's `Model hash`).
    pub model_hash: Option<String>,
    /// Pixel size.
    pub size: (u32, u32),
    /// The model asked for.
    pub model: String,
    /// Further pairs (provider, model version, software), in order.
    pub extra: Vec<(String, String)>,
}

/// A1111's sampling keys, in its order.
const SAMPLING: [&str; 4] = ["Steps", "Sampler", "CFG scale", "Seed"];

/// What a sampling key says when the provider sent no such setting.
pub const NOT_SENT: &str = "n/a";

/// A value as A1111 writes it: quoted (JSON style) when it holds a comma, colon or quote, so
/// its parser reads it back whole.
fn quote(v: &str) -> String {
    if v.contains([',', '\n', ':', '"']) {
        serde_json::to_string(v).unwrap_or_default()
    } else {
        v.to_string()
    }
}

/// The `parameters` text: prompt, `Negative prompt:` line, then `Steps: …, Sampler: …, CFG
/// scale: …, Seed: …, Size: WxH, Model: …` and the further pairs on one line (A1111's
/// `create_infotext`).
///
/// The four sampling keys are always written, `Steps` first: Civitai's reader takes a file
/// only when its line starts with `Steps: `, and sd-parsers only when the line has a `Sampler`
/// and three of its sampling keys. A value the provider did not send (a hosted model takes
/// no steps, sampler, guidance scale or seed) is written [`NOT_SENT`], never made up.
pub fn a1111_parameters(g: &Generation) -> String {
    // A1111's order: Steps, Sampler, CFG scale, Seed, Size, Model hash, Model, the rest.
    let sent = |k: &str| {
        g.settings
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let mut pairs: Vec<(String, String)> = SAMPLING
        .iter()
        .map(|k| (k.to_string(), sent(k).unwrap_or_else(|| NOT_SENT.into())))
        .collect();
    pairs.extend(
        g.settings
            .iter()
            .filter(|(k, _)| !SAMPLING.contains(&k.as_str()))
            .cloned(),
    );
    pairs.push(("Size".into(), format!("{}x{}", g.size.0, g.size.1)));
    if let Some(h) = &g.model_hash {
        pairs.push(("Model hash".into(), h.clone()));
    }
    pairs.push(("Model".into(), g.model.clone()));
    pairs.extend(g.extra.iter().cloned());
    let line = pairs
        .iter()
        // Keys are A1111's `\w[\w \-/]+`: anything else would end the key early.
        .map(|(k, v)| {
            let k: String = k
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || " -/_".contains(c) {
                        c
                    } else {
                        ' '
                    }
                })
                .collect();
            format!("{}: {}", k.trim(), quote(v))
        })
        .collect::<Vec<_>>()
        .join(", ");
    // A prompt line that itself starts like the negative line would be read as one.
    let prompt = g.prompt.trim();
    format!("{prompt}\nNegative prompt: {}\n{line}", g.negative.trim())
}

/// The XMP packet: IPTC `DigitalSourceType` and the creator tool. `source` is the IPTC URL
/// ([`crate::Source::iptc`]).
pub fn xmp(source: &str) -> String {
    xmp_ai(source, None)
}

/// [`xmp`] naming the AI system that made the image and its version — IPTC 2025.1's
/// `AISystemUsed` and `AISystemVersionUsed` — for DAM systems that read them.
pub fn xmp_ai(source: &str, system: Option<(&str, Option<&str>)>) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;")
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
  <rdf:Description rdf:about=\"\"\n\
    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n\
    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
    Iptc4xmpExt:DigitalSourceType=\"{}\"\n{}\
    xmp:CreatorTool=\"{} {}\"/>\n\
 </rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"r\"?>",
        esc(source),
        system.map_or(String::new(), |(name, version)| {
            format!(
                "    Iptc4xmpExt:AISystemUsed=\"{}\"\n{}",
                esc(name),
                version.map_or(String::new(), |v| format!(
                    "    Iptc4xmpExt:AISystemVersionUsed=\"{}\"\n",
                    esc(v)
                ))
            )
        }),
        crate::AGENT,
        crate::VERSION
    )
}

/// Reads a `parameters` text back: a port of AUTOMATIC1111's `parse_generation_parameters` (modules/infotext_utils.py):
/// the last line is the key-value line when its regex finds at least three pairs; lines
/// before it are the prompt until one starts with "Negative prompt:", the rest the
/// negative prompt. Values in quotes are JSON strings. Returns prompt, negative prompt and
/// the pairs.
pub fn parse_parameters(text: &str) -> (String, String, Vec<(String, String)>) {
    let mut lines: Vec<&str> = text.trim().split('\n').collect();
    let last = lines.last().copied().unwrap_or("");
    let pairs = kv(last);
    if pairs.len() >= 3 {
        lines.pop();
    }
    let (mut prompt, mut neg, mut in_neg) = (String::new(), String::new(), false);
    for (i, l) in lines.iter().enumerate() {
        let l = l.trim();
        if let Some(rest) = l.strip_prefix("Negative prompt:") {
            in_neg = true;
            neg.push_str(rest.trim_start());
        } else if in_neg {
            neg.push('\n');
            neg.push_str(l);
        } else {
            if i > 0 {
                prompt.push('\n');
            }
            prompt.push_str(l);
        }
    }
    (prompt, neg, if pairs.len() >= 3 { pairs } else { vec![] })
}

/// `\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`, scanned by hand.
fn kv(line: &str) -> Vec<(String, String)> {
    let c: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        while i < c.len() && c[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        if i >= c.len() || !(c[i].is_alphanumeric() || c[i] == '_') {
            i += 1;
            continue;
        }
        while i < c.len() && (c[i].is_alphanumeric() || " _-/".contains(c[i])) {
            i += 1;
        }
        if i >= c.len() || c[i] != ':' {
            continue;
        }
        let key: String = c[start..i].iter().collect();
        i += 1;
        while i < c.len() && c[i].is_whitespace() {
            i += 1;
        }
        let mut v = String::new();
        if i < c.len() && c[i] == '"' {
            let s = i;
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            let raw: String = c[s..i.min(c.len())].iter().collect();
            v = serde_json::from_str(&raw).unwrap_or(raw);
        } else {
            while i < c.len() && c[i] != ',' {
                v.push(c[i]);
                i += 1;
            }
        }
        i += 1; // the comma
        out.push((key.trim().to_string(), v.trim().to_string()));
    }
    out
}

/// The PNG text key XMP goes under (an `iTXt` chunk).
pub const XMP_PNG_KEY: &str = "XML:com.adobe.xmp";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip_through_a1111s_parser() {
        let g = Generation {
            prompt: "a red kite, left of a blue ball: product shot".into(),
            negative: String::new(),
            settings: vec![("Seed".into(), "424242".into())],
            model_hash: None,
            size: (2048, 1152),
            model: "gemini-3-pro-image-preview".into(),
            extra: vec![
                ("Provider".into(), "gemini".into()),
                ("Model version".into(), "v1, 2025-11".into()),
            ],
        };
        let t = a1111_parameters(&g);
        let (p, n, kv) = parse_parameters(&t);
        assert_eq!(p, g.prompt);
        assert_eq!(n, "");
        let get = |k: &str| kv.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Seed"), Some("424242"), "{t}");
        assert_eq!(get("Size"), Some("2048x1152"));
        assert_eq!(get("Model"), Some("gemini-3-pro-image-preview"));
        assert_eq!(
            get("Model version"),
            Some("v1, 2025-11"),
            "a quoted value keeps its comma"
        );
        // Not sent: said, not invented, and Steps first as Civitai's reader needs.
        assert_eq!(kv[0], ("Steps".to_string(), NOT_SENT.to_string()), "{t}");
        assert_eq!(get("Sampler"), Some(NOT_SENT));
        assert_eq!(get("CFG scale"), Some(NOT_SENT));
    }

    #[test]
    fn a_negative_prompt_and_steps_are_read_back() {
        let g = Generation {
            prompt: "a cat".into(),
            negative: "blurry, text".into(),
            settings: vec![
                ("Steps".into(), "30".into()),
                ("Sampler".into(), "Euler a".into()),
                ("CFG scale".into(), "7".into()),
                ("Seed".into(), "1".into()),
            ],
            model_hash: Some("31e35c80fc".into()),
            size: (512, 512),
            model: "sdxl".into(),
            extra: vec![],
        };
        let (p, n, kv) = parse_parameters(&a1111_parameters(&g));
        assert_eq!((p.as_str(), n.as_str()), ("a cat", "blurry, text"));
        assert_eq!(kv[0], ("Steps".to_string(), "30".to_string()));
        let keys: Vec<&str> = kv.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Steps",
                "Sampler",
                "CFG scale",
                "Seed",
                "Size",
                "Model hash",
                "Model"
            ],
            "A1111's order"
        );
    }

    #[test]
    fn xmp_names_the_source_type() {
        let x = xmp(crate::Source::Generated.iptc());
        assert!(x.contains("Iptc4xmpExt:DigitalSourceType=\"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\""));
        assert!(!x.is_ascii(), "the packet's BOM puts it in an iTXt chunk");
    }
}

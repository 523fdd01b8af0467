//! `[tiers.draft]` and `[tiers.finish]`: provider, size, variants, spares and quality.

use std::collections::BTreeMap;

use super::*;

/// Checks `[tiers]`: the draft tier and the finish tier, each naming a defined provider.
pub(super) fn check(
    v: &mut V<'_>,
    node: Option<&Node>,
    providers: &BTreeMap<String, Provider>,
) -> (Tier, Tier) {
    let provider_names: Vec<&str> = providers.keys().map(String::as_str).collect();
    let tier = |v: &mut V, name: &str, n: Option<&Node>| -> Tier {
        let mut t = Tier {
            provider: String::new(),
            size: if name == "draft" {
                SizeSpec::LongSide(512)
            } else {
                SizeSpec::LongSide(2048)
            },
            variants: 8,
            keep: 2,
            quality: if name == "draft" {
                Quality::Draft
            } else {
                Quality::Finish
            },
        };
        let path = format!("tiers.{name}");
        let Some(n) = n else {
            v.err(
                &(0..0),
                &path,
                format!("missing [{path}] with at least `provider`"),
            );
            return t;
        };
        let mut size_at = None;
        for (k, x) in v.keys(
            n,
            &path,
            &["provider", "size", "variants", "keep", "quality"],
        ) {
            let kp = format!("{path}.{k}");
            match k {
                "provider" => {
                    if let Some(s) = v.string(x, &kp) {
                        if !providers.contains_key(&s) {
                            let hint = suggest(&s, &provider_names)
                                .map_or(String::new(), |h| format!("; did you mean `{h}`?"));
                            let list = if provider_names.is_empty() {
                                "none are defined".to_string()
                            } else {
                                provider_names.join(", ")
                            };
                            v.err(
                                &x.span(),
                                &kp,
                                format!("no provider named `{s}`; defined: {list}{hint}"),
                            );
                        }
                        t.provider = s;
                    }
                }
                "size" => {
                    let s = match x {
                        Node::Int(i, _) => Some(i.to_string()),
                        other => v.string(other, &kp),
                    };
                    if let Some(s) = s {
                        match s.parse::<SizeSpec>() {
                            Ok(z) => {
                                t.size = z;
                                size_at = Some((x.span(), s));
                            }
                            Err(e) => v.err(&x.span(), &kp, e.to_string()),
                        }
                    }
                }
                "variants" => t.variants = v.int(x, &kp, 1, 1000).unwrap_or(8) as u32,
                "keep" => t.keep = v.int(x, &kp, 1, 100).unwrap_or(2) as u32,
                _ => {
                    if let Some(s) = v.string(x, &kp) {
                        match s.parse::<Quality>() {
                            Ok(q) => t.quality = q,
                            Err(e) => v.err(&x.span(), &kp, e.to_string()),
                        }
                    }
                }
            }
        }
        if t.provider.is_empty() && !v.diags.iter().any(|d| d.path == format!("{path}.provider")) {
            v.err(&n.span(), &path, "missing `provider`");
        }
        // Gemini 2.5 Flash Image has one size tier (1K); 2K and 4K exist on Gemini 3 models only.
        if let (Some(p), Some((span, text))) = (providers.get(&t.provider), &size_at) {
            let model = p.model_or_default().unwrap_or_default();
            let side = darkroom_core::resolve_dims(t.size, None).map_or(0, |(w, h)| w.max(h));
            if p.kind == ProviderKind::Gemini
                && model.starts_with("gemini-2.5-flash-image")
                && side > 1024
            {
                v.err(
                    span,
                    &format!("{path}.size"),
                    format!("`{model}` makes 1K images only (size {text} asks for {side} px); use size ≤ 1K, or a Gemini 3 image model (gemini-3-pro-image) for 2K/4K"),
                );
            }
        }
        t
    };
    let tiers_node = node;
    let tier_entries = tiers_node
        .map(|t| v.keys(t, "tiers", &["draft", "finish"]))
        .unwrap_or_default();
    let tget = |k: &str| tier_entries.iter().find(|(n, _)| *n == k).map(|(_, n)| *n);
    let draft = tier(v, "draft", tget("draft"));
    let finish = tier(v, "finish", tget("finish"));
    (draft, finish)
}

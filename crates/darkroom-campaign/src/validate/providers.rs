//! `[providers.*]`: each provider's kind, model, key variable, endpoint (or pool of servers),
//! limits, prices, the simulator's knobs and a ComfyUI workflow.

use std::collections::BTreeMap;
use std::ops::Range;

use super::*;

/// Where an entry set ComfyUI's keys (`workflow`, `inputs`): their paths and spans.
type ComfyKeys = Vec<(String, Range<usize>)>;

/// Checks every `[providers.NAME]`. `file` is the campaign file (a workflow is relative to it).
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>, file: &str) -> BTreeMap<String, Provider> {
    let mut providers = BTreeMap::new();
    if let Some(ps) = node {
        let entries: Vec<(String, Range<usize>, Node)> = match ps {
            Node::Table(e, _) => e.clone(),
            other => {
                v.err(
                    &other.span(),
                    "providers",
                    format!(
                        "expected tables like [providers.local], found {}",
                        other.kind()
                    ),
                );
                Vec::new()
            }
        };
        for (pname, pspan, node) in &entries {
            check_name(v, pname, pspan);
            let (p, kind, comfy_keys) = keys(v, pname, node, file);
            let p = cross_check(v, p, (kind, comfy_keys), (pspan, node));
            providers.insert(pname.clone(), p);
        }
    }
    providers
}

/// A provider's name is shown in the report and the review app, and names files in logs:
/// letters, digits, `-` and `_` only, like an identifier.
fn check_name(v: &mut V<'_>, pname: &str, pspan: &Range<usize>) {
    // A provider's name is shown in the report and the review app, and names files in
    if pname.is_empty()
        || pname.len() > MAX_ID_BYTES
        || !pname
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        v.err(
            pspan,
            "providers",
            format!(
                "provider name `{}` is not allowed; use ASCII letters, digits, `-` and `_` (at most {MAX_ID_BYTES})",
                pname.chars().take(40).collect::<String>().escape_default()
            ),
        );
    }
}

/// A provider's keys, each checked: the entry, the kind it names (none when missing or
/// unknown), and where it set ComfyUI's keys (an error on any other kind).
fn keys(
    v: &mut V<'_>,
    pname: &str,
    node: &Node,
    file: &str,
) -> (Provider, Option<ProviderKind>, ComfyKeys) {
    let path = format!("providers.{pname}");
    let allowed = [
        "kind",
        "model",
        "api_key_env",
        "base_url",
        "timeout",
        "concurrency",
        "rate_limit",
        "prices",
        "failures",
        "latency",
        "drops",
        "hue_drift",
        "workflow",
        "inputs",
    ];
    let mut kind = None;
    let mut p = Provider {
        name: pname.to_string(),
        kind: ProviderKind::Sketch,
        model: None,
        api_key_env: None,
        base_url: None,
        pool: Vec::new(),
        timeout: 120.0,
        concurrency: 4,
        rate_limit: None,
        sim: SimOverrides::default(),
        prices: None,
        workflow: None,
        inputs: BTreeMap::new(),
    };
    let mut comfy_keys = Vec::new();
    for (k, n) in v.keys(node, &path, &allowed) {
        let kp = format!("{path}.{k}");
        match k {
            "kind" => {
                if let Some(s) = v.string(n, &kp) {
                    match ProviderKind::parse(&s) {
                        Some(x) => kind = Some(x),
                        None => {
                            let hint = suggest(&s, &KINDS)
                                .map_or(String::new(), |h| format!("; did you mean `{h}`?"));
                            v.err(
                                &n.span(),
                                &kp,
                                format!(
                                    "unknown provider kind `{s}`; accepted: {}{hint}",
                                    KINDS.join(", ")
                                ),
                            );
                        }
                    }
                }
            }
            "model" => p.model = v.string(n, &kp),
            "prices" => {
                let mut pr = Prices::default();
                for (pk, pv) in v.keys(n, &kp, &["image", "1K", "2K", "4K"]) {
                    let x = v.number(pv, &format!("{kp}.{pk}"), 0.0, 100.0);
                    match pk {
                        "image" => pr.image = x,
                        "1K" => pr.k1 = x,
                        "2K" => pr.k2 = x,
                        _ => pr.k4 = x,
                    }
                }
                p.prices = Some(pr);
            }
            "workflow" => {
                comfy_keys.push((kp.clone(), n.span()));
                if let Some(w) = v.string(n, &kp) {
                    // Relative to the campaign file, as a user reads it; no IO here.
                    let dir = std::path::Path::new(file)
                        .parent()
                        .unwrap_or(std::path::Path::new(""));
                    p.workflow = Some(dir.join(w));
                }
            }
            "inputs" => {
                comfy_keys.push((kp.clone(), n.span()));
                if let Node::Table(entries, _) = n {
                    for (ik, _, iv) in entries {
                        if let Some(x) = v.string(iv, &format!("{kp}.{ik}")) {
                            p.inputs.insert(ik.clone(), x);
                        }
                    }
                } else {
                    v.err(
                        &n.span(),
                        &kp,
                        format!(
                            "expected a table like {{ prompt = \"6.text\", seed = \"3.seed\" }}, found {}",
                            n.kind()
                        ),
                    );
                }
            }
            "api_key_env" => p.api_key_env = v.string(n, &kp),
            "base_url" => match n {
                // A pool: several servers of one kind behind one provider name.
                Node::Array(items, _) => {
                    let urls: Vec<String> =
                        items.iter().filter_map(|it| v.string(it, &kp)).collect();
                    if urls.is_empty() {
                        v.err(&n.span(), &kp, "an empty list: name one server, or several like [\"http://gpu1:7860\", \"http://gpu2:7860\"]");
                    }
                    p.base_url = urls.first().cloned();
                    if urls.len() > 1 {
                        p.pool = urls;
                    }
                }
                _ => p.base_url = v.string(n, &kp),
            },
            "timeout" => p.timeout = v.number(n, &kp, 1.0, 3600.0).unwrap_or(p.timeout),
            "concurrency" => p.concurrency = v.int(n, &kp, 1, 256).unwrap_or(4) as u32,
            "rate_limit" => p.rate_limit = v.number(n, &kp, 0.1, 100_000.0),
            "failures" | "drops" | "hue_drift" | "latency" => {
                sim_key(v, &mut p.sim, k, n, &kp);
            }
            _ => {}
        }
    }
    (p, kind, comfy_keys)
}

/// One of the simulator's knobs (failure rates, instruction drops, hue drift, latency).
fn sim_key(v: &mut V<'_>, sim: &mut SimOverrides, k: &str, n: &Node, kp: &str) {
    match k {
        "failures" => {
            for (fk, fv) in v.keys(n, kp, &["transient", "refusal", "rate_limited"]) {
                let x = v.number(fv, &format!("{kp}.{fk}"), 0.0, 1.0);
                match fk {
                    "transient" => sim.transient = x,
                    "refusal" => sim.refusal = x,
                    _ => sim.rate_limited = x,
                }
            }
        }
        "drops" => {
            for (dk, dv) in v.keys(n, kp, &["relation", "count", "color", "entity"]) {
                let x = v.number(dv, &format!("{kp}.{dk}"), 0.0, 1.0);
                match dk {
                    "relation" => sim.drops[0] = x,
                    "count" => sim.drops[1] = x,
                    "color" => sim.drops[2] = x,
                    _ => sim.drops[3] = x,
                }
            }
        }
        "hue_drift" => sim.hue_drift = v.number(n, kp, 0.0, 180.0),
        "latency" => {
            for (lk, lv) in v.keys(n, kp, &["median", "p95"]) {
                let x = v.number(lv, &format!("{kp}.{lk}"), 0.0, 3600.0);
                if lk == "median" {
                    sim.latency_median = x;
                } else {
                    sim.latency_p95 = x;
                }
            }
        }
        _ => {}
    }
}

/// The checks across a provider's keys: its kind is known, a pool only for self-hosted servers,
/// an empty key variable only for an OpenAI-speaking server of one's own, a workflow only (and
/// always) for ComfyUI, and Stability's model names.
fn cross_check(
    v: &mut V<'_>,
    mut p: Provider,
    (kind, comfy_keys): (Option<ProviderKind>, ComfyKeys),
    (pspan, node): (&Range<usize>, &Node),
) -> Provider {
    let path = format!("providers.{}", p.name);
    match kind {
        Some(k) => p.kind = k,
        None if !v.diags.iter().any(|d| d.path == format!("{path}.kind")) => v.err(
            pspan,
            &path,
            format!("missing `kind`; accepted: {}", KINDS.join(", ")),
        ),
        None => {}
    }
    // A pool is for servers the team runs; a vendor's API is one endpoint.
    if !p.pool.is_empty()
        && kind.is_some_and(|k| !matches!(k, ProviderKind::A1111 | ProviderKind::ComfyUi))
    {
        let at = node_span(node, "base_url").unwrap_or(pspan.clone());
        v.err(
            &at,
            &format!("{path}.base_url"),
            format!(
                "a list of servers is for self-hosted providers (a1111, comfyui); a `{}` provider takes one base_url",
                kind.map_or("", |k| k.as_str())
            ),
        );
    }
    // `api_key_env = ""`: a server of the user's own that speaks OpenAI's API.
    if p.api_key_env.as_deref() == Some("")
        && (kind != Some(ProviderKind::OpenAi) || p.base_url.is_none())
    {
        let at = node_span(node, "api_key_env").unwrap_or(pspan.clone());
        v.err(
            &at,
            &format!("{path}.api_key_env"),
            "an empty api_key_env is for a server of your own that speaks OpenAI's API and takes no key (Ollama, llama.cpp, vLLM, LM Studio): it needs kind = \"openai\" and its base_url; otherwise name the variable that holds the key",
        );
    }
    if kind == Some(ProviderKind::ComfyUi) {
        if p.workflow.is_none() {
            v.err(
                pspan,
                &path,
                "a comfyui provider needs `workflow` (a workflow saved with \"Save (API)\") and `inputs` (e.g. { prompt = \"6.text\", seed = \"3.seed\", width = \"5.width\", height = \"5.height\" })",
            );
        }
    } else if kind.is_some() {
        for (kp, span) in &comfy_keys {
            v.err(
                span,
                kp,
                "only a comfyui provider takes a workflow and inputs",
            );
        }
    }
    if let (Some(ProviderKind::Stability), Some(m)) = (kind, &p.model) {
        if !STABILITY_MODELS.contains(&m.as_str()) {
            let at = node_span(node, "model").unwrap_or(pspan.clone());
            let hint = suggest(m, &STABILITY_MODELS)
                .map_or(String::new(), |h| format!("; did you mean `{h}`?"));
            v.err(
                &at,
                &format!("{path}.model"),
                format!(
                    "unknown Stability model `{m}`; accepted: {}{hint}",
                    STABILITY_MODELS.join(", ")
                ),
            );
        }
    }
    p
}

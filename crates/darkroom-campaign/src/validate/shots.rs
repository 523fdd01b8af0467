//! `[[shots]]`: each shot's id, prompt, finals, aspects, seed and texts, and templates with
//! `vars` expanded into shots with unique, file-safe ids.

use super::*;

/// One `[[shots]]` entry's keys, checked, before its `vars` are expanded.
struct Entry {
    id: String,
    prompt: String,
    prompt_span: std::ops::Range<usize>,
    finals: u32,
    deliver: Vec<Aspect>,
    seed: Option<u64>,
    text_by: TextBy,
    texts: Vec<TextItem>,
    vars: Vec<(String, Vec<String>)>,
}

/// Slug → (where, the id as written): collisions are found in one pass at any size.
type Seen = std::collections::HashMap<String, (String, String)>;

/// Checks every `[[shots]]` entry and expands its `vars`.
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>, brand: Option<&Brand>) -> Vec<Shot> {
    let mut shots = Vec::new();
    let mut seen = Seen::new();
    match node {
        Some(Node::Array(items, _)) => {
            for (i, s) in items.iter().enumerate() {
                let path = format!("shots[{i}]");
                if let Some(e) = entry(v, s, &path, brand) {
                    expand(v, e, (s, &path), (&mut seen, &mut shots), brand);
                }
            }
        }
        Some(other) => v.err(
            &other.span(),
            "shots",
            format!("expected [[shots]] tables, found {}", other.kind()),
        ),
        None => v.err(
            &(0..0),
            "shots",
            "no [[shots]]; a campaign needs at least one shot",
        ),
    }
    shots
}

/// One entry's keys, each checked; `None` when it lacks an id or a prompt.
fn entry(v: &mut V<'_>, s: &Node, path: &str, brand: Option<&Brand>) -> Option<Entry> {
    let (mut id, mut prompt, mut finals, mut deliver, mut seed) =
        (None, None, 1u32, Vec::new(), None);
    let (mut text_by, mut texts) = (TextBy::Model, Vec::new());
    let mut vars: Vec<(String, Vec<String>)> = Vec::new();
    let mut prompt_span = s.span();
    for (k, n) in v.keys(
        s,
        path,
        &[
            "id", "prompt", "finals", "deliver", "vars", "seed", "text", "text_by",
        ],
    ) {
        let kp = format!("{path}.{k}");
        match k {
            "id" => id = v.string(n, &kp),
            "prompt" => {
                prompt_span = n.span();
                prompt = v.string(n, &kp);
            }
            "finals" => finals = v.int(n, &kp, 1, 100).unwrap_or(1) as u32,
            "seed" => seed = v.int(n, &kp, 0, i64::MAX).map(|x| x as u64),
            "text_by" => {
                if let Some(t) = v.string(n, &kp) {
                    match t.parse::<TextBy>() {
                        Ok(b) => text_by = b,
                        Err(e) => v.err(&n.span(), &kp, e),
                    }
                }
            }
            "text" => texts = text_items(v, n, &kp, brand),
            "deliver" => match n {
                Node::Array(a, _) => {
                    for (j, x) in a.iter().enumerate() {
                        if let Some(t) = v.string(x, &format!("{kp}[{j}]")) {
                            match t.parse::<Aspect>() {
                                Ok(asp) => deliver.push(asp),
                                Err(e) => v.err(&x.span(), &format!("{kp}[{j}]"), e.to_string()),
                            }
                        }
                    }
                }
                other => v.err(
                    &other.span(),
                    &kp,
                    format!(
                        "expected an array like [\"16:9\", \"1:1\"], found {}",
                        other.kind()
                    ),
                ),
            },
            _ => match n {
                Node::Table(entries, _) => {
                    for (vk, _, vn) in entries {
                        match vn {
                            Node::Array(a, _) if !a.is_empty() => {
                                let vals: Vec<String> = a
                                    .iter()
                                    .filter_map(|x| v.string(x, &format!("{kp}.{vk}")))
                                    .collect();
                                vars.push((vk.clone(), vals));
                            }
                            other => v.err(
                                &other.span(),
                                &format!("{kp}.{vk}"),
                                "expected a non-empty array of strings",
                            ),
                        }
                    }
                }
                other => v.err(
                    &other.span(),
                    &kp,
                    format!(
                        "expected a table like {{ color = [\"red\", \"blue\"] }}, found {}",
                        other.kind()
                    ),
                ),
            },
        }
    }
    let (Some(id), Some(prompt)) = (id, prompt) else {
        if !v.diags.iter().any(|d| d.path.starts_with(path)) {
            v.err(&s.span(), path, "a shot needs `id` and `prompt`");
        }
        return None;
    };
    Some(Entry {
        id,
        prompt,
        prompt_span,
        finals,
        deliver,
        seed,
        text_by,
        texts,
        vars,
    })
}

/// An entry's shots: its template expanded over the product of its `vars` (checked before it
/// is built), each with a unique, file-safe id.
fn expand(
    v: &mut V<'_>,
    e: Entry,
    (s, path): (&Node, &str),
    (seen, shots): (&mut Seen, &mut Vec<Shot>),
    brand: Option<&Brand>,
) {
    let Entry {
        id,
        prompt,
        prompt_span,
        finals,
        mut deliver,
        seed,
        text_by,
        texts,
        vars,
    } = e;
    if deliver.is_empty() {
        deliver.push(Aspect::SQUARE);
    }
    // Template placeholders must be declared vars.
    for ph in placeholders(&id).into_iter().chain(placeholders(&prompt)) {
        if !vars.iter().any(|(k, _)| *k == ph) {
            v.err(
                &prompt_span,
                path,
                format!("placeholder `{{{ph}}}` has no entry in `vars`"),
            );
        }
    }
    // The product is checked before it is built: a table of a few long lists
    // would otherwise fill memory before anything is said.
    let product = vars
        .iter()
        .try_fold(1usize, |acc, (_, vals)| acc.checked_mul(vals.len().max(1)))
        .filter(|&n| n <= MAX_SHOTS && shots.len() + n <= MAX_SHOTS);
    let Some(_) = product else {
        let sizes: Vec<String> = vars
            .iter()
            .map(|(k, vals)| format!("{k}: {}", vals.len()))
            .collect();
        v.err(
            &s.span(),
            &format!("{path}.vars"),
            format!(
                "the vars ({}) expand to more than {MAX_SHOTS} shots in this campaign; split the campaign or shorten the lists",
                sizes.join(" × ")
            ),
        );
        return;
    };
    // Cartesian product of the vars, in declaration order.
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (k, vals) in &vars {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vals.iter().map(move |x| {
                    let mut c2 = c.clone();
                    c2.push((k.clone(), x.clone()));
                    c2
                })
            })
            .collect();
    }
    for combo in combos {
        let fill = |t: &str| {
            combo.iter().fold(t.to_string(), |acc, (k, x)| {
                acc.replace(&format!("{{{k}}}"), x)
            })
        };
        let raw = fill(&id);
        let (sid, sp) = (slug(&raw), fill(&prompt));
        if let Err(e) = darkroom_prompt::parse(&sp) {
            v.err(&prompt_span, &format!("{path}.prompt"), e.to_string());
        }
        if sid.is_empty() {
            v.err(
                &s.span(),
                &format!("{path}.id"),
                format!("shot id `{raw}` has no letter or digit to name files with; use letters (any script), digits and dashes"),
            );
            continue;
        }
        if sid.len() > MAX_ID_BYTES {
            v.err(
                &s.span(),
                &format!("{path}.id"),
                format!(
                    "shot id `{}…` is {} bytes; at most {MAX_ID_BYTES} (it names the delivered files)",
                    sid.chars().take(24).collect::<String>(),
                    sid.len()
                ),
            );
            continue;
        }
        match seen.get(&sid) {
            Some((other_path, other_raw)) => v.err(
                &s.span(),
                &format!("{path}.id"),
                if *other_raw == raw {
                    format!("shot id `{sid}` is used twice (also {other_path}); ids must be unique")
                } else {
                    format!("shot id `{raw}` becomes `{sid}` in file names, as `{other_raw}` ({other_path}) does; ids must differ after that")
                },
            ),
            None => {
                seen.insert(sid.clone(), (path.to_string(), raw.clone()));
            }
        }
        let mut shot = Shot {
            id: sid,
            prompt: sp.clone(),
            finals,
            deliver: deliver.clone(),
            seed,
            written: sp,
            text_by,
            text: texts.clone(),
        };
        shot.route(text_by, default_text_colour(brand));
        shots.push(shot);
    }
}

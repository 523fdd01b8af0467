//! The human-readable form of a scene (`darkroom parse PROMPT`).

use std::fmt::Write;

use crate::scene::*;

/// Renders a scene for a person: entities, relations, scene cues, checklist, unparsed words.
pub fn to_text(s: &Scene) -> String {
    let mut o = String::new();
    let name = |id: usize| format!("{}#{}", s.entities[id].noun, id);
    let _ = writeln!(o, "entities:");
    if s.entities.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for e in &s.entities {
        let count = match (e.count, e.count_at_least) {
            (Some(n), _) => format!("×{n}"),
            (None, Some(k)) => format!("×{k}+"),
            (None, None) => "×?".into(),
        };
        let mut attrs = Vec::new();
        if let Some(c) = &e.color {
            attrs.push(format!("colour {} ({})", c.name, c.hex));
        }
        if let Some(m) = e.material {
            attrs.push(format!("material {}", m.as_str()));
        }
        if let Some(z) = e.size {
            attrs.push(format!("size {}", z.as_str()));
        }
        if let Some(p) = e.position {
            attrs.push(format!("position {}", format!("{p:?}").to_lowercase()));
        }
        if !e.modifiers.is_empty() {
            attrs.push(format!("also {}", e.modifiers.join(", ")));
        }
        match e.kind {
            EntityKind::Object => {}
            EntityKind::Person => attrs.insert(0, "a person".into()),
            EntityKind::Setting => attrs.insert(0, "the setting".into()),
        }
        let _ = writeln!(o, "  #{} {} {}  {}", e.id, e.noun, count, attrs.join("; "));
    }
    let _ = writeln!(o, "relations:");
    if s.relations.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for r in &s.relations {
        match r.object2 {
            Some(o2) => writeln!(
                o,
                "  {} between {} and {}",
                name(r.subject),
                name(r.object),
                name(o2)
            ),
            None => writeln!(
                o,
                "  {} {} {}",
                name(r.subject),
                r.predicate.as_str(),
                name(r.object)
            ),
        }
        .ok();
    }
    let cam = s.camera.map_or("-".to_string(), |c| {
        [c.angle.map(|a| a.as_str()), c.shot.map(|x| x.as_str())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(o, "camera: {cam}");
    let _ = writeln!(
        o,
        "lighting: {}",
        list(s.lighting.iter().map(|l| l.as_str().to_string()).collect())
    );
    let _ = writeln!(o, "setting: {}", list(s.setting.clone()));
    if let Some(b) = &s.background {
        let _ = writeln!(o, "background: {} ({})", b.name, b.hex);
    }
    let _ = writeln!(o, "style: {}", list(s.style.clone()));
    let _ = writeln!(
        o,
        "text: {}",
        list(
            s.text
                .iter()
                .map(|t| match t.entity {
                    Some(e) => format!("\"{}\" on {}", t.content, name(e)),
                    None => format!("\"{}\"", t.content),
                })
                .collect()
        )
    );
    let _ = writeln!(o, "checklist:");
    for a in &s.checklist {
        let deps = if a.depends_on.is_empty() {
            String::new()
        } else {
            format!(
                "  (needs {})",
                a.depends_on
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(
            o,
            "  [{}] {:<8} {}{}",
            a.id,
            a.kind.as_str(),
            a.question,
            deps
        );
    }
    // What is not asked about, and why: a user sees what was not checked.
    let dropped: Vec<String> = s
        .dropped
        .iter()
        .map(|d| {
            let by = match d.decided_by {
                Decider::Grammar => "grammar",
                Decider::Lexicon => "lexicon",
            };
            format!("{} ({}, {by})", d.word, d.reason.as_str())
        })
        .collect();
    let _ = writeln!(o, "not checked: {}", list(dropped));
    let _ = writeln!(o, "unparsed: {}", list(s.unparsed.clone()));
    o
}

//! A compact, readable one-line summary of a scene, so a table of expectations stays legible.
//!
//! Format: `entities | relations | scene | unparsed`, where an entity is
//! `noun×count[:colour][/material][+size][@position]` (`×?` open count, `×2+` at least two),
//! a relation is `subject>predicate>object[&object2]` by entity index, and the scene part lists
//! `cam=`, `light=`, `text=`, `set=`, `bg=`, `style=` when present.

use darkroom_prompt::Scene;

pub fn summary(s: &Scene) -> String {
    // Setting entities repeat `set=`, which the table already shows.
    let ents: Vec<String> = s
        .entities
        .iter()
        .filter(|e| e.kind != darkroom_prompt::EntityKind::Setting)
        .map(|e| {
            let mut t = e.noun.clone();
            match (e.count, e.count_at_least) {
                (Some(n), _) => t.push_str(&format!("×{n}")),
                (None, Some(k)) => t.push_str(&format!("×{k}+")),
                (None, None) => t.push_str("×?"),
            }
            if let Some(c) = &e.color {
                t.push_str(&format!(":{}", c.name));
            }
            if let Some(m) = e.material {
                t.push_str(&format!("/{}", m.as_str()));
            }
            if let Some(z) = e.size {
                t.push_str(&format!("+{}", z.as_str()));
            }
            if let Some(p) = e.position {
                t.push_str(&format!("@{}", format!("{p:?}").to_lowercase()));
            }
            t
        })
        .collect();
    let rels: Vec<String> = s
        .relations
        .iter()
        .map(|r| match r.object2 {
            Some(o2) => format!("{}>{}>{}&{}", r.subject, r.predicate.as_str(), r.object, o2),
            None => format!("{}>{}>{}", r.subject, r.predicate.as_str(), r.object),
        })
        .collect();
    let mut scene = Vec::new();
    if let Some(c) = s.camera {
        let parts: Vec<&str> = [c.angle.map(|a| a.as_str()), c.shot.map(|x| x.as_str())]
            .into_iter()
            .flatten()
            .collect();
        scene.push(format!("cam={}", parts.join("+")));
    }
    if !s.lighting.is_empty() {
        scene.push(format!(
            "light={}",
            s.lighting
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    for t in &s.text {
        match t.entity {
            Some(e) => scene.push(format!("text=\"{}\"@{e}", t.content)),
            None => scene.push(format!("text=\"{}\"", t.content)),
        }
    }
    if !s.setting.is_empty() {
        scene.push(format!("set={}", s.setting.join(",")));
    }
    if let Some(b) = &s.background {
        scene.push(format!("bg={}", b.name));
    }
    if !s.style.is_empty() {
        scene.push(format!("style={}", s.style.join(",")));
    }
    let unp = if s.unparsed.is_empty() {
        String::new()
    } else {
        format!("?{}", s.unparsed.join(" "))
    };
    format!(
        "{} | {} | {} | {}",
        ents.join(", "),
        rels.join(", "),
        scene.join(" "),
        unp
    )
}

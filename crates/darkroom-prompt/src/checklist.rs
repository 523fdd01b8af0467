//! Scene → checklist: one atomic yes/no assertion per entity, count, colour, material, size,
//! position, relation, camera cue, lighting cue and text, with DSG-style dependencies.
//!
//! Dependencies follow Davidsonian Scene Graph practice (`reference/adherence.md`): an
//! attribute depends on its entity's existence, a relation on both (all) entities, text on the
//! entity it is written on. A judge that finds an entity absent fails its dependants with it.

use crate::scene::*;

struct Builder<'a> {
    scene: &'a Scene,
    out: Vec<Assertion>,
}

fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// English plural of a singular noun, for questions ("Are there three spheres?").
pub fn plural(noun: &str) -> String {
    let (head_start, last) = match noun.rfind(' ') {
        Some(i) => (&noun[..=i], &noun[i + 1..]),
        None => ("", noun),
    };
    let p = match last {
        "person" => "people".to_string(),
        "man" => "men".to_string(),
        "woman" => "women".to_string(),
        "child" => "children".to_string(),
        "mouse" => "mice".to_string(),
        "goose" => "geese".to_string(),
        "foot" => "feet".to_string(),
        "tooth" => "teeth".to_string(),
        "sheep" | "deer" | "fish" => last.to_string(),
        "knife" => "knives".to_string(),
        "leaf" => "leaves".to_string(),
        "shelf" => "shelves".to_string(),
        "wolf" => "wolves".to_string(),
        "torus" => "tori".to_string(),
        "cactus" => "cacti".to_string(),
        _ if last.ends_with('y')
            && !last.ends_with("ay")
            && !last.ends_with("ey")
            && !last.ends_with("oy") =>
        {
            format!("{}ies", &last[..last.len() - 1])
        }
        _ if last.ends_with('s')
            || last.ends_with('x')
            || last.ends_with("ch")
            || last.ends_with("sh")
            || last.ends_with('z') =>
        {
            format!("{last}es")
        }
        _ => format!("{last}s"),
    };
    format!("{head_start}{p}")
}

fn number_word(n: u32) -> String {
    const W: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    W.get(n as usize)
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

impl Builder<'_> {
    fn push(
        &mut self,
        kind: AssertionKind,
        question: String,
        depends_on: Vec<usize>,
        entities: Vec<usize>,
        value: Option<String>,
    ) -> usize {
        let id = self.out.len();
        self.out.push(Assertion {
            id,
            kind,
            question,
            depends_on,
            entities,
            value,
        });
        id
    }

    fn is_plural(&self, e: &Entity) -> bool {
        e.count != Some(1)
    }

    /// "sphere", or "red sphere" when another entity has the same noun.
    fn label(&self, e: &Entity) -> String {
        let shared = self
            .scene
            .entities
            .iter()
            .any(|o| o.id != e.id && o.noun == e.noun);
        let noun = if self.is_plural(e) {
            plural(&e.noun)
        } else {
            e.noun.clone()
        };
        if shared {
            if let Some(c) = &e.color {
                return format!("{} {noun}", c.name);
            }
            if let Some(m) = e.material {
                return format!("{} {noun}", m.as_str());
            }
            if let Some(s) = e.size {
                return format!("{} {noun}", s.as_str());
            }
        }
        noun
    }

    fn be(&self, e: &Entity) -> &'static str {
        if self.is_plural(e) {
            "Are"
        } else {
            "Is"
        }
    }
}

/// Styles and media a picture visibly has or lacks.
const VISUAL_STYLES: &[&str] = &[
    "photo",
    "realistic",
    "minimalist",
    "isometric",
    "watercolor",
    "illustration",
    "cartoon",
    "anime",
    "surreal",
    "abstract",
    "3d render",
    "claymation",
    "monochrome",
    "painting",
    "pencil",
    "sketch",
    "drawing",
    "ink",
    "pixel art",
    "vector",
    "low poly",
    "line art",
    "black and white",
    "woodblock",
    "pop art",
    "comic",
    "cubism",
    "impressionis",
    "in the style of",
    "oil",
];

/// Whether a style is a look one can see rather than a tag ("artstation", "4k").
fn visual_style(style: &str) -> bool {
    VISUAL_STYLES.iter().any(|v| style.contains(v))
}

/// Builds the checklist of a scene.
pub fn build(scene: &Scene) -> Vec<Assertion> {
    let mut b = Builder {
        scene,
        out: Vec::new(),
    };
    let mut exists: Vec<Option<usize>> = vec![None; scene.entities.len()];
    for e in &scene.entities {
        let label = b.label(e);
        let be = b.be(e);
        if e.count == Some(0) {
            b.push(
                AssertionKind::Count,
                format!("Are there no {}?", plural(&e.noun)),
                vec![],
                vec![e.id],
                Some("0".into()),
            );
            continue;
        }
        if e.kind == EntityKind::Setting {
            continue;
        }
        let q = if b.is_plural(e) {
            format!("Are there {}?", plural(&e.noun))
        } else {
            format!("Is there {} {}?", article(&e.noun), e.noun)
        };
        let ent = b.push(AssertionKind::Entity, q, vec![], vec![e.id], None);
        exists[e.id] = Some(ent);
        match (e.count, e.count_at_least) {
            (Some(n), _) if n > 1 => {
                b.push(
                    AssertionKind::Count,
                    format!("Are there exactly {} {}?", number_word(n), plural(&e.noun)),
                    vec![ent],
                    vec![e.id],
                    Some(n.to_string()),
                );
            }
            (None, Some(k)) => {
                b.push(
                    AssertionKind::Count,
                    format!("Are there at least {} {}?", number_word(k), plural(&e.noun)),
                    vec![ent],
                    vec![e.id],
                    Some(format!(">={k}")),
                );
            }
            _ => {}
        }
        if let Some(c) = &e.color {
            b.push(
                AssertionKind::Color,
                format!("{be} the {label} {}?", c.name),
                vec![ent],
                vec![e.id],
                Some(c.hex.clone()),
            );
        }
        if let Some(m) = e.material {
            let q = if m.is_finish() {
                format!("Does the {label} have a {} finish?", m.as_str())
            } else {
                format!("{be} the {label} made of {}?", m.as_str())
            };
            b.push(
                AssertionKind::Material,
                q,
                vec![ent],
                vec![e.id],
                Some(m.as_str().into()),
            );
        }
        if let Some(s) = e.size {
            b.push(
                AssertionKind::Size,
                format!("{be} the {label} {}?", s.as_str()),
                vec![ent],
                vec![e.id],
                Some(s.as_str().into()),
            );
        }
        if let Some(p) = e.position {
            b.push(
                AssertionKind::Position,
                format!("{be} the {label} {}?", p.phrase()),
                vec![ent],
                vec![e.id],
                Some(format!("{p:?}").to_lowercase()),
            );
        }
    }
    for r in &scene.relations {
        let s = &scene.entities[r.subject];
        let o = &scene.entities[r.object];
        let mut deps: Vec<usize> = [Some(r.subject), Some(r.object), r.object2]
            .into_iter()
            .flatten()
            .filter_map(|id| exists[id])
            .collect();
        deps.dedup();
        let mut ents = vec![r.subject, r.object];
        let q = match r.object2 {
            Some(o2) => {
                ents.push(o2);
                let o2 = &scene.entities[o2];
                format!(
                    "{} the {} between the {} and the {}?",
                    b.be(s),
                    b.label(s),
                    b.label(o),
                    b.label(o2)
                )
            }
            None => format!(
                "{} the {} {} the {}?",
                b.be(s),
                b.label(s),
                r.predicate.phrase(),
                b.label(o)
            ),
        };
        b.push(
            AssertionKind::Relation,
            q,
            deps,
            ents,
            Some(r.predicate.as_str().into()),
        );
    }
    scene_items(&mut b, scene, &exists);
    b.out
}

/// The scene-level items: camera, lighting, text, style, then the settings (last, so a scene
/// without its settings has a prefix of the checklist).
fn scene_items(b: &mut Builder<'_>, scene: &Scene, exists: &[Option<usize>]) {
    if let Some(cam) = &scene.camera {
        if let Some(a) = cam.angle {
            let q = match a {
                CameraAngle::EyeLevel => "Is the scene shown at eye level?",
                CameraAngle::FromBelow => "Is the scene viewed from below, from a low angle?",
                CameraAngle::FromAbove => "Is the scene viewed from above, from a high angle?",
                CameraAngle::TopDown => "Is the scene viewed from directly above (top-down)?",
            };
            b.push(
                AssertionKind::Camera,
                q.into(),
                vec![],
                vec![],
                Some(a.as_str().into()),
            );
        }
        if let Some(s) = cam.shot {
            let q = match (
                s,
                scene
                    .entities
                    .iter()
                    .find(|e| e.count != Some(0) && e.kind != EntityKind::Setting),
            ) {
                (Shot::CloseUp, Some(e)) => format!("Is it a close-up of the {}?", b.label(e)),
                (Shot::CloseUp, None) => "Is it a close-up?".to_string(),
                (Shot::Wide, _) => "Is it a wide shot that shows the whole scene?".to_string(),
            };
            b.push(
                AssertionKind::Camera,
                q,
                vec![],
                vec![],
                Some(s.as_str().into()),
            );
        }
    }
    for l in &scene.lighting {
        let q = match l {
            Lighting::Soft => "Is the lighting soft, with gentle shadows?",
            Lighting::Hard => "Is the lighting hard, with crisp shadows?",
            Lighting::Cinematic => {
                "Is the lighting cinematic: contrasty, with a warm key and cool shadows?"
            }
            Lighting::Studio => "Is the scene lit like a studio shot, evenly, on a clean backdrop?",
            Lighting::GoldenHour => "Is the scene lit by low, warm golden-hour light?",
            Lighting::Backlit => "Is the subject lit from behind?",
            Lighting::Natural => "Is the scene lit by natural daylight?",
            Lighting::Dramatic => "Is the lighting dramatic, with deep shadows?",
            Lighting::FromLeft => "Does the main light come from the left?",
            Lighting::FromRight => "Does the main light come from the right?",
            Lighting::FromBehind => "Does the main light come from behind the subject?",
            Lighting::FromAbove => "Does the main light come from above?",
        };
        b.push(
            AssertionKind::Lighting,
            q.into(),
            vec![],
            vec![],
            Some(l.as_str().into()),
        );
    }
    for t in &scene.text {
        match t.entity.filter(|&e| exists[e].is_some()) {
            Some(e) => {
                let ent = &scene.entities[e];
                let q = format!("Does the {} say \"{}\"?", b.label(ent), t.content);
                b.push(
                    AssertionKind::Text,
                    q,
                    exists[e].into_iter().collect(),
                    vec![e],
                    Some(t.content.clone()),
                );
            }
            None => {
                let q = format!("Does the image show the text \"{}\"?", t.content);
                b.push(
                    AssertionKind::Text,
                    q,
                    vec![],
                    vec![],
                    Some(t.content.clone()),
                );
            }
        }
    }
    // The medium and style, when they are a look one can see ("watercolor", "3d render"); tags
    // such as "artstation" or "4k" are not asked about.
    for st in scene.style.iter().filter(|st| visual_style(st)) {
        b.push(
            AssertionKind::Style,
            format!("Is the image in the style \"{st}\"?"),
            vec![],
            vec![],
            Some(st.clone()),
        );
    }
    // Scenery last, so a scene without its settings has a prefix of this checklist (the `sim`
    // provider's ground truth is recorded against it). It is judged as present, nothing more.
    for e in scene
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Setting)
    {
        let q = format!("Does the scene show {} {}?", article(&e.noun), e.noun);
        b.push(AssertionKind::Entity, q, vec![], vec![e.id], None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_for_questions() {
        assert_eq!(plural("sphere"), "spheres");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("cherry"), "cherries");
        assert_eq!(plural("teddy bear"), "teddy bears");
        assert_eq!(plural("person"), "people");
        assert_eq!(plural("toy"), "toys");
    }
}

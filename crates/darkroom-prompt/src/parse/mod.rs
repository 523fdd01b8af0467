//! The prompt grammar: tokens → [`Scene`] (entities, relations, scene-level cues).
//!
//! A single left-to-right pass with a little state, not a general parser: prompts are short
//! noun-phrase lists joined by relations, and a deterministic pass is fast (≥ 50,000 prompts/s)
//! and explainable. The state that makes binding right:
//! - `group`: the entities the current clause is about ("a cat and a dog" → both), so a relation
//!   that follows is said of them ("… on a sofa");
//! - `last`: the last-mentioned entity, which relative clauses ("that is red"), copulas
//!   ("is red"), positions ("on the left") and text ("that says …") attach to;
//! - `pending`: a relation waiting for its object (and, for `between`, its second object).
//!
//! Whatever is not understood goes to `unparsed`, in order.

use crate::lexicon::{self, Dir, Phrase};
use crate::scene::*;
use crate::things;
use crate::tokenize::{tokenize, Kind, Tok};

mod entity;
mod noun;

/// A noun phrase as read, before it is attached to the scene.
#[derive(Debug, Default)]
struct Np {
    /// Token index where the phrase starts.
    start: usize,
    count: Option<u32>,
    at_least: Option<u32>,
    counted: bool,
    definite: bool,
    color: Option<Color>,
    extra_colors: Vec<String>,
    material: Option<Material>,
    size: Option<SizeWord>,
    modifiers: Vec<String>,
    noun: Option<String>,
    plural: bool,
    /// Words inside the phrase that were not understood.
    unknown: Vec<String>,
    /// The phrase as written, for `unparsed` when it attaches to nothing.
    orig: Vec<String>,
    /// Colour and material words, for setting descriptions ("white background").
    attr_words: Vec<String>,
    /// The owner named in a possessive before the noun.
    possessor: Option<String>,
}

#[derive(Debug)]
struct Pending {
    pred: Predicate,
    subjects: Vec<usize>,
    /// For `between`: the first object; for an inverted relation ("on the table, a cup"): the
    /// object waiting for its subject.
    first: Option<usize>,
    words: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Join {
    None,
    And,
    With,
}

struct Parser<'a> {
    toks: &'a [Tok],
    words: Vec<&'a str>,
    scene: Scene,
    group: Vec<usize>,
    /// The previous clause's subjects, for a relation right after a comma.
    prev_group: Vec<usize>,
    last: Option<usize>,
    pending: Option<Pending>,
    join: Join,
    about_last: bool,
    light_ctx: bool,
    text_intro: bool,
    prep: Option<String>,
    negate: bool,
    /// The object of the last vertical relation ("on", "above"…), for stacks.
    stack_top: Option<usize>,
    /// Whether a relation was completed since the clause's subject group began: "and" after
    /// one starts a new subject ("… left of a cube and a cone behind the table").
    related: bool,
    /// The container entity after "a glass of", waiting for its contents.
    container_of: Option<usize>,
    /// Token index just after the last noun phrase, to attach a quoted string that follows
    /// a noun directly (`a sign "OPEN"`).
    np_end: usize,
    /// The last phrase was "holding", "wearing" or "carrying" something.
    held: bool,
    /// Inside a "with" list ("with magnets and photos"), until the clause or a relation ends it.
    in_with: bool,
    /// Token index just after a noun phrase that was dropped ("the back" of "the back of a
    /// wagon"), so the "of" after it goes with it.
    dropped_end: usize,
    /// Text introduced by a dropped word ("the word OPEN") is written on nothing named.
    text_free: bool,
    /// Settings met, in order, with the words describing them, to become setting entities.
    settings: Vec<(String, Vec<String>)>,
}

/// Parses the prompt's words into a scene without the checklist.
pub(crate) fn parse_scene(prompt: &str) -> Scene {
    let mut toks = tokenize(prompt);
    // Words about the picture (medium, style tags, the caption's voice) are not in it.
    let framing = crate::frame::strip(&mut toks);
    let words: Vec<&str> = toks
        .iter()
        .map(|t| match t.kind {
            Kind::Word => t.text.as_str(),
            Kind::Quoted => "\"",
            Kind::Punct | Kind::Flag => ",",
        })
        .collect();
    let mut p = Parser {
        toks: &toks,
        words,
        scene: Scene::default(),
        group: Vec::new(),
        prev_group: Vec::new(),
        last: None,
        pending: None,
        join: Join::None,
        about_last: false,
        light_ctx: false,
        text_intro: false,
        prep: None,
        negate: false,
        container_of: None,
        stack_top: None,
        related: false,
        np_end: usize::MAX,
        held: false,
        in_with: false,
        dropped_end: usize::MAX,
        text_free: false,
        settings: Vec::new(),
    };
    p.scene.dropped = framing.dropped;
    if framing.daylight {
        p.push_light(Lighting::Natural);
    }
    for s in &framing.styles {
        p.push_style(s);
    }
    p.run();
    p.add_setting_entities();
    p.scene
}

/// Prepositions and links the grammar has no relation for.
const PARTICLES: &[&str] = &[
    "into", "through", "out", "up", "down", "off", "over", "past", "across", "along", "around",
    "toward", "towards", "onto", "via", "during", "while", "where", "when", "as", "like", "from",
    "by", "about", "after", "before", "because", "if", "than", "then", "so", "just", "also", "to",
    "of", "for", "is", "are", "was", "were", "be", "been", "being", "can", "could", "will",
    "would", "should", "may", "might", "must", "do", "does", "did", "not", "too", "very", "all",
    "some", "any", "each", "every", "its", "their", "his", "her", "there", "here", "this", "that",
    "these", "those", "which", "who", "what", "how", "why",
];

const CAMERA_TAIL: &[&str] = &[
    "shot",
    "view",
    "perspective",
    "angle",
    "camera",
    "lens",
    "photo",
    "composition",
];
const CONTAINERS: &[&str] = &[
    "poster",
    "picture",
    "painting",
    "photo",
    "drawing",
    "portrait",
    "image",
    "map",
    "statue",
    "sculpture",
    "cup",
    "glass",
    "bowl",
    "bottle",
    "jar",
    "vase",
    "plate",
    "basket",
    "box",
    "bag",
    "bucket",
    "mug",
    "pot",
    "slice",
    "piece",
    "bouquet",
    "can",
    "tray",
    "crate",
    "sack",
    "pitcher",
    "jug",
    "carton",
    "tin",
    "bunch",
    "loaf",
    "field",
    "bowlful",
    "spoonful",
    "shelf",
];

impl<'a> Parser<'a> {
    fn run(&mut self) {
        let n = self.toks.len();
        let mut i = 0;
        while i < n {
            match self.toks[i].kind {
                Kind::Punct => {
                    self.end_clause();
                    i += 1;
                    continue;
                }
                Kind::Quoted => {
                    let attach = !self.text_free && (self.text_intro || self.np_end == i);
                    self.add_text(self.toks[i].orig.clone(), attach);
                    i += 1;
                    continue;
                }
                // Flags are taken out by the framing pass.
                Kind::Word | Kind::Flag => {}
            }
            if self.text_intro && !lexicon::function_word(self.words[i]) {
                // Unquoted text after "that says": one word, as written.
                self.add_text(self.toks[i].orig.clone(), !self.text_free);
                i += 1;
                continue;
            }
            if let Some(len) = self.style_frame(i) {
                i += len;
                continue;
            }
            if let Some((len, ph)) = lexicon::phrase(&self.words[i..]) {
                if let Phrase::Quantity(c, al) = ph {
                    let preset = (c, al);
                    if let Some((np, used)) = self.parse_np(i + len, Some(preset)) {
                        self.handle_np(np, i + len + used);
                        i += len + used;
                        continue;
                    }
                }
                let extra = self.apply_phrase(ph, i, len);
                i += len + extra;
                continue;
            }
            let w = self.words[i];
            match w {
                "and" | "&" | "plus" | "or" => {
                    let in_between = matches!(&self.pending, Some(p) if p.pred == Predicate::Between && p.first.is_some());
                    if !in_between {
                        self.join = Join::And;
                    }
                    i += 1;
                    continue;
                }
                "with" | "without" | "holding" | "wearing" | "carrying" | "has" | "have"
                | "having" => {
                    self.flush_prep();
                    self.join = Join::With;
                    self.negate = w == "without";
                    self.held = matches!(w, "holding" | "wearing" | "carrying");
                    self.in_with = true;
                    i += 1;
                    continue;
                }
                "it" | "them" | "itself" => {
                    if let Some(id) = self.pronoun() {
                        self.attach(id, false);
                        self.np_end = i + 1;
                    } else {
                        self.scene.unparsed.push(self.toks[i].orig.clone());
                    }
                    i += 1;
                    continue;
                }
                "of" => {
                    let container = self.last.filter(|&l| {
                        self.np_end == i
                            && CONTAINERS.contains(&self.scene.entities[l].noun.as_str())
                    });
                    match container {
                        Some(c) => self.container_of = Some(c),
                        // "the back of", "a photo of": goes with the dropped phrase.
                        None if self.dropped_end == i => {}
                        None => self.scene.unparsed.push(self.toks[i].orig.clone()),
                    }
                    i += 1;
                    continue;
                }
                "in" | "inside" | "at" | "within" | "into" | "against" | "amid" | "amidst" => {
                    self.flush_prep();
                    self.prep = Some(self.toks[i].orig.clone());
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if let Some(st) = lexicon::style_word(w)
                .filter(|_| !matches!(w, "photo" | "photograph" | "render" | "illustration"))
            {
                // A style word on its own ("…, photorealistic") describes the image.
                let before_noun =
                    i + 1 < n && self.toks[i + 1].kind == Kind::Word && !self.stops_noun(i + 1);
                if !before_noun {
                    self.push_style(st);
                    i += 1;
                    continue;
                }
            }
            if self.verb_at(i) {
                // A verb after its subject: not an object ("a child waves at a train"), and
                // an action the checklist does not check.
                self.drop(i, DropReason::Act, Decider::Grammar);
                i += 1;
                continue;
            }
            if let Some((np, used)) = self.parse_np(i, None) {
                self.handle_np(np, i + used);
                i += used;
                continue;
            }
            self.not_a_thing(i);
            i += 1;
        }
        self.end_clause();
        if let Some(p) = self.pending.take() {
            self.scene.unparsed.extend(p.words);
        }
    }

    fn orig(&self, from: usize, len: usize) -> Vec<String> {
        self.toks[from..(from + len).min(self.toks.len())]
            .iter()
            .map(|t| t.orig.clone())
            .collect()
    }

    fn flush_prep(&mut self) {
        if let Some(p) = self.prep.take() {
            // "in a leather jacket", "at a table": a relation with no question of its own.
            self.scene.dropped.push(Dropped {
                word: p.to_lowercase(),
                reason: DropReason::Relation,
                decided_by: Decider::Grammar,
            });
        }
    }

    /// Records the word at `i` as dropped.
    fn drop(&mut self, i: usize, reason: DropReason, decided_by: Decider) {
        self.scene.dropped.push(Dropped {
            word: self.words[i].to_string(),
            reason,
            decided_by,
        });
    }

    /// A word that starts no phrase: a link word, a verb or an adjective standing alone is
    /// dropped with why; anything else was not understood.
    fn not_a_thing(&mut self, i: usize) {
        let w = self.words[i];
        if lexicon::function_word(w) || PARTICLES.contains(&w) {
            self.drop(i, DropReason::Relation, Decider::Grammar);
        } else if lexicon::verb_form(w) || things::verb_inflection(w) {
            self.drop(i, DropReason::Act, Decider::Grammar);
        } else if let Some(e) = crate::wordnet::lookup(w).filter(|e| e.noun.is_none()) {
            let reason = if e.verb {
                DropReason::Act
            } else {
                DropReason::Attribute
            };
            self.drop(i, reason, Decider::Lexicon);
        } else {
            self.scene.unparsed.push(self.toks[i].orig.clone());
        }
    }

    fn end_clause(&mut self) {
        self.flush_prep();
        // An inverted relation ("On the table, a red cup") waits across the comma for its
        // subject; anything else left dangling was not understood.
        let keep = matches!(&self.pending, Some(p) if p.subjects.is_empty() && p.first.is_some());
        if !keep {
            if let Some(p) = self.pending.take() {
                self.scene.unparsed.extend(p.words);
            }
        }
        if !self.group.is_empty() {
            self.prev_group = std::mem::take(&mut self.group);
        }
        self.join = Join::None;
        self.about_last = false;
        self.stack_top = None;
        self.related = false;
        self.light_ctx = false;
        self.text_intro = false;
        self.negate = false;
        self.container_of = None;
        self.held = false;
        self.in_with = false;
        self.text_free = false;
    }

    fn relation_subjects(&mut self) -> Vec<usize> {
        if self.about_last {
            self.about_last = false;
            return self.last.into_iter().collect();
        }
        if self.group.is_empty() {
            // After a comma the relation is said of the previous clause's subject; at the start
            // of a prompt there is none yet (an inverted relation: "on the table, a cup").
            return self.prev_group.clone();
        }
        self.group.clone()
    }

    /// Applies a phrase; returns how many extra words after it were consumed.
    fn apply_phrase(&mut self, ph: Phrase, i: usize, len: usize) -> usize {
        let extra = 0;
        match ph {
            Phrase::Rel(_) | Phrase::Between => {
                let pred = match ph {
                    Phrase::Rel(p) => p,
                    _ => Predicate::Between,
                };
                let vertical = matches!(
                    pred,
                    Predicate::On | Predicate::Above | Predicate::Below | Predicate::Under
                );
                let subjects = match (vertical, self.stack_top) {
                    // "a cube on a sphere on a cylinder": a stack, each on the one named after it.
                    (true, Some(top)) if Some(top) == self.last && !self.about_last => vec![top],
                    _ => self.relation_subjects(),
                };
                if let Some(old) = self.pending.take() {
                    self.scene.unparsed.extend(old.words);
                }
                self.flush_prep();
                self.in_with = false;
                self.pending = Some(Pending {
                    pred,
                    subjects,
                    first: None,
                    words: self.orig(i, len),
                });
            }
            Phrase::Position(_)
            | Phrase::Camera(_)
            | Phrase::Shot(_)
            | Phrase::Light(_)
            | Phrase::Style(_) => {
                self.prep = None;
                return self.apply_scene_phrase(ph, i, len);
            }
            _ => return self.apply_scene_phrase(ph, i, len),
        }
        extra
    }

    /// Scene-level phrases ("at golden hour", "in the centre"): a preposition before them is
    /// part of the phrase.
    fn apply_scene_phrase(&mut self, ph: Phrase, i: usize, len: usize) -> usize {
        let mut extra = 0;
        match ph {
            Phrase::Position(pos) => match self.last {
                Some(l) => self.scene.entities[l].position = Some(pos),
                None => self.scene.unparsed.extend(self.orig(i, len)),
            },
            Phrase::Camera(angle) => {
                self.scene.camera.get_or_insert_with(Camera::default).angle = Some(angle);
                extra = self.camera_tail(i + len);
            }
            Phrase::Shot(shot) => {
                self.scene.camera.get_or_insert_with(Camera::default).shot = Some(shot);
                extra = self.camera_tail(i + len);
            }
            Phrase::Light(l) => {
                self.push_light(l);
                self.light_ctx = true;
            }
            Phrase::LightWord => self.light_ctx = true,
            Phrase::From(dir) => match (dir, self.light_ctx) {
                (Dir::Left, _) => self.push_light(Lighting::FromLeft),
                (Dir::Right, _) => self.push_light(Lighting::FromRight),
                (Dir::Behind, _) => self.push_light(Lighting::Backlit),
                (Dir::Above, true) => self.push_light(Lighting::FromAbove),
                (Dir::Above, false) => {
                    self.scene.camera.get_or_insert_with(Camera::default).angle =
                        Some(CameraAngle::FromAbove)
                }
                (Dir::Below, false) => {
                    self.scene.camera.get_or_insert_with(Camera::default).angle =
                        Some(CameraAngle::FromBelow)
                }
                (Dir::Below, true) => self.scene.unparsed.extend(self.orig(i, len)),
            },
            Phrase::Style(s) => self.push_style(s),
            Phrase::Quantity(..) => self.scene.unparsed.extend(self.orig(i, len)),
            Phrase::TextIntro => self.text_intro = true,
            Phrase::Relative | Phrase::Copula => self.about_last = true,
            Phrase::Skip | Phrase::Rel(_) | Phrase::Between => {}
        }
        extra
    }

    /// "an oil painting of", "a watercolor illustration of", "an isometric 3d render of": an
    /// article, style words, "of". Records the styles and returns the words consumed.
    fn style_frame(&mut self, i: usize) -> Option<usize> {
        if !matches!(self.words[i], "a" | "an") {
            return None;
        }
        let mut j = i + 1;
        let mut found: Vec<&'static str> = Vec::new();
        while j < self.words.len() {
            if let Some((len, Phrase::Style(s))) = lexicon::phrase(&self.words[j..]) {
                found.push(s);
                j += len;
            } else if let Some(s) = lexicon::style_word(self.words[j]) {
                found.push(s);
                j += 1;
            } else if matches!(
                self.words[j],
                "painting"
                    | "drawing"
                    | "sketch"
                    | "poster"
                    | "portrait"
                    | "picture"
                    | "image"
                    | "print"
            ) && !found.is_empty()
            {
                j += 1;
            } else {
                break;
            }
        }
        if found.is_empty() || self.words.get(j) != Some(&"of") {
            return None;
        }
        for s in found {
            self.push_style(s);
        }
        Some(j + 1 - i)
    }

    fn camera_tail(&self, j: usize) -> usize {
        usize::from(self.words.get(j).is_some_and(|w| CAMERA_TAIL.contains(w)))
    }

    fn push_light(&mut self, l: Lighting) {
        // "from behind" and "backlit" are the same cue; keep one.
        let l = if l == Lighting::FromBehind {
            Lighting::Backlit
        } else {
            l
        };
        if !self.scene.lighting.contains(&l) {
            self.scene.lighting.push(l);
        }
    }

    fn push_style(&mut self, s: &str) {
        if !self.scene.style.iter().any(|x| x == s) {
            self.scene.style.push(s.to_string());
        }
    }

    fn add_text(&mut self, content: String, attach: bool) {
        let entity = if attach { self.last } else { None };
        self.scene.text.push(TextItem { content, entity });
        self.text_intro = false;
    }

    fn pronoun(&self) -> Option<usize> {
        let mut ids: Vec<usize> = (0..self.scene.entities.len()).rev().collect();
        ids.retain(|id| !self.group.contains(id));
        ids.first().copied().or(self.last)
    }
}

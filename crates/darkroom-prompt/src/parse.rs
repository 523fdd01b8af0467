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

use darkroom_color::{named, Rgb8};

use crate::inflect;
use crate::lexicon::{self, Dir, Phrase};
use crate::scene::*;
use crate::things::{self, Evidence, Verdict};
use crate::tokenize::{tokenize, Kind, Tok};

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

    fn color_at(&self, j: usize) -> Option<(Color, usize)> {
        let w = *self.words.get(j)?;
        if self.toks[j].kind != Kind::Word {
            return None;
        }
        if w.starts_with('#') {
            let rgb = Rgb8::from_hex(w)?;
            return Some((Color::new(rgb.to_hex(), rgb), 1));
        }
        let next = self
            .words
            .get(j + 1)
            .copied()
            .filter(|_| self.toks.get(j + 1).is_some_and(|t| t.kind == Kind::Word));
        if let (Some((white, black)), Some(nx)) = (lexicon::color_modifier(w), next) {
            if let Some(base) = named::lookup(nx) {
                let joined = format!("{w}{nx}");
                let rgb = named::lookup(&joined).unwrap_or_else(|| {
                    base.mix(Rgb8::new(255, 255, 255), white)
                        .mix(Rgb8::new(0, 0, 0), black)
                });
                return Some((Color::new(format!("{w} {nx}"), rgb), 2));
            }
        }
        if let Some(nx) = next {
            // Two-word CSS names ("sky blue", "royal blue") and colour pairs ("navy blue").
            if let Some(rgb) =
                named::lookup(&format!("{w}{nx}")).filter(|_| named::lookup(nx).is_some())
            {
                return Some((Color::new(format!("{w} {nx}"), rgb), 2));
            }
            // Not "orange orange": the second is the fruit.
            if let (Some(rgb), Some(_), false) = (named::lookup(w), named::lookup(nx), nx == w) {
                if matches!(
                    nx,
                    "blue"
                        | "green"
                        | "red"
                        | "yellow"
                        | "purple"
                        | "pink"
                        | "orange"
                        | "brown"
                        | "gray"
                        | "grey"
                ) {
                    return Some((Color::new(format!("{w} {nx}"), rgb), 2));
                }
            }
        }
        if lexicon::material(w).is_some() && w != "golden" {
            return None;
        }
        let rgb = named::lookup(w)?;
        Some((Color::new(w, rgb), 1))
    }

    /// A colour, material, size or known descriptive word.
    fn is_attr(&self, j: usize) -> bool {
        let w = self.words[j];
        self.toks[j].kind == Kind::Word
            && (self.color_at(j).is_some()
                || lexicon::material(w).is_some()
                || lexicon::size(w).is_some()
                || lexicon::descriptive(w))
    }

    fn stops_noun(&self, j: usize) -> bool {
        let w = self.words[j];
        if self.verb_at(j) {
            return true;
        }
        if self.toks[j].kind == Kind::Word && self.compound_ahead(j) {
            return false;
        }
        self.toks[j].kind != Kind::Word
            || lexicon::function_word(w)
            || lexicon::count_word(w).is_some()
            || lexicon::phrase(&self.words[j..]).is_some()
            || lexicon::verbish(w) && !lexicon::descriptive(w)
            || lexicon::descriptive(w)
            || lexicon::size(w).is_some()
            || (lexicon::material(w).is_some() && !self.compound_ahead(j))
            || (named::lookup(w).is_some() && !lexicon::color_noun(w))
            || w.starts_with('#')
            || matches!(w, "is" | "are" | "that" | "which" | "who" | "one" | "ones")
    }

    /// Whether the word at `j` is a verb after its subject: a verb form straight after a word
    /// ("a child waves", "two people sit"), or a noun-like "-ing" word with a determiner after
    /// it ("a child building a sandcastle").
    fn verb_at(&self, j: usize) -> bool {
        if self.toks[j].kind != Kind::Word || j == 0 || self.toks[j - 1].kind != Kind::Word {
            return false;
        }
        let w = self.words[j];
        let prev = self.words[j - 1];
        // "a helicopter flies over": after "a" and one noun, a plural cannot be its head.
        let singular_subject = j >= 2
            && matches!(self.words[j - 2], "a" | "an")
            && !lexicon::descriptive(prev)
            && named::lookup(prev).is_none()
            && self.toks[j - 2].kind == Kind::Word;
        if singular_subject
            && w.len() > 3
            && w.ends_with('s')
            && !w.ends_with("ss")
            && crate::wordnet::lookup(&inflect::singular(w)).is_some_and(|e| e.verb)
            && !lexicon::compound(&format!("{prev} {}", inflect::singular(w)))
        {
            return true;
        }
        // After a determiner or an adjective the word is a noun ("a big wave").
        let after_subject = !matches!(
            prev,
            "a" | "an" | "the" | "his" | "her" | "its" | "their" | "my" | "our"
        ) && lexicon::size(prev).is_none()
            && !lexicon::descriptive(prev)
            && named::lookup(prev).is_none()
            && lexicon::material(prev).is_none()
            && !matches!(
                prev,
                "huge" | "giant" | "tiny" | "little" | "tall" | "short" | "long"
            );
        if lexicon::verb_form(w) && after_subject {
            return true;
        }
        // WordNet's inflections only after a word that can be a subject: a noun, not an
        // adjective ("an open charging case") or a verb ("blowing bubbles").
        let subject_before = crate::wordnet::lookup(prev)
            .is_none_or(|e| e.noun.is_some() && !e.adjective)
            && !lexicon::verb_form(prev)
            && !things::verb_inflection(prev);
        if after_subject && subject_before && things::verb_inflection(w) {
            return true;
        }
        lexicon::gerund_noun(w)
            && after_subject
            && self
                .words
                .get(j + 1)
                .is_some_and(|n| matches!(*n, "a" | "an" | "the" | "his" | "her" | "its" | "their"))
    }

    /// Whether `words[j..]` starts a known multi-word noun ("glass bottle" is not; "wine glass" is).
    fn compound_ahead(&self, j: usize) -> bool {
        let Some(nx) = self.words.get(j + 1) else {
            return false;
        };
        lexicon::compound(&format!("{} {}", self.words[j], inflect::singular(nx)))
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the noun phrase grammar's cases in one place"
    )]
    fn parse_np(
        &mut self,
        start: usize,
        preset: Option<(Option<u32>, Option<u32>)>,
    ) -> Option<(Np, usize)> {
        let n = self.toks.len();
        let mut np = Np {
            start,
            ..Np::default()
        };
        let mut j = start;
        if let Some((c, al)) = preset {
            np.count = c;
            np.at_least = al;
            np.counted = true;
        } else if j < n && self.toks[j].kind == Kind::Word {
            if let Some((c, al, def)) = lexicon::count_word(self.words[j]) {
                np.count = c;
                np.at_least = al;
                np.definite = def;
                np.counted = !def;
                j += 1;
                // "the two cubes"
                if def && j < n {
                    if let Some((c2, al2, false)) = lexicon::count_word(self.words[j]) {
                        if !matches!(self.words[j], "a" | "an") {
                            np.count = c2;
                            np.at_least = al2;
                            np.counted = true;
                            j += 1;
                        }
                    }
                }
            }
        }
        // Adjectives, then nouns; unknown words followed by more adjectives and a noun were
        // adjectives we do not know ("a glorbly red sphere"), and go to `unknown`.
        let mut last_attr: Option<(usize, &'static str)> = None;
        // The last describing word, which may be the noun ("a large blue square").
        let mut last_desc: Option<usize> = None;
        let mut noun_words: Vec<&str>;
        loop {
            while j < n && self.toks[j].kind == Kind::Word {
                let w = self.words[j];
                if self.compound_ahead(j) {
                    break;
                }
                if let Some((c, used)) = self.color_at(j) {
                    // "a yellow orange": a two-word colour whose last word is a colour noun
                    // ending the phrase is a colour and the fruit.
                    let (c, used) = match named::lookup(w) {
                        Some(rgb)
                            if used == 2
                                && lexicon::color_noun(self.words[j + 1])
                                && (np.counted || np.definite)
                                && (self.toks.get(j + 2).is_none_or(|t| t.kind != Kind::Word)
                                    || self.words.get(j + 2).is_some_and(|x| {
                                        matches!(*x, "and" | "or" | "with")
                                            || lexicon::phrase(&self.words[j + 2..]).is_some()
                                    })) =>
                        {
                            (Color::new(w, rgb), 1)
                        }
                        _ => (c, used),
                    };
                    if np.color.is_none() {
                        np.color = Some(c.clone());
                    } else {
                        np.extra_colors.push(c.name.clone());
                    }
                    np.attr_words.push(c.name);
                    last_attr = Some((j, "color"));
                    j += used;
                    // "a red and green kite": both colours are the kite's.
                    if j + 1 < n && self.words[j] == "and" && self.color_at(j + 1).is_some() {
                        j += 1;
                        continue;
                    }
                    // "an orange orange", "a yellow orange": a colour noun after a colour that
                    // ends the phrase is the fruit.
                    let ends_after = |k: usize| {
                        self.toks.get(k).is_none_or(|t| t.kind != Kind::Word)
                            || self.words.get(k).is_some_and(|w| {
                                lexicon::function_word(w)
                                    || lexicon::phrase(&self.words[k..]).is_some()
                            })
                    };
                    if j < n
                        && lexicon::color_noun(self.words[j])
                        && named::lookup(self.words[j]).is_some()
                        && self.toks[j].kind == Kind::Word
                        && (self.words[j] == w || ends_after(j + 1))
                    {
                        break;
                    }
                    // "red-colored", "blue coloured"
                    if j < n
                        && matches!(
                            self.words[j],
                            "colored" | "coloured" | "tinted" | "toned" | "hued"
                        )
                    {
                        j += 1;
                    }
                    continue;
                }
                if let Some(m) = lexicon::material(w) {
                    // A finish and a substance can both be said ("glossy ceramic"); keep the substance.
                    match np.material {
                        Some(old) if old.is_finish() && !m.is_finish() => {
                            np.modifiers.push(old.as_str().to_string());
                            np.material = Some(m);
                        }
                        Some(_) => np.modifiers.push(w.to_string()),
                        None => np.material = Some(m),
                    }
                    np.attr_words.push(w.to_string());
                    last_attr = Some((j, "material"));
                    j += 1;
                    continue;
                }
                if let Some(s) = lexicon::size(w) {
                    np.size = Some(s);
                    j += 1;
                    continue;
                }
                // "a diamond-shaped sign", "a heart shaped box": a describing pair.
                if self.words.get(j + 1).is_some_and(|x| {
                    matches!(
                        *x,
                        "shaped"
                            | "sized"
                            | "tipped"
                            | "themed"
                            | "patterned"
                            | "print"
                            | "striped"
                    )
                }) && self.toks[j + 1].kind == Kind::Word
                    && self
                        .words
                        .get(j + 2)
                        .is_some_and(|x| !lexicon::function_word(x))
                {
                    np.modifiers.push(format!("{}-{}", w, self.words[j + 1]));
                    j += 2;
                    continue;
                }
                if lexicon::descriptive(w) {
                    np.modifiers.push(w.to_string());
                    last_desc = Some(j);
                    j += 1;
                    continue;
                }
                if let Some((len, Phrase::Style(st))) = lexicon::phrase(&self.words[j..]) {
                    self.push_style(st);
                    j += len;
                    continue;
                }
                if let Some(st) = lexicon::style_word(w) {
                    let more = j + 1 < n
                        && self.toks[j + 1].kind == Kind::Word
                        && !lexicon::function_word(self.words[j + 1])
                        && lexicon::phrase(&self.words[j + 1..])
                            .is_none_or(|(_, p)| matches!(p, Phrase::Style(_)));
                    if more && !matches!(w, "photo" | "photograph" | "render" | "illustration") {
                        self.push_style(st);
                        j += 1;
                        continue;
                    }
                }
                break;
            }
            // Nouns.
            let noun_start = j;
            while j < n {
                // "wine glass": a known compound continues the noun even through a material word.
                let joins = j > noun_start
                    && self.toks[j].kind == Kind::Word
                    && lexicon::compound(&format!(
                        "{} {}",
                        self.words[j - 1],
                        inflect::singular(self.words[j])
                    ));
                if !joins && self.stops_noun(j) {
                    break;
                }
                j += 1;
            }
            noun_words = self.words[noun_start..j].to_vec();
            let mut k = j;
            while k < n && self.is_attr(k) {
                k += 1;
            }
            if !noun_words.is_empty() && k > j && k < n && !self.stops_noun(k) {
                np.unknown
                    .extend(self.toks[noun_start..j].iter().map(|t| t.orig.clone()));
                continue;
            }
            break;
        }
        if noun_words.is_empty() && j < n && matches!(self.words[j], "one" | "ones") && j > start {
            // "a red one": the noun of the entity just mentioned.
            if let Some(l) = self.last {
                np.noun = Some(self.scene.entities[l].noun.clone());
                np.plural = self.words[j] == "ones";
                j += 1;
            }
        }
        if noun_words.is_empty() && np.noun.is_none() {
            // "a glass", "an orange": the last attribute word was the noun.
            if let Some((k, what)) = last_attr {
                let w = self.words[k];
                let counted = np.counted || np.definite;
                if k + 1 == j && lexicon::color_noun(w) && (counted || what == "material") {
                    match what {
                        "color" => np.color = None,
                        _ => np.material = None,
                    }
                    np.attr_words.pop();
                    noun_words.push(w);
                }
            }
        }
        let determined = np.counted || np.definite || self.join == Join::With;
        if noun_words.is_empty() && np.noun.is_none() && determined && last_desc == j.checked_sub(1)
        {
            // "a large blue square": a describing word that ends a counted phrase and is a
            // thing in WordNet is its noun.
            let w = self.words[j - 1];
            let thing = crate::wordnet::lookup(w)
                .and_then(|e| e.noun)
                .is_some_and(|n| n.physical() || n.class == crate::wordnet::Class::Shape);
            let ends = self.toks.get(j).is_none_or(|t| t.kind != Kind::Word)
                || self.words.get(j).is_some_and(|n| lexicon::function_word(n));
            if thing && ends && np.modifiers.last().map(String::as_str) == Some(w) {
                np.modifiers.pop();
                noun_words.push(w);
            }
        }
        // "the Statue of Liberty", "the Tower of London": a name WordNet knows runs through "of".
        if !noun_words.is_empty() && self.words.get(j) == Some(&"of") {
            let named = (1..=2).rev().find_map(|n| {
                let tail = self.words.get(j + 1..j + 1 + n)?;
                if self.toks[j + 1..j + 1 + n]
                    .iter()
                    .any(|t| t.kind != Kind::Word)
                {
                    return None;
                }
                let head = noun_words[noun_words.len() - 1];
                let name = format!("{head} of {}", tail.join(" "));
                known_compound(&name).then_some((name, n))
            });
            if let Some((name, n)) = named {
                j += 1 + n;
                let before = noun_words.len() - 1;
                np.modifiers
                    .extend(noun_words[..before].iter().map(|w| (*w).to_string()));
                np.noun = Some(name);
                np.orig = self.orig(start, j - start);
                return Some((np, j - start));
            }
        }
        if !noun_words.is_empty() {
            let nw = build_noun(&noun_words);
            np.noun = Some(nw.noun);
            np.plural = nw.plural;
            np.unknown.extend(nw.unknown);
            np.modifiers.extend(nw.modifiers);
            np.possessor = nw.possessor;
            // "three guitars vector image": the medium is the picture's style.
            let media: Vec<&str> = nw
                .dropped
                .iter()
                .filter(|(_, r)| *r == DropReason::Medium)
                .map(|(w, _)| w.as_str())
                .collect();
            if !media.is_empty() {
                let style = media.join(" ");
                self.push_style(&style);
            }
            self.scene
                .dropped
                .extend(nw.dropped.into_iter().map(|(word, reason)| Dropped {
                    word,
                    reason,
                    decided_by: Decider::Grammar,
                }));
        }
        if j == start {
            return None;
        }
        np.orig = self.orig(start, j - start);
        Some((np, j - start))
    }

    fn handle_np(&mut self, np: Np, end: usize) {
        self.scene.unparsed.extend(np.unknown.iter().cloned());
        let Some(noun) = np.noun.clone() else {
            // Attributes only ("is red", "in red", "made of glass"): said of the last entity.
            let target = if self.about_last || self.prep.is_some() || self.join == Join::None {
                self.last
            } else {
                None
            };
            self.about_last = false;
            let prep = self.prep.take();
            match target {
                Some(t)
                    if np.color.is_some()
                        || np.material.is_some()
                        || np.size.is_some()
                        || !np.modifiers.is_empty() =>
                {
                    let e = &mut self.scene.entities[t];
                    merge_attrs(e, &np);
                }
                _ => {
                    self.scene.unparsed.extend(prep);
                    self.scene.unparsed.extend(np.orig);
                }
            }
            return;
        };
        // Setting: "in a kitchen", "on a white background".
        let via_on = matches!(&self.pending, Some(p) if p.pred == Predicate::On || p.pred == Predicate::InFrontOf);
        if lexicon::setting_noun(&noun)
            && (self.prep.is_some() || via_on || matches!(noun.as_str(), "background" | "backdrop"))
        {
            let mut desc = np.attr_words.clone();
            desc.push(noun.clone());
            self.scene.setting.push(desc.join(" "));
            self.settings.push((noun.clone(), np.attr_words.clone()));
            if matches!(
                noun.as_str(),
                "background" | "backdrop" | "wall" | "seamless backdrop"
            ) {
                if let Some(c) = np.color.clone() {
                    self.scene.background = Some(c);
                }
            }
            self.prep = None;
            if via_on {
                self.pending = None;
            }
            self.np_end = end;
            return;
        }
        self.flush_prep();
        if let Some(c) = self.container_of.take() {
            let mut desc = np.attr_words.clone();
            desc.push(noun);
            self.scene.entities[c]
                .modifiers
                .push(format!("of {}", desc.join(" ")));
            self.np_end = end;
            return;
        }
        let ev = self.evidence(&np, end);
        // "a herd of dolphins" gathers; "a family of four posing" is the family.
        let of_a_number = self
            .words
            .get(end + 1)
            .and_then(|w| lexicon::count_word(w))
            .is_some_and(|(n, _, _)| n.is_some_and(|n| n > 1))
            && self.words.get(end + 2).is_none_or(|w| {
                self.toks[end + 2].kind != Kind::Word
                    || lexicon::function_word(w)
                    || things::verb_inflection(w)
            });
        let gathers =
            things::collective(&noun) && self.words.get(end) == Some(&"of") && !of_a_number;
        // "a few feet in front of": a measure.
        let measure = things::unit(&noun)
            && self.words.get(end).is_some_and(|w| {
                lexicon::function_word(w)
                    || matches!(*w, "away" | "tall" | "long" | "wide" | "high" | "deep")
                    || lexicon::phrase(&self.words[end..]).is_some()
            });
        let verdict = if gathers {
            Verdict::Drop(DropReason::Collective, Decider::Grammar)
        } else if measure {
            Verdict::Drop(DropReason::Attribute, Decider::Grammar)
        } else {
            things::verdict(&noun, &ev)
        };
        let (kind, by) = match verdict {
            Verdict::Thing(kind, by) => (kind, by),
            Verdict::Drop(reason, decided_by) => {
                if reason == DropReason::TextIntro {
                    self.text_intro = true;
                    self.text_free = true;
                }
                self.scene
                    .dropped
                    .extend(np.attr_words.iter().map(|w| Dropped {
                        word: w.clone(),
                        reason,
                        decided_by,
                    }));
                self.scene.dropped.push(Dropped {
                    word: noun,
                    reason,
                    decided_by,
                });
                self.dropped_end = end;
                return;
            }
        };
        let noun = things::person_noun(&noun).map_or(noun, str::to_string);
        if let Some(owner) = np.possessor.clone().filter(|_| things::part(&noun)) {
            self.add_possessor(owner, end);
        }
        let id = self.resolve(&np, noun);
        self.scene.entities[id].kind = kind;
        self.scene.entities[id].decided_by = by;
        self.np_end = end;
        self.attach(id, true);
        self.held = false;
    }

    /// "the moon's surface": the moon is in the picture too, as a thing of its own when the
    /// lexicon and grammar say it is one (it takes no part in the clause's relations).
    fn add_possessor(&mut self, owner: String, end: usize) {
        let ev = Evidence {
            determined: true,
            ..Evidence::default()
        };
        let Verdict::Thing(kind, decided_by) = things::verdict(&owner, &ev) else {
            return;
        };
        let _ = end;
        if self.scene.entities.iter().any(|e| e.noun == owner) {
            return;
        }
        let owner_np = Np {
            definite: true,
            ..Np::default()
        };
        let id = self.resolve(&owner_np, owner);
        self.scene.entities[id].kind = kind;
        self.scene.entities[id].decided_by = decided_by;
    }

    /// What the words around a noun phrase say about whether it is physical.
    fn evidence(&self, np: &Np, end: usize) -> Evidence {
        let next_word = self
            .words
            .get(end)
            .copied()
            .filter(|_| self.toks.get(end).is_some_and(|t| t.kind == Kind::Word));
        let next_quoted = self.toks.get(end).is_some_and(|t| t.kind == Kind::Quoted);
        let next_shouted = self.toks.get(end).is_some_and(|t| {
            t.kind == Kind::Word && t.orig.chars().any(char::is_uppercase) && t.orig.len() > 1
        });
        let relation_after = matches!(
            self.words.get(end..).and_then(lexicon::phrase),
            Some((_, Phrase::Rel(_) | Phrase::Between))
        );
        let prev = np
            .start
            .checked_sub(1)
            .filter(|&k| self.toks[k].kind == Kind::Word)
            .map(|k| self.words[k]);
        Evidence {
            color: np.color.is_some(),
            material_or_size: np.material.is_some() || np.size.is_some(),
            several: np.counted && np.count.is_some_and(|c| c >= 2),
            related: self.pending.is_some() || relation_after,
            held: self.held,
            // `a sign "OPEN"`, `an 'OPEN' sign`.
            bears_text: next_quoted
                || np
                    .start
                    .checked_sub(1)
                    .is_some_and(|k| self.toks[k].kind == Kind::Quoted)
                || next_word.is_some_and(|w| {
                    matches!(
                        w,
                        "saying" | "says" | "reading" | "reads" | "labeled" | "labelled"
                    )
                }),
            text_follows: next_quoted || next_shouted,
            after_verb: prev.is_some_and(|w| {
                lexicon::verb_form(w) || w.ends_with("ing") || lexicon::verbish(w)
            }),
            after_modal: prev.is_some_and(|w| {
                matches!(
                    w,
                    "can" | "could" | "will" | "would" | "may" | "might" | "must" | "should"
                )
            }),
            determined: np.definite || np.counted,
            with: self.join == Join::With || self.in_with,
            plural: np.plural,
        }
    }

    /// Settings become entities of kind `setting`, after every other entity so no id moves.
    /// A backdrop is not scenery (its colour is checked as the background).
    fn add_setting_entities(&mut self) {
        for (noun, attrs) in std::mem::take(&mut self.settings) {
            let backdrop = matches!(
                noun.as_str(),
                "background"
                    | "backdrop"
                    | "seamless backdrop"
                    | "void"
                    | "darkness"
                    | "interior"
                    | "night"
            );
            if backdrop || self.scene.entities.iter().any(|e| e.noun == noun) {
                continue;
            }
            let id = self.scene.entities.len();
            self.scene.entities.push(Entity {
                id,
                noun,
                count: Some(1),
                count_at_least: None,
                color: None,
                material: None,
                size: None,
                position: None,
                modifiers: attrs,
                kind: EntityKind::Setting,
                decided_by: Decider::Grammar,
            });
        }
    }

    /// Finds the entity a definite phrase refers to, or creates a new one.
    fn resolve(&mut self, np: &Np, noun: String) -> usize {
        if np.definite {
            let found = self.scene.entities.iter().rev().find(|e| {
                e.noun == noun
                    && match (&np.color, &e.color) {
                        (Some(a), Some(b)) => a.hex == b.hex,
                        _ => true,
                    }
            });
            if let Some(e) = found {
                let id = e.id;
                merge_attrs(&mut self.scene.entities[id], np);
                return id;
            }
        }
        let (count, at_least) = if self.negate {
            (Some(0), None)
        } else if np.counted {
            (np.count, np.at_least)
        } else if np.plural {
            (None, Some(2))
        } else {
            (Some(1), None)
        };
        let id = self.scene.entities.len();
        let mut e = Entity {
            id,
            noun,
            count,
            count_at_least: if count.is_none() {
                at_least.or(Some(2))
            } else {
                None
            },
            color: None,
            material: None,
            size: None,
            position: None,
            modifiers: Vec::new(),
            kind: EntityKind::Object,
            decided_by: Decider::Grammar,
        };
        merge_attrs(&mut e, np);
        self.scene.entities.push(e);
        id
    }

    /// Places an entity in the clause: object of a pending relation, or a (new) subject.
    fn attach(&mut self, id: usize, _new: bool) {
        if let Some(mut p) = self.pending.take() {
            if p.subjects.is_empty() {
                match p.first {
                    None => {
                        // Inverted: "on the table, a cup" — the object comes first.
                        p.first = Some(id);
                        self.pending = Some(p);
                        self.last = Some(id);
                        return;
                    }
                    Some(obj) if p.pred != Predicate::Between => {
                        self.add_relation(id, p.pred, obj, None);
                        self.group = vec![id];
                        self.last = Some(id);
                        self.join = Join::None;
                        return;
                    }
                    Some(_) => {}
                }
            }
            if p.pred == Predicate::Between {
                let several = self.scene.entities[id].count.is_none_or(|c| c >= 2);
                match p.first {
                    // "between two plates": the two copies of one entity.
                    None if several => {
                        for &s in &p.subjects {
                            self.add_relation(s, Predicate::Between, id, Some(id));
                        }
                        self.related = true;
                    }
                    None => {
                        p.first = Some(id);
                        self.pending = Some(p);
                    }
                    Some(first) => {
                        for &s in &p.subjects {
                            self.add_relation(s, Predicate::Between, first, Some(id));
                        }
                        self.related = true;
                        if p.subjects.is_empty() {
                            self.scene.unparsed.extend(p.words);
                        }
                    }
                }
            } else {
                for &s in &p.subjects {
                    self.add_relation(s, p.pred, id, None);
                }
                self.related = true;
                let vertical = matches!(
                    p.pred,
                    Predicate::On | Predicate::Above | Predicate::Below | Predicate::Under
                );
                self.stack_top = if vertical { Some(id) } else { None };
            }
            self.last = Some(id);
            self.join = Join::None;
            return;
        }
        match self.join {
            Join::And if !self.group.is_empty() && !self.related => self.group.push(id),
            _ => {
                self.group = vec![id];
                self.related = false;
            }
        }
        self.stack_top = None;
        self.join = Join::None;
        self.negate = false;
        self.last = Some(id);
    }

    fn add_relation(
        &mut self,
        subject: usize,
        predicate: Predicate,
        object: usize,
        object2: Option<usize>,
    ) {
        if subject == object
            || Some(subject) == object2
            || (object2.is_some() && predicate != Predicate::Between)
        {
            return;
        }
        let r = Relation {
            subject,
            predicate,
            object,
            object2,
        };
        if !self.scene.relations.contains(&r) {
            self.scene.relations.push(r);
        }
    }
}

fn merge_attrs(e: &mut Entity, np: &Np) {
    if let Some(c) = &np.color {
        match &e.color {
            None => e.color = Some(c.clone()),
            Some(old) if old.hex != c.hex => e.modifiers.push(c.name.clone()),
            Some(_) => {}
        }
    }
    e.modifiers.extend(np.extra_colors.iter().cloned());
    if let Some(m) = np.material {
        match e.material {
            None => e.material = Some(m),
            Some(old) if old.is_finish() && !m.is_finish() => {
                e.modifiers.push(old.as_str().to_string());
                e.material = Some(m);
            }
            Some(old) if old != m => e.modifiers.push(m.as_str().to_string()),
            Some(_) => {}
        }
    }
    if np.size.is_some() {
        e.size = np.size;
    }
    for m in &np.modifiers {
        if !e.modifiers.contains(m) {
            e.modifiers.push(m.clone());
        }
    }
}

/// A noun phrase's noun words, read.
struct NounWords {
    noun: String,
    plural: bool,
    /// Words before the noun WordNet knows as describing words ("punk rock", "tabby").
    modifiers: Vec<String>,
    /// Words around the noun that are not things, with why ("cartoon", "vector image" are the
    /// picture's; "family" in "an owl family" gathers the owls).
    dropped: Vec<(String, DropReason)>,
    /// Words not understood.
    unknown: Vec<String>,
    /// The owner in a possessive ("the moon's surface" → "moon"), itself in the picture.
    possessor: Option<String>,
}

/// Whether `words` is a multi-word noun: the grammar's list, or a physical WordNet compound.
fn known_compound(words: &str) -> bool {
    lexicon::compound(words)
        || crate::wordnet::lookup(words)
            .and_then(|e| e.noun)
            .is_some_and(|n| n.physical())
}

/// Builds a noun from the noun words: known compounds, noun-noun compounds, else the last word
/// with the words before it kept as its modifiers when WordNet knows them, else reported as not
/// understood. Medium words after the noun ("three guitars vector image") are the picture's.
fn build_noun(words: &[&str]) -> NounWords {
    let mut words = words.to_vec();
    let mut dropped = Vec::new();
    while words.len() > 1 {
        let last = words[words.len() - 1];
        if things::medium(&inflect::singular(last)) || lexicon::style_word(last).is_some() {
            dropped.insert(0, (last.to_string(), DropReason::Medium));
            words.pop();
        } else {
            break;
        }
    }
    // "an owl family": the owls are the things, the family gathers them.
    if words.len() > 1 && things::gathering(&inflect::singular(words[words.len() - 1])) {
        let gone = words.pop().unwrap_or_default();
        dropped.push((gone.to_string(), DropReason::Collective));
    }
    let last = words[words.len() - 1];
    let plural = inflect::is_plural(last);
    let head = inflect::singular(last);
    // "a store front", "the car window": a direction word after a noun is a part, kept whole.
    let part_of = words.len() > 1 && things::direction(&head);
    let mut parts: Vec<String> = vec![head];
    let mut k = words.len() - 1;
    while k > 0 {
        let prev = words[k - 1];
        let candidate = format!("{} {}", prev, parts.join(" "));
        if known_compound(&candidate)
            || lexicon::noun_modifier(prev)
            || (part_of && parts.len() == 1)
        {
            parts.insert(0, prev.to_string());
            k -= 1;
        } else {
            break;
        }
    }
    let (mut modifiers, mut unknown) = (Vec::new(), Vec::new());
    let mut possessor = None;
    for (n, w) in words[..k].iter().enumerate() {
        if let Some(owner) = w.strip_suffix("'s").filter(|o| !o.is_empty()) {
            // The words before the owner describe it ("the train conductor's hat").
            let mut owner_words: Vec<&str> = words[..n].to_vec();
            owner_words.push(owner);
            possessor = Some(build_noun(&owner_words).noun);
            modifiers.clear();
            unknown.clear();
            continue;
        }
        if things::medium(w) || lexicon::style_word(w).is_some() {
            dropped.push(((*w).to_string(), DropReason::Medium));
        } else if crate::wordnet::lookup(w).is_some() || things::verb_inflection(w) {
            modifiers.push((*w).to_string());
        } else {
            unknown.push((*w).to_string());
        }
    }
    NounWords {
        noun: parts.join(" "),
        plural,
        modifiers,
        dropped,
        unknown,
        possessor,
    }
}

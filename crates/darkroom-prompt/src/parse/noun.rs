//! Noun phrases: colours, materials, sizes and describing words, then the noun itself —
//! multi-word nouns, the medium words around it, a possessor — as the grammar reads them.

use darkroom_color::{named, Rgb8};

use super::{Join, Np, Parser};
use crate::inflect;
use crate::lexicon::{self, Phrase};
use crate::scene::*;
use crate::things;
use crate::tokenize::Kind;

impl Parser<'_> {
    pub(super) fn color_at(&self, j: usize) -> Option<(Color, usize)> {
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
    pub(super) fn is_attr(&self, j: usize) -> bool {
        let w = self.words[j];
        self.toks[j].kind == Kind::Word
            && (self.color_at(j).is_some()
                || lexicon::material(w).is_some()
                || lexicon::size(w).is_some()
                || lexicon::descriptive(w))
    }

    pub(super) fn stops_noun(&self, j: usize) -> bool {
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
    pub(super) fn verb_at(&self, j: usize) -> bool {
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
    pub(super) fn compound_ahead(&self, j: usize) -> bool {
        let Some(nx) = self.words.get(j + 1) else {
            return false;
        };
        lexicon::compound(&format!("{} {}", self.words[j], inflect::singular(nx)))
    }

    /// The counting words that open a noun phrase ("three", "the two", "several"), or the count
    /// a caller already read (`preset`): the position after them.
    fn count_prefix(
        &self,
        np: &mut Np,
        start: usize,
        preset: Option<(Option<u32>, Option<u32>)>,
    ) -> usize {
        let n = self.toks.len();
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
        j
    }

    /// A colour of a noun phrase at `j` (one word or two): the position after it, and whether
    /// the phrase's describing words end there (a colour noun after a colour is the thing:
    /// "an orange orange").
    fn colour_attr(&self, np: &mut Np, mut j: usize, c: Color, used: usize) -> (usize, bool) {
        let n = self.toks.len();
        let w = self.words[j];
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
        j += used;
        // "a red and green kite": both colours are the kite's.
        if j + 1 < n && self.words[j] == "and" && self.color_at(j + 1).is_some() {
            return (j + 1, false);
        }
        // "an orange orange", "a yellow orange": a colour noun after a colour that
        // ends the phrase is the fruit.
        let ends_after = |k: usize| {
            self.toks.get(k).is_none_or(|t| t.kind != Kind::Word)
                || self.words.get(k).is_some_and(|w| {
                    lexicon::function_word(w) || lexicon::phrase(&self.words[k..]).is_some()
                })
        };
        if j < n
            && lexicon::color_noun(self.words[j])
            && named::lookup(self.words[j]).is_some()
            && self.toks[j].kind == Kind::Word
            && (self.words[j] == w || ends_after(j + 1))
        {
            return (j, true);
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
        (j, false)
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the noun phrase grammar's cases in one place"
    )]
    pub(super) fn parse_np(
        &mut self,
        start: usize,
        preset: Option<(Option<u32>, Option<u32>)>,
    ) -> Option<(Np, usize)> {
        let n = self.toks.len();
        let mut np = Np {
            start,
            ..Np::default()
        };
        let mut j = self.count_prefix(&mut np, start, preset);
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
                    last_attr = Some((j, "color"));
                    let (next, ends) = self.colour_attr(&mut np, j, c, used);
                    j = next;
                    if ends {
                        break;
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
}

/// A noun phrase's noun words, read.
pub(super) struct NounWords {
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
pub(super) fn known_compound(words: &str) -> bool {
    lexicon::compound(words)
        || crate::wordnet::lookup(words)
            .and_then(|e| e.noun)
            .is_some_and(|n| n.physical())
}

/// Builds a noun from the noun words: known compounds, noun-noun compounds, else the last word
/// with the words before it kept as its modifiers when WordNet knows them, else reported as not
/// understood. Medium words after the noun ("three guitars vector image") are the picture's.
pub(super) fn build_noun(words: &[&str]) -> NounWords {
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

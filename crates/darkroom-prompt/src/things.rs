//! Which nouns are things to look for: the grammar and the WordNet prior decide together.
//!
//! Every noun phrase head the grammar finds comes here before it becomes an entity. A question
//! about a non-thing ("Is there a forward?") is harmless to the pixel judge, which abstains, but
//! a vision model answers "no" and rejects a good, paid draft; so a head is kept only when it can
//! be seen. The order of the rules is the point:
//! 1. the grammar's fixed readings: words that introduce text ("the word OPEN"), the picture's
//!    medium as a head ("three guitars vector image" keeps the guitars, drops the image),
//!    directions and parts of the frame ("to the side", "the back of"), an adverb after a verb
//!    ("leaning forward"), a verb after a modal ("can see");
//! 2. grammatical evidence that the phrase is physical (a colour, a material, a size, a count,
//!    a spatial relation, being held or worn, text written on it) makes it a thing whatever the
//!    prior says ("a red heart", "a sign saying…");
//! 3. otherwise the WordNet prior: a noun whose most frequent sense, or most of whose uses, are
//!    physical is a thing; a word WordNet knows only as an adjective or verb is not a noun; an
//!    abstract noun is dropped with its class as the reason; a word WordNet does not know at all
//!    ("stegosaurus", "t-shirt" brands, misspellings) stands where a noun stands and is kept.

use crate::scene::{Decider, DropReason, EntityKind};
use crate::wordnet::{self, Class};

/// What a noun phrase head is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A thing to look for.
    Thing(EntityKind, Decider),
    /// Not a thing: left out of the checklist, with why.
    Drop(DropReason, Decider),
}

/// What the grammar saw around the head.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Evidence {
    /// A colour on the phrase.
    pub color: bool,
    /// A material or a size on the phrase.
    pub material_or_size: bool,
    /// An explicit count of two or more.
    pub several: bool,
    /// The phrase is an end of a spatial relation.
    pub related: bool,
    /// It is held, worn or carried.
    pub held: bool,
    /// Text is written on it ("a sign saying…", `a sign "OPEN"`).
    pub bears_text: bool,
    /// Text to render follows the head directly (`the word "OPEN"`).
    pub text_follows: bool,
    /// The word before the phrase is a verb (for "leaning forward").
    pub after_verb: bool,
    /// The word before the phrase is a modal or auxiliary (for "can see").
    pub after_modal: bool,
    /// The phrase had a determiner or a count ("a side", "the back").
    pub determined: bool,
    /// The phrase follows "with" ("a fridge with magnets and photos").
    pub with: bool,
    /// The noun is plural ("blowing bubbles"): copies of something one can count.
    pub plural: bool,
}

/// Heads that introduce text to render.
const TEXT_INTROS: &[&str] = &[
    "word",
    "text",
    "letter",
    "lettering",
    "phrase",
    "saying",
    "slogan",
    "caption",
    "quote",
    "headline",
    "sentence",
    "message",
    "title",
    "inscription",
];

/// Heads that name the picture itself, its format or its style.
const MEDIA: &[&str] = &[
    "photo",
    "photograph",
    "photography",
    "picture",
    "image",
    "painting",
    "drawing",
    "illustration",
    "sketch",
    "render",
    "rendering",
    "portrait",
    "cartoon",
    "comic",
    "art",
    "artwork",
    "wallpaper",
    "style",
    "version",
    "view",
    "shot",
    "closeup",
    "thumbnail",
    "graphic",
    "clipart",
    "vector",
    "anime",
    "manga",
    "doodle",
    "icon",
    "emoji",
    "resolution",
    "quality",
    "detail",
    "masterpiece",
];

/// Directions, sides and parts of the frame.
const DIRECTIONS: &[&str] = &[
    "side",
    "front",
    "back",
    "top",
    "bottom",
    "left",
    "right",
    "middle",
    "center",
    "centre",
    "corner",
    "edge",
    "distance",
    "foreground",
    "background",
    "rear",
    "inside",
    "outside",
    "underside",
    "forward",
    "backward",
    "upward",
    "downward",
    "sideways",
    "way",
    "direction",
];

/// Words that name a person without saying who.
const PEOPLE: &[&str] = &[
    "person",
    "someone",
    "somebody",
    "anyone",
    "anybody",
    "everyone",
    "everybody",
    "human",
];

/// The noun a person word becomes ("someone" → "person").
pub(crate) fn person_noun(noun: &str) -> Option<&'static str> {
    PEOPLE.contains(&noun).then_some("person")
}

/// Whether `noun` names a part of its owner ("the moon's surface", "a man's head"), so the
/// owner is in the picture too; "a conductor's hat" shows a hat, not the conductor.
pub(crate) fn part(noun: &str) -> bool {
    let h = head(noun);
    DIRECTIONS.contains(&h)
        || matches!(
            h,
            "surface" | "roof" | "skin" | "fur" | "shadow" | "reflection"
        )
        || wordnet::lookup(h)
            .and_then(|e| e.noun)
            .is_some_and(|n| n.class == Class::Location || n.class == Class::Body)
}

/// Whether `word` is a direction or a side.
pub(crate) fn direction(word: &str) -> bool {
    DIRECTIONS.contains(&word)
}

/// Whether `word` names the picture's medium or format.
pub(crate) fn medium(word: &str) -> bool {
    MEDIA.contains(&word)
}

fn head(noun: &str) -> &str {
    noun.rsplit(' ').next().unwrap_or(noun)
}

/// Decides what a noun phrase head (a singular lemma, "fire hydrant") is.
pub(crate) fn verdict(noun: &str, ev: &Evidence) -> Verdict {
    let h = head(noun);
    let physical_evidence =
        ev.color || ev.material_or_size || ev.several || ev.held || ev.bears_text;
    // 1. The grammar's fixed readings.
    if TEXT_INTROS.contains(&h) && ev.text_follows {
        return Verdict::Drop(DropReason::TextIntro, Decider::Grammar);
    }
    if DIRECTIONS.contains(&h) && !noun.contains(' ') && !(ev.material_or_size || ev.held) {
        return Verdict::Drop(DropReason::Direction, Decider::Grammar);
    }
    // A medium said as an object is one ("a woman painting a portrait", "magnets and photos").
    let object = ev.related || ev.several || ev.held || ev.material_or_size || ev.with;
    if MEDIA.contains(&h) && !(object || (ev.after_verb && ev.determined)) {
        return Verdict::Drop(DropReason::Medium, Decider::Grammar);
    }
    let entry = lookup(noun);
    if let Some(e) = entry {
        let physical = e.noun.is_some_and(|n| n.physical());
        if ev.after_verb && e.adverb && !ev.determined && !physical {
            return Verdict::Drop(DropReason::Direction, Decider::Grammar);
        }
        if ev.after_modal && e.verb && !ev.determined {
            return Verdict::Drop(DropReason::NotANoun, Decider::Grammar);
        }
    }
    if PEOPLE.contains(&h) {
        return Verdict::Thing(EntityKind::Person, Decider::Grammar);
    }
    // The grammar's own multi-word nouns are objects ("traffic light", which WordNet files
    // under communication as a signal).
    if VISIBLE.contains(&h) || (noun.contains(' ') && crate::lexicon::compound(noun)) {
        return Verdict::Thing(EntityKind::Object, Decider::Grammar);
    }
    if INVISIBLE.contains(&h) && !physical_evidence {
        return Verdict::Drop(DropReason::Abstract, Decider::Grammar);
    }
    if h.bytes().any(|b| b.is_ascii_digit()) {
        // "2x2", "10,000": a measure or a number, not a thing.
        return Verdict::Drop(DropReason::Attribute, Decider::Grammar);
    }
    // 3. The prior, unless 2. the grammar's evidence overrules it.
    let Some(entry) = entry else {
        return if inflected_non_noun(h) && !physical_evidence {
            Verdict::Drop(DropReason::NotANoun, Decider::Lexicon)
        } else {
            Verdict::Thing(EntityKind::Object, Decider::Grammar)
        };
    };
    let Some(n) = entry.noun else {
        return if physical_evidence || ev.related {
            Verdict::Thing(EntityKind::Object, Decider::Grammar)
        } else {
            Verdict::Drop(DropReason::NotANoun, Decider::Lexicon)
        };
    };
    let kind = if n.class == Class::Person {
        EntityKind::Person
    } else {
        EntityKind::Object
    };
    if n.physical() || matches!(n.class, Class::Shape | Class::Group | Class::Person) {
        return Verdict::Thing(kind, Decider::Lexicon);
    }
    // A noun with some physical sense, said as one thing ("a sloth", "a sign", "a check"), or
    // placed in a relation, reads as that sense; one with none ("the meaning", "on a day")
    // needs a colour, a material, a count, hands or text.
    let some_physical = n.physical_share >= 1 && !matches!(n.class, Class::Time);
    // Symbols, logos and goods are placed on things ("a yin-yang symbol on it", "cash on a
    // table"); feelings, acts and qualities are not.
    let placeable = matches!(
        n.class,
        Class::Communication | Class::Other | Class::Concrete | Class::Body
    );
    if physical_evidence
        || (some_physical && (ev.determined || ev.related || ev.plural))
        || (placeable && ev.related)
    {
        return Verdict::Thing(kind, Decider::Grammar);
    }
    let reason = match n.class {
        Class::Attribute => DropReason::Attribute,
        Class::Act | Class::Event => DropReason::Act,
        Class::Time => DropReason::Time,
        Class::Location => DropReason::Direction,
        _ => DropReason::Abstract,
    };
    Verdict::Drop(reason, Decider::Lexicon)
}

/// The WordNet entry of a noun: the whole compound, else its head.
fn lookup(noun: &str) -> Option<wordnet::Entry> {
    wordnet::lookup(noun).or_else(|| wordnet::lookup(head(noun)))
}

/// Visible phenomena whose most frequent WordNet sense is an event or a process ("fire" is
/// first "the event of something burning"): one can point at them.
const VISIBLE: &[&str] = &[
    "fire",
    "flame",
    "smoke",
    "steam",
    "fog",
    "mist",
    "haze",
    "lightning",
    "rainbow",
    "spark",
    "firework",
    "explosion",
    "splash",
    "wave",
    "cloud",
];

/// Collective and quantity nouns before "of" ("a herd of dolphins", "a pile of cash"): the
/// things are what follows.
const COLLECTIVES: &[&str] = &[
    "herd",
    "flock",
    "pack",
    "swarm",
    "school",
    "group",
    "crowd",
    "team",
    "family",
    "pile",
    "bunch",
    "set",
    "stack",
    "row",
    "line",
    "collection",
    "pair",
    "couple",
    "handful",
    "lot",
    "dozen",
    "army",
    "fleet",
    "cluster",
    "heap",
    "variety",
    "selection",
    "assortment",
    "series",
    "number",
    "kind",
    "type",
    "sort",
];

/// Collectives that gather the noun before them ("an owl family", "a wolf pack").
const GATHERING: &[&str] = &[
    "family", "herd", "flock", "pack", "swarm", "crowd", "team", "group", "colony",
];

/// Whether `noun` after another noun gathers it ("an owl family").
pub(crate) fn gathering(noun: &str) -> bool {
    GATHERING.contains(&noun)
}

/// Whether `noun` before "of" only counts or gathers what follows.
pub(crate) fn collective(noun: &str) -> bool {
    COLLECTIVES.contains(&noun)
}

/// Whether `w` is an inflected verb ("riding", "parked", "grows") rather than a noun: its stem
/// is a verb in WordNet and the word itself is not a physical noun ("building", "flies" the
/// insects are left to the grammar's other rules).
pub(crate) fn verb_inflection(w: &str) -> bool {
    let physical_noun = |x: &str| {
        wordnet::lookup(x)
            .and_then(|e| e.noun)
            .is_some_and(|n| n.physical())
    };
    let verb = |x: &str| wordnet::lookup(x).is_some_and(|e| e.verb);
    if PARTICIPLES.contains(&w) {
        return true;
    }
    // WordNet is ASCII; the byte arithmetic below relies on it.
    if !w.is_ascii() {
        return false;
    }
    let ing_or_ed = ["ing", "ed"]
        .iter()
        .any(|suf| stems(w, suf).iter().any(|s| verb(s)));
    if ing_or_ed && !physical_noun(w) {
        return true;
    }
    // Third person: "grows", "shows", "flies" — only when the singular is not a thing.
    if physical_noun(w) || physical_noun(&crate::inflect::singular(w)) {
        return false;
    }
    let third = ["es", "s"].iter().any(|suf| {
        w.strip_suffix(suf)
            .is_some_and(|s| s.len() > 1 && verb(s) && !physical_noun(s))
    }) || w
        .strip_suffix("ies")
        .is_some_and(|s| verb(&format!("{s}y")) && !physical_noun(&format!("{s}y")));
    third
}

/// Irregular participles WordNet lists only under their base verb (verb.exc).
const PARTICIPLES: &[&str] = &[
    "seen",
    "done",
    "made",
    "written",
    "drawn",
    "given",
    "taken",
    "known",
    "shown",
    "grown",
    "worn",
    "torn",
    "broken",
    "hidden",
    "ridden",
    "eaten",
    "fallen",
    "thrown",
    "flown",
    "frozen",
    "sung",
    "hung",
    "spun",
    "built",
    "lit",
    "held",
    "sat",
    "stood",
    "laid",
    "led",
    "left",
    "stuck",
    "caught",
    "bought",
    "brought",
    "found",
    "bound",
    "struck",
    "sunk",
    "shrunk",
    "bitten",
    "chosen",
    "driven",
    "forgotten",
    "risen",
    "spoken",
    "stolen",
    "woven",
    "shaken",
    "swept",
    "slept",
    "kept",
    "dug",
    "swung",
    "spilt",
    "burnt",
    "knitted",
    "gave",
    "ran",
];

/// Phenomena WordNet files under physical entity that cannot be pointed at.
const INVISIBLE: &[&str] = &[
    "wind",
    "breeze",
    "energy",
    "heat",
    "sound",
    "noise",
    "music",
    "gravity",
    "temperature",
    "silence",
    "speed",
    "motion",
    "power",
    "force",
    "air",
    "atmosphere",
    "radiation",
    "electricity",
];

/// Units of measure: "a few feet in front of" measures, it shows no feet.
const UNITS: &[&str] = &[
    "foot",
    "inch",
    "meter",
    "metre",
    "mile",
    "yard",
    "centimeter",
    "kilometer",
    "mm",
    "cm",
    "km",
    "ft",
    "percent",
    "degree",
    "pound",
    "kilogram",
    "kg",
    "lb",
];

/// Whether `noun` is a unit of measure.
pub(crate) fn unit(noun: &str) -> bool {
    UNITS.contains(&noun)
}

/// Whether a word WordNet does not list is an inflection of a verb or an adjective it does
/// ("blurred", "glowing", "softly"), so not a noun.
fn inflected_non_noun(w: &str) -> bool {
    if PARTICIPLES.contains(&w) {
        return true;
    }
    if !w.is_ascii() {
        return false;
    }
    let non_noun =
        |base: &str| wordnet::lookup(base).is_some_and(|e| e.verb || e.adjective || e.adverb);
    ["ing", "ed", "ly", "er", "est"]
        .iter()
        .any(|suf| stems(w, suf).iter().any(|s| non_noun(s)))
}

/// The base forms an ASCII word may come from once `suffix` is taken off: the stem, the stem
/// with an "e" ("shaped" → "shape"), without a doubled last letter ("running" → "run"), and
/// with "i" back to "y" ("tried" → "try"). Empty when the word does not end so.
fn stems(w: &str, suffix: &str) -> Vec<String> {
    let Some(stem) = w.strip_suffix(suffix).filter(|s| s.len() >= 2) else {
        return Vec::new();
    };
    let mut v = vec![stem.to_string(), format!("{stem}e")];
    let b = stem.as_bytes();
    if b.len() > 2 && b[b.len() - 1] == b[b.len() - 2] {
        v.push(stem[..stem.len() - 1].to_string());
    }
    if let Some(s) = stem.strip_suffix('i') {
        v.push(format!("{s}y"));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare() -> Evidence {
        Evidence {
            determined: true,
            ..Evidence::default()
        }
    }

    #[test]
    fn the_prior_decides_when_the_grammar_says_nothing() {
        assert_eq!(
            verdict("guitar", &bare()),
            Verdict::Thing(EntityKind::Object, Decider::Lexicon)
        );
        assert_eq!(
            verdict("astronaut", &bare()),
            Verdict::Thing(EntityKind::Person, Decider::Lexicon)
        );
        assert_eq!(
            verdict("love", &bare()),
            Verdict::Drop(DropReason::Abstract, Decider::Lexicon)
        );
        assert_eq!(
            verdict("color", &bare()),
            Verdict::Drop(DropReason::Attribute, Decider::Lexicon)
        );
        assert_eq!(
            verdict("blurry", &bare()),
            Verdict::Drop(DropReason::NotANoun, Decider::Lexicon)
        );
        assert_eq!(
            verdict("blurred", &bare()),
            Verdict::Drop(DropReason::NotANoun, Decider::Lexicon)
        );
        // Not in WordNet, where a noun stands: kept.
        assert_eq!(
            verdict("stegasaurus", &bare()),
            Verdict::Thing(EntityKind::Object, Decider::Grammar)
        );
    }

    #[test]
    fn the_grammar_overrules_the_prior() {
        // A physical prior, but a direction.
        assert_eq!(
            verdict("side", &bare()),
            Verdict::Drop(DropReason::Direction, Decider::Grammar)
        );
        let leaning = Evidence {
            after_verb: true,
            ..Evidence::default()
        };
        assert_eq!(
            verdict("forward", &leaning),
            Verdict::Drop(DropReason::Direction, Decider::Grammar)
        );
        // An abstract prior, but coloured: a shape to draw.
        let red = Evidence {
            color: true,
            ..bare()
        };
        assert_eq!(
            verdict("heart", &red),
            Verdict::Thing(EntityKind::Object, Decider::Grammar)
        );
        let quoted = Evidence {
            text_follows: true,
            ..bare()
        };
        assert_eq!(
            verdict("word", &quoted),
            Verdict::Drop(DropReason::TextIntro, Decider::Grammar)
        );
        assert_eq!(
            verdict("image", &bare()),
            Verdict::Drop(DropReason::Medium, Decider::Grammar)
        );
        let hanging = Evidence {
            related: true,
            ..bare()
        };
        assert_eq!(
            verdict("painting", &hanging),
            Verdict::Thing(EntityKind::Object, Decider::Lexicon)
        );
        assert_eq!(
            verdict("someone", &bare()),
            Verdict::Thing(EntityKind::Person, Decider::Grammar)
        );
    }
}

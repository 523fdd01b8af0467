//! What WordNet 3.0 says a word is: the prior the grammar decides with (issue 31).
//!
//! `lexicon.tsv` is compiled from Debian's `wordnet-base` by `scripts/gen_wordnet.py` (its
//! header says the format) and embedded as text: 141k lemmas, sorted bytewise, looked up by a
//! binary search over line starts, so there is no table to build at start-up and nothing to
//! allocate per lookup. `LICENSE-WordNet` beside it is Princeton's licence, which every copy
//! carries.
//!
//! The lexicon is a prior, not the judge: by its most frequent sense "side", "front" and "back"
//! are physical things and "word" and "background" are not, and only the prompt's grammar can
//! say that "to the side" is a direction or that "a red heart" is a shape to draw.

/// The embedded table: `lemma<TAB>code` per line.
const TABLE: &str = include_str!("lexicon.tsv");

/// WordNet's lexicographer class of a noun sense (lexnames(5WN)), for the ones the checklist
/// treats differently; the rest are `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// noun.act: acts and activities ("jump", "skiing", "tug-of-war").
    Act,
    /// noun.attribute: qualities ("color", "size", "texture").
    Attribute,
    /// noun.cognition: ideas, styles, images in the mind ("image", "view", "style").
    Cognition,
    /// noun.communication: words, media, messages ("word", "logo", "poster").
    Communication,
    /// noun.event: happenings ("collision", "wave").
    Event,
    /// noun.feeling: "love", "happiness".
    Feeling,
    /// noun.group: collections ("crowd", "family", "herd").
    Group,
    /// noun.location: places and directions ("side", "front", "landscape").
    Location,
    /// noun.person: people ("man", "astronaut").
    Person,
    /// noun.shape: shapes ("circle", "square", "swirl").
    Shape,
    /// noun.state: "peace", "life".
    State,
    /// noun.time: "day", "night", "sunset".
    Time,
    /// noun.body: parts of bodies ("head", "hand").
    Body,
    /// Concrete lexicographer files: noun.animal, noun.artifact, noun.food, noun.object,
    /// noun.plant, noun.substance.
    Concrete,
    /// Everything else (possession, quantity, relation, motive, phenomenon, Tops).
    Other,
}

/// A noun's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Noun {
    /// The class of its most frequent sense.
    pub class: Class,
    /// Whether its most frequent sense is under *physical entity*.
    pub physical_first: bool,
    /// The share of its uses that are physical, in tenths (0–9).
    pub physical_share: u8,
}

/// What WordNet knows of a lemma.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its noun senses, if it has any.
    pub noun: Option<Noun>,
    /// It is also a verb.
    pub verb: bool,
    /// It is also an adjective.
    pub adjective: bool,
    /// It is also an adverb.
    pub adverb: bool,
}

impl Noun {
    /// Whether the prior reads it as a thing one can see: its most frequent sense is physical
    /// or filed as concrete, or most of its uses are physical.
    pub fn physical(&self) -> bool {
        // The lexicographer file is the surer sign: WordNet files "bubble" under noun.object
        // though its hypernyms climb to a shape.
        self.physical_first
            || self.physical_share >= 5
            || matches!(self.class, Class::Concrete | Class::Body)
    }
}

/// Looks a lowercase lemma up ("fire hydrant", "side").
pub(crate) fn lookup(lemma: &str) -> Option<Entry> {
    let line = find(lemma)?;
    let code = line.split_once('\t')?.1.as_bytes();
    let noun = (code.first() != Some(&b'-')).then(|| Noun {
        class: class(code[0]),
        physical_first: code.get(1) == Some(&b'1'),
        physical_share: code.get(2).map_or(0, |d| d.saturating_sub(b'0')),
    });
    let rest = code.get(3..).unwrap_or_default();
    Some(Entry {
        noun,
        verb: rest.contains(&b'v'),
        adjective: rest.contains(&b'j'),
        adverb: rest.contains(&b'd'),
    })
}

fn class(c: u8) -> Class {
    match c {
        b'a' => Class::Act,
        b't' => Class::Attribute,
        b'c' => Class::Cognition,
        b'm' => Class::Communication,
        b'e' => Class::Event,
        b'f' => Class::Feeling,
        b'g' => Class::Group,
        b'l' => Class::Location,
        b'p' => Class::Person,
        b'S' => Class::Shape,
        b'z' => Class::State,
        b'i' => Class::Time,
        b'b' => Class::Body,
        b'A' | b'r' | b'F' | b'o' | b'P' | b'u' => Class::Concrete,
        _ => Class::Other,
    }
}

/// The line for `lemma`: a binary search over byte offsets, each probe moved back to the start
/// of its line.
fn find(lemma: &str) -> Option<&'static str> {
    let bytes = TABLE.as_bytes();
    let (mut lo, mut hi) = (0usize, bytes.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = bytes[..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| start + p);
        let line = &TABLE[start..end];
        let key = line.split_once('\t').map_or(line, |(k, _)| k);
        match key.as_bytes().cmp(lemma.as_bytes()) {
            std::cmp::Ordering::Equal => return Some(line),
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_first_last_and_compound_lemmas() {
        let first = TABLE.lines().next().unwrap().split('\t').next().unwrap();
        let last = TABLE.lines().last().unwrap().split('\t').next().unwrap();
        assert!(lookup(first).is_some(), "{first}");
        assert!(lookup(last).is_some(), "{last}");
        assert!(lookup("fire hydrant").unwrap().noun.unwrap().physical());
        assert!(lookup("glorbly").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn the_prior_reads_as_the_issue_says() {
        // By most frequent sense these read as physical things; the grammar decides.
        for w in [
            "forward", "side", "back", "front", "art", "photo", "ground", "person",
        ] {
            let n = lookup(w).unwrap().noun.unwrap();
            assert!(n.physical(), "{w}: {n:?}");
        }
        for w in ["word", "background", "color", "love", "style"] {
            let n = lookup(w).unwrap().noun.unwrap();
            assert!(!n.physical(), "{w}: {n:?}");
        }
        assert_eq!(
            lookup("word").unwrap().noun.unwrap().class,
            Class::Communication
        );
        assert_eq!(
            lookup("astronaut").unwrap().noun.unwrap().class,
            Class::Person
        );
        let blurry = lookup("blurry").unwrap();
        assert!(blurry.noun.is_none() && blurry.adjective);
    }
}

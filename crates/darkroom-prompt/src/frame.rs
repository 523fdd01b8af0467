//! Words about the picture rather than what is in it, taken out before the grammar runs.
//!
//! Prompts as people write them are full of them: the medium ("a photo of", "an oil painting
//! of"), style tags after commas ("trending on artstation", "unreal engine", "4k wallpaper"),
//! the caption's voice ("we can see", "the image shows", "in this picture there is"), pronouns
//! ("he looks happy"), and positional idioms ("on the left side of", "at the back of"). Left in,
//! each becomes an object for the judges to look for ("Is there an artstation?") and fails good
//! images. This pass removes them from the token stream (the medium and the tags go to the
//! scene's style), rewrites the positional idioms into the relations they mean, takes light
//! adjectives out of noun phrases ("in a sunlit meadow": the scene is lit, the meadow stays a
//! setting), and leaves everything else to the grammar.

use crate::scene::{Decider, DropReason, Dropped};
use crate::tokenize::{Kind, Tok};

/// Medium nouns: "[a] [adjectives] MEDIUM of …" describes the picture.
const MEDIA: &[&str] = &[
    "engraving",
    "etching",
    "woodcut",
    "linocut",
    "lithograph",
    "photo",
    "photograph",
    "picture",
    "image",
    "painting",
    "portrait",
    "illustration",
    "drawing",
    "sketch",
    "render",
    "shot",
    "view",
    "packshot",
    "snapshot",
    "still",
];

/// Words that may stand before a medium noun ("an oil painting of", "a close up view of").
const MEDIUM_ADJECTIVES: &[&str] = &[
    "pen",
    "ink",
    "pencil",
    "charcoal",
    "crayon",
    "chalk",
    "marker",
    "acrylic",
    "gouache",
    "wood",
    "crosshatched",
    "hatched",
    "stippled",
    "three",
    "quarters",
    "quarter",
    "a",
    "an",
    "the",
    "oil",
    "color",
    "colour",
    "black",
    "and",
    "white",
    "product",
    "hero",
    "digital",
    "candid",
    "cute",
    "beautiful",
    "3d",
    "life",
];

/// Whether `w` may stand before a medium noun: the list, a style or tag word, or a word
/// WordNet knows only as describing ("richly textured", "surrealist", "overhead", "zoomed out").
fn medium_adjective(w: &str) -> bool {
    if MEDIA.contains(&w) {
        return false;
    }
    MEDIUM_ADJECTIVES.contains(&w)
        || TAG_WORDS.contains(&w)
        || crate::lexicon::style_word(w).is_some()
        || crate::things::verb_inflection(w)
        || crate::wordnet::lookup(w)
            .is_some_and(|e| (e.adjective || e.adverb) && !e.noun.is_some_and(|n| n.physical()))
}

/// Phrases removed wherever they stand, longest first within each list: `(words, style)`.
/// An empty style means the phrase is the caption's voice and is dropped.
const PHRASES: &[(&str, &str)] = &[
    ("trending on artstation", "artstation"),
    ("on artstation", "artstation"),
    ("shot on 35mm film", "film"),
    ("shot on film", "film"),
    ("shallow depth of field", "bokeh"),
    ("depth of field", "bokeh"),
    ("oil on canvas", "oil painting"),
    ("unreal engine", "3d render"),
    ("octane render", "3d render"),
    ("a still life of", "still life"),
    ("still life of", "still life"),
    ("by a famous artist", ""),
    ("by an artist", ""),
    ("we can see", ""),
    ("you can see", ""),
    ("we see", ""),
    ("the image shows", ""),
    ("the picture shows", ""),
    ("the photo shows", ""),
    ("this image shows", ""),
    ("in this picture there is", ""),
    ("in this picture there are", ""),
    ("in this image there is", ""),
    ("in this image there are", ""),
    ("in this picture", ""),
    ("in this image", ""),
    ("and one of them", ""),
    ("one of them", ""),
    ("in mid-air", ""),
    ("in mid air", ""),
    ("can be seen", ""),
    ("could be seen", ""),
    ("is seen", ""),
    ("are seen", ""),
    ("is visible", ""),
    ("are visible", ""),
    ("i can see", ""),
    ("there is", ""),
    ("there are", ""),
];

/// Directions and poses said as phrases: not things, wherever they stand.
const DIRECTION_PHRASES: &[&str] = &[
    "up in the air",
    "in the air",
    "into the air",
    "in the distance",
    "to the side",
    "from the side",
    "on its side",
    "on their side",
    "on his side",
    "on her side",
    "on its back",
    "on his back",
    "on her back",
    "on their backs",
    "facing forward",
    "face forward",
    "facing each other",
    "looking forward",
    "leaning forward",
    "from the front",
    "from the back",
    "upside down",
    "inside out",
];

/// Positional idioms and the relation they mean.
const IDIOMS: &[(&str, &str)] = &[
    ("on the left side of", "to the left of"),
    ("on the right side of", "to the right of"),
    ("at the left side of", "to the left of"),
    ("at the right side of", "to the right of"),
    ("at the back of", "behind"),
    ("in the back of", "in"),
    ("at the front of", "in front of"),
    ("at the level of", "next to"),
    ("in the middle of", "in"),
    ("at the end of", "at"),
];

/// Words that make up style tags (a comma-separated part made only of these is a tag).
const TAG_WORDS: &[&str] = &[
    "drawing",
    "pen",
    "pencil",
    "charcoal",
    "color",
    "colour",
    "and",
    "engraving",
    "macro",
    "artstation",
    "trending",
    "epic",
    "dramatic",
    "whimsical",
    "dreamlike",
    "dreamy",
    "synthwave",
    "retro",
    "vintage",
    "noir",
    "film",
    "wallpaper",
    "sticker",
    "border",
    "white",
    "photography",
    "food",
    "long",
    "exposure",
    "focus",
    "volumetric",
    "national",
    "geographic",
    "unreal",
    "engine",
    "octane",
    "3d",
    "pixar",
    "style",
    "studio",
    "ghibli",
    "concept",
    "fantasy",
    "art",
    "digital",
    "painting",
    "pop",
    "vector",
    "matte",
    "renaissance",
    "ink",
    "wash",
    "japanese",
    "woodblock",
    "print",
    "children's",
    "book",
    "storybook",
    "product",
    "design",
    "sketch",
    "low",
    "poly",
    "highly",
    "hd",
    "background",
    "rustic",
    "oil",
    "canvas",
    "still",
    "life",
    "ultra",
    "high",
    "resolution",
    "quality",
    "masterpiece",
    "award",
    "winning",
    "beautiful",
    "stunning",
    "intricate",
    "elegant",
    "cute",
    "depth",
    "of",
    "field",
    "shallow",
    "aesthetic",
    "lofi",
    "cyberpunk",
    "steampunk",
    "vaporwave",
    "pastel",
    "colors",
    "colours",
    "colorful",
    "isolated",
    "clean",
    "simple",
    "modern",
    "sleek",
    "trendy",
    "professional",
    "commercial",
    "advertising",
    "catalog",
    "catalogue",
];

/// Words that keep a comma-separated part from being a pure style tag: it also says something
/// about the light, which the grammar reads.
const LIGHT_WORDS: &[&str] = &["light", "lights", "lighting", "lit", "shadow", "shadows"];

/// Pronouns that name nothing new to look for ("it" and "them" are left to the grammar, which
/// resolves them: "a table with a vase on it").
const PRONOUNS: &[&str] = &["he", "she", "they", "him", "we", "i", "you", "us"];

fn word(text: &str) -> Tok {
    Tok {
        kind: Kind::Word,
        text: text.to_string(),
        orig: text.to_string(),
    }
}

/// Whether the words of `phrase` stand at `toks[i..]`: how many, if so.
fn at(toks: &[Tok], i: usize, phrase: &str) -> Option<usize> {
    let mut n = 0;
    for (k, w) in phrase.split(' ').enumerate() {
        toks.get(i + k)
            .filter(|t| t.kind == Kind::Word && t.text == w)?;
        n = k + 1;
    }
    Some(n)
}

/// What the picture's words said.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Framing {
    /// The styles they named.
    pub styles: Vec<String>,
    /// A light adjective inside a noun phrase ("a sunlit meadow", "a sunny beach").
    pub daylight: bool,
    /// The words taken out, each with why.
    pub dropped: Vec<Dropped>,
}

/// Records the words of `toks` as dropped for `reason` (articles and "of" are grammar, not
/// words about anything, and are not listed).
fn drop_words(out: &mut Vec<Dropped>, toks: &[Tok], reason: DropReason) {
    for t in toks {
        let w = t.text.as_str();
        if t.kind == Kind::Punct || matches!(w, "a" | "an" | "the" | "of") {
            continue;
        }
        out.push(Dropped {
            word: w.to_string(),
            reason,
            decided_by: Decider::Grammar,
        });
    }
}

/// Takes the picture's words out of `toks`; returns what they said.
pub(crate) fn strip(toks: &mut Vec<Tok>) -> Framing {
    let mut styles = Vec::new();
    let mut dropped = Vec::new();
    // Midjourney-style flags and weights are about the generation.
    let (flags, rest): (Vec<Tok>, Vec<Tok>) = toks.drain(..).partition(|t| t.kind == Kind::Flag);
    *toks = rest;
    drop_words(&mut dropped, &flags, DropReason::Flag);
    // Light adjectives inside a noun phrase light the scene and leave the phrase whole, so its
    // noun is still read as the setting or object it is.
    let mut daylight = false;
    let mut k = 1;
    while k + 1 < toks.len() {
        let adjective = matches!(toks[k].text.as_str(), "sunlit" | "sunny");
        let after_det = toks[k - 1].kind == Kind::Word
            && matches!(toks[k - 1].text.as_str(), "a" | "an" | "the");
        if adjective && after_det && toks[k + 1].kind == Kind::Word {
            toks.remove(k);
            daylight = true;
        } else {
            k += 1;
        }
    }
    strip_phrases(toks, &mut styles, &mut dropped);
    strip_medium(toks, &mut styles, &mut dropped);
    strip_tags(toks, &mut styles, &mut dropped);
    // Pronouns.
    let (pronouns, rest): (Vec<Tok>, Vec<Tok>) = toks
        .drain(..)
        .partition(|t| t.kind == Kind::Word && PRONOUNS.contains(&t.text.as_str()));
    *toks = rest;
    drop_words(&mut dropped, &pronouns, DropReason::Voice);
    Framing {
        styles,
        daylight,
        dropped,
    }
}

/// Phrases, idioms and "in the style of …", anywhere.
fn strip_phrases(toks: &mut Vec<Tok>, styles: &mut Vec<String>, dropped: &mut Vec<Dropped>) {
    // Phrases and idioms, anywhere.
    let mut i = 0;
    while i < toks.len() {
        if let Some((n, style)) = PHRASES
            .iter()
            .find_map(|(p, s)| at(toks, i, p).map(|n| (n, *s)))
        {
            let gone: Vec<Tok> = toks.drain(i..i + n).collect();
            let reason = if style.is_empty() {
                DropReason::Voice
            } else {
                DropReason::Style
            };
            drop_words(dropped, &gone, reason);
            if !style.is_empty() {
                styles.push(style.to_string());
            }
            continue;
        }
        if let Some(n) = DIRECTION_PHRASES.iter().find_map(|p| at(toks, i, p)) {
            let gone: Vec<Tok> = toks.drain(i..i + n).collect();
            drop_words(dropped, &gone, DropReason::Direction);
            continue;
        }
        // "white in color": the colour is the thing's; the word "color" is not a thing.
        let after_colour = i > 0 && darkroom_color::named::lookup(&toks[i - 1].text).is_some();
        if let Some(n) = at(toks, i, "in color").or_else(|| at(toks, i, "in colour")) {
            if after_colour {
                let gone: Vec<Tok> = toks.drain(i..i + n).collect();
                drop_words(dropped, &gone, DropReason::Attribute);
                continue;
            }
        }
        if let Some((n, to)) = IDIOMS
            .iter()
            .find_map(|(p, to)| at(toks, i, p).map(|n| (n, *to)))
        {
            toks.splice(i..i + n, to.split(' ').map(word));
            i += to.split(' ').count();
            continue;
        }
        // "in the style of X …" up to the next punctuation.
        if at(toks, i, "in the style of").is_some() || at(toks, i, "style of").is_some() {
            let end = toks[i..]
                .iter()
                .position(|t| t.kind == Kind::Punct)
                .map_or(toks.len(), |k| i + k);
            let who: Vec<String> = toks[i..end].iter().map(|t| t.text.clone()).collect();
            styles.push(who.join(" "));
            let gone: Vec<Tok> = toks.drain(i..end).collect();
            drop_words(dropped, &gone, DropReason::Style);
            continue;
        }
        i += 1;
    }
}

/// The medium: "[a] [adjectives] MEDIUM of" at the start of a part.
fn strip_medium(toks: &mut Vec<Tok>, styles: &mut Vec<String>, dropped: &mut Vec<Dropped>) {
    // The medium: "[a] [adjectives] MEDIUM of" at the start of a part.
    let mut i = 0;
    while i < toks.len() {
        let starts = i == 0 || toks[i - 1].kind == Kind::Punct;
        if starts {
            let mut k = i;
            while toks
                .get(k)
                .is_some_and(|t| t.kind == Kind::Word && medium_adjective(&t.text))
            {
                k += 1;
            }
            // The listed adjectives alone, as before; the wider set only when a word the
            // grammar's own style frame would not read stands among them ("an oil surrealist
            // painting of"), and never before "shot" or "view", which the camera grammar reads.
            let listed = toks[i..k]
                .iter()
                .all(|t| MEDIUM_ADJECTIVES.contains(&t.text.as_str()));
            let wider = toks[i..k].iter().any(|t| {
                !MEDIUM_ADJECTIVES.contains(&t.text.as_str())
                    && crate::lexicon::style_word(&t.text).is_none()
            });
            let camera = toks
                .get(k)
                .is_some_and(|t| matches!(t.text.as_str(), "shot" | "view"));
            if !listed && wider && camera && toks.get(k + 1).is_some_and(|t| t.text == "of") {
                // "an overhead view of a truck": the camera grammar reads "overhead view";
                // the article goes and "of" ends the part.
                if matches!(toks[i].text.as_str(), "a" | "an" | "the") {
                    toks.remove(i);
                    k -= 1;
                }
                toks[k + 1] = Tok {
                    kind: Kind::Punct,
                    text: ",".into(),
                    orig: "of".into(),
                };
                i = k + 2;
                continue;
            }
            if !listed && (!wider || camera) {
                i += 1;
                continue;
            }
            let medium = toks
                .get(k)
                .filter(|t| t.kind == Kind::Word && MEDIA.contains(&t.text.as_str()));
            if let Some(m) = medium {
                if toks.get(k + 1).is_some_and(|t| t.text == "of") {
                    let words: Vec<String> = toks[i..=k]
                        .iter()
                        .map(|t| t.text.clone())
                        .filter(|w| !matches!(w.as_str(), "a" | "an" | "the"))
                        .collect();
                    if m.text != "view" && m.text != "shot" {
                        styles.push(words.join(" "));
                    }
                    let gone: Vec<Tok> = toks.drain(i..k + 2).collect();
                    drop_words(dropped, &gone, DropReason::Medium);
                    continue;
                }
            }
        }
        i += 1;
    }
}

/// Comma-separated parts made of style words.
fn strip_tags(toks: &mut Vec<Tok>, styles: &mut Vec<String>, dropped: &mut Vec<Dropped>) {
    // Comma-separated parts made only of style words are tags; in a part that also speaks of
    // light, only the style words go. Never the first part: that is the subject.
    let tag = |t: &Tok| {
        t.kind == Kind::Word
            && (TAG_WORDS.contains(&t.text.as_str())
                || crate::lexicon::style_word(&t.text).is_some())
    };
    // "Chinese ink", "detailed ink wash": a describing word beside a tag word.
    let describing = |t: &Tok| {
        t.kind == Kind::Word
            && crate::wordnet::lookup(&t.text)
                .is_some_and(|e| e.adjective && !e.noun.is_some_and(|n| n.physical()))
    };
    let light = |t: &Tok| t.kind == Kind::Word && LIGHT_WORDS.contains(&t.text.as_str());
    // Lighting adjectives the grammar reads ("soft light", "studio lighting").
    let lighting = |t: &Tok| {
        matches!(
            t.text.as_str(),
            "soft" | "studio" | "dramatic" | "cinematic" | "natural" | "hard" | "harsh"
        )
    };
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut part: Vec<Tok> = Vec::new();
    let mut index = 0;
    let flush = |part: &mut Vec<Tok>,
                 out: &mut Vec<Tok>,
                 index: usize,
                 styles: &mut Vec<String>,
                 dropped: &mut Vec<Dropped>| {
        let is_tag = index > 0
            && part.iter().any(tag)
            && part.iter().all(|t| tag(t) || light(t) || describing(t));
        if !is_tag {
            out.append(part);
        } else if part.iter().any(light) {
            for t in part.drain(..) {
                if !tag(&t) || lighting(&t) {
                    out.push(t);
                } else {
                    drop_words(dropped, std::slice::from_ref(&t), DropReason::Style);
                }
            }
        } else {
            drop_words(dropped, part, DropReason::Style);
            // Words the grammar knows keep its names ("4k" is "high resolution"); the others
            // are one tag as written ("trending on artstation").
            let mut rest = Vec::new();
            for t in part.drain(..) {
                match crate::lexicon::style_word(&t.text) {
                    Some(st) => styles.push(st.to_string()),
                    None => rest.push(t.text),
                }
            }
            if !rest.is_empty() {
                styles.push(rest.join(" "));
            }
            // The comma before it goes too.
            if out.last().is_some_and(|t| t.kind == Kind::Punct) {
                out.pop();
            }
        }
    };
    for t in toks.drain(..) {
        if t.kind == Kind::Punct {
            flush(&mut part, &mut out, index, styles, dropped);
            out.push(t);
            index += 1;
        } else {
            part.push(t);
        }
    }
    flush(&mut part, &mut out, index, styles, dropped);
    *toks = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn words(p: &str) -> (String, Vec<String>) {
        let mut t = tokenize(p);
        let s = strip(&mut t);
        (
            t.iter()
                .map(|t| t.text.clone())
                .collect::<Vec<_>>()
                .join(" "),
            s.styles,
        )
    }

    #[test]
    fn the_medium_the_tags_and_the_voice_go() {
        assert_eq!(
            words("an oil painting of a lighthouse on a cliff, trending on artstation").0,
            "a lighthouse on a cliff ,"
        );
        assert_eq!(
            words("we can see a woman holding an umbrella").0,
            "a woman holding an umbrella"
        );
        assert_eq!(
            words("a castle on a hill, fantasy art, concept art").0,
            "a castle on a hill"
        );
        // A part about the light keeps its light words for the grammar.
        assert_eq!(words("a bottle, volumetric light").0, "a bottle , light");
        assert_eq!(
            words("a cat on the left side of a sofa, he looks happy").0,
            "a cat to the left of a sofa , looks happy"
        );
    }
}

//! The words darkroom knows and what each one does in a prompt.
//!
//! Single words are classified with `match` (compiled to fast string switches); multi-word
//! phrases are matched on a slice of the following words, longest first, so "on the left of"
//! (a relation) wins over "on the left" (a position) wins over "on" (a relation).

use crate::scene::{CameraAngle, Lighting, Material, Position, Predicate, Shot, SizeWord};

/// What a multi-word (or special single-word) phrase means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phrase {
    Rel(Predicate),
    Between,
    Position(Position),
    Camera(CameraAngle),
    Shot(Shot),
    Light(Lighting),
    /// A word that puts the parser in lighting context ("light", "lit") so "from the left"
    /// that follows is a light direction.
    LightWord,
    /// "from the left" / "from the right" / "from behind" / "from above" / "from below".
    From(Dir),
    Style(&'static str),
    /// A count phrase ("a pair of"): exact count or open with a lower bound.
    Quantity(Option<u32>, Option<u32>),
    /// "that says", "with the text", "labeled": the next quoted string or word is text.
    TextIntro,
    /// "that is", "which are": what follows is said of the last-mentioned entity.
    Relative,
    /// "is", "are": what follows is said of the last-mentioned entity.
    Copula,
    /// Grammar words that carry nothing to check ("there is", "very").
    Skip,
}

/// A direction after "from".
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dir {
    Left,
    Right,
    Behind,
    Above,
    Below,
}

/// Finds the phrase starting at `w[0]`, returning how many words it takes.
#[expect(clippy::too_many_lines, reason = "a table of phrases as match arms")]
pub(crate) fn phrase(w: &[&str]) -> Option<(usize, Phrase)> {
    use Phrase::*;
    use Predicate as P;
    let r = match w {
        // Relations, longest first.
        ["to", "the", "left", "side", "of", ..] | ["on", "the", "left", "side", "of", ..] => {
            (5, Rel(P::LeftOf))
        }
        ["to", "the", "right", "side", "of", ..] | ["on", "the", "right", "side", "of", ..] => {
            (5, Rel(P::RightOf))
        }
        ["to", "the", "left", "of", ..]
        | ["on", "the", "left", "of", ..]
        | ["at", "the", "left", "of", ..] => (4, Rel(P::LeftOf)),
        ["to", "the", "right", "of", ..]
        | ["on", "the", "right", "of", ..]
        | ["at", "the", "right", "of", ..] => (4, Rel(P::RightOf)),
        ["left", "of", ..] => (2, Rel(P::LeftOf)),
        ["right", "of", ..] => (2, Rel(P::RightOf)),
        ["in", "front", "of", ..] => (3, Rel(P::InFrontOf)),
        ["in", "back", "of", ..] => (3, Rel(P::Behind)),
        ["on", "top", "of", ..] => (3, Rel(P::On)),
        ["next", "to", ..] | ["close", "to", ..] | ["adjacent", "to", ..] => (2, Rel(P::NextTo)),
        ["in", "between", ..] => (2, Between),
        ["between", ..] => (1, Between),
        ["sitting" | "resting" | "standing" | "placed" | "lying" | "laying" | "perched"
        | "balanced" | "stacked" | "set" | "parked", "on" | "upon" | "atop", "top", "of", ..] => {
            (4, Rel(P::On))
        }
        ["sitting" | "resting" | "standing" | "placed" | "lying" | "laying" | "perched"
        | "balanced" | "stacked" | "set" | "parked", "on" | "upon" | "atop", ..] => (2, Rel(P::On)),
        ["leaning" | "propped", "against" | "on", ..] => (2, Rel(P::NextTo)),
        ["floating" | "hovering" | "hanging" | "flying" | "suspended", "above" | "over", ..] => {
            (2, Rel(P::Above))
        }
        ["hiding" | "lying" | "sitting" | "standing" | "placed", "under" | "underneath", ..] => {
            (2, Rel(P::Under))
        }
        ["hiding" | "lying" | "sitting" | "standing" | "placed", "below" | "beneath", ..] => {
            (2, Rel(P::Below))
        }
        ["hiding" | "standing" | "sitting" | "placed", "behind", ..] => (2, Rel(P::Behind)),
        ["standing" | "sitting" | "placed" | "parked", "next", "to", ..] => (3, Rel(P::NextTo)),
        ["standing" | "sitting" | "placed" | "parked", "beside" | "near", ..] => {
            (2, Rel(P::NextTo))
        }

        // Absolute positions.
        ["on" | "at" | "to", "the", "left", "side", ..] => {
            (4, Position(crate::scene::Position::Left))
        }
        ["on" | "at" | "to", "the", "right", "side", ..] => {
            (4, Position(crate::scene::Position::Right))
        }
        ["on" | "at" | "to", "the", "left", ..] => (3, Position(crate::scene::Position::Left)),
        ["on" | "at" | "to", "the", "right", ..] => (3, Position(crate::scene::Position::Right)),
        ["in" | "at", "the", "center" | "centre" | "middle", ..] => {
            (3, Position(crate::scene::Position::Center))
        }
        ["at" | "on", "the", "top", ..] => (3, Position(crate::scene::Position::Top)),
        ["at" | "on", "the", "bottom", ..] => (3, Position(crate::scene::Position::Bottom)),
        ["in", "the", "foreground", ..] => (3, Position(crate::scene::Position::Foreground)),
        ["in", "the", "background", ..] => (3, Position(crate::scene::Position::Background)),
        ["centered" | "centred", ..] => (1, Position(crate::scene::Position::Center)),

        // Single-word relations, after the positions that start with the same word.
        ["on" | "upon" | "atop" | "onto", ..] => (1, Rel(P::On)),
        ["above" | "over", ..] => (1, Rel(P::Above)),
        ["below" | "beneath", ..] => (1, Rel(P::Below)),
        ["under" | "underneath", ..] => (1, Rel(P::Under)),
        ["behind", ..] => (1, Rel(P::Behind)),
        ["beside" | "near" | "alongside" | "by", ..] => (1, Rel(P::NextTo)),

        // Camera.
        ["at", "eye", "level", ..] => (3, Camera(CameraAngle::EyeLevel)),
        ["eye", "level", ..] | ["straight", "on", ..] | ["head", "on", ..] => {
            (2, Camera(CameraAngle::EyeLevel))
        }
        ["worm's" | "worms" | "worm", "eye", ..] => (2, Camera(CameraAngle::FromBelow)),
        ["bird's" | "birds" | "bird", "eye", ..] => (2, Camera(CameraAngle::FromAbove)),
        ["low", "angle", ..] | ["looking", "up", ..] => (2, Camera(CameraAngle::FromBelow)),
        ["high", "angle", ..] | ["looking", "down", ..] => (2, Camera(CameraAngle::FromAbove)),
        ["view" | "viewed" | "seen" | "shot" | "photographed" | "filmed", "from", "below" | "beneath", ..] => {
            (3, Camera(CameraAngle::FromBelow))
        }
        ["view" | "viewed" | "seen" | "shot" | "photographed" | "filmed", "from", "above", ..] => {
            (3, Camera(CameraAngle::FromAbove))
        }
        ["a", "flat", "lay", "of", ..] => (4, Camera(CameraAngle::TopDown)),
        ["top", "down", ..] | ["flat", "lay", ..] => (2, Camera(CameraAngle::TopDown)),
        ["overhead" | "topdown", ..] => (1, Camera(CameraAngle::TopDown)),
        ["a" | "an", "close", "up", "of", ..] => (4, Shot(crate::scene::Shot::CloseUp)),
        ["a" | "an", "closeup" | "macro", "of", ..] => (3, Shot(crate::scene::Shot::CloseUp)),
        ["extreme", "close", "up", ..] => (3, Shot(crate::scene::Shot::CloseUp)),
        ["close", "up", ..] => (2, Shot(crate::scene::Shot::CloseUp)),
        ["closeup" | "macro", ..] => (1, Shot(crate::scene::Shot::CloseUp)),
        ["a", "wide", "shot" | "view" | "angle", "of", ..] => (4, Shot(crate::scene::Shot::Wide)),
        ["wide" | "long" | "establishing", "shot", ..] | ["wide", "angle" | "view", ..] => {
            (2, Shot(crate::scene::Shot::Wide))
        }

        // Lighting.
        ["golden", "hour", ..] => (2, Light(Lighting::GoldenHour)),
        ["back", "lit", ..] | ["rim", "light" | "lighting" | "lit", ..] => {
            (2, Light(Lighting::Backlit))
        }
        ["backlit" | "backlighting" | "backlight" | "backlights", ..] => {
            (1, Light(Lighting::Backlit))
        }
        ["sunset" | "sunrise" | "dusk" | "dawn" | "twilight" | "evening", ..] => {
            (1, Light(Lighting::GoldenHour))
        }
        ["morning" | "noon" | "midday" | "daytime", ..] => (1, Light(Lighting::Natural)),
        ["sunlight" | "sunlit" | "daylight" | "sunny", ..] => (1, Light(Lighting::Natural)),
        ["softly" | "gently", "lit", ..] => (2, Light(Lighting::Soft)),
        ["harshly", "lit", ..] => (2, Light(Lighting::Hard)),
        [q, "light" | "lighting" | "lights" | "lit" | "illumination" | "shadows", ..]
            if light_quality(q).is_some() =>
        {
            (2, Light(light_quality(q)?))
        }
        // "light blue" is a colour, not lighting.
        ["light", c, ..] if darkroom_color::named::lookup(c).is_some() => return None,
        // "lights" alone are lamps one can see ("string lights", "its lights on"), left to
        // the noun grammar.
        ["light" | "lighting" | "lit" | "illuminated", ..] => (1, LightWord),
        ["from", "the", "left", ..] => (3, From(Dir::Left)),
        ["from", "the", "right", ..] => (3, From(Dir::Right)),
        ["from", "behind", ..] => (2, From(Dir::Behind)),
        ["from", "above", ..] => (2, From(Dir::Above)),
        ["from", "below" | "beneath", ..] => (2, From(Dir::Below)),

        // Style frames and multi-word styles.
        ["a" | "an", "photo" | "photograph" | "image" | "picture" | "render" | "rendering" | "illustration"
        | "painting" | "drawing" | "sketch" | "snapshot" | "shot", "of", ..] => (3, Style("photo")),
        ["a" | "an", "3d", "render" | "rendering" | "model", "of", ..] => (4, Style("3d render")),
        ["a" | "an", "product", "photo" | "shot" | "photograph", "of", ..] => {
            (4, Style("product photo"))
        }
        ["oil", "painting", ..] => (2, Style("oil painting")),
        ["pixel", "art", ..] => (2, Style("pixel art")),
        ["low", "poly", ..] => (2, Style("low poly")),
        ["3d", "render" | "rendering", ..] => (2, Style("3d render")),
        ["digital", "art" | "painting", ..] => (2, Style("digital art")),
        ["concept", "art", ..] => (2, Style("concept art")),
        ["line", "art", ..] => (2, Style("line art")),
        ["flat", "design" | "illustration", ..] => (2, Style("flat design")),
        ["product", "photo" | "photography" | "shot", ..] => (2, Style("product photo")),
        ["studio", "photo" | "photograph" | "photography" | "shot", ..] => {
            (2, Style("studio photo"))
        }
        ["film", "grain", ..] => (2, Style("film grain")),
        ["highly" | "ultra" | "hyper", "detailed", ..] | ["high", "detail", ..] => {
            (2, Style("detailed"))
        }
        ["high", "resolution", ..] => (2, Style("high resolution")),
        ["depth", "of", "field", ..] => (3, Style("depth of field")),
        ["black", "and", "white", "photo" | "photograph" | "image" | "film", ..] => {
            (4, Style("black and white"))
        }
        ["in", "the", "style", "of", ..] => (4, Style("in the style of")),

        // Counts.
        ["a", "pair" | "couple", "of", ..] => (3, Quantity(Some(2), None)),
        ["a", "dozen", ..] => (2, Quantity(Some(12), None)),
        ["a", "few", ..] => (2, Quantity(None, Some(2))),
        ["a" | "an", "group" | "bunch" | "pile" | "stack" | "row" | "set" | "collection" | "handful"
        | "herd" | "flock" | "crowd" | "fleet" | "cluster" | "line" | "lot", "of", ..] => {
            (3, Quantity(None, Some(2)))
        }
        // A measure of a thing is the thing: "a slice of cake", "a ball of yarn".
        ["a" | "an", "slice" | "ball" | "bar" | "roll" | "piece" | "sprig" | "loaf" | "scoop" | "sheet"
        | "wedge" | "chunk", "of", ..] => (3, Quantity(Some(1), None)),
        ["lots" | "plenty", "of", ..] => (2, Quantity(None, Some(2))),

        // Text.
        ["that" | "which", "says" | "reads" | "read" | "say" | "spells", ..] => (2, TextIntro),
        ["with" | "showing", "the", "text" | "word" | "words" | "caption" | "slogan" | "phrase", ..] => {
            (3, TextIntro)
        }
        ["with" | "showing", "text" | "caption" | "lettering", ..] => (2, TextIntro),
        ["with", "a", "label" | "caption", ..] => (3, TextIntro),
        ["says" | "saying" | "reads" | "labeled" | "labelled" | "spelling" | "inscribed", ..] => {
            (1, TextIntro)
        }
        ["the", "text" | "word" | "words", ..] => (2, TextIntro),

        // Relative clauses and copulas.
        ["that" | "which" | "who", "is" | "are" | "was" | "were" | "looks" | "look", ..] => {
            (2, Relative)
        }
        ["that" | "which" | "who", ..] => (1, Relative),
        ["is" | "are" | "looks" | "look" | "appears" | "appear", ..] => (1, Copula),
        ["made", "of" | "from" | "out", "of", ..] => (3, Copula),
        ["made", "of" | "from", ..] => (2, Copula),

        // Grammar that carries nothing checkable.
        ["there", "is" | "are", ..] => (2, Skip),
        ["in", "a", "row" | "line" | "circle" | "group" | "pile", ..] => (3, Skip),
        ["side", "by", "side", ..] => (3, Skip),
        ["written" | "printed" | "spelled" | "lettered", "\"", ..] => (1, TextIntro),
        ["written" | "printed" | "spelled" | "lettered", ..] => (1, Skip),
        ["very" | "extremely" | "really" | "slightly" | "also" | "together" | "both" | "each"
        | "every" | "featuring" | "showing" | "depicting" | "containing" | "against" | "within"
        | "set" | "scene" | "composition" | "visible", ..] => (1, Skip),
        ["in", "the", "scene" | "image" | "picture" | "frame", ..] => (3, Skip),
        _ => return None,
    };
    Some(r)
}

fn light_quality(q: &str) -> Option<Lighting> {
    Some(match q {
        "soft" | "diffuse" | "diffused" | "gentle" => Lighting::Soft,
        "hard" | "harsh" | "crisp" | "strong" => Lighting::Hard,
        "cinematic" | "moody" => Lighting::Cinematic,
        "studio" => Lighting::Studio,
        "natural" | "daylight" => Lighting::Natural,
        "dramatic" | "chiaroscuro" => Lighting::Dramatic,
        _ => return None,
    })
}

/// A count word (determiner or number) and whether it is definite ("the").
pub(crate) fn count_word(w: &str) -> Option<(Option<u32>, Option<u32>, bool)> {
    let n = match w {
        "a" | "an" | "one" | "another" | "single" => 1,
        "the" | "this" | "its" | "his" | "her" | "their" => return Some((None, None, true)),
        "two" | "both" | "twin" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" | "dozen" => 12,
        "no" | "zero" => 0,
        "several" | "some" | "many" | "multiple" | "numerous" | "various" | "few" | "these"
        | "those" => return Some((None, Some(2), false)),
        _ => {
            if w.len() <= 3 && w.bytes().all(|c| c.is_ascii_digit()) {
                w.parse().ok()?
            } else {
                return None;
            }
        }
    };
    Some((Some(n), None, false))
}

/// A material or finish word.
pub(crate) fn material(w: &str) -> Option<Material> {
    Some(match w {
        "matte" | "matt" => Material::Matte,
        "glossy" | "shiny" | "polished" | "lacquered" | "gloss" | "reflective" => Material::Glossy,
        "metal" | "metallic" | "steel" | "iron" | "aluminium" | "aluminum" | "tin" => {
            Material::Metal
        }
        "chrome" | "chromed" | "mirrored" => Material::Chrome,
        "gold" => Material::Gold,
        "silver" => Material::Silver,
        "copper" => Material::Copper,
        "brass" | "bronze" => Material::Brass,
        "glass" | "crystal" | "transparent" => Material::Glass,
        "wood" | "wooden" => Material::Wood,
        "marble" => Material::Marble,
        "plastic" => Material::Plastic,
        "ceramic" | "porcelain" | "clay" | "terracotta" => Material::Ceramic,
        "fabric" | "cloth" | "velvet" | "wool" | "woolen" | "woollen" | "cotton" | "silk"
        | "knitted" | "linen" | "felt" => Material::Fabric,
        "stone" | "concrete" | "granite" | "rock" | "brick" => Material::Stone,
        "leather" => Material::Leather,
        "paper" | "cardboard" => Material::Paper,
        "rubber" => Material::Rubber,
        _ => return None,
    })
}

/// A size word.
pub(crate) fn size(w: &str) -> Option<SizeWord> {
    Some(match w {
        "tiny" | "miniature" | "mini" => SizeWord::Tiny,
        "small" | "little" => SizeWord::Small,
        "large" | "big" => SizeWord::Large,
        "huge" | "giant" | "enormous" | "massive" | "gigantic" | "colossal" => SizeWord::Huge,
        "tall" => SizeWord::Tall,
        _ => return None,
    })
}

/// A colour modifier and how it changes the base colour: `(toward white, toward black)`.
pub(crate) fn color_modifier(w: &str) -> Option<(f32, f32)> {
    Some(match w {
        "light" => (0.45, 0.0),
        "pale" | "pastel" => (0.6, 0.0),
        "dark" => (0.0, 0.45),
        "deep" => (0.0, 0.25),
        "bright" | "vivid" | "neon" | "hot" | "rich" => (0.0, 0.0),
        _ => return None,
    })
}

/// Style words that describe the whole image.
pub(crate) fn style_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "photorealistic" | "photoreal" => "photorealistic",
        "realistic" | "hyperrealistic" | "lifelike" => "realistic",
        "photographic" | "photograph" | "photo" => "photo",
        "cinematic" => "cinematic",
        "minimalist" | "minimal" | "minimalistic" => "minimalist",
        "isometric" => "isometric",
        "watercolor" | "watercolour" => "watercolor",
        "illustration" | "illustrated" => "illustration",
        "cartoon" | "cartoonish" => "cartoon",
        "anime" | "manga" => "anime",
        "surreal" | "surrealist" => "surreal",
        "abstract" => "abstract",
        "bokeh" => "bokeh",
        "hdr" => "hdr",
        "4k" | "8k" | "uhd" => "high resolution",
        "35mm" | "50mm" | "85mm" => "lens",
        "sharp" | "detailed" | "crisp" => "detailed",
        "editorial" => "editorial",
        "render" | "rendered" => "3d render",
        "claymation" => "claymation",
        "monochrome" | "monochromatic" => "monochrome",
        _ => return None,
    })
}

mod nouns;
mod words;

pub(crate) use nouns::*;
pub(crate) use words::*;

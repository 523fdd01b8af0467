//! English noun inflection: plural → singular, with the irregular forms prompts actually use.
//!
//! The rules are ordered from most to least specific: irregular table, words that end in `s`
//! but are singular, then suffix rules (`-ies`, `-ves`, `-oes`, sibilant `-es`, plain `-s`).

/// Irregular plurals and plural-looking forms, as `(plural, singular)`, sorted by plural.
const IRREGULAR: &[(&str, &str)] = &[
    ("benches", "bench"),
    ("buses", "bus"),
    ("cacti", "cactus"),
    ("calves", "calf"),
    ("children", "child"),
    ("dice", "die"),
    ("dominoes", "domino"),
    ("dwarves", "dwarf"),
    ("echoes", "echo"),
    ("elves", "elf"),
    ("feet", "foot"),
    ("fungi", "fungus"),
    ("geese", "goose"),
    ("glasses", "glass"),
    ("halves", "half"),
    ("heroes", "hero"),
    ("hooves", "hoof"),
    ("knives", "knife"),
    ("leaves", "leaf"),
    ("lives", "life"),
    ("loaves", "loaf"),
    ("men", "man"),
    ("mice", "mouse"),
    ("octopi", "octopus"),
    ("oxen", "ox"),
    ("people", "person"),
    ("potatoes", "potato"),
    ("scarves", "scarf"),
    ("sheaves", "sheaf"),
    ("shelves", "shelf"),
    ("teeth", "tooth"),
    ("thieves", "thief"),
    ("tomatoes", "tomato"),
    ("tori", "torus"),
    ("torpedoes", "torpedo"),
    ("volcanoes", "volcano"),
    ("wives", "wife"),
    ("wolves", "wolf"),
    ("women", "woman"),
];

/// Words whose singular and plural are the same, or that end in `s` and are singular.
const INVARIANT: &[&str] = &[
    "aircraft",
    "atlas",
    "bass",
    "bison",
    "bonus",
    "cactus",
    "campus",
    "canvas",
    "chaos",
    "chassis",
    "chess",
    "circus",
    "compass",
    "cosmos",
    "cress",
    "deer",
    "fish",
    "gas",
    "hippopotamus",
    "iris",
    "jeans",
    "lens",
    "mathematics",
    "moose",
    "moss",
    "news",
    "octopus",
    "pants",
    "physics",
    "plus",
    "salmon",
    "scissors",
    "series",
    "sheep",
    "shorts",
    "shrimp",
    "species",
    "sunglasses",
    "swiss",
    "tennis",
    "trousers",
    "trout",
    "tuna",
    "virus",
    "walrus",
];

/// Returns the singular of a lowercase noun, or the word itself when it is not a plural.
pub fn singular(word: &str) -> String {
    if let Ok(i) = IRREGULAR.binary_search_by(|(p, _)| (*p).cmp(word)) {
        return IRREGULAR[i].1.to_string();
    }
    if INVARIANT.contains(&word) || word.len() < 3 || !word.ends_with('s') {
        return word.to_string();
    }
    if word.ends_with("is") {
        // "iris", "axis" are singular; "broccolis", "kiwis" are plurals of nouns WordNet knows.
        let stem = &word[..word.len() - 1];
        let noun = |w: &str| crate::wordnet::lookup(w).is_some_and(|e| e.noun.is_some());
        return if noun(stem) && !noun(word) {
            stem.to_string()
        } else {
            word.to_string()
        };
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("'s") {
        return word.to_string();
    }
    let stem = |n: usize| word[..word.len() - n].to_string();
    if let Some(base) = word.strip_suffix("ies") {
        // "cookies", "brownies", "movies": nouns whose singular ends in -ie.
        if IE_NOUNS.contains(&format!("{base}ie").as_str()) {
            return stem(1);
        }
        if base.len() >= 2 {
            return format!("{base}y");
        }
    }
    if word.ends_with("ves") {
        // Regular -ve nouns (curves, valves, stoves, olives) keep the `ve`.
        return stem(1);
    }
    for suffix in ["ches", "shes", "sses", "xes", "zzes", "ses"] {
        if word.ends_with(suffix) {
            // "boxes" → "box", "benches" → "bench", "buses" handled above; "vases"/"houses"
            // end in a vowel + "ses" and only drop the "s".
            // ("ses" alone has no letter before its suffix.)
            if suffix == "ses" && word.len() >= 4 {
                let before = word.as_bytes()[word.len() - 4];
                // "vases", "houses"; and "horses", "nurses", "purses", "pulses", "corpses".
                if b"aeioulrp".contains(&before) {
                    return stem(1);
                }
            }
            return stem(2);
        }
    }
    stem(1)
}

/// Nouns whose singular ends in -ie (so their plural's -ies is not -y).
const IE_NOUNS: &[&str] = &[
    "beanie", "birdie", "brownie", "calorie", "cookie", "genie", "goalie", "hoodie", "movie",
    "pie", "pixie", "prairie", "rookie", "selfie", "smoothie", "tie", "veggie", "zombie",
];

/// Whether the word is a plural form (its singular differs, or it is in a plural-only list).
pub fn is_plural(word: &str) -> bool {
    singular(word) != word || matches!(word, "people" | "scissors" | "jeans")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_words_ending_like_a_plural_do_not_panic() {
        // Found by the property test: "ses" has no letter before its suffix.
        for w in ["ses", "ies", "ves", "es", "s", "xes", "ches"] {
            let _ = singular(w);
        }
    }

    #[test]
    fn irregular_table_is_sorted() {
        assert!(IRREGULAR.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn plurals() {
        for (p, s) in [
            ("knives", "knife"),
            ("mice", "mouse"),
            ("people", "person"),
            ("geese", "goose"),
            ("sheep", "sheep"),
            ("buses", "bus"),
            ("glasses", "glass"),
            ("benches", "bench"),
            ("boxes", "box"),
            ("leaves", "leaf"),
            ("cherries", "cherry"),
            ("toys", "toy"),
            ("vases", "vase"),
            ("houses", "house"),
            ("spheres", "sphere"),
            ("cubes", "cube"),
            ("bus", "bus"),
            ("glass", "glass"),
            ("cactus", "cactus"),
            ("curves", "curve"),
            ("dishes", "dish"),
            ("tomatoes", "tomato"),
            ("tori", "torus"),
            ("apples", "apple"),
            ("lens", "lens"),
        ] {
            assert_eq!(singular(p), s, "{p}");
        }
    }
}

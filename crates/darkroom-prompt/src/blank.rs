//! Taking a prompt's quoted text out, for a shot whose text darkroom typesets (`text_by =
//! "typeset"`): the model is asked for the surface left blank ("a blank wooden sign"), since a
//! model that cannot spell wastes a draft on "a sign that says OPEN", and the words are set on
//! the finished image instead.

/// Words that introduce quoted text, longest first (matched case-insensitively, ending right
/// before the quote).
const INTROS: &[&str] = &[
    "with the words",
    "with the word",
    "with the text",
    "with the caption",
    "with the lettering",
    "with a caption",
    "with a label",
    "showing the text",
    "showing the words",
    "which says",
    "which reads",
    "which spells",
    "that says",
    "that reads",
    "that read",
    "that say",
    "that spells",
    "with text",
    "with lettering",
    "the words",
    "the word",
    "the text",
    "saying",
    "reading",
    "reads",
    "says",
    "labeled",
    "labelled",
    "spelling",
    "inscribed",
    "written",
    "printed",
    "spelled",
    "lettered",
];

/// The prompt with every quoted text and the words introducing it taken out, and "blank" put
/// before the surface it was on (after the nearest article before it) — or "without
/// lettering" where there is no such article — plus the texts taken out, in order.
///
/// ```
/// let (p, t) = darkroom_prompt::blank_text("a wooden sign that says \"OPEN\" next to a hydrant");
/// assert_eq!(p, "a blank wooden sign next to a hydrant");
/// assert_eq!(t, ["OPEN"]);
/// ```
pub fn blank_text(prompt: &str) -> (String, Vec<String>) {
    let mut out = prompt.to_string();
    let mut texts = Vec::new();
    while let Some((open, close, content)) = first_quote(&out) {
        texts.push(content);
        let before = &out[..open];
        let lower = before.to_lowercase();
        let trimmed = lower.trim_end();
        let intro = INTROS
            .iter()
            .find(|i| {
                trimmed.ends_with(*i)
                    && trimmed[..trimmed.len() - i.len()]
                        .chars()
                        .last()
                        .is_none_or(|c| !c.is_alphanumeric())
            })
            .map_or(0, |i| i.len());
        let cut = trimmed.len() - intro;
        let head = before[..cut].trim_end().to_string();
        let tail = out[close..].to_string();
        // "blank" after the nearest article among the last few words before the text.
        let words: Vec<(usize, &str)> = head
            .match_indices(|c: char| !c.is_whitespace())
            .map(|(i, _)| i)
            .filter(|&i| i == 0 || head[..i].ends_with(char::is_whitespace))
            .map(|i| (i, head[i..].split_whitespace().next().unwrap_or("")))
            .collect();
        let article = words
            .iter()
            .rev()
            .take(4)
            .find(|(_, w)| matches!(w.to_lowercase().as_str(), "a" | "an" | "the"))
            .copied();
        let joined = match article {
            Some((i, w)) => {
                let after = i + w.len();
                let art = if w.eq_ignore_ascii_case("an") {
                    if w.starts_with('A') {
                        "A"
                    } else {
                        "a"
                    }
                } else {
                    w
                };
                format!("{}{art} blank{}", &head[..i], &head[after..])
            }
            None if head.is_empty() => "without lettering".to_string(),
            None => format!("{head} without lettering"),
        };
        out = if tail.starts_with(|c: char| c.is_alphanumeric() || c.is_whitespace()) {
            format!("{joined} {}", tail.trim_start())
        } else {
            format!("{joined}{tail}")
        };
    }
    (out.trim().to_string(), texts)
}

/// The first quoted run: byte offsets of the opening quote and just after the closing one, and
/// the content. Straight (`"…"`) and curly (`“…”`) quotes.
fn first_quote(s: &str) -> Option<(usize, usize, String)> {
    let (open, q) = s.char_indices().find(|(_, c)| *c == '"' || *c == '“')?;
    let closing = if q == '“' { '”' } else { '"' };
    let start = open + q.len_utf8();
    let end = s[start..].find(closing)? + start;
    Some((open, end + closing.len_utf8(), s[start..end].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_goes_and_the_surface_is_asked_blank() {
        for (p, want) in [
            (
                "a wooden sign that says \"OPEN\" next to a red fire hydrant, golden hour",
                "a blank wooden sign next to a red fire hydrant, golden hour",
            ),
            (
                "a poster with the text \"SPRING SALE\" on a wall",
                "a blank poster on a wall",
            ),
            ("an old shop sign reading “BAKERY”", "a blank old shop sign"),
            ("the words \"HELLO\" in neon", "without lettering in neon"),
            (
                "A banner saying \"SALE\", and a sign that says \"OPEN\"",
                "A blank banner, and a blank sign",
            ),
        ] {
            let (got, _) = blank_text(p);
            assert_eq!(got, want, "{p}");
        }
        let (_, texts) = blank_text("a banner saying \"SALE\", and a sign that says \"OPEN\"");
        assert_eq!(texts, ["SALE", "OPEN"]);
    }

    #[test]
    fn a_prompt_without_quotes_is_unchanged() {
        let p = "a red sphere to the left of a blue cube";
        assert_eq!(blank_text(p), (p.to_string(), vec![]));
        // An unclosed quote is left as written.
        let p = "a sign that says \"OPEN";
        assert_eq!(blank_text(p).0, p);
    }
}

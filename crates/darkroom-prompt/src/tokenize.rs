//! Splits a prompt into words, quoted strings and clause punctuation.
//!
//! Words are lowercased for matching but keep their original spelling for the `unparsed` list
//! and for text to render. Hyphens split words ("close-up" → "close", "up") so one phrase table
//! covers both spellings; apostrophes stay inside words ("worm's"); `#0047AB` stays one word.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Quoted,
    Punct,
}

/// One token.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub kind: Kind,
    /// Lowercased word, the quoted text, or the punctuation mark.
    pub text: String,
    /// As written.
    pub orig: String,
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201E}' | '\u{00AB}')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201D}' | '\u{201C}' | '\u{00BB}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '\u{2019}'
}

/// Tokenises a prompt.
pub(crate) fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_open_quote(c) {
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && !is_close_quote(chars[j]) {
                j += 1;
            }
            let inner: String = chars[start..j].iter().collect();
            let inner = inner.trim().to_string();
            if !inner.is_empty() {
                out.push(Tok {
                    kind: Kind::Quoted,
                    text: inner.clone(),
                    orig: inner,
                });
            }
            i = j + 1;
        } else if c == '#' {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_hexdigit() {
                j += 1;
            }
            let len = j - i - 1;
            let ends = j >= chars.len() || !chars[j].is_alphanumeric();
            if (len == 3 || len == 6) && ends {
                let orig: String = chars[i..j].iter().collect();
                out.push(Tok {
                    kind: Kind::Word,
                    text: orig.to_ascii_lowercase(),
                    orig,
                });
                i = j;
            } else {
                i += 1;
            }
        } else if is_word_char(c) {
            let mut j = i;
            while j < chars.len() && is_word_char(chars[j]) {
                j += 1;
            }
            let orig: String = chars[i..j]
                .iter()
                .map(|&c| if c == '\u{2019}' { '\'' } else { c })
                .collect();
            let orig = orig.trim_matches('\'').to_string();
            if !orig.is_empty() {
                out.push(Tok {
                    kind: Kind::Word,
                    text: orig.to_lowercase(),
                    orig,
                });
            }
            i = j;
        } else if matches!(
            c,
            ',' | ';' | '.' | '!' | '?' | ':' | '(' | ')' | '[' | ']' | '\n' | '|'
        ) {
            if out.last().map(|t: &Tok| t.kind) != Some(Kind::Punct) {
                out.push(Tok {
                    kind: Kind::Punct,
                    text: ",".into(),
                    orig: c.to_string(),
                });
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let t = tokenize("A close-up of a #0047AB bottle, that says \"OPEN\"; worm's-eye view");
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            words,
            [
                "a", "close", "up", "of", "a", "#0047ab", "bottle", ",", "that", "says", "OPEN",
                ",", "worm's", "eye", "view"
            ]
        );
        assert_eq!(t[10].kind, Kind::Quoted);
    }
}

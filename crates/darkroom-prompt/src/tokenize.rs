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
    /// A Midjourney-style parameter (`--ar 16:9`, `--v 6`, `--no text`) or a weight (`::2`):
    /// about the generation, never about the picture. The framing pass takes it out.
    Flag,
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
/// The index of the mark that closes a single-quoted text opening at `i`: the opening mark
/// follows the start, a space or an opening bracket and is followed by a non-space; the closing
/// one is preceded by a non-space and followed by the end, a space or punctuation.
fn single_quoted(chars: &[char], i: usize) -> Option<usize> {
    let opens = (i == 0 || chars[i - 1].is_whitespace() || matches!(chars[i - 1], '(' | '['))
        && chars
            .get(i + 1)
            .is_some_and(|c| !c.is_whitespace() && *c != '\'');
    if !opens {
        return None;
    }
    (i + 2..chars.len()).find(|&j| {
        chars[j] == '\''
            && !chars[j - 1].is_whitespace()
            && chars
                .get(j + 1)
                .is_none_or(|c| c.is_whitespace() || ",.;:!?)]".contains(*c))
    })
}

pub(crate) fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' && single_quoted(&chars, i).is_some() {
            // 'BUY MILK': text in single quotes, told from an apostrophe ("kids' book",
            // "it's") by what stands around the marks.
            let end = single_quoted(&chars, i).unwrap_or(i);
            let inner: String = chars[i + 1..end].iter().collect();
            let inner = inner.trim().to_string();
            out.push(Tok {
                kind: Kind::Quoted,
                text: inner.clone(),
                orig: inner,
            });
            i = end + 1;
        } else if is_open_quote(c) {
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
        } else if c == '-'
            && chars.get(i + 1) == Some(&'-')
            && chars.get(i + 2).is_some_and(|c| c.is_ascii_alphabetic())
        {
            // "--ar 16:9": the flag and its value, which runs to the next flag or the end of
            // its words ("--no text, people" stops at the comma).
            let mut j = i + 2;
            while j < chars.len() && chars[j].is_ascii_alphanumeric() {
                j += 1;
            }
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            while j < chars.len() && !chars[j].is_whitespace() && chars[j] != ',' {
                if chars[j] == '-' && chars.get(j + 1) == Some(&'-') {
                    break;
                }
                j += 1;
            }
            let orig: String = chars[i..j].iter().collect::<String>().trim().to_string();
            out.push(Tok {
                kind: Kind::Flag,
                text: orig.to_lowercase(),
                orig,
            });
            i = j;
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            // "::2" weights a part of the prompt.
            let mut j = i + 2;
            while j < chars.len()
                && (chars[j].is_ascii_digit() || chars[j] == '.' || chars[j] == '-')
            {
                j += 1;
            }
            let orig: String = chars[i..j].iter().collect();
            out.push(Tok {
                kind: Kind::Flag,
                text: orig.clone(),
                orig,
            });
            // The weight ends its part, as a comma would.
            out.push(Tok {
                kind: Kind::Punct,
                text: ",".into(),
                orig: "::".into(),
            });
            i = j;
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

    #[test]
    fn flags_and_weights_are_one_token_each() {
        let t = tokenize("a castle::2 on a hill --ar 16:9 --v 6, sunset");
        let flags: Vec<&str> = t
            .iter()
            .filter(|t| t.kind == Kind::Flag)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(flags, ["::2", "--ar 16:9", "--v 6"]);
        let words: Vec<&str> = t
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(words, ["a", "castle", "on", "a", "hill", "sunset"]);
    }
}

//! Where a campaign's shared accounts and assets are, as a person writes it: a PostgreSQL
//! connection string (a `postgres://` URL or libpq's `key=value` form) and an `s3://` bucket.
//! One reading of both, for the campaign file's keys, the `DARKROOM_LEDGER` and
//! `DARKROOM_STORE` variables and `darkroom move` alike, so that a value is never taken for a
//! file path by accident; and one masking, so that a password never prints (`****`).

/// libpq's connection keywords (PostgreSQL 15, "Parameter Key Words"): a string whose first
/// `key=` is one of these is a connection string, not a file name.
const LIBPQ_KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "requiressl",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "service",
    "target_session_attrs",
];

/// Whether `s` is a `postgres://` or `postgresql://` URL.
fn is_url(s: &str) -> bool {
    let lower = s.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The `key=value` pairs of libpq's form, values unquoted (`'a b'`, `\'`), or `None` when `s`
/// is not in that form.
fn pairs(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return None;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return None,
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        out.push((key, value));
    }
    (!out.is_empty()).then_some(out)
}

/// Whether `s` is libpq's `key=value` form: pairs whose keys are all libpq's keywords.
fn is_key_value(s: &str) -> bool {
    pairs(s).is_some_and(|kv| {
        kv.iter()
            .all(|(k, _)| LIBPQ_KEYS.contains(&k.to_ascii_lowercase().as_str()))
    })
}

/// Whether `s` names a PostgreSQL database: a `postgres://` URL or libpq's `key=value` form.
pub fn is_postgres(s: &str) -> bool {
    is_url(s) || is_key_value(s)
}

/// The URL's part before its query, and the query (with its `?`).
fn split_query(s: &str) -> (&str, &str) {
    match s.find('?') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// The user-information of a URL (`user:password` before the host), found up to the *last*
/// `@` before the path, since a password may hold a raw `@`: `(start, end)` byte offsets.
fn userinfo(main: &str) -> Option<(usize, usize)> {
    let start = main.find("://")? + 3;
    let rest = &main[start..];
    // The host and path never hold `@`: the last one ends the user-information.
    let at = rest.rfind('@')?;
    Some((start, start + at))
}

/// Whether a connection string carries a password (in the URL's user-information, its
/// `?password=` or a `password=` pair).
pub fn has_password(s: &str) -> bool {
    if is_url(s) {
        let (main, query) = split_query(s);
        let in_auth = userinfo(main).is_some_and(|(a, b)| main[a..b].contains(':'));
        let in_query = query.trim_start_matches('?').split('&').any(|kv| {
            kv.split('=')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("password"))
        });
        in_auth || in_query
    } else {
        pairs(s).is_some_and(|kv| kv.iter().any(|(k, _)| k.eq_ignore_ascii_case("password")))
    }
}

/// A connection string or bucket URL with every secret as `****`: a URL's password (up to the
/// last `@`), a `?password=`, a `password=` pair of libpq's form; an `s3://` URL's
/// `KEY:SECRET@` entirely. Anything else is returned as it is.
pub fn mask(s: &str) -> String {
    if s.trim_start().to_ascii_lowercase().starts_with("s3://") {
        return match userinfo(s) {
            Some((a, b)) => format!("{}****{}", &s[..a], &s[b..]),
            None => s.to_string(),
        };
    }
    if is_url(s) {
        let (main, query) = split_query(s);
        let main = match userinfo(main) {
            Some((a, b)) => match main[a..b].split_once(':') {
                Some((user, _)) => format!("{}{user}:****{}", &main[..a], &main[b..]),
                None => main.to_string(),
            },
            None => main.to_string(),
        };
        let query = if query.is_empty() {
            String::new()
        } else {
            let q: Vec<String> = query[1..]
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=****"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("?{}", q.join("&"))
        };
        return format!("{main}{query}");
    }
    match pairs(s) {
        Some(kv) if is_key_value(s) => kv
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("password") {
                    format!("{k}=****")
                } else if v.is_empty() || v.contains(|c: char| c.is_whitespace() || c == '\'') {
                    format!("{k}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
                } else {
                    format!("{k}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => s.to_string(),
    }
}

/// A connection string as a campaign file may hold it: without its password, which comes
/// from the environment (`PGPASSWORD`).
pub fn without_password(s: &str) -> String {
    if is_url(s) {
        mask(s).replacen(":****@", "@", 1)
    } else if is_key_value(s) {
        mask(s)
            .split(' ')
            .filter(|kv| !kv.to_ascii_lowercase().starts_with("password="))
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s.to_string()
    }
}

/// Where a value was written: the campaign file (shared and committed: no secrets), or the
/// environment (where a password may be given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A campaign file's key.
    File,
    /// An environment variable.
    Environment,
}

/// What is accepted for a ledger, in messages.
pub const LEDGER_ACCEPTED: &str = "a PostgreSQL URL, postgres://USER@HOST:PORT/DATABASE, or libpq's key=value form, host=HOST port=PORT dbname=DATABASE user=USER";

/// Checks a shared ledger's connection string: a PostgreSQL one, with no password when it is
/// written in a campaign file. The error says what is wrong and what is accepted (never the
/// password).
pub fn check_ledger(s: &str, origin: Origin) -> Result<(), String> {
    if !is_postgres(s) {
        return Err(format!(
            "expected {LEDGER_ACCEPTED} (leave it out for the output folder's SQLite file)"
        ));
    }
    if origin == Origin::File && has_password(s) {
        return Err("has a password in it; campaign files are shared, so give the password in PGPASSWORD (or the whole URL in DARKROOM_LEDGER) and leave it out here".into());
    }
    Ok(())
}

/// Checks a bucket URL: `s3://BUCKET` or `s3://BUCKET/PREFIX`, never with keys in it.
pub fn check_store(s: &str) -> Result<(), String> {
    let Some(rest) = s.strip_prefix("s3://") else {
        return Err("expected s3://BUCKET or s3://BUCKET/PREFIX (the endpoint, region and keys come from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); leave it out for the output folder".into());
    };
    if userinfo(s).is_some() || rest.split('/').next().unwrap_or("").contains('@') {
        return Err("has credentials in it (KEY:SECRET@); give them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and write s3://BUCKET/PREFIX".into());
    }
    if rest.split('/').next().unwrap_or("").is_empty() {
        return Err("expected s3://BUCKET or s3://BUCKET/PREFIX (the endpoint, region and keys come from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); leave it out for the output folder".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_are_postgres_and_paths_are_not() {
        assert!(is_postgres("postgres://u@h:5432/db"));
        assert!(is_postgres("postgresql://h/db"));
        assert!(is_postgres(
            "host=db.internal password=s3cret dbname=spring user=darkroom"
        ));
        assert!(is_postgres("host='a host' dbname=x"));
        assert!(!is_postgres("out/darkroom.db"));
        assert!(!is_postgres("/var/lib/x.db"));
        assert!(!is_postgres("color=red"));
        assert!(!is_postgres("host=a dbname='unterminated"));
    }

    #[test]
    fn a_raw_at_in_a_password_is_masked_whole() {
        let m = mask("postgres://darkroom:p@ss@word@db.internal:5432/x");
        assert_eq!(m, "postgres://darkroom:****@db.internal:5432/x");
        assert!(!m.contains("ss") && !m.contains("word@"));
        assert_eq!(
            mask("postgres://u@h/db?sslmode=require&password=hunter2"),
            "postgres://u@h/db?sslmode=require&password=****"
        );
        assert_eq!(mask("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn key_value_passwords_are_masked_quoted_or_not() {
        let m = mask("host=h password='a b\\'c' dbname=d");
        assert_eq!(m, "host=h password=**** dbname=d");
        assert_eq!(mask("password=x host=h"), "password=**** host=h");
        assert_eq!(
            without_password("host=h password=x dbname=d"),
            "host=h dbname=d"
        );
        assert_eq!(
            without_password("postgres://u:p@w@h/db"),
            "postgres://u@h/db"
        );
    }

    #[test]
    fn s3_credentials_are_refused_and_masked() {
        assert!(check_store("s3://bucket/prefix").is_ok());
        let e = check_store("s3://AKIA:hunter2@bucket/prefix").unwrap_err();
        assert!(e.contains("AWS_SECRET_ACCESS_KEY") && !e.contains("hunter2"));
        assert_eq!(mask("s3://AKIA:SECRET@bucket/p"), "s3://****@bucket/p");
        assert!(check_store("s3:///x").is_err());
        assert!(check_store("bucket").is_err());
    }

    #[test]
    fn a_file_may_not_hold_a_password_the_environment_may() {
        let kv = "host=h password=x dbname=d";
        assert!(check_ledger(kv, Origin::File).is_err());
        assert!(check_ledger(kv, Origin::Environment).is_ok());
        assert!(check_ledger("postgres://u:x@h/d", Origin::File).is_err());
        assert!(check_ledger("postgres://u@h/d", Origin::File).is_ok());
        let e = check_ledger("s3cret-file.db", Origin::Environment).unwrap_err();
        assert!(e.contains("key=value"), "{e}");
    }
}

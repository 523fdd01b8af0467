//! `[provenance]`: Content Credentials on or off, the signing certificate and key, the prompt
//! in the files or not, and the time-stamp authority.

use super::*;

/// Checks `[provenance]`.
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>) -> Provenance {
    let mut provenance = Provenance::default();
    if let Some(p) = node {
        for (k, n) in v.keys(
            p,
            "provenance",
            &["enabled", "cert", "key", "include_prompt", "tsa_url"],
        ) {
            let kp = format!("provenance.{k}");
            match k {
                "enabled" => {
                    if let Some(b) = v.boolean(n, &kp) {
                        provenance.enabled = b;
                    }
                }
                "include_prompt" => {
                    if let Some(b) = v.boolean(n, &kp) {
                        provenance.include_prompt = b;
                    }
                }
                "cert" => provenance.cert = v.string(n, &kp),
                "tsa_url" => {
                    let url = v.string(n, &kp);
                    match url {
                        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                            provenance.tsa_url = Some(u);
                        }
                        Some(u) => v.err(
                            &n.span(),
                            &kp,
                            format!("`{u}` is not a URL: expected the http:// or https:// address of an RFC 3161 time-stamp authority, e.g. \"http://timestamp.digicert.com\""),
                        ),
                        None => {}
                    }
                }
                _ => provenance.key = v.string(n, &kp),
            }
        }
        if provenance.cert.is_some() != provenance.key.is_some() {
            let (has, lacks) = if provenance.cert.is_some() {
                ("cert", "key")
            } else {
                ("key", "cert")
            };
            v.err(
                &p.span(),
                &format!("provenance.{lacks}"),
                format!("`{has}` is set but `{lacks}` is not: name both the certificate chain and its private key (PEM files), or neither to sign with the local identity"),
            );
        }
    }
    provenance
}

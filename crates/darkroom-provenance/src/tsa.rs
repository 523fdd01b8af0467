//! RFC 3161 time-stamps: every signature can carry a time-stamp authority's token, so a file
//! still verifies after its signing certificate has expired (a reader checks the certificate
//! at the token's time, not today's). The request goes through a [`Post`] the caller gives —
//! this crate has no HTTP client and sends nothing anywhere by itself — and the reply is
//! checked here before it is embedded: a success status, a token that covers the signature
//! being made, and the nonce this request carried. A TSA that fails is asked again; when it
//! keeps failing, signing fails naming it, so nothing is delivered with a signature that will
//! read as invalid the day its certificate lapses.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::ProvenanceError;

/// The environment variable that names a time-stamp authority when the campaign names none.
pub const TSA_VAR: &str = "DARKROOM_C2PA_TSA";

/// Sends one time-stamp request: `(url, DER TimeStampReq)` → the reply's body (a DER
/// `TimeStampResp`), or why not (a refused connection, an HTTP status other than 200).
pub type Post = Arc<dyn Fn(&str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync>;

/// A time-stamp authority and the way to reach it.
#[derive(Clone)]
pub struct Tsa {
    /// The TSA's URL, e.g. `http://timestamp.digicert.com`.
    pub url: String,
    post: Post,
    /// How many times a request is sent before signing fails.
    tries: u32,
    /// The wait before the second try; doubled for each later one.
    backoff: Duration,
    /// Why the last request failed, for the error signing returns (c2pa's error flattens it).
    last: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Tsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tsa")
            .field("url", &self.shown())
            .field("tries", &self.tries)
            .finish_non_exhaustive()
    }
}

/// The most a token may add to a signature: the TSA's certificate chain is in it.
const TOKEN_ROOM: usize = 16 * 1024;

impl Tsa {
    /// A TSA at `url`, reached through `post`; three tries, 0.5 s then 1 s apart.
    pub fn new(url: impl Into<String>, post: Post) -> Tsa {
        Tsa {
            url: url.into(),
            post,
            tries: 3,
            backoff: Duration::from_millis(500),
            last: Arc::default(),
        }
    }

    /// The same TSA with another retry policy.
    pub fn with_retries(mut self, tries: u32, backoff: Duration) -> Tsa {
        self.tries = tries.max(1);
        self.backoff = backoff;
        self
    }

    /// The URL as it may be printed: a user name and password in it show as `****`.
    pub fn shown(&self) -> String {
        shown_url(&self.url)
    }

    /// The error signing returns when this TSA failed, if it did in the last signing.
    pub(crate) fn failure(&self) -> Option<ProvenanceError> {
        self.last
            .lock()
            .ok()?
            .take()
            .map(|why| ProvenanceError::TimeStamp {
                url: self.shown(),
                tries: self.tries,
                why,
            })
    }

    /// A token for `message` (the data c2pa counter-signs), checked; retried.
    fn stamp(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let mut why = String::new();
        let mut wait = self.backoff;
        for n in 0..self.tries {
            if n > 0 {
                std::thread::sleep(wait);
                wait *= 2;
            }
            match self.once(message) {
                Ok(t) => return Ok(t),
                Err(e) => why = e,
            }
        }
        Err(why)
    }

    fn once(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let req = c2pa::crypto::time_stamp::default_rfc3161_message(message)
            .map_err(|e| format!("cannot make the request: {e}"))?;
        let reply = (self.post)(&self.url, &req)?;
        let mut log = c2pa::status_tracker::StatusTracker::default();
        let info = c2pa::crypto::time_stamp::verify_time_stamp(
            &reply,
            message,
            &c2pa::crypto::cose::CertificateTrustPolicy::passthrough(),
            &mut log,
            false,
        )
        .map_err(|e| format!("its reply is not a valid time-stamp for this signature: {e}"))?;
        let asked = nonce_of(&req);
        let got = info.nonce.as_ref().map(|n| n.as_slice());
        if asked.is_some() && asked != got {
            return Err("its reply answers another request (the nonce differs)".into());
        }
        Ok(reply)
    }
}

/// A URL with its user information (`user:password@`) as `****@`.
pub fn shown_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) if !scheme.is_empty() => format!("{scheme}://****@{}", &rest[at + 1..]),
        _ => url.to_string(),
    }
}

/// The nonce of a DER `TimeStampReq`: SEQUENCE { version INTEGER, messageImprint SEQUENCE,
/// reqPolicy OID OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN OPTIONAL } — the second
/// INTEGER at the top level, as content octets.
fn nonce_of(der: &[u8]) -> Option<&[u8]> {
    let (tag, body, _) = tlv(der)?;
    if tag != 0x30 {
        return None;
    }
    let mut rest = body;
    let mut ints = 0;
    while !rest.is_empty() {
        let (tag, content, next) = tlv(rest)?;
        if tag == 0x02 {
            ints += 1;
            if ints == 2 {
                return Some(content);
            }
        }
        rest = next;
    }
    None
}

/// One DER element: its tag, its content, and what follows it.
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, at) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for &x in b.get(2..2 + n)? {
            len = (len << 8) | usize::from(x);
        }
        (len, 2 + n)
    };
    let end = at.checked_add(len)?;
    Some((tag, b.get(at..end)?, b.get(end..)?))
}

/// A c2pa signer that signs with `inner` and gets its time-stamp from a [`Tsa`]. It names no
/// raw signer, so c2pa asks it (not the inner signer's own, network-less provider) for the
/// token.
pub(crate) struct Stamping {
    pub inner: c2pa::BoxedSigner,
    pub tsa: Tsa,
}

impl c2pa::Signer for Stamping {
    fn sign(&self, data: &[u8]) -> c2pa::Result<Vec<u8>> {
        self.inner.sign(data)
    }

    fn alg(&self) -> c2pa::SigningAlg {
        self.inner.alg()
    }

    fn certs(&self) -> c2pa::Result<Vec<Vec<u8>>> {
        self.inner.certs()
    }

    fn reserve_size(&self) -> usize {
        self.inner.reserve_size() + TOKEN_ROOM
    }

    fn time_authority_url(&self) -> Option<String> {
        Some(self.tsa.url.clone())
    }

    fn send_timestamp_request(&self, message: &[u8]) -> Option<c2pa::Result<Vec<u8>>> {
        Some(self.tsa.stamp(message).map_err(|why| {
            if let Ok(mut l) = self.tsa.last.lock() {
                *l = Some(why.clone());
            }
            c2pa::Error::OtherError(why.into())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_read_from_a_request() {
        let req = c2pa::crypto::time_stamp::default_rfc3161_message(b"abc").unwrap();
        let n = nonce_of(&req).expect("a nonce");
        assert!(!n.is_empty() && n.len() <= 9, "{n:?}");
        // Two requests carry two nonces.
        let req2 = c2pa::crypto::time_stamp::default_rfc3161_message(b"abc").unwrap();
        assert_ne!(nonce_of(&req2), Some(n));
    }

    #[test]
    fn a_password_in_the_url_never_shows() {
        assert_eq!(
            shown_url("https://me:s3cret@tsa.example/ts?x=a@b"),
            "https://****@tsa.example/ts?x=a@b"
        );
        assert_eq!(
            shown_url("http://tsa.example/x@y"),
            "http://tsa.example/x@y"
        );
    }

    #[test]
    fn junk_has_no_nonce() {
        assert_eq!(nonce_of(b""), None);
        assert_eq!(nonce_of(&[0x30, 0x85, 1, 2, 3, 4, 5]), None);
        assert_eq!(nonce_of(&[0x30, 0x03, 0x02, 0x01, 0x01]), None);
    }

    #[test]
    fn a_failing_tsa_is_asked_again_then_named() {
        let calls = Arc::new(Mutex::new(0));
        let c = calls.clone();
        let tsa = Tsa::new(
            "http://127.0.0.1:9/tsa",
            Arc::new(move |_, _| {
                *c.lock().unwrap() += 1;
                Err("HTTP 503".into())
            }),
        )
        .with_retries(3, Duration::ZERO);
        let e = tsa.stamp(b"data").unwrap_err();
        assert_eq!(*calls.lock().unwrap(), 3);
        assert_eq!(e, "HTTP 503");
    }

    #[test]
    fn a_reply_that_is_no_token_is_refused() {
        let tsa = Tsa::new(
            "http://x",
            Arc::new(|_, _| Ok(b"<html>hello</html>".to_vec())),
        )
        .with_retries(1, Duration::ZERO);
        let e = tsa.stamp(b"data").unwrap_err();
        assert!(e.contains("not a valid time-stamp"), "{e}");
    }
}

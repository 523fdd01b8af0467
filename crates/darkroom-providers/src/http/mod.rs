//! What every HTTP provider shares: the API key type that never prints, one blocking client with
//! a timeout, the mapping of transport failures and HTTP statuses to the scheduler's error
//! classes, and the checks every returned image goes through (it decodes within limits, it is
//! the size the vendor documents for what was asked, and it is fitted to the size the engine
//! asked for).
//!
//! Blocking on purpose: the engine runs provider calls on tokio's blocking pool, and a blocking
//! client (ureq) is a fraction of an async stack's dependencies.

use std::io::Read;
use std::io::Write as _;
use std::time::{Duration, Instant};

use base64::Engine as _;
use darkroom_core::provider::ProviderError;
use darkroom_imageops::{decode, encode_png, Limits, RgbImage};

/// An API key. Its `Debug` and `Display` print `****`; the value is reachable only through
/// [`Secret::expose`], which the providers call when they set the auth header.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The key itself, for an auth header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `****` (for messages that quote a
    /// vendor's reply or a transport error, which could echo it).
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, "****")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

/// A reply: status, the headers we act on, the body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After` (seconds or an HTTP date; only seconds are honoured).
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Vec<u8>,
    /// How long the call took.
    pub latency: Duration,
}

/// A blocking client with one timeout for the whole call.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    timeout: Duration,
}

/// The most a reply body may be: a 4K PNG in base64 is ~40 MB.
const MAX_BODY: u64 = 96 << 20;

impl Client {
    /// A client whose calls give up after `timeout`.
    pub fn new(timeout: Duration) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout(timeout)
            .user_agent(concat!("darkroom/", env!("CARGO_PKG_VERSION")))
            .build();
        Client { agent, timeout }
    }

    /// Sends a request. Transport failures (refused connection, timeout, reset) are `Transient`;
    /// any HTTP status comes back as a [`Reply`] for the provider to read its vendor's error
    /// body. `secret` is redacted from every message.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Option<(&str, Vec<u8>)>,
        secret: Option<&Secret>,
    ) -> Result<Reply, ProviderError> {
        let red = |s: String| secret.map_or(s.clone(), |k| k.redact(&s));
        let trace = trace_enabled();
        if trace {
            let hs: Vec<String> = headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", red(v.clone())))
                .collect();
            // Never a panic on a closed stderr: the call is made (and paid) either way.
            let _ = writeln!(
                std::io::stderr(),
                "trace: http {method} {} [{}] body {} bytes",
                red(url.to_string()),
                hs.join("; "),
                body.as_ref().map_or(0, |b| b.1.len())
            );
        }
        let start = Instant::now();
        let mut req = self.agent.request(method, url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = match body {
            Some((ctype, bytes)) => req.set("Content-Type", ctype).send_bytes(&bytes),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => {
                let msg = red(t.to_string());
                let timed_out = msg.contains("timed out") || msg.contains("Timeout");
                return Err(ProviderError::Transient(if timed_out {
                    format!(
                        "no reply within {:.1} s ({msg})",
                        self.timeout.as_secs_f64()
                    )
                } else {
                    format!("transport: {msg}")
                }));
            }
        };
        let status = resp.status();
        let retry_after = resp
            .header("retry-after")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let mut body = Vec::new();
        resp.into_reader()
            .take(MAX_BODY)
            .read_to_end(&mut body)
            .map_err(|e| {
                let msg = red(e.to_string());
                if msg.contains("timed out") {
                    ProviderError::Transient(format!(
                        "no reply within {:.1} s ({msg})",
                        self.timeout.as_secs_f64()
                    ))
                } else {
                    ProviderError::Transient(format!("reading the reply: {msg}"))
                }
            })?;
        if trace {
            let _ = writeln!(
                std::io::stderr(),
                "trace: http {status} from {} in {:.3} s, {} bytes{}",
                red(url.to_string()),
                start.elapsed().as_secs_f64(),
                body.len(),
                if status == 200 {
                    String::new()
                } else {
                    format!(
                        ": {}",
                        red(String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned())
                    )
                }
            );
        }
        Ok(Reply {
            status,
            retry_after,
            body,
            latency: start.elapsed(),
        })
    }
}

impl Client {
    /// A POST whose reply is JSON: a non-200 status becomes the error `vendor_error` reads
    /// from the vendor's body; a 200 whose body is not JSON is a transient malformed reply.
    /// Returns the parsed body and the call's latency.
    pub fn post_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: (&str, Vec<u8>),
        secret: Option<&Secret>,
        vendor_error: impl Fn(&Reply) -> ProviderError,
    ) -> Result<(serde_json::Value, Duration), ProviderError> {
        let r = self.send("POST", url, headers, Some(body), secret)?;
        if r.status != 200 {
            return Err(vendor_error(&r));
        }
        let v = serde_json::from_slice(&r.body)
            .map_err(|e| ProviderError::Transient(format!("malformed reply: not JSON ({e})")))?;
        Ok((v, r.latency))
    }
}

/// The endpoint to call: the campaign's `base_url`, else the vendor's, without a trailing `/`.
pub fn base_url(base: Option<String>, default: &str) -> String {
    base.as_deref()
        .unwrap_or(default)
        .trim_end_matches('/')
        .to_string()
}

/// JSON request bytes.
pub fn json_body(v: &serde_json::Value) -> (&'static str, Vec<u8>) {
    (
        "application/json",
        serde_json::to_vec(v).unwrap_or_default(),
    )
}

/// A `multipart/form-data` body (content type, bytes): text fields, then PNG files. The
/// boundary is derived from the fields, so the same request gives the same bytes.
pub fn multipart(fields: &[(&str, String)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let named: Vec<(&str, String, &[u8])> = files
        .iter()
        .map(|(k, b)| (*k, format!("{k}.png"), *b))
        .collect();
    multipart_named(fields, &named)
}

/// [`multipart`] with a file name per file part (`(field, file name, PNG bytes)`).
pub fn multipart_named(
    fields: &[(&str, String)],
    files: &[(&str, String, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = format!(
        "darkroom-{:016x}",
        fields.iter().map(|f| f.1.len() as u64).sum::<u64>() ^ 0x5eed_cafe_f00d
    );
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

/// Whether `DARKROOM_LOG=trace` (or `debug`) asks for a line per request and reply on stderr.
/// Header values pass through [`Secret::redact`], so the key prints as `****`.
pub fn trace_enabled() -> bool {
    std::env::var("DARKROOM_LOG")
        .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "trace" | "debug"))
}

/// The class of an HTTP error status when the vendor's body says nothing more specific.
pub fn class_of_status(
    status: u16,
    message: String,
    retry_after: Option<Duration>,
) -> ProviderError {
    match status {
        429 => ProviderError::RateLimited {
            retry_after,
            message,
        },
        401 | 403 => ProviderError::Auth(message),
        408 | 409 | 500..=599 => ProviderError::Transient(message),
        _ => ProviderError::Invalid(message),
    }
}

/// Base64 (standard alphabet, padded) as the vendors use it.
pub fn b64_decode(s: &str) -> Result<Vec<u8>, ProviderError> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| {
            ProviderError::Transient(format!(
                "malformed reply: the image is not valid base64 ({e})"
            ))
        })
}

/// Base64 of bytes.
pub fn b64_encode(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Decodes an image the vendor returned, within the usual limits; a broken image is a
/// transient failure (truncated transfers happen), never a panic.
pub fn decode_reply(bytes: &[u8], what: &str) -> Result<RgbImage, ProviderError> {
    decode(bytes, what, Limits::default())
        .map_err(|e| ProviderError::Transient(format!("malformed reply: {e}")))
}

/// Checks that the vendor returned the size it documents for what was asked, then fits the
/// image to the engine's request (centre crop to the aspect, Lanczos3 to the size) and encodes
/// it as PNG. A wrong size is `Invalid`: retrying the same request would get the same answer.
pub fn fit_reply(
    img: RgbImage,
    expected: (u32, u32),
    want: (u32, u32),
) -> Result<(Vec<u8>, u32, u32), ProviderError> {
    if (img.width, img.height) != expected {
        return Err(ProviderError::Invalid(format!(
            "the provider returned {}x{}, not the {}x{} it documents for this request",
            img.width, img.height, expected.0, expected.1
        )));
    }
    let img = if (img.width, img.height) == want {
        img
    } else {
        let (w, h) = (img.width as f64, img.height as f64);
        let target = want.0 as f64 / want.1 as f64;
        let (cw, ch) = if w / h > target {
            ((h * target).round() as u32, img.height)
        } else {
            (img.width, (w / target).round() as u32)
        };
        let (x0, y0) = ((img.width - cw) / 2, (img.height - ch) / 2);
        let mut rgb = Vec::with_capacity((cw * ch * 3) as usize);
        for y in y0..y0 + ch {
            let row = ((y * img.width + x0) * 3) as usize;
            rgb.extend_from_slice(&img.rgb[row..row + (cw * 3) as usize]);
        }
        let cropped = RgbImage {
            width: cw,
            height: ch,
            rgb,
            text: vec![],
        };
        darkroom_imageops::resize::lanczos3(&cropped, want.0, want.1)
    };
    let png = encode_png(img.width, img.height, &img.rgb, &[])
        .map_err(|e| ProviderError::Invalid(format!("re-encoding the reply: {e}")))?;
    Ok((png, img.width, img.height))
}

/// As [`fit_reply`], but a PNG reply already at the wanted size is kept byte for byte: its
/// metadata stays, above all a vendor's C2PA Content Credentials (OpenAI and Google sign their
/// images), which a re-encode would strip and delivery keeps as an ingredient.
pub fn keep_or_fit(
    raw: &[u8],
    img: RgbImage,
    expected: (u32, u32),
    want: (u32, u32),
) -> Result<(Vec<u8>, u32, u32), ProviderError> {
    let png = raw.starts_with(b"\x89PNG\r\n\x1a\n");
    if png && (img.width, img.height) == expected && expected == want {
        return Ok((raw.to_vec(), img.width, img.height));
    }
    fit_reply(img, expected, want)
}

/// The vendor's file, when it carried Content Credentials that fitting it took out of `kept`
/// (see [`Generated::upstream`](darkroom_core::provider::Generated::upstream)).
pub fn upstream_of(raw: &[u8], kept: &[u8]) -> Option<Vec<u8>> {
    // A PNG's manifest is a `caBX` chunk; a JPEG's, JUMBF boxes in APP11 segments.
    let signed = raw.windows(4).any(|w| w == b"caBX" || w == b"jumb");
    (signed && raw != kept).then(|| raw.to_vec())
}

/// Width over height of a vendor's `W:H` aspect name (1 for anything else).
pub fn aspect_ratio(a: &str) -> f64 {
    let (x, y) = a.split_once(':').unwrap_or(("1", "1"));
    x.parse::<f64>().unwrap_or(1.0) / y.parse::<f64>().unwrap_or(1.0)
}

/// The aspect ratio from `options` nearest to `w:h` (by log ratio).
pub fn nearest_aspect<'a>(w: u32, h: u32, options: &[&'a str]) -> &'a str {
    let r = (w as f64 / h.max(1) as f64).ln();
    let val = |a: &str| aspect_ratio(a).ln();
    options
        .iter()
        .copied()
        .min_by(|a, b| (val(a) - r).abs().total_cmp(&(val(b) - r).abs()))
        .unwrap_or("1:1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("sk-live-123456");
        assert_eq!(format!("{s} {s:?}"), "**** ****");
        assert_eq!(s.redact("key=sk-live-123456&x"), "key=****&x");
    }

    #[test]
    fn statuses_map_to_classes() {
        assert_eq!(
            class_of_status(429, "m".into(), None).class(),
            "rate_limited"
        );
        assert_eq!(class_of_status(503, "m".into(), None).class(), "transient");
        assert_eq!(class_of_status(401, "m".into(), None).class(), "auth");
        assert_eq!(class_of_status(400, "m".into(), None).class(), "invalid");
    }

    #[test]
    fn the_nearest_aspect_is_chosen_by_ratio() {
        let opts = ["1:1", "16:9", "9:16", "21:9", "4:5"];
        assert_eq!(nearest_aspect(1024, 576, &opts), "16:9");
        assert_eq!(nearest_aspect(512, 512, &opts), "1:1");
        assert_eq!(nearest_aspect(800, 1000, &opts), "4:5");
        assert_eq!(nearest_aspect(2100, 900, &opts), "21:9");
    }

    #[test]
    fn replies_are_fitted_to_the_request() {
        let img = RgbImage {
            width: 1344,
            height: 768,
            rgb: vec![90; 1344 * 768 * 3],
            text: vec![],
        };
        let (png, w, h) = fit_reply(img.clone(), (1344, 768), (640, 360)).unwrap();
        assert_eq!((w, h), (640, 360));
        assert_eq!(&png[1..4], b"PNG");
        let e = fit_reply(img, (1024, 1024), (512, 512)).unwrap_err();
        assert_eq!(e.class(), "invalid");
        assert!(e.to_string().contains("1344x768"), "{e}");
    }
}

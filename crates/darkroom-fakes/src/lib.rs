//! Local fake servers for the image vendors, for tests: each speaks its vendor's documented
//! wire format (`reference/providers.md`) and **rejects anything else** — a wrong path, a
//! missing or wrong key, an undocumented field, an out-of-range value — with the vendor's own
//! error shape, so a test that passes proves the requests are what the vendor documents.
//!
//! Behaviour is scripted per call ([`Script`]): success, 429 with the vendor's retry hint, 5xx,
//! a refusal in the vendor's own way, a malformed body, an image of the wrong size, a slow
//! reply. Every request is recorded with the verdict of the validation.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

mod a1111;
mod comfyui;
mod gemini;
mod openai;
pub mod services;
mod stability;
pub mod tsa;

pub use comfyui::{COMFY_I2I, COMFY_T2I};

/// What the next call gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Script {
    /// A documented success.
    Ok,
    /// 429 with the vendor's retry hint (seconds).
    RateLimited(f64),
    /// 429 for a quota that waiting will not clear (Gemini per-day, OpenAI insufficient_quota).
    Quota,
    /// 503.
    ServerError,
    /// A refusal in the vendor's way; Gemini has three (`prompt`, `finish`, `text`).
    Refuse(&'static str),
    /// 200 with a body that is not the documented JSON.
    Malformed,
    /// A valid reply whose image is 512×512 whatever was asked.
    WrongSize,
    /// A success after this long.
    Slow(Duration),
    /// The job fails while running (ComfyUI's `execution_error`, a CUDA out-of-memory);
    /// a 500 for the vendors that answer at once.
    NodeError,
    /// A vision answer of "N: no" to every numbered question (Gemini's text replies).
    AnswerNo,
    /// A vision answer of "no" to every numbered question about one of these words (the thing
    /// a question asks after: "Is there a forward?", "Is the color red?") and "yes" to the
    /// rest: a model that truly sees no "forward" in the picture (Gemini and OpenAI replies).
    AnswerNoAbout(&'static [&'static str]),
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path with query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// When the request had been read.
    pub at: std::time::Instant,
    /// `Ok` when the request was what the vendor documents; else why not (and the fake
    /// answered with the vendor's 400/401).
    pub verdict: Result<(), String>,
}

impl Seen {
    /// The parts of a `multipart/form-data` body, or why it is not one.
    fn multipart(&self) -> Result<Vec<Part>, String> {
        let ctype = self.header("content-type").unwrap_or("");
        let Some(boundary) = ctype.strip_prefix("multipart/form-data; boundary=") else {
            return Err(format!(
                "the body must be multipart/form-data, not `{ctype}`"
            ));
        };
        parse_multipart(&self.body, boundary)
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.0 == name)
            .map(|h| h.1.as_str())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Vendor {
    Gemini,
    OpenAi,
    A1111,
    Stability,
    ComfyUi,
}

/// A running fake server.
#[derive(Clone)]
pub struct Fake {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    vendor: Vendor,
    key: String,
    script: Arc<Mutex<VecDeque<Script>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Stability's asynchronous generations.
    jobs: Arc<Mutex<stability::Jobs>>,
    /// The shortest interval between two polls of one result before the fake answers 429.
    min_poll: Duration,
    /// ComfyUI's uploads, queue and history.
    comfy: Arc<Mutex<comfyui::State>>,
    /// What the vendor does to each image before sending it (OpenAI and Google sign theirs
    /// with C2PA Content Credentials).
    stamp: Arc<Mutex<Option<Stamp>>>,
    /// After this many requests, the server is gone: connections are closed unanswered.
    dies_after: Arc<Mutex<Option<usize>>>,
}

/// A change the fake makes to every image it sends.
pub type Stamp = Box<dyn Fn(Vec<u8>) -> Vec<u8> + Send>;

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Option<Duration>,
}

fn json_answer(status: u16, v: Value) -> Answer {
    Answer {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: v.to_string().into_bytes(),
        delay: None,
    }
}

/// A PNG of the given size: a soft gradient with a dark square, so it decodes and judges.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let inside = x > w / 3 && x < w * 2 / 3 && y > h / 3 && y < h * 2 / 3;
            if inside {
                rgb.extend_from_slice(&[0, 71, 171]);
            } else {
                rgb.extend_from_slice(&[244, 241, (200 + (x + y) % 40) as u8]);
            }
        }
    }
    darkroom_imageops::encode_png(w, h, &rgb, &[]).expect("a well-formed buffer")
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

impl Fake {
    /// A fake Gemini API (`generateContent`) that accepts `key` in `x-goog-api-key`.
    pub fn gemini(key: &str) -> Fake {
        Fake::start(Vendor::Gemini, key)
    }

    /// A fake OpenAI Images API that accepts `Authorization: Bearer <key>`.
    pub fn openai(key: &str) -> Fake {
        Fake::start(Vendor::OpenAi, key)
    }

    /// A server of the user's own that speaks OpenAI's API and takes no key (Ollama's, llama.cpp's,
    /// vLLM's `/v1/chat/completions`): a request carrying `Authorization` is rejected.
    pub fn openai_compatible() -> Fake {
        Fake::start(Vendor::OpenAi, "")
    }

    /// A fake AUTOMATIC1111 web UI API (no auth).
    pub fn a1111() -> Fake {
        Fake::start(Vendor::A1111, "")
    }

    /// A fake Stability AI REST v2beta that accepts `authorization: Bearer <key>` and, like the
    /// vendor, answers 429 to a result polled within 10 s of the last poll.
    pub fn stability(key: &str) -> Fake {
        Fake::start(Vendor::Stability, key)
    }

    /// The same with a shorter minimum poll interval, so a test need not wait 10 s (the
    /// client under test must be told the same interval).
    pub fn stability_polled(key: &str, min_poll: Duration) -> Fake {
        Fake::start_with(Vendor::Stability, key, min_poll)
    }

    /// A fake ComfyUI server (no auth) that knows the core nodes of a text-to-image and an
    /// image-to-image graph.
    pub fn comfyui() -> Fake {
        Fake::start(Vendor::ComfyUi, "")
    }

    fn start(vendor: Vendor, key: &str) -> Fake {
        Fake::start_with(vendor, key, Duration::from_secs(10))
    }

    fn start_with(vendor: Vendor, key: &str, min_poll: Duration) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let fake = Fake {
            url,
            vendor,
            key: key.to_string(),
            script: Arc::default(),
            seen: Arc::default(),
            jobs: Arc::default(),
            min_poll,
            comfy: Arc::default(),
            stamp: Arc::default(),
            dies_after: Arc::default(),
        };
        let f = fake.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                if f.dead() {
                    // A machine that died: the connection ends with no answer.
                    let _ = conn.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let f = f.clone();
                std::thread::spawn(move || {
                    let _ = f.serve(conn);
                });
            }
        });
        fake
    }

    /// Queues behaviours for the next calls (after them: success).
    pub fn push(&self, s: impl IntoIterator<Item = Script>) {
        self.script.lock().unwrap().extend(s);
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests the fake rejected as not what the vendor documents.
    pub fn rejected(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter_map(|s| s.verdict.err())
            .collect()
    }

    fn serve(&self, conn: TcpStream) -> std::io::Result<()> {
        let mut seen = read_request(&conn)?;
        let answer = match self.vendor {
            Vendor::Gemini => self.gemini_answer(&mut seen),
            Vendor::OpenAi => self.openai_answer(&mut seen),
            Vendor::A1111 => self.a1111_answer(&mut seen),
            Vendor::Stability => self.stability_answer(&mut seen),
            Vendor::ComfyUi => self.comfyui_answer(&mut seen),
        };
        self.seen.lock().unwrap().push(seen);
        if let Some(d) = answer.delay {
            std::thread::sleep(d);
        }
        write_answer(conn, &answer)
    }

    /// The server dies after `n` requests (counting those seen so far): every later
    /// connection is closed unanswered, as when the machine is gone mid-run.
    pub fn die_after(&self, n: usize) {
        *self.dies_after.lock().unwrap() = Some(n);
    }

    fn dead(&self) -> bool {
        let limit = *self.dies_after.lock().unwrap();
        limit.is_some_and(|n| self.seen.lock().unwrap().len() >= n)
    }

    /// Every image the fake sends from now on goes through `f` first (a vendor's signature).
    pub fn stamp(&self, f: Stamp) {
        *self.stamp.lock().unwrap() = Some(f);
    }

    /// An image as the vendor sends it.
    fn stamped(&self, png: Vec<u8>) -> Vec<u8> {
        match &*self.stamp.lock().unwrap() {
            Some(f) => f(png),
            None => png,
        }
    }

    fn next(&self) -> Script {
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Script::Ok)
    }
}

/// Reads one HTTP/1.1 request (headers, and a body of `Content-Length` bytes).
fn read_request(conn: &TcpStream) -> std::io::Result<Seen> {
    let mut r = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut it = line.split_whitespace();
    let (method, path) = (
        it.next().unwrap_or("").to_string(),
        it.next().unwrap_or("").to_string(),
    );
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
            if k == "content-length" {
                len = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(Seen {
        method,
        path,
        headers,
        body,
        at: std::time::Instant::now(),
        verdict: Ok(()),
    })
}

/// Writes an answer and closes the connection.
fn write_answer(mut w: TcpStream, answer: &Answer) -> std::io::Result<()> {
    let reason = match answer.status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        answer.body.len()
    );
    for (k, v) in &answer.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    w.write_all(&answer.body)?;
    w.flush()
}

/// `(name, filename, bytes)` of each part.
type Part = (String, Option<String>, Vec<u8>);

fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let find = |hay: &[u8], from: usize, needle: &[u8]| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut at = find(body, 0, d).ok_or("no multipart boundary in the body")? + d.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        at += 2; // CRLF after the boundary
        let head_end = find(body, at, b"\r\n\r\n").ok_or("a part without headers")?;
        let head = String::from_utf8_lossy(&body[at..head_end]).to_string();
        let next = find(body, head_end, d).ok_or("an unterminated part")?;
        let content = body[head_end + 4..next - 2].to_vec();
        let disp = head
            .lines()
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-disposition: form-data")
            })
            .ok_or("a part without Content-Disposition: form-data")?;
        let attr = |k: &str| {
            disp.split(';')
                .filter_map(|p| p.trim().strip_prefix(&format!("{k}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
                .next()
        };
        let name = attr("name").ok_or("a part without a name")?;
        parts.push((name, attr("filename"), content));
        at = next + d.len();
    }
}

/// Width, height and whether the PNG has an alpha channel (colour type 4 or 6).
fn png_alpha_size(b: &[u8]) -> Option<(u32, u32, bool)> {
    if b.len() < 26 || &b[1..4] != b"PNG" || &b[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(b[20..24].try_into().ok()?);
    Some((w, h, matches!(b[25], 4 | 6)))
}

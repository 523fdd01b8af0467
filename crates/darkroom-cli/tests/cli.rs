//! CLI behaviour of `darkroom`, checked as insta snapshots of exit code, stdout and stderr, with
//! temporary paths and timings filtered out.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_darkroom"))
}

/// What `darkroom status CAMPAIGN --json` says, run in `dir`.
fn status_json(dir: &Path, campaign: &str) -> serde_json::Value {
    let o = bin()
        .current_dir(dir)
        .args(["status", campaign, "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("status --json: {e}: {}", String::from_utf8_lossy(&o.stderr)))
}

/// Whether Chromium and ChromeDriver are installed for the browser tests. CI installs both
/// (see `.ci/run`), so there their absence fails the test; elsewhere it says why it does nothing.
fn chromium() -> bool {
    let have =
        Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists();
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and chromium-driver"
        );
        eprintln!("skipped: /usr/bin/chromium and /usr/bin/chromedriver are not installed");
    }
    have
}

/// Whether Tesseract is installed for the OCR read-backs. CI installs it (see `.ci/run`), so
/// there its absence fails the test; elsewhere it says what it skipped.
fn tesseract() -> bool {
    let have = Command::new("tesseract").arg("--version").output().is_ok();
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install tesseract-ocr"
        );
        eprintln!("skipped the OCR read-back: tesseract is not installed");
    }
    have
}

/// The Python with the reference readers other tools are built on (c2pa-python, sd-parsers):
/// `DARKROOM_TEST_PYTHON`, which `.ci/run` sets after installing them in a virtual
/// environment. In CI its absence fails the test; elsewhere the test says what it skipped.
fn reference_python() -> Option<PathBuf> {
    let p = std::env::var_os("DARKROOM_TEST_PYTHON").map(PathBuf::from);
    if p.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set DARKROOM_TEST_PYTHON (.ci/run installs c2pa-python and sd-parsers)"
        );
        eprintln!("skipped the reference readers: DARKROOM_TEST_PYTHON is not set");
    }
    p
}

/// Runs `script` with the reference Python and `args`; its stdout as JSON.
fn python_json(py: &Path, script: &str, args: &[&str]) -> serde_json::Value {
    let o = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// Runs `darkroom ARGS` in `dir`: exit code, stdout, stderr.
fn go(dir: &Path, args: &[&str]) -> (i32, String, String) {
    go_env(dir, args, &[])
}

/// [`go`] with environment variables set for the command.
fn go_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let o = bin()
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// A fresh, empty folder under `target/test-output/cli/<name>`.
/// A seed from JSON: a number, or (past 2^53, where a double would change it) a string.
fn seed_of(v: &serde_json::Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a seed: {v}"))
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the command and renders `exit code`, stdout and stderr as one block, with `dir`
/// replaced by `[TMP]` and durations by `[T]`.
fn run(args: &[&str], dir: Option<&Path>) -> (i32, String) {
    let out = bin().args(args).env("NO_COLOR", "1").output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let mut text = format!(
        "exit: {code}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(d) = dir {
        text = text.replace(&d.display().to_string(), "[TMP]");
    }
    // "in 0.02 s" → "in [T] s"
    let mut filtered = String::new();
    for line in text.lines() {
        let l = match line.find(" in ") {
            Some(i) if line.ends_with(" s") => format!("{} in [T] s", &line[..i]),
            _ => line.to_string(),
        };
        filtered.push_str(&l);
        filtered.push('\n');
    }
    (code, filtered)
}

fn write_png(path: &Path, w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) {
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(&f(x, y));
        }
    }
    darkroom_imageops::write_png(path, w, h, &rgb, &[]).unwrap();
}

const BRAND: &str = r##"[brand]
palette = [
  { name = "Brand Blue", hex = "#0047AB" },
  { name = "Paper", hex = "#F4F1EA" },
]
tolerance = 6.0
min_on_palette = 0.5
"##;

/// Every `.png` under `dir`, by relative path.
fn pngs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files_under(dir, &["png"])
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            // Deliverables are byte-identical run to run outside their C2PA manifest, whose
            // assertion hashes c2pa salts at random.
            let bytes = std::fs::read(&p).unwrap();
            (rel, darkroom_provenance::without_manifest(&bytes))
        })
        .collect()
}

/// Every file under `dir` (recursively) with one of the extensions, sorted.
fn files_under(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A small priced campaign on `sim` (one worker, so the ledger's order is the same every run),
/// run once; returns its folder.
fn reported_campaign(name: &str) -> PathBuf {
    let d = scratch(name);
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"tiny\"\noutput = \"out\"\n[brand]\npalette = [{ name = \"Brand Blue\", hex = \"#0047AB\" }, { name = \"Paper\", hex = \"#F4F1EA\" }]\ntolerance = 8.0\nmin_on_palette = 0.3\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 1\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 3\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\nkeep = 1\n[gates]\nadherence = 0.5\non_palette = 0.3\n[budget]\nmoney = \"5 USD\"\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a #0047AB cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n[provenance]\nenabled = false\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{err}"
    );
    assert!(err.contains("report: out/report.html"), "{err}");
    d
}

/// Cuts the elements that show wall-clock times (the burn chart's x axis, the drift order, the
/// wall-time tile) and the stylesheet out of a page, for a snapshot.
fn without_clock(html: &str) -> String {
    let mut s = html.to_string();
    for (start, end) in [
        ("<style>", "</style>"),
        ("<svg class=\"chart\" id=\"svg-burn\"", "</svg>"),
        ("<svg class=\"chart\" id=\"svg-drift\"", "</svg>"),
        (
            "<div class=\"label\">Wall time</div><div class=\"value\">",
            "</div>",
        ),
    ] {
        if let Some(i) = s.find(start) {
            let from = i + start.len();
            let j = from + s[from..].find(end).expect("closed") + end.len();
            s.replace_range(i..j, &format!("{start}[filtered]{end}"));
        }
    }
    s
}

/// A WebDriver session on ChromeDriver, spoken over plain HTTP/1.1 (a few JSON calls do not
/// justify an HTTP client dependency in the test).
struct Driver {
    child: std::process::Child,
    port: u16,
    session: String,
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Option<serde_json::Value> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    // ChromeDriver keeps the connection open: read the headers, then exactly Content-Length.
    let mut r = std::io::BufReader::new(s);
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut r, &mut line).ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Driver {
    fn start(user_data: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // Wait until it answers (bounded by attempts, not by a deadline the test asserts on).
        let mut ready = false;
        for _ in 0..200 {
            if http(port, "GET", "/status", None).is_some_and(|v| v["value"]["ready"] == true) {
                ready = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(ready, "chromedriver did not start");
        // Chromium can exit while starting when the machine is loaded (several browser tests
        // beside a build); a session that was not created is asked for again, in a fresh
        // profile folder, a bounded number of times.
        let mut session = None;
        let mut last = serde_json::Value::Null;
        for attempt in 0..3 {
            let profile = if attempt == 0 {
                user_data.to_path_buf()
            } else {
                let p = user_data.join(format!("retry-{attempt}"));
                std::fs::create_dir_all(&p).unwrap();
                p
            };
            let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:loggingPrefs": {"browser": "ALL"},
                "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--allow-file-access-from-files", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display())
                ]}
            }}});
            let v = http(port, "POST", "/session", Some(&caps)).expect("a session");
            if let Some(id) = v["value"]["sessionId"].as_str() {
                session = Some(id.to_string());
                break;
            }
            last = v;
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        let session = session.unwrap_or_else(|| panic!("no session after 3 tries: {last}"));
        Driver {
            child,
            port,
            session,
        }
    }

    /// A driver with its own profile under `dir`.
    fn in_dir(dir: &Path) -> Driver {
        let profile = dir.join("chromium-profile");
        std::fs::create_dir_all(&profile).unwrap();
        Driver::start(&std::fs::canonicalize(&profile).unwrap())
    }

    /// Runs `script` in the page; what it returns.
    fn js(&self, script: &str) -> serde_json::Value {
        self.call(
            "POST",
            "/execute/sync",
            serde_json::json!({"args": [], "script": script}),
        )
    }

    /// Waits, by a bounded number of looks (not a deadline), until `script` returns true.
    fn until(&self, script: &str) {
        for _ in 0..200 {
            if self.js(script) == serde_json::json!(true) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("never: {script}");
    }

    fn call(&self, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let p = format!("/session/{}{path}", self.session);
        let b = (method == "POST").then_some(&body);
        let v = http(self.port, method, &p, b).unwrap_or_else(|| panic!("{method} {p}: no answer"));
        v["value"].clone()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .expect("base64")
}

/// Reads every file under `dir` (the ledger with its WAL, the store, deliverables, sidecars,
/// manifest, report) as bytes.
fn all_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

// One module per command; the helpers above are shared by them.
#[path = "cli/audit_models.rs"]
mod audit_models;
#[path = "cli/check.rs"]
mod check;
#[path = "cli/checklist.rs"]
mod checklist;
#[path = "cli/finishing.rs"]
mod finishing;
#[path = "cli/handles.rs"]
mod handles;
#[path = "cli/images.rs"]
mod images;
#[path = "cli/init_status.rs"]
mod init_status;
#[path = "cli/judge.rs"]
mod judge;
#[path = "cli/money.rs"]
mod money;
#[path = "cli/parse.rs"]
mod parse;
#[path = "cli/provenance.rs"]
mod provenance;
#[path = "cli/providers.rs"]
mod providers;
#[path = "cli/readers.rs"]
mod readers;
#[path = "cli/recipe.rs"]
mod recipe;
#[path = "cli/report.rs"]
mod report;
#[path = "cli/review.rs"]
mod review;
#[path = "cli/run.rs"]
mod run;
#[path = "cli/settled.rs"]
mod settled;
#[path = "cli/sharing.rs"]
mod sharing;
#[path = "cli/simulate.rs"]
mod simulate;
#[path = "cli/sketch.rs"]
mod sketch;
#[path = "cli/usage.rs"]
mod usage;
// Text in images: typesetting, its contrast plate, and routing text away from the model.
#[path = "cli/text.rs"]
mod text;
#[path = "cli/timestamps.rs"]
mod timestamps;
// Several workers on a shared PostgreSQL ledger and S3 bucket.
#[path = "cli/workers.rs"]
mod workers;

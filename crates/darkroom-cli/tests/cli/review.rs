//! `darkroom review`: the refusals (token, host, origin, paths), decisions as ledger rows, and
//! culling by keyboard in headless Chromium.

use super::*;
use std::io::{BufRead, Read, Write};

/// A running `darkroom review`, stopped when dropped.
struct Review {
    child: std::process::Child,
    port: u16,
    token: String,
}

impl Review {
    fn start(dir: &Path) -> Review {
        Review::start_with(dir, &[])
    }

    /// Started with more environment (a provider's key).
    fn start_with(dir: &Path, env: &[(&str, &str)]) -> Review {
        Review::start_full(dir, env, &[])
    }

    /// Started with more arguments (`--reviewer NAME`).
    fn start_args(dir: &Path, args: &[&str]) -> Review {
        Review::start_full(dir, &[], args)
    }

    fn start_full(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Review {
        let mut child = bin()
            .current_dir(dir)
            .args(["review", "c.toml", "--port", "0"])
            .args(args)
            .env("USER", "tester")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
        let (port, token) = rest.split_once("/?token=").unwrap();
        Review {
            child,
            port: port.parse().unwrap(),
            token: token.to_string(),
        }
    }

    /// One request: `(status, body)`. A refusal that answers before reading the body may reset
    /// the connection before the answer is read; such a request changed nothing and is sent
    /// again (a bounded number of times).
    fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        for _ in 0..5 {
            if let Some(r) = self.once(method, path, headers, body) {
                return r;
            }
        }
        panic!("{method} {path}: reset five times");
    }

    fn once(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Option<(u16, String)> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !headers.iter().any(|h| h.0 == "Host") {
            req.push_str(&format!("Host: 127.0.0.1:{}\r\n", self.port));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).ok()?;
        // A refusal answers before reading the body and may close with a reset: keep what came.
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if !out.is_empty() => {
                    let _ = e;
                    break;
                }
                Err(_) => return None,
            }
        }
        let text = String::from_utf8_lossy(&out).to_string();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map_or("", |x| x.1).to_string();
        Some((status, body))
    }

    fn post(&self, path: &str, json: serde_json::Value) -> (u16, String) {
        self.raw(
            "POST",
            &format!("{path}?token={}", self.token),
            &[("Content-Type", "application/json")],
            &json.to_string(),
        )
    }
}

impl Drop for Review {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ledger's human decisions: `(attempt, action, reason, rating, assertion, verdict, undoes, who)`.
type Row = (
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    String,
);

fn human_rows(dir: &Path) -> Vec<Row> {
    let c = rusqlite::Connection::open(dir.join("out/darkroom.db")).unwrap();
    let mut st = c
        .prepare("SELECT attempt, action, reason, rating, assertion, verdict, undoes, who FROM human_decisions ORDER BY id")
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The campaign's done drafts and finals with an asset, finals first.
fn assets(dir: &Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(dir.join("out/darkroom.db")).unwrap();
    let mut st = c
        .prepare("SELECT id, tier FROM attempts WHERE status = 'done' AND asset IS NOT NULL AND tier IN ('draft', 'finish') ORDER BY tier = 'draft', round, variant")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Keys through WebDriver: one key pressed and released.
fn key(driver: &Driver, k: &str) {
    driver.call(
        "POST",
        "/actions",
        serde_json::json!({"actions": [{"type": "key", "id": "kb", "actions": [
            {"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]}]}),
    );
}

/// Waits (by a bounded number of looks, not a deadline) until the ledger has `n` human rows.
fn rows_become(dir: &Path, n: usize) -> Vec<Row> {
    for _ in 0..200 {
        let r = human_rows(dir);
        if r.len() >= n {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    human_rows(dir)
}

fn screenshot(driver: &Driver, name: &str) {
    let shot = driver.call("GET", "/screenshot", serde_json::Value::Null);
    let png = decode_base64(shot.as_str().expect("base64 screenshot"));
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

/// A one-shot sim campaign in `dir/c.toml` with extra lines appended to its tables.
fn campaign(name: &str, gates: &str, extra: &str) -> PathBuf {
    let d = scratch(name);
    std::fs::write(
        d.join("c.toml"),
        format!("[campaign]\nname = \"tiny\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nconcurrency = 1\n[tiers.draft]\nprovider = \"sim\"\nsize = \"96\"\nvariants = 3\n[tiers.finish]\nprovider = \"sim\"\nsize = \"128\"\nkeep = 2\n[gates]\n{gates}\n[budget]\nmoney = \"5 USD\"\n{extra}\n[[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n"),
    )
    .unwrap();
    d
}

/// `run` in `dir`: exit code and stderr.
fn run_in(dir: &Path) -> (i32, String) {
    let o = bin()
        .current_dir(dir)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn delivered(dir: &Path) -> Vec<String> {
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("out/deliverables/manifest.json"))
            .unwrap_or_else(|_| b"{}".to_vec()),
    )
    .unwrap();
    m["deliverables"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["attempt"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A campaign with `extra` providers, run: its folder and its final.
fn finished(name: &str, extra: &str) -> (PathBuf, String) {
    let d = campaign(name, "adherence = 0.5", extra);
    let (code, err) = run_in(&d);
    assert_eq!(code, 0, "{err}");
    let fin = finals(&d)[0].clone();
    (d, fin)
}

fn finals(dir: &Path) -> Vec<String> {
    assets(dir)
        .into_iter()
        .filter(|a| a.1 == "finish")
        .map(|a| a.0)
        .collect()
}

/// The whole response (status line, headers, body) of a GET to the review app.
fn whole_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// A 256×256 mask as the page sends it: the right half painted.
fn mask_data_url(dir: &Path, w: u32, h: u32) -> String {
    let p = dir.join("mask.png");
    write_png(&p, w, h, |x, _| if x > w / 2 { [255; 3] } else { [0; 3] });
    use base64::Engine as _;
    let out = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&p).unwrap());
    format!("data:image/png;base64,{out}")
}

#[path = "review/app.rs"]
mod app;
#[path = "review/culling.rs"]
mod culling;
#[path = "review/decisions.rs"]
mod decisions;
#[path = "review/server.rs"]
mod server;

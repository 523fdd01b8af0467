//! A local RFC 3161 time-stamp authority for tests: OpenSSL's own `openssl ts -reply` behind
//! a small HTTP handler, with a test root CA and a TSA certificate (extended key usage
//! `timeStamping`, critical, as RFC 3161 requires) made in a scratch folder. It speaks the
//! protocol's HTTP transport (RFC 3161 §3.4): a POST of `application/timestamp-query`,
//! answered with `application/timestamp-reply`; anything else is a 400. It can be told to
//! fail the next requests (503) and counts what it answered.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::{read_request, write_answer, Answer};

/// A running fake TSA.
#[derive(Clone)]
pub struct FakeTsa {
    /// `http://127.0.0.1:PORT/tsa`.
    pub url: String,
    /// The test root CA's certificate (PEM): a reader that trusts it trusts the tokens.
    pub root_pem: String,
    dir: PathBuf,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Requests to answer with 503 before answering again.
    fail: usize,
    /// Every request seen.
    seen: usize,
    /// Tokens issued.
    issued: usize,
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run openssl (apt-get install openssl): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

const CONFIG: &str = "\
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = .
serial = ./serial
crypto_device = builtin
signer_cert = ./tsa.crt
certs = ./ca.crt
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
";

impl FakeTsa {
    /// Makes the CA and TSA certificates in `dir` and starts answering.
    pub fn start(dir: &Path) -> Result<FakeTsa, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "3650",
            "-subj",
            "/CN=darkroom test TSA root/O=darkroom tests",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(dir, &ca)?;
        let mut csr = vec!["req"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=darkroom test TSA/O=darkroom tests",
        ]);
        openssl(dir, &csr)?;
        std::fs::write(
            dir.join("ext.cnf"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
        )
        .map_err(|e| e.to_string())?;
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-set_serial",
                "2",
                "-out",
                "tsa.crt",
                "-days",
                "3650",
                "-extfile",
                "ext.cnf",
            ],
        )?;
        std::fs::write(dir.join("tsa.cnf"), CONFIG).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("serial"), "01\n").map_err(|e| e.to_string())?;
        let root_pem = std::fs::read_to_string(dir.join("ca.crt")).map_err(|e| e.to_string())?;
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}/tsa",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let tsa = FakeTsa {
            url,
            root_pem,
            dir: dir.to_path_buf(),
            state: Arc::default(),
        };
        let t = tsa.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let t = t.clone();
                std::thread::spawn(move || {
                    let Ok(req) = read_request(&conn) else {
                        return;
                    };
                    let answer = t.answer(&req);
                    let _ = write_answer(conn, &answer);
                });
            }
        });
        Ok(tsa)
    }

    /// The next `n` requests get a 503.
    pub fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().fail = n;
    }

    /// Requests seen so far.
    pub fn seen(&self) -> usize {
        self.state.lock().unwrap().seen
    }

    /// Tokens issued so far.
    pub fn issued(&self) -> usize {
        self.state.lock().unwrap().issued
    }

    fn answer(&self, req: &crate::Seen) -> Answer {
        let plain = |status: u16, msg: &str| Answer {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: msg.as_bytes().to_vec(),
            delay: None,
        };
        {
            let mut s = self.state.lock().unwrap();
            s.seen += 1;
            if s.fail > 0 {
                s.fail -= 1;
                return plain(503, "the time-stamp service is unavailable");
            }
        }
        if req.method != "POST" {
            return plain(405, "POST a time-stamp query");
        }
        if req.header("content-type") != Some("application/timestamp-query") {
            return plain(400, "the body must be application/timestamp-query");
        }
        match self.reply(&req.body) {
            Ok(der) => Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "application/timestamp-reply".into())],
                body: der,
                delay: None,
            },
            Err(e) => plain(400, &e),
        }
    }

    /// The DER `TimeStampResp` for a DER `TimeStampReq`, as `openssl ts -reply` makes it.
    /// One at a time: OpenSSL keeps the serial number in a file.
    pub fn reply(&self, query: &[u8]) -> Result<Vec<u8>, String> {
        let mut s = self.state.lock().unwrap();
        let n = s.issued;
        let (q, r) = (format!("q{n}.der"), format!("r{n}.der"));
        std::fs::write(self.dir.join(&q), query).map_err(|e| e.to_string())?;
        openssl(
            &self.dir,
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-queryfile",
                &q,
                "-out",
                &r,
            ],
        )?;
        let der = std::fs::read(self.dir.join(&r)).map_err(|e| e.to_string())?;
        s.issued += 1;
        Ok(der)
    }
}

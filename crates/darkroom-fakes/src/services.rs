//! The real servers the scale-out tests use — PostgreSQL and an S3-compatible store — found
//! through the environment `scripts/services.sh` prints (`DARKROOM_TEST_PG`, `DARKROOM_TEST_S3`).
//! Each test gets a database of its own, made fresh. Without the servers a test says it skipped;
//! under `CI` it fails instead, since CI starts them.

/// Whether the tests run under CI (where a missing server is a failure, not a skip).
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// `None` with a line on stderr saying the test skipped, or a panic under CI.
fn missing(var: &str, what: &str) -> Option<String> {
    if under_ci() {
        panic!("{var} is not set: under CI the {what} tests must run (`eval \"$(bash scripts/services.sh)\"` starts the server)");
    }
    eprintln!(
        "skipped: {var} is not set (run `eval \"$(bash scripts/services.sh)\"` to start {what})"
    );
    None
}

/// The URL of a new, empty PostgreSQL database named `darkroom_<name>` (dropped first if a
/// run before left it), or `None` when no server is configured (outside CI).
pub fn fresh_database(name: &str) -> Option<String> {
    let admin = match std::env::var("DARKROOM_TEST_PG") {
        Ok(u) => u,
        Err(_) => return missing("DARKROOM_TEST_PG", "PostgreSQL"),
    };
    let db: String = format!("darkroom_{name}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut c = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("DARKROOM_TEST_PG does not answer: {e}"));
    // One statement each: CREATE DATABASE cannot run inside the transaction a batch is.
    for stmt in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        c.batch_execute(&stmt)
            .unwrap_or_else(|e| panic!("cannot make the test database {db}: {e:?}"));
    }
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{db}"))
}

/// Runs SQL on a test database directly (a test that plays a crash writes what the process
/// had written when it died).
pub fn sql(url: &str, statements: &str) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("test database");
    c.batch_execute(statements)
        .unwrap_or_else(|e| panic!("test SQL `{statements}`: {e:?}"));
}

/// A fresh `s3://darkroom-test/<name>-<unique>` prefix in the test bucket (the AWS_* variables
/// `scripts/services.sh` prints point clients at it), or `None` when no server is configured
/// (outside CI).
pub fn fresh_bucket_prefix(name: &str) -> Option<String> {
    if std::env::var("DARKROOM_TEST_S3").is_err() {
        return missing("DARKROOM_TEST_S3", "S3");
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Some(format!(
        "s3://darkroom-test/{name}-{}-{nanos}",
        std::process::id()
    ))
}

/// A TCP relay in front of a real server, that a test can cut (every open connection reset,
/// new ones refused) and restore: a bucket or database that goes away in the middle of a run,
/// as a network or the server's host does.
pub struct Relay {
    addr: std::net::SocketAddr,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    /// Relays `127.0.0.1:<port>` (a new port) to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (d, o, up) = (down.clone(), open.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if d.load(Ordering::SeqCst) {
                    // Refused: closed at once, with nothing said.
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(&up) else {
                    continue;
                };
                let mut open = o.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                drop(open);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Relay { addr, down, open }
    }

    /// `http://127.0.0.1:<port>`: the endpoint to give the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cuts it: every open connection is reset and new ones are refused.
    pub fn cut(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

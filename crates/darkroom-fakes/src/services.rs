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

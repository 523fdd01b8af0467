//! Where a campaign's ledger is (a file or a PostgreSQL URL), and how a URL is printed:
//! never with its password.

use std::path::Path;

/// Where a campaign's ledger is: a SQLite file (the default, in the output folder) or a
/// PostgreSQL database shared by several workers.
#[derive(Clone, PartialEq)]
pub enum Location {
    /// A SQLite file.
    File(std::path::PathBuf),
    /// A `postgres://` URL (its password is never printed).
    Postgres(String),
}

impl Location {
    /// Where a campaign's ledger is: its `[campaign] ledger` (a URL, or a file), else
    /// `<output>/darkroom.db`.
    pub fn of(configured: Option<&str>, out: &Path) -> Location {
        match configured {
            Some(url) if darkroom_core::dsn::is_postgres(url) => {
                Location::Postgres(url.to_string())
            }
            Some(path) => Location::File(std::path::PathBuf::from(path)),
            None => Location::File(out.join("darkroom.db")),
        }
    }

    /// Whether there is a ledger to open: a file that exists, or a database (asked when
    /// opened).
    pub fn exists(&self) -> bool {
        match self {
            Location::File(p) => p.exists(),
            Location::Postgres(_) => true,
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => write!(f, "File({})", p.display()),
            Location::Postgres(u) => write!(f, "Postgres({})", mask_url(u)),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => f.write_str(&mask_url(u)),
        }
    }
}

/// A connection string with its password as `****` (`postgres://user:****@host/db`,
/// `host=h password=**** dbname=d`); see [`darkroom_core::dsn::mask`].
pub fn mask_url(url: &str) -> String {
    darkroom_core::dsn::mask(url)
}

/// Whether a PostgreSQL error is the connection lost (closed by the server, or reset on the
/// way: an I/O error), not the server refusing a statement.
pub(crate) fn connection_lost(e: &postgres::Error) -> bool {
    e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// A connection string as a campaign file may hold it: without its password, which comes from
/// the environment (PGPASSWORD).
pub fn without_password(url: &str) -> String {
    darkroom_core::dsn::without_password(url)
}

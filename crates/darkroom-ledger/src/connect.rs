//! Opening a ledger: a SQLite file (created and migrated) or a PostgreSQL database (migrated
//! under the advisory lock, checked to be this campaign's), and the transaction helpers every
//! other module runs its statements through.

use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;

use rusqlite::{Connection, TransactionBehavior};

use crate::db::{p, Sql};
use crate::*;

impl Ledger {
    /// Opens (creating and migrating) a ledger file.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let named = |source| LedgerError::Open {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(named)?;
        // A damaged or foreign file fails on its first read: said once, with the path.
        conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(named)?;
        let mut l = Ledger::setup(conn).map_err(|e| match e {
            LedgerError::Sql(source) => named(source),
            other => other,
        })?;
        l.path = path.display().to_string();
        Ok(l)
    }

    /// Opens the ledger at `at`: a file, or a PostgreSQL database that must belong to
    /// `campaign` (a database of another campaign is refused; an empty one becomes this one's).
    pub fn open_at(at: &Location, campaign: &str) -> Result<Ledger, LedgerError> {
        match at {
            Location::File(p) => Ledger::open(p),
            Location::Postgres(url) => Ledger::connect(url, campaign),
        }
    }

    /// An in-memory ledger (tests).
    pub fn in_memory() -> Result<Ledger, LedgerError> {
        Ledger::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Ledger, LedgerError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(LedgerError::Newer {
                at: ":memory:".into(),
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(Ledger {
            path: ":memory:".into(),
            db: Db::Lite(Mutex::new(conn)),
            worker: None,
            lease: 30.0,
            token: new_token(),
            fences: Mutex::default(),
            down: Mutex::default(),
        })
    }

    /// Connects to a PostgreSQL ledger, migrating it under the advisory lock (workers starting
    /// at once migrate it once), and checks it belongs to `campaign`.
    pub fn connect(url: &str, campaign: &str) -> Result<Ledger, LedgerError> {
        let shown = mask_url(url);
        let fail = |e: postgres::Error| LedgerError::Connect {
            url: shown.clone(),
            why: pg_why(&e),
        };
        let (url2, campaign2) = (url.to_string(), campaign.to_string());
        let conn = off_runtime(move || -> Result<db::PgConn, LedgerError> {
            let client = pg_client(&url2).map_err(|e| match e {
                LedgerError::Postgres(e) => fail(e),
                other => other,
            })?;
            let mut c = db::PgConn {
                client,
                cache: Default::default(),
            };
            pg_migrate(&mut c, &campaign2, &mask_url(&url2))?;
            Ok(c)
        })?;
        Ok(Ledger {
            db: Db::Pg(Box::new((Mutex::new(conn), url.to_string()))),
            path: shown,
            worker: None,
            lease: 30.0,
            token: new_token(),
            fences: Mutex::default(),
            down: Mutex::default(),
        })
    }

    /// Works as worker `id`: calls it sends are leased to it, and leases of workers whose
    /// heartbeat has been silent for `lease` seconds are taken over.
    pub fn as_worker(mut self, id: &str, lease: f64) -> Ledger {
        self.worker = Some(id.to_string());
        self.lease = lease;
        self
    }

    /// This ledger's worker id, if it works as one.
    pub fn worker(&self) -> Option<&str> {
        self.worker.as_deref()
    }

    /// Whether this ledger is shared by workers (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.db, Db::Pg(_))
    }

    /// Where it is, for messages (a URL's password masked).
    pub fn location(&self) -> &str {
        &self.path
    }

    /// Runs `f` (outside a transaction). On PostgreSQL a lost connection is reconnected and `f`
    /// run again, for up to the lease: every statement the ledger runs is idempotent (a retried
    /// reservation or settle whose first commit did land changes nothing).
    pub(crate) fn with<T: Send>(
        &self,
        f: impl Fn(&mut dyn Sql) -> Result<T, LedgerError> + Send + Sync,
    ) -> Result<T, LedgerError> {
        self.run(f, false, false)
    }

    /// Runs `f` in a transaction; `immediate` ones (the budget guard) run one at a time across
    /// every process that shares the ledger.
    pub(crate) fn tx<T: Send>(
        &self,
        immediate: bool,
        f: impl Fn(&mut dyn Sql) -> Result<T, LedgerError> + Send + Sync,
    ) -> Result<T, LedgerError> {
        self.run(f, true, immediate)
    }

    fn run<T: Send>(
        &self,
        f: impl Fn(&mut dyn Sql) -> Result<T, LedgerError> + Send + Sync,
        in_tx: bool,
        immediate: bool,
    ) -> Result<T, LedgerError> {
        let r = match &self.db {
            Db::Lite(m) => {
                let mut c = m.lock().unwrap_or_else(|p| p.into_inner());
                // In a closure: a failed BEGIN or COMMIT is named with the file below too.
                (|| {
                    if in_tx {
                        // BEGIN and COMMIT count, as the server's log counts them.
                        crate::db::lite_counted(2);
                        let mut tx = c.transaction_with_behavior(if immediate {
                            TransactionBehavior::Immediate
                        } else {
                            TransactionBehavior::Deferred
                        })?;
                        let v = f(&mut tx)?;
                        tx.commit()?;
                        Ok(v)
                    } else {
                        f(&mut *c)
                    }
                })()
            }
            Db::Pg(pg) => {
                let (m, url) = &**pg;
                // A lost connection (a restart, a failover, a pgbouncer restart) is waited out
                // for up to the lease: reconnected with a growing pause, then `f` again. Longer,
                // and the other workers take this one's calls over; it stops (exit 1).
                let patience = std::time::Duration::from_secs_f64(self.lease.max(1.0));
                let mut pause = std::time::Duration::from_millis(100);
                loop {
                    let r = off_runtime(|| {
                        let mut c = m.lock().unwrap_or_else(|p| p.into_inner());
                        if c.client.is_closed() {
                            *c = db::PgConn {
                                client: pg_client(url)?,
                                cache: Default::default(),
                            };
                        }
                        if in_tx {
                            let db::PgConn { client, cache } = &mut *c;
                            let mut t = db::PgTx {
                                tx: client.transaction()?,
                                cache,
                            };
                            if immediate {
                                Sql::exec(&mut t, "SELECT pg_advisory_xact_lock(?1)", p![PG_LOCK])?;
                            }
                            let v = f(&mut t)?;
                            t.tx.commit()?;
                            Ok(v)
                        } else {
                            f(&mut *c)
                        }
                    });
                    let lost = match &r {
                        Err(LedgerError::Postgres(e)) => connection_lost(e),
                        _ => false,
                    };
                    // One outage, one clock: every call waiting on it gives up once the lease
                    // has passed since the connection was first found lost, not each after a
                    // lease of its own.
                    let since = {
                        let mut down = self.down.lock().unwrap_or_else(|p| p.into_inner());
                        if !lost {
                            *down = None;
                            break r;
                        }
                        *down.get_or_insert_with(std::time::Instant::now)
                    };
                    if since.elapsed() >= patience {
                        break r;
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_secs(2));
                    // The next try reconnects (a connection that failed is one that is closed,
                    // or is made closed here: a reset left it half open).
                    // Off the runtime: the old client is dropped here, and dropping one blocks.
                    let _ = off_runtime(|| {
                        let client = pg_client(url)?;
                        *m.lock().unwrap_or_else(|p| p.into_inner()) = db::PgConn {
                            client,
                            cache: Default::default(),
                        };
                        Ok(())
                    });
                }
            }
        };
        // The database's own message ("database or disk is full") does not say which ledger.
        r.map_err(|e| match e {
            LedgerError::Sql(source) => LedgerError::At {
                path: self.path.clone(),
                source,
            },
            LedgerError::Postgres(source) => LedgerError::PgAt {
                url: self.path.clone(),
                why: pg_why(&source),
                closed: connection_lost(&source),
            },
            other => other,
        })
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        match &self.db {
            Db::Lite(_) => self.with(|c| c.one("PRAGMA user_version", p![])),
            Db::Pg(_) => self.with(|c| c.one("SELECT version FROM darkroom_schema", p![])),
        }
    }
}

/// A PostgreSQL client for a connection string (a URL or libpq's key=value form), the password
/// from `PGPASSWORD` when the string has none.
fn pg_client(url: &str) -> Result<postgres::Client, LedgerError> {
    let mut config = postgres::Config::from_str(url).map_err(|e| LedgerError::Connect {
        url: mask_url(url),
        why: format!(
            "not a PostgreSQL connection string ({e}); expected {}",
            darkroom_core::dsn::LEDGER_ACCEPTED
        ),
    })?;
    // The password is not written in campaign files: it comes from the environment, as for
    // every PostgreSQL client.
    if config.get_password().is_none() {
        if let Ok(pw) = std::env::var("PGPASSWORD") {
            config.password(pw);
        }
    }
    Ok(config
        .connect_timeout(std::time::Duration::from_secs(10))
        .connect(postgres::NoTls)?)
}

/// [`db::off_runtime`] for the ledger's database work: a panic there is an error, not a crash.
fn off_runtime<T: Send>(
    f: impl FnOnce() -> Result<T, LedgerError> + Send,
) -> Result<T, LedgerError> {
    db::off_runtime(f).unwrap_or_else(|_| {
        Err(LedgerError::Value(
            "the ledger's database thread panicked".into(),
        ))
    })
}

/// PostgreSQL's message, short: its code's text and the server's words, never the URL.
fn pg_why(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        s = format!("{s}: {x}");
        src = x.source();
    }
    s
}

/// Creates or migrates a PostgreSQL ledger, and checks that it is `campaign`'s.
fn pg_migrate(c: &mut db::PgConn, campaign: &str, url: &str) -> Result<(), LedgerError> {
    let wrap = |e: LedgerError| match e {
        LedgerError::Postgres(e) => LedgerError::Connect {
            url: url.to_string(),
            why: pg_why(&e),
        },
        other => other,
    };
    let db::PgConn { client, cache } = c;
    let mut t = db::PgTx {
        tx: client.transaction().map_err(|e| wrap(e.into()))?,
        cache,
    };
    let s: &mut dyn Sql = &mut t;
    (|| {
        s.exec("SELECT pg_advisory_xact_lock(?1)", p![PG_LOCK])?;
        s.exec("CREATE TABLE IF NOT EXISTS darkroom_schema (version BIGINT NOT NULL, campaign TEXT NOT NULL)", p![])?;
        let found: Option<(i64, String)> = s
            .row("SELECT version, campaign FROM darkroom_schema", p![])?
            .map(|r| Ok::<_, LedgerError>((r.get(0)?, r.get(1)?)))
            .transpose()?;
        let known = MIGRATIONS.len() as i64;
        let version = match found {
            Some((_, other)) if other != campaign => {
                return Err(LedgerError::OtherCampaign { at: url.to_string(), found: other, expected: campaign.to_string() })
            }
            Some((v, _)) if v > known => return Err(LedgerError::Newer { at: url.to_string(), found: v, known }),
            Some((v, _)) => v,
            None => {
                // A database with tables of its own is not an empty one to make a ledger in.
                let tables: i64 = s.one(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'darkroom_schema'",
                    p![],
                )?;
                if tables > 0 {
                    return Err(LedgerError::OtherCampaign { at: url.to_string(), found: format!("{tables} tables of something else"), expected: campaign.to_string() });
                }
                s.exec("INSERT INTO darkroom_schema (version, campaign) VALUES (0, ?1)", p![campaign])?;
                0
            }
        };
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            // Comments out first: they may hold a `;`.
            let text: Vec<&str> = sql.lines().map(|l| l.split_once("--").map_or(l, |(code, _)| code)).collect();
            for stmt in db::migration_to_postgres(&text.join("\n")).split(';') {
                if !stmt.trim().is_empty() {
                    s.exec(stmt, p![])?;
                }
            }
            s.exec("UPDATE darkroom_schema SET version = ?1", p![i as i64 + 1])?;
        }
        Ok(())
    })()
    .map_err(wrap)?;
    t.tx.commit().map_err(|e| wrap(e.into()))?;
    Ok(())
}

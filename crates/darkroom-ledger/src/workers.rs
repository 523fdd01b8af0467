//! Workers of a shared campaign: registration, heartbeats by the database's clock, who is
//! alive, and whether another worker holds a call.

use crate::db::{p, Sql};
use crate::*;

/// One worker of a campaign, as `status` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRecord {
    /// Its id (`--id`, or host and process id).
    pub id: String,
    /// The machine.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// When it started (Unix seconds).
    pub started_at: f64,
    /// Its last heartbeat (Unix seconds, by the ledger's clock).
    pub heartbeat: f64,
    /// Seconds since that heartbeat, by the same clock.
    pub age: f64,
    /// `working`, `finished`, or `lost` (its heartbeat stopped).
    pub state: String,
    /// Calls it has in flight.
    pub leases: u64,
    /// Calls it finished.
    pub done: u64,
}

/// Whether a worker may do a piece of work that one worker does for all (a shot's delivery).
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// It is this worker's to do (new, or taken over from a worker whose heartbeat stopped).
    Mine,
    /// Another live worker is doing it.
    Held(String),
    /// It was done.
    Done,
}

impl Ledger {
    /// Whether another live worker still has the call in flight: a plain read, without the
    /// ledger's lock, for a worker that waits on another's call (hundreds of them, polling).
    pub fn leased_elsewhere(&self, id: &str) -> Result<bool, LedgerError> {
        let (me, lease, shared) = (self.worker.clone(), self.lease, self.is_shared());
        self.with(|c| {
            let stale = lease_clock(c, shared)? - lease;
            let n: i64 = c.one(
                "SELECT COUNT(*) FROM attempts a JOIN workers w ON w.id = a.worker
                 WHERE a.id = ?1 AND a.status = 'sent' AND a.worker IS DISTINCT FROM ?2 AND w.heartbeat >= ?3",
                p![id, me, stale],
            )?;
            Ok(n > 0)
        })
    }

    /// Records that worker `id` started (or restarted) on `host`, with this process's lease
    /// token. Whether a worker lives is judged by its heartbeat on the database's clock only:
    /// never by process ids, which another PID namespace (a container) does not share.
    pub fn register_worker(&self, id: &str, host: &str, pid: u32) -> Result<(), LedgerError> {
        let shared = self.is_shared();
        let token = self.token.clone();
        self.with(|c| {
            let t = lease_clock(c, shared)?;
            c.exec(
                "INSERT INTO workers (id, host, pid, started_at, heartbeat, state, token) VALUES (?1, ?2, ?3, ?4, ?4, 'working', ?5)
                 ON CONFLICT (id) DO UPDATE SET host = ?2, pid = ?3, started_at = ?4, heartbeat = ?4, state = 'working', token = ?5",
                p![id, host, pid, t, token],
            )?;
            Ok(())
        })
    }

    /// This process's lease token (tells processes apart; not a secret).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Keeps worker `id`'s leases alive.
    pub fn heartbeat(&self, id: &str) -> Result<(), LedgerError> {
        self.beat(id, false)
    }

    /// Records that worker `id` finished (its leases are none; it holds nothing).
    pub fn finish_worker(&self, id: &str) -> Result<(), LedgerError> {
        self.beat(id, true)
    }

    /// A heartbeat by the ledger's clock, the last one when `finished`.
    fn beat(&self, id: &str, finished: bool) -> Result<(), LedgerError> {
        let shared = self.is_shared();
        self.with(|c| {
            let t = lease_clock(c, shared)?;
            c.exec(
                "UPDATE workers SET heartbeat = ?2, state = CASE WHEN ?3 THEN 'finished' ELSE state END WHERE id = ?1",
                p![id, t, finished],
            )?;
            Ok(())
        })
    }

    /// Every worker that has worked this campaign, by id, with its leases and what it did.
    pub fn workers(&self) -> Result<Vec<WorkerRecord>, LedgerError> {
        let (lease, shared) = (self.lease, self.is_shared());
        self.with(|c| {
            let t = lease_clock(c, shared)?;
            c.map(
                "SELECT w.id, w.host, w.pid, w.started_at, w.heartbeat, w.state,
                   (SELECT COUNT(*) FROM attempts a WHERE a.worker = w.id AND a.status = 'sent'),
                   (SELECT COUNT(*) FROM attempts a WHERE a.worker = w.id AND a.status = 'done')
                 FROM workers w ORDER BY w.id",
                p![],
                |r| {
                    let heartbeat: f64 = r.get(4)?;
                    let state: String = r.get(5)?;
                    Ok(WorkerRecord {
                        id: r.get(0)?,
                        host: r.get(1)?,
                        pid: r.get(2)?,
                        started_at: r.get(3)?,
                        heartbeat,
                        age: (t - heartbeat).max(0.0),
                        state: if state == "working" && t - heartbeat >= lease {
                            "lost".to_string()
                        } else {
                            state
                        },
                        leases: r.get(6)?,
                        done: r.get(7)?,
                    })
                },
            )
        })
    }
}

/// The clock heartbeats are written and judged by: the database's on PostgreSQL (workers on
/// machines whose clocks differ agree on it), this machine's on SQLite (one machine).
pub(crate) fn lease_clock(c: &mut dyn Sql, shared: bool) -> Result<f64, LedgerError> {
    if shared {
        c.one(
            "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
            p![],
        )
    } else {
        Ok(now())
    }
}

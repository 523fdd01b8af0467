//! Reading and annotating single attempts: where one stands, its stored asset, the pool server
//! that made it, and the counts `status` prints.

use crate::db::p;
use crate::*;

impl Ledger {
    /// Whether any attempt of a shot is done (a resumed shot may need little more).
    pub fn shot_has_done(&self, shot: &str) -> Result<bool, LedgerError> {
        self.with(|c| {
            c.one(
                "SELECT COUNT(*) FROM attempts WHERE shot = ?1 AND status = 'done'",
                p![shot],
            )
            .map(|n: i64| n > 0)
        })
    }

    /// How many of `ids` are done: one statement per thousand ids, not one per id (the
    /// progress line of a batch of calls).
    pub fn done_among(&self, ids: &[&str]) -> Result<usize, LedgerError> {
        use crate::db::IntoVal;
        let mut n = 0;
        for chunk in ids.chunks(1000) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "SELECT COUNT(*) FROM attempts WHERE status = 'done' AND id IN ({})",
                marks.join(", ")
            );
            let params: Vec<crate::db::Val> = chunk.iter().map(|id| id.val()).collect();
            let k: i64 = self.with(|c| c.one(&sql, &params))?;
            n += k as usize;
        }
        Ok(n)
    }

    /// Whether an attempt is done (its result can be reused; never call it again).
    pub fn is_done(&self, id: &str) -> Result<bool, LedgerError> {
        Ok(self.status_of(id)? == Some(AttemptStatus::Done))
    }

    /// Where an attempt stands, if it is known.
    pub fn status_of(&self, id: &str) -> Result<Option<AttemptStatus>, LedgerError> {
        self.with(|c| {
            let s: Option<String> = c
                .row("SELECT status FROM attempts WHERE id = ?1", p![id])?
                .map(|r| r.get(0))
                .transpose()?;
            s.map(|s| s.parse().map_err(LedgerError::Value)).transpose()
        })
    }

    /// The stored asset of a done attempt: `(hash, path)`.
    pub fn done_asset(&self, id: &str) -> Result<Option<(String, String)>, LedgerError> {
        self.with(|c| {
            c.row(
                "SELECT a.hash, a.path FROM attempts t JOIN assets a ON a.hash = t.asset WHERE t.id = ?1 AND t.status = 'done'",
                p![id],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
        })
    }

    /// Records which server of a pool ran an attempt.
    pub fn record_backend(&self, id: &str, backend: &str) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "UPDATE attempts SET backend = ?2 WHERE id = ?1",
                p![id, backend],
            )?;
            Ok(())
        })
    }

    /// Records the stored hash of the vendor's own file for an attempt (see `upstream`).
    pub fn record_upstream(&self, id: &str, hash: &str) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "UPDATE attempts SET upstream = ?2 WHERE id = ?1",
                p![id, hash],
            )?;
            Ok(())
        })
    }

    /// The stored hash of the vendor's own file for an attempt, when it carried Content
    /// Credentials the stored image lost.
    pub fn upstream(&self, id: &str) -> Result<Option<String>, LedgerError> {
        self.with(|c| {
            Ok(
                c.row("SELECT upstream FROM attempts WHERE id = ?1", p![id])?
                    .map(|r| r.get::<Option<String>>(0))
                    .transpose()?
                    .flatten(),
            )
        })
    }

    /// Per provider and pool server: the attempts it finished (done), in provider then server
    /// order. Providers of one endpoint are not listed.
    pub fn backend_counts(&self) -> Result<Vec<(String, String, u64)>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT provider, backend, COUNT(*) FROM attempts WHERE backend IS NOT NULL AND status = 'done'
                 GROUP BY provider, backend ORDER BY provider, backend",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
    }

    /// The model versions providers reported, per shot (each pair once, in shot then version
    /// order), of one tier or of all: what the recipe lock's drift check needs, without the
    /// dump of every attempt.
    pub fn model_versions(
        &self,
        tier: Option<crate::Tier>,
    ) -> Result<Vec<(String, String)>, LedgerError> {
        let tier = tier.map(crate::Tier::as_str);
        self.with(|c| {
            c.map(
                "SELECT DISTINCT shot, model_version FROM attempts
                 WHERE model_version IS NOT NULL AND (CAST(?1 AS TEXT) IS NULL OR tier = ?1)
                 ORDER BY shot, model_version",
                p![tier],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// Records a stored asset.
    pub fn record_asset(&self, hash: &str, path: &str, bytes: u64) -> Result<(), LedgerError> {
        self.with(|c| {
            c.exec(
                "INSERT INTO assets (hash, path, bytes) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                p![hash, path, bytes as i64],
            )?;
            Ok(())
        })
    }

    /// Refused attempts that were tried more than once (must be none: refusals are final).
    pub fn refused_with_retries(&self) -> Result<u64, LedgerError> {
        self.with(|c| {
            c.one(
                "SELECT COUNT(*) FROM attempts WHERE status = 'refused' AND tries > 1",
                p![],
            )
        })
    }

    /// Calls found in flight after a crash, over all attempts (each may have been executed by
    /// the provider without its answer reaching the ledger).
    pub fn interrupted(&self) -> Result<u64, LedgerError> {
        self.with(|c| {
            c.one(
                "SELECT CAST(COALESCE(SUM(interrupted), 0) AS BIGINT) FROM attempts",
                p![],
            )
        })
    }

    /// Latency (seconds) of every done call with its `(tier, round, provider)`, for simulated
    /// clocks.
    pub fn latencies(&self) -> Result<Vec<(String, u32, String, f64)>, LedgerError> {
        self.with(|c| {
            c.map(
                "SELECT tier, round, provider, latency FROM attempts
                 WHERE status = 'done' AND latency IS NOT NULL ORDER BY tier, round, provider",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
        })
    }

    /// The summary `darkroom status` prints.
    pub fn status(&self) -> Result<Status, LedgerError> {
        self.with(|c| {
            let by_tier = c.map(
                "SELECT tier, status, COUNT(*) FROM attempts GROUP BY tier, status ORDER BY tier, status",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let failures = c.map(
                "SELECT error_class, COUNT(*) FROM attempts WHERE error_class IS NOT NULL GROUP BY error_class ORDER BY error_class",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let spent: f64 = c.one("SELECT COALESCE(SUM(cost_settled), 0) FROM attempts", p![])?;
            let tries: u64 = c.one("SELECT CAST(COALESCE(SUM(tries), 0) AS BIGINT) FROM attempts", p![])?;
            let deliverables: u64 = c.one("SELECT COUNT(*) FROM deliverables", p![])?;
            let mut pct = |col: &str| -> Result<Option<(f64, f64)>, LedgerError> {
                let mut v: Vec<f64> = c.map(
                    &format!("SELECT {col} FROM attempts WHERE status = 'done' AND {col} IS NOT NULL"),
                    p![],
                    |r| r.get(0),
                )?;
                if v.is_empty() {
                    return Ok(None);
                }
                v.sort_by(f64::total_cmp);
                let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
                Ok(Some((at(0.5), at(0.95))))
            };
            let latency = pct("latency")?;
            let queue_wait = pct("queue_wait")?;
            let interrupted = c.map(
                "SELECT provider, CAST(SUM(interrupted) AS BIGINT), COALESCE(SUM(presumed), 0), CAST(SUM(late) AS BIGINT)
                 FROM attempts WHERE interrupted > 0 OR late > 0 GROUP BY provider ORDER BY provider",
                p![],
                |r| Ok(Interrupted { provider: r.get(0)?, calls: r.get(1)?, presumed: r.get(2)?, late: r.get(3)? }),
            )?;
            Ok(Status { by_tier, failures, spent, tries, deliverables, latency, queue_wait, interrupted })
        })
    }
}

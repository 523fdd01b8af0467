//! Reading everything back: the dump the report is built from, one attempt, scores one at a
//! time, and the fingerprint that says whether a report needs rebuilding.

use crate::db::p;
use crate::*;

impl Ledger {
    /// Everything recorded, in a stable order (the report's source).
    pub fn dump(&self) -> Result<Dump, LedgerError> {
        self.with(|c| dump::dump(c, true))
    }

    /// One attempt by its id (the row a reader of one call needs, without the whole dump).
    pub fn attempt(&self, id: &str) -> Result<Option<AttemptRecord>, LedgerError> {
        self.with(|c| dump::attempt(c, id))
    }

    /// [`Ledger::dump`] without the scores (read them with [`Ledger::for_each_score`] and
    /// [`Ledger::scores_of_shot`]): what a reader of a large campaign holds at once.
    pub fn dump_without_scores(&self) -> Result<Dump, LedgerError> {
        self.with(|c| dump::dump(c, false))
    }

    /// Calls `f` with every score in the dump's order, one at a time.
    pub fn for_each_score(&self, f: impl FnMut(ScoreRecord) + Send) -> Result<(), LedgerError> {
        // Read in one go: a read cut off by a lost connection is not started again, which would
        // hand `f` the first scores twice.
        let f = Mutex::new(f);
        let started = std::sync::atomic::AtomicBool::new(false);
        self.with(|c| {
            if started.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return Err(LedgerError::Value(
                    "the connection to the ledger was lost while its scores were read; read them again".into(),
                ));
            }
            dump::for_each_score(c, |s| (f.lock().unwrap_or_else(|p| p.into_inner()))(s))
        })
    }

    /// The scores of one shot's attempts.
    pub fn scores_of_shot(&self, shot: &str) -> Result<Vec<ScoreRecord>, LedgerError> {
        self.with(|c| dump::scores_of_shot(c, shot))
    }

    /// Per shot, a mark of its attempts' scores (how many, how long their verdicts, the sum of
    /// their values), in one query: it changes when any of the shot's judgements does, so a
    /// reader can rebuild only what shows the shots that changed.
    pub fn score_marks(&self) -> Result<std::collections::BTreeMap<String, String>, LedgerError> {
        self.with(|c| {
            let rows = c.map(
                "SELECT a.shot, CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(LENGTH(s.verdicts)), 0) AS BIGINT), COALESCE(SUM(s.value), 0) FROM scores s JOIN attempts a ON a.id = s.attempt GROUP BY a.shot",
                p![],
                |r| Ok((r.get::<String>(0)?, format!("{:?}", r.0))),
            )?;
            Ok(rows.into_iter().collect())
        })
    }

    /// A fingerprint of everything a report shows: equal fingerprints, equal reports (for the
    /// same campaign file), so an unchanged ledger's report need not be rebuilt.
    pub fn fingerprint(&self) -> Result<String, LedgerError> {
        self.with(|c| {
            let mut parts = Vec::new();
            for sql in [
                "SELECT COUNT(*), CAST(COALESCE(SUM(tries), 0) AS BIGINT), COALESCE(SUM(cost_settled), 0), COALESCE(MAX(finished_at), 0), CAST(COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM attempts",
                "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM decisions",
                "SELECT COUNT(*) FROM scores",
                "SELECT COUNT(*) FROM assets",
                // People's decisions in review and the versions they made.
                "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM human_decisions",
                "SELECT COUNT(*) FROM versions",
            ] {
                let r = c.row(sql, p![])?.map(|r| r.0).unwrap_or_default();
                parts.push(format!("{r:?}"));
            }
            // Deliverables by what they are, not by how often or with which signature salt
            // they were written: a resumed run records the same files again.
            let mut files = blake3::Hasher::new();
            c.each(
                "SELECT path, attempt, width, height FROM deliverables ORDER BY path",
                p![],
                &mut |r| {
                    files.update(format!("{:?}\n", r.0).as_bytes());
                    Ok(())
                },
            )?;
            parts.push(files.finalize().to_hex().to_string());
            Ok(parts.join(";"))
        })
    }
}

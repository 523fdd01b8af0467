//! Moving a campaign's file ledger into a shared (PostgreSQL) database, for a team that
//! outgrows one machine (`darkroom move`). Without it, pointing the campaign at an empty
//! database would forget every call already paid for, and the next run would buy them again.
//!
//! Every row of every table is copied inside one transaction of the database's, and checked
//! before it commits: the same rows, value for value (an order-free digest per table, as the two
//! databases sort text differently). Then the file is marked as moved, so that no run spends on
//! it again: two ledgers of one campaign would each pay for the same calls.

use crate::db::{p, Row, Sql, Val};
use crate::{now, Ledger, LedgerError};

/// Tables that are not the campaign's records: the move leaves them where they are.
const LOCAL: &[&str] = &["moved"];

/// Tables every ledger has a row in from its first migration (the account's running total):
/// the database's own row is replaced by the file's, not counted as something already there.
const SEEDED: &[&str] = &["account"];

/// Rows read from the file at a time.
const PAGE: i64 = 500;

/// What a move copied.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// Each table with its rows, by name.
    pub tables: Vec<(String, u64)>,
    /// Spend committed (settled, plus reservations of calls in flight), as the file and now the
    /// database account it.
    pub spent: f64,
    /// Whether the database already held exactly this ledger (a move that was cut short after
    /// the copy committed, before the file was marked): nothing was copied, the file is marked.
    pub already: bool,
}

/// A table of the file and its columns, in order.
struct Table {
    name: String,
    columns: Vec<String>,
}

/// An identifier quoted for both dialects.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Per table, its row count and an order-free digest of its rows (the wrapping sum of each
/// row's hash): equal digests, equal rows, whatever order each database returns them in.
fn digests(c: &mut dyn Sql, tables: &[Table]) -> Result<Vec<(u64, u64)>, LedgerError> {
    tables
        .iter()
        .map(|t| {
            let cols: Vec<String> = t.columns.iter().map(|c| quoted(c)).collect();
            let (mut n, mut sum) = (0u64, 0u64);
            c.each(
                &format!("SELECT {} FROM {}", cols.join(", "), quoted(&t.name)),
                p![],
                &mut |r: Row| {
                    let h = blake3::hash(format!("{:?}", r.0).as_bytes());
                    let mut first = [0u8; 8];
                    first.copy_from_slice(&h.as_bytes()[..8]);
                    sum = sum.wrapping_add(u64::from_le_bytes(first));
                    n += 1;
                    Ok(())
                },
            )?;
            Ok((n, sum))
        })
        .collect()
}

impl Ledger {
    /// Where this file ledger was moved to, if it was (`darkroom move`).
    pub fn moved_to(&self) -> Result<Option<String>, LedgerError> {
        if self.is_shared() {
            return Ok(None);
        }
        self.with(|c| {
            c.row("SELECT url FROM moved ORDER BY at DESC LIMIT 1", p![])?
                .map(|r| r.get(0))
                .transpose()
        })
    }

    /// Refuses a file ledger that was moved: its campaign's accounts go on in the database.
    pub fn check_not_moved(&self) -> Result<(), LedgerError> {
        match self.moved_to()? {
            Some(to) => Err(LedgerError::Moved {
                path: self.path.clone(),
                to,
            }),
            None => Ok(()),
        }
    }

    /// Copies this file ledger into `dest`, a shared ledger of the same campaign that holds
    /// nothing yet, checks every row arrived, and marks the file as moved. Nothing is written
    /// to `dest` unless all of it is; the file is only marked once `dest` has committed.
    pub fn move_into(&self, dest: &Ledger) -> Result<Moved, LedgerError> {
        let fail = |why: String| LedgerError::Move {
            from: self.path.clone(),
            to: dest.path.clone(),
            why,
        };
        if self.is_shared() || !dest.is_shared() {
            return Err(fail(
                "a move goes from a ledger file to a PostgreSQL database".into(),
            ));
        }
        if let Some(to) = self.moved_to()? {
            return Err(fail(format!("it was moved already, to `{to}`")));
        }
        let (tables, want) = self.with(|c| {
            let names: Vec<String> = c.map(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                p![],
                |r| r.get(0),
            )?;
            let mut tables = Vec::new();
            for name in names.into_iter().filter(|n| !LOCAL.contains(&n.as_str())) {
                let columns = c.map(
                    "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                    p![name],
                    |r| r.get(0),
                )?;
                tables.push(Table { name, columns });
            }
            let want = digests(c, &tables)?;
            Ok((tables, want))
        })?;
        let already = dest.tx(true, |d| {
            let have = digests(d, &tables)?;
            if have == want {
                // Cut short after the copy committed: it is all there.
                return Ok(want.iter().any(|w| w.0 > 0));
            }
            if let Some((t, (n, _))) = tables
                .iter()
                .zip(&have)
                .find(|(t, h)| h.0 > 0 && !SEEDED.contains(&t.name.as_str()))
            {
                return Err(fail(format!(
                    "the database's `{}` holds {n} row(s) already; a ledger is moved only into a database that holds nothing of this campaign yet",
                    t.name
                )));
            }
            for t in &tables {
                if SEEDED.contains(&t.name.as_str()) {
                    d.exec(&format!("DELETE FROM {}", quoted(&t.name)), p![])?;
                }
                copy_table(self, d, t)?;
                // A serial id (runs, people's decisions) goes on after the copied ones.
                if t.columns.iter().any(|c| c == "id") {
                    let seq: Option<String> = d
                        .row("SELECT pg_get_serial_sequence(?1, 'id')", p![t.name])?
                        .map(|r| r.get(0))
                        .transpose()?
                        .flatten();
                    if let Some(seq) = seq {
                        d.exec(
                            &format!(
                                "SELECT setval(CAST(CAST(?1 AS TEXT) AS regclass), (SELECT COALESCE(MAX(id), 0) + 1 FROM {}), false)",
                                quoted(&t.name)
                            ),
                            p![seq],
                        )?;
                    }
                }
            }
            let have = digests(d, &tables)?;
            if let Some((t, (h, w))) = tables
                .iter()
                .zip(have.iter().zip(&want))
                .find(|(_, (h, w))| h != w)
            {
                return Err(fail(format!(
                    "`{}` differs after the copy ({} row(s) there, {} in the file); nothing was written",
                    t.name, h.0, w.0
                )));
            }
            Ok(false)
        })?;
        // As the campaign file is to name it (the refusal of a run on the file quotes it).
        let to = crate::without_password(&dest.path);
        self.with(|c| c.exec("INSERT INTO moved (url, at) VALUES (?1, ?2)", p![to, now()]))?;
        let totals = dest.totals()?;
        Ok(Moved {
            tables: tables
                .iter()
                .zip(&want)
                .map(|(t, w)| (t.name.clone(), w.0))
                .collect(),
            spent: totals.committed,
            already,
        })
    }
}

/// Copies one table from the file into the database's open transaction, a page at a time (a
/// ledger of a long campaign is not held in memory at once).
fn copy_table(from: &Ledger, d: &mut dyn Sql, t: &Table) -> Result<(), LedgerError> {
    let cols: Vec<String> = t.columns.iter().map(|c| quoted(c)).collect();
    let read = format!(
        "SELECT rowid, {} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
        cols.join(", "),
        quoted(&t.name)
    );
    let write = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quoted(&t.name),
        cols.join(", "),
        (1..=cols.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut after = i64::MIN;
    loop {
        let page = from.with(|c| c.rows(&read, p![after, PAGE]))?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.get(0)?;
        for r in &page {
            let vals: &[Val] = &r.0[1..];
            d.exec(&write, vals)?;
        }
    }
}

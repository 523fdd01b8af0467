//! The two databases the ledger runs on, behind one small interface: SQLite (one file per
//! output folder, the embedded default) and PostgreSQL (one database shared by every worker of a
//! campaign). The ledger's SQL is written once, in the common subset of both dialects, with
//! SQLite's `?N` placeholders; [`Sql`] runs it on either, binding [`Val`]s and reading [`Row`]s.
//!
//! Why not an ORM or sqlx: the ledger is ~40 short statements whose transactions matter more
//! than their mapping, and rusqlite plus the synchronous `postgres` client keep it a plain,
//! blocking library the engine calls from anywhere.

use crate::LedgerError;

/// A bound parameter or a read column, in the types both databases share.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A value bound as a parameter.
pub(crate) trait IntoVal {
    fn val(&self) -> Val;
}

macro_rules! int_val {
    ($($t:ty),*) => {$(
        impl IntoVal for $t {
            fn val(&self) -> Val {
                Val::Int(*self as i64)
            }
        }
    )*};
}
int_val!(i64, i32, u32, u64, u8, usize);

impl IntoVal for f64 {
    fn val(&self) -> Val {
        Val::Real(*self)
    }
}
impl IntoVal for bool {
    fn val(&self) -> Val {
        Val::Int(i64::from(*self))
    }
}
impl IntoVal for str {
    fn val(&self) -> Val {
        Val::Text(self.to_string())
    }
}
impl IntoVal for String {
    fn val(&self) -> Val {
        Val::Text(self.clone())
    }
}
impl<T: IntoVal + ?Sized> IntoVal for &T {
    fn val(&self) -> Val {
        (**self).val()
    }
}
impl<T: IntoVal> IntoVal for Option<T> {
    fn val(&self) -> Val {
        self.as_ref().map_or(Val::Null, IntoVal::val)
    }
}

/// Parameters for [`Sql`]: `p![a, b, c]`.
macro_rules! p {
    ($($x:expr),* $(,)?) => { &[$($crate::db::IntoVal::val(&$x)),*][..] };
}
pub(crate) use p;

/// A column read back.
pub(crate) trait FromVal: Sized {
    fn from_val(v: &Val) -> Result<Self, String>;
}

impl FromVal for i64 {
    fn from_val(v: &Val) -> Result<Self, String> {
        match v {
            Val::Int(i) => Ok(*i),
            // SQLite may hand back an integral REAL for an integer expression.
            Val::Real(f) if f.fract() == 0.0 => Ok(*f as i64),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
macro_rules! int_from {
    ($($t:ty),*) => {$(
        impl FromVal for $t {
            fn from_val(v: &Val) -> Result<Self, String> {
                let i = i64::from_val(v)?;
                // Seeds are u64 stored as i64's bit pattern.
                Ok(i as $t)
            }
        }
    )*};
}
int_from!(u64, u32, u8);

impl FromVal for f64 {
    fn from_val(v: &Val) -> Result<Self, String> {
        match v {
            Val::Real(f) => Ok(*f),
            Val::Int(i) => Ok(*i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromVal for bool {
    fn from_val(v: &Val) -> Result<Self, String> {
        Ok(i64::from_val(v)? != 0)
    }
}
impl FromVal for String {
    fn from_val(v: &Val) -> Result<Self, String> {
        match v {
            Val::Text(s) => Ok(s.clone()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: &Val) -> Result<Self, String> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// One row read back.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Val>);

impl Row {
    /// Column `i` as `T`.
    pub(crate) fn get<T: FromVal>(&self, i: usize) -> Result<T, LedgerError> {
        let v = self.0.get(i).unwrap_or(&Val::Null);
        T::from_val(v).map_err(|why| LedgerError::Value(format!("column {i}: {why}")))
    }
}

/// Runs the ledger's SQL on one connection or transaction.
pub(crate) trait Sql {
    /// Runs a statement; the rows it changed.
    fn exec(&mut self, sql: &str, p: &[Val]) -> Result<u64, LedgerError>;
    /// Runs a query; its rows.
    fn rows(&mut self, sql: &str, p: &[Val]) -> Result<Vec<Row>, LedgerError>;
    /// Runs a query and hands its rows to `f` one at a time, holding none of them.
    fn each(
        &mut self,
        sql: &str,
        p: &[Val],
        f: &mut dyn FnMut(Row) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError>;
}

impl dyn Sql + '_ {
    /// The first row, if any.
    pub(crate) fn row(&mut self, sql: &str, p: &[Val]) -> Result<Option<Row>, LedgerError> {
        Ok(self.rows(sql, p)?.into_iter().next())
    }

    /// The first column of the first row (an aggregate: there is always one).
    pub(crate) fn one<T: FromVal>(&mut self, sql: &str, p: &[Val]) -> Result<T, LedgerError> {
        match self.row(sql, p)? {
            Some(r) => r.get(0),
            None => T::from_val(&Val::Null).map_err(LedgerError::Value),
        }
    }

    /// Every row mapped by `f`.
    pub(crate) fn map<T>(
        &mut self,
        sql: &str,
        p: &[Val],
        f: impl Fn(&Row) -> Result<T, LedgerError>,
    ) -> Result<Vec<T>, LedgerError> {
        self.rows(sql, p)?.iter().map(f).collect()
    }
}

// ---- SQLite -------------------------------------------------------------------------------

impl rusqlite::types::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(ToSqlOutput::Owned(match self {
            Val::Null => Value::Null,
            Val::Int(i) => Value::Integer(*i),
            Val::Real(f) => Value::Real(*f),
            Val::Text(s) => Value::Text(s.clone()),
        }))
    }
}

fn lite_row(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    use rusqlite::types::ValueRef;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match r.get_ref(i)? {
            ValueRef::Null => Val::Null,
            ValueRef::Integer(i) => Val::Int(i),
            ValueRef::Real(f) => Val::Real(f),
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                Val::Text(String::from_utf8_lossy(t).into_owned())
            }
        });
    }
    Ok(Row(out))
}

fn lite_each(
    c: &rusqlite::Connection,
    sql: &str,
    p: &[Val],
    f: &mut dyn FnMut(Row) -> Result<(), LedgerError>,
) -> Result<(), LedgerError> {
    // Cached: the ledger asks the same few statements thousands of times in a run.
    let mut st = c.prepare_cached(sql)?;
    let n = st.column_count();
    let mut rows = st.query(rusqlite::params_from_iter(p.iter()))?;
    while let Some(r) = rows.next()? {
        f(lite_row(r, n)?)?;
    }
    Ok(())
}

/// SQL statements this process ran on SQLite ledgers, BEGIN and COMMIT included (PostgreSQL's
/// are counted from its own statement log: `bench/statements.sh`).
pub(crate) static LITE_STATEMENTS: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(0);

/// Counts `n` statements run on SQLite.
pub(crate) fn lite_counted(n: u64) {
    LITE_STATEMENTS.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
}

macro_rules! lite_sql {
    ($t:ty) => {
        impl Sql for $t {
            fn exec(&mut self, sql: &str, p: &[Val]) -> Result<u64, LedgerError> {
                lite_counted(1);
                let mut st = self.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(p.iter()))? as u64)
            }
            fn rows(&mut self, sql: &str, p: &[Val]) -> Result<Vec<Row>, LedgerError> {
                lite_counted(1);
                let mut out = Vec::new();
                lite_each(self, sql, p, &mut |r| {
                    out.push(r);
                    Ok(())
                })?;
                Ok(out)
            }
            fn each(
                &mut self,
                sql: &str,
                p: &[Val],
                f: &mut dyn FnMut(Row) -> Result<(), LedgerError>,
            ) -> Result<(), LedgerError> {
                lite_counted(1);
                lite_each(self, sql, p, f)
            }
        }
    };
}
lite_sql!(rusqlite::Connection);
lite_sql!(rusqlite::Transaction<'_>);

// ---- PostgreSQL ---------------------------------------------------------------------------

/// `?N` → `$N` outside string literals: the ledger's SQL is written with SQLite's placeholders.
pub(crate) fn to_dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                out.push(ch);
            }
            '?' if !quoted => out.push('$'),
            c => out.push(c),
        }
    }
    out
}

/// A migration written for SQLite, in PostgreSQL's types: the same migrations in both
/// dialects, from one source. SQLite's `INTEGER` is 64-bit and its `REAL` is a double.
pub(crate) fn migration_to_postgres(sql: &str) -> String {
    sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
        .replace("id INTEGER PRIMARY KEY", "id BIGSERIAL PRIMARY KEY")
        .replace("INTEGER", "BIGINT")
        .replace("REAL", "DOUBLE PRECISION")
}

mod pg_types {
    use super::Val;
    use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

    type Error = Box<dyn std::error::Error + Sync + Send>;

    // PostgreSQL types its parameters from the statement (`$1 = 1` is an int4, `CASE WHEN $4`
    // a bool); a `Val` is written as whatever type the server inferred.
    impl ToSql for Val {
        fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Error> {
            match self {
                Val::Null => Ok(IsNull::Yes),
                Val::Int(i) => match *ty {
                    Type::INT8 => i.to_sql(ty, out),
                    Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                    Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                    Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                    Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                    Type::BOOL => (*i != 0).to_sql(ty, out),
                    _ => i.to_string().to_sql(&Type::TEXT, out),
                },
                Val::Real(f) => match *ty {
                    Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                    Type::FLOAT8 => f.to_sql(ty, out),
                    Type::INT8 if f.fract() == 0.0 => (*f as i64).to_sql(ty, out),
                    _ => f.to_string().to_sql(&Type::TEXT, out),
                },
                Val::Text(s) => s.to_sql(&Type::TEXT, out),
            }
        }

        fn accepts(_: &Type) -> bool {
            true
        }

        to_sql_checked!();
    }

    impl<'a> FromSql<'a> for Val {
        fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Error> {
            Ok(match *ty {
                Type::INT8 => Val::Int(i64::from_sql(ty, raw)?),
                Type::INT4 => Val::Int(i32::from_sql(ty, raw)?.into()),
                Type::INT2 => Val::Int(i16::from_sql(ty, raw)?.into()),
                Type::BOOL => Val::Int(bool::from_sql(ty, raw)?.into()),
                Type::FLOAT8 => Val::Real(f64::from_sql(ty, raw)?),
                Type::FLOAT4 => Val::Real(f32::from_sql(ty, raw)?.into()),
                _ => Val::Text(String::from_sql(&Type::TEXT, raw)?),
            })
        }

        fn from_sql_null(_: &Type) -> Result<Self, Error> {
            Ok(Val::Null)
        }

        fn accepts(_: &Type) -> bool {
            true
        }
    }
}

/// Runs `f` where a blocking client may block: the `postgres` client and the bucket's client
/// each drive a runtime of their own, which cannot be entered on a thread that is driving the
/// engine's (it panics), so there `f` runs on a scoped thread of its own. `Err` when `f`
/// panicked.
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> std::thread::Result<T> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(f());
    }
    std::thread::scope(|s| s.spawn(f).join())
}

/// A PostgreSQL connection with its prepared statements (one prepare per statement text for
/// the life of the connection: a statement is a round trip, a prepare another).
pub(crate) struct PgConn {
    pub(crate) client: postgres::Client,
    pub(crate) cache: std::collections::HashMap<String, postgres::Statement>,
}

/// A PostgreSQL transaction with the connection's statement cache.
pub(crate) struct PgTx<'a> {
    pub(crate) tx: postgres::Transaction<'a>,
    pub(crate) cache: &'a mut std::collections::HashMap<String, postgres::Statement>,
}

fn prepared<C: postgres::GenericClient>(
    c: &mut C,
    cache: &mut std::collections::HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement, LedgerError> {
    if let Some(s) = cache.get(sql) {
        return Ok(s.clone());
    }
    let s = c.prepare(&to_dollars(sql))?;
    cache.insert(sql.to_string(), s.clone());
    Ok(s)
}

fn pg_params(p: &[Val]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    p.iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn pg_row(r: &postgres::Row) -> Result<Row, LedgerError> {
    (0..r.len())
        .map(|i| r.try_get::<_, Val>(i).map_err(LedgerError::from))
        .collect::<Result<_, _>>()
        .map(Row)
}

macro_rules! pg_sql {
    ($t:ty, $c:ident) => {
        impl Sql for $t {
            fn exec(&mut self, sql: &str, p: &[Val]) -> Result<u64, LedgerError> {
                let st = prepared(&mut self.$c, &mut self.cache, sql)?;
                Ok(self.$c.execute(&st, &pg_params(p))?)
            }
            fn rows(&mut self, sql: &str, p: &[Val]) -> Result<Vec<Row>, LedgerError> {
                let st = prepared(&mut self.$c, &mut self.cache, sql)?;
                self.$c
                    .query(&st, &pg_params(p))?
                    .iter()
                    .map(pg_row)
                    .collect()
            }
            fn each(
                &mut self,
                sql: &str,
                p: &[Val],
                f: &mut dyn FnMut(Row) -> Result<(), LedgerError>,
            ) -> Result<(), LedgerError> {
                use postgres::fallible_iterator::FallibleIterator;
                let st = prepared(&mut self.$c, &mut self.cache, sql)?;
                let mut it = self.$c.query_raw(&st, p.iter())?;
                while let Some(r) = it.next()? {
                    f(pg_row(&r)?)?;
                }
                Ok(())
            }
        }
    };
}

pg_sql!(PgConn, client);
pg_sql!(PgTx<'_>, tx);

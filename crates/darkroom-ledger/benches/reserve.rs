//! The budget guard's cost as a campaign's ledger grows (issue 28, item 6): one reservation of a
//! planned call (check against the cap, mark the call sent, move the running total) at 1,000, 100,000 and
//! 300,000 attempts, on SQLite and, when `DARKROOM_TEST_PG` names a server, on PostgreSQL. Beside
//! it, the sum over every attempt that the guard used to run under its lock, for comparison.
//!
//! `cargo bench -p darkroom-ledger --bench reserve`
#![allow(missing_docs)] // criterion's macros write undocumented functions

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use darkroom_ledger::{AttemptRow, Ledger, Location, Outcome, Tier};

fn row(id: &str) -> AttemptRow {
    AttemptRow {
        id: id.into(),
        shot: "bench".into(),
        tier: Tier::Draft,
        round: 1,
        variant: 0,
        provider: "sim".into(),
        model: "m".into(),
        seed: 1,
        params: "{}".into(),
    }
}

/// SQL that fills the ledger with done attempts at $0.01, one per value of `series` (a row
/// source of `x`), and sets the running total.
fn fill_sql(series: &str) -> String {
    format!(
        "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, cost_reserved, cost_settled, tries)
           SELECT 'a' || CAST(x AS TEXT), 's' || CAST(x % 1000 AS TEXT), 'draft', 1, 0, 'sim', 'm', x, '{{}}', 'done', 0, 0.01, 1 FROM {series};
         UPDATE account SET committed = (SELECT SUM(cost_settled) FROM attempts) WHERE name = 'campaign';"
    )
}

/// A ledger of `n` attempts on each backend there is.
fn ledgers(n: u64) -> Vec<(&'static str, Ledger)> {
    let mut out = Vec::new();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/bench-ledger")
        .join(n.to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("darkroom.db");
    drop(Ledger::open(&file).unwrap());
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute_batch(&fill_sql(
            &format!("(WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) SELECT x FROM s)"),
        ))
        .unwrap();
    out.push(("sqlite", Ledger::open(&file).unwrap()));
    if std::env::var("DARKROOM_TEST_PG").is_ok() {
        if let Some(url) = darkroom_fakes::services::fresh_database(&format!("bench_reserve_{n}")) {
            drop(Ledger::open_at(&Location::Postgres(url.clone()), "bench").unwrap());
            darkroom_fakes::services::sql(
                &url,
                &fill_sql(&format!("generate_series(1, {n}) AS g(x)")),
            );
            darkroom_fakes::services::sql(&url, "ANALYZE");
            out.push((
                "postgres",
                Ledger::open_at(&Location::Postgres(url), "bench").unwrap(),
            ));
        }
    }
    out
}

fn reserve(c: &mut Criterion) {
    let mut g = c.benchmark_group("reserve");
    g.sample_size(30).measurement_time(Duration::from_secs(4));
    for n in [1_000u64, 100_000, 300_000] {
        for (backend, l) in ledgers(n) {
            let mut next = 0u64;
            g.bench_function(format!("{backend}/{n} attempts"), |b| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        next += 1;
                        let id = format!("new-{next}");
                        // Planned first, as the engine plans a batch before it reserves.
                        l.plan(&[row(&id)]).unwrap();
                        let t = Instant::now();
                        l.reserve(&row(&id), 0.01, Some(1e9)).unwrap();
                        spent += t.elapsed();
                        let done = Outcome::Done {
                            asset: "h".into(),
                            model_version: None,
                        };
                        l.settle(&id, &done, 0.01).unwrap();
                    }
                    spent
                });
            });
            g.bench_function(
                format!("{backend}/{n} attempts, sum over attempts (the old guard's read)"),
                |b| {
                    b.iter(|| l.committed_by_attempts().unwrap());
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, reserve);
criterion_main!(benches);

//! The ledger: migrations, the budget guard under concurrency, settlement, crash reconciliation,
//! the never-call-twice cache, and the content-addressed store. The ledger's tests run on both
//! backends: a SQLite file and a PostgreSQL database (`DARKROOM_TEST_PG`; skipped without it,
//! except under CI).

use std::sync::Arc;

use darkroom_ledger::{AttemptRow, Ledger, Location, Outcome, Reservation, Store};

mod moving;
mod workers;

fn row(id: &str) -> AttemptRow {
    AttemptRow {
        id: id.into(),
        shot: "hero".into(),
        tier: darkroom_ledger::Tier::Draft,
        round: 1,
        variant: 0,
        provider: "sim".into(),
        model: "m".into(),
        seed: 7,
        params: "{}".into(),
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/ledger")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One backend a test runs on: where the ledger is, opened afresh as often as the test asks
/// (a reopen plays a process that died and started again).
struct Backend {
    at: Location,
}

impl Backend {
    fn open(&self) -> Ledger {
        Ledger::open_at(&self.at, "test").unwrap()
    }

    /// Writes what a process had written when it died, behind the ledger's back.
    fn raw(&self, sql: &str) {
        match &self.at {
            Location::File(p) => rusqlite::Connection::open(p)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Location::Postgres(u) => darkroom_fakes::services::sql(u, sql),
        }
    }

    fn name(&self) -> &'static str {
        match self.at {
            Location::File(_) => "sqlite",
            Location::Postgres(_) => "postgres",
        }
    }
}

/// The backends for a test named `name`: a new SQLite file, and a new PostgreSQL database when
/// a server is configured.
fn backends(name: &str) -> Vec<Backend> {
    let mut out = vec![Backend {
        at: Location::File(scratch(name).join("darkroom.db")),
    }];
    if let Some(url) = darkroom_fakes::services::fresh_database(&format!("ledger_{name}")) {
        out.push(Backend {
            at: Location::Postgres(url),
        });
    }
    out
}

#[test]
fn migrations_apply_once_and_persist() {
    for b in backends("migrate") {
        let l = b.open();
        assert_eq!(l.schema_version().unwrap(), 15, "{}", b.name());
        l.plan(&[row("a"), row("b")]).unwrap();
        drop(l);
        let l = b.open();
        assert_eq!(l.schema_version().unwrap(), 15);
        assert_eq!(
            l.totals().unwrap().by_status,
            vec![("planned".to_string(), 2)]
        );
    }
}

#[test]
fn a_ledger_from_an_older_release_is_upgraded_in_place() {
    let d = scratch("upgrade");
    let db = d.join("darkroom.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(include_str!("../../migrations/0001_initial.sql"))
            .unwrap();
        // An older release could record a decision twice (a resumed run reaching it again);
        // its spend was already in its attempts, which the running total is summed from.
        c.execute_batch(
            "INSERT INTO attempts (id, shot, tier, round, variant, provider, model, seed, params, status, cost_reserved, cost_settled)
               VALUES ('old', 'hero', 'draft', 1, 0, 'sim', 'm', 1, '{}', 'done', 0, 0.25);
             INSERT INTO decisions (attempt, kind, reason, rank_key, at) VALUES ('old', 'gate', 'passed', NULL, 2.0);
             INSERT INTO decisions (attempt, kind, reason, rank_key, at) VALUES ('old', 'gate', 'passed', NULL, 1.0);
             INSERT INTO decisions (attempt, kind, reason, rank_key, at) VALUES ('old', 'rank', 'promoted', 'k', 3.0);",
        )
        .unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
    }
    let l = Ledger::open(&db).unwrap();
    assert_eq!(l.schema_version().unwrap(), 15);
    let decisions = l.dump().unwrap().decisions;
    assert_eq!(decisions.len(), 2, "the repeat folded: {decisions:?}");
    assert!((l.totals().unwrap().committed - 0.25).abs() < 1e-9);
    l.record_decision(
        "old",
        darkroom_ledger::DecisionKind::Gate,
        darkroom_ledger::Reason::Passed,
        None,
    )
    .unwrap();
    assert_eq!(l.dump().unwrap().decisions.len(), 2, "recorded once");
    l.plan(&[row("a")]).unwrap();
    assert_eq!(l.interrupted().unwrap(), 0);
    assert!(l.shots().unwrap().is_empty(), "the shots table was added");
    assert!(
        l.human_decisions().unwrap().is_empty(),
        "and the review's tables"
    );
    assert!(l.versions().unwrap().is_empty());
}

#[test]
fn runs_end_with_their_status_and_a_run_that_never_ended_is_marked_crashed() {
    for b in backends("runs") {
        let l = b.open();
        let first = l.start_run("c").unwrap();
        l.record_shot(
            first,
            "hero",
            "a red sphere",
            1,
            darkroom_ledger::ShotStatus::Planned,
            None,
        )
        .unwrap();
        // The process dies here: the run never ends. The next one finds it.
        let second = l.start_run("c").unwrap();
        l.record_shot(
            second,
            "hero",
            "a red sphere",
            1,
            darkroom_ledger::ShotStatus::Failed,
            Some("no draft passed the gates"),
        )
        .unwrap();
        l.finish_run(second, darkroom_ledger::RunStatus::FailedItems)
            .unwrap();
        let runs = l.runs().unwrap();
        let st: Vec<&str> = runs.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(st, ["crashed", "failed_items"]);
        assert!(runs[0].finished_at.is_none() && runs[1].finished_at.is_some());
        let shots = l.shots().unwrap();
        assert_eq!(shots.len(), 1, "one row per shot, its latest outcome");
        assert_eq!(
            (
                shots[0].status.as_str(),
                shots[0].reason.as_deref(),
                shots[0].run
            ),
            ("failed", Some("no draft passed the gates"), Some(second))
        );
    }
}

#[test]
fn queue_wait_is_from_planning_to_sending_and_replanning_keeps_done_rows() {
    for b in backends("queue") {
        let l = b.open();
        assert_eq!(l.status().unwrap().queue_wait, None);
        l.plan(&[row("a"), row("b")]).unwrap();
        assert_eq!(
            l.reserve(&row("a"), 1.0, None).unwrap(),
            Reservation::Granted
        );
        // Planning again while `a` is in flight leaves it in flight and adds nothing.
        l.plan(&[row("a"), row("b")]).unwrap();
        assert_eq!(
            l.totals().unwrap().by_status,
            vec![("planned".to_string(), 1), ("sent".to_string(), 1)]
        );
        let done = Outcome::Done {
            asset: "x".into(),
            model_version: None,
        };
        l.settle("a", &done, 1.0).unwrap();
        let (p50, p95) = l.status().unwrap().queue_wait.expect("measured once done");
        assert!(p50 >= 0.0 && p95 >= p50);
        // A done row stays done when planned again.
        l.plan(&[row("a")]).unwrap();
        assert!(l.is_done("a").unwrap());
    }
}

#[test]
fn the_budget_is_never_exceeded_at_any_concurrency() {
    // 16 threads race to make 200 calls of worst case 1.0 each against a cap of 37: exactly 37
    // are granted, whatever the interleaving, and settling below the reservation frees budget.
    // On PostgreSQL each thread has a connection of its own, as separate workers would.
    for b in backends("budget") {
        budget_holds(&b);
    }
}

fn budget_holds(b: &Backend) {
    let shared = b.name() == "postgres";
    let one = Arc::new(b.open());
    let ledgers: Vec<Arc<Ledger>> = (0..16)
        .map(|_| {
            if shared {
                Arc::new(b.open())
            } else {
                one.clone()
            }
        })
        .collect();
    let l = one;
    let granted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let (l, g) = (ledgers[t].clone(), granted.clone());
            std::thread::spawn(move || {
                for k in 0..13 {
                    let r = row(&format!("a{t}-{k}"));
                    if l.reserve(&r, 1.0, Some(37.0)).unwrap() == Reservation::Granted {
                        g.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        l.settle(
                            &r.id,
                            &Outcome::Done {
                                asset: "x".into(),
                                model_version: None,
                            },
                            1.0,
                        )
                        .unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(granted.load(std::sync::atomic::Ordering::SeqCst), 37);
    let t = l.totals().unwrap();
    assert!((t.committed - 37.0).abs() < 1e-9 && t.committed <= 37.0);
    assert!(matches!(
        l.reserve(&row("late"), 1.0, Some(37.0)).unwrap(),
        Reservation::Denied { .. }
    ));
    // A cheaper actual price than reserved leaves room for more.
    let l2 = Ledger::in_memory().unwrap();
    let _ = b;
    assert_eq!(
        l2.reserve(&row("x"), 2.0, Some(3.0)).unwrap(),
        Reservation::Granted
    );
    assert!(
        matches!(
            l2.reserve(&row("y"), 2.0, Some(3.0)).unwrap(),
            Reservation::Denied { .. }
        ),
        "2 reserved + 2 > 3"
    );
    l2.settle(
        "x",
        &Outcome::Done {
            asset: "h".into(),
            model_version: Some("v1".into()),
        },
        0.5,
    )
    .unwrap();
    assert_eq!(
        l2.reserve(&row("y"), 2.0, Some(3.0)).unwrap(),
        Reservation::Granted,
        "0.5 settled + 2 ≤ 3"
    );
}

#[test]
fn done_attempts_are_never_called_again_and_failures_are_recorded() {
    for b in backends("done") {
        let l = b.open();
        let r = row("a");
        assert_eq!(l.reserve(&r, 1.0, None).unwrap(), Reservation::Granted);
        l.settle(
            "a",
            &Outcome::Failed {
                class: darkroom_ledger::ErrorClass::Transient,
                message: "HTTP 503".into(),
            },
            0.0,
        )
        .unwrap();
        assert!(!l.is_done("a").unwrap());
        // A retry reserves again and counts a second try.
        assert_eq!(l.reserve(&r, 1.0, None).unwrap(), Reservation::Granted);
        l.settle(
            "a",
            &Outcome::Done {
                asset: "h".into(),
                model_version: None,
            },
            1.0,
        )
        .unwrap();
        assert!(l.is_done("a").unwrap());
        assert_eq!(l.reserve(&r, 1.0, None).unwrap(), Reservation::AlreadyDone);
        let t = l.totals().unwrap();
        assert_eq!(t.tries, 2);
        assert!((t.settled - 1.0).abs() < 1e-9);
        l.reserve(&row("b"), 1.0, None).unwrap();
        l.settle(
            "b",
            &Outcome::Refused {
                message: "policy".into(),
            },
            0.0,
        )
        .unwrap();
        assert_eq!(
            l.totals().unwrap().by_status,
            vec![("done".to_string(), 1), ("refused".to_string(), 1)]
        );
    }
}

#[test]
fn a_crash_leaves_sent_rows_that_reconcile_counts_as_spent() {
    for b in backends("reconcile") {
        a_crash_reconciles(&b);
    }
}

fn a_crash_reconciles(b: &Backend) {
    let store = Store::new(scratch(&format!("reconcile-{}", b.name())).join("store"));
    {
        let l = b.open();
        // Two calls in flight when the process dies; one had already stored its image and
        // written its hash onto the row, the other had not.
        l.reserve(&row("stored"), 1.5, Some(10.0)).unwrap();
        l.reserve(&row("lost"), 2.0, Some(10.0)).unwrap();
        let (hash, _) = store.put(b"png bytes", "png").unwrap();
        b.raw(&format!(
            "UPDATE attempts SET asset = '{hash}' WHERE id = 'stored'"
        ));
    }
    let l = b.open();
    assert_eq!(l.reconcile(&store, |_| false).unwrap(), (1, 1));
    assert!(l.is_done("stored").unwrap());
    assert!(!l.is_done("lost").unwrap());
    let t = l.totals().unwrap();
    assert!(
        (t.settled - 3.5).abs() < 1e-9,
        "both in-flight calls are counted as spent: {}",
        t.settled
    );
    assert_eq!(
        l.reconcile(&store, |_| false).unwrap(),
        (0, 0),
        "idempotent"
    );
    assert_eq!(
        l.interrupted().unwrap(),
        1,
        "only the call whose result was lost may have run without the ledger knowing"
    );
}

#[test]
fn a_call_lost_on_a_replaying_provider_is_released_and_settled_once_by_its_replay() {
    for b in backends("replay") {
        a_replay_settles_once(&b);
    }
}

fn a_replay_settles_once(b: &Backend) {
    let store = Store::new(scratch(&format!("replay-{}", b.name())).join("store"));
    {
        let l = b.open();
        l.reserve(&row("replayed"), 2.0, Some(10.0)).unwrap();
        let mut other = row("charged");
        other.provider = "vendor".into();
        l.reserve(&other, 1.0, Some(10.0)).unwrap();
    }
    let l = b.open();
    assert_eq!(l.reconcile(&store, |p| p == "sim").unwrap(), (0, 2));
    let t = l.totals().unwrap();
    assert!(
        (t.settled - 1.0).abs() < 1e-9,
        "only the call on the provider without replays counts as spent: {}",
        t.settled
    );
    // The replay is sent like any retry and settles the one charge the provider reports.
    assert_eq!(
        l.reserve(&row("replayed"), 2.0, Some(10.0)).unwrap(),
        Reservation::Granted
    );
    l.settle(
        "replayed",
        &Outcome::Done {
            asset: "ab".into(),
            model_version: None,
        },
        1.25,
    )
    .unwrap();
    assert!((l.totals().unwrap().settled - 2.25).abs() < 1e-9);
    assert_eq!(l.interrupted().unwrap(), 2);
}

#[test]
fn the_store_keeps_each_asset_once() {
    let d = scratch("store");
    let s = Store::new(d.join("store"));
    let (h1, p1) = s.put(b"abc", "png").unwrap();
    let (h2, p2) = s.put(b"abc", "png").unwrap();
    assert_eq!((h1.clone(), p1.clone()), (h2, p2));
    assert!(p1.ends_with(format!("{}/{}/{h1}.png", &h1[0..2], &h1[2..4])));
    assert!(s.contains(&h1));
    assert!(!s.contains("0000beef"));
    assert_eq!(std::fs::read(&p1).unwrap(), b"abc");
}

#[test]
fn threads_storing_the_same_bytes_at_once_all_succeed() {
    // Three vision answers that read the same were once stored through one shared temporary
    // name: one thread renamed it from under another, whose call then failed as `invalid`.
    let d = scratch("store-race");
    for round in 0..20 {
        let s = Store::new(d.join(format!("store-{round}")));
        let bytes = format!("1: yes\n2: yes\nround {round}").into_bytes();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (s, bytes, barrier) = (s.clone(), bytes.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    s.put(&bytes, "txt")
                })
            })
            .collect();
        let mut dirs = Vec::new();
        for h in handles {
            let (hash, path) = h.join().unwrap().expect("every put succeeds");
            assert!(s.contains(&hash));
            assert_eq!(std::fs::read(&path).unwrap(), bytes);
            dirs.push(path.parent().unwrap().to_path_buf());
        }
        let left = std::fs::read_dir(&dirs[0]).unwrap().count();
        assert_eq!(left, 1, "one asset, no temporary file left behind");
    }
}

#[test]
fn a_bucket_behind_the_store_serves_a_second_machine_that_never_saw_the_asset() {
    let Some(url) = darkroom_fakes::services::fresh_bucket_prefix("store") else {
        return;
    };
    let d = scratch("store-s3");
    let here = Store::open(d.join("one"), Some(&url)).unwrap();
    assert_eq!(here.bucket(), Some(url.as_str()));
    let (hash, _) = here.put(b"a paid image", "png").unwrap();
    here.publish("deliverables/hero/hero-1.png", b"delivered")
        .unwrap();
    // Another worker, on another machine: an empty folder, the same bucket.
    let there = Store::open(d.join("two"), Some(&url)).unwrap();
    assert!(there.contains(&hash));
    let path = there.find(&hash).expect("fetched from the bucket");
    assert!(path.starts_with(d.join("two")));
    assert_eq!(std::fs::read(&path).unwrap(), b"a paid image");
    assert!(!there.contains("00000000beef"));
    let present = there.present(&[hash.as_str(), "00000000beef"]).unwrap();
    assert_eq!(present.len(), 1);
    // A paid result gone from both the folder and the bucket is missing, as with a folder.
    let l = Ledger::in_memory().unwrap();
    l.reserve(&row("a"), 1.0, None).unwrap();
    l.settle(
        "a",
        &Outcome::Done {
            asset: hash.clone(),
            model_version: None,
        },
        1.0,
    )
    .unwrap();
    assert!(l.missing_assets(&there).unwrap().is_empty());
    let elsewhere = Store::open(d.join("three"), Some(&format!("{url}-other"))).unwrap();
    assert_eq!(l.missing_assets(&elsewhere).unwrap().len(), 1);
}

#[test]
fn what_reached_the_folder_but_not_the_bucket_is_uploaded_and_nothing_else() {
    let Some(url) = darkroom_fakes::services::fresh_bucket_prefix("heal") else {
        return;
    };
    let d = scratch("store-heal");
    // A process killed between writing a paid result here and uploading it: the file is in the
    // folder only. Beside it, a temporary of a cut write and a file whose bytes are not its name's.
    let alone = Store::new(d.join("store"));
    let (hash, path) = alone.put(b"paid for, never uploaded", "png").unwrap();
    let dir = path.parent().unwrap().to_path_buf();
    std::fs::write(dir.join(format!(".{hash}.1.0.tmp")), b"half").unwrap();
    let wrong = format!("{}{}", &hash[..4], "0".repeat(60));
    let wrong_dir = d.join("store").join(&wrong[..2]).join(&wrong[2..4]);
    std::fs::create_dir_all(&wrong_dir).unwrap();
    std::fs::write(wrong_dir.join(format!("{wrong}.png")), b"damaged").unwrap();
    let store = Store::open(d.join("store"), Some(&url)).unwrap();
    assert_eq!(store.upload_local().unwrap(), (1, 0, 1));
    assert_eq!(store.upload_local().unwrap(), (0, 1, 1), "once");
    let elsewhere = Store::open(d.join("elsewhere"), Some(&url)).unwrap();
    let got = elsewhere.find(&hash).expect("another machine finds it");
    assert_eq!(std::fs::read(got).unwrap(), b"paid for, never uploaded");
    assert!(!elsewhere.contains(&wrong));
}

#[test]
fn a_bucket_that_cannot_be_reached_or_read_is_said_at_once_without_the_key() {
    if darkroom_fakes::services::fresh_bucket_prefix("probe").is_none() {
        return;
    }
    let d = scratch("store-s3-bad");
    let e = Store::open(d.join("s"), Some("s3://no-such-bucket-here/x")).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("s3://no-such-bucket-here/x"), "{text}");
    assert!(!text.contains("darkroom-secret"), "{text}");
}

/// Sixteen workers race over the same hundred planned calls (the engine plans before it
/// reserves: on PostgreSQL the one-statement path): the cap of 37 holds exactly, and no call is
/// granted twice, whatever the interleaving.
#[test]
fn racing_workers_on_planned_calls_never_exceed_the_cap_or_grant_a_call_twice() {
    for b in backends("budget_planned") {
        let shared = b.name() == "postgres";
        let first = b.open();
        let rows: Vec<AttemptRow> = (0..100).map(|i| row(&format!("p{i}"))).collect();
        first.plan(&rows).unwrap();
        let one = Arc::new(first);
        let ledgers: Vec<Arc<Ledger>> = (0..16)
            .map(|t| {
                if shared {
                    let l = b.open().as_worker(&format!("w{t}"), 30.0);
                    l.register_worker(&format!("w{t}"), "test-host", t).unwrap();
                    Arc::new(l)
                } else {
                    one.clone()
                }
            })
            .collect();
        let grants = Arc::new(std::sync::Mutex::new(std::collections::HashMap::<
            String,
            u32,
        >::new()));
        let handles: Vec<_> = (0..16)
            .map(|t| {
                let (l, g, rows) = (ledgers[t].clone(), grants.clone(), rows.clone());
                std::thread::spawn(move || {
                    for k in 0..rows.len() {
                        let r = &rows[(k + t * 7) % rows.len()];
                        if l.reserve(r, 1.0, Some(37.0)).unwrap() == Reservation::Granted {
                            *g.lock().unwrap().entry(r.id.clone()).or_default() += 1;
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let g = grants.lock().unwrap();
        assert_eq!(g.values().sum::<u32>(), 37, "{}: {g:?}", b.name());
        assert!(
            g.values().all(|n| *n == 1),
            "{}: a call granted twice: {g:?}",
            b.name()
        );
        let t = one.totals().unwrap();
        assert!((t.committed - 37.0).abs() < 1e-9, "{}: {t:?}", b.name());
    }
}

/// A paid fix queued in review (a run held the campaign): queued once however often it is
/// asked, closed as made or failed, and a failed one can be queued again — on both backends.
#[test]
fn a_queued_fix_is_queued_once_and_closed() {
    use darkroom_ledger::{FixState, QueuedFix};
    for b in backends("queued-fix") {
        let l = b.open();
        let q = QueuedFix {
            id: "v1".into(),
            parent: "a".into(),
            kind: "inpaint".into(),
            provider: "forge".into(),
            prompt: "a green cube".into(),
            mask: "m".into(),
            who: "ana".into(),
            at: 0.0,
            state: FixState::Queued,
            error: None,
        };
        assert!(l.queue_fix(&q).unwrap(), "{}", b.name());
        assert!(!l.queue_fix(&q).unwrap(), "asked twice, queued once");
        assert_eq!(l.queued_fixes().unwrap().len(), 1);
        l.close_queued_fix("v1", Some("the vendor said no"))
            .unwrap();
        let f = &l.queued_fixes().unwrap()[0];
        assert_eq!(
            (f.state, f.error.as_deref()),
            (FixState::Failed, Some("the vendor said no"))
        );
        assert!(
            l.queue_fix(&q).unwrap(),
            "a failed fix asked again is queued again"
        );
        l.close_queued_fix("v1", None).unwrap();
        assert!(!l.queue_fix(&q).unwrap(), "a made fix is not queued again");
        assert_eq!(l.queued_fixes().unwrap()[0].state, FixState::Made);
    }
}

/// The model versions providers reported, per shot and tier, each pair once: what the recipe
/// lock's drift check reads after every run instead of a dump of every attempt.
#[test]
fn model_versions_are_listed_once_per_shot_and_tier() {
    for b in backends("versions") {
        let l = b.open();
        let mut finish = row("f");
        finish.tier = darkroom_ledger::Tier::Finish;
        let mut other = row("o");
        other.shot = "logo".into();
        for (r, v) in [
            (row("a"), Some("v1")),
            (row("b"), Some("v1")),
            (row("c"), Some("v2")),
            (row("d"), None),
            (finish, Some("v9")),
            (other, Some("v1")),
        ] {
            assert_eq!(l.reserve(&r, 0.0, None).unwrap(), Reservation::Granted);
            let done = Outcome::Done {
                asset: format!("asset-{}", r.id),
                model_version: v.map(str::to_string),
            };
            l.settle(&r.id, &done, 0.0).unwrap();
        }
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(s, x)| (s.to_string(), x.to_string()))
                .collect()
        };
        assert_eq!(
            l.model_versions(Some(darkroom_ledger::Tier::Draft))
                .unwrap(),
            pairs(&[("hero", "v1"), ("hero", "v2"), ("logo", "v1")])
        );
        assert_eq!(
            l.model_versions(None).unwrap(),
            pairs(&[
                ("hero", "v1"),
                ("hero", "v2"),
                ("hero", "v9"),
                ("logo", "v1")
            ])
        );
    }
}

/// A shot's score mark moves when one of its judgements is added, and only that shot's: what
/// the report reads to rebuild only the pages whose shots changed.
#[test]
fn score_marks_move_with_a_shots_judgements_only() {
    for b in backends("score-marks") {
        let l = b.open();
        let mut other = row("o");
        other.shot = "logo".into();
        for r in [row("a"), other] {
            assert_eq!(l.reserve(&r, 0.0, None).unwrap(), Reservation::Granted);
            let done = Outcome::Done {
                asset: format!("asset-{}", r.id),
                model_version: None,
            };
            l.settle(&r.id, &done, 0.0).unwrap();
        }
        l.record_score("a", "layout", Some(0.5), "{\"v\":1}")
            .unwrap();
        l.record_score("o", "layout", None, "{}").unwrap();
        let before = l.score_marks().unwrap();
        assert_eq!(before.len(), 2, "{before:?}");
        l.record_score("a", "quality", Some(0.25), "{\"sharp\":1}")
            .unwrap();
        let after = l.score_marks().unwrap();
        assert_ne!(before["hero"], after["hero"]);
        assert_eq!(before["logo"], after["logo"]);
    }
}

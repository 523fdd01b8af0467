//! Moving a file ledger into PostgreSQL (`darkroom move`): every row arrives, value for value;
//! the ids the database gives next follow the copied ones; the file is marked and not spent on
//! again; a database that already holds something is refused with nothing written.

use darkroom_ledger::{
    DecisionKind, DeliverableRecord, Ledger, LedgerError, Outcome, Reason, RunStatus, ShotStatus,
};

use super::{row, scratch};

/// A file ledger with rows in every table a run and a review write.
fn a_campaign_that_ran(name: &str) -> (std::path::PathBuf, Ledger) {
    let file = scratch(name).join("darkroom.db");
    let l = Ledger::open(&file).unwrap();
    let run = l.start_run("test").unwrap();
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        l.reserve(&row(id), 0.04, Some(1.0)).unwrap();
        l.settle(
            id,
            &Outcome::Done {
                asset: format!("{i:0>64}"),
                model_version: Some("v2".into()),
            },
            0.039 + i as f64 * 0.001,
        )
        .unwrap();
        l.record_score(
            id,
            "layout",
            Some(0.75),
            r#"[{"q":"Is the ball red?","v":"yes"}]"#,
        )
        .unwrap();
        l.record_decision(id, DecisionKind::Gate, Reason::Passed, None)
            .unwrap();
    }
    // One call still in flight when the machine stopped: it moves as it is.
    l.reserve(&row("d"), 0.04, Some(1.0)).unwrap();
    l.record_shot(run, "hero", "a red ball", 1, ShotStatus::Delivered, None)
        .unwrap();
    l.record_deliverable(&DeliverableRecord {
        path: "deliverables/hero/hero-1.png".into(),
        shot: "hero".into(),
        attempt: "a".into(),
        aspect: "1:1".into(),
        width: 1024,
        height: 1024,
        hash: "f".repeat(64),
        format: Some("png".into()),
        c2pa: None,
    })
    .unwrap();
    l.record_asset(&"0".repeat(64), "store/00/00/x.png", 123)
        .unwrap();
    l.finish_run(run, RunStatus::Complete).unwrap();
    drop(l);
    // A person's decision and its undoing (which refers to it by id).
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute_batch(
            "INSERT INTO human_decisions (id, attempt, action, who, at) VALUES (7, 'a', 'approve', 'ana', 1.5);
             INSERT INTO human_decisions (id, attempt, action, undoes, who, at) VALUES (8, 'a', 'undo', 7, 'ana', 2.5);
             INSERT INTO versions (id, parent, kind, asset, who, at) VALUES ('v1', 'a', 'grade', 'ab', 'ana', 3.0);",
        )
        .unwrap();
    (file.clone(), Ledger::open(&file).unwrap())
}

#[test]
fn every_row_moves_and_the_file_is_not_spent_on_again() {
    let Some(url) = darkroom_fakes::services::fresh_database("ledger_move") else {
        return;
    };
    let (file, from) = a_campaign_that_ran("move");
    let to = Ledger::connect(&url, "test").unwrap();
    let moved = from.move_into(&to).unwrap();
    assert!(!moved.already);
    let count = |t: &str| moved.tables.iter().find(|x| x.0 == t).map(|x| x.1);
    assert_eq!(count("attempts"), Some(4));
    assert_eq!(count("scores"), Some(3));
    assert_eq!(count("human_decisions"), Some(2));
    assert_eq!(count("moved"), None, "the file's own mark stays with it");
    // The same accounts and records, read through the ledger's own queries.
    assert_eq!(to.dump().unwrap(), from.dump().unwrap());
    assert_eq!(to.totals().unwrap(), from.totals().unwrap());
    assert!((moved.spent - from.totals().unwrap().committed).abs() < 1e-12);
    assert_eq!(
        to.human_decisions().unwrap(),
        from.human_decisions().unwrap()
    );
    assert_eq!(to.runs().unwrap(), from.runs().unwrap());
    assert_eq!(to.shots().unwrap(), from.shots().unwrap());
    // Done calls are not called again; the one in flight is still accounted as reserved.
    assert!(to.is_done("a").unwrap());
    // Ids the database gives go on after the copied ones.
    assert_eq!(to.start_run("test").unwrap(), 2);
    // The file is marked: a run on it is refused, naming where its accounts went.
    let named = darkroom_ledger::without_password(to.location());
    assert!(!named.contains("****"), "{named}");
    assert_eq!(from.moved_to().unwrap(), Some(named.clone()));
    let again = Ledger::open(&file).unwrap();
    match again.check_not_moved() {
        Err(LedgerError::Moved { to: t, .. }) => assert_eq!(t, named),
        other => panic!("a moved file must be refused: {other:?}"),
    }
    assert!(to.check_not_moved().is_ok());
    // Moving it twice is refused.
    let e = again.move_into(&to).unwrap_err().to_string();
    assert!(e.contains("moved already"), "{e}");
}

#[test]
fn a_database_that_holds_something_already_is_refused_with_nothing_written() {
    let Some(url) = darkroom_fakes::services::fresh_database("ledger_move_full") else {
        return;
    };
    let to = Ledger::connect(&url, "test").unwrap();
    to.reserve(&row("elsewhere"), 1.0, None).unwrap();
    let before = to.dump().unwrap();
    let (_, from) = a_campaign_that_ran("move-full");
    let e = from.move_into(&to).unwrap_err();
    assert!(matches!(e, LedgerError::Move { .. }), "{e:?}");
    assert!(
        e.to_string().contains("`attempts` holds 1 row(s) already"),
        "{e}"
    );
    assert_eq!(to.dump().unwrap(), before, "nothing was written");
    assert_eq!(from.moved_to().unwrap(), None, "the file is not marked");
    // A move into a file, or from the database, is not a move.
    let other = Ledger::open(&scratch("move-file").join("darkroom.db")).unwrap();
    assert!(matches!(
        from.move_into(&other),
        Err(LedgerError::Move { .. })
    ));
}

#[test]
fn a_move_cut_short_after_the_copy_is_finished_by_running_it_again() {
    let Some(url) = darkroom_fakes::services::fresh_database("ledger_move_cut") else {
        return;
    };
    let (file, from) = a_campaign_that_ran("move-cut");
    let to = Ledger::connect(&url, "test").unwrap();
    from.move_into(&to).unwrap();
    // The process died after the database committed, before the file was marked.
    drop(from);
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute_batch("DELETE FROM moved")
        .unwrap();
    let from = Ledger::open(&file).unwrap();
    let moved = from.move_into(&to).unwrap();
    assert!(
        moved.already,
        "recognised as this very ledger, nothing copied twice"
    );
    assert_eq!(to.dump().unwrap(), from.dump().unwrap());
    assert!(from.check_not_moved().is_err());
}

//! Several workers on one ledger: leases on calls in flight, their takeover when a worker's
//! heartbeat stops, claims on work one worker does for all, and the refusals of a database that
//! is not this campaign's ledger.

use darkroom_ledger::{
    mask_url, Claim, Ledger, LedgerError, Location, Outcome, Reservation, Store,
};

use super::{backends, row, scratch, Backend};

fn worker(b: &Backend, id: &str) -> Ledger {
    let l = b.open().as_worker(id, 30.0);
    l.register_worker(id, "test-host", 1).unwrap();
    l
}

#[test]
fn a_call_in_flight_is_leased_to_its_worker_and_taken_over_when_its_heartbeat_stops() {
    for b in backends("lease") {
        let (a, w) = (worker(&b, "a"), worker(&b, "b"));
        assert_eq!(
            a.reserve(&row("x"), 2.0, Some(10.0)).unwrap(),
            Reservation::Granted
        );
        assert_eq!(
            w.reserve(&row("x"), 2.0, Some(10.0)).unwrap(),
            Reservation::Leased { worker: "a".into() },
            "{}: a live worker's call is not sent again",
            b.name()
        );
        // b reconciling as it starts leaves a's call in flight alone.
        let store = Store::new(scratch(&format!("lease-{}", b.name())).join("store"));
        assert_eq!(w.reconcile(&store, |_| false).unwrap(), (0, 0));
        // a dies: its heartbeat stops. b takes the call over; what a reserved counts as spent
        // (the provider may have run it), and b reserves it again.
        b.raw("UPDATE workers SET heartbeat = heartbeat - 3600 WHERE id = 'a'");
        let listed = w.workers().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!((listed[0].state.as_str(), listed[0].leases), ("lost", 1));
        assert_eq!(
            w.reserve(&row("x"), 2.0, Some(10.0)).unwrap(),
            Reservation::Granted
        );
        let t = w.totals().unwrap();
        assert!(
            (t.committed - 4.0).abs() < 1e-9,
            "2 spent by a + 2 reserved by b: {}",
            t.committed
        );
        assert_eq!(w.interrupted().unwrap(), 1);
        w.settle(
            "x",
            &Outcome::Done {
                asset: "h".into(),
                model_version: None,
            },
            2.0,
        )
        .unwrap();
        assert_eq!(
            a.reserve(&row("x"), 2.0, Some(10.0)).unwrap(),
            Reservation::AlreadyDone
        );
        let listed = w.workers().unwrap();
        assert_eq!(
            (listed[1].id.as_str(), listed[1].done, listed[1].leases),
            ("b", 1, 0)
        );
    }
}

#[test]
fn a_taken_over_call_on_a_replaying_provider_is_not_counted_twice() {
    for b in backends("lease_replay") {
        let (a, w) = (worker(&b, "a"), worker(&b, "b"));
        a.reserve_as(&row("x"), 2.0, Some(10.0), true).unwrap();
        b.raw("UPDATE workers SET heartbeat = heartbeat - 3600 WHERE id = 'a'");
        assert_eq!(
            w.reserve_as(&row("x"), 2.0, Some(10.0), true).unwrap(),
            Reservation::Granted
        );
        assert!(
            (w.totals().unwrap().committed - 2.0).abs() < 1e-9,
            "{}",
            b.name()
        );
    }
}

#[test]
fn a_worker_restarted_under_its_id_reconciles_its_own_calls() {
    for b in backends("lease_restart") {
        let store = Store::new(scratch(&format!("restart-{}", b.name())).join("store"));
        worker(&b, "a").reserve(&row("x"), 1.0, None).unwrap();
        worker(&b, "b").reserve(&row("y"), 1.0, None).unwrap();
        // a is killed and started again at once (its heartbeat is fresh): its own call is
        // reconciled, b's is left in flight.
        let a = worker(&b, "a");
        assert_eq!(
            a.reconcile(&store, |_| false).unwrap(),
            (0, 1),
            "{}",
            b.name()
        );
        assert_eq!(
            a.status_of("y").unwrap(),
            Some(darkroom_ledger::AttemptStatus::Sent)
        );
    }
}

#[test]
fn work_one_worker_does_for_all_is_claimed_once_and_taken_over_from_a_lost_worker() {
    for b in backends("claims") {
        let (a, w) = (worker(&b, "a"), worker(&b, "b"));
        assert_eq!(a.claim("deliver:hero").unwrap(), Claim::Mine);
        assert_eq!(
            a.claim("deliver:hero").unwrap(),
            Claim::Mine,
            "{}: still a's",
            b.name()
        );
        assert_eq!(w.claim("deliver:hero").unwrap(), Claim::Held("a".into()));
        b.raw("UPDATE workers SET heartbeat = heartbeat - 3600 WHERE id = 'a'");
        assert_eq!(
            w.claim("deliver:hero").unwrap(),
            Claim::Mine,
            "a's heartbeat stopped"
        );
        w.finish_claim("deliver:hero").unwrap();
        assert_eq!(a.claim("deliver:hero").unwrap(), Claim::Done);
        // A worker that finished holds nothing.
        assert_eq!(a.claim("deliver:alt").unwrap(), Claim::Mine);
        a.finish_worker("a").unwrap();
        assert_eq!(w.claim("deliver:alt").unwrap(), Claim::Mine);
    }
}

#[test]
fn a_database_that_is_not_this_campaigns_ledger_is_refused_naming_it_without_its_password() {
    let Some(url) = darkroom_fakes::services::fresh_database("ledger_refusals") else {
        return;
    };
    let at = Location::Postgres(url.clone());
    Ledger::open_at(&at, "spring")
        .unwrap()
        .plan(&[row("a")])
        .unwrap();
    let other = Ledger::open_at(&at, "autumn")
        .err()
        .expect("another campaign's database");
    assert!(
        matches!(other, LedgerError::OtherCampaign { .. }),
        "{other}"
    );
    let text = other.to_string();
    assert!(
        text.contains("`spring`") && text.contains("`autumn`"),
        "{text}"
    );
    assert!(
        !text.contains("darkroom-test") && text.contains("****"),
        "password masked: {text}"
    );

    // A schema from a newer darkroom.
    darkroom_fakes::services::sql(&url, "UPDATE darkroom_schema SET version = 99");
    let newer = Ledger::open_at(&at, "spring").err().expect("newer schema");
    assert!(
        matches!(newer, LedgerError::Newer { found: 99, .. }),
        "{newer}"
    );
    assert!(newer.to_string().contains("upgrade darkroom"));

    // A database with other tables is not made a ledger.
    let foreign = darkroom_fakes::services::fresh_database("ledger_foreign").unwrap();
    darkroom_fakes::services::sql(&foreign, "CREATE TABLE invoices (id INT)");
    let e = Ledger::open_at(&Location::Postgres(foreign), "spring")
        .err()
        .unwrap();
    assert!(matches!(e, LedgerError::OtherCampaign { .. }), "{e}");

    // A wrong password and an unreachable server: one line naming the URL, masked.
    let wrong = url.replace(":darkroom-test@", ":not-the-password@");
    let e = Ledger::open_at(&Location::Postgres(wrong), "spring")
        .err()
        .unwrap();
    let text = e.to_string();
    assert!(matches!(e, LedgerError::Connect { .. }), "{text}");
    assert!(
        text.contains("password authentication failed") && !text.contains("not-the-password"),
        "{text}"
    );
    let e = Ledger::open_at(
        &Location::Postgres("postgres://u:secret@127.0.0.1:1/db".into()),
        "spring",
    )
    .err()
    .unwrap();
    let text = e.to_string();
    assert!(
        text.contains("postgres://u:****@127.0.0.1:1/db") && !text.contains("secret"),
        "{text}"
    );
}

#[test]
fn urls_print_with_their_password_masked() {
    assert_eq!(
        mask_url("postgres://me:pw@db:5432/c"),
        "postgres://me:****@db:5432/c"
    );
    assert_eq!(mask_url("postgres://me@db/c"), "postgres://me@db/c");
    assert_eq!(
        mask_url("postgres://db/c?password=x&sslmode=require"),
        "postgres://db/c?password=****&sslmode=require"
    );
    assert_eq!(
        mask_url("postgres://me:pw@db/c?password=x"),
        "postgres://me:****@db/c?password=****"
    );
    assert_eq!(
        format!("{:?}", Location::Postgres("postgres://a:b@h/d".into())),
        "Postgres(postgres://a:****@h/d)"
    );
}

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

/// What every attempt says it cost, summed: the figure the running total must equal.
fn summed(_: &Backend, l: &Ledger) -> f64 {
    l.committed_by_attempts().unwrap()
}

#[test]
fn a_paused_workers_late_result_is_fenced_and_its_actual_cost_replaces_the_presumed_one() {
    for b in backends("fence_paused") {
        let (a, w) = (worker(&b, "a"), worker(&b, "b"));
        assert_eq!(
            a.reserve(&row("x"), 2.0, Some(10.0)).unwrap(),
            Reservation::Granted
        );
        // a is paused past its lease (SIGSTOP, a laptop lid): b takes the call over, booking
        // a's reservation as "may have run", and sends it again.
        b.raw("UPDATE workers SET heartbeat = heartbeat - 3600 WHERE id = 'a'");
        assert_eq!(
            w.reserve(&row("x"), 2.0, Some(10.0)).unwrap(),
            Reservation::Granted
        );
        let done = |h: &str| Outcome::Done {
            asset: h.into(),
            model_version: None,
        };
        w.settle("x", &done("from-b"), 1.5).unwrap();
        // a wakes up and its call returns, billed 1.25 by the vendor: its result is ignored
        // (the attempt stays b's), but the ledger now says what the vendor billed: 1.5 + 1.25.
        a.settle("x", &done("from-a"), 1.25).unwrap();
        let rec = w.attempt("x").unwrap().unwrap();
        assert_eq!(rec.asset.as_deref(), Some("from-b"), "{}", b.name());
        let t = w.totals().unwrap();
        assert!(
            (t.settled - 2.75).abs() < 1e-9,
            "{}: settled {}",
            b.name(),
            t.settled
        );
        assert!(
            (t.committed - 2.75).abs() < 1e-9,
            "{}: committed {}",
            b.name(),
            t.committed
        );
        assert!((summed(&b, &w) - t.committed).abs() < 1e-9);
        // A stale failure (the vendor billed nothing) removes the presumed booking entirely.
        let (a2, w2) = (worker(&b, "a2"), worker(&b, "b2"));
        a2.reserve(&row("y"), 2.0, None).unwrap();
        b.raw("UPDATE workers SET heartbeat = heartbeat - 3600 WHERE id = 'a2'");
        w2.reserve(&row("y"), 2.0, None).unwrap();
        w2.settle("y", &done("y-b"), 2.0).unwrap();
        let failed = Outcome::Failed {
            class: darkroom_ledger::ErrorClass::Transient,
            message: "503".into(),
        };
        a2.settle("y", &failed, 0.0).unwrap();
        let y = w2.attempt("y").unwrap().unwrap();
        assert_eq!(
            y.status,
            darkroom_ledger::AttemptStatus::Done,
            "{}",
            b.name()
        );
        assert!((y.cost.unwrap() - 2.0).abs() < 1e-9, "{}: {y:?}", b.name());
        assert!((w2.totals().unwrap().committed - 4.75).abs() < 1e-9);
    }
}

#[test]
fn two_processes_under_one_id_never_share_a_lease_and_the_second_fences_the_first() {
    for b in backends("fence_same_id") {
        // Two containers with one host name and one `--id`: two processes, two tokens.
        let (first, second) = (worker(&b, "gpu1"), worker(&b, "gpu1"));
        assert_ne!(first.token(), second.token());
        first.reserve(&row("x"), 2.0, None).unwrap();
        // The second takes the call up at once (its own id: no lease to wait out), bumping
        // the epoch: the first's result can no longer settle it.
        assert_eq!(
            second.reserve(&row("x"), 2.0, None).unwrap(),
            Reservation::Granted
        );
        let done = |h: &str| Outcome::Done {
            asset: h.into(),
            model_version: None,
        };
        first.settle("x", &done("old"), 2.0).unwrap();
        let rec = second.attempt("x").unwrap().unwrap();
        assert_eq!(
            rec.status,
            darkroom_ledger::AttemptStatus::Sent,
            "{}: still the second's",
            b.name()
        );
        second.settle("x", &done("new"), 2.0).unwrap();
        let rec = second.attempt("x").unwrap().unwrap();
        assert_eq!(rec.asset.as_deref(), Some("new"));
        // Both calls ran at the vendor: 4.0 billed, 4.0 in the ledger.
        let t = second.totals().unwrap();
        assert!(
            (t.settled - 4.0).abs() < 1e-9,
            "{}: {}",
            b.name(),
            t.settled
        );
        assert!((t.committed - 4.0).abs() < 1e-9);
        // A delivery claim taken up under the same id is the new process's to finish.
        assert_eq!(first.claim("deliver:x").unwrap(), Claim::Mine);
        assert_eq!(second.claim("deliver:x").unwrap(), Claim::Mine);
        first.finish_claim("deliver:x").unwrap();
        let other = worker(&b, "c");
        assert_eq!(
            other.claim("deliver:x").unwrap(),
            Claim::Held("gpu1".into()),
            "not finished by the fenced process"
        );
        second.finish_claim("deliver:x").unwrap();
        assert_eq!(other.claim("deliver:x").unwrap(), Claim::Done);
    }
}

#[test]
fn the_running_total_equals_the_sum_of_the_attempts_through_every_path() {
    for b in backends("running_total") {
        let store = Store::new(scratch(&format!("total-{}", b.name())).join("store"));
        let l = worker(&b, "a");
        let done = |h: &str| Outcome::Done {
            asset: h.into(),
            model_version: None,
        };
        let failed = Outcome::Failed {
            class: darkroom_ledger::ErrorClass::Transient,
            message: "503".into(),
        };
        for (i, id) in ["p", "q", "r", "s", "t"].iter().enumerate() {
            assert_eq!(
                l.reserve(&row(id), 1.0, Some(100.0)).unwrap(),
                Reservation::Granted
            );
            match i {
                0 => l.settle(id, &done("h"), 0.8).unwrap(),
                1 => l.settle(id, &failed, 0.0).unwrap(),
                2 => l
                    .settle(
                        id,
                        &Outcome::Refused {
                            message: "no".into(),
                        },
                        0.0,
                    )
                    .unwrap(),
                _ => {}
            }
            assert!(
                (summed(&b, &l) - l.totals().unwrap().committed).abs() < 1e-9,
                "{} after {id}",
                b.name()
            );
        }
        // A retry of the failed call, and a crash: s and t in flight are reconciled by the
        // same worker restarted (one on a replaying provider, released).
        l.reserve(&row("q"), 1.0, Some(100.0)).unwrap();
        l.settle("q", &done("h2"), 0.9).unwrap();
        let again = worker(&b, "a");
        b.raw("UPDATE attempts SET provider = 'replays' WHERE id = 't'");
        again.reconcile(&store, |p| p == "replays").unwrap();
        let t = again.totals().unwrap();
        assert!(
            (summed(&b, &again) - t.committed).abs() < 1e-9,
            "{}: {t:?}",
            b.name()
        );
        assert!(
            (t.committed - (0.8 + 0.9 + 1.0)).abs() < 1e-9,
            "{}: {t:?}",
            b.name()
        );
        // A denial changes nothing, a takeover's booking included.
        assert!(matches!(
            again.reserve(&row("u"), 5.0, Some(3.0)).unwrap(),
            Reservation::Denied { .. }
        ));
        assert!((again.totals().unwrap().committed - t.committed).abs() < 1e-9);
        assert_eq!(
            again.status_of("u").unwrap(),
            None,
            "{}: nothing recorded",
            b.name()
        );
    }
}

/// Vendor handles (issue 28 item 8): the handle chosen for a call is recorded with its
/// reservation; a takeover or a resume after a crash is told to ask the vendor by it; a result
/// collected so replaces the "may have run" booking with its actual cost; a call the vendor
/// never received releases the booking, which a late result of the fenced process books again;
/// a failed call's handle goes with it. Every step keeps the running total equal to the
/// attempts' sum.
#[test]
fn a_call_sent_under_a_handle_is_asked_for_by_it_and_booked_once() {
    for b in backends("handles") {
        let (a, w) = (worker(&b, "a"), worker(&b, "b"));
        let done = |h: &str| Outcome::Done {
            asset: h.into(),
            model_version: None,
        };
        // a sends x under its handle and is paused past its lease; b takes x over and is told
        // to ask the vendor by a's handle (its own is not recorded).
        assert_eq!(
            a.reserve_call(&row("x"), 2.0, Some(10.0), false, Some("h-a"))
                .unwrap(),
            Reservation::Granted
        );
        b.raw("UPDATE workers SET heartbeat = heartbeat - 3600 WHERE id = 'a'");
        assert_eq!(
            w.reserve_call(&row("x"), 2.0, Some(10.0), false, Some("h-b"))
                .unwrap(),
            Reservation::Resume {
                handle: "h-a".into()
            },
            "{}",
            b.name()
        );
        // The vendor ran it (for 1.5): collected, it is booked once, at its actual cost.
        w.settle_collected("x", &done("x"), 1.5, None, None)
            .unwrap();
        let t = w.totals().unwrap();
        assert!((t.settled - 1.5).abs() < 1e-9, "{}: {t:?}", b.name());
        assert!((t.committed - 1.5).abs() < 1e-9, "{}: {t:?}", b.name());
        // a's late result of the same execution changes nothing: it was booked.
        a.settle("x", &done("x-late"), 1.5).unwrap();
        assert!(
            (w.totals().unwrap().settled - 1.5).abs() < 1e-9,
            "{}",
            b.name()
        );
        assert!((summed(&b, &w) - w.totals().unwrap().committed).abs() < 1e-9);

        // y: sent by a2, which dies; the vendor never received it. b2 is told to ask, hears
        // "unknown", releases the booking and sends it under the same handle (1.0).
        let (a2, w2) = (worker(&b, "a2"), worker(&b, "b2"));
        a2.reserve_call(&row("y"), 2.0, None, false, Some("h-y"))
            .unwrap();
        b.raw("UPDATE workers SET heartbeat = heartbeat - 3600 WHERE id = 'a2'");
        assert_eq!(
            w2.reserve_call(&row("y"), 2.0, None, false, Some("other"))
                .unwrap(),
            Reservation::Resume {
                handle: "h-y".into()
            }
        );
        w2.release_presumed("y").unwrap();
        w2.settle("y", &done("y"), 1.0).unwrap();
        assert!(
            (w2.totals().unwrap().settled - 2.5).abs() < 1e-9,
            "{}",
            b.name()
        );
        // a2 was only paused: its request reached the vendor after all and was billed 1.0 —
        // booked again, so the ledger still equals the bill (1.5 + 1.0 + 1.0).
        a2.settle("y", &done("y-late"), 1.0).unwrap();
        let t = w2.totals().unwrap();
        assert!((t.settled - 3.5).abs() < 1e-9, "{}: {t:?}", b.name());
        assert!((summed(&b, &w2) - t.committed).abs() < 1e-9);

        // After a crash of one machine's run: reconcile keeps the handle, the next reservation
        // resumes by it. A failed call loses it: its retry is a new call with a new handle.
        let solo = b.open();
        solo.reserve_call(&row("z"), 1.0, None, false, Some("h-z"))
            .unwrap();
        let store = Store::open(scratch(&format!("{}-handles-store", b.name())), None).unwrap();
        let next = b.open();
        next.reconcile(&store, |_| false).unwrap();
        assert_eq!(
            next.reserve_call(&row("z"), 1.0, None, false, Some("h-z2"))
                .unwrap(),
            Reservation::Resume {
                handle: "h-z".into()
            },
            "{}",
            b.name()
        );
        let failed = Outcome::Failed {
            class: darkroom_ledger::ErrorClass::Transient,
            message: "503".into(),
        };
        next.settle("z", &failed, 0.0).unwrap();
        assert_eq!(
            next.reserve_call(&row("z"), 1.0, None, false, Some("h-z3"))
                .unwrap(),
            Reservation::Granted,
            "{}",
            b.name()
        );
        // The vendor's own name for the call, once it accepted it, replaces darkroom's.
        next.record_handle("z", "vendor-id").unwrap();
        let z = next.attempt("z").unwrap().unwrap();
        assert_eq!(z.handle.as_deref(), Some("vendor-id"), "{}", b.name());
    }
}

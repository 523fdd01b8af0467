//! The one call path, unit by unit: a call reserved, made and settled at its price; each error
//! class retried as the scheduler promises (transient with backoff up to the tries allowed, a
//! refusal never); a call the cap cannot cover never sent; a done call answered from the ledger
//! without being sent again. The vendor is the simulator with its call log: every request it
//! executed and billed is a line there, the ground truth the ledger is compared with.

use std::path::Path;
use std::sync::atomic::Ordering;

use darkroom_core::Quality;
use darkroom_ledger::{AttemptStatus, Tier};

use super::{Call, Done, Exec};
use crate::session::Session;
use crate::testing::{campaign, scratch, session, RELIABLE, USD};

/// Makes `n` draft calls (distinct seeds) through the scheduler.
fn make(s: &Session, n: u32) -> Vec<(Call, Done)> {
    let exec = Exec::new(&s.ctx).unwrap();
    let calls: Vec<Call> = (0..n)
        .map(|k| {
            let req = darkroom_core::provider::Request {
                prompt: "a red cube".into(),
                seed: 100 + u64::from(k),
                width: 512,
                height: 512,
                quality: Quality::Draft,
                reference: None,
                op: Default::default(),
            };
            exec.call(Tier::Draft, 1, k, "a", "s", req)
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(exec.execute(calls))
}

/// Requests the vendor executed and billed (its call log's lines).
fn billed(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("vendor.log"))
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
        .unwrap_or(0)
}

#[test]
fn a_call_is_reserved_made_and_settled_at_its_price() {
    let dir = scratch("settled");
    let s = session(campaign(RELIABLE, USD), &dir);
    let out = make(&s, 3);
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|(_, d)| matches!(d, Done::Image(_))));
    let l = &s.ctx.ledger;
    let mut settled = 0.0;
    for (c, _) in &out {
        let a = l.attempt(&c.row.id).unwrap().unwrap();
        assert_eq!(a.status, AttemptStatus::Done);
        assert_eq!(a.tries, 1);
        let price = crate::priced(&s.ctx.campaign, "s", &c.req)(
            darkroom_core::provider::Provider::price(s.ctx.providers["s"].as_ref(), &c.req),
        );
        assert!((a.cost.unwrap() - price.usd).abs() < 1e-12, "{a:?}");
        settled += a.cost.unwrap();
    }
    let t = l.totals().unwrap();
    // Nothing is left reserved once every call settled; the ledger equals the vendor's bill.
    assert!((t.committed - settled).abs() < 1e-9 && (t.settled - settled).abs() < 1e-9);
    assert_eq!(billed(&dir), 3);
    assert_eq!(s.ctx.sent.load(Ordering::SeqCst), 3);
}

#[test]
fn a_done_call_is_answered_from_the_ledger_and_not_sent_again() {
    let dir = scratch("reused");
    let s = session(campaign(RELIABLE, USD), &dir);
    make(&s, 2);
    drop(s);
    let s = session(campaign(RELIABLE, USD), &dir);
    let out = make(&s, 2);
    assert!(out.iter().all(|(_, d)| matches!(d, Done::Image(_))));
    assert_eq!(s.ctx.sent.load(Ordering::SeqCst), 0);
    assert_eq!(billed(&dir), 2, "the vendor ran each request once");
}

#[test]
fn transient_errors_are_retried_up_to_the_tries_allowed() {
    let dir = scratch("transient");
    let s = session(
        campaign(
            "failures = { transient = 1.0, refusal = 0.0, rate_limited = 0.0 }",
            USD,
        ),
        &dir,
    );
    let out = make(&s, 1);
    let Done::Failed(f) = &out[0].1 else {
        panic!("a call that always fails transiently fails");
    };
    assert_eq!(f.class, darkroom_ledger::ErrorClass::Transient);
    let a = s.ctx.ledger.attempt(&out[0].0.row.id).unwrap().unwrap();
    assert_eq!(
        (a.status, a.tries),
        (AttemptStatus::Failed, super::MAX_TRIES)
    );
    assert_eq!(
        s.ctx.sent.load(Ordering::SeqCst),
        u64::from(super::MAX_TRIES)
    );
    // A failed try is not billed: nothing stays committed.
    assert_eq!(billed(&dir), 0);
    assert!(s.ctx.ledger.totals().unwrap().committed.abs() < 1e-12);
}

#[test]
fn a_refusal_is_never_retried() {
    let dir = scratch("refused");
    let s = session(
        campaign(
            "failures = { transient = 0.0, refusal = 1.0, rate_limited = 0.0 }",
            USD,
        ),
        &dir,
    );
    let out = make(&s, 1);
    let Done::Failed(f) = &out[0].1 else {
        panic!("a refused call fails");
    };
    assert_eq!(f.class, darkroom_ledger::ErrorClass::Refused);
    let a = s.ctx.ledger.attempt(&out[0].0.row.id).unwrap().unwrap();
    assert_eq!((a.status, a.tries), (AttemptStatus::Refused, 1));
    assert_eq!(s.ctx.sent.load(Ordering::SeqCst), 1);
}

#[test]
fn a_call_the_cap_cannot_cover_is_never_sent() {
    let dir = scratch("denied");
    // One fast-draft image is $0.039: a cap of $0.05 covers one call, not two.
    let s = session(campaign(RELIABLE, "[budget]\nmoney = \"0.05 USD\""), &dir);
    let out = make(&s, 3);
    let images = out
        .iter()
        .filter(|(_, d)| matches!(d, Done::Image(_)))
        .count();
    let denied = out
        .iter()
        .filter(|(_, d)| matches!(d, Done::OverBudget))
        .count();
    assert_eq!((images, denied), (1, 2));
    assert_eq!(s.ctx.sent.load(Ordering::SeqCst), 1);
    assert_eq!(billed(&dir), 1);
    let t = s.ctx.ledger.totals().unwrap();
    assert!(t.committed <= 0.05 + 1e-12, "committed {}", t.committed);
}

//! The stages on one simulated provider (the vendor that logs what it bills): draft rounds go on
//! until a draft passes or the rounds run out, each draft's gate decision recorded; the finish
//! waves make the promoted draft's final and name the draft it came from; local delivery
//! reframes a final to another aspect at the asked size, each operation a step of its story.

use std::collections::BTreeSet;

use darkroom_ledger::{AttemptStatus, Reason, Tier};

use crate::scheduler::Exec;
use crate::testing::{campaign, scratch, session, RELIABLE};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Cap in USD, two rounds at most, and these gates.
fn budget_and_gates(gates: &str) -> String {
    format!("[budget]\nmoney = \"100 USD\"\nmax_rounds = 2\n[gates]\n{gates}")
}

#[test]
fn draft_rounds_go_on_while_no_draft_passes_and_record_every_gate() {
    let dir = scratch("rounds-failing");
    // No image is perfectly sharp: every draft fails a gate.
    let s = session(
        campaign(RELIABLE, &budget_and_gates("sharpness = 1.0")),
        &dir,
    );
    let exec = Exec::new(&s.ctx).unwrap();
    let shots = s.ctx.campaign.shots.clone();
    let drafted = runtime().block_on(super::draft::rounds(&s.ctx, &exec, None, &shots));
    assert!(drafted.passing.get("a").is_none_or(Vec::is_empty));
    let tally = &drafted.tallies["a"];
    // One variant per round, both rounds run.
    assert_eq!((tally.calls, tally.images), (2, 2));
    let failed: u32 = tally.gates.values().sum();
    assert_eq!(failed, 2, "{:?}", tally.gates);
    assert!(tally
        .gates
        .keys()
        .all(|r| matches!(r, Reason::BelowAdherence | Reason::BelowSharpness)));
    let dump = s.ctx.ledger.dump().unwrap();
    let rounds: BTreeSet<u32> = dump
        .attempts
        .iter()
        .filter(|a| a.tier == Tier::Draft)
        .map(|a| a.round)
        .collect();
    assert_eq!(rounds, BTreeSet::from([1, 2]));
    let gates = dump
        .decisions
        .iter()
        .filter(|d| d.kind == darkroom_ledger::DecisionKind::Gate)
        .count();
    assert_eq!(gates, 2, "each draft's gate decision is recorded once");
    // Why the shot has nothing to promote names the gate.
    let why = tally.why(&s.ctx);
    assert!(
        why.contains("sharpness") || why.contains("adherence"),
        "{why}"
    );
}

#[test]
fn a_passing_draft_is_promoted_and_finished_once() {
    let dir = scratch("rounds-passing");
    let s = session(
        campaign(
            RELIABLE,
            &budget_and_gates("adherence = 0.0\nsharpness = 0.0"),
        ),
        &dir,
    );
    let exec = Exec::new(&s.ctx).unwrap();
    let shots = s.ctx.campaign.shots.clone();
    let rt = runtime();
    let drafted = rt.block_on(super::draft::rounds(&s.ctx, &exec, None, &shots));
    // Round 1 passed: no second round was drafted.
    assert_eq!(drafted.passing["a"].len(), 1);
    assert_eq!(drafted.tallies["a"].calls, 1);
    let mut ranked = super::select::rank(&s.ctx, &exec, &shots, drafted);
    let finished = rt.block_on(super::finish::waves(
        &s.ctx,
        &exec,
        None,
        &shots,
        &mut ranked,
    ));
    let finals = &finished.finished["a"];
    assert_eq!(finals.len(), 1);
    let (call, png) = &finals[0];
    assert!(!png.is_empty());
    let l = &s.ctx.ledger;
    let fin = l.attempt(&call.row.id).unwrap().unwrap();
    assert_eq!((fin.tier, fin.status), (Tier::Finish, AttemptStatus::Done));
    // The final names the draft it was finished from, a done draft of the same shot.
    let (draft_id, _) = &finished.drafts[&call.row.id];
    let draft = l.attempt(draft_id).unwrap().unwrap();
    assert_eq!((draft.tier, draft.shot.as_str()), (Tier::Draft, "a"));
    let dump = l.dump().unwrap();
    let promoted: Vec<&str> = dump
        .decisions
        .iter()
        .filter(|d| {
            d.kind == darkroom_ledger::DecisionKind::Rank
                && d.reason == darkroom_ledger::Reason::Promoted
        })
        .map(|d| d.attempt.as_str())
        .collect();
    assert_eq!(promoted, vec![draft_id.as_str()]);
}

#[test]
fn local_delivery_reframes_to_the_asked_aspect_and_size_step_by_step() {
    use darkroom_provenance::StepKind;
    // A square final with a subject off centre, delivered at 16:9.
    let (w, h) = (256u32, 256u32);
    let mut rgb = vec![235u8; (w * h * 3) as usize];
    for y in 96..160 {
        for x in 40..104 {
            let i = ((y * w + x) * 3) as usize;
            rgb[i..i + 3].copy_from_slice(&[200, 30, 30]);
        }
    }
    let png = darkroom_imageops::encode_png(w, h, &rgb, &[]).unwrap();
    let aspect: darkroom_core::Aspect = "16:9".parse().unwrap();
    let (bytes, attempt, steps) =
        super::deliver::reframe_locally(&png, "final-1", aspect, (512, 288)).unwrap();
    assert_eq!(attempt, "final-1");
    let img = darkroom_imageops::decode_png(&bytes, "out", 1 << 24).unwrap();
    assert_eq!((img.width, img.height), (512, 288));
    let kinds: Vec<StepKind> = steps.iter().map(|s| s.kind).collect();
    assert!(kinds.contains(&StepKind::Extended), "{kinds:?}");
    assert!(
        steps.iter().all(|s| s.provider.is_none()),
        "local steps name no provider"
    );
    // The same final reframed again is the same file (delivery is deterministic).
    let (again, _, _) =
        super::deliver::reframe_locally(&png, "final-1", aspect, (512, 288)).unwrap();
    assert_eq!(again, bytes);
}

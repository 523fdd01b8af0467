//! `darkroom check`: the plan, the estimate and every problem at once.

use super::*;

#[test]
fn check_prints_the_plan_or_every_problem() {
    let example =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/spring-launch.toml");
    let (code, out) = run(&["check", example.to_str().unwrap()], None);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("plan: 32 draft calls (first round), 5 finish calls (+3 spares if finishes fail), 7 delivery calls (other aspects), 12 deliverables"),
        "{out}"
    );
    let d = scratch("check_bad");
    let bad = d.join("bad.toml");
    std::fs::write(
        &bad,
        "[campaign]\nname = \"x\"\n\n[providers.local]\nkind = \"skecth\"\n\n[tiers.draft]\nprovider = \"lcoal\"\nsize = \"0\"\n[tiers.finish]\nprovider = \"local\"\nvarints = 3\n\n[[shots]]\nid = \"a\"\nprompt = \"a red sphere\"\ndeliver = [\"0:9\"]\n",
    )
    .unwrap();
    let (code, out) = run(&["check", bad.to_str().unwrap()], Some(&d));
    assert_eq!(code, 2);
    insta::assert_snapshot!(out);
}

#[test]
fn the_comfyui_example_and_its_workflow_check_clean() {
    let ex = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/comfyui.toml");
    let o = bin()
        .args(["check", ex.to_str().unwrap()])
        .env("STABILITY_API_KEY", "sk-not-used")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 6 drafts on the free local server; the ultra finish (8 credits) and two out-paints (4 each).
    assert!(out.contains("estimate: $0.16 expected"), "{out}");
}

#[test]
fn check_expects_the_spend_at_the_draft_pass_rate_it_can_know() {
    let d = scratch("expected");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"e\"\noutput = \"out\"\n[providers.sim]\nkind = \"sim\"\nmodel = \"fast-draft\"\nfailures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\n\
         [tiers.draft]\nprovider = \"sim\"\nsize = \"256\"\nvariants = 2\n[tiers.finish]\nprovider = \"sim\"\nsize = \"1K\"\nkeep = 1\n\
         [budget]\nmoney = \"5 USD\"\nmax_rounds = 3\n\
         [[shots]]\nid = \"hero\"\nprompt = \"a red sphere to the left of a blue cube\"\ndeliver = [\"1:1\"]\n",
    )
    .unwrap();
    let check = || {
        let o = bin()
            .current_dir(&d)
            .args(["check", "c.toml"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // Before any run: the profile keeps the relation (0.65), the colours (0.85) and both
    // entities (0.95): p = 0.525. Two $0.039 drafts a round, q = (1 − p)² = 0.226 → 1.277
    // rounds expected; the $0.039 finish when a round passes (0.988): $0.138.
    let before = check();
    assert!(
        before.contains("estimate: $0.14 expected at a 52 % draft pass rate (the simulated `fast-draft` profile keeps every instruction this often), $0.27 worst case (3 rounds)"),
        "{before}"
    );
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // After a run: what the ledger measured.
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let (passed, judged) = l.gate_counts().unwrap();
    drop(l);
    let after = check();
    assert!(
        after.contains(&format!(
            "draft pass rate (measured: {passed} of {judged} drafts passed in this campaign's ledger)"
        )),
        "{after}"
    );
}

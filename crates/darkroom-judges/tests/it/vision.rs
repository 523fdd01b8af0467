//! The vision judge: one call with every question, strict parsing of recorded answers.

use darkroom_judges::vision::{instructions, parse_answers, VisionJudge};
use darkroom_judges::{ImageRef, Judge, Verdict};

use Verdict::{No, Undecided, Yes};

#[test]
fn instructions_number_every_question() {
    let s = darkroom_prompt::parse("a red sphere to the left of a blue cube").unwrap();
    let text = instructions(&s);
    for (i, a) in s.checklist.iter().enumerate() {
        assert!(text.contains(&format!("{}: {}", i + 1, a.question)));
    }
    assert!(text.contains("yes or no"));
}

#[test]
fn parses_recorded_answers_strictly() {
    // Answers as models have been seen to give them.
    assert_eq!(parse_answers("1: yes\n2: no\n3: Yes", 3), [Yes, No, Yes]);
    assert_eq!(parse_answers("1. Yes.\n2) NO\n3 - yes", 3), [Yes, No, Yes]);
    assert_eq!(
        parse_answers("```json\n{\"1\": \"yes\", \"2\": \"no\"}\n```", 3),
        [Yes, No, Undecided]
    );
    assert_eq!(
        parse_answers("[\"yes\", \"no\", \"maybe\"]", 3),
        [Yes, No, Undecided]
    );
    // Malformed or hedged answers are undecided, never guessed.
    assert_eq!(
        parse_answers("1: probably\n2: yes, but not really no\n3:", 3),
        [Undecided, Undecided, Undecided]
    );
    assert_eq!(
        parse_answers("1: yes\n1: no\n2: no", 2),
        [Undecided, No],
        "contradicting answers"
    );
    assert_eq!(
        parse_answers("I cannot see the image.", 2),
        [Undecided, Undecided]
    );
    assert_eq!(parse_answers("", 0), Vec::<Verdict>::new());
    assert_eq!(
        parse_answers("7: yes\n0: no", 2),
        [Undecided, Undecided],
        "out-of-range numbers are ignored"
    );
}

#[test]
fn the_judge_asks_once_and_never_crashes() {
    let s = darkroom_prompt::parse("a red sphere to the left of a blue cube").unwrap();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    let j = VisionJudge::new(Box::new(move |_q, _img| {
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok("1: yes\n2: yes\n3: yes\n4: no\n5: yes".into())
    }));
    let img = ImageRef {
        width: 1,
        height: 1,
        rgb: &[0, 0, 0],
    };
    let r = j.judge(img, &s);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(r.findings.len(), s.checklist.len());
    assert_eq!(r.score, Some(4.0 / 5.0));
    let failing = VisionJudge::new(Box::new(|_, _| Err("HTTP 500".into())));
    let r = failing.judge(img, &s);
    assert!(r
        .findings
        .iter()
        .all(|f| f.verdict == Undecided && f.evidence.contains("HTTP 500")));
    assert_eq!(r.score, None);
}

//! Usage and bad input across commands: one line, exit 2.

use super::*;

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let d = scratch("bad_input");
    let o = d.join("x.png");
    let o = o.to_str().unwrap();
    let long = "a".repeat(10_001);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("empty_prompt", vec!["sketch", "", "-o", o]),
        ("long_prompt", vec!["sketch", &long, "-o", o]),
        (
            "size_zero",
            vec!["sketch", "a cube", "-o", o, "--size", "0"],
        ),
        (
            "size_too_big",
            vec!["sketch", "a cube", "-o", o, "--size", "9000"],
        ),
        (
            "size_malformed",
            vec!["sketch", "a cube", "-o", o, "--size", "big"],
        ),
        (
            "aspect_zero",
            vec!["sketch", "a cube", "-o", o, "--aspect", "0:9"],
        ),
        (
            "aspect_malformed",
            vec!["sketch", "a cube", "-o", o, "--aspect", "16/9"],
        ),
        (
            "quality_unknown",
            vec!["sketch", "a cube", "-o", o, "--quality", "best"],
        ),
        (
            "exact_size_and_aspect_disagree",
            vec![
                "sketch", "a cube", "-o", o, "--size", "100x100", "--aspect", "16:9",
            ],
        ),
        (
            "all_problems_at_once",
            vec![
                "sketch",
                "",
                "-o",
                o,
                "--size",
                "0",
                "--aspect",
                "x",
                "--quality",
                "q",
            ],
        ),
        (
            "unwritable_output",
            vec!["sketch", "a cube", "-o", "/nonexistent-dir/x.png"],
        ),
        ("parse_empty", vec!["parse", "   "]),
    ];
    let mut all = String::new();
    for (name, args) in cases {
        let (code, out) = run(&args, Some(&d));
        assert_eq!(code, 2, "{name}: {out}");
        let stderr = out.split("--- stderr\n").nth(1).unwrap();
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
        assert!(
            out.contains("--- stdout\n--- stderr"),
            "{name}: nothing on stdout"
        );
        all.push_str(&format!("## {name}\n{}", stderr));
    }
    // Validation happens before anything is written.
    assert!(!Path::new(o).exists(), "no output file on bad input");
    insta::assert_snapshot!(all);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(run(&["frobnicate"], None).0, 2);
    assert_eq!(run(&["sketch", "a cube"], None).0, 2, "missing -o");
    assert_eq!(run(&["--help"], None).0, 0);
    assert_eq!(run(&["--version"], None).0, 0);
}

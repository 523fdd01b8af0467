//! CLI behaviour of `darkroom`, checked as insta snapshots of exit code, stdout and stderr, with
//! temporary paths and timings filtered out.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_darkroom"))
}

/// A fresh, empty folder under `target/test-output/cli/<name>`.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-output/cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the command and renders `exit code`, stdout and stderr as one block, with `dir`
/// replaced by `[TMP]` and durations by `[T]`.
fn run(args: &[&str], dir: Option<&Path>) -> (i32, String) {
    let out = bin().args(args).env("NO_COLOR", "1").output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let mut text = format!(
        "exit: {code}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(d) = dir {
        text = text.replace(&d.display().to_string(), "[TMP]");
    }
    // "in 0.02 s" → "in [T] s"
    let mut filtered = String::new();
    for line in text.lines() {
        let l = match line.find(" in ") {
            Some(i) if line.ends_with(" s") => format!("{} in [T] s", &line[..i]),
            _ => line.to_string(),
        };
        filtered.push_str(&l);
        filtered.push('\n');
    }
    (code, filtered)
}

#[test]
fn parse_prints_scene_and_checklist() {
    let (code, out) = run(
        &[
            "parse",
            "a red sphere on a glass table to the left of a blue cube, cinematic lighting",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn parse_json() {
    let (code, out) = run(
        &[
            "parse",
            "--json",
            "a dog right of a teddy bear, a sign that says \"OPEN\"",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn sketch_writes_the_requested_png_with_its_parameters() {
    let d = scratch("sketch_ok");
    let f = d.join("hero.png");
    let p = "a red sphere on a glass table to the left of a blue cube, cinematic lighting";
    let (code, out) = run(
        &[
            "sketch",
            p,
            "-o",
            f.to_str().unwrap(),
            "--size",
            "320",
            "--aspect",
            "16:9",
            "--seed",
            "3",
        ],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!(out);
    let img = darkroom_imageops::read_png(&f, 1 << 24).unwrap();
    assert_eq!((img.width, img.height), (320, 180));
    assert!(img.text.contains(&("prompt".into(), p.into())));
    assert!(img.text.contains(&("seed".into(), "3".into())));
    // The same command writes the same bytes.
    let first = std::fs::read(&f).unwrap();
    run(
        &[
            "sketch",
            p,
            "-o",
            f.to_str().unwrap(),
            "--size",
            "320",
            "--aspect",
            "16:9",
            "--seed",
            "3",
        ],
        Some(&d),
    );
    assert_eq!(first, std::fs::read(&f).unwrap());
    // Exact sizes and the finish tier work too.
    let g = d.join("finish.png");
    let (code, _) = run(
        &[
            "sketch",
            p,
            "-o",
            g.to_str().unwrap(),
            "--size",
            "200x100",
            "--quality",
            "finish",
        ],
        Some(&d),
    );
    assert_eq!(code, 0);
    let img = darkroom_imageops::read_png(&g, 1 << 24).unwrap();
    assert_eq!((img.width, img.height), (200, 100));
}

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

//! The report renderer end to end: a small model with every chart kind and a contact sheet,
//! rendered, snapshot-tested, written to disk and rendered again byte for byte.

use darkroom_report::*;

fn small() -> Report {
    Report {
        title: "tiny <campaign>".into(),
        kind: "campaign".into(),
        subtitle: "1 shot · 3 attempts".into(),
        stats: vec![
            Stat {
                label: "Spend".into(),
                value: "$0.117".into(),
                note: "of $1.000 cap (12 %)".into(),
                tone: String::new(),
            },
            Stat {
                label: "Deliverables".into(),
                value: "1 / 1".into(),
                note: "delivered / asked".into(),
                tone: "good".into(),
            },
        ],
        tables: vec![Table {
            title: "Failures by class".into(),
            columns: vec!["class".into(), "attempts".into()],
            rows: vec![vec!["refused".into(), "1".into()]],
        }],
        charts: vec![
            Chart::Lines {
                id: "burn".into(),
                title: "Credit burn".into(),
                x_label: "s".into(),
                y_label: "USD".into(),
                series: vec![Series {
                    name: "draft tier".into(),
                    points: vec![(0.0, 0.0), (1.5, 0.039), (3.0, 0.078)],
                }],
                step: true,
                reference: Some((0.1, "budget cap".into())),
            },
            Chart::Histograms {
                id: "latency".into(),
                title: "Latency".into(),
                x_label: "seconds".into(),
                groups: vec![("sim · draft".into(), vec![1.0, 1.2, 3.4])],
            },
            Chart::Bars {
                id: "adherence".into(),
                title: "Adherence".into(),
                y_label: "adherence".into(),
                bars: vec![
                    Bar {
                        label: "count".into(),
                        value: 0.5,
                        note: "1/2".into(),
                    },
                    Bar {
                        label: "color".into(),
                        value: 1.0,
                        note: "2/2".into(),
                    },
                ],
                max: 1.0,
                reference: Some((0.8, "gate 0.80".into())),
            },
            Chart::Swatches {
                id: "palettes".into(),
                title: "Palettes".into(),
                rows: vec![SwatchRow {
                    label: "brand".into(),
                    cells: vec![SwatchCell {
                        hex: "#0047ab".into(),
                        caption: "Brand Blue".into(),
                    }],
                }],
            },
        ],
        sections: vec![Section {
            id: "hero".into(),
            title: "hero".into(),
            text: "two red cubes & a \"blue\" sphere".into(),
            facts: vec!["2 drafts".into()],
            checklist: vec![CheckItem {
                id: 0,
                category: "count".into(),
                question: "Are there two cubes?".into(),
            }],
            sheets: vec![Sheet {
                title: "Drafts".into(),
                cards: vec![
                    Card {
                        title: "round 1 · variant 0".into(),
                        thumb: Some("ab.jpg".into()),
                        thumb_size: (240, 240),
                        link: Some("../store/ab/cd/ab.png".into()),
                        status: "promoted".into(),
                        reason: "ranked within `keep`".into(),
                        scores: vec!["adherence 1.00".into()],
                        verdicts: vec![VerdictLine {
                            verdict: "yes".into(),
                            text: "Are there two cubes? — 2 regions".into(),
                        }],
                    },
                    Card {
                        title: "round 1 · variant 1".into(),
                        status: "refused".into(),
                        reason: "refused (policy)".into(),
                        ..Card::default()
                    },
                ],
            }],
        }],
        thumbs: vec![Thumb {
            name: "ab.jpg".into(),
            bytes: vec![0xFF, 0xD8, 0xFF, 0xD9],
        }],
        ..Report::default()
    }
}

#[test]
fn the_html_of_a_small_report_is_stable() {
    let html = render(&small(), "report_files").unwrap();
    insta::assert_snapshot!(html);
}

#[test]
fn the_page_is_self_contained_and_escapes_what_it_shows() {
    let html = render(&small(), "report_files").unwrap();
    assert!(!html.contains("<script"), "no script");
    for bad in ["http://", "https://", "//cdn", "@import"] {
        // The SVG namespace is an identifier, not a fetch.
        let n = html.matches(bad).count()
            - html.matches("http://www.w3.org/2000/svg").count() * (bad == "http://") as usize;
        assert_eq!(n, 0, "{bad}");
    }
    assert!(html.contains("tiny &lt;campaign&gt;"));
    assert!(html.contains("two red cubes &amp; a &quot;blue&quot; sphere"));
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 4);
    assert!(html.contains("src=\"report_files/ab.jpg\" width=\"240\" height=\"240\""));
    assert!(html.contains("@media print"));
}

#[test]
fn writing_twice_gives_the_same_bytes_and_prunes_old_thumbnails() {
    let dir = std::env::temp_dir().join(format!("darkroom-report-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("r_files")).unwrap();
    std::fs::write(dir.join("r_files/stale.jpg"), b"x").unwrap();
    let path = dir.join("r.html");
    let w = write(&small(), &path).unwrap();
    let first = std::fs::read(&path).unwrap();
    assert!(String::from_utf8_lossy(&first).contains("src=\"r_files/ab.jpg\""));
    assert!(!dir.join("r_files/stale.jpg").exists());
    assert_eq!(
        std::fs::read(dir.join("r_files/ab.jpg")).unwrap(),
        vec![0xFF, 0xD8, 0xFF, 0xD9]
    );
    assert_eq!(w.bytes, first.len() as u64 + 4);
    write(&small(), &path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_place_is_a_clear_error() {
    let file = std::env::temp_dir().join(format!("darkroom-report-file-{}", std::process::id()));
    std::fs::write(&file, b"not a folder").unwrap();
    let e = write(&small(), &file.join("r.html"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot write") && e.contains("r_files"), "{e}");
    let _ = std::fs::remove_file(&file);
}

//! Edges of input and output beside the money: ids that would break delivery, pipes that close, corrupt files, large campaigns, overwrites, and what each command then says.

use super::*;

#[test]
fn check_refuses_ids_that_would_break_delivery_and_money_it_cannot_count() {
    let d = scratch("money-ids");
    let long = "x".repeat(300);
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"i\"\n[providers.local]\nkind = \"sketch\"\n\
             [tiers.draft]\nprovider = \"local\"\n[tiers.finish]\nprovider = \"local\"\n\
             [budget]\nmoney = \"5 EUR\"\n\
             [[shots]]\nid = \"{long}\"\nprompt = \"a red sphere\"\n\
             [[shots]]\nid = \"！？\"\nprompt = \"a red sphere\"\n\
             [[shots]]\nid = \"Café\"\nprompt = \"a red sphere\"\n\
             [[shots]]\nid = \"café!\"\nprompt = \"a blue cube\"\n\
             [[shots]]\nid = \"東京\"\nprompt = \"a blue cube\"\n"
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is 300 bytes; at most 100"), "{err}");
    assert!(
        err.contains("shot id `！？` has no letter or digit"),
        "{err}"
    );
    assert!(
        err.contains("shot id `café!` becomes `café` in file names, as `Café`"),
        "{err}"
    );
    assert!(err.contains("only USD is accepted"), "{err}");
    assert!(
        err.contains("5 problem(s)") || err.contains("4 problem(s)"),
        "{err}"
    );
    assert!(!err.contains("東京"), "a CJK id is a good id: {err}");
    let inf = std::fs::read_to_string(d.join("c.toml"))
        .unwrap()
        .replace("5 EUR", "1e400 USD");
    std::fs::write(d.join("c.toml"), inf).unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`1e400 USD`: the amount inf is not between 0 and"),
        "{err}"
    );
}

#[test]
fn unicode_ids_deliver_under_their_own_names() {
    let d = scratch("money-unicode");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"u\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 1\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"64\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmax_rounds = 1\n\
         [[shots]]\nid = \"Café\"\nprompt = \"a red sphere\"\n\
         [[shots]]\nid = \"東京\"\nprompt = \"a blue cube\"\n",
    )
    .unwrap();
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
    assert!(d.join("out/deliverables/café/café-1-64x64.png").exists());
    assert!(d.join("out/deliverables/東京/東京-1-64x64.png").exists());
}

#[test]
fn a_vars_table_too_large_to_expand_is_an_error_not_an_out_of_memory() {
    let d = scratch("money-vars");
    let list: Vec<String> = (0..100).map(|i| format!("\"v{i}\"")).collect();
    let list = list.join(", ");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"v\"\n[providers.local]\nkind = \"sketch\"\n\
             [tiers.draft]\nprovider = \"local\"\n[tiers.finish]\nprovider = \"local\"\n\
             [[shots]]\nid = \"s-{{a}}-{{b}}-{{c}}-{{e}}\"\nprompt = \"a red sphere {{a}} {{b}} {{c}} {{e}}\"\n\
             vars = {{ a = [{list}], b = [{list}], c = [{list}], e = [{list}] }}\n"
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "the vars (a: 100 × b: 100 × c: 100 × e: 100) expand to more than 100000 shots"
        ),
        "{err}"
    );
}

#[test]
fn a_corrupt_ledger_is_one_clear_line() {
    let d = scratch("money-corrupt");
    std::fs::write(d.join("c.toml"), sim_campaign(2, 0.1, "1 USD", &TWO[..1])).unwrap();
    std::fs::create_dir_all(d.join("out")).unwrap();
    std::fs::write(d.join("out/darkroom.db"), vec![0x5Au8; 8192]).unwrap();
    for cmd in ["status", "run"] {
        let o = bin()
            .current_dir(&d)
            .args([cmd, "c.toml"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert_eq!(err.lines().count(), 1, "{cmd}: {err}");
        assert!(
            err.contains("cannot open the ledger `") && err.contains("out/darkroom.db`"),
            "{cmd}: {err}"
        );
        assert!(!err.contains("internal error"), "{cmd}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn status_into_a_closed_pipe_exits_without_a_panic() {
    let d = scratch("money-pipe");
    std::fs::write(d.join("c.toml"), sim_campaign(2, 0.1, "1 USD", &TWO[..1])).unwrap();
    assert_eq!(
        bin()
            .current_dir(&d)
            .args(["run", "c.toml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    // The reader is gone before darkroom writes a byte, as with `| head` after its lines.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = bin()
        .current_dir(&d)
        .args(["status", "c.toml"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err, "", "nothing to say: the reader left");
}

/// `darkroom run c.toml` in `d` with stdout and stderr a pipe whose reader has gone: its exit code.
fn run_into_a_closed_pipe(d: &Path) -> Option<i32> {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    bin()
        .current_dir(d)
        .args(["run", "c.toml"])
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .output()
        .unwrap()
        .status
        .code()
}

/// `darkroom run … 2>&1 | grep -q …`: the reader leaves at its first match. The run must not
/// panic on its next line: it finishes, records its end and delivers, as with a terminal.
#[test]
fn a_run_into_a_closed_pipe_finishes_and_records_its_end() {
    let d = scratch("money-run-pipe");
    std::fs::write(d.join("c.toml"), sim_campaign(2, 0.1, "1 USD", &TWO[..1])).unwrap();
    assert_eq!(run_into_a_closed_pipe(&d), Some(0));
    let l = darkroom_ledger::Ledger::open(&d.join("out/darkroom.db")).unwrap();
    let runs = l.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].status,
        darkroom_ledger::RunStatus::Complete,
        "{runs:?}"
    );
    assert!(!crate::files_under(&d.join("out/deliverables"), &["png"]).is_empty());
    // And the rerun, into the same closed pipe, calls nothing.
    let tries = l.totals().unwrap().tries;
    assert_eq!(run_into_a_closed_pipe(&d), Some(0));
    assert_eq!(l.totals().unwrap().tries, tries);
}

#[test]
fn judge_takes_a_campaign_file_as_its_brand() {
    let d = scratch("money-judge-brand");
    let campaign = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/spring-launch.toml"),
    )
    .unwrap();
    std::fs::write(d.join("c.toml"), campaign).unwrap();
    let png = d.join("x.png");
    let o = bin()
        .args(["sketch", "a blue cube", "--size", "64", "-o"])
        .arg(&png)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let o = bin()
        .current_dir(&d)
        .args([
            "judge",
            "x.png",
            "--prompt",
            "a blue cube",
            "--brand",
            "c.toml",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("brand"), "{out}");
}

#[test]
fn a_shot_failing_its_gates_says_which_gate_and_by_how_much() {
    let d = scratch("money-gates");
    std::fs::write(
        d.join("c.toml"),
        "[campaign]\nname = \"g\"\noutput = \"out\"\n\
         [brand]\npalette = [{ name = \"Lime\", hex = \"#00FF00\" }]\ntolerance = 3.0\nmin_on_palette = 0.9\n\
         [providers.local]\nkind = \"sketch\"\n\
         [tiers.draft]\nprovider = \"local\"\nsize = \"64\"\nvariants = 3\n\
         [tiers.finish]\nprovider = \"local\"\nsize = \"64\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\non_palette = 0.9\n[budget]\nmax_rounds = 1\n\
         [[shots]]\nid = \"hero\"\nprompt = \"a red sphere on a white background\"\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("failed: hero: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains(
            "no draft passed the gates: 3 judged; 3 below_on_palette (best on-palette share 0."
        ) && line.ends_with(" vs 0.90)"),
        "{line}"
    );
}

#[test]
fn a_large_campaign_gets_an_index_and_shot_pages_and_an_unchanged_report_is_not_rebuilt() {
    let d = scratch("money-pages");
    let colours = "\"red\", \"blue\", \"green\", \"yellow\", \"orange\", \"purple\", \"white\", \"black\", \"pink\", \"brown\", \"gray\"";
    let objects = "\"sphere\", \"cube\", \"bottle\", \"cup\", \"lamp\", \"vase\", \"box\", \"ball\", \"chair\", \"book\"";
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"p\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"32\"\nvariants = 1\n\
             [tiers.finish]\nprovider = \"local\"\nsize = \"32\"\nkeep = 1\n\
             [gates]\nadherence = 0.0\n[budget]\nmax_rounds = 1\n\
             [[shots]]\nid = \"s-{{c}}-{{o}}\"\nprompt = \"a {{c}} {{o}}\"\nvars = {{ c = [{colours}], o = [{objects}] }}\n"
        ),
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // 110 shots: taken up in groups, reported on two pages of at most 100 shots.
    assert!(
        err.contains("shots 1–64 of 110") && err.contains("shots 65–110 of 110"),
        "{err}"
    );
    let index = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(index.contains("<a href=\"report_pages/0001.html\">shots 1–100</a>"));
    assert!(index.contains("<a href=\"report_pages/0002.html\">shots 101–110</a>"));
    assert!(
        !index.contains("class=\"item\""),
        "no shot sections on the index page"
    );
    let page = std::fs::read_to_string(d.join("out/report_pages/0002.html")).unwrap();
    assert_eq!(page.matches("<section class=\"item\"").count(), 10);
    assert!(page.contains("<a href=\"../report.html\">"));
    // Every thumbnail a page shows is in the shared folder.
    for src in page.split("src=\"../report_files/").skip(1) {
        let name = &src[..src.find('"').unwrap()];
        assert!(d.join("out/report_files").join(name).exists(), "{name}");
    }
    let before = std::fs::metadata(d.join("out/report.html"))
        .unwrap()
        .modified()
        .unwrap();
    let again = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{err}");
    assert!(
        err.contains("(unchanged: nothing new in the ledger)"),
        "{err}"
    );
    let after = std::fs::metadata(d.join("out/report.html"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "not rewritten");
    // Asked for, it is rebuilt, to the same bytes.
    let r = bin()
        .current_dir(&d)
        .args(["report", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(d.join("out/report.html")).unwrap(),
        index
    );
    // One shot more: only its page is written again. A mark put in the first page's file
    // survives the run (that page was kept as it was), and every thumbnail it shows is still
    // there.
    let first_page = d.join("out/report_pages/0001.html");
    let page_one = std::fs::read_to_string(&first_page).unwrap();
    std::fs::write(&first_page, format!("{page_one}<!-- kept -->")).unwrap();
    let mut toml = std::fs::read_to_string(d.join("c.toml")).unwrap();
    toml.push_str("[[shots]]\nid = \"one-more\"\nprompt = \"a green cube\"\n");
    std::fs::write(d.join("c.toml"), toml).unwrap();
    let more = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        more.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&more.stderr)
    );
    let kept = std::fs::read_to_string(&first_page).unwrap();
    assert!(
        kept.ends_with("<!-- kept -->"),
        "the first page was rewritten"
    );
    for src in kept.split("src=\"../report_files/").skip(1) {
        let name = &src[..src.find('"').unwrap()];
        assert!(d.join("out/report_files").join(name).exists(), "{name}");
    }
    let second = std::fs::read_to_string(d.join("out/report_pages/0002.html")).unwrap();
    assert_eq!(second.matches("<section class=\"item\"").count(), 11);
    assert!(second.contains("id=\"s-one-more\""));
    let index = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(index.contains("<a href=\"report_pages/0002.html\">shots 101–111</a>"));
    // A page kept is the page a rebuild writes: `report` rebuilds every page, to those bytes.
    let r = bin()
        .current_dir(&d)
        .args(["report", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&first_page).unwrap(), page_one);
    assert_eq!(
        std::fs::read_to_string(d.join("out/report_pages/0002.html")).unwrap(),
        second
    );
}

#[test]
fn grade_upscale_and_extend_keep_a_transparent_logo_transparent() {
    let d = scratch("money-alpha");
    // A blue disc on a fully transparent field whose hidden pixels are black.
    let (w, h) = (48u32, 48u32);
    let mut rgb = Vec::new();
    let mut alpha = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let inside = (x as i32 - 24).pow(2) + (y as i32 - 24).pow(2) < 14 * 14;
            rgb.extend(if inside { [0u8, 71, 171] } else { [0, 0, 0] });
            alpha.push(if inside { 255 } else { 0 });
        }
    }
    let logo = d.join("logo.png");
    std::fs::write(
        &logo,
        darkroom_imageops::alpha::encode_png_rgba(w, h, &rgb, &alpha, &[]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("brand.toml"),
        "[brand]\npalette = [{ name = \"Blue\", hex = \"#0047AB\" }, { name = \"Paper\", hex = \"#F4F1EA\" }]\n",
    )
    .unwrap();
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "graded.png",
            vec![
                "grade",
                "logo.png",
                "--brand",
                "brand.toml",
                "-o",
                "graded.png",
            ],
        ),
        (
            "big.png",
            vec!["upscale", "logo.png", "--to", "2x", "-o", "big.png"],
        ),
        (
            "wide.png",
            vec!["extend", "logo.png", "--aspect", "16:9", "-o", "wide.png"],
        ),
    ];
    for (out, args) in cases {
        let o = bin().current_dir(&d).args(&args).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let a = darkroom_imageops::alpha::read_alpha(&d.join(out), Default::default())
            .unwrap()
            .unwrap_or_else(|| panic!("{out} lost its alpha channel"));
        // The corner stays transparent, the centre opaque.
        let img = darkroom_imageops::read_png(&d.join(out), 1 << 24).unwrap();
        let at = |x: u32, y: u32| a[(y * img.width + x) as usize];
        assert!(at(0, 0) < 16, "{out}: corner alpha {}", at(0, 0));
        assert!(
            at(img.width / 2, img.height / 2) > 240,
            "{out}: centre is opaque"
        );
    }
}

#[test]
fn the_audit_csv_quotes_palette_names_and_defuses_formulas() {
    let d = scratch("money-csv");
    std::fs::create_dir_all(d.join("img")).unwrap();
    let png = darkroom_imageops::encode_png(8, 8, &[40u8; 8 * 8 * 3], &[]).unwrap();
    std::fs::write(d.join("img/=HYPERLINK(1).png"), &png).unwrap();
    std::fs::write(
        d.join("brand.toml"),
        "[brand]\npalette = [{ name = \"Blue, Dark\", hex = \"#00008B\" }, { name = \"@Ink\", hex = \"#1A1A1A\" }]\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args([
            "audit",
            "images",
            "img",
            "--brand",
            "brand.toml",
            "--csv",
            "a.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = std::fs::read_to_string(d.join("a.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains(",\"coverage:Blue, Dark\",coverage:@Ink,"),
        "{header}"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("'=HYPERLINK(1).png,"), "{row}");
    assert!(row.contains(",'@Ink,"), "{row}");
}

#[test]
fn check_json_lists_the_attempt_ids_run_records() {
    let d = scratch("money-plan-ids");
    // Pinned seeds on one shot, derived seeds on the others, and a 16:9 draft size.
    let mut text = sim_campaign(3, 0.1, "100 USD", TWO);
    text.push_str(
        "[[shots]]\nid = \"wide\"\nprompt = \"a green lamp\"\nseed = 40\ndeliver = [\"16:9\"]\n",
    );
    std::fs::write(d.join("c.toml"), text).unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["check", "c.toml", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut planned: Vec<(String, String, u64)> = plan["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["shot"].as_str().unwrap().to_string(),
                crate::seed_of(&a["seed"]),
            )
        })
        .collect();
    assert_eq!(planned.len(), 9);
    assert_eq!(plan["estimate"]["draft_calls"], 9);
    let r = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let mut ran: Vec<(String, String, u64)> = ledger(&d)
        .dump()
        .unwrap()
        .attempts
        .iter()
        .filter(|a| a.tier == "draft" && a.round == 1)
        .map(|a| (a.id.clone(), a.shot.clone(), a.seed))
        .collect();
    planned.sort();
    ran.sort();
    assert_eq!(planned, ran, "check's plan is what run called");
}

#[test]
fn sketch_never_overwrites_a_file_without_force() {
    let d = scratch("money-sketch-force");
    let out = d.join("x.png");
    std::fs::write(&out, b"someone's work").unwrap();
    let o = bin()
        .args(["sketch", "a red sphere", "--size", "64", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&out).unwrap(), b"someone's work");
    let o = bin()
        .args(["sketch", "a red sphere", "--size", "64", "--force", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::read(&out).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn checks_plan_counts_every_call_the_example_makes_and_times_from_the_ledger() {
    let d = scratch("money-plan-calls");
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/spring-launch.toml"),
    )
    .unwrap()
    // Small sizes: the calls are the same, the renders quick.
    .replace("size = \"512\"", "size = \"64\"")
    .replace("size = \"2K\"", "size = \"128\"");
    std::fs::write(d.join("c.toml"), example).unwrap();
    let check = |json: bool| {
        let mut c = bin();
        c.current_dir(&d).args(["check", "c.toml"]);
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let plan: serde_json::Value = serde_json::from_slice(&check(true).stdout).unwrap();
    let e = &plan["estimate"];
    let planned = e["draft_calls"].as_u64().unwrap()
        + e["finish_calls"].as_u64().unwrap()
        + e["deliver_calls"].as_u64().unwrap();
    let before = String::from_utf8_lossy(&check(false).stdout).to_string();
    assert!(
        before.contains("(a guess from typical latencies"),
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
    let tries = darkroom_ledger::Ledger::open(&d.join("out/spring-launch/darkroom.db"))
        .unwrap()
        .totals()
        .unwrap()
        .tries;
    // Every shot passes in its first round here, so the plan is the whole run.
    assert_eq!(planned, tries, "the plan lists every call the run made");
    // The report speaks to a person: a free run says so, two finals of a shot are told apart.
    let page = std::fs::read_to_string(d.join("out/spring-launch/report.html")).unwrap();
    assert!(page.contains("Credit burn: nothing was spent (every call was free)"));
    assert!(page.contains("hero 16:9 · final 1") && page.contains("hero 16:9 · final 2"));
    assert!(!page.contains("rank key"));
    let after = String::from_utf8_lossy(&check(false).stdout).to_string();
    assert!(
        after.contains("(from the latencies this campaign's ledger measured)"),
        "{after}"
    );
}

#[test]
fn a_brand_grade_moves_off_brand_colours_and_holds_the_product_and_protected_ones() {
    let d = scratch("grade-protect");
    // Three bands: a near-brand blue, the product's red (far from every brand colour) and a
    // dark grey near Ink that the brand protects.
    let (w, h) = (96u32, 32u32);
    let band = |x: u32| -> [u8; 3] {
        match x / 32 {
            0 => [0x10, 0x58, 0xC0],
            1 => [0xC0, 0x00, 0x00],
            _ => [0x3A, 0x3A, 0x3A],
        }
    };
    let rgb: Vec<u8> = (0..w * h).flat_map(|i| band(i % w)).collect();
    std::fs::write(
        d.join("in.png"),
        darkroom_imageops::encode_png(w, h, &rgb, &[]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("brand.toml"),
        "[brand]\npalette = [{ name = \"Brand Blue\", hex = \"#0047AB\" }, { name = \"Paper\", hex = \"#F4F1EA\" }, { name = \"Ink\", hex = \"#1A1A1A\" }]\nprotect = [\"#3A3A3A\"]\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(&d)
        .args([
            "grade",
            "in.png",
            "--brand",
            "brand.toml",
            "--strength",
            "0.8",
            "-o",
            "out.png",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("the subject's own colour") && err.contains("protected #3A3A3A: moved ΔE00"),
        "{err}"
    );
    let out = darkroom_imageops::read_png(&d.join("out.png"), 1 << 20).unwrap();
    let lab = |x: u32, img: &[u8]| {
        let i = ((h / 2) * w + x) as usize * 3;
        darkroom_color::Lab::from_rgb8(darkroom_color::Rgb8 {
            r: img[i],
            g: img[i + 1],
            b: img[i + 2],
        })
    };
    let blue = darkroom_color::parse_color("#0047AB").unwrap();
    let (before, after) = (lab(16, &rgb), lab(16, &out.rgb));
    assert!(
        darkroom_color::de2000(after, blue) < darkroom_color::de2000(before, blue) - 2.0,
        "the near-brand blue moves toward Brand Blue"
    );
    for x in [48, 80] {
        let moved = darkroom_color::de2000(lab(x, &rgb), lab(x, &out.rgb));
        assert!(moved <= 2.0, "column {x} moved ΔE00 {moved:.2}");
    }
}

/// Issue 28 item 7 on SQLite: a paid run costs at most 8 SQL statements per provider call
/// (BEGIN and COMMIT counted), as the ledger counts them (`DARKROOM_LOG=debug`). PostgreSQL's
/// figure comes from the server's own statement log: `bench/statements.sh`.
#[test]
fn a_run_on_a_ledger_file_costs_at_most_eight_statements_per_call() {
    let d = scratch("money-statements");
    let shots: Vec<(String, String)> = (0..12)
        .map(|i| {
            (
                format!("s{i}"),
                format!("a red sphere to the left of a blue cube number {i}"),
            )
        })
        .collect();
    let shots: Vec<(&str, &str)> = shots
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    std::fs::write(d.join("c.toml"), sim_campaign(8, 0.0, "100 USD", &shots)).unwrap();
    let (code, _, err) = crate::go_env(&d, &["run", "c.toml"], &[("DARKROOM_LOG", "debug")]);
    assert_eq!(code, 0, "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("ledger: ") && l.contains("SQLite statement"))
        .unwrap_or_else(|| panic!("no statement count: {err}"));
    let per_call: f64 = line
        .rsplit_once('(')
        .and_then(|(_, x)| x.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(per_call > 1.0 && per_call <= 8.0, "{line}");
}

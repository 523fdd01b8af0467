//! Content Credentials (issue 17): every deliverable, PNG and JPEG, carries a signed C2PA
//! manifest that the `c2pa` reader validates; a changed byte makes `verify` say invalid (exit
//! 1); a vendor's manifest survives `extend` and `grade` as an ingredient; the private key is
//! nowhere darkroom writes; the A1111 `parameters` text reads back with A1111's rules and XMP
//! readers (exiftool) see the digital source type; a bad certificate stops `check` and `run`
//! before anything is spent.

use super::*;

use darkroom_provenance::{Identity, State};

const CAMPAIGN: &str = "[campaign]\nname = \"cred\"\noutput = \"out\"\n\
[providers.local]\nkind = \"sketch\"\n\
[tiers.draft]\nprovider = \"local\"\nsize = \"128\"\nvariants = 2\n\
[tiers.finish]\nprovider = \"local\"\nsize = \"256\"\n\
[gates]\nadherence = 0.0\n\
[deliver]\nformats = [\"png\", \"jpeg\"]\n\
[[shots]]\nid = \"hero\"\nprompt = \"a red kite above a green field\"\ndeliver = [\"1:1\", \"16:9\"]\n\
text = [{ content = \"SALE\", box = [0.1, 0.7, 0.9, 0.9] }]\n";

fn run_campaign(name: &str, extra: &str) -> PathBuf {
    let d = scratch(name);
    std::fs::write(d.join("c.toml"), format!("{CAMPAIGN}{extra}")).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    d
}

#[test]
fn every_deliverable_png_and_jpeg_validates_and_names_its_manifest() {
    let d = run_campaign("cred-run", "");
    let got = files_under(&d.join("out/deliverables"), &["png", "jpg"]);
    assert_eq!(got.len(), 4, "2 aspects × png and jpeg: {got:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("out/deliverables/manifest.json")).unwrap())
            .unwrap();
    for f in &got {
        let v = darkroom_provenance::verify(&std::fs::read(f).unwrap(), None).unwrap();
        assert_eq!(v.state, State::Valid, "{}: {:?}", f.display(), v.problems);
        let m = &v.chain[0];
        let steps = m.actions.join("\n");
        // The offline renderer learned from no data: IPTC's algorithmicMedia, not a trained
        // model's output.
        assert!(
            steps.contains("c2pa.created")
                && steps.contains("algorithmicMedia")
                && !steps.contains("trainedAlgorithmicMedia"),
            "{steps}"
        );
        assert!(steps.contains("set the text \"SALE\""), "{steps}");
        let titles: Vec<&str> = m.ingredients.iter().map(|i| i.0.as_str()).collect();
        assert!(
            titles.iter().any(|t| t.starts_with("draft "))
                && titles.iter().any(|t| t.starts_with("final ")),
            "the draft and the final are ingredients: {titles:?}"
        );
        if f.extension().unwrap() == "jpg" {
            assert!(steps.contains("c2pa.transcoded"), "{steps}");
        }
        // The sidecar and manifest.json name the label.
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let entry = manifest["deliverables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with(&name))
            .unwrap();
        assert_eq!(entry["c2pa_manifest"].as_str(), v.label.as_deref());
        let stem = name.rsplit_once('.').unwrap().0;
        let side: serde_json::Value = serde_json::from_slice(
            &std::fs::read(f.with_file_name(format!("{stem}.json"))).unwrap(),
        )
        .unwrap();
        let listed = side["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["file"] == name.as_str())
            .unwrap();
        assert_eq!(listed["c2pa_manifest"].as_str(), v.label.as_deref());
    }
    // `verify` says so too, and exits 0.
    let args: Vec<String> = got.iter().map(|p| p.display().to_string()).collect();
    let mut a = vec!["verify"];
    a.extend(args.iter().map(String::as_str));
    let (code, out, err) = go(&d, &a);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("valid, untrusted signer").count(), 4, "{out}");
    assert!(out.contains("darkroom local signer"), "{out}");
    // The local signer is named by a random id, never by a path (a client's folder name).
    for l in out.lines().filter(|l| l.contains("signed by")) {
        assert!(!l.contains('/') && !l.contains("cred-run"), "{l}");
    }
    assert!(
        !out.contains("problem:"),
        "an untrusted signer is not a problem: {out}"
    );
    // With the local identity's CA as a trust anchor, the same files are trusted.
    let ca = d
        .join("out/.darkroom/identity/ca.pem")
        .display()
        .to_string();
    a.extend(["--trust", ca.as_str()]);
    let (code, out, err) = go(&d, &a);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches(": trusted").count(), 4, "{out}");
}

#[test]
fn one_changed_byte_makes_verify_say_invalid_and_exit_1() {
    let d = run_campaign("cred-tamper", "");
    for f in files_under(&d.join("out/deliverables"), &["png", "jpg"]) {
        let mut b = std::fs::read(&f).unwrap();
        if f.extension().unwrap() == "png" {
            // The last byte of the last IDAT's data: a pixel byte.
            let at = b.windows(4).rposition(|w| w == b"IDAT").unwrap();
            let len = u32::from_be_bytes(b[at - 4..at].try_into().unwrap()) as usize;
            b[at + 4 + len - 1] ^= 1;
        } else {
            let n = b.len();
            b[n - 8] ^= 1; // entropy-coded data, before EOI
        }
        std::fs::write(&f, &b).unwrap();
        let (code, out, _) = go(&d, &["verify", &f.display().to_string(), "--json"]);
        assert_eq!(code, 1, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["state"], "invalid", "{out}");
        assert!(out.contains("mismatch"), "{out}");
    }
}

#[test]
fn a_vendors_manifest_survives_extend_and_grade_as_an_ingredient() {
    let d = scratch("cred-vendor");
    write_png(&d.join("raw.png"), 96, 64, |x, y| {
        [(x * 2) as u8, (y * 3) as u8, 90]
    });
    // The vendor signs its image, as OpenAI or Google do.
    let vendor = Identity::local(&d.join("vendor")).unwrap();
    let signed = darkroom_provenance::sign(
        &vendor,
        darkroom_provenance::Format::Png,
        &std::fs::read(d.join("raw.png")).unwrap(),
        &darkroom_provenance::Story {
            title: "from-vendor.png".into(),
            created: Some(darkroom_provenance::Source::Generated),
            steps: vec![],
            parts: vec![],
        },
    )
    .unwrap();
    std::fs::write(d.join("from-vendor.png"), &signed.bytes).unwrap();
    std::fs::write(
        d.join("brand.toml"),
        "palette = [{ name = \"Brand Blue\", hex = \"#0047AB\" }]\n",
    )
    .unwrap();
    let (code, _, err) = go(
        &d,
        &[
            "extend",
            "from-vendor.png",
            "--aspect",
            "16:9",
            "-o",
            "wide.png",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("signed wide.png"), "{err}");
    let (code, _, err) = go(
        &d,
        &[
            "grade",
            "wide.png",
            "--brand",
            "brand.toml",
            "-o",
            "graded.png",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = go(&d, &["verify", "graded.png", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let chain = v[0]["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 3, "graded ← wide ← vendor: {out}");
    assert_eq!(chain[2]["label"].as_str(), Some(signed.label.as_str()));
    let words = |i: usize| chain[i]["actions"].to_string();
    assert!(
        words(0).contains("c2pa.opened") && words(0).contains("c2pa.color_adjustments"),
        "{out}"
    );
    assert!(words(1).contains("extended to 16:9"), "{out}");
    // In words, the chain reads top to bottom.
    let (_, text, _) = go(&d, &["verify", "graded.png"]);
    assert!(
        text.contains("ingredient's manifest") && text.contains("from-vendor.png"),
        "{text}"
    );
    // Without a manifest in the input, the output is still marked as edited by darkroom.
    let (code, _, err) = go(&d, &["upscale", "raw.png", "--to", "2x", "-o", "up.png"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = go(&d, &["verify", "up.png", "--json"]);
    assert!(
        out.contains("upscaled to 192x128") && out.contains("\"valid\""),
        "{out}"
    );
    // --no-credentials writes none.
    let (code, _, _) = go(
        &d,
        &[
            "upscale",
            "raw.png",
            "--to",
            "2x",
            "-o",
            "bare.png",
            "--no-credentials",
        ],
    );
    assert_eq!(code, 0);
    let (_, out, _) = go(&d, &["verify", "bare.png"]);
    assert!(out.contains("no Content Credentials"), "{out}");
}

#[test]
fn the_private_key_is_nowhere_darkroom_writes_or_prints() {
    // A user's certificate (made here as a local identity would be, then named in the
    // campaign) signs; its key's text must not appear in any file of the output or in what
    // darkroom prints.
    let d = scratch("cred-key");
    Identity::local(&d.join("mine")).unwrap();
    let id_dir = d.join("mine/.darkroom/identity");
    std::fs::copy(id_dir.join("chain.pem"), d.join("chain.pem")).unwrap();
    std::fs::copy(id_dir.join("key.pem"), d.join("key.pem")).unwrap();
    std::fs::remove_dir_all(d.join("mine")).unwrap();
    let key = std::fs::read_to_string(d.join("key.pem")).unwrap();
    let body: Vec<&str> = key.lines().filter(|l| !l.starts_with("-----")).collect();
    std::fs::write(
        d.join("c.toml"),
        format!("{CAMPAIGN}[provenance]\ncert = \"chain.pem\"\nkey = \"key.pem\"\n"),
    )
    .unwrap();
    let mut printed = String::new();
    for args in [
        &["check", "c.toml"][..],
        &["run", "c.toml"],
        &["status", "c.toml", "--json"],
        &["report", "c.toml"],
    ] {
        let (code, out, err) = go(&d, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        printed.push_str(&out);
        printed.push_str(&err);
    }
    assert!(printed.contains("signed by"), "{printed}");
    let out = d.join("out");
    assert!(
        !out.join(".darkroom/identity").exists(),
        "no local identity when one is named"
    );
    let mut n = 0;
    for f in files_under(&out, &["png", "jpg", "json", "html", "db", "toml", "jsonl"]) {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for line in &body {
            assert!(
                !text.contains(line),
                "{} holds the private key",
                f.display()
            );
        }
        n += 1;
    }
    assert!(n >= 8, "{n} files searched");
    for line in &body {
        assert!(!printed.contains(line), "printed the private key");
    }
    // The same key from the environment, as CI secrets hold it.
    std::fs::write(d.join("c2.toml"), CAMPAIGN).unwrap();
    let chain = std::fs::read_to_string(d.join("chain.pem")).unwrap();
    let (code, out, err) = go_env(
        &d,
        &["check", "c2.toml"],
        &[("DARKROOM_C2PA_CERT", &chain), ("DARKROOM_C2PA_KEY", &key)],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("signed by") && !out.contains("local identity"),
        "{out}"
    );
    for line in &body {
        assert!(!out.contains(line) && !err.contains(line));
    }
}

/// A signer certificate (with its CA) that expired in 2020.
fn expired(dir: &Path) -> (PathBuf, PathBuf) {
    use std::time::{Duration, UNIX_EPOCH};
    let year = |y: u64| UNIX_EPOCH + Duration::from_secs((y - 1970) * 31_556_952);
    let m = darkroom_provenance::identity::make_chain(&darkroom_provenance::identity::Chain {
        signer: "Old Studio",
        organization: Some("Old"),
        not_before: year(2018),
        not_after: year(2020),
    })
    .unwrap();
    let (c, k) = (dir.join("old-chain.pem"), dir.join("old-key.pem"));
    std::fs::write(&c, m.chain).unwrap();
    std::fs::write(&k, m.key).unwrap();
    (c, k)
}

#[test]
fn a_bad_certificate_stops_check_and_run_before_anything_is_spent() {
    let d = scratch("cred-bad");
    // Two identities: the key of one does not match the certificate of the other.
    Identity::local(&d.join("a")).unwrap();
    Identity::local(&d.join("b")).unwrap();
    let cert = d.join("a/.darkroom/identity/chain.pem");
    let other_key = d.join("b/.darkroom/identity/key.pem");
    let (old_cert, old_key) = expired(&d);
    for (name, extra, says) in [
        (
            "expired",
            format!(
                "[provenance]\ncert = \"{}\"\nkey = \"{}\"\n",
                old_cert.display(),
                old_key.display()
            ),
            "expired on",
        ),
        (
            "mismatch",
            format!(
                "[provenance]\ncert = \"{}\"\nkey = \"{}\"\n",
                cert.display(),
                other_key.display()
            ),
            "does not match",
        ),
        (
            "missing",
            "[provenance]\ncert = \"nope.pem\"\nkey = \"nope-key.pem\"\n".to_string(),
            "nope.pem",
        ),
        (
            "half",
            "[provenance]\ncert = \"nope.pem\"\n".to_string(),
            "provenance.key",
        ),
    ] {
        std::fs::write(d.join(format!("{name}.toml")), format!("{CAMPAIGN}{extra}")).unwrap();
        for cmd in ["check", "run"] {
            let (code, _, err) = go(&d, &[cmd, &format!("{name}.toml")]);
            assert_eq!(code, 2, "{cmd} {name}: {err}");
            assert!(err.contains(says), "{cmd} {name}: {err}");
        }
        assert!(
            !d.join("out/deliverables").exists(),
            "{name}: nothing was delivered"
        );
        let spent = d.join("out/darkroom.db");
        if spent.exists() {
            let l = darkroom_ledger::Ledger::open(&spent).unwrap();
            assert!(
                l.dump().unwrap().attempts.is_empty(),
                "{name}: nothing was called"
            );
        }
    }
}

#[test]
fn parameters_read_back_with_a1111s_rules_and_exiftool_sees_the_source_type() {
    let d = run_campaign("cred-meta", "");
    let png = d.join("out/deliverables/hero/hero-1-256x256.png");
    let img = darkroom_imageops::read_png(&png, 1 << 24).unwrap();
    let params = &img.text.iter().find(|(k, _)| k == "parameters").unwrap().1;
    let (prompt, negative, pairs) = darkroom_provenance::meta::parse_parameters(params);
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(png.with_extension("json")).unwrap()).unwrap();
    assert_eq!(prompt, side["prompt"].as_str().unwrap());
    assert_eq!(negative, "");
    let get = |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone());
    assert_eq!(
        get("Seed"),
        Some(crate::seed_of(&side["seed"]).to_string()),
        "{params}"
    );
    assert_eq!(get("Size").as_deref(), Some("256x256"));
    // exiftool (Debian's libimage-exiftool-perl) reads the XMP in PNG and JPEG.
    let have = Command::new("exiftool").arg("-ver").output().is_ok();
    if !have {
        assert!(std::env::var_os("CI").is_none(), "CI must have exiftool");
        eprintln!("skipped the exiftool half: exiftool is not installed");
        return;
    }
    for f in [png.clone(), png.with_extension("jpg")] {
        let o = Command::new("exiftool")
            .args(["-s", "-s", "-s", "-XMP-iptcExt:DigitalSourceType"])
            .arg(&f)
            .output()
            .unwrap();
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.trim() == "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia",
            "{}: {s}",
            f.display()
        );
    }
}

#[test]
fn every_deliverable_of_the_example_campaign_validates() {
    let d = scratch("cred-example");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/spring-sale.toml");
    std::fs::copy(&src, d.join("spring-sale.toml")).unwrap();
    let (code, _, err) = go(&d, &["run", "spring-sale.toml"]);
    assert_eq!(code, 0, "{err}");
    let got = files_under(&d.join("out/spring-sale/deliverables"), &["png", "jpg"]);
    assert!(got.len() >= 6, "{got:?}");
    for f in &got {
        let v = darkroom_provenance::verify(&std::fs::read(f).unwrap(), None).unwrap();
        assert_eq!(v.state, State::Valid, "{}: {:?}", f.display(), v.problems);
    }
}

#[test]
fn a_providers_own_manifest_is_kept_inside_each_deliverable() {
    // The OpenAI fake signs its images with its own identity, as OpenAI does.
    use darkroom_fakes::Fake;
    let d = scratch("cred-upstream");
    let vendor_dir = d.join("vendor");
    Identity::local(&vendor_dir).unwrap();
    let gpt = Fake::openai("sk-FAKE-cred-1");
    let vd = vendor_dir.clone();
    gpt.stamp(Box::new(move |png| {
        let id = Identity::local(&vd).unwrap();
        darkroom_provenance::sign(
            &id,
            darkroom_provenance::Format::Png,
            &png,
            &darkroom_provenance::Story {
                title: "image.png".into(),
                created: Some(darkroom_provenance::Source::Generated),
                steps: vec![],
                parts: vec![],
            },
        )
        .unwrap()
        .bytes
    }));
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"up\"\noutput = \"out\"\n\
             [providers.local]\nkind = \"sketch\"\n\
             [providers.gpt]\nkind = \"openai\"\nmodel = \"gpt-image-1\"\napi_key_env = \"DR_TEST_CRED_KEY\"\nbase_url = \"{}\"\n\
             [tiers.draft]\nprovider = \"local\"\nsize = \"256\"\nvariants = 2\n\
             [tiers.finish]\nprovider = \"gpt\"\nsize = \"1K\"\n\
             [gates]\nadherence = 0.0\n[budget]\nmoney = \"5 USD\"\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a blue cube on a #F4F1EA background\"\ndeliver = [\"1:1\", \"16:9\"]\n\
             [[shots]]\nid = \"wide\"\nprompt = \"a red ball on a #F4F1EA background\"\ndeliver = [\"16:9\"]\n",
            gpt.url
        ),
    )
    .unwrap();
    let (code, _, err) = go_env(
        &d,
        &["run", "c.toml"],
        &[("DR_TEST_CRED_KEY", "sk-FAKE-cred-1")],
    );
    assert_eq!(code, 0, "{err}");
    // `hero` is finished at 1:1, a size OpenAI makes, so its file is kept whole; `wide` at
    // 16:9, which OpenAI does not make: its image is cropped, and the vendor's file is kept
    // beside it for its manifest.
    let got = files_under(&d.join("out/deliverables"), &["png"]);
    assert_eq!(got.len(), 3);
    for f in &got {
        let v = darkroom_provenance::verify(&std::fs::read(f).unwrap(), None).unwrap();
        assert_eq!(v.state, State::Valid, "{}: {:?}", f.display(), v.problems);
        assert_eq!(
            v.chain.len(),
            2,
            "darkroom's manifest, then the vendor's: {:#?}",
            v.chain
        );
        let ing = v.chain[0]
            .ingredients
            .iter()
            .find(|i| i.0.starts_with("final "))
            .unwrap();
        assert_eq!(ing.2.as_deref(), Some(v.chain[1].label.as_str()));
        // The cropped one names the vendor's file as sent, kept beside the cropped image.
        let wide = f.to_string_lossy().contains("/wide/");
        assert_eq!(ing.0.ends_with(" as sent"), wide, "{}", ing.0);
        assert!(
            v.chain[0].actions[0].contains("gpt-image-1"),
            "{:?}",
            v.chain[0].actions
        );
    }
}

/// The chunks of a PNG without its C2PA manifest (`caBX`): what a site that strips metadata it
/// does not know leaves, its XMP kept.
fn without_c2pa_chunk(png: &[u8]) -> Vec<u8> {
    let mut out = png[..8].to_vec();
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let end = at + 12 + len;
        if &png[at + 4..at + 8] != b"caBX" {
            out.extend_from_slice(&png[at..end]);
        }
        at = end;
    }
    out
}

/// Issue 30 item 6: `verify` takes folders (walked) and files, skips what is not an image with
/// a note, refuses a file over `--max-mb` without reading it (a 1 GB file, sparse), says when a
/// file stripped of its credentials still carries the AI label in its XMP, and `--require`
/// makes a file without credentials fail.
#[test]
fn verify_walks_folders_skips_non_images_and_refuses_what_is_too_large() {
    let d = run_campaign("cred-batch", "");
    let (code, out, err) = go(&d, &["verify", "out/deliverables"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("valid, untrusted signer").count(), 4, "{out}");
    assert!(
        out.contains("manifest.json: skipped (not a PNG or JPEG)"),
        "{out}"
    );
    let (code, out, _) = go(&d, &["verify", "--json", "out/deliverables"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let states: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "valid").count(),
        4,
        "{states:?}"
    );
    assert!(
        states.iter().all(|s| *s == "valid" || *s == "skipped"),
        "{states:?}"
    );
    // Stripped of its manifest, a deliverable still says what it is in its XMP.
    let png = std::fs::read(d.join("out/deliverables/hero/hero-1-256x256.png")).unwrap();
    std::fs::write(d.join("stripped.png"), without_c2pa_chunk(&png)).unwrap();
    let (code, out, _) = go(&d, &["verify", "stripped.png"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("no Content Credentials")
            && out.contains("its XMP still says DigitalSourceType algorithmicMedia"),
        "{out}"
    );
    let (code, _, err) = go(&d, &["verify", "--require", "stripped.png"]);
    assert_eq!(code, 1, "--require: {err}");
    assert!(
        err.contains("without Content Credentials (--require)"),
        "{err}"
    );
    // A 1 GB file that starts like a PNG is not read.
    {
        let f = std::fs::File::create(d.join("huge.png")).unwrap();
        use std::io::Write as _;
        (&f).write_all(b"\x89PNG\r\n\x1a\n").unwrap();
        f.set_len(1 << 30).unwrap();
    }
    let (code, out, err) = go(&d, &["verify", "huge.png", "stripped.png"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("huge.png: not checked: 1074 MB, over --max-mb 256 MB"),
        "{out}"
    );
    assert!(
        out.contains("stripped.png: no Content Credentials"),
        "the rest is checked: {out}"
    );
    // Under the limit, a file that only starts like a PNG is refused from its chunk headers,
    // not handed whole to the reader.
    let (code, out, _) = go(&d, &["verify", "huge.png", "--max-mb", "2000"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("huge.png: not checked: not a well-formed PNG"),
        "{out}"
    );
    // A whole image passes the walk: PNG and JPEG deliverables, and a file cut short does not.
    for f in files_under(&d.join("out/deliverables"), &["png", "jpg"]) {
        let b = std::fs::read(&f).unwrap();
        let fmt = darkroom_provenance::Format::sniff(&b).unwrap();
        darkroom_provenance::well_formed(std::io::Cursor::new(&b), fmt, b.len() as u64)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let cut = &b[..b.len() / 2];
        if fmt == darkroom_provenance::Format::Png {
            assert!(darkroom_provenance::well_formed(
                std::io::Cursor::new(cut),
                fmt,
                cut.len() as u64
            )
            .is_err());
        }
    }
    // A path that is not there is an argument error, said with its name.
    let (code, _, err) = go(&d, &["verify", "nowhere.png", "out/deliverables"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no such file or folder: `nowhere.png`"),
        "{err}"
    );
}

/// DigitalSourceType of a file, as exiftool reads it ("" without one).
fn exif_source(f: &Path) -> String {
    let o = Command::new("exiftool")
        .args(["-s", "-s", "-s", "-XMP-iptcExt:DigitalSourceType"])
        .arg(f)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Issue 30 item 2: darkroom's own edits keep the AI label. `upscale` and `typeset` of a
/// deliverable carry its XMP DigitalSourceType (read back with exiftool) and its `parameters`
/// text, and chain it as the parent ingredient with its manifest; `--no-credentials` still
/// carries the label; an edit that cannot be signed leaves no unsigned file behind.
#[test]
fn upscale_and_typeset_of_a_deliverable_keep_its_label_and_chain_it() {
    if Command::new("exiftool").arg("-ver").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must have exiftool");
        return;
    }
    let d = scratch("cred-edits");
    let campaign = CAMPAIGN.replace(
        "kind = \"sketch\"",
        "kind = \"sim\"\nmodel = \"fast-draft\"",
    );
    std::fs::write(d.join("c.toml"), campaign).unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let hero = d.join("out/deliverables/hero/hero-1-256x256.png");
    const TRAINED: &str = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
    assert_eq!(exif_source(&hero), TRAINED, "a model's deliverable");
    // IPTC 2025.1 names the AI system; the C2PA creation names the model as its agent.
    let system = |f: &Path| {
        let o = Command::new("exiftool")
            .args(["-s", "-s", "-s", "-XMP-iptcExt:AISystemUsed"])
            .arg(f)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(system(&hero), "fast-draft");
    let made = darkroom_provenance::verify(&std::fs::read(&hero).unwrap(), None).unwrap();
    let created = made.chain[0]
        .actions
        .iter()
        .find(|a| a.starts_with("c2pa.created"))
        .unwrap();
    assert!(created.contains("agent fast-draft"), "{created}");
    let params = |f: &Path| {
        darkroom_imageops::png_text(&std::fs::read(f).unwrap())
            .into_iter()
            .find(|(k, _)| k == "parameters")
            .map(|(_, v)| v)
    };
    let hero_s = hero.display().to_string();
    let edits: [(&str, Vec<&str>); 2] = [
        (
            "up.png",
            vec!["upscale", &hero_s, "--to", "2x", "-o", "up.png"],
        ),
        (
            "typeset.png",
            vec![
                "typeset",
                &hero_s,
                "--text",
                "OPEN",
                "--box",
                "0.2,0.3,0.8,0.7",
                "-o",
                "typeset.png",
            ],
        ),
    ];
    for (out, args) in &edits {
        let (code, _, err) = go(&d, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        let f = d.join(out);
        assert_eq!(exif_source(&f), TRAINED, "{out} keeps the label");
        assert_eq!(system(&f), "fast-draft", "{out} names the system still");
        assert_eq!(params(&f), params(&hero), "{out} keeps the parameters");
        let v = darkroom_provenance::verify(&std::fs::read(&f).unwrap(), None).unwrap();
        assert_eq!(v.state, State::Valid, "{out}: {:?}", v.problems);
        assert_eq!(
            v.chain.len(),
            2,
            "{out}: the deliverable's manifest is its ingredient's"
        );
        assert_eq!(v.chain[0].ingredients[0].1, "parentOf", "{out}");
    }
    // Unsigned, the label still goes with the file.
    let (code, _, err) = go(
        &d,
        &[
            "upscale",
            &hero_s,
            "--to",
            "2x",
            "-o",
            "bare.png",
            "--no-credentials",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(exif_source(&d.join("bare.png")), TRAINED);
    // A certificate that cannot sign: the command fails and leaves no unsigned output.
    let (code, _, err) = go_env(
        &d,
        &["upscale", &hero_s, "--to", "2x", "-o", "unsigned.png"],
        &[
            ("DARKROOM_C2PA_CERT", "not a certificate"),
            ("DARKROOM_C2PA_KEY", "not a key"),
        ],
    );
    assert_ne!(code, 0, "{err}");
    assert!(
        !d.join("unsigned.png").exists(),
        "no unsigned file left: {err}"
    );
    // A local edit of a photo with no label adds none.
    write_png(&d.join("photo.png"), 64, 64, |x, y| [x as u8, y as u8, 90]);
    let (code, _, err) = go(
        &d,
        &["upscale", "photo.png", "--to", "2x", "-o", "photo-up.png"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        exif_source(&d.join("photo-up.png")),
        "",
        "a local edit of a photo is not AI media"
    );
}

/// Issue 30 item 5: `[provenance] include_prompt = false` keeps the marking (a valid signed
/// manifest, the XMP source type, the generation settings) and leaves the prompt, the shot's
/// name and the typed text out of every delivered file's bytes.
#[test]
fn include_prompt_false_keeps_the_marking_and_leaves_the_words_out() {
    let d = run_campaign("cred-private", "[provenance]\ninclude_prompt = false\n");
    let got = files_under(&d.join("out/deliverables"), &["png", "jpg"]);
    assert_eq!(got.len(), 4);
    let has = |b: &[u8], s: &str| b.windows(s.len()).any(|w| w == s.as_bytes());
    for f in &got {
        let b = std::fs::read(f).unwrap();
        for word in ["kite", "green field", "SALE", "hero"] {
            assert!(!has(&b, word), "{}: `{word}` is in the file", f.display());
        }
        let v = darkroom_provenance::verify(&b, None).unwrap();
        assert_eq!(v.state, State::Valid, "{}: {:?}", f.display(), v.problems);
        assert_eq!(
            darkroom_provenance::xmp_source_type(&b).as_deref(),
            Some("algorithmicMedia"),
            "{}",
            f.display()
        );
    }
    let png = d.join("out/deliverables/hero/hero-1-256x256.png");
    let params = darkroom_imageops::png_text(&std::fs::read(&png).unwrap())
        .into_iter()
        .find(|(k, _)| k == "parameters")
        .unwrap()
        .1;
    let (prompt, _, pairs) = darkroom_provenance::meta::parse_parameters(&params);
    assert_eq!(prompt, "", "{params}");
    assert!(pairs.iter().any(|p| p.0 == "Seed"), "{params}");
    // A value that is not a boolean is said with the key.
    std::fs::write(
        d.join("bad.toml"),
        format!("{CAMPAIGN}[provenance]\ninclude_prompt = \"no\"\n"),
    )
    .unwrap();
    let (code, _, err) = go(&d, &["check", "bad.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("provenance.include_prompt"), "{err}");
}

/// Issue 30 item 4: the `parameters` text is what the ecosystem reads. From an A1111 server:
/// A1111's own order (Steps, Sampler, CFG scale, Seed, Size, Model hash, Model), the seed it
/// was sent (darkroom's seed modulo 2^32) and the checkpoint's hash apart from its name; the
/// JPEG carries the same text as its EXIF UserComment (read back by exiftool), and Civitai's
/// A1111 detection (a `Steps: N` field) finds it.
#[test]
fn parameters_say_what_the_server_was_sent_in_png_and_jpeg() {
    use darkroom_fakes::Fake;
    let forge = Fake::a1111();
    let d = scratch("cred-a1111");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[campaign]\nname = \"forge\"\noutput = \"out\"\n[providers.forge]\nkind = \"a1111\"\nbase_url = \"{}\"\n\
             [tiers.draft]\nprovider = \"forge\"\nsize = \"128\"\nvariants = 1\n[tiers.finish]\nprovider = \"forge\"\nsize = \"256\"\n\
             [gates]\nadherence = 0.0\n[deliver]\nformats = [\"png\", \"jpeg\"]\n\
             [[shots]]\nid = \"hero\"\nprompt = \"a red kite above a green field\"\ndeliver = [\"1:1\"]\n",
            forge.url
        ),
    )
    .unwrap();
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let png = d.join("out/deliverables/hero/hero-1-256x256.png");
    let params = darkroom_imageops::png_text(&std::fs::read(&png).unwrap())
        .into_iter()
        .find(|(k, _)| k == "parameters")
        .unwrap()
        .1;
    let (prompt, _, pairs) = darkroom_provenance::meta::parse_parameters(&params);
    assert_eq!(prompt, "a red kite above a green field");
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).take(7).collect();
    assert_eq!(
        keys,
        [
            "Steps",
            "Sampler",
            "CFG scale",
            "Seed",
            "Size",
            "Model hash",
            "Model"
        ],
        "{params}"
    );
    let get = |k: &str| {
        pairs
            .iter()
            .find(|p| p.0 == k)
            .map(|p| p.1.clone())
            .unwrap()
    };
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(png.with_extension("json")).unwrap()).unwrap();
    let seed = crate::seed_of(&side["seed"]);
    assert_eq!(get("Seed"), (seed % (1 << 32)).to_string(), "the seed sent");
    let sent: Vec<i64> = forge
        .seen()
        .iter()
        .filter_map(|s| serde_json::from_slice::<serde_json::Value>(&s.body).ok())
        .filter_map(|b| b["seed"].as_i64())
        .collect();
    assert!(
        sent.contains(&get("Seed").parse::<i64>().unwrap()),
        "{sent:?}"
    );
    assert_eq!(
        (get("Model hash").as_str(), get("Model").as_str()),
        ("31e35c80fc", "sd_xl_base_1.0")
    );
    assert_eq!(get("Steps"), "30");
    // Civitai's reader takes a text as A1111's when it has `Steps: <number>`.
    assert!(
        params
            .lines()
            .last()
            .unwrap()
            .starts_with("Steps: 30, Sampler: Euler a"),
        "{params}"
    );
    if Command::new("exiftool").arg("-ver").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must have exiftool");
        return;
    }
    let o = Command::new("exiftool")
        .args(["-s", "-s", "-s", "-UserComment"])
        .arg(png.with_extension("jpg"))
        .output()
        .unwrap();
    let comment = String::from_utf8_lossy(&o.stdout).trim_end().to_string();
    // exiftool prints the comment's line ends as dots.
    assert_eq!(comment, params.replace('\n', "."), "the JPEG's UserComment");
    let v = darkroom_provenance::verify(&std::fs::read(png.with_extension("jpg")).unwrap(), None)
        .unwrap();
    assert_eq!(v.state, State::Valid, "{:?}", v.problems);
}

//! RFC 3161 time-stamps (issue 30 item 1), against a real TSA (OpenSSL's `ts -reply` behind
//! HTTP, `darkroom_fakes::tsa`) reached over darkroom's own HTTP client: every deliverable's
//! signature carries a token and its time; `check` says whether signatures are time-stamped;
//! a TSA that keeps failing stops the run before anything unsigned is delivered (exit 1,
//! naming it) and the next run resumes; an edit signs with `DARKROOM_C2PA_TSA`; and a file
//! signed with a certificate that has since expired still verifies through its token — in
//! `darkroom verify` and in the C2PA reference reader (c2pa-python) alike.

use std::time::{Duration, SystemTime};

use super::*;

use darkroom_fakes::tsa::FakeTsa;

const CAMPAIGN: &str = "[campaign]\nname = \"stamped\"\noutput = \"out\"\n\
[providers.local]\nkind = \"sketch\"\n\
[tiers.draft]\nprovider = \"local\"\nsize = \"128\"\nvariants = 2\n\
[tiers.finish]\nprovider = \"local\"\nsize = \"256\"\n\
[gates]\nadherence = 0.0\n\
[deliver]\nformats = [\"png\", \"jpeg\"]\n\
[[shots]]\nid = \"hero\"\nprompt = \"a red kite above a green field\"\ndeliver = [\"1:1\", \"16:9\"]\n";

fn campaign(d: &Path, tsa: &FakeTsa) {
    std::fs::write(
        d.join("c.toml"),
        format!("{CAMPAIGN}[provenance]\ntsa_url = \"{}\"\n", tsa.url),
    )
    .unwrap();
}

#[test]
fn every_deliverable_carries_a_time_stamp_that_verify_shows() {
    let d = scratch("tsa-run");
    let tsa = FakeTsa::start(&d.join("tsa")).unwrap();
    campaign(&d, &tsa);
    let (code, out, err) = go(&d, &["check", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("time-stamped by `{}` (RFC 3161)", tsa.url)),
        "{out}"
    );
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let files = files_under(&d.join("out/deliverables"), &["png", "jpg"]);
    assert_eq!(files.len(), 4, "{files:?}");
    assert_eq!(tsa.issued(), 4, "one token per signed file");
    let anchors = d.join("anchors.pem");
    std::fs::write(
        &anchors,
        format!(
            "{}{}",
            std::fs::read_to_string(d.join("out/.darkroom/identity/ca.pem")).unwrap(),
            tsa.root_pem
        ),
    )
    .unwrap();
    let mut a = vec!["verify".to_string()];
    a.extend(files.iter().map(|f| f.display().to_string()));
    a.extend([
        "--trust".into(),
        anchors.display().to_string(),
        "--json".into(),
    ]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, out, err) = go(&d, &a);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for f in v.as_array().unwrap() {
        assert_eq!(f["state"], "trusted", "{f}");
        assert_eq!(f["time_stamp"], "trusted", "{f}");
        assert!(f["chain"][0]["when"].as_str().is_some(), "{f}");
    }
    // In words, without the TSA's root: the time is there, its authority unknown.
    let (code, out, _) = go(&d, &["verify", &files[0].display().to_string()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("signed at 20") && out.contains("its authority is on no trust list"),
        "{out}"
    );
}

#[test]
fn check_says_signatures_expire_without_a_time_stamp_authority() {
    let d = scratch("tsa-none");
    std::fs::write(d.join("c.toml"), CAMPAIGN).unwrap();
    let (code, out, err) = go_env(&d, &["check", "c.toml"], &[("DARKROOM_C2PA_TSA", "")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("no time-stamp authority: the signatures read as invalid once the signing certificate expires"),
        "{out}"
    );
    // A TSA that is not a URL is the campaign's mistake, said at once.
    std::fs::write(
        d.join("c.toml"),
        format!("{CAMPAIGN}[provenance]\ntsa_url = \"timestamp.digicert.com\"\n"),
    )
    .unwrap();
    let (code, _, err) = go(&d, &["check", "c.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("provenance.tsa_url") && err.contains("http:// or https://"),
        "{err}"
    );
}

#[test]
fn a_failing_tsa_stops_the_run_before_anything_unsigned_is_delivered() {
    let d = scratch("tsa-down");
    let tsa = FakeTsa::start(&d.join("tsa")).unwrap();
    campaign(&d, &tsa);
    tsa.fail_next(1000);
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "time-stamp authority `{}` failed 3 time(s)",
            tsa.url
        )) && err.contains("HTTP 503"),
        "{err}"
    );
    assert!(
        files_under(&d.join("out/deliverables"), &["png", "jpg"]).is_empty(),
        "nothing delivered unsigned"
    );
    let seen = tsa.seen();
    assert!(seen >= 3, "retried: {seen}");
    // Back up: the same command resumes and delivers every file, time-stamped.
    tsa.fail_next(0);
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let files = files_under(&d.join("out/deliverables"), &["png", "jpg"]);
    assert_eq!(files.len(), 4, "{files:?}");
    for f in files {
        let v = darkroom_provenance::verify(&std::fs::read(&f).unwrap(), None).unwrap();
        assert!(v.chain[0].when.is_some(), "{}", f.display());
    }
}

/// A chain whose signer certificate lives `life`, written as `chain.pem` / `key.pem` in `d`.
fn short_lived(d: &Path, life: Duration) -> (SystemTime, String) {
    let now = SystemTime::now();
    let made = darkroom_provenance::identity::make_chain(&darkroom_provenance::identity::Chain {
        signer: "short-lived signer",
        organization: Some("darkroom tests"),
        not_before: now - Duration::from_secs(60),
        not_after: now + life,
    })
    .unwrap();
    std::fs::write(d.join("chain.pem"), &made.chain).unwrap();
    std::fs::write(d.join("key.pem"), &made.key).unwrap();
    (now + life, made.ca)
}

/// What c2pa-python (the C2PA reference reader) says of a file: its validation state, the
/// failure codes, and the active manifest's signing time.
const READ: &str = r#"
import json, sys, c2pa
path, anchors = sys.argv[1], sys.argv[2]
settings = {"verify": {"ocsp_fetch": False, "remote_manifest_fetch": False}}
if anchors:
    settings["trust"] = {"trust_anchors": open(anchors).read()}
ctx = c2pa.Context(c2pa.Settings.from_json(json.dumps(settings)))
mime = "image/png" if path.endswith(".png") else "image/jpeg"
with open(path, "rb") as f:
    r = c2pa.Reader(mime, f, None, ctx)
    m = json.loads(r.json())
active = m["manifests"][m["active_manifest"]]
codes = [x["code"] for x in m.get("validation_results", {}).get("activeManifest", {}).get("failure", [])]
print(json.dumps({"state": m.get("validation_state"), "failures": codes,
                  "time": active.get("signature_info", {}).get("time")}))
"#;

/// The must-show of issue 30 item 1: a certificate valid for a few seconds signs an edit
/// (`upscale`, time-stamped through `DARKROOM_C2PA_TSA`) and a second one without a TSA;
/// once the certificate has expired (a wait of its lifetime and a margin), the time-stamped
/// file still verifies and the other does not — in darkroom and in c2pa-python.
#[test]
fn a_file_signed_with_an_expired_certificate_holds_through_its_time_stamp() {
    let d = scratch("tsa-expiry");
    let tsa = FakeTsa::start(&d.join("tsa")).unwrap();
    write_png(&d.join("raw.png"), 48, 32, |x, y| {
        [x as u8 * 5, y as u8 * 7, 90]
    });
    // Both edits must be signed while the certificate is valid: on a machine too slow for
    // that, the lifetime doubles and they are signed again (never a failure for slowness).
    let mut life = Duration::from_secs(6);
    let (end, ca) = loop {
        let (end, ca) = short_lived(&d, life);
        let env = |tsa_url: &str| {
            vec![
                (
                    "DARKROOM_C2PA_CERT",
                    d.join("chain.pem").display().to_string(),
                ),
                ("DARKROOM_C2PA_KEY", d.join("key.pem").display().to_string()),
                ("DARKROOM_C2PA_TSA", tsa_url.to_string()),
            ]
        };
        let signed = |out: &str, tsa_url: &str| {
            let e = env(tsa_url);
            let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
            go_env(&d, &["upscale", "raw.png", "--to", "2x", "-o", out], &e)
        };
        let a = signed("stamped.png", &tsa.url);
        let b = signed("bare.png", "");
        if a.0 == 0 && b.0 == 0 && SystemTime::now() < end {
            break (end, ca);
        }
        assert!(life < Duration::from_secs(200), "{a:?} {b:?}");
        life *= 2;
    };
    let anchors = d.join("anchors.pem");
    std::fs::write(&anchors, format!("{ca}{}", tsa.root_pem)).unwrap();
    let anchors_s = anchors.display().to_string();
    while SystemTime::now() < end + Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(250));
    }
    let verify = |f: &str| {
        let (code, out, err) = go(&d, &["verify", f, "--trust", &anchors_s, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
        (code, v[0].clone())
    };
    let (code, v) = verify("stamped.png");
    assert_eq!((code, v["state"].as_str()), (0, Some("trusted")), "{v}");
    assert_eq!(v["time_stamp"], "trusted");
    let (code, v) = verify("bare.png");
    assert_eq!((code, v["state"].as_str()), (1, Some("invalid")), "{v}");
    assert!(v.to_string().contains("signingCredential.expired"), "{v}");
    // The reference reader agrees.
    let Some(py) = reference_python() else {
        return;
    };
    let read = |f: &str| python_json(&py, READ, &[&d.join(f).display().to_string(), &anchors_s]);
    let r = read("stamped.png");
    assert_eq!(r["state"], "Trusted", "{r}");
    assert!(r["time"].as_str().is_some(), "{r}");
    let r = read("bare.png");
    assert_eq!(r["state"], "Invalid", "{r}");
    assert!(
        r["failures"]
            .to_string()
            .contains("signingCredential.expired"),
        "{r}"
    );
}

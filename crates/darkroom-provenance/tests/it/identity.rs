//! Identities: the local one is made once and reused; a user's certificate that is expired,
//! does not match its key, or is missing is refused with the file named, never the key.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use darkroom_provenance::identity::{make_chain, resolve, Chain, Signing};
use darkroom_provenance::Identity;

use crate::scratch;

/// A CA and a signer certificate under it, valid from `from` to `to` (years), written to `dir`.
fn chain(dir: &Path, from: i32, to: i32) -> (PathBuf, PathBuf, String) {
    make(dir, from, to, Some("Acme"))
}

/// A valid chain whose signer's subject has the given organization, or none.
fn chain_named(dir: &Path, org: Option<&str>) -> (PathBuf, PathBuf, String) {
    make(dir, 2020, 2045, org)
}

/// January 1st of a year.
fn year(y: i32) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(((y - 1970) as f64 * 365.2425 * 86_400.0) as u64)
}

fn make(dir: &Path, from: i32, to: i32, org: Option<&str>) -> (PathBuf, PathBuf, String) {
    let m = make_chain(&Chain {
        signer: "Acme Studio",
        organization: org,
        not_before: year(from),
        not_after: year(to),
    })
    .unwrap();
    let (c, k) = (dir.join("chain.pem"), dir.join("key.pem"));
    std::fs::write(&c, &m.chain).unwrap();
    std::fs::write(&k, &m.key).unwrap();
    (c, k, m.key)
}

#[test]
fn the_local_identity_is_made_once_and_reused() {
    let d = scratch("local-once");
    let a = Identity::local(&d).unwrap();
    let b = Identity::local(&d).unwrap();
    assert_eq!(a.subject, b.subject);
    let key = d.join(".darkroom/identity/key.pem");
    let first = std::fs::read(&key).unwrap();
    let _ = Identity::local(&d).unwrap();
    assert_eq!(std::fs::read(&key).unwrap(), first, "not made again");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(a.who().contains("untrusted"));
}

#[test]
fn a_users_certificate_signs() {
    let d = scratch("user-ok");
    let (c, k, _) = chain(&d, 2020, 2045);
    let id = Identity::from_files(&c, &k).unwrap();
    assert!(id.subject.contains("Acme Studio"), "{}", id.subject);
}

#[test]
fn an_expired_certificate_is_refused_naming_the_file() {
    let d = scratch("expired");
    let (c, k, _) = chain(&d, 2015, 2020);
    let e = Identity::from_files(&c, &k).unwrap_err().to_string();
    assert!(
        e.contains("expired") && e.contains(&c.display().to_string()),
        "{e}"
    );
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    let d = scratch("mismatch");
    let (c, _, _) = chain(&d, 2020, 2045);
    let other = scratch("mismatch-other");
    let (_, k2, pem) = chain(&other, 2020, 2045);
    let e = Identity::from_files(&c, &k2).unwrap_err().to_string();
    assert!(
        e.contains("does not match") && e.contains(&k2.display().to_string()),
        "{e}"
    );
    assert!(
        !e.contains(pem.lines().nth(1).unwrap()),
        "the key is never in a message"
    );
}

#[test]
fn a_certificate_without_an_organization_is_refused_saying_so() {
    let d = scratch("no-org");
    let (c, k, _) = chain_named(&d, None);
    let e = Identity::from_files(&c, &k).unwrap_err().to_string();
    assert!(
        e.contains("no organization (O=)") && e.contains("chain.pem"),
        "{e}"
    );
}

#[test]
fn missing_and_unreadable_files_are_named() {
    let d = scratch("missing");
    let (c, k, _) = chain(&d, 2020, 2045);
    let gone = d.join("nope.pem");
    let e = Identity::from_files(&gone, &k).unwrap_err().to_string();
    assert!(
        e.contains("certificate chain") && e.contains("nope.pem"),
        "{e}"
    );
    std::fs::write(d.join("junk.pem"), "not a key").unwrap();
    let e = Identity::from_files(&c, &d.join("junk.pem"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("junk.pem") && e.contains("no PEM private key"),
        "{e}"
    );
    let half = Signing {
        cert: Some(c),
        key: None,
    };
    let e = resolve(&half, &d).unwrap_err().to_string();
    assert!(e.contains("no private key"), "{e}");
}

#[test]
fn threads_making_one_folders_identity_at_once_all_get_the_same_one() {
    let d = scratch("local-race");
    let keys: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let id = Identity::local(&d).unwrap();
                    let _ = id;
                    std::fs::read_to_string(d.join(".darkroom/identity/key.pem")).unwrap()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(keys.windows(2).all(|w| w[0] == w[1]));
    let left: Vec<_> = std::fs::read_dir(d.join(".darkroom"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        left,
        vec!["identity".to_string()],
        "no temporary folder left"
    );
}

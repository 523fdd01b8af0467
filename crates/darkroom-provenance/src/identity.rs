//! Who signs. Either the user's certificate chain and private key (PEM files named in the
//! campaign, or in `DARKROOM_C2PA_CERT` / `DARKROOM_C2PA_KEY`, which may hold the PEM text
//! itself, as CI secrets do), or a local identity that darkroom makes once per output folder:
//! a CA and a signer certificate under it, in `<folder>/.darkroom/identity/`. Readers show the
//! local identity as untrusted (its CA is on no trust list); the manifest is still valid and
//! tamper-evident. Every identity is checked when it is loaded — parsed, in its validity period,
//! and proven to sign what its certificate verifies — so a bad one fails `darkroom check`
//! before anything is spent. The key is held in memory only; no message, log or debug print
//! carries it.

use std::path::{Path, PathBuf};

use c2pa::SigningAlg;
use x509_parser::prelude::*;

use crate::ProvenanceError;

/// The variables that may name (or hold) the user's certificate chain and key.
pub const CERT_VAR: &str = "DARKROOM_C2PA_CERT";
/// See [`CERT_VAR`].
pub const KEY_VAR: &str = "DARKROOM_C2PA_KEY";

/// Where an identity came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The user's certificate (the file, or `$DARKROOM_C2PA_CERT`).
    Supplied {
        /// Where the certificate chain was read.
        cert: String,
    },
    /// darkroom's local identity for one folder.
    Local {
        /// The identity's folder.
        dir: PathBuf,
    },
}

/// A signing identity: certificate chain, key and algorithm, checked.
pub struct Identity {
    chain_pem: Vec<u8>,
    key_pem: Vec<u8>,
    /// The signature algorithm the key calls for.
    pub alg: SigningAlg,
    /// The signer certificate's subject, as readers show it.
    pub subject: String,
    /// The signer certificate's issuer.
    pub issuer: String,
    /// When the signer certificate expires (RFC 2822).
    pub not_after: String,
    /// Where it came from.
    pub origin: Origin,
    /// The time-stamp authority every signature's token comes from, when one is set.
    tsa: Option<crate::Tsa>,
}

impl std::fmt::Debug for Identity {
    // Never the key: identities end up in error chains and debug logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("alg", &self.alg)
            .field("subject", &self.subject)
            .field("origin", &self.origin)
            .field("tsa", &self.tsa.as_ref().map(|t| &t.url))
            .field("key", &"****")
            .finish()
    }
}

impl Drop for Identity {
    fn drop(&mut self) {
        // Best effort: the key's bytes do not linger in freed memory.
        self.key_pem.iter_mut().for_each(|b| *b = 0);
    }
}

/// How the campaign (or the environment) asks to sign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signing {
    /// The certificate chain's PEM file, when named.
    pub cert: Option<PathBuf>,
    /// The private key's PEM file, when named.
    pub key: Option<PathBuf>,
}

/// A PEM source: a file, or a variable holding a path or the PEM text.
enum Pem {
    File(PathBuf),
    Var(&'static str, String),
}

impl Pem {
    fn name(&self) -> String {
        match self {
            Pem::File(p) => p.display().to_string(),
            Pem::Var(v, _) => format!("${v}"),
        }
    }

    fn read(&self, what: &'static str) -> Result<Vec<u8>, ProvenanceError> {
        match self {
            Pem::File(p) => std::fs::read(p).map_err(|source| ProvenanceError::Read {
                what,
                path: self.name(),
                source,
            }),
            Pem::Var(_, v) if v.trim_start().starts_with("-----BEGIN") => Ok(v.as_bytes().to_vec()),
            Pem::Var(_, v) => std::fs::read(v).map_err(|source| ProvenanceError::Read {
                what,
                path: format!("{} (= {v})", self.name()),
                source,
            }),
        }
    }
}

/// The identity a campaign or command signs with: the files it names, else the variables, else
/// the local identity of `folder` (made there if it is not yet). Naming only one of the two
/// (certificate or key) is an error.
pub fn resolve(req: &Signing, folder: &Path) -> Result<Identity, ProvenanceError> {
    let env = |v: &'static str| {
        std::env::var(v)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Pem::Var(v, s))
    };
    let cert = req.cert.clone().map(Pem::File).or_else(|| env(CERT_VAR));
    let key = req.key.clone().map(Pem::File).or_else(|| env(KEY_VAR));
    match (cert, key) {
        (Some(c), Some(k)) => Identity::supplied(&c, &k),
        (Some(c), None) => Err(ProvenanceError::Identity(format!(
            "a certificate chain is named ({}) but no private key: set [provenance] key = \"key.pem\" or {KEY_VAR}",
            c.name()
        ))),
        (None, Some(k)) => Err(ProvenanceError::Identity(format!(
            "a private key is named ({}) but no certificate chain: set [provenance] cert = \"chain.pem\" or {CERT_VAR}",
            k.name()
        ))),
        (None, None) => Identity::local(folder),
    }
}

/// Where a folder's local identity lives.
pub fn local_dir(folder: &Path) -> PathBuf {
    folder.join(".darkroom").join("identity")
}

/// What `resolve` would use, without reading or making anything: for `darkroom check` lines.
pub fn describe(req: &Signing, folder: &Path) -> String {
    let var = |v: &str| std::env::var(v).ok().filter(|s| !s.trim().is_empty());
    match (&req.cert, var(CERT_VAR)) {
        (Some(c), _) => format!("certificate `{}`", c.display()),
        (None, Some(_)) => format!("certificate from ${CERT_VAR}"),
        (None, None) => format!(
            "local identity in `{}` (readers show it as untrusted)",
            local_dir(folder).display()
        ),
    }
}

impl Identity {
    /// The user's certificate chain and key, checked.
    fn supplied(cert: &Pem, key: &Pem) -> Result<Identity, ProvenanceError> {
        Identity::read(cert, key, Origin::Supplied { cert: cert.name() })
    }

    /// Reads and checks a chain and key from their sources.
    fn read(cert: &Pem, key: &Pem, origin: Origin) -> Result<Identity, ProvenanceError> {
        let chain_pem = cert.read("certificate chain")?;
        let key_pem = key.read("private key")?;
        Identity::from_pem(chain_pem, key_pem, &cert.name(), &key.name(), origin)
    }

    /// The user's identity from two PEM files.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Identity, ProvenanceError> {
        Identity::supplied(
            &Pem::File(cert.to_path_buf()),
            &Pem::File(key.to_path_buf()),
        )
    }

    /// Checks a chain and key: both parse, the signer certificate is in its validity period
    /// and of a kind C2PA accepts, and the key signs what the certificate verifies.
    fn from_pem(
        chain_pem: Vec<u8>,
        key_pem: Vec<u8>,
        cert_name: &str,
        key_name: &str,
        origin: Origin,
    ) -> Result<Identity, ProvenanceError> {
        let bad = |m: String| ProvenanceError::Identity(m);
        let certs: Vec<Vec<u8>> = PemBlocks::parse_all(&chain_pem, "CERTIFICATE");
        let Some(leaf) = certs.first() else {
            return Err(bad(format!(
                "certificate chain `{cert_name}`: no PEM certificate in it (expected the signer's certificate, then its CA's, each as -----BEGIN CERTIFICATE-----)"
            )));
        };
        if !PemBlocks::has_key(&key_pem) {
            // Say what was found, never what it holds.
            return Err(bad(format!(
                "private key `{key_name}`: no PEM private key in it (expected -----BEGIN PRIVATE KEY----- (PKCS #8), or an EC or RSA private key)"
            )));
        }
        let (_, x) = X509Certificate::from_der(leaf).map_err(|e| {
            bad(format!(
                "certificate chain `{cert_name}`: the first certificate does not parse: {e}"
            ))
        })?;
        let v = x.validity();
        let now = ASN1Time::now();
        if v.not_after < now {
            return Err(bad(format!(
                "certificate `{cert_name}` expired on {}: renew it, or remove [provenance] cert and key to sign with the local identity",
                v.not_after
            )));
        }
        if v.not_before > now {
            return Err(bad(format!(
                "certificate `{cert_name}` is not valid before {}",
                v.not_before
            )));
        }
        // c2pa-rs names the signer by the subject's organization and refuses a certificate
        // without one (its signature reads as not valid).
        if x.subject().iter_organization().next().is_none() {
            return Err(bad(format!(
                "certificate `{cert_name}`: its subject has no organization (O=); Content Credentials readers name the signer by it, and refuse a signer certificate without one"
            )));
        }
        // The key must be the certificate's: compare public keys (PKCS #8 keys; others are
        // caught by the signing proof below).
        if let Ok(kp) = rcgen::KeyPair::from_pem(&String::from_utf8_lossy(&key_pem)) {
            use rcgen::PublicKeyData;
            if kp.subject_public_key_info() != x.public_key().raw {
                return Err(bad(format!(
                    "private key `{key_name}` does not match certificate `{cert_name}`: its public key is not the certificate's"
                )));
            }
        }
        let alg = alg_of(&x).ok_or_else(|| {
            bad(format!(
                "certificate `{cert_name}`: its key is of a kind C2PA does not sign with (accepted: EC P-256, P-384 or P-521, Ed25519, RSA of 2048 bits or more)"
            ))
        })?;
        let id = Identity {
            subject: x.subject().to_string(),
            issuer: x.issuer().to_string(),
            not_after: v.not_after.to_string(),
            chain_pem,
            key_pem,
            alg,
            origin,
            tsa: None,
        };
        id.prove(cert_name, key_name)?;
        Ok(id)
    }

    /// Signs a 1×1 PNG and reads it back: a key that is not the certificate's, or a
    /// certificate C2PA will not accept as a signer (a CA, a wrong key usage), shows here.
    fn prove(&self, cert_name: &str, key_name: &str) -> Result<(), ProvenanceError> {
        let bad = |m: String| ProvenanceError::Identity(m);
        let signer = self.signer().map_err(|e| {
            bad(format!(
                "private key `{key_name}` cannot sign as `{}`: {}",
                self.alg,
                scrub(&e.to_string())
            ))
        })?;
        let story = crate::Story {
            title: "identity check".into(),
            created: Some(crate::Source::Generated),
            steps: vec![],
            parts: vec![],
        };
        let signed =
            crate::sign::sign_with(signer.as_ref(), crate::Format::Png, &tiny_png(), &story)
                .map_err(|e| {
                    bad(format!(
                        "certificate `{cert_name}` with key `{key_name}`: signing failed: {}",
                        scrub(&e.to_string())
                    ))
                })?;
        let v = crate::verify::verify(&signed.bytes, None)
            .map_err(|e| bad(format!("certificate `{cert_name}`: {e}")))?;
        if v.state == crate::State::Invalid {
            return Err(bad(format!(
                "certificate `{cert_name}` cannot sign Content Credentials: {} (a C2PA signer certificate is an end-entity certificate with digitalSignature key usage and an emailProtection or documentSigning extended key usage, issued by a CA)",
                v.problems
                    .iter()
                    .map(|p| format!("{}: {}", p.code, p.explanation))
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        Ok(())
    }

    /// A c2pa signer for this identity.
    pub(crate) fn signer(&self) -> Result<c2pa::BoxedSigner, c2pa::Error> {
        let inner = c2pa::create_signer::from_keys(&self.chain_pem, &self.key_pem, self.alg, None)?;
        Ok(match &self.tsa {
            Some(tsa) => Box::new(crate::tsa::Stamping {
                inner,
                tsa: tsa.clone(),
            }),
            None => inner,
        })
    }

    /// The same identity, its signatures time-stamped by `tsa` (or not, with `None`).
    pub fn with_tsa(mut self, tsa: Option<crate::Tsa>) -> Identity {
        self.tsa = tsa;
        self
    }

    /// The time-stamp authority its signatures carry a token from, if any.
    pub fn tsa(&self) -> Option<&crate::Tsa> {
        self.tsa.as_ref()
    }

    /// A folder's local identity: loaded when it exists, made (once, atomically) when not.
    pub fn local(folder: &Path) -> Result<Identity, ProvenanceError> {
        let dir = local_dir(folder);
        if !dir.join("key.pem").exists() {
            make_local(&dir)?;
        }
        let (cert, key) = (
            Pem::File(dir.join("chain.pem")),
            Pem::File(dir.join("key.pem")),
        );
        Identity::read(&cert, &key, Origin::Local { dir })
    }

    /// Who signs, in a line: "CN=…, O=… (local, untrusted)".
    pub fn who(&self) -> String {
        match &self.origin {
            Origin::Supplied { .. } => self.subject.clone(),
            Origin::Local { .. } => format!("{} (local identity, untrusted)", self.subject),
        }
    }
}

/// An error text from the crypto layer, with anything that looks like PEM removed.
fn scrub(s: &str) -> String {
    if s.contains("-----BEGIN") || s.len() > 300 {
        "the key or certificate is not in a form it accepts".into()
    } else {
        s.to_string()
    }
}

/// The algorithm a signer certificate's key calls for.
fn alg_of(x: &X509Certificate<'_>) -> Option<SigningAlg> {
    use x509_parser::public_key::PublicKey;
    match x.public_key().parsed().ok()? {
        PublicKey::EC(p) => match p.key_size() {
            256 => Some(SigningAlg::Es256),
            384 => Some(SigningAlg::Es384),
            521 => Some(SigningAlg::Es512),
            _ => None,
        },
        PublicKey::RSA(r) if r.key_size() >= 2048 => Some(SigningAlg::Ps256),
        _ if x.public_key().algorithm.algorithm.to_id_string() == "1.3.101.112" => {
            Some(SigningAlg::Ed25519)
        }
        _ => None,
    }
}

/// Minimal PEM reading: the DER of each block of a label.
struct PemBlocks;

impl PemBlocks {
    fn parse_all(text: &[u8], label: &str) -> Vec<Vec<u8>> {
        x509_parser::pem::Pem::iter_from_buffer(text)
            .filter_map(Result::ok)
            .filter(|p| p.label == label)
            .map(|p| p.contents)
            .collect()
    }

    fn has_key(text: &[u8]) -> bool {
        x509_parser::pem::Pem::iter_from_buffer(text)
            .filter_map(Result::ok)
            .any(|p| p.label.ends_with("PRIVATE KEY"))
    }
}

/// What [`make_chain`] makes a chain for.
#[derive(Debug, Clone)]
pub struct Chain<'a> {
    /// The signer certificate's common name.
    pub signer: &'a str,
    /// Its organization (C2PA readers name the signer by it; `None` only to test a refusal).
    pub organization: Option<&'a str>,
    /// Valid from.
    pub not_before: std::time::SystemTime,
    /// Valid until.
    pub not_after: std::time::SystemTime,
}

/// A made certificate chain, as PEM.
pub struct Made {
    /// The signer certificate, then its CA's.
    pub chain: String,
    /// The CA's certificate alone (a trust anchor for `verify --trust`).
    pub ca: String,
    /// The signer's private key (PKCS #8).
    pub key: String,
}

/// Makes a CA and a signer certificate under it (EC P-256, digitalSignature and
/// emailProtection, as C2PA asks of a signer): the local identity, and test certificates.
pub fn make_chain(c: &Chain<'_>) -> Result<Made, ProvenanceError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    };
    let gen =
        |e: rcgen::Error| ProvenanceError::Identity(format!("cannot make a certificate: {e}"));
    let at = |t: std::time::SystemTime| {
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(secs)
    };
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(gen)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(gen)?;
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, format!("{} CA", c.signer));
    if let Some(o) = c.organization {
        ca.distinguished_name.push(DnType::OrganizationName, o);
    }
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    (ca.not_before, ca.not_after) = (at(c.not_before), at(c.not_after));
    let ca_cert = ca.self_signed(&ca_key).map_err(gen)?;
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(gen)?;
    let mut ee = CertificateParams::new(Vec::<String>::new()).map_err(gen)?;
    ee.distinguished_name = DistinguishedName::new();
    ee.distinguished_name.push(DnType::CommonName, c.signer);
    if let Some(o) = c.organization {
        ee.distinguished_name.push(DnType::OrganizationName, o);
    }
    ee.is_ca = IsCa::NoCa;
    ee.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    ee.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    ee.use_authority_key_identifier_extension = true;
    (ee.not_before, ee.not_after) = (at(c.not_before), at(c.not_after));
    let ee_cert = ee
        .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
        .map_err(gen)?;
    Ok(Made {
        chain: format!("{}{}", ee_cert.pem(), ca_cert.pem()),
        ca: ca_cert.pem(),
        key: key.serialize_pem(),
    })
}

/// Makes a local identity with [`make_chain`] (5 years), written to a temporary folder that is
/// then renamed into place, so two processes making one at once end with one identity, whole.
fn make_local(dir: &Path) -> Result<(), ProvenanceError> {
    let werr = |source: std::io::Error| ProvenanceError::Write {
        path: dir.display().to_string(),
        source,
    };
    let parent = dir.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(werr)?;
    let now = std::time::SystemTime::now();
    // A random id tells two machines' local identities apart; a path would put the client's
    // folder name into every file signed (and a campaign's name is not the signer's either).
    let id = blake3::hash(
        format!(
            "{:?} {} {:?}",
            now,
            std::process::id(),
            std::thread::current().id()
        )
        .as_bytes(),
    )
    .to_hex()[..8]
        .to_string();
    let made = make_chain(&Chain {
        signer: &format!("darkroom local signer {id}"),
        organization: Some("darkroom (local, untrusted)"),
        not_before: now - std::time::Duration::from_secs(3600),
        not_after: now + std::time::Duration::from_secs(5 * 365 * 86_400),
    })?;

    // Unique per process and per call: two threads of one process may make one at once.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = parent.join(format!(
        ".identity-{}-{seq}-{}",
        std::process::id(),
        blake3::hash(made.ca.as_bytes()).to_hex()
    ));
    std::fs::create_dir_all(&tmp).map_err(werr)?;
    let write = |name: &str, text: &str, private: bool| -> std::io::Result<()> {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(if private { 0o600 } else { 0o644 });
        }
        let _ = private;
        let mut f = o.open(tmp.join(name))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    };
    let r = write("chain.pem", &made.chain, false)
        .and_then(|()| write("ca.pem", &made.ca, false))
        .and_then(|()| write("key.pem", &made.key, true))
        .and_then(|()| write("README.txt", LOCAL_README, false));
    if let Err(e) = r {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(werr(e));
    }
    // Another process may have made it first: keep theirs (its files are whole).
    if std::fs::rename(&tmp, dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        if !dir.join("key.pem").exists() {
            return Err(werr(std::io::Error::other(
                "the folder could not be put in place",
            )));
        }
    }
    Ok(())
}

const LOCAL_README: &str = "\
This is darkroom's local signing identity for this folder: a CA (ca.pem) and a signer
certificate under it (chain.pem), with the signer's private key (key.pem, readable by you only).

darkroom signs the Content Credentials (C2PA manifests) of what it delivers here with it.
The manifests are valid and show any change made to a file after darkroom signed it, but
readers (contentcredentials.org/verify, Adobe's tools) show the signer as unknown or untrusted:
this CA is on no trust list.

To be shown as a trusted signer, get a C2PA signing certificate from a certificate authority
on the C2PA trust list (https://opensource.contentauthenticity.org/docs/signing/get-cert), then
name it in the campaign:

    [provenance]
    cert = \"chain.pem\"   # the signer certificate, then its CA's
    key = \"key.pem\"

or set DARKROOM_C2PA_CERT and DARKROOM_C2PA_KEY (a path, or the PEM text itself).
Keep key.pem private; removing this folder makes darkroom create a new identity.
";

/// A valid 1×1 PNG to prove an identity on.
fn tiny_png() -> Vec<u8> {
    // Signature, IHDR (1×1, 8-bit greyscale), IDAT (one black pixel), IEND.
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32(&c).to_be_bytes());
    };
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    // zlib: stored block of the two bytes (filter 0, pixel 0).
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_png_decodes() {
        // The proving image must be a PNG c2pa accepts; its CRCs and zlib stream are hand-made.
        let p = tiny_png();
        assert_eq!(crate::Format::sniff(&p), Some(crate::Format::Png));
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn debug_hides_the_key() {
        let dir = std::env::temp_dir().join(format!("dr-prov-dbg-{}", std::process::id()));
        let id = Identity::local(&dir).unwrap();
        let s = format!("{id:?}");
        assert!(s.contains("****") && !s.contains("PRIVATE"), "{s}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

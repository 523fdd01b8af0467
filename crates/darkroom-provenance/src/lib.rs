//! Content Credentials for what darkroom delivers: every PNG and JPEG leaves with a signed C2PA
//! manifest that says it was made by a generative model (IPTC `trainedAlgorithmicMedia`), by
//! which provider, model and model version, through which steps (finish, resize, extend, grade,
//! in-paint, typeset), from which draft — and keeps a vendor's own manifest as an ingredient
//! instead of stripping it. This crate owns the `c2pa` crate (signing and reading) and `rcgen`
//! (the local identity's certificates).
//!
//! - [`identity`]: who signs — the user's certificate chain and key, or a local identity made
//!   once per output folder that readers show as untrusted; checked before anything is spent.
//! - [`mod@sign`]: a [`Story`] (how the file was made) signed into the file's bytes.
//! - [`mod@verify`]: a file's manifest chain in plain words, valid / invalid / untrusted and why.
//! - [`tsa`]: RFC 3161 time-stamps from a time-stamp authority, so a signature outlives its
//!   certificate.
//! - [`meta`]: the metadata other tools read without C2PA: the AUTOMATIC1111 `parameters`
//!   text and an XMP packet with the IPTC digital source type.

pub mod identity;
pub mod meta;
pub mod sign;
pub mod tsa;
pub mod verify;

pub use identity::{Identity, Origin};
pub use sign::{sign, without_manifest, Part, Role, Signed, Source, Step, StepKind, Story};
pub use tsa::{Post, Tsa, TSA_VAR};
pub use verify::{verify, verify_stream, well_formed, xmp_source_type, State, TimeStamp, Verified};

/// The two file formats darkroom delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG: the manifest goes in a `caBX` chunk.
    Png,
    /// JPEG: the manifest goes in APP11 segments.
    Jpeg,
}

impl Format {
    /// The MIME type c2pa knows the format by.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
        }
    }

    /// The format of a file, from its first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else {
            None
        }
    }
}

/// What can go wrong with provenance. Messages name the file and never carry key material.
#[derive(Debug, thiserror::Error)]
pub enum ProvenanceError {
    /// A certificate or key file (or variable) cannot be read.
    #[error("cannot read {what} `{path}`: {source}")]
    Read {
        /// "certificate chain" or "private key".
        what: &'static str,
        /// The file, or `$VARIABLE`.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The certificate or key is not usable; the message says why and what would be.
    #[error("{0}")]
    Identity(String),
    /// The local identity's folder cannot be written.
    #[error("cannot write the local signing identity in `{path}`: {source}")]
    Write {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The time-stamp authority gave no usable token, after every try: nothing is signed.
    #[error("time-stamp authority `{url}` failed {tries} time(s): {why}; the file was not signed (set [provenance] tsa_url to one that answers, or remove it to sign without a time-stamp)")]
    TimeStamp {
        /// The TSA's URL.
        url: String,
        /// How many requests were sent.
        tries: u32,
        /// The last failure.
        why: String,
    },
    /// The C2PA library refused to sign or read.
    #[error("C2PA: {0}")]
    C2pa(String),
}

/// The crate's C2PA errors, flattened to text: c2pa's errors carry no key material.
pub(crate) fn c2pa_err(e: c2pa::Error) -> ProvenanceError {
    ProvenanceError::C2pa(e.to_string())
}

/// The software agent named in every manifest darkroom writes.
pub const AGENT: &str = "darkroom";
/// darkroom's version, as written in manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

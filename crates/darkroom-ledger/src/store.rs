//! The content-addressed asset store: bytes stored once under their blake3 hash,
//! `<root>/ab/cd/<hash>.<ext>`, written to a temporary file and renamed so a crash never leaves
//! a half-written asset under a valid name.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::LedgerError;

/// The store under a folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// The content hash the store files bytes under (blake3, hex), for ids made of content.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

impl Store {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    fn path_of(&self, hash: &str, ext: &str) -> PathBuf {
        self.root
            .join(&hash[0..2])
            .join(&hash[2..4])
            .join(format!("{hash}.{ext}"))
    }

    /// Stores bytes; returns `(hash, path)`. Storing the same bytes again writes nothing.
    pub fn put(&self, bytes: &[u8], ext: &str) -> Result<(String, PathBuf), LedgerError> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        let path = self.path_of(&hash, ext);
        if path.exists() {
            return Ok((hash, path));
        }
        let io = |p: &Path| {
            let path = p.display().to_string();
            move |source| LedgerError::Io { path, source }
        };
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        // One temporary name per call, not per process: two threads storing the same bytes at
        // once (three vision answers that all read "1: yes") must not write, then rename, one
        // shared file from under each other.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".{hash}.{}.{}.tmp",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        if let Err(e) = std::fs::write(&tmp, bytes) {
            // A full disk leaves a partial temporary: it is removed, not left to be found.
            let _ = std::fs::remove_file(&tmp);
            return Err(io(&dir)(e));
        }
        if let Err(e) = std::fs::rename(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            // Someone else stored the same bytes first: that is the same asset.
            if !path.exists() {
                return Err(io(&path)(e));
            }
        }
        Ok((hash, path))
    }

    /// The stored file for a hash (any extension), if there is one.
    pub fn find(&self, hash: &str) -> Option<PathBuf> {
        if hash.len() < 4 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let dir = self.root.join(&hash[0..2]).join(&hash[2..4]);
        let prefix = format!("{hash}.");
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .map(|e| e.path())
            .collect();
        found.sort();
        found.into_iter().next()
    }

    /// Whether an asset with this hash is stored (any extension).
    pub fn contains(&self, hash: &str) -> bool {
        if hash.len() < 4 {
            return false;
        }
        let dir = self.root.join(&hash[0..2]).join(&hash[2..4]);
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok).any(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(&format!("{hash}."))
                })
            })
            .unwrap_or(false)
    }

    /// Which of `hashes` the store has.
    pub fn present(
        &self,
        hashes: &[&str],
    ) -> Result<std::collections::HashSet<String>, LedgerError> {
        Ok(hashes
            .iter()
            .filter(|h| self.contains(h))
            .map(|h| h.to_string())
            .collect())
    }
}

//! The content-addressed asset store: bytes stored once under their blake3 hash,
//! `<root>/ab/cd/<hash>.<ext>`, written to a temporary file and renamed so a crash never leaves
//! a half-written asset under a valid name. With an S3-compatible bucket behind it
//! ([`Store::open`]), every asset is uploaded too, and the folder is a cache of the bucket.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::LedgerError;

/// The store under a folder, and the bucket behind it, if any.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    remote: Option<std::sync::Arc<crate::remote::Remote>>,
    /// Assets kept here whose upload failed (the bucket down for a moment): their bucket key and
    /// file, uploaded again by [`Store::flush_pending`]. A paid result is never failed for it.
    pending: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, PathBuf>>>,
}

/// The content hash the store files bytes under (blake3, hex), for ids made of content.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

impl Store {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store {
            root: root.into(),
            remote: None,
            pending: Default::default(),
        }
    }

    /// A store whose folder `root` caches the bucket `s3` (`s3://bucket/prefix`) when one is
    /// given; the bucket is reached once here, so a wrong key or an unreachable endpoint is said
    /// before anything is spent.
    pub fn open(root: impl Into<PathBuf>, s3: Option<&str>) -> Result<Store, LedgerError> {
        let remote = match s3 {
            Some(url) => Some(std::sync::Arc::new(crate::remote::Remote::open(url)?)),
            None => None,
        };
        Ok(Store {
            root: root.into(),
            remote,
            pending: Default::default(),
        })
    }

    /// The folder on this machine (the bucket's cache when there is one).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bucket's URL (`s3://bucket/prefix`), when the store has one.
    pub fn bucket(&self) -> Option<&str> {
        self.remote.as_ref().map(|r| r.url())
    }

    /// Uploads a file the campaign delivers (`rel`: its path in the output folder, e.g.
    /// `deliverables/hero/hero-1.png`) to the bucket; nothing without one.
    pub fn publish(&self, rel: &str, bytes: &[u8]) -> Result<(), LedgerError> {
        match &self.remote {
            Some(r) => r.put(&rel.replace('\\', "/"), bytes),
            None => Ok(()),
        }
    }

    /// What the bucket holds under the folder `rel` (e.g. `deliverables`), as paths below the
    /// prefix; nothing without a bucket.
    pub fn published(&self, rel: &str) -> Result<Vec<String>, LedgerError> {
        match &self.remote {
            Some(r) => r.keys(rel),
            None => Ok(Vec::new()),
        }
    }

    /// The bucket's key of an asset, below the prefix.
    fn key_of(hash: &str, ext: &str) -> String {
        format!("store/{}/{}/{hash}.{ext}", &hash[0..2], &hash[2..4])
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
        let path = self.write_local(&hash, ext, bytes)?;
        // Uploaded every time it is stored (the same key, the same bytes): a process killed
        // between its local write and its upload leaves nothing only it can see. A bucket that
        // fails now (down for a moment) does not fail the paid result, which is kept here: its
        // upload is queued and tried again ([`Store::flush_pending`]; every run's start uploads
        // what the bucket lacks too).
        if let Some(r) = &self.remote {
            let key = Store::key_of(&hash, ext);
            if r.put(&key, bytes).is_err() {
                self.pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, path.clone());
            }
        }
        Ok((hash, path))
    }

    /// How many kept assets still wait for their upload.
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Uploads the assets whose upload failed; the first failure stops it (the bucket is still
    /// down) and is returned, the rest stay queued.
    pub fn flush_pending(&self) -> Result<usize, LedgerError> {
        let Some(r) = &self.remote else {
            return Ok(0);
        };
        let queued: Vec<(String, PathBuf)> = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, p)| (k.clone(), p.clone()))
            .collect();
        let mut done = 0;
        for (key, path) in queued {
            let bytes = std::fs::read(&path).map_err(|source| LedgerError::Io {
                path: path.display().to_string(),
                source,
            })?;
            r.put(&key, &bytes)?;
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
            done += 1;
        }
        Ok(done)
    }

    fn write_local(&self, hash: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf, LedgerError> {
        let hash = hash.to_string();
        let path = self.path_of(&hash, ext);
        if path.exists() {
            return Ok(path);
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
        Ok(path)
    }

    /// The stored file for a hash (any extension), if there is one: in the folder, else fetched
    /// from the bucket into it.
    pub fn find(&self, hash: &str) -> Option<PathBuf> {
        if let Some(p) = self.find_local(hash) {
            return Some(p);
        }
        let name = self.remote_name(hash)?;
        let ext = name.rsplit_once('.').map_or("png", |(_, e)| e).to_string();
        let bytes = self
            .remote
            .as_ref()?
            .get(&Store::key_of(hash, &ext))
            .ok()??;
        self.write_local(hash, &ext, &bytes).ok()
    }

    /// Whether the store keeps its assets in a bucket (this machine's folder is then a cache).
    pub fn has_bucket(&self) -> bool {
        self.remote.is_some()
    }

    /// The file of an asset in this machine's folder, if it is there (the bucket not asked).
    pub fn find_local(&self, hash: &str) -> Option<PathBuf> {
        if !well_formed(hash) {
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

    /// The bucket's object name (`<hash>.<ext>`) for a hash, if the bucket has it.
    fn remote_name(&self, hash: &str) -> Option<String> {
        if !well_formed(hash) {
            return None;
        }
        self.remote
            .as_ref()?
            .names(&format!("store/{}/{}/", &hash[0..2], &hash[2..4]))
            .ok()?
            .into_iter()
            .find(|n| n.starts_with(&format!("{hash}.")))
    }

    /// Whether an asset with this hash is stored (any extension).
    pub fn contains(&self, hash: &str) -> bool {
        self.find_local(hash).is_some() || self.remote_name(hash).is_some()
    }

    /// Uploads every asset of the folder that the bucket lacks (after `darkroom move`, so that
    /// other machines find what this one bought); `(uploaded, already there, damaged)`, where a
    /// damaged file (its bytes not its name's hash) is left out. Nothing without a bucket.
    pub fn upload_local(&self) -> Result<(u64, u64, u64), LedgerError> {
        let Some(r) = &self.remote else {
            return Ok((0, 0, 0));
        };
        let there: std::collections::HashSet<String> = r.names("store/")?.into_iter().collect();
        let (mut uploaded, mut already, mut damaged) = (0, 0, 0);
        // `ab/cd/<hash>.<ext>`: two levels of folders; anything else in the folder (a stray
        // file) is nobody's asset.
        let entries = |p: &Path| -> Vec<PathBuf> {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect();
            v.sort();
            v
        };
        let files = entries(&self.root)
            .into_iter()
            .flat_map(|a| entries(&a))
            .flat_map(|b| entries(&b))
            .filter(|f| f.is_file());
        for f in files {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            // Temporaries of a write cut short start with a dot; they are nobody's asset.
            let Some((hash, ext)) = name.split_once('.').filter(|(h, _)| well_formed(h)) else {
                continue;
            };
            if there.contains(&name) {
                already += 1;
                continue;
            }
            let bytes = std::fs::read(&f).map_err(|source| LedgerError::Io {
                path: f.display().to_string(),
                source,
            })?;
            // A file whose bytes are not its name's is damaged: not spread to other machines.
            if content_hash(&bytes) != hash {
                damaged += 1;
                continue;
            }
            r.put(&Store::key_of(hash, ext), &bytes)?;
            uploaded += 1;
        }
        Ok((uploaded, already, damaged))
    }

    /// Which of `hashes` the store has.
    pub fn present(
        &self,
        hashes: &[&str],
    ) -> Result<std::collections::HashSet<String>, LedgerError> {
        let mut found: std::collections::HashSet<String> = hashes
            .iter()
            .filter(|h| self.find_local(h).is_some())
            .map(|h| h.to_string())
            .collect();
        // The rest from one listing of the bucket, not a request per hash.
        if let Some(r) = &self.remote {
            if found.len() < hashes.len() {
                let names = r.names("store/")?;
                let there: std::collections::HashSet<&str> = names
                    .iter()
                    .filter_map(|n| n.split_once('.').map(|(h, _)| h))
                    .collect();
                found.extend(
                    hashes
                        .iter()
                        .filter(|h| there.contains(*h))
                        .map(|h| h.to_string()),
                );
            }
        }
        Ok(found)
    }
}

/// Whether a hash can name a stored file (hex, long enough for its two folder levels).
fn well_formed(hash: &str) -> bool {
    hash.len() >= 4 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

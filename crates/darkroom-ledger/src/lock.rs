//! One run per campaign at a time: an exclusive lock on `<output>/darkroom.lock`, held for the
//! run's life. The lock is the operating system's (`flock`-style, through `std::fs::File`), so a
//! process that dies — even by SIGKILL — releases it, and no stale lock file ever needs clearing
//! by hand. The file's content (pid, host, since when) only says who holds it.
//!
//! Readers (`status`, `report`) never take it: SQLite's WAL lets them read while a run writes.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::LedgerError;

/// A held run lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: std::fs::File,
    path: PathBuf,
}

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// Host name.
    pub host: String,
    /// Unix seconds when it was taken.
    pub since: u64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ago = now().saturating_sub(self.since);
        write!(
            f,
            "pid {} on {} since {} ({} s ago)",
            self.pid,
            self.host,
            utc(self.since),
            ago
        )
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `YYYY-MM-DD HH:MM:SS UTC` from unix seconds (civil-from-days, Howard Hinnant's algorithm).
fn utc(t: u64) -> String {
    let (days, rem) = ((t / 86_400) as i64, t % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// This machine's name (for the lock holder line).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "this machine".into())
}

impl RunLock {
    /// Takes the lock of the campaign whose output folder is `dir`, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<RunLock, LedgerError> {
        let path = dir.join("darkroom.lock");
        let io = |source| LedgerError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(LedgerError::Locked {
                    path: path.display().to_string(),
                    holder: parse_holder(&text),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let me = Holder {
            pid: std::process::id(),
            host: host_name(),
            since: now(),
        };
        let line = format!("pid={}\nhost={}\nsince={}\n", me.pid, me.host, me.since);
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(line.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(RunLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Released by the OS when the file closes anyway; said explicitly for clarity.
        let _ = self.file.unlock();
    }
}

fn parse_holder(text: &str) -> Option<Holder> {
    let mut h = Holder {
        pid: 0,
        host: String::new(),
        since: 0,
    };
    for line in text.lines() {
        match line.split_once('=') {
            Some(("pid", v)) => h.pid = v.trim().parse().ok()?,
            Some(("host", v)) => h.host = v.trim().to_string(),
            Some(("since", v)) => h.since = v.trim().parse().ok()?,
            _ => {}
        }
    }
    (h.pid != 0).then_some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused_with_the_holder_and_freed_on_drop() {
        let dir = std::env::temp_dir().join(format!("darkroom-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = RunLock::acquire(&dir).unwrap();
        match RunLock::acquire(&dir) {
            Err(LedgerError::Locked {
                holder: Some(h), ..
            }) => {
                assert_eq!(h.pid, std::process::id());
                assert!(h.to_string().contains("UTC"), "{h}");
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(first);
        let again = RunLock::acquire(&dir).unwrap();
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn utc_dates_are_civil() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_796_083_200 - 86_400), "2026-11-30 00:00:00 UTC");
        assert_eq!(utc(951_825_600), "2000-02-29 12:00:00 UTC");
    }
}

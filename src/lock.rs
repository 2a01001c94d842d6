//! One writer at a time (SPEC §9): a writing command holds an exclusive OS lock on the
//! archive directory while it writes; readers hold a shared one. The lock is `flock(2)` on
//! the directory's own handle (std's `File::lock`), so no lock file is ever left behind and
//! the kernel releases it when the process dies, kill -9 included.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// A held lock on an archive directory, released when dropped.
#[derive(Debug)]
pub struct ArchiveLock {
    _dir: File,
}

/// Which lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A writer: nobody else may hold any lock.
    Exclusive,
    /// A reader: other readers may too, no writer.
    Shared,
}

/// How often a waiting command tries again.
const POLL: Duration = Duration::from_millis(50);

impl ArchiveLock {
    /// Takes the lock on `dir`, waiting up to `wait` for whoever holds it; then fails with
    /// [`Error::Locked`] (exit 4) naming the holder when it can be found.
    pub fn take(dir: &Path, mode: Mode, wait: Duration) -> Result<ArchiveLock> {
        let file = File::open(dir).map_err(|e| Error::io("open", dir, e))?;
        let deadline = Instant::now() + wait;
        let mut announced = false;
        loop {
            let tried = match mode {
                Mode::Exclusive => file.try_lock(),
                Mode::Shared => file.try_lock_shared(),
            };
            match tried {
                Ok(()) => return Ok(ArchiveLock { _dir: file }),
                Err(TryLockError::Error(e)) => return Err(Error::io("lock", dir, e)),
                Err(TryLockError::WouldBlock) if Instant::now() >= deadline => {
                    return Err(Error::Locked {
                        dir: dir.to_owned(),
                        holder: holder(dir),
                        waited: wait,
                    });
                }
                Err(TryLockError::WouldBlock) => {
                    if !announced {
                        tracing::warn!(
                            "`{}` is in use by {}; waiting up to {} s (--lock-wait)",
                            dir.display(),
                            holder(dir),
                            wait.as_secs()
                        );
                        announced = true;
                    }
                    std::thread::sleep(POLL);
                }
            }
        }
    }
}

/// Who holds a lock on `dir`: `desk-archive archive … (pid 123)` from `/proc/locks` on
/// Linux, else "another process".
fn holder(dir: &Path) -> String {
    holder_pid(dir)
        .map(|pid| match command_line(pid) {
            Some(cmd) => format!("`{cmd}` (pid {pid})"),
            None => format!("process {pid}"),
        })
        .unwrap_or_else(|| "another process".to_owned())
}

#[cfg(target_os = "linux")]
fn holder_pid(dir: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).ok()?;
    let inode = meta.ino();
    let me = std::process::id();
    // Lines like `1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF` (major:minor:inode).
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let pid: u32 = fields.get(4)?.parse().ok()?;
        let ino: u64 = fields.get(5)?.rsplit(':').next()?.parse().ok()?;
        (ino == inode && pid != me).then_some(pid)
    })
}

#[cfg(not(target_os = "linux"))]
fn holder_pid(_dir: &Path) -> Option<u32> {
    None
}

/// The first words of a process's command line (no arguments that could hold secrets:
/// only the program and its subcommand).
fn command_line(pid: u32) -> Option<String> {
    let raw = std::fs::read(PathBuf::from(format!("/proc/{pid}/cmdline"))).ok()?;
    let words: Vec<String> = raw
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .take(2)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    let program = Path::new(words.first()?).file_name()?.to_string_lossy();
    Some(match words.get(1) {
        Some(sub) => format!("{program} {sub}"),
        None => program.into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_then_fails_and_readers_share() {
        let dir = tempfile::tempdir().unwrap();
        let first = ArchiveLock::take(dir.path(), Mode::Exclusive, Duration::ZERO).unwrap();
        let second = ArchiveLock::take(dir.path(), Mode::Exclusive, Duration::from_millis(120));
        assert!(matches!(second, Err(Error::Locked { .. })), "{second:?}");
        drop(first);
        let r1 = ArchiveLock::take(dir.path(), Mode::Shared, Duration::ZERO).unwrap();
        let r2 = ArchiveLock::take(dir.path(), Mode::Shared, Duration::ZERO).unwrap();
        assert!(ArchiveLock::take(dir.path(), Mode::Exclusive, Duration::ZERO).is_err());
        drop((r1, r2));
        ArchiveLock::take(dir.path(), Mode::Exclusive, Duration::ZERO).unwrap();
    }
}

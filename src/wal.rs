//! The write-ahead list (SPEC §9): before the tool renames a file of primary evidence
//! (a record, a media object, coverage.json, the audit log) or a tag file into place, it
//! appends the file's name and SHA-256 to `DIR/desk-archive-wal.txt` and syncs that list.
//! A run killed before its manifests were written therefore leaves a list of exactly the
//! files it finished, and the next writing command takes those in instead of calling them
//! changes. The list is removed once the tag manifests of a run are in place, so it is
//! absent (empty) after a run that completed. It is not part of the bag: `verify` knows
//! its name and does not warn about it.
//!
//! Files of primary evidence the tool removes on purpose (`erase`, `prune`) are logged the
//! same way before they go, so that a run killed after removing them leaves no "missing"
//! evidence behind.
//!
//! Format: one line per file, `<sha256 hex>  <bag-relative path>`, like a manifest line;
//! a removal is `<sha256 hex of the removed bytes>  (removed) <bag-relative path>`.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// The write-ahead list's file name, beside the tag files.
pub const WAL_FILE: &str = "desk-archive-wal.txt";

/// What precedes the path of a removal line.
const REMOVED: &str = "(removed) ";

/// An open write-ahead list, shared by every writer of a run (cheap to clone).
#[derive(Debug, Clone)]
pub struct Wal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// Opened on the first append, so a run that writes no evidence leaves no file.
    file: Mutex<Option<File>>,
}

impl Wal {
    /// The write-ahead list of the archive in `dir` (not created until the first append).
    pub fn new(dir: &Path) -> Wal {
        Wal {
            inner: Arc::new(Inner {
                path: dir.join(WAL_FILE),
                file: Mutex::new(None),
            }),
        }
    }

    /// A list that records nothing, for writes outside an archive (tests, staging).
    pub fn disabled() -> Wal {
        Wal {
            inner: Arc::new(Inner {
                path: PathBuf::new(),
                file: Mutex::new(None),
            }),
        }
    }

    /// Appends `rel` with the SHA-256 of the bytes about to be renamed into place, and
    /// syncs the list: when this returns, a crash cannot lose the fact.
    pub fn append(&self, rel: &str, sha256: &[u8; 32]) -> Result<()> {
        if self.inner.path.as_os_str().is_empty() {
            return Ok(());
        }
        let line = format!("{}  {rel}\n", crate::digest::to_hex(sha256));
        self.write_synced(line.as_bytes())
    }

    /// Logs (and syncs) that the file `rel`, holding bytes of this SHA-256, is about to be
    /// removed on purpose: call before removing it.
    pub fn append_removed(&self, rel: &str, sha256: &[u8; 32]) -> Result<()> {
        self.append(&format!("{REMOVED}{rel}"), sha256)
    }

    /// [`append`](Wal::append) for many files at once, with one sync.
    pub fn append_all<'a>(
        &self,
        files: impl IntoIterator<Item = (&'a str, &'a [u8; 32])>,
    ) -> Result<()> {
        if self.inner.path.as_os_str().is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for (rel, sha256) in files {
            text.push_str(&crate::digest::to_hex(sha256));
            text.push_str("  ");
            text.push_str(rel);
            text.push('\n');
        }
        if text.is_empty() {
            return Ok(());
        }
        self.write_synced(text.as_bytes())
    }

    fn write_synced(&self, bytes: &[u8]) -> Result<()> {
        let mut guard = self.inner.file.lock().unwrap_or_else(|p| p.into_inner());
        let io = |e| Error::io("write", &self.inner.path, e);
        if guard.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.inner.path)
                .map_err(io)?;
            *guard = Some(file);
        }
        if let Some(file) = guard.as_mut() {
            file.write_all(bytes).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        Ok(())
    }

    /// Removes the list: called once the tag manifests cover every file it names.
    pub fn clear(&self) -> Result<()> {
        if self.inner.path.as_os_str().is_empty() {
            return Ok(());
        }
        let mut guard = self.inner.file.lock().unwrap_or_else(|p| p.into_inner());
        *guard = None;
        match fs::remove_file(&self.inner.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("remove", &self.inner.path, e)),
        }
    }
}

/// What an earlier run's list says it finished: for each path, every SHA-256 it logged
/// (a file may have been written more than once).
#[derive(Debug, Default)]
pub struct Finished {
    files: HashMap<String, Vec<[u8; 32]>>,
    /// Files removed on purpose, with the SHA-256 they had.
    removed: HashMap<String, Vec<[u8; 32]>>,
}

impl Finished {
    /// Reads the list left in `dir`, if any. A torn last line (a crash mid-append) is
    /// ignored: its rename had not happened yet.
    pub fn read(dir: &Path) -> Finished {
        let mut finished = Finished::default();
        let Ok(text) = fs::read_to_string(dir.join(WAL_FILE)) else {
            return finished;
        };
        for line in text.lines() {
            let Some((hex, rel)) = line.split_once("  ") else {
                continue;
            };
            let mut sha = [0u8; 32];
            if hex::decode_to_slice(hex, &mut sha).is_err() {
                continue;
            }
            let (map, rel) = match rel.strip_prefix(REMOVED) {
                Some(rel) => (&mut finished.removed, rel),
                None => (&mut finished.files, rel),
            };
            map.entry(rel.to_owned()).or_default().push(sha);
        }
        finished
    }

    /// Whether the tool itself finished `rel` with these bytes.
    pub fn vouches(&self, rel: &str, sha256: &[u8; 32]) -> bool {
        self.files.get(rel).is_some_and(|v| v.contains(sha256))
    }

    /// Whether the tool finished some file with exactly these bytes: a file it moved to a
    /// new name (a stem migration) is not missing.
    pub fn has_content(&self, sha256: &[u8; 32]) -> bool {
        self.files.values().any(|v| v.contains(sha256))
    }

    /// Whether the tool removed `rel`, holding these bytes, on purpose.
    pub fn removed(&self, rel: &str, sha256: &[u8; 32]) -> bool {
        self.removed.get(rel).is_some_and(|v| v.contains(sha256))
    }

    /// Whether the tool finished `rel` at all (with any content).
    pub fn names(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    /// Whether the list is empty (the last run completed).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.removed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_entries_are_read_back_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let wal = Wal::new(dir.path());
        assert!(!dir.path().join(WAL_FILE).exists());
        wal.append("data/records/a.json", &[1; 32]).unwrap();
        wal.append("data/coverage.json", &[2; 32]).unwrap();
        wal.append_removed("data/media/ab/x.png", &[3; 32]).unwrap();
        // A torn line, as a crash mid-append leaves it.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(WAL_FILE))
            .unwrap();
        f.write_all(b"0102").unwrap();
        let finished = Finished::read(dir.path());
        assert!(finished.removed("data/media/ab/x.png", &[3; 32]));
        assert!(!finished.removed("data/media/ab/x.png", &[4; 32]));
        assert!(!finished.names("data/media/ab/x.png"));
        assert!(finished.vouches("data/records/a.json", &[1; 32]));
        assert!(!finished.vouches("data/records/a.json", &[2; 32]));
        assert!(finished.names("data/coverage.json"));
        wal.clear().unwrap();
        assert!(!dir.path().join(WAL_FILE).exists());
        assert!(Finished::read(dir.path()).is_empty());
    }
}

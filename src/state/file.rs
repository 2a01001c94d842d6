//! The state tag file `desk-archive-state.json`: the hash cache that spares `write_bag`
//! from re-reading every payload file on every run.
//!
//! # Format
//!
//! A UTF-8 JSON object, written with one cache entry per line so that it diffs well:
//!
//! ```text
//! {
//!   "format": "desk-archive-state",
//!   "version": 1,
//!   "hashes": {
//!     "data/index.html": {"size": 5120, "sha256": "…", "sha512": "…"},
//!     …
//!   },
//!   "sessions": {
//!     "<stem>": {"session_id": "…", "record": "<sha256>", "inputs": "<sha256>", …},
//!     …
//!   },
//!   "index": {"inputs": "<sha256>", "files": "<sha256>"}
//! }
//! ```
//!
//! - `format` and `version` identify the file; a reader that does not know the version
//!   ignores the whole cache (it is only a cache).
//! - `hashes` maps each payload file's path relative to the bag (as in the manifests, not
//!   percent-encoded) to its `size` in bytes and its lowercase hex `sha256` and `sha512`
//!   digests. Keys are sorted by byte order.
//! - `sessions` maps each rendered session's stem to what the render cache needs to skip
//!   it next time (see [`entry`](super::entry)): its SessionId, the SHA-256 of the record
//!   its pages were made from, the fingerprint of the pages' inputs, its first message
//!   time, and its figures (`stats` as in stats.json, `hours`, `media`). Sorted by stem.
//!   Version 2 files (without it) are read as an empty render cache.
//! - `index` (optional, after `sessions`; added within version 3, which older readers
//!   ignore) is the [`IndexMark`] of the index pages the last render left: the
//!   fingerprint of everything they were built from (`inputs`) and of the files themselves
//!   (`files`: their paths and SHA-256), both lowercase hex. A file without it, or with a
//!   malformed one, has the index rebuilt by the next render.
//!
//! The file holds nothing that depends on where or when the bag was written (no mtimes,
//! no inodes), so the same records and options give byte-identical bags, state file
//! included. Freshness comes from the file system instead: a cached hash is reused only
//! when the size matches and the file was last modified strictly before this state file
//! was (every file we write, we write before the state file; a file changed afterwards,
//! or within the same timestamp tick — git's "racy" entries — is hashed again).
//! `verify` never reads this file, except to check it against the tag manifests.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

use super::entry::KnownFiles;
use super::mark::IndexMark;
use super::store::SessionStore;
use super::{Stamp, StatCache};
use crate::digest::{Digests, to_hex};
use crate::error::Result;
use crate::fsutil::WriteOutcome;
use crate::wal::Finished;

/// The state file's name, beside the tag files.
pub const STATE_FILE: &str = "desk-archive-state.json";

const FORMAT: &str = "desk-archive-state";
const VERSION: u32 = 3;

/// One cache entry, as written.
#[derive(Debug, Serialize)]
struct Stored {
    size: u64,
    sha256: String,
    sha512: String,
}

/// One cache entry, as read: the hex decoded while parsing, so that no copy of the file's
/// 30,000 pairs of hex strings is held (a no-op run over 10,000 sessions peaked at 71 MB).
#[derive(Debug, Deserialize)]
struct Entry {
    size: u64,
    #[serde(deserialize_with = "crate::digest::hex_array")]
    sha256: [u8; 32],
    #[serde(deserialize_with = "crate::digest::hex_array")]
    sha512: [u8; 64],
}

#[derive(Deserialize)]
struct StoredFile<'a> {
    format: String,
    version: u32,
    hashes: HashMap<String, Entry>,
    /// Each session's entry as it stands in the file: copied to a [`SessionStore`] and
    /// parsed only when the render asks for it (10,000 parsed entries held at once were
    /// half of a no-op run's memory).
    #[serde(default, borrow)]
    sessions: std::collections::BTreeMap<String, &'a serde_json::value::RawValue>,
    /// The index mark, parsed on its own so that a malformed one costs only the index.
    #[serde(default, borrow)]
    index: Option<&'a serde_json::value::RawValue>,
}

impl StoredFile<'_> {
    fn index_mark(&self) -> Option<IndexMark> {
        IndexMark::from_json(self.index?.get())
    }
}

/// The hash cache as loaded from a bag.
#[derive(Debug, Default)]
pub struct Cache {
    entries: HashMap<String, Entry>,
    /// The state file's own mtime: entries not strictly older are not trusted.
    written_ns: i64,
    /// The stamps the files had when these checksums were right (kept outside the bag).
    stamps: StatCache,
    /// The index pages the last render left.
    index: Option<IndexMark>,
}

impl Cache {
    #[cfg(test)]
    /// Loads the hash cache of the bag in `dir` as if its tag manifest vouched for it, with
    /// these stamps in place of the stat cache.
    pub(crate) fn load_with(dir: &Path, stamps: &[(&str, Stamp)]) -> Cache {
        let bytes = fs::read(dir.join(STATE_FILE)).unwrap_or_default();
        let stored: Option<StoredFile<'_>> = serde_json::from_slice(&bytes).ok();
        let written_ns = fs::metadata(dir.join(STATE_FILE)).map_or(0, |m| Stamp::of(&m).mtime_ns);
        Cache {
            index: stored.as_ref().and_then(StoredFile::index_mark),
            entries: stored.map(|s| s.hashes).unwrap_or_default(),
            written_ns,
            stamps: StatCache::with(stamps),
        }
    }

    /// The mark of the index pages the last render left, if the state file has one.
    pub fn index_mark(&self) -> Option<IndexMark> {
        self.index
    }

    /// The cached digests of `rel`, if its stamp (size, mtime, ctime, inode, device) is the
    /// one the stat cache recorded and the file is older than the state file (not racy).
    pub fn get(&self, rel: &str, stamp: &Stamp) -> Option<Digests> {
        let entry = self.entries.get(rel)?;
        let trusted = entry.size == stamp.size
            && stamp.mtime_ns < self.written_ns
            && self.stamps.matches(rel, stamp);
        trusted.then_some(Digests {
            sha256: entry.sha256,
            sha512: entry.sha512,
        })
    }
}

/// Loads the state file of the bag in `dir`: the hash cache and the render cache's
/// sessions (in a [`SessionStore`] beside the bag, `None` when there are none or the store
/// cannot be made). A missing, unreadable or malformed state file gives empty caches (with
/// a warning when it exists but cannot be used): the cost is only re-hashing and
/// re-rendering. Version 2 files give their hashes and no sessions. A session entry that
/// is malformed is found when it is read, and that session is rendered again.
pub fn load(dir: &Path, finished: &Finished) -> (Cache, Option<SessionStore>) {
    let path = dir.join(STATE_FILE);
    let (bytes, meta) = match (fs::read(&path), fs::metadata(&path)) {
        (Ok(bytes), Ok(meta)) => (bytes, meta),
        _ => return Default::default(),
    };
    // SPEC §9: used only when the tag manifest vouches for it (or, after a crash, the
    // write-ahead list: the run that wrote it did not get to its tag manifest).
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    if !finished.vouches(STATE_FILE, &sha256) && !tag_manifest_lists(dir, STATE_FILE, &sha256) {
        tracing::warn!(
            "ignoring `{}`: it does not match the tag manifest; every file is hashed again",
            path.display()
        );
        return Default::default();
    }
    let stored: StoredFile<'_> = match serde_json::from_slice(&bytes) {
        Ok(stored) => stored,
        Err(e) => {
            tracing::warn!("ignoring the hash cache in `{}`: {e}", path.display());
            return Default::default();
        }
    };
    if stored.format != FORMAT || !(2..=VERSION).contains(&stored.version) {
        tracing::warn!(
            "ignoring the hash cache in `{}`: unknown version",
            path.display()
        );
        return Default::default();
    }
    let cache = Cache {
        index: stored.index_mark(),
        entries: stored.hashes,
        written_ns: Stamp::of(&meta).mtime_ns,
        stamps: StatCache::load(dir),
    };
    if stored.sessions.is_empty() {
        return (cache, None);
    }
    let sessions = match store_sessions(dir, &stored.sessions) {
        Ok(store) => Some(store),
        Err(e) => {
            tracing::warn!("every session will be rendered again: {e}");
            None
        }
    };
    (cache, sessions)
}

/// Whether `tagmanifest-sha256.txt` in `dir` lists `name` with this SHA-256.
pub fn tag_manifest_lists(dir: &Path, name: &str, sha256: &[u8; 32]) -> bool {
    let Ok(text) = fs::read_to_string(dir.join("tagmanifest-sha256.txt")) else {
        return false;
    };
    let hex = to_hex(sha256);
    text.lines()
        .filter_map(|line| line.split_once(|c: char| c.is_whitespace()))
        .any(|(sum, file)| file.trim_start().trim_start_matches('*') == name && sum == hex)
}

fn store_sessions(
    dir: &Path,
    sessions: &std::collections::BTreeMap<String, &serde_json::value::RawValue>,
) -> Result<SessionStore> {
    let mut store = SessionStore::new(dir)?;
    let mut buf = Vec::new();
    let slots = sessions
        .iter()
        .map(|(stem, entry)| store.put_json(stem, entry.get().as_bytes(), &mut buf))
        .collect::<Result<Vec<_>>>()?;
    store.seal(slots);
    Ok(store)
}

impl KnownFiles for Cache {
    fn sha256(&self, rel: &str, path: &Path) -> Option<[u8; 32]> {
        let meta = fs::metadata(path).ok().filter(|m| m.is_file())?;
        self.get(rel, &Stamp::of(&meta)).map(|d| d.sha256)
    }

    fn index_mark(&self) -> Option<IndexMark> {
        self.index
    }
}

/// Writes the state file for `entries` (sorted by path), the rendered `sessions` (sorted
/// by stem) and the index pages' mark, streamed, unless unchanged.
pub fn write<'a>(
    dir: &Path,
    entries: impl Iterator<Item = io::Result<(&'a str, u64, Digests)>>,
    sessions: &SessionStore,
    index: Option<&IndexMark>,
) -> Result<WriteOutcome> {
    let mut entry = Vec::new();
    crate::fsutil::write_streamed(&dir.join(STATE_FILE), |out| {
        write!(
            out,
            "{{\n  \"format\": \"{FORMAT}\",\n  \"version\": {VERSION},\n  \"hashes\": {{"
        )?;
        let mut first = true;
        for entry in entries {
            let (rel, size, digests) = entry?;
            out.write_all(if first { b"\n    " } else { b",\n    " })?;
            first = false;
            serde_json::to_writer(&mut *out, rel).map_err(io::Error::from)?;
            out.write_all(b": ")?;
            let stored = Stored {
                size,
                sha256: to_hex(&digests.sha256),
                sha512: to_hex(&digests.sha512),
            };
            serde_json::to_writer(&mut *out, &stored).map_err(io::Error::from)?;
        }
        out.write_all(if first {
            b"},\n  \"sessions\": {"
        } else {
            b"\n  },\n  \"sessions\": {"
        })?;
        for (i, slot) in sessions.slots().iter().enumerate() {
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            serde_json::to_writer(&mut *out, slot.stem()).map_err(io::Error::from)?;
            out.write_all(b": ")?;
            let json = sessions
                .entry_json(i, &mut entry)
                .map_err(io::Error::other)?;
            out.write_all(json)?;
        }
        out.write_all(if sessions.is_empty() { b"}" } else { b"\n  }" })?;
        if let Some(mark) = index {
            write!(out, ",\n  \"index\": {}", mark.to_json())?;
        }
        out.write_all(b"\n}\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_racy_entries() {
        let dir = tempfile::tempdir().unwrap();
        let digests = Digests {
            sha256: [1; 32],
            sha512: [2; 64],
        };
        let old = Stamp {
            size: 3,
            mtime_ns: 1_000_000_000,
            ctime_ns: 1_000_000_000,
            inode: 7,
            device: 1,
        };
        let future = Stamp {
            size: 3,
            mtime_ns: i64::MAX,
            ctime_ns: i64::MAX,
            inode: 8,
            device: 1,
        };
        let items = [
            Ok(("data/a \"q\".txt", old.size, digests)),
            Ok(("data/b.txt", future.size, digests)),
        ];
        let none = SessionStore::new(dir.path()).unwrap();
        write(dir.path(), items.into_iter(), &none, None).unwrap();
        let text = fs::read_to_string(dir.path().join(STATE_FILE)).unwrap();
        assert!(
            text.starts_with("{\n  \"format\": \"desk-archive-state\",\n"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 9);
        let cache = Cache::load_with(
            dir.path(),
            &[("data/a \"q\".txt", old), ("data/b.txt", future)],
        );
        assert_eq!(cache.get("data/a \"q\".txt", &old), Some(digests));
        assert_eq!(
            cache.get("data/a \"q\".txt", &Stamp { size: 4, ..old }),
            None
        );
        // A same-size edit back-dated with touch still changes the ctime: not trusted.
        let touched = Stamp {
            ctime_ns: 2_000_000_000,
            ..old
        };
        assert_eq!(cache.get("data/a \"q\".txt", &touched), None);
        assert!(!text.contains("mtime") && !text.contains("inode"), "{text}");
        // Modified no earlier than the state file was written: not trusted.
        assert_eq!(cache.get("data/b.txt", &future), None);
    }

    #[test]
    fn the_index_mark_round_trips_and_is_optional() {
        let dir = tempfile::tempdir().unwrap();
        let none = SessionStore::new(dir.path()).unwrap();
        let items = || [Ok(("data/a.txt", 1, Digests::of(b"a")))].into_iter();
        let mark = IndexMark {
            inputs: [3; 32],
            files: [4; 32],
        };
        write(dir.path(), items(), &none, Some(&mark)).unwrap();
        let text = fs::read_to_string(dir.path().join(STATE_FILE)).unwrap();
        assert!(
            text.contains("\"sessions\": {},\n  \"index\": {\"inputs\": \"0303")
                && text.ends_with("0404\"}\n}\n"),
            "{text}"
        );
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
        let cache = Cache::load_with(dir.path(), &[]);
        assert_eq!(cache.index_mark(), Some(mark));
        assert_eq!(KnownFiles::index_mark(&cache), Some(mark));
        // A file without it (as earlier versions wrote): no mark, everything else kept.
        write(dir.path(), items(), &none, None).unwrap();
        let cache = Cache::load_with(dir.path(), &[]);
        assert_eq!((cache.index_mark(), cache.entries.len()), (None, 1));
        // A malformed mark costs only the mark.
        let broken = text.replace("\"files\": \"0404", "\"files\": \"zz04");
        fs::write(dir.path().join(STATE_FILE), broken).unwrap();
        let cache = Cache::load_with(dir.path(), &[]);
        assert_eq!((cache.index_mark(), cache.entries.len()), (None, 1));
    }

    #[test]
    fn empty_and_broken_files_give_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        let none = SessionStore::new(dir.path()).unwrap();
        write(dir.path(), std::iter::empty(), &none, None).unwrap();
        let text = fs::read_to_string(dir.path().join(STATE_FILE)).unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "{text}"
        );
        fs::write(dir.path().join(STATE_FILE), "{").unwrap();
        assert!(Cache::load_with(dir.path(), &[]).entries.is_empty());
        // Not vouched for by a tag manifest: ignored.
        write(dir.path(), std::iter::empty(), &none, None).unwrap();
        assert!(load(dir.path(), &Finished::default()).0.entries.is_empty());
    }
}

//! Every session of a render, kept in a temporary file rather than in memory (SPEC §6:
//! per-session state is a few hundred bytes; the benchmark holds the 10,000-session
//! render's peak memory to 1.2× the 1,000-session one plus 1 KB a session).
//!
//! A render leaves, for each session, its figures (for the index, stats.json and the
//! state file) and the digests of the files it wrote (for the bag): about 1.5 KB once
//! parsed, which for 10,000 sessions was 20 MB of the render's 50 MB peak. The store
//! writes each entry to an anonymous temporary file as the session is finished and keeps
//! only its stem and where it lies; readers take entries back one at a time.
//!
//! An entry is laid out as:
//!
//! ```text
//! flags: u8                       bit 0: files written this run; bit 1: a Markdown page
//! [record, html, (md)]            when bit 0: size (u64 LE), SHA-256, SHA-512 each
//! JSON                            the session's state-file entry (cache::write_entry)
//! ```
//!
//! The JSON is exactly what the state file holds for the session, so writing the state
//! file copies it.
//!
//! The temporary file lives in the archive's folder (same file system as the output, which
//! has room for it, unlike a RAM-backed `/tmp`) and has no name there: nothing is left
//! behind if the run is killed.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::SessionSummary;
use super::entry::{self as cache, Rendered, WrittenFiles};
use crate::digest::{Digests, FileDigests};
use crate::error::{Error, Result};

const WRITTEN: u8 = 1;
const MARKDOWN: u8 = 2;
/// Size of one file's digests in an entry: size, SHA-256, SHA-512.
const DIGESTS_LEN: usize = 8 + 32 + 64;

/// Where one session's entry lies in the temporary file.
#[derive(Debug)]
pub struct Slot {
    stem: Box<str>,
    at: u64,
    len: u32,
    /// The entry holds the digests of files written this run (read only then).
    written: bool,
}

impl Slot {
    /// The session's stem.
    pub fn stem(&self) -> &str {
        &self.stem
    }
}

/// The sessions of a render, sorted by stem, their entries in a temporary file.
pub struct SessionStore {
    file: File,
    /// For error messages: the folder the temporary file lives in.
    dir: PathBuf,
    end: AtomicU64,
    slots: Vec<Slot>,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("sessions", &self.slots.len())
            .finish()
    }
}

impl SessionStore {
    /// An empty store whose temporary file lives in `dir`.
    pub fn new(dir: &Path) -> Result<SessionStore> {
        let file = tempfile::tempfile_in(dir)
            .map_err(|e| Error::io("create a temporary file in", dir, e))?;
        Ok(SessionStore {
            file,
            dir: dir.to_owned(),
            end: AtomicU64::new(0),
            slots: Vec::new(),
        })
    }

    /// A store holding `sessions` (in any order).
    pub fn from_rendered(
        dir: &Path,
        sessions: impl IntoIterator<Item = Box<Rendered>>,
    ) -> Result<SessionStore> {
        let mut store = SessionStore::new(dir)?;
        let mut buf = Vec::new();
        let slots = sessions
            .into_iter()
            .map(|s| store.put(&s, &mut buf))
            .collect::<Result<Vec<_>>>()?;
        store.seal(slots);
        Ok(store)
    }

    /// Writes `rendered`'s entry (`buf` is scratch space, reused by the caller); the slot
    /// returned goes to [`SessionStore::seal`]. Callable from many threads at once.
    pub fn put(&self, rendered: &Rendered, buf: &mut Vec<u8>) -> Result<Slot> {
        buf.clear();
        match &rendered.written {
            Some(w) => {
                buf.push(WRITTEN | if w.md.is_some() { MARKDOWN } else { 0 });
                for d in [Some(w.record), Some(w.html), w.md].into_iter().flatten() {
                    buf.extend_from_slice(&d.size.to_le_bytes());
                    buf.extend_from_slice(&d.digests.sha256);
                    buf.extend_from_slice(&d.digests.sha512);
                }
            }
            None => buf.push(0),
        }
        cache::write_entry(&mut *buf, rendered).map_err(|e| self.error("write", e.into()))?;
        self.append(&rendered.summary.stem, buf, rendered.written.is_some())
    }

    /// Appends one whole entry (header and JSON) and returns its slot.
    fn append(&self, stem: &str, entry: &[u8], written: bool) -> Result<Slot> {
        let len = u32::try_from(entry.len())
            .map_err(|_| self.error("write", io::Error::other("entry over 4 GiB")))?;
        let at = self.end.fetch_add(entry.len() as u64, Ordering::Relaxed);
        write_all_at(&self.file, entry, at).map_err(|e| self.error("write", e))?;
        Ok(Slot {
            stem: stem.into(),
            at,
            len,
            written,
        })
    }

    /// Writes the entry of a session that holds no written files, from its state-file JSON
    /// as the state file holds it (checked only when read back).
    pub fn put_json(&self, stem: &str, json: &[u8], buf: &mut Vec<u8>) -> Result<Slot> {
        buf.clear();
        buf.push(0);
        buf.extend_from_slice(json);
        self.append(stem, buf, false)
    }

    /// Copies session `i` of `other` as it stands (a session reused from the last render).
    pub fn copy_from(&self, other: &SessionStore, i: usize, buf: &mut Vec<u8>) -> Result<Slot> {
        other.read(i, buf)?;
        let slot = &other.slots[i];
        self.append(&slot.stem, buf, slot.written)
    }

    /// Takes the slots of every entry written, sorted here by stem.
    pub fn seal(&mut self, mut slots: Vec<Slot>) {
        slots.sort_unstable_by(|a, b| a.stem.cmp(&b.stem));
        self.slots = slots;
    }

    /// How many sessions.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The slots, sorted by stem.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The index of the session with this stem.
    pub fn find(&self, stem: &str) -> Option<usize> {
        self.slots.binary_search_by(|s| (*s.stem).cmp(stem)).ok()
    }

    /// The whole entry of session `i`.
    fn read(&self, i: usize, buf: &mut Vec<u8>) -> Result<()> {
        let slot = &self.slots[i];
        buf.clear();
        buf.resize(slot.len as usize, 0);
        read_exact_at(&self.file, buf, slot.at).map_err(|e| self.error("read", e))
    }

    /// Session `i` as the render left it.
    pub fn get(&self, i: usize) -> Result<Rendered> {
        let mut buf = Vec::new();
        self.read(i, &mut buf)?;
        let (written, json) = self.split(&buf)?;
        let stored: cache::Stored =
            serde_json::from_slice(json).map_err(|e| self.error("read", e.into()))?;
        let mut rendered = stored.into_rendered(self.slots[i].stem.to_string());
        rendered.written = written.map(Box::new);
        Ok(rendered)
    }

    /// What the render needs of session `i` to decide whether to reuse it.
    pub fn head(&self, i: usize) -> Result<cache::StoredHead> {
        let mut buf = Vec::new();
        let json = self.entry_json(i, &mut buf)?;
        serde_json::from_slice(json).map_err(|e| self.error("read", e.into()))
    }

    /// Session `i`'s summary.
    pub fn summary(&self, i: usize) -> Result<SessionSummary> {
        self.get(i).map(|r| r.summary)
    }

    /// The files session `i` wrote on this run, if it was rendered (not reused).
    pub fn written(&self, i: usize) -> Result<Option<WrittenFiles>> {
        let slot = &self.slots[i];
        if !slot.written {
            return Ok(None);
        }
        let mut head = [0u8; 1 + 3 * DIGESTS_LEN];
        let len = head.len().min(slot.len as usize);
        read_exact_at(&self.file, &mut head[..len], slot.at).map_err(|e| self.error("read", e))?;
        Ok(self.split(&head[..len])?.0)
    }

    /// Session `i`'s state-file entry (one JSON object), read into `buf`.
    pub fn entry_json<'b>(&self, i: usize, buf: &'b mut Vec<u8>) -> Result<&'b [u8]> {
        self.read(i, buf)?;
        let header = self.header_len(buf)?;
        Ok(&buf[header..])
    }

    fn header_len(&self, entry: &[u8]) -> Result<usize> {
        match entry.first() {
            Some(&flags) if flags & WRITTEN != 0 => {
                let files = if flags & MARKDOWN != 0 { 3 } else { 2 };
                Ok(1 + files * DIGESTS_LEN)
            }
            Some(_) => Ok(1),
            None => Err(self.error("read", io::Error::other("empty entry"))),
        }
    }

    /// The written files and the JSON of an entry (the JSON may be cut short when only
    /// the head was read).
    fn split<'b>(&self, entry: &'b [u8]) -> Result<(Option<WrittenFiles>, &'b [u8])> {
        let header = self.header_len(entry)?;
        let short = || self.error("read", io::Error::other("entry cut short"));
        if header == 1 {
            return Ok((None, &entry[1..]));
        }
        let head = entry.get(1..header).ok_or_else(short)?;
        let mut files = head.chunks_exact(DIGESTS_LEN).map(file_digests);
        let (Some(record), Some(html)) = (files.next(), files.next()) else {
            return Err(short());
        };
        let written = WrittenFiles {
            record,
            html,
            md: files.next(),
        };
        Ok((Some(written), &entry[header..]))
    }

    fn error(&self, action: &'static str, e: io::Error) -> Error {
        let action = match action {
            "write" => "keep a rendered session in a temporary file in",
            _ => "read a rendered session back from a temporary file in",
        };
        Error::io(action, &self.dir, e)
    }
}

/// Positional I/O on the shared file: many threads write and read it at once, each at its
/// own offset, so no shared cursor is used.
#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut buf: &[u8], mut at: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_write(file, buf, at)? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => (buf, at) = (&buf[n..], at + n as u64),
        }
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => (buf, at) = (&mut std::mem::take(&mut buf)[n..], at + n as u64),
        }
    }
    Ok(())
}

fn file_digests(bytes: &[u8]) -> FileDigests {
    let mut size = [0u8; 8];
    let mut sha256 = [0u8; 32];
    let mut sha512 = [0u8; 64];
    size.copy_from_slice(&bytes[..8]);
    sha256.copy_from_slice(&bytes[8..40]);
    sha512.copy_from_slice(&bytes[40..DIGESTS_LEN]);
    FileDigests {
        size: u64::from_le_bytes(size),
        digests: Digests { sha256, sha512 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::SessionStats;

    fn rendered(stem: &str, written: Option<WrittenFiles>) -> Rendered {
        let mut stats = SessionStats::default();
        stats.messages.total = stem.len() as u64;
        stats.first_message_ms = Some(-7);
        stats.messages_by_hour[3] = 9;
        Rendered {
            summary: SessionSummary {
                session_id: format!("id \"{stem}\""),
                stem: stem.to_owned(),
                stats,
                media: None,
            },
            first_ms: Some(-7),
            record: [1; 32],
            inputs: [2; 32],
            written: written.map(Box::new),
        }
    }

    fn digests(n: u8) -> FileDigests {
        FileDigests {
            size: u64::from(n) << 40,
            digests: Digests {
                sha256: [n; 32],
                sha512: [n + 1; 64],
            },
        }
    }

    #[test]
    fn entries_come_back_as_they_went_in_sorted_by_stem() {
        let dir = tempfile::tempdir().unwrap();
        let with_md = WrittenFiles {
            record: digests(1),
            html: digests(2),
            md: Some(digests(3)),
        };
        let without_md = WrittenFiles {
            md: None,
            ..with_md
        };
        let sessions = [
            rendered("zz", Some(with_md)),
            rendered("a", None),
            rendered("mm", Some(without_md)),
        ];
        let boxed = sessions.iter().cloned().map(Box::new);
        let store = SessionStore::from_rendered(dir.path(), boxed).unwrap();
        // Nothing is left in the folder: the file has no name.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let stems: Vec<&str> = store.slots().iter().map(Slot::stem).collect();
        assert_eq!(stems, ["a", "mm", "zz"]);
        for want in &sessions {
            let i = store.find(&want.summary.stem).unwrap();
            let got = store.get(i).unwrap();
            assert_eq!(got.summary.session_id, want.summary.session_id);
            assert_eq!(got.summary.stats, want.summary.stats);
            assert_eq!((got.record, got.inputs), (want.record, want.inputs));
            assert_eq!(
                got.written.as_deref().copied(),
                want.written.as_deref().copied()
            );
            assert_eq!(store.written(i).unwrap(), want.written.as_deref().copied());
            let mut json = Vec::new();
            cache::write_entry(&mut json, want).unwrap();
            let mut buf = Vec::new();
            assert_eq!(store.entry_json(i, &mut buf).unwrap(), json.as_slice());
        }
        assert_eq!(store.find("b"), None);
    }
}

//! `data/media/index.json`: every media URL ever captured or tried, mapped to its stored
//! object or to why it is not archived. Sorted by URL, one entry a line, and rewritten
//! only when an entry changes, so a no-op re-run leaves it byte for byte alone.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};

/// Path of the index inside `data/`.
pub const INDEX_PATH: &str = "media/index.json";

/// A URL's object in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    /// SHA-256 of the content (hex).
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// The media type the content's bytes show (not the server's claim).
    pub media_type: String,
    /// The file, relative to `data/` (`media/ab/<sha256>.<ext>`).
    pub path: String,
    /// When it was downloaded (RFC 3339, UTC).
    pub fetched: String,
}

/// Why a URL's object is not in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failed {
    /// What went wrong, for people ("HTTP 404", "too large: …", "refused: …").
    pub error: String,
    /// When this error was first seen (RFC 3339, UTC); kept while the error stays the same.
    pub when: String,
    /// Set when the object was skipped for its size rather than failing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub too_large: bool,
    /// The size, when known (too-large objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// One URL's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    /// Captured.
    Stored(Stored),
    /// Not captured.
    Failed(Failed),
}

#[derive(Serialize, Deserialize, Default)]
struct IndexFile {
    media: BTreeMap<String, Entry>,
}

/// The media index of an archive.
#[derive(Debug, Default, Clone)]
pub struct MediaIndex {
    entries: BTreeMap<String, Entry>,
}

impl MediaIndex {
    /// Loads `data/media/index.json`; an absent file is an empty index.
    pub fn load(data_dir: &Path) -> Result<MediaIndex> {
        let path = data_dir.join(INDEX_PATH);
        if !path.exists() {
            return Ok(MediaIndex::default());
        }
        MediaIndex::from_slice(&fsutil::read(&path)?, &path)
    }

    /// Parses the bytes of an index file; `path` only labels the error.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<MediaIndex> {
        let file: IndexFile = serde_json::from_slice(bytes).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })?;
        Ok(MediaIndex {
            entries: file.media,
        })
    }

    /// The entry of a URL.
    pub fn get(&self, url: &str) -> Option<&Entry> {
        self.entries.get(url)
    }

    /// Every URL and its entry, sorted by URL.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(url, e)| (url.as_str(), e))
    }

    /// Removes a URL's entry (its session was erased), returning it.
    pub fn remove(&mut self, url: &str) -> Option<Entry> {
        self.entries.remove(url)
    }

    /// Whether the index holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records a result. A failure that repeats the recorded one keeps its `when`.
    pub fn set(&mut self, url: &str, entry: Entry) {
        if let (Some(Entry::Failed(old)), Entry::Failed(new)) = (self.entries.get(url), &entry)
            && old.error == new.error
            && old.size == new.size
        {
            return;
        }
        self.entries.insert(url.to_owned(), entry);
    }

    /// Writes the index atomically (untouched when unchanged). An empty index that has
    /// no file yet is not written, so archives without media stay as they were.
    pub fn write(&self, data_dir: &Path) -> Result<WriteOutcome> {
        let path = data_dir.join(INDEX_PATH);
        if self.entries.is_empty() && !path.exists() {
            return Ok(WriteOutcome::Unchanged);
        }
        let mut out = Vec::with_capacity(self.entries.len() * 256 + 16);
        out.extend_from_slice(b"{\"media\": {");
        for (i, (url, entry)) in self.entries.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n  " } else { b",\n  " });
            let json = |source| Error::Json {
                path: path.clone(),
                source,
            };
            serde_json::to_writer(&mut out, url).map_err(json)?;
            out.extend_from_slice(b": ");
            serde_json::to_writer(&mut out, entry).map_err(json)?;
        }
        out.extend_from_slice(if self.entries.is_empty() {
            b"}}\n"
        } else {
            b"\n}}\n"
        });
        fsutil::write_atomic(&path, &out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_failure_keeps_when_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = MediaIndex::default();
        let failed = |when: &str| {
            Entry::Failed(Failed {
                error: "HTTP 404".into(),
                when: when.into(),
                too_large: false,
                size: None,
            })
        };
        index.set("https://example.com/a", failed("t1"));
        index.set("https://example.com/a", failed("t2"));
        assert_eq!(index.get("https://example.com/a"), Some(&failed("t1")));
        index.set(
            "https://example.com/b",
            Entry::Stored(Stored {
                sha256: "ab".repeat(32),
                size: 3,
                media_type: "image/png".into(),
                path: "media/ab/x.png".into(),
                fetched: "t".into(),
            }),
        );
        assert_eq!(index.write(dir.path()).unwrap(), WriteOutcome::Written);
        let again = MediaIndex::load(dir.path()).unwrap();
        assert_eq!(again.write(dir.path()).unwrap(), WriteOutcome::Unchanged);
        assert!(matches!(
            again.get("https://example.com/b"),
            Some(Entry::Stored(_))
        ));
    }
}

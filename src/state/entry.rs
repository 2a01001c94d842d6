//! Incremental rendering: what a render remembers of each session, so that the next one
//! skips every session whose pages would come out the same (SPEC §6: a re-run over a
//! complete archive re-writes nothing; the benchmark holds it well under a second for
//! 10,000 sessions).
//!
//! A session's pages depend on its record, on its neighbours in chronological order (the
//! previous/next links), on the render options, on the captured media and on the build of
//! the tool. All of that is folded into one fingerprint, [`Rendered::inputs`] (computed by the render). The next
//! render reuses a session — its figures, without reading its record — when:
//!
//! - the record is unchanged: its SHA-256 is the one the pages were made from, taken from
//!   the bag's hash cache when the file is older than the state file, else re-computed;
//! - the fingerprint of the inputs is the same;
//! - its pages are where the last render left them, unchanged (again by the hash cache's
//!   rule: same size, older than the state file).
//!
//! Anything else renders the session again. The entries live in the bag's one state file,
//! `desk-archive-state.json` (format in [`file`](super::file)).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::mark::IndexMark;
use crate::coverage::MediaCounts;
use crate::digest::FileDigests;
use crate::stats::SessionStats;

/// The little that is kept of each rendered session for the index, stats.json and agent
/// pages: a few hundred bytes whatever the number of messages (SPEC §6), held in the
/// [`SessionStore`](super::SessionStore) rather than in memory.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    /// The SessionId.
    pub session_id: String,
    /// Its file stem (`sessions/<stem>.html`).
    pub stem: String,
    /// Its figures.
    pub stats: SessionStats,
    /// Its media URLs captured, skipped (too large) and failed; `None` when media capture
    /// never ran for this archive.
    pub media: Option<MediaCounts>,
}

/// One session as this render left it: its summary for the index and the state file, and,
/// when its files were written by this run, their digests for the bag.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Figures for the index and stats.json.
    pub summary: SessionSummary,
    /// Earliest message time, which orders the sessions.
    pub first_ms: Option<i64>,
    /// SHA-256 of the record the pages were made from.
    pub record: [u8; 32],
    /// Fingerprint of everything the pages depend on (see the module docs).
    pub inputs: [u8; 32],
    /// Sizes and digests of the files written for this session on this run; `None` when it
    /// was reused (the bag's hash cache then holds them).
    pub written: Option<Box<WrittenFiles>>,
}

/// The files of one session written on this run, hashed as they were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenFiles {
    /// `records/<stem>.json` (read, not written, by render; hashed all the same).
    pub record: FileDigests,
    /// `sessions/<stem>.html`.
    pub html: FileDigests,
    /// `sessions/<stem>.md`, unless Markdown pages are off.
    pub md: Option<FileDigests>,
}

/// What the bag knows about its files without reading them: the SHA-256 recorded for the
/// file at `rel` (bag-relative, e.g. `data/records/x.json`), when the file at `path` is
/// still the one that was hashed.
pub trait KnownFiles: Sync {
    /// The recorded SHA-256 of an unchanged file, else `None`.
    fn sha256(&self, rel: &str, path: &Path) -> Option<[u8; 32]>;

    /// The SHA-256 of `path`: the recorded one when the file is unchanged, else read from
    /// disk (a file rewritten since the state file was); `None` when it cannot be read.
    fn sha256_or_read(&self, rel: &str, path: &Path) -> Option<[u8; 32]> {
        self.sha256(rel, path)
            .or_else(|| crate::digest::sha256_reader(std::fs::File::open(path).ok()?).ok())
    }

    /// The mark of the index pages the last render left (see [`IndexMark`]); `None`: the
    /// index is rebuilt.
    fn index_mark(&self) -> Option<IndexMark> {
        None
    }
}

/// Knows nothing: every session is rendered.
pub struct NoKnownFiles;

impl KnownFiles for NoKnownFiles {
    fn sha256(&self, _rel: &str, _path: &Path) -> Option<[u8; 32]> {
        None
    }
}

/// The last render's sessions, by stem, and what the bag knows about the files.
pub struct RenderCache<'a> {
    /// Sessions of the last render (from the state file), when there are any.
    pub sessions: Option<super::SessionStore>,
    /// The bag's hash cache.
    pub known: &'a dyn KnownFiles,
    /// Heads of the records this run imported, parsed as they were imported (so that the
    /// render does not parse them a second time before rendering them); see
    /// [`Imported::new`].
    pub imported: Imported,
}

impl RenderCache<'_> {
    /// No earlier render: everything is rendered.
    pub fn empty() -> RenderCache<'static> {
        RenderCache {
            sessions: None,
            known: &NoKnownFiles,
            imported: Imported::default(),
        }
    }
}

/// The heads of imported records, sorted by stem: what the render's first pass needs of
/// each (a sorted list rather than a map, and no FetchedAt: it is held through the scan
/// for every session).
#[derive(Debug, Default)]
pub struct Imported(Vec<ImportedHead>);

/// One imported record's head.
#[derive(Debug)]
pub struct ImportedHead {
    /// Its stem.
    pub stem: Box<str>,
    /// Its SessionId.
    pub session_id: Box<str>,
    /// Its earliest message time.
    pub first_ms: Option<i64>,
}

impl Imported {
    /// The heads of these records.
    pub fn new(heads: impl IntoIterator<Item = crate::records::RecordHead>) -> Imported {
        let mut heads: Vec<ImportedHead> = heads
            .into_iter()
            .map(|h| ImportedHead {
                stem: crate::records::stem(&h.session_id).into_boxed_str(),
                session_id: h.session_id.into_boxed_str(),
                first_ms: h.first_ms,
            })
            .collect();
        heads.sort_unstable_by(|a, b| a.stem.cmp(&b.stem));
        Imported(heads)
    }

    /// The head of the record with this stem.
    pub fn get(&self, stem: &str) -> Option<&ImportedHead> {
        let i = self.0.binary_search_by(|h| (*h.stem).cmp(stem)).ok()?;
        Some(&self.0[i])
    }
}

/// One session's entry in the state file, as read.
#[derive(Deserialize)]
pub struct Stored {
    session_id: String,
    #[serde(deserialize_with = "crate::digest::hex_array")]
    record: [u8; 32],
    #[serde(deserialize_with = "crate::digest::hex_array")]
    inputs: [u8; 32],
    first_ms: Option<i64>,
    /// [`SessionStats::messages_by_hour`], which stats.json does not hold.
    hours: [u32; 24],
    media: Option<MediaCounts>,
    stats: SessionStats,
}

/// What the render needs of an earlier entry to decide whether the session can be reused:
/// parsed without the figures (the rest of the entry is skipped, not built).
#[derive(Deserialize)]
pub struct StoredHead {
    /// The SessionId.
    pub session_id: String,
    /// SHA-256 of the record the pages were made from.
    #[serde(deserialize_with = "crate::digest::hex_array")]
    pub record: [u8; 32],
    /// Fingerprint of the pages' inputs.
    #[serde(deserialize_with = "crate::digest::hex_array")]
    pub inputs: [u8; 32],
    /// Earliest message time.
    pub first_ms: Option<i64>,
    stats: HeadStats,
}

#[derive(Deserialize)]
struct HeadStats {
    messages: HeadMessages,
}

#[derive(Deserialize)]
struct HeadMessages {
    total: u64,
}

impl StoredHead {
    /// The session's messages.
    pub fn messages(&self) -> u64 {
        self.stats.messages.total
    }
}

/// [`Stored`] as written, borrowing from the session.
#[derive(Serialize)]
struct StoredRef<'a> {
    session_id: &'a str,
    #[serde(serialize_with = "hex32::serialize")]
    record: &'a [u8; 32],
    #[serde(serialize_with = "hex32::serialize")]
    inputs: &'a [u8; 32],
    first_ms: Option<i64>,
    hours: &'a [u32; 24],
    media: Option<MediaCounts>,
    stats: &'a SessionStats,
}

/// Writes the state-file entry of `rendered` (one JSON object, no newline).
pub fn write_entry(out: &mut impl std::io::Write, rendered: &Rendered) -> serde_json::Result<()> {
    let s = &rendered.summary;
    serde_json::to_writer(
        out,
        &StoredRef {
            session_id: &s.session_id,
            record: &rendered.record,
            inputs: &rendered.inputs,
            first_ms: rendered.first_ms,
            hours: &s.stats.messages_by_hour,
            media: s.media,
            stats: &s.stats,
        },
    )
}

impl Stored {
    /// The session of the entry stored under `stem`.
    pub fn into_rendered(self, stem: String) -> Rendered {
        let mut stats = self.stats;
        stats.messages_by_hour = self.hours;
        Rendered {
            summary: SessionSummary {
                session_id: self.session_id,
                stem,
                stats,
                media: self.media,
            },
            first_ms: self.first_ms,
            record: self.record,
            inputs: self.inputs,
            written: None,
        }
    }
}

/// `[u8; 32]` written as lowercase hex in JSON (read with [`crate::digest::hex_array`]).
mod hex32 {
    use serde::Serializer;

    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` passes a reference
    pub(super) fn serialize<S: Serializer>(bytes: &&[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::digest::to_hex(*bytes))
    }
}

//! Incremental rendering: what a render remembers of each session, so that the next one
//! skips every session whose pages would come out the same (SPEC §6: a re-run over a
//! complete archive re-writes nothing; issue 6: it takes well under a second for 10,000
//! sessions).
//!
//! A session's pages depend on its record, on its neighbours in chronological order (the
//! previous/next links), on the render options, on the captured media and on the build of
//! the tool. All of that is folded into one fingerprint, [`Rendered::inputs`]. The next
//! render reuses a session — its figures, without reading its record — when:
//!
//! - the record is unchanged: its SHA-256 is the one the pages were made from, taken from
//!   the bag's hash cache when the file is older than the state file, else re-computed;
//! - the fingerprint of the inputs is the same;
//! - its pages are where the last render left them, unchanged (again by the hash cache's
//!   rule: same size, older than the state file).
//!
//! Anything else renders the session again. The entries live in the bag's one state file,
//! `desk-archive-state.json` (format in [`crate::bag::state`]).

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{RenderOptions, SessionSummary};
use crate::bag::FileDigests;
use crate::media::MediaCounts;
use crate::stats::SessionStats;

/// Identifies the build of the tool (sources, templates, assets, dependency versions), set
/// by `build.rs`: pages of another build are rendered again.
pub const RENDERER: &str = env!("DESK_ARCHIVE_RENDERER");

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
    pub sessions: Option<super::store::SessionStore>,
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

/// The fingerprint of what every page depends on besides its own record and neighbours:
/// the build, the options that reach session pages, and the media index.
pub fn settings(options: &RenderOptions, media_index: Option<&[u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        RENDERER,
        options.timezone.name(),
        match options.lang {
            super::Lang::En => "en",
            super::Lang::ZhCn => "zh-CN",
        },
        if options.markdown_pages {
            "md"
        } else {
            "no-md"
        },
        options.title.as_deref().unwrap_or("\u{0}default"),
    ] {
        field(&mut h, part.as_bytes());
    }
    field(&mut h, media_index.unwrap_or(b"\0none"));
    h.finalize().into()
}

/// The fingerprint of one session's inputs: the settings, its record and its neighbours.
pub fn inputs(
    settings: &[u8; 32],
    record: &[u8; 32],
    prev: Option<&str>,
    next: Option<&str>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    field(&mut h, settings);
    field(&mut h, record);
    field(&mut h, prev.unwrap_or("\0none").as_bytes());
    field(&mut h, next.unwrap_or("\0none").as_bytes());
    h.finalize().into()
}

/// Hashes one length-prefixed field, so that no two sequences of fields collide.
fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// One session's entry in the state file, as read.
#[derive(Deserialize)]
pub struct Stored {
    session_id: String,
    #[serde(deserialize_with = "crate::bag::hex_array")]
    record: [u8; 32],
    #[serde(deserialize_with = "crate::bag::hex_array")]
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
    #[serde(deserialize_with = "crate::bag::hex_array")]
    pub record: [u8; 32],
    /// Fingerprint of the pages' inputs.
    #[serde(deserialize_with = "crate::bag::hex_array")]
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

/// `[u8; 32]` written as lowercase hex in JSON (read with [`crate::bag::hex_array`]).
mod hex32 {
    use serde::Serializer;

    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` passes a reference
    pub(super) fn serialize<S: Serializer>(bytes: &&[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::bag::to_hex(*bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> RenderOptions {
        RenderOptions {
            timezone: chrono_tz::UTC,
            title: None,
            lang: super::super::Lang::En,
            markdown_pages: true,
            search: false,
            jobs: None,
            progress: None,
        }
    }

    #[test]
    fn every_setting_changes_the_fingerprint() {
        let base = settings(&options(), None);
        assert_eq!(base, settings(&options(), None));
        let zone = RenderOptions {
            timezone: chrono_tz::Asia::Shanghai,
            ..options()
        };
        let title = RenderOptions {
            title: Some("x".into()),
            ..options()
        };
        let md = RenderOptions {
            markdown_pages: false,
            ..options()
        };
        let lang = RenderOptions {
            lang: super::super::Lang::ZhCn,
            ..options()
        };
        for other in [
            settings(&zone, None),
            settings(&title, None),
            settings(&md, None),
            settings(&lang, None),
            settings(&options(), Some(b"{}")),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn neighbours_change_the_inputs() {
        let s = settings(&options(), None);
        let r = [7; 32];
        let a = inputs(&s, &r, Some("a"), Some("b"));
        assert_eq!(a, inputs(&s, &r, Some("a"), Some("b")));
        assert_ne!(a, inputs(&s, &r, Some("ab"), None));
        assert_ne!(a, inputs(&s, &r, None, Some("b")));
        assert_ne!(a, inputs(&s, &[8; 32], Some("a"), Some("b")));
    }
}

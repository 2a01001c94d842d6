//! Skipping the index when nothing it depends on changed: the fingerprint of
//! everything [`write_index`] reads and of the files it leaves (an [`IndexMark`]), compared
//! with the mark of the last render, as the search index does for its shards.
//!
//! The inputs are the build and the options (the settings every page's fingerprint holds,
//! plus `--no-search`, which takes the search box off the index), every session without a
//! record as given, and every session's state-file entry (its stem and the entry's bytes,
//! which hold all of its summary). The files are those [`write_index`] writes or removes:
//! `stats.json`, [`ROWS_FILE`], `index.html`, `index-N.html`, `index.md`, `index-N.md` and
//! the pages in `agents/` — as they are on disk, so that a missing, edited or stray one
//! has the index rebuilt (and the stray removed), as every render did before.

use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{ROWS_FILE, index_page_number, write_index};
use crate::error::Result;
use crate::render::fingerprint::{self, field};
use crate::render::{MissingSession, RenderOptions};
use crate::state::{IndexMark, KnownFiles, SessionStore};

/// Identifies what the inputs hold, so that a change of what they hold rebuilds the index.
const FORMAT: &str = "desk-archive-index 1";

/// What [`refresh`] did.
#[derive(Debug, Clone, Copy)]
pub struct Refreshed {
    /// The mark of the index as it now is; `None` when its files could not be read back
    /// (the next render rebuilds it).
    pub mark: Option<IndexMark>,
    /// Whether the index was rebuilt (else it was still right and nothing was read).
    pub rebuilt: bool,
}

/// Writes the index as [`write_index`] does, unless the mark of the last render (from
/// `known`) shows that the same inputs made the very files that are on disk. `settings`
/// is the render's [`settings`](crate::render::fingerprint::settings) fingerprint.
pub fn refresh(
    data_dir: &Path,
    sessions: &SessionStore,
    missing: &[MissingSession],
    options: &RenderOptions,
    settings: &[u8; 32],
    known: &dyn KnownFiles,
) -> Result<Refreshed> {
    let inputs = inputs(settings, options, missing, sessions)?;
    if let Some(mark) = known.index_mark()
        && mark.inputs == inputs
        && files_fingerprint(data_dir, known) == Some(mark.files)
    {
        return Ok(Refreshed {
            mark: Some(mark),
            rebuilt: false,
        });
    }
    write_index(data_dir, sessions, missing, options)?;
    // Read back only the files the hash cache cannot vouch for: those just rewritten.
    let mark = files_fingerprint(data_dir, known).map(|files| IndexMark { inputs, files });
    Ok(Refreshed {
        mark,
        rebuilt: true,
    })
}

/// The fingerprint of everything [`write_index`] reads (see the module docs).
fn inputs(
    settings: &[u8; 32],
    options: &RenderOptions,
    missing: &[MissingSession],
    sessions: &SessionStore,
) -> Result<[u8; 32]> {
    let mut h = Sha256::new();
    field(&mut h, FORMAT.as_bytes());
    field(&mut h, settings);
    let search: &[u8] = if options.search { b"search" } else { b"none" };
    field(&mut h, search);
    field(&mut h, &(missing.len() as u64).to_le_bytes());
    for m in missing {
        missing_fields(&mut h, m);
    }
    field(&mut h, &(sessions.len() as u64).to_le_bytes());
    let mut buf = Vec::new();
    for (i, slot) in sessions.slots().iter().enumerate() {
        field(&mut h, slot.stem().as_bytes());
        field(&mut h, sessions.entry_json(i, &mut buf)?);
    }
    Ok(h.finalize().into())
}

/// Every field of a session without a record (destructured, so that a field added later
/// cannot be left out).
fn missing_fields(h: &mut Sha256, m: &MissingSession) {
    let MissingSession {
        session_id,
        state,
        error_code,
        reason,
        callback_messages,
    } = m;
    field(h, session_id.as_bytes());
    field(h, state.as_bytes());
    optional(h, error_code.map(i64::to_le_bytes));
    field(h, reason.as_bytes());
    optional(h, callback_messages.map(u64::to_le_bytes));
}

/// A number that may be absent: absent is an empty field, so that it differs from 0.
fn optional(h: &mut Sha256, bytes: Option<[u8; 8]>) {
    field(h, bytes.as_ref().map_or(&[], |b| &b[..]));
}

/// The fingerprint of the index's files as they are on disk ([`fingerprint::files`], paths
/// inside `data/`), their SHA-256 from the bag's hash cache where it vouches for a file,
/// else from reading it. `None` when they cannot be listed or read (the index is
/// rebuilt).
fn files_fingerprint(data_dir: &Path, known: &dyn KnownFiles) -> Option<[u8; 32]> {
    let mut digests = Vec::new();
    for rel in index_files(data_dir).ok()? {
        let sha256 = known.sha256_or_read(&format!("data/{rel}"), &data_dir.join(&rel))?;
        digests.push((rel, sha256));
    }
    Some(fingerprint::files(
        digests.iter().map(|(p, d)| (p.as_str(), d)),
    ))
}

/// The index's files in `data_dir` (see the module docs), as paths inside it.
fn index_files(data_dir: &Path) -> io::Result<Vec<String>> {
    let is_index =
        |name: &str| name == "stats.json" || name == ROWS_FILE || index_page_number(name).is_some();
    let mut out = files_in(data_dir, "", is_index)?;
    // Every page `write_agent_pages` would remove if it did not write it.
    let is_page = |name: &str| name.ends_with(".html") || name.ends_with(".md");
    match files_in(&data_dir.join("agents"), "agents/", is_page) {
        Ok(pages) => out.extend(pages),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    Ok(out)
}

/// The entries but folders in `dir` whose names pass `keep`, each prefixed with `prefix`.
fn files_in(dir: &Path, prefix: &str, keep: impl Fn(&str) -> bool) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Not only files: whatever `write_index` would replace or remove counts.
        if keep(&name) && !entry.file_type()?.is_dir() {
            out.push(format!("{prefix}{name}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_files_are_those_write_index_writes_or_removes() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        std::fs::create_dir_all(data.join("agents/sub.html")).unwrap();
        std::fs::create_dir_all(data.join("sessions")).unwrap();
        for name in [
            "stats.json",
            "index-rows.js",
            "index.html",
            "index-2.md",
            "index-02.html",
            "coverage.json",
            "audit.html",
            "agents/a.html",
            "agents/b.md",
            "agents/notes.txt",
            "sessions/s.html",
        ] {
            std::fs::write(data.join(name), name).unwrap();
        }
        let mut files = index_files(data).unwrap();
        files.sort();
        assert_eq!(
            files,
            [
                "agents/a.html",
                "agents/b.md",
                "index-2.md",
                "index-rows.js",
                "index.html",
                "stats.json"
            ]
        );
        // No agents folder (no agents yet): the rest.
        std::fs::remove_dir_all(data.join("agents")).unwrap();
        assert_eq!(index_files(data).unwrap().len(), 4);
    }

    #[test]
    fn every_field_of_a_session_without_a_record_counts() {
        let base = MissingSession {
            session_id: "s".into(),
            state: "failed".into(),
            error_code: Some(0),
            reason: "r".into(),
            callback_messages: None,
        };
        let hash = |m: &MissingSession| {
            let mut h = Sha256::new();
            missing_fields(&mut h, m);
            <[u8; 32]>::from(h.finalize())
        };
        let variants = [
            MissingSession {
                session_id: "t".into(),
                ..base.clone()
            },
            MissingSession {
                state: "pending".into(),
                ..base.clone()
            },
            MissingSession {
                error_code: None,
                ..base.clone()
            },
            MissingSession {
                reason: "".into(),
                ..base.clone()
            },
            MissingSession {
                callback_messages: Some(0),
                ..base.clone()
            },
        ];
        let mut seen = vec![hash(&base)];
        for v in &variants {
            let h = hash(v);
            assert!(!seen.contains(&h), "{v:?}");
            seen.push(h);
        }
    }
}

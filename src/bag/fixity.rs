//! Fixity across runs (SPEC §9): before a writing command changes anything, the primary
//! evidence on disk — records, media objects, coverage.json, the audit log and the holds —
//! is compared with the bag's last manifest. A file that changed, went missing or appeared
//! unlisted is a [`Change`]; files the tool itself finished after that manifest (named
//! with their checksum in the write-ahead list) are not. Derived files (pages, index,
//! stats.json, assets) that differ are only counted: the run rebuilds them.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::manifest;
use super::payload::{self, PayloadFile};
use crate::error::{Error, Result};
use crate::state::Cache;
use crate::wal::Finished;

/// How a file of primary evidence differs from the last manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Its bytes are not the ones the manifest lists.
    Changed,
    /// The manifest lists it; it is gone.
    Missing,
    /// It is there; the manifest does not list it.
    Unlisted,
}

/// One file of primary evidence that is not as the last manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its path in the bag, e.g. `data/records/x.json`.
    pub rel: String,
    /// How it differs.
    pub kind: ChangeKind,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.kind {
            ChangeKind::Changed => "changed",
            ChangeKind::Missing => "missing",
            ChangeKind::Unlisted => "not in the manifest",
        };
        write!(f, "{how}: {}", self.rel)
    }
}

/// What the check found.
#[derive(Debug, Default)]
pub struct Fixity {
    /// Primary evidence that is not as the last manifest says, sorted by path.
    pub changes: Vec<Change>,
    /// Derived files that differ from the manifest or are gone (they are rebuilt).
    pub derived_changed: usize,
}

/// Whether `rel` (bag-relative) is primary evidence (SPEC §9): what cannot be rebuilt
/// (an exported bag's `export.json` included: it alone says where its records came from).
pub fn is_primary(rel: &str) -> bool {
    rel.starts_with("data/records/")
        || (rel.starts_with("data/media/") && rel != "data/media/index.json")
        || matches!(
            rel,
            "data/coverage.json" | "data/audit.jsonl" | "data/holds.json" | "data/export.json"
        )
}

/// Compares the payload of the bag in `dir` with its last manifest. An archive without a
/// manifest yet has nothing to compare with, except primary files already on disk: those
/// are unlisted unless this tool finished them.
pub fn check(dir: &Path, cache: &Cache, finished: &Finished) -> Result<Fixity> {
    let mut fixity = Fixity::default();
    let listed = read_manifest(dir, finished, &mut fixity)?;
    let data = dir.join("data");
    if !data.is_dir() {
        return Ok(fixity);
    }
    let walk = payload::walk(&data);
    let on_disk: HashMap<&str, &PayloadFile> =
        walk.files.iter().map(|f| (f.rel.as_str(), f)).collect();
    // Every file to look at, with what the manifest says of it (None: unlisted).
    let mut todo: Vec<(&str, Option<&[u8; 32]>)> = Vec::new();
    for (rel, sha) in &listed {
        match on_disk.get(rel.as_str()) {
            Some(_) => todo.push((rel, Some(sha))),
            // Moved to a new name by the tool itself (its write-ahead list has the bytes),
            // or removed by it on purpose (erase, prune).
            None if is_primary(rel)
                && (finished.has_content(sha) || finished.removed(rel, sha)) => {}
            None if is_primary(rel) => fixity.changes.push(Change {
                rel: rel.clone(),
                kind: ChangeKind::Missing,
            }),
            None => fixity.derived_changed += 1,
        }
    }
    for file in &walk.files {
        if is_primary(&file.rel) && !listed.contains_key(&file.rel) {
            todo.push((&file.rel, None));
        }
    }
    let verdicts: Vec<Result<Option<Change>>> = todo
        .par_iter()
        .map(|(rel, want)| judge(dir, on_disk[rel], *want, cache, finished))
        .collect();
    for verdict in verdicts {
        match verdict? {
            Some(change) if is_primary(&change.rel) => fixity.changes.push(change),
            Some(_) => fixity.derived_changed += 1,
            None => {}
        }
    }
    fixity.changes.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(fixity)
}

/// One file against the manifest: its SHA-256 from the hash cache when the cache trusts
/// it, else read.
fn judge(
    dir: &Path,
    file: &PayloadFile,
    want: Option<&[u8; 32]>,
    cache: &Cache,
    finished: &Finished,
) -> Result<Option<Change>> {
    let have = match cache.get(&file.rel, &file.stamp) {
        Some(digests) => digests.sha256,
        None => {
            let path = dir.join(&file.rel);
            payload::hash_file(&path)
                .map_err(|e| Error::io("hash", &path, e))?
                .1
                .sha256
        }
    };
    if want == Some(&have) || finished.vouches(&file.rel, &have) {
        return Ok(None);
    }
    let kind = match want {
        Some(_) => ChangeKind::Changed,
        None => ChangeKind::Unlisted,
    };
    Ok(Some(Change {
        rel: file.rel.clone(),
        kind,
    }))
}

/// The last manifest-sha256.txt as path → SHA-256. When the last run completed (the
/// write-ahead list is empty), the manifest itself must match the tag manifest; a run
/// killed while it rewrote the tag files leaves them out of step, which is no change.
fn read_manifest(
    dir: &Path,
    finished: &Finished,
    fixity: &mut Fixity,
) -> Result<HashMap<String, [u8; 32]>> {
    let name = "manifest-sha256.txt";
    let path = dir.join(name);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    let has_tags = dir.join("tagmanifest-sha256.txt").is_file();
    if finished.is_empty() && has_tags && !crate::state::file::tag_manifest_lists(dir, name, &sha) {
        fixity.changes.push(Change {
            rel: name.to_owned(),
            kind: ChangeKind::Changed,
        });
    }
    let text = String::from_utf8_lossy(&bytes);
    let (entries, _) = manifest::parse(&text);
    let mut listed = HashMap::with_capacity(entries.len());
    for entry in entries {
        let mut sha = [0u8; 32];
        if hex::decode_to_slice(entry.checksum.as_bytes(), &mut sha).is_ok() {
            listed.insert(entry.path, sha);
        }
    }
    Ok(listed)
}

//! Erasure (SPEC §14): what goes when sessions are erased, and removing it. A session's
//! record and its superseded records go, and every captured media object that no
//! remaining record references (the media index maps URLs to stored files, several URLs
//! may share one file). Pages, index, stats and agent pages are derived: the render that
//! follows drops them. Every removal is logged in the write-ahead list first, so that a
//! run killed halfway leaves no "missing" evidence behind.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::media_index::{Entry, MediaIndex, urls::record_urls};
use crate::records::{self, Record};
use crate::wal::Wal;

/// One session to erase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doomed {
    /// The SessionId.
    pub session_id: String,
    /// Its file stem.
    pub stem: String,
    /// Its record files, relative to `data/` (`records/<stem>.json`, superseded ones);
    /// empty for a session the archive has no record of.
    pub files: Vec<String>,
}

/// Everything an erasure removes.
#[derive(Debug, Default)]
pub struct Plan {
    /// The sessions, sorted by SessionId.
    pub sessions: Vec<Doomed>,
    /// Media index entries (URLs) only the erased sessions referenced.
    pub media_urls: Vec<String>,
    /// Stored media files no remaining URL uses, relative to `data/`.
    pub media_files: Vec<String>,
    /// Media files of the erased sessions kept because other sessions reference them.
    pub media_shared: usize,
    /// Records that could not be read, so their media could not be told; when one of
    /// them is a remaining record, no media file is removed.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Works out what erasing `ids` removes from the archive in `data`.
pub fn plan(data: &Path, ids: &[String]) -> Result<Plan> {
    let records_dir = data.join("records");
    let names = record_names(&records_dir)?;
    let mut plan = Plan::default();
    let mut ids: Vec<&String> = ids.iter().collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let stem = records::stem(id);
        let prefix = format!("{stem}.superseded-");
        let files = names
            .iter()
            .filter(|n| **n == format!("{stem}.json") || n.starts_with(&prefix))
            .map(|n| format!("records/{n}"))
            .collect();
        plan.sessions.push(Doomed {
            session_id: id.clone(),
            stem,
            files,
        });
    }
    plan_media(data, &names, &mut plan)?;
    Ok(plan)
}

/// The file names in `records/`, sorted.
fn record_names(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read directory", dir, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    Ok(names)
}

/// The media URLs of the record files `names` (relative to `records/`), and the files that
/// could not be read.
fn urls_of(records_dir: &Path, names: &[&str]) -> (BTreeSet<String>, Vec<(PathBuf, String)>) {
    let read: Vec<(PathBuf, Result<BTreeSet<String>>)> = names
        .par_iter()
        .map(|n| {
            let path = records_dir.join(n);
            let urls = Record::read(&path).map(|r| record_urls(&r));
            (path, urls)
        })
        .collect();
    let mut all = BTreeSet::new();
    let mut unreadable = Vec::new();
    for (path, urls) in read {
        match urls {
            Ok(urls) => all.extend(urls),
            Err(e) => unreadable.push((path, crate::error::one_line(&e))),
        }
    }
    (all, unreadable)
}

/// Which media index entries and files only the doomed sessions use.
fn plan_media(data: &Path, names: &[String], plan: &mut Plan) -> Result<()> {
    let index = MediaIndex::load(data)?;
    if index.is_empty() {
        return Ok(());
    }
    let records_dir = data.join("records");
    let doomed: HashSet<&str> = plan
        .sessions
        .iter()
        .flat_map(|s| s.files.iter())
        .filter_map(|f| f.strip_prefix("records/"))
        .collect();
    let doomed_names: Vec<&str> = doomed.iter().copied().collect();
    let (erased_urls, unreadable) = urls_of(&records_dir, &doomed_names);
    plan.unreadable.extend(unreadable);
    let candidates: BTreeSet<&String> = erased_urls
        .iter()
        .filter(|u| index.get(u).is_some())
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    // Only now is every other record read: most erasures touch no captured media.
    let others: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !doomed.contains(n))
        .collect();
    let (kept_urls, unreadable) = urls_of(&records_dir, &others);
    let blind = !unreadable.is_empty();
    plan.unreadable.extend(unreadable);
    plan.media_urls = candidates
        .into_iter()
        .filter(|u| !kept_urls.contains(*u))
        .cloned()
        .collect();
    let dropped: HashSet<&str> = plan.media_urls.iter().map(String::as_str).collect();
    // A file stays while any URL that stays in the index points at it.
    let mut users: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (url, entry) in index.iter() {
        if let Entry::Stored(s) = entry {
            let counts = users.entry(s.path.as_str()).or_default();
            if dropped.contains(url) {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
    }
    for (path, (gone, staying)) in users {
        match (gone, staying) {
            (0, _) => {}
            (_, 0) if !blind && safe_media_path(path) => plan.media_files.push(path.to_owned()),
            _ => plan.media_shared += 1,
        }
    }
    Ok(())
}

/// Index paths come from a file anyone may edit: only `media/<2 hex>/<name>` is removed.
fn safe_media_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("media/") else {
        return false;
    };
    let Some((dir, name)) = rest.split_once('/') else {
        return false;
    };
    dir.len() == 2
        && dir.bytes().all(|b| b.is_ascii_hexdigit())
        && !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

/// What [`apply`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// Record files (current and superseded).
    pub records: u64,
    /// Media files.
    pub media: u64,
}

/// Removes the plan's records and media files (each logged in `wal` first) and its media
/// index entries. Coverage is the caller's: it marks the sessions erased before this runs.
pub fn apply(data: &Path, plan: &Plan, wal: &Wal) -> Result<Removed> {
    let mut removed = Removed::default();
    for file in plan.sessions.iter().flat_map(|s| &s.files) {
        if remove_evidence(data, file, wal)? {
            removed.records += 1;
        }
    }
    if !plan.media_urls.is_empty() {
        let mut index = MediaIndex::load(data)?;
        for url in &plan.media_urls {
            index.remove(url);
        }
        index.write(data)?;
    }
    for file in &plan.media_files {
        if remove_evidence(data, file, wal)? {
            removed.media += 1;
        }
        if let Some(parent) = data.join(file).parent() {
            // Left empty by the last file: a folder is nothing the bag lists.
            let _ = std::fs::remove_dir(parent);
        }
    }
    if removed.records > 0 {
        crate::fsutil::sync_parent(&data.join("records").join("x"))
            .map_err(|e| Error::io("sync", data.join("records"), e))?;
    }
    Ok(removed)
}

/// Removes `data/<rel>` after logging its name and checksum; `false` when already gone.
fn remove_evidence(data: &Path, rel: &str, wal: &Wal) -> Result<bool> {
    let path = data.join(rel);
    let mut file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let sha256 =
        crate::digest::sha256_reader(&mut file).map_err(|e| Error::io("read", &path, e))?;
    wal.append_removed(&format!("data/{rel}"), &sha256)?;
    std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_media_paths_are_removed() {
        assert!(safe_media_path("media/ab/0123.png"));
        for bad in [
            "media/../records/x.json",
            "records/x.json",
            "media/ab/../../x",
            "media/abc/x.png",
            "media/ab/.hidden",
            "/etc/passwd",
        ] {
            assert!(!safe_media_path(bad), "{bad}");
        }
    }
}

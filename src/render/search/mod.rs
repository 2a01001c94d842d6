//! Site search (SPEC §11): a static full-text index of every message under `data/search/`,
//! in Pagefind's format during the render and searched in the browser by `static/search.js`
//! through Pagefind's own library. The index files are written by our own writer of that
//! format (`writer.rs`, `words.rs`: several times cheaper than the `pagefind` crate, and
//! tested to write the same files as the crate, `equivalence.rs`); the crate supplies the
//! browser side (`bundle.rs`).
//!
//! The index is split into shards of [`SHARD_SESSIONS`] sessions in chronological order,
//! each a Pagefind bundle of its own that the browser merges (`mergeIndex`): a bundle is
//! held in memory while it is built, so shards keep the render's memory flat whatever the
//! archive's size, and a changed session rebuilds only its shard. Layout:
//!
//! ```text
//! data/search/desk-archive-search.json   the manifest (below)
//! data/search/pagefind.js, pagefind-worker.js, wasm.*.pagefind   the browser side
//! data/search/pagefind-entry.json, *.pf_meta, index/, fragment/, filter/   shard 1
//! data/search/2/…, data/search/3/…      shards 2, 3… (the same index files)
//! ```
//!
//! The manifest lists, for each shard, its folder, its sessions, the fingerprint of what it
//! was built from (`inputs`: the build, language, zone, and each session's stem and record
//! digest) and the fingerprint of its files (`files`: their paths and SHA-256). A shard is
//! rebuilt when its inputs changed, or when its files are not exactly those it was built
//! with (checked through the bag's hash cache, which spares reading them): a no-op re-run
//! rewrites nothing. The writer's output is byte-for-byte the same for the same records, so
//! a rebuilt shard whose sessions did not change rewrites nothing either.

mod bundle;
pub mod doc;
#[cfg(test)]
mod equivalence;
mod postings;
mod spool;
mod text;
mod words;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use doc::{DocBuilder, SessionDoc};
pub use spool::{Spool, SpoolSlot};

use super::elements::{self, Ctx};
use super::fingerprint::{self, RENDERER, field};
use super::{Lang, RenderOptions};
use crate::digest::{FileDigests, to_hex};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::model::parse_message;
use crate::records::RecordRef;
use crate::state::KnownFiles;

/// Sessions per shard. Building one holds about 30 MB at 100 messages a session (its
/// documents and index); a query reads a little of every shard (its metadata and the index
/// chunk of each word).
pub const SHARD_SESSIONS: usize = 500;

/// Shards built at once: each holds its bundle in memory.
const PARALLEL_SHARDS: usize = 2;

/// The index's folder under `data/`.
pub const SEARCH_DIR: &str = "search";

/// The manifest's name in [`SEARCH_DIR`].
pub const MANIFEST: &str = "desk-archive-search.json";

const FORMAT: &str = "desk-archive-search";
const VERSION: u32 = 1;

/// One session of the render, in chronological order, as the index needs it.
#[derive(Debug)]
pub struct Entry {
    /// Its stem.
    pub stem: Box<str>,
    /// SHA-256 of its record.
    pub record: [u8; 32],
    /// Its document, when it was rendered on this run.
    pub spooled: Option<SpoolSlot>,
    /// Its record, when not `records/<stem>.json`.
    pub odd_path: Option<Box<Path>>,
}

/// What the index is built from besides the sessions.
pub struct Sources<'a> {
    /// `data/records`.
    pub records: &'a Path,
    /// The render options.
    pub options: &'a RenderOptions,
    /// Captured media (cards name them as the pages do).
    pub media: &'a crate::media_index::MediaLookup,
    /// What the bag knows of the files already there.
    pub known: &'a dyn KnownFiles,
}

/// What [`write`] did.
#[derive(Debug, Default)]
pub struct SearchReport {
    /// Files written (or found already right) while rebuilding, by bag-relative path,
    /// with the digests taken as they were written, sorted by path.
    pub files: Vec<(String, FileDigests)>,
    /// Shards in the index.
    pub shards: usize,
    /// Shards rebuilt on this run.
    pub rebuilt: usize,
}

/// The manifest, as written.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    /// Pagefind's language code of every shard.
    language: String,
    shards: Vec<ShardEntry>,
}

/// One shard in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShardEntry {
    /// Its folder inside `search/`: empty for the first, else `<n>/`.
    dir: String,
    /// Its sessions.
    sessions: usize,
    /// Fingerprint of its inputs.
    inputs: String,
    /// Fingerprint of its files.
    files: String,
}

/// Pagefind's language code for the pages' language.
fn language(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-cn",
    }
}

/// The folder of shard `k` (0-based) inside `search/`.
fn shard_dir(k: usize) -> String {
    if k == 0 {
        String::new()
    } else {
        format!("{}/", k + 1)
    }
}

/// Builds or refreshes the index of `entries` (every rendered session, oldest first) in
/// `data_dir/search`; `spool` holds the documents of the sessions rendered on this run.
pub fn write(
    data_dir: &Path,
    entries: &[Entry],
    spool: &Spool,
    sources: &Sources<'_>,
) -> Result<SearchReport> {
    let dir = data_dir.join(SEARCH_DIR);
    let lang = language(sources.options.lang);
    let old = read_manifest(&dir);
    let mut shards: Vec<ShardEntry> = Vec::new();
    let mut stale = Vec::new();
    for (k, group) in entries.chunks(SHARD_SESSIONS).enumerate() {
        let entry = ShardEntry {
            dir: shard_dir(k),
            sessions: group.len(),
            inputs: inputs(sources.options, &shard_dir(k), group),
            files: String::new(),
        };
        let earlier = old
            .as_ref()
            .filter(|m| m.language == lang)
            .and_then(|m| m.shards.get(k))
            .filter(|s| s.dir == entry.dir && s.inputs == entry.inputs);
        match earlier {
            Some(s) if files_fingerprint(&dir, k, sources.known).as_deref() == Some(&s.files) => {
                shards.push(s.clone());
            }
            _ => {
                stale.push((k, group));
                shards.push(entry);
            }
        }
    }
    let built = build_shards(&dir, &stale, spool, sources, lang)?;
    let mut report = SearchReport {
        shards: shards.len(),
        rebuilt: built.len(),
        ..SearchReport::default()
    };
    for (k, files) in built {
        shards[k].files =
            fingerprint_of(files.iter().map(|(p, d)| (p.as_str(), &d.digests.sha256)));
        report.files.extend(
            files
                .into_iter()
                .map(|(p, d)| (format!("data/search/{p}"), d)),
        );
    }
    remove_surplus_shards(&dir, shards.len())?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        language: lang.to_owned(),
        shards,
    };
    let mut bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::io("write", dir.join(MANIFEST), e.into()))?;
    bytes.push(b'\n');
    fsutil::write_derived(&dir.join(MANIFEST), &bytes)?;
    report
        .files
        .push((format!("data/search/{MANIFEST}"), FileDigests::of(&bytes)));
    report.files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(report)
}

/// Removes the index (`--no-search`).
pub fn remove(data_dir: &Path) -> Result<()> {
    let dir = data_dir.join(SEARCH_DIR);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", dir, e)),
        _ => Ok(()),
    }
}

/// The fingerprint of what a shard is built from.
fn inputs(options: &RenderOptions, dir: &str, group: &[Entry]) -> String {
    let mut h = Sha256::new();
    for part in [
        FORMAT,
        RENDERER,
        language(options.lang),
        options.timezone.name(),
        dir,
    ] {
        field(&mut h, part.as_bytes());
    }
    for e in group {
        field(&mut h, e.stem.as_bytes());
        field(&mut h, &e.record);
    }
    to_hex(&h.finalize())
}

/// The fingerprint of a shard's files: their paths inside `search/` and SHA-256, sorted.
fn fingerprint_of<'a>(files: impl Iterator<Item = (&'a str, &'a [u8; 32])>) -> String {
    to_hex(&fingerprint::files(files))
}

/// The fingerprint of shard `k`'s files as they are on disk (`None` when they cannot be
/// read: the shard is rebuilt). Their SHA-256 comes from the bag's hash cache where it
/// vouches for a file, else from reading it (a file restored by the last run is newer
/// than the state file until the state file changes again).
fn files_fingerprint(dir: &Path, k: usize, known: &dyn KnownFiles) -> Option<String> {
    let files = shard_files(dir, k).ok()?;
    let mut digests = Vec::with_capacity(files.len());
    for rel in files {
        let sha256 = known.sha256_or_read(&format!("data/search/{rel}"), &dir.join(&rel))?;
        digests.push((rel, sha256));
    }
    Some(fingerprint_of(digests.iter().map(|(p, d)| (p.as_str(), d))))
}

/// The files of shard `k` on disk, as paths inside `search/`: for the first, the files in
/// `search/` itself (but the manifest) and in its `index/`, `fragment/` and `filter/`;
/// for the others, everything under their folder.
fn shard_files(dir: &Path, k: usize) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    if k == 0 {
        list_files(dir, "", false, &mut out)?;
        out.retain(|p| p != MANIFEST);
        for sub in ["index", "fragment", "filter"] {
            list_files(&dir.join(sub), &format!("{sub}/"), true, &mut out)?;
        }
    } else {
        let sub = shard_dir(k);
        list_files(&dir.join(&sub), &sub, true, &mut out)?;
    }
    Ok(out)
}

/// Appends the files under `dir` (recursively when `deep`) as `prefix` + their path.
fn list_files(dir: &Path, prefix: &str, deep: bool, out: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if kind.is_dir() && deep {
            list_files(&entry.path(), &format!("{prefix}{name}/"), true, out)?;
        } else if !kind.is_dir() {
            out.push(format!("{prefix}{name}"));
        }
    }
    Ok(())
}

/// A built shard: its index and its files with their digests (paths inside `search/`).
type Built = (usize, Vec<(String, FileDigests)>);

/// Builds and writes the shards `stale`, [`PARALLEL_SHARDS`] at a time (each holds its
/// documents and its index in memory while it is built).
fn build_shards(
    dir: &Path,
    stale: &[(usize, &[Entry])],
    spool: &Spool,
    sources: &Sources<'_>,
    lang: &str,
) -> Result<Vec<Built>> {
    if stale.is_empty() {
        return Ok(Vec::new());
    }
    let runtime = bundle::runtime_files(lang, dir)?;
    let threads = rayon::current_num_threads()
        .clamp(1, PARALLEL_SHARDS)
        .min(stale.len());
    let next = AtomicUsize::new(0);
    let built = Mutex::new(Vec::with_capacity(stale.len()));
    let work = || -> Result<()> {
        while let Some(&(k, group)) = stale.get(next.fetch_add(1, Ordering::Relaxed)) {
            let result = documents(group, spool, sources)
                .map(|docs| bundle::write(&docs, lang, &runtime, k == 0))
                .and_then(|files| write_shard(dir, k, files));
            match result {
                Ok(files) => built
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((k, files)),
                Err(e) => {
                    // The other threads stop after the shard they are building.
                    next.store(stale.len(), Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        workers.into_iter().try_for_each(|w| {
            w.join().unwrap_or_else(|_| {
                let stopped = std::io::Error::other("a thread building it stopped");
                Err(Error::io("build the search index in", dir, stopped))
            })
        })
    })?;
    let mut built = built.into_inner().unwrap_or_else(|p| p.into_inner());
    built.sort_by_key(|(k, _)| *k);
    Ok(built)
}

/// The documents of a shard's sessions: from the spool, or read again from their records.
fn documents(group: &[Entry], spool: &Spool, sources: &Sources<'_>) -> Result<Vec<SessionDoc>> {
    group
        .par_iter()
        .map(|e| match e.spooled {
            Some(slot) => spool.get(slot),
            None => reread(e, sources),
        })
        .collect()
}

/// The document of a session not rendered on this run, from its record.
fn reread(e: &Entry, sources: &Sources<'_>) -> Result<SessionDoc> {
    let path = match &e.odd_path {
        Some(p) => p.to_path_buf(),
        None => sources.records.join(format!("{}.json", e.stem)),
    };
    let bytes = fsutil::read(&path)?;
    let record = RecordRef::from_slice(&bytes, &path)?;
    let messages: Vec<_> = record
        .messages
        .iter()
        .enumerate()
        .map(|(i, raw)| parse_message(i, raw.get()))
        .collect();
    let options = sources.options;
    let stats = crate::stats::session_stats_in(&messages, options.timezone);
    let cx = Ctx {
        t: super::i18n::strings(options.lang),
        tz: options.timezone,
        lang: options.lang,
        media: sources.media,
        // As the session page shows it (the text indexed does not depend on it).
        remote_images: true,
        index_text: true,
    };
    let mut doc = builder(&record.session_id, &e.stem, &stats, options);
    let mut blocks = Vec::new();
    for m in &messages {
        blocks.clear();
        for element in &m.elements {
            elements::push_blocks(&mut blocks, element, cx);
        }
        doc.message(m, &blocks);
    }
    Ok(doc.finish())
}

/// A [`DocBuilder`] for a session, with its status as the index shows it.
pub fn builder(
    session_id: &str,
    stem: &str,
    stats: &crate::stats::SessionStats,
    options: &RenderOptions,
) -> DocBuilder {
    let t = super::i18n::strings(options.lang);
    let status = match super::index::json::status_key(stats) {
        "empty" => t.status_empty,
        "unanswered" => t.status_unanswered,
        "waiting" => t.status_waiting,
        "no-customer" => t.status_no_customer,
        _ => t.status_answered,
    };
    DocBuilder::new(
        session_id,
        stem,
        stats,
        status,
        options.timezone,
        options.lang,
    )
}

/// Writes a built shard's files and removes the files of its earlier build that it no
/// longer has; returns its files with their digests.
fn write_shard(
    dir: &Path,
    k: usize,
    files: Vec<bundle::BundleFile>,
) -> Result<Vec<(String, FileDigests)>> {
    let prefix = shard_dir(k);
    let mut written = Vec::with_capacity(files.len());
    for f in files {
        let rel = format!("{prefix}{}", f.path);
        let path: PathBuf = dir.join(&rel);
        fsutil::write_derived(&path, &f.bytes)?;
        written.push((rel, FileDigests::of(&f.bytes)));
    }
    written.sort_by(|a, b| a.0.cmp(&b.0));
    let on_disk = shard_files(dir, k).map_err(|e| Error::io("read directory", dir, e))?;
    for rel in on_disk {
        if written
            .binary_search_by(|(p, _)| p.as_str().cmp(&rel))
            .is_err()
        {
            let path = dir.join(&rel);
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    Ok(written)
}

/// Removes the folders of shards past the last one (`search/<n>/` with n > `count`), and
/// the first shard's files when there are no shards at all.
fn remove_surplus_shards(dir: &Path, count: usize) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read directory", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let number = name
            .parse::<usize>()
            .ok()
            .filter(|_| !name.starts_with('0'));
        if number.is_some_and(|n| n > count || n < 2) {
            let path = entry.path();
            std::fs::remove_dir_all(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    if count == 0 {
        for rel in shard_files(dir, 0).map_err(|e| Error::io("read directory", dir, e))? {
            let path = dir.join(&rel);
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    Ok(())
}

/// The manifest of the index in `dir`, if there is a readable one.
fn read_manifest(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join(MANIFEST)).ok()?;
    let m: Manifest = serde_json::from_slice(&bytes).ok()?;
    (m.format == FORMAT && m.version == VERSION).then_some(m)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::render::cmark::markdown_html;
    use crate::render::elements::Block;
    use crate::stats::SessionStats;

    /// A session of `texts`, one message each, built as the render builds it.
    fn doc(stem: &str, texts: &[&str]) -> SessionDoc {
        let stats = SessionStats::default();
        let mut b = DocBuilder::new(stem, stem, &stats, "answered", chrono_tz::UTC, Lang::En);
        for (i, text) in texts.iter().enumerate() {
            let raw = format!(
                r#"{{"FromAccount":"c","FromAccountRole":1,"Timestamp":{i}000,"MsgBody":[]}}"#
            );
            let m = parse_message(i, &raw);
            let blocks = [Block::Markdown {
                html: markdown_html(text),
                source: (*text).to_owned(),
                text: None,
                note: String::new(),
            }];
            b.message(&m, &blocks);
        }
        b.finish()
    }

    /// Every record of the bundle's fragment files, as JSON.
    fn fragments(files: &[bundle::BundleFile]) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for f in files.iter().filter(|f| f.path.starts_with("fragment/")) {
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(f.bytes.as_slice())
                .read_to_end(&mut bytes)
                .unwrap();
            let json = bytes.strip_prefix(b"pagefind_dcd").unwrap();
            let value: serde_json::Value = serde_json::from_slice(json).unwrap();
            // One record alone is not grouped.
            match value.get("url") {
                Some(_) => out.push(value),
                None => out.extend(value.as_object().unwrap().values().cloned()),
            }
        }
        out
    }

    #[test]
    fn records_are_chunks_with_an_anchor_per_message_and_bundles_are_reproducible() {
        let texts: Vec<String> = (0..120).map(|i| format!("word{i} refund")).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let docs = [doc("long", &texts), doc("short", &["退款 please"])];
        assert_eq!(docs[0].chunks.len(), 3, "120 messages in chunks of 50");
        let dir = tempfile::tempdir().unwrap();
        let runtime = bundle::runtime_files("en", dir.path()).unwrap();
        let one = bundle::write(&docs, "en", &runtime, true);
        let two = bundle::write(&docs, "en", &runtime, true);
        assert!(
            one.iter()
                .zip(&two)
                .all(|(a, b)| a.path == b.path && a.bytes == b.bytes),
            "two builds of the same documents differ"
        );
        assert!(one.iter().any(|f| f.path == "pagefind.js"));
        let records = fragments(&one);
        assert_eq!(records.len(), 4);
        let third = records
            .iter()
            .find(|r| r["url"] == "sessions/long.html#m-101")
            .expect("the third chunk starts at message 101");
        let anchors = third["anchors"].as_array().unwrap();
        assert_eq!(anchors.len(), 20);
        assert_eq!(anchors[0]["id"], "m-101");
        assert_eq!(third["meta"]["session"], "long");
        assert_eq!(third["filters"]["status"][0], "answered");
    }

    #[test]
    fn message_text_cannot_add_anchors_or_weights() {
        let hostile = "___PAGEFIND_ANCHOR___div:9:evil ___PAGEFIND_WEIGHT___10 <mark>x</mark>";
        let dir = tempfile::tempdir().unwrap();
        let runtime = bundle::runtime_files("en", dir.path()).unwrap();
        let files = bundle::write(&[doc("s", &[hostile])], "en", &runtime, false);
        let records = fragments(&files);
        let anchors: Vec<&str> = records[0]["anchors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(anchors, ["m-1"]);
        let content = records[0]["content"].as_str().unwrap();
        assert!(
            content.contains("PAGEFIND_ANCHOR") && !content.contains("<mark>"),
            "{content}"
        );
        assert!(!files.iter().any(|f| f.path == "pagefind.js"));
    }
}

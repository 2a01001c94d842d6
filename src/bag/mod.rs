//! The BagIt layer (RFC 8493, SPEC §3): writes the tag files that make the archive
//! directory a bag whose payload is `data/`, and validates such bags as
//! `bagit.py --validate` would.
//!
//! [`write_bag`] (re)writes `bagit.txt`, `bag-info.txt`, `manifest-sha256.txt`,
//! `manifest-sha512.txt`, the hash cache `desk-archive-state.json` (format in [`crate::state::file`]'s
//! docs) and the two tag manifests, each atomically and only when its bytes change.
//! [`verify`] re-hashes everything and names each problem.

mod fixity;
mod info;
mod manifest;
mod payload;
mod verify;

/// How manifests write and check paths, for the readers of a bag (`publish`).
pub(crate) use manifest::{decode_path, is_safe_path};

use std::fs;
use std::io;
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;

pub use crate::digest::{Digests, FileDigests};
use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};
pub use crate::state::Cache;
use crate::state::{IndexMark, SessionStore};
use crate::wal::Wal;
use manifest::Algorithm;
use payload::PayloadFile;

pub use crate::state::STATE_FILE;
pub use fixity::{Change, ChangeKind, Fixity, check as check_fixity, is_primary};
pub use info::{bagging_date, bagging_date_from_env};
pub use verify::{VerifyReport, verify};

/// What `bag-info.txt` says besides the figures computed from the payload.
#[derive(Debug, Clone, Default)]
pub struct BagInfo {
    /// Source-Organization; `None` keeps the value of the existing bag-info.txt, if any.
    pub source_organization: Option<String>,
    /// External-Identifier (the SDKAppID); `None` keeps the existing value, if any, since
    /// `render` does not know the SDKAppID.
    pub external_identifier: Option<String>,
    /// Bag-Software-Agent, e.g. `desk-archive/0.1.0`.
    pub software_agent: String,
    /// Further fields written last, in this order, e.g. `("Desk-Sessions", "20")`. Labels
    /// must not contain `:` or whitespace (they are replaced by `-`).
    pub extra: Vec<(String, String)>,
}

impl BagInfo {
    /// The Bag-Software-Agent of this build: `desk-archive/<version>`.
    pub fn this_software() -> String {
        format!("desk-archive/{}", env!("CARGO_PKG_VERSION"))
    }
}

/// The fields of `dir/bag-info.txt` in file order (empty when it cannot be read).
pub fn read_info(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("bag-info.txt"))
        .map(|text| info::parse_fields(&text).0)
        .unwrap_or_default()
}

/// What [`write_bag`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BagReport {
    /// Payload files in the manifests.
    pub files: usize,
    /// Their total size in bytes (the octets of Payload-Oxum).
    pub octets: u64,
    /// Files whose contents were read and hashed on this run.
    pub hashed: usize,
    /// Files whose hashes came from the hash cache.
    pub cached: usize,
    /// Whether manifest-sha256.txt changed (and so the Bagging-Date may have).
    pub payload_changed: bool,
    /// Tag files whose bytes changed on disk, by name.
    pub written: Vec<String>,
    /// Leftover temporary files of an interrupted run that were removed.
    pub leftovers_removed: usize,
}

/// (Re)writes every tag file of the bag in `dir` for the payload currently under
/// `dir/data`. The Bagging-Date of a changed payload is the UTC date of SOURCE_DATE_EPOCH,
/// else today (see [`write_bag_dated`]).
pub fn write_bag(dir: &Path, info: &BagInfo) -> Result<BagReport> {
    write_bag_dated(dir, info, bagging_date_from_env())
}

/// [`write_bag`] with the Bagging-Date given: `today` is used when the payload changed
/// (or no earlier date is known); otherwise the existing Bagging-Date is kept.
pub fn write_bag_dated(dir: &Path, info: &BagInfo, today: NaiveDate) -> Result<BagReport> {
    let (cache, sessions) = crate::state::load(dir, &crate::wal::Finished::read(dir));
    let sessions = match sessions {
        Some(sessions) => sessions,
        None => SessionStore::new(dir)?,
    };
    let known = Known {
        sessions: &sessions,
        fetched: &[],
        written: &[],
        index: None,
    };
    write_bag_from(
        dir,
        info,
        today,
        &cache,
        known,
        &Wal::disabled(),
        &mut |_| Ok(false),
    )
}

/// What this run wrote and hashed as it wrote it, so the bag need not read it back.
#[derive(Clone, Copy)]
pub struct Known<'a> {
    /// What the render left (their `written` files, and the state file's sessions).
    pub sessions: &'a SessionStore,
    /// Records the fetcher wrote, by stem, sorted by stem.
    pub fetched: &'a [(String, FileDigests)],
    /// Other files the render wrote (the search index), by bag-relative path, sorted.
    pub written: &'a [(String, FileDigests)],
    /// The mark of the index pages the render left; `None` (no render, or one that left
    /// the index as it was) keeps the mark of the last state file.
    pub index: Option<IndexMark>,
}

/// What the audit log is told of a bag about to be written (SPEC §14): its Payload-Oxum
/// and the SHA-256 of its manifest-sha256.txt, both computed without the audit log itself
/// (an entry cannot describe the file it is part of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFacts {
    /// `<octets>.<files>`.
    pub oxum: String,
    /// SHA-256 of the manifest's lines, the line of `data/audit.jsonl` left out.
    pub manifest_sha256: [u8; 32],
}

/// Called with the facts of the payload about to be listed; returns whether it appended to
/// `data/audit.jsonl` (which is then hashed again).
pub type AuditHook<'a> = &'a mut dyn FnMut(&PayloadFacts) -> Result<bool>;

/// [`write_bag`] after a render: `cache` is the hash cache loaded before the render
/// ([`crate::state::load`]), `sessions` what the render left (sorted by stem). The files the
/// render wrote are not read again: their digests were taken as they were written. The
/// write-ahead list `wal` is marked before the tag files are rewritten and removed once
/// the tag manifests are in place; `audit` may append the run's entry first.
pub fn write_bag_rendered(
    dir: &Path,
    info: &BagInfo,
    cache: &Cache,
    known: Known<'_>,
    wal: &Wal,
    audit: AuditHook<'_>,
) -> Result<BagReport> {
    write_bag_from(dir, info, bagging_date_from_env(), cache, known, wal, audit)
}

/// The manifest path of the audit log, left out of [`PayloadFacts::manifest_sha256`].
pub const AUDIT_REL: &str = "data/audit.jsonl";

/// SHA-256 over manifest lines (as written, each ending in `\n`), those of the audit log
/// and its pages left out.
pub fn manifest_digest<'a>(lines: impl Iterator<Item = (&'a str, &'a str)>) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut line = Vec::new();
    for (hex, rel) in lines.filter(|(_, rel)| !crate::audit::is_log_or_page(rel)) {
        line.clear();
        // Writing to a Vec cannot fail.
        let _ = manifest::write_line(&mut line, hex, rel);
        h.update(&line);
    }
    h.finalize().into()
}

/// The value of a `bag-info.txt` field of the bag in `dir`, if it has one.
pub fn info_field(dir: &Path, label: &str) -> Option<String> {
    let text = fs::read_to_string(dir.join("bag-info.txt")).ok()?;
    let (fields, _) = info::parse_fields(&text);
    info::field(&fields, label).map(str::to_owned)
}

/// The facts of the bag as it stands on disk (its last manifest and Payload-Oxum), or
/// `None` when there is no manifest yet.
pub fn facts_on_disk(dir: &Path) -> Option<PayloadFacts> {
    let text = fs::read_to_string(dir.join(Algorithm::Sha256.manifest())).ok()?;
    let (entries, _) = manifest::parse(&text);
    let manifest_sha256 = manifest_digest(
        entries
            .iter()
            .map(|e| (e.checksum.as_str(), e.path.as_str())),
    );
    let info = fs::read_to_string(dir.join("bag-info.txt")).unwrap_or_default();
    let (fields, _) = info::parse_fields(&info);
    let oxum = info::field(&fields, "Payload-Oxum").unwrap_or_default();
    // The audit log and its pages are left out of the Payload-Oxum too, as in the
    // manifest digest.
    let (mut less_octets, mut less_files) = (0u64, 0u64);
    for entry in entries
        .iter()
        .filter(|e| crate::audit::is_log_or_page(&e.path))
    {
        less_octets += fs::metadata(dir.join(&entry.path)).map_or(0, |m| m.len());
        less_files += 1;
    }
    let oxum = match oxum
        .split_once('.')
        .map(|(o, f)| (o.parse::<u64>(), f.parse::<u64>()))
    {
        Some((Ok(o), Ok(f))) if less_files > 0 => format!(
            "{}.{}",
            o.saturating_sub(less_octets),
            f.saturating_sub(less_files)
        ),
        _ => oxum.to_owned(),
    };
    Some(PayloadFacts {
        oxum,
        manifest_sha256,
    })
}

#[allow(clippy::too_many_arguments)]
fn write_bag_from(
    dir: &Path,
    info: &BagInfo,
    today: NaiveDate,
    cache: &Cache,
    known: Known<'_>,
    wal: &Wal,
    audit: AuditHook<'_>,
) -> Result<BagReport> {
    let sessions = known.sessions;
    let (mut files, mut hashed_now, leftovers_removed) = scan(dir, cache, known)?;
    let facts = payload_facts(dir, &files, &hashed_now, cache, known)?;
    if audit(&facts)? {
        (files, hashed_now, _) = scan(dir, cache, known)?;
    }
    let mut report = BagReport {
        files: files.len(),
        leftovers_removed,
        ..Default::default()
    };
    let digests_of = |i: usize, file: &PayloadFile| -> io::Result<Hashed> {
        digests_at(dir, i, file, &hashed_now, cache, known)
    };
    for (i, file) in files.iter().enumerate() {
        let h = digests_of(i, file).map_err(|e| Error::io("hash", dir.join(&file.rel), e))?;
        report.octets += h.size;
        if h.fresh {
            report.hashed += 1;
        } else {
            report.cached += 1;
        }
    }
    // From here on tag files are replaced one by one: a crash in between leaves them out
    // of step, which the next run's fixity check must not take for tampering.
    wal.append(TAG_FILES_MARK, &[0; 32])?;
    // The two manifests and the state file are independent: written side by side.
    let write_manifest = |alg: Algorithm| {
        fsutil::write_streamed(&dir.join(alg.manifest()), |out| {
            for (i, file) in files.iter().enumerate() {
                let h = digests_of(i, file)?;
                manifest::write_line(out, &crate::digest::to_hex(alg.pick(&h.digests)), &file.rel)?;
            }
            Ok(())
        })
    };
    let write_state = || {
        let entries = files
            .iter()
            .enumerate()
            .map(|(i, f)| digests_of(i, f).map(|h| (f.rel.as_str(), h.size, h.digests)));
        let index = known.index.or_else(|| cache.index_mark());
        crate::state::file::write(dir, entries, sessions, index.as_ref())
    };
    let ((sha256, sha512), state) = rayon::join(
        || {
            rayon::join(
                || write_manifest(Algorithm::Sha256),
                || write_manifest(Algorithm::Sha512),
            )
        },
        write_state,
    );
    let mut written = Written::default();
    // The rule of SPEC §3: the Bagging-Date moves only when the payload changes.
    report.payload_changed = written.note(&Algorithm::Sha256.manifest(), sha256?);
    written.note(&Algorithm::Sha512.manifest(), sha512?);
    let bagit = fsutil::write_atomic(&dir.join("bagit.txt"), info::BAGIT_TXT.as_bytes())?;
    written.note("bagit.txt", bagit);
    let bag_info = render_bag_info(dir, info, today, &report);
    let bag_info = fsutil::write_atomic(&dir.join("bag-info.txt"), bag_info.as_bytes())?;
    written.note("bag-info.txt", bag_info);
    written.note(STATE_FILE, state?);
    // Last, since they cover every other tag file.
    for (alg, bytes) in Algorithm::ALL.into_iter().zip(tag_manifests(dir)?) {
        let name = alg.tagmanifest();
        written.note(&name, fsutil::write_atomic(&dir.join(&name), &bytes)?);
    }
    // The stamps the files have now, for the next run's hash cache (outside the bag).
    crate::state::StatCache::save(dir, files.iter().map(|f| (f.rel.as_str(), f.stamp)));
    wal.clear()?;
    report.written = written.0;
    Ok(report)
}

/// The write-ahead list's mark that the tag files are being rewritten.
pub const TAG_FILES_MARK: &str = "(tag files)";

/// The digests of file `i`: hashed on this run, or known (written this run, or cached).
fn digests_at(
    dir: &Path,
    i: usize,
    file: &PayloadFile,
    hashed_now: &HashedNow,
    cache: &Cache,
    known: Known<'_>,
) -> io::Result<Hashed> {
    if let Ok(k) = hashed_now.binary_search_by_key(&i, |(j, _)| *j) {
        return Ok(hashed_now[k].1);
    }
    match known_digests(file, cache, known) {
        Some(h) => Ok(h),
        // Known a moment ago (a look-up that failed now): read it after all.
        None => payload::hash_file(&dir.join(&file.rel)).map(|(_, digests, size)| Hashed {
            digests,
            size,
            fresh: true,
        }),
    }
}

/// Payload-Oxum and the audit-free manifest digest of the payload as scanned.
fn payload_facts(
    dir: &Path,
    files: &[PayloadFile],
    hashed_now: &HashedNow,
    cache: &Cache,
    known: Known<'_>,
) -> Result<PayloadFacts> {
    let mut octets = 0;
    let mut count = 0;
    let mut hexes = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        let h = digests_at(dir, i, file, hashed_now, cache, known)
            .map_err(|e| Error::io("hash", dir.join(&file.rel), e))?;
        if !crate::audit::is_log_or_page(&file.rel) {
            octets += h.size;
            count += 1;
        }
        hexes.push(crate::digest::to_hex(&h.digests.sha256));
    }
    let lines = hexes
        .iter()
        .zip(files)
        .map(|(hex, f)| (hex.as_str(), f.rel.as_str()));
    Ok(PayloadFacts {
        oxum: format!("{octets}.{count}"),
        manifest_sha256: manifest_digest(lines),
    })
}

/// Names of the tag files whose bytes changed.
#[derive(Default)]
struct Written(Vec<String>);

impl Written {
    /// Records `name` if it was written; returns whether it was.
    fn note(&mut self, name: &str, outcome: WriteOutcome) -> bool {
        let written = outcome == WriteOutcome::Written;
        if written {
            self.0.push(name.to_owned());
        }
        written
    }
}

/// Cleans up leftovers, walks `data/` and hashes what must be: the payload files sorted
/// by path, the digests of the files neither this run nor the hash cache vouches for (by
/// position in the list), and how many leftovers were removed.
fn scan(
    dir: &Path,
    cache: &Cache,
    known: Known<'_>,
) -> Result<(Vec<PayloadFile>, HashedNow, usize)> {
    let meta = fs::metadata(dir).map_err(|e| Error::io("open the bag", dir, e))?;
    if !meta.is_dir() {
        return Err(Error::io(
            "open the bag",
            dir,
            payload::invalid("not a directory"),
        ));
    }
    // Before walking, so that a killed run's debris never lands in a manifest.
    let leftovers_removed = fsutil::remove_leftovers(dir)?;
    let data = dir.join("data");
    fsutil::create_dir_all(&data)?;
    let walk = payload::walk(&data);
    if let Some(issue) = walk.issues.into_iter().next() {
        return Err(Error::io("add to the bag", issue.path, issue.error));
    }
    let hashed = crate::progress::timed("bag: hash payload", || {
        hash_unknown(dir, &walk.files, cache, known)
    })?;
    Ok((walk.files, hashed, leftovers_removed))
}

/// The files hashed on this run, by position in the walk's list, ascending.
type HashedNow = Vec<(usize, Hashed)>;

/// One payload file's hashes, and where they came from.
#[derive(Clone, Copy)]
struct Hashed {
    digests: Digests,
    size: u64,
    fresh: bool,
}

/// The digests of a file this run wrote (hashed as it was written), or the hash cache's
/// where the cache allows; `None` when the file must be read.
fn known_digests(file: &PayloadFile, cache: &Cache, known: Known<'_>) -> Option<Hashed> {
    if let Some(written) = written_this_run(&file.rel, known)
        && written.size == file.stamp.size
    {
        return Some(Hashed {
            digests: written.digests,
            size: written.size,
            fresh: true,
        });
    }
    cache.get(&file.rel, &file.stamp).map(|digests| Hashed {
        digests,
        size: file.stamp.size,
        fresh: false,
    })
}

/// Hashes, in parallel, every file [`known_digests`] knows nothing of; returns their
/// positions in `files` (ascending) and digests.
fn hash_unknown(
    dir: &Path,
    files: &[PayloadFile],
    cache: &Cache,
    known: Known<'_>,
) -> Result<HashedNow> {
    let hashed: Vec<Result<(usize, Hashed)>> = files
        .par_iter()
        .enumerate()
        .filter(|(_, file)| known_digests(file, cache, known).is_none())
        .map(|(i, file)| hash(dir, file).map(|h| (i, h)))
        .collect();
    hashed.into_iter().collect()
}

/// Reads and hashes one payload file.
fn hash(dir: &Path, file: &PayloadFile) -> Result<Hashed> {
    let path = dir.join(&file.rel);
    let (_, digests, size) = payload::hash_file(&path).map_err(|e| Error::io("hash", &path, e))?;
    Ok(Hashed {
        digests,
        size,
        fresh: true,
    })
}

/// The digests of a session's record or page taken as this run wrote (or the render read)
/// it.
fn written_this_run(rel: &str, known: Known<'_>) -> Option<FileDigests> {
    if let Ok(i) = known.written.binary_search_by(|(p, _)| p.as_str().cmp(rel)) {
        return Some(known.written[i].1);
    }
    let (dir, name) = rel.strip_prefix("data/")?.split_once('/')?;
    let (stem, ext) = name.rsplit_once('.')?;
    let rendered = known
        .sessions
        .find(stem)
        .and_then(|i| known.sessions.written(i).ok().flatten());
    let Some(written) = rendered else {
        let i = known
            .fetched
            .binary_search_by(|(s, _)| s.as_str().cmp(stem))
            .ok()?;
        return (dir == "records" && ext == "json").then_some(known.fetched[i].1);
    };
    match (dir, ext) {
        ("records", "json") => Some(written.record),
        ("sessions", "html") => Some(written.html),
        ("sessions", "md") => written.md,
        _ => None,
    }
}

/// The new bag-info.txt: fields `info` leaves out, and the date of an unchanged payload,
/// come from the existing file.
fn render_bag_info(dir: &Path, info: &BagInfo, today: NaiveDate, report: &BagReport) -> String {
    let existing = fs::read_to_string(dir.join("bag-info.txt")).unwrap_or_default();
    let (fields, _) = info::parse_fields(&existing);
    let old_date = info::field(&fields, "Bagging-Date").and_then(info::parse_date);
    info::render(&info::InfoFields {
        source_organization: info
            .source_organization
            .as_deref()
            .or_else(|| info::field(&fields, "Source-Organization")),
        bagging_date: if report.payload_changed {
            today
        } else {
            old_date.unwrap_or(today)
        },
        octets: report.octets,
        files: report.files,
        external_identifier: info
            .external_identifier
            .as_deref()
            .or_else(|| info::field(&fields, "External-Identifier")),
        software_agent: &info.software_agent,
        extra: &info.extra,
    })
}

/// The bytes of both tag manifests (sha256, sha512): every tag file we write, the tag
/// manifests excepted, sorted by name. A few short lines, so built in memory.
fn tag_manifests(dir: &Path) -> Result<[Vec<u8>; 2]> {
    let mut names = [
        "bagit.txt".to_owned(),
        "bag-info.txt".to_owned(),
        Algorithm::Sha256.manifest(),
        Algorithm::Sha512.manifest(),
        STATE_FILE.to_owned(),
    ];
    names.sort();
    let mut out = [Vec::new(), Vec::new()];
    for name in names {
        let path = dir.join(&name);
        let (_, digests, _) = payload::hash_file(&path).map_err(|e| Error::io("hash", &path, e))?;
        for (alg, out) in Algorithm::ALL.into_iter().zip(&mut out) {
            manifest::write_line(out, &crate::digest::to_hex(alg.pick(&digests)), &name)
                .map_err(|e: io::Error| Error::io("hash", &path, e))?;
        }
    }
    Ok(out)
}

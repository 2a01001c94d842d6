//! Validating a bag as `bagit.py --validate` would, naming every problem. Never trusts the
//! hash cache: every file is read and hashed again.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;

use super::info;
use super::manifest::{self, Algorithm};
use super::payload;
use crate::digest::Digests;
use crate::error::{Error, Result};

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// What makes the bag invalid; each message starts with the file it is about.
    pub problems: Vec<String>,
    /// What is odd but allowed (e.g. an unlisted file beside the tag files).
    pub warnings: Vec<String>,
}

impl VerifyReport {
    /// True when there are no problems (warnings do not count).
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Validates the bag in `dir`: `bagit.txt`; every entry of every payload manifest present
/// with the right checksum; every file under `data/` in every payload manifest;
/// Payload-Oxum; every tag manifest entry. Files beside the tag files that no tag manifest
/// lists are warnings. Errs only when `dir` itself cannot be read.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    let top = list_top(dir)?;
    let mut report = VerifyReport::default();
    check_bagit_txt(dir, &mut report);
    let payload = hash_payload(dir, &mut report);
    let manifests: Vec<_> = top.iter().filter(|n| is_manifest(n, "manifest-")).collect();
    let mut checked = 0;
    let mut missing = BTreeSet::new();
    for name in &manifests {
        match manifest_algorithm(name, "manifest-") {
            Some(alg) => {
                checked += 1;
                check_payload_manifest(dir, name, alg, &payload, &mut missing, &mut report);
            }
            None => report
                .warnings
                .push(format!("{name}: unsupported algorithm, not checked")),
        }
    }
    if checked == 0 {
        report
            .problems
            .push("manifest-sha512.txt: missing (no payload manifest)".into());
    }
    report
        .problems
        .extend(missing.into_iter().map(|p| format!("{p}: missing")));
    check_oxum(dir, &payload, &mut report);
    let listed = check_tag_manifests(dir, &top, &mut report);
    warn_unknown(&top, &listed, &mut report);
    check_audit_chain(dir, &mut report);
    Ok(report)
}

/// The audit log's hash chain (SPEC §14): the first broken entry is a problem.
fn check_audit_chain(dir: &Path, report: &mut VerifyReport) {
    let Ok(bytes) = fs::read(dir.join(super::AUDIT_REL)) else {
        return;
    };
    if let Err(why) = crate::audit::check_chain(&bytes) {
        report
            .problems
            .push(format!("{}: broken hash chain at {why}", super::AUDIT_REL));
    }
}

/// The names at the bag's top level; the only hard error of [`verify`].
fn list_top(dir: &Path) -> Result<Vec<String>> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io("read the bag", dir, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the bag", dir, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

fn is_manifest(name: &str, prefix: &str) -> bool {
    name.starts_with(prefix) && name.ends_with(".txt")
}

/// The algorithm of `<prefix><alg>.txt`, if supported.
fn manifest_algorithm(name: &str, prefix: &str) -> Option<Algorithm> {
    Algorithm::from_name(name.strip_prefix(prefix)?.strip_suffix(".txt")?)
}

fn check_bagit_txt(dir: &Path, report: &mut VerifyReport) {
    let Some(text) = read_tag_file(dir, "bagit.txt", report) else {
        return;
    };
    let (fields, errors) = info::parse_fields(&text);
    report
        .problems
        .extend(errors.into_iter().map(|e| format!("bagit.txt: {e}")));
    match info::field(&fields, "BagIt-Version") {
        None => report.problems.push("bagit.txt: no BagIt-Version".into()),
        Some("1.0") => {}
        Some(v) if is_version(v) => {
            report
                .warnings
                .push(format!("bagit.txt: BagIt-Version {v}, checked as 1.0"));
        }
        Some(v) => report
            .problems
            .push(format!("bagit.txt: bad BagIt-Version `{v}`")),
    }
    match info::field(&fields, "Tag-File-Character-Encoding") {
        None => report
            .problems
            .push("bagit.txt: no Tag-File-Character-Encoding".into()),
        Some(e) if e.eq_ignore_ascii_case("UTF-8") => {}
        Some(e) => report
            .problems
            .push(format!("bagit.txt: encoding `{e}` is not supported")),
    }
}

fn is_version(v: &str) -> bool {
    v.split_once('.').is_some_and(|(a, b)| {
        [a, b]
            .iter()
            .all(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// Reads a UTF-8 tag file; a missing or unreadable one is a problem (and `None`).
fn read_tag_file(dir: &Path, name: &str, report: &mut VerifyReport) -> Option<String> {
    match fs::read(dir.join(name)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                report.problems.push(format!("{name}: not UTF-8"));
                None
            }
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            report.problems.push(format!("{name}: missing"));
            None
        }
        Err(e) => {
            report.problems.push(format!("{name}: cannot read: {e}"));
            None
        }
    }
}

/// The payload as found on disk.
#[derive(Default)]
struct Payload {
    /// Digests of every regular file under data/ that could be read, by relative path.
    digests: HashMap<String, Digests>,
    /// Paths already reported (unreadable, symlinks, special files): not also "missing".
    reported: BTreeSet<String>,
    /// Every regular file, sorted (for "not in manifest" checks).
    files: Vec<String>,
    /// Total bytes of the regular files.
    octets: u64,
}

fn hash_payload(dir: &Path, report: &mut VerifyReport) -> Payload {
    let data = dir.join("data");
    match fs::symlink_metadata(&data) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            report.problems.push("data/: not a directory".into());
            return Payload::default();
        }
        Err(_) => {
            report.problems.push("data/: missing".into());
            return Payload::default();
        }
    }
    let walk = payload::walk(&data);
    let mut payload = Payload::default();
    for issue in walk.issues {
        report
            .problems
            .push(format!("{}: {}", issue.rel, issue.error));
        payload.reported.insert(issue.rel);
    }
    let hashed: Vec<_> = walk
        .files
        .par_iter()
        .map(|f| payload::hash_file(&dir.join(&f.rel)))
        .collect();
    for (file, result) in walk.files.into_iter().zip(hashed) {
        match result {
            Ok((_, digests, size)) => {
                payload.octets += size;
                payload.digests.insert(file.rel.clone(), digests);
            }
            Err(e) => {
                report
                    .problems
                    .push(format!("{}: cannot read: {e}", file.rel));
                payload.reported.insert(file.rel.clone());
            }
        }
        payload.files.push(file.rel);
    }
    payload
}

fn check_payload_manifest(
    dir: &Path,
    name: &str,
    alg: Algorithm,
    payload: &Payload,
    missing: &mut BTreeSet<String>,
    report: &mut VerifyReport,
) {
    let Some(text) = read_tag_file(dir, name, report) else {
        return;
    };
    let (entries, errors) = manifest::parse(&text);
    report
        .problems
        .extend(errors.into_iter().map(|e| format!("{name}: {e}")));
    let mut seen = BTreeSet::new();
    for entry in entries {
        if !manifest::is_safe_path(&entry.path) || !entry.path.starts_with("data/") {
            let line = entry.line;
            report
                .problems
                .push(format!("{name}: line {line}: path outside data/"));
            continue;
        }
        if !seen.insert(entry.path.clone()) {
            report
                .problems
                .push(format!("{}: listed twice in {name}", entry.path));
            continue;
        }
        match payload.digests.get(&entry.path) {
            Some(d) if crate::digest::to_hex(alg.pick(d)) == entry.checksum => {}
            Some(_) => report
                .problems
                .push(format!("{}: {} mismatch", entry.path, alg.name())),
            None if payload.reported.contains(&entry.path) => {}
            None => {
                missing.insert(entry.path);
            }
        }
    }
    for file in &payload.files {
        if !seen.contains(file) {
            report.problems.push(format!("{file}: not in {name}"));
        }
    }
}

fn check_oxum(dir: &Path, payload: &Payload, report: &mut VerifyReport) {
    let name = "bag-info.txt";
    let text = match fs::read(dir.join(name)) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        // bag-info.txt is optional (RFC 8493 §2.2.2); if a tag manifest lists it, its
        // absence is reported there.
        Err(_) => return report.warnings.push(format!("{name}: missing")),
    };
    let (fields, errors) = info::parse_fields(&text);
    report
        .problems
        .extend(errors.into_iter().map(|e| format!("{name}: {e}")));
    let Some(oxum) = info::field(&fields, "Payload-Oxum") else {
        return report.warnings.push(format!("{name}: no Payload-Oxum"));
    };
    let actual = (payload.octets, payload.files.len());
    match info::parse_oxum(oxum) {
        None => report
            .problems
            .push(format!("{name}: malformed Payload-Oxum `{oxum}`")),
        Some(stated) if stated == actual => {}
        Some(_) => report.problems.push(format!(
            "{name}: Payload-Oxum is {oxum} but data/ holds {}.{}",
            actual.0, actual.1
        )),
    }
}

/// Checks every tag manifest; returns the paths they list (these are tag files, not
/// unknown ones).
fn check_tag_manifests(dir: &Path, top: &[String], report: &mut VerifyReport) -> BTreeSet<String> {
    let mut listed = BTreeSet::new();
    let mut any = false;
    for name in top.iter().filter(|n| is_manifest(n, "tagmanifest-")) {
        let Some(alg) = manifest_algorithm(name, "tagmanifest-") else {
            report
                .warnings
                .push(format!("{name}: unsupported algorithm, not checked"));
            continue;
        };
        any = true;
        let Some(text) = read_tag_file(dir, name, report) else {
            continue;
        };
        let (entries, errors) = manifest::parse(&text);
        report
            .problems
            .extend(errors.into_iter().map(|e| format!("{name}: {e}")));
        for entry in entries {
            if !manifest::is_safe_path(&entry.path) || entry.path.starts_with("data/") {
                let line = entry.line;
                report
                    .problems
                    .push(format!("{name}: line {line}: not a tag file path"));
                continue;
            }
            check_tag_file(dir, &entry, alg, report);
            listed.insert(entry.path);
        }
    }
    if !any {
        report
            .warnings
            .push("tagmanifest-sha512.txt: missing, tag files not checked".into());
    }
    listed
}

fn check_tag_file(dir: &Path, entry: &manifest::Entry, alg: Algorithm, report: &mut VerifyReport) {
    let path = dir.join(&entry.path);
    let problem = match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some("missing".to_owned()),
        Ok(meta) if !meta.is_file() => Some("not a regular file".to_owned()),
        _ => match payload::hash_file(&path) {
            Ok((_, d, _)) if crate::digest::to_hex(alg.pick(&d)) == entry.checksum => None,
            Ok(_) => Some(format!("{} mismatch", alg.name())),
            Err(e) => Some(format!("cannot read: {e}")),
        },
    };
    if let Some(problem) = problem {
        report.problems.push(format!("{}: {problem}", entry.path));
    }
}

/// Warns about top-level entries that are neither standard tag files nor listed in a tag
/// manifest: the bag is still valid (bagit.py ignores them too).
fn warn_unknown(top: &[String], listed: &BTreeSet<String>, report: &mut VerifyReport) {
    for name in top {
        // Our own files beside the bag, outside the manifests by design (SPEC §3, §9,
        // §10): the write-ahead list and listen's journal.
        let ours = name == crate::wal::WAL_FILE || name == "listen.journal";
        let standard = ours
            || name == "data"
            || name == "bagit.txt"
            || name == "bag-info.txt"
            || is_manifest(name, "manifest-")
            || is_manifest(name, "tagmanifest-");
        let prefix = format!("{name}/");
        let is_listed = listed.contains(name) || listed.iter().any(|p| p.starts_with(&prefix));
        if !standard && !is_listed {
            report
                .warnings
                .push(format!("{name}: not part of the bag, not checked"));
        }
    }
}

//! Validating a bag by the BagIt rules — RFC 8493 for 1.0 bags, the 0.97 draft for older
//! ones — naming every problem, so that `verify` can be trusted on bags other tools made
//! (the Library of Congress conformance suite is its test). Never trusts the hash cache:
//! every file is read and hashed again, with every algorithm its manifests name.

mod algorithms;
mod declaration;
mod entries;

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use super::info;
use super::payload;
use crate::error::{Error, Result};
use algorithms::{Algo, Hashed};
use declaration::{Declaration, Version};
use entries::{Entry, Scope};

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

/// Validates the bag in `dir`: `bagit.txt` (version and tag file encoding); every entry of
/// every payload manifest (md5, sha1, sha224, sha256, sha384, sha512) present with the
/// right checksum; every file under `data/` in every payload manifest; Payload-Oxum;
/// `fetch.txt`; every tag manifest entry. Files beside the tag files that no tag manifest
/// lists are warnings, and so are the oddities the BagIt conformance suite calls
/// warnings. Errs only when `dir` itself cannot be read.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    let top = list_top(dir)?;
    let mut report = VerifyReport::default();
    let decl = declaration::read(dir, &mut report);
    let manifests = payload_manifests(dir, &top, decl, &mut report);
    let algos: BTreeSet<Algo> = manifests.iter().map(|m| m.algo).collect();
    let payload = hash_payload(dir, &algos.into_iter().collect::<Vec<_>>(), &mut report);
    let mut absent = Absent::default();
    for manifest in &manifests {
        check_payload_manifest(manifest, &payload, decl.version, &mut absent, &mut report);
    }
    absent.report(&mut report);
    check_oxum(dir, decl, &payload, absent.system.len(), &mut report);
    check_fetch(dir, &top, decl, &payload, &mut report);
    let listed = check_tag_manifests(dir, &top, decl, &mut report);
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
fn manifest_algorithm(name: &str, prefix: &str) -> Option<Algo> {
    Algo::from_name(name.strip_prefix(prefix)?.strip_suffix(".txt")?)
}

/// A payload manifest that could be read.
struct Manifest {
    name: String,
    algo: Algo,
    entries: Vec<Entry>,
}

/// Reads every payload manifest whose algorithm we know; the others are warnings, and a
/// bag with none we can check is invalid.
fn payload_manifests(
    dir: &Path,
    top: &[String],
    decl: Declaration,
    report: &mut VerifyReport,
) -> Vec<Manifest> {
    let mut manifests = Vec::new();
    let mut known = 0;
    for name in top.iter().filter(|n| is_manifest(n, "manifest-")) {
        let Some(algo) = manifest_algorithm(name, "manifest-") else {
            report
                .warnings
                .push(format!("{name}: unsupported algorithm, not checked"));
            continue;
        };
        known += 1;
        let Some(text) = declaration::read_tag_file(dir, name, decl.encoding, report) else {
            continue;
        };
        let entries = entries::parse_manifest(name, &text, decl.version, Scope::Payload, report);
        manifests.push(Manifest {
            name: name.clone(),
            algo,
            entries,
        });
    }
    if known == 0 {
        report
            .problems
            .push("manifest-sha512.txt: missing (no payload manifest)".into());
    }
    manifests
}

/// The payload as found on disk.
#[derive(Default)]
struct Payload {
    /// Size and checksums of every regular file under data/ that could be read.
    hashed: HashMap<String, Hashed>,
    /// Paths already reported (unreadable, symlinks, special files): not also "missing".
    reported: BTreeSet<String>,
    /// Every regular file, sorted (for "not in manifest" checks).
    files: Vec<String>,
    /// Total bytes of the regular files.
    octets: u64,
    /// Files by [`fold`]ed name, built when first needed.
    folded: OnceCell<HashMap<String, String>>,
}

impl Payload {
    /// The file a missing manifest path names on a file system that ignores case or
    /// Unicode normalisation, if there is one.
    fn equivalent(&self, path: &str) -> Option<&str> {
        let folded = self
            .folded
            .get_or_init(|| self.files.iter().map(|f| (fold(f), f.clone())).collect());
        folded.get(&fold(path)).map(String::as_str)
    }
}

/// A name as macOS and Windows compare them: Unicode NFC, case ignored.
fn fold(path: &str) -> String {
    path.nfc().flat_map(char::to_lowercase).collect()
}

fn hash_payload(dir: &Path, algos: &[Algo], report: &mut VerifyReport) -> Payload {
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
        .map(|f| algorithms::hash_file(&dir.join(&f.rel), algos))
        .collect();
    for (file, result) in walk.files.into_iter().zip(hashed) {
        match result {
            Ok(hashed) => {
                payload.octets += hashed.size;
                payload.hashed.insert(file.rel.clone(), hashed);
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

/// Manifest entries with no file, over all payload manifests.
#[derive(Default)]
struct Absent {
    /// Missing: a problem.
    missing: BTreeSet<String>,
    /// Operating-system metadata files (`.DS_Store`, `Thumbs.db`…) that copying tools
    /// drop: a warning.
    system: BTreeSet<String>,
}

impl Absent {
    fn report(&self, report: &mut VerifyReport) {
        report
            .problems
            .extend(self.missing.iter().map(|p| format!("{p}: missing")));
        report.warnings.extend(
            self.system
                .iter()
                .map(|p| format!("{p}: missing, but it is an operating system's metadata file")),
        );
    }
}

/// Whether the file name is one that operating systems create (and copies drop).
fn is_system_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("._")
        || [
            ".ds_store",
            "thumbs.db",
            "ehthumbs.db",
            "desktop.ini",
            ".spotlight-v100",
            ".trashes",
            ".fseventsd",
            ".temporaryitems",
        ]
        .contains(&name.to_ascii_lowercase().as_str())
}

fn check_payload_manifest(
    manifest: &Manifest,
    payload: &Payload,
    version: Version,
    absent: &mut Absent,
    report: &mut VerifyReport,
) {
    let (name, algo) = (manifest.name.as_str(), manifest.algo);
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let mut covered: HashSet<&str> = HashSet::new();
    for entry in &manifest.entries {
        if !first_listing(entry, &mut seen, name, version, report) {
            continue;
        }
        let path = entry.path.as_str();
        let (actual, hashed) = match payload.hashed.get(path) {
            Some(hashed) => (path, hashed),
            None if payload.reported.contains(path) => continue,
            None => match payload.equivalent(path) {
                Some(other) if payload.hashed.contains_key(other) => {
                    report.warnings.push(format!(
                        "{path}: listed in {name}, found as `{other}` (the names differ only in case or Unicode normalisation)"
                    ));
                    (other, &payload.hashed[other])
                }
                _ if is_system_file(path) => {
                    absent.system.insert(entry.path.clone());
                    continue;
                }
                _ => {
                    absent.missing.insert(entry.path.clone());
                    continue;
                }
            },
        };
        covered.insert(actual);
        if hashed.get(algo) != Some(entry.checksum.as_str()) {
            report
                .problems
                .push(format!("{path}: {} mismatch", algo.name()));
        }
    }
    for file in &payload.files {
        if !covered.contains(file.as_str()) && !payload.reported.contains(file) {
            report.problems.push(format!("{file}: not in {name}"));
        }
    }
}

/// Whether `entry` is its path's first line in the manifest. A repeat with another
/// checksum is a problem; with the same one it is a problem in 1.0 (RFC 8493 §2.1.3) and
/// a warning in older bags.
fn first_listing<'a>(
    entry: &'a Entry,
    seen: &mut HashMap<&'a str, &'a str>,
    name: &str,
    version: Version,
    report: &mut VerifyReport,
) -> bool {
    let path = entry.path.as_str();
    let Some(&first) = seen.get(path) else {
        seen.insert(path, &entry.checksum);
        return true;
    };
    let message = if first != entry.checksum {
        format!("{path}: listed twice in {name}, with different checksums")
    } else {
        format!("{path}: listed twice in {name}")
    };
    if first == entry.checksum && version == Version::Draft {
        report.warnings.push(message);
    } else {
        report.problems.push(message);
    }
    false
}

fn check_oxum(
    dir: &Path,
    decl: Declaration,
    payload: &Payload,
    system_absent: usize,
    report: &mut VerifyReport,
) {
    let name = "bag-info.txt";
    if !dir.join(name).exists() {
        // bag-info.txt is optional (RFC 8493 §2.2.2); if a tag manifest lists it, its
        // absence is reported there.
        return report.warnings.push(format!("{name}: missing"));
    }
    let Some(text) = declaration::read_tag_file(dir, name, decl.encoding, report) else {
        return;
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
        Some(stated) => {
            let message = format!(
                "{name}: Payload-Oxum is {oxum} but data/ holds {}.{}",
                actual.0, actual.1
            );
            // Explained by the metadata files that are missing: a warning, like them.
            let explained =
                system_absent > 0 && stated.1 == actual.1 + system_absent && stated.0 >= actual.0;
            if explained {
                report.warnings.push(message);
            } else {
                report.problems.push(message);
            }
        }
    }
}

/// `fetch.txt` (RFC 8493 §2.2.3): every line well formed and inside `data/`, and every
/// file it lists fetched (a bag with holes is not complete, so not valid). Nothing is
/// ever downloaded.
fn check_fetch(
    dir: &Path,
    top: &[String],
    decl: Declaration,
    payload: &Payload,
    report: &mut VerifyReport,
) {
    let name = "fetch.txt";
    if !top.iter().any(|n| n == name) {
        return;
    }
    let Some(text) = declaration::read_tag_file(dir, name, decl.encoding, report) else {
        return;
    };
    for item in entries::parse_fetch(&text, decl.version, report) {
        if !payload.hashed.contains_key(&item.path) && !payload.reported.contains(&item.path) {
            report.problems.push(format!(
                "{}: listed in {name} (line {}) but not fetched: the bag is incomplete",
                item.path, item.line
            ));
        }
    }
}

/// Checks every tag manifest; returns the paths they list (these are tag files, not
/// unknown ones).
fn check_tag_manifests(
    dir: &Path,
    top: &[String],
    decl: Declaration,
    report: &mut VerifyReport,
) -> BTreeSet<String> {
    let mut listed = BTreeSet::new();
    let mut any = false;
    for name in top.iter().filter(|n| is_manifest(n, "tagmanifest-")) {
        let Some(algo) = manifest_algorithm(name, "tagmanifest-") else {
            report
                .warnings
                .push(format!("{name}: unsupported algorithm, not checked"));
            continue;
        };
        any = true;
        let Some(text) = declaration::read_tag_file(dir, name, decl.encoding, report) else {
            continue;
        };
        for entry in entries::parse_manifest(name, &text, decl.version, Scope::Tags, report) {
            check_tag_file(dir, &entry, algo, report);
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

fn check_tag_file(dir: &Path, entry: &Entry, algo: Algo, report: &mut VerifyReport) {
    let path = dir.join(&entry.path);
    let problem = match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("missing".to_owned()),
        Ok(meta) if !meta.is_file() => Some("not a regular file".to_owned()),
        _ => match algorithms::hash_file(&path, &[algo]) {
            Ok(h) if h.get(algo) == Some(entry.checksum.as_str()) => None,
            Ok(_) => Some(format!("{} mismatch", algo.name())),
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
        // §10, §14): the write-ahead list, listen's journal, the publish targets.
        let ours = name == crate::wal::WAL_FILE
            || name == "listen.journal"
            || name == crate::state::PUBLISHED_FILE;
        let standard = ours
            || ["data", "bagit.txt", "bag-info.txt", "fetch.txt"].contains(&name.as_str())
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

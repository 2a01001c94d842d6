//! What a publish of an archive consists of: every object with its SHA-256 and size,
//! taken from the bag's `manifest-sha256.txt` when the tag manifest vouches for it
//! (otherwise every file is hashed again), and the stems of erased sessions.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::Kind;
use crate::bag::{decode_path, is_safe_path};
use crate::error::{Error, Result};

/// Files of `data/` a site publish leaves out: compliance records, not pages.
pub const SITE_EXCLUDED: [&str; 2] = ["audit.jsonl", "holds.json"];

/// One file of the archive as an object of the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalObject {
    /// Its key relative to the target's prefix (`index.html`, or `data/index.html` in a bag).
    pub key: String,
    /// The file.
    pub path: PathBuf,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// The archive as a publish sees it.
#[derive(Debug, Default)]
pub struct Local {
    /// Every object, sorted by key.
    pub objects: Vec<LocalObject>,
    /// Stems of the sessions coverage.json marks `erased`.
    pub erased: Vec<String>,
    /// Things to tell the user (a manifest the tag manifest does not vouch for).
    pub warnings: Vec<String>,
}

/// Reads the archive in `dir` as a site (`data/` without [`SITE_EXCLUDED`]) or a bag.
pub fn load(dir: &Path, kind: Kind) -> Result<Local> {
    if !dir.join("bagit.txt").is_file() {
        return Err(Error::Usage(format!(
            "`{}` is not an archive (no bagit.txt)",
            dir.display()
        )));
    }
    let mut warnings = Vec::new();
    let payload = payload_hashes(dir, &mut warnings)?;
    let mut entries: Vec<(String, String)> = match kind {
        Kind::Site => payload
            .into_iter()
            .filter_map(|(path, hex)| {
                let key = path.strip_prefix("data/")?.to_owned();
                (!SITE_EXCLUDED.contains(&key.as_str())).then_some((key, hex))
            })
            .collect(),
        Kind::Bag => {
            let mut all: Vec<_> = payload.into_iter().collect();
            all.extend(tag_hashes(dir, &mut warnings)?);
            all
        }
    };
    entries.sort();
    let objects = entries
        .into_par_iter()
        .map(|(key, sha256)| {
            let path = match kind {
                Kind::Site => dir.join("data").join(&key),
                Kind::Bag => dir.join(&key),
            };
            let size = std::fs::metadata(&path)
                .map_err(|e| missing(&path, e))?
                .len();
            Ok(LocalObject {
                key,
                path,
                sha256,
                size,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Local {
        objects,
        erased: erased_stems(&dir.join("data"))?,
        warnings,
    })
}

fn missing(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::Changed(format!(
            "`{}` is in the bag's manifest but missing: run `desk-archive verify`",
            path.display()
        ))
    } else {
        Error::io("read", path, e)
    }
}

/// `data/…` path → SHA-256 of every payload file: the manifest's, when the tag manifest
/// vouches for the manifest, else hashed here.
fn payload_hashes(dir: &Path, warnings: &mut Vec<String>) -> Result<BTreeMap<String, String>> {
    let name = "manifest-sha256.txt";
    let path = dir.join(name);
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::Usage(format!(
            "`{}` is not an archive: cannot read {name}: {e}",
            dir.display()
        ))
    })?;
    let vouched = tag_manifest(dir)?
        .get(name)
        .is_some_and(|hex| *hex == hex::encode(Sha256::digest(&bytes)));
    let text = String::from_utf8_lossy(&bytes);
    let (entries, complete) = parse_manifest(&text);
    if vouched && complete {
        let mut hashes = BTreeMap::new();
        for (path, checksum) in entries {
            check_path(&path, name)?;
            hashes.insert(path, checksum);
        }
        return Ok(hashes);
    }
    warnings.push(format!(
        "{name} does not match tagmanifest-sha256.txt: every file is hashed again (run `desk-archive verify`)"
    ));
    let mut paths = Vec::new();
    for (path, _) in entries {
        check_path(&path, name)?;
        paths.push(path);
    }
    paths
        .into_par_iter()
        .map(|rel| {
            let hex = hash_file(&dir.join(&rel))?;
            Ok((rel, hex))
        })
        .collect()
}

/// Tag files of a bag publish: every file the tag manifest lists, and the tag manifests.
fn tag_hashes(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = tag_manifest(dir)?.into_iter().collect();
    if out.is_empty() {
        warnings.push(
            "tagmanifest-sha256.txt is missing: the bag's tag files are not published".to_owned(),
        );
    }
    for name in ["tagmanifest-sha256.txt", "tagmanifest-sha512.txt"] {
        let path = dir.join(name);
        if path.is_file() {
            out.push((name.to_owned(), hash_file(&path)?));
        }
    }
    Ok(out)
}

/// The entries of `tagmanifest-sha256.txt` (empty when there is none).
fn tag_manifest(dir: &Path) -> Result<BTreeMap<String, String>> {
    let name = "tagmanifest-sha256.txt";
    let path = dir.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let mut out = BTreeMap::new();
    for (path, checksum) in parse_manifest(&text).0 {
        check_path(&path, name)?;
        if !path.contains('/') {
            out.insert(path, checksum);
        }
    }
    Ok(out)
}

/// Parses a BagIt manifest (`<checksum> <path>` lines, LF or CRLF, `*` binary marker
/// dropped, `%0D` `%0A` `%25` decoded in paths, RFC 8493 §2.1.3) into (path, lowercase
/// checksum) pairs, and whether every non-blank line was such a line. (The bag module
/// has its own reader; a stage does not borrow a sibling stage's helpers.)
fn parse_manifest(text: &str) -> (Vec<(String, String)>, bool) {
    let mut entries = Vec::new();
    let mut complete = true;
    for line in text.split('\n') {
        let line = line
            .strip_suffix('\r')
            .unwrap_or(line)
            .trim_start_matches([' ', '\t']);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once([' ', '\t']).and_then(|(checksum, rest)| {
            let path = rest.trim_start_matches([' ', '\t']);
            let path = path.strip_prefix('*').unwrap_or(path);
            (!path.is_empty()).then(|| (decode_path(path), checksum.to_ascii_lowercase()))
        });
        match parsed {
            Some(entry) => entries.push(entry),
            None => complete = false,
        }
    }
    (entries, complete)
}

/// A manifest path that would leave the bag (`..`, absolute) is never read or published.
fn check_path(path: &str, manifest: &str) -> Result<()> {
    if is_safe_path(path) {
        Ok(())
    } else {
        Err(Error::Changed(format!(
            "{manifest}: `{}` is not a path inside the bag",
            path.escape_debug()
        )))
    }
}

/// SHA-256 of a file, streamed.
pub fn hash_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| missing(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 256 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[derive(Deserialize)]
struct CoverageFile {
    #[serde(default)]
    sessions: Vec<CoverageEntry>,
}

#[derive(Deserialize)]
struct CoverageEntry {
    #[serde(default)]
    stem: String,
    #[serde(default)]
    state: String,
}

/// Stems of the sessions `data/coverage.json` marks `erased` (SPEC §14). Read leniently
/// (only `stem` and `state`), so that states this build does not know do not stop a publish.
pub fn erased_stems(data: &Path) -> Result<Vec<String>> {
    let path = data.join("coverage.json");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let file: CoverageFile =
        serde_json::from_slice(&bytes).map_err(|source| Error::Json { path, source })?;
    let mut stems: Vec<String> = file
        .sessions
        .into_iter()
        .filter(|e| e.state == "erased" && !e.stem.is_empty())
        .map(|e| e.stem)
        .collect();
    stems.sort();
    stems.dedup();
    Ok(stems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lines_and_unsafe_paths() {
        let (entries, complete) = parse_manifest("AB  data/x y\r\ncd *data/a%0Ab%25\n\n");
        assert!(complete);
        assert_eq!(
            entries,
            [
                ("data/x y".to_owned(), "ab".to_owned()),
                ("data/a\nb%".to_owned(), "cd".to_owned())
            ]
        );
        assert!(!parse_manifest("broken\n").1);
        for bad in ["/etc/passwd", "data/../../x", "data//x", "data\\x"] {
            assert!(check_path(bad, "manifest-sha256.txt").is_err(), "{bad}");
        }
        assert!(check_path("data/sessions/a.html", "m").is_ok());
    }

    #[test]
    fn erased_stems_come_from_coverage_states() {
        let dir = tempfile::tempdir().unwrap();
        assert!(erased_stems(dir.path()).unwrap().is_empty());
        std::fs::write(
            dir.path().join("coverage.json"),
            r#"{"sessions":[{"session_id":"a","stem":"a-1","state":"archived","when":"x"},
               {"session_id":"b","stem":"b-2","state":"erased","when":"x","reason":"GDPR"}]}"#,
        )
        .unwrap();
        assert_eq!(erased_stems(dir.path()).unwrap(), ["b-2"]);
    }
}

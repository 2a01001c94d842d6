//! The stat cache (SPEC §9): the [`Stamp`] each payload file had when its checksum in the
//! state file was last known to be right. It lets a run skip re-hashing files that did not
//! change, and it lives outside the bag — `$XDG_CACHE_HOME/desk-archive/` (default
//! `~/.cache/desk-archive/`), one file per archive, named by a hash of the archive's
//! absolute path — because stamps (times, inodes) are not reproducible and a bag's files
//! must be. Losing it costs one re-hash, nothing else; a cache that cannot be read or
//! written is ignored.
//!
//! Format: a JSON object `{"archive": "<absolute path>", "files": {"data/…": {"size",
//! "mtime_ns", "ctime_ns", "inode", "device"}, …}}`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Stamp;

/// Stamps by bag-relative path.
#[derive(Debug, Default)]
pub struct StatCache {
    stamps: HashMap<String, Stamp>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile<T> {
    archive: PathBuf,
    files: T,
}

impl StatCache {
    /// The stat cache of the archive in `dir`, or an empty one.
    pub fn load(dir: &Path) -> StatCache {
        let Some(path) = cache_path(dir) else {
            return StatCache::default();
        };
        let Ok(bytes) = std::fs::read(&path) else {
            return StatCache::default();
        };
        match serde_json::from_slice::<CacheFile<HashMap<String, Stamp>>>(&bytes) {
            Ok(file) if Some(&file.archive) == absolute(dir).as_ref() => {
                StatCache { stamps: file.files }
            }
            _ => StatCache::default(),
        }
    }

    #[cfg(test)]
    /// A cache holding these stamps.
    pub(crate) fn with(stamps: &[(&str, Stamp)]) -> StatCache {
        StatCache {
            stamps: stamps.iter().map(|(r, s)| (r.to_string(), *s)).collect(),
        }
    }

    /// Whether `rel` had exactly this stamp when its checksum was last taken.
    pub fn matches(&self, rel: &str, stamp: &Stamp) -> bool {
        self.stamps.get(rel) == Some(stamp)
    }

    /// Writes the stamps of the files whose checksums the state file now holds. Failure
    /// is only a warning: the next run re-hashes.
    pub fn save<'a>(dir: &Path, stamps: impl Iterator<Item = (&'a str, Stamp)>) {
        let (Some(path), Some(archive)) = (cache_path(dir), absolute(dir)) else {
            return;
        };
        let files: std::collections::BTreeMap<&str, Stamp> = stamps.collect();
        let written = serde_json::to_vec(&CacheFile { archive, files })
            .map_err(std::io::Error::from)
            .and_then(|bytes| {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let tmp = path.with_extension("tmp");
                std::fs::write(&tmp, bytes)?;
                std::fs::rename(&tmp, &path)
            });
        if let Err(e) = written {
            tracing::debug!("cannot write the stat cache `{}`: {e}", path.display());
        }
    }
}

/// The archive's absolute path, as the cache is keyed by it.
fn absolute(dir: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(dir).ok()
}

/// `$XDG_CACHE_HOME/desk-archive/<hash>.json`, else under `$HOME/.cache`.
fn cache_path(dir: &Path) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let archive = absolute(dir)?;
    let key = Sha256::digest(archive.as_os_str().as_encoded_bytes());
    let name = format!("{}.json", crate::digest::to_hex(&key[..16]));
    Some(base.join("desk-archive").join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keyed_by_the_archive() {
        let home = tempfile::tempdir().unwrap();
        let archive = tempfile::tempdir().unwrap();
        // SAFETY of the test: no other unit test reads XDG_CACHE_HOME.
        unsafe { std::env::set_var("XDG_CACHE_HOME", home.path()) };
        let stamp = Stamp {
            size: 1,
            mtime_ns: 2,
            ctime_ns: 3,
            inode: 4,
            device: 5,
        };
        StatCache::save(archive.path(), [("data/a", stamp)].into_iter());
        let cache = StatCache::load(archive.path());
        assert!(cache.matches("data/a", &stamp));
        assert!(!cache.matches(
            "data/a",
            &Stamp {
                ctime_ns: 9,
                ..stamp
            }
        ));
        assert!(!cache.matches("data/b", &stamp));
        let other = tempfile::tempdir().unwrap();
        assert!(!StatCache::load(other.path()).matches("data/a", &stamp));
    }
}

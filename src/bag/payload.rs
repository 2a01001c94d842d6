//! The payload side of the bag: walking `data/`, file stamps for the hash cache, and
//! hashing each file found there.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::digest::{Digests, hash_reader};
use crate::state::Stamp;

/// One regular file found under `data/`.
#[derive(Debug)]
pub(crate) struct PayloadFile {
    /// Its path relative to the bag, with '/' separators: `data/sessions/x.html`. (Its path
    /// on disk is the bag's folder joined with this: not kept, 30,000 files are 3 MB.)
    pub(crate) rel: String,
    /// Its stamp when the walk saw it.
    pub(crate) stamp: Stamp,
}

/// Something under `data/` that cannot be part of a bag.
#[derive(Debug)]
pub(crate) struct WalkIssue {
    /// Its path relative to the bag (lossy if the name is not UTF-8).
    pub(crate) rel: String,
    /// Its path on disk.
    pub(crate) path: PathBuf,
    /// What is wrong with it.
    pub(crate) error: io::Error,
}

/// Everything found under a payload directory.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// The regular files, sorted by `rel` (byte order, as in the manifests).
    pub(crate) files: Vec<PayloadFile>,
    /// Symlinks, special files, names that are not UTF-8 and unreadable directories.
    pub(crate) issues: Vec<WalkIssue>,
}

/// Walks `data_dir` recursively. Symlinks are never followed: a bag holds files, and a
/// link could point outside it (or loop).
pub(crate) fn walk(data_dir: &Path) -> Walk {
    let mut walk = Walk::default();
    walk_into(data_dir, "data", &mut walk);
    walk.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    walk.issues.sort_by(|a, b| a.rel.cmp(&b.rel));
    walk
}

fn walk_into(dir: &Path, rel_dir: &str, walk: &mut Walk) {
    let issue = |rel: String, path: &Path, error: io::Error| WalkIssue {
        rel,
        path: path.into(),
        error,
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => return walk.issues.push(issue(format!("{rel_dir}/"), dir, error)),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => return walk.issues.push(issue(format!("{rel_dir}/"), dir, error)),
        };
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            let rel = format!("{rel_dir}/{}", name.to_string_lossy());
            walk.issues
                .push(issue(rel, &path, invalid("file name is not UTF-8")));
            continue;
        };
        let rel = format!("{rel_dir}/{name}");
        // DirEntry::metadata does not follow symlinks, which is what we want.
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(error) => {
                walk.issues.push(issue(rel, &path, error));
                continue;
            }
        };
        let kind = meta.file_type();
        if kind.is_dir() {
            walk_into(&path, &rel, walk);
        } else if kind.is_file() {
            walk.files.push(PayloadFile {
                rel,
                stamp: Stamp::of(&meta),
            });
        } else if kind.is_symlink() {
            walk.issues.push(issue(
                rel,
                &path,
                invalid("symbolic link, not a regular file"),
            ));
        } else {
            walk.issues
                .push(issue(rel, &path, invalid("not a regular file")));
        }
    }
}

/// An `InvalidInput` error with a fixed message, for [`WalkIssue`]s that are not I/O failures.
pub(crate) fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Opens and hashes one file. Returns the stamp taken from the open file before reading
/// (so that a change during or after hashing shows up as a different stamp next time),
/// the digests and the byte count.
pub(crate) fn hash_file(path: &Path) -> io::Result<(Stamp, Digests, u64)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(invalid("not a regular file"));
    }
    let (digests, size) = hash_reader(&file)?;
    Ok((Stamp::of(&meta), digests, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_sorts_and_reports_links() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        fs::create_dir_all(data.join("b")).unwrap();
        fs::write(data.join("b/z.txt"), "z").unwrap();
        fs::write(data.join("a.txt"), "a").unwrap();
        fs::write(data.join("b-c.txt"), "c").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("a.txt", data.join("link")).unwrap();
        let walk = walk(&data);
        let rels: Vec<_> = walk.files.iter().map(|f| f.rel.as_str()).collect();
        // Byte order: '-' (0x2d) sorts before '/' (0x2f).
        assert_eq!(rels, ["data/a.txt", "data/b-c.txt", "data/b/z.txt"]);
        #[cfg(unix)]
        assert_eq!(walk.issues.len(), 1);
    }
}

//! File-system helpers: every error names its path, and every write is atomic
//! (temporary file in the same directory, then rename) and skipped when the bytes on disk
//! are already the ones we would write (SPEC §7: a no-op re-run rewrites nothing).

use std::fs;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::error::{Error, Result};

/// Suffix of our temporary files. Visible (no leading dot) and unmistakable, so the next
/// writing command can remove leftovers of a killed run (SPEC §3).
pub(crate) const TEMP_SUFFIX: &str = ".desk-archive-tmp";

/// What [`write_atomic`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was created or its content changed.
    Written,
    /// The file already held exactly these bytes; it was not touched.
    Unchanged,
}

/// Writes `bytes` to `path` atomically, creating parent directories, unless the file
/// already holds exactly these bytes. The data is synced to disk before the rename, so
/// the file survives a power loss too.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<WriteOutcome> {
    write_atomic_with(path, bytes, true, None, None)
}

/// [`write_atomic`] for primary evidence (SPEC §9): `rel` (the bag-relative path) and the
/// SHA-256 of `bytes` go to the write-ahead list, synced, before the rename, so that the
/// next run knows the tool itself finished this file even if the manifests never got to
/// list it.
pub(crate) fn write_evidence(
    path: &Path,
    bytes: &[u8],
    wal: &crate::wal::Wal,
    rel: &str,
) -> Result<WriteOutcome> {
    write_atomic_with(path, bytes, true, None, Some((wal, rel)))
}

/// [`write_atomic`] for many threads writing into one directory: `dir_lock` is held while
/// the temporary file is created and while it is renamed, so that the threads queue on it
/// instead of spinning on the file system's directory lock; the data is written and
/// synced outside it, in parallel.
pub(crate) fn write_atomic_in_shared_dir(
    path: &Path,
    bytes: &[u8],
    dir_lock: &std::sync::Mutex<()>,
    evidence: Option<(&crate::wal::Wal, &str)>,
) -> Result<WriteOutcome> {
    write_atomic_with(path, bytes, true, Some(dir_lock), evidence)
}

/// [`write_atomic`] without the syncs, for files derived from others (session pages,
/// rebuilt from records): a temporary file renamed into place, so a reader never sees half
/// a page, but not forced to disk one by one (a sync costs ~6 ms per file on ext4, most of
/// a 10,000-session render). After a power loss such a page may be empty or old; its stamp
/// then differs from the stat cache's and the next render writes it again.
pub(crate) fn write_derived(path: &Path, bytes: &[u8]) -> Result<WriteOutcome> {
    write_atomic_with(path, bytes, false, None, None)
}

fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    sync: bool,
    dir_lock: Option<&std::sync::Mutex<()>>,
    evidence: Option<(&crate::wal::Wal, &str)>,
) -> Result<WriteOutcome> {
    if let Ok(meta) = fs::metadata(path)
        && meta.is_file()
        && meta.len() == bytes.len() as u64
        && let Ok(existing) = fs::read(path)
        && existing == bytes
    {
        return Ok(WriteOutcome::Unchanged);
    }
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    let tmp = temp_path(path);
    let locked = || dir_lock.map(|l| l.lock().unwrap_or_else(|p| p.into_inner()));
    let result = (|| {
        let mut file = {
            let _dir = locked();
            fs::File::create(&tmp)?
        };
        file.write_all(bytes)?;
        if sync {
            file.sync_data()?;
        }
        if let Some((wal, rel)) = evidence {
            let sha256: [u8; 32] = sha2::Sha256::digest(bytes).into();
            wal.append(rel, &sha256).map_err(io::Error::other)?;
        }
        {
            let _dir = locked();
            fs::rename(&tmp, path)?;
        }
        if sync {
            sync_parent(path)?;
        }
        Ok(())
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io("write", path, source));
    }
    Ok(WriteOutcome::Written)
}

/// A file written under a temporary name, not yet synced or renamed into place: bulk
/// writers (record import) stage many, then [`commit_staged`] them together.
#[derive(Debug)]
pub(crate) struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    rel: String,
    sha256: [u8; 32],
}

/// Writes `bytes` beside `target` under a temporary name, unless `target` already holds
/// them (`None`). `rel` is the target's path in the bag, for the write-ahead list.
pub(crate) fn stage(target: &Path, rel: String, bytes: &[u8]) -> Result<Option<Staged>> {
    if fs::read(target).is_ok_and(|existing| existing == bytes) {
        return Ok(None);
    }
    if let Some(parent) = target.parent() {
        create_dir_all(parent)?;
    }
    let tmp = temp_path(target);
    fs::write(&tmp, bytes).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io("write", target, e)
    })?;
    Ok(Some(Staged {
        tmp,
        target: target.to_owned(),
        rel,
        sha256: sha2::Sha256::digest(bytes).into(),
    }))
}

/// Puts staged files in place as primary evidence (SPEC §9): their data synced (on
/// `threads` threads: the file system commits concurrent syncs together), their names and
/// checksums in the write-ahead list (one sync), renamed, and their folders synced.
pub(crate) fn commit_staged(
    staged: Vec<Staged>,
    wal: &crate::wal::Wal,
    threads: usize,
) -> Result<()> {
    let temps: Vec<PathBuf> = staged.iter().map(|s| s.tmp.clone()).collect();
    let synced = sync_files(&temps, threads);
    let logged =
        synced.and_then(|()| wal.append_all(staged.iter().map(|s| (s.rel.as_str(), &s.sha256))));
    if let Err(e) = logged {
        for s in &staged {
            let _ = fs::remove_file(&s.tmp);
        }
        return Err(e);
    }
    let mut parents = std::collections::BTreeSet::new();
    for s in &staged {
        fs::rename(&s.tmp, &s.target).map_err(|e| Error::io("write", &s.target, e))?;
        parents.insert(s.target.clone());
    }
    for target in parents
        .iter()
        .filter_map(|t| t.parent())
        .collect::<std::collections::BTreeSet<_>>()
    {
        sync_parent(&target.join("x")).map_err(|e| Error::io("sync", target, e))?;
    }
    Ok(())
}

/// Syncs the directory holding `path`, so that a rename into it survives a power loss.
pub(crate) fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let dir = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Syncs each of these files' data to disk, on `threads` threads of their own: each sync
/// mostly waits on the disk, and the file system commits concurrent syncs together. Run
/// beside CPU-bound work (the render), it costs the run next to nothing.
pub(crate) fn sync_files(paths: &[PathBuf], threads: usize) -> Result<()> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Setup(format!("cannot start {threads} threads: {e}")))?;
    pool.install(|| {
        paths.par_iter().try_for_each(|path| {
            fs::File::open(path)
                .and_then(|f| f.sync_data())
                .map_err(|e| Error::io("sync", path, e))
        })
    })
}

/// Writes `path` from what `fill` streams (never holding the whole content in memory),
/// leaving the existing file untouched when its bytes are the same (SPEC §7). The new
/// bytes are compared with the file's as they come: nothing is written while they match,
/// so a re-run that changes nothing only reads. At the first difference a temporary file
/// beside `path` takes the bytes so far and the rest; it is synced and renamed over
/// `path`. On any error the temporary file is removed and `path` is left as it was. For
/// the index, stats.json, the manifests and the state file.
pub(crate) fn write_streamed(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<CompareWriter>) -> io::Result<()>,
) -> Result<WriteOutcome> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    let tmp = temp_path(path);
    let result = (|| {
        let existing = fs::File::open(path)
            .ok()
            .filter(|f| f.metadata().is_ok_and(|m| m.is_file()));
        let mut out = io::BufWriter::with_capacity(
            256 * 1024,
            CompareWriter {
                existing: existing.map(|f| io::BufReader::with_capacity(256 * 1024, f)),
                matched: 0,
                target: path.to_owned(),
                tmp: tmp.clone(),
                diverged: None,
            },
        );
        fill(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.finish()
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        Error::io("write", path, source)
    })
}

/// The sink of [`write_streamed`]: compares what it is given with the existing file, and
/// from the first difference on writes a temporary file instead.
pub(crate) struct CompareWriter {
    /// The existing file, while the bytes still match it.
    existing: Option<io::BufReader<fs::File>>,
    /// Bytes that matched so far.
    matched: u64,
    target: PathBuf,
    tmp: PathBuf,
    /// The temporary file, once the bytes differ.
    diverged: Option<fs::File>,
}

impl CompareWriter {
    /// Switches to a temporary file holding the `matched` bytes both had in common.
    fn diverge(&mut self) -> io::Result<&mut fs::File> {
        let mut file = fs::File::create(&self.tmp)?;
        if self.matched > 0 {
            let mut same = fs::File::open(&self.target)?.take(self.matched);
            let copied = io::copy(&mut same, &mut file)?;
            if copied != self.matched {
                return Err(io::Error::other("the file changed while it was compared"));
            }
        }
        self.existing = None;
        Ok(self.diverged.insert(file))
    }

    /// Ends the write: unchanged, or the temporary file synced and renamed over the target.
    fn finish(mut self) -> io::Result<WriteOutcome> {
        if self.diverged.is_none() {
            let at_end = match &mut self.existing {
                Some(existing) => existing.fill_buf()?.is_empty(),
                None => false,
            };
            // The new bytes are the whole existing file: nothing to do.
            if at_end {
                return Ok(WriteOutcome::Unchanged);
            }
            self.diverge()?;
        }
        if let Some(file) = self.diverged.take() {
            file.sync_data()?;
        }
        fs::rename(&self.tmp, &self.target)?;
        sync_parent(&self.target)?;
        Ok(WriteOutcome::Written)
    }
}

impl io::Write for CompareWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(file) = &mut self.diverged {
            return file.write(buf);
        }
        if let Some(existing) = &mut self.existing {
            let have = existing.fill_buf()?;
            let n = have.len().min(buf.len());
            if n > 0 && have[..n] == buf[..n] {
                existing.consume(n);
                self.matched += n as u64;
                return Ok(n);
            }
        }
        self.diverge()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.diverged {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// The temporary name used while `path` is being written.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{}{}", std::process::id(), TEMP_SUFFIX));
    path.with_file_name(name)
}

/// `fs::create_dir_all` with the path in the error.
pub(crate) fn create_dir_all(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(|e| Error::io("create directory", path, e))
}

/// `fs::read` with the path in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::io("read", path, e))
}

/// Removes every leftover temporary file of ours below `dir` (a killed run's debris).
/// Returns how many were removed.
pub(crate) fn remove_leftovers(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("read directory", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| Error::io("inspect", &path, e))?;
        let leftover = path.to_string_lossy().ends_with(TEMP_SUFFIX);
        if file_type.is_dir() && leftover {
            // A killed run's download folder (`render --records URL`).
            fs::remove_dir_all(&path).map_err(|e| Error::io("remove", &path, e))?;
            removed += 1;
        } else if file_type.is_dir() {
            removed += remove_leftovers(&path)?;
        } else if path.to_string_lossy().ends_with(TEMP_SUFFIX) {
            fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_identical_write_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.txt");
        assert_eq!(write_atomic(&path, b"x").unwrap(), WriteOutcome::Written);
        assert_eq!(write_atomic(&path, b"x").unwrap(), WriteOutcome::Unchanged);
        assert_eq!(write_atomic(&path, b"y").unwrap(), WriteOutcome::Written);
        assert_eq!(fs::read(&path).unwrap(), b"y");
    }

    #[test]
    fn streamed_write_skips_identical_bytes_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/m.txt");
        let fill = |out: &mut io::BufWriter<CompareWriter>| out.write_all(b"abc\n");
        assert_eq!(write_streamed(&path, fill).unwrap(), WriteOutcome::Written);
        assert_eq!(
            write_streamed(&path, fill).unwrap(),
            WriteOutcome::Unchanged
        );
        let other = |out: &mut io::BufWriter<CompareWriter>| out.write_all(b"abd\n");
        assert_eq!(write_streamed(&path, other).unwrap(), WriteOutcome::Written);
        assert_eq!(fs::read(&path).unwrap(), b"abd\n");
        // A longer and a shorter content sharing a prefix with the file.
        for bytes in [&b"abd\nmore"[..], b"ab", b"", b"x"] {
            let fill = |out: &mut io::BufWriter<CompareWriter>| out.write_all(bytes);
            assert_eq!(write_streamed(&path, fill).unwrap(), WriteOutcome::Written);
            assert_eq!(fs::read(&path).unwrap(), bytes);
            assert_eq!(
                write_streamed(&path, fill).unwrap(),
                WriteOutcome::Unchanged
            );
        }
        // Written in many small pieces, across the buffer sizes.
        let big: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let pieces = |out: &mut io::BufWriter<CompareWriter>| {
            big.chunks(1000).try_for_each(|c| out.write_all(c))
        };
        assert_eq!(
            write_streamed(&path, pieces).unwrap(),
            WriteOutcome::Written
        );
        assert_eq!(
            write_streamed(&path, pieces).unwrap(),
            WriteOutcome::Unchanged
        );
        let mut changed = big.clone();
        changed[600_000] ^= 1;
        let fill = |out: &mut io::BufWriter<CompareWriter>| out.write_all(&changed);
        assert_eq!(write_streamed(&path, fill).unwrap(), WriteOutcome::Written);
        assert!(fs::read(&path).unwrap() == changed);
        assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_streamed_write_leaves_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        fs::write(&path, b"old").unwrap();
        let failing = |_: &mut io::BufWriter<CompareWriter>| Err(io::Error::other("boom"));
        assert!(write_streamed(&path, failing).is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("data/x.html");
        write_atomic(&real, b"ok").unwrap();
        fs::write(temp_path(&real), b"partial").unwrap();
        assert_eq!(remove_leftovers(dir.path()).unwrap(), 1);
        assert!(real.exists());
    }
}

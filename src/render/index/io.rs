//! Streamed atomic writes for the index, agent pages and `stats.json`: the content goes
//! through a `BufWriter` into a temporary file beside the target, which then replaces the
//! target — unless the target already holds exactly those bytes, in which case the target
//! is left untouched (SPEC §7: a no-op re-run rewrites nothing).

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read};
use std::path::Path;

use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};

/// Compares two files chunk by chunk, without reading either whole into memory.
fn same_content(a: &Path, b: &Path) -> io::Result<bool> {
    let (fa, fb) = (File::open(a)?, File::open(b)?);
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ra, mut rb) = (BufReader::new(fa), BufReader::new(fb));
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = ra.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        rb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

/// Writes `path` by streaming into a temporary file with `write`, then replaces `path`
/// unless it already holds the same bytes. On any error the temporary file is removed and
/// `path` is left as it was.
pub fn write_streamed(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<WriteOutcome> {
    if let Some(parent) = path.parent() {
        fsutil::create_dir_all(parent)?;
    }
    let tmp = fsutil::temp_path(path);
    let result = commit(path, &tmp, write);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| Error::io("write", path, e))
}

fn commit(
    path: &Path,
    tmp: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<WriteOutcome> {
    let mut out = BufWriter::new(File::create(tmp)?);
    write(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_data()?;
    drop(file);
    if same_content(tmp, path).unwrap_or(false) {
        fs::remove_file(tmp)?;
        return Ok(WriteOutcome::Unchanged);
    }
    fs::rename(tmp, path)?;
    Ok(WriteOutcome::Written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn unchanged_content_is_not_rewritten_and_no_temp_remains() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/x.txt");
        let w = |out: &mut BufWriter<File>| out.write_all(b"hello");
        assert_eq!(write_streamed(&path, w).unwrap(), WriteOutcome::Written);
        assert_eq!(write_streamed(&path, w).unwrap(), WriteOutcome::Unchanged);
        let other = |out: &mut BufWriter<File>| out.write_all(b"hellp");
        assert_eq!(write_streamed(&path, other).unwrap(), WriteOutcome::Written);
        assert_eq!(fs::read(&path).unwrap(), b"hellp");
        assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_leaves_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        fs::write(&path, b"old").unwrap();
        let failing = |_: &mut BufWriter<File>| Err(io::Error::other("boom"));
        assert!(write_streamed(&path, failing).is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

//! The spool: each session rendered on this run leaves its [`SessionDoc`] in a temporary
//! file, so that the index is built from it after the pages without parsing the record a
//! second time, and without holding every session's text in memory (SPEC §6).
//!
//! Like the session store, the file lives in the archive's folder and has no name there:
//! nothing is left behind if the run is killed.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::doc::SessionDoc;
use crate::error::{Error, Result};

/// Where one session's document lies in the spool.
#[derive(Debug, Clone, Copy)]
pub struct SpoolSlot {
    at: u64,
    len: u32,
}

/// Documents of the sessions rendered on this run, in a temporary file.
pub struct Spool {
    /// The file and its length.
    file: Mutex<(File, u64)>,
    /// For error messages: the folder the file lives in.
    dir: PathBuf,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool").field("dir", &self.dir).finish()
    }
}

impl Spool {
    /// An empty spool whose file lives in `dir`.
    pub fn new(dir: &Path) -> Result<Spool> {
        let file = tempfile::tempfile_in(dir)
            .map_err(|e| Error::io("create a temporary file in", dir, e))?;
        Ok(Spool {
            file: Mutex::new((file, 0)),
            dir: dir.to_owned(),
        })
    }

    /// Appends `doc` (`buf` is scratch space); callable from many threads at once.
    pub fn put(&self, doc: &SessionDoc, buf: &mut Vec<u8>) -> Result<SpoolSlot> {
        buf.clear();
        minicbor::encode(doc, &mut *buf)
            .map_err(|e| self.error(io::Error::other(e.to_string())))?;
        let len = u32::try_from(buf.len())
            .map_err(|_| self.error(io::Error::other("a session's text over 4 GiB")))?;
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let at = file.1;
        file.0
            .seek(SeekFrom::Start(at))
            .and_then(|_| file.0.write_all(buf))
            .map_err(|e| self.error(e))?;
        file.1 += buf.len() as u64;
        Ok(SpoolSlot { at, len })
    }

    /// The document in `slot`.
    pub fn get(&self, slot: SpoolSlot) -> Result<SessionDoc> {
        let mut buf = vec![0; slot.len as usize];
        {
            let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
            file.0
                .seek(SeekFrom::Start(slot.at))
                .and_then(|_| file.0.read_exact(&mut buf))
                .map_err(|e| self.error(e))?;
        }
        minicbor::decode(&buf).map_err(|e| self.error(io::Error::other(e.to_string())))
    }

    fn error(&self, e: io::Error) -> Error {
        Error::io(
            "keep a session's text for the search index in",
            &self.dir,
            e,
        )
    }
}

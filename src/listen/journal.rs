//! The journal (SPEC §10): `DIR/listen.journal`, one JSON line per accepted callback event,
//! appended and synced before the event is answered. It is the work queue, not evidence:
//! outside the bag, folded into coverage.json by each write phase, and cut only once the
//! coverage.json holding its events is in the bag's manifests.
//!
//! One thread owns the file and commits in groups: it takes every event waiting, writes
//! them with one `write`, syncs once, and only then tells each request it may answer. The
//! listener holds an exclusive `flock` on the file for its life, so a second listener on
//! the same archive is refused and other writing commands can tell whether one runs.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The journal's file name, in the archive directory beside the tag files.
pub const FILE_NAME: &str = "listen.journal";

/// Most events written with one sync: bounds the time the first of them waits.
const GROUP_MAX: usize = 4096;

/// One accepted event, as a journal line. No message bodies: only what scheduling and the
/// completeness check need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEvent {
    /// Order of acceptance; never reused, also across truncations and restarts.
    pub seq: u64,
    /// The session.
    #[serde(rename = "SessionId")]
    pub session_id: String,
    /// The event's name (`SessionBegin`, `ChatBot.UserSendMsg`, …).
    #[serde(rename = "Event", default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// When it happened, Unix milliseconds, as the sender said.
    #[serde(rename = "EventTime", default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<i64>,
    /// The message's key, for message events.
    #[serde(rename = "MsgKey", default, skip_serializing_if = "Option::is_none")]
    pub msg_key: Option<String>,
    /// When we received it (RFC 3339, UTC, milliseconds).
    pub received: String,
}

/// An event before the journal numbers it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The session.
    pub session_id: String,
    /// The event's name.
    pub event: Option<String>,
    /// When it happened (Unix ms).
    pub event_time: Option<i64>,
    /// The message's key.
    pub msg_key: Option<String>,
}

/// Why an event could not be made durable.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot write the journal `{path}`: {reason}")]
pub struct AppendError {
    /// The journal.
    pub path: String,
    /// The operating system's complaint.
    pub reason: String,
}

enum Command {
    Append(
        NewEvent,
        tokio::sync::oneshot::Sender<Result<u64, AppendError>>,
    ),
    Truncate(u64, mpsc::Sender<Result<()>>),
}

/// The open journal of a running listener.
pub struct Journal {
    path: PathBuf,
    commands: Mutex<Option<mpsc::Sender<Command>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Bytes of whole, synced lines: what a snapshot may read.
    committed: Arc<AtomicU64>,
    /// The last append failed (disk full, say): `/healthz` says so.
    failing: Arc<Mutex<Option<String>>>,
}

impl Journal {
    /// Opens (creating) `dir/listen.journal` and locks it. `next_seq` is the first number
    /// to give; numbers already in the file are skipped. Another listener on `dir` is an
    /// error naming it.
    pub fn open(dir: &Path, next_seq: u64) -> Result<Journal> {
        let path = dir.join(FILE_NAME);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| Error::io("open", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    dir: path,
                    holder: "another `desk-archive listen`".to_owned(),
                    waited: std::time::Duration::ZERO,
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        let (events, whole) = read_lines(&mut file, &path)?;
        // A torn last line (kill -9 mid-write) was never answered: cut it off.
        file.set_len(whole)
            .map_err(|e| Error::io("truncate", &path, e))?;
        let next = events
            .iter()
            .map(|e| e.seq + 1)
            .max()
            .unwrap_or(1)
            .max(next_seq);
        let committed = Arc::new(AtomicU64::new(whole));
        let failing = Arc::new(Mutex::new(None));
        let (tx, rx) = mpsc::channel();
        let owner = Owner {
            path: path.clone(),
            file,
            next,
            committed: committed.clone(),
            failing: failing.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("desk-archive-journal".into())
            .spawn(move || owner.run(rx))
            .map_err(|e| Error::Setup(format!("cannot start the journal thread: {e}")))?;
        Ok(Journal {
            path,
            commands: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
            committed,
            failing,
        })
    }

    /// Appends an event and waits until it is synced; returns its sequence number.
    pub async fn append(&self, event: NewEvent) -> Result<u64, AppendError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Command::Append(event, tx))
            .map_err(|reason| self.error(reason))?;
        rx.await
            .map_err(|_| self.error("the journal thread ended".into()))?
    }

    /// Every whole event synced so far, and the byte length they take: a write phase folds
    /// them and later cuts the journal at that length.
    pub fn snapshot(&self) -> Result<(Vec<JournalEvent>, u64)> {
        let upto = self.committed.load(Ordering::Acquire);
        let mut file = File::open(&self.path).map_err(|e| Error::io("read", &self.path, e))?;
        let mut bytes = Vec::with_capacity(upto as usize);
        (&mut file)
            .take(upto)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("read", &self.path, e))?;
        Ok((parse(&bytes, &self.path), bytes.len() as u64))
    }

    /// Removes the first `upto` bytes (events folded into a coverage.json that is now in the
    /// manifests); events appended since stay.
    pub fn truncate(&self, upto: u64) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        self.send(Command::Truncate(upto, tx))
            .map_err(Error::Setup)?;
        rx.recv()
            .map_err(|_| Error::Setup("the journal thread ended".into()))?
    }

    /// Why appends fail, when the last one did.
    pub fn failing(&self) -> Option<String> {
        self.failing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Bytes in the journal.
    pub fn len(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    /// Whether the journal holds no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops the journal thread after the commands already sent (and releases the lock).
    pub fn close(&self) {
        self.commands
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }

    fn send(&self, command: Command) -> Result<(), String> {
        let guard = self.commands.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(tx) => tx
                .send(command)
                .map_err(|_| "the journal thread ended".to_owned()),
            None => Err("the journal is closed".to_owned()),
        }
    }

    fn error(&self, reason: String) -> AppendError {
        AppendError {
            path: self.path.display().to_string(),
            reason,
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.close();
    }
}

/// The journal thread's side: the file, and the next number to give.
struct Owner {
    path: PathBuf,
    file: File,
    next: u64,
    committed: Arc<AtomicU64>,
    failing: Arc<Mutex<Option<String>>>,
}

type Waiting = Vec<(u64, tokio::sync::oneshot::Sender<Result<u64, AppendError>>)>;

impl Owner {
    fn run(mut self, rx: mpsc::Receiver<Command>) {
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            while group.len() < GROUP_MAX {
                match rx.try_recv() {
                    Ok(command) => group.push(command),
                    Err(_) => break,
                }
            }
            let mut lines = Vec::new();
            let mut waiting: Waiting = Vec::new();
            for command in group {
                match command {
                    Command::Append(event, reply) => {
                        let seq = self.line(&event, &mut lines);
                        waiting.push((seq, reply));
                    }
                    Command::Truncate(upto, reply) => {
                        self.commit(&mut lines, &mut waiting);
                        let _ = reply.send(self.cut(upto));
                    }
                }
            }
            self.commit(&mut lines, &mut waiting);
        }
    }

    /// Adds the event's line to `lines`; returns its number.
    fn line(&mut self, event: &NewEvent, lines: &mut Vec<u8>) -> u64 {
        let seq = self.next;
        self.next += 1;
        let line = JournalEvent {
            seq,
            session_id: event.session_id.clone(),
            event: event.event.clone(),
            event_time: event.event_time,
            msg_key: event.msg_key.clone(),
            received: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        // Serialising plain strings and numbers cannot fail.
        if serde_json::to_writer(&mut *lines, &line).is_ok() {
            lines.push(b'\n');
        }
        seq
    }

    /// Writes and syncs `lines`, then answers everyone waiting for them.
    fn commit(&mut self, lines: &mut Vec<u8>, waiting: &mut Waiting) {
        if waiting.is_empty() {
            return;
        }
        let before = self.committed.load(Ordering::Acquire);
        let written = self
            .file
            .write_all(lines)
            .and_then(|()| self.file.sync_data());
        let result = match written {
            Ok(()) => {
                self.committed
                    .store(before + lines.len() as u64, Ordering::Release);
                *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = None;
                Ok(())
            }
            Err(e) => {
                // Part of the group may be in the file: cut it, so that no later line
                // follows a torn one. Nobody was told these events are kept.
                let _ = self.file.set_len(before);
                let reason = e.to_string();
                *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason.clone());
                Err(AppendError {
                    path: self.path.display().to_string(),
                    reason,
                })
            }
        };
        for (seq, reply) in waiting.drain(..) {
            let _ = reply.send(result.clone().map(|()| seq));
        }
        lines.clear();
    }

    /// Removes the first `upto` bytes: the file is emptied in place when nothing came
    /// after them, else the rest is written to a new file that replaces it (synced before
    /// the rename, so a crash leaves one whole journal or the other).
    fn cut(&mut self, upto: u64) -> Result<()> {
        let len = self.committed.load(Ordering::Acquire);
        let io = |action, e| Error::io(action, &self.path, e);
        if upto >= len {
            self.file.set_len(0).map_err(|e| io("truncate", e))?;
            self.file.sync_all().map_err(|e| io("sync", e))?;
            self.committed.store(0, Ordering::Release);
            return Ok(());
        }
        if upto == 0 {
            return Ok(());
        }
        let mut rest = Vec::with_capacity((len - upto) as usize);
        self.file
            .seek(SeekFrom::Start(upto))
            .and_then(|_| (&mut self.file).take(len - upto).read_to_end(&mut rest))
            .map_err(|e| io("read", e))?;
        let tmp = self.path.with_extension(format!(
            "journal.{}{}",
            std::process::id(),
            crate::fsutil::TEMP_SUFFIX
        ));
        // Appending, like the journal it replaces (a left-over of an earlier cut goes first).
        let _ = std::fs::remove_file(&tmp);
        let mut file = OpenOptions::new()
            .create_new(true)
            .read(true)
            .append(true)
            .open(&tmp)
            .map_err(|e| Error::io("create", &tmp, e))?;
        // The new file carries the lock before it takes the journal's name.
        file.try_lock()
            .map_err(|e| Error::io("lock", &tmp, std::io::Error::other(e.to_string())))?;
        file.write_all(&rest)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io("write", &tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::io("rename", &tmp, e))?;
        crate::fsutil::sync_parent(&self.path).map_err(|e| io("sync", e))?;
        self.file = file;
        self.committed.store(rest.len() as u64, Ordering::Release);
        Ok(())
    }
}

/// Reads every whole line of an open journal: the events, and the length of the whole
/// lines (a torn last line is not counted).
fn read_lines(file: &mut File, path: &Path) -> Result<(Vec<JournalEvent>, u64)> {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_end(&mut bytes))
        .map_err(|e| Error::io("read", path, e))?;
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    bytes.truncate(whole);
    Ok((parse(&bytes, path), whole as u64))
}

/// The events of whole journal lines; a line that does not parse is skipped with a warning.
pub fn parse(bytes: &[u8], path: &Path) -> Vec<JournalEvent> {
    let mut events = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<JournalEvent>(line) {
            Ok(event) => events.push(event),
            Err(e) => tracing::warn!("`{}`, line {}: skipped: {e}", path.display(), n + 1),
        }
    }
    events
}

/// A journal a listener left behind (it is not running: its lock is free), taken by
/// another writing command so that every event answered 200 reaches coverage.json (SPEC
/// §10: the next start "or any writing command" recovers). Holds the lock until dropped.
pub struct Leftover {
    file: File,
    path: PathBuf,
    /// Its events.
    pub events: Vec<JournalEvent>,
}

impl Leftover {
    /// The journal in `dir` when it holds events and no listener holds it.
    pub fn take(dir: &Path) -> Result<Option<Leftover>> {
        let path = dir.join(FILE_NAME);
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("open", &path, e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            // A listener runs: its own write phases fold the journal.
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        let (events, _) = read_lines(&mut file, &path)?;
        if events.is_empty() {
            return Ok(None);
        }
        Ok(Some(Leftover { file, path, events }))
    }

    /// Empties the journal: its events are in a coverage.json the manifests now cover.
    pub fn clear(self) -> Result<()> {
        self.file
            .set_len(0)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| Error::io("truncate", &self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, key: Option<&str>) -> NewEvent {
        NewEvent {
            session_id: id.into(),
            event: Some("ChatBot.UserSendMsg".into()),
            event_time: Some(1_730_939_030_138),
            msg_key: key.map(Into::into),
        }
    }

    #[tokio::test]
    async fn appends_are_numbered_synced_and_cut_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path(), 5).unwrap();
        assert_eq!(journal.append(event("a", Some("k1"))).await.unwrap(), 5);
        assert_eq!(journal.append(event("b", None)).await.unwrap(), 6);
        let (events, upto) = journal.snapshot().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].msg_key.as_deref(), Some("k1"));
        // A second listener is refused while the first holds the journal.
        assert!(matches!(
            Journal::open(dir.path(), 1),
            Err(Error::Locked { .. })
        ));
        assert!(Leftover::take(dir.path()).unwrap().is_none());
        journal.append(event("c", None)).await.unwrap();
        journal.truncate(upto).unwrap();
        let (events, _) = journal.snapshot().unwrap();
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![7]);
        // Still locked after the file was replaced.
        assert!(Leftover::take(dir.path()).unwrap().is_none());
        journal.close();
        // Reopened: numbering goes on after the last line, whatever `next_seq` says.
        let again = Journal::open(dir.path(), 1).unwrap();
        assert_eq!(again.append(event("d", None)).await.unwrap(), 8);
        again.close();
        let left = Leftover::take(dir.path()).unwrap().expect("events left");
        assert_eq!(left.events.len(), 2);
        left.clear().unwrap();
        assert!(Leftover::take(dir.path()).unwrap().is_none());
    }

    #[test]
    fn a_torn_last_line_is_cut_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(
            &path,
            "{\"seq\":3,\"SessionId\":\"a\",\"received\":\"t\"}\n{\"seq\":4,\"Sess",
        )
        .unwrap();
        let journal = Journal::open(dir.path(), 1).unwrap();
        let (events, upto) = journal.snapshot().unwrap();
        assert_eq!((events.len(), events[0].seq), (1, 3));
        assert_eq!(upto, std::fs::metadata(&path).unwrap().len());
    }
}

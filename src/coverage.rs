//! `data/coverage.json` (SPEC §3): every session ever requested, one state each, so an
//! auditor can prove completeness or see the gap. `when` changes only when a session's
//! state (or its error) changes, so a no-op re-run leaves the file byte for byte alone.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};
use crate::wal::Wal;

/// File name inside `data/`.
pub const FILE_NAME: &str = "coverage.json";

/// A session's state in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// A complete record is in `data/records/`.
    #[serde(rename = "archived")]
    Archived,
    /// The API refused it or retries ran out (`ErrorCode`, `ErrorInfo`).
    #[serde(rename = "failed")]
    Failed,
    /// The API says the session does not exist (141010).
    #[serde(rename = "not found")]
    NotFound,
    /// Not attempted because the run stopped (or was interrupted).
    #[serde(rename = "pending")]
    Pending,
}

impl State {
    /// The state's name as written in coverage.json.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Archived => "archived",
            State::Failed => "failed",
            State::NotFound => "not found",
            State::Pending => "pending",
        }
    }
}

/// A session's media figures in coverage.json.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaCounts {
    /// URLs whose content is in the archive.
    pub archived: u64,
    /// URLs skipped because the object is larger than `--max-media-bytes`.
    pub skipped: u64,
    /// URLs that could not be captured.
    pub failed: u64,
}

/// A session the index must list although it has no record (from coverage.json).
#[derive(Debug, Clone)]
pub struct MissingSession {
    /// The SessionId.
    pub session_id: String,
    /// `failed`, `not found` or `pending`.
    pub state: String,
    /// The API's ErrorCode, when one was given.
    pub error_code: Option<i64>,
    /// The API's ErrorInfo or our reason.
    pub reason: String,
    /// For an archived session (state `archived`, listed only for this): the distinct
    /// message events the desk callbacks reported, more than its transcript holds.
    pub callback_messages: Option<u64>,
}

/// One session's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The SessionId.
    pub session_id: String,
    /// Its file stem.
    pub stem: String,
    /// Its state.
    pub state: State,
    /// When the state last changed (RFC 3339, UTC).
    pub when: String,
    /// The API's ErrorCode, for failed and not-found sessions.
    #[serde(rename = "ErrorCode", default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    /// The API's ErrorInfo (or our reason), for failed and not-found sessions.
    #[serde(rename = "ErrorInfo", default, skip_serializing_if = "Option::is_none")]
    pub error_info: Option<String>,
    /// Media of the session captured, skipped (too large) and failed (SPEC §8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaCounts>,
    /// `listen`: when the session's last callback event happened (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event: Option<String>,
    /// `listen`: distinct message events (by MsgKey) the callbacks reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_events: Option<u64>,
    /// `listen`: set when the fetched transcript holds fewer messages than
    /// `message_events`: the number the callbacks reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_messages: Option<u64>,
    /// `listen`: the journal sequence number of the last event folded into this entry, so
    /// that folding a journal twice (a crash before it was truncated) counts nothing twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_seq: Option<u64>,
}

/// What a fold of callback events adds to one session's entry.
#[derive(Debug, Clone, Copy)]
pub struct Folded<'a> {
    /// The latest event time among them (RFC 3339, UTC).
    pub last_event: Option<&'a str>,
    /// Distinct message events among them not counted before.
    pub new_messages: u64,
    /// The highest journal sequence number among them.
    pub seq: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CoverageFile {
    sessions: Vec<Entry>,
}

/// The coverage of an archive, keyed by SessionId.
#[derive(Debug, Default)]
pub struct Coverage {
    entries: BTreeMap<String, Entry>,
}

impl Coverage {
    /// Loads `data/coverage.json`; `None` when absent.
    pub fn load(data_dir: &Path) -> Result<Option<Coverage>> {
        let path = data_dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(None);
        }
        let bytes = fsutil::read(&path)?;
        let file: CoverageFile =
            serde_json::from_slice(&bytes).map_err(|source| Error::Json { path, source })?;
        let entries = file
            .sessions
            .into_iter()
            .map(|e| (e.session_id.clone(), e))
            .collect();
        Ok(Some(Coverage { entries }))
    }

    /// Sets a session's state. `when` is only replaced when something changed.
    pub fn set(
        &mut self,
        session_id: &str,
        state: State,
        error: Option<(Option<i64>, String)>,
        now: &str,
    ) {
        let (error_code, error_info) = match error {
            Some((code, info)) => (code, Some(info)),
            None => (None, None),
        };
        match self.entries.get_mut(session_id) {
            Some(old)
                if old.state == state
                    && old.error_code == error_code
                    && old.error_info == error_info => {}
            // A session that was archived once stays archived: a later failure to refresh it
            // does not remove its record.
            Some(old) if old.state == State::Archived && state != State::Archived => {}
            // Media counts and callback facts stay: they are not part of the state.
            Some(old) => {
                old.state = state;
                old.when = now.to_owned();
                old.error_code = error_code;
                old.error_info = error_info;
            }
            None => {
                self.entries.insert(
                    session_id.to_owned(),
                    Entry {
                        session_id: session_id.to_owned(),
                        stem: crate::records::stem(session_id),
                        state,
                        when: now.to_owned(),
                        error_code,
                        error_info,
                        media: None,
                        last_event: None,
                        message_events: None,
                        callback_messages: None,
                        journal_seq: None,
                    },
                );
            }
        }
    }

    /// Marks a session archived unless it already is (its `when` then stays).
    pub fn set_archived(&mut self, session_id: &str, when: &str) {
        self.set(session_id, State::Archived, None, when);
    }

    /// Sets a session's media counts (`None` removes them); `when` is not touched.
    pub fn set_media(&mut self, session_id: &str, media: Option<MediaCounts>) {
        if let Some(entry) = self.entries.get_mut(session_id) {
            entry.media = media;
        }
    }

    /// The stems of every archived session.
    pub fn archived_stems(&self) -> std::collections::HashSet<&str> {
        self.entries
            .values()
            .filter(|e| e.state == State::Archived)
            .map(|e| e.stem.as_str())
            .collect()
    }

    /// The entry for a session.
    pub fn get(&self, session_id: &str) -> Option<&Entry> {
        self.entries.get(session_id)
    }

    /// Sessions the index must list without a page (every state but archived), and the
    /// archived sessions whose transcript is shorter than the callbacks reported (state
    /// `archived`, with `callback_messages`: the index flags their rows).
    pub fn missing(&self) -> Vec<MissingSession> {
        self.entries
            .values()
            .filter(|e| e.state != State::Archived || e.callback_messages.is_some())
            .map(|e| MissingSession {
                session_id: e.session_id.clone(),
                state: e.state.as_str().to_owned(),
                error_code: e.error_code,
                reason: e.error_info.clone().unwrap_or_default(),
                callback_messages: e.callback_messages,
            })
            .collect()
    }

    /// Folds callback events of one session in (`listen`, SPEC §10): a session not yet
    /// known becomes pending; `last_event` keeps the latest time, `message_events` grows by
    /// `new_messages` (distinct MsgKeys not counted before), and `journal_seq` remembers
    /// the last event folded. `when` is not touched unless the entry is new.
    pub fn note_events(&mut self, session_id: &str, folded: &Folded<'_>, now: &str) {
        if !self.entries.contains_key(session_id) {
            self.set(session_id, State::Pending, None, now);
        }
        let Some(entry) = self.entries.get_mut(session_id) else {
            return;
        };
        if let Some(time) = folded.last_event
            && entry.last_event.as_deref().is_none_or(|old| old < time)
        {
            entry.last_event = Some(time.to_owned());
        }
        if folded.new_messages > 0 || entry.message_events.is_none() {
            entry.message_events = Some(entry.message_events.unwrap_or(0) + folded.new_messages);
        }
        entry.journal_seq = entry.journal_seq.max(Some(folded.seq));
    }

    /// Compares a fetched transcript of `messages` with the message events the callbacks
    /// reported, setting `callback_messages` when it is shorter and removing it when not.
    pub fn check_transcript(&mut self, session_id: &str, messages: u64) {
        if let Some(entry) = self.entries.get_mut(session_id) {
            entry.callback_messages = entry.message_events.filter(|&m| m > messages);
        }
    }

    /// The highest journal sequence number folded into any entry.
    pub fn max_journal_seq(&self) -> u64 {
        self.entries
            .values()
            .filter_map(|e| e.journal_seq)
            .max()
            .unwrap_or(0)
    }

    /// Pending sessions that callbacks reported (they have a `last_event`), with it: the
    /// work `listen` resumes after a restart.
    pub fn pending_from_callbacks(&self) -> Vec<(String, String)> {
        self.entries
            .values()
            .filter(|e| e.state == State::Pending)
            .filter_map(|e| Some((e.session_id.clone(), e.last_event.clone()?)))
            .collect()
    }

    /// Counts per state, for bag-info.txt and summaries.
    pub fn counts(&self) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for e in self.entries.values() {
            *counts.entry(e.state.as_str()).or_insert(0) += 1;
        }
        counts
    }

    /// Writes `data/coverage.json` atomically, through the write-ahead list (it is
    /// primary evidence); untouched when unchanged.
    pub fn write(&self, data_dir: &Path, wal: &Wal) -> Result<WriteOutcome> {
        write_file(data_dir, &self.file_bytes(data_dir)?, wal)
    }

    /// The bytes of `data/coverage.json` (about 160 a session, half of what the entries
    /// take in memory): for a caller that writes it later, without holding the entries.
    pub fn file_bytes(&self, data_dir: &Path) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.entries.len() * 160 + 32);
        out.extend_from_slice(b"{\"sessions\": [");
        for (i, entry) in self.entries.values().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n  " } else { b",\n  " });
            serde_json::to_writer(&mut out, entry).map_err(|source| Error::Json {
                path: data_dir.join(FILE_NAME),
                source,
            })?;
        }
        out.extend_from_slice(if self.entries.is_empty() {
            b"]}\n"
        } else {
            b"\n]}\n"
        });
        Ok(out)
    }
}

/// Writes `data/coverage.json` from [`Coverage::file_bytes`], atomically (untouched when
/// unchanged).
pub fn write_file(data_dir: &Path, bytes: &[u8], wal: &Wal) -> Result<WriteOutcome> {
    let rel = format!("data/{FILE_NAME}");
    fsutil::write_evidence(&data_dir.join(FILE_NAME), bytes, wal, &rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_changes_only_with_the_state() {
        let mut c = Coverage::default();
        c.set("a", State::Failed, Some((Some(141004), "bad".into())), "t1");
        c.set("a", State::Failed, Some((Some(141004), "bad".into())), "t2");
        assert_eq!(c.get("a").unwrap().when, "t1");
        c.set_archived("a", "t3");
        assert_eq!(c.get("a").unwrap().when, "t3");
        assert_eq!(c.get("a").unwrap().error_code, None);
        c.set("a", State::Pending, None, "t4");
        assert_eq!(c.get("a").unwrap().state, State::Archived);
    }

    #[test]
    fn round_trip_is_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Coverage::default();
        c.set(
            "x",
            State::NotFound,
            Some((Some(141010), "no such session".into())),
            "t",
        );
        c.set_archived("y", "t");
        c.write(dir.path(), &Wal::disabled()).unwrap();
        let again = Coverage::load(dir.path()).unwrap().unwrap();
        assert_eq!(
            again.write(dir.path(), &Wal::disabled()).unwrap(),
            WriteOutcome::Unchanged
        );
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(text.contains(r#""state":"not found""#), "{text}");
        assert_eq!(again.missing().len(), 1);
    }
}

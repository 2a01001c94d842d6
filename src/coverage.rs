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
    /// A record is in `data/records/`, fetched while the session was still going on
    /// (SPEC §7): the next `archive` or `fetch` fetches it again.
    #[serde(rename = "open")]
    Open,
    /// The API refused it or retries ran out (`ErrorCode`, `ErrorInfo`).
    #[serde(rename = "failed")]
    Failed,
    /// The API says the session does not exist (141010).
    #[serde(rename = "not found")]
    NotFound,
    /// Not attempted because the run stopped (or was interrupted).
    #[serde(rename = "pending")]
    Pending,
    /// Removed by `erase` or `prune` (SPEC §14), with the reason: never fetched or
    /// imported again unless `--include-erased`.
    #[serde(rename = "erased")]
    Erased,
}

impl State {
    /// Whether the session has a record (archived, or open).
    pub fn has_record(self) -> bool {
        matches!(self, State::Archived | State::Open)
    }
}

impl State {
    /// The state's name as written in coverage.json.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Archived => "archived",
            State::Open => "open",
            State::Failed => "failed",
            State::NotFound => "not found",
            State::Pending => "pending",
            State::Erased => "erased",
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

/// A session whose state the index shows besides its figures (from coverage.json): one
/// without a record, which the index lists without a page, or an `open` one, whose row
/// says so.
#[derive(Debug, Clone)]
pub struct MissingSession {
    /// The SessionId.
    pub session_id: String,
    /// `failed`, `not found`, `pending`, or `open` (the session has a record).
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
    /// Why an erased session was erased (`erase --reason`, or the retention rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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

impl Entry {
    /// A new entry with nothing but its state.
    fn new(session_id: &str, state: State, when: &str) -> Entry {
        Entry {
            session_id: session_id.to_owned(),
            stem: crate::records::stem(session_id),
            state,
            when: when.to_owned(),
            error_code: None,
            error_info: None,
            media: None,
            reason: None,
            last_event: None,
            message_events: None,
            callback_messages: None,
            journal_seq: None,
        }
    }
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
            // A session that was archived once stays archived (or open): a later failure to
            // refresh it does not remove its record.
            Some(old) if old.state.has_record() && !state.has_record() => {}
            // Media counts and callback facts stay: they are not part of the state.
            Some(old) => {
                old.state = state;
                old.when = now.to_owned();
                old.error_code = error_code;
                old.error_info = error_info;
                old.reason = None;
            }
            None => {
                let entry = Entry {
                    error_code,
                    error_info,
                    ..Entry::new(session_id, state, now)
                };
                self.entries.insert(session_id.to_owned(), entry);
            }
        }
    }

    /// Marks a session archived unless it already is (its `when` then stays).
    pub fn set_archived(&mut self, session_id: &str, when: &str) {
        self.set(session_id, State::Archived, None, when);
    }

    /// Marks a session erased, with when and why; its media counts go (the media of an
    /// erased session is no longer in the archive). An erased session stays as it was.
    pub fn set_erased(&mut self, session_id: &str, when: &str, reason: &str) {
        if self.is_erased(session_id) {
            return;
        }
        let entry = Entry {
            reason: Some(reason.to_owned()),
            ..Entry::new(session_id, State::Erased, when)
        };
        self.entries.insert(session_id.to_owned(), entry);
    }

    /// Whether a session was erased: `archive`, `fetch`, `listen` and `render --records`
    /// leave it alone unless `--include-erased` (SPEC §14).
    pub fn is_erased(&self, session_id: &str) -> bool {
        self.entries
            .get(session_id)
            .is_some_and(|e| e.state == State::Erased)
    }

    /// The SessionIds of every erased session.
    pub fn erased_ids(&self) -> std::collections::HashSet<&str> {
        self.entries
            .values()
            .filter(|e| e.state == State::Erased)
            .map(|e| e.session_id.as_str())
            .collect()
    }

    /// Sets a session's media counts (`None` removes them); `when` is not touched.
    pub fn set_media(&mut self, session_id: &str, media: Option<MediaCounts>) {
        if let Some(entry) = self.entries.get_mut(session_id) {
            entry.media = media;
        }
    }

    /// The stems of every session with a record (archived or open).
    pub fn archived_stems(&self) -> std::collections::HashSet<&str> {
        self.entries
            .values()
            .filter(|e| e.state.has_record())
            .map(|e| e.stem.as_str())
            .collect()
    }

    /// The entry for a session.
    pub fn get(&self, session_id: &str) -> Option<&Entry> {
        self.entries.get(session_id)
    }

    /// The stems of the sessions that were still going on when fetched: their records are
    /// not complete, whatever they hold (SPEC §7).
    pub fn open_stems(&self) -> std::collections::HashSet<String> {
        self.entries
            .values()
            .filter(|e| e.state == State::Open)
            .map(|e| e.stem.clone())
            .collect()
    }

    /// Sessions whose state the index shows: every state but archived and erased (`open`
    /// ones have a record and a page; an erased session is gone from the site, the audit
    /// page says why; the others are listed without one), and the archived sessions whose
    /// transcript is shorter than the callbacks reported (state `archived`, with
    /// `callback_messages`: the index flags their rows).
    pub fn missing(&self) -> Vec<MissingSession> {
        self.entries
            .values()
            .filter(|e| match e.state {
                State::Archived => e.callback_messages.is_some(),
                State::Erased => false,
                _ => true,
            })
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
    fn erased_sessions_keep_their_reason_and_leave_the_index() {
        let mut c = Coverage::default();
        c.set_archived("a", "t1");
        c.set_erased("a", "t2", "GDPR request 17");
        c.set_erased("a", "t3", "again");
        let e = c.get("a").unwrap();
        assert_eq!((e.state, e.when.as_str()), (State::Erased, "t2"));
        assert_eq!(e.reason.as_deref(), Some("GDPR request 17"));
        assert!(c.is_erased("a") && !c.is_erased("b"));
        assert!(c.missing().is_empty());
        assert_eq!(c.counts().get("erased"), Some(&1));
        let json = serde_json::to_string(e).unwrap();
        assert!(json.contains(r#""state":"erased""#), "{json}");
        // Fetched again on purpose (--include-erased): archived, the reason gone.
        c.set_archived("a", "t4");
        assert_eq!(c.get("a").unwrap().reason, None);
    }

    #[test]
    fn an_open_session_keeps_its_record_and_can_close() {
        let mut c = Coverage::default();
        c.set("a", State::Open, None, "t1");
        assert!(c.open_stems().contains("a-ca978112ca1bbdcafac2"));
        // A failed re-fetch keeps it open (its record is still there).
        c.set("a", State::Failed, Some((None, "timeout".into())), "t2");
        assert_eq!(c.get("a").unwrap().state, State::Open);
        assert_eq!(c.missing()[0].state, "open");
        assert!(c.archived_stems().contains("a-ca978112ca1bbdcafac2"));
        c.set_archived("a", "t3");
        assert_eq!(c.get("a").unwrap().state, State::Archived);
        assert!(c.open_stems().is_empty() && c.missing().is_empty());
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

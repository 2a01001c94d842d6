//! Legal holds, `data/holds.json` (SPEC §14): sessions that must not be erased or pruned,
//! whatever a request or the retention period says. A hold names a session (by SessionId)
//! or an account (by its salted digest, never in clear: [`crate::audit::account_digest`]);
//! an account's hold covers every session in which that account wrote, also sessions
//! archived after the hold was placed. Each hold has a reason and the time it was placed;
//! one subject may be held for several reasons (two matters), each released on its own.
//!
//! The file is primary evidence, like coverage.json: written atomically through the
//! write-ahead list, one hold a line, sorted, rewritten only when a hold changes.

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::scan::SessionFacts;
use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};
use crate::wal::Wal;

/// File name inside `data/`.
pub const FILE_NAME: &str = "holds.json";

/// What a hold is on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// One session.
    Session(String),
    /// Every session of an account: its salted digest (`sha256:…`).
    Account(String),
}

/// One hold, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// The session held, for a hold on a session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The account's salted digest, for a hold on an account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_sha256: Option<String>,
    /// Why (a matter, a ticket).
    pub reason: String,
    /// When it was placed (RFC 3339, UTC).
    pub since: String,
}

impl Hold {
    /// What the hold is on; `None` for a line that names neither.
    pub fn subject(&self) -> Option<Subject> {
        match (&self.session_id, &self.account_sha256) {
            (Some(id), _) => Some(Subject::Session(id.clone())),
            (None, Some(digest)) => Some(Subject::Account(digest.clone())),
            (None, None) => None,
        }
    }

    fn new(subject: &Subject, reason: &str, since: &str) -> Hold {
        let (session_id, account_sha256) = match subject {
            Subject::Session(id) => (Some(id.clone()), None),
            Subject::Account(digest) => (None, Some(digest.clone())),
        };
        Hold {
            session_id,
            account_sha256,
            reason: reason.to_owned(),
            since: since.to_owned(),
        }
    }

    fn key(&self) -> (Option<Subject>, &str) {
        (self.subject(), &self.reason)
    }
}

/// A session that holds keep from being erased, pruned or fetched again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The SessionId.
    pub session_id: String,
    /// The holds that cover it.
    pub holds: Vec<Hold>,
    /// Set when its record could not be read while an account is held: whether that hold
    /// covers it cannot be told, so it is kept all the same.
    pub unreadable: Option<String>,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`:", self.session_id)?;
        for (i, hold) in self.holds.iter().enumerate() {
            let by = match hold.subject() {
                Some(Subject::Account(d)) => format!(" (held by account {d})"),
                _ => String::new(),
            };
            let sep = if i == 0 { "" } else { ";" };
            write!(f, "{sep} on hold since {}{by}: {}", hold.since, hold.reason)?;
        }
        if let Some(why) = &self.unreadable {
            write!(
                f,
                " its record cannot be read, so whether an account hold covers it cannot be \
                 told ({why})"
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct HoldsFile {
    holds: Vec<Hold>,
}

/// The holds of an archive.
#[derive(Debug, Default, Clone)]
pub struct Holds {
    holds: Vec<Hold>,
}

impl Holds {
    /// Loads `data/holds.json`; an absent file holds nothing.
    pub fn load(data_dir: &Path) -> Result<Holds> {
        let path = data_dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(Holds::default());
        }
        let bytes = fsutil::read(&path)?;
        let file: HoldsFile =
            serde_json::from_slice(&bytes).map_err(|source| Error::Json { path, source })?;
        let mut holds = Holds { holds: file.holds };
        holds.sort();
        Ok(holds)
    }

    fn sort(&mut self) {
        self.holds.sort_by(|a, b| a.key().cmp(&b.key()));
        self.holds.dedup_by(|a, b| a.key() == b.key());
    }

    /// Every hold, sessions first (by SessionId), then accounts (by digest).
    pub fn all(&self) -> &[Hold] {
        &self.holds
    }

    /// Whether there is no hold.
    pub fn is_empty(&self) -> bool {
        self.holds.is_empty()
    }

    /// Whether some hold is on an account (then deciding needs each session's accounts).
    pub fn has_account_holds(&self) -> bool {
        self.holds.iter().any(|h| h.account_sha256.is_some())
    }

    /// Places a hold; `false` when that subject is already held for that reason.
    pub fn place(&mut self, subject: &Subject, reason: &str, since: &str) -> bool {
        let hold = Hold::new(subject, reason, since);
        if self.holds.iter().any(|h| h.key() == hold.key()) {
            return false;
        }
        self.holds.push(hold);
        self.sort();
        true
    }

    /// Lifts the holds on `subject` (only the one for `reason`, when given); returns the
    /// holds lifted.
    pub fn release(&mut self, subject: &Subject, reason: Option<&str>) -> Vec<Hold> {
        let (lifted, kept) = std::mem::take(&mut self.holds).into_iter().partition(|h| {
            h.subject().as_ref() == Some(subject) && reason.is_none_or(|r| h.reason == r)
        });
        self.holds = kept;
        lifted
    }

    /// The holds on one session: on it by SessionId, or on an account that wrote in it
    /// (`facts`, when its record was read; `salt` makes the accounts' digests).
    pub fn holding(
        &self,
        session_id: &str,
        facts: Option<&SessionFacts>,
        salt: Option<&str>,
    ) -> Vec<&Hold> {
        let digests: Vec<String> = match (facts, salt) {
            (Some(f), Some(salt)) if self.has_account_holds() => f
                .accounts
                .iter()
                .map(|a| crate::audit::account_digest(salt, a))
                .collect(),
            _ => Vec::new(),
        };
        self.holds
            .iter()
            .filter(|h| {
                h.session_id.as_deref() == Some(session_id)
                    || h.account_sha256
                        .as_ref()
                        .is_some_and(|d| digests.contains(d))
            })
            .collect()
    }

    /// Which of `ids` the holds keep. With a hold on an account, each session's record in
    /// `records_dir` is read to see who wrote in it (`salt` makes their digests); a session
    /// without a record is held only by a hold on its SessionId.
    pub fn held_among(&self, records_dir: &Path, ids: &[String], salt: Option<&str>) -> Vec<Held> {
        if self.holds.is_empty() {
            return Vec::new();
        }
        let accounts = self.has_account_holds();
        ids.par_iter()
            .filter_map(|id| {
                let path = crate::records::record_path(records_dir, id);
                let read = (accounts && path.is_file()).then(|| super::scan::read_facts(&path));
                let (facts, unreadable) = match read {
                    Some(Ok(facts)) => (Some(facts), None),
                    Some(Err(e)) => (None, Some(crate::error::one_line(&e))),
                    None => (None, None),
                };
                let holds: Vec<Hold> = self
                    .holding(id, facts.as_ref(), salt)
                    .into_iter()
                    .cloned()
                    .collect();
                (!holds.is_empty() || unreadable.is_some()).then(|| Held {
                    session_id: id.clone(),
                    holds,
                    unreadable,
                })
            })
            .collect()
    }

    /// Writes `data/holds.json` atomically through the write-ahead list (primary
    /// evidence); untouched when unchanged, and not created while there is no hold.
    pub fn write(&self, data_dir: &Path, wal: &Wal) -> Result<WriteOutcome> {
        let path = data_dir.join(FILE_NAME);
        if self.holds.is_empty() && !path.exists() {
            return Ok(WriteOutcome::Unchanged);
        }
        let mut out = Vec::with_capacity(self.holds.len() * 160 + 16);
        out.extend_from_slice(b"{\"holds\": [");
        for (i, hold) in self.holds.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n  " } else { b",\n  " });
            serde_json::to_writer(&mut out, hold).map_err(|source| Error::Json {
                path: path.clone(),
                source,
            })?;
        }
        out.extend_from_slice(if self.holds.is_empty() {
            b"]}\n"
        } else {
            b"\n]}\n"
        });
        let rel = format!("data/{FILE_NAME}");
        fsutil::write_evidence(&path, &out, wal, &rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(id: &str, accounts: &[&str]) -> SessionFacts {
        SessionFacts {
            session_id: id.into(),
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            last_ms: None,
        }
    }

    #[test]
    fn holds_by_session_and_by_account_and_their_release() {
        let salt = "salt";
        let mut holds = Holds::default();
        let s = Subject::Session("s1".into());
        let a = Subject::Account(crate::audit::account_digest(salt, "cust-9"));
        assert!(holds.place(&s, "matter A", "t1"));
        assert!(!holds.place(&s, "matter A", "t2"));
        assert!(holds.place(&s, "matter B", "t2"));
        assert!(holds.place(&a, "matter C", "t3"));
        assert_eq!(holds.holding("s1", None, None).len(), 2);
        // The account's hold covers any session it wrote in, also one archived later.
        let later = facts("s7", &["agent-1", "cust-9"]);
        assert_eq!(holds.holding("s7", Some(&later), Some(salt)).len(), 1);
        assert!(holds.holding("s7", Some(&later), Some("other")).is_empty());
        assert!(
            holds
                .holding("s8", Some(&facts("s8", &["cust-1"])), Some(salt))
                .is_empty()
        );
        assert_eq!(holds.release(&s, Some("matter A")).len(), 1);
        assert_eq!(holds.holding("s1", None, None).len(), 1);
        assert_eq!(holds.release(&s, None).len(), 1);
        assert!(holds.release(&s, None).is_empty());
        let dir = tempfile::tempdir().unwrap();
        holds.write(dir.path(), &Wal::disabled()).unwrap();
        let again = Holds::load(dir.path()).unwrap();
        assert_eq!(again.all(), holds.all());
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(
            !text.contains("cust-9") && text.contains("sha256:"),
            "{text}"
        );
    }

    #[test]
    fn no_file_while_nothing_was_ever_held() {
        let dir = tempfile::tempdir().unwrap();
        let outcome = Holds::default()
            .write(dir.path(), &Wal::disabled())
            .unwrap();
        assert_eq!(outcome, WriteOutcome::Unchanged);
        assert!(!dir.path().join(FILE_NAME).exists());
    }
}

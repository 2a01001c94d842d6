//! The redaction log (`--report FILE`, SPEC §12): for each redaction the rule, the message
//! number, the element, the field and the character span — never the value.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// One redaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The detector or rule (`phone`, `card`, `pseudonym`, `media`, `metadata`, a profile
    /// rule's name…).
    pub rule: String,
    /// The message's number in the session (1-based); `null` for session fields.
    pub message: Option<usize>,
    /// The element's `MsgType`, when the string belongs to one.
    pub element: Option<String>,
    /// Where in the message or session: a path such as `MsgContent.Text` or `Metadata`.
    pub field: String,
    /// First character replaced (0-based, in Unicode scalar values).
    pub start: usize,
    /// One past the last character replaced.
    pub end: usize,
    /// Which search of the string found it: 1 for the string as it was; from 2 the span
    /// refers to the string after the earlier passes' replacements (a match that
    /// overlapped another, or a value hidden in an encoding).
    #[serde(skip_serializing_if = "is_one")]
    pub pass: usize,
    /// Set when the span refers to the string after percent-encoding, character
    /// references and escapes were decoded (the value was hidden in an encoding).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decoded: bool,
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The redactions of one session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionLog {
    /// The session as the output names it (its redacted SessionId when
    /// `--redact-session-id` was given).
    pub session: String,
    /// Its redactions, in the order they were made.
    pub redactions: Vec<Entry>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The profile's name.
    pub profile: String,
    /// Redactions by session.
    pub sessions: Vec<SessionLog>,
    /// Redactions of strings that belong to no session (the title).
    pub other: Vec<Entry>,
}

impl Report {
    /// An empty report for `profile`.
    pub fn new(profile: &str) -> Report {
        Report {
            profile: profile.to_owned(),
            sessions: Vec::new(),
            other: Vec::new(),
        }
    }

    /// Writes the report as pretty JSON, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })?;
        crate::fsutil::write_atomic(path, &bytes).map(drop)
    }
}

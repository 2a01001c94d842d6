//! The library's error type: every variant names what failed (a path, a SessionId, a flag),
//! never a secret, and maps to one exit code (SPEC §1).

use std::path::PathBuf;

use crate::exit::ExitCode;

/// Errors that end a command. Per-session failures are not errors: they are collected in
/// reports and decide the exit code there.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file-system operation failed.
    #[error("cannot {action} `{path}`")]
    Io {
        /// What we tried to do ("read", "write", "create directory", …).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The user gave a flag, file or configuration that cannot work (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A store or server could not be reached or used at all (exit 4: try again later).
    #[error("{0}")]
    Unreachable(String),
    /// A JSON document we wrote or must read is malformed.
    #[error("cannot parse `{path}`")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The machine would not give what the run needs (a thread pool, the HTTP client, a
    /// signal handler): not the user's mistake, so not a usage error.
    #[error("{0}")]
    Setup(String),
    /// Another process holds the archive's lock past `--lock-wait` (exit 4).
    #[error("`{}` is locked by {holder}; waited {} s (--lock-wait)", dir.display(), waited.as_secs())]
    Locked {
        /// The archive directory.
        dir: PathBuf,
        /// Who holds the lock, as far as it can be told.
        holder: String,
        /// How long we waited.
        waited: std::time::Duration,
    },
    /// Primary evidence changed since the last manifests (exit 3): each file named.
    #[error("{0}")]
    Changed(String),
    /// Refused by policy (exit 5): a legal hold, or a retention minimum; nothing changed.
    #[error("{0}")]
    Refused(String),
    /// A JSON file that is not a desk record.
    #[error("`{}` is not a desk record: expected a JSON object with SessionId and Messages", path.display())]
    NotARecord {
        /// The file.
        path: PathBuf,
    },
    /// A page template failed to render (a bug, not an input problem).
    #[error("cannot render {what}")]
    Template {
        /// Which page.
        what: String,
        /// The template engine's error.
        #[source]
        source: askama::Error,
    },
    /// Any error that stops `search`: exit 2 whatever the cause, as grep (SPEC §1).
    #[error(transparent)]
    Search(Box<Error>),
}

impl Error {
    /// Shorthand for an [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// The process exit code this error maps to (SPEC §1).
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Io { .. }
            | Error::Json { .. }
            | Error::NotARecord { .. }
            | Error::Template { .. }
            | Error::Setup(_) => ExitCode::Partial,
            Error::Usage(_) => ExitCode::Usage,
            Error::Locked { .. } => ExitCode::TryLater,
            Error::Changed(_) => ExitCode::Integrity,
            Error::Unreachable(_) => ExitCode::TryLater,
            Error::Refused(_) => ExitCode::Refused,
            // grep's 2, which is also the usage code.
            Error::Search(_) => ExitCode::Usage,
        }
    }
}

/// An error followed by each of its sources, outermost first.
pub fn chain(error: &dyn std::error::Error) -> impl Iterator<Item = &dyn std::error::Error> {
    std::iter::successors(Some(error), |e| e.source())
}

/// An error and its sources on one line, joined by `: ` (for summaries and coverage.json;
/// the binary prints each source on a `caused by:` line instead).
pub fn one_line(error: &dyn std::error::Error) -> String {
    chain(error)
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

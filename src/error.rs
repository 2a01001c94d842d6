//! The library's error type: every variant names what failed (a path, a SessionId, a flag),
//! never a secret, and maps to one exit code (SPEC §1).

use std::path::PathBuf;

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
    /// The API rejected the credentials or the application: the run stopped (exit 2).
    #[error("{0}")]
    RunStopped(String),
    /// `verify` found the bag invalid (exit 3).
    #[error("{0}")]
    Invalid(String),
    /// A JSON document we wrote or must read is malformed.
    #[error("cannot parse `{path}`")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
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
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) => 3,
            Error::Io { .. } | Error::Json { .. } | Error::Template { .. } => 1,
            Error::Usage(_) | Error::RunStopped(_) | Error::Search(_) => 2,
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

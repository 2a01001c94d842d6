//! What a run reports: the sessions that failed and why, the end-of-run summary (SPEC §1)
//! on standard error, and with `--json` the same as one object on standard output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::Output;
use crate::config::Verbosity;
use crate::exit::ExitCode;

/// A session that could not be archived, and why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SessionFailure {
    /// The SessionId, or the file that could not be read.
    #[serde(flatten)]
    pub what: Failed,
    /// Why.
    pub reason: String,
    /// The API's ErrorCode, when the failure was an API answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
}

/// What failed: a session or an input file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Failed {
    /// A SessionId.
    SessionId(String),
    /// A file (a record that could not be read or rendered).
    File(PathBuf),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::SessionId(id) => write!(f, "session `{id}`"),
            Failed::File(path) => write!(f, "`{}`", path.display()),
        }
    }
}

impl SessionFailure {
    /// A file that could not be read or rendered.
    pub(crate) fn file(path: &Path, reason: String) -> SessionFailure {
        SessionFailure {
            what: Failed::File(path.to_path_buf()),
            reason,
            error_code: None,
        }
    }
}

/// The end-of-run summary (SPEC §1).
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// Sessions archived (or rendered) by this run.
    pub(crate) archived: u64,
    /// Of the archived, sessions still going on when fetched (SPEC §7).
    pub(crate) open: u64,
    /// Sessions already complete, not fetched again.
    pub(crate) skipped: u64,
    /// Sessions whose pages were already right and were not rendered again.
    pub(crate) unchanged: u64,
    /// Sessions not attempted because the run stopped.
    pub(crate) pending: u64,
    /// Messages archived or rendered.
    pub(crate) messages: u64,
    /// What failed, and why.
    pub(crate) failures: Vec<SessionFailure>,
    /// Why the run stopped early, when it did.
    pub(crate) stopped: Option<String>,
    /// Fetching stopped because the API could not be reached.
    pub(crate) unreachable: Option<crate::fetch::Unreachable>,
    /// Whether SIGINT or SIGTERM ended the run.
    pub(crate) interrupted: bool,
    /// API requests sent.
    pub(crate) requests: u64,
    /// Of which retries.
    pub(crate) retries: u64,
}

/// The summary as `--json` prints it: one object on standard output.
#[derive(Serialize)]
struct JsonSummary<'a> {
    archived: u64,
    open: u64,
    skipped: u64,
    pages_unchanged: u64,
    failed: &'a [SessionFailure],
    pending: u64,
    messages: u64,
    requests: u64,
    retries: u64,
    seconds: f64,
    exit_code: ExitCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unreachable: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    interrupted: bool,
}

impl Summary {
    /// The exit code this summary calls for (SPEC §1).
    pub(crate) fn exit_code(&self) -> ExitCode {
        if self.interrupted {
            ExitCode::Interrupted
        } else if self.stopped.is_some() {
            ExitCode::Usage
        } else if self.unreachable.as_ref().is_some_and(|u| u.at_start) {
            ExitCode::TryLater
        } else if !self.failures.is_empty() || self.pending > 0 {
            ExitCode::Partial
        } else {
            ExitCode::Done
        }
    }

    /// Failures (and why the run stopped) always go to standard error; the summary line
    /// too unless quiet, and with `json` the summary also as one object on standard output.
    pub(crate) fn print(&self, output: Output, started: Instant, verb: &str) {
        let Output { verbosity, json } = output;
        let seconds = started.elapsed().as_secs_f64();
        let error = crate::progress::prefix("error", crate::progress::colour());
        for failure in &self.failures {
            let code = failure
                .error_code
                .map(|c| format!(" (ErrorCode {c})"))
                .unwrap_or_default();
            eprintln!("{error}{} failed: {}{code}", failure.what, failure.reason);
        }
        if let Some(why) = &self.stopped {
            eprintln!("{error}the run stopped: {why}");
        }
        if let Some(u) = &self.unreachable {
            eprintln!(
                "{error}{}; fetching stopped, the sessions not fetched are pending",
                u.reason
            );
        }
        if self.interrupted {
            eprintln!(
                "{error}interrupted: what was done is kept and the bag is valid; run the \
                 command again to finish"
            );
        }
        if json {
            print_json(&JsonSummary {
                archived: self.archived,
                open: self.open,
                skipped: self.skipped,
                pages_unchanged: self.unchanged,
                failed: &self.failures,
                pending: self.pending,
                messages: self.messages,
                requests: self.requests,
                retries: self.retries,
                seconds: (seconds * 1000.0).round() / 1000.0,
                exit_code: self.exit_code(),
                stopped: self.stopped.as_deref(),
                unreachable: self.unreachable.as_ref().map(|u| u.reason.as_str()),
                interrupted: self.interrupted,
            });
        }
        if verbosity == Verbosity::Quiet {
            return;
        }
        let mut line = format!("desk-archive: {} sessions {verb}", self.archived);
        if self.open > 0 {
            line.push_str(&format!(
                " ({} still going on: fetched again by the next run)",
                self.open
            ));
        }
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped (already complete)", self.skipped));
        }
        line.push_str(&format!(", {} failed", self.failures.len()));
        if self.pending > 0 {
            line.push_str(&format!(", {} pending", self.pending));
        }
        line.push_str(&format!(", {} messages", self.messages));
        if self.unchanged > 0 {
            line.push_str(&format!(" ({} pages unchanged)", self.unchanged));
        }
        if self.requests > 0 {
            line.push_str(&format!(
                ", {} requests ({} retries)",
                self.requests, self.retries
            ));
        }
        line.push_str(&format!(", {seconds:.1} s"));
        eprintln!("{line}");
    }
}

/// Prints `value` as one line of JSON on standard output.
pub(crate) fn print_json(value: &impl Serialize) {
    match serde_json::to_string(value) {
        // A closed standard output (`| head`) is not worth a panic.
        Ok(text) => {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
        // Our own plain structs always serialise; say so rather than print nothing.
        Err(e) => eprintln!("desk-archive: error: cannot write the JSON summary: {e}"),
    }
}

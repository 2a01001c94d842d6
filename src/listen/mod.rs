//! Continuous archiving (SPEC §10): receive the desk session-event callback, journal each
//! event durably before answering, and archive every session once it has gone quiet.
//!
//! The parts: [`server`] answers the callback and the admin endpoints; [`journal`] makes
//! events durable (group commit); [`schedule`] decides when each session is fetched;
//! [`fold`] turns journal events into coverage.json entries; [`sign`] checks the webhook's
//! authentication; [`metrics`] counts; [`daemon`] runs them on one tokio runtime and hands
//! each write phase (a fetch batch, a render) to a [`Writer`] on a thread of its own.
//! The write phases themselves (lock, fetch, media, render, bag) are the command's
//! (`commands::listen`), which reuses the batch commands' steps.

pub mod daemon;
pub mod fold;
pub mod journal;
pub mod metrics;
pub mod schedule;
mod server;
pub mod sign;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

pub use daemon::serve;
pub use schedule::Done;

use crate::usersig::Secret;

/// The one `CallbackCommand` that is journaled.
pub const COMMAND: &str = "Desk.SessionEventNotify";

/// Largest accepted body.
pub const MAX_BODY: usize = 1024 * 1024;

/// Longest accepted SessionId, in characters.
pub const MAX_SESSION_ID: usize = 256;

/// Settings of the listener, resolved and validated by the configuration.
#[derive(Debug, Clone)]
pub struct ListenSettings {
    /// Callbacks must carry this `SdkAppid`.
    pub sdkappid: u64,
    /// Where callbacks are received (`--bind`).
    pub bind: SocketAddr,
    /// Where `/healthz` and `/metrics` are served (`--admin-bind`).
    pub admin_bind: SocketAddr,
    /// The callback path (`--path`).
    pub path: String,
    /// Quiet time after a session's last event before it is fetched (`--settle`).
    pub settle: Duration,
    /// Least time between two renders (`--render-every`).
    pub render_every: Duration,
    /// Most sessions waiting to be fetched; new ones beyond get 503 (`--max-pending`).
    pub max_pending: usize,
    /// The webhook authentication token (`--callback-token-file`).
    pub token: Option<Secret>,
}

/// One write phase: fold the journal, fetch some sessions, maybe render, write the bag.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    /// Sessions to fetch.
    pub fetch: Vec<String>,
    /// Render the site incrementally.
    pub render: bool,
    /// The first phase after start: report the pending sessions coverage.json holds.
    pub recover: bool,
}

/// Why a phase could not do all it was asked: fetching or writing pauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The API could not be reached: fetching is tried again later.
    Unreachable(String),
    /// The API rejected the credentials or the application: fetching stops until a restart
    /// with new ones.
    Rejected(String),
    /// Primary evidence changed (SPEC §9): nothing is written until it is restored (or
    /// `listen` restarted with `--accept-changes`).
    Changed(String),
    /// Another command holds the archive: tried again soon.
    Locked(String),
    /// Anything else (a disk error): tried again later.
    Failed(String),
}

impl Stop {
    /// The text `/healthz` and the log show.
    pub fn describe(&self) -> String {
        match self {
            Stop::Unreachable(why) => format!("the desk API cannot be reached: {why}"),
            Stop::Rejected(why) => format!(
                "the desk API rejected the credentials or the application: {why} \
                 (restart listen with new ones)"
            ),
            Stop::Changed(why) => why.clone(),
            Stop::Locked(why) => format!("waiting for the archive: {why}"),
            Stop::Failed(why) => format!("cannot write the archive: {why}"),
        }
    }
}

/// What a phase did.
#[derive(Debug, Clone, Default)]
pub struct PhaseReport {
    /// How each session of [`Phase::fetch`] ended.
    pub outcomes: Vec<(String, Done)>,
    /// Why it stopped short, if it did.
    pub stop: Option<Stop>,
    /// Seconds the render took, when it rendered.
    pub render_seconds: Option<f64>,
    /// With [`Phase::recover`]: pending sessions and how long ago their last event was.
    pub resumed: Vec<(String, Duration)>,
    /// Sessions per coverage state after the phase.
    pub counts: BTreeMap<&'static str, u64>,
    /// Requests sent to the API.
    pub requests: u64,
    /// Retries among them.
    pub retries: u64,
}

impl PhaseReport {
    /// A phase that failed before fetching: every session is still to be fetched.
    pub fn failed(phase: &Phase, stop: Stop) -> PhaseReport {
        PhaseReport {
            outcomes: phase
                .fetch
                .iter()
                .map(|id| (id.clone(), Done::NotFetched))
                .collect(),
            stop: Some(stop),
            ..PhaseReport::default()
        }
    }
}

/// Runs write phases, one at a time, on a thread of the listener's own (it blocks: locks,
/// disk, render threads; fetches go through the listener's runtime).
pub trait Writer: Send {
    /// Runs one phase; everything that goes wrong is in the report.
    fn phase(&mut self, phase: &Phase, journal: &journal::Journal) -> PhaseReport;
}

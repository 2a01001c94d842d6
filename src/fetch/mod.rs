//! Fetching (SPEC §2, §7): pages every listed session from the API, retrying what is
//! transient, and writes each complete session as a raw record. Async stays in here:
//! [`fetch_sessions`] builds and owns its tokio runtime.

mod breaker;
mod client;
mod control;
mod endpoint;
mod retry;
mod run;
mod session;
mod wire;

use std::path::Path;
use std::time::Duration;

pub use crate::throttle::rate_burst;
pub use endpoint::{API_PATH, Region, endpoint_for_region, endpoint_from_base};

use crate::records::Metadata;
use crate::usersig::Secret;

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The app's secret key: UserSigs are generated (1 hour) and renewed as needed.
    SecretKey(Secret),
    /// A ready UserSig (`--usersig`): used as is; when it expires the run stops.
    UserSig(Secret),
}

/// Everything the fetcher needs, resolved and validated by the configuration.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Full request URL without query (see [`endpoint_for_region`], [`endpoint_from_base`]).
    pub endpoint: url::Url,
    /// The application's SDKAppID.
    pub sdkappid: u64,
    /// The admin account the requests are made as.
    pub identifier: String,
    /// The secret key or a ready UserSig.
    pub credential: Credential,
    /// Most requests in flight at once (also: sessions in flight).
    pub concurrency: usize,
    /// Most requests per second over all sessions; not positive or not finite: no limit.
    pub rate: f64,
    /// Retries per page after the first try.
    pub retries: u32,
    /// Per-request timeout (connect, send and read the whole answer).
    pub timeout: Duration,
    /// Re-fetch sessions that already have a record.
    pub refresh: bool,
    /// `--settle`: a session whose record holds no session end and whose last message is
    /// younger than this when fetched is still going on ([`SessionOutcome::Archived`]'s
    /// `open`, SPEC §7).
    pub settle: Duration,
    /// First backoff ceiling; doubles per retry.
    pub backoff_base: Duration,
    /// Largest backoff ceiling.
    pub backoff_cap: Duration,
    /// Longest Retry-After honoured.
    pub retry_after_cap: Duration,
    /// The circuit breaker's window: fetching stops when every request for this long (and
    /// at least [`FetchSettings::breaker_min_failures`] in a row) failed to connect.
    /// 30 s; tests shorten it (`--breaker-window-ms`, a hidden flag).
    pub breaker_window: Duration,
    /// The fewest failures in a row that trip the breaker (20).
    pub breaker_min_failures: u32,
    /// Set (by a SIGINT/SIGTERM handler) to stop the run: requests in flight are dropped,
    /// unfinished sessions become pending, and the report says the run was interrupted.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl FetchSettings {
    /// Settings with SPEC §1 defaults: concurrency 8, 50 requests/s, 6 retries, 30 s
    /// timeout, no refresh, backoff 0.5 s doubling to 30 s, Retry-After up to 60 s.
    pub fn new(
        endpoint: url::Url,
        sdkappid: u64,
        identifier: impl Into<String>,
        credential: Credential,
    ) -> Self {
        FetchSettings {
            endpoint,
            sdkappid,
            identifier: identifier.into(),
            credential,
            concurrency: 8,
            rate: 50.0,
            retries: 6,
            timeout: Duration::from_secs(30),
            refresh: false,
            settle: crate::model::open::DEFAULT_SETTLE,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(60),
            breaker_window: Duration::from_secs(30),
            breaker_min_failures: 20,
            cancel: None,
        }
    }
}

/// One session to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRequest {
    /// The SessionId, sent as is.
    pub session_id: String,
    /// Extra CSV columns, stored in the record's `Metadata`.
    pub metadata: Metadata,
}

/// What became of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOutcome {
    /// A complete record was written.
    Archived {
        /// Messages in the record.
        messages: u64,
        /// TotalCount grew while the session was fetched (a live session).
        grew: bool,
        /// The session was still going on when fetched (no session end, last message
        /// younger than `settle`): the next run fetches it again (SPEC §7).
        open: bool,
    },
    /// A record already existed and `refresh` was off: no request was sent.
    AlreadyComplete,
    /// The session could not be fetched; the others went on.
    Failed {
        /// The API's ErrorCode, when the failure was an API answer.
        error_code: Option<i64>,
        /// What went wrong (ErrorInfo, HTTP status, transport error), never a secret.
        reason: String,
    },
    /// The API says the session does not exist (141010).
    NotFound {
        /// The API's ErrorInfo.
        error_info: String,
    },
    /// Not fetched because the run stopped first.
    Pending,
}

/// Progress of a run, for progress bars and logs. Text never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvent {
    /// A request is about to be sent.
    Request,
    /// A request will be retried (or a session restarted).
    Retry {
        /// The session concerned.
        session_id: String,
        /// Why.
        reason: String,
    },
    /// A complete record was written.
    RecordWritten {
        /// The session.
        session_id: String,
        /// Messages in it.
        messages: u64,
    },
    /// Something the user should know (e.g. a session grew while it was fetched).
    Warning(String),
    /// A session reached its final outcome (including skips), in completion order.
    SessionFinished {
        /// The session.
        session_id: String,
        /// Its outcome.
        outcome: SessionOutcome,
    },
}

/// The result of [`fetch_sessions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchReport {
    /// Every distinct requested session with its outcome, in input order (a repeated
    /// SessionId is fetched and listed once).
    pub outcomes: Vec<(String, SessionOutcome)>,
    /// Why the run stopped (ErrorCode and ErrorInfo, or HTTP status), when it did: the
    /// caller exits with 2.
    pub stopped: Option<String>,
    /// Set when fetching stopped because the API could not be reached (the caller exits
    /// with 4 when not even the first request connected, else with 1).
    pub unreachable: Option<Unreachable>,
    /// Requests sent.
    pub requests: u64,
    /// Retries among them (including UserSig renewals and session restarts).
    pub retries: u64,
    /// The records written, by stem, with their sizes and digests (taken as they were
    /// written, so the bag does not read them back).
    pub written: Vec<(String, crate::digest::FileDigests)>,
    /// Records kept aside as `*.superseded-<n>.json` because the re-fetched transcript did
    /// not extend them (bag-relative paths).
    pub superseded: Vec<String>,
}

/// Where fetched records go, and how to tell that a record on disk is complete.
pub struct Destination<'a> {
    /// The records directory.
    pub records_dir: &'a Path,
    /// The write-ahead list every record goes through.
    pub wal: crate::wal::Wal,
    /// Whether the record at this path is complete (it is then skipped unless
    /// `--refresh`); a record that is not is fetched again.
    pub complete: &'a (dyn Fn(&Path) -> bool + Sync),
}

/// Why fetching stopped early because the API could not be reached (SPEC §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// Not even the run's first request could connect (refused, DNS, TLS).
    pub at_start: bool,
    /// The endpoint's host and the cause; never a secret.
    pub reason: String,
}

/// Fetches `sessions` into `records_dir` (SPEC §2). Per-session failures are outcomes in
/// the report, not errors; an error means the fetcher could not start at all. Builds its
/// own tokio runtime, so it must not be called from inside one.
pub fn fetch_sessions(
    settings: &FetchSettings,
    sessions: Vec<SessionRequest>,
    records_dir: &Path,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> crate::Result<FetchReport> {
    let into = Destination {
        records_dir,
        wal: crate::wal::Wal::disabled(),
        complete: &crate::records::is_complete,
    };
    fetch_into(settings, sessions, &into, on_event)
}

/// [`fetch_sessions`] into an archive: records through its write-ahead list, and
/// completeness decided by the caller (who may know from the hash cache that a record did
/// not change since it was last found complete).
pub fn fetch_into(
    settings: &FetchSettings,
    sessions: Vec<SessionRequest>,
    into: &Destination<'_>,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> crate::Result<FetchReport> {
    run::fetch_sessions(settings, sessions, into, on_event, None)
}

/// [`fetch_into`] on the runtime of `handle` instead of a runtime of its own: for a
/// long-running command (`listen`) whose HTTP server and fetches share one runtime. Must be
/// called from a thread outside that runtime's workers (it blocks until the run ends).
pub fn fetch_into_on(
    handle: &tokio::runtime::Handle,
    settings: &FetchSettings,
    sessions: Vec<SessionRequest>,
    into: &Destination<'_>,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> crate::Result<FetchReport> {
    run::fetch_sessions(settings, sessions, into, on_event, Some(handle))
}

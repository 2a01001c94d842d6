//! `/metrics` (SPEC §10): what the listener did, in the Prometheus text format
//! (prometheus-client's typed counters and gauges and its text encoder).

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Instant, SystemTime};

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Why a callback was not accepted.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Reason {
    /// Not the callback path (404).
    path,
    /// Not POST (405).
    method,
    /// `SdkAppid` missing or not ours (403).
    sdkappid,
    /// `Sign`/`RequestTime` missing, stale or wrong (403).
    sign,
    /// Another `CallbackCommand` (answered 200, ignored).
    command,
    /// The body is not JSON with a usable `SessionId` (400).
    malformed,
    /// The body is over 1 MiB (400).
    too_large,
    /// A new session beyond `--max-pending` (503).
    queue_full,
    /// The journal could not be written (503).
    journal,
    /// The listener is shutting down (503).
    shutting_down,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: Reason,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

/// Every metric, shared by the server and the scheduler.
pub struct Metrics {
    registry: Registry,
    accepted: Counter,
    rejected: Family<ReasonLabel, Counter>,
    sessions: Family<StateLabel, Gauge>,
    requests: Counter,
    retries: Counter,
    render_time: Gauge<f64, AtomicU64>,
    render_seconds: Gauge<f64, AtomicU64>,
    since_event: Gauge<f64, AtomicU64>,
    since_fetch: Gauge<f64, AtomicU64>,
    paused: Gauge,
    journal_bytes: Gauge,
    last_event: Mutex<Option<Instant>>,
    last_fetch: Mutex<Option<Instant>>,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric under the prefix `desk_archive_listen`.
    pub fn new() -> Metrics {
        let mut m = Metrics {
            registry: Registry::with_prefix("desk_archive_listen"),
            accepted: Counter::default(),
            rejected: Family::default(),
            sessions: Family::default(),
            requests: Counter::default(),
            retries: Counter::default(),
            render_time: Gauge::default(),
            render_seconds: Gauge::default(),
            since_event: Gauge::default(),
            since_fetch: Gauge::default(),
            paused: Gauge::default(),
            journal_bytes: Gauge::default(),
            last_event: Mutex::new(None),
            last_fetch: Mutex::new(None),
            started: Instant::now(),
        };
        let r = &mut m.registry;
        r.register(
            "events_accepted",
            "Callback events accepted (journaled, answered 200)",
            m.accepted.clone(),
        );
        r.register(
            "events_rejected",
            "Callback requests not accepted, by reason",
            m.rejected.clone(),
        );
        r.register(
            "sessions",
            "Sessions by state: pending (waiting to be fetched), and archived and failed in coverage.json",
            m.sessions.clone(),
        );
        r.register(
            "fetch_requests",
            "Requests sent to the desk API",
            m.requests.clone(),
        );
        r.register(
            "fetch_retries",
            "Requests to the desk API that were retries",
            m.retries.clone(),
        );
        r.register(
            "last_render_timestamp_seconds",
            "When the last render finished (Unix time)",
            m.render_time.clone(),
        );
        r.register(
            "last_render_duration_seconds",
            "How long the last render took",
            m.render_seconds.clone(),
        );
        r.register(
            "seconds_since_last_event",
            "Seconds since the last accepted event (since the start when none yet)",
            m.since_event.clone(),
        );
        r.register(
            "seconds_since_last_successful_fetch",
            "Seconds since the last fetch that archived a session (since the start when none yet)",
            m.since_fetch.clone(),
        );
        r.register(
            "paused",
            "1 while fetching is paused (see /healthz for why)",
            m.paused.clone(),
        );
        r.register(
            "journal_bytes",
            "Bytes in listen.journal not yet folded and cut",
            m.journal_bytes.clone(),
        );
        m
    }

    /// An event was accepted.
    pub fn accepted(&self) {
        self.accepted.inc();
        *self.last_event.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    /// A request was not accepted.
    pub fn rejected(&self, reason: Reason) {
        self.rejected.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// The number of requests not accepted for `reason` so far.
    pub fn rejected_count(&self, reason: Reason) -> u64 {
        self.rejected.get_or_create(&ReasonLabel { reason }).get()
    }

    /// Sets a session count (`pending`, `archived`, `failed`).
    pub fn set_sessions(&self, state: &'static str, n: u64) {
        self.sessions
            .get_or_create(&StateLabel { state })
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// A fetch batch sent `requests`, `retries` of them retries; `archived` any session.
    pub fn fetched(&self, requests: u64, retries: u64, archived: bool) {
        self.requests.inc_by(requests);
        self.retries.inc_by(retries);
        if archived {
            *self.last_fetch.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
    }

    /// A render finished after `seconds`.
    pub fn rendered(&self, seconds: f64) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        self.render_time.set(now);
        self.render_seconds.set(seconds);
    }

    /// Whether fetching is paused.
    pub fn set_paused(&self, paused: bool) {
        self.paused.set(i64::from(paused));
    }

    /// The journal's size.
    pub fn set_journal_bytes(&self, bytes: u64) {
        self.journal_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    /// The Prometheus text of every metric, the ages brought up to now.
    pub fn encode(&self) -> String {
        let age = |at: &Mutex<Option<Instant>>| {
            at.lock()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or(self.started)
                .elapsed()
                .as_secs_f64()
        };
        self.since_event.set(age(&self.last_event));
        self.since_fetch.set(age(&self.last_fetch));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_every_family_and_counts() {
        let m = Metrics::new();
        m.accepted();
        m.rejected(Reason::sdkappid);
        m.rejected(Reason::sdkappid);
        m.set_sessions("pending", 3);
        m.fetched(7, 2, true);
        let text = m.encode();
        for needle in [
            "desk_archive_listen_events_accepted_total 1",
            "desk_archive_listen_events_rejected_total{reason=\"sdkappid\"} 2",
            "desk_archive_listen_sessions{state=\"pending\"} 3",
            "desk_archive_listen_fetch_requests_total 7",
            "desk_archive_listen_fetch_retries_total 2",
            "desk_archive_listen_seconds_since_last_event ",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }
}

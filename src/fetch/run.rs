//! The run: its runtime, the state every session shares, and the fan-out over sessions
//! (at most `concurrency` in flight, outcomes kept in input order).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::client::{Client, Reply};
use super::control::{Control, Stopped};
use super::ratelimit::RateLimiter;
use super::retry::Backoff;
use super::session::fetch_session;
use super::{FetchEvent, FetchReport, FetchSettings, SessionOutcome, SessionRequest};
use crate::error::{Error, Result};
use crate::records;

/// State shared by every session of a run.
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) control: Control,
    pub(crate) backoff: Backoff,
    pub(crate) retries: u32,
    pub(crate) records_dir: PathBuf,
    limiter: RateLimiter,
    events: mpsc::UnboundedSender<FetchEvent>,
    requests: AtomicU64,
    retried: AtomicU64,
}

impl Shared {
    /// Sends one request under the rate limit; gives up at once if the run stops.
    pub(crate) async fn send(&self, id: &str, offset: u64) -> Result<Reply, Stopped> {
        self.until_stopped(self.limiter.acquire()).await?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.event(FetchEvent::Request);
        let reply = self.until_stopped(self.client.send(id, offset)).await?;
        tracing::debug!(session_id = id, offset, answer = ?reply.answer_kind(), "answer");
        Ok(reply)
    }

    /// Sleeps (a backoff), cut short if the run stops.
    pub(crate) async fn sleep(&self, delay: Duration) -> Result<(), Stopped> {
        self.until_stopped(tokio::time::sleep(delay)).await
    }

    async fn until_stopped<T>(&self, work: impl Future<Output = T>) -> Result<T, Stopped> {
        tokio::select! {
            biased;
            () = self.control.wait_stopped() => Err(Stopped),
            value = work => Ok(value),
        }
    }

    /// Counts a retry and reports it.
    pub(crate) fn retry_event(&self, id: &str, reason: String) {
        self.retried.fetch_add(1, Ordering::Relaxed);
        let reason = self.scrub(&reason);
        tracing::debug!(session_id = id, %reason, "retry");
        self.event(FetchEvent::Retry {
            session_id: id.to_owned(),
            reason,
        });
    }

    /// Hands an event to the caller's callback (on the caller's thread).
    pub(crate) fn event(&self, event: FetchEvent) {
        // The receiver lives until every task is done, so a send cannot fail in practice;
        // if it did, losing a progress event is harmless.
        let _ = self.events.send(event);
    }

    /// Text with every secret replaced.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.client.scrub(text)
    }
}

impl Reply {
    /// A secret-free label of the answer for debug logs.
    fn answer_kind(&self) -> String {
        use super::wire::Answer;
        match &self.answer {
            Answer::Page(page) => format!(
                "page of {} (TotalCount {})",
                page.messages.len(),
                page.total_count
            ),
            Answer::ApiError { code, .. } => format!("ErrorCode {code}"),
            Answer::Http { status, .. } => format!("HTTP {status}"),
            Answer::Transport(_) => "no answer".to_owned(),
            Answer::BadBody(_) => "invalid body".to_owned(),
        }
    }
}

/// See [`super::fetch_sessions`].
pub(crate) fn fetch_sessions(
    settings: &FetchSettings,
    sessions: Vec<SessionRequest>,
    records_dir: &Path,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> Result<FetchReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
        .thread_name("desk-archive-fetch")
        .enable_all()
        .build()
        .map_err(|e| Error::io("start the async runtime in", records_dir, e))?;
    let client = Client::new(settings)
        .map_err(|e| Error::Usage(format!("cannot set up the HTTP client: {e}")))?;
    let (events, mut received) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        client,
        control: Control::default(),
        backoff: Backoff {
            base: settings.backoff_base,
            cap: settings.backoff_cap,
            retry_after_cap: settings.retry_after_cap,
        },
        retries: settings.retries,
        records_dir: records_dir.to_owned(),
        limiter: RateLimiter::new(settings.rate),
        events,
        requests: AtomicU64::new(0),
        retried: AtomicU64::new(0),
    });
    let sessions = dedup(sessions);
    // The watcher holds the shared state weakly: a strong reference would keep the event
    // channel open and the pump below waiting for ever.
    let watcher = settings.cancel.clone().map(|flag| {
        let shared = Arc::downgrade(&shared);
        runtime.spawn(async move {
            while !flag.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if let Some(shared) = shared.upgrade() {
                shared.control.stop(INTERRUPTED.to_owned());
            }
        })
    });
    let result = runtime.block_on(async move {
        // Events are handed to the callback here, on the caller's thread, because the
        // callback is not 'static and cannot move into spawned tasks.
        let pump = async {
            while let Some(event) = received.recv().await {
                on_event(event);
            }
        };
        let drive = drive(shared, sessions, settings.concurrency, settings.refresh);
        let (report, ()) = tokio::join!(drive, pump);
        Ok(report)
    });
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    result
}

/// The stop reason when the cancel flag was set.
pub(crate) const INTERRUPTED: &str = "interrupted by a signal";

/// Drops repeated SessionIds (first occurrence wins).
fn dedup(sessions: Vec<SessionRequest>) -> Vec<SessionRequest> {
    let mut seen = HashSet::new();
    sessions
        .into_iter()
        .filter(|s| seen.insert(s.session_id.clone()))
        .collect()
}

/// Runs every session, at most `concurrency` at a time, and builds the report.
async fn drive(
    shared: Arc<Shared>,
    sessions: Vec<SessionRequest>,
    concurrency: usize,
    refresh: bool,
) -> FetchReport {
    let ids: Vec<String> = sessions.iter().map(|s| s.session_id.clone()).collect();
    let mut outcomes: Vec<Option<SessionOutcome>> = vec![None; ids.len()];
    let mut todo = Vec::new();
    for (index, request) in sessions.into_iter().enumerate() {
        if !refresh && records::record_path(&shared.records_dir, &request.session_id).is_file() {
            finish(
                &shared,
                &ids,
                &mut outcomes,
                index,
                SessionOutcome::AlreadyComplete,
            );
        } else {
            todo.push((index, request));
        }
    }
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, request) in todo {
        let Ok(Ok(slot)) = shared.until_stopped(slots.clone().acquire_owned()).await else {
            break;
        };
        while let Some(done) = tasks.try_join_next() {
            store(&shared, &ids, &mut outcomes, done);
        }
        let task_shared = shared.clone();
        tasks.spawn(async move {
            let _slot = slot;
            (index, fetch_session(&task_shared, request).await)
        });
    }
    while let Some(done) = tasks.join_next().await {
        store(&shared, &ids, &mut outcomes, done);
    }
    for index in 0..ids.len() {
        if outcomes[index].is_none() {
            finish(&shared, &ids, &mut outcomes, index, SessionOutcome::Pending);
        }
    }
    report(&shared, ids, outcomes)
}

/// Records a finished task's outcome. A panicked task (a bug) fails nothing but itself;
/// its session shows as pending, since nothing says how far it got.
fn store(
    shared: &Shared,
    ids: &[String],
    outcomes: &mut [Option<SessionOutcome>],
    done: Result<(usize, SessionOutcome), tokio::task::JoinError>,
) {
    match done {
        Ok((index, outcome)) => finish(shared, ids, outcomes, index, outcome),
        Err(e) => tracing::error!("a fetch task failed: {e}"),
    }
}

fn finish(
    shared: &Shared,
    ids: &[String],
    outcomes: &mut [Option<SessionOutcome>],
    index: usize,
    outcome: SessionOutcome,
) {
    shared.event(FetchEvent::SessionFinished {
        session_id: ids[index].clone(),
        outcome: outcome.clone(),
    });
    outcomes[index] = Some(outcome);
}

fn report(shared: &Shared, ids: Vec<String>, outcomes: Vec<Option<SessionOutcome>>) -> FetchReport {
    let outcomes = ids
        .into_iter()
        .zip(outcomes)
        .map(|(id, outcome)| (id, outcome.unwrap_or(SessionOutcome::Pending)))
        .collect();
    FetchReport {
        outcomes,
        stopped: shared.control.stopped(),
        requests: shared.requests.load(Ordering::Relaxed),
        retries: shared.retried.load(Ordering::Relaxed),
    }
}

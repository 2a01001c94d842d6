//! The run: its runtime, the state every session shares, and the fan-out over sessions
//! (at most `concurrency` in flight, outcomes kept in input order).

use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::breaker::Breaker;
use super::client::{Client, Reply};
use super::control::{Control, Stopped};
use super::session::{Fetched, fetch_pages};
use super::{FetchEvent, FetchReport, FetchSettings, SessionOutcome, SessionRequest, Unreachable};
use crate::error::{Error, Result};
use crate::records::{self, RecordWriter};
use crate::throttle::Backoff;
use crate::throttle::RateLimiter;

/// State shared by every session of a run.
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) control: Control,
    pub(crate) breaker: Breaker,
    pub(crate) backoff: Backoff,
    pub(crate) retries: u32,
    /// `--settle` (SPEC §7).
    pub(crate) settle: Duration,
    pub(crate) records: RecordWriter,
    /// Records being written at once (each holds a transcript in memory): four per
    /// `--concurrency`.
    writers: Arc<Semaphore>,
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
            Answer::NoConnection(_) => "no connection".to_owned(),
            Answer::Transport(_) => "no answer".to_owned(),
            Answer::BadBody(_) => "invalid body".to_owned(),
        }
    }
}

/// See [`super::fetch_sessions`]: on a runtime of its own, or on `handle` (a long-running
/// command's runtime; the caller must then be on a thread outside it, e.g. its own).
pub(crate) fn fetch_sessions(
    settings: &FetchSettings,
    sessions: Vec<SessionRequest>,
    into: &super::Destination<'_>,
    on_event: &(dyn Fn(FetchEvent) + Sync),
    handle: Option<&tokio::runtime::Handle>,
) -> Result<FetchReport> {
    if let Some(handle) = handle {
        return handle.block_on(run(settings, sessions, into, on_event));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
        .thread_name("desk-archive-fetch")
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run(settings, sessions, into, on_event))
}

/// The run itself, on whatever runtime polls it.
async fn run(
    settings: &FetchSettings,
    sessions: Vec<SessionRequest>,
    into: &super::Destination<'_>,
    on_event: &(dyn Fn(FetchEvent) + Sync),
) -> Result<FetchReport> {
    let client = Client::new(settings)
        .map_err(|e| Error::Setup(format!("cannot set up the HTTP client: {e}")))?;
    let (events, mut received) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        client,
        control: Control::default(),
        breaker: Breaker::new(settings.breaker_window, settings.breaker_min_failures),
        backoff: Backoff {
            base: settings.backoff_base,
            cap: settings.backoff_cap,
            retry_after_cap: settings.retry_after_cap,
        },
        retries: settings.retries,
        settle: settings.settle,
        records: RecordWriter::new(into.records_dir, into.wal.clone()),
        // Syncs can stall for tens of milliseconds while the kernel writes back other
        // data (a render just before, say): room for several rounds of sessions keeps
        // the requests going meanwhile, and a record is a few tens of KB.
        writers: Arc::new(Semaphore::new(settings.concurrency.max(1) * 4)),
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
        tokio::spawn(async move {
            while !flag.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if let Some(shared) = shared.upgrade() {
                shared.control.stop(INTERRUPTED.to_owned());
            }
        })
    });
    // Events are handed to the callback here, on the caller's thread, because the
    // callback is not 'static and cannot move into spawned tasks.
    let pump = async {
        while let Some(event) = received.recv().await {
            on_event(event);
        }
    };
    let drive = drive(
        shared,
        sessions,
        settings.concurrency,
        settings.refresh,
        into.complete,
    );
    let (report, ()) = tokio::join!(drive, pump);
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    Ok(report)
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

/// Sessions not yet started, with their index in the input.
type Queue = Mutex<VecDeque<(usize, SessionRequest)>>;

/// An outcome as it arrives from a worker: the session's index, and the outcome.
type Done = mpsc::UnboundedSender<(usize, SessionOutcome)>;

/// Runs every session, at most `concurrency` at a time, and builds the report.
async fn drive(
    shared: Arc<Shared>,
    sessions: Vec<SessionRequest>,
    concurrency: usize,
    refresh: bool,
    complete: &(dyn Fn(&Path) -> bool + Sync),
) -> FetchReport {
    let ids: Vec<String> = sessions.iter().map(|s| s.session_id.clone()).collect();
    let mut outcomes: Vec<Option<SessionOutcome>> = vec![None; ids.len()];
    let mut todo = VecDeque::new();
    for (index, request) in sessions.into_iter().enumerate() {
        let path = records::record_path(shared.records.dir(), &request.session_id);
        if !refresh && path.is_file() && complete(&path) {
            finish(
                &shared,
                &ids,
                &mut outcomes,
                index,
                SessionOutcome::AlreadyComplete,
            );
        } else {
            todo.push_back((index, request));
        }
    }
    let workers_needed = concurrency.max(1).min(todo.len());
    let queue = Arc::new(Mutex::new(todo));
    let (done, mut arrived) = mpsc::unbounded_channel();
    let mut workers = JoinSet::new();
    for _ in 0..workers_needed {
        workers.spawn(worker(shared.clone(), queue.clone(), done.clone()));
    }
    drop(done);
    while let Some((index, outcome)) = arrived.recv().await {
        finish(&shared, &ids, &mut outcomes, index, outcome);
    }
    while let Some(joined) = workers.join_next().await {
        if let Err(e) = joined {
            tracing::error!("a fetch worker failed: {e}");
        }
    }
    for index in 0..ids.len() {
        if outcomes[index].is_none() {
            finish(&shared, &ids, &mut outcomes, index, SessionOutcome::Pending);
        }
    }
    report(&shared, ids, outcomes)
}

/// One of `concurrency` workers: fetches the next session from `queue` until none is left
/// or the run stops. A worker takes its next session itself, at once, rather than waiting
/// for the driver's thread to hand one out.
///
/// A complete record is written in a task of its own while the worker goes on with the
/// next session: writing syncs to disk, which takes a millisecond or more, and `--concurrency`
/// bounds requests in flight, not disks. The session counts as archived only once the
/// record is on disk. Before starting the next session the worker waits for a writer
/// permit, which bounds the transcripts held in memory.
///
/// Each session's pages are fetched in a task of its own, so that a panic (a bug) loses
/// only that session, which then shows as pending.
async fn worker(shared: Arc<Shared>, queue: Arc<Queue>, done: Done) {
    let mut writes = JoinSet::new();
    while shared.control.stopped().is_none() {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let Some((index, request)) = next else {
            break;
        };
        let task_shared = shared.clone();
        let fetching = tokio::spawn(async move { fetch_pages(&task_shared, request).await });
        match fetching.await {
            Ok(Fetched::Ended(outcome)) => {
                // The receiver lives until every worker is done.
                let _ = done.send((index, outcome));
            }
            Ok(Fetched::Complete(session)) => {
                // Never closed, so this cannot fail; writes always end, so it cannot hang.
                let permit = shared.writers.clone().acquire_owned().await.ok();
                let (shared, done) = (shared.clone(), done.clone());
                writes.spawn(async move {
                    let outcome = session.write(&shared).await;
                    drop(permit);
                    let _ = done.send((index, outcome));
                });
            }
            Err(e) => tracing::error!("a fetch task failed: {e}"),
        }
        while let Some(written) = writes.try_join_next() {
            log_failed_write(written);
        }
    }
    while let Some(written) = writes.join_next().await {
        log_failed_write(written);
    }
}

/// A write task that panicked (a bug): its session shows as pending.
fn log_failed_write(written: Result<(), tokio::task::JoinError>) {
    if let Err(e) = written {
        tracing::error!("writing a record failed: {e}");
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
    let stopped = shared.control.stopped();
    let unreachable = shared.control.unreachable().map(|at_start| Unreachable {
        at_start,
        reason: stopped.clone().unwrap_or_default(),
    });
    FetchReport {
        outcomes,
        stopped: stopped.filter(|_| unreachable.is_none()),
        unreachable,
        requests: shared.requests.load(Ordering::Relaxed),
        retries: shared.retried.load(Ordering::Relaxed),
        written: shared.records.take_written(),
        superseded: shared.records.take_superseded(),
    }
}

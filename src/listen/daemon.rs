//! The listener's life: bind both servers, then loop — fold, fetch what is due, render
//! when it is time — until SIGTERM or Ctrl-C; then refuse new callbacks (503), finish the
//! ones in flight, render once more and return. Write phases run one at a time on a thread
//! of their own; everything else shares one tokio runtime.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc, oneshot};

use super::journal::Journal;
use super::metrics::Metrics;
use super::schedule::{Done, Schedule};
use super::{ListenSettings, Phase, PhaseReport, Stop, Writer, server};
use crate::error::{Error, Result};

/// Most sessions fetched in one phase: a phase holds the archive's lock, and others
/// (`erase`, `hold`, a backfill) should not wait long.
const BATCH_MAX: usize = 500;

/// First and longest wait before a paused phase is tried again.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// How often the stop flag is looked at, and the gauges refreshed.
const TICK: Duration = Duration::from_millis(50);

/// State the servers and the scheduler share.
pub struct Shared {
    pub(super) settings: ListenSettings,
    pub(super) journal: Arc<Journal>,
    pub(super) metrics: Metrics,
    schedule: Mutex<Schedule>,
    /// Why fetching or writing is paused, if it is.
    paused: Mutex<Option<String>>,
    closing: AtomicBool,
    /// Callbacks being answered: counted before the shutdown check, so that once the flag
    /// is set and this is 0, no callback can still add an event to the journal.
    in_flight: AtomicUsize,
    /// Wakes the scheduler (an event arrived, or it is time to stop).
    wake: Notify,
}

impl Shared {
    /// Whether the listener is shutting down (new callbacks get 503).
    pub(super) fn closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Counts a callback as in flight until the guard is dropped.
    pub(super) fn callback_started(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(&self.in_flight)
    }

    /// Whether an event of `id` may be accepted (`--max-pending`).
    pub(super) fn admits(&self, id: &str) -> bool {
        self.lock_schedule().admits(id)
    }

    /// A journaled event of `id`.
    pub(super) fn accepted(&self, id: &str, now: Instant) {
        self.lock_schedule().event(id, now);
        self.metrics.accepted();
        self.wake.notify_one();
    }

    /// Why `/healthz` answers 503, if it does.
    pub(super) fn unhealthy(&self) -> Option<String> {
        if let Some(why) = self.journal.failing() {
            return Some(format!("the journal cannot be written: {why}"));
        }
        if self.closing() {
            return Some("shutting down".to_owned());
        }
        self.paused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|why| format!("paused: {why}"))
    }

    /// Brings the gauges that are read from elsewhere up to date (before a scrape).
    pub(super) fn refresh_gauges(&self) {
        let pending = self.lock_schedule().pending();
        self.metrics.set_sessions("pending", pending as u64);
        self.metrics.set_journal_bytes(self.journal.len());
        let paused = self.paused.lock().map(|p| p.is_some()).unwrap_or(false);
        self.metrics.set_paused(paused);
    }

    fn lock_schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_paused(&self, why: Option<String>) {
        *self.paused.lock().unwrap_or_else(|p| p.into_inner()) = why;
    }
}

/// Runs the listener until `stop` is set (by SIGTERM or Ctrl-C). Returns an error only
/// when it cannot start (an address in use).
pub fn serve(
    runtime: &tokio::runtime::Runtime,
    settings: ListenSettings,
    journal: Journal,
    writer: Box<dyn Writer>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let _entered = runtime.enter();
    let callback = bind(settings.bind, "--bind")?;
    let admin = bind(settings.admin_bind, "--admin-bind")?;
    let journal = Arc::new(journal);
    let shared = Arc::new(Shared {
        schedule: Mutex::new(Schedule::new(settings.settle, settings.max_pending)),
        settings,
        journal: journal.clone(),
        metrics: Metrics::new(),
        paused: Mutex::new(None),
        closing: AtomicBool::new(false),
        in_flight: AtomicUsize::new(0),
        wake: Notify::new(),
    });
    // The addresses bound (a port 0 becomes the one the system chose).
    let shown = |l: &tokio::net::TcpListener, asked: SocketAddr| l.local_addr().unwrap_or(asked);
    tracing::info!(
        "listening for callbacks on http://{}{} and for /healthz and /metrics on http://{}",
        shown(&callback, shared.settings.bind),
        shared.settings.path,
        shown(&admin, shared.settings.admin_bind)
    );
    let phases = PhaseRunner::start(writer, journal.clone())?;
    runtime.block_on(run(shared, callback, admin, phases, stop));
    journal.close();
    Ok(())
}

fn bind(addr: SocketAddr, flag: &str) -> Result<tokio::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| Error::Usage(format!("{flag}: cannot listen on {addr}: {e}")))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Setup(format!("cannot set up {addr}: {e}")))?;
    tokio::net::TcpListener::from_std(listener)
        .map_err(|e| Error::Setup(format!("cannot set up {addr}: {e}")))
}

async fn run(
    shared: Arc<Shared>,
    callback: tokio::net::TcpListener,
    admin: tokio::net::TcpListener,
    phases: PhaseRunner,
    stop: Arc<AtomicBool>,
) {
    let draining = Arc::new(Notify::new());
    let callback_server = {
        let router = server::callback_router(shared.clone());
        let draining = draining.clone();
        tokio::spawn(async move {
            let served = axum::serve(callback, router)
                .with_graceful_shutdown(async move { draining.notified().await })
                .await;
            if let Err(e) = served {
                tracing::error!("the callback server failed: {e}");
            }
        })
    };
    let admin_done = Arc::new(Notify::new());
    let admin_server = {
        let router = server::admin_router(shared.clone());
        let done = admin_done.clone();
        tokio::spawn(async move {
            let served = axum::serve(admin, router)
                .with_graceful_shutdown(async move { done.notified().await })
                .await;
            if let Err(e) = served {
                tracing::error!("the admin server failed: {e}");
            }
        })
    };
    let watcher = {
        let shared = shared.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(TICK).await;
            }
            tracing::info!("stopping: new callbacks get 503; finishing the ones in flight");
            shared.closing.store(true, Ordering::SeqCst);
            shared.wake.notify_one();
        })
    };
    let mut driver = Driver::new(shared.clone(), phases);
    driver.run().await;
    // New callbacks get 503 since the flag was set (the server keeps answering, so the
    // desk sees "try again" rather than a refused connection); the ones in flight finish
    // before the last render, so that their events are folded into it.
    while shared.in_flight.load(Ordering::SeqCst) > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    driver.last_phase().await;
    draining.notify_one();
    let _ = callback_server.await;
    admin_done.notify_one();
    let _ = admin_server.await;
    watcher.abort();
    driver.phases.stop();
}

/// A callback in flight (see [`Shared::callback_started`]).
pub(super) struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The thread that runs write phases.
struct PhaseRunner {
    tx: Option<mpsc::UnboundedSender<(Phase, oneshot::Sender<PhaseReport>)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PhaseRunner {
    fn start(mut writer: Box<dyn Writer>, journal: Arc<Journal>) -> Result<PhaseRunner> {
        let (tx, mut rx) = mpsc::unbounded_channel::<(Phase, oneshot::Sender<PhaseReport>)>();
        let thread = std::thread::Builder::new()
            .name("desk-archive-write".into())
            .spawn(move || {
                while let Some((phase, reply)) = rx.blocking_recv() {
                    let report = writer.phase(&phase, &journal);
                    let _ = reply.send(report);
                }
            })
            .map_err(|e| Error::Setup(format!("cannot start the write thread: {e}")))?;
        Ok(PhaseRunner {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    async fn run(&self, phase: Phase) -> PhaseReport {
        let (reply, answer) = oneshot::channel();
        let failed = |phase: &Phase| {
            PhaseReport::failed(phase, Stop::Failed("the write thread ended".into()))
        };
        let Some(tx) = &self.tx else {
            return failed(&phase);
        };
        if tx.send((phase.clone(), reply)).is_err() {
            return failed(&phase);
        }
        answer.await.unwrap_or_else(|_| failed(&phase))
    }

    fn stop(&mut self) {
        self.tx.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Decides which phase comes next, and applies what each did.
struct Driver {
    shared: Arc<Shared>,
    phases: PhaseRunner,
    /// The first phase (folding what a previous run left, resuming its sessions) is done.
    recovered: bool,
    /// Something changed since the last render.
    dirty: bool,
    last_render: Option<Instant>,
    /// No fetch before this (the API unreachable; far away: credentials rejected).
    fetch_gate: Option<Instant>,
    /// No phase at all before this (changed evidence, a locked archive, a disk error).
    write_gate: Option<Instant>,
    /// Why fetching is paused (shown by `/healthz` until a fetch succeeds).
    fetch_pause: Option<String>,
    /// Why writing is paused (until a phase succeeds).
    write_pause: Option<String>,
    retry: Duration,
}

impl Driver {
    fn new(shared: Arc<Shared>, phases: PhaseRunner) -> Driver {
        Driver {
            shared,
            phases,
            recovered: false,
            dirty: true,
            last_render: None,
            fetch_gate: None,
            write_gate: None,
            fetch_pause: None,
            write_pause: None,
            retry: RETRY_FIRST,
        }
    }

    async fn run(&mut self) {
        let mut housekeeping = Instant::now();
        while !self.shared.closing() {
            let now = Instant::now();
            if now >= housekeeping {
                self.housekeeping(now);
                housekeeping = now + Duration::from_secs(60);
            }
            if let Some(phase) = self.next_phase(now) {
                let report = self.phases.run(phase.clone()).await;
                self.apply(&phase, report);
                continue;
            }
            let wake = self.next_wake(now);
            tokio::select! {
                () = tokio::time::sleep_until(wake.into()) => {}
                () = self.shared.wake.notified() => {}
            }
        }
    }

    /// The render (and fold) after the callback server has stopped.
    async fn last_phase(&mut self) {
        let phase = Phase {
            fetch: Vec::new(),
            render: true,
            recover: !self.recovered,
        };
        let report = self.phases.run(phase.clone()).await;
        if let Some(stop) = &report.stop {
            tracing::warn!(
                "the last render did not happen: {}; the journal keeps every event",
                stop.describe()
            );
        }
        self.apply(&phase, report);
    }

    fn next_phase(&mut self, now: Instant) -> Option<Phase> {
        if self.write_gate.is_some_and(|t| now < t) {
            return None;
        }
        if !self.recovered {
            return Some(Phase {
                fetch: Vec::new(),
                render: true,
                recover: true,
            });
        }
        let fetch = if self.fetch_gate.is_some_and(|t| now < t) {
            Vec::new()
        } else {
            self.shared.lock_schedule().take_due(now, BATCH_MAX)
        };
        let render = self.dirty
            && self
                .last_render
                .is_none_or(|t| now >= t + self.shared.settings.render_every);
        (!fetch.is_empty() || render).then_some(Phase {
            fetch,
            render,
            recover: false,
        })
    }

    /// When to look again: the next due session, the next render, the end of a pause.
    fn next_wake(&self, now: Instant) -> Instant {
        let mut wake = now + Duration::from_secs(60);
        if let Some(t) = self.write_gate {
            return t.max(now);
        }
        let fetch_open = self.fetch_gate.is_none_or(|t| now >= t);
        if let Some(due) = self.shared.lock_schedule().next_due() {
            wake = wake.min(if fetch_open {
                due
            } else {
                due.max(self.fetch_gate.unwrap_or(due))
            });
        }
        if self.dirty
            && let Some(t) = self.last_render
        {
            wake = wake.min(t + self.shared.settings.render_every);
        }
        wake.max(now)
    }

    fn apply(&mut self, phase: &Phase, report: PhaseReport) {
        let now = Instant::now();
        let mut archived = false;
        {
            let mut schedule = self.shared.lock_schedule();
            for (id, done) in &report.outcomes {
                schedule.finished(id, *done, now);
                archived |= *done == Done::Archived;
            }
            if phase.recover && report.stop.as_ref().is_none_or(fetch_only) {
                for (id, ago) in &report.resumed {
                    schedule.resume(id, *ago, now);
                }
            }
        }
        let metrics = &self.shared.metrics;
        metrics.fetched(report.requests, report.retries, archived);
        set_counts(metrics, &report.counts);
        if let Some(seconds) = report.render_seconds {
            metrics.rendered(seconds);
            self.last_render = Some(now);
            self.dirty = false;
        }
        if !phase.fetch.is_empty() && report.stop.as_ref().is_none_or(fetch_only) {
            self.dirty = true;
        }
        self.pause(phase, report.stop, now);
    }

    /// Opens or closes the gates after a phase, and says why on `/healthz`.
    fn pause(&mut self, phase: &Phase, stop: Option<Stop>, now: Instant) {
        let Some(stop) = stop else {
            self.recovered |= phase.recover;
            self.write_gate = None;
            self.write_pause = None;
            if !phase.fetch.is_empty() {
                self.fetch_gate = None;
                self.fetch_pause = None;
            }
            self.retry = RETRY_FIRST;
            self.shared.set_paused(self.fetch_pause.clone());
            return;
        };
        let why = stop.describe();
        tracing::warn!("{why}");
        match stop {
            Stop::Unreachable(_) | Stop::Rejected(_) => {
                self.recovered |= phase.recover;
                self.write_gate = None;
                self.write_pause = None;
                // Rejected credentials: until a restart with new ones (SPEC §10).
                let wait = match stop {
                    Stop::Rejected(_) => Duration::from_secs(100 * 365 * 24 * 3600),
                    _ => self.retry,
                };
                self.fetch_gate = Some(now + wait);
                self.fetch_pause = Some(why);
            }
            // Another writer holding the archive for a while is no fault of ours.
            Stop::Locked(_) => self.write_gate = Some(now + self.retry.min(RETRY_FIRST * 5)),
            Stop::Changed(_) | Stop::Failed(_) => {
                self.write_gate = Some(now + self.retry);
                self.write_pause = Some(why);
            }
        }
        let shown = self
            .write_pause
            .clone()
            .or_else(|| self.fetch_pause.clone());
        self.shared.set_paused(shown);
        self.retry = (self.retry * 2).min(RETRY_MAX);
    }

    fn housekeeping(&self, now: Instant) {
        self.shared
            .lock_schedule()
            .forget(now, super::fold::REMEMBER_KEYS);
    }
}

/// Whether a stop left the phase's writing done (only fetching stopped).
fn fetch_only(stop: &Stop) -> bool {
    matches!(stop, Stop::Unreachable(_) | Stop::Rejected(_))
}

fn set_counts(metrics: &Metrics, counts: &BTreeMap<&'static str, u64>) {
    if counts.is_empty() {
        return;
    }
    metrics.set_sessions("archived", counts.get("archived").copied().unwrap_or(0));
    let failed =
        counts.get("failed").copied().unwrap_or(0) + counts.get("not found").copied().unwrap_or(0);
    metrics.set_sessions("failed", failed);
}

//! Run-wide control: the gate that sends the run's first request alone (an invalid key
//! costs one request, not a storm), and the stop signal after a stop-the-run answer or
//! when the API cannot be reached.

use std::sync::Mutex;

use tokio::sync::Notify;

/// The run was stopped; the caller gives up on its session (it becomes pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stopped;

/// Gate and stop state shared by every request.
#[derive(Default)]
pub(crate) struct Control {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Default)]
struct State {
    /// Set once an answer without a stop-the-run code has arrived.
    open: bool,
    /// A request is out alone, testing the credentials.
    probing: bool,
    /// Why the run stopped (first reason wins).
    stopped: Option<String>,
    /// Set when it stopped because the API could not be reached: `true` when not even the
    /// first request connected.
    unreachable: Option<bool>,
}

impl Control {
    /// Waits until a request may be sent. Before the gate opens, one caller at a time gets
    /// a [`Probe`] and sends alone; the others wait for its verdict.
    pub(crate) async fn admit(&self) -> Result<Option<Probe<'_>>, Stopped> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.lock();
                if state.stopped.is_some() {
                    return Err(Stopped);
                }
                if state.open {
                    return Ok(None);
                }
                if !state.probing {
                    state.probing = true;
                    return Ok(Some(Probe { control: self }));
                }
            }
            changed.await;
        }
    }

    /// Stops the run. Only the first reason is kept.
    pub(crate) fn stop(&self, reason: String) {
        self.lock().stopped.get_or_insert(reason);
        self.changed.notify_waiters();
    }

    /// Stops the run because the API cannot be reached (`at_start`: the first request
    /// could not connect), unless it already stopped for another reason.
    pub(crate) fn stop_unreachable(&self, reason: String, at_start: bool) {
        {
            let mut state = self.lock();
            if state.stopped.is_none() {
                state.stopped = Some(reason);
                state.unreachable = Some(at_start);
            }
        }
        self.changed.notify_waiters();
    }

    /// `Some(at_start)` when the run stopped because the API could not be reached.
    pub(crate) fn unreachable(&self) -> Option<bool> {
        self.lock().unreachable
    }

    /// Why the run stopped, if it did.
    pub(crate) fn stopped(&self) -> Option<String> {
        self.lock().stopped.clone()
    }

    /// Resolves once the run is stopped (for cancelling requests and sleeps).
    pub(crate) async fn wait_stopped(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.lock().stopped.is_some() {
                return;
            }
            changed.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The right to send the one request that tests the credentials. Dropping it without
/// [`Probe::open`] (no answer, or the run stopped) lets the next request probe.
pub(crate) struct Probe<'a> {
    control: &'a Control,
}

impl Probe<'_> {
    /// The probe was answered without a stop-the-run code: everyone may go.
    pub(crate) fn open(self) {
        self.control.lock().open = true;
        // Drop releases `probing` and wakes the waiters.
    }
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        self.control.lock().probing = false;
        self.control.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_probe_then_everyone() {
        let control = Control::default();
        let probe = control.admit().await.unwrap().expect("first caller probes");
        let waiting = control.admit();
        tokio::pin!(waiting);
        assert!(
            futures_poll(waiting.as_mut()).is_none(),
            "second caller waits"
        );
        probe.open();
        assert!(
            waiting.await.unwrap().is_none(),
            "gate open: no probe needed"
        );
    }

    #[tokio::test]
    async fn unanswered_probe_passes_the_turn_and_stop_ends_waits() {
        let control = Control::default();
        drop(control.admit().await.unwrap());
        let second = control.admit().await.unwrap();
        assert!(second.is_some(), "next caller probes");
        control.stop("ErrorCode 70009".into());
        control.stop("later".into());
        assert_eq!(control.admit().await.err(), Some(Stopped));
        control.wait_stopped().await;
        assert_eq!(control.stopped().as_deref(), Some("ErrorCode 70009"));
    }

    /// Polls a future once.
    fn futures_poll<F: std::future::Future + Unpin>(mut f: F) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        match std::pin::Pin::new(&mut f).poll(&mut cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }
}

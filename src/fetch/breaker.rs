//! The circuit breaker (SPEC §9): an unreachable API is one problem, not one per session.
//! When every request for a while has failed to connect, fetching stops, and the sessions
//! not finished stay pending instead of each burning its retries and failing.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The run's streak of requests that could not connect.
pub(crate) struct Breaker {
    /// How long every request must have failed to connect.
    window: Duration,
    /// How many in a row, at least.
    min_failures: u32,
    streak: Mutex<Streak>,
}

#[derive(Default)]
struct Streak {
    /// When the first request of the current streak failed.
    since: Option<Instant>,
    failures: u32,
}

impl Breaker {
    pub(crate) fn new(window: Duration, min_failures: u32) -> Breaker {
        Breaker {
            window,
            min_failures,
            streak: Mutex::new(Streak::default()),
        }
    }

    /// Records a request that connected (whatever it was answered) or did not; true when
    /// this failure trips the breaker: at least `min_failures` in a row, the first of them
    /// `window` ago or more.
    pub(crate) fn record(&self, connected: bool) -> bool {
        self.record_at(connected, Instant::now())
    }

    fn record_at(&self, connected: bool, now: Instant) -> bool {
        let mut streak = self.lock();
        if connected {
            *streak = Streak::default();
            return false;
        }
        let since = *streak.since.get_or_insert(now);
        streak.failures = streak.failures.saturating_add(1);
        streak.failures >= self.min_failures && now.duration_since(since) >= self.window
    }

    /// Whether the latest requests all failed to connect: a session out of retries then
    /// waits for the breaker's verdict instead of failing.
    pub(crate) fn failing(&self) -> bool {
        self.lock().failures > 0
    }

    /// The current streak: failures in a row, and for how long.
    pub(crate) fn streak(&self) -> (u32, Duration) {
        let streak = self.lock();
        let age = streak.since.map_or(Duration::ZERO, |s| s.elapsed());
        (streak.failures, age)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Streak> {
        self.streak.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_only_after_enough_failures_over_the_window() {
        let b = Breaker::new(Duration::from_secs(30), 20);
        let t0 = Instant::now();
        for i in 0..19 {
            assert!(!b.record_at(false, t0 + Duration::from_secs(40) * i / 19));
        }
        assert!(b.failing());
        // 20 failures, but the first only 10 s ago: not yet.
        let b2 = Breaker::new(Duration::from_secs(30), 20);
        for _ in 0..50 {
            assert!(!b2.record_at(false, t0));
        }
        assert!(!b2.record_at(false, t0 + Duration::from_secs(10)));
        assert!(b2.record_at(false, t0 + Duration::from_secs(30)));
        // The 20th failure, 40 s after the first.
        assert!(b.record_at(false, t0 + Duration::from_secs(40)));
    }

    #[test]
    fn one_connection_resets_the_streak() {
        let b = Breaker::new(Duration::from_secs(30), 20);
        let t0 = Instant::now();
        for _ in 0..30 {
            b.record_at(false, t0);
        }
        assert!(!b.record_at(true, t0 + Duration::from_secs(29)));
        assert!(!b.failing());
        assert!(!b.record_at(false, t0 + Duration::from_secs(31)));
        assert_eq!(b.streak().0, 1);
    }
}

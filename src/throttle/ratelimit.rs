//! A request-rate limit (the fetcher's `--rate`, media capture's own): a token bucket
//! shared by every task of a run,
//! implemented as GCRA (a theoretical arrival time instead of a token count), so that
//! waiting requests are scheduled rather than polled.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The burst the limiter allows on top of `rate` per second: a tenth of a second's worth,
/// between 1 and 10. Any one-second window therefore holds at most `rate + burst` requests.
pub fn rate_burst(rate: f64) -> u32 {
    if !rate.is_finite() || rate <= 0.0 {
        return 1;
    }
    // Bounded to 1..=10 before the cast, so it cannot truncate.
    (rate / 10.0).ceil().clamp(1.0, 10.0) as u32
}

/// A shared rate limiter. `None` interval means unlimited.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Option<Duration>,
    tolerance: Duration,
    /// Theoretical arrival time of the next request.
    tat: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `rate` requests per second; a rate that is not positive and finite
    /// means no limit.
    pub fn new(rate: f64) -> Self {
        let interval =
            (rate.is_finite() && rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate));
        let burst = rate_burst(rate);
        let tolerance = interval.map_or(Duration::ZERO, |i| i * (burst - 1));
        RateLimiter {
            interval,
            tolerance,
            tat: Mutex::new(None),
        }
    }

    /// Waits until one more request may start.
    pub async fn acquire(&self) {
        if let Some(at) = self.reserve(Instant::now()) {
            tokio::time::sleep_until(at).await;
        }
    }

    /// Books the next slot and returns when it starts (`None`: now).
    fn reserve(&self, now: Instant) -> Option<Instant> {
        let interval = self.interval?;
        let mut tat = self.tat.lock().unwrap_or_else(|poison| poison.into_inner());
        let due = tat.unwrap_or(now);
        let start = due
            .checked_sub(self.tolerance)
            .map_or(now, |early| early.max(now));
        *tat = Some(due.max(start) + interval);
        (start > now).then_some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_is_small() {
        assert_eq!(rate_burst(50.0), 5);
        assert_eq!(rate_burst(1.0), 1);
        assert_eq!(rate_burst(0.1), 1);
        assert_eq!(rate_burst(1e6), 10);
        assert_eq!(rate_burst(f64::NAN), 1);
    }

    /// Books `n` requests all arriving at `now` and returns their start times.
    fn schedule(limiter: &RateLimiter, now: Instant, n: usize) -> Vec<Instant> {
        (0..n)
            .map(|_| limiter.reserve(now).unwrap_or(now))
            .collect()
    }

    #[test]
    fn no_second_holds_more_than_rate_plus_burst() {
        let limiter = RateLimiter::new(50.0);
        let now = Instant::now();
        let starts = schedule(&limiter, now, 300);
        for (i, first) in starts.iter().enumerate() {
            let in_window = starts[i..]
                .iter()
                .filter(|t| **t < *first + Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 55,
                "{in_window} starts within a second of #{i}"
            );
        }
        // The burst goes out at once, the rest one interval apart.
        assert_eq!(starts.iter().filter(|t| **t == now).count(), 5);
    }

    #[test]
    fn idle_time_does_not_bank_more_than_the_burst() {
        let limiter = RateLimiter::new(10.0);
        let now = Instant::now();
        schedule(&limiter, now, 3);
        let later = now + Duration::from_secs(100);
        let starts = schedule(&limiter, later, 5);
        assert_eq!(starts.iter().filter(|t| **t == later).count(), 1);
    }

    #[test]
    fn no_rate_means_no_wait() {
        let limiter = RateLimiter::new(0.0);
        assert_eq!(limiter.reserve(Instant::now()), None);
    }
}

//! How long to wait before trying again: capped exponential backoff with full jitter, at
//! least the server's Retry-After (capped). Shared by the fetcher and media capture.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Backoff tuning: capped exponential backoff with full jitter. The fetcher uses 0.5 s
/// doubling to 30 s with Retry-After honoured up to 60 s (SPEC §2); media capture the same
/// rule with its own figures.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first retry waits up to this long; each further retry doubles it.
    pub base: Duration,
    /// No wait is drawn from a range above this.
    pub cap: Duration,
    /// The longest Retry-After honoured.
    pub retry_after_cap: Duration,
}

impl Backoff {
    /// The wait before retry number `retry` (1-based): a uniform draw in
    /// `[0, min(cap, base·2^(retry-1))]`, but at least the server's Retry-After (capped).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let ceiling = exp.min(self.cap);
        let jittered = ceiling.mul_f64(rand::rng().random::<f64>());
        let floor = retry_after.map_or(Duration::ZERO, |d| d.min(self.retry_after_cap));
        jittered.max(floor)
    }
}

/// Parses a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let when = SystemTime::from(when);
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_full_jitter() {
        let b = Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(60),
        };
        for retry in 1..40 {
            let ceiling = Duration::from_millis(500 * (1u64 << (retry - 1).min(20))).min(b.cap);
            for _ in 0..20 {
                assert!(b.delay(retry, None) <= ceiling);
            }
        }
        let waits: Vec<Duration> = (0..50).map(|_| b.delay(3, None)).collect();
        assert!(waits.iter().any(|w| *w != waits[0]), "jitter varies");
        assert!(b.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_767);
        assert_eq!(
            parse_retry_after(" 12 ", now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }
}

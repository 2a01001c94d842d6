//! Pacing outgoing requests: a shared rate limit ([`RateLimiter`]) and the wait before a
//! retry ([`Backoff`]). The fetcher and media capture both use these, so the two speak to
//! servers by one set of rules.

mod backoff;
mod ratelimit;

pub use backoff::{Backoff, parse_retry_after};
pub use ratelimit::{RateLimiter, rate_burst};

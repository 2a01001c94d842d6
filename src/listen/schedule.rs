//! When each session is fetched (SPEC §10): `settle` after its last event (every new event
//! restarts its clock), again when events arrive after a fetch, never twice within one
//! settle period. Pure: the caller passes the time, so the rules are unit-tested.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How a fetched session ended, for the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// Its record is written.
    Archived,
    /// The API refused it or retries ran out (also: not found).
    Failed,
    /// Not fetched: the batch stopped first (the API unreachable, credentials, shutdown).
    NotFetched,
}

/// Tries of a failed session (the first included) before it waits for a new event.
const MAX_TRIES: u32 = 3;

#[derive(Debug, Clone)]
struct Tracked {
    /// When the last event arrived.
    last_event: Instant,
    /// When it is to be fetched; `None`: nothing to do.
    due: Option<Instant>,
    /// When the last fetch started.
    last_fetch: Option<Instant>,
    /// `last_fetch` before the fetch under way (restored when it did not happen).
    previous_fetch: Option<Instant>,
    /// In the batch being fetched.
    in_batch: bool,
    /// An event arrived while it was being fetched: the fetch may have missed it.
    event_in_batch: bool,
    /// Failed fetches in a row.
    failures: u32,
}

/// Every session the listener knows, and when each is due.
#[derive(Debug)]
pub struct Schedule {
    settle: Duration,
    max_pending: usize,
    sessions: HashMap<String, Tracked>,
}

impl Schedule {
    /// An empty schedule.
    pub fn new(settle: Duration, max_pending: usize) -> Schedule {
        Schedule {
            settle,
            max_pending,
            sessions: HashMap::new(),
        }
    }

    /// Whether an event of `id` may be accepted: a known session always, a new one only
    /// while fewer than `max_pending` sessions wait.
    pub fn admits(&self, id: &str) -> bool {
        self.sessions.contains_key(id) || self.pending() < self.max_pending
    }

    /// Sessions waiting to be fetched or being fetched.
    pub fn pending(&self) -> usize {
        self.sessions
            .values()
            .filter(|t| t.due.is_some() || t.in_batch)
            .count()
    }

    /// An event of `id` arrived at `now`.
    pub fn event(&mut self, id: &str, now: Instant) {
        let settle = self.settle;
        let tracked = self.sessions.entry(id.to_owned()).or_insert(Tracked {
            last_event: now,
            due: None,
            last_fetch: None,
            previous_fetch: None,
            in_batch: false,
            event_in_batch: false,
            failures: 0,
        });
        tracked.last_event = tracked.last_event.max(now);
        tracked.failures = 0;
        if tracked.in_batch {
            tracked.event_in_batch = true;
        } else {
            tracked.due = Some(due_after(tracked, settle));
        }
    }

    /// A session pending from before (coverage.json after a restart), its last event
    /// `ago`: due `settle` after that event, at the soonest now.
    pub fn resume(&mut self, id: &str, ago: Duration, now: Instant) {
        if self.sessions.contains_key(id) {
            return;
        }
        let last = now.checked_sub(ago).unwrap_or(now);
        self.event(id, last);
    }

    /// When the next session is due, if any.
    pub fn next_due(&self) -> Option<Instant> {
        self.sessions
            .values()
            .filter(|t| !t.in_batch)
            .filter_map(|t| t.due)
            .min()
    }

    /// Takes up to `limit` sessions due at `now` (soonest first) into a batch.
    pub fn take_due(&mut self, now: Instant, limit: usize) -> Vec<String> {
        let mut due: Vec<(Instant, &String)> = self
            .sessions
            .iter()
            .filter(|(_, t)| !t.in_batch)
            .filter_map(|(id, t)| t.due.filter(|d| *d <= now).map(|d| (d, id)))
            .collect();
        due.sort();
        let ids: Vec<String> = due
            .into_iter()
            .take(limit)
            .map(|(_, id)| id.clone())
            .collect();
        for id in &ids {
            if let Some(t) = self.sessions.get_mut(id) {
                t.in_batch = true;
                t.event_in_batch = false;
                t.due = None;
                t.previous_fetch = t.last_fetch;
                t.last_fetch = Some(now);
            }
        }
        ids
    }

    /// A session of the batch ended at `now`.
    pub fn finished(&mut self, id: &str, done: Done, now: Instant) {
        let settle = self.settle;
        let Some(t) = self.sessions.get_mut(id) else {
            return;
        };
        t.in_batch = false;
        match done {
            Done::Archived => {
                t.failures = 0;
                t.due = t.event_in_batch.then(|| due_after(t, settle));
            }
            Done::Failed => {
                t.failures += 1;
                let again = t.event_in_batch || t.failures < MAX_TRIES;
                t.due = again.then(|| due_after(t, settle));
            }
            Done::NotFetched => {
                t.last_fetch = t.previous_fetch;
                t.due = Some(due_after(t, settle).min(now));
            }
        }
        t.event_in_batch = false;
    }

    /// Forgets sessions with nothing to do whose last event is older than `after`, so
    /// that memory does not grow with every session ever seen.
    pub fn forget(&mut self, now: Instant, after: Duration) {
        self.sessions.retain(|_, t| {
            t.in_batch || t.due.is_some() || now.duration_since(t.last_event) <= after
        });
    }
}

/// `settle` after the last event, and not sooner than `settle` after the last fetch.
fn due_after(t: &Tracked, settle: Duration) -> Instant {
    let after_event = t.last_event + settle;
    match t.last_fetch {
        Some(fetched) => after_event.max(fetched + settle),
        None => after_event,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(10);

    #[test]
    fn each_event_restarts_the_clock() {
        let t0 = Instant::now();
        let mut s = Schedule::new(S, 10);
        s.event("a", t0);
        s.event("a", t0 + Duration::from_secs(4));
        // Out of order: an older event does not move the clock back.
        s.event("a", t0 + Duration::from_secs(1));
        assert!(s.take_due(t0 + Duration::from_secs(13), 10).is_empty());
        assert_eq!(s.next_due(), Some(t0 + Duration::from_secs(14)));
        assert_eq!(s.take_due(t0 + Duration::from_secs(14), 10), vec!["a"]);
        assert_eq!(s.pending(), 1);
        s.finished("a", Done::Archived, t0 + Duration::from_secs(15));
        assert_eq!((s.pending(), s.next_due()), (0, None));
    }

    #[test]
    fn an_event_during_or_after_a_fetch_refreshes_but_not_within_settle() {
        let t0 = Instant::now();
        let mut s = Schedule::new(S, 10);
        s.event("a", t0);
        assert_eq!(s.take_due(t0 + S, 10), vec!["a"]);
        s.event("a", t0 + S + Duration::from_secs(1));
        // Duplicates of a due session do not make it due twice.
        s.event("a", t0 + S + Duration::from_secs(1));
        assert!(s.take_due(t0 + S * 3, 10).is_empty(), "in the batch");
        s.finished("a", Done::Archived, t0 + S + Duration::from_secs(2));
        assert_eq!(s.next_due(), Some(t0 + S * 2 + Duration::from_secs(1)));
        assert_eq!(s.take_due(t0 + S * 3, 10), vec!["a"]);
        s.finished("a", Done::Archived, t0 + S * 3);
        // Right after that fetch: never twice within one settle period.
        s.event("a", t0 + S * 3 - Duration::from_secs(8));
        assert_eq!(s.next_due(), Some(t0 + S * 4));
    }

    #[test]
    fn not_fetched_is_due_at_once_and_failures_are_tried_three_times() {
        let t0 = Instant::now();
        let mut s = Schedule::new(S, 10);
        s.event("a", t0);
        s.take_due(t0 + S, 10);
        s.finished("a", Done::NotFetched, t0 + S);
        assert_eq!(s.next_due(), Some(t0 + S));
        for i in 1..=3u32 {
            let now = t0 + S * (i + 1) * 2;
            assert_eq!(s.take_due(now, 10), vec!["a"], "try {i}");
            s.finished("a", Done::Failed, now);
        }
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn max_pending_refuses_only_new_sessions() {
        let t0 = Instant::now();
        let mut s = Schedule::new(S, 2);
        s.event("a", t0);
        s.event("b", t0);
        assert!(!s.admits("c"));
        assert!(s.admits("a"));
        s.take_due(t0 + S, 1);
        s.finished("a", Done::Archived, t0 + S);
        assert!(s.admits("c"));
        s.forget(t0 + S * 100, S);
        assert!(s.admits("a") && s.pending() == 1);
    }
}

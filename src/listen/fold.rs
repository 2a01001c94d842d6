//! Folding the journal into coverage.json (SPEC §10): each session the callbacks reported
//! gets an entry (pending until fetched), its last event time, and the number of distinct
//! message events (by MsgKey). Folding is idempotent: an entry remembers the sequence
//! number of the last event folded into it, so a journal folded twice (a crash between the
//! manifests and the journal's truncation) counts nothing twice.
//!
//! Distinct MsgKeys are remembered in memory ([`KeyMemory`]) for a day after a session's
//! last event, not in coverage.json (it would grow with every message ever sent): a
//! duplicate delivery of an event whose first copy was folded and cut from the journal
//! before a restart is counted again. The count then errs high, and the index flags a
//! transcript that may be complete — never the other way round.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use super::journal::JournalEvent;
use crate::coverage::{Coverage, Folded};

/// How long the MsgKeys of a quiet session are remembered.
pub const REMEMBER_KEYS: Duration = Duration::from_secs(24 * 3600);

/// The MsgKeys counted per session, hashed.
#[derive(Debug, Default)]
pub struct KeyMemory {
    sessions: HashMap<String, (HashSet<u64>, Instant)>,
}

impl KeyMemory {
    /// Remembers `key` for `session`; true when it was not known.
    fn insert(&mut self, session: &str, key: &str, now: Instant) -> bool {
        let (keys, seen) = self
            .sessions
            .entry(session.to_owned())
            .or_insert_with(|| (HashSet::new(), now));
        *seen = now;
        keys.insert(hash(key))
    }

    /// Forgets sessions quiet for longer than `after`.
    pub fn forget(&mut self, now: Instant, after: Duration) {
        self.sessions
            .retain(|_, (_, seen)| now.duration_since(*seen) <= after);
    }
}

fn hash(key: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Folds `events` into `coverage`; returns the sessions that got new events. Events of
/// erased sessions are left out.
pub fn fold(
    coverage: &mut Coverage,
    events: &[JournalEvent],
    memory: &mut KeyMemory,
    now: &str,
) -> Vec<String> {
    let mut by_session: BTreeMap<&str, Vec<&JournalEvent>> = BTreeMap::new();
    for event in events {
        by_session.entry(&event.session_id).or_default().push(event);
    }
    let clock = Instant::now();
    let mut touched = Vec::new();
    for (id, mut list) in by_session {
        // An erased session keeps nothing but when and why (SPEC §14): its events are not
        // counted, and it does not become pending again (`listen` does not fetch it).
        if coverage.is_erased(id) {
            continue;
        }
        list.sort_by_key(|e| e.seq);
        let folded_upto = coverage.get(id).and_then(|e| e.journal_seq).unwrap_or(0);
        let mut new_messages = 0;
        let mut last: Option<String> = None;
        let mut seq = 0;
        for event in list {
            let counted = event
                .msg_key
                .as_deref()
                .is_some_and(|key| memory.insert(id, key, clock));
            if event.seq <= folded_upto {
                continue;
            }
            new_messages += u64::from(counted);
            seq = seq.max(event.seq);
            let time = event_time(event);
            if last.as_deref().is_none_or(|l| l < time.as_str()) {
                last = Some(time);
            }
        }
        if seq == 0 {
            continue;
        }
        let folded = Folded {
            last_event: last.as_deref(),
            new_messages,
            seq,
        };
        coverage.note_events(id, &folded, now);
        touched.push(id.to_owned());
    }
    touched
}

/// The event's time: `EventTime` when plausible (2000 … 2100), else when it was received.
pub fn event_time(event: &JournalEvent) -> String {
    const Y2000_MS: i64 = 946_684_800_000;
    const Y2100_MS: i64 = 4_102_444_800_000;
    event
        .event_time
        .filter(|ms| (Y2000_MS..Y2100_MS).contains(ms))
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| event.received.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::State;

    fn ev(seq: u64, id: &str, key: Option<&str>, ms: i64) -> JournalEvent {
        JournalEvent {
            seq,
            session_id: id.into(),
            event: None,
            event_time: Some(ms),
            msg_key: key.map(Into::into),
            received: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn distinct_keys_latest_time_and_idempotent() {
        let mut coverage = Coverage::default();
        let mut memory = KeyMemory::default();
        let t1 = 1_730_000_000_000;
        let events = vec![
            ev(1, "s", Some("k1"), t1),
            ev(2, "s", Some("k2"), t1 + 5_000),
            // A duplicate delivery and an out-of-order one.
            ev(3, "s", Some("k1"), t1),
            ev(4, "s", None, t1 - 9_000),
        ];
        fold(&mut coverage, &events, &mut memory, "now");
        let entry = coverage.get("s").unwrap();
        assert_eq!(entry.state, State::Pending);
        assert_eq!(entry.message_events, Some(2));
        assert_eq!(entry.journal_seq, Some(4));
        assert_eq!(
            entry.last_event.as_deref(),
            Some("2024-10-27T03:33:25.000Z")
        );
        // The same journal folded again (a crash before it was cut), by a fresh process.
        fold(&mut coverage, &events, &mut KeyMemory::default(), "later");
        assert_eq!(coverage.get("s").unwrap().message_events, Some(2));
        // A new key, and a late duplicate of an old one.
        let more = vec![ev(5, "s", Some("k3"), t1), ev(6, "s", Some("k2"), t1)];
        fold(&mut coverage, &more, &mut memory, "later");
        assert_eq!(coverage.get("s").unwrap().message_events, Some(3));
        coverage.check_transcript("s", 2);
        assert_eq!(coverage.get("s").unwrap().callback_messages, Some(3));
        coverage.set_archived("s", "t");
        coverage.check_transcript("s", 3);
        assert_eq!(coverage.get("s").unwrap().callback_messages, None);
    }

    #[test]
    fn events_of_an_erased_session_are_left_out() {
        let mut coverage = Coverage::default();
        coverage.set_erased("gone", "t", "request 7");
        let events = vec![ev(1, "gone", Some("k1"), 1_730_000_000_000)];
        let touched = fold(&mut coverage, &events, &mut KeyMemory::default(), "now");
        assert!(touched.is_empty());
        let entry = coverage.get("gone").unwrap();
        assert_eq!(entry.state, State::Erased);
        assert_eq!(entry.message_events, None);
        assert_eq!(entry.journal_seq, None);
    }

    #[test]
    fn implausible_event_times_use_the_receive_time() {
        let e = ev(1, "s", None, 42);
        assert_eq!(event_time(&e), "2026-01-01T00:00:00.000Z");
    }
}

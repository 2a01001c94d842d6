//! Whether a session was still going on when its record was fetched (SPEC §7): the record
//! holds no session-end status message and its last message was younger than the settle
//! time. Such a session is `open` in coverage.json and fetched again by the next run.

use std::time::Duration;

use serde_json::value::RawValue;

use super::custom::{self, Payload, Status};
use super::{Element, parse_message};

/// Default `--settle`: a session whose last message is younger than this may go on.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(600);

/// Whether the session of `messages` (a record's, oldest first) was still going on at
/// `fetched_at_ms`: its last message is younger than `settle` and no message ends it.
/// An empty session, or one whose last message has no time, is not open: nothing says
/// it goes on.
pub fn was_open(messages: &[Box<RawValue>], fetched_at_ms: i64, settle: Duration) -> bool {
    let Some(last) = messages.last() else {
        return false;
    };
    let Some(sent) = parse_message(messages.len() - 1, last.get()).timestamp_ms else {
        return false;
    };
    let settle_ms = i64::try_from(settle.as_millis()).unwrap_or(i64::MAX);
    // A last message from the future (a skewed clock) counts as young.
    let young = fetched_at_ms.saturating_sub(sent) < settle_ms;
    young && !messages.iter().any(|m| ends_session(m.get()))
}

/// Whether a message holds a session-end status payload (desk src 19 or 20). Only
/// messages with a custom element are parsed.
fn ends_session(raw: &str) -> bool {
    raw.contains("TIMCustomElem")
        && parse_message(0, raw).elements.iter().any(|e| match e {
            Element::Custom { data, .. } => matches!(
                custom::parse(data),
                Payload::Status(Status::SessionEnded | Status::SessionTimeout)
            ),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    fn text(ts: i64) -> Box<RawValue> {
        raw(&format!(
            r#"{{"FromAccount":"c","FromAccountRole":1,"Timestamp":{ts},"MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"hi"}}}}]}}"#
        ))
    }

    fn status(ts: i64, src: &str) -> Box<RawValue> {
        raw(&format!(
            r#"{{"FromAccount":"s","FromAccountRole":3,"Timestamp":{ts},"MsgBody":[{{"MsgType":"TIMCustomElem","MsgContent":{{"Data":"{{\"src\":\"{src}\",\"customerServicePlugin\":0}}","Desc":"","Ext":"","Sound":""}}}}]}}"#
        ))
    }

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn a_young_last_message_without_an_end_is_open() {
        let settle = DEFAULT_SETTLE;
        assert!(was_open(
            &[text(NOW - 3_600_000), text(NOW - 599_000)],
            NOW,
            settle
        ));
        assert!(!was_open(&[text(NOW - 600_000)], NOW, settle), "gone quiet");
        assert!(was_open(&[text(NOW + 5_000)], NOW, settle), "clock skew");
        assert!(!was_open(&[], NOW, settle));
    }

    #[test]
    fn a_session_end_or_timeout_closes_it() {
        let settle = DEFAULT_SETTLE;
        for src in ["19", "20"] {
            let ended = [
                text(NOW - 20_000),
                status(NOW - 10_000, src),
                text(NOW - 1_000),
            ];
            assert!(!was_open(&ended, NOW, settle), "src {src}");
        }
        // Typing (12) and a rating (10) do not end a session.
        for src in ["12", "10"] {
            assert!(
                was_open(&[status(NOW - 1_000, src)], NOW, settle),
                "src {src}"
            );
        }
    }
}

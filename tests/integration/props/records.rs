//! The record reader under any input: bytes that are not a record are an error naming the
//! file, never a panic; a record round-trips with every message byte for byte, and the
//! three readers (`Record`, `RecordRef`, `RecordHead`) agree; any message object parses
//! into the view without a panic.

use std::path::Path;

use desk_archive::model::parse_message;
use desk_archive::records::{Metadata, Record, RecordHead, RecordRef};
use proptest::prelude::*;
use serde_json::value::RawValue;

use super::{config, hostile_text};

/// JSON text of a message as an API might send it: numbers spelt oddly, escapes, nesting,
/// unknown fields, a Timestamp of any kind.
fn message_json() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("1.50".to_owned()),
        Just("1e3".to_owned()),
        Just("-0".to_owned()),
        Just("12345678901234567890".to_owned()),
        Just(r#""\ud800""#.to_owned()),
        Just(r#""\u0000\n\r""#.to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        hostile_text(6).prop_map(|s| serde_json::to_string(&s).unwrap()),
    ];
    let timestamp = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        Just(r#""1704067200000""#.to_owned()),
        Just("1.7e12".to_owned()),
        Just("null".to_owned()),
    ];
    (
        prop::collection::vec((hostile_text(3), scalar), 0..4),
        prop::option::of(timestamp),
        hostile_text(10),
    )
        .prop_map(|(fields, ts, text)| {
            let mut parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}: {v}", serde_json::to_string(k).unwrap()))
                .collect();
            if let Some(ts) = ts {
                parts.push(format!(r#""Timestamp":{ts}"#));
            }
            let text = serde_json::to_string(&text).unwrap();
            parts.push(format!(
                r#""MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":{text}}}}}]"#
            ));
            format!("{{ {} }}", parts.join(" ,\n "))
        })
}

fn metadata() -> impl Strategy<Value = Metadata> {
    prop::collection::vec((hostile_text(3), hostile_text(4)), 0..3).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect()
    })
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_bytes_are_a_record_or_an_error_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        text in hostile_text(40),
    ) {
        let path = Path::new("records/x.json");
        for input in [bytes.as_slice(), text.as_bytes()] {
            let full = Record::from_slice(input, path);
            prop_assert_eq!(RecordRef::from_slice(input, path).is_ok(), full.is_ok());
            prop_assert_eq!(RecordHead::from_slice(input, path).is_ok(), full.is_ok());
            if let Err(e) = full {
                prop_assert!(e.to_string().contains("records/x.json"), "{}", e);
            }
        }
    }

    #[test]
    fn a_record_round_trips_byte_for_byte(
        session_id in hostile_text(6),
        fetched_at in hostile_text(3),
        metadata in metadata(),
        messages in prop::collection::vec(message_json(), 0..6),
    ) {
        let raw: Vec<Box<RawValue>> = messages
            .iter()
            .map(|m| RawValue::from_string(m.clone()).expect("valid JSON"))
            .collect();
        let record = Record {
            session_id: session_id.clone(),
            total_count: raw.len() as u64,
            messages: raw,
            fetched_at: fetched_at.clone(),
            metadata: metadata.clone(),
        };
        let bytes = record.to_bytes();
        let path = Path::new("r.json");
        let back = Record::from_slice(&bytes, path)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&bytes))))?;
        prop_assert_eq!(&back.session_id, &session_id);
        prop_assert_eq!(&back.fetched_at, &fetched_at);
        prop_assert_eq!(&back.metadata, &metadata);
        prop_assert_eq!(back.total_count, messages.len() as u64);
        let got: Vec<&str> = back.messages.iter().map(|m| m.get()).collect();
        prop_assert_eq!(&got, &messages.iter().map(String::as_str).collect::<Vec<_>>());
        let borrowed = RecordRef::from_slice(&bytes, path).expect("RecordRef");
        let got: Vec<&str> = borrowed.messages.iter().map(|m| m.get()).collect();
        prop_assert_eq!(&got, &messages.iter().map(String::as_str).collect::<Vec<_>>());
        let head = RecordHead::from_slice(&bytes, path).expect("RecordHead");
        prop_assert_eq!(&head.session_id, &session_id);
        // The head's first time is the least Timestamp the message view reads.
        let views: Vec<_> = messages.iter().enumerate().map(|(i, m)| parse_message(i, m)).collect();
        let least = views.iter().filter_map(|m| m.timestamp_ms).min();
        prop_assert_eq!(head.first_ms, least, "{:?}", messages);
    }

    #[test]
    fn any_message_text_parses_into_the_view(text in hostile_text(30), json in message_json()) {
        for raw in [text.as_str(), json.as_str()] {
            let m = parse_message(3, raw);
            prop_assert_eq!(m.index, 3);
        }
    }
}

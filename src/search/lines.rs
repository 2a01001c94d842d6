//! A record's messages found without parsing the whole file, when it has the layout
//! [`Record::to_bytes`](crate::records::Record::to_bytes) writes: the header fields on the
//! first line (ending `"Messages":[`), one message per line, `]}` on the last. Every record
//! this tool fetches has it; then `search` parses only the header and the lines that may
//! match — most of a record is never parsed, which keeps it near ripgrep's speed. Any other
//! layout (a record imported from another tool) gives `None`, and the caller parses the
//! whole file.

use std::ops::Range;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::{self, Element, Message, RawReason};
use crate::records::Metadata;

/// The header fields `search` needs.
#[derive(Debug, Deserialize)]
pub(crate) struct Head {
    #[serde(rename = "SessionId")]
    pub(crate) session_id: String,
    #[serde(rename = "TotalCount", default)]
    total_count: u64,
    #[serde(rename = "Metadata", default)]
    pub(crate) metadata: Metadata,
}

/// A record split into lines.
#[derive(Debug)]
pub(crate) struct Lines {
    /// The header.
    pub(crate) head: Head,
    /// Where each message's JSON is in the file, in order (without the separating comma).
    pub(crate) messages: Vec<Range<usize>>,
}

impl Lines {
    /// The message whose line holds byte `offset` of the file, if any.
    pub(crate) fn message_at(&self, offset: usize) -> Option<usize> {
        let i = self.messages.partition_point(|r| r.start <= offset);
        let i = i.checked_sub(1)?;
        (offset < self.messages[i].end).then_some(i)
    }
}

/// The header and where each message is, when `bytes` has the layout.
pub(crate) fn split(bytes: &[u8]) -> Option<Lines> {
    let mut lines = Vec::with_capacity(128);
    let mut start = 0;
    for newline in memchr::memchr_iter(b'\n', bytes) {
        lines.push(start..newline);
        start = newline + 1;
    }
    if start < bytes.len() {
        lines.push(start..bytes.len());
    }
    let (first, rest) = lines.split_first()?;
    let (last, messages) = rest.split_last()?;
    if messages.is_empty() || bytes[last.clone()] != *b"]}" {
        return None;
    }
    let head = head(&bytes[first.clone()])?;
    let count = messages.len();
    let mut ranges = Vec::with_capacity(count);
    for (i, line) in messages.iter().enumerate() {
        // Every line but the last ends with the comma between messages.
        let end = if i + 1 < count {
            line.end - 1
        } else {
            line.end
        };
        let json = bytes.get(line.start..end)?;
        let comma_ok = i + 1 == count || bytes.get(end) == Some(&b',');
        if !(comma_ok && json.first() == Some(&b'{') && json.last() == Some(&b'}')) {
            return None;
        }
        ranges.push(line.start..end);
    }
    // One object a line, as many as the header counts: a record laid out otherwise (an
    // element on a line of its own) cannot also pass this.
    (count as u64 == head.total_count).then_some(Lines {
        head,
        messages: ranges,
    })
}

fn head(line: &[u8]) -> Option<Head> {
    let line = std::str::from_utf8(line).ok()?;
    if !line.starts_with("{\"SessionId\":") || !line.ends_with("\"Messages\":[") {
        return None;
    }
    serde_json::from_str(&format!("{line}]}}")).ok()
}

/// One message line parsed, or `None` when it is not the JSON value a whole-file parse
/// would require (only the messages that may match are ever parsed, so only they are
/// checked).
pub(crate) fn parse_message(index: usize, bytes: &[u8]) -> Option<Message> {
    let text = std::str::from_utf8(bytes).ok()?;
    let message = model::parse_message(index, text);
    // The model keeps a message it cannot read at all as one raw element holding its whole
    // text; only such a message can be a line that is no JSON, so only it is checked.
    let unread = matches!(
        message.elements.as_slice(),
        [Element::Raw { msg_type, reason: RawReason::Malformed, json }]
            if msg_type.is_empty() && json == text
    );
    if unread && serde_json::from_str::<&RawValue>(text).is_err() {
        return None;
    }
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Record;

    fn record(messages: &[&str]) -> Vec<u8> {
        let json = format!(
            r#"{{"SessionId":"s\nid","TotalCount":{},"Metadata":{{"k":"a\nb"}},"Messages":[{}]}}"#,
            messages.len(),
            messages.join(",")
        );
        Record::from_slice(json.as_bytes(), "t".as_ref())
            .unwrap()
            .to_bytes()
    }

    #[test]
    fn records_we_write_split_into_their_messages() {
        let bytes = record(&[r#"{"Text":"a,"}"#, r#"{"MsgBody":[{"x":"}"}]}"#]);
        let lines = split(&bytes).expect("the layout of Record::to_bytes");
        assert_eq!(lines.head.session_id, "s\nid");
        assert_eq!(lines.head.metadata["k"], "a\nb");
        let texts: Vec<&[u8]> = lines.messages.iter().map(|r| &bytes[r.clone()]).collect();
        assert_eq!(
            texts,
            [&br#"{"Text":"a,"}"#[..], br#"{"MsgBody":[{"x":"}"}]}"#]
        );
        assert!(texts.iter().all(|t| parse_message(0, t).is_some()));
        let second = lines.messages[1].start;
        assert_eq!(lines.message_at(second + 3), Some(1));
        assert_eq!(lines.message_at(second - 1), None); // the comma
        assert_eq!(lines.message_at(0), None); // the header
        assert_eq!(lines.message_at(bytes.len() - 2), None); // the footer
    }

    #[test]
    fn other_layouts_are_left_to_a_full_parse() {
        assert!(split(&record(&[])).is_none());
        for other in [
            "{\"SessionId\":\"s\",\"TotalCount\":1,\"Messages\":[\n{\"MsgBody\":[\n{\"Text\":\"x\"}\n]}\n]}\n",
            "{\"SessionId\":\"s\",\"TotalCount\":2,\"Messages\":[\n{\"a\":1}\n]}\n",
            "{\n  \"SessionId\": \"s\",\n  \"Messages\": [\n{}\n]}\n",
            "{\"SessionId\":\"s\",\"TotalCount\":2,\"Messages\":[\n{\"a\":1}\n{\"a\":1}\n]}\n",
        ] {
            assert!(split(other.as_bytes()).is_none(), "{other}");
        }
        assert!(parse_message(0, b"{\"a\":").is_none());
        assert!(parse_message(0, b"{\"a\":\"\xff\"}").is_none());
        assert!(parse_message(0, br#"{"Text":"x",}"#).is_none());
        // Valid JSON the model keeps raw is a message all the same.
        let odd = parse_message(3, br#"{"MsgBody":7}"#).unwrap();
        assert_eq!(odd.index, 3);
    }
}

//! A record's messages found without parsing the whole file, when it has the layout
//! [`Record::to_bytes`](crate::records::Record::to_bytes) writes: the header fields on the
//! first line (ending `"Messages":[`), one message per line, `]}` on the last. Every record
//! this tool fetches has it; then `search` parses only the header and the lines that may
//! match — most of a record is never parsed, which is what keeps it near ripgrep's speed.
//! Any other layout (a record imported from another tool) gives `None`, and the caller
//! parses the whole file.

use serde::Deserialize;
use serde_json::value::RawValue;

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

/// The header and each message's line, when `text` has the layout.
pub(crate) fn split(text: &str) -> Option<(Head, Vec<&str>)> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let body = text.strip_suffix("\n]}")?;
    let (first, rest) = body.split_once('\n')?;
    if !first.starts_with("{\"SessionId\":") || !first.ends_with("\"Messages\":[") {
        return None;
    }
    let head: Head = serde_json::from_str(&format!("{first}]}}")).ok()?;
    let mut messages: Vec<&str> = rest.split('\n').collect();
    let last = messages.len() - 1;
    for (i, line) in messages.iter_mut().enumerate() {
        // Every line but the last ends with the comma between messages.
        let message: &str = if i < last {
            line.strip_suffix(',')?
        } else {
            line
        };
        if !(message.starts_with('{') && message.ends_with('}')) {
            return None;
        }
        *line = message;
    }
    // One object a line, as many as the header counts: a record laid out otherwise (an
    // element on a line of its own) cannot also pass this.
    (messages.len() as u64 == head.total_count).then_some((head, messages))
}

/// Whether one message line is a complete JSON value, as a whole-file parse would require
/// (checked only for the lines that may match, before they are parsed).
pub(crate) fn is_json(line: &str) -> bool {
    serde_json::from_str::<&RawValue>(line).is_ok()
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
        let text = std::str::from_utf8(&bytes).unwrap();
        let (head, lines) = split(text).expect("the layout of Record::to_bytes");
        assert_eq!(head.session_id, "s\nid");
        assert_eq!(head.metadata["k"], "a\nb");
        assert_eq!(lines, [r#"{"Text":"a,"}"#, r#"{"MsgBody":[{"x":"}"}]}"#]);
        assert!(lines.iter().all(|l| is_json(l)));
    }

    #[test]
    fn other_layouts_are_left_to_a_full_parse() {
        let empty = record(&[]);
        assert!(split(std::str::from_utf8(&empty).unwrap()).is_none());
        let spread = "{\"SessionId\":\"s\",\"TotalCount\":1,\"Messages\":[\n{\"MsgBody\":[\n{\"Text\":\"x\"}\n]}\n]}\n";
        assert!(split(spread).is_none());
        let miscounted = "{\"SessionId\":\"s\",\"TotalCount\":2,\"Messages\":[\n{\"a\":1}\n]}\n";
        assert!(split(miscounted).is_none());
        let pretty = "{\n  \"SessionId\": \"s\",\n  \"Messages\": [\n{}\n]}\n";
        assert!(split(pretty).is_none());
        assert!(!is_json("{\"a\":"));
    }
}

//! The request and response bodies exactly as the API sends them (API.md §0), and the
//! [`Answer`] one HTTP exchange boils down to.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Most messages one request may ask for (API.md §0).
pub(crate) const PAGE_LIMIT: u64 = 100;

/// The request body.
#[derive(Debug, Serialize)]
pub(crate) struct PageRequest<'a> {
    #[serde(rename = "SessionId")]
    pub(crate) session_id: &'a str,
    #[serde(rename = "Limit")]
    pub(crate) limit: u64,
    #[serde(rename = "Offset")]
    pub(crate) offset: u64,
    /// 1 = oldest first, so that offsets stay stable while a live session grows.
    #[serde(rename = "Order")]
    pub(crate) order: u8,
}

impl<'a> PageRequest<'a> {
    /// One page of `session_id`, oldest first, starting at `offset`.
    pub(crate) fn new(session_id: &'a str, offset: u64) -> Self {
        PageRequest {
            session_id,
            limit: PAGE_LIMIT,
            offset,
            order: 1,
        }
    }
}

/// A successful page.
#[derive(Debug)]
pub(crate) struct Page {
    /// The session's message count as the server sees it now.
    pub(crate) total_count: u64,
    /// This page's messages, byte for byte.
    pub(crate) messages: Vec<Box<RawValue>>,
}

/// What one HTTP exchange produced.
#[derive(Debug)]
pub(crate) enum Answer {
    /// ErrorCode 0 with a page.
    Page(Page),
    /// A non-zero ErrorCode.
    ApiError { code: i64, info: String },
    /// A non-2xx HTTP status.
    Http { status: u16 },
    /// No connection at all: refused, DNS or TLS failure, connect timeout.
    NoConnection(String),
    /// No answer on a connection: timeout, dropped connection, body cut short.
    Transport(String),
    /// A 2xx answer that is not the JSON we expect (truncated, HTML from a proxy, …).
    BadBody(String),
}

impl Answer {
    /// Whether the server (or something in front of it) answered at all.
    pub(crate) fn is_response(&self) -> bool {
        !matches!(self, Answer::Transport(_) | Answer::NoConnection(_))
    }
}

/// The response body. Only `ErrorCode`, `TotalCount` and `Messages` are parsed: messages
/// stay raw, and text fields are read as raw JSON so that lone UTF-16 surrogate escapes
/// (which `String` refuses) never make a valid page unreadable.
#[derive(Deserialize)]
struct PageWire<'a> {
    #[serde(rename = "ErrorCode")]
    error_code: i64,
    #[serde(rename = "ErrorInfo", default, borrow)]
    error_info: Option<&'a RawValue>,
    #[serde(rename = "RequestId", default, borrow)]
    request_id: Option<&'a RawValue>,
    #[serde(rename = "TotalCount", default)]
    total_count: Option<u64>,
    #[serde(rename = "Messages", default)]
    messages: Option<Vec<Box<RawValue>>>,
}

/// Parses a 2xx response body. Returns the answer and the RequestId when present.
pub(crate) fn parse_body(body: &[u8]) -> (Answer, Option<String>) {
    let wire: PageWire<'_> = match serde_json::from_slice(body) {
        Ok(wire) => wire,
        Err(e) => {
            return (
                Answer::BadBody(format!("invalid JSON in the answer: {e}")),
                None,
            );
        }
    };
    let request_id = wire.request_id.map(raw_text);
    let answer = if wire.error_code == 0 {
        match (wire.total_count, wire.messages) {
            (Some(total_count), Some(messages)) => Answer::Page(Page {
                total_count,
                messages,
            }),
            // Not an empty session: an answer we cannot read, retried like invalid JSON.
            _ => Answer::BadBody("ErrorCode 0 without TotalCount and Messages".to_owned()),
        }
    } else {
        Answer::ApiError {
            code: wire.error_code,
            info: wire.error_info.map(raw_text).unwrap_or_default(),
        }
    };
    (answer, request_id)
}

/// A JSON string's text, or the raw JSON when it is not a plain string (or holds a lone
/// surrogate): good enough for a log line or an error message.
fn raw_text(raw: &RawValue) -> String {
    serde_json::from_str::<String>(raw.get()).unwrap_or_else(|_| raw.get().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_is_exact() {
        let body = serde_json::to_string(&PageRequest::new("s\"1", 200)).unwrap();
        assert_eq!(
            body,
            r#"{"SessionId":"s\"1","Limit":100,"Offset":200,"Order":1}"#
        );
    }

    #[test]
    fn page_keeps_message_bytes_and_ignores_the_rest() {
        let body = br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"r-1","Extra":{"x":"\udc00"},
            "TotalCount":2,"Messages":[{"b":1.50,"a":"\ud800"}, {"z":[1e3]}]}"#;
        let (answer, request_id) = parse_body(body);
        assert_eq!(request_id.as_deref(), Some("r-1"));
        let Answer::Page(page) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(page.total_count, 2);
        assert_eq!(page.messages[0].get(), r#"{"b":1.50,"a":"\ud800"}"#);
        assert_eq!(page.messages[1].get(), r#"{"z":[1e3]}"#);
    }

    #[test]
    fn api_errors_carry_code_and_info() {
        let (answer, _) = parse_body(
            br#"{"ActionStatus":"FAIL","ErrorCode":141010,"ErrorInfo":"no \ud800 session"}"#,
        );
        let Answer::ApiError { code, info } = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(code, 141010);
        assert_eq!(info, r#""no \ud800 session""#);
    }

    #[test]
    fn broken_bodies_are_bad() {
        for body in [
            &br#"{"ErrorCode":0,"TotalCount":3,"Messages":[{"a":1}"#[..],
            b"<html>",
            b"{}",
            b"",
            br#"{"ErrorCode":0}"#,
            br#"{"ErrorCode":0,"TotalCount":3}"#,
            br#"{"ErrorCode":0,"Messages":[]}"#,
            br#"{"ErrorCode":0,"TotalCount":null,"Messages":[]}"#,
        ] {
            assert!(matches!(parse_body(body).0, Answer::BadBody(_)), "{body:?}");
        }
    }
}

//! A typed, read-only view of a record's messages for rendering and statistics.
//!
//! The raw record stays the source of truth; this view never drops anything: a message or
//! element it cannot understand becomes [`Element::Raw`], holding the original JSON, so the
//! pages can show it as a labelled raw block.

pub mod custom;
mod fast;
pub mod open;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Who sent a message (`FromAccountRole`, API.md §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 1: the customer (user).
    Customer,
    /// 2: an agent (human or bot).
    Agent,
    /// 3: the system.
    System,
    /// Any other value, or none: counted only in totals.
    Other,
}

impl Role {
    /// Maps the API's role number.
    pub fn from_code(code: Option<i64>) -> Role {
        match code {
            Some(1) => Role::Customer,
            Some(2) => Role::Agent,
            Some(3) => Role::System,
            _ => Role::Other,
        }
    }

    /// A stable lowercase name, used for CSS classes and stats keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::System => "system",
            Role::Other => "other",
        }
    }
}

/// The times a message may plausibly carry (SPEC §9), in Unix milliseconds:
/// 2000-01-01 … 2100-01-01 UTC. Others are shown as raw numbers with a mark and left out of
/// every figure, chart and date range, so that two hostile values cannot stretch a chart
/// across 500,000 years.
pub const PLAUSIBLE_MS: std::ops::Range<i64> = 946_684_800_000..4_102_444_800_000;

/// Whether `ms` (Unix milliseconds) is in [`PLAUSIBLE_MS`].
pub fn plausible_ms(ms: i64) -> bool {
    PLAUSIBLE_MS.contains(&ms)
}

/// One message of a record.
#[derive(Debug, Clone)]
pub struct Message {
    /// Position in the record (0-based): messages are identified by position.
    pub index: usize,
    /// `FromAccount` (empty when absent).
    pub from_account: String,
    /// `FromAccountRole` as given.
    pub role_code: Option<i64>,
    /// The role it maps to.
    pub role: Role,
    /// `Timestamp` in Unix milliseconds.
    pub timestamp_ms: Option<i64>,
    /// The elements of `MsgBody`, in order.
    pub elements: Vec<Element>,
    /// Top-level fields this view does not interpret (e.g. `MsgSeq`, `CloudCustomData`),
    /// as `(name, JSON text)`, in the order given.
    pub extra_fields: Vec<(String, String)>,
}

/// One `MsgBody` item.
#[derive(Debug, Clone)]
pub enum Element {
    /// `TIMTextElem`.
    Text {
        /// The text (may hold Markdown).
        text: String,
    },
    /// `TIMLocationElem`.
    Location {
        /// Description.
        desc: String,
        /// Latitude in degrees.
        latitude: Option<f64>,
        /// Longitude in degrees.
        longitude: Option<f64>,
    },
    /// `TIMFaceElem`.
    Face {
        /// Face index.
        index: Option<i64>,
        /// Face data (often a name).
        data: String,
    },
    /// `TIMCustomElem`; `data` is usually a JSON string (desk payloads, API.md §4).
    Custom {
        /// `Data`.
        data: String,
        /// `Desc`.
        desc: String,
        /// `Ext`.
        ext: String,
        /// `Sound`.
        sound: String,
    },
    /// `TIMSoundElem`.
    Sound {
        /// `Url`, when given.
        url: Option<String>,
        /// `UUID`.
        uuid: String,
        /// `Size` in bytes.
        size: Option<u64>,
        /// `Second`: duration.
        seconds: Option<f64>,
    },
    /// `TIMImageElem`.
    Image {
        /// `UUID`.
        uuid: String,
        /// `ImageFormat` (1 JPG, 2 GIF, 3 PNG, 4 BMP, 255 other).
        format: Option<i64>,
        /// `ImageInfoArray`, in the order given.
        infos: Vec<ImageInfo>,
    },
    /// `TIMFileElem`.
    File {
        /// `Url`, when given.
        url: Option<String>,
        /// `UUID`.
        uuid: String,
        /// `FileSize` in bytes.
        size: Option<u64>,
        /// `FileName` (or `fileName`).
        name: String,
    },
    /// `TIMVideoFileElem`.
    Video(Box<Video>),
    /// `TIMRelayElem`: merged/forwarded messages.
    Relay(Box<Relay>),
    /// A media element whose content a redaction profile replaced (`"Redacted"` in its
    /// `MsgContent`, SPEC §12): only its type, size and duration are left.
    Redacted {
        /// The `MsgType` as given.
        msg_type: String,
        /// Bytes, when known.
        size: Option<u64>,
        /// Duration in seconds (voice, video), when known.
        seconds: Option<f64>,
    },
    /// Anything else: an unknown `MsgType`, or a known one whose content does not parse.
    Raw {
        /// The `MsgType` as given (empty when absent).
        msg_type: String,
        /// Why it is shown raw.
        reason: RawReason,
        /// The element's JSON text.
        json: String,
    },
}

/// Why an element is shown as a raw block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawReason {
    /// The `MsgType` is not one of API.md §4.
    UnknownType,
    /// A known type whose content is missing or of the wrong shape.
    Malformed,
}

/// One `ImageInfoArray` entry.
#[derive(Debug, Clone, Default)]
pub struct ImageInfo {
    /// 1 original, 2 large, 3 thumbnail.
    pub kind: Option<i64>,
    /// Bytes.
    pub size: Option<u64>,
    /// Pixels.
    pub width: Option<u64>,
    /// Pixels.
    pub height: Option<u64>,
    /// `URL` (upper-case in the API).
    pub url: Option<String>,
}

/// `TIMVideoFileElem` content.
#[derive(Debug, Clone, Default)]
pub struct Video {
    /// `VideoUrl`.
    pub url: Option<String>,
    /// `VideoUUID`.
    pub uuid: String,
    /// `VideoSize` in bytes.
    pub size: Option<u64>,
    /// `VideoSecond`.
    pub seconds: Option<f64>,
    /// `VideoFormat`, e.g. `mp4`.
    pub format: String,
    /// `ThumbUrl`.
    pub thumb_url: Option<String>,
    /// `ThumbWidth`.
    pub thumb_width: Option<u64>,
    /// `ThumbHeight`.
    pub thumb_height: Option<u64>,
    /// `ThumbSize`.
    pub thumb_size: Option<u64>,
}

/// `TIMRelayElem` content.
#[derive(Debug, Clone, Default)]
pub struct Relay {
    /// `Title`.
    pub title: String,
    /// `MsgNum`.
    pub msg_num: Option<u64>,
    /// `CompatibleText`.
    pub compatible_text: String,
    /// `AbstractList`.
    pub abstract_list: Vec<String>,
    /// `MsgList`, when inline.
    pub messages: Option<Vec<RelayMessage>>,
    /// `JsonMsgKey`, when the list is not inline.
    pub json_msg_key: Option<String>,
}

/// One `MsgList` item of a relay.
#[derive(Debug, Clone, Default)]
pub struct RelayMessage {
    /// `From_Account`.
    pub from_account: String,
    /// `MsgTimeStamp` in Unix **seconds**.
    pub timestamp_s: Option<i64>,
    /// The nested `MsgBody`.
    pub elements: Vec<Element>,
}

impl Message {
    /// `timestamp_ms` when it is plausible ([`PLAUSIBLE_MS`]): the time every figure uses.
    pub fn plausible_time_ms(&self) -> Option<i64> {
        self.timestamp_ms.filter(|&ms| plausible_ms(ms))
    }
}

impl Element {
    /// The element's `MsgType` as given in the record.
    pub fn type_name(&self) -> &str {
        match self {
            Element::Text { .. } => "TIMTextElem",
            Element::Location { .. } => "TIMLocationElem",
            Element::Face { .. } => "TIMFaceElem",
            Element::Custom { .. } => "TIMCustomElem",
            Element::Sound { .. } => "TIMSoundElem",
            Element::Image { .. } => "TIMImageElem",
            Element::File { .. } => "TIMFileElem",
            Element::Video(_) => "TIMVideoFileElem",
            Element::Relay(_) => "TIMRelayElem",
            Element::Redacted { msg_type, .. } | Element::Raw { msg_type, .. } => msg_type,
        }
    }
}

/// Parses one raw message object. Never fails: what does not parse becomes a raw element.
///
/// The common shapes take a fast path that builds the view straight from the JSON text;
/// everything else (and anything the fast path is unsure of) goes through
/// `parse_message_slow`, which gives the same result for every input.
pub fn parse_message(index: usize, raw: &str) -> Message {
    fast::parse(index, raw).unwrap_or_else(|| parse_message_slow(index, raw))
}

/// The general parser behind [`parse_message`]: the whole message as a `serde_json::Value`,
/// then walked. It is the reference the fast path is tested against.
fn parse_message_slow(index: usize, raw: &str) -> Message {
    let value = parse_lenient(raw);
    if value.is_none()
        && let Some(message) = parse_message_by_field(index, raw)
    {
        return message;
    }
    let Some(Value::Object(object)) = value else {
        return Message {
            index,
            from_account: String::new(),
            role_code: None,
            role: Role::Other,
            timestamp_ms: None,
            elements: vec![raw_element("", RawReason::Malformed, raw.to_owned())],
            extra_fields: Vec::new(),
        };
    };
    let role_code = object.get("FromAccountRole").and_then(as_i64);
    let elements = match object.get("MsgBody") {
        Some(Value::Array(items)) => items.iter().map(parse_element).collect(),
        None => Vec::new(),
        Some(other) => vec![raw_element(
            "MsgBody",
            RawReason::Malformed,
            other.to_string(),
        )],
    };
    let extra_fields = object
        .iter()
        .filter(|(key, _)| !KNOWN_FIELDS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.to_string()))
        .collect();
    Message {
        index,
        from_account: object
            .get("FromAccount")
            .map(display_string)
            .unwrap_or_default(),
        role_code,
        role: Role::from_code(role_code),
        timestamp_ms: object.get("Timestamp").and_then(as_i64),
        elements,
        extra_fields,
    }
}

/// The fallback for a message object that does not parse as a whole — nested deeper than
/// the JSON parser's recursion limit (a relay of relays), or holding a number no `f64` can
/// hold (`1e400`): each field, and each `MsgBody` element, is parsed on its own, so only
/// the part that fails becomes a raw block and the sender and time are kept.
fn parse_message_by_field(index: usize, raw: &str) -> Option<Message> {
    let fields: Vec<(String, Box<RawValue>)> = serde_json::from_str::<FieldList>(raw).ok()?.0;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| parse_lenient(value.get()))
    };
    let elements = match fields.iter().find(|(key, _)| key == "MsgBody") {
        None => Vec::new(),
        Some((_, body)) => match serde_json::from_str::<Vec<Box<RawValue>>>(body.get()) {
            Ok(items) => items
                .iter()
                .map(|item| match parse_lenient(item.get()) {
                    Some(value) => parse_element(&value),
                    None => raw_element("", RawReason::Malformed, item.get().to_owned()),
                })
                .collect(),
            Err(_) => vec![raw_element(
                "MsgBody",
                RawReason::Malformed,
                body.get().to_owned(),
            )],
        },
    };
    let role_code = field("FromAccountRole").as_ref().and_then(as_i64);
    Some(Message {
        index,
        from_account: field("FromAccount")
            .as_ref()
            .map(display_string)
            .unwrap_or_default(),
        role_code,
        role: Role::from_code(role_code),
        timestamp_ms: field("Timestamp").as_ref().and_then(as_i64),
        elements,
        extra_fields: fields
            .iter()
            .filter(|(key, _)| !KNOWN_FIELDS.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.get().to_owned()))
            .collect(),
    })
}

/// The top-level fields of a message this view interprets.
const KNOWN_FIELDS: [&str; 4] = ["FromAccount", "FromAccountRole", "MsgBody", "Timestamp"];

/// A JSON object's fields in order, values unparsed.
struct FieldList(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for FieldList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = FieldList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FieldList, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(FieldList(fields))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Parses JSON, accepting unpaired UTF-16 surrogate escapes (shown as U+FFFD, SPEC §3).
pub fn parse_lenient(raw: &str) -> Option<Value> {
    match serde_json::from_str(raw) {
        Ok(value) => Some(value),
        Err(_) => serde_json::from_str(&replace_lone_surrogates(raw)).ok(),
    }
}

/// Rewrites every `\uD800`–`\uDFFF` escape that is not part of a valid pair to `\uFFFD`.
fn replace_lone_surrogates(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let hex_at = |i: usize| -> Option<u16> {
        let digits = raw.get(i + 2..i + 6)?;
        if bytes.get(i) == Some(&b'\\') && bytes.get(i + 1) == Some(&b'u') {
            u16::from_str_radix(digits, 16).ok()
        } else {
            None
        }
    };
    let mut last = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if let Some(unit) = hex_at(i) {
                let is_high = (0xD800..0xDC00).contains(&unit);
                let is_low = (0xDC00..0xE000).contains(&unit);
                let paired =
                    is_high && hex_at(i + 6).is_some_and(|n| (0xDC00..0xE000).contains(&n));
                if paired {
                    i += 12;
                    continue;
                }
                if is_high || is_low {
                    out.push_str(&raw[last..i]);
                    out.push_str("\\uFFFD");
                    i += 6;
                    last = i;
                    continue;
                }
                i += 6;
                continue;
            }
            i += 2; // any other escape, including `\\`
            continue;
        }
        i += 1;
    }
    out.push_str(&raw[last..]);
    out
}

fn parse_element(item: &Value) -> Element {
    let json = || item.to_string();
    let Value::Object(object) = item else {
        return raw_element("", RawReason::Malformed, json());
    };
    let msg_type = object
        .get("MsgType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(Value::Object(content)) = object.get("MsgContent") else {
        let reason = if is_known(msg_type) {
            RawReason::Malformed
        } else {
            RawReason::UnknownType
        };
        return raw_element(msg_type, reason, json());
    };
    parse_content(msg_type, content).unwrap_or_else(|| {
        let reason = if is_known(msg_type) {
            RawReason::Malformed
        } else {
            RawReason::UnknownType
        };
        raw_element(msg_type, reason, json())
    })
}

fn is_known(msg_type: &str) -> bool {
    matches!(
        msg_type,
        "TIMTextElem"
            | "TIMLocationElem"
            | "TIMFaceElem"
            | "TIMCustomElem"
            | "TIMSoundElem"
            | "TIMImageElem"
            | "TIMFileElem"
            | "TIMVideoFileElem"
            | "TIMRelayElem"
    )
}

fn parse_content(msg_type: &str, c: &Map<String, Value>) -> Option<Element> {
    let media = matches!(
        msg_type,
        "TIMImageElem" | "TIMFileElem" | "TIMSoundElem" | "TIMVideoFileElem"
    );
    if media && c.get("Redacted").is_some_and(Value::is_string) {
        return Some(Element::Redacted {
            msg_type: msg_type.to_owned(),
            size: c.get("Size").and_then(as_u64),
            seconds: c.get("Second").and_then(as_f64),
        });
    }
    Some(match msg_type {
        "TIMTextElem" => Element::Text {
            text: c.get("Text")?.as_str()?.to_owned(),
        },
        "TIMLocationElem" => Element::Location {
            desc: string(c, "Desc"),
            latitude: c.get("Latitude").and_then(as_f64),
            longitude: c.get("Longitude").and_then(as_f64),
        },
        "TIMFaceElem" => Element::Face {
            index: c.get("Index").and_then(as_i64),
            data: string(c, "Data"),
        },
        "TIMCustomElem" => Element::Custom {
            data: string(c, "Data"),
            desc: string(c, "Desc"),
            ext: string(c, "Ext"),
            sound: string(c, "Sound"),
        },
        "TIMSoundElem" => Element::Sound {
            url: opt_string(c, "Url"),
            uuid: string(c, "UUID"),
            size: c.get("Size").and_then(as_u64),
            seconds: c.get("Second").and_then(as_f64),
        },
        "TIMImageElem" => Element::Image {
            uuid: string(c, "UUID"),
            format: c.get("ImageFormat").and_then(as_i64),
            infos: match c.get("ImageInfoArray") {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_object().map(image_info))
                    .collect::<Option<_>>()?,
                None => Vec::new(),
                Some(_) => return None,
            },
        },
        "TIMFileElem" => Element::File {
            url: opt_string(c, "Url"),
            uuid: string(c, "UUID"),
            size: c.get("FileSize").and_then(as_u64),
            name: opt_string(c, "FileName")
                .or_else(|| opt_string(c, "fileName"))
                .unwrap_or_default(),
        },
        "TIMVideoFileElem" => Element::Video(Box::new(Video {
            url: opt_string(c, "VideoUrl"),
            uuid: string(c, "VideoUUID"),
            size: c.get("VideoSize").and_then(as_u64),
            seconds: c.get("VideoSecond").and_then(as_f64),
            format: string(c, "VideoFormat"),
            thumb_url: opt_string(c, "ThumbUrl"),
            thumb_width: c.get("ThumbWidth").and_then(as_u64),
            thumb_height: c.get("ThumbHeight").and_then(as_u64),
            thumb_size: c.get("ThumbSize").and_then(as_u64),
        })),
        "TIMRelayElem" => Element::Relay(Box::new(parse_relay(c)?)),
        _ => return None,
    })
}

fn parse_relay(c: &Map<String, Value>) -> Option<Relay> {
    let messages = match c.get("MsgList") {
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| {
                    let m = item.as_object()?;
                    Some(RelayMessage {
                        from_account: m
                            .get("From_Account")
                            .map(display_string)
                            .unwrap_or_default(),
                        timestamp_s: m.get("MsgTimeStamp").and_then(as_i64),
                        elements: match m.get("MsgBody") {
                            Some(Value::Array(body)) => body.iter().map(parse_element).collect(),
                            _ => Vec::new(),
                        },
                    })
                })
                .collect::<Option<Vec<_>>>()?,
        ),
        None | Some(Value::Null) => None,
        Some(_) => return None,
    };
    Some(Relay {
        title: string(c, "Title"),
        msg_num: c.get("MsgNum").and_then(as_u64),
        compatible_text: string(c, "CompatibleText"),
        abstract_list: match c.get("AbstractList") {
            Some(Value::Array(items)) => items.iter().map(display_string).collect(),
            _ => Vec::new(),
        },
        messages,
        json_msg_key: opt_string(c, "JsonMsgKey"),
    })
}

fn image_info(o: &Map<String, Value>) -> ImageInfo {
    ImageInfo {
        kind: o.get("Type").and_then(as_i64),
        size: o.get("Size").and_then(as_u64),
        width: o.get("Width").and_then(as_u64),
        height: o.get("Height").and_then(as_u64),
        url: opt_string(o, "URL").or_else(|| opt_string(o, "Url")),
    }
}

fn raw_element(msg_type: &str, reason: RawReason, json: String) -> Element {
    Element::Raw {
        msg_type: msg_type.to_owned(),
        reason,
        json,
    }
}

fn string(c: &Map<String, Value>, key: &str) -> String {
    c.get(key).map(display_string).unwrap_or_default()
}

fn opt_string(c: &Map<String, Value>, key: &str) -> Option<String> {
    c.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A string as itself; any other JSON value as its JSON text; null as empty.
fn display_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    as_i64(v).and_then(|n| u64::try_from(n).ok())
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_message_parses() {
        let m = parse_message(
            0,
            r#"{"FromAccount":"86186","FromAccountRole":1,"MsgBody":[{"MsgContent":{"Text":"hello"},"MsgType":"TIMTextElem"}],"Timestamp":1730939030138,"MsgSeq":7}"#,
        );
        assert_eq!(m.role, Role::Customer);
        assert_eq!(m.timestamp_ms, Some(1730939030138));
        assert!(matches!(&m.elements[0], Element::Text { text } if text == "hello"));
        assert_eq!(m.extra_fields, vec![("MsgSeq".to_owned(), "7".to_owned())]);
    }

    #[test]
    fn unknown_and_malformed_elements_are_kept_raw() {
        let m = parse_message(
            0,
            r#"{"MsgBody":[{"MsgType":"TIMGroupTipElem","MsgContent":{"x":1}},{"MsgType":"TIMTextElem","MsgContent":{"Text":5}},7]}"#,
        );
        let reasons: Vec<_> = m
            .elements
            .iter()
            .map(|e| match e {
                Element::Raw { reason, .. } => Some(*reason),
                _ => None,
            })
            .collect();
        assert_eq!(
            reasons,
            [
                Some(RawReason::UnknownType),
                Some(RawReason::Malformed),
                Some(RawReason::Malformed)
            ]
        );
    }

    #[test]
    fn message_that_is_not_an_object_is_kept_raw() {
        let m = parse_message(3, "[1,2]");
        assert!(matches!(&m.elements[0], Element::Raw { json, .. } if json == "[1,2]"));
    }

    #[test]
    fn huge_number_spoils_only_its_own_field() {
        let m = parse_message(
            0,
            r#"{"FromAccount":"a","FromAccountRole":2,"Timestamp":1e400,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}},{"MsgType":"TIMLocationElem","MsgContent":{"Latitude":1e400}}],"X":1}"#,
        );
        assert_eq!(
            (m.from_account.as_str(), m.role, m.timestamp_ms),
            ("a", Role::Agent, None)
        );
        assert!(matches!(&m.elements[0], Element::Text { text } if text == "hi"));
        assert!(matches!(&m.elements[1], Element::Raw { json, .. } if json.contains("1e400")));
        assert_eq!(m.extra_fields, vec![("X".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn relay_nested_beyond_the_parser_limit_keeps_sender_and_time() {
        let mut relay = r#"{"MsgType":"TIMTextElem","MsgContent":{"Text":"deep"}}"#.to_owned();
        for _ in 0..40 {
            relay = format!(
                r#"{{"MsgType":"TIMRelayElem","MsgContent":{{"Title":"t","MsgList":[{{"From_Account":"x","MsgTimeStamp":1,"MsgBody":[{relay}]}}]}}}}"#
            );
        }
        let raw = format!(
            r#"{{"FromAccount":"c","FromAccountRole":1,"Timestamp":5,"MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"before"}}}},{relay}]}}"#
        );
        let m = parse_message(0, &raw);
        assert_eq!((m.from_account.as_str(), m.timestamp_ms), ("c", Some(5)));
        assert!(matches!(&m.elements[0], Element::Text { text } if text == "before"));
        assert!(matches!(&m.elements[1], Element::Raw { json, .. } if json.contains("deep")));
    }

    #[test]
    fn lone_surrogate_becomes_replacement_character() {
        let m = parse_message(
            0,
            r#"{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"a\ud800b\ud83d\ude00c\udc00"}}]}"#,
        );
        assert!(
            matches!(&m.elements[0], Element::Text { text } if text == "a\u{fffd}b😀c\u{fffd}")
        );
    }

    #[test]
    fn every_api_element_type_parses() {
        let raw = r#"{"MsgBody":[
            {"MsgType":"TIMLocationElem","MsgContent":{"Desc":"HQ","Latitude":22.5,"Longitude":113.9}},
            {"MsgType":"TIMFaceElem","MsgContent":{"Index":1,"Data":"smile"}},
            {"MsgType":"TIMCustomElem","MsgContent":{"Data":"{}","Desc":"","Ext":"","Sound":""}},
            {"MsgType":"TIMSoundElem","MsgContent":{"Url":"https://example.com/a.mp3","UUID":"u","Size":10,"Second":3,"Download_Flag":2}},
            {"MsgType":"TIMImageElem","MsgContent":{"UUID":"i","ImageFormat":1,"ImageInfoArray":[{"Type":1,"Size":9,"Width":2,"Height":3,"URL":"https://example.com/i.jpg"}]}},
            {"MsgType":"TIMFileElem","MsgContent":{"Url":"https://example.com/f","UUID":"f","FileSize":5,"FileName":"f.pdf","Download_Flag":2}},
            {"MsgType":"TIMVideoFileElem","MsgContent":{"VideoUrl":"https://example.com/v.mp4","VideoSecond":4,"VideoFormat":"mp4"}},
            {"MsgType":"TIMRelayElem","MsgContent":{"Title":"t","MsgNum":1,"MsgList":[{"From_Account":"a","MsgTimeStamp":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}]}}
        ]}"#;
        let m = parse_message(0, raw);
        let names: Vec<_> = m.elements.iter().map(Element::type_name).collect();
        assert_eq!(
            names,
            [
                "TIMLocationElem",
                "TIMFaceElem",
                "TIMCustomElem",
                "TIMSoundElem",
                "TIMImageElem",
                "TIMFileElem",
                "TIMVideoFileElem",
                "TIMRelayElem"
            ]
        );
        assert!(m.elements.iter().all(|e| !matches!(e, Element::Raw { .. })));
    }
}

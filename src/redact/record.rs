//! A raw record through a profile: every string of every message (text, custom payloads
//! and the JSON inside them, file names, URLs, unknown fields), the metadata (allow-list),
//! accounts (pseudonyms), media (placeholders) and coordinates. The result is a record in
//! the usual format, so the pages, indexes and stats rendered from it are redacted too.

use std::path::Path;

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::{At, Field, Kind, Redactor};
use crate::error::{Error, Result};
use crate::records::{Metadata, Record, RecordRef};

/// The element types that carry media.
const MEDIA_TYPES: [&str; 4] = [
    "TIMImageElem",
    "TIMFileElem",
    "TIMSoundElem",
    "TIMVideoFileElem",
];

/// Top-level message fields kept as they are: numbers the pages and stats need, and
/// that no detector should read as a phone or card number.
const PLAIN_FIELDS: [&str; 6] = [
    "FromAccountRole",
    "Timestamp",
    "MsgSeq",
    "MsgRandom",
    "MsgTime",
    "MsgKey",
];

/// Redacts one record (its file's bytes; `path` only labels errors). The redactor's
/// pseudonyms move on to a new session first (unless they last the whole export).
pub fn redact_record(bytes: &[u8], path: &Path, r: &mut Redactor) -> Result<Record> {
    let record = RecordRef::from_slice(bytes, path)?;
    r.pseudonyms.next_session();
    let mut messages: Vec<Option<Value>> = record
        .messages
        .iter()
        .map(|m| crate::model::parse_lenient(m.get()))
        .collect();
    if r.profile().pseudonyms {
        for m in messages.iter().flatten() {
            name_accounts(m, r);
        }
    }
    let mut out = Vec::with_capacity(messages.len());
    for (i, m) in messages.iter_mut().enumerate() {
        let value = match m.take() {
            Some(v) => Walk { r, number: i + 1 }.message(v),
            None => unreadable(r, i + 1),
        };
        let text = serde_json::to_string(&value).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })?;
        let raw = RawValue::from_string(text).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })?;
        out.push(raw);
    }
    Ok(Record {
        session_id: r.session_id(&record.session_id),
        total_count: record.total_count,
        messages: out,
        fetched_at: record.fetched_at,
        metadata: metadata(record.metadata, r),
    })
}

/// Gives every sender its pseudonym in order of appearance, before any text is
/// redacted, so that an account named in an early message is already known.
fn name_accounts(message: &Value, r: &mut Redactor) {
    let Some(m) = message.as_object() else {
        return;
    };
    if let Some(account) = m.get("FromAccount") {
        let kind = Kind::of_role(m.get("FromAccountRole").and_then(Value::as_i64));
        r.pseudonyms.name(&display(account), kind);
    }
    let relays = m
        .get("MsgBody")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("MsgType").and_then(Value::as_str) == Some("TIMRelayElem"));
    for relay in relays {
        let list = relay
            .pointer("/MsgContent/MsgList")
            .and_then(Value::as_array);
        for item in list.into_iter().flatten() {
            if let Some(account) = item.get("From_Account") {
                r.pseudonyms.name(&display(account), Kind::Other);
            }
        }
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A message that is not JSON even leniently: nothing in it can be checked, so nothing
/// of it is kept.
fn unreadable(r: &mut Redactor, number: usize) -> Value {
    let at = At {
        message: Some(number),
        element: None,
        field: "",
        kind: Field::Other,
    };
    r.note("unreadable", &at, 0);
    json!({"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {
        "Text": "[message withheld: it could not be read for redaction]"}}]})
}

fn metadata(metadata: Metadata, r: &mut Redactor) -> Metadata {
    let mut out = Map::new();
    for (key, value) in metadata {
        let at = At {
            message: None,
            element: None,
            field: "Metadata",
            kind: Field::Metadata,
        };
        if !r.profile().keeps_metadata(&key) {
            r.note("metadata", &at, key.chars().count());
            continue;
        }
        let key = r.text(&key, &at).into_owned();
        let value = Walk { r, number: 0 }.value(value, "Metadata", Field::Metadata, true);
        out.insert(key, value);
    }
    out
}

/// One message's walk.
struct Walk<'r> {
    r: &'r mut Redactor,
    /// 1-based message number (0 for session fields).
    number: usize,
}

impl Walk<'_> {
    fn at<'a>(&self, element: Option<&'a str>, field: &'a str, kind: Field) -> At<'a> {
        At {
            message: (self.number > 0).then_some(self.number),
            element,
            field,
            kind,
        }
    }

    fn message(&mut self, v: Value) -> Value {
        let Value::Object(map) = v else {
            return self.value(v, "", Field::Other, true);
        };
        let mut out = Map::with_capacity(map.len());
        for (key, value) in map {
            let value = match key.as_str() {
                "FromAccount" => self.account(value, None, "FromAccount"),
                "MsgBody" => match value {
                    Value::Array(items) => {
                        Value::Array(items.into_iter().map(|e| self.element(e)).collect())
                    }
                    other => self.value(other, "MsgBody", Field::Other, true),
                },
                k if PLAIN_FIELDS.contains(&k) && !value.is_string() => value,
                k => self.value(value, k, Field::Other, true),
            };
            out.insert(key, value);
        }
        Value::Object(out)
    }

    fn account(&mut self, v: Value, element: Option<&str>, field: &str) -> Value {
        let account = display(&v);
        if !self.r.profile().pseudonyms {
            let at = self.at(element, field, Field::Account);
            return Value::String(self.r.text(&account, &at).into_owned());
        }
        let name = self.r.pseudonyms.name(&account, Kind::Other);
        if name != account {
            let at = self.at(element, field, Field::Account);
            self.r.note("pseudonym", &at, account.chars().count());
        }
        Value::String(name)
    }

    fn element(&mut self, v: Value) -> Value {
        let Value::Object(mut map) = v else {
            return self.value(v, "MsgBody", Field::Other, true);
        };
        let msg_type = map
            .get("MsgType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let known = known_type(&msg_type);
        let element = Some(known.unwrap_or("unknown"));
        let mut out = Map::with_capacity(map.len());
        // MsgType first, then MsgContent, as the API sends them.
        if let Some(value) = map.remove("MsgType") {
            let value = match known {
                Some(_) => value,
                None => self.value(value, "MsgType", Field::Other, true),
            };
            out.insert("MsgType".to_owned(), value);
        }
        if let Some(Value::Object(content)) = map.remove("MsgContent") {
            let content = match known {
                Some(t) if MEDIA_TYPES.contains(&t) && !self.r.profile().keep_media => {
                    let at = self.at(element, "MsgContent", Field::Other);
                    self.r.note("media", &at, 0);
                    placeholder(t, &content)
                }
                Some(t) => self.content(t, content),
                None => self.value(Value::Object(content), "MsgContent", Field::Other, true),
            };
            out.insert("MsgContent".to_owned(), content);
        }
        for (key, value) in map {
            let value = self.value(value, &key, Field::Other, true);
            let at = self.at(element, "", Field::Other);
            let key = self.r.text(&key, &at).into_owned();
            out.insert(key, value);
        }
        Value::Object(out)
    }

    /// The content of a known element type.
    fn content(&mut self, msg_type: &'static str, content: Map<String, Value>) -> Value {
        let element = Some(msg_type);
        let mut out = Map::with_capacity(content.len());
        for (key, value) in content {
            let field = format!("MsgContent.{key}");
            let value = match (msg_type, key.as_str()) {
                ("TIMLocationElem", "Latitude" | "Longitude")
                    if !self.r.profile().keep_location =>
                {
                    let at = self.at(element, &field, Field::Other);
                    self.r.note("location", &at, 0);
                    continue;
                }
                ("TIMCustomElem", _) => self.value_in(value, element, &field, Field::Custom, true),
                ("TIMRelayElem", "MsgList") => self.relay_list(value),
                (_, "Text" | "Desc" | "Title" | "CompatibleText" | "AbstractList" | "Data") => {
                    self.value_in(value, element, &field, Field::Text, false)
                }
                _ => {
                    let kind = kind_of_key(&key, Field::Other);
                    self.value_in(value, element, &field, kind, false)
                }
            };
            out.insert(key, value);
        }
        Value::Object(out)
    }

    fn relay_list(&mut self, v: Value) -> Value {
        let Value::Array(items) = v else {
            return self.value(v, "MsgContent.MsgList", Field::Other, true);
        };
        let items = items.into_iter().map(|item| {
            let Value::Object(map) = item else {
                return self.value(item, "MsgContent.MsgList", Field::Other, true);
            };
            let mut out = Map::with_capacity(map.len());
            for (key, value) in map {
                let value = match key.as_str() {
                    "From_Account" => {
                        self.account(value, Some("TIMRelayElem"), "MsgList.From_Account")
                    }
                    "MsgBody" => match value {
                        Value::Array(body) => {
                            Value::Array(body.into_iter().map(|e| self.element(e)).collect())
                        }
                        other => self.value(other, "MsgList.MsgBody", Field::Other, true),
                    },
                    "MsgTimeStamp" if value.is_number() => value,
                    k => self.value(value, k, Field::Other, true),
                };
                out.insert(key, value);
            }
            Value::Object(out)
        });
        Value::Array(items.collect())
    }

    fn value(&mut self, v: Value, field: &str, kind: Field, numbers: bool) -> Value {
        self.value_in(v, None, field, kind, numbers)
    }

    /// Any JSON value: strings redacted (JSON inside a string walked as JSON), object keys
    /// too, numbers read as text when `numbers` (a phone number may be a number).
    fn value_in(
        &mut self,
        v: Value,
        element: Option<&str>,
        field: &str,
        kind: Field,
        numbers: bool,
    ) -> Value {
        match v {
            Value::String(s) => Value::String(self.string(s, element, field, kind)),
            Value::Number(n) if numbers => {
                let text = n.to_string();
                let at = self.at(element, field, kind);
                match self.r.text(&text, &at) {
                    std::borrow::Cow::Borrowed(_) => Value::Number(n),
                    std::borrow::Cow::Owned(s) => Value::String(s),
                }
            }
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|i| self.value_in(i, element, field, kind, numbers))
                    .collect(),
            ),
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (key, value) in map {
                    let at = self.at(element, field, kind);
                    let key = self.r.text(&key, &at).into_owned();
                    let path = format!("{field}.{key}");
                    let kind = kind_of_key(&key, kind);
                    out.insert(key, self.value_in(value, element, &path, kind, numbers));
                }
                Value::Object(out)
            }
            other => other,
        }
    }

    /// A string; one holding a JSON object or array (desk payloads, CloudCustomData) is
    /// walked as JSON, so that escapes inside it cannot hide a value.
    fn string(&mut self, s: String, element: Option<&str>, field: &str, kind: Field) -> String {
        let trimmed = s.trim_start();
        if (trimmed.starts_with('{') || trimmed.starts_with('['))
            && let Ok(parsed) = serde_json::from_str::<Value>(&s)
        {
            let walked = self.value_in(parsed.clone(), element, field, kind, true);
            if walked == parsed {
                return s;
            }
            return serde_json::to_string(&walked).unwrap_or_default();
        }
        let at = self.at(element, field, kind);
        self.r.text(&s, &at).into_owned()
    }
}

/// The element types of API.md, as static names for the report.
fn known_type(msg_type: &str) -> Option<&'static str> {
    [
        "TIMTextElem",
        "TIMLocationElem",
        "TIMFaceElem",
        "TIMCustomElem",
        "TIMSoundElem",
        "TIMImageElem",
        "TIMFileElem",
        "TIMVideoFileElem",
        "TIMRelayElem",
    ]
    .into_iter()
    .find(|t| *t == msg_type)
}

/// What kind of string a key holds: URLs and file names are told apart for rules
/// limited to them.
fn kind_of_key(key: &str, inherited: Field) -> Field {
    let lower = key.to_ascii_lowercase();
    if lower == "filename" || lower == "file_name" {
        Field::FileName
    } else if lower.contains("url") || lower == "link" || lower == "pic" || lower == "href" {
        Field::Url
    } else {
        inherited
    }
}

/// What is left of a media element: its type, size and duration, never its address,
/// name or identifier. `model` reads `Redacted` and shows a placeholder card.
fn placeholder(msg_type: &str, c: &Map<String, Value>) -> Value {
    let number = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| c.get(*k).filter(|v| v.is_number()))
    };
    let size = match msg_type {
        "TIMImageElem" => c
            .get("ImageInfoArray")
            .and_then(Value::as_array)
            .and_then(|infos| {
                infos
                    .iter()
                    .filter_map(|i| i.get("Size").and_then(Value::as_u64))
                    .max()
            })
            .map(Value::from),
        _ => number(&["Size", "FileSize", "VideoSize"]).cloned(),
    };
    let mut out = Map::new();
    out.insert("Redacted".into(), Value::String("media".into()));
    if let Some(size) = size {
        out.insert("Size".into(), size);
    }
    if let Some(seconds) = number(&["Second", "VideoSecond"]) {
        out.insert("Second".into(), seconds.clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::{Options, Profile};

    fn record(messages: &[&str], metadata: &str) -> Vec<u8> {
        format!(
            r#"{{"SessionId":"s1","TotalCount":{},"FetchedAt":"2024-01-01T00:00:00Z","Metadata":{metadata},"Messages":[{}]}}"#,
            messages.len(),
            messages.join(",")
        )
        .into_bytes()
    }

    fn redact(bytes: &[u8]) -> (String, Vec<super::super::Entry>) {
        let mut r = Redactor::new(Profile::external(), Options::default());
        let rec = redact_record(bytes, Path::new("r.json"), &mut r).unwrap();
        (String::from_utf8(rec.to_bytes()).unwrap(), r.take_log())
    }

    #[test]
    fn every_kind_of_string_is_redacted() {
        let bytes = record(
            &[
                r#"{"FromAccount":"cust_13800138000","FromAccountRole":1,"Timestamp":1700000000000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"I am cust_13800138000, mail a@example.com"}}],"CloudCustomData":"{\"phone\":\"13900139000\"}"}"#,
                r#"{"FromAccount":"agent_wang","FromAccountRole":2,"Timestamp":1700000001000,"MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"{\"src\":\"22\",\"content\":{\"header\":\"\\u0031\\u0033\\u0038\\u0030\\u0030\\u0031\\u0033\\u0038\\u0030\\u0030\\u0030\",\"url\":\"https://example.com/p?token=s3cret\",\"tel\":13700137000}}"}},{"MsgType":"TIMFileElem","MsgContent":{"Url":"https://example.com/f?sig=x","UUID":"u1","FileSize":2048,"FileName":"id-11010519491231002X.pdf"}},{"MsgType":"TIMLocationElem","MsgContent":{"Desc":"home","Latitude":22.5,"Longitude":113.9}}]}"#,
            ],
            r#"{"Phone":"13800138000","Channel":"web"}"#,
        );
        let (text, log) = redact(&bytes);
        for leaked in [
            "13800138000",
            "13900139000",
            "13700137000",
            "cust_",
            "agent_wang",
            "a@example.com",
            "s3cret",
            "sig=x",
            "11010519491231002X",
            "Phone",
            "22.5",
            "\\u0031",
        ] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        for kept in [
            "Customer",
            "Agent 1",
            "1700000000000",
            "\"Redacted\":\"media\"",
            "2048",
            "home",
        ] {
            assert!(text.contains(kept), "{kept} not in {text}");
        }
        let rules: std::collections::BTreeSet<&str> = log.iter().map(|e| e.rule.as_str()).collect();
        for rule in [
            "pseudonym",
            "phone",
            "email",
            "url-query",
            "media",
            "location",
            "metadata",
        ] {
            assert!(rules.contains(rule), "{rule} not in {rules:?}");
        }
    }

    #[test]
    fn unreadable_messages_are_withheld_and_clean_strings_kept_verbatim() {
        let bytes = record(
            &[
                r#"{"FromAccountRole":3,"MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"{ \"src\" : \"19\" }"}}]}"#,
                r#"{"FromAccount":"13800138000","Timestamp":1e400,"MsgBody":[]}"#,
            ],
            "{}",
        );
        let (text, log) = redact(&bytes);
        assert!(text.contains(r#"{ \"src\" : \"19\" }"#), "{text}");
        assert!(
            !text.contains("13800138000") && text.contains("withheld"),
            "{text}"
        );
        assert!(
            log.iter()
                .any(|e| e.rule == "unreadable" && e.message == Some(2))
        );
    }
}

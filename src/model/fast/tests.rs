//! The fast path gives exactly what the general parser gives: on every message of the
//! repository's records, and (proptest) on generated messages — the common shapes of every
//! element type and their mutations: wrong types, missing and extra fields, duplicate keys,
//! escaped keys, unicode escapes with lone surrogates, odd numbers, non-object messages and
//! broken JSON.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use crate::testutil::proptest_config as config;

use super::super::{Element, Message, parse_message, parse_message_slow};
use super::parse;

/// The two results compared through `Debug`, which shows every field (and, unlike `==`,
/// finds a NaN equal to itself: `" NaN ".parse::<f64>()` is one).
fn same(a: &Message, b: &Message) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// Asserts that the fast path, when it answers, answers as the general parser does;
/// returns whether it answered.
fn check(raw: &str) -> bool {
    let slow = parse_message_slow(4, raw);
    assert!(same(&parse_message(4, raw), &slow), "{raw}");
    match parse(4, raw) {
        Some(fast) => {
            assert!(same(&fast, &slow), "{raw}\nfast: {fast:?}\nslow: {slow:?}");
            true
        }
        None => false,
    }
}

/// Every record file under `dir` (recursively) with its messages.
fn records(dir: &Path) -> Vec<(PathBuf, Vec<String>)> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json")
                && let Some(messages) = messages(&path)
            {
                found.push((path, messages));
            }
        }
    }
    found
}

/// A record's messages as the API sent them (read here, not through `records`, so that the
/// model depends on nothing above it); `None` for a file that is not a record.
fn messages(path: &Path) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Record<'a> {
        #[serde(rename = "Messages", borrow)]
        messages: Vec<&'a serde_json::value::RawValue>,
    }
    let text = std::fs::read_to_string(path).ok()?;
    let record: Record<'_> = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    Some(record.messages.iter().map(|m| m.get().to_owned()).collect())
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn every_message_of_the_fixtures_parses_as_the_general_parser_does() {
    let all = records(&repo("tests/fixtures"));
    assert!(all.len() >= 30, "only {} records found", all.len());
    let (mut fast, mut total) = (0, 0);
    for (_, messages) in &all {
        for raw in messages {
            fast += usize::from(check(raw));
            total += 1;
        }
    }
    // The hostile records are mostly what the fast path leaves to the general parser, but
    // not only.
    assert!(fast * 3 > total, "fast path took {fast} of {total}");
}

#[test]
fn every_message_of_the_demo_takes_the_fast_path_unless_it_holds_a_raw_block() {
    let all = records(&repo("examples/demo/records"));
    assert!(all.len() >= 20, "only {} records found", all.len());
    for (path, messages) in &all {
        for raw in messages {
            let raw_block = parse_message_slow(0, raw)
                .elements
                .iter()
                .any(|e| matches!(e, Element::Raw { .. }));
            assert_eq!(check(raw), !raw_block, "{}: {raw}", path.display());
        }
    }
}

#[test]
fn edge_cases_fall_back_or_agree() {
    let cases = [
        r#"{"FromAccount":"a","FromAccount":"b"}"#,
        r#"{"X":1,"Y":2,"X":3}"#,
        r#"{"Fro\u006dAccount":"esc","Timestamp":"  17 ","FromAccountRole":2.9}"#,
        r#"{"Timestamp":18446744073709551615,"FromAccountRole":-1}"#,
        r#"{"Timestamp":1e400}"#,
        r#"{"Timestamp":1e-400,"MsgSeq":-0,"MsgRandom":1.0,"Big":123456789012345678901234}"#,
        r#"{"Cloud":"a\"b\u00e9\/c","Nested":{"a":1,"a":2,"b":[1,{"c":null}]}}"#,
        r#"{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"\ud800"}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x","Text":"y"}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x","Junk":1e400}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x","Junk":"\udc00"}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMImageElem","MsgContent":{"ImageInfoArray":null}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"t","ImageInfoArray":[1]}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMImageElem","MsgContent":{"Redacted":"x","Size":"5","Second":" NaN "}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMRelayElem","MsgContent":{"MsgList":null,"AbstractList":[1,"a",null,{"b":2}]}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMRelayElem","MsgContent":{"MsgList":[{"MsgBody":7}]}}]}"#,
        r#"{"MsgBody":[{"MsgType":"TIMFileElem","MsgContent":{"FileName":"","fileName":"b"}}]}"#,
        r#"{"MsgBody":null}"#,
        r#"{"MsgBody":[]} x"#,
        r#" { "MsgBody" : [ ] } "#,
        "[1,2]",
        "\"text\"",
        "",
        "{",
    ];
    for raw in cases {
        check(raw);
    }
}

// ---- generated messages ----

type Json = BoxedStrategy<String>;

/// A JSON string literal made of pieces that matter to a parser: escapes, surrogate pairs
/// and lone surrogates, non-ASCII text, digits and words that the number rules parse.
fn string() -> Json {
    const PIECES: &[&str] = &[
        "a",
        "hello world",
        "é中😀",
        r"\n",
        r#"\""#,
        r"\\",
        r"\/",
        r"\u0041",
        r"\u00e9",
        r"\ud83d\ude00",
        r"\ud800",
        r"\udc00",
        r"\uD83D",
        r"\u0000",
        r"\t",
        " 42 ",
        "42",
        "-7",
        "1.5",
        "NaN",
        "inf",
        "1e400",
        "{\\\"src\\\":\\\"7\\\"}",
        "https://example.com/a.png",
        "<b>",
    ];
    prop::collection::vec(prop::sample::select(PIECES), 0..4)
        .prop_map(|p| format!("\"{}\"", p.concat()))
        .boxed()
}

/// A JSON number literal, including ones past `i64`, `u64` and `f64`.
fn number() -> Json {
    const NUMBERS: &[&str] = &[
        "0",
        "1",
        "2",
        "3",
        "7",
        "255",
        "-5",
        "-0",
        "1730939030138",
        "1.5",
        "-1.5",
        "2.0",
        "1e3",
        "1E400",
        "1e-400",
        "2.5e-3",
        "18446744073709551615",
        "18446744073709551616",
        "9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
    ];
    prop::sample::select(NUMBERS)
        .prop_map(str::to_owned)
        .boxed()
}

fn scalar() -> Json {
    prop_oneof![
        3 => number(),
        3 => string(),
        1 => prop::sample::select(&["true", "false", "null"][..]).prop_map(str::to_owned),
    ]
    .boxed()
}

/// A key: one a message or element reads, or another; sometimes with an escape.
fn key() -> BoxedStrategy<String> {
    const KEYS: &[&str] = &[
        "a",
        "Text",
        "MsgType",
        "MsgContent",
        "MsgBody",
        "Data",
        "URL",
        "Size",
        "x y",
        "",
    ];
    prop::sample::select(KEYS).prop_map(str::to_owned).boxed()
}

/// Any JSON value, nested a little.
fn any_value() -> Json {
    scalar()
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((key(), inner), 0..3).prop_map(|v| render(&v, false)),
            ]
        })
        .boxed()
}

/// Renders `(key, value)` pairs as a JSON object, compact or spaced.
fn render(fields: &[(String, String)], spaced: bool) -> String {
    let (colon, comma) = if spaced { (" : ", " ,\n ") } else { (":", ",") };
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}{colon}{v}", escape_key(k)))
        .collect();
    format!("{{{}}}", body.join(comma))
}

/// A key's JSON text: a leading `~` (never in a real key) asks for its first character as
/// a `\u` escape, so that escaped keys are met too.
fn escape_key(key: &str) -> String {
    match key.strip_prefix('~') {
        Some(rest) => {
            let mut chars = rest.chars();
            match chars.next() {
                Some(c) => format!("\"\\u{:04x}{}\"", u32::from(c), chars.as_str()),
                None => "\"\"".to_owned(),
            }
        }
        None => format!("\"{key}\""),
    }
}

/// An object with the given fields, each present most of the time and sometimes of a wrong
/// value, plus other fields, in any order, sometimes with a key given twice or escaped.
fn object(fields: Vec<(&'static str, Json)>, extra: Json) -> Json {
    object_with(fields, extra, 0.85)
}

/// [`object`], each field present with probability `present`.
fn object_with(fields: Vec<(&'static str, Json)>, extra: Json, present: f64) -> Json {
    let fields: Vec<_> = fields
        .into_iter()
        .map(|(k, good)| {
            let value = prop_oneof![9 => good, 1 => any_value()];
            let k = prop_oneof![19 => Just(k.to_owned()), 1 => Just(format!("~{k}"))];
            prop::option::weighted(present, (k, value))
        })
        .collect();
    let extras = prop::collection::vec((key(), extra), 0..2);
    (
        fields,
        extras,
        prop::option::weighted(0.04, (any::<prop::sample::Index>(), any_value())),
        any::<bool>(),
    )
        .prop_flat_map(|(fields, extras, dup, spaced)| {
            let mut all: Vec<(String, String)> = fields.into_iter().flatten().collect();
            all.extend(extras);
            if let Some((i, value)) = dup
                && !all.is_empty()
            {
                let k = all[i.index(all.len())].0.clone();
                all.push((k, value));
            }
            Just(all)
                .prop_shuffle()
                .prop_map(move |all| render(&all, spaced))
        })
        .boxed()
}

fn small_int() -> Json {
    prop_oneof![4 => (0u32..100_000).prop_map(|n| n.to_string()), 1 => number()].boxed()
}

fn info() -> Json {
    object(
        vec![
            ("Type", (1u8..4).prop_map(|n| n.to_string()).boxed()),
            ("Size", small_int()),
            ("Width", small_int()),
            ("Height", small_int()),
            ("URL", string()),
            ("Url", string()),
        ],
        scalar(),
    )
}

fn array(item: Json, max: usize) -> Json {
    prop::collection::vec(item, 0..max)
        .prop_map(|v| format!("[{}]", v.join(",")))
        .boxed()
}

/// A `MsgContent` for `msg_type`, nesting relays `depth` more levels.
fn content(msg_type: &'static str, depth: u32) -> Json {
    let s = string;
    let mut fields: Vec<(&'static str, Json)> = match msg_type {
        "TIMTextElem" => vec![("Text", s())],
        "TIMLocationElem" => vec![
            ("Desc", s()),
            ("Latitude", number()),
            ("Longitude", number()),
        ],
        "TIMFaceElem" => vec![("Index", small_int()), ("Data", s())],
        "TIMCustomElem" => vec![("Data", s()), ("Desc", s()), ("Ext", s()), ("Sound", s())],
        "TIMSoundElem" => vec![
            ("Url", s()),
            ("UUID", s()),
            ("Size", small_int()),
            ("Second", number()),
        ],
        "TIMImageElem" => vec![
            ("UUID", s()),
            ("ImageFormat", small_int()),
            ("ImageInfoArray", array(info(), 4)),
        ],
        "TIMFileElem" => vec![
            ("Url", s()),
            ("UUID", s()),
            ("FileSize", small_int()),
            ("FileName", s()),
            ("fileName", s()),
        ],
        "TIMVideoFileElem" => vec![
            ("VideoUrl", s()),
            ("VideoUUID", s()),
            ("VideoSize", small_int()),
            ("VideoSecond", number()),
            ("VideoFormat", s()),
            ("ThumbUrl", s()),
            ("ThumbWidth", small_int()),
            ("ThumbHeight", small_int()),
            ("ThumbSize", small_int()),
        ],
        "TIMRelayElem" => vec![
            ("Title", s()),
            ("MsgNum", small_int()),
            ("CompatibleText", s()),
            ("AbstractList", array(s(), 3)),
            (
                "MsgList",
                prop_oneof![5 => array(relay_message(depth), 3), 1 => Just("null".to_owned())]
                    .boxed(),
            ),
            ("JsonMsgKey", s()),
        ],
        _ => vec![("Text", s()), ("Data", s())],
    };
    if matches!(
        msg_type,
        "TIMImageElem" | "TIMFileElem" | "TIMSoundElem" | "TIMVideoFileElem"
    ) {
        fields.push((
            "Redacted",
            prop_oneof![Just("\"voice\"".to_owned()), scalar()].boxed(),
        ));
        fields.push(("Download_Flag", Just("2".to_owned()).boxed()));
    }
    object(fields, scalar())
}

fn relay_message(depth: u32) -> Json {
    object(
        vec![
            ("From_Account", string()),
            ("MsgTimeStamp", small_int()),
            ("MsgBody", array(element(depth.saturating_sub(1)), 3)),
        ],
        scalar(),
    )
}

/// One `MsgBody` item of any type (relays only while `depth` > 0).
fn element(depth: u32) -> Json {
    const TYPES: &[&str] = &[
        "TIMTextElem",
        "TIMLocationElem",
        "TIMFaceElem",
        "TIMCustomElem",
        "TIMSoundElem",
        "TIMImageElem",
        "TIMFileElem",
        "TIMVideoFileElem",
        "TIMRelayElem",
        "TIMGroupTipElem",
        "timtextelem",
    ];
    let types = if depth == 0 { &TYPES[..8] } else { TYPES };
    prop::sample::select(types)
        .prop_flat_map(move |t| {
            // Without either, an element is raw: rare, so that most messages reach the
            // fast path.
            object_with(
                vec![
                    ("MsgType", Just(format!("\"{t}\"")).boxed()),
                    ("MsgContent", content(t, depth)),
                ],
                scalar(),
                0.97,
            )
        })
        .boxed()
}

/// A message: usually an object of the API's shape, sometimes anything, cut short, or
/// with a trailing character.
fn message() -> Json {
    let object = object(
        vec![
            ("FromAccount", string()),
            (
                "FromAccountRole",
                prop_oneof![4 => (0u8..5).prop_map(|n| n.to_string()), 1 => scalar()].boxed(),
            ),
            (
                "Timestamp",
                prop_oneof![4 => Just("1730939030138".to_owned()), 1 => number()].boxed(),
            ),
            ("MsgBody", array(element(2), 4)),
            ("MsgSeq", small_int()),
            ("CloudCustomData", string()),
        ],
        any_value(),
    );
    prop_oneof![
        20 => object.clone(),
        1 => any_value(),
        1 => (object.clone(), any::<prop::sample::Index>()).prop_map(|(o, i)| cut(&o, i)),
        1 => object.prop_map(|o| format!("{o} x")),
    ]
    .boxed()
}

/// `text` cut short, at a character boundary.
fn cut(text: &str, at: prop::sample::Index) -> String {
    let mut end = at.index(text.len().max(1));
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn fast_path_agrees_with_the_general_parser(raw in message()) {
        check(&raw);
    }
}

/// The property above is worth something only if the generated messages reach both paths.
#[test]
fn generated_messages_reach_both_paths() {
    let mut runner = TestRunner::deterministic();
    let strategy = message();
    let (mut fast, total) = (0, 1000);
    for _ in 0..total {
        let raw = strategy.new_tree(&mut runner).expect("a message").current();
        fast += usize::from(parse(0, &raw).is_some());
    }
    assert!(fast * 10 > total, "fast path took only {fast} of {total}");
    assert!(fast * 10 < total * 9, "fast path took {fast} of {total}");
}

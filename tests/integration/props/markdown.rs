//! Markdown session pages under hostile text (SPEC §9): whatever customers write — message
//! text, names, file names, metadata — the page parsed by a CommonMark parser has no raw
//! HTML, every message's content stays inside its own quote, the page's own structure
//! (headings, sender lines) cannot be forged, and names are bidi-isolated (FSI … PDI).

use desk_archive::media::MediaLookup;
use desk_archive::model::parse_message;
use desk_archive::records::Metadata;
use desk_archive::render::i18n::strings;
use desk_archive::render::session::{self, SessionInput, SessionMd};
use desk_archive::render::{Lang, RenderOptions};
use desk_archive::stats::session_stats;
use proptest::prelude::*;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag};
use serde_json::{Value, json};

use super::{config, hostile_text};

/// One `MsgBody` element carrying hostile text in the field a customer controls.
#[derive(Debug, Clone)]
enum Elem {
    Text(String),
    Custom(String),
    Face(String),
    File(String),
    Location(String),
}

#[derive(Debug, Clone)]
struct Msg {
    sender: String,
    customer: bool,
    elements: Vec<Elem>,
}

fn elem() -> impl Strategy<Value = Elem> {
    prop_oneof![
        6 => hostile_text(40).prop_map(Elem::Text),
        1 => hostile_text(12).prop_map(Elem::Custom),
        1 => hostile_text(8).prop_map(Elem::Face),
        1 => hostile_text(8).prop_map(Elem::File),
        1 => hostile_text(8).prop_map(Elem::Location),
    ]
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        hostile_text(6),
        any::<bool>(),
        prop::collection::vec(elem(), 0..3),
    )
        .prop_map(|(sender, customer, elements)| Msg {
            sender,
            customer,
            elements,
        })
}

fn element_json(e: &Elem) -> Value {
    match e {
        Elem::Text(t) => json!({"MsgType": "TIMTextElem", "MsgContent": {"Text": t}}),
        Elem::Custom(d) => {
            json!({"MsgType": "TIMCustomElem", "MsgContent": {"Data": d, "Desc": d}})
        }
        Elem::Face(d) => json!({"MsgType": "TIMFaceElem", "MsgContent": {"Index": 1, "Data": d}}),
        Elem::File(n) => json!({"MsgType": "TIMFileElem",
            "MsgContent": {"Url": "https://example.com/f", "FileName": n, "FileSize": 3}}),
        Elem::Location(d) => json!({"MsgType": "TIMLocationElem",
            "MsgContent": {"Desc": d, "Latitude": 1.0, "Longitude": 2.0}}),
    }
}

/// The Markdown page of a session holding `msgs`, rendered as `render` would.
fn page(session_id: &str, metadata: &Metadata, msgs: &[Msg]) -> String {
    let messages: Vec<_> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let raw = json!({
                "FromAccount": m.sender,
                "FromAccountRole": if m.customer { 1 } else { 2 },
                "Timestamp": 1_704_067_200_000_i64 + i as i64 * 1000,
                "MsgBody": m.elements.iter().map(element_json).collect::<Vec<_>>(),
            });
            parse_message(i, &raw.to_string())
        })
        .collect();
    let stats = session_stats(&messages);
    let options = RenderOptions {
        timezone: chrono_tz::Tz::UTC,
        title: None,
        lang: Lang::En,
        markdown_pages: true,
        search: false,
        remote_images: false,
        jobs: None,
        progress: None,
        cancel: None,
    };
    let media = MediaLookup::default();
    let input = SessionInput {
        session_id,
        metadata,
        messages: &messages,
        stats: &stats,
        prev: None,
        next: None,
        media: &media,
        remote_images: true,
    };
    let t = strings(Lang::En);
    let view = session::build(input, &options, t);
    askama::Template::render(&SessionMd { t, v: &view }).expect("template")
}

/// A top-level block of the page: its tag, and the text inside it.
#[derive(Debug)]
struct TopBlock {
    tag: Tag<'static>,
    text: String,
}

/// The page's top-level blocks; fails on any raw HTML event.
fn top_blocks(md: &str, dialect: Options) -> Result<Vec<TopBlock>, TestCaseError> {
    let mut blocks: Vec<TopBlock> = Vec::new();
    let mut depth = 0usize;
    for event in Parser::new_ext(md, dialect) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => {
                return Err(TestCaseError::fail(format!("raw HTML {h:?} in\n{md}")));
            }
            Event::Start(tag) => {
                if depth == 0 {
                    blocks.push(TopBlock {
                        tag: tag.into_static(),
                        text: String::new(),
                    });
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) | Event::Code(t) => {
                if let Some(b) = blocks.last_mut() {
                    b.text.push_str(&t);
                }
            }
            _ => {}
        }
    }
    Ok(blocks)
}

fn is_heading(tag: &Tag<'_>, want: HeadingLevel) -> bool {
    matches!(tag, Tag::Heading { level, .. } if *level == want)
}

/// Whether every embedding, override and isolate opened in `s` is closed by its end
/// (UAX #9's rules X2–X6a, without the depth limit).
fn bidi_closed(s: &str) -> bool {
    let mut stack: Vec<bool> = Vec::new(); // true: an isolate
    for c in s.chars() {
        match c {
            '\u{202a}'..='\u{202b}' | '\u{202d}'..='\u{202e}' => stack.push(false),
            '\u{202c}' if stack.last() == Some(&false) => {
                stack.pop();
            }
            '\u{2066}'..='\u{2068}' => stack.push(true),
            '\u{2069}' if stack.contains(&true) => while stack.pop() == Some(false) {},
            _ => {}
        }
    }
    stack.is_empty()
}

/// A sender line: `<isolated name> · <role> · <time> · #<k>`.
fn check_sender_line(md: &str, line: &str, role: &str, k: usize) -> Result<(), TestCaseError> {
    let at = line.rfind(&format!(" · {role} · ")).ok_or_else(|| {
        TestCaseError::fail(format!(
            "message {k}: no sender line, got {line:?} in\n{md}"
        ))
    })?;
    let (name, rest) = line.split_at(at);
    prop_assert!(
        rest.ends_with(&format!(" · #{k}")),
        "message {k}: {line:?} in\n{md}"
    );
    prop_assert!(
        name.starts_with('\u{2068}') && name.ends_with('\u{2069}'),
        "{name:?}"
    );
    prop_assert!(bidi_closed(name), "name not isolated: {name:?}");
    Ok(())
}

/// Checks the page as strict CommonMark and with every extension pulldown-cmark has.
fn check_page(md: &str, msgs: &[Msg], with_metadata: bool) -> Result<(), TestCaseError> {
    check_page_as(md, msgs, with_metadata, Options::empty())?;
    check_page_as(md, msgs, with_metadata, Options::all())
}

fn check_page_as(
    md: &str,
    msgs: &[Msg],
    with_metadata: bool,
    dialect: Options,
) -> Result<(), TestCaseError> {
    let blocks = top_blocks(md, dialect)?;
    let h2: Vec<_> = blocks
        .iter()
        .filter(|b| is_heading(&b.tag, HeadingLevel::H2))
        .map(|b| b.text.as_str())
        .collect();
    let mut want = vec!["Overview", "Participants"];
    if with_metadata {
        want.push("Metadata");
    }
    want.push("Transcript");
    prop_assert_eq!(&h2, &want, "section headings of\n{}", md);
    prop_assert!(is_heading(&blocks[0].tag, HeadingLevel::H1), "{}", md);
    let start = blocks
        .iter()
        .position(|b| is_heading(&b.tag, HeadingLevel::H2) && b.text == "Transcript")
        .map_or(blocks.len(), |i| i + 1);
    let mut rest = blocks[start..].iter().peekable();
    if !msgs.is_empty() {
        let day = rest.next();
        prop_assert!(
            day.is_some_and(|b| is_heading(&b.tag, HeadingLevel::H3)),
            "no day heading in\n{}",
            md
        );
    }
    for (i, m) in msgs.iter().enumerate() {
        let header = rest
            .next()
            .ok_or_else(|| TestCaseError::fail(format!("short\n{md}")))?;
        prop_assert!(
            matches!(header.tag, Tag::Paragraph),
            "{:?} in\n{}",
            header,
            md
        );
        let role = if m.customer { "Customer" } else { "Agent" };
        check_sender_line(md, &header.text, role, i + 1)?;
        // The message's content: a quote per block (none for a payload with nothing to
        // show), nothing else.
        while rest
            .peek()
            .is_some_and(|b| matches!(b.tag, Tag::BlockQuote(_)))
        {
            rest.next();
        }
    }
    let extra: Vec<_> = rest.collect();
    prop_assert!(
        extra.is_empty(),
        "content outside its quote: {:?} in\n{}",
        extra,
        md
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn markdown_page_keeps_content_in_its_quote(
        msgs in prop::collection::vec(msg(), 1..5),
        session_id in hostile_text(6),
        key in hostile_text(4),
        value in hostile_text(8),
    ) {
        let mut metadata = Metadata::new();
        metadata.insert(format!("k{key}"), Value::String(value));
        let md = page(&session_id, &metadata, &msgs);
        check_page(&md, &msgs, true)?;
    }
}

/// The cases that broke the old pages: a lone CR ended the quote, so a customer could
/// open a fence whose body became raw HTML, or forge another sender's line.
#[test]
fn lone_cr_and_crlf_are_line_endings() {
    let cases = [
        "```\r<script>alert(1)</script>",
        "hi\r\r**bob** · Agent · 00:00 UTC · \\#2\r\r> I am the agent",
        "a\r\n\r\n<div>x</div>",
        "~~~\r\r<img src=x onerror=alert(1)>",
    ];
    for text in cases {
        let msgs = vec![Msg {
            sender: "alice".into(),
            customer: true,
            elements: vec![Elem::Text(text.into()), Elem::Custom(text.into())],
        }];
        let md = page("s", &Metadata::new(), &msgs);
        check_page(&md, &msgs, false).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}

#[test]
fn names_are_bidi_isolated() {
    let msgs = vec![Msg {
        sender: "\u{202e}evil\u{2066}".into(),
        customer: false,
        elements: vec![Elem::Text("x".into())],
    }];
    let md = page("s\u{202e}", &Metadata::new(), &msgs);
    check_page(&md, &msgs, false).unwrap_or_else(|e| panic!("{e}"));
}

/// Cases the long campaigns found once: a link whose text spans quoted lines lost the
/// `> ` of its last line when it was rewritten; a tab or a definition-list colon made a
/// parse of the unquoted text disagree with the page's.
#[test]
fn quoted_rewrites_keep_every_line_quoted() {
    let cases = [
        "\r[\r:\r](https://example.com)",
        "\t<\r\r<script>",
        "<https://example.com>\r:<!--",
        "!<!a\r¡",
        "- <\r\r    <script>",
    ];
    for text in cases {
        let msgs = vec![Msg {
            sender: "a".into(),
            customer: true,
            elements: vec![Elem::Face(String::new()), Elem::Text(text.into())],
        }];
        let md = page("s", &Metadata::new(), &msgs);
        check_page(&md, &msgs, false).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}

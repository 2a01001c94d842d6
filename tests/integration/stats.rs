//! Integration tests: statistics, `stats.json` (against its schema), the index pages,
//! the Markdown index and the agent pages, built from the records in
//! `tests/fixtures/stats/` with hand-computed answers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use desk_archive::model::parse_message;
use desk_archive::records::{Record, stem};
use desk_archive::render::index::{ROWS_PER_PAGE, write_index};
use desk_archive::render::{Lang, MissingSession, RenderOptions, SessionSummary};
use desk_archive::stats::{SessionStats, session_stats_in};
use scraper::{Html, Selector};
use serde_json::Value;

const TRANSFER: &str = "b0f4ca12-4850-4218-a284-efe679a87066";
const HOSTILE: &str = r#"<script>alert(1)</script> "q" [x](https://evil.invalid) | pipe"#;
const HOSTILE_CUSTOMER: &str = "<img src=x onerror=alert(2)>";
const HOSTILE_AGENT: &str = "[agent](javascript:alert(3)) | x";
const HOSTILE_FAILED: &str = "<b>failed</b> | [m](https://evil.invalid)";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stats")
        .join(name)
}

fn options(lang: Lang) -> RenderOptions {
    RenderOptions {
        timezone: chrono_tz::Asia::Shanghai,
        title: None,
        lang,
        markdown_pages: true,
        search: false,
        remote_images: false,
        jobs: None,
        progress: None,
        cancel: None,
    }
}

fn summary_of(record: &Record, zone: chrono_tz::Tz) -> SessionSummary {
    let messages: Vec<_> = record
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| parse_message(i, m.get()))
        .collect();
    SessionSummary {
        session_id: record.session_id.clone(),
        stem: stem(&record.session_id),
        stats: session_stats_in(&messages, zone),
        media: None,
    }
}

fn summaries() -> Vec<SessionSummary> {
    ["transfer.json", "hostile.json", "empty.json"]
        .iter()
        .map(|name| {
            let record = Record::read(&fixture(name)).unwrap();
            summary_of(&record, chrono_tz::Asia::Shanghai)
        })
        .collect()
}

fn missing() -> Vec<MissingSession> {
    vec![
        MissingSession {
            session_id: HOSTILE_FAILED.into(),
            state: "failed".into(),
            error_code: Some(141004),
            reason: "invalid parameter <x>".into(),
            callback_messages: None,
        },
        MissingSession {
            session_id: "gone".into(),
            state: "not found".into(),
            error_code: Some(141010),
            reason: "the session does not exist".into(),
            callback_messages: None,
        },
        MissingSession {
            session_id: "later".into(),
            state: "pending".into(),
            error_code: None,
            reason: "run stopped".into(),
            callback_messages: None,
        },
    ]
}

/// Builds the index of the fixtures into a fresh temp dir.
fn build() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_index(dir.path(), &summaries(), &missing(), &options(Lang::En)).unwrap();
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn stats_of(id: &str) -> SessionStats {
    summaries()
        .into_iter()
        .find(|s| s.session_id == id)
        .unwrap()
        .stats
}

#[test]
fn transfer_session_figures_are_the_hand_computed_ones() {
    let s = stats_of(TRANSFER);
    assert_eq!(
        (
            s.messages.total,
            s.messages.customer,
            s.messages.agent,
            s.messages.system
        ),
        (7, 4, 2, 1)
    );
    assert_eq!(s.first_message_ms, Some(1_730_939_000_000));
    assert_eq!(s.duration_ms, Some(460_000));
    assert_eq!(s.first_response_ms, Some(30_000)); // 10 s after "hello"… run starts at "hello"
    assert_eq!(s.responses.answered, 2);
    assert_eq!(s.responses.mean_ms, Some(165_000)); // (30 000 + 300 000) / 2
    assert_eq!(s.responses.median_ms, Some(165_000));
    assert_eq!(s.responses.p90_ms, Some(300_000));
    assert_eq!(s.longest_wait_ms, Some(300_000));
    assert_eq!(s.unanswered_customer_messages, 1); // "thanks"
    assert_eq!(s.system_events, 1);
    assert_eq!(
        (
            s.characters.customer,
            s.characters.agent,
            s.characters.total
        ),
        (24, 23, 47)
    );
    let elements: Vec<_> = s.elements.iter().collect();
    assert_eq!(
        elements,
        [
            ("TIMCustomElem", 1),
            ("TIMImageElem", 1),
            ("TIMTextElem", 6)
        ]
    );
    let agents: Vec<_> = s
        .participants
        .agent
        .iter()
        .map(|a| (a.account.as_str(), a.first_response_ms))
        .collect();
    assert_eq!(
        agents,
        [("agent-alice", Some(30_000)), ("agent-bob", Some(300_000))]
    );
    // 00:23:20Z … 00:31:00Z is 08:xx in Shanghai.
    assert_eq!(s.messages_by_hour[8], 7);
}

#[test]
fn stats_json_starts_like_the_spec_and_has_nulls_not_zeros() {
    let dir = build();
    let text = read(dir.path(), "stats.json");
    assert!(
        text.starts_with(r#"{"sessions": [{"session_id": ""#),
        "{}",
        &text[..60]
    );
    let json: Value = serde_json::from_str(&text).unwrap();
    let sessions = json["sessions"].as_array().unwrap();
    let ids: Vec<_> = sessions
        .iter()
        .map(|s| s["session_id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "sessions sorted by id");
    let keys: Vec<_> = sessions[0]
        .as_object()
        .unwrap()
        .keys()
        .take(10)
        .cloned()
        .collect();
    assert_eq!(
        keys,
        [
            "session_id",
            "stem",
            "page",
            "markdown_page",
            "record",
            "messages",
            "first_message_ms",
            "last_message_ms",
            "duration_ms",
            "first_response_ms"
        ]
    );
    let by_id = |id: &str| sessions.iter().find(|s| s["session_id"] == id).unwrap();
    let empty = by_id("empty-session");
    for key in [
        "first_message_ms",
        "last_message_ms",
        "duration_ms",
        "first_response_ms",
    ] {
        assert!(empty[key].is_null(), "{key} of an empty session is null");
    }
    assert_eq!(empty["status"], "empty");
    let transfer = by_id(TRANSFER);
    assert_eq!(transfer["page"], format!("sessions/{TRANSFER}.html"));
    assert_eq!(transfer["first_message_at"], "2024-11-07T00:23:20.000Z");
    assert_eq!(transfer["messages"]["customer"], 4);
    assert_eq!(transfer["status"], "waiting");
    let totals = &json["totals"];
    assert_eq!(totals["sessions"], 3);
    assert_eq!(totals["messages"]["total"], 10);
    assert_eq!(totals["agents"], 3);
    assert_eq!(totals["first_response"]["median_ms"], 17_500); // (5 000 + 30 000) / 2
    assert_eq!(totals["not_archived"]["failed"], 1);
    assert_eq!(
        totals["per_agent"][0]["page"],
        format!("agents/{}.html", stem(HOSTILE_AGENT))
    );
    assert_eq!(json["not_archived"].as_array().unwrap().len(), 3);
}

#[test]
fn stats_json_is_valid_against_its_schema() {
    let dir = build();
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/stats.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let instance: Value = serde_json::from_str(&read(dir.path(), "stats.json")).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is strict enough to catch a 0 where null belongs, or a stray field.
    let mut broken = instance.clone();
    broken["sessions"][0]["first_response_ms"] = Value::from(-1);
    broken["totals"]["surprise"] = Value::from(1);
    assert_eq!(validator.iter_errors(&broken).count(), 2);
}

#[test]
fn index_links_every_session_page_and_no_missing_one() {
    let dir = build();
    let doc = Html::parse_document(&read(dir.path(), "index.html"));
    let rows = Selector::parse("table#sessions tbody tr").unwrap();
    let link = Selector::parse("td.id a").unwrap();
    let rows: Vec<_> = doc.select(&rows).collect();
    assert_eq!(rows.len(), 6);
    let mut linked = BTreeMap::new();
    for row in &rows {
        let id_text: String = row
            .select(&Selector::parse("td.id").unwrap())
            .next()
            .unwrap()
            .text()
            .collect();
        let href = row
            .select(&link)
            .next()
            .map(|a| a.attr("href").unwrap().to_owned());
        linked.insert(id_text, href);
    }
    for s in summaries() {
        assert_eq!(
            linked[&s.session_id],
            Some(format!("sessions/{}.html", s.stem))
        );
        assert!(dir.path().join("index.md").exists());
    }
    for m in missing() {
        assert_eq!(linked[&m.session_id], None, "{} has no page", m.session_id);
    }
    // newest first: hostile (2024-11-08) before transfer (2024-11-07), then no time, then missing
    let order: Vec<_> = rows
        .iter()
        .map(|r| r.value().attr("class").unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "status-waiting",
            "status-waiting",
            "status-empty",
            "status-failed",
            "status-not-found",
            "status-pending"
        ]
    );
    let first: String = rows[0].text().collect();
    assert!(first.contains("2024-11-08 06:53:20 CST"), "{first}");
    // data-sort carries raw numbers for index.js
    let sort = Selector::parse("td[data-sort]").unwrap();
    let keys: Vec<_> = rows[1]
        .select(&sort)
        .map(|td| td.attr("data-sort").unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "1730939000000",
            "4",
            "2",
            "1",
            "7",
            "460000",
            "30000",
            "300000"
        ]
    );
}

#[test]
fn hostile_ids_and_accounts_are_escaped_in_index_html() {
    let dir = build();
    let html = read(dir.path(), "index.html");
    for raw in ["<script>alert", "<img src=x", "<b>failed</b>", "<x>"] {
        assert!(!html.contains(raw), "raw {raw:?} in index.html");
    }
    assert!(!html.contains("style="), "no style attribute");
    assert!(!html.contains("<style"), "no style element");
    let doc = Html::parse_document(&html);
    let scripts: Vec<_> = doc.select(&Selector::parse("script").unwrap()).collect();
    assert_eq!(scripts.len(), 1);
    assert_eq!(scripts[0].attr("src"), Some("assets/index.js"));
    assert!(scripts[0].inner_html().is_empty(), "no inline script");
    let all = Selector::parse("*").unwrap();
    for el in doc.select(&all) {
        for (name, value) in el.value().attrs() {
            assert!(!name.starts_with("on"), "event handler {name}");
            if name == "href" || name == "src" {
                assert!(!value.contains(':'), "absolute or scripted URL {value}");
            }
        }
    }
    // The texts come through intact, as text.
    let text: String = doc.root_element().text().collect();
    for raw in [HOSTILE, HOSTILE_CUSTOMER, HOSTILE_AGENT, HOSTILE_FAILED] {
        assert!(text.contains(raw), "{raw:?} shown as text");
    }
    let agent_link = format!("agents/{}.html", stem(HOSTILE_AGENT));
    let a = Selector::parse(&format!(r#"a[href="{agent_link}"]"#)).unwrap();
    assert!(doc.select(&a).next().is_some());
}

#[test]
fn control_characters_are_shown_as_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let gone = MissingSession {
        session_id: "ctl\u{1}\u{1b}[2J\u{85}".into(),
        state: "failed".into(),
        error_code: None,
        reason: "bad\u{7f}".into(),
        callback_messages: None,
    };
    write_index(
        dir.path(),
        &Vec::<SessionSummary>::new(),
        &[gone],
        &options(Lang::En),
    )
    .unwrap();
    for name in ["index.html", "index.md"] {
        let text = read(dir.path(), name);
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')),
            "{name}"
        );
        assert!(text.contains("ctl\u{2401}\u{241b}"), "{name}");
        assert!(text.contains("bad\u{2421}"), "{name}");
    }
}

/// Splits a Markdown table row at its unescaped pipes.
fn cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().unwrap_or('\\');
                cells.last_mut().unwrap().extend(['\\', next]);
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[test]
fn hostile_text_is_escaped_in_index_md() {
    let dir = build();
    let md = read(dir.path(), "index.md");
    // Only what could start markup is escaped: a `](` stays, after an escaped `]`.
    for raw in ["](https://evil", "](javascript"] {
        for (i, _) in md.match_indices(raw) {
            assert!(
                md[..i].ends_with('\\'),
                "unescaped {raw:?} in index.md at {i}"
            );
        }
    }
    assert!(!md.contains("https://"), "an autolink in index.md");
    for (i, _) in md.match_indices('<') {
        assert!(md[..i].ends_with('\\'), "unescaped < in index.md at {i}");
    }
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(rows.len(), 2 + 6, "header, rule and six rows");
    for row in &rows {
        assert_eq!(cells(row).len(), 14, "12 cells between 13 pipes: {row}");
    }
    // SessionIds are names: bidi-isolated (FSI … PDI) like every name on a Markdown page.
    let transfer_link = format!("[\u{2068}{TRANSFER}\u{2069}](sessions/{TRANSFER}.md)");
    assert!(md.contains(&transfer_link), "{md}");
    // Missing sessions have no link.
    let failed = rows.iter().find(|r| r.contains("failed")).unwrap();
    assert!(!failed.contains("](sessions/"), "{failed}");
    // Rendered by a CommonMark parser, the hostile row has exactly one link: its own page.
    let hostile = rows.iter().find(|r| r.contains("script")).unwrap();
    let parser = pulldown_cmark::Parser::new_ext(hostile, pulldown_cmark::Options::all());
    let links: Vec<_> = parser
        .filter_map(|e| match e {
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => {
                panic!("raw HTML {h}")
            }
            _ => None,
        })
        .collect();
    assert_eq!(links, [format!("sessions/{}.md", stem(HOSTILE))]);
}

#[test]
fn charts_are_present_well_formed_svg() {
    let dir = build();
    let html = read(dir.path(), "index.html");
    let svgs: Vec<&str> = html
        .match_indices("<svg ")
        .map(|(start, _)| {
            let end = html[start..].find("</svg>").unwrap() + start + "</svg>".len();
            &html[start..end]
        })
        .collect();
    assert_eq!(
        svgs.len(),
        3,
        "sessions per day, first responses, messages by hour"
    );
    let mut rects = Vec::new();
    for svg in &svgs {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert!(root.attribute("viewBox").is_some());
        assert!(doc.descendants().all(|n| n.attribute("style").is_none()));
        rects.push(doc.descendants().filter(|n| n.has_tag_name("rect")).count());
    }
    // two days; 8 response buckets + no reply; 24 hours
    assert_eq!(rects, [2, 9, 24]);
    // every message with a time, in its Shanghai hour
    let by_hour = roxmltree::Document::parse(svgs[2]).unwrap();
    let titles: Vec<String> = by_hour
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|r| r.first_element_child()?.text().map(str::to_owned))
        .collect();
    assert_eq!(titles[8], "08: 7");
    assert_eq!(titles[6], "06: 3"); // 2024-11-07T22:53:20Z…
}

/// Every file below `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn output_is_deterministic_whatever_the_input_order() {
    let a = build();
    let b = tempfile::tempdir().unwrap();
    let mut sessions = summaries();
    sessions.reverse();
    let mut gone = missing();
    gone.reverse();
    write_index(b.path(), &sessions, &gone, &options(Lang::En)).unwrap();
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{name} differs");
    }
    assert!(
        fa.keys().all(|name| !name.contains("tmp")),
        "no temp file left: {fa:?}"
    );
    // A second run over the same directory rewrites nothing.
    let before: Vec<_> = fa
        .keys()
        .map(|n| {
            std::fs::metadata(a.path().join(n))
                .unwrap()
                .modified()
                .unwrap()
        })
        .collect();
    write_index(a.path(), &summaries(), &missing(), &options(Lang::En)).unwrap();
    let after: Vec<_> = fa
        .keys()
        .map(|n| {
            std::fs::metadata(a.path().join(n))
                .unwrap()
                .modified()
                .unwrap()
        })
        .collect();
    assert_eq!(before, after);
}

#[test]
fn agent_pages_list_their_sessions() {
    let dir = build();
    let page = read(dir.path(), &format!("agents/{}.html", stem("agent-bob")));
    let doc = Html::parse_document(&page);
    let links: Vec<_> = doc
        .select(&Selector::parse("td.id a").unwrap())
        .map(|a| a.attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(links, [format!("../sessions/{TRANSFER}.html")]);
    assert!(page.contains(r#"href="../assets/index.css""#));
    assert!(page.contains(r#"href="../index.html""#));
    let hostile = read(dir.path(), &format!("agents/{}.html", stem(HOSTILE_AGENT)));
    assert!(!hostile.contains("<script>alert"));
    // An agent who is gone loses its page on the next run.
    write_index(dir.path(), &summaries()[2..], &[], &options(Lang::En)).unwrap();
    assert!(
        !dir.path()
            .join(format!("agents/{}.html", stem("agent-bob")))
            .exists()
    );
}

#[test]
fn chinese_ui() {
    let dir = tempfile::tempdir().unwrap();
    write_index(dir.path(), &summaries(), &missing(), &options(Lang::ZhCn)).unwrap();
    let html = read(dir.path(), "index.html");
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("首次响应"));
    assert!(read(dir.path(), "index.md").contains("客服"));
}

/// The index's headline figures, `(label, value)` in order, from its `<dl class="figures">`.
fn headline(html: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let pair = Selector::parse("dl.figures > div").unwrap();
    let (dt, dd) = (
        Selector::parse("dt").unwrap(),
        Selector::parse("dd").unwrap(),
    );
    let text = |el: scraper::ElementRef<'_>, sel: &Selector| {
        el.select(sel).next().unwrap().text().collect::<String>()
    };
    doc.select(&pair)
        .map(|div| (text(div, &dt), text(div, &dd)))
        .collect()
}

/// The headline figures say what they count, in both languages: "without any agent reply"
/// (none here) is not "ending with an unanswered customer message" (two: the transfer
/// session, answered earlier, ends with the customer's "thanks").
#[test]
fn headline_figures_are_named_for_what_they_count() {
    let dir = build();
    let en = headline(&read(dir.path(), "index.html"));
    let label = |figures: &[(String, String)], l: &str| {
        figures
            .iter()
            .find(|(k, _)| k == l)
            .unwrap_or_else(|| panic!("no figure `{l}` in {figures:?}"))
            .1
            .clone()
    };
    assert_eq!(label(&en, "Sessions without any agent reply"), "0");
    assert_eq!(
        label(&en, "Sessions ending with an unanswered customer message"),
        "2"
    );
    assert_eq!(label(&en, "Customer accounts"), "2");
    assert_eq!(label(&en, "Agent accounts (bots included)"), "3");
    label(&en, "Longest customer wait for a reply");
    let zh_dir = tempfile::tempdir().unwrap();
    write_index(
        zh_dir.path(),
        &summaries(),
        &missing(),
        &options(Lang::ZhCn),
    )
    .unwrap();
    let zh = headline(&read(zh_dir.path(), "index.html"));
    assert_eq!(label(&zh, "客服从未回复的会话"), "0");
    assert_eq!(label(&zh, "以未获回复的客户消息结束的会话"), "2");
    label(&zh, "客户等待回复的最长时间");
    assert_eq!(
        en.len(),
        zh.len(),
        "the same figures in both languages: {en:?} {zh:?}"
    );
}

#[test]
fn large_archives_are_split_into_pages_and_surplus_pages_removed() {
    let dir = tempfile::tempdir().unwrap();
    let one = summaries().remove(0);
    let many: Vec<SessionSummary> = (0..ROWS_PER_PAGE)
        .map(|i| SessionSummary {
            session_id: format!("s{i:05}"),
            stem: stem(&format!("s{i:05}")),
            stats: one.stats.clone(),
            media: None,
        })
        .collect();
    write_index(dir.path(), &many, &missing()[..1], &options(Lang::En)).unwrap();
    let second = read(dir.path(), "index-2.html");
    let doc = Html::parse_document(&second);
    let rows = doc
        .select(&Selector::parse("table#sessions tbody tr").unwrap())
        .count();
    assert_eq!(rows, 1, "the failed session overflows to page 2");
    assert!(second.contains(r#"href="index.html""#));
    assert!(read(dir.path(), "index.html").contains(r#"href="index-2.html""#));
    assert!(dir.path().join("index-2.md").exists());
    write_index(dir.path(), &many[..2], &[], &options(Lang::En)).unwrap();
    assert!(!dir.path().join("index-2.html").exists());
    assert!(!dir.path().join("index-2.md").exists());
}

#[test]
fn media_counts_show_in_the_index_and_stats_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut sessions = summaries();
    sessions[0].media = Some(desk_archive::coverage::MediaCounts {
        archived: 3,
        skipped: 1,
        failed: 2,
    });
    write_index(dir.path(), &sessions, &[], &options(Lang::En)).unwrap();
    let html = read(dir.path(), "index.html");
    assert!(html.contains(">Media</th>"), "no media column");
    assert!(
        html.contains("3 · 1 too large · 2 not archived"),
        "no media cell"
    );
    let json: serde_json::Value = serde_json::from_str(&read(dir.path(), "stats.json")).unwrap();
    let media: Vec<&serde_json::Value> = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["media"])
        .collect();
    assert!(
        media.contains(&&serde_json::json!({"archived": 3, "skipped": 1, "failed": 2})),
        "{media:?}"
    );
    assert!(media.iter().any(|m| m.is_null()));
    // Without capture there is no media column at all.
    let plain = tempfile::tempdir().unwrap();
    write_index(plain.path(), &summaries(), &[], &options(Lang::En)).unwrap();
    assert!(!read(plain.path(), "index.html").contains(">Media</th>"));
}

/// Summaries that fail after `limit` reads: a summary the store cannot read back.
struct Failing {
    inner: Vec<SessionSummary>,
    reads: std::sync::atomic::AtomicUsize,
    limit: usize,
}

impl desk_archive::render::index::Summaries for Failing {
    fn count(&self) -> usize {
        self.inner.len()
    }
    fn summary(&self, i: usize) -> desk_archive::Result<SessionSummary> {
        let reads = 1 + self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if reads > self.limit {
            let e = std::io::Error::other("disk gone");
            return Err(desk_archive::Error::io("read", "/store", e));
        }
        Ok(self.inner[i].clone())
    }
}

fn files_of(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for sub in ["", "agents"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn a_summary_that_cannot_be_read_fails_the_index_and_spoils_no_page() {
    let dir = tempfile::tempdir().unwrap();
    let all = Failing {
        inner: summaries(),
        reads: std::sync::atomic::AtomicUsize::new(0),
        limit: usize::MAX,
    };
    write_index(dir.path(), &all, &missing(), &options(Lang::En)).unwrap();
    let before = files_of(dir.path());
    let reads = all.reads.load(std::sync::atomic::Ordering::SeqCst);
    // Summaries are read once for the overview and again, one at a time, as each file is
    // written (side by side): the last read fails, then one while the files are written,
    // then one of the overview.
    for limit in [reads - 1, all.inner.len() * 2, all.inner.len()] {
        let failing = Failing {
            inner: summaries(),
            reads: std::sync::atomic::AtomicUsize::new(0),
            limit,
        };
        let err = write_index(dir.path(), &failing, &missing(), &options(Lang::En));
        let err = err.expect_err("a failed read must fail the index");
        let message = desk_archive::error::one_line(&err);
        assert!(message.contains("/store"), "{message}");
        assert_eq!(files_of(dir.path()), before, "limit {limit}");
    }
}

/// The demo through the real binary: a satisfaction rating after the agent's last reply
/// (session d8d27021…) no longer leaves the session "waiting", and a TUIKit rating between
/// two customer messages (c5fcfc57…) is not counted as unanswered; sessions whose last
/// real customer message ("thanks!") got no reply still end unanswered.
#[test]
fn demo_ratings_start_no_customer_run() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/records");
    let (code, _, stderr) = crate::cli::run(
        dir.path(),
        &["render", "--records", demo.to_str().unwrap(), "--out", "s"],
    );
    assert_eq!(code, 0, "{stderr}");
    let stats: Value = serde_json::from_str(&read(dir.path(), "s/data/stats.json")).unwrap();
    let session = |prefix: &str| {
        stats["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["session_id"].as_str().unwrap().starts_with(prefix))
            .unwrap()
            .clone()
    };
    let rated = session("d8d27021");
    assert_eq!(rated["status"], "answered");
    assert_eq!(rated["unanswered_customer_messages"], 0);
    let evaluation = session("c5fcfc57");
    assert_eq!(
        evaluation["unanswered_customer_messages"], 2,
        "a face and a sticker"
    );
    let thanks = session("b86402fe");
    assert_eq!(thanks["status"], "waiting");
    assert_eq!(
        thanks["unanswered_customer_messages"], 1,
        "\"thanks!\", not the rating"
    );
    let totals = &stats["totals"];
    assert_eq!(totals["sessions_ending_unanswered"], 16);
    assert_eq!(totals["unanswered_sessions"], 1);
}

#[test]
fn an_open_session_is_marked_and_not_counted_as_not_archived() {
    let dir = tempfile::tempdir().unwrap();
    let mut listed = missing();
    listed.push(MissingSession {
        session_id: TRANSFER.into(),
        state: "open".into(),
        error_code: None,
        reason: String::new(),
        callback_messages: None,
    });
    write_index(dir.path(), &summaries(), &listed, &options(Lang::En)).unwrap();
    let json: Value = serde_json::from_str(&read(dir.path(), "stats.json")).unwrap();
    let open: Vec<bool> = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["open"].as_bool().unwrap())
        .collect();
    let transfer = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["session_id"] == TRANSFER)
        .unwrap();
    assert_eq!(open.iter().filter(|o| **o).count(), 1);
    assert!(open[transfer]);
    assert_eq!(json["totals"]["open_sessions"], 1);
    assert_eq!(json["totals"]["sessions"], 3);
    assert_eq!(json["totals"]["not_archived"]["not_found"], 1);
    assert_eq!(json["not_archived"].as_array().unwrap().len(), 3);
    let index = read(dir.path(), "index.html");
    let doc = Html::parse_document(&index);
    let rows = Selector::parse("table#sessions tbody tr").unwrap();
    assert_eq!(
        doc.select(&rows).count(),
        6,
        "the open session is listed once"
    );
    let open_rows = Selector::parse("table#sessions tbody tr.open td.id").unwrap();
    let ids: Vec<String> = doc
        .select(&open_rows)
        .map(|td| td.text().collect())
        .collect();
    assert_eq!(ids, [TRANSFER]);
    assert!(index.contains("<dt>Sessions still going on when fetched</dt><dd>1</dd>"));
}

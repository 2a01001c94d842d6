//! Integration tests: render. Fixture records from `tests/fixtures/render/` are copied into
//! a temporary archive's `data/records/` and rendered with `render::render_site`.

use std::fs;
use std::path::{Path, PathBuf};

mod hostile_times;
mod index_skip;
mod remote_images;

use desk_archive::render::cmark::{UrlKind, safe_url};
use desk_archive::render::{Lang, RenderOptions, render_site};
use pulldown_cmark::{Event, Options, Parser, Tag};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/render")
        .join(name)
}

fn options() -> RenderOptions {
    RenderOptions {
        timezone: "Asia/Shanghai".parse().expect("zone"),
        title: Some("Support <archive>".into()),
        lang: Lang::En,
        markdown_pages: true,
        search: false,
        remote_images: false,
        jobs: Some(2),
        progress: None,
        cancel: None,
    }
}

/// A temporary archive whose `data/records` holds the named fixtures.
fn archive(fixtures: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    fs::create_dir_all(data.join("records")).expect("mkdir");
    for name in fixtures {
        fs::copy(fixture(name), data.join("records").join(name)).expect("copy fixture");
    }
    (dir, data)
}

fn stem(id: &str) -> String {
    desk_archive::records::stem(id)
}

const RICH: &str = "b0f4ca12-4850-4218-a284-efe679a87066";
const HOSTILE_ID: &str = "evil\"><script>alert(1)</script>\u{202e}";

fn page(data: &Path, id: &str, ext: &str) -> String {
    fs::read_to_string(data.join("sessions").join(format!("{}.{ext}", stem(id)))).expect("page")
}

/// Every file below `dir` with its bytes, sorted by relative path.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn pages_exist_per_session_with_assets_and_navigation() {
    let (_dir, data) = archive(&["rich.json", "small.json"]);
    let report = render_site(&options(), &data, &[]).expect("render");
    assert_eq!(report.sessions, 2);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    for id in [RICH, "Ticket #42"] {
        assert!(page(&data, id, "html").starts_with("<!DOCTYPE html>"));
        assert!(page(&data, id, "md").starts_with("# Session"));
    }
    assert!(data.join("assets/style.css").is_file());
    // Chronological: "Ticket #42" (2024-01-01) comes before the rich session (2024-11-07).
    let small = page(&data, "Ticket #42", "html");
    assert!(
        small.contains(&format!("href=\"{RICH}.html\"")),
        "next link"
    );
    assert!(small.contains("href=\"../index.html\""));
    let rich = page(&data, RICH, "html");
    assert!(
        rich.contains(&format!("href=\"{}.html\"", stem("Ticket #42"))),
        "previous link"
    );
    // Times in the chosen zone, with the zone shown.
    assert!(
        rich.contains("08:23 <span class=\"zone\">CST</span>"),
        "local time"
    );
}

#[test]
fn every_element_type_is_rendered_for_people() {
    let (_dir, data) = archive(&["rich.json"]);
    // By default remote images are links: the page loads nothing from outside the archive.
    render_site(&options(), &data, &[]).expect("render");
    let html = page(&data, RICH, "html");
    assert!(
        !html.contains("<img src=\"https:"),
        "no remote image by default"
    );
    assert!(html.contains("href=\"https://example.com/img/original.jpg\""));
    assert!(html.contains("img-src 'self';"));
    // With --remote-images they are shown (https only).
    let remote = RenderOptions {
        remote_images: true,
        ..options()
    };
    render_site(&remote, &data, &[]).expect("render");
    let html = page(&data, RICH, "html");
    assert!(html.contains("img-src 'self' https:;"));
    for needle in [
        "<strong>#1234</strong>",                                   // Markdown text
        "src=\"https://example.com/img/thumb.jpg\"",                // smallest thumbnail
        "href=\"https://example.com/img/original.jpg\"",            // original linked
        "1200 × 800",                                               // dimensions
        "receipt.pdf",                                              // file card
        "0:07",                                                     // sound duration
        "src=\"https://example.com/v/unbox.jpg\"",                  // video thumbnail
        "https://www.openstreetmap.org/?mlat=22.5&#38;mlon=113.95", // map link
        "[smile]",                                                  // face
        "Chat history with courier",                                // relay title
        "On the way, arriving tomorrow.",                           // relay message
        "JsonMsgKey key-123",                                       // relay stored elsewhere
        "Phone case, blue",                                         // product card
        "Which order?",                                             // branch
        "Hi! How can I help?",                                      // welcome
        "Please rate our service",                                  // rating request
        "★★★★★ Great",                                              // rating answer/menu
        "<th>item</th>",                                            // rich text table
        "Anything else?",                                           // stream chunks joined
        "Typing…",                                                  // typing note
        "Session ended",                                            // session end note
        "Unsupported element: TIMGroupTipElem",                     // unknown type
        "Custom message: A custom thing",                           // unknown custom
        "Other fields",                                             // extra message fields
        "MsgSeq",
        "Role 7", // other role labelled
        "王小明", // metadata
    ] {
        assert!(html.contains(needle), "missing {needle:?}");
    }
    assert!(
        !html.contains("<audio") && !html.contains("<video"),
        "no remote players"
    );
    assert_eq!(html.matches("class=\"day\"").count(), 2, "day separators");
}

fn assert_safe_html(html: &str) {
    let doc = scraper::Html::parse_document(html);
    let all = scraper::Selector::parse("*").expect("selector");
    let mut scripts = 0;
    for el in doc.select(&all) {
        let el = el.value();
        assert_ne!(el.name(), "style", "style element");
        assert_ne!(el.name(), "iframe", "iframe");
        if el.name() == "script" {
            scripts += 1;
        }
        for (name, value) in el.attrs() {
            assert!(
                !name.to_ascii_lowercase().starts_with("on"),
                "event handler {name}={value}"
            );
            assert_ne!(name, "style", "style attribute {value}");
            if matches!(name, "href" | "src") {
                let lower = value.to_ascii_lowercase();
                assert!(
                    !lower.contains("javascript:")
                        && !lower.contains("data:")
                        && !lower.contains("vbscript:"),
                    "{name}={value}"
                );
                let relative_ok = name == "href" && !value.contains(':');
                let kind = if name == "src" {
                    UrlKind::Image
                } else {
                    UrlKind::Link
                };
                assert!(
                    relative_ok || safe_url(value, kind).as_deref() == Some(value),
                    "{name}={value}"
                );
            }
        }
    }
    assert_eq!(scripts, 0, "script element");
    assert!(!html.chars().any(|c| matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}')));
}

#[test]
fn hostile_record_cannot_run_script_or_restyle_the_page() {
    let (_dir, data) = archive(&["hostile.json"]);
    let report = render_site(&options(), &data, &[]).expect("render");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let html = page(&data, HOSTILE_ID, "html");
    assert_safe_html(&html);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "raw HTML shown as text"
    );
    assert!(
        html.contains("javascript:alert(1)"),
        "unsafe URL still shown as text"
    );
    assert!(
        html.contains("\u{2400}\u{2407}\u{241b}\u{2421}"),
        "control placeholders"
    );
    assert!(html.contains("\u{202e}abc"), "bidi control kept");
    assert!(html.contains("<meta name=\"referrer\" content=\"no-referrer\">"));
    assert!(html.contains("Content-Security-Policy"));
}

#[test]
fn hostile_markdown_page_has_no_html_or_unsafe_links() {
    let (_dir, data) = archive(&["hostile.json", "rich.json"]);
    render_site(&options(), &data, &[]).expect("render");
    for id in [HOSTILE_ID, RICH] {
        let md = page(&data, id, "md");
        let parser = Parser::new_ext(&md, Options::all());
        assert_eq!(
            parser.reference_definitions().iter().count(),
            0,
            "reference definitions"
        );
        for event in parser {
            match event {
                Event::Html(h) | Event::InlineHtml(h) => panic!("HTML {h:?} in the Markdown page"),
                Event::Start(Tag::Link { dest_url, .. }) => {
                    let relative_page = !dest_url.contains(':') && dest_url.ends_with(".md");
                    assert!(
                        relative_page || safe_url(&dest_url, UrlKind::Link).is_some(),
                        "link {dest_url}"
                    );
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    assert!(
                        safe_url(&dest_url, UrlKind::Image).is_some(),
                        "image {dest_url}"
                    );
                }
                _ => {}
            }
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs_and_directories() {
    let (_a, data_a) = archive(&["rich.json", "small.json", "hostile.json"]);
    let (_b, data_b) = archive(&["rich.json", "small.json", "hostile.json"]);
    render_site(&options(), &data_a, &[]).expect("render");
    let first = tree(&data_a);
    let mtime = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).expect("mtime");
    let page_path = data_a.join("sessions").join(format!("{RICH}.html"));
    let before = mtime(&page_path);
    render_site(
        &RenderOptions {
            jobs: Some(1),
            progress: None,
            cancel: None,
            ..options()
        },
        &data_a,
        &[],
    )
    .expect("render again");
    assert_eq!(tree(&data_a), first, "second render differs");
    assert_eq!(mtime(&page_path), before, "unchanged page rewritten");
    render_site(
        &RenderOptions {
            jobs: None,
            progress: None,
            cancel: None,
            ..options()
        },
        &data_b,
        &[],
    )
    .expect("render elsewhere");
    assert_eq!(
        tree(&data_b),
        first,
        "render into another directory differs"
    );
}

#[test]
fn malformed_record_is_reported_and_the_rest_rendered() {
    let (_dir, data) = archive(&["malformed.json", "small.json"]);
    let report = render_site(&options(), &data, &[]).expect("render");
    assert_eq!(report.sessions, 1);
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0].path.ends_with("malformed.json"),
        "{:?}",
        report.failures
    );
    assert!(page(&data, "Ticket #42", "html").contains("log in."));
}

#[test]
fn stale_pages_are_removed_and_others_kept() {
    let (_dir, data) = archive(&["rich.json", "small.json"]);
    render_site(&options(), &data, &[]).expect("render");
    let sessions = data.join("sessions");
    fs::write(sessions.join("old-session.html"), "old").expect("write");
    fs::write(sessions.join("old-session.md"), "old").expect("write");
    fs::write(sessions.join("notes.txt"), "keep").expect("write");
    fs::remove_file(data.join("records/small.json")).expect("remove record");
    render_site(
        &RenderOptions {
            markdown_pages: false,
            ..options()
        },
        &data,
        &[],
    )
    .expect("render");
    let mut names: Vec<String> = fs::read_dir(&sessions)
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec![format!("{RICH}.html"), "notes.txt".to_owned()]);
}

#[test]
fn chinese_pages_use_chinese_strings() {
    let (_dir, data) = archive(&["small.json"]);
    render_site(
        &RenderOptions {
            lang: Lang::ZhCn,
            ..options()
        },
        &data,
        &[],
    )
    .expect("render");
    let html = page(&data, "Ticket #42", "html");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    assert!(html.contains("全部会话") && html.contains("2024年1月1日 星期一"));
}

#[test]
fn small_session_page_snapshot() {
    let (_dir, data) = archive(&["small.json"]);
    render_site(&options(), &data, &[]).expect("render");
    insta::assert_snapshot!("small_session_html", page(&data, "Ticket #42", "html"));
    insta::assert_snapshot!("small_session_md", page(&data, "Ticket #42", "md"));
}

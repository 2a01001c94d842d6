//! The audit page (SPEC §14): `audit.html` and `audit-<n>.html`, made from
//! `data/audit.jsonl` so people can read the log without tools. Derived like every page
//! (escaped, CSP-clean, in the site's language). The newest [`audit::PAGE_ENTRIES`]
//! entries are on `audit.html`, newest first, with the chain head (the SHA-256 of the
//! newest line) to compare with a copy kept elsewhere; full pages of older entries never
//! change again, so each write renders one page or two.

use std::path::Path;

use askama::Template;

use super::RenderOptions;
use super::i18n::{AuditStrings, Strings, audit_strings, strings};
use super::index::md::filters;
use crate::audit::{self, Entry};
use crate::error::{Error, Result};
use crate::fsutil::{self, WriteOutcome};

/// A link in the page navigation.
struct Link {
    href: String,
    label: String,
}

/// One labelled list of an entry's details.
struct Detail {
    label: &'static str,
    values: Vec<String>,
}

/// One entry as a table row.
struct Row {
    line: usize,
    seq: String,
    time: String,
    datetime: Option<String>,
    command: String,
    details: Vec<Detail>,
    payload: String,
    hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditHtml<'a> {
    root: &'a str,
    lang_tag: &'a str,
    t: &'a Strings,
    a: &'a AuditStrings,
    title: &'a str,
    range: Option<String>,
    head: Option<String>,
    nav: Vec<Link>,
    rows: Vec<Row>,
    older: Vec<Link>,
}

/// Writes the audit pages of `data_dir` from its audit log. `unchanged(rel)` says whether
/// an existing page (bag-relative path) is as the last manifest lists it: a full older page
/// is rendered again only when it is not. Returns whether any page was written.
pub fn write_audit_pages(
    data_dir: &Path,
    options: &RenderOptions,
    unchanged: &dyn Fn(&str) -> bool,
) -> Result<bool> {
    let path = data_dir.join(audit::FILE_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let lines: Vec<(usize, &[u8])> = bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let chunks: Vec<&[(usize, &[u8])]> = lines.chunks(audit::PAGE_ENTRIES).collect();
    let pages = chunks.len().max(1);
    let mut written = false;
    for n in 1..=pages {
        let newest = n == pages;
        let name = if newest {
            audit::PAGE.to_owned()
        } else {
            audit::page_name(n)
        };
        let target = data_dir.join(&name);
        // Full older pages never change, but the one before the newest links to it.
        let settled = !newest && n + 1 < pages && target.is_file();
        if settled && unchanged(&format!("data/{name}")) {
            continue;
        }
        let chunk = chunks.get(n - 1).copied().unwrap_or_default();
        let html = page(options, chunk, n, pages)?;
        written |= fsutil::write_derived(&target, html.as_bytes())? == WriteOutcome::Written;
    }
    written |= remove_surplus(data_dir, pages)?;
    Ok(written)
}

/// Older pages numbered beyond the log (a log cut short): removed. Page `pages` is
/// `audit.html`, so `audit-<pages>.html` and above are surplus.
fn remove_surplus(data_dir: &Path, pages: usize) -> Result<bool> {
    let mut removed = false;
    for n in pages.. {
        let path = data_dir.join(audit::page_name(n));
        if !path.is_file() {
            break;
        }
        std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        removed = true;
    }
    Ok(removed)
}

/// Renders page `n` of `pages`, holding `chunk`.
fn page(
    options: &RenderOptions,
    chunk: &[(usize, &[u8])],
    n: usize,
    pages: usize,
) -> Result<String> {
    let (t, a) = (strings(options.lang), audit_strings(options.lang));
    let newest = n == pages;
    let first_seq = (n - 1) * audit::PAGE_ENTRIES + 1;
    let range = (pages > 1).then(|| {
        format!(
            "{} {first_seq}–{}",
            a.entries,
            first_seq + chunk.len().saturating_sub(1)
        )
    });
    let mut rows: Vec<Row> = chunk
        .iter()
        .map(|(line, bytes)| row(a, *line, bytes))
        .collect();
    rows.reverse();
    let link = |k: usize, label: &str| Link {
        href: if k == pages {
            audit::PAGE.to_owned()
        } else {
            audit::page_name(k)
        },
        label: label.to_owned(),
    };
    let mut nav = Vec::new();
    let mut older = Vec::new();
    if newest {
        older = (1..pages)
            .rev()
            .map(|k| {
                let from = (k - 1) * audit::PAGE_ENTRIES + 1;
                link(
                    k,
                    &format!("{} {from}–{}", a.entries, k * audit::PAGE_ENTRIES),
                )
            })
            .collect();
    } else {
        nav.push(link(pages, a.newest));
        nav.push(link(n + 1, a.newer));
        if n > 1 {
            nav.push(link(n - 1, a.older));
        }
    }
    let head = newest
        .then(|| chunk.last().map(|(_, bytes)| audit::line_hash(bytes)))
        .flatten();
    let title = options.title.as_deref().unwrap_or(t.site_title);
    let html = AuditHtml {
        root: "",
        lang_tag: t.lang_tag,
        t,
        a,
        title,
        range,
        head,
        nav,
        rows,
        older,
    };
    html.render().map_err(|source| Error::Template {
        what: "the audit page".to_owned(),
        source,
    })
}

/// One line of the log as a row; a line that is not an entry says so.
fn row(a: &AuditStrings, line: usize, bytes: &[u8]) -> Row {
    let hash = audit::line_hash(bytes);
    let Ok(e) = serde_json::from_slice::<Entry>(bytes) else {
        return Row {
            line,
            seq: String::new(),
            time: String::new(),
            datetime: None,
            command: a.unreadable.to_owned(),
            details: Vec::new(),
            payload: String::new(),
            hash,
        };
    };
    let datetime = chrono::DateTime::parse_from_rfc3339(&e.time)
        .ok()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    Row {
        line,
        seq: e.seq.to_string(),
        datetime,
        command: e.command.clone(),
        details: details(a, &e),
        payload: e.after.oxum.clone(),
        time: e.time,
        hash,
    }
}

/// The non-empty details of an entry, in a fixed order.
fn details(a: &AuditStrings, e: &Entry) -> Vec<Detail> {
    let pairs = |map: &std::collections::BTreeMap<String, serde_json::Value>| -> Vec<String> {
        map.iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect()
    };
    let erased = e
        .erased
        .iter()
        .map(|x| format!("{} — {}", x.session_id, x.reason))
        .collect();
    let counts = e.counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    [
        (a.counts, counts),
        (a.erased, erased),
        (a.settings, pairs(&e.settings)),
        (a.accepted, e.accepted_changes.clone()),
        (a.superseded, e.superseded.clone()),
        (a.renamed, e.renamed.clone()),
        (a.options, pairs(&e.options)),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(label, values)| Detail { label, values })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Erased, Event, Payload};
    use crate::render::Lang;
    use crate::wal::Wal;

    fn options(lang: Lang) -> RenderOptions {
        RenderOptions {
            timezone: chrono_tz::UTC,
            title: Some("<b>Desk</b>".into()),
            lang,
            markdown_pages: true,
            search: true,
            remote_images: false,
            jobs: None,
            progress: None,
            cancel: None,
        }
    }

    fn payload() -> Payload {
        Payload {
            oxum: "10.1".into(),
            manifest_sha256: "00".repeat(32),
        }
    }

    #[test]
    fn entries_are_shown_escaped_newest_first_with_the_chain_head() {
        let dir = tempfile::tempdir().unwrap();
        let none = |_: &str| false;
        assert!(write_audit_pages(dir.path(), &options(Lang::En), &none).unwrap());
        let html = std::fs::read_to_string(dir.path().join("audit.html")).unwrap();
        assert!(html.contains("No entries yet."), "{html}");
        for command in ["render", "erase"] {
            let event = Event {
                command: command.into(),
                erased: vec![Erased {
                    session_id: "<img src=x onerror=alert(1)>".into(),
                    reason: "GDPR \u{1b}[31m #4711".into(),
                }],
                ..Event::default()
            };
            audit::append(dir.path(), &Wal::disabled(), event, payload()).unwrap();
        }
        write_audit_pages(dir.path(), &options(Lang::ZhCn), &none).unwrap();
        let html = std::fs::read_to_string(dir.path().join("audit.html")).unwrap();
        assert!(html.contains("<html lang=\"zh-CN\">"));
        assert!(html.contains("审计日志"));
        assert!(
            !html.contains("<img") && html.contains("&#60;img src=x"),
            "{html}"
        );
        assert!(!html.contains('\u{1b}') && !html.contains("<b>Desk"));
        assert!(html.find(">erase<").unwrap() < html.find(">render<").unwrap());
        let log = std::fs::read(dir.path().join(audit::FILE_NAME)).unwrap();
        let last = log
            .strip_suffix(b"\n")
            .unwrap()
            .rsplit(|b| *b == b'\n')
            .next()
            .unwrap();
        assert!(html.contains(&audit::line_hash(last)));
    }

    #[test]
    fn full_pages_split_off_and_stay() {
        let dir = tempfile::tempdir().unwrap();
        let line = |seq: usize| {
            format!(
                r#"{{"seq":{seq},"time":"2026-01-01T00:00:00Z","command":"render","options":{{}},"counts":{{}},"before":null,"after":{{"oxum":"1.1","manifest_sha256":"x"}},"prev":null}}"#
            )
        };
        let text: String = (1..=audit::PAGE_ENTRIES + 2)
            .map(|i| line(i) + "\n")
            .collect();
        std::fs::write(dir.path().join(audit::FILE_NAME), text).unwrap();
        let none = |_: &str| false;
        write_audit_pages(dir.path(), &options(Lang::En), &none).unwrap();
        let older = std::fs::read_to_string(dir.path().join("audit-1.html")).unwrap();
        let newest = std::fs::read_to_string(dir.path().join("audit.html")).unwrap();
        assert!(older.contains("Entries 1–1000") && older.contains("href=\"audit.html\""));
        assert!(newest.contains("href=\"audit-1.html\""));
        assert_eq!(newest.matches("<tr id=").count(), 2);
        // A log cut short loses its surplus pages.
        std::fs::write(dir.path().join(audit::FILE_NAME), line(1) + "\n").unwrap();
        write_audit_pages(dir.path(), &options(Lang::En), &none).unwrap();
        assert!(!dir.path().join("audit-1.html").exists());
    }
}

//! `share DIR SESSION` (SPEC §12): one session as one self-contained HTML file — styles
//! inlined under a hash-based CSP, no script, captured images inlined as `data:` URLs
//! within a budget, nothing loaded from anywhere — optionally redacted, optionally
//! printed to PDF with a local Chromium ([`pdf`]).
//!
//! Redaction happens on the record, before the page is built: the same page code as the
//! site then prints nothing the profile removed.

pub mod pdf;

use std::borrow::Cow;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use askama::Template;
use base64::Engine as _;

use crate::error::{Error, Result};
use crate::fsutil;
use crate::media_index::{Entry, MediaIndex, MediaLookup};
use crate::model::parse_message;
use crate::records::{self, RecordRef};
use crate::redact::{At, Field, Redactor, Report, SessionLog};
use crate::render::session::{self, SessionInput};
use crate::render::share::{InlineStyle, ShareHtml, cards_mut, without_navigation};
use crate::render::{RenderOptions, i18n};

/// Default `--max-inline-bytes`: 5 MiB of images in one shared file.
pub const DEFAULT_MAX_INLINE_BYTES: u64 = 5 * 1024 * 1024;

/// Settings of `share`.
#[derive(Debug)]
pub struct ShareConfig {
    /// The archive.
    pub dir: PathBuf,
    /// A SessionId or a stem.
    pub session: String,
    /// `--out`: a file, `-` for standard output, `None` for the default name in the
    /// current directory.
    pub out: Option<PathBuf>,
    /// The directory the default name goes in.
    pub cwd: PathBuf,
    /// Redaction (`--redact`), when asked for.
    pub redaction: Option<crate::redact::Settings>,
    /// `--max-inline-bytes`.
    pub max_inline_bytes: u64,
    /// `--pdf`.
    pub pdf: bool,
    /// `--chrome PATH`.
    pub chrome: Option<PathBuf>,
    /// Page options (time zone, language, title) as given.
    pub render: RenderOptions,
}

/// What `share` wrote.
#[derive(Debug)]
pub struct Shared {
    /// Where (`None` for standard output).
    pub path: Option<PathBuf>,
    /// Redactions made.
    pub redactions: usize,
    /// The session's SessionId.
    pub session_id: String,
}

/// Fails with a usage error unless `dir` holds an archive (a `data/records` folder).
pub fn require_archive(dir: &Path) -> Result<()> {
    if dir.join("data").join("records").is_dir() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "`{}` is not an archive (no data/records folder)",
        dir.display()
    )))
}

/// Runs `share` with the page options `render` (the caller holds the archive's lock).
pub fn share(config: &ShareConfig, render: &RenderOptions) -> Result<Shared> {
    require_archive(&config.dir)?;
    let data = config.dir.join("data");
    // The PDF printer is looked for first: a missing browser should not cost a render.
    let browser = if config.pdf {
        Some(pdf::find_browser(config.chrome.as_deref())?)
    } else {
        None
    };
    let path = find_record(&data, &config.session)?;
    let bytes = fsutil::read(&path)?;
    // The SessionId as archived (the page may show a hash of it instead).
    let session_id = records::RecordHead::from_slice(&bytes, &path)?.session_id;
    let mut redactor = config
        .redaction
        .as_ref()
        .map(crate::redact::Settings::redactor);
    let page = build_page(&data, &path, &bytes, config, render, redactor.as_mut())?;
    let ext = if config.pdf { "pdf" } else { "html" };
    let target = match &config.out {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(p.clone()),
        None => Some(config.cwd.join(format!("{}.{ext}", page.default_stem))),
    };
    match &browser {
        Some(browser) => write_pdf(browser, &page.html, target.as_deref())?,
        None => write_output(page.html.as_bytes(), target.as_deref())?,
    }
    let mut redactions = 0;
    if let Some(settings) = &config.redaction {
        let report = page
            .report
            .unwrap_or_else(|| Report::new(&settings.profile.name));
        redactions = report
            .sessions
            .iter()
            .map(|s| s.redactions.len())
            .sum::<usize>()
            + report.other.len();
        if let Some(file) = &settings.report {
            report.write(file)?;
        }
    }
    Ok(Shared {
        path: target,
        redactions,
        session_id,
    })
}

/// The record of `session` (a stem, or a SessionId) in `data/records`.
fn find_record(data: &Path, session: &str) -> Result<PathBuf> {
    let dir = data.join("records");
    let is_stem = !session.is_empty()
        && session
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if is_stem {
        let path = dir.join(format!("{session}.json"));
        if path.is_file() {
            return Ok(path);
        }
    }
    let path = records::record_path(&dir, session);
    if path.is_file() {
        return Ok(path);
    }
    Err(Error::Usage(format!(
        "session `{}` is not in the archive `{}` (give a SessionId or a file stem as in stats.json)",
        crate::render::cmark::visible(session),
        data.parent().unwrap_or(data).display()
    )))
}

struct Page {
    html: String,
    default_stem: String,
    report: Option<Report>,
}

fn build_page(
    data: &Path,
    path: &Path,
    bytes: &[u8],
    config: &ShareConfig,
    render: &RenderOptions,
    mut redactor: Option<&mut Redactor>,
) -> Result<Page> {
    let t = i18n::strings(render.lang);
    let active = redactor.as_ref().is_some_and(|r| r.is_active());
    let record_bytes: Cow<'_, [u8]> = match redactor.as_deref_mut() {
        Some(r) if active => {
            Cow::Owned(crate::redact::record::redact_record(bytes, path, r)?.to_bytes())
        }
        _ => Cow::Borrowed(bytes),
    };
    let record = RecordRef::from_slice(&record_bytes, path)?;
    let session_log = redactor.as_deref_mut().map(Redactor::take_log);
    let messages: Vec<_> = record
        .messages
        .iter()
        .enumerate()
        .map(|(i, raw)| parse_message(i, raw.get()))
        .collect();
    let stats = crate::stats::session_stats_in(&messages, render.timezone);
    let (lookup, _) = MediaLookup::read(data);
    let lookup = match redactor.as_deref_mut() {
        Some(r) if active => redacted_lookup(&lookup, r),
        _ => lookup,
    };
    let mut options = render.clone();
    let title = options
        .title
        .clone()
        .unwrap_or_else(|| t.site_title.to_owned());
    let mut other_log = Vec::new();
    if let Some(r) = redactor.as_deref_mut() {
        let at = At {
            message: None,
            element: None,
            field: "title",
            kind: Field::Title,
        };
        options.title = Some(r.text(&title, &at).into_owned());
        other_log = r.take_log();
    }
    let mut view = session::build(
        SessionInput {
            session_id: &record.session_id,
            metadata: &record.metadata,
            messages: &messages,
            stats: &stats,
            prev: None,
            next: None,
            media: &lookup,
            remote_images: false,
        },
        &options,
        t,
    );
    without_navigation(&mut view);
    inline_images(&mut view, data, config.max_inline_bytes, t);
    let css = InlineStyle::session()
        .ok_or_else(|| Error::Usage("the built-in style sheet cannot be inlined".into()))?;
    let page = ShareHtml {
        root: "",
        lang_tag: t.lang_tag,
        t,
        v: &view,
        style_hash: css.csp_hash(),
        css,
        profile: config.redaction.as_ref().map(|r| r.profile.name.clone()),
    };
    let mut html = String::with_capacity(record_bytes.len() * 2 + 32 * 1024);
    page.render_into(&mut html)
        .map_err(|source| Error::Template {
            what: format!("the shared page of `{}`", path.display()),
            source,
        })?;
    let default_stem = default_stem(&record.session_id, redactor.as_deref_mut());
    let report = redactor.map(|r| {
        let mut report = Report::new(&r.profile().name);
        report.sessions.push(SessionLog {
            session: record.session_id.clone(),
            redactions: session_log.unwrap_or_default(),
        });
        report.other = other_log;
        report
    });
    Ok(Page {
        html,
        default_stem,
        report,
    })
}

/// The output's default name: the session's stem, redacted like any other string (a
/// SessionId may hold a phone number) and kept to `[a-z0-9-]`.
fn default_stem(session_id: &str, redactor: Option<&mut Redactor>) -> String {
    let stem = records::stem(session_id);
    let Some(r) = redactor else {
        return stem;
    };
    let at = At {
        message: None,
        element: None,
        field: "file name",
        kind: Field::FileName,
    };
    let redacted = r.text(&stem, &at).into_owned();
    r.take_log();
    let mut out = String::with_capacity(redacted.len());
    for c in redacted.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "session".to_owned()
    } else {
        out.to_owned()
    }
}

/// The media index with its URLs (and error texts) redacted, so that a redacted URL
/// still finds its captured copy.
fn redacted_lookup(lookup: &MediaLookup, r: &mut Redactor) -> MediaLookup {
    let at = At {
        message: None,
        element: None,
        field: "media/index.json",
        kind: Field::Url,
    };
    let mut index = MediaIndex::default();
    for (url, entry) in lookup.index().iter() {
        let url = r.text(url, &at).into_owned();
        let entry = match entry {
            Entry::Failed(f) => {
                let mut f = f.clone();
                f.error = r.text(&f.error, &at).into_owned();
                Entry::Failed(f)
            }
            stored => stored.clone(),
        };
        if index.get(&url).is_none() {
            index.set(&url, entry);
        }
    }
    r.take_log();
    MediaLookup::from_index(index)
}

/// Captured images become `data:` URLs while the budget lasts; nothing links into the
/// archive folder (the file travels alone).
fn inline_images(
    view: &mut crate::render::session::SessionView,
    data: &Path,
    budget: u64,
    t: &'static i18n::Strings,
) {
    let mut used = 0u64;
    for card in cards_mut(view) {
        card.local = None;
        let Some(thumb) = &mut card.thumb else {
            continue;
        };
        let Some(rel) = thumb.src.strip_prefix("../") else {
            continue;
        };
        let file = data.join(rel);
        let bytes = std::fs::read(&file).ok();
        match bytes {
            Some(b) if used + b.len() as u64 <= budget => {
                used += b.len() as u64;
                thumb.src = data_url(rel, &b);
            }
            _ => {
                card.thumb = None;
                card.not_archived
                    .push(crate::render::elements::NotArchived {
                        url: card
                            .link
                            .as_ref()
                            .map(|l| l.text.clone())
                            .unwrap_or_default(),
                        reason: t.not_inlined.to_owned(),
                    });
            }
        }
    }
}

fn data_url(rel: &str, bytes: &[u8]) -> String {
    let media_type = match rel.rsplit('.').next().unwrap_or_default() {
        "jpg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        _ => "application/octet-stream",
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("data:{media_type};base64,{b64}")
}

/// Writes the HTML to `target` atomically, or to standard output.
fn write_output(bytes: &[u8], target: Option<&Path>) -> Result<()> {
    match target {
        Some(path) => fsutil::write_atomic(path, bytes).map(drop),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("write", "standard output", e))
        }
    }
}

fn write_pdf(browser: &Path, html: &str, target: Option<&Path>) -> Result<()> {
    let work = tempfile::tempdir().map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
    let page = work.path().join("share.html");
    fsutil::write_atomic(&page, html.as_bytes())?;
    let pdf_path = work.path().join("share.pdf");
    pdf::print(browser, &page, &pdf_path, work.path())?;
    let bytes = fsutil::read(&pdf_path)?;
    write_output(&bytes, target)
}

//! Rendering: every record into an HTML and a Markdown page (rayon), then the index,
//! stats.json and the assets. Pages are written as soon as they are rendered; what is kept
//! of each session (its [`SessionSummary`] and checksums) goes to a temporary file, the
//! [`store::SessionStore`], and is read back a page at a time (SPEC §6).

pub mod cache;
pub mod cmark;
pub mod custom;
pub mod elements;
mod filters;
pub mod format;
pub mod i18n;
pub mod search;
pub mod session;
pub mod store;

use std::path::Path;

use crate::error::{Error, Result};

/// Options that shape the pages (SPEC §1 render options).
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Zone for every displayed time (IANA; DST handled by chrono-tz).
    pub timezone: chrono_tz::Tz,
    /// Site title (`--title`); `None` uses the default UI string.
    pub title: Option<String>,
    /// UI language (`--lang`).
    pub lang: Lang,
    /// Write `sessions/<stem>.md` and `index.md` (`--no-markdown-pages` turns off).
    pub markdown_pages: bool,
    /// Build the site search index under `data/search/` (`--no-search` turns off).
    pub search: bool,
    /// Render threads (`--jobs`); `None` = rayon's default.
    pub jobs: Option<usize>,
    /// Counts sessions rendered so far, for a progress bar the caller draws; `None` when
    /// nobody watches.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (default).
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

/// A session the index must list although it has no record (from coverage.json).
#[derive(Debug, Clone)]
pub struct MissingSession {
    /// The SessionId.
    pub session_id: String,
    /// `failed`, `not found` or `pending`.
    pub state: String,
    /// The API's ErrorCode, when one was given.
    pub error_code: Option<i64>,
    /// The API's ErrorInfo or our reason.
    pub reason: String,
}

/// One record that could not be rendered (it still exists; the rest of the site is built).
#[derive(Debug, Clone)]
pub struct RenderFailure {
    /// The record file.
    pub path: std::path::PathBuf,
    /// What is wrong with it.
    pub message: String,
}

/// What a render did.
#[derive(Debug)]
pub struct RenderReport {
    /// Sessions rendered.
    pub sessions: u64,
    /// Messages rendered.
    pub messages: u64,
    /// Sessions whose pages were still right and were not rendered again.
    pub reused: u64,
    /// Records that could not be rendered.
    pub failures: Vec<RenderFailure>,
    /// Every session of the site, sorted by stem, for the bag and its state file.
    pub rendered: store::SessionStore,
    /// The search index's files written on this run, by bag-relative path (sorted), with
    /// their digests taken as they were written.
    pub search_files: Vec<(String, crate::bag::FileDigests)>,
}

/// Renders the whole site into `data_dir` (the bag's payload folder) from every record in
/// `data_dir/records`, removing generated pages that are no longer produced.
///
/// A record that cannot be read or parsed becomes a [`RenderFailure`] and the rest of the
/// site is still built; I/O errors on the output and template errors end the render.
pub fn render_site(
    options: &RenderOptions,
    data_dir: &Path,
    missing: &[MissingSession],
) -> Result<RenderReport> {
    render_site_with(options, data_dir, missing, cache::RenderCache::empty())
}

/// [`render_site`] that skips the sessions whose pages `cache` shows to be still right
/// (see [`cache`]).
pub fn render_site_with(
    options: &RenderOptions,
    data_dir: &Path,
    missing: &[MissingSession],
    cache: cache::RenderCache<'_>,
) -> Result<RenderReport> {
    match options.jobs {
        Some(jobs) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.max(1))
                .build()
                .map_err(|e| Error::Usage(format!("cannot start {jobs} render threads: {e}")))?;
            pool.install(|| site::render(options, data_dir, missing, cache))
        }
        None => site::render(options, data_dir, missing, cache),
    }
}

mod site;

pub mod index;

/// The little that is kept of each rendered session for the index, stats.json and agent
/// pages: a few hundred bytes whatever the number of messages (SPEC §6), held in the
/// [`store::SessionStore`] rather than in memory.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    /// The SessionId.
    pub session_id: String,
    /// Its file stem (`sessions/<stem>.html`).
    pub stem: String,
    /// Its figures.
    pub stats: crate::stats::SessionStats,
    /// Its media URLs captured, skipped (too large) and failed; `None` when media capture
    /// never ran for this archive.
    pub media: Option<crate::media::MediaCounts>,
}

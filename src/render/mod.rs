//! Rendering: every record into an HTML and a Markdown page (rayon), then the index,
//! stats.json and the assets. Pages are written as soon as they are rendered; what is kept
//! of each session (its [`SessionSummary`] and checksums) goes to a temporary file, the
//! [`SessionStore`], and is read back a page at a time (SPEC §6).

pub mod audit;
pub mod cmark;
pub mod elements;
pub mod escape;
mod filters;
pub mod fingerprint;
pub mod format;
pub mod i18n;
pub mod search;
pub mod session;
pub mod share;

use std::path::Path;

pub use crate::coverage::MissingSession;
use crate::error::{Error, Result};
pub use crate::state::SessionSummary;
use crate::state::{self, SessionStore};

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
    /// Show remote https images that were not captured inline (`--remote-images`); off,
    /// they are links and opening the archive makes no outside request (SPEC §7).
    pub remote_images: bool,
    /// Render threads (`--jobs`); `None` = rayon's default.
    pub jobs: Option<usize>,
    /// Counts sessions rendered so far, for a progress bar the caller draws; `None` when
    /// nobody watches.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// Set by SIGINT or SIGTERM: no further session is rendered, and the index is left as
    /// it was (see [`RenderReport::interrupted`]). `None`: runs to the end.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
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
    pub rendered: SessionStore,
    /// The render was cancelled: the sessions rendered so far have new pages; the index,
    /// stats.json and stale pages were left as they were, and the sessions not reached
    /// are rendered by the next run.
    pub interrupted: bool,
    /// The search index's files written on this run, by bag-relative path (sorted), with
    /// their digests taken as they were written.
    pub search_files: Vec<(String, crate::digest::FileDigests)>,
    /// The mark of the index pages as this render left them, for the state file; `None`
    /// when it left them as they were (interrupted) or could not read them back: the
    /// state file then keeps the last render's mark.
    pub index: Option<state::IndexMark>,
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
    render_site_with(options, data_dir, missing, state::RenderCache::empty())
}

/// [`render_site`] that skips the sessions whose pages `cache` shows to be still right
/// (see [`cache`]).
pub fn render_site_with(
    options: &RenderOptions,
    data_dir: &Path,
    missing: &[MissingSession],
    cache: state::RenderCache<'_>,
) -> Result<RenderReport> {
    match options.jobs {
        Some(jobs) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.max(1))
                .build()
                .map_err(|e| Error::Setup(format!("cannot start {jobs} render threads: {e}")))?;
            pool.install(|| site::render(options, data_dir, missing, cache))
        }
        None => site::render(options, data_dir, missing, cache),
    }
}

mod site;

pub mod index;

//! Steps that more than one command takes: preparing the archive directory, rendering
//! with a progress bar, writing the bag.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::bag::{self, BagInfo};
use crate::config::{BagMeta, Verbosity};
use crate::error::{Error, Result};
use crate::progress::{Progress, timed};
use crate::state::RenderCache;
use crate::{fsutil, render};

/// Creates the archive directory and `data/`, and removes a killed run's temporary files.
pub(crate) fn prepare_archive_dir(out: &Path) -> Result<PathBuf> {
    let data = out.join("data");
    // Nothing has been fetched or written yet: a directory we cannot create is the
    // user's to fix (exit 2), like every other mistake in the command line.
    std::fs::create_dir_all(&data).map_err(|e| {
        Error::Usage(format!(
            "cannot create the archive directory `{}`: {e}",
            out.display()
        ))
    })?;
    fsutil::remove_leftovers(out)?;
    Ok(data)
}

/// Renders the site with a progress bar fed from the render threads' counter.
pub(crate) fn render_site(
    options: &render::RenderOptions,
    data: &Path,
    missing: &[render::MissingSession],
    verbosity: Verbosity,
    cache: RenderCache<'_>,
) -> Result<render::RenderReport> {
    if verbosity == Verbosity::Verbose {
        eprintln!("desk-archive: rendering `{}`", data.display());
    }
    let total = std::fs::read_dir(data.join("records")).map_or(0, |d| d.count() as u64);
    let progress = Progress::new(verbosity, "render", "pages", total);
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let options = render::RenderOptions {
        progress: Some(done.clone()),
        ..options.clone()
    };
    let finished = AtomicBool::new(false);
    // The bar is driven from a counter the render threads bump, so render stays free of
    // any terminal concerns.
    let report = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut shown = 0;
            while !finished.load(std::sync::atomic::Ordering::Relaxed) {
                let now = done.load(std::sync::atomic::Ordering::Relaxed);
                progress.inc(now - shown);
                shown = now;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        let report = timed("render", || {
            render::render_site_with(&options, data, missing, cache)
        });
        finished.store(true, std::sync::atomic::Ordering::Relaxed);
        report
    });
    progress.finish();
    report
}

/// Writes the bag's tag files, with the coverage counts in bag-info.txt.
pub(crate) fn write_bag(
    out: &Path,
    meta: &BagMeta,
    counts: std::collections::BTreeMap<&'static str, u64>,
    hashes: &bag::Cache,
    known: bag::Known<'_>,
) -> Result<()> {
    let extra = counts
        .into_iter()
        .map(|(state, n)| {
            (
                format!("Desk-Sessions-{}", title_case(state)),
                n.to_string(),
            )
        })
        .collect();
    let info = BagInfo {
        source_organization: meta.source_organization.clone(),
        external_identifier: meta.external_identifier.clone(),
        software_agent: format!("desk-archive/{}", env!("CARGO_PKG_VERSION")),
        extra,
    };
    timed("bag", || bag::write_bag_rendered(out, &info, hashes, known)).map(|_| ())
}

fn title_case(state: &str) -> String {
    state
        .split(' ')
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join("-")
}

/// Now, in UTC, to the second (coverage.json's `when`).
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

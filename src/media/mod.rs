//! Media capture (SPEC §8): after `archive`/`fetch` has fetched records, every media URL
//! they reference is downloaded into the archive, so pages keep working when the chat
//! service's links expire.
//!
//! # What is captured
//!
//! For the sessions of this run (fetched now, or already complete): image original,
//! large and thumbnail URLs (`TIMImageElem` `ImageInfoArray[].URL`), `TIMFileElem` and
//! `TIMSoundElem` `Url`, `TIMVideoFileElem` `VideoUrl` and `ThumbUrl`, product-card
//! (`src` 22) `content.pic` and order `imageUrl` — also inside forwarded messages. Only
//! absolute http(s) URLs; the raw record keeps the original URLs.
//!
//! # Where it goes
//!
//! `data/media/<first 2 hex>/<sha256>.<ext>`, one file per distinct content however many
//! URLs reference it. `data/media/index.json` maps every URL tried to
//! `{"sha256", "size", "media_type", "path", "fetched"}` or to
//! `{"error", "when"[, "too_large": true, "size"]}`: sorted by URL, one entry a line,
//! written atomically and only when it changes. A re-run downloads nothing whose file it
//! holds and retries failures; a failure that repeats keeps its `when`. Per session,
//! `coverage.json` gets `"media": {"archived", "skipped", "failed"}` (skipped = too large).
//! Bodies stream to a temporary file (`*.desk-archive-tmp`, cleaned after a kill) while
//! being hashed, so memory does not grow with object size.
//!
//! # Safety
//!
//! Strangers choose these URLs and the tool runs inside the customer's network, so
//! ([`guard`]): http(s) only; a host is looked up once by our own resolver and refused
//! unless every address is public unicast ([`address::is_public`]), unless it was named
//! with `--media-allow-host`; the connection goes only to the checked addresses (no
//! proxy, no second lookup); at most 5 redirects, followed by hand and checked the same
//! way; no cookies, credentials (user info is stripped from URLs), Referer or API
//! secrets. Own concurrency (4) and rate (10 requests/s); timeouts; retries with backoff
//! for 5xx and timeouts only — DNS failures, refused addresses or connections and 4xx are
//! final for the run.
//!
//! Stored files never carry an extension a browser would run ([`sniff`]): the type comes
//! from magic bytes (the server's Content-Type only separates plain text from unknown
//! binary); SVG is stored as `.svg.txt`, HTML, XML, script and unknown types as `.bin`, and
//! pages offer those as downloads only. Raster images are shown inline, and `<audio>` /
//! `<video>` players are used only for captured copies.
//!
//! A media failure never fails a session nor changes the exit code: it is counted in
//! coverage.json and the page says "media not archived: reason" with the URL as text.
//! Media files are payload files, so the bag's manifests cover them.

pub mod address;
mod download;
pub mod guard;
pub mod sniff;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::coverage::{Coverage, MediaCounts};
pub use crate::media_index::{Entry, Local, MediaIndex, MediaLookup};
use crate::records::{self, Record};

/// Default `--max-media-bytes`: 100 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// Default `--media-timeout`: the most one object may take, retries included.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

/// How often a download in flight looks at the cancel flag (SIGINT/SIGTERM): well within
/// the 2 s SPEC §9 allows.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// How media capture runs.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// Capture at all (`--no-media` turns off).
    pub enabled: bool,
    /// Largest object stored (`--max-media-bytes`); larger ones are skipped.
    pub max_bytes: u64,
    /// Hosts exempt from the public-address rule (`--media-allow-host`).
    pub allow_hosts: Vec<String>,
    /// Downloads in flight.
    pub concurrency: usize,
    /// Request starts per second.
    pub rate: f64,
    /// Connect and read (idle) timeout.
    pub timeout: Duration,
    /// The most one object may take in all, retries included (`--media-timeout`): a
    /// server that trickles a byte now and then never trips the idle timeout.
    pub deadline: Duration,
    /// Retries after the first try, for 5xx and timeouts.
    pub retries: u32,
    /// First backoff; doubles per retry (with jitter).
    pub backoff_base: Duration,
}

impl Default for MediaSettings {
    fn default() -> MediaSettings {
        MediaSettings {
            enabled: true,
            max_bytes: DEFAULT_MAX_BYTES,
            allow_hosts: Vec::new(),
            concurrency: 4,
            rate: 10.0,
            timeout: Duration::from_secs(30),
            deadline: DEFAULT_DEADLINE,
            retries: 3,
            backoff_base: Duration::from_millis(500),
        }
    }
}

/// Captures the media of `sessions` (this run's sessions that have a record) and records
/// per-session counts in `coverage`. Never fails the run: problems become index entries or warnings.
pub fn capture_run(
    settings: &MediaSettings,
    data_dir: &Path,
    sessions: &[&str],
    coverage: &mut Coverage,
    cancel: &AtomicBool,
    wal: &crate::wal::Wal,
) {
    if !settings.enabled {
        return;
    }
    let sessions = session_urls(data_dir, sessions);
    let mut index = MediaIndex::load(data_dir).unwrap_or_else(|e| {
        tracing::warn!("media index unreadable, starting a new one: {e}");
        MediaIndex::default()
    });
    let all: BTreeSet<&String> = sessions.values().flatten().collect();
    let todo: Vec<String> = all
        .into_iter()
        .filter(|u| !held(&index, data_dir, u))
        .cloned()
        .collect();
    for (url, entry) in download_all(settings, data_dir, todo, cancel, wal) {
        index.set(&url, entry);
    }
    if let Err(e) = index.write(data_dir) {
        tracing::warn!("cannot write the media index: {e}");
    }
    for (id, urls) in &sessions {
        let counts = count(&index, urls);
        coverage.set_media(id, (counts != MediaCounts::default()).then_some(counts));
    }
}

/// The capturable URLs of each of these sessions (each has a record).
fn session_urls(data_dir: &Path, sessions: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let dir = data_dir.join("records");
    let mut out = BTreeMap::new();
    for &id in sessions {
        match Record::read(&dir.join(format!("{}.json", records::stem(id)))) {
            Ok(record) => {
                out.insert(
                    id.to_owned(),
                    crate::media_index::urls::record_urls(&record),
                );
            }
            Err(e) => tracing::warn!("media of session `{id}` not captured: {e}"),
        }
    }
    out
}

/// Whether the index has this URL's content and the file is there.
fn held(index: &MediaIndex, data_dir: &Path, url: &str) -> bool {
    matches!(index.get(url), Some(Entry::Stored(s)) if data_dir.join(&s.path).is_file())
}

fn count(index: &MediaIndex, urls: &BTreeSet<String>) -> MediaCounts {
    let mut c = MediaCounts::default();
    for url in urls {
        match index.get(url) {
            Some(Entry::Stored(_)) => c.archived += 1,
            Some(Entry::Failed(f)) if f.too_large => c.skipped += 1,
            Some(Entry::Failed(_)) => c.failed += 1,
            None => {}
        }
    }
    c
}

/// Downloads `urls` on a small runtime of our own; stops starting new ones on cancel.
fn download_all(
    settings: &MediaSettings,
    data_dir: &Path,
    urls: Vec<String>,
    cancel: &AtomicBool,
    wal: &crate::wal::Wal,
) -> Vec<(String, Entry)> {
    if urls.is_empty() || cancel.load(Ordering::Relaxed) {
        return Vec::new();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::warn!("media not captured: cannot start a runtime: {e}");
            return Vec::new();
        }
    };
    let downloader = match download::Downloader::new(settings, data_dir, wal.clone()) {
        Ok(d) => Arc::new(d),
        Err(e) => {
            tracing::warn!("media not captured: {e}");
            return Vec::new();
        }
    };
    let mut results = Vec::with_capacity(urls.len());
    runtime.block_on(async {
        let downloads = run_downloads(downloader, settings, urls, &mut results);
        tokio::select! {
            () = downloads => {}
            // Dropping the downloads aborts every task in flight; each removes its
            // temporary file as it is dropped. What is not done stays out of the index,
            // so the next run tries it again.
            () = cancelled(cancel) => tracing::warn!("media capture interrupted"),
        }
    });
    // A file sync may still run on a blocking thread: it is not waited for long.
    runtime.shutdown_timeout(Duration::from_millis(500));
    results
}

/// Resolves once `cancel` is set (by the SIGINT/SIGTERM handler).
async fn cancelled(cancel: &AtomicBool) {
    while !cancel.load(Ordering::Relaxed) {
        tokio::time::sleep(CANCEL_POLL).await;
    }
}

/// Downloads `urls`, at most `settings.concurrency` at once, each within
/// `settings.deadline`, pushing each result as it arrives.
async fn run_downloads(
    downloader: Arc<download::Downloader>,
    settings: &MediaSettings,
    urls: Vec<String>,
    results: &mut Vec<(String, Entry)>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(settings.concurrency.max(1)));
    let now = now_rfc3339();
    let deadline = settings.deadline;
    let mut set = tokio::task::JoinSet::new();
    for url in urls {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let (d, now) = (downloader.clone(), now.clone());
        set.spawn(async move {
            let entry = match tokio::time::timeout(deadline, d.capture(&url, &now)).await {
                Ok(entry) => entry,
                Err(_) => Entry::Failed(crate::media_index::format::Failed {
                    error: format!(
                        "timed out: not complete after {} s (--media-timeout)",
                        deadline.as_secs_f64()
                    ),
                    when: now.clone(),
                    too_large: false,
                    size: None,
                }),
            };
            drop(permit);
            (url, entry)
        });
        while let Some(Ok(done)) = set.try_join_next() {
            results.push(done);
        }
    }
    while let Some(done) = set.join_next().await {
        match done {
            Ok(done) => results.push(done),
            Err(e) => tracing::warn!("a media download stopped: {e}"),
        }
    }
}

/// Now, RFC 3339 UTC with seconds.
fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

//! The render pipeline over all records: a cheap first pass for chronological order, a
//! parallel pass that renders and writes each session's pages, then stale-page removal,
//! the index (via [`super::index::write_index`]) and the assets.

use std::fs;
use std::path::{Path, PathBuf};

use askama::Template;
use rayon::prelude::*;

use super::cmark::{isolate, visible};
use super::fingerprint;
use super::i18n::{self, Strings};
use super::search::{self, Spool, SpoolSlot};
use super::session::{self, NavTarget, SessionHtml, SessionInput, SessionMd};
use super::{MissingSession, RenderFailure, RenderOptions, RenderReport, SessionSummary, index};
use crate::assets::ASSETS;
use crate::digest::FileDigests;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::model::parse_message;
use crate::progress::timed;
use crate::records::{self, RecordHead, RecordRef};
use crate::state::{self, ImportedHead, KnownFiles, RenderCache, Rendered, WrittenFiles};
use crate::state::{SessionStore, Slot};
use crate::stats;

/// What the first pass keeps of a record: enough to order sessions and link neighbours.
struct Scanned {
    /// The record's path when it is not `records/<stem>.json` (a file of another name):
    /// not kept in the usual case, since the first pass is held for every session.
    odd_path: Option<Box<Path>>,
    session_id: Box<str>,
    /// The stem when it is not the SessionId itself (a lowercase UUID is its own stem).
    own_stem: Option<Box<str>>,
    first_ms: Option<i64>,
    /// The record's SHA-256 when the bag's hash cache vouches for it (not read this run).
    known_sha256: Option<[u8; 32]>,
}

impl Scanned {
    fn new(path: PathBuf, session_id: Box<str>, stem: Box<str>, first_ms: Option<i64>) -> Self {
        let usual = path.file_stem().and_then(|n| n.to_str()) == Some(&*stem);
        Scanned {
            odd_path: (!usual).then(|| path.into_boxed_path()),
            own_stem: (stem != session_id).then_some(stem),
            session_id,
            first_ms,
            known_sha256: None,
        }
    }

    /// The session's stem.
    fn stem(&self) -> &str {
        self.own_stem.as_deref().unwrap_or(&self.session_id)
    }

    /// The record's path, in `records` (the records folder).
    fn path(&self, records: &Path) -> PathBuf {
        match &self.odd_path {
            Some(path) => path.to_path_buf(),
            None => records.join(format!("{}.json", self.stem())),
        }
    }
}

enum Outcome {
    /// Rendered (`true`) or reused from the last render (`false`), with its messages.
    Done(Slot, bool, u64, SearchPart),
    Failed(RenderFailure),
    /// Not reached: the render was cancelled.
    Skipped,
}

/// What the search index needs of a finished session: its record's SHA-256 and, when it
/// was rendered on this run, its document in the spool.
struct SearchPart {
    record: [u8; 32],
    spooled: Option<SpoolSlot>,
}

/// A session reused from the last render's entry (its index, store and head).
fn reused<'s>((at, store, head): &(usize, &'s SessionStore, state::StoredHead)) -> Finished<'s> {
    Finished::Reused {
        earlier: *at,
        store,
        messages: head.messages(),
        record: head.record,
    }
}

/// One session as [`Job::session`] leaves it, before it goes to the store.
enum Finished<'s> {
    /// Rendered now, with its search document when the index is on.
    Done(Box<Rendered>, Option<SpoolSlot>),
    /// Still right: the last render's entry (by index in its store) is copied as it is.
    Reused {
        earlier: usize,
        store: &'s SessionStore,
        messages: u64,
        record: [u8; 32],
    },
    Failed(RenderFailure),
}

/// Buffers reused by one worker across sessions.
#[derive(Default)]
struct Buffers {
    html: String,
    md: String,
    entry: Vec<u8>,
    search: Vec<u8>,
}

pub(super) fn render(
    options: &RenderOptions,
    data_dir: &Path,
    missing: &[MissingSession],
    cache: RenderCache<'_>,
) -> Result<RenderReport> {
    let t = i18n::strings(options.lang);
    let sessions_dir = data_dir.join("sessions");
    fsutil::create_dir_all(&sessions_dir)?;
    let records = data_dir.join("records");
    let paths = list_records(&records)?;
    // Read once: parsed for the pages, and part of every page's fingerprint.
    let (media, media_index) = crate::media_index::MediaLookup::read(data_dir);
    let settings = fingerprint::settings(options, media_index.as_deref());
    let scans: Vec<std::result::Result<Scanned, RenderFailure>> =
        timed("render: scan records", || {
            paths
                .into_par_iter()
                .map(|path| scan(path, &cache))
                .collect()
        });
    let mut failures = Vec::new();
    let mut order = Vec::with_capacity(scans.len());
    for scan in scans {
        match scan {
            Ok(s) => order.push(s),
            Err(f) => failures.push(f),
        }
    }
    // Two records of one SessionId: the first by file name is rendered. (A stable sort
    // keeps file-name order among equal stems; duplicates are removed in place, and no
    // set of every stem is built.)
    order.sort_by(|a, b| a.stem().cmp(b.stem()));
    order.dedup_by(|s, kept| {
        let twice = s.stem() == kept.stem();
        if twice {
            failures.push(RenderFailure {
                message: format!(
                    "another record holds SessionId `{}`",
                    visible(&s.session_id)
                ),
                path: s.path(&records),
            });
        }
        twice
    });
    order.sort_by(|a, b| {
        (a.first_ms.is_none(), a.first_ms, &a.session_id).cmp(&(
            b.first_ms.is_none(),
            b.first_ms,
            &b.session_id,
        ))
    });
    // The last render's entry of each session, taken out of the cache so that each is
    // either reused as it is or replaced.
    // Where the last render's entry of each session lies, if it has one: read when the
    // session comes up, so that they are never all in memory.
    let earlier_store = cache.sessions.as_ref();
    let earlier: Vec<Option<u32>> = order
        .iter()
        .map(|s| {
            let i = earlier_store?.find(s.stem())?;
            u32::try_from(i).ok()
        })
        .collect();
    drop(cache.imported);
    let mut store = SessionStore::new(data_dir.parent().unwrap_or(data_dir))?;
    let spool = match options.search {
        true => Some(Spool::new(data_dir.parent().unwrap_or(data_dir))?),
        false => None,
    };
    let job = Job {
        spool: spool.as_ref(),
        store: &store,
        earlier: earlier_store,
        records: &records,
        order: &order,
        options,
        t,
        sessions_dir: &sessions_dir,
        media: &media,
        settings,
        known: cache.known,
    };

    let outcomes: Vec<Outcome> = timed("render: session pages", || {
        earlier
            .into_par_iter()
            .enumerate()
            .map_init(Buffers::default, |buf, (i, earlier)| {
                if cancelled(options) {
                    return Ok(Outcome::Skipped);
                }
                let outcome = job
                    .session(i, earlier, buf)
                    .and_then(|outcome| job.keep(outcome, buf));
                if let Some(done) = &options.progress {
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                outcome
            })
            .collect::<Result<_>>()
    })?;

    let (mut sessions, mut messages, mut reused) = (0, 0, 0);
    let mut slots = Vec::with_capacity(outcomes.len());
    // The sessions in chronological order, for the search index's shards.
    let mut entries = Vec::with_capacity(if options.search { outcomes.len() } else { 0 });
    for (outcome, scanned) in outcomes.into_iter().zip(&order) {
        match outcome {
            Outcome::Done(slot, fresh, count, part) => {
                sessions += 1;
                messages += count;
                if !fresh {
                    reused += 1;
                }
                if options.search {
                    entries.push(search::Entry {
                        stem: slot.stem().into(),
                        record: part.record,
                        spooled: part.spooled,
                        odd_path: scanned.odd_path.clone(),
                    });
                }
                slots.push(slot);
            }
            Outcome::Failed(f) => failures.push(f),
            Outcome::Skipped => {}
        }
    }
    drop(order);
    failures.sort_by(|a, b| a.path.cmp(&b.path));
    store.seal(slots);
    // Stopped by a signal: what is rendered stays, the index and the stale pages are
    // left for the next run (a partial index would drop the sessions not reached).
    if cancelled(options) {
        return Ok(RenderReport {
            sessions,
            messages,
            reused,
            failures,
            rendered: store,
            interrupted: true,
            search_files: Vec::new(),
            index: None,
        });
    }
    remove_stale_pages(&sessions_dir, &store, options.markdown_pages)?;
    write_assets(data_dir)?;
    // The search index and the index pages read the same finished sessions and write
    // different files: built side by side, the index pages take the time the search
    // index's last shards leave one core idle.
    let (search_files, index) = rayon::join(
        || -> Result<Vec<(String, FileDigests)>> {
            match &spool {
                Some(spool) => {
                    let sources = search::Sources {
                        records: &records,
                        options,
                        media: &media,
                        known: cache.known,
                    };
                    let report = timed("render: search index", || {
                        search::write(data_dir, &entries, spool, &sources)
                    })?;
                    tracing::debug!(
                        "search index: {} of {} shards rebuilt",
                        report.rebuilt,
                        report.shards
                    );
                    Ok(report.files)
                }
                None => {
                    search::remove(data_dir)?;
                    Ok(Vec::new())
                }
            }
        },
        || {
            timed("render: index", || {
                index::mark::refresh(data_dir, &store, missing, options, &settings, cache.known)
            })
        },
    );
    let (search_files, index) = (search_files?, index?);
    drop((entries, spool));
    tracing::debug!(
        "index pages: {}",
        match index.rebuilt {
            true => "rebuilt",
            false => "unchanged, not rebuilt",
        }
    );
    Ok(RenderReport {
        sessions,
        messages,
        reused,
        failures,
        rendered: store,
        interrupted: false,
        search_files,
        index: index.mark,
    })
}

/// Whether SIGINT or SIGTERM asked the render to stop.
fn cancelled(options: &RenderOptions) -> bool {
    options
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
}

/// `records/*.json`, sorted by name; a missing folder holds no records.
fn list_records(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read directory", dir, e)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let path = entry.path();
        // Superseded records are evidence, not sessions of the site.
        let superseded = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(crate::records::is_superseded);
        if path.extension().is_some_and(|x| x == "json")
            && !superseded
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn failure(path: &Path, error: &Error) -> RenderFailure {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    RenderFailure {
        path: path.to_owned(),
        message,
    }
}

/// The first pass over one record: one parse, no message kept (it used to parse each
/// message twice more, as a raw value and again for its time). A record the last render
/// saw, unchanged by the hash cache's rule, is not read at all.
fn scan(path: PathBuf, cache: &RenderCache<'_>) -> std::result::Result<Scanned, RenderFailure> {
    if let Some(scanned) = scan_known(&path, cache) {
        return Ok(scanned);
    }
    if let Some(head) = imported_head(&path, cache) {
        let (id, stem) = (head.session_id.clone(), head.stem.clone());
        return Ok(Scanned::new(path, id, stem, head.first_ms));
    }
    let head = RecordHead::read(&path).map_err(|e| failure(&path, &e))?;
    let stem = records::stem(&head.session_id).into_boxed_str();
    let id = head.session_id.into_boxed_str();
    Ok(Scanned::new(path, id, stem, head.first_ms))
}

/// The head of a record this run imported, parsed then.
fn imported_head<'c>(path: &Path, cache: &'c RenderCache<'_>) -> Option<&'c ImportedHead> {
    let stem = path.file_name()?.to_str()?.strip_suffix(".json")?;
    cache.imported.get(stem)
}

/// The first pass from the last render's entry, when the record is the one it was made from.
fn scan_known(path: &Path, cache: &RenderCache<'_>) -> Option<Scanned> {
    let name = path.file_name()?.to_str()?;
    let store = cache.sessions.as_ref()?;
    let stem = name.strip_suffix(".json")?;
    let sha256 = cache.known.sha256(&format!("data/records/{name}"), path)?;
    let earlier = store.head(store.find(stem)?).ok()?;
    (sha256 == earlier.record).then(|| Scanned {
        known_sha256: Some(sha256),
        ..Scanned::new(
            path.to_owned(),
            earlier.session_id.into_boxed_str(),
            stem.into(),
            earlier.first_ms,
        )
    })
}

fn nav(s: Option<&Scanned>) -> Option<NavTarget> {
    s.map(|s| NavTarget {
        stem: s.stem().to_owned(),
        label: isolate(&visible(&s.session_id)).into_owned(),
    })
}

/// What [`Job::write_pages`] leaves: the session's summary, the digests of its HTML and
/// Markdown pages, and where its search document lies in the spool.
type PagesWritten = (
    SessionSummary,
    (FileDigests, Option<FileDigests>),
    Option<SpoolSlot>,
);

/// What every session of one render shares.
struct Job<'a> {
    store: &'a SessionStore,
    /// Where rendered sessions leave their search documents (`None`: no index).
    spool: Option<&'a Spool>,
    /// The last render's sessions.
    earlier: Option<&'a SessionStore>,
    records: &'a Path,
    order: &'a [Scanned],
    options: &'a RenderOptions,
    t: &'static Strings,
    sessions_dir: &'a Path,
    media: &'a crate::media_index::MediaLookup,
    settings: [u8; 32],
    known: &'a dyn KnownFiles,
}

impl Job<'_> {
    /// Moves a finished session into the store, keeping only its slot.
    fn keep(&self, outcome: Finished<'_>, buf: &mut Buffers) -> Result<Outcome> {
        Ok(match outcome {
            Finished::Done(rendered, spooled) => {
                let messages = rendered.summary.stats.messages.total;
                let part = SearchPart {
                    record: rendered.record,
                    spooled,
                };
                let slot = self.store.put(&rendered, &mut buf.entry)?;
                Outcome::Done(slot, true, messages, part)
            }
            Finished::Reused {
                earlier,
                store,
                messages,
                record,
            } => {
                let slot = self.store.copy_from(store, earlier, &mut buf.entry)?;
                let part = SearchPart {
                    record,
                    spooled: None,
                };
                Outcome::Done(slot, false, messages, part)
            }
            Finished::Failed(f) => Outcome::Failed(f),
        })
    }

    /// Session `i` of the order: the last render's entry when still right, else rendered.
    fn session(&self, i: usize, earlier: Option<u32>, buf: &mut Buffers) -> Result<Finished<'_>> {
        // An entry that cannot be read back is as good as none: the session is rendered.
        let earlier = earlier
            .zip(self.earlier)
            .and_then(|(i, store)| Some((i as usize, store, store.head(i as usize).ok()?)));
        let scanned = &self.order[i];
        let prev = i.checked_sub(1).and_then(|p| self.order.get(p));
        let next = self.order.get(i + 1);
        let inputs_of = |record: &[u8; 32]| {
            fingerprint::inputs(
                &self.settings,
                record,
                prev.map(Scanned::stem),
                next.map(Scanned::stem),
            )
        };
        if let (Some(earlier), Some(sha256)) = (&earlier, scanned.known_sha256)
            && self.reusable(scanned.stem(), &earlier.2.inputs, &inputs_of(&sha256))
        {
            return Ok(reused(earlier));
        }
        let path = scanned.path(self.records);
        let bytes = match fsutil::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => return Ok(Finished::Failed(failure(&path, &e))),
        };
        let record_digests = FileDigests::of(&bytes);
        let inputs = inputs_of(&record_digests.digests.sha256);
        if let Some(earlier) = &earlier
            && earlier.2.record == record_digests.digests.sha256
            && self.reusable(scanned.stem(), &earlier.2.inputs, &inputs)
        {
            return Ok(reused(earlier));
        }
        let record = match RecordRef::from_slice(&bytes, &path) {
            Ok(record) => record,
            Err(e) => return Ok(Finished::Failed(failure(&path, &e))),
        };
        let (summary, written, spooled) = self.write_pages(&record, scanned, prev, next, buf)?;
        Ok(Finished::Done(
            Box::new(Rendered {
                summary,
                first_ms: scanned.first_ms,
                record: record_digests.digests.sha256,
                inputs,
                written: Some(Box::new(WrittenFiles {
                    record: record_digests,
                    html: written.0,
                    md: written.1,
                })),
            }),
            spooled,
        ))
    }

    /// Whether the last render's pages of a session are still right: same inputs, and
    /// the pages unchanged since.
    fn reusable(&self, stem: &str, then: &[u8; 32], now: &[u8; 32]) -> bool {
        let page = |ext: &str| {
            let name = format!("{stem}.{ext}");
            self.known
                .sha256(
                    &format!("data/sessions/{name}"),
                    &self.sessions_dir.join(&name),
                )
                .is_some()
        };
        then == now && page("html") && (!self.options.markdown_pages || page("md"))
    }

    /// Renders and writes one session's pages; returns its summary and the pages' digests.
    fn write_pages(
        &self,
        record: &RecordRef<'_>,
        scanned: &Scanned,
        prev: Option<&Scanned>,
        next: Option<&Scanned>,
        buf: &mut Buffers,
    ) -> Result<PagesWritten> {
        let (options, t) = (self.options, self.t);
        let messages: Vec<_> = record
            .messages
            .iter()
            .enumerate()
            .map(|(i, raw)| parse_message(i, raw.get()))
            .collect();
        let stats = stats::session_stats_in(&messages, options.timezone);
        let view = session::build(
            SessionInput {
                session_id: &record.session_id,
                metadata: &record.metadata,
                messages: &messages,
                stats: &stats,
                prev: nav(prev),
                next: nav(next),
                media: self.media,
                remote_images: options.remote_images,
            },
            options,
            t,
        );
        let what = || format!("the page of session `{}`", visible(&record.session_id));
        let html = SessionHtml {
            root: "../",
            lang_tag: t.lang_tag,
            t,
            v: &view,
        };
        let html = self.write_page(&html, scanned.stem(), "html", &mut buf.html, what)?;
        let md = if options.markdown_pages {
            let md = SessionMd { t, v: &view };
            Some(self.write_page(&md, scanned.stem(), "md", &mut buf.md, what)?)
        } else {
            None
        };
        let spooled = match self.spool {
            Some(spool) => {
                let doc = search_doc(&view, &messages, &stats, scanned.stem(), self.options);
                Some(spool.put(&doc, &mut buf.search)?)
            }
            None => None,
        };
        let media = if self.media.is_empty() {
            None
        } else {
            let mut urls = std::collections::BTreeSet::new();
            for element in messages.iter().flat_map(|m| &m.elements) {
                crate::media_index::urls::element_urls(element, &mut urls);
            }
            self.media.counts(&urls)
        };
        let summary = SessionSummary {
            session_id: record.session_id.clone(),
            stem: scanned.stem().to_owned(),
            stats,
            media,
        };
        Ok((summary, (html, md), spooled))
    }

    /// Renders one page into `buf` and writes it to `sessions/<stem>.<ext>`; returns its
    /// size and digests.
    fn write_page(
        &self,
        page: &impl Template,
        stem: &str,
        ext: &str,
        buf: &mut String,
        what: impl Fn() -> String,
    ) -> Result<FileDigests> {
        buf.clear();
        page.render_into(buf).map_err(|source| Error::Template {
            what: what(),
            source,
        })?;
        let path = self.sessions_dir.join(format!("{stem}.{ext}"));
        fsutil::write_derived(&path, buf.as_bytes())?;
        Ok(FileDigests::of(buf.as_bytes()))
    }
}

/// The search document of a session from its page's view (the text its page shows).
fn search_doc(
    view: &session::SessionView,
    messages: &[crate::model::Message],
    stats: &stats::SessionStats,
    stem: &str,
    options: &RenderOptions,
) -> search::SessionDoc {
    let mut doc = search::builder(&view.session_id, stem, stats, options);
    for item in &view.items {
        if let session::Item::Group(g) = item {
            for m in &g.messages {
                if let Some(message) = messages.get(m.number - 1) {
                    doc.message(message, &m.blocks);
                }
            }
        }
    }
    doc.finish()
}

/// Removes `sessions/*.html` and `sessions/*.md` that this render did not produce.
fn remove_stale_pages(dir: &Path, sessions: &SessionStore, markdown: bool) -> Result<()> {
    let keep = |name: &str| match name.rsplit_once('.') {
        Some((stem, "html")) => sessions.find(stem).is_some(),
        Some((stem, "md")) => markdown && sessions.find(stem).is_some(),
        _ => false,
    };
    let entries = fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let path = entry.path();
        let generated = path.extension().is_some_and(|x| x == "html" || x == "md");
        let name = entry.file_name().to_string_lossy().into_owned();
        if generated && entry.file_type().is_ok_and(|t| t.is_file()) && !keep(&name) {
            fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    Ok(())
}

fn write_assets(data_dir: &Path) -> Result<()> {
    let dir = data_dir.join("assets");
    for asset in ASSETS {
        fsutil::write_atomic(&dir.join(asset.path), asset.bytes)?;
    }
    Ok(())
}

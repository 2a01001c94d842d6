//! Steps that more than one command takes: preparing the archive directory, rendering
//! with a progress bar, writing the bag.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use std::collections::BTreeMap;

use crate::audit;
use crate::bag::{self, BagInfo};
use crate::config::{BagMeta, Said, Verbosity, WriteAccess};
use crate::coverage::Coverage;
use crate::error::{Error, Result};
use crate::lifecycle::prune::{MINIMUM_LABEL, RETENTION_LABEL};
use crate::lock::{ArchiveLock, Mode};
use crate::progress::{Progress, timed};
use crate::state::{RenderCache, SessionStore};
use crate::wal::{Finished, Wal};
use crate::{fsutil, render};
use sha2::Digest as _;

/// An archive opened for writing: locked, recovered, its evidence checked (SPEC §9).
pub(crate) struct OpenArchive {
    /// `DIR/data`.
    pub(crate) data: PathBuf,
    /// Held until the command ends.
    _lock: ArchiveLock,
    /// This run's write-ahead list.
    pub(crate) wal: Wal,
    /// The hash cache (the state file, when its tag manifest vouches for it).
    pub(crate) cache: bag::Cache,
    /// The last render's sessions.
    pub(crate) earlier: Option<SessionStore>,
    /// The audit log's view of the run so far (the payload before, accepted changes).
    pub(crate) audit: audit::Event,
    /// The journal a stopped listener left, folded into coverage.json: emptied once the
    /// bag's manifests cover that coverage.json.
    leftover: std::sync::Mutex<Option<crate::listen::journal::Leftover>>,
    /// The archive's own settings in bag-info.txt ([`KEPT_FIELDS`]): kept by every write
    /// unless the command sets them (`meta.extra`, or a command that owns one changes it
    /// here).
    pub(crate) info: BTreeMap<&'static str, String>,
}

/// bag-info.txt fields every write keeps as they are unless the command owns them: the
/// salt of account digests (made once; accounts already in the log were hashed with it),
/// an export's redaction profile (its records stay redacted whatever renders them next),
/// the retention period and its minimum (`prune`).
pub(crate) const KEPT_FIELDS: [&str; 4] = [
    audit::SALT_LABEL,
    "Redaction-Profile",
    RETENTION_LABEL,
    MINIMUM_LABEL,
];

/// Opens the archive in `out` for a writing command: creates it and `data/`, takes the
/// exclusive lock (waiting up to `--lock-wait`), removes a killed run's temporary files,
/// and compares the primary evidence with the last manifest. Changed evidence stops the
/// command with exit 3, naming every file, unless `--accept-changes`; files a killed run of
/// this tool finished (named in its write-ahead list) are taken in without a word.
pub(crate) fn open_archive(out: &Path, access: WriteAccess, command: &str) -> Result<OpenArchive> {
    let data = out.join("data");
    // Nothing has been fetched or written yet: a directory we cannot create is the
    // user's to fix (exit 2), like every other mistake in the command line.
    std::fs::create_dir_all(&data).map_err(|e| {
        Error::Usage(format!(
            "cannot create the archive directory `{}`: {e}",
            out.display()
        ))
    })?;
    let (mut archive, derived_changed) = lock_and_check(out, access, command)?;
    if derived_changed > 0 {
        tracing::warn!(
            "{derived_changed} page(s) or other derived file(s) differ from the manifest; they are rebuilt"
        );
    }
    archive.audit.renamed = migrate_stems(&data.join("records"), &archive.wal)?;
    let leftover = fold_leftover_journal(out, &data, &archive.wal)?;
    archive.leftover = std::sync::Mutex::new(leftover);
    Ok(archive)
}

/// The part of [`open_archive`] that changes nothing but leftovers of a killed run: takes
/// the exclusive lock, reads the state, checks the primary evidence (exit 3 on a change
/// unless accepted). Returns the archive and how many derived files differ from the
/// manifest.
pub(crate) fn lock_and_check(
    out: &Path,
    access: WriteAccess,
    command: &str,
) -> Result<(OpenArchive, usize)> {
    let data = out.join("data");
    let lock = ArchiveLock::take(out, Mode::Exclusive, access.lock_wait)?;
    fsutil::remove_leftovers(out)?;
    let finished = Finished::read(out);
    let (cache, earlier) = timed("load state", || crate::state::load(out, &finished));
    let fixity = timed("check evidence", || {
        bag::check_fixity(out, &cache, &finished)
    })?;
    if !fixity.changes.is_empty() && !access.accept_changes {
        return Err(Error::Changed(changed_message(out, &fixity.changes)));
    }
    for change in &fixity.changes {
        tracing::warn!("accepted as it is (--accept-changes): {change}");
    }
    let before = bag::facts_on_disk(out).map(payload);
    let info = KEPT_FIELDS
        .into_iter()
        .filter_map(|label| Some((label, bag::info_field(out, label)?)))
        .collect();
    let audit = audit::Event {
        command: command.to_owned(),
        before,
        accepted_changes: fixity.changes.iter().map(ToString::to_string).collect(),
        ..audit::Event::default()
    };
    let archive = OpenArchive {
        data,
        _lock: lock,
        wal: Wal::new(out),
        cache,
        earlier,
        audit,
        leftover: std::sync::Mutex::new(None),
        info,
    };
    Ok((archive, fixity.derived_changed))
}

/// Folds the journal of a listener that is not running (killed, or stopped before its
/// last render) into coverage.json, so that every event it answered 200 is in the archive
/// whichever writing command comes next (SPEC §10). The sessions become pending; the next
/// `listen` fetches them.
fn fold_leftover_journal(
    out: &Path,
    data: &Path,
    wal: &Wal,
) -> Result<Option<crate::listen::journal::Leftover>> {
    let Some(leftover) = crate::listen::journal::Leftover::take(out)? else {
        return Ok(None);
    };
    let mut coverage = crate::coverage::Coverage::load(data)?.unwrap_or_default();
    let mut memory = crate::listen::fold::KeyMemory::default();
    let touched =
        crate::listen::fold::fold(&mut coverage, &leftover.events, &mut memory, &now_rfc3339());
    if !touched.is_empty() {
        coverage.write(data, wal)?;
        tracing::warn!(
            "{} session(s) from the journal of a stopped `listen` are in coverage.json; the next `listen` fetches those still pending",
            touched.len()
        );
    }
    Ok(Some(leftover))
}

/// The salt account digests are made with: the archive's, or a new one it keeps from now
/// on (written to bag-info.txt with the bag).
pub(crate) fn audit_salt(archive: &mut OpenArchive) -> String {
    archive
        .info
        .entry(audit::SALT_LABEL)
        .or_insert_with(audit::new_salt)
        .clone()
}

/// The render options the archive in `out` remembers (defaults where it remembers none),
/// for commands that render without page flags of their own (`erase`, `prune`) and for
/// the audit page.
pub(crate) fn remembered_options(out: &Path) -> render::RenderOptions {
    let mut options = render::RenderOptions {
        timezone: chrono_tz::UTC,
        title: None,
        lang: render::Lang::En,
        markdown_pages: true,
        search: true,
        remote_images: false,
        jobs: None,
        progress: None,
        cancel: None,
    };
    let _ = super::remember::apply(out, &mut options, &Said::default());
    options
}

/// Renders the site again after records went (`erase`, `prune`), with the options the
/// archive remembers: every page still right is kept, the erased sessions' pages go, and
/// index, stats and agent pages are rebuilt.
pub(crate) fn rerender(
    out: &Path,
    archive: &mut OpenArchive,
    coverage: &Coverage,
    verbosity: Verbosity,
) -> Result<render::RenderReport> {
    let cache = RenderCache {
        sessions: archive.earlier.take(),
        known: &archive.cache,
        imported: crate::state::Imported::default(),
    };
    let data = archive.data.clone();
    render_site(
        &remembered_options(out),
        &data,
        &coverage.missing(),
        verbosity,
        cache,
    )
}

/// The last render's sessions, for a command that renders nothing (the state file keeps
/// them).
pub(crate) fn earlier_sessions(out: &Path, archive: &mut OpenArchive) -> Result<SessionStore> {
    match archive.earlier.take() {
        Some(earlier) => Ok(earlier),
        None => SessionStore::new(out),
    }
}

/// Gives records named by the stem rule of earlier versions (a slug starting or ending
/// with `-`) their names under today's rule (SPEC §3): each new name goes to the
/// write-ahead list before the rename, so a crash in between is no change. Pages and
/// agent pages are derived and come out under the new names at the next render. Returns
/// `old -> new` for each file renamed.
fn migrate_stems(records_dir: &Path, wal: &Wal) -> Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(records_dir) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| crate::records::may_have_an_old_stem(n))
        .collect();
    names.sort();
    let mut renamed = Vec::new();
    for name in names {
        let path = records_dir.join(&name);
        let bytes = fsutil::read(&path)?;
        let Ok(head) = crate::records::RecordHead::from_slice(&bytes, &path) else {
            continue;
        };
        let stem = crate::records::stem(&head.session_id);
        let suffix = name
            .strip_suffix(".json")
            .and_then(|b| b.split_once(".superseded-"))
            .map(|(_, n)| format!(".superseded-{n}"))
            .unwrap_or_default();
        let new_name = format!("{stem}{suffix}.json");
        if new_name == name || records_dir.join(&new_name).exists() {
            continue;
        }
        let sha: [u8; 32] = sha2::Digest::finalize(sha2::Sha256::new_with_prefix(&bytes)).into();
        wal.append(&format!("data/records/{new_name}"), &sha)?;
        let target = records_dir.join(&new_name);
        std::fs::rename(&path, &target).map_err(|e| Error::io("rename", &path, e))?;
        fsutil::sync_parent(&target).map_err(|e| Error::io("sync", records_dir, e))?;
        renamed.push(format!("data/records/{name} -> data/records/{new_name}"));
    }
    if !renamed.is_empty() {
        tracing::warn!(
            "{} record(s) renamed to today's file-name rule (no name starts with `-`)",
            renamed.len()
        );
    }
    Ok(renamed)
}

/// The exit-3 message: every changed file, and what to do.
fn changed_message(out: &Path, changes: &[bag::Change]) -> String {
    let mut text = format!(
        "`{}` holds evidence that changed since its last manifest; nothing was written:",
        out.display()
    );
    for change in changes {
        text.push_str("\n  ");
        text.push_str(&change.to_string());
    }
    text.push_str(
        "\n  (restore the files from a copy, or run again with --accept-changes to take them \
         as they are; the audit log will say so)",
    );
    text
}

/// The audit log's form of the bag's facts.
pub(crate) fn payload(facts: bag::PayloadFacts) -> audit::Payload {
    audit::Payload {
        oxum: facts.oxum,
        manifest_sha256: crate::digest::to_hex(&facts.manifest_sha256),
    }
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

/// Writes the bag after a command that changed tag-level evidence but rendered nothing
/// (`hold`, `prune --set-retention-days`): the pages are the earlier run's, the audit entry
/// is `event`.
pub(crate) fn write_bag_unrendered(
    out: &Path,
    archive: &mut OpenArchive,
    event: audit::Event,
) -> Result<()> {
    let coverage = Coverage::load(&archive.data)?.unwrap_or_default();
    let sessions = earlier_sessions(out, archive)?;
    let known = bag::Known {
        sessions: &sessions,
        fetched: &[],
        written: &[],
        index: None,
    };
    write_bag(
        out,
        &BagMeta::default(),
        coverage.counts(),
        archive,
        known,
        event,
        None,
    )
}

/// Writes the bag's tag files, with the coverage counts in bag-info.txt, after appending
/// the run's audit entry when the payload changed (or changes were accepted).
pub(crate) fn write_bag(
    out: &Path,
    meta: &BagMeta,
    counts: std::collections::BTreeMap<&'static str, u64>,
    archive: &OpenArchive,
    known: bag::Known<'_>,
    event: audit::Event,
    options: Option<&render::RenderOptions>,
) -> Result<()> {
    let mut extra: Vec<(String, String)> = counts
        .into_iter()
        .map(|(state, n)| {
            (
                format!("Desk-Sessions-{}", title_case(state)),
                n.to_string(),
            )
        })
        .collect();
    // The render options the archive remembers: this run's, or (a fetch) the last ones.
    let remembered = match options {
        Some(options) => Some(super::remember::value(options)),
        None => bag::info_field(out, super::remember::LABEL),
    };
    if let Some(value) = remembered {
        let (label, format) = super::remember::FORMAT;
        extra.push((label.to_owned(), format.to_owned()));
        extra.push((super::remember::LABEL.to_owned(), value));
    }
    extra.extend(meta.extra.iter().cloned());
    for (label, value) in &archive.info {
        if !extra.iter().any(|(l, _)| l.eq_ignore_ascii_case(label)) {
            extra.push(((*label).to_owned(), value.clone()));
        }
    }
    let info = BagInfo {
        source_organization: meta.source_organization.clone(),
        external_identifier: meta.external_identifier.clone(),
        software_agent: format!("desk-archive/{}", env!("CARGO_PKG_VERSION")),
        extra,
    };
    let mut event = Some(event);
    let page_options = options.cloned().unwrap_or_else(|| remembered_options(out));
    let mut audit = |facts: &bag::PayloadFacts| -> Result<bool> {
        let after = payload(facts.clone());
        let appended = match event.take() {
            Some(e) if e.is_worth_logging(&after) => {
                audit::append(&archive.data, &archive.wal, e, after)?;
                true
            }
            _ => false,
        };
        let pages = write_audit_pages(out, archive, &page_options)?;
        Ok(appended || pages)
    };
    timed("bag", || {
        bag::write_bag_rendered(out, &info, &archive.cache, known, &archive.wal, &mut audit)
    })?;
    let leftover = archive
        .leftover
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(journal) = leftover {
        journal.clear()?;
    }
    Ok(())
}

/// Writes the audit pages from the log as it now is (after this run's entry): made when
/// the bag is written, not by the render, so that they show the entry just appended. A
/// full older page is rendered again only when it differs from what the last manifest
/// lists. Returns whether any page was written.
pub(crate) fn write_audit_pages(
    out: &Path,
    archive: &OpenArchive,
    options: &render::RenderOptions,
) -> Result<bool> {
    let unchanged = |rel: &str| {
        std::fs::metadata(out.join(rel))
            .ok()
            .and_then(|meta| archive.cache.get(rel, &crate::state::Stamp::of(&meta)))
            .is_some()
    };
    render::audit::write_audit_pages(&archive.data, options, &unchanged)
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

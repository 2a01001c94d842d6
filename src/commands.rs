//! One function per subcommand: each a short list of pipeline stages.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::bag::{self, BagInfo};
use crate::config::{ArchiveConfig, BagMeta, RenderConfig, UsersigConfig, Verbosity};
use crate::coverage::{Coverage, State};
use crate::error::{Error, Result};
use crate::fetch::{self, FetchEvent, SessionOutcome, SessionRequest};
use crate::fsutil::WriteOutcome;
use crate::progress::{Progress, timed};
use crate::records::{self, RecordHead};
use crate::render::cache::RenderCache;
use crate::{fsutil, render, sessions};

/// How a command ended: its exit code and the lines of its summary.
#[derive(Debug, Default)]
pub struct Outcome {
    /// 0 all done, 1 some sessions failed, 2 the run stopped, 3 verify found a mismatch.
    pub exit_code: u8,
}

/// A session that could not be archived, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SessionFailure {
    /// The SessionId, or the file that could not be read.
    #[serde(flatten)]
    pub what: Failed,
    /// Why.
    pub reason: String,
    /// The API's ErrorCode, when the failure was an API answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
}

/// What failed: a session or an input file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failed {
    /// A SessionId.
    SessionId(String),
    /// A file (a record that could not be read or rendered).
    File(PathBuf),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::SessionId(id) => write!(f, "session `{id}`"),
            Failed::File(path) => write!(f, "`{}`", path.display()),
        }
    }
}

impl SessionFailure {
    fn file(path: &Path, reason: String) -> SessionFailure {
        SessionFailure {
            what: Failed::File(path.to_path_buf()),
            reason,
            error_code: None,
        }
    }
}

/// `render`: import records (optional), render the site, write the bag.
pub fn render(config: &RenderConfig, verbosity: Verbosity, json: bool) -> Result<Outcome> {
    let started = Instant::now();
    let data = prepare_archive_dir(&config.out)?;
    let (hashes, earlier) = timed("load state", || bag::state::load(&config.out));
    let mut failures = Vec::new();
    let mut coverage = Coverage::load(&data)?.unwrap_or_default();
    let mut heads = Vec::new();
    let mut written = Vec::new();
    if let Some(dir) = &config.records {
        let imported = timed("import records", || {
            import_records(dir, &data.join("records"))
        })?;
        failures.extend(imported.failures);
        mark_archived(&mut coverage, &imported.heads);
        heads = imported.heads;
        written = imported.written;
    }
    timed("coverage of records", || {
        add_archived_records(&mut coverage, &data.join("records"))
    });
    let missing = coverage.missing();
    let counts = coverage.counts();
    // Records are the archive's primary data: synced to disk while the render runs (the
    // syncs wait on the disk, the render on the processor), and before coverage.json calls
    // them archived and the bag lists them. Coverage is written from that thread, from its
    // bytes, so that the render does not hold every session's entry.
    let coverage_file = coverage.file_bytes(&data)?;
    drop(coverage);
    let coverage_dir = data.clone();
    let syncing = std::thread::spawn(move || {
        fsutil::sync_files(&written, SYNC_THREADS)?;
        drop(written);
        crate::coverage::write_file(&coverage_dir, &coverage_file).map(drop)
    });
    let cache = RenderCache {
        sessions: earlier,
        known: &hashes,
        imported: render::cache::Imported::new(heads),
    };
    let report = render_site(&config.render, &data, &missing, verbosity, cache)?;
    failures.extend(
        report
            .failures
            .iter()
            .map(|f| SessionFailure::file(&f.path, f.message.clone())),
    );
    timed("sync records, write coverage", || {
        syncing.join().unwrap_or_else(|_| {
            let stopped = std::io::Error::other("the sync thread stopped");
            Err(Error::io("sync", data.join("records"), stopped))
        })
    })?;
    let known = bag::Known {
        sessions: &report.rendered,
        fetched: &[],
        written: &report.search_files,
    };
    write_bag(&config.out, &config.bag, counts, &hashes, known)?;
    let summary = Summary {
        archived: report.sessions,
        messages: report.messages,
        unchanged: report.reused,
        failures,
        ..Summary::default()
    };
    summary.print(verbosity, json, started, "rendered");
    Ok(Outcome {
        exit_code: summary.exit_code(),
    })
}

/// `archive` (`renders` = true) and `fetch`: fetch every listed session, then render.
pub fn archive(
    config: &ArchiveConfig,
    renders: bool,
    verbosity: Verbosity,
    json: bool,
    cancel: Arc<AtomicBool>,
) -> Result<Outcome> {
    let started = Instant::now();
    let entries = sessions::read_sessions(&config.sessions)?;
    let data = prepare_archive_dir(&config.out)?;
    let (hashes, earlier) = timed("load state", || bag::state::load(&config.out));
    let records_dir = data.join("records");
    fsutil::create_dir_all(&records_dir)?;
    let mut coverage = Coverage::load(&data)?.unwrap_or_default();
    let progress = Progress::new(verbosity, "fetch", "sessions", entries.len() as u64);
    let on_event = |event: FetchEvent| match event {
        FetchEvent::SessionFinished { .. } => progress.inc(1),
        FetchEvent::Retry { .. } => progress.retry(),
        FetchEvent::Request => progress.request(),
        FetchEvent::RecordWritten { messages, .. } => progress.messages(messages),
        FetchEvent::Warning(w) if verbosity != Verbosity::Quiet => {
            progress.println(&crate::progress::warning_line(&w))
        }
        _ => {}
    };
    let requests = entries
        .into_iter()
        .map(|e| SessionRequest {
            session_id: e.session_id,
            metadata: e.metadata,
        })
        .collect();
    let mut report = timed("fetch", || {
        fetch::fetch_sessions(&config.fetch, requests, &records_dir, &on_event)
    })?;
    progress.finish();
    let mut fetched = std::mem::take(&mut report.written);
    fetched.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let interrupted = cancel.load(std::sync::atomic::Ordering::Relaxed);
    let mut summary = Summary {
        stopped: report.stopped.clone().filter(|_| !interrupted),
        interrupted,
        requests: report.requests,
        retries: report.retries,
        ..Summary::default()
    };
    record_outcomes(&mut coverage, &report.outcomes, &mut summary);
    crate::media::capture_run(
        &config.media,
        &data,
        &report.outcomes,
        &mut coverage,
        &cancel,
    );
    let mut search_files = Vec::new();
    let sessions = if renders {
        let cache = RenderCache {
            sessions: earlier,
            known: &hashes,
            imported: render::cache::Imported::default(),
        };
        let rendered = render_site(&config.render, &data, &coverage.missing(), verbosity, cache)?;
        summary.messages = rendered.messages;
        summary.unchanged = rendered.reused;
        search_files = rendered.search_files;
        summary.failures.extend(
            rendered
                .failures
                .iter()
                .map(|f| SessionFailure::file(&f.path, f.message.clone())),
        );
        rendered.rendered
    } else {
        // `fetch` renders nothing: the last render's entries stay as they are.
        match earlier {
            Some(earlier) => earlier,
            None => render::store::SessionStore::new(&config.out)?,
        }
    };
    coverage.write(&data)?;
    let known = bag::Known {
        sessions: &sessions,
        fetched: &fetched,
        written: &search_files,
    };
    write_bag(&config.out, &config.bag, coverage.counts(), &hashes, known)?;
    summary.print(verbosity, json, started, "archived");
    Ok(Outcome {
        exit_code: summary.exit_code(),
    })
}

/// `verify DIR`: exit 0 when the bag is valid, 3 otherwise; problems on standard output
/// (one a line, or with `json` one object `{"valid", "problems", "warnings"}`).
pub fn verify(dir: &Path, verbosity: Verbosity, json: bool) -> Result<Outcome> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "archive directory `{}` does not exist",
            dir.display()
        )));
    }
    let report = bag::verify(dir)?;
    if json {
        print_json(&serde_json::json!({
            "valid": report.is_valid(),
            "problems": report.problems,
            "warnings": report.warnings,
        }));
    } else {
        for problem in &report.problems {
            println!("{problem}");
        }
    }
    if verbosity != Verbosity::Quiet {
        for warning in &report.warnings {
            eprintln!("{}", crate::progress::warning_line(warning));
        }
    }
    if report.is_valid() {
        if verbosity != Verbosity::Quiet {
            eprintln!("desk-archive: `{}` is a valid bag", dir.display());
        }
        Ok(Outcome { exit_code: 0 })
    } else {
        eprintln!(
            "{}`{}` is NOT valid: {} problem(s)",
            crate::progress::prefix("error", crate::progress::colour()),
            dir.display(),
            report.problems.len()
        );
        Ok(Outcome { exit_code: 3 })
    }
}

/// `usersig`: print a UserSig on standard output.
pub fn usersig(config: &UsersigConfig) -> Result<Outcome> {
    let now = chrono::Utc::now().timestamp();
    let sig = crate::usersig::gen_usersig(
        config.sdkappid,
        config.key.expose(),
        &config.identifier,
        config.expire,
        now,
    );
    println!("{sig}");
    Ok(Outcome { exit_code: 0 })
}

/// Creates the archive directory and `data/`, and removes a killed run's temporary files.
fn prepare_archive_dir(out: &Path) -> Result<PathBuf> {
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

fn render_site(
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

fn write_bag(
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

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn record_outcomes(
    coverage: &mut Coverage,
    outcomes: &[(String, SessionOutcome)],
    summary: &mut Summary,
) {
    let now = now_rfc3339();
    for (id, outcome) in outcomes {
        match outcome {
            SessionOutcome::Archived { messages, .. } => {
                summary.archived += 1;
                // `archive` replaces this with the rendered total; `fetch` reports these.
                summary.messages += messages;
                coverage.set_archived(id, &now);
            }
            SessionOutcome::AlreadyComplete => {
                summary.skipped += 1;
                if coverage.get(id).is_none_or(|e| e.state != State::Archived) {
                    coverage.set_archived(id, &now);
                }
            }
            SessionOutcome::Failed { error_code, reason } => {
                coverage.set(id, State::Failed, Some((*error_code, reason.clone())), &now);
                summary.failures.push(SessionFailure {
                    what: Failed::SessionId(id.clone()),
                    reason: reason.clone(),
                    error_code: *error_code,
                });
            }
            SessionOutcome::NotFound { error_info } => {
                coverage.set(
                    id,
                    State::NotFound,
                    Some((Some(141010), error_info.clone())),
                    &now,
                );
                summary.failures.push(SessionFailure {
                    what: Failed::SessionId(id.clone()),
                    reason: format!("not found ({error_info})"),
                    error_code: Some(141010),
                });
            }
            SessionOutcome::Pending => {
                coverage.set(id, State::Pending, None, &now);
                summary.pending += 1;
            }
        }
    }
}

/// Marks every readable record in `records_dir` archived in coverage (for archives made by
/// `render --records`, or whose coverage.json was lost), dated by the record's FetchedAt.
fn add_archived_records(coverage: &mut Coverage, records_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(records_dir) else {
        return;
    };
    // Records coverage already knows as archived (by stem) are not read again: on a re-run
    // over a large archive that is every record.
    let known = coverage.archived_stems();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            !known.contains(stem)
        })
        .collect();
    paths.sort();
    let heads: Vec<RecordHead> = paths
        .par_iter()
        .filter_map(|p| RecordHead::read(p).ok())
        .collect();
    mark_archived(coverage, &heads);
}

/// Marks the sessions of these records archived in coverage, unless they already are.
fn mark_archived(coverage: &mut Coverage, heads: &[RecordHead]) {
    for head in heads {
        if coverage
            .get(&head.session_id)
            .is_none_or(|e| e.state != State::Archived)
        {
            coverage.set_archived(&head.session_id, &head.fetched_at);
        }
    }
}

/// What [`import_records`] did.
struct Imported {
    /// Inputs that are not records, and SessionIds given twice.
    failures: Vec<SessionFailure>,
    /// The records copied (or found already in place).
    heads: Vec<RecordHead>,
    /// The record files written, not yet synced to disk.
    written: Vec<PathBuf>,
}

/// Threads that copy records on import: reading and writing wait on the disk more than
/// they compute.
const IMPORT_THREADS: usize = 8;

/// Threads that sync imported records to disk: each sync waits on the disk, and the file
/// system commits concurrent ones together (10,000 records: 5.6 s one at a time).
const SYNC_THREADS: usize = 16;

/// Copies every `*.json` record of `from` byte for byte to `records_dir/<stem>.json`.
/// A file that is not a record, and every input of a SessionId given twice, is a failure.
fn import_records(from: &Path, records_dir: &Path) -> Result<Imported> {
    let entries = std::fs::read_dir(from).map_err(|e| {
        Error::Usage(format!(
            "cannot read the records directory `{}`: {e}",
            from.display()
        ))
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .collect();
    paths.sort();
    let heads: Vec<(PathBuf, Result<RecordHead>)> = paths
        .into_par_iter()
        .map(|p| {
            let h = RecordHead::read(&p);
            (p, h)
        })
        .collect();
    let mut failures = Vec::new();
    let mut inputs: Vec<(PathBuf, RecordHead)> = Vec::with_capacity(heads.len());
    for (path, head) in heads {
        match head {
            Ok(head) => inputs.push((path, head)),
            Err(e) => failures.push(SessionFailure::file(&path, error_chain(&e))),
        }
    }
    // Sorted by SessionId, so that inputs of one SessionId are neighbours (and the
    // failures come out in SessionId order); no map of every SessionId is built.
    inputs.sort_by(|a, b| (&a.1.session_id, &a.0).cmp(&(&b.1.session_id, &b.0)));
    let mut unique = Vec::with_capacity(inputs.len());
    let mut inputs = inputs.into_iter().peekable();
    while let Some(input) = inputs.next() {
        let id = &input.1.session_id;
        if inputs.peek().is_none_or(|next| next.1.session_id != *id) {
            unique.push(input);
            continue;
        }
        let mut names = vec![format!("`{}`", input.0.display())];
        while let Some(next) = inputs.next_if(|next| next.1.session_id == *id) {
            names.push(format!("`{}`", next.0.display()));
        }
        failures.push(SessionFailure {
            what: Failed::SessionId(input.1.session_id),
            reason: format!("two inputs with one SessionId: {}", names.join(", ")),
            error_code: None,
        });
    }
    // Each file is read a second time to copy it: keeping every record's bytes from the
    // first pass would hold the whole import in memory.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(IMPORT_THREADS)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the import threads: {e}")))?;
    let copied: Result<Vec<(RecordHead, Option<PathBuf>)>> = pool.install(|| {
        unique
            .into_par_iter()
            .map(|(path, head)| {
                let bytes = fsutil::read(&path)?;
                let target = records::record_path(records_dir, &head.session_id);
                let outcome = fsutil::write_atomic_derived(&target, &bytes)?;
                Ok((head, (outcome == WriteOutcome::Written).then_some(target)))
            })
            .collect()
    });
    let (heads, written) = copied?.into_iter().unzip::<_, _, Vec<_>, Vec<_>>();
    Ok(Imported {
        failures,
        heads,
        written: written.into_iter().flatten().collect(),
    })
}

/// The error and its sources on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The end-of-run summary (SPEC §1).
#[derive(Debug, Default)]
struct Summary {
    archived: u64,
    skipped: u64,
    /// Sessions whose pages were already right and were not rendered again.
    unchanged: u64,
    pending: u64,
    messages: u64,
    failures: Vec<SessionFailure>,
    stopped: Option<String>,
    interrupted: bool,
    requests: u64,
    retries: u64,
}

/// The summary as `--json` prints it: one object on standard output.
#[derive(Serialize)]
struct JsonSummary<'a> {
    archived: u64,
    skipped: u64,
    pages_unchanged: u64,
    failed: &'a [SessionFailure],
    pending: u64,
    messages: u64,
    requests: u64,
    retries: u64,
    seconds: f64,
    exit_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    interrupted: bool,
}

impl Summary {
    fn exit_code(&self) -> u8 {
        if self.interrupted {
            130
        } else if self.stopped.is_some() {
            2
        } else if !self.failures.is_empty() || self.pending > 0 {
            1
        } else {
            0
        }
    }

    /// Failures (and why the run stopped) always go to standard error; the summary line
    /// too unless quiet, and with `json` the summary also as one object on standard output.
    fn print(&self, verbosity: Verbosity, json: bool, started: Instant, verb: &str) {
        let seconds = started.elapsed().as_secs_f64();
        let error = crate::progress::prefix("error", crate::progress::colour());
        for failure in &self.failures {
            let code = failure
                .error_code
                .map(|c| format!(" (ErrorCode {c})"))
                .unwrap_or_default();
            eprintln!("{error}{} failed: {}{code}", failure.what, failure.reason);
        }
        if let Some(why) = &self.stopped {
            eprintln!("{error}the run stopped: {why}");
        }
        if self.interrupted {
            eprintln!("{error}interrupted: the sessions not fetched are pending");
        }
        if json {
            print_json(&JsonSummary {
                archived: self.archived,
                skipped: self.skipped,
                pages_unchanged: self.unchanged,
                failed: &self.failures,
                pending: self.pending,
                messages: self.messages,
                requests: self.requests,
                retries: self.retries,
                seconds: (seconds * 1000.0).round() / 1000.0,
                exit_code: self.exit_code(),
                stopped: self.stopped.as_deref(),
                interrupted: self.interrupted,
            });
        }
        if verbosity == Verbosity::Quiet {
            return;
        }
        let mut line = format!("desk-archive: {} sessions {verb}", self.archived);
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped (already complete)", self.skipped));
        }
        line.push_str(&format!(", {} failed", self.failures.len()));
        if self.pending > 0 {
            line.push_str(&format!(", {} pending", self.pending));
        }
        line.push_str(&format!(", {} messages", self.messages));
        if self.unchanged > 0 {
            line.push_str(&format!(" ({} pages unchanged)", self.unchanged));
        }
        if self.requests > 0 {
            line.push_str(&format!(
                ", {} requests ({} retries)",
                self.requests, self.retries
            ));
        }
        line.push_str(&format!(", {seconds:.1} s"));
        eprintln!("{line}");
    }
}

/// Prints `value` as one line of JSON on standard output.
fn print_json(value: &impl Serialize) {
    match serde_json::to_string(value) {
        // A closed standard output (`| head`) is not worth a panic.
        Ok(text) => {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
        // Our own plain structs always serialise; say so rather than print nothing.
        Err(e) => eprintln!("desk-archive: error: cannot write the JSON summary: {e}"),
    }
}

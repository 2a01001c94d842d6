//! `search DIR [PATTERN]` (SPEC §11): finds messages in the raw records of an archive,
//! grep-style, never reading the pages. Records are searched in parallel (rayon), a batch
//! at a time, and each batch's output is written in stem order before the next is read, so
//! memory stays flat however large the archive, and the output is the same on every run.
//! Exit codes follow grep: 0 found, 1 nothing found, 2 error.

pub mod filters;
mod lines;
pub mod matcher;
pub mod output;
mod stream;
mod text;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::lock::{self, ArchiveLock};
use crate::model::Message;
use crate::records::{self, RecordRef};
pub use filters::Filters;
pub use matcher::Matcher;
use output::{Hit, Mode, Session, Style};

/// Records searched in parallel before their output is written: enough to keep every core
/// busy, few enough that what waits to be printed stays small.
const BATCH: usize = 256;

/// A resolved `search`.
#[derive(Debug)]
pub struct SearchConfig {
    /// The archive directory.
    pub dir: PathBuf,
    /// How long to wait for a command that is writing the archive.
    pub lock_wait: std::time::Duration,
    /// The pattern; `None` when only filters select.
    pub matcher: Option<Matcher>,
    /// The filters.
    pub filters: Filters,
    /// How to print.
    pub style: Style,
}

/// What searching one record gave.
#[derive(Default)]
struct Found {
    /// The lines to print.
    output: String,
    /// Matching messages.
    messages: u64,
}

/// How a search ended, as grep tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something matched (exit 0).
    Found,
    /// Nothing matched (exit 1).
    NothingFound,
    /// A record could not be read or parsed (exit 2), whatever else matched.
    Unreadable,
}

impl Outcome {
    /// grep's exit code, in the one table's terms: the numbers are the same.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Found => ExitCode::Done,
            Outcome::NothingFound => ExitCode::Partial,
            Outcome::Unreadable => ExitCode::Usage,
        }
    }
}

/// Runs a search, printing to standard output. A record that cannot be read is named in a
/// warning line and the others are still searched. An error that stops the search
/// altogether is returned (exit 2 as well).
pub fn run(config: &SearchConfig) -> Result<Outcome> {
    // A reader's lock: no writer changes records while they are read (SPEC §9).
    let _lock = ArchiveLock::take(&config.dir, lock::Mode::Shared, config.lock_wait)?;
    let records = config.dir.join("data").join("records");
    let paths = record_paths(&records, &config.filters.sessions)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let (mut matched, mut failed) = (0u64, 0u64);
    for batch in paths.chunks(BATCH) {
        let results: Vec<Result<Found>> = batch
            .par_iter()
            .map(|path| search_record(path, config))
            .collect();
        for result in results {
            match result {
                Ok(found) => {
                    matched += found.messages;
                    if let Err(e) = out.write_all(found.output.as_bytes()) {
                        return stdout_failed(e, matched);
                    }
                }
                Err(error) => {
                    failed += 1;
                    tracing::warn!("{}", with_causes(&error));
                }
            }
        }
        if let Err(e) = out.flush() {
            return stdout_failed(e, matched);
        }
    }
    Ok(match (failed, matched) {
        (0, 0) => Outcome::NothingFound,
        (0, _) => Outcome::Found,
        _ => Outcome::Unreadable,
    })
}

/// A closed pipe (`search … | head`) ends the search quietly, as for grep.
fn stdout_failed(error: io::Error, matched: u64) -> Result<Outcome> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return Ok(if matched > 0 {
            Outcome::Found
        } else {
            Outcome::NothingFound
        });
    }
    Err(Error::io("write", "standard output", error))
}

/// The records to read, sorted by file name (`<stem>.json`, so by stem). With `--session`,
/// only those sessions' files. Superseded copies (`<stem>.superseded-<n>.json`, SPEC §9)
/// have no page and are left out.
fn record_paths(records: &Path, sessions: &[String]) -> Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = if sessions.is_empty() {
        let entries =
            std::fs::read_dir(records).map_err(|e| Error::io("read directory", records, e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read directory", records, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".json") && !name.contains(".superseded-") {
                paths.push(entry.path());
            }
        }
        paths
    } else {
        sessions
            .iter()
            .map(|id| records::record_path(records, id))
            .filter(|p| p.is_file())
            .collect()
    };
    // One folder, so the whole paths sort as their names do; as bytes, since comparing
    // `Path`s component by component was a tenth of a search's processor time.
    paths.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    paths.dedup();
    Ok(paths)
}

fn search_record(path: &Path, config: &SearchConfig) -> Result<Found> {
    let bytes = crate::fsutil::read(path)?;
    let hits = config.matcher.as_ref().and_then(|m| m.hits(&bytes));
    if hits.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Found::default());
    }
    if let Some(lines) = lines::split(&bytes) {
        let mut candidate = vec![hits.is_none(); lines.messages.len()];
        for hit in hits.iter().flatten() {
            let Some(i) = lines.message_at(hit.offset) else {
                continue;
            };
            if candidate[i] {
                continue;
            }
            let line = &lines.messages[i];
            candidate[i] = !hit.stream
                || config.matcher.as_ref().is_some_and(|m| {
                    m.stream_may_hide(&bytes[line.clone()], hit.offset - line.start)
                });
        }
        let messages: Vec<&[u8]> = lines.messages.iter().map(|r| &bytes[r.clone()]).collect();
        let head = &lines.head;
        let found = search_messages(
            &head.session_id,
            &head.metadata,
            &messages,
            &|i, _| candidate[i],
            config,
        );
        // A line that may match but is no JSON value: the whole file decides.
        if let Some(found) = found {
            return Ok(found);
        }
    }
    search_parsed(&bytes, path, config)
}

/// Searches a record parsed as a whole (any layout; a file that is no record is an error).
fn search_parsed(bytes: &[u8], path: &Path, config: &SearchConfig) -> Result<Found> {
    let record = RecordRef::from_slice(bytes, path)?;
    let messages: Vec<&[u8]> = record
        .messages
        .iter()
        .map(|raw| raw.get().as_bytes())
        .collect();
    let may_match = |_, raw: &[u8]| config.matcher.as_ref().is_none_or(|m| m.may_match(raw));
    // Every message is a complete JSON value here, so this cannot come back `None`.
    let found = search_messages(
        &record.session_id,
        &record.metadata,
        &messages,
        &may_match,
        config,
    );
    Ok(found.unwrap_or_default())
}

/// Searches a session's messages (their JSON), parsing only those `may_match` lets
/// through. `None` when one of those is not a JSON value (only possible for the lines of
/// [`lines::split`]).
fn search_messages(
    session_id: &str,
    metadata: &records::Metadata,
    messages: &[&[u8]],
    may_match: &dyn Fn(usize, &[u8]) -> bool,
    config: &SearchConfig,
) -> Option<Found> {
    let mut found = Found::default();
    let filters = &config.filters;
    if !filters.session_passes(session_id, metadata) {
        return Some(found);
    }
    let stem = records::stem(session_id);
    let session = Session {
        session_id,
        stem: &stem,
    };
    let parse = |(i, raw): (usize, &&[u8])| lines::parse_message(i, raw);
    if filters.needs_agents() {
        // The whole session is parsed once to know who served it.
        let parsed: Vec<Message> = messages
            .iter()
            .enumerate()
            .map(parse)
            .collect::<Option<_>>()?;
        if filters.served_by_agent(parsed.iter()) {
            for message in parsed {
                search_message(message, config, &session, &mut found);
            }
        }
    } else {
        for (i, raw) in messages.iter().enumerate() {
            if may_match(i, raw) {
                search_message(parse((i, raw))?, config, &session, &mut found);
            }
        }
    }
    if found.messages > 0 && config.style.mode != Mode::Messages {
        output::push_session(&mut found.output, &config.style, &session, found.messages);
    }
    Some(found)
}

fn search_message(
    message: Message,
    config: &SearchConfig,
    session: &Session<'_>,
    found: &mut Found,
) {
    if !config.filters.message_passes(&message) {
        return;
    }
    let text = text::message_text(&message.elements);
    if let Some(m) = &config.matcher
        && !m.is_match(&text)
    {
        return;
    }
    found.messages += 1;
    if config.style.mode != Mode::Messages {
        return;
    }
    let matches = match &config.matcher {
        Some(m) if config.style.colour => m.find_all(&text),
        _ => Vec::new(),
    };
    let hit = Hit {
        index: message.index,
        timestamp_ms: message.timestamp_ms,
        role: message.role,
        account: &message.from_account,
        text: &text,
        matches: &matches,
    };
    output::push_hit(&mut found.output, &config.style, session, &hit);
}

/// An error and its causes on one line, for a warning.
fn with_causes(error: &Error) -> String {
    let mut line = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

/// Whether `dir` looks like an archive `search` can read: it has `data/records/`.
pub fn check_archive(dir: &Path) -> std::result::Result<(), String> {
    let records = dir.join("data").join("records");
    if records.is_dir() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    Err(format!(
        "`{}` is not an archive: it has no data/records/ folder",
        dir.display()
    ))
}

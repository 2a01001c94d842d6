//! `archive` and `fetch`: fetch every listed session (SPEC §2), capture its media (§8),
//! record each outcome in coverage.json, and (for `archive`) render the site.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::report::{Failed, SessionFailure, Summary};
use super::steps::{now_rfc3339, open_archive, render_site, write_bag};
use super::{Outcome, Output, remember};
use crate::bag;
use crate::config::{ArchiveConfig, Verbosity};
use crate::coverage::{Coverage, State};
use crate::error::Result;
use crate::fetch::{self, FetchEvent, SessionOutcome, SessionRequest};
use crate::progress::{Progress, timed};
use crate::state::RenderCache;
use crate::{fsutil, sessions};

/// What `archive` does after fetching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Then {
    /// `archive`: capture media and render the site.
    Render,
    /// `fetch`: capture media only; the last render's pages stay as they are.
    StopAfterFetch,
}

/// `archive` and `fetch`: fetch every listed session, capture media, then render (`then`).
pub(crate) fn archive(
    config: &ArchiveConfig,
    then: Then,
    output: Output,
    cancel: Arc<AtomicBool>,
) -> Result<Outcome> {
    let verbosity = output.verbosity;
    let started = Instant::now();
    let mut entries = sessions::read_sessions(&config.sessions)?;
    if let Some(shard) = config.shard {
        let listed = entries.len();
        entries.retain(|e| shard.contains(&e.session_id));
        if verbosity != Verbosity::Quiet {
            eprintln!(
                "desk-archive: shard {}/{}: {} of {listed} sessions",
                shard.index,
                shard.count,
                entries.len()
            );
        }
    }
    if entries.is_empty() {
        // A nightly job whose list is empty today did nothing wrong (SPEC §1).
        if output.verbosity != Verbosity::Quiet {
            eprintln!("desk-archive: the sessions file lists no SessionId: nothing to do");
        }
        Summary::default().print(
            Output {
                verbosity: Verbosity::Quiet,
                ..output
            },
            started,
            "archived",
        );
        return Ok(Outcome::default());
    }
    let command = match then {
        Then::Render => "archive",
        Then::StopAfterFetch => "fetch",
    };
    let mut archive = open_archive(&config.out, config.write, command)?;
    let data = archive.data.clone();
    let mut options = config.render.clone();
    if then == Then::Render {
        remember::announce(
            remember::apply(&config.out, &mut options, &config.said),
            output,
        );
    }
    let records_dir = data.join("records");
    fsutil::create_dir_all(&records_dir)?;
    let mut coverage = Coverage::load(&data)?.unwrap_or_default();
    if !config.include_erased {
        skip_erased(&mut entries, &coverage, output);
    }
    let held = if config.fetch.refresh {
        skip_held(&config.out, &mut entries, output)?
    } else {
        Vec::new()
    };
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
    // A record the hash cache vouches for is the one an earlier run found complete (or
    // wrote); any other is read to see that it is (SPEC §9).
    let cache = &archive.cache;
    // A session still going on when it was last fetched is fetched again (SPEC §7).
    let open = coverage.open_stems();
    let complete = |path: &std::path::Path| {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if open.contains(stem) {
            return false;
        }
        let trusted = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|name| {
                let meta = std::fs::metadata(path).ok()?;
                let rel = format!("data/records/{name}");
                cache.get(&rel, &crate::state::Stamp::of(&meta))
            })
            .is_some();
        trusted || crate::records::is_complete(path)
    };
    let into = fetch::Destination {
        records_dir: &records_dir,
        wal: archive.wal.clone(),
        complete: &complete,
    };
    let mut report = timed("fetch", || {
        fetch::fetch_into(&config.fetch, requests, &into, &on_event)
    })?;
    progress.finish();
    // Held sessions were not fetched again; their records are as complete as before.
    report.outcomes.extend(
        held.into_iter()
            .map(|id| (id, SessionOutcome::AlreadyComplete)),
    );
    let mut fetched = std::mem::take(&mut report.written);
    fetched.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let interrupted = cancel.load(std::sync::atomic::Ordering::Relaxed);
    let mut summary = Summary {
        stopped: report.stopped.clone().filter(|_| !interrupted),
        unreachable: report.unreachable.clone().filter(|_| !interrupted),
        interrupted,
        requests: report.requests,
        retries: report.retries,
        ..Summary::default()
    };
    record_outcomes(&mut coverage, &report.outcomes, &mut summary);
    let with_records: Vec<&str> = report
        .outcomes
        .iter()
        .filter(|(_, outcome)| {
            matches!(
                outcome,
                SessionOutcome::Archived { .. } | SessionOutcome::AlreadyComplete
            )
        })
        .map(|(id, _)| id.as_str())
        .collect();
    crate::media::capture_run(
        &config.media,
        &data,
        &with_records,
        &mut coverage,
        &cancel,
        &archive.wal,
    );
    // A signal during media capture ends it early: the run was interrupted all the same.
    summary.interrupted |= cancel.load(std::sync::atomic::Ordering::Relaxed);
    let mut search_files = Vec::new();
    // No render (`fetch`): the state file keeps the last render's index mark.
    let mut index = None;
    let sessions = if then == Then::Render {
        let cache = RenderCache {
            sessions: archive.earlier.take(),
            known: &archive.cache,
            imported: crate::state::Imported::default(),
        };
        let rendered = render_site(&options, &data, &coverage.missing(), verbosity, cache)?;
        summary.messages = rendered.messages;
        summary.unchanged = rendered.reused;
        search_files = rendered.search_files;
        index = rendered.index;
        summary.failures.extend(
            rendered
                .failures
                .iter()
                .map(|f| SessionFailure::file(&f.path, f.message.clone())),
        );
        rendered.rendered
    } else {
        // `fetch` renders nothing: the last render's entries stay as they are.
        match archive.earlier.take() {
            Some(earlier) => earlier,
            None => crate::state::SessionStore::new(&config.out)?,
        }
    };
    coverage.write(&data, &archive.wal)?;
    let known = bag::Known {
        sessions: &sessions,
        fetched: &fetched,
        written: &search_files,
        index,
    };
    let mut event = std::mem::take(&mut archive.audit);
    event.options = archive_options(config, &options, then);
    event.counts = [
        ("archived".to_owned(), summary.archived),
        ("skipped".to_owned(), summary.skipped),
        ("failed".to_owned(), summary.failures.len() as u64),
        ("pending".to_owned(), summary.pending),
        ("open".to_owned(), summary.open),
    ]
    .into();
    event.superseded = std::mem::take(&mut report.superseded);
    let remembered = (then == Then::Render).then_some(&options);
    write_bag(
        &config.out,
        &config.bag,
        coverage.counts(),
        &archive,
        known,
        event,
        remembered,
    )?;
    summary.print(output, started, "archived");
    Ok(Outcome {
        exit_code: summary.exit_code(),
    })
}

/// Drops the listed sessions that were erased (SPEC §14): never fetched again unless
/// `--include-erased`.
fn skip_erased(entries: &mut Vec<sessions::SessionEntry>, coverage: &Coverage, output: Output) {
    let listed = entries.len();
    entries.retain(|e| !coverage.is_erased(&e.session_id));
    let skipped = listed - entries.len();
    if skipped > 0 && output.verbosity != Verbosity::Quiet {
        eprintln!(
            "desk-archive: {skipped} listed session(s) were erased and are not fetched again \
             (--include-erased fetches them)"
        );
    }
}

/// With `--refresh`: takes out the listed sessions on legal hold that have a complete
/// record (held sessions are never fetched again, SPEC §9); returns them.
fn skip_held(
    out: &std::path::Path,
    entries: &mut Vec<sessions::SessionEntry>,
    output: Output,
) -> Result<Vec<String>> {
    let records = out.join("data").join("records");
    let archived: Vec<String> = entries
        .iter()
        .map(|e| e.session_id.clone())
        .filter(|id| crate::records::is_complete(&crate::records::record_path(&records, id)))
        .collect();
    let held = super::hold::held_ids(out, &archived)?;
    if held.is_empty() {
        return Ok(held);
    }
    entries.retain(|e| !held.contains(&e.session_id));
    if output.verbosity != Verbosity::Quiet {
        eprintln!(
            "desk-archive: {} session(s) on legal hold are not fetched again (--refresh skips \
             them): {}",
            held.len(),
            held.join(", ")
        );
    }
    Ok(held)
}

/// The options of a fetch, for the audit log (never a credential).
fn archive_options(
    config: &ArchiveConfig,
    render: &crate::render::RenderOptions,
    then: Then,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut options = match then {
        Then::Render => super::render::page_options(render),
        Then::StopAfterFetch => Default::default(),
    };
    options.insert("sessions".into(), config.sessions.clone().into());
    options.insert("sdkappid".into(), config.fetch.sdkappid.into());
    options.insert("refresh".into(), config.fetch.refresh.into());
    options.insert("media".into(), config.media.enabled.into());
    if config.include_erased {
        options.insert("include_erased".into(), true.into());
    }
    options
}

/// Records each session's outcome in coverage.json and the summary.
pub(super) fn record_outcomes(
    coverage: &mut Coverage,
    outcomes: &[(String, SessionOutcome)],
    summary: &mut Summary,
) {
    let now = now_rfc3339();
    for (id, outcome) in outcomes {
        match outcome {
            SessionOutcome::Archived { messages, open, .. } => {
                summary.archived += 1;
                // `archive` replaces this with the rendered total; `fetch` reports these.
                summary.messages += messages;
                if *open {
                    summary.open += 1;
                    coverage.set(id, State::Open, None, &now);
                } else {
                    coverage.set_archived(id, &now);
                }
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

//! `listen` (SPEC §10): the daemon of [`crate::listen`], with the write phases it hands
//! over — each one takes the archive's lock, folds the journal into coverage.json, fetches
//! the sessions that are due (with media), renders when asked, writes the bag, cuts the
//! journal, and lets go of the lock — the steps of `archive`, taken per phase.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::archive::record_outcomes;
use super::report::Summary;
use super::steps::{OpenArchive, now_rfc3339, open_archive, render_site, write_bag};
use super::{Outcome, Output, remember};
use crate::config::{ListenConfig, Verbosity, WriteAccess};
use crate::coverage::Coverage;
use crate::error::{Error, Result};
use crate::fetch::{self, FetchEvent, FetchReport, SessionOutcome, SessionRequest};
use crate::listen::fold::{self, KeyMemory};
use crate::listen::journal::Journal;
use crate::listen::{Done, Phase, PhaseReport, Stop, Writer};
use crate::state::{RenderCache, SessionStore};
use crate::{bag, fsutil};

/// Longest a phase waits for another writer before trying again later: short, so that
/// SIGTERM is not held up by a backfill.
const PHASE_LOCK_WAIT: Duration = Duration::from_secs(5);

/// `listen --out DIR`: runs until SIGTERM or Ctrl-C (`stop`), then exits 0.
pub(crate) fn listen(
    config: ListenConfig,
    output: Output,
    stop: Arc<AtomicBool>,
) -> Result<Outcome> {
    let data = config.out.join("data");
    std::fs::create_dir_all(&data).map_err(|e| {
        Error::Usage(format!(
            "cannot create the archive directory `{}`: {e}",
            config.out.display()
        ))
    })?;
    // Numbering goes on from the last event coverage.json holds, so that events folded
    // and cut before a restart are never taken for new ones.
    let next_seq = Coverage::load(&data)
        .ok()
        .flatten()
        .map_or(0, |c| c.max_journal_seq())
        + 1;
    let journal = Journal::open(&config.out, next_seq)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("desk-archive-listen")
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the async runtime: {e}")))?;
    let settings = config.listen.clone();
    let writer = Phases {
        handle: runtime.handle().clone(),
        memory: KeyMemory::default(),
        stop: stop.clone(),
        output,
        announced: false,
        config,
    };
    crate::listen::serve(&runtime, settings, journal, Box::new(writer), stop)?;
    Ok(Outcome::default())
}

/// The write phases of one listener.
struct Phases {
    config: ListenConfig,
    /// The listener's runtime, on which fetches run.
    handle: tokio::runtime::Handle,
    /// MsgKeys already counted, per session.
    memory: KeyMemory,
    /// Set by SIGTERM or Ctrl-C: a fetch under way stops.
    stop: Arc<AtomicBool>,
    output: Output,
    /// The remembered render options were announced.
    announced: bool,
}

impl Writer for Phases {
    fn phase(&mut self, phase: &Phase, journal: &Journal) -> PhaseReport {
        match self.try_phase(phase, journal) {
            Ok(report) => report,
            Err(e) => PhaseReport::failed(phase, stop_for(&e)),
        }
    }
}

/// Sessions of a phase and what became of them, for the schedule.
type Outcomes = Vec<(String, Done)>;

/// What a phase's render left for the bag.
struct Rendered {
    /// The rendered sessions (the state file's).
    sessions: SessionStore,
    /// Other files it wrote (the search index), by bag-relative path, sorted.
    search_files: Vec<(String, crate::digest::FileDigests)>,
    /// The mark of the index pages it left.
    index: Option<crate::state::IndexMark>,
    /// The options it rendered with.
    options: crate::render::RenderOptions,
    /// How long it took.
    seconds: f64,
}

/// How a phase's error pauses the listener.
fn stop_for(error: &Error) -> Stop {
    match error {
        Error::Changed(message) => Stop::Changed(message.clone()),
        Error::Locked { .. } => Stop::Locked(error.to_string()),
        other => Stop::Failed(crate::error::one_line(other)),
    }
}

impl Phases {
    fn try_phase(&mut self, phase: &Phase, journal: &Journal) -> Result<PhaseReport> {
        let out = self.config.out.clone();
        let access = WriteAccess {
            lock_wait: self.config.write.lock_wait.min(PHASE_LOCK_WAIT),
            ..self.config.write
        };
        let mut archive = open_archive(&out, access, "listen")?;
        let data = archive.data.clone();
        let (events, upto) = journal.snapshot()?;
        let mut coverage = Coverage::load(&data)?.unwrap_or_default();
        let folded = fold::fold(&mut coverage, &events, &mut self.memory, &now_rfc3339());
        self.memory
            .forget(Instant::now(), crate::listen::fold::REMEMBER_KEYS);
        let mut report = PhaseReport::default();
        if phase.recover {
            report.resumed = resumed(&coverage);
            if !report.resumed.is_empty() {
                tracing::info!(
                    "{} session(s) pending from before; {} event(s) in the journal",
                    report.resumed.len(),
                    events.len()
                );
            }
        }
        let mut fetched = Vec::new();
        let mut superseded = Vec::new();
        let mut summary = Summary::default();
        let (to_fetch, left_alone) = self.skip_erased_and_held(&coverage, &phase.fetch)?;
        report.outcomes = left_alone;
        if !to_fetch.is_empty() {
            let mut fetch = self.fetch(&archive, &to_fetch)?;
            fetched = std::mem::take(&mut fetch.written);
            fetched.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            superseded = std::mem::take(&mut fetch.superseded);
            record_outcomes(&mut coverage, &fetch.outcomes, &mut summary);
            self.check_and_capture(&archive, &mut coverage, &fetch.outcomes);
            report.outcomes.extend(outcomes(&fetch.outcomes));
            report.stop = self.fetch_stop(&fetch);
            report.requests = fetch.requests;
            report.retries = fetch.retries;
        }
        let (sessions, options, search_files, index) = if phase.render {
            let rendered = self.render(&mut archive, &coverage)?;
            report.render_seconds = Some(rendered.seconds);
            (
                rendered.sessions,
                Some(rendered.options),
                rendered.search_files,
                rendered.index,
            )
        } else {
            let store = match archive.earlier.take() {
                Some(earlier) => earlier,
                None => SessionStore::new(&out)?,
            };
            (store, None, Vec::new(), None)
        };
        coverage.write(&data, &archive.wal)?;
        report.counts = coverage.counts();
        let mut event = std::mem::take(&mut archive.audit);
        event.options = self.audit_options(options.as_ref());
        event.counts = [
            ("events".to_owned(), events.len() as u64),
            ("sessions_reported".to_owned(), folded.len() as u64),
            ("archived".to_owned(), summary.archived),
            ("failed".to_owned(), summary.failures.len() as u64),
            ("pending".to_owned(), summary.pending),
        ]
        .into();
        event.superseded = superseded;
        let known = bag::Known {
            sessions: &sessions,
            fetched: &fetched,
            written: &search_files,
            index,
        };
        write_bag(
            &out,
            &self.config.bag,
            coverage.counts(),
            &archive,
            known,
            event,
            options.as_ref(),
        )?;
        // Its events are in a coverage.json the manifests now cover (SPEC §10).
        journal.truncate(upto)?;
        // Writers may go on while the site is uploaded under the shared lock.
        drop(archive);
        if report.render_seconds.is_some()
            && let Some(publish) = &self.config.publish
        {
            self.publish(publish);
        }
        Ok(report)
    }

    /// Publishes the site after a render (`--publish-to`); a failure is logged and the
    /// next render publishes again (uploads are incremental).
    fn publish(&self, config: &crate::publish::PublishConfig) {
        let wait = config.lock_wait.min(PHASE_LOCK_WAIT);
        let lock = crate::lock::ArchiveLock::take(&config.dir, crate::lock::Mode::Shared, wait);
        let _lock = match lock {
            Ok(lock) => lock,
            Err(e) => {
                tracing::warn!("not published this time: {e}");
                return;
            }
        };
        let on_event = |event: crate::publish::Event| {
            if let crate::publish::Event::Warning(w) = event {
                tracing::warn!("publish: {w}");
            }
        };
        let started = Instant::now();
        match crate::publish::run(config, &self.stop, &on_event) {
            Ok(report) => {
                tracing::info!(
                    "published to {}: {} uploaded, {} unchanged, {} failed, in {:.2} s",
                    config.target.url,
                    report.uploaded,
                    report.unchanged,
                    report.failed.len(),
                    started.elapsed().as_secs_f64()
                );
                for failure in &report.failed {
                    tracing::warn!("publish: `{}`: {}", failure.key, failure.reason);
                }
            }
            Err(e) => tracing::warn!(
                "publishing to {} failed: {}",
                config.target.url,
                crate::error::one_line(&e)
            ),
        }
    }

    /// Splits the sessions due into those to fetch and those left alone, as `archive` does
    /// (SPEC §9, §14): erased sessions (unless `--include-erased`) and sessions on legal
    /// hold that have a complete record (never fetched again). The schedule takes the
    /// latter as done, so they wait for a new event, which is left alone in turn.
    fn skip_erased_and_held(
        &self,
        coverage: &Coverage,
        due: &[String],
    ) -> Result<(Vec<String>, Outcomes)> {
        let (erased, rest): (Vec<String>, Vec<String>) = due
            .iter()
            .cloned()
            .partition(|id| !self.config.include_erased && coverage.is_erased(id));
        let data = self.config.out.join("data");
        // Without holds no record need be read (a phase may take thousands of sessions).
        let held = if crate::lifecycle::hold::Holds::load(&data)?.is_empty() {
            Vec::new()
        } else {
            let records = data.join("records");
            let archived: Vec<String> = rest
                .iter()
                .filter(|id| {
                    crate::records::is_complete(&crate::records::record_path(&records, id))
                })
                .cloned()
                .collect();
            super::hold::held_ids(&self.config.out, &archived)?
        };
        if !erased.is_empty() {
            tracing::info!(
                "{} erased session(s) reported by callbacks are not fetched again (--include-erased fetches them)",
                erased.len()
            );
        }
        if !held.is_empty() {
            tracing::info!(
                "{} session(s) on legal hold are not fetched again: {}",
                held.len(),
                held.join(", ")
            );
        }
        let to_fetch = rest.into_iter().filter(|id| !held.contains(id)).collect();
        let left_alone = erased
            .into_iter()
            .chain(held)
            .map(|id| (id, Done::Archived))
            .collect();
        Ok((to_fetch, left_alone))
    }

    /// Fetches `ids` on the listener's runtime, through the phase's write-ahead list.
    fn fetch(&self, archive: &OpenArchive, ids: &[String]) -> Result<FetchReport> {
        let records_dir = archive.data.join("records");
        fsutil::create_dir_all(&records_dir)?;
        let mut settings = self.config.fetch.clone();
        // A session is fetched again when events arrive after a fetch (SPEC §10); a record
        // whose messages are unchanged is not rewritten.
        settings.refresh = true;
        settings.cancel = Some(self.stop.clone());
        let requests = ids
            .iter()
            .map(|id| SessionRequest {
                session_id: id.clone(),
                metadata: Default::default(),
            })
            .collect();
        let into = fetch::Destination {
            records_dir: &records_dir,
            wal: archive.wal.clone(),
            complete: &crate::records::is_complete,
        };
        let on_event = |event: FetchEvent| {
            if let FetchEvent::Warning(w) = event {
                tracing::warn!("{w}");
            }
        };
        let started = Instant::now();
        let report = fetch::fetch_into_on(&self.handle, &settings, requests, &into, &on_event)?;
        log_fetch(&report, started.elapsed());
        Ok(report)
    }

    /// Flags transcripts shorter than the callbacks reported, and captures media.
    fn check_and_capture(
        &self,
        archive: &OpenArchive,
        coverage: &mut Coverage,
        outcomes: &[(String, SessionOutcome)],
    ) {
        let mut with_records = Vec::new();
        for (id, outcome) in outcomes {
            if let SessionOutcome::Archived { messages, .. } = outcome {
                coverage.check_transcript(id, *messages);
                if let Some(m) = coverage.get(id).and_then(|e| e.callback_messages) {
                    tracing::warn!(
                        "session `{id}`: transcript shorter than the callbacks reported: {messages} < {m}"
                    );
                }
                with_records.push(id.as_str());
            }
        }
        crate::media::capture_run(
            &self.config.media,
            &archive.data,
            &with_records,
            coverage,
            &self.stop,
            &archive.wal,
        );
    }

    /// Why fetching should pause after this batch, if it should.
    fn fetch_stop(&self, report: &FetchReport) -> Option<Stop> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        if let Some(unreachable) = &report.unreachable {
            return Some(Stop::Unreachable(unreachable.reason.clone()));
        }
        report.stopped.clone().map(Stop::Rejected)
    }

    /// Renders incrementally with the options the archive remembers.
    fn render(&mut self, archive: &mut OpenArchive, coverage: &Coverage) -> Result<Rendered> {
        let mut options = self.config.render.clone();
        let notes = remember::apply(&self.config.out, &mut options, &self.config.said);
        if !self.announced {
            remember::announce(notes, self.output);
            self.announced = true;
        }
        let cache = RenderCache {
            sessions: archive.earlier.take(),
            known: &archive.cache,
            imported: crate::state::Imported::default(),
        };
        let started = Instant::now();
        let rendered = render_site(
            &options,
            &archive.data,
            &coverage.missing(),
            Verbosity::Quiet,
            cache,
        )?;
        let seconds = started.elapsed().as_secs_f64();
        for failure in &rendered.failures {
            tracing::warn!("`{}`: {}", failure.path.display(), failure.message);
        }
        tracing::info!(
            "rendered {} session(s) ({} unchanged, {} messages) in {seconds:.2} s",
            rendered.sessions,
            rendered.reused,
            rendered.messages
        );
        Ok(Rendered {
            sessions: rendered.rendered,
            search_files: rendered.search_files,
            index: rendered.index,
            options,
            seconds,
        })
    }

    /// The options of a phase, for the audit log (never a credential).
    fn audit_options(
        &self,
        render: Option<&crate::render::RenderOptions>,
    ) -> std::collections::BTreeMap<String, serde_json::Value> {
        let mut options = render.map(super::render::page_options).unwrap_or_default();
        options.insert("sdkappid".into(), self.config.fetch.sdkappid.into());
        options.insert("media".into(), self.config.media.enabled.into());
        if self.config.include_erased {
            options.insert("include_erased".into(), true.into());
        }
        options
    }
}

/// The schedule's view of each outcome.
fn outcomes(outcomes: &[(String, SessionOutcome)]) -> Vec<(String, Done)> {
    outcomes
        .iter()
        .map(|(id, outcome)| {
            let done = match outcome {
                SessionOutcome::Archived { .. } | SessionOutcome::AlreadyComplete => Done::Archived,
                SessionOutcome::Failed { .. } | SessionOutcome::NotFound { .. } => Done::Failed,
                SessionOutcome::Pending => Done::NotFetched,
            };
            (id.clone(), done)
        })
        .collect()
}

/// One info line per fetch batch.
fn log_fetch(report: &FetchReport, took: Duration) {
    let count =
        |f: fn(&SessionOutcome) -> bool| report.outcomes.iter().filter(|(_, o)| f(o)).count();
    let archived = count(|o| matches!(o, SessionOutcome::Archived { .. }));
    let failed = count(|o| {
        matches!(
            o,
            SessionOutcome::Failed { .. } | SessionOutcome::NotFound { .. }
        )
    });
    let pending = count(|o| matches!(o, SessionOutcome::Pending));
    tracing::info!(
        "fetched {} session(s): {archived} archived, {failed} failed, {pending} not fetched; {} request(s), {} retried, in {:.2} s",
        report.outcomes.len(),
        report.requests,
        report.retries,
        took.as_secs_f64()
    );
}

/// Pending sessions of coverage.json that callbacks reported, and how long ago their last
/// event was.
fn resumed(coverage: &Coverage) -> Vec<(String, Duration)> {
    let now = chrono::Utc::now();
    coverage
        .pending_from_callbacks()
        .into_iter()
        .map(|(id, last)| {
            let ago = chrono::DateTime::parse_from_rfc3339(&last)
                .ok()
                .and_then(|t| (now - t.with_timezone(&chrono::Utc)).to_std().ok())
                .unwrap_or(Duration::ZERO);
            (id, ago)
        })
        .collect()
}

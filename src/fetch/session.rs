//! One session: its pages, fetched one after another with retries, until the transcript
//! is complete (SPEC §2 paging rule), then written as a record.

use std::sync::Arc;
use std::time::Duration;

use serde_json::value::RawValue;

use super::client::Reply;
use super::control::Stopped;
use super::retry::{Action, classify};
use super::run::Shared;
use super::wire::{Answer, PAGE_LIMIT, Page};
use super::{FetchEvent, SessionOutcome, SessionRequest};
use crate::records::Record;

/// How often one session may start over (early empty page, shrinking TotalCount).
const MAX_RESTARTS: u32 = 2;

/// Why a session ended without a complete transcript.
#[derive(Debug)]
enum Unfinished {
    Stopped,
    Failed {
        error_code: Option<i64>,
        reason: String,
    },
    NotFound(String),
}

impl From<Stopped> for Unfinished {
    fn from(_: Stopped) -> Self {
        Unfinished::Stopped
    }
}

/// Every message of a session, and whether it grew meanwhile (first and last TotalCount).
struct Transcript {
    messages: Vec<Box<RawValue>>,
    first_total: u64,
    last_total: u64,
}

/// The end of one pass over the pages.
enum Pass {
    Complete(Transcript),
    Restart(String),
}

/// Pages one pass may take beyond what TotalCount needs (SPEC §9): a server that ignores
/// Offset (a proxy that drops it) would otherwise be paged for ever, memory growing.
const SPARE_PAGES: u64 = 3;

/// The error when a pass takes more pages than `ceil(total / PAGE_LIMIT) + SPARE_PAGES`.
fn too_many_pages(pages: u64, total: u64) -> Option<Unfinished> {
    let allowed = total.div_ceil(PAGE_LIMIT) + SPARE_PAGES;
    (pages > allowed).then(|| Unfinished::Failed {
        error_code: None,
        reason: format!(
            "the server does not honour Offset: {pages} pages of {PAGE_LIMIT} for TotalCount {total}"
        ),
    })
}

/// What fetching one session's pages came to.
pub(crate) enum Fetched {
    /// Every message is in: the record still has to be written.
    Complete(CompleteSession),
    /// The session ended without a transcript (failed, not found, or the run stopped).
    Ended(SessionOutcome),
}

/// A session whose pages are all in, waiting to be written.
pub(crate) struct CompleteSession {
    request: SessionRequest,
    transcript: Transcript,
}

/// Fetches every page of one session (its record is written by [`CompleteSession::write`]).
pub(crate) async fn fetch_pages(shared: &Shared, request: SessionRequest) -> Fetched {
    let outcome = match collect(shared, &request.session_id).await {
        Ok(transcript) => {
            return Fetched::Complete(CompleteSession {
                request,
                transcript,
            });
        }
        Err(Unfinished::Stopped) => SessionOutcome::Pending,
        Err(Unfinished::NotFound(info)) => SessionOutcome::NotFound {
            error_info: shared.scrub(&info),
        },
        Err(Unfinished::Failed { error_code, reason }) => SessionOutcome::Failed {
            error_code,
            reason: shared.scrub(&reason),
        },
    };
    Fetched::Ended(outcome)
}

/// Passes over the pages until one completes, restarting at most [`MAX_RESTARTS`] times.
async fn collect(shared: &Shared, id: &str) -> Result<Transcript, Unfinished> {
    let mut restarts = 0;
    loop {
        match one_pass(shared, id).await? {
            Pass::Complete(transcript) => return Ok(transcript),
            Pass::Restart(why) if restarts < MAX_RESTARTS => {
                restarts += 1;
                shared.retry_event(id, format!("{why}; starting the session over"));
            }
            Pass::Restart(why) => {
                let reason = format!("{why} (after {MAX_RESTARTS} restarts)");
                return Err(Unfinished::Failed {
                    error_code: None,
                    reason,
                });
            }
        }
    }
}

/// Pages from Offset 0 with Offset = messages held, until a page comes back short and
/// the messages held reach the latest TotalCount; fails when the pages outrun TotalCount.
async fn one_pass(shared: &Shared, id: &str) -> Result<Pass, Unfinished> {
    let mut messages: Vec<Box<RawValue>> = Vec::new();
    let mut totals: Option<(u64, u64)> = None;
    let mut pages = 0u64;
    loop {
        let offset = messages.len() as u64;
        let page = fetch_page(shared, id, offset).await?;
        pages += 1;
        if let Some(failed) = too_many_pages(pages, page.total_count) {
            return Err(failed);
        }
        let count = page.messages.len() as u64;
        if let Some((_, last)) = totals
            && page.total_count < last
        {
            return Ok(Pass::Restart(format!(
                "TotalCount shrank from {last} to {}",
                page.total_count
            )));
        }
        if count == 0 && offset < page.total_count {
            let total = page.total_count;
            return Ok(Pass::Restart(format!(
                "empty page at Offset {offset} of TotalCount {total}"
            )));
        }
        let first = totals.map_or(page.total_count, |(first, _)| first);
        totals = Some((first, page.total_count));
        messages.extend(page.messages);
        if count < PAGE_LIMIT && messages.len() as u64 >= page.total_count {
            let transcript = Transcript {
                messages,
                first_total: first,
                last_total: page.total_count,
            };
            return Ok(Pass::Complete(transcript));
        }
    }
}

/// What to do after one answer.
enum Step {
    Done(Page),
    Stop(String),
    Fail(Unfinished),
    Renew(u64),
    Wait { reason: String, delay: Duration },
}

/// One page, retried until it arrives, fails the session, or stops the run.
async fn fetch_page(shared: &Shared, id: &str, offset: u64) -> Result<Page, Unfinished> {
    let mut retries = 0;
    let mut renewed = false;
    loop {
        let probe = shared.control.admit().await?;
        let reply = shared.send(id, offset).await?;
        // Only an answer opens the gate: after a timeout the credentials are still untested.
        let answered = reply.answer.is_response();
        if let Answer::NoConnection(cause) = &reply.answer {
            check_reachable(shared, cause, probe.is_some())?;
        } else {
            shared.breaker.record(true);
        }
        let step = decide(shared, reply, &mut retries, renewed);
        if let Step::Stop(reason) = &step {
            // Stop before the probe is released, so that no waiting request slips out.
            shared.control.stop(shared.scrub(reason));
            return Err(Unfinished::Stopped);
        }
        if let Some(probe) = probe
            && answered
        {
            probe.open();
        }
        match step {
            Step::Done(page) => return Ok(page),
            Step::Stop(_) => return Err(Unfinished::Stopped),
            Step::Fail(unfinished) => return Err(unfinished),
            Step::Renew(generation) => {
                renewed = true;
                shared.client.renew(generation);
                shared.retry_event(id, "UserSig expired; renewed it".to_owned());
            }
            Step::Wait { reason, delay } => {
                shared.retry_event(id, reason);
                shared.sleep(delay).await?;
            }
        }
    }
}

/// After a request that could not connect: stops the run when it was the first one (no
/// request has been answered yet: exit 4), or when the circuit breaker trips (SPEC §9).
fn check_reachable(shared: &Shared, cause: &str, first: bool) -> Result<(), Unfinished> {
    let host = shared.client.endpoint_host();
    let cause = cause.strip_prefix("cannot connect: ").unwrap_or(cause);
    if first {
        let reason = format!("cannot connect to the API at {host}: {cause}");
        shared.control.stop_unreachable(shared.scrub(&reason), true);
        return Err(Unfinished::Stopped);
    }
    if shared.breaker.record(false) {
        let (failures, age) = shared.breaker.streak();
        let reason = format!(
            "the API became unreachable: the last {failures} requests over {:.0} s could not connect to {host} ({cause})",
            age.as_secs_f64()
        );
        shared
            .control
            .stop_unreachable(shared.scrub(&reason), false);
        return Err(Unfinished::Stopped);
    }
    Ok(())
}

/// The action table applied to one reply, counting retries.
fn decide(shared: &Shared, reply: Reply, retries: &mut u32, renewed: bool) -> Step {
    let action = classify(&reply.answer);
    let what = describe(&reply.answer);
    match (action, reply.answer) {
        (Action::Accept, Answer::Page(page)) => Step::Done(page),
        (Action::StopRun, answer) => Step::Stop(stop_reason(&answer, &what)),
        (Action::FailSession, Answer::ApiError { code: 141010, info }) => {
            Step::Fail(Unfinished::NotFound(info))
        }
        (Action::FailSession, answer) => Step::Fail(Unfinished::Failed {
            error_code: code_of(&answer),
            reason: what,
        }),
        (Action::Renew, _) if !shared.client.can_renew() => Step::Stop(format!(
            "the UserSig given with --usersig has expired or was revoked ({what}): \
             give a fresh one, or the secret key so that desk-archive can make its own"
        )),
        (Action::Renew, _) if renewed => Step::Stop(format!(
            "the API rejects a freshly generated UserSig as expired ({what}): \
             check the system clock and the secret key"
        )),
        (Action::Renew, _) => Step::Renew(reply.generation),
        (action, answer) => {
            let limit = if action == Action::RetryUnknown {
                shared.retries.min(3)
            } else {
                shared.retries
            };
            if *retries >= limit {
                if matches!(answer, Answer::NoConnection(_)) && shared.breaker.failing() {
                    // Every request lately failed to connect: the breaker decides (the
                    // session then stays pending), or a connection resets it.
                    let delay = shared.backoff.delay(*retries, reply.retry_after);
                    return Step::Wait {
                        reason: format!("{what}; the API looks unreachable, waiting"),
                        delay,
                    };
                }
                let reason = format!("{what} (gave up after {limit} retries)");
                return Step::Fail(Unfinished::Failed {
                    error_code: code_of(&answer),
                    reason,
                });
            }
            *retries += 1;
            let delay = shared.backoff.delay(*retries, reply.retry_after);
            Step::Wait {
                reason: format!(
                    "{what}; retry {}/{limit} in {:.1} s",
                    *retries,
                    delay.as_secs_f64()
                ),
                delay,
            }
        }
    }
}

/// The answer in a few words: ErrorCode and ErrorInfo, HTTP status, or transport error.
fn describe(answer: &Answer) -> String {
    match answer {
        Answer::Page(_) => "a page".to_owned(),
        Answer::ApiError { code, info } if info.is_empty() => format!("ErrorCode {code}"),
        Answer::ApiError { code, info } => format!("ErrorCode {code}: {info}"),
        Answer::Http { status, .. } => format!("HTTP {status}"),
        Answer::NoConnection(text) | Answer::Transport(text) | Answer::BadBody(text) => {
            text.clone()
        }
    }
}

/// Why the run stops, with a hint where the answer suggests one.
fn stop_reason(answer: &Answer, what: &str) -> String {
    match answer {
        Answer::Http { .. } => {
            format!("the endpoint answered {what}: check --endpoint and --region")
        }
        Answer::ApiError { code: 141000, .. } => {
            format!("the API refused the application ({what}): is it a Desk application?")
        }
        _ => format!("the API rejected the credentials or the application ({what})"),
    }
}

fn code_of(answer: &Answer) -> Option<i64> {
    match answer {
        Answer::ApiError { code, .. } => Some(*code),
        _ => None,
    }
}

impl CompleteSession {
    /// Writes the record, durably (off the async threads: it syncs to disk). Only then
    /// does the session count as archived.
    pub(crate) async fn write(self, shared: &Arc<Shared>) -> SessionOutcome {
        let CompleteSession {
            request,
            transcript,
        } = self;
        let id = request.session_id;
        let count = transcript.messages.len() as u64;
        let grew = transcript.last_total > transcript.first_total;
        let now = chrono::Utc::now();
        let open = crate::model::open::was_open(
            &transcript.messages,
            now.timestamp_millis(),
            shared.settle,
        );
        let record = Record {
            session_id: id.clone(),
            total_count: count,
            messages: transcript.messages,
            fetched_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            metadata: request.metadata,
        };
        let writer = shared.clone();
        let written = tokio::task::spawn_blocking(move || writer.records.write(&record)).await;
        let failure = match written {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(crate::error::one_line(&e)),
            Err(e) => Some(format!("writing the record failed: {e}")),
        };
        if let Some(reason) = failure {
            return SessionOutcome::Failed {
                error_code: None,
                reason,
            };
        }
        if grew {
            let (from, to) = (transcript.first_total, transcript.last_total);
            shared.event(FetchEvent::Warning(format!(
                "session `{id}` grew from {from} to {to} messages while it was fetched; archived {count}"
            )));
        }
        shared.event(FetchEvent::RecordWritten {
            session_id: id,
            messages: count,
        });
        SessionOutcome::Archived {
            messages: count,
            grew,
            open,
        }
    }
}

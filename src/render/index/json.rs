//! `stats.json` (SPEC §5): every session's figures and the archive totals, streamed one
//! session at a time. The schema is `docs/stats.schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use crate::records::stem;
use crate::render::format::rfc3339_utc;
use crate::render::{MissingSession, SessionSummary};
use crate::stats::{
    AgentTotals, ElementCounts, Participants, ResponseTimes, RoleCounts, SessionStats, Totals,
};

/// One entry of `"sessions"`. Field order is the documented one.
#[derive(Serialize)]
struct SessionJson<'a> {
    session_id: &'a str,
    stem: &'a str,
    page: String,
    markdown_page: Option<String>,
    record: String,
    messages: &'a RoleCounts,
    first_message_ms: Option<i64>,
    last_message_ms: Option<i64>,
    duration_ms: Option<i64>,
    first_response_ms: Option<i64>,
    first_message_at: Option<String>,
    last_message_at: Option<String>,
    responses: &'a ResponseTimes,
    longest_wait_ms: Option<i64>,
    unanswered_customer_messages: u64,
    system_events: u64,
    status: &'static str,
    open: bool,
    characters: &'a RoleCounts,
    elements: &'a ElementCounts,
    participants: &'a Participants,
    media: Option<crate::coverage::MediaCounts>,
}

/// `"totals"`: the [`Totals`] plus what only the site knows.
#[derive(Serialize)]
struct TotalsJson<'a> {
    #[serde(flatten)]
    totals: &'a Totals,
    first_message_at: Option<String>,
    last_message_at: Option<String>,
    timezone: &'a str,
    open_sessions: u64,
    not_archived: NotArchived,
    per_agent: Vec<AgentJson<'a>>,
}

#[derive(Serialize)]
struct AgentJson<'a> {
    #[serde(flatten)]
    agent: &'a AgentTotals,
    page: String,
}

#[derive(Serialize, Default)]
struct NotArchived {
    failed: u64,
    not_found: u64,
    pending: u64,
}

#[derive(Serialize)]
struct MissingJson<'a> {
    session_id: &'a str,
    state: &'a str,
    error_code: Option<i64>,
    reason: &'a str,
}

/// A session's status word in `stats.json` and the index's CSS classes: `answered`,
/// `unanswered` (the customer wrote and no agent ever replied), `waiting` (agents replied,
/// but the session ends with customer messages nobody answered — often a closing "thanks"
/// or a rating), `no-customer` (no customer message) or `empty` (no message at all).
pub fn status_key(s: &SessionStats) -> &'static str {
    if s.messages.total == 0 {
        "empty"
    } else if s.is_unanswered() {
        "unanswered"
    } else if s.ends_unanswered() {
        "waiting"
    } else if s.messages.customer == 0 {
        "no-customer"
    } else {
        "answered"
    }
}

/// The sessions coverage.json gives a state other than archived.
#[derive(Clone, Copy)]
pub struct Lists<'a> {
    /// Sessions without a record (failed, not found, pending), sorted by SessionId.
    pub missing: &'a [&'a MissingSession],
    /// SessionIds of the sessions still going on when fetched, sorted.
    pub open: &'a [&'a str],
}

/// Writes `stats.json`: `sessions` (in the order given: the caller sorts by SessionId),
/// then `totals`, then `not_archived` (sessions without a record).
pub fn write_stats_json(
    out: &mut impl Write,
    sessions: impl Iterator<Item = io::Result<SessionSummary>>,
    lists: Lists<'_>,
    totals: &Totals,
    timezone: &str,
    markdown_pages: bool,
) -> io::Result<()> {
    let missing = lists.missing;
    out.write_all(b"{\"sessions\": [")?;
    for (i, s) in sessions.enumerate() {
        if i > 0 {
            out.write_all(b",\n  ")?;
        }
        let s = s?;
        let open = lists.open.binary_search(&s.session_id.as_str()).is_ok();
        write_value(out, &session_json(&s, markdown_pages, open))?;
    }
    out.write_all(b"],\n \"totals\": ")?;
    let mut not_archived = NotArchived::default();
    for m in missing {
        match m.state.as_str() {
            "failed" => not_archived.failed += 1,
            "pending" => not_archived.pending += 1,
            _ => not_archived.not_found += 1,
        }
    }
    let totals_json = TotalsJson {
        totals,
        first_message_at: totals.first_message_ms.and_then(rfc3339_utc),
        last_message_at: totals.last_message_ms.and_then(rfc3339_utc),
        timezone,
        open_sessions: lists.open.len() as u64,
        not_archived,
        per_agent: totals
            .per_agent
            .iter()
            .map(|agent| AgentJson {
                agent,
                page: format!("agents/{}.html", stem(&agent.account)),
            })
            .collect(),
    };
    write_value(out, &totals_json)?;
    out.write_all(b",\n \"not_archived\": [")?;
    for (i, m) in missing.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n  ")?;
        }
        let entry = MissingJson {
            session_id: &m.session_id,
            state: &m.state,
            error_code: m.error_code,
            reason: &m.reason,
        };
        write_value(out, &entry)?;
    }
    out.write_all(b"]}\n")
}

/// Writes one value on one line in the spelling of SPEC §5: `{"a": 1, "b": [1, 2]}`.
fn write_value(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, SpecFormatter);
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// serde_json's compact output with a space after `:` and `,`.
struct SpecFormatter;

impl serde_json::ser::Formatter for SpecFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

fn session_json(s: &SessionSummary, markdown_pages: bool, open: bool) -> SessionJson<'_> {
    let st = &s.stats;
    SessionJson {
        session_id: &s.session_id,
        stem: &s.stem,
        page: format!("sessions/{}.html", s.stem),
        markdown_page: markdown_pages.then(|| format!("sessions/{}.md", s.stem)),
        record: format!("records/{}.json", s.stem),
        messages: &st.messages,
        first_message_ms: st.first_message_ms,
        last_message_ms: st.last_message_ms,
        duration_ms: st.duration_ms,
        first_response_ms: st.first_response_ms,
        first_message_at: st.first_message_ms.and_then(rfc3339_utc),
        last_message_at: st.last_message_ms.and_then(rfc3339_utc),
        responses: &st.responses,
        longest_wait_ms: st.longest_wait_ms,
        unanswered_customer_messages: st.unanswered_customer_messages,
        system_events: st.system_events,
        status: status_key(st),
        open,
        characters: &st.characters,
        elements: &st.elements,
        participants: &st.participants,
        media: s.media,
    }
}

//! `index-rows.js`: every row of the index (all sessions, newest first, then those without
//! a record) as compact JSON, so that `index.js` can sort and filter the whole archive, not
//! only the page at hand (at 100,000 sessions the index has 20 pages). Without
//! JavaScript the paginated tables stay as they are.
//!
//! A script rather than a `.json` file, because browsers do not let a page opened from a
//! file fetch one; it calls `deskIndexRows(data)`, which `index.js` defines before it adds
//! the script to the page. Written streamed, one row a line:
//!
//! ```text
//! deskIndexRows({"format":"desk-archive-index-rows","version":1,
//!   "units":["h","min","s","ms","d"],"gap":" ","none":"—","media":false,
//!   "open":"<the note an open session's status carries>",
//!   "statuses":[["answered","answered"],…],"agents":[["agent_kim@support","<stem>"],…],
//!   "rows":[
//! ["<SessionId>","<stem or empty when it is the SessionId, null without a record>",
//!  start_ms,"<start as shown>","<customers>",[agent indices],[customer,agent,system,total],
//!  duration_ms,first_response_ms,longest_wait_ms,["<media>",sort key]|null,
//!  status index,"<status text when not the status's own>","<status detail>",
//!  open (true when the session was still going on when fetched)],
//! …]});
//! ```
//!
//! Numbers that do not exist for a session are `null`; durations are formatted by
//! `index.js` with `units` as the pages format them.

use std::collections::HashMap;
use std::io::{self, Write};

use super::pages::{Row, Rows};
use crate::render::cmark::visible;
use crate::render::i18n::Strings;
use crate::stats::AgentTotals;

/// Every status key a row can have, in the order of `statuses`.
const STATUSES: [&str; 8] = [
    "answered",
    "unanswered",
    "waiting",
    "no-customer",
    "empty",
    "failed",
    "not-found",
    "pending",
];

/// The label the index shows for a status key.
fn label(t: &Strings, key: &str) -> &'static str {
    match key {
        "unanswered" => t.status_unanswered,
        "waiting" => t.status_waiting,
        "no-customer" => t.status_no_customer,
        "empty" => t.status_empty,
        "failed" => t.status_failed,
        "not-found" => t.status_not_found,
        "pending" => t.status_pending,
        _ => t.status_answered,
    }
}

/// Writes `index-rows.js` from `rows` (every row of the index, in the pages' order).
pub fn write_rows(
    out: &mut impl Write,
    rows: &Rows<'_>,
    t: &Strings,
    agents: &[AgentTotals],
    show_media: bool,
) -> io::Result<()> {
    let agent_stems: Vec<(&str, String)> = agents
        .iter()
        .map(|a| (a.account.as_str(), crate::records::stem(&a.account)))
        .collect();
    // Hidden controls become placeholders, as the pages' `visible` filter makes them.
    let shown_agents: Vec<(std::borrow::Cow<'_, str>, &str)> = agent_stems
        .iter()
        .map(|(a, s)| (visible(a), s.as_str()))
        .collect();
    let statuses: Vec<(&str, &str)> = STATUSES.iter().map(|k| (*k, label(t, k))).collect();
    out.write_all(b"deskIndexRows({\"format\":\"desk-archive-index-rows\",\"version\":1,")?;
    let [h, m, sec, ms] = t.units;
    write!(out, "\"units\":")?;
    serde_json::to_writer(&mut *out, &[h, m, sec, ms, t.day_unit])?;
    let gap = if t.spaced_units { " " } else { "" };
    write!(out, ",\"gap\":\"{gap}\"")?;
    write!(out, ",\"none\":")?;
    serde_json::to_writer(&mut *out, t.none)?;
    write!(out, ",\"open\":")?;
    serde_json::to_writer(&mut *out, t.status_open)?;
    write!(out, ",\"media\":{show_media},\"statuses\":")?;
    serde_json::to_writer(&mut *out, &statuses)?;
    write!(out, ",\"agents\":")?;
    serde_json::to_writer(&mut *out, &shown_agents)?;
    out.write_all(b",\"rows\":[")?;
    let index: HashMap<&str, usize> = agent_stems
        .iter()
        .enumerate()
        .map(|(i, (a, _))| (*a, i))
        .collect();
    for (n, row) in rows.into_iter().enumerate() {
        out.write_all(if n == 0 { b"\n" } else { b",\n" })?;
        write_row(out, &row, &index, t)?;
    }
    out.write_all(b"\n]});\n")
}

/// One row as a JSON array (see the module docs for the order).
fn write_row(
    out: &mut impl Write,
    row: &Row<'_>,
    agents: &HashMap<&str, usize>,
    t: &Strings,
) -> io::Result<()> {
    let stem = row
        .stem
        .as_deref()
        .map(|s| if s == row.session_id { "" } else { s });
    let agent_indices: Vec<usize> = row
        .agents
        .iter()
        .filter_map(|a| agents.get(&*a.account).copied())
        .collect();
    let messages = stem.map(|_| {
        let m = &row.messages;
        [m.customer, m.agent, m.system, m.total]
    });
    let media = (!row.media.text.is_empty()).then_some((&row.media.text, row.media.key.0));
    let status = STATUSES
        .iter()
        .position(|k| *k == row.status_key)
        .unwrap_or(0);
    let own = label(t, row.status_key);
    let status_text = if row.status == own { "" } else { &row.status };
    serde_json::to_writer(
        &mut *out,
        &(
            visible(&row.session_id),
            stem,
            row.start.key.0,
            &row.start.text,
            visible(&row.customers),
            agent_indices,
            messages,
            row.duration.key.0,
            row.first_response.key.0,
            row.longest_wait.key.0,
            media,
            status,
            status_text,
            visible(&row.status_detail),
            row.open,
        ),
    )
    .map_err(io::Error::from)
}

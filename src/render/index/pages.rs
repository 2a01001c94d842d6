//! The askama page structs of the index (`index.html`, `index.md`, their continuation
//! pages) and of the agent pages, and the table rows they share.

use std::borrow::Cow;
use std::cell::RefCell;

use askama::Template;

use super::charts::Chart;
use super::json::status_key;
use super::md::filters;
use crate::records::stem;
use crate::render::format::{local_day, local_time};
use crate::render::i18n::Strings;
use crate::render::{MissingSession, SessionSummary};
use crate::stats::RoleCounts;

/// A raw number for `data-sort` (empty when the figure does not exist).
#[derive(Debug, Clone, Copy)]
pub struct SortKey(pub Option<i64>);

impl std::fmt::Display for SortKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => Ok(()),
        }
    }
}

/// A figure shown in a cell: its raw value for sorting and its text.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Raw value.
    pub key: SortKey,
    /// What people read.
    pub text: String,
}

/// An agent named in a row, with its page's stem.
#[derive(Debug, Clone)]
pub struct AgentLink<'a> {
    /// The account.
    pub account: Cow<'a, str>,
    /// `agents/<stem>.html`.
    pub stem: String,
}

/// One table row: a session with a record, or one without (no page, no figures).
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// The SessionId.
    pub session_id: Cow<'a, str>,
    /// The session page's stem; `None` for sessions without a record.
    pub stem: Option<Cow<'a, str>>,
    /// Start time.
    pub start: Cell,
    /// Local start day `YYYY-MM-DD` (for the date filter); empty when unknown.
    pub day: String,
    /// Customer accounts, comma-separated.
    pub customers: String,
    /// Agents in order of appearance.
    pub agents: Vec<AgentLink<'a>>,
    /// Messages per role.
    pub messages: RoleCounts,
    /// Duration.
    pub duration: Cell,
    /// First response.
    pub first_response: Cell,
    /// Longest customer wait.
    pub longest_wait: Cell,
    /// Media captured; with skipped and failed ones in the text.
    pub media: Cell,
    /// Status class suffix.
    pub status_key: &'static str,
    /// Status text.
    pub status: String,
    /// Longer explanation (failure reason), for the `title` attribute.
    pub status_detail: Cow<'a, str>,
    /// The session was still going on when it was fetched (coverage.json `open`).
    pub open: bool,
}

impl<'a> Row<'a> {
    /// The row of a session with a record (owning its text, so that the summary can go).
    pub fn session(s: &SessionSummary, t: &Strings, zone: chrono_tz::Tz) -> Row<'a> {
        let st = &s.stats;
        let key = status_key(st);
        Row {
            session_id: Cow::Owned(s.session_id.clone()),
            stem: Some(Cow::Owned(s.stem.clone())),
            start: Cell {
                key: SortKey(st.first_message_ms),
                text: st
                    .first_message_ms
                    .and_then(|ms| local_time(ms, zone))
                    .unwrap_or_else(|| t.none.to_owned()),
            },
            day: st
                .first_message_ms
                .and_then(|ms| local_day(ms, zone))
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            customers: join(st.participants.customer.iter().map(|c| c.account.as_str())),
            agents: st
                .participants
                .agent
                .iter()
                .map(|a| AgentLink {
                    account: Cow::Owned(a.account.clone()),
                    stem: stem(&a.account),
                })
                .collect(),
            messages: st.messages,
            duration: cell(st.duration_ms, t),
            first_response: cell(st.first_response_ms, t),
            longest_wait: cell(st.longest_wait_ms, t),
            media: media_cell(s.media.as_ref(), t),
            status_key: key,
            status: match key {
                "empty" => t.status_empty,
                "unanswered" => t.status_unanswered,
                "waiting" => t.status_waiting,
                "no-customer" => t.status_no_customer,
                _ => t.status_answered,
            }
            .to_owned(),
            status_detail: Cow::Borrowed(""),
            open: false,
        }
    }

    /// The row of a session without a record.
    pub fn missing(m: &'a MissingSession, t: &Strings) -> Row<'a> {
        let none = || Cell {
            key: SortKey(None),
            text: t.none.to_owned(),
        };
        let (status_key, word) = match m.state.as_str() {
            "failed" => ("failed", t.status_failed),
            "pending" => ("pending", t.status_pending),
            _ => ("not-found", t.status_not_found),
        };
        let status = match m.error_code {
            Some(code) => format!("{word} ({code})"),
            None => word.to_owned(),
        };
        Row {
            session_id: Cow::Borrowed(&m.session_id),
            stem: None,
            start: none(),
            day: String::new(),
            customers: String::new(),
            agents: Vec::new(),
            messages: RoleCounts::default(),
            duration: none(),
            first_response: none(),
            longest_wait: none(),
            media: none(),
            status_key,
            status,
            status_detail: Cow::Borrowed(&m.reason),
            open: false,
        }
    }

    /// Flags a transcript shorter than the `reported` message events (SPEC §10).
    fn note_shorter(&mut self, reported: Option<&u64>, t: &Strings) {
        let held = self.messages.total;
        if let Some(&reported) = reported.filter(|&&m| m > held) {
            self.status_detail =
                Cow::Owned(format!("{}: {held} < {reported}", t.transcript_shorter));
        }
    }

    /// The agents, comma-separated (Markdown page).
    pub fn agent_names(&self) -> String {
        join(self.agents.iter().map(|a| &*a.account))
    }
}

/// The rows of a table, made one at a time as the page is written: a page of 5,000 rows
/// never holds 5,000 summaries (or rows) at once. Sessions come first, in the order of
/// `indices`, then the sessions without a record.
pub struct Rows<'a> {
    summary: &'a dyn Fn(u32) -> crate::error::Result<SessionSummary>,
    indices: &'a [u32],
    missing: &'a [&'a MissingSession],
    /// Message events the callbacks reported, by SessionId, for sessions whose transcript
    /// may be shorter (their rows get a note when it is).
    reported: &'a std::collections::HashMap<&'a str, u64>,
    /// SessionIds of the sessions still going on when fetched, sorted.
    open: &'a [&'a str],
    t: &'a Strings,
    zone: chrono_tz::Tz,
    /// The first summary that could not be read; the page must then not be kept.
    error: RefCell<Option<crate::error::Error>>,
}

impl<'a> Rows<'a> {
    /// Rows of the sessions `indices` (read with `summary`), then of `missing`.
    pub fn new(
        summary: &'a dyn Fn(u32) -> crate::error::Result<SessionSummary>,
        indices: &'a [u32],
        missing: &'a [&'a MissingSession],
        reported: &'a std::collections::HashMap<&'a str, u64>,
        t: &'a Strings,
        zone: chrono_tz::Tz,
    ) -> Rows<'a> {
        Rows {
            summary,
            indices,
            missing,
            reported,
            open: &[],
            t,
            zone,
            error: RefCell::new(None),
        }
    }

    /// Marks the rows of these sessions (SessionIds, sorted) as still going on when fetched.
    pub fn with_open(self, open: &'a [&'a str]) -> Rows<'a> {
        Rows { open, ..self }
    }

    /// The error that cut the rows short, if any (taken: asked once per page).
    pub fn take_error(&self) -> Option<crate::error::Error> {
        self.error.borrow_mut().take()
    }
}

impl<'r, 'a> IntoIterator for &'r Rows<'a> {
    type Item = Row<'a>;
    type IntoIter = Box<dyn Iterator<Item = Row<'a>> + 'r>;

    fn into_iter(self) -> Self::IntoIter {
        let sessions = self
            .indices
            .iter()
            .map_while(move |&i| match (self.summary)(i) {
                Ok(s) => {
                    let mut row = Row::session(&s, self.t, self.zone);
                    row.note_shorter(self.reported.get(s.session_id.as_str()), self.t);
                    row.open = self.open.binary_search(&s.session_id.as_str()).is_ok();
                    Some(row)
                }
                Err(e) => {
                    self.error.borrow_mut().get_or_insert(e);
                    None
                }
            });
        let missing = self.missing.iter().map(move |m| Row::missing(m, self.t));
        Box::new(sessions.chain(missing))
    }
}

fn cell(ms: Option<i64>, t: &Strings) -> Cell {
    Cell {
        key: SortKey(ms),
        text: t.duration(ms),
    }
}

/// The media cell: the number captured, and what was skipped or failed, if any.
fn media_cell(media: Option<&crate::coverage::MediaCounts>, t: &Strings) -> Cell {
    let Some(m) = media else {
        return Cell {
            key: SortKey(None),
            text: String::new(),
        };
    };
    let mut text = m.archived.to_string();
    if m.skipped > 0 {
        text.push_str(&format!(" · {} {}", m.skipped, t.media_skipped));
    }
    if m.failed > 0 {
        text.push_str(&format!(" · {} {}", m.failed, t.media_failed));
    }
    Cell {
        key: SortKey(i64::try_from(m.failed + m.skipped).ok()),
        text,
    }
}

fn join<'s>(names: impl Iterator<Item = &'s str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// A label and a value of the totals header.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Label.
    pub label: &'static str,
    /// Value.
    pub value: String,
}

/// One agent in the agents table of the first index page.
#[derive(Debug, Clone)]
pub struct AgentRow<'a> {
    /// The account.
    pub account: &'a str,
    /// Its page's stem.
    pub stem: String,
    /// Sessions handled.
    pub sessions: u64,
    /// Messages sent.
    pub messages: u64,
    /// Median first response.
    pub median_first_response: Cell,
}

/// The charts of the first index page.
#[derive(Debug, Clone)]
pub struct Charts {
    /// Sessions over time (absent when no session has a time).
    pub sessions: Option<Chart>,
    /// First-response distribution.
    pub first_response: Chart,
    /// Messages by hour of day.
    pub by_hour: Chart,
}

/// A link of the pager.
#[derive(Debug, Clone)]
pub struct PageLink {
    /// 1-based page number.
    pub number: usize,
    /// File name (`index.html`, `index-2.html`…).
    pub href: String,
    /// This page.
    pub current: bool,
}

/// `index.html` and its continuation pages.
#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexHtml<'a> {
    /// Prefix to the data root (`""`).
    pub root: &'a str,
    /// `<html lang>`.
    pub lang_tag: &'a str,
    /// UI strings.
    pub t: &'a Strings,
    /// Site title.
    pub title: &'a str,
    /// This page's number (1-based).
    pub page: usize,
    /// Number of index pages.
    pub pages: usize,
    /// IANA zone name of the displayed times.
    pub zone: &'a str,
    /// Totals header.
    pub figures: &'a [Figure],
    /// Charts (first page only).
    pub charts: Option<&'a Charts>,
    /// Agents table (first page only).
    pub agents: &'a [AgentRow<'a>],
    /// Longest waits (first page only).
    pub longest: &'a [Row<'a>],
    /// This page's rows.
    pub rows: &'a Rows<'a>,
    /// Pager (empty when there is one page).
    pub pager: &'a [PageLink],
    /// Whether the tables have a media column.
    pub show_media: bool,
    /// Previous page's file.
    pub prev: Option<&'a str>,
    /// Next page's file.
    pub next: Option<&'a str>,
    /// Whether the site has a search index (the page then has a search box).
    pub search: bool,
}

/// `index.md` and its continuation pages.
#[derive(Template)]
#[template(path = "index.md")]
pub struct IndexMd<'a> {
    /// UI strings.
    pub t: &'a Strings,
    /// Site title.
    pub title: &'a str,
    /// IANA zone name.
    pub zone: &'a str,
    /// Totals.
    pub figures: &'a [Figure],
    /// This page's rows.
    pub rows: &'a Rows<'a>,
    /// Pager, with `.md` files.
    pub pager: &'a [PageLink],
}

/// `agents/<stem>.html`.
#[derive(Template)]
#[template(path = "agent.html")]
pub struct AgentHtml<'a> {
    /// Prefix to the data root (`"../"`).
    pub root: &'a str,
    /// `<html lang>`.
    pub lang_tag: &'a str,
    /// UI strings.
    pub t: &'a Strings,
    /// Site title.
    pub title: &'a str,
    /// The agent's account.
    pub account: &'a str,
    /// IANA zone name.
    pub zone: &'a str,
    /// The agent's figures.
    pub figures: &'a [Figure],
    /// The agent's sessions, newest first.
    pub rows: &'a Rows<'a>,
    /// Whether the table has a media column.
    pub show_media: bool,
}

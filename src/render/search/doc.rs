//! What the search index holds of one session: its records (chunks of at most
//! [`CHUNK_MESSAGES`] messages, never one per message), each with its URL, its text and
//! what results show (SessionId, time, accounts) and filter on (agent, month, status).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use minicbor::{Decode, Encode};

use super::text::{blocks_text, push_neutralised, split_unspaced};
use crate::model::Message;
use crate::render::cmark::visible;
use crate::render::elements::Block;
use crate::render::{Lang, format};
use crate::stats::SessionStats;

/// Messages per index record. Pagefind writes a fragment per record and keeps every
/// record in memory; one record per message would mean a million of each at 10,000 × 100.
pub const CHUNK_MESSAGES: usize = 50;

/// One session as the index sees it (kept in the spool between the render and the index,
/// as CBOR: its strings are copied, not escaped and parsed as JSON would be).
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct SessionDoc {
    /// The SessionId (placeholders for hidden controls).
    #[n(0)]
    pub session_id: String,
    /// Its page's stem.
    #[n(1)]
    pub stem: String,
    /// Customer and agent accounts, comma-separated.
    #[n(2)]
    pub accounts: String,
    /// Agent accounts (filter `agent`).
    #[n(3)]
    pub agents: Vec<String>,
    /// Local month of the first message, `YYYY-MM` (filter `month`).
    #[n(4)]
    pub month: Option<String>,
    /// The session's status as the index shows it (filter `status`).
    #[n(5)]
    pub status: String,
    /// Its records.
    #[n(6)]
    pub chunks: Vec<Chunk>,
}

/// One record: consecutive messages of a session.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct Chunk {
    /// Number (1-based) of its first message: the record links to `#m-<first>`.
    #[n(0)]
    pub first: usize,
    /// Local time of its first message (or of the session, when that message has none).
    #[n(1)]
    pub time: String,
    /// The text, each message led by an anchor marker (see [`DocBuilder::message`]).
    #[n(2)]
    pub content: String,
}

/// One record as handed to Pagefind.
pub struct Record {
    /// `sessions/<stem>.html#m-<n>`.
    pub url: String,
    /// Its text.
    pub content: String,
    /// `session`, `time`, `accounts`.
    pub meta: BTreeMap<String, String>,
    /// `agent`, `month`, `status`.
    pub filters: BTreeMap<String, Vec<String>>,
}

impl SessionDoc {
    /// Its records, in message order.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.chunks.iter().map(move |c| {
            let mut meta = BTreeMap::new();
            meta.insert("session".to_owned(), neutral(&self.session_id));
            meta.insert("time".to_owned(), c.time.clone());
            meta.insert("accounts".to_owned(), neutral(&self.accounts));
            let mut filters = BTreeMap::new();
            if !self.agents.is_empty() {
                let agents = self.agents.iter().map(|a| neutral(a)).collect();
                filters.insert("agent".to_owned(), agents);
            }
            if let Some(month) = &self.month {
                filters.insert("month".to_owned(), vec![month.clone()]);
            }
            filters.insert("status".to_owned(), vec![self.status.clone()]);
            Record {
                url: format!("sessions/{}.html#m-{}", self.stem, c.first),
                content: c.content.clone(),
                meta,
                filters,
            }
        })
    }
}

/// `text` with Pagefind's markers neutralised (for meta and filter values).
fn neutral(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_neutralised(&mut out, text);
    out
}

/// Builds a [`SessionDoc`] one message at a time.
pub struct DocBuilder {
    /// The session, with the chunks filled so far.
    doc: SessionDoc,
    /// The chunk being filled.
    current: Chunk,
    tz: chrono_tz::Tz,
    /// Split Chinese and Japanese into words (the index language does not).
    split: bool,
    start_time: String,
    in_chunk: usize,
    scratch: String,
}

impl DocBuilder {
    /// A session with these figures; `status` as the index shows it.
    pub fn new(
        session_id: &str,
        stem: &str,
        stats: &SessionStats,
        status: &str,
        tz: chrono_tz::Tz,
        lang: Lang,
    ) -> DocBuilder {
        let p = &stats.participants;
        let accounts: Vec<String> = p
            .customer
            .iter()
            .map(|c| &c.account)
            .chain(p.agent.iter().map(|a| &a.account))
            .map(|a| visible(a).into_owned())
            .collect();
        let start = stats.first_message_ms;
        let session_id = visible(session_id).into_owned();
        let mut first = String::new();
        // Every session is found by its SessionId, and no record is left without a word
        // (Pagefind drops those); a SessionId without letters or digits adds the stem.
        push_neutralised(&mut first, &session_id);
        if !session_id.chars().any(char::is_alphanumeric) {
            first.push(' ');
            first.push_str(stem);
        }
        DocBuilder {
            doc: SessionDoc {
                session_id,
                stem: stem.to_owned(),
                accounts: accounts.join(", "),
                agents: p
                    .agent
                    .iter()
                    .map(|a| visible(&a.account).into_owned())
                    .collect(),
                month: start
                    .and_then(|ms| format::time_ms(ms, tz))
                    .map(|t| t.date().format("%Y-%m").to_string()),
                status: status.to_owned(),
                chunks: Vec::new(),
            },
            current: Chunk {
                first: 1,
                time: String::new(),
                content: first,
            },
            tz,
            split: lang != Lang::ZhCn,
            start_time: start
                .and_then(|ms| format::date_time(ms, tz))
                .unwrap_or_default(),
            in_chunk: 0,
            scratch: String::new(),
        }
    }

    /// Adds one message (in record order) with the blocks its page shows. Each message's
    /// text is led by a Pagefind anchor marker naming its element id (`m-<n>`), so that
    /// results can point at the message nearest the match rather than the record's first.
    pub fn message(&mut self, m: &Message, blocks: &[Block]) {
        let number = m.index + 1;
        if self.in_chunk == CHUNK_MESSAGES {
            let next = Chunk {
                first: number,
                time: self.time_of(m),
                content: String::new(),
            };
            self.doc
                .chunks
                .push(std::mem::replace(&mut self.current, next));
            self.in_chunk = 0;
        } else if self.in_chunk == 0 {
            self.current.first = number;
            self.current.time = self.time_of(m);
        }
        self.in_chunk += 1;
        self.scratch.clear();
        blocks_text(blocks, &mut self.scratch);
        let content = &mut self.current.content;
        if !content.is_empty() {
            content.push('\n');
        }
        // Writing into a String cannot fail.
        let _ = write!(content, "___PAGEFIND_ANCHOR___div:{number}:m-{number} ");
        if self.split {
            push_neutralised(content, &split_unspaced(&self.scratch));
        } else {
            push_neutralised(content, &self.scratch);
        }
    }

    /// Local time of a message, else of the session.
    fn time_of(&self, m: &Message) -> String {
        m.timestamp_ms
            .and_then(|ms| format::date_time(ms, self.tz))
            .unwrap_or_else(|| self.start_time.clone())
    }

    /// The finished document.
    pub fn finish(mut self) -> SessionDoc {
        if self.in_chunk == 0 {
            self.current.time = self.start_time;
        }
        self.doc.chunks.push(self.current);
        self.doc
    }
}

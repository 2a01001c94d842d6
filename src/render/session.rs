//! One session page: the view (header, participants, metadata, figures, transcript grouped
//! by day and sender) built from a record, and the askama templates that print it as HTML
//! (`templates/session.html`) and Markdown (`templates/session.md`).

use askama::Template;

use super::RenderOptions;
use super::cmark::{isolate, visible};
use super::elements::{self, Block, Ctx};
use super::filters;
use super::format::{self, TimeView};
use super::i18n::Strings;
use crate::model::{Message, Role};
use crate::records::Metadata;
use crate::stats::SessionStats;

/// A neighbouring session in chronological order.
#[derive(Debug, Clone)]
pub struct NavTarget {
    /// Its file stem.
    pub stem: String,
    /// Its SessionId (placeholders for controls, bidi-isolated: it goes in `title`).
    pub label: String,
}

/// One labelled figure of the overview.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Label.
    pub label: &'static str,
    /// Value.
    pub value: String,
    /// Longer form for `title`, may be empty.
    pub title: String,
}

/// The accounts of one role, in order of appearance.
#[derive(Debug, Clone)]
pub struct RoleAccounts {
    /// CSS class part (`customer`, `agent`, …).
    pub class: &'static str,
    /// Role label.
    pub label: String,
    /// Accounts.
    pub accounts: Vec<String>,
}

/// A day separator.
#[derive(Debug, Clone)]
pub struct DayView {
    /// Label.
    pub label: String,
    /// `YYYY-MM-DD`.
    pub iso: String,
}

/// One message as shown.
#[derive(Debug, Clone)]
pub struct MessageView {
    /// Fragment id (`m-<number>`), the target of search results.
    pub anchor: String,
    /// 1-based position in the record.
    pub number: usize,
    /// When it was sent.
    pub time: Option<TimeView>,
    /// `Timestamp` when outside 2000–2100 (SPEC §9): shown as the raw number, marked.
    pub raw_time: Option<i64>,
    /// Its blocks.
    pub blocks: Vec<Block>,
    /// Message fields the view does not interpret, as `(name, JSON)`.
    pub extra: Vec<(String, String)>,
    /// Only status notes (typing, session end…): shown muted.
    pub quiet: bool,
}

/// Consecutive messages of one sender on one day.
#[derive(Debug, Clone)]
pub struct GroupView {
    /// `customer`, `agent`, `system` or `other`.
    pub side: &'static str,
    /// Role label.
    pub role_label: String,
    /// `FromAccount`.
    pub sender: String,
    /// The messages.
    pub messages: Vec<MessageView>,
}

/// A transcript item.
#[derive(Debug, Clone)]
pub enum Item {
    /// A new day begins.
    Day(DayView),
    /// A sender's run of messages.
    Group(GroupView),
}

/// Everything a session page shows.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// The site title.
    pub site_title: String,
    /// The SessionId.
    pub session_id: String,
    /// The SessionId isolated for `<title>` and attributes.
    pub session_id_isolated: String,
    /// Overview figures.
    pub facts: Vec<Fact>,
    /// Accounts per role.
    pub participants: Vec<RoleAccounts>,
    /// The record's Metadata as `(key, value)`.
    pub metadata: Vec<(String, String)>,
    /// Previous session.
    pub prev: Option<NavTarget>,
    /// Next session.
    pub next: Option<NavTarget>,
    /// The transcript.
    pub items: Vec<Item>,
    /// Remote https images may be shown: the CSP allows `img-src https:`.
    pub remote_images: bool,
}

/// The HTML page.
#[derive(Template)]
#[template(path = "session.html")]
pub struct SessionHtml<'a> {
    /// Relative path to the site root.
    pub root: &'static str,
    /// `<html lang>`.
    pub lang_tag: &'static str,
    /// UI strings.
    pub t: &'static Strings,
    /// The page.
    pub v: &'a SessionView,
}

/// The Markdown page.
#[derive(Template)]
#[template(path = "session.md")]
pub struct SessionMd<'a> {
    /// UI strings.
    pub t: &'static Strings,
    /// The page.
    pub v: &'a SessionView,
}

/// What a session page is built from.
pub struct SessionInput<'a> {
    /// The SessionId.
    pub session_id: &'a str,
    /// The record's Metadata.
    pub metadata: &'a Metadata,
    /// The parsed messages.
    pub messages: &'a [Message],
    /// Their statistics.
    pub stats: &'a SessionStats,
    /// Previous session.
    pub prev: Option<NavTarget>,
    /// Next session.
    pub next: Option<NavTarget>,
    /// Captured media (data/media/index.json, read once per render).
    pub media: &'a crate::media_index::MediaLookup,
    /// Whether remote https images may be shown inline (`--remote-images`; `share` never).
    pub remote_images: bool,
}

/// Builds the view of one session.
pub fn build(input: SessionInput<'_>, options: &RenderOptions, t: &'static Strings) -> SessionView {
    let cx = Ctx {
        t,
        tz: options.timezone,
        lang: options.lang,
        media: input.media,
        remote_images: input.remote_images,
        index_text: options.search,
    };
    SessionView {
        site_title: visible(options.title.as_deref().unwrap_or(t.site_title)).into_owned(),
        session_id: visible(input.session_id).into_owned(),
        session_id_isolated: isolate(&visible(input.session_id)).into_owned(),
        facts: facts(input.stats, options, t),
        participants: participants(input.messages, t),
        metadata: input
            .metadata
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (visible(k).into_owned(), visible(&value).into_owned())
            })
            .collect(),
        prev: input.prev,
        next: input.next,
        items: transcript(input.messages, cx),
        remote_images: input.remote_images,
    }
}

fn facts(s: &SessionStats, options: &RenderOptions, t: &'static Strings) -> Vec<Fact> {
    let (tz, lang) = (options.timezone, options.lang);
    let none = || t.none.to_owned();
    let when = |ms: Option<i64>| {
        ms.and_then(|ms| format::date_time(ms, tz))
            .unwrap_or_else(none)
    };
    let span = |ms: Option<i64>| {
        ms.map(|ms| format::duration_ms(ms, lang))
            .unwrap_or_else(none)
    };
    let m = &s.messages;
    let counts = format!(
        "{} · {} {} · {} {} · {} {}",
        m.total, t.customer, m.customer, t.agent, m.agent, t.system, m.system
    );
    vec![
        Fact {
            label: t.start,
            value: when(s.first_message_ms),
            title: String::new(),
        },
        Fact {
            label: t.end,
            value: when(s.last_message_ms),
            title: String::new(),
        },
        Fact {
            label: t.duration,
            value: span(s.duration_ms),
            title: String::new(),
        },
        Fact {
            label: t.first_response,
            value: span(s.first_response_ms),
            title: String::new(),
        },
        Fact {
            label: t.messages,
            value: counts,
            title: String::new(),
        },
        Fact {
            label: t.time_zone,
            value: tz.name().to_owned(),
            title: String::new(),
        },
    ]
}

fn role_label(role: Role, code: Option<i64>, t: &Strings) -> String {
    match role {
        Role::Customer => t.customer.to_owned(),
        Role::Agent => t.agent.to_owned(),
        Role::System => t.system.to_owned(),
        Role::Other => match code {
            Some(c) => format!("{} {c}", t.other_role),
            None => format!("{} ?", t.other_role),
        },
    }
}

fn participants(messages: &[Message], t: &Strings) -> Vec<RoleAccounts> {
    let mut out: Vec<(Role, Option<i64>, RoleAccounts)> = Vec::new();
    for m in messages {
        let key_code = if m.role == Role::Other {
            m.role_code
        } else {
            None
        };
        let pos = out
            .iter()
            .position(|(r, c, _)| *r == m.role && *c == key_code);
        let entry = match pos {
            Some(i) => &mut out[i].2,
            None => {
                let label = role_label(m.role, m.role_code, t);
                out.push((
                    m.role,
                    key_code,
                    RoleAccounts {
                        class: m.role.as_str(),
                        label,
                        accounts: Vec::new(),
                    },
                ));
                let last = out.len() - 1;
                &mut out[last].2
            }
        };
        let account = sender(&m.from_account, t);
        if !entry.accounts.contains(&account) {
            entry.accounts.push(account);
        }
    }
    out.sort_by_key(|(role, code, _)| (*role, *code));
    out.into_iter().map(|(_, _, r)| r).collect()
}

fn sender(account: &str, t: &Strings) -> String {
    if account.is_empty() {
        t.unknown_sender.to_owned()
    } else {
        visible(account).into_owned()
    }
}

fn transcript(messages: &[Message], cx: Ctx<'_>) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut day = None;
    let mut last_key: Option<(Option<i64>, &str)> = None;
    for m in messages {
        let time = m.timestamp_ms.and_then(|ms| format::time_ms(ms, cx.tz));
        if let (Some(tv), Some(ms)) = (&time, m.timestamp_ms)
            && day != Some(tv.date())
        {
            day = Some(tv.date());
            items.push(Item::Day(DayView {
                label: format::day_label(ms, cx.tz, cx.lang, cx.t),
                iso: tv.day().to_string(),
            }));
            last_key = None;
        }
        let mut blocks = Vec::with_capacity(m.elements.len());
        for e in &m.elements {
            elements::push_blocks(&mut blocks, e, cx);
        }
        let quiet = !blocks.is_empty() && blocks.iter().all(|b| matches!(b, Block::Note { .. }));
        let view = MessageView {
            raw_time: m.timestamp_ms.filter(|_| time.is_none()),
            quiet,
            anchor: format!("m-{}", m.index + 1),
            number: m.index + 1,
            time,
            blocks,
            extra: m
                .extra_fields
                .iter()
                .map(|(k, v)| (visible(k).into_owned(), elements::pretty(v)))
                .collect(),
        };
        let key = (m.role_code, m.from_account.as_str());
        match items.last_mut() {
            Some(Item::Group(g)) if last_key == Some(key) => g.messages.push(view),
            _ => items.push(Item::Group(GroupView {
                side: m.role.as_str(),
                role_label: role_label(m.role, m.role_code, cx.t),
                sender: sender(&m.from_account, cx.t),
                messages: vec![view],
            })),
        }
        last_key = Some(key);
    }
    items
}

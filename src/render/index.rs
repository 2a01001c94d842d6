//! The index pages (`index.html`, `index.md`), `stats.json` and agent pages, all written
//! streamed from the small per-session summaries (SPEC §5, §6).
//!
//! Layout of what this module writes into `data/`:
//!
//! * `stats.json` — every session (sorted by SessionId), the totals, the sessions without
//!   a record; schema in `docs/stats.schema.json`.
//! * `index.html`, then `index-2.html`, `index-3.html`… — one row per session, newest
//!   first, then the sessions without a record; at most [`ROWS_PER_PAGE`] rows per page
//!   so that a 100,000-session archive still opens quickly. The first page also holds
//!   the totals' charts, the longest waits and the agents. `index.md`, `index-2.md`… the
//!   same as Markdown (when Markdown pages are on).
//! * `agents/<stem(account)>.html` — one page per agent with its figures and sessions.
//!
//! Pages and files of an earlier run that this run no longer produces (surplus
//! `index-N.*`, agent pages of agents who are gone) are removed.

pub mod charts;
pub mod json;
pub mod mark;
pub mod md;
pub mod pages;
pub mod rows;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use askama::Template;
use rayon::prelude::*;

use self::pages::{
    AgentHtml, AgentRow, Cell, Charts, Figure, IndexHtml, IndexMd, PageLink, Row, Rows, SortKey,
};
use super::format::{local_day, local_time};
use super::i18n::{Strings, strings};
use super::{MissingSession, RenderOptions, SessionSummary};
use crate::error::{Error, Result};
use crate::fsutil::write_streamed;
use crate::records::stem;
use crate::state::SessionStore;
use crate::stats::{AgentTotals, Totals, TotalsBuilder};

/// Every row of the index for `index.js` (see [`rows`]).
pub const ROWS_FILE: &str = "index-rows.js";

/// Rows per index page. 5,000 rows keep a page under about 3 MB and its sorting in
/// `index.js` well under a second; larger archives continue on `index-2.html`…
pub const ROWS_PER_PAGE: usize = 5_000;

/// How many sessions the "longest customer waits" table shows.
const LONGEST_SHOWN: usize = 10;

/// Where [`write_index`] takes the sessions' summaries from, one at a time: the render's
/// [`SessionStore`] (so that the index never holds every summary at once), or summaries
/// in memory.
pub trait Summaries: Sync {
    /// How many sessions.
    fn count(&self) -> usize;
    /// Session `i`'s summary.
    fn summary(&self, i: usize) -> Result<SessionSummary>;
}

impl Summaries for SessionStore {
    fn count(&self) -> usize {
        self.len()
    }
    fn summary(&self, i: usize) -> Result<SessionSummary> {
        SessionStore::summary(self, i)
    }
}

impl Summaries for [SessionSummary] {
    fn count(&self) -> usize {
        self.len()
    }
    fn summary(&self, i: usize) -> Result<SessionSummary> {
        Ok(self[i].clone())
    }
}

impl Summaries for Vec<SessionSummary> {
    fn count(&self) -> usize {
        self.len()
    }
    fn summary(&self, i: usize) -> Result<SessionSummary> {
        Ok(self[i].clone())
    }
}

/// Summaries read side by side by the overview: small enough not to count.
const OVERVIEW_BATCH: usize = 256;

/// What one pass over every summary keeps: a few dozen bytes a session.
struct Overview {
    totals: Totals,
    /// Session indices by SessionId.
    by_id: Vec<u32>,
    /// Session indices newest first.
    newest: Vec<u32>,
    /// Sessions per local day, for the chart.
    per_day: BTreeMap<chrono::NaiveDate, u64>,
    /// First response times, for the chart.
    first_responses: Vec<i64>,
    /// The sessions with the longest waits, longest first.
    longest: Vec<u32>,
    /// Each agent's sessions, newest first.
    by_agent: BTreeMap<String, Vec<u32>>,
    show_media: bool,
}

impl Overview {
    fn of(sessions: &(impl Summaries + ?Sized), zone: chrono_tz::Tz) -> Result<Overview> {
        let n = sessions.count();
        let mut builder = TotalsBuilder::default();
        let mut ids: Vec<(Box<str>, u32)> = Vec::with_capacity(n);
        let mut starts: Vec<(Option<i64>, u32)> = Vec::with_capacity(n);
        let mut per_day = BTreeMap::new();
        let mut first_responses = Vec::new();
        let mut waits: Vec<(i64, u32)> = Vec::new();
        let mut by_agent: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut show_media = false;
        // Read (and parsed) in parallel a batch at a time, folded in order.
        let mut batch = Vec::with_capacity(OVERVIEW_BATCH);
        for i in 0..n {
            if batch.is_empty() {
                let end = (i + OVERVIEW_BATCH).min(n);
                let read: Vec<_> = (i..end)
                    .into_par_iter()
                    .map(|i| sessions.summary(i))
                    .collect();
                batch = read.into_iter().rev().collect::<Result<Vec<_>>>()?;
            }
            let Some(s) = batch.pop() else { break };
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let st = &s.stats;
            builder.add(st);
            if let Some(day) = st.first_message_ms.and_then(|ms| local_day(ms, zone)) {
                *per_day.entry(day).or_insert(0u64) += 1;
            }
            first_responses.extend(st.first_response_ms);
            waits.extend(st.longest_wait_ms.map(|w| (w, i)));
            for a in &st.participants.agent {
                match by_agent.get_mut(a.account.as_str()) {
                    Some(list) => list.push(i),
                    None => drop(by_agent.insert(a.account.clone(), vec![i])),
                }
            }
            show_media |= s.media.is_some();
            starts.push((st.first_message_ms, i));
            ids.push((s.session_id.into_boxed_str(), i));
        }
        ids.sort_unstable();
        // Newest first; equal starts by SessionId.
        let mut rank = vec![0u32; n];
        for (r, (_, i)) in ids.iter().enumerate() {
            rank[*i as usize] = r as u32;
        }
        starts.sort_unstable_by_key(|&(start, i)| (std::cmp::Reverse(start), rank[i as usize]));
        // Longest first; equal waits by SessionId.
        waits.sort_unstable_by_key(|&(wait, i)| (std::cmp::Reverse(wait), rank[i as usize]));
        let by_id: Vec<u32> = ids.into_iter().map(|(_, i)| i).collect();
        let newest: Vec<u32> = starts.into_iter().map(|(_, i)| i).collect();
        let mut position = rank;
        for (p, &i) in newest.iter().enumerate() {
            position[i as usize] = p as u32;
        }
        for list in by_agent.values_mut() {
            list.sort_unstable_by_key(|&i| position[i as usize]);
        }
        Ok(Overview {
            totals: builder.finish(),
            by_id,
            newest,
            per_day,
            first_responses,
            longest: waits
                .into_iter()
                .take(LONGEST_SHOWN)
                .map(|(_, i)| i)
                .collect(),
            by_agent,
            show_media,
        })
    }
}

/// The summaries of sessions `indices`, in that order.
fn load(sessions: &(impl Summaries + ?Sized), indices: &[u32]) -> Result<Vec<SessionSummary>> {
    indices
        .iter()
        .map(|&i| sessions.summary(i as usize))
        .collect()
}

/// Writes `index.html`, `index.md` (when Markdown pages are on), `stats.json` and the agent
/// pages into `data_dir`, streaming, from the summaries of every rendered session (in any
/// order: this function sorts) and the sessions that have no record. Summaries are read
/// one page at a time, never all at once.
pub fn write_index(
    data_dir: &Path,
    sessions: &(impl Summaries + ?Sized),
    missing: &[MissingSession],
    options: &RenderOptions,
) -> Result<()> {
    let t = strings(options.lang);
    let overview = Overview::of(sessions, options.timezone)?;
    // Archived sessions come only with the message events the callbacks reported: a
    // note on their rows, not rows of their own.
    let reported: HashMap<&str, u64> = missing
        .iter()
        .filter(|m| m.state == "archived" || m.state == "open")
        .filter_map(|m| Some((m.session_id.as_str(), m.callback_messages?)))
        .collect();
    let mut missing: Vec<&MissingSession> =
        missing.iter().filter(|m| m.state != "archived").collect();
    missing.sort_by(|a, b| a.session_id.cmp(&b.session_id));
    missing.dedup_by(|a, b| a.session_id == b.session_id);
    // Open sessions have a record and a row of their own; the row says that they were
    // still going on when fetched (SPEC §7).
    let (open, missing): (Vec<&MissingSession>, Vec<&MissingSession>) =
        missing.into_iter().partition(|m| m.state == "open");
    let open: Vec<&str> = open.iter().map(|m| m.session_id.as_str()).collect();

    let site = Site {
        t,
        options,
        reported: &reported,
        title: options.title.as_deref().unwrap_or(t.site_title),
        totals: overview.totals,
        show_media: overview.show_media,
        open: &open,
    };
    let longest = load(sessions, &overview.longest)?;
    let first_page = FirstPage::build(
        &site,
        &overview.per_day,
        &overview.first_responses,
        &longest,
    );
    let write_stats = || {
        write_streamed(&data_dir.join("stats.json"), |out| {
            let zone = options.timezone.name();
            let md = options.markdown_pages;
            let by_id = overview
                .by_id
                .iter()
                .map(|&i| sessions.summary(i as usize).map_err(std::io::Error::other));
            let lists = json::Lists {
                missing: &missing,
                open: &open,
            };
            json::write_stats_json(out, by_id, lists, &site.totals, zone, md)
        })
        .map(drop)
    };
    let write_pages = || {
        let newest = &overview.newest;
        let pages = site.write_index_pages(data_dir, sessions, newest, &missing, &first_page)?;
        remove_surplus_index_pages(data_dir, pages, options.markdown_pages)
    };
    let write_agents = || site.write_agent_pages(data_dir, sessions, &overview.by_agent);
    let write_rows = || {
        let summary = |i: u32| sessions.summary(i as usize);
        let rows = Rows::new(
            &summary,
            &overview.newest,
            &missing,
            &reported,
            t,
            options.timezone,
        )
        .with_open(&open);
        write_page_with(&data_dir.join(ROWS_FILE), &rows, |out| {
            rows::write_rows(out, &rows, t, &site.totals.per_agent, site.show_media)
        })
    };
    // Independent files, each reading the summaries it needs: written side by side.
    let ((stats, rows), (pages, agents)) = rayon::join(
        || rayon::join(write_stats, write_rows),
        || rayon::join(write_pages, write_agents),
    );
    stats.and(rows).and(pages).and(agents)
}

/// What every page of the index needs.
struct Site<'a> {
    t: &'static Strings,
    options: &'a RenderOptions,
    /// Message events the callbacks reported for archived sessions that may be short.
    reported: &'a HashMap<&'a str, u64>,
    title: &'a str,
    totals: Totals,
    /// Media capture ran for this archive: the tables get a media column.
    show_media: bool,
    /// SessionIds of the sessions still going on when fetched, sorted.
    open: &'a [&'a str],
}

impl Site<'_> {
    fn zone(&self) -> chrono_tz::Tz {
        self.options.timezone
    }

    /// Writes every index page; returns how many there are.
    fn write_index_pages(
        &self,
        data_dir: &Path,
        sessions: &(impl Summaries + ?Sized),
        newest: &[u32],
        missing: &[&MissingSession],
        first_page: &FirstPage<'_>,
    ) -> Result<usize> {
        let total_rows = newest.len() + missing.len();
        let pages = total_rows.div_ceil(ROWS_PER_PAGE).max(1);
        let figures = self.index_figures(missing);
        for page in 1..=pages {
            let range = (page - 1) * ROWS_PER_PAGE..(page * ROWS_PER_PAGE).min(total_rows);
            // Rows 0..n are sessions, n.. the sessions without a record.
            let n = newest.len();
            let on_page = &newest[range.start.min(n)..range.end.min(n)];
            let missing_on_page =
                &missing[range.start.saturating_sub(n)..range.end.saturating_sub(n)];
            let summary = |i: u32| sessions.summary(i as usize);
            let rows = Rows::new(
                &summary,
                on_page,
                missing_on_page,
                self.reported,
                self.t,
                self.zone(),
            )
            .with_open(self.open);
            self.write_index_page(data_dir, page, pages, &figures, &rows, first_page)?;
        }
        Ok(pages)
    }

    fn write_index_page(
        &self,
        data_dir: &Path,
        page: usize,
        pages: usize,
        figures: &[Figure],
        rows: &Rows<'_>,
        first: &FirstPage<'_>,
    ) -> Result<()> {
        let first_page = page == 1;
        let pager = |ext: &str| -> Vec<PageLink> {
            if pages == 1 {
                return Vec::new();
            }
            (1..=pages)
                .map(|n| PageLink {
                    number: n,
                    href: page_file(n, ext),
                    current: n == page,
                })
                .collect()
        };
        let html_pager = pager("html");
        let prev = (page > 1).then(|| page_file(page - 1, "html"));
        let next = (page < pages).then(|| page_file(page + 1, "html"));
        let html = IndexHtml {
            show_media: self.show_media,
            root: "",
            lang_tag: self.t.lang_tag,
            t: self.t,
            title: self.title,
            page,
            pages,
            zone: self.zone().name(),
            figures,
            charts: first_page.then_some(&first.charts),
            agents: if first_page { &first.agents } else { &[] },
            longest: if first_page { &first.longest } else { &[] },
            rows,
            pager: &html_pager,
            prev: prev.as_deref(),
            next: next.as_deref(),
            search: self.options.search,
        };
        write_page(&data_dir.join(page_file(page, "html")), &html, rows)?;
        if self.options.markdown_pages {
            let md_pager = pager("md");
            let md = IndexMd {
                t: self.t,
                title: self.title,
                zone: self.zone().name(),
                figures,
                rows,
                pager: &md_pager,
            };
            write_page(&data_dir.join(page_file(page, "md")), &md, rows)?;
        }
        Ok(())
    }

    /// The totals header of the index.
    fn index_figures(&self, missing: &[&MissingSession]) -> Vec<Figure> {
        let (t, tot) = (self.t, &self.totals);
        let m = &tot.messages;
        let range = match (tot.first_message_ms, tot.last_message_ms) {
            (Some(a), Some(b)) => format!(
                "{} – {}",
                local_time(a, self.zone()).unwrap_or_default(),
                local_time(b, self.zone()).unwrap_or_default()
            ),
            _ => t.none.to_owned(),
        };
        let mut figures = vec![
            fig(t.sessions, tot.sessions.to_string()),
            fig(
                t.messages,
                format!(
                    "{} ({} {}, {} {}, {} {})",
                    m.total,
                    m.customer,
                    t.col_msg_customer,
                    m.agent,
                    t.col_msg_agent,
                    m.system,
                    t.col_msg_system
                ),
            ),
            fig(t.customers, tot.customers.to_string()),
            fig(t.agent_accounts, tot.agents.to_string()),
            fig(t.date_range, range),
            fig(
                t.median_first_response,
                t.duration(tot.first_response.median_ms),
            ),
            fig(t.p90_first_response, t.duration(tot.first_response.p90_ms)),
            fig(t.longest_wait_figure, t.duration(tot.longest_wait_ms)),
            fig(t.unanswered_sessions, tot.unanswered_sessions.to_string()),
            fig(
                t.ending_unanswered,
                tot.sessions_ending_unanswered.to_string(),
            ),
        ];
        if !self.open.is_empty() {
            figures.push(fig(t.open_sessions, self.open.len().to_string()));
        }
        if !missing.is_empty() {
            let count = |state: &str| missing.iter().filter(|m| m.state == state).count();
            let (failed, pending) = (count("failed"), count("pending"));
            let not_found = missing.len() - failed - pending;
            figures.push(fig(
                t.not_archived,
                format!(
                    "{} ({} {failed}, {} {not_found}, {} {pending})",
                    missing.len(),
                    t.status_failed,
                    t.status_not_found,
                    t.status_pending
                ),
            ));
        }
        figures
    }

    /// Writes `agents/<stem>.html` for every agent and removes agent pages of earlier runs
    /// that are no longer produced.
    fn write_agent_pages(
        &self,
        data_dir: &Path,
        sessions: &(impl Summaries + ?Sized),
        by_agent: &BTreeMap<String, Vec<u32>>,
    ) -> Result<()> {
        let dir = data_dir.join("agents");
        let mut written = BTreeSet::new();
        for agent in &self.totals.per_agent {
            let indices = by_agent
                .get(agent.account.as_str())
                .map_or(&[][..], Vec::as_slice);
            let summary = |i: u32| sessions.summary(i as usize);
            let rows = Rows::new(&summary, indices, &[], self.reported, self.t, self.zone())
                .with_open(self.open);
            let figures = self.agent_figures(agent);
            let page = AgentHtml {
                show_media: self.show_media,
                root: "../",
                lang_tag: self.t.lang_tag,
                t: self.t,
                title: self.title,
                account: &agent.account,
                zone: self.zone().name(),
                figures: &figures,
                rows: &rows,
            };
            let name = format!("{}.html", stem(&agent.account));
            write_page(&dir.join(&name), &page, &rows)?;
            written.insert(name);
        }
        remove_unlisted(&dir, &written)
    }

    fn agent_figures(&self, a: &AgentTotals) -> Vec<Figure> {
        let t = self.t;
        vec![
            fig(t.sessions, a.sessions.to_string()),
            fig(t.messages, a.messages.to_string()),
            fig(t.answered, a.answered.to_string()),
            fig(
                t.median_first_response,
                t.duration(a.first_response.median_ms),
            ),
            fig(t.p90_first_response, t.duration(a.first_response.p90_ms)),
        ]
    }
}

/// What only the first index page shows.
struct FirstPage<'a> {
    charts: Charts,
    agents: Vec<AgentRow<'a>>,
    longest: Vec<Row<'a>>,
}

impl<'a> FirstPage<'a> {
    fn build(
        site: &'a Site<'a>,
        per_day: &BTreeMap<chrono::NaiveDate, u64>,
        first_responses: &[i64],
        longest: &'a [SessionSummary],
    ) -> FirstPage<'a> {
        let (t, zone) = (site.t, site.zone());
        let buckets = charts::response_buckets(first_responses.iter().copied());
        let charts = Charts {
            sessions: charts::sessions_over_time(per_day, t),
            first_response: charts::first_response_chart(
                &buckets,
                site.totals.unanswered_sessions,
                t,
            ),
            by_hour: charts::by_hour_chart(&site.totals.messages_by_hour, t),
        };
        let agents = site
            .totals
            .per_agent
            .iter()
            .map(|a| AgentRow {
                account: &a.account,
                stem: stem(&a.account),
                sessions: a.sessions,
                messages: a.messages,
                median_first_response: Cell {
                    key: SortKey(a.first_response.median_ms),
                    text: t.duration(a.first_response.median_ms),
                },
            })
            .collect();
        let longest = longest.iter().map(|s| Row::session(s, t, zone)).collect();
        FirstPage {
            charts,
            agents,
            longest,
        }
    }
}

fn fig(label: &'static str, value: String) -> Figure {
    Figure { label, value }
}

/// `index.<ext>` for page 1, `index-<n>.<ext>` after.
fn page_file(n: usize, ext: &str) -> String {
    if n == 1 {
        format!("index.{ext}")
    } else {
        format!("index-{n}.{ext}")
    }
}

/// Renders a template straight into its file; `rows` are the rows it reads as it goes,
/// and a summary they could not read leaves the file as it was.
fn write_page(path: &Path, page: &impl Template, rows: &Rows<'_>) -> Result<()> {
    write_page_with(path, rows, |out| Template::write_into(page, out))
}

/// Writes a file with `fill`, which reads `rows` as it goes; a summary they could not
/// read leaves the file as it was.
fn write_page_with(
    path: &Path,
    rows: &Rows<'_>,
    fill: impl FnOnce(&mut std::io::BufWriter<crate::fsutil::CompareWriter>) -> std::io::Result<()>,
) -> Result<()> {
    write_streamed(path, |out| {
        fill(out)?;
        match rows.take_error() {
            Some(e) => Err(std::io::Error::other(e)),
            None => Ok(()),
        }
    })?;
    Ok(())
}

/// Removes `index-N.html`/`.md` with N > `pages`, and `index*.md` when Markdown is off.
fn remove_surplus_index_pages(data_dir: &Path, pages: usize, markdown: bool) -> Result<()> {
    let entries = match std::fs::read_dir(data_dir) {
        Ok(entries) => entries,
        Err(e) => return Err(Error::io("read directory", data_dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", data_dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((number, ext)) = index_page_number(&name) else {
            continue;
        };
        if number > pages || (ext == "md" && !markdown) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    Ok(())
}

/// `index.html` → (1, "html"), `index-7.md` → (7, "md"); anything else → `None`.
fn index_page_number(name: &str) -> Option<(usize, &str)> {
    let (base, ext) = name.rsplit_once('.')?;
    if ext != "html" && ext != "md" {
        return None;
    }
    if base == "index" {
        return Some((1, ext));
    }
    let n = base.strip_prefix("index-")?;
    if n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((n.parse().ok()?, ext))
}

/// Removes every `.html`/`.md` file in `dir` whose name is not in `keep`.
fn remove_unlisted(dir: &Path, keep: &BTreeSet<String>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read directory", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let page = name.ends_with(".html") || name.ends_with(".md");
        if page && !keep.contains(&name) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_page_names() {
        assert_eq!(index_page_number("index.html"), Some((1, "html")));
        assert_eq!(index_page_number("index-12.md"), Some((12, "md")));
        assert_eq!(index_page_number("index-02.md"), None);
        assert_eq!(index_page_number("index-x.html"), None);
        assert_eq!(index_page_number("stats.json"), None);
        assert_eq!(page_file(1, "md"), "index.md");
        assert_eq!(page_file(3, "html"), "index-3.html");
    }
}

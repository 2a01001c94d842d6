//! Per-session statistics computed from a record's messages alone (SPEC §5), and the
//! archive totals folded from them.
//!
//! Everything here is a pure function. The definitions below are the contract that
//! `stats.json`, the index and the session pages share.
//!
//! * **Messages per role**: every message counts in `total`; roles 1, 2 and 3 also count
//!   in `customer`, `agent` and `system`. Any other role (or none) counts only in `total`.
//! * **Characters**: Unicode scalar values (`char`s) of `TIMTextElem` text — what was typed
//!   or sent as text. Custom payloads, captions, file names and location descriptions are
//!   not text a person wrote and are not counted. Per role like messages.
//! * **Elements per type**: every `MsgBody` item of every message, keyed by its `MsgType`
//!   as given (`(none)` when absent).
//! * **Participants per role**: distinct non-empty `FromAccount`s of roles 1–3 in order of
//!   first appearance (a transferred session lists two agents). A message without an
//!   account still counts in the figures above but names no participant.
//! * **First / last message time**: min / max `Timestamp` over the messages that have one
//!   (so out-of-order timestamps do not matter); **duration** = last − first. A session
//!   without any timestamp has all three `None`.
//! * **Response times** follow record order, not timestamps. A customer *run* starts at
//!   the session's first customer message, or at the first customer message after an agent
//!   message; the next agent message *answers* it (its response time = answer time − run
//!   start time). Further customer messages join the open run; agent messages while no run
//!   is open (an agent speaking first, or twice) answer nothing. System messages and
//!   messages of other roles neither start nor end a run, and neither does a customer
//!   message made only of satisfaction ratings and status payloads (typing, session
//!   end…; API.md §4): it answers, it does not ask, so it neither starts nor joins a run. A run whose start or answer has
//!   no timestamp is answered but has no time. A negative difference (clocks out of order)
//!   is clamped to 0: the answer came no later than the question.
//! * **First response** = the time of the first answered run. Mean, median (mean of the
//!   two middle values for an even count) and 90th percentile (nearest rank: the
//!   ⌈0.9·n⌉-th smallest) over all timed responses, in whole ms rounded down.
//! * **Longest customer wait** = the largest response time, or — when the session ends
//!   with an unanswered run — the time from that run's start to the session's last message
//!   time, when that is larger.
//! * **Unanswered customer messages** = the customer messages of a final unanswered run.
//! * **System events** = role-3 messages plus desk status payloads (typing indicators,
//!   session end or timeout, client state…; API.md §4) sent under any other role: the
//!   things the pages show as muted notes.
//!
//! A figure that does not exist is `None` (JSON `null`), never 0.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Element, Message, Role, custom};

/// Messages (or characters) per role.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct RoleCounts {
    /// All messages, whatever their role.
    pub total: u64,
    /// Role 1.
    pub customer: u64,
    /// Role 2.
    pub agent: u64,
    /// Role 3.
    pub system: u64,
}

impl RoleCounts {
    fn add(&mut self, role: Role, n: u64) {
        self.total += n;
        match role {
            Role::Customer => self.customer += n,
            Role::Agent => self.agent += n,
            Role::System => self.system += n,
            Role::Other => {}
        }
    }

    fn add_all(&mut self, other: &RoleCounts) {
        self.total += other.total;
        self.customer += other.customer;
        self.agent += other.agent;
        self.system += other.system;
    }
}

/// The `MsgType`s of API.md, in byte order: counted in a fixed array, so that a session's
/// summary holds no allocation for them (a map of strings was 600 bytes per session).
const KNOWN_TYPES: [&str; 9] = [
    "TIMCustomElem",
    "TIMFaceElem",
    "TIMFileElem",
    "TIMImageElem",
    "TIMLocationElem",
    "TIMRelayElem",
    "TIMSoundElem",
    "TIMTextElem",
    "TIMVideoFileElem",
];

/// Elements per `MsgType`; written and read as a JSON object sorted by name, like a map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementCounts {
    known: [u64; KNOWN_TYPES.len()],
    /// Other types (rare), sorted by name.
    other: Vec<(String, u64)>,
}

impl ElementCounts {
    /// Adds `n` elements of type `name`.
    pub fn add(&mut self, name: &str, n: u64) {
        if let Ok(i) = KNOWN_TYPES.binary_search(&name) {
            self.known[i] += n;
            return;
        }
        match self.other.binary_search_by(|(k, _)| k.as_str().cmp(name)) {
            Ok(i) => self.other[i].1 += n,
            Err(i) => self.other.insert(i, (name.to_owned(), n)),
        }
    }

    /// Types with at least one element and their counts, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        let known = KNOWN_TYPES
            .iter()
            .zip(self.known)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (*k, n));
        let mut all: Vec<(&str, u64)> = known
            .chain(self.other.iter().map(|(k, n)| (k.as_str(), *n)))
            .collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        all.into_iter()
    }
}

impl Serialize for ElementCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for ElementCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ElementCounts, D::Error> {
        let map = BTreeMap::<String, u64>::deserialize(d)?;
        let mut counts = ElementCounts::default();
        for (name, n) in map {
            counts.add(&name, n);
        }
        Ok(counts)
    }
}

/// One participant of a session.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct Participant {
    /// The `FromAccount`.
    pub account: String,
    /// Messages sent under this account and role.
    pub messages: u64,
}

/// One agent of a session.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct AgentParticipant {
    /// The agent's `FromAccount`.
    pub account: String,
    /// Messages this agent sent.
    pub messages: u64,
    /// Customer runs this agent answered.
    pub answered: u64,
    /// Response time of the first customer run this agent answered; `None` if it answered
    /// none (or that run has no time).
    pub first_response_ms: Option<i64>,
}

/// Distinct senders per role, in order of first appearance.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct Participants {
    /// Role 1 accounts.
    pub customer: Vec<Participant>,
    /// Role 2 accounts (a transfer shows two).
    pub agent: Vec<AgentParticipant>,
    /// Role 3 accounts.
    pub system: Vec<Participant>,
}

/// Summary of a list of response times (ms).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct ResponseTimes {
    /// Answered customer runs (including those without a time).
    pub answered: u64,
    /// Mean of the timed responses.
    pub mean_ms: Option<i64>,
    /// Median of the timed responses.
    pub median_ms: Option<i64>,
    /// 90th percentile (nearest rank) of the timed responses.
    pub p90_ms: Option<i64>,
    /// Largest timed response.
    pub max_ms: Option<i64>,
}

/// One session's figures (module docs define each). Times are Unix ms.
///
/// Small on purpose (SPEC §6): a fixed part plus the participant lists and one map entry
/// per element type, whatever the number of messages.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct SessionStats {
    /// Messages per role.
    pub messages: RoleCounts,
    /// Text characters per role.
    pub characters: RoleCounts,
    /// Elements per `MsgType`.
    pub elements: ElementCounts,
    /// Distinct senders per role.
    pub participants: Participants,
    /// Earliest Timestamp.
    pub first_message_ms: Option<i64>,
    /// Latest Timestamp.
    pub last_message_ms: Option<i64>,
    /// last − first.
    pub duration_ms: Option<i64>,
    /// Time of the first answered customer run.
    pub first_response_ms: Option<i64>,
    /// Every answered run's response time, summarised.
    pub responses: ResponseTimes,
    /// Largest response time, or the final unanswered run's wait when larger.
    pub longest_wait_ms: Option<i64>,
    /// Customer messages of a final unanswered run.
    pub unanswered_customer_messages: u64,
    /// System messages and status payloads.
    pub system_events: u64,
    /// Messages with a timestamp per hour of day (0–23) in the zone given to
    /// [`session_stats_in`]; not written per session to `stats.json` (it depends on the
    /// zone), only summed in the totals for the index chart.
    #[serde(skip)]
    pub messages_by_hour: [u32; 24],
}

impl SessionStats {
    /// `true` when a customer asked and no agent ever answered (a customer who only rated
    /// asked nothing).
    pub fn is_unanswered(&self) -> bool {
        self.unanswered_customer_messages > 0 && self.responses.answered == 0
    }

    /// `true` when the session ends with customer messages nobody answered.
    pub fn ends_unanswered(&self) -> bool {
        self.unanswered_customer_messages > 0
    }
}

/// Computes a session's statistics, with hours of day in UTC.
pub fn session_stats(messages: &[Message]) -> SessionStats {
    session_stats_in(messages, chrono_tz::Tz::UTC)
}

/// Computes a session's statistics; `zone` only decides [`SessionStats::messages_by_hour`].
pub fn session_stats_in(messages: &[Message], zone: chrono_tz::Tz) -> SessionStats {
    let mut stats = SessionStats::default();
    let mut runs = RunTracker::default();
    for m in messages {
        let asks = count_message(&mut stats, m, zone);
        match m.role {
            Role::Customer if asks => runs.customer(m),
            Role::Customer => {}
            Role::Agent => {
                if let Some(answer) = runs.agent(m) {
                    record_answer(&mut stats, &m.from_account, answer);
                }
            }
            Role::System | Role::Other => {}
        }
    }
    let (first, last) = (stats.first_message_ms, stats.last_message_ms);
    stats.duration_ms = first.zip(last).map(|(a, b)| b.saturating_sub(a));
    let mut times = runs.times;
    stats.responses = summarise(&mut times, stats.responses.answered);
    stats.longest_wait_ms = stats.responses.max_ms;
    if let Some(open) = runs.open {
        stats.unanswered_customer_messages = open.messages;
        let wait = open
            .start_ms
            .zip(last)
            .map(|(s, l)| l.saturating_sub(s).max(0));
        stats.longest_wait_ms = stats.longest_wait_ms.max(wait);
    }
    stats
}

/// Counts one message into every figure that does not depend on record order. Returns
/// whether the message asks something: `false` for one made only of ratings and status
/// payloads ([`custom::Payload::answers_without_asking`]), which start no customer run.
fn count_message(stats: &mut SessionStats, m: &Message, zone: chrono_tz::Tz) -> bool {
    stats.messages.add(m.role, 1);
    let mut chars = 0u64;
    let mut status = false;
    let mut answers_only = !m.elements.is_empty();
    for element in &m.elements {
        let name = match element.type_name() {
            "" => "(none)",
            name => name,
        };
        stats.elements.add(name, 1);
        match element {
            Element::Text { text } => chars += text.chars().count() as u64,
            Element::Custom { data, .. } => {
                let payload = custom::parse(data);
                // Exactly what the pages show as a muted system note, so that the two
                // never disagree.
                status |= matches!(payload, custom::Payload::Status(_));
                answers_only &= payload.answers_without_asking();
                continue;
            }
            _ => {}
        }
        answers_only = false;
    }
    stats.characters.add(m.role, chars);
    if m.role == Role::System || status {
        stats.system_events += 1;
    }
    // A hostile time (outside 2000–2100) counts as no time at all (SPEC §9).
    if let Some(ts) = m.plausible_time_ms() {
        stats.first_message_ms = Some(stats.first_message_ms.map_or(ts, |f| f.min(ts)));
        stats.last_message_ms = Some(stats.last_message_ms.map_or(ts, |l| l.max(ts)));
        if let Some(hour) = hour_of_day(ts, zone) {
            stats.messages_by_hour[hour] += 1;
        }
    }
    add_participant(&mut stats.participants, m);
    !answers_only
}

fn add_participant(p: &mut Participants, m: &Message) {
    if m.from_account.is_empty() {
        return;
    }
    let account = &m.from_account;
    match m.role {
        Role::Customer => bump(&mut p.customer, account),
        Role::System => bump(&mut p.system, account),
        Role::Agent => match p.agent.iter_mut().find(|a| &a.account == account) {
            Some(a) => a.messages += 1,
            None => p.agent.push(AgentParticipant {
                account: account.clone(),
                messages: 1,
                answered: 0,
                first_response_ms: None,
            }),
        },
        Role::Other => {}
    }
}

fn bump(list: &mut Vec<Participant>, account: &str) {
    match list.iter_mut().find(|p| p.account == account) {
        Some(p) => p.messages += 1,
        None => list.push(Participant {
            account: account.to_owned(),
            messages: 1,
        }),
    }
}

/// Records one answered run (`answer` = its response time, if timed).
fn record_answer(stats: &mut SessionStats, account: &str, answer: Option<i64>) {
    stats.responses.answered += 1;
    if stats.responses.answered == 1 {
        stats.first_response_ms = answer;
    }
    if let Some(agent) = stats
        .participants
        .agent
        .iter_mut()
        .find(|a| a.account == account)
    {
        if agent.answered == 0 {
            agent.first_response_ms = answer;
        }
        agent.answered += 1;
    }
}

/// The customer run currently waiting for an answer.
#[derive(Debug, Clone, Copy)]
struct OpenRun {
    start_ms: Option<i64>,
    messages: u64,
}

/// Follows customer runs in record order.
#[derive(Debug, Default)]
struct RunTracker {
    open: Option<OpenRun>,
    times: Vec<i64>,
}

impl RunTracker {
    fn customer(&mut self, m: &Message) {
        match &mut self.open {
            Some(run) => run.messages += 1,
            None => {
                self.open = Some(OpenRun {
                    start_ms: m.plausible_time_ms(),
                    messages: 1,
                })
            }
        }
    }

    /// Returns `Some(time)` when this agent message answers an open run.
    fn agent(&mut self, m: &Message) -> Option<Option<i64>> {
        let run = self.open.take()?;
        let time = run
            .start_ms
            .zip(m.plausible_time_ms())
            .map(|(s, a)| a.saturating_sub(s).max(0));
        self.times.extend(time);
        Some(time)
    }
}

/// Mean, median, p90 and max of `times` (sorted in place).
fn summarise(times: &mut [i64], answered: u64) -> ResponseTimes {
    times.sort_unstable();
    let n = times.len() as i64;
    ResponseTimes {
        answered,
        mean_ms: (n > 0)
            .then(|| times.iter().map(|&t| i128::from(t)).sum::<i128>() / i128::from(n))
            .and_then(|m| i64::try_from(m).ok()),
        median_ms: median(times),
        p90_ms: percentile(times, 90),
        max_ms: times.last().copied(),
    }
}

/// Median of sorted values: the middle one, or the mean of the two middle ones rounded
/// down.
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    if n % 2 == 1 {
        return Some(sorted[n / 2]);
    }
    let (a, b) = (i128::from(sorted[n / 2 - 1]), i128::from(sorted[n / 2]));
    i64::try_from((a + b).div_euclid(2)).ok()
}

/// Nearest-rank percentile of sorted values: the ⌈p/100·n⌉-th smallest (p in 1..=100).
pub fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

/// Local hour of day of a Unix-ms instant.
fn hour_of_day(ts_ms: i64, zone: chrono_tz::Tz) -> Option<usize> {
    use chrono::Timelike;
    let utc = chrono::DateTime::from_timestamp_millis(ts_ms)?;
    Some(utc.with_timezone(&zone).hour() as usize)
}

/// Median and 90th percentile of one figure over sessions.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Distribution {
    /// Sessions that have the figure.
    pub sessions: u64,
    /// Median (see [`median`]).
    pub median_ms: Option<i64>,
    /// 90th percentile (see [`percentile`]).
    pub p90_ms: Option<i64>,
}

impl Distribution {
    fn of(values: &mut [i64]) -> Distribution {
        values.sort_unstable();
        Distribution {
            sessions: values.len() as u64,
            median_ms: median(values),
            p90_ms: percentile(values, 90),
        }
    }
}

/// One agent's figures over the whole archive.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct AgentTotals {
    /// The agent's `FromAccount`.
    pub account: String,
    /// Sessions in which the agent sent at least one message.
    pub sessions: u64,
    /// Messages the agent sent.
    pub messages: u64,
    /// Customer runs the agent answered.
    pub answered: u64,
    /// The agent's first response per session ([`AgentParticipant::first_response_ms`]).
    pub first_response: Distribution,
}

/// Figures over the whole archive (the sessions that have a record).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Sessions.
    pub sessions: u64,
    /// Messages per role.
    pub messages: RoleCounts,
    /// Text characters per role.
    pub characters: RoleCounts,
    /// Elements per `MsgType`.
    pub elements: BTreeMap<String, u64>,
    /// Distinct customer accounts.
    pub customers: u64,
    /// Distinct agent accounts.
    pub agents: u64,
    /// Earliest message of the archive.
    pub first_message_ms: Option<i64>,
    /// Latest message of the archive.
    pub last_message_ms: Option<i64>,
    /// Sessions' first response times.
    pub first_response: Distribution,
    /// Sessions' longest customer waits.
    pub longest_wait: Distribution,
    /// Largest longest-wait of any session.
    pub longest_wait_ms: Option<i64>,
    /// Sessions in which a customer asked and no agent ever answered.
    pub unanswered_sessions: u64,
    /// Sessions that end with unanswered customer messages.
    pub sessions_ending_unanswered: u64,
    /// System events.
    pub system_events: u64,
    /// Messages per hour of day (0–23) in the zone the sessions were computed in.
    pub messages_by_hour: [u64; 24],
    /// Per agent, sorted by account. Not serialised here: `stats.json` writes it with each
    /// agent's page.
    #[serde(skip)]
    pub per_agent: Vec<AgentTotals>,
}

/// Folds [`SessionStats`] into [`Totals`]. Memory grows with sessions and distinct
/// accounts (one `i64` per timed figure per session), never with messages.
#[derive(Debug, Default)]
pub struct TotalsBuilder {
    totals: Totals,
    first_responses: Vec<i64>,
    waits: Vec<i64>,
    customers: std::collections::BTreeSet<String>,
    agents: BTreeMap<String, (AgentTotals, Vec<i64>)>,
}

impl TotalsBuilder {
    /// Adds one session.
    pub fn add(&mut self, s: &SessionStats) {
        let t = &mut self.totals;
        t.sessions += 1;
        t.messages.add_all(&s.messages);
        t.characters.add_all(&s.characters);
        for (name, n) in s.elements.iter() {
            *t.elements.entry(name.to_owned()).or_default() += n;
        }
        t.first_message_ms = min_opt(t.first_message_ms, s.first_message_ms);
        t.last_message_ms = t.last_message_ms.max(s.last_message_ms);
        t.longest_wait_ms = t.longest_wait_ms.max(s.longest_wait_ms);
        t.unanswered_sessions += u64::from(s.is_unanswered());
        t.sessions_ending_unanswered += u64::from(s.ends_unanswered());
        t.system_events += s.system_events;
        for (sum, n) in t.messages_by_hour.iter_mut().zip(s.messages_by_hour) {
            *sum += u64::from(n);
        }
        self.first_responses.extend(s.first_response_ms);
        self.waits.extend(s.longest_wait_ms);
        for c in &s.participants.customer {
            if !self.customers.contains(&c.account) {
                self.customers.insert(c.account.clone());
            }
        }
        for a in &s.participants.agent {
            let (acc, firsts) = self.agents.entry(a.account.clone()).or_default();
            acc.sessions += 1;
            acc.messages += a.messages;
            acc.answered += a.answered;
            firsts.extend(a.first_response_ms);
        }
    }

    /// The totals.
    pub fn finish(mut self) -> Totals {
        let mut t = self.totals;
        t.customers = self.customers.len() as u64;
        t.agents = self.agents.len() as u64;
        t.first_response = Distribution::of(&mut self.first_responses);
        t.longest_wait = Distribution::of(&mut self.waits);
        t.per_agent = self
            .agents
            .into_iter()
            .map(|(account, (mut acc, mut firsts))| {
                acc.account = account;
                acc.first_response = Distribution::of(&mut firsts);
                acc
            })
            .collect();
        t
    }
}

/// Totals of a list of sessions.
pub fn totals<'a>(sessions: impl IntoIterator<Item = &'a SessionStats>) -> Totals {
    let mut builder = TotalsBuilder::default();
    for s in sessions {
        builder.add(s);
    }
    builder.finish()
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hostile_timestamps_count_as_no_time() {
        // Outside 2000–2100 a time is left out of every figure (SPEC §9), also at the
        // extremes, where a difference would overflow.
        let raw = [
            r#"{"FromAccountRole":1,"Timestamp":-9223372036854775808}"#,
            r#"{"FromAccountRole":2,"Timestamp":9223372036854775807}"#,
            r#"{"FromAccountRole":1,"Timestamp":-8000000000000000}"#,
            r#"{"FromAccountRole":2,"Timestamp":1704067200000}"#,
            r#"{"FromAccountRole":1,"Timestamp":1704067260000}"#,
            r#"{"FromAccountRole":2,"Timestamp":8000000000000000}"#,
        ];
        let messages: Vec<_> = raw
            .iter()
            .enumerate()
            .map(|(i, r)| crate::model::parse_message(i, r))
            .collect();
        let s = session_stats(&messages);
        assert_eq!(s.first_message_ms, Some(1_704_067_200_000));
        assert_eq!(s.last_message_ms, Some(1_704_067_260_000));
        assert_eq!(s.duration_ms, Some(60_000));
        assert_eq!(s.first_response_ms, None);
        assert_eq!(s.responses.answered, 3);
        assert_eq!(s.messages_by_hour.iter().sum::<u32>(), 2);
        let edges = [
            "946684799999",
            "946684800000",
            "4102444799999",
            "4102444800000",
        ]
        .map(|t| parse_message(0, &format!(r#"{{"Timestamp":{t}}}"#)));
        let kept: Vec<_> = edges.iter().map(Message::plausible_time_ms).collect();
        assert_eq!(
            kept,
            [None, Some(946_684_800_000), Some(4_102_444_799_999), None]
        );
    }

    use super::*;
    use crate::model::parse_message;

    /// 2024-01-01T00:00:00Z: small test times are counted from here, so that they are
    /// plausible (2000–2100).
    const T0: i64 = 1_704_067_200_000;

    /// `(role, account, timestamp, text)` → messages in record order; a timestamp before
    /// 2000 is taken as milliseconds after [`T0`].
    fn msgs(spec: &[(i64, &str, Option<i64>, &str)]) -> Vec<Message> {
        spec.iter()
            .enumerate()
            .map(|(i, (role, account, ts, text))| {
                let ts = ts.map(|t| if t < 946_684_800_000 { T0 + t } else { t });
                let ts = ts.map(|t| format!(r#","Timestamp":{t}"#)).unwrap_or_default();
                let text = serde_json::to_string(text).unwrap();
                let raw = format!(
                    r#"{{"FromAccount":"{account}","FromAccountRole":{role},"MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":{text}}}}}]{ts}}}"#
                );
                parse_message(i, &raw)
            })
            .collect()
    }

    const C: i64 = 1;
    const A: i64 = 2;
    const S: i64 = 3;

    #[test]
    fn empty_session_has_no_figures() {
        let s = session_stats(&[]);
        assert_eq!(s.messages, RoleCounts::default());
        assert_eq!(s.first_message_ms, None);
        assert_eq!(s.last_message_ms, None);
        assert_eq!(s.duration_ms, None);
        assert_eq!(s.first_response_ms, None);
        assert_eq!(s.longest_wait_ms, None);
        assert_eq!(s.responses, ResponseTimes::default());
        assert!(!s.is_unanswered());
        let json = serde_json::to_value(&s).unwrap();
        assert!(json["first_response_ms"].is_null());
        assert!(json["duration_ms"].is_null());
    }

    #[test]
    fn system_only_session() {
        let s = session_stats(&msgs(&[
            (S, "sys", Some(1000), "open"),
            (S, "sys", Some(4000), "close"),
        ]));
        assert_eq!(
            s.messages,
            RoleCounts {
                total: 2,
                customer: 0,
                agent: 0,
                system: 2
            }
        );
        assert_eq!(s.duration_ms, Some(3000));
        assert_eq!(s.first_response_ms, None);
        assert_eq!(s.longest_wait_ms, None);
        assert_eq!(s.system_events, 2);
        assert_eq!(s.unanswered_customer_messages, 0);
        assert!(!s.is_unanswered());
        assert_eq!(
            s.participants.system,
            vec![Participant {
                account: "sys".into(),
                messages: 2
            }]
        );
    }

    #[test]
    fn customer_only_session_waits_until_its_last_message() {
        let s = session_stats(&msgs(&[
            (C, "c", Some(1_000), "hi"),
            (S, "sys", Some(2_000), "queued"),
            (C, "c", Some(61_000), "anyone?"),
        ]));
        assert_eq!(s.messages.customer, 2);
        assert_eq!(s.first_response_ms, None);
        assert_eq!(s.responses.answered, 0);
        assert_eq!(s.responses.mean_ms, None);
        assert_eq!(s.unanswered_customer_messages, 2);
        assert_eq!(s.longest_wait_ms, Some(60_000));
        assert!(s.is_unanswered() && s.ends_unanswered());
    }

    #[test]
    fn runs_follow_record_order_and_system_messages_are_transparent() {
        // run 1: starts 10_000, answered 40_000 → 30_000 (the second "c" joins the run)
        // run 2: starts 50_000, a system note does not answer it, answered 60_000 → 10_000
        // run 3: starts 70_000, answered 170_000 → 100_000
        let s = session_stats(&msgs(&[
            (C, "c", Some(10_000), "a"),
            (C, "c", Some(20_000), "b"),
            (A, "ag1", Some(40_000), "c"),
            (A, "ag1", Some(45_000), "d"),
            (C, "c", Some(50_000), "e"),
            (S, "sys", Some(55_000), "transfer"),
            (A, "ag2", Some(60_000), "f"),
            (C, "c", Some(70_000), "g"),
            (A, "ag1", Some(170_000), "h"),
        ]));
        assert_eq!(s.first_response_ms, Some(30_000));
        assert_eq!(s.responses.answered, 3);
        assert_eq!(s.responses.mean_ms, Some(46_666)); // 140_000 / 3, rounded down
        assert_eq!(s.responses.median_ms, Some(30_000));
        assert_eq!(s.responses.p90_ms, Some(100_000)); // rank ⌈2.7⌉ = 3
        assert_eq!(s.responses.max_ms, Some(100_000));
        assert_eq!(s.longest_wait_ms, Some(100_000));
        assert_eq!(s.unanswered_customer_messages, 0);
        let agents: Vec<_> = s
            .participants
            .agent
            .iter()
            .map(|a| {
                (
                    a.account.as_str(),
                    a.messages,
                    a.answered,
                    a.first_response_ms,
                )
            })
            .collect();
        assert_eq!(
            agents,
            [("ag1", 3, 2, Some(30_000)), ("ag2", 1, 1, Some(10_000))]
        );
        assert_eq!(s.duration_ms, Some(160_000));
    }

    #[test]
    fn agent_speaking_first_answers_nothing() {
        let s = session_stats(&msgs(&[
            (A, "ag", Some(1_000), "welcome"),
            (C, "c", Some(5_000), "hi"),
            (A, "ag", Some(7_500), "hello"),
        ]));
        assert_eq!(s.first_response_ms, Some(2_500));
        assert_eq!(s.responses.answered, 1);
        assert_eq!(s.longest_wait_ms, Some(2_500));
    }

    #[test]
    fn agent_first_and_no_customer_is_not_unanswered() {
        let s = session_stats(&msgs(&[(A, "ag", Some(1_000), "welcome")]));
        assert_eq!(s.first_response_ms, None);
        assert!(!s.is_unanswered());
        assert_eq!(s.duration_ms, Some(0));
    }

    #[test]
    fn equal_timestamps_give_zero_not_none() {
        let s = session_stats(&msgs(&[(C, "c", Some(5), "a"), (A, "ag", Some(5), "b")]));
        assert_eq!(s.first_response_ms, Some(0));
        assert_eq!(s.duration_ms, Some(0));
        assert_eq!(s.responses.median_ms, Some(0));
    }

    #[test]
    fn out_of_order_timestamps() {
        // min/max give first/last; a negative response time is clamped to 0.
        let s = session_stats(&msgs(&[
            (C, "c", Some(9_000), "a"),
            (A, "ag", Some(3_000), "b"),
            (C, "c", Some(1_000), "c"),
            (A, "ag", Some(4_000), "d"),
        ]));
        assert_eq!(s.first_message_ms, Some(T0 + 1_000));
        assert_eq!(s.last_message_ms, Some(T0 + 9_000));
        assert_eq!(s.duration_ms, Some(8_000));
        assert_eq!(s.first_response_ms, Some(0));
        assert_eq!(s.responses.median_ms, Some(1_500)); // (0 + 3000) / 2
        assert_eq!(s.longest_wait_ms, Some(3_000));
    }

    #[test]
    fn missing_timestamps() {
        // The untimed run is answered but has no time; the timed one has.
        let s = session_stats(&msgs(&[
            (C, "c", None, "a"),
            (A, "ag", Some(2_000), "b"),
            (C, "c", Some(3_000), "c"),
            (A, "ag", Some(3_700), "d"),
            (C, "c", Some(4_000), "e"),
            (A, "ag", None, "f"),
        ]));
        assert_eq!(s.first_message_ms, Some(T0 + 2_000));
        assert_eq!(s.last_message_ms, Some(T0 + 4_000));
        assert_eq!(s.responses.answered, 3);
        assert_eq!(s.first_response_ms, None);
        assert_eq!(s.responses.mean_ms, Some(700));
        assert_eq!(s.responses.median_ms, Some(700));
        assert_eq!(s.participants.agent[0].first_response_ms, None);
        assert!(!s.is_unanswered());
        let none = session_stats(&msgs(&[(C, "c", None, "a")]));
        assert_eq!(
            (
                none.first_message_ms,
                none.duration_ms,
                none.longest_wait_ms
            ),
            (None, None, None)
        );
        assert_eq!(none.unanswered_customer_messages, 1);
    }

    #[test]
    fn final_unanswered_run_counts_as_a_wait_when_longer() {
        let s = session_stats(&msgs(&[
            (C, "c", Some(0), "a"),
            (A, "ag", Some(1_000), "b"),
            (C, "c", Some(2_000), "c"),
            (C, "c", Some(3_000), "d"),
            (S, "sys", Some(12_000), "timeout"),
        ]));
        assert_eq!(s.first_response_ms, Some(1_000));
        assert_eq!(s.unanswered_customer_messages, 2);
        assert_eq!(s.longest_wait_ms, Some(10_000));
        assert!(!s.is_unanswered() && s.ends_unanswered());
    }

    #[test]
    fn characters_count_scalar_values_of_text_per_role() {
        // "héllo 你好 🙂" = 5 + 1 + 2 + 1 + 1 = 10 scalar values
        let mut m = msgs(&[
            (C, "c", Some(0), "héllo 你好 🙂"),
            (A, "ag", Some(1), "ok"),
            (9, "x", Some(2), "abc"),
        ]);
        m.push(parse_message(
            3,
            r#"{"FromAccountRole":1,"MsgBody":[{"MsgType":"TIMFaceElem","MsgContent":{"Index":1,"Data":"smile"}},{"MsgType":"TIMGroupTipElem","MsgContent":{}},{"MsgContent":{}}]}"#,
        ));
        let s = session_stats(&m);
        assert_eq!(
            s.characters,
            RoleCounts {
                total: 15,
                customer: 10,
                agent: 2,
                system: 0
            }
        );
        assert_eq!(
            s.messages,
            RoleCounts {
                total: 4,
                customer: 2,
                agent: 1,
                system: 0
            }
        );
        let elements: Vec<_> = s.elements.iter().collect();
        assert_eq!(
            elements,
            [
                ("(none)", 1),
                ("TIMFaceElem", 1),
                ("TIMGroupTipElem", 1),
                ("TIMTextElem", 3)
            ]
        );
        // role 9 is no participant; the message without FromAccount names nobody
        assert_eq!(s.participants.customer.len(), 1);
        assert_eq!(s.participants.customer[0].messages, 1);
    }

    #[test]
    fn status_payloads_are_system_events() {
        let typing = r#"{\"src\":\"12\",\"customerServicePlugin\":0}"#;
        let card = r#"{\"src\":\"22\",\"customerServicePlugin\":0,\"content\":{\"header\":\"h\"}}"#;
        // Bot commands (13) and satisfaction settings (23) are shown as system notes, so
        // they count as system events too.
        let command = r#"{\"src\":\"13\",\"customerServicePlugin\":0,\"content\":{\"command\":\"feedback\"}}"#;
        let settings = r#"{\"src\":\"23\",\"customerServicePlugin\":0}"#;
        let raw = |i, data: &str| {
            parse_message(
                i,
                &format!(
                    r#"{{"FromAccountRole":1,"MsgBody":[{{"MsgType":"TIMCustomElem","MsgContent":{{"Data":"{data}"}}}}]}}"#
                ),
            )
        };
        let s = session_stats(&[raw(0, typing), raw(1, card)]);
        assert_eq!(s.system_events, 1);
        let s = session_stats(&[raw(0, command), raw(1, settings), raw(2, card)]);
        assert_eq!(s.system_events, 2);
    }

    /// A customer message of custom elements with these `Data`s (JSON, unescaped).
    fn custom_message(i: usize, role: i64, ts: i64, data: &[&str]) -> Message {
        let body: Vec<String> = data
            .iter()
            .map(|d| {
                let data = serde_json::to_string(d).unwrap();
                format!(r#"{{"MsgType":"TIMCustomElem","MsgContent":{{"Data":{data}}}}}"#)
            })
            .collect();
        let raw = format!(
            r#"{{"FromAccount":"c","FromAccountRole":{role},"Timestamp":{},"MsgBody":[{}]}}"#,
            T0 + ts,
            body.join(",")
        );
        parse_message(i, &raw)
    }

    #[test]
    fn ratings_and_status_payloads_start_no_customer_run() {
        let rating = r#"{"src":"10","customerServicePlugin":0,"menuSelected":{"id":"5","content":"5 stars"}}"#;
        let evaluation = r#"{"businessID":"evaluation","version":1,"score":5,"comment":"great"}"#;
        let typing = r#"{"businessID":"user_typing_status","typingStatus":1}"#;
        let end = r#"{"src":"19","customerServicePlugin":0}"#;
        let card = r#"{"src":"22","customerServicePlugin":0,"content":{"header":"h"}}"#;
        let mut m = msgs(&[(C, "c", Some(0), "help"), (A, "ag", Some(1_000), "done")]);
        // A 5-star rating after the answer, then a typing indicator and a TUIKit rating.
        m.push(custom_message(2, C, 5_000, &[rating]));
        m.push(custom_message(3, C, 6_000, &[typing, evaluation]));
        m.push(custom_message(4, S, 7_000, &[end]));
        let s = session_stats(&m);
        assert_eq!(s.unanswered_customer_messages, 0);
        assert!(!s.ends_unanswered() && !s.is_unanswered());
        assert_eq!(s.longest_wait_ms, Some(1_000));
        assert_eq!(
            s.messages.customer, 3,
            "the ratings still count as messages"
        );
        // Nor do they join an open run: one question, a rating, then the answer.
        let mut m = msgs(&[(C, "c", Some(0), "help")]);
        m.push(custom_message(1, C, 1_000, &[rating]));
        m.extend(msgs(&[(A, "ag", Some(4_000), "here")]));
        let s = session_stats(&m);
        assert_eq!(
            (s.first_response_ms, s.responses.answered),
            (Some(4_000), 1)
        );
        // A rating alone is no question: the session is not unanswered.
        let s = session_stats(&[custom_message(0, C, 0, &[rating])]);
        assert!(!s.is_unanswered() && !s.ends_unanswered());
        // A product card asks (and so does a message mixing a rating with anything else).
        let s = session_stats(&[custom_message(0, C, 0, &[card])]);
        assert_eq!(s.unanswered_customer_messages, 1);
        let mut m = msgs(&[(C, "c", Some(0), "and also…")]);
        m[0] = parse_message(
            0,
            &format!(
                r#"{{"FromAccountRole":1,"Timestamp":{T0},"MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"and?"}}}},{{"MsgType":"TIMCustomElem","MsgContent":{{"Data":{}}}}}]}}"#,
                serde_json::to_string(rating).unwrap()
            ),
        );
        assert_eq!(session_stats(&m).unanswered_customer_messages, 1);
    }

    #[test]
    fn hours_of_day_follow_the_zone() {
        // 2024-07-01T23:30:00Z is 07:30 in Shanghai, 19:30 in New York (EDT).
        let m = msgs(&[(C, "c", Some(1_719_876_600_000), "a")]);
        assert_eq!(session_stats(&m).messages_by_hour[23], 1);
        assert_eq!(
            session_stats_in(&m, chrono_tz::Asia::Shanghai).messages_by_hour[7],
            1
        );
        assert_eq!(
            session_stats_in(&m, chrono_tz::America::New_York).messages_by_hour[19],
            1
        );
    }

    #[test]
    fn session_stats_stay_small() {
        // The fixed part; participants and element types add a little heap each.
        assert!(
            std::mem::size_of::<SessionStats>() <= 512,
            "{}",
            std::mem::size_of::<SessionStats>()
        );
    }

    #[test]
    fn median_and_percentile() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[1, 2, 3, 10]), Some(2));
        assert_eq!(median(&[-3, 0]), Some(-2)); // rounded down
        assert_eq!(percentile(&[5], 90), Some(5));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(percentile(&eleven, 90), Some(10)); // ⌈9.9⌉
    }

    #[test]
    fn totals_fold_sessions() {
        let a = session_stats(&msgs(&[
            (C, "c1", Some(1_000), "a"),
            (A, "ag1", Some(3_000), "b"),
            (A, "ag2", Some(4_000), "c"),
        ]));
        let b = session_stats(&msgs(&[
            (C, "c2", Some(10_000), "a"),
            (A, "ag1", Some(20_000), "b"),
        ]));
        let c = session_stats(&msgs(&[(C, "c1", Some(500), "a")]));
        let empty = session_stats(&[]);
        let t = totals([&a, &b, &c, &empty]);
        assert_eq!(t.sessions, 4);
        assert_eq!(
            t.messages,
            RoleCounts {
                total: 6,
                customer: 3,
                agent: 3,
                system: 0
            }
        );
        assert_eq!((t.customers, t.agents), (2, 2));
        assert_eq!(
            (t.first_message_ms, t.last_message_ms),
            (Some(T0 + 500), Some(T0 + 20_000))
        );
        assert_eq!(t.first_response.sessions, 2);
        assert_eq!(t.first_response.median_ms, Some(6_000)); // (2000 + 10000) / 2
        assert_eq!(t.first_response.p90_ms, Some(10_000));
        assert_eq!(t.unanswered_sessions, 1);
        assert_eq!(t.sessions_ending_unanswered, 1);
        let ag1 = &t.per_agent[0];
        assert_eq!(
            (ag1.account.as_str(), ag1.sessions, ag1.messages),
            ("ag1", 2, 2)
        );
        assert_eq!(ag1.first_response.median_ms, Some(6_000));
        let ag2 = &t.per_agent[1];
        assert_eq!(
            (ag2.sessions, ag2.answered, ag2.first_response.median_ms),
            (1, 0, None)
        );
        assert_eq!(totals([]).first_message_ms, None);
    }
}

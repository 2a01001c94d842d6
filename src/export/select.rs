//! Which sessions `export` takes: the filters of `search` (SPEC §11), with the same flag
//! names and meanings — a filter given twice accepts either value, different filters
//! must all hold — applied per session: a session is selected when it passes the session
//! filters (`--session`, `--sessions`, `--metadata`, `--agent`) and, if a message filter
//! is given (`--role`, `--account`, `--since`, `--until`), at least one of its messages
//! passes all of them. `search` lives on its own branch for now; when both are on main,
//! this module is the one to fold into its filters.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::model::{Message, Role};
use crate::records::{Metadata, stem};

/// The selection of an export. [`Selection::all`] accepts everything.
#[derive(Debug, Clone)]
pub struct Selection {
    /// `--role`: messages sent by one of these roles.
    pub roles: Vec<Role>,
    /// `--account`: messages sent by one of these accounts.
    pub accounts: Vec<String>,
    /// `--agent`: sessions one of these accounts served (sent an agent message in).
    pub agents: Vec<String>,
    /// `--session` (repeatable) and `--sessions FILE`: SessionIds or stems; `None` = all.
    pub sessions: Option<BTreeSet<String>>,
    /// `--since`: messages on or after this local day.
    pub since: Option<NaiveDate>,
    /// `--until`: messages on or before this local day.
    pub until: Option<NaiveDate>,
    /// `--metadata KEY=VALUE` (repeatable): every pair must be in the record's Metadata
    /// (compared as text; a number or boolean compares as its JSON text).
    pub metadata: Vec<(String, String)>,
    /// The zone the days are counted in (`--timezone`, else the archive's remembered one).
    pub timezone: Tz,
    /// `--sessions FILE` as given, for export.json.
    pub sessions_file: Option<String>,
}

impl Selection {
    /// Everything.
    pub fn all(timezone: Tz) -> Selection {
        Selection {
            roles: Vec::new(),
            accounts: Vec::new(),
            agents: Vec::new(),
            sessions: None,
            since: None,
            until: None,
            metadata: Vec::new(),
            timezone,
            sessions_file: None,
        }
    }

    /// Whether the messages must be read to decide.
    pub fn needs_messages(&self) -> bool {
        !self.agents.is_empty() || self.has_message_filter()
    }

    fn has_message_filter(&self) -> bool {
        !self.roles.is_empty()
            || !self.accounts.is_empty()
            || self.since.is_some()
            || self.until.is_some()
    }

    /// Whether the session passes the filters that need no messages.
    pub fn matches_head(&self, session_id: &str, metadata: &Metadata) -> bool {
        if let Some(ids) = &self.sessions
            && !ids.contains(session_id)
            && !ids.contains(&stem(session_id))
        {
            return false;
        }
        self.metadata.iter().all(|(key, value)| {
            metadata
                .get(key)
                .is_some_and(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned) == *value)
        })
    }

    /// Whether the session passes the filters on its messages.
    pub fn matches_messages(&self, messages: &[Message]) -> bool {
        if !self.agents.is_empty()
            && !messages
                .iter()
                .any(|m| m.role == Role::Agent && self.agents.contains(&m.from_account))
        {
            return false;
        }
        !self.has_message_filter() || messages.iter().any(|m| self.message(m))
    }

    fn message(&self, m: &Message) -> bool {
        (self.roles.is_empty() || self.roles.contains(&m.role))
            && (self.accounts.is_empty() || self.accounts.contains(&m.from_account))
            && self.day_passes(m.timestamp_ms)
    }

    fn day_passes(&self, timestamp_ms: Option<i64>) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        // A message without a readable time is on no day, so a date filter drops it.
        let Some(day) = timestamp_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.with_timezone(&self.timezone).date_naive())
        else {
            return false;
        };
        self.since.is_none_or(|s| day >= s) && self.until.is_none_or(|u| day <= u)
    }
}

/// Parses `--role`.
pub fn parse_role(s: &str) -> Option<Role> {
    match s.to_ascii_lowercase().as_str() {
        "customer" => Some(Role::Customer),
        "agent" => Some(Role::Agent),
        "system" => Some(Role::System),
        _ => None,
    }
}

/// Parses a `--since`/`--until` value: `YYYY-MM-DD` (as `search` does).
pub fn parse_day(flag: &str, value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{flag} `{value}`: not a date such as 2024-11-07"))
}

/// Parses a `--metadata` value: `KEY=VALUE` (the first `=` splits; VALUE may be empty).
pub fn parse_metadata(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, v)) if !key.is_empty() => Ok((key.to_owned(), v.to_owned())),
        _ => Err(format!("--metadata `{value}`: expected KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_message;
    use serde_json::Value;

    fn msgs() -> Vec<Message> {
        [
            r#"{"FromAccount":"c1","FromAccountRole":1,"Timestamp":1704067200000,"MsgBody":[]}"#,
            r#"{"FromAccount":"a7","FromAccountRole":2,"Timestamp":1704153600000,"MsgBody":[]}"#,
        ]
        .iter()
        .enumerate()
        .map(|(i, m)| parse_message(i, m))
        .collect()
    }

    #[test]
    fn message_filters_need_one_message_passing_all() {
        let m = msgs();
        let mut s = Selection::all(chrono_tz::UTC);
        assert!(s.matches_messages(&m));
        s.roles = vec![Role::Agent];
        s.accounts = vec!["c1".into()];
        assert!(!s.matches_messages(&m), "no agent message from c1");
        s.accounts.push("a7".into());
        s.since = NaiveDate::from_ymd_opt(2024, 1, 2);
        assert!(
            s.matches_messages(&m),
            "a filter given twice accepts either value"
        );
        s.until = NaiveDate::from_ymd_opt(2024, 1, 1);
        assert!(!s.matches_messages(&m));
    }

    #[test]
    fn days_are_local() {
        // 2024-01-01 00:00 UTC is still 31 December in Los Angeles.
        let m = msgs();
        let mut s = Selection::all(chrono_tz::America::Los_Angeles);
        s.until = NaiveDate::from_ymd_opt(2023, 12, 31);
        assert!(s.matches_messages(&m));
        s.timezone = chrono_tz::UTC;
        assert!(!s.matches_messages(&m));
        let untimed = [parse_message(0, r#"{"FromAccountRole":1}"#)];
        assert!(!s.matches_messages(&untimed));
    }

    #[test]
    fn session_filters() {
        let m = msgs();
        let mut s = Selection::all(chrono_tz::UTC);
        s.agents = vec!["a7".into()];
        assert!(s.matches_messages(&m));
        s.agents = vec!["c1".into()];
        assert!(!s.matches_messages(&m), "c1 is no agent");
        let mut meta = Metadata::new();
        meta.insert("Channel".into(), Value::String("web".into()));
        meta.insert("n".into(), Value::from(3));
        s.metadata = vec![
            parse_metadata("Channel=web").unwrap(),
            parse_metadata("n=3").unwrap(),
        ];
        s.sessions = Some(["S-1".to_owned()].into());
        assert!(s.matches_head("S-1", &meta));
        assert!(!s.matches_head("S-2", &meta));
        s.metadata = vec![("Channel".into(), "app".into())];
        assert!(!s.matches_head("S-1", &meta));
        assert!(parse_metadata("=x").is_err() && parse_metadata("novalue").is_err());
        assert_eq!(parse_metadata("k=a=b").unwrap(), ("k".into(), "a=b".into()));
        assert!(parse_day("--until", "7/11/2024").is_err());
    }
}

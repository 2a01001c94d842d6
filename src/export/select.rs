//! Which sessions `export` takes: the filters of `search` (SPEC §11) applied per session —
//! a session is selected when it passes the session filters (`--session`, `--sessions`,
//! `--metadata`, `--agent`) and, if a message filter is given (`--role`, `--account`,
//! `--since`, `--until`), at least one of its messages passes all of them. Same flag names
//! and meanings as `search`, so the two can share one implementation later.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_json::Value;

use crate::model::{Message, Role};
use crate::records::{Metadata, stem};

/// The selection of an export.
#[derive(Debug, Clone)]
pub struct Selection {
    /// `--role`: messages of this role.
    pub role: Option<Role>,
    /// `--account`: messages sent by this account.
    pub account: Option<String>,
    /// `--agent`: sessions this agent served (sent at least one agent message).
    pub agent: Option<String>,
    /// `--session` (repeatable) and `--sessions FILE`: SessionIds or stems; `None` = all.
    pub sessions: Option<BTreeSet<String>>,
    /// `--since`: messages on or after this local date.
    pub since: Option<NaiveDate>,
    /// `--until`: messages on or before this local date.
    pub until: Option<NaiveDate>,
    /// `--metadata KEY=VALUE` (repeatable): every pair must match the record's Metadata.
    pub metadata: Vec<(String, String)>,
    /// `--timezone`: the zone of the dates.
    pub timezone: Tz,
    /// `--sessions FILE` as given, for export.json.
    pub sessions_file: Option<String>,
}

impl Selection {
    /// Everything.
    pub fn all(timezone: Tz) -> Selection {
        Selection {
            role: None,
            account: None,
            agent: None,
            sessions: None,
            since: None,
            until: None,
            metadata: Vec::new(),
            timezone,
            sessions_file: None,
        }
    }

    /// Whether the session-level filters can be decided without the messages.
    pub fn needs_messages(&self) -> bool {
        self.agent.is_some() || self.has_message_filter()
    }

    fn has_message_filter(&self) -> bool {
        self.role.is_some()
            || self.account.is_some()
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
        self.metadata.iter().all(|(k, v)| match metadata.get(k) {
            Some(Value::String(s)) => s == v,
            Some(other) => v.as_str() == other.to_string().as_str(),
            None => false,
        })
    }

    /// Whether the session passes the filters on its messages.
    pub fn matches_messages(&self, messages: &[Message]) -> bool {
        if let Some(agent) = &self.agent
            && !messages
                .iter()
                .any(|m| m.role == Role::Agent && m.from_account == *agent)
        {
            return false;
        }
        !self.has_message_filter() || messages.iter().any(|m| self.message(m))
    }

    fn message(&self, m: &Message) -> bool {
        if self.role.is_some_and(|r| r != m.role) {
            return false;
        }
        if self.account.as_ref().is_some_and(|a| *a != m.from_account) {
            return false;
        }
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Some(day) = m
            .timestamp_ms
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

/// The name of a role for export.json.
pub fn role_name(role: Role) -> &'static str {
    role.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_message;

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
        s.role = Some(Role::Agent);
        s.account = Some("c1".into());
        assert!(!s.matches_messages(&m), "no agent message from c1");
        s.account = Some("a7".into());
        s.since = NaiveDate::from_ymd_opt(2024, 1, 2);
        assert!(s.matches_messages(&m));
        s.until = NaiveDate::from_ymd_opt(2024, 1, 1);
        assert!(!s.matches_messages(&m));
    }

    #[test]
    fn session_filters() {
        let m = msgs();
        let mut s = Selection::all(chrono_tz::UTC);
        s.agent = Some("a7".into());
        assert!(s.matches_messages(&m));
        s.agent = Some("c1".into());
        assert!(!s.matches_messages(&m), "c1 is no agent");
        let mut meta = Metadata::new();
        meta.insert("Channel".into(), Value::String("web".into()));
        s.metadata = vec![("Channel".into(), "web".into())];
        s.sessions = Some(["S-1".to_owned()].into());
        assert!(s.matches_head("S-1", &meta));
        assert!(!s.matches_head("S-2", &meta));
        s.metadata = vec![("Channel".into(), "app".into())];
        assert!(!s.matches_head("S-1", &meta));
    }
}

//! The filters of `search` (SPEC §11): which sessions (`--session`, `--agent`,
//! `--metadata`) and which messages (`--role`, `--account`, `--since`, `--until`) count.
//! A filter given twice accepts either value; different filters must all hold.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use crate::model::{Message, Role};
use crate::records::Metadata;

/// Every filter, resolved. The default accepts everything.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    /// `--role`: the message's sender role is one of these.
    pub roles: Vec<Role>,
    /// `--account`: the message's `FromAccount` is one of these.
    pub accounts: Vec<String>,
    /// `--agent`: one of these accounts sent an agent message in the session.
    pub agents: Vec<String>,
    /// `--session`: the SessionId is one of these.
    pub sessions: Vec<String>,
    /// `--metadata KEY=VALUE`: each pair is in the record's Metadata (values compared as
    /// text; a number or boolean column compares as its JSON text).
    pub metadata: Vec<(String, String)>,
    /// `--since`: the message's local day is this one or later.
    pub since: Option<NaiveDate>,
    /// `--until`: the message's local day is this one or earlier.
    pub until: Option<NaiveDate>,
    /// The zone the days are counted in (`--timezone`).
    pub timezone: Tz,
}

impl Filters {
    /// Whether any filter is set (`search` needs a pattern or a filter).
    pub fn any(&self) -> bool {
        !(self.roles.is_empty()
            && self.accounts.is_empty()
            && self.agents.is_empty()
            && self.sessions.is_empty()
            && self.metadata.is_empty()
            && self.since.is_none()
            && self.until.is_none())
    }

    /// Whether the session's id and metadata pass (checked before any message is parsed).
    pub fn session_passes(&self, session_id: &str, metadata: &Metadata) -> bool {
        (self.sessions.is_empty() || self.sessions.iter().any(|s| s == session_id))
            && self.metadata.iter().all(|(key, value)| {
                metadata.get(key).is_some_and(|v| {
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned) == *value
                })
            })
    }

    /// Whether `--agent` is given, so the session's agents must be known first.
    pub fn needs_agents(&self) -> bool {
        !self.agents.is_empty()
    }

    /// Whether one of the `--agent` accounts sent an agent message among `messages`.
    pub fn served_by_agent<'a>(&self, mut messages: impl Iterator<Item = &'a Message>) -> bool {
        messages.any(|m| m.role == Role::Agent && self.agents.contains(&m.from_account))
    }

    /// Whether the message's role, account and day pass.
    pub fn message_passes(&self, m: &Message) -> bool {
        (self.roles.is_empty() || self.roles.contains(&m.role))
            && (self.accounts.is_empty() || self.accounts.contains(&m.from_account))
            && self.day_passes(m.timestamp_ms)
    }

    fn day_passes(&self, timestamp_ms: Option<i64>) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        // A message without a plausible time (2000–2100) is on no day, as on the pages, so a
        // date filter drops it.
        let Some(day) = timestamp_ms
            .filter(|&ms| crate::model::plausible_ms(ms))
            .and_then(DateTime::from_timestamp_millis)
            .map(|t| t.with_timezone(&self.timezone).date_naive())
        else {
            return false;
        };
        self.since.is_none_or(|s| day >= s) && self.until.is_none_or(|u| day <= u)
    }
}

/// Parses a `--since`/`--until` value: `YYYY-MM-DD`.
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

    fn message(role: i64, account: &str, ms: i64) -> Message {
        parse_message(
            0,
            &format!(r#"{{"FromAccount":"{account}","FromAccountRole":{role},"Timestamp":{ms}}}"#),
        )
    }

    #[test]
    fn days_are_local_and_inclusive() {
        // 2024-11-06 17:00 UTC: 7 November 01:00 in Shanghai, 6 November in Los Angeles.
        let ms = 1_730_912_400_000;
        let day = |s: &str| parse_day("--since", s).unwrap();
        let mut f = Filters {
            since: Some(day("2024-11-07")),
            until: Some(day("2024-11-07")),
            timezone: chrono_tz::Asia::Shanghai,
            ..Filters::default()
        };
        assert!(f.message_passes(&message(1, "c", ms)));
        f.timezone = chrono_tz::America::Los_Angeles;
        assert!(!f.message_passes(&message(1, "c", ms)));
        let untimed = parse_message(0, r#"{"FromAccountRole":1}"#);
        assert!(!f.message_passes(&untimed));
        assert!(parse_day("--until", "7/11/2024").is_err());
    }

    #[test]
    fn repeated_filters_accept_either_value() {
        let f = Filters {
            roles: vec![Role::Agent, Role::System],
            accounts: vec!["a1".into(), "s".into()],
            ..Filters::default()
        };
        assert!(f.message_passes(&message(2, "a1", 0)));
        assert!(f.message_passes(&message(3, "s", 0)));
        assert!(!f.message_passes(&message(1, "a1", 0)));
        assert!(!f.message_passes(&message(2, "a2", 0)));
    }

    #[test]
    fn metadata_and_agents() {
        let f = Filters {
            metadata: vec![
                parse_metadata("channel=WeChat").unwrap(),
                parse_metadata("n=3").unwrap(),
            ],
            agents: vec!["kevin".into()],
            ..Filters::default()
        };
        let meta: Metadata = serde_json::from_str(r#"{"channel":"WeChat","n":3}"#).unwrap();
        assert!(f.session_passes("s", &meta));
        let other: Metadata = serde_json::from_str(r#"{"channel":"Web","n":3}"#).unwrap();
        assert!(!f.session_passes("s", &other));
        let served = [message(1, "kevin", 0), message(2, "kevin", 0)];
        assert!(f.served_by_agent(served.iter()));
        assert!(!f.served_by_agent(served[..1].iter()));
        assert!(parse_metadata("=x").is_err() && parse_metadata("novalue").is_err());
        assert_eq!(parse_metadata("k=a=b").unwrap(), ("k".into(), "a=b".into()));
    }
}

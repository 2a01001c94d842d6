//! One pass over the archive's records for what lifecycle decisions need: each session's
//! accounts (every `FromAccount`, whatever the role) and the time of its last message.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::parse_message;
use crate::records::{self, RecordRef};

/// What a record tells about its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    /// The SessionId.
    pub session_id: String,
    /// Every account that wrote a message in it, any role.
    pub accounts: BTreeSet<String>,
    /// The last plausible message time (Unix ms; times outside 2000–2100 do not count).
    pub last_ms: Option<i64>,
}

/// Every record of an archive, read.
#[derive(Debug, Default)]
pub struct Scan {
    /// One per readable record, sorted by SessionId.
    pub sessions: Vec<SessionFacts>,
    /// Records that could not be read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl Scan {
    /// The facts of one session, if its record was read.
    pub fn get(&self, session_id: &str) -> Option<&SessionFacts> {
        self.sessions
            .binary_search_by(|s| s.session_id.as_str().cmp(session_id))
            .ok()
            .map(|i| &self.sessions[i])
    }

    /// The sessions in which `account` wrote.
    pub fn written_by<'a>(&'a self, account: &'a str) -> impl Iterator<Item = &'a SessionFacts> {
        self.sessions
            .iter()
            .filter(move |s| s.accounts.contains(account))
    }
}

/// Reads every record in `records_dir` (superseded ones aside: their sessions have a
/// current record), in parallel.
pub fn scan(records_dir: &Path) -> Result<Scan> {
    let entries = match std::fs::read_dir(records_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Scan::default()),
        Err(e) => return Err(Error::io("read directory", records_dir, e)),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".json") && !records::is_superseded(name) && p.is_file()
        })
        .collect();
    paths.sort();
    let read: Vec<(PathBuf, Result<SessionFacts>)> = paths
        .into_par_iter()
        .map(|p| {
            let facts = read_facts(&p);
            (p, facts)
        })
        .collect();
    let mut scan = Scan::default();
    for (path, facts) in read {
        match facts {
            Ok(facts) => scan.sessions.push(facts),
            Err(e) => scan.unreadable.push((path, crate::error::one_line(&e))),
        }
    }
    scan.sessions
        .sort_by(|a, b| a.session_id.cmp(&b.session_id));
    Ok(scan)
}

/// The facts of the record at `path`.
pub fn read_facts(path: &Path) -> Result<SessionFacts> {
    let bytes = crate::fsutil::read(path)?;
    let record = RecordRef::from_slice(&bytes, path)?;
    Ok(facts_of(&record))
}

/// The facts of a parsed record.
pub fn facts_of(record: &RecordRef<'_>) -> SessionFacts {
    let mut accounts = BTreeSet::new();
    let mut last_ms = None;
    for (i, raw) in record.messages.iter().enumerate() {
        let m = parse_message(i, raw.get());
        if let Some(ms) = m.plausible_time_ms() {
            last_ms = Some(last_ms.map_or(ms, |l: i64| l.max(ms)));
        }
        if !m.from_account.is_empty() {
            accounts.insert(m.from_account);
        }
    }
    SessionFacts {
        session_id: record.session_id.clone(),
        accounts,
        last_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_of_every_role_and_the_last_plausible_time() {
        let json = r#"{"SessionId":"s","TotalCount":4,"FetchedAt":"","Messages":[
            {"FromAccount":"cust","FromAccountRole":1,"Timestamp":1704067200000,"MsgBody":[]},
            {"FromAccount":"agent","FromAccountRole":2,"Timestamp":1704067300000,"MsgBody":[]},
            {"FromAccount":"bot","FromAccountRole":3,"Timestamp":99999999999999,"MsgBody":[]},
            {"FromAccountRole":1,"Timestamp":1704067250000,"MsgBody":[]}]}"#;
        let record = RecordRef::from_slice(json.as_bytes(), Path::new("x")).unwrap();
        let facts = facts_of(&record);
        assert_eq!(
            facts.accounts.iter().collect::<Vec<_>>(),
            ["agent", "bot", "cust"]
        );
        assert_eq!(facts.last_ms, Some(1704067300000));
    }
}

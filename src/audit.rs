//! The audit log `data/audit.jsonl` (SPEC §14): one JSON line per command that changed the
//! archive — what ran, with which options (never a secret), the counts, the payload before
//! and after (Payload-Oxum and the SHA-256 of manifest-sha256.txt computed without the
//! audit log's own line), and any changes accepted with `--accept-changes` or records
//! superseded by a re-fetch, the sessions erased with their reasons, archive settings
//! changed (retention), and disclosures (`share`, `export`). Accounts are never written in
//! clear: [`account_digest`] salts and hashes them, with the salt in bag-info.txt
//! ([`SALT_LABEL`]). Each line carries the SHA-256 of the line before it, so an entry edited
//! or removed in the middle breaks the chain, and `verify` names the first
//! broken entry. The chain cannot show entries cut from the end: compare its last hash
//! with a copy kept elsewhere (see the README). A run that changes nothing appends
//! nothing. The log is primary evidence: written through the write-ahead list, replaced
//! atomically.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::digest::to_hex;
use crate::error::{Error, Result};
use crate::wal::Wal;

/// The log's path inside `data/`.
pub const FILE_NAME: &str = "audit.jsonl";

/// The readable pages of the log inside `data/`: `audit.html` holds the newest
/// [`PAGE_ENTRIES`] entries, `audit-<n>.html` the older ones (entries of page n are
/// `(n-1)·PAGE_ENTRIES+1 ..= n·PAGE_ENTRIES`, so a full page never changes again).
pub const PAGE: &str = "audit.html";

/// Entries per audit page.
pub const PAGE_ENTRIES: usize = 1000;

/// The file name of older audit page `n` (1-based).
pub fn page_name(n: usize) -> String {
    format!("audit-{n}.html")
}

/// Whether `rel` (bag-relative) is the audit log or one of its pages: left out of the
/// payload facts an entry records, since an entry cannot describe the file it is part of
/// (nor the pages made from it).
pub fn is_log_or_page(rel: &str) -> bool {
    let Some(name) = rel.strip_prefix("data/") else {
        return false;
    };
    name == FILE_NAME
        || name == PAGE
        || name
            .strip_prefix("audit-")
            .and_then(|n| n.strip_suffix(".html"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A session erased, and why (in an entry's `erased`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    /// The SessionId.
    pub session_id: String,
    /// The reason given (`erase --reason`, or the retention rule of `prune`).
    pub reason: String,
}

/// The payload as the bag lists it, before or after a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// Payload-Oxum, `<octets>.<files>`.
    pub oxum: String,
    /// SHA-256 (hex) of manifest-sha256.txt without the audit log's line.
    pub manifest_sha256: String,
}

/// One entry, as written (keys in this order).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// 1 for the first entry, then one more each.
    pub seq: u64,
    /// When (RFC 3339, UTC; from SOURCE_DATE_EPOCH when set).
    pub time: String,
    /// The command, e.g. `archive`.
    pub command: String,
    /// Its options that shaped the result (no credentials).
    pub options: BTreeMap<String, serde_json::Value>,
    /// What it did, e.g. `{"archived": 3}`.
    pub counts: BTreeMap<String, u64>,
    /// The payload before (`null` for a new archive).
    pub before: Option<Payload>,
    /// The payload after.
    pub after: Payload,
    /// Files of primary evidence accepted as they were (`--accept-changes`), each with how
    /// it differed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_changes: Vec<String>,
    /// Records kept as `*.superseded-<n>.json` because a re-fetch did not extend them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<String>,
    /// Files renamed to today's file-name rule (`old -> new`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed: Vec<String>,
    /// Sessions erased (`erase`, `prune`), each with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased: Vec<Erased>,
    /// Archive settings changed (the retention period and its minimum), as set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, serde_json::Value>,
    /// SHA-256 (hex) of the previous line's bytes (without its newline); `null` first.
    pub prev: Option<String>,
}

/// What a command tells the log; sequence number, time and chain are added here.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// The command.
    pub command: String,
    /// Its options (no credentials).
    pub options: BTreeMap<String, serde_json::Value>,
    /// What it did.
    pub counts: BTreeMap<String, u64>,
    /// The payload before the command, if there was a bag.
    pub before: Option<Payload>,
    /// Accepted changes.
    pub accepted_changes: Vec<String>,
    /// Superseded records.
    pub superseded: Vec<String>,
    /// Files renamed to today's file-name rule.
    pub renamed: Vec<String>,
    /// Sessions erased, with reasons.
    pub erased: Vec<Erased>,
    /// Archive settings changed: logged even though the payload stays the same.
    pub settings: BTreeMap<String, serde_json::Value>,
}

impl Event {
    /// Whether this event must be logged once the payload after is known: a disclosure
    /// (always), or the payload changed, or changes were accepted, records superseded or
    /// renamed, sessions erased or settings changed.
    pub fn is_worth_logging(&self, after: &Payload) -> bool {
        self.is_disclosure()
            || self.before.as_ref() != Some(after)
            || !self.accepted_changes.is_empty()
            || !self.superseded.is_empty()
            || !self.renamed.is_empty()
            || !self.erased.is_empty()
            || !self.settings.is_empty()
    }

    /// Whether the event is a `share` or `export`: in the source archive the entry of a
    /// disclosure (SPEC §12), which changes no payload but the log and is logged all the
    /// same.
    pub fn is_disclosure(&self) -> bool {
        DISCLOSURES.contains(&self.command.as_str())
    }
}

/// The commands whose entries are disclosures.
pub const DISCLOSURES: [&str; 2] = ["share", "export"];

/// The bag-info.txt label of the salt that accounts are hashed with before they enter the
/// log (SPEC §14): 16 random bytes in hex, made the first time an entry needs it.
pub const SALT_LABEL: &str = "Desk-Archive-Audit-Salt";

/// A new salt for [`SALT_LABEL`].
pub fn new_salt() -> String {
    to_hex(&rand::random::<[u8; 16]>())
}

/// An account as the log (and `holds.json`) writes it, never in clear: `sha256:` and the
/// hex SHA-256 of the salt's text followed by the account's bytes. Whoever holds the
/// archive can check whether a given account is named; the log alone does not say who it
/// is, and the salt keeps the digest from being looked up in a table of hashed names made
/// for another archive.
pub fn account_digest(salt: &str, account: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(account.as_bytes());
    format!("sha256:{}", to_hex(&h.finalize()))
}

/// Appends the entry for `event` to `data_dir/audit.jsonl` (atomically, through `wal`).
pub fn append(data_dir: &Path, wal: &Wal, event: Event, after: Payload) -> Result<()> {
    let path = data_dir.join(FILE_NAME);
    let mut bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    let (seq, prev) = match last_line(&bytes) {
        Some(line) => {
            let seq = serde_json::from_slice::<Entry>(line).map_or(0, |e| e.seq);
            (seq + 1, Some(to_hex(&Sha256::digest(line))))
        }
        None => (1, None),
    };
    let entry = Entry {
        seq,
        time: now(),
        command: event.command,
        options: event.options,
        counts: event.counts,
        before: event.before,
        after,
        accepted_changes: event.accepted_changes,
        superseded: event.superseded,
        renamed: event.renamed,
        erased: event.erased,
        settings: event.settings,
        prev,
    };
    let line = serde_json::to_vec(&entry).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    bytes.extend_from_slice(&line);
    bytes.push(b'\n');
    let rel = format!("data/{FILE_NAME}");
    crate::fsutil::write_evidence(&path, &bytes, wal, &rel).map(drop)
}

fn last_line(bytes: &[u8]) -> Option<&[u8]> {
    bytes
        .strip_suffix(b"\n")
        .unwrap_or(bytes)
        .split(|b| *b == b'\n')
        .rfind(|l| !l.is_empty())
}

/// RFC 3339 now, or SOURCE_DATE_EPOCH's instant when set (reproducible builds).
fn now() -> String {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    epoch
        .unwrap_or_else(chrono::Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The SHA-256 (hex) of one line of the log, without its newline: what the next entry's
/// `prev` holds, and what the audit page shows as the head of the chain.
pub fn line_hash(line: &[u8]) -> String {
    to_hex(&Sha256::digest(line))
}

/// Checks the hash chain of an audit log's bytes: `Err` names the first entry (1-based
/// line) that is not an entry, or whose successor's `prev` is not its SHA-256 — the entry
/// that was edited (or after which entries were removed).
pub fn check_chain(bytes: &[u8]) -> std::result::Result<usize, String> {
    let mut prev: Option<(usize, u64, String)> = None;
    let mut count = 0;
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let entry: Entry = serde_json::from_slice(line)
            .map_err(|e| format!("line {}: not an audit entry ({e})", i + 1))?;
        let expected = prev.as_ref().map(|(_, _, hash)| hash);
        if entry.prev.as_ref() != expected {
            return Err(match prev {
                Some((line, seq, _)) => format!(
                    "line {line} (entry {seq}): changed, or entries after it removed — the \
                     `prev` of line {} (entry {}) is not its SHA-256",
                    i + 1,
                    entry.seq
                ),
                None => format!(
                    "line {} (entry {}): the first entry has a `prev`: entries before it \
                     were removed",
                    i + 1,
                    entry.seq
                ),
            });
        }
        prev = Some((i + 1, entry.seq, line_hash(line)));
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(n: u8) -> Payload {
        Payload {
            oxum: format!("{n}.1"),
            manifest_sha256: to_hex(&[n; 32]),
        }
    }

    #[test]
    fn entries_chain_and_an_edit_breaks_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        for n in 1..=3 {
            let event = Event {
                command: "render".into(),
                before: Some(payload(n)),
                ..Event::default()
            };
            append(dir.path(), &Wal::disabled(), event, payload(n + 1)).unwrap();
        }
        let bytes = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(check_chain(&bytes), Ok(3));
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.lines().nth(2).unwrap().contains("\"seq\":3"));
        let edited = text.replacen("\"render\"", "\"erase\"", 2);
        let err = check_chain(edited.as_bytes()).unwrap_err();
        assert!(err.starts_with("line 1 (entry 1): changed"), "{err}");
        let cut: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
        let err = check_chain(cut.as_bytes()).unwrap_err();
        assert!(err.contains("entries before it were removed"), "{err}");
    }

    #[test]
    fn account_digests_are_salted() {
        let a = account_digest("s1", "cust-1");
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64, "{a}");
        assert_ne!(a, account_digest("s2", "cust-1"));
        assert_eq!(a, account_digest("s1", "cust-1"));
        assert!(!a.contains("cust"));
        assert_ne!(new_salt(), new_salt());
    }

    #[test]
    fn a_no_op_is_not_logged() {
        let same = Event {
            before: Some(payload(1)),
            ..Event::default()
        };
        assert!(!same.is_worth_logging(&payload(1)));
        assert!(same.is_worth_logging(&payload(2)));
        let accepted = Event {
            accepted_changes: vec!["changed: data/records/x.json".into()],
            ..same
        };
        assert!(accepted.is_worth_logging(&payload(1)));
        let disclosure = Event {
            command: "share".into(),
            before: Some(payload(1)),
            ..Event::default()
        };
        assert!(disclosure.is_worth_logging(&payload(1)));
    }

    #[test]
    fn accounts_are_salted_digests() {
        let salt = new_salt();
        assert_eq!(salt.len(), 32);
        assert_ne!(salt, new_salt());
        let d = account_digest(&salt, "agent_7");
        assert!(d.starts_with("sha256:") && !d.contains("agent_7"), "{d}");
        assert_eq!(d, account_digest(&salt, "agent_7"));
        assert_ne!(d, account_digest(&new_salt(), "agent_7"));
        // sha256("00" "a"), computed with sha256sum.
        assert_eq!(
            account_digest("00", "a"),
            "sha256:98d12a6d10e4c0da59f097cda38e6b1a71cd381eacbad9411ffdbd570c5d6aa9"
        );
    }
}

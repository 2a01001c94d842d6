//! The disclosure entry (SPEC §12, §14): every `share` and `export` appends one entry to
//! the source archive's audit log — what was disclosed (the session, or the selection and
//! the sessions it took), with which profile, to which file — under the writer lock, taken
//! briefly once the output is complete. The entry changes a payload file
//! (`data/audit.jsonl`), so the bag's manifests are written again at once, by the same
//! bag writer every writing command uses. On an archive it cannot write (read-only,
//! locked past `--lock-wait`, evidence changed since its last manifest) it warns and goes
//! on: the disclosure has happened, and failing now would not undo it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::steps::{lock_and_check, payload, remembered_options, write_audit_pages};
use crate::audit;
use crate::bag::{self, BagInfo};
use crate::config::WriteAccess;
use crate::error::{Error, Result};
use crate::state::SessionStore;

/// Options of an audit entry.
pub(crate) type Options = BTreeMap<String, serde_json::Value>;

/// What one disclosure tells the log, besides what [`record`] adds.
pub(crate) struct Disclosure {
    /// `share` or `export`.
    pub(crate) command: &'static str,
    /// What it did, e.g. `{"sessions": 3}`.
    pub(crate) counts: BTreeMap<String, u64>,
    /// How long to wait for the writer lock.
    pub(crate) lock_wait: Duration,
}

/// Hashes accounts (and other personal values) for the log with the archive's salt.
pub(crate) struct Salted {
    salt: String,
}

impl Salted {
    /// The value as the log writes it (see [`audit::account_digest`]).
    pub(crate) fn hash(&self, value: &str) -> String {
        audit::account_digest(&self.salt, value)
    }
}

/// bag-info.txt fields the bag writer computes or takes from [`BagInfo`]'s own fields.
const COMPUTED_INFO_FIELDS: [&str; 5] = [
    "Source-Organization",
    "Bagging-Date",
    "Payload-Oxum",
    "External-Identifier",
    "Bag-Software-Agent",
];

/// Appends the disclosure to the audit log of the archive in `dir`, its options built by
/// `options` (accounts hashed with the archive's salt); warns instead of failing.
pub(crate) fn record(
    dir: &Path,
    disclosure: Disclosure,
    options: impl FnOnce(&Salted) -> Options,
) -> bool {
    match try_record(dir, disclosure, options) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(
                "the disclosure is not in the audit log of `{}`: {}",
                dir.display(),
                crate::error::one_line(&e)
            );
            false
        }
    }
}

fn try_record(
    dir: &Path,
    disclosure: Disclosure,
    options: impl FnOnce(&Salted) -> Options,
) -> Result<()> {
    if bag::facts_on_disk(dir).is_none() {
        return Err(Error::Usage(
            "the archive is no bag yet (no manifest); render it first".into(),
        ));
    }
    let access = WriteAccess {
        accept_changes: false,
        lock_wait: disclosure.lock_wait,
    };
    let (mut archive, derived_changed) = lock_and_check(dir, access, disclosure.command)?;
    // Writing the manifests now would list those files as they are: leave that to a
    // render, which rebuilds them.
    if derived_changed > 0 {
        return Err(Error::Changed(format!(
            "{derived_changed} page(s) or other derived file(s) differ from the manifest \
             (`desk-archive verify` names them; `desk-archive render` rebuilds them)"
        )));
    }
    let fields = bag::read_info(dir);
    let mut extra: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(l, _)| {
            !COMPUTED_INFO_FIELDS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(l))
        })
        .collect();
    let salt = match extra
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(audit::SALT_LABEL))
    {
        Some((_, salt)) => salt.clone(),
        None => {
            let salt = audit::new_salt();
            extra.push((audit::SALT_LABEL.to_owned(), salt.clone()));
            salt
        }
    };
    let mut event = std::mem::take(&mut archive.audit);
    event.options = options(&Salted { salt });
    event.counts = disclosure.counts;
    let info = BagInfo {
        source_organization: None,
        external_identifier: None,
        software_agent: BagInfo::this_software(),
        extra,
    };
    // The last render's entries stay as they are (as after a `fetch`).
    let sessions = match archive.earlier.take() {
        Some(sessions) => sessions,
        None => SessionStore::new(dir)?,
    };
    let known = bag::Known {
        sessions: &sessions,
        fetched: &[],
        written: &[],
        index: None,
    };
    let page_options = remembered_options(dir);
    let mut event = Some(event);
    let mut append = |facts: &bag::PayloadFacts| -> Result<bool> {
        match event.take() {
            Some(e) => {
                audit::append(&archive.data, &archive.wal, e, payload(facts.clone()))?;
                // The audit page shows the disclosure too.
                write_audit_pages(dir, &archive, &page_options)?;
                Ok(true)
            }
            None => Ok(false),
        }
    };
    bag::write_bag_rendered(dir, &info, &archive.cache, known, &archive.wal, &mut append)?;
    Ok(())
}

/// `path` as the log names it: absolute, or `-` for standard output.
pub(crate) fn target(path: Option<&Path>) -> serde_json::Value {
    match path {
        None => "-".into(),
        Some(p) => std::path::absolute(p)
            .unwrap_or_else(|_| p.to_owned())
            .display()
            .to_string()
            .into(),
    }
}

/// The redaction options every disclosure names (`profile` null: not redacted).
pub(crate) fn redaction_options(settings: Option<&crate::redact::Settings>) -> Options {
    let mut options = Options::new();
    match settings {
        None => {
            options.insert("profile".into(), serde_json::Value::Null);
        }
        Some(s) => {
            options.insert("profile".into(), s.profile.name.clone().into());
            options.insert(
                "redact_session_id".into(),
                s.options.redact_session_id.into(),
            );
            options.insert("keep_media".into(), s.profile.keep_media.into());
        }
    }
    options
}

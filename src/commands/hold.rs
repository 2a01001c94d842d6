//! `hold DIR …` (SPEC §14): places legal holds on sessions or accounts, lifts them, lists
//! them. A hold changes `data/holds.json` (primary evidence), so placing or lifting one is
//! a write with its audit entry; listing is a read under the shared lock.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::report::print_json;
use super::steps::{audit_salt, now_rfc3339, open_archive, write_bag_unrendered};
use super::{Outcome, Output};
use crate::audit;
use crate::bag;
use crate::config::{HoldAction, HoldConfig, Selection, Verbosity};
use crate::error::Result;
use crate::lifecycle::hold::{Hold, Holds, Subject};
use crate::lifecycle::scan;
use crate::lock::{ArchiveLock, Mode};

/// `hold`: place, lift or list holds.
pub(crate) fn hold(config: &HoldConfig, output: Output) -> Result<Outcome> {
    match &config.action {
        HoldAction::List => list(config, output),
        HoldAction::Place(reason) => change(config, output, Some(reason)),
        HoldAction::Release(_) => change(config, output, None),
    }
}

/// Places (`reason` given) or lifts the holds of the selection, then writes the bag.
fn change(config: &HoldConfig, output: Output, reason: Option<&String>) -> Result<Outcome> {
    let mut archive = open_archive(&config.dir, config.write, "hold")?;
    let data = archive.data.clone();
    let mut holds = Holds::load(&data)?;
    let mut options = BTreeMap::new();
    let subjects: Vec<Subject> = match &config.selection {
        Selection::Account(account) => {
            let digest = audit::account_digest(&audit_salt(&mut archive), account);
            options.insert("account".to_owned(), digest.clone().into());
            vec![Subject::Account(digest)]
        }
        Selection::Sessions(ids) => {
            options.insert("sessions".to_owned(), ids.clone().into());
            ids.iter().map(|id| Subject::Session(id.clone())).collect()
        }
        Selection::SessionsFile(file) => {
            options.insert("sessions_file".to_owned(), file.clone().into());
            crate::sessions::read_sessions(file)?
                .into_iter()
                .map(|e| Subject::Session(e.session_id))
                .collect()
        }
    };
    let now = now_rfc3339();
    let (verb, changed) = match (reason, &config.action) {
        (Some(reason), _) => {
            options.insert("reason".to_owned(), reason.clone().into());
            let placed = subjects
                .iter()
                .filter(|s| holds.place(s, reason, &now))
                .count();
            ("placed", placed)
        }
        (None, HoldAction::Release(only)) => {
            if let Some(r) = only {
                options.insert("reason".to_owned(), r.clone().into());
            }
            let lifted: usize = subjects
                .iter()
                .map(|s| holds.release(s, only.as_deref()).len())
                .sum();
            ("lifted", lifted)
        }
        _ => ("", 0),
    };
    options.insert("action".to_owned(), verb.into());
    holds.write(&data, &archive.wal)?;
    let mut event = std::mem::take(&mut archive.audit);
    event.options = options;
    event.counts = [(verb.to_owned(), changed as u64)].into();
    write_bag_unrendered(&config.dir, &mut archive, event)?;
    report_change(config, output, verb, changed, &subjects);
    Ok(Outcome::default())
}

fn report_change(
    config: &HoldConfig,
    output: Output,
    verb: &str,
    changed: usize,
    subjects: &[Subject],
) {
    if output.json {
        print_json(&serde_json::json!({
            verb: changed,
            "exit_code": crate::ExitCode::Done,
        }));
    }
    if output.verbosity == Verbosity::Quiet {
        return;
    }
    let account = subjects.iter().any(|s| matches!(s, Subject::Account(_)));
    match (verb, changed) {
        ("placed", 0) => {
            eprintln!("desk-archive: already on hold for that reason: nothing changed")
        }
        ("lifted", 0) => eprintln!("desk-archive: no such hold: nothing changed"),
        ("placed", n) if account => eprintln!(
            "desk-archive: {n} hold placed on the account: it covers every session in which it \
             wrote, also sessions archived later"
        ),
        (verb, n) => eprintln!("desk-archive: {n} hold(s) {verb}"),
    }
    let data = config.dir.join("data");
    if verb == "placed"
        && let Selection::Sessions(ids) = &config.selection
    {
        for id in ids {
            if !crate::records::record_path(&data.join("records"), id).is_file() {
                eprintln!(
                    "desk-archive: `{id}` is not in the archive yet: the hold applies once it is"
                );
            }
        }
    }
}

/// One hold as `--list` shows it.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    hold: &'a Hold,
    /// The sessions of the archive it covers now.
    sessions: Vec<&'a str>,
}

/// `hold --list`: every hold, and the sessions of the archive each one covers.
fn list(config: &HoldConfig, output: Output) -> Result<Outcome> {
    let _lock = ArchiveLock::take(&config.dir, Mode::Shared, config.write.lock_wait)?;
    let data = config.dir.join("data");
    let holds = Holds::load(&data)?;
    let salt = bag::info_field(&config.dir, audit::SALT_LABEL);
    let scan = if holds.has_account_holds() {
        scan::scan(&data.join("records"))?
    } else {
        scan::Scan::default()
    };
    let listed: Vec<Listed<'_>> = holds
        .all()
        .iter()
        .map(|hold| Listed {
            hold,
            sessions: covered(hold, &scan, salt.as_deref()),
        })
        .collect();
    if output.json {
        print_json(&serde_json::json!({
            "holds": listed,
            "exit_code": crate::ExitCode::Done,
        }));
        return Ok(Outcome::default());
    }
    for l in &listed {
        match l.hold.subject() {
            Some(Subject::Account(digest)) => println!(
                "account {digest}\tsince {}\t{}\t({} session(s) now: {})",
                l.hold.since,
                l.hold.reason,
                l.sessions.len(),
                l.sessions.join(", ")
            ),
            _ => println!(
                "session {}\tsince {}\t{}",
                l.hold.session_id.as_deref().unwrap_or_default(),
                l.hold.since,
                l.hold.reason
            ),
        }
    }
    if output.verbosity != Verbosity::Quiet && listed.is_empty() {
        eprintln!("desk-archive: no holds in `{}`", config.dir.display());
    }
    Ok(Outcome::default())
}

/// The sessions of `scan` a hold covers.
fn covered<'a>(hold: &'a Hold, scan: &'a scan::Scan, salt: Option<&str>) -> Vec<&'a str> {
    match (&hold.session_id, &hold.account_sha256, salt) {
        (Some(id), _, _) => vec![id.as_str()],
        (None, Some(digest), Some(salt)) => scan
            .sessions
            .iter()
            .filter(|s| {
                s.accounts
                    .iter()
                    .any(|a| audit::account_digest(salt, a) == *digest)
            })
            .map(|s| s.session_id.as_str())
            .collect(),
        _ => Vec::new(),
    }
}

/// The sessions among `ids` that are held, for `archive --refresh` (held sessions are never
/// fetched again): reads the holds and, for holds on accounts, the sessions' records.
pub(crate) fn held_ids(out: &Path, ids: &[String]) -> Result<Vec<String>> {
    let data = out.join("data");
    let holds = Holds::load(&data)?;
    let salt = bag::info_field(out, audit::SALT_LABEL);
    Ok(holds
        .held_among(&data.join("records"), ids, salt.as_deref())
        .into_iter()
        .map(|h| h.session_id)
        .collect())
}

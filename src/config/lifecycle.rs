//! Settings of `erase`, `hold` and `prune` (SPEC §14). None of them is read from a config
//! file but `lock-wait` and `json`: a reason, a selection or a retention period in a file
//! shared by several archives would apply to all of them (the file rejects such keys).

use std::path::{Path, PathBuf};

use super::{Resolver, WriteAccess, usage};
use crate::cli::{EraseArgs, HoldArgs, PruneArgs};
use crate::error::Result;

/// Which sessions a command is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// These SessionIds.
    Sessions(Vec<String>),
    /// The SessionIds of a sessions file (`-`: standard input).
    SessionsFile(String),
    /// Every session in which this account wrote.
    Account(String),
}

/// Settings of `erase`.
#[derive(Debug)]
pub struct EraseConfig {
    /// The archive.
    pub dir: PathBuf,
    /// What to erase.
    pub selection: Selection,
    /// Why.
    pub reason: String,
    /// Only list.
    pub dry_run: bool,
    /// Changed evidence and the lock.
    pub write: WriteAccess,
}

/// What `hold` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldAction {
    /// Place holds, for this reason.
    Place(String),
    /// Lift holds (only the one for this reason, when given).
    Release(Option<String>),
    /// List the holds.
    List,
}

/// Settings of `hold`.
#[derive(Debug)]
pub struct HoldConfig {
    /// The archive.
    pub dir: PathBuf,
    /// What to do.
    pub action: HoldAction,
    /// The sessions or account (empty sessions for `--list`).
    pub selection: Selection,
    /// Changed evidence and the lock.
    pub write: WriteAccess,
}

/// What `prune` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneAction {
    /// Erase expired sessions, by this period (`None`: the archive's own).
    Prune(Option<u64>),
    /// Set the archive's period and minimum.
    Set {
        /// The period in days.
        days: u64,
        /// The minimum in days.
        minimum: u64,
    },
}

/// Settings of `prune`.
#[derive(Debug)]
pub struct PruneConfig {
    /// The archive.
    pub dir: PathBuf,
    /// What to do.
    pub action: PruneAction,
    /// `--lower-retention`.
    pub lower_retention: bool,
    /// Only list.
    pub dry_run: bool,
    /// The clock, Unix milliseconds: now, or `DESK_ARCHIVE_NOW` (Unix seconds; for tests).
    pub now_ms: i64,
    /// Changed evidence and the lock.
    pub write: WriteAccess,
}

impl Resolver<'_> {
    pub(super) fn erase(&mut self, args: EraseArgs) -> Result<EraseConfig> {
        existing_archive(&args.dir)?;
        let selection = match (args.sessions_given, args.sessions, args.account) {
            (_, _, Some(account)) => Selection::Account(non_empty(account, "--account")?),
            (_, Some(file), None) => Selection::SessionsFile(file),
            (ids, None, None) => Selection::Sessions(session_ids(ids)?),
        };
        Ok(EraseConfig {
            dir: args.dir,
            selection,
            reason: non_empty(args.reason, "--reason")?,
            dry_run: args.dry_run,
            write: self.write_access(&args.write),
        })
    }

    pub(super) fn hold(&mut self, args: HoldArgs) -> Result<HoldConfig> {
        existing_archive(&args.dir)?;
        let selection = match args.account {
            Some(account) => Selection::Account(non_empty(account, "--account")?),
            None => Selection::Sessions(args.sessions),
        };
        let action = if args.list {
            HoldAction::List
        } else {
            if selection == Selection::Sessions(Vec::new()) {
                return Err(usage(
                    "give --session ID or --account A (or --list to see the holds)",
                ));
            }
            if let Selection::Sessions(ids) = &selection {
                session_ids(ids.clone())?;
            }
            match (args.release, args.reason) {
                (true, reason) => HoldAction::Release(reason),
                (false, Some(reason)) => HoldAction::Place(non_empty(reason, "--reason")?),
                (false, None) => {
                    return Err(usage("a hold needs --reason TEXT (a matter or ticket)"));
                }
            }
        };
        Ok(HoldConfig {
            dir: args.dir,
            action,
            selection,
            write: self.write_access(&args.write),
        })
    }

    pub(super) fn prune(&mut self, args: PruneArgs) -> Result<PruneConfig> {
        existing_archive(&args.dir)?;
        let action = match args.set_retention_days {
            Some(days) => {
                let minimum = args.minimum_days.unwrap_or(days);
                if minimum > days {
                    return Err(usage(format!(
                        "--minimum-days {minimum} is more than --set-retention-days {days}"
                    )));
                }
                PruneAction::Set { days, minimum }
            }
            None => PruneAction::Prune(args.retention_days),
        };
        if matches!(
            action,
            PruneAction::Set { days: 0, .. } | PruneAction::Prune(Some(0))
        ) {
            return Err(usage("a retention period is at least 1 day"));
        }
        Ok(PruneConfig {
            dir: args.dir,
            action,
            lower_retention: args.lower_retention,
            dry_run: args.dry_run,
            now_ms: self.clock_ms()?,
            write: self.write_access(&args.write),
        })
    }

    /// Now, or the fixed clock of `DESK_ARCHIVE_NOW` (Unix seconds), which tests use. Not
    /// SOURCE_DATE_EPOCH: a variable meant for reproducible builds must never decide what
    /// is erased.
    fn clock_ms(&self) -> Result<i64> {
        match self.sources.var("DESK_ARCHIVE_NOW") {
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|s| s.checked_mul(1000))
                .ok_or_else(|| usage(format!("DESK_ARCHIVE_NOW: `{v}` is not Unix seconds"))),
            None => Ok(chrono::Utc::now().timestamp_millis()),
        }
    }
}

/// The archive must exist: these commands never create one.
fn existing_archive(dir: &Path) -> Result<()> {
    if dir.join("bagit.txt").is_file() || dir.join("data").is_dir() {
        return Ok(());
    }
    Err(usage(format!(
        "`{}` is not an archive (no bagit.txt and no data folder)",
        dir.display()
    )))
}

fn non_empty(value: String, flag: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(usage(format!("{flag} is empty")));
    }
    Ok(trimmed.to_owned())
}

fn session_ids(ids: Vec<String>) -> Result<Vec<String>> {
    ids.into_iter()
        .map(|id| non_empty(id, "--session"))
        .collect()
}

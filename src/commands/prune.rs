//! `prune DIR …` (SPEC §14): erases the sessions whose last message is older than the
//! retention period, except those on legal hold (they are kept and named), or sets the
//! archive's own period and minimum in bag-info.txt.

use std::time::Instant;

use super::erase::{JsonErase, erase_sessions, published_note, published_to, summary_line};
use super::report::print_json;
use super::steps::{OpenArchive, open_archive, write_bag_unrendered};
use super::{Outcome, Output};
use crate::audit;
use crate::bag;
use crate::config::{PruneAction, PruneConfig, Verbosity};
use crate::coverage::Coverage;
use crate::error::{Error, Result};
use crate::lifecycle::hold::Holds;
use crate::lifecycle::prune::{self, MINIMUM_LABEL, RETENTION_LABEL};
use crate::lifecycle::scan;
use crate::lock::{ArchiveLock, Mode};

/// `prune`: erase expired sessions, or set the retention period.
pub(crate) fn prune(config: &PruneConfig, output: Output) -> Result<Outcome> {
    match config.action {
        PruneAction::Set { days, minimum } => set(config, output, days, minimum),
        PruneAction::Prune(days) if config.dry_run => {
            let _lock = ArchiveLock::take(&config.dir, Mode::Shared, config.write.lock_wait)?;
            let days = period(config, days, |label| bag::info_field(&config.dir, label))?;
            let found = find(config, days)?;
            report(config, output, &found, days, None, Instant::now());
            Ok(Outcome::default())
        }
        PruneAction::Prune(days) => run(config, output, days),
    }
}

/// The period to prune by: the flag, else the archive's own; never below the recorded
/// minimum without `--lower-retention` (exit 5).
fn period(
    config: &PruneConfig,
    flag: Option<u64>,
    field: impl Fn(&str) -> Option<String>,
) -> Result<u64> {
    let days = match flag.or_else(|| prune::parse_days(field(RETENTION_LABEL).as_deref())) {
        Some(days) => days,
        None => {
            return Err(Error::Usage(format!(
                "`{}` has no retention period: give --retention-days N, or set the archive's \
                 own with --set-retention-days N",
                config.dir.display()
            )));
        }
    };
    let minimum = prune::parse_days(field(MINIMUM_LABEL).as_deref());
    match prune::below_minimum(days, minimum, config.lower_retention) {
        Some(why) => Err(Error::Refused(format!("{why}; nothing was erased"))),
        None => Ok(days),
    }
}

/// What a prune found.
struct Found {
    /// Expired and not held, sorted.
    expired: Vec<String>,
    /// Expired but held.
    held: Vec<String>,
    /// Without a plausible message time.
    undated: Vec<String>,
}

fn find(config: &PruneConfig, days: u64) -> Result<Found> {
    let data = config.dir.join("data");
    let scan = scan::scan(&data.join("records"))?;
    for (path, why) in &scan.unreadable {
        tracing::warn!(
            "`{}` cannot be read, so its age cannot be told; it is kept: {why}",
            path.display()
        );
    }
    let expiry = prune::expiry(&scan.sessions, config.now_ms, days);
    let ids: Vec<String> = expiry
        .expired
        .iter()
        .map(|s| s.session_id.clone())
        .collect();
    let salt = bag::info_field(&config.dir, audit::SALT_LABEL);
    let held: Vec<String> = Holds::load(&data)?
        .held_among(&data.join("records"), &ids, salt.as_deref())
        .into_iter()
        .map(|h| h.session_id)
        .collect();
    Ok(Found {
        expired: ids.into_iter().filter(|id| !held.contains(id)).collect(),
        held,
        undated: expiry
            .undated
            .iter()
            .map(|s| s.session_id.clone())
            .collect(),
    })
}

fn run(config: &PruneConfig, output: Output, flag: Option<u64>) -> Result<Outcome> {
    let started = Instant::now();
    let mut archive = open_archive(&config.dir, config.write, "prune")?;
    let days = period(config, flag, |label| archive.info.get(label).cloned())?;
    let found = find(config, days)?;
    let data = archive.data.clone();
    let mut coverage = Coverage::load(&data)?.unwrap_or_default();
    let reason = prune::reason(days);
    let targets: Vec<(String, String)> = found
        .expired
        .iter()
        .map(|id| (id.clone(), reason.clone()))
        .collect();
    let mut event = std::mem::take(&mut archive.audit);
    event.options = [
        ("retention_days".to_owned(), days.into()),
        (
            "from".to_owned(),
            if flag.is_some() {
                "--retention-days"
            } else {
                RETENTION_LABEL
            }
            .into(),
        ),
        ("lower_retention".to_owned(), config.lower_retention.into()),
        // The clock the ages were measured against: the cut-off can be checked later.
        ("now".to_owned(), clock_text(config.now_ms).into()),
    ]
    .into();
    let done = erase_sessions(
        &config.dir,
        &mut archive,
        &mut coverage,
        &targets,
        output,
        event,
    )?;
    report(config, output, &found, days, Some(&done), started);
    Ok(Outcome::default())
}

/// A clock in Unix milliseconds as RFC 3339 (UTC, to the second).
fn clock_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

fn report(
    config: &PruneConfig,
    output: Output,
    found: &Found,
    days: u64,
    done: Option<&super::erase::Done>,
    started: Instant,
) {
    let seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    if output.json {
        print_json(&JsonErase {
            dry_run: done.is_none(),
            erased: found.expired.iter().map(String::as_str).collect(),
            already_erased: &[],
            not_in_archive: &[],
            records_removed: done.map_or(0, |d| d.removed.records),
            media_removed: done.map_or(0, |d| d.removed.media),
            media_kept_shared: done.map_or(0, |d| d.media_shared),
            published_to: published_to(&config.dir),
            seconds,
            exit_code: crate::ExitCode::Done,
        });
    } else if done.is_none() {
        for id in &found.expired {
            println!("erase {id}");
        }
    }
    if output.verbosity == Verbosity::Quiet {
        return;
    }
    for id in &found.held {
        eprintln!("desk-archive: `{id}` is past the retention period but on legal hold: kept");
    }
    for id in &found.undated {
        eprintln!("desk-archive: `{id}` has no message time, so its age cannot be told: kept");
    }
    match done {
        Some(done) => {
            summary_line(done, seconds);
            published_note(&config.dir, !done.erased.is_empty());
        }
        None => eprintln!(
            "desk-archive: dry run: {} session(s) older than {days} days to erase, {} kept on \
             legal hold",
            found.expired.len(),
            found.held.len()
        ),
    }
}

/// `prune --set-retention-days N`: the archive's period and minimum, in bag-info.txt.
fn set(config: &PruneConfig, output: Output, days: u64, minimum: u64) -> Result<Outcome> {
    let mut archive = open_archive(&config.dir, config.write, "prune")?;
    let old = |archive: &OpenArchive, label| {
        prune::parse_days(archive.info.get(label).map(String::as_str))
    };
    let (old_days, old_minimum) = (old(&archive, RETENTION_LABEL), old(&archive, MINIMUM_LABEL));
    if let Some(why) = prune::below_minimum(minimum, old_minimum, config.lower_retention) {
        return Err(Error::Refused(format!("{why}; nothing was changed")));
    }
    let changed = old_days != Some(days) || old_minimum != Some(minimum);
    archive.info.insert(RETENTION_LABEL, days.to_string());
    archive.info.insert(MINIMUM_LABEL, minimum.to_string());
    let mut event = std::mem::take(&mut archive.audit);
    event.options = [("lower_retention".to_owned(), config.lower_retention.into())].into();
    if changed {
        event.settings = [
            ("retention_days".to_owned(), days.into()),
            ("retention_minimum_days".to_owned(), minimum.into()),
        ]
        .into();
    }
    write_bag_unrendered(&config.dir, &mut archive, event)?;
    if output.json {
        print_json(&serde_json::json!({
            "retention_days": days,
            "retention_minimum_days": minimum,
            "changed": changed,
            "exit_code": crate::ExitCode::Done,
        }));
    }
    if output.verbosity != Verbosity::Quiet {
        let what = if changed { "set" } else { "already" };
        eprintln!(
            "desk-archive: retention {what}: {days} days, minimum {minimum} days (prune \
             `{}` erases sessions whose last message is older)",
            config.dir.display()
        );
    }
    Ok(Outcome::default())
}

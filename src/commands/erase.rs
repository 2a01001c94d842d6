//! `erase DIR …` (SPEC §14): honours an erasure request in one command. The sessions'
//! records, superseded records, pages and the media no other session uses go; coverage.json
//! marks each `erased` with when and why; index, stats and agent pages are rebuilt; one
//! audit entry names the sessions and the reason. Sessions on legal hold stop the command
//! (exit 5) before anything changes. The places the archive was published to are named:
//! their copies go at the next `publish` to each.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::report::print_json;
use super::steps::{OpenArchive, audit_salt, now_rfc3339, open_archive, rerender, write_bag};
use super::{Outcome, Output};
use crate::audit;
use crate::bag;
use crate::config::{BagMeta, EraseConfig, Selection, Verbosity};
use crate::coverage::Coverage;
use crate::error::{Error, Result};
use crate::lifecycle::erase::{self, Plan, Removed};
use crate::lifecycle::hold::{Held, Holds};
use crate::lifecycle::scan;
use crate::lifecycle::targets;
use crate::lock::{ArchiveLock, Mode};

/// `erase`: the sessions selected, erased (or, with `--dry-run`, listed).
pub(crate) fn erase(config: &EraseConfig, output: Output) -> Result<Outcome> {
    let started = Instant::now();
    if config.dry_run {
        let _lock = ArchiveLock::take(&config.dir, Mode::Shared, config.write.lock_wait)?;
        let data = config.dir.join("data");
        let salt = bag::info_field(&config.dir, audit::SALT_LABEL);
        let coverage = Coverage::load(&data)?.unwrap_or_default();
        let chosen = choose(&data, &config.selection, &coverage)?;
        refuse_held(&data, &chosen.ids, salt.as_deref(), &config.dir)?;
        let plan = erase::plan(&data, &chosen.ids)?;
        report_plan(&config.dir, &plan, &chosen, output);
        return Ok(Outcome::default());
    }
    let mut archive = open_archive(&config.dir, config.write, "erase")?;
    let data = archive.data.clone();
    let mut coverage = Coverage::load(&data)?.unwrap_or_default();
    let chosen = choose(&data, &config.selection, &coverage)?;
    let salt = match &config.selection {
        Selection::Account(_) => Some(audit_salt(&mut archive)),
        _ => archive.info.get(audit::SALT_LABEL).cloned(),
    };
    refuse_held(&data, &chosen.ids, salt.as_deref(), &config.dir)?;
    let targets: Vec<(String, String)> = chosen
        .ids
        .iter()
        .map(|id| (id.clone(), config.reason.clone()))
        .collect();
    let mut event = std::mem::take(&mut archive.audit);
    event.options = erase_options(config, salt.as_deref());
    let done = erase_sessions(
        &config.dir,
        &mut archive,
        &mut coverage,
        &targets,
        output,
        event,
    )?;
    report_done(&config.dir, &done, &chosen, output, started);
    Ok(Outcome::default())
}

/// The sessions an erase is about.
pub(super) struct Chosen {
    /// To erase, sorted.
    pub(super) ids: Vec<String>,
    /// Given, but erased before.
    pub(super) already: Vec<String>,
    /// Given, but the archive has neither a record nor a coverage line of them: marked
    /// erased all the same, so that they are never fetched.
    pub(super) unknown: Vec<String>,
}

/// Resolves the selection against the archive in `data`.
fn choose(data: &Path, selection: &Selection, coverage: &Coverage) -> Result<Chosen> {
    let mut ids: Vec<String> = match selection {
        Selection::Sessions(ids) => ids.clone(),
        Selection::SessionsFile(file) => crate::sessions::read_sessions(file)?
            .into_iter()
            .map(|e| e.session_id)
            .collect(),
        Selection::Account(account) => {
            let scan = scan::scan(&data.join("records"))?;
            warn_unreadable(&scan.unreadable, "whether the account wrote in them");
            scan.written_by(account)
                .map(|s| s.session_id.clone())
                .collect()
        }
    };
    ids.sort();
    ids.dedup();
    let records = data.join("records");
    let mut chosen = Chosen {
        ids: Vec::new(),
        already: Vec::new(),
        unknown: Vec::new(),
    };
    for id in ids {
        if coverage.is_erased(&id) {
            chosen.already.push(id);
            continue;
        }
        if coverage.get(&id).is_none() && !crate::records::record_path(&records, &id).is_file() {
            chosen.unknown.push(id.clone());
        }
        chosen.ids.push(id);
    }
    Ok(chosen)
}

fn warn_unreadable(unreadable: &[(std::path::PathBuf, String)], what: &str) {
    for (path, why) in unreadable {
        tracing::warn!(
            "`{}` cannot be read, so {what} cannot be told: {why}",
            path.display()
        );
    }
}

/// Stops with exit 5, before anything changes, when a hold keeps any of `ids`.
pub(super) fn refuse_held(
    data: &Path,
    ids: &[String],
    salt: Option<&str>,
    dir: &Path,
) -> Result<()> {
    let holds = Holds::load(data)?;
    let held = holds.held_among(&data.join("records"), ids, salt);
    if held.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(refused_message(&held, dir)))
}

fn refused_message(held: &[Held], dir: &Path) -> String {
    let mut text = format!(
        "{} session(s) on legal hold; nothing was erased or changed:",
        held.len()
    );
    for h in held {
        text.push_str("\n  ");
        text.push_str(&h.to_string());
    }
    text.push_str(&format!(
        "\n  (`desk-archive hold {} --list` shows the holds; only whoever placed a hold \
         should lift it)",
        dir.display()
    ));
    text
}

/// What an erasure did.
pub(super) struct Done {
    /// The sessions erased, with reasons.
    pub(super) erased: Vec<audit::Erased>,
    /// Files removed.
    pub(super) removed: Removed,
    /// Media files of the erased sessions kept, because other sessions use them.
    pub(super) media_shared: usize,
}

/// Erases `targets` (SessionId, reason) from the opened archive: coverage first, then the
/// files, then an incremental render and the bag with `event` (completed here) as its
/// audit entry. An empty list still writes the bag, so that accepted changes are logged.
pub(super) fn erase_sessions(
    out: &Path,
    archive: &mut OpenArchive,
    coverage: &mut Coverage,
    targets: &[(String, String)],
    output: Output,
    mut event: audit::Event,
) -> Result<Done> {
    let data = archive.data.clone();
    let ids: Vec<String> = targets.iter().map(|(id, _)| id.clone()).collect();
    let plan = erase::plan(&data, &ids)?;
    warn_unreadable(&plan.unreadable, "the media it references");
    let now = now_rfc3339();
    for (id, reason) in targets {
        coverage.set_erased(id, &now, reason);
    }
    // Coverage first: after a crash from here on, the sessions are erased and are never
    // fetched again, whatever else was left to do.
    coverage.write(&data, &archive.wal)?;
    let removed = erase::apply(&data, &plan, &archive.wal)?;
    let report = rerender(out, archive, coverage, output.verbosity)?;
    let known = bag::Known {
        sessions: &report.rendered,
        fetched: &[],
        written: &report.search_files,
        index: report.index,
    };
    let erased: Vec<audit::Erased> = targets
        .iter()
        .map(|(id, reason)| audit::Erased {
            session_id: id.clone(),
            reason: reason.clone(),
        })
        .collect();
    event.counts = [
        ("erased".to_owned(), erased.len() as u64),
        ("records_removed".to_owned(), removed.records),
        ("media_removed".to_owned(), removed.media),
    ]
    .into();
    event.erased = erased.clone();
    write_bag(
        out,
        &BagMeta::default(),
        coverage.counts(),
        archive,
        known,
        event,
        None,
    )?;
    Ok(Done {
        erased,
        removed,
        media_shared: plan.media_shared,
    })
}

/// The options of an erase, for the audit log: the account only as its salted digest.
fn erase_options(
    config: &EraseConfig,
    salt: Option<&str>,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut options = std::collections::BTreeMap::new();
    options.insert("reason".to_owned(), config.reason.clone().into());
    match &config.selection {
        Selection::Sessions(_) => {
            options.insert("selection".to_owned(), "sessions".into());
        }
        Selection::SessionsFile(file) => {
            options.insert("sessions".to_owned(), file.clone().into());
        }
        Selection::Account(account) => {
            let digest = audit::account_digest(salt.unwrap_or_default(), account);
            options.insert("account".to_owned(), digest.into());
        }
    }
    options
}

/// The JSON object of `erase` and `prune`.
#[derive(Serialize)]
pub(super) struct JsonErase<'a> {
    pub(super) dry_run: bool,
    pub(super) erased: Vec<&'a str>,
    pub(super) already_erased: &'a [String],
    pub(super) not_in_archive: &'a [String],
    pub(super) records_removed: u64,
    pub(super) media_removed: u64,
    pub(super) media_kept_shared: usize,
    pub(super) published_to: Vec<String>,
    pub(super) seconds: f64,
    pub(super) exit_code: crate::ExitCode,
}

fn report_plan(dir: &Path, plan: &Plan, chosen: &Chosen, output: Output) {
    let records: usize = plan.sessions.iter().map(|s| s.files.len()).sum();
    if output.json {
        print_json(&JsonErase {
            dry_run: true,
            erased: plan
                .sessions
                .iter()
                .map(|s| s.session_id.as_str())
                .collect(),
            already_erased: &chosen.already,
            not_in_archive: &chosen.unknown,
            records_removed: records as u64,
            media_removed: plan.media_files.len() as u64,
            media_kept_shared: plan.media_shared,
            published_to: published_to(dir),
            seconds: 0.0,
            exit_code: crate::ExitCode::Done,
        });
    } else {
        for s in &plan.sessions {
            println!("erase {}", s.session_id);
            for f in &s.files {
                println!("  remove data/{f}");
            }
        }
        for f in &plan.media_files {
            println!("remove data/{f}");
        }
    }
    if output.verbosity != Verbosity::Quiet {
        notes(chosen);
        eprintln!(
            "desk-archive: dry run: {} session(s) to erase, {records} record file(s) and {} \
             media file(s) to remove, {} media file(s) kept (other sessions use them)",
            plan.sessions.len(),
            plan.media_files.len(),
            plan.media_shared
        );
    }
}

fn notes(chosen: &Chosen) {
    for id in &chosen.already {
        eprintln!("desk-archive: `{id}` was erased before: nothing to do for it");
    }
    for id in &chosen.unknown {
        eprintln!(
            "desk-archive: `{id}` is not in the archive: it is marked erased, so that it is \
             never fetched"
        );
    }
}

fn report_done(dir: &Path, done: &Done, chosen: &Chosen, output: Output, started: Instant) {
    let seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    if output.json {
        print_json(&JsonErase {
            dry_run: false,
            erased: done.erased.iter().map(|e| e.session_id.as_str()).collect(),
            already_erased: &chosen.already,
            not_in_archive: &chosen.unknown,
            records_removed: done.removed.records,
            media_removed: done.removed.media,
            media_kept_shared: done.media_shared,
            published_to: published_to(dir),
            seconds,
            exit_code: crate::ExitCode::Done,
        });
    }
    if output.verbosity == Verbosity::Quiet {
        return;
    }
    notes(chosen);
    summary_line(done, seconds);
    published_note(dir, !done.erased.is_empty());
}

/// The summary line of `erase` and `prune`.
pub(super) fn summary_line(done: &Done, seconds: f64) {
    eprintln!(
        "desk-archive: {} session(s) erased: {} record file(s) and {} media file(s) removed, \
         {} media file(s) kept (other sessions use them), {seconds:.1} s",
        done.erased.len(),
        done.removed.records,
        done.removed.media,
        done.media_shared
    );
}

/// The publish targets of the archive, as shown.
pub(super) fn published_to(dir: &Path) -> Vec<String> {
    targets::read(dir).iter().map(ToString::to_string).collect()
}

/// Names the places that still hold copies of what was erased.
pub(super) fn published_note(dir: &Path, erased_any: bool) {
    let published = published_to(dir);
    if !erased_any || published.is_empty() {
        return;
    }
    eprintln!(
        "desk-archive: this archive was published to {} place(s); their copies of the erased \
         sessions go at the next `desk-archive publish` to each:",
        published.len()
    );
    for target in published {
        eprintln!("  {target}");
    }
}

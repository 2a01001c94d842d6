//! `export DIR --out DIR2`: the selected sessions as a new bag (SPEC §12). DIR is read
//! under its shared lock; DIR2 is opened like any archive a command writes (its exclusive
//! lock, its write-ahead list), gets the records, media and export.json
//! ([`crate::export::prepare`]), then the usual render and bag. Last, the disclosure entry
//! goes into DIR's audit log.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::disclose::{self, Disclosure, Options, Salted};
use super::render::{RenderRun, render_opened};
use super::steps::open_archive;
use super::{Outcome, Output, remember};
use crate::bag;
use crate::config::{BagMeta, ExportTaskConfig, RenderConfig};
use crate::error::Result;
use crate::export::Selection;
use crate::lock::{ArchiveLock, Mode};
use crate::progress::timed;

/// `export`: writes DIR2, logs the disclosure in DIR.
pub(crate) fn export(
    mut config: ExportTaskConfig,
    output: Output,
    cancel: Arc<AtomicBool>,
) -> Result<Outcome> {
    let started = Instant::now();
    crate::export::check(&config.export)?;
    let source = config.export.dir.clone();
    let lock_wait = config.write.lock_wait;
    // A reader of DIR: no writer may change it while its records are copied.
    let source_lock = ArchiveLock::take(&source, Mode::Shared, lock_wait)?;
    let mut options = config.render.clone();
    // DIR's remembered page options fill in what was not given, the time zone of
    // --since and --until included.
    remember::apply(&source, &mut options, &config.said);
    config.export.selection.timezone = options.timezone;
    let archive = open_archive(&config.export.out, config.write, "export")?;
    let prepared = timed("export: records", || {
        crate::export::prepare(&config.export, &bag::read_info(&source), &archive.wal)
    })?;
    drop(source_lock);
    let (org, id) = prepared.source_info.clone();
    let render_config = RenderConfig {
        out: config.export.out.clone(),
        records: None,
        recursive: false,
        include_erased: false,
        records_remote: None,
        render: options,
        bag: BagMeta {
            source_organization: config.source_organization.clone().or(org),
            external_identifier: id,
            extra: prepared.bag_info.clone(),
        },
        write: config.write,
        said: config.said,
    };
    let mut run_options = disclose::redaction_options(config.export.redaction.as_ref());
    run_options.insert("from".into(), disclose::target(Some(&source)));
    let run = RenderRun {
        verb: "exported",
        options: run_options,
        started,
    };
    let outcome = render_opened(&render_config, output, cancel, archive, run)?;
    if let (Some(report), Some(settings)) = (&prepared.report, &config.export.redaction)
        && let Some(file) = &settings.report
    {
        report.write(file)?;
    }
    let disclosure = Disclosure {
        command: "export",
        counts: [("sessions".to_owned(), prepared.session_ids.len() as u64)].into(),
        lock_wait,
    };
    disclose::record(&source, disclosure, |salted| {
        let mut options = disclose::redaction_options(config.export.redaction.as_ref());
        if let Some(r) = &config.export.redaction {
            options.insert("pseudonyms".into(), r.options.scope.name().into());
        }
        options.insert("to".into(), disclose::target(Some(&config.export.out)));
        options.insert(
            "selection".into(),
            selection(&config.export.selection, salted).into(),
        );
        options.insert("sessions".into(), prepared.session_ids.clone().into());
        options
    });
    Ok(outcome)
}

/// The selection as the audit log keeps it: accounts and metadata values salted and
/// hashed (they name people), SessionIds, days and roles as given.
fn selection(s: &Selection, salted: &Salted) -> serde_json::Map<String, serde_json::Value> {
    let mut out = Options::new();
    let hashed = |values: &[String]| -> serde_json::Value {
        values
            .iter()
            .map(|v| salted.hash(v))
            .collect::<Vec<_>>()
            .into()
    };
    if !s.roles.is_empty() {
        let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
        out.insert("role".into(), roles.into());
    }
    if !s.accounts.is_empty() {
        out.insert("account".into(), hashed(&s.accounts));
    }
    if !s.agents.is_empty() {
        out.insert("agent".into(), hashed(&s.agents));
    }
    if let Some(ids) = &s.sessions {
        out.insert(
            "session".into(),
            ids.iter().cloned().collect::<Vec<_>>().into(),
        );
    }
    if let Some(file) = &s.sessions_file {
        out.insert("sessions_file".into(), file.clone().into());
    }
    if let Some(day) = s.since {
        out.insert("since".into(), day.to_string().into());
    }
    if let Some(day) = s.until {
        out.insert("until".into(), day.to_string().into());
    }
    if !s.metadata.is_empty() {
        let pairs: serde_json::Map<String, serde_json::Value> = s
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), salted.hash(v).into()))
            .collect();
        out.insert("metadata".into(), pairs.into());
    }
    out.insert("timezone".into(), s.timezone.name().into());
    out.into_iter().collect()
}

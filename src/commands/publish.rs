//! The `publish` and `verify --remote` commands, and the download step of
//! `render --records URL`: progress, summaries and JSON around [`crate::publish`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use super::report::{Failed, SessionFailure, print_json};
use super::{Outcome, Output};
use crate::config::Verbosity;
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::lock::{ArchiveLock, Mode};
use crate::progress::{Progress, size_text, warning_line};
use crate::publish::download::Downloaded;
use crate::publish::remote_verify::{self, RemoteVerifyConfig};
use crate::publish::{self, Event, Kind, PublishConfig, PublishReport, StoreSpec, Tuning};

/// `publish DIR --to URL`: uploads, then one summary line (and with `json` one object).
pub(crate) fn publish(
    config: &PublishConfig,
    output: Output,
    cancel: &AtomicBool,
) -> Result<Outcome> {
    let (verbosity, json) = (output.verbosity, output.json);
    let started = Instant::now();
    // A reader: no writer changes the archive while it is published (SPEC §9).
    let _lock = ArchiveLock::take(&config.dir, Mode::Shared, config.lock_wait)?;
    let progress: Mutex<Option<Progress>> = Mutex::new(None);
    let on_event = |event: Event| on_publish_event(&progress, verbosity, event);
    let result = publish::run(config, cancel, &on_event);
    if let Ok(Some(progress)) = progress.lock().map(|mut p| p.take()) {
        progress.finish();
    }
    // A usage error reached no store; any other outcome may have left copies there.
    if !config.dry_run && !matches!(result, Err(Error::Usage(_))) {
        remember_target(config);
    }
    // An error is printed by the binary (with `--json`, as the one JSON object).
    let report = result?;
    let seconds = started.elapsed().as_secs_f64();
    print_publish(config, &report, verbosity, json, seconds);
    Ok(Outcome {
        exit_code: report.exit_code(),
    })
}

/// Notes the target beside the archive (SPEC §14), so that `erase` can name the places
/// that hold copies. A note, not evidence: failing to write it is a warning.
fn remember_target(config: &PublishConfig) {
    let spec = &config.target;
    let endpoint = spec
        .endpoint
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| spec.cos_region.as_ref().map(|r| format!("COS region {r}")));
    let target = crate::lifecycle::targets::Target {
        first: super::steps::now_rfc3339(),
        kind: kind_label(config.kind).to_owned(),
        url: spec.url.clone(),
        endpoint,
    };
    if let Err(e) = crate::lifecycle::targets::record(&config.dir, &target) {
        tracing::warn!(
            "cannot note the publish target: {}",
            crate::error::one_line(&e)
        );
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Site => "site",
        Kind::Bag => "bag",
    }
}

fn on_publish_event(progress: &Mutex<Option<Progress>>, verbosity: Verbosity, event: Event) {
    let Ok(mut guard) = progress.lock() else {
        return;
    };
    match event {
        Event::Planned { objects, .. } => {
            *guard = Some(Progress::new(verbosity, "publish", "objects", objects));
        }
        Event::Bytes(n) => {
            if let Some(p) = guard.as_ref() {
                p.bytes(n);
            }
        }
        Event::Uploaded => {
            if let Some(p) = guard.as_ref() {
                p.inc(1);
            }
        }
        Event::Warning(w) if verbosity != Verbosity::Quiet => match guard.as_ref() {
            Some(p) => p.println(&warning_line(&w)),
            None => eprintln!("{}", warning_line(&w)),
        },
        Event::Warning(_) => {}
    }
}

/// The summary as `--json` prints it.
#[derive(Serialize)]
struct JsonPublish<'a> {
    target: &'a str,
    kind: Kind,
    dry_run: bool,
    #[serde(flatten)]
    report: &'a PublishReport,
    seconds: f64,
    exit_code: ExitCode,
}

fn print_publish(
    config: &PublishConfig,
    report: &PublishReport,
    verbosity: Verbosity,
    json: bool,
    seconds: f64,
) {
    let error = crate::progress::prefix("error", crate::progress::colour());
    for failure in &report.failed {
        eprintln!("{error}`{}` failed: {}", failure.key, failure.reason);
    }
    if report.interrupted {
        eprintln!("{error}interrupted: run the same publish again to upload the rest");
    }
    if json {
        print_json(&JsonPublish {
            target: &config.target.url,
            kind: config.kind,
            dry_run: config.dry_run,
            report,
            seconds: (seconds * 1000.0).round() / 1000.0,
            exit_code: report.exit_code(),
        });
    } else if config.dry_run {
        for key in report.would_upload.iter().flatten() {
            println!("upload {key}");
        }
        for key in report.would_delete.iter().flatten() {
            println!("delete {key}");
        }
    }
    if verbosity == Verbosity::Quiet {
        return;
    }
    let line = if config.dry_run {
        format!(
            "desk-archive: dry run for `{}`: {} to upload, {} unchanged, {} to delete",
            config.target.url,
            report.would_upload.as_ref().map_or(0, Vec::len),
            report.unchanged,
            report.would_delete.as_ref().map_or(0, Vec::len),
        )
    } else {
        format!(
            "desk-archive: published to `{}`: {} uploaded, {} unchanged, {} deleted, {} failed, {} in {seconds:.1} s ({}/s)",
            config.target.url,
            report.uploaded,
            report.unchanged,
            report.deleted,
            report.failed.len(),
            size_text(report.bytes as f64),
            size_text(report.bytes as f64 / seconds.max(0.001)),
        )
    };
    eprintln!("{line}");
}

/// `verify --remote URL DIR`: exit 0 when the target holds exactly what a publish of DIR
/// uploads, 3 otherwise; each problem on standard output (`missing: <key>`, …).
pub(crate) fn verify_remote(config: &RemoteVerifyConfig, output: Output) -> Result<Outcome> {
    let (verbosity, json) = (output.verbosity, output.json);
    let _lock = ArchiveLock::take(&config.dir, Mode::Shared, config.lock_wait)?;
    let report = remote_verify::run(config)?;
    let exit_code = if report.is_identical() {
        ExitCode::Done
    } else {
        ExitCode::Integrity
    };
    if json {
        print_json(&serde_json::json!({
            "target": config.target.url,
            "identical": report.is_identical(),
            "report": report,
            "exit_code": exit_code,
        }));
    } else {
        for (label, keys) in [
            ("missing", &report.missing),
            ("changed", &report.changed),
            ("extra", &report.extra),
        ] {
            for key in keys {
                println!("{label}: {key}");
            }
        }
    }
    if verbosity != Verbosity::Quiet {
        for warning in &report.warnings {
            eprintln!("{}", warning_line(warning));
        }
    }
    let what = match report.kind {
        Kind::Site => "site",
        Kind::Bag => "bag",
    };
    if report.is_identical() {
        if verbosity != Verbosity::Quiet {
            eprintln!(
                "desk-archive: `{}` holds exactly the {what} of `{}` ({} objects)",
                config.target.url,
                config.dir.display(),
                report.checked
            );
        }
    } else {
        eprintln!(
            "{}`{}` differs from the {what} of `{}`: {} missing, {} changed, {} extra",
            crate::progress::prefix("error", crate::progress::colour()),
            config.target.url,
            config.dir.display(),
            report.missing.len(),
            report.changed.len(),
            report.extra.len()
        );
    }
    Ok(Outcome { exit_code })
}

/// Records downloaded for `render --records URL`, in a temporary folder inside the
/// archive directory (removed when this is dropped, and by the next writing command
/// after a kill).
pub(super) struct DownloadedRecords {
    /// The folder the records are in.
    pub(super) dir: PathBuf,
    files: Vec<Downloaded>,
    _guard: tempfile::TempDir,
}

impl DownloadedRecords {
    /// Names the remote object instead of the temporary file in each failure.
    pub(super) fn rename_failures(&self, failures: &mut [SessionFailure]) {
        for failure in failures {
            if let Failed::File(path) = &failure.what
                && let Some(file) = self.files.iter().find(|f| &f.path == path)
            {
                failure.what = Failed::File(PathBuf::from(&file.url));
            }
            failure.reason = self.rename_paths(&failure.reason);
        }
    }

    fn rename_paths(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for file in &self.files {
            let path = file.path.display().to_string();
            if text.contains(&path) {
                text = text.replace(&path, &file.url);
            }
        }
        text
    }
}

/// Downloads the records under `spec` into a temporary folder inside `out`.
pub(super) fn download_records(spec: &StoreSpec, out: &Path) -> Result<DownloadedRecords> {
    let guard = tempfile::Builder::new()
        .prefix("records-download.")
        .suffix(crate::fsutil::TEMP_SUFFIX)
        .tempdir_in(out)
        .map_err(|e| Error::io("create a folder in", out, e))?;
    let dir = guard.path().to_path_buf();
    let files = crate::progress::timed("download records", || {
        publish::download::records(spec, Tuning::default(), &dir)
    })?;
    Ok(DownloadedRecords {
        dir,
        files,
        _guard: guard,
    })
}

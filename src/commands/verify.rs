//! `verify DIR`: validate the archive as a BagIt bag (SPEC §3).

use std::path::Path;

use super::report::print_json;
use super::{Outcome, Output};
use crate::bag;
use crate::config::Verbosity;
use crate::error::{Error, Result};
use crate::exit::ExitCode;

/// `verify DIR`: exit 0 when the bag is valid, 3 otherwise; problems on standard output
/// (one a line, or with `json` one object `{"valid", "problems", "warnings"}`).
pub(crate) fn verify(
    dir: &Path,
    lock_wait: std::time::Duration,
    output: Output,
) -> Result<Outcome> {
    let Output { verbosity, json } = output;
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "archive directory `{}` does not exist",
            dir.display()
        )));
    }
    if let Some(bag) = payload_folder_of(dir) {
        return Err(Error::Usage(format!(
            "`{}` is the payload folder of the bag `{}`: verify that folder instead",
            dir.display(),
            bag.display()
        )));
    }
    // A reader: shares the lock with other readers, waits for a writer to finish.
    let _lock = crate::lock::ArchiveLock::take(dir, crate::lock::Mode::Shared, lock_wait)?;
    let report = bag::verify(dir)?;
    if json {
        print_json(&serde_json::json!({
            "valid": report.is_valid(),
            "problems": report.problems,
            "warnings": report.warnings,
        }));
    } else {
        for problem in &report.problems {
            println!("{problem}");
        }
    }
    if verbosity != Verbosity::Quiet {
        for warning in &report.warnings {
            eprintln!("{}", crate::progress::warning_line(warning));
        }
    }
    if report.is_valid() {
        if verbosity != Verbosity::Quiet {
            eprintln!("desk-archive: `{}` is a valid bag", dir.display());
        }
        Ok(Outcome {
            exit_code: ExitCode::Done,
        })
    } else {
        eprintln!(
            "{}`{}` is NOT valid: {} problem(s)",
            crate::progress::prefix("error", crate::progress::colour()),
            dir.display(),
            report.problems.len()
        );
        Ok(Outcome {
            exit_code: ExitCode::Integrity,
        })
    }
}

/// The bag whose `data/` folder `dir` is, when `dir` is not a bag itself.
fn payload_folder_of(dir: &Path) -> Option<std::path::PathBuf> {
    if dir.join("bagit.txt").exists() {
        return None;
    }
    let absolute = std::fs::canonicalize(dir).ok()?;
    let parent = absolute.parent()?;
    (absolute.file_name()? == "data" && parent.join("bagit.txt").is_file()).then(|| dir.join(".."))
}

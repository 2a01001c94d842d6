//! `share DIR SESSION`: one session as one self-contained file ([`crate::share`]), read
//! under the archive's shared lock, then the disclosure entry in its audit log.

use super::disclose::{self, Disclosure};
use super::{Outcome, Output, remember};
use crate::config::ShareTaskConfig;
use crate::config::Verbosity;
use crate::error::Result;
use crate::lock::{ArchiveLock, Mode};

/// `share`: writes the file, logs the disclosure, says where it went.
pub(crate) fn share(task: &ShareTaskConfig, output: Output) -> Result<Outcome> {
    let config = &task.share;
    crate::share::require_archive(&config.dir)?;
    // A reader: no writer may change the archive while the page is built.
    let lock = ArchiveLock::take(&config.dir, Mode::Shared, task.lock_wait)?;
    let mut render = config.render.clone();
    // The archive's remembered page options fill in what was not given; nothing of the
    // archive changes, so there is nothing to announce.
    remember::apply(&config.dir, &mut render, &task.said);
    let shared = crate::share::share(config, &render)?;
    drop(lock);
    let disclosure = Disclosure {
        command: "share",
        counts: [("sessions".to_owned(), 1)].into(),
        lock_wait: task.lock_wait,
    };
    disclose::record(&config.dir, disclosure, |_| {
        let mut options = disclose::redaction_options(config.redaction.as_ref());
        options.insert("session".into(), shared.session_id.clone().into());
        options.insert("to".into(), disclose::target(shared.path.as_deref()));
        options.insert("pdf".into(), config.pdf.into());
        options
    });
    if output.verbosity != Verbosity::Quiet {
        let to = shared.path.as_ref().map_or_else(
            || "standard output".to_owned(),
            |p| format!("`{}`", p.display()),
        );
        let redacted = match &config.redaction {
            Some(r) => format!(
                ", profile {}: {} redactions",
                r.profile.name, shared.redactions
            ),
            None => ", not redacted".to_owned(),
        };
        eprintln!("desk-archive: session shared to {to}{redacted}");
    }
    Ok(Outcome::default())
}

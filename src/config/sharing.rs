//! Resolves `share` and `export` (SPEC §12): redaction settings, the export's selection
//! (the filters of `search`), page options, and the lock wait for the source archive.

use std::collections::BTreeSet;

use super::{Resolver, Said, WriteAccess, usage};
use crate::cli::{ExportArgs, PageArgs, RedactArgs, ShareArgs};
use crate::error::Result;
use crate::export::select::{self, Selection};
use crate::redact::{Options, Profile, Scope, Settings};
use crate::render::RenderOptions;

/// Settings of `export`.
#[derive(Debug)]
pub struct ExportTaskConfig {
    /// What to export, and how to redact it.
    pub export: crate::export::ExportConfig,
    /// Page options of the new bag (before the source archive's remembered ones fill in
    /// what `said` does not cover).
    pub render: RenderOptions,
    /// Which page options were given.
    pub said: Said,
    /// `--source-organization` (else the source bag's).
    pub source_organization: Option<String>,
    /// The lock wait, for the source archive (read, then the disclosure entry) and the
    /// new bag; changes are never accepted.
    pub write: WriteAccess,
}

/// Settings of `share`.
#[derive(Debug)]
pub struct ShareTaskConfig {
    /// What to share, and how.
    pub share: crate::share::ShareConfig,
    /// Which page options were given (the source archive's remembered ones fill in the
    /// others).
    pub said: Said,
    /// `--lock-wait`: for the shared lock while reading, and the writer lock for the
    /// disclosure entry.
    pub lock_wait: std::time::Duration,
}

impl Resolver<'_> {
    pub(super) fn share(&mut self, args: ShareArgs) -> Result<ShareTaskConfig> {
        let pages = PageArgs {
            timezone: args.timezone,
            title: args.title,
            lang: args.lang,
            ..PageArgs::default()
        };
        let said = self.said(&pages);
        let render = self.render_options(pages)?;
        let max_inline_bytes = args
            .max_inline_bytes
            .unwrap_or(crate::share::DEFAULT_MAX_INLINE_BYTES);
        if args.chrome.is_some() && !args.pdf {
            return Err(usage("--chrome is used only with --pdf"));
        }
        let share = crate::share::ShareConfig {
            dir: args.dir,
            session: args.session,
            out: args.out,
            cwd: self.sources.cwd.clone(),
            redaction: redaction(args.redaction, Scope::PerSession)?,
            max_inline_bytes,
            pdf: args.pdf,
            chrome: args.chrome,
            render,
        };
        Ok(ShareTaskConfig {
            share,
            said,
            lock_wait: self.lock_wait(args.lock_wait),
        })
    }

    pub(super) fn export(&mut self, args: ExportArgs) -> Result<ExportTaskConfig> {
        let out = args
            .out
            .ok_or_else(|| usage("missing --out DIR2 (the new bag)"))?;
        let source_organization = self.source_organization(None);
        let said = self.said(&args.pages);
        let render = self.render_options(args.pages)?;
        let scope = match args.pseudonyms.as_deref() {
            Some("per-export") => Scope::PerExport,
            _ => Scope::PerSession,
        };
        if args.pseudonyms.is_some() && args.redaction.redact.is_none() {
            return Err(usage("--pseudonyms needs --redact PROFILE"));
        }
        let selection = selection(&args.filters, render.timezone)?;
        Ok(ExportTaskConfig {
            export: crate::export::ExportConfig {
                dir: args.dir,
                out,
                selection,
                redaction: redaction(args.redaction, scope)?,
            },
            render,
            said,
            source_organization,
            write: WriteAccess {
                accept_changes: false,
                lock_wait: self.lock_wait(args.lock_wait),
            },
        })
    }
}

/// The selection of `export`: the filters of `search`, plus `--sessions FILE`.
fn selection(args: &crate::cli::SelectArgs, timezone: chrono_tz::Tz) -> Result<Selection> {
    let mut s = Selection::all(timezone);
    s.roles = args
        .role
        .iter()
        .map(|r| {
            select::parse_role(r).ok_or_else(|| {
                usage(format!(
                    "unknown --role `{r}` (use customer, agent or system)"
                ))
            })
        })
        .collect::<Result<_>>()?;
    s.accounts.clone_from(&args.account);
    s.agents.clone_from(&args.agent);
    s.since = day("--since", args.since.as_deref())?;
    s.until = day("--until", args.until.as_deref())?;
    s.metadata = args
        .metadata
        .iter()
        .map(|kv| select::parse_metadata(kv).map_err(usage))
        .collect::<Result<_>>()?;
    let mut ids: Option<BTreeSet<String>> =
        (!args.session.is_empty()).then(|| args.session.iter().cloned().collect());
    if let Some(file) = &args.sessions {
        let entries = crate::sessions::read_sessions(file)?;
        ids.get_or_insert_default()
            .extend(entries.into_iter().map(|e| e.session_id));
    }
    s.sessions = ids;
    s.sessions_file.clone_from(&args.sessions);
    Ok(s)
}

fn day(flag: &str, value: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    value
        .map(|v| select::parse_day(flag, v).map_err(usage))
        .transpose()
}

/// The redaction settings of `share` and `export`: `None` without `--redact`.
fn redaction(args: RedactArgs, scope: Scope) -> Result<Option<Settings>> {
    let Some(name) = args.redact else {
        let stray = [
            (args.redact_session_id, "--redact-session-id"),
            (args.report.is_some(), "--report"),
            (args.keep_media, "--keep-media"),
        ];
        if let Some((_, flag)) = stray.iter().find(|(given, _)| *given) {
            return Err(usage(format!(
                "{flag} needs --redact PROFILE (external, internal or a TOML file)"
            )));
        }
        return Ok(None);
    };
    let mut profile = Profile::resolve(&name)?;
    if args.keep_media {
        profile.keep_media = true;
    }
    Ok(Some(Settings {
        profile,
        options: Options {
            redact_session_id: args.redact_session_id,
            scope,
        },
        report: args.report,
    }))
}

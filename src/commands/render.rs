//! `render`: (re)build the archive in DIR from raw records, without the network, after
//! importing records from `--records` when given (SPEC §3).

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::report::{Failed, SessionFailure, Summary};
use super::steps::{OpenArchive, open_archive, render_site, write_bag};
use super::{Outcome, Output, remember};
use crate::bag;
use crate::config::RenderConfig;
use crate::coverage::Coverage;
use crate::error::{Error, Result};
use crate::fsutil::{self, Staged};
use crate::progress::timed;
use crate::records::{self, RecordHead};
use crate::state::RenderCache;
use crate::wal::Wal;

/// `render`: import records (optional), render the site, write the bag.
pub(crate) fn render(
    config: &RenderConfig,
    output: Output,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<Outcome> {
    let started = Instant::now();
    if config.records.is_none() && config.records_remote.is_none() && !holds_an_archive(&config.out)
    {
        return Err(Error::Usage(format!(
            "`{}` holds no records and no archive: give --records DIR to import records, \
             or check the folder's name",
            config.out.display()
        )));
    }
    let archive = open_archive(&config.out, config.write, "render")?;
    let run = RenderRun {
        verb: "rendered",
        options: std::collections::BTreeMap::new(),
        started,
    };
    render_opened(config, output, cancel, archive, run)
}

/// How a command that renders an archive it opened names itself: its verb in the
/// summary, and its own options for the audit entry beside the page options.
pub(crate) struct RenderRun {
    /// `rendered`, `exported`.
    pub(crate) verb: &'static str,
    /// Options for the audit entry.
    pub(crate) options: std::collections::BTreeMap<String, serde_json::Value>,
    /// When the command started.
    pub(crate) started: Instant,
}

/// The rest of `render` once the archive is open (`export` opens its new bag itself and
/// writes the records into it first).
pub(crate) fn render_opened(
    config: &RenderConfig,
    output: Output,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    mut archive: OpenArchive,
    run: RenderRun,
) -> Result<Outcome> {
    let data = archive.data.clone();
    let mut options = config.render.clone();
    remember::announce(
        remember::apply(&config.out, &mut options, &config.said),
        output,
    );
    options.cancel = Some(cancel);
    let mut failures = Vec::new();
    let mut coverage = Coverage::load(&data)?.unwrap_or_default();
    let mut heads = Vec::new();
    let downloaded = match &config.records_remote {
        Some(spec) => Some(super::publish::download_records(spec, &config.out)?),
        None => None,
    };
    let records_dir = downloaded
        .as_ref()
        .map(|d| d.dir.clone())
        .or_else(|| config.records.clone());
    if let Some(dir) = &records_dir {
        let erased: std::collections::HashSet<String> = if config.include_erased {
            Default::default()
        } else {
            coverage
                .erased_ids()
                .into_iter()
                .map(str::to_owned)
                .collect()
        };
        let skip = |id: &str| erased.contains(id);
        let mut imported = timed("import records", || {
            import_records(
                dir,
                config.recursive,
                &data.join("records"),
                &archive.wal,
                &skip,
            )
        })?;
        if !imported.skipped.is_empty() && output.verbosity != crate::config::Verbosity::Quiet {
            eprintln!(
                "desk-archive: {} record(s) of erased sessions not imported (--include-erased \
                 imports them)",
                imported.skipped.len()
            );
        }
        if let Some(d) = &downloaded {
            d.rename_failures(&mut imported.failures);
        }
        failures.extend(imported.failures);
        mark_archived(&mut coverage, &imported.heads);
        heads = imported.heads;
    }
    // The downloaded copies are imported: their folder goes now, not after the render.
    drop(downloaded);
    timed("coverage of records", || {
        add_archived_records(&mut coverage, &data.join("records"))
    });
    let missing = coverage.missing();
    let counts = coverage.counts();
    coverage.write(&data, &archive.wal)?;
    drop(coverage);
    let cache = RenderCache {
        sessions: archive.earlier.take(),
        known: &archive.cache,
        imported: crate::state::Imported::new(heads),
    };
    let report = render_site(&options, &data, &missing, output.verbosity, cache)?;
    failures.extend(
        report
            .failures
            .iter()
            .map(|f| SessionFailure::file(&f.path, f.message.clone())),
    );
    let known = bag::Known {
        sessions: &report.rendered,
        fetched: &[],
        written: &report.search_files,
        index: report.index,
    };
    let mut event = std::mem::take(&mut archive.audit);
    event.options = render_options(config, &options);
    event.options.extend(run.options);
    event.counts = [
        ("sessions".to_owned(), report.sessions),
        ("rendered".to_owned(), report.sessions - report.reused),
        ("messages".to_owned(), report.messages),
    ]
    .into();
    write_bag(
        &config.out,
        &config.bag,
        counts,
        &archive,
        known,
        event,
        Some(&options),
    )?;
    let summary = Summary {
        archived: report.sessions,
        messages: report.messages,
        unchanged: report.reused,
        failures,
        interrupted: report.interrupted,
        ..Summary::default()
    };
    summary.print(output, run.started, run.verb);
    Ok(Outcome {
        exit_code: summary.exit_code(),
    })
}

/// Whether `out` holds something to render: records, or an archive (a bag or
/// coverage.json, whose failed sessions still make an index).
fn holds_an_archive(out: &Path) -> bool {
    let data = out.join("data");
    let has_records = std::fs::read_dir(data.join("records")).is_ok_and(|mut d| d.next().is_some());
    // A journal of `listen` killed before its first write: its events are still to be
    // taken in (SPEC §10).
    let journal = out.join(crate::listen::journal::FILE_NAME);
    has_records
        || out.join("bagit.txt").is_file()
        || data.join("coverage.json").is_file()
        || journal.metadata().is_ok_and(|m| m.len() > 0)
}

/// The options of a render, for the audit log.
pub(crate) fn render_options(
    config: &RenderConfig,
    render: &crate::render::RenderOptions,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut options = page_options(render);
    if let Some(records) = &config.records {
        options.insert("records".into(), records.display().to_string().into());
    }
    if config.include_erased {
        options.insert("include_erased".into(), true.into());
    }
    options
}

/// The page options every rendering command logs.
pub(crate) fn page_options(
    render: &crate::render::RenderOptions,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let lang = match render.lang {
        crate::render::Lang::En => "en",
        crate::render::Lang::ZhCn => "zh-CN",
    };
    [
        ("timezone".to_owned(), render.timezone.name().into()),
        ("lang".to_owned(), lang.into()),
        ("markdown_pages".to_owned(), render.markdown_pages.into()),
        ("remote_images".to_owned(), render.remote_images.into()),
    ]
    .into()
}

/// Marks every readable record in `records_dir` archived in coverage (for archives made by
/// `render --records`, or whose coverage.json was lost), dated by the record's FetchedAt.
pub(crate) fn add_archived_records(coverage: &mut Coverage, records_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(records_dir) else {
        return;
    };
    // Records coverage already knows as archived (by stem) are not read again: on a re-run
    // over a large archive that is every record.
    let known = coverage.archived_stems();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|s| s.to_str()).unwrap_or_default();
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            !known.contains(stem) && !records::is_superseded(name)
        })
        .collect();
    paths.sort();
    let heads: Vec<RecordHead> = paths
        .par_iter()
        .filter_map(|p| RecordHead::read(p).ok())
        .collect();
    mark_archived(coverage, &heads);
}

/// Marks the sessions of these records archived in coverage, unless they already have a
/// record there (archived, or open: only a fetch can tell that an open session ended).
pub(crate) fn mark_archived(coverage: &mut Coverage, heads: &[RecordHead]) {
    for head in heads {
        if coverage
            .get(&head.session_id)
            .is_none_or(|e| !e.state.has_record())
        {
            coverage.set_archived(&head.session_id, &head.fetched_at);
        }
    }
}

/// What [`import_records`] did.
pub(crate) struct Imported {
    /// Inputs that are not records, and SessionIds given twice.
    pub(crate) failures: Vec<SessionFailure>,
    /// The records copied (or found already in place).
    pub(crate) heads: Vec<RecordHead>,
    /// SessionIds left out because `skip` said so (erased sessions).
    pub(crate) skipped: Vec<String>,
}

/// Threads that copy records on import: reading and writing wait on the disk more than
/// they compute.
const IMPORT_THREADS: usize = 8;

/// Threads that sync imported records to disk: each sync waits on the disk, and the file
/// system commits concurrent ones together (10,000 records: 5.6 s one at a time).
pub(crate) const SYNC_THREADS: usize = 16;

/// The `*.json` files of `dir` (and, when `recursive`, of its sub-folders, symlinks not
/// followed); the sub-folders found when not.
fn list_inputs(
    dir: &Path,
    recursive: bool,
    paths: &mut Vec<PathBuf>,
    folders: &mut Vec<PathBuf>,
) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::Usage(format!(
            "cannot read the records directory `{}`: {e}",
            dir.display()
        ))
    })?;
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if recursive {
                list_inputs(&path, true, paths, folders)?;
            } else {
                folders.push(path);
            }
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        {
            paths.push(path);
        }
    }
    folders.sort();
    Ok(())
}

/// Copies every `*.json` record of `from` byte for byte to `records_dir/<stem>.json`,
/// except those of SessionIds `skip` names (erased sessions). A file that is not a
/// record, and every input of a SessionId given twice, is a failure.
pub(crate) fn import_records(
    from: &Path,
    recursive: bool,
    records_dir: &Path,
    wal: &Wal,
    skip: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Imported> {
    let mut paths = Vec::new();
    let mut folders = Vec::new();
    list_inputs(from, recursive, &mut paths, &mut folders)?;
    if paths.is_empty() && !folders.is_empty() {
        let names: Vec<String> = folders
            .iter()
            .take(5)
            .map(|f| format!("`{}`", f.display()))
            .collect();
        return Err(Error::Usage(format!(
            "`{}` holds no *.json records, but it has sub-folders ({}{}): give --recursive \
             to import the records in them",
            from.display(),
            names.join(", "),
            if folders.len() > 5 { ", …" } else { "" }
        )));
    }
    paths.sort();
    let heads: Vec<(PathBuf, Result<RecordHead>)> = paths
        .into_par_iter()
        .map(|p| {
            let h = RecordHead::read(&p);
            (p, h)
        })
        .collect();
    let mut failures = Vec::new();
    let mut inputs: Vec<(PathBuf, RecordHead)> = Vec::with_capacity(heads.len());
    for (path, head) in heads {
        match head {
            Ok(head) => inputs.push((path, head)),
            Err(e) => failures.push(SessionFailure::file(&path, crate::error::one_line(&e))),
        }
    }
    // Sorted by SessionId, so that inputs of one SessionId are neighbours (and the
    // failures come out in SessionId order); no map of every SessionId is built.
    inputs.sort_by(|a, b| (&a.1.session_id, &a.0).cmp(&(&b.1.session_id, &b.0)));
    let mut unique = Vec::with_capacity(inputs.len());
    let mut inputs = inputs.into_iter().peekable();
    while let Some(input) = inputs.next() {
        let id = &input.1.session_id;
        if inputs.peek().is_none_or(|next| next.1.session_id != *id) {
            unique.push(input);
            continue;
        }
        let mut names = vec![format!("`{}`", input.0.display())];
        while let Some(next) = inputs.next_if(|next| next.1.session_id == *id) {
            names.push(format!("`{}`", next.0.display()));
        }
        failures.push(SessionFailure {
            what: Failed::SessionId(input.1.session_id),
            reason: format!("two inputs with one SessionId: {}", names.join(", ")),
            error_code: None,
        });
    }
    let mut skipped = Vec::new();
    unique.retain(|(_, head)| {
        let erased = skip(&head.session_id);
        if erased {
            skipped.push(head.session_id.clone());
        }
        !erased
    });
    // Each file is read a second time to copy it: keeping every record's bytes from the
    // first pass would hold the whole import in memory.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(IMPORT_THREADS)
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the import threads: {e}")))?;
    let copied: Result<Vec<(RecordHead, Option<Staged>)>> = pool.install(|| {
        unique
            .into_par_iter()
            .map(|(path, head)| {
                let bytes = fsutil::read(&path)?;
                let target = records::record_path(records_dir, &head.session_id);
                let rel = format!("data/records/{}.json", records::stem(&head.session_id));
                Ok((head, fsutil::stage(&target, rel, &bytes)?))
            })
            .collect()
    });
    let (heads, staged) = copied?.into_iter().unzip::<_, _, Vec<_>, Vec<_>>();
    // Primary evidence: synced, logged in the write-ahead list, then renamed (SPEC §9).
    fsutil::commit_staged(staged.into_iter().flatten().collect(), wal, SYNC_THREADS)?;
    Ok(Imported {
        failures,
        heads,
        skipped,
    })
}

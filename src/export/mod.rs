//! `export DIR --out DIR2` (SPEC §12): a new bag holding only the selected sessions, for
//! legal production or hand-over. This module prepares DIR2's payload — the selected
//! records (byte for byte, or redacted), the captured media they still reference with
//! their index entries, and `data/export.json` — and the `export` command then runs the
//! ordinary render and bag writer on it, so pages, index, stats and manifests come from
//! the same code as every archive's.

pub mod select;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::fsutil::{self, Staged};
use crate::media_index::{Entry, MediaIndex};
use crate::model::parse_message;
use crate::records::{self, RecordRef};
use crate::redact::{At, Field, Redactor, Report, SessionLog};
use crate::wal::Wal;
pub use select::Selection;

/// Settings of `export`.
#[derive(Debug)]
pub struct ExportConfig {
    /// The source archive.
    pub dir: PathBuf,
    /// The new bag (must not exist, or be empty).
    pub out: PathBuf,
    /// Which sessions.
    pub selection: Selection,
    /// `--redact`, when given.
    pub redaction: Option<crate::redact::Settings>,
}

/// What [`prepare`] wrote.
#[derive(Debug)]
pub struct Prepared {
    /// Sessions exported.
    pub sessions: usize,
    /// The redaction report, when redacting.
    pub report: Option<Report>,
    /// Fields for bag-info.txt (`Redaction-Profile`).
    pub bag_info: Vec<(String, String)>,
    /// Source-Organization and External-Identifier of the source bag.
    pub source_info: (Option<String>, Option<String>),
    /// The SessionIds exported (as archived, even when redacted in the new bag), sorted.
    pub session_ids: Vec<String>,
}

/// Threads that sync the exported records (each sync waits on the disk).
const SYNC_THREADS: usize = 16;

/// Checks that DIR is an archive and DIR2 new (or empty) and outside it.
pub fn check(config: &ExportConfig) -> Result<()> {
    if !config.dir.join("data").join("records").is_dir() {
        return Err(Error::Usage(format!(
            "`{}` is not an archive (no data/records folder)",
            config.dir.display()
        )));
    }
    check_out(&config.dir, &config.out)
}

/// Writes DIR2's records and media (primary evidence, through DIR2's write-ahead list
/// `wal`), its media index and export.json. The caller holds DIR's shared lock and DIR2's
/// exclusive one. `source_info` holds the fields of DIR's bag-info.txt.
pub fn prepare(
    config: &ExportConfig,
    source_info: &[(String, String)],
    wal: &Wal,
) -> Result<Prepared> {
    let source = config.dir.join("data");
    let selected = select_records(&source.join("records"), &config.selection)?;
    let data = config.out.join("data");
    let records_dir = data.join("records");
    std::fs::create_dir_all(&records_dir).map_err(|e| {
        Error::Usage(format!(
            "cannot create the export directory `{}`: {e}",
            config.out.display()
        ))
    })?;
    let mut redactor = config
        .redaction
        .as_ref()
        .map(crate::redact::Settings::redactor);
    let mut report = config
        .redaction
        .as_ref()
        .map(|r| Report::new(&r.profile.name));
    let active = redactor.as_ref().is_some_and(Redactor::is_active);
    let mut staged = Vec::with_capacity(selected.len());
    let mut session_ids = Vec::with_capacity(selected.len());
    let mut urls = std::collections::BTreeSet::new();
    // Without captured media there is nothing to copy, and no message need be parsed.
    let media = match MediaIndex::load(&source) {
        Ok(index) => index,
        Err(e) => {
            tracing::warn!("captured media not exported: {e}");
            MediaIndex::default()
        }
    };
    let job = Job {
        records_dir: &records_dir,
        active,
        media: !media.is_empty(),
    };
    // Sessions are independent unless pseudonyms last the whole export: then they are
    // numbered in order, one session after another.
    let per_export = config
        .redaction
        .as_ref()
        .is_some_and(|r| r.options.scope == crate::redact::Scope::PerExport);
    let done: Vec<Result<Done>> = match &config.redaction {
        Some(settings) if active && !per_export => selected
            .par_iter()
            .map_init(|| settings.redactor(), |r, path| job.one(path, Some(r)))
            .collect(),
        _ => selected
            .iter()
            .map(|path| job.one(path, redactor.as_mut()))
            .collect(),
    };
    for d in done {
        let d = d?;
        staged.extend(d.staged);
        session_ids.push(d.session_id);
        urls.extend(d.urls);
        if let (Some(report), Some(log)) = (&mut report, d.log) {
            report.sessions.push(log);
        }
    }
    // Synced, named in the write-ahead list, then renamed into place (SPEC §9).
    fsutil::commit_staged(staged, wal, SYNC_THREADS)?;
    session_ids.sort();
    copy_media(
        &media,
        (&source, &data),
        &urls,
        redactor.as_mut().filter(|_| active),
        wal,
    )?;
    let info = source_info;
    let field = |label: &str| {
        info.iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(label))
            .map(|(_, v)| v.clone())
    };
    write_export_json(
        config,
        &data,
        selected.len(),
        field("Payload-Oxum"),
        redactor.as_mut(),
        wal,
    )?;
    if let (Some(r), Some(report)) = (redactor.as_mut(), report.as_mut()) {
        report.other.extend(r.take_log());
    }
    let bag_info = config
        .redaction
        .as_ref()
        .map(|r| vec![("Redaction-Profile".to_owned(), r.profile.name.clone())])
        .unwrap_or_default();
    Ok(Prepared {
        sessions: selected.len(),
        report,
        bag_info,
        source_info: (field("Source-Organization"), field("External-Identifier")),
        session_ids,
    })
}

/// What every session of one export shares.
struct Job<'a> {
    records_dir: &'a Path,
    /// Whether records are redacted.
    active: bool,
    /// Whether the source has captured media (else no message need be parsed).
    media: bool,
}

/// One session exported.
struct Done {
    /// Its SessionId as archived.
    session_id: String,
    /// The record, staged (`None`: the same bytes are already in place).
    staged: Option<Staged>,
    log: Option<SessionLog>,
    urls: std::collections::BTreeSet<String>,
}

impl Job<'_> {
    /// Stages one record (redacted when active) and returns what it references.
    fn one(&self, path: &Path, redactor: Option<&mut Redactor>) -> Result<Done> {
        let bytes = fsutil::read(path)?;
        let mut log = None;
        let archived_id = records::RecordHead::from_slice(&bytes, path)?.session_id;
        let (session_id, out_bytes) = match redactor {
            Some(r) if self.active => {
                let record = crate::redact::record::redact_record(&bytes, path, r)?;
                log = Some(SessionLog {
                    session: record.session_id.clone(),
                    redactions: r.take_log(),
                });
                (record.session_id.clone(), record.to_bytes())
            }
            _ => (archived_id.clone(), bytes),
        };
        let mut urls = std::collections::BTreeSet::new();
        if self.media {
            collect_urls(&out_bytes, path, &mut urls)?;
        }
        let target = records::record_path(self.records_dir, &session_id);
        let rel = format!("data/records/{}.json", records::stem(&session_id));
        Ok(Done {
            session_id: archived_id,
            staged: fsutil::stage(&target, rel, &out_bytes)?,
            log,
            urls,
        })
    }
}

/// DIR2 must be new or empty, and outside DIR (the source bag must not change).
fn check_out(dir: &Path, out: &Path) -> Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map_err(|e| Error::Usage(format!("cannot read --out `{}`: {e}", out.display())))?
            .next()
            .is_none();
        if !empty {
            return Err(Error::Usage(format!(
                "--out `{}` exists and is not empty: export writes a new bag",
                out.display()
            )));
        }
    }
    let source = std::fs::canonicalize(dir).map_err(|e| Error::io("resolve", dir, e))?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let target = match parent.map(std::fs::canonicalize) {
        Some(Ok(p)) => p.join(out.file_name().unwrap_or_default()),
        _ => std::path::absolute(out).map_err(|e| Error::io("resolve", out, e))?,
    };
    if target.starts_with(&source) {
        return Err(Error::Usage(format!(
            "--out `{}` is inside the source archive `{}`",
            out.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// The records that pass the selection, sorted by file name; one per SessionId.
fn select_records(records: &Path, selection: &Selection) -> Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(records).map_err(|e| Error::io("read directory", records, e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        // A superseded record is an older answer kept as evidence, not the session.
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !records::is_superseded(n))
        })
        .collect();
    // Records are at `records/<stem>.json` (SPEC §3): a list of sessions needs only
    // theirs read, not every record of the archive.
    if let Some(ids) = &selection.sessions {
        let stems: std::collections::HashSet<String> = ids
            .iter()
            .flat_map(|id| [records::stem(id), id.clone()])
            .collect();
        paths.retain(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| stems.contains(s))
        });
    }
    paths.sort();
    let picked: Vec<Option<(String, PathBuf)>> = paths
        .into_par_iter()
        .map(|path| {
            let bytes = fsutil::read(&path).ok()?;
            let record = RecordRef::from_slice(&bytes, &path).ok()?;
            if !selection.matches_head(&record.session_id, &record.metadata) {
                return None;
            }
            if selection.needs_messages() {
                let messages: Vec<_> = record
                    .messages
                    .iter()
                    .enumerate()
                    .map(|(i, m)| parse_message(i, m.get()))
                    .collect();
                if !selection.matches_messages(&messages) {
                    return None;
                }
            }
            Some((record.session_id, path))
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    Ok(picked
        .into_iter()
        .flatten()
        .filter(|(id, _)| seen.insert(id.clone()))
        .map(|(_, p)| p)
        .collect())
}

/// The media URLs an exported record (as written) still references.
fn collect_urls(
    bytes: &[u8],
    path: &Path,
    urls: &mut std::collections::BTreeSet<String>,
) -> Result<()> {
    let record = RecordRef::from_slice(bytes, path)?;
    for (i, raw) in record.messages.iter().enumerate() {
        for element in &parse_message(i, raw.get()).elements {
            crate::media_index::urls::element_urls(element, urls);
        }
    }
    Ok(())
}

/// Copies the captured objects of `urls` and their index entries (keys and error texts
/// redacted like the records, so that a redacted URL still finds its copy).
fn copy_media(
    index: &MediaIndex,
    (source, data): (&Path, &Path),
    urls: &std::collections::BTreeSet<String>,
    mut redactor: Option<&mut Redactor>,
    wal: &Wal,
) -> Result<()> {
    if urls.is_empty() {
        return Ok(());
    }
    let at = At {
        message: None,
        element: None,
        field: "media/index.json",
        kind: Field::Url,
    };
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for (url, entry) in index.iter() {
        let key = match redactor.as_deref_mut() {
            Some(r) => r.text(url, &at).into_owned(),
            None => url.to_owned(),
        };
        if !urls.contains(&key) || entries.contains_key(&key) {
            continue;
        }
        let entry = match (entry, redactor.as_deref_mut()) {
            (Entry::Failed(f), Some(r)) => {
                let mut f = f.clone();
                f.error = r.text(&f.error, &at).into_owned();
                Entry::Failed(f)
            }
            (e, _) => e.clone(),
        };
        entries.insert(key, entry);
    }
    if let Some(r) = redactor {
        r.take_log();
    }
    let mut out = MediaIndex::default();
    for (url, entry) in entries {
        if let Entry::Stored(s) = &entry {
            // Index paths are ours, but the file is editable: only `media/<2 hex>/<name>`.
            let safe = s.path.starts_with("media/")
                && !s.path.contains("..")
                && !s.path.contains('\\')
                && s.path.split('/').count() == 3;
            if !safe {
                continue;
            }
            let from = source.join(&s.path);
            let to = data.join(&s.path);
            if !to.exists() {
                let bytes = fsutil::read(&from)?;
                fsutil::write_evidence(&to, &bytes, wal, &format!("data/{}", s.path))?;
            }
        }
        out.set(&url, entry);
    }
    out.write(data).map(drop)
}

#[derive(Serialize)]
struct ExportJson<'a> {
    exported_at: String,
    software: String,
    source: SourceJson,
    selection: SelectionJson,
    sessions: usize,
    redaction: Option<RedactionJson<'a>>,
}

#[derive(Serialize)]
struct SourceJson {
    archive: String,
    payload_oxum: Option<String>,
}

#[derive(Serialize, Default)]
struct SelectionJson {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    role: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    account: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    agent: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions_given: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, String>,
    timezone: &'static str,
}

#[derive(Serialize)]
struct RedactionJson<'a> {
    profile: &'a str,
    redact_session_id: bool,
    pseudonyms: &'static str,
    keep_media: bool,
}

/// `data/export.json`: when, from which archive (its path and Payload-Oxum), which
/// selection. With redaction, the selection's accounts, SessionIds and metadata values
/// are not written: they are the very data the profile removes.
fn write_export_json(
    config: &ExportConfig,
    data: &Path,
    sessions: usize,
    oxum: Option<String>,
    redactor: Option<&mut Redactor>,
    wal: &Wal,
) -> Result<()> {
    let s = &config.selection;
    let hide = |v: &String| {
        if config.redaction.is_some() {
            "[redacted]".to_owned()
        } else {
            v.clone()
        }
    };
    let mut archive = std::path::absolute(&config.dir)
        .unwrap_or_else(|_| config.dir.clone())
        .display()
        .to_string();
    if let Some(r) = redactor {
        let at = At {
            message: None,
            element: None,
            field: "export.json",
            kind: Field::Other,
        };
        archive = r.text(&archive, &at).into_owned();
    }
    let selection = SelectionJson {
        role: s.roles.iter().map(|r| r.as_str()).collect(),
        account: s.accounts.iter().map(hide).collect(),
        agent: s.agents.iter().map(hide).collect(),
        sessions_given: s.sessions.as_ref().map(|ids| ids.len()),
        sessions_file: s.sessions_file.as_ref().map(hide),
        since: s.since.map(|d| d.to_string()),
        until: s.until.map(|d| d.to_string()),
        metadata: s.metadata.iter().map(|(k, v)| (hide(k), hide(v))).collect(),
        timezone: s.timezone.name(),
    };
    let json = ExportJson {
        exported_at: export_time(),
        software: format!("desk-archive/{}", env!("CARGO_PKG_VERSION")),
        source: SourceJson {
            archive,
            payload_oxum: oxum,
        },
        selection,
        sessions,
        redaction: config.redaction.as_ref().map(|r| RedactionJson {
            profile: &r.profile.name,
            redact_session_id: r.options.redact_session_id,
            pseudonyms: r.options.scope.name(),
            keep_media: r.profile.keep_media,
        }),
    };
    let path = data.join("export.json");
    let mut bytes = serde_json::to_vec_pretty(&json).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    bytes.push(b'\n');
    fsutil::write_evidence(&path, &bytes, wal, "data/export.json").map(drop)
}

/// Now, or SOURCE_DATE_EPOCH when set (reproducible exports).
fn export_time() -> String {
    let fixed = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    fixed
        .unwrap_or_else(chrono::Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

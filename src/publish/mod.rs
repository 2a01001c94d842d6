//! `publish` (SPEC §13): upload the site (`data/`) or the whole bag to object storage,
//! incrementally, in an order that never shows a reader a link to an object not yet
//! there; and `verify --remote`, which proves a target holds exactly the archive.
//!
//! [`run`] is a library function: `publish` calls it, and so can a long-running command
//! after each render. It owns its tokio runtime, like fetch, and reports progress through
//! a callback so that it stays free of terminal concerns.
//!
//! Steps: [`source`] lists the archive's objects with their SHA-256 (from the bag's
//! manifest); [`target`] opens the store; the publish manifest ([`manifest`]) says what the
//! target holds; [`plan`] decides uploads (by tier) and deletions; [`upload`] puts each
//! object; the manifest is written (also as checkpoints during a long publish, so an
//! interrupted one resumes), and deletions come last.

pub mod credentials;
pub mod download;
pub mod manifest;
pub mod plan;
pub mod remote_verify;
pub mod source;
pub mod target;
pub mod upload;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use object_store::{ObjectStoreExt, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use manifest::PublishManifest;
use source::{Local, LocalObject};
pub use target::{StoreSpec, Target, Tuning};
use upload::UploadError;

/// What a target holds: the site (`data/` as the root) or the whole bag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `data/` without `audit.jsonl` and `holds.json`.
    Site,
    /// Every file of the bag, tag files included (`--bag`).
    Bag,
}

/// Default for `--upload-concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// How often, at most, the publish manifest is rewritten while uploads go on.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(10);

/// Settings of one publish.
#[derive(Debug, Clone)]
pub struct PublishConfig {
    /// The archive directory (a bag).
    pub dir: PathBuf,
    /// Where to publish.
    pub target: StoreSpec,
    /// Site or bag.
    pub kind: Kind,
    /// Delete objects under the prefix that the archive does not hold.
    pub delete: bool,
    /// Only say what would be done.
    pub dry_run: bool,
    /// Uploads in flight at once.
    pub concurrency: usize,
    /// Retries and backoff of store requests.
    pub tuning: Tuning,
    /// How long to wait for a writer to release the archive (`--lock-wait`); the
    /// command takes the shared lock, [`run`] does not.
    pub lock_wait: Duration,
}

/// Progress of a publish, for a progress bar.
#[derive(Debug)]
pub enum Event {
    /// The plan is made: this many objects and bytes to upload.
    Planned {
        /// Objects to upload.
        objects: u64,
        /// Their bytes.
        bytes: u64,
    },
    /// Bytes sent.
    Bytes(u64),
    /// An object is uploaded.
    Uploaded,
    /// Something the user should know.
    Warning(String),
}

/// An object that could not be uploaded or deleted, and why.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectFailure {
    /// Its key, relative to the prefix.
    pub key: String,
    /// Why (secrets removed).
    pub reason: String,
}

/// What a publish did (or, with `dry_run`, would do).
#[derive(Debug, Default, Serialize)]
pub struct PublishReport {
    /// Objects uploaded.
    pub uploaded: u64,
    /// Objects the target already held.
    pub unchanged: u64,
    /// Objects deleted.
    pub deleted: u64,
    /// Bytes uploaded.
    pub bytes: u64,
    /// Objects that failed.
    pub failed: Vec<ObjectFailure>,
    /// Stopped by SIGINT/SIGTERM; what was uploaded is in the manifest.
    pub interrupted: bool,
    /// With `--dry-run`: the keys that would be uploaded, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_upload: Option<Vec<String>>,
    /// With `--dry-run`: the keys that would be deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_delete: Option<Vec<String>>,
    /// Warnings given.
    pub warnings: Vec<String>,
}

impl PublishReport {
    /// Done, partly done (some objects failed) or interrupted (SPEC §1).
    pub fn exit_code(&self) -> crate::ExitCode {
        if self.interrupted {
            crate::ExitCode::Interrupted
        } else if !self.failed.is_empty() {
            crate::ExitCode::Partial
        } else {
            crate::ExitCode::Done
        }
    }
}

/// Publishes the archive `config.dir` to `config.target`. Errors: usage (exit 2, also
/// when the store refuses the credentials), integrity (exit 3, a file differs from the
/// bag's manifest), unreachable store (exit 4).
pub fn run(
    config: &PublishConfig,
    cancel: &AtomicBool,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<PublishReport> {
    refuse_target_inside(config)?;
    let local = source::load(&config.dir, config.kind)?;
    for warning in &local.warnings {
        on_event(Event::Warning(warning.clone()));
    }
    let target = target::open(&config.target, config.tuning).map_err(Error::Usage)?;
    let mut report = runtime()?.block_on(publish(config, &local, &target, cancel, on_event))?;
    report.warnings.extend(local.warnings);
    Ok(report)
}

/// A `file://` target inside the archive would add files to the bag it publishes.
fn refuse_target_inside(config: &PublishConfig) -> Result<()> {
    if config.target.scheme != target::Scheme::File {
        return Ok(());
    }
    let target = std::path::Path::new(&config.target.prefix);
    let existing = target.ancestors().find(|a| a.exists()).unwrap_or(target);
    match (config.dir.canonicalize(), existing.canonicalize()) {
        (Ok(dir), Ok(existing)) if existing.starts_with(&dir) => Err(Error::Usage(format!(
            "--to `{}` is inside the archive `{}`: publish to a folder outside it",
            config.target.url,
            config.dir.display()
        ))),
        _ => Ok(()),
    }
}

/// The runtime store requests run on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the async runtime: {e}")))
}

async fn publish(
    config: &PublishConfig,
    local: &Local,
    target: &Target,
    cancel: &AtomicBool,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<PublishReport> {
    let remote = read_manifest(target).await?;
    let (old, old_bytes) = match remote {
        Some((manifest, bytes)) => {
            if manifest.kind != config.kind {
                return Err(Error::Usage(format!(
                    "`{}` holds a {} publish; publish {} there, or to another prefix",
                    target.url,
                    kind_name(manifest.kind),
                    if manifest.kind == Kind::Bag {
                        "with --bag"
                    } else {
                        "without --bag"
                    },
                )));
            }
            (manifest, Some(bytes))
        }
        None => (PublishManifest::new(config.kind), None),
    };
    let listing = if config.delete || !local.erased.is_empty() {
        Some(list_keys(target).await?)
    } else {
        None
    };
    let remote = plan::Remote {
        manifest: &old.objects,
        listing: listing.as_deref(),
    };
    let plan = plan::plan(
        &local.objects,
        &remote,
        &local.erased,
        config.delete,
        config.kind,
    );
    let mut report = PublishReport {
        unchanged: plan.unchanged as u64,
        ..PublishReport::default()
    };
    let ordered: Vec<&LocalObject> = plan
        .uploads
        .iter()
        .flatten()
        .map(|&i| &local.objects[i])
        .collect();
    on_event(Event::Planned {
        objects: ordered.len() as u64,
        bytes: ordered.iter().map(|o| o.size).sum(),
    });
    if config.dry_run {
        report.would_upload = Some(ordered.iter().map(|o| o.key.clone()).collect());
        report.would_delete = Some(plan.deletions.clone());
        return Ok(report);
    }
    let mut uploader = Uploader {
        config,
        target,
        cancel,
        on_event,
        held: old.objects.clone(),
        last_checkpoint: Instant::now(),
        report,
    };
    for tier in &plan.uploads {
        let objects: Vec<&LocalObject> = tier.iter().map(|&i| &local.objects[i]).collect();
        let stop = uploader.run_tier(&objects).await;
        if let Err(e) = stop {
            uploader.checkpoint(true).await;
            return Err(e);
        }
        if uploader.report.interrupted || !uploader.report.failed.is_empty() {
            // Later tiers link to what failed: they wait for the next publish.
            uploader.checkpoint(true).await;
            return Ok(uploader.report);
        }
    }
    let mut report = uploader.report;
    // The manifest keeps the objects about to be deleted until they are gone, so that
    // a publish interrupted among the deletions still knows them next time.
    let mut new = PublishManifest::new(config.kind);
    new.objects = local
        .objects
        .iter()
        .map(|o| (o.key.clone(), o.sha256.clone()))
        .collect();
    let mut with_deletions = new.clone();
    for key in &plan.deletions {
        if let Some(hex) = old.objects.get(key) {
            with_deletions.objects.insert(key.clone(), hex.clone());
        }
    }
    let first = with_deletions.to_bytes();
    if old_bytes.as_deref() != Some(first.as_slice()) {
        write_manifest(target, &first).await?;
    }
    if !plan.deletions.is_empty() {
        delete(target, &plan.deletions, &mut report).await?;
        if report.failed.is_empty() && with_deletions != new {
            write_manifest(target, &new.to_bytes()).await?;
        }
    }
    Ok(report)
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Site => "site",
        Kind::Bag => "bag",
    }
}

/// Runs the uploads of one tier at a time and keeps the manifest of what is held.
struct Uploader<'a> {
    config: &'a PublishConfig,
    target: &'a Target,
    cancel: &'a AtomicBool,
    on_event: &'a (dyn Fn(Event) + Sync),
    /// What the target holds now: the old manifest with every finished upload applied.
    held: BTreeMap<String, String>,
    last_checkpoint: Instant,
    report: PublishReport,
}

impl Uploader<'_> {
    /// Uploads `objects` with at most `concurrency` in flight. Stops starting new ones on
    /// interruption, a refused credential or a changed file; returns the latter two as
    /// errors once the uploads in flight have ended.
    async fn run_tier(&mut self, objects: &[&LocalObject]) -> Result<()> {
        let stop = AtomicBool::new(false);
        let on_bytes = |n: u64| (self.on_event)(Event::Bytes(n));
        let (target, kind, cancel) = (self.target, self.config.kind, self.cancel);
        let mut results = futures::stream::iter(objects.iter().copied())
            .take_while(|_| {
                let go = !stop.load(Ordering::Relaxed) && !cancel.load(Ordering::Relaxed);
                std::future::ready(go)
            })
            .map(|object| {
                let on_bytes = &on_bytes;
                async move { (object, upload::upload(target, kind, object, on_bytes).await) }
            })
            .buffer_unordered(self.config.concurrency.max(1));
        let mut fatal = None;
        while let Some((object, result)) = results.next().await {
            match result {
                Ok(()) => {
                    self.report.uploaded += 1;
                    self.report.bytes += object.size;
                    self.held.insert(object.key.clone(), object.sha256.clone());
                    (self.on_event)(Event::Uploaded);
                }
                Err(UploadError::Failed(reason)) => self.report.failed.push(ObjectFailure {
                    key: object.key.clone(),
                    reason,
                }),
                Err(UploadError::Changed(why)) => {
                    stop.store(true, Ordering::Relaxed);
                    fatal.get_or_insert(Error::Changed(why));
                }
                Err(UploadError::Denied(error)) => {
                    stop.store(true, Ordering::Relaxed);
                    fatal.get_or_insert(denied(self.target, &error));
                }
            }
            if self.last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                self.checkpoint(false).await;
            }
        }
        drop(results);
        if cancel.load(Ordering::Relaxed) {
            self.report.interrupted = true;
        }
        fatal.map_or(Ok(()), Err)
    }

    /// Writes the manifest of what the target holds now. A failure to write it costs
    /// only re-uploads next time, so it is a warning, not an error.
    async fn checkpoint(&mut self, last: bool) {
        self.last_checkpoint = Instant::now();
        if self.report.uploaded == 0 && last {
            return;
        }
        let mut manifest = PublishManifest::new(self.config.kind);
        manifest.objects = self.held.clone();
        if let Err(e) = write_manifest(self.target, &manifest.to_bytes()).await {
            let warning = format!("cannot save what was uploaded so far: {e}");
            (self.on_event)(Event::Warning(warning.clone()));
            self.report.warnings.push(warning);
        }
    }
}

fn denied(target: &Target, e: &object_store::Error) -> Error {
    Error::Usage(format!(
        "the store refused the credentials for `{}` ({}): check {} or --store-credentials FILE",
        target.url,
        target.refusal(e),
        target.credentials_hint()
    ))
}

/// Reads the target's publish manifest: `None` when there is none (or it is not one of
/// ours, which is said in a warning and treated as none).
async fn read_manifest(target: &Target) -> Result<Option<(PublishManifest, Vec<u8>)>> {
    let key = target.key(manifest::NAME).map_err(Error::Usage)?;
    let got = match target.store.get(&key).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(request_error(target, "read the publish manifest of", &e)),
    };
    let bytes = got
        .bytes()
        .await
        .map_err(|e| request_error(target, "read the publish manifest of", &e))?;
    match PublishManifest::parse(&bytes) {
        Ok(m) => Ok(Some((m, bytes.to_vec()))),
        Err(why) => {
            tracing::warn!(
                "`{}/{}` is {why}: every object is uploaded again",
                target.url.trim_end_matches('/'),
                manifest::NAME
            );
            Ok(None)
        }
    }
}

/// The error of a request that is not about one object: refused credentials are a usage
/// error (exit 2), anything else means the store cannot be used now (exit 4).
pub(crate) fn request_error(target: &Target, what: &str, e: &object_store::Error) -> Error {
    if upload::is_denied(e) {
        denied(target, e)
    } else {
        Error::Unreachable(format!(
            "cannot {what} `{}`: {}",
            target.url,
            target.describe(e)
        ))
    }
}

async fn write_manifest(target: &Target, bytes: &[u8]) -> Result<()> {
    let key = target.key(manifest::NAME).map_err(Error::Usage)?;
    let options = PutOptions {
        attributes: upload::attributes(target, manifest::NAME, Kind::Site),
        ..PutOptions::default()
    };
    target
        .store
        .put_opts(&key, PutPayload::from(bytes.to_vec()), options)
        .await
        .map(drop)
        .map_err(|e| request_error(target, "write the publish manifest of", &e))
}

/// Every key under the target's prefix, relative to it.
pub(crate) async fn list_keys(target: &Target) -> Result<Vec<String>> {
    let prefix = (!target.prefix.as_ref().is_empty()).then_some(&target.prefix);
    let mut stream = target.store.list(prefix);
    let mut keys = Vec::new();
    while let Some(meta) = stream.next().await {
        let meta = meta.map_err(|e| request_error(target, "list", &e))?;
        if let Some(rel) = target.relative(&meta.location) {
            keys.push(rel);
        }
    }
    keys.sort();
    Ok(keys)
}

async fn delete(target: &Target, keys: &[String], report: &mut PublishReport) -> Result<()> {
    let paths: Vec<object_store::Result<object_store::path::Path>> = keys
        .iter()
        .filter_map(|k| target.key(k).ok())
        .map(Ok)
        .collect();
    let mut results = target
        .store
        .delete_stream(futures::stream::iter(paths).boxed());
    while let Some(result) = results.next().await {
        match result {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => report.deleted += 1,
            Err(e) if upload::is_denied(&e) => return Err(denied(target, &e)),
            Err(e) => report.failed.push(ObjectFailure {
                key: String::new(),
                reason: target.describe(&e),
            }),
        }
    }
    Ok(())
}

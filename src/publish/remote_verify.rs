//! `verify --remote URL DIR` (SPEC §13): streams every object under the target's prefix,
//! hashes it, and compares the result with what a publish of DIR uploads — the site or the
//! bag, as the target's publish manifest says (the manifest itself is not counted). Names
//! every missing, changed and extra object.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use futures::StreamExt;
use object_store::ObjectStoreExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::target::{StoreSpec, Target, Tuning};
use super::{Kind, manifest, source};
use crate::error::{Error, Result};

/// Objects read at once.
const CONCURRENCY: usize = 16;

/// Settings of `verify --remote`.
#[derive(Debug, Clone)]
pub struct RemoteVerifyConfig {
    /// The archive to compare with.
    pub dir: PathBuf,
    /// The target.
    pub target: StoreSpec,
    /// Retries of store requests.
    pub tuning: Tuning,
    /// How long to wait for a writer to release the archive (`--lock-wait`).
    pub lock_wait: std::time::Duration,
}

/// What `verify --remote` found.
#[derive(Debug, Serialize)]
pub struct RemoteReport {
    /// Whether the target holds the site or the bag.
    pub kind: Kind,
    /// Objects compared.
    pub checked: u64,
    /// Keys the archive has and the target lacks.
    pub missing: Vec<String>,
    /// Keys whose content differs.
    pub changed: Vec<String>,
    /// Keys the target has and the archive lacks.
    pub extra: Vec<String>,
    /// Things to tell the user.
    pub warnings: Vec<String>,
}

impl RemoteReport {
    /// True when the target holds exactly the archive.
    pub fn is_identical(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.extra.is_empty()
    }
}

/// Compares the target with the archive.
pub fn run(config: &RemoteVerifyConfig) -> Result<RemoteReport> {
    let target = super::target::open(&config.target, config.tuning).map_err(Error::Usage)?;
    super::runtime()?.block_on(compare(config, &target))
}

async fn compare(config: &RemoteVerifyConfig, target: &Target) -> Result<RemoteReport> {
    let mut warnings = Vec::new();
    let kind = match read_kind(target).await? {
        Some(kind) => kind,
        None => {
            warnings.push(format!(
                "`{}` has no publish manifest: compared with the site",
                target.url
            ));
            Kind::Site
        }
    };
    let local = source::load(&config.dir, kind)?;
    warnings.extend(local.warnings);
    let expected: BTreeMap<&str, &str> = local
        .objects
        .iter()
        .map(|o| (o.key.as_str(), o.sha256.as_str()))
        .collect();
    let listed: BTreeSet<String> = super::list_keys(target)
        .await?
        .into_iter()
        .filter(|k| k != manifest::NAME)
        .collect();
    let missing = expected
        .keys()
        .filter(|k| !listed.contains(**k))
        .map(|k| k.to_string())
        .collect();
    let extra = listed
        .iter()
        .filter(|k| !expected.contains_key(k.as_str()))
        .cloned()
        .collect();
    let both: Vec<(&str, &str)> = expected
        .iter()
        .filter(|(k, _)| listed.contains(**k))
        .map(|(k, v)| (*k, *v))
        .collect();
    let checked = both.len() as u64;
    let mut changed: Vec<String> = futures::stream::iter(both)
        .map(|(key, hex)| async move {
            let got = hash_object(target, key).await?;
            Ok::<_, Error>((got != hex).then(|| key.to_owned()))
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    changed.sort();
    Ok(RemoteReport {
        kind,
        checked,
        missing,
        changed,
        extra,
        warnings,
    })
}

async fn read_kind(target: &Target) -> Result<Option<Kind>> {
    let key = target.key(manifest::NAME).map_err(Error::Usage)?;
    let what = "read the publish manifest of";
    let bytes = match target.store.get(&key).await {
        Ok(got) => got
            .bytes()
            .await
            .map_err(|e| super::request_error(target, what, &e))?,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(super::request_error(target, what, &e)),
    };
    Ok(manifest::PublishManifest::parse(&bytes)
        .ok()
        .map(|m| m.kind))
}

/// SHA-256 of one object, streamed.
async fn hash_object(target: &Target, rel: &str) -> Result<String> {
    let key = target.key(rel).map_err(Error::Usage)?;
    let what = format!("read `{rel}` from");
    let got = target
        .store
        .get(&key)
        .await
        .map_err(|e| super::request_error(target, &what, &e))?;
    let mut stream = got.into_stream();
    let mut hasher = Sha256::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| super::request_error(target, &what, &e))?;
        hasher.update(&chunk);
    }
    Ok(hex::encode(hasher.finalize()))
}

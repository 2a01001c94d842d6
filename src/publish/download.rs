//! `render --records URL` (SPEC §13): the records under a store prefix, downloaded into a
//! local folder, so that the ordinary import reads them. The records are the `*.json`
//! objects directly under the prefix and those in any `records/` folder below it — so a
//! prefix holding several published sites or bags (one per fetch worker) works as well
//! as a plain folder of records. Superseded records (`*.superseded-<n>.json`) stay out.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use object_store::ObjectStoreExt;
use tokio::io::AsyncWriteExt;

use super::target::{StoreSpec, Target, Tuning};
use crate::error::{Error, Result};

/// Downloads at once.
const CONCURRENCY: usize = 16;

/// A downloaded record: the local file and the object's URL (for messages).
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// The local copy.
    pub path: PathBuf,
    /// `<target URL>/<key>`.
    pub url: String,
}

/// Whether a key (relative to the prefix) is a record to import.
pub fn is_record_key(key: &str) -> bool {
    let (folder, name) = match key.rsplit_once('/') {
        Some((folder, name)) => (Some(folder), name),
        None => (None, key),
    };
    let in_place = folder.is_none_or(|f| f == "records" || f.ends_with("/records"));
    in_place
        && name.len() > ".json".len()
        && name.ends_with(".json")
        && !name.contains(".superseded-")
}

/// Downloads every record under `spec` into `into` (created), as `<n>.json`.
pub fn records(spec: &StoreSpec, tuning: Tuning, into: &Path) -> Result<Vec<Downloaded>> {
    let target = super::target::open(spec, tuning).map_err(Error::Usage)?;
    crate::fsutil::create_dir_all(into)?;
    super::runtime()?.block_on(download_all(&target, into))
}

async fn download_all(target: &Target, into: &Path) -> Result<Vec<Downloaded>> {
    let keys: Vec<String> = super::list_keys(target)
        .await?
        .into_iter()
        .filter(|k| is_record_key(k))
        .collect();
    let base = target.url.trim_end_matches('/').to_owned();
    futures::stream::iter(keys.into_iter().enumerate())
        .map(|(n, key)| {
            let path = into.join(format!("{n:08}.json"));
            let url = format!("{base}/{key}");
            async move {
                download_one(target, &key, &path).await?;
                Ok(Downloaded { path, url })
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<Result<Downloaded>>>()
        .await
        .into_iter()
        .collect()
}

async fn download_one(target: &Target, rel: &str, path: &Path) -> Result<()> {
    let key = target.key(rel).map_err(Error::Usage)?;
    let what = format!("download `{rel}` from");
    let got = target
        .store
        .get(&key)
        .await
        .map_err(|e| super::request_error(target, &what, &e))?;
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| Error::io("create", path, e))?;
    let mut stream = got.into_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| super::request_error(target, &what, &e))?;
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::io("write", path, e))?;
    }
    file.flush().await.map_err(|e| Error::io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys() {
        for yes in [
            "a.json",
            "records/a.json",
            "w1/records/a.json",
            "w1/data/records/a.json",
        ] {
            assert!(is_record_key(yes), "{yes}");
        }
        for no in [
            "w1/stats.json",
            "records/a.superseded-1.json",
            "records/a.html",
            "media/index.json",
            "records/.json",
        ] {
            assert!(!is_record_key(no), "{no}");
        }
    }
}

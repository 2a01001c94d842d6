//! `render --records URL` (SPEC §13): the records under a store prefix, downloaded into a
//! local folder, so that the ordinary import reads them. The records are the `*.json`
//! objects in every `records/` folder below the prefix — so a prefix holding one or
//! several published sites or bags (one per fetch worker) works — or, when there is no
//! such folder, the `*.json` objects directly under the prefix (a plain folder of
//! records). Superseded records (`*.superseded-<n>.json`) stay out.

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

/// The keys (relative to the prefix) of the records to import.
pub fn record_keys(keys: &[String]) -> Vec<String> {
    let is_json = |name: &str| {
        name.len() > ".json".len()
            && name.to_ascii_lowercase().ends_with(".json")
            && !name.contains(".superseded-")
    };
    let in_records = |key: &str| {
        key.rsplit_once('/').is_some_and(|(folder, name)| {
            (folder == "records" || folder.ends_with("/records")) && is_json(name)
        })
    };
    let nested: Vec<String> = keys.iter().filter(|k| in_records(k)).cloned().collect();
    if !nested.is_empty() {
        return nested;
    }
    keys.iter()
        .filter(|k| !k.contains('/') && is_json(k))
        .cloned()
        .collect()
}

/// Downloads every record under `spec` into `into` (created), as `<n>.json`.
pub fn records(spec: &StoreSpec, tuning: Tuning, into: &Path) -> Result<Vec<Downloaded>> {
    let target = super::target::open(spec, tuning).map_err(Error::Usage)?;
    crate::fsutil::create_dir_all(into)?;
    super::runtime()?.block_on(download_all(&target, into))
}

async fn download_all(target: &Target, into: &Path) -> Result<Vec<Downloaded>> {
    let keys = record_keys(&super::list_keys(target).await?);
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
    fn records_folders_win_over_top_level_json() {
        let keys = |list: &[&str]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let site = keys(&[
            ".desk-archive-publish.json",
            "stats.json",
            "records/a.json",
            "records/a.superseded-1.json",
            "w1/data/records/b.json",
            "sessions/a.html",
            "media/index.json",
            "records/.json",
        ]);
        assert_eq!(
            record_keys(&site),
            ["records/a.json", "w1/data/records/b.json"]
        );
        let plain = keys(&[
            "a.json",
            "b.JSON",
            "c.json",
            "notes/d.json",
            "x.superseded-2.json",
        ]);
        assert_eq!(record_keys(&plain), ["a.json", "b.JSON", "c.json"]);
    }
}

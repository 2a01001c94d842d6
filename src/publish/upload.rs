//! Putting one object: read the file, check it against the checksum the bag's manifest
//! gives (a file changed since the bag was written is never published), and upload it
//! with its Content-Type and Cache-Control — in one request, or above 64 MiB as a
//! multipart upload streamed from disk.

use object_store::{
    Attribute, AttributeValue, Attributes, PutMultipartOptions, PutOptions, PutPayload,
    WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::Kind;
use super::plan;
use super::source::LocalObject;
use super::target::Target;

/// Objects larger than this go up as multipart uploads.
pub const MULTIPART_THRESHOLD: u64 = 64 * 1024 * 1024;

/// Size of each part of a multipart upload (S3's minimum is 5 MiB).
const PART_SIZE: usize = 16 * 1024 * 1024;

/// Parts of one multipart upload in flight at once.
const PARTS_IN_FLIGHT: usize = 4;

/// Why an object was not uploaded.
#[derive(Debug)]
pub enum UploadError {
    /// The file's bytes differ from the bag's manifest (exit 3: the archive changed).
    Changed(String),
    /// The store refused the credentials (exit 2: every other upload would fail too).
    Denied(object_store::Error),
    /// Anything else, after the store client's retries (exit 1).
    Failed(String),
}

/// The attributes an object is stored with (none where the store keeps none).
pub fn attributes(target: &Target, key: &str, kind: Kind) -> Attributes {
    if !target.attributes {
        return Attributes::new();
    }
    [
        (Attribute::ContentType, plan::content_type(key)),
        (Attribute::CacheControl, plan::cache_control(key, kind)),
    ]
    .into_iter()
    .map(|(k, v)| (k, AttributeValue::from(v)))
    .collect()
}

/// Uploads one object; `on_bytes` is told of every chunk sent.
pub async fn upload(
    target: &Target,
    kind: Kind,
    object: &LocalObject,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<(), UploadError> {
    let key = target.key(&object.key).map_err(UploadError::Failed)?;
    let attributes = attributes(target, &object.key, kind);
    if object.size <= MULTIPART_THRESHOLD {
        let bytes = tokio::fs::read(&object.path)
            .await
            .map_err(|e| read_error(object, e))?;
        check(object, &hex::encode(Sha256::digest(&bytes)))?;
        let size = bytes.len() as u64;
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        target
            .store
            .put_opts(&key, PutPayload::from(bytes), options)
            .await
            .map_err(|e| store_error(target, e))?;
        on_bytes(size);
        return Ok(());
    }
    multipart(target, object, &key, attributes, on_bytes).await
}

async fn multipart(
    target: &Target,
    object: &LocalObject,
    key: &object_store::path::Path,
    attributes: Attributes,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<(), UploadError> {
    let options = PutMultipartOptions {
        attributes,
        ..PutMultipartOptions::default()
    };
    let upload = target
        .store
        .put_multipart_opts(key, options)
        .await
        .map_err(|e| store_error(target, e))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let streamed = stream_file(target, object, &mut writer, on_bytes).await;
    let result = match streamed {
        Ok(hex) => check(object, &hex),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => writer
            .finish()
            .await
            .map(drop)
            .map_err(|e| store_error(target, e)),
        Err(e) => {
            // An aborted upload leaves nothing behind; its own failure is not the news.
            let _ = writer.abort().await;
            Err(e)
        }
    }
}

/// Streams the file into the multipart writer, hashing as it goes; returns the SHA-256.
async fn stream_file(
    target: &Target,
    object: &LocalObject,
    writer: &mut WriteMultipart,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<String, UploadError> {
    let mut file = tokio::fs::File::open(&object.path)
        .await
        .map_err(|e| read_error(object, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1024 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .await
            .map_err(|e| read_error(object, e))?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buf[..n]);
        writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(|e| store_error(target, e))?;
        writer.write(&buf[..n]);
        on_bytes(n as u64);
    }
}

fn check(object: &LocalObject, hex: &str) -> Result<(), UploadError> {
    if hex == object.sha256 {
        Ok(())
    } else {
        Err(UploadError::Changed(format!(
            "`{}` changed since the bag's manifest was written (run `desk-archive verify`)",
            object.path.display()
        )))
    }
}

fn read_error(object: &LocalObject, e: std::io::Error) -> UploadError {
    UploadError::Failed(format!("cannot read `{}`: {e}", object.path.display()))
}

/// Sorts a store error: refused credentials stop the publish, the rest fail one object.
pub fn store_error(target: &Target, e: object_store::Error) -> UploadError {
    if is_denied(&e) {
        UploadError::Denied(e)
    } else {
        UploadError::Failed(target.describe(&e))
    }
}

/// Whether the store refused the credentials or the permission.
pub fn is_denied(e: &object_store::Error) -> bool {
    matches!(
        e,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    )
}

//! Downloading one media URL: manual redirects (each hop checked), retries with backoff
//! for 5xx and timeouts only, streaming to a temporary file while hashing, then a rename
//! to `media/<2 hex>/<sha256>.<ext>` unless that content is already stored.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::redirect::Policy;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use url::Url;

use super::MediaSettings;
use super::guard::{AllowList, DnsFailed, GuardedResolver, Refused, check_url};
use super::sniff::{SNIFF_LEN, sniff};
use crate::fsutil;
use crate::media_index::format::{Entry, Failed, Stored};
use crate::throttle::{Backoff, RateLimiter};

/// Redirects followed at most (SPEC §8).
pub(super) const MAX_REDIRECTS: usize = 5;

/// Why one attempt failed.
#[derive(Debug)]
struct Failure {
    error: String,
    retry: bool,
    too_large: Option<Option<u64>>,
}

impl Failure {
    fn fatal(error: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            retry: false,
            too_large: None,
        }
    }

    fn transient(error: impl Into<String>) -> Failure {
        Failure {
            retry: true,
            ..Failure::fatal(error)
        }
    }
}

/// The media HTTP client with its guard, rate and storage place.
pub(super) struct Downloader {
    client: reqwest::Client,
    allow: Arc<AllowList>,
    settings: MediaSettings,
    data_dir: PathBuf,
    limiter: RateLimiter,
    backoff: Backoff,
    temp_counter: AtomicU64,
    wal: crate::wal::Wal,
}

impl Downloader {
    /// Builds the client: no proxy (it would resolve names itself), no redirects (we
    /// follow them), no Referer, no cookie store, the guarded resolver.
    pub(super) fn new(
        settings: &MediaSettings,
        data_dir: &Path,
        wal: crate::wal::Wal,
    ) -> crate::Result<Downloader> {
        let allow = Arc::new(AllowList::new(&settings.allow_hosts));
        let client = reqwest::Client::builder()
            .user_agent(concat!("desk-archive/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .redirect(Policy::none())
            .referer(false)
            .connect_timeout(settings.timeout)
            .read_timeout(settings.timeout)
            .dns_resolver(GuardedResolver {
                allow: allow.clone(),
            })
            .build()
            .map_err(|e| crate::Error::Setup(format!("cannot build the media client: {e}")))?;
        Ok(Downloader {
            client,
            allow,
            limiter: RateLimiter::new(settings.rate.max(0.001)),
            backoff: Backoff {
                base: settings.backoff_base,
                cap: Duration::from_secs(30),
                retry_after_cap: Duration::ZERO,
            },
            settings: settings.clone(),
            data_dir: data_dir.to_owned(),
            temp_counter: AtomicU64::new(0),
            wal,
        })
    }

    /// Captures `url`, retrying transient failures; returns its index entry.
    pub(super) async fn capture(&self, url: &str, now: &str) -> Entry {
        let mut attempt = 0;
        loop {
            self.limiter.acquire().await;
            match self.attempt(url).await {
                Ok(stored) => return Entry::Stored(stored),
                Err(f) if f.retry && attempt < self.settings.retries => {
                    tokio::time::sleep(self.backoff.delay(attempt + 1, None)).await;
                    attempt += 1;
                }
                Err(f) => {
                    return Entry::Failed(Failed {
                        error: f.error,
                        when: now.to_owned(),
                        too_large: f.too_large.is_some(),
                        size: f.too_large.flatten(),
                    });
                }
            }
        }
    }

    /// One try: follow up to [`MAX_REDIRECTS`] redirects, checking every hop.
    async fn attempt(&self, url: &str) -> Result<Stored, Failure> {
        let mut current = Url::parse(url).map_err(|e| Failure::fatal(format!("bad URL: {e}")))?;
        for hop in 0..=MAX_REDIRECTS {
            let target = check_url(&current, &self.allow)
                .map_err(|e| Failure::fatal(format!("refused: {e}")))?;
            let response = self
                .client
                .get(target.clone())
                .send()
                .await
                .map_err(|e| classify(&e))?;
            let status = response.status();
            if status.is_redirection() && response.headers().contains_key(LOCATION) {
                if hop == MAX_REDIRECTS {
                    return Err(Failure::fatal(format!(
                        "more than {MAX_REDIRECTS} redirects"
                    )));
                }
                current = next_hop(&target, &response)?;
                continue;
            }
            if status.is_server_error() {
                return Err(Failure::transient(format!("HTTP {}", status.as_u16())));
            }
            if !status.is_success() {
                return Err(Failure::fatal(format!("HTTP {}", status.as_u16())));
            }
            return self.store(response).await;
        }
        Err(Failure::fatal("redirect loop"))
    }

    /// Streams the body to a temporary file, hashing as it goes; moves it into place.
    async fn store(&self, mut response: reqwest::Response) -> Result<Stored, Failure> {
        let max = self.settings.max_bytes;
        if let Some(len) = response.content_length().filter(|len| *len > max) {
            return Err(too_large(Some(len), max));
        }
        let declared = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let media_dir = self.data_dir.join("media");
        fsutil::create_dir_all(&media_dir).map_err(|e| Failure::fatal(e.to_string()))?;
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = fsutil::temp_path(&media_dir.join(format!("download-{n}")));
        let mut guard = TempFile(Some(temp.clone()));
        let (sha, size, head) = stream_to(&mut response, &temp, max).await?;
        let kind = sniff(&head, &declared);
        let rel = format!("media/{}/{sha}.{}", &sha[..2], kind.ext);
        // Primary evidence (SPEC §9): named in the write-ahead list before the rename.
        let mut sha256 = [0u8; 32];
        let logged = hex::decode_to_slice(&sha, &mut sha256)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                self.wal
                    .append(&format!("data/{rel}"), &sha256)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = logged {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(Failure::fatal(e));
        }
        place(&temp, &self.data_dir.join(&rel)).map_err(Failure::fatal)?;
        guard.0 = None;
        Ok(Stored {
            sha256: sha,
            size,
            media_type: kind.media_type.to_owned(),
            path: rel,
            fetched: super::now_rfc3339(),
        })
    }
}

/// A temporary download, removed when dropped unless it was moved into place: a download
/// cut off by an error, its deadline or Ctrl-C (which drop its future) leaves nothing.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn too_large(size: Option<u64>, max: u64) -> Failure {
    let what = size.map_or_else(|| format!("more than {max}"), |s| s.to_string());
    Failure {
        too_large: Some(size),
        ..Failure::fatal(format!("too large: {what} bytes (limit {max})"))
    }
}

fn next_hop(from: &Url, response: &reqwest::Response) -> Result<Url, Failure> {
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Failure::fatal("redirect without a readable Location"))?;
    from.join(location)
        .map_err(|e| Failure::fatal(format!("bad redirect Location: {e}")))
}

/// Writes the body to `temp`; returns (sha256 hex, size, first bytes).
async fn stream_to(
    response: &mut reqwest::Response,
    temp: &Path,
    max: u64,
) -> Result<(String, u64, Vec<u8>), Failure> {
    let io = |e: std::io::Error| Failure::fatal(format!("cannot write `{}`: {e}", temp.display()));
    let mut file = tokio::fs::File::create(temp).await.map_err(io)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_LEN);
    let mut size: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(None, max));
        }
        let room = SNIFF_LEN.saturating_sub(head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..room]);
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    file.sync_data().await.map_err(io)?;
    Ok((hex::encode(hasher.finalize()), size, head))
}

/// Renames `temp` to `dest` unless `dest` already holds this content (same hash).
fn place(temp: &Path, dest: &Path) -> Result<(), String> {
    if dest.is_file() {
        let _ = std::fs::remove_file(temp);
        return Ok(());
    }
    if let Some(parent) = dest.parent() {
        fsutil::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::rename(temp, dest).map_err(|e| {
        let _ = std::fs::remove_file(temp);
        format!("cannot store `{}`: {e}", dest.display())
    })?;
    fsutil::sync_parent(dest).map_err(|e| format!("cannot sync `{}`: {e}", dest.display()))
}

/// Sorts a transport error: refused and DNS failures, refused connections are final;
/// timeouts and broken transfers are retried.
fn classify(error: &reqwest::Error) -> Failure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return Failure::fatal(format!("refused: {r}"));
        }
        if let Some(d) = s.downcast_ref::<DnsFailed>() {
            return Failure::fatal(d.to_string());
        }
        source = s.source();
    }
    let cause = root_cause(error);
    if error.is_timeout() {
        Failure::transient(format!("timed out: {cause}"))
    } else if error.is_connect() {
        Failure::fatal(format!("connection failed: {cause}"))
    } else {
        Failure::transient(format!("transfer failed: {cause}"))
    }
}

fn root_cause(error: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = error;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

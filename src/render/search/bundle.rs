//! One Pagefind bundle (a shard of the index) built in memory from session documents.
//!
//! The Pagefind API is async; it runs here on a small current-thread tokio runtime made by
//! [`runtime`] for each thread that builds shards, so that async stays contained (rendering
//! runs on rayon, outside any runtime). Its files come back as bytes and are written by the
//! caller through our own writer, which hashes them for the bag and leaves unchanged files
//! alone.

use std::io;
use std::path::Path;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use super::doc::SessionDoc;
use crate::error::{Error, Result};

/// Index records per fragment file. Pagefind writes one fragment per record unless told
/// to group them; grouped, a 10,000-session archive gets a few thousand files rather than
/// twenty thousand (SPEC §11: the index adds at most 20 % to the number of files). A
/// query fetches the groups of the results it shows, each a few dozen kilobytes.
const RECORDS_PER_FRAGMENT: usize = 8;

/// One file of a bundle: its path inside the bundle (`/`-separated) and its bytes.
#[derive(Debug)]
pub(super) struct BundleFile {
    /// E.g. `pagefind-entry.json`, `index/en_1a2b3c4.pf_index`.
    pub(super) path: String,
    /// Its bytes.
    pub(super) bytes: Vec<u8>,
}

/// The runtime Pagefind's async API runs on: current-thread, for one thread that builds
/// shards one after the other. Kept across its shards: Pagefind does its work on the
/// runtime's blocking threads, and a new thread for every shard took a new allocator arena
/// each time (peak memory then grew with the number of shards: 367 MB at 1,000 sessions,
/// 603 MB at 10,000). `dir` only labels errors.
pub(super) fn runtime(dir: &Path) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        // One blocking thread, kept however long a shard's indexing takes.
        .max_blocking_threads(1)
        .thread_keep_alive(std::time::Duration::from_secs(24 * 3600))
        .build()
        .map_err(|e| Error::io("build the search index in", dir, e))
}

/// Builds the bundle of `docs` in `language` (a Pagefind language code such as `en` or
/// `zh-cn`) on `runtime` (see [`runtime`]). With `runtime_files`, the bundle also holds the
/// browser side (`pagefind.js`, its worker and WebAssembly), which the first shard carries
/// for all of them. `dir` only labels errors. Pagefind's own user interfaces are left out:
/// the site has its own.
pub(super) fn build(
    runtime: &tokio::runtime::Runtime,
    docs: &[SessionDoc],
    language: &str,
    runtime_files: bool,
    dir: &Path,
) -> Result<Vec<BundleFile>> {
    let fail = |e: String| Error::io("build the search index in", dir, io::Error::other(e));
    // Pagefind reads the working directory when it starts, and panics without one.
    std::env::current_dir().map_err(|e| fail(format!("no working directory: {e}")))?;
    let records: usize = docs.iter().map(|d| d.chunks.len()).sum();
    let fragments = records.div_ceil(RECORDS_PER_FRAGMENT).max(1);
    let config = PagefindServiceConfig::builder()
        .keep_index_url(true)
        .max_fragments(u32::try_from(fragments).unwrap_or(u32::MAX))
        .build();
    let mut index = PagefindIndex::new(Some(config)).map_err(|e| fail(e.to_string()))?;
    let files = runtime.block_on(async {
        for doc in docs {
            for r in doc.records() {
                index
                    .add_custom_record(
                        r.url,
                        r.content,
                        language.to_owned(),
                        Some(r.meta),
                        Some(r.filters),
                        None,
                    )
                    .await?;
            }
        }
        index.get_files().await
    });
    let files = files.map_err(|e| fail(format!("{e:#}")))?;
    let mut out: Vec<BundleFile> = files
        .into_iter()
        .filter_map(|f| {
            let path = f.filename.to_str()?.replace('\\', "/");
            keep(&path, runtime_files).then_some(BundleFile {
                path,
                bytes: f.contents,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Whether a file Pagefind made belongs in a bundle: the index always; the browser runtime
/// only in the bundle that carries it; Pagefind's UIs and playground never.
fn keep(path: &str, runtime_files: bool) -> bool {
    let index = path == "pagefind-entry.json"
        || (path.starts_with("pagefind.") && path.ends_with(".pf_meta"))
        || ["index/", "fragment/", "filter/"]
            .iter()
            .any(|d| path.starts_with(d) && !path[d.len()..].contains('/'));
    let runtime = path == "pagefind.js"
        || path == "pagefind-worker.js"
        || (path.starts_with("wasm.") && path.ends_with(".pagefind"));
    index || (runtime_files && runtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_index_and_runtime_are_kept() {
        for p in [
            "pagefind-entry.json",
            "pagefind.en_1.pf_meta",
            "index/en_2.pf_index",
        ] {
            assert!(keep(p, false), "{p}");
        }
        for p in ["pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"] {
            assert!(keep(p, true) && !keep(p, false), "{p}");
        }
        for p in [
            "pagefind-ui.js",
            "pagefind-ui.css",
            "pagefind-highlight.js",
            "pagefind-component-ui.js",
            "playground/index.html",
            "index/x/y.pf_index",
        ] {
            assert!(!keep(p, true), "{p}");
        }
    }
}

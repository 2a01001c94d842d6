//! One Pagefind bundle (a shard of the index) built in memory from session documents.
//!
//! [`write`] builds it with our own writer of Pagefind's format ([`super::writer`]); the
//! browser side (`pagefind.js`, its worker and WebAssembly) comes from the `pagefind` crate,
//! which builds a one-record index once per process and language for it ([`runtime_files`]).
//! [`build`] builds a bundle with the `pagefind` crate itself: the reference the writer is
//! tested against.
//!
//! The Pagefind API is async; it runs here on a small current-thread tokio runtime made by
//! [`runtime`], so that async stays contained (rendering runs on rayon, outside any
//! runtime). Files come back as bytes and are written by the caller through our own
//! writer, which hashes them for the bag and leaves unchanged files alone.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use super::doc::SessionDoc;
use super::writer;
pub(super) use super::writer::BundleFile;
use crate::error::{Error, Result};

/// Index records per fragment file. Pagefind writes one fragment per record unless told
/// to group them; grouped, a 10,000-session archive gets about 2,500 files rather than
/// twenty thousand (SPEC §11: the index adds at most 20 % to the number of files). A
/// query fetches the groups of the results it shows, about 10 KB each (80 KB of a query's
/// 0.9 MB at 10,000 × 100); 16 rather than 8 saves 1,550 files there (each one a file to
/// create, hash and list in the bag) for 40 KB more a query.
const RECORDS_PER_FRAGMENT: usize = 16;

/// The runtime the `pagefind` crate's async API runs on: current-thread, for the
/// one-record index that gives the browser side ([`runtime_files`]) and for the reference
/// builds of the tests ([`build`]). `dir` only labels errors.
pub(super) fn runtime(dir: &Path) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(1)
        .build()
        .map_err(|e| Error::io("build the search index in", dir, e))
}

/// The fragment files a bundle of `docs` is grouped into (Pagefind's `max_fragments`).
fn max_fragments(docs: &[SessionDoc]) -> u32 {
    let records: usize = docs.iter().map(|d| d.chunks.len()).sum();
    let fragments = records.div_ceil(RECORDS_PER_FRAGMENT).max(1);
    u32::try_from(fragments).unwrap_or(u32::MAX)
}

/// Pagefind's browser side for one language, and the WebAssembly its entry file names.
#[derive(Debug)]
pub(super) struct Runtime {
    /// `pagefind.js`, `pagefind-worker.js`, `wasm.*.pagefind`.
    files: Vec<BundleFile>,
    /// `pagefind-entry.json`'s `wasm` for the language.
    wasm: Option<String>,
    /// `pagefind-entry.json`'s `version`: the browser side's.
    version: String,
}

/// The browser side of Pagefind for `language`, from a one-record index the `pagefind`
/// crate builds once per process and language (it minifies its scripts as it writes
/// them). `dir` only labels errors.
pub(super) fn runtime_files(language: &str, dir: &Path) -> Result<Arc<Runtime>> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Arc<Runtime>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(r) = cache.get(language) {
        return Ok(Arc::clone(r));
    }
    let doc = SessionDoc {
        session_id: "runtime".into(),
        stem: "runtime".into(),
        accounts: String::new(),
        agents: Vec::new(),
        month: None,
        status: String::new(),
        chunks: vec![super::doc::Chunk {
            first: 1,
            time: String::new(),
            content: "runtime".into(),
        }],
    };
    let files = build(&runtime(dir)?, &[doc], language, true, dir)?;
    let entry = files.iter().find(|f| f.path == "pagefind-entry.json");
    let entry: serde_json::Value = entry
        .and_then(|f| serde_json::from_slice(&f.bytes).ok())
        .unwrap_or_default();
    let wasm = entry["languages"][language]["wasm"]
        .as_str()
        .map(str::to_owned);
    let version = entry["version"].as_str().unwrap_or_default().to_owned();
    let files = files.into_iter().filter(|f| is_runtime(&f.path)).collect();
    let r = Arc::new(Runtime {
        files,
        wasm,
        version,
    });
    cache.insert(language.to_owned(), Arc::clone(&r));
    Ok(r)
}

/// Builds the bundle of `docs` in `language` with our writer; with `runtime_files`, it also
/// holds the browser side. `runtime` is [`runtime_files`]'s for the language.
pub(super) fn write(
    docs: &[SessionDoc],
    language: &str,
    runtime: &Runtime,
    runtime_files: bool,
) -> Vec<BundleFile> {
    let options = writer::Options {
        language,
        max_fragments: Some(max_fragments(docs)),
        wasm: runtime.wasm.as_deref(),
        version: &runtime.version,
    };
    let mut out = writer::build(docs.iter().flat_map(|d| d.records()), &options);
    if runtime_files {
        // Pagefind writes a language's WebAssembly with that language's index: none when
        // no record had a word to index.
        let indexed = out.iter().any(|f| f.path.ends_with(".pf_meta"));
        let language_wasm = format!("wasm.{language}.pagefind");
        out.extend(
            runtime
                .files
                .iter()
                .filter(|f| indexed || f.path != language_wasm)
                .cloned(),
        );
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Builds the bundle of `docs` in `language` (a Pagefind language code such as `en` or
/// `zh-cn`) with the `pagefind` crate on `runtime` (see [`runtime`]). With `runtime_files`, the bundle also holds the
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
    let config = PagefindServiceConfig::builder()
        .keep_index_url(true)
        .max_fragments(max_fragments(docs))
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
    index || (runtime_files && is_runtime(path))
}

/// Whether a file Pagefind made is its browser runtime.
fn is_runtime(path: &str) -> bool {
    path == "pagefind.js"
        || path == "pagefind-worker.js"
        || (path.starts_with("wasm.") && path.ends_with(".pagefind"))
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

//! Build script: a fingerprint of everything that shapes the pages (sources, templates,
//! static assets, locked dependency versions), exposed as `DESK_ARCHIVE_RENDERER`. The
//! render cache (`src/render/cache.rs`) keys pages on it, so a page rendered by another
//! build of the tool is never taken for current.

use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

fn main() {
    let mut hasher = DefaultHasher::new();
    for root in ["src", "templates", "static", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={root}");
        hash_tree(Path::new(root), &mut hasher);
    }
    println!(
        "cargo:rustc-env=DESK_ARCHIVE_RENDERER={}-{:016x}",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        hasher.finish()
    );
}

/// Hashes the names and bytes of every file under `path`, in name order.
fn hash_tree(path: &Path, hasher: &mut DefaultHasher) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for entry in entries {
            hash_tree(&entry, hasher);
        }
    } else if let Ok(bytes) = std::fs::read(path) {
        hasher.write(path.to_string_lossy().as_bytes());
        hasher.write(&bytes);
    }
}

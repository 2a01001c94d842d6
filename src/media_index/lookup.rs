//! What render needs from the media index: for a URL, its local copy (as a link relative
//! to a session page) or why it is not archived. Loaded once per render.

use std::path::Path;

use super::display::{Display, display_of_ext};
use super::format::{Entry, Failed, MediaIndex};

/// A captured object as a page uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    /// Link from a page in `sessions/`: `../media/ab/<sha256>.<ext>`.
    pub href: String,
    /// How it may be shown.
    pub display: Display,
}

/// The media index, read for rendering.
#[derive(Debug, Default, Clone)]
pub struct MediaLookup {
    index: MediaIndex,
}

impl MediaLookup {
    /// Reads `data/media/index.json`: the lookup, and the file's bytes (`None` when there
    /// is no index) for a caller that also needs them (the render fingerprints them).
    /// Absent, unreadable or unparsable gives an empty lookup (pages then use the remote
    /// URLs, as without capture), with a warning unless absent.
    pub fn read(data_dir: &Path) -> (MediaLookup, Option<Vec<u8>>) {
        let path = data_dir.join(super::format::INDEX_PATH);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!("media index ignored: cannot read `{}`: {e}", path.display());
                None
            }
        };
        let index = bytes.as_deref().map_or_else(
            || Ok(MediaIndex::default()),
            |b| MediaIndex::from_slice(b, &path),
        );
        let index = index.unwrap_or_else(|e| {
            tracing::warn!("media index ignored: {e}");
            MediaIndex::default()
        });
        (MediaLookup { index }, bytes)
    }

    /// Wraps an index (tests).
    pub fn from_index(index: MediaIndex) -> MediaLookup {
        MediaLookup { index }
    }

    /// The index read.
    pub fn index(&self) -> &MediaIndex {
        &self.index
    }

    /// Whether capture never ran for this archive (no media index).
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The local copy of `url`, when captured.
    pub fn local(&self, url: &str) -> Option<Local> {
        let Some(Entry::Stored(s)) = self.index.get(url) else {
            return None;
        };
        let file = s.path.strip_prefix("media/")?;
        if !safe_rel_path(file) {
            return None;
        }
        let ext = file.split_once('.').map_or("", |(_, e)| e);
        Some(Local {
            href: format!("../media/{file}"),
            display: display_of_ext(ext),
        })
    }

    /// The media figures of a session whose media URLs are `urls`: `None` when capture
    /// has never run for this archive (no index), so the index can leave the cell empty.
    /// URLs that capture has not tried yet count nowhere.
    pub fn counts<'a>(
        &self,
        urls: impl IntoIterator<Item = &'a String>,
    ) -> Option<crate::coverage::MediaCounts> {
        if self.index.is_empty() {
            return None;
        }
        let mut counts = crate::coverage::MediaCounts::default();
        for url in urls {
            match self.index.get(url) {
                Some(Entry::Stored(_)) => counts.archived += 1,
                Some(Entry::Failed(f)) if f.too_large => counts.skipped += 1,
                Some(Entry::Failed(_)) => counts.failed += 1,
                None => {}
            }
        }
        Some(counts)
    }

    /// Why `url` is not archived, when capture failed or skipped it.
    pub fn failure(&self, url: &str) -> Option<&Failed> {
        match self.index.get(url) {
            Some(Entry::Failed(f)) => Some(f),
            _ => None,
        }
    }
}

/// Index paths are ours, but index.json is a file anyone may edit: accept only
/// `<2 hex>/<hex>.<ext>` with plain characters, so a page never links elsewhere.
fn safe_rel_path(file: &str) -> bool {
    let Some((dir, name)) = file.split_once('/') else {
        return false;
    };
    dir.len() == 2
        && dir.bytes().all(|b| b.is_ascii_hexdigit())
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        && !name.starts_with('.')
}

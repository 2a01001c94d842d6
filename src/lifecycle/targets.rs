//! Where the archive was published (SPEC §14): `DIR/desk-archive-published.txt`, one line
//! per target, so that `erase` can name every place that still holds copies of what it
//! removed (they go at the next `publish` to each).
//!
//! Why a file beside the bag rather than an audit entry or a tag file: `publish` is a
//! reader (it holds the shared lock and uploads the bag as it is); writing an audit entry
//! or a tag file would change the very bag it uploads, and need the writers' lock. The
//! list is a note for people, not evidence: nothing is decided from it. `verify` knows its
//! name and does not warn about it; it is not part of the bag.
//!
//! Format: `<first publish, RFC 3339>` TAB `site|bag` TAB `<target URL>` TAB `<store
//! endpoint or empty>`; a target is added once, by the first publish to it that is not a
//! dry run. Target URLs never hold credentials (`publish` refuses them).

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// The file's name, beside the tag files.
pub const FILE_NAME: &str = crate::state::PUBLISHED_FILE;

/// One place the archive was published to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// When it was first published there.
    pub first: String,
    /// `site` or `bag`.
    pub kind: String,
    /// The `--to` URL.
    pub url: String,
    /// The `--store-endpoint`, when one was used.
    pub endpoint: Option<String>,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}", self.url, self.kind)?;
        if let Some(endpoint) = &self.endpoint {
            write!(f, ", store endpoint {endpoint}")?;
        }
        write!(f, ", since {})", self.first)
    }
}

/// The targets listed for the archive in `dir` (none when there is no list); lines that
/// do not read are skipped.
pub fn read(dir: &Path) -> Vec<Target> {
    let Ok(text) = std::fs::read_to_string(dir.join(FILE_NAME)) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (first, kind, url) = (fields.next()?, fields.next()?, fields.next()?);
            let endpoint = fields.next().filter(|e| !e.is_empty());
            (!url.is_empty()).then(|| Target {
                first: first.to_owned(),
                kind: kind.to_owned(),
                url: url.to_owned(),
                endpoint: endpoint.map(str::to_owned),
            })
        })
        .collect()
}

/// Adds a target unless it is listed already (same URL, kind and endpoint). Appends one
/// line (two publishes at once under the shared lock each add whole lines) and syncs it.
pub fn record(dir: &Path, target: &Target) -> Result<bool> {
    let same =
        |t: &Target| t.url == target.url && t.kind == target.kind && t.endpoint == target.endpoint;
    if read(dir).iter().any(same) {
        return Ok(false);
    }
    // Tabs and line breaks would break the format; none belongs in a URL anyway.
    let clean = |s: &str| s.replace(|c: char| c.is_control(), "?");
    let line = format!(
        "{}\t{}\t{}\t{}\n",
        clean(&target.first),
        clean(&target.kind),
        clean(&target.url),
        clean(target.endpoint.as_deref().unwrap_or_default())
    );
    let path = dir.join(FILE_NAME);
    let io = |e| Error::io("write", &path, e);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(line.as_bytes()).map_err(io)?;
    file.sync_data().map_err(io)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_listed_once() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).is_empty());
        let t = Target {
            first: "2026-01-01T00:00:00Z".into(),
            kind: "site".into(),
            url: "s3://bucket/desk".into(),
            endpoint: Some("http://127.0.0.1:9000".into()),
        };
        assert!(record(dir.path(), &t).unwrap());
        let later = Target {
            first: "2026-02-01T00:00:00Z".into(),
            ..t.clone()
        };
        assert!(!record(dir.path(), &later).unwrap());
        let bag = Target {
            kind: "bag".into(),
            endpoint: None,
            ..t.clone()
        };
        assert!(record(dir.path(), &bag).unwrap());
        assert_eq!(read(dir.path()), [t, bag]);
    }
}

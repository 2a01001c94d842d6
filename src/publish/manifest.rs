//! The publish manifest, `<prefix>/.desk-archive-publish.json`: what a target holds of
//! the archive, as `key → SHA-256`, so that the next publish uploads only what differs.
//!
//! ```json
//! {
//!   "format": 1,
//!   "kind": "site",
//!   "software": "desk-archive/0.1.0",
//!   "objects": {
//!     "index.html": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
//!     "sessions/0a1b….html": "…"
//!   }
//! }
//! ```
//!
//! Keys are relative to the prefix, sorted, one a line. The manifest only ever lists
//! objects whose upload has completed: it is rewritten during a long publish (a
//! checkpoint), so that an interrupted publish resumed later uploads only what is missing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Kind;

/// The manifest's key, relative to the target's prefix.
pub const NAME: &str = ".desk-archive-publish.json";

/// The format version written and understood.
const FORMAT: u32 = 1;

/// A publish manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishManifest {
    /// Format version (1).
    pub format: u32,
    /// Whether the target holds the site (`data/`) or the whole bag.
    pub kind: Kind,
    /// The tool that wrote it.
    pub software: String,
    /// Key (relative to the prefix) → SHA-256 of the object, lowercase hex.
    pub objects: BTreeMap<String, String>,
}

impl PublishManifest {
    /// An empty manifest of this build.
    pub fn new(kind: Kind) -> PublishManifest {
        PublishManifest {
            format: FORMAT,
            kind,
            software: format!("desk-archive/{}", env!("CARGO_PKG_VERSION")),
            objects: BTreeMap::new(),
        }
    }

    /// Parses a manifest read from a target; `Err` names what is wrong with it.
    pub fn parse(bytes: &[u8]) -> Result<PublishManifest, String> {
        let manifest: PublishManifest =
            serde_json::from_slice(bytes).map_err(|e| format!("not a publish manifest: {e}"))?;
        if manifest.format != FORMAT {
            return Err(format!(
                "unknown publish manifest format {}",
                manifest.format
            ));
        }
        Ok(manifest)
    }

    /// The bytes written to the target (pretty-printed: one key a line).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_files() {
        let mut m = PublishManifest::new(Kind::Bag);
        m.objects.insert("data/index.html".into(), "ab".repeat(32));
        let bytes = m.to_bytes();
        assert!(String::from_utf8_lossy(&bytes).contains("\"kind\": \"bag\""));
        assert_eq!(PublishManifest::parse(&bytes).unwrap(), m);
        assert!(PublishManifest::parse(b"{\"hello\": 1}").is_err());
        let future = String::from_utf8_lossy(&bytes).replace("\"format\": 1", "\"format\": 9");
        assert!(
            PublishManifest::parse(future.as_bytes())
                .unwrap_err()
                .contains("format 9")
        );
    }
}

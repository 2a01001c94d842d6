//! The index mark: what the last render's index pages (`index.html`, `stats.json`, agent
//! pages…) were built from and what they were, so that a render whose inputs did not change
//! and whose index files are still those it left skips rebuilding them (the index was 0.27 s
//! of a 1.1 s no-op re-run over 10,000 sessions, whose budget is one second). Computed by
//! the render, kept in the state file under `"index"` (format in [`file`](super::file)).

use serde::Deserialize;

/// Two fingerprints (SHA-256): of everything the index pages are built from, and of the
/// index files as written (their bag-relative paths and SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct IndexMark {
    /// Fingerprint of the index's inputs: the build, the options, the sessions without a
    /// record and every session's state-file entry.
    #[serde(deserialize_with = "crate::digest::hex_array")]
    pub inputs: [u8; 32],
    /// Fingerprint of the index's files as they were left.
    #[serde(deserialize_with = "crate::digest::hex_array")]
    pub files: [u8; 32],
}

impl IndexMark {
    /// The mark as the state file holds it: `{"inputs": "<hex>", "files": "<hex>"}`.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"inputs\": \"{}\", \"files\": \"{}\"}}",
            crate::digest::to_hex(&self.inputs),
            crate::digest::to_hex(&self.files)
        )
    }

    /// The mark in `json` (as [`to_json`](Self::to_json) writes it); `None` when it is not
    /// one: the index is then rebuilt, and nothing else is lost.
    pub fn from_json(json: &str) -> Option<IndexMark> {
        serde_json::from_str(json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_what_is_not_a_mark() {
        let mark = IndexMark {
            inputs: [0xab; 32],
            files: [0x01; 32],
        };
        let json = mark.to_json();
        assert!(json.starts_with("{\"inputs\": \"abab"), "{json}");
        assert_eq!(IndexMark::from_json(&json), Some(mark));
        assert_eq!(
            IndexMark::from_json("{\"inputs\": \"ab\", \"files\": \"01\"}"),
            None
        );
        assert_eq!(IndexMark::from_json("[]"), None);
    }
}

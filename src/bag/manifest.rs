//! Manifest files (RFC 8493 §2.1.3, §2.2.1): their lines, reading them back, and the
//! percent-encoding of CR, LF and `%` in their paths. They are written with
//! [`crate::fsutil::write_streamed`].

use std::io::{self, Write};

use crate::digest::Digests;

/// The checksum algorithms this tool writes and checks, with their manifest names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// SHA-256.
    Sha256,
    /// SHA-512, BagIt 1.0's default.
    Sha512,
}

impl Algorithm {
    /// Both, in the order their files are written and reported.
    pub(crate) const ALL: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Sha512];

    /// The name used in file names and problem messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// This algorithm's digest out of a file's [`Digests`].
    pub(crate) fn pick(self, digests: &Digests) -> &[u8] {
        match self {
            Algorithm::Sha256 => &digests.sha256,
            Algorithm::Sha512 => &digests.sha512,
        }
    }

    /// `manifest-<alg>.txt`.
    pub(crate) fn manifest(self) -> String {
        format!("manifest-{}.txt", self.name())
    }

    /// `tagmanifest-<alg>.txt`.
    pub(crate) fn tagmanifest(self) -> String {
        format!("tagmanifest-{}.txt", self.name())
    }
}

/// Encodes a path for a manifest line: CR, LF and `%` become `%0D`, `%0A`, `%25`.
pub(crate) fn encode_path(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains(['\r', '\n', '%']) {
        return path.into();
    }
    let mut out = String::with_capacity(path.len() + 8);
    for c in path.chars() {
        match c {
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out.into()
}

/// Decodes [`encode_path`]'s escapes (case-insensitively, in one left-to-right pass, so
/// `%250A` is the four characters `%0A`); any other `%` is kept as it is.
pub(crate) fn decode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let code = after.get(..2).map(str::to_ascii_uppercase);
        let decoded = match code.as_deref() {
            Some("0D") => Some('\r'),
            Some("0A") => Some('\n'),
            Some("25") => Some('%'),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[2..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One parsed manifest line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// 1-based line number, for messages.
    pub(crate) line: usize,
    /// The checksum, lowercased.
    pub(crate) checksum: String,
    /// The decoded path, relative to the bag.
    pub(crate) path: String,
}

/// Parses a manifest's text. Lines may end in LF, CRLF or CR (RFC 8493 §2.1.3); blank
/// lines are skipped; a `*` before the path (coreutils' binary-mode marker) is dropped, as
/// bagit.py does. Returns the entries and one message per line that cannot be read.
pub(crate) fn parse(text: &str) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line
            .strip_suffix('\r')
            .unwrap_or(line)
            .trim_start_matches([' ', '\t']);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once([' ', '\t']).and_then(|(checksum, rest)| {
            let path = rest.trim_start_matches([' ', '\t']);
            let path = path.strip_prefix('*').unwrap_or(path);
            (!checksum.is_empty() && !path.is_empty()).then_some((checksum, path))
        });
        match parsed {
            Some((checksum, path)) => entries.push(Entry {
                line: i + 1,
                checksum: checksum.to_ascii_lowercase(),
                path: decode_path(path),
            }),
            None => errors.push(format!("line {}: not a `<checksum> <path>` line", i + 1)),
        }
    }
    (entries, errors)
}

/// True when `path` (decoded, relative to the bag) stays inside the bag: not absolute, no
/// empty, `.` or `..` component, no backslash (a separator on Windows).
pub(crate) fn is_safe_path(path: &str) -> bool {
    !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Writes one manifest line: `<hex>  <encoded path>\n` (two spaces, as coreutils writes).
pub(crate) fn write_line(out: &mut impl Write, hex: &str, path: &str) -> io::Result<()> {
    writeln!(out, "{hex}  {}", encode_path(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        for name in [
            "data/plain.html",
            "data/a\nb",
            "data/c\r\nd",
            "data/50%",
            "data/%0A",
        ] {
            let encoded = encode_path(name);
            assert!(!encoded.contains(['\r', '\n']));
            assert_eq!(decode_path(&encoded), name);
        }
        assert_eq!(encode_path("data/%0A"), "data/%250A");
        assert_eq!(decode_path("data/%0a%zz%"), "data/\n%zz%");
    }

    #[test]
    fn parses_lines() {
        let text = "ab  data/x y\r\nCD *data/z\n\nbroken\n";
        let (entries, errors) = parse(text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].path, "data/x y");
        assert_eq!(entries[1].checksum, "cd");
        assert_eq!(entries[1].path, "data/z");
        assert_eq!(errors, ["line 4: not a `<checksum> <path>` line"]);
    }

    #[test]
    fn unsafe_paths() {
        assert!(is_safe_path("data/a/b.html"));
        for bad in ["/etc/passwd", "data/../x", "data//x", "data/./x", "data\\x"] {
            assert!(!is_safe_path(bad), "{bad}");
        }
    }
}

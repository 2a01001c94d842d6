//! The bag declaration (`bagit.txt`, RFC 8493 §2.1.1): which version of the BagIt rules
//! a bag follows, and the character encoding of its other tag files, with the decoding of
//! those files (UTF-8, UTF-16, ISO-8859-1).

use std::fs;
use std::io;
use std::path::Path;

use super::VerifyReport;

/// Which rules a bag is read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Version {
    /// 0.93 … 0.97: no percent-encoded paths; a file listed twice with one checksum is only
    /// odd.
    Draft,
    /// 1.0 (RFC 8493), and what we cannot tell.
    Rfc,
}

/// The character encoding of the tag files other than `bagit.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Utf8,
    /// With a byte-order mark, else big-endian (RFC 2781 §4.3).
    Utf16,
    Utf16Le,
    Utf16Be,
    Latin1,
}

/// What `bagit.txt` declares.
#[derive(Debug, Clone, Copy)]
pub(super) struct Declaration {
    pub(super) version: Version,
    pub(super) encoding: Encoding,
}

/// Reads `bagit.txt`, reporting every way it breaks RFC 8493 §2.1.1: it must be UTF-8
/// without a byte-order mark, and hold exactly `BagIt-Version: M.N` and
/// `Tag-File-Character-Encoding: ENCODING` — no space before a colon, one after it. What
/// cannot be read is taken as 1.0 and UTF-8, so that the rest of the bag is still checked.
pub(super) fn read(dir: &Path, report: &mut VerifyReport) -> Declaration {
    let mut decl = Declaration {
        version: Version::Rfc,
        encoding: Encoding::Utf8,
    };
    let name = "bagit.txt";
    let bytes = match fs::read(dir.join(name)) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.problems.push(read_problem(name, &e));
            return decl;
        }
    };
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => {
            report.problems.push(format!("{name}: not UTF-8"));
            return decl;
        }
    };
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        report
            .problems
            .push(format!("{name}: starts with a byte-order mark"));
        text = rest.to_owned();
    }
    let (mut version, mut encoding) = (None, None);
    for (i, line) in lines(&text).enumerate() {
        if line.is_empty() {
            continue;
        }
        let Some((label, value)) = line.split_once(':') else {
            report
                .problems
                .push(format!("{name}: line {}: not a `Label: value` line", i + 1));
            continue;
        };
        if label.ends_with([' ', '\t']) || !value.starts_with(' ') {
            report.problems.push(format!(
                "{name}: line {}: `{label}:` must be followed by one space, with none before the colon",
                i + 1
            ));
        }
        let value = value.trim();
        match label.trim() {
            "BagIt-Version" if version.is_none() => version = Some(value.to_owned()),
            "Tag-File-Character-Encoding" if encoding.is_none() => {
                encoding = Some(value.to_owned());
            }
            other => report
                .problems
                .push(format!("{name}: line {}: unexpected `{other}`", i + 1)),
        }
    }
    match version.as_deref() {
        None => report.problems.push(format!("{name}: no BagIt-Version")),
        Some(v) => decl.version = parse_version(v, report),
    }
    match encoding.as_deref() {
        None => report
            .problems
            .push(format!("{name}: no Tag-File-Character-Encoding")),
        Some(e) => match parse_encoding(e) {
            Some(e) => decl.encoding = e,
            None => report.problems.push(format!(
                "{name}: tag file encoding `{e}` is not supported (UTF-8, UTF-16, ISO-8859-1 are)"
            )),
        },
    }
    decl
}

fn parse_version(v: &str, report: &mut VerifyReport) -> Version {
    let parts = v.split_once('.').and_then(|(major, minor)| {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (digits(major) && digits(minor)).then(|| (major.parse::<u32>(), minor.parse::<u32>()))
    });
    match parts {
        Some((Ok(0), Ok(93..=97))) => Version::Draft,
        Some((Ok(1), Ok(0))) => Version::Rfc,
        Some(_) => {
            report
                .warnings
                .push(format!("bagit.txt: BagIt-Version {v}, checked as 1.0"));
            Version::Rfc
        }
        None => {
            report
                .problems
                .push(format!("bagit.txt: bad BagIt-Version `{v}`"));
            Version::Rfc
        }
    }
}

fn parse_encoding(name: &str) -> Option<Encoding> {
    let key: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .collect::<String>()
        .to_ascii_uppercase();
    Some(match key.as_str() {
        "UTF8" => Encoding::Utf8,
        "UTF16" => Encoding::Utf16,
        "UTF16LE" => Encoding::Utf16Le,
        "UTF16BE" => Encoding::Utf16Be,
        "ISO88591" | "LATIN1" => Encoding::Latin1,
        _ => return None,
    })
}

/// The lines of a tag file: LF, CRLF and CR each end one (RFC 8493 §2.1.3 allows all
/// three).
pub(super) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            Some(at) => {
                let skip = if s[at..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[at + skip..]);
                Some(&s[..at])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// Reads and decodes a tag file other than `bagit.txt`; a missing, unreadable or
/// undecodable one is a problem (and `None`).
pub(super) fn read_tag_file(
    dir: &Path,
    name: &str,
    encoding: Encoding,
    report: &mut VerifyReport,
) -> Option<String> {
    match fs::read(dir.join(name)) {
        Ok(bytes) => match decode(&bytes, encoding) {
            Some(text) => Some(text),
            None => {
                report
                    .problems
                    .push(format!("{name}: not valid {encoding:?} text"));
                None
            }
        },
        Err(e) => {
            report.problems.push(read_problem(name, &e));
            None
        }
    }
}

fn read_problem(name: &str, e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        format!("{name}: missing")
    } else {
        format!("{name}: cannot read: {e}")
    }
}

/// Decodes tag file bytes; a leading byte-order mark is dropped.
pub(super) fn decode(bytes: &[u8], encoding: Encoding) -> Option<String> {
    match encoding {
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
            String::from_utf8(bytes.to_vec()).ok()
        }
        Encoding::Latin1 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Encoding::Utf16 => match bytes {
            [0xff, 0xfe, rest @ ..] => utf16(rest, u16::from_le_bytes),
            [0xfe, 0xff, rest @ ..] => utf16(rest, u16::from_be_bytes),
            _ => utf16(bytes, u16::from_be_bytes),
        },
        Encoding::Utf16Le => utf16(
            bytes.strip_prefix(b"\xff\xfe").unwrap_or(bytes),
            u16::from_le_bytes,
        ),
        Encoding::Utf16Be => utf16(
            bytes.strip_prefix(b"\xfe\xff").unwrap_or(bytes),
            u16::from_be_bytes,
        ),
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(text: &[u8]) -> (Declaration, VerifyReport) {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("bagit.txt"), text).unwrap();
        let mut report = VerifyReport::default();
        let decl = read(dir.path(), &mut report);
        (decl, report)
    }

    #[test]
    fn strict_declaration() {
        let (d, r) = declared(b"BagIt-Version: 0.97\r\nTag-File-Character-Encoding: UTF-8");
        assert_eq!((d.version, d.encoding), (Version::Draft, Encoding::Utf8));
        assert!(r.problems.is_empty(), "{r:?}");
        let (_, r) = declared(b"BagIt-Version : 1.0\nTag-File-Character-Encoding : UTF-8\n");
        assert_eq!(r.problems.len(), 2, "{r:?}");
        let (_, r) =
            declared(b"\xef\xbb\xbfBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
        assert_eq!(r.problems, ["bagit.txt: starts with a byte-order mark"]);
        let (_, r) = declared(b"BagIt-Version: .97\nTag-File-Character-Encoding: UTF-8\n");
        assert_eq!(r.problems, ["bagit.txt: bad BagIt-Version `.97`"]);
        let (d, r) = declared(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\n");
        assert_eq!((d.encoding, r.problems.len()), (Encoding::Latin1, 0));
    }

    #[test]
    fn decodes_the_declared_encodings() {
        assert_eq!(
            decode(b"\xff\xfea\0b\0", Encoding::Utf16).as_deref(),
            Some("ab")
        );
        assert_eq!(decode(b"\0a\0b", Encoding::Utf16).as_deref(), Some("ab"));
        assert_eq!(decode(b"\xe9", Encoding::Latin1).as_deref(), Some("é"));
        assert_eq!(decode(b"\xe9", Encoding::Utf8), None);
        assert_eq!(
            decode(b"\xef\xbb\xbfx", Encoding::Utf8).as_deref(),
            Some("x")
        );
        let split: Vec<_> = lines("a\r\nb\rc\nd").collect();
        assert_eq!(split, ["a", "b", "c", "d"]);
    }
}

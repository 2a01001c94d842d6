//! The lines of manifests and `fetch.txt` as the bag's version reads them: paths decoded
//! (percent escapes in 1.0 only), a leading `./` and md5sum's `*` marker accepted with a
//! warning, and every path checked to stay where it belongs.

use super::VerifyReport;
use super::declaration::{Version, lines};
use crate::bag::manifest::{decode_path, is_safe_path};

/// One manifest line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// 1-based line number.
    pub(super) line: usize,
    /// The checksum, lowercased.
    pub(super) checksum: String,
    /// The path relative to the bag, decoded and without a leading `./`.
    pub(super) path: String,
}

/// Where a manifest's paths must lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// Payload manifests and `fetch.txt`: under `data/`.
    Payload,
    /// Tag manifests: beside the tag files, never into `data/`.
    Tags,
}

/// Parses the manifest `name`; unreadable lines and paths out of scope are problems.
pub(super) fn parse_manifest(
    name: &str,
    text: &str,
    version: Version,
    scope: Scope,
    report: &mut VerifyReport,
) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut noted = Notes::default();
    for (i, line) in lines(text).enumerate() {
        let line = line.trim_start_matches([' ', '\t']);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once([' ', '\t']).and_then(|(checksum, rest)| {
            let path = rest.trim_start_matches([' ', '\t']);
            (!checksum.is_empty() && !path.is_empty()).then_some((checksum, path))
        });
        let Some((checksum, raw)) = parsed else {
            report.problems.push(format!(
                "{name}: line {}: not a `<checksum> <path>` line",
                i + 1
            ));
            continue;
        };
        let raw = match raw.strip_prefix('*') {
            Some(rest) => {
                noted.star.get_or_insert(i + 1);
                rest
            }
            None => raw,
        };
        let Some(path) = resolve(raw, version, scope, &mut noted, i + 1) else {
            let place = match scope {
                Scope::Payload => "outside data/",
                Scope::Tags => "not a tag file path",
            };
            report
                .problems
                .push(format!("{name}: line {}: path {place}", i + 1));
            continue;
        };
        entries.push(Entry {
            line: i + 1,
            checksum: checksum.to_ascii_lowercase(),
            path,
        });
    }
    noted.report(name, report);
    entries
}

/// One `fetch.txt` line: `URL LENGTH PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FetchItem {
    pub(super) line: usize,
    pub(super) path: String,
}

/// Parses `fetch.txt` (RFC 8493 §2.2.3); its paths must lead under `data/`.
pub(super) fn parse_fetch(
    text: &str,
    version: Version,
    report: &mut VerifyReport,
) -> Vec<FetchItem> {
    let name = "fetch.txt";
    let mut items = Vec::new();
    let mut noted = Notes::default();
    for (i, line) in lines(text).enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.trim_start().splitn(3, [' ', '\t']);
        let (Some(_url), Some(length), Some(raw)) = (fields.next(), fields.next(), fields.next())
        else {
            report.problems.push(format!(
                "{name}: line {}: not a `<url> <length> <path>` line",
                i + 1
            ));
            continue;
        };
        if length != "-" && !length.bytes().all(|b| b.is_ascii_digit()) {
            report.problems.push(format!(
                "{name}: line {}: length `{length}` is not a number or `-`",
                i + 1
            ));
        }
        let raw = raw.trim_start_matches([' ', '\t']);
        match resolve(raw, version, Scope::Payload, &mut noted, i + 1) {
            Some(path) => items.push(FetchItem { line: i + 1, path }),
            None => report
                .problems
                .push(format!("{name}: line {}: path outside data/", i + 1)),
        }
    }
    noted.report(name, report);
    items
}

/// The path a manifest line names, or `None` when it leaves its scope (absolute, `..`,
/// a backslash, `~`, a drive letter: anything but a plain relative path).
fn resolve(
    raw: &str,
    version: Version,
    scope: Scope,
    noted: &mut Notes,
    line: usize,
) -> Option<String> {
    let decoded = match version {
        Version::Rfc => decode_path(raw),
        // Percent-encoding arrived with 1.0: `%0A` in a 0.97 bag is three characters.
        Version::Draft => raw.to_owned(),
    };
    let path = match decoded.strip_prefix("./") {
        Some(rest) => {
            noted.dot_slash.get_or_insert(line);
            rest.to_owned()
        }
        None => decoded,
    };
    let in_scope = match scope {
        Scope::Payload => path.starts_with("data/"),
        Scope::Tags => !path.starts_with("data/"),
    };
    (is_safe_path(&path) && in_scope).then_some(path)
}

/// Odd but accepted spellings, reported once per file with their first line.
#[derive(Default)]
struct Notes {
    star: Option<usize>,
    dot_slash: Option<usize>,
}

impl Notes {
    fn report(self, name: &str, report: &mut VerifyReport) {
        if let Some(line) = self.star {
            report.warnings.push(format!(
                "{name}: line {line}: `*` before the path (md5sum's binary mode) ignored"
            ));
        }
        if let Some(line) = self.dot_slash {
            report
                .warnings
                .push(format!("{name}: line {line}: path starts with `./`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, version: Version) -> (Vec<Entry>, VerifyReport) {
        let mut report = VerifyReport::default();
        let entries = parse_manifest("m", text, version, Scope::Payload, &mut report);
        (entries, report)
    }

    #[test]
    fn lines_paths_and_markers() {
        let (entries, report) = parse("AB  data/x y\r\ncd *./data/z\rbroken\n", Version::Rfc);
        let paths: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["data/x y", "data/z"]);
        assert_eq!(entries[0].checksum, "ab");
        assert_eq!(
            report.problems,
            ["m: line 3: not a `<checksum> <path>` line"]
        );
        assert_eq!(report.warnings.len(), 2, "{report:?}");
    }

    #[test]
    fn percent_escapes_only_in_1_0() {
        assert_eq!(parse("a data/%0A", Version::Rfc).0[0].path, "data/\n");
        assert_eq!(parse("a data/%0A", Version::Draft).0[0].path, "data/%0A");
    }

    #[test]
    fn paths_out_of_scope() {
        for bad in [
            "../../README.md",
            "data/../x",
            "/tmp/foo",
            "~/foo",
            "~user/foo",
            "C:\\Windows\\x.exe",
            "%HomeDrive%\\Windows\\x.exe",
            "\\\\?\\UNC\\server\\x",
            "bagit.txt",
        ] {
            let (entries, report) = parse(&format!("ab {bad}"), Version::Draft);
            assert!(entries.is_empty() && report.problems.len() == 1, "{bad}");
        }
        let mut report = VerifyReport::default();
        let tags = parse_manifest(
            "t",
            "ab data/x\nab ../x",
            Version::Rfc,
            Scope::Tags,
            &mut report,
        );
        assert!(tags.is_empty());
        assert_eq!(report.problems.len(), 2);
    }

    #[test]
    fn fetch_lines() {
        let mut report = VerifyReport::default();
        let text = "http://example.com/a - data/a b\nhttp://example.com/b 12 ../b\nx y\n";
        let items = parse_fetch(text, Version::Rfc, &mut report);
        assert_eq!(
            items,
            [FetchItem {
                line: 1,
                path: "data/a b".into()
            }]
        );
        assert_eq!(report.problems.len(), 2, "{report:?}");
    }
}

//! The bag declaration (`bagit.txt`) and metadata (`bag-info.txt`, RFC 8493 §2.1.1, §2.2.2):
//! rendering, parsing, and the Bagging-Date rule.

use chrono::{DateTime, NaiveDate, Utc};

/// The exact bytes of `bagit.txt`.
pub(crate) const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// Parses `Label: value` lines; a line starting with a space or tab continues the previous
/// value (folded lines, RFC 8493 §2.2.2). Returns the fields in file order and one
/// message per line that is neither.
pub(crate) fn parse_fields(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut errors = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t'])
            && let Some((_, value)) = fields.last_mut()
        {
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        match line.split_once(':') {
            Some((label, value)) if !label.trim().is_empty() => {
                fields.push((label.trim().to_owned(), value.trim().to_owned()));
            }
            _ => errors.push(format!("line {}: not a `Label: value` line", i + 1)),
        }
    }
    (fields, errors)
}

/// The first value of `label` (labels compare case-insensitively, as bagit.py does).
pub(crate) fn field<'a>(fields: &'a [(String, String)], label: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(label))
        .map(|(_, v)| v.as_str())
}

/// The fields of `bag-info.txt`, in the order they are written.
#[derive(Debug, Default)]
pub(crate) struct InfoFields<'a> {
    pub(crate) source_organization: Option<&'a str>,
    pub(crate) bagging_date: NaiveDate,
    pub(crate) octets: u64,
    pub(crate) files: usize,
    pub(crate) external_identifier: Option<&'a str>,
    pub(crate) software_agent: &'a str,
    pub(crate) extra: &'a [(String, String)],
}

/// Renders `bag-info.txt`. Values are put on one line (line breaks in a value would start
/// a new field); labels lose `:` and whitespace, which a label cannot hold.
pub(crate) fn render(f: &InfoFields<'_>) -> String {
    let mut out = String::new();
    let mut push = |label: &str, value: &str| {
        let label: String = label
            .chars()
            .map(|c| {
                if c == ':' || c.is_whitespace() {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let value = value
            .split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty());
        out.push_str(&label);
        out.push_str(": ");
        out.push_str(&value.collect::<Vec<_>>().join(" "));
        out.push('\n');
    };
    if let Some(org) = f.source_organization {
        push("Source-Organization", org);
    }
    push(
        "Bagging-Date",
        &f.bagging_date.format("%Y-%m-%d").to_string(),
    );
    push("Payload-Oxum", &format!("{}.{}", f.octets, f.files));
    if let Some(id) = f.external_identifier {
        push("External-Identifier", id);
    }
    push("Bag-Software-Agent", f.software_agent);
    for (label, value) in f.extra {
        push(label, value);
    }
    out
}

/// Parses a Payload-Oxum value: `<octets>.<file count>`.
pub(crate) fn parse_oxum(value: &str) -> Option<(u64, usize)> {
    let (octets, files) = value.trim().split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(octets) || !digits(files) {
        return None;
    }
    Some((octets.parse().ok()?, files.parse().ok()?))
}

/// Parses a Bagging-Date value (`YYYY-MM-DD`).
pub(crate) fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// The date a bag made now gets: the UTC date of `source_date_epoch` (the value of the
/// environment variable SOURCE_DATE_EPOCH) when it is a valid count of seconds, else the
/// UTC date of `now`. Pure, so tests need not touch the process environment.
pub fn bagging_date(source_date_epoch: Option<&str>, now: DateTime<Utc>) -> NaiveDate {
    if let Some(value) = source_date_epoch {
        let parsed = Some(value.trim())
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0));
        match parsed {
            Some(when) => return when.date_naive(),
            None => tracing::warn!("ignoring SOURCE_DATE_EPOCH `{value}`: not a number of seconds"),
        }
    }
    now.date_naive()
}

/// [`bagging_date`] for this process: reads SOURCE_DATE_EPOCH and the clock.
pub fn bagging_date_from_env() -> NaiveDate {
    let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
    bagging_date(sde.as_deref(), Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn source_date_epoch_wins_when_valid() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(bagging_date(Some("1700000000"), now), date("2023-11-14"));
        assert_eq!(bagging_date(Some(" 0\n"), now), date("1970-01-01"));
        for bad in ["", "-5", "12.5", "soon", "99999999999999999999"] {
            assert_eq!(bagging_date(Some(bad), now), date("2027-01-15"), "{bad:?}");
        }
        assert_eq!(bagging_date(None, now), date("2027-01-15"));
    }

    #[test]
    fn renders_in_fixed_order_and_reads_back() {
        let extra = [("Desk-Sessions".to_owned(), "20".to_owned())];
        let text = render(&InfoFields {
            source_organization: Some("Acme\nSupport"),
            bagging_date: date("2024-02-29"),
            octets: 1234,
            files: 5,
            external_identifier: Some("1400000000"),
            software_agent: "desk-archive/0.1.0",
            extra: &extra,
        });
        assert_eq!(
            text,
            "Source-Organization: Acme Support\nBagging-Date: 2024-02-29\nPayload-Oxum: 1234.5\n\
             External-Identifier: 1400000000\nBag-Software-Agent: desk-archive/0.1.0\n\
             Desk-Sessions: 20\n"
        );
        let (fields, errors) = parse_fields(&text);
        assert!(errors.is_empty());
        assert_eq!(
            field(&fields, "payload-oxum").and_then(parse_oxum),
            Some((1234, 5))
        );
    }

    #[test]
    fn parses_folded_and_broken_lines() {
        let (fields, errors) = parse_fields("A: one\n  two\nnonsense\r\nB:x\n");
        assert_eq!(field(&fields, "a"), Some("one two"));
        assert_eq!(field(&fields, "B"), Some("x"));
        assert_eq!(errors, ["line 3: not a `Label: value` line"]);
        assert_eq!(parse_oxum("1.2.3"), None);
        assert_eq!(parse_oxum("12.3"), Some((12, 3)));
    }
}

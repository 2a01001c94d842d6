//! The sessions file (SPEC §1): one SessionId a line, or a CSV — recognised by a
//! `SessionId` field in line 1 (any column, any case; `,`, `;` or tab between fields) —
//! whose other columns become session metadata.

use std::collections::HashSet;
use std::io::Read;

use crate::error::{Error, Result};
use crate::records::Metadata;

/// One session to fetch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionEntry {
    /// The SessionId.
    pub session_id: String,
    /// The other CSV columns, in column order (empty for a plain list).
    pub metadata: Metadata,
}

/// Reads the sessions file at `source` (`-` = standard input).
pub(crate) fn read_sessions(source: &str) -> Result<Vec<SessionEntry>> {
    let (bytes, name) = if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
            Error::Usage(format!("cannot read the sessions from standard input: {e}"))
        })?;
        (bytes, "standard input".to_owned())
    } else {
        let bytes = std::fs::read(source)
            .map_err(|e| Error::Usage(format!("cannot read the sessions file `{source}`: {e}")))?;
        (bytes, format!("`{source}`"))
    };
    parse_sessions(&bytes, &name)
}

/// Parses a sessions file's bytes; `name` labels errors. Duplicates are kept once (the
/// first occurrence); an empty list is empty (the caller has nothing to do).
pub(crate) fn parse_sessions(bytes: &[u8], name: &str) -> Result<Vec<SessionEntry>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::Usage(format!(
            "sessions file {name}, line {line}: not valid UTF-8"
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let entries = match csv_layout(text) {
        Some(layout) => parse_csv(text, name, layout)?,
        None => parse_plain(text),
    };
    let mut seen = HashSet::new();
    Ok(entries
        .into_iter()
        .filter(|e| seen.insert(e.session_id.clone()))
        .collect())
}

/// How a CSV sessions file is laid out: its delimiter and which column holds SessionIds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    delimiter: u8,
    id_column: usize,
}

/// A CSV when a field of line 1 is `SessionId` (any case, quoted or not) with `,`, `;` or
/// a tab between fields.
fn csv_layout(text: &str) -> Option<Layout> {
    let first_line = text.split(['\r', '\n']).next().unwrap_or("");
    [b',', b';', b'\t'].into_iter().find_map(|delimiter| {
        let id_column = first_line.split(delimiter as char).position(|field| {
            field
                .trim()
                .trim_matches('"')
                .eq_ignore_ascii_case("SessionId")
        })?;
        Some(Layout {
            delimiter,
            id_column,
        })
    })
}

/// The 1-based line of a byte offset, counting LF (so CRLF files number right). An
/// offset on a line ending (where a CSV reader may place a record's start) belongs to
/// the line after it.
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while matches!(bytes.get(end), Some(b'\r' | b'\n')) {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The line of a quote that opens a field and is never closed (RFC 4180), if any: a CSV
/// reader would otherwise take the rest of the file as one field.
fn unterminated_quote(text: &str, delimiter: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at_field_start = true;
    let mut opened = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match opened {
            Some(_) if b == b'"' && bytes.get(i + 1) == Some(&b'"') => i += 1,
            Some(_) if b == b'"' => {
                opened = None;
                at_field_start = false;
            }
            Some(_) => {}
            None if b == b'"' && at_field_start => opened = Some(i),
            None => at_field_start = b == delimiter || b == b'\n' || b == b'\r',
        }
        i += 1;
    }
    opened.map(|at| line_at(text, at as u64))
}

/// One id a line; LF, CRLF and a lone CR each end a line (a SessionId never holds a CR,
/// and an old Mac-style file would otherwise be one id).
fn parse_plain(text: &str) -> Vec<SessionEntry> {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|id| SessionEntry {
            session_id: id.to_owned(),
            metadata: Metadata::new(),
        })
        .collect()
}

fn parse_csv(text: &str, name: &str, layout: Layout) -> Result<Vec<SessionEntry>> {
    if let Some(line) = unterminated_quote(text, layout.delimiter) {
        return Err(Error::Usage(format!(
            "sessions file {name}, line {line}: a quote opens a field and is never closed"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .delimiter(layout.delimiter)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| csv_error(text, name, &e))?
        .iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let mut seen = HashSet::new();
    if let Some(dup) = headers.iter().find(|h| !seen.insert(h.as_str())) {
        return Err(Error::Usage(format!(
            "sessions file {name}, line 1: column `{dup}` appears twice"
        )));
    }
    let mut entries = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(text, name, &e))?;
        let line = row.position().map_or(0, |p| line_at(text, p.byte()));
        let session_id = row.get(layout.id_column).unwrap_or_default();
        if session_id.is_empty() {
            return Err(Error::Usage(format!(
                "sessions file {name}, line {line}: empty SessionId"
            )));
        }
        let metadata = headers
            .iter()
            .zip(row.iter())
            .enumerate()
            .filter(|(i, _)| *i != layout.id_column)
            .map(|(_, (h, v))| (h.clone(), serde_json::Value::String(v.to_owned())))
            .collect();
        entries.push(SessionEntry {
            session_id: session_id.to_owned(),
            metadata,
        });
    }
    Ok(entries)
}

fn csv_error(text: &str, name: &str, e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| line_at(text, p.byte()));
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => e.to_string(),
    };
    Error::Usage(format!("sessions file {name}, line {line}: {what}"))
}

#[cfg(test)]
#[path = "sessions_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(entries: &[SessionEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.session_id.as_str()).collect()
    }

    #[test]
    fn plain_list_skips_comments_blanks_and_duplicates() {
        let text = "\u{feff}# header\n  a  \n\nb\r\n#c\na\rc\r";
        let entries = parse_sessions(text.as_bytes(), "t").unwrap();
        assert_eq!(ids(&entries), ["a", "b", "c"]);
    }

    #[test]
    fn csv_keeps_metadata_in_column_order_and_hash_ids() {
        let text = "SessionId,zeta,alpha\n#x,1,\"q, \"\"r\"\"\"\n b ,2,3\n";
        let entries = parse_sessions(text.as_bytes(), "t").unwrap();
        assert_eq!(ids(&entries), ["#x", " b "]);
        let keys: Vec<_> = entries[0].metadata.keys().collect();
        assert_eq!(keys, ["zeta", "alpha"]);
        assert_eq!(entries[0].metadata["alpha"], "q, \"r\"");
    }

    #[test]
    fn header_only_csv_is_empty() {
        assert!(parse_sessions(b"SessionId\n", "t").unwrap().is_empty());
        assert!(parse_sessions(b"# nothing\n\n", "t").unwrap().is_empty());
    }

    #[test]
    fn csv_by_a_sessionid_field_in_any_column_case_and_delimiter() {
        for text in [
            "team;sessionid;note\nx;a;1\ny;b;2\n",
            "team\tSESSIONID\nx\ta\ny\tb\n",
            "\"team\",\"SessionId\"\r\nx,a\r\ny,b\r\n",
        ] {
            let entries = parse_sessions(text.as_bytes(), "t").unwrap();
            assert_eq!(ids(&entries), ["a", "b"], "{text:?}");
            assert_eq!(entries[0].metadata["team"], "x", "{text:?}");
        }
    }

    #[test]
    fn crlf_rows_are_numbered_right_and_an_open_quote_names_its_line() {
        let err = parse_sessions(b"SessionId,a\r\nx,1\r\ny\r\n", "t").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let err = parse_sessions(b"SessionId,a\nx,1\ny,\"open\nz,2\n", "t").unwrap_err();
        assert!(
            err.to_string().contains("line 3: a quote opens a field"),
            "{err}"
        );
    }

    #[test]
    fn ragged_csv_names_the_line() {
        let err = parse_sessions(b"SessionId,a\nx,1\ny\n", "`s.csv`").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn sessionid_with_other_prefix_is_not_csv() {
        let entries = parse_sessions(b"SessionIds\nx\n", "t").unwrap();
        assert_eq!(ids(&entries), ["SessionIds", "x"]);
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(parse_sessions(b"a\n\xff\n", "t").is_err());
    }
}

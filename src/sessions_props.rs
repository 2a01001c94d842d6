//! Property tests (proptest) of the sessions file parser under any input: it never panics, a plain list and a CSV
//! written by a CSV library read back exactly (first occurrence of each id kept), and
//! CR, LF and CRLF all end lines.

use crate::testutil::proptest_config as config;
use proptest::prelude::*;

use super::parse_sessions;

/// Text made of pieces that mean something to a CSV or line parser, mixed with any
/// character at all.
fn hostile_text(max_pieces: usize) -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "\r",
        "\n",
        "\r\n",
        "\"",
        "\"\"",
        ",",
        ";",
        "\t",
        " ",
        "#",
        "\u{feff}",
        "SessionId",
        "sessionid",
        "a",
        "0",
        "-",
        "\u{0}",
        "\u{202e}",
        "é",
        "会话",
    ];
    let piece = prop_oneof![
        6 => prop::sample::select(PIECES).prop_map(str::to_owned),
        3 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max_pieces).prop_map(|v| v.concat())
}

/// An id a plain list can hold: no surrounding whitespace, no line break, not a comment,
/// nothing a CSV header test could take for a `SessionId` column.
fn plain_id() -> impl Strategy<Value = String> {
    hostile_text(5).prop_map(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | '\t' | '\u{feff}'))
            .collect();
        // Mapped rather than filtered (a filter rejects too many cases).
        let s = if s.to_lowercase().contains("sessionid") {
            s.replace(['s', 'S'], "z")
        } else {
            s
        };
        format!("x{s}")
    })
}

fn line_end() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["\n", "\r\n", "\r"][..])
}

/// The ids in order of first appearance.
fn first_occurrences(ids: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_bytes_give_entries_or_an_error_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        text in hostile_text(30),
    ) {
        for input in [bytes.as_slice(), text.as_bytes()] {
            if let Ok(entries) = parse_sessions(input, "p") {
                let ids: Vec<_> = entries.iter().map(|e| e.session_id.clone()).collect();
                prop_assert_eq!(first_occurrences(&ids), ids.clone());
                prop_assert!(ids.iter().all(|id| !id.is_empty()));
            }
        }
    }

    #[test]
    fn a_plain_list_reads_back(
        lines in prop::collection::vec((plain_id(), line_end(), 0..3u8), 1..12),
        bom in any::<bool>(),
    ) {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        let mut ids = Vec::new();
        for (id, end, extra) in &lines {
            match extra {
                1 => { text.push_str("  # a comment"); text.push_str(end); }
                2 => { text.push_str(" \t"); text.push_str(end); }
                _ => {}
            }
            text.push_str(&format!("  {id} {end}"));
            ids.push(id.clone());
        }
        let entries = parse_sessions(text.as_bytes(), "p")
            .map_err(|e| TestCaseError::fail(format!("{e} for {text:?}")))?;
        let got: Vec<_> = entries.iter().map(|e| e.session_id.clone()).collect();
        prop_assert_eq!(got, first_occurrences(&ids), "{:?}", text);
    }

    #[test]
    fn a_csv_written_by_a_csv_library_reads_back(
        rows in prop::collection::vec(
            (hostile_text(5).prop_filter("non-empty", |s| !s.is_empty()), hostile_text(5), hostile_text(5)),
            1..8,
        ),
        crlf in any::<bool>(),
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut writer = csv::WriterBuilder::new()
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .quote_style(csv::QuoteStyle::Always)
            .from_writer(format!("SessionId,team,note{end}").into_bytes());
        for (id, team, note) in &rows {
            writer.write_record([id, team, note]).unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let entries = parse_sessions(&bytes, "p")
            .map_err(|e| TestCaseError::fail(format!("{e} for {:?}", String::from_utf8_lossy(&bytes))))?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let got: Vec<_> = entries.iter().map(|e| e.session_id.clone()).collect();
        prop_assert_eq!(&got, &first_occurrences(&ids));
        for entry in &entries {
            let row = rows.iter().find(|r| r.0 == entry.session_id).unwrap();
            prop_assert_eq!(entry.metadata["team"].as_str(), Some(row.1.as_str()));
            prop_assert_eq!(entry.metadata["note"].as_str(), Some(row.2.as_str()));
        }
    }
}

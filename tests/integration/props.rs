//! Property tests (proptest) over everything that reads hostile input: the Markdown pages,
//! the record reader and the stem function (the sessions-file parser's are in
//! `src/sessions_props.rs`, since that module is private to the crate). CI runs a few
//! thousand cases per property; `PROPTEST_CASES=100000 cargo test --test integration props`
//! runs a long campaign.

mod markdown;
mod neutraliser;
mod records;
mod stems;

use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per property: `PROPTEST_CASES` when set, else `default` (sized so that the whole
/// module stays within a few seconds in CI).
fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        // Shrunk failures are printed; no files written into the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text made of pieces that mean something to a Markdown or CSV parser (line endings, HTML,
/// brackets, backticks, entities, table pipes, headings, bidi controls), mixed with any
/// character at all.
fn hostile_text(max_pieces: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(PIECES).prop_map(str::to_owned),
        2 => any::<char>().prop_map(String::from),
        2 => prop::collection::vec(prop::char::range('a', 'z'), 1..6)
            .prop_map(|v| v.into_iter().collect::<String>()),
    ];
    prop::collection::vec(piece, 0..max_pieces).prop_map(|v| v.concat())
}

const PIECES: &[&str] = &[
    "\r",
    "\n",
    "\r\n",
    "\r\r",
    "\n\n",
    "<",
    ">",
    "[",
    "]",
    "`",
    "```",
    "~~~",
    "&",
    "|",
    "#",
    "# ",
    "> ",
    "- ",
    "* ",
    "1. ",
    "    ",
    "\t",
    " ",
    "\\",
    "!",
    "(",
    ")",
    ":",
    "*",
    "_",
    "=",
    "---",
    "<script>",
    "</script>",
    "<div>",
    "</div>",
    "<b>",
    "<!--",
    "-->",
    "<?",
    "?>",
    "<![CDATA[",
    "]]>",
    "<a href=\"x\">",
    "<img src=x onerror=alert(1)>",
    "<https://example.com>",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)",
    "[x]",
    "](javascript:alert(1))",
    "](https://example.com)",
    "![i](",
    "&lt;",
    "&#60;",
    "&#x3c;",
    "&amp;",
    "&#1;",
    "\u{0}",
    "\u{7}",
    "\u{85}",
    "\u{202e}",
    "\u{202b}",
    "\u{2066}",
    "\u{2067}",
    "\u{2068}",
    "\u{2069}",
    "\u{200f}",
    "\u{2028}",
    "\u{feff}",
    "**bob** · Agent · 08:00 UTC · \\#2",
    "| a | b |",
    "|---|---|",
    "\"",
    ",",
    ";",
    "SessionId",
    "a",
    "0",
];

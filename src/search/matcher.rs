//! The pattern of `search`: a fixed string (the default), with `-i` a case-insensitive one,
//! or a regular expression (`--regex`, the `regex` crate's syntax), and the prefilter that
//! skips records and messages whose bytes cannot hold a match before they are parsed.

use std::ops::Range;

use memchr::memmem;
use regex::Regex;

/// A compiled pattern.
#[derive(Debug)]
pub struct Matcher {
    find: Find,
    /// Finds the pattern's bytes or a [`HIDERS`] string in raw JSON; `None` when bytes
    /// cannot rule a message out (a regex, or a string JSON may write escaped).
    prefilter: Option<regex::bytes::Regex>,
    /// The fixed string, when it is matched as written (not `-i`): streamed answers are
    /// then checked more closely than "has chunks" (see [`super::stream`]).
    exact: Option<Box<[u8]>>,
}

/// A place in a record's bytes where a match may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Where it starts.
    pub offset: usize,
    /// Only the `chunks` of a streamed answer: its message may hold a match only if
    /// [`Matcher::stream_may_hide`] says so.
    pub stream: bool,
}

#[derive(Debug)]
enum Find {
    Fixed(Box<memmem::Finder<'static>>),
    Regex(Regex),
}

/// Byte strings whose presence in a record lets the text a page shows differ from the
/// bytes: `\u` escapes (any character, and `\\u` inside a custom payload's JSON string), and
/// streamed payloads, whose `chunks` the page joins (a match may span two chunks).
/// (In regex syntax: `\\u` is a backslash and a `u`.)
const HIDERS: [&str; 2] = [r"\\u", "chunks"];

impl Matcher {
    /// Compiles `pattern`. A regex that does not compile is an error naming why.
    pub fn new(pattern: &str, regex: bool, ignore_case: bool) -> Result<Matcher, String> {
        if pattern.is_empty() {
            return Err("the pattern is empty".to_owned());
        }
        if regex {
            let re = regex::RegexBuilder::new(pattern)
                .case_insensitive(ignore_case)
                .size_limit(50 << 20)
                .build()
                .map_err(|e| format!("invalid --regex pattern `{pattern}`: {}", last_line(&e)))?;
            return Ok(Matcher {
                find: Find::Regex(re),
                prefilter: None,
                exact: None,
            });
        }
        let escaped = regex::escape(pattern);
        let find = if ignore_case {
            let re = regex::RegexBuilder::new(&escaped)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("invalid pattern: {}", last_line(&e)))?;
            Find::Regex(re)
        } else {
            Find::Fixed(Box::new(
                memmem::Finder::new(pattern.as_bytes()).into_owned(),
            ))
        };
        // One pass finds the pattern and every hider alike (a literal alternation, which
        // the regex crate searches with SIMD).
        let flags = if ignore_case { "(?i)" } else { "" };
        let alternation = format!("{flags}{escaped}|(?-i:{})", HIDERS.join("|"));
        let prefilter = if bytes_are_faithful(pattern) {
            let re = regex::bytes::Regex::new(&alternation)
                .map_err(|e| format!("invalid pattern: {}", last_line(&e)))?;
            Some(re)
        } else {
            None
        };
        let exact = (!ignore_case && pattern != "chunks")
            .then(|| pattern.as_bytes().to_vec().into_boxed_slice());
        Ok(Matcher {
            find,
            prefilter,
            exact,
        })
    }

    /// Where in `raw` (a record's bytes) the pattern or a hider starts; `None` when any
    /// message may match whatever its bytes. A message holding none of these offsets
    /// cannot match.
    pub fn hits(&self, raw: &[u8]) -> Option<Vec<Hit>> {
        let prefilter = self.prefilter.as_ref()?;
        let hits = prefilter.find_iter(raw).map(|m| Hit {
            offset: m.start(),
            stream: self.exact.is_some() && m.as_bytes() == b"chunks",
        });
        Some(hits.collect())
    }

    /// Whether the streamed answer whose `chunks` key starts at `at` in `message` (one
    /// message's JSON, holding no `\u` escape) may show the pattern across two chunks.
    pub fn stream_may_hide(&self, message: &[u8], at: usize) -> bool {
        self.exact
            .as_deref()
            .is_none_or(|needle| super::stream::may_hide(message, at, needle))
    }

    /// Whether `raw` (a record, or one message object, as JSON) may hold a match. `false`
    /// only when the pattern's bytes are absent and nothing could hide them.
    pub fn may_match(&self, raw: &[u8]) -> bool {
        self.prefilter.as_ref().is_none_or(|p| p.is_match(raw))
    }

    /// Every match in `text`, in order, not overlapping.
    pub fn find_all(&self, text: &str) -> Vec<Range<usize>> {
        match &self.find {
            Find::Fixed(finder) => {
                let len = finder.needle().len();
                finder
                    .find_iter(text.as_bytes())
                    .map(|start| start..start + len)
                    .collect()
            }
            Find::Regex(re) => re
                .find_iter(text)
                .map(|m| m.range())
                .filter(|r| !r.is_empty())
                .collect(),
        }
    }

    /// Whether `text` holds a match.
    pub fn is_match(&self, text: &str) -> bool {
        match &self.find {
            Find::Fixed(finder) => finder.find(text.as_bytes()).is_some(),
            Find::Regex(re) => re.is_match(text),
        }
    }
}

/// The regex crate's syntax errors span lines (the pattern, a caret, the reason): the
/// reason is the last one.
fn last_line(error: &regex::Error) -> String {
    let text = error.to_string();
    let line = text.lines().last().unwrap_or_default().trim();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

/// Whether a string is written as itself in a JSON record unless a [`HIDERS`] string is
/// there: JSON escapes `"`, `\` and control characters, and may escape `/`.
fn bytes_are_faithful(pattern: &str) -> bool {
    !pattern
        .chars()
        .any(|c| matches!(c, '"' | '\\' | '/') || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_string_finds_every_occurrence_and_treats_dots_literally() {
        let m = Matcher::new("a.b", false, false).unwrap();
        assert_eq!(m.find_all("a.b axb a.b"), vec![0..3, 8..11]);
        assert!(!m.is_match("axb"));
    }

    #[test]
    fn ignore_case_is_unicode_aware() {
        let m = Matcher::new("straße", false, true).unwrap();
        assert!(m.is_match("STRAßE"));
        assert!(m.may_match("{\"Text\":\"STRAßE\"}".as_bytes()));
        let k = Matcher::new("k", false, true).unwrap();
        assert!(k.is_match("\u{212a}")); // KELVIN SIGN folds to k
    }

    #[test]
    fn prefilter_rules_out_only_what_cannot_match() {
        let m = Matcher::new("订单", false, false).unwrap();
        assert!(m.may_match("{\"Text\":\"订单 123\"}".as_bytes()));
        assert!(!m.may_match(br#"{"Text":"nothing here"}"#));
        // An escaped character could be the pattern's: such bytes are always parsed.
        assert!(m.may_match(br#"{"Text":"\u8ba2\u5355"}"#));
        assert!(m.may_match(br#"{"Data":"{\"src\":\"31\",\"chunks\":[\"\u8ba2\",\"x\"]}"}"#));
        // A pattern JSON may write escaped is never prefiltered.
        let quote = Matcher::new("say \"hi\"", false, false).unwrap();
        assert!(quote.may_match(b"anything"));
    }

    #[test]
    fn hits_are_where_the_pattern_or_a_hider_starts() {
        let at = |m: &Matcher, raw: &[u8]| -> Vec<(usize, bool)> {
            m.hits(raw)
                .unwrap()
                .iter()
                .map(|h| (h.offset, h.stream))
                .collect()
        };
        let m = Matcher::new("ab", false, false).unwrap();
        let raw = br"xab \u0041 chunks AB";
        assert_eq!(at(&m, raw), [(1, false), (4, false), (11, true)]);
        let i = Matcher::new("ab", false, true).unwrap();
        assert_eq!(at(&i, br"xab \U0041 CHUNKS AB"), [(1, false), (18, false)]);
        // With -i a streamed answer is always parsed.
        assert_eq!(
            at(&i, raw),
            [(1, false), (4, false), (11, false), (18, false)]
        );
        assert_eq!(Matcher::new("a", true, false).unwrap().hits(b"a"), None);
    }

    #[test]
    fn regex_compiles_or_names_the_problem() {
        let m = Matcher::new(r"\d{3}-\d{4}", true, false).unwrap();
        assert_eq!(m.find_all("call 555-1234 now"), vec![5..13]);
        assert!(m.may_match(b"no digits at all"));
        let err = Matcher::new("(unclosed", true, false).unwrap_err();
        assert!(err.contains("invalid --regex"), "{err}");
        assert!(Matcher::new("", false, false).is_err());
    }

    #[test]
    fn empty_regex_matches_count_but_mark_nothing() {
        let m = Matcher::new("x*", true, false).unwrap();
        assert!(m.is_match("abc"));
        assert!(m.find_all("abc").is_empty());
    }
}

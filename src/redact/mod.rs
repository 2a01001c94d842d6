//! Redaction (SPEC §12): one function, [`Redactor::text`], applies a profile to a string;
//! [`record::redact_record`] calls it for every string of a raw record (text, payloads,
//! file names, URLs, metadata) and replaces accounts, media and coordinates, so that
//! everything rendered from the redacted record — pages, indexes, stats.json, agent pages,
//! the shared file — is covered by construction.
//!
//! A value hidden in an encoding (percent-encoding, HTML character references, `\u`
//! escapes, zero-width characters) is found too: when the decoded string holds a match,
//! the string is replaced by its decoded, redacted form.

pub mod detectors;
pub mod profile;
pub mod pseudonyms;
pub mod record;
pub mod report;

use std::borrow::Cow;
use std::ops::Range;

use sha2::{Digest, Sha256};

pub use detectors::Detector;
pub use profile::{Field, Profile};
pub use pseudonyms::{Kind, Pseudonyms, Scope};
pub use report::{Entry, Report, SessionLog};

use detectors::{Detectors, Found};

/// Accounts shorter than this (in characters) are replaced in account fields only, not
/// wherever they occur in text: a one- or two-character account would match everywhere.
pub const MIN_ACCOUNT_CHARS: usize = 3;

/// How many times a string is searched again after replacements or decoding (double
/// percent-encoding and the like).
const MAX_PASSES: usize = 6;

/// Where a string is, for the report and for rules limited to some fields.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// 1-based message number, or `None` for session fields.
    pub message: Option<usize>,
    /// The element's `MsgType`.
    pub element: Option<&'a str>,
    /// The field's path (`MsgContent.Text`).
    pub field: &'a str,
    /// What kind of string it is.
    pub kind: Field,
}

/// Options besides the profile.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Replace SessionIds with a hash (`--redact-session-id`).
    pub redact_session_id: bool,
    /// How long pseudonyms last (`--pseudonyms`).
    pub scope: Scope,
}

/// Redaction settings of `share` and `export`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The profile (with `--keep-media` applied).
    pub profile: Profile,
    /// `--redact-session-id`, `--pseudonyms`.
    pub options: Options,
    /// `--report FILE`.
    pub report: Option<std::path::PathBuf>,
}

impl Settings {
    /// A redactor for these settings.
    pub fn redactor(&self) -> Redactor {
        Redactor::new(self.profile.clone(), self.options)
    }
}

/// Applies one profile, keeping the pseudonyms and the log of the session at hand.
#[derive(Debug)]
pub struct Redactor {
    profile: Profile,
    detectors: Detectors,
    options: Options,
    /// The accounts seen and their pseudonyms.
    pub pseudonyms: Pseudonyms,
    log: Vec<Entry>,
}

/// A match about to be replaced.
struct Hit {
    span: Range<usize>,
    rule: Cow<'static, str>,
    replacement: String,
}

impl Redactor {
    /// A redactor for `profile`.
    pub fn new(profile: Profile, options: Options) -> Redactor {
        Redactor {
            detectors: Detectors::new(&profile.detectors),
            pseudonyms: Pseudonyms::new(options.scope),
            profile,
            options,
            log: Vec::new(),
        }
    }

    /// The profile applied.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The options given.
    pub fn options(&self) -> Options {
        self.options
    }

    /// Whether anything is changed at all (else records are copied byte for byte).
    pub fn is_active(&self) -> bool {
        !self.profile.is_identity() || self.options.redact_session_id
    }

    /// Takes the log so far (for the session just done).
    pub fn take_log(&mut self) -> Vec<Entry> {
        std::mem::take(&mut self.log)
    }

    /// Notes a redaction made by replacing a whole value (media, coordinates, metadata).
    pub fn note(&mut self, rule: &str, at: &At<'_>, chars: usize) {
        self.log.push(entry(rule, at, 0..chars, false));
    }

    /// The SessionId as the output shows it: itself, or with `--redact-session-id` a
    /// name made from its SHA-256 (so one session always gets the same name).
    pub fn session_id(&self, id: &str) -> String {
        if !self.options.redact_session_id {
            return id.to_owned();
        }
        let digest = Sha256::digest(format!("desk-archive session\0{id}").as_bytes());
        format!("session-{}", &hex::encode(digest)[..20])
    }

    /// Applies the profile to one string: the one function every string that reaches an
    /// output goes through. Returns the string unchanged (borrowed) when nothing matches.
    pub fn text<'s>(&mut self, s: &'s str, at: &At<'_>) -> Cow<'s, str> {
        if !self.redacts_text() || s.is_empty() {
            return Cow::Borrowed(s);
        }
        let mut current: Cow<'s, str> = Cow::Borrowed(s);
        // Until nothing matches: a match dropped for overlapping another can match once
        // its neighbour is replaced, and a value can hide in an encoding.
        for pass in 1..=MAX_PASSES {
            let hits = self.hits(&current, at.kind);
            if !hits.is_empty() {
                current = Cow::Owned(self.apply(&current, hits, at, pass, false));
                continue;
            }
            let Some(decoded) = decode(&current) else {
                break;
            };
            let hits = self.hits(&decoded, at.kind);
            if hits.is_empty() {
                break;
            }
            current = Cow::Owned(self.apply(&decoded, hits, at, pass, true));
        }
        current
    }

    /// Whether [`Redactor::text`] can change anything.
    fn redacts_text(&self) -> bool {
        !self.profile.detectors.is_empty()
            || !self.profile.rules.is_empty()
            || self.profile.pseudonyms
    }

    /// The matches to replace in `s`: detectors and rules first, then accounts. An
    /// account must stand alone, and a neighbour inside a match counts as a boundary
    /// (it is about to be replaced), so a second pass finds exactly what the first did.
    fn hits(&self, s: &str, kind: Field) -> Vec<Hit> {
        let mut found: Vec<Found> = Vec::new();
        self.detectors.find(s, &mut found);
        let mut hits: Vec<Hit> = found
            .into_iter()
            .map(|f| Hit {
                span: f.span,
                rule: Cow::Borrowed(f.detector.name()),
                replacement: f.replacement.to_owned(),
            })
            .collect();
        for rule in self.profile.rules.iter().filter(|r| r.applies_to(kind)) {
            hits.extend(rule.regex.find_iter(s).map(|m| Hit {
                span: m.range(),
                rule: Cow::Owned(rule.name.clone()),
                replacement: rule.replacement.clone(),
            }));
        }
        let mut hits = select(s, hits);
        if self.profile.pseudonyms {
            let covered = |i: usize| hits.iter().any(|h| h.span.contains(&i));
            let mut accounts = Vec::new();
            for (account, name) in self.pseudonyms.accounts() {
                if !replaceable_in_text(account) {
                    continue;
                }
                for (i, _) in s.match_indices(account) {
                    let span = i..i + account.len();
                    if stands_alone(s, span.clone(), &covered) {
                        accounts.push(Hit {
                            span,
                            rule: Cow::Borrowed("pseudonym"),
                            replacement: name.to_owned(),
                        });
                    }
                }
            }
            if !accounts.is_empty() {
                hits.extend(accounts);
                hits = select(s, hits);
            }
        }
        hits.retain(|h| s[h.span.clone()] != h.replacement);
        hits
    }

    fn apply(
        &mut self,
        s: &str,
        hits: Vec<Hit>,
        at: &At<'_>,
        pass: usize,
        decoded: bool,
    ) -> String {
        let mut out = String::with_capacity(s.len() + 16 * hits.len());
        let mut last = 0;
        let mut chars_before = 0;
        for hit in hits {
            chars_before += s[last..hit.span.start].chars().count();
            let len = s[hit.span.clone()].chars().count();
            let mut e = entry(&hit.rule, at, chars_before..chars_before + len, decoded);
            e.pass = pass;
            self.log.push(e);
            chars_before += len;
            out.push_str(&s[last..hit.span.start]);
            out.push_str(&hit.replacement);
            last = hit.span.end;
        }
        out.push_str(&s[last..]);
        out
    }
}

/// Leftmost first, the longest of those that start together; overlaps dropped. A match
/// that already reads as its replacement is kept (it still occupies its span).
fn select(s: &str, mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(b.span.end.cmp(&a.span.end))
    });
    let mut chosen: Vec<Hit> = Vec::with_capacity(hits.len());
    let mut end = 0;
    for hit in hits {
        if hit.span.start < end || hit.span.is_empty() || hit.span.end > s.len() {
            continue;
        }
        end = hit.span.end;
        chosen.push(hit);
    }
    chosen
}

/// Whether an account is replaced wherever it occurs in text: long enough not to match
/// everywhere, and not part of a pseudonym (else a second pass would change the first's
/// output).
fn replaceable_in_text(account: &str) -> bool {
    const LABELS: [&str; 4] = ["Customer ", "Agent ", "System ", "Participant "];
    account.chars().count() >= MIN_ACCOUNT_CHARS && !LABELS.iter().any(|l| l.contains(account))
}

fn entry(rule: &str, at: &At<'_>, chars: Range<usize>, decoded: bool) -> Entry {
    Entry {
        rule: rule.to_owned(),
        message: at.message,
        element: at.element.map(str::to_owned),
        field: at.field.to_owned(),
        start: chars.start,
        end: chars.end,
        pass: 1,
        decoded,
    }
}

/// An account found inside a longer word is not that account ("ann" in "annual"): ASCII
/// letters and digits must not touch it (other scripts have no spaces between words).
fn stands_alone(s: &str, r: Range<usize>, covered: &impl Fn(usize) -> bool) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric();
    let first = s[r.clone()].chars().next().is_some_and(word);
    let last = s[r.clone()].chars().next_back().is_some_and(word);
    let before = s[..r.start]
        .char_indices()
        .next_back()
        .is_some_and(|(i, c)| word(c) && !covered(i));
    let after = s[r.end..].chars().next().is_some_and(word) && !covered(r.end);
    !(first && before || last && after)
}

/// The string with percent-encoding, HTML character references, `\uXXXX` escapes and
/// invisible format characters decoded or removed; `None` when there was none.
pub fn decode(s: &str) -> Option<String> {
    let mut out: Cow<'_, str> = Cow::Borrowed(s);
    if out.contains('%') {
        let d = percent_encoding::percent_decode_str(&out).decode_utf8_lossy();
        if d != out {
            out = Cow::Owned(d.into_owned());
        }
    }
    if out.contains('&')
        && let Some(d) = decode_references(&out)
    {
        out = Cow::Owned(d);
    }
    if out.contains("\\u")
        && let Some(d) = decode_u_escapes(&out)
    {
        out = Cow::Owned(d);
    }
    if out.chars().any(is_invisible) {
        out = Cow::Owned(out.chars().filter(|&c| !is_invisible(c)).collect());
    }
    match out {
        Cow::Borrowed(_) => None,
        Cow::Owned(o) => Some(o),
    }
}

/// Zero-width and soft-hyphen characters that hide nothing from a reader but split a
/// number for a regex.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// Decodes `&#NNN;`, `&#xHH;` and the common named references.
fn decode_references(s: &str) -> Option<String> {
    let re = reference_regex();
    if !re.is_match(s) {
        return None;
    }
    Some(
        re.replace_all(s, |caps: &regex::Captures<'_>| {
            let body = &caps[1];
            let c = if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = body.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match body {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    "commat" => Some('@'),
                    "plus" => Some('+'),
                    "period" => Some('.'),
                    _ => None,
                }
            };
            c.map_or_else(|| caps[0].to_owned(), String::from)
        })
        .into_owned(),
    )
}

fn reference_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
            .expect("pattern compiles")
    })
}

/// Decodes `\uXXXX` escapes (pairs of surrogates too) left in text as characters.
fn decode_u_escapes(s: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&format!("\"{}\"", escape_for_json(s))).ok()?;
    let decoded = v.as_str()?.to_owned();
    (decoded != s).then_some(decoded)
}

/// Escapes everything JSON needs escaped except the `\u` escapes to decode.
fn escape_for_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'u') => out.push('\\'),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> At<'static> {
        At {
            message: Some(1),
            element: Some("TIMTextElem"),
            field: "MsgContent.Text",
            kind: Field::Text,
        }
    }

    fn external() -> Redactor {
        Redactor::new(Profile::external(), Options::default())
    }

    #[test]
    fn replaces_matches_and_logs_spans_not_values() {
        let mut r = external();
        let out = r.text("电话 13800138000，邮箱 a@example.com", &at());
        assert_eq!(out, "电话 [phone]，邮箱 [email]");
        let log = r.take_log();
        assert_eq!(
            log.iter()
                .map(|e| (e.rule.as_str(), e.start, e.end))
                .collect::<Vec<_>>(),
            [("phone", 3, 14), ("email", 18, 31)]
        );
        assert!(!serde_json::to_string(&log).unwrap().contains("13800138000"));
    }

    #[test]
    fn values_hidden_in_encodings_are_found() {
        let mut r = external();
        for hidden in [
            "https://example.com/%31%33%38%30%30%31%33%38%30%30%30.jpg",
            "&#49;3800138000",
            "\\u0031\\u0033800138000",
            "138\u{200b}0013\u{200b}8000",
            "%2B86%2013800138000",
        ] {
            let out = r.text(hidden, &at());
            assert!(out.contains("[phone]"), "{hidden} -> {out}");
            assert!(r.take_log().iter().all(|e| e.decoded), "{hidden}");
        }
    }

    #[test]
    fn accounts_become_pseudonyms_in_text() {
        let mut r = external();
        r.pseudonyms.name("zhangsan_88", Kind::Customer);
        r.pseudonyms.name("ab", Kind::Agent);
        let out = r.text("zhangsan_88 asked; zhangsan_889 and ab stay", &at());
        assert_eq!(out, "Customer asked; zhangsan_889 and ab stay");
    }

    #[test]
    fn session_ids_are_hashed_only_when_asked() {
        let r = external();
        assert_eq!(r.session_id("s-1"), "s-1");
        let r = Redactor::new(
            Profile::external(),
            Options {
                redact_session_id: true,
                ..Options::default()
            },
        );
        let id = r.session_id("s-1");
        assert!(id.starts_with("session-") && id.len() == 28, "{id}");
        assert_eq!(id, r.session_id("s-1"));
    }

    #[test]
    fn internal_changes_nothing() {
        let mut r = Redactor::new(Profile::internal(), Options::default());
        assert!(matches!(r.text("13800138000", &at()), Cow::Borrowed(_)));
        assert!(!r.is_active());
    }

    #[test]
    fn ordinary_text_stays() {
        let mut r = external();
        for text in [
            "订单号 4111111111111112 已发货",
            "Order 20240115-0032, ¥1,299.00, due 2024-01-15 14:30",
            "版本 v1.2.3.4",
            "price 12.50, qty 3, total 37.50",
            "https://example.com/help/article-7",
        ] {
            assert!(matches!(r.text(text, &at()), Cow::Borrowed(_)), "{text}");
        }
    }
}

/// Property tests: redaction is idempotent, and changes nothing without a match. Case
/// count from `PROPTEST_CASES` (proptest reads it; default 256), so a long run is
/// `PROPTEST_CASES=100000 cargo test --lib redact::props`.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    /// Text built from pieces that look like personal data, ordinary numbers, separators,
    /// encodings and CJK, so that matches, near misses and overlaps are common.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("13800138000".to_owned()),
            Just("+86 138 0013 8000".to_owned()),
            Just("4111 1111 1111 1111".to_owned()),
            Just("11010519491231002X".to_owned()),
            Just("a@example.com".to_owned()),
            Just("203.0.113.7".to_owned()),
            Just("https://example.com/p?token=1".to_owned()),
            Just("%31%33".to_owned()),
            Just("&#49;".to_owned()),
            Just("\u{200b}".to_owned()),
            Just("客服".to_owned()),
            Just("cust_01".to_owned()),
            "[0-9]{1,20}",
            "[ .\\-+()?#@:/%&;]{1,3}",
            "[a-zA-Z]{1,6}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
    }

    fn redactor() -> Redactor {
        let mut r = Redactor::new(Profile::external(), Options::default());
        r.pseudonyms.name("cust_01", Kind::Customer);
        r
    }

    fn at() -> At<'static> {
        At {
            message: Some(1),
            element: None,
            field: "MsgContent.Text",
            kind: Field::Text,
        }
    }

    proptest! {
        #[test]
        fn redaction_is_idempotent(s in text()) {
            let mut r = redactor();
            let once = r.text(&s, &at()).into_owned();
            let twice = r.text(&once, &at()).into_owned();
            prop_assert_eq!(&once, &twice);
        }

        #[test]
        fn text_without_a_match_is_unchanged(s in text()) {
            let mut r = redactor();
            let out = r.text(&s, &at()).into_owned();
            let log = r.take_log();
            prop_assert_eq!(log.is_empty(), out == s, "log {:?} for {:?} -> {:?}", log, s, out);
        }
    }
}

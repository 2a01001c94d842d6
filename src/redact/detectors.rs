//! The built-in detectors of personal data (SPEC §12): a [`RegexSet`] finds which kinds of
//! candidate a string holds at all, each kind's own regex finds the candidates, and a pure
//! validator decides — Luhn for card numbers, the GB 11643 check digit for PRC resident
//! identity numbers, digit counts and prefixes for phone numbers, octet ranges for IP
//! addresses. Validators may narrow a candidate (a card number followed by a year), and a
//! rejected candidate is retried one character later, so that a run of digits that is too
//! long to be a phone number cannot hide one that starts inside it.

use std::ops::Range;

use regex::{Regex, RegexSet};

/// One built-in detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detector {
    /// E-mail addresses.
    Email,
    /// Phone numbers: mainland China mobile, E.164, Chinese landlines, North American.
    Phone,
    /// PRC resident identity numbers (18 characters, check digit verified).
    PrcId,
    /// Payment card numbers (13–19 digits, Luhn-checked, issuer prefix 2–6).
    Card,
    /// IPv4 and IPv6 addresses.
    Ip,
    /// The query string and fragment of URLs, and user names and passwords in them.
    UrlQuery,
}

impl Detector {
    /// Every detector, in the order their names are documented.
    pub const ALL: [Detector; 6] = [
        Detector::Email,
        Detector::Phone,
        Detector::PrcId,
        Detector::Card,
        Detector::Ip,
        Detector::UrlQuery,
    ];

    /// The name used in profiles and in the redaction report.
    pub fn name(self) -> &'static str {
        match self {
            Detector::Email => "email",
            Detector::Phone => "phone",
            Detector::PrcId => "prc-id",
            Detector::Card => "card",
            Detector::Ip => "ip",
            Detector::UrlQuery => "url-query",
        }
    }

    /// The detector of a profile name.
    pub fn from_name(name: &str) -> Option<Detector> {
        Detector::ALL.into_iter().find(|d| d.name() == name)
    }

    /// What a match is replaced with. None of these can be matched again by any detector,
    /// so redaction is idempotent.
    pub fn replacement(self) -> &'static str {
        match self {
            Detector::Email => "[email]",
            Detector::Phone => "[phone]",
            Detector::PrcId => "[ID number]",
            Detector::Card => "[card number]",
            Detector::Ip => "[IP address]",
            Detector::UrlQuery => "?redacted",
        }
    }
}

/// A validated match: where, and which detector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range in the string searched.
    pub span: Range<usize>,
    /// The detector.
    pub detector: Detector,
    /// What replaces it.
    pub replacement: &'static str,
}

/// Narrows or rejects a candidate: gets the whole string and the candidate's range.
type Validator = fn(&str, Range<usize>) -> Option<Range<usize>>;

struct Pattern {
    detector: Detector,
    regex: Regex,
    /// The capture group that is replaced (0 = the whole match).
    group: usize,
    validate: Validator,
    replacement: &'static str,
}

/// A decimal digit, ASCII or full-width (Chinese input methods type both).
const D: &str = "[0-9０-９]";
/// A separator inside a number.
const SEP: &str = "[ \\-－]";

/// Compiled detectors (shared: compiling them all takes longer than redacting a session).
#[derive(Clone)]
pub struct Detectors(std::sync::Arc<Compiled>);

struct Compiled {
    set: RegexSet,
    patterns: Vec<Pattern>,
}

impl std::fmt::Debug for Detectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.0.patterns.iter().map(|p| p.detector.name()).collect();
        f.debug_struct("Detectors")
            .field("patterns", &names)
            .finish()
    }
}

fn patterns_of(detector: Detector) -> Vec<(String, usize, Validator, &'static str)> {
    let r = detector.replacement();
    match detector {
        Detector::Email => vec![(
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}".into(),
            0,
            email,
            r,
        )],
        Detector::Phone => vec![
            // Mainland mobile, with +86 / 0086 / 86 / (+86) before it or not.
            (
                format!(
                    r"(?:(?:\+|00)?86{SEP}?|\(\+?86\){SEP}?)?[1１][3-9３-９]{D}(?:{SEP}?{D}{{4}}){{2}}"
                ),
                0,
                digits_apart,
                r,
            ),
            // E.164: + and 8–15 digits in groups.
            (
                format!(r"\+{D}{{1,3}}(?:[ .\-]?(?:\({D}{{1,4}}\)|{D}{{1,5}})){{1,6}}"),
                0,
                e164,
                r,
            ),
            // Chinese landline with its area code: 010-12345678, (0755) 1234567.
            (
                format!(r"(?:\(0{D}{{2,3}}\){SEP}?|0{D}{{2,3}}{SEP}){D}{{7,8}}"),
                0,
                digits_apart,
                r,
            ),
            // North American: (415) 555-2671, 415-555-2671, +1 415.555.2671.
            (
                format!(
                    r"(?:\+?1[ .\-]?)?(?:\({D}{{3}}\)[ .\-]?|{D}{{3}}[ .\-]){D}{{3}}[ .\-]{D}{{4}}"
                ),
                0,
                nanp,
                r,
            ),
        ],
        Detector::PrcId => vec![(format!(r"{D}{{17}}[0-9０-９Xxｘ]"), 0, prc_id, r)],
        Detector::Card => vec![(format!(r"{D}(?:[ \-]?{D}){{12,18}}"), 0, card, r)],
        Detector::Ip => vec![
            (r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}".into(), 0, ipv4, r),
            (
                r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3})?"
                    .into(),
                0,
                ipv6,
                r,
            ),
        ],
        Detector::UrlQuery => vec![
            (
                concat!(
                    r"(?i)(?:[a-z][a-z0-9+.\-]*://|www\.)[^\s?#<>",
                    "\"'\\)\\]",
                    r"]*([?#][^\s<>",
                    "\"'\\)\\]",
                    r"，。！？；：、“”‘’（）【】《》]+)"
                )
                .into(),
                1,
                query,
                r,
            ),
            (
                concat!(r"(?i)[a-z][a-z0-9+.\-]*://([^\s/?#@<>", "\"'", r"\[\]]+)@").into(),
                1,
                any,
                "redacted",
            ),
        ],
    }
}

impl Detectors {
    /// The given detectors, compiled once per process for each set asked for.
    pub fn new(enabled: &[Detector]) -> Detectors {
        type Cache = std::sync::Mutex<Vec<(Vec<Detector>, Detectors)>>;
        static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
        let mut key = enabled.to_vec();
        key.sort_unstable();
        key.dedup();
        let cache = CACHE.get_or_init(Cache::default);
        let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, d)) = cache.iter().find(|(k, _)| *k == key) {
            return d.clone();
        }
        let compiled = Detectors(std::sync::Arc::new(Detectors::compile(&key)));
        cache.push((key, compiled.clone()));
        compiled
    }

    /// Compiles the given detectors (the patterns are ours: compiling cannot fail).
    fn compile(enabled: &[Detector]) -> Compiled {
        let mut patterns = Vec::new();
        for &detector in enabled {
            for (source, group, validate, replacement) in patterns_of(detector) {
                let regex = Regex::new(&source).expect("built-in pattern compiles");
                patterns.push(Pattern {
                    detector,
                    regex,
                    group,
                    validate,
                    replacement,
                });
            }
        }
        let set = RegexSet::new(patterns.iter().map(|p| p.regex.as_str()))
            .expect("built-in patterns compile");
        Compiled { set, patterns }
    }

    /// Every validated match in `s`, possibly overlapping (the caller chooses).
    pub fn find(&self, s: &str, out: &mut Vec<Found>) {
        let c = &*self.0;
        if c.patterns.is_empty() {
            return;
        }
        for i in c.set.matches(s).iter() {
            let p = &c.patterns[i];
            let mut at = 0;
            while at <= s.len() {
                let Some(caps) = p.regex.captures_at(s, at) else {
                    break;
                };
                let (Some(whole), Some(group)) = (caps.get(0), caps.get(p.group)) else {
                    break;
                };
                match (p.validate)(s, group.range()) {
                    Some(span) if !span.is_empty() => {
                        at = span.end.max(whole.start() + 1);
                        out.push(Found {
                            span,
                            detector: p.detector,
                            replacement: p.replacement,
                        });
                    }
                    _ => at = next_char(s, whole.start()),
                }
            }
        }
    }
}

/// The byte index of the character after the one at `i`.
fn next_char(s: &str, i: usize) -> usize {
    s[i..]
        .chars()
        .next()
        .map_or(s.len() + 1, |c| i + c.len_utf8())
}

/// The value of a decimal digit, ASCII or full-width.
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn is_digit(c: char) -> bool {
    digit_value(c).is_some()
}

fn before(s: &str, i: usize) -> Option<char> {
    s[..i].chars().next_back()
}

fn after(s: &str, i: usize) -> Option<char> {
    s[i..].chars().next()
}

/// No digit touches the span on either side (and no `+` before it).
fn apart(s: &str, r: &Range<usize>) -> bool {
    !before(s, r.start).is_some_and(|c| is_digit(c) || c == '+')
        && !after(s, r.end).is_some_and(is_digit)
}

fn digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(digit_value).collect()
}

fn any(_: &str, r: Range<usize>) -> Option<Range<usize>> {
    Some(r)
}

fn email(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    // A trailing dot or hyphen belongs to the sentence, not the address.
    let text = &s[r.clone()];
    let trimmed = text.trim_end_matches(['.', '-']);
    Some(r.start..r.start + trimmed.len())
}

fn digits_apart(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    apart(s, &r).then_some(r)
}

/// The longest prefix of the candidate, ending after a digit and not followed by one,
/// for which `ok` holds on its digits; tried from the longest down.
fn longest_prefix(s: &str, r: Range<usize>, ok: impl Fn(&[u32]) -> bool) -> Option<Range<usize>> {
    if before(s, r.start).is_some_and(|c| is_digit(c) || c == '+') {
        return None;
    }
    let mut ends: Vec<(usize, usize)> = Vec::new();
    let mut count = 0;
    for (i, c) in s[r.clone()].char_indices() {
        if is_digit(c) {
            count += 1;
            ends.push((r.start + i + c.len_utf8(), count));
        }
    }
    let all = digits(&s[r.clone()]);
    ends.into_iter().rev().find_map(|(end, n)| {
        let span = r.start..end;
        (!after(s, end).is_some_and(is_digit) && ok(&all[..n])).then_some(span)
    })
}

fn e164(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    longest_prefix(s, r, |d| (8..=15).contains(&d.len()) && d[0] != 0)
}

fn nanp(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    if !apart(s, &r) {
        return None;
    }
    let d = digits(&s[r.clone()]);
    let area = if d.len() == 11 { &d[1..] } else { &d[..] };
    (area.len() == 10 && area[0] >= 2 && area[3] >= 2).then_some(r)
}

/// The Luhn checksum (ISO/IEC 7812-1).
pub fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// A payment card number: a known issuer's prefix and length (Visa, Mastercard, American
/// Express, UnionPay, JCB, Discover, Diners Club) and a valid Luhn check digit. The
/// prefixes keep order numbers that start with a year (`2026030500113`) out: a tenth of
/// any numbers pass Luhn by chance.
pub fn is_card_number(d: &[u32]) -> bool {
    let n = d.len();
    if !(13..=19).contains(&n) || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let prefix = |k: usize| d[..k].iter().fold(0, |acc, &x| acc * 10 + x);
    let issuer = match d[0] {
        4 => matches!(n, 13 | 16 | 19),
        5 => (51..=55).contains(&prefix(2)) && n == 16,
        2 => (2221..=2720).contains(&prefix(4)) && n == 16,
        3 => match prefix(2) {
            34 | 37 => n == 15,
            35 => (3528..=3589).contains(&prefix(4)) && n >= 16,
            36 | 38 | 39 => n >= 14,
            30 => (300..=305).contains(&prefix(3)) && n >= 14,
            _ => false,
        },
        6 => {
            n >= 16
                && (prefix(2) == 62
                    || prefix(4) == 6011
                    || prefix(2) == 65
                    || (644..=649).contains(&prefix(3)))
        }
        _ => false,
    };
    issuer && luhn(d)
}

fn card(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    longest_prefix(s, r, is_card_number)
}

/// The GB 11643-1999 check character of the first 17 digits of a resident identity
/// number: 0–9 or X (10).
pub fn prc_check_char(first17: &[u32]) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if first17.len() != 17 {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(b"10X98765432"[(sum % 11) as usize] as char)
}

/// A PRC resident identity number: a province code that exists, a real date of birth
/// (1900–2099) and the right check character.
pub fn is_prc_id(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let Some(first17) = chars[..17]
        .iter()
        .map(|&c| digit_value(c))
        .collect::<Option<Vec<u32>>>()
    else {
        return false;
    };
    let last = match chars[17] {
        'x' | 'X' | 'ｘ' => 'X',
        c => match digit_value(c) {
            Some(v) => char::from_digit(v, 10).unwrap_or('?'),
            None => return false,
        },
    };
    let province = first17[0] * 10 + first17[1];
    let known = matches!(province, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83 | 91);
    let num = |r: Range<usize>| r.fold(0, |acc, i| acc * 10 + first17[i]);
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    let born = (1900..=2099).contains(&year)
        && chrono::NaiveDate::from_ymd_opt(year as i32, month, day).is_some();
    known && born && prc_check_char(&first17) == Some(last)
}

fn prc_id(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    let ok = !before(s, r.start).is_some_and(is_digit)
        && !after(s, r.end).is_some_and(|c| is_digit(c) || matches!(c, 'x' | 'X'));
    (ok && is_prc_id(&s[r.clone()])).then_some(r)
}

fn ipv4(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    let prev_ok = !before(s, r.start).is_some_and(|c| c.is_alphanumeric() || c == '.');
    let rest = &s[r.end..];
    let mut next = rest.chars();
    let next_ok = match next.next() {
        Some(c) if c.is_ascii_digit() => false,
        Some('.') => !next.next().is_some_and(|c| c.is_ascii_digit()),
        _ => true,
    };
    let octets_ok = s[r.clone()]
        .split('.')
        .all(|o| o.parse::<u16>().is_ok_and(|v| v <= 255));
    (prev_ok && next_ok && octets_ok).then_some(r)
}

fn ipv6(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    let text = &s[r.clone()];
    let prev_ok = !before(s, r.start).is_some_and(|c| c.is_alphanumeric() || c == ':');
    let next_ok = !after(s, r.end).is_some_and(|c| c.is_alphanumeric() || c == ':');
    let groups = text.split(':').filter(|g| !g.is_empty()).count();
    let parses = text.parse::<std::net::Ipv6Addr>().is_ok();
    (prev_ok && next_ok && parses && groups >= 2).then_some(r)
}

fn query(s: &str, r: Range<usize>) -> Option<Range<usize>> {
    // Trailing punctuation belongs to the sentence, and a lone `?` or `#` ends one
    // ("see https://example.com?"). A fragment without `=` is an anchor in a page
    // (`#signatures`), not a token (`#access_token=…`).
    let text = s[r.clone()].trim_end_matches(['.', ',', ';', ':', '!']);
    let anchor = text.starts_with('#') && !text.contains('=');
    (text.chars().count() > 1 && !anchor).then_some(r.start..r.start + text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(detector: Detector, s: &str) -> Vec<String> {
        let mut out = Vec::new();
        Detectors::new(&[detector]).find(s, &mut out);
        // Two patterns may find one number (mobile and E.164): the caller keeps one.
        let mut spans: Vec<_> = out.iter().map(|f| (f.span.start, f.span.end)).collect();
        spans.sort_unstable();
        spans.dedup();
        spans.into_iter().map(|(a, b)| s[a..b].to_owned()).collect()
    }

    #[test]
    fn luhn_accepts_test_card_numbers_and_rejects_a_changed_digit() {
        let d = |s: &str| digits(s);
        assert!(luhn(&d("4111111111111111")));
        assert!(luhn(&d("378282246310005")));
        assert!(luhn(&d("6212345678901265")));
        assert!(!luhn(&d("4111111111111112")));
        assert!(!is_card_number(&d("1234567812345670")), "issuer prefix 1");
        assert!(
            !is_card_number(&d("4444444444444444")),
            "one digit repeated"
        );
    }

    #[test]
    fn cards_are_found_with_separators_and_next_to_other_numbers() {
        assert_eq!(
            found(Detector::Card, "card 4111 1111 1111 1111 2024 ok"),
            ["4111 1111 1111 1111"]
        );
        assert_eq!(
            found(Detector::Card, "卡号4111-1111-1111-1111。"),
            ["4111-1111-1111-1111"]
        );
        assert_eq!(found(Detector::Card, "１２３"), Vec::<String>::new());
        // An order number that fails Luhn stays.
        assert!(found(Detector::Card, "order 4111111111111112").is_empty());
        // Thirteen-digit millisecond timestamps start with 1: never a card; nor order
        // numbers that start with a year, even when they pass Luhn.
        assert!(found(Detector::Card, "at 1730939030138").is_empty());
        assert!(luhn(&digits("2026030500113")));
        assert!(found(Detector::Card, "订单 2026030500113").is_empty());
        assert_eq!(
            found(Detector::Card, "mc 5555 5555 5555 4444"),
            ["5555 5555 5555 4444"]
        );
    }

    #[test]
    fn prc_ids_need_a_real_province_date_and_check_digit() {
        assert!(is_prc_id("11010519491231002X"));
        assert_eq!(prc_check_char(&digits("11010519491231002")), Some('X'));
        assert!(!is_prc_id("11010519491231002Y"));
        assert!(!is_prc_id("110105194913310021"), "month 13");
        assert!(!is_prc_id("990105194912310021"), "no province 99");
        assert_eq!(
            found(Detector::PrcId, "身份证11010519491231002x。"),
            ["11010519491231002x"]
        );
        assert!(found(Detector::PrcId, "911010519491231002X").is_empty());
    }

    #[test]
    fn phones_in_many_formats() {
        for phone in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "008613800138000",
            "(+86)13800138000",
            "１３８００１３８０００",
            "+44 20 7946 0958",
            "+1 (415) 555-2671",
            "(415) 555-2671",
            "415-555-2671",
            "010-12345678",
            "(0755) 1234567",
        ] {
            let text = format!("call {phone} now");
            assert_eq!(found(Detector::Phone, &text).concat(), phone, "{text}");
        }
        for not_phone in [
            "2024-01-15",
            "order 20240115123",
            "12:30:45",
            "¥199.00",
            "1.5",
        ] {
            assert!(found(Detector::Phone, not_phone).is_empty(), "{not_phone}");
        }
    }

    #[test]
    fn e164_takes_the_longest_plausible_prefix() {
        assert_eq!(
            found(Detector::Phone, "+44 20 7946 0958 2024"),
            ["+44 20 7946 0958"]
        );
        assert!(found(Detector::Phone, "+1234567").is_empty(), "7 digits");
    }

    #[test]
    fn emails_and_ips() {
        assert_eq!(
            found(Detector::Email, "mail zhang.san+x@mail.example.com."),
            ["zhang.san+x@mail.example.com"]
        );
        assert_eq!(
            found(
                Detector::Ip,
                "from 203.0.113.7, v1.2.3.4 and 2001:db8::8a2e:370:7334"
            ),
            ["203.0.113.7", "2001:db8::8a2e:370:7334"]
        );
        assert!(found(Detector::Ip, "999.1.1.1 12:30:45 std::io").is_empty());
    }

    #[test]
    fn url_queries_fragments_and_user_info() {
        assert_eq!(
            found(
                Detector::UrlQuery,
                "see https://example.com/reset?token=abc&u=1#x, or [a](https://a.example/p?q=1)"
            ),
            ["?token=abc&u=1#x", "?q=1"]
        );
        assert_eq!(
            found(Detector::UrlQuery, "ftp://user:pw@example.com/a"),
            ["user:pw"]
        );
        assert!(found(Detector::UrlQuery, "what is https://example.com?").is_empty());
        assert!(found(Detector::UrlQuery, "https://example.com/docs#signatures").is_empty());
        assert_eq!(
            found(Detector::UrlQuery, "https://example.com/cb#access_token=x1"),
            ["#access_token=x1"]
        );
    }
}

//! What `search` prints: one line per matching message (`session #n time role account:
//! text`, the match coloured on a terminal), a session list (`-l`), counts (`-c`), or JSON
//! Lines (`--json`). Every string from a record is made safe for a terminal first: line
//! breaks become `↵`, control and bidi characters visible placeholders.

use std::fmt::Write as _;
use std::ops::Range;

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;
use serde::Serialize;

use crate::model::Role;

/// What to print for the sessions that match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every matching message.
    Messages,
    /// Each matching session once (`-l`).
    Sessions,
    /// Each matching session with its number of matching messages (`-c`).
    Counts,
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// What to print.
    pub mode: Mode,
    /// JSON Lines instead of text.
    pub json: bool,
    /// ANSI colours.
    pub colour: bool,
    /// The zone of the times shown.
    pub timezone: Tz,
}

/// The session a batch of hits comes from.
pub(crate) struct Session<'a> {
    pub(crate) session_id: &'a str,
    pub(crate) stem: &'a str,
}

/// One matching message.
pub(crate) struct Hit<'a> {
    pub(crate) index: usize,
    pub(crate) timestamp_ms: Option<i64>,
    pub(crate) role: Role,
    pub(crate) account: &'a str,
    pub(crate) text: &'a str,
    /// Where the pattern matched in `text` (empty without a pattern).
    pub(crate) matches: &'a [Range<usize>],
}

#[derive(Serialize)]
struct HitJson<'a> {
    session_id: &'a str,
    stem: &'a str,
    page: &'a str,
    index: usize,
    timestamp_ms: Option<i64>,
    role: &'a str,
    account: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct SessionJson<'a> {
    session_id: &'a str,
    stem: &'a str,
    page: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
}

const RESET: &str = "\x1b[0m";
const SESSION: &str = "\x1b[35m";
const NUMBER: &str = "\x1b[32m";
const MATCH: &str = "\x1b[1;31m";

/// The page of a session, relative to `data/` (as `stats.json` names it).
pub(crate) fn page(stem: &str) -> String {
    format!("sessions/{stem}.html")
}

/// Appends one matching message (in [`Mode::Messages`]).
pub(crate) fn push_hit(out: &mut String, style: &Style, session: &Session<'_>, hit: &Hit<'_>) {
    if style.json {
        let json = HitJson {
            session_id: session.session_id,
            stem: session.stem,
            page: &page(session.stem),
            index: hit.index,
            timestamp_ms: hit.timestamp_ms,
            role: hit.role.as_str(),
            account: hit.account,
            text: hit.text,
        };
        push_json(out, &json);
        return;
    }
    let c = |code: &'static str| if style.colour { code } else { "" };
    let reset = c(RESET);
    out.push_str(c(SESSION));
    push_safe(out, session.session_id);
    out.push_str(reset);
    out.push(' ');
    out.push_str(c(NUMBER));
    out.push('#');
    push_number(out, hit.index as u64 + 1, 1);
    out.push_str(reset);
    out.push(' ');
    push_time(out, hit.timestamp_ms, style.timezone);
    out.push(' ');
    out.push_str(hit.role.as_str());
    out.push(' ');
    push_safe(
        out,
        if hit.account.is_empty() {
            "-"
        } else {
            hit.account
        },
    );
    out.push_str(": ");
    let mut at = 0;
    for m in hit.matches {
        push_safe(out, &hit.text[at..m.start]);
        out.push_str(c(MATCH));
        push_safe(out, &hit.text[m.start..m.end]);
        out.push_str(reset);
        at = m.end;
    }
    push_safe(out, &hit.text[at..]);
    out.push('\n');
}

/// Appends a matching session (in [`Mode::Sessions`] and [`Mode::Counts`]).
pub(crate) fn push_session(out: &mut String, style: &Style, session: &Session<'_>, count: u64) {
    let counted = style.mode == Mode::Counts;
    if style.json {
        let json = SessionJson {
            session_id: session.session_id,
            stem: session.stem,
            page: &page(session.stem),
            count: counted.then_some(count),
        };
        push_json(out, &json);
        return;
    }
    if style.colour {
        out.push_str(SESSION);
    }
    push_safe(out, session.session_id);
    if style.colour {
        out.push_str(RESET);
    }
    if counted {
        let _ = write!(out, "\t{count}");
    }
    out.push('\n');
}

fn push_json(out: &mut String, value: &impl Serialize) {
    // Serialising these structs of strings and numbers cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
    out.push('\n');
}

/// `YYYY-MM-DD HH:MM:SS` in the zone; `-` without a time; `⚠` and the raw number when it
/// is outside 2000–2100, as the pages show it.
fn push_time(out: &mut String, ms: Option<i64>, tz: Tz) {
    let Some(ms) = ms else {
        out.push('-');
        return;
    };
    match DateTime::from_timestamp_millis(ms).filter(|_| crate::model::plausible_ms(ms)) {
        Some(t) => {
            let t = t.with_timezone(&tz);
            let year = u64::try_from(t.year()).unwrap_or(0);
            let parts = [
                (year, 4, '-'),
                (t.month().into(), 2, '-'),
                (t.day().into(), 2, ' '),
            ];
            let clock = [(t.hour().into(), 2, ':'), (t.minute().into(), 2, ':')];
            for (n, width, sep) in parts.into_iter().chain(clock) {
                push_number(out, n, width);
                out.push(sep);
            }
            push_number(out, t.second().into(), 2);
        }
        None => {
            let _ = write!(out, "⚠{ms}");
        }
    }
}

/// Appends `s` so that it cannot move the cursor, change colours or reorder the line:
/// line breaks become `↵`, C0 controls their Control Pictures, DEL `␡`, C1 and bidi
/// controls `⟨U+XXXX⟩`. Tabs stay. Text between such characters is copied in runs.
pub(crate) fn push_safe(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        // Only these bytes can start a character to replace; each is a character's first.
        if !is_suspect(bytes[i]) {
            i += 1;
            continue;
        }
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let next = i + c.len_utf8();
        let replacement = match c {
            '\r' if bytes.get(next) == Some(&b'\n') => Some(None),
            '\n' | '\r' => Some(Some('↵')),
            '\x7f' => Some(Some('\u{2421}')),
            c if c < ' ' && c != '\t' => Some(char::from_u32(0x2400 + c as u32)),
            c if ('\u{80}'..='\u{9f}').contains(&c) || is_bidi_control(c) => Some(None),
            _ => None,
        };
        if let Some(picture) = replacement {
            out.push_str(&s[copied..i]);
            match picture {
                Some(p) => out.push(p),
                None if c == '\r' => {}
                None => {
                    let _ = write!(out, "\u{27e8}U+{:04X}\u{27e9}", c as u32);
                }
            }
            copied = next;
        }
        i = next;
    }
    out.push_str(&s[copied..]);
}

/// Whether `b` may start a character [`push_safe`] replaces: C0 controls, DEL, and the
/// first bytes of U+0080–U+00BF (C1), U+0600–U+063F (U+061C) and U+2000–U+2FFF (bidi).
fn is_suspect(b: u8) -> bool {
    b < b' ' || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2
}

/// Appends `n` with at least `width` digits.
fn push_number(out: &mut String, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let at = at.min(digits.len() - width.min(digits.len()));
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(colour: bool) -> Style {
        Style {
            mode: Mode::Messages,
            json: false,
            colour,
            timezone: chrono_tz::Asia::Shanghai,
        }
    }

    const SESSION_A: Session<'static> = Session {
        session_id: "s-1",
        stem: "s-1-00",
    };

    #[test]
    fn a_line_names_session_number_time_role_account_and_marks_the_match() {
        let hit = Hit {
            index: 2,
            timestamp_ms: Some(1_730_939_030_138),
            role: Role::Agent,
            account: "kevin",
            text: "refund done",
            matches: std::slice::from_ref(&(0..6)),
        };
        let mut plain = String::new();
        push_hit(&mut plain, &style(false), &SESSION_A, &hit);
        assert_eq!(
            plain,
            "s-1 #3 2024-11-07 08:23:50 agent kevin: refund done\n"
        );
        let mut coloured = String::new();
        push_hit(&mut coloured, &style(true), &SESSION_A, &hit);
        assert!(
            coloured.contains("\x1b[1;31mrefund\x1b[0m done"),
            "{coloured:?}"
        );
    }

    /// The rule, one character at a time.
    fn reference(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' | '\r' => out.push('↵'),
                '\t' => out.push('\t'),
                '\x7f' => out.push('\u{2421}'),
                c if c < ' ' => out.push(char::from_u32(0x2400 + c as u32).unwrap()),
                c if ('\u{80}'..='\u{9f}').contains(&c) || is_bidi_control(c) => {
                    out.push_str(&format!("\u{27e8}U+{:04X}\u{27e9}", c as u32));
                }
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn runs_give_what_the_rule_gives_for_every_character() {
        // Every character up to U+2FFF: all of ASCII and of the lead bytes C2, D8 and E2.
        for c in (0..=0x2fff_u32)
            .filter_map(char::from_u32)
            .chain(['😀', '\u{10ffff}'])
        {
            let text = format!("a{c}b\r\n{c}");
            let mut out = String::new();
            push_safe(&mut out, &text);
            assert_eq!(out, reference(&text), "{c:?}");
        }
    }

    #[test]
    fn numbers_are_padded() {
        let mut out = String::new();
        push_number(&mut out, 7, 2);
        push_number(&mut out, 2024, 4);
        push_number(&mut out, 12345, 2);
        push_number(&mut out, 0, 1);
        assert_eq!(out, "072024123450");
    }

    #[test]
    fn times_outside_2000_to_2100_are_marked_raw_numbers() {
        let mut out = String::new();
        push_time(&mut out, Some(-5), chrono_tz::UTC);
        out.push(' ');
        push_time(&mut out, Some(9_000_000_000_000_000), chrono_tz::UTC);
        out.push(' ');
        push_time(&mut out, None, chrono_tz::UTC);
        assert_eq!(out, "⚠-5 ⚠9000000000000000 -");
    }

    #[test]
    fn terminal_controls_in_content_are_neutralised() {
        let mut out = String::new();
        push_safe(&mut out, "a\r\nb\x1b[2Jc\u{202e}d\u{9b}e");
        assert_eq!(out, "a↵b\u{241b}[2Jc⟨U+202E⟩d⟨U+009B⟩e");
        assert!(!out.chars().any(|c| c.is_control()));
    }

    #[test]
    fn json_lines_have_the_documented_fields_in_order() {
        let hit = Hit {
            index: 0,
            timestamp_ms: None,
            role: Role::Other,
            account: "",
            text: "x\ny",
            matches: &[],
        };
        let mut out = String::new();
        let json = Style {
            json: true,
            ..style(false)
        };
        push_hit(&mut out, &json, &SESSION_A, &hit);
        assert_eq!(
            out,
            "{\"session_id\":\"s-1\",\"stem\":\"s-1-00\",\"page\":\"sessions/s-1-00.html\",\"index\":0,\"timestamp_ms\":null,\"role\":\"other\",\"account\":\"\",\"text\":\"x\\ny\"}\n"
        );
        let mut counts = String::new();
        let count_style = Style {
            mode: Mode::Counts,
            ..style(false)
        };
        push_session(&mut counts, &count_style, &SESSION_A, 4);
        assert_eq!(counts, "s-1\t4\n");
    }
}

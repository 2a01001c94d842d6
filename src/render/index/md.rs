//! Text filters of the index templates: [`md_escape`] for every text field of `index.md`,
//! so that names and ids chosen by strangers stay plain text, and [`visible`] for the HTML
//! pages (askama escapes HTML but passes control characters through).

use std::borrow::Cow;

/// Escapes text for an inline Markdown context, including a GFM table cell.
///
/// * every ASCII punctuation character but `-` gets a backslash (CommonMark allows escaping all of
///   them): no emphasis, code, link (`[x](y)`), autolink (`<…>`), raw HTML, entity (`&…;`),
///   table cell break (`|`), and — because `:` `.` `/` are escaped too — no bare-URL
///   autolink (`https://…`, `www.…`) in renderers with that extension; `-` is kept for
///   readable ids: it matters only at the start of a line, where escaped text never goes;
/// * line breaks and tabs become spaces (a table row is one line);
/// * other C0 controls and DEL become their Control Pictures (U+2400…), C1 controls
///   U+FFFD — visible, never raw (SPEC §7).
pub fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            // `-` only matters at the start of a line, where escaped text never goes.
            c if c.is_ascii_punctuation() && c != '-' => {
                out.push('\\');
                out.push(c);
            }
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => out.push('\u{2421}'),
            '\u{80}'..='\u{9f}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Replaces C0 controls other than TAB, LF and CR, DEL and C1 controls with visible
/// placeholders (SPEC §7): C0 and DEL by their Control Pictures (U+2400…, U+2421), C1 by
/// U+FFFD.
pub fn visible(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                c if !hidden(c) => c,
                '\u{7f}' => '\u{2421}',
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
                _ => '\u{fffd}',
            })
            .collect(),
    )
}

/// askama filters for the index templates.
// `filter_fn` generates a public struct and method without docs.
#[allow(missing_docs)]
pub mod filters {
    use std::fmt::Display;

    /// `{{ x|md_escape }}`: [`super::md_escape`] of the value's text.
    #[askama::filter_fn]
    pub fn md_escape(value: impl Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::md_escape(&value.to_string()))
    }

    /// `{{ x|visible }}`: [`super::visible`] of the value's text (askama then escapes it).
    #[askama::filter_fn]
    pub fn visible(value: impl Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::visible(&value.to_string()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            md_escape("[x](javascript:alert(1))"),
            r"\[x\]\(javascript\:alert\(1\)\)"
        );
        assert_eq!(
            md_escape("<script>a|b</script>"),
            r"\<script\>a\|b\<\/script\>"
        );
        assert_eq!(md_escape("**a**\nb"), r"\*\*a\*\* b");
        assert_eq!(md_escape("https://x.invalid"), r"https\:\/\/x\.invalid");
        assert_eq!(md_escape("&amp; \\"), r"\&amp\; \\");
        assert_eq!(
            md_escape("a\u{0}b\u{7f}\u{85}"),
            "a\u{2400}b\u{2421}\u{fffd}"
        );
        assert_eq!(md_escape("会话 🙂"), "会话 🙂");
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(visible("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            visible("a\u{1b}[31m\u{7f}\u{9b}"),
            "a\u{241b}[31m\u{2421}\u{fffd}"
        );
        assert_eq!(visible("\u{202e}bidi"), "\u{202e}bidi");
    }
}

//! Text filters of the index templates: [`md_escape`] for every text field of `index.md`,
//! so that names and ids chosen by strangers stay plain text, and [`visible`] for the HTML
//! pages (askama escapes HTML but passes control characters through).

// One escaping rule for every Markdown page: the session pages' (`render::cmark`).
pub use crate::render::cmark::{md_escape, md_name, visible};

#[allow(missing_docs)]
pub mod filters {
    use std::fmt::Display;

    // The session pages' filters: one escaping rule for every Markdown page.
    pub use crate::render::filters::{md_escape, md_name};

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
            r"\[x\](javascript:alert(1))"
        );
        assert_eq!(
            md_escape("<script>a|b</script>"),
            r"\<script>a\|b\</script>"
        );
        assert_eq!(md_escape("**a**\nb"), "\\*\\*a\\*\\*\u{240a}b");
        assert_eq!(md_escape("https://x.invalid"), r"https\://x.invalid");
        assert_eq!(md_escape("www.x.invalid"), r"www\.x.invalid");
        assert_eq!(md_escape("&amp; &#38; \\"), r"\&amp; \&#38; \\");
        assert_eq!(
            md_escape("a\u{0}b\u{7f}\u{85}"),
            "a\u{2400}b\u{2421}\u{27e8}U+0085\u{27e9}"
        );
        assert_eq!(md_escape("会话 🙂"), "会话 🙂");
    }

    #[test]
    fn ordinary_text_keeps_its_punctuation() {
        assert_eq!(md_escape("09:14:05"), "09:14:05");
        assert_eq!(md_escape("Web(H5)"), "Web(H5)");
        assert_eq!(
            md_escape("agent_01, 3.5 s! (ok?)"),
            "agent_01, 3.5 s! (ok?)"
        );
        assert_eq!(
            md_escape("AT&T - Order #12 = done"),
            "AT&T - Order #12 = done"
        );
        // The same characters where they would start markup.
        assert_eq!(md_escape("1. x"), r"1\. x");
        assert_eq!(md_escape("12) x"), r"12\) x");
        assert_eq!(md_escape("3.5 s"), "3.5 s");
        assert_eq!(md_escape("-5"), "-5");
        assert_eq!(md_escape("---"), r"\---");
        assert_eq!(md_escape("# x ##"), r"\# x \##");
        assert_eq!(md_escape(": x"), r"\: x");
        assert_eq!(md_escape("> x"), r"\> x");
        assert_eq!(md_escape("_a_ b_"), r"\_a\_ b\_");
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(visible("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            visible("a\u{1b}[31m\u{7f}\u{9b}"),
            "a\u{241b}[31m\u{2421}\u{27e8}U+009B\u{27e9}"
        );
        assert_eq!(visible("\u{202e}bidi"), "\u{202e}bidi");
    }
}

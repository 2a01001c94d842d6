//! The one HTML (and SVG) escaper of hand-built markup. Templates are escaped by askama;
//! the few places that build markup themselves — Markdown rendering and the SVG charts —
//! escape through here.

/// Where escaped text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Element content: `&`, `<` and `>` escaped.
    Text,
    /// A quoted attribute value (either quote): also `"` and `'`.
    Attribute,
}

/// Appends `s` to `out`, escaped for `context`.
pub fn escape_into(out: &mut String, s: &str, context: Context) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if context == Context::Attribute => out.push_str("&quot;"),
            '\'' if context == Context::Attribute => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped for `context`, as a new string.
pub fn escape(s: &str, context: Context) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, context);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_in_attributes() {
        let s = r#"<a href="x">Tom & 'Jerry'</a>"#;
        assert_eq!(
            escape(s, Context::Text),
            r#"&lt;a href="x"&gt;Tom &amp; 'Jerry'&lt;/a&gt;"#
        );
        assert_eq!(
            escape(s, Context::Attribute),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }
}

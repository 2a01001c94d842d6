//! The session page as one self-contained file (`share`, SPEC §12): the session template
//! with another layout block — the style sheet inlined under a hash-based CSP, no script,
//! no navigation to pages that are not there, a footer naming the redaction profile.

use askama::Template;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::elements::{Block, Card};
use super::i18n::Strings;
use super::session::{Item, SessionView};
use crate::assets::ASSETS;

/// The style sheet, printed unescaped into `<style>`: only our own `static/style.css`
/// (checked to hold no `</`) can be made into one.
#[derive(Debug, Clone, Copy)]
pub struct InlineStyle(&'static str);

impl InlineStyle {
    /// The session pages' style sheet, `None` if it could close the `<style>` element.
    pub fn session() -> Option<InlineStyle> {
        let asset = ASSETS.iter().find(|a| a.path == "style.css")?;
        let text = std::str::from_utf8(asset.bytes).ok()?;
        (!text.contains("</")).then_some(InlineStyle(text))
    }

    /// The CSP source that allows exactly this style sheet: `sha256-<base64>`.
    pub fn csp_hash(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }
}

impl std::fmt::Display for InlineStyle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl askama::filters::HtmlSafe for InlineStyle {}

/// The shared page.
#[derive(Template)]
#[template(path = "share.html")]
pub struct ShareHtml<'a> {
    /// Unused by the shared page (no links to the site), kept for the session template.
    pub root: &'static str,
    /// `<html lang>`.
    pub lang_tag: &'static str,
    /// UI strings.
    pub t: &'static Strings,
    /// The page.
    pub v: &'a SessionView,
    /// The style sheet.
    pub css: InlineStyle,
    /// Its CSP hash source.
    pub style_hash: String,
    /// The redaction profile's name, when one was applied.
    pub profile: Option<String>,
}

/// The shared page has no neighbours to link to.
pub fn without_navigation(v: &mut SessionView) {
    v.prev = None;
    v.next = None;
}

/// Every card of the view, for rewriting media links.
pub fn cards_mut(v: &mut SessionView) -> impl Iterator<Item = &mut Card> {
    v.items
        .iter_mut()
        .filter_map(|item| match item {
            Item::Group(g) => Some(g),
            Item::Day(_) => None,
        })
        .flat_map(|g| g.messages.iter_mut())
        .flat_map(|m| m.blocks.iter_mut())
        .filter_map(|b| match b {
            Block::Card(c) => Some(c),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_style_sheet_can_be_inlined_and_hashed() {
        let css = InlineStyle::session().expect("style.css has no `</`");
        let hash = css.csp_hash();
        assert!(hash.starts_with("sha256-") && hash.len() == 51, "{hash}");
    }
}

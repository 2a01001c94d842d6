//! askama filters for the Markdown templates (`.md` templates are not escaped by askama):
//! every plain field passes `md_escape`, names `md_name`, message Markdown `md_quote`, raw JSON `md_code`,
//! link destinations `md_dest`. All of them delegate to [`super::cmark`].

// `#[askama::filter_fn]` expands to `pub` helper items without docs; this module itself
// is private (the index's templates re-export `md_escape` and `md_name`).
#![allow(unreachable_pub, missing_docs)]

use std::fmt::Display;

use super::cmark;

/// Escapes a plain field (name, id, metadata, title) for a Markdown page.
#[askama::filter_fn]
pub fn md_escape<T: Display>(value: T, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(cmark::md_escape_owned(value.to_string()))
}

/// A user-supplied name for a Markdown page: escaped and bidi-isolated.
#[askama::filter_fn]
pub fn md_name<T: Display>(value: T, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(cmark::md_name(&value.to_string()))
}

/// Message Markdown, neutralised and quoted (`> ` before each line).
#[askama::filter_fn]
pub fn md_quote<T: Display>(value: T, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(cmark::md_quote(&value.to_string()))
}

/// Raw text as a quoted fenced code block.
#[askama::filter_fn]
pub fn md_code<T: Display>(value: T, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(cmark::md_code(&value.to_string()))
}

/// An already-safe URL as a Markdown link destination (`<…>`).
#[askama::filter_fn]
pub fn md_dest<T: Display>(value: T, _env: &dyn askama::Values) -> askama::Result<String> {
    let mut out = String::new();
    cmark::push_md_destination(&mut out, &value.to_string());
    Ok(out)
}

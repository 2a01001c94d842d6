//! The media index `data/media/index.json` and what pages need of it: its format
//! ([`format`]), which URLs a record references ([`urls`]), how a stored object may be
//! shown ([`display`]) and the lookup a render does per URL ([`lookup`]). Media capture
//! writes the index; render reads it; neither reaches into the other.

pub mod display;
pub mod format;
mod lookup;
pub mod urls;

pub use display::{Display, display_of_ext};
pub use format::{Entry, INDEX_PATH, MediaIndex};
pub use lookup::{Local, MediaLookup};

//! What one run of the tool leaves for the next, so that a re-run over a complete archive
//! re-hashes and re-renders nothing that did not change (SPEC §6): the state tag file
//! `desk-archive-state.json` ([`file`]), each rendered session's entry in it ([`entry`]),
//! the mark of the index pages it left ([`mark`]), the temporary store that holds the
//! entries during a run ([`store`]), and the file stamps the hash cache trusts
//! ([`stamp`]). Render writes these and the bag lists them; neither owns them.

pub mod entry;
pub mod file;
pub mod mark;
mod stamp;
pub mod statcache;
pub mod store;

pub use entry::{
    Imported, ImportedHead, KnownFiles, NoKnownFiles, RenderCache, Rendered, SessionSummary,
    Stored, StoredHead, WrittenFiles, write_entry,
};
pub use file::{Cache, STATE_FILE, load};
pub use mark::IndexMark;
pub use stamp::Stamp;
pub use statcache::StatCache;
pub use store::{SessionStore, Slot};

/// The list of places the archive was published to, beside the tag files and outside the
/// bag (see [`crate::lifecycle::targets`]).
pub const PUBLISHED_FILE: &str = "desk-archive-published.txt";

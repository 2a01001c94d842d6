//! The index pages (`index.html`, `index.md`), `stats.json` and agent pages.
//! (Skeleton: the index helper owns this file.)

use std::path::Path;

use super::{MissingSession, RenderOptions, SessionSummary};
use crate::error::Result;

/// Writes `index.html`, `index.md` (when Markdown pages are on), `stats.json` and the agent
/// pages into `data_dir`, streaming, from the summaries of every rendered session (in any
/// order: this function sorts) and the sessions that have no record.
pub fn write_index(
    _data_dir: &Path,
    _sessions: &[SessionSummary],
    _missing: &[MissingSession],
    _options: &RenderOptions,
) -> Result<()> {
    Ok(())
}

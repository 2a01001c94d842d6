//! `serve`: the archive's site over HTTP on loopback until SIGINT or SIGTERM (exit 0).

use super::Outcome;
use crate::error::Result;
use crate::serve::ServeConfig;

/// `serve`: serve until stopped.
pub(crate) fn serve(config: &ServeConfig) -> Result<Outcome> {
    crate::serve::run(config)?;
    Ok(Outcome::default())
}

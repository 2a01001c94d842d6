//! `serve`: the archive's site over HTTP on loopback until SIGINT or SIGTERM (exit 0).

use super::Outcome;
use crate::error::Result;
use crate::serve::ServeConfig;

/// `serve`: serve until stopped.
pub(crate) fn serve(config: &ServeConfig) -> Result<Outcome> {
    // The CSP header must not hide the remote images of a site rendered to show them.
    let config = ServeConfig {
        remote_images: super::remember::remote_images(&config.dir),
        ..config.clone()
    };
    crate::serve::run(&config)?;
    Ok(Outcome::default())
}

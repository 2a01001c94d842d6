//! `search`: find messages in the raw records, grep-style. Exit codes follow grep (0 found,
//! 1 nothing found, 2 error) whatever the error.

use super::Outcome;
use crate::error::{Error, Result};
use crate::search::SearchConfig;

/// `search`: print the matches on standard output.
pub(crate) fn search(config: &SearchConfig) -> Result<Outcome> {
    let found = crate::search::run(config).map_err(|e| Error::Search(Box::new(e)))?;
    Ok(Outcome {
        exit_code: found.exit_code(),
    })
}

//! The process exit codes (SPEC §1): one table for every command but `search`, which
//! follows grep (0 found, 1 nothing found, 2 error).

use serde::{Serialize, Serializer};

/// How a command ended, as its process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExitCode {
    /// Done: every listed session archived, or the command did what was asked.
    #[default]
    Done,
    /// Partly done: some sessions failed or the run stopped early; the rest is archived.
    Partial,
    /// A usage or configuration error, including credentials the API rejected.
    Usage,
    /// Integrity: `verify` found a mismatch, or a writing command found changed evidence.
    Integrity,
    /// Try again later: the archive is locked by another writer, or the API unreachable.
    TryLater,
    /// Refused by policy (a legal hold, a retention minimum).
    Refused,
    /// Interrupted by SIGINT in a batch command; what was done is kept.
    Interrupted,
}

impl ExitCode {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Done => 0,
            ExitCode::Partial => 1,
            ExitCode::Usage => 2,
            ExitCode::Integrity => 3,
            ExitCode::TryLater => 4,
            ExitCode::Refused => 5,
            ExitCode::Interrupted => 130,
        }
    }

    /// The table printed by `--help` and the man page.
    pub const TABLE: &'static str = "\
Exit codes:
  0    done: every listed session archived, or the command did what was asked
  1    partly done: some sessions failed or the run stopped early; the rest is archived
  2    usage or configuration error, including credentials or application rejected by the API
  3    integrity: verify (or verify --remote) found a mismatch, or a command found changed evidence
  4    try again later: locked by another writer, or the API could not be reached (or the store)
  5    refused by policy: a legal hold, or a retention below the archive's minimum
  130  interrupted by SIGINT (what was done is kept, the bag valid)
`search` follows grep instead: 0 found, 1 nothing found, 2 error.";
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

impl Serialize for ExitCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_code() {
        for code in [
            ExitCode::Done,
            ExitCode::Partial,
            ExitCode::Usage,
            ExitCode::Integrity,
            ExitCode::TryLater,
            ExitCode::Refused,
            ExitCode::Interrupted,
        ] {
            let line = format!("\n  {:<4} ", code.code());
            assert!(ExitCode::TABLE.contains(&line), "{line:?}");
        }
    }
}

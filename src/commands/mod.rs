//! One module per subcommand, each a short list of pipeline stages, plus the steps they
//! share ([`steps`]) and the run report ([`report`]).

mod archive;
mod disclose;
mod erase;
mod export;
mod hold;
mod listen;
mod prune;
mod publish;
mod remember;
mod render;
mod report;
mod search;
mod serve;
mod share;
mod steps;
mod usersig;
mod verify;

pub(crate) use archive::{Then, archive};
pub(crate) use erase::erase;
pub(crate) use export::export;
pub(crate) use hold::hold;
pub(crate) use listen::listen;
pub(crate) use prune::prune;
pub(crate) use publish::{publish, verify_remote};
pub(crate) use render::render;
pub(crate) use search::search;
pub(crate) use serve::serve;
pub(crate) use share::share;
pub(crate) use usersig::usersig;
pub(crate) use verify::verify;

use crate::config::Verbosity;
use crate::exit::ExitCode;

/// How a command ended.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The process exit code it calls for.
    pub exit_code: ExitCode,
}

/// Where and how much a command reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    /// How much goes to standard error.
    pub verbosity: Verbosity,
    /// Whether standard output gets the summary as one JSON object.
    pub json: bool,
}

//! desk-archive: turn Tencent Cloud Chat desk sessions into a durable, readable, verifiable
//! static website (a BagIt bag).
//!
//! Data flows one way: [`cli`] → [`config`] → [`fetch`] → [`records`] → [`render`] → [`bag`],
//! with [`stats`] computed from records and [`commands`] running one subcommand each;
//! [`search`] and [`serve`] read a finished archive.

pub(crate) mod assets;
pub mod audit;
pub mod bag;
pub mod cli;
pub(crate) mod commands;
pub mod config;
pub mod coverage;
pub mod digest;
pub mod error;
pub(crate) mod exit;
pub mod export;
pub mod fetch;
pub(crate) mod fsutil;
pub mod lifecycle;
pub mod listen;
pub mod lock;
pub(crate) mod manual;
pub mod media;
pub mod media_index;
pub mod model;
pub mod progress;
pub mod publish;
pub mod records;
pub mod redact;
pub mod render;
pub mod search;
pub mod serve;
pub(crate) mod sessions;
pub mod shard;
pub mod share;
pub mod state;
pub mod stats;
pub mod throttle;
pub mod usersig;
pub mod wal;

#[cfg(test)]
mod testutil;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use error::{Error, Result};
pub use exit::ExitCode;

use config::{Config, Task};

/// Runs one resolved command and returns its exit code.
pub fn run(config: Config) -> Result<ExitCode> {
    // A daemon says what it does at info level: one line per fetch batch and render.
    init_logging(config.verbosity, matches!(config.task, Task::Listen(_)));
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let output = commands::Output {
        verbosity: config.verbosity,
        json: config.json,
    };
    let outcome = match config.task {
        Task::Archive(c) => fetch_then(c, commands::Then::Render, output)?,
        Task::Fetch(c) => fetch_then(c, commands::Then::StopAfterFetch, output)?,
        Task::Listen(c) => commands::listen(*c, output, interrupt_flag()?)?,
        Task::Render(c) => commands::render(&c, output, interrupt_flag()?)?,
        Task::Verify { dir, lock_wait } => commands::verify(&dir, lock_wait, output)?,
        Task::VerifyRemote(c) => commands::verify_remote(&c, output)?,
        Task::Publish(c) => {
            let flag = interrupt_flag()?;
            commands::publish(&c, output, &flag)?
        }
        Task::Erase(c) => commands::erase(&c, output)?,
        Task::Hold(c) => commands::hold(&c, output)?,
        Task::Prune(c) => commands::prune(&c, output)?,
        Task::Usersig(c) => commands::usersig(&c)?,
        Task::Search(c) => commands::search(&c)?,
        Task::Serve(c) => commands::serve(&c)?,
        Task::Share(c) => commands::share(&c, output)?,
        Task::Export(c) => commands::export(c, output, interrupt_flag()?)?,
        Task::Completions { shell } => {
            manual::print(&manual::completions(shell))?;
            commands::Outcome::default()
        }
        Task::Man => {
            manual::print(&manual::man_page()?)?;
            commands::Outcome::default()
        }
    };
    Ok(outcome.exit_code)
}

fn fetch_then(
    mut config: config::ArchiveConfig,
    then: commands::Then,
    output: commands::Output,
) -> Result<commands::Outcome> {
    let flag = interrupt_flag()?;
    config.fetch.cancel = Some(flag.clone());
    commands::archive(&config, then, output, flag)
}

/// SIGINT and SIGTERM set a flag instead of killing the process, so a writing command can
/// stop fetching and still leave a valid bag; a second signal ends the process at once.
fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let registered =
            signal_hook::flag::register_conditional_shutdown(signal, 130, flag.clone())
                .and_then(|_| signal_hook::flag::register(signal, flag.clone()));
        if let Err(e) = registered {
            return Err(Error::Setup(format!(
                "cannot install the signal handler: {e}"
            )));
        }
    }
    Ok(flag)
}

fn init_logging(verbosity: config::Verbosity, daemon: bool) {
    // Only our own crate logs: the HTTP stack's debug lines can carry request URLs, and
    // ours carry the UserSig.
    let filter = match verbosity {
        config::Verbosity::Quiet => "desk_archive=error",
        config::Verbosity::Normal if daemon => "desk_archive=info",
        config::Verbosity::Normal => "desk_archive=warn",
        config::Verbosity::Verbose => "desk_archive=debug",
    };
    let colour = progress::colour();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .event_format(progress::LineFormat { colour })
        .try_init();
}

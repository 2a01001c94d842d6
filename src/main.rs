//! The `desk-archive` binary: parse the command line, resolve the configuration, run one
//! command, print the error chain, exit with the command's code (SPEC §1).

use std::process::ExitCode;

use clap::Parser;
use desk_archive::cli::Cli;
use desk_archive::config::{Config, Sources};

/// jemalloc instead of the system allocator: rendering allocates and frees many small
/// strings per message on every thread, and glibc's malloc and free were 14 % of a render's
/// processor time (10,000 × 100 messages: 18.2 → 15.7 s of user time).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = |name: &str| std::env::var(name).ok();
    let cwd = std::env::current_dir().unwrap_or_default();
    let sources = Sources { env: &env, cwd };
    let result = Config::from_cli(cli, &sources).and_then(desk_archive::run);
    match result {
        Ok(code) => code.into(),
        Err(error) => {
            let prefix = desk_archive::progress::prefix("error", desk_archive::progress::colour());
            let mut chain = desk_archive::error::chain(&error);
            if let Some(outer) = chain.next() {
                eprintln!("{prefix}{outer}");
            }
            for cause in chain {
                eprintln!("  caused by: {cause}");
            }
            error.exit_code().into()
        }
    }
}

//! The `desk-archive` binary: parse the command line, resolve the configuration, run one
//! command, print the error chain, exit with the command's code (SPEC §1).

use std::process::ExitCode;

use clap::Parser;
use desk_archive::cli::Cli;
use desk_archive::config::{Config, Sources};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = |name: &str| std::env::var(name).ok();
    let cwd = std::env::current_dir().unwrap_or_default();
    let sources = Sources { env: &env, cwd };
    let result = Config::from_cli(cli, &sources).and_then(desk_archive::run);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let prefix = desk_archive::progress::prefix("error", desk_archive::progress::colour());
            eprintln!("{prefix}{error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::from(error.exit_code())
        }
    }
}

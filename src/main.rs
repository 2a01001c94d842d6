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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Known before anything can fail, so that a script asking for JSON always gets one
    // object, usage errors included (SPEC §1).
    let json_flag = args.iter().skip(1).any(|a| a == "--json");
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => return clap_error(error, json_flag),
    };
    let env = |name: &str| std::env::var(name).ok();
    let cwd = std::env::current_dir().unwrap_or_default();
    let sources = Sources { env: &env, cwd };
    let (result, json) = match Config::from_cli(cli, &sources) {
        Ok(config) => {
            let json = config.json;
            (desk_archive::run(config), json)
        }
        Err(error) => (Err(error), json_flag),
    };
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
            let code = error.exit_code();
            if json {
                print_error_json(code, &desk_archive::error::one_line(&error));
            }
            code.into()
        }
    }
}

/// A command line clap could not read: its message (help and version are not errors),
/// and with `--json` the one JSON object on standard output.
fn clap_error(error: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    let is_help = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let _ = error.print();
    if is_help {
        return ExitCode::SUCCESS;
    }
    if json {
        let message = error.kind().as_str().unwrap_or("invalid command line");
        let first = error.to_string();
        let line = first
            .lines()
            .next()
            .map_or(message, |l| l.trim_start_matches("error: "));
        print_error_json(desk_archive::ExitCode::Usage, line);
    }
    desk_archive::ExitCode::Usage.into()
}

/// `{"exit_code": N, "error": "..."}` on standard output.
fn print_error_json(code: desk_archive::ExitCode, message: &str) {
    let object = serde_json::json!({"exit_code": code, "error": message});
    println!("{object}");
}

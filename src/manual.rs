//! The shell completion scripts and the man page, both generated from the clap definitions
//! in [`crate::cli`] so they never drift from `--help`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// The program name completions and the man page are written for.
const BIN: &str = "desk-archive";

/// The completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut out);
    out
}

/// The man page (roff): the top-level page, then one section per subcommand with its
/// synopsis, options and examples.
pub(crate) fn man_page() -> Result<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    let top = clap_mangen::Man::new(cmd.clone()).date(build_date());
    top.render(&mut out).map_err(roff_error)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let heading = format!("{BIN} {}", sub.get_name()).to_uppercase();
        writeln!(out, ".SH \"{heading}\"").map_err(roff_error)?;
        let mut part = Vec::new();
        let man = clap_mangen::Man::new(sub.clone());
        man.render_synopsis_section(&mut part).map_err(roff_error)?;
        man.render_description_section(&mut part)
            .map_err(roff_error)?;
        man.render_options_section(&mut part).map_err(roff_error)?;
        man.render_extra_section(&mut part).map_err(roff_error)?;
        // The subcommand's own sections become subsections of its heading; the roff
        // preamble each part repeats was already written once by the top-level page.
        for line in String::from_utf8_lossy(&part).lines() {
            if line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq") {
                continue;
            }
            match line.strip_prefix(".SH ") {
                Some(title) => writeln!(out, ".SS {title}"),
                None => writeln!(out, "{line}"),
            }
            .map_err(roff_error)?;
        }
    }
    // clap_mangen calls the after-help section "EXTRA"; man pages say NOTES.
    let page = String::from_utf8_lossy(&out)
        .replace("\n.SH EXTRA\n", "\n.SH NOTES\n")
        .replace("\n.SS EXTRA\n", "\n.SS NOTES\n");
    Ok(point_subcommands_here(&page).into_bytes())
}

/// clap_mangen lists each subcommand as a page of its own (`desk-archive-fetch(1)`), but
/// there is one page: each subcommand is a section of it, so the list names the section.
fn point_subcommands_here(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for line in page.lines() {
        let section = line
            .strip_prefix("desk\\-archive\\-")
            .and_then(|rest| rest.strip_suffix("(1)"));
        match section {
            // `help` has no section: it prints the help of the command named after it.
            Some("help") => out.push_str("desk\\-archive help COMMAND"),
            Some(name) => {
                out.push_str("desk\\-archive ");
                out.push_str(name);
                out.push_str(" (section \\(lq");
                out.push_str(&format!("{BIN} {name}").to_uppercase().replace('-', "\\-"));
                out.push_str("\\(rq below)");
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The page's date: SOURCE_DATE_EPOCH when set (reproducible builds), else empty, so the
/// same binary always prints the same page.
fn build_date() -> String {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn roff_error(source: std::io::Error) -> Error {
    Error::io("write", "the man page", source)
}

/// Writes `bytes` to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn print(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("write", "standard output", e))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::Elvish,
            clap_complete::Shell::PowerShell,
        ] {
            assert!(!completions(shell).is_empty(), "{shell}");
        }
    }

    #[test]
    fn man_page_has_every_subcommand_section() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
        for sub in ["ARCHIVE", "FETCH", "RENDER", "VERIFY", "USERSIG"] {
            assert!(
                page.contains(&format!(".SH \"DESK-ARCHIVE {sub}\"")),
                "{sub}"
            );
        }
        assert!(page.contains("DESK_SECRET_KEY"));
    }
}

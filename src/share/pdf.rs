//! `share --pdf`: the shared HTML printed by a locally installed Chromium or Chrome in
//! headless mode. The browser gets a fresh profile, background networking off, and
//! `--no-sandbox` only when we run as root (Chromium refuses to start as root otherwise).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Browser names looked for on PATH, in this order.
pub const BROWSERS: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// How long a print may take before the browser is stopped.
const PRINT_TIMEOUT: Duration = Duration::from_secs(120);

/// The browser to print with: `--chrome PATH`, else the first of [`BROWSERS`] on PATH.
pub fn find_browser(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        if path.is_file() {
            return Ok(path.to_owned());
        }
        return Err(Error::Usage(format!(
            "--chrome `{}` is not a file",
            path.display()
        )));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in BROWSERS {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(Error::Usage(
        "--pdf needs Chromium or Chrome, and none was found on PATH (chromium, chromium-browser, google-chrome, chrome): install one (Debian/Ubuntu: apt-get install chromium) or give --chrome PATH"
            .into(),
    ))
}

/// Prints `html` to `pdf`; `work` is a fresh directory for the browser's profile.
pub fn print(browser: &Path, html: &Path, pdf: &Path, work: &Path) -> Result<()> {
    let html = std::path::absolute(html).map_err(|e| Error::io("resolve", html, e))?;
    let url = url::Url::from_file_path(&html)
        .map_err(|()| Error::Usage(format!("cannot make a file URL of `{}`", html.display())))?;
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--no-pdf-header-footer",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
    ]);
    if running_as_root() {
        cmd.arg("--no-sandbox");
    }
    cmd.arg(format!(
        "--user-data-dir={}",
        work.join("profile").display()
    ))
    .arg(format!("--print-to-pdf={}", pdf.display()))
    .arg(url.as_str())
    .stdin(Stdio::null())
    .stdout(Stdio::null());
    // To a file, not a pipe: a chatty browser would fill a pipe nobody reads while waiting.
    let log_path = work.join("browser.log");
    let log = std::fs::File::create(&log_path).map_err(|e| Error::io("create", &log_path, e))?;
    cmd.stderr(log);
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Usage(format!("cannot start `{}`: {e}", browser.display())))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > PRINT_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(browser, "it did not finish within 120 s"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(failed(browser, &e.to_string())),
        }
    };
    let stderr = std::fs::read_to_string(&log_path).unwrap_or_default();
    let printed = std::fs::metadata(pdf).is_ok_and(|m| m.len() > 0);
    if !status.success() || !printed {
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(failed(browser, &format!("{status}: {last}")));
    }
    Ok(())
}

fn failed(browser: &Path, why: &str) -> Error {
    Error::io(
        "print the PDF with",
        browser,
        std::io::Error::other(why.to_owned()),
    )
}

#[cfg(unix)]
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(not(unix))]
fn running_as_root() -> bool {
    false
}

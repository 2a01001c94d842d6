//! What a run prints on standard error (SPEC §1): an indicatif bar per phase on a terminal,
//! a plain line at most every few seconds otherwise, and log lines in one form,
//! `desk-archive: warning: …`. Standard output is for results only.

use std::fmt;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors only (`-q`).
    Quiet,
    /// Progress, warnings and the summary.
    Normal,
    /// Also debug lines (`-v`).
    Verbose,
}

/// Least time between two plain progress lines (when standard error is not a terminal).
const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// Whether standard error gets ANSI colour: it is a terminal and `NO_COLOR` is unset or
/// empty (<https://no-color.org>).
pub fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// The start of every diagnostic line: `desk-archive: <label>: `, the label coloured when
/// [`colour`] allows. An empty label gives `desk-archive: `.
pub fn prefix(label: &str, colour: bool) -> String {
    let code = match label {
        "error" => "1;31",
        "warning" => "1;33",
        _ => "2",
    };
    match (label.is_empty(), colour) {
        (true, _) => "desk-archive: ".to_owned(),
        (false, true) => format!("desk-archive: \x1b[{code}m{label}:\x1b[0m "),
        (false, false) => format!("desk-archive: {label}: "),
    }
}

/// A whole warning line, as printed on standard error.
pub fn warning_line(message: &str) -> String {
    format!("{}{message}", prefix("warning", colour()))
}

/// Formats tracing events in the tool's own form (`desk-archive: warning: …`) instead of
/// tracing's default (` WARN …`), so log lines and our own warnings look alike.
pub struct LineFormat {
    /// Colour the label.
    pub colour: bool,
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let label = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        write!(writer, "{}", prefix(label, self.colour))?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Runs `f` and logs how long it took at debug level (`-v`), with the process's peak
/// memory so far where the system tells it: `debug: <step>: 1.234 s, peak 45.1 MB`.
/// Where a run spends its time and memory, for users and for the benchmark (`bench/run.sh`).
pub fn timed<T>(step: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = f();
    let seconds = started.elapsed().as_secs_f64();
    match peak_memory_kb() {
        Some(kb) => tracing::debug!("{step}: {seconds:.3} s, peak {:.1} MB", kb as f64 / 1024.0),
        None => tracing::debug!("{step}: {seconds:.3} s"),
    }
    value
}

/// The process's peak resident memory (VmHWM) in KB, on Linux.
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One phase's progress ("fetch", "render").
pub struct Progress {
    phase: &'static str,
    unit: String,
    bar: Option<ProgressBar>,
    plain: bool,
    total: u64,
    done: AtomicU64,
    retries: AtomicU64,
    /// Messages fetched and requests sent (fetch only; 0 elsewhere).
    messages: AtomicU64,
    requests: AtomicU64,
    /// Bytes sent (publish only; 0 elsewhere).
    bytes: AtomicU64,
    started: Instant,
    /// When the last plain line was printed (or the phase started), and whether any was.
    plain_log: Mutex<PlainLog>,
}

struct PlainLog {
    last: Instant,
    printed_any: bool,
}

impl Progress {
    /// Starts a phase of `total` units. Draws a bar only when stderr is a terminal and not
    /// quiet; otherwise prints a plain line at most every 5 seconds.
    pub fn new(verbosity: Verbosity, phase: &'static str, unit: &str, total: u64) -> Progress {
        let quiet = verbosity == Verbosity::Quiet;
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let template = format!(
                "{{prefix:>7}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{rate}} eta {{eta}} {{msg}}"
            );
            if let Ok(style) = ProgressStyle::with_template(&template) {
                // indicatif's own {per_sec} prints every digit it has (8.3615/s).
                let style = style.with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1}/s", state.per_sec());
                    },
                );
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(phase);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            phase,
            unit: unit.to_owned(),
            bar,
            plain: !quiet && !terminal,
            total,
            done: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            started: Instant::now(),
            plain_log: Mutex::new(PlainLog {
                last: Instant::now(),
                printed_any: false,
            }),
        }
    }

    /// Counts `n` more units done.
    pub fn inc(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(n);
        } else if self.plain
            && let Ok(mut log) = self.plain_log.lock()
            && log.last.elapsed() >= PLAIN_INTERVAL
        {
            log.last = Instant::now();
            log.printed_any = true;
            eprintln!("{}", self.plain_line());
        }
    }

    /// Counts one retry; the bar's message shows the retries so far.
    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.refresh_message();
    }

    /// Counts one request sent (the bar shows requests per second).
    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.refresh_message();
    }

    /// Counts `n` messages fetched.
    pub fn messages(&self, n: u64) {
        self.messages.fetch_add(n, Ordering::Relaxed);
        self.refresh_message();
    }

    /// Counts `n` bytes sent (the bar shows bytes and bytes per second).
    pub fn bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        self.refresh_message();
    }

    fn refresh_message(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message(self.detail());
        }
    }

    /// `1,234 messages · 56 requests (12.3/s) · 2 retries`, leaving out what is zero.
    fn detail(&self) -> String {
        let mut parts = Vec::new();
        let messages = self.messages.load(Ordering::Relaxed);
        if messages > 0 {
            parts.push(format!("{messages} messages"));
        }
        let requests = self.requests.load(Ordering::Relaxed);
        if requests > 0 {
            let per_sec = requests as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            parts.push(format!("{requests} requests ({per_sec:.1}/s)"));
        }
        let bytes = self.bytes.load(Ordering::Relaxed);
        if bytes > 0 {
            let per_sec = bytes as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            parts.push(format!(
                "{} ({}/s)",
                size_text(bytes as f64),
                size_text(per_sec)
            ));
        }
        let retries = self.retries.load(Ordering::Relaxed);
        if retries > 0 {
            parts.push(retries_text(retries));
        }
        parts.join(" · ")
    }

    /// Prints a line without tearing the bar.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Ends the phase and removes the bar. A plain run that printed progress lines ends
    /// with one final line; a run short enough to print none stays quiet.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        } else if self.plain
            && let Ok(log) = self.plain_log.lock()
            && log.printed_any
        {
            eprintln!("{}", self.plain_line());
        }
    }

    fn plain_line(&self) -> String {
        let done = self.done.load(Ordering::Relaxed);
        let mut line = format!(
            "{}{}: {done}/{} {}",
            prefix("", false),
            self.phase,
            self.total,
            self.unit
        );
        let retries = self.retries.load(Ordering::Relaxed);
        if retries > 0 {
            line.push_str(&format!(", {}", retries_text(retries)));
        }
        line
    }
}

/// Bytes for people: `512 B`, `1.5 kB`, `12.3 MB`, `1.2 GB` (decimal units).
pub fn size_text(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000.0 {
        return format!("{bytes:.0} B");
    }
    let mut value = bytes / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

fn retries_text(n: u64) -> String {
    if n == 1 {
        "1 retry".to_owned()
    } else {
        format!("{n} retries")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_plain_without_colour() {
        assert_eq!(prefix("warning", false), "desk-archive: warning: ");
        assert_eq!(prefix("", true), "desk-archive: ");
        let coloured = prefix("error", true);
        assert!(coloured.contains("\x1b[1;31merror:\x1b[0m"), "{coloured:?}");
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(size_text(999.0), "999 B");
        assert_eq!(size_text(1500.0), "1.5 kB");
        assert_eq!(size_text(12_345_678.0), "12.3 MB");
        assert_eq!(size_text(2.5e12), "2.5 TB");
    }

    #[test]
    fn plain_line_counts_units_and_retries() {
        let p = Progress::new(Verbosity::Quiet, "fetch", "sessions", 10);
        p.inc(3);
        p.retry();
        p.retry();
        assert_eq!(
            p.plain_line(),
            "desk-archive: fetch: 3/10 sessions, 2 retries"
        );
    }
}

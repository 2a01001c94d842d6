//! Progress reporting: an indicatif bar per phase on a terminal, plain log lines otherwise
//! (SPEC §1). Everything goes to standard error; standard output is for results.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::Verbosity;

/// One phase's progress ("fetch", "render").
pub struct Progress {
    phase: &'static str,
    bar: Option<ProgressBar>,
    plain: bool,
    total: u64,
    done: AtomicU64,
    last_logged_tenth: Mutex<u64>,
}

impl Progress {
    /// Starts a phase of `total` units. Draws a bar only when stderr is a terminal and not
    /// quiet; otherwise logs a line at every tenth of the way.
    pub fn new(verbosity: Verbosity, phase: &'static str, unit: &str, total: u64) -> Progress {
        let quiet = verbosity == Verbosity::Quiet;
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let template = format!(
                "{{prefix:>7}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{per_sec}} eta {{eta}} {{msg}}"
            );
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(phase);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            phase,
            bar,
            plain: !quiet && !terminal,
            total,
            done: AtomicU64::new(0),
            last_logged_tenth: Mutex::new(0),
        }
    }

    /// Counts `n` more units done.
    pub fn inc(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        } else if self.plain && self.total > 0 {
            let tenth = done * 10 / self.total;
            if let Ok(mut last) = self.last_logged_tenth.lock()
                && tenth > *last
            {
                *last = tenth;
                eprintln!("desk-archive: {}: {done}/{}", self.phase, self.total);
            }
        }
    }

    /// Sets the bar's trailing message (e.g. retries so far).
    pub fn set_message(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// Prints a line without tearing the bar.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Ends the phase and removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

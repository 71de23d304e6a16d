//! A bulk run's progress on stderr: an indicatif bar when stderr is a terminal (done/total,
//! failed, rate, ETA), else a plain line every few seconds and at the end, so that a log file
//! gets readable lines and stdout (the summary) is never touched.
//!
//! The lines hold counts only: never a token.

use flxpoint_ext::import::Counts;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a plain line is written when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// The progress display of one run.
pub struct Progress {
    display: Display,
    /// What a unit is called ("shipments", "batches").
    unit: &'static str,
    started: Instant,
    /// Units done when the run started (a resumed journal).
    done_at_start: u64,
}

enum Display {
    Bar(ProgressBar),
    Plain { last: Instant },
}

impl Progress {
    /// A bar on a terminal, plain lines otherwise. `counts` are the run's first.
    pub fn new(unit: &'static str, counts: &Counts) -> Self {
        let display = if std::io::stderr().is_terminal() {
            let bar =
                ProgressBar::with_draw_target(Some(counts.total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} {msg} {per_sec} ETA {eta}",
            )
            .map(|s| s.progress_chars("#>-"))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_position(counts.done());
            bar.reset_eta();
            bar.set_message(message(unit, counts));
            bar.enable_steady_tick(Duration::from_millis(200));
            Display::Bar(bar)
        } else {
            Display::Plain { last: Instant::now() }
        };
        Self { display, unit, started: Instant::now(), done_at_start: counts.done() }
    }

    /// After a unit finished.
    pub fn update(&mut self, counts: &Counts) {
        match &mut self.display {
            Display::Bar(bar) => {
                bar.set_position(counts.done());
                bar.set_message(message(self.unit, counts));
            }
            Display::Plain { last } => {
                if last.elapsed() >= PLAIN_EVERY {
                    *last = Instant::now();
                    let line = self.plain_line(counts);
                    let _ = writeln!(std::io::stderr().lock(), "{line}");
                }
            }
        }
    }

    /// At the end of the run (finished or stopped): the bar's last state stays on screen; a
    /// plain line is written.
    pub fn finish(self, counts: &Counts) {
        match self.display {
            Display::Bar(bar) => {
                bar.set_position(counts.done());
                bar.set_message(message(self.unit, counts));
                bar.finish();
                drop(bar);
                // The finished bar stays on its line; what follows starts on the next.
                let _ = writeln!(std::io::stderr().lock());
            }
            Display::Plain { .. } => {
                let line = self.plain_line(counts);
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
        }
    }

    /// `flxpoint: shipments 120/300 done (0 failed), 19.8/s, ETA 9s`.
    fn plain_line(&self, counts: &Counts) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let this_run = counts.done().saturating_sub(self.done_at_start);
        let rate = if elapsed > 0.0 { this_run as f64 / elapsed } else { 0.0 };
        let left = counts.total.saturating_sub(counts.done());
        let eta = if left == 0 {
            "0s".to_owned()
        } else if rate > 0.0 {
            format!("{}s", (left as f64 / rate).ceil() as u64)
        } else {
            "unknown".to_owned()
        };
        format!(
            "flxpoint: {} {}/{} done ({} failed), {rate:.1}/s, ETA {eta}",
            self.unit,
            counts.done(),
            counts.total,
            counts.failed
        )
    }
}

fn message(unit: &str, counts: &Counts) -> String {
    format!("{unit} ({} failed)", counts.failed)
}

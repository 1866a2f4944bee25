//! What the streams are connected to, and the colors that follow from it.
//!
//! Colors are on with `--color always`, off with `--color never`, and with `--color auto` (the
//! default) on only when standard output is a terminal, `NO_COLOR` is unset or empty
//! (no-color.org) and `TERM` is not `dumb`.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::progress::Progress;

/// Which standard streams are terminals.
#[derive(Clone, Copy, Debug, Default)]
pub struct Terminal {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

impl Terminal {
    /// The process's own streams.
    pub fn detect() -> Terminal {
        Terminal {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// ANSI colors for the output, or none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    pub const PLAIN: Paint = Paint { enabled: false };

    /// The colors for a stream that is (or is not) a terminal.
    pub fn choose(choice: ColorChoice, is_terminal: bool) -> Paint {
        let enabled = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        };
        Paint { enabled }
    }

    pub fn enabled(self) -> bool {
        self.enabled
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }

    pub fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }

    pub fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    pub fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }

    pub fn cyan(self, text: &str) -> String {
        self.wrap("36", text)
    }

    /// One line of a unified diff, by its role. `header` marks the `---`/`+++` lines.
    pub fn diff_line(self, line: &str, header: bool) -> String {
        if header {
            self.bold(line)
        } else if line.starts_with("@@") {
            self.cyan(line)
        } else if line.starts_with('+') {
            self.green(line)
        } else if line.starts_with('-') {
            self.red(line)
        } else {
            line.to_string()
        }
    }
}

/// Runs `work` while a progress bar for `progress` is drawn on standard error, when `show`
/// (standard error is a terminal and `--quiet` was not given). The bar appears only once the work
/// has taken longer than a moment, and is cleared when it ends.
pub fn with_progress<T: Send>(
    progress: &Progress,
    show: bool,
    work: impl FnOnce() -> T + Send,
) -> T {
    if !show {
        return work();
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let drawer = scope.spawn(|| {
            let started = Instant::now();
            let mut drawn = false;
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(80));
                if started.elapsed() < Duration::from_millis(400) {
                    continue;
                }
                let (stage, done, total) = progress.snapshot();
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K{}", bar_line(stage, done, total, BAR_WIDTH));
                let _ = err.flush();
                drawn = true;
            }
            if drawn {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            }
        });
        let result = work();
        finished.store(true, Ordering::Relaxed);
        let _ = drawer.join();
        result
    })
}

const BAR_WIDTH: usize = 30;

/// `analysing files [=========>          ] 3120/10000`.
fn bar_line(stage: &str, done: usize, total: usize, width: usize) -> String {
    if total == 0 {
        return format!("{stage} …");
    }
    let filled = done * width / total;
    let head = if filled < width { ">" } else { "" };
    format!(
        "{stage} [{}{head}{}] {done}/{total}",
        "=".repeat(filled),
        " ".repeat(width - filled - head.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paint_leaves_text_alone() {
        let paint = Paint::choose(ColorChoice::Never, true);
        assert_eq!(paint.diff_line("+added", false), "+added");
        assert_eq!(paint.bold("x"), "x");
    }

    #[test]
    fn colors_mark_diff_lines_by_role() {
        let paint = Paint::choose(ColorChoice::Always, false);
        assert_eq!(paint.diff_line("+a", false), "\x1b[32m+a\x1b[0m");
        assert_eq!(paint.diff_line("-a", false), "\x1b[31m-a\x1b[0m");
        assert_eq!(
            paint.diff_line("@@ -1 +1 @@", false),
            "\x1b[36m@@ -1 +1 @@\x1b[0m"
        );
        assert_eq!(paint.diff_line("--- a.ts", true), "\x1b[1m--- a.ts\x1b[0m");
        assert_eq!(paint.diff_line(" same", false), " same");
    }

    #[test]
    fn the_bar_fills_with_the_work_done() {
        assert_eq!(
            bar_line("analysing files", 0, 10, 10),
            "analysing files [>         ] 0/10"
        );
        assert_eq!(
            bar_line("analysing files", 5, 10, 10),
            "analysing files [=====>    ] 5/10"
        );
        assert_eq!(
            bar_line("analysing files", 10, 10, 10),
            "analysing files [==========] 10/10"
        );
        assert_eq!(bar_line("reading files", 0, 0, 10), "reading files …");
    }

    #[test]
    fn hidden_progress_runs_the_work_alone() {
        let progress = Progress::default();
        assert_eq!(with_progress(&progress, false, || 42), 42);
        assert_eq!(with_progress(&progress, true, || 7), 7);
    }
}

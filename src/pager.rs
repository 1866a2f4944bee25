//! Showing a text longer than the terminal through the user's pager (`$PAGER`, by default
//! `less -R`), the way git does: `LESS=FRX` when `LESS` is unset, so that less keeps the text on
//! the screen when it quits and passes the colors through.

use std::io::{self, Write};
use std::process::{Command, Stdio};

/// Where texts are shown: straight on standard output, or through the pager when they are
/// taller than the terminal.
#[derive(Debug, Clone, Copy)]
pub struct Screen {
    /// The terminal's height in lines; `None` when standard output is not a terminal or its
    /// height is unknown (nothing is paged then).
    height: Option<usize>,
}

impl Screen {
    /// The screen of a run whose standard output is (or is not) a terminal: its height is
    /// `$LINES`, or what the terminal says.
    pub fn detect(stdout_is_terminal: bool) -> Screen {
        let from_env = std::env::var("LINES")
            .ok()
            .and_then(|lines| lines.trim().parse::<usize>().ok())
            .filter(|&lines| lines > 0);
        Screen {
            height: stdout_is_terminal
                .then(|| from_env.or_else(window_rows))
                .flatten(),
        }
    }

    /// Writes `text` to `out`, through the pager when it would not fit on the screen with
    /// `reserved` lines left below it (a prompt).
    pub fn show(&self, text: &str, reserved: usize, out: &mut dyn Write) -> io::Result<()> {
        match self.height {
            Some(height) if text.lines().count() + reserved > height => page(text, out),
            _ => out.write_all(text.as_bytes()),
        }
    }
}

/// Runs the pager on `text`, or prints it when the pager cannot start.
fn page(text: &str, out: &mut dyn Write) -> io::Result<()> {
    // What was written before must be on the screen before the pager's text.
    out.flush()?;
    let command = std::env::var("PAGER")
        .ok()
        .filter(|pager| !pager.trim().is_empty())
        .unwrap_or_else(|| "less -R".to_string());
    let mut words = command.split_whitespace();
    let Some(program) = words.next() else {
        return out.write_all(text.as_bytes());
    };
    let mut pager = Command::new(program);
    pager.args(words).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        pager.env("LESS", "FRX");
    }
    let Ok(mut child) = pager.spawn() else {
        return out.write_all(text.as_bytes());
    };
    let _ignored = IgnoredInterrupts::start();
    if let Some(mut input) = child.stdin.take() {
        // The reader may quit before the end (a broken pipe): that is their choice.
        let _ = input.write_all(text.as_bytes());
    }
    child.wait()?;
    Ok(())
}

/// While the pager runs, Ctrl-C is the pager's (less interrupts a search with it); the review
/// goes on when the pager quits, and Ctrl-C at the prompt stops it as before. Restores the
/// previous disposition when dropped.
struct IgnoredInterrupts {
    #[cfg(unix)]
    previous: libc::sighandler_t,
}

impl IgnoredInterrupts {
    fn start() -> IgnoredInterrupts {
        IgnoredInterrupts {
            // SAFETY: replaces the SIGINT disposition with SIG_IGN; no handler code runs.
            #[cfg(unix)]
            previous: unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) },
        }
    }
}

impl Drop for IgnoredInterrupts {
    fn drop(&mut self) {
        // SAFETY: puts back the disposition `start` found (the default one, in practice).
        #[cfg(unix)]
        unsafe {
            libc::signal(libc::SIGINT, self.previous);
        }
    }
}

/// The terminal's height, as standard output's terminal reports it.
#[cfg(unix)]
fn window_rows() -> Option<usize> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` into `size`, which outlives the call.
    let result = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (result == 0 && size.ws_row > 0).then_some(usize::from(size.ws_row))
}

#[cfg(not(unix))]
fn window_rows() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_and_unknown_heights_are_printed() {
        let mut out = Vec::new();
        let screen = Screen { height: Some(10) };
        screen.show("one\ntwo\n", 1, &mut out).unwrap();
        let unknown = Screen { height: None };
        unknown.show(&"line\n".repeat(100), 1, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("one\ntwo\n{}", "line\n".repeat(100))
        );
    }
}

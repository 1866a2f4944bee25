//! routeshift: moves a Next.js project's Pages Router API routes onto the App Router.
//!
//! The pipeline runs one way: [`project`] discovers the files, [`plan`] parses each once and asks
//! the pure `transforms` crate for the rewrites, [`present`] shows them as diffs, and [`apply`]
//! writes them (on a git branch, one commit per route). Only this crate touches the disk, git or
//! the terminal.

pub mod apply;
pub mod apps;
pub mod callgraph;
pub mod classify_report;
pub mod cli;
pub mod error;
pub mod features;
pub mod git;
pub mod interactive;
pub mod migrate_report;
pub mod pager;
pub mod plan;
pub mod present;
pub mod progress;
pub mod project;
pub mod terminal;
pub mod timings;
pub mod workspace;

use std::ffi::OsString;
use std::io::Write;

pub use error::Error;

/// Frees `value` on the thread pool while the caller goes on: a large run's plans, project and
/// parsed files are freed one allocation at a time, which kept the main thread busy for about
/// 50 ms (perf, bench project) after the JSON was out. The process may exit before it is done.
pub(crate) fn free_later<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}

/// Runs the command line with `args` (program name first), writing to the given streams (no
/// terminal), and returns the exit code: 0 success, 1 some routes failed, 2 usage or
/// environment error.
pub fn main_with_args<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    main_with_terminal(args, stdout, stderr, terminal::Terminal::default())
}

/// [`main_with_args`] for streams that may be terminals.
pub fn main_with_terminal<I, T>(
    args: I,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    terminal: terminal::Terminal,
) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    use clap::Parser;
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let rendered = error.render().to_string();
            let _ = if code == 0 {
                write!(stdout, "{rendered}")
            } else {
                write!(stderr, "{rendered}")
            };
            return code;
        }
    };
    let mut output = cli::Output {
        out: stdout,
        err: stderr,
        terminal,
    };
    match cli::run(cli, &mut output) {
        Ok(code) => code,
        Err(error) => {
            let stderr = output.err;
            let _ = writeln!(stderr, "error: {error}");
            if let Some(help) = error.help() {
                let _ = writeln!(stderr, "  help: {help}");
            }
            error.exit_code()
        }
    }
}

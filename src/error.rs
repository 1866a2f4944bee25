//! The failures that stop a run, each with a message, a hint and an exit code.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// The folder is not a Next.js project with a pages directory.
    NotNextProject {
        dir: PathBuf,
        reason: String,
    },
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    NotGitRepository {
        dir: PathBuf,
    },
    DirtyWorkingTree {
        files: Vec<String>,
    },
    BranchExists {
        branch: String,
    },
    Git {
        command: String,
        output: String,
    },
    /// `routeshift.toml` does not parse or names what does not exist.
    InvalidOverrides {
        problems: Vec<transforms::Diagnostic>,
    },
    /// `migrate --interactive` without a terminal to ask on (CI, a pipe).
    NotInteractive,
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Io { .. } | Error::Git { .. } => 1,
            _ => 2,
        }
    }

    pub fn help(&self) -> Option<String> {
        match self {
            Error::NotNextProject { .. } => Some("run routeshift in (or point it at) the folder that holds next.config and pages/".into()),
            Error::NotGitRepository { .. } => Some("pass --no-branch to write the changes into the working tree without git, or --dry-run to review them".into()),
            Error::DirtyWorkingTree { .. } => Some("commit or stash your changes first (or pass --allow-dirty to migrate on top of them)".into()),
            Error::BranchExists { .. } => Some("pick another name with --branch NAME, or delete the old branch".into()),
            Error::InvalidOverrides { .. } => Some("fix routeshift.toml (each problem above says how) and run routeshift again".into()),
            Error::NotInteractive => Some("run it in a terminal, or review the plan with --dry-run and apply it with `routeshift migrate` (without --interactive)".into()),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotNextProject { dir, reason } => {
                write!(f, "{} is not a Next.js project: {reason}", dir.display())
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::NotGitRepository { dir } => {
                write!(f, "{} is not inside a git repository", dir.display())
            }
            Error::DirtyWorkingTree { files } => {
                write!(
                    f,
                    "the working tree has uncommitted changes ({})",
                    files.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                )?;
                if files.len() > 5 {
                    write!(f, " and {} more", files.len() - 5)?;
                }
                Ok(())
            }
            Error::BranchExists { branch } => write!(f, "the branch `{branch}` already exists"),
            Error::Git { command, output } => write!(f, "`{command}` failed: {}", output.trim()),
            Error::InvalidOverrides { problems } => {
                write!(f, "routeshift.toml cannot be used:")?;
                for problem in problems {
                    write!(f, "\n  {problem}")?;
                }
                Ok(())
            }
            Error::NotInteractive => write!(
                f,
                "--interactive asks a question per route, but standard input is not a terminal"
            ),
        }
    }
}

impl std::error::Error for Error {}

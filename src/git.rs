//! The few git commands routeshift needs, run through the user's own `git` (their config and
//! hooks apply).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

pub struct Repository {
    /// Where commands run: the project folder (pathspecs are relative to it).
    dir: PathBuf,
}

impl Repository {
    /// The repository the folder is in, if any.
    pub fn discover(dir: &Path) -> Option<Repository> {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--show-toplevel"])
            .output()
            .ok()?;
        output.status.success().then(|| Repository {
            dir: dir.to_path_buf(),
        })
    }

    /// The same repository, with commands run in `dir` (another app of a workspace).
    pub fn at(&self, dir: &Path) -> Repository {
        Repository {
            dir: dir.to_path_buf(),
        }
    }

    fn run(&self, args: &[&str]) -> Result<String, Error> {
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .output()
            .map_err(|source| Error::Io {
                path: PathBuf::from("git"),
                source,
            })?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
            text.push_str(&String::from_utf8_lossy(&output.stdout));
            Err(Error::Git {
                command: format!("git {}", args.join(" ")),
                output: text,
            })
        }
    }

    /// Paths with uncommitted changes anywhere in the repository (untracked files included).
    pub fn dirty_files(&self) -> Result<Vec<String>, Error> {
        let status = self.run(&["status", "--porcelain", "--untracked-files=normal"])?;
        Ok(status
            .lines()
            .map(|line| line.get(3..).unwrap_or(line).to_string())
            .collect())
    }

    pub fn branch_exists(&self, branch: &str) -> Result<bool, Error> {
        Ok(self
            .run(&[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{branch}"),
            ])
            .is_ok())
    }

    pub fn create_and_switch(&self, branch: &str) -> Result<(), Error> {
        self.run(&["checkout", "-q", "-b", branch]).map(|_| ())
    }

    /// Stages exactly `paths` (additions, changes and deletions) and commits them.
    pub fn commit_paths(&self, paths: &[String], message: &str) -> Result<(), Error> {
        let mut add = vec!["add", "-A", "--"];
        add.extend(paths.iter().map(String::as_str));
        self.run(&add)?;
        let mut commit = vec!["commit", "-q", "-m", message, "--"];
        commit.extend(paths.iter().map(String::as_str));
        self.run(&commit).map(|_| ())
    }
}

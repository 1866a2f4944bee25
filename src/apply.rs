//! Writing a plan: atomically, never over a file that changed since it was read, and on a git
//! branch with one commit per route unless asked otherwise.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use transforms::edit::apply as apply_edits;

use crate::error::Error;
use crate::git::Repository;
use crate::plan::{FileOperation, Plan, RoutePlan, RouteStatus, SharedFile};

pub enum Target {
    /// Write into the working tree, no git.
    WorkingTree,
    /// Create `branch`, commit each route.
    Branch { branch: String, allow_dirty: bool },
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Routes written (and committed), by URL.
    pub applied: Vec<String>,
    /// Routes skipped because a file changed under us: (URL, reason).
    pub skipped: Vec<(String, String)>,
}

/// Checks everything that could stop the run before a single file is written.
pub fn prepare(root: &Path, target: &Target) -> Result<Option<Repository>, Error> {
    let Target::Branch {
        branch,
        allow_dirty,
    } = target
    else {
        return Ok(None);
    };
    let repository = Repository::discover(root).ok_or_else(|| Error::NotGitRepository {
        dir: root.to_path_buf(),
    })?;
    if !allow_dirty {
        let dirty = repository.dirty_files()?;
        if !dirty.is_empty() {
            return Err(Error::DirtyWorkingTree { files: dirty });
        }
    }
    if repository.branch_exists(branch)? {
        return Err(Error::BranchExists {
            branch: branch.clone(),
        });
    }
    Ok(Some(repository))
}

/// Applies the converted routes of `plan` whose index is in `accepted`.
pub fn apply(
    root: &Path,
    plan: &Plan,
    accepted: &[usize],
    target: &Target,
    log: &mut dyn Write,
) -> Result<ApplyReport, Error> {
    let repository = start(root, target, log)?;
    write(root, repository.as_ref(), plan, accepted, log)
}

/// Checks again that the run may write (see [`prepare`]) and creates the branch: the repository
/// to commit to, if any.
pub fn start(
    root: &Path,
    target: &Target,
    log: &mut dyn Write,
) -> Result<Option<Repository>, Error> {
    let repository = prepare(root, target)?;
    if let (Some(repository), Target::Branch { branch, .. }) = (&repository, target) {
        repository.create_and_switch(branch)?;
        let _ = writeln!(log, "on new branch {branch}");
    }
    Ok(repository)
}

/// Writes the converted routes of `plan` (an app at `root`) whose index is in `accepted`,
/// committing each to `repository` when there is one.
pub fn write(
    root: &Path,
    repository: Option<&Repository>,
    plan: &Plan,
    accepted: &[usize],
    log: &mut dyn Write,
) -> Result<ApplyReport, Error> {
    // Pathspecs are relative to the app.
    let repository = repository.map(|r| r.at(root));
    let routes: Vec<&RoutePlan> = accepted
        .iter()
        .filter_map(|&i| plan.routes.get(i))
        .filter(|r| r.status == RouteStatus::Converted)
        .collect();
    let mut report = ApplyReport::default();

    // Shared files first, each once.
    let mut shared_needed: Vec<usize> = routes
        .iter()
        .flat_map(|r| r.shared.iter().copied())
        .collect();
    shared_needed.sort_unstable();
    shared_needed.dedup();
    // Files with one purpose (a move of shared values: the new module, the route file and its
    // importers) are checked together, written together and committed together.
    let mut groups: Vec<Vec<&SharedFile>> = Vec::new();
    for index in shared_needed {
        let shared = &plan.shared[index];
        if shared.up_to_date {
            continue;
        }
        match groups.last_mut() {
            Some(group) if group[0].purpose == shared.purpose => group.push(shared),
            _ => groups.push(vec![shared]),
        }
    }
    for group in groups {
        for shared in &group {
            check_shared(root, shared)?;
        }
        for shared in &group {
            write_atomically(&root.join(&shared.path), &shared.contents)?;
            let _ = writeln!(log, "wrote {}", shared.path);
        }
        if let Some(repository) = &repository {
            let paths: Vec<String> = group.iter().map(|s| s.path.clone()).collect();
            let message = match group.as_slice() {
                [shared] => format!(
                    "routeshift: {} {}\n\n{}.",
                    if shared.original.is_some() {
                        "update"
                    } else {
                        "add"
                    },
                    shared.path,
                    shared.purpose
                ),
                _ => format!("routeshift: {}.", group[0].purpose),
            };
            repository.commit_paths(&paths, &message)?;
        }
    }

    // What each modified file should hold now, as routes before this one changed it.
    let mut expected: HashMap<String, (String, Vec<transforms::Edit>)> = HashMap::new();
    for route in routes {
        if let Err(reason) = check_unchanged(root, route, &expected) {
            let _ = writeln!(log, "skipped {}: {reason}", route.url);
            report.skipped.push((route.url.clone(), reason));
            continue;
        }
        let mut paths = Vec::new();
        for operation in &route.operations {
            let path = root.join(operation.path());
            match operation {
                FileOperation::Create { contents, .. } => write_atomically(&path, contents)?,
                FileOperation::Delete { .. } => {
                    std::fs::remove_file(&path).map_err(|source| Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                    remove_empty_parents(root, &path);
                }
                FileOperation::Modify {
                    path: relative,
                    original,
                    edits,
                } => {
                    let entry = expected
                        .entry(relative.clone())
                        .or_insert_with(|| (original.to_string(), Vec::new()));
                    entry.1.extend(edits.iter().cloned());
                    let updated = apply_edits(&entry.0, &entry.1).map_err(|_| Error::Io {
                        path: path.clone(),
                        source: std::io::Error::other(
                            "two routes edit the same place of this file",
                        ),
                    })?;
                    write_atomically(&path, &updated)?;
                }
            }
            paths.push(operation.path().to_string());
        }
        if let Some(repository) = &repository {
            repository.commit_paths(&paths, &commit_message(route))?;
        }
        let created = route.operations.iter().find_map(|o| match o {
            FileOperation::Create { path, .. } => Some(path.as_str()),
            _ => None,
        });
        let _ = match created {
            Some(path) => writeln!(log, "migrated {} → {path}", route.url),
            None => writeln!(
                log,
                "migrated {} → its feature service and entry points (no route handler needed)",
                route.url
            ),
        };
        report.applied.push(route.url.clone());
    }
    Ok(report)
}

fn commit_message(route: &RoutePlan) -> String {
    let target = if route.extracted {
        "a feature service and the App Router entry points"
    } else {
        "a route handler"
    };
    let mut message = format!("routeshift: migrate {} to {target}\n\n", route.url);
    for operation in &route.operations {
        message.push_str(&format!("{} {}\n", operation.verb(), operation.path()));
    }
    if !route.methods.is_empty() {
        message.push_str(&format!("Exports {}.\n", route.methods.join(", ")));
    }
    message
}

/// A route is written only if every file it touches is still as it was read.
fn check_unchanged(
    root: &Path,
    route: &RoutePlan,
    expected: &HashMap<String, (String, Vec<transforms::Edit>)>,
) -> Result<(), String> {
    for operation in &route.operations {
        let path = root.join(operation.path());
        match operation {
            FileOperation::Create { path: relative, .. } => {
                if path.exists() {
                    return Err(format!("{relative} appeared during the run"));
                }
            }
            FileOperation::Delete {
                path: relative,
                original,
            }
            | FileOperation::Modify {
                path: relative,
                original,
                ..
            } => {
                let now = std::fs::read_to_string(&path).map_err(|e| format!("{relative}: {e}"))?;
                let wanted = match expected.get(relative) {
                    Some((text, edits)) => apply_edits(text, edits).unwrap_or_default(),
                    None => original.to_string(),
                };
                if now != wanted {
                    return Err(format!("{relative} changed on disk during the run"));
                }
            }
        }
    }
    Ok(())
}

fn write_atomically(path: &Path, contents: &str) -> Result<(), Error> {
    let io = |source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(current) = dir {
        if current == root || !current.starts_with(root) || std::fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}

/// A shared file may be written: an update finds the file as it was read, a new file finds no
/// file or the same contents.
fn check_shared(root: &Path, shared: &SharedFile) -> Result<(), Error> {
    let path = root.join(&shared.path);
    if let Some(original) = &shared.original {
        let current = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        if current.as_str() != &**original {
            return Err(Error::Io {
                path,
                source: std::io::Error::other("changed on disk during the run"),
            });
        }
    } else if path.exists() {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != shared.contents {
            return Err(Error::Io {
                path,
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "appeared during the run with other contents",
                ),
            });
        }
    }
    Ok(())
}

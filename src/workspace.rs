//! Monorepos: the other packages of the workspace the app lives in, read for the call graph.
//!
//! A package the app depends on (directly or through another workspace package) is bundled
//! into the app: its code runs as the app's own. Any other package (a mobile app, a browser
//! extension, a worker) is deployed apart and can only reach the app over HTTP, with a base URL.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::project::{read_sources, SourceFile};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspacePackage {
    /// `@acme/ui`.
    pub name: String,
    /// The package folder relative to the app's root: `../../packages/ui`.
    pub dir: String,
    /// What the bare package name imports, relative to `dir` and without extension: `index`.
    pub entry: String,
    /// The app depends on it: its code runs inside the app.
    pub bundled: bool,
}

/// A source file of a workspace package; `file.path` is relative to the app's root.
#[derive(Debug, Clone)]
pub struct PackageFile {
    /// Index into the project's packages.
    pub package: usize,
    pub file: SourceFile,
}

#[derive(Debug, Default)]
pub struct Workspace {
    pub packages: Vec<WorkspacePackage>,
    pub files: Vec<PackageFile>,
    pub unreadable: Vec<(String, String)>,
}

/// How far up from the app a workspace root is looked for (`apps/web` is two levels down).
const MAX_DEPTH: usize = 4;

/// Finds the workspace around `app_root` and reads its other packages.
pub fn load(app_root: &Path) -> Workspace {
    let Some((workspace_root, patterns)) = find_root(app_root) else {
        return Workspace::default();
    };
    let app_manifest = read_json(&app_root.join("package.json"));
    let mut found: Vec<(PathBuf, serde_json::Value)> = Vec::new();
    for dir in expand(&workspace_root, &patterns) {
        let same = dir.canonicalize().ok() == app_root.canonicalize().ok();
        // A package folder that contains the app (or is it) is not a sibling.
        if same || app_root.starts_with(&dir) {
            continue;
        }
        if let Some(manifest) = read_json(&dir.join("package.json")) {
            found.push((dir, manifest));
        }
    }
    let names: Vec<String> = found
        .iter()
        .map(|(dir, manifest)| {
            manifest
                .get("name")
                .and_then(|n| n.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| dir.display().to_string())
        })
        .collect();

    // The app's workspace dependencies, and theirs.
    let mut bundled: HashSet<usize> = HashSet::new();
    let mut queue: Vec<Option<&serde_json::Value>> = vec![app_manifest.as_ref()];
    while let Some(manifest) = queue.pop() {
        for dependency in dependencies(manifest) {
            if let Some(index) = names.iter().position(|n| *n == dependency) {
                if bundled.insert(index) {
                    queue.push(Some(&found[index].1));
                }
            }
        }
    }

    let mut workspace = Workspace::default();
    for (index, (dir, manifest)) in found.iter().enumerate() {
        let relative = relative_path(app_root, dir);
        let entry = manifest
            .get("main")
            .or_else(|| manifest.get("module"))
            .and_then(|m| m.as_str())
            .map(|m| {
                let joined = transforms::imports::join("", m);
                joined
                    .rsplit_once('.')
                    .map_or(joined.clone(), |(stem, _)| stem.to_string())
            })
            .unwrap_or_else(|| "index".to_string());
        workspace.packages.push(WorkspacePackage {
            name: names[index].clone(),
            dir: relative.clone(),
            entry,
            bundled: bundled.contains(&index),
        });
        let (files, unreadable) = read_sources(dir);
        workspace
            .files
            .extend(files.into_iter().map(|file| PackageFile {
                package: index,
                file: SourceFile {
                    path: format!("{relative}/{}", file.path),
                    text: file.text,
                },
            }));
        workspace.unreadable.extend(
            unreadable
                .into_iter()
                .map(|(path, reason)| (format!("{relative}/{path}"), reason)),
        );
    }
    workspace
}

/// The nearest folder above `app_root` that declares workspaces, with its package patterns.
fn find_root(app_root: &Path) -> Option<(PathBuf, Vec<String>)> {
    let mut dir = app_root.parent();
    for _ in 0..MAX_DEPTH {
        let current = dir?;
        if let Some(manifest) = read_json(&current.join("package.json")) {
            let workspaces = manifest.get("workspaces");
            let list = workspaces.and_then(|w| w.as_array()).or_else(|| {
                workspaces
                    .and_then(|w| w.get("packages"))
                    .and_then(|p| p.as_array())
            });
            if let Some(list) = list {
                let patterns = list
                    .iter()
                    .filter_map(|p| p.as_str())
                    .map(str::to_string)
                    .collect();
                return Some((current.to_path_buf(), patterns));
            }
        }
        if let Ok(text) = std::fs::read_to_string(current.join("pnpm-workspace.yaml")) {
            return Some((current.to_path_buf(), pnpm_patterns(&text)));
        }
        dir = current.parent();
    }
    None
}

/// The `packages:` list of a pnpm-workspace.yaml (the only part routeshift needs).
fn pnpm_patterns(text: &str) -> Vec<String> {
    let mut patterns = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if !line.starts_with(' ') && !line.starts_with('-') && !trimmed.is_empty() {
            in_packages = trimmed.starts_with("packages:");
            continue;
        }
        if let (true, Some(item)) = (in_packages, trimmed.strip_prefix('-')) {
            let item = item.trim().trim_matches(|c| c == '\'' || c == '"');
            if !item.is_empty() {
                patterns.push(item.to_string());
            }
        }
    }
    patterns
}

/// Package folders named by workspace patterns: `apps/*`, `packages/**`, `tools/cli`.
fn expand(root: &Path, patterns: &[String]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for pattern in patterns {
        if pattern.starts_with('!') {
            continue;
        }
        let pattern = pattern.trim_end_matches('/');
        let (base, wildcard) = match pattern
            .strip_suffix("/**")
            .or_else(|| pattern.strip_suffix("/*"))
        {
            Some(base) => (base, true),
            None => (pattern, false),
        };
        let base = root.join(base);
        if !wildcard {
            dirs.push(base);
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut children: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        children.sort();
        dirs.extend(children);
    }
    dirs.dedup();
    dirs
}

/// Every package a manifest depends on (dependencies, dev and peer).
pub fn dependencies(manifest: Option<&serde_json::Value>) -> impl Iterator<Item = String> + '_ {
    ["dependencies", "devDependencies", "peerDependencies"]
        .into_iter()
        .filter_map(move |key| manifest?.get(key)?.as_object())
        .flat_map(|deps| deps.keys().cloned())
}

/// The version range a manifest gives `package` (dependencies, dev or peer).
pub fn dependency_range(manifest: &serde_json::Value, package: &str) -> Option<String> {
    ["dependencies", "devDependencies", "peerDependencies"]
        .into_iter()
        .find_map(|key| manifest.get(key)?.get(package)?.as_str())
        .map(str::to_string)
}

pub fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// `to` relative to `from`, with `/` separators: `../../packages/ui`.
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_string(), from.len() - common).collect();
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnpm_workspace_patterns() {
        let yaml = "packages:\n  - 'apps/*'\n  - \"packages/**\"\n  - '!**/test/**'\ncatalog:\n  react: ^19\n";
        assert_eq!(
            pnpm_patterns(yaml),
            ["apps/*", "packages/**", "!**/test/**"]
        );
    }

    #[test]
    fn relative_paths_climb_out_of_the_app() {
        assert_eq!(
            relative_path(Path::new("/r/apps/web"), Path::new("/r/packages/ui")),
            "../../packages/ui"
        );
    }
}

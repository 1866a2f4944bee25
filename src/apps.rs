//! Which Next.js apps a run covers: the folder the user names when it is one, the app named
//! with `--app`, or every app below a workspace root (a folder with `pages/api` or
//! `src/pages/api` and a `next` dependency).

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::project::{has_next_dependency, SKIPPED_DIRS};

/// How deep below a workspace root apps are looked for (`apps/web`, `packages/site/app`).
const MAX_DEPTH: usize = 6;

/// One app of the run.
#[derive(Debug, Clone)]
pub struct App {
    /// Where it is on disk.
    pub root: PathBuf,
    /// Where it is relative to the folder the user named (`apps/web`), `.` for the folder
    /// itself; paths in the output of several apps start with it.
    pub label: String,
}

/// The apps under `dir`, or the one `app` names (relative to `dir`).
pub fn find(dir: &Path, app: Option<&Path>) -> Result<Vec<App>, Error> {
    let dir = dir.canonicalize().map_err(|_| Error::NotNextProject {
        dir: dir.to_path_buf(),
        reason: "the folder does not exist".into(),
    })?;
    if let Some(app) = app {
        let root = dir.join(app);
        let root = root.canonicalize().map_err(|_| Error::NotNextProject {
            dir: root.clone(),
            reason: "the folder given with --app does not exist".into(),
        })?;
        return Ok(vec![App {
            label: label(&dir, &root),
            root,
        }]);
    }
    if has_pages(&dir) {
        return Ok(vec![App {
            root: dir,
            label: ".".into(),
        }]);
    }
    let mut apps = Vec::new();
    let mut walker = walkdir::WalkDir::new(&dir)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_dir() || entry.depth() == 0 {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if SKIPPED_DIRS.contains(&name.as_ref()) || name.starts_with('.') {
            walker.skip_current_dir();
            continue;
        }
        let path = entry.path();
        let has_api = path.join("pages/api").is_dir() || path.join("src/pages/api").is_dir();
        if has_api && has_next_dependency(path) {
            apps.push(App {
                label: label(&dir, path),
                root: path.to_path_buf(),
            });
            // An app's own folders are its code, not more apps.
            walker.skip_current_dir();
        }
    }
    if apps.is_empty() {
        return Err(Error::NotNextProject {
            dir,
            reason:
                "it has no pages/ or src/pages/ folder, and no Next.js app with pages/api below it"
                    .into(),
        });
    }
    Ok(apps)
}

fn has_pages(dir: &Path) -> bool {
    dir.join("pages").is_dir() || dir.join("src/pages").is_dir()
}

fn label(dir: &Path, root: &Path) -> String {
    match root.strip_prefix(dir) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".into(),
        Ok(relative) => relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => root.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const NEXT: &str = r#"{ "dependencies": { "next": "15.5.0" } }"#;

    #[test]
    fn finds_each_app_of_a_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "package.json",
            r#"{ "workspaces": ["apps/*", "packages/*"] }"#,
        );
        write(root, "apps/web/package.json", NEXT);
        write(root, "apps/web/pages/api/a.ts", "");
        write(root, "apps/docs/package.json", NEXT);
        write(root, "apps/docs/src/pages/api/b.ts", "");
        // Pages but no API routes, a package without next, and dependencies: not apps.
        write(root, "apps/blog/package.json", NEXT);
        write(root, "apps/blog/pages/index.tsx", "");
        write(root, "packages/ui/package.json", "{}");
        write(root, "packages/ui/pages/api/c.ts", "");
        write(root, "node_modules/x/package.json", NEXT);
        write(root, "node_modules/x/pages/api/d.ts", "");
        let apps = find(root, None).unwrap();
        let labels: Vec<&str> = apps.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["apps/docs", "apps/web"]);
    }

    #[test]
    fn a_project_folder_is_its_own_app_and_app_names_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "apps/web/package.json", NEXT);
        write(root, "apps/web/pages/api/a.ts", "");
        let named = find(root, Some(Path::new("apps/web"))).unwrap();
        assert_eq!(named[0].label, "apps/web");
        let itself = find(&root.join("apps/web"), None).unwrap();
        assert_eq!(itself[0].label, ".");
    }

    #[test]
    fn a_folder_without_apps_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "README.md", "");
        assert!(matches!(
            find(dir.path(), None),
            Err(Error::NotNextProject { .. })
        ));
    }
}

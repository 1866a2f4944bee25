//! Discovery: is this a Next.js project, where is its pages folder, which files are API routes,
//! and every other source file (read once, for the import graph).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use transforms::classify::overrides::{self, RouteOverride};
use transforms::parse::ParsedFile;
use transforms::route_path::api_route;

use crate::error::Error;
use crate::workspace;

/// Folders never walked into.
pub(crate) const SKIPPED_DIRS: [&str; 10] = [
    "node_modules",
    ".next",
    "out",
    "dist",
    "build",
    "coverage",
    ".git",
    ".vercel",
    ".turbo",
    ".swc",
];
const SOURCE_EXTENSIONS: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"];
/// The names Next.js reads its configuration from, in the order it looks for them.
pub const NEXT_CONFIG_FILES: [&str; 5] = [
    "next.config.js",
    "next.config.mjs",
    "next.config.ts",
    "next.config.cjs",
    "next.config.mts",
];
/// Where a project keeps its routeshift settings.
pub const OVERRIDES_FILE: &str = "routeshift.toml";
const DEFAULT_PAGE_EXTENSIONS: [&str; 4] = ["tsx", "ts", "jsx", "js"];

/// A source file, read once. Paths are project-relative with `/` separators.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
}

/// A file under `pages/api` that Next.js serves (a candidate route: helper modules without a
/// default export are told apart after parsing).
#[derive(Debug, Clone)]
pub struct RouteCandidate {
    /// Index into [`Project::files`].
    pub file: usize,
    /// Path inside `pages/api` without the page extension: `items/[id]`.
    pub relative: String,
    /// The page extension it matched: `ts`, `api.ts`.
    pub suffix: String,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    /// `pages` or `src/pages`.
    pub pages_dir: String,
    pub page_extensions: Vec<String>,
    pub files: Vec<SourceFile>,
    pub candidates: Vec<RouteCandidate>,
    pub typescript: bool,
    /// `compilerOptions.paths` from tsconfig/jsconfig: (`@/*` prefix, target prefixes).
    pub aliases: Vec<(String, Vec<String>)>,
    /// The other packages of the monorepo the app is in (empty outside a monorepo).
    pub packages: Vec<workspace::WorkspacePackage>,
    /// Their source files, read for the call graph only; paths are relative to the app's root.
    pub package_files: Vec<workspace::PackageFile>,
    /// Files whose contents could not be read as text.
    pub unreadable: Vec<(String, String)>,
    /// Warnings about the project set-up (e.g. `pageExtensions` that is not a literal).
    pub warnings: Vec<String>,
}

impl Project {
    /// Loads a Next.js project: refuses folders without a pages folder or a `next` dependency.
    pub fn load(root: &Path) -> Result<Project, Error> {
        let not_next = |reason: &str| Error::NotNextProject {
            dir: root.to_path_buf(),
            reason: reason.to_string(),
        };
        if !root.is_dir() {
            return Err(not_next("the folder does not exist"));
        }
        if !has_next_dependency(root) {
            return Err(not_next(
                "no package.json here or above lists `next` as a dependency",
            ));
        }
        Self::scan(root).ok_or_else(|| not_next("it has no pages/ or src/pages/ folder"))
    }

    /// Reads the project's files without checking for a `next` dependency (fixtures have none).
    /// `None` when there is no pages folder.
    pub fn scan(root: &Path) -> Option<Project> {
        let pages_dir = if root.join("pages").is_dir() {
            "pages"
        } else if root.join("src/pages").is_dir() {
            "src/pages"
        } else {
            return None;
        };
        let mut warnings = Vec::new();
        let page_extensions = read_page_extensions(root, &mut warnings);
        let (files, mut unreadable) = read_sources(root);
        crate::timings::mark("files read");
        let api_prefix = format!("{pages_dir}/api/");
        let candidates = files
            .iter()
            .enumerate()
            .filter_map(|(index, file)| {
                let inside = file.path.strip_prefix(&api_prefix)?;
                route_candidate(inside, &page_extensions).map(|(relative, suffix)| RouteCandidate {
                    file: index,
                    relative,
                    suffix,
                })
            })
            .collect();
        let typescript = root.join("tsconfig.json").is_file()
            || files
                .iter()
                .any(|f| f.path.ends_with(".ts") || f.path.ends_with(".tsx"));
        let aliases = read_aliases(root);
        let workspace = workspace::load(root);
        unreadable.extend(workspace.unreadable);
        Some(Project {
            root: root.to_path_buf(),
            pages_dir: pages_dir.to_string(),
            page_extensions,
            files,
            candidates,
            typescript,
            aliases,
            packages: workspace.packages,
            package_files: workspace.files,
            unreadable,
            warnings,
        })
    }

    /// The class overrides in `routeshift.toml`, checked against the project's routes.
    pub fn overrides(&self) -> Result<Vec<RouteOverride>, Error> {
        let Ok(text) = std::fs::read_to_string(self.root.join(OVERRIDES_FILE)) else {
            return Ok(Vec::new());
        };
        let overrides = overrides::parse_config(OVERRIDES_FILE, &text).map_err(|problem| {
            Error::InvalidOverrides {
                problems: vec![problem],
            }
        })?;
        let urls: Vec<String> = self
            .candidates
            .iter()
            .filter_map(|c| api_route(&self.pages_dir, &c.relative, &c.suffix).ok())
            .map(|r| r.url)
            .collect();
        let known: Vec<&str> = urls.iter().map(String::as_str).collect();
        let problems = overrides::validate_routes(&overrides, &known);
        if problems.is_empty() {
            Ok(overrides)
        } else {
            Err(Error::InvalidOverrides { problems })
        }
    }

    /// The App Router folder beside the pages folder: `app` or `src/app`.
    pub fn app_dir(&self) -> String {
        match self.pages_dir.strip_suffix("pages") {
            Some(prefix) => format!("{prefix}app"),
            None => "app".into(),
        }
    }

    /// The folder new shared modules go in: `lib` or `src/lib`, beside the pages folder.
    pub fn lib_dir(&self) -> String {
        match self.pages_dir.strip_suffix("pages") {
            Some(prefix) => format!("{prefix}lib"),
            None => "lib".into(),
        }
    }

    /// The project file a module specifier in `from` names, if it is one of ours.
    pub fn resolve(
        &self,
        from: &str,
        specifier: &str,
        index: &HashMap<&str, usize>,
    ) -> Option<usize> {
        let bases: Vec<String> = if transforms::imports::is_relative(specifier) {
            vec![transforms::imports::join(
                transforms::imports::parent(from),
                specifier,
            )]
        } else {
            self.aliases
                .iter()
                .filter_map(|(prefix, targets)| {
                    let rest = if let Some(stem) = prefix.strip_suffix('*') {
                        specifier.strip_prefix(stem)?
                    } else if specifier == prefix {
                        ""
                    } else {
                        return None;
                    };
                    Some(
                        targets
                            .iter()
                            .map(move |t| transforms::imports::join("", &t.replace('*', rest))),
                    )
                })
                .flatten()
                .chain(self.package_entry(specifier))
                .collect()
        };
        for base in bases {
            if let Some(&i) = index.get(base.as_str()) {
                return Some(i);
            }
            for ext in SOURCE_EXTENSIONS {
                if let Some(&i) = index.get(format!("{base}.{ext}").as_str()) {
                    return Some(i);
                }
            }
            for ext in SOURCE_EXTENSIONS {
                if let Some(&i) = index.get(format!("{base}/index.{ext}").as_str()) {
                    return Some(i);
                }
            }
        }
        None
    }
}

impl Project {
    /// `@acme/ui` → `../../packages/ui/index`; `@acme/ui/hooks` → `../../packages/ui/hooks`.
    fn package_entry(&self, specifier: &str) -> Option<String> {
        self.packages.iter().find_map(|package| {
            let rest = specifier.strip_prefix(package.name.as_str())?;
            if rest.is_empty() {
                Some(transforms::imports::join(&package.dir, &package.entry))
            } else {
                rest.strip_prefix('/')
                    .map(|sub| transforms::imports::join(&package.dir, sub))
            }
        })
    }

    /// How `from` should name `target` (a project path without extension): through the same
    /// tsconfig alias as `original` when it used one (`@/app/api/x/route`), else relatively.
    pub fn specifier(&self, from: &str, target: &str, original: &str) -> String {
        if !transforms::imports::is_relative(original) {
            for (prefix, targets) in &self.aliases {
                let Some(alias_stem) = prefix.strip_suffix('*') else {
                    continue;
                };
                if !original.starts_with(alias_stem) {
                    continue;
                }
                for pattern in targets {
                    let Some(dir) = pattern.strip_suffix('*') else {
                        continue;
                    };
                    if let Some(rest) = target.strip_prefix(dir) {
                        return format!("{alias_stem}{rest}");
                    }
                }
            }
        }
        transforms::imports::relative_specifier(transforms::imports::parent(from), target)
    }

    /// How new code in `from` imports `target` (a project path without extension): through a
    /// path alias that reaches it (`@/features/todos/actions`), else relatively.
    pub fn preferred_specifier(&self, from: &str, target: &str) -> String {
        for (prefix, _) in &self.aliases {
            if let Some(stem) = prefix.strip_suffix('*') {
                let candidate = self.specifier(from, target, &format!("{stem}x"));
                if candidate.starts_with(stem) {
                    return candidate;
                }
            }
        }
        self.specifier(from, target, "./x")
    }
}

/// Whether files routeshift would create already exist on disk, with each folder looked up once:
/// a target in a folder that does not exist (`app/api/items/` before the first route moves
/// there) costs no system call of its own. Planning asks for thousands of such paths.
pub(crate) struct DiskProbe<'r> {
    root: &'r Path,
    /// Project-relative folders looked up so far: whether each is a folder.
    folders: HashMap<String, bool>,
}

impl<'r> DiskProbe<'r> {
    pub(crate) fn new(root: &'r Path) -> DiskProbe<'r> {
        DiskProbe {
            root,
            folders: HashMap::new(),
        }
    }

    /// Whether something exists at the project-relative `path`, as `Path::exists` says.
    pub(crate) fn exists(&mut self, path: &str) -> bool {
        match path.rsplit_once('/') {
            Some((folder, _)) if !self.is_folder(folder) => false,
            _ => self.root.join(path).exists(),
        }
    }

    fn is_folder(&mut self, folder: &str) -> bool {
        if let Some(&known) = self.folders.get(folder) {
            return known;
        }
        let is_folder = match folder.rsplit_once('/') {
            Some((parent, _)) if !self.is_folder(parent) => false,
            _ => self.root.join(folder).is_dir(),
        };
        self.folders.insert(folder.to_string(), is_folder);
        is_folder
    }
}

/// Every source file under `dir` (skipping dependency and build folders), with paths relative
/// to `dir`, and the files that could not be read.
pub(crate) fn read_sources(dir: &Path) -> (Vec<SourceFile>, Vec<(String, String)>) {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for (path, text) in walk(dir, "") {
        match text {
            Ok(text) => files.push(SourceFile { path, text }),
            Err(reason) => unreadable.push((path, reason)),
        }
    }
    (files, unreadable)
}

/// A file found by [`walk`]: its project-relative path, and its text or why it could not be read.
type WalkedFile = (String, Result<Arc<str>, String>);

/// The source files under `dir` (whose path relative to the project is `relative`), each read,
/// or why it or a folder could not be: each folder's entries in name order, depth first, the
/// folders walked and the files read in parallel.
fn walk(dir: &Path, relative: &str) -> Vec<WalkedFile> {
    let walk_error = |path: &Path, error: std::io::Error| {
        vec![(
            path.display().to_string(),
            Err(format!(
                "IO error for operation on {}: {error}",
                path.display()
            )),
        )]
    };
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) => return walk_error(dir, error),
    };
    let mut entries = Vec::new();
    for entry in listing {
        match entry.and_then(|e| Ok((e.file_name(), e.file_type()?, e.path()))) {
            Ok(entry) => entries.push(entry),
            Err(error) => return walk_error(dir, error),
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let per_entry: Vec<Vec<WalkedFile>> = entries
        .into_par_iter()
        .map(|(name, kind, path)| {
            let name = name.to_string_lossy();
            let child = if relative.is_empty() {
                name.to_string()
            } else {
                format!("{relative}/{name}")
            };
            if kind.is_dir() {
                if SKIPPED_DIRS.contains(&name.as_ref()) {
                    return Vec::new();
                }
                return walk(&path, &child);
            }
            let source = kind.is_file()
                && child
                    .rsplit_once('.')
                    .is_some_and(|(_, ext)| SOURCE_EXTENSIONS.contains(&ext))
                && !child.ends_with(".d.ts");
            if !source {
                return Vec::new();
            }
            // Shared with the plan's operations later; made here, on the thread that read it.
            let text = match std::fs::read(&path) {
                Ok(bytes) => String::from_utf8(bytes)
                    .map(Arc::from)
                    .map_err(|_| "not UTF-8 text".to_string()),
                Err(error) => Err(error.to_string()),
            };
            vec![(child, text)]
        })
        .collect();
    per_entry.into_iter().flatten().collect()
}

/// `items/[id].ts` → (`items/[id]`, `ts`) when Next.js would serve it as an API route.
fn route_candidate(inside: &str, page_extensions: &[String]) -> Option<(String, String)> {
    let name = inside.rsplit('/').next().unwrap_or(inside);
    if inside.split('/').any(|segment| segment == "__tests__")
        || name.contains(".test.")
        || name.contains(".spec.")
    {
        return None;
    }
    // The longest matching page extension wins (`api.ts` before `ts`).
    let suffix = page_extensions
        .iter()
        .filter(|ext| name.ends_with(&format!(".{ext}")))
        .max_by_key(|ext| ext.len())?;
    let relative = &inside[..inside.len() - suffix.len() - 1];
    let stem = relative.rsplit('/').next().unwrap_or(relative);
    if stem == "_middleware" {
        return None;
    }
    Some((relative.to_string(), suffix.clone()))
}

pub(crate) fn has_next_dependency(root: &Path) -> bool {
    root.ancestors().any(|dir| {
        let manifest = workspace::read_json(&dir.join("package.json"));
        let found = workspace::dependencies(manifest.as_ref()).any(|d| d == "next");
        found
    })
}

/// `pageExtensions` from `next.config.*` when it is a literal array of strings.
fn read_page_extensions(root: &Path, warnings: &mut Vec<String>) -> Vec<String> {
    let defaults = || {
        DEFAULT_PAGE_EXTENSIONS
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    for name in NEXT_CONFIG_FILES {
        let path = root.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !text.contains("pageExtensions") {
            return defaults();
        }
        let file = match ParsedFile::parse(name, &text) {
            Ok(file) => file,
            Err(error) => {
                warnings.push(format!(
                    "{name} does not parse ({}); using the default page extensions",
                    error.message
                ));
                return defaults();
            }
        };
        return match transforms::next_config::page_extensions(&file) {
            Some(extensions) => extensions,
            None => {
                warnings.push(format!("{name}: `pageExtensions` is not a literal array of strings; using the default page extensions"));
                defaults()
            }
        };
    }
    defaults()
}

/// `compilerOptions.paths` (relative to `baseUrl`) from tsconfig.json or jsconfig.json.
fn read_aliases(root: &Path) -> Vec<(String, Vec<String>)> {
    for name in ["tsconfig.json", "jsconfig.json"] {
        let Ok(text) = std::fs::read_to_string(root.join(name)) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&strip_jsonc(&text)) else {
            continue;
        };
        let options = json.get("compilerOptions");
        let base = options
            .and_then(|o| o.get("baseUrl"))
            .and_then(|b| b.as_str())
            .unwrap_or(".");
        let Some(paths) = options
            .and_then(|o| o.get("paths"))
            .and_then(|p| p.as_object())
        else {
            return Vec::new();
        };
        return paths
            .iter()
            .map(|(prefix, targets)| {
                let targets = targets
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|t| t.as_str())
                            .map(|t| transforms::imports::join(base, t))
                            .collect()
                    })
                    .unwrap_or_default();
                (prefix.clone(), targets)
            })
            .collect();
    }
    Vec::new()
}

/// tsconfig files are JSON with comments and trailing commas.
fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut previous = ' ';
                for next in chars.by_ref() {
                    if previous == '*' && next == '/' {
                        break;
                    }
                    previous = next;
                }
            }
            _ => out.push(c),
        }
    }
    // Trailing commas before } or ].
    let mut cleaned = String::with_capacity(out.len());
    let bytes: Vec<char> = out.chars().collect();
    let mut in_string = false;
    for (i, &c) in bytes.iter().enumerate() {
        if c == '"' && (i == 0 || bytes[i - 1] != '\\') {
            in_string = !in_string;
        }
        if c == ',' && !in_string {
            let next = bytes[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        cleaned.push(c);
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disk_probe_answers_as_path_exists_does() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path();
        std::fs::create_dir_all(root.join("app/api/items")).expect("folders");
        std::fs::write(root.join("app/api/items/route.ts"), "").expect("a file");
        std::fs::write(root.join("notes.ts"), "").expect("a file");
        let mut probe = DiskProbe::new(root);
        for path in [
            "app/api/items/route.ts",
            "app/api/items/page.ts",
            "app/api/items",
            "app/api/users/route.ts",
            "features/todos/service.ts",
            "notes.ts",
            "notes.ts/route.ts",
            "missing.ts",
        ] {
            assert_eq!(probe.exists(path), root.join(path).exists(), "{path}");
        }
        // Asked again, from what it has looked up.
        assert!(probe.exists("app/api/items/route.ts"));
        assert!(!probe.exists("features/todos/actions.ts"));
    }

    #[test]
    fn route_candidates() {
        let exts: Vec<String> = ["tsx", "ts", "jsx", "js"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            route_candidate("items/[id].ts", &exts),
            Some(("items/[id]".into(), "ts".into()))
        );
        assert_eq!(route_candidate("x.test.ts", &exts), None);
        assert_eq!(route_candidate("__tests__/x.ts", &exts), None);
        assert_eq!(route_candidate("_middleware.ts", &exts), None);
        assert_eq!(route_candidate("a.md", &exts), None);
        let custom: Vec<String> = ["page.tsx", "api.ts"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            route_candidate("x.api.ts", &custom),
            Some(("x".into(), "api.ts".into()))
        );
        assert_eq!(route_candidate("x.ts", &custom), None);
    }

    #[test]
    fn sources_are_read_depth_first_in_name_order() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path();
        for (path, text) in [
            ("pages/api/b.ts", "b"),
            ("pages/api/a/z.ts", "z"),
            ("pages/api/a.ts", "a"),
            ("pages/index.tsx", "i"),
            ("lib/types.d.ts", "skipped: declarations"),
            ("lib/notes.md", "skipped: not source"),
            ("lib/util.mjs", "u"),
            ("node_modules/x/index.js", "skipped: dependencies"),
            ("src/node_modules_not/y.js", "y"),
        ] {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().expect("a parent")).expect("folder made");
            std::fs::write(full, text).expect("file written");
        }
        std::fs::write(root.join("lib/latin1.js"), [0xe9u8]).expect("file written");
        let (files, unreadable) = read_sources(root);
        let read: Vec<(&str, &str)> = files.iter().map(|f| (f.path.as_str(), &*f.text)).collect();
        assert_eq!(
            read,
            [
                ("lib/util.mjs", "u"),
                ("pages/api/a/z.ts", "z"),
                ("pages/api/a.ts", "a"),
                ("pages/api/b.ts", "b"),
                ("pages/index.tsx", "i"),
                ("src/node_modules_not/y.js", "y"),
            ]
        );
        assert_eq!(
            unreadable,
            [("lib/latin1.js".to_string(), "not UTF-8 text".to_string())]
        );
    }

    #[test]
    fn jsonc() {
        let text = "{\n // c\n \"a\": \"//x\", /* b */ \"c\": [1,],\n}";
        let json: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(json["a"], "//x");
    }
}

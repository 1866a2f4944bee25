//! The call graph: every call site in the project (and the workspace packages beside it),
//! calls through wrappers and clients followed to their definitions, and each matched to the
//! route Next.js would serve it from.

use std::collections::HashMap;

use rayon::prelude::*;
use transforms::callers::url::{RouteMatch, RouteTable};
use transforms::callers::{Binding, CallSite, CallTarget, FileCalls};

use crate::project::Project;

/// A file's call analysis, with the package it belongs to.
pub struct CallFile {
    /// Relative to the app's root (`../../packages/ui/x.ts` for a package file).
    pub path: String,
    /// Index into [`Project::packages`]; `None` for the app's own files.
    pub package: Option<usize>,
    pub calls: FileCalls,
}

/// A call site and the route it reaches.
#[derive(Debug, Clone)]
pub struct ResolvedSite {
    pub site: CallSite,
    /// The workspace package name, when the call is not in the app.
    pub package: Option<String>,
    /// The package is deployed apart from the app.
    pub separate: bool,
    pub target: RouteMatch,
}

#[derive(Debug, Clone, Default)]
pub struct CallGraph {
    /// The route URLs, in the order [`RouteMatch::Route`] indices refer to: the pages routes,
    /// then the route handlers already under app/.
    pub routes: Vec<String>,
    pub sites: Vec<ResolvedSite>,
}

impl CallGraph {
    /// The sites that reach route `index` (of the table's URLs), or may reach it among others.
    pub fn callers_of(&self, index: usize) -> impl Iterator<Item = &ResolvedSite> {
        self.sites.iter().filter(move |s| match &s.target {
            RouteMatch::Route(i) => *i == index,
            // A URL that could reach many routes says little about each.
            RouteMatch::Ambiguous(candidates) => {
                candidates.len() <= MAX_POSSIBLE_TARGETS && candidates.contains(&index)
            }
            RouteMatch::NoRoute => false,
        })
    }

    /// For each route of the table, the indices into [`CallGraph::sites`] of the sites that
    /// reach it: [`CallGraph::callers_of`] for every route in one pass over the sites.
    pub fn callers_by_route(&self) -> Vec<Vec<usize>> {
        let mut by_route: Vec<Vec<usize>> = vec![Vec::new(); self.routes.len()];
        for (index, site) in self.sites.iter().enumerate() {
            let targets: &[usize] = match &site.target {
                RouteMatch::Route(i) => std::slice::from_ref(i),
                RouteMatch::Ambiguous(candidates) if candidates.len() <= MAX_POSSIBLE_TARGETS => {
                    candidates
                }
                RouteMatch::Ambiguous(_) | RouteMatch::NoRoute => &[],
            };
            for &route in targets {
                let Some(sites) = by_route.get_mut(route) else {
                    continue;
                };
                // A route named twice among the candidates still gets the site once.
                if sites.last() != Some(&index) {
                    sites.push(index);
                }
            }
        }
        by_route
    }

    /// The sites that reach no route (or could reach several).
    pub fn unmatched(&self) -> impl Iterator<Item = &ResolvedSite> {
        self.sites
            .iter()
            .filter(|s| !matches!(s.target, RouteMatch::Route(_)))
    }
}

/// How many routes an ambiguous call may reach and still count as a possible caller of each.
const MAX_POSSIBLE_TARGETS: usize = 8;

/// How many re-exports a lookup follows (`hooks/index.ts` → `hooks/useApi.ts`).
const REEXPORT_DEPTH: usize = 4;

/// Builds the call graph from every file's calls.
pub fn build(project: &Project, files: &[CallFile], urls: &[&str]) -> CallGraph {
    let table = RouteTable::new(urls.iter().copied());
    let index: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    // Each file's sites are resolved on their own, in parallel, and kept in file order.
    let per_file: Vec<Vec<ResolvedSite>> = files
        .par_iter()
        .map(|file| resolve_file(project, files, &index, &table, file))
        .collect();
    CallGraph {
        routes: urls.iter().map(|u| u.to_string()).collect(),
        sites: per_file.into_iter().flatten().collect(),
    }
}

/// The call sites of `file`, each matched to a route.
fn resolve_file(
    project: &Project,
    files: &[CallFile],
    index: &HashMap<&str, usize>,
    table: &RouteTable,
    file: &CallFile,
) -> Vec<ResolvedSite> {
    let mut sites = Vec::new();
    let package = file.package.and_then(|p| project.packages.get(p));
    let separate = package.is_some_and(|p| !p.bundled);
    let mut push = |site: CallSite| {
        // A separate package reaches this app only through a URL with a host; its bare
        // `/api/…` URLs go to its own origin.
        if separate && !site.absolute {
            return;
        }
        let target = table.find(&site.url);
        sites.push(ResolvedSite {
            site,
            package: package.map(|p| p.name.clone()),
            separate,
            target,
        });
    };
    for site in &file.calls.sites {
        push(site.clone());
    }
    for pending in &file.calls.pending {
        let (binding, member) = match &pending.target {
            CallTarget::Function(binding) => (binding, None),
            CallTarget::Member(binding, member) => (binding, Some(member.as_str())),
        };
        let definition = locate(project, files, index, file, binding)
            .and_then(|(owner, local)| files[owner].calls.definition(&local, member));
        match definition {
            Some(definition) => {
                if let Some(site) = pending.resolve(definition) {
                    push(site);
                }
            }
            None => pending.fallback.iter().cloned().for_each(&mut push),
        }
    }
    sites
}

/// The file and local name a binding stands for.
fn locate(
    project: &Project,
    files: &[CallFile],
    index: &HashMap<&str, usize>,
    from: &CallFile,
    binding: &Binding,
) -> Option<(usize, String)> {
    match binding {
        Binding::Local(name) => Some((*index.get(from.path.as_str())?, name.clone())),
        Binding::Imported { specifier, name } => {
            let mut file = project.resolve(&from.path, specifier, index)?;
            let mut name = name.clone();
            for _ in 0..REEXPORT_DEPTH {
                let calls = &files[file].calls;
                if let Some(local) = calls.exported(&name) {
                    return Some((file, local.to_string()));
                }
                // Follow `export { x as name } from './m'` and `export * from './m'`.
                let next = calls
                    .reexports
                    .iter()
                    .find_map(|(exported, specifier, original)| {
                        let original = if exported == "*" {
                            name.clone()
                        } else if *exported == name {
                            original.clone()
                        } else {
                            return None;
                        };
                        let target = project.resolve(&files[file].path, specifier, index)?;
                        // A named re-export names its module; `export *` only if it has the name.
                        let found =
                            exported != "*" || files[target].calls.exported(&original).is_some();
                        found.then_some((target, original))
                    })?;
                file = next.0;
                name = next.1;
            }
            None
        }
    }
}

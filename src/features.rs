//! What an `app-mutation` or `page-read` route becomes besides (or instead of) a route handler:
//! its logic in `features/<feature>/service.ts`, Server Actions in `actions.ts` for the app's
//! UI, query functions in `queries.ts` for its pages' server code, and the call sites rewritten
//! to use them. A thin route handler over the service stays while any caller still needs the
//! URL: a `pages/` component (Pages components cannot use Server Actions), a client-side read,
//! another package, a call routeshift could not rewrite.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use transforms::call_sites::{self, Replacement, ReplacementKind};
use transforms::callers::url::RouteMatch;
use transforms::callers::{CallStyle, Runtime};
use transforms::classify::Class;
use transforms::diagnostic::{Diagnostic, Location};
use transforms::edit::Edit;
use transforms::parse::ParsedFile;
use transforms::route_handler::{Converted, RouteContext};
use transforms::route_path::ApiRoute;
use transforms::service::{
    self, action_fragment, can_post_form, can_query, compose, naming, query_fragment, ActionStyle,
    Extraction, Fragment, InputSource, ServiceContext, ServiceFunction,
};
use transforms::text::{file_style, Style};

use crate::callgraph::ResolvedSite;
use crate::plan::{FileOperation, SharedFile};
use crate::project::{DiskProbe, Project};

/// Where a route's logic goes.
pub struct ExtractionTarget {
    /// Project-relative folder of the feature (`features/todos`).
    pub feature_dir: String,
    /// How the route file imports the service.
    pub service_specifier: String,
}

impl ExtractionTarget {
    /// The service part of the route `parsed`, with the names the feature has already `taken`.
    pub fn extract(
        &self,
        parsed: &ParsedFile,
        routing: &RouteContext,
        taken: &HashSet<String>,
    ) -> Result<Extracted, Vec<Diagnostic>> {
        let extraction = service::extract(
            parsed,
            &ServiceContext {
                routing,
                feature_dir: &self.feature_dir,
                service_specifier: &self.service_specifier,
                taken,
            },
        )?;
        Ok(Extracted {
            extraction,
            style: file_style(parsed),
        })
    }
}

/// A route's extraction, with the style of its file.
pub struct Extracted {
    pub extraction: Extraction,
    pub style: Style,
}

impl Extracted {
    /// Whether this extraction, made with no names of the feature taken, comes out the same
    /// with `taken`: the names only decide which function names are free and whether a
    /// declaration clashes, so it does when it declares none of them.
    pub fn fits(&self, taken: &HashSet<String>) -> bool {
        let service = &self.extraction.service;
        let imported: HashSet<&str> = service
            .imports
            .iter()
            .filter_map(|i| i.kind.local())
            .collect();
        service
            .names()
            .into_iter()
            .all(|name| imported.contains(name) || !taken.contains(name))
    }
}

/// The generated modules of every feature, filled route by route.
pub struct Features<'p> {
    /// Where features go (`features`, `src/features`).
    root: String,
    files: BTreeMap<String, FeatureFile>,
    /// Names each feature's service declares so far.
    service_names: HashMap<String, HashSet<String>>,
    /// Caller files parsed again for their rewrites, once however many routes they call.
    callers: HashMap<String, Option<ParsedFile>>,
    /// The project's files by path (the planner's).
    file_index: &'p HashMap<&'p str, usize>,
    /// Whether the feature modules exist already.
    disk: DiskProbe<'p>,
}

struct FeatureFile {
    kind: ModuleKind,
    style: Style,
    /// `(route plan index, fragment)`.
    fragments: Vec<(usize, Fragment)>,
    /// A file under `pages/` (or outside `app/`) imports it.
    imported_outside_app: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ModuleKind {
    Service,
    Actions,
    Queries,
}

pub struct Migrated {
    /// The thin route handler, or `None` when no caller needs the URL any more.
    pub route_handler: Option<Converted>,
    /// The call sites rewritten, one operation per file.
    pub operations: Vec<FileOperation>,
    pub notes: Vec<Diagnostic>,
}

/// Where a caller wants to go instead of the URL.
#[derive(Clone, Copy)]
enum Switch<'f> {
    Action(&'f ServiceFunction, ActionStyle),
    Query(&'f ServiceFunction),
}

impl<'p> Features<'p> {
    /// `file_index`: the project's files by path.
    pub fn new(project: &'p Project, file_index: &'p HashMap<&'p str, usize>) -> Features<'p> {
        Features {
            root: features_root(project),
            files: BTreeMap::new(),
            service_names: HashMap::new(),
            callers: HashMap::new(),
            file_index,
            disk: DiskProbe::new(&project.root),
        }
    }

    /// Where the route at `path` (project-relative) goes: its feature folder and how the route
    /// file imports the service.
    pub fn target(&self, project: &Project, route: &ApiRoute, path: &str) -> ExtractionTarget {
        let feature_dir = format!("{}/{}", self.root, naming::feature(route));
        let service_specifier =
            project.preferred_specifier(path, &format!("{feature_dir}/service"));
        ExtractionTarget {
            feature_dir,
            service_specifier,
        }
    }

    /// Extracts one route (at project path `path`). `extract` makes its service part with the
    /// names the feature has taken so far (see [`ExtractionTarget::extract`]). `Err` carries why
    /// the route keeps its plain route handler.
    #[allow(clippy::too_many_arguments)]
    pub fn migrate(
        &mut self,
        project: &Project,
        plan_index: usize,
        class: Class,
        route: &ApiRoute,
        path: &str,
        callers: &[ResolvedSite],
        extract: impl FnOnce(&ExtractionTarget, &HashSet<String>) -> Result<Extracted, Vec<Diagnostic>>,
    ) -> Result<Migrated, Vec<Diagnostic>> {
        let ext = if project.typescript { "ts" } else { "js" };
        let target = self.target(project, route, path);
        let feature_dir = target.feature_dir.clone();
        let module = |kind: &str| format!("{feature_dir}/{kind}");
        let location = Location {
            path: path.to_string(),
            line: 1,
            column: 1,
        };
        for kind in ["service", "actions", "queries"] {
            let path = format!("{}.{ext}", module(kind));
            if self.disk.exists(&path) {
                return Err(vec![Diagnostic::manual(
                    "manual/extract-existing-feature",
                    format!("{path} already exists; routeshift does not add to an existing module"),
                )
                .with_help(
                    "its route handler is converted; move the logic into the feature by hand",
                )
                .at(location)]);
            }
        }
        let no_names = HashSet::new();
        let Extracted { extraction, style } = extract(
            &target,
            self.service_names.get(&feature_dir).unwrap_or(&no_names),
        )?;
        let areas = Areas::of(project);

        // Phase one: where each caller goes, and so which actions and queries there are.
        let mut notes: Vec<Diagnostic> = Vec::new();
        let mut actions: Vec<(&ServiceFunction, ActionStyle)> = Vec::new();
        let mut queries: Vec<&ServiceFunction> = Vec::new();
        let mut query_importers_outside_app = false;
        let mut decisions: Vec<(&ResolvedSite, Option<Switch>)> = Vec::new();
        for caller in callers {
            let switch = switch_for(caller, &extraction.functions, route, &areas, &mut notes);
            match &switch {
                Some(Switch::Action(f, action_style))
                    if !actions
                        .iter()
                        .any(|(a, s)| a.name == f.name && s == action_style) =>
                {
                    actions.push((f, *action_style));
                }
                Some(Switch::Query(f)) => {
                    if !queries.iter().any(|q| q.name == f.name) {
                        queries.push(f);
                    }
                    query_importers_outside_app |= !areas.in_app(&caller.site.location.path);
                }
                Some(Switch::Action(..)) | None => {}
            }
            decisions.push((caller, switch));
        }
        // What the class calls for even before any caller switches: a mutation's action, a
        // read's query, ready for the callers that move to app/.
        for function in &extraction.functions {
            match class {
                Class::AppMutation
                    if !function.is_read()
                        && !actions.iter().any(|(a, _)| a.name == function.name) =>
                {
                    actions.push((function, ActionStyle::Arguments));
                }
                Class::PageRead
                    if function.is_read()
                        && can_query(function)
                        && !queries.iter().any(|q| q.name == function.name) =>
                {
                    queries.push(function);
                }
                _ => {}
            }
        }

        // Phase two: rewrite the call sites that switch.
        let mut needs_url: Vec<String> = Vec::new();
        let mut edits: BTreeMap<String, (Arc<str>, Vec<Edit>)> = BTreeMap::new();
        let mut imports: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for (caller, switch) in decisions {
            let site = &caller.site;
            let path = &site.location.path;
            let describe = format!("{} ({}:{})", site.style, path, site.location.line);
            let Some(switch) = switch else {
                if areas.in_pages(path) {
                    notes.push(
                        Diagnostic::note(
                            "note/pages-caller-keeps-url",
                            format!("this {} in pages/ keeps calling {} over HTTP: Pages Router components cannot use Server Actions", site.style, route.url),
                        )
                        .with_help("switch it to the generated function once the page moves to app/")
                        .at(site.location.clone()),
                    );
                }
                needs_url.push(describe);
                continue;
            };
            let (function, kind, module_kind) = match switch {
                Switch::Action(f, ActionStyle::Arguments) => {
                    (f, ReplacementKind::Action, "actions")
                }
                Switch::Action(f, ActionStyle::Form) => (f, ReplacementKind::FormAction, "actions"),
                Switch::Query(f) => (f, ReplacementKind::Query, "queries"),
            };
            let function_name = action_name(function, kind, &actions);
            let module_specifier = project.preferred_specifier(path, &module(module_kind));
            let replacement = Replacement {
                function: &function_name,
                module: &module_specifier,
                kind,
                route: &route.url,
                method: site.method.unwrap_or("GET"),
                takes_body: function
                    .inputs
                    .iter()
                    .any(|i| i.source == InputSource::Body),
                can_fail: function.can_fail(),
            };
            match self.rewrite_site(project, caller, function, &replacement) {
                Ok((rewrite, original)) => {
                    let entry = edits.entry(path.clone()).or_insert((original, Vec::new()));
                    for edit in rewrite.edits {
                        if !entry.1.contains(&edit) {
                            entry.1.push(edit);
                        }
                    }
                    imports
                        .entry(path.clone())
                        .or_default()
                        .entry(module_specifier.clone())
                        .or_default()
                        .push(function_name.clone());
                    notes.push(
                        Diagnostic::note(
                            "note/call-site-rewritten",
                            format!(
                                "now calls `{}` from {}; {}",
                                rewrite.call,
                                module_specifier,
                                match kind {
                                    ReplacementKind::Query => "the value no longer goes through JSON (a Date stays a Date; getServerSideProps props must still be JSON-serializable)",
                                    _ => "arguments and result go through React's serialization instead of JSON (Dates stay Dates, undefined fields are kept)",
                                }
                            ),
                        )
                        .at(site.location.clone()),
                    );
                }
                Err(reason) => {
                    needs_url.push(describe);
                    notes.push(
                        Diagnostic::note(
                            "note/call-site-to-switch",
                            format!("should call `{function_name}` from {module_specifier}, not rewritten: {reason}"),
                        )
                        .at(site.location.clone()),
                    );
                }
            }
        }
        // One import per module and file, however many of its functions the file now calls.
        for (path, modules) in imports {
            let (Some(Some(file)), Some(entry)) = (self.callers.get(&path), edits.get_mut(&path))
            else {
                continue;
            };
            for (module, names) in modules {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                entry
                    .1
                    .extend(call_sites::import_edit(file, &names, &module));
            }
        }

        // The modules.
        let typescript = project.typescript;
        self.service_names
            .entry(feature_dir.clone())
            .or_default()
            .extend(extraction.service.names().into_iter().map(String::from));
        self.add(
            &format!("{}.{ext}", module("service")),
            ModuleKind::Service,
            &style,
            plan_index,
            extraction.service,
            false,
        );
        for (function, action_style) in &actions {
            let kind = match action_style {
                ActionStyle::Arguments => ReplacementKind::Action,
                ActionStyle::Form => ReplacementKind::FormAction,
            };
            let name = action_name(function, kind, &actions);
            if let Some(fragment) = action_fragment(
                function,
                &name,
                *action_style,
                &route.params,
                "./service",
                &style,
                typescript,
            ) {
                self.add(
                    &format!("{}.{ext}", module("actions")),
                    ModuleKind::Actions,
                    &style,
                    plan_index,
                    fragment,
                    false,
                );
            }
        }
        for function in &queries {
            if let Some(fragment) = query_fragment(
                function,
                &function.name,
                &route.params,
                "./service",
                &style,
                typescript,
            ) {
                self.add(
                    &format!("{}.{ext}", module("queries")),
                    ModuleKind::Queries,
                    &style,
                    plan_index,
                    fragment,
                    query_importers_outside_app,
                );
            }
        }

        let operations = edits
            .into_iter()
            .map(|(path, (original, edits))| FileOperation::Modify {
                path,
                original,
                edits,
            })
            .collect();
        let route_handler = if needs_url.is_empty() {
            notes.push(
                Diagnostic::note(
                    "note/route-removed",
                    format!("no caller in the project needs {} any more: its callers now call the service directly, so no route handler is written", route.url),
                )
                .with_help("if something outside the project calls it, mark the route `// routeshift: public-api` or list it in routeshift.toml, and run routeshift again")
                .at(location),
            );
            None
        } else {
            notes.push(
                Diagnostic::note(
                    "note/route-kept",
                    format!("a thin route handler over the service stays while these callers need {}: {}", route.url, needs_url.join(", ")),
                )
                .at(location),
            );
            Some(extraction.route_handler)
        };
        Ok(Migrated {
            route_handler,
            operations,
            notes,
        })
    }

    /// Parses, in parallel, the caller files that the routes' extractions made with no names
    /// taken would rewrite (see [`Features::migrate`]'s phase one), so that the routes, migrated
    /// one after another, find them parsed. A file that a route extracted again needs is still
    /// parsed when it is first asked for.
    pub fn parse_callers<'a>(
        &mut self,
        project: &Project,
        routes: impl Iterator<Item = (&'a ApiRoute, &'a [ResolvedSite], &'a Extracted)>,
    ) {
        let areas = Areas::of(project);
        let mut scratch = Vec::new();
        let mut paths: Vec<&str> = Vec::new();
        for (route, callers, extracted) in routes {
            let functions = &extracted.extraction.functions;
            for caller in callers {
                if switch_for(caller, functions, route, &areas, &mut scratch).is_some() {
                    paths.push(&caller.site.location.path);
                }
            }
            scratch.clear();
        }
        paths.sort_unstable();
        paths.dedup();
        paths.retain(|path| !self.callers.contains_key(*path));
        let parsed: Vec<(String, Option<ParsedFile>)> = paths
            .into_par_iter()
            .filter_map(|path| {
                let source = &project.files[*self.file_index.get(path)?];
                let parsed = ParsedFile::parse(&source.path, &source.text).ok();
                // The rewrites write in the file's style: found here too.
                if let Some(parsed) = &parsed {
                    parsed.style();
                }
                Some((path.to_string(), parsed))
            })
            .collect();
        self.callers.extend(parsed);
    }

    /// Rewrites one call site; `Err` says why it stays as it is. Returns the caller file's
    /// text with the rewrite.
    fn rewrite_site(
        &mut self,
        project: &Project,
        caller: &ResolvedSite,
        function: &ServiceFunction,
        replacement: &Replacement,
    ) -> Result<(call_sites::Rewrite, Arc<str>), String> {
        let site = &caller.site;
        let path = &site.location.path;
        let unreadable = || format!("{path} could not be read again");
        let source = self
            .file_index
            .get(path.as_str())
            .map(|&i| &project.files[i])
            .ok_or_else(unreadable)?;
        let file = self
            .callers
            .entry(path.clone())
            .or_insert_with(|| ParsedFile::parse(&source.path, &source.text).ok())
            .as_ref()
            .ok_or_else(unreadable)?;
        let offset = call_sites::call_offset(file, site.location.line, site.location.column)
            .ok_or("the call could not be found again")?;
        if function
            .inputs
            .iter()
            .any(|i| matches!(i.source, InputSource::Search { .. } | InputSource::Query))
        {
            return Err("the logic reads the query string".to_string());
        }
        call_sites::rewrite(file, offset, replacement)
            .map(|rewrite| (rewrite, source.text.clone()))
            .map_err(|not| format!("{}; call `{}` instead", not.reason, not.suggestion))
    }

    fn add(
        &mut self,
        path: &str,
        kind: ModuleKind,
        style: &Style,
        plan_index: usize,
        fragment: Fragment,
        imported_outside_app: bool,
    ) {
        let file = self
            .files
            .entry(path.to_string())
            .or_insert_with(|| FeatureFile {
                kind,
                style: style.clone(),
                fragments: Vec::new(),
                imported_outside_app: false,
            });
        file.imported_outside_app |= imported_outside_app;
        file.fragments.push((plan_index, fragment));
    }

    /// The modules as shared files, each with the route plans that contribute to it.
    pub fn into_shared(mut self) -> Vec<(SharedFile, Vec<usize>)> {
        crate::free_later(std::mem::take(&mut self.callers));
        self.files
            .into_iter()
            .map(|(path, file)| {
                let q = |s: &str| file.style.quoted(s);
                let semi = file.style.semi();
                let (header, purpose) = match file.kind {
                    ModuleKind::Service => (
                        Vec::new(),
                        "the feature's service: the routes' logic as plain functions",
                    ),
                    ModuleKind::Actions => (
                        vec![format!("{}{semi}", q("use server"))],
                        "the feature's Server Actions, for the app's own UI",
                    ),
                    ModuleKind::Queries if file.imported_outside_app => (
                        Vec::new(),
                        "the feature's query functions, for the app's server code",
                    ),
                    ModuleKind::Queries => (
                        vec![format!("import {}{semi}", q("server-only"))],
                        "the feature's query functions, for the app's server code",
                    ),
                };
                let fragments: Vec<&Fragment> = file.fragments.iter().map(|(_, f)| f).collect();
                let contents = compose(&header, &fragments, &file.style);
                let routes = file.fragments.iter().map(|(i, _)| *i).collect();
                (
                    SharedFile {
                        path,
                        contents,
                        up_to_date: false,
                        purpose: purpose.to_string(),
                        original: None,
                    },
                    routes,
                )
            })
            .collect()
    }
}

/// The name callers use: a form action beside an argument action gets its own name.
fn action_name(
    function: &ServiceFunction,
    kind: ReplacementKind,
    actions: &[(&ServiceFunction, ActionStyle)],
) -> String {
    let both = actions
        .iter()
        .any(|(f, s)| f.name == function.name && *s == ActionStyle::Arguments)
        && actions
            .iter()
            .any(|(f, s)| f.name == function.name && *s == ActionStyle::Form);
    match kind {
        ReplacementKind::FormAction if both => format!("{}FromForm", function.name),
        _ => function.name.clone(),
    }
}

fn is_route_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with("route."))
}

/// `features` beside the pages folder's root (`src/features` in a `src/` project), or wherever
/// the project already keeps its features.
fn features_root(project: &Project) -> String {
    for root in ["src/features", "features"] {
        let prefix = format!("{root}/");
        if project.files.iter().any(|f| f.path.starts_with(&prefix)) {
            return root.to_string();
        }
    }
    match project.pages_dir.strip_suffix("pages") {
        Some(prefix) => format!("{prefix}features"),
        None => "features".to_string(),
    }
}

/// Which part of the project a caller's file is in.
struct Areas {
    app: String,
    pages: String,
    pages_api: String,
}

impl Areas {
    fn of(project: &Project) -> Areas {
        Areas {
            app: format!("{}/", project.app_dir()),
            pages: format!("{}/", project.pages_dir),
            pages_api: format!("{}/api/", project.pages_dir),
        }
    }

    /// An App Router file that is not a route handler.
    fn in_app(&self, path: &str) -> bool {
        path.starts_with(&self.app) && !is_route_file(path)
    }

    /// A Pages Router page or component (not an API route).
    fn in_pages(&self, path: &str) -> bool {
        path.starts_with(&self.pages) && !path.starts_with(&self.pages_api)
    }
}

/// Where one caller goes instead of the URL, if anywhere: app/ client fetches and forms to the
/// mutation's action, server-side reads to the query.
fn switch_for<'f>(
    caller: &ResolvedSite,
    functions: &'f [ServiceFunction],
    route: &ApiRoute,
    areas: &Areas,
    notes: &mut Vec<Diagnostic>,
) -> Option<Switch<'f>> {
    let site = &caller.site;
    let path = &site.location.path;
    if caller.package.is_some() || !matches!(caller.target, RouteMatch::Route(_)) {
        return None;
    }
    let method = site.method.unwrap_or(match site.style {
        CallStyle::Fetch => "GET",
        _ => "",
    });
    let function = functions.iter().find(|f| f.methods.contains(&method))?;
    let in_app = areas.in_app(path);
    match (&site.style, site.context.runtime) {
        (CallStyle::Fetch, Runtime::Client) if in_app && !function.is_read() => {
            Some(Switch::Action(function, ActionStyle::Arguments))
        }
        (CallStyle::FormAction, _)
            if in_app && !function.is_read() && can_post_form(function, &route.params) =>
        {
            Some(Switch::Action(function, ActionStyle::Form))
        }
        (CallStyle::Fetch, Runtime::Server)
            if (in_app || areas.in_pages(path)) && function.is_read() =>
        {
            if can_query(function) {
                return Some(Switch::Query(function));
            }
            notes.push(
                Diagnostic::note(
                    "note/query-needs-request",
                    format!("{path}:{} reads {} on the server; its logic needs the request's cookies, headers or body, so no query function is generated", site.location.line, route.url),
                )
                .at(site.location.clone()),
            );
            None
        }
        _ => None,
    }
}

//! What an `app-mutation` or `page-read` route becomes besides (or instead of) a route handler:
//! its logic in `features/<feature>/service.ts`, Server Actions in `actions.ts` for the app's
//! UI, query functions in `queries.ts` for its pages' server code, and the call sites rewritten
//! to use them. A thin route handler over the service stays while any caller still needs the
//! URL: a `pages/` component (Pages components cannot use Server Actions), a client-side read,
//! another package, a call routeshift could not rewrite.

use std::collections::{BTreeMap, HashMap, HashSet};

use transforms::call_sites::{self, Replacement, ReplacementKind};
use transforms::callers::url::RouteMatch;
use transforms::callers::{CallStyle, Runtime};
use transforms::classify::Class;
use transforms::diagnostic::{Diagnostic, Location};
use transforms::edit::Edit;
use transforms::parse::ParsedFile;
use transforms::route_handler::Converted;
use transforms::route_path::ApiRoute;
use transforms::service::{
    self, action_fragment, compose, naming, query_fragment, ActionStyle, Fragment, ServiceContext,
    ServiceFunction,
};
use transforms::text::{file_style, Style};

use crate::callgraph::ResolvedSite;
use crate::plan::{FileOperation, SharedFile};
use crate::project::Project;

/// The generated modules of every feature, filled route by route.
#[derive(Default)]
pub struct Features {
    files: BTreeMap<String, FeatureFile>,
    /// Names each feature's service declares so far.
    service_names: HashMap<String, HashSet<String>>,
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

impl Features {
    /// Extracts one route. `Err` carries why it keeps its plain route handler.
    #[allow(clippy::too_many_arguments)]
    pub fn migrate(
        &mut self,
        project: &Project,
        plan_index: usize,
        class: Class,
        route: &ApiRoute,
        parsed: &ParsedFile,
        callers: &[ResolvedSite],
        compat_stem: &str,
        moved_route: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Migrated, Vec<Diagnostic>> {
        let ext = if project.typescript { "ts" } else { "js" };
        let feature_dir = format!("{}/{}", features_root(project), naming::feature(route));
        let module = |kind: &str| format!("{feature_dir}/{kind}");
        for kind in ["service", "actions", "queries"] {
            let path = format!("{}.{ext}", module(kind));
            if project.root.join(&path).exists() {
                return Err(vec![Diagnostic::manual(
                    "manual/extract-existing-feature",
                    format!("{path} already exists; routeshift does not add to an existing module"),
                )
                .with_help(
                    "its route handler is converted; move the logic into the feature by hand",
                )
                .at(Location {
                    path: parsed.path.clone(),
                    line: 1,
                    column: 1,
                })]);
            }
        }
        let service_specifier = specifier_for(project, &parsed.path, &module("service"));
        let taken = self
            .service_names
            .get(&feature_dir)
            .cloned()
            .unwrap_or_default();
        let extraction = service::extract(
            parsed,
            &ServiceContext {
                route,
                feature_dir: &feature_dir,
                service_specifier: &service_specifier,
                taken: &taken,
                compat_module: compat_stem,
                moved_route,
            },
        )?;
        let style = file_style(parsed);
        let app = format!("{}/", project.app_dir());
        let pages = format!("{}/", project.pages_dir);

        // Each caller: switched to an action or query (rewritten, or listed), or still on the URL.
        let mut needs_url: Vec<String> = Vec::new();
        let mut notes: Vec<Diagnostic> = Vec::new();
        let mut edits: BTreeMap<String, (String, Vec<Edit>)> = BTreeMap::new();
        let mut parsed_callers: HashMap<String, Option<ParsedFile>> = HashMap::new();
        let mut actions: Vec<(&ServiceFunction, ActionStyle)> = Vec::new();
        let mut queries: Vec<&ServiceFunction> = Vec::new();
        let mut query_importers_outside_app = false;
        // Phase one: where each caller goes.
        let mut decisions: Vec<(&ResolvedSite, Option<Switch>)> = Vec::new();
        for caller in callers {
            let site = &caller.site;
            let path = &site.location.path;
            if caller.package.is_some() || !matches!(caller.target, RouteMatch::Route(_)) {
                decisions.push((caller, None));
                continue;
            }
            let method = site.method.unwrap_or(match site.style {
                CallStyle::Fetch => "GET",
                _ => "",
            });
            let function = extraction
                .functions
                .iter()
                .find(|f| f.methods.contains(&method));
            let in_app = path.starts_with(&app) && !is_route_file(path);
            let in_pages = path.starts_with(&pages) && !path.starts_with(&format!("{pages}api/"));
            let mut switch = match (function, &site.style, site.context.runtime) {
                (Some(f), CallStyle::Fetch, Runtime::Client) if in_app && !f.is_read() => {
                    Some(Switch::Action(f, ActionStyle::Arguments))
                }
                (Some(f), CallStyle::FormAction, _) if in_app && !f.is_read() => {
                    Some(Switch::Action(f, ActionStyle::Form))
                }
                (Some(f), CallStyle::Fetch, Runtime::Server)
                    if (in_app || in_pages) && f.is_read() =>
                {
                    Some(Switch::Query(f))
                }
                _ => None,
            };
            if let Some(Switch::Query(f)) = switch {
                if query_fragment(
                    f,
                    &f.name,
                    &route.params,
                    "./service",
                    &style,
                    project.typescript,
                )
                .is_none()
                {
                    notes.push(
                        Diagnostic::note(
                            "note/query-needs-request",
                            format!("{path}:{} reads {} on the server; its logic needs the request's cookies, headers or body, so no query function is generated", site.location.line, route.url),
                        )
                        .at(site.location.clone()),
                    );
                    switch = None;
                }
            }
            if let Some(Switch::Action(f, ActionStyle::Form)) = switch {
                if action_fragment(
                    f,
                    &f.name,
                    ActionStyle::Form,
                    &route.params,
                    "./service",
                    &style,
                    project.typescript,
                )
                .is_none()
                {
                    switch = None;
                }
            }
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
                    if !in_app {
                        query_importers_outside_app = true;
                    }
                }
                Some(Switch::Action(..)) | None => {}
            }
            decisions.push((caller, switch));
        }

        // Phase two: rewrite the call sites that switch.
        for (caller, switch) in decisions {
            let site = &caller.site;
            let path = &site.location.path;
            let describe = format!("{} ({}:{})", site.style, path, site.location.line);
            let Some(switch) = switch else {
                if path.starts_with(&pages) && !path.starts_with(&format!("{pages}api/")) {
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
            let method = site.method.unwrap_or("GET");
            let (function, kind, module_kind) = match switch {
                Switch::Action(f, ActionStyle::Arguments) => {
                    (f, ReplacementKind::Action, "actions")
                }
                Switch::Action(f, ActionStyle::Form) => (f, ReplacementKind::FormAction, "actions"),
                Switch::Query(f) => (f, ReplacementKind::Query, "queries"),
            };
            let function_name = action_name(function, kind, &actions);
            let module_specifier = specifier_for(project, path, &module(module_kind));
            let caller_file = parsed_callers.entry(path.clone()).or_insert_with(|| {
                project
                    .files
                    .iter()
                    .find(|f| f.path == *path)
                    .and_then(|f| ParsedFile::parse(&f.path, &f.text).ok())
            });
            let outcome = match caller_file.as_ref() {
                None => Err(format!("{path} could not be read again")),
                Some(file) => {
                    let offset =
                        call_sites::call_offset(file, site.location.line, site.location.column);
                    let searchable = function.inputs.iter().any(|i| {
                        matches!(
                            i.source,
                            service::InputSource::Search { .. } | service::InputSource::Query
                        )
                    });
                    match offset {
                        None => Err("the call could not be found again".to_string()),
                        Some(_) if searchable => {
                            Err("the logic reads the query string".to_string())
                        }
                        Some(offset) => call_sites::rewrite(
                            file,
                            offset,
                            &Replacement {
                                function: &function_name,
                                module: &module_specifier,
                                kind,
                                route: &route.url,
                                method,
                                takes_body: function
                                    .inputs
                                    .iter()
                                    .any(|i| i.source == service::InputSource::Body),
                                can_fail: function.can_fail(),
                            },
                        )
                        .map(|rewrite| (rewrite, file.text.clone()))
                        .map_err(|not| {
                            format!("{}; call `{}` instead", not.reason, not.suggestion)
                        }),
                    }
                }
            };
            match outcome {
                Ok((rewrite, original)) => {
                    let entry = edits.entry(path.clone()).or_insert((original, Vec::new()));
                    for edit in rewrite.edits.into_iter().chain(rewrite.import) {
                        if !entry.1.contains(&edit) {
                            entry.1.push(edit);
                        }
                    }
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
                Class::PageRead if function.is_read() => {
                    let possible = query_fragment(
                        function,
                        &function.name,
                        &route.params,
                        "./service",
                        &style,
                        project.typescript,
                    )
                    .is_some();
                    if possible && !queries.iter().any(|q| q.name == function.name) {
                        queries.push(function);
                    }
                }
                _ => {}
            }
        }

        // The modules.
        let typescript = project.typescript;
        let service_path = format!("{}.{ext}", module("service"));
        self.add(
            &service_path,
            ModuleKind::Service,
            &style,
            plan_index,
            extraction.service.clone(),
            false,
        );
        self.service_names
            .entry(feature_dir.clone())
            .or_default()
            .extend(extraction.service.names().into_iter().map(String::from));
        for (function, action_style) in &actions {
            let name = match action_style {
                ActionStyle::Form
                    if actions
                        .iter()
                        .any(|(f, s)| f.name == function.name && *s == ActionStyle::Arguments) =>
                {
                    format!("{}FromForm", function.name)
                }
                _ => function.name.clone(),
            };
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
                edits: merge_imports(edits),
            })
            .collect();
        let location = Location {
            path: parsed.path.clone(),
            line: 1,
            column: 1,
        };
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
            Some(extraction.route_handler.clone())
        };
        Ok(Migrated {
            route_handler,
            operations,
            notes,
        })
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
    pub fn into_shared(self) -> Vec<(SharedFile, Vec<usize>)> {
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

/// Import insertions of several functions from one module at one place become one import:
/// `import { updateTodo, deleteTodo } from '…'`.
fn merge_imports(edits: Vec<Edit>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::new();
    for edit in edits {
        let parsed = parse_import_line(&edit);
        let existing = parsed.as_ref().and_then(|(_, from)| {
            out.iter_mut().find(|e| {
                e.range == edit.range
                    && parse_import_line(e).is_some_and(|(_, other)| other == *from)
            })
        });
        match (existing, parsed) {
            (Some(existing), Some((name, _))) => {
                if let Some(close) = existing.replacement.find(" } from ") {
                    existing.replacement.insert_str(close, &format!(", {name}"));
                }
            }
            _ => out.push(edit),
        }
    }
    out
}

/// `import { name } from '…'` inserted by a call-site rewrite: `(name, from-clause)`.
fn parse_import_line(edit: &Edit) -> Option<(String, String)> {
    if !edit.range.is_empty() {
        return None;
    }
    let line = edit.replacement.trim();
    let rest = line.strip_prefix("import { ")?;
    let (names, from) = rest.split_once(" } from ")?;
    Some((names.to_string(), from.to_string()))
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

/// How `from` imports `target` (project path without extension): through the `@/` alias when
/// the project has one that reaches it, else relatively.
fn specifier_for(project: &Project, from: &str, target: &str) -> String {
    for (prefix, _) in &project.aliases {
        if let Some(stem) = prefix.strip_suffix('*') {
            let candidate = project.specifier(from, target, &format!("{stem}x"));
            if candidate.starts_with(stem) {
                return candidate;
            }
        }
    }
    project.specifier(from, target, "./x")
}

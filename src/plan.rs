//! Planning: every file is parsed once (in parallel), each API route is converted by the pure
//! transform, and the results are checked against the rest of the project (who imports a route,
//! where the new file would go) before they become file operations.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use transforms::callers::url::RouteMatch;
use transforms::callers::{self, Area, FileCalls};
use transforms::classify::decide::{self, Caller, Override};
use transforms::classify::overrides::{self, RouteOverride};
use transforms::classify::signals::{self, HandlerSignals};
use transforms::classify::{Class, Classification};
use transforms::compat;
use transforms::diagnostic::{Diagnostic, Location};
use transforms::edit::Edit;
use transforms::helper_module::{self, HelperForm, HelperModule};
use transforms::imports::{self, ModuleReference};
use transforms::parse::ParsedFile;
use transforms::route_handler::{
    self, Outcome, OutputCheck, PageIndex, PagePath, RouteContext, Unchecked,
};
use transforms::route_path::{api_route, ApiRoute, RoutePathError};
use transforms::service;
use transforms::shared_exports;

use crate::callgraph::{self, CallFile, CallGraph, ResolvedSite};
use crate::features::{Extracted, ExtractionTarget, Features};
use crate::progress::Progress;
use crate::project::{DiskProbe, Project};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStatus {
    /// Becomes a route handler.
    Converted,
    /// Stays where it is: a person has to migrate it.
    Manual,
    /// Could not be processed (does not parse, path conflict, …).
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOperation {
    Create {
        path: String,
        contents: String,
    },
    /// `edits` over `original`, the file as it was read (shared with the project's copy).
    Modify {
        path: String,
        original: Arc<str>,
        edits: Vec<Edit>,
    },
    Delete {
        path: String,
        original: Arc<str>,
    },
}

impl FileOperation {
    pub fn path(&self) -> &str {
        match self {
            FileOperation::Create { path, .. }
            | FileOperation::Modify { path, .. }
            | FileOperation::Delete { path, .. } => path,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            FileOperation::Create { .. } => "create",
            FileOperation::Modify { .. } => "modify",
            FileOperation::Delete { .. } => "delete",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RoutePlan {
    /// `/api/items/[id]`.
    pub url: String,
    /// The pages file, project-relative.
    pub source: String,
    pub status: RouteStatus,
    pub methods: Vec<&'static str>,
    pub diagnostics: Vec<Diagnostic>,
    pub operations: Vec<FileOperation>,
    /// Shared files this route needs (indices into [`Plan::shared`]).
    pub shared: Vec<usize>,
    /// What kind of endpoint it is, and why (`None` when the file could not be read).
    pub classification: Option<Classification>,
    /// The call sites that reach it.
    pub callers: Vec<ResolvedSite>,
    /// The methods its handler answers.
    pub handler_methods: Vec<&'static str>,
    /// Its logic went into a feature service (see [`crate::features`]).
    pub extracted: bool,
}

/// A file several routes need, written once before them.
#[derive(Debug, Clone)]
pub struct SharedFile {
    pub path: String,
    pub contents: String,
    /// The project already has this exact file: nothing to write.
    pub up_to_date: bool,
    /// What it is, for the commit that adds it.
    pub purpose: String,
    /// The file as it was read, when the project has it and routeshift adds to it.
    pub original: Option<Arc<str>>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub routes: Vec<RoutePlan>,
    pub shared: Vec<SharedFile>,
    /// Findings not tied to one route (files that do not parse, set-up warnings).
    pub diagnostics: Vec<Diagnostic>,
    /// Every call site found, matched or not.
    pub graph: CallGraph,
}

impl Plan {
    pub fn count(&self, status: RouteStatus) -> usize {
        self.routes.iter().filter(|r| r.status == status).count()
    }

    /// Routes that failed, and failures not tied to a route (a file that does not parse).
    pub fn errors(&self) -> usize {
        self.count(RouteStatus::Error)
            + self
                .diagnostics
                .iter()
                .filter(|d| d.severity == transforms::Severity::Error)
                .count()
    }
}

/// What phase one learns about a file.
struct FileAnalysis {
    references: Vec<ModuleReference>,
    calls: FileCalls,
    route: Option<RouteAnalysis>,
    parse_error: Option<Diagnostic>,
}

enum RouteAnalysis {
    /// Under pages/api but without a default export: a helper module, it stays.
    Helper,
    Route(Box<AnalyzedRoute>),
    BadPath {
        route_url: String,
        diagnostic: Diagnostic,
    },
}

/// A route file's conversion and what its code says about its callers.
struct AnalyzedRoute {
    route: ApiRoute,
    outcome: Outcome,
    signals: HandlerSignals,
    comment_override: Result<Option<(Class, Location)>, Diagnostic>,
    /// Why a converted route's logic cannot go to a service, when its handler's shape alone
    /// says so (see [`service::refusal_before_naming`]): found here, from the parse at hand,
    /// so that the extraction pass need not parse the route again.
    extraction_refusal: Option<Vec<Diagnostic>>,
}

/// What the compat module is, for the commit that adds it.
const COMPAT_PURPOSE: &str = "the Pages API compat module: functions that keep the Pages API \
     behaviour (query, body parsing, response content types) in the migrated route handlers";

fn stem(path: &str) -> &str {
    path.rsplit_once('.').map_or(path, |(stem, _)| stem)
}

/// Builds the plan for a project. `overrides` are the validated entries of `routeshift.toml`.
pub fn plan(project: &Project, overrides: &[RouteOverride]) -> Plan {
    plan_for(project, overrides, &PlanOptions::default())
}

/// How a run wants its plan made.
#[derive(Default)]
pub struct PlanOptions<'a> {
    /// Counts the files analysed, for a progress bar.
    pub progress: Option<&'a Progress>,
    /// Route files (project-relative) to leave as they are, as if they could not be converted:
    /// what would follow from them (services, caller rewrites, helper forms, moved values)
    /// follows from the other routes only. `migrate --interactive` excludes the rejected ones.
    pub excluded: HashSet<String>,
    /// Only who calls each route and its class (`classify`): no route is converted, so every
    /// route is left as it is, without diagnostics of its own.
    pub classify_only: bool,
}

/// [`plan`] with options.
pub fn plan_for(project: &Project, overrides: &[RouteOverride], options: &PlanOptions) -> Plan {
    plan_checking(project, overrides, options, Unchecked::check)
}

/// Route files (project-relative) whose conversion failed its output check, with why: planned
/// as if they could not be converted.
type FailedChecks = HashMap<String, Vec<Diagnostic>>;

/// [`plan_for`], with `check` for the outputs checked late (see [`OutputCheck::Later`]). A plan
/// in which an output fails its check is made again with that route left as it is, so that
/// nothing else counts on it moving: this happens only when a transform has a bug, and costs
/// a second planning then.
fn plan_checking(
    project: &Project,
    overrides: &[RouteOverride],
    options: &PlanOptions,
    check: impl Fn(&Unchecked, &str) -> Result<String, Vec<Diagnostic>> + Sync,
) -> Plan {
    let mut failed = FailedChecks::new();
    loop {
        match plan_with(project, overrides, None, options, &failed, &check) {
            Ok(plan) => return plan,
            // Each round leaves at least one more route as it is: it ends.
            Err(more) => failed.extend(more),
        }
    }
}

/// What the first pass learnt, for planning the project again after shared values moved.
struct EarlierPass {
    analyses: Vec<FileAnalysis>,
    package_calls: Vec<FileCalls>,
    /// Files the moves rewrote: analysed again.
    changed: HashSet<usize>,
}

/// Without `earlier` (the first pass), values that other files import from route files may
/// move to neutral modules (see [`shared_moves`]); the project is then planned again as if that
/// had been done, reusing the first pass's analysis of every file the moves left alone.
fn plan_with(
    project: &Project,
    overrides: &[RouteOverride],
    earlier: Option<EarlierPass>,
    options: &PlanOptions,
    failed_checks: &FailedChecks,
    check: &(impl Fn(&Unchecked, &str) -> Result<String, Vec<Diagnostic>> + Sync),
) -> Result<Plan, FailedChecks> {
    let move_shared = earlier.is_none();
    let (mut reusable, earlier_package_calls) = match earlier {
        Some(pass) => {
            let changed = pass.changed;
            let analyses = pass
                .analyses
                .into_iter()
                .enumerate()
                .map(|(i, a)| (!changed.contains(&i)).then_some(a))
                .collect();
            (analyses, Some(pass.package_calls))
        }
        None => (Vec::new(), None),
    };
    // New files (a moved module) have no earlier analysis.
    reusable.resize_with(project.files.len(), || None);
    let candidate_of: HashMap<usize, usize> = project
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.file, i))
        .collect();
    let compat_stem = format!("{}/{}", project.lib_dir(), compat::MODULE_STEM);
    // Where each route module would go, by every stem an import can name it with
    // (`pages/api/items/index` and `pages/api/items`). A cheap look at the text tells routes
    // from helpers; phase two corrects any guess.
    let mut moves: HashMap<String, String> = HashMap::new();
    for candidate in &project.candidates {
        let text = &project.files[candidate.file].text;
        let looks_like_route = text.contains("export default")
            || text.contains("as default")
            || text.contains("module.exports");
        if let (true, Ok(route)) = (
            looks_like_route,
            api_route(&project.pages_dir, &candidate.relative, &candidate.suffix),
        ) {
            insert_moves(&mut moves, &route);
        }
    }

    let index: HashMap<&str, usize> = project
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    // The project's response helpers, which the routes need to know before they convert.
    // Their analysis for phase one is made from the same parse (each file is parsed once).
    let helper_parses: Vec<(usize, HelperModule, Option<FileAnalysis>)> = project
        .files
        .par_iter()
        .enumerate()
        .filter(|(i, f)| {
            !options.classify_only
                && !candidate_of.contains_key(i)
                && helper_module::may_hold_helpers(&f.text)
        })
        .filter_map(|(i, f)| {
            let parsed = ParsedFile::parse(&f.path, &f.text).ok()?;
            let module = helper_module::analyze(&parsed);
            let analysis = reusable[i]
                .is_none()
                .then(|| file_analysis(project, &parsed, None));
            Some((i, module, analysis))
        })
        .collect();
    let mut helper_modules: HashMap<usize, HelperModule> = HashMap::new();
    for (i, module, analysis) in helper_parses {
        if analysis.is_some() {
            reusable[i] = analysis;
        }
        if !module.forms.is_empty() || !module.refused.is_empty() {
            helper_modules.insert(i, module);
        }
    }
    crate::timings::mark("helper modules analysed");
    let helpers = HelperCatalogue {
        project,
        index: &index,
        modules: &helper_modules,
        manifest: crate::workspace::read_json(&project.root.join("package.json")),
    };

    // Phase one: parse every file once, in parallel; convert the routes.
    let phase_one = ConvertContext {
        compat_stem: &compat_stem,
        moves: &moves,
        helpers: &helpers,
        failed_checks,
    };
    if let Some(progress) = options.progress {
        progress.stage("analysing files", project.files.len());
    }
    let mut analyses: Vec<FileAnalysis> = reusable
        .into_par_iter()
        .zip(project.files.par_iter())
        .enumerate()
        .map(|(index, (earlier, file))| {
            if let Some(progress) = options.progress {
                progress.advance();
            }
            if let Some(analysis) = earlier {
                return analysis;
            }
            let parsed = match ParsedFile::parse(&file.path, &file.text) {
                Ok(parsed) => parsed,
                Err(error) => {
                    return FileAnalysis {
                        references: Vec::new(),
                        calls: FileCalls::default(),
                        route: None,
                        parse_error: Some(error),
                    }
                }
            };
            let route = candidate_of
                .get(&index)
                .map(|&c| analyze_route(project, c, &parsed, &phase_one, options));
            file_analysis(project, &parsed, route)
        })
        .collect();
    crate::timings::mark("files parsed, routes converted");
    // The workspace packages beside the app: read for their calls only.
    let package_calls: Vec<FileCalls> = earlier_package_calls.unwrap_or_else(|| {
        project
            .package_files
            .par_iter()
            .map(|p| match ParsedFile::parse(&p.file.path, &p.file.text) {
                Ok(parsed) => callers::extract(&parsed, Area::Other),
                Err(_) => FileCalls::default(),
            })
            .collect()
    });

    crate::timings::mark("workspace packages read");
    let mut diagnostics: Vec<Diagnostic> = project
        .warnings
        .iter()
        .map(|w| Diagnostic::note("note/project", w.clone()))
        .collect();
    for (path, reason) in &project.unreadable {
        diagnostics.push(Diagnostic::error(
            "io/unreadable",
            format!("{path} could not be read: {reason}"),
        ));
    }

    // Routes, in file order.
    struct Working {
        file: usize,
        route: Option<ApiRoute>,
        url: String,
        outcome: Outcome,
        blockers: Vec<Diagnostic>,
        type_importers: Vec<(usize, ModuleReference)>,
        signals: Option<HandlerSignals>,
        comment_override: Result<Option<(Class, Location)>, Diagnostic>,
        extraction_refusal: Option<Vec<Diagnostic>>,
    }
    let mut routes: Vec<Working> = Vec::new();
    // Routes whose outcome is phase one's conversion.
    let mut converted_in_phase_one: Vec<usize> = Vec::new();
    let mut route_of_file: HashMap<usize, usize> = HashMap::new();
    for (file_index, analysis) in analyses.iter().enumerate() {
        let Some(&candidate) = candidate_of.get(&file_index) else {
            if let Some(error) = &analysis.parse_error {
                diagnostics.push(error.clone());
            }
            continue;
        };
        let mut signals = None;
        let mut comment_override = Ok(None);
        let mut extraction_refusal = None;
        let (route, url, outcome) = match (&analysis.parse_error, &analysis.route) {
            (Some(error), _) => {
                let c = &project.candidates[candidate];
                let url = api_route(&project.pages_dir, &c.relative, &c.suffix)
                    .map(|r| r.url)
                    .unwrap_or_default();
                (None, url, Outcome::Manual(vec![error.clone()]))
            }
            (None, Some(RouteAnalysis::Route(analyzed))) => {
                signals = Some(analyzed.signals.clone());
                comment_override = analyzed.comment_override.clone();
                extraction_refusal = analyzed.extraction_refusal.clone();
                // The conversion itself is taken from phase one below, once it is sure that no
                // second pass reuses the analysis.
                (
                    Some(analyzed.route.clone()),
                    analyzed.route.url.clone(),
                    Outcome::Manual(Vec::new()),
                )
            }
            (
                None,
                Some(RouteAnalysis::BadPath {
                    route_url,
                    diagnostic,
                }),
            ) => (
                None,
                route_url.clone(),
                Outcome::Manual(vec![diagnostic.clone()]),
            ),
            (None, Some(RouteAnalysis::Helper)) | (None, None) => continue,
        };
        let excluded = options.excluded.contains(&project.files[file_index].path);
        let outcome = if excluded {
            Outcome::Manual(vec![excluded_note(&project.files[file_index].path)])
        } else {
            outcome
        };
        if !excluded && matches!(analysis.route, Some(RouteAnalysis::Route(_))) {
            converted_in_phase_one.push(routes.len());
        }
        route_of_file.insert(file_index, routes.len());
        routes.push(Working {
            file: file_index,
            route,
            url,
            outcome,
            blockers: Vec::new(),
            type_importers: Vec::new(),
            signals,
            comment_override,
            extraction_refusal,
        });
    }

    // Who imports a route: values block it (the import would break), types follow it.
    let mut value_importers: BTreeMap<usize, Vec<(usize, ModuleReference)>> = BTreeMap::new();
    // Each file's references that reach a route file, found in parallel, taken in file order.
    let route_references: Vec<Vec<(&ModuleReference, usize)>> = analyses
        .par_iter()
        .enumerate()
        .map(|(file_index, analysis)| {
            let from = &project.files[file_index].path;
            analysis
                .references
                .iter()
                .filter_map(|reference| {
                    let target = project.resolve(from, &reference.specifier, &index)?;
                    let &route_index = route_of_file.get(&target)?;
                    Some((reference, route_index))
                })
                .collect()
        })
        .collect();
    for (file_index, references) in route_references.into_iter().enumerate() {
        for (reference, route_index) in references {
            let target = routes[route_index].file;
            if target == file_index {
                continue;
            }
            let importer_is_route = route_of_file.contains_key(&file_index);
            let relative = imports::is_relative(&reference.specifier);
            let location = reference.location.clone();
            if reference.type_only && (!importer_is_route || relative) {
                if !importer_is_route {
                    routes[route_index]
                        .type_importers
                        .push((file_index, reference.clone()));
                }
            } else {
                value_importers
                    .entry(route_index)
                    .or_default()
                    .push((file_index, reference.clone()));
                let names = reference.names.join(", ");
                routes[route_index].blockers.push(
                    Diagnostic::manual(
                        "manual/route-imported",
                        format!("{} imports `{names}` from this route file, which route.ts may not export", location.path),
                    )
                    .with_help("move what is shared into a module outside pages/api, point the imports there, and run routeshift again")
                    .at(location),
                );
            }
        }
    }

    crate::timings::mark("route importers found");
    // Shared values move out of the route files first, then the project is planned again.
    if move_shared && !options.classify_only {
        let importers: Vec<(usize, Vec<(usize, ModuleReference)>)> = value_importers
            .into_iter()
            .map(|(route, importers)| (routes[route].file, importers))
            .collect();
        // An excluded route keeps its values (and its importers their imports).
        let importers: Vec<_> = importers
            .into_iter()
            .filter(|(file, _)| !options.excluded.contains(&project.files[*file].path))
            .collect();
        if let Some((moved, files, changed)) = shared_moves(project, &candidate_of, &importers) {
            let earlier = EarlierPass {
                analyses,
                package_calls,
                changed,
            };
            let inner = plan_with(
                &moved,
                overrides,
                Some(earlier),
                options,
                failed_checks,
                check,
            )?;
            return Ok(with_shared_moves(inner, files));
        }
    }

    for i in converted_in_phase_one {
        let route = &mut routes[i];
        if let Some(RouteAnalysis::Route(analyzed)) = &mut analyses[route.file].route {
            route.outcome = std::mem::replace(&mut analyzed.outcome, Outcome::Manual(Vec::new()));
        }
    }

    // Which routes move; routes that refer to one that does not are converted again.
    let mut moving: HashSet<usize> = HashSet::new();
    for (i, route) in routes.iter().enumerate() {
        if matches!(route.outcome, Outcome::Converted(_)) && route.blockers.is_empty() {
            moving.insert(i);
        }
    }
    for _round in 0..4 {
        let mut final_moves: HashMap<String, String> = HashMap::new();
        for &i in &moving {
            if let Some(route) = &routes[i].route {
                insert_moves(&mut final_moves, route);
            }
        }
        let stale: Vec<usize> = moving
            .iter()
            .copied()
            .filter(|&i| match &routes[i].outcome {
                Outcome::Converted(c) => c
                    .route_references
                    .iter()
                    .any(|r| !final_moves.contains_key(r)),
                _ => false,
            })
            .collect();
        if stale.is_empty() {
            break;
        }
        for i in stale {
            let file = &project.files[routes[i].file];
            let outcome = match (ParsedFile::parse(&file.path, &file.text), &routes[i].route) {
                (Ok(parsed), Some(route)) => convert(
                    &parsed,
                    route,
                    &ConvertContext {
                        compat_stem: &compat_stem,
                        moves: &final_moves,
                        helpers: &helpers,
                        failed_checks,
                    },
                ),
                (Err(error), _) => Outcome::Manual(vec![error]),
                (_, None) => continue,
            };
            if !matches!(outcome, Outcome::Converted(_)) {
                moving.remove(&i);
            }
            routes[i].outcome = outcome;
        }
    }

    let mut final_moves: HashMap<String, String> = HashMap::new();
    for &i in &moving {
        if let Some(route) = &routes[i].route {
            insert_moves(&mut final_moves, route);
        }
    }
    crate::timings::mark("routes converted again");
    let mut features = Features::new(project, &index);

    // Where the new files go must be free.
    let mut targets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in &moving {
        if let Some(route) = &routes[i].route {
            targets
                .entry(route.target_path.clone())
                .or_default()
                .push(i);
        }
    }
    let mut conflicts: HashMap<usize, Diagnostic> = HashMap::new();
    // The project's files by folder (in file order): each target looks only at its own folder.
    let mut files_by_dir: HashMap<&str, Vec<&str>> = HashMap::new();
    for file in &project.files {
        files_by_dir
            .entry(imports::parent(&file.path))
            .or_default()
            .push(&file.path);
    }
    let mut disk = DiskProbe::new(&project.root);
    for (target, owners) in &targets {
        let location = |i: usize| Location {
            path: project.files[routes[i].file].path.clone(),
            line: 1,
            column: 1,
        };
        if owners.len() > 1 {
            for &i in owners {
                conflicts.insert(
                    i,
                    Diagnostic::error(
                        "error/path-conflict",
                        format!("{} routes would all become {target}", owners.len()),
                    )
                    .with_help("Next.js serves only one of them: remove the duplicate route first")
                    .at(location(i)),
                );
            }
            continue;
        }
        let dir = imports::parent(target);
        let existing = files_by_dir.get(dir).and_then(|paths| {
            paths
                .iter()
                .find(|path| **path == *target || is_route_or_page(path))
        });
        let on_disk = disk.exists(target);
        if let Some(existing) = existing
            .map(|path| path.to_string())
            .or_else(|| on_disk.then(|| target.clone()))
        {
            conflicts.insert(
                owners[0],
                Diagnostic::error(
                    "error/path-conflict",
                    if existing == *target {
                        format!("{target} already exists")
                    } else {
                        format!("{existing} already exists in {dir}, where the route handler {target} would go")
                    },
                )
                    .with_help("Next.js cannot serve both: merge them by hand, or remove one, then run routeshift again")
                    .at(location(owners[0])),
            );
        }
    }

    // The compat module, written once for the routes that use it.
    let compat_path = format!(
        "{compat_stem}.{}",
        if project.typescript { "ts" } else { "js" }
    );
    let compat_contents = compat::module_source(project.typescript).to_string();
    let compat_existing = std::fs::read_to_string(project.root.join(&compat_path)).ok();
    let compat_conflict = compat_existing
        .as_ref()
        .is_some_and(|existing| *existing != compat_contents);
    let compat_file = SharedFile {
        path: compat_path.clone(),
        up_to_date: compat_existing.is_some(),
        contents: compat_contents,
        purpose: COMPAT_PURPOSE.to_string(),
        original: None,
    };
    let mut shared = Vec::new();
    let mut compat_index = None;

    // Who calls each route.
    // Route handlers the app already has under app/ take part in matching: a call that reaches
    // one of them is matched, not lost (route indices past the pages routes are theirs).
    let app_routes = app_route_urls(project);
    let urls: Vec<&str> = routes
        .iter()
        .map(|r| r.url.as_str())
        .chain(app_routes.iter().map(String::as_str))
        .collect();
    // Made in parallel: what each analysis holds besides its calls is freed here.
    let mut call_files: Vec<CallFile> = analyses
        .into_par_iter()
        .zip(project.files.par_iter())
        .map(|(analysis, file)| CallFile {
            path: file.path.clone(),
            package: None,
            calls: analysis.calls,
        })
        .collect();
    call_files.reserve(package_calls.len());
    for (file, calls) in project.package_files.iter().zip(package_calls) {
        call_files.push(CallFile {
            path: file.file.path.clone(),
            package: Some(file.package),
            calls,
        });
    }
    let graph = callgraph::build(project, &call_files, &urls);
    crate::timings::mark("call graph built");
    let callers_by_route = graph.callers_by_route();
    let mut route_callers: Vec<Vec<ResolvedSite>> = (0..routes.len())
        .into_par_iter()
        .map(|i| {
            callers_by_route
                .get(i)
                .map(|sites| sites.iter().map(|&s| graph.sites[s].clone()).collect())
                .unwrap_or_default()
        })
        .collect();
    let mut classifications: Vec<Option<Classification>> = routes
        .par_iter()
        .zip(&route_callers)
        .map(|(route, callers)| {
            let user_override = match &route.comment_override {
                Ok(Some((class, location))) => Some(Override {
                    class: *class,
                    source: "a routeshift comment",
                    location: location.clone(),
                }),
                Ok(None) => overrides
                    .iter()
                    .find(|o| o.route == route.url)
                    .map(|o| Override {
                        class: o.class,
                        source: "routeshift.toml",
                        location: o.location.clone(),
                    }),
                Err(_) => None,
            };
            let signals = route.signals.as_ref()?;
            let callers: Vec<Caller> = callers
                .iter()
                .map(|c| Caller {
                    site: &c.site,
                    package: c.package.as_deref(),
                    separate: c.separate,
                    certain: matches!(c.target, RouteMatch::Route(_)),
                })
                .collect();
            Some(decide::classify(
                &signals.evidence,
                &signals.methods,
                &callers,
                user_override.as_ref(),
            ))
        })
        .collect();
    crate::timings::mark("routes classified");
    // The routes the app's own UI and pages call are extracted into services below, one at a
    // time (a feature's names depend on the routes before). Most of that work is made here, in
    // parallel, with none of the feature's names taken; the loop keeps each result that takes
    // no name used by then, and extracts the others again.
    let extractions: Vec<(usize, &ApiRoute, ExtractionTarget)> = routes
        .iter()
        .enumerate()
        .filter(|(i, route)| {
            let class = classifications[*i].as_ref().map(|c| c.class);
            matches!(class, Some(Class::AppMutation | Class::PageRead))
                && matches!(route.outcome, Outcome::Converted(_))
                && route.blockers.is_empty()
                && route.type_importers.is_empty()
                && route.comment_override.is_ok()
        })
        .filter_map(|(i, route)| {
            let api = route.route.as_ref()?;
            let target = features.target(project, api, &project.files[route.file].path);
            Some((i, api, target))
        })
        .collect();
    if let Some(progress) = options.progress {
        progress.stage("extracting services", extractions.len());
    }
    // A refusal comes with the names whose taking would change it (see `names_sought`).
    type Early = Result<Extracted, (Vec<Diagnostic>, Vec<String>)>;
    let mut prepared: HashMap<usize, Early> = extractions
        .into_par_iter()
        .filter_map(|(i, api, target)| {
            if let Some(progress) = options.progress {
                progress.advance();
            }
            let refused = |problems| Err((problems, transforms::service::names_sought(api)));
            if let Some(refusal) = &routes[i].extraction_refusal {
                return Some((i, refused(refusal.clone())));
            }
            let file = &project.files[routes[i].file];
            let parsed = ParsedFile::parse(&file.path, &file.text).ok()?;
            let extracted = with_route_context(
                &parsed,
                api,
                &compat_stem,
                &final_moves,
                &helpers,
                OutputCheck::Now,
                |routing| target.extract(&parsed, routing, &HashSet::new()),
            );
            Some((i, extracted.or_else(refused)))
        })
        .collect();

    features.parse_callers(
        project,
        prepared.iter().filter_map(|(&i, extracted)| {
            Some((
                routes[i].route.as_ref()?,
                &route_callers[i][..],
                extracted.as_ref().ok()?,
            ))
        }),
    );
    crate::timings::mark("services extracted");
    let mut plans = Vec::new();
    // The route handlers whose output is checked once the plan is made (see `plan_checking`).
    struct LateCheck {
        plan: usize,
        operation: usize,
        unchecked: Unchecked,
    }
    let mut late_checks: Vec<LateCheck> = Vec::new();
    // For each helper module, the routes that call an App Router form of its helpers.
    let mut helper_users: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
    if let Some(progress) = options.progress {
        progress.stage("planning routes", routes.len());
    }
    for (i, route) in routes.into_iter().enumerate() {
        if let Some(progress) = options.progress {
            progress.advance();
        }
        let source = project.files[route.file].path.clone();
        let mut plan = RoutePlan {
            url: route.url.clone(),
            source: source.clone(),
            status: RouteStatus::Manual,
            methods: Vec::new(),
            diagnostics: Vec::new(),
            operations: Vec::new(),
            shared: Vec::new(),
            classification: None,
            callers: std::mem::take(&mut route_callers[i]),
            handler_methods: Vec::new(),
            extracted: false,
        };
        if let Some(signals) = &route.signals {
            plan.classification = classifications[i].take();
            plan.handler_methods = signals.methods.clone();
        }
        if let Err(problem) = &route.comment_override {
            plan.status = RouteStatus::Error;
            plan.diagnostics.push(problem.clone());
            plans.push(plan);
            continue;
        }
        match route.outcome {
            Outcome::Manual(problems) => {
                plan.status = if problems
                    .iter()
                    .any(|p| p.severity == transforms::Severity::Error)
                {
                    RouteStatus::Error
                } else {
                    RouteStatus::Manual
                };
                plan.diagnostics = problems;
            }
            Outcome::Converted(_) if !route.blockers.is_empty() => {
                plan.diagnostics = route.blockers
            }
            Outcome::Converted(converted) => {
                let Some(api) = route.route else { continue };
                if let Some(conflict) = conflicts.remove(&i) {
                    plan.status = RouteStatus::Error;
                    plan.diagnostics.push(conflict);
                } else if !converted.compat.is_empty() && compat_conflict {
                    plan.status = RouteStatus::Error;
                    plan.diagnostics.push(
                        Diagnostic::error("error/path-conflict", format!("{compat_path} exists with other contents"))
                            .with_help("routeshift writes its compat module there; move that file away and run routeshift again")
                            .at(Location { path: source.clone(), line: 1, column: 1 }),
                    );
                } else {
                    // Routes the app's own UI and pages call get a service and the App
                    // Router's own entry points; the route handler stays only while needed.
                    let mut converted = Some(converted);
                    let mut caller_operations = Vec::new();
                    let mut feature_notes = Vec::new();
                    let class = plan.classification.as_ref().map(|c| c.class);
                    if let (Some(Class::AppMutation | Class::PageRead), Some((importer, _))) =
                        (class, route.type_importers.first())
                    {
                        // They follow the route to its route.ts, which must then exist.
                        feature_notes.push(
                            Diagnostic::manual(
                                "manual/extract-type-importers",
                                format!("{} imports types from this route", project.files[*importer].path),
                            )
                            .with_help("its route handler is converted; move the shared types to a module of their own to extract the logic")
                            .at(Location { path: source.clone(), line: 1, column: 1 }),
                        );
                    } else if let Some(class @ (Class::AppMutation | Class::PageRead)) = class {
                        let file = &project.files[route.file];
                        let early = prepared.remove(&i);
                        let outcome = features.migrate(
                            project,
                            plans.len(),
                            class,
                            &api,
                            &file.path,
                            &plan.callers,
                            |target, taken| {
                                // With no names taken yet, the early result is the result.
                                match early {
                                    Some(Ok(extracted)) if extracted.fits(taken) => {
                                        return Ok(extracted)
                                    }
                                    Some(Err((problems, sought)))
                                        if !sought.iter().any(|name| taken.contains(name)) =>
                                    {
                                        return Err(problems)
                                    }
                                    _ => {}
                                }
                                let parsed = ParsedFile::parse(&file.path, &file.text)
                                    .map_err(|d| vec![d])?;
                                with_route_context(
                                    &parsed,
                                    &api,
                                    &compat_stem,
                                    &final_moves,
                                    &helpers,
                                    OutputCheck::Now,
                                    |routing| target.extract(&parsed, routing, taken),
                                )
                            },
                        );
                        match outcome {
                            Ok(migrated) => {
                                plan.extracted = true;
                                converted = migrated.route_handler;
                                caller_operations = migrated.operations;
                                feature_notes = migrated.notes;
                            }
                            Err(problems) => feature_notes = problems,
                        }
                    }
                    plan.status = RouteStatus::Converted;
                    if let Some(mut converted) = converted {
                        plan.methods = converted.methods.clone();
                        plan.diagnostics = converted.notes.clone();
                        if !converted.compat.is_empty() {
                            plan.shared.push(compat_slot(
                                &mut shared,
                                &mut compat_index,
                                &compat_file,
                            ));
                        }
                        for (specifier, name) in &converted.helpers {
                            if let Some((file, _)) = helpers.form(&source, specifier, name) {
                                helper_users
                                    .entry(file)
                                    .or_default()
                                    .push((plans.len(), name.clone()));
                            }
                        }
                        if let Some(unchecked) = converted.unchecked.take() {
                            late_checks.push(LateCheck {
                                plan: plans.len(),
                                operation: plan.operations.len(),
                                unchecked,
                            });
                        }
                        plan.operations.push(FileOperation::Create {
                            path: api.target_path.clone(),
                            contents: converted.text,
                        });
                    }
                    plan.diagnostics.extend(feature_notes);
                    plan.operations.push(FileOperation::Delete {
                        path: source.clone(),
                        original: project.files[route.file].text.clone(),
                    });
                    // Type-only importers follow the route to its new place.
                    let mut modified: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
                    for (importer, reference) in &route.type_importers {
                        let specifier = project.specifier(
                            &project.files[*importer].path,
                            stem(&api.target_path),
                            &reference.specifier,
                        );
                        modified
                            .entry(*importer)
                            .or_default()
                            .push(Edit::replace(reference.range.clone(), specifier));
                    }
                    for (importer, edits) in modified {
                        let file = &project.files[importer];
                        plan.operations.push(FileOperation::Modify {
                            path: file.path.clone(),
                            original: file.text.clone(),
                            edits,
                        });
                    }
                    merge_operations(&mut plan.operations, caller_operations);
                }
            }
        }
        plans.push(plan);
    }
    crate::timings::mark("routes planned");
    // The outputs kept are checked (in parallel); those of routes whose logic went to a service
    // never were. A failed check means planning again without that route.
    let checked: Vec<Result<String, Vec<Diagnostic>>> = late_checks
        .par_iter()
        .map(|late| match &plans[late.plan].operations[late.operation] {
            FileOperation::Create { contents, .. } => check(&late.unchecked, contents),
            // Recorded for the route handler it creates, which no later step moves.
            _ => Err(vec![Diagnostic::error(
                "internal/late-check",
                format!(
                    "routeshift lost track of the route handler {} before checking it",
                    late.unchecked.target_path()
                ),
            )
            .with_help(
                "please report this with the project; the route is left as it is",
            )]),
        })
        .collect();
    let mut failed = FailedChecks::new();
    for (late, result) in late_checks.iter().zip(checked) {
        let plan = &mut plans[late.plan];
        match result {
            Ok(text) => {
                if let FileOperation::Create { contents, .. } = &mut plan.operations[late.operation]
                {
                    *contents = text;
                }
            }
            Err(problems) => {
                failed.insert(plan.source.clone(), problems);
            }
        }
    }
    if !failed.is_empty() {
        return Err(failed);
    }
    crate::timings::mark("route handlers checked");
    for (file, users) in features.into_shared() {
        let index = shared.len();
        shared.push(file);
        for user in users {
            if let Some(plan) = plans.get_mut(user) {
                plan.shared.push(index);
            }
        }
    }
    for (file, users) in helper_users {
        let Some(module) = helper_modules.get(&file) else {
            continue;
        };
        let mut names: Vec<&str> = users.iter().map(|(_, name)| name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let forms: Vec<&HelperForm> = module.forms_with_requirements(&names);
        if forms.iter().all(|f| f.after.is_none()) {
            continue;
        }
        let path = &project.files[file].path;
        let compat_specifier = project.preferred_specifier(path, &compat_stem);
        let text = &project.files[file].text;
        let edits = helper_module::module_edits(
            text,
            module,
            &forms,
            &compat_specifier,
            project.typescript,
        );
        let Ok(contents) = transforms::edit::apply(text, &edits) else {
            continue;
        };
        let new_names: Vec<&str> = forms.iter().map(|f| f.helper.new_name.as_str()).collect();
        for form in forms.iter().filter(|f| f.after.is_some()) {
            diagnostics.extend(form.notes.iter().cloned());
        }
        // The new forms use the compat module: it is written before them.
        let compat = forms
            .iter()
            .any(|f| !f.compat.is_empty())
            .then(|| compat_slot(&mut shared, &mut compat_index, &compat_file));
        let index = shared.len();
        shared.push(SharedFile {
            path: path.clone(),
            contents,
            up_to_date: false,
            purpose: format!(
                "App Router forms of the project's {} ({}), beside the Pages API ones that routes not migrated yet still call",
                helper_kinds(&forms),
                new_names.join(", ")
            ),
            original: Some(project.files[file].text.clone()),
        });
        for (user, _) in users {
            if let Some(plan) = plans.get_mut(user) {
                for needed in compat.into_iter().chain([index]) {
                    if !plan.shared.contains(&needed) {
                        plan.shared.push(needed);
                    }
                }
            }
        }
    }
    crate::timings::mark("helper modules planned");
    plans.sort_by(|a, b| a.source.cmp(&b.source));
    diagnostics.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(Plan {
        routes: plans,
        shared,
        diagnostics,
        graph,
    })
}

/// The URL patterns of the App Router route handlers already in the project
/// (`app/(group)/api/items/[id]/route.ts` → `/api/items/[id]`).
/// What phase one keeps of a parsed file.
fn file_analysis(
    project: &Project,
    parsed: &ParsedFile,
    route: Option<RouteAnalysis>,
) -> FileAnalysis {
    FileAnalysis {
        references: imports::module_references(parsed),
        calls: match area(project, &parsed.path) {
            Some(area) => callers::extract(parsed, area),
            None => FileCalls::default(),
        },
        route,
        parse_error: None,
    }
}

fn app_route_urls(project: &Project) -> Vec<String> {
    let app = format!("{}/", project.app_dir());
    let mut urls: Vec<String> = project
        .files
        .iter()
        .filter_map(|file| {
            let inside = file.path.strip_prefix(&app)?;
            let (dir, name) = inside.rsplit_once('/').unwrap_or(("", inside));
            if !name.starts_with("route.") {
                return None;
            }
            let segments: Vec<&str> = dir
                .split('/')
                .filter(|s| {
                    // Route groups `(x)` and slots `@x` are not URL segments.
                    let group = s.starts_with('(') && s.ends_with(')');
                    !(s.is_empty() || group || s.starts_with('@'))
                })
                .collect();
            Some(format!("/{}", segments.join("/")))
        })
        .filter(|url| url == "/api" || url.starts_with("/api/"))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// Which part of the project a file is, for where its calls run; `None` for files whose calls
/// do not count (tests: they exercise routes, they are not clients of them).
fn area(project: &Project, path: &str) -> Option<Area> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let is_test = name.contains(".test.")
        || name.contains(".spec.")
        || segments.iter().any(|s| {
            matches!(
                *s,
                "__tests__" | "__mocks__" | "test" | "tests" | "e2e" | "cypress" | "playwright"
            )
        });
    if is_test {
        return None;
    }
    let pages = format!("{}/", project.pages_dir);
    let app = format!("{}/", project.app_dir());
    Some(if path.starts_with(&format!("{pages}api/")) {
        Area::PagesApi
    } else if path.starts_with(&pages) {
        Area::Pages
    } else if path.starts_with(&app) || path.starts_with("app/") {
        if name.starts_with("route.") {
            Area::AppRoute
        } else {
            Area::App
        }
    } else if (segments.len() == 1 || (segments.len() == 2 && segments[0] == "src"))
        && name.starts_with("middleware.")
    {
        Area::Middleware
    } else if segments
        .iter()
        .any(|s| matches!(*s, "scripts" | "script" | "bin" | "jobs" | "cron"))
    {
        Area::Script
    } else {
        Area::Other
    })
}

/// Adds `extra` to `operations`, folding edits of a file that is already modified into its
/// operation.
fn merge_operations(operations: &mut Vec<FileOperation>, extra: Vec<FileOperation>) {
    for operation in extra {
        if let FileOperation::Modify { path, edits, .. } = &operation {
            if let Some(FileOperation::Modify {
                edits: existing, ..
            }) = operations
                .iter_mut()
                .find(|o| matches!(o, FileOperation::Modify { path: p, .. } if p == path))
            {
                existing.extend(edits.iter().cloned());
                continue;
            }
        }
        operations.push(operation);
    }
}

fn is_route_or_page(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("route.") || name.starts_with("page.")
}

fn insert_moves(moves: &mut HashMap<String, String>, route: &ApiRoute) {
    let target = stem(&route.target_path).to_string();
    let source = stem(&route.source_path);
    moves.insert(source.to_string(), target.clone());
    if let Some(dir) = source.strip_suffix("/index") {
        moves.insert(dir.to_string(), target);
    }
}

fn analyze_route(
    project: &Project,
    candidate: usize,
    parsed: &ParsedFile,
    context: &ConvertContext,
    options: &PlanOptions,
) -> RouteAnalysis {
    let c = &project.candidates[candidate];
    if !route_handler::is_route_module(parsed) {
        return RouteAnalysis::Helper;
    }
    match api_route(&project.pages_dir, &c.relative, &c.suffix) {
        Ok(route) => {
            let outcome = if options.classify_only {
                Outcome::Manual(Vec::new())
            } else {
                convert(parsed, &route, context)
            };
            let signals = signals::handler_signals(parsed, &route.url);
            let comment_override = overrides::comment_override(parsed);
            let extraction_refusal = match outcome {
                Outcome::Converted(_) => service::refusal_before_naming(parsed),
                Outcome::Manual(_) => None,
            };
            RouteAnalysis::Route(Box::new(AnalyzedRoute {
                route,
                outcome,
                signals,
                comment_override,
                extraction_refusal,
            }))
        }
        Err(RoutePathError::ReservedSegment(segment)) => RouteAnalysis::BadPath {
            route_url: format!("/api/{}", c.relative),
            diagnostic: Diagnostic::manual(
                "manual/route-segment-name",
                format!("the folder or file name `{segment}` means something else under app/ (a route group or a parallel-route slot)"),
            )
            .with_help("rename the segment, or move this route by hand")
            .at(Location { path: parsed.path.clone(), line: 1, column: 1 }),
        },
    }
}

/// Why an excluded route stays (see [`PlanOptions::excluded`]).
fn excluded_note(path: &str) -> Diagnostic {
    Diagnostic::note(
        "note/rejected-in-review",
        "not accepted in the interactive review: the route stays as it is",
    )
    .with_help("run routeshift migrate again to migrate it later")
    .at(Location {
        path: path.to_string(),
        line: 1,
        column: 1,
    })
}

/// The compat module's index among the shared files, added the first time a route needs it.
fn compat_slot(
    shared: &mut Vec<SharedFile>,
    index: &mut Option<usize>,
    compat: &SharedFile,
) -> usize {
    *index.get_or_insert_with(|| {
        shared.push(compat.clone());
        shared.len() - 1
    })
}

/// The files one move of shared values writes, all committed together.
struct SharedMove {
    files: Vec<SharedFile>,
    /// The route file and its importers: converting any of them needs the move.
    touched: Vec<String>,
}

/// For each route file whose exported values other files import: their move to a neutral
/// module (`shared_exports`), as the project it leaves behind and the files that make it.
/// `None` when nothing can move.
fn shared_moves(
    project: &Project,
    candidate_of: &HashMap<usize, usize>,
    importers: &[(usize, Vec<(usize, ModuleReference)>)],
) -> Option<(Project, Vec<SharedMove>, HashSet<usize>)> {
    let mut texts: HashMap<usize, String> = HashMap::new();
    let mut new_files: Vec<(String, String)> = Vec::new();
    let mut moves = Vec::new();
    for (route_file, references) in importers {
        let Some(&candidate) = candidate_of.get(route_file) else {
            continue;
        };
        let mut names: Vec<String> = references
            .iter()
            .flat_map(|(_, r)| r.names.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        if names.iter().any(|n| n == "default" || n == "*") {
            continue;
        }
        let route_path = &project.files[*route_file].path;
        let extension = if route_path.ends_with(".js") || route_path.ends_with(".jsx") {
            "js"
        } else {
            "ts"
        };
        let stem = shared_exports::module_stem(
            &project.lib_dir(),
            &project.candidates[candidate].relative,
        );
        let module_path = format!("{stem}.{extension}");
        let taken = |path: &str| {
            project
                .files
                .iter()
                .any(|f| stem_of(&f.path) == stem_of(path))
                || new_files.iter().any(|(p, _)| p == path)
        };
        // A file touched by two moves would need both: leave the second for the next run.
        if taken(&module_path)
            || texts.contains_key(route_file)
            || references.iter().any(|(f, _)| texts.contains_key(f))
        {
            continue;
        }
        let Ok(parsed) = ParsedFile::parse(route_path, &project.files[*route_file].text) else {
            continue;
        };
        let Ok(moved) = shared_exports::move_exports(&parsed, &names, route_path, &module_path)
        else {
            continue;
        };
        let Ok(route_text) =
            transforms::edit::apply(&project.files[*route_file].text, &moved.route_edits)
        else {
            continue;
        };
        let mut importer_edits: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
        for (importer, reference) in references {
            let specifier =
                project.specifier(&project.files[*importer].path, &stem, &reference.specifier);
            importer_edits
                .entry(*importer)
                .or_default()
                .push(Edit::replace(reference.range.clone(), specifier));
        }
        let mut importer_texts = Vec::new();
        for (importer, edits) in importer_edits {
            let Ok(text) = transforms::edit::apply(&project.files[importer].text, &edits) else {
                continue;
            };
            importer_texts.push((importer, text));
        }
        let purpose = format!(
            "move {} out of {route_path} into {module_path}, and point {} importer{} there: route.ts may export only methods and segment config",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            importer_texts.len(),
            if importer_texts.len() == 1 { "" } else { "s" },
        );
        let mut files = vec![
            SharedFile {
                path: module_path.clone(),
                contents: moved.module_text.clone(),
                up_to_date: false,
                purpose: purpose.clone(),
                original: None,
            },
            SharedFile {
                path: route_path.clone(),
                contents: route_text.clone(),
                up_to_date: false,
                purpose: purpose.clone(),
                original: Some(project.files[*route_file].text.clone()),
            },
        ];
        let mut touched = vec![route_path.clone()];
        for (importer, text) in &importer_texts {
            let file = &project.files[*importer];
            files.push(SharedFile {
                path: file.path.clone(),
                contents: text.clone(),
                up_to_date: false,
                purpose: purpose.clone(),
                original: Some(file.text.clone()),
            });
            touched.push(file.path.clone());
        }
        texts.insert(*route_file, route_text);
        for (importer, text) in importer_texts {
            texts.insert(importer, text);
        }
        new_files.push((module_path, moved.module_text));
        moves.push(SharedMove { files, touched });
    }
    if moves.is_empty() {
        return None;
    }
    let mut moved = project.clone();
    let changed: HashSet<usize> = texts.keys().copied().collect();
    for (index, text) in texts {
        moved.files[index].text = text.into();
    }
    for (path, text) in new_files {
        moved.files.push(crate::project::SourceFile {
            path,
            text: text.into(),
        });
    }
    Some((moved, moves, changed))
}

fn stem_of(path: &str) -> &str {
    path.rsplit_once('.').map_or(path, |(stem, _)| stem)
}

/// The plan of the project after the moves, with the moves' files before all others and
/// needed by every converted route that a move touches. A move no converted route needs is left
/// out: it would never be written, and the routes it touches stay as they are.
fn with_shared_moves(mut inner: Plan, moves: Vec<SharedMove>) -> Plan {
    let needs = |shared_move: &SharedMove, route: &RoutePlan| {
        route.status == RouteStatus::Converted
            && (shared_move.touched.contains(&route.source)
                || route
                    .operations
                    .iter()
                    .any(|o| shared_move.touched.iter().any(|t| t == o.path())))
    };
    let moves: Vec<SharedMove> = moves
        .into_iter()
        .filter(|m| inner.routes.iter().any(|r| needs(m, r)))
        .collect();
    let count: usize = moves.iter().map(|m| m.files.len()).sum();
    for route in &mut inner.routes {
        for index in &mut route.shared {
            *index += count;
        }
    }
    let mut shared = Vec::with_capacity(count + inner.shared.len());
    for shared_move in moves {
        let indices: Vec<usize> = (shared.len()..shared.len() + shared_move.files.len()).collect();
        for route in &mut inner.routes {
            if needs(&shared_move, route) {
                let mut needed = indices.clone();
                needed.extend(route.shared.iter().copied());
                route.shared = needed;
            }
        }
        shared.extend(shared_move.files);
    }
    shared.extend(inner.shared);
    inner.shared = shared;
    inner
}

/// What a set of helper forms are, for a commit message.
fn helper_kinds(forms: &[&HelperForm]) -> &'static str {
    let wrappers = forms.iter().filter(|f| f.helper.wraps.is_some()).count();
    let responders = forms.iter().filter(|f| f.helper.responds).count();
    if wrappers == forms.len() {
        "wrappers"
    } else if responders == forms.len() {
        "response helpers"
    } else if wrappers > 0 {
        "helpers and wrappers"
    } else {
        "helpers"
    }
}

/// The project's helper modules, for the routes that import them.
struct HelperCatalogue<'p> {
    project: &'p Project,
    index: &'p HashMap<&'p str, usize>,
    modules: &'p HashMap<usize, HelperModule>,
    /// The app's package.json, read once: library adapters ask which versions it names.
    manifest: Option<serde_json::Value>,
}

impl HelperCatalogue<'_> {
    /// The module `specifier` names from `from`, and its form of `name`.
    fn form(&self, from: &str, specifier: &str, name: &str) -> Option<(usize, &HelperForm)> {
        let file = self.project.resolve(from, specifier, self.index)?;
        Some((file, self.modules.get(&file)?.form(name)?))
    }

    /// The function `name` of the module `specifier` names from `from`: its App Router form,
    /// or why it has none.
    fn function(
        &self,
        from: &str,
        specifier: &str,
        name: &str,
    ) -> Option<route_handler::helpers::ProjectFunction> {
        let file = self.project.resolve(from, specifier, self.index)?;
        let module = self.modules.get(&file)?;
        if let Some(form) = module.form(name) {
            return Some(Ok(form.helper.clone()));
        }
        module
            .refused
            .iter()
            .find(|(refused, _)| refused == name)
            .map(|(_, problems)| Err(problems.clone()))
    }
}

/// What a route's conversion in the planner depends on besides the route.
struct ConvertContext<'a> {
    compat_stem: &'a str,
    /// Where routes move (see [`RouteContext::moved_route`]).
    moves: &'a HashMap<String, String>,
    helpers: &'a HelperCatalogue<'a>,
    failed_checks: &'a FailedChecks,
}

/// A route's conversion, its output unchecked (see [`plan_checking`]); a route whose output
/// failed its check in an earlier round is not converted.
fn convert(parsed: &ParsedFile, route: &ApiRoute, context: &ConvertContext) -> Outcome {
    if let Some(problems) = context.failed_checks.get(&parsed.path) {
        return Outcome::Manual(problems.clone());
    }
    with_route_context(
        parsed,
        route,
        context.compat_stem,
        context.moves,
        context.helpers,
        OutputCheck::Later,
        |routing| route_handler::convert(parsed, routing),
    )
}

/// Runs `run` with what the route handler transform may ask about the project while it works
/// on `parsed`: where routes move, the project's helpers, the site's pages, the packages.
fn with_route_context<T>(
    parsed: &ParsedFile,
    route: &ApiRoute,
    compat_stem: &str,
    moves: &HashMap<String, String>,
    helpers: &HelperCatalogue,
    output_check: OutputCheck,
    run: impl FnOnce(&RouteContext) -> T,
) -> T {
    let moved_route = |stem: &str| -> Option<String> { moves.get(stem).cloned() };
    let project_helper =
        |specifier: &str, name: &str| helpers.function(&parsed.path, specifier, name);
    // Only routes that call `res.revalidate` ask; the pages are indexed then.
    let project = helpers.project;
    let page_router = |path: &PagePath| {
        PageIndex::new(
            project.files.iter().map(|f| f.path.as_str()),
            &project.pages_dir,
            &project.app_dir(),
            &project.page_extensions,
        )
        .router(path)
    };
    let dependency =
        |package: &str| crate::workspace::dependency_range(helpers.manifest.as_ref()?, package);
    run(&RouteContext {
        route,
        compat_module: compat_stem,
        moved_route: &moved_route,
        project_helper: &project_helper,
        page_router: &page_router,
        dependency: &dependency,
        output_check,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Mutex;

    use super::*;

    fn fixture(name: &str) -> Project {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name);
        Project::scan(&root).expect("the fixture is a Next.js app")
    }

    fn created(plan: &RoutePlan) -> Vec<(&str, &str)> {
        plan.operations
            .iter()
            .filter_map(|op| match op {
                FileOperation::Create { path, contents } => {
                    Some((path.as_str(), contents.as_str()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn late_checks_cover_every_route_handler_written_and_skip_those_given_up_for_a_service() {
        let project = fixture("actions-app");
        let checked = Mutex::new(Vec::new());
        let plan = plan_checking(&project, &[], &PlanOptions::default(), |unchecked, text| {
            checked
                .lock()
                .expect("no check panics")
                .push(unchecked.target_path().to_string());
            unchecked.check(text)
        });
        let checked = checked.into_inner().expect("no check panics");
        assert!(
            plan.routes.iter().any(|r| r.extracted),
            "the app has routes that go to services"
        );
        let mut written_by_phase_one = 0;
        for route in &plan.routes {
            let by_phase_one = route.status == RouteStatus::Converted && !route.extracted;
            written_by_phase_one += usize::from(by_phase_one);
            // A route handler, its own or a thin one over a service.
            for (target, _) in created(route) {
                assert_eq!(
                    checked.iter().any(|c| c == target),
                    by_phase_one,
                    "{}: checked late, written from its own conversion {by_phase_one}",
                    route.source,
                );
            }
        }
        assert_eq!(checked.len(), written_by_phase_one, "{checked:?}");
        // Recording the checks changes nothing in the plan.
        let usual = plan_for(&project, &[], &PlanOptions::default());
        for (late, usual) in plan.routes.iter().zip(&usual.routes) {
            assert_eq!(created(late), created(usual), "{}", late.source);
        }
    }

    #[test]
    fn a_route_whose_output_fails_its_check_is_planned_again_as_left_as_it_is() {
        let project = fixture("demo-app");
        let usual = plan_for(&project, &[], &PlanOptions::default());
        let victim = "pages/api/cookies.ts";
        let usual_victim = usual
            .routes
            .iter()
            .find(|r| r.source == victim)
            .expect("the demo app has the route");
        assert_eq!(usual_victim.status, RouteStatus::Converted);
        let (target, _) = created(usual_victim)[0];
        let target = target.to_string();
        let rounds = Mutex::new(0);
        let plan = plan_checking(&project, &[], &PlanOptions::default(), |unchecked, text| {
            if unchecked.target_path() == target {
                *rounds.lock().expect("no check panics") += 1;
                return Err(vec![Diagnostic::error(
                    "internal/output-unparsable",
                    "the generated route handler does not parse",
                )]);
            }
            unchecked.check(text)
        });
        assert_eq!(
            *rounds.lock().expect("no check panics"),
            1,
            "checked in one round only"
        );
        for route in &plan.routes {
            let before = usual
                .routes
                .iter()
                .find(|r| r.source == route.source)
                .expect("the same routes");
            if route.source == victim {
                assert_eq!(route.status, RouteStatus::Error);
                assert!(route.operations.is_empty(), "the route stays as it is");
                let codes: Vec<&str> = route.diagnostics.iter().map(|d| d.code.as_str()).collect();
                assert_eq!(codes, ["internal/output-unparsable"]);
            } else {
                assert_eq!(route.status, before.status, "{}", route.source);
                assert_eq!(created(route), created(before), "{}", route.source);
            }
        }
    }
}

//! Splitting a Pages handler into service functions and a thin handler over them.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    Decl, Expr, Ident, ImportSpecifier, ModuleDecl, ModuleExportName, ModuleItem, Pat, Stmt,
    SwitchCase,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::naming;
use super::{Extraction, Failure, Fragment, ImportItem, ImportKind, Input, InputSource};
use super::{ServiceFunction, Success};
use crate::ast::unwrap_expr;
use crate::diagnostic::Diagnostic;
use crate::edit::{apply, apply_in, Edit};
use crate::imports;
use crate::parse::ParsedFile;
use crate::route_handler::dispatch::{self, Dispatch, DispatchInput, Part, ALL_METHODS};
use crate::route_handler::handler::{find_handler, Handler, HandlerBody};
use crate::route_handler::helpers::Helpers;
use crate::route_handler::render::{reindent_block, shift_ranges};
use crate::route_handler::usage::{self, Responder, ResponseMethod, UsageInput, UseKind};
use crate::route_handler::{
    self, fresh_name, multiline_templates, param_name, Outcome, RouteContext,
};
use crate::route_path::{ApiRoute, ParamKind};
use crate::text::{code_start, file_style, indentation_at, statement_lines, Style};

pub struct ServiceContext<'a> {
    /// What the route handler transform knows of the project (helpers, moved routes, packages);
    /// the thin handler and the logic's request handling are read with it.
    pub routing: &'a RouteContext<'a>,
    /// Project-relative folder of the feature (`features/todos`).
    pub feature_dir: &'a str,
    /// How the route file (where it is now) imports the service: `../../../features/todos/service`.
    pub service_specifier: &'a str,
    /// Names the feature's service already declares (other routes, an existing file).
    pub taken: &'a HashSet<String>,
}

/// One method branch to extract.
struct Unit<'a> {
    methods: Vec<&'static str>,
    part: Part<'a>,
}

/// A response the branch sends, as the service sees it.
#[derive(Clone, PartialEq, Eq)]
struct ResponseShape {
    method: ResponseMethod,
    status: u16,
    /// The status was written (`res.status(201).json`) rather than implied (`res.json`).
    status_written: bool,
    has_value: bool,
}

struct UnitResult {
    function: ServiceFunction,
    text: String,
    entry: String,
    entry_range: Range<usize>,
    references: HashSet<String>,
}

/// The handler's parts an extraction works on, found before it chooses any name.
struct Shape<'f> {
    handler: Handler<'f>,
    req: &'f str,
    res: &'f str,
    units: Vec<Unit<'f>>,
}

/// Why [`extract`] refuses `file` before it looks at any name (the handler's shape: a wrapped
/// handler, code before the method dispatch, …), found without the project: a refusal here is
/// [`extract`]'s refusal in every context.
pub fn refusal_before_naming(file: &ParsedFile) -> Option<Vec<Diagnostic>> {
    shape(file, &Helpers::default()).err()
}

/// `no_helpers`: an empty set, which the method dispatch is read with.
fn shape<'f>(file: &'f ParsedFile, no_helpers: &'f Helpers) -> Result<Shape<'f>, Vec<Diagnostic>> {
    let handler = find_handler(file).map_err(|d| {
        // A wrapped route converts on its own; only its logic stays where it is.
        if d.code == "manual/wrapped-handler" {
            let location = d.location.clone();
            let mut moved = Diagnostic::manual(
                "manual/extract-wrapped-handler",
                "the logic stays in the route handler: it runs inside a wrapper (its checks and the values it hands over), which a service function cannot take over",
            )
            .with_help("its route handler is converted; move the logic into the service by hand if the app's own callers should use it");
            moved.location = location;
            vec![moved]
        } else {
            vec![d]
        }
    })?;
    let req = handler
        .params
        .first()
        .and_then(|p| param_name(p))
        .unwrap_or("\u{0}");
    let res = handler
        .params
        .get(1)
        .and_then(|p| param_name(p))
        .unwrap_or("\u{0}");
    let HandlerBody::Block(block) = &handler.body else {
        return Err(refusal(
            file,
            handler.function_span,
            "manual/extract-expression-body",
            "the handler is a single expression".into(),
            "its route handler is converted; write the logic as statements to share it",
        ));
    };
    let body_end = file.offset(block.span.hi) - 1;
    let dispatch = dispatch::analyze(&DispatchInput {
        file,
        stmts: &block.stmts,
        body_end,
        req,
        res,
        helpers: no_helpers,
    });
    let units: Vec<Unit> = match dispatch {
        Dispatch::Split { branches, .. } => branches
            .into_iter()
            .map(|b| Unit {
                methods: b.methods,
                part: b.part,
            })
            .collect(),
        Dispatch::Single {
            methods,
            checks_method: false,
        } => {
            let start = file.offset(block.span.lo) + 1;
            vec![Unit {
                methods,
                part: Part {
                    stmts: block.stmts.iter().collect(),
                    window: start..body_end,
                    dropped: Vec::new(),
                },
            }]
        }
        Dispatch::Single { .. } => {
            return Err(refusal(
                file,
                handler.function_span,
                "manual/extract-method-dispatch",
                "code runs before the method dispatch, or the dispatch has an unusual shape".into(),
                "its route handler is converted; one branch per method lets routeshift extract the logic",
            ))
        }
    };
    if units.iter().any(|u| u.part.stmts.is_empty()) {
        return Err(refusal(
            file,
            handler.function_span,
            "manual/extract-empty-branch",
            "a method branch has no statements".into(),
            "its route handler is converted",
        ));
    }
    Ok(Shape {
        handler,
        req,
        res,
        units,
    })
}

pub fn extract(file: &ParsedFile, context: &ServiceContext) -> Result<Extraction, Vec<Diagnostic>> {
    let no_helpers = Helpers::default();
    let Shape {
        handler,
        req,
        res,
        units,
    } = shape(file, &no_helpers)?;

    let style = file_style(file);
    let typescript = file.language.is_typescript();
    let config = route_handler::config::analyze(file);
    let mut taken: HashSet<String> = route_handler::identifier_names(file);
    let service_ns = fresh_name(&mut taken, "service");
    let result_name = fresh_name(&mut taken, "result");
    let data_name = fresh_name(&mut taken, "data");

    let helpers = Helpers::of(file, context.routing.project_helper);
    // Names of this route's functions so far; the feature's other names are in `context.taken`.
    let mut own_names: HashSet<String> = HashSet::new();
    let mut results = Vec::new();
    for unit in &units {
        let method = unit.methods.first().copied().unwrap_or("POST");
        let names = unit_names(context.routing.route, method);
        let plain = names[0].clone();
        let free = |name: &String| {
            !(context.taken.contains(name) || own_names.contains(name) || taken.contains(name))
        };
        let Some(name) = names.into_iter().find(free) else {
            return Err(refusal(
                file,
                handler.function_span,
                "manual/extract-name-clash",
                format!("the feature's service already has a function `{plain}`"),
                "its route handler is converted; rename the clashing function, then run routeshift again",
            ));
        };
        own_names.insert(name.clone());
        let unit_result = extract_unit(
            file,
            unit,
            &mut taken,
            &UnitInput {
                req,
                res,
                raw_body: config.raw_body,
                name,
                route: context.routing.route,
                helpers: &helpers,
                style: &style,
                typescript,
                service_ns: &service_ns,
                result_name: &result_name,
                data_name: &data_name,
            },
        )?;
        results.push(unit_result);
    }

    // Module-level names the service code needs: imports are copied, declarations move.
    let top = top_level(file);
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = results
        .iter()
        .flat_map(|r| r.references.iter().cloned())
        .collect();
    while let Some(name) = queue.pop() {
        if !needed.insert(name.clone()) {
            continue;
        }
        if let Some(declaration) = top.declarations.iter().find(|d| d.names.contains(&name)) {
            queue.extend(declaration.references.iter().cloned());
        }
    }
    let handler_name = handler.name.clone().unwrap_or_default();
    let moved: Vec<&TopDeclaration> = top
        .declarations
        .iter()
        .filter(|d| {
            d.names
                .iter()
                .any(|n| needed.contains(n) && *n != handler_name)
        })
        .collect();

    // The thin handler: branches call the service.
    let mut edits: Vec<Edit> = results
        .iter()
        .map(|r| Edit::replace(r.entry_range.clone(), r.entry.clone()))
        .collect();
    let import_line = format!(
        "import * as {service_ns} from {}{}",
        style.quoted(context.service_specifier),
        style.semi()
    );
    edits.push(Edit::insert(
        top.import_end.unwrap_or(code_start(&file.text)),
        match top.import_end {
            Some(_) => format!("{}{import_line}", style.newline),
            None => format!("{import_line}{}", style.newline),
        },
    ));
    for declaration in &moved {
        edits.push(Edit::delete(statement_lines(
            &file.text,
            declaration.range.clone(),
        )));
    }
    // The branches await the service now.
    if !handler.is_async {
        edits.push(Edit::insert(
            file.offset(handler.function_span.lo),
            "async ",
        ));
    }
    let thin = apply(&file.text, &edits).map_err(|_| internal(file, "overlapping edits"))?;
    let thin_file = remove_unused_imports(file, &thin, &style)?;
    // A moved declaration that the thin handler still uses would exist twice.
    let counts = thin_file.identifier_counts();
    for declaration in &moved {
        if let Some(name) = declaration.names.iter().find(|n| counts.contains_key(*n)) {
            return Err(vec![Diagnostic::manual(
                "manual/extract-shared-declaration",
                format!("`{name}` is used both by the logic and by the request handling"),
            )
            .with_help(
                "its route handler is converted; move `{name}` to a module of its own to share it",
            )
            .at(file.location(declaration.range.start))]);
        }
    }
    let converted = match route_handler::convert(&thin_file, context.routing) {
        Outcome::Converted(converted) => converted,
        Outcome::Manual(problems) => {
            let detail = problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default();
            return Err(internal(
                file,
                &format!("the thin handler did not convert: {detail}"),
            ));
        }
    };

    // The service's part.
    let old_dir = imports::parent(&file.path);
    let mut fragment = Fragment::default();
    for import in &top.imports {
        let used = match import.kind.local() {
            Some(local) => needed.contains(local),
            None => false,
        };
        if used {
            let source = if imports::is_relative(&import.source) {
                imports::moved_specifier(&import.source, old_dir, context.feature_dir)
            } else {
                import.source.clone()
            };
            fragment.imports.insert(ImportItem {
                source,
                ..import.clone()
            });
        }
    }
    for declaration in &moved {
        if declaration.relative_specifiers {
            return Err(vec![Diagnostic::manual(
                "manual/extract-declaration-imports",
                "a declaration the logic needs loads a module by a relative path",
            )
            .with_help("its route handler is converted")
            .at(file.location(declaration.range.start))]);
        }
        fragment.declarations.push((
            declaration.names.clone(),
            file.text[declaration.range.clone()].to_string(),
        ));
    }
    for result in &results {
        fragment
            .functions
            .push((result.function.name.clone(), result.text.clone()));
    }
    for name in fragment.names() {
        if context.taken.contains(name)
            && !fragment
                .imports
                .iter()
                .any(|i| i.kind.local() == Some(name))
        {
            return Err(vec![Diagnostic::manual(
                "manual/extract-name-clash",
                format!("the feature's service already declares `{name}`"),
            )
            .with_help(
                "its route handler is converted; rename one of them, then run routeshift again",
            )
            .at(file.location(0))]);
        }
    }
    Ok(Extraction {
        functions: results.into_iter().map(|r| r.function).collect(),
        service: fragment,
        route_handler: converted,
    })
}

/// The names a unit handling `method` may take, in order: the plain one, then one with the
/// method (`createTodo`, `createTodoPost`).
fn unit_names(route: &ApiRoute, method: &str) -> [String; 2] {
    let plain = naming::function_name(route, method);
    let suffixed = format!("{plain}{}", naming::pascal(&method.to_ascii_lowercase()));
    [plain, suffixed]
}

/// Every name an extraction of `route` may look up among the feature's taken names before it
/// refuses: [`extract`] refuses the same way, whatever the feature has taken, as long as it
/// takes none of these. (Its last check, on the service's names, is passed by every extraction
/// made with none taken.)
pub fn names_sought(route: &ApiRoute) -> Vec<String> {
    ALL_METHODS
        .iter()
        .chain(["POST"].iter())
        .flat_map(|method| unit_names(route, method))
        .collect()
}

/// Why the logic at `span` stays in the route handler.
fn refusal(
    file: &ParsedFile,
    span: Span,
    code: &str,
    message: String,
    help: &str,
) -> Vec<Diagnostic> {
    vec![Diagnostic::manual(code, message)
        .with_help(help)
        .at(file.location_of(span))]
}

fn internal(file: &ParsedFile, what: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "internal/extract",
        format!("routeshift could not extract the logic ({what})"),
    )
    .with_help("please report this with the file; its route handler is converted as usual")
    .at(file.location(0))]
}

struct UnitInput<'a> {
    req: &'a str,
    res: &'a str,
    raw_body: bool,
    name: String,
    route: &'a ApiRoute,
    /// The file's helpers, so that a session read or a project helper's answer is reported as
    /// what it is.
    helpers: &'a Helpers,
    style: &'a Style,
    typescript: bool,
    service_ns: &'a str,
    result_name: &'a str,
    data_name: &'a str,
}

fn reason_for(status: u16) -> String {
    match status {
        400 => "invalid".into(),
        401 => "unauthenticated".into(),
        402 => "paymentRequired".into(),
        403 => "forbidden".into(),
        404 => "notFound".into(),
        405 => "methodNotAllowed".into(),
        409 => "conflict".into(),
        410 => "gone".into(),
        413 => "tooLarge".into(),
        415 => "unsupportedMediaType".into(),
        422 => "unprocessable".into(),
        429 => "rateLimited".into(),
        500 => "failed".into(),
        502 => "badGateway".into(),
        503 => "unavailable".into(),
        other => format!("status{other}"),
    }
}

fn extract_unit(
    file: &ParsedFile,
    unit: &Unit,
    taken: &mut HashSet<String>,
    input: &UnitInput,
) -> Result<UnitResult, Vec<Diagnostic>> {
    let manual = |span: Span, code: &str, message: String| {
        vec![Diagnostic::manual(code, message)
            .with_help("its route handler is converted; keep the request and response handling apart from the logic to share it")
            .at(file.location_of(span))]
    };
    let scan_input = UsageInput {
        file,
        req: Some(input.req),
        res: Some(input.res),
        raw_body: input.raw_body,
        helpers: input.helpers,
    };
    let mut uses = Vec::new();
    for stmt in &unit.part.stmts {
        let usage = usage::scan(&scan_input, std::slice::from_ref(*stmt), None);
        if let Some(problem) = usage.problems.into_iter().next() {
            return Err(vec![problem]);
        }
        uses.extend(usage.uses);
    }

    // Which spans the recognised uses cover: any other `req`/`res` is transport in the logic.
    let mut covered: Vec<Range<usize>> = Vec::new();
    let mut reads: Vec<(Range<usize>, InputSource)> = Vec::new();
    let mut responses = Vec::new();
    for u in &uses {
        let span = u.offset_span();
        match &u.kind {
            UseKind::Response { call, expr, stmt } => {
                if u.nested {
                    return Err(manual(
                        span,
                        "manual/extract-response-in-callback",
                        "the response is sent from inside a callback".into(),
                    ));
                }
                covered.push(file.range(*expr));
                responses.push((call.clone(), *expr, *stmt));
            }
            UseKind::Body { member } => reads.push((file.range(*member), InputSource::Body)),
            UseKind::QueryKey {
                member,
                key: Some(key),
            } => {
                let source = match input.route.params.iter().find(|p| p.name == *key) {
                    Some(param) => InputSource::Param {
                        key: key.clone(),
                        catch_all: param.kind != ParamKind::Single,
                    },
                    None => InputSource::Search { key: key.clone() },
                };
                reads.push((with_key_access(&file.text, file.range(*member)), source));
            }
            UseKind::QueryWhole { member } | UseKind::QueryDestructure { member, .. } => {
                reads.push((file.range(*member), InputSource::Query))
            }
            UseKind::Cookie { member, key, .. } | UseKind::Header { member, key, .. } => {
                let Some(name) = quoted_literal(key) else {
                    return Err(manual(
                        span,
                        "manual/extract-computed-key",
                        "a cookie or header name is computed".into(),
                    ));
                };
                let source = if matches!(u.kind, UseKind::Cookie { .. }) {
                    InputSource::Cookie(name)
                } else {
                    InputSource::Header(name.to_ascii_lowercase())
                };
                reads.push((file.range(*member), source))
            }
            UseKind::QueryKey { .. } => {
                return Err(manual(
                    span,
                    "manual/extract-computed-query",
                    "a query key is computed".into(),
                ))
            }
            UseKind::SetHeader { .. } => {
                return Err(manual(
                    span,
                    "manual/extract-transport-in-logic",
                    "a response header is set along the way".into(),
                ))
            }
            UseKind::StatusStatement { .. } | UseKind::StatusCode { .. } => {
                return Err(manual(
                    span,
                    "manual/extract-transport-in-logic",
                    "the status is set apart from the response".into(),
                ))
            }
            UseKind::Url { .. } => {
                return Err(manual(
                    span,
                    "manual/extract-transport-in-logic",
                    "the logic reads the request URL".into(),
                ))
            }
            UseKind::RawBody { .. } => {
                return Err(manual(
                    span,
                    "manual/extract-transport-in-logic",
                    "the logic reads the raw request body".into(),
                ))
            }
            UseKind::Special(special) => {
                return Err(manual(
                    special.span(),
                    "manual/extract-transport-in-logic",
                    "the logic streams the response, revalidates a page or toggles draft mode"
                        .into(),
                ))
            }
            UseKind::HelperCall { call, .. } => {
                return Err(manual(
                    span,
                    "manual/extract-transport-in-logic",
                    format!(
                        "the logic hands the request to `{}`",
                        file.slice(*call).split('(').next().unwrap_or_default()
                    ),
                ))
            }
            UseKind::Cors(_) | UseKind::NodeRequest(_) | UseKind::HeadersObject { .. } => {
                return Err(manual(
                    span,
                    "manual/extract-transport-in-logic",
                    "the logic hands the request to a Node library (CORS middleware, upload parser, webhook verifier)".into(),
                ))
            }
            UseKind::Middleware(_) | UseKind::MiddlewareField { .. } => {
                return Err(manual(
                    span,
                    "manual/extract-transport-in-logic",
                    "the logic runs a next-basics middleware on the request, or reads what one set on it".into(),
                ))
            }
        }
    }
    covered.extend(reads.iter().map(|(r, _)| r.clone()));
    for stmt in &unit.part.stmts {
        if let Some(offset) = stray_reference(stmt, file, &[input.req, input.res], &covered) {
            return Err(vec![Diagnostic::manual(
                "manual/extract-request-in-logic",
                "the request or response object is handed to other code",
            )
            .with_help("its route handler is converted; pass the values the code needs instead of req/res to share the logic")
            .at(file.location(offset))]);
        }
    }
    let responder = Responder {
        req: input.req,
        res: input.res,
        helpers: &Helpers::default(),
    };
    if !dispatch::always_exits(&unit.part.stmts, responder) {
        return Err(manual(
            unit.part.stmts[0].span(),
            "manual/extract-missing-response",
            "a path through the branch sends no response".into(),
        ));
    }

    // Outcomes.
    let mut success: Option<ResponseShape> = None;
    let mut failures: Vec<(ResponseShape, String)> = Vec::new();
    let mut outcome_of: Vec<ResponseShape> = Vec::new();
    for (call, expr, _) in &responses {
        let (status, written) = match (call.method, call.status_literal, call.status) {
            (ResponseMethod::Redirect, _, _) => match call.args.as_slice() {
                [_] => (307, false),
                [status, _] => match literal_status(file, *status) {
                    Some(s) => (s, true),
                    None => {
                        return Err(manual(
                            *expr,
                            "manual/extract-dynamic-status",
                            "the redirect status is computed".into(),
                        ))
                    }
                },
                _ => {
                    return Err(manual(
                        *expr,
                        "manual/extract-response-shape",
                        "a redirect without a location".into(),
                    ))
                }
            },
            (_, Some(literal), _)
                if literal.fract() == 0.0 && (100.0..600.0).contains(&literal) =>
            {
                (literal as u16, true)
            }
            (_, None, None) => (200, false),
            _ => {
                return Err(manual(
                    *expr,
                    "manual/extract-dynamic-status",
                    "the response status is computed".into(),
                ))
            }
        };
        let has_value = match call.method {
            ResponseMethod::Redirect => true,
            _ => !call.args.is_empty(),
        };
        let outcome = ResponseShape {
            method: call.method,
            status,
            status_written: written,
            has_value,
        };
        if status >= 400 {
            let reason = reason_for(status);
            match failures.iter().find(|(o, _)| o.status == status) {
                Some((existing, _))
                    if existing.method != outcome.method
                        || existing.status_written != outcome.status_written =>
                {
                    return Err(manual(
                        *expr,
                        "manual/extract-mixed-failures",
                        format!("status {status} is sent in two different ways"),
                    ));
                }
                Some(_) => {}
                None => failures.push((outcome.clone(), reason)),
            }
        } else {
            match &success {
                Some(existing) if *existing != outcome => {
                    return Err(manual(
                        *expr,
                        "manual/extract-several-successes",
                        "the branch answers success in two different ways".into(),
                    ));
                }
                _ => success = Some(outcome.clone()),
            }
        }
        outcome_of.push(outcome);
    }
    let Some(success) = success else {
        return Err(manual(
            unit.part.stmts[0].span(),
            "manual/extract-no-success",
            "the branch never answers with success".into(),
        ));
    };
    let can_fail = !failures.is_empty();
    let ts = input.typescript;
    let as_const = |value: &str| {
        if ts {
            format!("{value} as const")
        } else {
            value.to_string()
        }
    };

    // Inputs: a plain `const x = <read>` at the branch's top becomes the input `x`.
    let mut inputs: Vec<Input> = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    let mut hoisted: HashSet<usize> = HashSet::new();
    let mut hoisted_names: HashSet<String> = HashSet::new();
    for stmt in &unit.part.stmts {
        let Stmt::Decl(Decl::Var(var)) = stmt else {
            continue;
        };
        let [declarator] = var.decls.as_slice() else {
            continue;
        };
        let (Pat::Ident(binding), Some(init)) = (&declarator.name, &declarator.init) else {
            continue;
        };
        let inner = unwrap_expr(init);
        let inner_range = file.range(inner.span());
        let Some(index) = reads.iter().position(|(r, _)| *r == inner_range) else {
            continue;
        };
        let source = reads[index].1.clone();
        let ts_type = match (&binding.type_ann, &**init) {
            (Some(ann), _) => file.slice(ann.type_ann.span()).to_string(),
            (None, Expr::TsAs(cast)) => file.slice(cast.type_ann.span()).to_string(),
            _ => pages_type(&source),
        };
        hoisted.insert(index);
        hoisted_names.insert(binding.id.sym.to_string());
        inputs.push(Input {
            name: binding.id.sym.to_string(),
            source,
            ts_type,
            pages_expr: file.slice(init.span()).to_string(),
        });
        edits.push(Edit::delete(statement_lines(
            &file.text,
            file.range(stmt.span()),
        )));
    }
    for (index, (range, source)) in reads.iter().enumerate() {
        if hoisted.contains(&index) {
            continue;
        }
        let name = match inputs
            .iter()
            .find(|i| i.source == *source && !hoisted_names.contains(&i.name))
        {
            Some(existing) => existing.name.clone(),
            None => {
                let base = match source {
                    InputSource::Body => "body".to_string(),
                    InputSource::Param { key, .. } | InputSource::Search { key } => {
                        naming::identifier(key)
                    }
                    InputSource::Query => "query".to_string(),
                    InputSource::Cookie(name) => format!("{}Cookie", naming::identifier(name)),
                    InputSource::Header(name) => format!("{}Header", naming::identifier(name)),
                };
                let name = fresh_name(taken, &base);
                inputs.push(Input {
                    name: name.clone(),
                    source: source.clone(),
                    ts_type: pages_type(source),
                    pages_expr: file.text[range.clone()].to_string(),
                });
                name
            }
        };
        edits.push(Edit::replace(range.clone(), name));
    }

    // Responses become returned values.
    let returns_after = bare_returns_after(file, &unit.part.stmts);
    for ((call, expr, stmt), outcome) in responses.iter().zip(&outcome_of) {
        let value = call
            .args
            .last()
            .filter(|_| outcome.has_value)
            .map(|span| file.slice(*span).to_string());
        let value = value.unwrap_or_else(|| "undefined".to_string());
        let returned = if outcome.status >= 400 {
            let reason = reason_for(outcome.status);
            format!(
                "{{ ok: {}, reason: {}, error: {value} }}",
                as_const("false"),
                as_const(&input.style.quoted(&reason))
            )
        } else if can_fail {
            format!("{{ ok: {}, data: {value} }}", as_const("true"))
        } else {
            value
        };
        match stmt {
            Some(stmt_span) => {
                let range = file.range(*stmt_span);
                let expr_range = file.range(*expr);
                edits.push(Edit::replace(range.start..expr_range.start, "return "));
                edits.push(Edit::replace(expr_range, returned));
                if let Some(next) = returns_after.get(&range.start) {
                    edits.push(Edit::delete(statement_lines(&file.text, next.clone())));
                }
            }
            None => edits.push(Edit::replace(file.range(*expr), returned)),
        }
    }
    for dropped in &unit.part.dropped {
        edits.push(Edit::delete(dropped.clone()));
    }

    // The service function.
    let window = unit.part.window.clone();
    let body = apply_in(&file.text, window.clone(), &edits)
        .map_err(|_| internal(file, "overlapping edits in a branch"))?;
    let protected = shift_ranges(&multiline_templates(file), &window, &edits);
    let first = file.range(unit.part.stmts[0].span()).start;
    let from = indentation_at(&file.text, first);
    let nl = input.style.newline;
    let body = reindent_block(
        body.trim_start_matches(['\n', '\r']),
        from,
        &input.style.indent,
        &protected,
    );
    let params = if inputs.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        if ts {
            let fields: Vec<String> = inputs
                .iter()
                .map(|i| format!("{}: {}", i.name, i.ts_type))
                .collect();
            format!("{{ {} }}: {{ {} }}", names.join(", "), fields.join("; "))
        } else {
            format!("{{ {} }}", names.join(", "))
        }
    };
    let text = format!(
        "export async function {}({params}) {{{nl}{body}{nl}}}",
        input.name
    );

    // What the thin handler's branch says instead.
    let ind = indentation_at(&file.text, first).to_string();
    let semi = input.style.semi();
    let args = if inputs.is_empty() {
        String::new()
    } else {
        let fields: Vec<String> = inputs
            .iter()
            .map(|i| {
                if i.name == i.pages_expr {
                    i.name.clone()
                } else {
                    format!("{}: {}", i.name, i.pages_expr)
                }
            })
            .collect();
        format!("{{ {} }}", fields.join(", "))
    };
    let call = format!("await {}.{}({args})", input.service_ns, input.name);
    let respond = |outcome: &ResponseShape, value: &str| -> String {
        let res = input.res;
        let status = if outcome.status_written {
            format!(".status({})", outcome.status)
        } else {
            String::new()
        };
        match outcome.method {
            ResponseMethod::Redirect if outcome.status_written => {
                format!("{res}.redirect({}, {value})", outcome.status)
            }
            ResponseMethod::Redirect => format!("{res}.redirect({value})"),
            ResponseMethod::Json => format!("{res}{status}.json({value})"),
            ResponseMethod::Send => format!("{res}{status}.send({value})"),
            ResponseMethod::End if outcome.has_value => format!("{res}{status}.end({value})"),
            ResponseMethod::End => format!("{res}{status}.end()"),
        }
    };
    let mut lines: Vec<String> = Vec::new();
    let result = input.result_name;
    if can_fail {
        lines.push(format!("const {result} = {call}{semi}"));
        let error = format!("{result}.error");
        match failures.as_slice() {
            [(only, _)] => lines.push(format!(
                "if (!{result}.ok) return {}{semi}",
                respond(only, &error)
            )),
            many => {
                lines.push(format!("if (!{result}.ok) {{"));
                for (index, (outcome, reason)) in many.iter().enumerate() {
                    if index + 1 == many.len() {
                        lines.push(format!(
                            "{}return {}{semi}",
                            input.style.indent,
                            respond(outcome, &error)
                        ));
                    } else {
                        lines.push(format!(
                            "{}if ({result}.reason === {}) return {}{semi}",
                            input.style.indent,
                            input.style.quoted(reason),
                            respond(outcome, &error)
                        ));
                    }
                }
                lines.push("}".to_string());
            }
        }
        lines.push(format!(
            "return {}{semi}",
            respond(&success, &format!("{result}.data"))
        ));
    } else if success.has_value {
        lines.push(format!("const {} = {call}{semi}", input.data_name));
        lines.push(format!(
            "return {}{semi}",
            respond(&success, input.data_name)
        ));
    } else {
        lines.push(format!("{call}{semi}"));
        lines.push(format!("return {}{semi}", respond(&success, "")));
    }
    let entry = lines.join(&format!("{nl}{ind}"));
    let last = unit
        .part
        .stmts
        .last()
        .map(|s| file.range(s.span()).end)
        .unwrap_or(first);

    // Names the moved code refers to.
    let mut references = HashSet::new();
    for stmt in &unit.part.stmts {
        let mut collector = References(&mut references);
        stmt.visit_with(&mut collector);
    }

    let function = super::ServiceFunction {
        name: input.name.clone(),
        methods: unit.methods.clone(),
        inputs,
        failures: failures
            .iter()
            .map(|(o, reason)| Failure {
                reason: reason.clone(),
                status: o.status,
            })
            .collect(),
        success: match (success.method, success.has_value) {
            (ResponseMethod::Redirect, _) => Success::Redirect,
            (_, true) => Success::Value,
            (_, false) => Success::Nothing,
        },
    };
    Ok(UnitResult {
        function,
        text,
        entry,
        entry_range: first..last,
        references,
    })
}

/// `req.query` → `req.query.id` / `req.query?.id` / `req.query['id']`: the range of the whole
/// read, given the object's.
fn with_key_access(text: &str, object: Range<usize>) -> Range<usize> {
    let rest = &text[object.end..];
    let after_optional = rest.strip_prefix("?.").map(|r| (r, 2));
    if let Some((tail, skip)) = after_optional.or_else(|| rest.strip_prefix('.').map(|r| (r, 1))) {
        let name = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(tail.len());
        if name > 0 && !tail.starts_with('[') {
            return object.start..object.end + skip + name;
        }
        if let Some(inner) = tail.strip_prefix('[') {
            if let Some(close) = inner.find(']') {
                return object.start..object.end + skip + 1 + close + 1;
            }
        }
    }
    if let Some(inner) = rest.strip_prefix('[') {
        if let Some(close) = inner.find(']') {
            return object.start..object.end + 1 + close + 1;
        }
    }
    object
}

/// `'x'` / `"x"` → `x`: the key as the usage scan wrote it, when it is a plain string.
fn quoted_literal(key: &str) -> Option<String> {
    let quote = key.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = key.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(['\\', '\'', '"'])).then(|| inner.to_string())
}

fn literal_status(file: &ParsedFile, span: Span) -> Option<u16> {
    let text = file.slice(span).trim();
    text.parse::<u16>().ok().filter(|s| (100..600).contains(s))
}

/// The type `NextApiRequest` gives a read, so the moved code type-checks as before.
fn pages_type(source: &InputSource) -> String {
    match source {
        InputSource::Body => "any".into(),
        InputSource::Param { .. } | InputSource::Search { .. } => {
            "string | string[] | undefined".into()
        }
        InputSource::Query => "Partial<{ [key: string]: string | string[] }>".into(),
        InputSource::Cookie(_) => "string | undefined".into(),
        InputSource::Header(name) => format!("import('http').IncomingHttpHeaders['{name}']"),
    }
}

/// Statement start → the range of a bare `return` right after it in the same list.
fn bare_returns_after(file: &ParsedFile, stmts: &[&Stmt]) -> HashMap<usize, Range<usize>> {
    struct Finder<'f>(&'f ParsedFile, HashMap<usize, Range<usize>>);
    impl Finder<'_> {
        fn list(&mut self, stmts: &[&Stmt]) {
            for pair in stmts.windows(2) {
                if let (Stmt::Expr(_), Stmt::Return(ret)) = (pair[0], pair[1]) {
                    if ret.arg.is_none() {
                        let start = self.0.range(pair[0].span()).start;
                        self.1.insert(start, self.0.range(ret.span));
                    }
                }
            }
        }
    }
    impl Visit for Finder<'_> {
        fn visit_block_stmt(&mut self, block: &swc_ecma_ast::BlockStmt) {
            let stmts: Vec<&Stmt> = block.stmts.iter().collect();
            self.list(&stmts);
            block.visit_children_with(self);
        }
        fn visit_switch_case(&mut self, case: &SwitchCase) {
            let stmts: Vec<&Stmt> = case.cons.iter().collect();
            self.list(&stmts);
            case.visit_children_with(self);
        }
    }
    let mut finder = Finder(file, HashMap::new());
    finder.list(stmts);
    for stmt in stmts {
        stmt.visit_with(&mut finder);
    }
    finder.1
}

/// The first `req`/`res` identifier outside the covered ranges.
fn stray_reference(
    stmt: &Stmt,
    file: &ParsedFile,
    names: &[&str],
    covered: &[Range<usize>],
) -> Option<usize> {
    struct Finder<'a> {
        file: &'a ParsedFile,
        names: &'a [&'a str],
        covered: &'a [Range<usize>],
        found: Option<usize>,
    }
    impl Visit for Finder<'_> {
        fn visit_ident(&mut self, ident: &Ident) {
            if self.found.is_some() || !self.names.contains(&&*ident.sym) {
                return;
            }
            let offset = self.file.offset(ident.span.lo);
            if !self
                .covered
                .iter()
                .any(|r| r.start <= offset && offset < r.end)
            {
                self.found = Some(offset);
            }
        }
    }
    let mut finder = Finder {
        file,
        names,
        covered,
        found: None,
    };
    stmt.visit_with(&mut finder);
    finder.found
}

struct References<'a>(&'a mut HashSet<String>);

impl Visit for References<'_> {
    fn visit_ident(&mut self, ident: &Ident) {
        self.0.insert(ident.sym.to_string());
    }
}

struct TopDeclaration {
    names: Vec<String>,
    range: Range<usize>,
    references: HashSet<String>,
    /// It calls `require('./x')` or similar: moving it would break the path.
    relative_specifiers: bool,
}

struct TopLevel {
    imports: Vec<ImportItem>,
    declarations: Vec<TopDeclaration>,
    /// Where the last import ends.
    import_end: Option<usize>,
}

fn top_level(file: &ParsedFile) -> TopLevel {
    let mut imports = Vec::new();
    let mut declarations = Vec::new();
    let mut import_end = None;
    for item in &file.module.body {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
                import_end = Some(file.offset(import.span.hi));
                let source = crate::ast::str_text(&import.src).to_string();
                if import.specifiers.is_empty() {
                    continue;
                }
                for specifier in &import.specifiers {
                    let kind = match specifier {
                        ImportSpecifier::Default(d) => ImportKind::Default(d.local.sym.to_string()),
                        ImportSpecifier::Namespace(n) => {
                            ImportKind::Namespace(n.local.sym.to_string())
                        }
                        ImportSpecifier::Named(n) => ImportKind::Named {
                            imported: match &n.imported {
                                Some(ModuleExportName::Ident(i)) => i.sym.to_string(),
                                Some(ModuleExportName::Str(s)) => {
                                    crate::ast::str_text(s).to_string()
                                }
                                None => n.local.sym.to_string(),
                            },
                            local: n.local.sym.to_string(),
                        },
                    };
                    let type_only = import.type_only
                        || matches!(specifier, ImportSpecifier::Named(n) if n.is_type_only);
                    imports.push(ImportItem {
                        source: source.clone(),
                        kind,
                        type_only,
                    });
                }
            }
            ModuleItem::Stmt(Stmt::Decl(decl)) => {
                let names = imports::declared_names(decl);
                let mut references = HashSet::new();
                decl.visit_with(&mut References(&mut references));
                let text = file.slice(decl.span());
                declarations.push(TopDeclaration {
                    names,
                    range: file.range(decl.span()),
                    references,
                    relative_specifiers: text.contains("require('.")
                        || text.contains("require(\".")
                        || text.contains("import('."),
                });
            }
            _ => {}
        }
    }
    TopLevel {
        imports,
        declarations,
        import_end,
    }
}

/// The thin handler, parsed, without the import specifiers it no longer uses (a declaration
/// whose every specifier goes is removed with its line; side-effect imports stay). It is parsed
/// a second time only when an import went.
fn remove_unused_imports(
    original: &ParsedFile,
    thin: &str,
    style: &Style,
) -> Result<ParsedFile, Vec<Diagnostic>> {
    let parse = |text: &str| {
        ParsedFile::parse(&original.path, text).map_err(|d| {
            internal(
                original,
                &format!("the thin handler does not parse: {}", d.message),
            )
        })
    };
    let parsed = parse(thin)?;
    let counts = parsed.identifier_counts();
    let mut edits = Vec::new();
    for item in &parsed.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        if import.specifiers.is_empty() {
            continue;
        }
        let used: Vec<&ImportSpecifier> = import
            .specifiers
            .iter()
            .filter(|s| {
                let local = match s {
                    ImportSpecifier::Default(d) => &d.local,
                    ImportSpecifier::Namespace(n) => &n.local,
                    ImportSpecifier::Named(n) => &n.local,
                };
                counts.get(&*local.sym).copied().unwrap_or(0) > 1
            })
            .collect();
        if used.len() == import.specifiers.len() {
            continue;
        }
        let range = parsed.range(import.span);
        if used.is_empty() {
            edits.push(Edit::delete(statement_lines(thin, range)));
            continue;
        }
        let mut default = None;
        let mut namespace = None;
        let mut named = Vec::new();
        for specifier in used {
            match specifier {
                ImportSpecifier::Default(d) => default = Some(d.local.sym.to_string()),
                ImportSpecifier::Namespace(n) => namespace = Some(n.local.sym.to_string()),
                ImportSpecifier::Named(n) => named.push(parsed.slice(n.span).to_string()),
            }
        }
        edits.push(Edit::replace(
            range,
            imports::import_line(
                import.type_only,
                default.as_deref(),
                namespace.as_deref(),
                &named,
                crate::ast::str_text(&import.src),
                style,
            ),
        ));
    }
    if edits.is_empty() {
        return Ok(parsed);
    }
    let tidied = apply(thin, &edits).map_err(|_| internal(original, "overlapping import edits"))?;
    parse(&tidied)
}

//! Assembles the route handler file from the analysis: the edits for every use, the new
//! function signatures and exports, imports, and the self-check of the result.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{ImportSpecifier, ModuleDecl, ModuleItem, Pat, Stmt};

use super::dispatch::{self, ordered, Dispatch, DispatchInput, Part, ALL_METHODS};
use super::handler::{find_handler_with, Declaration, Handler, HandlerBody};
use super::helpers::Helpers;
use super::usage::{
    self, HeaderValue, Position, RawBodyRead, Responder, ResponseCall, ResponseMethod, UsageInput,
    UseKind,
};
use super::{
    config, identifier_names, multiline_templates, param_name, tail, Converted, OutputCheck,
    RouteContext, Unchecked,
};
use crate::compat::CompatFn;
use crate::diagnostic::Diagnostic;
use crate::edit::{apply, apply_in, Edit};
use crate::imports::{self, module_references};
use crate::parse::ParsedFile;
use crate::text::{indentation_at, statement_lines, Style};

/// One function of the output.
struct OutputFunction<'a> {
    /// Methods it is exported under, in export order.
    methods: Vec<&'static str>,
    /// `None`: the handler itself, edited in place.
    part: Option<Part<'a>>,
    /// The function's name in the output.
    name: String,
    /// Exported by name (`export async function GET`) rather than through an export list.
    exported_by_name: bool,
    needs: Needs,
}

#[derive(Default, Clone, Copy)]
pub(super) struct Needs {
    pub query: bool,
    pub context: bool,
    pub body: bool,
    pub headers: bool,
    pub status: bool,
    pub awaits: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum QueryMode {
    None,
    /// Only dynamic params are read, never in a nested function: `(await context.params)`.
    InlineParams,
    /// Only dynamic params: `const query = await context.params`.
    LocalParams,
    /// Search params too: `const query = pagesQuery(req, await context.params)`.
    LocalPagesQuery,
}

pub(super) struct Names {
    pub req: String,
    pub query: String,
    pub body: String,
    pub headers: String,
    pub status: String,
    pub context: String,
    pub next_request: String,
}

pub(super) fn convert(
    file: &ParsedFile,
    context: &RouteContext,
) -> Result<Converted, Vec<Diagnostic>> {
    let helpers = Helpers::of(file, context.project_helper);
    // A call the route cannot convert may be a project function without an App Router form:
    // say why it has none, beside the route's own problem.
    let with_reasons = |mut problems: Vec<Diagnostic>| {
        let passes = problems.iter().any(|p| {
            matches!(
                p.code.as_str(),
                "manual/wrapped-handler" | "manual/req-passed" | "manual/res-passed"
            )
        });
        if passes {
            problems.extend(helpers.refusals_named_in(file.identifier_counts()));
        }
        problems
    };
    let handler = find_handler_with(file, &|local| helpers.wraps(local))
        .map_err(|d| with_reasons(vec![d]))?;
    let wrapped = matches!(handler.declaration, Declaration::Wrapped { .. });
    let config = config::analyze(file);
    let mut problems = config.problems.clone();
    let (req, res) = handler_params(file, &handler, &mut problems);
    let handler_ranges = match &handler.declaration {
        Declaration::DefaultExport { item, .. } => vec![item.clone()],
        Declaration::Declared {
            declaration,
            export,
            ..
        } => vec![declaration.clone(), export.clone()],
        Declaration::Wrapped {
            export,
            declaration,
            ..
        } => declaration
            .iter()
            .cloned()
            .chain([export.clone()])
            .collect(),
    };
    let other_exports = super::exports::analyze(file, &handler_ranges);
    problems.extend(other_exports.problems.iter().cloned());
    if config.edge && problems.is_empty() {
        return super::edge::convert(file, context, &handler, &config, &other_exports);
    }
    problems.extend(super::upload::unsupported(file));
    if !problems.is_empty() {
        return Err(problems);
    }
    let typescript = file.language.is_typescript();
    let mut taken = identifier_names(file);
    let mut fresh = |base: &str| -> String {
        // A clash gets a descriptive name first (`body` → `requestBody`), then a number.
        let descriptive = match base {
            "query" => "requestQuery",
            "body" => "requestBody",
            "headers" => "responseHeaders",
            "status" => "responseStatus",
            "context" => "routeContext",
            other => other,
        };
        if !taken.contains(base) {
            taken.insert(base.to_string());
            return base.to_string();
        }
        super::fresh_name(&mut taken, descriptive)
    };

    // What the handler does with req and res.
    let (stmts, expr_body) = handler.body.parts();
    let mut usage = usage::scan(
        &UsageInput {
            file,
            req: req.as_deref(),
            res: res.as_deref(),
            raw_body: config.raw_body,
            helpers: &helpers,
        },
        stmts,
        expr_body,
    );
    if !usage.problems.is_empty() {
        return Err(with_reasons(usage.problems));
    }
    let res_name = res.clone().unwrap_or_else(|| "\u{0}".into());
    let req_name = req.clone().unwrap_or_else(|| "\u{0}".into());

    // How the methods split.
    let body_end = match handler.body {
        HandlerBody::Block(block) => file.offset(block.span.hi).saturating_sub(1),
        HandlerBody::Expr(expr) => file.offset(expr.span().hi),
    };
    let mut dispatch = match handler.body {
        HandlerBody::Block(_) => dispatch::analyze(&DispatchInput {
            file,
            stmts,
            body_end,
            req: &req_name,
            res: &res_name,
            helpers: &helpers,
        }),
        HandlerBody::Expr(_) => Dispatch::Single {
            methods: dispatch::STANDARD_METHODS.to_vec(),
            checks_method: false,
        },
    };
    // Splitting removes the handler's name; keep one function when something else refers to it.
    if matches!(dispatch, Dispatch::Split { .. }) && handler_name_used_elsewhere(file, &handler) {
        dispatch = Dispatch::Single {
            methods: exported_methods(&dispatch),
            checks_method: true,
        };
    }
    // A project wrapper runs before every method, as before: the handler stays one function.
    if wrapped {
        dispatch = Dispatch::Single {
            methods: wrapped_methods(&dispatch),
            checks_method: !matches!(
                dispatch,
                Dispatch::Single {
                    checks_method: false,
                    ..
                }
            ),
        };
    }
    // micro-cors wraps the whole handler: like a prelude, it runs for every method.
    let micro_cors = super::cors::MicroCors::find(file);
    if micro_cors.is_some() {
        if req.is_none() {
            return Err(vec![Diagnostic::manual(
                "manual/cors-middleware-shape",
                "the handler wrapped by micro-cors takes no request parameter",
            )
            .with_help("name the handler's parameters (`req`, `res`), then run routeshift again")
            .at(file.location_of(handler.function_span))]);
        }
        if matches!(dispatch, Dispatch::Split { .. }) {
            dispatch = Dispatch::Single {
                methods: exported_methods(&dispatch),
                checks_method: true,
            };
        }
    }
    let micro_cors_preflight = micro_cors.as_ref().map(|_| fresh("corsPreflight"));

    let mut notes = config.notes.clone();
    notes.extend(other_exports.notes.iter().cloned());
    notes.extend(super::cors::include_options(
        file,
        &handler,
        &mut dispatch,
        &usage.uses,
        micro_cors.is_some(),
    ));
    let names = Names {
        req: req.clone().unwrap_or_else(|| "request".into()),
        query: fresh("query"),
        body: fresh("body"),
        headers: fresh("headers"),
        status: fresh("status"),
        context: fresh("context"),
        next_request: super::request_type::route_request_type(file, &handler, &usage.uses),
    };
    let handler_name = handler.name.clone().unwrap_or_else(|| fresh("handler"));
    let mut functions = output_functions(
        file,
        &handler,
        &dispatch,
        &handler_name,
        &mut fresh,
        &mut notes,
    );
    // `const route = withAuthForRoute(handler, …)` beside a handler declared by name.
    if let Declaration::Wrapped {
        declaration: Some(_),
        ..
    } = &handler.declaration
    {
        functions[0].name = fresh("route");
    }

    // A bare 405 fallback is left to Next.js: its code is not part of the output.
    if let Dispatch::Split {
        fallback: Some(part),
        fallback_is_bare_405: true,
        ..
    } = &dispatch
    {
        let window = part.window.clone();
        usage
            .uses
            .retain(|u| !window.contains(&file.offset(u.offset_span().lo)));
    }
    // Responses must end their function.
    let mut tails = tail::Tails::default();
    let responder = Responder {
        req: &req_name,
        res: &res_name,
        helpers: &helpers,
    };
    for function in &functions {
        match &function.part {
            Some(part) => tail::scan(file, &part.stmts, responder, &mut tails),
            None => {
                let all: Vec<&Stmt> = stmts.iter().collect();
                tail::scan(file, &all, responder, &mut tails);
            }
        }
    }
    // Which function each use belongs to.
    let function_of = |offset: usize, functions: &[OutputFunction]| -> usize {
        functions
            .iter()
            .position(|f| f.part.as_ref().is_some_and(|p| p.window.contains(&offset)))
            .unwrap_or_else(|| functions.iter().position(|f| f.part.is_none()).unwrap_or(0))
    };
    // Streams, code after the response, revalidation, draft mode.
    let mut special = {
        let bodies: Vec<super::special::FunctionBody> = functions
            .iter()
            .map(|f| super::special::FunctionBody {
                stmts: match &f.part {
                    Some(part) => part.stmts.clone(),
                    None => stmts.iter().collect(),
                },
            })
            .collect();
        let use_function: Vec<usize> = usage
            .uses
            .iter()
            .map(|u| function_of(file.offset(u.offset_span().lo), &functions))
            .collect();
        let mut taken = identifier_names(file);
        taken.extend(
            [
                &names.query,
                &names.body,
                &names.headers,
                &names.status,
                &names.context,
                &handler_name,
            ]
            .into_iter()
            .cloned(),
        );
        super::special::plan(&super::special::PlanInput {
            file,
            context,
            uses: &usage.uses,
            use_function: &use_function,
            bodies: &bodies,
            tails: &tails.allowed,
            typescript,
            taken,
        })?
    };
    let mut problems = Vec::new();
    for u in &usage.uses {
        let sent_stmt = match &u.kind {
            UseKind::Response {
                stmt: Some(stmt), ..
            } => Some(stmt),
            UseKind::HelperCall {
                stmt: Some(stmt),
                helper,
                ..
            } if helper.responds => Some(stmt),
            _ => None,
        };
        if let Some(stmt) = sent_stmt {
            let range = file.range(*stmt);
            if !tails.allowed.contains(&range) && !special.exempt.contains(&range) {
                problems.push(
                    Diagnostic::manual("manual/code-after-response", "code runs after this response is sent")
                        .with_help(
                            "in a route handler nothing runs after the returned Response: return the response last, or move the later work into `after()` from next/server",
                        )
                        .at(file.location_of(*stmt)),
                );
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    // How req.query is rewritten.
    let query_mode = query_mode(&usage.uses, context.route);

    // What each function needs.
    for u in &usage.uses {
        let index = function_of(file.offset(u.offset_span().lo), &functions);
        let needs = &mut functions[index].needs;
        match &u.kind {
            UseKind::QueryWhole { .. }
            | UseKind::QueryKey { .. }
            | UseKind::QueryDestructure { .. } => {
                needs.query = query_mode != QueryMode::InlineParams;
                needs.context = context.route.is_dynamic();
                needs.awaits |= context.route.is_dynamic();
            }
            UseKind::Body { .. } => {
                needs.body = true;
                needs.awaits = true;
            }
            UseKind::RawBody { .. } => needs.awaits = true,
            UseKind::HelperCall { helper, .. } if super::session_libraries::awaits(helper) => {
                needs.awaits = true
            }
            UseKind::SetHeader { .. } | UseKind::Cors(_) => needs.headers = true,
            UseKind::StatusStatement { .. } | UseKind::StatusCode { .. } => needs.status = true,
            UseKind::Special(super::special::SpecialUse::WriteHead { headers, .. }) => {
                needs.status = true;
                needs.headers |= !headers.is_empty();
            }
            _ => {}
        }
    }
    for (function, awaits) in functions.iter_mut().zip(&special.awaits) {
        function.needs.awaits |= *awaits;
    }
    // The wrapper hands the extra arguments after the route context.
    if wrapped && handler.params.len() > 2 {
        functions[0].needs.context = true;
    }
    // Pages parsed the body before anything ran; the handler now reads it after the wrapper.
    if wrapped && functions[0].needs.body {
        notes.push(
            Diagnostic::note(
                "note/body-after-wrapper",
                "the body is now read after the wrapper's checks: a request the wrapper turns away gets the wrapper's answer even when its body is invalid JSON or over the size limit (Pages answered 400 or 413 first)",
            )
            .at(file.location_of(handler.function_span)),
        );
    }
    if micro_cors.is_some() {
        for function in &mut functions {
            function.needs.headers = true;
            function.needs.awaits = true;
        }
    }
    // Session libraries: what their declared versions allow, and what changes.
    let library_wrapper = match &handler.declaration {
        Declaration::Wrapped { callee, call, .. } => helpers
            .library_wrapper(&file.text[callee.clone()])
            .map(|wrapper| (wrapper, file.location(call.start))),
        _ => None,
    };
    let (session_problems, session_notes) =
        super::session_libraries::check(&super::session_libraries::SessionInput {
            file,
            context,
            uses: &usage.uses,
            wrapper: library_wrapper.clone(),
            needs_context: functions[0].needs.context,
        });
    if !session_problems.is_empty() {
        return Err(session_problems);
    }
    notes.extend(session_notes);
    // A response helper builds its own Response: headers or a status the handler set on `res`
    // before calling it would be lost.
    let mut problems = Vec::new();
    for u in &usage.uses {
        let UseKind::HelperCall { call, helper, .. } = &u.kind else {
            continue;
        };
        let needs = functions[function_of(file.offset(u.offset_span().lo), &functions)].needs;
        // A library helper sets its own status; next-basics' JSON and message forms take the headers.
        let keeps = helper
            .library_response
            .map(|l| (true, l.response.keeps_headers()));
        let (keeps_status, keeps_headers) = keeps.unwrap_or((false, false));
        if helper.responds && ((needs.headers && !keeps_headers) || (needs.status && !keeps_status))
        {
            problems.push(
                Diagnostic::manual(
                    "manual/helper-after-headers",
                    format!("`{}` sends the response after this handler set headers or a status on `res`", file.slice(*call)),
                )
                .with_help("its App Router form returns its own Response without them: pass them to the helper, or convert this route by hand")
                .at(file.location_of(*call)),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    // Edits for every use.
    let mut compat: BTreeSet<CompatFn> = BTreeSet::new();
    let mut edits: Vec<Edit> = Vec::new();
    for u in &usage.uses {
        if special.owned.contains(&file.range(u.offset_span())) {
            continue;
        }
        let function = &functions[function_of(file.offset(u.offset_span().lo), &functions)];
        use_edits(
            file,
            &u.kind,
            function.needs,
            query_mode,
            &names,
            &mut compat,
            &mut edits,
        );
    }
    special
        .imports
        .extend(super::session_libraries::imports(&usage.uses));
    let style = crate::text::file_style(file);
    let templates = multiline_templates(file);
    special_edits(
        file, &style, &templates, &special, &functions, &names, &mut edits,
    )?;
    notes.extend(special.notes.iter().cloned());
    for u in &usage.uses {
        if let UseKind::HelperCall { call, helper, .. } = &u.kind {
            if helper.refreshed_session_cookie {
                notes.push(super::helpers::session_cookie_note(file.location_of(*call)));
            }
        }
    }
    let mut helper_imports = helper_import_edits(file, &usage.uses);
    if let Declaration::Wrapped { callee, .. } = &handler.declaration {
        if let Some((_, rename)) = helpers.wrapper(&file.text[callee.clone()]) {
            edits.push(Edit::replace(callee.clone(), rename.new_name.clone()));
            if let Some(specifier) = &rename.specifier {
                let old = &file.text[specifier.clone()];
                // The import and the wrapper call are the old name's only uses.
                let still_used = file.identifier_counts().get(old).copied().unwrap_or(0) > 2;
                let text = if still_used {
                    format!("{old}, {}", rename.new_name)
                } else {
                    rename.new_name.clone()
                };
                edits.push(Edit::replace(specifier.clone(), text));
            }
            helper_imports
                .used
                .push((rename.source.clone(), rename.imported.clone()));
        }
    }
    edits.extend(helper_imports.edits);
    edits.extend(other_exports.edits.iter().cloned());
    for merged in &tails.merged {
        edits.push(Edit::delete(merged.clone()));
    }
    if let Some(size_limit) = &config.size_limit {
        if !functions.iter().any(|f| f.needs.body) {
            notes.push(Diagnostic::note(
                "note/body-size-limit",
                format!("`sizeLimit: {size_limit}` is dropped: route handlers impose no body size limit"),
            ).with_help("check `content-length` and answer 413 yourself if the limit mattered"));
        }
    }

    // Comments inside replaced text move above their line, inside the same slice.
    let rehomed = rehome_comments(file, &edits, &style);
    edits.extend(rehomed);
    let route_references = relative_import_edits(file, context, &mut edits);

    // Prelude lines and signatures.
    let mut structure: Vec<Edit> = Vec::new();
    let params_type = context.route.params_type();
    let signature = |needs: Needs| -> Vec<String> {
        let mut params = Vec::new();
        if req.is_some() || needs.context {
            params.push(if typescript {
                format!("{}: {}", names.req, names.next_request)
            } else {
                names.req.clone()
            });
        }
        if needs.context {
            params.push(if typescript {
                format!("{}: {{ params: Promise<{}> }}", names.context, params_type)
            } else {
                names.context.clone()
            });
        }
        params
    };
    let query_cast = super::request_type::query_cast(file, &handler, &style);
    let prelude = |needs: Needs, compat: &mut BTreeSet<CompatFn>| -> Vec<String> {
        let semi = style.semi();
        let mut lines = request_prelude(
            needs,
            &names,
            config.size_limit.as_deref(),
            query_mode,
            &query_cast,
            semi,
            compat,
        );
        if let (Some(wrapper), Some(preflight)) = (&micro_cors, &micro_cors_preflight) {
            compat.insert(CompatFn::CorsMiddleware);
            lines.extend(wrapper.prelude(&names.req, &names.headers, preflight, semi));
        }
        if needs.status {
            lines.push(format!("let {} = 200{semi}", names.status));
        }
        lines
    };

    let handler_range = match &handler.declaration {
        Declaration::DefaultExport { item, .. } => item.clone(),
        Declaration::Declared { declaration, .. } => declaration.clone(),
        Declaration::Wrapped { export, .. } => export.clone(),
    };
    let split = functions.iter().all(|f| f.part.is_some());
    if split {
        let mut rendered = Vec::new();
        for function in &functions {
            let Some(part) = &function.part else { continue };
            let is_async = handler.is_async || function.needs.awaits;
            let mut text = String::new();
            if function.exported_by_name {
                text.push_str("export ");
            }
            if is_async {
                text.push_str("async ");
            }
            text.push_str(&format!(
                "function {}({}) {{{}",
                function.name,
                signature(function.needs).join(", "),
                style.newline
            ));
            for line in prelude(function.needs, &mut compat) {
                text.push_str(&style.indent);
                text.push_str(&line);
                text.push_str(style.newline);
            }
            let mut window_edits: Vec<Edit> = edits
                .iter()
                .filter(|e| within(&e.range, &part.window))
                .cloned()
                .collect();
            window_edits.extend(part.dropped.iter().map(|r| Edit::delete(r.clone())));
            let body = apply_in(&file.text, part.window.clone(), &window_edits).map_err(|e| {
                internal(
                    file,
                    &format!("overlapping edits at {:?} and {:?}", e.first, e.second),
                )
            })?;
            let from = part
                .stmts
                .first()
                .map(|s| indentation_at(&file.text, file.offset(s.span().lo)).to_string())
                .unwrap_or_default();
            let protected = shift_ranges(&templates, &part.window, &window_edits);
            let body = reindent_block(&body, &from, &style.indent, &protected);
            if !body.is_empty() {
                text.push_str(&body);
                text.push_str(style.newline);
            }
            text.push('}');
            let aliases: Vec<String> = function
                .methods
                .iter()
                .filter(|m| !(function.exported_by_name && **m == function.name))
                .map(|m| format!("{} as {m}", function.name))
                .collect();
            if !aliases.is_empty() {
                text.push_str(style.newline);
                text.push_str(&format!(
                    "export {{ {} }}{}",
                    aliases.join(", "),
                    style.semi()
                ));
            }
            rendered.push(text);
        }
        let joined = rendered.join(&format!("{0}{0}", style.newline));
        // Keep only the edits outside the handler; the ones inside went into the slices.
        edits.retain(|e| !within(&e.range, &handler_range));
        structure.push(Edit::replace(handler_range.clone(), joined));
        if let Declaration::Declared { export, .. } = &handler.declaration {
            structure.push(Edit::delete(statement_lines(&file.text, export.clone())));
        }
    } else {
        let function = &functions[0];
        in_place_edits(
            file,
            &handler,
            function,
            &signature(function.needs),
            &prelude(function.needs, &mut compat),
            &style,
            &mut structure,
        )?;
        // nextjs-auth0 v3's App Router types fail `next build`: the route exports its own function.
        if let (Some(_), true, Declaration::Wrapped { export, .. }) =
            (&library_wrapper, typescript, &handler.declaration)
        {
            let route = fresh("routeHandler");
            let retargeted = super::session_libraries::typed_route_function(
                &mut structure,
                export.end,
                &function.name,
                &route,
                &function.methods,
                &style,
            );
            if !retargeted {
                return Err(internal(
                    file,
                    "no method exports after the wrapped handler",
                ));
            }
        }
    }

    // Config → segment exports.
    structure.extend(config.replacement(&style));

    // Imports: NextRequest and the compat functions.
    let needs_request_type =
        typescript && (req.is_some() || functions.iter().any(|f| f.needs.context));
    import_edits(
        file,
        context,
        needs_request_type,
        &compat,
        &style,
        &mut structure,
    );

    // The use edits had their comments re-homed above; now those of the structure edits.
    let rehomed = rehome_comments(file, &structure, &style);
    edits.extend(structure);
    edits.extend(rehomed);
    let (text, unchecked) = route_text(file, &edits, context, res.as_deref())?;
    let methods = ordered(
        functions
            .iter()
            .flat_map(|f| f.methods.iter().copied())
            .collect(),
    );
    Ok(Converted {
        text,
        compat,
        methods,
        notes,
        route_references,
        helpers: helper_imports.used,
        unchecked,
    })
}

/// Relative imports must still resolve from the new location: the edits that move them, and
/// the other route files (project paths without extension) they name.
pub(super) fn relative_import_edits(
    file: &ParsedFile,
    context: &RouteContext,
    edits: &mut Vec<Edit>,
) -> Vec<String> {
    let old_dir = imports::parent(&context.route.source_path);
    let new_dir = imports::parent(&context.route.target_path);
    let mut route_references = Vec::new();
    for reference in module_references(file) {
        if !imports::is_relative(&reference.specifier) {
            continue;
        }
        let target = imports::join(old_dir, &reference.specifier);
        let new_specifier = match (context.moved_route)(&target) {
            Some(moved) => {
                route_references.push(target);
                imports::relative_specifier(new_dir, &moved)
            }
            None => imports::moved_specifier(&reference.specifier, old_dir, new_dir),
        };
        if new_specifier != reference.specifier {
            edits.push(Edit::replace(reference.range.clone(), new_specifier));
        }
    }
    route_references
}

struct HelperImports {
    edits: Vec<Edit>,
    used: Vec<(String, String)>,
}

/// Each renamed helper's new name joins its import: beside the old name while the file still
/// uses that, in its place otherwise.
fn helper_import_edits(file: &ParsedFile, uses: &[usage::Use]) -> HelperImports {
    let counts = file.identifier_counts();
    let mut renamed: BTreeMap<(usize, usize), (&super::helpers::Rename, Range<usize>, usize)> =
        BTreeMap::new();
    for u in uses {
        let renamed_call = match &u.kind {
            UseKind::HelperCall {
                helper:
                    super::helpers::HelperCall {
                        rename: Some(rename),
                        ..
                    },
                ..
            } => Some(rename),
            UseKind::Middleware(middleware) => Some(&middleware.rename),
            _ => None,
        };
        if let Some(rename) = renamed_call {
            // A function of the same module has no import to change.
            let Some(specifier) = &rename.specifier else {
                continue;
            };
            renamed
                .entry((specifier.start, specifier.end))
                .or_insert((rename, specifier.clone(), 0))
                .2 += 1;
        }
    }
    let mut result = HelperImports {
        edits: Vec::new(),
        used: Vec::new(),
    };
    for (rename, specifier, calls) in renamed.into_values() {
        let old = &file.text[specifier.clone()];
        // The import itself and the renamed calls are all the old name's uses.
        let still_used = counts.get(old).copied().unwrap_or(0) > calls + 1;
        let text = if still_used {
            format!("{old}, {}", rename.new_name)
        } else {
            rename.new_name.clone()
        };
        result.edits.push(Edit::replace(specifier, text));
        result
            .used
            .push((rename.source.clone(), rename.imported.clone()));
    }
    result
}

/// Comments inside text that an edit replaces would be lost with it (`res.status(201) // Created`
/// folded into `jsonResponse(…)`). Each such comment is put back on its own line above the line
/// where the edit starts, with that line's indentation.
pub(super) fn rehome_comments(file: &ParsedFile, edits: &[Edit], style: &Style) -> Vec<Edit> {
    let mut comments: Vec<(Range<usize>, String)> = file
        .comments
        .all()
        .map(|c| {
            let text = match c.kind {
                swc_common::comments::CommentKind::Line => format!("//{}", c.text),
                swc_common::comments::CommentKind::Block => format!("/*{}*/", c.text),
            };
            (file.range(c.span), text)
        })
        .collect();
    comments.sort_by_key(|(range, _)| range.start);
    comments.dedup_by_key(|(range, _)| range.start);
    let mut rehomed: Vec<Edit> = Vec::new();
    for (range, text) in comments {
        let Some(edit) = edits.iter().find(|e| {
            !e.range.is_empty() && e.range.start <= range.start && range.end <= e.range.end
        }) else {
            continue;
        };
        if edit.replacement.contains(&text) {
            continue;
        }
        let line_start = crate::text::line_start(&file.text, edit.range.start);
        let indent = indentation_at(&file.text, edit.range.start);
        rehomed.push(Edit::insert(
            line_start,
            format!("{indent}{text}{}", style.newline),
        ));
    }
    rehomed
}

/// The first lines of a function over the request: its body read as Pages parsed it, its query,
/// the headers of its responses. (The status variable, when needed, comes after anything a caller
/// adds.)
/// `query_cast` follows the `pagesQuery(…)` call (` as RequestType['query']`, or nothing).
pub(super) fn request_prelude(
    needs: Needs,
    names: &Names,
    size_limit: Option<&str>,
    query_mode: QueryMode,
    query_cast: &str,
    semi: &str,
    compat: &mut BTreeSet<CompatFn>,
) -> Vec<String> {
    let mut lines = Vec::new();
    if needs.body {
        compat.insert(CompatFn::ReadPagesBody);
        let limit = size_limit.map(|l| format!(", {l}")).unwrap_or_default();
        lines.push(format!(
            "const {} = await readPagesBody({}{limit}){semi}",
            names.body, names.req
        ));
        lines.push(format!(
            "if ({b} instanceof Response) return {b}{semi}",
            b = names.body
        ));
    }
    if needs.query {
        let params = if needs.context {
            format!("await {}.params", names.context)
        } else {
            String::new()
        };
        if query_mode == QueryMode::LocalParams {
            lines.push(format!("const {} = {params}{semi}", names.query));
        } else {
            compat.insert(CompatFn::PagesQuery);
            let args = if needs.context {
                format!("{}, {params}", names.req)
            } else {
                names.req.clone()
            };
            lines.push(format!(
                "const {} = pagesQuery({args}){query_cast}{semi}",
                names.query
            ));
        }
    }
    if needs.headers {
        lines.push(format!("const {} = new Headers(){semi}", names.headers));
    }
    lines
}

pub(super) fn within(range: &Range<usize>, window: &Range<usize>) -> bool {
    range.start >= window.start && range.end <= window.end
}

pub(super) fn internal(file: &ParsedFile, what: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "internal/transform",
        format!("routeshift could not build the route handler ({what}); the file is left as it is"),
    )
    .with_help("please report this with the file")
    .at(file.location(0))]
}

fn handler_params(
    file: &ParsedFile,
    handler: &Handler,
    problems: &mut Vec<Diagnostic>,
) -> (Option<String>, Option<String>) {
    // A project wrapper hands the handler more than (req, res): those stay as they are.
    let wrapped = matches!(handler.declaration, Declaration::Wrapped { .. });
    if handler.params.len() > 2 && !wrapped {
        problems.push(
            Diagnostic::manual(
                "manual/handler-params",
                format!("the handler takes {} parameters", handler.params.len()),
            )
            .with_help("a Pages handler takes (req, res); convert this route by hand")
            .at(file.location_of(handler.function_span)),
        );
        return (None, None);
    }
    let mut names = [None, None];
    for (index, pat) in handler.params.iter().take(2).enumerate() {
        match param_name(pat) {
            Some(name) => names[index] = Some(name.to_string()),
            None => problems.push(
                Diagnostic::manual(
                    "manual/handler-params",
                    "a handler parameter is destructured or has a default value",
                )
                .with_help("name the parameters plainly (`req`, `res`), then run routeshift again")
                .at(file.location_of(pat.span())),
            ),
        }
    }
    let [req, res] = names;
    (req, res)
}

fn handler_name_used_elsewhere(file: &ParsedFile, handler: &Handler) -> bool {
    let Some(name) = &handler.name else {
        return false;
    };
    let (declaration, export) = match &handler.declaration {
        Declaration::DefaultExport { item, .. } => (item.clone(), item.clone()),
        Declaration::Declared {
            declaration,
            export,
            ..
        } => (declaration.clone(), export.clone()),
        Declaration::Wrapped {
            export,
            declaration,
            ..
        } => (
            declaration.clone().unwrap_or_else(|| export.clone()),
            export.clone(),
        ),
    };
    struct Refs<'a> {
        file: &'a ParsedFile,
        name: &'a str,
        outside: Vec<Range<usize>>,
    }
    impl swc_ecma_visit::Visit for Refs<'_> {
        fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
            if &*ident.sym == self.name {
                self.outside.push(self.file.range(ident.span));
            }
        }
    }
    let mut refs = Refs {
        file,
        name,
        outside: Vec::new(),
    };
    swc_ecma_visit::VisitWith::visit_with(&file.module, &mut refs);
    refs.outside
        .iter()
        .any(|r| !within(r, &declaration) && !within(r, &export))
}

fn exported_methods(dispatch: &Dispatch) -> Vec<&'static str> {
    match dispatch {
        Dispatch::Single { methods, .. } => methods.clone(),
        Dispatch::Split {
            branches,
            fallback,
            fallback_is_bare_405,
        } => {
            let handled: Vec<&'static str> = branches
                .iter()
                .flat_map(|b| b.methods.iter().copied())
                .collect();
            if fallback.is_some() && !fallback_is_bare_405 {
                ALL_METHODS.to_vec()
            } else {
                ordered(handled)
            }
        }
    }
}

/// The methods a wrapped handler answers, kept in one function: those it handles, and every
/// method when it has an answer for the others (the wrapper ran before it, as before).
fn wrapped_methods(dispatch: &Dispatch) -> Vec<&'static str> {
    match dispatch {
        Dispatch::Single { methods, .. } => methods.clone(),
        Dispatch::Split {
            fallback: Some(_), ..
        } => ALL_METHODS.to_vec(),
        Dispatch::Split { branches, .. } => ordered(
            branches
                .iter()
                .flat_map(|b| b.methods.iter().copied())
                .collect(),
        ),
    }
}

fn output_functions<'a>(
    file: &ParsedFile,
    handler: &Handler,
    dispatch: &Dispatch<'a>,
    handler_name: &str,
    fresh: &mut impl FnMut(&str) -> String,
    notes: &mut Vec<Diagnostic>,
) -> Vec<OutputFunction<'a>> {
    let location = file.location_of(handler.function_span);
    match dispatch {
        Dispatch::Single {
            methods,
            checks_method,
        } => {
            if !checks_method {
                notes.push(
                    Diagnostic::note(
                        "note/all-methods",
                        format!(
                            "the handler never checks the method, so it is exported for {}",
                            methods.join(", ")
                        ),
                    )
                    .with_help("remove the exports for methods the route should not answer")
                    .at(location),
                );
            }
            vec![OutputFunction {
                methods: methods.clone(),
                part: None,
                name: handler_name.to_string(),
                exported_by_name: false,
                needs: Needs::default(),
            }]
        }
        Dispatch::Split {
            branches,
            fallback,
            fallback_is_bare_405,
        } => {
            let mut functions: Vec<OutputFunction> = branches
                .iter()
                .map(|branch| {
                    let methods = ordered(branch.methods.clone());
                    let by_name = !(branch.shared && methods.len() > 1);
                    OutputFunction {
                        name: if by_name {
                            methods[0].to_string()
                        } else {
                            handler_name.to_string()
                        },
                        methods,
                        part: Some(branch.part.clone()),
                        exported_by_name: by_name,
                        needs: Needs::default(),
                    }
                })
                .collect();
            let handled: Vec<&str> = branches
                .iter()
                .flat_map(|b| b.methods.iter().copied())
                .collect();
            let remaining = dispatch::methods_except(&ALL_METHODS, &handled);
            match fallback {
                Some(_) if *fallback_is_bare_405 => {}
                Some(part) if !remaining.is_empty() => {
                    let name = if answers_405(file, part) { fresh("methodNotAllowed") } else { fresh("otherMethods") };
                    notes.push(
                        Diagnostic::note(
                            "note/fallback-methods",
                            format!("the answer for other methods is kept and exported for {}", remaining.join(", ")),
                        )
                        .with_help("Pages ran the handler for every method; drop these exports to let Next.js answer 405 itself")
                        .at(location.clone()),
                    );
                    functions.push(OutputFunction { methods: remaining, part: Some(part.clone()), name, exported_by_name: false, needs: Needs::default() });
                }
                Some(_) => {}
                None if !remaining.is_empty() => notes.push(
                    Diagnostic::note(
                        "note/unhandled-methods",
                        format!("{} got no response in Pages (the request hung); Next.js now answers them 405", remaining.join(", ")),
                    )
                    .at(location.clone()),
                ),
                None => {}
            }
            functions
        }
    }
}

fn answers_405(file: &ParsedFile, part: &Part) -> bool {
    file.text[part.window.clone()].contains("405")
}

pub(super) fn query_mode(uses: &[usage::Use], route: &crate::route_path::ApiRoute) -> QueryMode {
    let mut any = false;
    let mut whole = false;
    let mut nested = false;
    let mut keys = Vec::new();
    for u in uses {
        match &u.kind {
            UseKind::QueryWhole { .. } | UseKind::QueryKey { key: None, .. } => whole = true,
            UseKind::QueryKey { key: Some(key), .. } => keys.push(key.clone()),
            UseKind::QueryDestructure { keys: k, rest, .. } => {
                whole |= *rest;
                keys.extend(k.iter().cloned());
            }
            _ => continue,
        }
        any = true;
        nested |= u.nested;
    }
    if !any {
        QueryMode::None
    } else if !whole && route.is_dynamic() && keys.iter().all(|k| route.has_param(k)) {
        if nested {
            QueryMode::LocalParams
        } else {
            QueryMode::InlineParams
        }
    } else {
        QueryMode::LocalPagesQuery
    }
}

pub(super) fn use_edits(
    file: &ParsedFile,
    kind: &UseKind,
    needs: Needs,
    query_mode: QueryMode,
    names: &Names,
    compat: &mut BTreeSet<CompatFn>,
    edits: &mut Vec<Edit>,
) {
    let range = |span: Span| file.range(span);
    let req = &names.req;
    match kind {
        UseKind::Response { call, expr, stmt } => {
            if stmt.is_some() {
                edits.push(Edit::insert(file.offset(expr.lo), "return "));
            }
            response_edits(file, call, needs, names, compat, edits);
        }
        UseKind::SetHeader {
            call,
            callee,
            first_arg,
            value,
        } => match value {
            HeaderValue::String => edits.push(Edit::replace(
                range(*callee),
                format!("{}.set", names.headers),
            )),
            HeaderValue::Other => {
                compat.insert(CompatFn::SetHeader);
                edits.push(Edit::replace(
                    file.offset(call.lo)..file.offset(first_arg.lo),
                    format!("setHeader({}, ", names.headers),
                ));
            }
        },
        UseKind::StatusStatement { call, arg } => {
            edits.push(Edit::replace(
                file.offset(call.lo)..file.offset(arg.lo),
                format!("{} = ", names.status),
            ));
            edits.push(Edit::delete(file.offset(arg.hi)..file.offset(call.hi)));
        }
        UseKind::StatusCode { member } => {
            edits.push(Edit::replace(range(*member), names.status.clone()))
        }
        UseKind::QueryWhole { member }
        | UseKind::QueryKey { member, .. }
        | UseKind::QueryDestructure { member, .. } => {
            let replacement = match (query_mode, kind) {
                (QueryMode::InlineParams, UseKind::QueryDestructure { .. }) => {
                    format!("await {}.params", names.context)
                }
                (QueryMode::InlineParams, _) => format!("(await {}.params)", names.context),
                _ => names.query.clone(),
            };
            edits.push(Edit::replace(range(*member), replacement));
        }
        UseKind::Body { member } => edits.push(Edit::replace(range(*member), names.body.clone())),
        UseKind::Header {
            member,
            key,
            position,
        } => {
            let read = format!("{req}.headers.get({key})");
            let text = match position {
                Position::Object | Position::Nullish => read,
                Position::Safe => format!("{read} ?? undefined"),
                Position::Other => format!("({read} ?? undefined)"),
            };
            edits.push(Edit::replace(range(*member), text));
        }
        UseKind::Cookie {
            member,
            key,
            position,
        } => {
            let read = format!("{req}.cookies.get({key})?.value");
            let text = if *position == Position::Object {
                format!("({read})")
            } else {
                read
            };
            edits.push(Edit::replace(range(*member), text));
        }
        UseKind::Url { member, position } => {
            let read = format!("{req}.nextUrl.pathname + {req}.nextUrl.search");
            let text = if *position == Position::Safe {
                read
            } else {
                format!("({read})")
            };
            edits.push(Edit::replace(range(*member), text));
        }
        UseKind::HelperCall {
            call,
            callee,
            args,
            helper,
            stmt,
        } => {
            // Before the statement's expression, so that `await ok(res)` becomes `return await …`.
            if let Some(stmt) = stmt.filter(|_| helper.responds) {
                edits.push(Edit::insert(file.offset(stmt.lo), "return "));
            }
            if let Some(library) = helper.library_response {
                let headers = needs.headers.then_some(names.headers.as_str());
                let spans = args.as_slice();
                super::next_basics::edits(file, *call, spans, library, headers, compat, edits);
                return;
            }
            if let Some(rename) = &helper.rename {
                edits.push(Edit::replace(range(*callee), rename.new_name.clone()));
            }
            let args: Vec<Range<usize>> = args.iter().map(|a| range(*a)).collect();
            if let Some(edit) = super::session_libraries::cookie_store_edit(helper, &args) {
                edits.push(edit);
                return;
            }
            let req_at = helper.req_at.filter(|_| helper.drops_req);
            let res_at = match helper.res_at {
                Some(at) if helper.res_to_context => {
                    if let Some(arg) = args.get(at) {
                        edits.push(Edit::replace(arg.clone(), names.context.clone()));
                    }
                    None
                }
                other => other,
            };
            let drop: Vec<usize> = [req_at, res_at].into_iter().flatten().collect();
            for gone in super::helpers::dropped_arguments(&args, &drop) {
                edits.push(Edit::delete(gone));
            }
        }
        UseKind::Special(special) => special_use_edits(file, special, needs, names, compat, edits),
        UseKind::RawBody { expr, read } => {
            let text = match read {
                RawBodyRead::Buffer => format!("Buffer.from(await {req}.arrayBuffer())"),
                RawBodyRead::Text => format!("await {req}.text()"),
                RawBodyRead::Json => format!("await {req}.json()"),
            };
            edits.push(Edit::replace(range(*expr), text));
        }
        UseKind::Cors(cors) => {
            compat.insert(CompatFn::CorsMiddleware);
            edits.extend(super::cors::edits(file, cors, req, &names.headers));
        }
        UseKind::NodeRequest(upload) => {
            compat.insert(CompatFn::NodeRequest);
            edits.push(Edit::insert(file.offset(upload.arg.lo), "nodeRequest("));
            edits.push(Edit::insert(file.offset(upload.arg.hi), ")"));
        }
        UseKind::HeadersObject { member } => edits.push(Edit::replace(
            range(*member),
            format!("Object.fromEntries({req}.headers)"),
        )),
        UseKind::Middleware(middleware) => {
            let headers = needs.headers.then_some(names.headers.as_str());
            edits.extend(super::middleware::edits(file, middleware, headers, compat));
        }
        // Set on the request by the middleware, and read there still.
        UseKind::MiddlewareField { .. } => {}
    }
}

/// `{ status: 201, headers }` for a response in a function with these needs.
fn response_init(
    file: &ParsedFile,
    status: Option<Span>,
    include_status: bool,
    needs: Needs,
    names: &Names,
) -> Option<String> {
    let mut fields = Vec::new();
    if include_status {
        match status {
            Some(span) => fields.push(format!("status: {}", file.slice(span))),
            None if needs.status => fields.push(shorthand("status", &names.status)),
            None => {}
        }
    }
    if needs.headers {
        fields.push(shorthand("headers", &names.headers));
    }
    (!fields.is_empty()).then(|| format!("{{ {} }}", fields.join(", ")))
}

fn shorthand(field: &str, local: &str) -> String {
    if field == local {
        field.to_string()
    } else {
        format!("{field}: {local}")
    }
}

fn response_edits(
    file: &ParsedFile,
    call: &ResponseCall,
    needs: Needs,
    names: &Names,
    compat: &mut BTreeSet<CompatFn>,
    edits: &mut Vec<Edit>,
) {
    let start = file.offset(call.span.lo);
    let end = file.offset(call.span.hi);
    let init = response_init(file, call.status, true, needs, names);
    let with_init = |init: &Option<String>| {
        init.as_ref()
            .map(|i| format!(", {i})"))
            .unwrap_or_else(|| ")".into())
    };
    match call.method {
        ResponseMethod::Json | ResponseMethod::Send | ResponseMethod::End => {
            let function = match call.method {
                ResponseMethod::Json => CompatFn::JsonResponse,
                ResponseMethod::Send => CompatFn::SendResponse,
                _ => CompatFn::EndResponse,
            };
            match call.args.first() {
                Some(arg) => {
                    compat.insert(function);
                    edits.push(Edit::replace(
                        start..file.offset(arg.lo),
                        format!("{}(", function.name()),
                    ));
                    edits.push(Edit::replace(file.offset(arg.hi)..end, with_init(&init)));
                }
                None if call.method == ResponseMethod::End => {
                    let text = match &init {
                        Some(init) => format!("new Response(null, {init})"),
                        None => "new Response(null)".to_string(),
                    };
                    edits.push(Edit::replace(start..end, text));
                }
                None => {
                    compat.insert(function);
                    let text = match &init {
                        Some(init) => format!("{}(undefined, {init})", function.name()),
                        None => format!("{}(undefined)", function.name()),
                    };
                    edits.push(Edit::replace(start..end, text));
                }
            }
        }
        ResponseMethod::Redirect => {
            compat.insert(CompatFn::RedirectResponse);
            let init = response_init(file, None, false, needs, names);
            match call.args.as_slice() {
                [url] => {
                    edits.push(Edit::replace(
                        start..file.offset(url.lo),
                        "redirectResponse(307, ",
                    ));
                    edits.push(Edit::replace(file.offset(url.hi)..end, with_init(&init)));
                }
                [status, url] => {
                    edits.push(Edit::replace(
                        start..file.offset(status.lo),
                        "redirectResponse(",
                    ));
                    edits.push(Edit::replace(file.offset(url.hi)..end, with_init(&init)));
                }
                _ => {
                    edits.push(Edit::replace(start..end, "redirectResponse(307, '/')"));
                }
            }
        }
    }
}

/// Edits that turn the handler into a plain function exported under its methods, in place.
fn in_place_edits(
    file: &ParsedFile,
    handler: &Handler,
    function: &OutputFunction,
    signature: &[String],
    prelude: &[String],
    style: &Style,
    edits: &mut Vec<Edit>,
) -> Result<(), Vec<Diagnostic>> {
    let joined = signature.join(", ");
    let text = &file.text;
    let function_start = file.offset(handler.function_span.lo);
    let body_start = match handler.body {
        HandlerBody::Block(block) => file.offset(block.span.lo),
        HandlerBody::Expr(expr) => file.offset(expr.span().lo),
    };
    // Parameters: (req, res) only, when a wrapper hands the handler more.
    let last = match &handler.declaration {
        Declaration::Wrapped { .. } => handler.params.get(..2).and_then(|p| p.last()),
        _ => handler.params.last(),
    };
    match (handler.params.first(), last) {
        // Each parameter in its place, so that parameters on lines of their own stay so.
        (Some(first), Some(second))
            if matches!(handler.declaration, Declaration::Wrapped { .. })
                && handler.params.len() > 2
                && signature.len() == 2 =>
        {
            edits.push(Edit::replace(
                file.offset(first.span().lo)..param_end(file, first),
                signature[0].clone(),
            ));
            edits.push(Edit::replace(
                file.offset(second.span().lo)..param_end(file, second),
                signature[1].clone(),
            ));
        }
        (Some(first), Some(last)) => {
            let start = file.offset(first.span().lo);
            let end = param_end(file, last);
            let parenthesised = text[..start].trim_end().ends_with('(');
            let replacement = if parenthesised {
                joined.clone()
            } else {
                format!("({joined})")
            };
            edits.push(Edit::replace(start..end, replacement));
        }
        _ => {
            let open = text[function_start..body_start]
                .find('(')
                .map(|i| function_start + i + 1)
                .ok_or_else(|| internal(file, "no parameter list"))?;
            edits.push(Edit::insert(open, joined.clone()));
        }
    }
    if let Some(return_type) = handler.return_type {
        edits.push(Edit::delete(file.range(return_type.span)));
    }
    if function.needs.awaits && !handler.is_async {
        edits.push(Edit::insert(function_start, "async "));
    }
    // Prelude lines at the top of the body.
    if !prelude.is_empty() {
        match handler.body {
            HandlerBody::Block(block) => {
                let indent = match block.stmts.first() {
                    Some(first) => indentation_at(text, file.offset(first.span().lo)).to_string(),
                    None => format!("{}{}", indentation_at(text, body_start), style.indent),
                };
                let lines: String = prelude
                    .iter()
                    .map(|l| format!("{}{indent}{l}", style.newline))
                    .collect();
                edits.push(Edit::insert(body_start + 1, lines));
            }
            HandlerBody::Expr(expr) => {
                let base = indentation_at(text, body_start).to_string();
                let indent = format!("{base}{}", style.indent);
                let mut opening = "{".to_string();
                for line in prelude {
                    opening.push_str(&format!("{}{indent}{line}", style.newline));
                }
                opening.push_str(&format!("{}{indent}return ", style.newline));
                edits.push(Edit::insert(body_start, opening));
                edits.push(Edit::insert(
                    file.offset(expr.span().hi),
                    format!("{}{}{base}}}", style.semi(), style.newline),
                ));
            }
        }
    }
    // The declaration and the exports.
    edits.extend(export_edits(
        file,
        handler,
        &function.name,
        &function.methods,
        true,
        style,
    )?);
    Ok(())
}

/// The edits that name the handler `name` in place of its default export and export it under
/// `methods`; `drop_variable_type` removes a type annotation on its variable
/// (`const handler: NextApiHandler`), which no longer describes it.
pub(super) fn export_edits(
    file: &ParsedFile,
    handler: &Handler,
    name: &str,
    methods: &[&str],
    drop_variable_type: bool,
    style: &Style,
) -> Result<Vec<Edit>, Vec<Diagnostic>> {
    let exports = format!(
        "export {{ {} }}{}",
        methods
            .iter()
            .map(|m| format!("{name} as {m}"))
            .collect::<Vec<_>>()
            .join(", "),
        style.semi()
    );
    let function_start = file.offset(handler.function_span.lo);
    let body_start = match handler.body {
        HandlerBody::Block(block) => file.offset(block.span.lo),
        HandlerBody::Expr(expr) => file.offset(expr.span().lo),
    };
    let after_item = format!("{}{}{exports}", style.newline, style.newline);
    let mut edits = Vec::new();
    match &handler.declaration {
        Declaration::DefaultExport {
            item,
            anonymous,
            arrow,
        } => {
            if *arrow {
                edits.push(Edit::replace(
                    item.start..function_start,
                    format!("const {name} = "),
                ));
            } else {
                edits.push(Edit::delete(item.start..function_start));
                if *anonymous {
                    let keyword = file.text[function_start..body_start]
                        .find("function")
                        .map(|i| function_start + i + "function".len());
                    let at = keyword.ok_or_else(|| internal(file, "no function keyword"))?;
                    edits.push(Edit::insert(at, format!(" {name}")));
                }
            }
            edits.push(Edit::insert(item.end, after_item));
        }
        Declaration::Declared {
            export,
            variable_type,
            ..
        } => {
            if let Some(variable_type) = variable_type.as_ref().filter(|_| drop_variable_type) {
                edits.push(Edit::delete(variable_type.clone()));
            }
            edits.push(Edit::replace(export.clone(), exports));
        }
        // `export default withAuth(…)` → `const handler = withAuthForRoute(…)` and the exports;
        // the callee's new name is the import rename's edit.
        Declaration::Wrapped {
            export,
            call,
            variable_type,
            ..
        } => {
            if let Some(variable_type) = variable_type.as_ref().filter(|_| drop_variable_type) {
                edits.push(Edit::delete(variable_type.clone()));
            }
            edits.push(Edit::replace(
                export.start..call.start,
                format!("const {name} = "),
            ));
            edits.push(Edit::insert(export.end, after_item));
        }
    }
    Ok(edits)
}

pub(super) fn param_end(file: &ParsedFile, pat: &Pat) -> usize {
    let mut end = file.offset(pat.span().hi);
    if let Pat::Ident(binding) = pat {
        if let Some(type_ann) = &binding.type_ann {
            end = end.max(file.offset(type_ann.span.hi));
        }
    }
    end
}

/// Moves a slice of code to a new indentation: lines that start with `from` start with `to`
/// instead. Blank lines around the slice go; blank lines inside keep no whitespace; lines that
/// start inside `protected` ranges (multi-line template literals) are left alone. A slice whose
/// first line continues the line it started on (`case 'GET': return …`) gets `to` in front.
pub(crate) fn reindent_block(
    body: &str,
    from: &str,
    to: &str,
    protected: &[Range<usize>],
) -> String {
    let mut out = String::with_capacity(body.len() + 64);
    let mut offset = 0;
    let mut started = false;
    for (index, line) in body.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let is_protected = protected
            .iter()
            .any(|r| r.start < line_start && line_start < r.end);
        let content = line.trim_end_matches(['\n', '\r']);
        let ending = &line[content.len()..];
        if is_protected {
            out.push_str(line);
        } else if content.trim().is_empty() {
            if started {
                out.push_str(ending);
            }
            continue;
        } else if index == 0 {
            out.push_str(to);
            out.push_str(content.trim_start());
            out.push_str(ending);
        } else if let Some(rest) = content.strip_prefix(from) {
            out.push_str(to);
            out.push_str(rest);
            out.push_str(ending);
        } else {
            out.push_str(line);
        }
        started = true;
    }
    out.truncate(out.trim_end().len());
    out
}

/// Ranges (original offsets) moved into the coordinates of a window after its edits.
pub(crate) fn shift_ranges(
    ranges: &[Range<usize>],
    window: &Range<usize>,
    edits: &[Edit],
) -> Vec<Range<usize>> {
    let map = |pos: usize| -> usize {
        let mut shifted = pos as isize - window.start as isize;
        for edit in edits {
            if edit.range.end <= pos && edit.range.start >= window.start {
                shifted += edit.replacement.len() as isize - edit.range.len() as isize;
            }
        }
        shifted.max(0) as usize
    };
    ranges
        .iter()
        .filter(|r| r.start < window.end && r.end > window.start)
        .map(|r| map(r.start)..map(r.end))
        .collect()
}

pub(super) fn import_edits(
    file: &ParsedFile,
    context: &RouteContext,
    request_type: bool,
    compat: &BTreeSet<CompatFn>,
    style: &Style,
    edits: &mut Vec<Edit>,
) {
    let mut next_server = None;
    let mut has_next_request = false;
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        if import.src.value.as_str() == Some("next/server") {
            for specifier in &import.specifiers {
                if let ImportSpecifier::Named(named) = specifier {
                    let imported = named.imported.as_ref().map(|i| match i {
                        swc_ecma_ast::ModuleExportName::Ident(id) => id.sym.to_string(),
                        swc_ecma_ast::ModuleExportName::Str(s) => {
                            s.value.as_str().unwrap_or_default().to_string()
                        }
                    });
                    if imported.as_deref().unwrap_or(&named.local.sym) == "NextRequest"
                        && &*named.local.sym == "NextRequest"
                    {
                        has_next_request = true;
                    }
                }
            }
            let named_only = !import.specifiers.is_empty()
                && import
                    .specifiers
                    .iter()
                    .all(|s| matches!(s, ImportSpecifier::Named(_)));
            if named_only && next_server.is_none() {
                next_server = Some(import);
            }
        }
    }
    let mut lines = Vec::new();
    if request_type && !has_next_request {
        match next_server {
            Some(import) => {
                let last = import.specifiers.last().map(|s| file.offset(s.span().hi));
                if let Some(at) = last {
                    let name = if import.type_only {
                        ", NextRequest"
                    } else {
                        ", type NextRequest"
                    };
                    edits.push(Edit::insert(at, name));
                }
            }
            None => lines.push(format!(
                "import type {{ NextRequest }} from {}{}",
                style.quoted("next/server"),
                style.semi()
            )),
        }
    }
    if !compat.is_empty() {
        let names: Vec<&str> = compat.iter().map(|f| f.name()).collect();
        let specifier = imports::relative_specifier(
            imports::parent(&context.route.target_path),
            context.compat_module,
        );
        lines.push(format!(
            "import {{ {} }} from {}{}",
            names.join(", "),
            style.quoted(&specifier),
            style.semi()
        ));
    }
    edits.extend(imports::insert_import_lines(
        &file.text,
        imports::last_import_end(file),
        &lines,
        style,
    ));
}

/// The route file: `edits` applied to `file` (its byte-order mark, if any, stays), checked by
/// [`self_check`], which may drop imports it no longer uses; or, when the context checks
/// later, unchecked, with what checking it needs.
pub(super) fn route_text(
    file: &ParsedFile,
    edits: &[Edit],
    context: &RouteContext,
    res: Option<&str>,
) -> Result<(String, Option<Unchecked>), Vec<Diagnostic>> {
    let text = apply(&file.text, edits).map_err(|e| {
        internal(
            file,
            &format!("overlapping edits at {:?} and {:?}", e.first, e.second),
        )
    })?;
    let target_path = &context.route.target_path;
    match context.output_check {
        OutputCheck::Now => Ok((self_check(target_path, &text, res)?, None)),
        OutputCheck::Later => Ok((
            text,
            Some(Unchecked {
                target_path: target_path.clone(),
                res: res.map(str::to_string),
            }),
        )),
    }
}

/// Checks the output and tidies it: it must parse, and the handler's `res` must not be referred
/// to any more (it is no longer a parameter); type and reader imports the rewrite made unused
/// (`NextApiRequest`, `buffer` from micro) are removed.
pub(super) fn self_check(
    path: &str,
    text: &str,
    res: Option<&str>,
) -> Result<String, Vec<Diagnostic>> {
    let output = ParsedFile::parse(path, text).map_err(|d| {
        vec![Diagnostic::error(
            "internal/output-unparsable",
            format!("the generated route handler does not parse: {}", d.message),
        )
        .with_help("please report this with the file; it is left as it is")]
    })?;
    if let Some(res) = res {
        if let Some(offset) = free_reference(&output, res) {
            let (line, column) = output.lines().line_col(&output.text, offset);
            return Err(vec![Diagnostic::error(
                "internal/response-left",
                format!("the generated route handler still refers to `{res}` (line {line}, column {column} of the output)"),
            )
            .with_help("please report this with the file; it is left as it is")]);
        }
    }
    const CANDIDATES: [(&str, &[&str]); 5] = [
        (super::next_basics::SOURCE, super::next_basics::NAMES),
        ("next/server", &["NextFetchEvent"]),
        (
            "next",
            &[
                "NextApiRequest",
                "NextApiResponse",
                "NextApiHandler",
                "PageConfig",
            ],
        ),
        ("micro", &["buffer", "text", "json"]),
        ("raw-body", &["default"]),
    ];
    let mut edits = Vec::new();
    for item in &output.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        let source = import.src.value.as_str().unwrap_or_default();
        let Some((_, names)) = CANDIDATES.iter().find(|(module, _)| *module == source) else {
            continue;
        };
        let mut removable = Vec::new();
        for specifier in &import.specifiers {
            let (imported, local) = match specifier {
                ImportSpecifier::Named(named) => (
                    named
                        .imported
                        .as_ref()
                        .map_or(named.local.sym.to_string(), |i| match i {
                            swc_ecma_ast::ModuleExportName::Ident(id) => id.sym.to_string(),
                            swc_ecma_ast::ModuleExportName::Str(s) => {
                                s.value.as_str().unwrap_or_default().to_string()
                            }
                        }),
                    named.local.sym.to_string(),
                ),
                ImportSpecifier::Default(default) => {
                    ("default".to_string(), default.local.sym.to_string())
                }
                ImportSpecifier::Namespace(_) => continue,
            };
            // The import's own binding counts once.
            let used = output.identifier_counts();
            if names.contains(&imported.as_str()) && used.get(&local).copied().unwrap_or(0) <= 1 {
                removable.push(specifier);
            }
        }
        if removable.is_empty() {
            continue;
        }
        if removable.len() == import.specifiers.len() {
            edits.push(Edit::delete(statement_lines(
                &output.text,
                output.range(import.span),
            )));
        } else {
            for specifier in removable {
                edits.push(Edit::delete(imports::specifier_removal(
                    &output.text,
                    output.range(specifier.span()),
                )));
            }
        }
    }
    if edits.is_empty() {
        return Ok(text.to_string());
    }
    // Whole import lines and specifiers of imports that parsed: what is left parses too (the
    // fixture harness and the fuzz test parse every output), so it is not parsed a second time.
    apply(text, &edits).map_err(|_| internal(&output, "overlapping import edits"))
}

/// The first reference to `name` that no enclosing function in the output binds.
fn free_reference(file: &ParsedFile, name: &str) -> Option<usize> {
    struct Finder<'a> {
        name: &'a str,
        bound: Vec<bool>,
        found: Option<swc_common::BytePos>,
    }
    impl Finder<'_> {
        fn enter(&mut self, bound: Vec<String>) {
            self.bound.push(bound.iter().any(|n| n == self.name));
        }
    }
    impl swc_ecma_visit::Visit for Finder<'_> {
        fn visit_function(&mut self, function: &swc_ecma_ast::Function) {
            self.enter(crate::imports::function_scope(function));
            swc_ecma_visit::VisitWith::visit_children_with(function, self);
            self.bound.pop();
        }
        fn visit_arrow_expr(&mut self, arrow: &swc_ecma_ast::ArrowExpr) {
            self.enter(crate::imports::arrow_scope(arrow));
            swc_ecma_visit::VisitWith::visit_children_with(arrow, self);
            self.bound.pop();
        }
        fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
            if &*ident.sym == self.name && !self.bound.iter().any(|b| *b) && self.found.is_none() {
                self.found = Some(ident.span.lo);
            }
        }
    }
    let mut finder = Finder {
        name,
        bound: Vec::new(),
        found: None,
    };
    swc_ecma_visit::VisitWith::visit_with(&file.module, &mut finder);
    finder.found.map(|pos| file.offset(pos))
}

/// The function-level edits of streams and `after()`, the plan's own edits and its imports.
fn special_edits(
    file: &ParsedFile,
    style: &Style,
    templates: &[Range<usize>],
    special: &super::special::SpecialPlan,
    functions: &[OutputFunction],
    names: &Names,
    edits: &mut Vec<Edit>,
) -> Result<(), Vec<Diagnostic>> {
    edits.extend(special.edits.iter().cloned());
    for region in &special.streams {
        let offset = region.function_span.start;
        let needs = functions
            .iter()
            .find(|f| f.part.as_ref().is_some_and(|p| p.window.contains(&offset)))
            .or_else(|| functions.iter().find(|f| f.part.is_none()))
            .map(|f| f.needs)
            .unwrap_or_default();
        let init = response_init(file, None, true, needs, names);
        edits.extend(region.edits(file, style, templates, init));
    }
    for region in &special.afters {
        region.edits(file, style, templates, &region.response_name, edits);
    }
    edits.extend(super::named_imports::checked_edits(
        file,
        &special.imports,
        style,
    )?);
    Ok(())
}

/// The edits of one special use that stands on its own: `res.writeHead`, `req.on('close')`, a
/// pipe into the response. (Writes, revalidation and draft mode are planned by `special`.)
fn special_use_edits(
    file: &ParsedFile,
    special: &super::special::SpecialUse,
    needs: Needs,
    names: &Names,
    compat: &mut BTreeSet<CompatFn>,
    edits: &mut Vec<Edit>,
) {
    use super::special::SpecialUse;
    match special {
        SpecialUse::WriteHead {
            stmt,
            status,
            headers,
        } => {
            let style = crate::text::file_style(file);
            let indent = indentation_at(&file.text, file.offset(stmt.lo));
            let semi = style.semi();
            let mut lines = vec![format!("{} = {}{semi}", names.status, file.slice(*status))];
            for header in headers {
                let name = style.quoted(&header.name);
                let value = file.slice(header.value);
                lines.push(if header.plain {
                    format!("{}.set({name}, {value}){semi}", names.headers)
                } else {
                    compat.insert(CompatFn::SetHeader);
                    format!("setHeader({}, {name}, {value}){semi}", names.headers)
                });
            }
            edits.push(Edit::replace(
                file.range(*stmt),
                lines.join(&format!("{}{indent}", style.newline)),
            ));
        }
        SpecialUse::CloseListener { head, .. } => {
            let style = crate::text::file_style(file);
            edits.push(Edit::replace(
                file.range(*head),
                format!(
                    "{}.signal.addEventListener({}, ",
                    names.req,
                    style.quoted("abort")
                ),
            ));
        }
        SpecialUse::Pipe { stmt, expr, source } => {
            let init = response_init(file, None, true, needs, names);
            super::stream::pipe_edits(
                file,
                *stmt,
                *expr,
                *source,
                file.language.is_typescript(),
                init,
                edits,
            );
        }
        SpecialUse::Revalidate(_)
        | SpecialUse::DraftMode { .. }
        | SpecialUse::Write { .. }
        | SpecialUse::FlushHeaders { .. } => {}
    }
}

//! next-connect: a v1 router becomes the package's edge router for the App Router.
//!
//! ```text
//! const router = createRouter<NextApiRequest, NextApiResponse>()
//! router.use(async (req, res, next) => {
//!   if (!req.headers.authorization) return res.status(401).json({ error: 'unauthorized' })
//!   await next()
//! })
//! router.get((req, res) => {
//!   res.json(list(req.query.tag))
//! })
//! export default router.handler({ onError: (err, req, res) => { res.status(500).end('Oops') } })
//! ```
//! becomes (reference §6, next-connect 1.0.0 `dist/esm/edge.js`)
//! ```text
//! const router = createEdgeRouter<NextRequest, { params: Promise<{}> }>()
//! router.use(async (req, context, next) => {
//!   if (!req.headers.get('authorization')) return jsonResponse({ error: 'unauthorized' }, { status: 401 })
//!   return await next()
//! })
//! router.get((req) => {
//!   const query = pagesQuery(req)
//!   return jsonResponse(list(query.tag))
//! })
//! const handler = router.handler({ onError: (err, req) => { return endResponse('Oops', { status: 500 }) }, onNoMatch: … })
//! export { handler as GET, handler as HEAD, handler as POST, … }
//! ```
//! Each callback goes through the project's req/res rewrite (`helper_copy::copy_callback`): it
//! returns the Response it sent, or `next()` (a call that answers, as far as the tail analysis
//! goes). The handler is exported for every method a route handler takes: Pages called it for
//! any method and a method no callback matched got `onNoMatch`, which it still does.
//!
//! The routers' defaults differ on the wire: the node router's `onNoMatch` ends the response
//! with `Route <METHOD> <req.url> not found` and no content type, the edge router's builds
//! `new Response(…)` (`text/plain;charset=UTF-8`) with the absolute URL; `onError` likewise
//! (`Internal Server Error`, 500). A handler without its own options therefore gets explicit
//! ones that answer as Pages did (`endResponse`, the path and query as `req.url` had them).
//!
//! Bails out, the file untouched, on what has no faithful edge form: next-connect 0.x (`nc()`,
//! `manual/next-connect-v0`), Express middleware (`expressWrapper(cors())`, `cors()`:
//! `manual/next-connect-express-middleware`), a middleware header or status that can reach
//! `next()` (`manual/next-connect-header-before-next`; one followed on every path by the
//! middleware's own response converts), two callbacks one request runs that both read the body
//! (`manual/next-connect-body-read-twice`), callbacks imported or used
//! elsewhere (`manual/next-connect-callback-reference`), path patterns whose `req.params` the
//! route handler does not have (`manual/next-connect-route-pattern`), the router used outside
//! its registrations (`manual/next-connect-router-use`), and any callback the route transform
//! would refuse.

use std::collections::BTreeSet;
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    CallExpr, Decl, Expr, Function, ImportSpecifier, MemberProp, ModuleDecl, ModuleExportName,
    ModuleItem, ObjectLit, Pat, Prop, Stmt, VarDeclKind,
};

use super::{
    declared_call, finish_with_compat, import_of, object_arg, object_props, taken_names,
    AdapterInput, AdapterRewrite, ExportForm,
};
use crate::ast::strip_parens;
use crate::compat::CompatFn;
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::IdentifierCounts;
use crate::parse::ParsedFile;
use crate::route_handler::dispatch::{self, ALL_METHODS};
use crate::route_handler::handler::FunctionParts;
use crate::route_handler::helper_copy::{self, CallbackForm, PagesFunction};
use crate::route_handler::helpers::{HelperCall, Helpers};
use crate::route_handler::usage::{self, Responder, UsageInput, UseKind};
use crate::route_handler::{param_name, Converted};
use crate::text::{file_style, indentation_at, Style};

const PACKAGE: &str = "next-connect";

/// The router methods that register callbacks.
const REGISTERING: [&str; 8] = [
    "use", "all", "get", "head", "post", "put", "patch", "delete",
];

const HELP: &str = "in the App Router use `createEdgeRouter<NextRequest, { params: Promise<…> }>()` from next-connect: every callback takes `(req, ctx[, next])` and returns a Response or `next()`, and the route exports `router.handler({ onError, onNoMatch })` as each method; convert it by hand";

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let file = input.file;
    let call = input.export.call()?;
    let location = file.location_of(call.span);
    if imports_default(file) {
        return Some(Err(vec![Diagnostic::manual(
            "manual/next-connect-v0",
            "the route is a next-connect 0.x handler (`nc()`), which only runs on Node's request and response",
        )
        .with_help("next-connect 0.x has no Web Request mode: upgrade to next-connect 1 and its `createEdgeRouter`, whose handlers return Responses (`router.get((req) => Response.json(…))`, exported as `export async function GET(req, ctx) { return router.run(req, ctx) }`), or split the chain into one exported function per method by hand")
        .at(location)]));
    }
    let router = Router::find(file, call)?;
    Some(convert_router(input, &router))
}

/// A next-connect v1 router and everything registered on it.
struct Router<'a> {
    /// The `createRouter()` call.
    create: &'a CallExpr,
    /// The variable it is bound to, when it is not created in the exported chain itself.
    name: Option<String>,
    /// `.use(…)`, `.get(…)`, … in the order they run.
    links: Vec<Link<'a>>,
    /// The `.handler(options)` call the route exports.
    handler: &'a CallExpr,
    /// Top-level statements that register callbacks on the variable.
    statements: usize,
}

/// One `.method(args)` of a chain.
struct Link<'a> {
    method: String,
    call: &'a CallExpr,
}

enum Root<'a> {
    Create(&'a CallExpr),
    Name(&'a str),
    Other,
}

/// Peels `.method(…)` links off `expr` down to `createRouter()` or a name.
fn chain<'a>(file: &ParsedFile, expr: &'a Expr) -> (Root<'a>, Vec<Link<'a>>) {
    match strip_parens(expr) {
        Expr::Ident(ident) => (Root::Name(&ident.sym), Vec::new()),
        Expr::Call(call) => call_chain(file, call),
        _ => (Root::Other, Vec::new()),
    }
}

/// [`chain`] from a call.
fn call_chain<'a>(file: &ParsedFile, call: &'a CallExpr) -> (Root<'a>, Vec<Link<'a>>) {
    if super::calls_export(file, call, &[PACKAGE], "createRouter") {
        return (Root::Create(call), Vec::new());
    }
    let Some(Expr::Member(member)) = crate::ast::callee_expr(call).map(strip_parens) else {
        return (Root::Other, Vec::new());
    };
    let MemberProp::Ident(prop) = &member.prop else {
        return (Root::Other, Vec::new());
    };
    let (root, mut links) = chain(file, &member.obj);
    links.push(Link {
        method: prop.sym.to_string(),
        call,
    });
    (root, links)
}

impl<'a> Router<'a> {
    /// The router when the exported call is `<router>.handler(…)` of a next-connect v1 router.
    fn find(file: &'a ParsedFile, export: &'a CallExpr) -> Option<Router<'a>> {
        let (root, mut links) = call_chain(file, export);
        if links.pop().map(|l| l.method).as_deref() != Some("handler") {
            return None;
        }
        match root {
            Root::Create(create) => Some(Router {
                create,
                name: None,
                links,
                handler: export,
                statements: 0,
            }),
            Root::Name(name) => {
                let (init, _) = declared_call(file, name)?;
                let (Root::Create(create), mut registered) = call_chain(file, init) else {
                    return None;
                };
                let mut statements = 0;
                for item in &file.module.body {
                    let ModuleItem::Stmt(Stmt::Expr(statement)) = item else {
                        continue;
                    };
                    let (Root::Name(root), found) = chain(file, &statement.expr) else {
                        continue;
                    };
                    if root == name && !found.is_empty() {
                        statements += 1;
                        registered.extend(found);
                    }
                }
                registered.append(&mut links);
                Some(Router {
                    create,
                    name: Some(name.to_string()),
                    links: registered,
                    handler: export,
                    statements,
                })
            }
            Root::Other => None,
        }
    }
}

/// Where a callback is registered, which decides its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `.use/.get/…(…, (req, res[, next]) => …)`
    Route,
    /// `onError: (err, req, res) => …`
    OnError,
    /// `onNoMatch: (req, res) => …`
    OnNoMatch,
}

/// How a callback is written where it is registered.
enum Source<'a> {
    Expr(&'a Expr),
    /// `{ onError }`: a name.
    Name(&'a str, Span),
    /// `{ onError(err, req, res) { … } }`
    Method(&'a Function, Span),
}

/// A callback function found in the file, as the req/res rewrite sees it.
struct Callback<'a> {
    pages: PagesFunction<'a>,
    next_at: Option<usize>,
}

fn convert_router(input: &AdapterInput, router: &Router) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    let context = input.context;
    let style = file_style(file);
    let typescript = file.language.is_typescript();
    let counts = file.identifier_counts();
    let manual = |code: &str, message: String, span: Span| {
        Diagnostic::manual(code, message)
            .with_help(HELP)
            .at(file.location_of(span))
    };
    let mut problems = Vec::new();

    // The router is used only to register callbacks and to export its handler.
    if let Some(name) = &router.name {
        let expected = 2 + router.statements;
        if counts.get(name).copied().unwrap_or(0) != expected {
            problems.push(
                Diagnostic::manual(
                    "manual/next-connect-router-use",
                    format!("the router `{name}` is used beyond top-level `{name}.use/.get/…` statements and `{name}.handler()`"),
                )
                .with_help("the conversion only follows a router registered at the top level and exported through `handler()`; convert it by hand")
                .at(file.location_of(router.create.span)),
            );
        }
    }

    let config = crate::route_handler::config::analyze(file);
    let helpers = Helpers::of(file, context.project_helper);
    let context_type = if context.route.is_dynamic() {
        format!("{{ params: Promise<{}> }}", context.route.params_type())
    } else {
        "{ params: Promise<{}> }".to_string()
    };
    let form = |next_at| CallbackForm {
        route: context.route,
        next_at,
        size_limit: config.size_limit.as_deref(),
        context_type: &context_type,
    };
    let mut edits = Vec::new();
    let mut compat = BTreeSet::new();
    let mut notes = Vec::new();
    let mut ran: Vec<Ran> = Vec::new();

    // Every registered callback.
    for link in &router.links {
        if !REGISTERING.contains(&link.method.as_str()) {
            problems.push(manual(
                "manual/next-connect-router-method",
                format!("`.{}()` on the router has no conversion", link.method),
                link.call.span,
            ));
            continue;
        }
        let mut functions = Vec::new();
        for (index, arg) in link.call.args.iter().enumerate() {
            let expr = strip_parens(&arg.expr);
            if arg.spread.is_some() {
                problems.push(manual(
                    "manual/next-connect-callback-shape",
                    format!("`.{}()` spreads its callbacks", link.method),
                    arg.expr.span(),
                ));
            } else if index == 0 && is_path_pattern(expr) {
                problems.push(
                    Diagnostic::manual(
                        "manual/next-connect-route-pattern",
                        format!("`.{}({}, …)` matches a path pattern", link.method, file.slice(expr.span())),
                    )
                    .with_help("the pattern was matched against Pages' `req.url` and fills `req.params`, which a route handler's request does not have: let the file's route decide the path (a dynamic segment's value is `(await ctx.params).<name>`), then convert the route by hand")
                    .at(file.location_of(expr.span())),
                );
            } else {
                functions.push(expr);
            }
        }
        let last = functions.len().saturating_sub(1);
        for (index, expr) in functions.into_iter().enumerate() {
            let callback = match resolve(file, Source::Expr(expr), Role::Route, counts) {
                Ok(callback) => callback,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            match convert_callback(
                file,
                &callback,
                &helpers,
                config.raw_body,
                &form(callback.next_at),
            ) {
                Ok(converted) => {
                    ran.push(Ran {
                        methods: reached_methods(&link.method),
                        leads_on: link.method == "use"
                            || index < last
                            || callback.next_at.is_some(),
                        reads_body: converted.reads_body,
                        span: callback.pages.span,
                    });
                    compat.extend(converted.copy.compat.iter().copied());
                    notes.extend(converted.copy.notes.iter().cloned());
                    edits.push(converted.edit);
                }
                Err(found) => problems.extend(found),
            }
        }
    }

    // The handler's options: the user's converted, next-connect's node defaults added as Pages
    // answered with them.
    let mut options = Vec::new();
    let object = match router.handler.args.as_slice() {
        [] => None,
        [_] => match object_arg(router.handler, 0).and_then(|o| object_props(o).map(|p| (o, p))) {
            Some(found) => Some(found),
            None => {
                problems.push(manual(
                    "manual/next-connect-handler-options",
                    "the options of `handler()` are not an object literal of `onError` and `onNoMatch`".into(),
                    router.handler.span,
                ));
                None
            }
        },
        _ => {
            problems.push(manual(
                "manual/next-connect-handler-options",
                "`handler()` takes more than one argument".into(),
                router.handler.span,
            ));
            None
        }
    };
    if let Some((_, props)) = &object {
        for (key, prop) in props {
            let role = match key.as_str() {
                "onError" => Role::OnError,
                "onNoMatch" => Role::OnNoMatch,
                other => {
                    problems.push(manual(
                        "manual/next-connect-handler-options",
                        format!("the `handler()` option `{other}` has no conversion"),
                        prop.span(),
                    ));
                    continue;
                }
            };
            options.push(role);
            let source = match prop {
                Prop::KeyValue(kv) => Source::Expr(strip_parens(&kv.value)),
                Prop::Shorthand(ident) => Source::Name(&ident.sym, ident.span),
                Prop::Method(method) => Source::Method(&method.function, prop.span()),
                _ => {
                    problems.push(manual(
                        "manual/next-connect-handler-options",
                        format!("the `handler()` option `{key}` is not a function"),
                        prop.span(),
                    ));
                    continue;
                }
            };
            let callback = match resolve(file, source, role, counts) {
                Ok(callback) => callback,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            match convert_callback(file, &callback, &helpers, config.raw_body, &form(None)) {
                Ok(converted) => {
                    // `onNoMatch` runs instead of every callback, `onError` after any of them.
                    ran.push(Ran {
                        methods: if role == Role::OnError {
                            ALL_METHODS.to_vec()
                        } else {
                            Vec::new()
                        },
                        leads_on: false,
                        reads_body: converted.reads_body,
                        span: callback.pages.span,
                    });
                    compat.extend(converted.copy.compat.iter().copied());
                    notes.extend(converted.copy.notes.iter().cloned());
                    edits.push(converted.edit);
                }
                Err(found) => problems.extend(found),
            }
        }
    }

    // A Request body can be read once: by one of the callbacks a request runs.
    let readers: Vec<&Ran> = ran.iter().filter(|r| r.reads_body).collect();
    let twice: Vec<Span> = readers
        .iter()
        .filter(|r| {
            readers
                .iter()
                .any(|o| o.span != r.span && o.shares_a_method(r))
        })
        .map(|r| r.span)
        .collect();
    for span in &twice {
        problems.push(
                Diagnostic::manual(
                    "manual/next-connect-body-read-twice",
                    "more than one callback reads the request body",
                )
                .with_help("Pages parsed `req.body` once for all of them; a Request body can be read only once: read it in one callback and hand it on (or convert the route by hand)")
                .at(file.location_of(*span)),
            );
    }

    let create_edits = match create_edits(file, router, typescript, &context_type, counts) {
        Ok(found) => found,
        Err(problem) => {
            problems.push(problem);
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    edits.extend(create_edits);

    let missing: Vec<Role> = [Role::OnNoMatch, Role::OnError]
        .into_iter()
        .filter(|r| !options.contains(r))
        .collect();
    if !missing.is_empty() {
        compat.insert(CompatFn::EndResponse);
        edits.extend(default_options(
            file,
            router.handler,
            object.as_ref().map(|(o, _)| *o),
            &missing,
            &style,
        ));
    }

    // Pages parsed the body before any callback ran.
    let after_middleware = readers.iter().find(|reader| {
        ran.iter()
            .take_while(|r| r.span != reader.span)
            .any(|r| r.leads_on && r.shares_a_method(reader))
    });
    if let Some(Ran { span, .. }) = after_middleware {
        notes.push(
            Diagnostic::note(
                "note/next-connect-body-after-middleware",
                "the body is now read by the callback that uses it, after the middleware before it: a request a middleware turns away gets the middleware's answer even when its body is invalid JSON or over the size limit (Pages answered 400 or 413 first)",
            )
            .at(file.location_of(*span)),
        );
    }
    notes.push(
        Diagnostic::note(
            "note/next-connect-all-methods",
            "the router's handler is exported for every method a route handler takes (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS): Pages called it for any method, and one no callback matched got `onNoMatch`, as it still does",
        )
        .with_help("a method outside these seven (PROPFIND, …) now gets Next.js's 400 instead of `onNoMatch`")
        .at(file.location_of(router.handler.span)),
    );

    let mut taken = taken_names(file);
    edits.extend(super::export_call(
        input,
        &ExportForm {
            base_name: "handler",
            field: None,
            methods: &ALL_METHODS,
        },
        &mut taken,
        &style,
    ));
    finish_with_compat(
        input,
        AdapterRewrite {
            edits,
            methods: ALL_METHODS.to_vec(),
            notes,
            request_type: typescript,
        },
        compat,
        !readers.is_empty(),
    )
}

/// A callback a request may run, for the body reads.
struct Ran {
    /// The methods it runs for.
    methods: Vec<&'static str>,
    /// A middleware: a callback runs after it (`.use`, all but the last of a registration, or a
    /// callback with `next`).
    leads_on: bool,
    reads_body: bool,
    span: Span,
}

impl Ran {
    fn shares_a_method(&self, other: &Ran) -> bool {
        self.methods.iter().any(|m| other.methods.contains(m))
    }
}

/// The methods a registration runs for: `.get` also answers HEAD, as next-connect's `find` does.
fn reached_methods(registration: &str) -> Vec<&'static str> {
    match registration {
        "get" => vec!["GET", "HEAD"],
        "use" | "all" => ALL_METHODS.to_vec(),
        other => ALL_METHODS
            .iter()
            .copied()
            .filter(|m| m.eq_ignore_ascii_case(other))
            .collect(),
    }
}

/// `'/api/items/:id'`, `/^\/api/`, a template: a path the router matches.
fn is_path_pattern(expr: &Expr) -> bool {
    use swc_ecma_ast::Lit;
    matches!(
        crate::ast::unwrap_expr(expr),
        Expr::Lit(Lit::Str(_) | Lit::Regex(_)) | Expr::Tpl(_)
    )
}

/// A converted callback: the edit that replaces it, and what its form needs.
struct ConvertedCallback {
    edit: Edit,
    copy: helper_copy::HelperCopy,
    reads_body: bool,
}

fn convert_callback(
    file: &ParsedFile,
    callback: &Callback,
    helpers: &Helpers,
    raw_body: bool,
    form: &CallbackForm,
) -> Result<ConvertedCallback, Vec<Diagnostic>> {
    let pages = &callback.pages;
    let name = |at: Option<usize>| {
        at.and_then(|at| pages.params.get(at))
            .and_then(|p| param_name(p))
    };
    let mut helpers = helpers.clone();
    if let Some(at) = callback.next_at {
        let Some(next) = name(Some(at)) else {
            return Err(vec![Diagnostic::manual(
                "manual/next-connect-callback-shape",
                "the middleware's `next` parameter is destructured",
            )
            .with_help(HELP)
            .at(file.location_of(pages.name))]);
        };
        // `next()` answers for the tail analysis: the edge router returns what it returns.
        helpers.insert(next.to_string(), HelperCall::next());
    }
    let (stmts, expr_body) = pages.body.parts();
    let usage = usage::scan(
        &UsageInput {
            file,
            req: name(pages.req_at),
            res: name(pages.res_at),
            raw_body,
            helpers: &helpers,
        },
        stmts,
        expr_body,
    );
    // A header or status a middleware sets must go with a response it sends itself: the edge
    // router builds the later callbacks' responses without it.
    if let (Some(next), Some(res)) = (name(callback.next_at), name(pages.res_at)) {
        let responder = Responder {
            req: name(pages.req_at).unwrap_or("\u{0}"),
            res,
            helpers: &helpers,
        };
        let all: Vec<&Stmt> = stmts.iter().collect();
        for u in &usage.uses {
            let sets = matches!(
                u.kind,
                UseKind::SetHeader { .. }
                    | UseKind::StatusStatement { .. }
                    | UseKind::StatusCode { .. }
            );
            if sets && own_response_follows(&all, u.offset_span(), next, responder) != Some(true) {
                return Err(vec![Diagnostic::manual(
                    "manual/next-connect-header-before-next",
                    format!("the middleware's `{}` is meant for the response a later callback sends", file.slice(u.offset_span())),
                )
                .with_help("in `createEdgeRouter` each callback returns its own Response, so headers set before `next()` are lost: set them in the callbacks that answer (or on the Response `await next()` returns), then convert the route by hand")
                .at(file.location_of(u.offset_span()))]);
            }
        }
    }
    let reads_body = usage
        .uses
        .iter()
        .any(|u| matches!(u.kind, UseKind::Body { .. } | UseKind::RawBody { .. }));
    let copy = helper_copy::copy_callback(file, pages, &usage, &helpers, form)?;
    Ok(ConvertedCallback {
        edit: Edit::replace(pages.declaration.clone(), copy.text.clone()),
        copy,
        reads_body,
    })
}

/// Whether every path from the statement that holds `target` ends in a response the callback
/// sends itself, without calling `next`; `None` when no statement of `list` holds it.
fn own_response_follows(
    list: &[&Stmt],
    target: Span,
    next: &str,
    responder: Responder,
) -> Option<bool> {
    let holds = |stmt: &Stmt| stmt.span().lo <= target.lo && target.hi <= stmt.span().hi;
    let (index, stmt) = list.iter().enumerate().find(|(_, s)| holds(s))?;
    if let Stmt::Expr(_) = stmt {
        let rest = &list[index + 1..];
        return Some(
            dispatch::always_exits(rest, responder)
                && !rest.iter().any(|s| super::mentions(*s, next)),
        );
    }
    let nested: Vec<Vec<&Stmt>> = match stmt {
        Stmt::Block(block) => vec![block.stmts.iter().collect()],
        Stmt::If(if_stmt) => std::iter::once(&*if_stmt.cons)
            .chain(if_stmt.alt.as_deref())
            .map(|s| vec![s])
            .collect(),
        Stmt::Try(try_stmt) => std::iter::once(&try_stmt.block)
            .chain(try_stmt.handler.as_ref().map(|h| &h.body))
            .chain(try_stmt.finalizer.as_ref())
            .map(|b| b.stmts.iter().collect())
            .collect(),
        Stmt::Switch(switch) => switch
            .cases
            .iter()
            .map(|c| c.cons.iter().collect())
            .collect(),
        Stmt::Labeled(labeled) => vec![vec![&*labeled.body]],
        _ => Vec::new(),
    };
    // Inside a nested list, the path must end there: falling out of it runs what follows.
    Some(
        nested
            .iter()
            .find_map(|inner| own_response_follows(inner, target, next, responder))
            .unwrap_or(false),
    )
}

/// The function a callback names: inline, or declared in the file and used only there.
fn resolve<'a>(
    file: &'a ParsedFile,
    source: Source<'a>,
    role: Role,
    counts: &IdentifierCounts,
) -> Result<Callback<'a>, Diagnostic> {
    let reference = |message: String, span: Span| {
        Diagnostic::manual("manual/next-connect-callback-reference", message)
            .with_help("the conversion rewrites callbacks written inline or declared in the route file and registered only there; inline it (or give it an edge form over `(req, ctx[, next])` that returns a Response or `next()`) and convert the route by hand")
            .at(file.location_of(span))
    };
    let (function, name_span, declaration) = match source {
        Source::Method(function, span) => (
            FunctionParts::of_function(function, span),
            span,
            file.range(span),
        ),
        Source::Expr(expr) => match expr {
            Expr::Arrow(arrow) => (
                Some(FunctionParts::of_arrow(arrow)),
                arrow.span,
                file.range(arrow.span),
            ),
            Expr::Fn(f) => (
                FunctionParts::of_function(&f.function, f.function.span),
                f.function.span,
                file.range(f.function.span),
            ),
            Expr::Ident(ident) => return resolve_name(file, &ident.sym, ident.span, role, counts),
            Expr::Call(call) => return Err(call_problem(file, call)),
            other => {
                return Err(Diagnostic::manual(
                    "manual/next-connect-callback-shape",
                    format!(
                        "the callback `{}` is not a function",
                        file.slice(other.span())
                    ),
                )
                .with_help(HELP)
                .at(file.location_of(other.span())))
            }
        },
        Source::Name(name, span) => return resolve_name(file, name, span, role, counts),
    };
    let Some(function) = function else {
        return Err(reference("the callback has no body".into(), name_span));
    };
    callback(file, function, name_span, declaration, role)
}

/// A callback given by name: a function declared at the top level of the file.
fn resolve_name<'a>(
    file: &'a ParsedFile,
    name: &str,
    span: Span,
    role: Role,
    counts: &IdentifierCounts,
) -> Result<Callback<'a>, Diagnostic> {
    let reference = |message: String| {
        Diagnostic::manual("manual/next-connect-callback-reference", message)
            .with_help("the conversion rewrites callbacks written inline or declared in the route file and registered only there; inline it (or give it an edge form over `(req, ctx[, next])` that returns a Response or `next()`) and convert the route by hand")
            .at(file.location_of(span))
    };
    if let Some(import) = import_of(file, name) {
        if !is_project_module(&import.source) {
            return Err(express_middleware(
                file,
                name,
                Some(&import.source),
                false,
                span,
            ));
        }
        return Err(reference(format!(
            "the callback `{name}` is imported from `{}`: its req/res form cannot run in the edge router",
            import.source
        )));
    }
    let Some((function, name_span, declaration)) = declared_function(file, name) else {
        return Err(reference(format!(
            "the callback `{name}` is not a function declared at the top level of this file"
        )));
    };
    // The declaration, and this registration.
    if counts.get(name).copied().unwrap_or(0) != 2 {
        return Err(reference(format!(
            "the callback `{name}` is used elsewhere too: its edge form would change those uses"
        )));
    }
    callback(file, function, name_span, declaration, role)
}

/// Positions of the parameters for the callback's role.
fn callback<'a>(
    file: &ParsedFile,
    function: FunctionParts<'a>,
    name: Span,
    declaration: Range<usize>,
    role: Role,
) -> Result<Callback<'a>, Diagnostic> {
    let count = function.params.len();
    let (req_at, res_at, next_at, most) = match role {
        Role::Route => (0, 1, Some(2), 3),
        Role::OnError => (1, 2, None, 3),
        Role::OnNoMatch => (0, 1, None, 2),
    };
    if count > most {
        return Err(Diagnostic::manual(
            "manual/next-connect-callback-shape",
            format!("the callback takes {count} parameters, more than next-connect passes"),
        )
        .with_help(HELP)
        .at(file.location_of(name)));
    }
    let at = |index: usize| (index < count).then_some(index);
    Ok(Callback {
        pages: PagesFunction {
            name,
            declaration,
            span: function.span,
            params: function.params,
            body: function.body,
            return_type: function.return_type,
            is_async: function.is_async,
            req_at: at(req_at),
            res_at: at(res_at),
            wrapper: None,
        },
        next_at: next_at.and_then(at),
    })
}

/// `function name(…) { … }` or `const name = (…) => …` (no type on the variable) at the top
/// level: the function, its name, and the range its form replaces.
fn declared_function<'a>(
    file: &'a ParsedFile,
    name: &str,
) -> Option<(FunctionParts<'a>, Span, Range<usize>)> {
    file.module.body.iter().find_map(|item| match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(decl))) if &*decl.ident.sym == name => {
            let span = decl.function.span;
            Some((
                FunctionParts::of_function(&decl.function, span)?,
                decl.ident.span,
                file.range(span),
            ))
        }
        ModuleItem::Stmt(Stmt::Decl(Decl::Var(var)))
            if var.kind == VarDeclKind::Const && var.decls.len() == 1 =>
        {
            let Pat::Ident(binding) = &var.decls[0].name else {
                return None;
            };
            if &*binding.id.sym != name || binding.type_ann.is_some() {
                return None;
            }
            match strip_parens(var.decls[0].init.as_deref()?) {
                Expr::Arrow(arrow) => Some((
                    FunctionParts::of_arrow(arrow),
                    binding.id.span,
                    file.range(arrow.span),
                )),
                Expr::Fn(f) => Some((
                    FunctionParts::of_function(&f.function, f.function.span)?,
                    binding.id.span,
                    file.range(f.function.span),
                )),
                _ => None,
            }
        }
        _ => None,
    })
}

/// A module of the project (relative or aliased path) rather than a package.
fn is_project_module(source: &str) -> bool {
    ["./", "../", "@/", "~/"]
        .iter()
        .any(|p| source.starts_with(p))
}

/// The module a call's callee comes from: `cors()`, `passport.initialize()`,
/// `multer().single('file')`.
fn package_of_call(file: &ParsedFile, call: &CallExpr) -> Option<String> {
    let root = match crate::ast::callee_expr(call).map(strip_parens)? {
        Expr::Member(member) => match strip_parens(&member.obj) {
            Expr::Ident(ident) => ident.sym.to_string(),
            Expr::Call(inner) => return package_of_call(file, inner),
            _ => return None,
        },
        Expr::Ident(ident) => ident.sym.to_string(),
        _ => return None,
    };
    import_of(file, &root).map(|i| i.source)
}

/// Why a callback given as a call (`expressWrapper(cors())`, `cors()`, `withAuth(h)`) stays.
fn call_problem(file: &ParsedFile, call: &CallExpr) -> Diagnostic {
    if super::calls_export(file, call, &[PACKAGE], "expressWrapper") {
        let wrapped = call.args.first().map(|a| strip_parens(&a.expr));
        let source = match wrapped {
            Some(Expr::Call(inner)) => package_of_call(file, inner),
            Some(Expr::Ident(ident)) => import_of(file, &ident.sym).map(|i| i.source),
            _ => None,
        };
        let text = wrapped.map_or("expressWrapper()", |w| file.slice(w.span()));
        return express_middleware(file, text, source.as_deref(), true, call.span);
    }
    match package_of_call(file, call) {
        Some(source) if !is_project_module(&source) => {
            express_middleware(file, file.slice(call.span), Some(&source), false, call.span)
        }
        _ => Diagnostic::manual(
            "manual/next-connect-callback-shape",
            format!(
                "the callback `{}` is built by a call, whose result the conversion cannot see",
                file.slice(call.span)
            ),
        )
        .with_help(HELP)
        .at(file.location_of(call.span)),
    }
}

/// Express middleware (`cors()`, `passport.initialize()`, `expressWrapper(multer().single(…))`):
/// `source` is the package it comes from, when known; `wrapped`: given through `expressWrapper`.
fn express_middleware(
    file: &ParsedFile,
    middleware: &str,
    source: Option<&str>,
    wrapped: bool,
    span: Span,
) -> Diagnostic {
    let mut about = Vec::new();
    if let Some(source) = source {
        about.push(format!("from `{source}`"));
    }
    if wrapped {
        about.push("in `expressWrapper`".to_string());
    }
    let about = if about.is_empty() {
        String::new()
    } else {
        format!(" ({})", about.join(", "))
    };
    Diagnostic::manual(
        "manual/next-connect-express-middleware",
        format!("`{middleware}`{about} is Express middleware over Node's request and response, which the edge router cannot run"),
    )
    .with_help("route handlers get a Web Request: replace it with its Web form (CORS: set the `Access-Control-*` headers on the Responses and export an `OPTIONS` handler; auth: read the session from the request; uploads: `await req.formData()`), then convert the route by hand")
    .at(file.location_of(span))
}

/// `createRouter<NextApiRequest, NextApiResponse>()` → `createEdgeRouter<NextRequest, { params: Promise<…> }>()`.
fn create_edits(
    file: &ParsedFile,
    router: &Router,
    typescript: bool,
    context_type: &str,
    counts: &IdentifierCounts,
) -> Result<Vec<Edit>, Diagnostic> {
    const EDGE: &str = "createEdgeRouter";
    let create = router.create;
    let mut edits = Vec::new();
    let Some(callee) = crate::ast::callee_expr(create).map(strip_parens) else {
        return Ok(edits);
    };
    match callee {
        Expr::Ident(ident) => {
            let specifier = next_connect_specifier(file, &ident.sym);
            match specifier {
                // `{ createRouter as makeRouter }`: only the imported name changes.
                Some((_, Some(imported))) => edits.push(Edit::replace(imported, EDGE)),
                Some((local, None)) => {
                    if counts.get(&*ident.sym).copied().unwrap_or(0) != 2
                        || counts.contains_key(EDGE)
                    {
                        return Err(Diagnostic::manual(
                            "manual/next-connect-router-use",
                            "`createRouter` is used beyond this router, whose import becomes `createEdgeRouter`",
                        )
                        .with_help(HELP)
                        .at(file.location_of(create.span)));
                    }
                    edits.push(Edit::replace(local, EDGE));
                    edits.push(Edit::replace(file.range(ident.span), EDGE));
                }
                None => return Ok(edits),
            }
        }
        // `nc.createRouter()` through a namespace import.
        Expr::Member(member) => edits.push(Edit::replace(file.range(member.prop.span()), EDGE)),
        _ => {}
    }
    if typescript {
        let types = format!("<NextRequest, {context_type}>");
        match &create.type_args {
            Some(args) => edits.push(Edit::replace(file.range(args.span), types)),
            None => edits.push(Edit::insert(file.offset(callee.span().hi), types)),
        }
    }
    Ok(edits)
}

/// The `createRouter` specifier of the next-connect import: its local name's range, and the
/// imported name's range when it is aliased.
fn next_connect_specifier(
    file: &ParsedFile,
    local: &str,
) -> Option<(Range<usize>, Option<Range<usize>>)> {
    file.module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            return None;
        };
        if import.src.value.as_str() != Some(PACKAGE) {
            return None;
        }
        import
            .specifiers
            .iter()
            .find_map(|specifier| match specifier {
                ImportSpecifier::Named(named) if &*named.local.sym == local => Some((
                    file.range(named.local.span),
                    named.imported.as_ref().map(|i| match i {
                        ModuleExportName::Ident(id) => file.range(id.span),
                        ModuleExportName::Str(s) => file.range(s.span),
                    }),
                )),
                _ => None,
            })
    })
}

/// The options Pages' node router used when the route gave none: no content type, the path and
/// query as `req.url` had them (reference §6: next-connect 1.0.0 `dist/esm/node.js`).
fn default_options(
    file: &ParsedFile,
    handler: &CallExpr,
    object: Option<&ObjectLit>,
    missing: &[Role],
    style: &Style,
) -> Vec<Edit> {
    let semi = style.semi();
    let newline = style.newline;
    let property = |role: Role, indent: &str| {
        match role {
        Role::OnNoMatch => format!(
            "onNoMatch: (req) => endResponse(req.method !== {} ? `Route ${{req.method}} ${{req.nextUrl.pathname}}${{req.nextUrl.search}} not found` : undefined, {{ status: 404 }})",
            style.quoted("HEAD")
        ),
        _ => format!(
            "onError: (err) => {{{newline}{indent}{inner}console.error(err){semi}{newline}{indent}{inner}return endResponse({}, {{ status: 500 }}){semi}{newline}{indent}}}",
            style.quoted("Internal Server Error"),
            inner = style.indent,
        ),
    }
    };
    // `handler()`: the object goes between the parentheses; `handler({})` loses the empty one.
    let at = match object {
        Some(object) => file.offset(object.span.lo),
        None => file.offset(handler.span.hi).saturating_sub(1),
    };
    let base = indentation_at(&file.text, at).to_string();
    let inner = format!("{base}{}", style.indent);
    let whole = || {
        let mut text = "{".to_string();
        for role in missing {
            text.push_str(&format!("{newline}{inner}{},", property(*role, &inner)));
        }
        text.push_str(&format!("{newline}{base}}}"));
        text
    };
    match object {
        None => vec![Edit::insert(at, whole())],
        Some(object) if object.props.is_empty() => {
            vec![Edit::replace(file.range(object.span), whole())]
        }
        Some(object) => {
            let indent = object
                .props
                .last()
                .map(|p| indentation_at(&file.text, file.offset(p.span().lo)).to_string())
                .unwrap_or(base);
            missing
                .iter()
                .filter_map(|role| {
                    super::trailing_property(file, object, &property(*role, &indent))
                })
                .collect()
        }
    }
}

/// Whether the file imports next-connect's default export (0.x's `nc`).
fn imports_default(file: &ParsedFile) -> bool {
    file.module.body.iter().any(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
            import.src.value.as_str() == Some(PACKAGE)
                && import
                    .specifiers
                    .iter()
                    .any(|s| matches!(s, ImportSpecifier::Default(_)))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::route_handler::tests::run;
    use crate::route_handler::Outcome;

    const HEAD: &str = "import type { NextApiRequest, NextApiResponse } from 'next'\nimport { createRouter } from 'next-connect'\n\nconst router = createRouter<NextApiRequest, NextApiResponse>()\n";

    fn codes(source: &str) -> Vec<String> {
        match run("pages/api/x.ts", &format!("{HEAD}{source}")) {
            Outcome::Manual(problems) => problems.into_iter().map(|p| p.code).collect(),
            Outcome::Converted(converted) => panic!("converted:\n{}", converted.text),
        }
    }

    fn converted(source: &str) -> crate::route_handler::Converted {
        match run("pages/api/x.ts", &format!("{HEAD}{source}")) {
            Outcome::Converted(converted) => converted,
            Outcome::Manual(problems) => panic!("{problems:#?}"),
        }
    }

    #[test]
    fn a_router_used_beyond_its_registrations_stays() {
        let source = "router.get((req, res) => res.json([]))\nexport const run = (req, res) => router.run(req, res)\nexport default router.handler()\n";
        assert!(codes(source).contains(&"manual/next-connect-router-use".to_string()));
        let source =
            "router.get((req, res) => res.json([])).clone()\nexport default router.handler()\n";
        assert_eq!(codes(source), ["manual/next-connect-router-method"]);
    }

    #[test]
    fn a_middleware_header_must_go_with_its_own_response() {
        // The block falls through to `next()`.
        let source = "router.use((req, res, next) => { if (req.headers.x) { res.setHeader('X', '1') } return next() })\nrouter.get((req, res) => res.json([]))\nexport default router.handler()\n";
        assert_eq!(codes(source), ["manual/next-connect-header-before-next"]);
        let source = "router.use((req, res, next) => { res.statusCode = 202; if (req.headers.x) return res.end(); return next() })\nrouter.get((req, res) => res.json([]))\nexport default router.handler()\n";
        assert_eq!(codes(source), ["manual/next-connect-header-before-next"]);
        // Every path after it answers here.
        let source = "router.use((req, res, next) => { if (req.headers.x) { res.status(400); res.end('bad'); return } return next() })\nrouter.get((req, res) => res.json([]))\nexport default router.handler()\n";
        let text = converted(source).text;
        assert!(text.contains(
            "router.use((req, context, next) => {\n  let status = 200\n  if (req.headers.get('x')) { status = 400; return endResponse('bad', { status }); } return next() })"
        ), "{text}");
    }

    #[test]
    fn handler_options_must_be_an_object_of_on_error_and_on_no_match() {
        let source = "const options = {}\nrouter.get((req, res) => res.json([]))\nexport default router.handler(options)\n";
        assert_eq!(codes(source), ["manual/next-connect-handler-options"]);
        let source = "router.get((req, res) => res.json([]))\nexport default router.handler({ attachParams: true })\n";
        assert_eq!(codes(source), ["manual/next-connect-handler-options"]);
    }

    #[test]
    fn callbacks_must_be_inline_or_declared_once_in_the_file() {
        let source = "function list(req, res) { res.json([]) }\nrouter.get(list)\nexport { list }\nexport default router.handler()\n";
        assert_eq!(codes(source), ["manual/next-connect-callback-reference"]);
        let source = "import cors from 'cors'\nrouter.use(cors()).get((req, res) => res.json([]))\nexport default router.handler()\n";
        assert_eq!(codes(source), ["manual/next-connect-express-middleware"]);
        let source = "import passport from 'passport'\nrouter.use(passport.initialize()).get((req, res) => res.json([]))\nexport default router.handler()\n";
        assert_eq!(codes(source), ["manual/next-connect-express-middleware"]);
    }

    #[test]
    fn every_path_answers_or_calls_next() {
        // `next(err)` is not the `next()` that answers.
        let source = "router.use((req, res, next) => { if (!req.headers.a) return next(new Error('x')); return next() })\nrouter.get((req, res) => res.json([]))\nexport default router.handler()\n";
        assert_eq!(codes(source), ["manual/next-connect-may-not-respond"]);
        let source = "router.get((req, res) => res.json([]))\nexport default router.handler({ onError: (err, req, res) => { console.error(err) } })\n";
        assert_eq!(codes(source), ["manual/next-connect-may-not-respond"]);
    }

    #[test]
    fn the_body_is_read_by_one_callback_only() {
        let source = "router.use(async (req, res, next) => { if (!req.body.token) return res.status(401).end(); await next() })\nrouter.post((req, res) => res.json(req.body))\nexport default router.handler()\n";
        assert_eq!(
            codes(source),
            [
                "manual/next-connect-body-read-twice",
                "manual/next-connect-body-read-twice"
            ]
        );
        let source = "router.use(async (req, res, next) => { if (!req.headers.token) return res.status(401).end(); await next() })\nrouter.post((req, res) => res.json(req.body))\nexport default router.handler()\n";
        let middleware_first = converted(source);
        assert!(middleware_first
            .notes
            .iter()
            .any(|n| n.code == "note/next-connect-body-after-middleware"));
        // Callbacks of different methods never run for one request.
        converted(
            "router.post((req, res) => res.json(req.body)).put((req, res) => res.json(req.body))\nexport default router.handler()\n",
        );
        // An expression body becomes a block that reads the body first.
        assert!(
            middleware_first.text.contains("router.post(async (req) => {\n  const body = await readPagesBody(req)\n  if (body instanceof Response) return body\n  return jsonResponse(body)\n})"),
            "{}",
            middleware_first.text
        );
    }

    #[test]
    fn the_body_parser_setting_still_holds() {
        let source = "router.post((req, res) => res.json(req.body))\nexport default router.handler()\nexport const config = { api: { bodyParser: false } }\n";
        assert_eq!(codes(source), ["manual/body-without-parser"]);
    }

    #[test]
    fn a_handler_method_of_another_router_is_not_next_connect() {
        let source = "import { createRouter as other } from 'some-router'\nconst r = other()\nexport default r.handler()\n";
        let outcome = run("pages/api/x.ts", source);
        let Outcome::Manual(problems) = outcome else {
            panic!("{outcome:?}")
        };
        assert!(problems.iter().all(|p| !p.code.contains("next-connect")));
    }

    #[test]
    fn exports_the_handler_for_every_method() {
        let converted =
            converted("router.get((req, res) => res.json([]))\nexport default router.handler()\n");
        assert_eq!(
            converted.methods,
            ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        );
        assert!(converted
            .text
            .contains("const router = createEdgeRouter<NextRequest, { params: Promise<{}> }>()"));
        assert!(!converted.text.contains("NextApiRequest"));
    }
}

//! next-basics `createMiddleware` middlewares of the project, and the routes that await them.
//!
//! next-basics 0.39 defines `createMiddleware(fn) = (req, res) => new Promise((resolve, reject) =>
//! fn(req, res, (r) => r instanceof Error ? reject(r) : resolve(r)))`. A route awaits the
//! middleware as a statement (`await useAuth(req, res)`): when the middleware answers through
//! `res` without calling `next`, the promise never settles and the route's code after the `await`
//! never runs; `next()` lets the route go on, with whatever the middleware set on `req`.
//!
//! A middleware over a callback gets a form beside it that returns the `Response` it answered
//! with, or `undefined` where it called `next()`:
//! ```text
//! export const useAuth = createMiddleware(async (req, res, next) => {
//!   if (!token) return unauthorized(res)
//!   ;(req as any).auth = { token }
//!   next()
//! })
//! ```
//! gets
//! ```text
//! export const useAuthForRoute = async (req: NextRequest) => {
//!   if (!token) return endResponse('401 Unauthorized', { status: 401 })
//!   ;(req as any).auth = { token }
//!   return undefined
//! }
//! ```
//! and the route returns that Response when there is one (with the headers it set before, as
//! they were on `res`):
//! ```text
//! const authResponse = await useAuthForRoute(req)
//! if (authResponse) return authResponse
//! ```
//! What the middleware set on `req` stays set on the `NextRequest` (a plain object), so the
//! route's `req.auth` reads stay; its request parameter is typed `NextRequest & Pick<T, 'auth'>`
//! with `T` the Pages request type it had (see `request_type.rs`).
//!
//! `createMiddleware(cors(…))` (the `cors` package) needs no form: the route runs it as it is
//! through the compat `corsMiddleware`, like any CORS middleware (`cors.rs`).
//!
//! Refused (the routes that run it stay for manual work, with the reason): a middleware built
//! inside a function on each call (`useValidate(schema, req, res)`), a callback that is not
//! `(req, res, next)`, `next(value)`, values set on `req` other than through `(req as any).x =`,
//! and whatever `helper_copy` refuses in a helper (other uses of `req`/`res`, paths that neither
//! answer nor call `next()`, code after either).

use std::collections::HashSet;
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    AssignOp, CallExpr, Decl, Expr, ModuleDecl, ModuleItem, Pat, SimpleAssignTarget, Stmt,
    TsKeywordTypeKind, TsType, VarDeclKind,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::handler::HandlerBody;
use super::helper_copy::{self, PagesFunction};
use super::helpers::{HelperCall, Helpers, ProjectHelper, Rename};
use crate::ast::{callee_ident, is_ident, member_prop, strip_parens};
use crate::diagnostic::{Diagnostic, Location};
use crate::edit::Edit;
use crate::helper_module::{HelperForm, HelperModule};
use crate::parse::ParsedFile;
use crate::text::indentation_at;

/// How a route runs a project middleware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiddlewareHelper {
    pub kind: MiddlewareKind,
    /// The fields it sets on `req` (`(req as any).auth = …`), which the route may read after it.
    pub sets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MiddlewareKind {
    /// `createMiddleware((req, res, next) => …)`: its form returns a `Response` or `undefined`.
    Callback,
    /// `createMiddleware(cors(…))`: run as it is through the compat `corsMiddleware`.
    Cors,
}

/// The forms of the module's middlewares, or why each has none. `helpers` holds the functions
/// the callbacks may hand `req`/`res` to (library response helpers, the module's own helpers);
/// `taken` the names already used in the module.
pub(crate) fn analyze_module(
    file: &ParsedFile,
    create: &str,
    exported: &[(String, Range<usize>)],
    helpers: &Helpers,
    taken: &mut HashSet<String>,
    module: &mut HelperModule,
) {
    let cors_factories = super::cors::default_imports(file, "cors");
    let calls = create_calls(file, create);
    for (name, range) in exported {
        let Some(call) = calls
            .iter()
            .find(|span| range.contains(&file.offset(span.lo)))
        else {
            continue;
        };
        let refuse = |code: &str, message: String, help: &str| {
            vec![Diagnostic::manual(code, message)
                .with_help(help.to_string())
                .at(file.location_of(*call))]
        };
        let result = match declared_middleware(file, name, create) {
            None => Err(refuse(
                "manual/next-basics-middleware-factory",
                format!("`{name}` builds a next-basics `createMiddleware` middleware inside a function, each time it runs"),
                "routeshift converts `export const name = createMiddleware((req, res, next) => …)` and `createMiddleware(cors(…))`; give this one such a declaration (the values it needs passed in as arguments) or convert the routes that run it by hand",
            )),
            Some((name_span, declaration, argument)) => {
                match strip_parens(argument) {
                    Expr::Call(inner)
                        if callee_ident(inner).is_some_and(|c| cors_factories.contains(c)) =>
                    {
                        Ok(cors_form(name))
                    }
                    Expr::Arrow(_) | Expr::Fn(_) => callback_form(
                        file,
                        name,
                        name_span,
                        declaration,
                        argument,
                        helpers,
                        taken,
                    )
                    .map(|form| {
                        // The forms of the module's own helpers it calls go with it.
                        let requires = module.helpers_of_forms(&form.requires);
                        HelperForm { requires, ..form }
                    }),
                    _ => Err(refuse(
                        "manual/next-basics-middleware-shape",
                        format!("`{name}` is a next-basics middleware over something other than a function written in place or `cors(…)`"),
                        "write the middleware's function inside `createMiddleware(…)`, or convert the routes that run it by hand",
                    )),
                }
            }
        };
        match result {
            Ok(form) => module.forms.push(form),
            Err(problems) => module.refused.push((name.clone(), problems)),
        }
    }
}

/// Every call of next-basics' `createMiddleware` (imported as `create`).
fn create_calls(file: &ParsedFile, create: &str) -> Vec<Span> {
    struct Calls<'a> {
        callee: &'a str,
        found: Vec<Span>,
    }
    impl Visit for Calls<'_> {
        fn visit_call_expr(&mut self, call: &CallExpr) {
            if callee_ident(call) == Some(self.callee) {
                self.found.push(call.span);
            }
            call.visit_children_with(self);
        }
    }
    let mut calls = Calls {
        callee: create,
        found: Vec::new(),
    };
    file.module.visit_with(&mut calls);
    calls.found
}

/// `export const <name> = createMiddleware(<argument>)`: the name's span, the declarator's
/// range and the argument.
fn declared_middleware<'f>(
    file: &'f ParsedFile,
    name: &str,
    create: &str,
) -> Option<(Span, Range<usize>, &'f Expr)> {
    file.module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) = item else {
            return None;
        };
        let Decl::Var(var) = &export.decl else {
            return None;
        };
        if var.kind != VarDeclKind::Const || var.decls.len() != 1 {
            return None;
        }
        let declarator = &var.decls[0];
        let Pat::Ident(binding) = &declarator.name else {
            return None;
        };
        if &*binding.id.sym != name || binding.type_ann.is_some() {
            return None;
        }
        let Expr::Call(call) = strip_parens(declarator.init.as_deref()?) else {
            return None;
        };
        let [argument] = call.args.as_slice() else {
            return None;
        };
        (callee_ident(call) == Some(create) && argument.spread.is_none())
            .then(|| (binding.id.span, file.range(export.span), &*argument.expr))
    })
}

/// A middleware called as `useX(req, res)`, whose form `new_name` is run the `kind` way and sets
/// the request fields `sets`.
fn middleware_helper(new_name: String, kind: MiddlewareKind, sets: Vec<String>) -> ProjectHelper {
    ProjectHelper {
        new_name,
        req_at: Some(0),
        res_at: Some(1),
        responds: false,
        drops_req: false,
        wraps: None,
        middleware: Some(MiddlewareHelper { kind, sets }),
    }
}

fn cors_form(name: &str) -> HelperForm {
    HelperForm {
        name: name.to_string(),
        helper: middleware_helper(name.to_string(), MiddlewareKind::Cors, Vec::new()),
        text: String::new(),
        // Nothing to add: routes run the middleware itself.
        after: None,
        compat: Default::default(),
        request_type: false,
        requires: Vec::new(),
        notes: Vec::new(),
    }
}

fn callback_form(
    file: &ParsedFile,
    name: &str,
    name_span: Span,
    declaration: Range<usize>,
    callback: &Expr,
    library: &Helpers,
    taken: &mut HashSet<String>,
) -> Result<HelperForm, Vec<Diagnostic>> {
    let refuse = |code: &str, message: String, help: &str, at: Location| {
        vec![Diagnostic::manual(code, message)
            .with_help(help.to_string())
            .at(at)]
    };
    let (span, params, body, is_async) = match strip_parens(callback) {
        Expr::Arrow(arrow) => (
            arrow.span,
            arrow.params.iter().collect::<Vec<&Pat>>(),
            match &*arrow.body {
                swc_ecma_ast::ArrowFunctionBody::FunctionBody(block) => HandlerBody::Block(block),
                swc_ecma_ast::ArrowFunctionBody::Expr(expr) => HandlerBody::Expr(expr),
            },
            arrow.is_async,
        ),
        Expr::Fn(f) => (
            f.function.span,
            f.function.params.iter().map(|p| &p.pat).collect(),
            match &f.function.body {
                Some(block) => HandlerBody::Block(block),
                None => {
                    return Err(refuse(
                        "manual/next-basics-middleware-shape",
                        format!("`{name}`'s function has no body"),
                        "write the middleware's function inside `createMiddleware(…)`",
                        file.location_of(f.function.span),
                    ))
                }
            },
            f.function.is_async,
        ),
        _ => {
            return Err(refuse(
                "manual/next-basics-middleware-shape",
                format!(
                    "`{name}` is a next-basics middleware over something other than a function"
                ),
                "write the middleware's function inside `createMiddleware(…)`",
                file.location_of(callback.span()),
            ))
        }
    };
    let names: Option<Vec<&str>> = params.iter().map(|p| super::param_name(p)).collect();
    let Some([req, _res, next]) = names.as_deref().and_then(|n| <[&str; 3]>::try_from(n).ok())
    else {
        return Err(refuse(
            "manual/next-basics-middleware-shape",
            format!("`{name}`'s function does not take plain `(req, res, next)` parameters"),
            "name the three parameters plainly, then run routeshift again",
            file.location_of(span),
        ));
    };
    // `next(value)` resolves or rejects depending on the value at run time.
    if let Some(call) = next_with_argument(body, next) {
        return Err(refuse(
            "manual/next-basics-middleware-next-argument",
            format!("`{name}` calls `{next}` with an argument: the route goes on or fails depending on whether it is an `Error`"),
            "call `next()` without an argument and throw errors instead, or convert the routes that run it by hand",
            file.location_of(call),
        ));
    }
    let pages = PagesFunction {
        name: name_span,
        declaration: file.range(span),
        span,
        params: params.clone(),
        body,
        return_type: None,
        is_async,
        req_at: Some(0),
        res_at: Some(1),
        wrapper: None,
    };
    let mut helpers = library.clone();
    helpers.insert(next.to_string(), HelperCall::next());
    let mut usage = helper_copy::scan(file, &pages, &helpers);
    // `(req as any).auth = value` hands a value on: it stays, set on the NextRequest.
    let RequestSettings {
        fields: settings,
        other_casts,
    } = request_settings(file, body, req);
    if let Some(member) = other_casts.first() {
        return Err(refuse(
            "manual/next-basics-middleware-request-field",
            format!("`{name}` sets `{}` through a cast to a Pages request type, which a `NextRequest` does not convert to", file.slice(*member)),
            "set it through `(req as any).field = …` (the routes' own request types keep the field's type), then run routeshift again",
            file.location_of(*member),
        ));
    }
    usage.problems.retain(|problem| {
        !(matches!(
            problem.code.as_str(),
            "manual/request-mutation" | "manual/req-passed"
        ) && settings
            .iter()
            .any(|(_, member)| problem.location.as_ref() == Some(&file.location_of(*member))))
    });
    let copy = helper_copy::copy_middleware(file, &pages, &usage, &helpers, next)?;
    let new_name = super::fresh_name(taken, &format!("{name}ForRoute"));
    let style = crate::text::file_style(file);
    let text = format!("export const {new_name} = {}{}", copy.text, style.semi());
    let mut notes = copy.notes;
    if is_async {
        notes.push(
            Diagnostic::note(
                "note/middleware-error-answers-500",
                format!("`{name}` is async: when it threw, next-basics let the promise reject unhandled and the Pages request hung; `{new_name}` throws into the route, which answers 500"),
            )
            .at(file.location_of(name_span)),
        );
    }
    let mut sets: Vec<String> = settings.into_iter().map(|(field, _)| field).collect();
    sets.sort();
    sets.dedup();
    Ok(HelperForm {
        name: name.to_string(),
        helper: middleware_helper(new_name, MiddlewareKind::Callback, sets),
        text,
        after: Some(declaration.end),
        compat: copy.compat,
        request_type: copy.request_type,
        // New names for now: `analyze_module` maps them to the old ones.
        requires: copy.calls,
        notes,
    })
    .map(|form| {
        // An earlier run added the form already: reuse it.
        match exported_text(file, &form.helper.new_name) {
            Some(existing) if existing == form.text => HelperForm {
                after: None,
                ..form
            },
            _ => form,
        }
    })
}

/// The text of an exported declaration named `name`, if the module has one.
fn exported_text<'f>(file: &'f ParsedFile, name: &str) -> Option<&'f str> {
    file.module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) = item else {
            return None;
        };
        crate::imports::declared_names(&export.decl)
            .iter()
            .any(|n| n == name)
            .then(|| file.slice(export.span))
    })
}

/// A call of `next` with arguments in the body (not in nested functions that rebind it).
fn next_with_argument(body: HandlerBody, next: &str) -> Option<Span> {
    struct Finder<'n> {
        next: &'n str,
        found: Option<Span>,
    }
    impl Visit for Finder<'_> {
        fn visit_call_expr(&mut self, call: &CallExpr) {
            if callee_ident(call) == Some(self.next) && !call.args.is_empty() {
                self.found.get_or_insert(call.span);
            }
            call.visit_children_with(self);
        }
    }
    let mut finder = Finder { next, found: None };
    match body {
        HandlerBody::Block(block) => block.visit_with(&mut finder),
        HandlerBody::Expr(expr) => expr.visit_with(&mut finder),
    }
    finder.found
}

/// `(req as any).<field> = …` statements of the body (at any depth of blocks, not in nested
/// functions).
fn request_settings(file: &ParsedFile, body: HandlerBody, req: &str) -> RequestSettings {
    struct Settings<'n> {
        req: &'n str,
        typescript: bool,
        found: Vec<(String, Span)>,
        casts: Vec<Span>,
    }
    impl Visit for Settings<'_> {
        fn visit_stmt(&mut self, stmt: &Stmt) {
            if let Stmt::Expr(expr) = stmt {
                if let Expr::Assign(assign) = strip_parens(&expr.expr) {
                    if let (AssignOp::Assign, Some(SimpleAssignTarget::Member(member))) =
                        (assign.op, assign.left.as_simple())
                    {
                        let on_req = match strip_parens(&member.obj) {
                            // A `NextRequest` has no such field: only `any` lets it be set.
                            Expr::TsAs(cast) if is_ident(&cast.expr, self.req) => {
                                let any = matches!(&*cast.type_ann, TsType::TsKeywordType(k) if k.kind == TsKeywordTypeKind::TsAnyKeyword);
                                if !any {
                                    self.casts.push(member.span);
                                }
                                any
                            }
                            other => !self.typescript && is_ident(other, self.req),
                        };
                        if let (true, Some(field)) = (on_req, member_prop(&member.prop)) {
                            // The scanner reports the cast `req` (TypeScript) or the member.
                            let reported = match strip_parens(&member.obj) {
                                Expr::TsAs(cast) => cast.expr.span(),
                                _ => member.span,
                            };
                            self.found.push((field.to_string(), reported));
                        }
                    }
                }
            }
            stmt.visit_children_with(self);
        }
        fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
        fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
    }
    let mut settings = Settings {
        req,
        typescript: file.language.is_typescript(),
        found: Vec::new(),
        casts: Vec::new(),
    };
    match body {
        HandlerBody::Block(block) => block.visit_with(&mut settings),
        HandlerBody::Expr(_) => {}
    }
    RequestSettings {
        fields: settings.found,
        other_casts: settings.casts,
    }
}

/// What a middleware sets on `req`.
struct RequestSettings {
    /// `(req as any).<field> = …`: the field, and the span the usage scanner reports for it
    /// (the cast `req`, or the member `req.field` in JavaScript).
    fields: Vec<(String, Span)>,
    /// `(req as SomeType).<field> = …`: members set through a cast a `NextRequest` may not take.
    other_casts: Vec<Span>,
}

/// Fields of a `NextRequest` (and a Web `Request`): a middleware that set one of these on a Pages
/// request does not hand it on the same way.
const REQUEST_FIELDS: [&str; 28] = [
    "method",
    "url",
    "headers",
    "body",
    "bodyUsed",
    "cache",
    "credentials",
    "destination",
    "integrity",
    "mode",
    "redirect",
    "referrer",
    "referrerPolicy",
    "signal",
    "keepalive",
    "duplex",
    "clone",
    "arrayBuffer",
    "blob",
    "formData",
    "json",
    "text",
    "bytes",
    "cookies",
    "nextUrl",
    "page",
    "ua",
    "query",
];

/// Whether `req.<field>` reads a value a middleware the file imports set on the request.
pub fn sets_field(helpers: &Helpers, locals: &[String], field: &str) -> bool {
    !REQUEST_FIELDS.contains(&field)
        && locals.iter().any(|local| {
            helpers
                .middleware(local)
                .is_some_and(|(m, _)| m.sets.iter().any(|s| s == field))
        })
}

/// `await useAuth(req, res)` as a statement of the handler.
#[derive(Debug, Clone)]
pub struct MiddlewareUse {
    pub stmt: Span,
    /// The `await …` expression.
    pub expr: Span,
    pub callee: Span,
    /// The call's arguments (`req`, `res`).
    pub args: Vec<Span>,
    /// The local that holds the Response the middleware answered with.
    pub response: String,
    pub rename: Rename,
}

/// What a route's scanner needs to recognise the middlewares it awaits.
#[derive(Debug, Default)]
pub struct MiddlewareBindings {
    /// Local names of the project middlewares the file imports.
    pub locals: Vec<String>,
    taken: HashSet<String>,
}

/// A statement that runs a project middleware, converted.
pub enum MiddlewareStatement {
    Callback(MiddlewareUse),
    Cors(super::cors::CorsUse),
}

/// A use the scanner reports: `(span, code, message, help)`.
pub type Problem = super::cors::Problem;

impl MiddlewareBindings {
    pub fn find(file: &ParsedFile, helpers: &Helpers) -> MiddlewareBindings {
        if !helpers.has_middlewares() {
            return MiddlewareBindings::default();
        }
        let mut locals = Vec::new();
        for item in &file.module.body {
            let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
                continue;
            };
            for specifier in &import.specifiers {
                let local = specifier.local().sym.to_string();
                if helpers.middleware(&local).is_some() {
                    locals.push(local);
                }
            }
        }
        MiddlewareBindings {
            locals,
            taken: super::identifier_names(file),
        }
    }

    /// `await <middleware>(req, res)` as a statement: converted, or why it cannot be. `None`
    /// when the statement runs no project middleware.
    pub fn statement(
        &mut self,
        file: &ParsedFile,
        stmt: &Stmt,
        req: &str,
        res: &str,
        nested: bool,
        helpers: &Helpers,
    ) -> Option<Result<MiddlewareStatement, Problem>> {
        if self.locals.is_empty() {
            return None;
        }
        let Stmt::Expr(expr_stmt) = stmt else {
            return None;
        };
        let Expr::Await(await_expr) = strip_parens(&expr_stmt.expr) else {
            return None;
        };
        let Expr::Call(call) = strip_parens(&await_expr.arg) else {
            return None;
        };
        let callee = callee_ident(call)?;
        let (middleware, rename) = helpers.middleware(callee)?;
        let plain = call.args.len() == 2
            && call.args.iter().all(|a| a.spread.is_none())
            && is_ident(&call.args[0].expr, req)
            && is_ident(&call.args[1].expr, res);
        if !plain || nested {
            return Some(Err((
                stmt.span(),
                "manual/next-basics-middleware-call",
                format!("`{}` runs a next-basics middleware in a form routeshift does not convert", file.slice(call.span)),
                "await it as a statement of the handler itself (`await useAuth(req, res)`), then run routeshift again",
            )));
        }
        Some(Ok(match middleware.kind {
            MiddlewareKind::Cors => MiddlewareStatement::Cors(super::cors::CorsUse {
                stmt: stmt.span(),
                expr: expr_stmt.expr.span(),
                call: call.span,
                preflight: super::fresh_name(&mut self.taken, "corsPreflight"),
                req: req.to_string(),
                res: res.to_string(),
            }),
            MiddlewareKind::Callback => {
                // `useAuth` → `authResponse`.
                let stem = callee
                    .strip_prefix("use")
                    .filter(|s| s.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
                let base = match stem {
                    Some(stem) => {
                        let mut chars = stem.chars();
                        let first = chars.next().map(|c| c.to_ascii_lowercase());
                        format!("{}{}Response", first.unwrap_or_default(), chars.as_str())
                    }
                    None => format!("{callee}Response"),
                };
                MiddlewareStatement::Callback(MiddlewareUse {
                    stmt: stmt.span(),
                    expr: expr_stmt.expr.span(),
                    callee: call.callee.span(),
                    args: call.args.iter().map(|a| a.expr.span()).collect(),
                    response: super::fresh_name(&mut self.taken, &base),
                    rename: rename.clone(),
                })
            }
        }))
    }
}

/// Edits for one use: the form's call keeps its Response, which the route returns when there is
/// one; `headers` (the route's response headers) join it, as they were on `res` already.
pub fn edits(
    file: &ParsedFile,
    middleware: &MiddlewareUse,
    headers: Option<&str>,
    compat: &mut std::collections::BTreeSet<crate::compat::CompatFn>,
) -> Vec<Edit> {
    let style = crate::text::file_style(file);
    let semi = style.semi();
    let stmt = file.range(middleware.stmt);
    let indent = indentation_at(&file.text, stmt.start);
    let response = &middleware.response;
    let args: Vec<Range<usize>> = middleware.args.iter().map(|a| file.range(*a)).collect();
    let mut edits = vec![
        Edit::insert(
            file.offset(middleware.expr.lo),
            format!("const {response} = "),
        ),
        Edit::replace(
            file.range(middleware.callee),
            middleware.rename.new_name.clone(),
        ),
    ];
    for gone in super::helpers::dropped_arguments(&args, &[1]) {
        edits.push(Edit::delete(gone));
    }
    let returned = match headers {
        Some(headers) => {
            compat.insert(crate::compat::CompatFn::WithHeaders);
            format!("withHeaders({response}, {headers})")
        }
        None => response.clone(),
    };
    edits.push(Edit::insert(
        stmt.end,
        format!(
            "{}{indent}if ({response}) return {returned}{semi}",
            style.newline
        ),
    ));
    edits
}

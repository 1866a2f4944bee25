//! CORS middleware from npm (`cors`, `nextjs-cors`) kept at run time through a compat adapter.
//!
//! A Pages route ran the middleware on the Node request and response: it set the
//! `Access-Control-*` headers (and `Vary` through the `vary` package, which reads
//! `res.getHeader('Vary')` first) and, for a preflight `OPTIONS`, ended the response itself with
//! `optionsSuccessStatus` (204 by default) and `Content-Length: 0`, never calling `next` (so
//! the handler's `await` never returned). The compat `corsMiddleware` runs the same library on
//! a minimal Node-like request (`method`, `url`, lower-cased `headers`) and a response whose
//! headers are the route's `headers`: a finished preflight comes back as a `Response` to
//! return, otherwise the headers stay on every response the route returns.
//!
//! ```text
//! const cors = Cors({ methods: ['GET', 'HEAD'] })
//! function runMiddleware(req, res, fn) { return new Promise(… fn(req, res, (result) => …)) }
//! export default async function handler(req, res) {
//!   await runMiddleware(req, res, cors)
//!   res.json({ ok: true })
//! }
//! ```
//! becomes
//! ```text
//! async function handler(req: NextRequest) {
//!   const headers = new Headers()
//!   const corsPreflight = await corsMiddleware(req, headers, (req, res) => runMiddleware(req, res, cors))
//!   if (corsPreflight) return corsPreflight
//!   return jsonResponse({ ok: true }, { headers })
//! }
//! export { handler as GET, …, handler as OPTIONS }
//! ```
//! Without an `OPTIONS` export Next.js answers preflights itself with 204 and `Allow`, and no
//! CORS headers (reference §3.9), so a handler that runs for every method gets `OPTIONS` too.
//!
//! Converted: `await runMiddleware(req, res, cors)` where `runMiddleware` is the in-file helper
//! from the Next.js docs and `cors` a `Cors(…)` instance of the `cors` package (or the call
//! itself), and `await NextCors(req, res, options)` from `nextjs-cors`, as statements of the
//! handler. Any other use of a CORS middleware (called with a callback, inside a nested
//! function, through an unrecognised helper) is `manual/cors-middleware-shape`.

use std::collections::HashSet;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, CallExpr, Decl, Expr, ExprOrSpread, ImportSpecifier, ModuleDecl,
    ModuleItem, Pat, Stmt, VarDeclarator,
};
use swc_ecma_visit::{Visit, VisitWith};

use crate::ast::{callee_ident, is_ident, strip_parens};
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::text::indentation_at;

/// `await runMiddleware(req, res, cors)` / `await NextCors(req, res, …)` as a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct CorsUse {
    /// The statement.
    pub stmt: Span,
    /// The `await …` expression.
    pub expr: Span,
    /// The middleware call (`runMiddleware(req, res, cors)`).
    pub call: Span,
    /// The local that holds the finished preflight.
    pub preflight: String,
    /// The handler's `req` and `res` names, which the adapter's arrow takes as parameters so
    /// that the call inside stays as written.
    pub req: String,
    pub res: String,
}

/// A use the scanner reports: `(span, code, message, help)`.
pub type Problem = (Span, &'static str, String, &'static str);

/// What the file imports and declares for CORS.
#[derive(Debug, Default)]
pub struct CorsBindings {
    /// Local names of the `cors` package's default export (`import Cors from 'cors'`).
    factories: HashSet<String>,
    /// Top-level constants holding a middleware: `const cors = Cors({ … })`.
    middlewares: HashSet<String>,
    /// In-file functions shaped like the documented `runMiddleware(req, res, fn)`.
    runners: HashSet<String>,
    /// Local names of `nextjs-cors`'s default export.
    next_cors: HashSet<String>,
    /// Names already used in the file, for the preflight locals.
    taken: HashSet<String>,
}

/// The local names a file imports from `module` as its default export.
pub(super) fn default_imports(file: &ParsedFile, module: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        if import.type_only || import.src.value.as_str() != Some(module) {
            continue;
        }
        for specifier in &import.specifiers {
            match specifier {
                ImportSpecifier::Default(default) => {
                    names.insert(default.local.sym.to_string());
                }
                ImportSpecifier::Named(named)
                    if named
                        .imported
                        .as_ref()
                        .is_some_and(|i| crate::ast::export_name(i) == "default") =>
                {
                    names.insert(named.local.sym.to_string());
                }
                _ => {}
            }
        }
    }
    names
}

impl CorsBindings {
    pub fn find(file: &ParsedFile) -> CorsBindings {
        let mut bindings = CorsBindings {
            factories: default_imports(file, "cors"),
            next_cors: default_imports(file, "nextjs-cors"),
            ..CorsBindings::default()
        };
        if bindings.factories.is_empty() && bindings.next_cors.is_empty() {
            return bindings;
        }
        bindings.taken = super::identifier_names(file);
        for item in &file.module.body {
            // `export const cors = …` / `export function runMiddleware` mean the same.
            let decl = match item {
                ModuleItem::Stmt(Stmt::Decl(decl)) => decl,
                ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => &export.decl,
                _ => continue,
            };
            match decl {
                Decl::Var(var) => var.decls.iter().for_each(|d| bindings.declarator(d)),
                Decl::Fn(f) if function_is_runner(&f.function) => {
                    bindings.runners.insert(f.ident.sym.to_string());
                }
                _ => {}
            }
        }
        bindings
    }

    fn declarator(&mut self, declarator: &VarDeclarator) {
        let Pat::Ident(name) = &declarator.name else {
            return;
        };
        let Some(init) = declarator.init.as_deref() else {
            return;
        };
        match strip_parens(init) {
            Expr::Call(call) if self.is_factory_call(call) => {
                self.middlewares.insert(name.id.sym.to_string());
            }
            Expr::Arrow(arrow) => {
                let params: Vec<&Pat> = arrow.params.iter().collect();
                let body = match &*arrow.body {
                    ArrowFunctionBody::FunctionBody(block) => Some(block.stmts.as_slice()),
                    ArrowFunctionBody::Expr(_) => None,
                };
                if is_runner(&params, body) || is_runner_arrow(arrow) {
                    self.runners.insert(name.id.sym.to_string());
                }
            }
            Expr::Fn(f) if function_is_runner(&f.function) => {
                self.runners.insert(name.id.sym.to_string());
            }
            _ => {}
        }
    }

    fn is_factory_call(&self, call: &CallExpr) -> bool {
        callee_ident(call).is_some_and(|name| self.factories.contains(name))
    }

    fn is_middleware(&self, expr: &Expr) -> bool {
        match strip_parens(expr) {
            Expr::Ident(id) => self.middlewares.contains(&*id.sym),
            Expr::Call(call) => self.is_factory_call(call),
            _ => false,
        }
    }

    /// Whether the file uses a CORS library at all.
    pub fn any(&self) -> bool {
        !self.factories.is_empty() || !self.next_cors.is_empty()
    }

    /// A statement that runs a CORS middleware: converted, or the reason it cannot be.
    /// `None` when the statement does not involve one (or involves one only deeper inside).
    pub fn statement(
        &mut self,
        stmt: &Stmt,
        req: &str,
        res: &str,
        nested: bool,
    ) -> Option<Result<CorsUse, Problem>> {
        if !self.any() {
            return None;
        }
        let Stmt::Expr(expr_stmt) = stmt else {
            return None;
        };
        let expr = &*expr_stmt.expr;
        let Expr::Await(await_expr) = strip_parens(expr) else {
            return None;
        };
        let Expr::Call(call) = strip_parens(&await_expr.arg) else {
            return None;
        };
        let callee = callee_ident(call)?;
        let args = plain_args(&call.args)?;
        let on_req_res = args.len() >= 2 && is_ident(args[0], req) && is_ident(args[1], res);
        let recognised = if self.runners.contains(callee) {
            on_req_res && args.len() == 3 && self.is_middleware(args[2])
        } else if self.next_cors.contains(callee) {
            on_req_res && args.len() <= 3 && !args[2..].iter().any(|a| mentions(a, &[req, res]))
        } else {
            return None;
        };
        if !recognised {
            return None;
        }
        if nested {
            return Some(Err((
                stmt.span(),
                "manual/cors-middleware-shape",
                "the CORS middleware runs inside a nested function".into(),
                "run it as a statement of the handler itself (`await runMiddleware(req, res, cors)`), then run routeshift again",
            )));
        }
        let preflight = super::fresh_name(&mut self.taken, "corsPreflight");
        Some(Ok(CorsUse {
            stmt: stmt.span(),
            expr: expr.span(),
            call: call.span,
            preflight,
            req: req.to_string(),
            res: res.to_string(),
        }))
    }

    /// A CORS middleware used in any other way than [`Self::statement`] converts: called with
    /// a callback, awaited inside an expression, handed to an unknown helper.
    pub fn other_use(&self, call: &CallExpr, req: &str, res: &str) -> Option<Problem> {
        if !self.any() {
            return None;
        }
        let args = plain_args(&call.args).unwrap_or_default();
        let passes_req = args.iter().any(|a| is_ident(a, req) || is_ident(a, res));
        if !passes_req {
            return None;
        }
        let callee_is_cors = callee_ident(call).is_some_and(|c| {
            self.middlewares.contains(c) || self.next_cors.contains(c) || self.runners.contains(c)
        }) || crate::ast::callee_expr(call)
            .is_some_and(|c| self.is_middleware(c));
        let hands_on_cors = args.iter().any(|a| self.is_middleware(a));
        (callee_is_cors || hands_on_cors).then(|| {
            (
                call.span,
                "manual/cors-middleware-shape",
                "a CORS middleware runs in a form routeshift does not convert".to_string(),
                "use the documented form (`await runMiddleware(req, res, cors)` with an in-file `runMiddleware`, or `await NextCors(req, res, options)`) as a statement of the handler, or set the CORS headers and an `OPTIONS` export by hand",
            )
        })
    }
}

fn plain_args(args: &[ExprOrSpread]) -> Option<Vec<&Expr>> {
    args.iter()
        .map(|a| a.spread.is_none().then_some(&*a.expr))
        .collect()
}

fn mentions(expr: &Expr, names: &[&str]) -> bool {
    struct Finder<'n> {
        names: &'n [&'n str],
        found: bool,
    }
    impl Visit for Finder<'_> {
        fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
            self.found |= self.names.contains(&&*ident.sym);
        }
    }
    let mut finder = Finder {
        names,
        found: false,
    };
    expr.visit_with(&mut finder);
    finder.found
}

fn pat_name(pat: &Pat) -> Option<&str> {
    match pat {
        Pat::Ident(binding) => Some(&binding.id.sym),
        _ => None,
    }
}

fn function_is_runner(function: &swc_ecma_ast::Function) -> bool {
    let params: Vec<&Pat> = function.params.iter().map(|p| &p.pat).collect();
    is_runner(&params, function.body.as_ref().map(|b| b.stmts.as_slice()))
}

/// `(req, res, fn) => new Promise(…)` written as an arrow with an expression body.
fn is_runner_arrow(arrow: &ArrowExpr) -> bool {
    let ArrowFunctionBody::Expr(body) = &*arrow.body else {
        return false;
    };
    let params: Vec<&Pat> = arrow.params.iter().collect();
    runner_params(&params).is_some_and(|names| is_promise_running(body, names))
}

fn runner_params<'p>(params: &[&'p Pat]) -> Option<[&'p str; 3]> {
    match params {
        [a, b, c] => Some([pat_name(a)?, pat_name(b)?, pat_name(c)?]),
        _ => None,
    }
}

/// The helper from the Next.js docs:
/// `function runMiddleware(req, res, fn) { return new Promise((resolve, reject) => {
/// fn(req, res, (result) => { if (result instanceof Error) return reject(result);
/// return resolve(result) }) }) }`, up to types, braces and `return`s.
fn is_runner(params: &[&Pat], body: Option<&[Stmt]>) -> bool {
    let Some(names) = runner_params(params) else {
        return false;
    };
    match body {
        Some([Stmt::Return(ret)]) => ret
            .arg
            .as_deref()
            .is_some_and(|arg| is_promise_running(arg, names)),
        _ => false,
    }
}

/// `new Promise((resolve, reject) => { fn(req, res, callback) })`.
fn is_promise_running(expr: &Expr, [req, res, run]: [&str; 3]) -> bool {
    let Expr::New(new) = strip_parens(expr) else {
        return false;
    };
    if !is_ident(&new.callee, "Promise") {
        return false;
    }
    let Some([executor]) = new.args.as_deref() else {
        return false;
    };
    let Some((params, body)) = function_parts(&executor.expr) else {
        return false;
    };
    let [Some(resolve), Some(reject)] =
        [params.first(), params.get(1)].map(|p| p.and_then(|p| pat_name(p)))
    else {
        return false;
    };
    if params.len() != 2 {
        return false;
    }
    let call = match body {
        FunctionBody::Stmts([Stmt::Expr(e)]) => &*e.expr,
        FunctionBody::Expr(e) => e,
        _ => return false,
    };
    let Expr::Call(call) = strip_parens(call) else {
        return false;
    };
    if callee_ident(call) != Some(run) {
        return false;
    }
    let Some(args) = plain_args(&call.args) else {
        return false;
    };
    let [a, b, callback] = args.as_slice() else {
        return false;
    };
    is_ident(a, req) && is_ident(b, res) && is_settling_callback(callback, resolve, reject)
}

enum FunctionBody<'a> {
    Stmts(&'a [Stmt]),
    Expr(&'a Expr),
}

fn function_parts(expr: &Expr) -> Option<(Vec<&Pat>, FunctionBody<'_>)> {
    match strip_parens(expr) {
        Expr::Arrow(arrow) => Some((
            arrow.params.iter().collect(),
            match &*arrow.body {
                ArrowFunctionBody::FunctionBody(block) => FunctionBody::Stmts(&block.stmts),
                ArrowFunctionBody::Expr(e) => FunctionBody::Expr(e),
            },
        )),
        Expr::Fn(f) => Some((
            f.function.params.iter().map(|p| &p.pat).collect(),
            FunctionBody::Stmts(f.function.body.as_ref().map(|b| b.stmts.as_slice())?),
        )),
        _ => None,
    }
}

/// `(result) => { if (result instanceof Error) return reject(result); return resolve(result) }`:
/// rejects with an `Error` and resolves otherwise (with or without `return`s, braces or `else`).
fn is_settling_callback(expr: &Expr, resolve: &str, reject: &str) -> bool {
    let Some((params, body)) = function_parts(expr) else {
        return false;
    };
    let [param] = params.as_slice() else {
        return false;
    };
    let Some(result) = pat_name(param) else {
        return false;
    };
    let FunctionBody::Stmts(stmts) = body else {
        return false;
    };
    let (if_stmt, after) = match stmts {
        [Stmt::If(if_stmt), rest @ ..] => (if_stmt, rest),
        _ => return false,
    };
    let is_error_test = matches!(strip_parens(&if_stmt.test), Expr::Bin(bin)
        if bin.op == swc_ecma_ast::BinaryOp::InstanceOf
            && is_ident(&bin.left, result)
            && is_ident(&bin.right, "Error"));
    if !is_error_test || !settles(&if_stmt.cons, reject, result, true) {
        return false;
    }
    match (&if_stmt.alt, after) {
        (Some(alt), []) => settles(alt, resolve, result, false),
        (None, [only]) => settles(only, resolve, result, false),
        _ => false,
    }
}

/// `settle(result)`, `return settle(result)`, `{ settle(result); return }`; `resolve()` without
/// the argument also counts when `needs_arg` is false.
fn settles(stmt: &Stmt, settle: &str, result: &str, needs_arg: bool) -> bool {
    let is_call = |expr: &Expr| {
        let Expr::Call(call) = strip_parens(expr) else {
            return false;
        };
        callee_ident(call) == Some(settle)
            && match call.args.as_slice() {
                [arg] => arg.spread.is_none() && is_ident(&arg.expr, result),
                [] => !needs_arg,
                _ => false,
            }
    };
    match stmt {
        Stmt::Expr(e) => is_call(&e.expr),
        Stmt::Return(r) => r.arg.as_deref().is_some_and(is_call),
        Stmt::Block(block) => match block.stmts.as_slice() {
            [only] => settles(only, settle, result, needs_arg),
            [first, Stmt::Return(r)] if r.arg.is_none() => {
                settles(first, settle, result, needs_arg)
            }
            _ => false,
        },
        _ => false,
    }
}

/// Edits for one use: the statement becomes the adapter call and a return of the preflight.
pub fn edits(file: &ParsedFile, cors: &CorsUse, req: &str, headers: &str) -> Vec<Edit> {
    let style = crate::text::file_style(file);
    let semi = style.semi();
    let stmt = file.range(cors.stmt);
    let expr = file.range(cors.expr);
    let call = file.range(cors.call);
    let indent = indentation_at(&file.text, stmt.start);
    let preflight = &cors.preflight;
    vec![
        Edit::replace(
            expr.start..call.start,
            format!(
                "const {preflight} = await corsMiddleware({req}, {headers}, ({}, {}) => ",
                cors.req, cors.res
            ),
        ),
        Edit::insert(call.end, ")"),
        Edit::insert(
            stmt.end,
            format!(
                "{}{indent}if ({preflight}) return {preflight}{semi}",
                style.newline
            ),
        ),
    ]
}

/// Whether a header name is one of the CORS response headers.
pub fn is_cors_header(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("access-control-")
}

/// A handler kept as one function ran for every method in Pages, preflights included: when it
/// sets CORS headers or runs a CORS middleware, it is exported for `OPTIONS` too, because the
/// App Router's own answer (204 with `Allow`) carries no CORS headers and preflights would fail.
pub fn include_options(
    file: &ParsedFile,
    handler: &super::handler::Handler,
    dispatch: &mut super::dispatch::Dispatch,
    uses: &[super::usage::Use],
    wrapped_by_cors: bool,
) -> Option<crate::diagnostic::Diagnostic> {
    use super::usage::UseKind;
    let super::dispatch::Dispatch::Single { methods, .. } = dispatch else {
        return None;
    };
    if methods.contains(&"OPTIONS") {
        return None;
    }
    let answers_cors = wrapped_by_cors
        || uses.iter().any(|u| match &u.kind {
            UseKind::Cors(_) => true,
            UseKind::SetHeader { first_arg, .. } => {
                is_cors_header(file.slice(*first_arg).trim_matches(['\'', '"', '`']))
            }
            _ => false,
        });
    if !answers_cors {
        return None;
    }
    methods.push("OPTIONS");
    *methods = super::dispatch::ordered(std::mem::take(methods));
    Some(
        crate::diagnostic::Diagnostic::note(
            "note/cors-options",
            "the handler answers CORS requests, so it is exported for OPTIONS as well: without that export Next.js answers preflights itself, with no CORS headers",
        )
        .at(file.location_of(handler.function_span)),
    )
}

/// `export default cors(handler)` with `cors` a `micro-cors` instance (`const cors = Cors({…})`
/// or `Cors({…})` itself). micro-cors sets its headers on `res` and then calls the handler, or,
/// for a preflight with an `Origin` header, ends the response itself (status 200) without
/// calling it. The route keeps the handler and runs the same wrapper first through the compat
/// adapter, with a handler that only lets the adapter go on.
#[derive(Debug, Clone, PartialEq)]
pub struct MicroCors {
    /// The wrapper as written (`cors`, `Cors({ … })`).
    pub instance: String,
    /// The wrapped handler's name.
    pub handler: String,
}

impl MicroCors {
    pub fn find(file: &ParsedFile) -> Option<MicroCors> {
        file.module.body.iter().find_map(|item| match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(export)) => {
                match strip_parens(&export.expr) {
                    Expr::Call(call) => Self::wrapping(file, call)?.ok(),
                    _ => None,
                }
            }
            _ => None,
        })
    }

    /// The default export's call, when it is a micro-cors wrapper: converted when it wraps a
    /// handler named in the file, `manual/cors-middleware-shape` otherwise.
    pub fn wrapping(
        file: &ParsedFile,
        call: &CallExpr,
    ) -> Option<Result<MicroCors, crate::diagnostic::Diagnostic>> {
        let factories = default_imports(file, "micro-cors");
        if factories.is_empty() {
            return None;
        }
        let callee = crate::ast::callee_expr(call)?;
        let is_instance = match strip_parens(callee) {
            Expr::Call(inner) => callee_ident(inner).is_some_and(|f| factories.contains(f)),
            Expr::Ident(id) => top_level_const_init(file, &id.sym).is_some_and(|init| {
                matches!(strip_parens(init), Expr::Call(inner) if callee_ident(inner).is_some_and(|f| factories.contains(f)))
            }),
            _ => false,
        };
        if !is_instance {
            return None;
        }
        let args = plain_args(&call.args).unwrap_or_default();
        let Some(Expr::Ident(handler)) = args
            .first()
            .map(|a| strip_parens(a))
            .filter(|_| args.len() == 1)
        else {
            return Some(Err(crate::diagnostic::Diagnostic::manual(
                "manual/cors-middleware-shape",
                "micro-cors wraps something other than a handler function declared in this file",
            )
            .with_help("declare the handler as a top-level function, export `cors(handler)`, then run routeshift again")
            .at(file.location_of(call.span))));
        };
        Some(Ok(MicroCors {
            instance: file.slice(callee.span()).to_string(),
            handler: handler.sym.to_string(),
        }))
    }

    /// The handler's first statements: run the wrapper, return its preflight.
    pub fn prelude(&self, req: &str, headers: &str, preflight: &str, semi: &str) -> [String; 2] {
        [
            format!(
                "const {preflight} = await corsMiddleware({req}, {headers}, (nodeReq, nodeRes) => new Promise((next) => {}(next)(nodeReq, nodeRes))){semi}",
                self.instance
            ),
            format!("if ({preflight}) return {preflight}{semi}"),
        ]
    }
}

fn top_level_const_init<'f>(file: &'f ParsedFile, name: &str) -> Option<&'f Expr> {
    file.module.body.iter().find_map(|item| {
        let ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) = item else {
            return None;
        };
        if var.kind != swc_ecma_ast::VarDeclKind::Const {
            return None;
        }
        var.decls.iter().find_map(|d| match &d.name {
            Pat::Ident(binding) if &*binding.id.sym == name => d.init.as_deref(),
            _ => None,
        })
    })
}

//! The App Router forms of the project's own functions over `req`/`res`, which the planner adds
//! beside the old ones (see `crate::helper_module`). Three kinds:
//!
//! - a **response helper** sends the response on every path: `ok(res, data)` gets
//!   `okResponse(data)`, which returns the `Response` instead;
//! - a **request helper** reads the request and sends nothing: `getSession(req, res)` gets
//!   `getSessionForRoute()` when all it did with them was next-auth's `getServerSession`, whose
//!   App Router form needs neither; `getUserId(req)` gets `getUserIdForRoute(req)` over a
//!   `NextRequest`;
//! - a **wrapper** returns a handler over `(req, res)` that either answers itself or calls the
//!   handler it wraps: `withAuth(handler, options)` gets `withAuthForRoute(handler, options)`,
//!   whose handler takes `(request, context)` and calls `handler(request, context, …)` with the
//!   same extra arguments as before.
//!
//! Each form is the old declaration's text with span edits, so comments and layout stay.

use std::collections::BTreeSet;
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{Ident, Pat, Stmt, TsTypeAnn};
use swc_ecma_visit::{Visit, VisitWith};

use super::dispatch;
use super::handler::HandlerBody;
use super::helpers::{dropped_arguments, Helpers};
use super::render::{internal, param_end, use_edits, within, Names, Needs, QueryMode};
use super::usage::{self, Responder, Usage, UsageInput, UseKind};
use super::{fresh_name, identifier_names, param_name, tail};
use crate::compat::CompatFn;
use crate::diagnostic::Diagnostic;
use crate::edit::{apply_in, Edit};
use crate::parse::ParsedFile;
use crate::text::indentation_at;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CopyKind {
    Responder,
    Reader,
    Wrapper,
}

/// A project function over `req`/`res`; for a wrapper, the handler it returns.
pub(crate) struct PagesFunction<'a> {
    /// The name the copy renames.
    pub name: Span,
    /// The declaration the copy repeats.
    pub declaration: Range<usize>,
    /// The function over `req` and `res`.
    pub span: Span,
    pub params: Vec<&'a Pat>,
    pub body: HandlerBody<'a>,
    pub return_type: Option<&'a TsTypeAnn>,
    pub is_async: bool,
    pub req_at: Option<usize>,
    pub res_at: Option<usize>,
    pub wrapper: Option<Wrapper>,
}

/// What a wrapper's copy changes outside the handler it returns.
pub(crate) struct Wrapper {
    /// The handler parameter's type (without the colon), and the type the copy gives it.
    pub handler_type: Option<(Range<usize>, String)>,
}

/// The type a wrapper's copy gives its handler's route context.
pub(crate) const CONTEXT_TYPE: &str = "{ params: Promise<any> }";

#[derive(Debug)]
pub(crate) struct HelperCopy {
    pub text: String,
    pub compat: BTreeSet<CompatFn>,
    /// The copy names `NextRequest`.
    pub request_type: bool,
    /// The copy takes no request (a request helper whose reads all went).
    pub drops_req: bool,
    /// Functions of the same module whose new form the copy calls (by new name).
    pub calls: Vec<String>,
    /// What the form does differently, for the person who reviews it.
    pub notes: Vec<Diagnostic>,
}

/// Copies `function` as its App Router form named `new_name`, or says why it cannot: a path
/// that does not answer (response helpers, wrappers), code after the response, a read the
/// function cannot do without the route's context, or any use of `req`/`res` the route
/// transform would refuse. `usage` is its [`scan`] with `helpers`, the functions it may hand
/// `req`/`res` to.
pub(crate) fn copy(
    file: &ParsedFile,
    function: &PagesFunction,
    usage: &Usage,
    kind: CopyKind,
    new_name: &str,
    helpers: &Helpers,
) -> Result<HelperCopy, Vec<Diagnostic>> {
    let help = match kind {
        CopyKind::Responder => "routes that call it stay for manual work; make every path of the helper send the response through `res`, then run routeshift again",
        CopyKind::Reader => "routes that call it stay for manual work; give it a form over a `NextRequest` by hand (`headers.get`, `cookies.get`, `nextUrl`), or convert those routes by hand",
        CopyKind::Wrapper => "routes it wraps stay for manual work; write its App Router form by hand (a handler over `(request, context)` that returns a Response), or convert those routes by hand",
    };
    let problem = |code: &str, message: &str| {
        vec![Diagnostic::manual(code, message)
            .with_help(help)
            .at(file.location_of(function.name))]
    };
    let subject = if kind == CopyKind::Wrapper {
        "wrapper"
    } else {
        "helper"
    };
    let name_of = |at: Option<usize>, what: &str| -> Result<Option<&str>, Vec<Diagnostic>> {
        match at {
            Some(at) => match function.params.get(at).and_then(|p| param_name(p)) {
                Some(name) => Ok(Some(name)),
                None => Err(problem(
                    "manual/helper-params",
                    &format!("the {what} parameter is destructured"),
                )),
            },
            None => Ok(None),
        }
    };
    let req = name_of(function.req_at, "request")?;
    let res = name_of(function.res_at, "response")?;
    let (stmts, expr_body) = function.body.parts();
    if !usage.problems.is_empty() {
        return Err(usage.problems.clone());
    }
    let mut needs = Needs::default();
    for u in &usage.uses {
        match &u.kind {
            UseKind::QueryWhole { .. }
            | UseKind::QueryKey { .. }
            | UseKind::QueryDestructure { .. } => {
                if kind != CopyKind::Wrapper {
                    return Err(problem(
                        "manual/helper-reads-request",
                        "the helper reads the request's query, which a route handler gets from its context",
                    ));
                }
                needs.query = true;
                needs.context = true;
                needs.awaits = true;
            }
            UseKind::Body { .. } | UseKind::RawBody { .. } => {
                return Err(if kind == CopyKind::Wrapper {
                    problem(
                        "manual/wrapper-reads-body",
                        "the wrapper reads the request body, which the handler it wraps reads again: a Request body can be read only once",
                    )
                } else {
                    problem(
                        "manual/helper-reads-request",
                        "the helper reads the request's body, which only the route itself can read (once)",
                    )
                })
            }
            UseKind::SetHeader { .. }
            | UseKind::StatusStatement { .. }
            | UseKind::StatusCode { .. } => match kind {
                CopyKind::Responder => {
                    let status = !matches!(u.kind, UseKind::SetHeader { .. });
                    needs.status |= status;
                    needs.headers |= !status;
                }
                CopyKind::Reader => {
                    return Err(problem(
                        "manual/helper-sets-headers",
                        "the helper sets headers or a status on the response without sending it",
                    ))
                }
                CopyKind::Wrapper => {
                    return Err(problem(
                        "manual/wrapper-sets-headers",
                        "the wrapper sets headers or a status on `res` that the wrapped handler's response carried",
                    ))
                }
            },
            UseKind::Special(_) => {
                return Err(problem(
                    "manual/helper-streams",
                    &format!("the {subject} streams, revalidates or toggles draft mode, which only a route's own statements can"),
                ))
            }
            UseKind::Cors(_) | UseKind::NodeRequest(_) | UseKind::HeadersObject { .. } => {
                return Err(problem(
                    "manual/helper-middleware",
                    &format!("the {subject} runs CORS, upload or webhook middleware on the request, which only a route's own statements can"),
                ))
            }
            UseKind::Response { .. } if kind == CopyKind::Reader => {
                return Err(problem(
                    "manual/helper-may-not-respond",
                    "not every path of the helper sends the response",
                ))
            }
            UseKind::HelperCall { helper, .. } if helper.responds && kind == CopyKind::Reader => {
                return Err(problem(
                    "manual/helper-may-not-respond",
                    "not every path of the helper sends the response",
                ))
            }
            _ => {}
        }
    }
    // Every path answers, last.
    let mut tails = tail::Tails::default();
    if kind != CopyKind::Reader {
        let responder = Responder {
            req: req.unwrap_or("\u{0}"),
            res: res.unwrap_or("\u{0}"),
            helpers,
        };
        let all: Vec<&Stmt> = stmts.iter().collect();
        tail::scan(file, &all, responder, &mut tails);
        let answers_everywhere = match function.body {
            HandlerBody::Block(_) => {
                dispatch::always_exits(&all, responder)
                    && returns_send(file, stmts, responder, &tails.merged)
            }
            HandlerBody::Expr(expr) => responder.sends(expr),
        };
        if !answers_everywhere {
            return Err(if kind == CopyKind::Wrapper {
                problem(
                    "manual/wrapper-may-not-respond",
                    "not every path of the wrapper answers or calls the handler it wraps",
                )
            } else {
                problem(
                    "manual/helper-may-not-respond",
                    "not every path of the helper sends the response",
                )
            });
        }
        for u in &usage.uses {
            let stmt = match &u.kind {
                UseKind::Response {
                    stmt: Some(stmt), ..
                } => stmt,
                UseKind::HelperCall {
                    stmt: Some(stmt),
                    helper,
                    ..
                } if helper.responds => stmt,
                _ => continue,
            };
            if !tails.allowed.contains(&file.range(*stmt)) {
                return Err(problem(
                    "manual/helper-code-after-response",
                    &format!("code runs after the {subject} sends the response"),
                ));
            }
        }
    }
    if expr_body.is_some() && (needs.headers || needs.status || needs.query) {
        return Err(problem(
            "manual/helper-params",
            &format!(
                "the {subject} is a single expression that also sets headers or reads the query"
            ),
        ));
    }

    let mut taken = identifier_names(file);
    let names = Names {
        req: req.unwrap_or("request").to_string(),
        query: fresh_name(&mut taken, "query"),
        body: String::new(),
        headers: fresh_name(&mut taken, "headers"),
        status: fresh_name(&mut taken, "status"),
        context: fresh_name(&mut taken, "context"),
        next_request: "NextRequest".into(),
    };
    let query_mode = if needs.query {
        QueryMode::LocalPagesQuery
    } else {
        QueryMode::None
    };
    let mut compat = BTreeSet::new();
    let mut edits = Vec::new();
    let mut calls = Vec::new();
    let mut dropped_reqs = 0;
    let mut notes = Vec::new();
    for u in &usage.uses {
        if let UseKind::HelperCall { helper, call, .. } = &u.kind {
            if helper.refreshed_session_cookie {
                notes.push(super::helpers::session_cookie_note(file.location_of(*call)));
            }
            if let Some(rename) = helper.rename.as_ref().filter(|r| r.specifier.is_none()) {
                calls.push(rename.new_name.clone());
            }
            if helper.drops_req && helper.req_at.is_some() {
                dropped_reqs += 1;
            }
        }
        use_edits(
            file,
            &u.kind,
            needs,
            query_mode,
            &names,
            &mut compat,
            &mut edits,
        );
    }
    for merged in &tails.merged {
        edits.push(Edit::delete(merged.clone()));
    }
    edits.push(Edit::replace(
        file.range(function.name),
        new_name.to_string(),
    ));

    // Parameters.
    let typescript = file.language.is_typescript();
    let params: Vec<Range<usize>> = function
        .params
        .iter()
        .map(|p| file.offset(p.span().lo)..param_end(file, p))
        .collect();
    let typed = |at: Option<usize>| {
        at.and_then(|at| function.params.get(at))
            .is_some_and(|p| matches!(p, Pat::Ident(b) if b.type_ann.is_some()))
    };
    let mut request_type = false;
    let mut drops_req = false;
    match kind {
        CopyKind::Wrapper => {
            let (Some(first), Some(second)) = (params.first(), params.get(1)) else {
                return Err(internal(file, "a wrapper's handler without (req, res)"));
            };
            let annotated = typescript && (typed(Some(0)) || typed(Some(1)));
            let signature = if annotated {
                request_type = true;
                format!(
                    "{}: NextRequest, {}: {CONTEXT_TYPE}",
                    names.req, names.context
                )
            } else {
                format!("{}, {}", names.req, names.context)
            };
            edits.push(Edit::replace(first.start..second.end, signature));
            if let Some((range, text)) = function
                .wrapper
                .as_ref()
                .and_then(|w| w.handler_type.clone())
            {
                request_type = true;
                edits.push(Edit::replace(range, text));
            }
        }
        CopyKind::Responder | CopyKind::Reader => {
            let mut drop: Vec<usize> = function.res_at.into_iter().collect();
            if kind == CopyKind::Reader {
                if let (Some(at), Some(req)) = (function.req_at, req) {
                    drops_req = references(stmts, expr_body, req) == dropped_reqs;
                    if drops_req {
                        drop.push(at);
                    }
                }
            }
            drop.sort_unstable();
            for gone in dropped_arguments(&params, &drop) {
                edits.push(Edit::delete(gone));
            }
            if let Some(Pat::Ident(binding)) = function
                .req_at
                .filter(|_| !drops_req)
                .and_then(|at| function.params.get(at).copied())
            {
                if let Some(type_ann) = &binding.type_ann {
                    edits.push(Edit::replace(file.range(type_ann.span), ": NextRequest"));
                    request_type = true;
                }
            }
        }
    }
    if let Some(return_type) = function.return_type {
        edits.push(Edit::delete(file.range(return_type.span)));
    }
    if needs.awaits && !function.is_async {
        edits.push(Edit::insert(file.offset(function.span.lo), "async "));
    }

    // Lines at the top of the body.
    let style = crate::text::file_style(file);
    if let HandlerBody::Block(block) = function.body {
        let semi = style.semi();
        let mut prelude = Vec::new();
        if needs.query {
            compat.insert(CompatFn::PagesQuery);
            prelude.push(format!(
                "const {} = pagesQuery({}, await {}.params){semi}",
                names.query, names.req, names.context
            ));
        }
        if needs.headers {
            prelude.push(format!("const {} = new Headers(){semi}", names.headers));
        }
        if needs.status {
            prelude.push(format!("let {} = 200{semi}", names.status));
        }
        if !prelude.is_empty() {
            let body_start = file.offset(block.span.lo);
            let indent = match block.stmts.first() {
                Some(first) => indentation_at(&file.text, file.offset(first.span().lo)).to_string(),
                None => style.indent.clone(),
            };
            let lines: String = prelude
                .iter()
                .map(|l| format!("{}{indent}{l}", style.newline))
                .collect();
            edits.push(Edit::insert(body_start + 1, lines));
        }
    }
    let text = apply_in(&file.text, function.declaration.clone(), &edits).map_err(|e| {
        internal(
            file,
            &format!("overlapping edits at {:?} and {:?}", e.first, e.second),
        )
    })?;
    calls.sort();
    calls.dedup();
    Ok(HelperCopy {
        text,
        compat,
        request_type,
        drops_req,
        calls,
        notes,
    })
}

/// Every use of the function's `req` and `res` (a destructured parameter has none: `copy`
/// refuses it), handed to `helpers` where they take them.
pub(crate) fn scan(file: &ParsedFile, function: &PagesFunction, helpers: &Helpers) -> Usage {
    let name = |at: Option<usize>| {
        at.and_then(|at| function.params.get(at))
            .and_then(|p| param_name(p))
    };
    let (stmts, expr_body) = function.body.parts();
    usage::scan(
        &UsageInput {
            file,
            req: name(function.req_at),
            res: name(function.res_at),
            raw_body: false,
            helpers,
        },
        stmts,
        expr_body,
    )
}

/// Whether a scanned function sends the response anywhere (a response helper, not a request
/// helper).
pub(crate) fn sends_response(usage: &Usage) -> bool {
    usage.uses.iter().any(|u| match &u.kind {
        UseKind::Response { .. } => true,
        UseKind::HelperCall { helper, .. } => helper.responds,
        _ => false,
    }) || usage
        .problems
        .iter()
        .any(|p| p.code == "manual/res-in-callback")
}

/// How often `name` is referred to in a body.
fn references(stmts: &[Stmt], expr: Option<&swc_ecma_ast::Expr>, name: &str) -> usize {
    struct Count<'n> {
        name: &'n str,
        count: usize,
    }
    impl Visit for Count<'_> {
        fn visit_ident(&mut self, ident: &Ident) {
            if &*ident.sym == self.name {
                self.count += 1;
            }
        }
    }
    let mut count = Count { name, count: 0 };
    for stmt in stmts {
        stmt.visit_with(&mut count);
    }
    if let Some(expr) = expr {
        expr.visit_with(&mut count);
    }
    count.count
}

/// Every `return` of the function itself (not of nested functions) returns a response, or is
/// a bare `return` that goes with the response statement before it (`merged`).
fn returns_send(
    file: &ParsedFile,
    stmts: &[Stmt],
    responder: Responder,
    merged: &[Range<usize>],
) -> bool {
    struct Returns<'r> {
        file: &'r ParsedFile,
        responder: Responder<'r>,
        merged: &'r [Range<usize>],
        all_send: bool,
    }
    impl Visit for Returns<'_> {
        fn visit_return_stmt(&mut self, stmt: &swc_ecma_ast::ReturnStmt) {
            let range = self.file.range(stmt.span);
            let goes = self.merged.iter().any(|m| within(&range, m));
            if !goes && !stmt.arg.as_deref().is_some_and(|a| self.responder.sends(a)) {
                self.all_send = false;
            }
        }
        fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
        fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
        fn visit_class(&mut self, _: &swc_ecma_ast::Class) {}
    }
    let mut returns = Returns {
        file,
        responder,
        merged,
        all_send: true,
    };
    for stmt in stmts {
        stmt.visit_with(&mut returns);
    }
    returns.all_send
}

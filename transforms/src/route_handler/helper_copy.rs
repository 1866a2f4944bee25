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
//! - a **router callback** is a next-connect callback (`router.get((req, res) => …)`,
//!   `router.use((req, res, next) => …)`, `onError`, `onNoMatch`): its form takes
//!   `(req, context[, next])`, as the edge router calls it, and returns the `Response` or
//!   `next()` on every path (see `adapters::next_connect`).
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
use super::render::{self, internal, param_end, use_edits, within, Names, Needs, QueryMode};
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
    /// A next-connect callback, converted in place ([`copy_callback`]).
    Callback,
    /// A next-basics `createMiddleware` callback (`middleware.rs`): its form takes the request
    /// alone and returns the `Response` it answered with, or `undefined` where it called `next()`
    /// ([`copy_middleware`]).
    Middleware,
}

/// What a router callback's copy needs besides the function.
pub(crate) struct CallbackForm<'r> {
    pub route: &'r crate::route_path::ApiRoute,
    /// The position of a middleware's `next` parameter, kept after the route context. The
    /// caller has checked that headers and a status set on `res` go with the callback's own
    /// responses, not with `next()`'s.
    pub next_at: Option<usize>,
    /// `config.api.bodyParser.sizeLimit`, for `readPagesBody`.
    pub size_limit: Option<&'r str>,
    /// The type of the route context (`{ params: Promise<{ id: string }> }`), for a `res`
    /// parameter that had a type.
    pub context_type: &'r str,
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
    copy_as(
        file,
        function,
        usage,
        kind,
        Some(new_name),
        helpers,
        None,
        None,
    )
}

/// A next-basics middleware callback's form (`(req, res, next) => …` becomes `(req: NextRequest)
/// => …`): `next()` becomes `return undefined`, and every other path returns the `Response`.
/// `helpers` holds `next` as a call that answers. The caller names and places the copy.
pub(crate) fn copy_middleware(
    file: &ParsedFile,
    function: &PagesFunction,
    usage: &Usage,
    helpers: &Helpers,
    next: &str,
) -> Result<HelperCopy, Vec<Diagnostic>> {
    copy_as(
        file,
        function,
        usage,
        CopyKind::Middleware,
        None,
        helpers,
        None,
        Some(next),
    )
}

/// A next-connect callback's form, in place (its name, if any, stays): `(req, res[, next])`
/// becomes `(req, context[, next])` (or `(req)` when it needs neither), every path returns the
/// `Response` or `next()` (`helpers` holds `next` as a call that answers), and the query, the
/// body, headers and a status work as in a route handler.
pub(crate) fn copy_callback(
    file: &ParsedFile,
    function: &PagesFunction,
    usage: &Usage,
    helpers: &Helpers,
    callback: &CallbackForm,
) -> Result<HelperCopy, Vec<Diagnostic>> {
    copy_as(
        file,
        function,
        usage,
        CopyKind::Callback,
        None,
        helpers,
        Some(callback),
        None,
    )
}

#[allow(clippy::too_many_arguments)]
fn copy_as(
    file: &ParsedFile,
    function: &PagesFunction,
    usage: &Usage,
    kind: CopyKind,
    new_name: Option<&str>,
    helpers: &Helpers,
    callback: Option<&CallbackForm>,
    middleware_next: Option<&str>,
) -> Result<HelperCopy, Vec<Diagnostic>> {
    let help = match kind {
        CopyKind::Responder => "routes that call it stay for manual work; make every path of the helper send the response through `res`, then run routeshift again",
        CopyKind::Reader => "routes that call it stay for manual work; give it a form over a `NextRequest` by hand (`headers.get`, `cookies.get`, `nextUrl`), or convert those routes by hand",
        CopyKind::Wrapper => "routes it wraps stay for manual work; write its App Router form by hand (a handler over `(request, context)` that returns a Response), or convert those routes by hand",
        CopyKind::Callback => "the route stays for manual work: in `createEdgeRouter` every callback takes `(req, ctx[, next])` and returns a Response or `next()` on every path; rewrite this callback so, or convert the route by hand",
        CopyKind::Middleware => "routes that run it stay for manual work; give it a form over a `NextRequest` by hand that returns the Response it would send (`undefined` where it calls `next()`), or convert those routes by hand",
    };
    let problem = |code: &str, message: &str| {
        vec![Diagnostic::manual(code, message)
            .with_help(help)
            .at(file.location_of(function.name))]
    };
    let subject = match kind {
        CopyKind::Wrapper => "wrapper",
        CopyKind::Callback => "callback",
        CopyKind::Middleware => "middleware",
        CopyKind::Responder | CopyKind::Reader => "helper",
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
            | UseKind::QueryDestructure { .. }
                if kind == CopyKind::Callback => {}
            UseKind::Body { .. } | UseKind::RawBody { .. } if kind == CopyKind::Callback => {
                needs.body |= matches!(u.kind, UseKind::Body { .. });
                needs.awaits = true;
            }
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
                CopyKind::Responder | CopyKind::Callback => {
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
                CopyKind::Middleware => {
                    return Err(problem(
                        "manual/middleware-sets-headers",
                        "the middleware sets headers or a status on `res`, which the route's own response carried after `next()`",
                    ))
                }
            },
            UseKind::Special(_) => {
                return Err(problem(
                    "manual/helper-streams",
                    &format!("the {subject} streams, revalidates or toggles draft mode, which only a route's own statements can"),
                ))
            }
            UseKind::Cors(_)
            | UseKind::NodeRequest(_)
            | UseKind::HeadersObject { .. }
            | UseKind::Middleware(_)
            | UseKind::MiddlewareField { .. } => {
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
            return Err(match kind {
                CopyKind::Callback => vec![Diagnostic::manual(
                    "manual/next-connect-may-not-respond",
                    "not every path of the callback answers or calls `next()`",
                )
                .with_help("Pages left such a request hanging; `createEdgeRouter` needs a Response (or `next()`) returned on every path: make every path answer through `res` or call `next()` last, then run routeshift again")
                .at(file.location_of(function.name))],
                CopyKind::Wrapper => problem(
                    "manual/wrapper-may-not-respond",
                    "not every path of the wrapper answers or calls the handler it wraps",
                ),
                CopyKind::Middleware => problem(
                    "manual/middleware-may-not-answer",
                    "not every path of the middleware answers through `res` or calls `next()` last (Pages left such a request hanging)",
                ),
                CopyKind::Responder | CopyKind::Reader => problem(
                    "manual/helper-may-not-respond",
                    "not every path of the helper sends the response",
                ),
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
                return Err(if kind == CopyKind::Callback {
                    vec![Diagnostic::manual(
                        "manual/next-connect-code-after-answer",
                        "code runs after the callback answers or calls `next()`",
                    )
                    .with_help("a `createEdgeRouter` callback returns its Response (or `next()`'s) and nothing runs after the return: keep that Response and return it last (`const response = await next(); …; return response`), or move the later work into `after()` from next/server; convert the route by hand")
                    .at(file.location_of(*stmt))]
                } else {
                    problem(
                        "manual/helper-code-after-response",
                        &format!("code runs after the {subject} sends the response"),
                    )
                });
            }
        }
    }
    // A helper that answers builds its own Response: headers or a status set on `res` before
    // it would be lost (as in a route, see `render`).
    if kind == CopyKind::Callback && (needs.headers || needs.status) {
        // `next()` answers with a later callback's Response, which the caller has checked the
        // headers are not meant for.
        let next = callback
            .and_then(|c| c.next_at)
            .and_then(|at| function.params.get(at))
            .and_then(|p| param_name(p));
        for u in &usage.uses {
            let UseKind::HelperCall {
                call,
                callee,
                helper,
                ..
            } = &u.kind
            else {
                continue;
            };
            if next.is_some_and(|next| file.slice(*callee) == next) {
                continue;
            }
            let keeps = helper
                .library_response
                .map(|l| (true, l.response.keeps_headers()));
            let (keeps_status, keeps_headers) = keeps.unwrap_or((false, false));
            if helper.responds
                && ((needs.headers && !keeps_headers) || (needs.status && !keeps_status))
            {
                return Err(vec![Diagnostic::manual(
                    "manual/helper-after-headers",
                    format!("`{}` sends the response after the callback set headers or a status on `res`", file.slice(*call)),
                )
                .with_help("its App Router form returns its own Response without them: pass them to the helper, or convert this route by hand")
                .at(file.location_of(*call))]);
            }
        }
    }
    let query_mode = match callback {
        Some(callback) => render::query_mode(&usage.uses, callback.route),
        None if needs.query => QueryMode::LocalPagesQuery,
        None => QueryMode::None,
    };
    if let Some(callback) = callback.filter(|_| query_mode != QueryMode::None) {
        let dynamic = callback.route.is_dynamic();
        needs.query = query_mode != QueryMode::InlineParams;
        needs.context = dynamic;
        needs.awaits |= dynamic;
    }
    if kind != CopyKind::Callback
        && expr_body.is_some()
        && (needs.headers || needs.status || needs.query)
    {
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
        body: fresh_name(&mut taken, "body"),
        headers: fresh_name(&mut taken, "headers"),
        status: fresh_name(&mut taken, "status"),
        context: fresh_name(&mut taken, "context"),
        next_request: "NextRequest".into(),
    };
    let mut compat = BTreeSet::new();
    let mut edits = Vec::new();
    let mut calls = Vec::new();
    let mut dropped_reqs = 0;
    let mut notes = Vec::new();
    for u in &usage.uses {
        // `next()` lets the route go on: the form returns nothing there.
        if let (
            Some(next),
            UseKind::HelperCall {
                call, callee, stmt, ..
            },
        ) = (middleware_next, &u.kind)
        {
            if file.slice(*callee) == next {
                if let Some(stmt) = stmt {
                    edits.push(Edit::insert(file.offset(stmt.lo), "return "));
                }
                edits.push(Edit::replace(file.range(*call), "undefined"));
                continue;
            }
        }
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
    if let Some(new_name) = new_name {
        edits.push(Edit::replace(
            file.range(function.name),
            new_name.to_string(),
        ));
    }

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
        CopyKind::Callback => {
            let Some(callback) = callback else {
                return Err(internal(file, "a router callback without its form"));
            };
            if let Some(Pat::Ident(binding)) = function
                .req_at
                .and_then(|at| function.params.get(at).copied())
            {
                if let Some(type_ann) = &binding.type_ann {
                    edits.push(Edit::replace(file.range(type_ann.span), ": NextRequest"));
                    request_type = true;
                }
            }
            // The edge router passes the route context where Pages passed `res`: it stays as
            // the context when it is read or when `next` comes after it.
            match function
                .res_at
                .and_then(|at| params.get(at).map(|r| (at, r)))
            {
                Some((at, range)) if needs.context || callback.next_at.is_some() => {
                    let text = if typescript && typed(Some(at)) {
                        format!("{}: {}", names.context, callback.context_type)
                    } else {
                        names.context.clone()
                    };
                    edits.push(Edit::replace(range.clone(), text));
                }
                Some((at, _)) => {
                    for gone in dropped_arguments(&params, &[at]) {
                        edits.push(Edit::delete(gone));
                    }
                }
                None if needs.context => {
                    return Err(internal(
                        file,
                        "a router callback reading its context without `res`",
                    ))
                }
                None => {}
            }
        }
        CopyKind::Middleware => {
            // `(req, res, next)` → `(req: NextRequest)`: the form answers by returning.
            let drop: Vec<usize> = (0..params.len())
                .filter(|at| Some(*at) != function.req_at)
                .collect();
            for gone in dropped_arguments(&params, &drop) {
                edits.push(Edit::delete(gone));
            }
            if let Some(Pat::Ident(binding)) = function
                .req_at
                .and_then(|at| function.params.get(at).copied())
            {
                match &binding.type_ann {
                    Some(type_ann) if typescript => {
                        edits.push(Edit::replace(file.range(type_ann.span), ": NextRequest"));
                        request_type = true;
                    }
                    None if typescript => {
                        edits.push(Edit::insert(
                            file.offset(binding.id.span.hi),
                            ": NextRequest",
                        ));
                        request_type = true;
                    }
                    _ => {}
                }
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
    let semi = style.semi();
    let mut prelude = render::request_prelude(
        needs,
        &names,
        callback.and_then(|c| c.size_limit),
        query_mode,
        "",
        semi,
        &mut compat,
    );
    if needs.status {
        prelude.push(format!("let {} = 200{semi}", names.status));
    }
    match function.body {
        HandlerBody::Block(block) if !prelude.is_empty() => {
            let body_start = file.offset(block.span.lo);
            // A body on the line of its brace (`(req, res) => { … }`) gets the prelude on lines of
            // its own, the statements on the next.
            let same_line = block.stmts.first().filter(|first| {
                !file.text[body_start..file.offset(first.span().lo)].contains('\n')
            });
            let indent = match (same_line, block.stmts.first()) {
                (None, Some(first)) => {
                    indentation_at(&file.text, file.offset(first.span().lo)).to_string()
                }
                (Some(_), _) => {
                    format!("{}{}", indentation_at(&file.text, body_start), style.indent)
                }
                (None, None) => style.indent.clone(),
            };
            let mut lines: String = prelude
                .iter()
                .map(|l| format!("{}{indent}{l}", style.newline))
                .collect();
            match same_line {
                Some(first) => {
                    lines.push_str(&format!("{}{indent}", style.newline));
                    let first_start = file.offset(first.span().lo);
                    edits.push(Edit::replace(body_start + 1..first_start, lines));
                }
                None => edits.push(Edit::insert(body_start + 1, lines)),
            }
        }
        // A callback's expression body becomes a block that returns it after the prelude (the
        // other kinds refused this above).
        HandlerBody::Expr(expr) if !prelude.is_empty() => {
            let body_start = file.offset(expr.span().lo);
            let base = indentation_at(&file.text, body_start).to_string();
            let indent = format!("{base}{}", style.indent);
            let mut opening = "{".to_string();
            for line in &prelude {
                opening.push_str(&format!("{}{indent}{line}", style.newline));
            }
            opening.push_str(&format!("{}{indent}return ", style.newline));
            edits.push(Edit::insert(body_start, opening));
            edits.push(Edit::insert(
                file.offset(expr.span().hi),
                format!("{semi}{}{base}}}", style.newline),
            ));
        }
        _ => {}
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

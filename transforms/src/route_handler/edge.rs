//! Edge-runtime Pages API routes (`export const config = { runtime: 'edge' }`) → Route Handlers.
//!
//! Such a handler already takes a Web `Request` (`NextRequest`) and returns a `Response`, so it
//! moves almost as it is:
//!
//! ```text
//! export const config = { runtime: 'edge' }
//! export default async function handler(req: NextRequest, event: NextFetchEvent) {
//!   event.waitUntil(log(req.nextUrl.searchParams.get('id')))
//!   return new Response('ok')
//! }
//! ```
//! in `pages/api/items/[id].ts` becomes
//! ```text
//! export const runtime = 'edge'
//! async function handler(req: NextRequest, context: { params: Promise<{ id: string }> }) {
//!   after(log((await context.params).id))
//!   return new Response('ok')
//! }
//! export { handler as GET, handler as HEAD, handler as POST, … }
//! ```
//! Differences handled (reference §2.2, §4): Pages injects a dynamic route's params into
//! `req.nextUrl.searchParams` (and the request URL); a route handler gets them from `context.params`
//! only, so a read of a param through `searchParams.get('<param>')` becomes `(await
//! context.params).<param>`. In a dynamic route, any other read of the query or the whole URL
//! (`req.url`, `nextUrl.search`, the `searchParams` object handed on, a computed key) cannot be
//! proved free of the injected params and stays manual. `event.waitUntil(promise)` becomes
//! `after(promise)`: `after` hands a promise to the same platform `waitUntil` (next
//! `server/after/after-context.ts`), so the work still runs on after the response.
//!
//! The handler is kept whole and exported under every method, whether or not it checks
//! `req.method`: Pages ran it for every method, so a single function answering GET, HEAD, POST,
//! PUT, PATCH, DELETE and OPTIONS answers exactly as before (splitting by method would hand the
//! methods it does not name to Next.js' automatic 405 and OPTIONS answers).

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, CallExpr, Callee, Expr, Function, Lit, MemberExpr, ObjectPatProp, Pat, PropName,
    VarDeclarator,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::config::ConfigPlan;
use super::dispatch::ALL_METHODS;
use super::exports::OtherExports;
use super::handler::{Declaration, Handler, HandlerBody};
use super::render::{export_edits, param_end, rehome_comments, relative_import_edits, route_text};
use super::{identifier_names, param_name, Converted, RouteContext};
use crate::ast::{is_ident, member_prop, strip_parens};
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::route_path::{ParamKind, RouteParam};

/// `URL` members that do not carry the query, safe to read in a dynamic route.
const URL_PARTS: [&str; 8] = [
    "pathname", "origin", "host", "hostname", "protocol", "port", "basePath", "locale",
];

pub(super) fn convert(
    file: &ParsedFile,
    context: &RouteContext,
    handler: &Handler,
    config: &ConfigPlan,
    other_exports: &OtherExports,
) -> Result<Converted, Vec<Diagnostic>> {
    let location = file.location_of(handler.function_span);
    let names: Vec<Option<&str>> = handler.params.iter().map(|p| param_name(p)).collect();
    if names.len() > 2 || names.iter().any(Option::is_none) {
        return Err(vec![Diagnostic::manual(
            "manual/handler-params",
            "the edge handler does not take plain `(req[, event])` parameters",
        )
        .with_help("name the parameters plainly (`req`, `event`), then run routeshift again")
        .at(location)]);
    }
    let req = names.first().copied().flatten();
    let event = names.get(1).copied().flatten();
    let mut scan = Scan {
        file,
        req: req.unwrap_or("\u{0}"),
        event: event.unwrap_or("\u{0}"),
        params: if context.route.is_dynamic() {
            &context.route.params
        } else {
            &[]
        },
        search_locals: Vec::new(),
        depth: 0,
        param_reads: Vec::new(),
        waits: Vec::new(),
        checks_method: false,
        problems: Vec::new(),
    };
    match handler.body {
        HandlerBody::Block(block) => block.visit_with(&mut scan),
        HandlerBody::Expr(expr) => scan.visit_expr(expr),
    }
    if !scan.problems.is_empty() {
        return Err(scan.problems);
    }

    let style = crate::text::file_style(file);
    let typescript = file.language.is_typescript();
    let mut taken = identifier_names(file);
    let mut edits: Vec<Edit> = Vec::new();
    let needs_context = !scan.param_reads.is_empty();
    let context_name = if taken.contains("context") {
        super::fresh_name(&mut taken, "routeContext")
    } else {
        super::fresh_name(&mut taken, "context")
    };
    for (span, name) in &scan.param_reads {
        let access = if is_identifier(name) {
            format!(".{name}")
        } else {
            format!("[{}]", style.quoted(name))
        };
        edits.push(Edit::replace(
            file.range(*span),
            format!("(await {context_name}.params){access}"),
        ));
    }
    let mut imports = std::collections::BTreeSet::new();
    for callee in &scan.waits {
        edits.push(Edit::replace(file.range(*callee), "after"));
        imports.insert(("next/server", "after"));
    }

    // Parameters: the event goes, the route context comes when a param is read.
    let context_param = if typescript {
        format!(
            "{context_name}: {{ params: Promise<{}> }}",
            context.route.params_type()
        )
    } else {
        context_name.clone()
    };
    match (handler.params.first(), handler.params.get(1)) {
        (Some(first), Some(second)) => {
            let range = param_end(file, first)..param_end(file, second);
            let replacement = if needs_context {
                format!(", {context_param}")
            } else {
                String::new()
            };
            edits.push(Edit::replace(range, replacement));
        }
        (Some(first), None) if needs_context => {
            let start = file.offset(first.span().lo);
            let end = param_end(file, first);
            if file.text[..start].trim_end().ends_with('(') {
                edits.push(Edit::insert(end, format!(", {context_param}")));
            } else {
                edits.push(Edit::insert(start, "("));
                edits.push(Edit::insert(end, format!(", {context_param})")));
            }
        }
        _ => {}
    }
    let function_start = file.offset(handler.function_span.lo);
    if needs_context && !handler.is_async {
        edits.push(Edit::insert(function_start, "async "));
        // `: Response` no longer describes an async function.
        if let Some(return_type) = handler.return_type {
            edits.push(Edit::delete(file.range(return_type.span)));
        }
    }

    // The declaration and its exports under every method.
    let name = handler
        .name
        .clone()
        .unwrap_or_else(|| super::fresh_name(&mut taken, "handler"));
    // An edge handler takes a Request already: a Pages wrapper does not fit it.
    if matches!(handler.declaration, Declaration::Wrapped { .. }) {
        return Err(vec![Diagnostic::manual(
            "manual/edge-wrapped-handler",
            "an edge-runtime handler wrapped by a Pages API wrapper",
        )
        .with_help("convert this route by hand")
        .at(file.location_of(handler.function_span))]);
    }
    let mut structure = export_edits(file, handler, &name, &ALL_METHODS, needs_context, &style)?;
    structure.extend(config.replacement(&style));
    edits.extend(other_exports.edits.iter().cloned());
    let route_references = relative_import_edits(file, context, &mut edits);
    structure.extend(super::named_imports::checked_edits(file, &imports, &style)?);
    let mut rehomed = rehome_comments(file, &edits, &style);
    rehomed.extend(rehome_comments(file, &structure, &style));
    edits.extend(structure);
    edits.extend(rehomed);
    let (text, unchecked) = route_text(file, &edits, context, None)?;

    let mut notes = config.notes.clone();
    notes.extend(other_exports.notes.iter().cloned());
    if !scan.checks_method {
        notes.push(
            Diagnostic::note(
                "note/all-methods",
                format!(
                    "the edge handler never checks the method, so it is exported for {}",
                    ALL_METHODS.join(", ")
                ),
            )
            .with_help("remove the exports for methods the route should not answer")
            .at(location),
        );
    }
    Ok(Converted {
        text,
        compat: Default::default(),
        methods: ALL_METHODS.to_vec(),
        notes,
        route_references,
        helpers: Vec::new(),
        unchecked,
    })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Walks the handler for the reads of the query, the method check and the fetch event.
struct Scan<'a> {
    file: &'a ParsedFile,
    req: &'a str,
    event: &'a str,
    /// The dynamic params (none for a static route, where the query is the same in both routers).
    params: &'a [RouteParam],
    /// Local names bound to the request's `searchParams`.
    search_locals: Vec<String>,
    depth: usize,
    /// `searchParams.get('<param>')` calls and the param they read.
    param_reads: Vec<(Span, String)>,
    /// `event.waitUntil` callees.
    waits: Vec<Span>,
    checks_method: bool,
    problems: Vec<Diagnostic>,
}

impl Scan<'_> {
    fn dynamic(&self) -> bool {
        !self.params.is_empty()
    }

    fn problem(&mut self, span: Span, code: &str, message: String, help: &str) {
        self.problems.push(
            Diagnostic::manual(code, message)
                .with_help(help)
                .at(self.file.location_of(span)),
        );
    }

    fn query_problem(&mut self, span: Span, what: &str) {
        let text = crate::text::one_line(self.file.slice(span));
        self.problem(
            span,
            "manual/edge-query-read",
            format!("`{text}` {what}"),
            "in a dynamic Pages edge route the query also held the route's params; read single values with `searchParams.get('<key>')` (params become `(await context.params).<key>`), then run routeshift again",
        );
    }

    /// `req.nextUrl` or `new URL(req.url)`.
    fn url_source(&self, expr: &Expr) -> bool {
        match strip_parens(expr) {
            Expr::Member(member) => {
                is_ident(&member.obj, self.req) && member_prop(&member.prop) == Some("nextUrl")
            }
            Expr::New(new) => {
                is_ident(&new.callee, "URL")
                    && new.args.as_deref().is_some_and(|args| {
                        matches!(args, [arg] if arg.spread.is_none() && matches!(strip_parens(&arg.expr), Expr::Member(m) if is_ident(&m.obj, self.req) && member_prop(&m.prop) == Some("url")))
                    })
            }
            _ => false,
        }
    }

    /// The request's `searchParams`: `<url source>.searchParams` or a local bound to it.
    fn search_params(&self, expr: &Expr) -> bool {
        match strip_parens(expr) {
            Expr::Member(member) => {
                member_prop(&member.prop) == Some("searchParams") && self.url_source(&member.obj)
            }
            Expr::Ident(ident) => self.search_locals.iter().any(|l| *l == *ident.sym),
            _ => false,
        }
    }

    fn param(&self, key: &str) -> Option<&RouteParam> {
        self.params.iter().find(|p| p.name == key)
    }

    /// `<searchParams>.<method>(args)` in a dynamic route.
    fn search_call(&mut self, call: &CallExpr, method: &str) {
        let key = match call.args.as_slice() {
            [arg] if arg.spread.is_none() => match strip_parens(&arg.expr) {
                Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_string),
                _ => None,
            },
            _ => None,
        };
        let Some(key) = key else {
            return self.query_problem(call.span, "reads the query with a computed key");
        };
        let kind = self.param(&key).map(|p| p.kind.clone());
        match (method, kind) {
            ("get", Some(ParamKind::Single)) if self.depth == 0 => {
                self.param_reads.push((call.span, key))
            }
            ("get", Some(ParamKind::Single)) => self.problem(
                call.span,
                "manual/edge-param-in-callback",
                format!("the route param `{key}` is read inside a nested function"),
                "read it into a `const` at the top of the handler (it becomes `(await context.params)`, which needs the async handler itself), then run routeshift again",
            ),
            (_, Some(_)) => self.problem(
                call.span,
                "manual/edge-param-read",
                format!("`{}` reads the route param `{key}` through the query, which routeshift rewrites only for `get` of a single `[param]`", self.file.slice(call.span)),
                "Pages put the param into `searchParams` as text; read `(await context.params)` by hand (a catch-all param is a `string[]` there)",
            ),
            ("get" | "has" | "getAll", None) => {}
            _ => self.query_problem(call.span, "uses the query in a way that may involve the route's params"),
        }
    }
}

impl Visit for Scan<'_> {
    fn visit_expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Call(call) => {
                if let Callee::Expr(callee) = &call.callee {
                    if let Expr::Member(member) = strip_parens(callee) {
                        let method = member_prop(&member.prop).unwrap_or_default();
                        if self.dynamic() && self.search_params(&member.obj) {
                            return self.search_call(call, method);
                        }
                        if is_ident(&member.obj, self.event) {
                            let promise = match call.args.as_slice() {
                                [arg] if arg.spread.is_none() => Some(&*arg.expr),
                                _ => None,
                            };
                            let is_function =
                                |e: &Expr| matches!(strip_parens(e), Expr::Arrow(_) | Expr::Fn(_));
                            if method == "waitUntil" && promise.is_some_and(|p| !is_function(p)) {
                                self.waits.push(member.span);
                                for arg in &call.args {
                                    arg.visit_with(self);
                                }
                                return;
                            }
                        }
                    }
                }
            }
            Expr::Member(member) => return self.visit_member_expr(member),
            Expr::Ident(ident) => {
                if *ident.sym == *self.event {
                    self.problem(
                        ident.span,
                        "manual/edge-fetch-event",
                        format!("the fetch event `{}` is used other than by `{}.waitUntil(promise)`", ident.sym, ident.sym),
                        "route handlers get no NextFetchEvent; `waitUntil(promise)` becomes `after(promise)` from next/server, convert other uses by hand",
                    );
                } else if self.dynamic() && *ident.sym == *self.req {
                    self.problem(
                        ident.span,
                        "manual/edge-request-passed",
                        format!("`{}` is handed on whole in a dynamic route", ident.sym),
                        "Pages added the route's params to its URL's query, a route handler's request does not have them; pass what the callee needs, then run routeshift again",
                    );
                } else if self.dynamic() && self.search_params(expr) {
                    self.query_problem(ident.span, "is used as a whole");
                }
                return;
            }
            _ => {}
        }
        expr.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, member: &MemberExpr) {
        let obj = strip_parens(&member.obj);
        let prop = member_prop(&member.prop);
        if is_ident(obj, self.req) {
            match prop {
                Some("method") => self.checks_method = true,
                Some("url" | "nextUrl") if self.dynamic() => {
                    self.query_problem(member.span, "reads the whole URL, query included")
                }
                _ => {}
            }
        } else if self.dynamic() && self.url_source(obj) {
            match prop {
                Some(part) if URL_PARTS.contains(&part) => {}
                _ => self.query_problem(member.span, "reads the query as a whole"),
            }
        } else if self.dynamic() && self.search_params(obj) {
            self.query_problem(
                member.span,
                "uses the query in a way that may involve the route's params",
            );
        } else if is_ident(obj, self.event) {
            self.problem(
                member.span,
                "manual/edge-fetch-event",
                format!("`{}` has no route handler equivalent", self.file.slice(member.span)),
                "route handlers get no NextFetchEvent; `waitUntil(promise)` becomes `after(promise)` from next/server, convert other uses by hand",
            );
        } else {
            return member.visit_children_with(self);
        }
        if let swc_ecma_ast::MemberProp::Computed(computed) = &member.prop {
            computed.visit_with(self);
        }
    }

    fn visit_var_declarator(&mut self, declarator: &VarDeclarator) {
        if let (true, Some(init)) = (self.dynamic(), declarator.init.as_deref()) {
            match &declarator.name {
                // `const { searchParams, pathname } = new URL(req.url)` / `= req.nextUrl`
                Pat::Object(pattern) if self.url_source(init) => {
                    for prop in &pattern.props {
                        let (key, local) = match prop {
                            ObjectPatProp::KeyValue(kv) => (
                                match &kv.key {
                                    PropName::Ident(id) => Some(id.sym.to_string()),
                                    PropName::Str(s) => s.value.as_str().map(str::to_string),
                                    _ => None,
                                },
                                param_name(&kv.value).map(str::to_string),
                            ),
                            ObjectPatProp::Assign(assign) if assign.value.is_none() => (
                                Some(assign.key.sym.to_string()),
                                Some(assign.key.sym.to_string()),
                            ),
                            _ => (None, None),
                        };
                        match (key.as_deref(), local) {
                            (Some("searchParams"), Some(local)) => self.search_locals.push(local),
                            (Some(part), Some(_)) if URL_PARTS.contains(&part) => {}
                            _ => self.query_problem(prop.span(), "takes the query out of the URL"),
                        }
                    }
                    return;
                }
                // `const params = req.nextUrl.searchParams`
                Pat::Ident(binding)
                    if matches!(strip_parens(init), Expr::Member(_))
                        && self.search_params(init) =>
                {
                    self.search_locals.push(binding.id.sym.to_string());
                    return;
                }
                _ => {}
            }
        }
        declarator.visit_children_with(self);
    }

    fn visit_function(&mut self, function: &Function) {
        self.depth += 1;
        function.visit_children_with(self);
        self.depth -= 1;
    }

    fn visit_arrow_expr(&mut self, arrow: &ArrowExpr) {
        self.depth += 1;
        arrow.visit_children_with(self);
        self.depth -= 1;
    }
}

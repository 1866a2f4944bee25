//! next-auth v4: `export default NextAuth(authOptions)` in `pages/api/auth/[...nextauth].ts`.
//!
//! ```text
//! export default NextAuth(authOptions)
//! ```
//! becomes (reference §6; next-auth.js.org "Route Handlers (app/)")
//! ```text
//! const handler = NextAuth(authOptions)
//! export { handler as GET, handler as POST }
//! ```
//! The advanced form, a function that calls `NextAuth(req, res, authOptions)`, keeps its
//! function: `res` becomes the route context and `req.query.nextauth` reads
//! `(await context.params).nextauth`. Any other use of `req` or `res` makes it manual work, as
//! does a route without a `[...nextauth]` catch-all.
//!
//! Its JSON answers lose the `; charset=utf-8` the Pages handler's `res.send` added
//! (`note/next-auth-content-type`).
//!
//! next-auth reads `context.params` synchronously before 4.24.9, which Next.js 15+ does not
//! allow: an older range in package.json gets `note/next-auth-version`. Auth.js v5 (next-auth
//! ≥ 5) has its own API and is left as it is (`manual/next-auth-v5`).

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{CallExpr, Expr, Ident, MemberExpr, Pat, ReturnStmt};
use swc_ecma_visit::{Visit, VisitWith};

use super::{
    calls_export, declared_version, finish, finish_exported, taken_names, AdapterInput,
    AdapterRewrite, DeclaredVersion, ExportedValue, GET_AND_POST, HANDLER_FOR_GET_AND_POST,
};
use crate::ast::{member_prop, strip_parens};
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::route_handler::handler::{Declaration, Handler, HandlerBody};
use crate::route_handler::{render, Converted};
use crate::text::file_style;

const SOURCES: [&str; 2] = ["next-auth", "next-auth/next"];

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let file = input.file;
    match &input.export.value {
        ExportedValue::Call { call, .. } | ExportedValue::Declared { call, .. } => {
            if !calls_export(file, call, &SOURCES, "default") {
                return None;
            }
            Some(convert_call(input, call))
        }
        ExportedValue::Function(handler) => {
            advanced_call(file, handler)?;
            Some(convert_advanced(input, handler))
        }
    }
}

/// Checks shared by both forms: the library's version and the route's file name.
fn preconditions(
    input: &AdapterInput,
    at: Range<usize>,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let file = input.file;
    let location = file.location(at.start);
    let mut notes = Vec::new();
    match declared_version(input.context, "next-auth") {
        DeclaredVersion::AtLeast(major, ..) if major >= 5 => {
            return Err(vec![Diagnostic::manual(
                "manual/next-auth-v5",
                "package.json names next-auth 5 (Auth.js), whose App Router API differs from this v4 handler",
            )
            .with_help("with Auth.js v5 the route is `export const { GET, POST } = handlers` from your `auth.ts`: migrate it by hand following authjs.dev/getting-started/migrating-to-v5")
            .at(location)]);
        }
        DeclaredVersion::AtLeast(4, minor, patch) if (minor, patch) >= (24, 9) => {}
        DeclaredVersion::Newest => {}
        version => {
            let named = match version {
                DeclaredVersion::AtLeast(..) => format!(
                    "package.json allows next-auth `{}`",
                    (input.context.dependency)("next-auth").unwrap_or_default()
                ),
                _ => "package.json does not say which next-auth version the app uses".to_string(),
            };
            notes.push(
                Diagnostic::note(
                    "note/next-auth-version",
                    format!("{named}: next-auth's route handler awaits `context.params` only from 4.24.9 on, which Next.js 15 and later require"),
                )
                .with_help("upgrade next-auth to ^4.24.9 or later together with this migration")
                .at(location.clone()),
            );
        }
    }
    // Seen in the end-to-end run: next-auth's Pages handler answers through `res.send(object)`,
    // its route handler with the `Content-Type` its core gives (no charset).
    notes.push(
        Diagnostic::note(
            "note/next-auth-content-type",
            "next-auth's route handler answers its JSON endpoints (`/session`, `/csrf`, `/providers`) with `Content-Type: application/json`, where its Pages handler sent `application/json; charset=utf-8`; the bodies are the same",
        )
        .with_help("nothing to do unless a client compares the content type exactly")
        .at(location.clone()),
    );
    if !input.context.route.has_param("nextauth") {
        return Err(vec![Diagnostic::manual(
            "manual/next-auth-route-name",
            format!("NextAuth serves `{}`, a route without the `[...nextauth]` parameter it reads its action from", input.context.route.url),
        )
        .with_help("next-auth's route handler must live in `app/api/auth/[...nextauth]/route.ts`: rename the file, or convert it by hand")
        .at(location)]);
    }
    Ok(notes)
}

fn convert_call(input: &AdapterInput, call: &CallExpr) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    let notes = preconditions(input, file.range(call.span))?;
    if call.args.len() != 1 {
        return Err(vec![Diagnostic::manual(
            "manual/next-auth-shape",
            format!("`{}` is not `NextAuth(options)`", file.slice(call.span)),
        )
        .with_help("convert this route by hand")
        .at(file.location_of(call.span))]);
    }
    finish_exported(
        input,
        Vec::new(),
        &HANDLER_FOR_GET_AND_POST,
        &mut taken_names(file),
        notes,
    )
}

/// The `NextAuth(req, res, options)` call an advanced handler returns.
fn advanced_call<'a>(file: &ParsedFile, handler: &Handler<'a>) -> Option<&'a CallExpr> {
    struct Calls<'a, 'f> {
        file: &'f ParsedFile,
        found: Option<&'a CallExpr>,
    }
    impl<'a> Calls<'a, '_> {
        fn check(&mut self, call: &'a CallExpr) {
            if self.found.is_none() && calls_export(self.file, call, &SOURCES, "default") {
                self.found = Some(call);
            }
        }
    }
    // A hand-written visitor over borrowed nodes: swc's Visit does not hand out `'a` refs.
    fn walk<'a>(expr: &'a Expr, calls: &mut Calls<'a, '_>) {
        match strip_parens(expr) {
            Expr::Call(call) => calls.check(call),
            Expr::Await(await_expr) => walk(&await_expr.arg, calls),
            _ => {}
        }
    }
    let mut calls = Calls { file, found: None };
    match handler.body {
        HandlerBody::Expr(expr) => walk(expr, &mut calls),
        HandlerBody::Block(block) => {
            for stmt in &block.stmts {
                if let swc_ecma_ast::Stmt::Return(ReturnStmt { arg: Some(arg), .. }) = stmt {
                    walk(arg, &mut calls);
                }
            }
        }
    }
    let call = calls.found?;
    let param = |i: usize| {
        handler
            .params
            .get(i)
            .and_then(|p| super::super::param_name(p))
    };
    let arg = |i: usize| match call.args.get(i).map(|a| strip_parens(&a.expr)) {
        Some(Expr::Ident(id)) => Some(id.sym.to_string()),
        _ => None,
    };
    (call.args.len() == 3
        && param(0).is_some()
        && arg(0).as_deref() == param(0)
        && arg(1).as_deref() == param(1))
    .then_some(call)
}

/// Every use of the handler's `req` and `res`, sorted into what the advanced form allows.
#[derive(Default)]
struct AdvancedUses {
    /// `req.query.nextauth` member expressions.
    nextauth_reads: Vec<Range<usize>>,
    /// `res` as NextAuth's second argument.
    response_args: Vec<Range<usize>>,
    problems: Vec<Diagnostic>,
    /// `NextAuth(…)` calls not returned directly.
    returns: Vec<Range<usize>>,
}

struct AdvancedScan<'f> {
    file: &'f ParsedFile,
    req: String,
    res: String,
    uses: AdvancedUses,
    /// Identifier positions already accounted for.
    allowed: Vec<Range<usize>>,
    nested_function: usize,
}

impl Visit for AdvancedScan<'_> {
    fn visit_call_expr(&mut self, call: &CallExpr) {
        if calls_export(self.file, call, &SOURCES, "default") && call.args.len() == 3 {
            let is = |i: usize, name: &str| matches!(strip_parens(&call.args[i].expr), Expr::Ident(id) if *id.sym == *name);
            if is(0, &self.req) && is(1, &self.res) {
                self.allowed.push(self.file.range(call.args[0].expr.span()));
                let res = self.file.range(call.args[1].expr.span());
                self.allowed.push(res.clone());
                self.uses.response_args.push(res);
            }
        }
        call.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, member: &MemberExpr) {
        // req.query.nextauth
        if let (Expr::Member(inner), Some("nextauth")) =
            (strip_parens(&member.obj), member_prop(&member.prop))
        {
            if matches!(strip_parens(&inner.obj), Expr::Ident(id) if *id.sym == *self.req)
                && member_prop(&inner.prop) == Some("query")
            {
                self.allowed.push(self.file.range(inner.obj.span()));
                self.uses.nextauth_reads.push(self.file.range(member.span));
                return;
            }
        }
        // req.method is the same string on a NextRequest.
        if matches!(strip_parens(&member.obj), Expr::Ident(id) if *id.sym == *self.req)
            && member_prop(&member.prop) == Some("method")
        {
            self.allowed.push(self.file.range(member.obj.span()));
        }
        member.visit_children_with(self);
    }

    fn visit_ident(&mut self, ident: &Ident) {
        let range = self.file.range(ident.span);
        if self.allowed.contains(&range) {
            return;
        }
        if *ident.sym == *self.req {
            self.uses.problems.push(
                Diagnostic::manual(
                    "manual/next-auth-advanced-request",
                    format!("the handler uses `{}` for more than NextAuth's arguments, `{0}.method` and `{0}.query.nextauth`", self.req),
                )
                .with_help("in a route handler it is a Web `Request` (NextRequest): rewrite this use (headers with `.get()`, search params through `req.nextUrl.searchParams`), then convert the route by hand")
                .at(self.file.location_of(ident.span)),
            );
        } else if *ident.sym == *self.res {
            self.uses.problems.push(
                Diagnostic::manual(
                    "manual/next-auth-advanced-response",
                    format!("the handler uses `{}` for more than NextAuth's second argument", self.res),
                )
                .with_help("a route handler has no response object: return a `Response` for this path instead, then convert the route by hand")
                .at(self.file.location_of(ident.span)),
            );
        }
    }

    fn visit_return_stmt(&mut self, stmt: &ReturnStmt) {
        if self.nested_function == 0 {
            let returns_call = stmt.arg.as_deref().is_some_and(|arg| {
                let arg = match strip_parens(arg) {
                    Expr::Await(a) => strip_parens(&a.arg),
                    other => other,
                };
                matches!(arg, Expr::Call(call) if calls_export(self.file, call, &SOURCES, "default"))
            });
            if !returns_call {
                self.uses.returns.push(self.file.range(stmt.span));
            }
        }
        stmt.visit_children_with(self);
    }

    fn visit_function(&mut self, function: &swc_ecma_ast::Function) {
        self.nested_function += 1;
        function.visit_children_with(self);
        self.nested_function -= 1;
    }

    fn visit_arrow_expr(&mut self, arrow: &swc_ecma_ast::ArrowExpr) {
        self.nested_function += 1;
        arrow.visit_children_with(self);
        self.nested_function -= 1;
    }
}

fn convert_advanced(input: &AdapterInput, handler: &Handler) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    let notes = preconditions(input, file.range(handler.function_span))?;
    let (Some(req), Some(res)) = (
        handler
            .params
            .first()
            .and_then(|p| super::super::param_name(p)),
        handler
            .params
            .get(1)
            .and_then(|p| super::super::param_name(p)),
    ) else {
        return Err(vec![shape_problem(
            file,
            handler.function_span,
            "its parameters are not plain names",
        )]);
    };
    if handler.params.len() != 2 {
        return Err(vec![shape_problem(
            file,
            handler.function_span,
            "it does not take exactly `(req, res)`",
        )]);
    }
    let mut scan = AdvancedScan {
        file,
        req: req.to_string(),
        res: res.to_string(),
        uses: AdvancedUses::default(),
        allowed: Vec::new(),
        nested_function: 0,
    };
    match handler.body {
        HandlerBody::Block(block) => {
            for stmt in &block.stmts {
                stmt.visit_with(&mut scan);
            }
            let ends_with_return =
                matches!(block.stmts.last(), Some(swc_ecma_ast::Stmt::Return(_)));
            if !ends_with_return {
                scan.uses.problems.push(shape_problem(
                    file,
                    handler.function_span,
                    "it does not end by returning `NextAuth(req, res, options)`",
                ));
            }
        }
        HandlerBody::Expr(expr) => expr.visit_with(&mut scan),
    }
    let mut uses = scan.uses;
    for range in &uses.returns {
        uses.problems.push(
            Diagnostic::manual(
                "manual/next-auth-advanced-shape",
                "this return does not return `NextAuth(req, res, options)`",
            )
            .with_help("a route handler must return a `Response` on every path: return one here, then convert the route by hand")
            .at(file.location(range.start)),
        );
    }
    if !uses.problems.is_empty() {
        return Err(uses.problems);
    }

    let style = file_style(file);
    let typescript = file.language.is_typescript();
    let mut taken = taken_names(file);
    let context_name = super::super::fresh_name(&mut taken, "context");
    let mut edits = Vec::new();
    // Parameters: (req: NextRequest, context: { params: Promise<{ nextauth: string[] }> }).
    let (req_param, res_param) = (handler.params[0], handler.params[1]);
    if typescript {
        edits.push(Edit::replace(
            param_range(file, req_param),
            format!("{req}: NextRequest"),
        ));
        edits.push(Edit::replace(
            param_range(file, res_param),
            format!(
                "{context_name}: {{ params: Promise<{}> }}",
                input.context.route.params_type()
            ),
        ));
    } else {
        edits.push(Edit::replace(
            param_range(file, res_param),
            context_name.clone(),
        ));
    }
    for arg in &uses.response_args {
        edits.push(Edit::replace(arg.clone(), context_name.clone()));
    }
    for read in &uses.nextauth_reads {
        edits.push(Edit::replace(
            read.clone(),
            format!("(await {context_name}.params).nextauth"),
        ));
    }
    if !uses.nextauth_reads.is_empty() && !handler.is_async {
        edits.push(Edit::insert(
            file.offset(handler.function_span.lo),
            "async ",
        ));
    }
    // The declaration: named and exported for GET and POST.
    let name = match (&handler.declaration, &handler.name) {
        // `find_handler` does not look through project wrappers.
        (Declaration::Wrapped { .. }, _) => {
            return Err(vec![shape_problem(
                input.file,
                handler.function_span,
                "the NextAuth function is wrapped",
            )])
        }
        (Declaration::DefaultExport { arrow: false, .. }, Some(name))
        | (Declaration::Declared { .. }, Some(name)) => name.clone(),
        _ => super::super::fresh_name(&mut taken, "handler"),
    };
    edits.extend(render::export_edits(
        file,
        handler,
        &name,
        &GET_AND_POST,
        true,
        &style,
    )?);
    finish(
        input,
        AdapterRewrite {
            edits,
            methods: GET_AND_POST.to_vec(),
            notes,
            request_type: true,
        },
    )
}

fn shape_problem(file: &ParsedFile, span: swc_common::Span, why: &str) -> Diagnostic {
    Diagnostic::manual(
        "manual/next-auth-advanced-shape",
        format!("the handler calls `NextAuth(req, res, options)` but {why}"),
    )
    .with_help("the App Router form is `async function auth(req: NextRequest, ctx) { … return NextAuth(req, ctx, authOptions) }` exported as GET and POST: convert this route by hand")
    .at(file.location_of(span))
}

/// A parameter with its type annotation: swc's span of a typed name covers the name only.
pub(super) fn param_range(file: &ParsedFile, pat: &Pat) -> Range<usize> {
    let range = file.range(pat.span());
    match pat {
        Pat::Ident(binding) => match &binding.type_ann {
            Some(annotation) => range.start..file.offset(annotation.span.hi).max(range.end),
            None => range,
        },
        _ => range,
    }
}

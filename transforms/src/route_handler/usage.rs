//! Every use of the handler's `req` and `res`, classified into what converts and what does not.
//!
//! Converted: `req.method`, `req.query` (members, destructuring, the whole object), `req.body`,
//! header and cookie reads, `req.url`, raw-body readers from `micro`/`raw-body` when the body
//! parser is off; response calls (`res.status(n).json/send/end`, `res.json`, `res.send`,
//! `res.end`, `res.redirect`) as statements or returned, `res.setHeader`, `res.status(n)` and
//! `res.statusCode = n` as statements. Anything else that touches `req` or `res` (helpers,
//! callbacks, streams, other members) is reported with its place, and the file is left as is.

use std::collections::HashMap;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, AssignExpr, BindingIdent, Callee, Expr, ExprOrSpread, Function, KeyValueProp, Lit,
    MemberExpr, MemberProp, ModuleDecl, ModuleItem, ObjectPatProp, Pat, PropName, ReturnStmt,
    SimpleAssignTarget, Stmt, Tpl, VarDeclarator,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::helpers::{HelperCall, Helpers};
use crate::ast::{is_ident, member_prop, strip_parens};
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMethod {
    Json,
    Send,
    End,
    Redirect,
}

/// `res[.status(s)].json|send|end|redirect(args)`, as spans.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseCall {
    pub span: Span,
    pub status: Option<Span>,
    /// The status when it is a number literal.
    pub status_literal: Option<f64>,
    pub method: ResponseMethod,
    pub args: Vec<Span>,
}

/// `obj.prop(args)` with `obj` matching `object`.
fn method_call(
    expr: &Expr,
    object: impl Fn(&Expr) -> bool,
) -> Option<(&str, &[ExprOrSpread], &MemberExpr)> {
    let Expr::Call(call) = strip_parens(expr) else {
        return None;
    };
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(member) = &**callee else {
        return None;
    };
    if !object(&member.obj) {
        return None;
    }
    Some((member_prop(&member.prop)?, &call.args, member))
}

/// What sends the response in a function: calls on `res`, and helpers that send it.
#[derive(Clone, Copy)]
pub struct Responder<'a> {
    pub req: &'a str,
    pub res: &'a str,
    pub helpers: &'a Helpers,
}

impl Responder<'_> {
    /// `expr` sends the response (`res.json(x)`, `ok(res, x)` of a response helper).
    pub fn sends(&self, expr: &Expr) -> bool {
        response_call(expr, self.res).is_some()
            || self.helpers.responds(expr, self.req, self.res)
            || super::special::pipe_to(expr, self.res).is_some()
    }
}

/// Recognises a response call on `res`.
pub fn response_call(expr: &Expr, res: &str) -> Option<ResponseCall> {
    response_parts(expr, res).map(|(call, _, _)| call)
}

/// A response call with its status expression and arguments.
fn response_parts<'a>(
    expr: &'a Expr,
    res: &str,
) -> Option<(ResponseCall, Option<&'a Expr>, &'a [ExprOrSpread])> {
    let expr = match strip_parens(expr) {
        Expr::Await(a) => strip_parens(&a.arg),
        other => other,
    };
    let (name, args, member) = method_call(expr, |obj| {
        is_ident(obj, res)
            || method_call(obj, |o| is_ident(o, res))
                .is_some_and(|(n, a, _)| n == "status" && a.len() == 1)
    })?;
    let method = match name {
        "json" => ResponseMethod::Json,
        "send" => ResponseMethod::Send,
        "end" => ResponseMethod::End,
        "redirect" => ResponseMethod::Redirect,
        _ => return None,
    };
    let status = method_call(&member.obj, |o| is_ident(o, res))
        .map(|(_, status_args, _)| &*status_args[0].expr);
    let status_literal = match status.map(strip_parens) {
        Some(Expr::Lit(Lit::Num(n))) => Some(n.value),
        _ => None,
    };
    let call = ResponseCall {
        span: expr.span(),
        status: status.map(Spanned::span),
        status_literal,
        method,
        args: args.iter().map(|a| a.expr.span()).collect(),
    };
    Some((call, status, args))
}

/// How a header value is written: a plain string can go to `Headers.set`; anything else (arrays,
/// numbers, variables) goes through the compat `setHeader`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderValue {
    String,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawBodyRead {
    Buffer,
    Text,
    Json,
}

/// Where a replaced expression sits, which decides whether it needs parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A slot where any expression fits unparenthesised (an initializer, an argument, …).
    Safe,
    /// The object of a member access (`x.length`, `x?.split()`).
    Object,
    /// Where `null` and `undefined` behave alike: the left of `??` or `||`, a condition, the
    /// operand of `!`.
    Nullish,
    Other,
}

#[derive(Debug, Clone)]
pub enum UseKind {
    /// A response call as a statement (`stmt` is the statement) or returned / an arrow's body.
    Response {
        call: ResponseCall,
        expr: Span,
        stmt: Option<Span>,
    },
    /// `res.setHeader(name, value)` as a statement.
    SetHeader {
        call: Span,
        callee: Span,
        first_arg: Span,
        value: HeaderValue,
    },
    /// `res.status(n)` as a statement.
    StatusStatement {
        call: Span,
        arg: Span,
    },
    /// `res.statusCode` read or assigned.
    StatusCode {
        member: Span,
    },
    /// `req.query` as a whole object.
    QueryWhole {
        member: Span,
    },
    /// `req.query.key` / `req.query['key']` (`key` None when computed).
    QueryKey {
        member: Span,
        key: Option<String>,
    },
    /// `const { a, b } = req.query`.
    QueryDestructure {
        member: Span,
        keys: Vec<String>,
        rest: bool,
    },
    Body {
        member: Span,
    },
    Header {
        member: Span,
        key: String,
        position: Position,
    },
    Cookie {
        member: Span,
        key: String,
        position: Position,
    },
    Url {
        member: Span,
        position: Position,
    },
    RawBody {
        expr: Span,
        read: RawBodyRead,
    },
    /// Streams, revalidation and draft mode, converted by their own modules (see `special`).
    Special(super::special::SpecialUse),
    /// A call handing `req`/`res` to a helper with a known App Router form (`stmt` as for
    /// [`UseKind::Response`] when the helper sends the response).
    HelperCall {
        call: Span,
        callee: Span,
        args: Vec<Span>,
        helper: HelperCall,
        stmt: Option<Span>,
    },
    /// A CORS middleware run through the compat adapter (`cors.rs`).
    Cors(super::cors::CorsUse),
    /// `req` handed to formidable, as a Node request stream (`upload.rs`).
    NodeRequest(super::upload::NodeRequestUse),
    /// `req.headers` handed whole to svix's `verify` (`webhook.rs`).
    HeadersObject {
        member: Span,
    },
    /// `await useAuth(req, res)` of a project next-basics middleware (`middleware.rs`).
    Middleware(super::middleware::MiddlewareUse),
    /// `req.auth`: a value a middleware set on the request, which stays there.
    MiddlewareField {
        member: Span,
        field: String,
    },
}

#[derive(Debug, Clone)]
pub struct Use {
    pub kind: UseKind,
    /// Inside a function nested in the handler.
    pub nested: bool,
}

impl Use {
    pub fn offset_span(&self) -> Span {
        match &self.kind {
            UseKind::Response { expr, stmt, .. } => stmt.unwrap_or(*expr),
            UseKind::SetHeader { call, .. } | UseKind::StatusStatement { call, .. } => *call,
            UseKind::StatusCode { member }
            | UseKind::QueryWhole { member }
            | UseKind::QueryKey { member, .. }
            | UseKind::QueryDestructure { member, .. }
            | UseKind::Body { member }
            | UseKind::Header { member, .. }
            | UseKind::Cookie { member, .. }
            | UseKind::Url { member, .. } => *member,
            UseKind::RawBody { expr, .. } => *expr,
            UseKind::HelperCall { call, stmt, .. } => stmt.unwrap_or(*call),
            UseKind::Special(special) => special.span(),
            UseKind::Cors(cors) => cors.stmt,
            UseKind::NodeRequest(upload) => upload.arg,
            UseKind::HeadersObject { member } => *member,
            UseKind::Middleware(middleware) => middleware.stmt,
            UseKind::MiddlewareField { member, .. } => *member,
        }
    }
}

pub struct UsageInput<'a> {
    pub file: &'a ParsedFile,
    pub req: Option<&'a str>,
    pub res: Option<&'a str>,
    /// The body parser is off (`config.api.bodyParser === false`).
    pub raw_body: bool,
    pub helpers: &'a Helpers,
}

pub struct Usage {
    pub uses: Vec<Use>,
    pub problems: Vec<Diagnostic>,
}

/// Local names imported from raw-body reading libraries, and what they read.
fn raw_body_readers(file: &ParsedFile) -> HashMap<String, RawBodyRead> {
    let mut readers = HashMap::new();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        let source = import.src.value.as_str().unwrap_or_default();
        for specifier in &import.specifiers {
            use swc_ecma_ast::ImportSpecifier;
            match (source, specifier) {
                ("micro", ImportSpecifier::Named(named)) => {
                    let imported = match &named.imported {
                        Some(swc_ecma_ast::ModuleExportName::Ident(id)) => id.sym.to_string(),
                        Some(swc_ecma_ast::ModuleExportName::Str(s)) => {
                            s.value.as_str().unwrap_or_default().to_string()
                        }
                        None => named.local.sym.to_string(),
                    };
                    let read = match imported.as_str() {
                        "buffer" => RawBodyRead::Buffer,
                        "text" => RawBodyRead::Text,
                        "json" => RawBodyRead::Json,
                        _ => continue,
                    };
                    readers.insert(named.local.sym.to_string(), read);
                }
                ("raw-body", ImportSpecifier::Default(default)) => {
                    readers.insert(default.local.sym.to_string(), RawBodyRead::Buffer);
                }
                _ => {}
            }
        }
    }
    readers
}

pub fn scan(input: &UsageInput<'_>, stmts: &[Stmt], expr_body: Option<&Expr>) -> Usage {
    let mut scanner = Scanner {
        file: input.file,
        req: input.req.unwrap_or("\u{0}"),
        res: input.res.unwrap_or("\u{0}"),
        raw_body: input.raw_body,
        readers: raw_body_readers(input.file),
        helpers: input.helpers,
        cors: super::cors::CorsBindings::find(input.file),
        uploads: super::upload::UploadBindings::find(input.file),
        webhooks: super::webhook::WebhookBindings::find(input.file),
        middlewares: super::middleware::MiddlewareBindings::find(input.file, input.helpers),
        depth: 0,
        safe: Vec::new(),
        nullish: Vec::new(),
        uses: Vec::new(),
        problems: Vec::new(),
    };
    for stmt in stmts {
        stmt.visit_with(&mut scanner);
    }
    if let Some(expr) = expr_body {
        match response_parts(expr, scanner.res) {
            Some((call, status, args)) => {
                scanner.uses.push(Use {
                    kind: UseKind::Response {
                        call,
                        expr: expr.span(),
                        stmt: None,
                    },
                    nested: false,
                });
                scanner.visit_response_args(status, args);
            }
            None => scanner.visit_expr(expr),
        }
    }
    Usage {
        uses: scanner.uses,
        problems: scanner.problems,
    }
}

struct Scanner<'a, 'f> {
    file: &'f ParsedFile,
    req: &'a str,
    res: &'a str,
    raw_body: bool,
    readers: HashMap<String, RawBodyRead>,
    helpers: &'a Helpers,
    cors: super::cors::CorsBindings,
    uploads: super::upload::UploadBindings,
    webhooks: super::webhook::WebhookBindings,
    middlewares: super::middleware::MiddlewareBindings,
    depth: usize,
    /// Spans of expressions sitting in a safe slot.
    safe: Vec<Span>,
    /// Spans of expressions where `null` and `undefined` behave alike.
    nullish: Vec<Span>,
    uses: Vec<Use>,
    problems: Vec<Diagnostic>,
}

impl Scanner<'_, '_> {
    fn push(&mut self, kind: UseKind) {
        self.uses.push(Use {
            kind,
            nested: self.depth > 0,
        });
    }

    fn problem(&mut self, span: Span, code: &str, message: String, help: &str) {
        let location = self.file.location_of(span);
        if self
            .problems
            .iter()
            .any(|p| p.location.as_ref() == Some(&location) && p.code == code)
        {
            return;
        }
        self.problems.push(
            Diagnostic::manual(code, message)
                .with_help(help)
                .at(location),
        );
    }

    /// The source of a construct for a message: whitespace collapsed, cut at 48 characters.
    fn short(&self, span: Span) -> String {
        let text = crate::text::one_line(self.file.slice(span));
        let text = text
            .replace(" .", ".")
            .replace("( ", "(")
            .replace(" )", ")");
        if text.chars().count() > 48 {
            format!("{}…", text.chars().take(48).collect::<String>())
        } else {
            text
        }
    }

    fn position(&mut self, span: Span) -> Position {
        if let Some(index) = self.nullish.iter().rposition(|s| *s == span) {
            self.nullish.remove(index);
            Position::Nullish
        } else if let Some(index) = self.safe.iter().rposition(|s| *s == span) {
            self.safe.remove(index);
            Position::Safe
        } else {
            Position::Other
        }
    }

    fn visit_nullish(&mut self, expr: &Expr) {
        self.nullish.push(expr.span());
        self.visit_expr(expr);
    }

    fn visit_safe(&mut self, expr: &Expr) {
        self.safe.push(expr.span());
        self.visit_expr(expr);
    }

    fn is_req(&self, expr: &Expr) -> bool {
        is_ident(expr, self.req)
    }

    fn is_res(&self, expr: &Expr) -> bool {
        is_ident(expr, self.res)
    }

    /// `req.<name>`
    fn is_req_member(&self, expr: &Expr, name: &str) -> bool {
        matches!(strip_parens(expr), Expr::Member(m) if self.is_req(&m.obj) && member_prop(&m.prop) == Some(name))
    }

    fn mentions_res(&self, expr: &Expr) -> bool {
        let mut finder = IdentFinder {
            name: self.res,
            found: false,
        };
        expr.visit_with(&mut finder);
        finder.found
    }

    fn mentions_req_or_res(&self, expr: &Expr) -> bool {
        struct Finder<'n> {
            names: [&'n str; 2],
            found: bool,
        }
        impl Visit for Finder<'_> {
            fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
                if self.names.contains(&&*ident.sym) {
                    self.found = true;
                }
            }
        }
        let mut finder = Finder {
            names: [self.req, self.res],
            found: false,
        };
        expr.visit_with(&mut finder);
        finder.found
    }

    fn visit_response_args(&mut self, status: Option<&Expr>, args: &[ExprOrSpread]) {
        if let Some(status) = status {
            if self.mentions_req_or_res(status) {
                self.problem(
                    status.span(),
                    "manual/status-from-request",
                    format!(
                        "the status `{}` is computed from `req`/`res`",
                        self.short(status.span())
                    ),
                    "compute the status into a variable first, then run routeshift again",
                );
            }
        }
        for arg in args {
            if arg.spread.is_some() {
                self.problem(
                    arg.expr.span(),
                    "manual/response-spread",
                    "a response call with spread arguments".into(),
                    "convert this route by hand",
                );
            }
            self.visit_safe(&arg.expr);
        }
        {
            if let Some(first) = args.first().filter(|_| args.len() == 2) {
                if self.mentions_req_or_res(&first.expr) {
                    self.problem(
                        first.expr.span(),
                        "manual/status-from-request",
                        "the redirect status is computed from `req`/`res`".into(),
                        "compute it into a variable first",
                    );
                }
            }
        }
    }

    /// A key as source text of a string, for `get(<key>)`.
    fn key_of(&self, prop: &MemberProp) -> Option<String> {
        match prop {
            MemberProp::Ident(id) => Some(format!("'{}'", id.sym)),
            MemberProp::Computed(computed) => {
                Some(self.file.slice(computed.expr.span()).to_string())
            }
            MemberProp::PrivateName(_) => None,
        }
    }

    fn literal_key(prop: &MemberProp) -> Option<String> {
        match prop {
            MemberProp::Ident(id) => Some(id.sym.to_string()),
            MemberProp::Computed(computed) => match &*computed.expr {
                Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_string),
                _ => None,
            },
            MemberProp::PrivateName(_) => None,
        }
    }

    fn visit_computed(&mut self, prop: &MemberProp) {
        if let MemberProp::Computed(computed) = prop {
            self.visit_expr(&computed.expr);
        }
    }

    /// A member expression rooted at `req` or `res`, or containing one as its object.
    fn member(&mut self, member: &MemberExpr, position: Position) {
        let obj = strip_parens(&member.obj);
        // `req.headers.x`, `req.cookies.x`, `req.query.x`
        if self.is_req_member(obj, "headers") || self.is_req_member(obj, "cookies") {
            let Some(key) = self.key_of(&member.prop) else {
                return;
            };
            let kind = if self.is_req_member(obj, "headers") {
                UseKind::Header {
                    member: member.span,
                    key,
                    position,
                }
            } else {
                UseKind::Cookie {
                    member: member.span,
                    key,
                    position,
                }
            };
            self.push(kind);
            self.visit_computed(&member.prop);
            return;
        }
        if self.is_req_member(obj, "query") {
            let key = Self::literal_key(&member.prop);
            self.push(UseKind::QueryKey {
                member: obj.span(),
                key,
            });
            self.visit_computed(&member.prop);
            return;
        }
        // `<header read>.x`: the read is the object of this member.
        if let Expr::Member(inner) = obj {
            let inner_obj = strip_parens(&inner.obj);
            if self.is_req_member(inner_obj, "headers")
                || self.is_req_member(inner_obj, "cookies")
                || self.is_req_member(obj, "url")
            {
                self.member(inner, Position::Object);
                self.visit_computed(&member.prop);
                return;
            }
        }
        if self.is_req(obj) {
            match member_prop(&member.prop) {
                Some("method") => {}
                Some("query") => self.push(UseKind::QueryWhole { member: member.span }),
                Some("body") if !self.raw_body => self.push(UseKind::Body { member: member.span }),
                Some("body") => self.problem(
                    member.span,
                    "manual/body-without-parser",
                    "`req.body` is read although the body parser is off (it is `undefined` in Pages)".into(),
                    "read the raw body with `request.text()` or `request.arrayBuffer()` by hand",
                ),
                Some("url") => self.push(UseKind::Url { member: member.span, position }),
                Some(field)
                    if super::middleware::sets_field(
                        self.helpers,
                        &self.middlewares.locals,
                        field,
                    ) =>
                {
                    self.push(UseKind::MiddlewareField {
                        member: member.span,
                        field: field.to_string(),
                    })
                }
                Some(name @ ("headers" | "cookies")) => self.problem(
                    member.span,
                    &format!("manual/req-{name}-object"),
                    format!("`{}` is used as a whole object", self.short(member.span)),
                    "read single values (`req.headers['x']`, `req.cookies.x`) or convert this use by hand",
                ),
                Some(name) => self.problem(
                    member.span,
                    &format!("manual/req-{}", kebab(name)),
                    format!("`{}` has no automatic App Router equivalent", self.short(member.span)),
                    "convert this use by hand (see the semantics reference §2 for the Web Request equivalent)",
                ),
                None => self.problem(member.span, "manual/req-computed", "a computed member of `req`".into(), "convert this use by hand"),
            }
            self.visit_computed(&member.prop);
            return;
        }
        if self.is_res(obj) {
            match member_prop(&member.prop) {
                Some("statusCode") if self.depth == 0 => self.push(UseKind::StatusCode {
                    member: member.span,
                }),
                Some(name) => self.problem(
                    member.span,
                    &format!("manual/res-{}", kebab(name)),
                    format!(
                        "`{}` has no automatic Route Handler equivalent here",
                        self.short(member.span)
                    ),
                    res_help(name),
                ),
                None => self.problem(
                    member.span,
                    "manual/res-computed",
                    "a computed member of `res`".into(),
                    "convert this use by hand",
                ),
            }
            self.visit_computed(&member.prop);
            return;
        }
        member.visit_children_with(self);
    }

    fn statement(&mut self, stmt: &Stmt) -> bool {
        match self.middlewares.statement(
            self.file,
            stmt,
            self.req,
            self.res,
            self.depth > 0,
            self.helpers,
        ) {
            Some(Ok(super::middleware::MiddlewareStatement::Callback(middleware))) => {
                self.push(UseKind::Middleware(middleware));
                return true;
            }
            Some(Ok(super::middleware::MiddlewareStatement::Cors(cors))) => {
                self.push(UseKind::Cors(cors));
                return true;
            }
            Some(Err((span, code, message, help))) => {
                self.problem(span, code, message, help);
                return true;
            }
            None => {}
        }
        match self
            .cors
            .statement(stmt, self.req, self.res, self.depth > 0)
        {
            Some(Ok(cors)) => {
                self.push(UseKind::Cors(cors));
                return true;
            }
            Some(Err((span, code, message, help))) => {
                self.problem(span, code, message, help);
                return true;
            }
            None => {}
        }
        let expr = match stmt {
            Stmt::Expr(e) => &*e.expr,
            Stmt::Return(ReturnStmt {
                arg: Some(arg),
                span,
            }) => {
                if self.helper_statement(arg, None) || self.special_statement(*span, arg, true) {
                    return true;
                }
                if let Some((call, status, args)) = response_parts(arg, self.res) {
                    if self.depth > 0 {
                        self.in_callback(*span);
                    } else {
                        self.push(UseKind::Response {
                            call,
                            expr: arg.span(),
                            stmt: None,
                        });
                    }
                    self.visit_response_args(status, args);
                    return true;
                }
                return false;
            }
            _ => return false,
        };
        if self.helper_statement(expr, Some(stmt.span()))
            || self.special_statement(stmt.span(), expr, false)
        {
            return true;
        }
        if let Some((call, status, args)) = response_parts(expr, self.res) {
            if self.depth > 0 {
                self.in_callback(stmt.span());
            } else {
                self.push(UseKind::Response {
                    call,
                    expr: expr.span(),
                    stmt: Some(stmt.span()),
                });
            }
            self.visit_response_args(status, args);
            return true;
        }
        if let Some((name, args, member)) = method_call(expr, |o| self.is_res(o)) {
            match (name, args) {
                ("setHeader", [key, value]) if key.spread.is_none() && value.spread.is_none() => {
                    if self.depth > 0 {
                        self.in_callback(stmt.span());
                    } else {
                        let value_kind = match strip_parens(&value.expr) {
                            Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => HeaderValue::String,
                            _ => HeaderValue::Other,
                        };
                        self.push(UseKind::SetHeader {
                            call: expr.span(),
                            callee: member.span,
                            first_arg: key.expr.span(),
                            value: value_kind,
                        });
                    }
                    self.visit_safe(&key.expr);
                    self.visit_safe(&value.expr);
                    return true;
                }
                ("status", [arg]) if arg.spread.is_none() => {
                    if self.depth > 0 {
                        self.in_callback(stmt.span());
                    } else {
                        self.push(UseKind::StatusStatement {
                            call: expr.span(),
                            arg: arg.expr.span(),
                        });
                    }
                    self.visit_safe(&arg.expr);
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    /// A statement converted by `special` (streams, draft mode); `returned` for `return expr`.
    fn special_statement(&mut self, stmt: Span, expr: &Expr, returned: bool) -> bool {
        let Some(found) =
            super::special::recognize_statement(stmt, expr, returned, self.req, self.res)
        else {
            return false;
        };
        if self.depth > 0 && found.use_.top_level_only() {
            self.in_callback(stmt);
        } else {
            self.push(UseKind::Special(found.use_));
        }
        for inner in found.visit {
            self.visit_safe(inner);
        }
        true
    }

    /// A response helper's call as a statement (`stmt`) or returned (`ok(res, data)`).
    fn helper_statement(&mut self, expr: &Expr, stmt: Option<Span>) -> bool {
        let inner = match strip_parens(expr) {
            Expr::Await(a) => strip_parens(&a.arg),
            other => other,
        };
        let Expr::Call(call) = inner else {
            return false;
        };
        let Some(helper) = self.helpers.matching(call, self.req, self.res) else {
            return false;
        };
        if !helper.responds {
            return false;
        }
        let helper = helper.clone();
        if self.depth > 0 {
            self.in_callback(stmt.unwrap_or(call.span));
        } else {
            self.helper_call(call, helper, stmt);
        }
        true
    }

    /// Records a helper call and visits the arguments it keeps.
    fn helper_call(
        &mut self,
        call: &swc_ecma_ast::CallExpr,
        mut helper: HelperCall,
        stmt: Option<Span>,
    ) {
        if let Some(library) = &mut helper.library_response {
            match super::next_basics::check(call, library.response, self.req, self.res) {
                Ok(checked) => *library = checked,
                Err((code, message, help)) => return self.problem(call.span, code, message, help),
            }
        }
        let kept: Vec<&ExprOrSpread> = call
            .args
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != helper.req_at && Some(*i) != helper.res_at)
            .map(|(_, a)| a)
            .collect();
        self.push(UseKind::HelperCall {
            call: call.span,
            callee: call.callee.span(),
            args: call.args.iter().map(|a| a.expr.span()).collect(),
            helper,
            stmt,
        });
        for arg in kept {
            self.visit_safe(&arg.expr);
        }
    }

    /// Calls of libraries that take `req` (or `req.headers`) whole and have an adapter:
    /// formidable's `parse`, svix's `verify`; CORS middleware in a form that does not convert.
    fn library_call(&mut self, call: &swc_ecma_ast::CallExpr) -> bool {
        let adapted = if let Some(upload) = self.uploads.parse_call(call, self.req) {
            let answers_in_callback = call.args.iter().skip(1).any(|arg| {
                matches!(&*arg.expr, Expr::Arrow(_) | Expr::Fn(_)) && self.mentions_res(&arg.expr)
            });
            if answers_in_callback {
                self.problem(
                    call.span,
                    "manual/upload-response-in-callback",
                    "the response is sent from formidable's `parse` callback".into(),
                    "a Route Handler must return its Response: use `const [fields, files] = await form.parse(req)` (formidable v3), or resolve a Promise in the callback and answer after it, then run routeshift again",
                );
                return true;
            }
            if !self.raw_body {
                self.problem(
                    call.span,
                    "manual/upload-body-parser-on",
                    "formidable parses the request stream, but the body parser is on (Pages had already read the body)".into(),
                    "set `config.api.bodyParser = false` as formidable requires, or convert this route by hand",
                );
            }
            let arg = upload.arg;
            self.push(UseKind::NodeRequest(upload));
            arg
        } else if let Some(member) = self.webhooks.verified_headers(call, self.req) {
            self.push(UseKind::HeadersObject { member });
            member
        } else if let Some((span, code, message, help)) =
            self.cors.other_use(call, self.req, self.res)
        {
            self.problem(span, code, message, help);
            return true;
        } else {
            return false;
        };
        call.callee.visit_with(self);
        for arg in &call.args {
            let inner = crate::ast::unwrap_expr(&arg.expr).span();
            if inner != adapted {
                self.visit_expr_or_spread(arg);
            }
        }
        true
    }

    /// `req` or `res` handed on as a whole (to a helper, in an object, …): `what` says how.
    fn passed(&mut self, span: Span, name: &str, what: String) {
        let which = if name == self.req { "req" } else { "res" };
        self.problem(
            span,
            &format!("manual/{which}-passed"),
            format!("`{name}` {what}"),
            "routeshift knows the App Router form of next-auth's `getServerSession`, of next-basics' response helpers and of the project's own helpers (parameters typed `NextApiRequest` or `NextApiResponse`; every path sending the response, or none); for anything else, pass what the function needs instead of req/res, or convert this route by hand",
        );
    }

    fn in_callback(&mut self, span: Span) {
        self.problem(
            span,
            "manual/res-in-callback",
            format!("`{}` answers from inside a nested function", self.short(span)),
            "a Route Handler must return its Response; restructure so the handler itself returns, or convert by hand",
        );
    }
}

impl Scanner<'_, '_> {
    /// Visits a nested function. When it declares its own `req` or `res` (a parameter, or a
    /// variable in its body: `.then((res) => res.text())`), that name means something else
    /// inside it and is not tracked there.
    fn nested(&mut self, bound: &[String], visit: impl FnOnce(&mut Self)) {
        let (req, res) = (self.req, self.res);
        if bound.iter().any(|n| n == req) {
            self.req = "\u{0}";
        }
        if bound.iter().any(|n| n == res) {
            self.res = "\u{0}";
        }
        self.depth += 1;
        visit(self);
        self.depth -= 1;
        self.req = req;
        self.res = res;
    }
}

/// Finds a use of one name.
struct IdentFinder<'n> {
    name: &'n str,
    found: bool,
}

impl Visit for IdentFinder<'_> {
    fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
        self.found |= &*ident.sym == self.name;
    }
}

fn res_help(name: &str) -> &'static str {
    match name {
        "write" | "writeHead" | "flushHeaders" | "pipe" => {
            "routeshift streams `res.write` statements of the handler itself and `source.pipe(res)` as its last statement; stream with `new Response(ReadableStream)` by hand otherwise"
        }
        "revalidate" => {
            "keep this route in pages/api while it revalidates Pages Router paths (reference §3.7)"
        }
        "setPreviewData" => {
            "draft mode carries no payload: use `(await draftMode()).enable()` from next/headers and a cookie of your own for the data"
        }
        "clearPreviewData" | "setDraftMode" => {
            "routeshift converts `res.setDraftMode({ enable: true | false })` and `res.clearPreviewData()` as statements; use `draftMode()` from next/headers by hand otherwise"
        }
        "getHeader" | "removeHeader" | "hasHeader" | "appendHeader" => {
            "build the response headers by hand"
        }
        _ => "convert this use by hand",
    }
}

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Visit for Scanner<'_, '_> {
    fn visit_stmt(&mut self, stmt: &Stmt) {
        if !self.statement(stmt) {
            stmt.visit_children_with(self);
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        let position = self.position(expr.span());
        match expr {
            Expr::Member(member) => return self.member(member, position),
            Expr::Ident(ident) if &*ident.sym == self.req || &*ident.sym == self.res => {
                self.passed(
                    ident.span,
                    &ident.sym,
                    "is used directly, not through one of its members".to_string(),
                );
                return;
            }
            Expr::Await(await_expr) => {
                if let Expr::Call(call) = strip_parens(&await_expr.arg) {
                    if let (Callee::Expr(callee), [arg]) = (&call.callee, call.args.as_slice()) {
                        if let Expr::Ident(name) = &**callee {
                            if let Some(read) = self.readers.get(&*name.sym).copied() {
                                if self.is_req(&arg.expr) && self.raw_body {
                                    self.push(UseKind::RawBody {
                                        expr: expr.span(),
                                        read,
                                    });
                                    return;
                                }
                            }
                        }
                    }
                }
            }
            Expr::Call(call) => {
                if response_call(expr, self.res).is_some() && self.depth > 0 {
                    self.in_callback(expr.span());
                    return;
                }
                if let Some(special) = super::special::recognize_call(call, self.res) {
                    self.push(UseKind::Special(special));
                    for arg in &call.args {
                        self.visit_expr_or_spread(arg);
                    }
                    return;
                }
                if let Some(helper) = self.helpers.matching(call, self.req, self.res) {
                    let helper = helper.clone();
                    if helper.responds {
                        self.problem(
                            expr.span(),
                            "manual/response-in-expression",
                            format!("`{}` sends the response inside an expression", self.short(expr.span())),
                            "send the response as its own statement (`return helper(res, …)`), then run routeshift again",
                        );
                    } else {
                        self.helper_call(call, helper, None);
                    }
                    return;
                }
                if response_call(expr, self.res).is_some() {
                    self.problem(
                        expr.span(),
                        "manual/response-in-expression",
                        format!("`{}` sends the response inside an expression", self.short(expr.span())),
                        "send the response as its own statement (`return res.status(…).json(…)`), then run routeshift again",
                    );
                    return;
                }
                if self.library_call(call) {
                    return;
                }
                for arg in &call.args {
                    if let Expr::Ident(ident) = &*arg.expr {
                        if &*ident.sym == self.req || &*ident.sym == self.res {
                            let callee = self.short(call.callee.span());
                            self.passed(
                                ident.span,
                                &ident.sym,
                                format!("is passed to `{callee}(…)`"),
                            );
                        }
                    }
                }
                if let Callee::Expr(callee) = &call.callee {
                    if let Expr::Ident(name) = &**callee {
                        if self.readers.contains_key(&*name.sym)
                            && call.args.iter().any(|a| self.is_req(&a.expr))
                        {
                            self.problem(
                                expr.span(),
                                "manual/raw-body-read",
                                format!("`{}` reads the raw body {}", self.short(expr.span()), if self.raw_body { "without `await`" } else { "while the body parser is on" }),
                                "read the body with `await request.text()` / `request.arrayBuffer()` by hand",
                            );
                            return;
                        }
                    }
                }
            }
            Expr::Paren(paren) => {
                self.visit_safe(&paren.expr);
                return;
            }
            _ => {}
        }
        expr.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, member: &MemberExpr) {
        self.member(member, Position::Other);
    }

    fn visit_simple_assign_target(&mut self, target: &SimpleAssignTarget) {
        if let SimpleAssignTarget::Member(member) = target {
            let obj = strip_parens(&member.obj);
            if self.is_res(obj)
                && member_prop(&member.prop) == Some("statusCode")
                && self.depth == 0
            {
                self.push(UseKind::StatusCode {
                    member: member.span,
                });
                return;
            }
            let rooted_at_req = self.is_req(obj)
                || matches!(obj, Expr::Member(m) if self.is_req(&m.obj) && member_prop(&m.prop) != Some("query") && member_prop(&m.prop) != Some("body"));
            if rooted_at_req || self.is_res(obj) {
                self.problem(
                    member.span,
                    "manual/request-mutation",
                    format!("`{}` is assigned to", self.short(member.span)),
                    "the Web Request is read-only; keep the value in a local variable instead",
                );
                return;
            }
        }
        target.visit_children_with(self);
    }

    fn visit_binding_ident(&mut self, binding: &BindingIdent) {
        if &*binding.id.sym == self.req || &*binding.id.sym == self.res {
            self.problem(
                binding.id.span,
                "manual/shadowed-parameter",
                format!(
                    "`{}` is declared or reassigned inside the handler",
                    binding.id.sym
                ),
                "rename the inner variable, then run routeshift again",
            );
        }
        binding.visit_children_with(self);
    }

    fn visit_var_declarator(&mut self, declarator: &VarDeclarator) {
        if let (Pat::Object(pattern), Some(init)) = (&declarator.name, declarator.init.as_deref()) {
            let mut inner = init;
            loop {
                inner = match inner {
                    Expr::Paren(p) => &p.expr,
                    Expr::TsAs(a) => &a.expr,
                    Expr::TsNonNull(n) => &n.expr,
                    Expr::TsSatisfies(s) => &s.expr,
                    _ => break,
                };
            }
            if self.is_req_member(inner, "query") {
                let mut keys = Vec::new();
                let mut rest = false;
                let mut computed = false;
                for prop in &pattern.props {
                    match prop {
                        ObjectPatProp::KeyValue(kv) => match &kv.key {
                            PropName::Ident(id) => keys.push(id.sym.to_string()),
                            PropName::Str(s) => {
                                keys.push(s.value.as_str().unwrap_or_default().to_string())
                            }
                            _ => computed = true,
                        },
                        ObjectPatProp::Assign(assign) => keys.push(assign.key.sym.to_string()),
                        ObjectPatProp::Rest(_) => rest = true,
                    }
                }
                if computed {
                    self.push(UseKind::QueryWhole {
                        member: inner.span(),
                    });
                } else {
                    self.push(UseKind::QueryDestructure {
                        member: inner.span(),
                        keys,
                        rest,
                    });
                }
                declarator.name.visit_with(self);
                return;
            }
        }
        declarator.name.visit_with(self);
        if let Some(init) = &declarator.init {
            self.visit_safe(init);
        }
    }

    fn visit_expr_or_spread(&mut self, arg: &ExprOrSpread) {
        if arg.spread.is_none() {
            self.visit_safe(&arg.expr);
        } else {
            self.visit_expr(&arg.expr);
        }
    }

    fn visit_return_stmt(&mut self, stmt: &ReturnStmt) {
        if let Some(arg) = &stmt.arg {
            self.visit_safe(arg);
        }
    }

    fn visit_key_value_prop(&mut self, prop: &KeyValueProp) {
        prop.key.visit_with(self);
        self.visit_safe(&prop.value);
    }

    fn visit_assign_expr(&mut self, assign: &AssignExpr) {
        assign.left.visit_with(self);
        self.visit_safe(&assign.right);
    }

    fn visit_bin_expr(&mut self, bin: &swc_ecma_ast::BinExpr) {
        use swc_ecma_ast::BinaryOp;
        if matches!(bin.op, BinaryOp::NullishCoalescing | BinaryOp::LogicalOr) {
            self.visit_nullish(&bin.left);
            self.visit_expr(&bin.right);
        } else {
            bin.visit_children_with(self);
        }
    }

    fn visit_unary_expr(&mut self, unary: &swc_ecma_ast::UnaryExpr) {
        if unary.op == swc_ecma_ast::UnaryOp::Bang {
            self.visit_nullish(&unary.arg);
        } else {
            unary.visit_children_with(self);
        }
    }

    fn visit_prop(&mut self, prop: &swc_ecma_ast::Prop) {
        // `{ req, res }` names them without an expression of their own.
        if let swc_ecma_ast::Prop::Shorthand(ident) = prop {
            if &*ident.sym == self.req || &*ident.sym == self.res {
                self.passed(
                    ident.span,
                    &ident.sym,
                    format!("is passed on inside an object (`{{ {} }}`)", ident.sym),
                );
                return;
            }
        }
        prop.visit_children_with(self);
    }

    fn visit_ts_type_query(&mut self, query: &swc_ecma_ast::TsTypeQuery) {
        if let swc_ecma_ast::TsTypeQueryExpr::TsEntityName(swc_ecma_ast::TsEntityName::Ident(
            ident,
        )) = &query.expr_name
        {
            if &*ident.sym == self.req || &*ident.sym == self.res {
                self.problem(
                    ident.span,
                    "manual/typeof-parameter",
                    format!(
                        "a type is taken from `{}` (`typeof {}`)",
                        ident.sym, ident.sym
                    ),
                    "use NextRequest or Response types by hand",
                );
            }
        }
    }

    fn visit_ts_non_null_expr(&mut self, non_null: &swc_ecma_ast::TsNonNullExpr) {
        self.visit_nullish(&non_null.expr);
    }

    fn visit_if_stmt(&mut self, if_stmt: &swc_ecma_ast::IfStmt) {
        self.visit_nullish(&if_stmt.test);
        self.visit_stmt(&if_stmt.cons);
        if let Some(alt) = &if_stmt.alt {
            self.visit_stmt(alt);
        }
    }

    fn visit_tpl(&mut self, tpl: &Tpl) {
        for expr in &tpl.exprs {
            self.visit_safe(expr);
        }
    }

    fn visit_function(&mut self, function: &Function) {
        let bound = crate::imports::function_scope(function);
        self.nested(&bound, |scanner| function.visit_children_with(scanner));
    }

    fn visit_arrow_expr(&mut self, arrow: &ArrowExpr) {
        let bound = crate::imports::arrow_scope(arrow);
        self.nested(&bound, |scanner| arrow.visit_children_with(scanner));
    }
}

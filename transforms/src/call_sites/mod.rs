//! Rewriting one call site: a `fetch('/api/…')` (or a `<form action="/api/…">`) in a caller
//! file becomes a direct call of the server function generated for that route.
//!
//! Once a route handler has become a Server Action or a server query, the HTTP round trip its
//! callers make is no longer needed: the caller can import the function and call it. This
//! module reads one call site — the URL and its parameters, the method, the body, and what the
//! code does with the response — and, when all of it can be followed, answers with the edits
//! that make the switch. Pure: text and AST in, edits out; the CLI applies them.
//!
//! Before:
//!
//! ```tsx
//! const res = await fetch(`/api/todos/${todo.id}`, {
//!   method: 'PATCH',
//!   headers: { 'Content-Type': 'application/json' },
//!   body: JSON.stringify({ done: !todo.done }),
//! })
//! if (!res.ok) return
//! const updated = await res.json()
//! ```
//!
//! After (with `import { updateTodo } from '@/features/todos/actions'` added):
//!
//! ```tsx
//! const res = await updateTodo(todo.id, { done: !todo.done })
//! if (!res.ok) return
//! const updated = res.data
//! ```
//!
//! The shapes followed:
//!
//! 1. `await fetch(url, init)` as a statement of its own;
//! 2. `const res = await fetch(url, init)`, where `res` is then only used as `res.ok` and
//!    `await res.json()` (or `return res.json()`). A Server Action — and a query that can fail —
//!    returns `{ ok: true, data } | { ok: false, reason, error }`, so `res.ok` stays and each
//!    read of the body becomes `res.data` where `res.ok` is known to be true (after
//!    `if (!res.ok) return …`, inside `if (res.ok) { … }`, `res.ok ? … : …`, `res.ok && …`) or
//!    `res.error` where it is known to be false. A query that cannot fail returns the value
//!    itself: its `if (!res.ok) …` guards are deleted, and the call moves into the body read
//!    when that is the next statement (`const todos = await getTodos()`); otherwise `res` holds
//!    the value and each read becomes `res`;
//! 3. `await (await fetch(url, init)).json()` (queries that cannot fail);
//! 4. `fetch(url, init).then((r) => r.json())` (queries that cannot fail);
//! 5. `<form action="/api/…" method="post">` becomes `<form action={createTodo}>`.
//!
//! The arguments are the route's parameters in route order, read off the URL (a string, a
//! template or a `+` concatenation, matched segment by segment against the route: a `${expr}`
//! that is a whole segment gives `expr`, without an `encodeURIComponent`; literal text gives a
//! string), then the body when the function takes one: `X` of `body: JSON.stringify(X)` sent
//! with a JSON content type, the whole `JSON.stringify(X)` without one (the handler received
//! the string). An origin before `/api` is dropped when it is this app's: `http://localhost…`,
//! `${process.env.X}`, a variable (`${baseUrl}`, `${origin}`), `${window.location.origin}`,
//! `http://${req.headers.host}`.
//!
//! It refuses ([`NotRewritten`], with the call to write by hand) whenever the new call would
//! not mean the same: the URL has a query string, a segment that mixes text and a value, or an
//! origin that is not this app's; the call sends another method than the one replaced, a body
//! that is not `JSON.stringify(…)`, or options such as `signal`; the response's status, headers
//! or text are read, it is passed on or used in a nested function; its body is read where the
//! status has not been checked; or the function's name is already taken in the file.
//!
//! The import is returned apart from the call-site edits ([`Rewrite::import`], also available
//! as [`import_edit`]): it is always an insertion at the same point of a file, whatever the
//! function, so that the CLI can combine several rewrites of one file, dropping identical
//! import insertions.

use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, AssignExpr, AssignTarget, AwaitExpr, BinExpr, BinaryOp,
    BindingIdent, CallExpr, Class, ClassDecl, ClassExpr, CondExpr, Decl, Expr, ExprStmt, FnDecl,
    FnExpr, Function, GetterProp, IfStmt, ImportDecl, ImportSpecifier, JSXAttr, JSXAttrName,
    JSXAttrOrSpread, JSXAttrValue, JSXElementName, JSXExpr, JSXOpeningElement, Lit, MemberExpr,
    MemberProp, ModuleDecl, ModuleItem, ObjectLit, Pat, Prop, PropOrSpread, ReturnStmt, SetterProp,
    SimpleAssignTarget, Stmt, TsEnumDecl, UnaryOp, VarDecl,
};
use swc_ecma_visit::{Visit, VisitWith};

use crate::ast::{callee_expr, export_name, is_ident, member_prop, prop_key, str_text};
use crate::ast::{string_value, strip_parens, unwrap_expr};
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::text::{file_style, line_start, statement_lines, Style};

#[cfg(test)]
mod tests;

/// What a call site is rewritten to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replacement<'a> {
    /// Function to call, e.g. `createTodo`.
    pub function: &'a str,
    /// Import specifier to import it from in this caller file, e.g. `@/features/todos/actions`
    /// or `../../features/todos/queries`.
    pub module: &'a str,
    pub kind: ReplacementKind,
    /// The route's URL pattern, e.g. `/api/todos/[id]` (segments `[x]`, `[...x]`, `[[...x]]`
    /// are params).
    pub route: &'a str,
    /// The HTTP method this replacement stands for (`POST`, `PATCH`, `DELETE`, `GET`…). Only a
    /// call with this method is rewritten (fetch without `method` is GET).
    pub method: &'a str,
    /// Whether the function takes the request body as its last argument.
    pub takes_body: bool,
    /// Whether the function can fail: then it returns `{ ok: true, data } | { ok: false,
    /// reason, error }`; otherwise (queries only) it returns the value itself.
    pub can_fail: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacementKind {
    /// A Server Action called from client code. ALWAYS returns `{ ok: true, data } | { ok:
    /// false, reason, error }` (regardless of `can_fail`).
    Action,
    /// A Server Action taking `FormData`, used as `<form action={fn}>`.
    FormAction,
    /// A plain server query function (server code: getServerSideProps, getStaticProps, server
    /// components). Returns the value itself when `can_fail` is false, the `{ ok, data |
    /// reason, error }` union when true.
    Query,
}

/// A call site rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The edits at the call site (and in the code that reads the response).
    pub edits: Vec<Edit>,
    /// The import of the function, `None` when the file already imports it. It is an
    /// insertion at a point that depends only on the file (see [`import_edit`]), so two
    /// rewrites of one file yield insertions at the same offset; the CLI drops identical ones.
    pub import: Option<Edit>,
    /// The new call as written, for the plan listing: `await updateTodo(todo.id, { done:
    /// !todo.done })` (`action={createTodo}` for a form).
    pub call: String,
}

/// A call site left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRewritten {
    /// Why (short, for a diagnostic): "the response's headers are read", "the URL has a query
    /// string", …
    pub reason: String,
    /// The call the user should write instead, best effort: `await updateTodo(id, body)`.
    pub suggestion: String,
}

/// Rewrites the call site that starts at `offset` (a byte offset into `file.text`): a
/// `fetch(…)` / `window.fetch(…)` call (the start of the call expression), or a `<form …>`
/// opening element (its `<`, or the start of its `action` attribute, which is where the call
/// graph places form sites).
pub fn rewrite(
    file: &ParsedFile,
    offset: usize,
    replacement: &Replacement,
) -> Result<Rewrite, NotRewritten> {
    let style = file_style(file);
    let cx = Cx {
        file,
        r: replacement,
        style: &style,
    };
    let mut finder = Finder {
        cx: &cx,
        offset,
        result: None,
        fetch_seen: None,
    };
    file.module.visit_with(&mut finder);
    let result = match (finder.result, finder.fetch_seen) {
        (Some(result), _) => result,
        (None, Some(call_args)) => {
            let awaited = call_args.awaited;
            Err(NotRewritten {
                reason: if awaited {
                    "the response is used in a way routeshift does not follow".to_string()
                } else {
                    "the call is not awaited where it is made".to_string()
                },
                suggestion: call_args.suggestion,
            })
        }
        (None, None) => Err(NotRewritten {
            reason: "no fetch call or form starts at this position".to_string(),
            suggestion: cx.placeholder_call(),
        }),
    }?;
    if let Some(reason) = name_clash(file, replacement.function, replacement.module) {
        return Err(NotRewritten {
            reason,
            suggestion: result.call,
        });
    }
    Ok(Rewrite {
        import: import_edit(file, &[replacement.function], replacement.module),
        ..result
    })
}

/// The byte offset of a 1-based `line` and 1-based `column` counted in characters, as
/// [`ParsedFile::location`] gives them. `None` past the end of the line or the file.
pub fn call_offset(file: &ParsedFile, line: usize, column: usize) -> Option<usize> {
    if line == 0 || column == 0 {
        return None;
    }
    let text = &file.text;
    let mut start = 0;
    for _ in 1..line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let rest = text.get(start..)?;
    let end = rest.find('\n').unwrap_or(rest.len());
    rest[..end]
        .char_indices()
        .map(|(i, _)| i)
        .chain([end])
        .nth(column - 1)
        .map(|i| start + i)
}

/// The insertion of `import { a, b } from 'module'` into `file` for the `functions` it does
/// not import from there yet, in the file's quotes, semicolons and line endings; `None` when it
/// imports them all.
///
/// It goes on its own line after the last top-level import; in a file without imports, after a
/// leading `'use client'` / `'use server'` directive (with a blank line), or else at the top
/// (after a shebang). The point depends only on the file, never on the function, so that
/// imports from several rewrites of one file are insertions at one offset.
pub fn import_edit(file: &ParsedFile, functions: &[&str], module: &str) -> Option<Edit> {
    let mut names: Vec<&str> = Vec::new();
    for function in functions {
        if !names.contains(function) && !already_imported(file, function, module) {
            names.push(function);
        }
    }
    if names.is_empty() {
        return None;
    }
    let style = file_style(file);
    let nl = style.newline;
    let line = format!(
        "import {{ {} }} from {}{}",
        names.join(", "),
        style.quoted(module),
        style.semi()
    );
    let text = &file.text;
    let line_end = |at: usize| text[at..].find('\n').map(|i| at + i);
    let last_import = file
        .module
        .body
        .iter()
        .filter_map(|item| match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => Some(import),
            _ => None,
        })
        .next_back();
    if let Some(import) = last_import {
        let end = file.offset(import.span.hi);
        return Some(match line_end(end) {
            Some(newline) => Edit::insert(newline + 1, format!("{line}{nl}")),
            None => Edit::insert(text.len(), format!("{nl}{line}")),
        });
    }
    let directive = file
        .module
        .body
        .iter()
        .map_while(|item| match item {
            ModuleItem::Stmt(Stmt::Expr(stmt)) if matches!(&*stmt.expr, Expr::Lit(Lit::Str(_))) => {
                Some(stmt)
            }
            _ => None,
        })
        .last();
    if let Some(directive) = directive {
        let end = file.offset(directive.span.hi);
        let at = line_end(end).map_or(text.len(), |newline| {
            // Before a `\r\n`, not between its two characters.
            if newline > 0 && text.as_bytes()[newline - 1] == b'\r' {
                newline - 1
            } else {
                newline
            }
        });
        return Some(Edit::insert(at, format!("{nl}{nl}{line}")));
    }
    if file.module.shebang.is_some() {
        if let Some(newline) = line_end(0) {
            return Some(Edit::insert(newline + 1, format!("{line}{nl}")));
        }
    }
    let gap = if text.trim().is_empty() { "" } else { nl };
    Some(Edit::insert(
        crate::text::code_start(text),
        format!("{line}{nl}{gap}"),
    ))
}

/// Whether `file` has `import { function } from 'module'` (a value import, not renamed).
fn already_imported(file: &ParsedFile, function: &str, module: &str) -> bool {
    file.module.body.iter().any(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
            is_the_import(import, function, module)
        }
        _ => false,
    })
}

fn is_the_import(import: &ImportDecl, function: &str, module: &str) -> bool {
    !import.type_only
        && str_text(&import.src) == module
        && import.specifiers.iter().any(|s| match s {
            ImportSpecifier::Named(named) => {
                !named.is_type_only
                    && &*named.local.sym == function
                    && named
                        .imported
                        .as_ref()
                        .is_none_or(|imported| export_name(imported) == function)
            }
            _ => false,
        })
}

/// Why `function` cannot be imported into `file`: the name is already bound there (by another
/// import or any declaration; every declaration in the file counts, shadowing or not).
fn name_clash(file: &ParsedFile, function: &str, module: &str) -> Option<String> {
    struct Names<'n> {
        name: &'n str,
        module: &'n str,
        found: bool,
    }
    impl Names<'_> {
        fn check(&mut self, name: &str) {
            if name == self.name {
                self.found = true;
            }
        }
    }
    impl Visit for Names<'_> {
        fn visit_import_decl(&mut self, import: &ImportDecl) {
            if is_the_import(import, self.name, self.module) {
                return;
            }
            for specifier in &import.specifiers {
                let local = match specifier {
                    ImportSpecifier::Named(s) => &s.local,
                    ImportSpecifier::Default(s) => &s.local,
                    ImportSpecifier::Namespace(s) => &s.local,
                };
                self.check(&local.sym);
            }
        }
        fn visit_binding_ident(&mut self, id: &BindingIdent) {
            self.check(&id.id.sym);
        }
        fn visit_fn_decl(&mut self, decl: &FnDecl) {
            self.check(&decl.ident.sym);
            decl.visit_children_with(self);
        }
        fn visit_class_decl(&mut self, decl: &ClassDecl) {
            self.check(&decl.ident.sym);
            decl.visit_children_with(self);
        }
        fn visit_fn_expr(&mut self, expr: &FnExpr) {
            if let Some(ident) = &expr.ident {
                self.check(&ident.sym);
            }
            expr.visit_children_with(self);
        }
        fn visit_class_expr(&mut self, expr: &ClassExpr) {
            if let Some(ident) = &expr.ident {
                self.check(&ident.sym);
            }
            expr.visit_children_with(self);
        }
        fn visit_ts_enum_decl(&mut self, decl: &TsEnumDecl) {
            self.check(&decl.id.sym);
        }
    }
    let mut names = Names {
        name: function,
        module,
        found: false,
    };
    file.module.visit_with(&mut names);
    names
        .found
        .then(|| format!("`{function}` is already a name in this file"))
}

/// What every part of the rewrite needs.
struct Cx<'a> {
    file: &'a ParsedFile,
    r: &'a Replacement<'a>,
    style: &'a Style,
}

impl Cx<'_> {
    fn text(&self, span: Span) -> &str {
        self.file.slice(span)
    }

    fn call_with(&self, args: &[String]) -> String {
        format!("{}({})", self.r.function, args.join(", "))
    }

    /// The route's parameter names, for a call whose URL cannot be read.
    fn param_names(&self) -> Vec<String> {
        route_segments(self.r.route)
            .into_iter()
            .filter_map(|s| match s {
                RouteSegment::Static(_) => None,
                RouteSegment::Param(name) | RouteSegment::CatchAll(name) => Some(name),
            })
            .collect()
    }

    /// The call with the route's parameter names and `body` for arguments.
    fn placeholder_call(&self) -> String {
        if self.r.kind == ReplacementKind::FormAction {
            return format!("action={{{}}}", self.r.function);
        }
        let mut args = self.param_names();
        if self.r.takes_body {
            args.push("body".to_string());
        }
        format!("await {}", self.call_with(&args))
    }

    /// The call the user could write for `call`, with whatever arguments can be read (the
    /// parameter names and `body` for the others).
    fn suggestion(&self, call: &CallExpr) -> String {
        if self.r.kind == ReplacementKind::FormAction {
            return self.placeholder_call();
        }
        let mut args = call
            .args
            .first()
            .and_then(|url| self.url_args(&url.expr).ok())
            .unwrap_or_else(|| self.param_names());
        if self.r.takes_body {
            let body = call
                .args
                .get(1)
                .and_then(|init| self.options(&init.expr).ok())
                .and_then(|options| self.body_arg(&options).ok().flatten());
            args.push(body.unwrap_or_else(|| "body".to_string()));
        }
        format!("await {}", self.call_with(&args))
    }
}

/// Finds the call site at `offset` and, at the node that holds it, reads it.
struct Finder<'a> {
    cx: &'a Cx<'a>,
    offset: usize,
    result: Option<Result<Rewrite, NotRewritten>>,
    /// The fetch call at `offset`, when it was seen without a shape around it.
    fetch_seen: Option<Seen>,
}

struct Seen {
    awaited: bool,
    suggestion: String,
}

/// Where the fetch call stands.
enum Shape<'s> {
    /// `await fetch(…);`
    Statement,
    /// `const res = await fetch(…)`, then `following` in the same block.
    Declared {
        var: &'s VarDecl,
        binding: &'s BindingIdent,
        /// The initializer, `await fetch(…)` (in parentheses or not).
        init_span: Span,
        following: &'s [Stmt],
    },
    /// `await (await fetch(…)).json()`: the outer `await`.
    ReadJson(Span),
    /// `fetch(…).then((r) => r.json())`: the `.then` call.
    Then(Span),
}

impl Finder<'_> {
    /// The fetch call at `offset` that `expr` is (inside parentheses).
    fn fetch_at<'e>(&self, expr: &'e Expr) -> Option<&'e CallExpr> {
        match strip_parens(expr) {
            Expr::Call(call) if self.is_fetch_here(call) => Some(call),
            _ => None,
        }
    }

    /// `fetch(…)`, `window.fetch(…)` starting at `offset`.
    fn is_fetch_here(&self, call: &CallExpr) -> bool {
        if self.cx.file.offset(call.span.lo) != self.offset {
            return false;
        }
        match callee_expr(call).map(strip_parens) {
            Some(Expr::Ident(id)) => &*id.sym == "fetch",
            Some(Expr::Member(member)) => {
                member_prop(&member.prop) == Some("fetch")
                    && (is_ident(&member.obj, "window")
                        || is_ident(&member.obj, "globalThis")
                        || is_ident(&member.obj, "self"))
            }
            _ => false,
        }
    }

    /// The fetch call at `offset` awaited by `expr`: `await fetch(…)`.
    fn awaited_fetch_at<'e>(&self, expr: &'e Expr) -> Option<(&'e AwaitExpr, &'e CallExpr)> {
        match strip_parens(expr) {
            Expr::Await(a) => self.fetch_at(&a.arg).map(|call| (a, call)),
            _ => None,
        }
    }

    fn found(&mut self, call: &CallExpr, shape: Shape) {
        let cx = self.cx;
        self.result = Some(
            fetch_rewrite(cx, call, shape).map_err(|reason| NotRewritten {
                reason,
                suggestion: cx.suggestion(call),
            }),
        );
    }
}

impl Visit for Finder<'_> {
    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        if self.result.is_some() {
            return;
        }
        for (index, stmt) in stmts.iter().enumerate() {
            if self.result.is_some() {
                return;
            }
            if let Stmt::Decl(Decl::Var(var)) = stmt {
                for declarator in &var.decls {
                    let Some(init) = declarator.init.as_deref() else {
                        continue;
                    };
                    let Some((_, call)) = self.awaited_fetch_at(init) else {
                        continue;
                    };
                    let Pat::Ident(binding) = &declarator.name else {
                        let cx = self.cx;
                        self.result = Some(Err(NotRewritten {
                            reason: "the response is destructured".to_string(),
                            suggestion: cx.suggestion(call),
                        }));
                        return;
                    };
                    let shape = Shape::Declared {
                        var,
                        binding,
                        init_span: init.span(),
                        following: stmts.get(index + 1..).unwrap_or_default(),
                    };
                    self.found(call, shape);
                    return;
                }
            }
            stmt.visit_with(self);
        }
    }

    fn visit_expr_stmt(&mut self, stmt: &ExprStmt) {
        if self.result.is_some() {
            return;
        }
        if let Some((_, call)) = self.awaited_fetch_at(&stmt.expr) {
            self.found(call, Shape::Statement);
            return;
        }
        stmt.visit_children_with(self);
    }

    fn visit_await_expr(&mut self, outer: &AwaitExpr) {
        if self.result.is_some() {
            return;
        }
        // `await (await fetch(…)).json()`
        if let Expr::Call(read) = strip_parens(&outer.arg) {
            if let Some(Expr::Member(member)) = callee_expr(read).map(strip_parens) {
                if member_prop(&member.prop) == Some("json") && read.args.is_empty() {
                    if let Some((_, call)) = self.awaited_fetch_at(&member.obj) {
                        self.found(call, Shape::ReadJson(outer.span));
                        return;
                    }
                }
            }
        }
        if let Some(call) = self.fetch_at(&outer.arg) {
            self.fetch_seen = Some(Seen {
                awaited: true,
                suggestion: self.cx.suggestion(call),
            });
            return;
        }
        outer.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, outer: &CallExpr) {
        if self.result.is_some() {
            return;
        }
        // `fetch(…).then((r) => r.json())`
        if let Some(Expr::Member(member)) = callee_expr(outer).map(strip_parens) {
            if member_prop(&member.prop) == Some("then") {
                if let Some(call) = self.fetch_at(&member.obj) {
                    if outer.args.len() == 1 && reads_json(&outer.args[0].expr) {
                        self.found(call, Shape::Then(outer.span));
                        return;
                    }
                }
            }
        }
        if self.is_fetch_here(outer) && self.fetch_seen.is_none() {
            self.fetch_seen = Some(Seen {
                awaited: false,
                suggestion: self.cx.suggestion(outer),
            });
        }
        outer.visit_children_with(self);
    }

    fn visit_jsx_opening_element(&mut self, element: &JSXOpeningElement) {
        if self.result.is_some() {
            return;
        }
        let file = self.cx.file;
        let here = file.offset(element.span.lo) == self.offset
            || element.attrs.iter().any(|attr| match attr {
                JSXAttrOrSpread::JSXAttr(attr) => {
                    file.offset(attr.span.lo) == self.offset && attr_name(attr) == Some("action")
                }
                JSXAttrOrSpread::SpreadElement(_) => false,
            });
        let is_form = matches!(&element.name, JSXElementName::Ident(id) if &*id.sym == "form");
        if here && is_form {
            let cx = self.cx;
            self.result = Some(form_rewrite(cx, element).map_err(|reason| NotRewritten {
                reason,
                suggestion: cx.placeholder_call(),
            }));
            return;
        }
        element.visit_children_with(self);
    }
}

/// `(r) => r.json()`, `r => { return r.json() }`.
fn reads_json(expr: &Expr) -> bool {
    let Expr::Arrow(arrow) = unwrap_expr(expr) else {
        return false;
    };
    let [Pat::Ident(param)] = arrow.params.as_slice() else {
        return false;
    };
    let returned = match &*arrow.body {
        ArrowFunctionBody::Expr(expr) => Some(&**expr),
        ArrowFunctionBody::FunctionBody(block) => match block.stmts.as_slice() {
            [Stmt::Return(ReturnStmt { arg: Some(arg), .. })] => Some(&**arg),
            _ => None,
        },
    };
    returned.is_some_and(|expr| is_json_read(expr, &param.id.sym))
}

/// `name.json()`.
fn is_json_read(expr: &Expr, name: &str) -> bool {
    let Expr::Call(call) = unwrap_expr(expr) else {
        return false;
    };
    call.args.is_empty()
        && matches!(callee_expr(call).map(strip_parens), Some(Expr::Member(member))
            if is_ident(&member.obj, name) && member_prop(&member.prop) == Some("json"))
}

/// The rewrite of a fetch call in its shape: the edits and the new call as written.
fn fetch_rewrite(cx: &Cx, call: &CallExpr, shape: Shape) -> Result<Rewrite, String> {
    let r = cx.r;
    if r.kind == ReplacementKind::FormAction {
        return Err("a form action replaces a form, not a fetch call".to_string());
    }
    let args = cx.request_args(call)?;
    let new_call = cx.call_with(&args);
    let file = cx.file;
    let value_returned = r.kind == ReplacementKind::Query && !r.can_fail;
    let replace_call = || Edit::replace(file.range(call.span), new_call.clone());
    let awaited = format!("await {new_call}");
    let (edits, written) = match shape {
        Shape::Statement => (vec![replace_call()], awaited),
        Shape::Declared {
            var,
            binding,
            init_span,
            following,
        } => {
            if var.decls.len() != 1 {
                return Err("the declaration declares more than one name".to_string());
            }
            if binding.type_ann.is_some() {
                return Err("the response has a type annotation".to_string());
            }
            let declared = Declared {
                cx,
                var,
                name: &binding.id.sym,
                init_span,
                following,
                replace_call: replace_call(),
                new_call: &new_call,
            };
            if value_returned {
                declared.value_returned()?
            } else {
                (declared.union_returned()?, awaited)
            }
        }
        Shape::ReadJson(outer) => {
            if !value_returned {
                return Err(
                    "the body is read without checking the status (the function returns `{ ok, data }`)"
                        .to_string(),
                );
            }
            (
                vec![Edit::replace(file.range(outer), awaited.clone())],
                awaited,
            )
        }
        Shape::Then(outer) => {
            if !value_returned {
                return Err(
                    "the body is read with `.then()` without checking the status".to_string(),
                );
            }
            (
                vec![Edit::replace(file.range(outer), new_call.clone())],
                new_call,
            )
        }
    };
    Ok(Rewrite {
        edits,
        import: None,
        call: written,
    })
}

/// `const res = await fetch(…)` and the statements after it.
struct Declared<'d> {
    cx: &'d Cx<'d>,
    var: &'d VarDecl,
    name: &'d str,
    init_span: Span,
    following: &'d [Stmt],
    replace_call: Edit,
    new_call: &'d str,
}

impl Declared<'_> {
    fn scan(&self) -> Uses<'_> {
        let mut uses = Uses {
            name: self.name,
            state: Known::Unknown,
            nested: 0,
            found: Vec::new(),
            guards: Vec::new(),
        };
        uses.sequence(self.following);
        uses
    }

    /// The function returns `{ ok: true, data } | { ok: false, reason, error }`: `res.ok` stays,
    /// the body reads become `res.data` / `res.error`.
    fn union_returned(self) -> Result<Vec<Edit>, String> {
        let file = self.cx.file;
        let uses = self.scan();
        let mut edits = vec![self.replace_call.clone()];
        for found in uses.found {
            match found.kind {
                UseKind::Ok => {}
                UseKind::Json => {
                    let field = match found.state {
                        Known::Ok => "data",
                        Known::NotOk => "error",
                        Known::Unknown => {
                            return Err("the body is read before the status is checked".to_string())
                        }
                    };
                    edits.push(Edit::replace(
                        file.range(found.span),
                        format!("{}.{field}", self.name),
                    ));
                }
                UseKind::Other(reason) => return Err(reason),
            }
        }
        Ok(edits)
    }

    /// The function returns the value itself (a query that cannot fail): the `if (!res.ok) …`
    /// guards go, and the body read becomes the call.
    fn value_returned(self) -> Result<(Vec<Edit>, String), String> {
        let file = self.cx.file;
        let text = &file.text;
        let uses = self.scan();
        let guards: Vec<Span> = uses
            .guards
            .iter()
            .copied()
            .filter(|g| !uses.guards.iter().any(|o| o != g && contains(*o, *g)))
            .collect();
        let mut json: Vec<(Span, bool)> = Vec::new();
        for found in &uses.found {
            if guards.iter().any(|g| contains(*g, found.span)) {
                continue;
            }
            match &found.kind {
                UseKind::Ok => {
                    return Err(format!(
                        "the status is read (`{}.ok`) other than by `if (!{}.ok) …`, and the query returns no status",
                        self.name, self.name
                    ))
                }
                UseKind::Json => json.push((found.span, found.awaited)),
                UseKind::Other(reason) => return Err(reason.clone()),
            }
        }
        let guard_edits = |skip: Option<Range<usize>>| -> Vec<Edit> {
            guards
                .iter()
                .map(|g| file.range(*g))
                .filter(|g| {
                    !skip
                        .as_ref()
                        .is_some_and(|s| s.start <= g.start && g.end <= s.end)
                })
                .map(|g| Edit::delete(statement_lines(text, g)))
                .collect()
        };
        let awaited = format!("await {}", self.new_call);
        match json.as_slice() {
            // Nothing reads the body: `await getX(…)` as a statement.
            [] => {
                let mut edits = vec![
                    Edit::delete(file.offset(self.var.span.lo)..file.offset(self.init_span.lo)),
                    self.replace_call.clone(),
                ];
                edits.extend(guard_edits(None));
                Ok((edits, awaited))
            }
            [(span, was_awaited)] if self.reads_next(*span, &guards) => {
                // The body is read by the next statement: the call moves there.
                let written = if *was_awaited {
                    awaited
                } else {
                    self.new_call.to_string()
                };
                let declaration = file.range(self.var.span);
                let next = self
                    .following
                    .iter()
                    .find(|stmt| !guards.contains(&stmt.span()))
                    .map(|stmt| file.offset(stmt.span().lo));
                let deleted = match next {
                    Some(next) if self.only_space_between(next, &guards) => {
                        let start = line_start(text, declaration.start);
                        let end = line_start(text, next);
                        if text[start..declaration.start].trim().is_empty()
                            && text[end..next].trim().is_empty()
                        {
                            start..end
                        } else {
                            declaration.start..next
                        }
                    }
                    _ => statement_lines(text, declaration.clone()),
                };
                let mut edits = vec![
                    Edit::delete(deleted.clone()),
                    Edit::replace(file.range(*span), written.clone()),
                ];
                edits.extend(guard_edits(Some(deleted)));
                Ok((edits, written))
            }
            reads => {
                // `res` now holds the value itself.
                let mut edits = vec![self.replace_call.clone()];
                for (span, _) in reads {
                    edits.push(Edit::replace(file.range(*span), self.name.to_string()));
                }
                edits.extend(guard_edits(None));
                Ok((edits, awaited))
            }
        }
    }

    /// Whether the statement after the declaration (the guards aside) is `const x = await
    /// res.json()` or `return await res.json()` with the read at `span`.
    fn reads_next(&self, span: Span, guards: &[Span]) -> bool {
        let Some(next) = self
            .following
            .iter()
            .find(|stmt| !guards.contains(&stmt.span()))
        else {
            return false;
        };
        let value = match next {
            Stmt::Decl(Decl::Var(var)) => match var.decls.as_slice() {
                [declarator] => declarator.init.as_deref(),
                _ => None,
            },
            Stmt::Return(ret) => ret.arg.as_deref(),
            _ => None,
        };
        value.is_some_and(|value| unwrap_expr(value).span() == span)
    }

    /// Whether only white space (no comment) stands between the declaration, the guards and
    /// the statement at `next`.
    fn only_space_between(&self, next: usize, guards: &[Span]) -> bool {
        let file = self.cx.file;
        let mut cursor = file.offset(self.var.span.hi);
        for stmt in self.following {
            let range = file.range(stmt.span());
            if range.start >= next {
                break;
            }
            if !guards.contains(&stmt.span()) || !blank(&file.text, cursor..range.start) {
                return false;
            }
            cursor = range.end;
        }
        blank(&file.text, cursor..next)
    }
}

/// Whether `range` of `text` is only white space.
fn blank(text: &str, range: Range<usize>) -> bool {
    text.get(range).is_some_and(|t| t.trim().is_empty())
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.lo <= inner.lo && inner.hi <= outer.hi
}

/// What is known of `res.ok` at a point of the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Unknown,
    Ok,
    NotOk,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum UseKind {
    /// `res.ok`
    Ok,
    /// `await res.json()` (or `return res.json()`)
    Json,
    /// Anything else, with the reason it cannot be rewritten.
    Other(String),
}

struct Use {
    kind: UseKind,
    /// What a rewrite replaces: the `await res.json()`, or `res.json()` after `return`.
    span: Span,
    awaited: bool,
    state: Known,
}

/// The uses of the response variable `name` in the statements after its declaration.
struct Uses<'n> {
    name: &'n str,
    state: Known,
    /// Depth of nested functions and classes.
    nested: usize,
    found: Vec<Use>,
    /// `if (!res.ok) …` statements without `else`.
    guards: Vec<Span>,
}

impl Uses<'_> {
    fn push(&mut self, kind: UseKind, span: Span, awaited: bool) {
        self.found.push(Use {
            kind,
            span,
            awaited,
            state: self.state,
        });
    }

    fn other(&mut self, reason: String, span: Span) {
        self.push(UseKind::Other(reason), span, false);
    }

    /// Statements in order: after `if (!res.ok) return …` the rest knows `res.ok`.
    fn sequence(&mut self, stmts: &[Stmt]) {
        let saved = self.state;
        for stmt in stmts {
            stmt.visit_with(self);
            if self.nested == 0 {
                if let Stmt::If(if_stmt) = stmt {
                    if if_stmt.alt.is_none()
                        && ok_test(&if_stmt.test, self.name) == Some(false)
                        && always_exits(&if_stmt.cons)
                    {
                        self.state = Known::Ok;
                    }
                }
            }
        }
        self.state = saved;
    }

    /// Visits `node` knowing `state` when the test said something.
    fn under<N: VisitWith<Self> + ?Sized>(&mut self, node: &N, test: Option<bool>, when: bool) {
        let saved = self.state;
        if let Some(ok) = test {
            self.state = if ok == when { Known::Ok } else { Known::NotOk };
        }
        node.visit_with(self);
        self.state = saved;
    }

    fn nested<N: VisitWith<Self> + ?Sized>(&mut self, node: &N) {
        self.nested += 1;
        node.visit_children_with(self);
        self.nested -= 1;
    }
}

/// `res.ok` → `Some(true)`, `!res.ok` → `Some(false)`.
fn ok_test(expr: &Expr, name: &str) -> Option<bool> {
    match strip_parens(expr) {
        Expr::Member(member) => {
            (is_ident(&member.obj, name) && member_prop(&member.prop) == Some("ok")).then_some(true)
        }
        Expr::Unary(unary) if unary.op == UnaryOp::Bang => ok_test(&unary.arg, name).map(|b| !b),
        _ => None,
    }
}

/// Whether a statement always leaves the function: `return`, `throw`, or a block that ends so.
fn always_exits(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Block(block) => block.stmts.last().is_some_and(always_exits),
        Stmt::If(if_stmt) => {
            always_exits(&if_stmt.cons) && if_stmt.alt.as_deref().is_some_and(always_exits)
        }
        _ => false,
    }
}

impl Visit for Uses<'_> {
    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        self.sequence(stmts);
    }

    fn visit_if_stmt(&mut self, stmt: &IfStmt) {
        if self.nested > 0 {
            return stmt.visit_children_with(self);
        }
        let test = ok_test(&stmt.test, self.name);
        if test == Some(false) && stmt.alt.is_none() {
            self.guards.push(stmt.span);
        }
        stmt.test.visit_with(self);
        self.under(&*stmt.cons, test, true);
        if let Some(alt) = &stmt.alt {
            self.under(&**alt, test, false);
        }
    }

    fn visit_cond_expr(&mut self, cond: &CondExpr) {
        if self.nested > 0 {
            return cond.visit_children_with(self);
        }
        let test = ok_test(&cond.test, self.name);
        cond.test.visit_with(self);
        self.under(&*cond.cons, test, true);
        self.under(&*cond.alt, test, false);
    }

    fn visit_bin_expr(&mut self, bin: &BinExpr) {
        let when = match bin.op {
            BinaryOp::LogicalAnd => true,
            BinaryOp::LogicalOr => false,
            _ => return bin.visit_children_with(self),
        };
        if self.nested > 0 {
            return bin.visit_children_with(self);
        }
        let test = ok_test(&bin.left, self.name);
        bin.left.visit_with(self);
        self.under(&*bin.right, test, when);
    }

    fn visit_await_expr(&mut self, expr: &AwaitExpr) {
        if self.nested == 0 && is_json_read(&expr.arg, self.name) {
            return self.push(UseKind::Json, expr.span, true);
        }
        expr.visit_children_with(self);
    }

    fn visit_return_stmt(&mut self, stmt: &ReturnStmt) {
        if let Some(arg) = &stmt.arg {
            if self.nested == 0 && is_json_read(arg, self.name) {
                return self.push(UseKind::Json, unwrap_expr(arg).span(), false);
            }
        }
        stmt.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        if self.nested == 0 {
            if let Some(Expr::Member(member)) = callee_expr(call).map(strip_parens) {
                if is_ident(&member.obj, self.name) {
                    let reason = match member_prop(&member.prop) {
                        Some("json") => format!("`{}.json()` is not awaited", self.name),
                        Some(method) => format!("the response is read with `.{method}()`"),
                        None => "the response is indexed".to_string(),
                    };
                    self.other(reason, call.span);
                    return call.args.visit_with(self);
                }
            }
        }
        call.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, member: &MemberExpr) {
        if self.nested == 0 && is_ident(&member.obj, self.name) {
            match &member.prop {
                MemberProp::Ident(prop) if &*prop.sym == "ok" => {
                    self.push(UseKind::Ok, member.span, false)
                }
                MemberProp::Ident(prop) if &*prop.sym == "headers" => {
                    self.other("the response's headers are read".to_string(), member.span)
                }
                MemberProp::Ident(prop) => {
                    self.other(format!("the response's {} is read", prop.sym), member.span)
                }
                _ => {
                    self.other("the response is indexed".to_string(), member.span);
                    member.prop.visit_with(self);
                }
            }
            return;
        }
        member.visit_children_with(self);
    }

    fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
        if &*ident.sym == self.name {
            let reason = if self.nested > 0 {
                "the response is used in a nested function".to_string()
            } else {
                format!("the response is used as a value (`{}`)", self.name)
            };
            self.other(reason, ident.span);
        }
    }

    fn visit_assign_expr(&mut self, assign: &AssignExpr) {
        if let AssignTarget::Simple(SimpleAssignTarget::Ident(target)) = &assign.left {
            if &*target.id.sym == self.name {
                let reason = format!("`{}` is assigned again", self.name);
                self.other(reason, target.id.span);
                return assign.right.visit_with(self);
            }
        }
        assign.visit_children_with(self);
    }

    fn visit_binding_ident(&mut self, binding: &BindingIdent) {
        if &*binding.id.sym == self.name {
            let reason = format!("`{}` is declared again in an inner scope", self.name);
            return self.other(reason, binding.id.span);
        }
        binding.visit_children_with(self);
    }

    fn visit_function(&mut self, function: &Function) {
        self.nested(function);
    }

    fn visit_arrow_expr(&mut self, arrow: &ArrowExpr) {
        self.nested(arrow);
    }

    fn visit_class(&mut self, class: &Class) {
        self.nested(class);
    }

    fn visit_getter_prop(&mut self, prop: &GetterProp) {
        self.nested(prop);
    }

    fn visit_setter_prop(&mut self, prop: &SetterProp) {
        self.nested(prop);
    }
}

/// The options of a fetch call that matter.
#[derive(Default)]
struct Options<'e> {
    method: Option<String>,
    headers: Option<&'e ObjectLit>,
    body: Option<Body<'e>>,
    cache: Option<String>,
}

enum Body<'e> {
    Expr(&'e Expr),
    /// `{ body }`
    Shorthand(String),
}

impl Cx<'_> {
    /// The arguments of the new call: the route's parameters, then the body.
    fn request_args(&self, call: &CallExpr) -> Result<Vec<String>, String> {
        if call.args.is_empty()
            || call.args.len() > 2
            || call.args.iter().any(|a| a.spread.is_some())
        {
            return Err("the call's arguments are not a URL and an options object".to_string());
        }
        let options = match call.args.get(1) {
            Some(init) => self.options(&init.expr)?,
            None => Options::default(),
        };
        let method = options.method.as_deref().unwrap_or("GET");
        if !method.eq_ignore_ascii_case(self.r.method) {
            return Err(format!(
                "the call sends {}, not {}",
                method.to_ascii_uppercase(),
                self.r.method.to_ascii_uppercase()
            ));
        }
        if self.r.kind == ReplacementKind::Query {
            if let Some(cache) = options.cache.as_deref().filter(|c| *c != "no-store") {
                return Err(format!("the call asks for `cache: '{cache}'`"));
            }
        }
        let mut args = self.url_args(&call.args[0].expr)?;
        if let Some(body) = self.body_arg(&options)? {
            args.push(body);
        }
        Ok(args)
    }

    fn options<'e>(&self, init: &'e Expr) -> Result<Options<'e>, String> {
        let Expr::Object(object) = unwrap_expr(init) else {
            return Err("the request options are not written at the call".to_string());
        };
        let mut options = Options::default();
        for prop in &object.props {
            let prop = match prop {
                PropOrSpread::Spread(_) => {
                    return Err("the request options spread another object".to_string())
                }
                PropOrSpread::Prop(prop) => &**prop,
            };
            let (key, value) = match prop {
                Prop::KeyValue(kv) => match prop_key(&kv.key) {
                    Some(key) => (key, Some(&*kv.value)),
                    None => return Err("the request options have a computed key".to_string()),
                },
                Prop::Shorthand(ident) => (&*ident.sym, None),
                _ => return Err("the request options are not plain values".to_string()),
            };
            match key {
                "method" => {
                    let method = value.and_then(string_value);
                    let Some(method) = method else {
                        return Err("the method is not written as a string".to_string());
                    };
                    options.method = Some(method.to_string());
                }
                "headers" => match value.map(unwrap_expr) {
                    Some(Expr::Object(headers)) => options.headers = Some(headers),
                    _ => return Err("the headers are not an object literal".to_string()),
                },
                "body" => {
                    options.body = Some(match value {
                        Some(value) => Body::Expr(value),
                        None => Body::Shorthand(key.to_string()),
                    })
                }
                "cache" => match value.and_then(string_value) {
                    Some(cache) => options.cache = Some(cache.to_string()),
                    None => return Err("the cache option is not written as a string".to_string()),
                },
                "credentials" | "next" => {}
                other => return Err(format!("the call passes `{other}`")),
            }
        }
        Ok(options)
    }

    /// The body argument: `X` of `JSON.stringify(X)` sent as JSON, the whole
    /// `JSON.stringify(X)` when sent without a JSON content type (the handler got the string).
    fn body_arg(&self, options: &Options) -> Result<Option<String>, String> {
        let body = match (&options.body, self.r.takes_body) {
            (None, false) => return Ok(None),
            (None, true) => return Err("the call sends no body".to_string()),
            (Some(_), false) => {
                return Err("the call sends a body the function does not take".to_string())
            }
            (Some(Body::Shorthand(name)), true) => {
                return Err(format!("the body is a variable (`{name}`)"))
            }
            (Some(Body::Expr(body)), true) => *body,
        };
        match unwrap_expr(body) {
            Expr::Call(call) if is_json_stringify(call) => {
                let json = options.headers.is_some_and(has_json_content_type);
                match (json, call.args.first()) {
                    (true, Some(value)) if value.spread.is_none() => {
                        Ok(Some(self.text(value.expr.span()).to_string()))
                    }
                    (false, _) => Ok(Some(self.text(body.span()).to_string())),
                    _ => Err("the body is not `JSON.stringify(value)`".to_string()),
                }
            }
            Expr::New(new) if is_ident(&new.callee, "FormData") => {
                Err("the body is FormData".to_string())
            }
            Expr::New(new) if is_ident(&new.callee, "URLSearchParams") => {
                Err("the body is URLSearchParams".to_string())
            }
            Expr::Ident(ident) => Err(format!("the body is a variable (`{}`)", ident.sym)),
            _ => Err("the body is not `JSON.stringify(…)`".to_string()),
        }
    }

    /// The route parameters, in route order, from the URL expression.
    fn url_args(&self, url: &Expr) -> Result<Vec<String>, String> {
        let mut pieces = Vec::new();
        url_pieces(url, &mut pieces);
        self.path_args(pieces)
    }

    /// The route parameters from the URL's pieces.
    fn path_args(&self, pieces: Vec<Piece<'_>>) -> Result<Vec<String>, String> {
        let path = api_path(pieces)?;
        let segments = self.segments(&path)?;
        let route = route_segments(self.r.route);
        let mismatch = || format!("the URL does not match `{}`", self.r.route);
        if route.iter().any(|s| matches!(s, RouteSegment::CatchAll(_))) {
            return Err("the route has a catch-all segment".to_string());
        }
        if route.len() != segments.len() {
            return Err(mismatch());
        }
        let mut args = Vec::new();
        for (expected, segment) in route.iter().zip(&segments) {
            match (expected, segment) {
                (RouteSegment::Static(name), Segment::Static(text)) if name == text => {}
                (RouteSegment::Param(_), Segment::Value(expr)) => args.push(self.param_text(expr)),
                (RouteSegment::Param(_), Segment::Static(text)) if !text.is_empty() => {
                    args.push(self.style.quoted(text))
                }
                _ => return Err(mismatch()),
            }
        }
        Ok(args)
    }

    /// The path's segments; a segment that mixes text and a value is refused.
    fn segments<'e>(&self, path: &[Piece<'e>]) -> Result<Vec<Segment<'e>>, String> {
        let mut raw: Vec<Vec<&Piece<'e>>> = vec![Vec::new()];
        let mut texts: Vec<Piece<'e>> = Vec::new();
        // Split texts on `/` first, keeping values where they are.
        for piece in path {
            match piece {
                Piece::Text(text) => {
                    for (i, part) in text.split('/').enumerate() {
                        if i > 0 {
                            texts.push(Piece::Slash);
                        }
                        if !part.is_empty() {
                            texts.push(Piece::Text(part.to_string()));
                        }
                    }
                }
                Piece::Value(expr) => texts.push(Piece::Value(expr)),
                Piece::Slash => texts.push(Piece::Slash),
            }
        }
        for piece in &texts {
            match piece {
                Piece::Slash => raw.push(Vec::new()),
                other => {
                    if let Some(last) = raw.last_mut() {
                        last.push(other)
                    }
                }
            }
        }
        // The path starts with `/`; a trailing `/` is not a segment.
        if raw.first().is_some_and(Vec::is_empty) {
            raw.remove(0);
        }
        if raw.len() > 1 && raw.last().is_some_and(Vec::is_empty) {
            raw.pop();
        }
        raw.into_iter()
            .map(|segment| match segment.as_slice() {
                [Piece::Value(expr)] => Ok(Segment::Value(expr)),
                pieces if pieces.iter().all(|p| matches!(p, Piece::Text(_))) => {
                    Ok(Segment::Static(
                        pieces
                            .iter()
                            .map(|p| match p {
                                Piece::Text(t) => t.as_str(),
                                _ => "",
                            })
                            .collect(),
                    ))
                }
                pieces => {
                    let shown: String = pieces
                        .iter()
                        .map(|p| match p {
                            Piece::Text(t) => t.clone(),
                            Piece::Value(expr) => format!("${{{}}}", self.text(expr.span())),
                            Piece::Slash => "/".to_string(),
                        })
                        .collect();
                    Err(format!("the URL segment `{shown}` mixes text and a value"))
                }
            })
            .collect()
    }

    /// A parameter's argument: the expression's text, without `encodeURIComponent` (Next.js
    /// decoded the segment before the handler saw it).
    fn param_text(&self, expr: &Expr) -> String {
        match unwrap_expr(expr) {
            Expr::Call(call)
                if matches!(
                    crate::ast::callee_ident(call),
                    Some("encodeURIComponent" | "encodeURI")
                ) && call.args.len() == 1
                    && call.args[0].spread.is_none() =>
            {
                self.param_text(&call.args[0].expr)
            }
            Expr::Seq(_) => format!("({})", self.text(expr.span())),
            _ => self.text(expr.span()).to_string(),
        }
    }
}

/// `JSON.stringify(…)`.
fn is_json_stringify(call: &CallExpr) -> bool {
    matches!(callee_expr(call).map(strip_parens), Some(Expr::Member(member))
        if is_ident(&member.obj, "JSON") && member_prop(&member.prop) == Some("stringify"))
}

/// A `Content-Type: application/json` header (any key case).
fn has_json_content_type(headers: &ObjectLit) -> bool {
    headers.props.iter().any(|prop| match prop {
        PropOrSpread::Prop(prop) => match &**prop {
            Prop::KeyValue(kv) => {
                prop_key(&kv.key).is_some_and(|k| k.eq_ignore_ascii_case("content-type"))
                    && string_value(&kv.value).is_some_and(|v| {
                        v.trim_start()
                            .to_ascii_lowercase()
                            .starts_with("application/json")
                    })
            }
            _ => false,
        },
        PropOrSpread::Spread(_) => false,
    })
}

/// A piece of a URL expression.
#[derive(Debug)]
enum Piece<'e> {
    Text(String),
    Value(&'e Expr),
    /// A `/` (only while splitting into segments).
    Slash,
}

/// A segment of the URL's path.
enum Segment<'e> {
    Static(String),
    Value(&'e Expr),
}

/// A string literal, a template literal or a `+` concatenation, in pieces.
fn url_pieces<'e>(expr: &'e Expr, out: &mut Vec<Piece<'e>>) {
    match unwrap_expr(expr) {
        Expr::Lit(Lit::Str(s)) => out.push(Piece::Text(str_text(s).to_string())),
        Expr::Tpl(tpl) => {
            for (i, quasi) in tpl.quasis.iter().enumerate() {
                let text = quasi
                    .cooked
                    .as_ref()
                    .and_then(|c| c.as_str())
                    .unwrap_or(&quasi.raw);
                out.push(Piece::Text(text.to_string()));
                if let Some(value) = tpl.exprs.get(i) {
                    out.push(Piece::Value(value));
                }
            }
        }
        Expr::Bin(bin) if bin.op == BinaryOp::Add => {
            url_pieces(&bin.left, out);
            url_pieces(&bin.right, out);
        }
        _ => out.push(Piece::Value(expr)),
    }
}

/// The path from `/api` on, once an origin this app can be is dropped from its front; a query
/// string or fragment is refused.
fn api_path(pieces: Vec<Piece<'_>>) -> Result<Vec<Piece<'_>>, String> {
    let pieces: Vec<Piece> = pieces
        .into_iter()
        .filter(|p| !matches!(p, Piece::Text(t) if t.is_empty()))
        .collect();
    let Some((index, at)) = pieces
        .iter()
        .enumerate()
        .find_map(|(i, piece)| match piece {
            Piece::Text(text) => api_start(text).map(|at| (i, at)),
            _ => None,
        })
    else {
        return Err(if pieces.iter().any(|p| matches!(p, Piece::Text(_))) {
            "the URL does not point at `/api`".to_string()
        } else {
            "the URL is not written at the call".to_string()
        });
    };
    let mut pieces = pieces;
    let rest = pieces.split_off(index);
    let mut prefix = pieces;
    let mut rest = rest.into_iter();
    let mut path = Vec::new();
    if let Some(Piece::Text(text)) = rest.next() {
        if at > 0 {
            prefix.push(Piece::Text(text[..at].to_string()));
        }
        path.push(Piece::Text(text[at..].to_string()));
    }
    path.extend(rest);
    if !is_app_origin(&prefix) {
        return Err("the URL's origin is not one routeshift knows to be this app".to_string());
    }
    if path
        .iter()
        .any(|p| matches!(p, Piece::Text(t) if t.contains(['?', '#'])))
    {
        return Err("the URL has a query string".to_string());
    }
    Ok(path)
}

/// Where `/api` starts as a whole path segment in `text`.
fn api_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find("/api") {
        let at = from + found;
        let after = &text[at + 4..];
        if after.is_empty() || after.starts_with(['/', '?', '#']) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// What may stand before `/api`: nothing, `http://localhost:3000`, `${process.env.X}`,
/// `${baseUrl}`, `${origin}`, `${window.location.origin}`, `http://${req.headers.host}`.
fn is_app_origin(prefix: &[Piece]) -> bool {
    match prefix {
        [] => true,
        [Piece::Text(text)] => is_local_origin(text),
        [Piece::Value(value)] => is_base_value(value),
        [Piece::Text(scheme), Piece::Value(value)] => {
            matches!(scheme.as_str(), "http://" | "https://") && is_host_value(value)
        }
        _ => false,
    }
}

fn is_local_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
    else {
        return false;
    };
    let (host, port) = match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    matches!(host, "localhost" | "127.0.0.1")
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `process.env.X`, a name, `window.location.origin` / `location.origin`.
fn is_base_value(expr: &Expr) -> bool {
    match unwrap_expr(expr) {
        Expr::Ident(_) => true,
        Expr::Member(member) => match unwrap_expr(&member.obj) {
            Expr::Member(env) => {
                (is_ident(&env.obj, "process") && member_prop(&env.prop) == Some("env"))
                    || (member_prop(&member.prop) == Some("origin")
                        && member_prop(&env.prop) == Some("location")
                        && is_ident(&env.obj, "window"))
            }
            Expr::Ident(id) => {
                &*id.sym == "location" && member_prop(&member.prop) == Some("origin")
            }
            _ => false,
        },
        _ => false,
    }
}

/// `req.headers.host`, `context.req.headers.host`, or a name (`host`).
fn is_host_value(expr: &Expr) -> bool {
    match unwrap_expr(expr) {
        Expr::Ident(_) => true,
        Expr::Member(member) => {
            member_prop(&member.prop) == Some("host")
                && matches!(unwrap_expr(&member.obj), Expr::Member(headers)
                    if member_prop(&headers.prop) == Some("headers"))
        }
        _ => false,
    }
}

enum RouteSegment {
    Static(String),
    Param(String),
    CatchAll(String),
}

fn route_segments(route: &str) -> Vec<RouteSegment> {
    route
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let inner = s.trim_start_matches('[').trim_end_matches(']');
            if s.starts_with('[') && inner.starts_with("...") {
                RouteSegment::CatchAll(inner.trim_start_matches("...").to_string())
            } else if s.starts_with('[') {
                RouteSegment::Param(inner.to_string())
            } else {
                RouteSegment::Static(s.to_string())
            }
        })
        .collect()
}

fn attr_name(attr: &JSXAttr) -> Option<&str> {
    match &attr.name {
        JSXAttrName::Ident(id) => Some(&id.sym),
        JSXAttrName::JSXNamespacedName(_) => None,
    }
}

/// An attribute's value when it is a string: `"x"` or `{'x'}`.
fn attr_string(attr: &JSXAttr) -> Option<&str> {
    match attr.value.as_ref()? {
        JSXAttrValue::Str(s) => Some(str_text(s)),
        JSXAttrValue::JSXExprContainer(container) => match &container.expr {
            JSXExpr::Expr(expr) => string_value(expr),
            JSXExpr::JSXEmptyExpr(_) => None,
        },
        _ => None,
    }
}

fn attr_value_span(value: &JSXAttrValue) -> Span {
    match value {
        JSXAttrValue::Str(s) => s.span,
        JSXAttrValue::JSXExprContainer(c) => c.span,
        JSXAttrValue::JSXElement(e) => e.span,
        JSXAttrValue::JSXFragment(f) => f.span,
    }
}

/// `<form action="/api/todos" method="post">` → `<form action={createTodo}>`.
fn form_rewrite(cx: &Cx, element: &JSXOpeningElement) -> Result<Rewrite, String> {
    let r = cx.r;
    if r.kind != ReplacementKind::FormAction {
        return Err("a form is rewritten only to a form action".to_string());
    }
    if !r.method.eq_ignore_ascii_case("POST") {
        return Err(format!(
            "a form action stands for POST, not {}",
            r.method.to_ascii_uppercase()
        ));
    }
    let mut action = None;
    let mut method = None;
    let mut enc_types = Vec::new();
    for attr in &element.attrs {
        let attr = match attr {
            JSXAttrOrSpread::JSXAttr(attr) => attr,
            JSXAttrOrSpread::SpreadElement(_) => {
                return Err("the form spreads props over its attributes".to_string())
            }
        };
        match attr_name(attr) {
            Some("action") => action = Some(attr),
            Some("method") => method = Some(attr),
            Some("encType" | "enctype") => enc_types.push(attr),
            _ => {}
        }
    }
    let Some(action) = action else {
        return Err("the form has no action".to_string());
    };
    let (Some(url), Some(value)) = (attr_string(action), action.value.as_ref()) else {
        return Err("the form's action is not a literal URL".to_string());
    };
    match method.map(attr_string) {
        None => return Err("the form submits with GET (it has no method)".to_string()),
        Some(Some(m)) if m.eq_ignore_ascii_case("post") => {}
        Some(_) => return Err("the form's method is not `post`".to_string()),
    }
    for enc in &enc_types {
        let known = attr_string(enc).is_some_and(|t| {
            t.eq_ignore_ascii_case("application/x-www-form-urlencoded")
                || t.eq_ignore_ascii_case("multipart/form-data")
        });
        if !known {
            return Err("the form's encType is not urlencoded or multipart".to_string());
        }
    }
    if route_segments(r.route)
        .iter()
        .any(|s| !matches!(s, RouteSegment::Static(_)))
    {
        return Err("the route has parameters, which a form action cannot pass".to_string());
    }
    cx.path_args(vec![Piece::Text(url.to_string())])?;
    let file = cx.file;
    let mut edits = vec![Edit::replace(
        file.range(attr_value_span(value)),
        format!("{{{}}}", r.function),
    )];
    for attr in method.into_iter().chain(enc_types) {
        edits.push(Edit::delete(with_one_space(
            &file.text,
            file.range(attr.span),
        )));
    }
    Ok(Rewrite {
        edits,
        import: None,
        call: format!("action={{{}}}", r.function),
    })
}

/// An attribute's range with the white space before it (or, when there is none, after it).
fn with_one_space(text: &str, range: Range<usize>) -> Range<usize> {
    let before = text[..range.start].trim_end().len();
    if before < range.start {
        return before..range.end;
    }
    let after = range.end + (text[range.end..].len() - text[range.end..].trim_start().len());
    range.start..after
}

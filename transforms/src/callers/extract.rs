//! The visitor behind [`extract`]: finds requests to `/api` URLs in one file.

use std::collections::{HashMap, HashSet};

use swc_common::Span;
use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, AssignExpr, AssignTarget, CallExpr, Callee, Decl, DefaultDecl,
    Expr, ExprOrSpread, FnDecl, Function, ImportSpecifier, JSXAttr, JSXAttrName, JSXAttrOrSpread,
    JSXAttrValue, JSXElementName, JSXExpr, JSXOpeningElement, Lit, ModuleDecl, ModuleItem, NewExpr,
    ObjectLit, ObjectPatProp, Pat, Prop, PropName, PropOrSpread, SimpleAssignTarget, Stmt, Str,
    Tpl, TsType, VarDeclarator,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::url::{UrlPart, UrlPattern};
use super::{
    method_name, Area, Binding, BodyKind, CallSite, CallStyle, CallTarget, CallerContext,
    ClientDef, FileCalls, PendingCall, Runtime, WrapperDef, WrapperMethod,
};
use crate::ast::{callee_ident, export_name, is_ident, member_prop, prop_key, str_text};
use crate::parse::ParsedFile;

/// Finds every request to an `/api` URL in `file`, the fetch wrappers and API clients it
/// defines, and the calls that may go through wrappers or clients defined elsewhere.
pub fn extract(file: &ParsedFile, area: Area) -> FileCalls {
    let facts = FileFacts::scan(file);
    let mut extractor = Extractor {
        file,
        area,
        facts: &facts,
        frames: Vec::new(),
        next_name: None,
        consumed: HashSet::new(),
        out: FileCalls::default(),
    };
    file.module.visit_with(&mut extractor);
    extractor.exports();
    if area != Area::PagesApi {
        extractor.references();
    }
    let mut out = extractor.out;
    out.sites.sort_by(|a, b| a.location.cmp(&b.location));
    out.sites.dedup();
    out.wrappers.dedup_by(|a, b| a.name == b.name);
    out
}

/// A declaration a name may stand for, with the span of the function it is visible in.
struct Declaration<'a> {
    scope: Span,
    init: &'a Expr,
}

/// What the whole file says before any call is read.
#[derive(Default)]
struct FileFacts<'a> {
    /// Local name → (module specifier, imported name).
    imports: HashMap<String, (String, String)>,
    declarations: HashMap<String, Vec<Declaration<'a>>>,
    /// `const { get, post } = useApi()` → `get` → (`useApi`, `get`); `const api = useApi()` →
    /// `api` → (`useApi`, ``).
    client_aliases: HashMap<String, (String, String)>,
    use_client: bool,
    use_server: bool,
    server_only: bool,
    has_jsx: bool,
    uses_hooks: bool,
}

impl<'a> FileFacts<'a> {
    fn scan(file: &'a ParsedFile) -> FileFacts<'a> {
        let mut facts = FileFacts::default();
        // Directives stand before every other statement.
        for item in &file.module.body {
            let ModuleItem::Stmt(Stmt::Expr(expr)) = item else {
                break;
            };
            let Expr::Lit(Lit::Str(s)) = &*expr.expr else {
                break;
            };
            match str_text(s) {
                "use client" => facts.use_client = true,
                "use server" => facts.use_server = true,
                _ => {}
            }
        }
        for item in &file.module.body {
            if let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item {
                let specifier = str_text(&import.src).to_string();
                if specifier == "server-only" {
                    facts.server_only = true;
                }
                for s in &import.specifiers {
                    let (local, imported) = match s {
                        ImportSpecifier::Named(named) => (
                            named.local.sym.to_string(),
                            named
                                .imported
                                .as_ref()
                                .map(export_name)
                                .unwrap_or_else(|| named.local.sym.to_string()),
                        ),
                        ImportSpecifier::Default(d) => {
                            (d.local.sym.to_string(), "default".to_string())
                        }
                        ImportSpecifier::Namespace(n) => (n.local.sym.to_string(), "*".to_string()),
                    };
                    facts.imports.insert(local, (specifier.clone(), imported));
                }
            }
        }
        collect_declarations(&mut facts, &file.module);
        let mut scanner = FactScanner { facts: &mut facts };
        file.module.visit_with(&mut scanner);
        facts
    }

    fn import_of(&self, local: &str) -> Option<(&str, &str)> {
        self.imports
            .get(local)
            .map(|(specifier, name)| (specifier.as_str(), name.as_str()))
    }

    /// Whether `local` is imported from `module` (as `name`, or as anything when `name` is `None`).
    fn imported_from(&self, local: &str, module: &str, name: Option<&str>) -> bool {
        self.import_of(local).is_some_and(|(specifier, imported)| {
            specifier == module && name.is_none_or(|n| n == imported)
        })
    }

    /// The declaration of `name` visible at `at`: the one in the innermost enclosing scope.
    fn declaration(&self, name: &str, at: Span) -> Option<&'a Expr> {
        self.declarations
            .get(name)?
            .iter()
            .filter(|d| d.scope.lo <= at.lo && at.hi <= d.scope.hi)
            .min_by_key(|d| d.scope.hi.0 - d.scope.lo.0)
            .map(|d| d.init)
    }
}

/// Whether the file has JSX and calls hooks.
struct FactScanner<'f, 'a> {
    facts: &'f mut FileFacts<'a>,
}

impl Visit for FactScanner<'_, '_> {
    fn visit_jsx_opening_element(&mut self, element: &JSXOpeningElement) {
        self.facts.has_jsx = true;
        element.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        if let Some(name) = callee_ident(call) {
            if is_hook_name(name) {
                self.facts.uses_hooks = true;
            }
        }
        call.visit_children_with(self);
    }
}

/// Collects declarations with their scope. A separate walk with the module's lifetime, because
/// `Visit` hands out borrows that cannot outlive the call.
fn collect_declarations<'a>(facts: &mut FileFacts<'a>, module: &'a swc_ecma_ast::Module) {
    fn walk_stmts<'a>(facts: &mut FileFacts<'a>, stmts: &'a [Stmt], scope: Span) {
        for stmt in stmts {
            walk_stmt(facts, stmt, scope);
        }
    }
    fn walk_stmt<'a>(facts: &mut FileFacts<'a>, stmt: &'a Stmt, scope: Span) {
        match stmt {
            Stmt::Decl(Decl::Var(var)) => {
                for declarator in &var.decls {
                    walk_declarator(facts, declarator, scope);
                }
            }
            Stmt::Decl(Decl::Fn(f)) => walk_function(facts, &f.function),
            Stmt::Decl(Decl::Class(c)) => walk_class(facts, &c.class),
            Stmt::Block(block) => walk_stmts(facts, &block.stmts, scope),
            Stmt::If(s) => {
                walk_expr(facts, &s.test);
                walk_stmt(facts, &s.cons, scope);
                if let Some(alt) = &s.alt {
                    walk_stmt(facts, alt, scope);
                }
            }
            Stmt::Try(t) => {
                walk_stmts(facts, &t.block.stmts, scope);
                if let Some(handler) = &t.handler {
                    walk_stmts(facts, &handler.body.stmts, scope);
                }
                if let Some(finalizer) = &t.finalizer {
                    walk_stmts(facts, &finalizer.stmts, scope);
                }
            }
            Stmt::Expr(e) => walk_expr(facts, &e.expr),
            Stmt::Return(r) => {
                if let Some(arg) = &r.arg {
                    walk_expr(facts, arg);
                }
            }
            Stmt::For(f) => walk_stmt(facts, &f.body, scope),
            Stmt::ForOf(f) => walk_stmt(facts, &f.body, scope),
            Stmt::ForIn(f) => walk_stmt(facts, &f.body, scope),
            Stmt::While(w) => walk_stmt(facts, &w.body, scope),
            Stmt::DoWhile(w) => walk_stmt(facts, &w.body, scope),
            Stmt::Switch(s) => {
                for case in &s.cases {
                    walk_stmts(facts, &case.cons, scope);
                }
            }
            Stmt::Labeled(l) => walk_stmt(facts, &l.body, scope),
            _ => {}
        }
    }
    fn walk_declarator<'a>(facts: &mut FileFacts<'a>, declarator: &'a VarDeclarator, scope: Span) {
        let Some(init) = &declarator.init else {
            return;
        };
        match &declarator.name {
            Pat::Ident(id) => {
                facts
                    .declarations
                    .entry(id.id.sym.to_string())
                    .or_default()
                    .push(Declaration { scope, init });
                if let Some(factory) = call_of_ident(init) {
                    facts
                        .client_aliases
                        .insert(id.id.sym.to_string(), (factory.to_string(), String::new()));
                }
            }
            Pat::Object(object) => {
                if let Some(factory) = call_of_ident(init) {
                    for prop in &object.props {
                        let (key, local) = match prop {
                            ObjectPatProp::KeyValue(kv) => match (&kv.key, &*kv.value) {
                                (PropName::Ident(key), Pat::Ident(local)) => {
                                    (key.sym.to_string(), local.id.sym.to_string())
                                }
                                _ => continue,
                            },
                            ObjectPatProp::Assign(assign) => {
                                (assign.key.sym.to_string(), assign.key.sym.to_string())
                            }
                            ObjectPatProp::Rest(_) => continue,
                        };
                        facts
                            .client_aliases
                            .insert(local, (factory.to_string(), key));
                    }
                }
            }
            _ => {}
        }
        walk_expr(facts, init);
    }
    fn walk_function<'a>(facts: &mut FileFacts<'a>, function: &'a Function) {
        if let Some(body) = &function.body {
            walk_stmts(facts, &body.stmts, function.span);
        }
    }
    fn walk_class<'a>(facts: &mut FileFacts<'a>, class: &'a swc_ecma_ast::Class) {
        for member in &class.body {
            match member {
                swc_ecma_ast::ClassMember::Method(m) => walk_function(facts, &m.function),
                swc_ecma_ast::ClassMember::PrivateMethod(m) => walk_function(facts, &m.function),
                swc_ecma_ast::ClassMember::ClassProp(p) => {
                    if let Some(value) = &p.value {
                        walk_expr(facts, value);
                    }
                }
                _ => {}
            }
        }
    }
    fn walk_arrow<'a>(facts: &mut FileFacts<'a>, arrow: &'a ArrowExpr) {
        match &*arrow.body {
            ArrowFunctionBody::FunctionBody(block) => walk_stmts(facts, &block.stmts, arrow.span),
            ArrowFunctionBody::Expr(expr) => walk_expr(facts, expr),
        }
    }
    /// Functions nested in expressions (callbacks, hooks, JSX handlers) have scopes of their own.
    fn walk_expr<'a>(facts: &mut FileFacts<'a>, expr: &'a Expr) {
        enum NestedFn<'a> {
            Arrow(&'a ArrowExpr),
            Function(&'a Function),
        }
        // Find the outermost functions inside `expr` without descending into them.
        fn find<'a>(expr: &'a Expr, found: &mut Vec<NestedFn<'a>>) {
            match expr {
                Expr::Arrow(arrow) => found.push(NestedFn::Arrow(arrow)),
                Expr::Fn(f) => found.push(NestedFn::Function(&f.function)),
                Expr::Call(call) => {
                    if let Callee::Expr(callee) = &call.callee {
                        find(callee, found);
                    }
                    for arg in &call.args {
                        find(&arg.expr, found);
                    }
                }
                Expr::Member(member) => find(&member.obj, found),
                Expr::Paren(p) => find(&p.expr, found),
                Expr::Await(a) => find(&a.arg, found),
                Expr::Object(object) => {
                    for prop in &object.props {
                        if let PropOrSpread::Prop(prop) = prop {
                            match &**prop {
                                Prop::KeyValue(kv) => find(&kv.value, found),
                                Prop::Method(m) => found.push(NestedFn::Function(&m.function)),
                                _ => {}
                            }
                        }
                    }
                }
                Expr::Array(array) => {
                    for elem in array.elems.iter().flatten() {
                        find(&elem.expr, found);
                    }
                }
                Expr::Cond(c) => {
                    find(&c.cons, found);
                    find(&c.alt, found);
                }
                Expr::JSXElement(element) => find_jsx(element, found),
                Expr::JSXFragment(fragment) => {
                    for child in &fragment.children {
                        find_jsx_child(child, found);
                    }
                }
                Expr::Assign(a) => find(&a.right, found),
                Expr::Bin(b) => {
                    find(&b.left, found);
                    find(&b.right, found);
                }
                _ => {}
            }
        }
        fn find_jsx<'a>(element: &'a swc_ecma_ast::JSXElement, found: &mut Vec<NestedFn<'a>>) {
            for attr in &element.opening.attrs {
                if let JSXAttrOrSpread::JSXAttr(attr) = attr {
                    if let Some(JSXAttrValue::JSXExprContainer(container)) = &attr.value {
                        if let JSXExpr::Expr(expr) = &container.expr {
                            find(expr, found);
                        }
                    }
                }
            }
            for child in &element.children {
                find_jsx_child(child, found);
            }
        }
        fn find_jsx_child<'a>(
            child: &'a swc_ecma_ast::JSXElementChild,
            found: &mut Vec<NestedFn<'a>>,
        ) {
            match child {
                swc_ecma_ast::JSXElementChild::JSXElement(e) => find_jsx(e, found),
                swc_ecma_ast::JSXElementChild::JSXExprContainer(c) => {
                    if let JSXExpr::Expr(expr) = &c.expr {
                        find(expr, found);
                    }
                }
                swc_ecma_ast::JSXElementChild::JSXFragment(f) => {
                    for child in &f.children {
                        find_jsx_child(child, found);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        find(expr, &mut found);
        for nested in found {
            match nested {
                NestedFn::Arrow(arrow) => walk_arrow(facts, arrow),
                NestedFn::Function(function) => walk_function(facts, function),
            }
        }
    }

    let scope = module.span;
    for item in &module.body {
        match item {
            ModuleItem::Stmt(stmt) => walk_stmt(facts, stmt, scope),
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => match &export.decl {
                Decl::Var(var) => {
                    for declarator in &var.decls {
                        walk_declarator(facts, declarator, scope);
                    }
                }
                Decl::Fn(f) => walk_function(facts, &f.function),
                Decl::Class(c) => walk_class(facts, &c.class),
                _ => {}
            },
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(export)) => match &export.decl {
                DefaultDecl::Fn(f) => walk_function(facts, &f.function),
                DefaultDecl::Class(c) => walk_class(facts, &c.class),
                _ => {}
            },
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(export)) => {
                walk_expr(facts, &export.expr)
            }
            _ => {}
        }
    }
}

/// Where the visitor stands.
enum Frame {
    Function {
        name: Option<String>,
        /// Simple parameter names by position.
        params: Vec<Option<String>>,
        use_server: bool,
    },
    /// The value of an object property: `queryFn`, `mutationFn`, `onSuccess`, or a method of an
    /// object of wrappers.
    Property(String),
    /// A JSX attribute's value: `onClick`, `onSubmit`.
    JsxAttr(String),
    /// An argument of a hook call (`useEffect(() => …)`).
    HookArg,
    /// An object literal bound to a name (`const api = { get: … }`).
    Object(String),
}

struct Extractor<'f, 'a> {
    file: &'f ParsedFile,
    area: Area,
    facts: &'f FileFacts<'a>,
    frames: Vec<Frame>,
    /// The name the next function visited is bound to (`const postJson = async (…) => …`).
    next_name: Option<String>,
    /// Literals already read as part of a call (so they are not reported again as references).
    consumed: HashSet<(u32, u32)>,
    out: FileCalls,
}

/// How a request's options object reads.
struct Options {
    method: WrapperMethod,
    body: BodyKind,
}

/// How many URLs one expression may stand for before its run-time parts are left unknown.
const MAX_ALTERNATIVES: usize = 8;

const DATA_FUNCTIONS: [&str; 3] = ["getServerSideProps", "getStaticProps", "getStaticPaths"];

impl<'f, 'a> Extractor<'f, 'a> {
    // ----- where a call runs -------------------------------------------------------------

    fn context(&self) -> CallerContext {
        let client = |reason| CallerContext {
            runtime: Runtime::Client,
            reason,
        };
        let server = |reason| CallerContext {
            runtime: Runtime::Server,
            reason,
        };
        for frame in &self.frames {
            if let Frame::Function {
                name: Some(name), ..
            } = frame
            {
                if let Some(data) = DATA_FUNCTIONS.iter().find(|d| **d == name) {
                    return server(data);
                }
                if name == "getInitialProps" {
                    return CallerContext {
                        runtime: Runtime::Unknown,
                        reason: "getInitialProps",
                    };
                }
            }
        }
        let action = self.facts.use_server
            || self.frames.iter().any(|f| {
                matches!(
                    f,
                    Frame::Function {
                        use_server: true,
                        ..
                    }
                )
            });
        if action {
            return server("server action");
        }
        match self.area {
            Area::PagesApi => return server("API route"),
            Area::AppRoute => return server("route handler"),
            Area::Middleware => return server("middleware"),
            Area::Script => return server("script"),
            _ => {}
        }
        if self.facts.server_only {
            return server("server-only module");
        }
        for frame in self.frames.iter().rev() {
            match frame {
                Frame::JsxAttr(name) if name.starts_with("on") => return client("event handler"),
                Frame::JsxAttr(name) if name == "action" => return client("form action"),
                Frame::JsxAttr(name) if name == "href" => return client("link"),
                Frame::Property(name) if name == "queryFn" => return client("react-query queryFn"),
                Frame::Property(name) if name == "mutationFn" => {
                    return client("react-query mutationFn")
                }
                Frame::Function {
                    name: Some(name), ..
                } if is_handler_name(name) => return client("event handler"),
                Frame::Function {
                    name: Some(name), ..
                } if is_hook_name(name) => return client("hook"),
                Frame::HookArg => return client("hook"),
                _ => {}
            }
        }
        if self.facts.use_client {
            return client("'use client' module");
        }
        match self.area {
            Area::App if self.facts.uses_hooks => client("hook"),
            Area::App => server("server component"),
            Area::Pages => client("page component"),
            _ if self.facts.has_jsx || self.facts.uses_hooks => client("component"),
            _ => CallerContext {
                runtime: Runtime::Unknown,
                reason: "module",
            },
        }
    }

    // ----- URLs --------------------------------------------------------------------------

    /// The innermost named function, where a parameter makes a wrapper.
    fn wrapper_function(&self) -> Option<(String, &Vec<Option<String>>)> {
        let mut object: Option<&str> = None;
        let mut found: Option<(String, &Vec<Option<String>>)> = None;
        for frame in self.frames.iter().rev() {
            match frame {
                Frame::Function { name, params, .. } => {
                    if found.is_some() {
                        break;
                    }
                    match name {
                        Some(name) => found = Some((name.clone(), params)),
                        None => return None,
                    }
                }
                Frame::Object(name) if found.is_some() => {
                    object = Some(name);
                    break;
                }
                Frame::Property(_) => {}
                _ if found.is_some() => break,
                _ => {}
            }
        }
        let (name, params) = found?;
        Some((
            object.map_or(name.clone(), |object| format!("{object}.{name}")),
            params,
        ))
    }

    fn param_index(&self, name: &str) -> Option<usize> {
        let (_, params) = self.wrapper_function()?;
        params.iter().position(|p| p.as_deref() == Some(name))
    }

    /// Every URL an expression can be (a conditional gives two; `null` none).
    fn urls(&mut self, expr: &Expr, depth: u8) -> Vec<UrlPattern> {
        // `depth` counts names followed to their declarations (a cycle of constants stops here).
        if depth > 8 {
            return vec![UrlPattern::any()];
        }
        match expr {
            Expr::Lit(Lit::Str(s)) => {
                self.consume(s.span);
                vec![UrlPattern::text(str_text(s))]
            }
            Expr::Lit(Lit::Null(_)) => Vec::new(),
            Expr::Ident(id) if &*id.sym == "undefined" => Vec::new(),
            Expr::Tpl(tpl) => {
                self.consume(tpl.span);
                let mut out = vec![UrlPattern::default()];
                for (i, quasi) in tpl.quasis.iter().enumerate() {
                    let text = quasi
                        .cooked
                        .as_ref()
                        .and_then(|c| c.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| quasi.raw.to_string());
                    for pattern in &mut out {
                        pattern.push(UrlPart::Text(text.clone()));
                    }
                    if let Some(expr) = tpl.exprs.get(i) {
                        // `${cond ? '/a' : '/b'}` gives each alternative (a few at most).
                        let mut inner = self.urls(expr, depth);
                        if inner.is_empty() || inner.len() * out.len() > MAX_ALTERNATIVES {
                            inner = vec![UrlPattern::any()];
                        }
                        out = out
                            .iter()
                            .flat_map(|pattern| {
                                inner
                                    .iter()
                                    .map(move |part| pattern.clone().concat(part.clone()))
                            })
                            .collect();
                    }
                }
                out
            }
            Expr::Bin(bin) if bin.op == swc_ecma_ast::BinaryOp::Add => {
                let left = self.urls(&bin.left, depth);
                let right = self.urls(&bin.right, depth);
                let mut out = Vec::new();
                for l in &left {
                    for r in &right {
                        out.push(l.clone().concat(r.clone()));
                    }
                }
                out
            }
            Expr::Bin(bin)
                if matches!(
                    bin.op,
                    swc_ecma_ast::BinaryOp::LogicalAnd
                        | swc_ecma_ast::BinaryOp::LogicalOr
                        | swc_ecma_ast::BinaryOp::NullishCoalescing
                ) =>
            {
                // `id && `/api/x/${id}``: the URL is the right side; `a || b` may be either.
                let mut out = Vec::new();
                if bin.op != swc_ecma_ast::BinaryOp::LogicalAnd {
                    out.extend(self.urls(&bin.left, depth));
                }
                out.extend(self.urls(&bin.right, depth));
                out.retain(|p| !matches!(p.parts.as_slice(), [UrlPart::Any | UrlPart::Named(_)]));
                if out.is_empty() {
                    out.push(UrlPattern::any());
                }
                out
            }
            Expr::Cond(cond) => {
                let mut out = self.urls(&cond.cons, depth);
                out.extend(self.urls(&cond.alt, depth));
                out
            }
            Expr::Paren(p) => self.urls(&p.expr, depth),
            Expr::TsAs(e) => self.urls(&e.expr, depth),
            Expr::TsNonNull(e) => self.urls(&e.expr, depth),
            Expr::TsSatisfies(e) => self.urls(&e.expr, depth),
            Expr::TsConstAssertion(e) => self.urls(&e.expr, depth),
            Expr::Ident(id) => {
                if let Some(index) = self.param_index(&id.sym) {
                    return vec![UrlPattern {
                        parts: vec![UrlPart::Param(index)],
                    }];
                }
                let named = || UrlPattern {
                    parts: vec![UrlPart::Named(id.sym.to_string())],
                };
                match self.facts.declaration(&id.sym, id.span) {
                    Some(init) => {
                        let found = self.urls(init, depth + 1);
                        if found.is_empty() || found.iter().all(|p| p.parts == [UrlPart::Any]) {
                            vec![named()]
                        } else {
                            found
                        }
                    }
                    None => vec![named()],
                }
            }
            // `${report.id}`: a run-time value named after what it is.
            Expr::Member(member) => match member_prop(&member.prop) {
                Some(name) => vec![UrlPattern {
                    parts: vec![UrlPart::Named(name.to_string())],
                }],
                None => vec![UrlPattern::any()],
            },
            // `new URL('/api/x', base)` and `new URL(`/api/x`, location.origin).toString()`.
            Expr::New(new) if is_ident(&new.callee, "URL") => match new.args.as_ref() {
                Some(args) if !args.is_empty() => self.urls(&args[0].expr, depth),
                _ => vec![UrlPattern::any()],
            },
            Expr::Call(call) => match &call.callee {
                Callee::Expr(callee) => match &**callee {
                    Expr::Member(member)
                        if member_prop(&member.prop)
                            .is_some_and(|m| m == "toString" || m == "concat") =>
                    {
                        let base = self.urls(&member.obj, depth);
                        if member_prop(&member.prop) == Some("concat") {
                            let mut tail = UrlPattern::default();
                            for arg in &call.args {
                                let part = self.urls(&arg.expr, depth);
                                tail = tail.concat(part.into_iter().next().unwrap_or_default());
                            }
                            base.into_iter().map(|b| b.concat(tail.clone())).collect()
                        } else {
                            base
                        }
                    }
                    _ => vec![UrlPattern::any()],
                },
                _ => vec![UrlPattern::any()],
            },
            _ => vec![UrlPattern::any()],
        }
    }

    fn consume(&mut self, span: Span) {
        self.consumed.insert((span.lo.0, span.hi.0));
    }

    // ----- request options ---------------------------------------------------------------

    fn options(&mut self, expr: Option<&Expr>, depth: u8) -> Options {
        let Some(expr) = expr else {
            return Options {
                method: WrapperMethod::Known("GET"),
                body: BodyKind::None,
            };
        };
        match expr {
            Expr::Object(object) => self.object_options(object),
            Expr::Ident(id) if depth < 3 => match self.facts.declaration(&id.sym, id.span) {
                Some(init) => self.options(Some(init), depth + 1),
                None => unknown_options(),
            },
            Expr::Paren(p) => self.options(Some(&p.expr), depth),
            _ => unknown_options(),
        }
    }

    fn object_options(&mut self, object: &ObjectLit) -> Options {
        let mut method = None;
        let mut body = BodyKind::None;
        let mut json_type: Option<bool> = Some(false);
        let mut spread = false;
        for prop in &object.props {
            let prop = match prop {
                PropOrSpread::Spread(_) => {
                    spread = true;
                    continue;
                }
                PropOrSpread::Prop(prop) => prop,
            };
            let (key, value): (String, Option<&Expr>) = match &**prop {
                Prop::KeyValue(kv) => (
                    prop_key(&kv.key).unwrap_or_default().to_string(),
                    Some(&kv.value),
                ),
                Prop::Shorthand(id) => (id.sym.to_string(), None),
                _ => continue,
            };
            match key.as_str() {
                "method" => {
                    method = Some(match value {
                        Some(value) => self.method_of(value),
                        None => self.method_of_ident(&key, object.span),
                    })
                }
                "body" | "data" | "json" => {
                    body = match value {
                        Some(value) if key == "body" => self.body_of(value, 0),
                        Some(value) => self.data_body_of(value),
                        None => {
                            let found = self.facts.declaration(&key, object.span);
                            match (found, key.as_str()) {
                                (Some(init), "body") => self.body_of(init, 1),
                                (Some(init), _) => self.data_body_of(init),
                                (None, "body") => BodyKind::Unknown,
                                (None, _) => BodyKind::Json,
                            }
                        }
                    };
                    // axios and ky send `data` / `json` objects with a JSON content type.
                    if key != "body" {
                        json_type = Some(true);
                    }
                }
                "headers" => {
                    json_type = match value {
                        Some(Expr::Object(headers)) => Some(has_json_content_type(headers)),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        if body == BodyKind::Json && json_type == Some(false) {
            body = BodyKind::JsonWithoutContentType;
        }
        let method = match method {
            Some(method) => method,
            None if spread => WrapperMethod::Unknown,
            None => WrapperMethod::Known("GET"),
        };
        Options { method, body }
    }

    fn method_of(&self, value: &Expr) -> WrapperMethod {
        match value {
            Expr::Lit(Lit::Str(s)) => match method_name(str_text(s)) {
                Some(m) => WrapperMethod::Known(m),
                None => WrapperMethod::Unknown,
            },
            Expr::Ident(id) => self.method_of_ident(&id.sym, id.span),
            Expr::TsAs(e) => self.method_of(&e.expr),
            _ => WrapperMethod::Unknown,
        }
    }

    fn method_of_ident(&self, name: &str, at: Span) -> WrapperMethod {
        if let Some(index) = self.param_index(name) {
            return WrapperMethod::Param(index);
        }
        match self.facts.declaration(name, at) {
            Some(Expr::Lit(Lit::Str(s))) => match method_name(str_text(s)) {
                Some(m) => WrapperMethod::Known(m),
                None => WrapperMethod::Unknown,
            },
            _ => WrapperMethod::Unknown,
        }
    }

    /// A `fetch` body.
    fn body_of(&self, value: &Expr, depth: u8) -> BodyKind {
        match value {
            Expr::Call(call) if is_member_call(call, "JSON", "stringify") => BodyKind::Json,
            Expr::New(new) if is_ident(&new.callee, "FormData") => BodyKind::FormData,
            Expr::New(new) if is_ident(&new.callee, "URLSearchParams") => BodyKind::UrlEncoded,
            Expr::Ident(id) => match self.facts.declaration(&id.sym, id.span) {
                Some(init) if depth < 3 => self.body_of(init, depth + 1),
                _ if id.sym.to_ascii_lowercase().contains("formdata") => BodyKind::FormData,
                _ => BodyKind::Unknown,
            },
            Expr::Paren(p) => self.body_of(&p.expr, depth),
            Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => BodyKind::Other,
            _ => BodyKind::Unknown,
        }
    }

    /// An axios `data` or ky `json`: objects go as JSON.
    fn data_body_of(&self, value: &Expr) -> BodyKind {
        match self.body_of(value, 0) {
            BodyKind::Unknown | BodyKind::Json => BodyKind::Json,
            BodyKind::Other => BodyKind::Other,
            kind => kind,
        }
    }

    // ----- recording ---------------------------------------------------------------------

    /// Records a direct request; when its URL uses a parameter of the enclosing named function,
    /// that function is a wrapper too.
    fn request(
        &mut self,
        url: &Expr,
        method: WrapperMethod,
        body: BodyKind,
        style: CallStyle,
        span: Span,
    ) {
        let patterns = self.urls(url, 0);
        self.record(patterns, method, body, style, span);
    }

    /// Records a request whose URL has been read.
    fn record(
        &mut self,
        patterns: Vec<UrlPattern>,
        method: WrapperMethod,
        body: BodyKind,
        style: CallStyle,
        span: Span,
    ) {
        let context = self.context();
        let location = self.file.location_of(span);
        for pattern in patterns {
            if pattern.has_params() || matches!(method, WrapperMethod::Param(_)) {
                if let Some((name, _)) = self.wrapper_function() {
                    self.out.wrappers.push(WrapperDef {
                        name,
                        url: pattern.clone(),
                        method: method.clone(),
                        body,
                    });
                    // The URL comes from the wrapper's caller: the calls are the sites.
                    if pattern.has_params() {
                        continue;
                    }
                }
            }
            let concrete = pattern.substitute(&|_| None);
            let Some(url) = concrete.api_path() else {
                continue;
            };
            self.out.sites.push(CallSite {
                absolute: concrete.is_absolute(),
                url,
                method: match method {
                    WrapperMethod::Known(m) => Some(m),
                    _ => None,
                },
                body,
                style: style.clone(),
                location: location.clone(),
                context,
            });
        }
    }

    fn client(&mut self, name: Option<String>, prefix: UrlPattern) {
        if let Some(name) = name {
            self.out.clients.push(ClientDef {
                name,
                prefix: prefix.clone(),
            });
        }
        // A function that makes a client is a client factory: `useApi()`.
        if let Some((function, _)) = self.wrapper_function() {
            self.out.clients.push(ClientDef {
                name: function,
                prefix,
            });
        }
    }

    fn binding(&self, local: &str) -> Binding {
        match self.facts.import_of(local) {
            Some((specifier, name)) => Binding::Imported {
                specifier: specifier.to_string(),
                name: name.to_string(),
            },
            None => Binding::Local(local.to_string()),
        }
    }

    /// A call that may go through a wrapper or client: kept when an argument reads as a path.
    fn pending(&mut self, target: CallTarget, call: &CallExpr) {
        let args: Vec<&Expr> = call
            .args
            .iter()
            .take(3)
            .filter(|a| a.spread.is_none())
            .map(|a| &*a.expr)
            .collect();
        if args.len() == call.args.len().min(3) {
            self.pending_args(target, &args, call.span);
        }
    }

    fn pending_args(&mut self, target: CallTarget, call_args: &[&Expr], span: Span) {
        let mut args = Vec::new();
        let mut string_args = Vec::new();
        let mut path_like = false;
        for arg in call_args {
            let pattern = self.argument_urls(arg).into_iter().next();
            if let Some(pattern) = &pattern {
                let text = pattern.to_string();
                if text.starts_with('/') || pattern.api_path().is_some() {
                    path_like = true;
                }
            }
            args.push(pattern);
            string_args.push(match arg {
                Expr::Lit(Lit::Str(s)) => Some(str_text(s).to_string()),
                _ => None,
            });
        }
        if !path_like {
            return;
        }
        let body = match call_args.get(1) {
            Some(arg) => self.data_body_of(arg),
            None => BodyKind::None,
        };
        let location = self.file.location_of(span);
        let context = self.context();
        let fallback = args
            .iter()
            .flatten()
            .filter_map(|pattern| {
                Some(CallSite {
                    absolute: pattern.is_absolute(),
                    url: pattern.api_path()?,
                    method: None,
                    body: BodyKind::Unknown,
                    style: CallStyle::Reference,
                    location: location.clone(),
                    context,
                })
            })
            .collect();
        self.out.pending.push(PendingCall {
            target,
            args,
            string_args,
            body,
            location,
            context,
            fallback,
        });
    }

    /// URL patterns of an argument that reads as a path, with parameters left as run-time
    /// parts. Its literals count as read: a call that turns out to be no request reports them
    /// through its `fallback`, and literals that are no `/api` URL are never references anyway.
    fn argument_urls(&mut self, expr: &Expr) -> Vec<UrlPattern> {
        self.urls(expr, 0)
            .into_iter()
            .map(|p| p.substitute(&|_| None))
            .filter(|p| {
                p.parts
                    .first()
                    .is_some_and(|f| matches!(f, UrlPart::Text(_)))
                    || p.api_path().is_some()
            })
            .collect()
    }

    // ----- calls -------------------------------------------------------------------------

    fn is_axios(&self, local: &str) -> bool {
        self.facts.imported_from(local, "axios", None)
            || (local == "axios" && self.facts.import_of(local).is_none())
    }

    fn is_ky(&self, local: &str) -> bool {
        self.facts.imported_from(local, "ky", None)
    }

    fn swr_hook(&self, local: &str) -> Option<CallStyle> {
        let (specifier, imported) = self.facts.import_of(local)?;
        match (specifier, imported) {
            ("swr", "default" | "useSWR" | "useSWRImmutable")
            | ("swr/immutable", "default")
            | ("swr/infinite", "default") => Some(CallStyle::Swr),
            ("swr/mutation", "default") => Some(CallStyle::SwrMutation),
            ("swr", "mutate") => Some(CallStyle::SwrMutate),
            _ => None,
        }
    }

    fn call(&mut self, call: &CallExpr) {
        let Callee::Expr(callee) = &call.callee else {
            return;
        };
        let arg = |i: usize| call.args.get(i).map(|a| &*a.expr);
        match &**callee {
            Expr::Ident(id) => {
                let name = &*id.sym;
                if name == "fetch" && self.facts.import_of(name).is_none() {
                    let Some(url) = arg(0) else { return };
                    let options = self.options(arg(1), 0);
                    self.request(
                        url,
                        options.method,
                        options.body,
                        CallStyle::Fetch,
                        call.span,
                    );
                    return;
                }
                if self.is_axios(name) || self.is_ky(name) {
                    let style = if self.is_ky(name) {
                        CallStyle::Ky
                    } else {
                        CallStyle::Axios
                    };
                    let Some(first) = arg(0) else { return };
                    if let Expr::Object(config) = first {
                        // `axios({ url, method, data })`
                        if let Some(url) = object_value(config, "url") {
                            let options = self.object_options(config);
                            self.request(url, options.method, options.body, style, call.span);
                        }
                    } else {
                        let options = self.options(arg(1), 0);
                        self.request(first, options.method, options.body, style, call.span);
                    }
                    return;
                }
                if let Some(style) = self.swr_hook(name).or_else(|| {
                    matches!(name, "useSWR" | "useSWRImmutable" | "useSWRInfinite")
                        .then_some(CallStyle::Swr)
                }) {
                    let Some(key) = arg(0) else { return };
                    let key = swr_key(key);
                    // The fetcher sends the mutation; which method and body is its business.
                    let (method, body) = match style {
                        CallStyle::SwrMutation => (WrapperMethod::Unknown, BodyKind::Unknown),
                        _ => (WrapperMethod::Known("GET"), BodyKind::None),
                    };
                    // `useSWR('/profile', fetcher)` where the fetcher adds `/api` itself: the
                    // fetcher is called with the key.
                    let patterns = self.urls(key, 0);
                    let reads_as_api = patterns.iter().any(|p| p.api_path().is_some());
                    if let (false, CallStyle::Swr, Some(Expr::Ident(fetcher))) =
                        (reads_as_api, &style, arg(1))
                    {
                        let target = CallTarget::Function(self.binding(&fetcher.sym));
                        self.pending_args(target, &[key], call.span);
                        return;
                    }
                    self.record(patterns, method, body, style, call.span);
                    return;
                }
                if name == "mutate" || self.swr_hook(name) == Some(CallStyle::SwrMutate) {
                    if let Some(key) = arg(0) {
                        let key = swr_key(key);
                        let patterns = self.urls(key, 0);
                        if patterns.iter().any(|p| p.api_path().is_some()) {
                            self.record(
                                patterns,
                                WrapperMethod::Known("GET"),
                                BodyKind::None,
                                CallStyle::SwrMutate,
                                call.span,
                            );
                            return;
                        }
                    }
                    return;
                }
                if let Some((factory, member)) = self.facts.client_aliases.get(name) {
                    if !member.is_empty() {
                        let target = CallTarget::Member(self.binding(factory), member.clone());
                        self.pending(target, call);
                        return;
                    }
                }
                if self
                    .facts
                    .imported_from(name, "next-basics", Some("useApi"))
                {
                    // A known client factory: its members prefix `/api` themselves.
                    let prefix = UrlPattern::text("/api");
                    self.client(None, prefix);
                    return;
                }
                let target = CallTarget::Function(self.binding(name));
                self.pending(target, call);
            }
            Expr::Member(member) => {
                let Some(prop) = member_prop(&member.prop) else {
                    return;
                };
                match &*member.obj {
                    Expr::Ident(obj) => {
                        let obj_name = &*obj.sym;
                        if (self.is_axios(obj_name) || self.is_ky(obj_name))
                            && matches!(prop, "create" | "extend")
                        {
                            return; // handled where it is bound (see `var_declarator`)
                        }
                        if self.is_axios(obj_name) || self.is_ky(obj_name) {
                            let style = if self.is_ky(obj_name) {
                                CallStyle::Ky
                            } else {
                                CallStyle::Axios
                            };
                            if prop == "request" {
                                if let Some(Expr::Object(config)) = arg(0) {
                                    if let Some(url) = object_value(config, "url") {
                                        let options = self.object_options(config);
                                        self.request(
                                            url,
                                            options.method,
                                            options.body,
                                            style,
                                            call.span,
                                        );
                                    }
                                }
                                return;
                            }
                            let Some(method) = super::client_method(prop) else {
                                return;
                            };
                            let Some(url) = arg(0) else { return };
                            let body = if matches!(method, "GET" | "DELETE" | "HEAD") {
                                BodyKind::None
                            } else {
                                match arg(1) {
                                    Some(data) if style == CallStyle::Axios => {
                                        self.data_body_of(data)
                                    }
                                    Some(options) => self.options(Some(options), 0).body,
                                    None => BodyKind::None,
                                }
                            };
                            self.request(url, WrapperMethod::Known(method), body, style, call.span);
                            return;
                        }
                        if matches!(obj_name, "window" | "globalThis" | "self") && prop == "fetch" {
                            let Some(url) = arg(0) else { return };
                            let options = self.options(arg(1), 0);
                            self.request(
                                url,
                                options.method,
                                options.body,
                                CallStyle::Fetch,
                                call.span,
                            );
                            return;
                        }
                        if obj_name == "navigator" && prop == "sendBeacon" {
                            let Some(url) = arg(0) else { return };
                            // A string beacon goes as text/plain, whatever it holds.
                            let body = match arg(1).map_or(BodyKind::None, |b| self.body_of(b, 0)) {
                                BodyKind::Json => BodyKind::JsonWithoutContentType,
                                other => other,
                            };
                            self.request(
                                url,
                                WrapperMethod::Known("POST"),
                                body,
                                CallStyle::Beacon,
                                call.span,
                            );
                            return;
                        }
                        if obj_name == "window" && prop == "open" {
                            let Some(url) = arg(0) else { return };
                            self.request(
                                url,
                                WrapperMethod::Known("GET"),
                                BodyKind::None,
                                CallStyle::Navigation,
                                call.span,
                            );
                            return;
                        }
                        if obj_name.to_ascii_lowercase().contains("router")
                            && matches!(prop, "push" | "replace")
                        {
                            let Some(url) = arg(0) else { return };
                            self.request(
                                url,
                                WrapperMethod::Known("GET"),
                                BodyKind::None,
                                CallStyle::Navigation,
                                call.span,
                            );
                            return;
                        }
                        let (binding, member_name) = match self.facts.client_aliases.get(obj_name) {
                            Some((factory, m)) if m.is_empty() => {
                                (self.binding(factory), prop.to_string())
                            }
                            _ => (self.binding(obj_name), prop.to_string()),
                        };
                        self.pending(CallTarget::Member(binding, member_name), call);
                    }
                    // `window.location.assign(url)`
                    Expr::Member(inner)
                        if member_prop(&inner.prop) == Some("location")
                            && matches!(prop, "assign" | "replace") =>
                    {
                        let Some(url) = arg(0) else { return };
                        self.request(
                            url,
                            WrapperMethod::Known("GET"),
                            BodyKind::None,
                            CallStyle::Navigation,
                            call.span,
                        );
                    }
                    // `useApi().get(url)`
                    Expr::Call(inner) => {
                        if let Some(factory) = callee_ident(inner) {
                            let target =
                                CallTarget::Member(self.binding(factory), prop.to_string());
                            self.pending(target, call);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// `axios.create({ baseURL })`, `ky.create({ prefixUrl })`: the prefix, when `expr` makes a client.
    fn client_prefix(&mut self, expr: &Expr) -> Option<UrlPattern> {
        let Expr::Call(call) = expr else { return None };
        let Callee::Expr(callee) = &call.callee else {
            return None;
        };
        let Expr::Member(member) = &**callee else {
            return None;
        };
        let Expr::Ident(obj) = &*member.obj else {
            return None;
        };
        let creates = matches!(member_prop(&member.prop), Some("create" | "extend"));
        if !creates || !(self.is_axios(&obj.sym) || self.is_ky(&obj.sym)) {
            return None;
        }
        let key = if self.is_ky(&obj.sym) {
            "prefixUrl"
        } else {
            "baseURL"
        };
        let base = match call.args.first().map(|a| &*a.expr) {
            Some(Expr::Object(config)) => object_value(config, key),
            _ => None,
        };
        Some(match base {
            Some(base) => self
                .urls(base, 0)
                .into_iter()
                .next()
                .unwrap_or_else(UrlPattern::any),
            None => UrlPattern::default(),
        })
    }

    // ----- after the walk ----------------------------------------------------------------

    fn exports(&mut self) {
        for item in &self.file.module.body {
            let ModuleItem::ModuleDecl(decl) = item else {
                continue;
            };
            match decl {
                ModuleDecl::ExportDecl(export) => match &export.decl {
                    Decl::Fn(f) => {
                        let name = f.ident.sym.to_string();
                        self.out.exports.push((name.clone(), name));
                    }
                    Decl::Var(var) => {
                        for declarator in &var.decls {
                            if let Pat::Ident(id) = &declarator.name {
                                let name = id.id.sym.to_string();
                                self.out.exports.push((name.clone(), name));
                            }
                        }
                    }
                    _ => {}
                },
                ModuleDecl::ExportDefaultDecl(export) => {
                    if let DefaultDecl::Fn(f) = &export.decl {
                        let local = f
                            .ident
                            .as_ref()
                            .map_or("default".to_string(), |i| i.sym.to_string());
                        self.out.exports.push(("default".into(), local));
                    }
                }
                ModuleDecl::ExportDefaultExpr(export) => {
                    if let Expr::Ident(id) = &*export.expr {
                        self.out
                            .exports
                            .push(("default".into(), id.sym.to_string()));
                    }
                }
                ModuleDecl::ExportAll(all) => {
                    self.out.reexports.push((
                        "*".into(),
                        str_text(&all.src).to_string(),
                        "*".into(),
                    ));
                }
                ModuleDecl::ExportNamed(named) if named.src.is_some() => {
                    let specifier = named
                        .src
                        .as_deref()
                        .map(str_text)
                        .unwrap_or_default()
                        .to_string();
                    for s in &named.specifiers {
                        let (exported, original) = match s {
                            swc_ecma_ast::ExportSpecifier::Named(n) => {
                                let original = export_name(&n.orig);
                                let exported =
                                    n.exported.as_ref().map_or(original.clone(), export_name);
                                (exported, original)
                            }
                            swc_ecma_ast::ExportSpecifier::Default(d) => {
                                (d.exported.sym.to_string(), "default".into())
                            }
                            swc_ecma_ast::ExportSpecifier::Namespace(_) => continue,
                        };
                        self.out
                            .reexports
                            .push((exported, specifier.clone(), original));
                    }
                }
                ModuleDecl::ExportNamed(named) if named.src.is_none() => {
                    for specifier in &named.specifiers {
                        if let swc_ecma_ast::ExportSpecifier::Named(n) = specifier {
                            let local = export_name(&n.orig);
                            let exported = n.exported.as_ref().map_or(local.clone(), export_name);
                            self.out.exports.push((exported, local));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `/api` URLs written down outside any call this module can read.
    fn references(&mut self) {
        struct Literals {
            found: Vec<Expr>,
        }
        impl Visit for Literals {
            fn visit_module_decl(&mut self, decl: &ModuleDecl) {
                match decl {
                    ModuleDecl::Import(_) | ModuleDecl::ExportAll(_) => {}
                    ModuleDecl::ExportNamed(named) if named.src.is_some() => {}
                    _ => decl.visit_children_with(self),
                }
            }
            fn visit_ts_type(&mut self, _: &TsType) {}
            fn visit_str(&mut self, s: &Str) {
                if s.value.as_str().is_some_and(|v| v.contains("/api")) {
                    self.found.push(Expr::Lit(Lit::Str(s.clone())));
                }
            }
            fn visit_tpl(&mut self, tpl: &Tpl) {
                if tpl.quasis.iter().any(|q| q.raw.contains("/api")) {
                    self.found.push(Expr::Tpl(tpl.clone()));
                }
                tpl.visit_children_with(self);
            }
        }
        let mut literals = Literals { found: Vec::new() };
        self.file.module.visit_with(&mut literals);
        let context = self.context();
        for expr in literals.found {
            let span = match &expr {
                Expr::Lit(Lit::Str(s)) => s.span,
                Expr::Tpl(t) => t.span,
                _ => continue,
            };
            if self.consumed.contains(&(span.lo.0, span.hi.0)) {
                continue;
            }
            for pattern in self.urls(&expr, 0) {
                let Some(url) = pattern.api_path() else {
                    continue;
                };
                self.out.sites.push(CallSite {
                    absolute: pattern.is_absolute(),
                    url,
                    method: None,
                    body: BodyKind::Unknown,
                    style: CallStyle::Reference,
                    location: self.file.location_of(span),
                    context,
                });
            }
        }
    }
}

fn unknown_options() -> Options {
    Options {
        method: WrapperMethod::Unknown,
        body: BodyKind::Unknown,
    }
}

impl Visit for Extractor<'_, '_> {
    fn visit_fn_decl(&mut self, decl: &FnDecl) {
        self.next_name = Some(decl.ident.sym.to_string());
        decl.function.visit_with(self);
    }

    fn visit_function(&mut self, function: &Function) {
        let name = self.next_name.take();
        let use_server = function.body.as_ref().is_some_and(|b| {
            b.stmts.first().is_some_and(|s| {
                matches!(s, Stmt::Expr(e) if matches!(&*e.expr, Expr::Lit(Lit::Str(s)) if str_text(s) == "use server"))
            })
        });
        self.frames.push(Frame::Function {
            name,
            params: function
                .params
                .iter()
                .map(|p| simple_param(&p.pat))
                .collect(),
            use_server,
        });
        function.visit_children_with(self);
        self.frames.pop();
    }

    fn visit_arrow_expr(&mut self, arrow: &ArrowExpr) {
        let name = self.next_name.take();
        self.frames.push(Frame::Function {
            name,
            params: arrow.params.iter().map(simple_param).collect(),
            use_server: false,
        });
        arrow.visit_children_with(self);
        self.frames.pop();
    }

    fn visit_var_declarator(&mut self, declarator: &VarDeclarator) {
        let Some(init) = &declarator.init else {
            return;
        };
        let name = match &declarator.name {
            Pat::Ident(id) => Some(id.id.sym.to_string()),
            _ => None,
        };
        if let Some(prefix) = self.client_prefix(init) {
            self.client(name, prefix);
            return;
        }
        match (&**init, name) {
            (Expr::Arrow(_) | Expr::Fn(_), Some(name)) => {
                self.next_name = Some(name);
                init.visit_with(self);
            }
            // `const handleSave = useCallback(async () => …, [])`
            (Expr::Call(call), Some(name))
                if callee_ident(call).is_some_and(|c| c == "useCallback")
                    && call
                        .args
                        .first()
                        .is_some_and(|a| matches!(&*a.expr, Expr::Arrow(_) | Expr::Fn(_))) =>
            {
                self.next_name = Some(name);
                call.args[0].expr.visit_with(self);
                for arg in &call.args[1..] {
                    arg.visit_with(self);
                }
            }
            (Expr::Object(_), Some(name)) => {
                self.frames.push(Frame::Object(name));
                init.visit_with(self);
                self.frames.pop();
            }
            _ => init.visit_with(self),
        }
    }

    fn visit_prop(&mut self, prop: &Prop) {
        let key = match prop {
            Prop::KeyValue(kv) => prop_key(&kv.key).unwrap_or_default().to_string(),
            Prop::Method(m) => prop_key(&m.key).unwrap_or_default().to_string(),
            _ => {
                prop.visit_children_with(self);
                return;
            }
        };
        // A function in an object bound to a name is a method of that object: `api.get`.
        let in_object = matches!(self.frames.last(), Some(Frame::Object(_)));
        self.frames.push(Frame::Property(key.clone()));
        match prop {
            Prop::KeyValue(kv) => {
                if in_object && matches!(&*kv.value, Expr::Arrow(_) | Expr::Fn(_)) {
                    self.next_name = Some(key);
                }
                kv.value.visit_with(self);
            }
            Prop::Method(m) => {
                if in_object {
                    self.next_name = Some(key);
                }
                m.function.visit_with(self);
            }
            _ => {}
        }
        self.frames.pop();
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        self.next_name = None;
        // A hook call and everything in its arguments run in the browser.
        let hook = callee_ident(call).is_some_and(is_hook_name);
        if hook {
            self.frames.push(Frame::HookArg);
        }
        self.call(call);
        if let Callee::Expr(callee) = &call.callee {
            callee.visit_with(self);
        }
        for arg in &call.args {
            arg.visit_with(self);
        }
        if hook {
            self.frames.pop();
        }
    }

    fn visit_new_expr(&mut self, new: &NewExpr) {
        if is_ident(&new.callee, "EventSource") {
            if let Some(url) = new.args.as_ref().and_then(|a| a.first()) {
                self.request(
                    &url.expr,
                    WrapperMethod::Known("GET"),
                    BodyKind::None,
                    CallStyle::EventSource,
                    new.span,
                );
            }
        }
        new.visit_children_with(self);
    }

    fn visit_assign_expr(&mut self, assign: &AssignExpr) {
        // `window.location.href = url`, `location.href = url`, `window.location = url`
        if let AssignTarget::Simple(SimpleAssignTarget::Member(member)) = &assign.left {
            let text = self.file.slice(member.span);
            if matches!(
                text,
                "window.location.href"
                    | "location.href"
                    | "window.location"
                    | "document.location.href"
            ) {
                self.request(
                    &assign.right,
                    WrapperMethod::Known("GET"),
                    BodyKind::None,
                    CallStyle::Navigation,
                    assign.span,
                );
            }
        }
        assign.visit_children_with(self);
    }

    fn visit_jsx_opening_element(&mut self, element: &JSXOpeningElement) {
        let tag = match &element.name {
            JSXElementName::Ident(id) => id.sym.to_string(),
            _ => String::new(),
        };
        let target = match tag.as_str() {
            "form" => attr_by(element, "action").map(|a| (a, CallStyle::FormAction)),
            "a" | "Link" => attr_by(element, "href").map(|a| (a, CallStyle::Link)),
            _ => None,
        };
        if let Some((attr, style)) = target {
            let method = if style == CallStyle::FormAction {
                match attr_text(attr_by(element, "method")) {
                    Some(m) => method_name(&m).map_or(WrapperMethod::Unknown, WrapperMethod::Known),
                    None => WrapperMethod::Known("GET"),
                }
            } else {
                WrapperMethod::Known("GET")
            };
            let body = if style == CallStyle::FormAction && method != WrapperMethod::Known("GET") {
                match attr_text(attr_by(element, "encType")) {
                    Some(t) if t == "multipart/form-data" => BodyKind::FormData,
                    _ => BodyKind::UrlEncoded,
                }
            } else {
                BodyKind::None
            };
            let value: Option<Expr> = match &attr.value {
                Some(JSXAttrValue::Str(s)) => Some(Expr::Lit(Lit::Str(s.clone()))),
                Some(JSXAttrValue::JSXExprContainer(c)) => match &c.expr {
                    JSXExpr::Expr(e) => Some((**e).clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(value) = value {
                let frame = if style == CallStyle::FormAction {
                    "action"
                } else {
                    "href"
                };
                self.frames.push(Frame::JsxAttr(frame.into()));
                let context_style = style.clone();
                self.request(&value, method, body, context_style, attr.span);
                self.frames.pop();
                // Mark the literal inside the attribute as read.
                if let Some(JSXAttrValue::Str(s)) = &attr.value {
                    self.consume(s.span);
                }
            }
        }
        for a in &element.attrs {
            match a {
                JSXAttrOrSpread::JSXAttr(attr) => {
                    self.frames.push(Frame::JsxAttr(jsx_attr_name(attr)));
                    attr.value.visit_with(self);
                    self.frames.pop();
                }
                JSXAttrOrSpread::SpreadElement(spread) => spread.visit_with(self),
            }
        }
    }
}

fn attr_by<'e>(element: &'e JSXOpeningElement, name: &str) -> Option<&'e JSXAttr> {
    element.attrs.iter().find_map(|a| match a {
        JSXAttrOrSpread::JSXAttr(attr) if jsx_attr_name(attr) == name => Some(attr),
        _ => None,
    })
}

fn attr_text(attr: Option<&JSXAttr>) -> Option<String> {
    match &attr?.value {
        Some(JSXAttrValue::Str(s)) => Some(str_text(s).to_string()),
        Some(JSXAttrValue::JSXExprContainer(c)) => match &c.expr {
            JSXExpr::Expr(e) => match &**e {
                Expr::Lit(Lit::Str(s)) => Some(str_text(s).to_string()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

fn jsx_attr_name(attr: &JSXAttr) -> String {
    match &attr.name {
        JSXAttrName::Ident(id) => id.sym.to_string(),
        JSXAttrName::JSXNamespacedName(n) => format!("{}:{}", n.ns.sym, n.name.sym),
    }
}

/// The URL part of an SWR key: `[url, token]` → `url`; `() => url` → `url`.
fn swr_key(key: &Expr) -> &Expr {
    match key {
        Expr::Array(array) => array
            .elems
            .first()
            .and_then(|e| e.as_ref())
            .map_or(key, |e: &ExprOrSpread| &e.expr),
        Expr::Arrow(arrow) => match &*arrow.body {
            ArrowFunctionBody::Expr(expr) => swr_key(expr),
            ArrowFunctionBody::FunctionBody(_) => key,
        },
        Expr::Paren(p) => swr_key(&p.expr),
        _ => key,
    }
}

fn has_json_content_type(headers: &ObjectLit) -> bool {
    headers.props.iter().any(|prop| {
        let PropOrSpread::Prop(prop) = prop else {
            return true; // spread: cannot tell, assume the caller set it
        };
        let Prop::KeyValue(kv) = &**prop else {
            return false;
        };
        prop_key(&kv.key)
            .unwrap_or_default()
            .eq_ignore_ascii_case("content-type")
            && match &*kv.value {
                Expr::Lit(Lit::Str(s)) => str_text(s).contains("json"),
                _ => true,
            }
    })
}

fn object_value<'o>(object: &'o ObjectLit, key: &str) -> Option<&'o Expr> {
    object.props.iter().find_map(|prop| match prop {
        PropOrSpread::Prop(prop) => match &**prop {
            Prop::KeyValue(kv) if prop_key(&kv.key) == Some(key) => Some(&*kv.value),
            _ => None,
        },
        _ => None,
    })
}

fn simple_param(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(id) => Some(id.id.sym.to_string()),
        Pat::Assign(assign) => simple_param(&assign.left),
        _ => None,
    }
}

/// `useApi()` → `useApi`: a call of a plain name, maybe awaited.
fn call_of_ident(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Call(call) => callee_ident(call),
        Expr::Await(a) => call_of_ident(&a.arg),
        _ => None,
    }
}

fn is_member_call(call: &CallExpr, object: &str, method: &str) -> bool {
    match &call.callee {
        Callee::Expr(expr) => match &**expr {
            Expr::Member(member) => {
                is_ident(&member.obj, object) && member_prop(&member.prop) == Some(method)
            }
            _ => false,
        },
        _ => false,
    }
}

fn is_hook_name(name: &str) -> bool {
    name.strip_prefix("use")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_uppercase())
}

fn is_handler_name(name: &str) -> bool {
    let upper_after = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c.is_ascii_uppercase())
    };
    upper_after("handle") || upper_after("on")
}

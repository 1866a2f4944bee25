//! Small readings of swc's AST that every analysis needs, kept in one place so that they agree.

use swc_ecma_ast::{
    CallExpr, Callee, Expr, Lit, MemberProp, Module, ModuleExportName, Pat, PropName, Str,
    VarDeclarator,
};
use swc_ecma_visit::{Visit, VisitWith};

/// The expression inside any parentheses: `((x))` → `x`. Only parentheses, so the span still
/// covers what a rewrite replaces.
pub fn strip_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => strip_parens(&p.expr),
        other => other,
    }
}

/// The value an expression computes, without parentheses and the TypeScript-only wrappers that
/// do not change it: `x!`, `x as T`, `x satisfies T`, `x as const`, `<T>x`.
pub fn unwrap_expr(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => unwrap_expr(&p.expr),
        Expr::TsNonNull(n) => unwrap_expr(&n.expr),
        Expr::TsAs(a) => unwrap_expr(&a.expr),
        Expr::TsSatisfies(s) => unwrap_expr(&s.expr),
        Expr::TsConstAssertion(c) => unwrap_expr(&c.expr),
        Expr::TsTypeAssertion(t) => unwrap_expr(&t.expr),
        other => other,
    }
}

/// Whether `expr` is the name `name` (in parentheses or not).
pub fn is_ident(expr: &Expr, name: &str) -> bool {
    matches!(strip_parens(expr), Expr::Ident(id) if &*id.sym == name)
}

/// A string literal's text (empty when it is not valid UTF-8).
pub fn str_text(s: &Str) -> &str {
    s.value.as_str().unwrap_or_default()
}

/// The text of a string literal or of a template without `${}` parts.
pub fn string_value(expr: &Expr) -> Option<&str> {
    match unwrap_expr(expr) {
        Expr::Lit(Lit::Str(s)) => s.value.as_str(),
        Expr::Tpl(tpl) if tpl.exprs.is_empty() => tpl.quasis.first().map(|q| &*q.raw),
        _ => None,
    }
}

/// `'GET'` → `GET`: a string that is exactly an HTTP method name.
pub fn method_literal(expr: &Expr) -> Option<&'static str> {
    let value = string_value(expr)?;
    crate::route_handler::dispatch::ALL_METHODS
        .iter()
        .copied()
        .find(|m| *m == value)
}

/// `.name` of a member expression (not a computed `[key]` or a `#private` one).
pub fn member_prop(prop: &MemberProp) -> Option<&str> {
    match prop {
        MemberProp::Ident(id) => Some(&id.sym),
        _ => None,
    }
}

/// An object key written as a name or a string: `method` and `'content-type'`.
pub fn prop_key(name: &PropName) -> Option<&str> {
    match name {
        PropName::Ident(id) => Some(&id.sym),
        PropName::Str(s) => s.value.as_str(),
        _ => None,
    }
}

/// What is called, unless it is `super(…)` or `import(…)`.
pub fn callee_expr(call: &CallExpr) -> Option<&Expr> {
    match &call.callee {
        Callee::Expr(expr) => Some(expr),
        _ => None,
    }
}

/// `name(…)`: the name of a plainly called function.
pub fn callee_ident(call: &CallExpr) -> Option<&str> {
    match callee_expr(call)? {
        Expr::Ident(id) => Some(&id.sym),
        _ => None,
    }
}

/// An import or export name: `x` or `'x'`.
pub fn export_name(name: &ModuleExportName) -> String {
    match name {
        ModuleExportName::Ident(ident) => ident.sym.to_string(),
        ModuleExportName::Str(s) => str_text(s).to_string(),
    }
}

/// Records, in source order, every variable whose initialiser `matches` accepts; `matches` sees
/// `state` as recorded so far, so that a local holding one (`const f = form`) counts too.
pub fn record_locals<S>(
    module: &Module,
    state: &mut S,
    matches: fn(&S, &Expr) -> bool,
    record: fn(&mut S, String),
) {
    struct Locals<'s, S> {
        state: &'s mut S,
        matches: fn(&S, &Expr) -> bool,
        record: fn(&mut S, String),
    }
    impl<S> Visit for Locals<'_, S> {
        fn visit_var_declarator(&mut self, declarator: &VarDeclarator) {
            if let (Pat::Ident(name), Some(init)) = (&declarator.name, declarator.init.as_deref()) {
                if (self.matches)(self.state, init) {
                    (self.record)(self.state, name.id.sym.to_string());
                }
            }
            declarator.visit_children_with(self);
        }
    }
    module.visit_with(&mut Locals {
        state,
        matches,
        record,
    });
}

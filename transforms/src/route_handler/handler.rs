//! Finding the handler: the shape of a route file's default export.
//!
//! Converted shapes: `export default [async] function [name](req, res) {…}`, `export default
//! [async] (req, res) => …`, and `export default handler` (or `export { handler as default }`)
//! naming a top-level `function handler` or `const handler = <function or arrow>`. Wrapped
//! exports (`export default withAuth(handler)`), `module.exports` and anything else are left
//! for manual work.

use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, AssignTarget, Decl, DefaultDecl, ExportSpecifier, Expr, Function,
    FunctionBody, ModuleDecl, ModuleExportName, ModuleItem, Pat, SimpleAssignTarget, Stmt,
    TsTypeAnn, VarDeclKind,
};

use crate::ast::strip_parens;
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;

/// The body of the handler function.
#[derive(Clone, Copy)]
pub enum HandlerBody<'a> {
    Block(&'a FunctionBody),
    Expr(&'a Expr),
}

impl<'a> HandlerBody<'a> {
    /// The statements of a block body, or the expression of an arrow's expression body.
    pub fn parts(self) -> (&'a [swc_ecma_ast::Stmt], Option<&'a Expr>) {
        match self {
            HandlerBody::Block(block) => (&block.stmts, None),
            HandlerBody::Expr(expr) => (&[], Some(expr)),
        }
    }
}

/// How the handler is declared, which decides how the declaration is rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declaration {
    /// `export default function …` / `export default async (…) => …`: the whole module item.
    DefaultExport {
        item: Range<usize>,
        anonymous: bool,
        arrow: bool,
    },
    /// A top-level declaration (`function handler` or `const handler = …`) exported elsewhere.
    Declared {
        /// The declaration statement.
        declaration: Range<usize>,
        /// `export default handler` / `export { handler as default }` statement.
        export: Range<usize>,
        /// A type annotation on the variable (`const handler: NextApiHandler = …`), colon included.
        variable_type: Option<Range<usize>>,
        arrow: bool,
    },
    /// `export default withAuth(handler, …)` or `export default withAuth(async (req, res) => …)`:
    /// a project wrapper (see `crate::helper_module`) around the handler.
    Wrapped {
        /// The `export default …` statement.
        export: Range<usize>,
        /// The wrapper call.
        call: Range<usize>,
        /// The wrapper's name in the call.
        callee: Range<usize>,
        /// The handler's own declaration, when the call names it; its type annotation, if any.
        declaration: Option<Range<usize>>,
        variable_type: Option<Range<usize>>,
    },
}

pub struct Handler<'a> {
    pub params: Vec<&'a Pat>,
    pub body: HandlerBody<'a>,
    pub is_async: bool,
    /// The function's (or variable's) own name, if it has one.
    pub name: Option<String>,
    pub declaration: Declaration,
    /// The function or arrow expression itself.
    pub function_span: Span,
    /// The span of the return type annotation, if any.
    pub return_type: Option<&'a TsTypeAnn>,
}

/// Whether a module has a default export (or assigns `module.exports`): a file under
/// `pages/api` without one is a helper module, not a route.
pub fn is_route_module(file: &ParsedFile) -> bool {
    file.module.body.iter().any(|item| match item {
        ModuleItem::ModuleDecl(
            ModuleDecl::ExportDefaultDecl(_) | ModuleDecl::ExportDefaultExpr(_),
        ) => true,
        ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(named)) => {
            named.specifiers.iter().any(is_default_specifier)
        }
        ModuleItem::Stmt(stmt) => module_exports_assignment(stmt).is_some(),
        _ => false,
    })
}

/// `export { handler as default }`, and `export { default } from './x'` (the default export is
/// another module's).
fn is_default_specifier(specifier: &ExportSpecifier) -> bool {
    let is_default = |name: &ModuleExportName| matches!(name, ModuleExportName::Ident(id) if &*id.sym == "default");
    match specifier {
        ExportSpecifier::Named(named) => match &named.exported {
            Some(exported) => is_default(exported),
            None => is_default(&named.orig),
        },
        _ => false,
    }
}

fn module_exports_assignment(stmt: &Stmt) -> Option<Span> {
    let Stmt::Expr(expr) = stmt else { return None };
    let Expr::Assign(assign) = &*expr.expr else {
        return None;
    };
    let AssignTarget::Simple(SimpleAssignTarget::Member(member)) = &assign.left else {
        return None;
    };
    let Expr::Ident(obj) = &*member.obj else {
        return None;
    };
    (&*obj.sym == "module" && member.prop.as_ident().is_some_and(|p| &*p.sym == "exports"))
        .then_some(stmt.span())
}

/// Finds the handler, or says precisely why it cannot be converted.
pub fn find_handler(file: &ParsedFile) -> Result<Handler<'_>, Diagnostic> {
    find_handler_with(file, &|_| None)
}

/// [`find_handler`], also through a call of a project wrapper: `wraps` gives, for the local
/// name of a function the file calls, the position of the handler argument when it is one.
pub fn find_handler_with<'a>(
    file: &'a ParsedFile,
    wraps: &dyn Fn(&str) -> Option<usize>,
) -> Result<Handler<'a>, Diagnostic> {
    for item in &file.module.body {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(export)) => {
                let item_range = file.range(export.span);
                return match &export.decl {
                    DefaultDecl::Fn(f) => from_function(
                        file,
                        &f.function,
                        f.ident.as_ref().map(|i| i.sym.to_string()),
                        Declaration::DefaultExport {
                            item: item_range,
                            anonymous: f.ident.is_none(),
                            arrow: false,
                        },
                    ),
                    DefaultDecl::Class(_) => Err(unsupported(
                        file,
                        export.span,
                        "manual/default-export-class",
                        "a class",
                    )),
                    DefaultDecl::TsInterfaceDecl(_) => Err(unsupported(
                        file,
                        export.span,
                        "manual/default-export-shape",
                        "an interface",
                    )),
                };
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(export)) => {
                let item_range = file.range(export.span);
                return match strip_parens(&export.expr) {
                    Expr::Arrow(arrow) => {
                        Ok(from_arrow(arrow, None, Declaration::DefaultExport { item: item_range, anonymous: true, arrow: true }))
                    }
                    Expr::Fn(f) => from_function(
                        file,
                        &f.function,
                        f.ident.as_ref().map(|i| i.sym.to_string()),
                        Declaration::DefaultExport { item: item_range, anonymous: f.ident.is_none(), arrow: false },
                    ),
                    Expr::Ident(ident) => declared_handler(file, &ident.sym, item_range),
                    Expr::Call(call) => match super::cors::MicroCors::wrapping(file, call) {
                        // micro-cors runs before the handler; render puts it back (cors.rs).
                        Some(Ok(wrapper)) => declared_handler(file, &wrapper.handler, item_range),
                        Some(Err(problem)) => Err(problem),
                        None if wrapped_handler_at(call, wraps).is_some() => {
                            wrapped_handler(file, call, wraps, item_range)
                        }
                        None => Err(Diagnostic::manual(
                            "manual/wrapped-handler",
                            format!("the default export is a call (`{}`), a wrapped handler", callee_text(file, call.callee.span())),
                        )
                        .with_help("routeshift migrates a wrapper of the project itself (a function that returns a handler over (req, res) and calls the one it wraps) together with the routes it wraps; any reason this one has no App Router form follows. Otherwise, convert this route by hand")
                        .at(file.location_of(export.span))),
                    },
                    _ => Err(unsupported(file, export.span, "manual/default-export-shape", "not a function")),
                };
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(named))
                if named.src.is_some() && named.specifiers.iter().any(is_default_specifier) =>
            {
                let from = named
                    .src
                    .as_ref()
                    .and_then(|src| src.value.as_str())
                    .unwrap_or_default();
                return Err(Diagnostic::manual(
                    "manual/reexported-handler",
                    format!("the handler is another module's default export, re-exported from `{from}`"),
                )
                .with_help("route.ts needs its methods in the file itself: move the handler here (or export GET/POST from that module by hand), then run routeshift again")
                .at(file.location_of(named.span)));
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(named)) if named.src.is_none() => {
                for specifier in &named.specifiers {
                    if let (true, ExportSpecifier::Named(n)) =
                        (is_default_specifier(specifier), specifier)
                    {
                        if let ModuleExportName::Ident(local) = &n.orig {
                            let range = if named.specifiers.len() == 1 {
                                file.range(named.span)
                            } else {
                                return Err(Diagnostic::manual(
                                    "manual/default-export-shape",
                                    "the handler is exported as default inside a list of other exports",
                                )
                                .with_help("export the handler on its own (`export default handler`) and run routeshift again")
                                .at(file.location_of(named.span)));
                            };
                            return declared_handler(file, &local.sym, range);
                        }
                    }
                }
            }
            ModuleItem::Stmt(stmt) => {
                if let Some(span) = module_exports_assignment(stmt) {
                    return Err(Diagnostic::manual("manual/commonjs-export", "the handler is exported with `module.exports`")
                        .with_help("change it to `export default` and run routeshift again, or convert this route by hand")
                        .at(file.location_of(span)));
                }
            }
            _ => {}
        }
    }
    Err(
        Diagnostic::manual("manual/no-default-export", "the file has no default export")
            .at(file.location(0)),
    )
}

/// The handler argument of a call of a project wrapper.
fn wrapped_handler_at<'c>(
    call: &'c swc_ecma_ast::CallExpr,
    wraps: &dyn Fn(&str) -> Option<usize>,
) -> Option<&'c Expr> {
    let swc_ecma_ast::Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Ident(callee) = &**callee else {
        return None;
    };
    let at = wraps(&callee.sym)?;
    if call.args.iter().any(|a| a.spread.is_some()) {
        return None;
    }
    call.args.get(at).map(|a| &*a.expr)
}

/// The handler a project wrapper's call wraps: a function or arrow in the call, or a
/// top-level function or const it names.
fn wrapped_handler<'a>(
    file: &'a ParsedFile,
    call: &'a swc_ecma_ast::CallExpr,
    wraps: &dyn Fn(&str) -> Option<usize>,
    export: Range<usize>,
) -> Result<Handler<'a>, Diagnostic> {
    let Some(argument) = wrapped_handler_at(call, wraps) else {
        return Err(unsupported(
            file,
            call.span,
            "manual/wrapped-handler",
            "a wrapper call without its handler",
        ));
    };
    let wrapped = |declaration: Option<Range<usize>>, variable_type: Option<Range<usize>>| {
        Declaration::Wrapped {
            export: export.clone(),
            call: file.range(call.span),
            callee: file.range(call.callee.span()),
            declaration,
            variable_type,
        }
    };
    match strip_parens(argument) {
        Expr::Arrow(arrow) => Ok(from_arrow(arrow, None, wrapped(None, None))),
        Expr::Fn(f) => from_function(
            file,
            &f.function,
            f.ident.as_ref().map(|i| i.sym.to_string()),
            wrapped(None, None),
        ),
        Expr::Ident(ident) => {
            let mut handler = declared_handler(file, &ident.sym, export.clone())?;
            let Declaration::Declared {
                declaration,
                variable_type,
                ..
            } = handler.declaration.clone()
            else {
                return Err(unsupported(file, call.span, "manual/wrapped-handler", "a wrapper call of an unusual handler"));
            };
            handler.declaration = wrapped(Some(declaration), variable_type);
            Ok(handler)
        }
        _ => Err(Diagnostic::manual(
            "manual/wrapped-handler",
            format!("the wrapper `{}` is given something other than a handler function", callee_text(file, call.callee.span())),
        )
        .with_help("pass the handler itself (a function, or the name of one declared in this file), then run routeshift again")
        .at(file.location_of(call.span))),
    }
}

fn callee_text(file: &ParsedFile, span: Span) -> String {
    let text = file.slice(span);
    if text.len() > 40 {
        format!(
            "{}…",
            &text[..text.char_indices().nth(40).map_or(text.len(), |(i, _)| i)]
        )
    } else {
        text.to_string()
    }
}

fn unsupported(file: &ParsedFile, span: Span, code: &str, what: &str) -> Diagnostic {
    Diagnostic::manual(
        code,
        format!("the default export is {what}, not a handler function"),
    )
    .with_help("convert this route by hand")
    .at(file.location_of(span))
}

fn from_function<'a>(
    file: &ParsedFile,
    function: &'a Function,
    name: Option<String>,
    declaration: Declaration,
) -> Result<Handler<'a>, Diagnostic> {
    // Only an overload signature has no body.
    let Some(body) = &function.body else {
        return Err(unsupported(
            file,
            function.span,
            "manual/default-export-shape",
            "a function signature without a body",
        ));
    };
    Ok(Handler {
        params: function.params.iter().map(|p| &p.pat).collect(),
        body: HandlerBody::Block(body),
        is_async: function.is_async,
        name,
        declaration,
        function_span: function.span,
        return_type: function.return_type.as_deref(),
    })
}

fn from_arrow(arrow: &ArrowExpr, name: Option<String>, declaration: Declaration) -> Handler<'_> {
    Handler {
        params: arrow.params.iter().collect(),
        body: match &*arrow.body {
            ArrowFunctionBody::FunctionBody(body) => HandlerBody::Block(body),
            ArrowFunctionBody::Expr(expr) => HandlerBody::Expr(expr),
        },
        is_async: arrow.is_async,
        name,
        declaration,
        function_span: arrow.span,
        return_type: arrow.return_type.as_deref(),
    }
}

/// `export default handler` where `handler` is a top-level function or `const`.
fn declared_handler<'a>(
    file: &'a ParsedFile,
    name: &str,
    export: Range<usize>,
) -> Result<Handler<'a>, Diagnostic> {
    for item in &file.module.body {
        let ModuleItem::Stmt(Stmt::Decl(decl)) = item else {
            continue;
        };
        match decl {
            Decl::Fn(f) if &*f.ident.sym == name => {
                return from_function(
                    file,
                    &f.function,
                    Some(name.to_string()),
                    Declaration::Declared {
                        declaration: file.range(f.function.span),
                        export,
                        variable_type: None,
                        arrow: false,
                    },
                );
            }
            Decl::Var(var) => {
                for declarator in &var.decls {
                    let Pat::Ident(binding) = &declarator.name else {
                        continue;
                    };
                    if &*binding.id.sym != name {
                        continue;
                    }
                    if var.decls.len() != 1 || var.kind != VarDeclKind::Const {
                        return Err(Diagnostic::manual(
                            "manual/handler-declaration",
                            format!("`{name}` is declared with `let`/`var` or together with other variables"),
                        )
                        .with_help(format!("declare the handler on its own with `const {name} = …` and run routeshift again"))
                        .at(file.location_of(var.span)));
                    }
                    let variable_type = binding.type_ann.as_ref().map(|t| file.range(t.span));
                    let declaration = file.range(var.span);
                    return match declarator.init.as_deref().map(strip_parens) {
                        Some(Expr::Arrow(arrow)) => Ok(from_arrow(
                            arrow,
                            Some(name.to_string()),
                            Declaration::Declared { declaration, export, variable_type, arrow: true },
                        )),
                        Some(Expr::Fn(f)) => from_function(
                        file,
                            &f.function,
                            Some(name.to_string()),
                            Declaration::Declared { declaration, export, variable_type, arrow: false },
                        ),
                        Some(Expr::Call(call)) => Err(Diagnostic::manual(
                            "manual/wrapped-handler",
                            format!("`{name}` is the result of a call (`{}`), a wrapped handler", callee_text(file, call.callee.span())),
                        )
                        .with_help("routeshift migrates a wrapper of the project itself (a function that returns a handler over (req, res) and calls the one it wraps) together with the routes it wraps; any reason this one has no App Router form follows. Otherwise, convert this route by hand")
                        .at(file.location_of(var.span))),
                        _ => Err(unsupported(file, var.span, "manual/default-export-shape", "a variable that does not hold a function")),
                    };
                }
            }
            _ => {}
        }
    }
    let imported_from = file.module.body.iter().find_map(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => import
            .specifiers
            .iter()
            .any(|s| s.local().sym == *name)
            .then(|| import.src.value.as_str().unwrap_or_default().to_string()),
        _ => None,
    });
    if let Some(source) = imported_from {
        return Err(Diagnostic::manual(
            "manual/reexported-handler",
            format!("the default export `{name}` is a handler imported from `{source}`"),
        )
        .with_help("the handler lives in another module: migrate that module by hand, or move the handler into this file")
        .at(file.location(export.start)));
    }
    Err(Diagnostic::manual(
        "manual/handler-not-found",
        format!("the default export `{name}` is not a top-level function or const in this file"),
    )
    .with_help("convert this route by hand")
    .at(file.location(export.start)))
}

/// A function or arrow, seen the same way: what the copies of helpers, wrappers and router
/// callbacks need of it.
#[derive(Clone)]
pub(crate) struct FunctionParts<'a> {
    /// Where `async` goes.
    pub span: Span,
    pub params: Vec<&'a Pat>,
    pub body: HandlerBody<'a>,
    pub return_type: Option<&'a TsTypeAnn>,
    pub is_async: bool,
}

impl<'a> FunctionParts<'a> {
    /// A function, `span` being where its `async` would go (the declaration's or its own).
    pub fn of_function(function: &'a Function, span: Span) -> Option<Self> {
        Some(FunctionParts {
            span,
            params: function.params.iter().map(|p| &p.pat).collect(),
            body: HandlerBody::Block(function.body.as_ref()?),
            return_type: function.return_type.as_deref(),
            is_async: function.is_async,
        })
    }

    pub fn of_arrow(arrow: &'a ArrowExpr) -> Self {
        FunctionParts {
            span: arrow.span,
            params: arrow.params.iter().collect(),
            body: match &*arrow.body {
                ArrowFunctionBody::FunctionBody(block) => HandlerBody::Block(block),
                ArrowFunctionBody::Expr(expr) => HandlerBody::Expr(expr),
            },
            return_type: arrow.return_type.as_deref(),
            is_async: arrow.is_async,
        }
    }

    /// An arrow or a function expression (in parentheses or not).
    pub fn of_expr(expr: &'a Expr) -> Option<Self> {
        match crate::ast::strip_parens(expr) {
            Expr::Arrow(arrow) => Some(Self::of_arrow(arrow)),
            Expr::Fn(f) => Self::of_function(&f.function, f.function.span),
            _ => None,
        }
    }
}

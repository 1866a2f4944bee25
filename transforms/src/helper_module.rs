//! The project's own helpers and wrappers over `req`/`res`, outside `pages/api`, and their App
//! Router forms (built by `route_handler::helper_copy`).
//!
//! ```text
//! export function errorhandler(err: unknown, res: NextApiResponse) {
//!   if (err instanceof TeamError) return res.status(err.statusCode).end(err.message)
//!   return res.status(500).json({ message: 'Internal Server Error' })
//! }
//! ```
//! gets a sibling that returns the `Response` instead of sending it:
//! ```text
//! export function errorhandlerResponse(err: unknown) {
//!   if (err instanceof TeamError) return endResponse(err.message, { status: err.statusCode })
//!   return jsonResponse({ message: 'Internal Server Error' }, { status: 500 })
//! }
//! ```
//! A request helper (`getSession(req: NextApiRequest, res: NextApiResponse)` that sends nothing)
//! gets `getSessionForRoute`, and a wrapper (`withAuth(handler, options)` returning a handler
//! over `(req, res)`) gets `withAuthForRoute`, whose handler takes `(request, context, …)`.
//! The old functions stay: routes not migrated yet (or left for manual work) still call them.
//!
//! A helper qualifies when a parameter is typed `NextApiResponse` or `NextApiRequest`; a wrapper
//! when it returns a function of two parameters that hands both to one of the wrapper's own
//! parameters (`return handler(req, res, project)`). Functions of the same module come first, so
//! that a wrapper can call their new forms.
//!
//! next-basics' `createMiddleware` middlewares (`export const useAuth = createMiddleware(…)`,
//! awaited as `await useAuth(req, res)`) get a form that returns the Response they answered with
//! (see `route_handler::middleware`).

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    CallExpr, Callee, Decl, Expr, ImportSpecifier, ModuleDecl, ModuleExportName, ModuleItem, Pat,
    Stmt, TsEntityName, TsFnOrConstructorType, TsFnParam, TsType, TsTypeAnn, TsTypeElement,
};
use swc_ecma_visit::{Visit, VisitWith};

use crate::ast::strip_parens;
use crate::compat::CompatFn;
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::imports;
use crate::parse::ParsedFile;
use crate::route_handler::handler::{FunctionParts, HandlerBody};
use crate::route_handler::helper_copy::{self, CopyKind, PagesFunction, Wrapper, CONTEXT_TYPE};
use crate::route_handler::helpers::{HelperCall, Helpers, ProjectHelper, Rename};
use crate::route_handler::usage::Usage;
use crate::route_handler::{fresh_name, identifier_names, no_project_helpers};

/// One helper's App Router form.
#[derive(Debug, Clone)]
pub struct HelperForm {
    /// The exported name of the old function.
    pub name: String,
    pub helper: ProjectHelper,
    /// The new function's declaration.
    pub text: String,
    /// Where it goes: right after the old declaration; `None` when the module already has it
    /// (an earlier run added it).
    pub after: Option<usize>,
    pub compat: BTreeSet<CompatFn>,
    pub request_type: bool,
    /// The other forms of the module this one calls (by old name): they are added with it.
    pub requires: Vec<String>,
    /// What the form does differently from the old function.
    pub notes: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Default)]
pub struct HelperModule {
    pub forms: Vec<HelperForm>,
    /// Functions over `req`/`res` that have no App Router form, and why.
    pub refused: Vec<(String, Vec<Diagnostic>)>,
    /// How the module is written, and where its imports end: what adding the forms needs.
    pub style: crate::text::Style,
    pub last_import_end: Option<usize>,
}

impl HelperModule {
    pub fn form(&self, name: &str) -> Option<&HelperForm> {
        self.forms.iter().find(|f| f.name == name)
    }

    /// The helpers (by their old names) whose forms are the ones `called` names (new names).
    pub(crate) fn helpers_of_forms(&self, called: &[String]) -> Vec<String> {
        called
            .iter()
            .filter_map(|new_name| {
                self.forms
                    .iter()
                    .find(|f| f.helper.new_name == *new_name)
                    .map(|f| f.name.clone())
            })
            .collect()
    }

    /// The forms `names` need: theirs and those they call, each once, in module order.
    pub fn forms_with_requirements(&self, names: &[&str]) -> Vec<&HelperForm> {
        let mut wanted: HashSet<&str> = HashSet::new();
        let mut queue: Vec<&str> = names.to_vec();
        while let Some(name) = queue.pop() {
            if let Some(form) = self.form(name) {
                if wanted.insert(form.name.as_str()) {
                    queue.extend(form.requires.iter().map(String::as_str));
                }
            }
        }
        self.forms
            .iter()
            .filter(|f| wanted.contains(f.name.as_str()))
            .collect()
    }
}

/// Whether a file may hold Pages API helpers or wrappers (a cheap look before parsing).
pub fn may_hold_helpers(text: &str) -> bool {
    text.contains("NextApiResponse")
        || text.contains("NextApiRequest")
        || text.contains("NextApiHandler")
        || text.contains("createMiddleware")
}

/// A function the module exports.
struct Exported<'a> {
    name: String,
    name_span: Span,
    /// The declaration statement (with `export` when it is exported in place).
    declaration: Range<usize>,
    /// Exported through an `export { name }` list: its copy needs an `export` of its own.
    listed: bool,
    function: FunctionParts<'a>,
}

/// The module's helpers and wrappers, and their App Router forms.
pub fn analyze(file: &ParsedFile) -> HelperModule {
    let mut module = HelperModule {
        style: crate::text::file_style(file),
        last_import_end: crate::imports::last_import_end(file),
        ..HelperModule::default()
    };
    let exported_names = exported_declarations(file);
    let mut taken: HashSet<String> = identifier_names(file);
    let functions = exported_functions(file);
    let library = Helpers::of(file, &no_project_helpers).without_session_libraries();

    // Helpers first: wrappers may call them.
    let mut wrappers = Vec::new();
    for function in &functions {
        if let Some(found) = wrapper_parts(&function.function) {
            wrappers.push((function, found));
            continue;
        }
        let params = &function.function.params;
        let res_at = params.iter().position(|p| typed_as(p, "NextApiResponse"));
        let req_at = params.iter().position(|p| typed_as(p, "NextApiRequest"));
        if res_at.is_none() && req_at.is_none() {
            continue;
        }
        let pages = PagesFunction {
            name: function.name_span,
            declaration: function.declaration.clone(),
            span: function.function.span,
            params: params.clone(),
            body: function.function.body,
            return_type: function.function.return_type,
            is_async: function.function.is_async,
            req_at,
            res_at,
            wrapper: None,
        };
        let usage = helper_copy::scan(file, &pages, &library);
        let (kind, suffix) = if helper_copy::sends_response(&usage) {
            (CopyKind::Responder, "Response")
        } else {
            (CopyKind::Reader, "ForRoute")
        };
        add_form(
            file,
            &mut module,
            &mut taken,
            &exported_names,
            function,
            &pages,
            &usage,
            kind,
            suffix,
            &library,
            None,
        );
    }

    // Wrappers, which may hand `req`/`res` to the helpers above.
    let mut helpers = library.clone();
    for form in &module.forms {
        helpers.insert(
            form.name.clone(),
            form.helper.call(Rename {
                new_name: form.helper.new_name.clone(),
                specifier: None,
                source: String::new(),
                imported: form.name.clone(),
            }),
        );
    }
    // next-basics middlewares, which may call the helpers above too.
    if let Some(create) = next_basics_import(file, "createMiddleware") {
        crate::route_handler::middleware::analyze_module(
            file,
            &create,
            &exported_names,
            &helpers,
            &mut taken,
            &mut module,
        );
    }
    for (function, (handler_at, inner)) in wrappers {
        let Some(handler) = function
            .function
            .params
            .get(handler_at)
            .and_then(|p| crate::route_handler::param_name(p))
        else {
            continue;
        };
        let handler_type = match handler_type(file, function.function.params[handler_at]) {
            Ok(found) => found,
            Err(problem) => {
                module.refused.push((
                    function.name.clone(),
                    vec![problem.at(file.location_of(function.name_span))],
                ));
                continue;
            }
        };
        let mut helpers = helpers.clone();
        helpers.insert(
            handler.to_string(),
            HelperCall {
                req_at: Some(0),
                res_at: Some(1),
                responds: true,
                res_to_context: true,
                ..HelperCall::default()
            },
        );
        let pages = PagesFunction {
            name: function.name_span,
            declaration: function.declaration.clone(),
            span: inner.span,
            params: inner.params.clone(),
            body: inner.body,
            return_type: inner.return_type,
            is_async: inner.is_async,
            req_at: Some(0),
            res_at: Some(1),
            wrapper: Some(Wrapper { handler_type }),
        };
        add_form(
            file,
            &mut module,
            &mut taken,
            &exported_names,
            function,
            &pages,
            &helper_copy::scan(file, &pages, &helpers),
            CopyKind::Wrapper,
            "ForRoute",
            &helpers,
            Some(handler_at),
        );
    }
    module
}

/// Copies one function as its App Router form and records it (or why it has none).
#[allow(clippy::too_many_arguments)]
fn add_form(
    file: &ParsedFile,
    module: &mut HelperModule,
    taken: &mut HashSet<String>,
    exported_names: &[(String, Range<usize>)],
    function: &Exported,
    pages: &PagesFunction,
    usage: &Usage,
    kind: CopyKind,
    suffix: &str,
    helpers: &Helpers,
    wraps: Option<usize>,
) {
    let preferred = format!("{}{suffix}", function.name);
    let existing = exported_names
        .iter()
        .find(|(n, _)| *n == preferred)
        .map(|(_, range)| range.clone());
    let new_name = match existing {
        Some(_) => preferred.clone(),
        None => fresh_name(taken, &preferred),
    };
    let exported = |copy: helper_copy::HelperCopy| {
        if function.listed {
            helper_copy::HelperCopy {
                text: format!("export {}", copy.text),
                ..copy
            }
        } else {
            copy
        }
    };
    let copy = helper_copy::copy(file, pages, usage, kind, &new_name, helpers)
        .map(exported)
        .and_then(|copy| match &existing {
            // The name is taken by something else: pick a fresh one.
            Some(range) if file.text[range.clone()] != copy.text => {
                let fresh = fresh_name(taken, &preferred);
                helper_copy::copy(file, pages, usage, kind, &fresh, helpers)
                    .map(exported)
                    .map(|c| (c, fresh, false))
            }
            Some(_) => Ok((copy, new_name.clone(), true)),
            None => Ok((copy, new_name.clone(), false)),
        });
    match copy {
        Ok((copy, new_name, present)) => {
            let requires = module.helpers_of_forms(&copy.calls);
            module.forms.push(HelperForm {
                name: function.name.clone(),
                helper: ProjectHelper {
                    new_name,
                    req_at: pages.req_at.filter(|_| wraps.is_none()),
                    res_at: pages.res_at.filter(|_| wraps.is_none()),
                    responds: kind == CopyKind::Responder,
                    drops_req: copy.drops_req,
                    wraps,
                    middleware: None,
                },
                text: copy.text,
                after: (!present).then_some(function.declaration.end),
                compat: copy.compat,
                request_type: copy.request_type,
                requires,
                notes: copy.notes,
            })
        }
        Err(problems) => module.refused.push((function.name.clone(), problems)),
    }
}

/// The functions the module exports, declared in place (`export function f`, `export const f =
/// () => …`) or listed (`const f = …; export { f }`).
fn exported_functions(file: &ParsedFile) -> Vec<Exported<'_>> {
    let mut listed: HashSet<String> = HashSet::new();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(named)) = item else {
            continue;
        };
        if named.src.is_some() || named.type_only {
            continue;
        }
        for specifier in &named.specifiers {
            if let swc_ecma_ast::ExportSpecifier::Named(n) = specifier {
                // `export { f as g }` would need the copy under a second alias: not offered.
                if n.exported.is_none() && !n.is_type_only {
                    listed.insert(crate::ast::export_name(&n.orig));
                }
            }
        }
    }
    let mut found = Vec::new();
    for item in &file.module.body {
        let (decl, declaration, in_place) = match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => {
                (&export.decl, file.range(export.span), true)
            }
            ModuleItem::Stmt(Stmt::Decl(decl)) => (decl, file.range(decl.span()), false),
            _ => continue,
        };
        let (name, name_span, function) = match decl {
            Decl::Fn(f) => match FunctionParts::of_function(&f.function, f.function.span) {
                Some(parts) => (f.ident.sym.to_string(), f.ident.span, parts),
                None => continue,
            },
            Decl::Var(var) if var.decls.len() == 1 => {
                let declarator = &var.decls[0];
                match (
                    &declarator.name,
                    declarator.init.as_deref().and_then(FunctionParts::of_expr),
                ) {
                    (Pat::Ident(binding), Some(parts)) => {
                        (binding.id.sym.to_string(), binding.id.span, parts)
                    }
                    _ => continue,
                }
            }
            _ => continue,
        };
        if !in_place && !listed.contains(&name) {
            continue;
        }
        found.push(Exported {
            name,
            name_span,
            declaration,
            listed: !in_place,
            function,
        });
    }
    found
}

/// A wrapper: the function returns a function of two plain parameters that hands both, in
/// order, to one of the wrapper's own parameters. The position of that parameter, and the
/// returned function.
fn wrapper_parts<'a>(outer: &FunctionParts<'a>) -> Option<(usize, FunctionParts<'a>)> {
    let returned: &Expr = match outer.body {
        HandlerBody::Expr(expr) => expr,
        HandlerBody::Block(block) => match block.stmts.last()? {
            Stmt::Return(ret) => ret.arg.as_deref()?,
            _ => return None,
        },
    };
    let inner = FunctionParts::of_expr(returned)?;
    let [req, res] = inner.params.as_slice() else {
        return None;
    };
    let req = crate::route_handler::param_name(req)?;
    let res = crate::route_handler::param_name(res)?;
    let handler_at = outer.params.iter().position(|p| {
        crate::route_handler::param_name(p)
            .is_some_and(|name| calls_with(&inner.body, name, req, res))
    })?;
    Some((handler_at, inner))
}

/// Whether `body` calls `callee(req, res, …)`.
fn calls_with(body: &HandlerBody, callee: &str, req: &str, res: &str) -> bool {
    struct Finder<'n> {
        callee: &'n str,
        req: &'n str,
        res: &'n str,
        found: bool,
    }
    impl Visit for Finder<'_> {
        fn visit_call_expr(&mut self, call: &CallExpr) {
            let is = |at: usize, name: &str| {
                call.args.get(at).is_some_and(|a| {
                    a.spread.is_none()
                        && matches!(strip_parens(&a.expr), Expr::Ident(i) if &*i.sym == name)
                })
            };
            if matches!(&call.callee, Callee::Expr(e) if matches!(&**e, Expr::Ident(i) if &*i.sym == self.callee))
                && is(0, self.req)
                && is(1, self.res)
            {
                self.found = true;
            }
            call.visit_children_with(self);
        }
    }
    let mut finder = Finder {
        callee,
        req,
        res,
        found: false,
    };
    match body {
        HandlerBody::Block(block) => block.visit_with(&mut finder),
        HandlerBody::Expr(expr) => expr.visit_with(&mut finder),
    }
    finder.found
}

/// The type a wrapper's copy gives its handler parameter: the old handler type's signature
/// with `(req, res)` replaced by `(req: NextRequest, context)` and a `Response` to return.
/// `None` when the parameter has no type.
fn handler_type(
    file: &ParsedFile,
    param: &Pat,
) -> Result<Option<(Range<usize>, String)>, Diagnostic> {
    let Pat::Ident(binding) = param else {
        return Ok(None);
    };
    let Some(annotation) = &binding.type_ann else {
        return Ok(None);
    };
    let refuse = |what: String| {
        Diagnostic::manual(
            "manual/wrapper-handler-type",
            format!("the wrapped handler's type {what}"),
        )
        .with_help("type the handler parameter as a function type or a local interface with one call signature, or write the wrapper's App Router form by hand")
    };
    let signature: Option<(&[TsFnParam], Option<&TsTypeAnn>)> = match &*annotation.type_ann {
        TsType::TsFnOrConstructorType(TsFnOrConstructorType::TsFnType(f)) => {
            Some((&f.params, Some(&f.type_ann)))
        }
        TsType::TsTypeRef(reference) => match &reference.type_name {
            TsEntityName::Ident(id) if &*id.sym == "NextApiHandler" => None,
            TsEntityName::Ident(id) => {
                Some(local_call_signature(file, &id.sym).ok_or_else(|| {
                    refuse(format!(
                        "`{}` is not a local interface or type with one call signature",
                        id.sym
                    ))
                })?)
            }
            _ => {
                return Err(refuse(format!(
                    "`{}` is not declared in this module",
                    file.slice(reference.span)
                )))
            }
        },
        other => {
            return Err(refuse(format!(
                "`{}` is not a function type",
                file.slice(other.span())
            )))
        }
    };
    let (first, rest, returns) = match signature {
        None => ("req".to_string(), Vec::new(), None),
        Some((params, returns)) => {
            if params.len() < 2 {
                return Err(refuse("takes fewer than (req, res)".into()));
            }
            let first = match &params[0] {
                TsFnParam::Ident(binding) => binding.id.sym.to_string(),
                _ => "req".to_string(),
            };
            let rest: Vec<String> = params[2..]
                .iter()
                .map(|p| file.slice(p.span()).to_string())
                .collect();
            (
                first,
                rest,
                returns.map(|r| file.slice(r.type_ann.span()).trim().to_string()),
            )
        }
    };
    let returns = match returns.as_deref() {
        Some("any") => "any",
        _ => "Response | Promise<Response>",
    };
    let mut params = vec![
        format!("{first}: NextRequest"),
        format!("context: {CONTEXT_TYPE}"),
    ];
    params.extend(rest);
    Ok(Some((
        file.range(annotation.type_ann.span()),
        format!("({}) => {returns}", params.join(", ")),
    )))
}

/// The one call signature of a local interface or function type alias named `name`.
fn local_call_signature<'f>(
    file: &'f ParsedFile,
    name: &str,
) -> Option<(&'f [TsFnParam], Option<&'f TsTypeAnn>)> {
    for item in &file.module.body {
        let decl = match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => &export.decl,
            ModuleItem::Stmt(Stmt::Decl(decl)) => decl,
            _ => continue,
        };
        match decl {
            Decl::TsInterface(interface) if &*interface.id.sym == name => {
                let [TsTypeElement::TsCallSignatureDecl(signature)] =
                    interface.body.body.as_slice()
                else {
                    return None;
                };
                if !interface.extends.is_empty() || interface.type_params.is_some() {
                    return None;
                }
                return Some((&signature.params, signature.type_ann.as_deref()));
            }
            Decl::TsTypeAlias(alias) if &*alias.id.sym == name => {
                if alias.type_params.is_some() {
                    return None;
                }
                return match &*alias.type_ann {
                    TsType::TsFnOrConstructorType(TsFnOrConstructorType::TsFnType(f)) => {
                        Some((&f.params, Some(&f.type_ann)))
                    }
                    _ => None,
                };
            }
            _ => {}
        }
    }
    None
}

/// The names and ranges of the module's exported declarations.
fn exported_declarations(file: &ParsedFile) -> Vec<(String, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) = item else {
            continue;
        };
        for name in imports::declared_names(&export.decl) {
            found.push((name, file.range(export.span)));
        }
    }
    found
}

/// The local name of `imported` from next-basics, if the module imports it.
fn next_basics_import(file: &ParsedFile, imported: &str) -> Option<String> {
    file.module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            return None;
        };
        if import.src.value.as_str() != Some(crate::route_handler::next_basics::SOURCE) {
            return None;
        }
        import
            .specifiers
            .iter()
            .find_map(|specifier| match specifier {
                ImportSpecifier::Named(named) => {
                    let name = match &named.imported {
                        Some(ModuleExportName::Ident(id)) => id.sym.to_string(),
                        Some(ModuleExportName::Str(s)) => s.value.as_str()?.to_string(),
                        None => named.local.sym.to_string(),
                    };
                    (name == imported).then(|| named.local.sym.to_string())
                }
                _ => None,
            })
    })
}

/// `param: Name` or `param: Name<…>`.
fn typed_as(pat: &Pat, type_name: &str) -> bool {
    let Pat::Ident(binding) = pat else {
        return false;
    };
    let Some(annotation) = &binding.type_ann else {
        return false;
    };
    matches!(&*annotation.type_ann, TsType::TsTypeRef(reference)
        if matches!(&reference.type_name, TsEntityName::Ident(id) if &*id.sym == type_name))
}

/// The edits that add `forms` to their module (whose text is `text`), with the imports they
/// need. `compat_specifier` is how the module imports the compat module.
pub fn module_edits(
    text: &str,
    module: &HelperModule,
    forms: &[&HelperForm],
    compat_specifier: &str,
    typescript: bool,
) -> Vec<Edit> {
    let style = &module.style;
    let mut edits = Vec::new();
    let mut compat: BTreeSet<CompatFn> = BTreeSet::new();
    let mut request_type = false;
    for form in forms {
        // Already in the module, with its imports.
        let Some(after) = form.after else { continue };
        edits.push(Edit::insert(
            after,
            format!("{0}{0}{1}", style.newline, form.text),
        ));
        compat.extend(form.compat.iter().copied());
        request_type |= form.request_type;
    }
    let mut lines = Vec::new();
    if request_type && typescript {
        lines.push(imports::import_line(
            true,
            None,
            None,
            &["NextRequest".into()],
            "next/server",
            style,
        ));
    }
    if !compat.is_empty() {
        let names: Vec<String> = compat.iter().map(|c| c.name().to_string()).collect();
        lines.push(imports::import_line(
            false,
            None,
            None,
            &names,
            compat_specifier,
            style,
        ));
    }
    edits.extend(crate::imports::insert_import_lines(
        text,
        module.last_import_end,
        &lines,
        style,
    ));
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str = "import type { NextApiResponse } from 'next'\n\nexport function ok(res: NextApiResponse, data: unknown) {\n  return res.status(200).json(data)\n}\n\nexport function maybe(res: NextApiResponse, data: unknown) {\n  if (data) return res.status(200).json(data)\n}\n";

    #[test]
    fn a_helper_that_sends_on_every_path_gets_a_response_form() {
        let file = ParsedFile::parse("lib/api.ts", MODULE).unwrap();
        let module = analyze(&file);
        let ok = module.form("ok").unwrap();
        assert_eq!(ok.helper.new_name, "okResponse");
        assert_eq!(ok.helper.res_at, Some(0));
        assert!(ok.after.is_some());
        assert_eq!(
            ok.text,
            "export function okResponse(data: unknown) {\n  return jsonResponse(data, { status: 200 })\n}"
        );
        assert!(module.form("maybe").is_none());
        assert_eq!(module.refused.len(), 1);
        assert_eq!(module.refused[0].1[0].code, "manual/helper-may-not-respond");
    }

    const AUTH: &str = "import type { NextApiRequest, NextApiResponse } from 'next'\nimport { getServerSession } from 'next-auth/next'\nimport { authOptions } from './auth/options'\n\nexport interface Session {\n  user: { id: string }\n}\n\nexport async function getSession(req: NextApiRequest, res: NextApiResponse) {\n  return (await getServerSession(req, res, authOptions)) as Session\n}\n\ninterface WithTeamHandler {\n  (req: NextApiRequest, res: NextApiResponse, team: Team, session: Session): any\n}\n\nconst withTeamAuth =\n  (handler: WithTeamHandler, { role = 'member' }: { role?: string } = {}) =>\n  async (req: NextApiRequest, res: NextApiResponse) => {\n    const session = await getSession(req, res)\n    if (!session) return res.status(401).end('Unauthorized')\n    const { slug } = req.query\n    const team = await findTeam(slug, role)\n    if (!team) {\n      return res.status(404).json({ error: 'Team not found' })\n    }\n    return handler(req, res, team, session)\n  }\n\nexport { withTeamAuth }\n";

    #[test]
    fn a_wrapper_gets_a_form_over_the_request_and_context_that_calls_the_helpers_new_forms() {
        let file = ParsedFile::parse("lib/auth.ts", AUTH).unwrap();
        let module = analyze(&file);
        assert!(module.refused.is_empty(), "{:?}", module.refused);
        let session = module.form("getSession").unwrap();
        assert_eq!(session.helper.new_name, "getSessionForRoute");
        assert!(session.helper.drops_req && !session.helper.responds);
        assert_eq!(
            session.text,
            "export async function getSessionForRoute() {\n  return (await getServerSession(authOptions)) as Session\n}"
        );
        let wrapper = module.form("withTeamAuth").unwrap();
        assert_eq!(wrapper.helper.new_name, "withTeamAuthForRoute");
        assert_eq!(wrapper.helper.wraps, Some(0));
        assert_eq!(wrapper.requires, vec!["getSession".to_string()]);
        assert_eq!(
            wrapper.text,
            "export const withTeamAuthForRoute =\n  (handler: (req: NextRequest, context: { params: Promise<any> }, team: Team, session: Session) => any, { role = 'member' }: { role?: string } = {}) =>\n  async (req: NextRequest, context: { params: Promise<any> }) => {\n    const query = pagesQuery(req, await context.params)\n    const session = await getSessionForRoute()\n    if (!session) return endResponse('Unauthorized', { status: 401 })\n    const { slug } = query\n    const team = await findTeam(slug, role)\n    if (!team) {\n      return jsonResponse({ error: 'Team not found' }, { status: 404 })\n    }\n    return handler(req, context, team, session)\n  }"
        );
        let forms: Vec<&str> = module
            .forms_with_requirements(&["withTeamAuth"])
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(forms, ["getSession", "withTeamAuth"]);
    }

    #[test]
    fn a_form_an_earlier_run_added_is_reused_not_added_again() {
        let file = ParsedFile::parse("lib/api.ts", MODULE).unwrap();
        let module = analyze(&file);
        let edits = module_edits(
            MODULE,
            &module,
            &[module.form("ok").unwrap()],
            "./compat",
            true,
        );
        let migrated = crate::edit::apply(MODULE, &edits).unwrap();
        let again = analyze(&ParsedFile::parse("lib/api.ts", &migrated).unwrap());
        let ok = again.form("ok").unwrap();
        assert_eq!(ok.helper.new_name, "okResponse");
        assert_eq!(ok.after, None);
    }
}

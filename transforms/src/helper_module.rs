//! The project's own response helpers, outside `pages/api`, and their App Router form.
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
//! The old function stays: routes not migrated yet (or left for manual work) still call it.
//! A function qualifies when a parameter is typed `NextApiResponse` and every path of its body
//! sends the response through it (see `route_handler::render::response_helper_copy`); a
//! `NextApiRequest` parameter, if any, becomes a `NextRequest`.

use std::collections::{BTreeSet, HashSet};

use swc_ecma_ast::{
    ArrowFunctionBody, Decl, Expr, ModuleDecl, ModuleItem, Pat, TsEntityName, TsType,
};

use crate::compat::CompatFn;
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::imports;
use crate::parse::ParsedFile;
use crate::route_handler::handler::HandlerBody;
use crate::route_handler::helpers::ProjectHelper;
use crate::route_handler::render::{response_helper_copy, ResponseHelper};
use crate::route_handler::{fresh_name, identifier_names};

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
}

#[derive(Debug, Clone, Default)]
pub struct HelperModule {
    pub forms: Vec<HelperForm>,
    /// Functions that take a `NextApiResponse` but have no App Router form, and why.
    pub refused: Vec<(String, Vec<Diagnostic>)>,
    /// How the module is written, and where its imports end: what adding the forms needs.
    pub style: crate::text::Style,
    pub last_import_end: Option<usize>,
}

impl HelperModule {
    pub fn form(&self, name: &str) -> Option<&HelperForm> {
        self.forms.iter().find(|f| f.name == name)
    }
}

/// Whether a file may hold Pages API helpers (a cheap look before parsing).
pub fn may_hold_helpers(text: &str) -> bool {
    text.contains("NextApiResponse")
}

/// The exported response helpers of a module.
pub fn analyze(file: &ParsedFile) -> HelperModule {
    let mut module = HelperModule {
        style: crate::text::file_style(file),
        last_import_end: crate::imports::last_import_end(file),
        ..HelperModule::default()
    };
    let exported = exported_declarations(file);
    let mut taken: HashSet<String> = identifier_names(file);
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) = item else {
            continue;
        };
        let declaration = file.range(export.span);
        let function = match &export.decl {
            Decl::Fn(f) => f.function.body.as_ref().map(|body| {
                (
                    f.ident.sym.to_string(),
                    f.ident.span,
                    f.function
                        .params
                        .iter()
                        .map(|p| &p.pat)
                        .collect::<Vec<&Pat>>(),
                    HandlerBody::Block(body),
                    f.function.return_type.as_deref(),
                )
            }),
            Decl::Var(var) if var.decls.len() == 1 => {
                let declarator = &var.decls[0];
                match (&declarator.name, declarator.init.as_deref()) {
                    (Pat::Ident(binding), Some(Expr::Arrow(arrow))) => Some((
                        binding.id.sym.to_string(),
                        binding.id.span,
                        arrow.params.iter().collect(),
                        match &*arrow.body {
                            ArrowFunctionBody::FunctionBody(block) => HandlerBody::Block(block),
                            ArrowFunctionBody::Expr(expr) => HandlerBody::Expr(expr),
                        },
                        arrow.return_type.as_deref(),
                    )),
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((name, name_span, params, body, return_type)) = function else {
            continue;
        };
        let res_at = params.iter().position(|p| typed_as(p, "NextApiResponse"));
        let Some(res_at) = res_at else { continue };
        let req_at = params.iter().position(|p| typed_as(p, "NextApiRequest"));
        let preferred = format!("{name}Response");
        let existing = exported
            .iter()
            .find(|(n, _)| *n == preferred)
            .map(|(_, range)| range.clone());
        let new_name = match existing {
            Some(_) => preferred.clone(),
            None => fresh_name(&mut taken, &preferred),
        };
        let helper = ResponseHelper {
            name: name_span,
            declaration: declaration.clone(),
            params,
            body,
            return_type,
            req_at,
            res_at,
        };
        let copy = response_helper_copy(file, &helper, &new_name).and_then(|copy| {
            match &existing {
                // The name is taken by something else: pick a fresh one.
                Some(range) if file.text[range.clone()] != copy.text => {
                    let fresh = fresh_name(&mut taken, &preferred);
                    response_helper_copy(file, &helper, &fresh).map(|c| (c, fresh, false))
                }
                Some(_) => Ok((copy, new_name.clone(), true)),
                None => Ok((copy, new_name.clone(), false)),
            }
        });
        match copy {
            Ok((copy, new_name, present)) => module.forms.push(HelperForm {
                name,
                helper: ProjectHelper {
                    new_name,
                    req_at,
                    res_at: Some(res_at),
                    responds: true,
                },
                text: copy.text,
                after: (!present).then_some(declaration.end),
                compat: copy.compat,
                request_type: copy.request_type,
            }),
            Err(problems) => module.refused.push((name, problems)),
        }
    }
    module
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

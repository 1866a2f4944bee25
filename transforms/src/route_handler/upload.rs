//! File uploads: formidable kept at run time on a Node view of the Web request.
//!
//! With `config.api.bodyParser = false` a Pages route handed the raw Node request stream to
//! formidable (`form.parse(req, callback)`, v3's `await form.parse(req)`), which streamed the
//! parts to temporary files and enforced its own options (`maxFileSize`, `maxFiles`,
//! `uploadDir`, `keepExtensions`, `filter`, …). Rewriting that onto `request.formData()` would
//! change every file object (`filepath`, `originalFilename`, `mimetype`, `size`, files on
//! disk) and drop those limits, so the route keeps formidable and hands it the compat
//! `nodeRequest(req)`: the Web request's body as a Node `Readable`, with `method`, `url` and
//! lower-cased `headers` — all formidable reads (`headers`, the `data`/`end`/`error` events,
//! `pause`/`resume`). Fields, files, limits and errors are the library's, as before.
//!
//! ```text
//! const [fields, files] = await form.parse(req)
//! ```
//! becomes
//! ```text
//! const [fields, files] = await form.parse(nodeRequest(req))
//! ```
//! Bails out: formidable while the body parser is on (`manual/upload-body-parser-on`: Pages had
//! already read the stream), multer (`manual/upload-multer`: Express middleware on Node req/res,
//! no Web Request mode), busboy and multiparty (`manual/upload-stream-parser`: they are driven by
//! piping the request and answering from their events). Responses sent from formidable's
//! callback are `manual/res-in-callback` like any other callback.

use std::collections::HashSet;

use swc_common::Span;
use swc_ecma_ast::{CallExpr, Expr, ImportSpecifier, ModuleDecl, ModuleItem};

use crate::ast::{export_name, is_ident, member_prop, strip_parens};
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;

/// `req` handed to formidable's `parse`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRequestUse {
    /// The `req` argument.
    pub arg: Span,
}

/// What the file imports from formidable and which locals hold a form.
#[derive(Debug, Default)]
pub struct UploadBindings {
    /// Callable factories: the default export (`formidable(opts)`) and the named `formidable`.
    factories: HashSet<String>,
    /// Constructors: `IncomingForm`, `Formidable` (named imports).
    constructors: HashSet<String>,
    /// Namespaces or default imports with an `IncomingForm` member (`new formidable.IncomingForm()`).
    namespaces: HashSet<String>,
    /// Locals holding a form: `const form = formidable({ … })`.
    forms: HashSet<String>,
}

impl UploadBindings {
    pub fn find(file: &ParsedFile) -> UploadBindings {
        let mut bindings = UploadBindings::default();
        for item in &file.module.body {
            let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
                continue;
            };
            if import.type_only || import.src.value.as_str() != Some("formidable") {
                continue;
            }
            for specifier in &import.specifiers {
                let local = specifier.local().sym.to_string();
                match specifier {
                    ImportSpecifier::Default(_) => {
                        bindings.factories.insert(local.clone());
                        bindings.namespaces.insert(local);
                    }
                    ImportSpecifier::Namespace(_) => {
                        bindings.namespaces.insert(local);
                    }
                    ImportSpecifier::Named(named) if !named.is_type_only => {
                        let imported = named
                            .imported
                            .as_ref()
                            .map_or_else(|| local.clone(), export_name);
                        match imported.as_str() {
                            "default" | "formidable" => {
                                bindings.factories.insert(local);
                            }
                            "IncomingForm" | "Formidable" => {
                                bindings.constructors.insert(local);
                            }
                            _ => {}
                        }
                    }
                    ImportSpecifier::Named(_) => {}
                }
            }
        }
        if bindings.factories.is_empty()
            && bindings.constructors.is_empty()
            && bindings.namespaces.is_empty()
        {
            return bindings;
        }
        crate::ast::record_locals(
            &file.module,
            &mut bindings,
            UploadBindings::is_form,
            |bindings, name| {
                bindings.forms.insert(name);
            },
        );
        bindings
    }

    /// `formidable(opts)`, `formidable.formidable(opts)`, `new IncomingForm(opts)`,
    /// `new formidable.IncomingForm(opts)`, or a local holding one.
    fn is_form(&self, expr: &Expr) -> bool {
        match strip_parens(expr) {
            Expr::Ident(id) => self.forms.contains(&*id.sym),
            Expr::Call(call) => match crate::ast::callee_expr(call).map(strip_parens) {
                Some(Expr::Ident(id)) => self.factories.contains(&*id.sym),
                Some(Expr::Member(member)) => {
                    matches!(strip_parens(&member.obj), Expr::Ident(ns) if self.namespaces.contains(&*ns.sym))
                        && member_prop(&member.prop) == Some("formidable")
                }
                _ => false,
            },
            Expr::New(new) => match strip_parens(&new.callee) {
                Expr::Ident(id) => self.constructors.contains(&*id.sym),
                Expr::Member(member) => {
                    matches!(strip_parens(&member.obj), Expr::Ident(ns) if self.namespaces.contains(&*ns.sym))
                        && matches!(
                            member_prop(&member.prop),
                            Some("IncomingForm" | "Formidable")
                        )
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// `form.parse(req[, callback])` on a formidable form.
    pub fn parse_call(&self, call: &CallExpr, req: &str) -> Option<NodeRequestUse> {
        if self.factories.is_empty() && self.constructors.is_empty() && self.namespaces.is_empty() {
            return None;
        }
        let Some(Expr::Member(member)) = crate::ast::callee_expr(call).map(strip_parens) else {
            return None;
        };
        if member_prop(&member.prop) != Some("parse") || !self.is_form(&member.obj) {
            return None;
        }
        let first = call.args.first()?;
        (first.spread.is_none() && is_ident(&first.expr, req)).then(|| NodeRequestUse {
            arg: swc_common::Spanned::span(&*first.expr),
        })
    }
}

/// Upload libraries that have no faithful rewrite, reported at their import.
pub fn unsupported(file: &ParsedFile) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        if import.type_only {
            continue;
        }
        let source = import.src.value.as_str().unwrap_or_default();
        let (code, message, help) = match source {
            "multer" => (
                "manual/upload-multer",
                "multer is Express middleware: it reads the Node request and writes `req.file`/`req.files`, and has no Web Request mode",
                "read the upload with `const formData = await request.formData()` (files are `File`s: `Buffer.from(await file.arrayBuffer())`) and re-implement multer's storage and `limits` by hand",
            ),
            "busboy" | "multiparty" | "connect-multiparty" => (
                "manual/upload-stream-parser",
                "the upload is parsed by piping the Node request into a stream parser and answering from its events",
                "read the upload with `await request.formData()` by hand, or hand the parser a Node stream (`Readable.fromWeb(request.body)`) and return the Response once it finishes",
            ),
            _ => continue,
        };
        problems.push(
            Diagnostic::manual(code, format!("{message} (`{source}`)"))
                .with_help(help)
                .at(file.location_of(import.span)),
        );
    }
    problems
}

//! svix webhook verification with the request's headers handed over whole.
//!
//! `wh.verify(payload, req.headers)` read `svix-id`, `svix-timestamp` and `svix-signature` from
//! Node's plain header object (svix lower-cases the keys it is given, then indexes them). A Web
//! `Headers` object has no own keys, so passing `request.headers` would fail verification with
//! "Missing required headers". `Object.fromEntries(req.headers)` is the same plain object: the
//! Web request's headers come from Node's already merged ones (reference §2.6), lower-cased.
//!
//! ```text
//! evt = wh.verify(payload, req.headers)          →  evt = wh.verify(payload, Object.fromEntries(req.headers))
//! ```
//! Only `.verify(…)` on a `new Webhook(…)` from `svix` is rewritten; any other use of
//! `req.headers` as a whole stays `manual/req-headers-object`.

use std::collections::HashSet;

use swc_common::Span;
use swc_ecma_ast::{CallExpr, Expr, ImportSpecifier, ModuleDecl, ModuleItem};

use crate::ast::{export_name, member_prop, strip_parens};
use crate::parse::ParsedFile;

/// svix's `Webhook` class as imported, and the locals holding an instance.
#[derive(Debug, Default)]
pub struct WebhookBindings {
    classes: HashSet<String>,
    verifiers: HashSet<String>,
}

impl WebhookBindings {
    pub fn find(file: &ParsedFile) -> WebhookBindings {
        let mut bindings = WebhookBindings::default();
        for item in &file.module.body {
            let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
                continue;
            };
            if import.type_only || import.src.value.as_str() != Some("svix") {
                continue;
            }
            for specifier in &import.specifiers {
                if let ImportSpecifier::Named(named) = specifier {
                    let imported = named
                        .imported
                        .as_ref()
                        .map_or_else(|| named.local.sym.to_string(), export_name);
                    if imported == "Webhook" && !named.is_type_only {
                        bindings.classes.insert(named.local.sym.to_string());
                    }
                }
            }
        }
        if bindings.classes.is_empty() {
            return bindings;
        }
        crate::ast::record_locals(
            &file.module,
            &mut bindings,
            WebhookBindings::is_verifier,
            |bindings, name| {
                bindings.verifiers.insert(name);
            },
        );
        bindings
    }

    fn is_verifier(&self, expr: &Expr) -> bool {
        match strip_parens(expr) {
            Expr::Ident(id) => self.verifiers.contains(&*id.sym),
            Expr::New(new) => {
                matches!(strip_parens(&new.callee), Expr::Ident(id) if self.classes.contains(&*id.sym))
            }
            _ => false,
        }
    }

    /// `verifier.verify(payload, req.headers)`: the span of `req.headers`.
    pub fn verified_headers(&self, call: &CallExpr, req: &str) -> Option<Span> {
        if self.classes.is_empty() {
            return None;
        }
        let Some(Expr::Member(callee)) = crate::ast::callee_expr(call).map(strip_parens) else {
            return None;
        };
        if member_prop(&callee.prop) != Some("verify") || !self.is_verifier(&callee.obj) {
            return None;
        }
        let [_, headers] = call.args.as_slice() else {
            return None;
        };
        // `req.headers as Record<string, string>`: the cast stays around the rewrite.
        match crate::ast::unwrap_expr(&headers.expr) {
            Expr::Member(member)
                if headers.spread.is_none()
                    && crate::ast::is_ident(&member.obj, req)
                    && member_prop(&member.prop) == Some("headers") =>
            {
                Some(member.span)
            }
            _ => None,
        }
    }
}

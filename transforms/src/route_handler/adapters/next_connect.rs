//! next-connect: recognised, never converted.
//!
//! v0 (`nc()`, the package's default export) has no Web Request mode: `manual/next-connect-v0`.
//! v1 (`createRouter()` … `export default router.handler({ … })`) has an edge router for the
//! App Router (`createEdgeRouter`, reference §6), but its callbacks must return Responses, and
//! turning each `(req, res)` callback into one is the per-handler rewrite the route handler
//! transform does for whole files, not for callbacks in a chain: `manual/next-connect-v1`.

use swc_ecma_ast::{Expr, ImportSpecifier, MemberProp, ModuleDecl, ModuleItem};

use super::{declared_call, AdapterInput};
use crate::ast::strip_parens;
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;
use crate::route_handler::Converted;

const PACKAGE: &str = "next-connect";

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let file = input.file;
    let call = input.export.call()?;
    let location = file.location_of(call.span);
    if imports_default(file) {
        return Some(Err(vec![Diagnostic::manual(
            "manual/next-connect-v0",
            "the route is a next-connect 0.x handler (`nc()`), which only runs on Node's request and response",
        )
        .with_help("next-connect 0.x has no Web Request mode: upgrade to next-connect 1 and its `createEdgeRouter`, whose handlers return Responses (`router.get((req) => Response.json(…))`, exported as `export async function GET(req, ctx) { return router.run(req, ctx) }`), or split the chain into one exported function per method by hand")
        .at(location)]));
    }
    // `router.handler(…)` where `router = createRouter()` from next-connect.
    let Some(Expr::Member(member)) = crate::ast::callee_expr(call).map(strip_parens) else {
        return None;
    };
    let (Expr::Ident(router), MemberProp::Ident(method)) =
        (strip_parens(&member.obj), &member.prop)
    else {
        return None;
    };
    if &*method.sym != "handler" {
        return None;
    }
    let (created, _) = declared_call(file, &router.sym)?;
    let created = root_call(created);
    if !super::calls_export(file, created, &[PACKAGE], "createRouter") {
        return None;
    }
    Some(Err(vec![Diagnostic::manual(
        "manual/next-connect-v1",
        format!("the route is the next-connect router `{}`, whose callbacks answer through `res`", router.sym),
    )
    .with_help("for the App Router use `createEdgeRouter<NextRequest, { params: Promise<…> }>()` from next-connect: every `.get/.post/.use` callback must return a Response (`return Response.json(x)` for `res.json(x)`, middleware `return next()`), `expressWrapper` middleware cannot run, and the route exports `const handler = router.handler({ onError, onNoMatch })` (or `(req, ctx) => router.run(req, ctx)`) as each method; convert it by hand")
    .at(location)]))
}

/// `createRouter()` at the root of `createRouter().use(…).get(…)`.
fn root_call(call: &swc_ecma_ast::CallExpr) -> &swc_ecma_ast::CallExpr {
    match crate::ast::callee_expr(call).map(strip_parens) {
        Some(Expr::Member(member)) => match strip_parens(&member.obj) {
            Expr::Call(inner) => root_call(inner),
            _ => call,
        },
        _ => call,
    }
}

/// Whether the file imports next-connect's default export (0.x's `nc`).
fn imports_default(file: &ParsedFile) -> bool {
    file.module.body.iter().any(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
            import.src.value.as_str() == Some(PACKAGE)
                && import
                    .specifiers
                    .iter()
                    .any(|s| matches!(s, ImportSpecifier::Default(_)))
        }
        _ => false,
    })
}

//! Apollo Server: `startServerAndCreateNextHandler(server, options?)` from
//! `@as-integrations/next`.
//!
//! ```text
//! export default startServerAndCreateNextHandler(server)
//! ```
//! becomes the same factory, which answers a Web `Request` with a `Response` (reference §6;
//! @as-integrations/next README "App Router (Route Handlers)")
//! ```text
//! const handler = startServerAndCreateNextHandler(server)
//! export { handler as GET, handler as POST }
//! ```
//! In a route handler the `context` function gets a `NextRequest` and, as its second argument,
//! the route context instead of the `NextApiResponse`: a `context` that reads either stays manual
//! (`manual/apollo-context-request`, `manual/apollo-context-response`). The adapter parses the body
//! as JSON only for exactly `application/json` then (the Pages body parser also took
//! `application/json; charset=utf-8`): `note/apollo-content-type`.

use swc_common::Spanned;
use swc_ecma_ast::{ArrowFunctionBody, CallExpr, Expr, Pat, Prop};

use super::{
    calls_export, finish_exported, mentions, object_arg, object_props, taken_names, AdapterInput,
    HANDLER_FOR_GET_AND_POST,
};
use crate::ast::strip_parens;
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;
use crate::route_handler::Converted;

const SOURCE: &str = "@as-integrations/next";

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let call = input.export.call()?;
    if !calls_export(
        input.file,
        call,
        &[SOURCE],
        "startServerAndCreateNextHandler",
    ) {
        return None;
    }
    Some(convert_handler(input, call))
}

fn convert_handler(input: &AdapterInput, call: &CallExpr) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    if call.args.len() == 2 {
        let problem = |message: String, at: swc_common::Span| {
            Diagnostic::manual("manual/apollo-context", message)
                .with_help("write the options as an object literal with an inline `context` function, or convert this route by hand")
                .at(file.location_of(at))
        };
        let Some(props) = object_arg(call, 1).and_then(object_props) else {
            return Err(vec![problem(
                "the handler's options are not an object literal".into(),
                call.args[1].expr.span(),
            )]);
        };
        for (key, prop) in props {
            if key == "context" {
                context_check(file, prop)?;
            }
        }
    } else if call.args.len() != 1 {
        return Err(vec![Diagnostic::manual(
            "manual/apollo-context",
            format!(
                "`{}` does not take `(server, options?)`",
                file.slice(call.span)
            ),
        )
        .with_help("convert this route by hand")
        .at(file.location_of(call.span))]);
    }
    let notes = vec![Diagnostic::note(
        "note/apollo-content-type",
        "in a route handler @as-integrations/next parses the body as JSON only when `Content-Type` is exactly `application/json`; the Pages body parser also took `application/json; charset=utf-8`",
    )
    .with_help("make sure the GraphQL clients send `Content-Type: application/json` (Apollo Client does), or their POSTs are answered 400")
    .at(file.location_of(call.span))];
    finish_exported(
        input,
        Vec::new(),
        &HANDLER_FOR_GET_AND_POST,
        &mut taken_names(file),
        notes,
    )
}

/// Whether a function body reads a name.
type ReadsName<'a> = Box<dyn Fn(&str) -> bool + 'a>;

/// A `context` function that reads neither the request nor the response converts as it is.
fn context_check(file: &ParsedFile, prop: &Prop) -> Result<(), Vec<Diagnostic>> {
    let (params, body_uses): (Vec<&Pat>, ReadsName) = match prop {
        Prop::Method(method) => match &method.function.body {
            Some(body) => (
                method.function.params.iter().map(|p| &p.pat).collect(),
                Box::new(move |name: &str| mentions(body, name)),
            ),
            None => (Vec::new(), Box::new(|_: &str| false)),
        },
        Prop::KeyValue(kv) => match strip_parens(&kv.value) {
            Expr::Arrow(arrow) => (
                arrow.params.iter().collect(),
                Box::new(move |name: &str| match &*arrow.body {
                    ArrowFunctionBody::FunctionBody(block) => mentions(block, name),
                    ArrowFunctionBody::Expr(expr) => mentions(&**expr, name),
                }),
            ),
            Expr::Fn(f) => match &f.function.body {
                Some(body) => (
                    f.function.params.iter().map(|p| &p.pat).collect(),
                    Box::new(move |name: &str| mentions(body, name)),
                ),
                None => (Vec::new(), Box::new(|_: &str| false)),
            },
            _ => {
                return Err(vec![Diagnostic::manual(
                    "manual/apollo-context",
                    format!("`context` is `{}`, a function routeshift cannot read", file.slice(kv.value.span())),
                )
                .with_help("in a route handler it gets `(req: NextRequest, { params })` instead of `(req, res)`: check that it reads neither the Node request nor the response, then convert this route by hand with `startServerAndCreateNextHandler<NextRequest>(…)`")
                .at(file.location_of(kv.value.span()))]);
            }
        },
        _ => return Ok(()),
    };
    let used = |index: usize| {
        params.get(index).is_some_and(|param| match param {
            Pat::Ident(binding) => body_uses(&binding.id.sym),
            // A destructured request or response reads it.
            _ => true,
        })
    };
    let mut problems = Vec::new();
    if used(1) {
        problems.push(
            Diagnostic::manual(
                "manual/apollo-context-response",
                "the `context` function uses its second argument, the `NextApiResponse`",
            )
            .with_help("in a route handler the second argument is the route context (`{ params }`), not a response: set headers from a plugin (`willSendResponse`) instead, then convert this route by hand")
            .at(file.location_of(params[1].span())),
        );
    }
    if used(0) {
        problems.push(
            Diagnostic::manual(
                "manual/apollo-context-request",
                "the `context` function reads the request, which becomes a `NextRequest`",
            )
            .with_help("in a route handler headers are read with `req.headers.get('…')` and cookies with `req.cookies.get('…')?.value`: rewrite the reads, type the factory as `startServerAndCreateNextHandler<NextRequest>(…)`, then convert this route by hand")
            .at(file.location_of(params[0].span())),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

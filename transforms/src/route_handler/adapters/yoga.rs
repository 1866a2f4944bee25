//! GraphQL Yoga: `export default createYoga({ … })` from `graphql-yoga`.
//!
//! ```text
//! export default createYoga({ schema, graphqlEndpoint: '/api/graphql' })
//! ```
//! becomes (reference §6; the-guild.dev graphql-yoga "Integration with Next.js")
//! ```text
//! const { handleRequest } = createYoga({ schema, graphqlEndpoint: '/api/graphql', fetchAPI: { Response } })
//! export { handleRequest as GET, handleRequest as POST, handleRequest as OPTIONS }
//! ```
//! `fetchAPI: { Response }` makes Yoga answer with the runtime's own `Response`, which Next.js
//! requires. The usual `export const config = { api: { bodyParser: false } }` goes with the
//! config mapping, and a `createYoga<{ req: NextApiRequest; … }>` type argument for the Pages
//! server context goes too. A `context` factory that reads the Node `req`/`res` of the Pages server
//! context stays manual (`manual/yoga-context-node`): in a route handler the server context is
//! the route context.

use swc_common::Spanned;
use swc_ecma_ast::{CallExpr, Expr, Prop};

use super::{
    calls_export, finish_exported, node_request_read, object_arg, object_props, taken_names,
    trailing_property, AdapterInput, ExportForm,
};
use crate::ast::strip_parens;
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::route_handler::Converted;

const SOURCE: &str = "graphql-yoga";
const METHODS: [&str; 3] = ["GET", "POST", "OPTIONS"];

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let call = input.export.call()?;
    if !calls_export(input.file, call, &[SOURCE], "createYoga") {
        return None;
    }
    Some(convert_server(input, call))
}

fn convert_server(input: &AdapterInput, call: &CallExpr) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    let options = object_arg(call, 0).filter(|_| call.args.len() == 1);
    let Some((options, props)) = options.and_then(|o| object_props(o).map(|p| (o, p))) else {
        return Err(vec![Diagnostic::manual(
            "manual/yoga-options",
            "`createYoga` is not called with one object literal",
        )
        .with_help("write its options inline as an object literal so `fetchAPI: { Response }` can join them, or convert this route by hand")
        .at(file.location_of(call.span))]);
    };
    let mut problems = Vec::new();
    for (key, prop) in &props {
        match key.as_str() {
            "fetchAPI" => problems.push(
                Diagnostic::manual("manual/yoga-options", "`createYoga` already sets `fetchAPI`")
                    .with_help("in a route handler Yoga must answer with the runtime's `Response` (`fetchAPI: { Response }`): merge that into it, then convert this route by hand")
                    .at(file.location_of(prop.span())),
            ),
            "context" => {
                let reads = match prop {
                    Prop::KeyValue(kv) => match strip_parens(&kv.value) {
                        Expr::Arrow(_) | Expr::Fn(_) | Expr::Object(_) => node_request_read(&*kv.value),
                        _ => Some(kv.value.span()),
                    },
                    Prop::Method(method) => node_request_read(&method.function),
                    _ => Some(prop.span()),
                };
                if let Some(at) = reads {
                    problems.push(
                        Diagnostic::manual(
                            "manual/yoga-context-node",
                            "the `context` option reads the Node `req`/`res` of the Pages server context (or is a function routeshift cannot read)",
                        )
                        .with_help("in a route handler the server context is the route context; read the request from the Fetch `request` Yoga passes (`({ request }) => …`), then convert this route by hand")
                        .at(file.location_of(at)),
                    );
                }
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut taken = taken_names(file);
    let mut edits: Vec<_> = trailing_property(file, options, "fetchAPI: { Response }")
        .into_iter()
        .collect();
    // `createYoga<{ req: NextApiRequest; res: NextApiResponse }>` types the Pages server
    // context; a route handler's is the route context, and Next.js checks the exports' types.
    if let Some(type_args) = &call.type_args {
        if file.slice(type_args.span).contains("NextApi") {
            edits.push(Edit::delete(file.range(type_args.span)));
        }
    }
    finish_exported(
        input,
        edits,
        &ExportForm {
            base_name: "handleRequest",
            field: Some("handleRequest"),
            methods: &METHODS,
        },
        &mut taken,
        Vec::new(),
    )
}

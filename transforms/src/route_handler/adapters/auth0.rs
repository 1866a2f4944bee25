//! @auth0/nextjs-auth0 v3: `export default handleAuth()` in `pages/api/auth/[auth0].ts`.
//!
//! ```text
//! export default handleAuth()
//! ```
//! becomes (reference §6, v3's App Router `handleAuth`, exported for GET and POST as the Pages
//! route answered both)
//! ```text
//! const auth0Handler = handleAuth()
//!
//! async function handler(req: NextRequest, context: { params: Promise<{ auth0: string }> }) {
//!   return auth0Handler(req, { params: await context.params })
//! }
//! export { handler as GET, handler as POST }
//! ```
//! v3 reads `ctx.params.auth0` without awaiting it, which Next.js 15 only warns about and 16
//! answers with `undefined` (every auth route a 404): the wrapper hands it the awaited params.
//! Custom handlers written inline (`login: async (req, res) => …`) take `(req, res)` in Pages
//! and `(req, ctx)` in a route handler: manual (`manual/auth0-custom-handler`).
//! `export default withApiAuthRequired(handler)` goes to the general transform, which converts
//! the wrapped handler like a project wrapper's (`route_handler/session_libraries.rs`); a
//! variable holding the call stays manual (`manual/auth0-api-auth-required`). v4 (no
//! `handleAuth`, routes mounted by middleware) is `manual/auth0-v4`.

use swc_common::Spanned;
use swc_ecma_ast::{ArrowExpr, CallExpr, Expr, Function, MemberProp};
use swc_ecma_visit::{Visit, VisitWith};

use super::{
    calls_export, declared_version, finish, line_end_after, object_arg, taken_names, AdapterInput,
    AdapterRewrite, DeclaredVersion, ExportedValue, GET_AND_POST,
};
use crate::ast::strip_parens;
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::route_handler::Converted;
use crate::text::file_style;

const PACKAGE: &str = "@auth0/nextjs-auth0";

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let file = input.file;
    let call = input.export.call()?;
    let callee_name = match crate::ast::callee_expr(call).map(strip_parens) {
        Some(Expr::Ident(id)) => Some(id.sym.to_string()),
        Some(Expr::Member(member)) => match &member.prop {
            MemberProp::Ident(prop) => Some(prop.sym.to_string()),
            _ => None,
        },
        _ => None,
    };
    let v4 = matches!(declared_version(input.context, PACKAGE), DeclaredVersion::AtLeast(major, ..) if major >= 4);
    if v4
        && matches!(
            callee_name.as_deref(),
            Some("handleAuth" | "withApiAuthRequired")
        )
    {
        return Some(Err(vec![Diagnostic::manual(
            "manual/auth0-v4",
            format!("package.json names {PACKAGE} 4, whose API differs from the v3 `{}` this route uses", callee_name.unwrap_or_default()),
        )
        .with_help("in v4 the auth routes are mounted by the middleware (`auth0.middleware(request)`), so `pages/api/auth/[auth0]` goes away; API routes call `auth0.getSession()` (no arguments in a route handler): follow the v4 migration guide by hand")
        .at(file.location_of(call.span))]));
    }
    if calls_export(file, call, &[PACKAGE], "withApiAuthRequired") {
        // `export default withApiAuthRequired(handler)` converts like a project wrapper's route
        // (`session_libraries.rs`); a wrapped handler kept in a variable first does not.
        if matches!(input.export.value, ExportedValue::Call { .. }) {
            return None;
        }
        return Some(Err(vec![Diagnostic::manual(
            "manual/auth0-api-auth-required",
            "the default export names a variable that holds `withApiAuthRequired(…)`",
        )
        .with_help("export the call itself (`export default withApiAuthRequired(handler)`) and run routeshift again, or convert the route by hand: in the App Router, v3 takes a handler that returns a Response, `withApiAuthRequired(async function (req) { const session = await getSession(); … return Response.json(…) })`, exported for each method the handler answers")
        .at(file.location_of(call.span))]));
    }
    if !calls_export(file, call, &[PACKAGE], "handleAuth") {
        return None;
    }
    Some(convert_handle_auth(input, call))
}

fn convert_handle_auth(
    input: &AdapterInput,
    call: &CallExpr,
) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    let route = input.context.route;
    if !route.has_param("auth0") {
        return Err(vec![Diagnostic::manual(
            "manual/auth0-route-name",
            format!("handleAuth serves `{}`, a route without the `[auth0]` parameter it reads the action from", route.url),
        )
        .with_help("the handler must live in `app/api/auth/[auth0]/route.ts`: rename the file, or convert it by hand")
        .at(file.location_of(call.span))]);
    }
    if call.args.len() > 1 || (call.args.len() == 1 && object_arg(call, 0).is_none()) {
        return Err(vec![Diagnostic::manual(
            "manual/auth0-custom-handler",
            "`handleAuth` is not called with nothing or an object literal",
        )
        .with_help("convert this route by hand")
        .at(file.location_of(call.span))]);
    }
    if let Some(at) = inline_function(call) {
        return Err(vec![Diagnostic::manual(
            "manual/auth0-custom-handler",
            "`handleAuth` is given a function written for the Pages Router",
        )
        .with_help("in a route handler custom handlers get `(req: NextRequest, ctx)` and must return a Response (`login: handleLogin({ … })` needs no change): rewrite it, then convert this route by hand")
        .at(file.location_of(at))]);
    }

    let style = file_style(file);
    let semi = style.semi();
    let nl = style.newline;
    let typescript = file.language.is_typescript();
    let mut taken = taken_names(file);
    let mut edits = Vec::new();
    let (factory, insert_at) = match &input.export.value {
        ExportedValue::Call { keyword, .. } => {
            let factory = super::super::fresh_name(&mut taken, "auth0Handler");
            edits.push(Edit::replace(
                keyword.clone(),
                format!("const {factory} = "),
            ));
            (factory, line_end_after(file, input.export.statement.end))
        }
        ExportedValue::Declared {
            name,
            variable_type,
            ..
        } => {
            if let Some(annotation) = variable_type {
                edits.push(Edit::delete(annotation.clone()));
            }
            edits.push(Edit::delete(crate::text::statement_lines(
                &file.text,
                input.export.statement.clone(),
            )));
            (name.clone(), input.export.statement.start)
        }
        ExportedValue::Function(_) => return Err(Vec::new()),
    };
    let handler = super::super::fresh_name(&mut taken, "handler");
    let context = super::super::fresh_name(&mut taken, "context");
    let params = if typescript {
        format!(
            "req: NextRequest, {context}: {{ params: Promise<{}> }}",
            route.params_type()
        )
    } else {
        format!("req, {context}")
    };
    let aliases: Vec<String> = GET_AND_POST
        .iter()
        .map(|m| format!("{handler} as {m}"))
        .collect();
    let function = format!(
        "async function {handler}({params}) {{{nl}{indent}// nextjs-auth0 v3 reads `params.auth0` without awaiting it{nl}{indent}return {factory}(req, {{ params: await {context}.params }}){semi}{nl}}}{nl}export {{ {} }}{semi}",
        aliases.join(", "),
        indent = style.indent,
    );
    let text = match &input.export.value {
        ExportedValue::Call { .. } => format!("{nl}{nl}{function}"),
        _ => format!("{function}{nl}"),
    };
    edits.push(Edit::insert(insert_at, text));
    finish(
        input,
        AdapterRewrite {
            edits,
            methods: GET_AND_POST.to_vec(),
            notes: Vec::new(),
            request_type: true,
        },
    )
}

/// The first function written inside the call's arguments.
fn inline_function(call: &CallExpr) -> Option<swc_common::Span> {
    struct Functions(Option<swc_common::Span>);
    impl Visit for Functions {
        fn visit_function(&mut self, f: &Function) {
            self.0.get_or_insert(f.span);
        }
        fn visit_arrow_expr(&mut self, arrow: &ArrowExpr) {
            self.0.get_or_insert(arrow.span);
        }
    }
    let mut functions = Functions(None);
    for arg in &call.args {
        arg.visit_with(&mut functions);
    }
    functions.0.map(|span| span.span())
}

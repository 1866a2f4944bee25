//! The types a route keeps from its own Pages request type (`NextApiRequestQueryBody<Q, B>`, an
//! interface that extends `NextApiRequest`), so that the route handler type-checks as before.
//!
//! - Values a next-basics middleware set on the request (`req.auth`, see `middleware.rs`) stay
//!   on the `NextRequest`: the parameter becomes `req: NextRequest & Pick<T, 'auth'>`.
//! - The query keeps its declared type: `const query = pagesQuery(req) as T['query']`, so that
//!   `const { websiteId } = query` is still a `string` where `T` said so (a cast, as the Pages
//!   type was: next checked neither).

use swc_common::Spanned;
use swc_ecma_ast::{Pat, TsEntityName, TsType};

use super::handler::Handler;
use super::usage::{Use, UseKind};
use crate::parse::ParsedFile;
use crate::text::Style;

/// The request parameter's type when it is the project's own (not `NextApiRequest` itself), as
/// written.
fn project_request_type<'f>(file: &'f ParsedFile, handler: &Handler) -> Option<&'f str> {
    if !file.language.is_typescript() {
        return None;
    }
    let Some(Pat::Ident(binding)) = handler.params.first() else {
        return None;
    };
    let TsType::TsTypeRef(reference) = &*binding.type_ann.as_ref()?.type_ann else {
        return None;
    };
    match &reference.type_name {
        TsEntityName::Ident(id) if &*id.sym == "NextApiRequest" => None,
        _ => Some(file.slice(reference.span())),
    }
}

/// The route's request type: `NextRequest`, with the fields middlewares set that it reads.
pub(super) fn route_request_type(file: &ParsedFile, handler: &Handler, uses: &[Use]) -> String {
    let mut fields: Vec<&str> = uses
        .iter()
        .filter_map(|u| match &u.kind {
            UseKind::MiddlewareField { field, .. } => Some(field.as_str()),
            _ => None,
        })
        .collect();
    fields.sort_unstable();
    fields.dedup();
    if fields.is_empty() || !file.language.is_typescript() {
        return "NextRequest".into();
    }
    let style = crate::text::file_style(file);
    match project_request_type(file, handler) {
        Some(project) => {
            let keys: Vec<String> = fields.iter().map(|f| style.quoted(f)).collect();
            format!("NextRequest & Pick<{project}, {}>", keys.join(" | "))
        }
        // The Pages type did not declare them (an untyped parameter, or plain NextApiRequest).
        None => {
            let members: Vec<String> = fields.iter().map(|f| format!("{f}?: any")).collect();
            format!("NextRequest & {{ {} }}", members.join("; "))
        }
    }
}

/// ` as T['query']` for the route's query local, when the request had a project type.
pub(super) fn query_cast(file: &ParsedFile, handler: &Handler, style: &Style) -> String {
    match project_request_type(file, handler) {
        Some(project) => format!(" as {project}[{}]", style.quoted("query")),
        None => String::new(),
    }
}

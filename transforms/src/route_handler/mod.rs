//! Pages API route → App Router Route Handler.
//!
//! Takes a parsed `pages/api` file and returns the text of its `route.ts`, built from edits over
//! the original so that every line the transform does not need to touch stays byte for byte.
//!
//! ```text
//! export default async function handler(req: NextApiRequest, res: NextApiResponse) {
//!   if (req.method === 'GET') {
//!     return res.status(200).json(await list(req.query.tag))
//!   }
//!   res.setHeader('Allow', 'GET')
//!   res.status(405).end()
//! }
//! ```
//! becomes
//! ```text
//! export async function GET(req: NextRequest) {
//!   const query = pagesQuery(req)
//!   return jsonResponse(await list(query.tag), { status: 200 })
//! }
//!
//! function methodNotAllowed(req: NextRequest) { … }
//! export { methodNotAllowed as HEAD, methodNotAllowed as POST, … }
//! ```
//! Bails out (returns [`Outcome::Manual`] with one diagnostic per construct) when any use of
//! `req`/`res` has no faithful rewrite, when code runs after the response, or when the handler
//! is not a plain function: a half-converted file is never produced.

pub mod adapters;
mod after;
pub(crate) mod config;
pub mod cors;
pub mod dispatch;
mod draft;
mod edge;
mod exports;
pub mod handler;
pub(crate) mod helper_copy;
pub mod helpers;
pub mod middleware;
mod named_imports;
pub mod next_basics;
pub(crate) mod render;
mod request_type;
pub mod revalidate;
pub mod session_libraries;
pub mod special;
mod stream;
mod tail;
pub mod upload;
pub mod usage;
pub mod webhook;

use std::collections::{BTreeSet, HashSet};

use swc_ecma_ast::{Pat, Tpl};
use swc_ecma_visit::{Visit, VisitWith};

use crate::compat::CompatFn;
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;
use crate::route_path::ApiRoute;

pub use handler::is_route_module;
pub use revalidate::{PageIndex, PagePath, PageRouter};

/// What the transform needs to know besides the file.
pub struct RouteContext<'a> {
    pub route: &'a ApiRoute,
    /// Project-relative path of the compat module, without extension.
    pub compat_module: &'a str,
    /// For a project path without extension (`pages/api/other`), the new path without
    /// extension of the route file it names, if that file moves too.
    pub moved_route: &'a dyn Fn(&str) -> Option<String>,
    /// For an import of the route file (its source as written, and the imported name), the
    /// project helper or wrapper it names, when the planner read one: its App Router form, or
    /// why it has none.
    pub project_helper: &'a dyn Fn(&str, &str) -> Option<helpers::ProjectFunction>,
    /// Which router serves a page path of the site (`res.revalidate` targets).
    pub page_router: &'a dyn Fn(&PagePath) -> PageRouter,
    /// The version range the app's package.json gives a package (`"^4.24.7"`), if it names it.
    pub dependency: &'a dyn Fn(&str) -> Option<String>,
    /// When the output is checked: see [`OutputCheck`].
    pub output_check: OutputCheck,
}

/// When a conversion checks its output: it must parse, and must not refer to the handler's
/// response any more (see [`Unchecked::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputCheck {
    /// Before the conversion returns: a failed check makes it a manual outcome.
    Now,
    /// When the caller knows that it keeps the output: the conversion returns it unchecked
    /// ([`Converted::unchecked`]), and the caller must check it with [`Unchecked::check`] before
    /// it uses the text. A planner that may throw the conversion away (its route's logic goes to a
    /// service instead) saves the parse.
    Later,
}

impl<'a> RouteContext<'a> {
    /// A route read on its own, outside a project (tests, fuzzing): no other route moves, no
    /// helpers, pages or packages are known, and the compat module is `lib/routeshift/pages-compat`.
    pub fn standalone(route: &'a ApiRoute) -> RouteContext<'a> {
        RouteContext {
            route,
            compat_module: "lib/routeshift/pages-compat",
            moved_route: &no_moved_routes,
            project_helper: &no_project_helpers,
            page_router: &no_pages,
            dependency: &no_dependencies,
            output_check: OutputCheck::Now,
        }
    }
}

/// A `RouteContext::moved_route` for which no route moves.
pub fn no_moved_routes(_: &str) -> Option<String> {
    None
}

/// A `RouteContext::page_router` that knows no pages.
pub fn no_pages(_: &PagePath) -> PageRouter {
    PageRouter::Unknown
}

/// A `RouteContext::dependency` that knows no packages.
pub fn no_dependencies(_: &str) -> Option<String> {
    None
}

/// A `RouteContext::project_helper` that knows no helpers.
pub fn no_project_helpers(_: &str, _: &str) -> Option<helpers::ProjectFunction> {
    None
}

#[derive(Debug, Clone)]
pub struct Converted {
    /// The route handler file's text.
    pub text: String,
    /// Compat functions the file imports.
    pub compat: BTreeSet<CompatFn>,
    /// Methods the route handler exports.
    pub methods: Vec<&'static str>,
    pub notes: Vec<Diagnostic>,
    /// Other route files (project paths without extension) whose new location this file refers to.
    pub route_references: Vec<String>,
    /// Project helpers whose App Router form the file calls: (import source as written, name).
    pub helpers: Vec<(String, String)>,
    /// What checking `text` needs, while it is not checked (made with [`OutputCheck::Later`]).
    pub unchecked: Option<Unchecked>,
}

/// What checking an output made with [`OutputCheck::Later`] needs.
#[derive(Debug, Clone)]
pub struct Unchecked {
    target_path: String,
    /// The handler's response parameter, which the output must no longer refer to.
    res: Option<String>,
}

impl Unchecked {
    /// Where the output goes (`app/api/items/route.ts`).
    pub fn target_path(&self) -> &str {
        &self.target_path
    }

    /// `text`, the output this was made with, checked and tidied as [`OutputCheck::Now`] does
    /// it. `Err` is the manual outcome a failed check gives.
    pub fn check(&self, text: &str) -> Result<String, Vec<Diagnostic>> {
        render::self_check(&self.target_path, text, self.res.as_deref())
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Converted(Converted),
    /// The file stays as it is; the diagnostics say why.
    Manual(Vec<Diagnostic>),
}

/// Converts one route file.
pub fn convert(file: &ParsedFile, context: &RouteContext) -> Outcome {
    // A library's adapter (NextAuth(…), createNextApiHandler(…), …) is replaced as a whole.
    if let Some(result) = adapters::convert(file, context) {
        return match result {
            Ok(converted) => Outcome::Converted(converted),
            Err(problems) => Outcome::Manual(problems),
        };
    }
    match render::convert(file, context) {
        Ok(converted) => Outcome::Converted(converted),
        Err(problems) => Outcome::Manual(problems),
    }
}

/// Every identifier name in the file, to pick new names that cannot clash.
pub(crate) fn identifier_names(file: &ParsedFile) -> HashSet<String> {
    let counts = file.identifier_counts();
    // Room for the few names a conversion adds.
    let mut names = HashSet::with_capacity(counts.len() + 16);
    names.extend(counts.keys().cloned());
    names
}

/// `base`, or `base2`, `base3`, … : the first that is not in `taken`, which then holds it.
pub(crate) fn fresh_name(taken: &mut HashSet<String>, base: &str) -> String {
    let mut candidate = base.to_string();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// Ranges of template literals that span lines: their whitespace is part of a value.
pub(crate) fn multiline_templates(file: &ParsedFile) -> Vec<std::ops::Range<usize>> {
    struct Templates<'f>(&'f ParsedFile, Vec<std::ops::Range<usize>>);
    impl Visit for Templates<'_> {
        fn visit_tpl(&mut self, tpl: &Tpl) {
            let range = self.0.range(tpl.span);
            if self.0.text[range.clone()].contains('\n') {
                self.1.push(range);
            }
            tpl.visit_children_with(self);
        }
    }
    let mut templates = Templates(file, Vec::new());
    file.module.visit_with(&mut templates);
    templates.1
}

pub(crate) fn param_name(pat: &Pat) -> Option<&str> {
    match pat {
        Pat::Ident(binding) => Some(&binding.id.sym),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

//! Functions a handler hands `req` or `res` to, whose App Router form is known.
//!
//! Two sources. Libraries whose Route Handler form is documented: next-auth's
//! `getServerSession(req, res, options)` becomes `getServerSession(options)` (the one-argument
//! form reads the request through `headers()` and `cookies()`; reference §6). And the project's
//! own helpers, which the planner has read (see `crate::helper_module`): a response helper
//! `ok(res, data)` becomes `okResponse(data)`, a function beside the old one in the same module
//! that returns the `Response` instead of sending it.
//!
//! Library response helpers (next-basics' `ok(res, data)`, `badRequest(res)`, …) become the
//! Response they sent (`next_basics.rs`).
//!
//! A call matches only when `req` and `res` sit exactly where the helper takes them; any other
//! use of `req` or `res` stays a `manual/*-passed` problem.

use std::collections::HashMap;
use std::ops::Range;

use swc_ecma_ast::{CallExpr, Callee, Expr, ImportSpecifier, ModuleDecl, ModuleItem};

use crate::ast::strip_parens;
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;

/// What the planner knows about a project function a route imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectHelper {
    /// The App Router form's name, exported beside the old function.
    pub new_name: String,
    /// The positions of the `req` and `res` parameters; the new form takes the `Request` where
    /// the old took `req`, and nothing for `res`.
    pub req_at: Option<usize>,
    pub res_at: Option<usize>,
    /// Every path of the helper sends the response: its new form returns a `Response`.
    pub responds: bool,
    /// The new form reads nothing from the request: calls leave `req` out too.
    pub drops_req: bool,
    /// A wrapper (`withAuth(handler, options)`): the position of the handler it wraps. Its new
    /// form wraps a handler over `(request, context, …)` that returns a `Response`.
    pub wraps: Option<usize>,
    /// A next-basics `createMiddleware` middleware (`await useAuth(req, res)`): how a route runs
    /// it (see `middleware.rs`).
    pub middleware: Option<super::middleware::MiddlewareHelper>,
}

impl ProjectHelper {
    /// How a call of the helper changes, its new form named by `rename`.
    pub fn call(&self, rename: Rename) -> HelperCall {
        HelperCall {
            req_at: self.req_at,
            res_at: self.res_at,
            drops_req: self.drops_req,
            rename: Some(rename),
            responds: self.responds,
            ..HelperCall::default()
        }
    }
}

/// A project function over `req`/`res`: its App Router form, or why it has none.
pub type ProjectFunction = Result<ProjectHelper, Vec<Diagnostic>>;

/// How one call changes.
#[derive(Debug, Clone, Default)]
pub struct HelperCall {
    pub req_at: Option<usize>,
    pub res_at: Option<usize>,
    /// The new call leaves out `req` too (a project helper's new form takes the `Request`).
    pub drops_req: bool,
    /// The new callee, and the import specifier that must name it.
    pub rename: Option<Rename>,
    pub responds: bool,
    /// The number of arguments the call must have (a library function's documented form).
    pub arity: Option<usize>,
    /// `res` is not dropped but becomes the route context: the call of the handler a wrapper
    /// wraps (`handler(req, res, project)` → `handler(req, context, project)`).
    pub res_to_context: bool,
    /// next-auth's `getServerSession`: its Pages form sent a refreshed session cookie with
    /// every call; its App Router form cannot (it reads `cookies()` and writes nothing).
    pub refreshed_session_cookie: bool,
    /// A library response helper (next-basics) that becomes the Response it sent.
    pub library_response: Option<super::next_basics::LibraryCall>,
    /// A session library's function (`session_libraries.rs`).
    pub session_library: Option<super::session_libraries::SessionCall>,
}

impl HelperCall {
    /// A middleware's `next()` (next-connect, next-basics): it answers for the analysis of what
    /// runs last, since the form returns what it returns.
    pub fn next() -> HelperCall {
        HelperCall {
            responds: true,
            arity: Some(0),
            ..HelperCall::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rename {
    pub new_name: String,
    /// The `{ old }` import specifier the new name joins; `None` for a function of the same module.
    pub specifier: Option<Range<usize>>,
    /// The module the helper comes from, as the route file writes it.
    pub source: String,
    /// The name the helper is imported under.
    pub imported: String,
}

/// The helpers one route file can call, by local name.
#[derive(Debug, Default, Clone)]
pub struct Helpers {
    by_local: HashMap<String, HelperCall>,
    /// Project wrappers the file imports, by local name: the handler's position and the rename.
    wrappers: HashMap<String, (usize, Rename)>,
    /// Project functions over `req`/`res` the file imports that have no App Router form, and why.
    refused: HashMap<String, Vec<Diagnostic>>,
    /// Library wrappers whose App Router form has the same name, by local name.
    library_wrappers: HashMap<String, (usize, super::session_libraries::LibraryWrapper)>,
    /// Project next-basics middlewares the file imports, by local name.
    middlewares: HashMap<String, (super::middleware::MiddlewareHelper, Rename)>,
}

/// Library functions and the arguments that go: `(source, name, req position, res position, arity)`.
const LIBRARY: [(&str, &str, usize, usize, usize); 2] = [
    ("next-auth", "getServerSession", 0, 1, 3),
    ("next-auth/next", "getServerSession", 0, 1, 3),
];

impl Helpers {
    /// The helpers of `file`: library ones from its imports, project ones from `project`
    /// (asked with the import's source and imported name).
    pub fn of(
        file: &ParsedFile,
        project: &dyn Fn(&str, &str) -> Option<ProjectFunction>,
    ) -> Helpers {
        let mut by_local = HashMap::new();
        let mut wrappers = HashMap::new();
        let mut refused = HashMap::new();
        let mut library_wrappers = HashMap::new();
        let mut middlewares = HashMap::new();
        for item in &file.module.body {
            let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
                continue;
            };
            if import.type_only {
                continue;
            }
            let source = crate::ast::str_text(&import.src);
            for specifier in &import.specifiers {
                let ImportSpecifier::Named(named) = specifier else {
                    continue;
                };
                if named.is_type_only {
                    continue;
                }
                let imported = named
                    .imported
                    .as_ref()
                    .map_or_else(|| named.local.sym.to_string(), crate::ast::export_name);
                let local = named.local.sym.to_string();
                if let Some(response) = (source == super::next_basics::SOURCE)
                    .then(|| super::next_basics::LibraryResponse::of(&imported))
                    .flatten()
                {
                    let argument = super::next_basics::Argument::Default;
                    by_local.insert(
                        local,
                        HelperCall {
                            res_at: Some(0),
                            responds: true,
                            library_response: Some(super::next_basics::LibraryCall {
                                response,
                                argument,
                            }),
                            ..HelperCall::default()
                        },
                    );
                    continue;
                }
                if let Some(call) = super::session_libraries::library_call(source, &imported) {
                    by_local.insert(local, call);
                    continue;
                }
                if let Some(wrapper) = super::session_libraries::library_wrapper(source, &imported)
                {
                    library_wrappers.insert(local, wrapper);
                    continue;
                }
                if let Some((_, _, req_at, res_at, arity)) = LIBRARY
                    .iter()
                    .find(|(s, n, ..)| *s == source && *n == imported)
                {
                    by_local.insert(
                        local,
                        HelperCall {
                            req_at: Some(*req_at),
                            res_at: Some(*res_at),
                            drops_req: true,
                            arity: Some(*arity),
                            refreshed_session_cookie: imported == "getServerSession",
                            ..HelperCall::default()
                        },
                    );
                    continue;
                }
                // A renamed import (`{ ok as sendOk }`) would need a second alias; such calls stay manual.
                if named.imported.is_some() {
                    continue;
                }
                if let Some(found) = project(source, &imported) {
                    let helper = match found {
                        Ok(helper) => helper,
                        Err(problems) => {
                            refused.insert(local, problems);
                            continue;
                        }
                    };
                    let rename = Rename {
                        new_name: helper.new_name.clone(),
                        specifier: Some(file.range(named.span)),
                        source: source.to_string(),
                        imported: imported.clone(),
                    };
                    // Middlewares are awaited as statements of their own (`middleware.rs`).
                    if let Some(middleware) = helper.middleware.clone() {
                        middlewares.insert(local, (middleware, rename));
                        continue;
                    }
                    // Wrappers are not called with `req` and `res`: the handler finds them.
                    if let Some(at) = helper.wraps {
                        wrappers.insert(local, (at, rename));
                        continue;
                    }
                    by_local.insert(local, helper.call(rename));
                }
            }
        }
        Helpers {
            by_local,
            wrappers,
            refused,
            library_wrappers,
            middlewares,
        }
    }

    /// The project middleware the file imports under `local`, and its App Router form's name.
    pub fn middleware(
        &self,
        local: &str,
    ) -> Option<&(super::middleware::MiddlewareHelper, Rename)> {
        self.middlewares.get(local)
    }

    /// Whether the file imports any project middleware.
    pub fn has_middlewares(&self) -> bool {
        !self.middlewares.is_empty()
    }

    /// Why the project function the file imports under `local` has no App Router form.
    pub fn refusal(&self, local: &str) -> Option<&[Diagnostic]> {
        self.refused.get(local).map(Vec::as_slice)
    }

    /// The refusals of every project function `file` names (deduplicated, in name order): the
    /// reasons behind a route's own problems with the calls.
    pub fn refusals_named_in(&self, names: &crate::parse::IdentifierCounts) -> Vec<Diagnostic> {
        let mut locals: Vec<&String> = self
            .refused
            .keys()
            .filter(|l| names.contains_key(*l))
            .collect();
        locals.sort();
        locals
            .into_iter()
            .flat_map(|l| self.refused[l].iter().cloned())
            .collect()
    }

    /// The project wrapper the file imports under `local`: the position of the handler it
    /// takes, and its App Router form.
    pub fn wrapper(&self, local: &str) -> Option<(usize, &Rename)> {
        self.wrappers.get(local).map(|(at, rename)| (*at, rename))
    }

    /// The same helpers without the session libraries' calls and wrappers, whose App Router
    /// forms are checked and imported by the route transform only (a project helper module
    /// keeps such calls as they are).
    pub fn without_session_libraries(mut self) -> Helpers {
        self.by_local
            .retain(|_, call| call.session_library.is_none());
        self.library_wrappers.clear();
        self
    }

    /// The library wrapper the file imports under `local`.
    pub fn library_wrapper(&self, local: &str) -> Option<super::session_libraries::LibraryWrapper> {
        self.library_wrappers
            .get(local)
            .map(|(_, wrapper)| *wrapper)
    }

    /// The position of the handler a wrapper the file imports under `local` takes (a project
    /// wrapper or a library's).
    pub fn wraps(&self, local: &str) -> Option<usize> {
        self.wrapper(local)
            .map(|(at, _)| at)
            .or_else(|| self.library_wrappers.get(local).map(|(at, _)| *at))
    }

    /// The helper `call` invokes, when `req` and `res` are passed exactly where it takes them.
    pub fn matching(&self, call: &CallExpr, req: &str, res: &str) -> Option<&HelperCall> {
        let Callee::Expr(callee) = &call.callee else {
            return None;
        };
        let Expr::Ident(name) = &**callee else {
            return None;
        };
        let helper = self.by_local.get(&*name.sym)?;
        if call.args.iter().any(|a| a.spread.is_some()) {
            return None;
        }
        let is = |at: Option<usize>, name: &str| match at {
            Some(at) => call.args.get(at).is_some_and(
                |a| matches!(strip_parens(&a.expr), Expr::Ident(i) if &*i.sym == name),
            ),
            None => true,
        };
        if helper.arity.is_some_and(|arity| arity != call.args.len()) {
            return None;
        }
        (is(helper.req_at, req) && is(helper.res_at, res)).then_some(helper)
    }

    /// A call that sends the response (for the tail and dispatch analyses).
    pub fn responds(&self, expr: &Expr, req: &str, res: &str) -> bool {
        let expr = match strip_parens(expr) {
            Expr::Await(a) => strip_parens(&a.arg),
            other => other,
        };
        let Expr::Call(call) = expr else { return false };
        self.matching(call, req, res).is_some_and(|h| h.responds)
    }

    /// Adds a helper the file declares itself (a function of the same module, a wrapper's
    /// handler parameter), under its local name.
    pub fn insert(&mut self, local: String, call: HelperCall) {
        self.by_local.insert(local, call);
    }

    pub fn is_empty(&self) -> bool {
        self.by_local.is_empty()
    }
}

/// What changes with `getServerSession`'s App Router form (`call` is where it is called).
pub fn session_cookie_note(call: crate::diagnostic::Location) -> Diagnostic {
    Diagnostic::note(
        "note/session-cookie-not-refreshed",
        "`getServerSession(authOptions)` in a route handler sets no cookies, where `getServerSession(req, res, authOptions)` added next-auth's to every response: a refreshed session token, and a CSRF token and callback-URL cookie for a client without them",
    )
    .with_help("a JWT session is now extended only when the client fetches /api/auth/session (next-auth's SessionProvider does) and the CSRF cookie is set by next-auth's own routes; set a longer `session.maxAge` if API calls alone kept users signed in")
    .at(call)
}

/// The ranges to delete so that the arguments at `drop` go, with their commas.
pub fn dropped_arguments(args: &[Range<usize>], drop: &[usize]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut index = 0;
    while index < args.len() {
        if !drop.contains(&index) {
            index += 1;
            continue;
        }
        let start = index;
        while index + 1 < args.len() && drop.contains(&(index + 1)) {
            index += 1;
        }
        let end = index;
        if end + 1 < args.len() {
            ranges.push(args[start].start..args[end + 1].start);
        } else if start > 0 {
            ranges.push(args[start - 1].end..args[end].end);
        } else {
            ranges.push(args[start].start..args[end].end);
        }
        index += 1;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::dropped_arguments;

    #[test]
    fn dropping_arguments_keeps_the_commas_right() {
        // `f(req, res, options)`
        let args = [2..5, 7..10, 12..19];
        assert_eq!(dropped_arguments(&args, &[0, 1]), vec![2..12]);
        assert_eq!(dropped_arguments(&args, &[1]), vec![7..12]);
        assert_eq!(dropped_arguments(&args, &[2]), vec![10..19]);
        assert_eq!(dropped_arguments(&args, &[1, 2]), vec![5..19]);
        assert_eq!(dropped_arguments(&args, &[0, 1, 2]), vec![2..19]);
        assert!(dropped_arguments(&args, &[]).is_empty());
    }
}

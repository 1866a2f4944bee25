//! Business logic out of a Pages handler, into a service the App Router's entry points share.
//!
//! A route that the app's own UI or pages call (`app-mutation`, `page-read`) gets more than a
//! route handler: its logic becomes plain async functions in `features/<feature>/service.ts`,
//! and Server Actions (`actions.ts`), query functions (`queries.ts`) and, while a caller still
//! needs the URL, a thin route handler all call them.
//!
//! ```text
//! if (req.method === 'POST') {
//!   const user = req.cookies.user
//!   if (!user) return res.status(401).json({ error: 'sign in first' })
//!   const todo = await db.todos.create({ title: req.body.title, owner: user })
//!   return res.status(201).json(todo)
//! }
//! ```
//! becomes, in the service,
//! ```text
//! export async function createTodo({ user, body }: { user: string | undefined; body: any }) {
//!   if (!user) return { ok: false as const, reason: 'unauthenticated' as const, error: { error: 'sign in first' } }
//!   const todo = await db.todos.create({ title: body.title, owner: user })
//!   return { ok: true as const, data: todo }
//! }
//! ```
//! and, in the Pages handler that the core transform then turns into the route handler,
//! ```text
//! if (req.method === 'POST') {
//!   const result = await service.createTodo({ user: req.cookies.user, body: req.body })
//!   if (!result.ok) return res.status(401).json(result.error)
//!   return res.status(201).json(result.data)
//! }
//! ```
//! Request reads (`req.body`, `req.query.x`, `req.cookies.x`, `req.headers[x]`) become the
//! function's typed inputs, with the types the Pages request gave them, so the moved code
//! type-checks as it did. Each response becomes a returned value: failures (status ≥ 400) a
//! `{ ok: false, reason, error }` named after the status, the success its data. Each entry point
//! maps them back to its own transport.
//!
//! Extraction bails out (the plain route handler is still produced) with a `manual/extract-…`
//! diagnostic when the logic touches the transport: headers or status set along the way, the
//! raw body, the URL, `req`/`res` handed to other code, responses inside callbacks, several
//! different success responses.

mod entries;
mod extract;
pub mod naming;

use std::collections::BTreeSet;

pub use entries::{
    action_fragment, can_post_form, can_query, compose, query_fragment, ActionStyle,
};
pub use extract::{extract, names_sought, refusal_before_naming, ServiceContext};

use crate::route_handler::Converted;

/// Where an input of a service function comes from in the Pages request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    /// `req.body`.
    Body,
    /// `req.query.<key>` where the key is a dynamic segment of the route.
    Param { key: String, catch_all: bool },
    /// `req.query.<key>` read from the search string.
    Search { key: String },
    /// `req.query` as a whole.
    Query,
    /// `req.cookies.<name>`.
    Cookie(String),
    /// `req.headers[<name>]`.
    Header(String),
}

impl InputSource {
    /// Whether the caller supplies it (an argument), rather than the request around the call
    /// (a cookie or header that an action or query reads itself).
    pub fn from_caller(&self) -> bool {
        !matches!(self, InputSource::Cookie(_) | InputSource::Header(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The parameter's name in the service function.
    pub name: String,
    pub source: InputSource,
    /// Its TypeScript type.
    pub ts_type: String,
    /// How the Pages handler reads it (`req.query.id as string`), for the thin route handler.
    pub pages_expr: String,
}

/// A failure the service reports as a value, and the response it stood for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `invalid`, `unauthenticated`, `notFound`, …
    pub reason: String,
    pub status: u16,
}

/// What the service returns on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Success {
    /// A value that was sent as the response body.
    Value,
    /// Nothing (the response had no body).
    Nothing,
    /// The location of a redirect.
    Redirect,
}

/// One exported function of a feature's service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFunction {
    pub name: String,
    /// The HTTP methods whose logic it is.
    pub methods: Vec<&'static str>,
    pub inputs: Vec<Input>,
    pub failures: Vec<Failure>,
    pub success: Success,
}

impl ServiceFunction {
    pub fn can_fail(&self) -> bool {
        !self.failures.is_empty()
    }

    /// Whether it answers reads (GET) rather than changes.
    pub fn is_read(&self) -> bool {
        self.methods.contains(&"GET")
    }
}

/// An import a generated module needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImportItem {
    pub source: String,
    pub kind: ImportKind,
    pub type_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImportKind {
    Default(String),
    Namespace(String),
    Named {
        imported: String,
        local: String,
    },
    /// `import 'x'`.
    SideEffect,
}

impl ImportKind {
    pub fn local(&self) -> Option<&str> {
        match self {
            ImportKind::Default(l) | ImportKind::Namespace(l) => Some(l),
            ImportKind::Named { local, .. } => Some(local),
            ImportKind::SideEffect => None,
        }
    }
}

/// What one route contributes to a generated module: imports, module-level declarations the
/// functions need, and the functions. Fragments of several routes make one file
/// ([`compose`]), so a file holds exactly the functions of the routes that are migrated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    pub imports: BTreeSet<ImportItem>,
    /// `(names it declares, text)`, in source order.
    pub declarations: Vec<(Vec<String>, String)>,
    /// `(name, text)`.
    pub functions: Vec<(String, String)>,
}

impl Fragment {
    /// Every top-level name the fragment declares.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.imports.iter().filter_map(|i| i.kind.local()).collect();
        names.extend(
            self.declarations
                .iter()
                .flat_map(|(n, _)| n.iter().map(String::as_str)),
        );
        names.extend(self.functions.iter().map(|(n, _)| n.as_str()));
        names
    }
}

/// A route's logic, extracted.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub functions: Vec<ServiceFunction>,
    /// Its part of `service.ts`.
    pub service: Fragment,
    /// The thin route handler over the service, for as long as a caller needs the URL.
    pub route_handler: Converted,
}

#[cfg(test)]
mod tests;

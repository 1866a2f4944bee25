//! The call graph's raw material: every place in a file that calls (or links to) an `/api` URL,
//! with the HTTP method and body when they can be read, and where the caller runs.
//!
//! One file at a time, so files are analysed in parallel. What needs another file — a call
//! through a fetch wrapper or an API client defined elsewhere — is kept as a [`PendingCall`] and
//! finished by [`PendingCall::resolve`] once the CLI has found the definition it names.

mod extract;
pub mod url;

use std::fmt;

use crate::diagnostic::Location;
pub use extract::extract;
use url::UrlPattern;

/// How a call site reaches the URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallStyle {
    Fetch,
    Axios,
    Ky,
    /// `useSWR` / `useSWRImmutable` / `useSWRInfinite` key.
    Swr,
    SwrMutation,
    /// `mutate('/api/x')`: revalidates (re-reads) the key.
    SwrMutate,
    /// `<form action="/api/x">`.
    FormAction,
    /// `router.push`, `window.location`, `window.open`.
    Navigation,
    /// `<a href>` / `<Link href>`.
    Link,
    /// `navigator.sendBeacon`.
    Beacon,
    EventSource,
    /// A project function that passes its argument on to `fetch`/axios/ky.
    Wrapper(String),
    /// An API client that adds a prefix itself (`axios.create({ baseURL })`, `useApi()`).
    Client(String),
    /// The URL appears in the code without a call that can be read (a constant, a config entry).
    Reference,
}

impl fmt::Display for CallStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallStyle::Fetch => f.write_str("fetch"),
            CallStyle::Axios => f.write_str("axios"),
            CallStyle::Ky => f.write_str("ky"),
            CallStyle::Swr => f.write_str("useSWR"),
            CallStyle::SwrMutation => f.write_str("useSWRMutation"),
            CallStyle::SwrMutate => f.write_str("SWR mutate"),
            CallStyle::FormAction => f.write_str("form action"),
            CallStyle::Navigation => f.write_str("navigation"),
            CallStyle::Link => f.write_str("link"),
            CallStyle::Beacon => f.write_str("sendBeacon"),
            CallStyle::EventSource => f.write_str("EventSource"),
            CallStyle::Wrapper(name) => write!(f, "wrapper {name}"),
            CallStyle::Client(name) => write!(f, "client {name}"),
            CallStyle::Reference => f.write_str("reference"),
        }
    }
}

/// What a call sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKind {
    None,
    /// `JSON.stringify` with a JSON content type (or a client that sends objects as JSON).
    Json,
    /// `JSON.stringify` without a JSON content type: `fetch` sends it as `text/plain`, so the
    /// Pages handler received a string in `req.body`.
    JsonWithoutContentType,
    FormData,
    UrlEncoded,
    Other,
    /// A body whose kind the code does not show.
    Unknown,
}

impl BodyKind {
    pub fn name(self) -> &'static str {
        match self {
            BodyKind::None => "none",
            BodyKind::Json => "json",
            BodyKind::JsonWithoutContentType => "json-text-plain",
            BodyKind::FormData => "form-data",
            BodyKind::UrlEncoded => "urlencoded",
            BodyKind::Other => "other",
            BodyKind::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// The browser: a client component, a hook, an event handler, a form.
    Client,
    /// The server: `getServerSideProps`, a server component, another route, a script.
    Server,
    Unknown,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Client => "client",
            Runtime::Server => "server",
            Runtime::Unknown => "unknown",
        }
    }
}

/// Where a call runs and what showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallerContext {
    pub runtime: Runtime,
    /// `getServerSideProps`, `'use client' module`, `event handler`, …
    pub reason: &'static str,
}

/// What part of a Next.js project a file belongs to (decided from its path by the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// `pages/**` outside `pages/api`.
    Pages,
    /// `pages/api/**`.
    PagesApi,
    /// `app/**` (not a route handler).
    App,
    /// `app/**/route.*`.
    AppRoute,
    /// `middleware.*` at the root or in `src/`.
    Middleware,
    /// Scripts, jobs, tests: code that runs outside the app.
    Script,
    /// Anything else: components, hooks, lib, a workspace package.
    Other,
}

/// One call (or link) to an `/api` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// The URL from `/api` on, origin and query string removed.
    pub url: UrlPattern,
    /// The HTTP method, when the code says it.
    pub method: Option<&'static str>,
    pub body: BodyKind,
    pub style: CallStyle,
    pub location: Location,
    pub context: CallerContext,
    /// The URL names a host (an origin or a base-URL variable before `/api`), so it can reach
    /// this app from another deployment; a bare `/api/…` only reaches the caller's own origin.
    pub absolute: bool,
}

/// The HTTP method a wrapper uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WrapperMethod {
    Known(&'static str),
    /// Taken from the wrapper's argument at this position.
    Param(usize),
    Unknown,
}

/// A project function whose parameter flows into a request's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapperDef {
    /// The local name: `postJson`, or `api.get` for a function in an object literal.
    pub name: String,
    /// The URL with the wrapper's parameters in it.
    pub url: UrlPattern,
    pub method: WrapperMethod,
    pub body: BodyKind,
}

/// An API client that adds a URL prefix itself: an instance (`axios.create({ baseURL })`) or a
/// function that makes one (`useApi()`); its `get`/`post`/`put`/`patch`/`del(ete)` members send
/// the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDef {
    pub name: String,
    pub prefix: UrlPattern,
}

/// A name a file uses: its own, or imported.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Binding {
    Local(String),
    Imported { specifier: String, name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallTarget {
    /// `postJson(url)`.
    Function(Binding),
    /// `api.get(url)`, `useApi().get(url)`, or `get(url)` destructured from a client.
    Member(Binding, String),
}

/// A call that may go through a wrapper or client defined elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCall {
    pub target: CallTarget,
    /// The URL pattern of each argument that reads as a URL (before `/api` filtering).
    pub args: Vec<Option<UrlPattern>>,
    /// String-literal arguments (a wrapper may take the method as an argument).
    pub string_args: Vec<Option<String>>,
    /// What the arguments send as a body, judged from the second argument.
    pub body: BodyKind,
    pub location: Location,
    pub context: CallerContext,
    /// What the call counts as when it goes through no wrapper or client: its `/api` arguments
    /// as references.
    pub fallback: Vec<CallSite>,
}

/// What a pending call turned out to call.
pub enum Definition<'a> {
    Wrapper(&'a WrapperDef),
    Client(&'a ClientDef),
}

impl PendingCall {
    /// The call site, once the definition is known; `None` when the URL is not an `/api` one.
    pub fn resolve(&self, definition: Definition) -> Option<CallSite> {
        let argument = |index: usize| self.args.get(index).cloned().flatten();
        let (url, method, body, style) = match definition {
            Definition::Wrapper(wrapper) => {
                let method = match wrapper.method {
                    WrapperMethod::Known(method) => Some(method),
                    WrapperMethod::Param(index) => self
                        .string_args
                        .get(index)
                        .cloned()
                        .flatten()
                        .and_then(|m| method_name(&m)),
                    WrapperMethod::Unknown => None,
                };
                let body = match wrapper.body {
                    BodyKind::Unknown => self.body,
                    known => known,
                };
                (
                    wrapper.url.substitute(&argument),
                    method,
                    body,
                    CallStyle::Wrapper(wrapper.name.clone()),
                )
            }
            Definition::Client(client) => {
                let CallTarget::Member(_, member) = &self.target else {
                    return None;
                };
                let method = client_method(member)?;
                let path = argument(0)?;
                // A full `/api/…` URL is used as it is; a path gets the client's prefix.
                let url = if path.api_path().is_some() {
                    path
                } else {
                    client.prefix.clone().concat(path)
                };
                let body = if matches!(method, "GET" | "DELETE" | "HEAD") {
                    BodyKind::None
                } else {
                    self.body
                };
                (
                    url,
                    Some(method),
                    body,
                    CallStyle::Client(client.name.clone()),
                )
            }
        };
        Some(CallSite {
            absolute: url.is_absolute(),
            url: url.api_path()?,
            method,
            body,
            style,
            location: self.location.clone(),
            context: self.context,
        })
    }
}

/// The HTTP method a client member sends.
pub fn client_method(member: &str) -> Option<&'static str> {
    Some(match member {
        "get" => "GET",
        "post" => "POST",
        "put" => "PUT",
        "patch" => "PATCH",
        "del" | "delete" => "DELETE",
        "head" => "HEAD",
        _ => return None,
    })
}

/// The canonical name of an HTTP method written in any case.
pub fn method_name(text: &str) -> Option<&'static str> {
    const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    METHODS.into_iter().find(|m| m.eq_ignore_ascii_case(text))
}

/// Everything [`extract`] finds in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCalls {
    pub sites: Vec<CallSite>,
    pub wrappers: Vec<WrapperDef>,
    pub clients: Vec<ClientDef>,
    pub pending: Vec<PendingCall>,
    /// Exported name → local name, for the lookups other files make.
    pub exports: Vec<(String, String)>,
    /// `export { x as y } from './m'` → (`y`, `./m`, `x`); `export * from './m'` → (`*`, `./m`, `*`).
    pub reexports: Vec<(String, String, String)>,
}

impl FileCalls {
    /// The definition a name exported from (or declared in) this file stands for.
    pub fn definition(&self, local: &str, member: Option<&str>) -> Option<Definition<'_>> {
        if let Some(member) = member {
            let qualified = format!("{local}.{member}");
            if let Some(wrapper) = self.wrappers.iter().find(|w| w.name == qualified) {
                return Some(Definition::Wrapper(wrapper));
            }
            return self
                .clients
                .iter()
                .find(|c| c.name == local)
                .map(Definition::Client);
        }
        self.wrappers
            .iter()
            .find(|w| w.name == local)
            .map(Definition::Wrapper)
    }

    /// The local name behind an exported one.
    pub fn exported(&self, name: &str) -> Option<&str> {
        self.exports
            .iter()
            .find(|(exported, _)| exported == name)
            .map(|(_, local)| local.as_str())
    }
}

#[cfg(test)]
mod tests;

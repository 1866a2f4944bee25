//! Session libraries called inside a handler: @auth0/nextjs-auth0 v3 (`withApiAuthRequired`,
//! `getSession`, `getAccessToken`) and iron-session v8 (`getIronSession`).
//!
//! Each library call is a [`HelperCall`] and `withApiAuthRequired` a wrapper, so the handler goes
//! through the general conversion (`render.rs`, the `Declaration::Wrapped` path of project
//! wrappers); this module says which calls those are, checks what the declared versions allow,
//! and holds the library-specific text.
//!
//! # @auth0/nextjs-auth0 v3
//! ```text
//! export default withApiAuthRequired(async function protectedRoute(req, res) {
//!   const session = await getSession(req, res)
//!   res.json({ user: session?.user })
//! })
//! ```
//! becomes (TypeScript)
//! ```text
//! const protectedRoute = withApiAuthRequired(async function protectedRoute(req: NextRequest) {
//!   const session = await getSession()
//!   return jsonResponse({ user: session?.user })
//! })
//!
//! async function handler(req: NextRequest) {
//!   // nextjs-auth0 v3 types the route context `next build` rejects; the handler reads none
//!   return protectedRoute(req, {})
//! }
//! export { handler as GET, … }
//! ```
//! In JavaScript the wrapped handler is exported as it is (`export { protectedRoute as GET, … }`).
//!
//! Verified in @auth0/nextjs-auth0 3.8.0 (the latest 3.x; 3.5.0 is the same):
//! - `dist/helpers/with-api-auth-required.js` `withApiAuthFactory`: one wrapper for both routers;
//!   it takes the App Router branch when `isRequest(req)` (`dist/utils/req-helpers.js`:
//!   `req instanceof Request || req.headers instanceof Headers || typeof req.bodyUsed ===
//!   'boolean'`). `appRouteHandlerFactory` reads the session from the request's cookies into a
//!   `NextResponse` of its own (rolling sessions re-save the cookie there), answers
//!   `NextResponse.json({ error: 'not_authenticated', description: 'The user does not have an
//!   active session or is not authenticated' }, { status: 401 })` without one, otherwise calls
//!   `apiRoute(req, params)` with the route context exactly as Next.js passed it (it reads no
//!   params, so unlike `handleAuth` nothing needs awaiting), re-creates a plain `Response` as a
//!   `NextResponse` (status, statusText, headers kept) and copies its own cookies (the refreshed
//!   session) onto it unless the handler set one of the same name. `pageRouteHandlerFactory`
//!   answers `res.status(401).json(<same object>)`: same status and body, but Pages sends
//!   `application/json; charset=utf-8` and an ETag where `NextResponse.json` sends
//!   `application/json` and none (reference §3.3): `note/auth0-unauthenticated-response`.
//! - `dist/helpers/with-api-auth-required.d.ts`: `AppRouteHandlerFnContext` is
//!   `{ params?: Record<string, string | string[]> }`, which Next.js 15+ `next build` rejects as a
//!   route export's second argument (auth0/nextjs-auth0#1805, closed without a v3 fix; the
//!   maintainers do not update v3 for Next.js 15, #1808). So a TypeScript route exports a
//!   function of its own that calls the wrapped handler, and a TypeScript handler that needs the
//!   route context stays manual (`manual/auth0-route-context`): its `Promise` params do not fit
//!   v3's type.
//! - `dist/session/get-session.d.ts` / `get-access-token.d.ts`: both take `()` /
//!   `(accessTokenRequest?)` besides `(req, res[, …])`. Without a request,
//!   `dist/session/cache.js` `get` reads `cookies()` from `next/headers`
//!   (`dist/http/auth0-next-request-cookies.js`) and, with rolling sessions (the default), saves
//!   the session again through `cookies().set` (`auth0-next-response-cookies.js`); a refreshed
//!   access token is saved the same way. In a Route Handler those cookies are merged into the
//!   returned Response (reference §3.4), so refreshes still reach the client; the wrapper's own
//!   copy of the session cookie comes first and the handler's later, where Pages sent one
//!   (`note/auth0-session-cookie-repeated`). `cookies()` is used without `await`: Next.js 15
//!   allows that (a development warning), 16 removed it, and v3's peer range ends at Next.js 15
//!   — a project on Next.js 16 stays manual (`manual/auth0-v3-next-16`).
//!
//! # iron-session
//! `const session = await getIronSession<T>(req, res, sessionOptions)` (v8+) becomes
//! `getIronSession<T>(await cookies(), sessionOptions)` (`cookies` from `next/headers`).
//! Verified in iron-session 8.0.4 `dist/index.js`: `getIronSession` with two arguments goes to
//! `getIronSessionFromCookieStore`, which reads the seal with `cookieStore.get(cookieName)` and
//! writes `save()` / `destroy()` with `cookieStore.set` (same seal, cookie options and maxAge as
//! the `(req, res)` form, which appended a `Set-Cookie` header to `res`). Cookies set through
//! `cookies()` are merged into whatever Response the handler returns — `Response.json`,
//! `NextResponse.redirect`, the compat `redirectResponse` alike (reference §3.4: the response is
//! re-created with the merged headers) — so the converted route still carries the cookie.
//! Two textual differences, not in effect: the store writes one `Set-Cookie` per cookie name
//! (a second `save()` replaces the first, where `(req, res)` appended both; the browser kept
//! the later either way), and Next.js orders the cookie's attributes differently from `cookie`'s
//! `serialize`.
//!
//! v6/v7 `withIronSessionApiRoute` (from `iron-session/next`) stays manual
//! (`manual/iron-session-upgrade`, `adapters/iron_session.rs`): the cookie-store form exists only
//! from 8, and 8 drops `iron-session/next`, `withIronSessionSsr` and `IronSessionOptions`, so no
//! output type-checks against the installed 6/7. Upgrading keeps users signed in: 7.0.0
//! `dist/index.mjs` and 8.0.4 seal with iron-webcrypto's defaults, the same password map
//! (`{ 1: password }` for a string) and the `~2` version suffix, and 8's `unsealData` reads
//! version-2 seals as they are (6.3.1 seals the same way). One difference: 6/7 default `ttl` is
//! 15 days (`fourteenDaysInSeconds = 15 * 24 * 3600`), 8's is 14. A v6/v7
//! `getIronSession(req, res, options)` call is manual for the same reason.

use std::collections::BTreeSet;
use std::ops::Range;

use swc_common::Span;

use super::adapters::{declared_version, DeclaredVersion};
use super::helpers::HelperCall;
use super::usage::{Use, UseKind};
use super::RouteContext;
use crate::diagnostic::{Diagnostic, Location};
use crate::edit::Edit;
use crate::parse::ParsedFile;

pub const AUTH0: &str = "@auth0/nextjs-auth0";
pub const IRON_SESSION: &str = "iron-session";

/// A session library's function called with `req` and `res`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCall {
    /// `getSession(req, res)` → `getSession()`.
    Auth0GetSession,
    /// `getAccessToken(req, res[, options])` → `getAccessToken([options])`.
    Auth0GetAccessToken,
    /// `getIronSession(req, res, options)` → `getIronSession(await cookies(), options)`.
    IronSession,
}

/// A library wrapper whose App Router form has the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryWrapper {
    /// @auth0/nextjs-auth0 v3 `withApiAuthRequired(handler)`.
    Auth0ApiAuthRequired,
}

/// The library function an import names, as a helper call of the route.
pub fn library_call(source: &str, imported: &str) -> Option<HelperCall> {
    let (call, arity) = match (source, imported) {
        (AUTH0, "getSession") => (SessionCall::Auth0GetSession, Some(2)),
        (AUTH0, "getAccessToken") => (SessionCall::Auth0GetAccessToken, None),
        (IRON_SESSION, "getIronSession") => (SessionCall::IronSession, Some(3)),
        _ => return None,
    };
    Some(HelperCall {
        req_at: Some(0),
        res_at: Some(1),
        drops_req: true,
        arity,
        session_library: Some(call),
        ..HelperCall::default()
    })
}

/// The library wrapper an import names: the position of the handler it wraps.
pub fn library_wrapper(source: &str, imported: &str) -> Option<(usize, LibraryWrapper)> {
    match (source, imported) {
        (AUTH0, "withApiAuthRequired") => Some((0, LibraryWrapper::Auth0ApiAuthRequired)),
        _ => None,
    }
}

/// `getIronSession(req, res, …)`: the two arguments give way to the cookie store.
pub fn cookie_store_edit(call: &HelperCall, args: &[Range<usize>]) -> Option<Edit> {
    if call.session_library != Some(SessionCall::IronSession) {
        return None;
    }
    let (req, res) = (args.first()?, args.get(1)?);
    Some(Edit::replace(req.start..res.end, "await cookies()"))
}

/// The imports the session calls need.
pub fn imports(uses: &[Use]) -> BTreeSet<(&'static str, &'static str)> {
    session_calls(uses)
        .filter(|(_, call, _)| *call == SessionCall::IronSession)
        .map(|_| ("next/headers", "cookies"))
        .collect()
}

/// The call `awaits` (the function holding it must be async).
pub fn awaits(call: &HelperCall) -> bool {
    call.session_library == Some(SessionCall::IronSession)
}

fn session_calls(uses: &[Use]) -> impl Iterator<Item = (Span, SessionCall, bool)> + '_ {
    uses.iter().filter_map(|u| match &u.kind {
        UseKind::HelperCall { call, helper, .. } => helper
            .session_library
            .map(|library| (*call, library, u.nested)),
        _ => None,
    })
}

/// What the route's wrapper and session calls need to convert.
pub struct SessionInput<'a> {
    pub file: &'a ParsedFile,
    pub context: &'a RouteContext<'a>,
    pub uses: &'a [Use],
    /// The library wrapper around the handler and where it is called, if any.
    pub wrapper: Option<(LibraryWrapper, Location)>,
    /// The wrapped handler needs the route context (dynamic params).
    pub needs_context: bool,
}

/// Problems that keep the route manual, and notes on what changes.
pub fn check(input: &SessionInput) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let file = input.file;
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let calls: Vec<(Span, SessionCall, bool)> = session_calls(input.uses).collect();
    let auth0_at = input
        .wrapper
        .as_ref()
        .map(|(_, at)| at.clone())
        .or_else(|| {
            calls
                .iter()
                .find(|(_, call, _)| *call != SessionCall::IronSession)
                .map(|(at, ..)| file.location_of(*at))
        });
    if let Some(at) = auth0_at {
        problems.extend(auth0_versions(input.context, at));
    }
    if let Some((LibraryWrapper::Auth0ApiAuthRequired, at)) = &input.wrapper {
        if input.needs_context && file.language.is_typescript() {
            problems.push(
                Diagnostic::manual(
                    "manual/auth0-route-context",
                    "the handler wrapped in `withApiAuthRequired` reads the route's params, which nextjs-auth0 v3 types as a plain object (`next build` on Next.js 15+ wants a Promise)",
                )
                .with_help("read what the handler needs from the URL, or upgrade to nextjs-auth0 v4 (`auth0.withApiAuthRequired`) and convert this route by hand")
                .at(at.clone()),
            );
        }
        notes.push(
            Diagnostic::note(
                "note/auth0-unauthenticated-response",
                "without a session, `withApiAuthRequired` still answers 401 with the same JSON body, but as `application/json` with no ETag (Pages sent `application/json; charset=utf-8` and an ETag)",
            )
            .at(at.clone()),
        );
        if let Some((call, ..)) = calls
            .iter()
            .find(|(_, call, _)| *call != SessionCall::IronSession)
        {
            notes.push(
                Diagnostic::note(
                    "note/auth0-session-cookie-repeated",
                    "with rolling sessions, `withApiAuthRequired` and this call each send the refreshed session cookie (Pages sent it once); the browser keeps the later, equally valid one",
                )
                .with_help("nextjs-auth0 v3 reads `cookies()` without awaiting it here: Next.js 15 logs a warning in development")
                .at(file.location_of(*call)),
            );
        }
    }
    for (at, call, nested) in &calls {
        if *call != SessionCall::IronSession {
            continue;
        }
        problems.extend(iron_session_version(input.context, file, *at));
        if *nested {
            problems.push(
                Diagnostic::manual(
                    "manual/iron-session-nested",
                    "`getIronSession(req, res, …)` is called inside a nested function",
                )
                .with_help("its App Router form awaits `cookies()`: call it in the handler itself, then run routeshift again")
                .at(file.location_of(*at)),
            );
        }
    }
    problems.dedup_by(|a, b| a.code == b.code && a.location == b.location);
    (problems, notes)
}

fn auth0_versions(context: &RouteContext, at: Location) -> Option<Diagnostic> {
    if matches!(declared_version(context, AUTH0), DeclaredVersion::AtLeast(major, ..) if major >= 4)
    {
        return Some(
            Diagnostic::manual(
                "manual/auth0-v4",
                format!("package.json names {AUTH0} 4, whose API differs from the v3 functions this route uses"),
            )
            .with_help("v4 has `auth0.withApiAuthRequired(…)` and `auth0.getSession()` (no arguments in a route handler) on an `Auth0Client`: follow the v4 migration guide by hand")
            .at(at),
        );
    }
    let next_16 = match declared_version(context, "next") {
        DeclaredVersion::AtLeast(major, ..) => major >= 16,
        DeclaredVersion::Newest => true,
        DeclaredVersion::Unknown => false,
    };
    next_16.then(|| {
        Diagnostic::manual(
            "manual/auth0-v3-next-16",
            "nextjs-auth0 v3 does not support Next.js 16 (its peer range ends at 15): in a route handler its `getSession()` and `getAccessToken()` read `cookies()` without awaiting it, which Next.js 16 removed",
        )
        .with_help("upgrade to nextjs-auth0 v4 and convert this route by hand, or keep it in pages/api")
        .at(at)
    })
}

fn iron_session_version(context: &RouteContext, file: &ParsedFile, at: Span) -> Option<Diagnostic> {
    let reason = match declared_version(context, IRON_SESSION) {
        DeclaredVersion::AtLeast(major, ..) if major >= 8 => return None,
        DeclaredVersion::Newest => return None,
        DeclaredVersion::AtLeast(major, ..) => format!("package.json names iron-session {major}"),
        DeclaredVersion::Unknown => {
            "package.json does not say which iron-session this is".to_string()
        }
    };
    Some(
        Diagnostic::manual(
            "manual/iron-session-upgrade",
            format!("{reason}; `getIronSession(cookieStore, options)`, the form a route handler needs, exists from iron-session 8"),
        )
        .with_help(UPGRADE_HELP)
        .at(file.location_of(at)),
    )
}

/// What upgrading iron-session to 8 involves (shared with `adapters/iron_session.rs`).
pub const UPGRADE_HELP: &str = "upgrade iron-session to 8 (it reads the cookies 6 and 7 sealed, so users stay signed in; the default ttl drops from 15 to 14 days): `iron-session/next` and `withIronSessionApiRoute`/`withIronSessionSsr` are gone — call `const session = await getIronSession<SessionData>(req, res, sessionOptions)` in the handler and use `session` for `req.session`; `IronSessionOptions` is `SessionOptions` and the `IronSessionData` declaration becomes the type argument. Then run routeshift again: it turns that call into `getIronSession<SessionData>(await cookies(), sessionOptions)`";

/// For a TypeScript route whose wrapper types the route context in a way `next build` rejects:
/// the method exports that follow `const <wrapped> = withApiAuthRequired(…)` (an insertion at
/// `export_end`) become the route's own function, `async function <name>(req: NextRequest) {
/// return <wrapped>(req, {}) }`, exported under the methods instead. `false` when there was no
/// such insertion.
pub fn typed_route_function(
    structure: &mut [Edit],
    export_end: usize,
    wrapped: &str,
    name: &str,
    methods: &[&str],
    style: &crate::text::Style,
) -> bool {
    let Some(exports) = structure.iter_mut().find(|e| {
        e.range == (export_end..export_end) && e.replacement.trim_start().starts_with("export {")
    }) else {
        return false;
    };
    let semi = style.semi();
    let nl = style.newline;
    let aliases: Vec<String> = methods.iter().map(|m| format!("{name} as {m}")).collect();
    exports.replacement = format!(
        "{nl}{nl}async function {name}(req: NextRequest) {{{nl}{indent}// nextjs-auth0 v3 types the route context in a way `next build` rejects; the handler reads none{nl}{indent}return {wrapped}(req, {{}}){semi}{nl}}}{nl}{nl}export {{ {} }}{semi}",
        aliases.join(", "),
        indent = style.indent,
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_packages_own_functions_are_library_calls() {
        let session = library_call(AUTH0, "getSession").map(|c| (c.session_library, c.arity));
        assert_eq!(session, Some((Some(SessionCall::Auth0GetSession), Some(2))));
        let iron = library_call(IRON_SESSION, "getIronSession").map(|c| c.arity);
        assert_eq!(iron, Some(Some(3)));
        assert!(library_call("iron-session/next", "getIronSession").is_none());
        assert!(library_call("@/lib/auth", "getSession").is_none());
        assert_eq!(
            library_wrapper(AUTH0, "withApiAuthRequired"),
            Some((0, LibraryWrapper::Auth0ApiAuthRequired))
        );
        assert!(library_wrapper(AUTH0, "withPageAuthRequired").is_none());
    }

    #[test]
    fn the_cookie_store_replaces_req_and_res_only() {
        let call = library_call(IRON_SESSION, "getIronSession").unwrap_or_default();
        // `getIronSession(req, res, options)`
        let edit = cookie_store_edit(&call, &[15..18, 20..23, 25..32]);
        assert_eq!(edit, Some(Edit::replace(15..23, "await cookies()")));
        let auth0 = library_call(AUTH0, "getSession").unwrap_or_default();
        assert_eq!(cookie_store_edit(&auth0, &[0..3, 5..8]), None);
    }

    #[test]
    fn the_route_function_replaces_the_method_exports() {
        let style = crate::text::Style {
            quote: '\'',
            semicolons: false,
            indent: "  ".into(),
            newline: "\n",
        };
        let mut structure = vec![Edit::insert(40, "\n\nexport { protectedRoute as GET }")];
        assert!(typed_route_function(
            &mut structure,
            40,
            "protectedRoute",
            "routeHandler",
            &["GET"],
            &style
        ));
        assert!(structure[0]
            .replacement
            .contains("return protectedRoute(req, {})"));
        assert!(structure[0]
            .replacement
            .ends_with("export { routeHandler as GET }"));
        let mut elsewhere = vec![Edit::insert(12, "\n\nexport { protectedRoute as GET }")];
        assert!(!typed_route_function(
            &mut elsewhere,
            40,
            "protectedRoute",
            "routeHandler",
            &["GET"],
            &style
        ));
    }
}

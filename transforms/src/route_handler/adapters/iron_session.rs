//! iron-session v6/v7: `export default withIronSessionApiRoute(handler, sessionOptions)` from
//! `iron-session/next`.
//!
//! Stays manual (`manual/iron-session-upgrade`): the App Router form,
//! `getIronSession(await cookies(), sessionOptions)`, exists only from iron-session 8, which
//! drops `iron-session/next` (`withIronSessionApiRoute`, `withIronSessionSsr`) and renames
//! `IronSessionOptions`, so no output type-checks against the installed 6 or 7. The help says
//! how to upgrade; after it, the handler's `getIronSession(req, res, sessionOptions)` converts
//! (`route_handler/session_libraries.rs`, which also records what was verified in 6.3.1, 7.0.0
//! and 8.0.4).

use super::{calls_export, AdapterInput};
use crate::diagnostic::Diagnostic;
use crate::route_handler::session_libraries::UPGRADE_HELP;
use crate::route_handler::Converted;

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let call = input.export.call()?;
    if !calls_export(
        input.file,
        call,
        &["iron-session/next"],
        "withIronSessionApiRoute",
    ) {
        return None;
    }
    Some(Err(vec![Diagnostic::manual(
        "manual/iron-session-upgrade",
        "the handler is wrapped in iron-session's `withIronSessionApiRoute` (v6/v7), which has no App Router form; `getIronSession(cookieStore, options)`, the one a route handler needs, exists from iron-session 8",
    )
    .with_help(UPGRADE_HELP)
    .at(input.file.location_of(call.span))]))
}

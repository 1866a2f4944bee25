//! Preview and draft mode (reference §3.8).
//!
//! - `res.setDraftMode({ enable: true })` → `(await draftMode()).enable()`, `{ enable: false }` →
//!   `(await draftMode()).disable()` (`draftMode` from `next/headers`): both set or expire the
//!   same `__prerender_bypass` cookie as Pages did, and cookies set through `next/headers` are
//!   added to whatever Response the handler returns.
//! - `res.clearPreviewData()` → `.disable()` plus expiring `__next_preview_data` with the
//!   attributes Pages used (`clearPreviewData` in `server/api-utils/index.ts`: empty value,
//!   `expires: new Date(0)`, `httpOnly`, `path: '/'`, `sameSite` `'none'` and `secure` outside
//!   development, `'lax'` and not secure in development) — `disable()` only expires the bypass
//!   cookie.
//! - `res.setPreviewData(data)` stays manual: draft mode carries no payload.
//!
//! In Pages the cookie went into the `Set-Cookie` header at once, so a later
//! `res.setHeader('Set-Cookie', …)` replaced it; the App Router always keeps it. A route that
//! sets `Set-Cookie` (or a header whose name is computed) after the call stays manual.

use std::collections::HashSet;
use std::ops::Range;

use swc_common::Span;

use super::usage::{Use, UseKind};
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;

pub struct DraftEdits {
    pub edits: Vec<Edit>,
    pub imports: Vec<(&'static str, &'static str)>,
}

pub fn edits(
    file: &ParsedFile,
    uses: &[Use],
    stmt: Span,
    call: Span,
    enable: bool,
    clear_preview_data: bool,
    list_stmts: &HashSet<Range<usize>>,
) -> Result<DraftEdits, Diagnostic> {
    let code = file.slice(call).to_string();
    let at = file.offset(call.hi);
    let cookie_after = uses.iter().find(|u| match &u.kind {
        UseKind::SetHeader { first_arg, .. } => {
            let name = file.slice(*first_arg);
            let literal = name.trim_matches(|c| c == '\'' || c == '"' || c == '`');
            let computed = literal.len() + 2 != name.len();
            file.offset(first_arg.lo) > at
                && (computed || literal.eq_ignore_ascii_case("set-cookie"))
        }
        _ => false,
    });
    if let Some(later) = cookie_after {
        return Err(Diagnostic::manual(
            "manual/draft-mode-set-cookie",
            format!("`{code}` is followed by a `Set-Cookie` header that replaced its cookie in Pages"),
        )
        .with_help("in the App Router the draft-mode cookie is always sent; convert this route by hand if dropping it was intended")
        .at(file.location_of(later.offset_span())));
    }
    let style = crate::text::file_style(file);
    // A line that starts with `(` would continue the one before it without semicolons.
    let guard = if style.semicolons { "" } else { ";" };
    let toggle = if enable { "enable" } else { "disable" };
    let mut edits = vec![Edit::replace(
        file.range(call),
        format!("{guard}(await draftMode()).{toggle}()"),
    )];
    let mut imports = vec![("next/headers", "draftMode")];
    if clear_preview_data {
        if !list_stmts.contains(&file.range(stmt)) {
            return Err(Diagnostic::manual(
                "manual/res-clear-preview-data",
                format!("`{code}` is the body of an `if` or loop without braces"),
            )
            .with_help("put it in braces, then run routeshift again")
            .at(file.location_of(stmt)));
        }
        let indent = crate::text::indentation_at(&file.text, file.offset(stmt.lo));
        let development = format!("process.env.NODE_ENV !== {}", style.quoted("development"));
        let expire = format!(
            "{nl}{indent}{guard}(await cookies()).set({{ name: {name}, value: {empty}, expires: new Date(0), httpOnly: true, sameSite: {development} ? {none} : {lax}, secure: {development}, path: {root} }}){semi}",
            nl = style.newline,
            name = style.quoted("__next_preview_data"),
            empty = style.quoted(""),
            none = style.quoted("none"),
            lax = style.quoted("lax"),
            root = style.quoted("/"),
            semi = style.semi(),
        );
        edits.push(Edit::insert(file.offset(stmt.hi), expire));
        imports.push(("next/headers", "cookies"));
    }
    Ok(DraftEdits { edits, imports })
}

//! next-basics' response helpers (`ok(res, data)`, `badRequest(res, msg)`, …) → the Response
//! they sent, built with the compat functions that reproduce Pages' `res.json`/`res.send`/`res.end`.
//!
//! What each helper does, read from `next-basics@0.39.0` `dist/esm/index.js` and `dist/cjs/index.js`
//! (identical in 0.37.0, 0.31.0, 0.27.0, 0.18.0 and 0.7.0; `tooManyRequest` appeared between 0.18.0
//! and 0.27.0):
//!
//! | helper | library code | Route Handler form |
//! |---|---|---|
//! | `ok(res, data = {})`, `json(res, data = {})` | `res.status(200).json(data)` | `jsonResponse(data, { status: 200 })` |
//! | `send(res, data, type = 'text/plain')` | `res.setHeader('Content-Type', type); res.status(200).send(data)` | `sendResponse(data, { status: 200, headers: { 'Content-Type': type } })` |
//! | `redirect(res, url)` | `res.setHeader('Location', url); res.status(303).end()` | `new Response(null, { status: 303, headers: { Location: url } })` |
//! | `badRequest(res, msg = '400 Bad Request')` | `res.status(400).end(msg)` | `endResponse(msg, { status: 400 })` |
//! | `unauthorized` / `forbidden` / `notFound` | same with 401 / 403 / 404 and `'<status> <reason>'` | same |
//! | `methodNotAllowed` / `tooManyRequest` / `serverError` | same with 405 / 429 (`'429 Too Many Request'`) / 500 | same |
//!
//! A default applies only when the argument is `undefined` (a default parameter), so `ok(res, data)`
//! sends `{}` for an undefined `data` but `null` for a null one: a plain reference is rendered as
//! `data === undefined ? {} : data`; anything else that could be `undefined` (a call, an `await`)
//! stays manual. A message goes through `res.end`, which in Pages sends strings and bytes as they
//! are, nothing for a falsy value, and throws for anything else (an `Error` passed to `serverError`
//! makes Next.js answer 500 `Internal Server Error`); only an absent or string-literal message
//! converts. The helper sets its own status, so a `res.status(n)` before it does not matter; headers
//! set on `res` before it go into the `ok`/`json`/message forms and make `send`/`redirect` manual
//! (their header would have to be merged into the handler's).

use std::collections::BTreeSet;

use swc_common::Span;
use swc_ecma_ast::{CallExpr, Expr, Lit, MemberProp};

use crate::ast::strip_parens;
use crate::compat::CompatFn;
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::text::Style;

/// The module the helpers come from.
pub const SOURCE: &str = "next-basics";

/// Every helper name, for the removal of imports the conversion left unused.
pub const NAMES: &[&str] = &[
    "ok",
    "json",
    "send",
    "redirect",
    "badRequest",
    "unauthorized",
    "forbidden",
    "notFound",
    "methodNotAllowed",
    "tooManyRequest",
    "serverError",
];

/// What one helper sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryResponse {
    /// `res.status(200).json(data = {})`.
    Json,
    /// `res.setHeader('Content-Type', type = 'text/plain'); res.status(200).send(data)`.
    Send,
    /// `res.setHeader('Location', url); res.status(303).end()`.
    Redirect,
    /// `res.status(status).end(msg = default)`.
    Message { status: u16, default: &'static str },
}

impl LibraryResponse {
    /// The helper `imported` from next-basics, if it sends a response.
    pub fn of(imported: &str) -> Option<LibraryResponse> {
        let message = |status, default| Some(LibraryResponse::Message { status, default });
        match imported {
            "ok" | "json" => Some(LibraryResponse::Json),
            "send" => Some(LibraryResponse::Send),
            "redirect" => Some(LibraryResponse::Redirect),
            "badRequest" => message(400, "400 Bad Request"),
            "unauthorized" => message(401, "401 Unauthorized"),
            "forbidden" => message(403, "403 Forbidden"),
            "notFound" => message(404, "404 Not Found"),
            "methodNotAllowed" => message(405, "405 Method Not Allowed"),
            "tooManyRequest" => message(429, "429 Too Many Request"),
            "serverError" => message(500, "500 Internal Server Error"),
            _ => None,
        }
    }

    /// The handler's own headers can join this response's (the helper sets none of its own).
    pub fn keeps_headers(self) -> bool {
        matches!(
            self,
            LibraryResponse::Json | LibraryResponse::Message { .. }
        )
    }

    /// How many arguments the helper reads, `res` included.
    fn arity(self) -> std::ops::RangeInclusive<usize> {
        match self {
            LibraryResponse::Json | LibraryResponse::Message { .. } => 1..=2,
            LibraryResponse::Send => 2..=3,
            LibraryResponse::Redirect => 2..=2,
        }
    }
}

/// One call: what the helper sends, and how its defaulted argument (`data` of `ok`/`json`, the
/// message, `send`'s content type) is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LibraryCall {
    pub response: LibraryResponse,
    pub argument: Argument,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Argument {
    /// Absent or `undefined`: the helper's default.
    Default,
    /// Never `undefined`: passed as it is.
    AsIs,
    /// A plain reference that may be `undefined`: `x === undefined ? {} : x`.
    Reference,
}

/// Why a call cannot be converted: `(code, message, help)`.
pub type Refusal = (&'static str, String, &'static str);

/// Checks that the call's arguments have a faithful rendering (`res` is already known to be first).
pub fn check(
    call: &CallExpr,
    response: LibraryResponse,
    req: &str,
    res: &str,
) -> Result<LibraryCall, Refusal> {
    let name = crate::ast::callee_ident(call).unwrap_or("the helper");
    if !response.arity().contains(&call.args.len()) {
        return Err((
            "manual/next-basics-arguments",
            format!("`{name}` is called with {} arguments", call.args.len()),
            "next-basics ignores extra arguments; remove them, then run routeshift again",
        ));
    }
    let defaulted = match response {
        LibraryResponse::Send => call.args.get(2),
        _ => call.args.get(1),
    }
    .map(|a| &*a.expr)
    .filter(|e| !is_default(e));
    let argument = match (response, defaulted) {
        (_, None) => Argument::Default,
        (LibraryResponse::Json, Some(data)) => match data_form(data, req, res) {
            DataForm::Defined => Argument::AsIs,
            DataForm::Reference => Argument::Reference,
            DataForm::Unknown => return Err((
                "manual/next-basics-data",
                format!("`{name}` sends a value that may be `undefined` (next-basics then sends `{{}}`)"),
                "assign the value to a `const` first and pass that, then run routeshift again",
            )),
        },
        (LibraryResponse::Send, Some(kind)) if !is_string(kind) => return Err((
            "manual/next-basics-content-type",
            format!("`{name}` sets a content type that is not a string literal"),
            "write the content type as a string literal, or build the Response by hand",
        )),
        (LibraryResponse::Message { .. }, Some(message)) if !is_string(message) => return Err((
                "manual/next-basics-message",
                format!(
                    "`{name}` sends a message that is not a string literal through `res.end`"
                ),
                "Pages sent a string or bytes as they were, nothing for a falsy value, and answered 500 `Internal Server Error` for an `Error` or any other object (`res.end` throws on it); pass a string, or build the Response by hand",
            )),
        (_, Some(_)) => Argument::AsIs,
    };
    Ok(LibraryCall { response, argument })
}

/// The edits that turn the call into the Response it sent. `headers`: the handler's own
/// headers object, when it set some on `res` before.
pub fn edits(
    file: &ParsedFile,
    call: Span,
    args: &[Span],
    library: LibraryCall,
    headers: Option<&str>,
    compat: &mut BTreeSet<CompatFn>,
    edits: &mut Vec<Edit>,
) {
    let style = crate::text::file_style(file);
    let start = file.offset(call.lo);
    let end = file.offset(call.hi);
    let init = |status: u16, extra: Option<String>| {
        let mut fields = vec![format!("status: {status}")];
        if let Some(extra) = extra {
            fields.push(extra);
        }
        if let Some(headers) = headers {
            fields.push(if headers == "headers" {
                "headers".to_string()
            } else {
                format!("headers: {headers}")
            });
        }
        format!("{{ {} }}", fields.join(", "))
    };
    let arg = |at: usize| args.get(at).copied();
    let defaulted = library.argument != Argument::Default;
    // `f(res, x)` → `<open>x<close>`, keeping `x`'s text (and the edits inside it).
    let mut wrap = |span: Span, open: String, close: String| {
        edits.push(Edit::replace(start..file.offset(span.lo), open));
        edits.push(Edit::replace(file.offset(span.hi)..end, close));
    };
    match library.response {
        LibraryResponse::Json => {
            compat.insert(CompatFn::JsonResponse);
            match arg(1).filter(|_| defaulted) {
                None => edits.push(Edit::replace(
                    start..end,
                    format!("jsonResponse({{}}, {})", init(200, None)),
                )),
                Some(span) => {
                    let close = match library.argument {
                        Argument::Reference => format!(
                            " === undefined ? {{}} : {}, {})",
                            file.slice(span),
                            init(200, None)
                        ),
                        _ => format!(", {})", init(200, None)),
                    };
                    wrap(span, "jsonResponse(".into(), close);
                }
            }
        }
        LibraryResponse::Send => {
            compat.insert(CompatFn::SendResponse);
            let kind = match arg(2).filter(|_| defaulted) {
                Some(span) => file.slice(span).to_string(),
                None => style.quoted("text/plain"),
            };
            let content_type = format!("headers: {{ {}: {kind} }}", style.quoted("Content-Type"));
            if let Some(data) = arg(1) {
                wrap(
                    data,
                    "sendResponse(".into(),
                    format!(", {})", init(200, Some(content_type))),
                );
            }
        }
        LibraryResponse::Redirect => {
            if let Some(url) = arg(1) {
                wrap(
                    url,
                    "new Response(null, { status: 303, headers: { Location: ".into(),
                    " } })".into(),
                );
            }
        }
        LibraryResponse::Message { status, default } => {
            compat.insert(CompatFn::EndResponse);
            match arg(1).filter(|_| defaulted) {
                Some(span) => wrap(
                    span,
                    "endResponse(".into(),
                    format!(", {})", init(status, None)),
                ),
                None => edits.push(Edit::replace(
                    start..end,
                    format!(
                        "endResponse({}, {})",
                        quoted_message(&style, default),
                        init(status, None)
                    ),
                )),
            }
        }
    }
}

fn quoted_message(style: &Style, message: &str) -> String {
    style.quoted(message)
}

/// `undefined` (or `void 0`) written out: the helper's default applies.
fn is_default(expr: &Expr) -> bool {
    match strip_parens(expr) {
        Expr::Ident(ident) => &*ident.sym == "undefined",
        Expr::Unary(unary) => {
            unary.op == swc_ecma_ast::UnaryOp::Void && matches!(&*unary.arg, Expr::Lit(_))
        }
        _ => false,
    }
}

fn is_string(expr: &Expr) -> bool {
    matches!(strip_parens(expr), Expr::Lit(Lit::Str(_)) | Expr::Tpl(_))
}

#[derive(Debug, PartialEq, Eq)]
enum DataForm {
    /// Never `undefined`: sent as it is.
    Defined,
    /// A plain reference, read twice: `x === undefined ? {} : x`.
    Reference,
    /// Could be `undefined` and cannot be repeated.
    Unknown,
}

fn data_form(expr: &Expr, req: &str, res: &str) -> DataForm {
    use swc_ecma_ast::{BinaryOp, UnaryOp};
    match strip_parens(expr) {
        Expr::Object(_) | Expr::Array(_) | Expr::Tpl(_) | Expr::New(_) | Expr::Fn(_) => {
            DataForm::Defined
        }
        Expr::Arrow(_) | Expr::Class(_) => DataForm::Defined,
        Expr::Lit(_) => DataForm::Defined,
        Expr::Unary(unary) if unary.op != UnaryOp::Void => DataForm::Defined,
        Expr::Bin(bin)
            if !matches!(
                bin.op,
                BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing
            ) =>
        {
            DataForm::Defined
        }
        Expr::TsAs(e) => data_form(&e.expr, req, res),
        Expr::TsNonNull(e) => data_form(&e.expr, req, res),
        Expr::TsSatisfies(e) => data_form(&e.expr, req, res),
        Expr::Ident(ident) if &*ident.sym != req && &*ident.sym != res => DataForm::Reference,
        Expr::Member(member) if plain_member(member, req, res) => DataForm::Reference,
        _ => DataForm::Unknown,
    }
}

/// `a.b.c` / `a['b']` rooted at a variable other than `req`/`res`, with no calls.
fn plain_member(member: &swc_ecma_ast::MemberExpr, req: &str, res: &str) -> bool {
    let literal_key = match &member.prop {
        MemberProp::Ident(_) => true,
        MemberProp::Computed(computed) => {
            matches!(&*computed.expr, Expr::Lit(Lit::Str(_) | Lit::Num(_)))
        }
        MemberProp::PrivateName(_) => false,
    };
    literal_key
        && match strip_parens(&member.obj) {
            Expr::Ident(ident) => &*ident.sym != req && &*ident.sym != res,
            Expr::Member(inner) => plain_member(inner, req, res),
            Expr::This(_) => true,
            _ => false,
        }
}

//! Uses of `req`/`res` beyond a single JSON or text answer, each converted by its own module:
//! revalidation ([`super::revalidate`]), draft mode ([`super::draft`]), written and piped
//! streams ([`super::stream`]), and code that runs after the reply ([`super::after`]).
//!
//! The usage scan recognises the constructs here ([`recognize_statement`], [`recognize_call`]);
//! the renderer asks [`plan`] whether the route's shape allows them and for their edits.

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::{CallExpr, Callee, Expr, Lit, Prop, PropOrSpread, Stmt};
use swc_ecma_visit::{Visit, VisitWith};

use super::revalidate::{self, PageRouter, RevalidateCall};
use super::usage::{Use, UseKind};
use super::RouteContext;
use crate::ast::{is_ident, member_prop, prop_key, strip_parens};
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;

/// A header given to `res.writeHead`: its name as source text of a string, its value's span,
/// and whether the value is a plain string or number (else it goes through `setHeader`).
#[derive(Debug, Clone)]
pub struct HeadHeader {
    pub name: String,
    pub value: Span,
    pub plain: bool,
}

#[derive(Debug, Clone)]
pub enum SpecialUse {
    /// `res.revalidate(path)`, anywhere.
    Revalidate(RevalidateCall),
    /// `res.setDraftMode({ enable })` (`clear_preview_data` false) or `res.clearPreviewData()`
    /// (`enable` false, `clear_preview_data` true), as a statement.
    DraftMode {
        stmt: Span,
        call: Span,
        enable: bool,
        clear_preview_data: bool,
    },
    /// `res.write(chunk)` as a statement; `string` when the chunk is surely a string.
    Write {
        stmt: Span,
        call: Span,
        chunk: Span,
        string: bool,
    },
    /// `res.writeHead(status[, { … }])` as a statement.
    WriteHead {
        stmt: Span,
        status: Span,
        headers: Vec<HeadHeader>,
    },
    /// `res.flushHeaders()` as a statement.
    FlushHeaders { stmt: Span },
    /// `req.on('close', listener)` / `req.once('close', listener)` as a statement.
    CloseListener {
        stmt: Span,
        /// From the start of the call to the start of the listener: `req.on('close', `.
        head: Span,
    },
    /// `source.pipe(res)` as a statement, or returned.
    Pipe {
        stmt: Option<Span>,
        expr: Span,
        source: Span,
    },
}

impl SpecialUse {
    pub fn span(&self) -> Span {
        match self {
            SpecialUse::Revalidate(call) => call.call,
            SpecialUse::DraftMode { stmt, .. }
            | SpecialUse::Write { stmt, .. }
            | SpecialUse::WriteHead { stmt, .. }
            | SpecialUse::FlushHeaders { stmt }
            | SpecialUse::CloseListener { stmt, .. } => *stmt,
            SpecialUse::Pipe { stmt, expr, .. } => stmt.unwrap_or(*expr),
        }
    }

    /// Only in the handler's own body: a nested function could run after the response.
    pub fn top_level_only(&self) -> bool {
        !matches!(self, SpecialUse::Revalidate(_))
    }
}

/// `res.<name>(args)` / `req.<name>(args)`.
fn call_on<'e>(expr: &'e Expr, object: &str) -> Option<(&'e str, &'e CallExpr)> {
    let Expr::Call(call) = strip_parens(expr) else {
        return None;
    };
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(member) = strip_parens(callee) else {
        return None;
    };
    if !is_ident(&member.obj, object) {
        return None;
    }
    Some((member_prop(&member.prop)?, call))
}

/// Whether a chunk is surely a string: a string or template literal, or a `+` with one.
fn is_string(expr: &Expr) -> bool {
    match strip_parens(expr) {
        Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => true,
        Expr::Bin(bin) if bin.op == swc_ecma_ast::BinaryOp::Add => {
            is_string(&bin.left) || is_string(&bin.right)
        }
        Expr::Call(call) => {
            // `JSON.stringify(x)` is a string for every x it is written with in a stream.
            matches!(&call.callee, Callee::Expr(c) if matches!(strip_parens(c), Expr::Member(m)
                if is_ident(&m.obj, "JSON") && member_prop(&m.prop) == Some("stringify")))
        }
        _ => false,
    }
}

/// `source.pipe(res)` with a source that does not mention `res` itself.
pub fn pipe_to(expr: &Expr, res: &str) -> Option<(Span, Span)> {
    let expr = match strip_parens(expr) {
        Expr::Await(a) => strip_parens(&a.arg),
        other => other,
    };
    let Expr::Call(call) = expr else {
        return None;
    };
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(member) = strip_parens(callee) else {
        return None;
    };
    if member_prop(&member.prop) != Some("pipe")
        || call.args.len() != 1
        || call.args[0].spread.is_some()
        || !is_ident(&call.args[0].expr, res)
    {
        return None;
    }
    Some((expr.span(), member.obj.span()))
}

/// A recognised statement and the expressions the scan still has to look into.
pub struct Recognized<'e> {
    pub use_: SpecialUse,
    pub visit: Vec<&'e Expr>,
}

/// Recognises `stmt` (an expression statement `expr`, or a `return expr` when `returned`).
pub fn recognize_statement<'e>(
    stmt: Span,
    expr: &'e Expr,
    returned: bool,
    req: &str,
    res: &str,
) -> Option<Recognized<'e>> {
    if let Some((expr_span, source_span)) = pipe_to(expr, res) {
        let source = match strip_parens(expr) {
            Expr::Await(a) => strip_parens(&a.arg),
            other => other,
        };
        let visit = match source {
            Expr::Call(call) => match &call.callee {
                Callee::Expr(callee) => match strip_parens(callee) {
                    Expr::Member(member) => vec![&*member.obj],
                    _ => vec![],
                },
                _ => vec![],
            },
            _ => vec![],
        };
        return Some(Recognized {
            use_: SpecialUse::Pipe {
                stmt: (!returned).then_some(stmt),
                expr: expr_span,
                source: source_span,
            },
            visit,
        });
    }
    if returned {
        return None;
    }
    let unawaited = match strip_parens(expr) {
        Expr::Await(a) => strip_parens(&a.arg),
        other => other,
    };
    if let Some((name, call)) = call_on(unawaited, res) {
        let args: Vec<&Expr> = call
            .args
            .iter()
            .filter(|a| a.spread.is_none())
            .map(|a| &*a.expr)
            .collect();
        if args.len() != call.args.len() {
            return None;
        }
        return match (name, args.as_slice()) {
            ("write", [chunk]) => Some(Recognized {
                use_: SpecialUse::Write {
                    stmt,
                    call: call.span,
                    chunk: chunk.span(),
                    string: is_string(chunk),
                },
                visit: vec![chunk],
            }),
            ("writeHead", [status, rest @ ..]) if rest.len() <= 1 => {
                let mut headers = Vec::new();
                let mut visit = vec![*status];
                if let Some(object) = rest.first() {
                    let Expr::Object(object) = strip_parens(object) else {
                        return None;
                    };
                    for prop in &object.props {
                        let PropOrSpread::Prop(prop) = prop else {
                            return None;
                        };
                        let Prop::KeyValue(kv) = &**prop else {
                            return None;
                        };
                        let name = prop_key(&kv.key)?;
                        let plain = matches!(
                            strip_parens(&kv.value),
                            Expr::Lit(Lit::Str(_) | Lit::Num(_)) | Expr::Tpl(_)
                        );
                        headers.push(HeadHeader {
                            name: name.to_string(),
                            value: kv.value.span(),
                            plain,
                        });
                        visit.push(&kv.value);
                    }
                }
                Some(Recognized {
                    use_: SpecialUse::WriteHead {
                        stmt,
                        status: status.span(),
                        headers,
                    },
                    visit,
                })
            }
            ("flushHeaders", []) => Some(Recognized {
                use_: SpecialUse::FlushHeaders { stmt },
                visit: vec![],
            }),
            ("setDraftMode", [options]) => {
                let Expr::Object(object) = strip_parens(options) else {
                    return None;
                };
                let [PropOrSpread::Prop(prop)] = object.props.as_slice() else {
                    return None;
                };
                let kv = prop.as_key_value()?;
                let Expr::Lit(Lit::Bool(enable)) = strip_parens(&kv.value) else {
                    return None;
                };
                (prop_key(&kv.key) == Some("enable")).then_some(Recognized {
                    use_: SpecialUse::DraftMode {
                        stmt,
                        call: unawaited.span(),
                        enable: enable.value,
                        clear_preview_data: false,
                    },
                    visit: vec![],
                })
            }
            ("clearPreviewData", []) => Some(Recognized {
                use_: SpecialUse::DraftMode {
                    stmt,
                    call: unawaited.span(),
                    enable: false,
                    clear_preview_data: true,
                },
                visit: vec![],
            }),
            _ => None,
        };
    }
    if let Some((name @ ("on" | "once"), call)) = call_on(unawaited, req) {
        let [event, listener] = call.args.as_slice() else {
            return None;
        };
        let is_close = matches!(strip_parens(&event.expr), Expr::Lit(Lit::Str(s)) if s.value.as_str() == Some("close"));
        if !is_close || listener.spread.is_some() || event.spread.is_some() {
            return None;
        }
        let _ = name;
        return Some(Recognized {
            use_: SpecialUse::CloseListener {
                stmt,
                head: Span::new(call.span.lo, listener.expr.span().lo),
            },
            visit: vec![&listener.expr],
        });
    }
    None
}

/// Recognises a call anywhere in an expression (`await res.revalidate('/x')`).
pub fn recognize_call(call: &CallExpr, res: &str) -> Option<SpecialUse> {
    revalidate::recognize(call, res).map(SpecialUse::Revalidate)
}

/// One output function's statements, as the tail analysis saw them.
pub struct FunctionBody<'a> {
    pub stmts: Vec<&'a Stmt>,
}

pub struct PlanInput<'a, 'f> {
    pub file: &'f ParsedFile,
    pub context: &'a RouteContext<'a>,
    pub uses: &'a [Use],
    /// For each use, the index of its function in `bodies`.
    pub use_function: &'a [usize],
    pub bodies: &'a [FunctionBody<'a>],
    /// Response statements the tail analysis accepted.
    pub tails: &'a HashSet<Range<usize>>,
    pub typescript: bool,
    /// Every identifier of the file and every name the renderer took.
    pub taken: HashSet<String>,
}

/// What the special uses add to the route handler.
#[derive(Default)]
pub struct SpecialPlan {
    /// Response statements that are not last in their function but are handled here.
    pub exempt: HashSet<Range<usize>>,
    /// Uses whose ordinary edits are replaced by this plan's (by their offset span).
    pub owned: HashSet<Range<usize>>,
    /// Per function: it must be async.
    pub awaits: Vec<bool>,
    pub edits: Vec<Edit>,
    /// Function-level wrappers, rendered once the functions' needs are known.
    pub streams: Vec<super::stream::StreamRegion>,
    pub afters: Vec<super::after::AfterRegion>,
    /// `(module, name)` imports the output needs.
    pub imports: BTreeSet<(&'static str, &'static str)>,
    pub notes: Vec<Diagnostic>,
}

/// Checks the special uses against the route's shape and plans their rewrite.
pub fn plan(input: &PlanInput) -> Result<SpecialPlan, Vec<Diagnostic>> {
    let mut plan = SpecialPlan {
        awaits: vec![false; input.bodies.len()],
        ..SpecialPlan::default()
    };
    let mut problems = Vec::new();
    let mut taken = input.taken.clone();
    let file = input.file;
    let list_stmts = statement_list_members(file);
    for (index, u) in input.uses.iter().enumerate() {
        let UseKind::Special(special) = &u.kind else {
            continue;
        };
        let function = input.use_function[index];
        match special {
            SpecialUse::Revalidate(call) => match revalidate_edit(file, input.context, call) {
                Ok(note) => {
                    plan.edits
                        .push(Edit::replace(file.range(call.callee), "revalidatePath"));
                    plan.imports.insert(("next/cache", "revalidatePath"));
                    plan.notes.push(note);
                }
                Err(problem) => problems.push(problem),
            },
            SpecialUse::DraftMode {
                stmt,
                call,
                enable,
                clear_preview_data,
            } => match super::draft::edits(
                file,
                input.uses,
                *stmt,
                *call,
                *enable,
                *clear_preview_data,
                &list_stmts,
            ) {
                Ok(draft) => {
                    plan.edits.extend(draft.edits);
                    plan.imports.extend(draft.imports);
                    plan.awaits[function] = true;
                }
                Err(problem) => problems.push(problem),
            },
            SpecialUse::WriteHead { stmt, .. } | SpecialUse::FlushHeaders { stmt }
                if !list_stmts.contains(&file.range(*stmt)) =>
            {
                problems.push(
                    Diagnostic::manual(
                        "manual/res-write-head",
                        "this response header call is the body of an `if` or loop without braces",
                    )
                    .with_help("put it in braces, then run routeshift again")
                    .at(file.location_of(*stmt)),
                );
            }
            _ => {}
        }
    }
    // A function whose stream shape was refused already says why its writes stay.
    let mut stream_refused = false;
    for (index, body) in input.bodies.iter().enumerate() {
        let uses: Vec<&Use> = input
            .uses
            .iter()
            .zip(input.use_function)
            .filter(|(_, f)| **f == index)
            .map(|(u, _)| u)
            .collect();
        match super::stream::plan(file, body, &uses, &mut taken, input.typescript) {
            Ok(Some(region)) => {
                plan.owned.extend(region.owned.iter().cloned());
                plan.exempt.extend(region.owned.iter().cloned());
                plan.notes.extend(region.notes.iter().cloned());
                plan.streams.push(region);
            }
            Ok(None) => {}
            Err(mut found) => {
                stream_refused = true;
                problems.append(&mut found);
            }
        }
        if plan
            .streams
            .iter()
            .any(|s| s.function_stmts == stmt_ranges(file, body))
        {
            continue;
        }
        // A file that already has an `after` of its own keeps the manual diagnostic.
        if input.taken.contains("after") {
            continue;
        }
        if let Some(region) = super::after::plan(file, body, &uses, input.tails, &mut taken) {
            plan.exempt.insert(region.response.clone());
            plan.imports.insert(("next/server", "after"));
            plan.notes.push(
                Diagnostic::note(
                    "note/after-response",
                    "the code after the response runs in `after()`, once the response is sent",
                )
                .with_help(
                    "as in Pages, an error there is only logged: the client already has its answer",
                )
                .at(file.location(region.response.start)),
            );
            plan.afters.push(region);
        }
    }
    // `req.on('close')` is only understood as the end of a stream.
    for u in input.uses {
        if let UseKind::Special(SpecialUse::CloseListener { stmt, .. }) = &u.kind {
            let range = file.range(*stmt);
            let in_stream = plan
                .streams
                .iter()
                .any(|s| s.function_span.start <= range.start && range.end <= s.function_span.end);
            if !in_stream {
                problems.push(
                    Diagnostic::manual(
                        "manual/req-on",
                        "`req.on('close', …)` outside a streamed response",
                    )
                    .with_help("listen to `request.signal` (`abort`) by hand if the work must stop when the client leaves")
                    .at(file.location_of(*stmt)),
                );
            } else {
                plan.notes.push(
                    Diagnostic::note(
                        "note/close-listener",
                        "`req.on('close', …)` listens to `request.signal`'s `abort` now: it fires when the client leaves before the response is complete",
                    )
                    .with_help("Node's request `close` also fired once the request was complete; check the listener only cleans up")
                    .at(file.location_of(*stmt)),
                );
            }
        }
    }
    // Writes, heads and pipes that no stream took.
    for u in input.uses {
        let UseKind::Special(special) = &u.kind else {
            continue;
        };
        let range = file.range(special.span());
        let streamed = plan.streams.iter().any(|s| s.covers(&range));
        match special {
            SpecialUse::Write { stmt, .. } | SpecialUse::FlushHeaders { stmt }
                if !streamed && !stream_refused =>
            {
                problems.push(
                    Diagnostic::manual(
                        "manual/res-write",
                        "`res.write` / `res.flushHeaders` outside a stream shape routeshift can convert",
                    )
                    .with_help("the writes must be in the handler's own statements (straight-line or loops), all after the headers and before one final `res.end()`; stream with `new Response(new ReadableStream(…))` by hand otherwise")
                    .at(file.location_of(*stmt)),
                );
            }
            SpecialUse::Pipe { stmt, expr, .. } => {
                let range = file.range(stmt.unwrap_or(*expr));
                if stmt.is_some() && !input.tails.contains(&range) && !plan.exempt.contains(&range)
                {
                    problems.push(
                        Diagnostic::manual(
                            "manual/code-after-response",
                            "code runs after this stream is piped into the response",
                        )
                        .with_help("the piping must be the last thing the handler does; convert this route by hand")
                        .at(file.location_of(*expr)),
                    );
                }
                plan.imports.insert(("node:stream", "Readable"));
            }
            _ => {}
        }
    }
    problems.sort_by(|a, b| a.location.cmp(&b.location));
    problems.dedup();
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

fn revalidate_edit(
    file: &ParsedFile,
    context: &RouteContext,
    call: &RevalidateCall,
) -> Result<Diagnostic, Diagnostic> {
    let location = file.location_of(call.call);
    let code = file.slice(call.call);
    let manual = |message: String, help: &str| {
        Diagnostic::manual("manual/res-revalidate", message)
            .with_help(help.to_string())
            .at(location.clone())
    };
    if !call.single_argument {
        return Err(manual(
            format!("`{code}` passes options, which `revalidatePath` has no equivalent for"),
            "keep this route in pages/api, or revalidate by hand",
        ));
    }
    let Some(path) = &call.path else {
        return Err(manual(
            format!("`{code}` revalidates a computed path: which router serves it is not known"),
            "`revalidatePath` does not regenerate Pages Router pages (reference §3.7): keep this route in pages/api while it revalidates pages/ paths, or convert it by hand once they are App Router pages",
        ));
    };
    match (context.page_router)(path) {
        PageRouter::Pages { file: page } => Err(manual(
            format!("`{code}` regenerates {page}, a Pages Router page: `revalidatePath` from a route handler does not invalidate Pages Router ISR pages (reference §3.7)"),
            &format!("keep this route in pages/api (it works there), or migrate {page} to the App Router first"),
        )),
        PageRouter::Unknown => Err(manual(
            format!("`{code}` revalidates a path that no page of a single router is known to serve"),
            "keep this route in pages/api while it revalidates pages/ paths (reference §3.7); if the path is an App Router page, use `revalidatePath` by hand",
        )),
        PageRouter::App { file: page } => Ok(Diagnostic::note(
            "note/revalidate-lazy",
            format!("`{code}` becomes `revalidatePath` for {page}: the page is regenerated on its next visit, not before the response as `res.revalidate` did, and a failure no longer throws"),
        )
        .with_help("on several instances, each one only revalidates itself (reference §3.7)")
        .at(location)),
    }
}

/// The ranges of the statements of a body.
pub fn stmt_ranges(file: &ParsedFile, body: &FunctionBody) -> Vec<Range<usize>> {
    body.stmts.iter().map(|s| file.range(s.span())).collect()
}

/// Every statement that sits directly in a statement list (a block, a function body, a switch
/// case): those can be replaced by several statements.
fn statement_list_members(file: &ParsedFile) -> HashSet<Range<usize>> {
    struct Lists<'f>(&'f ParsedFile, HashSet<Range<usize>>);
    impl Visit for Lists<'_> {
        fn visit_stmts(&mut self, stmts: &[Stmt]) {
            for stmt in stmts {
                self.1.insert(self.0.range(stmt.span()));
            }
            stmts.visit_children_with(self);
        }
    }
    let mut lists = Lists(file, HashSet::new());
    file.module.visit_with(&mut lists);
    lists.1
}

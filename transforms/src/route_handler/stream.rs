//! Written and piped responses (reference §3.2, §3.4).
//!
//! `res.write(…)` loops and server-sent events become a `ReadableStream` the handler returns:
//! ```text
//! res.setHeader('Content-Type', 'text/event-stream')
//! for (const item of items) {
//!   res.write(`data: ${JSON.stringify(item)}\n\n`)
//!   await sleep(1000)
//! }
//! res.end()
//! ```
//! becomes
//! ```text
//! headers.set('Content-Type', 'text/event-stream')
//! let cancelled = false
//! const stream = new ReadableStream({
//!   async start(controller) {
//!     const encoder = new TextEncoder()
//!     const write = (chunk: string) => { if (!cancelled) controller.enqueue(encoder.encode(chunk)) }
//!     for (const item of items) {
//!       write(`data: ${JSON.stringify(item)}\n\n`)
//!       await sleep(1000)
//!     }
//!     if (!cancelled) controller.close()
//!   },
//!   cancel() { cancelled = true },
//! })
//! return new Response(stream, { headers })
//! ```
//! Pages sent the headers with the first write (or `res.flushHeaders()`, dropped here: the
//! returned Response sends them at once), so everything from the first statement that writes up
//! to the final `res.end()` runs inside `start()`, and the header and status calls before it
//! make the Response's init. Proven shape only: every write is a statement of the handler itself
//! (straight-line code, blocks, loops — not a callback, which could run after the end), its chunk
//! is surely a string (a literal, a template, a concatenation with one, `JSON.stringify`), the
//! function ends with `res.end([chunk])`, and between the first write and that end nothing sets
//! headers or a status, answers otherwise or returns.
//!
//! When the client leaves, Next.js cancels the stream and `enqueue` would throw; in Pages a
//! write to a closed response was dropped and the handler went on. The `cancelled` flag keeps
//! that: the writes stop, the code does not. `req.on('close', fn)` becomes
//! `req.signal.addEventListener('abort', fn)` rather than the stream's `cancel()`: the signal is
//! tied to the Node response closing early (`signalFromNodeResponse`, reference §2.7), fires
//! whether or not Next.js has started reading the stream, and the listener stays where the
//! handler registered it, so its order with the surrounding code is unchanged.
//!
//! `source.pipe(res)` as the handler's last statement becomes
//! `return new Response(Readable.toWeb(source) as ReadableStream, init)`: the bytes as they come,
//! and — as with `pipe`, which writes straight to the Node response — no content type unless one
//! was set (`res.send(stream)` added `application/octet-stream`, `pipe` never did).

use std::collections::HashSet;
use std::ops::Range;

use swc_common::{Span, Spanned};
use swc_ecma_ast::Stmt;
use swc_ecma_visit::{Visit, VisitWith};

use super::after::indent_lines;
use super::special::{FunctionBody, SpecialUse};
use super::usage::{ResponseMethod, Use, UseKind};
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::text::line_start;
use crate::text::{indentation_at, statement_lines, Style};

/// The names the stream code declares, fresh in the file.
pub struct StreamNames {
    pub cancelled: String,
    pub stream: String,
    pub controller: String,
    pub encoder: String,
    pub write: String,
}

/// One function's streamed part.
pub struct StreamRegion {
    /// The function's top-level statements, to tell which function it is.
    pub function_stmts: Vec<Range<usize>>,
    /// First statement start to last statement end.
    pub function_span: Range<usize>,
    /// From the first statement that writes to the end of `res.end()`.
    pub region: Range<usize>,
    /// `res.end([chunk])`: the statement and its chunk.
    pub end: Range<usize>,
    pub end_chunk: Option<Span>,
    /// `(call, chunk)` of every `res.write`.
    pub writes: Vec<(Span, Span)>,
    /// `res.flushHeaders()` statements.
    pub flushes: Vec<Range<usize>>,
    /// Uses this region rewrites itself.
    pub owned: Vec<Range<usize>>,
    pub names: StreamNames,
    pub typescript: bool,
    pub notes: Vec<Diagnostic>,
}

impl StreamRegion {
    pub fn covers(&self, range: &Range<usize>) -> bool {
        self.region.start <= range.start && range.end <= self.region.end
    }
}

fn pick(taken: &mut HashSet<String>, base: &str, descriptive: &str) -> String {
    if !taken.contains(base) {
        taken.insert(base.to_string());
        return base.to_string();
    }
    super::fresh_name(taken, descriptive)
}

/// The streamed part of one function, `Ok(None)` when it writes nothing.
pub fn plan(
    file: &ParsedFile,
    body: &FunctionBody,
    uses: &[&Use],
    taken: &mut HashSet<String>,
    typescript: bool,
) -> Result<Option<StreamRegion>, Vec<Diagnostic>> {
    let starts = |u: &Use| {
        matches!(
            u.kind,
            UseKind::Special(SpecialUse::Write { .. } | SpecialUse::FlushHeaders { .. })
        )
    };
    let streaming: Vec<&&Use> = uses.iter().filter(|u| starts(u)).collect();
    let Some(first_write) = streaming
        .iter()
        .map(|u| file.offset(u.offset_span().lo))
        .min()
    else {
        return Ok(None);
    };
    let problem = |span: Span, code: &str, message: &str, help: &str| {
        vec![Diagnostic::manual(code, message.to_string())
            .with_help(help.to_string())
            .at(file.location_of(span))]
    };
    const HELP: &str = "stream with `new Response(new ReadableStream(…))` by hand";
    let ranges: Vec<Range<usize>> = body.stmts.iter().map(|s| file.range(s.span())).collect();
    let Some(boundary) = ranges.iter().position(|r| r.end > first_write) else {
        return Ok(None);
    };
    // The last statement, a bare `return` after it aside, ends the response.
    let mut last = body.stmts.len().saturating_sub(1);
    if last > boundary && matches!(body.stmts[last], Stmt::Return(r) if r.arg.is_none()) {
        last -= 1;
    }
    let end_use = uses.iter().find(|u| {
        matches!(&u.kind, UseKind::Response { call, stmt: Some(stmt), .. }
            if call.method == ResponseMethod::End && call.status.is_none() && call.args.len() <= 1 && file.range(*stmt) == ranges[last])
    });
    let first_span = body.stmts[boundary].span();
    let Some(end_use) = end_use else {
        return Err(problem(
            first_span,
            "manual/res-write",
            "the response is written but the handler does not end with `res.end()` after the writes",
            HELP,
        ));
    };
    let UseKind::Response { call: end_call, .. } = &end_use.kind else {
        return Ok(None);
    };
    let region = ranges[boundary].start..ranges[last].end;
    let end = ranges[last].clone();
    let mut writes = Vec::new();
    let mut flushes = Vec::new();
    let mut owned = vec![end.clone()];
    for u in uses {
        let range = file.range(u.offset_span());
        if !(region.start <= range.start && range.end <= region.end) || range == end {
            continue;
        }
        match &u.kind {
            UseKind::Special(SpecialUse::Write {
                call,
                chunk,
                string,
                ..
            }) => {
                if !string {
                    return Err(problem(
                        *chunk,
                        "manual/res-write-chunk",
                        "the chunk written is not surely a string (it could be a Buffer)",
                        "write strings (a template literal) or stream the bytes by hand",
                    ));
                }
                writes.push((*call, *chunk));
                owned.push(range);
            }
            UseKind::Special(SpecialUse::FlushHeaders { stmt }) => {
                flushes.push(statement_lines(&file.text, file.range(*stmt)));
                owned.push(range);
            }
            UseKind::Special(SpecialUse::CloseListener { .. })
            | UseKind::Special(SpecialUse::Revalidate(_))
            | UseKind::Body { .. }
            | UseKind::QueryWhole { .. }
            | UseKind::QueryKey { .. }
            | UseKind::QueryDestructure { .. }
            | UseKind::Header { .. }
            | UseKind::Cookie { .. }
            | UseKind::Url { .. } => {}
            _ => {
                return Err(problem(
                    u.offset_span(),
                    "manual/res-write",
                    "headers, a status or another answer come after the first write",
                    "Pages had sent the headers with the first write; set them before it, or stream by hand",
                ))
            }
        }
    }
    if let Some(span) = top_level_return(&body.stmts[boundary..=last]) {
        return Err(problem(
            span,
            "manual/res-write",
            "the handler returns while it streams, leaving the response open",
            HELP,
        ));
    }
    let names = StreamNames {
        cancelled: pick(taken, "cancelled", "streamCancelled"),
        stream: pick(taken, "stream", "responseStream"),
        controller: pick(taken, "controller", "streamController"),
        encoder: pick(taken, "encoder", "streamEncoder"),
        write: pick(taken, "write", "writeChunk"),
    };
    let notes = vec![Diagnostic::note(
        "note/stream-errors",
        "the response is streamed from a `ReadableStream`: an exception after the first write now aborts the response",
    )
    .with_help("Pages ended it with its error answer; catch errors inside the loop if the client must see a clean end")
    .at(file.location_of(first_span))];
    Ok(Some(StreamRegion {
        function_stmts: ranges.clone(),
        function_span: ranges.first().map_or(0, |r| r.start)..ranges.last().map_or(0, |r| r.end),
        region,
        end,
        end_chunk: end_call.args.first().copied(),
        writes,
        flushes,
        owned,
        names,
        typescript,
        notes,
    }))
}

/// A `return` of the function itself (not of a nested function) among `stmts`.
fn top_level_return(stmts: &[&Stmt]) -> Option<Span> {
    struct Returns(Option<Span>);
    impl Visit for Returns {
        fn visit_return_stmt(&mut self, stmt: &swc_ecma_ast::ReturnStmt) {
            self.0.get_or_insert(stmt.span);
        }
        fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
        fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
        fn visit_class(&mut self, _: &swc_ecma_ast::Class) {}
    }
    let mut returns = Returns(None);
    for stmt in stmts {
        stmt.visit_with(&mut returns);
    }
    returns.0
}

impl StreamRegion {
    /// The edits that wrap the region into the stream; `init` is the Response's second argument.
    pub fn edits(
        &self,
        file: &ParsedFile,
        style: &Style,
        templates: &[Range<usize>],
        init: Option<String>,
    ) -> Vec<Edit> {
        let StreamNames {
            cancelled,
            stream,
            controller,
            encoder,
            write,
        } = &self.names;
        let (nl, semi, i) = (style.newline, style.semi(), style.indent.as_str());
        let ind = indentation_at(&file.text, self.region.start).to_string();
        let chunk_type = if self.typescript { ": string" } else { "" };
        let opening = [
            format!("{ind}let {cancelled} = false{semi}"),
            format!("{ind}const {stream} = new ReadableStream({{"),
            format!("{ind}{i}async start({controller}) {{"),
            format!("{ind}{i}{i}const {encoder} = new TextEncoder(){semi}"),
            format!("{ind}{i}{i}// Once the client has left, writes are dropped and the code goes on, as in Pages."),
            format!("{ind}{i}{i}const {write} = (chunk{chunk_type}) => {{"),
            format!("{ind}{i}{i}{i}if (!{cancelled}) {controller}.enqueue({encoder}.encode(chunk)){semi}"),
            format!("{ind}{i}{i}}}{semi}"),
        ];
        let start = line_start(&file.text, self.region.start);
        let mut edits = vec![Edit::insert(
            start,
            opening
                .iter()
                .map(|l| format!("{l}{nl}"))
                .collect::<String>(),
        )];
        let deeper = format!("{i}{i}");
        edits.extend(
            indent_lines(&file.text, start..self.region.end, &deeper, templates)
                .into_iter()
                .filter(|e| !self.flushes.iter().any(|f| f.contains(&e.range.start))),
        );
        for (call, chunk) in &self.writes {
            edits.push(Edit::replace(
                file.offset(call.lo)..file.offset(chunk.lo),
                format!("{write}("),
            ));
            edits.push(Edit::replace(
                file.offset(chunk.hi)..file.offset(call.hi),
                ")",
            ));
        }
        for flush in &self.flushes {
            edits.push(Edit::delete(flush.clone()));
        }
        let close = format!("if (!{cancelled}) {controller}.close(){semi}");
        let end_text = match self.end_chunk {
            Some(chunk) => format!(
                "{write}({}){semi}{nl}{ind}{deeper}{close}",
                file.slice(chunk)
            ),
            None => close,
        };
        edits.push(Edit::replace(self.end.clone(), end_text));
        let init = init.map(|i| format!(", {i}")).unwrap_or_default();
        let closing = [
            format!("{ind}{i}}},"),
            format!("{ind}{i}cancel() {{"),
            format!("{ind}{i}{i}{cancelled} = true{semi}"),
            format!("{ind}{i}}},"),
            format!("{ind}}}){semi}"),
            format!("{ind}return new Response({stream}{init}){semi}"),
        ];
        edits.push(Edit::insert(
            self.end.end,
            closing
                .iter()
                .map(|l| format!("{nl}{l}"))
                .collect::<String>(),
        ));
        edits
    }
}

/// `source.pipe(res)` → `new Response(Readable.toWeb(source) as ReadableStream, init)`.
pub fn pipe_edits(
    file: &ParsedFile,
    stmt: Option<Span>,
    expr: Span,
    source: Span,
    typescript: bool,
    init: Option<String>,
    edits: &mut Vec<Edit>,
) {
    if stmt.is_some() {
        edits.push(Edit::insert(file.offset(expr.lo), "return "));
    }
    let cast = if typescript { " as ReadableStream" } else { "" };
    let init = init.map(|i| format!(", {i}")).unwrap_or_default();
    edits.push(Edit::replace(
        file.offset(expr.lo)..file.offset(source.lo),
        "new Response(Readable.toWeb(",
    ));
    edits.push(Edit::replace(
        file.offset(source.hi)..file.offset(expr.hi),
        format!("){cast}{init})"),
    ));
}

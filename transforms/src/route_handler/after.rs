//! Code after the reply → `after()` from `next/server` (reference §3.4; stable since 15.1).
//!
//! In Pages, `res.json(x)` sends the answer and the handler goes on; a route handler's answer is
//! what it returns, so the work that followed moves into `after(async () => { … })`, which
//! Next.js runs once the response is sent:
//! ```text
//! res.status(200).json(order)
//! await sendEmail(order)
//! ```
//! becomes
//! ```text
//! const response = jsonResponse(order, { status: 200 })
//! after(async () => {
//!   await sendEmail(order)
//! })
//! return response
//! ```
//! (the response is built first, as `res.json` serialised it before the code went on, and
//! returned after `after()` registered the rest).
//! What stays observable is the same: the client has its answer before (or while) that code
//! runs, and an exception there can no longer change the answer — Pages logged it with the
//! response already sent, `after` logs it. Only one shape is proven: the response statement
//! stands in the function's own statement list and every statement after it leaves `req`'s
//! body stream and `res` alone (no response, header, status, stream or revalidation calls) and
//! declares nothing that is hoisted (`var`, functions, classes) and could be used before it.
//! Anything else keeps `manual/code-after-response`.

use std::collections::HashSet;
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{Decl, Stmt, VarDeclKind};
use swc_ecma_visit::{Visit, VisitWith};

use super::special::FunctionBody;
use super::usage::{Use, UseKind};
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::text::{indentation_at, line_start, Style};

/// A response statement and the statements after it that go into `after()`.
pub struct AfterRegion {
    /// The response statement.
    pub response: Range<usize>,
    /// The local that holds the response until `after()` is registered.
    pub response_name: String,
    /// The statements that follow it, first start to last end.
    pub trailing: Range<usize>,
}

pub fn plan(
    file: &ParsedFile,
    body: &FunctionBody,
    uses: &[&Use],
    tails: &HashSet<Range<usize>>,
    taken: &mut HashSet<String>,
) -> Option<AfterRegion> {
    let early: Vec<Range<usize>> = uses
        .iter()
        .filter_map(|u| match &u.kind {
            UseKind::Response {
                stmt: Some(stmt), ..
            } => Some(file.range(*stmt)),
            UseKind::HelperCall {
                stmt: Some(stmt),
                helper,
                ..
            } if helper.responds => Some(file.range(*stmt)),
            _ => None,
        })
        .filter(|range| !tails.contains(range))
        .collect();
    let [response] = early.as_slice() else {
        return None;
    };
    let index = body
        .stmts
        .iter()
        .position(|s| file.range(s.span()) == *response)?;
    let trailing_stmts = &body.stmts[index + 1..];
    let (first, last) = (trailing_stmts.first()?, trailing_stmts.last()?);
    let trailing = file.offset(first.span().lo)..file.offset(last.span().hi);
    let touches_response = uses.iter().any(|u| {
        let at = file.offset(u.offset_span().lo);
        trailing.contains(&at)
            && !matches!(
                u.kind,
                UseKind::Body { .. }
                    | UseKind::QueryWhole { .. }
                    | UseKind::QueryKey { .. }
                    | UseKind::QueryDestructure { .. }
                    | UseKind::Header { .. }
                    | UseKind::Cookie { .. }
                    | UseKind::Url { .. }
            )
    });
    if touches_response || trailing_stmts.iter().any(|s| hoists(s)) {
        return None;
    }
    Some(AfterRegion {
        response: response.clone(),
        response_name: super::fresh_name(taken, "response"),
        trailing,
    })
}

/// A declaration visible before the statement: `var` anywhere outside nested functions, and
/// top-level function and class declarations.
fn hoists(stmt: &Stmt) -> bool {
    if matches!(stmt, Stmt::Decl(Decl::Fn(_) | Decl::Class(_))) {
        return true;
    }
    struct Vars(bool);
    impl Visit for Vars {
        fn visit_var_decl(&mut self, var: &swc_ecma_ast::VarDecl) {
            if var.kind == VarDeclKind::Var {
                self.0 = true;
            }
        }
        fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
        fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
        fn visit_class(&mut self, _: &swc_ecma_ast::Class) {}
    }
    let mut vars = Vars(false);
    stmt.visit_with(&mut vars);
    vars.0
}

impl AfterRegion {
    /// `const response = ` for the `return ` of the response statement (`edits` holds the use
    /// edits), `after(async () => {` above the trailing statements, their lines one level
    /// deeper, `})` and `return response` below them.
    pub fn edits(
        &self,
        file: &ParsedFile,
        style: &Style,
        templates: &[Range<usize>],
        response_name: &str,
        edits: &mut Vec<Edit>,
    ) {
        for edit in edits.iter_mut() {
            let returns = edit.range.is_empty()
                && edit.replacement == "return "
                && self.response.contains(&edit.range.start);
            if returns {
                edit.replacement = format!("const {response_name} = ");
            }
        }
        let line_start = line_start(&file.text, self.trailing.start);
        let indent = indentation_at(&file.text, self.trailing.start).to_string();
        edits.push(Edit::insert(
            line_start,
            format!("{indent}after(async () => {{{}", style.newline),
        ));
        edits.extend(indent_lines(
            &file.text,
            line_start..self.trailing.end,
            &style.indent,
            templates,
        ));
        edits.push(Edit::insert(
            self.trailing.end,
            format!(
                "{nl}{indent}}}){semi}{nl}{indent}return {response_name}{semi}",
                nl = style.newline,
                semi = style.semi()
            ),
        ));
    }
}

/// Inserts `add` at the start of every non-blank line that starts in `range`, except lines that
/// start inside a multi-line template literal (their whitespace is part of the value).
pub(crate) fn indent_lines(
    text: &str,
    range: Range<usize>,
    add: &str,
    templates: &[Range<usize>],
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let blank = text[start..end].trim().is_empty();
        let protected = templates.iter().any(|t| t.start < start && start < t.end);
        if !blank && !protected {
            edits.push(Edit::insert(start, add.to_string()));
        }
        start = end + 1;
    }
    edits
}

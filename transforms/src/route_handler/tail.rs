//! Which response statements are the last thing their function does.
//!
//! In Pages, `res.json(x)` sends the response and the handler goes on running; in a route
//! handler the response is what the function returns, and nothing runs after the `return`. A
//! response statement therefore becomes `return <Response>` only when nothing would run after
//! it: it is the last statement on its path (possibly followed by a bare `return;`, or `break;`
//! in a switch case, which are then removed). Any other response statement means code ran after
//! the reply, and the route is left for manual work.

use std::collections::HashSet;
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::Stmt;

use super::usage::Responder;
use crate::parse::ParsedFile;
use crate::text::whole_lines;

#[derive(Debug, Default)]
pub struct Tails {
    /// Ranges of response statements in tail position.
    pub allowed: HashSet<Range<usize>>,
    /// Bare `return;` / `break;` statements that follow a response statement and go with it.
    pub merged: Vec<Range<usize>>,
}

pub fn scan(file: &ParsedFile, stmts: &[&Stmt], res: Responder, tails: &mut Tails) {
    walk(file, stmts, true, false, res, tails);
}

/// A statement that shares its line with a trailing comment goes with the space after it.
fn with_trailing_space(text: &str, range: Range<usize>) -> Range<usize> {
    if text[..range.end].ends_with('\n') {
        return range;
    }
    let rest = &text[range.end..];
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    range.start..range.end + spaces
}

/// `return`, `return null`, `return undefined`, `return false`…: Pages ignored a handler's return
/// value, and a literal has no side effect, so it can go.
fn returns_nothing(stmt: &swc_ecma_ast::ReturnStmt) -> bool {
    use swc_ecma_ast::{Expr, Lit};
    match stmt.arg.as_deref() {
        None => true,
        Some(Expr::Lit(Lit::Null(_) | Lit::Bool(_) | Lit::Num(_) | Lit::Str(_))) => true,
        Some(Expr::Ident(id)) => &*id.sym == "undefined",
        _ => false,
    }
}

fn is_exit(stmt: &Stmt, break_exits: bool) -> bool {
    match stmt {
        Stmt::Return(r) => returns_nothing(r),
        Stmt::Break(b) => break_exits && b.label.is_none(),
        _ => false,
    }
}

/// `tail`: the end of this list is the end of the function. `break_exits`: an unlabelled
/// `break` here leaves a switch that is itself in tail position.
fn walk(
    file: &ParsedFile,
    stmts: &[&Stmt],
    tail: bool,
    break_exits: bool,
    res: Responder,
    tails: &mut Tails,
) {
    let count = stmts.len();
    for (index, stmt) in stmts.iter().enumerate() {
        let last = index + 1 == count;
        // `res.json(x); return` ends the function wherever it stands; `res.json(x); break` only
        // when the switch it leaves is the function's last statement.
        let return_follows =
            !last && matches!(stmts[index + 1], Stmt::Return(r) if returns_nothing(r));
        let exit_follows =
            return_follows || (index + 2 == count && is_exit(stmts[index + 1], break_exits));
        let stmt_tail = return_follows || (tail && (last || exit_follows));
        match stmt {
            Stmt::Expr(expr) if res.sends(&expr.expr) && stmt_tail => {
                tails.allowed.insert(file.range(stmt.span()));
                if exit_follows {
                    tails.merged.push(with_trailing_space(
                        &file.text,
                        whole_lines(&file.text, file.range(stmts[index + 1].span())),
                    ));
                }
            }
            Stmt::Block(block) => {
                let inner: Vec<&Stmt> = block.stmts.iter().collect();
                walk(file, &inner, stmt_tail, break_exits, res, tails);
            }
            Stmt::If(if_stmt) => {
                walk(file, &[&*if_stmt.cons], stmt_tail, break_exits, res, tails);
                if let Some(alt) = &if_stmt.alt {
                    walk(file, &[&**alt], stmt_tail, break_exits, res, tails);
                }
            }
            Stmt::Try(try_stmt) => {
                let block: Vec<&Stmt> = try_stmt.block.stmts.iter().collect();
                walk(file, &block, stmt_tail, break_exits, res, tails);
                if let Some(handler) = &try_stmt.handler {
                    let body: Vec<&Stmt> = handler.body.stmts.iter().collect();
                    walk(file, &body, stmt_tail, break_exits, res, tails);
                }
            }
            Stmt::Switch(switch) => {
                let cases = switch.cases.len();
                for (case_index, case) in switch.cases.iter().enumerate() {
                    let body: Vec<&Stmt> = case.cons.iter().collect();
                    let ends_with_break =
                        matches!(body.last(), Some(Stmt::Break(b)) if b.label.is_none());
                    let case_tail = stmt_tail && (ends_with_break || case_index + 1 == cases);
                    walk(file, &body, case_tail, true, res, tails);
                }
            }
            _ => {}
        }
    }
}

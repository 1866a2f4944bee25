//! Method dispatch: which HTTP methods a handler answers, and whether its body splits cleanly
//! into one function per method.
//!
//! Clean shapes, split into one export per method:
//! - `if (req.method === 'GET') {…} else if (req.method === 'POST') {…} [else {…}]`, optionally
//!   followed by fallback statements when every branch exits;
//! - `switch (req.method) { case 'GET': …; default: … }`;
//! - an early guard `if (req.method !== 'POST') { …405…; return }` followed by the body.
//!
//! A prelude before the dispatch (auth check, shared parsing), or any other use of `req.method`,
//! keeps one function exported under each method it answers. The fallback (the `else`, the
//! `default`, the guard's body) is what Pages answered for every other method; it is exported
//! under those methods unless it is a bare 405, which the App Router sends by itself.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{BinaryOp, Callee, Expr, MemberProp, Stmt, SwitchStmt, UnaryOp};
use swc_ecma_visit::{Visit, VisitWith};

use super::usage::Responder;
use crate::ast::{method_literal, unwrap_expr};
use crate::parse::ParsedFile;

/// Every method a route handler can export, in the order exports are listed.
pub const ALL_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
/// What a Pages handler that never checks the method is exported under (HEAD is served by GET,
/// OPTIONS is answered by Next.js).
pub const STANDARD_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A run of statements that becomes (part of) an output function.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    pub stmts: Vec<&'a Stmt>,
    /// The text copied into the output: a block's inside, a case's statements.
    pub window: Range<usize>,
    /// Ranges inside the window that are dropped (a case's closing `break;`).
    pub dropped: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct Branch<'a> {
    pub methods: Vec<&'static str>,
    pub part: Part<'a>,
    /// One body for several methods after a guard: named like the handler, not after a method.
    pub shared: bool,
}

#[derive(Debug, Clone)]
pub enum Dispatch<'a> {
    /// One function per branch, plus the fallback for the remaining methods.
    Split {
        branches: Vec<Branch<'a>>,
        fallback: Option<Part<'a>>,
        fallback_is_bare_405: bool,
    },
    /// The handler stays one function, exported under `methods`.
    Single {
        methods: Vec<&'static str>,
        checks_method: bool,
    },
}

enum MethodTest {
    Is(Vec<&'static str>),
    Not(Vec<&'static str>),
}

pub struct DispatchInput<'a, 'f> {
    pub file: &'f ParsedFile,
    pub stmts: &'a [Stmt],
    /// Where the statement list's text ends (the body's closing brace).
    pub body_end: usize,
    pub req: &'a str,
    pub res: &'a str,
    /// The helpers whose calls send the response.
    pub helpers: &'a super::helpers::Helpers,
}

impl DispatchInput<'_, '_> {
    fn responder(&self) -> Responder<'_> {
        Responder {
            req: self.req,
            res: self.res,
            helpers: self.helpers,
        }
    }
}

pub fn analyze<'a>(input: &DispatchInput<'a, '_>) -> Dispatch<'a> {
    let stmts = input.stmts;
    let Some(first) = stmts.iter().position(|s| mentions_method(s, input.req)) else {
        return Dispatch::Single {
            methods: STANDARD_METHODS.to_vec(),
            checks_method: false,
        };
    };
    let Some((branches, fallback)) = recognize(input, &stmts[first..]) else {
        return Dispatch::Single {
            methods: mentioned_methods(stmts, input.req),
            checks_method: true,
        };
    };
    let fallback_is_bare_405 = fallback
        .as_ref()
        .is_some_and(|part| is_bare_405(&part.stmts, input.res));
    if first > 0 {
        // A prelude runs for every method: keep one function.
        let mut methods: Vec<&'static str> = branches
            .iter()
            .flat_map(|b| b.methods.iter().copied())
            .collect();
        if fallback.is_some() && !fallback_is_bare_405 {
            methods = ALL_METHODS.to_vec();
        }
        return Dispatch::Single {
            methods: ordered(methods),
            checks_method: true,
        };
    }
    Dispatch::Split {
        branches,
        fallback,
        fallback_is_bare_405,
    }
}

/// A dispatch starting at `stmts[0]`: a guard, an if chain or a switch on the method.
fn recognize<'a>(input: &DispatchInput<'a, '_>, stmts: &'a [Stmt]) -> Recognized<'a> {
    let (first, rest) = stmts.split_first()?;
    match first {
        Stmt::If(if_stmt) => match method_test(&if_stmt.test, input.req)? {
            MethodTest::Not(allowed) if if_stmt.alt.is_none() => {
                let guard = part_of(input.file, &if_stmt.cons);
                if !always_exits(&guard.stmts, input.responder()) {
                    return None;
                }
                let after = input.file.offset(first.span().hi);
                let body = Part {
                    stmts: rest.iter().collect(),
                    window: after..input.body_end,
                    dropped: vec![],
                };
                Some((narrowed(input, rest, allowed, body), Some(guard)))
            }
            MethodTest::Is(_) => if_chain(input, stmts),
            MethodTest::Not(_) => None,
        },
        Stmt::Switch(switch) if is_method(&switch.discriminant, input.req) => {
            method_switch(input, switch, first, rest)
        }
        _ => None,
    }
}

/// After a guard that lets only `allowed` through: when the rest dispatches among those methods
/// itself (`if (req.method === 'POST') {…}` then the GET code), each method gets its function;
/// otherwise the rest is one function for all of them.
fn narrowed<'a>(
    input: &DispatchInput<'a, '_>,
    rest: &'a [Stmt],
    allowed: Vec<&'static str>,
    body: Part<'a>,
) -> Vec<Branch<'a>> {
    let whole = || {
        vec![Branch {
            methods: allowed.clone(),
            part: body.clone(),
            shared: allowed.len() > 1,
        }]
    };
    let starts_dispatch = rest.first().is_some_and(|s| mentions_method(s, input.req));
    if !starts_dispatch {
        return whole();
    }
    let Some((mut branches, fallback)) = recognize(input, rest) else {
        return whole();
    };
    let handled: Vec<&str> = branches
        .iter()
        .flat_map(|b| b.methods.iter().copied())
        .collect();
    if handled.iter().any(|m| !allowed.contains(m)) {
        return whole();
    }
    let remaining = methods_except(&allowed, &handled);
    match fallback {
        Some(part) if !remaining.is_empty() => {
            branches.push(Branch {
                shared: remaining.len() > 1,
                methods: remaining,
                part,
            });
            branches
        }
        // Every allowed method has its branch: the fallback could only run for methods the
        // guard already answered.
        Some(_) => whole(),
        None => branches,
    }
}
/// The methods of `all` not in `handled`, in `all`'s order.
pub fn methods_except(all: &[&'static str], handled: &[&str]) -> Vec<&'static str> {
    all.iter()
        .copied()
        .filter(|m| !handled.contains(m))
        .collect()
}

/// `methods` in export order, each once.
pub fn ordered(methods: Vec<&'static str>) -> Vec<&'static str> {
    ALL_METHODS
        .iter()
        .copied()
        .filter(|m| methods.contains(m))
        .collect()
}

type Recognized<'a> = Option<(Vec<Branch<'a>>, Option<Part<'a>>)>;

/// `if (GET) {…} else if (POST) {…} [else {…}]`, possibly followed by more such ifs
/// (`if (GET) {… return} if (POST) {… return}`), then fallback statements.
fn if_chain<'a>(input: &DispatchInput<'a, '_>, stmts: &'a [Stmt]) -> Recognized<'a> {
    let mut branches = Vec::new();
    let mut else_part = None;
    let mut consumed = 0;
    for stmt in stmts {
        let Stmt::If(if_stmt) = stmt else { break };
        if !matches!(
            method_test(&if_stmt.test, input.req),
            Some(MethodTest::Is(_))
        ) || else_part.is_some()
        {
            break;
        }
        let mut current = stmt;
        loop {
            let Stmt::If(if_stmt) = current else {
                else_part = Some(part_of(input.file, current));
                break;
            };
            let Some(MethodTest::Is(methods)) = method_test(&if_stmt.test, input.req) else {
                // An `else if` on something other than the method: not a clean chain.
                return None;
            };
            branches.push(Branch {
                methods,
                part: part_of(input.file, &if_stmt.cons),
                shared: false,
            });
            match &if_stmt.alt {
                Some(alt) => current = alt,
                None => break,
            }
        }
        consumed += 1;
    }
    if has_duplicate_methods(&branches) {
        return None;
    }
    let rest = &stmts[consumed..];
    // Code after the chain (and after a later `if`) runs once a branch completes normally:
    // splitting is exact only when every branch exits, or nothing follows it.
    let followed = consumed > 1 || !rest.is_empty();
    if followed
        && !branches
            .iter()
            .all(|b| always_exits(&b.part.stmts, input.responder()))
        && (!rest.is_empty() || else_part.is_some())
    {
        return None;
    }
    let fallback = match else_part {
        Some(part) if rest.is_empty() => Some(part),
        Some(_) => return None,
        None if rest.is_empty() => None,
        None => {
            let after = input.file.offset(stmts[consumed - 1].span().hi);
            Some(Part {
                stmts: rest.iter().collect(),
                window: after..input.body_end,
                dropped: vec![],
            })
        }
    };
    Some((branches, fallback))
}

fn method_switch<'a>(
    input: &DispatchInput<'a, '_>,
    switch: &'a SwitchStmt,
    stmt: &'a Stmt,
    rest: &'a [Stmt],
) -> Recognized<'a> {
    let file = input.file;
    let mut branches: Vec<Branch<'a>> = Vec::new();
    let mut default = None;
    let mut pending: Vec<&'static str> = Vec::new();
    let mut pending_default = false;
    let count = switch.cases.len();
    for (index, case) in switch.cases.iter().enumerate() {
        match &case.test {
            Some(test) => pending.push(method_literal(test)?),
            None => pending_default = true,
        }
        if case.cons.is_empty() {
            if index + 1 == count {
                // Trailing empty cases fall out of the switch.
                return None;
            }
            continue;
        }
        let mut stmts: Vec<&Stmt> = case.cons.iter().collect();
        let mut dropped = Vec::new();
        // The case's closing `break`, after its statements or as the last one of its block
        // (`case 'GET': { …; break }`): both leave the switch the same way.
        let unlabelled_break = |stmt: Option<&Stmt>| match stmt {
            Some(Stmt::Break(b)) if b.label.is_none() => Some(b.span),
            _ => None,
        };
        let block_break = match stmts.as_slice() {
            [Stmt::Block(block)] => unlabelled_break(block.stmts.last()),
            _ => None,
        };
        if let Some(span) = unlabelled_break(stmts.last().copied()) {
            dropped.push(crate::text::whole_lines(&file.text, file.range(span)));
            stmts.pop();
        } else if let Some(span) = block_break {
            dropped.push(crate::text::whole_lines(&file.text, file.range(span)));
        } else if index + 1 < count && !always_exits(&stmts, input.responder()) {
            // Falls through into the next case.
            return None;
        }
        let (stmts, window) = match stmts.as_slice() {
            [Stmt::Block(block)] => {
                let mut inside: Vec<&Stmt> = block.stmts.iter().collect();
                if block_break.is_some() {
                    inside.pop();
                }
                (inside, inner(file, block.span))
            }
            _ => {
                let colon_end = case
                    .test
                    .as_ref()
                    .map(|t| file.offset(t.span().hi))
                    .unwrap_or_else(|| file.offset(case.span.lo) + "default".len());
                let start = file.text[colon_end..]
                    .find(':')
                    .map_or(colon_end, |i| colon_end + i + 1);
                (stmts, start..file.offset(case.span.hi))
            }
        };
        if stmts.iter().any(|s| breaks_out(s)) {
            return None;
        }
        // A dropped `break` line ends at its line break, which may lie past the case.
        let dropped = dropped
            .into_iter()
            .map(|r| r.start.max(window.start)..r.end.min(window.end))
            .filter(|r| r.start < r.end)
            .collect();
        let part = Part {
            stmts,
            window,
            dropped,
        };
        let methods = std::mem::take(&mut pending);
        if std::mem::take(&mut pending_default) {
            if !methods.is_empty() {
                // `case 'GET': default:` mixes a method with the fallback.
                return None;
            }
            default = Some(part);
        } else {
            branches.push(Branch {
                methods,
                part,
                shared: false,
            });
        }
    }
    if has_duplicate_methods(&branches) {
        return None;
    }
    let fallback = match default {
        Some(part) if rest.is_empty() => Some(part),
        Some(_) => return None,
        None if rest.is_empty() => None,
        None => {
            if !branches
                .iter()
                .all(|b| always_exits(&b.part.stmts, input.responder()))
            {
                return None;
            }
            let after = file.offset(stmt.span().hi);
            Some(Part {
                stmts: rest.iter().collect(),
                window: after..input.body_end,
                dropped: vec![],
            })
        }
    };
    Some((branches, fallback))
}

fn has_duplicate_methods(branches: &[Branch]) -> bool {
    let mut seen = Vec::new();
    for method in branches.iter().flat_map(|b| &b.methods) {
        if seen.contains(method) {
            return true;
        }
        seen.push(*method);
    }
    false
}

fn inner(file: &ParsedFile, span: swc_common::Span) -> Range<usize> {
    let range = file.range(span);
    (range.start + 1)..(range.end.saturating_sub(1)).max(range.start + 1)
}

/// A branch's statements: a block's contents or a lone statement.
fn part_of<'a>(file: &ParsedFile, stmt: &'a Stmt) -> Part<'a> {
    match stmt {
        Stmt::Block(block) => Part {
            stmts: block.stmts.iter().collect(),
            window: inner(file, block.span),
            dropped: vec![],
        },
        other => Part {
            stmts: vec![other],
            window: file.range(other.span()),
            dropped: vec![],
        },
    }
}

/// `req.method`, possibly as `req.method!` or `req.method as string`.
pub fn is_method(expr: &Expr, req: &str) -> bool {
    let Expr::Member(member) = unwrap_expr(expr) else {
        return false;
    };
    matches!(&*member.obj, Expr::Ident(obj) if &*obj.sym == req)
        && matches!(&member.prop, MemberProp::Ident(prop) if &*prop.sym == "method")
}

fn method_test(expr: &Expr, req: &str) -> Option<MethodTest> {
    match unwrap_expr(expr) {
        Expr::Bin(bin) => match bin.op {
            BinaryOp::EqEqEq | BinaryOp::EqEq | BinaryOp::NotEqEq | BinaryOp::NotEq => {
                let literal = if is_method(&bin.left, req) {
                    method_literal(&bin.right)?
                } else if is_method(&bin.right, req) {
                    method_literal(&bin.left)?
                } else {
                    return None;
                };
                Some(if matches!(bin.op, BinaryOp::EqEqEq | BinaryOp::EqEq) {
                    MethodTest::Is(vec![literal])
                } else {
                    MethodTest::Not(vec![literal])
                })
            }
            BinaryOp::LogicalOr => {
                match (method_test(&bin.left, req)?, method_test(&bin.right, req)?) {
                    (MethodTest::Is(mut a), MethodTest::Is(b)) => {
                        a.extend(b);
                        Some(MethodTest::Is(a))
                    }
                    _ => None,
                }
            }
            BinaryOp::LogicalAnd => {
                match (method_test(&bin.left, req)?, method_test(&bin.right, req)?) {
                    (MethodTest::Not(mut a), MethodTest::Not(b)) => {
                        a.extend(b);
                        Some(MethodTest::Not(a))
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        Expr::Unary(unary) if unary.op == UnaryOp::Bang => match method_test(&unary.arg, req)? {
            MethodTest::Is(methods) => Some(MethodTest::Not(methods)),
            MethodTest::Not(methods) => Some(MethodTest::Is(methods)),
        },
        // `['GET', 'POST'].includes(req.method)`
        Expr::Call(call) => {
            let Callee::Expr(callee) = &call.callee else {
                return None;
            };
            let Expr::Member(member) = unwrap_expr(callee) else {
                return None;
            };
            if !matches!(&member.prop, MemberProp::Ident(p) if &*p.sym == "includes")
                || call.args.len() != 1
            {
                return None;
            }
            if !is_method(&call.args[0].expr, req) {
                return None;
            }
            let Expr::Array(array) = unwrap_expr(&member.obj) else {
                return None;
            };
            let mut methods = Vec::new();
            for element in &array.elems {
                let element = element.as_ref()?;
                if element.spread.is_some() {
                    return None;
                }
                methods.push(method_literal(&element.expr)?);
            }
            Some(MethodTest::Is(methods))
        }
        _ => None,
    }
}

/// Whether a statement reads `req.method` anywhere.
fn mentions_method(stmt: &Stmt, req: &str) -> bool {
    struct Finder<'r> {
        req: &'r str,
        found: bool,
    }
    impl Visit for Finder<'_> {
        fn visit_member_expr(&mut self, member: &swc_ecma_ast::MemberExpr) {
            if matches!(&*member.obj, Expr::Ident(obj) if &*obj.sym == self.req)
                && matches!(&member.prop, MemberProp::Ident(p) if &*p.sym == "method")
            {
                self.found = true;
            }
            member.visit_children_with(self);
        }
    }
    let mut finder = Finder { req, found: false };
    stmt.visit_with(&mut finder);
    finder.found
}

/// Every method literal compared with `req.method`, plus the standard five.
fn mentioned_methods(stmts: &[Stmt], req: &str) -> Vec<&'static str> {
    struct Literals<'r> {
        req: &'r str,
        found: Vec<&'static str>,
    }
    impl Visit for Literals<'_> {
        fn visit_expr(&mut self, expr: &Expr) {
            if let Some(test) = method_test(expr, self.req) {
                let (MethodTest::Is(methods) | MethodTest::Not(methods)) = test;
                self.found.extend(methods);
            }
            expr.visit_children_with(self);
        }
        fn visit_switch_stmt(&mut self, switch: &SwitchStmt) {
            if is_method(&switch.discriminant, self.req) {
                for case in &switch.cases {
                    if let Some(method) = case.test.as_deref().and_then(method_literal) {
                        self.found.push(method);
                    }
                }
            }
            switch.visit_children_with(self);
        }
    }
    let mut literals = Literals {
        req,
        found: STANDARD_METHODS.to_vec(),
    };
    for stmt in stmts {
        stmt.visit_with(&mut literals);
    }
    ordered(literals.found)
}

/// Whether control never reaches the end of `stmts`: it returns, throws or sends the response
/// (a response call statement becomes a `return`).
pub fn always_exits(stmts: &[&Stmt], res: Responder) -> bool {
    stmts.iter().any(|s| stmt_exits(s, res))
}

fn stmt_exits(stmt: &Stmt, res: Responder) -> bool {
    match stmt {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Expr(expr) => res.sends(&expr.expr),
        Stmt::Block(block) => block.stmts.iter().any(|s| stmt_exits(s, res)),
        Stmt::If(if_stmt) => match &if_stmt.alt {
            Some(alt) => stmt_exits(&if_stmt.cons, res) && stmt_exits(alt, res),
            None => false,
        },
        Stmt::Try(try_stmt) => {
            let block = try_stmt.block.stmts.iter().any(|s| stmt_exits(s, res));
            let handler = try_stmt
                .handler
                .as_ref()
                .is_none_or(|h| h.body.stmts.iter().any(|s| stmt_exits(s, res)));
            let finalizer = try_stmt
                .finalizer
                .as_ref()
                .is_some_and(|f| f.stmts.iter().any(|s| stmt_exits(s, res)));
            (block && handler) || finalizer
        }
        _ => false,
    }
}

/// An unlabelled `break` that would leave the enclosing switch (not one inside a loop or a
/// nested switch): such a case body cannot become a function body.
fn breaks_out(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Break(b) => b.label.is_none(),
        Stmt::Block(block) => block.stmts.iter().any(breaks_out),
        Stmt::If(if_stmt) => {
            breaks_out(&if_stmt.cons) || if_stmt.alt.as_deref().is_some_and(breaks_out)
        }
        Stmt::Try(t) => {
            t.block.stmts.iter().any(breaks_out)
                || t.handler
                    .as_ref()
                    .is_some_and(|h| h.body.stmts.iter().any(breaks_out))
                || t.finalizer
                    .as_ref()
                    .is_some_and(|f| f.stmts.iter().any(breaks_out))
        }
        Stmt::Labeled(l) => breaks_out(&l.body),
        _ => false,
    }
}

/// `res.status(405).end()` alone (with an optional `return`): what the App Router answers for an
/// unexported method anyway.
fn is_bare_405(stmts: &[&Stmt], res: &str) -> bool {
    let significant: Vec<&&Stmt> = stmts
        .iter()
        .filter(|s| !matches!(s, Stmt::Return(r) if r.arg.is_none()))
        .collect();
    let [only] = significant.as_slice() else {
        return false;
    };
    let expr = match only {
        Stmt::Expr(e) => &e.expr,
        Stmt::Return(r) => match &r.arg {
            Some(arg) => arg,
            None => return false,
        },
        _ => return false,
    };
    let Some(call) = super::usage::response_call(expr, res) else {
        return false;
    };
    matches!(call.method, super::usage::ResponseMethod::End)
        && call.args.is_empty()
        && call.status_literal == Some(405.0)
}

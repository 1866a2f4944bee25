//! Module references (`import`, `export … from`, `require`, `import()`), and path arithmetic for
//! files that move.

use std::ops::Range;

use swc_ecma_ast::{
    CallExpr, Callee, Decl, ExportSpecifier, Expr, ImportSpecifier, Lit, ModuleDecl, ModuleItem,
    Str,
};
use swc_ecma_visit::{Visit, VisitWith};

use crate::ast::{export_name, str_text};
use crate::diagnostic::Location;
use crate::parse::ParsedFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    Import,
    ExportFrom,
    Require,
    DynamicImport,
}

/// One place where a file names another module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleReference {
    pub specifier: String,
    /// The specifier's text between its quotes.
    pub range: Range<usize>,
    pub kind: ReferenceKind,
    /// Only types cross this reference (`import type`, or every specifier marked `type`).
    pub type_only: bool,
    /// Names taken from the module: `default`, `*`, or exported names.
    pub names: Vec<String>,
    /// Where the specifier stands, for diagnostics about this import.
    pub location: Location,
}

/// Every module reference in a file, in source order.
pub fn module_references(file: &ParsedFile) -> Vec<ModuleReference> {
    let mut references = Vec::new();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(decl) = item else {
            continue;
        };
        match decl {
            ModuleDecl::Import(import) => {
                let names = import
                    .specifiers
                    .iter()
                    .map(|s| match s {
                        ImportSpecifier::Named(named) => match &named.imported {
                            Some(name) => export_name(name),
                            None => named.local.sym.to_string(),
                        },
                        ImportSpecifier::Default(_) => "default".to_string(),
                        ImportSpecifier::Namespace(_) => "*".to_string(),
                    })
                    .collect();
                let all_types = !import.specifiers.is_empty()
                    && import
                        .specifiers
                        .iter()
                        .all(|s| matches!(s, ImportSpecifier::Named(n) if n.is_type_only));
                references.push(reference(
                    file,
                    &import.src,
                    ReferenceKind::Import,
                    import.type_only || all_types,
                    names,
                ));
            }
            ModuleDecl::ExportAll(export) => {
                references.push(reference(
                    file,
                    &export.src,
                    ReferenceKind::ExportFrom,
                    export.type_only,
                    vec!["*".into()],
                ));
            }
            ModuleDecl::ExportNamed(export) => {
                if let Some(src) = &export.src {
                    let names = export
                        .specifiers
                        .iter()
                        .map(|s| match s {
                            ExportSpecifier::Named(named) => export_name(&named.orig),
                            ExportSpecifier::Default(_) => "default".to_string(),
                            ExportSpecifier::Namespace(_) => "*".to_string(),
                        })
                        .collect();
                    references.push(reference(
                        file,
                        src,
                        ReferenceKind::ExportFrom,
                        export.type_only,
                        names,
                    ));
                }
            }
            _ => {}
        }
    }
    let mut calls = CallReferences {
        file,
        found: Vec::new(),
    };
    file.module.visit_with(&mut calls);
    references.extend(calls.found);
    references.sort_by_key(|r| r.range.start);
    references
}

fn reference(
    file: &ParsedFile,
    src: &Str,
    kind: ReferenceKind,
    type_only: bool,
    names: Vec<String>,
) -> ModuleReference {
    let range = file.range(src.span);
    // The literal's range includes its quotes.
    let inner = (range.start + 1).min(range.end)..range.end.saturating_sub(1).max(range.start);
    ModuleReference {
        specifier: str_text(src).to_string(),
        location: file.location(inner.start),
        range: inner,
        kind,
        type_only,
        names,
    }
}

struct CallReferences<'a> {
    file: &'a ParsedFile,
    found: Vec<ModuleReference>,
}

impl Visit for CallReferences<'_> {
    fn visit_call_expr(&mut self, call: &CallExpr) {
        let kind = match &call.callee {
            Callee::Import(_) => Some(ReferenceKind::DynamicImport),
            Callee::Expr(expr) => match &**expr {
                Expr::Ident(ident) if &*ident.sym == "require" => Some(ReferenceKind::Require),
                _ => None,
            },
            Callee::Super(_) => None,
        };
        if let (Some(kind), Some(first)) = (kind, call.args.first()) {
            if let Expr::Lit(Lit::Str(src)) = &*first.expr {
                self.found
                    .push(reference(self.file, src, kind, false, vec!["*".into()]));
            }
        }
        call.visit_children_with(self);
    }
}

pub fn collect_binding_names(pat: &swc_ecma_ast::Pat, out: &mut Vec<String>) {
    use swc_ecma_ast::{ObjectPatProp, Pat};
    match pat {
        Pat::Ident(id) => out.push(id.id.sym.to_string()),
        Pat::Array(array) => array
            .elems
            .iter()
            .flatten()
            .for_each(|p| collect_binding_names(p, out)),
        Pat::Object(object) => {
            for prop in &object.props {
                match prop {
                    ObjectPatProp::KeyValue(kv) => collect_binding_names(&kv.value, out),
                    ObjectPatProp::Assign(assign) => out.push(assign.key.sym.to_string()),
                    ObjectPatProp::Rest(rest) => collect_binding_names(&rest.arg, out),
                }
            }
        }
        Pat::Rest(rest) => collect_binding_names(&rest.arg, out),
        Pat::Assign(assign) => collect_binding_names(&assign.left, out),
        Pat::Expr(_) | Pat::Invalid(_) => {}
    }
}

/// The names a function binds for its whole body: its parameters and the variables declared at
/// its top level.
pub fn function_bindings(
    params: &[&swc_ecma_ast::Pat],
    body: &[swc_ecma_ast::Stmt],
) -> Vec<String> {
    let mut names = Vec::new();
    for param in params {
        collect_binding_names(param, &mut names);
    }
    for stmt in body {
        if let swc_ecma_ast::Stmt::Decl(Decl::Var(var)) = stmt {
            for declarator in &var.decls {
                collect_binding_names(&declarator.name, &mut names);
            }
        }
    }
    names
}

/// What a function binds for its body (see [`function_bindings`]).
pub fn function_scope(function: &swc_ecma_ast::Function) -> Vec<String> {
    let params: Vec<&swc_ecma_ast::Pat> = function.params.iter().map(|p| &p.pat).collect();
    let body = function
        .body
        .as_ref()
        .map(|b| b.stmts.as_slice())
        .unwrap_or_default();
    function_bindings(&params, body)
}

/// What an arrow function binds for its body (see [`function_bindings`]).
pub fn arrow_scope(arrow: &swc_ecma_ast::ArrowExpr) -> Vec<String> {
    let params: Vec<&swc_ecma_ast::Pat> = arrow.params.iter().collect();
    let body = match &*arrow.body {
        swc_ecma_ast::ArrowFunctionBody::FunctionBody(body) => body.stmts.as_slice(),
        swc_ecma_ast::ArrowFunctionBody::Expr(_) => &[],
    };
    function_bindings(&params, body)
}

pub fn is_relative(specifier: &str) -> bool {
    specifier == "."
        || specifier == ".."
        || specifier.starts_with("./")
        || specifier.starts_with("../")
}

/// The folder part of a project-relative path (`pages/api/x.ts` → `pages/api`).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Joins a relative specifier onto a folder and normalises `.` and `..` (`..` past the root is kept).
pub fn join(dir: &str, specifier: &str) -> String {
    let mut parts: Vec<&str> = dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut leading_up = 0usize;
    for part in specifier.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    leading_up += 1;
                }
            }
            other => parts.push(other),
        }
    }
    let mut out: Vec<&str> = std::iter::repeat_n("..", leading_up).collect();
    out.extend(parts);
    out.join("/")
}

/// The relative specifier that reaches `target` (project-relative) from a file in `from_dir`.
pub fn relative_specifier(from_dir: &str, target: &str) -> String {
    let from: Vec<&str> = from_dir.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = target.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", from.len() - common).collect();
    parts.extend(&to[common..]);
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        format!("./{joined}")
    }
}

/// The new text of a relative specifier in a file that moves from `old_dir` to `new_dir`.
/// A trailing slash the user wrote is kept.
pub fn moved_specifier(specifier: &str, old_dir: &str, new_dir: &str) -> String {
    let target = join(old_dir, specifier);
    let mut out = relative_specifier(new_dir, &target);
    if specifier.ends_with('/') && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Where the file's last import statement ends.
pub fn last_import_end(file: &ParsedFile) -> Option<usize> {
    file.module.body.iter().rev().find_map(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => Some(file.offset(import.span.hi)),
        _ => None,
    })
}

/// The edit that adds import `lines` to a file: after the line of its last import (so that a
/// comment trailing that import stays on it), or at the top with a blank line after them.
pub fn insert_import_lines(
    text: &str,
    last_import_end: Option<usize>,
    lines: &[String],
    style: &crate::text::Style,
) -> Option<crate::edit::Edit> {
    if lines.is_empty() {
        return None;
    }
    Some(match last_import_end {
        Some(end) => {
            let line_end = text[end..]
                .find(['\r', '\n'])
                .map_or(text.len(), |i| end + i);
            let added: String = lines
                .iter()
                .map(|l| format!("{}{l}", style.newline))
                .collect();
            crate::edit::Edit::insert(line_end, added)
        }
        None => {
            let added: String = lines
                .iter()
                .map(|l| format!("{l}{}", style.newline))
                .collect();
            crate::edit::Edit::insert(crate::text::code_start(text), added + style.newline)
        }
    })
}

/// The range that removes one import specifier at `range` with the comma and spaces that
/// follow it (or precede it, for the last one).
pub fn specifier_removal(text: &str, range: Range<usize>) -> Range<usize> {
    let after = &text[range.end..];
    if after.trim_start().starts_with(',') {
        let trailing = after.len() - after.trim_start_matches([',', ' ']).len();
        range.start..range.end + trailing
    } else {
        let before = &text[..range.start];
        let leading = before.len() - before.trim_end_matches([',', ' ']).len();
        range.start - leading..range.end
    }
}

/// `import [type ]default, * as ns, { a, b as c } from 'source'` in the file's style; the
/// parts that are empty are left out.
pub fn import_line(
    type_only: bool,
    default: Option<&str>,
    namespace: Option<&str>,
    named: &[String],
    source: &str,
    style: &crate::text::Style,
) -> String {
    let mut clause: Vec<String> = Vec::new();
    clause.extend(default.map(str::to_string));
    clause.extend(namespace.map(|n| format!("* as {n}")));
    if !named.is_empty() {
        clause.push(format!("{{ {} }}", named.join(", ")));
    }
    format!(
        "import {}{} from {}{}",
        if type_only { "type " } else { "" },
        clause.join(", "),
        style.quoted(source),
        style.semi()
    )
}

/// The names a top-level declaration binds.
pub fn declared_names(decl: &Decl) -> Vec<String> {
    match decl {
        Decl::Fn(f) => vec![f.ident.sym.to_string()],
        Decl::Class(c) => vec![c.ident.sym.to_string()],
        Decl::Var(v) => {
            let mut names = Vec::new();
            for d in &v.decls {
                collect_binding_names(&d.name, &mut names);
            }
            names
        }
        Decl::TsInterface(i) => vec![i.id.sym.to_string()],
        Decl::TsTypeAlias(t) => vec![t.id.sym.to_string()],
        Decl::TsEnum(e) => vec![e.id.sym.to_string()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_arithmetic() {
        assert_eq!(join("pages/api/items", "../../lib/db"), "pages/lib/db");
        assert_eq!(join("pages/api", "../../lib/db"), "lib/db");
        assert_eq!(join("a", "../../x"), "../x");
        assert_eq!(
            relative_specifier("app/api/items/[id]", "lib/db"),
            "../../../../lib/db"
        );
        assert_eq!(
            relative_specifier("pages/api", "pages/api/_lib/x"),
            "./_lib/x"
        );
        assert_eq!(
            moved_specifier("../../../lib/db", "pages/api/items", "app/api/items/[id]"),
            "../../../../lib/db"
        );
        assert_eq!(
            moved_specifier("./_shared", "pages/api/items", "app/api/items/[id]"),
            "../../../../pages/api/items/_shared"
        );
        assert_eq!(
            moved_specifier("../lib/", "pages/api", "app/api/x"),
            "../../../pages/lib/"
        );
    }

    #[test]
    fn finds_references() {
        let source = "import type { A } from './a'\nimport b, { c } from \"../b\"\nexport * from './c'\nconst d = require('./d')\nconst e = await import('./e')\nimport { type F } from './f'\n";
        let file = ParsedFile::parse("x.ts", source).unwrap();
        let refs = module_references(&file);
        let specs: Vec<(&str, bool)> = refs
            .iter()
            .map(|r| (r.specifier.as_str(), r.type_only))
            .collect();
        assert_eq!(
            specs,
            vec![
                ("./a", true),
                ("../b", false),
                ("./c", false),
                ("./d", false),
                ("./e", false),
                ("./f", true)
            ]
        );
        assert_eq!(&source[refs[1].range.clone()], "../b");
        assert_eq!(refs[1].names, vec!["default", "c"]);
    }
}

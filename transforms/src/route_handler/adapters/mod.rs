//! Library adapters: routes whose default export is a library's Pages Router handler
//! (`export default NextAuth(authOptions)`, `createNextApiHandler({ … })`, …) become that
//! library's documented App Router form as a whole (reference §6), instead of going through the
//! req/res analysis that cannot see inside the library.
//!
//! A library is recognised only by where the default export's callee is imported from (the
//! package name), never by the local name alone. Each library lives in its own file; the list in
//! [`convert`] registers them. A recognised file either converts completely or stays as it is
//! with a `manual/<code>` diagnostic saying what to change.

mod apollo;
mod auth0;
mod iron_session;
mod next_auth;
mod next_connect;
mod trpc;
mod yoga;

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{
    CallExpr, Decl, Expr, ImportSpecifier, MemberExpr, MemberProp, ModuleDecl, ModuleItem,
    ObjectLit, ObjectPat, ObjectPatProp, Pat, Stmt, VarDeclKind,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::handler::{find_handler, Handler};
use super::{config, identifier_names, render, Converted, RouteContext};
use crate::ast::{export_name, member_prop, prop_key, strip_parens};
use crate::compat::CompatFn;
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::text::{file_style, Style};

/// Converts `file` when its default export is a known library adapter; `None` leaves it to
/// the general transform.
pub(super) fn convert(
    file: &ParsedFile,
    context: &RouteContext,
) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let export = DefaultExport::find(file)?;
    let input = AdapterInput {
        file,
        context,
        export: &export,
    };
    next_auth::convert(&input)
        .or_else(|| trpc::convert(&input))
        .or_else(|| apollo::convert(&input))
        .or_else(|| yoga::convert(&input))
        .or_else(|| auth0::convert(&input))
        .or_else(|| iron_session::convert(&input))
        .or_else(|| next_connect::convert(&input))
}

pub(super) struct AdapterInput<'a> {
    pub file: &'a ParsedFile,
    pub context: &'a RouteContext<'a>,
    pub export: &'a DefaultExport<'a>,
}

/// What the file exports as default.
pub(super) struct DefaultExport<'a> {
    /// The `export default …` statement.
    pub statement: Range<usize>,
    pub value: ExportedValue<'a>,
}

pub(super) enum ExportedValue<'a> {
    /// `export default factory(…)`; `keyword` is `export default ` before the call.
    Call {
        call: &'a CallExpr,
        keyword: Range<usize>,
    },
    /// `export default handler` naming a top-level `const handler = factory(…)`.
    Declared {
        name: String,
        call: &'a CallExpr,
        /// A type annotation on the variable (`: NextApiHandler`), colon included.
        variable_type: Option<Range<usize>>,
    },
    /// A handler function (`export default async function auth(req, res) { … }`).
    Function(Handler<'a>),
}

impl<'a> DefaultExport<'a> {
    fn find(file: &'a ParsedFile) -> Option<DefaultExport<'a>> {
        for item in &file.module.body {
            let ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(export)) = item else {
                continue;
            };
            let statement = file.range(export.span);
            return match strip_parens(&export.expr) {
                Expr::Call(call) => Some(DefaultExport {
                    statement: statement.clone(),
                    value: ExportedValue::Call {
                        call,
                        keyword: statement.start..file.offset(export.expr.span().lo),
                    },
                }),
                Expr::Ident(ident) => match declared_call(file, &ident.sym) {
                    Some((call, variable_type)) => Some(DefaultExport {
                        statement,
                        value: ExportedValue::Declared {
                            name: ident.sym.to_string(),
                            call,
                            variable_type,
                        },
                    }),
                    None => Self::function(file),
                },
                _ => Self::function(file),
            };
        }
        Self::function(file)
    }

    fn function(file: &'a ParsedFile) -> Option<DefaultExport<'a>> {
        let handler = find_handler(file).ok()?;
        let statement = match &handler.declaration {
            super::handler::Declaration::DefaultExport { item, .. } => item.clone(),
            super::handler::Declaration::Declared { export, .. }
            | super::handler::Declaration::Wrapped { export, .. } => export.clone(),
        };
        Some(DefaultExport {
            statement,
            value: ExportedValue::Function(handler),
        })
    }

    /// The factory call, for the call shapes.
    pub fn call(&self) -> Option<&'a CallExpr> {
        match &self.value {
            ExportedValue::Call { call, .. } | ExportedValue::Declared { call, .. } => Some(call),
            ExportedValue::Function(_) => None,
        }
    }
}

/// `const name = <call>` at the top level, alone in its declaration.
fn declared_call<'a>(
    file: &'a ParsedFile,
    name: &str,
) -> Option<(&'a CallExpr, Option<Range<usize>>)> {
    file.module.body.iter().find_map(|item| {
        let ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) = item else {
            return None;
        };
        if var.kind != VarDeclKind::Const || var.decls.len() != 1 {
            return None;
        }
        let Pat::Ident(binding) = &var.decls[0].name else {
            return None;
        };
        if &*binding.id.sym != name {
            return None;
        }
        let Some(Expr::Call(call)) = var.decls[0].init.as_deref().map(strip_parens) else {
            return None;
        };
        Some((call, binding.type_ann.as_ref().map(|t| file.range(t.span))))
    })
}

/// Where a local name comes from: `import { imported as local } from 'source'`.
#[derive(Debug, Clone)]
pub(super) struct ImportedName {
    pub source: String,
    /// The exported name, `default`, or `*` for a namespace.
    pub imported: String,
}

pub(super) fn import_of(file: &ParsedFile, local: &str) -> Option<ImportedName> {
    file.module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            return None;
        };
        let specifier = import.specifiers.iter().find(|s| s.local().sym == *local)?;
        let imported = match specifier {
            ImportSpecifier::Named(named) => named
                .imported
                .as_ref()
                .map_or_else(|| local.to_string(), export_name),
            ImportSpecifier::Default(_) => "default".to_string(),
            ImportSpecifier::Namespace(_) => "*".to_string(),
        };
        Some(ImportedName {
            source: import.src.value.as_str().unwrap_or_default().to_string(),
            imported,
        })
    })
}

/// The package export a call calls: `factory(…)` with `factory` imported, or `ns.factory(…)`
/// with `ns` a namespace import. `(source, exported name)`.
pub(super) fn callee_import(file: &ParsedFile, call: &CallExpr) -> Option<(String, String)> {
    match strip_parens(crate::ast::callee_expr(call)?) {
        Expr::Ident(ident) => {
            let import = import_of(file, &ident.sym)?;
            Some((import.source, import.imported))
        }
        Expr::Member(member) => {
            let Expr::Ident(object) = strip_parens(&member.obj) else {
                return None;
            };
            let MemberProp::Ident(prop) = &member.prop else {
                return None;
            };
            let import = import_of(file, &object.sym)?;
            (import.imported == "*").then(|| (import.source, prop.sym.to_string()))
        }
        _ => None,
    }
}

/// Whether `call` calls the export `name` of one of the packages `sources`.
pub(super) fn calls_export(
    file: &ParsedFile,
    call: &CallExpr,
    sources: &[&str],
    name: &str,
) -> bool {
    callee_import(file, call)
        .is_some_and(|(source, imported)| sources.contains(&source.as_str()) && imported == name)
}

/// The lowest version a package.json range allows, as far as it can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DeclaredVersion {
    /// The range's lowest version (`^4.24.7` → 4.24.7).
    AtLeast(u64, u64, u64),
    /// `latest`, `*`, `x`: whatever is newest.
    Newest,
    /// Not named, or a git/file/workspace reference.
    Unknown,
}

pub(super) fn declared_version(context: &RouteContext, package: &str) -> DeclaredVersion {
    match (context.dependency)(package) {
        Some(range) => parse_range(&range),
        None => DeclaredVersion::Unknown,
    }
}

fn parse_range(range: &str) -> DeclaredVersion {
    let first = range.split("||").next().unwrap_or_default().trim();
    if matches!(first, "latest" | "*" | "x" | "") {
        return DeclaredVersion::Newest;
    }
    let version = first.trim_start_matches(['^', '~', '>', '=', 'v', ' ']);
    let mut parts = version
        .split(['.', '-', ' ', '+'])
        .map(|p| p.parse::<u64>().ok());
    match (parts.next().flatten(), parts.next(), parts.next()) {
        (Some(major), minor, patch) => DeclaredVersion::AtLeast(
            major,
            minor.flatten().unwrap_or(0),
            patch.flatten().unwrap_or(0),
        ),
        _ => DeclaredVersion::Unknown,
    }
}

/// The methods the libraries' handlers answer (Apollo, Auth0, next-auth, tRPC).
pub(super) const GET_AND_POST: [&str; 2] = ["GET", "POST"];

/// The export most adapters make: the library's handler bound to `handler`, exported for GET
/// and POST.
pub(super) const HANDLER_FOR_GET_AND_POST: ExportForm<'static> = ExportForm {
    base_name: "handler",
    field: None,
    methods: &GET_AND_POST,
};

/// How a converted adapter is exported: `const <binding> = <call>` and
/// `export { <local> as GET, … }`.
pub(super) struct ExportForm<'s> {
    /// The name bound to the call when the file had none of its own.
    pub base_name: &'s str,
    /// `Some("handleRequest")`: the export is a field of the call's result, destructured.
    pub field: Option<&'s str>,
    pub methods: &'s [&'static str],
}

/// The edits that turn the default-exported call into a named const exported for `methods`.
/// Text between is untouched, so the call and its comments stay as written.
pub(super) fn export_call(
    input: &AdapterInput,
    form: &ExportForm,
    taken: &mut HashSet<String>,
    style: &Style,
) -> Vec<Edit> {
    let semi = style.semi();
    let list = |local: &str| {
        let aliases: Vec<String> = form
            .methods
            .iter()
            .map(|m| format!("{local} as {m}"))
            .collect();
        format!("export {{ {} }}{semi}", aliases.join(", "))
    };
    let export = input.export;
    match &export.value {
        ExportedValue::Call { keyword, .. } => {
            let (binding, local) = match form.field {
                Some(field) => {
                    let local = super::fresh_name(taken, field);
                    let binding = if local == field {
                        format!("{{ {field} }}")
                    } else {
                        format!("{{ {field}: {local} }}")
                    };
                    (binding, local)
                }
                None => {
                    let local = super::fresh_name(taken, form.base_name);
                    (local.clone(), local)
                }
            };
            vec![
                Edit::replace(keyword.clone(), format!("const {binding} = ")),
                Edit::insert(
                    line_end_after(input.file, export.statement.end),
                    format!("{}{}", style.newline, list(&local)),
                ),
            ]
        }
        ExportedValue::Declared {
            name,
            variable_type,
            ..
        } => {
            let mut edits = Vec::new();
            if let Some(annotation) = variable_type {
                edits.push(Edit::delete(annotation.clone()));
            }
            let replacement = match form.field {
                Some(field) => {
                    let local = super::fresh_name(taken, field);
                    let binding = if local == field {
                        format!("{{ {field} }}")
                    } else {
                        format!("{{ {field}: {local} }}")
                    };
                    format!(
                        "const {binding} = {name}{semi}{}{}",
                        style.newline,
                        list(&local)
                    )
                }
                None => list(name),
            };
            edits.push(Edit::replace(export.statement.clone(), replacement));
            edits
        }
        ExportedValue::Function(_) => Vec::new(),
    }
}

/// Where the line of `offset` ends, when only whitespace or a line comment follows it there
/// (a comment trailing the statement stays with it); `offset` otherwise.
pub(super) fn line_end_after(file: &ParsedFile, offset: usize) -> usize {
    let rest = &file.text[offset..];
    let line = &rest[..rest.find(['\r', '\n']).unwrap_or(rest.len())];
    let trimmed = line.trim();
    if trimmed.is_empty() || (trimmed.starts_with("//") && !line.contains("*/")) {
        offset + line.len()
    } else {
        offset
    }
}

/// An adapter's own rewrite, which [`finish`] completes into a route file.
pub(super) struct AdapterRewrite {
    pub edits: Vec<Edit>,
    pub methods: Vec<&'static str>,
    pub notes: Vec<Diagnostic>,
    /// The output names `NextRequest` (TypeScript only).
    pub request_type: bool,
}

/// Completes an adapter's rewrite like every route: `export const config` becomes segment
/// config, other exports lose `export`, relative imports follow the move, unused Pages types
/// go, and the result must parse.
/// [`finish`] for an adapter whose change is `edits` plus exporting the factory call as `form`
/// says (`taken`: the names in use, the adapter's own new ones included).
pub(super) fn finish_exported(
    input: &AdapterInput,
    mut edits: Vec<Edit>,
    form: &ExportForm,
    taken: &mut HashSet<String>,
    notes: Vec<Diagnostic>,
) -> Result<Converted, Vec<Diagnostic>> {
    let style = file_style(input.file);
    edits.extend(export_call(input, form, taken, &style));
    finish(
        input,
        AdapterRewrite {
            edits,
            methods: form.methods.to_vec(),
            notes,
            request_type: false,
        },
    )
}

pub(super) fn finish(
    input: &AdapterInput,
    rewrite: AdapterRewrite,
) -> Result<Converted, Vec<Diagnostic>> {
    finish_with_compat(input, rewrite, BTreeSet::new(), false)
}

/// [`finish`] for a rewrite that calls the compat module's `compat` functions; `reads_body`:
/// the rewrite reads the body with `readPagesBody`, which keeps the configured size limit.
pub(super) fn finish_with_compat(
    input: &AdapterInput,
    rewrite: AdapterRewrite,
    compat: BTreeSet<CompatFn>,
    reads_body: bool,
) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    let context = input.context;
    let style = file_style(file);
    let config = config::analyze(file);
    let handler_ranges = [input.export.statement.clone()];
    let other_exports = super::exports::analyze(file, &handler_ranges);
    let mut problems = config.problems.clone();
    problems.extend(other_exports.problems.iter().cloned());
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut notes = rewrite.notes;
    notes.extend(config.notes.iter().cloned());
    notes.extend(other_exports.notes.iter().cloned());
    if let Some(size_limit) = config.size_limit.as_ref().filter(|_| !reads_body) {
        notes.push(
            Diagnostic::note(
                "note/body-size-limit",
                format!("`sizeLimit: {size_limit}` is dropped: route handlers impose no body size limit"),
            )
            .with_help("check `content-length` and answer 413 yourself if the limit mattered"),
        );
    }
    let mut edits = rewrite.edits;
    edits.extend(other_exports.edits.iter().cloned());
    edits.extend(config.replacement(&style));
    let route_references = render::relative_import_edits(file, context, &mut edits);
    let typescript = file.language.is_typescript();
    render::import_edits(
        file,
        context,
        typescript && rewrite.request_type,
        &compat,
        &style,
        &mut edits,
    );
    let rehomed = render::rehome_comments(file, &edits, &style);
    edits.extend(rehomed);
    let (text, unchecked) = render::route_text(file, &edits, context, None)?;
    Ok(Converted {
        text,
        compat,
        methods: super::dispatch::ordered(rewrite.methods),
        notes,
        route_references,
        helpers: Vec::new(),
        unchecked,
    })
}

/// Every identifier of the file, for fresh names.
pub(super) fn taken_names(file: &ParsedFile) -> HashSet<String> {
    identifier_names(file)
}

/// The object literal argument at `index`, if it is one.
pub(super) fn object_arg(call: &CallExpr, index: usize) -> Option<&ObjectLit> {
    match call.args.get(index) {
        Some(arg) if arg.spread.is_none() => match crate::ast::unwrap_expr(&arg.expr) {
            Expr::Object(object) => Some(object),
            _ => None,
        },
        _ => None,
    }
}

/// The `(key, property)` pairs of an object literal; `None` when it spreads or computes a key.
pub(super) fn object_props(object: &ObjectLit) -> Option<Vec<(String, &swc_ecma_ast::Prop)>> {
    use swc_ecma_ast::{Prop, PropOrSpread};
    object
        .props
        .iter()
        .map(|prop| match prop {
            PropOrSpread::Prop(prop) => {
                let key = match &**prop {
                    Prop::Shorthand(ident) => Some(ident.sym.to_string()),
                    Prop::KeyValue(kv) => crate::ast::prop_key(&kv.key).map(str::to_string),
                    Prop::Method(m) => crate::ast::prop_key(&m.key).map(str::to_string),
                    _ => None,
                }?;
                Some((key, &**prop))
            }
            PropOrSpread::Spread(_) => None,
        })
        .collect()
}

/// Text to add a property at the start of an object literal, in its layout: on a line of its
/// own when the object spans lines.
pub(super) fn leading_property(
    file: &ParsedFile,
    object: &ObjectLit,
    property: &str,
) -> Option<Edit> {
    let first = object.props.first()?;
    let at = file.offset(first.span().lo);
    let open = file.offset(object.span.lo) + 1;
    let gap = &file.text[open..at];
    if gap.contains('\n') {
        let indent = crate::text::indentation_at(&file.text, at);
        let newline = if gap.contains("\r\n") { "\r\n" } else { "\n" };
        Some(Edit::insert(at, format!("{property},{newline}{indent}")))
    } else {
        Some(Edit::insert(at, format!("{property}, ")))
    }
}

/// Text to add a property at the end of an object literal, in its layout (trailing comma and
/// own line kept).
pub(super) fn trailing_property(
    file: &ParsedFile,
    object: &ObjectLit,
    property: &str,
) -> Option<Edit> {
    let last = object.props.last()?;
    let last_end = file.offset(last.span().hi);
    let close = file.offset(object.span.hi) - 1;
    let between = &file.text[last_end..close];
    let trailing_comma = between.trim_start().starts_with(',');
    let multiline = between.contains('\n');
    if multiline {
        let indent = crate::text::indentation_at(&file.text, file.offset(last.span().lo));
        let newline = if between.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        if trailing_comma {
            let comma = last_end + between.find(',').unwrap_or(0) + 1;
            Some(Edit::insert(comma, format!("{newline}{indent}{property},")))
        } else {
            Some(Edit::insert(
                last_end,
                format!(",{newline}{indent}{property}"),
            ))
        }
    } else if trailing_comma {
        let comma = last_end + between.find(',').unwrap_or(0) + 1;
        Some(Edit::insert(comma, format!(" {property},")))
    } else {
        Some(Edit::insert(last_end, format!(", {property}")))
    }
}

/// The range that removes one property with its comma (and its line, when alone on it).
pub(super) fn property_removal(file: &ParsedFile, range: Range<usize>) -> Range<usize> {
    let text = &file.text;
    let after = &text[range.end..];
    let comma = after.trim_start_matches([' ', '\t']).starts_with(',');
    let end = if comma {
        range.end + after.find(',').unwrap_or(0) + 1
    } else {
        range.end
    };
    let lines = crate::text::whole_lines(text, range.start..end);
    if lines != (range.start..end) {
        return lines;
    }
    crate::imports::specifier_removal(text, range)
}

/// Whether the name `name` is referred to anywhere inside `node` (shadowing aside).
pub(super) fn mentions<N: swc_ecma_visit::VisitWith<Mentions>>(node: &N, name: &str) -> bool {
    let mut finder = Mentions {
        name: name.to_string(),
        found: false,
    };
    node.visit_with(&mut finder);
    finder.found
}

pub(super) struct Mentions {
    name: String,
    found: bool,
}

impl swc_ecma_visit::Visit for Mentions {
    fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
        if *ident.sym == *self.name {
            self.found = true;
        }
    }
}

/// Where an option reads the Next.js adapter's request or response: `({ req })` or `opts.req`.
pub(super) fn node_request_read<N: VisitWith<NodeReads>>(node: &N) -> Option<swc_common::Span> {
    let mut reads = NodeReads(None);
    node.visit_with(&mut reads);
    reads.0
}

pub(super) struct NodeReads(Option<swc_common::Span>);

impl Visit for NodeReads {
    fn visit_object_pat(&mut self, pat: &ObjectPat) {
        for prop in &pat.props {
            let key = match prop {
                ObjectPatProp::KeyValue(kv) => prop_key(&kv.key).map(str::to_string),
                ObjectPatProp::Assign(a) => Some(a.key.sym.to_string()),
                ObjectPatProp::Rest(_) => None,
            };
            if matches!(key.as_deref(), Some("req" | "res")) && self.0.is_none() {
                self.0 = Some(prop.span());
            }
        }
        pat.visit_children_with(self);
    }
    fn visit_member_expr(&mut self, member: &MemberExpr) {
        if matches!(member_prop(&member.prop), Some("req" | "res")) && self.0.is_none() {
            self.0 = Some(member.span);
        }
        member.visit_children_with(self);
    }
}

#[cfg(test)]
mod tests;

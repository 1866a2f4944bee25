//! Named value imports the rewrites need (`after` from `next/server`, `revalidatePath` from
//! `next/cache`, `draftMode` and `cookies` from `next/headers`, `Readable` from `node:stream`).
//!
//! A name the file already imports from that module (or from `stream` for `node:stream`) is
//! used as it is; a name joins an existing plain named import of the module; otherwise a new
//! import line goes after the last import. A name the file binds to something else is a clash
//! the caller reports.

use std::collections::BTreeSet;

use swc_common::Spanned;
use swc_ecma_ast::{ImportSpecifier, ModuleDecl, ModuleItem};

use crate::ast::export_name;
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::text::Style;

/// Modules that are the same module under another specifier.
fn same_module(wanted: &str, written: &str) -> bool {
    wanted == written || (wanted == "node:stream" && written == "stream")
}

/// [`edits`], or `manual/name-clash` when the file binds one of the names otherwise.
pub fn checked_edits(
    file: &ParsedFile,
    wanted: &BTreeSet<(&'static str, &'static str)>,
    style: &Style,
) -> Result<Vec<crate::edit::Edit>, Vec<crate::diagnostic::Diagnostic>> {
    let clashes = clashes(file, wanted);
    if !clashes.is_empty() {
        return Err(vec![crate::diagnostic::Diagnostic::manual(
            "manual/name-clash",
            format!(
                "the conversion needs to import `{}`, a name this file already uses for something else",
                clashes.join("`, `")
            ),
        )
        .with_help("rename the file's own binding, then run routeshift again")
        .at(file.location(0))]);
    }
    Ok(edits(file, wanted, style))
}

/// The names of `wanted` that the file binds otherwise than by importing them from their module.
fn clashes(
    file: &ParsedFile,
    wanted: &BTreeSet<(&'static str, &'static str)>,
) -> Vec<&'static str> {
    let names = file.identifier_counts();
    wanted
        .iter()
        .filter(|(module, name)| names.contains_key(*name) && !imported(file, module, name))
        .map(|(_, name)| *name)
        .collect()
}

fn imported(file: &ParsedFile, module: &str, name: &str) -> bool {
    file.module.body.iter().any(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
            !import.type_only
                && same_module(module, import.src.value.as_str().unwrap_or_default())
                && import.specifiers.iter().any(|s| match s {
                    ImportSpecifier::Named(named) => {
                        let imported = named
                            .imported
                            .as_ref()
                            .map(export_name)
                            .unwrap_or_else(|| named.local.sym.to_string());
                        !named.is_type_only && imported == name && &*named.local.sym == name
                    }
                    _ => false,
                })
        }
        _ => false,
    })
}

/// The edits that import every name of `wanted` not imported yet.
pub fn edits(
    file: &ParsedFile,
    wanted: &BTreeSet<(&'static str, &'static str)>,
    style: &Style,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut new_lines: Vec<(&str, Vec<&str>)> = Vec::new();
    for (module, name) in wanted {
        if imported(file, module, name) {
            continue;
        }
        // Join a plain `import { a } from 'module'`.
        let joinable = file.module.body.iter().find_map(|item| match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(import))
                if !import.type_only
                    && import.src.value.as_str() == Some(module)
                    && !import.specifiers.is_empty()
                    && import
                        .specifiers
                        .iter()
                        .all(|s| matches!(s, ImportSpecifier::Named(_))) =>
            {
                import.specifiers.last().map(|s| file.offset(s.span().hi))
            }
            _ => None,
        });
        match joinable {
            Some(at) => edits.push(Edit::insert(at, format!(", {name}"))),
            None => match new_lines.iter_mut().find(|(m, _)| m == module) {
                Some((_, names)) => names.push(name),
                None => new_lines.push((module, vec![name])),
            },
        }
    }
    if new_lines.is_empty() {
        return edits;
    }
    let lines: Vec<String> = new_lines
        .iter()
        .map(|(module, names)| {
            format!(
                "import {{ {} }} from {}{}",
                names.join(", "),
                style.quoted(module),
                style.semi()
            )
        })
        .collect();
    edits.extend(crate::imports::insert_import_lines(
        &file.text,
        crate::imports::last_import_end(file),
        &lines,
        style,
    ));
    edits
}

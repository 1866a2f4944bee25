//! The route file's other exports. `route.ts` may export only HTTP methods and route segment
//! config (Next.js 15 fails the type check on anything else; reference §1). Values exported
//! from a Pages route that nothing imports keep their declaration and lose the `export`; type
//! exports stay; re-exports make the route manual work, as do values some other file imports
//! (the planner reports those, with the importer).

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{Decl, ExportSpecifier, ModuleDecl, ModuleItem, Pat};

use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;

/// Segment config names a route handler may export.
const SEGMENT_CONFIG: [&str; 7] = [
    "dynamic",
    "dynamicParams",
    "revalidate",
    "fetchCache",
    "runtime",
    "preferredRegion",
    "maxDuration",
];

pub struct OtherExports {
    pub edits: Vec<Edit>,
    pub notes: Vec<Diagnostic>,
    pub problems: Vec<Diagnostic>,
}

/// `handler` is the range of the handler's own declaration and export, left to the caller.
pub fn analyze(file: &ParsedFile, handler: &[Range<usize>]) -> OtherExports {
    let mut result = OtherExports {
        edits: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
    };
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(decl) = item else {
            continue;
        };
        let range = file.range(decl.span());
        if handler
            .iter()
            .any(|h| h.start <= range.start && range.end <= h.end)
        {
            continue;
        }
        match decl {
            ModuleDecl::ExportDecl(export) => {
                let names: Vec<String> = match &export.decl {
                    Decl::Fn(f) => vec![f.ident.sym.to_string()],
                    Decl::Class(c) => vec![c.ident.sym.to_string()],
                    Decl::Var(var) => var
                        .decls
                        .iter()
                        .flat_map(|d| {
                            let mut names = Vec::new();
                            crate::imports::collect_binding_names(&d.name, &mut names);
                            names
                        })
                        .collect(),
                    Decl::TsEnum(e) if !e.declare => vec![e.id.sym.to_string()],
                    // Types and interfaces are not runtime exports.
                    _ => continue,
                };
                if names.iter().all(|n| n == "config") {
                    continue;
                }
                if let Decl::Var(var) = &export.decl {
                    if var.decls.len() == 1 && matches!(&var.decls[0].name, Pat::Ident(id) if SEGMENT_CONFIG.contains(&&*id.id.sym)) {
                        let name = names[0].as_str();
                        let value = var.decls[0].init.as_deref().map(|i| file.slice(i.span()).trim_matches(['\'', '"']).to_string());
                        if name == "runtime" && value.as_deref() != Some("nodejs") {
                            result.problems.push(
                                Diagnostic::manual("manual/edge-runtime", "the route runs on the Edge Runtime")
                                    .with_help("edge API routes already take a `Request`; move this file to a route handler by hand (the Edge Runtime is deprecated in Next.js 16.4)")
                                    .at(file.location_of(export.span)),
                            );
                        }
                        continue;
                    }
                }
                let keyword_end = file.offset(export.decl.span().lo);
                result.edits.push(Edit::delete(range.start..keyword_end));
                result.notes.push(
                    Diagnostic::note(
                        "note/export-removed",
                        format!("`{}` is no longer exported: route.ts may only export HTTP methods and segment config", names.join("`, `")),
                    )
                    .at(file.location_of(export.span)),
                );
            }
            ModuleDecl::ExportNamed(named) if named.src.is_none() => {
                let all_types = named.type_only
                    || named.specifiers.iter().all(|s| matches!(s, ExportSpecifier::Named(n) if n.is_type_only));
                if !all_types {
                    result.problems.push(
                        Diagnostic::manual("manual/route-extra-exports", format!("`{}` exports values besides the handler", file.slice(named.span)))
                            .with_help("route.ts may only export HTTP methods and segment config: move these values to a module outside pages/api")
                            .at(file.location_of(named.span)),
                    );
                }
            }
            ModuleDecl::ExportNamed(_) | ModuleDecl::ExportAll(_) => result.problems.push(
                Diagnostic::manual("manual/route-reexports", format!("`{}` re-exports another module from the route file", file.slice(decl.span())))
                    .with_help("route.ts may only export HTTP methods and segment config: re-export from another module")
                    .at(file.location_of(decl.span())),
            ),
            _ => {}
        }
    }
    result
}

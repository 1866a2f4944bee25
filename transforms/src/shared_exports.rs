//! Values a route file exports for other modules, moved to a module of their own.
//!
//! `route.ts` may export only methods and segment config (reference §1), so a Pages route that
//! other files import values from (`authOptions` from `pages/api/auth/[...nextauth].ts`) cannot
//! move as it is. Its shared values go to a neutral module (`lib/auth/options.ts`) with the
//! top-level declarations and imports they need; the route imports back what it still uses, and
//! the planner points every importer at the new module. After that the route converts like any
//! other.
//!
//! Refused (the route stays, `manual/route-imported`) when a shared name is not an exported
//! top-level declaration (`export { a }`, a re-export), or when a shared value needs the handler
//! itself.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{ImportSpecifier, ModuleDecl, ModuleItem, Stmt};
use swc_ecma_visit::{Visit, VisitWith};

use crate::edit::Edit;
use crate::imports;
use crate::parse::ParsedFile;
use crate::text::statement_lines;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedExportsMove {
    /// The new module's text.
    pub module_text: String,
    /// The edits to the route file: the moved declarations go, an import of what it still uses
    /// from the new module comes, and imports only the moved code used go.
    pub route_edits: Vec<Edit>,
}

struct TopDeclaration {
    names: Vec<String>,
    /// The whole item, `export` included.
    range: Range<usize>,
    exported: bool,
    references: HashSet<String>,
    is_handler: bool,
}

struct Names(HashSet<String>);

impl Visit for Names {
    fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
        self.0.insert(ident.sym.to_string());
    }
}

fn top_declarations(file: &ParsedFile) -> Vec<TopDeclaration> {
    let mut found = Vec::new();
    for item in &file.module.body {
        let (decl, exported, range) = match item {
            // A declaration moves with the comments right above it.
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => {
                (&export.decl, true, with_leading_comments(file, export.span))
            }
            ModuleItem::Stmt(Stmt::Decl(decl)) => {
                (decl, false, with_leading_comments(file, decl.span()))
            }
            ModuleItem::ModuleDecl(
                ModuleDecl::ExportDefaultDecl(_) | ModuleDecl::ExportDefaultExpr(_),
            ) => {
                let mut references = Names(HashSet::new());
                item.visit_with(&mut references);
                let mut names = vec!["default".to_string()];
                if let ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(export)) = item {
                    if let swc_ecma_ast::DefaultDecl::Fn(f) = &export.decl {
                        names.extend(f.ident.as_ref().map(|i| i.sym.to_string()));
                    }
                }
                found.push(TopDeclaration {
                    names,
                    range: file.range(item.span()),
                    exported: true,
                    references: references.0,
                    is_handler: true,
                });
                continue;
            }
            _ => continue,
        };
        let mut references = Names(HashSet::new());
        decl.visit_with(&mut references);
        found.push(TopDeclaration {
            names: imports::declared_names(decl),
            range,
            exported,
            references: references.0,
            is_handler: false,
        });
    }
    found
}

/// `span`'s range, from the first of the comments that sit right above it on lines of their own
/// (no blank line between).
fn with_leading_comments(file: &ParsedFile, span: swc_common::Span) -> Range<usize> {
    let range = file.range(span);
    let Some(comments) = file.comments.get_leading(span.lo) else {
        return range;
    };
    let mut start = range.start;
    for comment in comments.iter().rev() {
        let comment_range = file.range(comment.span);
        let Some(between) = file.text.get(comment_range.end..start) else {
            break;
        };
        if !between.trim().is_empty() || between.matches('\n').count() > 1 {
            break;
        }
        let line_start = crate::text::line_start(&file.text, comment_range.start);
        if !file.text[line_start..comment_range.start].trim().is_empty() {
            break;
        }
        start = comment_range.start;
    }
    start..range.end
}

/// How many times each name occurs inside and outside `moved`.
fn occurrences(file: &ParsedFile, moved: &[Range<usize>]) -> HashMap<String, (usize, usize)> {
    struct Count<'f> {
        file: &'f ParsedFile,
        moved: &'f [Range<usize>],
        counts: HashMap<String, (usize, usize)>,
    }
    impl Visit for Count<'_> {
        // An import's own binding is not a use.
        fn visit_import_decl(&mut self, _: &swc_ecma_ast::ImportDecl) {}

        fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
            let at = self.file.offset(ident.span.lo);
            let entry = self.counts.entry(ident.sym.to_string()).or_default();
            if self.moved.iter().any(|r| r.contains(&at)) {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
    }
    let mut count = Count {
        file,
        moved,
        counts: HashMap::new(),
    };
    file.module.visit_with(&mut count);
    count.counts
}

/// Moves the exported declarations `names` of `route` (at project path `route_path`) to a new
/// module at `module_path`, or says why not.
pub fn move_exports(
    route: &ParsedFile,
    names: &[String],
    route_path: &str,
    module_path: &str,
) -> Result<SharedExportsMove, String> {
    let declarations = top_declarations(route);
    let declaring = |name: &str| {
        declarations
            .iter()
            .position(|d| d.names.iter().any(|n| n == name))
    };
    // The shared declarations and everything they need, transitively.
    let mut moving: BTreeSet<usize> = BTreeSet::new();
    let mut queue: Vec<usize> = Vec::new();
    for name in names {
        match declaring(name) {
            Some(i) if declarations[i].exported && !declarations[i].is_handler => queue.push(i),
            _ => {
                return Err(format!(
                    "`{name}` is not an exported declaration of its own"
                ))
            }
        }
    }
    while let Some(i) = queue.pop() {
        if !moving.insert(i) {
            continue;
        }
        if declarations[i].is_handler {
            return Err("the shared values need the handler itself".into());
        }
        for reference in &declarations[i].references {
            if let Some(j) = declaring(reference) {
                if j != i && !moving.contains(&j) {
                    queue.push(j);
                }
            }
        }
    }
    let moved_ranges: Vec<Range<usize>> = moving
        .iter()
        .map(|&i| declarations[i].range.clone())
        .collect();
    let counts = occurrences(route, &moved_ranges);
    let used_outside = |name: &str| counts.get(name).is_some_and(|(_, outside)| *outside > 0);
    let used_inside = |name: &str| counts.get(name).is_some_and(|(inside, _)| *inside > 0);
    let style = crate::text::file_style(route);

    // The route imports back what it still uses.
    let mut back: Vec<String> = Vec::new();
    for &i in &moving {
        for name in &declarations[i].names {
            if used_outside(name) {
                back.push(name.clone());
            }
        }
    }

    // The new module: the imports the moved code uses, then the declarations in order.
    let route_dir = imports::parent(route_path);
    let module_dir = imports::parent(module_path);
    let mut module_lines: Vec<String> = Vec::new();
    let mut route_edits: Vec<Edit> = Vec::new();
    for item in &route.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        let local = |s: &ImportSpecifier| match s {
            ImportSpecifier::Named(n) => n.local.sym.to_string(),
            ImportSpecifier::Default(d) => d.local.sym.to_string(),
            ImportSpecifier::Namespace(n) => n.local.sym.to_string(),
        };
        let needed: Vec<&ImportSpecifier> = import
            .specifiers
            .iter()
            .filter(|s| used_inside(&local(s)))
            .collect();
        if needed.is_empty() {
            continue;
        }
        let source = crate::ast::str_text(&import.src);
        let specifier = if imports::is_relative(source) {
            imports::moved_specifier(source, route_dir, module_dir)
        } else {
            source.to_string()
        };
        let mut default = None;
        let mut namespace = None;
        let mut named = Vec::new();
        for s in &needed {
            match s {
                ImportSpecifier::Default(d) => default = Some(d.local.sym.to_string()),
                ImportSpecifier::Namespace(n) => namespace = Some(n.local.sym.to_string()),
                ImportSpecifier::Named(n) => named.push(route.slice(n.span).to_string()),
            }
        }
        module_lines.push(imports::import_line(
            import.type_only,
            default.as_deref(),
            namespace.as_deref(),
            &named,
            &specifier,
            &style,
        ));
        // Specifiers only the moved code used leave the route.
        let gone: Vec<&ImportSpecifier> = needed
            .into_iter()
            .filter(|s| !used_outside(&local(s)))
            .collect();
        if gone.len() == import.specifiers.len() {
            route_edits.push(Edit::delete(statement_lines(
                &route.text,
                route.range(import.span),
            )));
        } else if let Some(group) = whole_named_group(&route.text, route, import, &gone) {
            // `import NextAuth, { type Options } from …` keeps `import NextAuth from …`.
            route_edits.push(Edit::delete(group));
        } else {
            for s in gone {
                route_edits.push(Edit::delete(imports::specifier_removal(
                    &route.text,
                    route.range(s.span()),
                )));
            }
        }
    }
    let mut module_text = String::new();
    for line in &module_lines {
        module_text.push_str(line);
        module_text.push_str(style.newline);
    }
    for &i in &moving {
        let declaration = &declarations[i];
        let text = &route.text[declaration.range.clone()];
        if !module_text.is_empty() {
            module_text.push_str(style.newline);
        }
        // A dependency the route imports back must be exported.
        let export = !declaration.exported && declaration.names.iter().any(|n| back.contains(n));
        if export {
            module_text.push_str("export ");
        }
        module_text.push_str(text);
        module_text.push_str(style.newline);
        route_edits.push(Edit::delete(statement_lines(
            &route.text,
            declaration.range.clone(),
        )));
    }
    if !back.is_empty() {
        let specifier = imports::relative_specifier(
            route_dir,
            module_path
                .rsplit_once('.')
                .map_or(module_path, |(stem, _)| stem),
        );
        let line = imports::import_line(false, None, None, &back, &specifier, &style);
        // After the last import that stays: inserting at the end of one that goes would
        // overlap its deletion.
        let deleted = |range: Range<usize>| {
            route_edits.iter().any(|e| {
                e.replacement.is_empty() && e.range.start <= range.start && range.end <= e.range.end
            })
        };
        let imports: Vec<Range<usize>> = route
            .module
            .body
            .iter()
            .filter_map(|item| match item {
                ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
                    Some(route.range(import.span))
                }
                _ => None,
            })
            .collect();
        let kept_end = imports
            .iter()
            .rev()
            .find(|r| !deleted((*r).clone()))
            .map(|r| r.end);
        let edit = match (kept_end, imports.first()) {
            (None, Some(first)) => Some(Edit::insert(
                first.start,
                format!("{line}{}", style.newline),
            )),
            _ => imports::insert_import_lines(&route.text, kept_end, &[line], &style),
        };
        route_edits.extend(edit);
    }
    Ok(SharedExportsMove {
        module_text,
        route_edits,
    })
}

/// Where the shared values of a route go: `<lib>/auth/options` for next-auth's catch-all route,
/// `<lib>/api/<route path>` otherwise (brackets and dots of dynamic segments dropped). Without
/// extension.
pub fn module_stem(lib_dir: &str, route_relative: &str) -> String {
    let segments: Vec<String> = route_relative
        .split('/')
        .map(|s| {
            s.trim_start_matches('[')
                .trim_end_matches(']')
                .trim_start_matches("...")
                .to_string()
        })
        .collect();
    if segments == ["auth", "nextauth"] {
        return format!("{lib_dir}/auth/options");
    }
    format!("{lib_dir}/api/{}", segments.join("/"))
}

/// When `gone` holds every `{ … }` specifier of an import that keeps its default or namespace
/// one: the range from the end of the kept specifier to the closing brace.
fn whole_named_group(
    text: &str,
    file: &ParsedFile,
    import: &swc_ecma_ast::ImportDecl,
    gone: &[&ImportSpecifier],
) -> Option<std::ops::Range<usize>> {
    let named: Vec<&ImportSpecifier> = import
        .specifiers
        .iter()
        .filter(|s| matches!(s, ImportSpecifier::Named(_)))
        .collect();
    if named.is_empty() || named.len() != gone.len() {
        return None;
    }
    let kept_end = import
        .specifiers
        .iter()
        .filter(|s| !matches!(s, ImportSpecifier::Named(_)))
        .map(|s| file.range(s.span()).end)
        .max()?;
    let last_named = named.iter().map(|s| file.range(s.span()).end).max()?;
    let close = last_named + text[last_named..].find('}')? + 1;
    (kept_end < last_named).then_some(kept_end..close)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTE: &str = "import NextAuth from 'next-auth'\nimport type { NextAuthOptions } from 'next-auth'\nimport GitHub from 'next-auth/providers/github'\nimport { db } from '../../../lib/db'\n\nconst maxAge = 30 * 24 * 60 * 60\n\nexport const authOptions: NextAuthOptions = {\n  providers: [GitHub({ clientId: '', clientSecret: '' })],\n  session: { strategy: 'jwt', maxAge },\n}\n\nexport default async function handler(req: any, res: any) {\n  await db.log(maxAge)\n  return NextAuth(req, res, authOptions)\n}\n";

    #[test]
    fn shared_values_move_with_what_they_need_and_the_route_imports_them_back() {
        let file = ParsedFile::parse("pages/api/auth/[...nextauth].ts", ROUTE).unwrap();
        let moved = move_exports(
            &file,
            &["authOptions".to_string()],
            "pages/api/auth/[...nextauth].ts",
            "lib/auth/options.ts",
        )
        .unwrap();
        assert_eq!(
            moved.module_text,
            "import type { NextAuthOptions } from 'next-auth'\nimport GitHub from 'next-auth/providers/github'\n\nexport const maxAge = 30 * 24 * 60 * 60\n\nexport const authOptions: NextAuthOptions = {\n  providers: [GitHub({ clientId: '', clientSecret: '' })],\n  session: { strategy: 'jwt', maxAge },\n}\n"
        );
        let route = crate::edit::apply(ROUTE, &moved.route_edits).unwrap();
        assert_eq!(
            route,
            "import NextAuth from 'next-auth'\nimport { db } from '../../../lib/db'\nimport { maxAge, authOptions } from '../../../lib/auth/options'\n\nexport default async function handler(req: any, res: any) {\n  await db.log(maxAge)\n  return NextAuth(req, res, authOptions)\n}\n"
        );
    }

    #[test]
    fn a_value_the_handler_is_needed_for_does_not_move() {
        let source = "export default function handler() {}\nexport const both = { handler }\n";
        let file = ParsedFile::parse("pages/api/x.ts", source).unwrap();
        assert!(move_exports(&file, &["both".into()], "pages/api/x.ts", "lib/api/x.ts").is_err());
    }

    #[test]
    fn neutral_module_paths() {
        assert_eq!(module_stem("lib", "auth/[...nextauth]"), "lib/auth/options");
        assert_eq!(
            module_stem("src/lib", "teams/[id]/members"),
            "src/lib/api/teams/id/members"
        );
    }
}

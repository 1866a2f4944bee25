//! tRPC: `createNextApiHandler({ router, createContext, … })` from
//! `@trpc/server/adapters/next` in `pages/api/trpc/[trpc].ts`.
//!
//! ```text
//! export default createNextApiHandler({ router: appRouter, onError })
//! ```
//! becomes the fetch adapter (reference §6; trpc.io "Next.js adapter", App Router)
//! ```text
//! const handler = (req: Request) => fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, onError })
//! export { handler as GET, handler as POST }
//! ```
//! The fetch adapter calls `createContext` with `{ req: Request, resHeaders, info }` instead of
//! `{ req: NextApiRequest, res }`. A context creator in this file that does not read its
//! options converts (its `CreateNextContextOptions` type becomes `FetchCreateContextFnOptions`);
//! one that reads `req`/`res`, or one imported from another module, leaves the route manual
//! (`manual/trpc-context`) with what to change. `onError`, `batching`, `responseMeta` and the
//! other shared options carry over unless they read the Node request; `maxBodySize` has no
//! fetch equivalent (`note/trpc-max-body-size`); `middleware` runs Connect code and is manual.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{
    ArrowFunctionBody, CallExpr, Decl, Expr, ImportSpecifier, ModuleDecl, ModuleItem, ObjectPat,
    ObjectPatProp, Pat, Prop, Stmt, TsEntityName, TsType, TsTypeRef,
};
use swc_ecma_visit::VisitWith;

use super::{
    calls_export, finish_exported, import_of, leading_property, node_request_read, object_arg,
    object_props, property_removal, taken_names, AdapterInput, HANDLER_FOR_GET_AND_POST,
};
use crate::ast::{prop_key, strip_parens};
use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::parse::ParsedFile;
use crate::route_handler::Converted;
use crate::text::{file_style, statement_lines};

const SOURCE: &str = "@trpc/server/adapters/next";
const FETCH_SOURCE: &str = "@trpc/server/adapters/fetch";
/// Options the fetch adapter takes as they are (`HTTPBaseHandlerOptions`).
const SHARED_OPTIONS: [&str; 7] = [
    "router",
    "onError",
    "responseMeta",
    "batching",
    "allowBatching",
    "allowMethodOverride",
    "maxBatchSize",
];

pub(super) fn convert(input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    let call = input.export.call()?;
    if !calls_export(input.file, call, &[SOURCE], "createNextApiHandler") {
        return None;
    }
    Some(convert_handler(input, call))
}

fn manual(
    file: &ParsedFile,
    code: &str,
    at: swc_common::Span,
    message: String,
    help: &str,
) -> Diagnostic {
    Diagnostic::manual(code, message)
        .with_help(help.to_string())
        .at(file.location_of(at))
}

fn convert_handler(input: &AdapterInput, call: &CallExpr) -> Result<Converted, Vec<Diagnostic>> {
    let file = input.file;
    let route = input.context.route;
    let endpoint = route
        .url
        .strip_suffix("/[trpc]")
        .or_else(|| route.url.strip_suffix("/[...trpc]"))
        .filter(|prefix| !prefix.contains('['));
    let Some(endpoint) = endpoint else {
        return Err(vec![manual(
            file,
            "manual/trpc-route-name",
            call.span,
            format!("tRPC serves `{}`, not a `[trpc]` route under a fixed prefix", route.url),
            "the fetch adapter needs the route's fixed URL prefix as `endpoint` and the procedure path after it: name the file `pages/api/<prefix>/[trpc].ts`, or convert it by hand",
        )]);
    };
    let options_help = "write the options as one object literal (`createNextApiHandler({ router, createContext })`), or convert this route by hand";
    let (Some(options), 1) = (object_arg(call, 0), call.args.len()) else {
        return Err(vec![manual(
            file,
            "manual/trpc-options",
            call.span,
            "the handler's options are not an object literal".into(),
            options_help,
        )]);
    };
    let Some(props) = object_props(options) else {
        return Err(vec![manual(
            file,
            "manual/trpc-options",
            options.span,
            "the handler's options spread another object or compute a key".into(),
            options_help,
        )]);
    };

    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut edits = Vec::new();
    let mut context_type_edits = Vec::new();
    for (key, prop) in &props {
        match key.as_str() {
            "createContext" => match context_check(file, prop) {
                Ok(type_edits) => context_type_edits.extend(type_edits),
                Err(problem) => problems.push(problem),
            },
            "maxBodySize" => {
                edits.push(Edit::delete(property_removal(file, file.range(prop.span()))));
                notes.push(
                    Diagnostic::note(
                        "note/trpc-max-body-size",
                        format!("`{}` is dropped: the fetch adapter reads the whole body without a size limit", file.slice(prop.span())),
                    )
                    .with_help("check `content-length` in the route (or a proxy) and answer 413 yourself if the limit mattered")
                    .at(file.location_of(prop.span())),
                );
            }
            "middleware" => problems.push(manual(
                file,
                "manual/trpc-node-option",
                prop.span(),
                "`middleware` runs Connect middleware on the Node request, which the fetch adapter does not have".into(),
                "do its work in the route before calling `fetchRequestHandler` (CORS: answer OPTIONS and set the headers on the Response), then convert this route by hand",
            )),
            name if SHARED_OPTIONS.contains(&name) => {
                if let Some(at) = node_request_read(*prop) {
                    problems.push(manual(
                        file,
                        "manual/trpc-option-request",
                        at,
                        format!("the `{name}` option reads the request or response of the Next.js adapter"),
                        "with the fetch adapter `req` is a Web `Request` and there is no `res`: rewrite this read (headers with `req.headers.get()`), then convert this route by hand",
                    ));
                }
            }
            other => problems.push(manual(
                file,
                "manual/trpc-options",
                prop.span(),
                format!("`{other}` is not an option routeshift knows the fetch adapter takes"),
                "check whether `fetchRequestHandler` accepts it, then convert this route by hand",
            )),
        }
    }

    // The adapter's imports become one import of the fetch adapter.
    let imports = adapter_imports(file, &context_type_edits).unwrap_or_else(|problem| {
        problems.push(problem);
        Vec::new()
    });
    if !problems.is_empty() {
        return Err(problems);
    }

    let style = file_style(file);
    let mut taken = taken_names(file);
    let request = super::super::fresh_name(&mut taken, "req");
    let typescript = file.language.is_typescript();
    let quoted_endpoint = style.quoted(endpoint);
    edits.extend(leading_property(
        file,
        options,
        &format!("endpoint: {quoted_endpoint}"),
    ));
    edits.extend(leading_property(
        file,
        options,
        &if request == "req" {
            request.clone()
        } else {
            format!("req: {request}")
        },
    ));
    let parameter = if typescript {
        format!("({request}: Request)")
    } else {
        format!("({request})")
    };
    edits.push(Edit::insert(
        file.offset(call.span.lo),
        format!("{parameter} => "),
    ));
    if let Some(callee) = crate::ast::callee_expr(call) {
        edits.push(Edit::replace(
            file.range(callee.span()),
            "fetchRequestHandler",
        ));
    }
    let uses_context_type = !context_type_edits.is_empty();
    for range in &context_type_edits {
        edits.push(Edit::replace(range.clone(), "FetchCreateContextFnOptions"));
    }
    let mut names = vec!["fetchRequestHandler".to_string()];
    if uses_context_type {
        names.push("type FetchCreateContextFnOptions".to_string());
    }
    let line = crate::imports::import_line(false, None, None, &names, FETCH_SOURCE, &style);
    for (i, statement) in imports.iter().enumerate() {
        if i == 0 {
            edits.push(Edit::replace(statement.clone(), line.clone()));
        } else {
            edits.push(Edit::delete(statement_lines(&file.text, statement.clone())));
        }
    }
    finish_exported(input, edits, &HANDLER_FOR_GET_AND_POST, &mut taken, notes)
}

/// The import statements of the Next.js adapter, when everything they bring in is rewritten:
/// `createNextApiHandler` (the callee) and `CreateNextContextOptions` (the context's type).
fn adapter_imports(
    file: &ParsedFile,
    type_edits: &[Range<usize>],
) -> Result<Vec<Range<usize>>, Diagnostic> {
    let counts = file.identifier_counts();
    if counts.contains_key("fetchRequestHandler")
        || counts.contains_key("FetchCreateContextFnOptions")
    {
        return Err(Diagnostic::manual(
            "manual/trpc-import",
            "the file already uses the name `fetchRequestHandler` or `FetchCreateContextFnOptions`",
        )
        .with_help("rename it, or convert this route by hand")
        .at(file.location(0)));
    }
    let mut statements = Vec::new();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(import)) = item else {
            continue;
        };
        if import.src.value.as_str() != Some(SOURCE) {
            continue;
        }
        for specifier in &import.specifiers {
            let local = specifier.local().sym.to_string();
            let uses = counts.get(&local).copied().unwrap_or(0).saturating_sub(1);
            let rewritten = match specifier {
                ImportSpecifier::Named(_) => {
                    match import_of(file, &local).map(|i| i.imported).as_deref() {
                        // The callee.
                        Some("createNextApiHandler") => 1,
                        Some("CreateNextContextOptions") => type_edits.len(),
                        _ => 0,
                    }
                }
                // `ns.createNextApiHandler(…)` and `ns.CreateNextContextOptions`.
                ImportSpecifier::Namespace(_) => 1 + type_edits.len(),
                ImportSpecifier::Default(_) => 0,
            };
            if uses != rewritten {
                return Err(Diagnostic::manual(
                    "manual/trpc-import",
                    format!("`{local}` from `{SOURCE}` is used for more than the handler and its context type"),
                )
                .with_help("the Next.js adapter's exports have no place in a route handler: move that use, or convert this route by hand")
                .at(file.location_of(specifier.span())));
            }
        }
        statements.push(file.range(import.span));
    }
    Ok(statements)
}

/// Whether a `createContext` works with the fetch adapter's options: the edits of its
/// `CreateNextContextOptions` annotations, or why not.
fn context_check(file: &ParsedFile, prop: &Prop) -> Result<Vec<Range<usize>>, Diagnostic> {
    let help_imported = "the fetch adapter calls it with `{ req, resHeaders, info }` where `req` is a Web `Request` and there is no `res`: read headers with `req.headers.get('…')` and cookies from `req.headers.get('cookie')`, set response headers and cookies with `resHeaders.append(…)`, type its options as `FetchCreateContextFnOptions` from '@trpc/server/adapters/fetch', then write `app/api/…/route.ts` by hand as `const handler = (req: Request) => fetchRequestHandler({ endpoint, req, router, createContext }); export { handler as GET, handler as POST }`";
    let at = prop.span();
    let function = match prop {
        Prop::Shorthand(ident) => ContextFunction::Named(ident.sym.to_string()),
        Prop::KeyValue(kv) => match strip_parens(&kv.value) {
            Expr::Ident(ident) => ContextFunction::Named(ident.sym.to_string()),
            Expr::Arrow(arrow) => ContextFunction::Arrow(arrow),
            Expr::Fn(f) => ContextFunction::Function(&f.function),
            _ => {
                return Err(Diagnostic::manual(
                    "manual/trpc-context",
                    format!(
                        "`createContext` is `{}`, not a function routeshift can read",
                        file.slice(kv.value.span())
                    ),
                )
                .with_help(help_imported)
                .at(file.location_of(at)))
            }
        },
        Prop::Method(method) => ContextFunction::Function(&method.function),
        _ => {
            return Err(Diagnostic::manual(
                "manual/trpc-context",
                "`createContext` is not a function routeshift can read",
            )
            .with_help(help_imported)
            .at(file.location_of(at)))
        }
    };
    let function = match function {
        ContextFunction::Named(name) => {
            if let Some(import) = import_of(file, &name) {
                return Err(Diagnostic::manual(
                    "manual/trpc-context",
                    format!(
                        "`createContext` is `{name}` from `{}`, written for the Next.js adapter",
                        import.source
                    ),
                )
                .with_help(help_imported)
                .at(file.location_of(at)));
            }
            match top_level_function(file, &name) {
                Some(function) => function,
                None => return Err(Diagnostic::manual("manual/trpc-context", format!("`createContext` is `{name}`, which is not a top-level function of this file")).with_help(help_imported).at(file.location_of(at))),
            }
        }
        other => other,
    };
    let (params, body): (Vec<&Pat>, &dyn VisitWithMentions) = match &function {
        ContextFunction::Arrow(arrow) => (
            arrow.params.iter().collect(),
            match &*arrow.body {
                ArrowFunctionBody::FunctionBody(block) => block,
                ArrowFunctionBody::Expr(expr) => &**expr,
            },
        ),
        ContextFunction::Function(f) => match &f.body {
            Some(body) => (f.params.iter().map(|p| &p.pat).collect(), body),
            None => {
                return Err(Diagnostic::manual(
                    "manual/trpc-context",
                    "`createContext` has no body",
                )
                .with_help(help_imported)
                .at(file.location_of(at)))
            }
        },
        ContextFunction::Named(_) => {
            return Err(Diagnostic::manual(
                "manual/trpc-context",
                "`createContext` could not be read",
            )
            .with_help(help_imported)
            .at(file.location_of(at)))
        }
    };
    let span = match &function {
        ContextFunction::Arrow(arrow) => arrow.span,
        ContextFunction::Function(f) => f.span,
        ContextFunction::Named(_) => at,
    };
    let Some(param) = params.first() else {
        return Ok(Vec::new());
    };
    let (annotation, reads) = match param {
        Pat::Ident(binding) => (
            binding.type_ann.as_deref(),
            body.mentions_name(&binding.id.sym)
                .then(|| binding.id.sym.to_string()),
        ),
        Pat::Object(ObjectPat {
            props, type_ann, ..
        }) => (
            type_ann.as_deref(),
            (!props.is_empty()).then(|| {
                props
                    .iter()
                    .filter_map(|p| match p {
                        ObjectPatProp::KeyValue(kv) => prop_key(&kv.key).map(str::to_string),
                        ObjectPatProp::Assign(a) => Some(a.key.sym.to_string()),
                        ObjectPatProp::Rest(_) => Some("…".to_string()),
                    })
                    .collect::<Vec<_>>()
                    .join("`, `")
            }),
        ),
        _ => (None, Some(file.slice(param.span()).to_string())),
    };
    let type_ref = annotation.and_then(|a| match &*a.type_ann {
        TsType::TsTypeRef(TsTypeRef {
            type_name, span, ..
        }) => {
            let name = match type_name {
                TsEntityName::Ident(id) => id.sym.to_string(),
                TsEntityName::TsQualifiedName(q) => q.right.sym.to_string(),
            };
            Some((name, file.range(*span)))
        }
        _ => None,
    });
    match (type_ref, reads) {
        // Already written for the fetch adapter.
        (Some((name, _)), _) if name == "FetchCreateContextFnOptions" => Ok(Vec::new()),
        (Some((name, range)), None) if name == "CreateNextContextOptions" => Ok(vec![range]),
        (None, None) => Ok(Vec::new()),
        (Some((name, _)), None) => Err(Diagnostic::manual("manual/trpc-context", format!("`createContext` types its options as `{name}`"))
            .with_help("type them as `FetchCreateContextFnOptions` from '@trpc/server/adapters/fetch', then run routeshift again")
            .at(file.location_of(span))),
        (_, Some(read)) => Err(Diagnostic::manual(
            "manual/trpc-context",
            format!("`createContext` reads `{read}` from the Next.js adapter's options"),
        )
        .with_help(help_imported)
        .at(file.location_of(span))),
    }
}

enum ContextFunction<'a> {
    Named(String),
    Arrow(&'a swc_ecma_ast::ArrowExpr),
    Function(&'a swc_ecma_ast::Function),
}

/// `function name(…) {…}` or `const name = (…) => …` at the top level (exported or not).
fn top_level_function<'a>(file: &'a ParsedFile, name: &str) -> Option<ContextFunction<'a>> {
    file.module.body.iter().find_map(|item| {
        let decl = match item {
            ModuleItem::Stmt(Stmt::Decl(decl)) => decl,
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => &export.decl,
            _ => return None,
        };
        match decl {
            Decl::Fn(f) if *f.ident.sym == *name => Some(ContextFunction::Function(&f.function)),
            Decl::Var(var) => var.decls.iter().find_map(|d| {
                match (&d.name, d.init.as_deref().map(strip_parens)) {
                    (Pat::Ident(b), Some(Expr::Arrow(arrow))) if *b.id.sym == *name => {
                        Some(ContextFunction::Arrow(arrow))
                    }
                    (Pat::Ident(b), Some(Expr::Fn(f))) if *b.id.sym == *name => {
                        Some(ContextFunction::Function(&f.function))
                    }
                    _ => None,
                }
            }),
            _ => None,
        }
    })
}

/// A node that can be searched for a name.
trait VisitWithMentions {
    fn mentions_name(&self, name: &str) -> bool;
}

impl<T: VisitWith<super::Mentions>> VisitWithMentions for T {
    fn mentions_name(&self, name: &str) -> bool {
        super::mentions(self, name)
    }
}

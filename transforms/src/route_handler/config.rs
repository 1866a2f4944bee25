//! `export const config` → route segment config.
//!
//! Route handlers ignore a `config` export (Next 16 warns that it is deprecated and ignored), so
//! it is removed: `maxDuration` becomes `export const maxDuration`, `runtime: 'edge'` (or
//! `'experimental-edge'`, an error in app routes) becomes `export const runtime = 'edge'` and hands
//! the route to `edge.rs` (edge API routes already speak `Request`/`Response`), `regions` becomes
//! `preferredRegion`, and `runtime: 'nodejs'` is dropped (it is the default, and Cache Components rejects it).
//! `api.bodyParser: false` turns raw-body reads into `request.text()`/`arrayBuffer()`;
//! `api.bodyParser.sizeLimit` is kept by passing it to `readPagesBody`; `externalResolver` and
//! `responseLimit` only silenced warnings and go with a note.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::{Decl, Expr, Lit, ModuleDecl, ModuleItem, ObjectLit, Pat, Prop, PropOrSpread};

use crate::ast::{prop_key, unwrap_expr};
use crate::diagnostic::Diagnostic;
use crate::parse::ParsedFile;

#[derive(Debug, Default)]
pub struct ConfigPlan {
    /// The `export const config` statement with its line, removed from the route file.
    pub remove: Option<Range<usize>>,
    /// Segment exports that replace it: `(name, value source)`.
    pub segment_exports: Vec<(String, String)>,
    /// `bodyParser: false`.
    pub raw_body: bool,
    /// `bodyParser.sizeLimit` as written.
    pub size_limit: Option<String>,
    /// `runtime: 'edge'` (or `'experimental-edge'`): the handler already speaks Request/Response
    /// and is converted by `edge.rs`.
    pub edge: bool,
    pub notes: Vec<Diagnostic>,
    pub problems: Vec<Diagnostic>,
}

impl ConfigPlan {
    /// The edit that puts the segment exports where `export const config` was, if it goes.
    pub fn replacement(&self, style: &crate::text::Style) -> Option<crate::edit::Edit> {
        let remove = self.remove.as_ref()?;
        let exports: String = self
            .segment_exports
            .iter()
            .map(|(name, value)| {
                format!(
                    "export const {name} = {value}{}{}",
                    style.semi(),
                    style.newline
                )
            })
            .collect();
        Some(crate::edit::Edit::replace(remove.clone(), exports))
    }
}

pub fn analyze(file: &ParsedFile) -> ConfigPlan {
    let mut plan = ConfigPlan::default();
    for item in &file.module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) = item else {
            continue;
        };
        let Decl::Var(var) = &export.decl else {
            continue;
        };
        for declarator in &var.decls {
            let Pat::Ident(binding) = &declarator.name else {
                continue;
            };
            if &*binding.id.sym != "config" {
                continue;
            }
            let location = file.location_of(export.span);
            if var.decls.len() != 1 {
                plan.problems.push(
                    Diagnostic::manual(
                        "manual/config-shape",
                        "`config` is declared together with other variables",
                    )
                    .with_help("declare `export const config = { … }` on its own")
                    .at(location),
                );
                return plan;
            }
            let Some(Expr::Object(object)) = declarator.init.as_deref().map(unwrap_expr) else {
                plan.problems.push(
                    Diagnostic::manual(
                        "manual/config-not-literal",
                        "`export const config` is not an object literal",
                    )
                    .with_help(
                        "write the config as a literal object so its settings can be carried over",
                    )
                    .at(location),
                );
                return plan;
            };
            plan.remove = Some(crate::text::statement_lines(
                &file.text,
                file.range(export.span),
            ));
            read_config(file, object, &mut plan);
        }
    }
    plan
}

fn read_config(file: &ParsedFile, object: &ObjectLit, plan: &mut ConfigPlan) {
    for prop in &object.props {
        let location = file.location_of(prop.span());
        let PropOrSpread::Prop(prop) = prop else {
            plan.problems.push(
                Diagnostic::manual(
                    "manual/config-not-literal",
                    "`config` spreads another object",
                )
                .at(location),
            );
            continue;
        };
        let Prop::KeyValue(kv) = &**prop else {
            plan.problems.push(
                Diagnostic::manual(
                    "manual/config-not-literal",
                    "`config` has a shorthand or method property",
                )
                .at(location),
            );
            continue;
        };
        let value = unwrap_expr(&kv.value);
        match prop_key(&kv.key) {
            Some("api") => match value {
                Expr::Object(api) => read_api(file, api, plan),
                _ => plan.problems.push(Diagnostic::manual("manual/config-not-literal", "`config.api` is not an object literal").at(location)),
            },
            Some("maxDuration") => plan.segment_exports.push(("maxDuration".into(), file.slice(kv.value.span()).to_string())),
            Some("runtime") => match value {
                Expr::Lit(Lit::Str(s)) if s.value.as_str() == Some("nodejs") => plan.notes.push(
                    Diagnostic::note("note/config-runtime-nodejs", "`runtime: 'nodejs'` is dropped: it is the App Router's default")
                        .at(location),
                ),
                Expr::Lit(Lit::Str(s)) if matches!(s.value.as_str(), Some("edge" | "experimental-edge")) => {
                    plan.edge = true;
                    // `experimental-edge` is an error for app routes since Next.js 15 (reference §4).
                    let written = file.slice(kv.value.span()).replace("experimental-edge", "edge");
                    plan.segment_exports.push(("runtime".into(), written));
                    plan.notes.push(
                        Diagnostic::note("note/edge-runtime-deprecated", format!("`runtime: {}` becomes `export const runtime = 'edge'`; the Edge Runtime is deprecated in Next.js 16.4", file.slice(kv.value.span())))
                            .with_help("drop the `runtime` export to run the route on Node.js, the default, once nothing in it needs the Edge Runtime")
                            .at(location),
                    );
                }
                _ => plan.problems.push(
                    Diagnostic::manual("manual/edge-runtime", format!("the route runs on `runtime: {}`", file.slice(kv.value.span())))
                        .with_help("write the runtime as a string literal (`'edge'` or `'nodejs'`) so routeshift can carry it over, or move this file to a route handler by hand (the Edge Runtime is deprecated in Next.js 16.4)")
                        .at(location),
                ),
            },
            // Pages' `regions` (edge routes on Vercel) is the App Router's `preferredRegion`.
            Some("regions") => {
                plan.segment_exports.push(("preferredRegion".into(), file.slice(kv.value.span()).to_string()));
                plan.notes.push(
                    Diagnostic::note("note/preferred-region-deprecated", "`regions` becomes `export const preferredRegion`, deprecated in Next.js 16.4 like the Edge Runtime")
                        .at(location),
                );
            }
            Some(other) => plan.notes.push(
                Diagnostic::note("note/config-dropped", format!("`config.{other}` has no route handler equivalent and is dropped"))
                    .with_help("set it in next.config or as a route segment export by hand if it still matters")
                    .at(location),
            ),
            None => plan.problems.push(Diagnostic::manual("manual/config-not-literal", "`config` has a computed key").at(location)),
        }
    }
}

fn read_api(file: &ParsedFile, api: &ObjectLit, plan: &mut ConfigPlan) {
    for prop in &api.props {
        let location = file.location_of(prop.span());
        let Some(kv) = prop.as_prop().and_then(|p| p.as_key_value()) else {
            plan.problems.push(
                Diagnostic::manual(
                    "manual/config-not-literal",
                    "`config.api` is not a plain object literal",
                )
                .at(location),
            );
            continue;
        };
        let value = unwrap_expr(&kv.value);
        match (prop_key(&kv.key), value) {
            (Some("bodyParser"), Expr::Lit(Lit::Bool(b))) if !b.value => plan.raw_body = true,
            (Some("bodyParser"), Expr::Lit(Lit::Bool(_))) => {}
            (Some("bodyParser"), Expr::Object(options)) => {
                for option in &options.props {
                    let option_location = file.location_of(option.span());
                    match option.as_prop().and_then(|p| p.as_key_value()) {
                        Some(kv) if prop_key(&kv.key) == Some("sizeLimit") => {
                            plan.size_limit = Some(file.slice(kv.value.span()).to_string())
                        }
                        _ => plan.problems.push(
                            Diagnostic::manual(
                                "manual/config-body-parser",
                                "`config.api.bodyParser` has options other than `sizeLimit`",
                            )
                            .at(option_location),
                        ),
                    }
                }
            }
            (Some(name @ ("externalResolver" | "responseLimit")), _) => plan.notes.push(
                Diagnostic::note(
                    "note/config-dropped",
                    format!(
                        "`config.api.{name}` is dropped: it only silenced a Pages Router warning"
                    ),
                )
                .at(location),
            ),
            (Some(other), _) => plan.problems.push(
                Diagnostic::manual(
                    "manual/config-api",
                    format!("`config.api.{other}` is not understood"),
                )
                .with_help("convert this route by hand")
                .at(location),
            ),
            (None, _) => plan.problems.push(
                Diagnostic::manual(
                    "manual/config-not-literal",
                    "`config.api` has a computed key",
                )
                .at(location),
            ),
        }
    }
}

//! `routeshift migrate --json`: the plan (and what was applied) as one JSON document.
//!
//! ```text
//! {
//!   "version": 1,
//!   "dry_run": true,
//!   "routes": [{
//!     "route": "/api/items/[id]", "file": "pages/api/items/[id].ts",
//!     "status": "converted" | "manual" | "error",
//!     "target": "route-handler" | "service" | null,
//!     "methods": ["GET", "PUT"],
//!     "class": "app-mutation" | … | null, "confidence": "high" | … | null,
//!     "evidence": [{ "signal", "class", "weight", "detail", "location" }],
//!     "operations": [{ "op": "create" | "modify" | "delete", "path", "diff" }],
//!     "shared_files": ["lib/routeshift/pages-compat.ts"],
//!     "diagnostics": [<diagnostic>]
//!   }],
//!   "shared_files": [{ "path", "op": "create" | "modify", "purpose", "diff" }],
//!   "diagnostics": [<diagnostic>],
//!   "summary": { "routes", "converted", "manual", "errors" },
//!   "applied": null | { "branch": "routeshift/app-router" | null, "routes": ["/api/x"],
//!                       "skipped": [{ "route", "reason" }] }
//! }
//! <diagnostic> = { "code", "severity", "message", "help", "path", "line", "column", "location" }
//! ```

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use crate::apply::ApplyReport;
use crate::classify_report::{diagnostic, evidence};
use crate::plan::{Plan, RoutePlan, RouteStatus};
use crate::present::{operation_diff, shared_diff};

/// What the run did with the plan, for the `applied` field.
pub struct Applied<'a> {
    pub branch: Option<&'a str>,
    pub report: &'a ApplyReport,
}

/// One app's plan, for [`write`].
pub struct Document<'a> {
    /// The app's folder, relative to the folder routeshift was given (`.` for itself).
    pub app: &'a str,
    pub plan: &'a Plan,
    pub applied: Option<Applied<'a>>,
}

/// Routes rendered at a time: their diffs are made in parallel, written, and dropped before the
/// next ones, so that the document (whole files, for created and deleted ones) is never held in
/// memory at once.
const ROUTES_AT_A_TIME: usize = 256;

/// Writes the JSON document of `documents` (the migrated apps), pretty-printed as
/// `serde_json::to_writer_pretty` writes [`to_json`]'s value (under `apps` when there are
/// several), without building it whole.
pub fn write(out: &mut dyn Write, documents: &[Document], dry_run: bool) -> io::Result<()> {
    write_chunked(out, documents, dry_run, ROUTES_AT_A_TIME)
}

/// [`write`], rendering `at_a_time` routes at a time.
fn write_chunked(
    out: &mut dyn Write,
    documents: &[Document],
    dry_run: bool,
    at_a_time: usize,
) -> io::Result<()> {
    match documents {
        [document] => write_document(out, document, dry_run, 0, at_a_time)?,
        _ => {
            out.write_all(b"{\n  \"apps\": [")?;
            for (i, document) in documents.iter().enumerate() {
                out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
                write_document(out, document, dry_run, 2, at_a_time)?;
            }
            out.write_all(if documents.is_empty() { b"]" } else { b"\n  ]" })?;
            out.write_all(b",\n  \"version\": 1\n}")?;
        }
    }
    out.write_all(b"\n")
}

/// One app's document, its object's braces at indentation `depth`.
fn write_document(
    out: &mut dyn Write,
    document: &Document,
    dry_run: bool,
    depth: usize,
    at_a_time: usize,
) -> io::Result<()> {
    let Value::Object(mut head) = head(document.plan, dry_run, document.applied.as_ref()) else {
        unreachable!("the document's head is an object");
    };
    head.insert("app".into(), json!(document.app));
    // The fields in serde_json's (sorted) order, `routes` among them.
    let mut keys: Vec<&str> = head.keys().map(String::as_str).chain(["routes"]).collect();
    keys.sort_unstable();
    out.write_all(b"{")?;
    for (i, key) in keys.into_iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        indent(out, depth + 1)?;
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b": ")?;
        match head.get(key) {
            Some(value) => write_value(out, value, depth + 1)?,
            None => write_routes(out, document.plan, depth + 1, at_a_time)?,
        }
    }
    out.write_all(b"\n")?;
    indent(out, depth)?;
    out.write_all(b"}")
}

/// The `routes` array, its brackets at indentation `depth`.
fn write_routes(
    out: &mut dyn Write,
    plan: &Plan,
    depth: usize,
    at_a_time: usize,
) -> io::Result<()> {
    if plan.routes.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    for (c, chunk) in plan.routes.chunks(at_a_time.max(1)).enumerate() {
        // Each route is rendered and serialized on its own thread; only the bytes come back.
        let texts: Vec<Vec<u8>> = chunk
            .par_iter()
            .map(|r| {
                let mut text = Vec::new();
                write_value(&mut text, &route(plan, r), depth + 1).map(|()| text)
            })
            .collect::<Result<_, _>>()?;
        for (i, text) in texts.iter().enumerate() {
            out.write_all(if c == 0 && i == 0 { b"\n" } else { b",\n" })?;
            indent(out, depth + 1)?;
            out.write_all(text)?;
        }
    }
    out.write_all(b"\n")?;
    indent(out, depth)?;
    out.write_all(b"]")
}

/// `value` pretty-printed with its lines after the first at indentation `depth`.
fn write_value(out: &mut dyn Write, value: &Value, depth: usize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Nested::at(depth));
    value.serialize(&mut serializer)?;
    Ok(())
}

fn indent<W: ?Sized + Write>(out: &mut W, depth: usize) -> io::Result<()> {
    for _ in 0..depth {
        out.write_all(b"  ")?;
    }
    Ok(())
}

/// serde_json's pretty format (two spaces a level) for a value that starts `level` levels deep
/// in the document, so that its lines line up with the document's.
struct Nested {
    level: usize,
    has_value: bool,
}

impl Nested {
    fn at(level: usize) -> Nested {
        Nested {
            level,
            has_value: false,
        }
    }

    fn line<W: ?Sized + Write>(&self, out: &mut W, first: bool) -> io::Result<()> {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        indent(out, self.level)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            out.write_all(b"\n")?;
            indent(out, self.level)?;
        }
        out.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The whole document as one value, as [`write`] writes it for one app (without `app`).
#[cfg(test)]
pub fn to_json(plan: &Plan, dry_run: bool, applied: Option<&Applied>) -> Value {
    let mut document = head(plan, dry_run, applied);
    document["routes"] = plan.routes.iter().map(|r| route(plan, r)).collect();
    document
}

/// Everything of an app's document but its routes. The diffs are moved into it, never copied
/// (`json!` copies what it interpolates).
fn head(plan: &Plan, dry_run: bool, applied: Option<&Applied>) -> Value {
    let shared: Vec<Value> = plan
        .shared
        .iter()
        .filter(|s| !s.up_to_date)
        .map(|s| {
            let mut file = json!({
                "path": s.path,
                "op": if s.original.is_some() { "modify" } else { "create" },
                "purpose": s.purpose,
            });
            file["diff"] = Value::String(shared_diff(s));
            file
        })
        .collect();
    let mut document = json!({
        "version": 1,
        "dry_run": dry_run,
        "summary": {
            "routes": plan.routes.len(),
            "converted": plan.count(RouteStatus::Converted),
            "manual": plan.count(RouteStatus::Manual),
            "errors": plan.errors(),
        },
        "applied": applied.map(|a| json!({
            "branch": a.branch,
            "routes": a.report.applied,
            "skipped": a.report.skipped.iter().map(|(route, reason)| json!({ "route": route, "reason": reason })).collect::<Vec<_>>(),
        })),
    });
    document["diagnostics"] = plan.diagnostics.iter().map(diagnostic).collect();
    document["shared_files"] = Value::Array(shared);
    document
}

fn route(plan: &Plan, route: &RoutePlan) -> Value {
    let classification = route.classification.as_ref();
    let (status, target) = match route.status {
        RouteStatus::Converted if route.extracted => ("converted", Some("service")),
        RouteStatus::Converted => ("converted", Some("route-handler")),
        RouteStatus::Manual => ("manual", None),
        RouteStatus::Error => ("error", None),
    };
    let operations = route
        .operations
        .iter()
        .map(|o| {
            let mut operation = json!({ "op": o.verb(), "path": o.path() });
            operation["diff"] = Value::String(operation_diff(o));
            operation
        })
        .collect();
    let mut document = json!({
        "route": route.url,
        "file": route.source,
        "status": status,
        "target": target,
        "methods": route.methods,
        "class": classification.map(|c| c.class.name()),
        "confidence": classification.map(|c| c.confidence.name()),
        "shared_files": route.shared.iter().filter_map(|&i| plan.shared.get(i)).filter(|s| !s.up_to_date).map(|s| s.path.as_str()).collect::<Vec<_>>(),
    });
    document["evidence"] = Value::Array(classification.map(evidence).unwrap_or_default());
    document["operations"] = Value::Array(operations);
    document["diagnostics"] = route.diagnostics.iter().map(diagnostic).collect();
    document
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::project::Project;

    fn demo_plan() -> Plan {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-app");
        let project = Project::scan(&root).expect("the demo app has a pages folder");
        let overrides = project.overrides().expect("its overrides read");
        crate::plan::plan(&project, &overrides)
    }

    /// Written three routes at a time, so that the demo app's routes span several chunks.
    fn written(documents: &[Document]) -> String {
        let mut out = Vec::new();
        write_chunked(&mut out, documents, true, 3).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn streams_the_document_serde_json_would_write() {
        let plan = demo_plan();
        assert!(plan.routes.len() > 7, "routes in several chunks");
        let mut whole = to_json(&plan, true, None);
        whole["app"] = json!(".");
        let expected = serde_json::to_string_pretty(&whole).expect("serialized") + "\n";
        let one = Document {
            app: ".",
            plan: &plan,
            applied: None,
        };
        assert_eq!(written(&[one]), expected);
    }

    #[test]
    fn streams_several_apps_under_apps() {
        let plan = demo_plan();
        let documents: Vec<Document> = ["apps/a", "apps/b"]
            .into_iter()
            .map(|app| Document {
                app,
                plan: &plan,
                applied: None,
            })
            .collect();
        let apps: Vec<Value> = ["apps/a", "apps/b"]
            .into_iter()
            .map(|app| {
                let mut document = to_json(&plan, true, None);
                document["app"] = json!(app);
                document
            })
            .collect();
        let expected = serde_json::to_string_pretty(&json!({ "version": 1, "apps": apps }))
            .expect("serialized")
            + "\n";
        assert_eq!(written(&documents), expected);
    }

    #[test]
    fn routes_come_in_chunks_in_order() {
        let plan = demo_plan();
        let text = written(&[Document {
            app: ".",
            plan: &plan,
            applied: None,
        }]);
        let value: Value = serde_json::from_str(&text).expect("valid JSON");
        let urls: Vec<&str> = value["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .filter_map(|r| r["route"].as_str())
            .collect();
        let expected: Vec<&str> = plan.routes.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, expected);
    }
}

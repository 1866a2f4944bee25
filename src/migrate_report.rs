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

use rayon::prelude::*;
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

// The diffs (whole files, for created and deleted ones) are most of the document: they are
// moved into it, never copied (`json!` copies what it interpolates).
pub fn to_json(plan: &Plan, dry_run: bool, applied: Option<&Applied>) -> Value {
    let routes: Vec<Value> = plan.routes.par_iter().map(|r| route(plan, r)).collect();
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
    document["routes"] = Value::Array(routes);
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

//! `routeshift classify`: each route's class, confidence, methods, callers and evidence, as a
//! table for people or as JSON for tools.
//!
//! The JSON shape (version 1) is stable; fields are only ever added:
//!
//! ```text
//! {
//!   "version": 1,
//!   "routes": [{
//!     "route": "/api/items/[id]", "file": "pages/api/items/[id].ts",
//!     "class": "app-mutation", "confidence": "high", "ambiguity": null,
//!     "override": null | { "file", "line", "column" },
//!     "methods": ["GET", "PUT"],
//!     "evidence": [{ "signal", "class", "weight", "detail", "location": null | { "file", "line", "column" } }],
//!     "callers": [<call site>]
//!   }],
//!   "call_sites": [<call site with "route": "/api/…" | null,
//!                   "match": "route" | "app-route" (a handler already under app/) | "ambiguous" | "none">],
//!   "summary": { "routes", "classes": { "webhook": n, … },
//!                "call_sites": { "matched", "app_routes", "unmatched" } },
//!   "diagnostics": [{ "code", "severity", "message", "help", "location" }]
//! }
//! <call site> = { "file", "line", "column", "url", "method": "POST" | null, "body", "style",
//!                 "runtime": "client" | "server" | "unknown", "reason", "package": null | "@acme/ui" }
//! ```

use std::io::{self, Write};

use serde_json::{json, Value};
use transforms::callers::url::RouteMatch;
use transforms::classify::{Class, Classification};
use transforms::diagnostic::{Diagnostic, Location};

use crate::callgraph::ResolvedSite;
use crate::plan::Plan;
use crate::present::plural;
use crate::terminal::Paint;

pub fn print_table(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<[String; 6]> = plan
        .routes
        .iter()
        .map(|route| {
            let (class, confidence, evidence) = match &route.classification {
                Some(c) => (
                    c.class.to_string(),
                    c.confidence.to_string(),
                    c.evidence
                        .iter()
                        .take(3)
                        .map(|e| e.signal)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                None => ("-".into(), "-".into(), "file could not be read".into()),
            };
            let callers = route
                .callers
                .iter()
                .filter(|c| c.site.style != transforms::callers::CallStyle::Reference)
                .count();
            [
                route.url.clone(),
                class,
                confidence,
                route.handler_methods.join(","),
                callers.to_string(),
                evidence,
            ]
        })
        .collect();
    let headers = [
        "route",
        "class",
        "confidence",
        "methods",
        "callers",
        "evidence",
    ];
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        text
    };
    writeln!(out, "{}", line(headers))?;
    for row in &rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    let ambiguous: Vec<_> = plan
        .routes
        .iter()
        .filter_map(|r| Some((r, r.classification.as_ref()?.ambiguity.as_ref()?)))
        .collect();
    if !ambiguous.is_empty() {
        writeln!(out)?;
        for (route, ambiguity) in ambiguous {
            writeln!(out, "{}: {ambiguity}", route.url)?;
        }
    }
    for route in &plan.routes {
        for diagnostic in route
            .diagnostics
            .iter()
            .filter(|d| d.code.starts_with("error/override"))
        {
            writeln!(out, "{diagnostic}")?;
        }
    }
    for diagnostic in &plan.diagnostics {
        writeln!(out, "{diagnostic}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(plan))
}

/// Every route with all its evidence and callers, then the call sites that reached no route.
pub fn print_details(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    for route in &plan.routes {
        writeln!(out, "{}  {}", route.url, route.source)?;
        crate::present::print_classification(route, usize::MAX, out)?;
        if !route.handler_methods.is_empty() {
            writeln!(out, "  methods {}", route.handler_methods.join(", "))?;
        }
        for (i, caller) in route.callers.iter().enumerate() {
            let label = if i == 0 { "callers" } else { "" };
            writeln!(out, "  {label:<7} {}", site_line(caller))?;
        }
        for diagnostic in route
            .diagnostics
            .iter()
            .filter(|d| d.code.starts_with("error/override"))
        {
            crate::present::print_diagnostic(diagnostic, "  ", out, Paint::PLAIN)?;
        }
        writeln!(out)?;
    }
    let unmatched: Vec<&ResolvedSite> = plan.graph.unmatched().collect();
    if !unmatched.is_empty() {
        writeln!(out, "call sites that reach no route")?;
        for site in unmatched {
            let why = match &site.target {
                RouteMatch::Ambiguous(candidates) => format!(
                    "  (could be {})",
                    candidates
                        .iter()
                        .filter_map(|i| plan.graph.routes.get(*i))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                _ => String::new(),
            };
            writeln!(out, "          {}{why}", site_line(site))?;
        }
        writeln!(out)?;
    }
    for diagnostic in &plan.diagnostics {
        crate::present::print_diagnostic(diagnostic, "", out, Paint::PLAIN)?;
    }
    writeln!(out, "{}", summary_line(plan))
}

/// `POST /api/items  fetch, json body, client (event handler)  components/New.tsx:12:5`.
fn site_line(resolved: &ResolvedSite) -> String {
    let s = &resolved.site;
    let package = resolved
        .package
        .as_ref()
        .map(|p| {
            format!(
                " in {p}{}",
                if resolved.separate { " (separate)" } else { "" }
            )
        })
        .unwrap_or_default();
    format!(
        "{} {}  {}, body {}, {} ({}){package}  {}",
        s.method.unwrap_or("?"),
        s.url,
        s.style,
        s.body.name(),
        s.context.runtime.name(),
        s.context.reason,
        s.location
    )
}

/// `23 routes: 3 webhook, 9 public-api, 6 app-mutation, 5 page-read; 40 call sites matched, 2 not`.
pub fn summary_line(plan: &Plan) -> String {
    let counts: Vec<String> = Class::ALL
        .iter()
        .map(|class| format!("{} {class}", count(plan, *class)))
        .collect();
    let (matched, app, unmatched) = site_counts(plan);
    let app = if app > 0 {
        format!(", {app} reach app/ route handlers")
    } else {
        String::new()
    };
    let routes = plan.routes.len();
    format!(
        "{routes} route{}: {}; {matched} call site{} reach{} them{app}, {unmatched} reach{} no route",
        plural(routes),
        counts.join(", "),
        plural(matched),
        if matched == 1 { "es" } else { "" },
        if unmatched == 1 { "es" } else { "" },
    )
}

fn count(plan: &Plan, class: Class) -> usize {
    plan.routes
        .iter()
        .filter(|r| r.classification.as_ref().is_some_and(|c| c.class == class))
        .count()
}

/// Call sites that reach a pages route, reach an App Router route handler, or reach nothing.
fn site_counts(plan: &Plan) -> (usize, usize, usize) {
    let pages = plan.routes.len();
    let mut counts = (0, 0, 0);
    for site in &plan.graph.sites {
        match site.target {
            RouteMatch::Route(i) if i < pages => counts.0 += 1,
            RouteMatch::Route(_) => counts.1 += 1,
            _ => counts.2 += 1,
        }
    }
    counts
}

pub fn to_json(plan: &Plan) -> Value {
    let routes: Vec<Value> = plan
        .routes
        .iter()
        .map(|route| {
            let classification = route.classification.as_ref();
            json!({
                "route": route.url,
                "file": route.source,
                "class": classification.map(|c| c.class.name()),
                "confidence": classification.map(|c| c.confidence.name()),
                "ambiguity": classification.and_then(|c| c.ambiguity.clone()),
                "override": classification.and_then(|c| c.overridden_at.as_ref()).map(location),
                "methods": route.handler_methods,
                "evidence": classification.map(evidence).unwrap_or_default(),
                "callers": route.callers.iter().map(site).collect::<Vec<_>>(),
            })
        })
        .collect();
    let urls: Vec<&str> = plan_urls(plan);
    let call_sites: Vec<Value> = plan
        .graph
        .sites
        .iter()
        .map(|resolved| {
            let mut value = site(resolved);
            let (route, kind) = match &resolved.target {
                RouteMatch::Route(i) if *i >= plan.routes.len() => {
                    (urls.get(*i).map(|u| u.to_string()), "app-route")
                }
                RouteMatch::Route(i) => (urls.get(*i).map(|u| u.to_string()), "route"),
                RouteMatch::Ambiguous(_) => (None, "ambiguous"),
                RouteMatch::NoRoute => (None, "none"),
            };
            value["route"] = json!(route);
            value["match"] = json!(kind);
            value
        })
        .collect();
    let (matched, app_routes, unmatched) = site_counts(plan);
    let mut diagnostics: Vec<Value> = plan.diagnostics.iter().map(diagnostic).collect();
    for route in &plan.routes {
        diagnostics.extend(
            route
                .diagnostics
                .iter()
                .filter(|d| d.code.starts_with("error/"))
                .map(diagnostic),
        );
    }
    json!({
        "version": 1,
        "routes": routes,
        "call_sites": call_sites,
        "summary": {
            "routes": plan.routes.len(),
            "classes": Class::ALL.iter().map(|c| (c.name().to_string(), json!(count(plan, *c)))).collect::<serde_json::Map<_, _>>(),
            "call_sites": { "matched": matched, "app_routes": app_routes, "unmatched": unmatched },
        },
        "diagnostics": diagnostics,
    })
}

/// Route URLs in the order the call graph's matches refer to.
fn plan_urls(plan: &Plan) -> Vec<&str> {
    plan.graph.routes.iter().map(String::as_str).collect()
}

fn site(resolved: &ResolvedSite) -> Value {
    let s = &resolved.site;
    json!({
        "file": s.location.path,
        "line": s.location.line,
        "column": s.location.column,
        "url": s.url.to_string(),
        "method": s.method,
        "body": s.body.name(),
        "style": s.style.to_string(),
        "runtime": s.context.runtime.name(),
        "reason": s.context.reason,
        "package": resolved.package,
    })
}

/// A classification's evidence, strongest first.
pub(crate) fn evidence(classification: &Classification) -> Vec<Value> {
    classification
        .evidence
        .iter()
        .map(|e| {
            json!({
                "signal": e.signal,
                "class": e.toward.name(),
                "weight": e.weight,
                "detail": e.detail,
                "location": e.location.as_ref().map(location),
            })
        })
        .collect()
}

pub(crate) fn location(l: &Location) -> Value {
    json!({ "file": l.path, "line": l.line, "column": l.column })
}

pub(crate) fn diagnostic(d: &Diagnostic) -> Value {
    json!({
        "code": d.code,
        "severity": d.severity.label(),
        "message": d.message,
        "help": d.help,
        "location": d.location.as_ref().map(location),
        "path": d.location.as_ref().map(|l| &l.path),
        "line": d.location.as_ref().map(|l| l.line),
        "column": d.location.as_ref().map(|l| l.column),
    })
}

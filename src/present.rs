//! Showing a plan: per route its URL, file, operations and diagnostics, then unified diffs
//! (new files from `/dev/null`, deleted ones to it), and a closing summary.

use std::io::{self, Write};

use similar::TextDiff;
use transforms::diagnostic::Diagnostic;
use transforms::edit::apply;

use crate::plan::{FileOperation, Plan, RoutePlan, RouteStatus};

pub fn print_plan(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    for (index, shared) in plan.shared.iter().enumerate() {
        if shared.up_to_date {
            continue;
        }
        let users = plan
            .routes
            .iter()
            .filter(|r| r.status == RouteStatus::Converted && r.shared.contains(&index))
            .count();
        writeln!(
            out,
            "shared  {}  (used by {users} route{})",
            shared.path,
            plural(users)
        )?;
        match &shared.original {
            Some(original) => {
                writeln!(out, "  modify  {}", shared.path)?;
                writeln!(out)?;
                write_diff(out, original, &shared.contents, &shared.path, &shared.path)?;
            }
            None => {
                writeln!(out, "  create  {}", shared.path)?;
                writeln!(out)?;
                write_diff(out, "", &shared.contents, "/dev/null", &shared.path)?;
            }
        }
        writeln!(out)?;
    }
    for route in &plan.routes {
        print_route(route, out)?;
        writeln!(out)?;
    }
    for diagnostic in &plan.diagnostics {
        print_diagnostic(diagnostic, "", out)?;
    }
    if !plan.diagnostics.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(plan))
}

pub fn summary(plan: &Plan) -> String {
    let converted = plan.count(RouteStatus::Converted);
    let manual = plan.count(RouteStatus::Manual);
    let errors = plan.count(RouteStatus::Error)
        + plan
            .diagnostics
            .iter()
            .filter(|d| d.severity == transforms::Severity::Error)
            .count();
    format!(
        "{} route{} converted, {manual} left for manual work, {errors} error{}",
        converted,
        plural(converted),
        plural(errors)
    )
}

/// `s` for any count but one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn route_heading(route: &RoutePlan) -> String {
    let what = match route.status {
        RouteStatus::Converted if route.extracted && route.methods.is_empty() => {
            "service, Server Actions / queries (no route handler needed)".to_string()
        }
        RouteStatus::Converted if route.extracted => format!(
            "service, Server Actions / queries, route handler ({}) over the service",
            route.methods.join(", ")
        ),
        RouteStatus::Converted => format!("route handler ({})", route.methods.join(", ")),
        RouteStatus::Manual => "left for manual work".to_string(),
        RouteStatus::Error => "error".to_string(),
    };
    format!("{}  {}  → {what}", route.url, route.source)
}

pub fn print_route(route: &RoutePlan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", route_heading(route))?;
    print_classification(route, EVIDENCE_SHOWN, out)?;
    for operation in &route.operations {
        writeln!(out, "  {:<7} {}", operation.verb(), operation.path())?;
    }
    for diagnostic in &route.diagnostics {
        print_diagnostic(diagnostic, "  ", out)?;
    }
    for operation in &route.operations {
        writeln!(out)?;
        match operation {
            FileOperation::Create { path, contents } => {
                write_diff(out, "", contents, "/dev/null", path)?
            }
            FileOperation::Delete { path, original } => {
                write_diff(out, original, "", path, "/dev/null")?
            }
            FileOperation::Modify {
                path,
                original,
                edits,
            } => {
                let updated = apply(original, edits).unwrap_or_else(|_| original.clone());
                write_diff(out, original, &updated, path, path)?
            }
        }
    }
    Ok(())
}

/// How many pieces of evidence a dry run shows per route (`classify --json` has them all).
const EVIDENCE_SHOWN: usize = 3;

/// `class: app-mutation (high confidence)` and the strongest evidence, one line each.
pub fn print_classification(
    route: &RoutePlan,
    evidence_shown: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(classification) = &route.classification else {
        return Ok(());
    };
    writeln!(
        out,
        "  class   {} ({} confidence)",
        classification.class, classification.confidence
    )?;
    if let Some(ambiguity) = &classification.ambiguity {
        writeln!(out, "          ambiguous: {ambiguity}")?;
    }
    for evidence in classification.evidence.iter().take(evidence_shown) {
        let place = evidence
            .location
            .as_ref()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        writeln!(
            out,
            "          {} +{} {}: {}{place}",
            evidence.toward, evidence.weight, evidence.signal, evidence.detail
        )?;
    }
    Ok(())
}

pub fn print_diagnostic(
    diagnostic: &Diagnostic,
    indent: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    for line in diagnostic.to_string().lines() {
        writeln!(out, "{indent}{line}")?;
    }
    Ok(())
}

fn write_diff(
    out: &mut dyn Write,
    old: &str,
    new: &str,
    old_name: &str,
    new_name: &str,
) -> io::Result<()> {
    let diff = TextDiff::from_lines(old, new);
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(old_name, new_name)
    )
}

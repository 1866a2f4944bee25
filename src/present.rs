//! Showing a plan: per route its URL, file, operations and diagnostics, then unified diffs
//! (new files from `/dev/null`, deleted ones to it), and a closing summary.

use std::io::{self, Write};

use rayon::prelude::*;
use similar::TextDiff;
use transforms::diagnostic::Diagnostic;
use transforms::edit::apply;

use crate::plan::{FileOperation, Plan, RoutePlan, RouteStatus, SharedFile};
use crate::terminal::Paint;

pub fn print_plan(plan: &Plan, out: &mut dyn Write, paint: Paint) -> io::Result<()> {
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
            "{}",
            paint.bold(&format!(
                "shared  {}  (used by {users} route{})",
                shared.path,
                plural(users)
            ))
        )?;
        let verb = if shared.original.is_some() {
            "modify"
        } else {
            "create"
        };
        writeln!(out, "  {verb}  {}", shared.path)?;
        writeln!(out)?;
        write_painted(out, &shared_diff(shared), paint)?;
        writeln!(out)?;
    }
    // The diffs are the costly part: each route is rendered on its own, in parallel.
    let rendered: Vec<io::Result<Vec<u8>>> = plan
        .routes
        .par_iter()
        .map(|route| {
            let mut text = Vec::new();
            print_route(route, &mut text, paint)?;
            writeln!(text)?;
            Ok(text)
        })
        .collect();
    for text in rendered {
        out.write_all(&text?)?;
    }
    for diagnostic in &plan.diagnostics {
        print_diagnostic(diagnostic, "", out, paint)?;
    }
    if !plan.diagnostics.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(plan))
}

pub fn summary(plan: &Plan) -> String {
    let converted = plan.count(RouteStatus::Converted);
    let manual = plan.count(RouteStatus::Manual);
    let errors = plan.errors();
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

pub fn print_route(route: &RoutePlan, out: &mut dyn Write, paint: Paint) -> io::Result<()> {
    writeln!(out, "{}", paint.bold(&route_heading(route)))?;
    print_classification(route, EVIDENCE_SHOWN, out)?;
    for operation in &route.operations {
        writeln!(out, "  {:<7} {}", operation.verb(), operation.path())?;
    }
    for diagnostic in &route.diagnostics {
        print_diagnostic(diagnostic, "  ", out, paint)?;
    }
    for operation in &route.operations {
        writeln!(out)?;
        write_painted(out, &operation_diff(operation), paint)?;
    }
    Ok(())
}

/// The unified diff of one file operation (a new file from `/dev/null`, a deleted one to it).
pub fn operation_diff(operation: &FileOperation) -> String {
    match operation {
        FileOperation::Create { path, contents } => {
            whole_file_diff(contents, '+', "/dev/null", path)
        }
        FileOperation::Delete { path, original } => {
            whole_file_diff(original, '-', path, "/dev/null")
        }
        FileOperation::Modify {
            path,
            original,
            edits,
        } => {
            let updated = apply(original, edits).unwrap_or_else(|_| original.to_string());
            unified_diff(original, &updated, path, path)
        }
    }
}

/// The unified diff of a shared file against what the project has.
pub fn shared_diff(shared: &SharedFile) -> String {
    match &shared.original {
        Some(original) => unified_diff(original, &shared.contents, &shared.path, &shared.path),
        None => whole_file_diff(&shared.contents, '+', "/dev/null", &shared.path),
    }
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
    paint: Paint,
) -> io::Result<()> {
    let text = diagnostic.to_string();
    for (index, line) in text.lines().enumerate() {
        // The first word names the severity and the code: `manual[manual/req-passed]`.
        let line = match line.split_once(' ') {
            Some((tag, rest)) if index == 0 => {
                let tag = match diagnostic.severity {
                    transforms::Severity::Error => paint.red(tag),
                    transforms::Severity::Manual => paint.yellow(tag),
                    _ => paint.cyan(tag),
                };
                format!("{tag} {rest}")
            }
            _ => line.to_string(),
        };
        writeln!(out, "{indent}{line}")?;
    }
    Ok(())
}

fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

/// The diff of a file created (`sign` `+`) or deleted (`-`) whole: what [`unified_diff`] gives
/// against nothing, without comparing lines. Lines end at `\n`, `\r\n` or a lone `\r`, as
/// there; a last line without an end is marked as having no newline.
fn whole_file_diff(text: &str, sign: char, old_name: &str, new_name: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => {
                lines.push(&text[start..at + 2]);
                at += 2;
                start = at;
            }
            b'\r' | b'\n' => {
                lines.push(&text[start..=at]);
                at += 1;
                start = at;
            }
            _ => at += 1,
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    let count = match lines.len() {
        1 => "1".to_string(),
        n => format!("1,{n}"),
    };
    let (old_range, new_range) = if sign == '+' {
        ("0,0", count.as_str())
    } else {
        (count.as_str(), "0,0")
    };
    let mut out = String::with_capacity(text.len() + 2 * lines.len() + 64);
    out.push_str(&format!(
        "--- {old_name}\n+++ {new_name}\n@@ -{old_range} +{new_range} @@\n"
    ));
    for line in lines {
        out.push(sign);
        out.push_str(line);
        if !line.ends_with(['\r', '\n']) {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
    out
}

/// A diff, its lines colored by role when `paint` has colors.
pub fn write_painted(out: &mut dyn Write, text: &str, paint: Paint) -> io::Result<()> {
    if !paint.enabled() {
        return write!(out, "{text}");
    }
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let (line, end) = match line.strip_suffix('\n') {
            Some(line) => (line, "\n"),
            None => (line, ""),
        };
        write!(out, "{}{end}", paint.diff_line(line, index < 2))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_file_diff_is_the_unified_diff_against_nothing() {
        // Every text of up to six characters from an alphabet of line ends and two letters.
        let alphabet = ['a', '\n', '\r', 'é'];
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..6 {
            last = last
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        texts.push("import a from 'a'\r\n\r\nexport default a\n".repeat(40));
        for text in &texts {
            assert_eq!(
                whole_file_diff(text, '+', "/dev/null", "app/x.ts"),
                unified_diff("", text, "/dev/null", "app/x.ts"),
                "{text:?} created"
            );
            assert_eq!(
                whole_file_diff(text, '-', "pages/x.ts", "/dev/null"),
                unified_diff(text, "", "pages/x.ts", "/dev/null"),
                "{text:?} deleted"
            );
        }
    }
}

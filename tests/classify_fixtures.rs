//! The classifier's specification.
//!
//! - Every folder under `fixtures/classify/cases/` is a small project showing one signal or one
//!   call style; its snapshot holds each route's class, confidence, evidence and callers, and
//!   the call sites that reached no route.
//! - `fixtures/classify/labelled-app/` is a monorepo whose routes were classified by hand
//!   (`expected.tsv`); the classifier must agree route by route.

mod common;

use std::path::{Path, PathBuf};

use routeshift::classify_report;
use routeshift::plan::{self, Plan};
use routeshift::project::Project;
use transforms::classify::{Class, Confidence};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/classify")
}

fn plan_for(project: &Project) -> Plan {
    let overrides = match project.overrides() {
        Ok(overrides) => overrides,
        Err(error) => panic!("{}: {error}", project.root.display()),
    };
    // As `routeshift classify` plans: classes and callers only, nothing converted.
    let options = plan::PlanOptions {
        classify_only: true,
        ..plan::PlanOptions::default()
    };
    plan::plan_for(project, &overrides, &options)
}

#[test]
fn classify_fixtures() {
    let cases = common::case_dirs(&fixtures().join("cases"));
    assert!(cases.len() >= 35, "{} classify cases", cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        // A monorepo case keeps its app in `web/`, beside the workspace packages.
        let app = if dir.join("web/pages").is_dir() {
            dir.join("web")
        } else {
            dir.clone()
        };
        let project = Project::scan(&app).unwrap_or_else(|| panic!("{case}: no pages folder"));
        let plan = plan_for(&project);
        if plan.routes.iter().any(|r| r.classification.is_none()) {
            failures.push(format!("{case}: a route has no classification"));
        }
        let mut out = Vec::new();
        classify_report::print_details(&plan, &mut out).unwrap();
        let snapshot = String::from_utf8(out).unwrap();
        if !common::snapshot_matches("classify", &case, snapshot) {
            failures.push(format!("{case}: snapshot differs"));
        }
    }
    common::assert_no_failures(&failures);
}

#[test]
fn labelled_app_is_classified_as_labelled() {
    let app = fixtures().join("labelled-app/apps/web");
    let project = Project::load(&app).unwrap_or_else(|e| panic!("labelled app: {e}"));
    let plan = plan_for(&project);
    let expected = std::fs::read_to_string(fixtures().join("labelled-app/expected.tsv"))
        .expect("expected.tsv");
    let mut disagreements = Vec::new();
    let mut labelled = 0;
    for line in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (url, class, why) = (fields[0], fields[1], fields.get(2).copied().unwrap_or(""));
        labelled += 1;
        let Some(route) = plan.routes.iter().find(|r| r.url == url) else {
            disagreements.push(format!("{url}: not found by routeshift"));
            continue;
        };
        let Some(found) = &route.classification else {
            disagreements.push(format!("{url}: not classified"));
            continue;
        };
        if Class::from_name(class) != Some(found.class) {
            disagreements.push(format!(
                "{url}: labelled {class}, classified {} ({})",
                found.class,
                found
                    .evidence
                    .iter()
                    .map(|e| format!("{}→{} +{}", e.signal, e.toward, e.weight))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // A route labelled ambiguous must say so, and not with high confidence.
        if why.starts_with("AMBIGUOUS")
            && (found.ambiguity.is_none() || found.confidence == Confidence::High)
        {
            disagreements.push(format!(
                "{url}: labelled ambiguous, classified {} with {} confidence and no ambiguity note",
                found.class, found.confidence
            ));
        }
    }
    assert_eq!(
        labelled,
        plan.routes.len(),
        "every route of the app is labelled"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {labelled} routes disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    // The callers come from the app, a bundled package and a separate one.
    let packages: Vec<(Option<&str>, bool)> = plan
        .graph
        .sites
        .iter()
        .map(|s| (s.package.as_deref(), s.separate))
        .collect();
    assert!(packages.contains(&(Some("@labelled/ui"), false)));
    assert!(packages.contains(&(Some("@labelled/mobile"), true)));
    assert!(packages.contains(&(None, false)));
}

#[test]
fn classify_json_has_the_documented_shape() {
    let app = fixtures().join("labelled-app/apps/web");
    let project = Project::load(&app).unwrap_or_else(|e| panic!("labelled app: {e}"));
    let json = classify_report::to_json(&plan_for(&project));
    assert_eq!(json["version"], 1);
    let routes = json["routes"].as_array().expect("routes array");
    assert_eq!(routes.len(), 23);
    let stripe = routes
        .iter()
        .find(|r| r["route"] == "/api/webhooks/stripe")
        .expect("stripe route");
    assert_eq!(stripe["file"], "pages/api/webhooks/stripe.ts");
    assert_eq!(stripe["class"], "webhook");
    assert_eq!(stripe["confidence"], "high");
    assert_eq!(stripe["methods"], serde_json::json!(["POST"]));
    assert_eq!(stripe["evidence"][0]["signal"], "stripe-signature");
    assert!(stripe["evidence"][0]["location"]["line"].as_u64().is_some());
    assert_eq!(stripe["callers"], serde_json::json!([]));
    let item = routes
        .iter()
        .find(|r| r["route"] == "/api/projects/[id]")
        .expect("dynamic route");
    let callers = item["callers"].as_array().expect("callers");
    assert!(callers
        .iter()
        .any(|c| c["method"] == "DELETE" && c["style"] == "axios" && c["runtime"] == "client"));
    for key in [
        "file", "line", "column", "url", "method", "body", "style", "runtime", "reason", "package",
    ] {
        assert!(callers[0].get(key).is_some(), "call site lacks {key}");
    }
    let sites = json["call_sites"].as_array().expect("call_sites");
    assert!(sites
        .iter()
        .all(|s| s.get("route").is_some() && s.get("match").is_some()));
    assert_eq!(json["summary"]["classes"]["webhook"], 3);
    assert!(json["diagnostics"].is_array());
}

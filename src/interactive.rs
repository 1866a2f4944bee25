//! `routeshift migrate --interactive`: the plan shown route by route, each accepted or rejected.
//!
//! One question is one handler file with everything it brings: its class and evidence, the
//! files it creates, modifies and deletes, and the shared files it needs (each shown with the
//! first route that needs it), paged when taller than the terminal. Answers are `y`, `n`, `a`
//! (this one and all remaining), `q` (stop; apply what was accepted) and `?`.
//!
//! Nothing is written while questions are asked, and the branch is created only once they are
//! all in: Ctrl-C (SIGINT's default action) leaves the project and its repository as they were.
//! After the last answer each app is planned again with every route that was not accepted
//! excluded (see [`PlanOptions::excluded`]), so that what routes share (a feature service, helper
//! forms, moved values) is written with the accepted routes' parts only, and never a
//! half-migrated project. That plan is applied as the normal run applies one: a branch, shared
//! files first, one commit per route.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Write};

use transforms::classify::overrides::RouteOverride;

use crate::apply::{self, ApplyReport, Target};
use crate::apps::{self, App};
use crate::cli::{self, stdout_error, MigrateArgs, Output};
use crate::error::Error;
use crate::pager::Screen;
use crate::plan::{self, Plan, PlanOptions, RoutePlan, RouteStatus};
use crate::present;
use crate::progress::Progress;
use crate::project::Project;
use crate::terminal::{self, Paint};

/// One app, read and planned, kept to be planned again with the answers.
struct Reviewed {
    app: App,
    project: Project,
    overrides: Vec<RouteOverride>,
    plan: Plan,
}

/// What became of one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Accepted,
    Rejected,
    /// Not asked because the user quit before it.
    Unanswered,
}

/// One answer at the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Yes,
    No,
    All,
    Quit,
    Help,
}

impl Answer {
    /// `y`, `yes`, `N`, … ; `None` for anything else (the question is asked again).
    fn parse(line: &str) -> Option<Answer> {
        match line.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => Some(Answer::Yes),
            "n" | "no" => Some(Answer::No),
            "a" | "all" => Some(Answer::All),
            "q" | "quit" => Some(Answer::Quit),
            "?" | "h" | "help" => Some(Answer::Help),
            _ => None,
        }
    }
}

const CHOICES: &str = "[y]es / [n]o / [a]ll remaining / [q]uit / [?] help";

const HELP: &str = "\
  y  migrate this route, with the shared files it needs
  n  leave this route as it is
  a  migrate this route and all the remaining ones without asking
  q  stop here: migrate the routes accepted so far, leave the others
  ?  show this help
  A shared file is written with the parts of the accepted routes only.
  Nothing is written before the last answer; Ctrl-C stops without writing anything.
";

/// One route to ask about: the app's index and the route's index in its plan.
#[derive(Debug, Clone, Copy)]
struct Question {
    app: usize,
    route: usize,
}

/// Runs `migrate --interactive`: refuses without a terminal on standard input, plans, asks, and
/// applies what was accepted.
pub fn migrate(
    args: &MigrateArgs,
    paint: Paint,
    progress: bool,
    output: &mut Output,
) -> Result<i32, Error> {
    // Before any work: a run in CI must fail at once, not wait for an answer.
    if !output.terminal.stdin {
        return Err(Error::NotInteractive);
    }
    let target = args.target();
    let apps = apps::find(&args.location.dir, args.location.app.as_deref())?;
    // Refuse (not a repository, dirty tree, branch taken) before asking anything.
    if let Some(app) = apps.first() {
        apply::prepare(&app.root, &target)?;
    }
    let mut reviewed = Vec::new();
    for app in apps {
        let (project, overrides, plan) =
            cli::load_and_plan(&app.root, PlanOptions::default(), progress)?;
        reviewed.push(Reviewed {
            app,
            project,
            overrides,
            plan,
        });
    }
    let screen = Screen::detect(output.terminal.stdout);
    let out: &mut dyn Write = &mut *output.out;

    let not_asked = not_asked_text(&reviewed, paint).map_err(stdout_error)?;
    screen.show(&not_asked, 0, out).map_err(stdout_error)?;
    let questions: Vec<Question> = reviewed
        .iter()
        .enumerate()
        .flat_map(|(app, r)| {
            r.plan
                .routes
                .iter()
                .enumerate()
                .filter(|(_, route)| route.status == RouteStatus::Converted)
                .map(move |(route, _)| Question { app, route })
        })
        .collect();
    if questions.is_empty() {
        writeln!(out, "no route to migrate: nothing written").map_err(stdout_error)?;
        return Ok(cli::exit_code(
            reviewed.iter().map(|r| &r.plan),
            &[],
            args.fail_on_manual,
        ));
    }

    writeln!(
        out,
        "{} route{} to review. Each shows everything it changes; a shared file is shown with the \
         first route that needs it and written with the accepted routes' parts only. Nothing is \
         written before the last answer.",
        questions.len(),
        present::plural(questions.len())
    )
    .map_err(stdout_error)?;
    let mut shown = SharedShown::default();
    let several = reviewed.len() > 1;
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let decisions = review(
        questions.len(),
        &mut input,
        out,
        |position, out| {
            let question = questions[position];
            let text = question_text(
                &reviewed,
                question,
                (position + 1, questions.len()),
                &mut shown,
                paint,
            )?;
            writeln!(out)?;
            // The prompt and its answer stay below the text.
            screen.show(&text, 2, out)
        },
        |position| {
            let question = questions[position];
            let r = &reviewed[question.app];
            format!(
                "migrate {}? {CHOICES} ",
                route_name(&r.app, &r.plan.routes[question.route].url, several)
            )
        },
    )
    .map_err(stdout_error)?;
    writeln!(out).map_err(stdout_error)?;

    // The answers, per app: the routes to write, and what became of the others.
    let mut outcome = Outcome::default();
    let mut plans: Vec<Option<(Plan, Vec<usize>)>> = Vec::new();
    for (app_index, r) in reviewed.iter().enumerate() {
        let mut accepted: HashSet<String> = HashSet::new();
        for (question, decision) in questions.iter().zip(&decisions) {
            if question.app != app_index {
                continue;
            }
            let route = &r.plan.routes[question.route];
            let name = route_name(&r.app, &route.url, several);
            match decision {
                Decision::Accepted => {
                    accepted.insert(route.source.clone());
                }
                Decision::Rejected => outcome.rejected.push(name),
                Decision::Unanswered => outcome.unanswered.push(name),
            }
        }
        for route in &r.plan.routes {
            if route.status != RouteStatus::Converted {
                outcome
                    .not_asked
                    .push(route_name(&r.app, &route.url, several));
            }
        }
        if accepted.is_empty() {
            plans.push(None);
            continue;
        }
        let excluded: HashSet<String> = r
            .plan
            .routes
            .iter()
            .map(|route| route.source.clone())
            .filter(|source| !accepted.contains(source))
            .collect();
        let plan = plan_app(&r.project, &r.overrides, excluded, progress);
        let mut writable = Vec::new();
        for (index, route) in plan.routes.iter().enumerate() {
            if !accepted.contains(&route.source) {
                continue;
            }
            if route.status == RouteStatus::Converted {
                writable.push(index);
            } else {
                outcome
                    .not_applied
                    .push((route_name(&r.app, &route.url, several), route.clone()));
            }
        }
        plans.push(Some((plan, writable)));
    }

    let mut reports: Vec<(usize, ApplyReport)> = Vec::new();
    if plans
        .iter()
        .flatten()
        .any(|(_, writable)| !writable.is_empty())
    {
        let repository = apply::start(&reviewed[0].app.root, &target, out)?;
        for (app_index, entry) in plans.iter().enumerate() {
            let Some((plan, writable)) = entry else {
                continue;
            };
            if writable.is_empty() {
                continue;
            }
            let root = &reviewed[app_index].app.root;
            let report = apply::write(root, repository.as_ref(), plan, writable, out)?;
            reports.push((app_index, report));
        }
    }
    for (app_index, report) in &reports {
        let app = &reviewed[*app_index].app;
        outcome.applied.extend(
            report
                .applied
                .iter()
                .map(|url| route_name(app, url, several)),
        );
        outcome.skipped.extend(
            report
                .skipped
                .iter()
                .map(|(url, reason)| (route_name(app, url, several), reason.clone())),
        );
    }
    writeln!(out).map_err(stdout_error)?;
    outcome.print(&target, out, paint).map_err(stdout_error)?;
    let reports: Vec<ApplyReport> = reports.into_iter().map(|(_, report)| report).collect();
    let code = cli::exit_code(
        reviewed.iter().map(|r| &r.plan),
        &reports,
        args.fail_on_manual,
    );
    Ok(if outcome.not_applied.is_empty() {
        code
    } else {
        1
    })
}

/// Asks about `count` routes: `show` writes the `position`th route's change, `prompt` its
/// question. Reads one answer per line from `input`; the end of the input is `q`.
fn review(
    count: usize,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    mut show: impl FnMut(usize, &mut dyn Write) -> io::Result<()>,
    prompt: impl Fn(usize) -> String,
) -> io::Result<Vec<Decision>> {
    let mut decisions = Vec::with_capacity(count);
    while decisions.len() < count {
        let position = decisions.len();
        show(position, out)?;
        let answer = loop {
            write!(out, "{}", prompt(position))?;
            out.flush()?;
            let mut line = String::new();
            if input.read_line(&mut line)? == 0 {
                // The input ended (Ctrl-D): stop as with `q`, on a line of its own.
                writeln!(out)?;
                break Answer::Quit;
            }
            match Answer::parse(&line) {
                Some(Answer::Help) => write!(out, "{HELP}")?,
                Some(answer) => break answer,
                None => writeln!(out, "  answer y, n, a or q (? for help)")?,
            }
        };
        match answer {
            Answer::Yes => decisions.push(Decision::Accepted),
            Answer::No => decisions.push(Decision::Rejected),
            Answer::All => decisions.resize(count, Decision::Accepted),
            Answer::Quit => decisions.resize(count, Decision::Unanswered),
            Answer::Help => {}
        }
    }
    Ok(decisions)
}

/// Plans one app, with the progress bar when asked.
fn plan_app(
    project: &Project,
    overrides: &[RouteOverride],
    excluded: HashSet<String>,
    show_progress: bool,
) -> Plan {
    let progress = Progress::default();
    terminal::with_progress(&progress, show_progress, || {
        let options = PlanOptions {
            progress: Some(&progress),
            excluded,
            ..PlanOptions::default()
        };
        plan::plan_for(project, overrides, &options)
    })
}

/// The shared files already shown: (app, index in its plan's shared files) → the route shown
/// with them.
#[derive(Default)]
struct SharedShown(HashMap<(usize, usize), String>);

/// A route's question: its heading, class and evidence, the files it and its shared files
/// change, its diagnostics, then every diff.
fn question_text(
    reviewed: &[Reviewed],
    question: Question,
    (position, total): (usize, usize),
    shown: &mut SharedShown,
    paint: Paint,
) -> io::Result<String> {
    let r = &reviewed[question.app];
    let route = &r.plan.routes[question.route];
    let several = reviewed.len() > 1;
    let mut text: Vec<u8> = Vec::new();
    let out = &mut text;
    let app = if several {
        format!("app {}  ", r.app.label)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "({position}/{total}) {app}{}",
            present::route_heading(route)
        ))
    )?;
    present::print_classification(route, usize::MAX, out)?;
    for operation in &route.operations {
        writeln!(out, "  {:<7} {}", operation.verb(), operation.path())?;
    }
    let mut shared_diffs = Vec::new();
    for &index in &route.shared {
        let Some(shared) = r.plan.shared.get(index) else {
            continue;
        };
        if shared.up_to_date {
            continue;
        }
        if let Some(first) = shown.0.get(&(question.app, index)) {
            writeln!(
                out,
                "  {:<7} {}  (shared, shown with {first})",
                "uses", shared.path
            )?;
            continue;
        }
        shown.0.insert(
            (question.app, index),
            route_name(&r.app, &route.url, several),
        );
        let verb = if shared.original.is_some() {
            "modify"
        } else {
            "create"
        };
        let others = other_users(&r.plan, route, index);
        let with = if others.is_empty() {
            String::new()
        } else {
            format!(" with {}", others.join(", "))
        };
        writeln!(out, "  {verb:<7} {}  (shared{with})", shared.path)?;
        shared_diffs.push(present::shared_diff(shared));
    }
    for diagnostic in &route.diagnostics {
        present::print_diagnostic(diagnostic, "  ", out, paint)?;
    }
    for diff in shared_diffs {
        writeln!(out)?;
        present::write_painted(out, &diff, paint)?;
    }
    for operation in &route.operations {
        writeln!(out)?;
        present::write_painted(out, &present::operation_diff(operation), paint)?;
    }
    writeln!(out)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// The URLs of the other converted routes that need the shared file `index`.
fn other_users(plan: &Plan, route: &RoutePlan, index: usize) -> Vec<String> {
    plan.routes
        .iter()
        .filter(|other| {
            other.source != route.source
                && other.status == RouteStatus::Converted
                && other.shared.contains(&index)
        })
        .map(|other| other.url.clone())
        .collect()
}

/// The routes that are not asked about (left for manual work, errors), with their diagnostics,
/// and the findings not tied to a route.
fn not_asked_text(reviewed: &[Reviewed], paint: Paint) -> io::Result<String> {
    let mut text: Vec<u8> = Vec::new();
    let out = &mut text;
    let several = reviewed.len() > 1;
    for r in reviewed {
        let routes: Vec<&RoutePlan> = r
            .plan
            .routes
            .iter()
            .filter(|route| route.status != RouteStatus::Converted)
            .collect();
        if routes.is_empty() && r.plan.diagnostics.is_empty() {
            continue;
        }
        if several {
            writeln!(out, "{}", paint.bold(&format!("app {}", r.app.label)))?;
        }
        if !routes.is_empty() {
            writeln!(
                out,
                "{}",
                paint.bold(&format!(
                    "not asked: {} route{} left for manual work or with errors",
                    routes.len(),
                    present::plural(routes.len())
                ))
            )?;
        }
        for route in routes {
            writeln!(out, "{}", present::route_heading(route))?;
            for diagnostic in &route.diagnostics {
                present::print_diagnostic(diagnostic, "  ", out, paint)?;
            }
        }
        for diagnostic in &r.plan.diagnostics {
            present::print_diagnostic(diagnostic, "", out, paint)?;
        }
        writeln!(out)?;
    }
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// `/api/items`, or `apps/web /api/items` when the run has several apps.
fn route_name(app: &App, url: &str, several: bool) -> String {
    if several {
        format!("{} {url}", app.label)
    } else {
        url.to_string()
    }
}

/// What became of every route, for the closing summary.
#[derive(Default)]
struct Outcome {
    applied: Vec<String>,
    /// Routes apply skipped (a file changed during the review): (route, reason).
    skipped: Vec<(String, String)>,
    rejected: Vec<String>,
    unanswered: Vec<String>,
    not_asked: Vec<String>,
    /// Accepted routes that no longer convert without the routes that were not accepted.
    not_applied: Vec<(String, RoutePlan)>,
}

impl Outcome {
    fn print(&self, target: &Target, out: &mut dyn Write, paint: Paint) -> io::Result<()> {
        let count = self.applied.len();
        let place = match target {
            Target::Branch { branch, .. } if count > 1 => {
                format!(" on branch {branch}, one commit each")
            }
            Target::Branch { branch, .. } => format!(" on branch {branch}"),
            Target::WorkingTree => " to the working tree".to_string(),
        };
        if count == 0 {
            writeln!(out, "{}", paint.bold("no route applied: nothing written"))?;
        } else {
            writeln!(
                out,
                "{}: {}",
                paint.green(&format!(
                    "applied {count} route{}{place}",
                    present::plural(count)
                )),
                self.applied.join(", ")
            )?;
        }
        for (route, reason) in &self.skipped {
            writeln!(out, "{}: {route}: {reason}", paint.red("skipped"))?;
        }
        for (route, plan) in &self.not_applied {
            writeln!(
                out,
                "{}: {route}: it no longer converts without the routes that were not accepted",
                paint.yellow("accepted but not applied")
            )?;
            for diagnostic in plan
                .diagnostics
                .iter()
                .filter(|d| d.severity != transforms::Severity::Note)
            {
                present::print_diagnostic(diagnostic, "  ", out, paint)?;
            }
        }
        let lists = [
            ("rejected, left as they are", &self.rejected),
            ("not answered (quit), left as they are", &self.unanswered),
            ("not asked (manual work or errors)", &self.not_asked),
        ];
        for (label, routes) in lists {
            if !routes.is_empty() {
                writeln!(out, "{label}: {}", routes.join(", "))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(count: usize, answers: &str) -> (Vec<Decision>, String, Vec<usize>) {
        let mut input = answers.as_bytes();
        let mut out = Vec::new();
        let mut shown = Vec::new();
        let decisions = review(
            count,
            &mut input,
            &mut out,
            |position, _| {
                shown.push(position);
                Ok(())
            },
            |position| format!("#{position}? "),
        )
        .unwrap();
        (decisions, String::from_utf8(out).unwrap(), shown)
    }

    #[test]
    fn answers_accept_and_reject_one_route_each() {
        let (decisions, _, shown) = decide(3, "y\nno\nYes\n");
        assert_eq!(
            decisions,
            [Decision::Accepted, Decision::Rejected, Decision::Accepted]
        );
        assert_eq!(shown, [0, 1, 2]);
    }

    #[test]
    fn all_accepts_the_rest_without_showing_it() {
        let (decisions, _, shown) = decide(4, "n\na\n");
        assert_eq!(
            decisions,
            [
                Decision::Rejected,
                Decision::Accepted,
                Decision::Accepted,
                Decision::Accepted
            ]
        );
        assert_eq!(shown, [0, 1]);
    }

    #[test]
    fn quit_and_the_end_of_input_leave_the_rest_unanswered() {
        let (decisions, _, _) = decide(3, "y\nq\n");
        assert_eq!(
            decisions,
            [
                Decision::Accepted,
                Decision::Unanswered,
                Decision::Unanswered
            ]
        );
        let (decisions, _, _) = decide(2, "y\n");
        assert_eq!(decisions, [Decision::Accepted, Decision::Unanswered]);
    }

    #[test]
    fn help_and_unknown_answers_ask_again() {
        let (decisions, out, shown) = decide(1, "?\n\nmaybe\nn\n");
        assert_eq!(decisions, [Decision::Rejected]);
        assert_eq!(shown, [0], "the route is shown once");
        assert_eq!(out.matches("#0? ").count(), 4, "{out}");
        assert!(out.contains("q  stop here"), "{out}");
        assert_eq!(out.matches("answer y, n, a or q").count(), 2, "{out}");
    }
}

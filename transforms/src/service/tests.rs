use std::collections::HashSet;

use super::*;
use crate::parse::ParsedFile;
use crate::route_handler::RouteContext;
use crate::route_path::api_route;
use crate::text::Style;

const TODOS: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '../../../lib/db'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method === 'GET') {
    const todos = await db.todos.findMany()
    return res.status(200).json(todos)
  }
  if (req.method === 'POST') {
    const user = req.cookies.user
    if (!user) {
      return res.status(401).json({ error: 'sign in first' })
    }
    const { title } = req.body
    if (typeof title !== 'string' || title.trim() === '') {
      return res.status(400).json({ error: 'title is required' })
    }
    await db.todos.create({ title: title.trim(), owner: user })
    return res.redirect(303, '/todos')
  }
  res.setHeader('Allow', ['GET', 'POST'])
  return res.status(405).json({ error: `Method ${req.method} not allowed` })
}
"#;

/// `source` as `pages/api/todos/index.ts`, extracted with the feature's names `taken`.
fn extract_with(
    source: &str,
    taken: &HashSet<String>,
) -> Result<Extraction, Vec<crate::diagnostic::Diagnostic>> {
    let file = ParsedFile::parse("pages/api/todos/index.ts", source).expect("parses");
    let route = api_route("pages", "todos/index", "ts").expect("route");
    let routing = RouteContext::standalone(&route);
    extract(
        &file,
        &ServiceContext {
            routing: &routing,
            feature_dir: "features/todos",
            service_specifier: "../../../features/todos/service",
            taken,
        },
    )
}

fn extract_todos(source: &str) -> Extraction {
    extract_with(source, &HashSet::new()).unwrap_or_else(|problems| panic!("{problems:?}"))
}

#[test]
fn splits_a_handler_into_service_and_thin_route() {
    let extraction = extract_todos(TODOS);
    let style = Style::default();
    let service = compose(&[], &[&extraction.service], &style);
    assert!(service.contains("export async function createTodo({ user, body }: { user: string | undefined; body: any }) {"), "{service}");
    assert!(
        !service.contains("req.") && !service.contains("res."),
        "{service}"
    );
    let thin = &extraction.route_handler.text;
    assert!(
        thin.contains("await service.createTodo({ user: req.cookies.get('user')?.value"),
        "{thin}"
    );
    assert!(thin.contains("if (result.reason === 'unauthenticated') return jsonResponse(result.error, { status: 401 })"), "{thin}");
    let names: Vec<&str> = extraction
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["listTodos", "createTodo"]);
    let create = &extraction.functions[1];
    assert_eq!(
        create.failures.iter().map(|f| f.status).collect::<Vec<_>>(),
        [401, 400]
    );
    assert_eq!(create.success, Success::Redirect);
    let form = action_fragment(
        create,
        "createTodo",
        ActionStyle::Form,
        &[],
        "./service",
        &style,
        true,
    )
    .expect("form action");
    let json = action_fragment(
        create,
        "createTodo",
        ActionStyle::Arguments,
        &[],
        "./service",
        &style,
        true,
    )
    .expect("action");
    let actions = compose(&["'use server'".into()], &[&form, &json], &style);
    assert!(
        actions.contains("export async function createTodo(formData: FormData) {"),
        "{actions}"
    );
    assert!(
        actions.contains("(await cookies()).get('user')?.value"),
        "{actions}"
    );
    let query = query_fragment(
        &extraction.functions[0],
        "listTodos",
        &[],
        "./service",
        &style,
        true,
    )
    .expect("query");
    let queries = compose(&["import 'server-only'".into()], &[&query], &style);
    assert!(queries.contains("return service.listTodos()"), "{queries}");
}

#[test]
fn a_refusal_is_the_same_whatever_the_feature_has_taken_outside_the_names_sought() {
    // Code before the method dispatch: refused before any name is looked up.
    let early = TODOS.replace(
        "  if (req.method === 'GET') {",
        "  console.log(req.url)\n  if (req.method === 'GET') {",
    );
    let refusal = |taken: &HashSet<String>| {
        extract_with(&early, taken)
            .map(|_| "extracted")
            .expect_err("refused")
            .iter()
            .map(|d| d.code.clone())
            .collect::<Vec<_>>()
    };
    let route = api_route("pages", "todos/index", "ts").expect("route");
    let sought: HashSet<String> = names_sought(&route).into_iter().collect();
    let unrelated: HashSet<String> = ["archiveTodo".to_string()].into();
    assert!(sought.is_disjoint(&unrelated));
    assert_eq!(refusal(&HashSet::new()), refusal(&unrelated));

    // The names a successful extraction picks, plain or with the method, are among those sought.
    let names = |taken: &HashSet<String>| -> Vec<String> {
        extract_with(TODOS, taken)
            .unwrap_or_else(|problems| panic!("{problems:?}"))
            .functions
            .into_iter()
            .map(|f| f.name)
            .collect()
    };
    let plain = names(&HashSet::new());
    let suffixed = names(&plain.iter().cloned().collect());
    assert_ne!(plain, suffixed);
    for name in plain.iter().chain(&suffixed) {
        assert!(sought.contains(name), "{name} not in {sought:?}");
    }
}

#[test]
fn the_thin_handler_keeps_the_routes_byte_order_marks_and_its_import_edits_in_place() {
    // With two marks, the thin handler's code starts after both, and the service import goes
    // after them: the import edits must still land where they belong.
    let plain = extract_todos(TODOS).route_handler.text;
    for marks in ["\u{feff}", "\u{feff}\u{feff}"] {
        let marked = extract_todos(&format!("{marks}{TODOS}")).route_handler.text;
        assert_eq!(marked, format!("{marks}{plain}"));
    }
}

use super::*;
use crate::edit::apply;

const UPDATE: Replacement = Replacement {
    function: "updateTodo",
    module: "@/features/todos/actions",
    kind: ReplacementKind::Action,
    route: "/api/todos/[id]",
    method: "PATCH",
    takes_body: true,
    can_fail: true,
};

const CREATE: Replacement = Replacement {
    function: "createTodo",
    module: "@/features/todos/actions",
    kind: ReplacementKind::FormAction,
    route: "/api/todos",
    method: "POST",
    takes_body: true,
    can_fail: true,
};

const GET_TODOS: Replacement = Replacement {
    function: "getTodos",
    module: "@/features/todos/queries",
    kind: ReplacementKind::Query,
    route: "/api/todos",
    method: "GET",
    takes_body: false,
    can_fail: false,
};

const GET_TODO: Replacement = Replacement {
    function: "getTodo",
    module: "../../features/todos/queries",
    kind: ReplacementKind::Query,
    route: "/api/todos/[id]",
    method: "GET",
    takes_body: false,
    can_fail: false,
};

fn parse(src: &str) -> ParsedFile {
    match ParsedFile::parse("app/x/page.tsx", src) {
        Ok(file) => file,
        Err(error) => panic!("fixture does not parse: {error}"),
    }
}

/// Rewrites the site at the first occurrence of `at` and applies the edits and the import.
fn run(src: &str, at: &str, replacement: &Replacement) -> Result<(String, String), NotRewritten> {
    let file = parse(src);
    let offset = src.find(at).expect("the fixture has the site");
    let rewrite = rewrite(&file, offset, replacement)?;
    let mut edits = rewrite.edits.clone();
    edits.extend(rewrite.import.clone());
    Ok((
        apply(&file.text, &edits).expect("edits apply"),
        rewrite.call,
    ))
}

fn output(src: &str, at: &str, replacement: &Replacement) -> String {
    match run(src, at, replacement) {
        Ok((text, _)) => text,
        Err(not) => panic!("not rewritten: {} (write {})", not.reason, not.suggestion),
    }
}

fn refusal(src: &str, at: &str, replacement: &Replacement) -> NotRewritten {
    match run(src, at, replacement) {
        Ok((text, _)) => panic!("rewritten:\n{text}"),
        Err(not) => not,
    }
}

#[test]
fn awaited_statement_after_use_client() {
    let src = r#"'use client'

export function Toggle({ todo }) {
  async function toggle() {
    await fetch(`/api/todos/${todo.id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ done: !todo.done }),
    })
  }
  return <button onClick={toggle} />
}
"#;
    let (text, call) = run(src, "fetch(", &UPDATE).unwrap();
    assert_eq!(
        text,
        r#"'use client'

import { updateTodo } from '@/features/todos/actions'

export function Toggle({ todo }) {
  async function toggle() {
    await updateTodo(todo.id, { done: !todo.done })
  }
  return <button onClick={toggle} />
}
"#
    );
    assert_eq!(call, "await updateTodo(todo.id, { done: !todo.done })");
}

#[test]
fn body_read_after_the_ok_guard_becomes_data() {
    let src = r#"import { useState } from 'react'

async function toggle(todo) {
  const res = await window.fetch('/api/todos/' + todo.id, {
    method: 'patch',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(todo),
    credentials: 'include',
  })
  if (!res.ok) return
  const updated = await res.json()
  return updated
}
"#;
    assert_eq!(
        output(src, "window.fetch", &UPDATE),
        r#"import { useState } from 'react'
import { updateTodo } from '@/features/todos/actions'

async function toggle(todo) {
  const res = await updateTodo(todo.id, todo)
  if (!res.ok) return
  const updated = res.data
  return updated
}
"#
    );
}

#[test]
fn body_reads_inside_ok_checks_become_data_or_error() {
    let src = r#"async function save(id, body) {
  const res = await fetch(`/api/todos/${id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!res.ok) {
    const problem = await res.json()
    throw new Error(problem.message)
  }
  if (res.ok) {
    show(await res.json())
  }
  return res.ok ? await res.json() : null
}
"#;
    assert_eq!(
        output(src, "fetch(", &UPDATE),
        r#"import { updateTodo } from '@/features/todos/actions'

async function save(id, body) {
  const res = await updateTodo(id, body)
  if (!res.ok) {
    const problem = res.error
    throw new Error(problem.message)
  }
  if (res.ok) {
    show(res.data)
  }
  return res.ok ? res.data : null
}
"#
    );
}

#[test]
fn body_read_before_the_status_check_is_refused() {
    let src = r#"async function save(id, body) {
  const res = await fetch(`/api/todos/${id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  const data = await res.json()
  if (!res.ok) throw new Error(data.message)
}
"#;
    let not = refusal(src, "fetch(", &UPDATE);
    assert_eq!(not.reason, "the body is read before the status is checked");
    assert_eq!(not.suggestion, "await updateTodo(id, body)");
}

#[test]
fn other_uses_of_the_response_are_refused_with_their_reason() {
    let case = |use_: &str| {
        let src = format!(
            "async function save(id) {{\n  const res = await fetch(`/api/todos/${{id}}`, {{ method: 'PATCH', body: JSON.stringify(1) }})\n  {use_}\n}}\n"
        );
        refusal(&src, "fetch(", &UPDATE).reason
    };
    assert_eq!(
        case("console.log(res.headers.get('x'))"),
        "the response's headers are read"
    );
    assert_eq!(
        case("if (res.status === 404) return"),
        "the response's status is read"
    );
    assert_eq!(
        case("const text = await res.text()"),
        "the response is read with `.text()`"
    );
    assert_eq!(
        case("return res"),
        "the response is used as a value (`res`)"
    );
    assert_eq!(case("res = null"), "`res` is assigned again");
    assert_eq!(
        case("setTimeout(() => console.log(res.ok))"),
        "the response is used in a nested function"
    );
}

#[test]
fn json_without_content_type_passes_the_string() {
    let src = "async function save(id, todo) {\n  await fetch(`/api/todos/${id}`, { method: 'PATCH', body: JSON.stringify(todo) })\n}\n";
    let (text, call) = run(src, "fetch(", &UPDATE).unwrap();
    assert_eq!(
        text,
        "import { updateTodo } from '@/features/todos/actions'\n\nasync function save(id, todo) {\n  await updateTodo(id, JSON.stringify(todo))\n}\n"
    );
    assert_eq!(call, "await updateTodo(id, JSON.stringify(todo))");
}

#[test]
fn base_url_prefixes_are_dropped() {
    let urls = [
        ("`${process.env.NEXT_PUBLIC_URL}/api/todos/${id}`", "id"),
        ("'http://localhost:3000/api/todos/' + id", "id"),
        (
            "`http://${req.headers.host}/api/todos/${encodeURIComponent(id)}`",
            "id",
        ),
        (
            "`https://${context.req.headers.host}/api/todos/${todo.id}/`",
            "todo.id",
        ),
        ("baseUrl + `/api/todos/${id}`", "id"),
        ("`${origin}/api/todos/42`", "'42'"),
    ];
    for (url, arg) in urls {
        let src = format!(
            "async function load() {{\n  const todo = await (await fetch({url})).json()\n}}\n"
        );
        let (text, call) = run(&src, "fetch(", &GET_TODO).unwrap();
        assert_eq!(call, format!("await getTodo({arg})"), "{url}");
        assert_eq!(
            text,
            format!(
                "import {{ getTodo }} from '../../features/todos/queries'\n\nasync function load() {{\n  const todo = await getTodo({arg})\n}}\n"
            ),
            "{url}"
        );
    }
}

#[test]
fn urls_that_do_not_fit_are_refused() {
    let reason = |url: &str| {
        let src = format!("async function load(id) {{\n  await fetch({url})\n}}\n");
        refusal(&src, "fetch(", &GET_TODO).reason
    };
    assert_eq!(
        reason("`/api/todos/${id}?expand=1`"),
        "the URL has a query string"
    );
    assert_eq!(
        reason("`/api/todos/item-${id}`"),
        "the URL segment `item-${id}` mixes text and a value"
    );
    assert_eq!(
        reason("`https://example.com/api/todos/${id}`"),
        "the URL's origin is not one routeshift knows to be this app"
    );
    assert_eq!(
        reason("`/api/todos/${id}/comments`"),
        "the URL does not match `/api/todos/[id]`"
    );
    assert_eq!(reason("url"), "the URL is not written at the call");
    let not = refusal(
        "async function load(id) {\n  await fetch(`/api/todos/${id}?x=1`)\n}\n",
        "fetch(",
        &GET_TODO,
    );
    assert_eq!(not.suggestion, "await getTodo(id)");
}

#[test]
fn method_options_and_bodies_are_checked() {
    let reason = |init: &str| {
        let src = format!(
            "async function save(id, body) {{\n  await fetch(`/api/todos/${{id}}`, {init})\n}}\n"
        );
        refusal(&src, "fetch(", &UPDATE).reason
    };
    assert_eq!(
        reason("{ method: 'POST', body: JSON.stringify(body) }"),
        "the call sends POST, not PATCH"
    );
    assert_eq!(reason("{ method: 'PATCH' }"), "the call sends no body");
    assert_eq!(
        reason("{ method: 'PATCH', body: new FormData(form) }"),
        "the body is FormData"
    );
    assert_eq!(
        reason("{ method: 'PATCH', body: JSON.stringify(body), signal }"),
        "the call passes `signal`"
    );
    assert_eq!(
        reason("{ ...init, method: 'PATCH' }"),
        "the request options spread another object"
    );
    assert_eq!(
        reason("init"),
        "the request options are not written at the call"
    );
    let not = refusal(
        "async function load(id) {\n  await fetch(`/api/todos/${id}`, { cache: 'force-cache' })\n}\n",
        "fetch(",
        &GET_TODO,
    );
    assert_eq!(not.reason, "the call asks for `cache: 'force-cache'`");
}

#[test]
fn a_name_already_bound_is_refused() {
    let src = "import { updateTodo } from './legacy'\n\nasync function save(id) {\n  await fetch(`/api/todos/${id}`, { method: 'PATCH', body: JSON.stringify(1) })\n}\n";
    let not = refusal(src, "fetch(", &UPDATE);
    assert_eq!(not.reason, "`updateTodo` is already a name in this file");
    assert_eq!(not.suggestion, "await updateTodo(id, JSON.stringify(1))");
    let src = "async function save(id, updateTodo) {\n  await fetch(`/api/todos/${id}`, { method: 'PATCH', body: JSON.stringify(1) })\n}\n";
    assert_eq!(
        refusal(src, "fetch(", &UPDATE).reason,
        "`updateTodo` is already a name in this file"
    );
}

#[test]
fn an_existing_import_is_reused() {
    let src = "import { createTodo, updateTodo } from '@/features/todos/actions'\n\nasync function save(id) {\n  await fetch(`/api/todos/${id}`, { method: 'PATCH', body: JSON.stringify(1) })\n}\n";
    let file = parse(src);
    let offset = src.find("fetch(").unwrap();
    let rewrite = rewrite(&file, offset, &UPDATE).unwrap();
    assert_eq!(rewrite.import, None);
    assert_eq!(
        apply(&file.text, &rewrite.edits).unwrap(),
        "import { createTodo, updateTodo } from '@/features/todos/actions'\n\nasync function save(id) {\n  await updateTodo(id, JSON.stringify(1))\n}\n"
    );
}

#[test]
fn import_follows_the_file_style_and_goes_after_the_last_import() {
    let src = "\"use client\";\r\nimport React from \"react\";\r\nimport { cn } from \"@/lib/utils\"; // helpers\r\n\r\nexport async function save(id) {\r\n  await fetch(`/api/todos/${id}`, { method: \"PATCH\", body: JSON.stringify(1) });\r\n}\r\n";
    assert_eq!(
        output(src, "fetch(", &UPDATE),
        "\"use client\";\r\nimport React from \"react\";\r\nimport { cn } from \"@/lib/utils\"; // helpers\r\nimport { updateTodo } from \"@/features/todos/actions\";\r\n\r\nexport async function save(id) {\r\n  await updateTodo(id, JSON.stringify(1));\r\n}\r\n"
    );
    // Two rewrites of one file put their imports at the same point.
    let file = parse(src);
    let a = import_edit(&file, &["updateTodo"], "@/features/todos/actions");
    let b = import_edit(&file, &["deleteTodo"], "@/features/todos/actions");
    assert_eq!(a.map(|e| e.range), b.map(|e| e.range));
}

#[test]
fn form_action_replaces_the_url_and_drops_method_and_enctype() {
    let src = r#"export default function New() {
  return (
    <form action="/api/todos" method="POST" encType="multipart/form-data" className="x">
      <input name="title" />
    </form>
  )
}
"#;
    // JSX attribute values do not count for the quotes of the new import.
    let expected = r#"import { createTodo } from '@/features/todos/actions'

export default function New() {
  return (
    <form action={createTodo} className="x">
      <input name="title" />
    </form>
  )
}
"#;
    let (text, call) = run(src, "<form", &CREATE).unwrap();
    assert_eq!(text, expected);
    assert_eq!(call, "action={createTodo}");
    // The call graph places form sites at their `action` attribute.
    assert_eq!(output(src, "action=", &CREATE), expected);
    let multiline = "const f = () => (\n  <form\n    method={'post'}\n    action={'http://localhost:3000/api/todos/'}\n  >\n    <button />\n  </form>\n)\n";
    assert_eq!(
        output(multiline, "<form", &CREATE),
        "import { createTodo } from '@/features/todos/actions'\n\nconst f = () => (\n  <form\n    action={createTodo}\n  >\n    <button />\n  </form>\n)\n"
    );
}

#[test]
fn forms_that_cannot_become_actions_are_refused() {
    let reason = |form: &str, replacement: &Replacement| {
        let src = format!("const f = () => {form}\n");
        refusal(&src, "<form", replacement).reason
    };
    assert_eq!(
        reason("<form action=\"/api/todos\" />", &CREATE),
        "the form submits with GET (it has no method)"
    );
    assert_eq!(
        reason("<form action={url} method=\"post\" />", &CREATE),
        "the form's action is not a literal URL"
    );
    assert_eq!(
        reason(
            "<form action=\"/api/todos?next=/\" method=\"post\" />",
            &CREATE
        ),
        "the URL has a query string"
    );
    let with_param = Replacement {
        route: "/api/todos/[id]",
        ..CREATE
    };
    assert_eq!(
        reason(
            "<form action=\"/api/todos/1\" method=\"post\" />",
            &with_param
        ),
        "the route has parameters, which a form action cannot pass"
    );
}

#[test]
fn query_moves_into_the_body_read_and_drops_the_guard() {
    let src = r#"export async function getServerSideProps() {
  const res = await fetch('http://localhost:3000/api/todos', { cache: 'no-store' })
  if (!res.ok) {
    throw new Error('failed')
  }
  const todos: Todo[] = await res.json()
  return { props: { todos } }
}
"#;
    let (text, call) = run(src, "fetch(", &GET_TODOS).unwrap();
    assert_eq!(
        text,
        r#"import { getTodos } from '@/features/todos/queries'

export async function getServerSideProps() {
  const todos: Todo[] = await getTodos()
  return { props: { todos } }
}
"#
    );
    assert_eq!(call, "await getTodos()");
}

#[test]
fn query_read_later_keeps_the_variable() {
    let src = r#"export default async function Page() {
  const res = await fetch('/api/todos')
  log('fetched')
  if (!res.ok) throw new Error('failed')
  const todos = await res.json()
  return <List todos={todos} />
}
"#;
    assert_eq!(
        output(src, "fetch(", &GET_TODOS),
        r#"import { getTodos } from '@/features/todos/queries'

export default async function Page() {
  const res = await getTodos()
  log('fetched')
  const todos = res
  return <List todos={todos} />
}
"#
    );
    let src = "export default async function Page() {\n  const res = await fetch('/api/todos')\n  const todos = await res.json()\n  return res.ok ? todos : []\n}\n";
    assert_eq!(
        refusal(src, "fetch(", &GET_TODOS).reason,
        "the status is read (`res.ok`) other than by `if (!res.ok) …`, and the query returns no status"
    );
}

#[test]
fn query_that_can_fail_reads_data() {
    let can_fail = Replacement {
        can_fail: true,
        ..GET_TODOS
    };
    let src = "async function load() {\n  const res = await fetch('/api/todos')\n  if (!res.ok) return []\n  return res.json()\n}\n";
    assert_eq!(
        output(src, "fetch(", &can_fail),
        "import { getTodos } from '@/features/todos/queries'\n\nasync function load() {\n  const res = await getTodos()\n  if (!res.ok) return []\n  return res.data\n}\n"
    );
    let src = "async function load() {\n  return await (await fetch('/api/todos')).json()\n}\n";
    assert_eq!(
        refusal(src, "fetch(", &can_fail).reason,
        "the body is read without checking the status (the function returns `{ ok, data }`)"
    );
}

#[test]
fn then_json_becomes_the_call() {
    let src = "export function load() {\n  return fetch('/api/todos').then((r) => r.json())\n}\n";
    let (text, call) = run(src, "fetch(", &GET_TODOS).unwrap();
    assert_eq!(
        text,
        "import { getTodos } from '@/features/todos/queries'\n\nexport function load() {\n  return getTodos()\n}\n"
    );
    assert_eq!(call, "getTodos()");
    let action = Replacement {
        kind: ReplacementKind::Action,
        ..GET_TODOS
    };
    assert_eq!(
        refusal(src, "fetch(", &action).reason,
        "the body is read with `.then()` without checking the status"
    );
}

#[test]
fn calls_not_awaited_are_refused() {
    let src = "function save(id) {\n  fetch(`/api/todos/${id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id }) }).then(done)\n}\n";
    let not = refusal(src, "fetch(", &UPDATE);
    assert_eq!(not.reason, "the call is not awaited where it is made");
    assert_eq!(not.suggestion, "await updateTodo(id, { id })");
    let src = "async function save(id) {\n  const { ok } = await fetch(`/api/todos/${id}`, { method: 'PATCH', body: JSON.stringify(1) })\n}\n";
    assert_eq!(
        refusal(src, "fetch(", &UPDATE).reason,
        "the response is destructured"
    );
    assert_eq!(
        refusal(src, "async", &UPDATE).reason,
        "no fetch call or form starts at this position"
    );
}

#[test]
fn query_without_a_body_read_becomes_a_statement() {
    let src = "async function warm() {\n  const res = await fetch('/api/todos')\n  if (!res.ok) throw new Error('cold')\n  done()\n}\n";
    assert_eq!(
        output(src, "fetch(", &GET_TODOS),
        "import { getTodos } from '@/features/todos/queries'\n\nasync function warm() {\n  await getTodos()\n  done()\n}\n"
    );
}

#[test]
fn import_goes_after_a_shebang_or_at_the_top() {
    let src = "#!/usr/bin/env node\nawait fetch('/api/todos')\n";
    assert_eq!(
        output(src, "fetch(", &GET_TODOS),
        "#!/usr/bin/env node\nimport { getTodos } from '@/features/todos/queries'\nawait getTodos()\n"
    );
}

#[test]
fn call_offset_reverses_location() {
    let src = "const é = 'ü'\n  await fetch('/api/todos') // ß\n";
    let file = parse(src);
    for needle in ["fetch(", "// ß", "const"] {
        let offset = src.find(needle).unwrap();
        let location = file.location(offset);
        assert_eq!(
            call_offset(&file, location.line, location.column),
            Some(offset),
            "{needle}"
        );
    }
    assert_eq!(call_offset(&file, 1, 14), Some(src.find('\n').unwrap()));
    assert_eq!(call_offset(&file, 1, 15), None);
    assert_eq!(call_offset(&file, 9, 1), None);
    assert_eq!(call_offset(&file, 0, 1), None);
}

#[test]
fn without_imports_quotes_come_from_code_strings() {
    let src = "\"use client\"\nexport const f = () => <form className='a' action=\"/api/todos\" method=\"post\" />\n";
    assert_eq!(
        output(src, "<form", &CREATE),
        "\"use client\"\n\nimport { createTodo } from \"@/features/todos/actions\"\nexport const f = () => <form className='a' action={createTodo} />\n"
    );
}

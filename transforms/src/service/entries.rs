//! The App Router entry points over a service: Server Actions and query functions, and the
//! module text that several routes' fragments make together.

use std::collections::BTreeMap;

use super::{naming, Fragment, ImportItem, ImportKind, InputSource, ServiceFunction, Success};
use crate::route_path::{ParamKind, RouteParam};
use crate::text::Style;

/// How the app's UI sends a mutation, which decides the action's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStyle {
    /// Called from client code with the values the request carried: `updateTodo(id, body)`.
    /// Returns `{ ok: true, data } | { ok: false, reason, error }`.
    Arguments,
    /// Used as `<form action={createTodo}>`: takes the `FormData`, returns nothing; a failure
    /// throws (the error boundary shows it), a redirect redirects.
    Form,
}

/// Names an entry point's body uses for itself; an input with one of them is renamed.
const RESERVED: [&str; 7] = [
    "cookies", "headers", "redirect", "service", "result", "formData", "formBody",
];

struct Writer<'a> {
    style: &'a Style,
    typescript: bool,
    service: &'a str,
}

impl Writer<'_> {
    fn as_const(&self, value: &str) -> String {
        if self.typescript {
            format!("{value} as const")
        } else {
            value.to_string()
        }
    }

    fn typed(&self, name: &str, ts_type: &str) -> String {
        if self.typescript {
            format!("{name}: {ts_type}")
        } else {
            name.to_string()
        }
    }

    fn import(&self, source: &str, kind: ImportKind) -> ImportItem {
        ImportItem {
            source: source.to_string(),
            kind,
            type_only: false,
        }
    }

    fn named(&self, source: &str, name: &str) -> ImportItem {
        self.import(
            source,
            ImportKind::Named {
                imported: name.to_string(),
                local: name.to_string(),
            },
        )
    }
}

/// What the entry point's callers pass: every route parameter in route order (what their URL
/// carried, whether or not the logic reads it), then search-query inputs, then the body.
fn caller_parameters(
    function: &ServiceFunction,
    route_params: &[RouteParam],
    writer: &Writer,
) -> Vec<String> {
    let mut params: Vec<String> = route_params
        .iter()
        .map(|p| {
            let ts_type = match p.kind {
                ParamKind::Single => "string",
                ParamKind::CatchAll => "string[]",
                ParamKind::OptionalCatchAll => "string[] | undefined",
            };
            writer.typed(&local_name(&naming::identifier(&p.name)), ts_type)
        })
        .collect();
    for wanted in [true, false] {
        params.extend(
            function
                .inputs
                .iter()
                .filter(|i| match &i.source {
                    InputSource::Search { .. } | InputSource::Query => wanted,
                    InputSource::Body => !wanted,
                    _ => false,
                })
                .map(|i| writer.typed(&local_name(&i.name), &i.ts_type)),
        );
    }
    params
}

/// A fragment that starts with the service's namespace import.
fn fragment_over_service(writer: &Writer, service_specifier: &str) -> Fragment {
    let mut fragment = Fragment::default();
    fragment.imports.insert(writer.import(
        service_specifier,
        ImportKind::Namespace(writer.service.to_string()),
    ));
    fragment
}

/// Whether a query function can serve `function`: it needs nothing from a request (no body,
/// cookie or header), since a page's server code has no request to give it.
pub fn can_query(function: &ServiceFunction) -> bool {
    !function
        .inputs
        .iter()
        .any(|i| !i.source.from_caller() || i.source == InputSource::Body)
}

/// Whether a form can call `function`'s action: a form supplies a body, not route parameters
/// or a query string.
pub fn can_post_form(function: &ServiceFunction, route_params: &[RouteParam]) -> bool {
    route_params.is_empty()
        && !function
            .inputs
            .iter()
            .any(|i| i.source.from_caller() && i.source != InputSource::Body)
}

fn local_name(name: &str) -> String {
    if RESERVED.contains(&name) {
        format!("{name}Value")
    } else {
        name.to_string()
    }
}

/// The service call with its inputs: arguments by name, cookies and headers read here.
fn service_call(
    function: &ServiceFunction,
    writer: &Writer,
    fragment: &mut Fragment,
    body: &str,
) -> String {
    if function.inputs.is_empty() {
        return format!("await {}.{}()", writer.service, function.name);
    }
    let fields: Vec<String> = function
        .inputs
        .iter()
        .map(|input| {
            let value = match &input.source {
                InputSource::Cookie(name) => {
                    fragment
                        .imports
                        .insert(writer.named("next/headers", "cookies"));
                    format!(
                        "(await cookies()).get({})?.value",
                        writer.style.quoted(name)
                    )
                }
                InputSource::Header(name) => {
                    fragment
                        .imports
                        .insert(writer.named("next/headers", "headers"));
                    format!(
                        "(await headers()).get({}) ?? undefined",
                        writer.style.quoted(name)
                    )
                }
                InputSource::Body => body.to_string(),
                InputSource::Param { key, .. } => local_name(&naming::identifier(key)),
                _ => local_name(&input.name),
            };
            if value == input.name {
                value
            } else {
                format!("{}: {value}", input.name)
            }
        })
        .collect();
    format!(
        "await {}.{}({{ {} }})",
        writer.service,
        function.name,
        fields.join(", ")
    )
}

/// The Server Action `name` over `function`, or `None` when the style cannot carry its inputs
/// (a form cannot supply a route parameter).
pub fn action_fragment(
    function: &ServiceFunction,
    name: &str,
    action_style: ActionStyle,
    route_params: &[RouteParam],
    service_specifier: &str,
    style: &Style,
    typescript: bool,
) -> Option<Fragment> {
    let writer = Writer {
        style,
        typescript,
        service: "service",
    };
    let mut fragment = fragment_over_service(&writer, service_specifier);
    let semi = style.semi();
    let nl = style.newline;
    let ind = &style.indent;
    let mut lines = Vec::new();
    let params: Vec<String>;
    match action_style {
        ActionStyle::Arguments => {
            params = caller_parameters(function, route_params, &writer);
            let body = function
                .inputs
                .iter()
                .find(|i| i.source == InputSource::Body)
                .map(|i| local_name(&i.name))
                .unwrap_or_default();
            let call = service_call(function, &writer, &mut fragment, &body);
            if function.can_fail() {
                lines.push(format!("const result = {call}{semi}"));
                lines.push(format!(
                    "if (!result.ok) return {{ ok: {}, reason: result.reason, error: result.error }}{semi}",
                    writer.as_const("false")
                ));
                lines.push(format!(
                    "return {{ ok: {}, data: result.data }}{semi}",
                    writer.as_const("true")
                ));
            } else if function.success == Success::Nothing {
                lines.push(format!("{call}{semi}"));
                lines.push(format!(
                    "return {{ ok: {}, data: undefined }}{semi}",
                    writer.as_const("true")
                ));
            } else {
                lines.push(format!("const data = {call}{semi}"));
                lines.push(format!(
                    "return {{ ok: {}, data }}{semi}",
                    writer.as_const("true")
                ));
            }
        }
        ActionStyle::Form => {
            if !can_post_form(function, route_params) {
                return None;
            }
            params = vec![writer.typed("formData", "FormData")];
            let reads_body = function
                .inputs
                .iter()
                .any(|i| i.source == InputSource::Body);
            if reads_body {
                fragment
                    .declarations
                    .push((vec!["formBody".to_string()], form_body(style, typescript)));
            }
            let call = service_call(function, &writer, &mut fragment, "formBody(formData)");
            let value = if function.can_fail() {
                lines.push(format!("const result = {call}{semi}"));
                lines.push(format!(
                    "if (!result.ok) throw new Error(`{name} failed: ${{result.reason}}`){semi}"
                ));
                "result.data"
            } else if function.success == Success::Nothing {
                lines.push(format!("{call}{semi}"));
                ""
            } else {
                lines.push(format!("const data = {call}{semi}"));
                "data"
            };
            if function.success == Success::Redirect {
                fragment
                    .imports
                    .insert(writer.named("next/navigation", "redirect"));
                lines.push(format!("redirect({value}){semi}"));
            }
        }
    }
    let body: Vec<String> = lines.iter().map(|l| format!("{ind}{l}")).collect();
    fragment.functions.push((
        name.to_string(),
        format!(
            "export async function {name}({}) {{{nl}{}{nl}}}",
            params.join(", "),
            body.join(nl)
        ),
    ));
    Some(fragment)
}

/// `FormData` as the Pages body parser read a urlencoded form: repeated keys become arrays;
/// React's own `$ACTION_` fields are left out.
fn form_body(style: &Style, typescript: bool) -> String {
    let nl = style.newline;
    let i = &style.indent;
    let semi = style.semi();
    let q = |s: &str| style.quoted(s);
    let (signature, record) = if typescript {
        (
            "function formBody(formData: FormData)".to_string(),
            "const body: Record<string, FormDataEntryValue | FormDataEntryValue[]> = {}"
                .to_string(),
        )
    } else {
        (
            "function formBody(formData)".to_string(),
            "const body = {}".to_string(),
        )
    };
    [
        format!("{signature} {{"),
        format!("{i}{record}{semi}"),
        format!("{i}for (const [key, value] of formData) {{"),
        format!("{i}{i}if (key.startsWith({})) continue{semi}", q("$ACTION_")),
        format!("{i}{i}const current = body[key]{semi}"),
        format!("{i}{i}body[key] = current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value]{semi}"),
        format!("{i}}}"),
        format!("{i}return body{semi}"),
        "}".to_string(),
    ]
    .join(nl)
}

/// The query function `name` over `function`, or `None` when it needs the request itself (a
/// body, a cookie or a header): a page's server code has no request to give it.
pub fn query_fragment(
    function: &ServiceFunction,
    name: &str,
    route_params: &[RouteParam],
    service_specifier: &str,
    style: &Style,
    typescript: bool,
) -> Option<Fragment> {
    if !can_query(function) {
        return None;
    }
    let writer = Writer {
        style,
        typescript,
        service: "service",
    };
    let mut fragment = fragment_over_service(&writer, service_specifier);
    let params = caller_parameters(function, route_params, &writer);
    let call = service_call(function, &writer, &mut fragment, "");
    let call = call.strip_prefix("await ").unwrap_or(&call);
    fragment.functions.push((
        name.to_string(),
        format!(
            "export async function {name}({}) {{{nl}{ind}return {call}{semi}{nl}}}",
            params.join(", "),
            nl = style.newline,
            ind = style.indent,
            semi = style.semi()
        ),
    ));
    Some(fragment)
}

/// One module from fragments: `header` lines first (`'use server'`, `import 'server-only'`),
/// then the imports merged by module, the declarations (each once), the functions.
pub fn compose(header: &[String], fragments: &[&Fragment], style: &Style) -> String {
    let nl = style.newline;
    let semi = style.semi();
    let mut out: Vec<String> = Vec::new();
    if !header.is_empty() {
        out.push(header.join(nl));
    }
    // source → (default, namespace, named, type-named)
    #[derive(Default)]
    struct Clause {
        default: Option<String>,
        namespace: Option<String>,
        named: Vec<String>,
        types: Vec<String>,
        side_effect: bool,
    }
    let mut clauses: BTreeMap<&str, Clause> = BTreeMap::new();
    for fragment in fragments {
        for import in &fragment.imports {
            let clause = clauses.entry(&import.source).or_default();
            let spec = |imported: &str, local: &str| {
                if imported == local {
                    local.to_string()
                } else {
                    format!("{imported} as {local}")
                }
            };
            match &import.kind {
                ImportKind::Default(local) => clause.default = Some(local.clone()),
                ImportKind::Namespace(local) => clause.namespace = Some(local.clone()),
                ImportKind::Named { imported, local } => {
                    let list = if import.type_only {
                        &mut clause.types
                    } else {
                        &mut clause.named
                    };
                    let text = spec(imported, local);
                    if !list.contains(&text) {
                        list.push(text);
                    }
                }
                ImportKind::SideEffect => clause.side_effect = true,
            }
        }
    }
    let mut import_lines = Vec::new();
    for (source, clause) in &clauses {
        let from = style.quoted(source);
        if let Some(namespace) = &clause.namespace {
            import_lines.push(format!("import * as {namespace} from {from}{semi}"));
        }
        let mut parts = Vec::new();
        if let Some(default) = &clause.default {
            parts.push(default.clone());
        }
        if !clause.named.is_empty() {
            parts.push(format!("{{ {} }}", clause.named.join(", ")));
        }
        if !parts.is_empty() {
            import_lines.push(format!("import {} from {from}{semi}", parts.join(", ")));
        }
        if !clause.types.is_empty() {
            import_lines.push(format!(
                "import type {{ {} }} from {from}{semi}",
                clause.types.join(", ")
            ));
        }
        if clause.side_effect
            && clause.namespace.is_none()
            && parts.is_empty()
            && clause.types.is_empty()
        {
            import_lines.push(format!("import {from}{semi}"));
        }
    }
    if !import_lines.is_empty() {
        out.push(import_lines.join(nl));
    }
    let mut seen: Vec<&str> = Vec::new();
    for fragment in fragments {
        for (_, text) in &fragment.declarations {
            if !seen.contains(&text.as_str()) {
                seen.push(text);
                out.push(text.clone());
            }
        }
    }
    for fragment in fragments {
        for (_, text) in &fragment.functions {
            out.push(text.clone());
        }
    }
    let mut text = out.join(&format!("{nl}{nl}"));
    text.push_str(nl);
    text
}

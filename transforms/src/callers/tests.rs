use super::*;
use crate::parse::ParsedFile;

/// One line per call site: `line METHOD url style body runtime(reason)`.
fn sites(path: &str, area: Area, source: &str) -> Vec<String> {
    let parsed = match ParsedFile::parse(path, source) {
        Ok(parsed) => parsed,
        Err(error) => panic!("fixture does not parse: {error}"),
    };
    extract(&parsed, area)
        .sites
        .iter()
        .map(|s| {
            format!(
                "{} {} {} {} {} {}({})",
                s.location.line,
                s.method.unwrap_or("?"),
                s.url,
                s.style,
                s.body.name(),
                s.context.runtime.name(),
                s.context.reason
            )
        })
        .collect()
}

fn calls(path: &str, area: Area, source: &str) -> FileCalls {
    match ParsedFile::parse(path, source) {
        Ok(parsed) => extract(&parsed, area),
        Err(error) => panic!("fixture does not parse: {error}"),
    }
}

#[test]
fn fetch_methods_bodies_and_urls() {
    let found = sites(
        "components/Form.tsx",
        Area::Other,
        r#"'use client'
export function Form({ id }: { id: string }) {
  async function onSubmit() {
    await fetch('/api/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ a: 1 }) })
    await fetch(`/api/items/${id}?full=1`, { method: 'delete' })
    await fetch(`${process.env.NEXT_PUBLIC_APP_URL}/api/items/${id}/`, { method: 'PUT', body: JSON.stringify({}) })
    const data = new FormData()
    await fetch('/api/upload', { method: 'POST', body: data })
    await fetch('https://example.com/api/elsewhere')
    await fetch('http://localhost:3000/api/local')
  }
  return <button onClick={() => fetch('/api/ping')}>go</button>
}
"#,
    );
    assert_eq!(
        found,
        [
            "4 POST /api/items fetch json client(event handler)",
            "5 DELETE /api/items/* fetch none client(event handler)",
            "6 PUT /api/items/* fetch json-text-plain client(event handler)",
            "8 POST /api/upload fetch form-data client(event handler)",
            "10 GET /api/local fetch none client(event handler)",
            "12 GET /api/ping fetch none client(event handler)",
        ]
    );
}

#[test]
fn axios_swr_and_browser_calls() {
    let found = sites(
        "pages/projects.tsx",
        Area::Pages,
        r#"import axios from 'axios'
import useSWR, { mutate } from 'swr'
import useSWRMutation from 'swr/mutation'
import { useRouter } from 'next/router'
export default function Projects({ id }) {
  const router = useRouter()
  const { data } = useSWR(id ? `/api/projects/${id}` : null, fetcher)
  const { trigger } = useSWRMutation('/api/projects', send)
  const remove = async () => {
    await axios.delete(`/api/projects/${id}`)
    await axios.post('/api/projects', { name: 'x' })
    mutate('/api/projects')
    router.push('/api/export')
    navigator.sendBeacon('/api/beacon', JSON.stringify({}))
  }
  return <form action="/api/newsletter" method="post"><a href="/api/report.csv">csv</a></form>
}
"#,
    );
    assert_eq!(
        found,
        [
            "7 GET /api/projects/* useSWR none client(hook)",
            "8 ? /api/projects useSWRMutation unknown client(hook)",
            "10 DELETE /api/projects/* axios none client(page component)",
            "11 POST /api/projects axios json client(page component)",
            "12 GET /api/projects SWR mutate none client(page component)",
            "13 GET /api/export navigation none client(page component)",
            "14 POST /api/beacon sendBeacon json-text-plain client(page component)",
            "16 POST /api/newsletter form action urlencoded client(form action)",
            "16 GET /api/report.csv link none client(link)",
        ]
    );
}

#[test]
fn server_side_callers() {
    let found = sites(
        "pages/settings.tsx",
        Area::Pages,
        r#"export async function getServerSideProps() {
  const res = await fetch(`${process.env.NEXT_PUBLIC_APP_URL}/api/settings`)
  return { props: { settings: await res.json() } }
}
export default function Settings() { return null }
"#,
    );
    assert_eq!(
        found,
        ["2 GET /api/settings fetch none server(getServerSideProps)"]
    );
    let found = sites(
        "app/dashboard/page.tsx",
        Area::App,
        "export default async function Page() {\n  const res = await fetch('http://localhost:3000/api/stats', { cache: 'no-store' })\n  return null\n}\n",
    );
    assert_eq!(
        found,
        ["2 GET /api/stats fetch none server(server component)"]
    );
}

#[test]
fn constants_are_followed_and_unused_urls_are_references() {
    let found = sites(
        "lib/endpoints.ts",
        Area::Other,
        r#"const BASE = '/api/v1'
export const LINKS = `${BASE}/links`
export async function loadLinks() {
  const url = LINKS + '?page=1'
  return fetch(url)
}
export const DOCS = '/api/docs'
"#,
    );
    assert_eq!(
        found,
        [
            "5 GET /api/v1/links fetch none unknown(module)",
            "7 ? /api/docs reference unknown unknown(module)",
        ]
    );
}

#[test]
fn wrappers_are_defined_and_pending_calls_recorded() {
    let found = calls(
        "lib/fetcher.ts",
        Area::Other,
        r#"export async function postJson(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return res.json()
}
export const fetcher = (path: string) => fetch(`/api${path}`).then((r) => r.json())
export const api = {
  del: (path: string) => fetch('/api' + path, { method: 'DELETE' }),
}
export function send(url: string, method: string) { return fetch(url, { method }) }
postJson('/api/tasks', { a: 1 })
"#,
    );
    let wrappers: Vec<String> = found
        .wrappers
        .iter()
        .map(|w| format!("{} {} {:?} {}", w.name, w.url, w.method, w.body.name()))
        .collect();
    assert_eq!(
        wrappers,
        [
            "postJson ${0} Known(\"POST\") json",
            "fetcher /api${0} Known(\"GET\") none",
            "api.del /api${0} Known(\"DELETE\") none",
            "send ${0} Param(1) none",
        ]
    );
    assert_eq!(found.pending.len(), 1);
    let pending = &found.pending[0];
    assert_eq!(
        pending.target,
        CallTarget::Function(Binding::Local("postJson".into()))
    );
    let site = pending
        .resolve(Definition::Wrapper(&found.wrappers[0]))
        .map(|s| {
            format!(
                "{} {} {} {}",
                s.method.unwrap_or("?"),
                s.url,
                s.style,
                s.body.name()
            )
        });
    assert_eq!(
        site.as_deref(),
        Some("POST /api/tasks wrapper postJson json")
    );
    assert!(found
        .exports
        .contains(&("api".to_string(), "api".to_string())));
}

#[test]
fn clients_with_a_prefix() {
    let found = calls(
        "lib/api.ts",
        Area::Other,
        r#"import axios from 'axios'
import { useApi as nextUseApi } from 'next-basics'
export const api = axios.create({ baseURL: '/api' })
export function useApi() {
  const { get, post } = nextUseApi({}, process.env.basePath)
  return { get, post }
}
"#,
    );
    let clients: Vec<String> = found
        .clients
        .iter()
        .map(|c| format!("{} {}", c.name, c.prefix))
        .collect();
    assert_eq!(clients, ["api /api", "useApi /api"]);

    let user = calls(
        "components/Websites.tsx",
        Area::Other,
        r#"import { useApi } from './hooks'
import { api } from '@/lib/api'
export function Websites({ id }) {
  const { get, post } = useApi()
  const load = () => get(`/websites/${id}`)
  const save = (data) => post('/websites', data)
  const archive = () => api.put(`/tasks/${id}`, { archived: true })
  return null
}
"#,
    );
    let resolved: Vec<String> = user
        .pending
        .iter()
        .filter_map(|p| {
            let client = match &p.target {
                CallTarget::Member(Binding::Imported { name, .. }, _) if name == "useApi" => {
                    &found.clients[1]
                }
                CallTarget::Member(Binding::Imported { name, .. }, _) if name == "api" => {
                    &found.clients[0]
                }
                _ => return None,
            };
            p.resolve(Definition::Client(client))
        })
        .map(|s| {
            format!(
                "{} {} {} {}",
                s.method.unwrap_or("?"),
                s.url,
                s.style,
                s.context.reason
            )
        })
        .collect();
    assert_eq!(
        resolved,
        [
            "GET /api/websites/* client useApi component",
            "POST /api/websites client useApi component",
            "PUT /api/tasks/* client api component",
        ]
    );
}

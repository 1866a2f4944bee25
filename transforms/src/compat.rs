//! The Pages API behaviour that Route Handlers lack, as a small module routeshift writes once
//! into the project and the migrated routes import.
//!
//! Route handlers speak plain Web `Request`/`Response`; Pages API routes had their own rules
//! (see the semantics reference §2.2–§3.5): `req.query` merges repeated search keys into
//! arrays, `req.body` is parsed by content type, `res.json` sends `charset=utf-8`, `res.send`
//! of a string sends no content type, a 204 drops its body. `new Response(...)` differs on each
//! of these, so the migrated code calls these functions instead to answer byte for byte as before.

/// One function of the compat module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CompatFn {
    PagesQuery,
    ReadPagesBody,
    JsonResponse,
    SendResponse,
    EndResponse,
    RedirectResponse,
    SetHeader,
    CorsMiddleware,
    NodeRequest,
    WithHeaders,
}

impl CompatFn {
    pub fn name(self) -> &'static str {
        match self {
            CompatFn::PagesQuery => "pagesQuery",
            CompatFn::ReadPagesBody => "readPagesBody",
            CompatFn::JsonResponse => "jsonResponse",
            CompatFn::SendResponse => "sendResponse",
            CompatFn::EndResponse => "endResponse",
            CompatFn::RedirectResponse => "redirectResponse",
            CompatFn::SetHeader => "setHeader",
            CompatFn::CorsMiddleware => "corsMiddleware",
            CompatFn::NodeRequest => "nodeRequest",
            CompatFn::WithHeaders => "withHeaders",
        }
    }
}

/// The module's file name inside the project's `lib/` folder, without extension.
pub const MODULE_STEM: &str = "routeshift/pages-compat";

/// The module's source, TypeScript or JavaScript.
pub fn module_source(typescript: bool) -> &'static str {
    if typescript {
        TS_SOURCE
    } else {
        JS_SOURCE
    }
}

const TS_SOURCE: &str = r#"// Written by routeshift. Pages API routes behaved in ways plain Route Handlers do not:
// these functions keep the old behaviour on the wire, so migrated routes answer exactly as before.
// Once a route no longer needs that (say, clients accept `application/json` without a charset),
// replace the call with the plain Web API (`Response.json`, `request.json()`, ...).
import type { IncomingMessage } from 'node:http'
import { decode } from 'node:querystring'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import type { NextRequest } from 'next/server'

export type PagesQuery = Partial<Record<string, string | string[]>>

/** `req.query`: search params (repeated keys as arrays, empty values as '') with the dynamic params, which win. */
export function pagesQuery(request: NextRequest, params?: Record<string, string | string[] | undefined>): PagesQuery {
  const query: PagesQuery = {}
  for (const [key, value] of request.nextUrl.searchParams) {
    const current = query[key]
    query[key] = current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value]
  }
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined) query[key] = value
  }
  return query
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/**
 * `req.body` as Pages parsed it: JSON for `application/json` and `application/ld+json` (`{}` when
 * empty), an object for urlencoded forms (repeated keys as arrays), the text otherwise, `''` when
 * there is no body. Returns the `Response` Pages sent instead of calling the handler (413 over the
 * size limit, 400 for invalid JSON or an unknown charset): return it.
 */
export async function readPagesBody(request: Request, sizeLimit: string | number = '1mb'): Promise<any> {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(String(sizeLimit).trim())
  const limit = match ? Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] : 1024 ** 2
  const bytes = new Uint8Array(await request.arrayBuffer())
  if (bytes.byteLength > limit) return endResponse(`Body exceeded ${sizeLimit} limit`, { status: 413 })
  const contentType = request.headers.get('content-type') || 'text/plain'
  const type = contentType.split(';')[0].trim().toLowerCase()
  const charset = /;\s*charset="?([^";]+)"?/i.exec(contentType)?.[1] ?? 'utf-8'
  let text: string
  try {
    text = new TextDecoder(charset).decode(bytes)
  } catch {
    return endResponse('Invalid body', { status: 400 })
  }
  if (type === 'application/json' || type === 'application/ld+json') {
    if (text.length === 0) return {}
    try {
      return JSON.parse(text)
    } catch {
      return endResponse('Invalid JSON', { status: 400 })
    }
  }
  if (type === 'application/x-www-form-urlencoded') return { ...decode(text) }
  return text
}

/** `res.json(value)`: `application/json; charset=utf-8`, no body for 204 and 304. */
export function jsonResponse(value: unknown, init?: ResponseInit): Response {
  const headers = new Headers(init?.headers)
  headers.set('Content-Type', 'application/json; charset=utf-8')
  return sendResponse(value === undefined ? undefined : JSON.stringify(value), { ...init, headers })
}

/**
 * `res.send(value)`: objects, numbers and booleans as JSON (`charset=utf-8`), Buffers and Node
 * streams as `application/octet-stream` unless a content type was set, strings with no content
 * type at all.
 */
export function sendResponse(value: unknown, init?: ResponseInit): Response {
  const headers = new Headers(init?.headers)
  const status = init?.status ?? 200
  if (value === null || value === undefined) return new Response(null, { ...init, headers })
  if (status === 204 || status === 304) {
    headers.delete('Content-Type')
    headers.delete('Content-Length')
    headers.delete('Transfer-Encoding')
    return new Response(null, { ...init, headers })
  }
  if (value instanceof Readable) {
    // Pages piped a Node stream as it came, `application/octet-stream` unless a type was set.
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/octet-stream')
    return new Response(Readable.toWeb(value) as ReadableStream, { ...init, headers })
  }
  if (value instanceof Uint8Array) {
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/octet-stream')
    return new Response(new Uint8Array(value), { ...init, headers })
  }
  if (typeof value === 'object' || typeof value === 'number' || typeof value === 'boolean') {
    headers.set('Content-Type', 'application/json; charset=utf-8')
    return new Response(JSON.stringify(value), { ...init, headers })
  }
  return new Response(new TextEncoder().encode(String(value)), { ...init, headers })
}

/** `res.end(chunk)`: the bytes as they are, with no content type; no body for 204 and 304. */
export function endResponse(chunk?: unknown, init?: ResponseInit): Response {
  const status = init?.status ?? 200
  if (chunk === undefined || chunk === null || status === 204 || status === 304) return new Response(null, init)
  const bytes = chunk instanceof Uint8Array ? new Uint8Array(chunk) : new TextEncoder().encode(String(chunk))
  return new Response(bytes, init)
}

/** `res.redirect([status,] url)`: the status (307 by default), `Location` as given (relative kept), the URL as the body. */
export function redirectResponse(status: number, url: string, init?: ResponseInit): Response {
  const headers = new Headers(init?.headers)
  headers.set('Location', url)
  return new Response(new TextEncoder().encode(url), { ...init, status, headers })
}

/** `res.setHeader(name, value)`: replaces the header; an array sends one header per value, as `Set-Cookie` needs. */
export function setHeader(headers: Headers, name: string, value: string | number | readonly string[]): void {
  headers.delete(name)
  for (const item of typeof value === 'object' ? value : [String(value)]) headers.append(name, item)
}

/**
 * Runs a Node CORS middleware (`cors`, `nextjs-cors`) as Pages did, on a minimal Node request
 * (`method`, `url`, lower-cased `headers`) and a response whose headers are `headers`: what it
 * sets stays there for the route's responses. Resolves with the Response when the middleware
 * ended it itself (a preflight), with `undefined` once `run`'s promise resolves; rejects with
 * its error.
 */
export function corsMiddleware(
  request: Request,
  headers: Headers,
  run: (req: any, res: any) => unknown,
): Promise<Response | undefined> {
  const url = new URL(request.url)
  const req = { method: request.method, url: url.pathname + url.search, headers: Object.fromEntries(request.headers) }
  return new Promise((resolve, reject) => {
    const res = {
      statusCode: 200,
      getHeader: (name: string) => headers.get(name) ?? undefined,
      setHeader(name: string, value: string | number | readonly string[]) {
        setHeader(headers, name, value)
        return res
      },
      removeHeader: (name: string) => headers.delete(name),
      end(chunk?: unknown) {
        resolve(endResponse(chunk, { status: res.statusCode, headers }))
        return res
      },
    }
    Promise.resolve()
      .then(() => run(req, res))
      .then(() => resolve(undefined), reject)
  })
}

/**
 * A Response built elsewhere (a middleware's answer), with the headers the route had set on
 * `res` before: they were on the Pages response too. Those the Response sets itself win, as a
 * later `res.setHeader` did.
 */
export function withHeaders(response: Response, headers: Headers): Response {
  const own = new Set(response.headers.keys())
  for (const [name, value] of headers) {
    if (!own.has(name)) response.headers.append(name, value)
  }
  return response
}

/**
 * The Web request as the Node request stream Pages handed to body parsers with
 * `bodyParser: false` (formidable): the body as a `Readable`, with `method`, `url` and
 * lower-cased `headers`.
 */
export function nodeRequest(request: Request): IncomingMessage {
  const url = new URL(request.url)
  const headers: Record<string, string> = Object.fromEntries(request.headers)
  // A Node request with a body always had one of these; formidable reads neither as "no body".
  if (request.body && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    headers['transfer-encoding'] = 'chunked'
  }
  const body = request.body ? Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>) : Readable.from([])
  return Object.assign(body, { method: request.method, url: url.pathname + url.search, headers }) as unknown as IncomingMessage
}
"#;

const JS_SOURCE: &str = r#"// Written by routeshift. Pages API routes behaved in ways plain Route Handlers do not:
// these functions keep the old behaviour on the wire, so migrated routes answer exactly as before.
// Once a route no longer needs that (say, clients accept `application/json` without a charset),
// replace the call with the plain Web API (`Response.json`, `request.json()`, ...).
import { decode } from 'node:querystring'
import { Readable } from 'node:stream'

/** `req.query`: search params (repeated keys as arrays, empty values as '') with the dynamic params, which win. */
export function pagesQuery(request, params) {
  const query = {}
  for (const [key, value] of request.nextUrl.searchParams) {
    const current = query[key]
    query[key] = current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value]
  }
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined) query[key] = value
  }
  return query
}

const SIZE_UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/**
 * `req.body` as Pages parsed it: JSON for `application/json` and `application/ld+json` (`{}` when
 * empty), an object for urlencoded forms (repeated keys as arrays), the text otherwise, `''` when
 * there is no body. Returns the `Response` Pages sent instead of calling the handler (413 over the
 * size limit, 400 for invalid JSON or an unknown charset): return it.
 */
export async function readPagesBody(request, sizeLimit = '1mb') {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(String(sizeLimit).trim())
  const limit = match ? Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] : 1024 ** 2
  const bytes = new Uint8Array(await request.arrayBuffer())
  if (bytes.byteLength > limit) return endResponse(`Body exceeded ${sizeLimit} limit`, { status: 413 })
  const contentType = request.headers.get('content-type') || 'text/plain'
  const type = contentType.split(';')[0].trim().toLowerCase()
  const charset = /;\s*charset="?([^";]+)"?/i.exec(contentType)?.[1] ?? 'utf-8'
  let text
  try {
    text = new TextDecoder(charset).decode(bytes)
  } catch {
    return endResponse('Invalid body', { status: 400 })
  }
  if (type === 'application/json' || type === 'application/ld+json') {
    if (text.length === 0) return {}
    try {
      return JSON.parse(text)
    } catch {
      return endResponse('Invalid JSON', { status: 400 })
    }
  }
  if (type === 'application/x-www-form-urlencoded') return { ...decode(text) }
  return text
}

/** `res.json(value)`: `application/json; charset=utf-8`, no body for 204 and 304. */
export function jsonResponse(value, init) {
  const headers = new Headers(init?.headers)
  headers.set('Content-Type', 'application/json; charset=utf-8')
  return sendResponse(value === undefined ? undefined : JSON.stringify(value), { ...init, headers })
}

/**
 * `res.send(value)`: objects, numbers and booleans as JSON (`charset=utf-8`), Buffers and Node
 * streams as `application/octet-stream` unless a content type was set, strings with no content
 * type at all.
 */
export function sendResponse(value, init) {
  const headers = new Headers(init?.headers)
  const status = init?.status ?? 200
  if (value === null || value === undefined) return new Response(null, { ...init, headers })
  if (status === 204 || status === 304) {
    headers.delete('Content-Type')
    headers.delete('Content-Length')
    headers.delete('Transfer-Encoding')
    return new Response(null, { ...init, headers })
  }
  if (value instanceof Readable) {
    // Pages piped a Node stream as it came, `application/octet-stream` unless a type was set.
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/octet-stream')
    return new Response(Readable.toWeb(value), { ...init, headers })
  }
  if (value instanceof Uint8Array) {
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/octet-stream')
    return new Response(new Uint8Array(value), { ...init, headers })
  }
  if (typeof value === 'object' || typeof value === 'number' || typeof value === 'boolean') {
    headers.set('Content-Type', 'application/json; charset=utf-8')
    return new Response(JSON.stringify(value), { ...init, headers })
  }
  return new Response(new TextEncoder().encode(String(value)), { ...init, headers })
}

/** `res.end(chunk)`: the bytes as they are, with no content type; no body for 204 and 304. */
export function endResponse(chunk, init) {
  const status = init?.status ?? 200
  if (chunk === undefined || chunk === null || status === 204 || status === 304) return new Response(null, init)
  const bytes = chunk instanceof Uint8Array ? new Uint8Array(chunk) : new TextEncoder().encode(String(chunk))
  return new Response(bytes, init)
}

/** `res.redirect([status,] url)`: the status (307 by default), `Location` as given (relative kept), the URL as the body. */
export function redirectResponse(status, url, init) {
  const headers = new Headers(init?.headers)
  headers.set('Location', url)
  return new Response(new TextEncoder().encode(url), { ...init, status, headers })
}

/** `res.setHeader(name, value)`: replaces the header; an array sends one header per value, as `Set-Cookie` needs. */
export function setHeader(headers, name, value) {
  headers.delete(name)
  for (const item of typeof value === 'object' ? value : [String(value)]) headers.append(name, item)
}

/**
 * Runs a Node CORS middleware (`cors`, `nextjs-cors`) as Pages did, on a minimal Node request
 * (`method`, `url`, lower-cased `headers`) and a response whose headers are `headers`: what it
 * sets stays there for the route's responses. Resolves with the Response when the middleware
 * ended it itself (a preflight), with `undefined` once `run`'s promise resolves; rejects with
 * its error.
 */
export function corsMiddleware(request, headers, run) {
  const url = new URL(request.url)
  const req = { method: request.method, url: url.pathname + url.search, headers: Object.fromEntries(request.headers) }
  return new Promise((resolve, reject) => {
    const res = {
      statusCode: 200,
      getHeader: (name) => headers.get(name) ?? undefined,
      setHeader(name, value) {
        setHeader(headers, name, value)
        return res
      },
      removeHeader: (name) => headers.delete(name),
      end(chunk) {
        resolve(endResponse(chunk, { status: res.statusCode, headers }))
        return res
      },
    }
    Promise.resolve()
      .then(() => run(req, res))
      .then(() => resolve(undefined), reject)
  })
}

/**
 * A Response built elsewhere (a middleware's answer), with the headers the route had set on
 * `res` before: they were on the Pages response too. Those the Response sets itself win, as a
 * later `res.setHeader` did.
 */
export function withHeaders(response, headers) {
  const own = new Set(response.headers.keys())
  for (const [name, value] of headers) {
    if (!own.has(name)) response.headers.append(name, value)
  }
  return response
}

/**
 * The Web request as the Node request stream Pages handed to body parsers with
 * `bodyParser: false` (formidable): the body as a `Readable`, with `method`, `url` and
 * lower-cased `headers`.
 */
export function nodeRequest(request) {
  const url = new URL(request.url)
  const headers = Object.fromEntries(request.headers)
  // A Node request with a body always had one of these; formidable reads neither as "no body".
  if (request.body && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    headers['transfer-encoding'] = 'chunked'
  }
  const body = request.body ? Readable.fromWeb(request.body) : Readable.from([])
  return Object.assign(body, { method: request.method, url: url.pathname + url.search, headers })
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ParsedFile;

    #[test]
    fn both_versions_parse_and_export_every_function() {
        for (typescript, path) in [(true, "x.ts"), (false, "x.js")] {
            let source = module_source(typescript);
            assert!(ParsedFile::parse(path, source).is_ok(), "{path}");
            for f in [
                CompatFn::PagesQuery,
                CompatFn::ReadPagesBody,
                CompatFn::JsonResponse,
                CompatFn::SendResponse,
                CompatFn::EndResponse,
                CompatFn::RedirectResponse,
                CompatFn::SetHeader,
                CompatFn::CorsMiddleware,
                CompatFn::NodeRequest,
                CompatFn::WithHeaders,
            ] {
                assert!(
                    source.contains(&format!("export function {}(", f.name()))
                        || source.contains(&format!("export async function {}(", f.name()))
                );
            }
        }
    }
}

import { decode } from 'node:querystring'
import type { NextRequest } from 'next/server'

export type Query = Record<string, string | string[]>

export function legacyQuery(req: NextRequest, params?: Record<string, string | string[] | undefined>): Query {
  const q: Query = {}
  for (const [k, v] of req.nextUrl.searchParams) {
    const cur = q[k]
    q[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v]
  }
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== undefined) q[k] = v
  }
  return q
}

export function legacyUrl(req: NextRequest): string {
  const sp = req.nextUrl.searchParams.toString()
  return req.nextUrl.pathname + (sp ? `?${sp}` : '')
}

export async function readPagesBody(req: Request): Promise<{ body: any; res?: undefined } | { res: Response }> {
  const buf = new Uint8Array(await req.arrayBuffer())
  if (buf.byteLength > 1_048_576) return { res: send('Body exceeded 1mb limit', 413) }
  const ct = req.headers.get('content-type') || 'text/plain'
  const type = ct.split(';')[0].trim().toLowerCase()
  const charset = /;\s*charset="?([^";]+)"?/i.exec(ct)?.[1] ?? 'utf-8'
  let text: string
  try {
    text = new TextDecoder(charset).decode(buf)
  } catch {
    return { res: send('Invalid body', 400) }
  }
  if (type === 'application/json' || type === 'application/ld+json') {
    if (text.length === 0) return { body: {} }
    try {
      return { body: JSON.parse(text) }
    } catch {
      return { res: send('Invalid JSON', 400) }
    }
  }
  if (type === 'application/x-www-form-urlencoded') return { body: { ...decode(text) } }
  return { body: text }
}

export function json(data: unknown, status = 200, headers?: [string, string][]): Response {
  const h = new Headers(headers)
  h.set('Content-Type', 'application/json; charset=utf-8')
  return new Response(status === 204 ? null : JSON.stringify(data), { status, headers: h })
}

export function send(body: string | null, status = 200, headers?: [string, string][]): Response {
  return new Response(body === null ? null : new TextEncoder().encode(body), { status, headers })
}

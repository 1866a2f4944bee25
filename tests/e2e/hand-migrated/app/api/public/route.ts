import type { NextRequest } from 'next/server'
import { json, readPagesBody, send } from '../../../lib/pages-compat'

// Called from other sites: the headers the `cors` package set, and an explicit OPTIONS for
// preflights (the App Router's automatic OPTIONS sends no CORS headers).
const PARTNER = 'https://partner.example'

function corsHeaders(req: NextRequest): [string, string][] {
  const headers: [string, string][] = [['Vary', 'Origin']]
  if (req.headers.get('origin') === PARTNER) headers.push(['Access-Control-Allow-Origin', PARTNER])
  return headers
}

export function OPTIONS(req: NextRequest) {
  const headers = corsHeaders(req)
  headers.push(['Access-Control-Allow-Methods', 'GET,POST'], ['Access-Control-Expose-Headers', 'x-request-id'])
  const requested = req.headers.get('access-control-request-headers')
  if (requested) {
    headers.push(['Access-Control-Allow-Headers', requested], ['Vary', 'Access-Control-Request-Headers'])
  }
  return send(null, 204, headers)
}

async function handler(req: NextRequest) {
  const parsed = await readPagesBody(req)
  if (parsed.res) return parsed.res
  const headers: [string, string][] = [
    ...corsHeaders(req),
    ['Access-Control-Expose-Headers', 'x-request-id'],
    ['x-request-id', 'req-1'],
  ]
  if (req.method === 'POST') return json({ received: parsed.body }, 201, headers)
  return json({ message: 'hello partner' }, 200, headers)
}

export { handler as GET, handler as HEAD, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

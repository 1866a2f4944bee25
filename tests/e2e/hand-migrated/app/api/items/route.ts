import type { NextRequest } from 'next/server'
import { items } from '../../../lib/data'
import { json, legacyQuery, readPagesBody, send } from '../../../lib/pages-compat'

export async function GET(req: NextRequest) {
  return json({ items, query: legacyQuery(req) })
}

export async function POST(req: NextRequest) {
  const parsed = await readPagesBody(req)
  if (parsed.res) return parsed.res
  return json({ created: parsed.body }, 201)
}

function notAllowed(req: NextRequest) {
  return send(`Method ${req.method} Not Allowed`, 405, [['Allow', 'GET, POST']])
}
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as HEAD, notAllowed as OPTIONS }

import type { NextRequest } from 'next/server'
import { json, readPagesBody, send } from '../../../lib/pages-compat'

export async function POST(req: NextRequest) {
  const parsed = await readPagesBody(req)
  if (parsed.res) return parsed.res
  return json({
    contentType: req.headers.get('content-type') ?? null,
    bodyType: typeof parsed.body,
    body: parsed.body,
  })
}

function notAllowed() {
  return send(null, 405, [['Allow', 'POST']])
}
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as HEAD, notAllowed as OPTIONS }

import type { NextRequest } from 'next/server'
import { json, readPagesBody } from '../../../lib/pages-compat'

export async function POST(req: NextRequest) {
  const parsed = await readPagesBody(req)
  if (parsed.res) return parsed.res
  const body = parsed.body
  const session = req.cookies.get('session')?.value
  if (!session) {
    return json({ error: 'No session', body }, 401)
  }
  return json({ ok: true, session, body })
}

function notAllowed() {
  return json({ error: 'Method not allowed' }, 405, [['Allow', 'POST']])
}
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as HEAD, notAllowed as OPTIONS }

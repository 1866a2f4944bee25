import type { NextRequest } from 'next/server'
import { json, readPagesBody } from '../../../lib/pages-compat'

async function handler(req: NextRequest) {
  const auth = req.headers.get('authorization') ?? undefined
  if (!auth || !auth.startsWith('Bearer ')) {
    return json({ error: 'Unauthorized' }, 401)
  }
  const token = auth.slice('Bearer '.length)
  if (req.method === 'GET') {
    return json({ token, items: [] })
  }
  if (req.method === 'POST') {
    const parsed = await readPagesBody(req)
    if (parsed.res) return parsed.res
    return json({ token, received: parsed.body }, 201)
  }
  return json({ error: `Method ${req.method} not allowed` }, 405)
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as HEAD, handler as OPTIONS }

import type { NextRequest } from 'next/server'
import { json } from '../../../lib/pages-compat'

function handler(req: NextRequest) {
  const requestId = req.headers.get('x-request-id') ?? undefined
  const userAgent = req.headers.get('user-agent') ?? undefined
  return json({ requestId, userAgent }, 202, [
    ['X-Custom', 'yes'],
    ['Cache-Control', 's-maxage=60'],
  ])
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

import type { NextRequest } from 'next/server'
import { json, legacyUrl } from '../../../lib/pages-compat'

function handler(req: NextRequest) {
  return json({ url: legacyUrl(req), method: req.method })
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

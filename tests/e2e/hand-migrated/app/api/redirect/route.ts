import type { NextRequest } from 'next/server'
import { legacyQuery, send } from '../../../lib/pages-compat'

function handler(req: NextRequest) {
  if (legacyQuery(req).permanent === '1') {
    return send('/somewhere?x=1', 301, [['Location', '/somewhere?x=1']])
  }
  return send('/api/hello', 307, [['Location', '/api/hello']])
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

import type { NextRequest } from 'next/server'
import { json, legacyQuery } from '../../../lib/pages-compat'

const handler = async (req: NextRequest) => {
  const q = legacyQuery(req)
  const name = typeof q.name === 'string' ? q.name : 'world'
  return json({ greeting: `Hello, ${name}!` })
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

import type { NextRequest } from 'next/server'
import { json, legacyQuery } from '../../../../lib/pages-compat'

async function handler(req: NextRequest, ctx: { params: Promise<{ path?: string[] }> }) {
  const params = await ctx.params
  return json({ query: legacyQuery(req, params) })
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

import type { NextRequest } from 'next/server'
import { json, legacyQuery } from '../../../../lib/pages-compat'

async function handler(req: NextRequest, ctx: { params: Promise<{ slug: string[] }> }) {
  const params = await ctx.params
  return json({ slug: params.slug, query: legacyQuery(req, params) })
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

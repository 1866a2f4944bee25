import type { NextRequest } from 'next/server'
import { json, legacyQuery, readPagesBody, send } from '../../../../lib/pages-compat'

type Ctx = { params: Promise<{ id: string }> }

export async function GET(req: NextRequest, ctx: Ctx) {
  const params = await ctx.params
  return json({ id: params.id, query: legacyQuery(req, params) })
}

export async function PUT(req: NextRequest, ctx: Ctx) {
  const { id } = await ctx.params
  const parsed = await readPagesBody(req)
  if (parsed.res) return parsed.res
  return json({ id, updated: parsed.body })
}

export async function DELETE() {
  return new Response(null, { status: 204 })
}

function notAllowed(req: NextRequest) {
  return send(`Method ${req.method} Not Allowed`, 405, [['Allow', 'GET, PUT, DELETE']])
}
export { notAllowed as POST, notAllowed as PATCH, notAllowed as HEAD, notAllowed as OPTIONS }

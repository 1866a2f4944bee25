import type { NextRequest } from 'next/server'
import { withProjectAuth, type Session } from '@/lib/auth'
import { json, legacyQuery, send } from '@/lib/pages-compat'
import type { Project } from '@/lib/projects'

async function handler(
  req: NextRequest,
  context: { params: Promise<{ slug: string }> },
  project: Project,
  session: Session,
) {
  if (req.method !== 'DELETE') return send(null, 405, [['Allow', 'DELETE']])
  const query = legacyQuery(req, await context.params)
  return json({ deleted: project.slug, confirm: query.confirm ?? null }, 200, [['x-deleted-by', session.user.name]])
}

// Only owners may delete; the wrapper answers every method first.
const route = withProjectAuth(handler, { requiredRole: 'owner' })

export { route as GET, route as HEAD, route as POST, route as PUT, route as PATCH, route as DELETE, route as OPTIONS }

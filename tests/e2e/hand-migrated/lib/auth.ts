import { getServerSession } from 'next-auth/next'
import type { NextRequest } from 'next/server'
import { authOptions } from './auth-options'
import { json, send } from './pages-compat'
import { findProject, type Project } from './projects'

export interface Session {
  user: { name: string }
}

export async function getSession() {
  return (await getServerSession(authOptions)) as Session | null
}

type ProjectContext = { params: Promise<{ slug: string }> }
type ProjectHandler = (
  req: NextRequest,
  context: ProjectContext,
  project: Project,
  session: Session,
) => Response | Promise<Response>

// Runs before every project route: the session, the project from the URL, the member's role.
export function withProjectAuth(
  handler: ProjectHandler,
  { requiredRole = 'member' }: { requiredRole?: 'member' | 'owner' } = {},
) {
  return async (req: NextRequest, context: ProjectContext) => {
    const session = await getSession()
    if (!session?.user?.name) return send('Unauthorized: Login required.', 401)

    const { slug } = await context.params
    if (!slug) return send('Missing or misconfigured project slug.', 400)
    const project = findProject(slug)
    if (!project) return json({ error: 'Project not found' }, 404)
    const role = project.owners.includes(session.user.name) ? 'owner' : 'member'
    if (requiredRole === 'owner' && role !== 'owner') {
      return send('Unauthorized: Insufficient permissions.', 403)
    }
    return handler(req, context, project, session)
  }
}

import { withProjectAuth } from '@/lib/auth'
import { json, readPagesBody } from '@/lib/pages-compat'

// The wrapper answers every method first (401, 404), as it did in front of the Pages handler.
const handler = withProjectAuth(async (req, _context, project, session) => {
  if (req.method === 'GET') {
    return json({ project: project.name, viewer: session.user.name })
  }
  if (req.method === 'PATCH') {
    const parsed = await readPagesBody(req)
    if (parsed.res) return parsed.res
    const { name } = parsed.body
    return json({ ...project, name })
  }
  return json({ error: `Method ${req.method} Not Allowed` }, 405, [['Allow', 'GET, PATCH']])
})

export { handler as GET, handler as HEAD, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as OPTIONS }

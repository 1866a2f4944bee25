import { json } from '../../../lib/pages-compat'

async function handler(req) {
  return json({ method: req.method, language: 'javascript' })
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

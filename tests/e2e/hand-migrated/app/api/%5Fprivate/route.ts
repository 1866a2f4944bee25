import { json } from '../../../lib/pages-compat'

function handler() {
  return json({ private: true })
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

import { json } from '../../../lib/pages-compat'

export const maxDuration = 10

async function handler() {
  await new Promise((resolve) => setTimeout(resolve, 50))
  return json({ done: true })
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

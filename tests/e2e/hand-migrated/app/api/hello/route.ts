import type { NextRequest } from 'next/server'
import { json } from '../../../lib/pages-compat'

type Data = {
  name: string
}

function handler(req: NextRequest) {
  return json({ name: 'John Doe' } satisfies Data)
}

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

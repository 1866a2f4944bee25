import type { NextRequest } from 'next/server'
import { json } from '../../../lib/pages-compat'

function handler(req: NextRequest) {
  return json({ session: req.cookies.get('session')?.value ?? null }, 200, [
    ['Set-Cookie', 'a=1; Path=/'],
    ['Set-Cookie', 'b=2; Path=/; HttpOnly'],
  ])
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

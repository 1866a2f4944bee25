import type { NextRequest } from 'next/server'
import { json, send } from '../../../lib/pages-compat'

export async function POST(req: NextRequest) {
  const buf = Buffer.from(await req.arrayBuffer())
  const signature = req.headers.get('x-signature') ?? undefined
  if (!signature) {
    return json({ error: 'Missing signature' }, 400)
  }
  return json({ received: true, length: buf.length, signature })
}

function notAllowed() {
  return send('Method Not Allowed', 405, [['Allow', 'POST']])
}
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as HEAD, notAllowed as OPTIONS }

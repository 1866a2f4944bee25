import { Readable } from 'node:stream'
import type { NextRequest } from 'next/server'
import { json, legacyQuery, send } from '../../../lib/pages-compat'

function handler(req: NextRequest) {
  switch (legacyQuery(req).kind) {
    case 'string':
      return send('hello')
    case 'object':
      return json({ a: 1 })
    case 'buffer':
      return new Response(Buffer.from('bin'), { headers: { 'Content-Type': 'application/octet-stream' } })
    case 'stream': {
      const stream = Readable.toWeb(Readable.from(['chunk-1 ', 'chunk-2'])) as ReadableStream
      return new Response(stream, { headers: { 'Content-Type': 'application/octet-stream' } })
    }
    case 'end':
      return send('plain')
    default:
      return send('nope', 404)
  }
}
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE }

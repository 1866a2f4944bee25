import type { NextRequest } from 'next/server'
import { HttpError } from '../../../lib/api/responses'
import { json, legacyQuery, readPagesBody, send } from '../../../lib/pages-compat'

const teams = [{ id: 1, name: 'core' }]

export async function GET(req: NextRequest) {
  const query = legacyQuery(req)
  try {
    if (query.fail === 'teapot') throw new HttpError(418, 'no teams here')
    if (query.fail === 'crash') throw new Error('database unreachable')
    return json(teams)
  } catch (error) {
    if (error instanceof HttpError) return send(error.message, error.statusCode)
    return json({ message: 'Internal Server Error', error: (error as Error).message }, 500)
  }
}

export async function POST(req: NextRequest) {
  const parsed = await readPagesBody(req)
  if (parsed.res) return parsed.res
  return json({ id: 2, name: parsed.body.name }, 201)
}

function notAllowed(req: NextRequest) {
  return send(`Method ${req.method} Not Allowed`, 405, [
    ['Allow', 'GET'],
    ['Allow', 'POST'],
    ['x-helper', 'methodNotAllowed'],
  ])
}
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE, notAllowed as HEAD, notAllowed as OPTIONS }

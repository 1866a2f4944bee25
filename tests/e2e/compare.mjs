// Replays the requests in requests.json against two running Next.js servers
// (the original Pages Router app and the migrated App Router app) and compares
// what each answers. Prints one line per request and a readable diff for every
// mismatch; exits 1 when anything differs, 2 on bad usage.
//
// An entry with `"removedAfterMigration": true` (or a reason as its value) is for
// a route the migration removes because nothing needs its URL any more: the
// original must answer it with anything but 404 (what it answered is printed),
// the migrated app must answer 404. Such entries must not change data on the
// original (e.g. no successful PATCH), or later requests would see two different
// data sets.
//
//   node compare.mjs <requests.json> <original-base-url> <migrated-base-url>
//
// Needs Node.js 20+ (global fetch, Headers#getSetCookie). No dependencies.

import { readFileSync } from 'node:fs'

const REQUEST_TIMEOUT_MS = 15_000

// Headers that carry what the handler decided. `cache-control` is compared only
// when the original response has one: Pages API routes never add it themselves,
// so there it was set by the handler (Next may add its own to route handlers).
const COMPARED_HEADERS = [
  'content-type',
  'location',
  'allow',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'access-control-max-age',
]

// `x-*` headers that Next.js adds on its own, not the handler.
function isNextOwnHeader(name) {
  return name === 'x-powered-by' || name.startsWith('x-nextjs-') || name.startsWith('x-middleware-')
}

function usage(message) {
  console.error(message)
  console.error('usage: node compare.mjs <requests.json> <original-base-url> <migrated-base-url>')
  process.exit(2)
}

const [requestsPath, originalBase, migratedBase] = process.argv.slice(2)
if (!requestsPath || !originalBase || !migratedBase) usage('missing arguments')

let spec
try {
  spec = JSON.parse(readFileSync(requestsPath, 'utf8'))
} catch (err) {
  usage(`cannot read ${requestsPath}: ${err.message}`)
}
if (!Array.isArray(spec.requests) || spec.requests.length === 0) usage(`${requestsPath} has no "requests" array`)

function buildInit(req) {
  const headers = { ...(req.headers ?? {}) }
  let body
  if ('json' in req) {
    body = JSON.stringify(req.json)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json'
    }
  } else if ('body' in req) {
    body = req.body
  }
  return { method: req.method, headers, body, redirect: 'manual' }
}

async function capture(base, req) {
  try {
    const res = await fetch(new URL(req.path, base), {
      ...buildInit(req),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    const body = Buffer.from(await res.arrayBuffer())
    return { status: res.status, headers: res.headers, body }
  } catch (err) {
    return { error: `${err.name}: ${err.message}${err.cause ? ` (${err.cause.message ?? err.cause})` : ''}` }
  }
}

function showBody(buf) {
  if (buf.length === 0) return '(empty)'
  const text = buf.toString('utf8')
  // Show bytes that are not valid UTF-8 as base64 so the diff stays readable.
  if (Buffer.from(text, 'utf8').equals(buf)) return JSON.stringify(text)
  return `base64:${buf.toString('base64')}`
}

function showValue(v) {
  if (v === null || v === undefined) return '(absent)'
  return JSON.stringify(v)
}

function compareResponses(req, a, b) {
  const diffs = []
  if (a.error || b.error) {
    if (a.error !== b.error) diffs.push(['request', a.error ?? 'ok', b.error ?? 'ok'])
    return diffs
  }
  if (a.status !== b.status) diffs.push(['status', a.status, b.status])
  // `ignoreBody` (with the reason as its value) is for pages Next renders itself,
  // such as the 404 page, whose HTML differs between any two builds.
  if (!req.ignoreBody && !a.body.equals(b.body)) diffs.push(['body', showBody(a.body), showBody(b.body)])

  const names = new Set(COMPARED_HEADERS)
  if (a.headers.has('cache-control')) names.add('cache-control')
  for (const h of [a.headers, b.headers]) {
    for (const name of h.keys()) {
      if (name.startsWith('x-') && !isNextOwnHeader(name)) names.add(name)
    }
  }
  // `ignoreHeaders` names headers (with the reason as the value) that a library's
  // App Router form sets differently, whatever the codemod writes.
  for (const name of Object.keys(req.ignoreHeaders ?? {})) names.delete(name)
  for (const name of [...names].sort()) {
    const va = a.headers.get(name)
    const vb = b.headers.get(name)
    if (va !== vb) diffs.push([`header ${name}`, showValue(va), showValue(vb)])
  }

  // `droppedCookies` names cookies (with the reason as the value) that the original
  // sets and the migrated app, knowingly, does not (routeshift reports it in a note):
  // the original must set them, the migrated app must not, and the rest must match.
  const dropped = Object.keys(req.droppedCookies ?? {})
  const named = (cookie) => dropped.includes(cookie.split('=')[0].trim())
  const ca = a.headers.getSetCookie()
  const cb = b.headers.getSetCookie()
  for (const name of dropped) {
    if (!ca.some((c) => c.split('=')[0].trim() === name)) diffs.push([`set-cookie ${name}`, 'expected from the original, absent', ''])
  }
  if (cb.some(named)) diffs.push(['set-cookie', 'a dropped cookie', showValue(cb.filter(named))])
  const keptA = ca.filter((c) => !named(c))
  const keptB = cb.filter((c) => !named(c))
  if (JSON.stringify(keptA) !== JSON.stringify(keptB)) diffs.push(['set-cookie', showValue(keptA), showValue(keptB)])
  return diffs
}

// A route the migration removed: it existed before (not 404) and is gone after (404).
function checkRemoved(original, migrated) {
  const problems = []
  if (original.error) problems.push(`original: ${original.error}`)
  else if (original.status === 404) problems.push(`original answered 404 (${showBody(original.body)}); the entry must reach a route that exists before the migration`)
  if (migrated.error) problems.push(`migrated: ${migrated.error}`)
  else if (migrated.status !== 404) {
    problems.push(`migrated answered ${migrated.status}, expected 404 (the route should be gone): ${showBody(migrated.body).slice(0, 500)}`)
  }
  return problems
}

function describe(req) {
  const parts = [req.method.padEnd(7), req.path]
  if (req.name) parts.push(`  (${req.name})`)
  return parts.join(' ')
}

let failures = 0
for (const [i, req] of spec.requests.entries()) {
  const label = `#${String(i + 1).padStart(3)} ${describe(req)}`
  // Sequential on purpose: both servers see the requests in the same order.
  const original = await capture(originalBase, req)
  const migrated = await capture(migratedBase, req)
  if (req.removedAfterMigration) {
    const problems = checkRemoved(original, migrated)
    if (problems.length === 0) {
      console.log(`ok    ${label} -> original ${original.status} ${showBody(original.body)}, migrated 404 (removed by the migration)`)
      continue
    }
    failures++
    console.log(`FAIL  ${label}  (removed by the migration)`)
    for (const problem of problems) console.log(`        ${problem}`)
    continue
  }
  const diffs = compareResponses(req, original, migrated)
  if (diffs.length === 0) {
    const status = original.error ? `error: ${original.error}` : original.status
    console.log(`ok    ${label} -> ${status}`)
    continue
  }
  failures++
  console.log(`FAIL  ${label}`)
  if (req.headers) console.log(`        request headers: ${JSON.stringify(req.headers)}`)
  if ('json' in req) console.log(`        request json:    ${JSON.stringify(req.json)}`)
  if ('body' in req) console.log(`        request body:    ${JSON.stringify(req.body)}`)
  for (const [what, va, vb] of diffs) {
    console.log(`        ${what}`)
    console.log(`          original: ${va}`)
    console.log(`          migrated: ${vb}`)
  }
}

const total = spec.requests.length
if (failures > 0) {
  console.log(`\n${failures} of ${total} requests answered differently (original ${originalBase}, migrated ${migratedBase})`)
  process.exit(1)
}
console.log(`\nall ${total} requests answered the same`)

// The Server Action check of the actions-app scenario: what a browser without JavaScript does
// with the "new todo" form of each app, then the data and the stats page compared.
//
//   node actions.mjs <original-base-url> <migrated-base-url>
//
// Original (Pages Router API): the form posts `application/x-www-form-urlencoded` to
// /api/todos, which answers 303 to /todos.
// Migrated: the form on /todos/new calls a Server Action. React renders hidden inputs into such
// a form (`$ACTION_ID_<hex>`, or `$ACTION_REF_<n>` + `$ACTION_<n>:<i>` for a bound action, and
// `$ACTION_KEY`); a browser posts them as `multipart/form-data` to the form's URL with the
// visible fields, and Next answers a `redirect()` in the action with 303 and the location.
// Then GET /api/todos must answer the same JSON on both (the same todo was created), and
// /stats must show the same `Total: N, done: M`.
//
// Prints what it did, one line per step; exits 1 on the first failed expectation (with what was
// received), 2 on bad usage. Needs Node.js 20+. No dependencies.

const REQUEST_TIMEOUT_MS = 15_000
const USER_COOKIE = 'user=alice'
const TITLE = 'From the form'

const [originalBase, migratedBase] = process.argv.slice(2)
if (!originalBase || !migratedBase) {
  console.error('usage: node actions.mjs <original-base-url> <migrated-base-url>')
  process.exit(2)
}

class Failure extends Error {}

function fail(message) {
  throw new Failure(message)
}

function show(text, max = 2000) {
  if (text.length <= max) return text
  return `${text.slice(0, max)}… (${text.length - max} more characters)`
}

async function request(base, path, init = {}) {
  const url = new URL(path, base)
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const body = await res.text()
    return { url, status: res.status, headers: res.headers, body }
  } catch (err) {
    fail(`${init.method ?? 'GET'} ${url}: ${err.name}: ${err.message}${err.cause ? ` (${err.cause.message ?? err.cause})` : ''}`)
  }
}

function describeResponse(res) {
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n    ')
  return `status ${res.status}\n  headers:\n    ${headers}\n  body: ${show(res.body) || '(empty)'}`
}

function expectRedirectToTodos(what, res) {
  const location = res.headers.get('location')
  if (res.status !== 303 || !location || !new URL(location, res.url).pathname.endsWith('/todos')) {
    fail(`${what}: expected 303 with a location ending in /todos, got ${describeResponse(res)}`)
  }
  console.log(`ok    ${what} -> ${res.status} location ${location}`)
}

// --- A little HTML reading: enough for the markup React renders (attributes in double quotes,
// entities escaped), not a general parser.

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|#39|apos);/gi, (all, entity) => {
    const lower = entity.toLowerCase()
    if (lower === 'amp') return '&'
    if (lower === 'lt') return '<'
    if (lower === 'gt') return '>'
    if (lower === 'quot') return '"'
    if (lower === 'apos') return "'"
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10))
    return all
  })
}

function attributes(tag) {
  const attrs = {}
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g
  // Skip the tag name.
  const inner = tag.replace(/^<\s*[a-zA-Z0-9-]+/, '').replace(/\/?>$/, '')
  for (const m of inner.matchAll(re)) {
    attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '')
  }
  return attrs
}

/** The forms in `html`: their attributes and the hidden inputs inside each. */
function forms(html) {
  const out = []
  for (const m of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form\s*>/gi)) {
    const open = m[0].match(/^<form\b[^>]*>/i)[0]
    const hidden = []
    const inputs = []
    for (const input of m[1].matchAll(/<input\b[^>]*>/gi)) {
      const attrs = attributes(input[0])
      inputs.push(attrs)
      if ((attrs.type ?? '').toLowerCase() === 'hidden' && attrs.name !== undefined) {
        hidden.push([attrs.name, attrs.value ?? ''])
      }
    }
    out.push({ html: m[0], attrs: attributes(open), hidden, inputs })
  }
  return out
}

/** The text of a page without tags and React's `<!-- -->` separators. */
function pageText(html) {
  return decodeEntities(
    html
      .replace(/<script\b[\s\S]*?<\/script\s*>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<[^>]+>/g, ' '),
  ).replace(/\s+/g, ' ')
}

// --- The steps

async function originalFormPost() {
  const res = await request(originalBase, '/api/todos', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: USER_COOKIE },
    body: new URLSearchParams({ title: TITLE }).toString(),
  })
  expectRedirectToTodos('original: POST /api/todos (urlencoded form, no JavaScript)', res)
}

async function migratedFormPost() {
  const page = await request(migratedBase, '/todos/new')
  if (page.status !== 200) fail(`migrated: GET /todos/new: expected 200, got ${describeResponse(page)}`)
  const all = forms(page.body)
  const form = all.find((f) => f.inputs.some((i) => i.name === 'title'))
  if (!form) {
    fail(`migrated: GET /todos/new has no <form> with an input named "title"; the page:\n${show(page.body)}`)
  }
  const actionFields = form.hidden.filter(([name]) => name.startsWith('$ACTION'))
  if (actionFields.length === 0) {
    fail(
      `migrated: the form on /todos/new has no hidden $ACTION_* input, so its action is not a Server Action ` +
        `(action=${JSON.stringify(form.attrs.action ?? null)} method=${JSON.stringify(form.attrs.method ?? null)}); the form:\n${show(form.html)}`,
    )
  }
  // Where a browser sends it: the form's own action URL when it has a real one, else the page.
  const action = form.attrs.action
  const target = action && !action.startsWith('javascript:') ? new URL(action, page.url) : page.url
  const method = (form.attrs.method ?? 'get').toLowerCase()
  if (method !== 'post') fail(`migrated: the Server Action form has method=${JSON.stringify(form.attrs.method ?? null)}, a browser would not POST it:\n${show(form.html)}`)
  const data = new FormData()
  for (const [name, value] of form.hidden) data.append(name, value)
  data.append('title', TITLE)
  console.log(`      migrated: form on /todos/new posts to ${target.pathname} with hidden ${form.hidden.map(([n]) => n).join(', ')}`)
  const res = await request(migratedBase, target, {
    method: 'POST',
    // A browser sends Origin with a form POST; Next checks it against Host for Server Actions.
    headers: { cookie: USER_COOKIE, origin: new URL(migratedBase).origin },
    body: data,
  })
  expectRedirectToTodos(`migrated: POST ${target.pathname} (the /todos/new form, multipart, no JavaScript)`, res)
}

async function sameTodos() {
  const a = await request(originalBase, '/api/todos')
  const b = await request(migratedBase, '/api/todos')
  for (const [side, res] of [['original', a], ['migrated', b]]) {
    if (res.status !== 200) fail(`${side}: GET /api/todos: expected 200, got ${describeResponse(res)}`)
  }
  let ja, jb
  try {
    ja = JSON.parse(a.body)
    jb = JSON.parse(b.body)
  } catch (err) {
    fail(`GET /api/todos did not answer JSON (${err.message}):\n  original: ${show(a.body)}\n  migrated: ${show(b.body)}`)
  }
  if (JSON.stringify(ja) !== JSON.stringify(jb)) {
    fail(`GET /api/todos answers differ after the form posts:\n  original: ${a.body}\n  migrated: ${b.body}`)
  }
  if (!ja.some((todo) => todo.title === TITLE && todo.owner === 'alice')) {
    fail(`GET /api/todos has no todo ${JSON.stringify(TITLE)} owned by alice after the form posts: ${a.body}`)
  }
  console.log(`ok    GET /api/todos -> the same ${ja.length} todos on both, "${TITLE}" among them`)
}

async function sameStats() {
  const found = []
  for (const [side, base] of [['original', originalBase], ['migrated', migratedBase]]) {
    const res = await request(base, '/stats')
    if (res.status !== 200) fail(`${side}: GET /stats: expected 200, got ${describeResponse(res)}`)
    const m = pageText(res.body).match(/Total: (\d+), done: (\d+)/)
    if (!m) fail(`${side}: GET /stats shows no "Total: N, done: M"; the page text: ${show(pageText(res.body))}`)
    found.push(m[0])
  }
  if (found[0] !== found[1]) fail(`GET /stats differs: original shows "${found[0]}", migrated "${found[1]}"`)
  console.log(`ok    GET /stats -> "${found[0]}" on both`)
}

try {
  await originalFormPost()
  await migratedFormPost()
  await sameTodos()
  await sameStats()
  console.log('\nthe Server Action form, the data and the stats page agree')
} catch (err) {
  if (!(err instanceof Failure)) throw err
  console.log(`FAIL  ${err.message}`)
  process.exit(1)
}

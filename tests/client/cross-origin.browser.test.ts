/**
 * Issue 19, proved in Chromium: a page on one origin, the SSE route on another, the browser's own
 * EventSource and ours (the built dist/client.js, as a module) side by side on the same route.
 *
 * One node:http server (createSSEHandler behind toNodeHandler) listens on two loopback ports and hosts
 * both the page and the routes, so two origin pairs come out of it: two ports of 127.0.0.1, and
 * `localhost` against `127.0.0.1` on one port (another site, too, which is what cookies care about).
 * Every request is logged as the server saw it: method, where the last event id came (header or
 * query), cookie, authorization; every callback run is logged with its `context.lastEventId`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ALLOW_THIRD_PARTY_COOKIES,
  type Browser,
  browserForFile,
  PAGE_DEADLINE,
  type WatchedPage,
} from '../../runtimes/harness/browser'
import { poll } from '../../runtimes/harness/poll'
import { createChannel } from '../../src/channels'
import { LAST_EVENT_ID_PARAM } from '../../src/core'
import { toNodeHandler } from '../../src/node'
import { createSSEHandler, type SSEHandlerOptions } from '../../src/server'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const dist = join(repo, 'dist')

/** One request as the server saw it. */
interface Seen {
  host: string
  method: string
  path: string
  /** Which page source made it (`?client=`). */
  client: string | null
  /** The `Last-Event-ID` header. */
  header: string | null
  /** The `lastEventId` query parameter. */
  query: string | null
  cookie: string | null
  authorization: string | null
  /** The status it got, once answered. */
  status?: number
}

/** One run of a route's callback. */
interface Run {
  route: string
  client: string | null
  lastEventId: string | null
}

/** What the page recorded for one source (see PAGE). */
interface Recorded {
  events: { data: string; lastEventId: string }[]
  opens: number
  errors: number
  readyState: number
  /** The page closed it itself, after the id it was told to stop at. */
  stopped: boolean
}

/**
 * The page: the native EventSource and ours, from the built package, opened on demand by the test.
 * A source given `stopAt` closes itself on the event with that id, so both end at the same place
 * without the server having to refuse anything.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>cross-origin EventSource</title>
<script type="module">
import { EventSource as Ours } from '/dist/client.js'
window.sources = {}
window.watch = (name, kind, url, init = {}, stopAt = null) => {
  const source = kind === 'native' ? new EventSource(url, init) : new Ours(url, init)
  const record = { events: [], opens: 0, errors: 0, readyState: 0, stopped: false }
  window.sources[name] = { source, record }
  source.onopen = () => { record.opens++; record.readyState = source.readyState }
  source.onmessage = (event) => {
    record.events.push({ data: event.data, lastEventId: event.lastEventId })
    if (event.lastEventId === stopAt) { source.close(); record.stopped = true }
    record.readyState = source.readyState
  }
  source.onerror = () => { record.errors++; record.readyState = source.readyState }
}
window.record = (name) => window.sources[name].record
window.closeAll = () => { for (const { source } of Object.values(window.sources)) source.close() }
window.ready = true
</script>
<p>cross-origin EventSource</p>
`

const log: Seen[] = []
const runs: Run[] = []
/** The SSE routes, by path; each test puts its own here. */
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>()

function listener(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://server')
  const header = (name: string) => {
    const value = req.headers[name]
    return typeof value === 'string' ? value : null
  }
  const seen: Seen = {
    host: header('host') ?? '',
    method: req.method ?? 'GET',
    path: url.pathname + url.search,
    client: url.searchParams.get('client'),
    header: header('last-event-id'),
    query: url.searchParams.get(LAST_EVENT_ID_PARAM),
    cookie: header('cookie'),
    authorization: header('authorization'),
  }
  log.push(seen)
  // Set when the head is written: a stream's response stays open long after that.
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse
  res.writeHead = ((...args: unknown[]) => {
    seen.status = args[0] as number
    return writeHead(...args)
  }) as typeof res.writeHead
  const route = routes.get(url.pathname)
  if (route) {
    route(req, res).catch((error) => res.destroy(error))
  } else if (url.pathname === '/favicon.ico') {
    // Asked for by every page; a 404 would be a console error.
    res.writeHead(204).end()
  } else if (url.pathname === '/page') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
  } else if (url.pathname === '/login') {
    // A session cookie of the API's site, usable from another site only with SameSite=None (which needs
    // Secure; Chromium takes Secure cookies from http://127.0.0.1 and localhost, potentially trustworthy).
    const value = url.searchParams.get('session') ?? ''
    res
      .writeHead(200, {
        'set-cookie': `session=${value}; Path=/; SameSite=None; Secure; HttpOnly`,
        'content-type': 'text/html',
      })
      .end('<p>logged in</p>')
  } else if (/^\/dist\/[\w.-]+\.js$/.test(url.pathname) && existsSync(join(repo, url.pathname))) {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(repo, url.pathname)))
  } else {
    res.writeHead(404).end()
  }
}

/** The newest modification time below `path`. */
function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

const servers: Server[] = []
const ports: number[] = []

beforeAll(async () => {
  // The page runs the package as published: a missing or stale build would prove nothing.
  const built = ['client.js', 'core.js'].map((file) => join(dist, file))
  if (!built.every(existsSync) || Math.min(...built.map(newest)) < newest(join(repo, 'src'))) {
    throw new Error('dist/ is missing or older than src/: run `npm run build` first.')
  }
  for (let i = 0; i < 2; i++) {
    const server = createServer(listener)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    ports.push((server.address() as AddressInfo).port)
  }
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

const browser = browserForFile()
/** One that sends third-party cookies, as many users' browsers still do (see ALLOW_THIRD_PARTY_COOKIES). */
const trusting = browserForFile(undefined, { preferences: ALLOW_THIRD_PARTY_COOKIES })

/** The two ways to be another origin, and a third origin that the `cors` tests refuse. */
const PAIRS = {
  'two ports of 127.0.0.1': () => ({
    app: `http://127.0.0.1:${ports[0]}`,
    api: `http://127.0.0.1:${ports[1]}`,
    stranger: `http://localhost:${ports[1]}`,
  }),
  'localhost against 127.0.0.1': () => ({
    app: `http://localhost:${ports[0]}`,
    api: `http://127.0.0.1:${ports[0]}`,
    stranger: `http://127.0.0.1:${ports[1]}`,
  }),
}

let routeCount = 0

/**
 * Mounts a route that sends the next id after `context.lastEventId` (1, 2, 3, ...) and closes after
 * each event, so every event costs a reconnection. Returns its path.
 */
function countingRoute(options: SSEHandlerOptions): string {
  const path = `/sse/${++routeCount}`
  const handler = createSSEHandler(
    (send, close, context) => {
      runs.push({
        route: path,
        client: new URL(context.request.url).searchParams.get('client'),
        lastEventId: context.lastEventId,
      })
      const next = Number(context.lastEventId ?? 0) + 1
      send(next, { id: String(next) })
      close()
    },
    // A short reconnection time: the test waits for three reconnections of each source.
    { retry: 50, keepAlive: false, ...options },
  )
  routes.set(path, toNodeHandler(handler))
  return path
}

/** A page of `origin`, ready to open sources. */
async function pageOn(origin: string): Promise<WatchedPage> {
  const watched = await browser.open(`${origin}/page`)
  await watched.page.waitForFunction(() => (window as { ready?: boolean }).ready)
  return watched
}

/** Opens a source on the page: `kind` native or ours, recorded under `name`. */
function watch(
  { page }: WatchedPage,
  name: string,
  kind: 'native' | 'ours',
  url: string,
  init: Record<string, unknown> = {},
  stopAt: string | null = null,
): Promise<void> {
  return page.evaluate(([name, kind, url, init, stopAt]) => (window as any).watch(name, kind, url, init, stopAt), [
    name,
    kind,
    url,
    init,
    stopAt,
  ] as const)
}

function recorded({ page }: WatchedPage, name: string): Promise<Recorded> {
  return page.evaluate((name) => (window as any).record(name), name)
}

/** Waits until the page's source `name` satisfies `accept`, and returns its record. */
function waitFor({ page }: WatchedPage, name: string, accept: (record: Recorded) => boolean, what: string) {
  return poll(() => recorded({ page } as WatchedPage, name), accept, `${name}: ${what}`, PAGE_DEADLINE)
}

/** The requests one page source made (its `client` tag). */
const requestsOf = (client: string) => log.filter((seen) => seen.client === client)
const runsOf = (client: string) => runs.filter((run) => run.client === client).map((run) => run.lastEventId)

const THREE = [
  { data: '1', lastEventId: '1' },
  { data: '2', lastEventId: '2' },
  { data: '3', lastEventId: '3' },
]

describe.each(Object.keys(PAIRS) as (keyof typeof PAIRS)[])('cross-origin, %s', { timeout: 60_000 }, (pair) => {
  /** A tag per test and source, so the log is read per source. */
  const tag = (source: string) => `${pair.replace(/\W+/g, '-')}-${source}-${routeCount}`

  it('ours resumes as the native EventSource does, with no preflight, on a route set up for the native one', async () => {
    const { app, api } = PAIRS[pair]()
    // Only what the native EventSource needs: Access-Control-Allow-Origin, through the headers option.
    const route = countingRoute({ headers: { 'Access-Control-Allow-Origin': app } })
    const watched = await pageOn(app)
    const [native, ours] = [tag('native'), tag('ours')]
    await watch(watched, native, 'native', `${api}${route}?client=${native}`, {}, '3')
    await watch(watched, ours, 'ours', `${api}${route}?client=${ours}`, {}, '3')
    for (const name of [native, ours]) {
      const record = await waitFor(watched, name, (r) => r.stopped, 'events 1, 2, 3')
      expect(record.events, name).toEqual(THREE)
      expect(record.opens, name).toBe(3)
    }
    // The native one: the id in its header. Ours: in the URL, and nothing else added: no preflight.
    expect(requestsOf(native).map(({ method, header, query }) => ({ method, header, query }))).toEqual([
      { method: 'GET', header: null, query: null },
      { method: 'GET', header: '1', query: null },
      { method: 'GET', header: '2', query: null },
    ])
    expect(requestsOf(ours).map(({ method, header, query }) => ({ method, header, query }))).toEqual([
      { method: 'GET', header: null, query: null },
      { method: 'GET', header: null, query: '1' },
      { method: 'GET', header: null, query: '2' },
    ])
    expect(requestsOf(ours).every((seen) => seen.status === 200)).toBe(true)
    // The route resumed both the same way: context.lastEventId, from the header or the query.
    expect(runsOf(ours)).toEqual([null, '1', '2'])
    expect(runsOf(native)).toEqual(runsOf(ours))
    expect(watched.problems).toEqual([])
    await watched.page.close()
  })

  /**
   * Logs in on the API origin (its own page sets the cookie), then opens both sources with
   * `withCredentials` from the app's page; resolves with the cookie each request of each carried.
   */
  async function withCredentials(on: Browser): Promise<Record<'native' | 'ours', (string | null)[]>> {
    const { app, api } = PAIRS[pair]()
    const session = `s-${routeCount}`
    const route = countingRoute({
      headers: { 'Access-Control-Allow-Origin': app, 'Access-Control-Allow-Credentials': 'true' },
    })
    const watched = await on.open(`${api}/login?session=${session}`)
    await watched.page.goto(`${app}/page`)
    await watched.page.waitForFunction(() => (window as { ready?: boolean }).ready)
    const [native, ours] = [tag('native'), tag('ours')]
    await watch(watched, native, 'native', `${api}${route}?client=${native}`, { withCredentials: true }, '3')
    await watch(watched, ours, 'ours', `${api}${route}?client=${ours}`, { withCredentials: true }, '3')
    for (const name of [native, ours]) {
      expect((await waitFor(watched, name, (r) => r.stopped, 'events 1, 2, 3')).events, name).toEqual(THREE)
      expect(requestsOf(name).map((seen) => seen.method)).toEqual(['GET', 'GET', 'GET'])
    }
    expect(runsOf(ours)).toEqual([null, '1', '2'])
    expect(runsOf(native)).toEqual([null, '1', '2'])
    expect(watched.problems).toEqual([])
    await watched.page.close()
    const cookies = (client: string) => requestsOf(client).map((seen) => seen.cookie?.replace(session, 'S') ?? null)
    return { native: cookies(native), ours: cookies(ours) }
  }

  it('withCredentials: the cookie of the API origin arrives on every reconnection, for both', async () => {
    const every = ['session=S', 'session=S', 'session=S']
    expect(await withCredentials(trusting)).toEqual({ native: every, ours: every })
    if (pair === 'localhost against 127.0.0.1') {
      // Another site: where the browser blocks third-party cookies, neither sends it, the same.
      const none = [null, null, null]
      expect(await withCredentials(browser)).toEqual({ native: none, ours: none })
    }
  })

  it('headers of its own (Authorization) with the cors option: preflighted, allowed, and resumed', async () => {
    const { app, api } = PAIRS[pair]()
    const route = countingRoute({ cors: { origin: [app] } })
    const watched = await pageOn(app)
    const [native, ours] = [tag('native'), tag('ours')]
    await watch(watched, native, 'native', `${api}${route}?client=${native}`, {}, '3')
    await watch(watched, ours, 'ours', `${api}${route}?client=${ours}`, { headers: { authorization: 'Bearer t' } }, '3')
    for (const name of [native, ours]) {
      expect((await waitFor(watched, name, (r) => r.stopped, 'events 1, 2, 3')).events, name).toEqual(THREE)
    }
    const gets = requestsOf(ours).filter((seen) => seen.method === 'GET')
    const preflights = requestsOf(ours).filter((seen) => seen.method === 'OPTIONS')
    expect(gets.map(({ query, authorization, status }) => ({ query, authorization, status }))).toEqual([
      { query: null, authorization: 'Bearer t', status: 200 },
      { query: '1', authorization: 'Bearer t', status: 200 },
      { query: '2', authorization: 'Bearer t', status: 200 },
    ])
    // Answered by the cors option; one per URL, since Chromium caches a preflight per URL and the id
    // in the URL changes with every reconnection.
    expect(preflights.map((seen) => seen.status)).toEqual([204, 204, 204])
    expect(preflights.map((seen) => seen.path)).toEqual(gets.map((seen) => seen.path))
    // The native one needs no preflight under the same policy.
    expect(requestsOf(native).map((seen) => [seen.method, seen.header, seen.status])).toEqual([
      ['GET', null, 200],
      ['GET', '1', 200],
      ['GET', '2', 200],
    ])
    expect(runsOf(ours)).toEqual([null, '1', '2'])
    expect(runsOf(native)).toEqual([null, '1', '2'])
    expect(watched.problems).toEqual([])
    await watched.page.close()
  })

  it('the cors option refuses another origin: no stream, no callback run', async () => {
    const { app, api, stranger } = PAIRS[pair]()
    const route = countingRoute({ cors: { origin: [app] } })
    const watched = await pageOn(stranger)
    const [native, ours] = [tag('native'), tag('ours')]
    await watch(watched, native, 'native', `${api}${route}?client=${native}`)
    await watch(watched, ours, 'ours', `${api}${route}?client=${ours}`, { headers: { authorization: 'Bearer t' } })
    // The browser's CORS check fails: the native one gives up, ours reports a network error (and would
    // retry under its reconnect policy, as it does for any network error).
    await waitFor(watched, native, (r) => r.readyState === 2, 'failed for good')
    await waitFor(watched, ours, (r) => r.errors >= 1, 'a network error')
    await watched.page.evaluate(() => (window as any).closeAll())
    for (const name of [native, ours]) expect((await recorded(watched, name)).events, name).toEqual([])
    // Ours stopped at the refused preflight; the native one's GET was refused before any stream.
    expect(requestsOf(ours).length).toBeGreaterThan(0)
    expect(requestsOf(ours).every((seen) => seen.method === 'OPTIONS' && seen.status === 403)).toBe(true)
    expect(requestsOf(native).map((seen) => [seen.method, seen.status])).toEqual([['GET', 403]])
    expect(runs.filter((run) => run.route === route)).toEqual([])
    // What Chromium says about it: CORS errors, nothing else.
    expect(watched.problems.length).toBeGreaterThan(0)
    expect(watched.problems.every((problem) => /CORS|Failed to load resource|ERR_FAILED/.test(problem))).toBe(true)
    await watched.page.close()
  })

  it('a channel behind the route: a client that reconnects gets exactly what it missed', async () => {
    const { app, api } = PAIRS[pair]()
    const path = `/chat/${++routeCount}`
    const channel = createChannel<string>({ name: path })
    const streams = new Set<() => void>()
    /** Holds new connections before they attach, so messages can be published while they are away. */
    let gate: Promise<void> = Promise.resolve()
    routes.set(
      path,
      toNodeHandler(
        createSSEHandler(
          async (_send, close, context) => {
            runs.push({
              route: path,
              client: new URL(context.request.url).searchParams.get('client'),
              lastEventId: context.lastEventId,
            })
            streams.add(close)
            await gate
            channel.attach(context)
          },
          { retry: 50, keepAlive: false, headers: { 'Access-Control-Allow-Origin': app } },
        ),
      ),
    )
    const watched = await pageOn(app)
    const [native, ours] = [tag('native'), tag('ours')]
    await watch(watched, native, 'native', `${api}${path}?client=${native}`)
    await watch(watched, ours, 'ours', `${api}${path}?client=${ours}`)
    await poll(
      () => channel.size,
      (size) => size === 2,
      'both attached',
    )
    await channel.publish('m1')
    const seenUpTo = await channel.publish('m2')
    for (const name of [native, ours]) await waitFor(watched, name, (r) => r.events.length === 2, 'm1 and m2')

    // Away: both streams end; the reconnections wait at the gate while m3 and m4 are published.
    let open = () => {}
    gate = new Promise((resolve) => {
      open = resolve
    })
    for (const close of [...streams]) close()
    streams.clear()
    await poll(
      () => runs.filter((run) => run.route === path).length,
      (n) => n === 4,
      'both reconnections',
    )
    await channel.publish('m3')
    await channel.publish('m4')
    open()
    await poll(
      () => channel.size,
      (size) => size === 2,
      'both attached again',
    )
    await channel.publish('m5')
    for (const name of [native, ours]) {
      const record = await waitFor(watched, name, (r) => r.events.length >= 5, 'm1 to m5')
      expect(
        record.events.map((event) => JSON.parse(event.data)),
        name,
      ).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
      expect(record.events[1]!.lastEventId).toBe(seenUpTo)
    }
    // Both resumed from m2's id: the native one through its header, ours through the URL.
    expect(runsOf(native)).toEqual([null, seenUpTo])
    expect(runsOf(ours)).toEqual([null, seenUpTo])
    expect(requestsOf(native)[1]).toMatchObject({ method: 'GET', header: seenUpTo, query: null })
    expect(requestsOf(ours)[1]).toMatchObject({ method: 'GET', header: null, query: seenUpTo })
    expect(log.filter((seen) => seen.path.startsWith(path) && seen.method === 'OPTIONS')).toEqual([])
    await watched.page.evaluate(() => (window as any).closeAll())
    expect(watched.problems).toEqual([])
    await watched.page.close()
  })
})

/**
 * Issue 13 at the React level, in Chromium: tabs whose components call `useSSE({ shareAcrossTabs: true })`
 * under StrictMode share one SSE connection. The store-level proof (ten tabs, a crash, the HTTP/1.1 limit)
 * is tests/client/cross-tab.browser.test.ts; this one adds what React brings: StrictMode's mount, unmount
 * and mount again, several hooks per tab on several event names (two on one name), `close()` called from
 * the hook, and an unmount.
 *
 * The page (fixtures/cross-tab-page.tsx) is bundled by esbuild with React's development build and the
 * published package (dist/, with its lazy dist/tabs.js kept a chunk of its own), and served by the server
 * of ../helpers/tab-server.ts (SSE routes with a history, every request logged with its tab and whether it
 * has ended). Event n is named `a`, `b` or `c` by n % 3, so the test knows which ids each hook must end
 * with.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Browser, launch, PAGE_DEADLINE, type WatchedPage } from '../../runtimes/harness/browser'
import { poll, until } from '../../runtimes/harness/poll'
import { assertBuilt, type Route, startTabServer, type TabServer } from '../helpers/tab-server'
import type { HookKey, PageState } from './fixtures/cross-tab-page'

/** Each hook of the page and the event name it listens to (as fixtures/cross-tab-page.tsx's HOOKS). */
const HOOKS: Record<HookKey, string> = { a1: 'a', a2: 'a', b: 'b', c: 'c' }

const NAMES = ['a', 'b', 'c']
/** The name of event `id`. */
const nameOf = (id: number) => NAMES[id % 3]!

const HTML = `<!doctype html>
<meta charset="utf-8">
<title>tab</title>
<div id="root"></div>
<script type="module" src="/bundle/cross-tab-page.js"></script>
`

let bundle = ''

/** The page, and its bundle. */
function serve(url: URL, res: ServerResponse): boolean {
  if (url.pathname === '/page') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML)
  else if (/^\/bundle\/[\w.-]+\.js$/.test(url.pathname) && existsSync(join(bundle, url.pathname.slice(8)))) {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(bundle, url.pathname.slice(8))))
  } else return false
  return true
}

/** Event `id`, named by `nameOf`. */
const frame = (id: number) => `event: ${nameOf(id)}\nid: ${id}\ndata: ${id}\n\n`

let server: TabServer
let origin = ''
const browsers: Browser[] = []

beforeAll(async () => {
  // The page runs the package as published: a missing or stale build would prove nothing.
  assertBuilt(['react.js', 'client.js', 'tabs.js'])
  bundle = mkdtempSync(join(tmpdir(), 'sse-react-tabs-'))
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/cross-tab-page.tsx', import.meta.url))],
    bundle: true,
    // The package's import() of dist/tabs.js stays a chunk loaded on demand, as in an app's bundle.
    splitting: true,
    format: 'esm',
    outdir: bundle,
    jsx: 'automatic',
    // React's development build: StrictMode's double mount only happens there.
    define: { 'process.env.NODE_ENV': '"development"' },
    target: 'es2022',
    logLevel: 'silent',
  })
  server = await startTabServer(frame, serve)
  origin = server.origin
})

afterAll(async () => {
  for (const browser of browsers) await browser.close()
  await server?.close()
  if (bundle) rmSync(bundle, { recursive: true, force: true })
})

/** Sends the next event to every live response of `route`. */
const emit = (route: Route): number => server.emit(route)

/** A fresh browser (its own connection pool and locks) and route for one test. */
async function fresh(): Promise<{ browser: Browser; route: Route }> {
  const browser = await launch()
  browsers.push(browser)
  return { browser, route: server.route() }
}

const stateOf = ({ page }: WatchedPage): Promise<PageState> => page.evaluate(() => window.page)

/** Opens `n` tabs on `route` and waits until every hook of every tab says `open`. */
async function tabsOn(browser: Browser, route: Route, n: number): Promise<WatchedPage[]> {
  const tabs: WatchedPage[] = []
  for (let i = 0; i < n; i++) {
    const tab = await browser.open(`${origin}/page?tab=t${i}&route=${route.path}`)
    await tab.page.waitForFunction(() => window.page?.ready)
    tabs.push(tab)
  }
  await poll(
    () => Promise.all(tabs.map(stateOf)),
    (states) => states.every((s) => Object.values(s.states).every((state) => state === 'open')),
    'every hook of every tab open',
    PAGE_DEADLINE,
  )
  return tabs
}

/** The ids from `from` to `to` that hook `hook` listens to, in order. */
function idsFor(hook: HookKey, from: number, to: number): string[] {
  const out: string[] = []
  for (let id = from; id <= to; id++) if (nameOf(id) === HOOKS[hook]) out.push(String(id))
  return out
}

/** Waits until a hook of every tab in `tabs` has seen event `last`; returns what each tab saw. */
function allSeen(tabs: WatchedPage[], last: number, what: string): Promise<PageState[]> {
  return poll(
    () => Promise.all(tabs.map(stateOf)),
    (states) => states.every((s) => Object.values(s.seen).some((ids) => ids.includes(String(last)))),
    `every tab to see event ${last} (${what})`,
    PAGE_DEADLINE,
  )
}

/** Every hook of `state` saw exactly its ids from 1 to `last`, once each, in order. */
function expectEvery(state: PageState, last: number): void {
  for (const hook of Object.keys(HOOKS) as HookKey[]) expect(state.seen[hook], hook).toEqual(idsFor(hook, 1, last))
  expect(state.errors).toEqual([])
}

/** Emits events every few milliseconds while `during` runs, then up to `last`. */
async function emitting(route: Route, last: number, during: () => Promise<void>): Promise<void> {
  const timer = setInterval(() => route.emitted < last && emit(route), 15)
  try {
    await during()
    await until(() => route.emitted >= last, `the server to emit up to ${last}`, PAGE_DEADLINE)
  } finally {
    clearInterval(timer)
  }
}

/** The Web Locks of this origin, as `navigator.locks.query()` sees them from `tab`: every tab's. */
async function locksOf({ page }: WatchedPage): Promise<{ held: number; pending: number }> {
  return page.evaluate(async () => {
    const { held = [], pending = [] } = await navigator.locks.query()
    const ours = (locks: LockInfo[]) => locks.filter((lock) => lock.name?.startsWith('use-next-sse ')).length
    return { held: ours(held), pending: ours(pending) }
  })
}

const tabNamed = (tabs: WatchedPage[], name: string | null | undefined) =>
  tabs.find((tab) => tab.page.url().includes(`tab=${name}&`))!

describe('useSSE({ shareAcrossTabs: true }) under StrictMode, in Chromium (HTTP/1.1)', {
  timeout: 4 * PAGE_DEADLINE,
}, () => {
  it('three tabs, four hooks each: one connection, one lock, every hook sees every event of its name once, in order', async () => {
    const { browser, route } = await fresh()
    const tabs = await tabsOn(browser, route, 3)
    for (let i = 0; i < 30; i++) emit(route)
    const seen = await allSeen(tabs, 30, 'three tabs')
    // StrictMode's unmount and mount again left no second connection and no second lock request per tab.
    expect(route.requests).toHaveLength(1)
    expect(route.live.size).toBe(1)
    expect(await locksOf(tabs[0]!)).toEqual({ held: 1, pending: 2 })
    for (const s of seen) expectEvery(s, 30)
    for (const tab of tabs) expect(tab.problems).toEqual([])
  })

  it("close() from the leader tab's hooks: another tab resumes with Last-Event-ID; nothing lost or doubled", async () => {
    const { browser, route } = await fresh()
    const tabs = await tabsOn(browser, route, 3)
    const first = route.requests[0]!.tab
    const leader = tabNamed(tabs, first)
    const rest = tabs.filter((tab) => tab !== leader)
    let closedAfter = 0
    await emitting(route, 60, async () => {
      await until(() => route.emitted >= 15, 'fifteen events before the close', PAGE_DEADLINE)
      await leader.page.evaluate(() => window.closeAll())
      closedAfter = route.emitted
      await until(() => route.requests.length === 2, 'another tab to connect', PAGE_DEADLINE)
    })
    const seen = await allSeen(rest, 60, 'after the hand-over')
    const [old, takeover] = route.requests
    expect(takeover!.tab).not.toBe(first)
    expect(takeover!.lastEventId).not.toBeNull()
    expect(Number(takeover!.lastEventId)).toBeGreaterThanOrEqual(15)
    await until(() => old!.ended, "the old leader's connection to end", PAGE_DEADLINE)
    expect(route.live.size).toBe(1)
    for (const s of seen) expectEvery(s, 60)
    // The tab that closed: every hook says closed, and saw its events up to the close, then none.
    const closed = await stateOf(leader)
    expect(Object.values(closed.states)).toEqual(['closed', 'closed', 'closed', 'closed'])
    for (const hook of Object.keys(HOOKS) as HookKey[]) {
      expect(closed.seen[hook]).toEqual(idsFor(hook, 1, Number(closed.seen[hook].at(-1) ?? 0)))
      expect(Number(closed.seen[hook].at(-1) ?? 0)).toBeLessThanOrEqual(closedAfter)
    }
    // The tab stays open, its hooks closed: the new leader holds the one lock, the third tab waits for it.
    expect(await locksOf(leader)).toEqual({ held: 1, pending: 1 })
    for (const tab of tabs) expect(tab.problems).toEqual([])
  })

  it('close() from a follower (all its hooks, or one hook of another): no other tab or hook is disturbed', async () => {
    const { browser, route } = await fresh()
    const tabs = await tabsOn(browser, route, 4)
    const leader = tabNamed(tabs, route.requests[0]!.tab)
    const [closing, partly] = tabs.filter((tab) => tab !== leader)
    await emitting(route, 46, async () => {
      await until(() => route.emitted >= 10, 'ten events first', PAGE_DEADLINE)
      await closing!.page.evaluate(() => window.closeAll())
      // One of the two hooks on `a` leaves; its twin, and the tab's other hooks, go on.
      await partly!.page.evaluate(() => window.closeOne('a1'))
    })
    const stayed = tabs.filter((tab) => tab !== closing)
    const seen = await allSeen(stayed, 46, 'after a follower closed')
    expect(route.requests).toHaveLength(1)
    expect(route.live.size).toBe(1)
    for (const tab of stayed.filter((tab) => tab !== partly)) expectEvery(await stateOf(tab), 46)
    const partial = seen[stayed.indexOf(partly!)]!
    expect(partial.states.a1).toBe('closed')
    expect(partial.seen.a1).toEqual(idsFor('a1', 1, Number(partial.seen.a1.at(-1))))
    for (const hook of ['a2', 'b', 'c'] as const) expect(partial.seen[hook]).toEqual(idsFor(hook, 1, 46))
    const closed = await stateOf(closing!)
    expect(Object.values(closed.states)).toEqual(['closed', 'closed', 'closed', 'closed'])
    // The tab whose hooks closed left the election: three tabs remain in it.
    expect(await locksOf(leader)).toEqual({ held: 1, pending: 2 })
    for (const tab of tabs) expect(tab.problems).toEqual([])
  })

  it('every tab leaves (close() in two, an unmount in one): the server sees its one connection end, and no lock is left', async () => {
    const { browser, route } = await fresh()
    const tabs = await tabsOn(browser, route, 3)
    for (let i = 0; i < 6; i++) emit(route)
    await allSeen(tabs, 6, 'before leaving')
    const leader = tabNamed(tabs, route.requests[0]!.tab)
    const [first, second] = tabs.filter((tab) => tab !== leader)
    // The followers first: were the leader first, the lock would pass to a follower, which connects again.
    await first!.page.evaluate(() => window.closeAll())
    await second!.page.evaluate(() => window.unmount())
    await until(async () => (await locksOf(leader)).pending === 0, 'the followers to leave the election', PAGE_DEADLINE)
    expect(route.live.size).toBe(1)
    await leader.page.evaluate(() => window.closeAll())
    await until(() => route.live.size === 0, 'the connection to end', PAGE_DEADLINE)
    expect(route.requests).toHaveLength(1)
    expect(route.requests[0]!.ended).toBe(true)
    await poll(
      () => locksOf(leader),
      (locks) => locks.held === 0 && locks.pending === 0,
      'no lock left',
      PAGE_DEADLINE,
    )
    for (const tab of tabs) expect(tab.problems).toEqual([])
  })
})

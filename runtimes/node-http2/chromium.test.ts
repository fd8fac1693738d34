/**
 * Why HTTP/2 matters for SSE, proved in headless Chromium: over HTTP/1.1 a browser opens at most six
 * connections per origin, so a seventh EventSource waits for one of them to close; over HTTP/2 (which
 * browsers speak over TLS only) every stream shares one connection and there is no such limit. One page
 * served by `http2.createSecureServer(toNodeHandler(handler))` (./http2.ts, a certificate made for the
 * run, which this Chromium is told to accept) opens twenty of the browser's own EventSources at once; the
 * test checks that all twenty are open together, that one broadcast from the server reaches every one of
 * them, twice, that the server saw them all as streams of one HTTP/2 session, and that closing them runs
 * each cleanup exactly once.
 */
import type { ClientHttp2Session } from 'node:http2'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { ConnectionLog } from '../contract/app'
import type { Target } from '../contract/client'
import { browserForFile, PAGE_DEADLINE } from '../harness/browser'
import { poll } from '../harness/poll'
import { session as connect, http2Target, type Listening, listen, makeCertificate } from './http2'

/** More than HTTP/1.1's six connections per origin, as the issue asks. */
const COUNT = 20

/** What the page records for one of its EventSources. */
interface Recorded {
  id: string
  opens: number
  errors: number
  readyState: number
  /** The member named by each `broadcast` event received (the contract app's `listen` route). */
  received: string[]
}

/**
 * The page: `openAll` opens the browser's own EventSources on the contract app's `listen` route (each
 * joins a group the `broadcast` route writes into), `state` reports them, `closeAll` closes them. The
 * empty icon keeps Chromium from asking for /favicon.ico, whose 404 would be a console error.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>twenty streams over HTTP/2</title>
<script>
const streams = []
window.openAll = (group, count) => {
  for (let i = 0; i < count; i++) {
    const id = group + '-' + i
    const source = new EventSource('/listen?' + new URLSearchParams({ group, id }))
    const record = { id, opens: 0, errors: 0, received: [], source }
    source.onopen = () => record.opens++
    source.onerror = () => record.errors++
    source.addEventListener('broadcast', (event) => record.received.push(JSON.parse(event.data).to))
    streams.push(record)
  }
}
window.state = () => streams.map(({ source, ...record }) => ({ ...record, readyState: source.readyState }))
window.closeAll = () => streams.forEach((record) => record.source.close())
</script>`

const browser = browserForFile(undefined, { ignoreHTTPSErrors: true })
let server: Listening
let session: ClientHttp2Session
let target: Target

beforeAll(async () => {
  const { cert, key } = await makeCertificate()
  server = await listen({ cert, key }, { '/page': PAGE })
  // The test's own client (to broadcast and read the logs): Node's, over h2, trusting the certificate.
  session = await connect(server.url, cert)
  target = http2Target(session)
}, 60_000)
afterAll(async () => {
  session?.destroy()
  await server?.close()
}, 30_000)

test(`one page, ${COUNT} EventSources at once over HTTP/2 with TLS: all open together on one connection, every one gets every event`, async () => {
  const { page, problems } = await browser.open(`${server.url}/page`)
  const group = `chromium-h2-${Date.now()}`
  const ids = Array.from({ length: COUNT }, (_, i) => `${group}-${i}`)
  const state = () => page.evaluate(() => (window as unknown as { state(): Recorded[] }).state())

  await page.evaluate(([group, count]) => (window as any).openAll(group, count), [group, COUNT] as const)
  // All twenty open at the same time: over HTTP/1.1 the seventh would still be waiting for a connection.
  await poll(state, (s) => s.length === COUNT && s.every((r) => r.readyState === 1), `${COUNT} open`, PAGE_DEADLINE)

  for (let round = 1; round <= 2; round++) {
    // One broadcast, written into every stream from one request: each member is there to take it.
    const sent = await target.json<Record<string, boolean>>('broadcast', { group })
    expect(sent).toEqual(Object.fromEntries(ids.map((id) => [id, true])))
    const seen = await poll(state, (s) => s.every((r) => r.received.length === round), `round ${round}`, PAGE_DEADLINE)
    expect(seen.map((r) => r.received)).toEqual(ids.map((id) => Array.from({ length: round }, () => id)))
  }
  // None of them dropped and came back: one open each, no error.
  expect((await state()).map((r) => [r.opens, r.errors, r.readyState])).toEqual(ids.map(() => [1, 0, 1]))

  // The server's view: the page and the twenty streams came over HTTP/2, all on one session.
  const fromBrowser = server.seen.filter((s) => s.path === '/page' || s.path === '/listen')
  expect(fromBrowser).toHaveLength(COUNT + 1)
  expect(new Set(fromBrowser.map((s) => s.httpVersion))).toEqual(new Set(['2.0']))
  expect(new Set(fromBrowser.map((s) => s.session)).size).toBe(1)
  // Two sessions in all: Chromium's one and this test's own client.
  expect(server.sessions()).toBe(2)

  // Closing an EventSource resets its stream: each cleanup runs, exactly once.
  await page.evaluate(() => (window as any).closeAll())
  for (const id of ids) {
    await poll(
      () => target.json<ConnectionLog | null>('log', { id }),
      (log) => (log?.cleanups.length ?? 0) > 0,
      `the cleanup of ${id}`,
      PAGE_DEADLINE,
    )
  }
  const logs = await Promise.all(ids.map((id) => target.json<ConnectionLog | null>('log', { id })))
  expect(logs.map((log) => log?.cleanups)).toEqual(ids.map(() => ['returned']))
  expect(problems).toEqual([])
}, 180_000)

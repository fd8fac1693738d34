/**
 * The demo Worker (demo.ts, reached through worker.ts) under a real `wrangler dev`, started offline from
 * the top-level wrangler.toml on a free loopback port, and consumed the two ways a user would: with the
 * package's own EventSource in Node (the built dist/, as a dependent imports it) and with Chromium's
 * native EventSource on the page the Worker serves. The Worker's /demo/stats shows each stream's cleanup.
 */
import { fileURLToPath } from 'node:url'
import { EventSource } from 'use-next-sse/client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Browser, launch, PAGE_DEADLINE, waitForText } from '../harness/browser'
import { poll } from '../harness/poll'
import { type Guarded, startOnFreePorts, waitForHttp } from '../harness/process'
import type { DemoStats } from './demo'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const wrangler = fileURLToPath(new URL('../../node_modules/.bin/wrangler', import.meta.url))

let server: Guarded | undefined
let base = ''
let browser: Browser | undefined

beforeAll(async () => {
  const started = await startOnFreePorts(wrangler, {
    ports: 2,
    args: ([port, inspector]) => [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
    ],
    ready: (server, url) => waitForHttp(`${url}/demo/stats`, server),
    cwd: repo,
    // Fully offline: no metrics, no cf.json download, no banner.
    env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' },
  })
  server = started.server
  base = started.url
  browser = await launch()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.kill()
})

async function stats(): Promise<DemoStats> {
  return (await (await fetch(`${base}/demo/stats`)).json()) as DemoStats
}

/** Waits until the Worker counted a disconnect since `before`; checks it was one, and nothing stays open. */
async function oneDisconnectSince(before: DemoStats, what: string): Promise<DemoStats> {
  const after = await poll(stats, (s) => s.disconnected > before.disconnected, what, PAGE_DEADLINE)
  expect(after.disconnected - before.disconnected).toBe(1)
  expect(after.open).toBe(before.open)
  return after
}

interface Tick {
  data: { n: number; at: number }
  lastEventId: string
}

/** Reads `url` with our EventSource until `enough` says stop; resolves with the ticks and how it ended. */
function readTicks(url: string, enough: (ticks: Tick[]) => boolean) {
  const source = new EventSource(url, { reconnect: false })
  const ticks: Tick[] = []
  const done = new Promise<{ ticks: Tick[]; readyState: number; error: unknown }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no end after 30 s; got ${JSON.stringify(ticks)}`)), 30_000)
    const finish = () => {
      clearTimeout(timer)
      resolve({ ticks, readyState: source.readyState, error: source.error })
    }
    source.addEventListener('tick', (event) => {
      ticks.push({ data: JSON.parse(event.data), lastEventId: event.lastEventId })
      if (enough(ticks)) {
        source.close()
        finish()
      }
    })
    source.addEventListener('error', finish)
  })
  return { source, done }
}

describe('wrangler dev', { timeout: 60_000 }, () => {
  test('our EventSource in Node reads the ticks, and the Worker ends the stream with one cleanup', async () => {
    const before = await stats()
    const { done } = readTicks(`${base}/demo/events?count=5&interval=100`, () => false)
    const { ticks, readyState, error } = await done
    expect(ticks.map((t) => [t.lastEventId, t.data.n])).toEqual([
      ['0', 0],
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['4', 4],
    ])
    // reconnect: false and a normal end of the stream: closed, with no error.
    expect(readyState).toBe(EventSource.CLOSED)
    expect(error).toBeNull()
    const after = await poll(stats, (s) => s.completed > before.completed, 'the cleanup after close()', PAGE_DEADLINE)
    expect(after.completed - before.completed).toBe(1)
    expect(after.disconnected).toBe(before.disconnected)
    // `ctx` reached the handler, so async work can outlive the response through ctx.waitUntil.
    expect(after.waitUntil).toBe(true)
  })

  test('a reconnecting EventSource resumes after its Last-Event-ID', async () => {
    // Three ticks per connection, reconnecting after each end: the second connection carries on at 3.
    const source = new EventSource(`${base}/demo/events?count=3&interval=50`, {
      reconnect: { delay: 50, jitter: 0, maxAttempts: 3 },
    })
    const ids: string[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stuck at ${JSON.stringify(ids)}`)), 30_000)
      source.addEventListener('tick', (event) => {
        ids.push(event.lastEventId)
        if (ids.length === 6) {
          clearTimeout(timer)
          source.close()
          resolve()
        }
      })
    })
    expect(ids).toEqual(['0', '1', '2', '3', '4', '5'])
  })

  test("a client that disconnects from an idle stream runs the Worker's cleanup (seen at the next keep-alive)", async () => {
    const before = await stats()
    // One tick at once, then nothing for a minute: only the keep-alive writes.
    const { done } = readTicks(`${base}/demo/events?interval=60000`, (ticks) => ticks.length === 1)
    const { ticks } = await done
    expect(ticks.map((t) => t.data.n)).toEqual([0])
    expect((await stats()).open - before.open).toBe(1)
    const after = await oneDisconnectSince(before, 'the cleanup after the disconnect')
    expect(after.completed).toBe(before.completed)
  })

  test("Chromium's native EventSource on the Worker's page gets the same ticks; closing the page cleans up", async () => {
    const { page, problems } = await browser!.open(`${base}/demo/?count=4&interval=100`)
    try {
      await waitForText(page, '#state', (t) => t === 'closed', 'the end of the stream')
      const ticks = (await page.evaluate(() => (window as unknown as { ticks: Tick[] }).ticks)) as Tick[]
      expect(ticks.map((t) => [t.lastEventId, t.data.n])).toEqual([
        ['0', 0],
        ['1', 1],
        ['2', 2],
        ['3', 3],
      ])
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }

    const before = await stats()
    const open = await browser!.open(`${base}/demo/?interval=60000`)
    try {
      await waitForText(open.page, '#ticks', (t) => t.startsWith('tick 0'), 'the first tick')
      expect((await stats()).open - before.open).toBe(1)
      expect(open.problems).toEqual([])
    } finally {
      await open.page.close()
    }
    await oneDisconnectSince(before, 'the cleanup after the page closed')
  })
})

/**
 * The demo Worker (demo.ts, reached through worker.ts) under a real `wrangler dev`, started offline from
 * the top-level wrangler.toml on a free loopback port, and consumed the two ways a user would: with the
 * package's own EventSource in Node (the built dist/, as a dependent imports it) and with Chromium's
 * native EventSource on the page the Worker serves. The Worker's /demo/stats shows each stream's cleanup.
 * And the chat on a Durable Object (chat.ts, bound in wrangler.toml) in two Chromium tabs.
 */
import { fileURLToPath } from 'node:url'
import { EventSource } from 'use-next-sse/client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Browser, launch, PAGE_DEADLINE, type WatchedPage, waitForText } from '../harness/browser'
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

  test('the chat on a Durable Object: a message posted in one tab shows in the other; a reopened tab gets what it missed, once', async () => {
    const room = `room-${Date.now().toString(36)}`
    const subscribers = async () =>
      ((await (await fetch(`${base}/chat/${room}/stats`)).json()) as { subscribers: number }).subscribers
    const messages = (page: WatchedPage['page']) => page.locator('#messages li').allTextContents()
    const a = await browser!.open(`${base}/chat/${room}`)
    const b = await browser!.open(`${base}/chat/${room}`)
    try {
      await waitForText(a.page, '#state', (t) => t === 'open', 'tab A connected')
      await waitForText(b.page, '#state', (t) => t === 'open', 'tab B connected')
      await poll(subscribers, (n) => n === 2, 'two subscribers in the room', PAGE_DEADLINE)
      await a.page.fill('input[name=author]', 'ada')
      await a.page.fill('input[name=text]', 'hello from A')
      await a.page.click('button')
      await poll(
        () => messages(b.page),
        (m) => m.length === 1,
        'the message in tab B',
        PAGE_DEADLINE,
      )
      expect(await messages(b.page)).toEqual(['ada: hello from A'])

      // Tab B goes away; A posts twice meanwhile; B comes back (same origin: its saved id) and catches up.
      await b.page.close()
      await poll(subscribers, (n) => n === 1, 'tab B cleaned up (at the next keep-alive)', PAGE_DEADLINE)
      for (const text of ['while you were away', 'and again']) {
        await a.page.fill('input[name=text]', text)
        await a.page.click('button')
      }
      await poll(
        () => messages(a.page),
        (m) => m.length === 3,
        'both messages in tab A',
        PAGE_DEADLINE,
      )
      const back = await browser!.open(`${base}/chat/${room}`)
      try {
        await poll(
          () => messages(back.page),
          (m) => m.length >= 3,
          'the missed messages in the reopened tab',
          PAGE_DEADLINE,
        )
        // A live message after the catch-up, so that a late duplicate would have arrived by now.
        await a.page.fill('input[name=text]', 'welcome back')
        await a.page.click('button')
        await poll(
          () => messages(back.page),
          (m) => m.length >= 4,
          'the live message',
          PAGE_DEADLINE,
        )
        expect(await messages(back.page)).toEqual([
          'ada: hello from A',
          'ada: while you were away',
          'ada: and again',
          'ada: welcome back',
        ])
        await browser!.screenshot(back.page, 'workerd-chat-durable-object')
        expect([...a.problems, ...b.problems, ...back.problems]).toEqual([])
      } finally {
        await back.page.close()
      }
    } finally {
      await a.page.close()
      if (!b.page.isClosed()) await b.page.close()
    }
    await poll(subscribers, (n) => n === 0, 'every tab cleaned up', PAGE_DEADLINE)
  })
})

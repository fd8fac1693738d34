/**
 * `use-next-sse/cloudflare` in real workerd (Miniflare, offline, SQLite-backed Durable Objects persisted
 * to a temporary folder): channels hosted by a ChannelObject and reached by room name from the Worker
 * (./channels.ts, bundled from the built package), consumed over loopback HTTP with fetch. Every
 * publish is its own HTTP request, so it crosses from the Worker into the object like a publish from
 * another isolate would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { closeAll, httpTarget, open, type Stream } from '../contract/client'
import { poll } from '../harness/poll'
import type { Stats } from './channels'

/** The compatibility settings of the top-level wrangler.toml, so tests and `wrangler dev` agree. */
function compatibility() {
  const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8')
  const strings = (key: string) =>
    [...(new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm').exec(toml)?.[1] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
  return { compatibilityDate: strings('compatibility_date')[0]!, compatibilityFlags: strings('compatibility_flags') }
}

let script = ''
const persist = mkdtempSync(join(tmpdir(), 'use-next-sse-do-'))

interface Runtime {
  base: string
  mf: Miniflare
}

/** Starts workerd on the persisted storage: a second start on the same folder is the object restarted. */
async function start(): Promise<Runtime> {
  const mf = new Miniflare({
    modules: true,
    script,
    ...compatibility(),
    durableObjects: {
      CHANNELS: { className: 'TestChannel', useSQLite: true },
      SMALL: { className: 'SmallChannel', useSQLite: true },
    },
    durableObjectsPersist: persist,
    cf: false,
    host: '127.0.0.1',
    port: 0,
  })
  const url = await mf.ready
  return { base: url.origin, mf }
}

let runtime: Runtime

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('./channels.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['cloudflare:workers'],
    write: false,
  })
  script = bundle.outputFiles[0]!.text
  runtime = await start()
}, 60_000)

afterEach(() => closeAll())

afterAll(async () => {
  await runtime?.mf.dispose()
  rmSync(persist, { recursive: true, force: true })
})

let rooms = 0
/** A room no other test uses (the storage persists across tests). */
const room = (name = 'room') => `${name}-${rooms++}-${Math.random().toString(36).slice(2, 8)}`

function subscribe(name: string, headers: Record<string, string> = {}, query: Record<string, string> = {}) {
  return open(httpTarget(runtime.base), `events/${name}`, query, headers)
}

async function publish(name: string, data: unknown, event?: string, query = ''): Promise<string> {
  const response = await fetch(`${runtime.base}/publish/${name}${query}`, {
    method: 'POST',
    body: JSON.stringify({ data, event }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { id: string }).id
}

async function stats(name: string, query = ''): Promise<Stats> {
  return (await (await fetch(`${runtime.base}/stats/${name}${query}`)).json()) as Stats
}

/** Subscribed: the first flush (a comment) arrived, so the object holds the connection. */
async function subscribed(name: string, headers: Record<string, string> = {}, query: Record<string, string> = {}) {
  const stream = await subscribe(name, headers, query)
  await stream.commentCount(1)
  return stream
}

const ns = (s: Stream) =>
  s.events.filter((e) => e.event === 'message' || e.event === undefined).map((e) => JSON.parse(e.data).n)
const seqOf = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1))

// Generous bounds: these machines have 2 cores shared by several suites; nothing waits on a fixed delay.
describe('ChannelObject in workerd', { timeout: 60_000 }, () => {
  test('the stream comes from the object with the SSE headers, through the Worker', async () => {
    const stream = await subscribed(room())
    expect(stream.response.status).toBe(200)
    expect(stream.response.header('content-type')).toBe('text/event-stream')
    expect(stream.response.header('cache-control')).toBe('no-cache, no-transform')
  })

  test('200 subscribers on one room and 3 rooms in parallel: 1,000 publishes, each from its own request, reach every subscriber of their room once, in order, and nothing else', async () => {
    const names = [room('a'), room('b'), room('c')]
    const counts = [200, 20, 20]
    const streams = await Promise.all(
      names.flatMap((name, i) => Array.from({ length: counts[i]! }, () => subscribed(name).then((s) => ({ name, s })))),
    )
    for (const name of names) expect((await stats(name)).size).toBe(counts[names.indexOf(name)])
    const published = new Map<string, { id: string; n: number }[]>(names.map((name) => [name, []]))
    // 1,000 publishes, 12 in flight at a time, spread over the rooms.
    const jobs = Array.from({ length: 1000 }, (_, n) => ({ name: names[n % 3]!, n }))
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        for (let job = jobs.shift(); job; job = jobs.shift()) {
          const id = await publish(job.name, { n: job.n })
          published.get(job.name)!.push({ id, n: job.n })
        }
      }),
    )
    for (const { name, s } of streams) {
      // The order of a room is its ids' order (publishes raced each other, so not the order of n).
      const expected = [...published.get(name)!].sort((a, b) => seqOf(a.id) - seqOf(b.id))
      await s.until((x) => x.events.length >= expected.length, `${expected.length} events of ${name}`, 60_000)
      expect(s.events.map((e) => e.id)).toEqual(expected.map((e) => e.id))
      expect(ns(s)).toEqual(expected.map((e) => e.n))
    }
  }, 180_000)

  test('many rooms: each of 40 rooms gets its own event and no other', async () => {
    const names = Array.from({ length: 40 }, () => room('many'))
    const streams = await Promise.all(names.map((name) => subscribed(name)))
    await Promise.all(names.map((name, n) => publish(name, { n })))
    await Promise.all(streams.map((s) => s.eventCount(1)))
    // One more publish to the first room only: if anything crossed rooms it would show up here.
    await publish(names[0]!, { n: 1000 })
    await streams[0]!.eventCount(2)
    for (const [n, s] of streams.entries()) expect(ns(s)).toEqual(n === 0 ? [0, 1000] : [n])
  })

  test('a reconnect with Last-Event-ID gets exactly what it missed, then live events', async () => {
    const name = room()
    const first = await subscribed(name)
    for (const n of [1, 2, 3]) await publish(name, { n })
    await first.eventCount(3)
    await first.cancel()
    for (const n of [4, 5, 6]) await publish(name, { n })
    const resumed = await subscribe(name, { 'Last-Event-ID': first.events.at(-1)!.id! })
    await resumed.eventCount(3)
    await publish(name, { n: 7 })
    await resumed.eventCount(4)
    expect(ns(resumed)).toEqual([4, 5, 6, 7])
    expect(resumed.events.map((e) => e.event ?? 'message')).not.toContain('gap')
    // The same through the query parameter our client uses cross-origin.
    const byQuery = await subscribe(name, {}, { lastEventId: resumed.events[1]!.id! })
    await byQuery.eventCount(2)
    expect(ns(byQuery)).toEqual([6, 7])
  })

  test('a publish to a room with no subscriber is stored, and a resume gets it', async () => {
    const name = room()
    const a = await publish(name, { n: 1 })
    const b = await publish(name, { n: 2 })
    expect(seqOf(b)).toBe(seqOf(a) + 1)
    expect((await stats(name)).lastId).toBe(b)
    const zero = `${a.slice(0, a.lastIndexOf('-'))}-0` // before the first event of this room's history
    const stream = await subscribe(name, { 'Last-Event-ID': zero })
    await stream.eventCount(2)
    expect(ns(stream)).toEqual([1, 2])
  })

  test('an id older than the history gets the gap signal, then everything retained; garbage ids never crash or replay twice', async () => {
    const name = room()
    const ids: string[] = []
    for (const n of [1, 2, 3, 4, 5, 6]) ids.push(await publish(name, { n }, undefined, '?small'))
    const old = await subscribe(name, { 'Last-Event-ID': ids[0]! }, { small: '' })
    await old.eventCount(4)
    expect(old.events[0]!.event).toBe('gap')
    expect(JSON.parse(old.events[0]!.data)).toEqual({ lastEventId: ids[0], oldestId: ids[3] })
    expect(ns(old)).toEqual([4, 5, 6])
    const epoch = ids[0]!.slice(0, ids[0]!.lastIndexOf('-'))
    for (const garbage of ['nonsense', `${epoch}-99999`, `${epoch}-1.5`, 'x'.repeat(1000), `other-3`]) {
      const stream = await subscribe(name, { 'Last-Event-ID': garbage }, { small: '' })
      await stream.eventCount(4)
      expect(stream.events[0]!.event).toBe('gap')
      expect(ns(stream)).toEqual([4, 5, 6])
      await publish(name, { n: 7 }, undefined, '?small')
      await stream.eventCount(5)
      expect(ns(stream)).toEqual([4, 5, 6, 7])
      await stream.cancel()
      // Back to the same retained three for the next id.
      for (const n of [4, 5, 6]) await publish(name, { n }, undefined, '?small')
    }
  })

  test('a filter from the subscriber request delivers only its events, live and replayed', async () => {
    const name = room()
    const odd = await subscribed(name, {}, { odd: '1' })
    const even = await subscribed(name, {}, { odd: '0' })
    const ids: string[] = []
    for (const n of [1, 2, 3, 4]) ids.push(await publish(name, { n }))
    await odd.eventCount(2)
    await even.eventCount(2)
    expect(ns(odd)).toEqual([1, 3])
    expect(ns(even)).toEqual([2, 4])
    const replay = await subscribe(name, { 'Last-Event-ID': ids[0]! }, { odd: '0' })
    await replay.eventCount(2)
    expect(ns(replay)).toEqual([2, 4])
  })

  test('data with no JSON form and an event name with CR/LF are refused with a TypeError, and nothing is stored', async () => {
    const name = room()
    const before = await publish(name, { n: 1 })
    for (const what of ['bigint', 'event']) {
      const answer = (await (
        await fetch(`${runtime.base}/refuse/${name}?what=${what}`, { method: 'POST' })
      ).json()) as {
        refused: boolean
        name: string
      }
      expect(answer).toMatchObject({ refused: true, name: 'TypeError' })
    }
    expect((await stats(name)).lastId).toBe(before)
  })

  test('subscribers that leave are cleaned up: the count returns to 0 and no keep-alive timer is left', async () => {
    const name = room()
    const streams = await Promise.all([1, 2, 3].map(() => subscribed(name)))
    const during = await stats(name)
    expect(during.size).toBe(3)
    expect(during.timers).toBeGreaterThanOrEqual(1)
    await streams[0]!.cancel()
    streams[1]!.abort()
    await streams[2]!.cancel()
    // workerd tells the object at its next write to the stream: the next keep-alive (200 ms here).
    await poll(
      () => stats(name),
      (s) => s.size === 0,
      "the room's subscribers gone",
      30_000,
    )
    // Timers are counted for the whole isolate (every room's object runs in it): streams other tests
    // closed are freed at their own next keep-alive, so this waits for those too.
    const after = await poll(
      () => stats(name),
      (s) => s.timers === 0,
      'every keep-alive timer gone',
      30_000,
    )
    expect(after).toMatchObject({ size: 0, timers: 0 })
  })
})

describe('ChannelObject across a restart of the runtime on the same storage', { timeout: 60_000 }, () => {
  test('clients reconnect with Last-Event-ID and end with every event exactly once; ids keep increasing', async () => {
    const name = room()
    const clients = await Promise.all([1, 2, 3].map(() => subscribed(name)))
    const before: string[] = []
    for (let n = 0; n < 10; n++) before.push(await publish(name, { n }))
    // Each client has read a different share of what was published when the runtime goes away.
    await clients[0]!.eventCount(10)
    await clients[1]!.eventCount(4)
    await runtime.mf.dispose()
    runtime = await start()
    const after: string[] = []
    const resumed = await Promise.all(
      clients.map((c) => subscribed(name, c.events.length > 0 ? { 'Last-Event-ID': c.events.at(-1)!.id! } : {})),
    )
    for (let n = 10; n < 15; n++) after.push(await publish(name, { n }))
    expect(seqOf(after[0]!)).toBe(seqOf(before.at(-1)!) + 1)
    expect(after[0]!.slice(0, after[0]!.lastIndexOf('-'))).toBe(before[0]!.slice(0, before[0]!.lastIndexOf('-')))
    for (const [i, c] of clients.entries()) {
      const r = resumed[i]!
      // A client that read nothing resumed as a new subscriber; the others from their last id.
      const expected = c.events.length > 0 ? 15 : 5
      await r.until((s) => s.events.length >= expected - c.events.length, `client ${i}'s events`, 20_000)
      const all = [...ns(c), ...ns(r)]
      expect(all).toEqual(c.events.length > 0 ? Array.from({ length: 15 }, (_, n) => n) : [10, 11, 12, 13, 14])
    }
  })
})

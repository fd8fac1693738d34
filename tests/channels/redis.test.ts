import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { poll, until } from '../../runtimes/harness/poll'
import { startRedis } from '../../runtimes/harness/process'
import { createRedisBackplane, type RedisBackplane, type RedisClientLike } from '../../src/channels/redis'
import { type Channel, createChannel, createSSEHandler, type HistoryResult } from '../../src/entries/server'
import { connect as attach } from '../helpers/channel'
import { sseReader, take } from '../helpers/sse'

type Redis = Awaited<ReturnType<typeof startRedis>>
let redis: Redis
const cleanups: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => {
  // Small stream nodes, so that MAXLEN ~ trims at a granularity the tests can reach.
  redis = await startRedis({ extra: ['--stream-node-max-entries', '4'] })
})
afterAll(() => redis.stop())
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let names = 0
const uniqueName = () => `t${Date.now()}-${names++}`

/** One "instance": its own client and backplane, as a separate server process would have. */
async function instance(
  url = redis.url,
  errors: unknown[] = [],
  reading: { block?: number; timeout?: number } = { block: 2000 },
) {
  const client = createClient({ url, socket: { reconnectStrategy: () => 50 } })
  client.on('error', () => {})
  await client.connect()
  const backplane = createRedisBackplane({
    client: client as unknown as RedisClientLike,
    onError: (e) => errors.push(e),
    ...reading,
  })
  cleanups.push(
    () => client.destroy(),
    () => backplane.close(),
  )
  return { client, backplane, errors }
}

/** Opens a connection to `channel` (closed after the test) and returns its oracle reader. */
function connect<T>(channel: Channel<T>, lastEventId?: string) {
  const { reader } = attach(channel, { lastEventId })
  cleanups.push(() => reader.cancel())
  return reader
}

/**
 * Publishes probes on `channel` until `reader` (attached on another instance) has seen one. The other
 * instance only delivers what follows the start position it reads on its own connection, so a probe
 * published before that is rightly never delivered: one read runs alongside the probes, never a read
 * awaited after each, which would wait forever for an event that is not coming. Probes are typed
 * apart: one still in flight when the check passes must not count as an event.
 */
async function positioned(reader: ReturnType<typeof connect>, channel: Channel<number>) {
  const seen = reader.readUntil(() => reader.events.length > 0)
  seen.catch(() => {}) // awaited below; a body that ends early fails there
  await until(
    async () => {
      if (reader.events.length === 0) await channel.publish(0, { event: 'probe' })
      return reader.events.length > 0
    },
    'the reader positioned',
    15_000,
  )
  await seen
}

/** One channel as two instances see it: separate clients and backplanes, as two server processes have. */
async function acrossInstances() {
  const name = uniqueName()
  const a = await instance()
  const b = await instance()
  return {
    onA: createChannel<number>({ name, backplane: a.backplane }),
    onB: createChannel<number>({ name, backplane: b.backplane }),
  }
}

describe('createRedisBackplane', () => {
  it('delivers a publish on one instance to the connections of another, in order, with stream ids', async () => {
    const { onA, onB } = await acrossInstances()
    const reader = connect(onB)
    await positioned(reader, onA)
    const ids: string[] = []
    for (let i = 1; i <= 20; i++) ids.push(await onA.publish(i, { event: 'n' }))
    const events = () => reader.events.filter((e) => e.type !== 'probe')
    await reader.readUntil(() => events().length >= 20)
    const got = events()
    expect(got.map((e) => Number(e.data))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(got.map((e) => e.id)).toEqual(ids)
    expect(got.every((e) => e.type === 'n')).toBe(true)
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true)
  })

  it('resumes on another instance from Last-Event-ID, then continues live', async () => {
    const { onA, onB } = await acrossInstances()
    const ids: string[] = []
    for (let i = 1; i <= 10; i++) ids.push(await onA.publish(i))
    const reader = connect(onB, ids[3])
    expect((await take(reader, 6)).map((e) => Number(e.data))).toEqual([5, 6, 7, 8, 9, 10])
    await onA.publish(11)
    expect(Number((await reader.next()).data)).toBe(11)
  })

  it('has no gap and no duplicate when publishes race many resuming attaches', async () => {
    const { onA, onB } = await acrossInstances()
    const first = await onA.publish(0)
    const readers = []
    const publishing = (async () => {
      for (let i = 1; i <= 200; i++) await onA.publish(i)
    })()
    // Attach while the publisher runs: each replay overlaps live delivery differently.
    for (let k = 0; k < 10; k++) {
      readers.push(connect(onB, first))
      await new Promise((r) => setTimeout(r, 3))
    }
    await publishing
    for (const reader of readers) {
      const got = await take(reader, 200)
      expect(got.map((e) => Number(e.data))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    }
  })

  it('reports a gap when the client id is older than what MAXLEN kept', async () => {
    const name = uniqueName()
    const { backplane } = await instance()
    const ids: string[] = []
    for (let i = 1; i <= 40; i++) ids.push(await backplane.publish(name, { data: String(i) }, { maxEvents: 8 }))
    const old = (await backplane.history(name, ids[0] as string, { maxEvents: 8 })) as HistoryResult
    expect(old.complete).toBe(false)
    expect(old.events.length).toBeGreaterThanOrEqual(8)
    expect(old.events.at(-1)?.data).toBe('40')
    const recent = (await backplane.history(name, ids[36] as string, { maxEvents: 8 })) as HistoryResult
    expect(recent).toEqual({
      events: [38, 39, 40].map((n, i) => ({ id: ids[37 + i], data: String(n) })),
      complete: true,
    })
    expect(((await backplane.history(name, 'garbage', {})) as HistoryResult).complete).toBe(false)
    expect(((await backplane.history(name, '99999999999999-0', {})) as HistoryResult).complete).toBe(false)
  })

  it('trims by age with maxAge: a publish drops what is older than maxAge and keeps what is younger', async () => {
    // Generous against a loaded machine: the trim follows its publish by one round trip, far below this.
    const maxAge = 1000
    const name = uniqueName()
    const { backplane, client } = await instance()
    const stored = async () =>
      ((await client.sendCommand(['XRANGE', `sse:${name}`, '-', '+'])) as [string, string[]][]).map(
        ([, fields]) => fields[1],
      )
    // Published without maxAge: nothing trims it, however old it gets.
    await backplane.publish(name, { data: 'old' }, {})
    await new Promise((r) => setTimeout(r, maxAge + 100))
    await backplane.publish(name, { data: 'kept' }, {})
    expect(await stored()).toEqual(['old', 'kept'])
    // The first publish with maxAge trims (after it returns, so wait for it): 'old' goes, the rest stays.
    await backplane.publish(name, { data: 'new' }, { maxAge })
    const left = await poll(stored, (data) => !data.includes('old'), 'the age trim')
    expect(left).toEqual(['kept', 'new'])
  })

  it('gives the stream of a channel with maxAge an expiry, refreshed by each publish: a quiet room leaves Redis', async () => {
    const maxAge = 200
    const name = uniqueName()
    const key = `sse:${name}`
    const { client, backplane, errors } = await instance()
    const pttl = async () => Number(await client.sendCommand(['PTTL', key]))
    const channel = createChannel<number>({ name, backplane, maxAge })
    await channel.publish(1)
    // The expiry follows the publish by one round trip: wait for it, then check its bound.
    expect(await poll(pttl, (ms) => ms > 0, 'the expiry')).toBeLessThanOrEqual(maxAge + 1000)
    // A longer expiry (set by hand) is brought back by the next publish: each publish refreshes it.
    await client.sendCommand(['PEXPIRE', key, '3600000'])
    await channel.publish(2)
    await poll(pttl, (ms) => ms > 0 && ms <= maxAge + 1000, 'the refreshed expiry')
    // Nothing published since: the key goes (maxAge plus a second, far below the bound).
    await poll(
      () => client.sendCommand(['EXISTS', key]),
      (n) => Number(n) === 0,
      'the quiet room to expire',
    )
    // Without maxAge the stream keeps no expiry, however old its events get.
    const forever = uniqueName()
    await createChannel<number>({ name: forever, backplane }).publish(1)
    expect(Number(await client.sendCommand(['PTTL', `sse:${forever}`]))).toBe(-1)
    expect(errors).toEqual([])
  })

  it('reports a gap to a client resuming after its room expired and was written again', async () => {
    const name = uniqueName()
    const { client, backplane, errors } = await instance()
    const channel = createChannel<number>({ name, backplane, maxAge: 100 })
    const seen = await channel.publish(1)
    await channel.publish(2) // missed by the client, then expired with the room
    await poll(
      () => client.sendCommand(['EXISTS', `sse:${name}`]),
      (n) => Number(n) === 0,
      'the room to expire',
    )
    // No stream at all: what followed the id is gone, unless the id is 0-0, before everything.
    expect(await backplane.history(name, seen, {})).toEqual({ events: [], complete: false })
    expect(await backplane.history(name, '0-0', {})).toEqual({ events: [], complete: true })
    const again = await channel.publish(3)
    const { reader, errors: connectionErrors } = resume(channel, seen, 'header')
    const gap = await reader.next()
    expect([gap.type, JSON.parse(gap.data)]).toEqual(['gap', { lastEventId: seen, oldestId: again }])
    expect(await reader.next()).toEqual({ type: 'message', data: '3', id: again })
    expect(connectionErrors).toEqual([])
    expect(errors).toEqual([])
  })

  it('replays nothing older than maxAge, even before a publish trims it', async () => {
    const name = uniqueName()
    const { backplane } = await instance()
    const ms = (id: string) => Number(id.split('-')[0])
    // Published without maxAge, so nothing trims or expires them: only history's own age check applies.
    const e0 = await backplane.publish(name, { data: '0' }, {})
    const e1 = await backplane.publish(name, { data: '1' }, {})
    await until(() => Date.now() >= ms(e1) + 400, 'e1 to be 400 ms old')
    const e2 = await backplane.publish(name, { data: '2' }, {})
    // An age between e1's and e2's, computed in the same turn as the reads take the time.
    const maxAge = Date.now() - Math.round((ms(e1) + ms(e2)) / 2)
    const reads = [null, e0, e1].map((after) => backplane.history(name, after, { maxAge }))
    const [retained, fromE0, fromE1] = (await Promise.all(reads)) as HistoryResult[]
    const young = [{ id: e2, data: '2' }]
    expect(retained).toEqual({ events: young, complete: false })
    expect(fromE0).toEqual({ events: young, complete: false }) // e1 followed e0 and is too old: a gap
    expect(fromE1).toEqual({ events: young, complete: true })
  })

  it('survives a Redis crash mid-stream: reports it, resumes, loses nothing Redis accepted', async () => {
    const durable = await startRedis({ durable: true })
    cleanups.push(() => durable.stop())
    const name = uniqueName()
    const publisher = await instance(durable.url)
    const subscriber = await instance(durable.url)
    const onA = createChannel<number>({ name, backplane: publisher.backplane })
    const reader = connect(createChannel<number>({ name, backplane: subscriber.backplane }))
    await positioned(reader, onA)
    const events = () => reader.events.filter((e) => e.type !== 'probe')
    const accepted: number[] = []
    let crashed = false
    const publishing = (async () => {
      for (let i = 1; i <= 60; i++) {
        if (i === 30) {
          await durable.crash()
          crashed = true
          setTimeout(() => void durable.restart(), 300)
        }
        // While Redis is down node-redis queues the command; it is sent once the connection is back.
        await onA.publish(i).then(
          () => accepted.push(i),
          () => {},
        )
      }
    })()
    await publishing
    expect(crashed).toBe(true)
    await reader.readUntil(() => events().length >= accepted.length)
    const got = events().map((e) => Number(e.data))
    expect(got).toEqual(accepted)
    // Only publishes around the crash may be refused (the one in flight, and one that meets the restarted
    // server still loading its data: how many depends on timing); every one before it and every one once
    // Redis is back is accepted.
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
    expect(accepted.filter((i) => i < 30)).toEqual(range(1, 29))
    expect(accepted.slice(-10)).toEqual(range(51, 60))
    // The failure was visible, not silent.
    expect(subscriber.errors.some((e) => (e as { code?: string }).code === 'BACKPLANE')).toBe(true)
  })

  it('replaces a reader that Redis stops answering (a hung host), then resumes and loses nothing', async () => {
    const hung = await startRedis()
    cleanups.push(() => hung.stop())
    const name = uniqueName()
    const publisher = await instance(hung.url)
    const subscriber = await instance(hung.url, [], { block: 100, timeout: 300 })
    const onA = createChannel<number>({ name, backplane: publisher.backplane })
    const reader = connect(createChannel<number>({ name, backplane: subscriber.backplane }))
    await positioned(reader, onA)
    const events = () => reader.events.filter((e) => e.type !== 'probe').map((e) => Number(e.data))
    for (let i = 1; i <= 5; i++) await onA.publish(i)
    await reader.readUntil(() => events().length >= 5)
    // Stopped, Redis keeps every connection open and answers nothing: no error comes on its own.
    hung.freeze(true)
    const unanswered = (e: unknown) => /did not answer/.test(String((e as Error).cause))
    let later: Promise<unknown> | undefined
    try {
      await until(() => subscriber.errors.some(unanswered), 'the silence reported', 15_000)
      // Written now, answered once Redis runs again.
      later = Promise.all([6, 7, 8, 9, 10].map((i) => onA.publish(i)))
    } finally {
      hung.freeze(false)
    }
    await later
    await reader.readUntil(() => events().length >= 10)
    expect(events()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(subscriber.errors.every((e) => (e as { code?: string }).code === 'BACKPLANE')).toBe(true)
  })

  it('stops reading a stream once its last connection leaves', async () => {
    const name = uniqueName()
    const { backplane } = await instance()
    let delivered = 0
    const off = backplane.subscribe(name, () => delivered++)
    await until(
      async () => {
        await backplane.publish(name, { data: 'x' }, {})
        return delivered > 0
      },
      'a first delivery',
      15_000,
    )
    off()
    const before = delivered
    await backplane.publish(name, { data: 'y' }, {})
    await new Promise((r) => setTimeout(r, 200))
    expect(delivered).toBe(before)
  })
})

describe('shutdown', () => {
  it('close() ends the reader loop without errors', async () => {
    const errors: unknown[] = []
    const { backplane } = await instance(redis.url, errors)
    backplane.subscribe(uniqueName(), () => {})
    await new Promise((r) => setTimeout(r, 50))
    await (backplane as RedisBackplane).close()
    expect(errors).toEqual([])
  })
})

/** UTF-8 bytes as a header holds them: one Latin-1 character per byte (what Node hands a handler). */
const asHeader = (text: string) => String.fromCharCode(...new TextEncoder().encode(text))

/**
 * Opens a connection resuming from `lastEventId` as a client sends it: in the `Last-Event-ID` header
 * (a byte string: UTF-8 arrives as Latin-1, which the server decodes back) or in the query parameter our
 * client uses cross-origin, where any string fits (NUL, emoji). Returns its oracle reader and what its
 * `onError` received.
 */
function resume<T>(channel: Channel<T>, lastEventId: string, via: 'header' | 'query') {
  const errors: unknown[] = []
  const handler = createSSEHandler(
    (_send, _close, context) => {
      channel.attach(context)
    },
    { onError: (e) => errors.push(e), keepAlive: false },
  )
  const request =
    via === 'header'
      ? new Request('http://localhost/', { headers: { 'Last-Event-ID': asHeader(lastEventId) } })
      : new Request(`http://localhost/?lastEventId=${encodeURIComponent(lastEventId)}`)
  const reader = sseReader(handler(request).body!)
  cleanups.push(() => reader.cancel())
  return { reader, errors }
}

describe('a Last-Event-ID Redis cannot read (issue 21)', () => {
  /** A channel with three retained events, on an instance whose backplane failures are collected. */
  async function room() {
    const { backplane, errors } = await instance()
    const channel = createChannel<number>({ name: uniqueName(), backplane })
    const retained: string[] = []
    for (let i = 1; i <= 3; i++) retained.push(await channel.publish(i))
    return { channel, retained, backplaneErrors: errors }
  }

  // Each is either refused by isId (never reaches Redis) or reaches it and must not make it fail.
  const malformed: [what: string, id: string, via: 'header' | 'query'][] = [
    ['milliseconds out of range', '99999999999999999999-0', 'header'],
    ['milliseconds of 2^64', '18446744073709551616-0', 'header'],
    ['a sequence of 2^64', '0-18446744073709551616', 'header'],
    ['the largest id (nothing can follow it)', '18446744073709551615-18446744073709551615', 'header'],
    ['an id ahead of the stream', '18446744073709551615-0', 'header'],
    ['three parts', '1-2-3', 'header'],
    ['a negative time', '-1-0', 'header'],
    ['a negative sequence', '1--1', 'header'],
    ['only milliseconds', '1', 'header'],
    ['a fraction', '1.5-0', 'header'],
    ['an exponent', '1e3-0', 'header'],
    ['hexadecimal', '0x1-0', 'header'],
    ['an exclusive range', '(1-0', 'header'],
    ['the first id of XRANGE', '-', 'header'],
    ['the last id of XRANGE', '+', 'header'],
    ['the id of XREAD', '$', 'header'],
    ['the id of XADD', '*', 'header'],
    ['a space inside', '1 -0', 'header'],
    ['a space around', ' 1-0', 'query'],
    ['Arabic-Indic digits', '١٢-٣', 'header'],
    ['an emoji', '🙂-0', 'header'],
    ['an emoji, in the query', '1-🙂', 'query'],
    ['NUL', '1-0\u0000', 'query'],
    ['8 kB of digits', `${'9'.repeat(8190)}-0`, 'header'],
    ['8 kB of text', 'x'.repeat(8192), 'query'],
  ]

  it.each(malformed)('%s: the gap signal, what is retained, then live events, once each', async (_what, id, via) => {
    const { channel, retained, backplaneErrors } = await room()
    const { reader, errors } = resume(channel, id, via)
    const live: string[] = []
    for (let i = 4; i <= 6; i++) live.push(await channel.publish(i))
    const got = await take(reader, 7)
    expect(got[0]?.type).toBe('gap')
    expect(JSON.parse(got[0]?.data ?? '')).toEqual({ lastEventId: id, oldestId: retained[0] })
    expect(got.slice(1).map((e) => [e.id, Number(e.data)])).toEqual(
      [...retained, ...live].map((eventId, i) => [eventId, i + 1]),
    )
    // Nothing extra (a duplicate) sits before the next event.
    const last = await channel.publish(7)
    expect(await reader.next()).toEqual({ type: 'message', data: '7', id: last })
    expect(errors).toEqual([])
    expect(backplaneErrors).toEqual([])
  })

  // An empty id is no id (the spec resets the last event id to ""): a fresh connection, no gap.
  it.each([
    ['an empty header', '', 'header'],
    ['a header of spaces (trimmed away)', '   ', 'header'],
    ['an empty query parameter', '', 'query'],
  ] as const)('%s: live events only, no gap', async (_what, id, via) => {
    const { channel, backplaneErrors } = await room()
    const { reader, errors } = resume(channel, id, via)
    // Published on the connection's own instance, after its subscription: the reader starts before them.
    const live: string[] = []
    for (let i = 4; i <= 6; i++) live.push(await channel.publish(i))
    expect((await take(reader, 3)).map((e) => [e.type, e.id])).toEqual(live.map((eventId) => ['message', eventId]))
    expect(errors).toEqual([])
    expect(backplaneErrors).toEqual([])
  })

  it('resumes from 0-0 (before everything) with every event and no gap', async () => {
    const { channel, retained, backplaneErrors } = await room()
    const { reader, errors } = resume(channel, '0-0', 'header')
    const next = await channel.publish(4)
    expect((await take(reader, 4)).map((e) => [e.type, e.id])).toEqual(
      [...retained, next].map((eventId) => ['message', eventId]),
    )
    expect(errors).toEqual([])
    expect(backplaneErrors).toEqual([])
  })

  it('closes the stream for a retry when reading the history really fails (the connection is gone)', async () => {
    // The client is closed rather than its server stopped: a stopped server's port can be taken by
    // another suite's redis-server, to which a reconnecting client would then happily talk.
    const client = createClient({ url: redis.url, disableOfflineQueue: true })
    client.on('error', () => {})
    await client.connect()
    const backplane = createRedisBackplane({ client: client as unknown as RedisClientLike, onError: () => {} })
    cleanups.push(() => backplane.close())
    const channel = createChannel<number>({ name: uniqueName(), backplane })
    const id = await channel.publish(1)
    client.destroy()
    const { reader, errors } = resume(channel, id, 'header')
    expect(await reader.rest()).toEqual([])
    expect(errors).toEqual([expect.objectContaining({ code: 'BACKPLANE' })])
  })
})

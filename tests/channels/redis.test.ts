import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { poll, until } from '../../runtimes/harness/poll'
import { startRedis } from '../../runtimes/harness/process'
import { createRedisBackplane, type RedisBackplane, type RedisClientLike } from '../../src/channels/redis'
import { type Channel, createChannel, type HistoryResult } from '../../src/entries/server'
import { connect as attach } from '../helpers/channel'
import { take } from '../helpers/sse'

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
async function instance(url = redis.url, errors: unknown[] = []) {
  const client = createClient({ url, socket: { reconnectStrategy: () => 50 } })
  client.on('error', () => {})
  await client.connect()
  const backplane = createRedisBackplane({
    client: client as unknown as RedisClientLike,
    onError: (e) => errors.push(e),
    block: 2000,
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
    // Wait until B's reader is positioned: a first event published and seen proves it.
    // Probes are typed apart: one still in flight when the check passes must not count as an event.
    await until(
      async () => {
        await onA.publish(0, { event: 'probe' })
        return reader.events.length > 0 || (await reader.pump().then(() => reader.events.length > 0))
      },
      "B's reader positioned",
      15_000,
    )
    const ids: string[] = []
    for (let i = 1; i <= 20; i++) ids.push(await onA.publish(i, { event: 'n' }))
    const events = () => reader.events.filter((e) => e.type !== 'probe')
    while (events().length < 20) await reader.pump()
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

  it('survives a Redis crash mid-stream: reports it, resumes, loses nothing Redis accepted', async () => {
    const durable = await startRedis({ durable: true })
    cleanups.push(() => durable.stop())
    const name = uniqueName()
    const publisher = await instance(durable.url)
    const subscriber = await instance(durable.url)
    const onA = createChannel<number>({ name, backplane: publisher.backplane })
    const reader = connect(createChannel<number>({ name, backplane: subscriber.backplane }))
    await until(
      async () => {
        await onA.publish(0, { event: 'probe' })
        await reader.pump()
        return reader.events.length > 0
      },
      "the subscriber's reader positioned",
      15_000,
    )
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
    while (events().length < accepted.length) await reader.pump()
    const got = events().map((e) => Number(e.data))
    expect(got).toEqual(accepted)
    expect(accepted.length).toBeGreaterThanOrEqual(59)
    // The failure was visible, not silent.
    expect(subscriber.errors.some((e) => (e as { code?: string }).code === 'BACKPLANE')).toBe(true)
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

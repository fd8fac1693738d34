import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type Backplane,
  createChannel,
  createMemoryBackplane,
  createSSEHandler,
  type HistoryResult,
} from '../../src/entries/server'
import { connect } from '../helpers/channel'
import { take } from '../helpers/sse'

afterEach(() => {
  vi.useRealTimers()
})

const dataOf = (events: { data: string }[]) => events.map((e) => JSON.parse(e.data))

describe('createChannel', () => {
  it('delivers every publish to every attached connection, in order, with increasing ids', async () => {
    const channel = createChannel<number>({ backplane: createMemoryBackplane() })
    const a = connect(channel)
    const b = connect(channel)
    const ids: string[] = []
    for (let i = 1; i <= 5; i++) ids.push(await channel.publish(i, { event: 'n' }))
    for (const { reader } of [a, b]) {
      for (let i = 1; i <= 5; i++) {
        const event = await reader.next()
        expect(event).toEqual({ type: 'n', data: String(i), id: ids[i - 1] })
      }
    }
    expect(new Set(ids).size).toBe(5)
    await a.reader.cancel()
    await b.reader.cancel()
  })

  it('hands the same encoded bytes to every connection', async () => {
    const channel = createChannel({ backplane: createMemoryBackplane() })
    const a = connect(channel)
    const b = connect(channel)
    await a.reader.pump() // first flush
    await b.reader.pump()
    await channel.publish({ hello: 'world' })
    await a.reader.pump()
    await b.reader.pump()
    expect(a.reader.chunks[1]).toBe(b.reader.chunks[1])
    await a.reader.cancel()
    await b.reader.cancel()
  })

  it('keeps the order when an event goes straight to a waiting reader and the connection writes next', async () => {
    const channel = createChannel<number>({ backplane: createMemoryBackplane() })
    const { reader, context } = connect(channel)
    await reader.pump() // the first flush: the reader waits again
    const id = await channel.publish(1) // delivered by now, to the waiting reader, as it was encoded
    context.sendEvent({ data: 'own', event: 'own' }) // the reader has not asked again: this one waits
    await channel.publish(3)
    expect([await reader.next(), await reader.next(), await reader.next()]).toEqual([
      { type: 'message', data: '1', id },
      { type: 'own', data: 'own', id: undefined },
      { type: 'message', data: '3', id: expect.any(String) },
    ])
    await reader.cancel()
  })

  it('applies a per-connection filter to the published value', async () => {
    const channel = createChannel<{ to: string }>({ backplane: createMemoryBackplane() })
    const alice = connect(channel, { filter: (m) => m.to === 'alice' })
    const all = connect(channel)
    await channel.publish({ to: 'bob' })
    await channel.publish({ to: 'alice' })
    expect(dataOf([await alice.reader.next()])).toEqual([{ to: 'alice' }])
    expect(dataOf([await all.reader.next(), await all.reader.next()])).toEqual([{ to: 'bob' }, { to: 'alice' }])
    await alice.reader.cancel()
    await all.reader.cancel()
  })

  it('reports a filter that throws and skips the event for that connection only', async () => {
    const channel = createChannel<number>({ backplane: createMemoryBackplane() })
    const bad = connect(channel, {
      filter: (n) => {
        if (n === 1) throw new Error('filter bug')
        return true
      },
    })
    await channel.publish(1)
    await channel.publish(2)
    expect(dataOf([await bad.reader.next()])).toEqual([2])
    expect((bad.errors[0] as Error).message).toBe('filter bug')
    await bad.reader.cancel()
  })

  it('resumes from Last-Event-ID: exactly the events after it, then live ones', async () => {
    const channel = createChannel<number>({ backplane: createMemoryBackplane() })
    const ids: string[] = []
    for (let i = 1; i <= 5; i++) ids.push(await channel.publish(i))
    const resumed = connect(channel, { lastEventId: ids[1] })
    await channel.publish(6)
    expect(dataOf(await take(resumed.reader, 4))).toEqual([3, 4, 5, 6])
    await resumed.reader.cancel()
  })

  it('has no gap and no duplicate when publishes race a slow history read', async () => {
    const memory = createMemoryBackplane()
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    // A backplane whose history answers late, like Redis: publishes land between attach and replay.
    const slow: Backplane = {
      publish: memory.publish,
      subscribe: memory.subscribe,
      compare: memory.compare,
      history: async (name, after, retention): Promise<HistoryResult> => {
        await gate
        return memory.history(name, after, retention)
      },
    }
    const channel = createChannel<number>({ backplane: slow })
    const first = await channel.publish(1)
    await channel.publish(2)
    const resumed = connect(channel, { lastEventId: first })
    await channel.publish(3) // arrives live while the history read is pending...
    release() // ...and is also in the history the read returns
    await channel.publish(4)
    expect(dataOf(await take(resumed.reader, 3))).toEqual([2, 3, 4])
    await channel.publish(5)
    expect(dataOf([await resumed.reader.next()])).toEqual([5])
    await resumed.reader.cancel()
  })

  it('skips live events it already has when the live feed lags behind history (another instance)', async () => {
    const memory = createMemoryBackplane()
    const queued: (() => void)[] = []
    // Live delivery that trails the store, as an instance's reader trails what other instances wrote.
    const lagging: Backplane = {
      ...memory,
      subscribe: (name, listener) => memory.subscribe(name, (e) => queued.push(() => listener(e))),
    }
    const channel = createChannel<number>({ backplane: lagging })
    const warm = connect(channel) // subscribes the channel; its live feed now lags
    const ids: string[] = []
    for (let i = 1; i <= 5; i++) ids.push(await channel.publish(i))
    const resumed = connect(channel, { lastEventId: ids[2] }) // the client saw 3 elsewhere
    await channel.publish(6)
    for (const deliver of queued.splice(0)) deliver() // the lagging feed now brings 1..6
    expect(dataOf(await take(resumed.reader, 3))).toEqual([4, 5, 6])
    await channel.publish(7)
    for (const deliver of queued.splice(0)) deliver()
    expect(dataOf([await resumed.reader.next()])).toEqual([7])
    expect(dataOf(await take(warm.reader, 7))).toEqual([1, 2, 3, 4, 5, 6, 7])
    await resumed.reader.cancel()
    await warm.reader.cancel()
  })

  it('reports an id older than the history with a gap event, then replays what is retained', async () => {
    const channel = createChannel<number>({ backplane: createMemoryBackplane(), maxEvents: 3 })
    const ids: string[] = []
    for (let i = 1; i <= 10; i++) ids.push(await channel.publish(i))
    const late = connect(channel, { lastEventId: ids[1] })
    const gap = await late.reader.next()
    expect(gap.type).toBe('gap')
    expect(JSON.parse(gap.data)).toEqual({ lastEventId: ids[1], oldestId: ids[7] })
    expect(dataOf(await take(late.reader, 3))).toEqual([8, 9, 10])
    await late.reader.cancel()
  })

  it('treats an id from another process (or garbage) as a gap, and lets onGap decide', async () => {
    const onGap = vi.fn()
    const channel = createChannel<number>({ backplane: createMemoryBackplane(), onGap })
    await channel.publish(1)
    const foreign = connect(channel, { lastEventId: 'zzzzzz-1' })
    expect(onGap).toHaveBeenCalledWith({ lastEventId: 'zzzzzz-1', oldestId: expect.any(String) }, expect.any(Function))
    expect(dataOf([await foreign.reader.next()])).toEqual([1])
    await foreign.reader.cancel()
  })

  it('keeps history by age', async () => {
    vi.useFakeTimers()
    const channel = createChannel<number>({ backplane: createMemoryBackplane(), maxAge: 1000 })
    const first = await channel.publish(1)
    const second = await channel.publish(2)
    vi.advanceTimersByTime(2000)
    await channel.publish(3)
    // Event 2 aged out: a client that saw 1 missed it.
    const missed = connect(channel, { lastEventId: first })
    expect((await missed.reader.next()).type).toBe('gap')
    expect(dataOf([await missed.reader.next()])).toEqual([3])
    // A client that saw 2 missed nothing that aged out.
    const current = connect(channel, { lastEventId: second })
    expect(await current.reader.next()).toMatchObject({ type: 'message', data: '3' })
    await missed.reader.cancel()
    await current.reader.cancel()
  })

  it('delivers the events of one turn as one chunk per connection, the same bytes for all', async () => {
    const channel = createChannel<number>({ backplane: createMemoryBackplane() })
    const a = connect(channel)
    const b = connect(channel)
    const odd = connect(channel, { filter: (n) => n % 2 === 1 })
    for (const { reader } of [a, b, odd]) await reader.pump() // the first flush
    for (let i = 1; i <= 100; i++) void channel.publish(i) // one turn
    for (const { reader } of [a, b, odd]) await reader.pump()
    expect(a.reader.chunks).toHaveLength(2)
    expect(a.reader.chunks[1]).toBe(b.reader.chunks[1])
    expect(dataOf(a.reader.events)).toEqual([...Array(100).keys()].map((i) => i + 1))
    expect(odd.reader.chunks).toHaveLength(2)
    expect(dataOf(odd.reader.events)).toEqual([...Array(50).keys()].map((i) => 2 * i + 1))
    for (const { reader } of [a, b, odd]) await reader.cancel()
  })

  it('never lets an onGap that throws escape, on a backplane that answers history late', async () => {
    const memory = createMemoryBackplane()
    const late: Backplane = { ...memory, history: async (...args) => memory.history(...args) }
    const channel = createChannel<number>({
      backplane: late,
      onGap: () => {
        throw new Error('onGap failed')
      },
    })
    await channel.publish(1)
    const foreign = connect(channel, { lastEventId: 'not-an-id' })
    // Still resumed: what is retained, then live events; the failure went to onError, not the process.
    expect(dataOf([await foreign.reader.next()])).toEqual([1])
    await channel.publish(2)
    expect(dataOf([await foreign.reader.next()])).toEqual([2])
    expect(foreign.errors).toEqual([expect.objectContaining({ message: 'onGap failed' })])
    await foreign.reader.cancel()
  })

  it('writes the gap event with the JSON rules of send, and refuses a bad event name there', async () => {
    const channel = createChannel<number>({
      backplane: createMemoryBackplane(),
      onGap: (_info, send) => {
        send('gap', undefined)
        send('bad\nname', 1)
      },
    })
    await channel.publish(1)
    const foreign = connect(channel, { lastEventId: 'elsewhere-1' })
    expect(await foreign.reader.next()).toEqual({ type: 'gap', data: '', id: undefined })
    expect(dataOf([await foreign.reader.next()])).toEqual([1])
    expect(foreign.errors).toEqual([expect.any(TypeError)])
    await foreign.reader.cancel()
  })

  it('never asks the backplane about an id it says is not its own', async () => {
    const memory = createMemoryBackplane()
    const asked: (string | null)[] = []
    const strict: Backplane = {
      ...memory,
      history: (name, afterId, retention) => {
        asked.push(afterId)
        return memory.history(name, afterId, retention)
      },
    }
    const channel = createChannel<number>({ backplane: strict, onGap: () => {} })
    const id = await channel.publish(1)
    const garbage = connect(channel, { lastEventId: 'x'.repeat(8192) })
    const mine = connect(channel, { lastEventId: id })
    await channel.publish(2)
    expect(dataOf(await take(garbage.reader, 2))).toEqual([1, 2])
    expect(dataOf([await mine.reader.next()])).toEqual([2])
    expect(asked).toEqual([null, id])
    await garbage.reader.cancel()
    await mine.reader.cancel()
  })

  it('closes a resuming connection for a retry when the backplane fails to read history (rejects or throws)', async () => {
    const memory = createMemoryBackplane()
    const failure = new Error('connection lost')
    for (const history of [
      () => Promise.reject(failure),
      () => {
        throw failure
      },
    ]) {
      const broken: Backplane = { ...memory, history }
      const channel = createChannel<number>({ backplane: broken })
      const id = await channel.publish(1)
      const resumed = connect(channel, { lastEventId: id })
      // Ended without events: the client reconnects with the same id rather than skip what it missed.
      expect(await resumed.reader.rest()).toEqual([])
      expect(resumed.errors).toEqual([expect.objectContaining({ code: 'BACKPLANE', cause: failure })])
    }
  })

  it('refuses what cannot go on the wire, as a rejected publish', async () => {
    const channel = createChannel({ backplane: createMemoryBackplane() })
    const circular: Record<string, unknown> = {}
    circular.self = circular
    await expect(channel.publish(circular)).rejects.toThrow(TypeError)
    await expect(channel.publish(1n)).rejects.toThrow(/JSON/)
    await expect(channel.publish(1, { event: 'a\nb' })).rejects.toThrow(/"event"/)
    expect(() => createChannel({ maxEvents: 0 })).toThrow(/maxEvents/)
  })

  it('refuses a context that is not a createSSEHandler one', () => {
    const channel = createChannel({ backplane: createMemoryBackplane() })
    expect(() => channel.attach({ lastEventId: null } as never)).toThrow(/createSSEHandler/)
  })

  it('detaches on disconnect, and early through the returned function', async () => {
    const channel = createChannel({ backplane: createMemoryBackplane() })
    const a = connect(channel)
    expect(channel.size).toBe(1)
    await a.reader.cancel()
    expect(channel.size).toBe(0)

    let detach!: () => void
    const handler = createSSEHandler((_s, _c, ctx) => {
      detach = channel.attach(ctx)
    })
    const response = handler(new Request('http://localhost/'))
    expect(channel.size).toBe(1)
    detach()
    expect(channel.size).toBe(0)
    await response.body!.cancel()
  })

  it('holds no reference after 10,000 attach/detach cycles', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const backplane = createMemoryBackplane()
    const channel = createChannel({ backplane })
    const handler = createSSEHandler((_s, _c, ctx) => channel.attach(ctx), { keepAlive: false })
    const refs: WeakRef<object>[] = []
    for (let i = 0; i < 10_000; i++) {
      const response = handler(new Request('http://localhost/'))
      if (i % 1000 === 0) refs.push(new WeakRef(response))
      await response.body!.cancel()
    }
    expect(channel.size).toBe(0)
    // The backplane forgot the topic: no listener left behind.
    let delivered = 0
    const off = backplane.subscribe('default', () => delivered++)
    await channel.publish('x')
    expect(delivered).toBe(1)
    off()
    for (let i = 0; i < 5 && refs.some((r) => r.deref()); i++) {
      await new Promise((r) => setTimeout(r, 10))
      gc()
    }
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0)
  })
})

describe('createMemoryBackplane', () => {
  it('reports complete history only when nothing after the id was dropped', () => {
    const backplane = createMemoryBackplane()
    const retention = { maxEvents: 2 }
    const ids = [1, 2, 3, 4].map((n) => backplane.publish('t', { data: String(n) }, retention) as string)
    const since = (id: string) => backplane.history('t', id, retention) as HistoryResult
    expect(since(ids[2] as string)).toEqual({ events: [expect.objectContaining({ data: '4' })], complete: true })
    expect(since(ids[1] as string).complete).toBe(true)
    expect(since(ids[0] as string).complete).toBe(false)
    expect(since(ids[3] as string)).toEqual({ events: [], complete: true })
    expect(since('nonsense').complete).toBe(false)
  })

  it('gives ids a per-process prefix, so a restarted process does not misread old ids', () => {
    const a = createMemoryBackplane()
    const b = createMemoryBackplane()
    const idA = a.publish('t', { data: '1' }, {}) as string
    b.publish('t', { data: '1' }, {})
    expect((b.history('t', idA, {}) as HistoryResult).complete).toBe(false)
  })

  it('forgets the room idle the longest past maxIdleTopics; a client resuming there gets a gap', () => {
    const backplane = createMemoryBackplane({ maxIdleTopics: 100 })
    const first = new Map<string, string>()
    for (let room = 0; room < 1000; room++) {
      first.set(`room-${room}`, backplane.publish(`room-${room}`, { data: String(room) }, {}) as string)
    }
    const kept = [...first].filter(([name, id]) => (backplane.history(name, id, {}) as HistoryResult).complete)
    // The 100 most recent rooms keep their history; the 900 before them were forgotten.
    expect(kept.map(([name]) => name)).toEqual([...Array(100).keys()].map((i) => `room-${900 + i}`))
    const evicted = backplane.history('room-0', first.get('room-0') as string, {}) as HistoryResult
    expect(evicted).toEqual({ events: [], complete: false })
    // A room made again gets a new incarnation: the old ids are foreign, never misread as positions.
    const again = backplane.publish('room-0', { data: 'new' }, {}) as string
    expect(again).not.toBe(first.get('room-0'))
    expect(backplane.compare(again, first.get('room-0') as string)).toBe(0)
    expect((backplane.history('room-0', first.get('room-0') as string, {}) as HistoryResult).complete).toBe(false)
  })

  it('never evicts a room that has listeners', () => {
    const backplane = createMemoryBackplane({ maxIdleTopics: 1 })
    const seen: string[] = []
    const off = backplane.subscribe('live', (e) => seen.push(e.data))
    const id = backplane.publish('live', { data: 'a' }, {}) as string
    for (let room = 0; room < 10; room++) backplane.publish(`idle-${room}`, { data: 'x' }, {})
    expect((backplane.history('live', id, {}) as HistoryResult).complete).toBe(true)
    backplane.publish('live', { data: 'b' }, {})
    expect(seen).toEqual(['a', 'b'])
    off()
  })

  it('expires history by maxAge without another publish, and forgets the emptied room', () => {
    vi.useFakeTimers()
    const backplane = createMemoryBackplane()
    const id = backplane.publish('room', { data: '1' }, { maxAge: 1000 }) as string
    expect((backplane.history('room', id, {}) as HistoryResult).complete).toBe(true)
    vi.advanceTimersByTime(31_000) // past maxAge and past one sweep
    // The room was forgotten: its next event starts a new incarnation, the old id is foreign.
    const next = backplane.publish('room', { data: '2' }, { maxAge: 1000 }) as string
    expect(next.split('-')[0]).not.toBe(id.split('-')[0])
    expect((backplane.history('room', id, {}) as HistoryResult).complete).toBe(false)
  })

  it('sweeps on the next call where no timer fired (timers that die with a request, as in workerd)', () => {
    vi.useFakeTimers()
    const backplane = createMemoryBackplane()
    const id = backplane.publish('room', { data: '1' }, { maxAge: 1000 }) as string
    vi.clearAllTimers() // the sweep timer died
    vi.setSystemTime(Date.now() + 60_000)
    backplane.publish('other', { data: 'x' }, {})
    const next = backplane.publish('room', { data: '2' }, { maxAge: 1000 }) as string
    expect(next.split('-')[0]).not.toBe(id.split('-')[0])
  })

  it('refuses a bad maxIdleTopics', () => {
    expect(() => createMemoryBackplane({ maxIdleTopics: -1 })).toThrow(/maxIdleTopics/)
  })
})

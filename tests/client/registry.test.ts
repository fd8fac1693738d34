import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSSEStore, type ParsedEvent, type SSEOptions, type SSEStore } from '../../src/client'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from '../../src/client/ready-state'
import { share, sharingKey } from '../../src/client/registry'
import type { SourceConnection, SourceListener } from '../../src/client/source-connection'
import { type Handler, hold, sleep, startServer, status, until } from './helpers'

/*
 * The registry (src/client/registry.ts): connections shared by key, reference-counted, closed a tick
 * after the last member leaves. Directly, with a transport of our own given as `open` (the way another
 * transport plugs in), and through stores against a real server.
 */
type Server = Awaited<ReturnType<typeof startServer>>
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
  // Let deferred closes run, so no connection leaks into the next test.
  await sleep(5)
})

async function serve(...handlers: Handler[]): Promise<Server> {
  const server = await startServer(...handlers)
  cleanup.push(() => server.close())
  return server
}

/** A store with one subscriber (as a mounted component would be), torn down after the test. */
function subscribe<T = any>(options: SSEOptions<T>): SSEStore<T> & { unsubscribe: () => void; renders: number } {
  const store = createSSEStore<T>(options) as SSEStore<T> & { unsubscribe: () => void; renders: number }
  store.renders = 0
  store.unsubscribe = store.subscribe(() => store.renders++)
  cleanup.push(() => store.unsubscribe())
  return store
}

const snapshot = <T>(store: SSEStore<T>) => store.getSnapshot()

/** A transport for `share()`'s `open`: records what it opened, and lets a test drive each connection. */
function transport() {
  const opened: { relay: SourceListener; connection: SourceConnection & { state: ReadyState; closes: number } }[] = []
  const open = (relay: SourceListener) => {
    const connection = {
      state: CONNECTING as ReadyState,
      error: null,
      url: 'test:',
      closes: 0,
      close() {
        connection.state = CLOSED
        connection.closes++
      },
    }
    opened.push({ relay, connection })
    return connection
  }
  return { opened, open }
}

/** A member that records what it is told. */
function member() {
  const seen: string[] = []
  const listener: SourceListener = {
    onEvent: (event: ParsedEvent) => seen.push(`event:${event.data}`),
    onState: (connection) => seen.push(`state:${connection.state}`),
  }
  return { seen, listener }
}

let keys = 0
/** A URL no other test uses, so the module's registry never mixes tests. */
const fresh = () => `test:/${++keys}`

describe('sharingKey', () => {
  it('is the same for equal values, whatever the objects', () => {
    expect(sharingKey('/a', { reconnect: { delay: 1, maxAttempts: 2 } })).toBe(
      sharingKey('/a', { reconnect: { delay: 1, maxAttempts: 2 } }),
    )
    expect(sharingKey('/a', { headers: { x: '1' } })).toBe(sharingKey('/a', { headers: { x: '1' } }))
    // No withCredentials is false.
    expect(sharingKey('/a', {})).toBe(sharingKey('/a', { withCredentials: false }))
  })

  it('tells apart the url, withCredentials, the reconnect policy, a headers object and the idleTimeout', () => {
    const keys = [
      sharingKey('/a', {}),
      sharingKey('/b', {}),
      sharingKey('/a', { withCredentials: true }),
      sharingKey('/a', { reconnect: false }),
      sharingKey('/a', { reconnect: { delay: 1 } }),
      sharingKey('/a', { headers: { x: '1' } }),
      sharingKey('/a', { headers: { x: '2' } }),
      sharingKey('/a', { headers: () => ({}) }),
      sharingKey('/a', { idleTimeout: 1000 }),
      sharingKey('/a', { idleTimeout: false }),
    ]
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('takes every headers function as the same "a function"', () => {
    expect(sharingKey('/a', { headers: () => ({ x: '1' }) })).toBe(sharingKey('/a', { headers: async () => ({}) }))
  })
})

describe('share', () => {
  it('opens once per key with `open`, and relays every event and state to every member', () => {
    const { opened, open } = transport()
    const url = fresh()
    const a = member()
    const b = member()
    const [first, leaveA] = share(url, {}, a.listener, open)
    const [second, leaveB] = share(url, {}, b.listener, open)
    cleanup.push(leaveA, leaveB)
    expect(opened).toHaveLength(1)
    expect(second).toBe(first)
    const { relay, connection } = opened[0]!
    connection.state = OPEN
    relay.onState(connection)
    relay.onEvent({ type: 'message', data: 'x', lastEventId: '' })
    expect(a.seen).toEqual([`state:${OPEN}`, 'event:x'])
    expect(b.seen).toEqual(a.seen)
    // Another key is another connection.
    share(fresh(), {}, member().listener, open)
    expect(opened).toHaveLength(2)
  })

  it('a throwing member costs the others nothing; its error is rethrown from a timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    cleanup.push(() => vi.useRealTimers())
    const { opened, open } = transport()
    const url = fresh()
    const boom = new Error('boom')
    const throwing: SourceListener = {
      onEvent: () => {
        throw boom
      },
      onState: () => {
        throw boom
      },
    }
    const after = member()
    const [, leaveA] = share(url, {}, throwing, open)
    const [, leaveB] = share(url, {}, after.listener, open)
    cleanup.push(leaveA, leaveB)
    const { relay, connection } = opened[0]!
    connection.state = OPEN
    expect(() => relay.onState(connection)).not.toThrow()
    expect(() => relay.onEvent({ type: 'message', data: 'x', lastEventId: '' })).not.toThrow()
    expect(after.seen).toEqual([`state:${OPEN}`, 'event:x'])
    expect(() => vi.advanceTimersByTime(0)).toThrow(boom)
  })

  it('closes a tick after the last member leaves, unless one joins within that tick', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    cleanup.push(() => vi.useRealTimers())
    const { opened, open } = transport()
    const url = fresh()
    const [, leaveA] = share(url, {}, member().listener, open)
    const [, leaveB] = share(url, {}, member().listener, open)
    leaveA()
    vi.advanceTimersByTime(0)
    expect(opened[0]!.connection.closes).toBe(0)
    // The last one leaves, and a new member comes back in the same tick (React StrictMode).
    leaveB()
    const [again, leaveC] = share(url, {}, member().listener, open)
    vi.advanceTimersByTime(0)
    expect(again).toBe(opened[0]!.connection)
    expect(opened[0]!.connection.closes).toBe(0)
    // Leaving twice counts once.
    leaveB()
    leaveC()
    expect(opened[0]!.connection.closes).toBe(0)
    vi.advanceTimersByTime(0)
    expect(opened[0]!.connection.closes).toBe(1)
    // Gone from the registry: the next member opens a new one.
    share(url, {}, member().listener, open)[1]()
    expect(opened).toHaveLength(2)
  })

  it('opens a new connection for a member that comes after the shared one closed for good', () => {
    const { opened, open } = transport()
    const url = fresh()
    const [, leaveA] = share(url, {}, member().listener, open)
    opened[0]!.connection.state = CLOSED
    const [connection, leaveB] = share(url, {}, member().listener, open)
    cleanup.push(leaveA, leaveB)
    expect(opened).toHaveLength(2)
    expect(connection).toBe(opened[1]!.connection)
  })
})

describe('sharing, through stores', () => {
  it('opens one connection for several stores on one URL, each with its own event name', async () => {
    const server = await serve(
      hold(
        'event: temperature\ndata: {"t":21}\n\nevent: humidity\ndata: {"h":40}\n\nevent: pressure\ndata: {"p":1000}\n\n',
      ),
    )
    const stores = ['temperature', 'humidity', 'pressure'].map((eventName) => subscribe({ url: server.url, eventName }))
    await until(() => expect(stores.map((s) => snapshot(s).data)).toEqual([{ t: 21 }, { h: 40 }, { p: 1000 }]))
    expect(server.requests).toHaveLength(1)
    expect(stores.map((s) => snapshot(s).connectionState)).toEqual(['open', 'open', 'open'])
  })

  it('compares options by value: equal objects share, different values do not', async () => {
    const server = await serve(hold())
    subscribe({ url: server.url, reconnect: { interval: 3000 } })
    subscribe({ url: server.url, reconnect: { interval: 3000 } })
    subscribe({ url: server.url, reconnect: true, eventName: 'other' })
    subscribe({ url: server.url, reconnect: { interval: 1000, maxAttempts: 5 } })
    await until(() => expect(server.requests).toHaveLength(2))
    subscribe({ url: server.url, withCredentials: true })
    subscribe({ url: server.url, headers: { authorization: 'a' } })
    await until(() => expect(server.requests).toHaveLength(4))
    await sleep(50)
    expect(server.requests).toHaveLength(4)
  })

  it('closes the connection a tick after the last subscriber leaves', async () => {
    const server = await serve(hold())
    const a = subscribe({ url: server.url })
    const b = subscribe({ url: server.url, eventName: 'x' })
    await until(() => expect(server.open.size).toBe(1))
    a.unsubscribe()
    await sleep(30)
    expect(server.open.size).toBe(1)
    b.unsubscribe()
    await until(() => expect(server.open.size).toBe(0))
    expect(snapshot(b).connectionState).toBe('closed')
  })

  it('keeps the connection when a subscriber leaves and comes back in the same tick (StrictMode)', async () => {
    const server = await serve(hold())
    const store = createSSEStore({ url: server.url })
    const first = store.subscribe(() => {})
    await until(() => expect(snapshot(store).connectionState).toBe('open'))
    first()
    cleanup.push(store.subscribe(() => {}))
    await sleep(50)
    expect(server.requests).toHaveLength(1)
    expect(server.open.size).toBe(1)
    expect(snapshot(store).connectionState).toBe('open')
  })

  it('close() leaves the shared connection to the others', async () => {
    const server = await serve(hold('data: 1\n\n'))
    const a = subscribe({ url: server.url })
    const b = subscribe({ url: server.url })
    await until(() => expect(snapshot(b).data).toBe(1))
    a.close()
    expect(snapshot(a).connectionState).toBe('closed')
    a.unsubscribe()
    await sleep(30)
    server.open.values().next().value?.write('data: 2\n\n')
    await until(() => expect(snapshot(b).data).toBe(2))
    expect(snapshot(a).data).toBe(1)
    expect(snapshot(b).connectionState).toBe('open')
  })

  it('opens a fresh connection for a new subscriber after the shared one failed for good', async () => {
    const server = await serve(status(503), hold('data: "back"\n\n'))
    const a = subscribe({ url: server.url })
    await until(() => expect(snapshot(a).error?.code).toBe('HTTP_STATUS'))
    expect(snapshot(a).connectionState).toBe('closed')
    const b = subscribe({ url: server.url })
    await until(() => expect(snapshot(b).data).toBe('back'))
    // The failed one stays failed until asked.
    expect(snapshot(a).connectionState).toBe('closed')
    a.reconnect()
    await until(() => expect(snapshot(a).connectionState).toBe('open'))
    expect(server.requests).toHaveLength(2)
  })
  it('a throwing onMessage costs no one an event, and is reported rather than swallowed', async () => {
    const server = await serve(hold('data: 1\n\ndata: 2\n\n'))
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const good: number[] = []
    const bad: number[] = []
    subscribe<number>({
      url: server.url,
      onMessage: (data) => {
        bad.push(data)
        if (data === 1) throw new Error('boom')
      },
    })
    subscribe<number>({ url: server.url, onMessage: (data) => good.push(data) })
    cleanup.push(() => vi.useRealTimers())
    vi.advanceTimersByTime(0) // the first request starts a tick after subscribing
    for (let i = 0; i < 200 && good.length < 2; i++) await sleep(10)
    expect(good).toEqual([1, 2])
    expect(bad).toEqual([1, 2])
    expect(server.requests).toHaveLength(1)
    // Rethrown from a timer, as a throwing event listener is reported.
    expect(() => vi.advanceTimersByTime(0)).toThrow('boom')
  })
})

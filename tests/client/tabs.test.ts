/**
 * The cross-tab protocol's logic, with several "tabs" in one Node process: each is a `joinTabs()` with
 * its own facade and relay; Node's BroadcastChannel carries messages between them (as between tabs of
 * one origin), and an in-memory lock manager stands in for `navigator.locks` (Node has none). The real
 * proof, with real tabs, closing and crashing, is tests/client/cross-tab.browser.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { until } from '../../runtimes/harness/poll'
import { EventSource, type ParsedEvent, SSEError } from '../../src/client'
import { acrossTabs } from '../../src/client/cross-tab'
import { CLOSED, CONNECTING, OPEN } from '../../src/client/ready-state'
import { sharingKey } from '../../src/client/registry'
import { connect, type EventSourceInit, type SourceConnection } from '../../src/client/source-connection'
import { joinTabs } from '../../src/client/tabs'

/** Web Locks with exclusive locks only: per name, granted in request order, released when `grant`'s promise settles. */
function fakeLocks() {
  const queues = new Map<string, { grant: () => Promise<void>; done: (value: unknown) => void }[]>()
  const held = new Set<string>()
  const pump = (name: string): void => {
    const next = held.has(name) ? undefined : queues.get(name)?.shift()
    if (!next) return
    held.add(name)
    next
      .grant()
      .then(next.done)
      .finally(() => {
        held.delete(name)
        pump(name)
      })
  }
  return {
    request(name: string, { signal }: { signal: AbortSignal }, grant: () => Promise<void>): Promise<unknown> {
      return new Promise((done, fail) => {
        const entry = { grant, done }
        const queue = queues.get(name) ?? []
        queues.set(name, queue)
        queue.push(entry)
        signal.addEventListener('abort', () => {
          const at = queue.indexOf(entry)
          if (at >= 0) {
            queue.splice(at, 1)
            fail(new DOMException('aborted', 'AbortError'))
          }
        })
        pump(name)
      })
    },
  }
}

/** A server whose streams the test writes to; every request is logged with its `Last-Event-ID`. */
function fakeServer(status = 200) {
  const requests: (string | null)[] = []
  const streams: ReadableStreamDefaultController<Uint8Array>[] = []
  const fetch = async (_url: string, init: RequestInit) => {
    requests.push(new Headers(init.headers).get('last-event-id'))
    const body = new ReadableStream<Uint8Array>({ start: (controller) => void streams.push(controller) })
    init.signal?.addEventListener('abort', () => streams.splice(streams.length - 1, 1))
    return new Response(body, { status, headers: { 'content-type': 'text/event-stream' } })
  }
  const send = (...ids: number[]) => {
    for (const id of ids) streams.at(-1)?.enqueue(new TextEncoder().encode(`id: ${id}\ndata: ${id}\n\n`))
  }
  const raw = (text: string) => streams.at(-1)?.enqueue(new TextEncoder().encode(text))
  return { requests, fetch, send, raw }
}

/** One tab: a facade, what its relay heard, and its leave function. */
function tab(url: string, init: EventSourceInit) {
  const facade = { state: CONNECTING as number, error: null as SSEError | null, url }
  const events: string[] = []
  const states: number[] = []
  const leave = joinTabs({
    url,
    init,
    facade: facade as never,
    relay: {
      onEvent: (event: ParsedEvent) => events.push(event.lastEventId),
      onState: (connection: SourceConnection) => states.push(connection.state),
    },
    connect,
    sharingKey,
    SSEError,
  })
  return { facade, events, states, leave }
}

let url = ''
let count = 0
const tabs: ReturnType<typeof tab>[] = []
const open = (init: EventSourceInit) => {
  const made = tab(url, init)
  tabs.push(made)
  return made
}

afterEach(() => {
  for (const made of tabs.splice(0)) made.leave()
  vi.unstubAllGlobals()
})

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i))

describe('joinTabs', () => {
  beforeEach(() => {
    url = `http://app.test/feed/${++count}`
    vi.stubGlobal('navigator', { locks: fakeLocks() })
  })

  it('two tabs: one request; both see every event and the open state', async () => {
    const server = fakeServer()
    const [a, b] = [open({ fetch: server.fetch }), open({ fetch: server.fetch })]
    await until(() => a.facade.state === OPEN && b.facade.state === OPEN, 'both open')
    server.send(1, 2, 3)
    await until(() => b.events.length === 3 && a.events.length === 3, 'three events in both')
    expect(server.requests).toEqual([null])
    expect(a.events).toEqual(ids(1, 3))
    expect(b.events).toEqual(ids(1, 3))
  })

  /** A leader and a follower that saw events 1-3; the leader leaves and the follower takes over. */
  async function handOver(server: ReturnType<typeof fakeServer>) {
    const a = open({ fetch: server.fetch })
    await until(() => a.facade.state === OPEN, 'the leader open')
    const b = open({ fetch: server.fetch })
    await until(() => b.facade.state === OPEN, 'the follower open')
    server.send(1, 2, 3)
    await until(() => b.events.length === 3, 'the follower to see three')
    a.leave()
    await until(() => server.requests.length === 2, 'the follower to connect')
    await until(() => b.facade.state === OPEN, 'the new leader open')
    return b
  }

  it('the leader leaves: the other resumes with the last id it delivered, and drops what is sent again', async () => {
    const server = fakeServer()
    const b = await handOver(server)
    expect(server.requests[1]).toBe('3')
    // A server (or a history) that resends from before the id given: what this tab delivered is dropped.
    server.send(2, 3, 4, 5)
    await until(() => b.events.includes('5'), 'event 5')
    expect(b.events).toEqual(ids(1, 5))
  })

  it('after a hand-over, events without an id of their own are delivered, not taken for resends', async () => {
    const server = fakeServer()
    const b = await handOver(server)
    // Both inherit the last event id, 3 (as the spec says), which this tab delivered under the old leader.
    server.raw('data: no id\n\ndata: none either\n\n')
    server.send(4)
    await until(() => b.events.includes('4'), 'event 4')
    expect(b.events).toEqual(['1', '2', '3', '3', '3', '4'])
  })

  it("an old leader's event that arrives after the new one sent it is delivered once", async () => {
    const server = fakeServer()
    const b = open({ fetch: server.fetch })
    await until(() => b.facade.state === OPEN, 'b leads')
    // Another tab that led before b (an older epoch), whose posts arrive late.
    const ghost = new BroadcastChannel(`use-next-sse ${sharingKey(url, { fetch: server.fetch })}`)
    server.send(1, 2)
    await until(() => b.events.length === 2, 'two events')
    ghost.postMessage({ t: 'event', epoch: 1, event: { type: 'message', data: '2', lastEventId: '2' } })
    ghost.postMessage({ t: 'event', epoch: 1, event: { type: 'message', data: '3', lastEventId: '3' } })
    await until(() => b.events.length === 3, 'the late event 3')
    server.send(3, 4)
    await until(() => b.events.includes('4'), 'event 4')
    ghost.close()
    expect(b.events).toEqual(ids(1, 4))
  })

  it('a fatal status closes every tab with the SSEError, and frees the lock for a new attempt', async () => {
    const server = fakeServer(500)
    const a = open({ fetch: server.fetch, reconnect: false })
    const b = open({ fetch: server.fetch, reconnect: false })
    await until(() => a.facade.state === CLOSED && b.facade.state === CLOSED, 'both closed')
    for (const { facade } of [a, b]) {
      expect(facade.error).toBeInstanceOf(SSEError)
      expect(facade.error).toMatchObject({ code: 'HTTP_STATUS', status: 500 })
    }
    expect(server.requests).toEqual([null])
    const again = open({ fetch: server.fetch, reconnect: false })
    await until(() => again.facade.state === CLOSED, 'a new attempt')
    expect(server.requests).toEqual([null, null])
  })

  it('without Web Locks each tab connects on its own', async () => {
    vi.stubGlobal('navigator', {})
    const server = fakeServer()
    const [a, b] = [open({ fetch: server.fetch }), open({ fetch: server.fetch })]
    await until(() => a.facade.state === OPEN && b.facade.state === OPEN, 'both open')
    expect(server.requests).toEqual([null, null])
  })

  it('a reconnect function (no JSON) never shares a connection with the default policy', async () => {
    const server = fakeServer()
    const [a, b] = [open({ fetch: server.fetch, reconnect: () => 1000 }), open({ fetch: server.fetch })]
    await until(() => a.facade.state === OPEN && b.facade.state === OPEN, 'both open')
    expect(server.requests).toEqual([null, null])
  })

  it('a body that is not text is never shared across tabs', async () => {
    const server = fakeServer()
    const body = new Uint8Array([1])
    const [a, b] = [
      open({ fetch: server.fetch, body, method: 'POST' }),
      open({ fetch: server.fetch, body, method: 'POST' }),
    ]
    await until(() => a.facade.state === OPEN && b.facade.state === OPEN, 'both open')
    expect(server.requests).toEqual([null, null])
  })
})

describe('EventSource with shareAcrossTabs', () => {
  beforeEach(() => {
    url = `http://app.test/feed/${++count}`
    vi.stubGlobal('navigator', { locks: fakeLocks() })
  })

  /** A source with the option, and the ids of the events it dispatched. */
  const source = (fetch: EventSourceInit['fetch']) => {
    const made = new EventSource(url, { fetch, shareAcrossTabs: true })
    const seen: string[] = []
    made.addEventListener('message', (event) => seen.push(event.lastEventId))
    return { source: made, seen }
  }

  it('two sources: one request, both open and dispatch every event; the leader closes and the other resumes', async () => {
    const server = fakeServer()
    const a = source(server.fetch)
    await until(() => a.source.readyState === OPEN, 'the first source open')
    const b = source(server.fetch)
    try {
      await until(() => b.source.readyState === OPEN, 'the second source open')
      server.send(1, 2, 3)
      await until(() => a.seen.length === 3 && b.seen.length === 3, 'three events in both')
      expect(server.requests).toEqual([null])
      expect(a.seen).toEqual(ids(1, 3))
      a.source.close()
      expect(a.source.readyState).toBe(CLOSED)
      await until(() => server.requests.length === 2, 'the second source to connect')
      expect(server.requests[1]).toBe('3')
      await until(() => b.source.readyState === OPEN, 'the second source open again')
      server.send(3, 4)
      await until(() => b.seen.includes('4'), 'event 4')
      expect(b.seen).toEqual(ids(1, 4))
      expect(a.seen).toEqual(ids(1, 3))
    } finally {
      a.source.close()
      b.source.close()
    }
  })

  it('a fatal status reaches every source as an error event, with its code and status', async () => {
    const server = fakeServer(503)
    const errors: unknown[] = []
    const sources = [0, 1].map(() => {
      const made = new EventSource(url, { fetch: server.fetch, reconnect: false, shareAcrossTabs: true })
      made.onerror = (event) => errors.push(event.error)
      return made
    })
    await until(() => sources.every((made) => made.readyState === CLOSED), 'both closed')
    expect(errors).toHaveLength(2)
    for (const error of errors) expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 503 })
    expect(server.requests).toEqual([null])
  })
})

describe('acrossTabs', () => {
  it('is CONNECTING until the protocol chunk has loaded, then relays it; close() before that connects nothing', async () => {
    vi.stubGlobal('navigator', {})
    const server = fakeServer()
    const states: number[] = []
    const connection = acrossTabs('http://app.test/x', { fetch: server.fetch })({
      onEvent: () => {},
      onState: (c) => states.push(c.state),
    })
    expect(connection.state).toBe(CONNECTING)
    await until(() => connection.state === OPEN, 'open')
    expect(states).toEqual([OPEN])
    connection.close()
    const early = acrossTabs('http://app.test/y', { fetch: server.fetch })({ onEvent: () => {}, onState: () => {} })
    early.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.requests).toEqual([null])
  })
})

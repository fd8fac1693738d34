import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EventSource, type EventSourceInit, type SSEError } from '../../src/client'
import { hold, sleep, testScope, until, utf8 } from './helpers'

/*
 * The connect/reconnect loop (src/client/source-connection.ts), through the public EventSource, against
 * a scripted `fetch` under fake timers (setTimeout and Date): every wait the client schedules is read off
 * the fake clock, exactly, without sleeping. Fake timers reproduce the platform's overflow (a delay over
 * 2^31 - 1 ms fires after 1 ms), so a wait that is not clamped shows.
 */

/** One scripted response: a status, headers and a body that ends, or stays open (`hold`); `hang` never answers. */
type Reply = { status?: number; headers?: Record<string, string>; body?: string; hold?: boolean } | 'hang'

/** A request as the scripted fetch saw it, at the fake clock's time. */
interface Seen {
  at: number
  headers: Headers
}

/** A `fetch` that answers with `replies` in turn (the last one repeats), recording each request. */
function script(...replies: Reply[]) {
  const requests: Seen[] = []
  /** The bodies still open, to write to. */
  const open: ReadableStreamDefaultController<Uint8Array>[] = []
  const fetch = (_url: string, init: RequestInit): Promise<Response> => {
    const reply = replies[Math.min(requests.length, replies.length - 1)]!
    requests.push({ at: Date.now(), headers: new Headers(init.headers) })
    const signal = init.signal!
    if (reply === 'hang') {
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    }
    const { status = 200, headers = {}, body = '' } = reply
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (body) controller.enqueue(utf8(body))
        if (reply.hold) open.push(controller)
        else controller.close()
        // As a real fetch does: aborting errors the body.
        signal.addEventListener('abort', () => {
          try {
            controller.error(signal.reason)
          } catch {}
        })
      },
    })
    return Promise.resolve(
      new Response(status === 204 ? null : stream, {
        status,
        headers: { 'content-type': 'text/event-stream', ...headers },
      }),
    )
  }
  return { fetch, requests, open, gaps: () => requests.slice(1).map((r, i) => r.at - requests[i]!.at) }
}

/** What one `error` event said. */
interface Failure {
  code: string | null
  status?: number
  state: number
}

const { cleanup, serve } = testScope()
const START = Date.parse('2026-01-01T00:00:00Z')

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  vi.setSystemTime(START)
})
afterEach(() => {
  vi.useRealTimers()
})

/** An EventSource on the scripted fetch, recording its error events and data, closed after the test. */
function open(server: ReturnType<typeof script>, init: EventSourceInit = {}) {
  const source = new EventSource('http://test.invalid/feed', { ...init, fetch: server.fetch })
  cleanup.push(() => source.close())
  const failures: Failure[] = []
  const data: string[] = []
  source.addEventListener('error', (event) =>
    failures.push({ code: event.error?.code ?? null, status: event.error?.status, state: source.readyState }),
  )
  source.addEventListener('message', (event) => data.push(event.data))
  return { source, failures, data }
}

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms)
const MAX_DELAY = 2 ** 31 - 1

describe('every wait is clamped to 2^31 - 1 ms, the longest a timer honours', () => {
  it.each<[string, Reply, EventSourceInit]>([
    ['a server retry: of 2^31 ms (spec mode)', { body: 'retry: 2147483648\n\n' }, {}],
    ['a server retry: of 10^12 ms, under a policy', { body: 'retry: 1000000000000\n\n' }, { reconnect: {} }],
    [
      'a policy delay past it',
      { body: 'data: x\n\n' },
      { reconnect: { delay: 2 ** 40, maxDelay: 2 ** 41, jitter: 0 } },
    ],
    ['a reconnect function answering 2^32', { body: 'data: x\n\n' }, { reconnect: () => 2 ** 32 }],
    [
      'a Retry-After of 10^9 seconds',
      { status: 503, headers: { 'retry-after': '1000000000' } },
      { reconnect: { delay: 10, jitter: 0 } },
    ],
  ])('%s waits 2^31 - 1 ms, not ~1 ms', async (_name, reply, init) => {
    const server = script(reply)
    open(server, init)
    await advance(0)
    expect(server.requests).toHaveLength(1)
    await advance(MAX_DELAY - 1)
    expect(server.requests).toHaveLength(1)
    await advance(1)
    expect(server.requests).toHaveLength(2)
  })

  it('clamps the idle timeout too', async () => {
    const server = script({ hold: true })
    const { source } = open(server, { idleTimeout: 2 ** 31 })
    await advance(1000)
    expect(source.readyState).toBe(EventSource.OPEN)
  })
})

describe('backoff against a server that answers 200 and closes at once', () => {
  it('grows: failures are counted until a connection proves healthy', async () => {
    const server = script({ body: ': hello\n\n' })
    open(server, { reconnect: { delay: 100, maxDelay: 5000, jitter: 0 } })
    await advance(30_000)
    // Before, every 200 reset the count: a request every 100 ms, 300 in 30 s.
    expect(server.gaps().slice(0, 9)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000])
  })

  it('gives up after maxAttempts of them', async () => {
    const server = script({})
    const { source, failures } = open(server, { reconnect: { delay: 100, jitter: 0, maxAttempts: 3 } })
    await advance(10_000)
    expect(server.requests).toHaveLength(4)
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(failures.at(-1)?.code).toBe('MAX_ATTEMPTS')
  })

  it('grows as well when each stream brings an event before it closes (a "hello", then a crash)', async () => {
    const server = script({ body: 'id: 1\ndata: hello\n\n' })
    open(server, { reconnect: { delay: 100, maxDelay: 5000, jitter: 0 } })
    await advance(10_000)
    expect(server.gaps().slice(0, 6)).toEqual([100, 200, 400, 800, 1600, 3200])
  })

  it('counts from zero again after a connection stayed open 5 s', async () => {
    const server = script({}, {}, {}, { hold: true }, {})
    const { source } = open(server, { reconnect: { delay: 100, maxDelay: 5000, jitter: 0 } })
    await advance(700)
    // 0, 100, 300, then the fourth, at 700, stays open.
    expect(server.requests).toHaveLength(4)
    await advance(5000)
    server.open[0]!.close()
    await advance(0)
    expect(source.readyState).toBe(EventSource.CONNECTING)
    await advance(100)
    expect(server.requests).toHaveLength(5)
    expect(server.gaps().at(-1)).toBe(5100)
  })
})

describe('idle timeout', () => {
  it('drops a connection that sent no byte for idleTimeout ms and resumes with Last-Event-ID', async () => {
    const server = script({ body: 'retry: 50\nid: 7\ndata: a\n\n', hold: true }, { hold: true })
    const { source, failures, data } = open(server, { idleTimeout: 1000 })
    await advance(0)
    expect(data).toEqual(['a'])
    await advance(999)
    expect(source.readyState).toBe(EventSource.OPEN)
    await advance(1)
    expect(failures).toEqual([{ code: 'NETWORK', status: undefined, state: EventSource.CONNECTING }])
    expect(source.error?.message).toMatch(/idleTimeout/)
    await advance(50)
    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]!.headers.get('last-event-id')).toBe('7')
  })

  it('is reset by every byte: keep-alive comments keep the connection', async () => {
    const server = script({ hold: true })
    const { source, failures } = open(server, { idleTimeout: 1000 })
    for (let i = 0; i < 10; i++) {
      await advance(900)
      server.open[0]!.enqueue(utf8(': keep-alive\n\n'))
    }
    await advance(900)
    expect(source.readyState).toBe(EventSource.OPEN)
    expect(failures).toEqual([])
  })

  it('also bounds the wait for the response headers', async () => {
    const server = script('hang', { hold: true })
    const { source, failures } = open(server, { idleTimeout: 1000, reconnect: { delay: 10, jitter: 0 } })
    await advance(1000)
    expect(failures.map((f) => f.code)).toEqual(['NETWORK'])
    await advance(10)
    expect(source.readyState).toBe(EventSource.OPEN)
  })

  it('defaults to 45 s (three of the server default 15 s keep-alives), and false disables it', async () => {
    const server = script({ hold: true })
    const { source } = open(server, { reconnect: false })
    await advance(44_999)
    expect(source.readyState).toBe(EventSource.OPEN)
    await advance(1)
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.code).toBe('NETWORK')

    const quiet = script({ hold: true })
    const kept = open(quiet, { idleTimeout: false })
    await advance(10 * 60_000)
    expect(kept.source.readyState).toBe(EventSource.OPEN)
  })
})

describe('a 431 (or 414) answering a resumed request (an id too long for that server)', () => {
  it.each([431, 414])(
    '%i: forgets the id and reconnects without it, saying so; the source lives on',
    async (status) => {
      const long = 'x'.repeat(20_000)
      const server = script({ body: `retry: 10\nid: ${long}\ndata: a\n\n` }, { status }, { hold: true })
      const { source, failures } = open(server)
      await advance(100)
      expect(server.requests.map((r) => r.headers.get('last-event-id')?.length ?? null)).toEqual([null, 20_000, null])
      expect(failures).toEqual([
        { code: null, status: undefined, state: EventSource.CONNECTING },
        { code: 'HTTP_STATUS', status, state: EventSource.CONNECTING },
      ])
      expect(source.readyState).toBe(EventSource.OPEN)
    },
  )

  it('fails for good on a 431 to a request without Last-Event-ID (its own headers are too large)', async () => {
    const server = script({ status: 431 })
    const { source } = open(server, { reconnect: { delay: 10 } })
    await advance(100)
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.status).toBe(431)
    expect(server.requests).toHaveLength(1)
  })
})

describe('statuses worth retrying, with reconnection on', () => {
  it('502, 503 with Retry-After: 2, 429 with an HTTP date, 504, then 200: retried, Last-Event-ID every time', async () => {
    const server = script(
      { body: 'id: e1\ndata: 1\n\n' },
      { status: 502 },
      { status: 503, headers: { 'retry-after': '2' } },
      // 10 s after it is sent (the request goes at START + 2300 ms, so the date, to the second, is 12 s on).
      { status: 429, headers: { 'retry-after': new Date(START + 12_000).toUTCString() } },
      { status: 504 },
      { body: 'id: e2\ndata: 2\n\n', hold: true },
    )
    const { source, failures, data } = open(server, { reconnect: { delay: 100, maxDelay: 5000, jitter: 0 } })
    // Half way through each wait: the state is CONNECTING and `error` holds the last status.
    const waiting: string[] = []
    source.addEventListener('error', () => {
      setTimeout(() => waiting.push(`${source.readyState}:${source.error?.status ?? ''}`), 50)
    })
    await advance(20_000)
    expect(data).toEqual(['1', '2'])
    expect(source.readyState).toBe(EventSource.OPEN)
    expect(source.error).toBeNull()
    // The stream's end (attempt 1: 100 ms), 502 (200), 503 (400, but Retry-After 2 s), 429 (800, but
    // the date: 12 s - 2.3 s), 504 (1600).
    expect(server.gaps()).toEqual([100, 200, 2000, 12_000 - 2300, 1600])
    expect(server.requests.slice(1).map((r) => r.headers.get('last-event-id'))).toEqual(['e1', 'e1', 'e1', 'e1', 'e1'])
    expect(failures.slice(1)).toEqual(
      [502, 503, 429, 504].map((status) => ({ code: 'HTTP_STATUS', status, state: EventSource.CONNECTING })),
    )
    expect(waiting).toEqual(['0:', '0:502', '0:503', '0:429', '0:504'])
  })

  it('never waits less than the policy: a short Retry-After is ignored', async () => {
    const server = script({ status: 503, headers: { 'retry-after': '0' } }, { hold: true })
    open(server, { reconnect: { delay: 1000, jitter: 0 } })
    await advance(5000)
    expect(server.gaps()).toEqual([1000])
  })

  it('401 then 200: the next attempt calls headers() again, with the refreshed token', async () => {
    let token = 0
    const server = script({ status: 401 }, { hold: true, body: 'data: ok\n\n' })
    const { source, failures, data } = open(server, {
      reconnect: { delay: 100, jitter: 0 },
      headers: async () => ({ authorization: `Bearer ${++token}` }),
    })
    await advance(1000)
    expect(server.requests.map((r) => r.headers.get('authorization'))).toEqual(['Bearer 1', 'Bearer 2'])
    expect(failures).toEqual([{ code: 'HTTP_STATUS', status: 401, state: EventSource.CONNECTING }])
    expect(data).toEqual(['ok'])
    expect(source.readyState).toBe(EventSource.OPEN)
  })

  it('401 forever: backs off and stops after maxAttempts with the status as cause, no tight loop', async () => {
    const server = script({ status: 401 })
    const { source } = open(server, {
      reconnect: { delay: 100, jitter: 0, maxAttempts: 3 },
      headers: () => ({ authorization: 'Bearer expired' }),
    })
    await advance(60_000)
    expect(server.gaps()).toEqual([100, 200, 400])
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.code).toBe('MAX_ATTEMPTS')
    expect((source.error!.cause as SSEError).status).toBe(401)
  })

  it('401 with fixed headers, and 403, stay fatal by default (a retry would send the same credentials)', async () => {
    for (const [status, headers] of [
      [401, { authorization: 'Bearer x' }],
      [403, () => ({ authorization: 'Bearer x' })],
    ] as const) {
      const server = script({ status })
      const { source } = open(server, { reconnect: { delay: 10 }, headers })
      await advance(1000)
      expect(source.readyState).toBe(EventSource.CLOSED)
      expect([source.error?.code, source.error?.status]).toEqual(['HTTP_STATUS', status])
      expect(server.requests).toHaveLength(1)
    }
  })

  it('retryStatus decides, given the default answer', async () => {
    const asked: [number, boolean][] = []
    const server = script({ status: 403 }, { status: 503 }, { hold: true })
    const { source } = open(server, {
      reconnect: { delay: 10, jitter: 0 },
      retryStatus: (status, byDefault) => {
        asked.push([status, byDefault])
        return byDefault || status === 403
      },
    })
    await advance(1000)
    expect(asked).toEqual([
      [403, false],
      [503, true],
    ])
    expect(source.readyState).toBe(EventSource.OPEN)
  })

  it('a throwing retryStatus closes for good with CALLBACK_FAILED', async () => {
    const thrown = new Error('bug')
    const server = script({ status: 503 })
    const { source } = open(server, {
      reconnect: { delay: 10 },
      retryStatus: () => {
        throw thrown
      },
    })
    await advance(100)
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect([source.error?.code, source.error?.cause]).toEqual(['CALLBACK_FAILED', thrown])
  })

  it.each([500, 404])('%i stays fatal', async (status) => {
    const server = script({ status })
    const { source } = open(server, { reconnect: { delay: 10 } })
    await advance(1000)
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect([source.error?.code, source.error?.status]).toEqual(['HTTP_STATUS', status])
    expect(server.requests).toHaveLength(1)
  })

  it('maxAttempts reached during a long outage: MAX_ATTEMPTS, the last status as its cause', async () => {
    const server = script({ body: 'data: 1\n\n' }, { status: 502 }, { status: 503 })
    const { source, failures } = open(server, { reconnect: { delay: 100, jitter: 0, maxAttempts: 4 } })
    await advance(60_000)
    expect(server.requests).toHaveLength(5)
    expect(failures.map((f) => f.status ?? f.code)).toEqual([null, 502, 503, 503, 'MAX_ATTEMPTS'])
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.cause).toMatchObject({ code: 'HTTP_STATUS', status: 503 })
  })

  it.each<[string, EventSourceInit]>([
    ['the spec mode (no reconnect option)', {}],
    ['reconnect: false', { reconnect: false }],
  ])('changes nothing in %s: 503 fails for good', async (_name, init) => {
    const server = script({ status: 503, headers: { 'retry-after': '1' } })
    const { source } = open(server, init)
    await advance(10_000)
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.status).toBe(503)
    expect(server.requests).toHaveLength(1)
  })
})

describe('over real HTTP', () => {
  it('survives the 431 Node itself answers to a Last-Event-ID over its 16 KiB header limit', async () => {
    vi.useRealTimers()
    const long = 'y'.repeat(20_000)
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.end(`retry: 10\nid: ${long}\ndata: a\n\n`)
    }, hold('data: b\n\n'))
    const source = new EventSource(server.url)
    cleanup.push(() => source.close())
    const seen: string[] = []
    source.addEventListener('message', (event) => seen.push(event.data))
    await until(() => expect(seen).toEqual(['a', 'b']))
    // Node refused the second request itself (431): the handler saw the first and the third.
    expect(server.requests.map((r) => r.lastEventId)).toEqual([null, null])
    await sleep(50)
    expect(source.readyState).toBe(EventSource.OPEN)
  })
})

import { describe, expect, it, vi } from 'vitest'
import {
  EventSource,
  type EventSourceInit,
  isSSEError,
  type SSEError,
  type SSEErrorEvent,
  type SSEMessageEvent,
} from '../../src/client'
import {
  type Handler,
  hold,
  next,
  type SeenRequest,
  type Server,
  sleep,
  sse,
  status,
  testScope,
  until,
} from './helpers'

const { cleanup, serve } = testScope()

function open(url: string | URL, init?: EventSourceInit): EventSource {
  const source = new EventSource(url, init)
  cleanup.push(() => source.close())
  return source
}

/** Records what a source dispatches, as `type:data` or `type(state)` strings. */
function record(source: EventSource, ...types: string[]) {
  const log: string[] = []
  for (const type of ['open', 'error', ...types]) {
    source.addEventListener(type, (event) => {
      if (event instanceof MessageEvent) log.push(`${type}:${event.data}`)
      else log.push(`${type}(${source.readyState})`)
    })
  }
  return log
}

/** Resolves when the server has seen `n` requests. */
async function requests(server: Server, n: number): Promise<SeenRequest[]> {
  await until(() => expect(server.requests.length).toBeGreaterThanOrEqual(n))
  return server.requests
}

/** A handler that drops the connection without answering: a network error for the client. */
const drop: Handler = (_req, res) => {
  res.destroy()
}

describe('construction', () => {
  it('has the spec constants on the class and on instances', async () => {
    const server = await serve(hold())
    const source = open(server.url)
    expect([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED]).toEqual([0, 1, 2])
    expect([source.CONNECTING, source.OPEN, source.CLOSED]).toEqual([0, 1, 2])
    expect(source.readyState).toBe(EventSource.CONNECTING)
    expect(source.withCredentials).toBe(false)
    expect(source.error).toBeNull()
    expect(source).toBeInstanceOf(EventTarget)
  })

  it('keeps the absolute URL, normalised', async () => {
    const server = await serve(hold())
    expect(open(`${server.url}a/../feed?x=1`).url).toBe(`${server.url}feed?x=1`)
    expect(open(new URL('feed', server.url)).url).toBe(`${server.url}feed`)
  })

  it('throws a SyntaxError DOMException for a URL it cannot resolve, as browsers do', () => {
    // Node has no `location`: a relative URL cannot be resolved.
    expect(() => new EventSource('/api/sse')).toThrow(expect.objectContaining({ name: 'SyntaxError' }))
    expect(() => new EventSource('http://[::1')).toThrow(DOMException)
  })

  it('resolves a relative URL against location.href where there is one', async () => {
    const server = await serve(hold())
    vi.stubGlobal('location', { href: `${server.url}app/page` })
    cleanup.push(() => vi.unstubAllGlobals())
    expect(open('../api/sse').url).toBe(`${server.url}api/sse`)
  })
})

describe('the WHATWG behaviour, with no options', () => {
  it('asks for an event stream, without cache and with same-origin credentials', async () => {
    let sent: RequestInit | undefined
    const server = await serve(hold())
    const source = open(server.url, {
      fetch: (url, init) => {
        sent = init
        return fetch(url, init)
      },
    })
    await next(source, 'open')
    expect(sent).toMatchObject({ cache: 'no-store', credentials: 'same-origin' })
    const [request] = server.requests
    expect(request).toMatchObject({ method: 'GET', lastEventId: null })
    expect(request!.headers.accept).toBe('text/event-stream')
  })

  it('sends credentials when withCredentials is set', async () => {
    let sent: RequestInit | undefined
    const server = await serve(hold())
    const source = open(server.url, {
      withCredentials: true,
      fetch: (url, init) => {
        sent = init
        return fetch(url, init)
      },
    })
    expect(source.withCredentials).toBe(true)
    await next(source, 'open')
    expect(sent?.credentials).toBe('include')
  })

  it('opens, then dispatches message events with data, lastEventId and origin', async () => {
    const server = await serve(hold('data: one\n\nid: 7\nevent: custom\ndata: two\n\n'))
    const source = open(server.url)
    const opened = vi.fn()
    source.onopen = opened
    const messages: SSEMessageEvent[] = []
    source.onmessage = (event) => {
      // At run time it is the platform's own MessageEvent.
      expect(event).toBeInstanceOf(MessageEvent)
      messages.push(event)
    }
    const custom = await next<SSEMessageEvent>(source, 'custom')
    expect(opened).toHaveBeenCalledTimes(1)
    expect(source.readyState).toBe(EventSource.OPEN)
    expect(messages.map((e) => [e.data, e.lastEventId, e.origin])).toEqual([['one', '', server.url.slice(0, -1)]])
    expect([custom.data, custom.lastEventId]).toEqual(['two', '7'])
  })

  it('reconnects after the end of the stream, after retry:, with Last-Event-ID', async () => {
    const server = await serve(sse('retry: 20\nid: a\ndata: 1\n\n'), sse('data: 2\n\n'), hold())
    const source = open(server.url)
    const log = record(source, 'message')
    const error = await next<SSEErrorEvent>(source, 'error')
    expect(source.readyState).toBe(EventSource.CONNECTING)
    // The server ended the stream: not a failure.
    expect(error.error).toBeNull()
    expect(source.error).toBeNull()
    await requests(server, 3)
    await until(() =>
      expect(log).toEqual(['open(1)', 'message:1', 'error(0)', 'open(1)', 'message:2', 'error(0)', 'open(1)']),
    )
    expect(server.requests.map((r) => r.lastEventId)).toEqual([null, 'a', 'a'])
  })

  it('reconnects after a network error, reporting NETWORK', async () => {
    const server = await serve(sse('retry: 10\n\n'), drop, hold())
    const source = open(server.url)
    const errors: (string | null)[] = []
    source.addEventListener('error', (event) => errors.push(event.error?.code ?? null))
    await requests(server, 3)
    await until(() => expect(source.readyState).toBe(EventSource.OPEN))
    expect(errors).toEqual([null, 'NETWORK'])
    expect(source.error).toBeNull()
  })

  it('uses 3000 ms when the server set no retry (checked with fake timers)', async () => {
    const server = await serve(sse('data: 1\n\n'), hold())
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    cleanup.push(() => vi.useRealTimers())
    const source = open(server.url)
    // The first request also starts on a timer (a tick after the constructor).
    vi.advanceTimersByTime(0)
    await next(source, 'error')
    vi.advanceTimersByTime(2999)
    await sleep(50)
    expect(server.requests).toHaveLength(1)
    vi.advanceTimersByTime(1)
    await sleep(100)
    expect(server.requests).toHaveLength(2)
  })

  it.each([
    [500, 'HTTP_STATUS'],
    [401, 'HTTP_STATUS'],
    [404, 'HTTP_STATUS'],
    [201, 'HTTP_STATUS'],
    [204, 'NO_CONTENT'],
  ])('fails for good on HTTP %i (%s), without reconnecting', async (code, kind) => {
    const server = await serve(status(code, 'text/event-stream'))
    const source = open(server.url)
    const log = record(source)
    const event = await next<SSEErrorEvent>(source, 'error')
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(event.error).toBe(source.error)
    expect(isSSEError(source.error, kind as 'HTTP_STATUS')).toBe(true)
    expect(source.error?.status).toBe(code)
    await sleep(100)
    expect(log).toEqual(['error(2)'])
    expect(server.requests).toHaveLength(1)
  })

  it('fails for good on a content type other than text/event-stream', async () => {
    const server = await serve(status(200, 'application/json', '{}'))
    const source = open(server.url)
    await next(source, 'error')
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.code).toBe('CONTENT_TYPE')
  })

  it('accepts the content type with parameters and in any case (its essence is what counts)', async () => {
    const server = await serve(sse('data: x\n\n', 'Text/Event-Stream; charset=utf-8'))
    const source = open(server.url)
    expect((await next<MessageEvent>(source, 'message')).data).toBe('x')
  })

  it('close() aborts the request: the server sees the connection go, and nothing fires after', async () => {
    const server = await serve(hold('data: 1\n\n'))
    const source = open(server.url)
    const log = record(source, 'message')
    await next(source, 'message')
    const [response] = server.open
    source.close()
    expect(source.readyState).toBe(EventSource.CLOSED)
    await until(() => expect(server.open.size).toBe(0))
    response?.end('data: 2\n\n')
    await sleep(50)
    expect(log).toEqual(['open(1)', 'message:1'])
  })

  it('close() cancels a pending reconnection', async () => {
    const server = await serve(sse('retry: 50\ndata: 1\n\n'), hold())
    const source = open(server.url)
    await next(source, 'error')
    source.close()
    await sleep(150)
    expect(server.requests).toHaveLength(1)
  })

  it('dispatches nothing more from a chunk once a listener closed the source', async () => {
    const server = await serve(hold('data: 1\n\ndata: 2\n\ndata: 3\n\n'))
    const source = open(server.url)
    const seen: string[] = []
    source.onmessage = (event) => {
      seen.push(event.data)
      if (event.data === '1') source.close()
    }
    await until(() => expect(seen).toEqual(['1']))
    await sleep(50)
    expect(seen).toEqual(['1'])
  })

  it('stays closed when an error listener closes it during a reconnection', async () => {
    const server = await serve(sse('retry: 10\n\n'), hold())
    const source = open(server.url)
    source.onerror = () => source.close()
    await next(source, 'error')
    await sleep(80)
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(server.requests).toHaveLength(1)
  })

  it('follows a redirect and reports the final origin', async () => {
    const target = await serve(hold('data: moved\n\n'))
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: target.url.replace('127.0.0.1', 'localhost') })
      res.end()
    })
    const source = open(server.url)
    const message = await next<MessageEvent>(source, 'message')
    expect(message.origin).toBe(new URL(target.url.replace('127.0.0.1', 'localhost')).origin)
  })

  it('keeps a listener for an event named "error" apart from connection errors', async () => {
    const server = await serve(hold('event: error\ndata: from server\n\n'))
    const source = open(server.url)
    const event = await next(source, 'error')
    expect(event).toBeInstanceOf(MessageEvent)
    expect((event as MessageEvent).data).toBe('from server')
    expect(source.readyState).toBe(EventSource.OPEN)
  })
})

describe('what native EventSource cannot do', () => {
  it('sends headers from an object', async () => {
    const server = await serve(hold())
    const source = open(server.url, { headers: { authorization: 'Bearer t' } })
    await next(source, 'open')
    expect(server.requests[0]?.headers.authorization).toBe('Bearer t')
  })

  it('calls a headers function before every (re)connection, so a token can refresh', async () => {
    const server = await serve(sse('retry: 10\n\n'), sse('retry: 10\n\n'), hold())
    let token = 0
    const source = open(server.url, {
      headers: async () => ({ authorization: `Bearer ${++token}`, accept: 'overridden?' }),
    })
    await requests(server, 3)
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer 1', 'Bearer 2', 'Bearer 3'])
    // The client's own headers win.
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream')
    expect(source.readyState).not.toBe(EventSource.CLOSED)
  })

  it('reports a throwing headers function as HEADERS_FAILED, sends nothing, and tries again', async () => {
    const server = await serve(hold())
    let calls = 0
    const thrown = new Error('no token yet')
    const source = open(server.url, {
      reconnect: { delay: 10, jitter: 0 },
      headers: () => {
        if (++calls === 1) throw thrown
        return {}
      },
    })
    const error = await next<SSEErrorEvent>(source, 'error')
    expect(error.error?.code).toBe('HEADERS_FAILED')
    expect(error.error?.cause).toBe(thrown)
    expect(source.readyState).toBe(EventSource.CONNECTING)
    expect(server.requests).toHaveLength(0)
    await next(source, 'open')
    expect(server.requests).toHaveLength(1)
    expect(source.error).toBeNull()
  })

  it('reports a rejecting headers function as HEADERS_FAILED, under the policy: it gives up with MAX_ATTEMPTS', async () => {
    const server = await serve(hold())
    const rejected = new Error('token endpoint down')
    const source = open(server.url, {
      reconnect: { delay: 5, jitter: 0, maxAttempts: 2 },
      headers: async () => Promise.reject(rejected),
    })
    const codes: (string | undefined)[] = []
    source.addEventListener('error', (event) => codes.push(event.error?.code))
    await next(source, 'error', () => source.readyState === EventSource.CLOSED)
    expect(codes).toEqual(['HEADERS_FAILED', 'HEADERS_FAILED', 'MAX_ATTEMPTS'])
    const last = source.error?.cause as SSEError | undefined
    expect(last?.code).toBe('HEADERS_FAILED')
    expect(last?.cause).toBe(rejected)
    expect(server.requests).toHaveLength(0)
  })

  it('closes at once on HEADERS_FAILED with reconnect: false', async () => {
    const server = await serve(hold())
    const source = open(server.url, {
      reconnect: false,
      headers: () => {
        throw new TypeError('no session')
      },
    })
    await next(source, 'error')
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.code).toBe('HEADERS_FAILED')
    await sleep(50)
    expect(server.requests).toHaveLength(0)
  })

  it('sends method and body, again on every reconnection', async () => {
    const server = await serve(sse('retry: 10\n\n'), hold())
    open(server.url, { method: 'POST', body: '{"topic":"a"}', headers: { 'content-type': 'application/json' } })
    await requests(server, 2)
    expect(server.requests.map((r) => [r.method, r.body])).toEqual([
      ['POST', '{"topic":"a"}'],
      ['POST', '{"topic":"a"}'],
    ])
  })

  it('uses a custom fetch, called unbound (a browser fetch throws "Illegal invocation" otherwise)', async () => {
    const server = await serve(hold())
    const receivers: unknown[] = []
    const source = open(server.url, {
      fetch(this: unknown, url, init) {
        receivers.push(this)
        return fetch(url, init)
      },
    })
    await next(source, 'open')
    expect(receivers).toEqual([undefined])
  })

  it('never reconnects with reconnect: false; a normal end closes it without an error', async () => {
    const server = await serve(sse('retry: 10\ndata: 1\n\n'), hold())
    const source = open(server.url, { reconnect: false })
    const log = record(source, 'message')
    await next(source, 'error')
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error).toBeNull()
    await sleep(80)
    expect(log).toEqual(['open(1)', 'message:1', 'error(2)'])
    expect(server.requests).toHaveLength(1)
  })

  it('reports NETWORK and closes on a network error with reconnect: false', async () => {
    const server = await serve(drop)
    const source = open(server.url, { reconnect: false })
    await next(source, 'error')
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(source.error?.code).toBe('NETWORK')
  })

  it('gives up after maxAttempts failed reconnections in a row, with MAX_ATTEMPTS', async () => {
    const server = await serve(drop)
    const source = open(server.url, { reconnect: { delay: 5, jitter: 0, maxAttempts: 2 } })
    await next(source, 'error', () => source.readyState === EventSource.CLOSED)
    expect(server.requests).toHaveLength(3)
    expect(source.error?.code).toBe('MAX_ATTEMPTS')
    expect(source.error?.cause).toMatchObject({ code: 'NETWORK' })
  })

  it('counts a stream that closes at once as a failure too, even after an event', async () => {
    const body = sse('data: ok\n\n')
    const server = await serve(drop, body, drop, drop, drop)
    const source = open(server.url, { reconnect: { delay: 5, jitter: 0, maxAttempts: 2 } })
    await next(source, 'error', () => source.readyState === EventSource.CLOSED)
    // A failure, an open that ends at once (failure 2; it did not stay open 5 s), then failure 3: give up.
    // (source-connection.test.ts shows the count starting again after 5 s open.)
    expect(server.requests).toHaveLength(3)
    expect(source.error?.code).toBe('MAX_ATTEMPTS')
  })

  it('never waits less than the server retry: under a backoff policy', async () => {
    const server = await serve(sse('retry: 300\n\n'), hold())
    const source = open(server.url, { reconnect: { delay: 1, jitter: 0 } })
    await next(source, 'error')
    await sleep(150)
    expect(server.requests).toHaveLength(1)
    await requests(server, 2)
    expect(source.readyState).not.toBe(EventSource.CLOSED)
  })

  it('asks a reconnect function, with the attempt and the server retry; false gives up', async () => {
    const server = await serve(sse('retry: 15\n\n'), drop)
    const calls: [number, number | undefined][] = []
    const source = open(server.url, {
      reconnect: (attempt, serverRetry) => {
        calls.push([attempt, serverRetry])
        return attempt < 3 ? 5 : false
      },
    })
    await next(source, 'error', () => source.readyState === EventSource.CLOSED)
    expect(calls).toEqual([
      [1, 15],
      [2, 15],
      [3, 15],
    ])
    expect(source.error?.code).toBe('MAX_ATTEMPTS')
  })

  it('closes for good with CALLBACK_FAILED when the reconnect function throws, the thrown value as cause', async () => {
    const server = await serve(sse(''))
    const thrown = new Error('bad policy')
    const source = open(server.url, {
      reconnect: () => {
        throw thrown
      },
    })
    const log = record(source)
    await next(source, 'error')
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(isSSEError(source.error, 'CALLBACK_FAILED')).toBe(true)
    expect(source.error?.cause).toBe(thrown)
    await sleep(50)
    expect(log).toEqual(['open(1)', 'error(2)'])
    expect(server.requests).toHaveLength(1)
  })

  it('reports a thrown non-Error as it is, in cause', async () => {
    const server = await serve(sse(''))
    const source = open(server.url, {
      reconnect: () => {
        throw 'not an Error'
      },
    })
    await next(source, 'error')
    expect(source.error).toBeInstanceOf(Error)
    expect(source.error?.code).toBe('CALLBACK_FAILED')
    expect(source.error?.cause).toBe('not an Error')
  })

  it('drops the connection when an event passes maxBufferSize, and reconnects to get it again', async () => {
    const big = `id: 1\ndata: ok\n\ndata: ${'x'.repeat(200)}\n\n`
    const server = await serve(hold(`retry: 10\n${big}`), hold('data: after\n\n'))
    const source = open(server.url, { maxBufferSize: 100 })
    const error = await next<SSEErrorEvent>(source, 'error')
    expect(error.error?.code).toBe('MAX_BUFFER_SIZE')
    expect(source.readyState).toBe(EventSource.CONNECTING)
    expect((await next<MessageEvent>(source, 'message')).data).toBe('after')
    expect(server.requests.map((r) => r.lastEventId)).toEqual([null, '1'])
    await until(() => expect(server.open.size).toBe(1))
  })
})

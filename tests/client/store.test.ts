import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSSEStore, type SSEOptions, type SSEStore } from '../../src/client'
import { type Handler, hold, sleep, sse, startServer, status, until } from './helpers'

/*
 * createSSEStore (src/client/store.ts): one event name's view of a shared connection, against a real
 * server. Sharing itself is the registry's (registry.test.ts).
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

describe('one store', () => {
  it('connects only on the first subscribe, and renders connecting/null before (and on the server)', async () => {
    const server = await serve(hold())
    const store = createSSEStore({ url: server.url })
    const before = store.getSnapshot()
    expect(before).toEqual({ data: null, error: null, lastEventId: null, connectionState: 'connecting' })
    await sleep(30)
    // Stable while nothing happens (useSyncExternalStore requires it).
    expect(store.getSnapshot()).toBe(before)
    expect(server.requests).toHaveLength(0)
  })

  it('calls onMessage once per event, even for a burst, and keeps the latest data', async () => {
    const burst = Array.from({ length: 100 }, (_, i) => `id: ${i}\ndata: ${i}\n\n`).join('')
    const server = await serve(hold(burst))
    const seen: number[] = []
    const store = subscribe<number>({ url: server.url, onMessage: (data) => seen.push(data) })
    await until(() => expect(seen).toHaveLength(100))
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(snapshot(store)).toMatchObject({ data: 99, lastEventId: '99' })
  })

  it('joins once however many listeners subscribe, and leaves with the last', async () => {
    const server = await serve(hold('data: 1\n\n'))
    const onMessage = vi.fn()
    const store = createSSEStore({ url: server.url, onMessage })
    const first = store.subscribe(() => {})
    const second = store.subscribe(() => {})
    await until(() => expect(onMessage).toHaveBeenCalledTimes(1))
    first()
    server.open.values().next().value?.write('data: 2\n\n')
    await until(() => expect(store.getSnapshot().data).toBe(2))
    expect(onMessage).toHaveBeenCalledTimes(2)
    second()
    await until(() => expect(server.open.size).toBe(0))
    expect(server.requests).toHaveLength(1)
  })

  it('uses the latest callbacks assigned to options', async () => {
    const server = await serve(hold())
    const first = vi.fn()
    const second = vi.fn()
    const store = subscribe({ url: server.url, onMessage: first })
    store.options = { ...store.options, onMessage: second }
    await until(() => expect(server.open.size).toBe(1))
    server.open.values().next().value?.write('data: 1\n\n')
    await until(() => expect(second).toHaveBeenCalledWith(1, { type: 'message', data: '1', lastEventId: '' }))
    expect(first).not.toHaveBeenCalled()
  })

  it('reports non-JSON data as a PARSE error without throwing; the next good event clears it', async () => {
    const server = await serve(hold('data: {"ok":1}\n\ndata: not json\n\n'))
    const onError = vi.fn()
    const store = subscribe({ url: server.url, onError })
    await until(() => expect(snapshot(store).error?.code).toBe('PARSE'))
    expect(snapshot(store).data).toEqual({ ok: 1 })
    expect(onError).toHaveBeenCalledWith(snapshot(store).error)
    server.open.values().next().value?.write('data: 2\n\n')
    await until(() => expect(snapshot(store)).toMatchObject({ data: 2, error: null }))
  })

  it("parses with 'text', a function, and gives null for empty data under 'json'", async () => {
    const server = await serve(hold('data: 12\n\ndata\n\n'))
    const text = subscribe({ url: server.url, parse: 'text', onMessage: vi.fn() })
    const fn = subscribe({ url: server.url, parse: (data, event) => `${event.type}:${data}` })
    const json = subscribe({ url: server.url, onMessage: vi.fn() })
    await until(() => expect(json.options.onMessage).toHaveBeenCalledTimes(2))
    expect(text.options.onMessage).toHaveBeenNthCalledWith(1, '12', expect.anything())
    expect(snapshot(text).data).toBe('')
    expect(snapshot(fn).data).toBe('message:')
    expect(json.options.onMessage).toHaveBeenNthCalledWith(1, 12, expect.anything())
    expect(snapshot(json).data).toBeNull()
  })

  it('a graceful end with reconnect off is closed with no error', async () => {
    const server = await serve(sse('data: "bye"\n\n'))
    const store = subscribe({ url: server.url })
    await until(() => expect(snapshot(store)).toMatchObject({ data: 'bye', connectionState: 'closed', error: null }))
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })

  it('reconnect: resumes with Last-Event-ID, at the interval', async () => {
    const server = await serve(sse('id: 1\ndata: 1\n\n'), sse('id: 2\ndata: 2\n\n'), hold('data: 3\n\n'))
    const store = subscribe({ url: server.url, reconnect: { interval: 10 } })
    await until(() => expect(snapshot(store)).toMatchObject({ data: 3, connectionState: 'open' }))
    expect(server.requests.map((r) => r.lastEventId)).toEqual([null, '1', '2'])
    expect(snapshot(store).lastEventId).toBe('2')
  })

  it('gives up after maxAttempts with MAX_ATTEMPTS, and calls onError', async () => {
    const server = await serve((_req, res) => {
      res.destroy()
    })
    const onError = vi.fn()
    const store = subscribe({ url: server.url, reconnect: { interval: 5, maxAttempts: 2 }, onError })
    await until(() => expect(snapshot(store).error?.code).toBe('MAX_ATTEMPTS'))
    expect(snapshot(store).connectionState).toBe('closed')
    expect(server.requests).toHaveLength(3)
    expect(onError.mock.calls.map(([e]) => e.code)).toEqual(['NETWORK', 'NETWORK', 'MAX_ATTEMPTS'])
  })

  it.each([
    [204, 'NO_CONTENT'],
    [401, 'HTTP_STATUS'],
    [403, 'HTTP_STATUS'],
    [404, 'HTTP_STATUS'],
  ])('stops for good on HTTP %i, even with reconnect on', async (code, kind) => {
    const server = await serve(status(code, 'text/event-stream'))
    const store = subscribe({ url: server.url, reconnect: { interval: 5 } })
    await until(() => expect(snapshot(store).error?.code).toBe(kind))
    expect(snapshot(store).error?.status).toBe(code)
    expect(snapshot(store).connectionState).toBe('closed')
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })

  it('calls onOpen on every open, with backoff when asked', async () => {
    const server = await serve(sse(''), hold())
    const onOpen = vi.fn()
    subscribe({ url: server.url, reconnect: { interval: 5, backoff: { factor: 2, jitter: 0 } }, onOpen })
    await until(() => expect(onOpen).toHaveBeenCalledTimes(2))
  })

  it('does not connect while enabled is false', async () => {
    const server = await serve(hold())
    expect(createSSEStore({ url: server.url, enabled: false }).getSnapshot().connectionState).toBe('closed')
    const store = subscribe({ url: server.url, enabled: false })
    expect(snapshot(store).connectionState).toBe('closed')
    await sleep(30)
    expect(server.requests).toHaveLength(0)
  })

  it('sends headers; a headers function is read from the latest options on each connection', async () => {
    const server = await serve(sse(''), hold())
    const store = subscribe({ url: server.url, reconnect: { interval: 5 }, headers: () => ({ 'x-token': 'one' }) })
    store.options = { ...store.options, headers: () => ({ 'x-token': 'two' }) }
    await until(() => expect(server.requests).toHaveLength(2))
    expect(server.requests.map((r) => r.headers['x-token'])).toEqual(['two', 'two'])
  })

  it('reports a throwing headers function as HEADERS_FAILED in error and onError, and tries again', async () => {
    const server = await serve(hold('data: 1\n\n'))
    const thrown = new Error('no token yet')
    let calls = 0
    const onError = vi.fn()
    const store = subscribe({
      url: server.url,
      reconnect: { interval: 5 },
      headers: () => {
        if (++calls === 1) throw thrown
        return { 'x-token': 'ok' }
      },
      onError,
    })
    await until(() => expect(snapshot(store)).toMatchObject({ data: 1, connectionState: 'open', error: null }))
    expect(onError).toHaveBeenCalledTimes(1)
    const [error] = onError.mock.calls[0]!
    expect([error.code, error.cause]).toEqual(['HEADERS_FAILED', thrown])
    expect(error.cause).toBe(thrown)
    expect(server.requests.map((r) => r.headers['x-token'])).toEqual(['ok'])
  })

  it('takes an event named "error" from the server as a message, not as a failure', async () => {
    const server = await serve(hold('event: error\ndata: "boom"\n\n'))
    const store = subscribe({ url: server.url, eventName: 'error' })
    await until(() => expect(snapshot(store).data).toBe('boom'))
    expect(snapshot(store)).toMatchObject({ error: null, connectionState: 'open' })
  })
})

describe('method and body', () => {
  it('POSTs a plain object as JSON, with its content type', async () => {
    const server = await serve(hold('data: 1\n\n'))
    const store = subscribe({ url: server.url, method: 'POST', body: { prompt: 'hi', n: 2 } })
    await until(() => expect(snapshot(store).data).toBe(1))
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: '{"prompt":"hi","n":2}' })
    expect(server.requests[0]?.headers['content-type']).toBe('application/json')
  })

  it('sends a string body as it is, and keeps a content type the headers set (object or function)', async () => {
    const server = await serve(hold('data: 1\n\n'))
    subscribe({ url: server.url, method: 'POST', body: 'q=1', headers: { 'Content-Type': 'text/plain' } })
    subscribe({ url: `${server.url}?f`, method: 'POST', body: { a: 1 }, headers: () => ({ 'X-Token': 't' }) })
    await until(() => expect(server.requests).toHaveLength(2))
    const [text, json] = [...server.requests].sort((a, b) => a.url.length - b.url.length)
    expect(text).toMatchObject({ body: 'q=1' })
    expect(text?.headers['content-type']).toBe('text/plain')
    expect(json?.headers).toMatchObject({ 'content-type': 'application/json', 'x-token': 't' })
  })

  it('shares a connection only when method and body are equal too', async () => {
    const server = await serve(hold('data: 1\n\n'))
    const a = subscribe({ url: server.url, method: 'POST', body: { prompt: 'a' } })
    const same = subscribe({ url: server.url, method: 'post', body: { prompt: 'a' } })
    const other = subscribe({ url: server.url, method: 'POST', body: { prompt: 'b' } })
    const get = subscribe({ url: server.url })
    await until(() => expect([a, same, other, get].map((s) => snapshot(s).data)).toEqual([1, 1, 1, 1]))
    expect(server.requests.map((r) => `${r.method} ${r.body}`).sort()).toEqual([
      'GET ',
      'POST {"prompt":"a"}',
      'POST {"prompt":"b"}',
    ])
  })

  it('does not send a POST again when the stream ends, unless reconnect asks', async () => {
    const server = await serve(sse('data: 1\n\n'))
    const store = subscribe({ url: server.url, method: 'POST', body: { prompt: 'once' } })
    await until(() => expect(snapshot(store).connectionState).toBe('closed'))
    expect(snapshot(store)).toMatchObject({ data: 1, error: null })
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })
})

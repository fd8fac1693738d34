import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { events, isSSEError, type ParsedEvent } from '../../src/client'
import { hold, type SeenRequest, sse, status, testScope, until } from './helpers'

/*
 * events() (src/client/events.ts): the stream as an async iterable, against a real node:http server.
 */
const { serve } = testScope()

/** A handler that keeps its response for the test to write to and watches it close. */
function live() {
  const state: { res?: ServerResponse; closed: boolean; req?: SeenRequest } = { closed: false }
  const handler = (req: SeenRequest, res: ServerResponse) => {
    state.req = req
    state.res = res
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(':\n\n')
    res.on('close', () => (state.closed = true))
  }
  return { state, handler }
}

describe('events()', () => {
  it('yields each event as it arrives, in order, and ends when the stream ends', async () => {
    const { state, handler } = live()
    const server = await serve(handler)
    const iterator = events(server.url)
    const first = iterator.next()
    await until(() => expect(state.res).toBeDefined())
    state.res!.write('event: token\ndata: {"text":"Hel"}\n\n')
    // The first event arrives before the stream ends: nothing is buffered whole.
    expect((await first).value).toEqual({ type: 'token', data: '{"text":"Hel"}', lastEventId: '' })
    state.res!.write('event: token\nid: 2\ndata: {"text":"lo"}\n\n')
    expect((await iterator.next()).value).toMatchObject({ type: 'token', lastEventId: '2' })
    state.res!.end()
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    // Not reconnected: a stream that ends is a complete answer.
    expect(server.requests).toHaveLength(1)
  })

  it('POSTs a body, and leaving the loop early aborts the request', async () => {
    const { state, handler } = live()
    const server = await serve(handler)
    const seen: ParsedEvent[] = []
    const writer = setInterval(() => state.res?.write('data: tick\n\n'), 5)
    try {
      for await (const event of events(server.url, {
        method: 'POST',
        body: JSON.stringify({ prompt: 'hi' }),
        headers: { 'content-type': 'application/json' },
      })) {
        seen.push(event)
        if (seen.length === 3) break
      }
    } finally {
      clearInterval(writer)
    }
    expect(seen.map((e) => e.data)).toEqual(['tick', 'tick', 'tick'])
    expect(state.req).toMatchObject({ method: 'POST', body: '{"prompt":"hi"}' })
    await until(() => expect(state.closed).toBe(true))
  })

  it('aborting its signal ends the loop quietly and the request with it', async () => {
    const { state, handler } = live()
    const server = await serve(handler)
    const aborter = new AbortController()
    const seen: string[] = []
    const loop = (async () => {
      for await (const event of events(server.url, { signal: aborter.signal })) seen.push(event.data)
    })()
    await until(() => expect(state.res).toBeDefined())
    state.res!.write('data: one\n\n')
    await until(() => expect(seen).toEqual(['one']))
    aborter.abort()
    await loop
    await until(() => expect(state.closed).toBe(true))
    // An already aborted signal never sends a request.
    for await (const _ of events(server.url, { signal: aborter.signal })) expect.unreachable()
    expect(server.requests).toHaveLength(1)
  })

  it('throws the same SSEError the EventSource reports', async () => {
    const server = await serve(status(503), sse('data: x\n\n', 'text/plain'))
    await expect(events(server.url).next()).rejects.toSatisfy((e) => isSSEError(e, 'HTTP_STATUS') && e.status === 503)
    await expect(events(server.url).next()).rejects.toSatisfy((e) => isSSEError(e, 'CONTENT_TYPE'))
  })

  it('with a reconnect policy, resumes with Last-Event-ID and yields what follows', async () => {
    const server = await serve(sse('id: 1\ndata: a\n\n'), sse('id: 2\ndata: b\n\n'), status(204))
    const seen: string[] = []
    for await (const event of events(server.url, { reconnect: { delay: 1, maxAttempts: 3 } })) seen.push(event.data)
    expect(seen).toEqual(['a', 'b'])
    expect(server.requests.map((r) => r.lastEventId)).toEqual([null, '1', '2'])
  })

  it('holds nothing back when the consumer is slow: events wait in order, none is lost', async () => {
    const body = Array.from({ length: 200 }, (_, i) => `data: ${i}\n\n`).join('')
    const server = await serve(hold(body))
    const seen: number[] = []
    for await (const event of events(server.url)) {
      seen.push(Number(event.data))
      if (seen.length === 200) break
      if (seen.length % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i))
  })
})

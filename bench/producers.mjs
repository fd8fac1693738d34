/*
 * One SSE response producing `n` events `send({ count: i }, 'counter')`, per candidate, driven the same
 * way: `batch` sends in one synchronous turn, then a macrotask boundary (setImmediate), until `n`. Each
 * candidate is called as a Web handler, `Request -> Response`, in process; the caller reads the body.
 *
 * For the libraries whose write returns a promise (hono, h3), the sends of a batch are not awaited one
 * by one; the batch's last promise is awaited before the next batch, so their queues stay bounded the
 * way an `await` per event would keep them, without paying a macrotask per event.
 */
import { createResponse } from 'better-sse'
import { EventStream, H3 } from 'h3'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { createSSEHandler } from 'use-next-sse/server'
import { loadOriginal, tick } from './lib.mjs'

const encoder = new TextEncoder()
const original = loadOriginal()
const request = () => new Request('http://localhost/events')

/** Sends `n` events through `send(i)` in batches; awaits what the last send of a batch returned. */
export async function produce(send, n, batch) {
  await tick()
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + batch)
    let last
    for (; i < end; i++) last = send(i)
    await last
    await tick()
  }
}

/** Each returns a Promise<Response> whose body carries the `n` events and then ends. */
export const producers = {
  /** Hand-written baseline: encode and enqueue one chunk per event. */
  'per-event enqueue': (n, batch) => {
    let controller
    const body = new ReadableStream({
      start(c) {
        controller = c
      },
    })
    produce(
      (i) => controller.enqueue(encoder.encode(`event: counter\ndata: ${JSON.stringify({ count: i })}\n\n`)),
      n,
      batch,
    ).then(() => controller.close())
    return Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }))
  },

  /**
   * Reference, not a peer: the same stream coalesced by hand, the least work a library can do here
   * (JSON, string concatenation, one encode and enqueue per synchronous turn, flushed by a microtask).
   */
  'coalesced by hand': (n, batch) => {
    let controller
    let buf = ''
    const flush = () => {
      controller.enqueue(encoder.encode(buf))
      buf = ''
    }
    const body = new ReadableStream({
      start(c) {
        controller = c
      },
    })
    const send = (i) => {
      if (buf === '') queueMicrotask(flush)
      buf += `event: counter\ndata: ${JSON.stringify({ count: i })}\n\n`
    }
    produce(send, n, batch).then(() => controller.close())
    return Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }))
  },

  'use-next-sse': (n, batch) => {
    const handler = createSSEHandler((send, close) => {
      produce((i) => send({ count: i }, 'counter'), n, batch).then(close)
    })
    return Promise.resolve(handler(request()))
  },

  /** 0.2.3 from npm: one enqueue per event, plus an `id:` line. */
  'use-next-sse 0.2.3': (n, batch) => {
    const handler = original.createSSEHandler((send, close) => {
      produce((i) => send({ count: i }, 'counter'), n, batch).then(close)
    })
    return handler(request())
  },

  /** `createResponse(request, session => session.push(data, event))`; push adds a random UUID `id:` per event. */
  'better-sse': (n, batch) => {
    // A session ends when its request's signal aborts (it has no close()): that closes its writer.
    const aborter = new AbortController()
    const response = createResponse(new Request('http://localhost/events', { signal: aborter.signal }), (session) => {
      produce((i) => session.push({ count: i }, 'counter'), n, batch).then(() => aborter.abort())
    })
    return Promise.resolve(response)
  },

  /** `app.get(path, c => streamSSE(c, async stream => stream.writeSSE(...)))`, called through `app.fetch`. */
  'hono streamSSE': (n, batch) => {
    const app = new Hono()
    app.get('/events', (c) =>
      streamSSE(c, (stream) =>
        produce((i) => stream.writeSSE({ event: 'counter', data: JSON.stringify({ count: i }) }), n, batch),
      ),
    )
    return Promise.resolve(app.fetch(request()))
  },

  /** `new EventStream(event)` + `push({ event, data })`, returned from an H3 route, called through `app.fetch`. */
  'h3 EventStream': (n, batch) => {
    const app = new H3()
    app.get('/events', (event) => {
      const stream = new EventStream(event)
      produce((i) => stream.push({ event: 'counter', data: JSON.stringify({ count: i }) }), n, batch).then(() =>
        stream.close(),
      )
      return stream
    })
    return Promise.resolve(app.fetch(request()))
  },
}

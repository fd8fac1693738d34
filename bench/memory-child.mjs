/*
 * One fresh process per measurement: `node --expose-gc bench/memory-child.mjs <candidate> <connections>`.
 * Opens that many idle connections (each with a pending read, the way a server waits on the body), then
 * prints the heap after gc, before and after, as JSON.
 *
 * Every candidate gets the same `new Request(url)` per connection, and the harness holds each request
 * and its reader (as a server does), so the baseline carries the same Request as the libraries. Only the
 * candidate's own library is loaded, so the absolute heap is that of a process serving it.
 */
import { gc, loadOriginal, tick } from './lib.mjs'

const [name, count] = [process.argv[2], Number(process.argv[3])]
const idle = () => new Promise(() => {})

/** Each returns `open(request)`, which resolves with the Response of one idle SSE connection. */
const candidates = {
  'bare Response(ReadableStream)': async () => {
    return () => {
      let controller
      const body = new ReadableStream({
        start(c) {
          controller = c
        },
        // Holds the controller, as a real producer would to write later.
        pull: () => controller,
      })
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    }
  },
  /** The leanest stream response there is: no source, no headers (an independent harness's baseline). */
  'Response(new ReadableStream()) alone': async () => {
    return () => new Response(new ReadableStream())
  },
  'use-next-sse': async () => {
    const { createSSEHandler } = await import('use-next-sse/server')
    const handler = createSSEHandler(() => {}) // keep-alive on (15 s, the default)
    return (request) => handler(request)
  },
  'use-next-sse 0.2.3': async () => {
    const handler = loadOriginal().createSSEHandler(() => {})
    return (request) => handler(request)
  },
  'better-sse': async () => {
    const { createResponse } = await import('better-sse')
    return (request) => createResponse(request, () => {}) // keep-alive on (10 s, its default)
  },
  'hono streamSSE': async () => {
    const { Hono } = await import('hono')
    const { streamSSE } = await import('hono/streaming')
    const app = new Hono()
    app.get('/events', (c) => streamSSE(c, idle))
    return (request) => app.fetch(request)
  },
  'h3 EventStream': async () => {
    const { EventStream, H3 } = await import('h3')
    const app = new H3()
    app.get('/events', (event) => new EventStream(event))
    return (request) => app.fetch(request)
  },
}

const open = await candidates[name]()
const held = []
async function connect() {
  const request = new Request('http://localhost/events')
  const reader = (await open(request)).body.getReader()
  reader.read()
  held.push(request, reader)
}

// One connection first, so code compiled lazily on first use is in the heap before the baseline is taken.
await connect()
held.length = 0
for (let i = 0; i < 5; i++) await tick()
gc()
const before = process.memoryUsage()
for (let i = 0; i < count; i++) await connect()
for (let i = 0; i < 5; i++) await tick()
gc()
const after = process.memoryUsage()
if (held.length !== 2 * count) throw new Error('connections were lost')
process.stdout.write(
  `${JSON.stringify({
    name,
    count,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    externalBefore: before.external,
    externalAfter: after.external,
    rss: after.rss,
  })}\n`,
)
process.exit(0)

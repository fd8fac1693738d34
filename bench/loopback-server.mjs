/*
 * The server side of (6), in its own process so that client and server do not share an event loop:
 * one node:http server, one path per candidate. `GET /<candidate>?n=N&batch=B` streams N events,
 * `send({ count: i }, 'counter')`, B per synchronous turn with a setImmediate between turns, then ends.
 * `GET /gc` runs a full gc. Prints `{ port }` once listening.
 */
import { createServer } from 'node:http'
import { createSession } from 'better-sse'
import { toNodeHandler } from 'use-next-sse/node'
import { createSSEHandler } from 'use-next-sse/server'
import { gc, tick } from './lib.mjs'

async function produce(send, n, batch) {
  await tick()
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + batch)
    for (; i < end; i++) send(i)
    await tick()
  }
}

const params = (req) => {
  const url = new URL(req.url, 'http://localhost')
  return [Number(url.searchParams.get('n')), Number(url.searchParams.get('batch'))]
}

const ours = toNodeHandler(
  createSSEHandler((send, close, { request }) => {
    const url = new URL(request.url)
    const [n, batch] = [Number(url.searchParams.get('n')), Number(url.searchParams.get('batch'))]
    produce((i) => send({ count: i }, 'counter'), n, batch).then(close)
  }),
)

const routes = {
  '/use-next-sse': ours,

  /** Baseline: `res.write` per event, encoding left to node:http. */
  '/res.write per event': (req, res) => {
    const [n, batch] = params(req)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    produce((i) => res.write(`event: counter\ndata: ${JSON.stringify({ count: i })}\n\n`), n, batch).then(() =>
      res.end(),
    )
  },

  /** Reference: coalesced by hand, one `res.write` per synchronous turn (the least work possible here). */
  '/coalesced by hand': (req, res) => {
    const [n, batch] = params(req)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    let buf = ''
    const flush = () => {
      res.write(buf)
      buf = ''
    }
    const send = (i) => {
      if (buf === '') queueMicrotask(flush)
      buf += `event: counter\ndata: ${JSON.stringify({ count: i })}\n\n`
    }
    produce(send, n, batch).then(() => res.end())
  },

  /** better-sse on node:http: `createSession(req, res)`, `session.push(data, 'counter')`. */
  '/better-sse': async (req, res) => {
    const [n, batch] = params(req)
    const session = await createSession(req, res)
    produce((i) => session.push({ count: i }, 'counter'), n, batch).then(() => res.end())
  },

  '/gc': (_req, res) => {
    gc()
    res.writeHead(204).end()
  },
}

const server = createServer((req, res) => routes[decodeURIComponent(new URL(req.url, 'http://x').pathname)](req, res))
// A normal exit on SIGINT, so that `node --cpu-prof bench/loopback-server.mjs` writes its profile.
process.on('SIGINT', () => process.exit(0))
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
})

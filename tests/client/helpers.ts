import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, vi } from 'vitest'
import { loadVectors } from '../../runtimes/contract/vector-file'

// The conformance vectors and the way they are chunked live with the runtimes (runtimes/contract/), which
// run the same ones inside Bun and Deno; the runtime matrix never imports tests/, so tests/ imports them.
export {
  chunkings,
  hex,
  prng,
  type ReconnectVector,
  randomSplit,
  type Vector,
  vectorCases,
} from '../../runtimes/contract/vectors'
export const { vectors, reconnectVectors } = loadVectors()

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** A request as the test server saw it. */
export interface SeenRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  /** `Last-Event-ID` decoded as UTF-8 (Node hands header bytes over as latin1), or null. */
  lastEventId: string | null
  body: string
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>

/**
 * A local node:http server for client tests. Each request goes to the next queued handler (the last
 * one repeats) and is recorded in `requests`. `sse(body)` replays a body as `text/event-stream`.
 */
export async function startServer(...handlers: Handler[]) {
  const requests: SeenRequest[] = []
  const open = new Set<ServerResponse>()
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = req.headers['last-event-id']
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      lastEventId: typeof raw === 'string' ? Buffer.from(raw, 'latin1').toString('utf8') : null,
      body: Buffer.concat(chunks).toString('utf8'),
    }
    const handler = handlers[Math.min(requests.length, handlers.length - 1)]!
    requests.push(seen)
    open.add(res)
    res.on('close', () => open.delete(res))
    await handler(seen, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    /** Responses still open: a test can end them or write more. */
    open,
    async close() {
      for (const res of open) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A handler that answers with `body` as an event stream and ends the response. */
export function sse(body: string | Uint8Array, contentType = 'text/event-stream'): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
    res.end(typeof body === 'string' ? body : Buffer.from(body))
  }
}

/** A handler that opens an event stream, writes `body` and keeps the response open. */
export function hold(body = ''): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(body)
  }
}

/** A handler that answers `status` with `body` (a non-SSE response). */
export function status(code: number, contentType = 'text/plain', body = ''): Handler {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': contentType })
    res.end(body)
  }
}

/** Resolves when `source` dispatches `type` (checked with `when`), rejects after `ms`. */
export function next<E extends Event = Event>(
  source: EventTarget,
  type: string,
  when: (event: E) => boolean = () => true,
  ms = 5000,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = realSetTimeout(() => {
      source.removeEventListener(type, listener)
      reject(new Error(`no "${type}" event within ${ms} ms`))
    }, ms)
    function listener(event: Event) {
      if (!when(event as E)) return
      clearTimeout(timer)
      source.removeEventListener(type, listener)
      resolve(event as E)
    }
    source.addEventListener(type, listener)
  })
}

/**
 * Polls `check`, an assertion (it throws until what it checks holds), until it passes; after `timeout` ms
 * it fails with the assertion's last error. The bound is generous, for a loaded machine: a test never
 * asserts how long something took. The one polling helper of the client tests.
 */
export function until<T>(check: () => T | Promise<T>, timeout = 5000): Promise<T> {
  return vi.waitFor(check, { timeout })
}

// Captured at load: tests that fake setTimeout still sleep for real.
const realSetTimeout = setTimeout
export const sleep = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms))

/** A server started by {@link startServer}. */
export type Server = Awaited<ReturnType<typeof startServer>>

/**
 * Per-test cleanup for a test file: `cleanup` runs (last in, first out) after each test, and `serve`
 * starts a server like {@link startServer} that is closed then.
 */
export function testScope() {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })
  const serve = async (...handlers: Handler[]) => {
    const server = await startServer(...handlers)
    cleanup.push(() => server.close())
    return server
  }
  return { cleanup, serve }
}

import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, vi } from 'vitest'
import type { ParsedEvent } from '../../src/client'

/** One parsing vector of tests/fixtures/sse-vectors.json (see sse-vectors.README.md beside it). */
export interface Vector {
  name: string
  inputHex: string
  chunksHex?: string[]
  contentType?: string
  expected: ParsedEvent[]
  expectedRetry: number | null
}

/** One reconnect vector: successive responses of one EventSource. */
export interface ReconnectVector {
  name: string
  connections: { requestLastEventId: string | null; body: string; expected: ParsedEvent[] }[]
}

// A copy of the project's shared conformance vectors (web-platform-tests and the WHATWG spec, as data),
// kept in the repository so CI needs nothing outside it. SSE_VECTORS points at another copy.
const VECTORS = process.env.SSE_VECTORS ?? fileURLToPath(new URL('../fixtures/sse-vectors.json', import.meta.url))
const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as { vectors: Vector[]; reconnectVectors: ReconnectVector[] }
export const vectors = file.vectors
export const reconnectVectors = file.reconnectVectors

export const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16))
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** A small deterministic PRNG (mulberry32), so "random" splits are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** `bytes` cut at `cuts` random places. */
export function randomSplit(bytes: Uint8Array, random: () => number, cuts: number): Uint8Array[] {
  const points = [...new Set(Array.from({ length: cuts }, () => Math.floor(random() * (bytes.length + 1))))].sort(
    (a, b) => a - b,
  )
  const out: Uint8Array[] = []
  let from = 0
  for (const to of [...points, bytes.length]) {
    out.push(bytes.subarray(from, to))
    from = to
  }
  return out
}

/** Every chunking that matters for one body: whole, one byte at a time, and a few random splits. */
export function chunkings(bytes: Uint8Array, seed = 1): [string, Uint8Array[]][] {
  const random = prng(seed)
  return [
    ['whole', [bytes]],
    ['byte by byte', Array.from(bytes, (b) => Uint8Array.of(b))],
    ...[1, 2, 3, 4, 5].map((n): [string, Uint8Array[]] => [`random split ${n}`, randomSplit(bytes, random, n * 3)]),
  ]
}

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

/**
 * The contract app behind `node:http2` through the package's Node adapter, shared by the h2c suite, the
 * TLS suite and the Chromium suite: a server (h2c, or TLS with a self-signed certificate made for the
 * run and HTTP/1.1 allowed on the same port), and a {@link Target} that sends every request as a stream
 * of ONE client session, as a browser does, so a disconnect is a stream reset (RST_STREAM), not a
 * closed socket.
 */
import { once } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  createSecureServer,
  createServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type IncomingHttpHeaders,
} from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import { generate } from 'selfsigned'
import { toNodeHandler } from 'use-next-sse/node'
import { expect } from 'vitest'
import { handle } from '../contract/app'
import type { Opened, Target } from '../contract/client'
import { runContract } from '../contract/scenarios'

/** A request as the server saw it: enough to tell the protocol and the connection it came on. */
export interface Seen {
  path: string
  /** `'2.0'` over HTTP/2, `'1.1'` over the HTTP/1.1 that `allowHTTP1` lets in. */
  httpVersion: string
  /** The HTTP/2 session (connection) the stream belongs to; undefined over HTTP/1.1. */
  session: Http2Session | undefined
}

export interface Listening {
  url: string
  /** How many connections (HTTP/2 sessions) the server accepted so far. */
  sessions(): number
  /** Every request so far, in arrival order. */
  seen: Seen[]
  close(): Promise<void>
}

/** A certificate and key for 127.0.0.1 and localhost, made for one run (valid for a day). */
export interface Certificate {
  cert: string
  key: string
}

/**
 * Makes a self-signed certificate whose subjectAltName covers 127.0.0.1 and localhost, so that a client
 * given it as its only CA (`ca: cert`) verifies the server fully; Chromium is told to ignore the error
 * instead, as it cannot be given a CA per page.
 *
 * @example
 * ```ts
 * const { cert, key } = await makeCertificate()
 * http2.createSecureServer({ cert, key, allowHTTP1: true }, toNodeHandler(handler))
 * ```
 */
export async function makeCertificate(): Promise<Certificate> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}

type Listener = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void | Promise<void>

/**
 * Serves the contract app with `toNodeHandler` on a loopback port: h2c, or over TLS when given a
 * certificate (then with `allowHTTP1`, so HTTP/1.1 clients share the port). `pages` answers a few paths
 * with HTML of its own (for the browser suite); everything else goes to the adapter.
 *
 * @example
 * ```ts
 * const server = await listen(await makeCertificate())
 * const session = connect(server.url, { ca: certificate.cert })
 * ```
 */
export async function listen(tls?: Certificate, pages: Record<string, string> = {}): Promise<Listening> {
  const adapter = toNodeHandler(handle) as unknown as Listener
  const seen: Seen[] = []
  const listener: Listener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    seen.push({ path, httpVersion: req.httpVersion, session: 'stream' in req ? req.stream.session : undefined })
    const page = pages[path]
    if (page === undefined) return adapter(req, res)
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(page)
  }
  const server = tls
    ? createSecureServer({ ...tls, allowHTTP1: true }, listener as never)
    : createServer(listener as never)
  let sessions = 0
  const open = new Set<Http2Session>()
  server.on('session', (session: Http2Session) => {
    sessions++
    open.add(session)
    session.on('close', () => open.delete(session))
  })
  // Every TCP connection, HTTP/1.1 ones included (allowHTTP1), so that close() can end what a client keeps open.
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessions: () => sessions,
    seen,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve))
      // close() waits for every connection to end: a browser keeps its own open, so end them here.
      for (const session of open) session.destroy()
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}

/** Sends one request on `session`; resolves with the stream once the response head arrived. */
async function request(
  session: ClientHttp2Session,
  route: string,
  query: Record<string, string>,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ stream: ClientHttp2Stream; head: IncomingHttpHeaders }> {
  const stream = session.request(
    { ':method': method, ':path': `/${route}?${new URLSearchParams(query)}`, ...headers },
    { endStream: true },
  )
  const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders]
  return { stream, head }
}

/**
 * A {@link Target} over one HTTP/2 session: each request is a stream of it.
 *
 * @example
 * ```ts
 * runContract({ name: 'node-http2', start: async () => ({ target: http2Target(connect(url)), stop }), ... })
 * ```
 */
export function http2Target(session: ClientHttp2Session): Target {
  return {
    async open(route, query, headers, method): Promise<Opened> {
      const { stream, head } = await request(session, route, query, headers, method)
      const chunks = stream[Symbol.asyncIterator]()
      // Resetting the stream with CANCEL is what a browser does when an EventSource closes on HTTP/2.
      const reset = () => {
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL)
      }
      return {
        status: Number(head[':status']),
        header: (name) => {
          const value = head[name.toLowerCase()]
          return value === undefined ? null : String(value)
        },
        read: async () => {
          const { done, value } = await chunks.next()
          return done ? { done: true } : { done: false, value: new Uint8Array(value as Buffer) }
        },
        abort: reset,
        cancel: async () => reset(),
      }
    },
    async json(route, query) {
      const { stream, head } = await request(session, route, query)
      let body = ''
      for await (const chunk of stream) body += chunk
      if (Number(head[':status']) !== 200) throw new Error(`${route} answered ${head[':status']}: ${body}`)
      return JSON.parse(body)
    },
  }
}

/** Opens one client session to `url` (trusting `ca`, over TLS) and waits until it is connected. */
export async function session(url: string, ca?: string): Promise<ClientHttp2Session> {
  const client = connect(url, ca === undefined ? {} : { ca })
  await once(client, 'connect')
  return client
}

/**
 * The contract scenarios over one HTTP/2 session to {@link listen}'s server: h2c, or TLS when given a
 * certificate (which the client then trusts). Connection-specific headers are forbidden on HTTP/2
 * (RFC 9113 §8.2.2): the adapter leaves them out.
 */
export function runH2Contract(name: string, certificate?: () => Promise<Certificate>): void {
  runContract({
    name,
    connectionHeader: false,
    async start() {
      const tls = await certificate?.()
      const server = await listen(tls)
      const client = await session(server.url, tls?.cert)
      return {
        target: http2Target(client),
        async stop() {
          client.destroy()
          await server.close()
        },
      }
    },
    args: (seen) => expect(seen).toEqual([]),
  })
}

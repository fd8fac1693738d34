/*
 * Node's (req, res) pair, spoken to by duck typing: this file imports nothing from `node:*`.
 *
 * Why `createSSEHandler` loads this adapter lazily (a dynamic `import()` of `use-next-sse/node`) rather
 * than importing it: only Node ever needs it, and only in two cases. A Next Pages Router API route on
 * the Node runtime calls `export default` with Node's `(req, res)` instead of a `Request`, so the
 * handler must turn them into a `Request` and write its `Response` back to `res`. And there is the
 * zero-copy socket path: when the response is `createSSEHandler`'s own, the connection skips the Web
 * stream and writes its strings straight to `res` (Node encodes them natively), with 'drain' as the
 * demand signal. Edge, Workers and browser bundles never reach that branch, so a static import would
 * make every one of them carry code that cannot run there; behind `import()` a bundler splits it off.
 */
import { type Body, type DirectServe, HANDLE, type Pipeable, type RequestSource, SERVE, type Sink } from '../core'

/** The parts of Node's `IncomingMessage` this adapter reads. */
export interface NodeRequestLike {
  method?: string
  url?: string
  /** 2 under `node:http2`'s compatibility API, where connection-specific headers are not allowed. */
  httpVersionMajor?: number
  headers: Record<string, string | string[] | undefined>
  rawHeaders?: string[]
  /** Node's socket; `encrypted` is set on TLS sockets. Typed loosely so Node's `Socket` fits. */
  socket?: object | null
  /** Set by frameworks that already read the body (Next's Pages Router body parser). */
  body?: unknown
  on(event: string, listener: (...args: any[]) => void): unknown
  [Symbol.asyncIterator]?(): AsyncIterator<unknown>
}

/** The parts of Node's `ServerResponse` this adapter writes. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string | string[]>): unknown
  write(chunk: string | Uint8Array): boolean
  end(): unknown
  on(event: string, listener: (...args: any[]) => void): unknown
  off?(event: string, listener: (...args: any[]) => void): unknown
  flushHeaders?(): void
  /** Present when a compression middleware wraps the response. */
  flush?(): void
  destroy?(error?: Error): unknown
  readonly destroyed?: boolean
  readonly headersSent?: boolean
  /**
   * Node's socket, or `null` while the response waits its turn behind an earlier one on the same
   * keep-alive socket (HTTP/1.1 pipelining); Node then emits `'socket'` when the turn comes.
   */
  readonly socket?: object | null
  /** The bytes written but not yet handed to the kernel (Node's `ServerResponse#writableLength`). */
  readonly writableLength?: number
  cork?(): void
  uncork?(): void
}

/** A socket as far as this adapter listens to it. */
interface SocketLike {
  once(event: 'close', listener: () => void): unknown
  off?(event: 'close', listener: () => void): unknown
  readonly destroyed?: boolean
}

/** Any Web handler: `createSSEHandler`'s, or your own. */
export type WebHandler = (request: Request, ...args: any[]) => Response | Promise<Response>

/** The request's URL, from its path, Host header and socket. */
function urlOf(req: NodeRequestLike): URL {
  try {
    return new URL(
      req.url ?? '/',
      `${(req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`,
    )
  } catch {
    // A malformed Host header must not turn into a 500: the path is all the handler needs.
    return new URL(req.url ?? '/', 'http://localhost')
  }
}

function toRequest(req: NodeRequestLike, signal: AbortSignal): Request {
  const url = urlOf(req)
  const headers = new Headers()
  const raw = req.rawHeaders ?? Object.entries(req.headers).flatMap(([k, v]) => [v ?? ''].flat().flatMap((x) => [k, x]))
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] as string, raw[i + 1] as string)
    } catch {
      // Node accepts header values a Web Headers refuses (e.g. obsolete line folding); drop those only.
    }
  }
  const method = req.method ?? 'GET'
  let body: Body | undefined
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = req.body
    if (parsed !== undefined) {
      body = typeof parsed === 'string' || parsed instanceof Uint8Array ? (parsed as Body) : JSON.stringify(parsed)
    } else if (req[Symbol.asyncIterator]) {
      const iterator = req[Symbol.asyncIterator]!()
      body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await iterator.next()
          if (done) controller.close()
          else controller.enqueue(value as Uint8Array)
        },
        cancel: () => void iterator.return?.(),
      })
    }
  }
  return new Request(url, { method, headers, body, signal, duplex: 'half' } as RequestInit)
}

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2): Node drops each with a warning, on every request. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

/**
 * Response headers as `res.writeHead` takes them: every `Set-Cookie` kept apart, as an array; over
 * HTTP/2, without the connection-specific ones (`Connection: keep-alive` is an HTTP/1.1 matter).
 */
function nodeHeaders(pairs: Iterable<readonly [string, string]>, http2: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const cookies: string[] = []
  for (const [name, value] of pairs) {
    const key = name.toLowerCase()
    if (key === 'set-cookie') cookies.push(value)
    else if (!(http2 && CONNECTION_SPECIFIC.has(key))) out[key] = value
  }
  if (cookies.length) out['set-cookie'] = cookies
  return out
}

const noop = () => {}

/**
 * Tears down the socket of a client cut for reading too slowly. A plain `destroy()` closes the file
 * descriptor, but the kernel keeps sending what it holds (megabytes, to a client that reads nothing)
 * until its retries give up; a reset (RST) frees it at once. TLS and HTTP/2 sockets cannot reset: those
 * are destroyed.
 */
function cut(res: NodeResponseLike) {
  const socket = res.socket as { resetAndDestroy?(): unknown } | null | undefined
  try {
    if (typeof socket?.resetAndDestroy === 'function') return void socket.resetAndDestroy()
  } catch {
    // Not a TCP handle (TLS): fall through to destroy.
  }
  res.destroy?.()
}

/**
 * `res` as a connection's {@link Sink}: strings go straight to the socket (Node encodes them natively),
 * and 'drain' is the demand signal. One object per connection, its methods on the prototype.
 */
class NodeSink implements Sink {
  readonly #res: NodeResponseLike
  constructor(res: NodeResponseLike) {
    this.#res = res
  }
  write(chunk: string | Uint8Array): boolean {
    const more = this.#res.write(chunk)
    this.#res.flush?.()
    return more
  }
  end(): void {
    this.#res.end()
  }
  destroy(): void {
    cut(this.#res)
  }
  /** What Node holds for the socket counts against maxBufferSize: the cap bounds all the client has not taken. */
  pending(): number {
    return this.#res.writableLength ?? 0
  }
  cork(): void {
    this.#res.cork?.()
  }
  uncork(): void {
    this.#res.uncork?.()
  }
}

/**
 * A Node request as `createSSEHandler`'s connection reads it (method, a header, the URL), made into a Web
 * `Request` only if the callback asks for `context.request`: an idle connection is spared the Request,
 * its Headers and its AbortController (about 3 kB). Its signal, once made, aborts when the client goes.
 */
class NodeSource implements RequestSource {
  readonly #req: NodeRequestLike
  #aborter: AbortController | undefined
  #request: Request | undefined
  #gone = false
  constructor(req: NodeRequestLike) {
    this.#req = req
  }
  get method(): string {
    return this.#req.method ?? 'GET'
  }
  get url(): string {
    return urlOf(this.#req).href
  }
  header(name: string): string | null {
    const value = this.#req.headers[name]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  }
  toRequest(): Request {
    if (this.#request === undefined) {
      this.#aborter = new AbortController()
      if (this.#gone) this.#aborter.abort()
      this.#request = toRequest(this.#req, this.#aborter.signal)
    }
    return this.#request
  }
  /** The client is gone: the request's signal (if one was made) aborts. */
  abort(): void {
    this.#gone = true
    this.#aborter?.abort()
  }
}

/**
 * Serves a Web handler on Node's `(req, res)`. `createSSEHandler`'s handler is served directly: its
 * connection writes to `res` from the start, and ends when the client goes. Any other handler gets a
 * `Request` whose signal aborts when the client goes, and its `Response` is written back: status and
 * headers, then the body, honouring `drain`; the body is cancelled when the socket closes, so the
 * handler's cleanup runs. `rest` are the arguments after `res` (Express's `next`). Never rejects.
 */
async function serveNode(
  handler: WebHandler,
  req: NodeRequestLike,
  res: NodeResponseLike,
  rest: unknown[],
): Promise<void> {
  let closed = false
  /** What the client leaving stops: the connection, or the Web path's request and body. */
  let stop = noop
  let wake = noop
  let piped = false
  /*
   * The socket's 'close' as well as the response's: with HTTP/1.1 pipelining, Node runs this for every
   * request on the socket, but only the response that owns the socket emits 'close' when it goes. The
   * others would never learn it, and their connections would stay subscribed forever.
   */
  const socket = (req.socket ?? null) as SocketLike | null
  const onClose = () => {
    socket?.off?.('close', onClose)
    if (closed) return
    closed = true
    stop()
    wake()
  }
  res.on('close', onClose)
  socket?.once('close', onClose)
  if (socket?.destroyed) onClose()
  // A write to a socket that just died reports through 'error'; without a listener Node would throw it.
  res.on('error', noop)
  const http2 = (req.httpVersionMajor ?? 1) >= 2
  try {
    // A pipelined request waits its turn before its handler runs: until the responses ahead of it end,
    // it could not send a byte, so it must not subscribe, hold a channel slot or start a keep-alive.
    if (res.socket === null && !closed) {
      await new Promise<void>((resolve) => {
        wake = resolve
        res.on('socket', resolve)
      })
      res.off?.('socket', wake)
      wake = noop
    }
    if (closed) return
    const serve = (handler as WebHandler & { [SERVE]?: DirectServe })[SERVE]
    const source = serve && new NodeSource(req)
    const direct = source && serve(source, rest)
    if (direct) {
      res.writeHead(direct.status, nodeHeaders(direct.headers, http2))
      res.flushHeaders?.()
      piped = true
      const connection = direct.start(new NodeSink(res))
      res.on('drain', () => connection.pull())
      stop = () => {
        source.abort()
        connection.disconnect()
      }
      return
    }
    const aborter = new AbortController()
    stop = () => aborter.abort()
    const response = await handler(toRequest(req, aborter.signal), ...rest)
    res.writeHead(response.status, nodeHeaders(response.headers, http2))
    res.flushHeaders?.()
    const connection = (response as Response & { [HANDLE]?: Pipeable })[HANDLE]
    if (connection?.open && response.body && !response.body.locked) {
      // createSSEHandler's own response (from another copy of the package, or its Web path): its
      // connection writes straight to `res` instead of through the Web stream. The client leaving
      // aborts the request's signal, which ends the connection.
      piped = true
      res.on('drain', () => connection.pull())
      connection.pipe(new NodeSink(res))
      return
    }
    if (response.body === null) return void res.end()
    const reader = response.body.getReader()
    stop = () => {
      aborter.abort()
      reader.cancel().catch(noop)
    }
    if (closed) return void stop()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!res.write(value) && !closed) {
        await new Promise<void>((resolve) => {
          wake = resolve
          res.on('drain', resolve)
        })
        res.off?.('drain', wake)
        wake = noop
      }
      res.flush?.()
    }
    res.end()
  } catch (error) {
    if (!closed) {
      console.error('[use-next-sse] serving a Node request failed', error)
      if (res.headersSent) res.destroy?.()
      else {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end()
      }
    }
  } finally {
    if (!piped) {
      res.off?.('close', onClose)
      socket?.off?.('close', onClose)
    }
  }
}

/**
 * Adapts any Web handler (`createSSEHandler`'s included) to Node's `(req, res)` signature, for
 * `node:http`, Express, Fastify's raw mode or a Pages Router API route. The client's disconnect aborts
 * `request.signal` and cancels the body, so cleanup runs; slow clients get backpressure through `drain`.
 *
 * `createSSEHandler`'s handler also accepts `(req, res)` directly; use this for other Web handlers or to
 * make the intent explicit.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createSSEHandler } from 'use-next-sse/server'
 * import { toNodeHandler } from 'use-next-sse/node'
 *
 * const events = createSSEHandler((send) => { send({ hello: 'world' }) })
 * createServer(toNodeHandler(events)).listen(3000)
 * ```
 */
export function toNodeHandler(
  handler: WebHandler,
): (req: NodeRequestLike, res: NodeResponseLike, ...rest: unknown[]) => Promise<void> {
  return (req, res, ...rest) => serveNode(handler, req, res, rest)
}

import { type DirectServe, HANDLE, SERVE } from '../core'
import { Connection } from './connection'
import { responseHeaders, settingsOf } from './settings'
import type { SSECallback, SSEHandler, SSEHandlerOptions } from './types'

/**
 * Bun closes a connection `idleTimeout` seconds (10 by default) after the client last sent anything,
 * however much the server writes: every stream would be cut. Its `Server`, the second argument of
 * `Bun.serve`'s `fetch`, lifts that for one request; when it is what the handler was given, the stream
 * asks for it, so a Bun user does not have to know.
 */
function liftBunTimeout(server: unknown, request: Request): void {
  const bun = server as { timeout?: unknown; upgrade?: unknown } | null | undefined
  if (typeof bun?.timeout === 'function' && typeof bun.upgrade === 'function') {
    try {
      ;(bun.timeout as (request: Request, seconds: number) => void)(request, 0)
    } catch {
      // Not Bun's after all, or a Bun that refuses: the stream is served either way.
    }
  }
}

/**
 * Creates a route handler that streams Server-Sent Events. The handler takes a Web `Request` (plus
 * whatever the runtime passes after it) and returns the `Response` at once, so it works unchanged as a
 * Next.js App Router `GET`/`POST` export (node and edge), an `export default` in a Pages Router API
 * route (edge, and node, where it is handed Node's `req`/`res`), a Cloudflare Worker's `fetch`, and
 * behind `toNodeHandler` in `node:http` or Express.
 *
 * The callback runs once per connection with `send`, `close` and a {@link SSEContext}. It may return a
 * cleanup function, directly or from an async callback. The cleanup runs exactly once, when the server
 * calls `close()`, the client disconnects (seen through `request.signal`, the body's `cancel()` or a
 * failed write), the callback throws, or a slow client overflows `maxBufferSize`; if it arrives after
 * the client left, it runs at once. A callback that throws or rejects is reported to `onError` and the
 * stream is closed: it never crashes the process.
 *
 * Events sent in the same synchronous turn are written as one chunk. Keep-alive comments run from one
 * shared timer. Response headers: `Content-Type: text/event-stream`, `Cache-Control: no-cache,
 * no-transform`, `Connection: keep-alive`, `X-Accel-Buffering: no`, plus `options.headers`.
 *
 * `HEAD` gets the headers and no body; `OPTIONS` gets `204` (a CORS preflight answer with the `cors`
 * option); neither runs the callback. With `cors`, a request from a refused origin gets `403`.
 *
 * The first type parameter is the event map: it checks every `send` and travels with the handler's
 * type, so `useSSE<typeof GET>` on the client checks event names and data (a type-only import). The
 * second types the handler's extra arguments (`context.args`): Next's `{ params }`, a Worker's `env, ctx`.
 *
 * @example
 * ```ts
 * type Feed = { counter: { count: number }; done: null }
 * export const GET = createSSEHandler<Feed>((send, close) => {
 *   send({ count: 1 }, 'counter') // checked: a known name, and its data type
 *   send(null, 'done')
 *   close()
 * })
 * ```
 *
 * @example
 * ```ts
 * // app/api/sse/route.ts
 * import { createSSEHandler } from 'use-next-sse'
 *
 * export const dynamic = 'force-dynamic'
 *
 * export const GET = createSSEHandler((send, close) => {
 *   let count = 0
 *   const interval = setInterval(() => {
 *     send({ count: count++ }, 'counter')
 *     if (count >= 10) close()
 *   }, 1000)
 *   return () => clearInterval(interval)
 * })
 * ```
 */
export function createSSEHandler<Events = any, Args extends unknown[] = any[]>(
  callback: SSECallback<Events, Args>,
  options: SSEHandlerOptions = {},
): SSEHandler<Args, Events> {
  if (typeof callback !== 'function') {
    throw new TypeError('createSSEHandler expects a callback: createSSEHandler((send, close, context) => { ... }).')
  }
  const settings = settingsOf(options)
  const status = options.status ?? 200
  const headers = responseHeaders(options)

  const handler = (request: Request, ...args: Args): Response => {
    // A Pages Router API route or node:http hands us Node's (req, res) instead of a Request: the Node
    // adapter is loaded only then, so edge and Workers bundles never carry it.
    if (typeof request.headers?.get !== 'function') {
      return import('../node').then((node) => {
        // From the CommonJS build, Node's import() of the sibling .cjs file sees only `default` (as the
        // cross-tab loader in client/cross-tab.ts does for its chunk).
        const { toNodeHandler } = (node as { default?: typeof node }).default ?? node
        return toNodeHandler(handler)(request as never, args[0] as never, ...args.slice(1))
      }) as never
    }
    const method = request.method
    let sent = headers
    if (settings.cors) {
      if (method === 'OPTIONS') return settings.cors.preflight(request)
      const verdict = settings.cors.check(request)
      if (verdict.kind === 'denied') return new Response(null, { status: 403, headers: { Vary: 'Origin' } })
      if (verdict.kind === 'allowed') sent = [...headers, ...verdict.headers]
    }
    // Neither opens a stream nor runs the callback: OPTIONS is a question about the route (a CORS
    // preflight, when no `cors` option answers it), and HEAD wants the headers only. A HEAD answered with
    // a stream would never end, and the next request on that keep-alive socket would wait forever.
    if (method === 'OPTIONS') return new Response(null, { status: 204, headers: { Allow: 'OPTIONS, GET, HEAD, POST' } })
    if (method === 'HEAD') return new Response(null, { status, headers: sent })
    liftBunTimeout(args[0], request)
    const connection = new Connection(settings, request)
    // The stream first: the callback may close at once, and what it sent must be in the stream.
    const body = connection.stream
    connection.run(callback, args)
    const response = new Response(body, { status, headers: sent })
    // Lets the Node adapter write to the socket directly instead of through the Web stream.
    ;(response as Response & { [HANDLE]?: Connection })[HANDLE] = connection
    return response
  }
  // The Node adapter's way in, skipping the Web Request and Response: a connection piped to the socket
  // from the start needs neither (about 6 kB per idle connection). Only for requests that open a stream
  // with nothing to decide first: a `cors` option, OPTIONS and HEAD take the Web path.
  const serve: DirectServe = (source, args) => {
    if (settings.cors || source.method === 'OPTIONS' || source.method === 'HEAD') return undefined
    return {
      status,
      headers,
      start(sink) {
        const connection = new Connection(settings, source)
        // Piped before the callback runs: what a callback that closes at once sent is written first.
        connection.pipe(sink)
        connection.run(callback, args as Args)
        return connection
      },
    }
  }
  ;(handler as typeof handler & { [SERVE]: DirectServe })[SERVE] = serve
  return handler as SSEHandler<Args, Events>
}

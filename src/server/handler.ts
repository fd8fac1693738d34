import { HANDLE } from '../core'
import { Connection } from './connection'
import { responseHeaders, settingsOf } from './settings'
import type { SSECallback, SSEHandler, SSEHandlerOptions } from './types'

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
export function createSSEHandler<Data = any, Args extends unknown[] = any[]>(
  callback: SSECallback<Data, Args>,
  options: SSEHandlerOptions = {},
): SSEHandler<Args> {
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
      return import('../node').then(({ serveNode }) => serveNode(handler, request as never, args)) as never
    }
    const connection = new Connection(settings, request)
    connection.run(callback, args)
    const response = new Response(connection.stream, { status, headers })
    // Lets the Node adapter write to the socket directly instead of through the Web stream.
    ;(response as Response & { [HANDLE]?: Connection })[HANDLE] = connection
    return response
  }
  return handler
}

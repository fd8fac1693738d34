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
import { type DirectServe, HANDLE, type Pipeable, SERVE } from '../core'
import { NodeSource, toRequest } from './request'
import { NodeSink, nodeHeaders } from './response'
import type { NodeRequestLike, NodeResponseLike, WebHandler } from './types'

/** A socket as far as this adapter listens to it. */
interface SocketLike {
  once(event: 'close', listener: () => void): unknown
  off?(event: 'close', listener: () => void): unknown
  readonly destroyed?: boolean
}

const noop = () => {}

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

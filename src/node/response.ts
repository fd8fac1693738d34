/*
 * The response side of the Node adapter: headers as `res.writeHead` takes them, and `res` as a
 * connection's sink.
 */
import type { Sink } from '../core'
import type { NodeResponseLike } from './types'

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2): Node drops each with a warning, on every request. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

/**
 * Response headers as `res.writeHead` takes them: every `Set-Cookie` kept apart, as an array; over
 * HTTP/2, without the connection-specific ones (`Connection: keep-alive` is an HTTP/1.1 matter).
 */
export function nodeHeaders(
  pairs: Iterable<readonly [string, string]>,
  http2: boolean,
): Record<string, string | string[]> {
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
export class NodeSink implements Sink {
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

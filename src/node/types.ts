/*
 * The Node shapes the adapter speaks to, by duck typing: nothing in src/node imports from `node:*`, so
 * Node's own types, Express's and Next's Pages Router's all fit.
 */

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

/** Any Web handler: `createSSEHandler`'s, or your own. */
export type WebHandler = (request: Request, ...args: any[]) => Response | Promise<Response>

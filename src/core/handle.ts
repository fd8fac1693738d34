/**
 * The side door through which a channel writes into a connection it does not own. Keyed by a
 * registered symbol, so a channel from one copy of the package (a second bundle, another entry) still
 * finds the connection of another.
 * @internal
 */
export const HANDLE: unique symbol = Symbol.for('use-next-sse.handle')

/** @internal What a connection offers to channels. */
export interface ConnectionHandle {
  /** False once the connection is closed, whoever closed it. */
  readonly open: boolean
  /**
   * Appends already-encoded wire text. `bytes`, when given, must be `text` encoded as UTF-8: a channel
   * encodes each event once and hands the same bytes to every connection.
   */
  write(text: string, bytes?: Uint8Array): boolean
  /** Runs `fn` once when the connection ends, outside the user-facing `onClose` precedence. */
  defer(fn: () => void): void
  /** Reports a failure through the handler's `onError`. */
  report(error: unknown): void
  /** Ends the connection from the server side, delivering what is buffered. */
  close(): void
}

/**
 * Where a connection can write instead of its Web stream: Node's `ServerResponse` fits as it is. The
 * Node adapter uses it to skip the Web stream and the UTF-8 encoder (Node encodes strings natively).
 * @internal
 */
export interface Sink {
  /** Returns false when the sink wants no more until it drains (then `pull()` resumes). */
  write(chunk: string | Uint8Array): boolean
  /** Ends the body gracefully, after what the sink still buffers. */
  end(): void
  /** Tears the transport down at once (a client cut for reading too slowly). Falls back to `end()`. */
  destroy?(): void
  /** What the sink holds that the client has not taken yet (Node's `writableLength`): counted against the cap. */
  pending?(): number
  /** Batch the writes until `uncork()` (Node: one `writev` for a turn's pieces). */
  cork?(): void
  uncork?(): void
}

/** @internal A connection as the Node adapter drives it. */
export interface Pipeable extends ConnectionHandle {
  /** Sends everything from now on (and what is buffered) to `sink`. */
  pipe(sink: Sink): void
  /** The reader is ready for more: flush what is buffered. */
  pull(): void
  /** The client is gone: end without delivering what is buffered. */
  disconnect(): void
}

/** @internal */
export interface HasHandle {
  readonly [HANDLE]: ConnectionHandle
}

/**
 * The Node adapter's way into `createSSEHandler`'s handler, skipping the Web `Request` and `Response`:
 * a property of the handler under this symbol (see {@link DirectServe}).
 * @internal
 */
export const SERVE: unique symbol = Symbol.for('use-next-sse.serve')

/**
 * A request that becomes a Web `Request` only when the callback asks for one (`context.request`): what a
 * connection reads itself (the method, a header, the URL) it reads from the source.
 * @internal
 */
export interface RequestSource {
  readonly method: string
  readonly url: string
  header(name: string): string | null
  /** The Web `Request`, made on first call and kept. */
  toRequest(): Request
}

/** @internal A connection the Node adapter has set up: `start` pipes it to `sink`, then runs the callback. */
export interface DirectConnection {
  readonly status: number
  /** The response headers as name/value pairs (a repeated name, e.g. `Set-Cookie`, once per value). */
  readonly headers: readonly (readonly [string, string])[]
  start(sink: Sink): Pipeable
}

/**
 * `handler[SERVE](source, args)`: the connection for a request from a {@link RequestSource}, or undefined
 * when this request needs the Web path (a preflight, `HEAD`, a `cors` option).
 * @internal
 */
export type DirectServe = (source: RequestSource, args: unknown[]) => DirectConnection | undefined

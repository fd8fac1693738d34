import type { ConnectionHandle, EventFields, EventName, HANDLE, HeadersLike, IsUntyped } from '../core'

/** A cleanup function. It may be async: a rejection is caught and reported, never left unhandled. */
export type Destructor = () => unknown

/** The per-event options `send` takes in place of an event name. */
export interface SendOptions {
  /** The event type (`message` when absent). Must not contain CR or LF. */
  event?: string
  /** The event id, sent back as `Last-Event-ID` on reconnect. Must not contain CR, LF or NUL; at most 1024 characters. */
  id?: string
  /** Sets the client's reconnection time, in ms: an integer from 0 to 2147483647. */
  retry?: number
}

/**
 * Sends `data`, serialised with `JSON.stringify`, as one event. The second argument is the event name
 * (the seed's signature) or {@link SendOptions}.
 *
 * With an event map (`createSSEHandler<{ counter: { count: number } }>`) the name must be one of the
 * map's and the data its type; `send(data)` without a name sends a `message` event, so it needs a
 * `message` entry. Without one (`any`, the default) every name and any data are accepted.
 *
 * Returns `true` when the event was queued for the client and `false` when it was not: after the
 * connection closed (a no-op, never a throw), or when the input was refused. Refused input (an event name
 * with CR/LF, an id with CR/LF/NUL, data with no JSON form such as a circular object or a BigInt, one
 * event larger than `maxBufferSize`) writes nothing and reports the error through the handler's
 * `onError`: a bad event name from user input must not crash a server from inside a timer. `undefined`
 * is sent as an event with empty data, never as the text `undefined`.
 *
 * @example
 * ```ts
 * send({ count: 1 }, 'counter')             // event: counter / data: {"count":1}
 * send(message, { event: 'message', id: message.id })
 * ```
 */
export type SendFunction<Events = any> =
  IsUntyped<Events> extends true
    ? (data: any, eventOrOptions?: string | SendOptions) => boolean
    : <K extends EventName<Events> = Extract<'message', EventName<Events>>>(
        data: Events[K & keyof Events],
        eventOrOptions?: K | (SendOptions & { event?: K }),
      ) => boolean

/**
 * The third argument of the callback.
 *
 * @example
 * ```ts
 * export const GET = createSSEHandler((send, close, { lastEventId, onClose, signal, args }) => {
 *   const [{ params }] = args as [{ params: Promise<{ roomId: string }> }]
 *   ...
 * })
 * ```
 */
export interface SSEContext<Args extends unknown[] = any[]> extends Record<typeof HANDLE, ConnectionHandle> {
  /**
   * Where a reconnecting client left off: the `Last-Event-ID` request header or, when there is none, the
   * `lastEventId` query parameter (what our client sends cross-origin, where a header would need a CORS
   * preflight). `null` on a first connect.
   */
  readonly lastEventId: string | null
  /**
   * Registers the cleanup for this connection. The first cleanup registered wins (the `onClose` option,
   * then this, then a destructor the callback returns); each later one is ignored with a warning.
   * Registered after the connection closed, it runs at once.
   */
  readonly onClose: (destructor: Destructor) => void
  /** The incoming request, a plain Web `Request`. */
  readonly request: Request
  /** Aborts when the connection ends, for any reason: pass it to `fetch`, streams, or your own listeners. */
  readonly signal: AbortSignal
  /** The handler's arguments after the request: Next's `{ params }`, a Worker's `env` and `ctx`. */
  readonly args: Args
  /**
   * Writes an event from raw fields, without JSON: `data` is sent as text, and comments and `retry`
   * can be sent on their own. Same outcomes as `send`.
   *
   * @example
   * ```ts
   * sendEvent({ comment: 'hello proxies' })
   * sendEvent({ event: 'log', data: 'line 1\nline 2' })
   * ```
   */
  readonly sendEvent: (fields: EventFields) => boolean
}

/**
 * The function that runs one SSE connection. It gets `send`, `close` and the {@link SSEContext}, and may
 * return a destructor, directly or from an async function. `Events` is the event map `send` is checked
 * against (see {@link SendFunction}).
 *
 * @example
 * ```ts
 * const callback: SSECallback<{ tick: number }> = (send, close) => {
 *   send(1, 'tick')
 *   close()
 * }
 * ```
 */
export type SSECallback<Events = any, Args extends unknown[] = any[]> = (
  send: SendFunction<Events>,
  close: () => void,
  context: SSEContext<Args>,
) => unknown

/**
 * The `cors` option of {@link createSSEHandler}: which other origins may open the stream.
 *
 * A request with an allowed `Origin` gets `Access-Control-Allow-Origin` (and `-Credentials`,
 * `-Expose-Headers`, `Vary: Origin`); a request from any other origin gets `403` with no stream, and the
 * callback never runs; a request without `Origin` (same-origin, server to server) or with the route's own
 * origin (a same-origin POST) is served as usual.
 * An `OPTIONS` preflight is answered `204` with `Access-Control-Allow-Methods`, `-Headers` (what the
 * browser asks for, plus `last-event-id`) and `-Max-Age`, never with a stream.
 *
 * Not needed for what the native EventSource does: our client resumes cross-origin with no preflight (it
 * carries the id in the URL, see {@link SSEContext.lastEventId}), so `headers: { 'Access-Control-Allow-Origin': ... }`
 * is enough there. Needed as soon as the client sends its own `headers` (an `Authorization` token) or
 * a JSON body cross-origin, which always preflight.
 *
 * @example
 * ```ts
 * export const GET = createSSEHandler(callback, {
 *   cors: { origin: ['https://app.example.com'], credentials: true },
 * })
 * ```
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export interface CorsOptions {
  /**
   * The origins allowed: `'*'` (any, and then no credentials), one origin (`'https://app.example.com'`),
   * a list, or a function `(origin, request) => boolean` (a throw denies).
   */
  origin: '*' | (string & {}) | readonly string[] | ((origin: string, request: Request) => boolean)
  /** Lets `withCredentials` clients send cookies (`Access-Control-Allow-Credentials: true`). Defaults to `false`. */
  credentials?: boolean
  /**
   * The request headers a preflight allows (`last-event-id` is always added). Defaults to the ones the
   * browser asks for (`Access-Control-Request-Headers`).
   */
  allowHeaders?: readonly string[]
  /** Response headers the page may read (`Access-Control-Expose-Headers`). Default: none beyond the safelisted ones. */
  exposeHeaders?: readonly string[]
  /** How long, in seconds, a browser may cache a preflight's answer. Defaults to 600. */
  maxAge?: number
}

/** Options of {@link createSSEHandler}. */
export interface SSEHandlerOptions {
  /** Cleanup for every connection; runs even when the callback never ran (the request was already aborted). */
  onClose?: Destructor
  /**
   * Interval of keep-alive comments in ms, sent only on connections that were silent for a whole interval,
   * from one timer shared by all connections. Defaults to 15000; `false` disables.
   */
  keepAlive?: number | false
  /**
   * A `retry:` field sent first, setting the client's reconnection time in ms: an integer from 0 to
   * 2147483647 (the longest a JavaScript timer can wait; larger values overflow clients' timers into a
   * reconnect storm, so they are refused). Default: none (a comment is sent).
   */
  retry?: number
  /** Lets other origins open the stream; see {@link CorsOptions}. Default: no CORS handling (headers you set still apply). */
  cors?: CorsOptions
  /** Extra response headers, merged over the defaults (so they can override them). */
  headers?: HeadersLike
  /** Response status. Defaults to 200; EventSource clients treat anything else as fatal. */
  status?: number
  /**
   * How much encoded text (in UTF-16 code units, about bytes) may wait for a client that stopped reading
   * before the connection is closed, so it reconnects and resumes instead of growing the heap.
   * Defaults to 16 MiB.
   */
  maxBufferSize?: number
  /**
   * Where failures go: a throwing or rejecting callback, a failing cleanup, refused input, a buffer
   * overflow. Defaults to `console.error`.
   */
  onError?: (error: unknown) => void
}

/**
 * A route handler: Next.js `GET`/`POST`, an edge `export default`, a Worker's `fetch`. A handler made with
 * an event map carries it at the type level (never at run time), so the client can be typed from the
 * route: `useSSE<typeof GET>(...)`, with a type-only import that brings no server code along.
 *
 * @example
 * ```ts
 * export const GET: SSEHandler<[], { counter: { count: number } }> = createSSEHandler((send) => {
 *   send({ count: 1 }, 'counter')
 * })
 * ```
 */
export type SSEHandler<Args extends unknown[] = any[], Events = any> = ((request: Request, ...args: Args) => Response) &
  (IsUntyped<Events> extends true ? unknown : { readonly '~events'?: Events })

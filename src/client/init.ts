import type { Body, HeadersLike } from '../core'
import type { ReconnectFunction, ReconnectPolicy } from './backoff'

/**
 * Options of `EventSource`: the standard `withCredentials`, and what native EventSource cannot do.
 *
 * @example
 * ```ts
 * const init: EventSourceInit = {
 *   method: 'POST',
 *   body: JSON.stringify({ topics: ['a', 'b'] }),
 *   headers: async () => ({ authorization: `Bearer ${await getToken()}`, 'content-type': 'application/json' }),
 *   reconnect: { delay: 500, maxAttempts: 10 },
 * }
 * ```
 */
export interface EventSourceInit {
  /** Sends cookies and HTTP auth cross-origin (fetch `credentials: 'include'`). Defaults to `false`. */
  withCredentials?: boolean
  /**
   * Extra request headers, or a function (sync or async) called before every connection and
   * reconnection, so a token can be refreshed. `Accept` and `Last-Event-ID` are set by the client
   * (cross-origin, the last event id goes in the URL as `?lastEventId=` instead: see `LAST_EVENT_ID_PARAM`).
   * Cross-origin, any header given here makes the browser send a preflight first: the server must allow
   * it (`createSSEHandler`'s `cors` option does).
   * Headers that cannot be made (the function throws or rejects, or `Headers` refuses what it gives) fail
   * that attempt with an `SSEError` `HEADERS_FAILED` whose `cause` is the thrown value: no request is
   * sent, and the attempt is retried under `reconnect` like a network error (counted towards
   * `maxAttempts`). To stop instead, `close()` when `isSSEError(source.error, 'HEADERS_FAILED')`.
   * Defaults to none.
   */
  headers?: HeadersLike | (() => HeadersLike | Promise<HeadersLike>)
  /** The request method. Defaults to `'GET'`. */
  method?: string
  /** The request body, sent again on every reconnection (so not a one-shot stream). Defaults to none. */
  body?: Body
  /** The `fetch` to use (a wrapper with logging, a test double). Defaults to the global `fetch`. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>
  /**
   * What happens after the stream ends or a network error. Not given: the WHATWG behaviour, reconnect
   * forever after the reconnection time (3000 ms, or the server's `retry:`). `false`: never reconnect
   * (the source closes). A {@link ReconnectPolicy}: capped exponential backoff with jitter, never below
   * the server's `retry:`, giving up with `MAX_ATTEMPTS`. A {@link ReconnectFunction}: your own; if it
   * throws, the source closes for good with an `SSEError` `CALLBACK_FAILED` whose `cause` is the thrown value.
   */
  reconnect?: false | ReconnectPolicy | ReconnectFunction
  /** The parser's `maxBufferSize`: past it the connection is dropped and reconnects. Defaults to 16 MiB. */
  maxBufferSize?: number
  /**
   * How long, in ms, the client waits for the next byte (the response headers, an event, a comment)
   * before it takes the connection for dead: it aborts it and, as after a network error, reconnects
   * under `reconnect` with `Last-Event-ID` (`error` is a `NETWORK` `SSEError`). A stalled server or a
   * silently dropped route (a sleeping laptop, a NAT that forgot the flow) otherwise leaves the source
   * `OPEN` forever. Defaults to 45000: three times the server's default keep-alive (a comment every
   * 15000 ms), so two late keep-alives are tolerated. Raise it if your server sends keep-alives less
   * often (or none); `false` disables it.
   */
  idleTimeout?: number | false
  /**
   * With reconnection on (a `reconnect` policy or function; not in the default spec mode, not with
   * `false`), whether a response with this status is retried under the policy like a network error
   * (counted towards `maxAttempts`, waiting at least what a `Retry-After` header asks) instead of
   * failing for good with `HTTP_STATUS`. `retriedByDefault` is the default answer: `true` for 502, 503,
   * 504 (a proxy in front of an app that is restarting, an overloaded app) and 429, and for 401 when
   * `headers` is a function (its next call can bring a fresh token; with fixed headers the retry would
   * fail the same way); `false` for any other status (403 included: a refreshed token rarely makes a
   * forbidden resource allowed). If it throws, the source closes with `CALLBACK_FAILED`.
   *
   * @example
   * ```ts
   * // Also retry 403 (a token whose scopes are refreshed with it):
   * const retryStatus = (status: number, retriedByDefault: boolean) => retriedByDefault || status === 403
   * ```
   */
  retryStatus?: (status: number, retriedByDefault: boolean) => boolean
  /**
   * `EventSource` only: one connection per browser instead of one per source. Every source of this
   * origin, in any tab, made with the option and the same request (URL, `withCredentials`, `reconnect`,
   * `headers` object or "a function", `method`, text `body`, `idleTimeout`) shares one connection, held by
   * one of them (elected with a Web Lock) and relayed to the others over a `BroadcastChannel`; when its
   * tab closes, navigates away or crashes, another source takes over and resumes with `Last-Event-ID`,
   * and events sent again are dropped by id. The connecting source's functions and limits (`headers`,
   * `fetch`, a `reconnect` function, `retryStatus`, `maxBufferSize`) are the ones used. Errors reach the
   * other sources with `code`, `message` and `status`, not `cause`. Where Web Locks or `BroadcastChannel`
   * are missing, or the body is not text, the source connects on its own. The protocol is a separate
   * chunk, loaded with `import()` by the first source that sets the option: until it arrives the source
   * is `CONNECTING`; if it cannot be loaded, the source closes with a `NETWORK` error. Defaults to `false`.
   *
   * @example
   * ```ts
   * const source = new EventSource('/api/feed', { shareAcrossTabs: true, reconnect: { delay: 1000 } })
   * ```
   */
  shareAcrossTabs?: boolean
}

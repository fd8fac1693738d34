import { type Body, type HeadersLike, SSEError, type SSEErrorCode } from '../core'
import { backoff, type ReconnectFunction, type ReconnectPolicy } from './backoff'
import { Interpreter } from './interpreter'
import type { ParsedEvent } from './parser'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state'
import { resumeFrom } from './resume'

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

/**
 * The longest wait the client schedules, in ms: 2^31 - 1 (about 24.8 days), the longest delay a timer
 * honours. Every wait (a server's `retry:`, a policy's `maxDelay`, a reconnect function's answer, a
 * `Retry-After`, `idleTimeout`) is clamped to it: a longer one would overflow the timer, which then
 * fires after about 1 ms, turning "wait a month" into a reconnection storm. @internal
 */
export const MAX_DELAY = 2 ** 31 - 1

/**
 * A connection has proved healthy, and the count of failed attempts starts again, once it stayed open
 * this long (ms). Not on a 200, nor on an event: a server that answers 200 and closes at once
 * (overloaded, its callback crashing after a first "hello" or snapshot event, a proxy refusing) must
 * meet a growing backoff, not a reconnection every `delay`; and many servers send an event the moment
 * a stream opens, so an event proves no more than the 200 did. @internal
 */
export const HEALTHY_AFTER = 5000

/** The default `idleTimeout`: three times the server's default keep-alive interval (15000 ms). @internal */
export const IDLE_TIMEOUT = 45_000

/** Statuses worth another attempt by default: a proxy before a restarting app, overload, rate limits. */
const TRANSIENT = [429, 502, 503, 504]

/**
 * A `Retry-After` header (delay-seconds or an HTTP date) in ms, or 0 when absent or unreadable.
 * @see https://httpwg.org/specs/rfc9110.html#field.retry-after
 */
function retryAfter(value: string | null): number {
  if (!value) return 0
  const ms = /^\s*\d+\s*$/.test(value) ? +value * 1000 : Date.parse(value) - Date.now()
  return Math.max(ms, 0) || 0
}

/**
 * One source's connection to its URL, across reconnections: what {@link connect} returns. (Named apart
 * from the server's per-client `Connection`: this is the client end.) @internal
 */
export interface SourceConnection {
  /** {@link CONNECTING} (also while waiting to reconnect), {@link OPEN}, or {@link CLOSED} for good. */
  readonly state: ReadyState
  /** Why the last failure happened; `null` once open, and after a normal end of the stream. */
  readonly error: SSEError | null
  /** The URL of the last response, after redirects. */
  readonly url: string
  /** Aborts the request or the pending reconnection; the state becomes {@link CLOSED}, and nothing more is called. */
  close(): void
}

/**
 * What a {@link SourceConnection} tells its owner: events, and changes of state. Two callbacks, not one
 * with an optional event, so that whoever relays a connection (the registry to its subscribers, one tab
 * to others) relays each kind on its own. @internal
 */
export interface SourceListener {
  /**
   * Every event, in order, while the state is {@link OPEN}; `ownId`: its block had an `id` field, rather
   * than inheriting the last event ID.
   */
  onEvent(event: ParsedEvent, ownId?: boolean): void
  /**
   * After every change of `state` or `error`: {@link OPEN} (announce the connection), {@link CONNECTING}
   * with the failure or `null` (reestablish the connection), {@link CLOSED} with why (fail the connection).
   */
  onState(connection: SourceConnection): void
}

/**
 * The EventSource processing model (WHATWG 9.2.3-9.2.5) without the `EventTarget` around it, shared by
 * {@link EventSource} and the connections `createSSEStore` shares. Nothing is called after `close()`.
 *
 * Failures, as the `error` they leave: `NETWORK` (the request failed, the stream broke, or no byte came
 * for `idleTimeout`) and `HEADERS_FAILED` (a `headers` function threw or rejected, or gave headers
 * `Headers` refuses) are retried under the reconnect policy, like the end of the stream (`error` `null`);
 * `MAX_BUFFER_SIZE` drops the connection and reconnects; `HTTP_STATUS` closes for good, except a status
 * `retryStatus` accepts while a policy or function is set (retried, waiting at least its `Retry-After`)
 * and a 431 or 414 to a request that carried the last event id (retried without it); `NO_CONTENT` and
 * `CONTENT_TYPE` close for good; a policy that gives up closes with `MAX_ATTEMPTS` (its `cause` the last
 * failure, with its `status` when it was a response); a reconnect or `retryStatus` function that throws
 * closes with `CALLBACK_FAILED` (its `cause` the thrown value). Every wait is clamped to
 * {@link MAX_DELAY}; failed attempts are counted until a connection proves healthy ({@link HEALTHY_AFTER}).
 *
 * `lastEventId` starts the last event ID buffer where an earlier connection of the same source left it
 * (a tab that takes over the shared connection): sent with the first request, and inherited by events
 * without an id of their own, as one `EventSource` reconnecting would.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 * @internal
 */
export function connect(
  url: string,
  init: EventSourceInit,
  listener: SourceListener,
  lastEventId = '',
): SourceConnection {
  const { reconnect, headers, idleTimeout = IDLE_TIMEOUT, retryStatus } = init
  let ctrl: AbortController | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Fires when no byte came for `idleTimeout` ms. */
  let idle: ReturnType<typeof setTimeout> | undefined
  /** Consecutive failed connections, reset once one proves healthy ({@link HEALTHY_AFTER}). */
  let attempt = 0
  /** When the current connection opened, for {@link HEALTHY_AFTER}. */
  let openedAt = 0
  /** The reconnection time the server set with `retry:`. */
  let retry: number | undefined
  const connection = {
    state: CONNECTING as ReadyState,
    error: null as SSEError | null,
    url,
    close() {
      connection.state = CLOSED
      clearTimeout(timer)
      clearTimeout(idle)
      ctrl?.abort()
    },
  }

  const change = (state: ReadyState, error: SSEError | null): void => {
    connection.state = state
    connection.error = error
    listener.onState(connection)
  }

  /** Fail the connection for good (9.2.3), its timers with it. */
  const fail = (error: SSEError | null): void => {
    clearTimeout(idle)
    change(CLOSED, error)
  }

  /**
   * "Reestablish the connection" (9.2.3), the reconnect policy choosing the wait, never shorter than
   * `atLeast` (a `Retry-After`) and never longer than {@link MAX_DELAY}.
   */
  const again = (error: SSEError | null, atLeast = 0): void => {
    clearTimeout(idle)
    if (openedAt && Date.now() - openedAt >= HEALTHY_AFTER) attempt = 0
    openedAt = 0
    let wait: number | false
    try {
      wait =
        reconnect === undefined
          ? (retry ?? 3000)
          : reconnect &&
            (typeof reconnect === 'function' ? reconnect(++attempt, retry) : backoff(reconnect, ++attempt, retry))
    } catch (cause) {
      // A throwing reconnect function is a bug in it, not a policy giving up: fail for good, saying so,
      // rather than rejecting into the void.
      fail(new SSEError('CALLBACK_FAILED', 'reconnect() threw.', { cause }))
      return
    }
    // `false` is "fail the connection": closed for good. A policy that gives up says so.
    if (wait === false) {
      fail(reconnect ? new SSEError('MAX_ATTEMPTS', 'Gave up reconnecting.', { cause: error }) : error)
    } else {
      change(CONNECTING, error)
      // A listener may have closed the connection.
      if (connection.state === CONNECTING) timer = setTimeout(run, Math.min(Math.max(wait, atLeast), MAX_DELAY))
    }
  }

  /** (Re)arms the idle timer: called when the request is sent and on every chunk. */
  const alive = (): void => {
    if (idleTimeout === false) return
    clearTimeout(idle)
    idle = setTimeout(
      () => {
        ctrl?.abort()
        again(new SSEError('NETWORK', `NETWORK: no byte for ${idleTimeout} ms (idleTimeout)`))
      },
      Math.min(idleTimeout, MAX_DELAY),
    )
  }

  const parser = new Interpreter({
    // A listener may close() in the middle of a chunk: nothing is dispatched after that.
    onEvent: (event, ownId) => connection.state === OPEN && listener.onEvent(event, ownId),
    onRetry: (ms) => {
      retry = ms
    },
    // A line or event past maxBufferSize was lost: drop the connection, so the server can resend it.
    onError: (error) => {
      if (connection.state !== OPEN) return
      ctrl?.abort()
      again(error)
    },
    maxBufferSize: init.maxBufferSize,
  })
  if (lastEventId) parser.reset({ lastEventId })

  /**
   * What a response that cannot be read as an event stream leads to. With reconnection on, a status
   * `retryStatus` accepts is retried under the policy, waiting at least its `Retry-After`. A 431 (or a
   * 414: cross-origin the id is in the URL) to a request that resumed from an id (too long for this
   * server) is retried once without it: the id is forgotten, so events may be missed, but the source
   * lives on and `error` (with the status) says so; a second one fails for good. Anything else fails
   * for good, as the spec says.
   */
  const refused = (response: Response, sentId: string): void => {
    const { status } = response
    const error = new SSEError(status === 204 ? 'NO_CONTENT' : 'HTTP_STATUS', `HTTP ${status}`, { status })
    if ((status === 431 || status === 414) && sentId && reconnect !== false) {
      parser.reset({ lastEventId: '' })
      again(new SSEError('HTTP_STATUS', `HTTP ${status}: last event id refused, reconnecting without it`, { status }))
    } else if (status === 204 || !reconnect) {
      fail(error)
    } else {
      let retried: boolean
      try {
        const byDefault = TRANSIENT.includes(status) || (status === 401 && typeof headers === 'function')
        retried = retryStatus ? retryStatus(status, byDefault) : byDefault
      } catch (cause) {
        fail(new SSEError('CALLBACK_FAILED', 'retryStatus() threw.', { cause }))
        return
      }
      if (retried) again(error, retryAfter(response.headers.get('retry-after')))
      else fail(error)
    }
  }

  /** One request: send, check, open, read to the end. Never rejects. */
  const run = async (): Promise<void> => {
    ctrl = new AbortController()
    const { signal } = ctrl
    parser.reset()
    // Until the headers are made, a failure is theirs, not the network's: no request was sent. It is
    // retried as a network error is (a token endpoint can fail for a moment), under its own code so that
    // an app can stop on it instead.
    let failure: SSEErrorCode = 'HEADERS_FAILED'
    try {
      const sent = new Headers(typeof headers === 'function' ? await headers() : headers)
      failure = 'NETWORK'
      // Safelisted (a CORS-safe value): it costs no preflight, nor does the id, which resumeFrom puts in
      // the URL cross-origin.
      sent.set('accept', 'text/event-stream')
      const id = parser.lastEventId
      // From here on the server owes us bytes: the response headers first.
      alive()
      // Called unbound: a browser's fetch throws "Illegal invocation" when called as init.fetch().
      const response = await (init.fetch ?? fetch)(id ? resumeFrom(url, id, sent) : url, {
        method: init.method,
        body: init.body,
        headers: sent,
        cache: 'no-store',
        credentials: init.withCredentials ? 'include' : 'same-origin',
        signal,
      })
      const { status, body } = response
      const type = response.headers.get('content-type')
      if (status !== 200 || !/^\s*text\/event-stream\s*(;|$)/i.test(type!)) {
        body?.cancel().catch(() => {})
        if (status !== 200) refused(response, id)
        else fail(new SSEError('CONTENT_TYPE', `Not text/event-stream: ${type}`))
        return
      }
      connection.url = response.url || url
      openedAt = Date.now()
      change(OPEN, null)
      const reader = body?.getReader()
      // close(), an overflow and the idle timer abort the signal; the loop then stops and leaves the
      // state to them.
      while (reader && !signal.aborted) {
        const { done, value } = await reader.read()
        if (done) break
        alive()
        parser.feed(value)
      }
      if (!signal.aborted) again(null)
    } catch (cause) {
      if (!signal.aborted) again(new SSEError(failure, `${failure}: ${cause}`, { cause }))
    }
  }

  // The first request waits a tick: nothing may fire before the caller has attached its listeners, and
  // close() can still cancel it.
  timer = setTimeout(run)
  return connection
}

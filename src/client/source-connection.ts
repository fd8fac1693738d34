import { type Body, type HeadersLike, SSEError, type SSEErrorCode } from '../core'
import { backoff, type ReconnectFunction, type ReconnectPolicy } from './backoff'
import { interpret, type ParsedEvent } from './parser'
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
  /** Every event, in order, while the state is {@link OPEN}. */
  onEvent(event: ParsedEvent): void
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
 * Failures, as the `error` they leave: `NETWORK` (the request failed or the stream broke) and
 * `HEADERS_FAILED` (a `headers` function threw or rejected, or gave headers `Headers` refuses) are retried
 * under the reconnect policy, like the end of the stream (`error` `null`); `MAX_BUFFER_SIZE` drops the
 * connection and reconnects; `HTTP_STATUS`, `NO_CONTENT` and `CONTENT_TYPE` close for good; a policy that
 * gives up closes with `MAX_ATTEMPTS` (its `cause` the last failure); a reconnect function that throws
 * closes with `CALLBACK_FAILED` (its `cause` the thrown value).
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 * @internal
 */
export function connect(url: string, init: EventSourceInit, listener: SourceListener): SourceConnection {
  const { reconnect, headers } = init
  let ctrl: AbortController | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Consecutive failed connections, reset when one opens. */
  let attempt = 0
  /** The reconnection time the server set with `retry:`. */
  let retry: number | undefined
  const connection = {
    state: CONNECTING as ReadyState,
    error: null as SSEError | null,
    url,
    close() {
      connection.state = CLOSED
      clearTimeout(timer)
      ctrl?.abort()
    },
  }

  const change = (state: ReadyState, error: SSEError | null): void => {
    connection.state = state
    connection.error = error
    listener.onState(connection)
  }

  /** "Reestablish the connection" (9.2.3), the reconnect policy choosing the wait. */
  const again = (error: SSEError | null): void => {
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
      change(CLOSED, new SSEError('CALLBACK_FAILED', 'reconnect() threw.', { cause }))
      return
    }
    // `false` is "fail the connection": closed for good. A policy that gives up says so.
    if (wait === false) {
      change(CLOSED, reconnect ? new SSEError('MAX_ATTEMPTS', 'Gave up reconnecting.', { cause: error }) : error)
    } else {
      change(CONNECTING, error)
      // A listener may have closed the connection.
      if (connection.state === CONNECTING) timer = setTimeout(run, wait)
    }
  }

  const parser = interpret({
    // A listener may close() in the middle of a chunk: nothing is dispatched after that.
    onEvent: (event) => connection.state === OPEN && listener.onEvent(event),
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
        change(
          CLOSED,
          status !== 200
            ? new SSEError(status === 204 ? 'NO_CONTENT' : 'HTTP_STATUS', `HTTP ${status}`, { status })
            : new SSEError('CONTENT_TYPE', `Not text/event-stream: ${type}`),
        )
        return
      }
      connection.url = response.url || url
      attempt = 0
      change(OPEN, null)
      const reader = body?.getReader()
      // close() and an overflow abort the signal; the loop then stops and leaves the state to them.
      while (reader && !signal.aborted) {
        const { done, value } = await reader.read()
        if (done) break
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

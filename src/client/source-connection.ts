import { SSEError, type SSEErrorCode } from '../core'
import { backoff } from './backoff'
import type { EventSourceInit } from './init'
import { Interpreter } from './interpreter'
import type { ParsedEvent } from './parser'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state'
import { resumeFrom } from './resume'

export type { EventSourceInit } from './init'

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

import { type HeadersLike, SSEError } from '../core'
import type { ReconnectPolicy } from './backoff'
import { acrossTabs } from './cross-tab'
import type { SSEData, SSEEventName, SSEOptions, SSESnapshot } from './options'
import type { ParsedEvent } from './parser'
import { CLOSED, CONNECTING, OPEN } from './ready-state'
import { share } from './registry'
import { type StandardSchema, validate } from './schema'
import type { EventSourceInit, SourceListener } from './source-connection'

/*
 * The store: one event name's view of a shared connection (its snapshot, its listeners, its parse and
 * callbacks), as TanStack Query's queryObserver is one component's view of a query. Sharing is the
 * registry's job; the connection's, the EventSource processing model.
 */

/**
 * A subscribable for one event name on a shared connection. Made by {@link createSSEStore}.
 *
 * @example
 * ```ts
 * const unsubscribe = store.subscribe(() => render(store.getSnapshot()))
 * store.close()     // leave; the connection closes if no one else uses it
 * store.reconnect() // join again
 * ```
 */
export interface SSEStore<T, E extends string = SSEEventName<T>> {
  /** Adds a listener; the first one connects (or joins a shared connection), the last one to leave lets go. */
  subscribe(listener: () => void): () => void
  /**
   * The current snapshot. Until the first `subscribe()` (so on the server, and while hydrating) it is
   * the initial one: `connecting` (or `closed` when disabled), no data, no error.
   */
  getSnapshot(): SSESnapshot<SSEData<T, E>>
  /** Leaves the connection (closing it if no one else uses it); the state becomes `closed`. */
  close(): void
  /** Joins again after `close()` or a fatal error; a live shared connection is kept as it is. */
  reconnect(): void
  /** Read when events arrive (`parse` and the callbacks): assign to update them. */
  options: SSEOptions<T, E>
}

/** Headers with `Content-Type: application/json` added for a JSON body, unless one is set already. */
function withJSONType(json: boolean, headers: HeadersLike | undefined): HeadersLike | undefined {
  if (!json) return headers
  const out = new Headers(headers as HeadersInit | undefined)
  if (!out.has('content-type')) out.set('content-type', 'application/json')
  return Object.fromEntries(out)
}

/** `connectionState` by ready state: `STATES[OPEN]` is `'open'`. */
const STATES = ['connecting', 'open', 'closed'] as const

/** The seed's `reconnect` option as an EventSource policy: constant interval, or backoff when asked. */
function policyOf(reconnect: SSEOptions['reconnect']): false | ReconnectPolicy {
  if (!reconnect) return false
  const { interval: delay = 1000, maxAttempts = 5, backoff } = reconnect === true ? {} : reconnect
  return { delay, maxAttempts, ...(backoff === true ? {} : backoff || { factor: 1, jitter: 0, maxDelay: delay }) }
}

/**
 * The framework-agnostic core of `useSSE`: a subscribable for one event name on a connection shared,
 * reference-counted, by every store with the same `url`, `withCredentials`, `reconnect` and object
 * `headers`. Nothing connects until the first `subscribe()`.
 *
 * @example
 * ```ts
 * import { createSSEStore } from 'use-next-sse/client'
 *
 * const store = createSSEStore<{ temperature: number }>({ url: '/api/events', eventName: 'temperature' })
 * const unsubscribe = store.subscribe(() => console.log(store.getSnapshot().data?.temperature))
 * ```
 */
export function createSSEStore<T = any, E extends SSEEventName<T> = SSEEventName<T>>(
  options: SSEOptions<T, E>,
): SSEStore<T, E> {
  type Data = SSEData<T, E>
  const {
    url,
    eventName = 'message',
    withCredentials,
    headers,
    enabled = true,
    idleTimeout,
    method,
    body,
    shareAcrossTabs,
  } = options
  const json = body !== undefined && typeof body !== 'string'
  const init: EventSourceInit = {
    withCredentials,
    reconnect: policyOf(options.reconnect),
    // The latest options' functions, read on each (re)connection or refused response.
    headers:
      typeof headers === 'function'
        ? async () => withJSONType(json, await (store.options.headers as typeof headers)())
        : withJSONType(json, headers),
    retryStatus: (status, byDefault) => store.options.retryStatus?.(status, byDefault) ?? byDefault,
    idleTimeout,
    method,
    body: json ? JSON.stringify(body) : body,
  }
  const listeners = new Set<() => void>()
  let snapshot: SSESnapshot<Data> = {
    data: null,
    error: null,
    lastEventId: null,
    connectionState: STATES[enabled ? CONNECTING : CLOSED],
  }
  let leave: (() => void) | undefined

  const set = (patch: Partial<SSESnapshot<Data>>): void => {
    snapshot = { ...snapshot, ...patch }
    for (const listener of listeners) listener()
  }

  const deliver = (data: Data, event: ParsedEvent): void => {
    set({ data, error: null, lastEventId: event.lastEventId || null })
    store.options.onMessage?.(data, event)
  }
  const fail = (error: SSEError): void => {
    set({ error })
    store.options.onError?.(error)
  }
  /*
   * An async schema must not let a later event overtake an earlier one: while one is being validated,
   * what follows (valid or not, validated or not) waits in line behind it.
   */
  let queue: Promise<unknown> = Promise.resolve()
  let waiting = 0
  let generation = 0
  const enqueue = (work: () => unknown): void => {
    waiting++
    const round = generation
    queue = queue
      .then(() => (round === generation ? work() : undefined))
      .catch((error) => console.error('[use-next-sse] an onMessage or onError callback threw', error))
      .finally(() => waiting--)
  }
  const after = (step: () => void): void => (waiting === 0 ? step() : enqueue(step))

  // Read `store.options` when called, never the options the store was made with.
  const member: SourceListener = {
    onEvent(event) {
      if (event.type !== eventName) return
      const { parse = 'json', schema } = store.options
      const text = event.data
      let data: Data
      try {
        data = parse === 'json' ? (text ? JSON.parse(text) : null) : parse === 'text' ? text : parse(text, event)
      } catch (cause) {
        return after(() => fail(new SSEError('PARSE', `Unreadable "${eventName}" data: ${cause}`, { cause })))
      }
      const check = schema && ('~standard' in schema ? (schema as StandardSchema) : schema[eventName])
      if (!check) return after(() => deliver(data, event))
      const round = generation
      const result = validate(check as StandardSchema, data, eventName)
      const apply = (checked: Awaited<typeof result>) => {
        if (round !== generation) return // validated for a store that was closed since
        if ('error' in checked) fail(checked.error)
        else deliver(checked.value as Data, event)
      }
      if (result instanceof Promise) enqueue(() => result.then(apply))
      else after(() => apply(result))
    },
    onState({ state, error }) {
      const { onOpen, onError } = store.options
      set({ connectionState: STATES[state], error })
      if (state === OPEN) onOpen?.()
      else if (error) onError?.(error)
    },
  }

  const join = (): void => {
    if (!enabled) return
    const [connection, unsubscribe] = share(url, init, member, shareAcrossTabs ? acrossTabs(url, init) : undefined)
    leave = unsubscribe
    set({ connectionState: STATES[connection.state], error: connection.error })
  }

  const store: SSEStore<T, E> = {
    options,
    subscribe(listener) {
      listeners.add(listener)
      // After close(), a new first subscriber (React re-running effects: StrictMode, <Activity>) joins again.
      if (!leave) join()
      return () => {
        listeners.delete(listener)
        if (!listeners.size) store.close()
      }
    },
    getSnapshot: () => snapshot,
    close() {
      generation++
      leave?.()
      leave = undefined
      set({ connectionState: 'closed' })
    },
    reconnect() {
      store.close()
      if (listeners.size) join()
    },
  }
  return store
}

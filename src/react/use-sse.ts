import { useInsertionEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { createSSEStore, type SSEData, type SSEEventName, type SSEOptions, type SSESnapshot } from '../client'

/**
 * What {@link useSSE} returns: the original `use-next-sse` result, plus `reconnect`.
 *
 * @example
 * ```tsx
 * const { data, error, lastEventId, connectionState, close, reconnect } = useSSE<Message>({ url: '/api/chat' })
 * ```
 */
export interface SSEResult<T> extends SSESnapshot<T> {
  /** Leaves the connection (it closes when no other hook uses it); `connectionState` becomes `closed`. Stable across renders. */
  close: () => void
  /** Connects again after `close()` or a fatal error. Stable across renders. */
  reconnect: () => void
}

/**
 * Subscribes a component to one event type of a Server-Sent Events endpoint. `data` is the latest
 * event's data, JSON-parsed by default; `connectionState` is `connecting`, `open` or `closed`; a
 * graceful end of the stream (with `reconnect` off) is `closed` with `error === null`.
 *
 * Hooks with the same `url`, `withCredentials`, `reconnect` and `headers` share one connection, each
 * listening to its own `eventName`; it closes when the last one unmounts or calls `close()`. Options
 * are compared by value, so objects written inline never reconnect. Nothing connects during server
 * rendering, and StrictMode's double mount keeps one connection. On reconnection the server receives
 * `Last-Event-ID`. With `reconnect` on, 502, 503, 504 and 429 (and 401 when `headers` is a function)
 * are retried, honouring `Retry-After`, while `connectionState` is `connecting` and `error` holds the
 * status; a 204, any other status or a wrong content type stops for good, with the reason in `error`
 * (an `SSEError` with `code` and `status`).
 * With `shareAcrossTabs: true`, the tabs of the browser share one connection too (one tab holds it and
 * relays it to the others; see `SSEOptions.shareAcrossTabs`).
 *
 * @example
 * ```tsx
 * 'use client'
 * import { useSSE } from 'use-next-sse'
 *
 * export default function Counter() {
 *   const { data, error } = useSSE<{ count: number }>({ url: '/api/sse', eventName: 'counter' })
 *   if (error) return <div>Error: {error.message}</div>
 *   if (!data) return <div>Loading...</div>
 *   return <div>Count: {data.count}</div>
 * }
 * ```
 */
export function useSSE<T = any, E extends SSEEventName<T> = SSEEventName<T>>(
  options: SSEOptions<T, E>,
): SSEResult<SSEData<T, E>> {
  // The store depends on the options' values only: JSON drops the functions (callbacks, parse, a headers
  // function), which are read from `store.options` when used.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the JSON holds every value the store is made from.
  const store = useMemo(() => createSSEStore<T, E>(options), [JSON.stringify(options)])
  // Made once, so `close` and `reconnect` keep their identity for the component's whole life; they act
  // on the store of the latest commit.
  const [latest] = useState(() => ({
    store,
    close: () => latest.store.close(),
    reconnect: () => latest.store.reconnect(),
  }))
  // The latest committed render's parse and callbacks: events arriving later use them, never a stale
  // closure. Set in an effect, not during render (a render may be thrown away), and in the insertion
  // effect, the first to run in a commit: before any layout or passive effect could make the store call back.
  useInsertionEffect(() => {
    store.options = options
    latest.store = store
  })
  // The server snapshot is the store's own: a store made during server rendering or hydration has not
  // subscribed yet, so it gives the initial state (connecting, no data) and nothing connects.
  return {
    ...useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot),
    close: latest.close,
    reconnect: latest.reconnect,
  }
}

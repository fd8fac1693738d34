import { CLOSED } from './ready-state'
import { connect, type EventSourceInit, type SourceConnection, type SourceListener } from './source-connection'

/*
 * The registry: connections shared by key, reference-counted, as SWR shares a subscription and as
 * TanStack Query's queryCache holds queries. It knows nothing of event names, parsing or snapshots (the
 * store's job). How a connection is made is `share()`'s `open` argument: `connect()` unless told
 * otherwise, which is where another transport (one tab holding the real connection, the others fed over
 * a BroadcastChannel) plugs in.
 */

interface Entry {
  connection: SourceConnection
  listeners: Set<SourceListener>
  timer?: ReturnType<typeof setTimeout>
}

const entries = new Map<string, Entry>()

/**
 * The key a connection is shared under: two requests that would differ must never get the same one.
 * Compared by value: the `url`, `withCredentials`, the `reconnect` policy, a `headers` object and the
 * `idleTimeout`. A `headers` function is not compared (every function is the same "a function"), so the
 * first subscriber's one is used (a `retryStatus` function neither). This is the one place the key is made: whatever else makes two requests
 * differ (a `method`, a `body`) belongs here.
 *
 * @example
 * ```ts
 * sharingKey('/api/feed', { reconnect: { delay: 1000 } }) === sharingKey('/api/feed', { reconnect: { delay: 1000 } }) // true
 * ```
 * @internal
 */
export function sharingKey(url: string, init: EventSourceInit): string {
  return JSON.stringify([
    url,
    !!init.withCredentials,
    init.reconnect,
    typeof init.headers === 'function' || init.headers,
    (init.method ?? 'GET').toUpperCase(),
    // Two requests are one stream only if they ask the same: a body that is not text is never shared.
    init.body == null ? null : typeof init.body === 'string' ? init.body : ++unshared,
    init.idleTimeout,
  ])
}

/** Numbers the bodies that cannot be compared (bytes, forms, streams), so that each is its own key. */
let unshared = 0

/**
 * Joins the connection shared under {@link sharingKey}`(url, init)`, opened for the first listener (or
 * when the previous one closed for good) and closed a tick after the last one leaves. `open` makes it
 * (defaults to {@link connect}; a given one, as `acrossTabs()`'s, is shared under a key of its own), given the listener that relays to every member; each member's callbacks
 * are isolated, so one that throws costs the others nothing (it is rethrown from a timer, the way a
 * throwing event listener is reported). Returns the connection and the leave function.
 *
 * @example
 * ```ts
 * const [connection, leave] = share('/api/feed', { reconnect: false }, { onEvent, onState })
 * ```
 * @internal
 */
export function share(
  url: string,
  init: EventSourceInit,
  listener: SourceListener,
  open?: (relay: SourceListener) => SourceConnection,
): [connection: SourceConnection, leave: () => void] {
  // A connection shared across tabs is another thing than this tab's own, even for the same request.
  const key = (open ? 'tabs ' : '') + sharingKey(url, init)
  let entry = entries.get(key)
  if (!entry || entry.connection.state === CLOSED) {
    const listeners = new Set<SourceListener>()
    /** Calls every member, each isolated from the others. */
    const each = (call: (member: SourceListener) => void): void => {
      for (const member of listeners) {
        try {
          call(member)
        } catch (error) {
          // A throwing callback (onMessage...) must not cost the other members this event, nor the
          // connection its stream: report it the way a throwing event listener is reported.
          setTimeout(() => {
            throw error
          })
        }
      }
    }
    entry = {
      connection: (open ?? ((relay) => connect(url, init, relay)))({
        onEvent: (event) => each((member) => member.onEvent(event)),
        onState: (connection) => each((member) => member.onState(connection)),
      }),
      listeners,
    }
    entries.set(key, entry)
  }
  const held = entry
  clearTimeout(held.timer)
  held.listeners.add(listener)
  return [
    held.connection,
    () => {
      // The real close waits a tick: React StrictMode unmounts and remounts at once, and the remount
      // must find this connection instead of opening another.
      if (held.listeners.delete(listener) && !held.listeners.size) {
        held.timer = setTimeout(() => {
          held.connection.close()
          if (entries.get(key) === held) entries.delete(key)
        })
      }
    },
  ]
}

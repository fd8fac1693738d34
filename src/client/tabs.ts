/**
 * One connection per browser (`shareAcrossTabs`): the protocol between the tabs of one origin. Loaded
 * lazily by `use-next-sse/client` the first time a store asks for it, so a bundle that never sets the
 * option never carries it. Not an entry of the package's exports.
 * @module
 */
// Types only (erased at build): this file is its own chunk and takes the code it shares with the client
// as arguments, so that no chunk is split off the client's for it.

import type { SSEError, SSEErrorCode } from '../core'
import type { ParsedEvent } from './parser'
import type { ReadyState } from './ready-state'
import type { sharingKey } from './registry'
import type { connect, EventSourceInit, SourceConnection, SourceListener } from './source-connection'

/*
 * The tab that holds a Web Lock named after the sharing key (the leader) opens the real connection and
 * posts its events and states on a BroadcastChannel of the same name; the other tabs (followers) relay
 * what they hear to their own stores. The lock, not a heartbeat, decides who leads: the browser releases
 * it when the tab closes, navigates away or crashes, and grants it to the next tab that asked, which
 * connects again resuming from the last event id it delivered.
 *
 * Nothing is lost or doubled at a hand-over: the new leader resumes from its own last id, which may be
 * behind what the old leader had already posted to some tab, so the server sends those again. Every tab
 * (the leader too) remembers under which leader (epoch) it delivered each recent id, and drops an id it
 * already delivered under another leader. Only an id an event carries itself counts: an event without
 * one inherits the last id (the one the new leader resumed from) and is always delivered. Within one
 * leader's stream nothing is dropped, so a server that repeats an id is relayed as it is.
 */

/** `EventSource.CONNECTING` and `CLOSED` (fixed by WHATWG, as in ../client/ready-state.ts). */
const CONNECTING: ReadyState = 0
const CLOSED: ReadyState = 2

/**
 * An `SSEError` as it crosses a BroadcastChannel: structured clone keeps an Error's message, not its code.
 *
 * @example
 * ```ts
 * const wire: WireError = { code: 'HTTP_STATUS', message: 'HTTP 500', status: 500 }
 * ```
 */
export interface WireError {
  code: SSEErrorCode
  message: string
  status?: number
}

/** What tabs say to each other on the channel. */
type Message =
  /** A tab joined, at `at` (see {@link now}): the leader answers with its state. */
  | { t: 'hello'; at: number }
  /** `again`: the current state repeated for a tab that said hello, not a change. */
  | { t: 'state'; epoch: number; state: ReadyState; error: WireError | null; url: string; again?: true }
  | { t: 'event'; epoch: number; event: ParsedEvent; own?: boolean }

/** A time comparable between the tabs of one browser, finer than `Date.now()`. */
const now = (): number => performance.timeOrigin + performance.now()

/** How many recent ids each tab remembers to drop a resent event: far more than a hand-over resends. */
const REMEMBERED = 1024

/** The Web Locks API as used here (`navigator.locks`; absent from some TypeScript `lib` settings). */
interface Locks {
  request(name: string, options: { signal: AbortSignal }, grant: () => Promise<void>): Promise<unknown>
}

/**
 * What {@link joinTabs} needs from the client: the request, and the client's own code (passed in, so
 * that this chunk holds nothing the client bundle already has).
 *
 * @example
 * ```ts
 * joinTabs({ url, init, relay, facade, connect, sharingKey, SSEError })
 * ```
 */
export interface TabsOptions {
  url: string
  init: EventSourceInit
  /** Gets this tab's events and states, from its own connection or from the leader's. */
  relay: SourceListener
  /** The connection the registry holds: its `state`, `error` and `url` are this tab's view of the shared one. */
  facade: { state: ReadyState; error: SSEError | null; url: string }
  connect: typeof connect
  sharingKey: typeof sharingKey
  SSEError: typeof SSEError
}

/**
 * Makes `facade` this tab's end of the connection shared by every tab that makes the same request: a
 * follower, and the leader while it holds the lock. Returns the function that leaves (the facade's
 * `close()` calls it); the connection goes on in another tab that uses it, if any. A state closed for
 * good (a fatal status, a policy that gave up) closes it in every tab.
 *
 * Where Web Locks or BroadcastChannel are missing (old browsers, some webviews, workers, Node, jsdom),
 * and for a body that is not text (which tabs cannot compare), this tab connects on its own instead.
 *
 * @example
 * ```ts
 * const leave = joinTabs({ url, init, relay, facade, connect, sharingKey, SSEError })
 * leave()
 * ```
 * @internal
 */
export function joinTabs(options: TabsOptions): () => void {
  const { url, init, relay, facade, connect, sharingKey, SSEError } = options
  const locks = (globalThis.navigator as { locks?: Locks } | undefined)?.locks
  if (!locks || typeof BroadcastChannel !== 'function' || (init.body != null && typeof init.body !== 'string')) {
    const own = connect(url, init, {
      onEvent: (event) => relay.onEvent(event),
      onState(connection) {
        facade.state = connection.state
        facade.error = connection.error
        facade.url = connection.url
        relay.onState(facade as SourceConnection)
      },
    })
    return () => own.close()
  }
  // Two pages of one origin may write one relative URL for different endpoints: tabs compare absolute ones.
  // A `reconnect` function (an EventSource's) is no JSON: it would share a key with the default policy.
  const name = `use-next-sse ${sharingKey(new URL(url, globalThis.location?.href).href, init)}${typeof init.reconnect === 'function' ? ' f' : ''}`
  const channel = new BroadcastChannel(name)
  const quit = new AbortController()
  /** The newest leader's epoch heard of: a state from an older one is stale. */
  let epoch = 0
  /** The last event id this tab delivered: where it resumes if it comes to lead. */
  let lastId = ''
  /** Recent ids, each with the epoch it was first delivered under. */
  const seen = new Map<string, number>()
  /** The real connection, while this tab leads. */
  let real: SourceConnection | undefined
  /** Releases the lock, while this tab leads. */
  let release: (() => void) | undefined
  /** When this tab's connection failed for good, while it leads. */
  let failed = Number.POSITIVE_INFINITY

  /** Leaves: the last store of this tab left (the others go on, under the next tab to get the lock). */
  const leave = (): void => {
    facade.state = CLOSED
    real?.close()
    stop()
  }

  const stop = (): void => {
    quit.abort()
    release?.()
    channel.close()
  }

  const post = (message: Message): void => {
    // After close() (from a listener, in the middle of a chunk) the channel is closed and posting throws.
    if (facade.state !== CLOSED || message.t === 'state') channel.postMessage(message)
  }

  const change = (state: ReadyState, error: SSEError | null, at: string, again = false): void => {
    // What this tab has already seen is not relayed again: a state repeated for a tab that said hello,
    // or a leader starting where this tab already is (connecting, no error). An EventSource would fire
    // `open` or `error` once more for it.
    const same =
      state === facade.state && error?.code === facade.error?.code && error?.message === facade.error?.message
    if (same && (again || (state === CONNECTING && !error))) return
    facade.state = state
    facade.error = error
    facade.url = at
    relay.onState(facade as SourceConnection)
    // Closed for good: every tab closes, as one connection would; a store's reconnect() opens a new one.
    // The leader keeps the lock until then (its hello), or until its stores leave: released now, it
    // could go to a follower that has not heard of the failure yet, which would try again.
    if (state === CLOSED) {
      if (real) failed = now()
      else stop()
    }
  }

  /**
   * Relays `event` unless this tab delivered its id under another leader. Only an id the event carried
   * itself says so: one it inherited (no `id` field) is the last id the new leader resumed from, which
   * this tab has delivered already, under the old leader.
   */
  const deliver = (event: ParsedEvent, from: number, own: boolean): void => {
    const id = event.lastEventId
    if (id && own) {
      const first = seen.get(id)
      if (first !== undefined && first !== from) return
      seen.set(id, from)
      if (seen.size > REMEMBERED) seen.delete(seen.keys().next().value as string)
    }
    lastId = id
    relay.onEvent(event)
  }

  const stateOf = (connection: SourceConnection, mine: number): Extract<Message, { t: 'state' }> => {
    const { error } = connection
    return {
      t: 'state',
      epoch: mine,
      state: connection.state,
      error: error && { code: error.code, message: error.message, status: error.status },
      url: connection.url,
    }
  }

  /** Holds the lock: connects, relays to this tab and posts to the others, until released. */
  const lead = (): Promise<void> =>
    new Promise<void>((released) => {
      release = released
      // Date.now() keeps epochs rising even for a tab that never heard the previous leader.
      const mine = Math.max(epoch + 1, Date.now())
      epoch = mine
      // A new leader's connection starts from the id this tab delivered last: its first request resumes
      // from it, and events without an id of their own inherit it, as on the old leader's connection.
      const connection = connect(
        url,
        init,
        {
          onEvent(event, own) {
            post({ t: 'event', epoch: mine, event, own })
            deliver(event, mine, own !== false)
          },
          onState(connection) {
            post(stateOf(connection, mine))
            change(connection.state, connection.error, connection.url)
          },
        },
        lastId,
      )
      real = connection
      post(stateOf(connection, mine))
      change(CONNECTING, null, url)
    })

  channel.onmessage = ({ data: message }: MessageEvent<Message>) => {
    if (message.t === 'hello') {
      // A new connection after a failure for good (a reconnect() in some tab) asks for the lock. A hello
      // sent before the failure is not one: its tab is a follower about to hear of the failure.
      if (real && facade.state === CLOSED) message.at >= failed && stop()
      else if (real) post({ ...stateOf(real, epoch), again: true })
    } else if (message.t === 'event') {
      // Also an old leader's, arriving after this tab took over: delivered once, whoever sends it again.
      epoch = Math.max(epoch, message.epoch)
      // A tab of an older release posts no `own`: its events are judged by their id, as it did.
      deliver(message.event, message.epoch, message.own !== false)
    } else if (!real && message.epoch >= epoch) {
      epoch = message.epoch
      const { error } = message
      change(
        message.state,
        error && new SSEError(error.code, error.message, { status: error.status }),
        message.url,
        message.again,
      )
    }
  }

  channel.postMessage({ t: 'hello', at: now() } satisfies Message)
  locks
    .request(name, { signal: quit.signal }, () => (facade.state === CLOSED ? Promise.resolve() : lead()))
    // Aborted: this tab's last store left (or the connection closed for good) before it came to lead.
    .catch(() => {})
  return leave
}

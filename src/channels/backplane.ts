/** One event as a backplane stores and delivers it. */
export interface BackplaneEvent {
  /** Unique and increasing within a channel; written as the SSE `id`, so it is what clients resume from. */
  id: string
  /** The payload, already serialised (JSON text on one line). */
  data: string
  /** The SSE event type; absent means `message`. */
  event?: string
}

/** How much history a channel keeps for clients that reconnect. */
export interface Retention {
  /** Keep at most this many events. Defaults to 1000. */
  maxEvents?: number
  /**
   * Drop events older than this many ms. Default: no age limit. Give every instance of a channel the
   * same value. The backplanes also let a room that goes quiet disappear: the memory backplane drops
   * history past `maxAge` within 30 s without another publish; on Redis every publish sets the stream's
   * expiry to `maxAge` plus a second, so the key is gone once its newest event is that old.
   */
  maxAge?: number
}

/** Events after a given id, and whether that is all of them. */
export interface HistoryResult {
  /** Oldest first. */
  events: BackplaneEvent[]
  /**
   * False when some events after the requested id are gone (trimmed by retention) or the id is not one
   * this backplane issued (another process, a restart): `events` then holds everything still retained.
   */
  complete: boolean
}

/**
 * Where a channel's events live and how they travel between server instances. The in-memory default
 * serves one process; `createRedisBackplane` (from `use-next-sse/redis`) serves many. Implement this
 * to use anything else (a database, NATS, a Durable Object).
 *
 * A backplane must deliver each channel's events to subscribers in id order, each once, and its
 * `history` must agree with what subscribers saw: the channel relies on both for gapless resume.
 *
 * A client's `Last-Event-ID` is untrusted input. Say which ids are yours with `isId` (shape and range,
 * no I/O), and answer any other id that reaches `history` with what is retained and `complete: false`:
 * the channel then sends the client the `gap` signal, what is retained and live events. Reject from
 * `history` only when the store itself failed; the channel closes the stream and the client retries with
 * the same id, so a rejection caused by the id would repeat forever.
 *
 * @example
 * ```ts
 * const backplane: Backplane = {
 *   publish: (channel, event, retention) => myStore.append(channel, event, retention), // resolves with the id
 *   subscribe: (channel, listener) => myStore.tail(channel, listener), // returns unsubscribe
 *   history: (channel, afterId) => myStore.after(channel, afterId), // { events, complete }
 *   compare: (a, b) => Number(a) - Number(b),
 *   isId: (id) => /^\d{1,15}$/.test(id), // anything else is foreign: a gap, never a query
 * }
 * ```
 */
export interface Backplane {
  /** Appends an event, delivers it to every subscriber everywhere, and resolves with its id. */
  publish(channel: string, event: Omit<BackplaneEvent, 'id'>, retention: Retention): string | Promise<string>
  /**
   * Calls `listener` with every event published from now on, in order, until the returned function is
   * called. "From now" must not start later than a `history` call made after this one returns.
   */
  subscribe(channel: string, listener: (event: BackplaneEvent) => void): () => void
  /**
   * The retained events with an id after `afterId`. With `afterId` `null` (an id {@link Backplane.isId}
   * refused), everything retained, with `complete: false`. An id this backplane did not issue or cannot
   * read is the client's problem, not a failure: answer it with what is retained and `complete: false`,
   * never a rejection. That includes ids `isId` accepts but the store does not know (ahead of the
   * stream, from another store or an earlier life of the key). A rejection means the backplane itself
   * failed (connection lost, timeout): the channel then closes the stream so that the client retries.
   * Events past `retention` are not retained, even while the store still holds them.
   */
  history(channel: string, afterId: string | null, retention: Retention): HistoryResult | Promise<HistoryResult>
  /**
   * Whether `id` could be one of this backplane's ids (its shape and range). Optional; when present,
   * the channel never passes an id it refuses to `history`: it asks for what is retained instead
   * (`afterId` `null`) and tells the client about the gap. So garbage from a client (an id out of
   * range, of the wrong shape, kilobytes long) never reaches the store.
   */
  isId?(id: string): boolean
  /**
   * Orders two ids of one channel (negative, zero, positive). A resuming connection uses it to skip
   * live events it already got through history or from another instance.
   */
  compare(a: string, b: string): number
}

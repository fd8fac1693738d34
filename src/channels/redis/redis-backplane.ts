/*
 * The Redis Streams backplane. Why Streams rather than Pub/Sub: a stream entry has an id that orders it
 * among all events of the channel and serves directly as the SSE `id`; `XRANGE` replays from any id, so
 * a client resumes on whichever instance it reconnects to; and a reader that loses its connection
 * resumes with `XREAD` from the last id it saw, where Pub/Sub would silently drop what was published
 * meanwhile. `XADD MAXLEN ~` bounds the history, and `XINFO STREAM` tells whether entries were trimmed,
 * so a client whose id is older than what is left gets a gap report instead of a silent hole. With a
 * `maxAge`, every publish also sets the stream's expiry, so a room that goes quiet leaves no key behind.
 */

import { SSEError } from '../../core'
import type { Backplane, BackplaneEvent, HistoryResult } from '../backplane'
import { discard, sleep, within } from './guards'
import { compareIds, type Entry, infoOf, isStreamId, msOf, streamsOf, toEvent } from './replies'

/** The node-redis client methods this backplane uses (v4 and v5 both fit). */
export interface RedisClientLike {
  sendCommand(args: string[]): Promise<unknown>
  duplicate(): RedisClientLike
  connect(): Promise<unknown>
  on(event: 'error', listener: (error: unknown) => void): unknown
  destroy?(): void
  disconnect?(): Promise<void>
}

/** Options of {@link createRedisBackplane}. */
export interface RedisBackplaneOptions {
  /** A node-redis client (`createClient()`), connected or not: it is used for writes and history; a duplicate reads. */
  client: RedisClientLike
  /** Prefix of the stream keys. Defaults to `'sse:'`. */
  prefix?: string
  /** How long one blocking `XREAD` waits, in ms. Defaults to 10000. New subscriptions interrupt it. */
  block?: number
  /**
   * How long Redis may take to answer the reader beyond `block`, in ms, before its connection is
   * counted dead, reported and replaced. A half-open TCP connection (a host gone without a reset)
   * never fails on its own. Defaults to 5000.
   */
  timeout?: number
  /** Where failures go (connection lost, a command refused). They are retried; defaults to `console.error`. */
  onError?: (error: SSEError) => void
}

/** A {@link Backplane} that can be shut down. */
export interface RedisBackplane extends Backplane {
  /** Stops reading and closes the reader connection (the client you passed stays yours). */
  close(): Promise<void>
}

/**
 * Stream ids and key expiries follow Redis's clock; the age trim and history judge age by this server's.
 * A second absorbs the skew between them, so a stream never expires while a server still counts its
 * newest event as young (NTP keeps hosts far closer than that).
 */
const EXPIRY_MARGIN = 1000

/**
 * Creates a Redis Streams backplane: give it to `createChannel({ backplane })` on every instance, and a
 * publish on any instance reaches the connections of all of them, with one shared history. Each
 * channel is the stream `<prefix><name>`.
 *
 * If Redis restarts, the connection drops or Redis stops answering (for `block` + `timeout` ms), the
 * reader reports the failure to `onError`, opens a fresh connection (with backoff, up to 5 s apart)
 * and resumes from the last id it delivered, so nothing Redis accepted is lost.
 *
 * A channel with `maxAge` gives its stream an expiry of `maxAge` plus a second, refreshed by every
 * publish: a per-user or per-document room that goes quiet leaves no key in Redis. A client resuming
 * there afterwards gets the `gap` signal. Without `maxAge` a stream lives until you delete it.
 *
 * Ids are Redis stream ids (`1733232000000-0`). A `Last-Event-ID` that is not one (out of the 64-bit
 * range, another shape) or that this stream never issued gets the `gap` signal, what is retained, then
 * live events; only Redis failing closes a stream.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createChannel } from 'use-next-sse/server'
 * import { createRedisBackplane } from 'use-next-sse/redis'
 *
 * const client = createClient({ url: process.env.REDIS_URL })
 * client.on('error', (e) => console.error(e))
 * await client.connect()
 * export const chat = createChannel({ name: 'chat', backplane: createRedisBackplane({ client }) })
 * ```
 */
export function createRedisBackplane(options: RedisBackplaneOptions): RedisBackplane {
  const { client, prefix = 'sse:', block = 10_000, timeout = 5000 } = options
  const report = (message: string, cause?: unknown) => {
    const error = new SSEError('BACKPLANE', message, { cause })
    try {
      ;(options.onError ?? console.error)(error)
    } catch {
      console.error(error)
    }
  }

  const listeners = new Map<string, Set<(event: BackplaneEvent) => void>>()
  /** Stream key → last id delivered; only keys whose start position is known are read. */
  const cursors = new Map<string, string>()
  let reader: RedisClientLike | undefined
  let readerId: string | undefined
  let loop: Promise<void> | undefined
  let wake: (() => void) | undefined
  let closed = false

  const interrupt = () => {
    if (wake) {
      wake()
      wake = undefined
    } else if (readerId !== undefined) {
      // The reader is blocked in XREAD on the old key set: make it return now and read the new one too.
      client.sendCommand(['CLIENT', 'UNBLOCK', readerId]).catch(() => {})
    }
  }

  async function read(): Promise<void> {
    let failures = 0
    while (!closed) {
      if (cursors.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        continue
      }
      const keys = [...cursors.keys()]
      let reply: unknown
      try {
        if (reader === undefined) {
          reader = client.duplicate()
          reader.on('error', () => {}) // reported by the failing command below, once, not per retry
          await within(reader.connect(), timeout, 'the connection of its reader')
        }
        readerId ??= String(await within(reader.sendCommand(['CLIENT', 'ID']), timeout, 'CLIENT ID'))
        const xread = ['XREAD', 'COUNT', '1000', 'BLOCK', String(block), 'STREAMS', ...keys]
        for (const key of keys) xread.push(cursors.get(key) as string)
        reply = await within(reader.sendCommand(xread), block + timeout, 'XREAD')
        failures = 0
      } catch (error) {
        if (closed) return
        report('Reading from Redis failed; retrying from the last id delivered.', error)
        // A fresh connection rather than the failed one: whatever the old one still had queued or in
        // flight is dropped with it, and the new one gets a new client id.
        const failed = reader
        reader = undefined
        readerId = undefined
        if (failed) void discard(failed)
        await sleep(Math.min(5000, 100 * 2 ** failures++))
        continue
      }
      for (const [key, entries] of streamsOf(reply)) {
        const set = listeners.get(key)
        if (!cursors.has(key) || set === undefined) continue
        for (const entry of entries) {
          cursors.set(key, entry[0])
          const event = toEvent(entry)
          for (const listener of set) {
            try {
              listener(event)
            } catch (error) {
              report(`A listener of "${key}" threw.`, error)
            }
          }
        }
      }
    }
  }

  return {
    async publish(channel, event, { maxEvents = 1000, maxAge }) {
      const key = prefix + channel
      const args = ['XADD', key, 'MAXLEN', '~', String(maxEvents), '*', 'data', event.data]
      if (event.event !== undefined) args.push('event', event.event)
      const id = String(await client.sendCommand(args))
      if (maxAge !== undefined) {
        // Neither is awaited: the event is stored and delivered already. A failure only leaves the cleanup
        // to the next publish, and is reported. (Sent after XADD succeeded, so a key of another type that
        // happens to share the name is never given an expiry.)
        client
          // Exact, unlike MAXLEN ~: an approximate MINID keeps old entries that share a node with new ones.
          .sendCommand(['XTRIM', key, 'MINID', String(Date.now() - maxAge)])
          .catch((error) => report(`Trimming "${key}" by age failed.`, error))
        // Once its newest event is older than maxAge the stream retains nothing: let Redis drop the key,
        // so per-user or per-document rooms that go quiet do not stay in Redis forever.
        client
          .sendCommand(['PEXPIRE', key, String(maxAge + EXPIRY_MARGIN)])
          .catch((error) => report(`Setting the expiry of "${key}" failed.`, error))
      }
      return id
    },

    subscribe(channel, listener) {
      const key = prefix + channel
      let set = listeners.get(key)
      if (set === undefined) {
        set = new Set()
        listeners.set(key, set)
        const mine = set
        // The start position is read on the same connection as later history reads, so Redis answers
        // it first: live delivery never starts after a history read made after subscribe() returned.
        const start = async (): Promise<void> => {
          for (let failures = 0; !closed && listeners.get(key) === mine; failures++) {
            try {
              const last = (await client.sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', '1'])) as Entry[]
              if (listeners.get(key) !== mine) return
              cursors.set(key, last[0]?.[0] ?? '0-0')
              loop ??= read()
              interrupt()
              return
            } catch (error) {
              report(`Subscribing to "${key}" failed; retrying.`, error)
              await sleep(Math.min(5000, 100 * 2 ** failures))
            }
          }
        }
        void start()
      }
      set.add(listener)
      return () => {
        const current = listeners.get(key)
        if (current === undefined || !current.delete(listener) || current.size > 0) return
        listeners.delete(key)
        cursors.delete(key)
      }
    },

    async history(channel, afterId, { maxEvents = 1000, maxAge }): Promise<HistoryResult> {
      const key = prefix + channel
      // Older than maxAge by this server's clock, as the trim on publish judges it: between two publishes
      // (or before the key expires) such events are still in the stream, but no longer retained.
      const oldest = maxAge === undefined ? undefined : Date.now() - maxAge
      const young = ([id]: Entry) => oldest === undefined || msOf(id) >= oldest
      const retained = async (): Promise<HistoryResult> => {
        const latest = (await client.sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', String(maxEvents)])) as Entry[]
        return { events: latest.reverse().filter(young).map(toEvent), complete: false }
      }
      // Not an id of this backplane (the channel asks with null, but a direct caller may not): a gap.
      if (afterId === null || !isStreamId(afterId)) return retained()
      // XRANGE before XINFO: a trim in between then shows as a (harmless) gap instead of hiding one. The
      // range starts at afterId itself, dropped below: the exclusive `(afterId` fails for the largest id,
      // which has no successor, and a client can send that id.
      const [range, info] = await Promise.all([
        client.sendCommand(['XRANGE', key, afterId, '+']) as Promise<Entry[]>,
        client.sendCommand(['XINFO', 'STREAM', key]).then(infoOf, (error: unknown) => {
          if (/no such key/i.test(String((error as Error | undefined)?.message ?? error))) return undefined
          throw error
        }),
      ])
      // No stream: never written (the id is from elsewhere) or expired after maxAge (what followed the
      // id is gone). Only 0-0, before everything, has missed nothing.
      if (info === undefined) return { events: [], complete: compareIds(afterId, '0-0') === 0 }
      const last = String(info['last-generated-id'] ?? '0-0')
      // An id ahead of the stream comes from another Redis (or one restarted without persistence): it
      // orders nothing here, so the client gets what is retained, as for any foreign id.
      if (compareIds(afterId, last) > 0) return retained()
      const after = range[0] !== undefined && compareIds(range[0][0], afterId) === 0 ? range.slice(1) : range
      const kept = after.filter(young)
      const events = kept.map(toEvent)
      // Events after the client's id that are too old to replay: a gap.
      if (kept.length < after.length) return { events, complete: false }
      // XDEL records the highest id it removed; a removed entry after the client's id is a gap.
      const deleted = info['max-deleted-entry-id']
      if (typeof deleted === 'string' && compareIds(afterId, deleted) < 0) return { events, complete: false }
      // Trimming records nothing positional (Redis 7.0): the client missed nothing if it had reached the
      // oldest entry left. An id before it was trimmed away, or belongs to an earlier life of this key
      // (expired, deleted, then written again) or to another Redis: report a gap. A rare false alarm (the
      // client saw exactly the last trimmed entry) is better than a silent hole.
      const first = (info['first-entry'] as Entry | null | undefined)?.[0]
      if (first !== undefined && compareIds(afterId, first) >= 0) return { events, complete: true }
      // 0-0 is before everything: complete if nothing was ever trimmed.
      const added = info['entries-added']
      const trimmed = added === undefined ? Number(info.length ?? 0) >= maxEvents : Number(added) > Number(info.length)
      return { events, complete: compareIds(afterId, '0-0') === 0 && !trimmed }
    },

    compare: compareIds,
    isId: isStreamId,

    async close() {
      closed = true
      interrupt()
      const r = reader
      reader = undefined
      if (r) await discard(r)
      await loop?.catch(() => {})
    },
  }
}

/*
 * What the Redis backplane reads back from Redis: stream ids (checked, compared, their time part) and
 * the replies of XREAD and XINFO, in RESP2's arrays or RESP3's maps.
 */
import type { BackplaneEvent } from '../backplane'

/** One stream entry as XRANGE and XREAD return it. */
export type Entry = [id: string, fields: string[]]

const STREAM_ID = /^\d{1,20}-\d{1,20}$/
const MAX_PART = 2n ** 64n - 1n

/**
 * Whether `id` is a stream id Redis can read: two unsigned 64-bit integers. Anything else from a
 * client (`99999999999999999999-0`, three parts, a sign, 8 kB of text) would make XRANGE fail, which
 * must not look like Redis failing: the channel treats it as foreign instead (a gap, then live events).
 */
export function isStreamId(id: string): boolean {
  if (!STREAM_ID.test(id)) return false
  const [ms = '', seq = ''] = id.split('-')
  return BigInt(ms) <= MAX_PART && BigInt(seq) <= MAX_PART
}

/** The time part of a stream id, in ms. */
export const msOf = (id: string) => Number(id.slice(0, id.indexOf('-')))

/** Orders two stream ids (negative, zero or positive), by time, then by sequence. */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number)
  const [bm = 0, bs = 0] = b.split('-').map(Number)
  return am - bm || as - bs
}

/** A stream entry as the event it stores: its id, and its `data` and `event` fields. */
export function toEvent([id, fields]: Entry): BackplaneEvent {
  const event: BackplaneEvent = { id, data: '' }
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'data') event.data = String(fields[i + 1])
    else if (fields[i] === 'event') event.event = String(fields[i + 1])
  }
  return event
}

/** XREAD's reply as [key, entries] pairs, whether the client speaks RESP2 (arrays) or RESP3 (maps). */
export function streamsOf(reply: unknown): [string, Entry[]][] {
  if (reply == null) return []
  if (reply instanceof Map) return [...reply.entries()] as [string, Entry[]][]
  if (Array.isArray(reply)) return reply as [string, Entry[]][]
  return Object.entries(reply as Record<string, Entry[]>)
}

/** XINFO STREAM's reply as an object, from RESP2's flat array or RESP3's map. */
export function infoOf(reply: unknown): Record<string, unknown> {
  if (reply instanceof Map) return Object.fromEntries(reply)
  if (!Array.isArray(reply)) return (reply ?? {}) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1]
  return out
}

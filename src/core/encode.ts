/**
 * The fields of one server-sent event, as {@link encodeEvent} takes them.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export interface EventFields {
  /** The event's data, as text. Line breaks (CR, LF or CRLF) become several `data:` lines. */
  data?: string
  /** The event type the client dispatches (`message` when absent). Must not contain CR or LF. */
  event?: string
  /** The event id, sent back by the client as `Last-Event-ID`. Must not contain CR, LF or NUL; at most 1024 characters. */
  id?: string
  /** The client's reconnection time in ms: an integer from 0 to 2147483647. */
  retry?: number
  /** A comment line, ignored by clients (keeps proxies from timing out). May span several lines. */
  comment?: string
}

const LINE_BREAK = /\r\n|\r|\n/
const CR_OR_LF = /[\r\n]/
const CR_LF_OR_NUL = /[\r\n\0]/

/**
 * Throws the `TypeError` the encoder promises for a value that would break the wire format.
 * The spec gives a line break inside `event:`/`id:` no meaning but "a new field", so writing it
 * would let one field inject others (`event: a\ndata: forged`): refuse, never repair.
 */
export function checkEvent(event: string): string {
  if (typeof event !== 'string' || CR_OR_LF.test(event)) {
    throw new TypeError(`Invalid event name ${JSON.stringify(event)}: "event" must be a string without CR or LF.`)
  }
  return event
}

/**
 * The longest event id, in UTF-16 code units. The client sends the id back as the `Last-Event-ID`
 * header, and servers cap a request's headers (Node at 16 KiB, nginx at 8 KiB a line): a longer id
 * would make every reconnection fail with 431. 1024 leaves room for cookies even in UTF-8.
 */
export const MAX_ID_LENGTH = 1024

/** The longest `retry:`: JavaScript timers take at most 2^31 - 1 ms; a larger delay fires at once. */
export const MAX_RETRY = 2 ** 31 - 1

export function checkId(id: string): string {
  // NUL is refused as well: a conformant client ignores an id field that contains U+0000 (spec 9.2.6).
  if (typeof id !== 'string' || CR_LF_OR_NUL.test(id)) {
    throw new TypeError(`Invalid event id ${JSON.stringify(id)}: "id" must be a string without CR, LF or NUL.`)
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new TypeError(
      `Invalid event id: ${id.length} characters; "id" may have at most ${MAX_ID_LENGTH} (it comes back as a request header).`,
    )
  }
  return id
}

export function checkRetry(retry: number): number {
  if (!Number.isSafeInteger(retry) || retry < 0 || retry > MAX_RETRY) {
    throw new TypeError(
      `Invalid retry ${String(retry)}: "retry" must be an integer of ms from 0 to ${MAX_RETRY} (longer overflows clients' timers).`,
    )
  }
  return retry
}

/** `event:`, `id:` and `retry:` lines, each checked; shared by `encodeEvent` and `send`. */
export function encodeHead(fields: Omit<EventFields, 'data' | 'comment'>): string {
  let out = ''
  if (fields.event !== undefined) out += `event: ${checkEvent(fields.event)}\n`
  if (fields.id !== undefined) out += `id: ${checkId(fields.id)}\n`
  if (fields.retry !== undefined) out += `retry: ${checkRetry(fields.retry)}\n`
  return out
}

function prefixLines(prefix: string, text: string): string {
  // The common case, one line, avoids the split and the join.
  if (!LINE_BREAK.test(text)) return `${prefix}${text}\n`
  return `${prefix}${text.split(LINE_BREAK).join(`\n${prefix}`)}\n`
}

/**
 * Encodes one event as the exact text of the `text/event-stream` wire format, ending with the blank
 * line that dispatches it. Pure and runtime-free: use it to pre-render events, in tests, or to write
 * SSE with any other server.
 *
 * Refuses rather than repairs: an `event` with CR/LF, an `id` with CR/LF/NUL or longer than 1024
 * characters, a `retry` that is not an integer from 0 to 2147483647 (the longest timer delay) or a
 * `data`/`comment` that is not a string throw a `TypeError` naming the field, and nothing is returned. `data` with line breaks becomes several `data:` lines, which the client
 * joins back with `\n` (so CR and CRLF arrive as LF, as the spec defines).
 *
 * A block with only `comment` or `retry` dispatches no event. An empty `data` string does dispatch one,
 * with empty data.
 *
 * @example
 * ```ts
 * import { encodeEvent } from 'use-next-sse/server'
 *
 * encodeEvent({ event: 'update', id: '42', data: 'line 1\nline 2' })
 * // 'event: update\nid: 42\ndata: line 1\ndata: line 2\n\n'
 * encodeEvent({ comment: 'keep-alive' }) // ': keep-alive\n\n'
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
export function encodeEvent(fields: EventFields): string {
  if (typeof fields !== 'object' || fields === null) {
    throw new TypeError('encodeEvent expects an object: encodeEvent({ data, event, id, retry, comment }).')
  }
  let out = ''
  if (fields.comment !== undefined) {
    if (typeof fields.comment !== 'string') throw new TypeError('Invalid comment: "comment" must be a string.')
    out += fields.comment === '' ? ':\n' : prefixLines(': ', fields.comment)
  }
  out += encodeHead(fields)
  if (fields.data !== undefined) {
    if (typeof fields.data !== 'string') {
      throw new TypeError('Invalid data: "data" must be a string here (send() serialises values to JSON).')
    }
    out += prefixLines('data: ', fields.data)
  }
  return `${out}\n`
}

/*
 * The hot-path builders below are the only other places that write the wire format. Each is the
 * `encodeEvent` output for a narrower input, checked the same way, so that `send()` and a channel's
 * broadcast skip the general encoder's line splitting: JSON text never holds a raw line break.
 */

/** The comment a keep-alive tick writes on a silent stream: an empty comment line and a blank line. */
export const KEEP_ALIVE = ':\n\n'

/**
 * The first bytes of every stream, flushed at once so proxies and clients see it open: the `retry:`
 * field when the handler sets one, else an empty comment.
 */
export function encodePreamble(retry?: number): string {
  return retry === undefined ? KEEP_ALIVE : `retry: ${checkRetry(retry)}\n\n`
}

// `send(x, 'counter')` in a loop names the same event every time: the last name checked is remembered.
let lastName = ''
let lastLine = ''

/** The `event:` line for `name` (empty for `''`, which means `message`), checked and cached. */
export function encodeEventLine(name: string): string {
  if (name === '') return ''
  if (name !== lastName) {
    lastLine = `event: ${checkEvent(name)}\n`
    lastName = name
  }
  return lastLine
}

/**
 * One event whose data is a single line of JSON text (what {@link toJSON} returns), after `head`
 * (from {@link encodeHead} or {@link encodeEventLine}).
 */
export function encodeJSONEvent(head: string, json: string): string {
  return `${head}data: ${json}\n\n`
}

/** One event as a channel stores it: an id, an optional type and one line of JSON data, all checked at publish. */
export function encodeStoredEvent(event: { id: string; event?: string; data: string }): string {
  return `id: ${event.id}\n${event.event === undefined ? '' : `event: ${event.event}\n`}data: ${event.data}\n\n`
}

/**
 * `JSON.stringify` for the wire: `undefined` becomes empty data, and values with no JSON form
 * (circular, BigInt, functions, symbols) throw a `TypeError` that says so.
 */
export function toJSON(data: unknown): string {
  if (data === undefined) return ''
  let json: string | undefined
  try {
    json = JSON.stringify(data)
  } catch (error) {
    throw new TypeError(`Invalid data: it cannot be serialised as JSON (${(error as Error).message}).`, {
      cause: error,
    })
  }
  if (json === undefined) {
    throw new TypeError(`Invalid data: a ${typeof data} has no JSON form; send a value JSON.stringify accepts.`)
  }
  return json
}

/**
 * A short stream with a line of each kind the parser's hot paths take (event, id, a single-line event
 * dispatched at once, a two-line one through the data buffer), which the client feeds its parser when it
 * loads, so that the optimizing compiler has seen them all (see client/interpreter.ts). Kept here, with
 * the rest of the wire format.
 * @internal
 */
export const SAMPLE_STREAM = 'event: x\nid: 1\ndata: a\n\ndata: b\ndata: c\n\n'

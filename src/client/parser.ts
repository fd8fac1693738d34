import { SSEError } from '../core'

/**
 * One event, exactly as an `EventSource` dispatches it.
 *
 * @example
 * ```ts
 * // id: 7 / event: update / data: {"n":1} / (blank line)
 * const event: ParsedEvent = { type: 'update', data: '{"n":1}', lastEventId: '7' }
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#dispatchMessage
 */
export interface ParsedEvent {
  /** The `event:` field, or `'message'` when the block had none (or an empty one). */
  type: string
  /** The `data:` lines joined with `\n`. */
  data: string
  /** The last event ID committed when this event was dispatched (`''` when none was ever set). */
  lastEventId: string
}

/**
 * Options of {@link createParser}.
 *
 * @example
 * ```ts
 * const options: ParserOptions = {
 *   onEvent: (event) => console.log(event.data),
 *   onError: (error) => console.warn(error.code), // 'MAX_BUFFER_SIZE'
 *   maxBufferSize: 1024 * 1024,
 * }
 * ```
 */
export interface ParserOptions {
  /** Called for every dispatched event, in order. */
  onEvent: (event: ParsedEvent) => void
  /** Called with the new reconnection time in ms for each valid `retry:` field (ASCII digits only). */
  onRetry?: (ms: number) => void
  /** Called with each comment line's text (after the `:` and one optional space). */
  onComment?: (comment: string) => void
  /**
   * Called instead of throwing when the input is unusable; today only `SSEError` code `MAX_BUFFER_SIZE`.
   * Without it such errors are dropped (the offending event is discarded either way).
   */
  onError?: (error: SSEError) => void
  /**
   * The longest line, and the largest `data` of one event, kept while parsing, in UTF-16 code units.
   * Past it the parser reports `MAX_BUFFER_SIZE` and discards the event instead of growing forever.
   * Defaults to 16 MiB (16777216).
   */
  maxBufferSize?: number
}

/**
 * What {@link createParser} returns.
 *
 * @example
 * ```ts
 * parser.feed(chunk)                 // bytes or text, cut anywhere
 * parser.reset()                     // before reading a new connection of the same source
 * headers.set('last-event-id', parser.lastEventId)
 * ```
 */
export interface Parser {
  /**
   * Parses the next piece of the stream. Bytes are decoded as streaming UTF-8 (a character split across
   * chunks survives; invalid bytes become U+FFFD); strings are taken as already decoded. Pieces may be
   * cut anywhere, even inside a CRLF.
   */
  feed(chunk: Uint8Array | string): void
  /**
   * Prepares for a new connection of the same source: drops any partial line or event, the decoder and
   * the BOM state, and sets the ID buffer back to the committed {@link Parser.lastEventId} (or to
   * `options.lastEventId` when given), as an `EventSource` does when it reconnects.
   */
  reset(options?: { lastEventId?: string }): void
  /** The last event ID committed by a blank line: what an `EventSource` sends as `Last-Event-ID`. */
  readonly lastEventId: string
}

const LF = 10
/** One options object for every decode() call: no allocation per chunk. */
const STREAM = { stream: true }
const SPACE = 32
const COLON = 58
/** Data lines kept as they came (slices of the input) before they are copied into one flat block. */
const BATCH = 512
/** A piece of input at least this long is released at its end: the data lines cut from it are copied. */
const RELEASE = 4096

/** Whether the line at `i` starts with `data:` (char codes: no substring for the most common line). */
function isData(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 100 &&
    s.charCodeAt(i + 1) === 97 &&
    s.charCodeAt(i + 2) === 116 &&
    s.charCodeAt(i + 3) === 97 &&
    s.charCodeAt(i + 4) === COLON
  )
}

/**
 * Creates a streaming parser for `text/event-stream`, exactly the WHATWG "event stream interpretation":
 * lines end in CRLF, LF or CR; `data`, `event`, `id` (ignored when it contains U+0000) and `retry` (ASCII
 * digits only) fields; unknown fields ignored; one space after the colon stripped; `:` starts a comment;
 * a blank line commits the ID buffer, then dispatches the event if it has data. An unterminated event at
 * the end of input is never dispatched (simply stop feeding). One leading BOM is stripped.
 *
 * Errors in the input are reported through `onError`, never thrown. Misuse (`feed(42)`) throws a
 * `TypeError`.
 *
 * @example
 * ```ts
 * import { createParser } from 'use-next-sse/client'
 *
 * const parser = createParser({
 *   onEvent: ({ type, data, lastEventId }) => console.log(type, data, lastEventId),
 *   onRetry: (ms) => console.log('reconnect after', ms),
 * })
 * for await (const chunk of response.body!) parser.feed(chunk)
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function createParser(options: ParserOptions): Parser {
  if (typeof options?.onEvent !== 'function') {
    throw new TypeError('Pass createParser({ onEvent(event) {} }).')
  }
  const parser = interpret(options)
  const { feed } = parser
  parser.feed = (chunk) => {
    if (typeof chunk !== 'string' && !ArrayBuffer.isView(chunk)) {
      throw new TypeError('Pass parser.feed() a Uint8Array or a string.')
    }
    feed(chunk)
  }
  return parser
}

/**
 * {@link createParser} without its misuse checks, for a caller that cannot misuse it: the connection,
 * which feeds it a fetch body's `Uint8Array`s. The checks stay at the public edge, so a bundle that
 * never hands a parser to a user (`useSSE`'s) does not carry them.
 * @internal
 */
export function interpret(options: ParserOptions): Parser {
  const { onEvent, onRetry, onComment, onError, maxBufferSize: max = 16 * 1024 * 1024 } = options

  let decoder: TextDecoder | undefined
  /** No text seen yet since the start or a reset: a leading U+FEFF is a BOM. */
  let bom = true
  /** The last piece ended with CR: an LF starting the next piece belongs to the same line end. */
  let cr = false
  /**
   * A line whose end has not arrived yet, in two parts: its first piece (made at least 6 characters
   * long when it can, enough to recognise `data: `) and the rest, appended as a rope. So a long `data:`
   * line split over many pieces is never flattened by the parser: its value stays a rope. (Flattening a
   * 100 KiB rope costs more than parsing it, mostly in large-object allocation.)
   */
  let head = ''
  let rest = ''
  /** Discarding the rest of an overlong line. */
  let skipping = false
  /** The current event overflowed: its data lines are ignored until the blank line. */
  let dropping = false
  /**
   * The data buffer, in two parts, so that it costs about its own size, whatever the number of lines.
   * `parts`: the latest data lines as they came, slices of the input (each keeps its whole input piece
   * alive) or ropes. `blocks`: earlier lines copied into flat strings, `BATCH` lines at a time, and at
   * the end of every input piece of `RELEASE` characters or more. Joined once, at dispatch. (One rope
   * of `data + "\n" + value` instead held every input piece and two rope nodes per line: 5.8x the data
   * for 20-character lines, 32x for 1-character ones.)
   */
  const parts: string[] = []
  const blocks: string[] = []
  /** The length of the lines in `parts`: whether they are worth copying out of their input piece. */
  let partsSize = 0
  /** The data buffer's length in UTF-16 code units, the `\n` between lines included. */
  let size = 0
  /** Whether the data buffer is non-empty (a `data` line with an empty value still makes it `"\n"`). */
  let hasData = false
  let type = ''
  /** The spec's "last event ID buffer": set by `id:`, committed by the next blank line. */
  let idBuffer = ''
  let lastEventId = ''

  /** Empties the data buffer. */
  const clear = (): void => {
    // Emptied in place, and the usual single line by `pop()`: setting `length` (or a new pair of arrays)
    // per event costs small events a quarter of their time.
    if (parts.length === 1) parts.pop()
    else if (parts.length) parts.length = 0
    if (blocks.length) blocks.length = 0
    size = partsSize = 0
    hasData = false
  }

  /** Copies the pending data lines into one flat block, letting go of the input they were cut from. */
  const settle = (): void => {
    if (parts.length) {
      blocks.push(parts.join('\n'))
      parts.length = 0
      partsSize = 0
    }
  }

  const overflow = (): void => {
    dropping = true
    clear()
    onError?.(new SSEError('MAX_BUFFER_SIZE', `Event dropped: over maxBufferSize (${max})`))
  }

  /**
   * The blank line (9.2.6 "dispatch the event"): the ID is committed first, even if nothing dispatches.
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#dispatchMessage
   */
  const dispatch = (): void => {
    lastEventId = idBuffer
    if (hasData) {
      if (blocks.length) settle()
      // A single data line stays its own slice: no copy.
      const data = blocks.length ? blocks.join('\n') : parts.length === 1 ? parts[0]! : parts.join('\n')
      const event = { type: type || 'message', data, lastEventId }
      type = ''
      clear()
      // Last, so that onEvent may feed or reset the parser.
      onEvent(event)
    } else {
      type = ''
      dropping = false
    }
  }

  /** "Process the field" for `data`: append the value, and a LF before it unless it is the first (9.2.6). */
  const appendData = (value: string): void => {
    if (dropping) return
    size = hasData ? size + 1 + value.length : value.length
    hasData = true
    if (size > max) overflow()
    else {
      parts.push(value)
      partsSize += value.length
      if (parts.length === BATCH) settle()
    }
  }

  /**
   * The spec's steps for one line, `s` from `start` to `end`, that is neither blank nor a `data:` line
   * (those two, the hot paths, are inlined in {@link parseLines}): a line starting with a colon is a
   * comment ("ignore the line", after giving it to `onComment`); any other line names a field: "collect"
   * the field name before the first colon and the value after it (one leading space removed; no colon:
   * the whole line is the name, the value empty), then "process the field" (9.2.6).
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
   */
  const processLine = (s: string, start: number, end: number): void => {
    const c = s.charCodeAt(start)
    if (c === COLON) {
      onComment?.(s.slice(s.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1, end))
      return
    }
    // Compare the field name in place, then cut the value: the first colon splits, one space goes.
    // Then "process the field": unknown field names, and lines naming no field, are ignored (9.2.6).
    const name = c === 100 ? 'data' : c === 101 ? 'event' : c === 105 ? 'id' : c === 114 ? 'retry' : ''
    let from = start + name.length
    if (!name || !s.startsWith(name, start) || (from < end && s.charCodeAt(from++) !== COLON)) return
    if (from < end && s.charCodeAt(from) === SPACE) from++
    const value = from < end ? s.slice(from, end) : ''
    if (c === 100) appendData(value)
    else if (c === 101) type = value
    // An id with NUL could never be sent back as a header, so the spec ignores it.
    else if (c === 105) idBuffer = value.includes('\0') ? idBuffer : value
    else if (onRetry && /^\d+$/.test(value)) onRetry(+value)
  }

  /**
   * "The stream must then be parsed by reading everything line by line" (9.2.6): every line that ends
   * in this piece of decoded text (at CRLF, LF or CR, a CRLF possibly split between two pieces) is
   * processed in order, and the unterminated tail is kept for the next piece. The first piece of a
   * stream loses one leading BOM (9.2.5).
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
   */
  const parseLines = (s: string): void => {
    const n = s.length
    let i = 0
    if (!n) return
    if (bom) {
      bom = false
      if (s.charCodeAt(0) === 0xfeff) i = 1
    }
    if (cr) {
      cr = false
      if (s.charCodeAt(i) === LF) i++
    }
    // The next CR and LF at or after i, each found once and reused until passed: a piece is scanned
    // by indexOf, never char by char, and an LF-only stream never searches for CR again.
    let crAt = s.indexOf('\r', i)
    let lfAt = s.indexOf('\n', i)
    while (crAt !== -1 || lfAt !== -1) {
      let end = lfAt
      let next = end + 1
      if (crAt !== -1 && (lfAt === -1 || crAt < lfAt)) {
        end = crAt
        next = end + 1
        // A CR ending the piece may be half of a CRLF: remember to skip an LF starting the next one.
        if (next === n) cr = true
        else if (s.charCodeAt(next) === LF) next++
        crAt = s.indexOf('\r', next)
      }
      if (head || skipping) {
        // The line that straddles pieces: only it is joined, the rest of this piece is parsed in place.
        const tail = s.slice(i, end)
        if (skipping) skipping = false
        else if (head.length + rest.length + tail.length > max) overflow()
        else if (head.length > 5 && isData(head, 0))
          appendData(head.slice(head.charCodeAt(5) === SPACE ? 6 : 5) + rest + tail)
        else {
          const text = head + rest + tail
          processLine(text, 0, text.length)
        }
        head = rest = ''
      } else if (i === end) dispatch()
      else if (isData(s, i)) {
        const value = s.slice(s.charCodeAt(i + 5) === SPACE ? i + 6 : i + 5, end)
        if (!hasData && !dropping && end === lfAt && s.charCodeAt(next) === LF && value.length <= max) {
          // `data: x\n\n`, the typical event: dispatched at once, without touching the data buffer.
          next++
          lastEventId = idBuffer
          const event = { type: type || 'message', data: value, lastEventId }
          type = ''
          onEvent(event)
        } else appendData(value)
      } else processLine(s, i, end)
      i = next
      if (lfAt !== -1 && lfAt < i) lfAt = s.indexOf('\n', i)
    }
    // The data lines cut from a large piece would keep all of it alive: copy them, and let it go.
    // Only when they are a small part of it: lines that make up most of the piece cost little more than
    // their copy would (a large event in large chunks), and copying them twice would halve its speed.
    if (n >= RELEASE && partsSize * 2 < n) settle()
    // Keep the unterminated tail. Appending makes a rope in every engine, so a huge line stays linear.
    if (i < n && !skipping) {
      const tail = i ? s.slice(i) : s
      if (head.length < 6) head += tail
      else rest += tail
      if (head.length + rest.length > max) {
        head = rest = ''
        skipping = true
        overflow()
      }
    }
  }

  return {
    feed(chunk) {
      if (typeof chunk === 'string') return parseLines(chunk)
      // ignoreBOM: the parser strips the BOM itself, once, whatever mix of bytes and strings it is fed.
      decoder ??= new TextDecoder('utf-8', { ignoreBOM: true })
      parseLines(decoder.decode(chunk, STREAM))
    },
    reset(opts) {
      decoder = undefined
      bom = true
      cr = skipping = dropping = false
      clear()
      head = rest = type = ''
      lastEventId = opts?.lastEventId ?? lastEventId
      idBuffer = lastEventId
    },
    get lastEventId() {
      return lastEventId
    },
  }
}

/*
 * The event stream interpretation of the WHATWG spec (9.2.6). A class, with one instance kept for the
 * module's life (see the end of this file), so that its optimized code survives garbage collection.
 */
import { SAMPLE_STREAM, SSEError } from '../core'
import { DataBuffer } from './data-buffer'
import type { ParsedEvent, Parser, ParserOptions } from './parser'
import { Utf8Stream } from './utf8'

const LF = 10
const CR = 13
const SPACE = 32
const COLON = 58

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

/** Whether the line at `i` starts with `event:`. */
function isEvent(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 101 &&
    s.charCodeAt(i + 1) === 118 &&
    s.charCodeAt(i + 2) === 101 &&
    s.charCodeAt(i + 3) === 110 &&
    s.charCodeAt(i + 4) === 116 &&
    s.charCodeAt(i + 5) === COLON
  )
}

/** Whether `s` holds `word` at `at`: char codes compared in place, no substring, no builtin call. */
function holds(s: string, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (s.charCodeAt(at + k) !== word.charCodeAt(k)) return false
  return true
}

/**
 * {@link ParserOptions} as the connection gives them: its `onEvent` also hears whether the event's block
 * had an `id` field of its own, or inherited the last event ID (which the cross-tab relay must not take
 * for a resend).
 * @internal
 */
export interface InterpreterOptions extends Omit<ParserOptions, 'onEvent'> {
  onEvent: (event: ParsedEvent, ownId: boolean) => void
}

/**
 * The parser behind {@link createParser}, without its misuse checks: for a caller that cannot misuse it
 * (the connection, which feeds it a fetch body's `Uint8Array`s), so that a bundle that never hands a
 * parser to a user (`useSSE`'s) does not carry them.
 * @internal
 */
export class Interpreter implements Parser {
  /** One instance kept as long as the class: see the end of this file. */
  static kept: Interpreter | undefined
  readonly #onEvent: (event: ParsedEvent, ownId: boolean) => void
  readonly #onRetry: ((ms: number) => void) | undefined
  readonly #onComment: ((comment: string) => void) | undefined
  readonly #onError: ((error: SSEError) => void) | undefined
  readonly #max: number

  #utf8: Utf8Stream | undefined = undefined
  /** No text seen yet since the start or a reset: a leading U+FEFF is a BOM. */
  #bom = true
  /** The last piece ended with CR: an LF starting the next piece belongs to the same line end. */
  #cr = false
  /**
   * A line whose end has not arrived yet, in two parts: its first piece (made at least 6 characters
   * long when it can, enough to recognise `data: `) and the rest, appended as a rope. So a long `data:`
   * line split over many pieces is never flattened by the parser: its value stays a rope. (Flattening a
   * 100 KiB rope costs more than parsing it, mostly in large-object allocation.)
   */
  #head = ''
  #rest = ''
  /** Discarding the rest of an overlong line. */
  #skipping = false
  /** The current event overflowed: its data lines are ignored until the blank line. */
  #dropping = false
  /** The data lines of the event being read. */
  readonly #data = new DataBuffer()
  #type = ''
  /** The spec's "last event ID buffer": set by `id:`, committed by the next blank line. */
  #idBuffer = ''
  /** The current block set the ID buffer itself (an `id` field): its event does not just inherit it. */
  #ownId = false
  #committed = ''

  constructor(options: InterpreterOptions) {
    this.#onEvent = options.onEvent
    this.#onRetry = options.onRetry
    this.#onComment = options.onComment
    this.#onError = options.onError
    this.#max = options.maxBufferSize ?? 16 * 1024 * 1024
  }

  /** The last event ID committed by a blank line. */
  get lastEventId(): string {
    return this.#committed
  }

  feed(chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') this.#parseLines(chunk)
    else {
      this.#utf8 ??= new Utf8Stream()
      const utf8 = this.#utf8
      const text = utf8.decode(chunk)
      if (utf8.head) this.#parseLines(utf8.head)
      this.#parseLines(text)
    }
  }

  reset(options?: { lastEventId?: string }): void {
    this.#utf8 = undefined
    this.#bom = true
    this.#cr = this.#skipping = this.#dropping = false
    this.#data.clear()
    this.#head = this.#rest = this.#type = ''
    this.#committed = options?.lastEventId ?? this.#committed
    this.#idBuffer = this.#committed
    this.#ownId = false
  }

  #overflow(): void {
    this.#dropping = true
    this.#data.clear()
    this.#onError?.(new SSEError('MAX_BUFFER_SIZE', `Event dropped: over maxBufferSize (${this.#max})`))
  }

  /**
   * The blank line (9.2.6 "dispatch the event"): the ID is committed first, even if nothing dispatches.
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#dispatchMessage
   */
  #dispatch(): void {
    this.#committed = this.#idBuffer
    if (this.#data.hasData) {
      const event = { type: this.#type || 'message', data: this.#data.take(), lastEventId: this.#committed }
      const own = this.#ownId
      this.#type = ''
      this.#ownId = false
      // Last, so that onEvent may feed or reset the parser.
      this.#onEvent(event, own)
    } else {
      this.#type = ''
      this.#ownId = false
      this.#dropping = false
    }
  }

  /** "Process the field" for `data` (9.2.6), unless the event overflowed already; past `max` it does. */
  #appendData(value: string): void {
    if (!this.#dropping && !this.#data.append(value, this.#max)) this.#overflow()
  }

  /**
   * The spec's steps for one line, `s` from `start` to `end`, that is not one of the hot paths inlined in
   * `parseLines` (blank, `data:`, `event:` and `id:` lines): a line starting with a colon is a
   * comment ("ignore the line", after giving it to `onComment`); any other line names a field: "collect"
   * the field name before the first colon and the value after it (one leading space removed; no colon:
   * the whole line is the name, the value empty), then "process the field" (9.2.6).
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
   */
  #processLine(s: string, start: number, end: number): void {
    const c = s.charCodeAt(start)
    if (c === COLON) {
      this.#onComment?.(s.slice(s.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1, end))
      return
    }
    // Compare the field name in place, then cut the value: the first colon splits, one space goes.
    // Then "process the field": unknown field names, and lines naming no field, are ignored (9.2.6).
    const name = c === 100 ? 'data' : c === 101 ? 'event' : c === 105 ? 'id' : c === 114 ? 'retry' : ''
    let from = start + name.length
    if (!name || !holds(s, start, name) || (from < end && s.charCodeAt(from++) !== COLON)) return
    if (from < end && s.charCodeAt(from) === SPACE) from++
    const value = from < end ? s.slice(from, end) : ''
    if (c === 100) this.#appendData(value)
    else if (c === 101) this.#type = value
    // An id with NUL could never be sent back as a header, so the spec ignores it.
    else if (c === 105) {
      if (!value.includes('\0')) {
        this.#idBuffer = value
        this.#ownId = true
      }
    } else if (this.#onRetry && /^\d+$/.test(value)) this.#onRetry(+value)
  }

  /**
   * "The stream must then be parsed by reading everything line by line" (9.2.6): every line that ends
   * in this piece of decoded text (at CRLF, LF or CR, a CRLF possibly split between two pieces) is
   * processed in order, and the unterminated tail is kept for the next piece. The first piece of a
   * stream loses one leading BOM (9.2.5).
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
   */
  #parseLines(s: string): void {
    const n = s.length
    let i = 0
    if (!n) return
    if (this.#bom) {
      this.#bom = false
      if (s.charCodeAt(0) === 0xfeff) i = 1
    }
    if (this.#cr) {
      this.#cr = false
      if (s.charCodeAt(i) === LF) i++
    }
    const max = this.#max
    // The next CR and LF at or after i, each searched only once passed: a piece is scanned by indexOf
    // (memchr speed; a loop over the characters is slower even for short lines), and an LF-only stream
    // never searches for CR again. -1: none left in the piece.
    let crAt = s.indexOf('\r', i)
    let lfAt = s.indexOf('\n', i)
    for (;;) {
      if (crAt !== -1 && crAt < i) crAt = s.indexOf('\r', i)
      if (lfAt !== -1 && lfAt < i) lfAt = s.indexOf('\n', i)
      if (crAt === -1 && lfAt === -1) break
      let end = lfAt
      let next = end + 1
      if (crAt !== -1 && (lfAt === -1 || crAt < lfAt)) {
        end = crAt
        next = end + 1
        // A CR ending the piece may be half of a CRLF: remember to skip an LF starting the next one.
        if (next === n) this.#cr = true
        else if (s.charCodeAt(next) === LF) next++
      }
      if (this.#head || this.#skipping) {
        // The line that straddles pieces: only it is joined, the rest of this piece is parsed in place.
        const head = this.#head
        const rest = this.#rest
        const tail = s.slice(i, end)
        if (this.#skipping) this.#skipping = false
        else if (head.length + rest.length + tail.length > max) this.#overflow()
        else if (head.length > 5 && isData(head, 0))
          this.#appendData(head.slice(head.charCodeAt(5) === SPACE ? 6 : 5) + rest + tail)
        else {
          const text = head + rest + tail
          this.#processLine(text, 0, text.length)
        }
        this.#head = this.#rest = ''
      } else if (i === end) this.#dispatch()
      else if (isData(s, i)) {
        const value = s.slice(s.charCodeAt(i + 5) === SPACE ? i + 6 : i + 5, end)
        const after = s.charCodeAt(next)
        if (!this.#data.hasData && !this.#dropping && (after === LF || after === CR) && value.length <= max) {
          // `data: x` and a blank line, the typical event: dispatched at once, without touching the data
          // buffer. The blank line is consumed here, its CR possibly half of a CRLF.
          next++
          if (after === CR) {
            if (next === n) this.#cr = true
            else if (s.charCodeAt(next) === LF) next++
          }
          this.#committed = this.#idBuffer
          const event = { type: this.#type || 'message', data: value, lastEventId: this.#committed }
          const own = this.#ownId
          this.#type = ''
          this.#ownId = false
          this.#onEvent(event, own)
        } else this.#appendData(value)
      } else if (isEvent(s, i)) {
        // The `event` field, inlined as the second most common line: its value is the type.
        const from = s.charCodeAt(i + 6) === SPACE ? i + 7 : i + 6
        this.#type = from < end ? s.slice(from, end) : ''
      } else if (s.charCodeAt(i) === 105 && s.charCodeAt(i + 1) === 100 && s.charCodeAt(i + 2) === COLON) {
        // The `id` field, inlined too: a stream that resumes sends one with every event. An id with NUL
        // could never be sent back as a header, so the spec ignores it.
        const from = s.charCodeAt(i + 3) === SPACE ? i + 4 : i + 3
        let k = from
        while (k < end && s.charCodeAt(k) !== 0) k++
        if (k === end) {
          this.#idBuffer = s.slice(from, end)
          this.#ownId = true
        }
      } else this.#processLine(s, i, end)
      i = next
    }
    this.#data.release(n)
    // Keep the unterminated tail. Appending makes a rope in every engine, so a huge line stays linear.
    if (i < n && !this.#skipping) {
      const tail = i ? s.slice(i) : s
      if (this.#head.length < 6) this.#head += tail
      else this.#rest += tail
      if (this.#head.length + this.#rest.length > max) {
        this.#head = this.#rest = ''
        this.#skipping = true
        this.#overflow()
      }
    }
  }
}

/*
 * For V8's optimizing compiler, done once when the module loads. Optimized code depends on the hidden
 * classes it saw, which live only as long as an object that has them, and on the callback it saw at each
 * call site, which dies with its parser. So a garbage collection between two parsers' lives (every
 * reconnection, every short stream) threw the parser's optimized code away, and the next one ran its
 * first megabytes in the interpreter and re-optimized them: 1.6 times slower on small events, measured
 * with a collection forced between runs. One parser kept as long as the class keeps its hidden classes
 * alive; two different callbacks make the call sites generic from the start (a real stream's callback
 * differs from parser to parser, so it could never stay inlined anyway). V8 records what a call site
 * sees only once its function has run a few times (8 in V8 11 and 12): hence 16 feeds. (A class rather
 * than closures for the same reason: a closure's optimized code is held by the live closures of its
 * kind, and a parser's closures die with it; a prototype's methods live as long as the class.)
 */
Interpreter.kept = new Interpreter({ onEvent: () => {} })
const other = new Interpreter({ onEvent: (event) => void event })
const warm = new TextEncoder().encode(SAMPLE_STREAM)
for (let i = 0; i < 16; i++) (i % 2 ? other : Interpreter.kept).feed(warm)

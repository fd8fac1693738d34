import type { SSEError } from '../core'
import { Interpreter } from './interpreter'

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
  const parser = new Interpreter(options)
  // Plain functions over the instance, so that `const { feed } = createParser(...)` works too.
  return {
    feed(chunk) {
      if (typeof chunk !== 'string' && !ArrayBuffer.isView(chunk)) {
        throw new TypeError('Pass parser.feed() a Uint8Array or a string.')
      }
      // Any view is read as its bytes, as TextDecoder reads it.
      const view = chunk as ArrayBufferView
      parser.feed(
        typeof chunk === 'string' || chunk instanceof Uint8Array
          ? chunk
          : new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
      )
    },
    reset: (options) => parser.reset(options),
    get lastEventId() {
      return parser.lastEventId
    },
  }
}

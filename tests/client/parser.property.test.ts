import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createParser, type ParsedEvent } from '../../src/client'
import { type EventFields, encodeEvent } from '../../src/core'

/*
 * The round trip: whatever the server's encoder writes, the parser reads back exactly, however the
 * stream is cut (as bytes or as decoded strings). Data may hold CR, LF and CRLF (the client sees LF),
 * any Unicode, and leading spaces; ids and event names anything the encoder accepts.
 */

const text = (extra: string[]) =>
  fc.string({
    unit: fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
      { weight: 2, arbitrary: fc.constantFrom(...extra) },
    ),
    maxLength: 30,
  })

const lineBreaks = ['\r', '\n', '\r\n', ' ', ':', 'data: ', '\0', '\ufeff', '€', '😀']
const noBreaks = [' ', ':', 'x', '€', '😀', '\ufeff']

const fieldsArb: fc.Arbitrary<EventFields> = fc.record(
  {
    data: text(lineBreaks),
    // What the encoder accepts: no CR or LF in `event`, no CR, LF or NUL in `id`.
    event: text(noBreaks).map((s) => s.replace(/[\r\n]/g, '')),
    id: text(noBreaks).map((s) => s.replace(/[\r\n\0]/g, '')),
    retry: fc.nat(),
    comment: text(lineBreaks),
  },
  { requiredKeys: [] },
)

/** What a conformant client dispatches for these blocks (9.2.6). */
function expected(blocks: EventFields[]): { events: ParsedEvent[]; retries: number[] } {
  const events: ParsedEvent[] = []
  const retries: number[] = []
  let lastEventId = ''
  for (const block of blocks) {
    if (block.id !== undefined) lastEventId = block.id
    if (block.retry !== undefined) retries.push(block.retry)
    if (block.data !== undefined) {
      events.push({ type: block.event || 'message', data: block.data.replace(/\r\n|\r/g, '\n'), lastEventId })
    }
  }
  return { events, retries }
}

/** Cuts `whole` at the given fractions of its length. */
function cut<T extends string | Uint8Array>(whole: T, points: number[]): T[] {
  const at = [...new Set(points.map((p) => Math.floor(p * whole.length)))].sort((a, b) => a - b)
  const out: T[] = []
  let from = 0
  for (const to of [...at, whole.length]) {
    out.push(whole.slice(from, to) as T)
    from = to
  }
  return out
}

function run(chunks: (string | Uint8Array)[]) {
  const events: ParsedEvent[] = []
  const retries: number[] = []
  const parser = createParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) })
  for (const chunk of chunks) parser.feed(chunk)
  return { events, retries }
}

describe('encodeEvent → createParser round trip', () => {
  const blocksArb = fc.array(fieldsArb, { maxLength: 8 })
  const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 })

  it('reads back exactly what was written, cut anywhere as bytes', () => {
    fc.assert(
      fc.property(blocksArb, cutsArb, (blocks, points) => {
        const wire = new TextEncoder().encode(blocks.map(encodeEvent).join(''))
        expect(run(cut(wire, points))).toEqual(expected(blocks))
      }),
      { numRuns: 500 },
    )
  })

  it('reads back exactly what was written, cut anywhere as strings', () => {
    fc.assert(
      fc.property(blocksArb, cutsArb, (blocks, points) => {
        expect(run(cut(blocks.map(encodeEvent).join(''), points))).toEqual(expected(blocks))
      }),
      { numRuns: 500 },
    )
  })

  it('reads back a stream written with CRLF or CR line ends instead of LF', () => {
    fc.assert(
      fc.property(blocksArb, fc.constantFrom('\r\n', '\r'), cutsArb, (blocks, eol, points) => {
        // The encoder writes LF; every LF in its output is a line end (data line breaks became lines).
        const wire = blocks.map(encodeEvent).join('').replaceAll('\n', eol)
        expect(run(cut(new TextEncoder().encode(wire), points))).toEqual(expected(blocks))
        // The worst cut for CRLF: every chunk ends with its CR, the next starts with its LF.
        expect(run(wire.split(/(?<=\r)/))).toEqual(expected(blocks))
      }),
      { numRuns: 300 },
    )
  })
})

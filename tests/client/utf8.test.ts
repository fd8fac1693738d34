import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { completeUpTo, Utf8Stream } from '../../src/client/utf8'

/*
 * The fast decoder must be indistinguishable from a streaming TextDecoder: same text, U+FFFD for U+FFFD,
 * however the bytes are cut. The bytes are drawn to hit every case of the UTF-8 decoder: ASCII, valid
 * 2-, 3- and 4-byte characters, continuation bytes out of place, leads that lead nothing (C0, C1, F5–FF),
 * the restricted second bytes (E0, ED, F0, F4), truncated sequences and a BOM.
 */

const interesting = [
  0x00, 0x0a, 0x0d, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
  0xf4, 0xf5, 0xff, 0xbb,
]
const valid = ['é', '€', '😀', '\ufeff', 'a', '\u{10ffff}', '\ud7ff', '\ue000'].map((c) => [
  ...new TextEncoder().encode(c),
])

const bytesArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(...interesting).map((b) => [b]),
      fc.constantFrom(...valid),
      fc.integer({ min: 0, max: 255 }).map((b) => [b]),
    ),
    { maxLength: 60 },
  )
  .map((parts) => Uint8Array.from(parts.flat()))

/** Cuts `bytes` at the given points (sorted, deduplicated, clamped). */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let from = 0
  for (const p of [...at, bytes.length]) {
    pieces.push(bytes.subarray(from, p))
    from = p
  }
  return pieces
}

function reference(pieces: Uint8Array[]): string {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  return pieces.map((p) => decoder.decode(p, { stream: true })).join('') + decoder.decode()
}

/** What the parser sees: every piece's head and body, and nothing left once a complete input ended. */
function fast(pieces: Uint8Array[]): string {
  const stream = new Utf8Stream()
  let text = ''
  for (const piece of pieces) {
    const body = stream.decode(piece)
    text += stream.head + body
  }
  return text
}

describe('Utf8Stream', () => {
  it('decodes exactly as a streaming TextDecoder, however the bytes are cut', () => {
    fc.assert(
      fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 12 }), (bytes, points) => {
        const pieces = cut(bytes, points)
        // The text so far, exactly; at the end a streaming decoder flushes a character still unfinished
        // (the parser never needs that: an unterminated line is dropped anyway).
        const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
        expect(fast(pieces)).toBe(pieces.map((p) => decoder.decode(p, { stream: true })).join(''))
        if (completeUpTo(bytes) === bytes.length) expect(fast(pieces)).toBe(reference(pieces))
      }),
      { numRuns: 3000 },
    )
  })

  it('decodes byte by byte, one piece per byte, the same as whole', () => {
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        const pieces = [...bytes].map((b) => Uint8Array.of(b))
        const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
        expect(fast(pieces)).toBe(pieces.map((p) => decoder.decode(p, { stream: true })).join(''))
      }),
      { numRuns: 1000 },
    )
  })

  it('carries a character cut anywhere, and the chunk passed in is never kept (its buffer may be reused)', () => {
    const bytes = new TextEncoder().encode('a😀b')
    const stream = new Utf8Stream()
    const buffer = new Uint8Array(8)
    const out: string[] = []
    for (const [from, to] of [
      [0, 2],
      [2, 4],
      [4, 6],
    ] as const) {
      buffer.set(bytes.subarray(from, to))
      const body = stream.decode(buffer.subarray(0, to - from))
      out.push(stream.head + body)
      buffer.fill(0xff) // the caller reuses its buffer
    }
    expect(out).toEqual(['a', '', '😀b'])
  })

  it('finds the end of the last complete character', () => {
    const at = (...bytes: number[]) => completeUpTo(Uint8Array.from(bytes))
    expect(at()).toBe(0)
    expect(at(0x41)).toBe(1)
    expect(at(0x41, 0xc3)).toBe(1) // é cut after its lead
    expect(at(0xc3, 0xa9)).toBe(2)
    expect(at(0xf0, 0x9f, 0x98)).toBe(0) // 😀 cut after 3 of 4
    expect(at(0xf0, 0x9f, 0x98, 0x80)).toBe(4)
    expect(at(0x80, 0x80, 0x80)).toBe(3) // stray continuation bytes: nothing to wait for
    expect(at(0x41, 0xc0)).toBe(2) // C0 leads nothing
    expect(at(0x41, 0xf5)).toBe(2)
    expect(at(0x41, 0xf4, 0x90)).toBe(3) // past U+10FFFF: already invalid, nothing to wait for
    expect(at(0x41, 0xf4, 0x8f)).toBe(1)
    expect(at(0xed, 0xa0)).toBe(2) // a surrogate
    expect(at(0xe0, 0x80)).toBe(2) // overlong
    expect(at(0xe0, 0xa0)).toBe(0)
  })
})

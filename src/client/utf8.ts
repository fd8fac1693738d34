/*
 * Streaming UTF-8 decoding, as fast as the engine allows. Node's `TextDecoder` has two paths: a whole
 * decode of ASCII goes through simdutf, about five times faster than a streaming decode (ICU); but with
 * multibyte characters the whole decode is about twice slower than ICU, and a decoder leaves the fast
 * path for good after its first streaming call. So each chunk is decoded whole, up to its last complete
 * character, the 1 to 3 bytes of a character cut by the chunk's end carried into the next, and with two
 * decoders: while the chunks are ASCII, one on the fast path; once one is not, one taken off it, until a
 * chunk is ASCII again. (Browsers have one path; there the choice costs nothing.)
 *
 * Why the output is the same as one streaming decoder's, byte for byte, U+FFFD included: a cut is made
 * only where a streaming decoder would be between characters. Before the carried lead byte it is (that
 * byte is not a continuation byte: whatever came before ended there, completed or replaced). And after the
 * carried character, finished with the bytes that follow it: either it is complete, or the next byte
 * cannot continue it, where a streaming decoder replaces the unfinished sequence with one U+FFFD, as a
 * whole decode does at its end. Only a valid beginning is carried: an invalid one (`F4 90`) a streaming
 * decoder replaces at once, and so does this one, so the text so far is always the same.
 * @see https://encoding.spec.whatwg.org/#utf-8-decoder
 */

/** One options object for every streaming decode() call: no allocation per chunk. */
const STREAM = { stream: true }

/** How many bytes the character that starts with `lead` takes; 1 for ASCII and bytes that lead nothing. */
export function lengthOf(lead: number): number {
  return lead < 0xc2 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 1
}

/**
 * Whether `byte` may follow the `at` bytes of the character `lead` starts (`at` ≥ 1). The second byte of
 * some leads has a narrower range, which keeps out overlong forms and surrogates (E0, ED, F0, F4).
 */
function continues(lead: number, at: number, byte: number): boolean {
  if (at > 1 || (lead !== 0xe0 && lead !== 0xed && lead !== 0xf0 && lead !== 0xf4)) return (byte & 0xc0) === 0x80
  if (lead === 0xe0) return byte >= 0xa0 && byte <= 0xbf
  if (lead === 0xed) return byte >= 0x80 && byte <= 0x9f
  if (lead === 0xf0) return byte >= 0x90 && byte <= 0xbf
  return byte >= 0x80 && byte <= 0x8f
}

/**
 * Where the character left unfinished by the end of `bytes` starts: `bytes.length` when there is none.
 * Only a valid beginning of a character is unfinished: a streaming decoder has already replaced an
 * invalid one (`F4 90`) with U+FFFD, so it is decoded now too.
 */
export function completeUpTo(bytes: Uint8Array): number {
  const n = bytes.length
  // A character takes at most 4 bytes: one that starts more than 3 bytes from the end is complete.
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    const lead = bytes[i]!
    if ((lead & 0xc0) === 0x80) continue
    if (i + lengthOf(lead) <= n) return n
    for (let j = i + 1; j < n; j++) if (!continues(lead, j - i, bytes[j]!)) return n
    return i
  }
  return n
}

/**
 * A streaming UTF-8 decoder for the parser: `decode(chunk)` returns the text of the complete characters,
 * after the character cut by the previous chunk's end ({@link Utf8Stream.head}).
 * @internal
 */
export class Utf8Stream {
  // ignoreBOM: the parser strips the BOM itself, once, whatever mix of bytes and strings it is fed.
  readonly #whole = new TextDecoder('utf-8', { ignoreBOM: true })
  /** Decodes whole too, but through ICU (see the top of this file). */
  #icu: TextDecoder | undefined = undefined
  /** The last piece decoded was ASCII: decode the next one whole. */
  #ascii = true
  /** The first bytes of a character cut by the end of the last chunk. */
  #carry: Uint8Array | undefined = undefined

  /**
   * The character carried from the last chunk, when `decode` finished it: the text that comes before what
   * `decode` returned. Kept apart rather than concatenated, which would make a rope that the parser's first
   * search flattens, copying the whole chunk.
   */
  head = ''

  /** The text of the complete characters of `chunk` after {@link Utf8Stream.head}. */
  decode(chunk: Uint8Array): string {
    let from = 0
    this.head = ''
    const carry = this.#carry
    if (carry) {
      const lead = carry[0]!
      const need = lengthOf(lead)
      while (from < chunk.length && carry.length + from < need && continues(lead, carry.length + from, chunk[from]!)) {
        from++
      }
      const joined = new Uint8Array(carry.length + from)
      joined.set(carry)
      joined.set(chunk.subarray(0, from), carry.length)
      if (carry.length + from < need && from === chunk.length) {
        // Still unfinished, and nothing else came: wait for more.
        this.#carry = joined
        return ''
      }
      this.#carry = undefined
      this.head = this.#text(joined)
    }
    const to = completeUpTo(chunk)
    if (to < chunk.length) this.#carry = chunk.slice(to)
    if (from >= to) return ''
    return this.#text(from || to < chunk.length ? chunk.subarray(from, to) : chunk)
  }

  /** Decodes complete characters with the decoder that is fastest for them (see the top of this file). */
  #text(bytes: Uint8Array): string {
    if (this.#ascii) {
      const text = this.#whole.decode(bytes)
      if (text.length !== bytes.length) this.#ascii = false
      return text
    }
    if (this.#icu === undefined) {
      this.#icu = new TextDecoder('utf-8', { ignoreBOM: true })
      // One streaming call, on nothing, takes Node's decoder off the fast path for good.
      this.#icu.decode(new Uint8Array(0), STREAM)
    }
    // Whole (flushed), like the other: a piece may end with an unfinished sequence that the carried
    // character interrupts, which must be replaced now, not held.
    const text = this.#icu.decode(bytes)
    if (text.length === bytes.length) this.#ascii = true
    return text
  }
}

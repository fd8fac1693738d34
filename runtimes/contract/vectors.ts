/**
 * The conformance vectors (./fixtures/sse-vectors.json: web-platform-tests and the WHATWG spec, as
 * data) and the one way they are run through a parser: every chunking of each body, fed to a fresh
 * `createParser`, compared by the events and the last `retry` it reported. Web-only, so that the same
 * code runs in Node (tests/client/parser.test.ts, on src/) and, bundled, inside Bun and Deno on the built
 * package (./parse-inside.ts). The file is read by ./vector-file.ts.
 */

/** One event as a fresh EventSource dispatches it (the shape of the package's `ParsedEvent`). */
export interface VectorEvent {
  type: string
  data: string
  lastEventId: string
}

/** One parsing vector (see fixtures/sse-vectors.README.md). */
export interface Vector {
  name: string
  inputHex: string
  chunksHex?: string[]
  contentType?: string
  expected: VectorEvent[]
  expectedRetry: number | null
}

/** One reconnect vector: successive responses of one EventSource. */
export interface ReconnectVector {
  name: string
  connections: { requestLastEventId: string | null; body: string; expected: VectorEvent[] }[]
}

/** What sse-vectors.json holds (its `description` and `sources` aside). */
export interface VectorFile {
  vectors: Vector[]
  reconnectVectors: ReconnectVector[]
}

export const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16))

/** A small deterministic PRNG (mulberry32), so "random" splits are the same on every run and in every runtime. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** `bytes` cut at `cuts` random places. */
export function randomSplit(bytes: Uint8Array, random: () => number, cuts: number): Uint8Array[] {
  const points = [...new Set(Array.from({ length: cuts }, () => Math.floor(random() * (bytes.length + 1))))].sort(
    (a, b) => a - b,
  )
  const out: Uint8Array[] = []
  let from = 0
  for (const to of [...points, bytes.length]) {
    out.push(bytes.subarray(from, to))
    from = to
  }
  return out
}

/** Every chunking that matters for one body: whole, one byte at a time, and a few random splits. */
export function chunkings(bytes: Uint8Array, seed = 1): [string, Uint8Array[]][] {
  const random = prng(seed)
  return [
    ['whole', [bytes]],
    ['byte by byte', Array.from(bytes, (b) => Uint8Array.of(b))],
    ...[1, 2, 3, 4, 5].map((n): [string, Uint8Array[]] => [`random split ${n}`, randomSplit(bytes, random, n * 3)]),
  ]
}

/**
 * Every way one vector is fed to a parser: its bytes in every {@link chunkings} (seeded by the name's
 * length, so each vector gets its own fixed splits), in the vector's required `chunksHex` pieces, and
 * decoded first, as strings whole and one UTF-16 code unit at a time (which must give the same events).
 */
export function vectorCases(vector: Vector): [string, (Uint8Array | string)[]][] {
  const bytes = hex(vector.inputHex)
  const cases: [string, (Uint8Array | string)[]][] = chunkings(bytes, vector.name.length).map(([how, chunks]) => [
    `bytes, ${how}`,
    chunks,
  ])
  if (vector.chunksHex) cases.push(['bytes, the given chunksHex', vector.chunksHex.map(hex)])
  // ignoreBOM: the parser strips the BOM itself; a decoder that did too would strip a second one.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
  cases.push(['strings, whole', [text]], ['strings, one code unit at a time', text.split('')])
  return cases
}

/** As much of `createParser` as the vectors use: the package's, from src/ or from the built dist/. */
export type ParserFactory = (callbacks: { onEvent(event: VectorEvent): void; onRetry(ms: number): void }) => {
  feed(chunk: Uint8Array | string): void
}

/** What a parser reported for one body: its events, and the last `retry` it set (null: none). */
export interface Outcome {
  events: VectorEvent[]
  retry: number | null
}

/** Feeds `chunks` to a fresh parser from `createParser`. */
export function parseChunks(createParser: ParserFactory, chunks: (Uint8Array | string)[]): Outcome {
  const events: VectorEvent[] = []
  let retry: number | null = null
  const parser = createParser({
    // Copied field by field: an event object from the parser may carry more than the vector compares.
    onEvent: ({ type, data, lastEventId }) => events.push({ type, data, lastEventId }),
    onRetry: (ms) => (retry = ms),
  })
  for (const chunk of chunks) parser.feed(chunk)
  return { events, retry }
}

/** What the vector says a parser must report. */
export function expectedOutcome(vector: Vector): Outcome {
  return { events: vector.expected, retry: vector.expectedRetry }
}

/** One vector fed one way, and what came out. */
export interface CaseOutcome extends Outcome {
  vector: string
  how: string
}

/**
 * Runs every vector in every {@link vectorCases} way through `createParser`, in order: compare the
 * result with {@link expectedOutcomes} of the same file.
 *
 * @example
 * ```ts
 * import { createParser } from 'use-next-sse/client'
 * console.log(JSON.stringify(runVectors(createParser, file)))
 * ```
 */
export function runVectors(createParser: ParserFactory, file: VectorFile): CaseOutcome[] {
  return file.vectors.flatMap((vector) =>
    vectorCases(vector).map(([how, chunks]) => ({ vector: vector.name, how, ...parseChunks(createParser, chunks) })),
  )
}

/** What {@link runVectors} must return for `file`: each vector's expected outcome, once per way of feeding it. */
export function expectedOutcomes(file: VectorFile): CaseOutcome[] {
  return file.vectors.flatMap((vector) =>
    vectorCases(vector).map(([how]) => ({ vector: vector.name, how, ...expectedOutcome(vector) })),
  )
}

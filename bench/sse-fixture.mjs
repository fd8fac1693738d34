/*
 * The client parser's inputs (bench/parser.mjs), deterministic: a mixed `text/event-stream` body that
 * exercises every line kind, and the three corpora of issue 16 (small events, an LLM token stream, large
 * events), each cut into byte chunks as a network delivers them (edges inside CRLFs and characters).
 */

/** A deterministic PRNG (mulberry32), so every run parses the same bytes. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** LF and CRLF line ends, JSON, multi-line and long data, ids, event names, comments, retry, multibyte UTF-8. */
export function fixture(size, chunkSize) {
  const rand = random(42)
  const words = ['alpha', 'beta', 'gamma', 'héllo', 'wörld', 'naïve', '✓ done', '日本語', 'emoji 😀', 'Ωmega', 'plain']
  const word = () => words[Math.floor(rand() * words.length)]
  const parts = []
  let length = 0
  for (let i = 0; length < size; i++) {
    const nl = rand() < 0.5 ? '\n' : '\r\n'
    const kind = rand()
    let block
    if (kind < 0.5) {
      block = `event: counter${nl}data: ${JSON.stringify({ count: i, text: `${word()} ${word()}` })}${nl}`
      if (rand() < 0.3) block = `id: ${i}${nl}${block}`
    } else if (kind < 0.75) {
      const lines = 2 + Math.floor(rand() * 4)
      block = ''
      for (let l = 0; l < lines; l++) block += `data:${l % 2 ? ' ' : ''}${word()} line ${l} ${word()}${nl}`
      if (rand() < 0.5) block += `id: m-${i}${nl}`
    } else if (kind < 0.9) {
      block = `: keep-alive ${word()}${nl}data: ${'x'.repeat(Math.floor(rand() * 200))}${nl}`
    } else if (kind < 0.94) {
      block = `:${nl}`
    } else if (kind < 0.97) {
      // A long line, spanning chunks.
      block = `event: blob${nl}data: ${word().repeat(100 + Math.floor(rand() * 800))}${nl}`
    } else {
      block = `retry: ${1000 + i}${nl}event: update${nl}data: ${word()}${nl}`
    }
    block += nl
    parts.push(block)
    length += Buffer.byteLength(block)
  }
  const bytes = new TextEncoder().encode(parts.join(''))
  const chunks = []
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize))
  return { bytes, chunks }
}

/** Cuts `bytes` into chunks of `min` to `max` bytes (fixed when equal), from a fixed seed. */
function chunked(bytes, min, max, rand) {
  const chunks = []
  for (let i = 0; i < bytes.length; ) {
    const size = min + Math.floor(rand() * (max - min + 1))
    chunks.push(bytes.subarray(i, i + size))
    i += size
  }
  return { bytes, chunks }
}

/** Small events (`event: counter`, `data: {"count":N}`), LF and CRLF mixed per event, in 16 KiB chunks. */
export function smallEvents(size) {
  const rand = random(1)
  const parts = []
  let length = 0
  for (let n = 0; length < size; n++) {
    const nl = rand() < 0.5 ? '\n' : '\r\n'
    const block = `event: counter${nl}data: {"count":${n}}${nl}${nl}`
    parts.push(block)
    length += block.length
  }
  return chunked(new TextEncoder().encode(parts.join('')), 16384, 16384, rand)
}

/** An LLM token stream: `count` events of 1–8 characters of data, each with an `id:`, in 1–4 KiB chunks. */
export function tokenStream(count) {
  const rand = random(2)
  const letters = 'abcdefghijklmnopqrstuvwxyz .,'
  const parts = []
  for (let n = 0; n < count; n++) {
    let token = ''
    for (let k = 1 + Math.floor(rand() * 8); k > 0; k--) token += letters[Math.floor(rand() * letters.length)]
    parts.push(`id: ${n}\ndata: ${token}\n\n`)
  }
  return chunked(new TextEncoder().encode(parts.join('')), 1024, 4096, rand)
}

/** Large events: `count` JSON documents of 64 KiB, each split over `data:` lines of 60–360 characters, in 64 KiB chunks. */
export function largeEvents(count) {
  const rand = random(3)
  const parts = []
  for (let e = 0; e < count; e++) {
    let block = 'event: document\n'
    for (let length = 0, k = 0; length < 65536; k++) {
      const line = JSON.stringify({ k, text: 'lorem ipsum '.repeat(5 + Math.floor(rand() * 25)) })
      block += `data: ${line}\n`
      length += line.length + 1
    }
    parts.push(`${block}\n`)
  }
  return chunked(new TextEncoder().encode(parts.join('')), 65536, 65536, rand)
}

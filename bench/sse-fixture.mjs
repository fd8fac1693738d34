/*
 * The client parser's input (bench/parser.mjs): a deterministic, mixed `text/event-stream` body, cut
 * into fixed-size byte chunks (so chunk edges fall inside CRLFs and multibyte characters).
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

/**
 * Reads the conformance vectors for the tests that run in Node: the copy kept in the repository
 * (./fixtures/sse-vectors.json, so CI needs nothing outside it), or the one `SSE_VECTORS` points at
 * (the project's shared copy, say). The runtimes that run a bundle get the same file through
 * ./inside.ts, so every runtime checks the same vectors.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { VectorFile } from './vectors'

/** The path of the vectors read: `SSE_VECTORS`, else the repository's copy. */
export const VECTORS_PATH =
  process.env.SSE_VECTORS ?? fileURLToPath(new URL('./fixtures/sse-vectors.json', import.meta.url))

/**
 * The parsing and reconnect vectors of {@link VECTORS_PATH}.
 *
 * @example
 * ```ts
 * const { vectors, reconnectVectors } = loadVectors()
 * ```
 */
export function loadVectors(path = VECTORS_PATH): VectorFile {
  const { vectors, reconnectVectors } = JSON.parse(readFileSync(path, 'utf8')) as VectorFile
  return { vectors, reconnectVectors }
}

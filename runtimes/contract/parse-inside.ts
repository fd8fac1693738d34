/**
 * The conformance vectors, run INSIDE a runtime that runs files (`bun`, `deno`) through the package's
 * built `createParser` as that runtime loads it: every vector in every way ./vectors.ts feeds it, the
 * outcomes printed as one JSON line ({@link CaseOutcome}[]) for ./inside.ts to compare with what the
 * vectors expect. The vectors arrive inlined at bundle time (`SSE_VECTORS_DATA`), the very file the
 * Node tests read, so the script needs no file access in the runtime.
 */
import { createParser } from 'use-next-sse/client'
import { type CaseOutcome, runVectors, type VectorFile } from './vectors'

declare const SSE_VECTORS_DATA: VectorFile

const outcomes: CaseOutcome[] = runVectors(createParser, SSE_VECTORS_DATA)
console.log(JSON.stringify(outcomes))

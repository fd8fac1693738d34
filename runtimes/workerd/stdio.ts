/**
 * workerd's console output for Miniflare's `handleRuntimeStdio`, line by line to this process's, minus
 * the warnings the contract's precedence scenarios provoke on purpose.
 */
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { EXPECTED_WARNING } from '../contract/scenarios'

export function withoutExpectedWarnings(stdout: Readable, stderr: Readable): void {
  for (const [from, to] of [
    [stdout, process.stdout],
    [stderr, process.stderr],
  ] as const) {
    createInterface(from).on('line', (line) => {
      if (!line.includes(EXPECTED_WARNING)) to.write(`${line}\n`)
    })
  }
}

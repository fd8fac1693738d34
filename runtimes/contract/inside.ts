/**
 * The test side of ./read-inside.ts and ./parse-inside.ts: bundles one, runs it with a runtime's binary
 * (against that runtime's server, for read-inside), and checks what the package's client saw there.
 */
import { expect } from 'vitest'
import { bundleToFile } from '../harness/bundle'
import { startGuarded } from '../harness/process'
import type { ReadInside } from './read-inside'
import { loadVectors } from './vector-file'
import { type CaseOutcome, expectedOutcomes } from './vectors'

/**
 * Bundles `script` (its globals replaced by `define`), runs it with `command` and returns the last JSON
 * line it printed.
 */
async function runInside<T>(
  script: URL,
  command: string,
  args: (file: string) => string[],
  conditions: string[],
  env: NodeJS.ProcessEnv,
  define: Record<string, string> = {},
): Promise<T> {
  const bundle = await bundleToFile(script, conditions, { define })
  try {
    const run = startGuarded(command, args(bundle.file), { cwd: bundle.dir, env })
    await run.exited
    const line = run
      .output()
      .split('\n')
      .findLast((l) => l.startsWith('{') || l.startsWith('['))
    if (line === undefined) throw new Error(`no report from ${command}:\n${run.output()}`)
    return JSON.parse(line) as T
  } finally {
    bundle.remove()
  }
}

/**
 * Runs read-inside.ts with `command` (`args(file)` is its command line, the base URL last) and checks
 * its report: 200 `seq` events in order then a clean end, and the `wire` route's exact events.
 *
 * @example
 * ```ts
 * await readInside(deno, (file) => ['run', '--allow-net=127.0.0.1', file, url], ['deno'])
 * ```
 */
export async function readInside(
  command: string,
  args: (file: string) => string[],
  conditions: string[],
  env: NodeJS.ProcessEnv = {},
) {
  const seen = await runInside<ReadInside>(new URL('./read-inside.ts', import.meta.url), command, args, conditions, env)
  expect(seen.ids).toEqual(Array.from({ length: 200 }, (_, i) => String(i + 1)))
  // The server ended the stream and reconnect is off: closed, with no error.
  expect([seen.readyState, seen.error]).toEqual([2, null])
  expect(seen.wire).toEqual([
    { type: 'message', data: '{"a":1}', lastEventId: '' },
    { type: 'greeting', data: '"named"', lastEventId: '' },
    { type: 'full', data: '[1,2]', lastEventId: '7' },
    { type: 'message', data: 'l1\nl2\nl3\nl4', lastEventId: '7' },
    { type: 'message', data: '', lastEventId: '7' },
    { type: 'message', data: '"ünïcødé ✓"', lastEventId: '7' },
  ])
}

/**
 * Runs ./parse-inside.ts with `command` (`args(file)` is its command line) on the vectors the Node tests
 * read, and checks that the package's built `createParser`, in that runtime, reported for every vector
 * fed every way exactly the events and last `retry` the vector expects, as tests/client/parser.test.ts
 * checks for src/ in Node. Resolves with how many ways were checked.
 *
 * @example
 * ```ts
 * await parseVectorsInside(bun, (file) => [file], ['bun'])
 * ```
 */
export async function parseVectorsInside(
  command: string,
  args: (file: string) => string[],
  conditions: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  const file = loadVectors()
  const seen = await runInside<CaseOutcome[]>(
    new URL('./parse-inside.ts', import.meta.url),
    command,
    args,
    conditions,
    env,
    {
      SSE_VECTORS_DATA: JSON.stringify(file),
    },
  )
  const expected = expectedOutcomes(file)
  // One case at a time first, so that a failure names the vector and the chunking; then the whole list.
  for (const [i, outcome] of seen.entries()) expect(outcome, `${outcome.vector}, ${outcome.how}`).toEqual(expected[i])
  expect(seen).toEqual(expected)
  return seen.length
}

/**
 * The test side of ./read-inside.ts: bundles it, runs it with a runtime's binary against that runtime's
 * server, and checks what the package's client saw there.
 */
import { expect } from 'vitest'
import { bundleToFile } from '../harness/bundle'
import { startGuarded } from '../harness/process'
import type { ReadInside } from './read-inside'

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
  const bundle = await bundleToFile(new URL('./read-inside.ts', import.meta.url), conditions)
  try {
    const run = startGuarded(command, args(bundle.file), { cwd: bundle.dir, env })
    await run.exited
    const line = run
      .output()
      .split('\n')
      .findLast((l) => l.startsWith('{'))
    if (line === undefined) throw new Error(`no report from ${command}:\n${run.output()}`)
    const seen = JSON.parse(line) as ReadInside
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
  } finally {
    bundle.remove()
  }
}

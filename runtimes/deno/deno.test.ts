/**
 * The contract app (./server.ts, bundled with esbuild) under `Deno.serve` in the real `deno` binary from
 * npm (2.9.6), on a free loopback port, consumed with fetch from Node: disconnects travel through a real
 * socket. The contract runs in Deno's default mode, the one users get; the burst checks run in both modes.
 *
 * Deno 2.9 prints, once per process, that `request.signal` "aborts on successful responses (legacy
 * behavior)" unless `--unstable-no-legacy-abort` is given. Verified with a bare `Deno.serve` (no library):
 * in both modes a client that leaves a streaming response aborts `request.signal` AND cancels the body;
 * the legacy part is only that the signal also aborts after a response was delivered in full (a JSON
 * answer, or a stream the server ended). By then the connection has ended and dropped its `abort`
 * listener, so it changes nothing here: the "exactly once" scenarios pass in both modes.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpTarget, type Target } from '../contract/client'
import { parseVectorsInside, readInside } from '../contract/inside'
import { leaveTogether, runContract } from '../contract/scenarios'
import { type Bundled, bundleToFile } from '../harness/bundle'
import { type Guarded, startOnFreePorts, waitForHttp } from '../harness/process'

const deno = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url))
/** Offline and plain: no update check, no colours in what it prints. */
const quiet = { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }

/** Serves the bundled contract app with `Deno.serve`; `flags` go before the script (`--unstable-…`). */
async function serve(bundle: Bundled, flags: string[] = []): Promise<{ server: Guarded; url: string }> {
  return startOnFreePorts(deno, {
    args: ([port]) => ['run', '--allow-net=127.0.0.1', '--no-prompt', ...flags, bundle.file, String(port)],
    ready: (server, url) => waitForHttp(`${url}/log?id=ready`, server),
    cwd: bundle.dir,
    env: quiet,
  })
}

let bundled: Promise<Bundled> | undefined
const bundle = () => (bundled ??= bundleToFile(new URL('./server.ts', import.meta.url), ['deno']))

afterAll(async () => (await bundled)?.remove())

runContract({
  name: 'deno',
  connectionHeader: true,
  async start() {
    const { server, url } = await serve(await bundle())
    return { target: httpTarget(url), stop: () => server.kill() }
  },
  // Deno calls `handler(request, info)`: `info` holds `remoteAddr` and the `completed` promise.
  args: (seen) => expect(seen).toEqual([expect.objectContaining({ type: 'object' })]),
})

for (const [mode, flags] of [
  ['default (legacy abort)', []],
  ['--unstable-no-legacy-abort', ['--unstable-no-legacy-abort']],
] as const) {
  describe(`deno, ${mode}`, () => {
    let server: Guarded | undefined
    let target: Target
    let url = ''
    beforeAll(async () => {
      const started = await serve(await bundle(), [...flags])
      server = started.server
      url = started.url
      target = httpTarget(url)
    }, 60_000)
    afterAll(() => server?.kill())

    if (flags.length === 0) {
      test("the package's EventSource and createParser, running in Deno, read the contract from Deno.serve", async () => {
        await readInside(deno, (file) => ['run', '--allow-net=127.0.0.1', '--no-prompt', file, url], ['deno'], quiet)
      })

      test("every conformance vector, fed whole, byte by byte, in seeded random splits and as strings, through the package's createParser running in Deno", async () => {
        // No permission at all: the vectors are inlined in the bundle. The count proves the run was not cut short.
        const checked = await parseVectorsInside(deno, (file) => ['run', '--no-prompt', file], ['deno'], quiet)
        expect(checked).toBeGreaterThanOrEqual(45 * 9)
      })
    }

    // Issue 14 saw 2 of 20 cleanups after 20 aborts, 1 run in 4: two rounds of each way of leaving, in each mode.
    for (const how of ['abort', 'cancel'] as const) {
      test(`twenty clients that ${how} at once each get their cleanup, exactly once (two rounds)`, async () => {
        for (let round = 1; round <= 2; round++) {
          await leaveTogether(target, `deno-${how}-${Date.now()}-${round}`, 20, how)
        }
      })
    }
  })
}

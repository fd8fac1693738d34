/**
 * The contract app (./server.ts, bundled with esbuild) under `Bun.serve` in the real `bun` binary from
 * npm (1.4.4), on a free loopback port, consumed with fetch from Node: disconnects travel through a real
 * socket. Then what is Bun's own: its idle timeout, and many clients leaving at once.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpTarget, open, type Target } from '../contract/client'
import { leaveTogether, runContract } from '../contract/scenarios'
import { type Bundled, bundleToFile } from '../harness/bundle'
import { poll } from '../harness/poll'
import { type Guarded, startOnFreePorts, waitForHttp } from '../harness/process'

const bun = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url))

/** Serves the bundled contract app with `Bun.serve`, given `idleTimeout` in seconds. */
async function serve(bundle: Bundled, idleTimeout?: number): Promise<{ server: Guarded; url: string }> {
  return startOnFreePorts(bun, {
    args: ([port]) => [bundle.file, String(port), ...(idleTimeout === undefined ? [] : [String(idleTimeout)])],
    ready: (server, url) => waitForHttp(`${url}/log?id=ready`, server),
    cwd: bundle.dir,
  })
}

let bundled: Promise<Bundled> | undefined
const bundle = () => (bundled ??= bundleToFile(new URL('./server.ts', import.meta.url), ['bun']))

afterAll(async () => (await bundled)?.remove())

runContract({
  name: 'bun',
  connectionHeader: true,
  async start() {
    const { server, url } = await serve(await bundle())
    return { target: httpTarget(url), stop: () => server.kill() }
  },
  // Bun calls `fetch(request, server)`: its Server object arrives as the one extra argument.
  args: (seen) => expect(seen).toEqual([expect.objectContaining({ type: 'object' })]),
})

describe('bun: its own behaviour', () => {
  let server: Guarded | undefined
  let target: Target
  beforeAll(async () => {
    // An idle timeout of 1 s, so that what it does shows within a test.
    const started = await serve(await bundle(), 1)
    server = started.server
    target = httpTarget(started.url)
  }, 60_000)
  afterAll(() => server?.kill())

  test('idleTimeout cuts a stream that writes nothing for that long, and the cut runs the cleanup once', async () => {
    // `listen` with `quiet` writes nothing after its first flush, not even keep-alives.
    const id = `bun-idle-${Date.now()}`
    const stream = await open(target, 'listen', { id, group: id, quiet: '' })
    await stream.commentCount(1)
    // Bun resets the connection rather than ending the body: the read fails with undici's "terminated".
    const ending = await stream.toEnd().then(
      () => 'ended',
      (error: Error) => error.message,
    )
    expect(ending).toMatch(/^(ended|terminated)$/)
    const log = await poll(
      () => target.json<{ cleanups: string[] } | null>('log', { id }),
      (log) => (log?.cleanups.length ?? 0) > 0,
      'the cleanup after the idle cut',
    )
    expect(log?.cleanups).toEqual(['returned'])
  })

  test('keep-alive writes count as activity: a stream with a shorter keep-alive outlives idleTimeout', async () => {
    // The route's keep-alive is 100 ms: 30 comments take about three idle timeouts.
    const stream = await open(target, 'keep-alive', { id: `bun-alive-${Date.now()}` })
    await stream.commentCount(30)
    expect(stream.ended).toBe(false)
    await stream.cancel()
  })

  test('twenty clients that abort at once each get their cleanup, exactly once (three rounds)', async () => {
    for (let round = 1; round <= 3; round++) {
      await leaveTogether(target, `bun-burst-abort-${Date.now()}-${round}`, 20, 'abort', 'keep-alive')
    }
  })

  test('twenty clients that cancel their bodies at once each get their cleanup, exactly once (three rounds)', async () => {
    for (let round = 1; round <= 3; round++) {
      await leaveTogether(target, `bun-burst-cancel-${Date.now()}-${round}`, 20, 'cancel', 'keep-alive')
    }
  })
})

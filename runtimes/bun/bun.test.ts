/**
 * The contract app (./server.ts, bundled with esbuild) under `Bun.serve` in the real `bun` binary from
 * npm (1.4.4), on a free loopback port, consumed with fetch from Node: disconnects travel through a real
 * socket. Then what is Bun's own: its idle timeout, and many clients leaving at once.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpTarget, open, type Target } from '../contract/client'
import { parseVectorsInside, readInside } from '../contract/inside'
import { leaveTogether, runContract } from '../contract/scenarios'
import { type Bundled, bundleToFile } from '../harness/bundle'
import { type Guarded, startOnFreePorts, waitForHttp } from '../harness/process'

const bun = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url))

/**
 * Serves the bundled contract app with `Bun.serve` under an idle timeout of 1 s, so that what it does
 * shows within a test. `timed`: the app does nothing about it (the handler lifts it for its own streams);
 * `untimed`: the app also lifts it for every request with `server.timeout(request, 0)`.
 */
async function serve(bundle: Bundled, streams: 'untimed' | 'timed'): Promise<{ server: Guarded; url: string }> {
  return startOnFreePorts(bun, {
    args: ([port]) => [bundle.file, String(port), '1', streams],
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
    // The app does nothing about Bun's 1 s idle timeout here: every scenario that outlives it proves
    // that the handler lifts it for its streams.
    const { server, url } = await serve(await bundle(), 'timed')
    return { target: httpTarget(url), stop: () => server.kill() }
  },
  // Bun calls `fetch(request, server)`: its Server object arrives as the one extra argument.
  args: (seen) => expect(seen).toEqual([expect.objectContaining({ type: 'object' })]),
})

describe('bun: its own behaviour', () => {
  const servers: Guarded[] = []
  let untimed: Target
  let timed: Target
  let untimedUrl = ''
  beforeAll(async () => {
    const [a, b] = await Promise.all([serve(await bundle(), 'untimed'), serve(await bundle(), 'timed')])
    servers.push(a.server, b.server)
    untimedUrl = a.url
    untimed = httpTarget(a.url)
    timed = httpTarget(b.url)
  }, 60_000)
  afterAll(() => Promise.all(servers.map((s) => s.kill())))

  test('idleTimeout cuts a stream even while it writes; the handler lifts it for its own streams, and the app may too', async () => {
    const kept = `bun-kept-${Date.now()}`
    // Every stream writes a comment every 100 ms: the server is far from idle on any of them.
    const [bare, ours, oursLifted] = await Promise.all([
      open(timed, 'bare', {}),
      open(timed, 'keep-alive', { id: kept }),
      open(untimed, 'keep-alive', { id: `${kept}-app` }),
    ])
    await Promise.all([bare.commentCount(2), ours.commentCount(2), oursLifted.commentCount(2)])
    // Bun resets the connection rather than ending the body: the read fails with undici's "terminated".
    const ending = await bare.toEnd().then(
      () => 'ended',
      (error: Error) => error.message,
    )
    expect(ending).toMatch(/^(ended|terminated)$/)
    // Ours lived through the same idle period and go on, on both servers.
    for (const stream of [ours, oursLifted]) {
      const seen = stream.comments.length
      await stream.commentCount(seen + 5)
      expect(stream.ended).toBe(false)
    }
    expect((await timed.json<{ cleanups: string[] } | null>('log', { id: kept }))?.cleanups).toEqual([])
  })

  test("the package's EventSource and createParser, running in Bun, read the contract from Bun.serve", async () => {
    await readInside(bun, (file) => [file, untimedUrl], ['bun'])
  })

  test("every conformance vector, fed whole, byte by byte, in seeded random splits and as strings, through the package's createParser running in Bun", async () => {
    // 45 vectors, each fed about ten ways: the count proves the run was not cut short.
    expect(await parseVectorsInside(bun, (file) => [file], ['bun'])).toBeGreaterThanOrEqual(45 * 9)
  })

  for (const how of ['abort', 'cancel'] as const) {
    test(`twenty clients that ${how} at once each get their cleanup, exactly once (two rounds)`, async () => {
      for (let round = 1; round <= 2; round++) {
        await leaveTogether(untimed, `bun-${how}-${Date.now()}-${round}`, 20, how, 'keep-alive')
      }
    })
  }
})

/**
 * The contract app (./server.ts, bundled with esbuild) under `Bun.serve` in the real `bun` binary from
 * npm (1.4.4), on a free loopback port, consumed with fetch from Node: disconnects travel through a real
 * socket. Then what is Bun's own: its idle timeout, and many clients leaving at once.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpTarget, open, type Target } from '../contract/client'
import { readInside } from '../contract/inside'
import { leaveTogether, runContract } from '../contract/scenarios'
import { type Bundled, bundleToFile } from '../harness/bundle'
import { poll } from '../harness/poll'
import { type Guarded, startOnFreePorts, waitForHttp } from '../harness/process'

const bun = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url))

/**
 * Serves the bundled contract app with `Bun.serve` under an idle timeout of 1 s, so that what it does
 * shows within a test; `untimed` lifts it for every request with `server.timeout(request, 0)`, as the
 * README tells Bun users to do in their SSE routes.
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
    const { server, url } = await serve(await bundle(), 'untimed')
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

  test('idleTimeout cuts a stream even while it writes (its cleanup runs once); server.timeout(request, 0) keeps one open', async () => {
    const cut = `bun-cut-${Date.now()}`
    // The `keep-alive` route writes a comment every 100 ms: the server is far from idle on either.
    const [timedStream, untimedStream] = await Promise.all([
      open(timed, 'keep-alive', { id: cut }),
      open(untimed, 'keep-alive', { id: `bun-kept-${Date.now()}` }),
    ])
    await Promise.all([timedStream.commentCount(2), untimedStream.commentCount(2)])
    // Bun resets the connection rather than ending the body: the read fails with undici's "terminated".
    const ending = await timedStream.toEnd().then(
      () => 'ended',
      (error: Error) => error.message,
    )
    expect(ending).toMatch(/^(ended|terminated)$/)
    const log = await poll(
      () => timed.json<{ cleanups: string[] } | null>('log', { id: cut }),
      (log) => (log?.cleanups.length ?? 0) > 0,
      'the cleanup after the idle cut',
    )
    expect(log?.cleanups).toEqual(['returned'])
    // The stream whose timeout was lifted lived through the same idle period and goes on.
    const seen = untimedStream.comments.length
    await untimedStream.commentCount(seen + 5)
    expect(untimedStream.ended).toBe(false)
  })

  test("the package's EventSource and createParser, running in Bun, read the contract from Bun.serve", async () => {
    await readInside(bun, (file) => [file, untimedUrl], ['bun'])
  })

  for (const how of ['abort', 'cancel'] as const) {
    test(`twenty clients that ${how} at once each get their cleanup, exactly once (two rounds)`, async () => {
      for (let round = 1; round <= 2; round++) {
        await leaveTogether(untimed, `bun-${how}-${Date.now()}-${round}`, 20, how, 'keep-alive')
      }
    })
  }
})

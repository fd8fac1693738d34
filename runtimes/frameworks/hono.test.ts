/**
 * The handler mounted in Hono (`app.get('/events', (c) => handler(c.req.raw))`), served on Node by
 * @hono/node-server and on Bun by `Bun.serve`: one app file (./hono-app.ts) for both, with use-next-sse
 * from the packed tarball on both.
 */
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { inject } from 'vitest'
import { bundleToFile } from '../harness/bundle'
import { startOnFreePorts, waitForHttp } from '../harness/process'
import { honoApp } from './hono-app'
import { frameworkSuite } from './suite'

frameworkSuite('hono on node', {
  async start() {
    let server: ReturnType<typeof serve> | undefined
    const { port } = await new Promise<AddressInfo>((resolve) => {
      server = serve({ fetch: honoApp().fetch, port: 0, hostname: '127.0.0.1' }, resolve)
    })
    return {
      url: `http://127.0.0.1:${port}`,
      stop: () => new Promise<void>((done) => server?.close(() => done())),
    }
  },
})

frameworkSuite('hono on bun', {
  async start() {
    // use-next-sse from the packed tarball, as the Node fixtures get it (./vitest.config.ts).
    const bundle = await bundleToFile(new URL('./hono-bun.ts', import.meta.url), ['bun'], {
      packageFrom: inject('frameworksFixture'),
    })
    const { server, url } = await startOnFreePorts(
      fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url)),
      {
        args: ([port]) => [bundle.file, String(port)],
        ready: (server, url) => waitForHttp(`${url}/cleanups`, server),
        cwd: bundle.dir,
      },
    )
    return {
      url,
      async stop() {
        await server.kill()
        bundle.remove()
      },
    }
  },
})

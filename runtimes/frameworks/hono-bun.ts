/**
 * The Hono app under `Bun.serve`, bundled and run with the real `bun` binary by hono.test.ts:
 * `bun hono-bun.js <port>`.
 */
import { honoApp } from './hono-app'

/** As much of Bun's API as this file uses. */
interface BunServer {
  timeout(request: Request, seconds: number): void
}
declare const Bun: {
  argv: string[]
  serve(options: {
    hostname: string
    port: number
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>
  }): unknown
}

const app = honoApp()

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(Bun.argv[2]),
  fetch(request, server) {
    // Bun cuts a connection 10 s after the client last sent anything, writes or not (runtimes/bun shows
    // it): lift that for the stream.
    if (new URL(request.url).pathname === '/events') server.timeout(request, 0)
    return app.fetch(request, server)
  },
})

/**
 * The Hono app under `Bun.serve`, bundled and run with the real `bun` binary by hono.test.ts:
 * `bun hono-bun.js <port>`.
 */
import { honoApp } from './hono-app'

/** As much of Bun's global as this file uses. */
declare const Bun: {
  argv: string[]
  serve(options: { hostname: string; port: number; idleTimeout: number; fetch: (request: Request) => unknown }): unknown
}

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(Bun.argv[2]),
  // Above the 15 s keep-alive: Bun's default (10 s) cuts idle streams (see runtimes/bun).
  idleTimeout: 30,
  fetch: honoApp().fetch,
})

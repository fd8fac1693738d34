/**
 * The contract app under `Bun.serve`, as a Bun user writes it: `fetch` is the handler itself, and Bun's
 * second argument (its `Server`) reaches `context.args`. bun.test.ts bundles this file and runs it with
 * the real `bun` binary from npm: `bun server.js <port> [idleTimeout in seconds]`.
 */
import { handle } from '../contract/app'

/** As much of Bun's global as this file uses (bun-types is not a dependency). */
declare const Bun: {
  argv: string[]
  serve(options: {
    hostname: string
    port: number
    idleTimeout: number
    fetch(request: Request, server: unknown): Response | Promise<Response>
  }): unknown
}

const [port, idleTimeout] = Bun.argv.slice(2)

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(port),
  // Bun (1.4.4) closes a connection that is silent for `idleTimeout` seconds, 10 by default, and the
  // default keep-alive is every 15 s: an idle stream would be cut between two keep-alives. Writes count
  // as activity (bun.test.ts checks both), so anything above the keep-alive interval holds.
  idleTimeout: Number(idleTimeout ?? 30),
  fetch: handle,
})

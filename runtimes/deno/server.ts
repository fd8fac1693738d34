/**
 * The contract app under `Deno.serve`, as a Deno user writes it: the handler itself, with Deno's second
 * argument (`{ remoteAddr, completed }`) reaching `context.args`. deno.test.ts bundles this file and runs
 * it with the real `deno` binary from npm: `deno run --allow-net server.js <port>`.
 */
import { handle } from '../contract/app'

/** As much of Deno's global as this file uses. */
declare const Deno: {
  args: string[]
  serve(
    options: { hostname: string; port: number; onListen(): void },
    handler: (request: Request, info: unknown) => Response | Promise<Response>,
  ): unknown
}

const [port] = Deno.args

// onListen replaces Deno's "Listening on …" line; the test waits for an answer over HTTP instead.
Deno.serve({ hostname: '127.0.0.1', port: Number(port), onListen() {} }, handle)

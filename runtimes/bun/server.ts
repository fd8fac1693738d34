/**
 * The contract app under `Bun.serve`, as a Bun user writes it: `fetch` calls the handler, and Bun's
 * second argument (its `Server`) reaches `context.args`. bun.test.ts bundles this file and runs it with
 * the real `bun` binary from npm: `bun server.js <port> <idleTimeout in s> <streams: 'untimed' | 'timed'>`.
 */
import { handle } from '../contract/app'

/** As much of Bun's API as this file uses (bun-types is not a dependency). */
interface BunServer {
  timeout(request: Request, seconds: number): void
}
declare const Bun: {
  argv: string[]
  serve(options: {
    hostname: string
    port: number
    idleTimeout: number
    fetch(request: Request, server: BunServer): Response | Promise<Response>
  }): unknown
}

const [port, idleTimeout, streams] = Bun.argv.slice(2)

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(port),
  idleTimeout: Number(idleTimeout),
  fetch(request, server) {
    // Bun (1.4.4) closes a connection `idleTimeout` seconds (10 by default) after the client last sent
    // anything, however much the server writes meanwhile. `createSSEHandler` lifts it for its streams
    // (`server.timeout(request, 0)`, given Bun's Server as its argument); an app may do it too (`untimed`).
    if (streams === 'untimed') server.timeout(request, 0)
    // A stream not made by the package, writing a comment every 100 ms: what Bun does to any stream.
    if (new URL(request.url).pathname.endsWith('/bare')) {
      let timer: ReturnType<typeof setInterval> | undefined
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          timer = setInterval(() => controller.enqueue(new TextEncoder().encode(':\n\n')), 100)
        },
        cancel: () => clearInterval(timer),
      })
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    }
    return handle(request, server)
  },
})

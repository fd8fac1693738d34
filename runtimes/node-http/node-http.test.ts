/**
 * The contract app behind `node:http` on a loopback port, consumed with fetch, so disconnects travel
 * through a real socket. Twice: through the package's Node adapter (`toNodeHandler` from
 * `use-next-sse/node`, as Express users write it), and with the SSE handlers given Node's `(req, res)`
 * directly, as a Next Pages Router API route calls them.
 */
import { once } from 'node:events'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { toNodeHandler } from 'use-next-sse/node'
import { expect } from 'vitest'
import { handle } from '../contract/app'
import { httpTarget } from '../contract/client'
import { type Runtime, runContract } from '../contract/scenarios'

const adapter: RequestListener = toNodeHandler(handle)

const direct: RequestListener = async (req, res) => {
  const result: Response | undefined = await handle(req as never, res)
  // The SSE routes answered on `res` themselves; the JSON routes (log, ack) return a Response.
  if (result !== undefined) await toNodeHandler(() => result)(req, res)
}

function nodeHttp(name: string, listener: RequestListener): Runtime {
  return {
    name,
    connectionHeader: true,
    async start() {
      const server = createServer(listener)
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      const { port } = server.address() as AddressInfo
      return {
        target: httpTarget(`http://127.0.0.1:${port}`),
        async stop() {
          server.closeAllConnections()
          server.close()
        },
      }
    },
    // The handler is called with (req, res) only: nothing is left over for context.args.
    args: (seen) => expect(seen).toEqual([]),
  }
}

runContract(nodeHttp('node-http', adapter))
runContract(nodeHttp('node-http (req, res)', direct))

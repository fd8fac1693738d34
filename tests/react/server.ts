import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { LAST_EVENT_ID_PARAM } from '../../src/core'
import { toNodeHandler } from '../../src/node'
import { createSSEHandler, type SSECallback, type SSEHandlerOptions } from '../../src/server'

/**
 * A real SSE endpoint for hook tests: `createSSEHandler` behind the Node adapter on a loopback port.
 * Every request is recorded (path, the Last-Event-ID header, the lastEventId query parameter) before it
 * is served. Paths under `/status/<code>` answer that status instead, `/down/<code>/<from>-<to>` answers
 * it to its from-th to to-th requests only, and `/json` answers JSON, for the failure cases.
 */
export async function startSSEServer(callback: SSECallback, options: SSEHandlerOptions = {}) {
  const requests: { path: string; lastEventId: string | null; query: string | null }[] = []
  const open = new Set<ServerResponse>()
  const handler = toNodeHandler(createSSEHandler(callback, { keepAlive: false, ...options }))
  const server = createServer((req, res) => {
    const path = req.url ?? '/'
    const id = req.headers['last-event-id']
    const query = new URL(path, 'http://server').searchParams.get(LAST_EVENT_ID_PARAM)
    requests.push({ path, lastEventId: typeof id === 'string' ? id : null, query })
    // `/down/<code>/<from>-<to>`: the from-th to to-th requests to this path answer `code` (a deploy).
    const down = /^\/down\/(\d+)\/(\d+)-(\d+)/.exec(path)
    const seen = down ? requests.filter((r) => r.path.startsWith(down[0])).length : 0
    const code =
      /^\/status\/(\d+)/.exec(path)?.[1] ?? (down && seen >= +down[2]! && seen <= +down[3]! ? down[1] : undefined)
    if (code) {
      res.writeHead(Number(code), { 'content-type': 'text/event-stream' })
      return void res.end()
    }
    if (path.startsWith('/json')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      return void res.end('{}')
    }
    open.add(res)
    res.on('close', () => open.delete(res))
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    /** The URL of `path` on this server. */
    url: (path = '/events') => `${base}${path}`,
    requests,
    /** Responses currently streaming. */
    open,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

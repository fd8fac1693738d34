/*
 * The server of bench/tcp-idle.mjs, in its own process: `node --expose-gc tcp-idle-server.mjs raw|ours`.
 * Sends `{ port }` once listening, then `{ heap, rss }` (after gc) for every 'measure' message.
 */
import { createServer } from 'node:http'

let listener
if (process.argv[2] === 'raw') {
  listener = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' })
    res.write(':\n\n')
  }
} else {
  const { createSSEHandler } = await import('use-next-sse/server')
  const { toNodeHandler } = await import('use-next-sse/node')
  listener = toNodeHandler(createSSEHandler(() => {}))
}
const server = createServer(listener)
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('message', (message) => {
  if (message !== 'measure') return
  globalThis.gc()
  globalThis.gc()
  const { heapUsed, rss } = process.memoryUsage()
  process.send({ heap: heapUsed, rss })
})
